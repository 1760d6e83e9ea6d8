//! Authorised service stations (授权服务网点) spread over urban, township and remote regions.

use crate::ScaleSpec;
use crate::people::{self, PhoneBlock, pick};
use crate::regions::Atlas;
use crate::rng::{Family, family_rng, record_rng};
use aftercare_domain::org::{RegionLevel, Tier};
use chrono::{Days, Months, NaiveDate};
use rand::Rng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// The station the memorable `station` and `tech` accounts belong to: always in 成都市锦江区.
pub const FLAGSHIP_STATION: &str = "ST-SC-0001";
const FLAGSHIP_REGION: &str = "510104";

/// The product-line codes, in display order.
const ALL_LINES: [&str; 4] = ["TV", "MN", "RF", "WM"];

/// An outsourced service station.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Station {
    /// Code `ST-<province ISO>-NNNN` (`ST-SC-0012`), numbered per province.
    pub code: String,
    /// Chinese business name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Region (district/county or township) the station sits in.
    pub region_code: String,
    /// Tier of that region (denormalised for convenience).
    pub tier: Tier,
    /// Street address.
    pub address: String,
    /// Office landline.
    pub phone: String,
    /// Contact person (station manager).
    pub contact_name: String,
    /// Contact person's mobile.
    pub contact_mobile: String,
    /// Open tickets the station can hold.
    pub capacity: u32,
    /// Assessment score, 60-98.
    pub score: u8,
    /// Product-line codes it services (at least one).
    pub product_lines: Vec<String>,
    /// Region codes (districts/counties or townships) it covers, its own first; covering a
    /// region is meant to cover the townships under it too.
    pub coverage: Vec<String>,
    /// Whether it takes tickets.
    pub active: bool,
    /// Start of its contract with the manufacturer.
    pub opened_on: NaiveDate,
}

/// Trade names (字号) with their pinyin.
#[rustfmt::skip]
const TRADE_NAMES: &[(&str, &str)] = &[
    ("宏达", "Hongda"), ("鑫源", "Xinyuan"), ("永安", "Yong'an"), ("恒通", "Hengtong"),
    ("金诚", "Jincheng"), ("佳美", "Jiamei"), ("顺发", "Shunfa"), ("华信", "Huaxin"),
    ("联创", "Lianchuang"), ("诚信", "Chengxin"), ("天诚", "Tiancheng"), ("瑞丰", "Ruifeng"),
    ("利民", "Limin"), ("惠民", "Huimin"), ("安达", "Anda"), ("兴旺", "Xingwang"),
    ("东方", "Dongfang"), ("万家", "Wanjia"), ("百佳", "Baijia"), ("好帮手", "Haobangshou"),
    ("速达", "Suda"), ("信达", "Xinda"), ("嘉禾", "Jiahe"), ("金鼎", "Jinding"),
    ("明辉", "Minghui"), ("志诚", "Zhicheng"), ("家乐", "Jiale"), ("通达", "Tongda"),
    ("福瑞", "Furui"), ("吉祥", "Jixiang"), ("和顺", "Heshun"), ("盛源", "Shengyuan"),
    ("广源", "Guangyuan"), ("益民", "Yimin"), ("为民", "Weimin"), ("春晖", "Chunhui"),
    ("星辰", "Xingchen"), ("金桥", "Jinqiao"), ("阳光", "Yangguang"), ("众诚", "Zhongcheng"),
    ("德信", "Dexin"), ("鸿运", "Hongyun"), ("顺心", "Shunxin"), ("腾达", "Tengda"),
    ("新时代", "Xinshidai"), ("恒信", "Hengxin"), ("永兴", "Yongxing"), ("兴隆", "Xinglong"),
];

/// Kinds of business with their English rendering.
const BUSINESS_KINDS: &[(&str, &str)] = &[
    ("家电维修服务部", "Appliance Repair Service"),
    ("电器售后服务站", "Appliance After-Sales Service Station"),
    ("家电服务中心", "Appliance Service Center"),
    ("电器维修部", "Appliance Repair Shop"),
    (
        "家电售后服务有限公司",
        "Appliance After-Sales Service Co., Ltd.",
    ),
    ("电子电器维修中心", "Electronics Repair Center"),
];

/// Street names common to Chinese towns (the demo addresses are fictional).
#[rustfmt::skip]
const STREETS: &[&str] = &[
    "人民路", "解放路", "中山路", "建设路", "胜利路", "新华路", "文化路", "和平路", "团结路",
    "光明路", "友谊路", "工业大道", "迎宾大道", "长江路", "黄河路", "朝阳路", "幸福路", "民主路",
    "健康路", "青年路", "滨河路", "环城路", "振兴路", "发展大道", "育才路", "花园路", "东风路",
    "复兴路",
];

