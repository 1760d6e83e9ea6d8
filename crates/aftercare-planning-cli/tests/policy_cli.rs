//! `plan policy` end to end on generated files.

use aftercare_planning_cli::{PlanCommand, run};
use clap::Parser;
use std::path::Path;

#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    cmd: PlanCommand,
}

/// Deterministic intermittent demand: `skus` series of `periods` periods, long form.
fn write_demand(path: &Path, skus: usize, periods: usize) {
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut text = String::from("sku,period,qty\n");
    for s in 0..skus {
        for p in 0..periods {
            let q = if next() % 4 == 0 { 1 + next() % 6 } else { 0 };
            text.push_str(&format!("P{s},{p},{q}\n"));
        }
    }
    std::fs::write(path, text).unwrap();
}

fn write_items(path: &Path, skus: usize) {
    let mut text = String::from(
        "sku,description,lead_time,unit_cost,order_cost,holding_cost_per_unit_per_period,moq,pack_size\n",
    );
    for s in 0..skus {
        let pack = if s % 2 == 0 { 1 } else { 10 };
        text.push_str(&format!(
            "P{s},part {s},{},2.5,5,0.01,0,{pack}\n",
            2 + s % 3
        ));
    }
    std::fs::write(path, text).unwrap();
}

fn plan(args: &[&str]) -> anyhow::Result<()> {
    let mut argv = vec!["plan"];
    argv.extend_from_slice(args);
    run(Cli::try_parse_from(argv)?.cmd)
}

fn rows(path: &Path) -> Vec<Vec<String>> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

#[test]
fn policy_writes_one_row_per_sku_following_the_three_point_rule() {
    let dir = tempfile::tempdir().unwrap();
    let (d, i, o) = (
        dir.path().join("d.csv"),
        dir.path().join("i.csv"),
        dir.path().join("p.csv"),
    );
    write_demand(&d, 6, 60);
    write_items(&i, 6);
    let (ds, is, os) = (
        d.to_str().unwrap(),
        i.to_str().unwrap(),
        o.to_str().unwrap(),
    );
    plan(&[
        "policy",
        "--demand",
        ds,
        "--items",
        is,
        "--target-fill",
        "0.95",
        "--allocation",
        "item",
        "--method",
        "sba",
        "--out",
        os,
    ])
    .unwrap();
    let rows = rows(&o);
    assert_eq!(
        rows[0].join(","),
        "sku,method,class,mean_per_period,lead_time,ltd_mean,ltd_sd,distribution,min,reorder_point,max,eoq"
    );
    assert_eq!(rows.len(), 7);
    for (k, r) in rows[1..].iter().enumerate() {
        let v = |c: usize| r[c].parse::<f64>().unwrap();
        assert_eq!(r[0], format!("P{k}"));
        assert_eq!(r[1], "sba");
        assert_eq!(
            r[4],
            (2 + k % 3).to_string(),
            "lead time from the items file"
        );
        assert!(
            (v(8) + v(5) - v(9)).abs() < 1e-5,
            "min + ltd_mean = reorder point: {r:?}"
        );
        assert!(v(10) >= v(9));
        let pack = if k % 2 == 0 { 1.0 } else { 10.0 };
        assert!(
            ((v(9) * pack) - (v(9) * pack).round()).abs() < 1e-6,
            "whole pieces: {r:?}"
        );
        assert!(v(11) > 0.0, "EOQ from order and holding cost");
    }
}

#[test]
fn a_higher_cycle_service_level_never_lowers_a_reorder_point() {
    let dir = tempfile::tempdir().unwrap();
    let (d, i) = (dir.path().join("d.csv"), dir.path().join("i.csv"));
    write_demand(&d, 5, 50);
    write_items(&i, 5);
    let mut points = Vec::new();
    for c in ["0.8", "0.99"] {
        let o = dir.path().join(format!("p{c}.csv"));
        plan(&[
            "policy",
            "--demand",
            d.to_str().unwrap(),
            "--items",
            i.to_str().unwrap(),
            "--target-csl",
            c,
            "--method",
            "tsb",
            "--out",
            o.to_str().unwrap(),
        ])
        .unwrap();
        points.push(
            rows(&o)[1..]
                .iter()
                .map(|r| r[9].parse::<f64>().unwrap())
                .collect::<Vec<_>>(),
        );
    }
    assert!(
        points[0].iter().zip(&points[1]).all(|(lo, hi)| hi >= lo),
        "{points:?}"
    );
    assert!(points[0].iter().zip(&points[1]).any(|(lo, hi)| hi > lo));
}

