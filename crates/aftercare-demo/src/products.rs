//! Product lines (TV, monitor, refrigerator, washing machine) and ~60 product models with
//! launch dates, lifecycles and owner brands.

use crate::org::{BRAND_NORDHAVEN, BRAND_OWN, BRAND_YUEJIA};
use crate::rng::{Family, family_rng};
use aftercare_domain::Money;
use chrono::{Months, NaiveDate};
use rand::Rng;
use serde::Serialize;

/// A product line (category); warranty terms follow the common 三包 pattern (demo defaults).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProductLine {
    /// Code (`TV`, `MN`, `RF`, `WM`); model codes start with it.
    pub code: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Months of whole-unit warranty.
    pub warranty_months: u32,
    /// Months of warranty on the key parts.
    pub key_parts_warranty_months: u32,
    /// The key parts, in Chinese.
    pub key_parts_zh: String,
    /// The key parts, in English.
    pub key_parts_en: String,
}

/// The headline size of a model: screen diagonal, fridge volume or washing load.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "unit", content = "value")]
pub enum ModelSize {
    /// Screen diagonal in tenths of an inch (`245` = 24.5").
    InchTenths(u32),
    /// Total volume in litres.
    Litres(u32),
    /// Rated washing load in kilograms.
    Kilograms(u32),
}

impl ModelSize {
    /// Chinese label (`55英寸`, `24.5英寸`, `470升`, `10公斤`).
    pub fn label_zh(self) -> String {
        match self {
            ModelSize::InchTenths(t) => format!("{}英寸", inches(t)),
            ModelSize::Litres(l) => format!("{l}升"),
            ModelSize::Kilograms(k) => format!("{k}公斤"),
        }
    }

    /// English label (`55"`, `24.5"`, `470 L`, `10 kg`).
    pub fn label_en(self) -> String {
        match self {
            ModelSize::InchTenths(t) => format!("{}\"", inches(t)),
            ModelSize::Litres(l) => format!("{l} L"),
            ModelSize::Kilograms(k) => format!("{k} kg"),
        }
    }
}

fn inches(tenths: u32) -> String {
    if tenths.is_multiple_of(10) {
        (tenths / 10).to_string()
    } else {
        format!("{}.{}", tenths / 10, tenths % 10)
    }
}

/// A product model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProductModel {
    /// Model code (`TV-55U8`, `RF-BCD-470`, `TV-55F6-NH`).
    pub code: String,
    /// Code of its product line.
    pub line_code: String,
    /// Code of the brand it is sold under.
    pub brand_code: String,
    /// Chinese name, with the size.
    pub name_zh: String,
    /// English name, with the size.
    pub name_en: String,
    /// Headline size.
    pub size: ModelSize,
    /// First day of sale.
    pub launched_on: NaiveDate,
    /// Last day of production, if production has ended by the demo's reference date.
    pub end_of_production_on: Option<NaiveDate>,
    /// Recommended retail price.
    pub list_price: Money,
}

impl ProductModel {
    /// Whether the model is still produced on `date`.
    pub fn in_production_on(&self, date: NaiveDate) -> bool {
        date >= self.launched_on && self.end_of_production_on.is_none_or(|eop| date <= eop)
    }
}

/// The four product lines.
pub fn product_lines() -> Vec<ProductLine> {
    let line = |code: &str, zh: &str, en: &str, key: u32, key_zh: &str, key_en: &str| ProductLine {
        code: code.into(),
        name_zh: zh.into(),
        name_en: en.into(),
        warranty_months: 12,
        key_parts_warranty_months: key,
        key_parts_zh: key_zh.into(),
        key_parts_en: key_en.into(),
    };
    vec![
        line(
            "TV",
            "电视",
            "Television",
            36,
            "液晶屏、主板",
            "panel, main board",
        ),
        line(
            "MN",
            "显示器",
            "Monitor",
            24,
            "液晶屏、主板",
            "panel, main board",
        ),
        line("RF", "冰箱", "Refrigerator", 36, "压缩机", "compressor"),
        line(
            "WM",
            "洗衣机",
            "Washing machine",
            36,
            "电机、程序控制器",
            "motor, program controller",
        ),
    ]
}

/// One row of the model catalogue.
struct Spec {
    code: &'static str,
    brand: &'static str,
    size: ModelSize,
    zh: &'static str,
    en: &'static str,
    /// Price in whole yuan.
    price: i64,
    /// Launched this many months before the reference date (± a few).
    age_months: u32,
    /// Produced for this many months (± a few); `None` if still in production.
    run_months: Option<u32>,
}

