//! Item parameters CSV input (`sku,lead_time,unit_cost,...`).
//!
//! Columns are matched by header name (any order, any case); other columns, such as
//! `description`, are ignored. Only `sku` is required. An empty cell means unknown and
//! takes the default below:
//!
//! | column | meaning | default |
//! |---|---|---|
//! | `sku` | item key, as in the demand file | required |
//! | `lead_time` | periods from order to delivery (whole number ≥ 0) | 0 |
//! | `unit_cost` | cost price per demand unit | 0 (no inventory value) |
//! | `order_cost` | fixed cost per order | 0 (no EOQ: order what is needed) |
//! | `holding_cost_per_unit_per_period` | holding cost per demand unit per period | unknown (no EOQ) |
//! | `moq` | minimum order quantity in demand units | 0 |
//! | `pack_size` | pieces per demand unit (demand counted in packs, as in MAN) | 1 |
//! | `replaces` | sku of the predecessor part this successor replaces (phase-in) | none |
//! | `replaces_share` | share of the predecessor's demand moving over, 0 < share ≤ 1 | 1 |
//!
//! A successor inherits its predecessor's history (see `crate::lifecycle`).
//!
//! Quantities are counted in the demand file's unit. When that unit is a pack of
//! `pack_size` pieces, stock levels and orders are rounded up to whole pieces, i.e. to
//! multiples of `1 / pack_size` (the counting unit of the engine). Costs are read as
//! exact decimals into billionths of the currency unit (rounded half up at the ninth
//! decimal), never through a float. A sku of the demand file that has no row here gets
//! every default.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use aftercare_planning::policy::{ItemParams, Nanos};
use rustc_hash::{FxHashMap, FxHashSet};
use thiserror::Error;

