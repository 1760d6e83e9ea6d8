//! Consistency checks over a generated data set: unique codes, every reference by code
//! resolves, role bindings, phone formats. Later families add their checks here.

use crate::DemoData;
use crate::people::{is_valid_landline, is_valid_mobile};
use aftercare_domain::Role;
use aftercare_domain::org::{RegionLevel, WarehouseKind};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// One inconsistency found in a data set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The entity family (`station`, `user`, ...).
    pub entity: &'static str,
    /// The code or login of the offending record.
    pub code: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.entity, self.code, self.message)
    }
}

struct Report(Vec<Problem>);

impl Report {
    fn fail(&mut self, entity: &'static str, code: &str, message: impl Into<String>) {
        self.0.push(Problem {
            entity,
            code: code.to_string(),
            message: message.into(),
        });
    }

    fn unique<'a>(&mut self, entity: &'static str, codes: impl Iterator<Item = &'a str>) {
        let mut seen = BTreeSet::new();
        for code in codes {
            if !seen.insert(code) {
                self.fail(entity, code, "duplicate code");
            }
            if aftercare_domain::validate::code("code", code).is_err() {
                self.fail(entity, code, "not a valid code");
            }
        }
    }
}

/// Every problem in `data`; empty when the data set is consistent.
pub fn problems(data: &DemoData) -> Vec<Problem> {
    let mut r = Report(Vec::new());
    r.unique("region", data.regions.iter().map(|x| x.code.as_str()));
    r.unique("brand", data.brands.iter().map(|x| x.code.as_str()));
    r.unique(
        "product_line",
        data.product_lines.iter().map(|x| x.code.as_str()),
    );
    r.unique(
        "product_model",
        data.product_models.iter().map(|x| x.code.as_str()),
    );
    r.unique("warehouse", data.warehouses.iter().map(|x| x.code.as_str()));
    r.unique("station", data.stations.iter().map(|x| x.code.as_str()));
    r.unique(
        "technician",
        data.technicians.iter().map(|x| x.code.as_str()),
    );
    r.unique("user", data.users.iter().map(|x| x.login.as_str()));
    check_company(&mut r, data);
    check_regions(&mut r, data);
    check_models(&mut r, data);
    check_warehouses(&mut r, data);
    check_stations(&mut r, data);
    check_technicians(&mut r, data);
    check_users(&mut r, data);
    r.0
}

fn codes<'a>(items: impl Iterator<Item = &'a str>) -> BTreeSet<&'a str> {
    items.collect()
}

fn check_company(r: &mut Report, d: &DemoData) {
    let c = &d.company;
    if !d.regions.iter().any(|x| x.code == c.region_code) {
        r.fail("company", &c.code, "unknown region");
    }
    if !d.brands.iter().any(|b| b.code == c.own_brand_code) {
        r.fail("company", &c.code, "unknown own brand");
    }
}

fn check_regions(r: &mut Report, d: &DemoData) {
    let levels: BTreeMap<&str, RegionLevel> = d
        .regions
        .iter()
        .map(|x| (x.code.as_str(), x.level))
        .collect();
    for region in &d.regions {
        let expected_parent = match region.level {
            RegionLevel::Province => None,
            RegionLevel::City => Some(RegionLevel::Province),
            RegionLevel::District => Some(RegionLevel::City),
            RegionLevel::Township => Some(RegionLevel::District),
        };
        let parent = region
            .parent_code
            .as_deref()
            .map(|p| levels.get(p).copied());
        match (expected_parent, parent) {
            (None, None) => {}
            (Some(want), Some(Some(got))) if want == got => {}
            _ => r.fail(
                "region",
                &region.code,
                "parent missing or at the wrong level",
            ),
        }
    }
}

fn check_models(r: &mut Report, d: &DemoData) {
    let lines = codes(d.product_lines.iter().map(|x| x.code.as_str()));
    let brands = codes(d.brands.iter().map(|x| x.code.as_str()));
    for m in &d.product_models {
        if !lines.contains(m.line_code.as_str()) {
            r.fail("product_model", &m.code, "unknown product line");
        }
        if !brands.contains(m.brand_code.as_str()) {
            r.fail("product_model", &m.code, "unknown brand");
        }
        if m.end_of_production_on
            .is_some_and(|eop| eop <= m.launched_on)
        {
            r.fail(
                "product_model",
                &m.code,
                "ends production before its launch",
            );
        }
    }
}

