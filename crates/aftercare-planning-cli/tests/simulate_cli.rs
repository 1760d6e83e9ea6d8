//! `plan simulate` end to end on generated files.

use aftercare_planning_cli::{PlanCommand, run};
use clap::Parser;
use std::path::Path;

#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    cmd: PlanCommand,
}

/// Deterministic intermittent demand, long form; every fifth sku starts late.
fn write_demand(path: &Path, skus: usize, periods: usize) {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut text = String::from("sku,period,qty\n");
    for s in 0..skus {
        for p in 0..periods {
            let live = s % 5 != 0 || p > periods * 3 / 4;
            let q = if live && next() % 3 == 0 {
                1 + next() % 5
            } else {
                0
            };
            text.push_str(&format!("S{s},{p},{q}\n"));
        }
    }
    std::fs::write(path, text).unwrap();
}

fn write_items(path: &Path, skus: usize) {
    let mut text = String::from("sku,lead_time,unit_cost,pack_size\n");
    for s in 0..skus {
        text.push_str(&format!("S{s},{},{}.5,\n", 1 + s % 3, 1 + s % 4));
    }
    std::fs::write(path, text).unwrap();
}

fn plan(args: &[&str]) -> anyhow::Result<()> {
    let mut argv = vec!["plan"];
    argv.extend_from_slice(args);
    run(Cli::try_parse_from(argv)?.cmd)
}