/// What follows the house number in a shop's address.
const ADDRESS_TAILS: &[&str] = &["", "1楼", "临街商铺", "一层门面", "附1号"];

/// The stations of a scale, sorted by code.
pub fn stations(seed: u64, spec: &ScaleSpec, atlas: &Atlas, as_of: NaiveDate) -> Vec<Station> {
    let mut rng = family_rng(seed, Family::Stations);
    let flagship = atlas
        .index_of(FLAGSHIP_REGION)
        .expect("the flagship region is in the built-in table");
    let mut sites = vec![flagship];
    for tier in Tier::ALL {
        let wanted = spec.stations_of(tier) - usize::from(tier == Tier::Urban);
        sites.extend(spread_sites(&mut rng, atlas.station_sites(tier), wanted));
    }
    let mut builder = Builder {
        atlas,
        as_of,
        names: BTreeSet::new(),
        phones: BTreeSet::new(),
        per_province: BTreeMap::new(),
    };
    let mut out: Vec<Station> = sites
        .into_iter()
        .map(|site| builder.station(seed, site))
        .collect();
    deactivate_a_few(&mut rng, &mut out);
    out.sort_by(|a, b| a.code.cmp(&b.code));
    out
}

/// `wanted` sites drawn from `pool` without repeats until every site has one station, then
/// again, so stations spread over the whole country before any place gets a second.
fn spread_sites(rng: &mut ChaCha8Rng, mut pool: Vec<usize>, wanted: usize) -> Vec<usize> {
    let mut out = Vec::with_capacity(wanted);
    while out.len() < wanted && !pool.is_empty() {
        pool.shuffle(rng);
        out.extend(pool.iter().take(wanted - out.len()));
    }
    out
}

/// About one station in 25 is inactive (never the flagship, at least one).
fn deactivate_a_few(rng: &mut ChaCha8Rng, stations: &mut [Station]) {
    let candidates: Vec<usize> = (0..stations.len())
        .filter(|&i| stations[i].code != FLAGSHIP_STATION)
        .collect();
    let count = (stations.len() / 25).max(1).min(candidates.len());
    for &i in candidates.choose_multiple(rng, count) {
        stations[i].active = false;
    }
}

struct Builder<'a> {
    atlas: &'a Atlas,
    as_of: NaiveDate,
    names: BTreeSet<String>,
    phones: BTreeSet<String>,
    per_province: BTreeMap<&'static str, u32>,
}

