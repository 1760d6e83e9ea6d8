//! Product lifecycle inputs of the `plan` commands: successor parts from the items file
//! and event demand (recalls) from `--events`.
//!
//! # Successor parts (phase-in)
//!
//! An items row with `replaces = P` (and optionally `replaces_share = s`, 1 when blank)
//! makes its sku a successor of `P`: before anything else is computed, the successor's
//! demand series becomes `inherit_history(P, successor, s)` (the predecessor's demand
//! times `s` added period by period). The predecessor keeps its own series. A successor
//! that is not in the demand file is a new part: it is added after the demand file's
//! series with a history of zeros, so it inherits the predecessor's history alone.
//!
//! Chains are allowed: when `C` replaces `B` and `B` replaces `A`, `B` inherits from `A`
//! first and `C` then inherits `B`'s inherited series (so `A`'s demand reaches `C` times
//! both shares). A predecessor may be split between several successors (each row names
//! it with its share) as long as the shares add up to at most 1. A cycle of replacements
//! is an error, as is a predecessor that is neither in the demand file nor a successor in
//! the items file, or shares of one predecessor above 1 in total.
//!
//! # Event demand
//!
//! `--events E.csv` has the columns `sku,start,periods,affected_units,replacement_rate`
//! (matched by header name, any order and case; other columns are ignored). An event
//! needs `affected_units × replacement_rate` parts, spread evenly over `periods` forecast
//! steps from step `start` (0 = the first forecast period). A sku may have several
//! events; every sku must be one of the planned series.

use std::path::Path;

use aftercare_planning::lifecycle::{EventDemand, inherit_history};
use aftercare_planning::policy::ItemParams;
use aftercare_planning::series::Panel;
use rustc_hash::FxHashMap;

use crate::items::{ItemsError, Succession, read_item_params};

/// The panel with successors' inherited histories and the items' parameters in the
/// panel's order, from the items file at `path`.
pub fn with_items(panel: Panel, path: &Path) -> Result<(Panel, Vec<ItemParams>), ItemsError> {
    let table = read_item_params(path, panel.keys())?;
    if let Some(warning) = table.missing_warning() {
        eprintln!("{warning}");
    }
    apply_successions(panel, table.params, &table.successions, path)
}

/// The panel with successors' inherited histories from the items file at `path`, for a
/// command that needs no other item data (no warning about skus without a row).
pub fn with_successions(panel: Panel, path: &Path) -> Result<Panel, ItemsError> {
    let table = read_item_params(path, panel.keys())?;
    Ok(apply_successions(panel, table.params, &table.successions, path)?.0)
}

/// Replace every successor's series by the history it inherits (see the module doc);
/// successors without a series are appended with their `params`. `file` names the items
/// file in errors.
pub fn apply_successions(
    panel: Panel,
    mut params: Vec<ItemParams>,
    successions: &[Succession],
    file: &Path,
) -> Result<(Panel, Vec<ItemParams>), ItemsError> {
    if successions.is_empty() {
        return Ok((panel, params));
    }
    let t = panel.periods();
    let mut keys = panel.keys().to_vec();
    let mut values = panel.values().to_vec();
    drop(panel);
    let mut index: FxHashMap<String, usize> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| (k.clone(), i))
        .collect();
    for s in successions {
        if !index.contains_key(&s.successor) {
            index.insert(s.successor.clone(), keys.len());
            keys.push(s.successor.clone());
            values.resize(values.len() + t, 0.0);
            params.push(s.params);
        }
    }
    for s in successions {
        if !index.contains_key(&s.replacement.predecessor) {
            return Err(at_replaces(
                file,
                s,
                format!(
                    "unknown predecessor sku {:?}: not in the demand file and not a successor in this file",
                    s.replacement.predecessor
                ),
            ));
        }
    }
    check_split_shares(successions, file)?;
    for k in resolution_order(successions, file)? {
        let s = &successions[k];
        let (p, c) = (index[&s.replacement.predecessor], index[&s.successor]);
        let inherited = inherit_history(
            &values[p * t..(p + 1) * t],
            &values[c * t..(c + 1) * t],
            s.replacement.share,
        );
        values[c * t..(c + 1) * t].copy_from_slice(&inherited);
    }
    let panel = Panel::new(keys, t, values).map_err(|e| ItemsError::Invalid {
        file: file.to_path_buf(),
        reason: e.to_string(),
    })?;
    Ok((panel, params))
}