fn summary(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn simulate_summary_has_the_contract_keys() {
    let dir = tempfile::tempdir().unwrap();
    let (d, i) = (dir.path().join("d.csv"), dir.path().join("i.csv"));
    let (s, o) = (dir.path().join("s.json"), dir.path().join("items.csv"));
    write_demand(&d, 12, 100);
    write_items(&i, 12);
    plan(&[
        "simulate",
        "--demand",
        d.to_str().unwrap(),
        "--items",
        i.to_str().unwrap(),
        "--holdout",
        "30",
        "--target-fill",
        "0.9",
        "--method",
        "sba",
        "--baseline",
        "--out",
        o.to_str().unwrap(),
        "--summary-out",
        s.to_str().unwrap(),
    ])
    .unwrap();
    let j = summary(&s);
    for key in [
        "fill_rate",
        "mean_item_fill_rate",
        "cycle_service_level",
        "avg_on_hand_units",
        "avg_on_hand_value",
        "orders",
        "items",
    ] {
        assert!(j.get(key).is_some(), "{key} missing in {j}");
    }
    assert_eq!(j["items"], 12);
    let fill = j["fill_rate"].as_f64().unwrap();
    assert!(fill > 0.3 && fill <= 1.0, "{fill}");
    assert!(j["avg_on_hand_value"].as_f64().unwrap() > 0.0);
    let per_item = std::fs::read_to_string(&o).unwrap();
    assert_eq!(per_item.lines().count(), 13);
    assert!(per_item.starts_with("sku,periods,demand,filled,fill_rate,"));
}

#[test]
fn a_higher_target_buys_more_fill_with_more_stock() {
    let dir = tempfile::tempdir().unwrap();
    let (d, i) = (dir.path().join("d.csv"), dir.path().join("i.csv"));
    write_demand(&d, 15, 120);
    write_items(&i, 15);
    let mut results = Vec::new();
    for target in ["0.7", "0.97"] {
        let s = dir.path().join(format!("s{target}.json"));
        plan(&[
            "simulate",
            "--demand",
            d.to_str().unwrap(),
            "--items",
            i.to_str().unwrap(),
            "--holdout",
            "30",
            "--target-fill",
            target,
            "--method",
            "sba",
            "--allocation",
            "item",
            "--summary-out",
            s.to_str().unwrap(),
        ])
        .unwrap();
        let j = summary(&s);
        results.push((
            j["fill_rate"].as_f64().unwrap(),
            j["avg_on_hand_value"].as_f64().unwrap(),
        ));
    }
    assert!(results[1].0 > results[0].0, "{results:?}");
    assert!(results[1].1 > results[0].1, "{results:?}");
}

#[test]
fn aggregate_allocation_calibrates_on_history_before_the_holdout() {
    let dir = tempfile::tempdir().unwrap();
    let (d, i, s) = (
        dir.path().join("d.csv"),
        dir.path().join("i.csv"),
        dir.path().join("s.json"),
    );
    write_demand(&d, 15, 120);
    write_items(&i, 15);
    plan(&[
        "simulate",
        "--demand",
        d.to_str().unwrap(),
        "--items",
        i.to_str().unwrap(),
        "--holdout",
        "30",
        "--target-fill",
        "0.85",
        "--method",
        "sba",
        "--calibration-window",
        "30",
        "--summary-out",
        s.to_str().unwrap(),
    ])
    .unwrap();
    let j = summary(&s);
    let c = &j["calibration"];
    assert_eq!(c["window"], 30);
    assert_eq!(c["reachable"], true);
    assert!(c["backtest_fill"].as_f64().unwrap() >= 0.85);
    assert!(c["worth"].as_f64().unwrap() > 0.0);
}

#[test]
fn expected_allocation_calibrates_one_worth_on_the_items_expected_fill() {
    let dir = tempfile::tempdir().unwrap();
    let (d, i) = (dir.path().join("d.csv"), dir.path().join("i.csv"));
    write_demand(&d, 15, 120);
    write_items(&i, 15);
    let simulate = |allocation: &str| {
        let s = dir.path().join(format!("{allocation}.json"));
        plan(&[
            "simulate",
            "--demand",
            d.to_str().unwrap(),
            "--items",
            i.to_str().unwrap(),
            "--holdout",
            "30",
            "--target-fill",
            "0.9",
            "--method",
            "sba",
            "--allocation",
            allocation,
            "--summary-out",
            s.to_str().unwrap(),
        ])
        .unwrap();
        summary(&s)
    };
    let j = simulate("expected");
    let c = &j["expected_calibration"];
    assert_eq!(c["reached"], true, "{j}");
    assert!(c["expected_fill"].as_f64().unwrap() >= 0.9, "{j}");
    assert!(c["worth"].as_f64().unwrap() > 0.0, "{j}");
    assert_eq!(j["calibration"], serde_json::Value::Null, "{j}");
    assert!(j["target"]["fill_rate"].as_f64().unwrap() == 0.9, "{j}");
    // Per item there is no calibration, and the stock differs.
    let item = simulate("item");
    assert_eq!(item["expected_calibration"], serde_json::Value::Null);
    assert_ne!(item["avg_on_hand_value"], j["avg_on_hand_value"]);
    let err = plan(&[
        "simulate",
        "--demand",
        d.to_str().unwrap(),
        "--items",
        i.to_str().unwrap(),
        "--holdout",
        "30",
        "--target-fill",
        "0.9",
        "--allocation",
        "none",
        "--summary-out",
        dir.path().join("x.json").to_str().unwrap(),
    ])
    .unwrap_err()
    .to_string();
    assert!(err.contains("aggregate, expected or item"), "{err}");
}

#[test]
fn a_holdout_longer_than_the_history_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let (d, i, s) = (
        dir.path().join("d.csv"),
        dir.path().join("i.csv"),
        dir.path().join("s.json"),
    );
    write_demand(&d, 2, 20);
    write_items(&i, 2);
    let err = plan(&[
        "simulate",
        "--demand",
        d.to_str().unwrap(),
        "--items",
        i.to_str().unwrap(),
        "--holdout",
        "20",
        "--target-fill",
        "0.9",
        "--summary-out",
        s.to_str().unwrap(),
    ])
    .unwrap_err()
    .to_string();
    assert!(err.contains("--holdout 20"), "{err}");
    assert!(!s.exists());
}

