//! Writing the part master as CSV (UTF-8 with a BOM, so Excel shows Chinese correctly) or
//! as an XLSX workbook with one sheet per kind, and the empty templates.
//!
//! An export re-imports unchanged: numbers stay numbers, part numbers and dates stay text.

use super::check::{LevelRow, SubstituteRow};
use super::{FileFormat, Kind};
use aftercare_domain::part::{PartMaster, PartNumber};
use aftercare_domain::stock::Qty;
use rust_xlsxwriter::{Format, Workbook, XlsxError};

/// Everything an export can hold.
#[derive(Debug, Clone, Default)]
pub struct ExportData {
    /// Parts.
    pub parts: Vec<PartMaster>,
    /// Each part's supplier code for purchases, where it has one.
    pub part_suppliers: std::collections::HashMap<PartNumber, String>,
    /// Where-used as (model code, part number, quantity per unit).
    pub where_used: Vec<(String, PartNumber, Qty)>,
    /// Substitutes (line is ignored).
    pub substitutes: Vec<SubstituteRow>,
    /// Stock levels (line is ignored).
    pub levels: Vec<LevelRow>,
}

enum Value {
    Text(String),
    Int(i64),
    Money(i64),
    Empty,
}

fn text(s: impl Into<String>) -> Value {
    Value::Text(s.into())
}

fn opt_text(s: Option<impl ToString>) -> Value {
    s.map_or(Value::Empty, |v| Value::Text(v.to_string()))
}

fn rows_of(data: &ExportData, kind: Kind) -> Vec<Vec<Value>> {
    match kind {
        Kind::Parts => data
            .parts
            .iter()
            .map(|p| {
                vec![
                    text(p.number.as_str()),
                    text(&p.name.zh),
                    opt_text(p.name.en.as_ref()),
                    opt_text(p.specification.as_ref()),
                    opt_text(p.category.as_ref()),
                    text(p.unit.as_str()),
                    Value::Money(p.standard_cost.minor()),
                    text(p.source.code()),
                    Value::Int(i64::from(p.lead_time.days())),
                    p.replacement_cycle
                        .map_or(Value::Empty, |c| Value::Int(i64::from(c.get()))),
                    text(p.criticality.code()),
                    opt_text(p.lifecycle.end_of_production()),
                    opt_text(p.lifecycle.end_of_service()),
                    opt_text(p.notes.as_ref()),
                    opt_text(data.part_suppliers.get(&p.number)),
                ]
            })
            .collect(),
        Kind::WhereUsed => data
            .where_used
            .iter()
            .map(|(m, p, q)| vec![text(m), text(p.as_str()), Value::Int(q.get())])
            .collect(),
        Kind::Substitutes => data
            .substitutes
            .iter()
            .map(|s| {
                vec![
                    text(s.part_number.as_str()),
                    text(s.substitute_part_number.as_str()),
                    text(s.direction.code()),
                    Value::Int(i64::from(s.priority)),
                    text(&s.instruction),
                ]
            })
            .collect(),
        Kind::Levels => data
            .levels
            .iter()
            .map(|l| {
                vec![
                    text(&l.warehouse_code),
                    text(l.part_number.as_str()),
                    Value::Int(l.levels.min.get()),
                    l.levels.max.map_or(Value::Empty, |m| Value::Int(m.get())),
                ]
            })
            .collect(),
    }
}

fn money_text(minor: i64) -> String {
    aftercare_domain::Money(minor).to_string()
}

/// Export `kinds` of `data`. CSV holds exactly one kind; XLSX one sheet per kind.
pub fn export(data: &ExportData, format: FileFormat, kinds: &[Kind]) -> Result<Vec<u8>, String> {
    match format {
        FileFormat::Csv => {
            let [kind] = kinds else {
                return Err(format!(
                    "a CSV file holds one kind; choose one of {}",
                    Kind::ALL.map(Kind::code).join(", ")
                ));
            };
            write_csv(*kind, &rows_of(data, *kind)).map_err(|e| e.to_string())
        }
        FileFormat::Xlsx => {
            let sheets: Vec<(Kind, Vec<Vec<Value>>)> =
                kinds.iter().map(|k| (*k, rows_of(data, *k))).collect();
            write_xlsx(&sheets, false).map_err(|e| e.to_string())
        }
    }
}

/// An empty file for `kind` with its header (XLSX: plus a help sheet describing each
/// column).
pub fn template(format: FileFormat, kind: Kind) -> Result<Vec<u8>, String> {
    match format {
        FileFormat::Csv => write_csv(kind, &[]).map_err(|e| e.to_string()),
        FileFormat::Xlsx => write_xlsx(&[(kind, Vec::new())], true).map_err(|e| e.to_string()),
    }
}

fn write_csv(kind: Kind, rows: &[Vec<Value>]) -> Result<Vec<u8>, csv::Error> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut w = csv::Writer::from_writer(&mut out);
        w.write_record(kind.columns().iter().map(|c| c.key))?;
        for row in rows {
            w.write_record(row.iter().map(|v| match v {
                Value::Text(s) => s.clone(),
                Value::Int(i) => i.to_string(),
                Value::Money(m) => money_text(*m),
                Value::Empty => String::new(),
            }))?;
        }
        w.flush()?;
    }
    Ok(out)
}

