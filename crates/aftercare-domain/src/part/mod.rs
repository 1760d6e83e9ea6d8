//! The part master (备品备件清单): part numbers, names, units, cost, source, lead times,
//! lifecycle, stock levels, vendors, where-used and substitutes.

pub mod lifecycle;
pub mod substitute;
pub mod where_used;

pub use lifecycle::{Lifecycle, LifecyclePhase};
pub use substitute::{
    SubstituteDirection, SubstituteOption, SubstituteRule, check_rules, substitutes_of,
};
pub use where_used::{WhereUsed, WhereUsedIndex, check_where_used};

use crate::ids::{SupplierId, WarehouseId};
use crate::money::Money;
use crate::stock::Qty;
use crate::validate::{self, ValidationError};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Longest part number.
pub const MAX_PART_NUMBER_CHARS: usize = 40;

/// A part number: 1-40 characters of upper-case ASCII letters, digits, `-`, `.` and `/`,
/// starting and ending with a letter or digit. Input is trimmed and upper-cased, so
/// `" abc-12/a "` and `"ABC-12/A"` are the same part.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PartNumber(String);

impl PartNumber {
    /// Validate and normalise a part number.
    pub fn parse(text: &str) -> Result<PartNumber, ValidationError> {
        const FIELD: &str = "part_number";
        let v = text.trim().to_ascii_uppercase();
        if v.is_empty() {
            return Err(ValidationError::new(FIELD, "must not be empty"));
        }
        if let Some(bad) = v.chars().find(|c| {
            !(c.is_ascii_uppercase() || c.is_ascii_digit() || matches!(c, '-' | '.' | '/'))
        }) {
            return Err(ValidationError::new(
                FIELD,
                format!("may contain only letters A-Z, digits, '-', '.' and '/', found '{bad}'"),
            ));
        }
        if v.len() > MAX_PART_NUMBER_CHARS {
            return Err(ValidationError::new(
                FIELD,
                format!("must be at most {MAX_PART_NUMBER_CHARS} characters"),
            ));
        }
        let edge_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
        if !edge_ok(v.chars().next()) || !edge_ok(v.chars().last()) {
            return Err(ValidationError::new(
                FIELD,
                "must start and end with a letter or digit",
            ));
        }
        Ok(PartNumber(v))
    }

    /// The normalised text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PartNumber {
    type Error = ValidationError;

    fn try_from(s: String) -> Result<PartNumber, ValidationError> {
        PartNumber::parse(&s)
    }
}

impl From<PartNumber> for String {
    fn from(p: PartNumber) -> String {
        p.0
    }
}

impl fmt::Display for PartNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A part's name: Chinese required, English optional.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartName {
    /// 中文名称.
    pub zh: String,
    /// English name.
    pub en: Option<String>,
}

impl PartName {
    /// Validate: the Chinese name 1-200 characters, the English one (blank means none) too.
    pub fn new(zh: &str, en: Option<&str>) -> Result<PartName, ValidationError> {
        let zh = validate::name("name_zh", zh)?;
        let en = match en.map(str::trim).filter(|s| !s.is_empty()) {
            Some(e) => Some(validate::name("name_en", e)?),
            None => None,
        };
        Ok(PartName { zh, en })
    }
}

/// Longest unit of measure.
pub const MAX_UNIT_CHARS: usize = 10;

/// A unit of measure ("pcs", "个", "套", "m"): 1-10 characters without spaces.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Unit(String);

impl Unit {
    /// Validate a unit.
    pub fn parse(text: &str) -> Result<Unit, ValidationError> {
        let v = text.trim();
        if v.is_empty() {
            return Err(ValidationError::new("unit", "must not be empty"));
        }
        if v.chars().count() > MAX_UNIT_CHARS || v.chars().any(char::is_whitespace) {
            return Err(ValidationError::new(
                "unit",
                format!("must be at most {MAX_UNIT_CHARS} characters without spaces"),
            ));
        }
        Ok(Unit(v.to_string()))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Unit {
    type Error = ValidationError;

    fn try_from(s: String) -> Result<Unit, ValidationError> {
        Unit::parse(&s)
    }
}

impl From<Unit> for String {
    fn from(u: Unit) -> String {
        u.0
    }
}

/// How a part is obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartSource {
    /// Bought from a supplier (外购).
    Buy,
    /// Made in house (自制).
    Make,
    /// Obtained by repairing defective parts (修复).
    Repair,
}

impl PartSource {
    /// Every source.
    pub const ALL: [PartSource; 3] = [PartSource::Buy, PartSource::Make, PartSource::Repair];

    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            PartSource::Buy => "buy",
            PartSource::Make => "make",
            PartSource::Repair => "repair",
        }
    }

    /// Parse a code or its Chinese label (外购 / 自制 / 修复), as planners write it in Excel.
    pub fn parse(text: &str) -> Option<PartSource> {
        match text.trim().to_ascii_lowercase().as_str() {
            "buy" | "外购" => Some(PartSource::Buy),
            "make" | "自制" => Some(PartSource::Make),
            "repair" | "修复" => Some(PartSource::Repair),
            _ => None,
        }
    }
}

