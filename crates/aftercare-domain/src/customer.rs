//! Customers and their units (installed base) as entered at intake: the checks and the
//! normalisation, before the store saves them.

use crate::codes::code_enum;
use crate::ids::{ProductModelId, RegionId};
use crate::phone::{PhoneNumber, to_halfwidth};
use crate::validate::{self, ValidationError};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Most phone numbers one customer can have.
pub const MAX_PHONES: usize = 5;

code_enum! {
    /// Where the unit was bought.
    pub enum PurchaseChannel ("purchase channel") {
        /// A brick-and-mortar store (own or franchised).
        Store = "store",
        /// An online shop (JD, Tmall, the brand's own).
        EShop = "e_shop",
        /// A retailer or dealer.
        Retailer = "retailer",
    }
}

/// An address as typed: a region of the hierarchy and the rest in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddressInput {
    /// The most specific known region (township, else district, ...).
    pub region: RegionId,
    /// Street, building, flat.
    pub detail: String,
}

/// A customer as typed by the agent.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CustomerInput {
    /// The customer's name.
    pub name: String,
    /// Phone numbers in any usual spelling.
    pub phones: Vec<String>,
    /// Addresses.
    pub addresses: Vec<AddressInput>,
}

/// A checked customer: name trimmed, phones normalised and de-duplicated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidCustomer {
    /// The name.
    pub name: String,
    /// Distinct phone numbers, in the order given.
    pub phones: Vec<PhoneNumber>,
    /// Addresses with trimmed detail.
    pub addresses: Vec<AddressInput>,
}

impl CustomerInput {
    /// Check the input; errors name the field (`phones[1]`, `addresses[0].detail`).
    pub fn validate(&self) -> Result<ValidCustomer, ValidationError> {
        let name = validate::name("name", &self.name)?;
        let phones = distinct_phones(&self.phones)?;
        let addresses = self
            .addresses
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let field = format!("addresses[{i}].detail");
                Ok(AddressInput {
                    region: a.region,
                    detail: validate::name(&field, &a.detail)?,
                })
            })
            .collect::<Result<Vec<_>, ValidationError>>()?;
        Ok(ValidCustomer {
            name,
            phones,
            addresses,
        })
    }
}

/// Parse every phone, drop repeats of the same number, require one to five.
fn distinct_phones(inputs: &[String]) -> Result<Vec<PhoneNumber>, ValidationError> {
    let mut phones: Vec<PhoneNumber> = Vec::new();
    for (i, p) in inputs.iter().enumerate() {
        if p.trim().is_empty() {
            continue;
        }
        let phone = PhoneNumber::parse(p).map_err(|e| e.for_field(&format!("phones[{i}]")))?;
        if !phones.iter().any(|q| q.digits() == phone.digits()) {
            phones.push(phone);
        }
    }
    if phones.is_empty() {
        return Err(ValidationError::new(
            "phones",
            "at least one phone number is required",
        ));
    }
    if phones.len() > MAX_PHONES {
        return Err(ValidationError::new(
            "phones",
            format!("at most {MAX_PHONES} phone numbers"),
        ));
    }
    Ok(phones)
}

/// Normalise a serial number: full-width characters to ASCII, spaces removed, letters upper
/// case; 4-64 characters of letters, digits, `-`, `/` and `.`.
///
/// Serial numbers are unique per product model, so the store compares normalised forms.
pub fn normalize_serial(input: &str) -> Result<String, ValidationError> {
    let s: String = to_halfwidth(input)
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if let Some(bad) = s
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '/' | '.')))
    {
        return Err(ValidationError::new(
            "serial",
            format!("may contain only letters, digits, '-', '/' or '.', found '{bad}'"),
        ));
    }
    let n = s.chars().count();
    if !(4..=64).contains(&n) {
        return Err(ValidationError::new("serial", "must be 4 to 64 characters"));
    }
    Ok(s)
}

/// A unit as typed by the agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitInput {
    /// Serial number as typed.
    pub serial: String,
    /// The product model.
    pub model: ProductModelId,
    /// Purchase date from the invoice, if known.
    pub purchase_date: Option<NaiveDate>,
    /// Where it was bought, if known.
    pub purchase_channel: Option<PurchaseChannel>,
    /// Production batch (from the nameplate), if known.
    pub production_batch: Option<String>,
}

/// A checked unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidUnit {
    /// Normalised serial number.
    pub serial: String,
    /// The product model.
    pub model: ProductModelId,
    /// Purchase date, not after the day it was entered.
    pub purchase_date: Option<NaiveDate>,
    /// Where it was bought.
    pub purchase_channel: Option<PurchaseChannel>,
    /// Production batch code (normalised like a code), if given.
    pub production_batch: Option<String>,
}