/// Why an items file could not be read.
#[derive(Debug, Error)]
pub enum ItemsError {
    /// The file could not be opened or read.
    #[error("{file}: {source}")]
    Io {
        /// The file.
        file: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A cell or row is malformed.
    #[error("{file}: line {line}, column {column} ({name}): {reason}")]
    Malformed {
        /// The file.
        file: PathBuf,
        /// 1-based line number.
        line: usize,
        /// 1-based column number.
        column: usize,
        /// Column name from the header.
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// The file as a whole is wrong (no header, no `sku` column, CSV syntax).
    #[error("{file}: {reason}")]
    Invalid {
        /// The file.
        file: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

/// One item's row.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemRecord {
    /// Engine parameters (counting unit = 1 / pack size).
    pub params: ItemParams,
    /// Pieces per demand unit.
    pub pack_size: f64,
    /// The part this one replaces, when it is a successor.
    pub replaces: Option<Replacement>,
}

/// A successor's `replaces` and `replaces_share` cells.
#[derive(Debug, Clone, PartialEq)]
pub struct Replacement {
    /// Sku of the predecessor.
    pub predecessor: String,
    /// Share of the predecessor's demand that moves over (0 < share ≤ 1).
    pub share: f64,
    /// 1-based line of the row, for errors found later.
    pub line: usize,
    /// 1-based column of `replaces`, for errors found later.
    pub column: usize,
}

/// One successor row of an items file.
#[derive(Debug, Clone, PartialEq)]
pub struct Succession {
    /// Sku of the successor.
    pub successor: String,
    /// What it replaces.
    pub replacement: Replacement,
    /// The successor's own parameters (it may have no demand history yet).
    pub params: ItemParams,
}

/// What [`read_item_params`] found.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemTable {
    /// Parameters of the requested keys, in their order.
    pub params: Vec<ItemParams>,
    /// Requested keys without a row (they get every default).
    pub missing: usize,
    /// The first few of them ([`MISSING_EXAMPLES`]), in the order of the keys.
    pub missing_examples: Vec<String>,
    /// Successor rows, in file order.
    pub successions: Vec<Succession>,
}

impl Default for ItemRecord {
    fn default() -> Self {
        Self {
            params: ItemParams::default(),
            pack_size: 1.0,
            replaces: None,
        }
    }
}

/// Items by sku.
#[derive(Debug, Clone, Default)]
pub struct Items {
    by_sku: HashMap<String, ItemRecord>,
}

impl Items {
    /// The item's row, or every default when it has none.
    pub fn get(&self, sku: &str) -> ItemRecord {
        self.by_sku.get(sku).cloned().unwrap_or_default()
    }

    /// Whether the sku has a row.
    pub fn contains(&self, sku: &str) -> bool {
        self.by_sku.contains_key(sku)
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.by_sku.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.by_sku.is_empty()
    }
}

/// Read an items file.
pub fn read_items(path: &Path) -> Result<Items, ItemsError> {
    let file = std::fs::File::open(path).map_err(|source| ItemsError::Io {
        file: path.to_path_buf(),
        source,
    })?;
    read_items_from(file, path)
}

const COLUMNS: [&str; 9] = [
    "sku",
    "lead_time",
    "unit_cost",
    "order_cost",
    "holding_cost_per_unit_per_period",
    "moq",
    "pack_size",
    "replaces",
    "replaces_share",
];

/// Read items CSV from `reader`; `path` names the source in errors.
pub fn read_items_from(reader: impl std::io::Read, path: &Path) -> Result<Items, ItemsError> {
    let mut by_sku = HashMap::new();
    visit_rows(reader, path, |sku, item| {
        match by_sku.entry(sku.to_string()) {
            std::collections::hash_map::Entry::Occupied(_) => {
                Err(format!("sku {sku:?} appears twice"))
            }
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(item);
                Ok(())
            }
        }
    })?;
    Ok(Items { by_sku })
}

/// Item parameters of `keys` (in that order) read from an items file, how many keys
/// have no row (they get every default), and every successor row.
///
/// The same checks as [`read_items`], without keeping a map of every row: a panel of a
/// million series otherwise holds a second copy of every sku.
pub fn read_item_params(path: &Path, keys: &[String]) -> Result<ItemTable, ItemsError> {
    let file = std::fs::File::open(path).map_err(|source| ItemsError::Io {
        file: path.to_path_buf(),
        source,
    })?;
    let index: FxHashMap<&str, usize> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| (k.as_str(), i))
        .collect();
    let mut params = vec![ItemParams::default(); keys.len()];
    let mut seen = vec![false; keys.len()];
    let mut others: FxHashSet<String> = FxHashSet::default();
    let mut successions = Vec::new();
    let twice = |sku: &str| format!("sku {sku:?} appears twice");
    visit_rows(
        std::io::BufReader::with_capacity(1 << 20, file),
        path,
        |sku, item| {
            match index.get(sku) {
                Some(&i) if seen[i] => return Err(twice(sku)),
                Some(&i) => {
                    seen[i] = true;
                    params[i] = item.params;
                }
                None if others.insert(sku.to_string()) => {}
                None => return Err(twice(sku)),
            }
            if let Some(replacement) = item.replaces {
                successions.push(Succession {
                    successor: sku.to_string(),
                    replacement,
                    params: item.params,
                });
            }
            Ok(())
        },
    )?;
    let missing = seen.iter().filter(|&&s| !s).count();
    let missing_examples = keys
        .iter()
        .zip(&seen)
        .filter(|(_, s)| !**s)
        .take(MISSING_EXAMPLES)
        .map(|(k, _)| k.clone())
        .collect();
    Ok(ItemTable {
        params,
        missing,
        missing_examples,
        successions,
    })
}

/// Skus without a row named in the warning about them.
pub const MISSING_EXAMPLES: usize = 5;

impl ItemTable {
    /// The warning about skus without a row, naming the first few, when there are any.
    pub fn missing_warning(&self) -> Option<String> {
        if self.missing == 0 {
            return None;
        }
        let names: Vec<String> = self
            .missing_examples
            .iter()
            .map(|k| format!("{k:?}"))
            .collect();
        let more = if self.missing > names.len() {
            ", …"
        } else {
            ""
        };
        Some(format!(
            "warning: {} sku(s) have no row in the items file; defaults used: {}{more}",
            self.missing,
            names.join(", ")
        ))
    }
}

