//! Chinese phone numbers: normalised to digits for storage and search, and validated as a
//! mobile or a landline with its area code.
//!
//! Normal form: the national number as digits, no country code, landlines with their leading
//! `0` (`13812345678`, `01062345678`, `075562345678`). Input may carry `+86` / `0086` / `86`
//! (before a mobile), spaces, dashes, dots, parentheses, full-width digits and punctuation
//! (typed with a Chinese input method), and an extension after `转`, `分机`, `ext`, `x` or `#`.
//! Internationally written landlines drop the trunk `0` (`+86 10 6234 5678`); it is put back.

use crate::codes::code_enum;
use crate::validate::ValidationError;
use serde::{Deserialize, Serialize};
use std::fmt;

code_enum! {
    /// Mobile or landline.
    pub enum PhoneKind ("phone kind") {
        /// 11 digits, `1[3-9]…`.
        Mobile = "mobile",
        /// `0` + area code + 7-8 digit subscriber number.
        Landline = "landline",
    }
}

/// A valid Chinese phone number in normal form.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PhoneNumber {
    digits: String,
    kind: PhoneKind,
    extension: Option<String>,
}

/// Why a text is not a valid Chinese phone number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    /// Nothing but separators.
    #[error("is empty")]
    Empty,
    /// A character that is neither a digit nor a separator.
    #[error("contains '{0}', which is not a digit or separator")]
    UnexpectedCharacter(char),
    /// A country code other than +86.
    #[error("is not a Chinese number (country code other than +86)")]
    Foreign,
    /// Starts like a mobile but has the wrong length or prefix.
    #[error("is not a mobile number (11 digits starting 13-19), got {0} digits")]
    BadMobile(usize),
    /// Starts with 0 but is not area code + subscriber number.
    #[error("is not a landline (area code + 7 or 8 digits)")]
    BadLandline,
    /// A local number without area code.
    #[error("needs the area code (e.g. 010 or 0755)")]
    MissingAreaCode,
    /// A 400/800 service number.
    #[error("is a 400/800 service number, not a customer's phone")]
    ServiceNumber,
    /// An extension marker without digits after it.
    #[error("has an empty or non-numeric extension")]
    BadExtension,
}

impl PhoneError {
    /// As a validation error on `field`.
    pub fn for_field(&self, field: &str) -> ValidationError {
        ValidationError::new(field, self.to_string())
    }
}

impl PhoneNumber {
    /// Parse and validate a phone number as typed.
    pub fn parse(input: &str) -> Result<PhoneNumber, PhoneError> {
        let text = to_halfwidth(input);
        let (main, extension) = split_extension(&text);
        let extension = match extension {
            Some(e) => Some(digits_only_strict(e).and_then(|d| {
                if d.is_empty() {
                    Err(PhoneError::BadExtension)
                } else {
                    Ok(d)
                }
            })?),
            None => None,
        };
        let (plus, main) = strip_plus(main);
        let raw = digits_only_strict(&main)?;
        if raw.is_empty() {
            return Err(PhoneError::Empty);
        }
        if plus && !raw.starts_with("86") {
            return Err(PhoneError::Foreign);
        }
        let digits = national(&raw, plus);
        let kind = classify(&digits)?;
        Ok(PhoneNumber {
            digits,
            kind,
            extension,
        })
    }

    /// The national number as digits (what the store keeps and searches).
    pub fn digits(&self) -> &str {
        &self.digits
    }

    /// Mobile or landline.
    pub fn kind(&self) -> PhoneKind {
        self.kind
    }

    /// The extension, if any.
    pub fn extension(&self) -> Option<&str> {
        self.extension.as_deref()
    }

    /// For display: `138 1234 5678`, `010-6234 5678`, `0755-6234 5678`, `0571-123 4567 转 8`.
    pub fn formatted(&self) -> String {
        let d = &self.digits;
        let mut out = match self.kind {
            PhoneKind::Mobile => format!("{} {} {}", &d[..3], &d[3..7], &d[7..]),
            PhoneKind::Landline => {
                let area = area_code_len(d).unwrap_or(4);
                let sub = &d[area..];
                let split = sub.len() - 4;
                format!("{}-{} {}", &d[..area], &sub[..split], &sub[split..])
            }
        };
        if let Some(ext) = &self.extension {
            out.push_str(" 转 ");
            out.push_str(ext);
        }
        out
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.formatted())
    }
}