impl UnitInput {
    /// Check the input as of `today` (the company time zone's date): a purchase date in the
    /// future is refused.
    pub fn validate(&self, today: NaiveDate) -> Result<ValidUnit, ValidationError> {
        let serial = normalize_serial(&self.serial)?;
        if let Some(d) = self.purchase_date
            && d > today
        {
            return Err(ValidationError::new(
                "purchase_date",
                format!("{d} is in the future"),
            ));
        }
        let production_batch = match self.production_batch.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(b) => Some(validate::code("production_batch", b)?),
        };
        Ok(ValidUnit {
            serial,
            model: self.model,
            purchase_date: self.purchase_date,
            purchase_channel: self.purchase_channel,
            production_batch,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn customer(phones: &[&str]) -> CustomerInput {
        CustomerInput {
            name: " 张三 ".into(),
            phones: phones.iter().map(|p| p.to_string()).collect(),
            addresses: vec![AddressInput {
                region: RegionId(440305),
                detail: " 西丽街道 1 号 ".into(),
            }],
        }
    }

    fn unit(serial: &str, purchase: Option<NaiveDate>) -> UnitInput {
        UnitInput {
            serial: serial.into(),
            model: ProductModelId(3),
            purchase_date: purchase,
            purchase_channel: Some(PurchaseChannel::EShop),
            production_batch: Some(" B2025-07 ".into()),
        }
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn a_customer_is_trimmed_and_phones_are_normalised_and_deduplicated() {
        let c = customer(&["+86 138 1234 5678", "13812345678", "", "010-6234 5678"])
            .validate()
            .unwrap();
        assert_eq!(c.name, "张三");
        let digits: Vec<_> = c.phones.iter().map(|p| p.digits()).collect();
        assert_eq!(digits, ["13812345678", "01062345678"]);
        assert_eq!(c.addresses[0].detail, "西丽街道 1 号");
    }

    #[test]
    fn a_customer_needs_a_name_and_a_valid_phone() {
        let mut c = customer(&["13812345678"]);
        c.name = "  ".into();
        assert_eq!(c.validate().unwrap_err().field, "name");
        assert_eq!(customer(&[]).validate().unwrap_err().field, "phones");
        assert_eq!(customer(&["  "]).validate().unwrap_err().field, "phones");
        let bad = customer(&["13812345678", "6234 5678"])
            .validate()
            .unwrap_err();
        assert_eq!(bad.field, "phones[1]");
        assert!(bad.reason.contains("area code"));
    }

    #[test]
    fn a_customer_has_at_most_five_distinct_phones() {
        let six: Vec<String> = (0..6).map(|i| format!("1381234567{i}")).collect();
        let refs: Vec<&str> = six.iter().map(String::as_str).collect();
        assert!(customer(&refs[..5]).validate().is_ok());
        assert_eq!(customer(&refs).validate().unwrap_err().field, "phones");
    }

    #[test]
    fn an_address_needs_its_detail() {
        let mut c = customer(&["13812345678"]);
        c.addresses[0].detail = String::new();
        assert_eq!(c.validate().unwrap_err().field, "addresses[0].detail");
    }

    #[test]
    fn serial_numbers_are_upper_cased_without_spaces_and_full_width_is_folded() {
        assert_eq!(normalize_serial(" sn 2025-ab12 ").unwrap(), "SN2025-AB12");
        assert_eq!(normalize_serial("ＳＮ１２３４").unwrap(), "SN1234");
        assert_eq!(normalize_serial("A1/B2.C3").unwrap(), "A1/B2.C3");
    }

    #[test]
    fn serial_numbers_with_odd_characters_or_lengths_are_rejected() {
        assert!(
            normalize_serial("SN#1234")
                .unwrap_err()
                .reason
                .contains("'#'")
        );
        assert!(normalize_serial("abc").is_err());
        assert!(normalize_serial(&"9".repeat(65)).is_err());
        assert!(normalize_serial("序列号1234").is_err());
    }

    #[test]
    fn a_unit_purchased_in_the_future_is_refused() {
        let today = day(2026, 11, 22);
        assert!(unit("SN12345", Some(today)).validate(today).is_ok());
        let err = unit("SN12345", Some(day(2026, 11, 23)))
            .validate(today)
            .unwrap_err();
        assert_eq!(err.field, "purchase_date");
    }

    #[test]
    fn a_unit_without_purchase_date_or_batch_is_accepted() {
        let mut u = unit("sn12345", None);
        u.production_batch = Some("  ".into());
        let v = u.validate(day(2026, 11, 22)).unwrap();
        assert_eq!(v.serial, "SN12345");
        assert_eq!(v.purchase_date, None);
        assert_eq!(v.production_batch, None);
        let with_batch = unit("sn12345", None).validate(day(2026, 11, 22)).unwrap();
        assert_eq!(with_batch.production_batch.as_deref(), Some("B2025-07"));
    }

    #[test]
    fn purchase_channel_codes_round_trip() {
        let codes: Vec<_> = PurchaseChannel::ALL.iter().map(|c| c.code()).collect();
        assert_eq!(codes, ["store", "e_shop", "retailer"]);
        for c in PurchaseChannel::ALL {
            assert_eq!(PurchaseChannel::parse(c.code()), Ok(*c));
        }
    }
}