/// A CSV reader over `reader` and its header names, trimmed, lower case and without a
/// byte-order mark (columns are matched by name).
pub(crate) fn open_csv<R: std::io::Read>(
    reader: R,
    path: &Path,
) -> Result<(csv::Reader<R>, Vec<String>), ItemsError> {
    // Flexible: a row of the wrong width is named by line and column (`row_width`), not
    // by the CSV library's byte offset.
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(reader);
    let headers = rdr.headers().map_err(|e| ItemsError::Invalid {
        file: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    let names = headers
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_ascii_lowercase())
        .collect();
    Ok((rdr, names))
}

/// A row whose number of cells differs from the header's: the 1-based column where it
/// goes wrong (the first missing one, or the first beyond the header), its name and why.
pub(crate) fn row_width(
    record: &csv::StringRecord,
    names: &[String],
) -> Option<(usize, String, String)> {
    let (have, want) = (record.len(), names.len());
    if have == want {
        return None;
    }
    let reason = format!("expected {want} columns as the header names, found {have}");
    Some(if have < want {
        (have + 1, names[have].clone(), reason)
    } else {
        (want + 1, "beyond the header".to_string(), reason)
    })
}

/// Parse every row of an items file and hand `(sku, item)` to `on_row`; an `Err` from it
/// is reported at the row's sku cell.
fn visit_rows(
    reader: impl std::io::Read,
    path: &Path,
    mut on_row: impl FnMut(&str, ItemRecord) -> Result<(), String>,
) -> Result<(), ItemsError> {
    let invalid = |reason: String| ItemsError::Invalid {
        file: path.to_path_buf(),
        reason,
    };
    let (mut rdr, names) = open_csv(reader, path)?;
    let index: Vec<Option<usize>> = COLUMNS
        .iter()
        .map(|c| names.iter().position(|n| n == c))
        .collect();
    let Some(sku_col) = index[0] else {
        return Err(invalid("no `sku` column in the header".into()));
    };
    // One record reused for every row: a million rows would otherwise be a million
    // allocations.
    let mut record = csv::StringRecord::new();
    let mut row = 0usize;
    while rdr
        .read_record(&mut record)
        .map_err(|e| invalid(e.to_string()))?
    {
        row += 1;
        let line = record.position().map_or(row + 1, |p| p.line() as usize);
        if let Some((column, name, reason)) = row_width(&record, &names) {
            return Err(ItemsError::Malformed {
                file: path.to_path_buf(),
                line,
                column,
                name,
                reason,
            });
        }
        let cell = |k: usize| -> Option<(usize, &str)> {
            index[k].map(|c| (c, record.get(c).unwrap_or("").trim()))
        };
        let bad = |col: usize, reason: String| ItemsError::Malformed {
            file: path.to_path_buf(),
            line,
            column: col + 1,
            name: COLUMNS
                .iter()
                .zip(&index)
                .find(|(_, i)| **i == Some(col))
                .map_or_else(|| names[col].clone(), |(n, _)| n.to_string()),
            reason,
        };
        let sku = record.get(sku_col).unwrap_or("").trim();
        if sku.is_empty() {
            return Err(bad(sku_col, "empty sku".into()));
        }
        let mut item = parse_row(&cell).map_err(|(col, reason)| bad(col, reason))?;
        item.replaces =
            parse_replacement(&cell, sku, line).map_err(|(col, reason)| bad(col, reason))?;
        on_row(sku, item).map_err(|reason| bad(sku_col, reason))?;
    }
    Ok(())
}

type Cell<'a> = Option<(usize, &'a str)>;

