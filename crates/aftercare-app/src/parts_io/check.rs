//! Validating every row of every sheet against the columns, the domain rules and what
//! exists, collecting every problem instead of stopping at the first.

use super::read::{RawRow, RawTable, read_file};
use super::{Column, FileFormat, Issue, Kind};
use aftercare_domain::PartId;
use aftercare_domain::money::Money;
use aftercare_domain::part::{
    PartDraft, PartMaster, PartNumber, StockLevels, SubstituteDirection, SubstituteRule,
    check_rules,
};
use aftercare_domain::stock::Qty;
use chrono::NaiveDate;
use std::collections::{HashMap, HashSet};

/// What already exists, for the "unknown model / part / warehouse" checks.
#[derive(Debug, Clone, Default)]
pub struct Known {
    /// Product model codes, keyed by their upper-case form.
    pub models: HashMap<String, String>,
    /// Part numbers in the part master.
    pub parts: HashSet<PartNumber>,
    /// Warehouse codes, keyed by their upper-case form.
    pub warehouses: HashMap<String, String>,
    /// Declared substitutes (part, substitute, direction), to catch a pair declared twice.
    pub substitutes: Vec<(PartNumber, PartNumber, SubstituteDirection)>,
    /// Codes of the suppliers purchases can be placed with, keyed by their upper-case form.
    pub suppliers: HashMap<String, String>,
}

impl Known {
    /// Build from plain lists.
    pub fn new(
        models: impl IntoIterator<Item = String>,
        parts: impl IntoIterator<Item = PartNumber>,
        warehouses: impl IntoIterator<Item = String>,
        substitutes: Vec<(PartNumber, PartNumber, SubstituteDirection)>,
    ) -> Known {
        Known {
            models: models.into_iter().map(|m| (m.to_uppercase(), m)).collect(),
            parts: parts.into_iter().collect(),
            warehouses: warehouses
                .into_iter()
                .map(|w| (w.to_uppercase(), w))
                .collect(),
            substitutes,
            suppliers: HashMap::new(),
        }
    }

    /// The same, with the suppliers purchases can be placed with.
    pub fn with_suppliers(mut self, codes: impl IntoIterator<Item = String>) -> Known {
        self.suppliers = codes.into_iter().map(|c| (c.to_uppercase(), c)).collect();
        self
    }
}

/// A valid parts row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartRow {
    /// Line in the file.
    pub line: usize,
    /// The part.
    pub part: PartMaster,
    /// Code of its supplier for purchases, as stored (`None`: left as it is).
    pub supplier: Option<String>,
}

/// A valid where-used row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WhereUsedRow {
    /// Line in the file.
    pub line: usize,
    /// Product model code as stored.
    pub model_code: String,
    /// Part number.
    pub part_number: PartNumber,
    /// Quantity per unit of the model.
    pub qty_per_unit: Qty,
}

/// A valid substitutes row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubstituteRow {
    /// Line in the file.
    pub line: usize,
    /// The part replaced.
    pub part_number: PartNumber,
    /// The part fitted instead.
    pub substitute_part_number: PartNumber,
    /// One way or both ways.
    pub direction: SubstituteDirection,
    /// 1 = first offered.
    pub priority: u16,
    /// Instruction for the technician.
    pub instruction: String,
}

/// A valid stock-levels row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LevelRow {
    /// Line in the file.
    pub line: usize,
    /// Warehouse code as stored.
    pub warehouse_code: String,
    /// Part number.
    pub part_number: PartNumber,
    /// Minimum and maximum.
    pub levels: StockLevels,
}

/// A whole file that passed every check.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validated {
    /// Kinds present in the file.
    pub kinds: Vec<Kind>,
    /// Parts rows.
    pub parts: Vec<PartRow>,
    /// Where-used rows.
    pub where_used: Vec<WhereUsedRow>,
    /// Substitute rows.
    pub substitutes: Vec<SubstituteRow>,
    /// Stock-level rows.
    pub levels: Vec<LevelRow>,
}

impl Validated {
    /// Number of data rows.
    pub fn rows(&self) -> usize {
        self.parts.len() + self.where_used.len() + self.substitutes.len() + self.levels.len()
    }
}

