//! Successor parts (`replaces` in the items file) and event demand (`--events`) through
//! `plan forecast`, `plan policy` and `plan simulate`, end to end on small files.

use aftercare_planning_cli::{PlanCommand, run};
use clap::Parser;
use std::path::{Path, PathBuf};

#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    cmd: PlanCommand,
}

fn plan(args: &[&str]) -> anyhow::Result<()> {
    let mut argv = vec!["plan"];
    argv.extend_from_slice(args);
    run(Cli::try_parse_from(argv)?.cmd)
}

/// Deterministic intermittent series `k` of `periods` periods.
fn series(k: u64, periods: usize) -> Vec<f64> {
    let mut state: u64 = 0x2545_f491_4f6c_dd1d ^ (k + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    (0..periods)
        .map(|_| {
            if next() % 3 == 0 {
                (1 + next() % 5) as f64
            } else {
                0.0
            }
        })
        .collect()
}

/// Wide demand file of `(sku, series)`.
fn write_demand(path: &Path, rows: &[(&str, Vec<f64>)]) {
    let periods = rows[0].1.len();
    let mut text = String::from("sku");
    for p in 0..periods {
        text.push_str(&format!(",p{p}"));
    }
    text.push('\n');
    for (sku, y) in rows {
        text.push_str(sku);
        for v in y {
            text.push_str(&format!(",{v}"));
        }
        text.push('\n');
    }
    std::fs::write(path, text).unwrap();
}

fn add(a: &[f64], b: &[f64], share: f64) -> Vec<f64> {
    a.iter().zip(b).map(|(x, y)| x + share * y).collect()
}

struct Files {
    dir: tempfile::TempDir,
}

impl Files {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn write(&self, name: &str, text: &str) -> String {
        let p = self.path(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    }

    fn demand(&self, name: &str, rows: &[(&str, Vec<f64>)]) -> String {
        let p = self.path(name);
        write_demand(&p, rows);
        p.to_str().unwrap().to_string()
    }

    fn out(&self, name: &str) -> String {
        self.path(name).to_str().unwrap().to_string()
    }
}

fn lines(path: &str) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

fn row_of<'a>(lines: &'a [String], sku: &str) -> &'a str {
    lines
        .iter()
        .find(|l| l.split(',').next() == Some(sku))
        .unwrap_or_else(|| panic!("no row for {sku} in {lines:?}"))
}

fn policy(demand: &str, items: &str, out: &str, extra: &[&str]) -> anyhow::Result<()> {
    let mut args = vec![
        "policy",
        "--demand",
        demand,
        "--items",
        items,
        "--target-fill",
        "0.95",
        "--allocation",
        "item",
        "--method",
        "sba",
        "--out",
        out,
    ];
    args.extend_from_slice(extra);
    plan(&args)
}

const ITEMS_HEADER: &str = "sku,lead_time,unit_cost,order_cost,holding_cost_per_unit_per_period,moq,pack_size,replaces,replaces_share";

#[test]
fn a_successor_is_planned_on_its_own_history_plus_the_predecessors_times_the_share() {
    let f = Files::new();
    let (old, new, other) = (series(0, 40), series(1, 40), series(2, 40));
    let demand = f.demand(
        "d.csv",
        &[
            ("OLD", old.clone()),
            ("NEW", new.clone()),
            ("X", other.clone()),
        ],
    );
    for (share_cell, share) in [("", 1.0), ("0.5", 0.5)] {
        let items = f.write(
            "i.csv",
            &format!(
                "{ITEMS_HEADER}\nOLD,2,1,5,0.01,0,1,,\nNEW,2,1,5,0.01,0,1,OLD,{share_cell}\nX,2,1,5,0.01,0,1,,\n"
            ),
        );
        let with = f.out("with.csv");
        policy(&demand, &items, &with, &[]).unwrap();
        // The same plan computed by hand: NEW's series summed beforehand, no `replaces`.
        let summed = f.demand(
            "summed.csv",
            &[
                ("OLD", old.clone()),
                ("NEW", add(&new, &old, share)),
                ("X", other.clone()),
            ],
        );
        let plain = f.write(
            "plain.csv",
            &format!(
                "{ITEMS_HEADER}\nOLD,2,1,5,0.01,0,1,,\nNEW,2,1,5,0.01,0,1,,\nX,2,1,5,0.01,0,1,,\n"
            ),
        );
        let by_hand = f.out("by_hand.csv");
        policy(&summed, &plain, &by_hand, &[]).unwrap();
        let (a, b) = (lines(&with), lines(&by_hand));
        assert_eq!(a, b, "share {share}");
        // And it differs from NEW planned alone, and OLD keeps its own series.
        let alone = f.out("alone.csv");
        policy(&demand, &plain, &alone, &[]).unwrap();
        let alone = lines(&alone);
        assert_ne!(row_of(&a, "NEW"), row_of(&alone, "NEW"), "share {share}");
        assert_eq!(row_of(&a, "OLD"), row_of(&alone, "OLD"));
    }
}

