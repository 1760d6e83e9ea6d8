//! Part master files as planners keep them in Excel: CSV and XLSX import and export of
//! parts, where-used, substitutes and per-warehouse stock levels.
//!
//! Pure: bytes in, validated rows or a list of every problem out (line, column, cell and
//! reason), and rows in, bytes out. The database side (what exists, the upsert) lives in
//! [`crate::parts`], which runs [`check`] inside the write transaction so that what is
//! checked is what is written.

mod check;
mod read;
mod write;

pub use check::{
    Known, LevelRow, PartRow, SubstituteRow, Validated, WhereUsedRow, check, check_tables,
};
pub use read::{RawRow, RawTable, read_file};
pub use write::{ExportData, export, template};

use serde::Serialize;
use std::fmt;

/// Largest file accepted for import (the API and pages refuse bigger uploads earlier).
pub const MAX_IMPORT_BYTES: usize = 32 * 1024 * 1024;

/// A file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileFormat {
    /// Comma-separated values, UTF-8 (a BOM is written for Excel; GB18030 is read too).
    Csv,
    /// Office Open XML workbook.
    Xlsx,
}

impl FileFormat {
    /// Parse `csv` or `xlsx`.
    pub fn parse(text: &str) -> Option<FileFormat> {
        match text.trim().to_ascii_lowercase().as_str() {
            "csv" => Some(FileFormat::Csv),
            "xlsx" => Some(FileFormat::Xlsx),
            _ => None,
        }
    }

    /// Guess from the content: an XLSX file is a ZIP archive (`PK\x03\x04`).
    pub fn sniff(bytes: &[u8]) -> FileFormat {
        if bytes.starts_with(b"PK\x03\x04") {
            FileFormat::Xlsx
        } else {
            FileFormat::Csv
        }
    }

    /// File extension.
    pub fn extension(self) -> &'static str {
        match self {
            FileFormat::Csv => "csv",
            FileFormat::Xlsx => "xlsx",
        }
    }

    /// MIME type for downloads.
    pub fn content_type(self) -> &'static str {
        match self {
            FileFormat::Csv => "text/csv; charset=utf-8",
            FileFormat::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
}

/// Which part of the part master a file (or an XLSX sheet) holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Parts (one row per part number).
    Parts,
    /// Where-used: product model × part with quantity per unit.
    WhereUsed,
    /// Declared substitutes.
    Substitutes,
    /// Manual minimum/maximum stock per warehouse.
    Levels,
}

/// One column of an import file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// Header as exported (English code).
    pub key: &'static str,
    /// Chinese header, accepted on import too.
    pub zh: &'static str,
    /// Whether the column must be present.
    pub required: bool,
    /// What goes in it (template help sheet and docs).
    pub help: &'static str,
}

const fn col(key: &'static str, zh: &'static str, required: bool, help: &'static str) -> Column {
    Column {
        key,
        zh,
        required,
        help,
    }
}

const PART_COLUMNS: &[Column] = &[
    col(
        "part_number",
        "零件号",
        true,
        "1-40 of A-Z 0-9 - . / ; upper-cased; the key of the upsert",
    ),
    col(
        "name_zh",
        "中文名称",
        true,
        "Chinese name, 1-200 characters",
    ),
    col(
        "name_en",
        "英文名称",
        false,
        "English name (blank for none)",
    ),
    col(
        "specification",
        "规格",
        false,
        "specification, up to 500 characters",
    ),
    col("category", "类别", false, "category, up to 64 characters"),
    col(
        "unit",
        "单位",
        true,
        "unit of measure, up to 10 characters without spaces",
    ),
    col(
        "standard_cost",
        "标准成本",
        true,
        "standard cost per unit in the company currency, at most two decimals (12.50)",
    ),
    col(
        "source",
        "来源",
        true,
        "buy / make / repair (外购 / 自制 / 修复)",
    ),
    col(
        "lead_time_days",
        "采购周期(天)",
        true,
        "procurement lead time in whole days, 0-3650",
    ),
    col(
        "replacement_cycle_days",
        "更换周期(天)",
        false,
        "replacement cycle in days, 1-36500 (blank for none)",
    ),
    col(
        "criticality",
        "关键件",
        false,
        "key / normal (关键 / 一般); blank means normal",
    ),
    col(
        "end_of_production",
        "停产日期",
        false,
        "end of production date, YYYY-MM-DD",
    ),
    col(
        "end_of_service",
        "停止服务日期",
        false,
        "end of service date, YYYY-MM-DD, not before end of production",
    ),
    col("notes", "备注", false, "notes, up to 2000 characters"),
    col(
        "supplier",
        "供应商",
        false,
        "code of the supplier purchases are proposed from (kind supplier or both); \
         blank leaves the part's supplier as it is",
    ),
];