fn write_xlsx(sheets: &[(Kind, Vec<Vec<Value>>)], help: bool) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("0.00");
    let as_text = Format::new().set_num_format("@");
    for (kind, rows) in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(kind.code())?;
        for (c, col) in kind.columns().iter().enumerate() {
            let c = c as u16;
            ws.write_string_with_format(0, c, col.key, &bold)?;
            ws.set_column_width(c, (col.key.len().max(12) + 2) as f64)?;
        }
        ws.set_freeze_panes(1, 0)?;
        for (r, row) in rows.iter().enumerate() {
            let r = r as u32 + 1;
            for (c, v) in row.iter().enumerate() {
                let c = c as u16;
                match v {
                    // Text-formatted so Excel keeps "00123" and "2025-01-31" as typed.
                    Value::Text(s) => ws.write_string_with_format(r, c, s, &as_text)?,
                    Value::Int(i) => ws.write_number(r, c, *i as f64)?,
                    Value::Money(m) => {
                        ws.write_number_with_format(r, c, *m as f64 / 100.0, &money)?
                    }
                    Value::Empty => continue,
                };
            }
        }
    }
    if help {
        let ws = wb.add_worksheet();
        ws.set_name("help")?;
        for (c, h) in ["sheet", "column", "中文列名", "required", "what goes in it"]
            .iter()
            .enumerate()
        {
            ws.write_string_with_format(0, c as u16, *h, &bold)?;
        }
        let mut r = 1u32;
        for (kind, _) in sheets {
            for col in kind.columns() {
                ws.write_string(r, 0, kind.code())?;
                ws.write_string(r, 1, col.key)?;
                ws.write_string(r, 2, col.zh)?;
                ws.write_string(r, 3, if col.required { "yes" } else { "no" })?;
                ws.write_string(r, 4, col.help)?;
                r += 1;
            }
        }
        ws.set_column_width(4, 80)?;
    }
    wb.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::super::{Known, check};
    use super::*;
    use aftercare_domain::part::PartDraft;

    fn part(n: &str, cost: i64) -> PartMaster {
        PartDraft {
            part_number: n.into(),
            name_zh: "主板".into(),
            name_en: Some("Main board".into()),
            unit: "块".into(),
            standard_cost: cost,
            source: "buy".into(),
            lead_time_days: 30,
            replacement_cycle_days: Some(365),
            end_of_production: chrono::NaiveDate::from_ymd_opt(2027, 1, 31),
            ..PartDraft::default()
        }
        .validate()
        .unwrap()
    }

    fn data() -> ExportData {
        ExportData {
            parts: vec![part("00123", 12_050), part("PCB-2", 7)],
            ..ExportData::default()
        }
    }

    #[test]
    fn csv_export_reimports_to_the_same_parts() {
        let bytes = export(&data(), FileFormat::Csv, &[Kind::Parts]).unwrap();
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
        let v = check(&bytes, FileFormat::Csv, Kind::Parts, &Known::default()).unwrap();
        let back: Vec<PartMaster> = v.parts.into_iter().map(|r| r.part).collect();
        assert_eq!(back, data().parts);
    }

    #[test]
    fn xlsx_export_reimports_to_the_same_parts() {
        let bytes = export(&data(), FileFormat::Xlsx, &Kind::ALL).unwrap();
        let v = check(&bytes, FileFormat::Xlsx, Kind::Parts, &Known::default()).unwrap();
        assert_eq!(v.kinds, Kind::ALL);
        let back: Vec<PartMaster> = v.parts.into_iter().map(|r| r.part).collect();
        assert_eq!(back, data().parts);
    }

    #[test]
    fn templates_have_the_header_and_no_rows() {
        for kind in Kind::ALL {
            let csv = template(FileFormat::Csv, kind).unwrap();
            let v = check(&csv, FileFormat::Csv, kind, &Known::default()).unwrap();
            assert_eq!(v.rows(), 0);
            let xlsx = template(FileFormat::Xlsx, kind).unwrap();
            let v = check(&xlsx, FileFormat::Xlsx, Kind::Parts, &Known::default()).unwrap();
            assert_eq!(v.kinds, [kind]);
        }
    }

    #[test]
    fn a_formula_cell_is_refused_with_its_address() {
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        ws.set_name("parts").unwrap();
        for (c, h) in [
            "part_number",
            "name_zh",
            "unit",
            "standard_cost",
            "source",
            "lead_time_days",
        ]
        .iter()
        .enumerate()
        {
            ws.write_string(0, c as u16, *h).unwrap();
        }
        for (c, v) in ["A1", "主板", "块"].iter().enumerate() {
            ws.write_string(1, c as u16, *v).unwrap();
        }
        ws.write_formula(1, 3, "=10*2").unwrap();
        ws.write_string(1, 4, "buy").unwrap();
        ws.write_number(1, 5, 3.0).unwrap();
        let bytes = wb.save_to_buffer().unwrap();
        let issues = check(&bytes, FileFormat::Xlsx, Kind::Parts, &Known::default()).unwrap_err();
        assert!(
            issues
                .iter()
                .any(|i| i.cell.as_deref() == Some("D2") && i.reason.contains("formula")),
            "{issues:#?}"
        );
    }
}
