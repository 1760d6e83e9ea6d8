//! Every method against statsforecast 2.1.1 on the committed fixture (40 real series; see
//! `tests/fixtures/README.md`): |ours − theirs| ≤ max(1e-6 · |theirs|, 1e-9) per cell.

use std::collections::BTreeMap;

use aftercare_planning::forecast::{Method, MethodParams, Scratch};

const DEMAND: &str = include_str!("fixtures/statsforecast_reference_demand.csv");
const REFERENCE: &str = include_str!("fixtures/statsforecast_reference.csv");

/// Series by sku, periods in order.
fn demand() -> BTreeMap<String, Vec<f64>> {
    let mut rows: BTreeMap<String, Vec<(usize, f64)>> = BTreeMap::new();
    for line in DEMAND.lines().skip(1).filter(|l| !l.is_empty()) {
        let f: Vec<&str> = line.split(',').collect();
        rows.entry(f[0].to_string())
            .or_default()
            .push((f[1].parse().unwrap(), f[2].parse().unwrap()));
    }
    rows.into_iter()
        .map(|(k, mut v)| {
            v.sort_by_key(|p| p.0);
            (k, v.into_iter().map(|p| p.1).collect())
        })
        .collect()
}

/// `(sku, method code, step, forecast)` rows.
fn reference() -> Vec<(String, String, usize, f64)> {
    REFERENCE
        .lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            (
                f[0].to_string(),
                f[1].to_string(),
                f[2].parse().unwrap(),
                f[3].parse().unwrap(),
            )
        })
        .collect()
}

#[test]
fn every_method_matches_statsforecast_on_the_fixture() {
    let series = demand();
    let rows = reference();
    assert_eq!(series.len(), 40);
    assert_eq!(rows.len(), 40 * 11 * 6);
    let params = MethodParams::default();
    let mut scratch = Scratch::default();
    let mut failures = Vec::new();
    for (sku, code, step, want) in &rows {
        let method = Method::from_code(code, &params).unwrap();
        let got = method.forecast(&series[sku], 6)[step - 1];
        // The allocation-free path with a reused scratch gives the same number.
        assert_eq!(
            method.level(&series[sku], &mut scratch).to_bits(),
            got.to_bits()
        );
        let tol = (1e-6 * want.abs()).max(1e-9);
        if (got - want).abs() > tol || got.is_nan() != want.is_nan() {
            failures.push(format!(
                "{sku} {code} step {step}: ours {got}, statsforecast {want}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} cells differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