#[test]
fn the_per_item_csv_has_the_cycle_service_level_behind_the_summarys() {
    let dir = tempfile::tempdir().unwrap();
    let (d, i) = (dir.path().join("d.csv"), dir.path().join("i.csv"));
    let (s, o) = (dir.path().join("s.json"), dir.path().join("items.csv"));
    write_demand(&d, 12, 100);
    write_items(&i, 12);
    plan(&[
        "simulate",
        "--demand",
        d.to_str().unwrap(),
        "--items",
        i.to_str().unwrap(),
        "--holdout",
        "30",
        "--target-csl",
        "0.8",
        "--method",
        "sba",
        "--out",
        o.to_str().unwrap(),
        "--summary-out",
        s.to_str().unwrap(),
    ])
    .unwrap();
    let text = std::fs::read_to_string(&o).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (dp, csl, demand) = (
        col("demand_periods"),
        col("cycle_service_level"),
        col("demand"),
    );
    let (mut filled_periods, mut demand_periods) = (0.0, 0.0);
    for line in lines {
        let r: Vec<&str> = line.split(',').collect();
        let n: f64 = r[dp].parse().unwrap();
        if n == 0.0 {
            assert_eq!(r[csl], "", "no demand periods, no CSL: {line}");
            assert_eq!(r[demand], "0", "{line}");
            continue;
        }
        let c: f64 = r[csl].parse().unwrap();
        assert!((0.0..=1.0).contains(&c), "{line}");
        filled_periods += c * n;
        demand_periods += n;
    }
    let j = summary(&s);
    let total = j["cycle_service_level"].as_f64().unwrap();
    assert!(
        (filled_periods / demand_periods - total).abs() < 1e-5,
        "{total}"
    );
}

#[test]
fn the_default_calibration_works_when_the_holdout_is_half_the_history_or_more() {
    let dir = tempfile::tempdir().unwrap();
    for (periods, holdout, window) in [(24, "12", 6), (12, "6", 3), (12, "10", 1)] {
        let (d, i, s) = (
            dir.path().join("d.csv"),
            dir.path().join("i.csv"),
            dir.path().join("s.json"),
        );
        write_demand(&d, 10, periods);
        write_items(&i, 10);
        plan(&[
            "simulate",
            "--demand",
            d.to_str().unwrap(),
            "--items",
            i.to_str().unwrap(),
            "--holdout",
            holdout,
            "--target-fill",
            "0.9",
            "--summary-out",
            s.to_str().unwrap(),
        ])
        .unwrap_or_else(|e| panic!("{periods} periods, holdout {holdout}: {e:#}"));
        assert_eq!(summary(&s)["calibration"]["window"], window);
    }
    // One period before the holdout: nothing to replay, every item planned to the target.
    let (d, i, s) = (
        dir.path().join("d.csv"),
        dir.path().join("i.csv"),
        dir.path().join("s.json"),
    );
    plan(&[
        "simulate",
        "--demand",
        d.to_str().unwrap(),
        "--items",
        i.to_str().unwrap(),
        "--holdout",
        "11",
        "--target-fill",
        "0.9",
        "--summary-out",
        s.to_str().unwrap(),
    ])
    .unwrap();
    assert!(summary(&s)["calibration"].is_null());
    let e = plan(&[
        "simulate",
        "--demand",
        d.to_str().unwrap(),
        "--items",
        i.to_str().unwrap(),
        "--holdout",
        "6",
        "--target-fill",
        "0.9",
        "--calibration-window",
        "6",
        "--summary-out",
        s.to_str().unwrap(),
    ])
    .unwrap_err()
    .to_string();
    assert!(
        e.starts_with("--calibration-window 6 must leave history"),
        "{e}"
    );
}

#[test]
fn a_summary_path_that_is_a_directory_fails_before_the_item_file_is_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let (d, i) = (dir.path().join("d.csv"), dir.path().join("i.csv"));
    let (s, o) = (dir.path().join("s"), dir.path().join("items.csv"));
    write_demand(&d, 5, 40);
    write_items(&i, 5);
    std::fs::create_dir(&s).unwrap();
    std::fs::write(&o, "previous\n").unwrap();
    let e = plan(&[
        "simulate",
        "--demand",
        d.to_str().unwrap(),
        "--items",
        i.to_str().unwrap(),
        "--holdout",
        "10",
        "--target-fill",
        "0.9",
        "--out",
        o.to_str().unwrap(),
        "--summary-out",
        s.to_str().unwrap(),
    ])
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("--summary-out") && e.contains("is a directory"),
        "{e}"
    );
    assert_eq!(std::fs::read_to_string(&o).unwrap(), "previous\n");
    let mut names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["d.csv", "i.csv", "items.csv", "s"],
        "no temporary file left"
    );
}

