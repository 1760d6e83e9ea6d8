//! The demo part master: suppliers and repair vendors, ~3,000 parts across the product
//! models (model-specific boards and panels, parts shared by a product line), where-used
//! with quantities per unit, lifecycles that follow the models, and declared substitutes
//! (newer revisions that may replace older ones, some both ways).
//!
//! Kept apart from [`crate::DemoData`] (whose fingerprint is pinned) and drawn from its own
//! random stream, so adding it changes no earlier record.

use crate::Scale;
use crate::products::ProductModel;
use crate::rng::stream_rng;
use chrono::{Months, NaiveDate};

use rand::Rng;
use serde::Serialize;

/// Random stream of the part master (after the five families of [`crate::rng::Family`]).
pub const PARTS_STREAM: u64 = 6;

/// A supplier or repair vendor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DemoSupplier {
    /// Code (`SUP-01`, `RPR-01`).
    pub code: String,
    /// Name.
    pub name: String,
    /// `supplier` or `repair_vendor`.
    pub kind: &'static str,
}

/// A part of the demo master.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DemoPart {
    /// Part number (`TV-MB-00012`).
    pub number: String,
    /// Product line code.
    pub line: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Specification.
    pub specification: String,
    /// Category.
    pub category: &'static str,
    /// Unit.
    pub unit: &'static str,
    /// Standard cost, minor units.
    pub cost: i64,
    /// buy / make / repair.
    pub source: &'static str,
    /// Procurement lead time in days.
    pub lead_time_days: i64,
    /// Replacement cycle (consumables).
    pub replacement_cycle_days: Option<i64>,
    /// Key part.
    pub key: bool,
    /// Repairable (defective units go to a repair vendor).
    pub repairable: bool,
    /// End of production.
    pub end_of_production: Option<NaiveDate>,
    /// End of service.
    pub end_of_service: Option<NaiveDate>,
    /// Network-wide demand, units per month (intermittent: mostly below 1).
    pub monthly_demand: f64,
}

/// A declared substitute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DemoSubstitute {
    /// The part replaced.
    pub part: String,
    /// The part fitted instead.
    pub substitute: String,
    /// Both ways.
    pub both_ways: bool,
    /// Priority.
    pub priority: u16,
    /// Instruction.
    pub instruction: String,
}

/// The demo part master.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DemoParts {
    /// Suppliers, then repair vendors.
    pub suppliers: Vec<DemoSupplier>,
    /// Parts by number.
    pub parts: Vec<DemoPart>,
    /// (model code, part number, quantity per unit).
    pub where_used: Vec<(String, String, i64)>,
    /// Substitutes.
    pub substitutes: Vec<DemoSubstitute>,
}

/// (code, 中文, English, category, unit, cost range in yuan, per model?, qty per unit,
/// repairable, key, consumable cycle days).
type Component = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    (i64, i64),
    bool,
    i64,
    bool,
    bool,
    Option<i64>,
);

const TV: &[Component] = &[
    (
        "MB",
        "主板",
        "Main board",
        "电路板",
        "块",
        (180, 650),
        true,
        1,
        true,
        true,
        None,
    ),
    (
        "PB",
        "电源板",
        "Power board",
        "电路板",
        "块",
        (90, 320),
        true,
        1,
        true,
        true,
        None,
    ),
    (
        "TC",
        "T-CON板",
        "T-CON board",
        "电路板",
        "块",
        (60, 220),
        true,
        1,
        true,
        false,
        None,
    ),
    (
        "PN",
        "液晶屏",
        "LCD panel",
        "屏体",
        "片",
        (900, 4200),
        true,
        1,
        false,
        true,
        None,
    ),
    (
        "LB",
        "背光灯条",
        "LED backlight strip",
        "光学",
        "条",
        (25, 90),
        true,
        6,
        false,
        false,
        None,
    ),
    (
        "RC",
        "遥控器",
        "Remote control",
        "配件",
        "个",
        (20, 80),
        false,
        1,
        false,
        false,
        None,
    ),
    (
        "SP",
        "扬声器",
        "Speaker",
        "声学",
        "个",
        (15, 60),
        false,
        2,
        false,
        false,
        None,
    ),
    (
        "WF",
        "WiFi模块",
        "WiFi module",
        "电路板",
        "块",
        (25, 70),
        false,
        1,
        false,
        false,
        None,
    ),
    (
        "IR",
        "红外接收板",
        "IR receiver board",
        "电路板",
        "块",
        (10, 35),
        false,
        1,
        false,
        false,
        None,
    ),
    (
        "ST",
        "底座",
        "Stand",
        "结构件",
        "套",
        (30, 120),
        true,
        1,
        false,
        false,
        None,
    ),
    (
        "KB",
        "按键板",
        "Key board",
        "电路板",
        "块",
        (10, 40),
        false,
        1,
        false,
        false,
        None,
    ),
    (
        "CB",
        "屏线",
        "Panel cable",
        "线材",
        "根",
        (8, 30),
        false,
        2,
        false,
        false,
        None,
    ),
];

