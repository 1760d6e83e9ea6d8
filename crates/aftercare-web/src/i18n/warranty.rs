//! A warranty determination's explanation in Chinese. The domain words it in English
//! (`WarrantyDetermination::reason_text`) and a ticket keeps that text as it was on the
//! intake day; a Chinese page shows it translated piece by piece, and as it is where a
//! piece has no translation (a text stored by an older version).

use super::reasons::{captures, fill};

/// The verdict before the colon.
const HEADS: &[(&str, &str)] = &[
    ("in warranty", "保内"),
    ("out of warranty", "保外"),
    ("buy-out", "买断"),
];

/// The pieces after it, separated by "; ".
const PIECES: &[(&str, &str)] = &[
    ("no purchase date on record", "没有购买日期记录"),
    ("needs proof of purchase", "需要购买凭证"),
    (
        "purchase date {} is after the intake date {}",
        "购买日期 {0} 晚于受理日期 {1}",
    ),
    ("check the proof of purchase", "请核对购买凭证"),
    ("cover ended on {}", "保修已于 {0} 结束"),
    ("the terms give no cover", "保修条款不提供保修"),
    (
        "brand {} bought out repairs, none is charged to it",
        "品牌 {0} 已买断维修，维修费用不向其结算",
    ),
    ("whole unit covered until {}", "整机保修至 {0}"),
    ("whole-unit cover ended on {}", "整机保修已于 {0} 结束"),
    ("key parts covered until {}", "关键部件保修至 {0}"),
    ("parts not covered", "备件不保修"),
    ("labour covered until {}", "人工保修至 {0}"),
    ("labour not covered", "人工不保修"),
];

const BRAND_TERMS: &str = " (brand contract terms)";

/// The explanation in Chinese, or `None` when some piece has no translation.
pub fn warranty_zh(text: &str) -> Option<String> {
    let (text, brand) = match text.strip_suffix(BRAND_TERMS) {
        Some(t) => (t, "（按品牌合同条款）"),
        None => (text, ""),
    };
    let (head, rest) = text.split_once(": ")?;
    let head = HEADS.iter().find(|(en, _)| *en == head)?.1;
    let pieces = rest
        .split("; ")
        .map(piece_zh)
        .collect::<Option<Vec<String>>>()?;
    Some(format!("{head}：{}{brand}", pieces.join("；")))
}

fn piece_zh(piece: &str) -> Option<String> {
    PIECES
        .iter()
        .find_map(|(pattern, zh)| captures(pattern, piece).map(|values| fill(zh, values)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use aftercare_domain::warranty::{WarrantyTerms, determine};
    use chrono::NaiveDate;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn every_explanation_the_domain_writes_reads_in_chinese() {
        let tv = WarrantyTerms {
            unit_months: 12,
            key_parts_months: 36,
            labour_months: 12,
        };
        let intake = day(2026, 11, 22);
        for purchase in [
            None,
            Some(day(2026, 12, 1)),
            Some(day(2026, 5, 1)),
            Some(day(2024, 8, 10)),
            Some(day(2020, 1, 1)),
        ] {
            let text = determine(purchase, intake, &tv, None).reason_text();
            let zh = warranty_zh(&text);
            assert!(zh.is_some(), "{text}");
            assert!(
                !zh.unwrap().chars().any(|c| c.is_ascii_alphabetic()),
                "{text}"
            );
        }
        assert_eq!(
            warranty_zh(
                "in warranty: whole-unit cover ended on 2025-08-10; key parts covered until 2027-08-10; labour not covered"
            )
            .unwrap(),
            "保内：整机保修已于 2025-08-10 结束；关键部件保修至 2027-08-10；人工不保修"
        );
        assert_eq!(
            warranty_zh("out of warranty: cover ended on 2025-01-01 (brand contract terms)")
                .unwrap(),
            "保外：保修已于 2025-01-01 结束（按品牌合同条款）"
        );
        assert_eq!(
            warranty_zh("buy-out: brand 3 bought out repairs, none is charged to it; whole unit covered until 2027-01-01; labour covered until 2027-01-01").unwrap(),
            "买断：品牌 3 已买断维修，维修费用不向其结算；整机保修至 2027-01-01；人工保修至 2027-01-01"
        );
        // Something new is shown as it is, not half translated.
        assert_eq!(warranty_zh("in warranty: sunshine until 2030-01-01"), None);
    }
}
