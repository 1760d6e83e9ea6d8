//! `aftercare plan simulate`: replay the policy over the last `--holdout` periods.
//!
//! The replay rules (refit every period, orders arriving after the lead time, full
//! backordering, warm-up of `L` periods, what is measured) are those of
//! `aftercare_planning::simulate`; every period is planned with the estimate `plan policy`
//! would make from the history up to it (`crate::replay::series_prefix_estimates`). With
//! `--target-fill F` and `--allocation aggregate` (the default) one shortage worth for all
//! items is calibrated first by replaying the `--calibration-window` periods just before
//! the holdout (default: the holdout length, or half the history before the holdout when
//! that leaves none before the window, said on stderr; with a single period before the
//! holdout every item is planned to `F` on its own) (history only; on at most
//! `--calibration-sample` series, see
//! `crate::replay`), so that their aggregate fill is `F`; the holdout is then replayed with
//! that worth (what the product's `warehouse_history` allocation does, on the last half
//! of a run's history). With `--allocation expected` the worth is instead the one at which the
//! items' expected fill, from the estimates made on the history before the holdout, is `F`
//! (what the product's warehouse allocation does). With `--recalibrate-every N` either
//! worth is calibrated again at the start of every N-th period of the holdout, from the
//! history up to it (the calibration window slides along), and every period is planned
//! with the latest worth: the product calibrates at every planning run, so a weekly run
//! is `--recalibrate-every 1`. `--baseline` runs the data README's baseline instead.
//!
//! Successor parts in the items file replay their inherited history (see
//! `crate::lifecycle`). There is no `--events`: a replay of history has no announced events.
//!
//! The summary JSON holds the totals of `simulate::SimulationSummary`, the settings, the
//! calibration, and, for reading the result, the fill on items that had demand before the
//! holdout and the shortage share of items whose first demand falls inside it. The
//! per-item CSV (`--out`) has one row per item with the same measures (see
//! [`ITEMS_HEADER`]); `fill_rate` and `cycle_service_level` are blank for an item without
//! demand in the measured periods.
//!
//! Both outputs are checked before anything is computed (each must be a file path in an
//! existing directory, not a directory, and not the other's); the per-item CSV is moved
//! into place just before the summary.

use std::io::Write;
use std::path::PathBuf;

use aftercare_planning::policy::DemandEstimate;
use aftercare_planning::policy::ServiceTarget;
use aftercare_planning::simulate::{
    ItemOutcome, simulate_with_estimates, simulate_with_targets, summarize,
};
use anyhow::Context;
use rayon::prelude::*;

use crate::common::{
    AtomicFile, Forecaster, ForecasterBuffers, check_outputs, no_forecast_warning, push_csv_field,
    write_json,
};
use crate::input::read_demand;
use crate::lifecycle::with_items;
use crate::numbers::num;
use crate::plan_args::{PlanArgs, calibration_window};
use crate::replay::{
    ReplaySet, calibration_sample, expected_worth, measured_volume, per_item_target,
    prefix_estimates_of,
};

/// Arguments of `aftercare plan simulate`.
#[derive(Debug, clap::Args)]
pub struct SimulateArgs {
    /// Demand CSV: long `sku,period,qty` or wide `sku,<p0>,<p1>,...`.
    #[arg(long)]
    pub demand: PathBuf,
    /// Periods at the end of every series to replay.
    #[arg(long)]
    pub holdout: usize,
    /// Policy settings.
    #[command(flatten)]
    pub plan: PlanArgs,
    /// Periods before the holdout replayed to calibrate an aggregate fill target
    /// (default: the holdout length, or half the history before the holdout when that
    /// leaves no history before the window).
    #[arg(long = "calibration-window")]
    pub calibration_window: Option<usize>,
    /// Periods between calibrations of the shortage worth of an aggregate or expected
    /// fill target (`--allocation aggregate|expected`): 0 calibrates once, before the
    /// holdout; N calibrates again at the start of every N-th period of the holdout from
    /// the history up to it, as the product does at every planning run.
    #[arg(long = "recalibrate-every", default_value_t = 0)]
    pub recalibrate_every: usize,
    /// Per-item results CSV.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Totals JSON.
    #[arg(long = "summary-out")]
    pub summary_out: PathBuf,
}

