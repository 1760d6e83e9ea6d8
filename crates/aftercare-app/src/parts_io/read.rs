//! Reading CSV and XLSX into rows of text with their line numbers and cell addresses.
//!
//! Everything becomes text here (an XLSX number 12.5 becomes "12.5", a date cell
//! "2025-03-31") so that one set of parsers in `check` validates both formats alike.

use super::{FileFormat, Issue, Kind, column_letters};
use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use std::io::Cursor;

/// One data row: its 1-based line and one text per header column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRow {
    /// CSV line where the record starts, or the XLSX row number.
    pub line: usize,
    /// Cell texts, one per header column (missing trailing cells are empty).
    pub cells: Vec<String>,
}

/// A sheet (or CSV file) read as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawTable {
    /// What the sheet holds.
    pub kind: Kind,
    /// Sheet name as it appears in issues (the kind's code for CSV).
    pub sheet: String,
    /// Whether cells have addresses (XLSX).
    pub xlsx: bool,
    /// Line of the header row.
    pub header_line: usize,
    /// Absolute 0-based column of the first header cell (XLSX ranges may start right of A).
    pub first_col: usize,
    /// Header texts, trimmed.
    pub header: Vec<String>,
    /// Data rows, blank rows left out.
    pub rows: Vec<RawRow>,
}

impl RawTable {
    /// The cell address of column `index` on `line`, for XLSX.
    pub fn cell(&self, index: usize, line: usize) -> Option<String> {
        self.xlsx
            .then(|| format!("{}{line}", column_letters(self.first_col + index)))
    }
}

/// Read a file. CSV holds one `kind`; an XLSX workbook holds every sheet named after a kind
/// (`parts`, `where_used`, `substitutes`, `levels` or their Chinese names), or else its
/// first sheet as `kind`. Problems that make a sheet unreadable are returned as issues.
pub fn read_file(bytes: &[u8], format: FileFormat, kind: Kind) -> (Vec<RawTable>, Vec<Issue>) {
    match format {
        FileFormat::Csv => read_csv(bytes, kind),
        FileFormat::Xlsx => read_xlsx(bytes, kind),
    }
}

fn decode(bytes: &[u8]) -> Result<std::borrow::Cow<'_, str>, String> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(body) {
        Ok(s) => Ok(s.into()),
        Err(utf8) => {
            // Chinese Excel saves "CSV" in the ANSI code page (GBK); accept it only when the
            // whole file is valid GB18030, never by replacing bytes.
            if let Some(text) =
                encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(body)
            {
                return Ok(text.into_owned().into());
            }
            let at = utf8.valid_up_to();
            let line = body[..at].iter().filter(|b| **b == b'\n').count() + 1;
            Err(format!(
                "the file is not UTF-8 text (byte 0x{:02X} on line {line} is invalid, and it is not GB18030 either); save it as \"CSV UTF-8\"",
                body[at]
            ))
        }
    }
}

fn read_csv(bytes: &[u8], kind: Kind) -> (Vec<RawTable>, Vec<Issue>) {
    let sheet = kind.code().to_string();
    let text = match decode(bytes) {
        Ok(t) => t,
        Err(reason) => return (Vec::new(), vec![Issue::file(sheet, reason)]),
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut issues = Vec::new();
    let mut header: Option<(usize, Vec<String>)> = None;
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line() as usize);
                issues.push(Issue {
                    line,
                    ..Issue::file(&sheet, format!("unreadable CSV: {e}"))
                });
                continue;
            }
        };
        // Counted from the byte offset: the reader's own counter and offset both start at
        // the blank lines before a record, which are skipped here.
        let line = record.position().map_or(0, |p| {
            let bytes = text.as_bytes();
            let mut at = (p.byte() as usize).min(bytes.len());
            while at < bytes.len() && matches!(bytes[at], b'\n' | b'\r') {
                at += 1;
            }
            bytes[..at].iter().filter(|b| **b == b'\n').count() + 1
        });
        let cells: Vec<String> = record.iter().map(|s| s.to_string()).collect();
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        match &header {
            None => header = Some((line, cells.iter().map(|c| c.trim().to_string()).collect())),
            Some((_, h)) => {
                if cells.len() > h.len() && cells[h.len()..].iter().any(|c| !c.trim().is_empty()) {
                    issues.push(Issue {
                        line,
                        ..Issue::file(
                            &sheet,
                            format!(
                                "has {} values but the header has {} columns",
                                cells.len(),
                                h.len()
                            ),
                        )
                    });
                    continue;
                }
                let mut cells = cells;
                cells.resize(h.len(), String::new());
                rows.push(RawRow { line, cells });
            }
        }
    }
    let Some((header_line, header)) = header else {
        issues.push(Issue::file(sheet, "the file is empty: no header row"));
        return (Vec::new(), issues);
    };
    (
        vec![RawTable {
            kind,
            sheet,
            xlsx: false,
            header_line,
            first_col: 0,
            header,
            rows,
        }],
        issues,
    )
}

/// Text of a number as a person would type it: integral floats without ".0".
fn number_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 9.0e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

fn cell_text(d: &Data) -> Result<String, String> {
    Ok(match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => number_text(*f),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) if dt.is_datetime() => {
            let (y, mo, d, h, mi, s, ms) = dt.to_ymd_hms_milli();
            if (h, mi, s, ms) == (0, 0, 0, 0) {
                format!("{y:04}-{mo:02}-{d:02}")
            } else {
                format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}")
            }
        }
        Data::DateTime(dt) => number_text(dt.as_f64()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => return Err(format!("the cell holds the error value {e}")),
    })
}

