//! `aftercare plan policy`: stock levels per item from demand history and item data.
//!
//! Per sku, in parallel blocks: the forecaster is fitted once on the whole history (for
//! `auto`, one backtest selection); the mean per period is its forecast and the variance
//! comes from the one-step errors of the same fit rolled over the history
//! (`aftercare_planning::estimate`, the replay's variance rules without the replay's refit
//! on every prefix); `aftercare_planning::policy::compute_policy` turns them into
//! `min, reorder_point, max, eoq`; the `eoq` column is the engine's √(2·D·K/h) rounded as
//! an order is (`aftercare_planning::policy::round_order`: up to the item's MOQ, then up to
//! a whole counting unit, i.e. whole pieces of a pack; 0 without an order or holding cost
//! or without demand). Rows are formatted in parallel and written in input order. Series
//! the method gives no forecast for are planned with no stock, with a warning on stderr.
//!
//! With `--target-fill F` and `--allocation aggregate` (the default) the fill target is met
//! over all items together: one shortage worth for every item, calibrated by replaying the
//! last `--calibration-window` periods of the history (52 by default, or half the history
//! when it has 52 periods or fewer, said on stderr; with a single period there is nothing
//! to replay and every item is planned to `F`) (on at most `--calibration-sample`
//! series drawn by demand volume, see `crate::replay`; like `plan simulate`, the replay
//! plans every period from the history up to it) so that their aggregate fill is `F` (see
//! `aftercare_planning::simulate::calibrate_worth`).
//! `--allocation expected` calibrates the worth instead so that the items' expected fill
//! from their estimates is `F` (the product's warehouse allocation).
//! `--allocation item` plans each item to `F` on its own. `--target-csl C` always plans
//! each item to `C`.
//!
//! Successor parts in the items file are planned on their inherited history, and
//! `--events` adds known event demand inside the protection interval to the levels (see
//! `crate::lifecycle` and `aftercare_planning::lifecycle::with_event_demand`); neither
//! changes the calibration, which replays history.
//!
//! Timings of the phases go to stderr.

use std::io::Write;
use std::ops::Range;
use std::path::PathBuf;
use std::time::Instant;

use aftercare_planning::classify::{DemandClass, classify};
use aftercare_planning::lifecycle::{event_demand_within, with_event_demand};
use aftercare_planning::policy::{
    DemandEstimate, ItemParams, ServiceTarget, compute_policy, round_order,
};
use aftercare_planning::series::Panel;
use aftercare_planning::simulate::{Calibration, SimConfig};
use anyhow::Context;
use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::common::{
    AtomicFile, ForecasterBuffers, check_outputs, no_forecast_warning, progress, push_csv_field,
};
use crate::input::read_demand;
use crate::lifecycle::{Events, read_events, with_items};
use crate::numbers::{push_num, push_u64};
use crate::plan_args::{PlanArgs, Settings, calibration_window};
use crate::replay::{
    ReplaySet, calibration_sample, expected_worth, measured_volume, per_item_target,
    prefix_estimates_of,
};

/// Header of the policy CSV (the CLI contract).
pub const HEADER: &str = "sku,method,class,mean_per_period,lead_time,ltd_mean,ltd_sd,distribution,min,reorder_point,max,eoq";

/// Series per parallel task.
const BLOCK: usize = 2048;
/// Formatted blocks held in memory before being written.
const BLOCKS_PER_BATCH: usize = 32;

/// Arguments of `aftercare plan policy`.
#[derive(Debug, clap::Args)]
pub struct PolicyArgs {
    /// Demand CSV: long `sku,period,qty` or wide `sku,<p0>,<p1>,...`.
    #[arg(long)]
    pub demand: PathBuf,
    /// Output CSV `sku,method,class,mean_per_period,lead_time,ltd_mean,ltd_sd,distribution,min,reorder_point,max,eoq`.
    #[arg(long)]
    pub out: PathBuf,
    /// Policy settings.
    #[command(flatten)]
    pub plan: PlanArgs,
    /// Replay window (periods at the end of the history) used to calibrate an aggregate
    /// fill target (default: 52, or half the history when it has 52 periods or fewer).
    #[arg(long = "calibration-window")]
    pub calibration_window: Option<usize>,
    /// Event demand (recalls) CSV `sku,start,periods,affected_units,replacement_rate`:
    /// affected_units × replacement_rate parts spread evenly over `periods` forecast steps
    /// from step `start` (0 = the first). The part inside the protection interval raises
    /// ltd_mean, reorder_point and max; min (the safety stock) is unchanged.
    #[arg(long)]
    pub events: Option<PathBuf>,
}

