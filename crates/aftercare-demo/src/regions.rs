//! The region hierarchy (province → city → district/county → township) of real Chinese
//! places, each with a service tier; parsed from the static table in `regions_table`.

use crate::regions_table::TABLE;
use aftercare_domain::org::{RegionLevel, Tier};
use serde::Serialize;
use std::collections::BTreeMap;

/// A node of the region hierarchy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Region {
    /// GB/T 2260 code (`510104`); townships: `<county code>-NN` (demo numbering).
    pub code: String,
    /// The code of the enclosing region; `None` for provinces.
    pub parent_code: Option<String>,
    /// Level in the hierarchy.
    pub level: RegionLevel,
    /// Chinese name (`锦江区`).
    pub name_zh: String,
    /// English (pinyin) name (`Jinjiang`).
    pub name_en: String,
    /// Service tier, deciding the on-site SLA (urban 24 h, township 48 h, remote 72 h).
    pub tier: Tier,
}

/// The six service areas, each replenished by one regional warehouse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ServiceArea {
    /// 华北 (Beijing).
    North,
    /// 华东 (Shanghai).
    East,
    /// 华南 (Guangzhou).
    South,
    /// 西南 (Chengdu).
    Southwest,
    /// 西北 (Xi'an).
    Northwest,
    /// 东北 (Shenyang).
    Northeast,
}

impl ServiceArea {
    /// Every area, in warehouse order.
    pub const ALL: [ServiceArea; 6] = [
        ServiceArea::North,
        ServiceArea::East,
        ServiceArea::South,
        ServiceArea::Southwest,
        ServiceArea::Northwest,
        ServiceArea::Northeast,
    ];

    /// The code used in the region table.
    pub fn code(self) -> &'static str {
        match self {
            ServiceArea::North => "north",
            ServiceArea::East => "east",
            ServiceArea::South => "south",
            ServiceArea::Southwest => "southwest",
            ServiceArea::Northwest => "northwest",
            ServiceArea::Northeast => "northeast",
        }
    }

    fn parse(code: &str) -> Option<ServiceArea> {
        ServiceArea::ALL.into_iter().find(|a| a.code() == code)
    }
}

/// Why the region table could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TableError {
    /// A line does not have the fields its kind needs.
    #[error("region table line {line}: {reason}")]
    Malformed {
        /// 1-based line number in the table.
        line: usize,
        /// What is wrong.
        reason: String,
    },
}

/// A region with what the generator needs to know about it besides the public record.
#[derive(Debug, Clone)]
pub struct Place {
    /// The public record.
    pub region: Region,
    /// Index of the province.
    pub province: usize,
    /// Index of the city (`None` for a province).
    pub city: Option<usize>,
    /// Index of the district or county (`None` above that level).
    pub district: Option<usize>,
    /// ISO 3166-2 suffix of the province (`SC`).
    pub iso: &'static str,
    /// The service area of the province.
    pub area: ServiceArea,
    /// Short name of a city for shop names (`成都`); empty on other levels.
    pub city_short: &'static str,
    /// Telephone area code of the city (`028`); empty for provinces.
    pub phone_area: &'static str,
    /// Digits of a local telephone number in that area (7 or 8).
    pub local_digits: u8,
}

/// The parsed region hierarchy with lookups.
#[derive(Debug, Clone)]
pub struct Atlas {
    places: Vec<Place>,
    by_code: BTreeMap<String, usize>,
}

impl Atlas {
    /// The built-in table of real places.
    pub fn builtin() -> Atlas {
        // The table is static and a unit test parses it, so failure here is a programming error.
        Atlas::parse(TABLE).expect("the built-in region table parses (checked by a unit test)")
    }

