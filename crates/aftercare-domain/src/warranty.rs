//! Warranty determination at intake: in, out, or bought out, with the reason in words.
//!
//! # Rules
//!
//! - Terms come from the product category's policy; a brand contract (ODM customers) may
//!   override any of its three numbers, and may be a buy-out (买断): the brand took a discount
//!   instead of repairs, so no repair of its units is charged to it.
//! - A cover of N months starts on the purchase date and its **last covered day is the same
//!   day of the month N months later**, or that month's last day when it has no such day
//!   (the Civil Code's way of counting periods in months, 民法典 art. 201-202; also what
//!   `chrono`'s `checked_add_months` does). Bought 2025-01-31 with 12 months: covered through
//!   2026-01-31, out on 2026-02-01. Bought 2025-01-31 with 1 month: covered through 2025-02-28.
//!   A cover of 0 months covers nothing.
//! - Dates are the company time zone's calendar dates; the caller converts instants.
//! - Status: `in` when the whole unit, the key parts or the labour is still covered on the
//!   intake date; `buy_out` when the brand's contract is a buy-out and the unit would be
//!   covered; `out` otherwise.
//! - No purchase date on record → `out`, "needs proof of purchase": the agent asks for the
//!   invoice and determines again when it is provided. A purchase date after the intake date
//!   is a typing error → `out` with that reason, so intake is never blocked.

use crate::codes::code_enum;
use crate::ids::BrandId;
use crate::validate::ValidationError;
use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

/// Longest cover accepted in a policy, in months (30 years).
pub const MAX_COVER_MONTHS: u32 = 360;

code_enum! {
    /// Warranty status stored on the ticket.
    pub enum WarrantyStatus ("warranty status") {
        /// Covered (at least in part): repairs are charged to the manufacturer.
        In = "in",
        /// Not covered: the customer pays.
        Out = "out",
        /// The brand's buy-out contract applies: no repair is charged to the brand.
        BuyOut = "buy_out",
    }
}

code_enum! {
    /// Which parts are free on the intake date.
    pub enum PartsCover ("parts cover") {
        /// Every part (whole-unit cover).
        All = "all",
        /// Only the key parts (e.g. panel, compressor, main board).
        KeyPartsOnly = "key_parts_only",
        /// None.
        None = "none",
    }
}

/// The three numbers of a warranty policy, in months from purchase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct WarrantyTerms {
    /// Whole-unit cover (every part).
    pub unit_months: u32,
    /// Cover of the key parts.
    pub key_parts_months: u32,
    /// Cover of the labour.
    pub labour_months: u32,
}

impl WarrantyTerms {
    /// Check each number is at most [`MAX_COVER_MONTHS`].
    pub fn validate(&self) -> Result<(), ValidationError> {
        for (field, months) in [
            ("unit_months", self.unit_months),
            ("key_parts_months", self.key_parts_months),
            ("labour_months", self.labour_months),
        ] {
            if months > MAX_COVER_MONTHS {
                return Err(ValidationError::new(
                    field,
                    format!("must be at most {MAX_COVER_MONTHS} months"),
                ));
            }
        }
        Ok(())
    }

    /// These terms with `o`'s numbers where it has them.
    pub fn with_override(self, o: &TermsOverride) -> WarrantyTerms {
        WarrantyTerms {
            unit_months: o.unit_months.unwrap_or(self.unit_months),
            key_parts_months: o.key_parts_months.unwrap_or(self.key_parts_months),
            labour_months: o.labour_months.unwrap_or(self.labour_months),
        }
    }
}

/// A brand contract's changes to the category policy; `None` keeps the policy's number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct TermsOverride {
    /// Whole-unit cover.
    pub unit_months: Option<u32>,
    /// Key-parts cover.
    pub key_parts_months: Option<u32>,
    /// Labour cover.
    pub labour_months: Option<u32>,
}

impl TermsOverride {
    /// Whether it changes anything.
    pub fn is_empty(&self) -> bool {
        *self == TermsOverride::default()
    }
}