/// Run the command.
pub fn run(args: PolicyArgs) -> anyhow::Result<()> {
    check_outputs(&[("--out", &args.out)])?;
    let settings = args.plan.settings()?;
    let pool = args.plan.threads.pool()?;
    let clock = Instant::now();
    let panel = pool.install(|| read_demand(&args.demand))?;
    let (panel, params) = with_items(panel, &args.plan.items)?;
    let events = match &args.events {
        Some(path) => read_events(path, &panel)?,
        None => Events::default(),
    };
    let read_seconds = clock.elapsed().as_secs_f64();
    let job = Job {
        args: &args,
        settings: &settings,
        panel: &panel,
        params: &params,
        events: &events,
    };
    pool.install(|| job.run(read_seconds))
}

/// Default of `--calibration-window`.
pub const DEFAULT_CALIBRATION_WINDOW: usize = 52;

/// One series' demand estimate and what the output needs of its fit.
#[derive(Clone, Copy)]
struct Planned {
    est: DemandEstimate,
    members: u32,
    class: DemandClass,
    /// The method gave no forecast (planned with no stock).
    no_forecast: bool,
}

/// Everything a worker needs.
struct Job<'a> {
    args: &'a PolicyArgs,
    settings: &'a Settings,
    panel: &'a Panel,
    params: &'a [ItemParams],
    events: &'a Events,
}

