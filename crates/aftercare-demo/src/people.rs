//! People: Chinese name and phone-number generators, technicians and demo login accounts.
//!
//! Names are drawn from common surnames (weighted roughly by frequency) and common given
//! names. Mobile numbers have the valid format `1[3-9]x xxxx xxxx` but are random and
//! fictional; any match with a real subscriber is coincidence, so never send them messages.

use crate::ScaleSpec;
use crate::org::{BRAND_NORDHAVEN, BRAND_YUEJIA};
use crate::regions::Place;
use crate::rng::{Family, family_rng, record_rng};
use crate::stations::{FLAGSHIP_STATION, Station};
use aftercare_domain::Role;
use aftercare_domain::org::Tier;
use chrono::{Days, NaiveDate};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use std::collections::BTreeSet;

/// The password of every demo account. Demo only: never use it for real accounts.
pub const DEMO_PASSWORD: &str = "demo1234";

/// A technician working for one station.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Technician {
    /// Code (`TC-SC-0012-01`).
    pub code: String,
    /// Code of the employing station.
    pub station_code: String,
    /// Full name in Chinese.
    pub name: String,
    /// Mobile number.
    pub mobile: String,
    /// Product-line codes the technician is trained for (a subset of the station's).
    pub product_lines: Vec<String>,
    /// Whether the technician still works there.
    pub active: bool,
    /// Date of joining the station.
    pub hired_on: NaiveDate,
}

/// A demo login account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DemoUser {
    /// Login name (`admin`, `station`, `tech`, `st-sc-0012`).
    pub login: String,
    /// Plain-text demo password (hash it before storing).
    pub password: String,
    /// Role.
    pub role: Role,
    /// Display name in Chinese.
    pub display_name: String,
    /// Station the account is bound to (station and technician roles).
    pub station_code: Option<String>,
    /// Technician record of the account (technician role).
    pub technician_code: Option<String>,
    /// Brand the account is bound to (brand role).
    pub brand_code: Option<String>,
}

/// Surnames with rough relative frequencies (per mille of the population).
#[rustfmt::skip]
const SURNAMES: &[(&str, u32)] = &[
    ("王", 72), ("李", 72), ("张", 68), ("刘", 54), ("陈", 46), ("杨", 32), ("黄", 23), ("赵", 22),
    ("吴", 21), ("周", 20), ("徐", 17), ("孙", 16), ("马", 15), ("朱", 14), ("胡", 13), ("郭", 12),
    ("何", 12), ("林", 11), ("高", 11), ("罗", 10), ("郑", 9), ("梁", 9), ("谢", 8), ("宋", 7),
    ("唐", 7), ("许", 7), ("韩", 7), ("冯", 6), ("邓", 6), ("曹", 6), ("彭", 6), ("曾", 6),
    ("肖", 6), ("田", 5), ("董", 5), ("袁", 5), ("潘", 5), ("于", 5), ("蒋", 5), ("蔡", 5),
    ("余", 5), ("杜", 5), ("叶", 4), ("程", 4), ("苏", 4), ("魏", 4), ("吕", 4), ("丁", 4),
    ("任", 4), ("沈", 4), ("姚", 4), ("卢", 4), ("姜", 4), ("崔", 4), ("钟", 3), ("谭", 3),
    ("陆", 3), ("汪", 3), ("范", 3), ("金", 3), ("石", 3), ("廖", 3), ("贾", 3), ("夏", 3),
    ("韦", 3), ("付", 3), ("方", 3), ("白", 3), ("邹", 3), ("孟", 3), ("熊", 3), ("秦", 3),
    ("邱", 3), ("江", 3), ("尹", 3), ("薛", 2), ("闫", 2), ("段", 2), ("雷", 2), ("侯", 2),
    ("龙", 2), ("史", 2), ("陶", 2), ("黎", 2), ("贺", 2), ("顾", 2), ("毛", 2), ("郝", 2),
    ("龚", 2), ("邵", 2), ("万", 2), ("钱", 2), ("严", 2), ("覃", 2), ("武", 2), ("戴", 2),
    ("莫", 2), ("孔", 2), ("向", 2), ("汤", 2), ("欧阳", 1),
];