fn parse_row<'a>(cell: &impl Fn(usize) -> Cell<'a>) -> Result<ItemRecord, (usize, String)> {
    let lead_time = match cell(1) {
        Some((c, s)) if !s.is_empty() => parse_whole(s).map_err(|r| (c, r))?,
        _ => 0,
    };
    let money = |k: usize| -> Result<Option<Nanos>, (usize, String)> {
        match cell(k) {
            Some((c, s)) if !s.is_empty() => parse_nanos(s).map(Some).map_err(|r| (c, r)),
            _ => Ok(None),
        }
    };
    let quantity = |k: usize, default: f64| -> Result<f64, (usize, String)> {
        match cell(k) {
            Some((c, s)) if !s.is_empty() => {
                let v: f64 = s
                    .parse()
                    .map_err(|_| (c, format!("{s:?} is not a number")))?;
                if !v.is_finite() || v < 0.0 {
                    return Err((c, format!("{s:?} must be a number ≥ 0")));
                }
                if v > crate::input::MAX_QTY {
                    return Err((c, format!("{s} is above {:e} units", crate::input::MAX_QTY)));
                }
                Ok(v)
            }
            _ => Ok(default),
        }
    };
    let unit_cost = money(2)?.unwrap_or_default();
    let order_cost = money(3)?.unwrap_or_default();
    let holding_cost = money(4)?;
    let moq = quantity(5, 0.0)?;
    let pack_size = quantity(6, 1.0)?;
    if pack_size <= 0.0 {
        return Err((
            cell(6).map_or(0, |(c, _)| c),
            "pack_size must be above 0".into(),
        ));
    }
    Ok(ItemRecord {
        params: ItemParams {
            lead_time,
            unit_cost,
            order_cost,
            holding_cost,
            moq,
            unit: 1.0 / pack_size,
        },
        pack_size,
        replaces: None,
    })
}

/// The `replaces` and `replaces_share` cells of the row of `sku` on `line`.
fn parse_replacement<'a>(
    cell: &impl Fn(usize) -> Cell<'a>,
    sku: &str,
    line: usize,
) -> Result<Option<Replacement>, (usize, String)> {
    let share_cell = cell(8).filter(|(_, s)| !s.is_empty());
    let Some((column, predecessor)) = cell(7).filter(|(_, s)| !s.is_empty()) else {
        return match share_cell {
            Some((c, _)) => Err((c, "replaces_share given without replaces".into())),
            None => Ok(None),
        };
    };
    if predecessor == sku {
        return Err((column, format!("part {sku:?} cannot replace itself")));
    }
    let share = match share_cell {
        None => 1.0,
        Some((c, s)) => {
            let v: f64 = s
                .parse()
                .map_err(|_| (c, format!("{s:?} is not a number")))?;
            // `!(v > 0)` also refuses NaN.
            if !(v > 0.0 && v <= 1.0) {
                return Err((c, format!("share {s} must be above 0 and at most 1")));
            }
            v
        }
    };
    Ok(Some(Replacement {
        predecessor: predecessor.to_string(),
        share,
        line,
        column: column + 1,
    }))
}

fn parse_whole(s: &str) -> Result<usize, String> {
    let v: f64 = s
        .parse()
        .map_err(|_| format!("{s:?} is not a whole number of periods"))?;
    if v.is_nan() || v < 0.0 || v.fract() != 0.0 || v > 1e6 {
        return Err(format!("{s:?} is not a whole number of periods ≥ 0"));
    }
    Ok(v as usize)
}