/// Read and check a file: every valid row, or every problem.
pub fn check(
    bytes: &[u8],
    format: FileFormat,
    kind: Kind,
    known: &Known,
) -> Result<Validated, Vec<Issue>> {
    let (tables, mut issues) = read_file(bytes, format, kind);
    match check_tables(&tables, known) {
        Ok(v) if issues.is_empty() => Ok(v),
        Ok(_) => Err(issues),
        Err(more) => {
            issues.extend(more);
            issues.sort_by(|a, b| (&a.sheet, a.line).cmp(&(&b.sheet, b.line)));
            Err(issues)
        }
    }
}

/// Check tables already read.
pub fn check_tables(tables: &[RawTable], known: &Known) -> Result<Validated, Vec<Issue>> {
    let mut issues = Vec::new();
    let mut out = Validated::default();
    let mut order: Vec<&RawTable> = tables.iter().collect();
    order.sort_by_key(|t| t.kind);
    // Parts of this file count as known for the other sheets, so one workbook can bring a
    // new part together with its where-used and substitutes.
    let mut file_parts: HashSet<PartNumber> = HashSet::new();
    for t in order {
        let Some(cols) = bind(t, &mut issues) else {
            continue;
        };
        out.kinds.push(t.kind);
        let mut ctx = Ctx {
            t,
            cols: &cols,
            issues: &mut issues,
        };
        match t.kind {
            Kind::Parts => {
                out.parts = check_parts(&mut ctx, known);
                file_parts.extend(out.parts.iter().map(|p| p.part.number.clone()));
            }
            Kind::WhereUsed => out.where_used = check_where_used(&mut ctx, known, &file_parts),
            Kind::Substitutes => out.substitutes = check_substitutes(&mut ctx, known, &file_parts),
            Kind::Levels => out.levels = check_levels(&mut ctx, known, &file_parts),
        }
    }
    if issues.is_empty() {
        Ok(out)
    } else {
        issues.sort_by(|a, b| (&a.sheet, a.line).cmp(&(&b.sheet, b.line)));
        Err(issues)
    }
}

fn normalise_header(h: &str) -> String {
    h.trim().to_lowercase().replace([' ', '-'], "_")
}

fn find_column(kind: Kind, header: &str) -> Option<&'static Column> {
    let n = normalise_header(header);
    kind.columns()
        .iter()
        .find(|c| c.key == n || c.zh == header.trim())
}

/// Map header cells to columns; report unknown, duplicate and missing columns.
fn bind(t: &RawTable, issues: &mut Vec<Issue>) -> Option<HashMap<&'static str, usize>> {
    let mut cols = HashMap::new();
    let before = issues.len();
    let expected = || {
        t.kind
            .columns()
            .iter()
            .map(|c| c.key)
            .collect::<Vec<_>>()
            .join(", ")
    };
    for (i, h) in t.header.iter().enumerate() {
        if h.is_empty() {
            continue;
        }
        let issue = |reason: String| Issue {
            sheet: t.sheet.clone(),
            line: t.header_line,
            column: Some(h.clone()),
            cell: t.cell(i, t.header_line),
            reason,
        };
        match find_column(t.kind, h) {
            None => issues.push(issue(format!(
                "unknown column '{h}' for {}; the columns are: {}",
                t.kind,
                expected()
            ))),
            Some(c) => {
                if cols.insert(c.key, i).is_some() {
                    issues.push(issue(format!("column '{}' appears twice", c.key)));
                }
            }
        }
    }
    for c in t.kind.columns().iter().filter(|c| c.required) {
        if !cols.contains_key(c.key) {
            issues.push(Issue {
                sheet: t.sheet.clone(),
                line: t.header_line,
                column: Some(c.key.to_string()),
                cell: None,
                reason: format!("missing required column '{}' ({})", c.key, c.zh),
            });
        }
    }
    (issues.len() == before).then_some(cols)
}

struct Ctx<'a> {
    t: &'a RawTable,
    cols: &'a HashMap<&'static str, usize>,
    issues: &'a mut Vec<Issue>,
}

