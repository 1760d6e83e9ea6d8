//! `plan forecast` end to end: input forms, output layout, holdout metrics, errors.

use std::path::{Path, PathBuf};

use aftercare_planning_cli::PlanCommand;
use clap::Parser;

#[derive(Debug, Parser)]
struct Cli {
    #[command(subcommand)]
    command: PlanCommand,
}

fn plan(args: &[&str]) -> anyhow::Result<()> {
    let cli = Cli::try_parse_from(std::iter::once("plan").chain(args.iter().copied()))?;
    aftercare_planning_cli::run(cli.command)
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Three skus over 8 periods, long form, rows deliberately not sorted.
const LONG: &str = "sku,period,qty
b,0,0
a,0,3
a,1,0
a,2,0
a,3,5
a,4,0
a,5,2
a,6,0
a,7,4
b,1,0
b,2,1.5
b,3,0
b,4,0
b,5,0
b,6,2
b,7,0
c,0,0
c,1,0
c,2,0
c,3,0
c,4,0
c,5,0
c,6,0
c,7,0
";

const WIDE: &str = "sku,w0,w1,w2,w3,w4,w5,w6,w7
b,0,0,1.5,0,0,0,2,0
a,3,0,0,5,0,2,0,4
c,0,0,0,0,0,0,0,0
";

fn rows(path: &Path) -> Vec<Vec<String>> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

#[test]
fn long_and_wide_input_give_the_same_forecasts() {
    let dir = tempfile::tempdir().unwrap();
    let long = write(dir.path(), "long.csv", LONG);
    let wide = write(dir.path(), "wide.csv", WIDE);
    let (out_l, out_w) = (dir.path().join("l.csv"), dir.path().join("w.csv"));
    for (input, out) in [(&long, &out_l), (&wide, &out_w)] {
        plan(&[
            "forecast",
            "--demand",
            s(input),
            "--horizon",
            "3",
            "--method",
            "sba",
            "--out",
            s(out),
        ])
        .unwrap();
    }
    let (mut l, mut w) = (rows(&out_l), rows(&out_w));
    l.sort();
    w.sort();
    assert_eq!(l, w);
}

#[test]
fn output_has_one_row_per_sku_and_step() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "d.csv", LONG);
    let out = dir.path().join("f.csv");
    plan(&[
        "forecast",
        "--demand",
        s(&input),
        "--horizon",
        "2",
        "--method",
        "croston",
        "--out",
        s(&out),
    ])
    .unwrap();
    let r = rows(&out);
    assert_eq!(r[0], ["sku", "method", "class", "step", "forecast"]);
    assert_eq!(r.len(), 1 + 3 * 2);
    // Skus in order of first appearance; steps 1..H.
    assert_eq!((r[1][0].as_str(), r[1][3].as_str()), ("b", "1"));
    assert_eq!((r[2][0].as_str(), r[2][3].as_str()), ("b", "2"));
    assert!(r[1..].iter().all(|row| row[1] == "croston"));
    // b: sizes 1.5, 2 → 1.5, 1.55; intervals 3, 4 → 3, 3.1
    let b: f64 = r[1][4].parse().unwrap();
    assert!((b - 1.55 / 3.1).abs() < 1e-12, "{b}");
    // c never had demand.
    assert_eq!(r[5][2], "inactive");
    assert_eq!(r[5][4], "0");
}

#[test]
fn method_parameters_come_from_the_flags() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "d.csv", WIDE);
    let out = dir.path().join("f.csv");
    plan(&[
        "forecast",
        "--demand",
        s(&input),
        "--horizon",
        "1",
        "--method",
        "ma",
        "--window",
        "2",
        "--out",
        s(&out),
    ])
    .unwrap();
    // a ends with 0, 4 → 2
    let r = rows(&out);
    let a = r.iter().find(|row| row[0] == "a").unwrap();
    assert_eq!(a[4], "2");
    plan(&[
        "forecast",
        "--demand",
        s(&input),
        "--horizon",
        "1",
        "--method",
        "ses",
        "--alpha",
        "1",
        "--out",
        s(&out),
    ])
    .unwrap();
    let r = rows(&out);
    let a = r.iter().find(|row| row[0] == "a").unwrap();
    assert_eq!(a[4], "4");
}