#[test]
fn malformed_items_name_the_cell_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (d, i, o) = (
        dir.path().join("d.csv"),
        dir.path().join("i.csv"),
        dir.path().join("p.csv"),
    );
    write_demand(&d, 2, 20);
    std::fs::write(&i, "sku,lead_time,moq\nP0,3,1\nP1,3,-2\n").unwrap();
    let err = plan(&[
        "policy",
        "--demand",
        d.to_str().unwrap(),
        "--items",
        i.to_str().unwrap(),
        "--target-fill",
        "0.9",
        "--out",
        o.to_str().unwrap(),
    ])
    .unwrap_err()
    .to_string();
    assert!(err.contains("i.csv: line 3, column 3 (moq)"), "{err}");
    assert!(!o.exists());
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        2,
        "no temp file left"
    );
}

#[test]
fn conflicting_or_missing_targets_are_rejected() {
    let base = [
        "policy", "--demand", "d.csv", "--items", "i.csv", "--out", "p.csv",
    ];
    let mut both = base.to_vec();
    both.extend(["--target-fill", "0.9", "--target-csl", "0.9"]);
    assert!(plan(&both).is_err());
    assert!(plan(&base).is_err());
}

#[test]
fn auto_policy_on_wide_input_names_each_choice_and_calibrates_on_a_sample() {
    let dir = tempfile::tempdir().unwrap();
    let (d, i, o) = (
        dir.path().join("d.csv"),
        dir.path().join("i.csv"),
        dir.path().join("p.csv"),
    );
    // The long file rewritten wide: `sku,p0,...`.
    let long = dir.path().join("long.csv");
    write_demand(&long, 9, 40);
    let mut wide = String::from("sku");
    for p in 0..40 {
        wide.push_str(&format!(",p{p}"));
    }
    let text = std::fs::read_to_string(&long).unwrap();
    for (n, line) in text.lines().skip(1).enumerate() {
        let f: Vec<&str> = line.split(',').collect();
        if n % 40 == 0 {
            wide.push_str(&format!("\n{}", f[0]));
        }
        wide.push_str(&format!(",{}", f[2]));
    }
    wide.push('\n');
    std::fs::write(&d, wide).unwrap();
    write_items(&i, 9);
    plan(&[
        "policy",
        "--demand",
        d.to_str().unwrap(),
        "--items",
        i.to_str().unwrap(),
        "--target-fill",
        "0.9",
        "--calibration-window",
        "20",
        "--calibration-sample",
        "4",
        "--out",
        o.to_str().unwrap(),
    ])
    .unwrap();
    let rows = rows(&o);
    assert_eq!(
        rows[0].join(","),
        aftercare_planning_cli::policy_cmd::HEADER,
        "the contract's columns"
    );
    assert_eq!(rows.len(), 10);
    let candidates = ["historic_average", "ses", "sba", "tsb"];
    for r in &rows[1..] {
        assert_eq!(r.len(), 12, "{r:?}");
        let method = r[1].as_str();
        let named = candidates.contains(&method)
            || (method.starts_with("combo(")
                && method.ends_with(')')
                && method[6..method.len() - 1]
                    .split('+')
                    .all(|m| candidates.contains(&m)));
        assert!(named, "auto names its choice, not `auto`: {method}");
        assert!(
            [
                "smooth",
                "erratic",
                "intermittent",
                "lumpy",
                "new",
                "inactive"
            ]
            .contains(&r[2].as_str()),
            "{r:?}"
        );
        assert!(
            ["zero", "normal", "poisson", "nbinom", "gamma"].contains(&r[7].as_str()),
            "{r:?}"
        );
        for c in [3, 5, 6, 8, 9, 10, 11] {
            assert!(r[c].parse::<f64>().is_ok(), "column {c} of {r:?}");
        }
    }
}

/// Two skus of 104 weeks that sold 12 units in six demands: `Q` last sold 33 weeks ago
/// (intermittent), `D` 63 weeks ago (inactive).
fn write_quiet_demand(path: &Path) {
    let mut text = String::from("sku,period,qty\n");
    for (sku, gap) in [("Q", 33usize), ("D", 63)] {
        let mut y = [0u32; 104];
        let last = 103 - gap;
        for (back, q) in [(37, 2), (30, 1), (23, 4), (15, 1), (7, 3), (0, 1)] {
            y[last - back] = q;
        }
        for (p, q) in y.iter().enumerate() {
            text.push_str(&format!("{sku},{p},{q}\n"));
        }
    }
    std::fs::write(path, text).unwrap();
}