impl Ctx<'_> {
    fn get<'r>(&self, row: &'r RawRow, key: &str) -> &'r str {
        self.cols
            .get(key)
            .and_then(|i| row.cells.get(*i))
            .map_or("", |s| s.trim())
    }

    fn opt<'r>(&self, row: &'r RawRow, key: &str) -> Option<&'r str> {
        Some(self.get(row, key)).filter(|s| !s.is_empty())
    }

    fn issue(&mut self, row: &RawRow, key: &str, reason: impl Into<String>) {
        let idx = self.cols.get(key).copied();
        self.issues.push(Issue {
            sheet: self.t.sheet.clone(),
            line: row.line,
            column: Some(
                idx.and_then(|i| self.t.header.get(i).cloned())
                    .unwrap_or_else(|| key.to_string()),
            ),
            cell: idx.and_then(|i| self.t.cell(i, row.line)),
            reason: reason.into(),
        });
    }

    /// A whole number, or an issue.
    fn int(&mut self, row: &RawRow, key: &str) -> Option<i64> {
        let text = self.get(row, key);
        if text.is_empty() {
            self.issue(row, key, "must not be empty");
            return None;
        }
        self.parse_int(row, key, text)
    }

    fn opt_int(&mut self, row: &RawRow, key: &str) -> Option<Option<i64>> {
        match self.opt(row, key) {
            None => Some(None),
            Some(text) => self.parse_int(row, key, text).map(Some),
        }
    }

    fn parse_int(&mut self, row: &RawRow, key: &str, text: &str) -> Option<i64> {
        match text.parse::<i64>() {
            Ok(v) => Some(v),
            Err(_) => {
                self.issue(row, key, format!("'{text}' is not a whole number"));
                None
            }
        }
    }

    fn date(&mut self, row: &RawRow, key: &str) -> Option<Option<NaiveDate>> {
        let Some(text) = self.opt(row, key) else {
            return Some(None);
        };
        let d = NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .or_else(|_| NaiveDate::parse_from_str(text, "%Y/%m/%d"));
        match d {
            Ok(d) => Some(Some(d)),
            Err(_) => {
                self.issue(row, key, format!("'{text}' is not a date (YYYY-MM-DD)"));
                None
            }
        }
    }

    fn part_number(&mut self, row: &RawRow, key: &str) -> Option<PartNumber> {
        let text = self.get(row, key);
        match PartNumber::parse(text) {
            Ok(p) => Some(p),
            Err(e) => {
                self.issue(row, key, e.reason);
                None
            }
        }
    }

    /// A part number that must exist in the master or in the file's parts sheet.
    fn known_part(
        &mut self,
        row: &RawRow,
        key: &str,
        known: &Known,
        file_parts: &HashSet<PartNumber>,
    ) -> Option<PartNumber> {
        let p = self.part_number(row, key)?;
        if known.parts.contains(&p) || file_parts.contains(&p) {
            Some(p)
        } else {
            self.issue(
                row,
                key,
                format!("unknown part '{p}': not in the part master nor in this file's parts"),
            );
            None
        }
    }

    fn code_in(
        &mut self,
        row: &RawRow,
        key: &str,
        table: &HashMap<String, String>,
        what: &str,
    ) -> Option<String> {
        let text = self.get(row, key);
        if text.is_empty() {
            self.issue(row, key, "must not be empty");
            return None;
        }
        match table.get(&text.to_uppercase()) {
            Some(code) => Some(code.clone()),
            None => {
                self.issue(row, key, format!("unknown {what} '{text}'"));
                None
            }
        }
    }
}

