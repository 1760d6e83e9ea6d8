//! `aftercare plan forecast`.
//!
//! Writes `sku,method,class,step,forecast` for steps 1..H. With `--holdout K` the last
//! K periods are hidden from every method and used to score the forecast: all K of them,
//! whatever H (the forecast is scored over K steps, the CSV holds H); `--metrics-out`
//! then receives the mean errors as JSON. A series a method gives no forecast for (e.g.
//! `ma` with a window longer than its history) is written as `NaN`, counted in the
//! metrics as `no_forecast`, and announced by a warning on stderr.
//!
//! `--items` with `replaces` columns forecasts successor parts on their inherited history
//! (see `crate::lifecycle`; the other item columns are checked but not used here).
//! `--events` adds known event demand to the written forecast per step
//! (`aftercare_planning::lifecycle::with_events`, step 1 = event step 0); the `method`
//! column still names the method, and the holdout metrics score the base forecast, since
//! an event announced now was not known when the hidden periods were forecast.

use std::collections::BTreeMap;
use std::io::Write;
use std::ops::Range;
use std::path::PathBuf;
use std::time::Instant;

use aftercare_planning::classify::{ClassifyConfig, DemandClass, classify};
use aftercare_planning::lifecycle::with_events;
use aftercare_planning::metrics::{Accuracy, series_errors};
use aftercare_planning::seasonal::{self, AdjustmentSpec, PooledAdjustment};
use aftercare_planning::series::Panel;
use anyhow::Context;
use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::common::{
    AtomicFile, ClassArgs, Forecaster, ForecasterBuffers, MethodArgs, ThreadArgs, check_outputs,
    no_forecast_warning, progress, push_csv_field, write_json,
};
use crate::input::read_demand;
use crate::lifecycle::{Events, read_events, with_successions};

/// Series per parallel task.
const BLOCK: usize = 2048;
/// Formatted blocks held in memory before being written.
const BLOCKS_PER_BATCH: usize = 64;

/// Arguments of `aftercare plan forecast`.
#[derive(Debug, clap::Args)]
pub struct ForecastArgs {
    /// Demand CSV: long `sku,period,qty` or wide `sku,<p0>,<p1>,...`.
    #[arg(long)]
    pub demand: PathBuf,
    /// Periods to forecast.
    #[arg(long)]
    pub horizon: usize,
    /// Hide the last K periods from fitting and score the forecast against them.
    #[arg(long, default_value_t = 0)]
    pub holdout: usize,
    /// Method and parameters.
    #[command(flatten)]
    pub method: MethodArgs,
    /// Classification windows.
    #[command(flatten)]
    pub class: ClassArgs,
    /// Output CSV `sku,method,class,step,forecast`.
    #[arg(long)]
    pub out: PathBuf,
    /// Items CSV, read here only for successor parts: a row with `replaces` (the
    /// predecessor's sku) and `replaces_share` (0 < share ≤ 1, blank = 1) forecasts that
    /// sku on its own history plus the predecessor's times the share; chains allowed.
    #[arg(long)]
    pub items: Option<PathBuf>,
    /// Event demand (recalls) CSV `sku,start,periods,affected_units,replacement_rate`:
    /// affected_units × replacement_rate added to the forecast, spread evenly over
    /// `periods` steps from step `start` (0 = the first forecast step). Holdout metrics
    /// score the forecast without events.
    #[arg(long)]
    pub events: Option<PathBuf>,
    /// Accuracy JSON (needs `--holdout`).
    #[arg(long = "metrics-out")]
    pub metrics_out: Option<PathBuf>,
    /// Season length in periods (e.g. 12 for months, 52 for weeks): lay a pooled seasonal
    /// index over the flat forecasts, shrunk by a backtest on the history (weight 0 when
    /// it does not help); off when not given.
    #[arg(long = "season-length")]
    pub season_length: Option<usize>,
    /// Multiply every forecast by one level factor calibrated over all series by a
    /// backtest on the history for the RMSSE measure (biases the mean low on skewed
    /// demand on purpose; for scoring point forecasts, not for planning stock).
    #[arg(long = "calibrate-level")]
    pub calibrate_level: bool,
    /// Worker threads.
    #[command(flatten)]
    pub threads: ThreadArgs,
}