/// `plan policy` on the quiet skus with `extra` flags: (class, reorder point) per sku.
fn quiet_policy(extra: &[&str]) -> anyhow::Result<Vec<(String, f64)>> {
    let dir = tempfile::tempdir().unwrap();
    let (d, i, o) = (
        dir.path().join("d.csv"),
        dir.path().join("i.csv"),
        dir.path().join("p.csv"),
    );
    write_quiet_demand(&d);
    std::fs::write(&i, "sku,lead_time,unit_cost\nQ,8,10\nD,8,10\n").unwrap();
    let mut args = vec![
        "policy",
        "--demand",
        d.to_str().unwrap(),
        "--items",
        i.to_str().unwrap(),
        "--target-fill",
        "0.95",
        "--allocation",
        "item",
        "--method",
        "tsb",
        "--out",
        o.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    plan(&args)?;
    Ok(rows(&o)[1..]
        .iter()
        .map(|r| (r[2].clone(), r[9].parse().unwrap()))
        .collect())
}

#[test]
fn decayed_forecasts_get_bounded_levels_and_inactive_items_none_when_skipped() {
    let got = quiet_policy(&[]).unwrap();
    assert_eq!(
        (got[0].0.as_str(), got[1].0.as_str()),
        ("intermittent", "inactive")
    );
    for (_, rop) in &got {
        assert!(*rop > 0.0 && *rop <= 12.0, "{got:?}");
    }
    let unbounded = quiet_policy(&["--variance-bound", "none"]).unwrap();
    assert!(unbounded[0].1 > 50.0, "{unbounded:?}");
    assert!(unbounded[1].1 > 500.0, "{unbounded:?}");
    let skipped = quiet_policy(&["--skip-inactive"]).unwrap();
    assert_eq!(skipped[1].1, 0.0, "{skipped:?}");
    assert_eq!(skipped[0], got[0]);
    let err = quiet_policy(&["--variance-bound", "wide"]).unwrap_err();
    assert!(
        err.to_string()
            .contains("--variance-bound must be range or none"),
        "{err}"
    );
}

#[test]
fn expected_allocation_stocks_the_cheap_item_higher_and_the_dear_one_lower() {
    let dir = tempfile::tempdir().unwrap();
    let (d, i) = (dir.path().join("d.csv"), dir.path().join("i.csv"));
    write_demand(&d, 2, 80);
    std::fs::write(&i, "sku,lead_time,unit_cost\nP0,3,1\nP1,3,1000\n").unwrap();
    let reorder_points = |allocation: &str| {
        let o = dir.path().join(format!("{allocation}.csv"));
        plan(&[
            "policy",
            "--demand",
            d.to_str().unwrap(),
            "--items",
            i.to_str().unwrap(),
            "--target-fill",
            "0.9",
            "--method",
            "sba",
            "--allocation",
            allocation,
            "--out",
            o.to_str().unwrap(),
        ])
        .unwrap();
        rows(&o)[1..]
            .iter()
            .map(|r| r[9].parse::<f64>().unwrap())
            .collect::<Vec<_>>()
    };
    let per_item = reorder_points("item");
    let expected = reorder_points("expected");
    assert!(expected[0] > per_item[0], "{expected:?} vs {per_item:?}");
    assert!(expected[1] < per_item[1], "{expected:?} vs {per_item:?}");
}

#[test]
fn an_item_without_a_unit_cost_keeps_the_per_item_target_under_one_shortage_worth() {
    let dir = tempfile::tempdir().unwrap();
    let (d, i) = (dir.path().join("d.csv"), dir.path().join("i.csv"));
    write_demand(&d, 2, 80);
    // P0's unit cost is blank: no inventory value.
    std::fs::write(&i, "sku,lead_time,unit_cost\nP0,2,\nP1,2,5\n").unwrap();
    let mut per_item = None;
    for allocation in ["item", "aggregate", "expected"] {
        let o = dir.path().join(format!("{allocation}.csv"));
        plan(&[
            "policy",
            "--demand",
            d.to_str().unwrap(),
            "--items",
            i.to_str().unwrap(),
            "--target-fill",
            "0.9",
            "--calibration-window",
            "20",
            "--allocation",
            allocation,
            "--out",
            o.to_str().unwrap(),
        ])
        .unwrap();
        let rows = rows(&o);
        let rop: f64 = rows[1][9].parse().unwrap();
        // It was 4,503,599,627,370,499 (the end of the search grid): now the level of the
        // per-item target, as the product plans a part without a standard cost.
        assert!(rop > 0.0 && rop < 50.0, "{allocation}: {rows:?}");
        assert_eq!(*per_item.get_or_insert(rop), rop, "{allocation}: {rows:?}");
    }
}

/// `periods` periods of the deterministic demand for 6 skus, and their items.
fn short_history(dir: &Path, periods: usize) -> (String, String) {
    let (d, i) = (dir.join(format!("d{periods}.csv")), dir.join("i.csv"));
    write_demand(&d, 6, periods);
    write_items(&i, 6);
    (d.to_str().unwrap().into(), i.to_str().unwrap().into())
}

#[test]
fn the_contract_command_line_works_on_short_histories() {
    let dir = tempfile::tempdir().unwrap();
    for periods in [24, 12, 2, 1] {
        let (d, i) = short_history(dir.path(), periods);
        let o = dir.path().join(format!("p{periods}.csv"));
        plan(&[
            "policy",
            "--demand",
            &d,
            "--items",
            &i,
            "--target-fill",
            "0.9",
            "--out",
            o.to_str().unwrap(),
        ])
        .unwrap_or_else(|e| panic!("{periods} periods: {e:#}"));
        assert_eq!(rows(&o).len(), 7, "{periods} periods");
    }
    // A window given explicitly that does not fit stays an error.
    let (d, i) = short_history(dir.path(), 24);
    let o = dir.path().join("explicit.csv");
    let e = plan(&[
        "policy",
        "--demand",
        &d,
        "--items",
        &i,
        "--target-fill",
        "0.9",
        "--calibration-window",
        "52",
        "--out",
        o.to_str().unwrap(),
    ])
    .unwrap_err()
    .to_string();
    assert!(
        e.starts_with("--calibration-window 52 must leave history"),
        "{e}"
    );
    assert!(!o.exists());
}

#[test]
fn the_eoq_column_is_rounded_to_the_moq_and_the_pack() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("d.csv");
    write_demand(&d, 4, 40);
    let i = dir.path().join("i.csv");
    // P0: plain; P1: an MOQ far above the EOQ; P2: packs of 7 (counting unit 1/7);
    // P3: no holding cost, so no EOQ.
    std::fs::write(
        &i,
        "sku,lead_time,unit_cost,order_cost,holding_cost_per_unit_per_period,moq,pack_size\n\
         P0,2,2.5,5,0.01,0,1\nP1,2,2.5,5,0.01,500,1\nP2,2,2.5,5,0.01,0,7\nP3,2,2.5,5,,0,1\n",
    )
    .unwrap();
    let run = |policy: &str, review: &str, name: &str| {
        let o = dir.path().join(name);
        plan(&[
            "policy",
            "--demand",
            d.to_str().unwrap(),
            "--items",
            i.to_str().unwrap(),
            "--target-fill",
            "0.9",
            "--allocation",
            "item",
            "--method",
            "sba",
            "--policy",
            policy,
            "--review-period",
            review,
            "--out",
            o.to_str().unwrap(),
        ])
        .unwrap();
        rows(&o)
    };
    let rows = run("order-up-to", "1", "p.csv");
    let v = |r: &[String], c: usize| r[c].parse::<f64>().unwrap();
    for r in &rows[1..] {
        let raw = (2.0 * 5.0 * v(r, 3) / 0.01).sqrt();
        let eoq = v(r, 11);
        match r[0].as_str() {
            "P0" => assert_eq!(eoq, raw.ceil(), "{r:?}"),
            "P1" => assert_eq!(eoq, 500.0, "{r:?}"),
            "P2" => {
                assert!(eoq >= raw && eoq - raw < 1.0 / 7.0 + 1e-6, "{r:?}");
                assert!(((eoq * 7.0) - (eoq * 7.0).round()).abs() < 1e-5, "{r:?}");
            }
            _ => assert_eq!(eoq, 0.0, "{r:?}"),
        }
    }
    // Under continuous-review s-Q the column is the lot ordered: max = reorder point − 1
    // unit + EOQ.
    let rows = run("s-Q", "0", "q.csv");
    for r in &rows[1..3] {
        assert!(
            (v(r, 10) - (v(r, 9) - 1.0 + v(r, 11))).abs() < 1e-6,
            "{r:?}"
        );
    }
}