fn check_warehouses(r: &mut Report, d: &DemoData) {
    let regions = codes(d.regions.iter().map(|x| x.code.as_str()));
    let kinds: BTreeMap<&str, WarehouseKind> = d
        .warehouses
        .iter()
        .map(|w| (w.code.as_str(), w.kind))
        .collect();
    let stations = codes(d.stations.iter().map(|x| x.code.as_str()));
    for w in &d.warehouses {
        let parent_kind = w.parent_code.as_deref().map(|p| kinds.get(p).copied());
        let parent_ok = matches!(
            (w.kind, parent_kind),
            (WarehouseKind::Central, None)
                | (WarehouseKind::Regional, Some(Some(WarehouseKind::Central)))
                | (WarehouseKind::Station, Some(Some(WarehouseKind::Regional)))
        );
        if !parent_ok {
            r.fail("warehouse", &w.code, "parent missing or of the wrong kind");
        }
        if !regions.contains(w.region_code.as_str()) {
            r.fail("warehouse", &w.code, "unknown region");
        }
        let station_ok = match (&w.kind, &w.station_code) {
            (WarehouseKind::Station, Some(s)) => stations.contains(s.as_str()),
            (WarehouseKind::Station, None) => false,
            (_, station) => station.is_none(),
        };
        if !station_ok {
            r.fail(
                "warehouse",
                &w.code,
                "station binding missing, unknown or misplaced",
            );
        }
    }
    let stocked: BTreeSet<&str> = d
        .warehouses
        .iter()
        .filter_map(|w| w.station_code.as_deref())
        .collect();
    for s in &d.stations {
        if !stocked.contains(s.code.as_str()) {
            r.fail("station", &s.code, "has no station warehouse");
        }
    }
}

fn check_stations(r: &mut Report, d: &DemoData) {
    let regions: BTreeMap<&str, &crate::Region> =
        d.regions.iter().map(|x| (x.code.as_str(), x)).collect();
    let lines = codes(d.product_lines.iter().map(|x| x.code.as_str()));
    for s in &d.stations {
        match regions.get(s.region_code.as_str()) {
            Some(region) => {
                if !matches!(region.level, RegionLevel::District | RegionLevel::Township) {
                    r.fail(
                        "station",
                        &s.code,
                        "sits in a province or city, not a district",
                    );
                }
                if region.tier != s.tier {
                    r.fail("station", &s.code, "tier differs from its region's");
                }
            }
            None => r.fail("station", &s.code, "unknown region"),
        }
        if s.coverage.first() != Some(&s.region_code) {
            r.fail("station", &s.code, "does not cover its own region first");
        }
        if s.coverage.iter().any(|c| !regions.contains_key(c.as_str())) {
            r.fail("station", &s.code, "covers an unknown region");
        }
        if s.product_lines.is_empty() || s.product_lines.iter().any(|l| !lines.contains(l.as_str()))
        {
            r.fail("station", &s.code, "product lines empty or unknown");
        }
        if !(60..=98).contains(&s.score) || s.capacity == 0 {
            r.fail("station", &s.code, "score outside 60-98 or zero capacity");
        }
        if !is_valid_landline(&s.phone) || !is_valid_mobile(&s.contact_mobile) {
            r.fail("station", &s.code, "malformed phone number");
        }
    }
}

fn check_technicians(r: &mut Report, d: &DemoData) {
    let stations: BTreeMap<&str, &crate::Station> =
        d.stations.iter().map(|s| (s.code.as_str(), s)).collect();
    for t in &d.technicians {
        let Some(station) = stations.get(t.station_code.as_str()) else {
            r.fail("technician", &t.code, "unknown station");
            continue;
        };
        if t.product_lines.is_empty()
            || !t
                .product_lines
                .iter()
                .all(|l| station.product_lines.contains(l))
        {
            r.fail(
                "technician",
                &t.code,
                "product lines empty or not serviced by its station",
            );
        }
        if !is_valid_mobile(&t.mobile) {
            r.fail("technician", &t.code, "malformed mobile number");
        }
    }
}

fn check_users(r: &mut Report, d: &DemoData) {
    let stations = codes(d.stations.iter().map(|x| x.code.as_str()));
    let brands = codes(d.brands.iter().map(|x| x.code.as_str()));
    let techs: BTreeMap<&str, &str> = d
        .technicians
        .iter()
        .map(|t| (t.code.as_str(), t.station_code.as_str()))
        .collect();
    for u in &d.users {
        let station = u.station_code.as_deref();
        let station_ok = match station {
            Some(s) => u.role.needs_station() && stations.contains(s),
            None => !u.role.needs_station(),
        };
        let brand_ok = match u.brand_code.as_deref() {
            Some(b) => u.role.needs_brand() && brands.contains(b),
            None => !u.role.needs_brand(),
        };
        let tech_ok = match u.technician_code.as_deref() {
            Some(t) => u.role == Role::Technician && techs.get(t).copied() == station,
            None => u.role != Role::Technician,
        };
        if !(station_ok && brand_ok && tech_ok) {
            r.fail(
                "user",
                &u.login,
                "binding to station, technician or brand is wrong",
            );
        }
        if u.password.is_empty() || u.display_name.is_empty() {
            r.fail("user", &u.login, "empty password or display name");
        }
    }
}