fn check_parts(ctx: &mut Ctx<'_>, known: &Known) -> Vec<PartRow> {
    let t = ctx.t;
    let mut out = Vec::with_capacity(t.rows.len());
    let mut first_line: HashMap<PartNumber, usize> = HashMap::new();
    for row in &t.rows {
        // Duplicates are found even on rows with other errors, so the second copy of a
        // part number is reported whatever else is wrong with the first.
        if let Ok(n) = PartNumber::parse(ctx.get(row, "part_number")) {
            match first_line.get(&n) {
                Some(first) => {
                    let reason = format!("part number {n} appears again (first on line {first})");
                    ctx.issue(row, "part_number", reason);
                    continue;
                }
                None => {
                    first_line.insert(n, row.line);
                }
            }
        }
        let mut failed: Vec<&str> = Vec::new();
        let mut num = |_: &mut Ctx<'_>, key: &'static str, v: Option<i64>| {
            if v.is_none() {
                failed.push(key);
            }
            v.unwrap_or(0)
        };
        let cost_text = ctx.get(row, "standard_cost");
        let cost = if cost_text.is_empty() {
            ctx.issue(row, "standard_cost", "must not be empty");
            None
        } else {
            match Money::parse(cost_text) {
                Ok(m) => Some(m.minor()),
                Err(e) => {
                    ctx.issue(row, "standard_cost", e.to_string());
                    None
                }
            }
        };
        let standard_cost = num(ctx, "standard_cost", cost);
        let lead = ctx.int(row, "lead_time_days");
        let lead_time_days = num(ctx, "lead_time_days", lead);
        let cycle = ctx.opt_int(row, "replacement_cycle_days");
        if cycle.is_none() {
            failed.push("replacement_cycle_days");
        }
        let eop = ctx.date(row, "end_of_production");
        let eos = ctx.date(row, "end_of_service");
        if eop.is_none() {
            failed.push("end_of_production");
        }
        if eos.is_none() {
            failed.push("end_of_service");
        }
        let supplier = match ctx.opt(row, "supplier") {
            None => None,
            Some(_) => {
                let code = ctx.code_in(row, "supplier", &known.suppliers, "supplier");
                if code.is_none() {
                    failed.push("supplier");
                }
                code
            }
        };
        let text = |key| ctx.opt(row, key).map(str::to_string);
        let draft = PartDraft {
            part_number: ctx.get(row, "part_number").to_string(),
            name_zh: ctx.get(row, "name_zh").to_string(),
            name_en: text("name_en"),
            specification: text("specification"),
            category: text("category"),
            unit: ctx.get(row, "unit").to_string(),
            standard_cost,
            source: ctx.get(row, "source").to_string(),
            lead_time_days,
            replacement_cycle_days: cycle.flatten(),
            criticality: text("criticality"),
            end_of_production: eop.flatten(),
            end_of_service: eos.flatten(),
            notes: text("notes"),
        };
        match draft.validate() {
            Ok(part) if failed.is_empty() => out.push(PartRow {
                line: row.line,
                part,
                supplier,
            }),
            Ok(_) => {}
            Err(errors) => {
                for e in errors {
                    // A number that did not parse was already reported; its placeholder
                    // value must not produce a second, misleading message.
                    if !failed.contains(&e.field.as_str()) {
                        ctx.issue(row, &e.field, e.reason);
                    }
                }
            }
        }
    }
    out
}

fn check_where_used(
    ctx: &mut Ctx<'_>,
    known: &Known,
    file_parts: &HashSet<PartNumber>,
) -> Vec<WhereUsedRow> {
    let mut out = Vec::new();
    let mut first_line: HashMap<(String, PartNumber), usize> = HashMap::new();
    for row in &ctx.t.rows {
        let model = ctx.code_in(row, "model_code", &known.models, "product model");
        let part = ctx.known_part(row, "part_number", known, file_parts);
        let qty = ctx
            .int(row, "qty_per_unit")
            .and_then(|q| match Qty::positive(q) {
                Ok(q) => Some(q),
                Err(e) => {
                    ctx.issue(row, "qty_per_unit", e.to_string());
                    None
                }
            });
        let (Some(model_code), Some(part_number), Some(qty_per_unit)) = (model, part, qty) else {
            continue;
        };
        let key = (model_code.clone(), part_number.clone());
        if let Some(first) = first_line.get(&key) {
            let reason = format!(
                "part {part_number} is listed again for model {model_code} (first on line {first})"
            );
            ctx.issue(row, "part_number", reason);
            continue;
        }
        first_line.insert(key, row.line);
        out.push(WhereUsedRow {
            line: row.line,
            model_code,
            part_number,
            qty_per_unit,
        });
    }
    out
}