#[test]
fn holdout_metrics_are_scored_on_the_hidden_periods() {
    let dir = tempfile::tempdir().unwrap();
    // a: history 1,2,3 → naive 3, actual 4. Scale (from the first demand) 1, mean 2.
    // b: history 0,0,0 → naive 0, actual 5; no scale and a zero mean: skipped there.
    let input = write(
        dir.path(),
        "d.csv",
        "sku,p0,p1,p2,p3\na,1,2,3,4\nb,0,0,0,5\n",
    );
    let (out, metrics) = (dir.path().join("f.csv"), dir.path().join("m.json"));
    plan(&[
        "forecast",
        "--demand",
        s(&input),
        "--horizon",
        "1",
        "--holdout",
        "1",
        "--method",
        "naive",
        "--out",
        s(&out),
        "--metrics-out",
        s(&metrics),
    ])
    .unwrap();
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&metrics).unwrap()).unwrap();
    assert_eq!(m["series"], 2);
    assert_eq!(m["mae"], 3.0);
    assert_eq!(m["rmse"], 3.0);
    assert_eq!(m["me"], 3.0);
    assert_eq!(m["smae"], 0.5);
    assert_eq!(m["rmsse"], 1.0);
    assert_eq!(m["rmsse_skipped"], 1);
    assert_eq!(m["smae_skipped"], 1);
    // The forecast was fitted without the last period.
    assert_eq!(rows(&out)[1][4], "3");
}

#[test]
fn auto_names_its_choice_and_counts_it_in_the_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "d.csv", WIDE);
    let (out, metrics) = (dir.path().join("f.csv"), dir.path().join("m.json"));
    plan(&[
        "forecast",
        "--demand",
        s(&input),
        "--horizon",
        "2",
        "--holdout",
        "2",
        "--out",
        s(&out),
        "--metrics-out",
        s(&metrics),
    ])
    .unwrap();
    let allowed = ["historic_average", "ses", "sba", "tsb"];
    for row in &rows(&out)[1..] {
        let name = row[1].trim_start_matches("combo(").trim_end_matches(')');
        assert!(name.split('+').all(|m| allowed.contains(&m)), "{}", row[1]);
    }
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&metrics).unwrap()).unwrap();
    let chosen: u64 = m["methods_chosen"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(chosen, 3);
}

#[test]
fn malformed_input_names_file_line_and_column_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "bad.csv", "sku,period,qty\na,0,1\na,1,x\n");
    let out = dir.path().join("f.csv");
    let err = plan(&[
        "forecast",
        "--demand",
        s(&input),
        "--horizon",
        "1",
        "--out",
        s(&out),
    ])
    .unwrap_err();
    let msg = format!("{err:#}");
    assert!(msg.contains("bad.csv: line 3, column 3 (qty)"), "{msg}");
    assert!(!out.exists());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn a_sku_missing_a_period_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "d.csv", "sku,period,qty\na,0,1\na,1,1\nb,1,1\n");
    let out = dir.path().join("f.csv");
    let err = plan(&[
        "forecast",
        "--demand",
        s(&input),
        "--horizon",
        "1",
        "--out",
        s(&out),
    ])
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("sku \"b\" has no row for period 0"),
        "{err}"
    );
}