const fn m(
    code: &'static str,
    brand: &'static str,
    size: ModelSize,
    zh: &'static str,
    en: &'static str,
    price: i64,
    (age_months, run_months): (u32, Option<u32>),
) -> Spec {
    Spec {
        code,
        brand,
        size,
        zh,
        en,
        price,
        age_months,
        run_months,
    }
}

const fn inch(tenths: u32) -> ModelSize {
    ModelSize::InchTenths(tenths)
}

const fn litres(l: u32) -> ModelSize {
    ModelSize::Litres(l)
}

const fn kg(k: u32) -> ModelSize {
    ModelSize::Kilograms(k)
}

const OWN: &str = BRAND_OWN;
const NH: &str = BRAND_NORDHAVEN;
const YJ: &str = BRAND_YUEJIA;

/// The catalogue: names get the size label prepended.
#[rustfmt::skip]
const CATALOGUE: &[Spec] = &[
    // Televisions.
    m("TV-32A3", OWN, inch(320), "高清智能电视 A3", "HD Smart TV A3", 899, (88, Some(40))),
    m("TV-43A3", OWN, inch(430), "全高清智能电视 A3", "Full HD Smart TV A3", 1199, (88, Some(40))),
    m("TV-43A5", OWN, inch(430), "全高清智能电视 A5", "Full HD Smart TV A5", 1299, (64, Some(36))),
    m("TV-55E5", OWN, inch(550), "4K超高清电视 E5", "4K UHD TV E5", 2599, (76, Some(30))),
    m("TV-65E5", OWN, inch(650), "4K超高清电视 E5", "4K UHD TV E5", 3999, (76, Some(30))),
    m("TV-43A7", OWN, inch(430), "4K超高清智能电视 A7", "4K UHD Smart TV A7", 1599, (46, None)),
    m("TV-50A7", OWN, inch(500), "4K超高清智能电视 A7", "4K UHD Smart TV A7", 1899, (46, None)),
    m("TV-55A7", OWN, inch(550), "4K超高清智能电视 A7", "4K UHD Smart TV A7", 2299, (46, None)),
    m("TV-65A7", OWN, inch(650), "4K超高清智能电视 A7", "4K UHD Smart TV A7", 3199, (46, None)),
    m("TV-55U8", OWN, inch(550), "Mini LED 电视 U8", "Mini LED TV U8", 3999, (34, Some(24))),
    m("TV-65U8", OWN, inch(650), "Mini LED 电视 U8", "Mini LED TV U8", 5499, (34, Some(24))),
    m("TV-75U8", OWN, inch(750), "Mini LED 电视 U8", "Mini LED TV U8", 7999, (34, Some(24))),
    m("TV-55U9", OWN, inch(550), "Mini LED 电视 U9", "Mini LED TV U9", 4599, (10, None)),
    m("TV-65U9", OWN, inch(650), "Mini LED 电视 U9", "Mini LED TV U9", 5999, (10, None)),
    m("TV-65Q9", OWN, inch(650), "QLED 量子点电视 Q9", "QLED TV Q9", 6999, (22, None)),
    m("TV-75Q9", OWN, inch(750), "QLED 量子点电视 Q9", "QLED TV Q9", 8999, (22, None)),
    m("TV-85Q9", OWN, inch(850), "QLED 量子点电视 Q9", "QLED TV Q9", 11999, (22, None)),
    m("TV-98X1", OWN, inch(980), "巨幕电视 X1", "Giant Screen TV X1", 19999, (14, None)),
    m("TV-43F4-NH", NH, inch(430), "智能电视 F4", "Smart TV F4", 1399, (58, Some(30))),
    m("TV-55F6-NH", NH, inch(550), "4K智能电视 F6", "4K Smart TV F6", 2499, (40, None)),
    m("TV-65F6-NH", NH, inch(650), "4K智能电视 F6", "4K Smart TV F6", 3499, (40, None)),
    m("TV-50J2-YJ", YJ, inch(500), "4K智能电视 J2", "4K Smart TV J2", 1699, (28, None)),
    // Monitors.
    m("MN-22F1", OWN, inch(215), "全高清办公显示器 F1", "Full HD Office Monitor F1", 449, (80, Some(42))),
    m("MN-24F1", OWN, inch(238), "全高清IPS显示器 F1", "Full HD IPS Monitor F1", 599, (70, Some(36))),
    m("MN-24F2", OWN, inch(238), "全高清IPS显示器 F2 100Hz", "Full HD IPS Monitor F2 100Hz", 649, (30, None)),
    m("MN-27F2", OWN, inch(270), "全高清IPS显示器 F2 100Hz", "Full HD IPS Monitor F2 100Hz", 799, (30, None)),
    m("MN-27Q1", OWN, inch(270), "2K电竞显示器 Q1 165Hz", "QHD Gaming Monitor Q1 165Hz", 1299, (44, Some(30))),
    m("MN-27Q2", OWN, inch(270), "2K电竞显示器 Q2 180Hz", "QHD Gaming Monitor Q2 180Hz", 1399, (16, None)),
    m("MN-25G1", OWN, inch(245), "电竞显示器 G1 240Hz", "Gaming Monitor G1 240Hz", 1499, (26, None)),
    m("MN-27U1", OWN, inch(270), "4K设计显示器 U1", "4K Design Monitor U1", 1999, (38, None)),
    m("MN-32U1", OWN, inch(315), "4K设计显示器 U1", "4K Design Monitor U1", 2699, (38, None)),
    m("MN-34W1", OWN, inch(340), "带鱼屏曲面显示器 W1", "Ultrawide Curved Monitor W1", 2499, (20, None)),
    m("MN-27G2", OWN, inch(270), "OLED电竞显示器 G2 240Hz", "OLED Gaming Monitor G2 240Hz", 3999, (8, None)),
    m("MN-24B1-NH", NH, inch(238), "商用显示器 B1", "Business Monitor B1", 699, (50, Some(36))),
    m("MN-27B2-NH", NH, inch(270), "商用显示器 B2", "Business Monitor B2", 999, (24, None)),
    m("MN-32C1-NH", NH, inch(315), "曲面显示器 C1", "Curved Monitor C1", 1599, (18, None)),
    // Refrigerators.
    m("RF-BC-93", OWN, litres(93), "单门冰箱", "Single-Door Refrigerator", 699, (84, Some(48))),
    m("RF-BCD-118", OWN, litres(118), "双门冰箱", "Two-Door Refrigerator", 999, (78, Some(44))),
    m("RF-BCD-215", OWN, litres(215), "三门冰箱", "Three-Door Refrigerator", 1699, (60, Some(36))),
    m("RF-BCD-250", OWN, litres(250), "风冷无霜三门冰箱", "Frost-Free Three-Door Refrigerator", 1999, (40, None)),
    m("RF-BCD-310", OWN, litres(310), "法式多门冰箱", "French-Door Refrigerator", 2699, (36, None)),
    m("RF-BCD-406", OWN, litres(406), "十字对开门冰箱", "Cross-Door Refrigerator", 3299, (30, None)),
    m("RF-BCD-470", OWN, litres(470), "十字对开门冰箱", "Cross-Door Refrigerator", 3999, (30, None)),
    m("RF-BCD-540", OWN, litres(540), "对开门冰箱", "Side-by-Side Refrigerator", 3499, (54, Some(36))),
    m("RF-BCD-606", OWN, litres(606), "对开门冰箱", "Side-by-Side Refrigerator", 4299, (20, None)),
    m("RF-BCD-650", OWN, litres(650), "嵌入式对开门冰箱", "Built-in Side-by-Side Refrigerator", 5999, (12, None)),
    m("RF-BD-200", OWN, litres(200), "卧式冷柜", "Chest Freezer", 1199, (66, None)),
    m("RF-BCD-320-YJ", YJ, litres(320), "法式多门冰箱", "French-Door Refrigerator", 2399, (26, None)),
    m("RF-BCD-480-YJ", YJ, litres(480), "十字对开门冰箱", "Cross-Door Refrigerator", 3599, (14, None)),
    // Washing machines.
    m("WM-XQB30", OWN, kg(3), "迷你波轮洗衣机", "Mini Top-Load Washer", 599, (48, None)),
    m("WM-XQB80", OWN, kg(8), "波轮洗衣机", "Top-Load Washer", 899, (82, Some(46))),
    m("WM-XQB100", OWN, kg(10), "变频波轮洗衣机", "Inverter Top-Load Washer", 1199, (42, None)),
    m("WM-XQG70", OWN, kg(7), "滚筒洗衣机", "Front-Load Washer", 1199, (86, Some(40))),
    m("WM-XQG80", OWN, kg(8), "滚筒洗衣机", "Front-Load Washer", 1399, (62, Some(38))),
    m("WM-XQG100", OWN, kg(10), "变频滚筒洗衣机", "Inverter Front-Load Washer", 1999, (36, None)),
    m("WM-XQG100-HB", OWN, kg(10), "洗烘一体机", "Washer-Dryer", 2699, (24, None)),
    m("WM-XQG120", OWN, kg(12), "大容量滚筒洗衣机", "Large Front-Load Washer", 2999, (18, None)),
    m("WM-XQG120-HB", OWN, kg(12), "洗烘一体机", "Washer-Dryer", 3999, (9, None)),
    m("WM-XQG100-YJ", YJ, kg(10), "滚筒洗衣机", "Front-Load Washer", 1799, (32, None)),
    m("WM-XQB90-YJ", YJ, kg(9), "波轮洗衣机", "Top-Load Washer", 999, (44, Some(30))),
];