fn check_substitutes(
    ctx: &mut Ctx<'_>,
    known: &Known,
    file_parts: &HashSet<PartNumber>,
) -> Vec<SubstituteRow> {
    let mut out: Vec<SubstituteRow> = Vec::new();
    // Synthetic ids let the domain's pair check run on part numbers.
    let mut ids: HashMap<PartNumber, PartId> = HashMap::new();
    let mut id_of = |p: &PartNumber| {
        let next = PartId(ids.len() as i64 + 1);
        *ids.entry(p.clone()).or_insert(next)
    };
    let mut rules = Vec::new();
    for row in &ctx.t.rows {
        let part = ctx.known_part(row, "part_number", known, file_parts);
        let sub = ctx.known_part(row, "substitute_part_number", known, file_parts);
        let dir_text = ctx.get(row, "direction");
        let direction = SubstituteDirection::parse(dir_text);
        if direction.is_none() {
            ctx.issue(
                row,
                "direction",
                format!("'{dir_text}' must be one_way or both_ways (单向 / 双向)"),
            );
        }
        let priority = ctx
            .int(row, "priority")
            .and_then(|p| match u16::try_from(p) {
                Ok(p) if p >= 1 => Some(p),
                _ => {
                    ctx.issue(row, "priority", format!("{p} must be between 1 and 65535"));
                    None
                }
            });
        let instruction = ctx.get(row, "instruction").to_string();
        let (Some(part_number), Some(substitute_part_number), Some(direction), Some(priority)) =
            (part, sub, direction, priority)
        else {
            continue;
        };
        let (a, b) = (id_of(&part_number), id_of(&substitute_part_number));
        match SubstituteRule::new(a, b, direction, priority, &instruction) {
            Err(e) => {
                let key = match e.field.as_str() {
                    "substitute" => "substitute_part_number",
                    other => other,
                };
                ctx.issue(row, key, e.reason);
            }
            Ok(rule) => {
                rules.push(rule);
                out.push(SubstituteRow {
                    line: row.line,
                    part_number,
                    substitute_part_number,
                    direction,
                    priority,
                    instruction: instruction.trim().to_string(),
                });
            }
        }
    }
    // Stored rules the file does not replace come first, so a clash is reported on the
    // file's row, never on the stored one.
    let replaced: HashSet<(PartId, PartId)> =
        rules.iter().map(|r| (r.part, r.substitute)).collect();
    let mut all: Vec<SubstituteRule> = Vec::new();
    for (p, s, d) in &known.substitutes {
        let (a, b) = (id_of(p), id_of(s));
        if !replaced.contains(&(a, b))
            && let Ok(r) = SubstituteRule::new(a, b, *d, 1, "")
        {
            all.push(r);
        }
    }
    let stored = all.len();
    all.extend(rules);
    if let Err(errors) = check_rules(&all) {
        let names: HashMap<PartId, PartNumber> =
            ids.iter().map(|(p, id)| (*id, p.clone())).collect();
        let mut bad_lines = HashSet::new();
        for (i, _) in errors.into_iter().filter(|(i, _)| *i >= stored) {
            let r = &all[i];
            let row_line = out[i - stored].line;
            let (a, b) = (&names[&r.part], &names[&r.substitute]);
            let reason = format!(
                "{b} is already declared as a substitute for {a} (or the reverse, both ways); declare each pair once"
            );
            if let Some(row) = ctx.t.rows.iter().find(|rw| rw.line == row_line) {
                ctx.issue(row, "substitute_part_number", reason);
            }
            bad_lines.insert(row_line);
        }
        out.retain(|r| !bad_lines.contains(&r.line));
    }
    out
}