/// A predecessor may hand its demand to several successors (a split), but at most all of
/// it: shares above 1 in total would count the same demand twice. The error is on the row
/// that takes the total above 1.
fn check_split_shares(successions: &[Succession], file: &Path) -> Result<(), ItemsError> {
    // Shares are read from decimal text; allow for their binary rounding.
    const TOLERANCE: f64 = 1e-9;
    let mut rows: Vec<&Succession> = successions.iter().collect();
    rows.sort_by_key(|s| s.replacement.line);
    let mut given: FxHashMap<&str, (f64, Vec<&str>)> = FxHashMap::default();
    for s in rows {
        let (total, takers) = given
            .entry(s.replacement.predecessor.as_str())
            .or_insert((0.0, Vec::new()));
        *total += s.replacement.share;
        takers.push(s.successor.as_str());
        if *total > 1.0 + TOLERANCE {
            return Err(at_replaces(
                file,
                s,
                format!(
                    "the successors of {:?} ({}) take {} of its demand in total; the shares of one predecessor may add up to at most 1",
                    s.replacement.predecessor,
                    takers.join(", "),
                    crate::numbers::num(*total),
                ),
            ));
        }
    }
    Ok(())
}

/// Successions in an order where every predecessor that is itself a successor comes
/// before the parts replacing it; a cycle is an error.
fn resolution_order(successions: &[Succession], file: &Path) -> Result<Vec<usize>, ItemsError> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        Pending,
        OnPath,
        Done,
    }
    let by_successor: FxHashMap<&str, usize> = successions
        .iter()
        .enumerate()
        .map(|(k, s)| (s.successor.as_str(), k))
        .collect();
    let mut state = vec![State::Pending; successions.len()];
    let mut order = Vec::with_capacity(successions.len());
    let mut path = Vec::new();
    for first in 0..successions.len() {
        path.clear();
        let mut k = first;
        // Walk back along the predecessors (iteratively: a chain may be long).
        loop {
            match state[k] {
                State::Done => break,
                State::OnPath => return Err(cycle_error(successions, &path, k, file)),
                State::Pending => {}
            }
            state[k] = State::OnPath;
            path.push(k);
            match by_successor.get(successions[k].replacement.predecessor.as_str()) {
                Some(&p) => k = p,
                None => break,
            }
        }
        for &k in path.iter().rev() {
            state[k] = State::Done;
            order.push(k);
        }
    }
    Ok(order)
}

/// The error for the cycle closing at `k` on `path`, reported on its first row in the file.
fn cycle_error(successions: &[Succession], path: &[usize], k: usize, file: &Path) -> ItemsError {
    let start = path.iter().position(|&j| j == k).expect("k is on the path");
    let cycle = &path[start..];
    let first = *cycle
        .iter()
        .min_by_key(|&&j| successions[j].replacement.line)
        .expect("a cycle has a member");
    let words: Vec<String> = cycle
        .iter()
        .map(|&j| {
            format!(
                "{} replaces {}",
                successions[j].successor, successions[j].replacement.predecessor
            )
        })
        .collect();
    at_replaces(
        file,
        &successions[first],
        format!("replacements form a cycle ({})", words.join(", ")),
    )
}

fn at_replaces(file: &Path, s: &Succession, reason: String) -> ItemsError {
    ItemsError::Malformed {
        file: file.to_path_buf(),
        line: s.replacement.line,
        column: s.replacement.column,
        name: "replaces".into(),
        reason,
    }
}

/// Why an events file could not be read: the same cases as an items file (I/O, a
/// malformed cell named by line and column, a wrong file as a whole).
pub type EventsError = ItemsError;

/// Events per series of a panel.
#[derive(Debug, Clone, Default)]
pub struct Events {
    by_series: FxHashMap<usize, Vec<EventDemand>>,
}

impl Events {
    /// The events of series `i` (none for most).
    pub fn of(&self, i: usize) -> &[EventDemand] {
        self.by_series.get(&i).map_or(&[], Vec::as_slice)
    }

    /// Whether there are no events at all.
    pub fn is_empty(&self) -> bool {
        self.by_series.is_empty()
    }
}

const EVENT_COLUMNS: [&str; 5] = [
    "sku",
    "start",
    "periods",
    "affected_units",
    "replacement_rate",
];

/// Read an events file; every sku must be a series of `panel`.
pub fn read_events(path: &Path, panel: &Panel) -> Result<Events, EventsError> {
    let file = std::fs::File::open(path).map_err(|source| EventsError::Io {
        file: path.to_path_buf(),
        source,
    })?;
    read_events_from(file, path, panel)
}