/// The product models, in catalogue order; dates jitter with the seed, relative to `as_of`.
pub fn product_models(seed: u64, as_of: NaiveDate) -> Vec<ProductModel> {
    let mut rng = family_rng(seed, Family::Products);
    CATALOGUE
        .iter()
        .map(|spec| {
            let age = spec.age_months + rng.random_range(0..=3);
            let launched_on = month_start(as_of, age) + chrono::Days::new(rng.random_range(0..28));
            let end_of_production_on = spec.run_months.and_then(|run| {
                let run = run + rng.random_range(0..=4);
                let eop = launched_on + Months::new(run);
                (eop < as_of).then_some(eop)
            });
            ProductModel {
                code: spec.code.into(),
                line_code: spec.code[..2].into(),
                brand_code: spec.brand.into(),
                name_zh: format!("{}{}", spec.size.label_zh(), spec.zh),
                name_en: format!("{} {}", spec.size.label_en(), spec.en),
                size: spec.size,
                launched_on,
                end_of_production_on,
                list_price: Money::from_minor(spec.price * 100),
            }
        })
        .collect()
}

/// The first day of the month `months` before `date`.
fn month_start(date: NaiveDate, months: u32) -> NaiveDate {
    let back = date - Months::new(months);
    back.with_day0(0).unwrap_or(back)
}