/// Run the command.
pub fn run(args: ForecastArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.horizon >= 1, "--horizon must be at least 1");
    anyhow::ensure!(
        args.metrics_out.is_none() || args.holdout > 0,
        "--metrics-out needs --holdout K (the periods to score against)"
    );
    let mut outputs = vec![("--out", args.out.as_path())];
    outputs.extend(args.metrics_out.as_deref().map(|m| ("--metrics-out", m)));
    check_outputs(&outputs)?;
    let forecaster = args.method.forecaster()?;
    let pool = args.threads.pool()?;
    let clock = Instant::now();
    let panel = pool.install(|| read_demand(&args.demand))?;
    let panel = match &args.items {
        Some(path) => with_successions(panel, path)?,
        None => panel,
    };
    let events = match &args.events {
        Some(path) => read_events(path, &panel)?,
        None => Events::default(),
    };
    let read_seconds = clock.elapsed().as_secs_f64();
    anyhow::ensure!(
        args.holdout < panel.periods(),
        "--holdout {} leaves no history: {} has {} periods",
        args.holdout,
        args.demand.display(),
        panel.periods()
    );
    let clock = Instant::now();
    let end = panel.periods() - args.holdout;
    let spec = AdjustmentSpec {
        season: args.season_length,
        level: args.calibrate_level,
    };
    let seasonality = if spec.season.is_some() || spec.level {
        Some(
            seasonal::fit(&panel, end, spec, args.horizon)
                .with_context(|| format!("pooled adjustment on {}", args.demand.display()))?,
        )
    } else {
        None
    };
    // Factors for the written steps and for every scored holdout period.
    let steps = args.horizon.max(args.holdout);
    let factors = match &seasonality {
        Some(s) => s.factors(end, steps),
        None => vec![1.0; steps],
    };
    let job = Job {
        panel: &panel,
        forecaster: &forecaster,
        classes: args.class.config(),
        horizon: args.horizon,
        holdout: args.holdout,
        factors,
        events: &events,
    };
    let (results, totals) = pool.install(|| job.forecast_all());
    if let Some(w) = no_forecast_warning(totals.no_forecast, panel.len(), &args.method.method) {
        eprintln!("{w}");
    }
    let engine_seconds = clock.elapsed().as_secs_f64();
    let clock = Instant::now();
    let mut out = AtomicFile::create(&args.out)?;
    pool.install(|| job.write_all(&results, &mut out))?;
    let metrics = match &args.metrics_out {
        Some(path) => Some(write_json(
            path,
            &totals.to_json(&job, &args.method.method, seasonality.as_ref()),
        )?),
        None => None,
    };
    out.commit()
        .with_context(|| format!("writing {}", args.out.display()))?;
    if let Some(m) = metrics {
        m.commit()?;
    }
    eprintln!(
        "plan forecast: {} series x {} periods; read {read_seconds:.3} s, engine_seconds={engine_seconds:.3}, write {:.3} s",
        panel.len(),
        panel.periods(),
        clock.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Everything a worker needs to forecast one series.
struct Job<'a> {
    panel: &'a Panel,
    forecaster: &'a Forecaster,
    classes: ClassifyConfig,
    horizon: usize,
    holdout: usize,
    /// Multiplier of the flat level per step (all 1 without a seasonality), for
    /// max(horizon, holdout) steps: the written ones and the scored ones.
    factors: Vec<f64>,
    /// Known event demand per series, added to the written forecast.
    events: &'a Events,
}

/// One series' outcome, kept compact so that a million of them fit in 16 MB.
#[derive(Clone, Copy)]
struct Outcome {
    level: f64,
    members: u32,
    class: DemandClass,
}

/// Accuracy and method counts over the series processed so far.
#[derive(Default)]
struct Totals {
    accuracy: Accuracy,
    no_forecast: usize,
    chosen: BTreeMap<u32, usize>,
}

impl Totals {
    fn merge(mut self, other: Self) -> Self {
        self.accuracy = self.accuracy.merge(other.accuracy);
        self.no_forecast += other.no_forecast;
        for (k, v) in other.chosen {
            *self.chosen.entry(k).or_default() += v;
        }
        self
    }

    fn to_json(
        &self,
        job: &Job<'_>,
        method: &str,
        seasonality: Option<&PooledAdjustment>,
    ) -> serde_json::Value {
        let s = self.accuracy.summary();
        let methods: BTreeMap<String, usize> = self
            .chosen
            .iter()
            .map(|(&members, &n)| (job.forecaster.name_of(members), n))
            .collect();
        serde_json::json!({
            "method": method,
            "horizon": job.horizon,
            "holdout": job.holdout,
            "scored_steps": job.holdout,
            "mae": s.mae,
            "rmse": s.rmse,
            "me": s.me,
            "smae": s.smae,
            "rmsse": s.rmsse,
            "series": s.series,
            "smae_skipped": s.smae_skipped,
            "rmsse_skipped": s.rmsse_skipped,
            "no_forecast": self.no_forecast,
            "methods_chosen": methods,
            "pooled_adjustment": seasonality.map(|s| serde_json::json!({
                "season": s.season,
                "weight": s.weight,
                "level": s.level,
                "index": s.index,
                "backtest_levels": s.levels,
                "backtest_weights": s.weights,
                "backtest_rmsse": s.backtest,
                "backtest_origins": s.origins,
                "factors": job.factors,
            })),
        })
    }
}