/// Run the command.
pub fn run(args: SimulateArgs) -> anyhow::Result<()> {
    let mut outputs = vec![("--summary-out", args.summary_out.as_path())];
    outputs.extend(args.out.as_deref().map(|o| ("--out", o)));
    check_outputs(&outputs)?;
    let settings = args.plan.settings()?;
    let pool = args.plan.threads.pool()?;
    let (panel, params) = with_items(read_demand(&args.demand)?, &args.plan.items)?;
    let t = panel.periods();
    anyhow::ensure!(
        args.holdout >= 1 && args.holdout < t,
        "--holdout {} must be between 1 and {} (the periods of {})",
        args.holdout,
        t - 1,
        args.demand.display()
    );
    let t0 = t - args.holdout;
    anyhow::ensure!(
        args.recalibrate_every == 0
            || settings.calibrates()
            || settings.expected_fill_target().is_some(),
        "--recalibrate-every needs a worth to recalibrate: --target-fill with --allocation aggregate or expected (not --baseline)"
    );
    let window = if settings.calibrates() {
        let (window, note) = calibration_window(
            args.calibration_window,
            args.holdout,
            t0,
            "of history before the holdout",
        )?;
        if let Some(note) = note {
            eprintln!("{note}");
        }
        window
    } else {
        None
    };
    let started = std::time::Instant::now();
    pool.install(|| {
        let mut cfg = settings.sim;
        cfg.holdout = args.holdout;
        let horizon_of = |i: usize| cfg.spec.review.protection(params[i].lead_time);
        let all: Vec<usize> = (0..panel.len()).collect();
        let estimates = prefix_estimates_of(
            &panel,
            &all,
            &settings.forecaster,
            horizon_of,
            cfg.variance,
            cfg.errors,
        );
        let without = no_forecast_before(&panel, &settings.forecaster, t0);
        if let Some(w) = no_forecast_warning(without, panel.len(), &args.plan.method.method) {
            eprintln!(
                "{w} at the start of the holdout; they are planned with no stock until it has one"
            );
        }
        let starts = calibration_starts(t0, t, args.recalibrate_every);
        let calibrations: Vec<WorthCalibration> = match (window, settings.target) {
            (Some(window), ServiceTarget::FillRate(f)) => starts
                .iter()
                .map(|&start| {
                    let volume = measured_volume(&panel, &params, start, window);
                    let sample = calibration_sample(&volume, args.plan.calibration_sample);
                    let sampled: Vec<Vec<DemandEstimate>> =
                        sample.ids.iter().map(|&i| estimates[i].clone()).collect();
                    let set = ReplaySet {
                        panel: &panel,
                        ids: &sample.ids,
                        weights: &sample.weights,
                        estimates: &sampled,
                        items: &params,
                    };
                    let c = set.calibrate(&cfg, start, window, f);
                    WorthCalibration {
                        start,
                        worth: c.worth,
                        json: serde_json::json!({
                            "period": start,
                            "window": window,
                            "series": sample.ids.len(),
                            "worth": c.worth,
                            "backtest_fill": c.achieved,
                            "reachable": c.reachable,
                        }),
                    }
                })
                .collect(),
            _ => match settings.expected_fill_target() {
                Some(f) => starts
                    .iter()
                    .map(|&start| {
                        let a = expected_worth(
                            &panel,
                            &params,
                            |i| estimates[i][start],
                            start,
                            &cfg.spec,
                            cfg.seed,
                            f,
                        );
                        WorthCalibration {
                            start,
                            worth: a.worth,
                            json: serde_json::json!({
                                "period": start,
                                "worth": a.worth,
                                "expected_fill": a.expected_fill,
                                "expected_stock_value": a.stock_value,
                                "reached": a.reached,
                            }),
                        }
                    })
                    .collect(),
                None => Vec::new(),
            },
        };
        if let Some(first) = calibrations.first() {
            cfg.spec.target = ServiceTarget::ShortageWorth(first.worth);
        }
        let worth_at = |t_end: usize| {
            let k = calibrations.partition_point(|c| c.start <= t_end);
            ServiceTarget::ShortageWorth(calibrations[k.max(1) - 1].worth)
        };
        let outcomes: Vec<ItemOutcome> = (0..panel.len())
            .into_par_iter()
            .map(|i| {
                let item_cfg = per_item_target(&cfg, &params[i], settings.target);
                let (y, e, item) = (panel.series(i), &estimates[i], &params[i]);
                match item_cfg.spec.target {
                    ServiceTarget::ShortageWorth(_) => {
                        simulate_with_targets(y, e, item, &item_cfg, i as u64, worth_at)
                    }
                    _ => simulate_with_estimates(y, e, item, &item_cfg, i as u64),
                }
            })
            .collect();
        let summary = summarize(&outcomes);
        let split = NewItemSplit::of(&panel, &outcomes, t0);
        let doc = serde_json::json!({
            "fill_rate": summary.fill_rate,
            "mean_item_fill_rate": summary.mean_item_fill_rate,
            "cycle_service_level": summary.cycle_service_level,
            "avg_on_hand_units": summary.avg_on_hand_units,
            "avg_on_hand_value": summary.avg_on_hand_value,
            "orders": summary.orders,
            "items": summary.items,
            "items_with_demand": summary.items_with_demand,
            "stockout_periods": summary.stockout_periods,
            "demand": summary.demand,
            "filled": summary.filled,
            "fill_rate_items_with_history": split.fill_with_history,
            "new_items": split.new_items,
            "new_items_shortage_share": split.new_shortage_share,
            "new_items_demand_share": split.new_demand_share,
            "holdout": args.holdout,
            "target": target_json(settings.target),
            "method": args.plan.method.method,
            "baseline": args.plan.baseline,
            "settings": format!("{:?}", cfg),
            "calibration": settings.calibrates().then(|| calibrations.first().map(|c| &c.json)).flatten(),
            "expected_calibration": settings.expected_fill_target().and(calibrations.first().map(|c| &c.json)),
            "recalibrate_every": args.recalibrate_every,
            "recalibrations": (args.recalibrate_every > 0)
                .then(|| calibrations.iter().map(|c| &c.json).collect::<Vec<_>>()),
            "seconds": started.elapsed().as_secs_f64(),
        });
        let item_file = match &args.out {
            Some(path) => Some(write_items_csv(path, &panel, &outcomes)?),
            None => None,
        };
        let summary_file = write_json(&args.summary_out, &doc)?;
        if let Some(f) = item_file {
            f.commit()?;
        }
        summary_file
            .commit()
            .with_context(|| format!("writing {}", args.summary_out.display()))
    })
}