const WHERE_USED_COLUMNS: &[Column] = &[
    col(
        "model_code",
        "机型",
        true,
        "product model code (must exist)",
    ),
    col(
        "part_number",
        "零件号",
        true,
        "part number (in the part master or in this file's parts sheet)",
    ),
    col(
        "qty_per_unit",
        "单机用量",
        true,
        "quantity of the part in one unit of the model, a whole number ≥ 1",
    ),
];

const SUBSTITUTE_COLUMNS: &[Column] = &[
    col("part_number", "零件号", true, "the part that is replaced"),
    col(
        "substitute_part_number",
        "代用零件号",
        true,
        "the part that may be fitted instead",
    ),
    col(
        "direction",
        "方向",
        true,
        "one_way / both_ways (单向 / 双向)",
    ),
    col(
        "priority",
        "优先级",
        true,
        "1 = offered first; whole number 1-65535",
    ),
    col(
        "instruction",
        "代用说明",
        false,
        "instruction for the technician, up to 2000 characters",
    ),
];

const LEVEL_COLUMNS: &[Column] = &[
    col(
        "warehouse_code",
        "仓库编码",
        true,
        "warehouse code (must exist)",
    ),
    col("part_number", "零件号", true, "part number"),
    col("min", "最低库存", true, "minimum stock, whole number ≥ 0"),
    col(
        "max",
        "最高库存",
        false,
        "maximum stock, whole number ≥ min (blank for no cap)",
    ),
];

impl Kind {
    /// Every kind, in import order (parts first: the others may name parts of the same file).
    pub const ALL: [Kind; 4] = [
        Kind::Parts,
        Kind::WhereUsed,
        Kind::Substitutes,
        Kind::Levels,
    ];

    /// Stable code, also the XLSX sheet name.
    pub fn code(self) -> &'static str {
        match self {
            Kind::Parts => "parts",
            Kind::WhereUsed => "where_used",
            Kind::Substitutes => "substitutes",
            Kind::Levels => "levels",
        }
    }

    /// Chinese sheet name, accepted on import.
    pub fn zh(self) -> &'static str {
        match self {
            Kind::Parts => "零件",
            Kind::WhereUsed => "适用机型",
            Kind::Substitutes => "代用料",
            Kind::Levels => "库存上下限",
        }
    }

    /// Parse a code (`where-used` and `where_used` both work) or a Chinese sheet name.
    pub fn parse(text: &str) -> Option<Kind> {
        let t = text.trim().to_ascii_lowercase().replace('-', "_");
        Kind::ALL
            .into_iter()
            .find(|k| k.code() == t || k.zh() == text.trim())
    }

    /// The columns of this kind.
    pub fn columns(self) -> &'static [Column] {
        match self {
            Kind::Parts => PART_COLUMNS,
            Kind::WhereUsed => WHERE_USED_COLUMNS,
            Kind::Substitutes => SUBSTITUTE_COLUMNS,
            Kind::Levels => LEVEL_COLUMNS,
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// One problem found in an import file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Issue {
    /// The sheet (XLSX) or kind (CSV) the problem is in.
    pub sheet: String,
    /// 1-based line (CSV record line, XLSX row); 0 for the file as a whole.
    pub line: usize,
    /// The column header, when the problem is in one column.
    pub column: Option<String>,
    /// The XLSX cell address (`C5`), when there is one.
    pub cell: Option<String>,
    /// What is wrong, in words.
    pub reason: String,
}

impl Issue {
    /// A problem with the whole file.
    pub fn file(sheet: impl Into<String>, reason: impl Into<String>) -> Issue {
        Issue {
            sheet: sheet.into(),
            line: 0,
            column: None,
            cell: None,
            reason: reason.into(),
        }
    }
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.sheet)?;
        if self.line > 0 {
            write!(f, " line {}", self.line)?;
        }
        if let Some(c) = &self.column {
            write!(f, ", column {c}")?;
        }
        if let Some(c) = &self.cell {
            write!(f, " ({c})")?;
        }
        write!(f, ": {}", self.reason)
    }
}

/// Spreadsheet column letters for a 0-based index: 0 → A, 25 → Z, 26 → AA.
pub fn column_letters(mut index: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (index % 26) as u8);
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters_follow_excel() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(701), "ZZ");
        assert_eq!(column_letters(702), "AAA");
    }

    #[test]
    fn kinds_parse_from_codes_dashes_and_chinese_names() {
        assert_eq!(Kind::parse("where-used"), Some(Kind::WhereUsed));
        assert_eq!(Kind::parse("代用料"), Some(Kind::Substitutes));
        assert_eq!(Kind::parse("Parts"), Some(Kind::Parts));
        assert_eq!(Kind::parse("bom"), None);
    }

    #[test]
    fn an_issue_reads_as_sheet_line_column_cell_and_reason() {
        let i = Issue {
            sheet: "parts".into(),
            line: 5,
            column: Some("unit".into()),
            cell: Some("F5".into()),
            reason: "must not be empty".into(),
        };
        assert_eq!(
            i.to_string(),
            "parts line 5, column unit (F5): must not be empty"
        );
    }
}