/// The warranty part of an ODM brand customer's contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BrandContract {
    /// The brand.
    pub brand: BrandId,
    /// Changed terms.
    pub overrides: TermsOverride,
    /// Whether the brand bought out repairs.
    pub buy_out: bool,
}

/// The last covered day of a cover of `months` starting on `purchased` (see the module docs);
/// `None` for a cover of 0 months.
pub fn last_covered_day(purchased: NaiveDate, months: u32) -> Option<NaiveDate> {
    if months == 0 {
        return None;
    }
    Some(
        purchased
            .checked_add_months(Months::new(months))
            .unwrap_or(NaiveDate::MAX),
    )
}

/// The last covered day of each part of the cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoverDates {
    /// Whole unit.
    pub unit_until: Option<NaiveDate>,
    /// Key parts.
    pub key_parts_until: Option<NaiveDate>,
    /// Labour.
    pub labour_until: Option<NaiveDate>,
}

impl CoverDates {
    /// The cover of a unit bought on `purchased` under `terms`.
    pub fn from_purchase(purchased: NaiveDate, terms: &WarrantyTerms) -> CoverDates {
        CoverDates {
            unit_until: last_covered_day(purchased, terms.unit_months),
            key_parts_until: last_covered_day(purchased, terms.key_parts_months),
            labour_until: last_covered_day(purchased, terms.labour_months),
        }
    }

    /// The last day anything is covered.
    pub fn last_day(&self) -> Option<NaiveDate> {
        [self.unit_until, self.key_parts_until, self.labour_until]
            .into_iter()
            .flatten()
            .max()
    }
}

/// Why the status is what it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum WarrantyReason {
    /// No purchase date on record.
    NeedsProofOfPurchase,
    /// The recorded purchase date is after the intake date.
    PurchaseAfterIntake {
        /// The recorded purchase date.
        purchased: NaiveDate,
    },
    /// Still covered.
    Covered,
    /// Covered, but the brand bought repairs out.
    BoughtOut {
        /// The brand.
        brand: BrandId,
    },
    /// Every cover ended before the intake date (or the terms cover nothing).
    Expired,
}

/// The outcome of a warranty determination, stored on the ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WarrantyDetermination {
    /// In, out or buy-out.
    pub status: WarrantyStatus,
    /// Which parts are free.
    pub parts: PartsCover,
    /// Whether labour is free.
    pub labour_covered: bool,
    /// Why.
    pub reason: WarrantyReason,
    /// The terms applied (after brand overrides).
    pub terms: WarrantyTerms,
    /// Whether a brand contract changed the category's terms.
    pub brand_terms: bool,
    /// The cover's last days (none without a valid purchase date).
    pub cover: Option<CoverDates>,
    /// The intake date judged.
    pub intake_date: NaiveDate,
}

/// Determine the warranty of a unit bought on `purchase_date` (if known) for a ticket taken in
/// on `intake_date`, under the category `policy` and the brand's `contract` if any.
pub fn determine(
    purchase_date: Option<NaiveDate>,
    intake_date: NaiveDate,
    policy: &WarrantyTerms,
    contract: Option<&BrandContract>,
) -> WarrantyDetermination {
    let terms = match contract {
        Some(c) => policy.with_override(&c.overrides),
        None => *policy,
    };
    let out = |reason, cover| WarrantyDetermination {
        status: WarrantyStatus::Out,
        parts: PartsCover::None,
        labour_covered: false,
        reason,
        terms,
        brand_terms: contract.is_some_and(|c| !c.overrides.is_empty()),
        cover,
        intake_date,
    };
    let Some(purchased) = purchase_date else {
        return out(WarrantyReason::NeedsProofOfPurchase, None);
    };
    if purchased > intake_date {
        return out(WarrantyReason::PurchaseAfterIntake { purchased }, None);
    }
    let cover = CoverDates::from_purchase(purchased, &terms);
    let still = |until: Option<NaiveDate>| until.is_some_and(|d| intake_date <= d);
    let parts = if still(cover.unit_until) {
        PartsCover::All
    } else if still(cover.key_parts_until) {
        PartsCover::KeyPartsOnly
    } else {
        PartsCover::None
    };
    let labour_covered = still(cover.labour_until);
    if parts == PartsCover::None && !labour_covered {
        return out(WarrantyReason::Expired, Some(cover));
    }
    let (status, reason) = match contract {
        Some(c) if c.buy_out => (
            WarrantyStatus::BuyOut,
            WarrantyReason::BoughtOut { brand: c.brand },
        ),
        _ => (WarrantyStatus::In, WarrantyReason::Covered),
    };
    WarrantyDetermination {
        status,
        parts,
        labour_covered,
        reason,
        cover: Some(cover),
        ..out(reason, None)
    }
}