/// One-character given names.
#[rustfmt::skip]
const GIVEN_ONE: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛",
    "明", "超", "霞", "平", "刚", "辉", "鹏", "华", "飞", "鑫", "波", "斌", "宇", "浩", "凯",
    "健", "俊", "帆", "旭", "宁", "龙", "林", "峰", "亮", "成", "燕", "玲", "婷", "雪", "琳",
    "慧", "莉", "倩", "颖", "洁", "萍", "红", "梅", "丹", "蕾", "晨", "阳", "毅", "松", "彬",
];

/// Two-character given names.
#[rustfmt::skip]
const GIVEN_TWO: &[&str] = &[
    "建国", "建华", "建军", "志强", "志刚", "志明", "海涛", "海燕", "晓东", "晓明", "晓燕",
    "晓峰", "国强", "国华", "文华", "文斌", "俊杰", "子豪", "浩然", "宇航", "欣怡", "雨涵",
    "思雨", "丽华", "秀英", "桂英", "玉兰", "秀兰", "淑芬", "春梅", "红霞", "永刚", "永强",
    "立新", "卫东", "德华", "振华", "光明", "金龙", "家豪", "嘉欣", "佳琪", "梓涵", "一鸣",
    "天宇", "明轩", "雅婷", "婉婷", "晓丽", "美玲", "丽娟", "小红", "小军", "小龙", "大伟",
    "长江", "新民", "学军", "胜利", "春生",
];

/// Mobile prefixes of the three operators.
#[rustfmt::skip]
const MOBILE_PREFIXES: &[&str] = &[
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151", "152",
    "153", "155", "156", "157", "158", "159", "166", "173", "175", "176", "177", "178", "180",
    "181", "182", "183", "185", "186", "187", "188", "189", "191", "198", "199",
];

/// Which family a mobile number belongs to; encoded in its fourth digit so numbers of
/// different families never collide and each family stays independent of the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhoneBlock {
    /// Station contacts.
    Stations = 1,
    /// Technicians.
    Technicians = 2,
    /// Warehouse keepers.
    Warehouses = 3,
}

/// A uniformly chosen element of a non-empty slice.
pub fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

/// A plausible Chinese full name (2-4 characters).
pub fn person_name(rng: &mut ChaCha8Rng) -> String {
    let total: u32 = SURNAMES.iter().map(|(_, w)| w).sum();
    let mut ticket = rng.random_range(0..total);
    let mut surname = SURNAMES[0].0;
    for (s, w) in SURNAMES {
        if ticket < *w {
            surname = s;
            break;
        }
        ticket -= w;
    }
    let given = if rng.random_bool(0.4) {
        pick(rng, GIVEN_ONE)
    } else {
        pick(rng, GIVEN_TWO)
    };
    format!("{surname}{given}")
}

/// A mobile number `1[3-9]x` + block digit + 7 digits, not yet in `used`.
pub fn mobile(rng: &mut ChaCha8Rng, block: PhoneBlock, used: &mut BTreeSet<String>) -> String {
    loop {
        let prefix = pick(rng, MOBILE_PREFIXES);
        let number = format!(
            "{prefix}{}{:07}",
            block as u8,
            rng.random_range(0..10_000_000u32)
        );
        if used.insert(number.clone()) {
            return number;
        }
    }
}

/// A landline `area-local` of the place's city (`028-86123456`), not yet in `used`.
pub fn landline(rng: &mut ChaCha8Rng, place: &Place, used: &mut BTreeSet<String>) -> String {
    let rest_digits = u32::from(place.local_digits.saturating_sub(1));
    loop {
        // Local numbers never start with 0, 1 (trunk, special) or 9 (services).
        let first = rng.random_range(2..=8u32);
        let rest = rng.random_range(0..10u32.pow(rest_digits));
        let number = format!(
            "{}-{first}{rest:0width$}",
            place.phone_area,
            width = rest_digits as usize
        );
        if used.insert(number.clone()) {
            return number;
        }
    }
}