const MN: &[Component] = &[
    (
        "MB",
        "驱动板",
        "Driver board",
        "电路板",
        "块",
        (90, 300),
        true,
        1,
        true,
        true,
        None,
    ),
    (
        "PB",
        "电源板",
        "Power board",
        "电路板",
        "块",
        (50, 160),
        true,
        1,
        true,
        true,
        None,
    ),
    (
        "PN",
        "液晶屏",
        "LCD panel",
        "屏体",
        "片",
        (400, 1800),
        true,
        1,
        false,
        true,
        None,
    ),
    (
        "LB",
        "背光灯条",
        "LED backlight strip",
        "光学",
        "条",
        (15, 50),
        true,
        2,
        false,
        false,
        None,
    ),
    (
        "AD",
        "电源适配器",
        "Power adapter",
        "配件",
        "个",
        (30, 90),
        false,
        1,
        false,
        false,
        None,
    ),
    (
        "ST",
        "支架",
        "Stand",
        "结构件",
        "套",
        (40, 160),
        true,
        1,
        false,
        false,
        None,
    ),
    (
        "KB",
        "按键板",
        "Key board",
        "电路板",
        "块",
        (8, 30),
        false,
        1,
        false,
        false,
        None,
    ),
    (
        "CB",
        "信号线",
        "Signal cable",
        "线材",
        "根",
        (10, 40),
        false,
        1,
        false,
        false,
        None,
    ),
];

const RF: &[Component] = &[
    (
        "CP",
        "压缩机",
        "Compressor",
        "制冷系统",
        "台",
        (350, 900),
        true,
        1,
        true,
        true,
        None,
    ),
    (
        "CB",
        "主控板",
        "Control board",
        "电路板",
        "块",
        (120, 380),
        true,
        1,
        true,
        true,
        None,
    ),
    (
        "DB",
        "显示板",
        "Display board",
        "电路板",
        "块",
        (40, 140),
        true,
        1,
        true,
        false,
        None,
    ),
    (
        "TH",
        "温控器",
        "Thermostat",
        "电器件",
        "个",
        (25, 90),
        false,
        1,
        false,
        false,
        None,
    ),
    (
        "FM",
        "风扇电机",
        "Fan motor",
        "电机",
        "个",
        (45, 150),
        false,
        1,
        true,
        false,
        None,
    ),
    (
        "DH",
        "化霜加热器",
        "Defrost heater",
        "电器件",
        "根",
        (30, 110),
        false,
        1,
        false,
        false,
        None,
    ),
    (
        "DS",
        "门封条",
        "Door gasket",
        "密封件",
        "条",
        (25, 80),
        true,
        2,
        false,
        false,
        None,
    ),
    (
        "SN",
        "温度传感器",
        "Temperature sensor",
        "传感器",
        "个",
        (8, 30),
        false,
        3,
        false,
        false,
        None,
    ),
    (
        "FL",
        "滤网",
        "Air filter",
        "耗材",
        "个",
        (15, 40),
        false,
        1,
        false,
        false,
        Some(180),
    ),
    (
        "SH",
        "搁架",
        "Shelf",
        "结构件",
        "块",
        (20, 70),
        true,
        3,
        false,
        false,
        None,
    ),
];