impl WarrantyDetermination {
    /// The reason in words (English; the UI translates from the structured fields), e.g.
    /// "in warranty: whole unit covered until 2026-01-31; labour covered until 2026-01-31".
    pub fn reason_text(&self) -> String {
        let brand = if self.brand_terms {
            " (brand contract terms)"
        } else {
            ""
        };
        match self.reason {
            WarrantyReason::NeedsProofOfPurchase => {
                "out of warranty: no purchase date on record; needs proof of purchase".to_string()
            }
            WarrantyReason::PurchaseAfterIntake { purchased } => format!(
                "out of warranty: purchase date {purchased} is after the intake date {}; check the proof of purchase",
                self.intake_date
            ),
            WarrantyReason::Expired => match self.cover.and_then(|c| c.last_day()) {
                Some(last) => format!("out of warranty: cover ended on {last}{brand}"),
                None => format!("out of warranty: the terms give no cover{brand}"),
            },
            WarrantyReason::Covered => format!("in warranty: {}{brand}", self.cover_text()),
            WarrantyReason::BoughtOut { brand: b } => format!(
                "buy-out: brand {b} bought out repairs, none is charged to it; {}{brand}",
                self.cover_text()
            ),
        }
    }

    /// What is covered on the intake date and until when.
    fn cover_text(&self) -> String {
        let Some(cover) = self.cover else {
            return String::new();
        };
        let mut parts = Vec::new();
        match (self.parts, cover.unit_until, cover.key_parts_until) {
            (PartsCover::All, Some(d), _) => parts.push(format!("whole unit covered until {d}")),
            (PartsCover::KeyPartsOnly, unit, Some(d)) => {
                if let Some(u) = unit {
                    parts.push(format!("whole-unit cover ended on {u}"));
                }
                parts.push(format!("key parts covered until {d}"));
            }
            _ => parts.push("parts not covered".to_string()),
        }
        match (self.labour_covered, cover.labour_until) {
            (true, Some(d)) => parts.push(format!("labour covered until {d}")),
            _ => parts.push("labour not covered".to_string()),
        }
        parts.join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// A TV policy as commonly sold in China: 1 year whole unit, 3 years key parts (panel),
    /// 1 year labour.
    fn tv() -> WarrantyTerms {
        WarrantyTerms {
            unit_months: 12,
            key_parts_months: 36,
            labour_months: 12,
        }
    }

    fn contract(overrides: TermsOverride, buy_out: bool) -> BrandContract {
        BrandContract {
            brand: BrandId(5),
            overrides,
            buy_out,
        }
    }

    #[test]
    fn a_unit_bought_last_month_is_fully_in_warranty() {
        let d = determine(Some(day(2026, 10, 1)), day(2026, 11, 22), &tv(), None);
        assert_eq!(d.status, WarrantyStatus::In);
        assert_eq!(d.parts, PartsCover::All);
        assert!(d.labour_covered);
        assert_eq!(
            d.reason_text(),
            "in warranty: whole unit covered until 2027-10-01; labour covered until 2027-10-01"
        );
    }

    #[test]
    fn bought_on_the_31st_of_january_with_twelve_months_the_last_covered_day_is_the_31st() {
        let bought = Some(day(2025, 1, 31));
        let last = determine(bought, day(2026, 1, 31), &tv(), None);
        assert_eq!(last.parts, PartsCover::All);
        let after = determine(bought, day(2026, 2, 1), &tv(), None);
        assert_eq!(after.parts, PartsCover::KeyPartsOnly);
        assert!(!after.labour_covered);
    }

    #[test]
    fn a_month_without_the_purchase_day_ends_the_cover_on_its_last_day() {
        assert_eq!(
            last_covered_day(day(2025, 1, 31), 1),
            Some(day(2025, 2, 28))
        );
        assert_eq!(
            last_covered_day(day(2024, 1, 31), 1),
            Some(day(2024, 2, 29))
        );
        assert_eq!(
            last_covered_day(day(2024, 2, 29), 12),
            Some(day(2025, 2, 28))
        );
        assert_eq!(
            last_covered_day(day(2025, 8, 31), 6),
            Some(day(2026, 2, 28))
        );
        assert_eq!(last_covered_day(day(2025, 3, 15), 0), None);
        let one_month = WarrantyTerms {
            unit_months: 1,
            key_parts_months: 1,
            labour_months: 1,
        };
        let bought = Some(day(2025, 1, 31));
        assert_eq!(
            determine(bought, day(2025, 2, 28), &one_month, None).status,
            WarrantyStatus::In
        );
        assert_eq!(
            determine(bought, day(2025, 3, 1), &one_month, None).status,
            WarrantyStatus::Out
        );
    }

    #[test]
    fn after_the_whole_unit_cover_only_key_parts_stay_covered() {
        let d = determine(Some(day(2024, 6, 1)), day(2026, 3, 1), &tv(), None);
        assert_eq!(d.status, WarrantyStatus::In);
        assert_eq!(d.parts, PartsCover::KeyPartsOnly);
        assert!(!d.labour_covered);
        assert_eq!(
            d.reason_text(),
            "in warranty: whole-unit cover ended on 2025-06-01; key parts covered until 2027-06-01; labour not covered"
        );
    }

    #[test]
    fn after_every_cover_the_unit_is_out_of_warranty() {
        let d = determine(Some(day(2020, 6, 1)), day(2026, 3, 1), &tv(), None);
        assert_eq!(d.status, WarrantyStatus::Out);
        assert_eq!(d.parts, PartsCover::None);
        assert_eq!(d.reason, WarrantyReason::Expired);
        assert_eq!(
            d.reason_text(),
            "out of warranty: cover ended on 2023-06-01"
        );
    }

    #[test]
    fn the_key_parts_boundary_day_is_still_covered() {
        let bought = Some(day(2023, 3, 31));
        assert_eq!(
            determine(bought, day(2026, 3, 31), &tv(), None).parts,
            PartsCover::KeyPartsOnly
        );
        assert_eq!(
            determine(bought, day(2026, 4, 1), &tv(), None).status,
            WarrantyStatus::Out
        );
    }

    #[test]
    fn an_unknown_purchase_date_is_out_and_needs_proof_of_purchase() {
        let d = determine(None, day(2026, 11, 22), &tv(), None);
        assert_eq!(d.status, WarrantyStatus::Out);
        assert_eq!(d.reason, WarrantyReason::NeedsProofOfPurchase);
        assert_eq!(d.cover, None);
        assert_eq!(
            d.reason_text(),
            "out of warranty: no purchase date on record; needs proof of purchase"
        );
    }

    #[test]
    fn a_purchase_date_after_the_intake_is_out_with_that_reason() {
        let d = determine(Some(day(2026, 12, 1)), day(2026, 11, 22), &tv(), None);
        assert_eq!(d.status, WarrantyStatus::Out);
        assert!(
            d.reason_text()
                .contains("2026-12-01 is after the intake date 2026-11-22")
        );
    }

    #[test]
    fn a_purchase_on_the_intake_day_is_covered() {
        let today = day(2026, 11, 22);
        assert_eq!(
            determine(Some(today), today, &tv(), None).status,
            WarrantyStatus::In
        );
    }

    #[test]
    fn a_brand_contract_overrides_only_the_numbers_it_sets() {
        let longer = contract(
            TermsOverride {
                unit_months: Some(24),
                ..Default::default()
            },
            false,
        );
        let intake = day(2026, 3, 1);
        let bought = Some(day(2024, 6, 1));
        let d = determine(bought, intake, &tv(), Some(&longer));
        assert_eq!(d.terms.unit_months, 24);
        assert_eq!(d.terms.key_parts_months, 36);
        assert_eq!(d.parts, PartsCover::All);
        assert!(!d.labour_covered, "labour stays at the policy's 12 months");
        assert!(d.brand_terms);
        assert!(d.reason_text().ends_with("(brand contract terms)"));
        let without = determine(bought, intake, &tv(), None);
        assert_eq!(without.parts, PartsCover::KeyPartsOnly);
    }

    #[test]
    fn a_brand_contract_can_shorten_the_cover() {
        let none = contract(
            TermsOverride {
                unit_months: Some(0),
                key_parts_months: Some(0),
                labour_months: Some(0),
            },
            false,
        );
        let d = determine(
            Some(day(2026, 11, 1)),
            day(2026, 11, 22),
            &tv(),
            Some(&none),
        );
        assert_eq!(d.status, WarrantyStatus::Out);
        assert_eq!(
            d.reason_text(),
            "out of warranty: the terms give no cover (brand contract terms)"
        );
    }

    #[test]
    fn a_buy_out_contract_makes_a_covered_unit_buy_out() {
        let buy_out = contract(TermsOverride::default(), true);
        let d = determine(
            Some(day(2026, 10, 1)),
            day(2026, 11, 22),
            &tv(),
            Some(&buy_out),
        );
        assert_eq!(d.status, WarrantyStatus::BuyOut);
        assert_eq!(d.reason, WarrantyReason::BoughtOut { brand: BrandId(5) });
        assert!(!d.brand_terms);
        assert!(
            d.reason_text()
                .starts_with("buy-out: brand 5 bought out repairs")
        );
    }

    #[test]
    fn a_buy_out_does_not_apply_once_the_cover_has_ended_or_without_proof() {
        let buy_out = contract(TermsOverride::default(), true);
        let old = determine(
            Some(day(2020, 1, 1)),
            day(2026, 11, 22),
            &tv(),
            Some(&buy_out),
        );
        assert_eq!(old.status, WarrantyStatus::Out);
        let unknown = determine(None, day(2026, 11, 22), &tv(), Some(&buy_out));
        assert_eq!(unknown.status, WarrantyStatus::Out);
    }

    #[test]
    fn labour_cover_alone_keeps_the_unit_in_warranty() {
        let labour_only = WarrantyTerms {
            unit_months: 0,
            key_parts_months: 0,
            labour_months: 6,
        };
        let d = determine(
            Some(day(2026, 10, 1)),
            day(2026, 11, 22),
            &labour_only,
            None,
        );
        assert_eq!(d.status, WarrantyStatus::In);
        assert_eq!(d.parts, PartsCover::None);
        assert_eq!(
            d.reason_text(),
            "in warranty: parts not covered; labour covered until 2027-04-01"
        );
    }

    #[test]
    fn terms_longer_than_thirty_years_are_rejected() {
        assert!(tv().validate().is_ok());
        let silly = WarrantyTerms {
            unit_months: MAX_COVER_MONTHS + 1,
            ..tv()
        };
        assert_eq!(silly.validate().unwrap_err().field, "unit_months");
    }

    #[test]
    fn status_codes_are_in_out_and_buy_out() {
        let codes: Vec<_> = WarrantyStatus::ALL.iter().map(|s| s.code()).collect();
        assert_eq!(codes, ["in", "out", "buy_out"]);
    }

    proptest::proptest! {
        #[test]
        fn cover_is_one_unbroken_stretch_from_purchase_to_the_last_covered_day(
            offset in 0i64..3000,
            months in 1u32..60,
            probe in 0i64..4000,
        ) {
            let bought = day(2020, 1, 1) + chrono::Duration::days(offset);
            let terms = WarrantyTerms { unit_months: months, key_parts_months: months, labour_months: months };
            let last = last_covered_day(bought, months).unwrap();
            let intake = bought + chrono::Duration::days(probe);
            let d = determine(Some(bought), intake, &terms, None);
            proptest::prop_assert_eq!(d.status == WarrantyStatus::In, intake <= last);
        }
    }
}