/// One calibration of the shortage worth, in force for the policies computed from the
/// history up to `start` and after (until the next one).
struct WorthCalibration {
    start: usize,
    worth: f64,
    json: serde_json::Value,
}

/// The periods of a series of `len` periods whose holdout starts at `t0` at which the
/// worth is calibrated: `t0` only, or every `every`-th period from it.
fn calibration_starts(t0: usize, len: usize, every: usize) -> Vec<usize> {
    if every == 0 {
        vec![t0]
    } else {
        (t0..len).step_by(every).collect()
    }
}

fn target_json(t: ServiceTarget) -> serde_json::Value {
    match t {
        ServiceTarget::FillRate(f) => serde_json::json!({ "fill_rate": f }),
        ServiceTarget::CycleServiceLevel(c) => serde_json::json!({ "cycle_service_level": c }),
        ServiceTarget::ShortageWorth(w) => serde_json::json!({ "shortage_worth": w }),
    }
}

/// Items without any demand before the holdout, measured apart (for reading the result;
/// the planner itself never uses this split).
struct NewItemSplit {
    fill_with_history: f64,
    new_items: usize,
    new_shortage_share: f64,
    new_demand_share: f64,
}

impl NewItemSplit {
    fn of(panel: &aftercare_planning::series::Panel, outcomes: &[ItemOutcome], t0: usize) -> Self {
        let (mut d_old, mut f_old, mut d_new, mut f_new, mut n_new) = (0.0, 0.0, 0.0, 0.0, 0);
        for (i, o) in outcomes.iter().enumerate() {
            if panel.series(i)[..t0].iter().any(|&q| q > 0.0) {
                d_old += o.demand;
                f_old += o.filled;
            } else if o.demand > 0.0 {
                n_new += 1;
                d_new += o.demand;
                f_new += o.filled;
            }
        }
        let short = (d_old - f_old) + (d_new - f_new);
        let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { 0.0 };
        Self {
            fill_with_history: if d_old > 0.0 { f_old / d_old } else { 1.0 },
            new_items: n_new,
            new_shortage_share: ratio(d_new - f_new, short),
            new_demand_share: ratio(d_new, d_old + d_new),
        }
    }
}