/// Whether a part is critical (关键件): key parts get tighter stock policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Criticality {
    /// An ordinary part.
    #[default]
    Normal,
    /// A key part (关键件).
    Key,
}

impl Criticality {
    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            Criticality::Normal => "normal",
            Criticality::Key => "key",
        }
    }

    /// Parse a code or its Chinese label (一般 / 关键).
    pub fn parse(text: &str) -> Option<Criticality> {
        match text.trim().to_ascii_lowercase().as_str() {
            "normal" | "一般" => Some(Criticality::Normal),
            "key" | "关键" => Some(Criticality::Key),
            _ => None,
        }
    }
}

/// Longest lead time accepted, in days (ten years).
pub const MAX_LEAD_TIME_DAYS: i64 = 3650;

/// A lead time in whole days, 0-3650.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LeadTimeDays(u16);

impl LeadTimeDays {
    /// Validate a lead time.
    pub fn new(field: &str, days: i64) -> Result<LeadTimeDays, ValidationError> {
        if !(0..=MAX_LEAD_TIME_DAYS).contains(&days) {
            return Err(ValidationError::new(
                field,
                format!("must be between 0 and {MAX_LEAD_TIME_DAYS} days"),
            ));
        }
        Ok(LeadTimeDays(days as u16))
    }

    /// The days.
    pub fn days(self) -> u16 {
        self.0
    }
}

/// How often a part is replaced in normal use (a filter every 180 days), 1-36500 days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ReplacementCycle(u32);

impl ReplacementCycle {
    /// Validate a replacement cycle in days.
    pub fn days(days: i64) -> Result<ReplacementCycle, ValidationError> {
        if !(1..=36_500).contains(&days) {
            return Err(ValidationError::new(
                "replacement_cycle_days",
                "must be between 1 and 36500 days",
            ));
        }
        Ok(ReplacementCycle(days as u32))
    }

    /// The days.
    pub fn get(self) -> u32 {
        self.0
    }
}

/// Manual minimum and maximum stock for one part in one warehouse (overriding the planned
/// levels).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockLevels {
    /// Minimum (safety) stock.
    pub min: Qty,
    /// Maximum stock, if capped.
    pub max: Option<Qty>,
}

impl StockLevels {
    /// Levels with `min <= max`.
    pub fn new(min: Qty, max: Option<Qty>) -> Result<StockLevels, ValidationError> {
        if max.is_some_and(|m| m < min) {
            return Err(ValidationError::new("max", "must not be below the minimum"));
        }
        Ok(StockLevels { min, max })
    }

    /// A manual level as typed: whole units from 0 to the most one order line may carry
    /// (a level no line could reach would be proposed at every run and never approved).
    pub fn level(field: &str, units: i64) -> Result<Qty, ValidationError> {
        let max = crate::stock::MAX_UNITS_PER_LINE;
        if units > max {
            return Err(ValidationError::new(
                field,
                format!("must be at most {max} units"),
            ));
        }
        Qty::new(units).map_err(|e| ValidationError::new(field, e.to_string()))
    }
}

/// A warehouse's manual stock levels for a part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevelOverride {
    /// The warehouse.
    pub warehouse: WarehouseId,
    /// The levels.
    pub levels: StockLevels,
}

/// What a vendor does for a part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VendorRole {
    /// Sells the part.
    Supplier,
    /// Repairs defective units of the part.
    RepairVendor,
}