    /// Parse a table in the `regions_table` format.
    pub fn parse(table: &'static str) -> Result<Atlas, TableError> {
        let mut parser = Parser::default();
        for (i, raw) in table.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            parser.line(i + 1, line)?;
        }
        Ok(Atlas {
            places: parser.places,
            by_code: parser.by_code,
        })
    }

    /// Every place in table order (parents before children).
    pub fn places(&self) -> &[Place] {
        &self.places
    }

    /// The place at `index`.
    pub fn place(&self, index: usize) -> &Place {
        &self.places[index]
    }

    /// The index of the region with `code`.
    pub fn index_of(&self, code: &str) -> Option<usize> {
        self.by_code.get(code).copied()
    }

    /// The public region records, parents before children.
    pub fn regions(&self) -> Vec<Region> {
        self.places.iter().map(|p| p.region.clone()).collect()
    }

    /// Indices of the places a station can sit in (districts/counties and townships) of `tier`.
    pub fn station_sites(&self, tier: Tier) -> Vec<usize> {
        (0..self.places.len())
            .filter(|&i| {
                let r = &self.places[i].region;
                r.tier == tier && matches!(r.level, RegionLevel::District | RegionLevel::Township)
            })
            .collect()
    }

    /// Indices of the places whose parent is the parent of `index` (excluding `index`).
    pub fn siblings(&self, index: usize) -> Vec<usize> {
        let parent = &self.places[index].region.parent_code;
        (0..self.places.len())
            .filter(|&i| i != index && &self.places[i].region.parent_code == parent)
            .collect()
    }

    /// The postal-style prefix of an address (`四川省成都市锦江区`, `北京市朝阳区`).
    pub fn address_zh(&self, index: usize) -> String {
        let p = &self.places[index];
        let mut out = self.places[p.province].region.name_zh.clone();
        if let Some(c) = p.city {
            let city = &self.places[c].region;
            // Municipalities repeat the province name and Hainan's 469000 is a grouping only.
            if city.name_zh != out && !city.code.ends_with("9000") {
                out.push_str(&city.name_zh);
            }
        }
        if let Some(d) = p.district {
            out.push_str(&self.places[d].region.name_zh);
        }
        if matches!(
            p.region.level,
            RegionLevel::District | RegionLevel::Township
        ) {
            out.push_str(&p.region.name_zh);
        }
        out
    }

    /// The place part of a shop name (`成都锦江`, `顺德北滘`, `北川羌族自治县`).
    pub fn shop_place_zh(&self, index: usize) -> String {
        let p = &self.places[index];
        match p.region.level {
            RegionLevel::Township => {
                let district = p.district.map(|d| short_zh(&self.places[d].region.name_zh));
                format!(
                    "{}{}",
                    district.unwrap_or_default(),
                    short_zh(&p.region.name_zh)
                )
            }
            _ => {
                let city = p.city.map(|c| self.places[c].city_short).unwrap_or("");
                let own = short_zh(&p.region.name_zh);
                if own.starts_with(city) || own.contains("自治") {
                    own
                } else {
                    format!("{city}{own}")
                }
            }
        }
    }

    /// The place part of an English shop name (`Chengdu Jinjiang`, `Shunde Beijiao`).
    pub fn shop_place_en(&self, index: usize) -> String {
        let p = &self.places[index];
        let upper = match p.region.level {
            RegionLevel::Township => p.district,
            _ => p.city,
        };
        let upper_en = upper.map(|u| self.places[u].region.name_en.as_str());
        match upper_en {
            Some(u) if !p.region.name_en.starts_with(u) && !u.contains(' ') => {
                format!("{u} {}", p.region.name_en)
            }
            _ => p.region.name_en.clone(),
        }
    }
}

/// A name without its administrative suffix, for shop names (`锦江区` → `锦江`); names that
/// would become a single character, and autonomous counties, stay whole.
pub fn short_zh(name: &str) -> String {
    if name.contains("自治") {
        return name.to_string();
    }
    for suffix in [
        "回族区",
        "新区",
        "矿区",
        "街道",
        "区",
        "县",
        "市",
        "旗",
        "镇",
        "乡",
    ] {
        if let Some(stem) = name.strip_suffix(suffix)
            && stem.chars().count() >= 2
        {
            return stem.to_string();
        }
    }
    name.to_string()
}

#[derive(Default)]
struct Parser {
    places: Vec<Place>,
    by_code: BTreeMap<String, usize>,
    province: Option<usize>,
    city: Option<usize>,
    district: Option<usize>,
    townships_in_district: usize,
}

impl Parser {
    fn line(&mut self, line: usize, text: &'static str) -> Result<(), TableError> {
        let fields: Vec<&'static str> = text.split('|').map(str::trim).collect();
        let bad = |reason: &str| TableError::Malformed {
            line,
            reason: reason.to_string(),
        };
        match fields.first().copied() {
            Some("P") => self.province_line(&fields).ok_or_else(|| bad("bad P line")),
            Some("C") => self.city_line(&fields).ok_or_else(|| bad("bad C line")),
            Some("D") => self.district_line(&fields).ok_or_else(|| bad("bad D line")),
            Some("T") => self.township_line(&fields).ok_or_else(|| bad("bad T line")),
            _ => Err(bad("unknown line kind")),
        }
        .and_then(|place| self.push(place).map_err(|reason| bad(&reason)))
    }