#[test]
fn inconsistent_flags_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "d.csv", WIDE);
    let out = dir.path().join("f.csv");
    let m = dir.path().join("m.json");
    let e = plan(&[
        "forecast",
        "--demand",
        s(&input),
        "--horizon",
        "1",
        "--out",
        s(&out),
        "--metrics-out",
        s(&m),
    ]);
    assert!(e.unwrap_err().to_string().contains("--holdout"));
    let e = plan(&[
        "forecast",
        "--demand",
        s(&input),
        "--horizon",
        "1",
        "--holdout",
        "8",
        "--out",
        s(&out),
    ]);
    assert!(e.unwrap_err().to_string().contains("leaves no history"));
    let e = plan(&[
        "forecast",
        "--demand",
        s(&input),
        "--horizon",
        "1",
        "--method",
        "arima",
        "--out",
        s(&out),
    ]);
    let e = e.unwrap_err().to_string();
    assert!(e.contains("--method must be auto or one of naive,"), "{e}");
    assert!(e.contains("\"arima\""), "{e}");
    assert!(!out.exists());
}

#[test]
fn season_length_lays_the_pooled_calendar_over_the_flat_forecast() {
    let dir = tempfile::tempdir().unwrap();
    // Ten series over 14 periods sharing a calendar of 4: position 0 has half the demand.
    let mut text = String::from("sku");
    for t in 0..14 {
        text.push_str(&format!(",p{t}"));
    }
    text.push('\n');
    for i in 0..10 {
        text.push_str(&format!("s{i}"));
        for t in 0..14 {
            let base = 4 + i % 3 + (t * 7 + i) % 3;
            let v = if t % 4 == 0 {
                base as f64 * 0.5
            } else {
                base as f64
            };
            text.push_str(&format!(",{v}"));
        }
        text.push('\n');
    }
    let input = write(dir.path(), "d.csv", &text);
    let run = |season: Option<&str>| {
        let out = dir
            .path()
            .join(format!("f{}.csv", season.unwrap_or("none")));
        let metrics = dir
            .path()
            .join(format!("m{}.json", season.unwrap_or("none")));
        let mut args = vec![
            "forecast",
            "--demand",
            s(&input),
            "--horizon",
            "4",
            "--holdout",
            "2",
            "--method",
            "historic_average",
            "--out",
            s(&out),
            "--metrics-out",
            s(&metrics),
        ];
        if let Some(season) = season {
            args.extend(["--season-length", season]);
        }
        plan(&args).unwrap();
        let m: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&metrics).unwrap()).unwrap();
        (rows(&out), m)
    };
    let (flat, m_flat) = run(None);
    let (seasonal, m) = run(Some("4"));
    assert!(m_flat["pooled_adjustment"].is_null());
    assert_eq!(m["pooled_adjustment"]["weight"], 1.0);
    assert_eq!(m["pooled_adjustment"]["level"], 1.0);
    // Steps 1..4 are periods 12..15; period 12 is position 0, the low one.
    let f: Vec<f64> = seasonal[1..5]
        .iter()
        .map(|r| r[4].parse().unwrap())
        .collect();
    let level: f64 = flat[1][4].parse().unwrap();
    assert!(
        flat[1..5].iter().all(|r| r[4] == flat[1][4]),
        "flat without a season"
    );
    assert!(f[0] < 0.7 * level && f[1] > level, "{f:?} vs {level}");
    assert!(m["rmsse"].as_f64().unwrap() < m_flat["rmsse"].as_f64().unwrap());
    let err = plan(&[
        "forecast",
        "--demand",
        s(&input),
        "--horizon",
        "1",
        "--season-length",
        "20",
        "--out",
        s(&dir.path().join("x.csv")),
    ])
    .unwrap_err();
    assert!(format!("{err:#}").contains("season"), "{err:#}");
    // The level factor on top: chosen from the history, reported, and applied to all steps.
    let out = dir.path().join("fl.csv");
    let metrics = dir.path().join("ml.json");
    plan(&[
        "forecast",
        "--demand",
        s(&input),
        "--horizon",
        "4",
        "--holdout",
        "2",
        "--method",
        "historic_average",
        "--season-length",
        "4",
        "--calibrate-level",
        "--out",
        s(&out),
        "--metrics-out",
        s(&metrics),
    ])
    .unwrap();
    let ml: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&metrics).unwrap()).unwrap();
    let level = ml["pooled_adjustment"]["level"].as_f64().unwrap();
    let with_level: Vec<f64> = rows(&out)[1..5]
        .iter()
        .map(|r| r[4].parse().unwrap())
        .collect();
    for (a, b) in with_level.iter().zip(&f) {
        assert!(
            (a - b * level).abs() < 1e-9 * b.abs().max(1.0),
            "{a} vs {b} × {level}"
        );
    }
}