impl Builder<'_> {
    /// The station at `site`; its attributes come from its own stream, keyed by its code.
    fn station(&mut self, seed: u64, site: usize) -> Station {
        let place = self.atlas.place(site);
        let tier = place.region.tier;
        let number = self.per_province.entry(place.iso).or_insert(0);
        *number += 1;
        let code = format!("ST-{}-{:04}", place.iso, number);
        let rng = &mut record_rng(seed, Family::Stations, &code);
        let (name_zh, name_en) = self.name(rng, site);
        let product_lines = if code == FLAGSHIP_STATION {
            ALL_LINES.iter().map(|l| l.to_string()).collect()
        } else {
            product_lines(rng, tier)
        };
        let opened_on = self.as_of
            - Months::new(rng.random_range(6..=180))
            - Days::new(rng.random_range(0..28));
        Station {
            code,
            name_zh,
            name_en,
            region_code: place.region.code.clone(),
            tier,
            address: self.address(rng, site),
            phone: people::landline(rng, place, &mut self.phones),
            contact_name: people::person_name(rng),
            contact_mobile: people::mobile(rng, PhoneBlock::Stations, &mut self.phones),
            capacity: capacity(rng, tier),
            // The mean of two draws: most stations are middling, few excellent or poor.
            score: ((rng.random_range(60..=98u16) + rng.random_range(60..=98u16)) / 2) as u8,
            product_lines,
            coverage: self.coverage(rng, site),
            active: true,
            opened_on,
        }
    }

    /// A unique business name, Chinese and English.
    fn name(&mut self, rng: &mut ChaCha8Rng, site: usize) -> (String, String) {
        let place_zh = self.atlas.shop_place_zh(site);
        let place_en = self.atlas.shop_place_en(site);
        for attempt in 0.. {
            let (kind_zh, kind_en) = *pick(rng, BUSINESS_KINDS);
            // Some shops carry no trade name ("成都锦江家电维修服务部").
            let (trade_zh, trade_en) = if attempt == 0 && rng.random_bool(0.2) {
                ("", "")
            } else {
                *pick(rng, TRADE_NAMES)
            };
            let branch = if attempt < 40 {
                String::new()
            } else {
                format!("{}分部", attempt - 38)
            };
            let zh = format!("{place_zh}{trade_zh}{kind_zh}{branch}");
            if self.names.insert(zh.clone()) {
                let en = [place_en.as_str(), trade_en, kind_en]
                    .iter()
                    .filter(|s| !s.is_empty())
                    .copied()
                    .collect::<Vec<_>>()
                    .join(" ");
                let en = if branch.is_empty() {
                    en
                } else {
                    format!("{en} Branch {}", attempt - 38)
                };
                return (zh, en);
            }
        }
        unreachable!("the branch suffix makes every later attempt unique")
    }

    fn address(&self, rng: &mut ChaCha8Rng, site: usize) -> String {
        format!(
            "{}{}{}号{}",
            self.atlas.address_zh(site),
            pick(rng, STREETS),
            rng.random_range(1..=399),
            pick(rng, ADDRESS_TAILS)
        )
    }

    /// The station's own region first, then neighbours: a township station also covers its
    /// county; a county station covers 0-3 sibling counties, more in sparse areas.
    fn coverage(&self, rng: &mut ChaCha8Rng, site: usize) -> Vec<String> {
        let place = self.atlas.place(site);
        let mut extra = BTreeSet::new();
        if place.region.level == RegionLevel::Township {
            extra.extend(place.region.parent_code.clone());
        } else {
            let neighbours = self.atlas.siblings(site);
            let wanted = match place.region.tier {
                Tier::Urban => rng.random_range(0..=2),
                Tier::Township => rng.random_range(1..=2),
                Tier::Remote => rng.random_range(1..=3),
            };
            // Urban stations reach only the neighbouring city districts; township stations
            // any non-remote neighbour; remote stations whatever is next door.
            let reachable: Vec<usize> = neighbours
                .into_iter()
                .filter(|&n| {
                    let r = &self.atlas.place(n).region;
                    r.level == RegionLevel::District
                        && match place.region.tier {
                            Tier::Urban => r.tier == Tier::Urban,
                            Tier::Township => r.tier != Tier::Remote,
                            Tier::Remote => true,
                        }
                })
                .collect();
            for &n in reachable.choose_multiple(rng, wanted) {
                extra.insert(self.atlas.place(n).region.code.clone());
            }
        }
        std::iter::once(place.region.code.clone())
            .chain(extra)
            .collect()
    }
}

/// Urban stations often specialise in 黑电 (TV, monitor) or 白电 (fridge, washer); township
/// and remote stations service everything, or all but one line.
fn product_lines(rng: &mut ChaCha8Rng, tier: Tier) -> Vec<String> {
    let roll = rng.random_range(0..100);
    let chosen: Vec<&str> = match tier {
        Tier::Urban if roll < 30 => vec!["TV", "MN"],
        Tier::Urban if roll < 60 => vec!["RF", "WM"],
        Tier::Urban => ALL_LINES.to_vec(),
        _ if roll < 80 => ALL_LINES.to_vec(),
        _ => {
            let drop = rng.random_range(0..ALL_LINES.len());
            ALL_LINES
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != drop)
                .map(|(_, l)| *l)
                .collect()
        }
    };
    chosen.into_iter().map(str::to_string).collect()
}

fn capacity(rng: &mut ChaCha8Rng, tier: Tier) -> u32 {
    match tier {
        Tier::Urban => rng.random_range(30..=80),
        Tier::Township => rng.random_range(15..=40),
        Tier::Remote => rng.random_range(8..=20),
    }
}

use rand::seq::IndexedRandom;

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn spread_sites_uses_every_site_once_before_repeating() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let picked = spread_sites(&mut rng, (0..10).collect(), 25);
        assert_eq!(picked.len(), 25);
        let first: BTreeSet<usize> = picked[..10].iter().copied().collect();
        assert_eq!(first.len(), 10);
        for site in 0..10 {
            let n = picked.iter().filter(|&&p| p == site).count();
            assert!((2..=3).contains(&n));
        }
    }

    #[test]
    fn product_lines_are_never_empty_and_known() {
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        for tier in Tier::ALL {
            for _ in 0..200 {
                let lines = product_lines(&mut rng, tier);
                assert!(!lines.is_empty());
                assert!(lines.iter().all(|l| ALL_LINES.contains(&l.as_str())));
            }
        }
    }
}