/// Read events CSV from `reader`; `path` names the source in errors.
pub fn read_events_from(
    reader: impl std::io::Read,
    path: &Path,
    panel: &Panel,
) -> Result<Events, EventsError> {
    let invalid = |reason: String| EventsError::Invalid {
        file: path.to_path_buf(),
        reason,
    };
    let (mut rdr, names) = crate::items::open_csv(reader, path)?;
    let mut cols = [0usize; 5];
    for (slot, want) in cols.iter_mut().zip(EVENT_COLUMNS) {
        *slot = names
            .iter()
            .position(|n| n == want)
            .ok_or_else(|| invalid(format!("no `{want}` column in the header")))?;
    }
    let index: FxHashMap<&str, usize> = panel
        .keys()
        .iter()
        .enumerate()
        .map(|(i, k)| (k.as_str(), i))
        .collect();
    let mut events = Events::default();
    let mut record = csv::StringRecord::new();
    let mut row = 0usize;
    while rdr
        .read_record(&mut record)
        .map_err(|e| invalid(e.to_string()))?
    {
        row += 1;
        let line = record.position().map_or(row + 1, |p| p.line() as usize);
        if let Some((column, name, reason)) = crate::items::row_width(&record, &names) {
            return Err(EventsError::Malformed {
                file: path.to_path_buf(),
                line,
                column,
                name,
                reason,
            });
        }
        let cell = |k: usize| record.get(cols[k]).unwrap_or("").trim();
        let bad = |k: usize, reason: String| EventsError::Malformed {
            file: path.to_path_buf(),
            line,
            column: cols[k] + 1,
            name: EVENT_COLUMNS[k].into(),
            reason,
        };
        let sku = cell(0);
        let &series = index.get(sku).ok_or_else(|| {
            bad(
                0,
                if sku.is_empty() {
                    "empty sku".into()
                } else {
                    format!("unknown sku {sku:?}: not a planned series")
                },
            )
        })?;
        let start = parse_count(cell(1)).map_err(|r| bad(1, r))?;
        let periods = parse_count(cell(2)).map_err(|r| bad(2, r))?;
        if periods == 0 {
            return Err(bad(2, "periods must be at least 1".into()));
        }
        // The product's limits on an event (100 million units, 100 parts per unit).
        let affected_units = parse_amount(cell(3), MAX_AFFECTED).map_err(|r| bad(3, r))?;
        let replacement_rate = parse_amount(cell(4), MAX_RATE).map_err(|r| bad(4, r))?;
        events
            .by_series
            .entry(series)
            .or_default()
            .push(EventDemand {
                start,
                periods,
                affected_units,
                replacement_rate,
            });
    }
    Ok(events)
}

/// A whole number ≥ 0 of periods.
fn parse_count(s: &str) -> Result<usize, String> {
    if s.is_empty() || s.len() > 9 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{s:?} is not a whole number ≥ 0"));
    }
    s.parse()
        .map_err(|_| format!("{s:?} is not a whole number ≥ 0"))
}

/// Units an event may affect at most, as the product records one.
const MAX_AFFECTED: f64 = 1e8;
/// Parts per affected unit at most, as the product records one.
const MAX_RATE: f64 = 100.0;

/// A finite number from 0 to `max`.
fn parse_amount(s: &str, max: f64) -> Result<f64, String> {
    let v: f64 = s.parse().map_err(|_| format!("{s:?} is not a number"))?;
    if !v.is_finite() || v < 0.0 {
        return Err(format!("{s:?} must be a number ≥ 0"));
    }
    if v > max {
        return Err(format!("{s} is above the most allowed, {max}"));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::items::Replacement;

    fn succession(successor: &str, predecessor: &str, share: f64, line: usize) -> Succession {
        Succession {
            successor: successor.into(),
            replacement: Replacement {
                predecessor: predecessor.into(),
                share,
                line,
                column: 2,
            },
            params: ItemParams::default(),
        }
    }

    fn panel() -> Panel {
        Panel::new(
            vec!["A".into(), "B".into()],
            3,
            vec![4.0, 0.0, 2.0, 0.0, 1.0, 1.0],
        )
        .unwrap()
    }

    #[test]
    fn chains_resolve_in_order_and_new_successors_are_appended() {
        // C (no history) replaces B at half, B replaces A fully: C gets (A + B) / 2.
        let s = [succession("C", "B", 0.5, 2), succession("B", "A", 1.0, 3)];
        let (p, params) = apply_successions(
            panel(),
            vec![ItemParams::default(); 2],
            &s,
            Path::new("i.csv"),
        )
        .unwrap();
        assert_eq!(p.keys(), &["A", "B", "C"]);
        assert_eq!(params.len(), 3);
        assert_eq!(p.series(0), &[4.0, 0.0, 2.0]);
        assert_eq!(p.series(1), &[4.0, 1.0, 3.0]);
        assert_eq!(p.series(2), &[2.0, 0.5, 1.5]);
    }

    #[test]
    fn a_cycle_is_reported_on_its_first_row() {
        let s = [succession("A", "B", 1.0, 4), succession("B", "A", 1.0, 2)];
        let err = apply_successions(
            panel(),
            vec![ItemParams::default(); 2],
            &s,
            Path::new("i.csv"),
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.starts_with("i.csv: line 2, column 2 (replaces): replacements form a cycle"),
            "{err}"
        );
    }
}