const WM: &[Component] = &[
    (
        "MT",
        "电机",
        "Motor",
        "电机",
        "台",
        (220, 700),
        true,
        1,
        true,
        true,
        None,
    ),
    (
        "CB",
        "主控板",
        "Control board",
        "电路板",
        "块",
        (110, 360),
        true,
        1,
        true,
        true,
        None,
    ),
    (
        "DP",
        "排水泵",
        "Drain pump",
        "泵阀",
        "个",
        (40, 120),
        false,
        1,
        true,
        false,
        None,
    ),
    (
        "IV",
        "进水阀",
        "Inlet valve",
        "泵阀",
        "个",
        (20, 70),
        false,
        1,
        false,
        false,
        None,
    ),
    (
        "DL",
        "门锁",
        "Door lock",
        "电器件",
        "个",
        (25, 80),
        false,
        1,
        false,
        false,
        None,
    ),
    (
        "BT",
        "皮带",
        "Drive belt",
        "传动件",
        "根",
        (15, 45),
        false,
        1,
        false,
        false,
        None,
    ),
    (
        "BR",
        "轴承",
        "Bearing",
        "传动件",
        "套",
        (30, 110),
        true,
        2,
        false,
        false,
        None,
    ),
    (
        "DG",
        "门封圈",
        "Door seal",
        "密封件",
        "个",
        (40, 130),
        true,
        1,
        false,
        false,
        None,
    ),
    (
        "WS",
        "水位传感器",
        "Water level sensor",
        "传感器",
        "个",
        (15, 50),
        false,
        1,
        false,
        false,
        None,
    ),
    (
        "HT",
        "加热管",
        "Heater",
        "电器件",
        "根",
        (35, 110),
        false,
        1,
        false,
        false,
        None,
    ),
];

fn components(line: &str) -> &'static [Component] {
    match line {
        "TV" => TV,
        "MN" => MN,
        "RF" => RF,
        _ => WM,
    }
}

/// Parts the master should hold at a scale.
pub fn target_parts(scale: Scale) -> usize {
    match scale {
        Scale::Small => 150,
        Scale::Standard | Scale::Large => 3000,
    }
}

