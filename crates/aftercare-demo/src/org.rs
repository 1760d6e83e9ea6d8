//! The company, its brands (own brand and ODM brand customers) and the warehouse network:
//! a central warehouse (总库), six regional warehouses (分库) and one per station.

use crate::people::{self, PhoneBlock};
use crate::regions::{Atlas, ServiceArea};
use crate::rng::{Family, family_rng};
use crate::stations::Station;
use aftercare_domain::org::WarehouseKind;
use aftercare_domain::settings::{CompanySettings, Lang};
use chrono::{Months, NaiveDate};
use serde::Serialize;
use std::collections::BTreeSet;

/// Code of the manufacturer's own brand.
pub const BRAND_OWN: &str = "QILAN";
/// Code of the first ODM brand customer (TVs and monitors).
pub const BRAND_NORDHAVEN: &str = "NORDHAVEN";
/// Code of the second ODM brand customer (an e-commerce home brand, on a buy-out contract).
pub const BRAND_YUEJIA: &str = "YUEJIA";

/// Code of the central warehouse.
pub const CENTRAL_WAREHOUSE: &str = "WH-CENTRAL";

/// Region of the company's headquarters and central warehouse: 佛山市顺德区北滘镇.
const HQ_REGION: &str = "440606-01";

/// The manufacturer running Aftercare (fictional).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Company {
    /// Short code.
    pub code: String,
    /// Registered Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Short Chinese name for headers.
    pub short_name_zh: String,
    /// Short English name for headers.
    pub short_name_en: String,
    /// IANA time zone.
    pub time_zone: String,
    /// ISO 4217 currency.
    pub currency: String,
    /// Default UI language.
    pub default_language: Lang,
    /// Region code of the headquarters.
    pub region_code: String,
    /// Headquarters address.
    pub address: String,
    /// Code of the company's own brand.
    pub own_brand_code: String,
}

impl Company {
    /// The company settings the application stores.
    pub fn settings(&self) -> CompanySettings {
        CompanySettings {
            company_name: self.name_zh.clone(),
            time_zone: self.time_zone.clone(),
            currency: self.currency.clone(),
            default_language: self.default_language,
        }
    }
}

/// Whether a brand is the manufacturer's own or a customer's under an ODM contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BrandKind {
    /// The manufacturer's own brand.
    Own,
    /// A brand customer whose products the manufacturer makes and services (代工客户).
    Odm,
}

/// A brand whose products are serviced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Brand {
    /// Code.
    pub code: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Own brand or ODM customer.
    pub kind: BrandKind,
    /// Service contract number (ODM customers only).
    pub contract_code: Option<String>,
    /// Start of the service contract (ODM customers only).
    pub contract_start_on: Option<NaiveDate>,
    /// Buy-out contract (买断): the brand takes a discount and is charged for no repairs.
    pub buyout: bool,
    /// Whole-unit warranty months agreed in the contract, overriding the product line's.
    pub warranty_months_override: Option<u32>,
}

/// A stock-holding location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warehouse {
    /// Code (`WH-CENTRAL`, `WH-NORTH`, `WH-ST-SC-0012`).
    pub code: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Central, regional or station.
    pub kind: WarehouseKind,
    /// The warehouse that replenishes this one; `None` for the central warehouse.
    pub parent_code: Option<String>,
    /// Region code of its site.
    pub region_code: String,
    /// Street address.
    pub address: String,
    /// The station holding the stock (station warehouses only).
    pub station_code: Option<String>,
    /// Warehouse keeper.
    pub keeper_name: String,
    /// Telephone.
    pub phone: String,
}

/// The demo manufacturer.
pub fn company() -> Company {
    Company {
        code: "QILAN".into(),
        name_zh: "启澜电器股份有限公司".into(),
        name_en: "Qilan Electric Appliance Co., Ltd.".into(),
        short_name_zh: "启澜电器".into(),
        short_name_en: "Qilan Electric".into(),
        time_zone: "Asia/Shanghai".into(),
        currency: "CNY".into(),
        default_language: Lang::ZhCn,
        region_code: HQ_REGION.into(),
        address: "广东省佛山市顺德区北滘镇启澜工业园1号".into(),
        own_brand_code: BRAND_OWN.into(),
    }
}

/// The own brand and two ODM brand customers; contract dates relative to `as_of`.
pub fn brands(as_of: NaiveDate) -> Vec<Brand> {
    let years_ago = |years: u32| first_of_month(as_of - Months::new(12 * years));
    vec![
        Brand {
            code: BRAND_OWN.into(),
            name_zh: "启澜".into(),
            name_en: "Qilan".into(),
            kind: BrandKind::Own,
            contract_code: None,
            contract_start_on: None,
            buyout: false,
            warranty_months_override: None,
        },
        Brand {
            code: BRAND_NORDHAVEN.into(),
            name_zh: "诺德海文".into(),
            name_en: "Nordhaven".into(),
            kind: BrandKind::Odm,
            contract_code: Some("ODM-NH-001".into()),
            contract_start_on: Some(years_ago(6)),
            buyout: false,
            warranty_months_override: Some(24),
        },
        Brand {
            code: BRAND_YUEJIA.into(),
            name_zh: "悦家".into(),
            name_en: "Yuejia Home".into(),
            kind: BrandKind::Odm,
            contract_code: Some("ODM-YJ-002".into()),
            contract_start_on: Some(years_ago(3)),
            buyout: true,
            warranty_months_override: None,
        },
    ]
}

fn first_of_month(date: NaiveDate) -> NaiveDate {
    use chrono::Datelike;
    date.with_day(1).unwrap_or(date)
}