/// Series of `panel` the forecaster gives no forecast for from their first `end` periods
/// (a fixed method with too short a history, e.g. `ma` with a longer window; `auto`
/// always has one).
fn no_forecast_before(
    panel: &aftercare_planning::series::Panel,
    forecaster: &Forecaster,
    end: usize,
) -> usize {
    if matches!(forecaster, Forecaster::Auto(_)) {
        return 0;
    }
    let ids: Vec<usize> = (0..panel.len()).collect();
    ids.par_chunks(2048)
        .map_init(ForecasterBuffers::default, |buf, chunk| {
            let ys: Vec<&[f64]> = chunk.iter().map(|&i| &panel.series(i)[..end]).collect();
            let mut out = Vec::with_capacity(ys.len());
            forecaster.forecast_levels(&ys, 1, &mut out, buf);
            out.iter().filter(|f| f.level.is_nan()).count()
        })
        .sum()
}

/// Header of the per-item CSV: measured periods, units demanded and filled from stock,
/// their ratio, periods with demand, the share of them filled completely (cycle service
/// level), periods with a stockout, average stock on hand in units and value, and orders
/// placed in the measured periods.
pub const ITEMS_HEADER: &str = "sku,periods,demand,filled,fill_rate,stockout_periods,avg_on_hand,avg_on_hand_value,orders,demand_periods,cycle_service_level";

fn write_items_csv(
    path: &std::path::Path,
    panel: &aftercare_planning::series::Panel,
    outcomes: &[ItemOutcome],
) -> anyhow::Result<AtomicFile> {
    let mut f = AtomicFile::create(path)?;
    let w = f.writer();
    w.write_all(ITEMS_HEADER.as_bytes())?;
    w.write_all(b"\n")?;
    for (i, o) in outcomes.iter().enumerate() {
        let mut row = Vec::with_capacity(96);
        push_csv_field(&mut row, panel.key(i));
        let cells = [
            o.periods.to_string(),
            num(o.demand),
            num(o.filled),
            o.fill_rate().map_or_else(String::new, num),
            o.stockout_periods.to_string(),
            num(o.avg_on_hand()),
            num(o.avg_on_hand() * o.unit_cost),
            o.orders.to_string(),
            o.demand_periods.to_string(),
            o.cycle_service_level().map_or_else(String::new, num),
        ];
        for c in cells {
            row.push(b',');
            row.extend_from_slice(c.as_bytes());
        }
        row.push(b'\n');
        w.write_all(&row)?;
    }
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aftercare_planning::forecast::{Method, MethodParams};
    use aftercare_planning::series::Panel;

    #[test]
    fn series_without_a_forecast_before_the_holdout_are_counted() {
        let panel = Panel::new(
            vec!["a".into(), "b".into()],
            4,
            vec![1.0, 0.0, 2.0, 1.0, 0.0, 0.0, 0.0, 0.0],
        )
        .unwrap();
        let ma = |window| Forecaster::Fixed {
            method: Method::from_code(
                "ma",
                &MethodParams {
                    window,
                    ..MethodParams::default()
                },
            )
            .unwrap(),
            origins: 1,
        };
        assert_eq!(no_forecast_before(&panel, &ma(3), 2), 2);
        assert_eq!(no_forecast_before(&panel, &ma(2), 2), 0);
        assert_eq!(
            no_forecast_warning(2, 2, "ma").unwrap(),
            "warning: 2 of 2 series have no forecast from --method ma (too short a history for it)"
        );
        assert_eq!(no_forecast_warning(0, 2, "ma"), None);
    }
}