/// Steady demand for `old` skus over all periods, and `new` skus whose demand starts
/// `launch` periods into the holdout of the last `holdout` periods (a launch the history
/// before the holdout does not announce).
fn write_launch(
    path: &Path,
    old: usize,
    new: usize,
    periods: usize,
    holdout: usize,
    launch: usize,
) {
    let mut text = String::from("sku,period,qty\n");
    for s in 0..old + new {
        for p in 0..periods {
            let live = s < old || p >= periods - holdout + launch;
            let q = if live && (p * 7 + s * 3) % 4 != 0 {
                1 + (p * 5 + s) % 4
            } else {
                0
            };
            text.push_str(&format!("S{s},{p},{q}\n"));
        }
    }
    std::fs::write(path, text).unwrap();
}

#[test]
fn recalibrating_during_the_holdout_plans_with_the_latest_worth() {
    let dir = tempfile::tempdir().unwrap();
    let (d, i) = (dir.path().join("d.csv"), dir.path().join("i.csv"));
    write_launch(&d, 12, 6, 120, 40, 5);
    write_items(&i, 18);
    let simulate = |allocation: &str, every: &str| {
        let s = dir.path().join(format!("{allocation}-{every}.json"));
        plan(&[
            "simulate",
            "--demand",
            d.to_str().unwrap(),
            "--items",
            i.to_str().unwrap(),
            "--holdout",
            "40",
            "--target-fill",
            "0.9",
            "--method",
            "sba",
            "--allocation",
            allocation,
            "--calibration-window",
            "20",
            "--recalibrate-every",
            every,
            "--summary-out",
            s.to_str().unwrap(),
        ])
        .unwrap();
        summary(&s)
    };
    let once = simulate("aggregate", "0");
    assert!(once["recalibrations"].is_null(), "{once}");
    let every = simulate("aggregate", "10");
    let r = every["recalibrations"].as_array().unwrap();
    let periods: Vec<i64> = r.iter().map(|c| c["period"].as_i64().unwrap()).collect();
    assert_eq!(periods, [80, 90, 100, 110]);
    // The first calibration is the one-off one, and the summary names it.
    assert_eq!(r[0]["worth"], once["calibration"]["worth"]);
    assert_eq!(every["calibration"], r[0]);
    // Once the launch is in the window, the new parts' first demands go short, so the
    // later calibrations value a shortage more, and the replay plans with them.
    let worth = |c: &serde_json::Value| c["worth"].as_f64().unwrap();
    assert!(worth(&r[2]) > worth(&r[0]), "{r:?}");
    let value = |j: &serde_json::Value| j["avg_on_hand_value"].as_f64().unwrap();
    assert!(value(&every) > value(&once), "{every} vs {once}");
    assert!(
        every["fill_rate"].as_f64().unwrap() > once["fill_rate"].as_f64().unwrap(),
        "{every} vs {once}"
    );

    // The expected allocation recalibrates on the estimates of the moment.
    let expected = simulate("expected", "20");
    let r = expected["recalibrations"].as_array().unwrap();
    let periods: Vec<i64> = r.iter().map(|c| c["period"].as_i64().unwrap()).collect();
    assert_eq!(periods, [80, 100]);
    assert_eq!(expected["expected_calibration"], r[0]);
    assert!(
        r.iter()
            .all(|c| c["expected_fill"].as_f64().unwrap() >= 0.9),
        "{r:?}"
    );

    // Nothing to recalibrate per item, for a cycle service level or for the baseline.
    for extra in [
        &["--allocation", "item", "--target-fill", "0.9"][..],
        &["--target-csl", "0.9"],
        &["--target-fill", "0.9", "--baseline"],
    ] {
        let mut args = vec![
            "simulate",
            "--demand",
            d.to_str().unwrap(),
            "--items",
            i.to_str().unwrap(),
            "--holdout",
            "40",
            "--recalibrate-every",
            "10",
            "--summary-out",
        ];
        let s = dir.path().join("refused.json");
        args.push(s.to_str().unwrap());
        args.extend_from_slice(extra);
        let e = plan(&args).unwrap_err().to_string();
        assert!(
            e.starts_with("--recalibrate-every needs a worth"),
            "{extra:?}: {e}"
        );
        assert!(!s.exists());
    }
}