/// Generate the part master for the models.
pub fn generate_parts(seed: u64, scale: Scale, models: &[ProductModel]) -> DemoParts {
    let mut rng = stream_rng(seed, PARTS_STREAM);
    let mut suppliers: Vec<DemoSupplier> = [
        "华星光电",
        "京东方",
        "海思半导体",
        "中山电子",
        "宁波电机",
        "苏州精密",
        "东莞线材",
        "佛山塑胶",
        "青岛制冷",
        "杭州传感",
        "深圳模块",
        "天津五金",
    ]
    .iter()
    .enumerate()
    .map(|(i, n)| DemoSupplier {
        code: format!("SUP-{:02}", i + 1),
        name: format!("{n}有限公司"),
        kind: "supplier",
    })
    .collect();
    suppliers.extend(
        ["华南维修中心", "华东修复厂", "华北电子维修", "西南维修站"]
            .iter()
            .enumerate()
            .map(|(i, n)| DemoSupplier {
                code: format!("RPR-{:02}", i + 1),
                name: (*n).to_string(),
                kind: "repair_vendor",
            }),
    );

    let target = target_parts(scale);
    let mut parts: Vec<DemoPart> = Vec::new();
    let mut where_used = Vec::new();
    let mut seq = 0usize;
    let mut new_part = |rng: &mut rand_chacha::ChaCha8Rng,
                        line: &str,
                        c: &Component,
                        suffix: &str,
                        eop: Option<NaiveDate>,
                        rev: u32|
     -> DemoPart {
        seq += 1;
        let (code, zh, en, category, unit, (lo, hi), _, _, repairable, key, cycle) = *c;
        let yuan = rng.random_range(lo..=hi);
        // Intermittent demand: most parts a fraction of a unit a month, a few fast movers.
        let monthly_demand = if rng.random_bool(0.08) {
            rng.random_range(2.0..8.0)
        } else {
            rng.random_range(0.05..1.2)
        };
        DemoPart {
            number: format!("{line}-{code}-{seq:05}"),
            line: line.to_string(),
            name_zh: format!("{zh}{suffix}"),
            name_en: format!("{en}{suffix}"),
            specification: format!("{line}{code} 第{rev}版"),
            category,
            unit,
            cost: yuan * 100 + rng.random_range(0..100),
            source: if repairable && rng.random_bool(0.2) {
                "repair"
            } else if rng.random_bool(0.1) {
                "make"
            } else {
                "buy"
            },
            lead_time_days: rng.random_range(7..=60),
            replacement_cycle_days: cycle,
            key,
            repairable,
            end_of_production: eop,
            // Service continues five years after the end of production.
            end_of_service: eop.and_then(|d| d.checked_add_months(Months::new(60))),
            monthly_demand,
        }
    };
    // Shared parts of each line first (used by every model of the line).
    let lines = ["TV", "MN", "RF", "WM"];
    for line in lines {
        let line_models: Vec<&ProductModel> =
            models.iter().filter(|m| m.line_code == line).collect();
        for c in components(line).iter().filter(|c| !c.6) {
            for variant in 0..3 {
                let p = new_part(
                    &mut rng,
                    line,
                    c,
                    &format!(" {}型", (b'A' + variant) as char),
                    None,
                    1,
                );
                for m in line_models.iter().filter(|_| rng.random_bool(0.5)) {
                    where_used.push((m.code.clone(), p.number.clone(), c.7));
                }
                parts.push(p);
            }
        }
    }
    // Model-specific parts, round-robin over the models until the target is reached.
    let mut rev = 1u32;
    'outer: loop {
        for m in models {
            for c in components(&m.line_code).iter().filter(|c| c.6) {
                if parts.len() >= target {
                    break 'outer;
                }
                let p = new_part(
                    &mut rng,
                    &m.line_code,
                    c,
                    &format!(" {}", m.code),
                    m.end_of_production_on,
                    rev,
                );
                where_used.push((m.code.clone(), p.number.clone(), c.7));
                parts.push(p);
            }
        }
        rev += 1;
    }
    // Substitutes: a later revision of the same component for the same model may replace
    // the earlier one; boards of one model family replace each other both ways.
    let mut substitutes = Vec::new();
    let mut by_key: std::collections::BTreeMap<(String, &str, String), Vec<String>> =
        std::collections::BTreeMap::new();
    for p in &parts {
        let comp = p.number.split('-').nth(1).unwrap_or("").to_string();
        // Variants of a shared part (A型, B型, C型) replace each other; model-specific
        // parts only their own model's other revisions.
        let model = p
            .name_zh
            .rsplit(' ')
            .next()
            .filter(|m| !m.ends_with('型'))
            .unwrap_or("")
            .to_string();
        by_key
            .entry((p.line.clone(), p.category, format!("{comp}/{model}")))
            .or_default()
            .push(p.number.clone());
    }
    for numbers in by_key.values() {
        for pair in numbers.windows(2) {
            if rng.random_bool(0.35) {
                let both = rng.random_bool(0.3);
                substitutes.push(DemoSubstitute {
                    part: pair[0].clone(),
                    substitute: pair[1].clone(),
                    both_ways: both,
                    priority: 1,
                    instruction: if both {
                        "新旧版本可互换，直接替换".to_string()
                    } else {
                        format!("用新版 {} 代替；需同时更换连接线并升级固件", pair[1])
                    },
                });
            }
        }
    }
    DemoParts {
        suppliers,
        parts,
        where_used,
        substitutes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn the_standard_master_has_3000_valid_unique_parts_with_where_used_and_substitutes() {
        let as_of = crate::default_as_of();
        let models = crate::products::product_models(crate::DEFAULT_SEED, as_of);
        let d = generate_parts(crate::DEFAULT_SEED, Scale::Standard, &models);
        assert_eq!(d.parts.len(), 3000);
        let numbers: HashSet<&str> = d.parts.iter().map(|p| p.number.as_str()).collect();
        assert_eq!(numbers.len(), 3000);
        for p in &d.parts {
            aftercare_domain::part::PartNumber::parse(&p.number).unwrap();
        }
        assert!(
            d.where_used
                .iter()
                .all(|(_, p, q)| numbers.contains(p.as_str()) && *q > 0)
        );
        let models_with_parts: HashSet<&str> = d.where_used.iter().map(|w| w.0.as_str()).collect();
        assert_eq!(models_with_parts.len(), models.len());
        assert!(d.substitutes.len() > 50, "{}", d.substitutes.len());
        assert!(d.parts.iter().any(|p| p.end_of_production.is_some()));
        // Same seed, same master.
        assert_eq!(
            d,
            generate_parts(crate::DEFAULT_SEED, Scale::Standard, &models)
        );
    }
}