impl Job<'_> {
    fn run(&self, read_seconds: f64) -> anyhow::Result<()> {
        let clock = Instant::now();
        let planned = self.estimate_all();
        let without = planned.iter().filter(|p| p.no_forecast).count();
        if let Some(w) = no_forecast_warning(without, planned.len(), &self.args.plan.method.method)
        {
            eprintln!("{w}; they are planned with no stock");
        }
        let estimate_seconds = clock.elapsed().as_secs_f64();
        let clock = Instant::now();
        let (cfg, calibration) = self.calibrated_config(&planned)?;
        let calibrate_seconds = clock.elapsed().as_secs_f64();
        if let Some((c, n)) = calibration {
            eprintln!(
                "plan policy: shortage worth {:.6e} calibrated on {n} series (backtest fill {:.4})",
                c.worth, c.achieved
            );
        }
        let sample = calibration.map_or(0, |(_, n)| n);
        let clock = Instant::now();
        self.write_all(&planned, &cfg)?;
        eprintln!(
            "plan policy: {} series x {} periods; read {read_seconds:.3} s, estimate {estimate_seconds:.3} s, calibrate {calibrate_seconds:.3} s ({sample} series), policy and write {:.3} s",
            self.panel.len(),
            self.panel.periods(),
            clock.elapsed().as_secs_f64()
        );
        Ok(())
    }

    fn horizon(&self, i: usize) -> usize {
        self.settings
            .sim
            .spec
            .review
            .protection(self.params[i].lead_time)
    }

    /// Fit, estimate and classify every series in parallel blocks.
    fn estimate_all(&self) -> Vec<Planned> {
        let n = self.panel.len();
        let bar = progress(n as u64, "estimating");
        let starts: Vec<usize> = (0..n).step_by(BLOCK).collect();
        let blocks: Vec<Vec<Planned>> = starts
            .par_iter()
            .map_init(ForecasterBuffers::default, |buf, &first| {
                let range = first..(first + BLOCK).min(n);
                let len = range.len() as u64;
                let block = range.map(|i| self.estimate(i, buf)).collect();
                bar.inc(len);
                block
            })
            .collect();
        bar.finish_and_clear();
        blocks.concat()
    }

    fn estimate(&self, i: usize, buf: &mut ForecasterBuffers) -> Planned {
        let y = self.panel.series(i);
        let sim = &self.settings.sim;
        let (f, est) =
            self.settings
                .forecaster
                .estimate(y, self.horizon(i), sim.variance, sim.errors, buf);
        Planned {
            est,
            members: f.members,
            class: classify(y, &self.args.plan.class.config()).class,
            no_forecast: f.level.is_nan(),
        }
    }

    /// The replay settings with the target to plan with: for an aggregate fill target,
    /// the calibrated shortage worth, returned too with the number of series replayed.
    /// For a fill target met in expectation, the worth at which the estimates' expected
    /// fill is the target.
    fn calibrated_config(
        &self,
        planned: &[Planned],
    ) -> anyhow::Result<(SimConfig, Option<(Calibration, usize)>)> {
        let mut cfg = self.settings.sim;
        if let Some(f) = self.settings.expected_fill_target() {
            let a = expected_worth(
                self.panel,
                self.params,
                |i| planned[i].est,
                self.panel.periods(),
                &cfg.spec,
                cfg.seed,
                f,
            );
            eprintln!(
                "plan policy: shortage worth {:.6e} for an expected fill of {:.4}",
                a.worth, a.expected_fill
            );
            if !a.reached {
                eprintln!(
                    "warning: an expected fill of {f} is not reached at the highest worth searched; planning with it"
                );
            }
            cfg.spec.target = ServiceTarget::ShortageWorth(a.worth);
            return Ok((cfg, None));
        }
        let (true, ServiceTarget::FillRate(f)) = (self.settings.calibrates(), self.settings.target)
        else {
            return Ok((cfg, None));
        };
        let end = self.panel.periods();
        let (window, note) = calibration_window(
            self.args.calibration_window,
            DEFAULT_CALIBRATION_WINDOW,
            end,
            "of history",
        )?;
        if let Some(note) = note {
            eprintln!("{note}");
        }
        let Some(window) = window else {
            return Ok((cfg, None));
        };
        let volume = measured_volume(self.panel, self.params, end, window);
        let sample = calibration_sample(&volume, self.args.plan.calibration_sample);
        let sim = &self.settings.sim;
        let estimates = prefix_estimates_of(
            self.panel,
            &sample.ids,
            &self.settings.forecaster,
            |i| self.horizon(i),
            sim.variance,
            sim.errors,
        );
        let set = ReplaySet {
            panel: self.panel,
            ids: &sample.ids,
            weights: &sample.weights,
            estimates: &estimates,
            items: self.params,
        };
        let c = set.calibrate(&cfg, end, window, f);
        if !c.reachable {
            eprintln!(
                "warning: fill {f} not reached on the last {window} periods; planning for {:.4}, within 0.15 points of the most they reach",
                c.achieved
            );
        }
        cfg.spec.target = ServiceTarget::ShortageWorth(c.worth);
        Ok((cfg, Some((c, sample.ids.len()))))
    }

    /// Compute the policies and write them, formatted in parallel blocks, in input order.
    fn write_all(&self, planned: &[Planned], cfg: &SimConfig) -> anyhow::Result<()> {
        let mut names: FxHashMap<u32, String> = FxHashMap::default();
        for p in planned {
            names
                .entry(p.members)
                .or_insert_with(|| self.settings.forecaster.name_of(p.members));
        }
        let mut out = AtomicFile::create(&self.args.out)?;
        out.writer().write_all(HEADER.as_bytes())?;
        out.writer().write_all(b"\n")?;
        let bar = progress(planned.len() as u64, "planning");
        let starts: Vec<usize> = (0..planned.len()).step_by(BLOCK).collect();
        for batch in starts.chunks(BLOCKS_PER_BATCH) {
            let blocks: Vec<Vec<u8>> = batch
                .par_iter()
                .map(|&first| {
                    let range = first..(first + BLOCK).min(planned.len());
                    let len = range.len() as u64;
                    let bytes = self.format_block(range, planned, cfg, &names);
                    bar.inc(len);
                    bytes
                })
                .collect();
            for b in blocks {
                out.writer().write_all(&b)?;
            }
        }
        bar.finish_and_clear();
        out.commit()
            .with_context(|| format!("writing {}", self.args.out.display()))
    }

    fn format_block(
        &self,
        series: Range<usize>,
        planned: &[Planned],
        cfg: &SimConfig,
        names: &FxHashMap<u32, String>,
    ) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(series.len() * 112);
        for i in series {
            let p = &planned[i];
            let item = &self.params[i];
            let y = self.panel.series(i);
            let item_cfg = per_item_target(cfg, item, self.settings.target);
            let base = compute_policy(p.est, item, &item_cfg.spec, y, cfg.seed ^ i as u64);
            let extra = event_demand_within(self.events.of(i), base.protection_periods);
            let policy = with_event_demand(&base, extra, item.unit);
            push_csv_field(&mut bytes, self.panel.key(i));
            bytes.push(b',');
            push_csv_field(&mut bytes, &names[&p.members]);
            bytes.push(b',');
            bytes.extend_from_slice(p.class.code().as_bytes());
            bytes.push(b',');
            push_num(&mut bytes, policy.mean_per_period);
            bytes.push(b',');
            push_u64(&mut bytes, item.lead_time as u64);
            bytes.push(b',');
            push_num(&mut bytes, policy.ltd_mean);
            bytes.push(b',');
            push_num(&mut bytes, policy.ltd_sd);
            bytes.push(b',');
            bytes.extend_from_slice(policy.distribution.as_bytes());
            let eoq = round_order(policy.eoq, item.moq, item.counting_unit());
            for v in [policy.min, policy.reorder_point, policy.max, eoq] {
                bytes.push(b',');
                push_num(&mut bytes, v);
            }
            bytes.push(b'\n');
        }
        bytes
    }
}