/// Parse a non-negative decimal (optionally with an exponent, `7.2e-05`) into nanos,
/// exactly, rounding half up at the ninth decimal.
pub fn parse_nanos(s: &str) -> Result<Nanos, String> {
    let err = || format!("{s:?} is not an amount (a decimal number ≥ 0)");
    let (mantissa, exp) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], s[i + 1..].parse::<i32>().map_err(|_| err())?),
        None => (s, 0),
    };
    let mantissa = mantissa.strip_prefix('+').unwrap_or(mantissa);
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if int.is_empty() && frac.is_empty() {
        return Err(err());
    }
    if !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
        return Err(err());
    }
    // value = digits × 10^(exp − frac.len()); nanos = value × 10^9.
    let digits: String = format!("{int}{frac}");
    let digits = digits.trim_start_matches('0');
    let shift = exp as i64 - frac.len() as i64 + 9;
    let overflow = || format!("{s:?} is too large");
    if digits.is_empty() {
        return Ok(Nanos(0));
    }
    if shift >= 0 {
        let n: i128 = digits.parse().map_err(|_| overflow())?;
        let scaled = 10i128
            .checked_pow(shift as u32)
            .and_then(|p| n.checked_mul(p))
            .ok_or_else(overflow)?;
        return i64::try_from(scaled).map(Nanos).map_err(|_| overflow());
    }
    let cut = (-shift) as usize;
    if cut > digits.len() {
        // digits × 10^-cut < 10^-1 nanos: rounds to zero.
        return Ok(Nanos(0));
    }
    let (keep, dropped) = digits.split_at(digits.len() - cut);
    let kept: i128 = if keep.is_empty() {
        0
    } else {
        keep.parse().map_err(|_| overflow())?
    };
    let round = i128::from(dropped.as_bytes().first().is_some_and(|&b| b >= b'5'));
    i64::try_from(kept + round)
        .map(Nanos)
        .map_err(|_| overflow())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Items, ItemsError> {
        read_items_from(text.as_bytes(), Path::new("items.csv"))
    }

    #[test]
    fn columns_are_matched_by_name_and_others_ignored() {
        let items = read(
            "pack_size,description,sku,lead_time,unit_cost,order_cost,\
             holding_cost_per_unit_per_period,moq\n\
             50,\"bolt, M6\",A1,16,3.5639999999999996,5,0.011740384615384616,0.02\n",
        )
        .unwrap();
        let a = items.get("A1");
        assert_eq!(a.params.lead_time, 16);
        assert_eq!(a.params.unit_cost, Nanos(3_564_000_000));
        assert_eq!(a.params.order_cost, Nanos(5_000_000_000));
        assert_eq!(a.params.holding_cost, Some(Nanos(11_740_385)));
        assert_eq!(a.params.moq, 0.02);
        assert_eq!(a.pack_size, 50.0);
        assert!((a.params.unit - 0.02).abs() < 1e-15);
    }

    #[test]
    fn a_row_of_the_wrong_width_or_a_huge_quantity_is_named_by_line_and_column() {
        let head =
            "sku,lead_time,unit_cost,order_cost,holding_cost_per_unit_per_period,moq,pack_size\n";
        let e = read(&format!("{head}A,1,2,3,0.1,1,1\nB,1,2\n"))
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "items.csv: line 3, column 4 (order_cost): expected 7 columns as the header names, found 3"
        );
        let e = read(&format!("{head}A,1,2,3,0.1,1,1,x\n"))
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("items.csv: line 2, column 8 (beyond the header)"),
            "{e}"
        );
        let e = read(&format!("{head}A,1,2,3,0.1,1e13,1\n"))
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "items.csv: line 2, column 6 (moq): 1e13 is above 1e12 units"
        );
    }

    #[test]
    fn blanks_take_the_documented_defaults() {
        let items = read("sku,description,lead_time,unit_cost,order_cost,holding_cost_per_unit_per_period,moq,pack_size\nSKU_1,,,,,,,\n").unwrap();
        let a = items.get("SKU_1");
        assert_eq!(a, ItemRecord::default());
        assert_eq!(a.params.holding_cost, None);
        assert!(!items.contains("other"));
        assert_eq!(items.get("other"), ItemRecord::default());
    }

    #[test]
    fn malformed_cells_name_file_line_column_and_reason() {
        let err = read("sku,lead_time,unit_cost\nA,2,1.5\nB,two,1.5\n")
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "items.csv: line 3, column 2 (lead_time): \"two\" is not a whole number of periods"
        );
        let err = read("sku,unit_cost\nA,-1\n").unwrap_err().to_string();
        assert!(err.contains("line 2, column 2 (unit_cost)"), "{err}");
        let err = read("sku,pack_size\nA,0\n").unwrap_err().to_string();
        assert!(
            err.contains("column 2 (pack_size): pack_size must be above 0"),
            "{err}"
        );
    }

    #[test]
    fn duplicate_and_missing_skus_are_rejected() {
        let err = read("sku,moq\nA,1\nA,2\n").unwrap_err().to_string();
        assert!(
            err.contains("line 3, column 1 (sku): sku \"A\" appears twice"),
            "{err}"
        );
        let err = read("part,moq\nA,1\n").unwrap_err().to_string();
        assert_eq!(err, "items.csv: no `sku` column in the header");
        let err = read("sku,moq\n,1\n").unwrap_err().to_string();
        assert!(err.contains("empty sku"), "{err}");
    }

    #[test]
    fn item_params_follow_the_panel_order_and_count_skus_without_a_row() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("items.csv");
        std::fs::write(&path, "sku,lead_time,pack_size\nB,4,10\nX,9,1\nA,2,\n").unwrap();
        let keys: Vec<String> = ["A", "C", "B"].iter().map(|k| k.to_string()).collect();
        let table = read_item_params(&path, &keys).unwrap();
        assert_eq!(
            table.missing_warning().as_deref(),
            Some("warning: 1 sku(s) have no row in the items file; defaults used: \"C\"")
        );
        let ItemTable {
            params, missing, ..
        } = table;
        assert_eq!(missing, 1);
        assert_eq!(params[0].lead_time, 2);
        assert_eq!(params[1], ItemParams::default());
        assert_eq!(params[2].lead_time, 4);
        assert!((params[2].unit - 0.1).abs() < 1e-15);
        let want = read_items(&path).unwrap();
        assert_eq!(params[2], want.get("B").params);
    }

    #[test]
    fn the_warning_about_skus_without_a_row_names_the_first_few() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("items.csv");
        std::fs::write(&path, "sku,lead_time\n B ,4\n").unwrap();
        let keys: Vec<String> = ["A", "B", "C", "D", "E", "F", "G"]
            .iter()
            .map(|k| k.to_string())
            .collect();
        let table = read_item_params(&path, &keys).unwrap();
        assert_eq!(table.params[1].lead_time, 4, "the items sku is trimmed");
        assert_eq!(
            table.missing_warning().unwrap(),
            "warning: 6 sku(s) have no row in the items file; defaults used: \"A\", \"C\", \"D\", \"E\", \"F\", …"
        );
    }

    #[test]
    fn item_params_reject_a_sku_given_twice_in_or_outside_the_panel() {
        let dir = tempfile::tempdir().unwrap();
        let keys = vec!["A".to_string()];
        for text in ["sku,moq\nA,1\nA,2\n", "sku,moq\nZ,1\nZ,2\n"] {
            let path = dir.path().join("items.csv");
            std::fs::write(&path, text).unwrap();
            let err = read_item_params(&path, &keys).unwrap_err().to_string();
            assert!(err.contains("line 3, column 1 (sku)"), "{err}");
            assert!(err.contains("appears twice"), "{err}");
        }
    }

    #[test]
    fn successor_rows_carry_their_predecessor_share_and_position() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("items.csv");
        std::fs::write(
            &path,
            "sku,replaces_share,lead_time,replaces\nA,,1,\nB,,2,A\nN,0.25,3,B\n",
        )
        .unwrap();
        let keys = vec!["A".to_string(), "B".to_string()];
        let table = read_item_params(&path, &keys).unwrap();
        let found: Vec<(&str, &str, f64, usize, usize, usize)> = table
            .successions
            .iter()
            .map(|s| {
                let r = &s.replacement;
                (
                    s.successor.as_str(),
                    r.predecessor.as_str(),
                    r.share,
                    r.line,
                    r.column,
                    s.params.lead_time,
                )
            })
            .collect();
        assert_eq!(found, [("B", "A", 1.0, 3, 4, 2), ("N", "B", 0.25, 4, 4, 3)]);
        let err = read("sku,replaces,replaces_share\nA,,0.5\n")
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "items.csv: line 2, column 3 (replaces_share): replaces_share given without replaces"
        );
    }

    #[test]
    fn amounts_are_parsed_exactly_with_half_up_rounding() {
        assert_eq!(parse_nanos("0.0000000005"), Ok(Nanos(1)));
        assert_eq!(parse_nanos("0.0000000004"), Ok(Nanos(0)));
        assert_eq!(parse_nanos("7.2e-05"), Ok(Nanos(72_000)));
        assert_eq!(parse_nanos("1E3"), Ok(Nanos(1_000_000_000_000)));
        assert_eq!(parse_nanos("12"), Ok(Nanos(12_000_000_000)));
        assert_eq!(parse_nanos(".5"), Ok(Nanos(500_000_000)));
        assert!(parse_nanos("1.2.3").is_err());
        assert!(parse_nanos("abc").is_err());
        assert!(parse_nanos("99999999999999999999").is_err());
    }
}