    fn push(&mut self, place: Place) -> Result<(), String> {
        let index = self.places.len();
        if self
            .by_code
            .insert(place.region.code.clone(), index)
            .is_some()
        {
            return Err(format!("duplicate code {}", place.region.code));
        }
        match place.region.level {
            RegionLevel::Province => {
                self.province = Some(index);
                self.city = None;
                self.district = None;
            }
            RegionLevel::City => {
                self.city = Some(index);
                self.district = None;
            }
            RegionLevel::District => {
                self.district = Some(index);
                self.townships_in_district = 0;
            }
            RegionLevel::Township => {}
        }
        self.places.push(place);
        Ok(())
    }

    fn province_line(&self, f: &[&'static str]) -> Option<Place> {
        let [_, code, zh, en, iso, area] = f else {
            return None;
        };
        Some(Place {
            region: region(code, None, RegionLevel::Province, zh, en, Tier::Urban),
            province: self.places.len(),
            city: None,
            district: None,
            iso,
            area: ServiceArea::parse(area)?,
            city_short: "",
            phone_area: "",
            local_digits: 0,
        })
    }

    fn city_line(&self, f: &[&'static str]) -> Option<Place> {
        let (code, zh, en, short, phone, digits, tier) = match f {
            [_, c, z, e, s, p, d] => (c, z, e, s, p, d, Tier::Urban),
            [_, c, z, e, s, p, d, t] => (c, z, e, s, p, d, tier_letter(t)?),
            _ => return None,
        };
        let province = &self.places[self.province?];
        Some(Place {
            region: region(
                code,
                Some(&province.region.code),
                RegionLevel::City,
                zh,
                en,
                tier,
            ),
            province: self.province?,
            city: None,
            district: None,
            iso: province.iso,
            area: province.area,
            city_short: short,
            phone_area: phone,
            local_digits: digits.parse().ok()?,
        })
    }

    fn district_line(&self, f: &[&'static str]) -> Option<Place> {
        let (code, zh, en, tier) = match f {
            [_, c, z, e] => (c, z, e, default_district_tier(z)),
            [_, c, z, e, t] => (c, z, e, tier_letter(t)?),
            _ => return None,
        };
        let city = &self.places[self.city?];
        Some(Place {
            region: region(
                code,
                Some(&city.region.code),
                RegionLevel::District,
                zh,
                en,
                tier,
            ),
            province: self.province?,
            city: self.city,
            district: None,
            iso: city.iso,
            area: city.area,
            city_short: "",
            phone_area: city.phone_area,
            local_digits: city.local_digits,
        })
    }

    fn township_line(&mut self, f: &[&'static str]) -> Option<Place> {
        let district = &self.places[self.district?];
        let default_tier = match district.region.tier {
            Tier::Remote => Tier::Remote,
            _ => Tier::Township,
        };
        let (zh, en, tier) = match f {
            [_, z, e] => (z, e, default_tier),
            [_, z, e, t] => (z, e, tier_letter(t)?),
            _ => return None,
        };
        self.townships_in_district += 1;
        let code = format!("{}-{:02}", district.region.code, self.townships_in_district);
        Some(Place {
            region: region(
                &code,
                Some(&district.region.code),
                RegionLevel::Township,
                zh,
                en,
                tier,
            ),
            province: self.province?,
            city: self.city,
            district: self.district,
            iso: district.iso,
            area: district.area,
            city_short: "",
            phone_area: district.phone_area,
            local_digits: district.local_digits,
        })
    }
}

fn region(
    code: &str,
    parent: Option<&str>,
    level: RegionLevel,
    zh: &str,
    en: &str,
    tier: Tier,
) -> Region {
    Region {
        code: code.to_string(),
        parent_code: parent.map(str::to_string),
        level,
        name_zh: zh.to_string(),
        name_en: en.to_string(),
        tier,
    }
}

fn tier_letter(letter: &str) -> Option<Tier> {
    match letter {
        "U" => Some(Tier::Urban),
        "T" => Some(Tier::Township),
        "R" => Some(Tier::Remote),
        _ => None,
    }
}

/// City districts (区) are urban; counties, banners and county-level cities are townships.
fn default_district_tier(name_zh: &str) -> Tier {
    if name_zh.ends_with('区') {
        Tier::Urban
    } else {
        Tier::Township
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn count(atlas: &Atlas, level: RegionLevel) -> usize {
        atlas
            .places()
            .iter()
            .filter(|p| p.region.level == level)
            .count()
    }

    #[test]
    fn builtin_table_parses_with_enough_places() {
        let atlas = Atlas::parse(TABLE).unwrap();
        assert!(count(&atlas, RegionLevel::Province) >= 25);
        assert!(count(&atlas, RegionLevel::City) >= 80);
        assert!(count(&atlas, RegionLevel::District) >= 400);
        assert!(count(&atlas, RegionLevel::Township) >= 20);
    }

    #[test]
    fn well_known_codes_have_their_real_names() {
        let atlas = Atlas::builtin();
        for (code, name) in [
            ("110000", "北京市"),
            ("310000", "上海市"),
            ("440100", "广州市"),
            ("440300", "深圳市"),
            ("510100", "成都市"),
            ("510104", "锦江区"),
            ("650102", "天山区"),
            ("540100", "拉萨市"),
        ] {
            let i = atlas
                .index_of(code)
                .unwrap_or_else(|| panic!("{code} missing"));
            assert_eq!(atlas.place(i).region.name_zh, name);
        }
    }

    #[test]
    fn codes_nest_inside_their_parents_codes() {
        let atlas = Atlas::builtin();
        for p in atlas.places() {
            let r = &p.region;
            let Some(parent) = &r.parent_code else {
                assert!(r.code.ends_with("0000"), "{} is a province", r.code);
                continue;
            };
            let prefix = match r.level {
                RegionLevel::City => 2,
                // Municipalities' city line also holds their counties (5002xx).
                RegionLevel::District if parent.starts_with("50") => 2,
                RegionLevel::District => 4,
                _ => 6,
            };
            assert_eq!(
                r.code[..prefix],
                parent[..prefix],
                "{} under {parent}",
                r.code
            );
            if r.level != RegionLevel::Township {
                assert_eq!(r.code.len(), 6, "{}", r.code);
                assert!(r.code.bytes().all(|b| b.is_ascii_digit()), "{}", r.code);
            }
        }
    }

    #[test]
    fn every_place_has_both_names_and_a_valid_code() {
        let atlas = Atlas::builtin();
        for p in atlas.places() {
            let r = &p.region;
            assert!(!r.name_zh.is_empty() && !r.name_en.is_empty(), "{}", r.code);
            assert!(aftercare_domain::validate::code("code", &r.code).is_ok());
            assert!(
                !r.name_en
                    .chars()
                    .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
            );
        }
    }

    #[test]
    fn every_tier_has_station_sites_in_many_provinces() {
        let atlas = Atlas::builtin();
        for tier in Tier::ALL {
            let provinces: BTreeSet<usize> = atlas
                .station_sites(tier)
                .into_iter()
                .map(|i| atlas.place(i).province)
                .collect();
            assert!(
                provinces.len() >= 5,
                "{tier:?} in {} provinces",
                provinces.len()
            );
        }
    }

    #[test]
    fn every_service_area_has_provinces() {
        let atlas = Atlas::builtin();
        let areas: BTreeSet<ServiceArea> = atlas.places().iter().map(|p| p.area).collect();
        assert_eq!(areas.len(), ServiceArea::ALL.len());
    }

    #[test]
    fn townships_get_demo_codes_under_their_county() {
        let atlas = Atlas::builtin();
        let i = atlas.index_of("440606-01").unwrap();
        assert_eq!(atlas.place(i).region.name_zh, "北滘镇");
        assert_eq!(atlas.place(i).region.tier, Tier::Township);
        assert_eq!(atlas.address_zh(i), "广东省佛山市顺德区北滘镇");
    }

    #[test]
    fn shop_names_use_short_place_names() {
        let atlas = Atlas::builtin();
        let at = |code: &str| atlas.index_of(code).unwrap();
        assert_eq!(atlas.shop_place_zh(at("510104")), "成都锦江");
        assert_eq!(atlas.shop_place_zh(at("110105")), "北京朝阳");
        assert_eq!(atlas.shop_place_zh(at("440606-01")), "顺德北滘");
        assert_eq!(atlas.shop_place_zh(at("510726")), "北川羌族自治县");
        assert_eq!(atlas.shop_place_zh(at("653101")), "喀什");
        assert_eq!(atlas.shop_place_en(at("510104")), "Chengdu Jinjiang");
        assert_eq!(atlas.address_zh(at("110105")), "北京市朝阳区");
        assert_eq!(atlas.address_zh(at("469002")), "海南省琼海市");
    }

    #[test]
    fn malformed_lines_are_reported_with_their_number() {
        let err = Atlas::parse("P|110000|北京市|Beijing|BJ|north\nX|oops").unwrap_err();
        assert_eq!(
            err,
            TableError::Malformed {
                line: 2,
                reason: "unknown line kind".into()
            }
        );
        assert!(Atlas::parse("P|1|a|b|c|nowhere").is_err());
        assert!(Atlas::parse("P|1|a|b|c|north\nP|1|a|b|c|north").is_err());
    }
}