fn check_levels(
    ctx: &mut Ctx<'_>,
    known: &Known,
    file_parts: &HashSet<PartNumber>,
) -> Vec<LevelRow> {
    let mut out = Vec::new();
    let mut first_line: HashMap<(String, PartNumber), usize> = HashMap::new();
    for row in &ctx.t.rows {
        let wh = ctx.code_in(row, "warehouse_code", &known.warehouses, "warehouse");
        let part = ctx.known_part(row, "part_number", known, file_parts);
        let qty = |ctx: &mut Ctx<'_>, key: &str, v: i64| match StockLevels::level(key, v) {
            Ok(q) => Some(q),
            Err(e) => {
                ctx.issue(row, key, e.reason);
                None
            }
        };
        let min = ctx.int(row, "min").and_then(|v| qty(ctx, "min", v));
        let max = match ctx.opt_int(row, "max") {
            None => None,
            Some(None) => Some(None),
            Some(Some(v)) => qty(ctx, "max", v).map(Some),
        };
        let (Some(warehouse_code), Some(part_number), Some(min), Some(max)) = (wh, part, min, max)
        else {
            continue;
        };
        let levels = match StockLevels::new(min, max) {
            Ok(l) => l,
            Err(e) => {
                ctx.issue(row, &e.field, e.reason);
                continue;
            }
        };
        let key = (warehouse_code.clone(), part_number.clone());
        if let Some(first) = first_line.get(&key) {
            let reason = format!(
                "part {part_number} is listed again for warehouse {warehouse_code} (first on line {first})"
            );
            ctx.issue(row, "part_number", reason);
            continue;
        }
        first_line.insert(key, row.line);
        out.push(LevelRow {
            line: row.line,
            warehouse_code,
            part_number,
            levels,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known() -> Known {
        Known::new(
            ["TV-55A".to_string()],
            [PartNumber::parse("OLD-1").unwrap()],
            ["WH-C".to_string()],
            vec![],
        )
    }

    fn csv(kind: Kind, text: &str) -> Result<Validated, Vec<Issue>> {
        check(text.as_bytes(), FileFormat::Csv, kind, &known())
    }

    const PARTS_HEADER: &str = "part_number,name_zh,unit,standard_cost,source,lead_time_days\n";

    #[test]
    fn a_good_parts_file_validates() {
        let v = csv(
            Kind::Parts,
            &format!("{PARTS_HEADER}pcb-1,主板,块,120.50,外购,30\n"),
        )
        .unwrap();
        assert_eq!(v.parts[0].part.number.as_str(), "PCB-1");
        assert_eq!(v.parts[0].part.standard_cost, Money(12_050));
    }

    #[test]
    fn every_bad_row_is_reported_with_line_and_column() {
        let text = format!(
            "{PARTS_HEADER}A1,主板,块,abc,外购,30\nA2,主板,块,1,steal,x\nA1,主板,块,1,buy,1\n"
        );
        let issues = csv(Kind::Parts, &text).unwrap_err();
        let got: Vec<(usize, Option<&str>)> = issues
            .iter()
            .map(|i| (i.line, i.column.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                (2, Some("standard_cost")),
                (3, Some("lead_time_days")),
                (3, Some("source")),
                (4, Some("part_number")),
            ],
            "{issues:#?}"
        );
        assert!(issues[3].reason.contains("first on line 2"));
    }

    #[test]
    fn unknown_and_missing_columns_are_reported_on_the_header_line() {
        let issues = csv(Kind::Parts, "part_number,name_zh,colour\nA1,x,red\n").unwrap_err();
        assert!(issues.iter().all(|i| i.line == 1));
        assert!(
            issues
                .iter()
                .any(|i| i.reason.contains("unknown column 'colour'"))
        );
        assert!(
            issues
                .iter()
                .any(|i| i.reason.contains("missing required column 'unit'"))
        );
    }

    #[test]
    fn chinese_headers_are_accepted() {
        let v = csv(
            Kind::Parts,
            "零件号,中文名称,单位,标准成本,来源,采购周期(天)\nA1,主板,块,1,buy,3\n",
        )
        .unwrap();
        assert_eq!(v.parts.len(), 1);
    }

    #[test]
    fn where_used_needs_a_known_model_and_part() {
        let issues = csv(
            Kind::WhereUsed,
            "model_code,part_number,qty_per_unit\nTV-99,OLD-1,1\ntv-55a,NEW-9,1\ntv-55a,OLD-1,0\n",
        )
        .unwrap_err();
        let reasons: Vec<&str> = issues.iter().map(|i| i.reason.as_str()).collect();
        assert!(
            reasons[0].contains("unknown product model 'TV-99'"),
            "{reasons:?}"
        );
        assert!(reasons[1].contains("unknown part 'NEW-9'"), "{reasons:?}");
        assert_eq!(issues[2].column.as_deref(), Some("qty_per_unit"));
    }

    #[test]
    fn levels_need_a_known_warehouse_and_max_not_below_min() {
        let issues = csv(
            Kind::Levels,
            "warehouse_code,part_number,min,max\nWH-X,OLD-1,1,2\nWH-C,OLD-1,5,2\n",
        )
        .unwrap_err();
        assert!(issues[0].reason.contains("unknown warehouse 'WH-X'"));
        assert_eq!(issues[1].column.as_deref(), Some("max"));
    }

    #[test]
    fn a_substitute_pair_declared_twice_is_reported_on_the_second_row() {
        let k = Known::new(
            Vec::<String>::new(),
            ["A", "B", "C"].map(|p| PartNumber::parse(p).unwrap()),
            Vec::<String>::new(),
            vec![],
        );
        let text = "part_number,substitute_part_number,direction,priority\nA,B,both_ways,1\nB,A,单向,2\nA,A,one_way,1\n";
        let issues = check(text.as_bytes(), FileFormat::Csv, Kind::Substitutes, &k).unwrap_err();
        let lines: Vec<usize> = issues.iter().map(|i| i.line).collect();
        assert_eq!(lines, [3, 4], "{issues:#?}");
    }
}