/// The digits to search for, from whatever the agent typed: full-width digits converted,
/// separators and any extension dropped, a `+86` / `0086` country code removed. Works on
/// partial input too (`138-1234` → `1381234`), so the store can match on a fragment.
pub fn normalize_for_search(input: &str) -> String {
    let text = to_halfwidth(input);
    let (main, _) = split_extension(&text);
    let (plus, main) = strip_plus(main);
    let raw: String = main.chars().filter(char::is_ascii_digit).collect();
    if plus && !raw.starts_with("86") {
        return raw;
    }
    national(&raw, plus)
}

/// Full-width digits and punctuation (from Chinese input methods) to their ASCII forms.
pub(crate) fn to_halfwidth(input: &str) -> String {
    input
        .chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .collect()
}

/// Whether the number opens with `+` (after spaces or an opening parenthesis, as in
/// `(+86)`), and the text without that `+`.
fn strip_plus(text: &str) -> (bool, String) {
    let lead = text.len() - text.trim_start_matches([' ', '(']).len();
    if text[lead..].starts_with('+') {
        (true, format!("{}{}", &text[..lead], &text[lead + 1..]))
    } else {
        (false, text.to_string())
    }
}

/// Split `text` at the first extension marker.
fn split_extension(text: &str) -> (&str, Option<&str>) {
    let lower = text.to_lowercase();
    // `to_lowercase` keeps byte offsets for the ASCII markers we look for, and `转` / `分机`
    // have no case, so an index found in `lower` is valid in `text` for these markers.
    if lower.len() != text.len() {
        return (text, None);
    }
    ["分机", "转", "ext.", "ext", "x", "#"]
        .iter()
        .filter_map(|m| lower.find(m).map(|i| (i, m.len())))
        .min_by_key(|(i, _)| *i)
        .map(|(i, len)| (&text[..i], Some(&text[i + len..])))
        .unwrap_or((text, None))
}

/// The digits of `text`, refusing anything but separators.
fn digits_only_strict(text: &str) -> Result<String, PhoneError> {
    let mut out = String::new();
    for c in text.chars() {
        match c {
            '0'..='9' => out.push(c),
            ' ' | '\u{A0}' | '-' | '.' | '(' | ')' | '\u{2013}' | '\u{2014}' | ':' => {}
            other => return Err(PhoneError::UnexpectedCharacter(other)),
        }
    }
    Ok(out)
}

/// Strip a country code and restore a landline's trunk `0`.
fn national(raw: &str, had_plus: bool) -> String {
    let stripped = if had_plus {
        raw.strip_prefix("86")
    } else if let Some(rest) = raw.strip_prefix("0086") {
        Some(rest)
    } else {
        // "86" without + or 00 only before a full mobile number: "8613812345678".
        raw.strip_prefix("86")
            .filter(|rest| rest.len() == 11 && is_mobile(rest))
    };
    match stripped {
        Some(rest) if !rest.is_empty() && !rest.starts_with('0') && !mobile_prefix(rest) => {
            format!("0{rest}")
        }
        Some(rest) => rest.to_string(),
        None => raw.to_string(),
    }
}

/// Whether `d` starts like a mobile number (`1` then 3-9), so a fragment after `+86` is not
/// mistaken for a landline missing its trunk `0` (Beijing's `10…` is a landline).
fn mobile_prefix(d: &str) -> bool {
    let b = d.as_bytes();
    b.first() == Some(&b'1') && b.get(1).is_none_or(|c| (b'3'..=b'9').contains(c))
}

fn is_mobile(d: &str) -> bool {
    let b = d.as_bytes();
    b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1])
}

/// Length of the area code including the leading 0: 010 and 02x have three digits, the rest
/// (0[3-9]xx) four.
fn area_code_len(d: &str) -> Option<usize> {
    let b = d.as_bytes();
    match (b.first(), b.get(1), b.get(2)) {
        (Some(b'0'), Some(b'1'), Some(b'0')) => Some(3),
        (Some(b'0'), Some(b'2'), Some(_)) => Some(3),
        (Some(b'0'), Some(b'3'..=b'9'), Some(_)) if b.len() >= 4 => Some(4),
        _ => None,
    }
}