fn metrics_of(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn holdout_metrics_score_every_held_out_period_whatever_the_horizon() {
    let dir = tempfile::tempdir().unwrap();
    // History 1,2,3 → naive 3 against 4,5,6,7: errors 1,2,3,4.
    let input = write(
        dir.path(),
        "d.csv",
        "sku,p0,p1,p2,p3,p4,p5,p6\na,1,2,3,4,5,6,7\n",
    );
    let run = |horizon: &str| {
        let (out, metrics) = (
            dir.path().join(format!("f{horizon}.csv")),
            dir.path().join(format!("m{horizon}.json")),
        );
        plan(&[
            "forecast",
            "--demand",
            s(&input),
            "--horizon",
            horizon,
            "--holdout",
            "4",
            "--method",
            "naive",
            "--out",
            s(&out),
            "--metrics-out",
            s(&metrics),
        ])
        .unwrap();
        (rows(&out).len() - 1, metrics_of(&metrics))
    };
    let (written, one) = run("1");
    assert_eq!(written, 1, "the CSV keeps the horizon's steps");
    assert_eq!(one["scored_steps"], 4);
    assert_eq!(one["mae"], 2.5);
    assert_eq!(one["me"], 2.5);
    assert!((one["rmse"].as_f64().unwrap() - 7.5f64.sqrt()).abs() < 1e-12);
    let (written, four) = run("4");
    assert_eq!(written, 4);
    for key in [
        "mae",
        "rmse",
        "me",
        "smae",
        "rmsse",
        "series",
        "scored_steps",
    ] {
        assert_eq!(one[key], four[key], "{key}");
    }
}

#[test]
fn a_negative_zero_quantity_is_read_and_written_as_zero() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "d.csv", "sku,period,qty\na,0,1\na,1,-0\n");
    let out = dir.path().join("f.csv");
    plan(&[
        "forecast",
        "--demand",
        s(&input),
        "--horizon",
        "1",
        "--method",
        "naive",
        "--out",
        s(&out),
    ])
    .unwrap();
    assert_eq!(rows(&out)[1][4], "0");
}

#[test]
fn a_metrics_path_that_is_a_directory_fails_before_the_forecast_is_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "d.csv", WIDE);
    let out = write(dir.path(), "f.csv", "previous\n");
    let metrics = dir.path().join("m");
    std::fs::create_dir(&metrics).unwrap();
    let e = plan(&[
        "forecast",
        "--demand",
        s(&input),
        "--horizon",
        "1",
        "--holdout",
        "2",
        "--out",
        s(&out),
        "--metrics-out",
        s(&metrics),
    ])
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("--metrics-out") && e.contains("is a directory"),
        "{e}"
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "previous\n");
    let mut names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["d.csv", "f.csv", "m"], "no temporary file left");
}

#[test]
fn a_long_header_with_an_extra_column_is_still_long_form() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("sku,period,qty,warehouse\n");
    for line in LONG.lines().skip(1) {
        text.push_str(line);
        text.push_str(",W1\n");
    }
    let extra = write(dir.path(), "x.csv", &text);
    let plain = write(dir.path(), "d.csv", LONG);
    let forecast = |input: &Path, name: &str| {
        let out = dir.path().join(name);
        plan(&[
            "forecast",
            "--demand",
            s(input),
            "--horizon",
            "2",
            "--out",
            s(&out),
        ])
        .unwrap();
        std::fs::read_to_string(out).unwrap()
    };
    assert_eq!(forecast(&extra, "fx.csv"), forecast(&plain, "fp.csv"));
}