fn read_xlsx(bytes: &[u8], kind: Kind) -> (Vec<RawTable>, Vec<Issue>) {
    let mut issues = Vec::new();
    let mut wb: Xlsx<_> = match open_workbook_from_rs(Cursor::new(bytes)) {
        Ok(wb) => wb,
        Err(e) => {
            return (
                Vec::new(),
                vec![Issue::file(
                    kind.code(),
                    format!("the file is not a readable XLSX workbook: {e}"),
                )],
            );
        }
    };
    let names = wb.sheet_names();
    let mut chosen: Vec<(String, Kind)> = names
        .iter()
        .filter_map(|n| Kind::parse(n).map(|k| (n.clone(), k)))
        .collect();
    if chosen.is_empty() {
        match names.first() {
            Some(first) => chosen.push((first.clone(), kind)),
            None => {
                return (
                    Vec::new(),
                    vec![Issue::file(kind.code(), "the workbook has no sheets")],
                );
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    let mut tables = Vec::new();
    for (name, kind) in chosen {
        if !seen.insert(kind) {
            issues.push(Issue::file(
                &name,
                format!("a second sheet holds {kind}; put all {kind} rows in one sheet"),
            ));
            continue;
        }
        let range = match wb.worksheet_range(&name) {
            Ok(r) => r,
            Err(e) => {
                issues.push(Issue::file(&name, format!("unreadable sheet: {e}")));
                continue;
            }
        };
        let (r0, c0) = range.start().unwrap_or((0, 0));
        let (r0, c0) = (r0 as usize, c0 as usize);
        let mut header: Option<(usize, Vec<String>)> = None;
        let mut rows = Vec::new();
        for (ri, row) in range.rows().enumerate() {
            let line = r0 + ri + 1;
            let mut cells = Vec::with_capacity(row.len());
            let mut bad = false;
            for (ci, d) in row.iter().enumerate() {
                match cell_text(d) {
                    Ok(t) => cells.push(t),
                    Err(reason) => {
                        bad = true;
                        issues.push(Issue {
                            sheet: name.clone(),
                            line,
                            column: header.as_ref().and_then(|(_, h)| h.get(ci).cloned()),
                            cell: Some(format!("{}{line}", column_letters(c0 + ci))),
                            reason,
                        });
                        cells.push(String::new());
                    }
                }
            }
            if !bad && cells.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            match &header {
                None => header = Some((line, cells.iter().map(|c| c.trim().to_string()).collect())),
                Some(_) if bad => {}
                Some(_) => rows.push(RawRow { line, cells }),
            }
        }
        // Formulas are refused: the cached value may be stale or absent, and an import must
        // store what the planner sees, not what a recalculation might give.
        match wb.worksheet_formula(&name) {
            Ok(formulas) => {
                let (fr, fc) = formulas.start().unwrap_or((0, 0));
                for (ri, ci, f) in formulas.used_cells() {
                    if f.is_empty() {
                        continue;
                    }
                    let (line, col) = (fr as usize + ri + 1, fc as usize + ci);
                    issues.push(Issue {
                        sheet: name.clone(),
                        line,
                        column: header.as_ref().and_then(|(_, h)| {
                            col.checked_sub(c0).and_then(|i| h.get(i).cloned())
                        }),
                        cell: Some(format!("{}{line}", column_letters(col))),
                        reason: format!(
                            "the cell holds a formula (={f}); formulas are not imported, paste the values instead"
                        ),
                    });
                }
            }
            Err(e) => issues.push(Issue::file(&name, format!("unreadable formulas: {e}"))),
        }
        let Some((header_line, header)) = header else {
            issues.push(Issue::file(&name, "the sheet is empty: no header row"));
            continue;
        };
        tables.push(RawTable {
            kind,
            sheet: name,
            xlsx: true,
            header_line,
            first_col: c0,
            header,
            rows,
        });
    }
    (tables, issues)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_with_a_bom_and_quoted_newlines_keeps_record_lines() {
        let text = "\u{feff}part_number,notes\nA1,\"two\nlines\"\n\nB2,x\n";
        let (t, issues) = read_csv(text.as_bytes(), Kind::Parts);
        assert!(issues.is_empty(), "{issues:?}");
        assert_eq!(t[0].header, ["part_number", "notes"]);
        let lines: Vec<usize> = t[0].rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, [2, 5]);
    }

    #[test]
    fn gbk_csv_is_decoded() {
        let (bytes, _, _) = encoding_rs::GBK.encode("part_number,name_zh\nA1,主板\n");
        let (t, issues) = read_csv(&bytes, Kind::Parts);
        assert!(issues.is_empty(), "{issues:?}");
        assert_eq!(t[0].rows[0].cells[1], "主板");
    }

    #[test]
    fn bytes_that_are_neither_utf8_nor_gb18030_are_refused_with_their_line() {
        let (t, issues) = read_csv(b"part_number\nA1\n\xFF\xFF\n", Kind::Parts);
        assert!(t.is_empty());
        assert_eq!(issues.len(), 1);
        assert!(issues[0].reason.contains("line 3"), "{}", issues[0].reason);
    }

    #[test]
    fn a_row_longer_than_the_header_is_reported() {
        let (_, issues) = read_csv(b"a,b\n1,2,3\n", Kind::Parts);
        assert_eq!(issues[0].line, 2);
    }

    #[test]
    fn numbers_read_as_typed() {
        assert_eq!(number_text(30.0), "30");
        assert_eq!(number_text(12.5), "12.5");
    }
}