/// Where the regional warehouse of a service area is and what it is called.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegionalSite {
    /// Warehouse code.
    pub code: &'static str,
    /// Area name in Chinese (`华北`).
    pub area_zh: &'static str,
    /// Area name in English (`North China`).
    pub area_en: &'static str,
    /// Host city in English.
    pub city_en: &'static str,
    /// District the warehouse sits in.
    pub district_code: &'static str,
}

/// The regional warehouse of a service area.
pub fn regional_site(area: ServiceArea) -> RegionalSite {
    let site = |code, area_zh, area_en, city_en, district_code| RegionalSite {
        code,
        area_zh,
        area_en,
        city_en,
        district_code,
    };
    match area {
        ServiceArea::North => site("WH-NORTH", "华北", "North China", "Beijing", "110115"),
        ServiceArea::East => site("WH-EAST", "华东", "East China", "Shanghai", "310114"),
        ServiceArea::South => site("WH-SOUTH", "华南", "South China", "Guangzhou", "440111"),
        ServiceArea::Southwest => site(
            "WH-SOUTHWEST",
            "西南",
            "Southwest China",
            "Chengdu",
            "510114",
        ),
        ServiceArea::Northwest => {
            site("WH-NORTHWEST", "西北", "Northwest China", "Xi'an", "610112")
        }
        ServiceArea::Northeast => site(
            "WH-NORTHEAST",
            "东北",
            "Northeast China",
            "Shenyang",
            "210114",
        ),
    }
}

/// The central warehouse, the six regional ones, then one per station (in station order).
pub fn warehouses(seed: u64, atlas: &Atlas, stations: &[Station]) -> Vec<Warehouse> {
    let mut rng = family_rng(seed, Family::Warehouses);
    let mut phones = BTreeSet::new();
    let hq = atlas
        .index_of(HQ_REGION)
        .expect("the HQ region is in the built-in table");
    let mut out = vec![Warehouse {
        code: CENTRAL_WAREHOUSE.into(),
        name_zh: "启澜电器佛山总库".into(),
        name_en: "Qilan Central Warehouse (Foshan)".into(),
        kind: WarehouseKind::Central,
        parent_code: None,
        region_code: HQ_REGION.into(),
        address: format!("{}启澜工业园3号仓", atlas.address_zh(hq)),
        station_code: None,
        keeper_name: people::person_name(&mut rng),
        phone: people::landline(&mut rng, atlas.place(hq), &mut phones),
    }];
    for (n, area) in ServiceArea::ALL.into_iter().enumerate() {
        let rs = regional_site(area);
        let site = atlas
            .index_of(rs.district_code)
            .expect("regional warehouse districts are in the built-in table");
        out.push(Warehouse {
            code: rs.code.into(),
            name_zh: format!("启澜电器{}分库", rs.area_zh),
            name_en: format!("Qilan {} Regional Warehouse ({})", rs.area_en, rs.city_en),
            kind: WarehouseKind::Regional,
            parent_code: Some(CENTRAL_WAREHOUSE.into()),
            region_code: rs.district_code.into(),
            address: format!("{}物流园区{}号库", atlas.address_zh(site), n + 2),
            station_code: None,
            keeper_name: people::person_name(&mut rng),
            phone: people::mobile(&mut rng, PhoneBlock::Warehouses, &mut phones),
        });
    }
    out.extend(stations.iter().map(|s| station_warehouse(atlas, s)));
    out
}

fn station_warehouse(atlas: &Atlas, station: &Station) -> Warehouse {
    let area = atlas
        .index_of(&station.region_code)
        .map(|i| atlas.place(i).area)
        .expect("stations sit in regions of the atlas");
    Warehouse {
        code: format!("WH-{}", station.code),
        name_zh: format!("{}备件库", station.name_zh),
        name_en: format!("{} Parts Store", station.name_en),
        kind: WarehouseKind::Station,
        parent_code: Some(regional_site(area).code.into()),
        region_code: station.region_code.clone(),
        address: station.address.clone(),
        station_code: Some(station.code.clone()),
        keeper_name: station.contact_name.clone(),
        phone: station.phone.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn as_of() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 7, 1).unwrap()
    }

    #[test]
    fn company_settings_are_shanghai_and_cny() {
        let s = company().settings();
        assert_eq!(s.time_zone, "Asia/Shanghai");
        assert_eq!(s.currency, "CNY");
        assert_eq!(s.company_name, "启澜电器股份有限公司");
    }

    #[test]
    fn there_is_one_own_brand_and_two_odm_customers_with_contracts() {
        let brands = brands(as_of());
        assert_eq!(
            brands.iter().filter(|b| b.kind == BrandKind::Own).count(),
            1
        );
        let odm: Vec<&Brand> = brands.iter().filter(|b| b.kind == BrandKind::Odm).collect();
        assert_eq!(odm.len(), 2);
        for b in odm {
            assert!(b.contract_code.is_some());
            assert!(b.contract_start_on.unwrap() < as_of());
        }
        assert!(brands.iter().any(|b| b.buyout));
    }

    #[test]
    fn central_and_six_regional_warehouses_sit_in_their_cities() {
        let atlas = Atlas::builtin();
        let whs = warehouses(1, &atlas, &[]);
        assert_eq!(whs.len(), 7);
        assert_eq!(whs[0].kind, WarehouseKind::Central);
        assert!(whs[0].address.starts_with("广东省佛山市顺德区北滘镇"));
        let north = whs.iter().find(|w| w.code == "WH-NORTH").unwrap();
        assert_eq!(north.parent_code.as_deref(), Some(CENTRAL_WAREHOUSE));
        assert!(north.address.starts_with("北京市大兴区"));
        assert_eq!(north.name_zh, "启澜电器华北分库");
        let sw = whs.iter().find(|w| w.code == "WH-SOUTHWEST").unwrap();
        assert!(sw.address.starts_with("四川省成都市"));
    }
}