fn classify(d: &str) -> Result<PhoneKind, PhoneError> {
    if d.starts_with('1') {
        return if is_mobile(d) {
            Ok(PhoneKind::Mobile)
        } else {
            Err(PhoneError::BadMobile(d.len()))
        };
    }
    if d.starts_with("400") || d.starts_with("800") {
        return Err(PhoneError::ServiceNumber);
    }
    if !d.starts_with('0') {
        return if (7..=8).contains(&d.len()) {
            Err(PhoneError::MissingAreaCode)
        } else {
            Err(PhoneError::BadLandline)
        };
    }
    let area = area_code_len(d).ok_or(PhoneError::BadLandline)?;
    let subscriber = &d[area..];
    let lengths = if area == 3 { 8..=8 } else { 7..=8 };
    let first_ok = subscriber
        .as_bytes()
        .first()
        .is_some_and(|c| (b'2'..=b'9').contains(c));
    if lengths.contains(&subscriber.len()) && first_ok {
        Ok(PhoneKind::Landline)
    } else {
        Err(PhoneError::BadLandline)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digits(input: &str) -> String {
        PhoneNumber::parse(input)
            .unwrap_or_else(|e| panic!("{input:?}: {e}"))
            .digits()
            .to_string()
    }

    #[test]
    fn mobile_numbers_in_every_usual_spelling_normalise_to_eleven_digits() {
        for input in [
            "13812345678",
            "138 1234 5678",
            "138-1234-5678",
            "+86 138 1234 5678",
            "+86-13812345678",
            "0086 13812345678",
            "8613812345678",
            "(+86) 138 1234 5678",
            "１３８１２３４５６７８",
            "＋８６ １３８－１２３４－５６７８",
        ] {
            assert_eq!(digits(input), "13812345678", "{input:?}");
        }
    }

    #[test]
    fn landlines_keep_their_area_code_with_the_leading_zero() {
        assert_eq!(digits("010-62345678"), "01062345678");
        assert_eq!(digits("(010) 6234 5678"), "01062345678");
        assert_eq!(digits("021 6123 4567"), "02161234567");
        assert_eq!(digits("0755-8888 6666"), "075588886666");
        assert_eq!(digits("0571-8123456"), "05718123456");
        assert_eq!(digits("（０７５５）８８８８６６６６"), "075588886666");
    }

    #[test]
    fn an_international_landline_gets_its_trunk_zero_back() {
        assert_eq!(digits("+86 10 6234 5678"), "01062345678");
        assert_eq!(digits("0086 755 8888 6666"), "075588886666");
        assert_eq!(digits("+86 (0)10 6234 5678"), "01062345678");
    }

    #[test]
    fn mobiles_and_landlines_are_told_apart() {
        assert_eq!(
            PhoneNumber::parse("13962345678").unwrap().kind(),
            PhoneKind::Mobile
        );
        assert_eq!(
            PhoneNumber::parse("010-62345678").unwrap().kind(),
            PhoneKind::Landline
        );
    }

    #[test]
    fn every_mobile_prefix_from_13_to_19_is_valid_and_10_to_12_are_not() {
        for second in 3..=9 {
            assert!(PhoneNumber::parse(&format!("1{second}062345678")).is_ok());
        }
        for second in 0..=2 {
            assert_eq!(
                PhoneNumber::parse(&format!("1{second}062345678")),
                Err(PhoneError::BadMobile(11))
            );
        }
    }

    #[test]
    fn wrong_lengths_are_rejected_with_a_reason() {
        assert_eq!(
            PhoneNumber::parse("1381234567"),
            Err(PhoneError::BadMobile(10))
        );
        assert_eq!(
            PhoneNumber::parse("138123456789"),
            Err(PhoneError::BadMobile(12))
        );
        assert_eq!(
            PhoneNumber::parse("010-1234567"),
            Err(PhoneError::BadLandline)
        );
        assert_eq!(
            PhoneNumber::parse("0755-623456789"),
            Err(PhoneError::BadLandline)
        );
        assert_eq!(
            PhoneNumber::parse("0755-0234567"),
            Err(PhoneError::BadLandline),
            "subscriber numbers do not start with 0"
        );
        assert_eq!(
            PhoneNumber::parse("8888 6666"),
            Err(PhoneError::MissingAreaCode)
        );
    }

    #[test]
    fn foreign_service_and_garbage_numbers_are_rejected() {
        assert_eq!(
            PhoneNumber::parse("+1 415 555 0100"),
            Err(PhoneError::Foreign)
        );
        assert_eq!(
            PhoneNumber::parse("400-800-1234"),
            Err(PhoneError::ServiceNumber)
        );
        assert_eq!(PhoneNumber::parse(" - "), Err(PhoneError::Empty));
        assert_eq!(
            PhoneNumber::parse("138abc5678"),
            Err(PhoneError::UnexpectedCharacter('a'))
        );
        assert_eq!(
            PhoneNumber::parse("138 1234 5678 / 139").unwrap_err(),
            PhoneError::UnexpectedCharacter('/')
        );
    }

    #[test]
    fn extensions_are_kept_apart_from_the_number() {
        for input in [
            "0571-8123 4567 转 808",
            "0571-81234567转808",
            "0571-81234567 ext. 808",
            "0571-81234567 x808",
            "0571-81234567#808",
            "0571-81234567 分机 808",
        ] {
            let p = PhoneNumber::parse(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
            assert_eq!(p.digits(), "057181234567", "{input:?}");
            assert_eq!(p.extension(), Some("808"), "{input:?}");
        }
        assert_eq!(
            PhoneNumber::parse("0571-81234567 转"),
            Err(PhoneError::BadExtension)
        );
    }

    #[test]
    fn numbers_are_formatted_for_reading() {
        let f = |s: &str| PhoneNumber::parse(s).unwrap().to_string();
        assert_eq!(f("+8613812345678"), "138 1234 5678");
        assert_eq!(f("01062345678"), "010-6234 5678");
        assert_eq!(f("075588886666"), "0755-8888 6666");
        assert_eq!(f("05718123456"), "0571-812 3456");
        assert_eq!(f("0571-81234567 转 8"), "0571-8123 4567 转 8");
    }

    #[test]
    fn search_keys_strip_separators_country_code_and_extension_even_when_partial() {
        assert_eq!(normalize_for_search("+86 138-1234"), "1381234");
        assert_eq!(normalize_for_search("5678"), "5678");
        assert_eq!(normalize_for_search("(0755) 8888"), "07558888");
        assert_eq!(normalize_for_search("０１０－１２３４"), "0101234");
        assert_eq!(normalize_for_search("0086 13812345678"), "13812345678");
        assert_eq!(normalize_for_search("8613812345678"), "13812345678");
        assert_eq!(normalize_for_search("0571-81234567 转 808"), "057181234567");
        assert_eq!(normalize_for_search("张三"), "");
    }

    #[test]
    fn the_search_key_of_a_valid_number_is_its_stored_digits() {
        for input in [
            "+86 138 1234 5678",
            "010-62345678",
            "+86 10 6234 5678",
            "０７５５－８８８８６６６６",
        ] {
            assert_eq!(
                normalize_for_search(input),
                PhoneNumber::parse(input).unwrap().digits(),
                "{input:?}"
            );
        }
    }

    #[test]
    fn a_phone_error_becomes_a_validation_error_on_the_field() {
        let e = PhoneError::MissingAreaCode.for_field("phones[1]");
        assert_eq!(
            e.to_string(),
            "phones[1]: needs the area code (e.g. 010 or 0755)"
        );
    }

    /// A valid national number: a mobile or a landline with a 3- or 4-digit area code.
    fn national_number() -> impl proptest::strategy::Strategy<Value = String> {
        proptest::prop_oneof![
            "1[3-9][0-9]{9}",
            "0(10|2[0-9])[2-9][0-9]{7}",
            "0[3-9][0-9]{2}[2-9][0-9]{6,7}",
        ]
    }

    /// The number written the way people write it: grouped with separators, maybe with a
    /// country code (dropping a landline's trunk 0) and full-width characters.
    fn decorate(digits: &str, sep: usize, country: usize, wide: bool) -> String {
        let seps = ["", " ", "-", ".", "－", "\u{3000}"];
        let sep = seps[sep % seps.len()];
        let (prefix, body) = match country % 4 {
            0 => ("", digits),
            1 => ("+86 ", digits.strip_prefix('0').unwrap_or(digits)),
            2 => ("0086", digits.strip_prefix('0').unwrap_or(digits)),
            _ => ("(+86)", digits.strip_prefix('0').unwrap_or(digits)),
        };
        let grouped: Vec<String> = body
            .as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8(c.to_vec()).unwrap())
            .collect();
        let text = format!("{prefix}{}", grouped.join(sep));
        if wide { to_fullwidth(&text) } else { text }
    }

    fn to_fullwidth(s: &str) -> String {
        s.chars()
            .map(|c| match c {
                '!'..='~' => char::from_u32(c as u32 + 0xFEE0).unwrap(),
                _ => c,
            })
            .collect()
    }

    proptest::proptest! {
        #[test]
        fn any_usual_spelling_of_a_valid_number_parses_to_its_digits(
            digits in national_number(),
            sep in 0usize..6,
            country in 0usize..4,
            wide in proptest::bool::ANY,
        ) {
            let written = decorate(&digits, sep, country, wide);
            let parsed = PhoneNumber::parse(&written);
            proptest::prop_assert!(parsed.is_ok(), "{:?} -> {:?}", written, parsed);
            let parsed = parsed.unwrap();
            proptest::prop_assert_eq!(parsed.digits(), digits.as_str());
            proptest::prop_assert_eq!(normalize_for_search(&written), digits.clone());
            // What we print reads back as the same number.
            proptest::prop_assert_eq!(PhoneNumber::parse(&parsed.formatted()), Ok(parsed));
        }
    }
}