/// A supplier or repair vendor of a part with its lead time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartVendor {
    /// The vendor.
    pub vendor: SupplierId,
    /// Supplier or repair vendor.
    pub role: VendorRole,
    /// Days from order to receipt.
    pub lead_time: LeadTimeDays,
}

/// Longest free-text fields.
const MAX_SPEC_CHARS: usize = 500;
const MAX_CATEGORY_CHARS: usize = 64;
const MAX_NOTES_CHARS: usize = 2000;

/// A part as entered (form or import row) before validation; field names are the import
/// column names.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PartDraft {
    /// Part number.
    pub part_number: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name (blank for none).
    pub name_en: Option<String>,
    /// Specification.
    pub specification: Option<String>,
    /// Category.
    pub category: Option<String>,
    /// Unit of measure.
    pub unit: String,
    /// Standard cost in minor units.
    pub standard_cost: i64,
    /// Source code or label.
    pub source: String,
    /// Procurement lead time in days.
    pub lead_time_days: i64,
    /// Replacement cycle in days.
    pub replacement_cycle_days: Option<i64>,
    /// Criticality code or label (blank for normal).
    pub criticality: Option<String>,
    /// End-of-production date.
    pub end_of_production: Option<NaiveDate>,
    /// End-of-service date.
    pub end_of_service: Option<NaiveDate>,
    /// Notes.
    pub notes: Option<String>,
}

/// A validated part master record (without its id, which the store assigns).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartMaster {
    /// Part number.
    pub number: PartNumber,
    /// Name.
    pub name: PartName,
    /// Specification.
    pub specification: Option<String>,
    /// Category.
    pub category: Option<String>,
    /// Unit of measure.
    pub unit: Unit,
    /// Standard cost per unit (never negative).
    pub standard_cost: Money,
    /// How it is obtained.
    pub source: PartSource,
    /// Procurement lead time.
    pub lead_time: LeadTimeDays,
    /// Replacement cycle.
    pub replacement_cycle: Option<ReplacementCycle>,
    /// Key part or not.
    pub criticality: Criticality,
    /// Lifecycle dates.
    pub lifecycle: Lifecycle,
    /// Notes.
    pub notes: Option<String>,
}

fn optional_text(
    field: &str,
    value: &Option<String>,
    max: usize,
) -> Result<Option<String>, ValidationError> {
    match value.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(v) if v.chars().count() > max => Err(ValidationError::new(
            field,
            format!("must be at most {max} characters"),
        )),
        Some(v) => Ok(Some(v.to_string())),
    }
}

/// Collects field errors so an import can report every bad column of a row at once.
struct Collector(Vec<ValidationError>);

impl Collector {
    fn take<T>(&mut self, r: Result<T, ValidationError>) -> Option<T> {
        r.map_err(|e| self.0.push(e)).ok()
    }
}