/// `plan forecast --method historic_average --horizon 1` with `items`: the output rows
/// and each sku's one-step forecast.
fn historic_average_levels(
    f: &Files,
    demand: &str,
    items: &str,
) -> (Vec<String>, impl Fn(&str) -> f64) {
    let out = f.out("f.csv");
    plan(&[
        "forecast",
        "--demand",
        demand,
        "--items",
        items,
        "--horizon",
        "1",
        "--method",
        "historic_average",
        "--out",
        &out,
    ])
    .unwrap();
    let rows = lines(&out);
    let lookup = rows.clone();
    let level = move |sku: &str| -> f64 {
        row_of(&lookup, sku)
            .rsplit(',')
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    (rows, level)
}

#[test]
fn chains_and_successors_without_history_inherit_through_every_link() {
    let f = Files::new();
    let (a, b) = (series(3, 30), series(4, 30));
    let demand = f.demand("d.csv", &[("A", a.clone()), ("B", b.clone())]);
    // C is a new part (no demand row) replacing B at half; B replaces A fully.
    let items = f.write(
        "i.csv",
        "sku,replaces,replaces_share,lead_time\nC,B,0.5,1\nB,A,,1\nA,,,1\n",
    );
    let (rows, level) = historic_average_levels(&f, &demand, &items);
    let mean = |y: &[f64]| y.iter().sum::<f64>() / y.len() as f64;
    let b_inherited = add(&b, &a, 1.0);
    let c = add(&vec![0.0; 30], &b_inherited, 0.5);
    assert!((level("A") - mean(&a)).abs() < 1e-9);
    assert!((level("B") - mean(&b_inherited)).abs() < 1e-9);
    assert!((level("C") - mean(&c)).abs() < 1e-9);
    assert_eq!(rows.len(), 4, "header and A, B, C: {rows:?}");
}

#[test]
fn a_predecessor_split_between_two_successors_hands_each_its_share() {
    let f = Files::new();
    let a = series(5, 30);
    let demand = f.demand("d.csv", &[("A", a.clone())]);
    // B and C are new parts taking 60 % and 40 % of A's demand.
    let items = f.write(
        "i.csv",
        "sku,replaces,replaces_share\nA,,\nB,A,0.6\nC,A,0.4\n",
    );
    let (_, level) = historic_average_levels(&f, &demand, &items);
    let mean = a.iter().sum::<f64>() / a.len() as f64;
    assert!((level("A") - mean).abs() < 1e-6, "A keeps its own history");
    assert!((level("B") - 0.6 * mean).abs() < 1e-6);
    assert!((level("C") - 0.4 * mean).abs() < 1e-6);
}

#[test]
fn successors_taking_more_than_all_of_a_predecessors_demand_are_an_error() {
    // 0.7 + 0.5 would count 20 % of A's demand twice; the row that goes over is named.
    assert_items_error(
        "sku,replaces_share,replaces\nA,,\nB,0.7,A\nC,0.5,A\n",
        "line 4, column 3 (replaces): the successors of \"A\" (B, C) take 1.2 of its demand in total; the shares of one predecessor may add up to at most 1",
    );
    // Blank shares are 1: two full successors of one part are refused too.
    assert_items_error(
        "sku,replaces\nA,\nB,A\nC,A\n",
        "line 4, column 2 (replaces): the successors of \"A\" (B, C) take 2 of its demand",
    );
}

#[test]
fn forecast_and_simulate_read_successors_from_the_same_items_columns() {
    let f = Files::new();
    let (old, new) = (series(5, 36), series(6, 36));
    let demand = f.demand("d.csv", &[("OLD", old.clone()), ("NEW", new.clone())]);
    let summed = f.demand(
        "s.csv",
        &[("OLD", old.clone()), ("NEW", add(&new, &old, 0.25))],
    );
    let items = f.write(
        "i.csv",
        "sku,lead_time,replaces,replaces_share\nNEW,1,OLD,0.25\nOLD,1,,\n",
    );
    let plain = f.write("p.csv", "sku,lead_time\nNEW,1\nOLD,1\n");
    let forecast = |d: &str, i: &str, out: &str| {
        plan(&[
            "forecast",
            "--demand",
            d,
            "--items",
            i,
            "--horizon",
            "3",
            "--method",
            "ses",
            "--out",
            out,
        ])
        .unwrap();
        lines(out)
    };
    let with = forecast(&demand, &items, &f.out("f1.csv"));
    assert_eq!(with, forecast(&summed, &plain, &f.out("f2.csv")));
    assert_ne!(with, forecast(&demand, &plain, &f.out("f3.csv")));
    let simulate = |d: &str, i: &str, name: &str| {
        let out = f.out(name);
        plan(&[
            "simulate",
            "--demand",
            d,
            "--items",
            i,
            "--holdout",
            "12",
            "--target-csl",
            "0.9",
            "--method",
            "sba",
            "--out",
            &out,
            "--summary-out",
            &f.out("summary.json"),
        ])
        .unwrap();
        lines(&out)
    };
    let with = simulate(&demand, &items, "s1.csv");
    assert_eq!(with, simulate(&summed, &plain, "s2.csv"));
    assert_ne!(with, simulate(&demand, &plain, "s3.csv"));
}

/// Runs policy, forecast (with `--items`) and simulate on `items`; each must fail with
/// `want` in the message and write nothing.
fn assert_items_error(items_text: &str, want: &str) {
    let f = Files::new();
    let demand = f.demand("d.csv", &[("A", series(7, 20)), ("B", series(8, 20))]);
    let items = f.write("i.csv", items_text);
    let out = f.out("out.csv");
    let errors = [
        policy(&demand, &items, &out, &[]).unwrap_err(),
        plan(&[
            "forecast",
            "--demand",
            &demand,
            "--items",
            &items,
            "--horizon",
            "2",
            "--out",
            &out,
        ])
        .unwrap_err(),
        plan(&[
            "simulate",
            "--demand",
            &demand,
            "--items",
            &items,
            "--holdout",
            "5",
            "--target-csl",
            "0.9",
            "--out",
            &out,
            "--summary-out",
            &f.out("s.json"),
        ])
        .unwrap_err(),
    ];
    for e in errors {
        let msg = format!("{e:#}");
        assert!(
            msg.contains(&format!("i.csv: {want}")),
            "{msg}\nwanted {want}"
        );
    }
    assert_eq!(
        std::fs::read_dir(f.dir.path()).unwrap().count(),
        2,
        "only the two inputs remain"
    );
}

#[test]
fn an_unknown_predecessor_is_an_error_naming_its_cell() {
    assert_items_error(
        "sku,lead_time,replaces\nA,1,\nB,1,Z\n",
        "line 3, column 3 (replaces): unknown predecessor sku \"Z\"",
    );
}

#[test]
fn a_part_replacing_itself_is_an_error() {
    assert_items_error(
        "sku,replaces\nA,\nB,B\n",
        "line 3, column 2 (replaces): part \"B\" cannot replace itself",
    );
}

#[test]
fn a_share_out_of_range_or_not_a_number_is_an_error() {
    for (cell, reason) in [
        ("0", "share 0 must be above 0 and at most 1"),
        ("1.5", "share 1.5 must be above 0 and at most 1"),
        ("-0.2", "share -0.2 must be above 0 and at most 1"),
        ("half", "\"half\" is not a number"),
    ] {
        assert_items_error(
            &format!("sku,replaces_share,replaces\nA,,\nB,{cell},A\n"),
            &format!("line 3, column 2 (replaces_share): {reason}"),
        );
    }
}

#[test]
fn a_cycle_of_replacements_is_an_error() {
    assert_items_error(
        "sku,replaces\nA,B\nB,A\n",
        "line 2, column 2 (replaces): replacements form a cycle (",
    );
}

fn events_policy_rows(events: &str) -> (Vec<String>, Vec<String>) {
    let f = Files::new();
    let demand = f.demand("d.csv", &[("A", series(9, 40)), ("B", series(10, 40))]);
    // Lead time 2 with weekly review: a protection interval of 3 periods.
    let items = f.write("i.csv", "sku,lead_time,pack_size\nA,2,1\nB,2,4\n");
    let events = f.write("e.csv", events);
    let (base, with) = (f.out("base.csv"), f.out("with.csv"));
    policy(&demand, &items, &base, &[]).unwrap();
    policy(&demand, &items, &with, &["--events", &events]).unwrap();
    (lines(&base), lines(&with))
}

fn cells(row: &str) -> Vec<f64> {
    row.split(',')
        .map(|c| c.parse().unwrap_or(f64::NAN))
        .collect()
}

#[test]
fn events_raise_reorder_point_and_max_by_the_event_units_inside_the_protection_interval() {
    // A: 10 units in steps 0-1 (inside), 12 in steps 1-4 of which 2 steps (6) inside,
    // 50 from step 3 (after the interval). B: none.
    let (base, with) = events_policy_rows(
        "note,replacement_rate,sku,start,periods,affected_units\n\
         recall,0.1,A,0,2,100\nfield fix,0.5,A,1,4,24\nlate,1,A,3,5,50\n",
    );
    let (b, w) = (cells(row_of(&base, "A")), cells(row_of(&with, "A")));
    // Columns: ltd_mean 5, min 8, reorder_point 9, max 10.
    assert!((w[5] - b[5] - 16.0).abs() < 1e-6, "{b:?} {w:?}");
    assert_eq!(w[8], b[8], "min unchanged");
    assert!((w[9] - b[9] - 16.0).abs() < 1e-6, "{b:?} {w:?}");
    assert!((w[10] - b[10] - 16.0).abs() < 1e-6, "{b:?} {w:?}");
    assert_eq!(row_of(&base, "B"), row_of(&with, "B"));
}

#[test]
fn event_demand_is_rounded_up_to_whole_pieces_of_a_pack() {
    // B counts packs of 4 pieces: 1.1 packs inside the interval raise the levels by 1.25.
    let (base, with) =
        events_policy_rows("sku,start,periods,affected_units,replacement_rate\nB,0,1,11,0.1\n");
    let (b, w) = (cells(row_of(&base, "B")), cells(row_of(&with, "B")));
    assert!((w[5] - b[5] - 1.1).abs() < 1e-6, "{b:?} {w:?}");
    assert!((w[9] - b[9] - 1.25).abs() < 1e-6, "{b:?} {w:?}");
    assert!((w[10] - b[10] - 1.25).abs() < 1e-6, "{b:?} {w:?}");
}

#[test]
fn forecast_with_events_adds_each_event_per_step_and_scores_the_base() {
    let f = Files::new();
    let demand = f.demand("d.csv", &[("A", series(11, 30)), ("B", series(12, 30))]);
    let events = f.write(
        "e.csv",
        "sku,start,periods,affected_units,replacement_rate\nA,1,2,30,0.2\nA,2,2,8,1\n",
    );
    let run_forecast = |extra: &[&str], name: &str| {
        let out = f.out(name);
        let metrics = f.out(&format!("{name}.json"));
        let mut args = vec![
            "forecast",
            "--demand",
            &demand,
            "--horizon",
            "5",
            "--holdout",
            "4",
            "--method",
            "sba",
            "--out",
            &out,
            "--metrics-out",
            &metrics,
        ];
        args.extend_from_slice(extra);
        plan(&args).unwrap();
        (lines(&out), std::fs::read_to_string(&metrics).unwrap())
    };
    let (base, base_metrics) = run_forecast(&[], "base.csv");
    let (with, with_metrics) = run_forecast(&["--events", &events], "with.csv");
    assert_eq!(base.len(), with.len());
    // Step s is event step s - 1: 3 per step over steps 1-2, 4 per step over steps 2-3.
    let added = [0.0, 3.0, 7.0, 4.0, 0.0];
    for (b, w) in base.iter().zip(&with).skip(1) {
        let (bc, wc): (Vec<&str>, Vec<&str>) = (b.split(',').collect(), w.split(',').collect());
        assert_eq!(bc[..4], wc[..4], "sku, method, class and step unchanged");
        let step: usize = bc[3].parse().unwrap();
        let want = if bc[0] == "A" { added[step - 1] } else { 0.0 };
        let diff = wc[4].parse::<f64>().unwrap() - bc[4].parse::<f64>().unwrap();
        assert!((diff - want).abs() < 1e-9, "{b} -> {w}");
    }
    assert_eq!(base_metrics, with_metrics, "metrics of the base forecast");
}

#[test]
fn bad_events_name_file_line_column_and_write_nothing() {
    for (row, want) in [
        ("Z,0,1,5,1", "line 3, column 1 (sku): unknown sku \"Z\""),
        (
            "A,0,0,5,1",
            "line 3, column 3 (periods): periods must be at least 1",
        ),
        (
            "A,-1,1,5,1",
            "line 3, column 2 (start): \"-1\" is not a whole number",
        ),
        (
            "A,0,1,-5,1",
            "line 3, column 4 (affected_units): \"-5\" must be a number ≥ 0",
        ),
        (
            "A,0,1,5,x",
            "line 3, column 5 (replacement_rate): \"x\" is not a number",
        ),
        // The product's limits, not a plan of infinities.
        (
            "A,0,1,1e300,1",
            "line 3, column 4 (affected_units): 1e300 is above the most allowed",
        ),
        (
            "A,0,1,5,101",
            "line 3, column 5 (replacement_rate): 101 is above the most allowed, 100",
        ),
        // A short or long row, named by line and column.
        (
            "A,0,1",
            "line 3, column 4 (affected_units): expected 5 columns as the header names, found 3",
        ),
        (
            "A,0,1,5,1,9",
            "line 3, column 6 (beyond the header): expected 5 columns as the header names, found 6",
        ),
    ] {
        let f = Files::new();
        let demand = f.demand("d.csv", &[("A", series(13, 20))]);
        let items = f.write("i.csv", "sku,lead_time\nA,1\n");
        let events = f.write(
            "e.csv",
            &format!("sku,start,periods,affected_units,replacement_rate\nA,0,1,1,1\n{row}\n"),
        );
        let out = f.out("out.csv");
        let errors = [
            policy(&demand, &items, &out, &["--events", &events]).unwrap_err(),
            plan(&[
                "forecast",
                "--demand",
                &demand,
                "--events",
                &events,
                "--horizon",
                "2",
                "--out",
                &out,
            ])
            .unwrap_err(),
        ];
        for e in errors {
            let msg = format!("{e:#}");
            assert!(
                msg.contains(&format!("e.csv: {want}")),
                "{msg}\nwanted {want}"
            );
        }
        assert!(!Path::new(&out).exists());
        assert_eq!(std::fs::read_dir(f.dir.path()).unwrap().count(), 3);
    }
}