impl Job<'_> {
    /// Classify, forecast and score every series in parallel.
    fn forecast_all(&self) -> (Vec<Outcome>, Totals) {
        let n = self.panel.len();
        let bar = progress(n as u64, "forecasting");
        let starts: Vec<usize> = (0..n).step_by(BLOCK).collect();
        let parts: Vec<(Vec<Outcome>, Totals)> = starts
            .par_iter()
            .map_init(ForecasterBuffers::default, |buf, &first| {
                let range = first..(first + BLOCK).min(n);
                let len = range.len() as u64;
                let r = self.block(range, buf);
                bar.inc(len);
                r
            })
            .collect();
        bar.finish_and_clear();
        let mut outcomes = Vec::with_capacity(n);
        let mut totals = Totals::default();
        for (o, t) in parts {
            outcomes.extend(o);
            totals = totals.merge(t);
        }
        (outcomes, totals)
    }

    fn block(&self, series: Range<usize>, buf: &mut ForecasterBuffers) -> (Vec<Outcome>, Totals) {
        let mut outcomes = Vec::with_capacity(series.len());
        let mut totals = Totals::default();
        let mut forecast = Vec::with_capacity(self.horizon);
        let scored = self.holdout;
        let auto = matches!(self.forecaster, Forecaster::Auto(_));
        let histories: Vec<&[f64]> = series
            .clone()
            .map(|i| self.panel.split(i, self.holdout).0)
            .collect();
        let mut fcs = Vec::with_capacity(histories.len());
        self.forecaster
            .forecast_levels(&histories, self.horizon, &mut fcs, buf);
        for ((i, history), f) in series.zip(&histories).zip(&fcs) {
            let actual = self.panel.split(i, self.holdout).1;
            let class = classify(history, &self.classes).class;
            if auto {
                *totals.chosen.entry(f.members).or_default() += 1;
            }
            if f.level.is_nan() {
                totals.no_forecast += 1;
            } else if scored > 0 {
                forecast.clear();
                forecast.extend(self.factors[..scored].iter().map(|m| f.level * m));
                totals
                    .accuracy
                    .add(&series_errors(history, &actual[..scored], &forecast));
            }
            outcomes.push(Outcome {
                level: f.level,
                members: f.members,
                class,
            });
        }
        (outcomes, totals)
    }

    /// Format rows in parallel blocks and write them in series order.
    fn write_all(&self, outcomes: &[Outcome], out: &mut AtomicFile) -> anyhow::Result<()> {
        out.writer()
            .write_all(b"sku,method,class,step,forecast\n")?;
        let mut names: FxHashMap<u32, String> = FxHashMap::default();
        for o in outcomes {
            names
                .entry(o.members)
                .or_insert_with(|| self.forecaster.name_of(o.members));
        }
        let starts: Vec<usize> = (0..outcomes.len()).step_by(BLOCK).collect();
        for batch in starts.chunks(BLOCKS_PER_BATCH) {
            let blocks: Vec<Vec<u8>> = batch
                .par_iter()
                .map(|&first| {
                    let range = first..(first + BLOCK).min(outcomes.len());
                    self.format_block(range, outcomes, &names)
                })
                .collect();
            for b in blocks {
                out.writer().write_all(&b)?;
            }
        }
        Ok(())
    }

    fn format_block(
        &self,
        series: Range<usize>,
        outcomes: &[Outcome],
        names: &FxHashMap<u32, String>,
    ) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(series.len() * self.horizon * 48);
        let mut row = Vec::with_capacity(64);
        let mut level = Vec::with_capacity(32);
        for i in series {
            let o = &outcomes[i];
            row.clear();
            push_csv_field(&mut row, self.panel.key(i));
            row.push(b',');
            row.extend_from_slice(names[&o.members].as_bytes());
            row.push(b',');
            row.extend_from_slice(o.class.code().as_bytes());
            row.push(b',');
            let events = self.events.of(i);
            let factors = &self.factors[..self.horizon];
            if !events.is_empty() {
                let base: Vec<f64> = factors.iter().map(|m| o.level * m).collect();
                for (step, v) in (1..=self.horizon).zip(with_events(&base, events)) {
                    bytes.extend_from_slice(&row);
                    push_usize(&mut bytes, step);
                    writeln!(bytes, ",{v}").expect("writing to a Vec");
                }
                continue;
            }
            // A flat forecast: format the level once and repeat it.
            level.clear();
            write!(level, "{}", o.level).expect("writing to a Vec");
            for (step, &m) in (1..=self.horizon).zip(factors) {
                bytes.extend_from_slice(&row);
                push_usize(&mut bytes, step);
                bytes.push(b',');
                if m == 1.0 {
                    bytes.extend_from_slice(&level);
                } else {
                    write!(bytes, "{}", o.level * m).expect("writing to a Vec");
                }
                bytes.push(b'\n');
            }
        }
        bytes
    }
}

/// Append the decimal digits of `v`.
fn push_usize(out: &mut Vec<u8>, v: usize) {
    let mut digits = [0u8; 20];
    let mut n = v;
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}