use chrono::Datelike;

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn as_of() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 7, 1).unwrap()
    }

    #[test]
    fn there_are_about_sixty_models_in_four_lines() {
        let models = product_models(1, as_of());
        assert!((55..=65).contains(&models.len()), "{}", models.len());
        let lines: BTreeSet<&str> = models.iter().map(|m| m.line_code.as_str()).collect();
        assert_eq!(lines, BTreeSet::from(["MN", "RF", "TV", "WM"]));
    }

    #[test]
    fn model_codes_are_unique_and_start_with_their_line_code() {
        let models = product_models(1, as_of());
        let codes: BTreeSet<&str> = models.iter().map(|m| m.code.as_str()).collect();
        assert_eq!(codes.len(), models.len());
        for m in &models {
            assert!(
                m.code.starts_with(&format!("{}-", m.line_code)),
                "{}",
                m.code
            );
            assert!(aftercare_domain::validate::code("code", &m.code).is_ok());
        }
    }

    #[test]
    fn some_models_are_past_end_of_production_and_dates_are_ordered() {
        let models = product_models(3, as_of());
        let ended = models
            .iter()
            .filter(|m| m.end_of_production_on.is_some())
            .count();
        assert!(ended >= 8, "{ended} ended");
        assert!(models.len() - ended >= 30);
        for m in &models {
            assert!(m.launched_on < as_of(), "{}", m.code);
            if let Some(eop) = m.end_of_production_on {
                assert!(m.launched_on < eop && eop < as_of(), "{}", m.code);
                assert!(!m.in_production_on(as_of()));
            } else {
                assert!(m.in_production_on(as_of()));
            }
        }
    }

    #[test]
    fn names_carry_the_size() {
        let models = product_models(1, as_of());
        let tv = models.iter().find(|m| m.code == "TV-55U8").unwrap();
        assert_eq!(tv.name_zh, "55英寸Mini LED 电视 U8");
        assert_eq!(tv.name_en, "55\" Mini LED TV U8");
        let mn = models.iter().find(|m| m.code == "MN-25G1").unwrap();
        assert_eq!(mn.size.label_zh(), "24.5英寸");
        let rf = models.iter().find(|m| m.code == "RF-BCD-470").unwrap();
        assert_eq!(rf.name_zh, "470升十字对开门冰箱");
        let wm = models.iter().find(|m| m.code == "WM-XQG100").unwrap();
        assert_eq!(wm.name_en, "10 kg Inverter Front-Load Washer");
        assert_eq!(wm.list_price, Money::from_minor(199_900));
    }

    #[test]
    fn every_brand_owns_models() {
        let models = product_models(1, as_of());
        for brand in [BRAND_OWN, BRAND_NORDHAVEN, BRAND_YUEJIA] {
            assert!(models.iter().filter(|m| m.brand_code == brand).count() >= 3);
        }
    }
}