impl PartDraft {
    /// Validate every field; on failure return every problem, not just the first.
    pub fn validate(&self) -> Result<PartMaster, Vec<ValidationError>> {
        let mut c = Collector(Vec::new());
        let number = c.take(PartNumber::parse(&self.part_number));
        let name = c.take(PartName::new(&self.name_zh, self.name_en.as_deref()));
        let specification = c.take(optional_text(
            "specification",
            &self.specification,
            MAX_SPEC_CHARS,
        ));
        let category = c.take(optional_text(
            "category",
            &self.category,
            MAX_CATEGORY_CHARS,
        ));
        let unit = c.take(Unit::parse(&self.unit));
        let standard_cost = c.take(if self.standard_cost < 0 {
            Err(ValidationError::new(
                "standard_cost",
                "must not be negative",
            ))
        } else {
            Ok(Money(self.standard_cost))
        });
        let source = c.take(PartSource::parse(&self.source).ok_or_else(|| {
            ValidationError::new("source", "must be buy, make or repair (外购/自制/修复)")
        }));
        let lead_time = c.take(LeadTimeDays::new("lead_time_days", self.lead_time_days));
        let replacement_cycle = c.take(
            self.replacement_cycle_days
                .map(ReplacementCycle::days)
                .transpose(),
        );
        let criticality = c.take(
            match self
                .criticality
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
            {
                None => Ok(Criticality::Normal),
                Some(t) => Criticality::parse(t).ok_or_else(|| {
                    ValidationError::new("criticality", "must be key or normal (关键/一般)")
                }),
            },
        );
        let lifecycle = c.take(Lifecycle::new(self.end_of_production, self.end_of_service));
        let notes = c.take(optional_text("notes", &self.notes, MAX_NOTES_CHARS));
        let (
            Some(number),
            Some(name),
            Some(specification),
            Some(category),
            Some(unit),
            Some(standard_cost),
            Some(source),
            Some(lead_time),
            Some(replacement_cycle),
            Some(criticality),
            Some(lifecycle),
            Some(notes),
        ) = (
            number,
            name,
            specification,
            category,
            unit,
            standard_cost,
            source,
            lead_time,
            replacement_cycle,
            criticality,
            lifecycle,
            notes,
        )
        else {
            return Err(c.0);
        };
        Ok(PartMaster {
            number,
            name,
            specification,
            category,
            unit,
            standard_cost,
            source,
            lead_time,
            replacement_cycle,
            criticality,
            lifecycle,
            notes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> PartDraft {
        PartDraft {
            part_number: "pcb-55/a.1".into(),
            name_zh: "主板".into(),
            name_en: Some("Main board".into()),
            unit: "块".into(),
            standard_cost: 12_000,
            source: "外购".into(),
            lead_time_days: 30,
            ..PartDraft::default()
        }
    }

    #[test]
    fn part_numbers_are_trimmed_and_upper_cased() {
        assert_eq!(
            PartNumber::parse("  ab-1/c.2 ").unwrap().as_str(),
            "AB-1/C.2"
        );
    }

    #[test]
    fn part_numbers_reject_spaces_underscores_and_chinese() {
        for bad in ["AB 1", "AB_1", "主板1", ""] {
            assert!(PartNumber::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn part_numbers_must_start_and_end_with_a_letter_or_digit() {
        for bad in ["-AB", "AB/", ".1"] {
            assert!(PartNumber::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn part_numbers_are_at_most_forty_characters() {
        assert!(PartNumber::parse(&"A".repeat(40)).is_ok());
        assert!(PartNumber::parse(&"A".repeat(41)).is_err());
    }

    #[test]
    fn a_blank_english_name_means_none() {
        assert_eq!(PartName::new("滤网", Some("  ")).unwrap().en, None);
    }

    #[test]
    fn stock_levels_need_max_at_least_min() {
        let q = |n| Qty::new(n).unwrap();
        assert!(StockLevels::new(q(5), Some(q(4))).is_err());
        assert!(StockLevels::new(q(5), Some(q(5))).is_ok());
        assert!(StockLevels::new(q(5), None).is_ok());
        assert_eq!(
            StockLevels::level("max", 1_000_000_000).unwrap(),
            q(1_000_000_000)
        );
        let e = StockLevels::level("max", 1_000_000_001).unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.reason.as_str()),
            ("max", "must be at most 1000000000 units")
        );
        assert_eq!(StockLevels::level("min", -1).unwrap_err().field, "min");
    }

    #[test]
    fn validates_a_good_draft() {
        let p = draft().validate().unwrap();
        assert_eq!(p.number.as_str(), "PCB-55/A.1");
        assert_eq!(p.source, PartSource::Buy);
        assert_eq!(p.criticality, Criticality::Normal);
        assert_eq!(p.standard_cost, Money(12_000));
    }

    #[test]
    fn reports_every_bad_field_at_once() {
        let bad = PartDraft {
            part_number: "bad number".into(),
            name_zh: " ".into(),
            unit: "".into(),
            standard_cost: -1,
            source: "steal".into(),
            lead_time_days: -3,
            replacement_cycle_days: Some(0),
            criticality: Some("very".into()),
            end_of_production: NaiveDate::from_ymd_opt(2025, 1, 1),
            end_of_service: NaiveDate::from_ymd_opt(2024, 1, 1),
            ..draft()
        };
        let fields: Vec<String> = bad
            .validate()
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            [
                "part_number",
                "name_zh",
                "unit",
                "standard_cost",
                "source",
                "lead_time_days",
                "replacement_cycle_days",
                "criticality",
                "end_of_service"
            ]
        );
    }

    #[test]
    fn source_and_criticality_accept_chinese_labels() {
        assert_eq!(PartSource::parse("修复"), Some(PartSource::Repair));
        assert_eq!(PartSource::parse("MAKE"), Some(PartSource::Make));
        assert_eq!(Criticality::parse("关键"), Some(Criticality::Key));
    }
}