/// Whether `number` is a mainland mobile number: 11 digits, `1[3-9]...`.
pub fn is_valid_mobile(number: &str) -> bool {
    let b = number.as_bytes();
    b.len() == 11
        && b.iter().all(u8::is_ascii_digit)
        && b[0] == b'1'
        && (b'3'..=b'9').contains(&b[1])
}

/// Whether `number` is a landline `0AA(A)-NNNNNNN(N)` with a local part not starting 0/1.
pub fn is_valid_landline(number: &str) -> bool {
    let Some((area, local)) = number.split_once('-') else {
        return false;
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    (3..=4).contains(&area.len())
        && digits(area)
        && area.starts_with('0')
        && (7..=8).contains(&local.len())
        && digits(local)
        && !local.starts_with(['0', '1'])
}

/// How many technicians a station of `tier` employs.
fn technician_range(tier: Tier) -> std::ops::RangeInclusive<usize> {
    match tier {
        Tier::Urban => 3..=6,
        Tier::Township => 2..=4,
        Tier::Remote => 2..=3,
    }
}

/// The technicians of every station, station by station in the given order.
pub fn technicians(seed: u64, stations: &[Station], as_of: NaiveDate) -> Vec<Technician> {
    let mut phones = BTreeSet::new();
    let mut out = Vec::new();
    for station in stations {
        let mut rng = record_rng(seed, Family::Technicians, &station.code);
        let range = technician_range(station.tier);
        // The flagship station has a full crew so the demo accounts have colleagues.
        let min = if station.code == FLAGSHIP_STATION {
            4
        } else {
            *range.start()
        };
        let count = rng.random_range(min..=*range.end());
        let tenure_days = (as_of - station.opened_on).num_days().max(1) as u64;
        for i in 0..count {
            let product_lines = if i == 0 || rng.random_bool(0.6) {
                station.product_lines.clone()
            } else {
                subset(&mut rng, &station.product_lines)
            };
            out.push(Technician {
                code: format!("TC-{}-{:02}", &station.code["ST-".len()..], i + 1),
                station_code: station.code.clone(),
                name: person_name(&mut rng),
                mobile: mobile(&mut rng, PhoneBlock::Technicians, &mut phones),
                product_lines,
                active: station.active && (i == 0 || !rng.random_bool(0.05)),
                hired_on: station.opened_on + Days::new(rng.random_range(0..tenure_days)),
            });
        }
    }
    out
}

/// A non-empty subset of `lines`, in their order.
fn subset(rng: &mut ChaCha8Rng, lines: &[String]) -> Vec<String> {
    let keep = rng.random_range(0..lines.len());
    let chosen: Vec<String> = lines
        .iter()
        .enumerate()
        .filter(|(i, _)| *i == keep || rng.random_bool(0.5))
        .map(|(_, l)| l.clone())
        .collect();
    chosen
}

/// The demo accounts: one memorable login per role, then numbered extras.
pub fn users(
    seed: u64,
    spec: &ScaleSpec,
    stations: &[Station],
    technicians: &[Technician],
) -> Vec<DemoUser> {
    let mut rng = family_rng(seed, Family::Users);
    // Colleagues in one office should not share a name, or the demo gets confusing.
    let mut taken = BTreeSet::new();
    let mut fresh_name = |rng: &mut ChaCha8Rng| loop {
        let name = person_name(rng);
        if taken.insert(name.clone()) {
            return name;
        }
    };
    let mut out = Vec::new();
    let hq_roles = [
        (Role::Admin, "admin", spec.admins),
        (Role::Manager, "manager", spec.managers),
        (Role::Agent, "agent", spec.agents),
        (Role::Dispatcher, "dispatcher", spec.dispatchers),
        (Role::Warehouse, "warehouse", spec.warehouse_keepers),
    ];
    for (role, login, count) in hq_roles {
        for n in 1..=count {
            let display_name = if role == Role::Admin && n == 1 {
                "系统管理员".to_string()
            } else {
                fresh_name(&mut rng)
            };
            out.push(hq_user(numbered(login, n), role, display_name));
        }
    }
    for (n, station) in bound_stations(stations, spec.station_users)
        .iter()
        .enumerate()
    {
        let suffix = station.code.to_ascii_lowercase().replace("st-", "");
        let login = if n == 0 {
            "station".to_string()
        } else {
            format!("st-{suffix}")
        };
        out.push(DemoUser {
            station_code: Some(station.code.clone()),
            ..hq_user(login, Role::Station, station.contact_name.clone())
        });
    }
    for (n, station) in bound_stations(stations, spec.technician_users)
        .iter()
        .enumerate()
    {
        let Some(tech) = technicians
            .iter()
            .find(|t| t.station_code == station.code && t.active)
        else {
            continue;
        };
        let suffix = station.code.to_ascii_lowercase().replace("st-", "");
        let login = if n == 0 {
            "tech".to_string()
        } else {
            format!("tech-{suffix}")
        };
        out.push(DemoUser {
            station_code: Some(station.code.clone()),
            technician_code: Some(tech.code.clone()),
            ..hq_user(login, Role::Technician, tech.name.clone())
        });
    }
    for (n, brand) in [BRAND_NORDHAVEN, BRAND_YUEJIA].into_iter().enumerate() {
        out.push(DemoUser {
            brand_code: Some(brand.to_string()),
            ..hq_user(numbered("brand", n + 1), Role::Brand, fresh_name(&mut rng))
        });
    }
    out
}

/// `login` for the first account, `login2`, `login3` ... after it.
fn numbered(login: &str, n: usize) -> String {
    if n == 1 {
        login.to_string()
    } else {
        format!("{login}{n}")
    }
}

fn hq_user(login: String, role: Role, display_name: String) -> DemoUser {
    DemoUser {
        login,
        password: DEMO_PASSWORD.to_string(),
        role,
        display_name,
        station_code: None,
        technician_code: None,
        brand_code: None,
    }
}

/// `count` active stations for accounts: the flagship first, then evenly spread over the rest.
fn bound_stations(stations: &[Station], count: usize) -> Vec<&Station> {
    let flagship = stations.iter().filter(|s| s.code == FLAGSHIP_STATION);
    let others: Vec<&Station> = stations
        .iter()
        .filter(|s| s.active && s.code != FLAGSHIP_STATION)
        .collect();
    let wanted_others = count.saturating_sub(1).min(others.len());
    let spread = (0..wanted_others).map(|k| others[k * others.len() / wanted_others.max(1)]);
    flagship.chain(spread).take(count).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn names_are_two_to_four_chinese_characters() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        for _ in 0..500 {
            let name = person_name(&mut rng);
            let n = name.chars().count();
            assert!((2..=4).contains(&n), "{name}");
            assert!(name.chars().all(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)));
        }
    }

    #[test]
    fn common_surnames_come_up_more_often_than_rare_ones() {
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let names: Vec<String> = (0..4000).map(|_| person_name(&mut rng)).collect();
        let wang = names.iter().filter(|n| n.starts_with('王')).count();
        let tang = names.iter().filter(|n| n.starts_with('汤')).count();
        assert!(wang > 5 * tang.max(1), "王 {wang}, 汤 {tang}");
    }

    #[test]
    fn generated_mobiles_are_valid_unique_and_carry_their_block() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut used = BTreeSet::new();
        for _ in 0..2000 {
            let m = mobile(&mut rng, PhoneBlock::Technicians, &mut used);
            assert!(is_valid_mobile(&m), "{m}");
            assert_eq!(&m[3..4], "2");
        }
        assert_eq!(used.len(), 2000);
    }

    #[test]
    fn phone_validators_reject_malformed_numbers() {
        assert!(is_valid_mobile("13812345678"));
        assert!(!is_valid_mobile("12812345678"));
        assert!(!is_valid_mobile("1381234567"));
        assert!(!is_valid_mobile("1381234567x"));
        assert!(is_valid_landline("028-86123456"));
        assert!(is_valid_landline("0991-4123456"));
        assert!(!is_valid_landline("028-06123456"));
        assert!(!is_valid_landline("28-86123456"));
        assert!(!is_valid_landline("02886123456"));
    }

    #[test]
    fn numbered_logins_start_without_a_number() {
        assert_eq!(numbered("agent", 1), "agent");
        assert_eq!(numbered("agent", 3), "agent3");
    }
}
