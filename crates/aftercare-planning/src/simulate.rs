//! Replay a stock policy over held-out history, period by period.
//!
//! # The replay
//!
//! An item's series `y[0..T]` is split into history `y[0..T0]` and a holdout of the last
//! `K` periods (`T0 = T − K`). The replay never looks at a period before it happens:
//!
//! - **Forecasts.** The forecaster is called on every prefix `y[..t]` and its answer is
//!   the demand per period expected from period `t` on; it is refit at every period
//!   because it is called again with a longer prefix (the forecaster owns its method, so
//!   the replay works with any of them). More generally the replay takes the demand
//!   estimate (mean and variance) after every prefix ([`simulate_with_estimates`]); the
//!   CLI gives it, for every prefix, the estimate `plan policy` makes from that history
//!   (`crate::estimate`), so the replay measures what the planner computes.
//! - **Variance.** `ScaledOneStep`: per-period variance = mean squared one-step error
//!   `y[j] − f(y[..j])` over every known `j`, and `h` periods have `h` times that.
//!   `ErrorWindow::AfterFirstDemand` counts only `j` after the item's first demand (before
//!   it a forecaster has nothing to go on); `FromStart` counts every `j ≥ 1` (the README
//!   baseline: its numbers are reproduced exactly that way).
//!   `LeadTimeErrors`: the mean squared error of the `h`-period totals
//!   `Σ y[j..j+h] − h·f(y[..j])` over every complete window (it captures the
//!   autocorrelation and bias that scaling one-step errors misses), divided by `h`; with
//!   fewer than `MIN_LEAD_TIME_WINDOWS` windows it falls back to `ScaledOneStep`.
//! - **Start.** At the start of period `T0` the stock on hand is the policy's order-up-to
//!   level computed from `y[..T0]`, with nothing on order and no backorders.
//! - **Each period `t`**, in this order: (1) orders due at `t` arrive; (2) backorders are
//!   served first, oldest demand first; (3) `y[t]` is filled from what is on hand and the
//!   rest is backordered (full backordering, nothing is lost); (4) at a review (every
//!   `R` periods, counted from `T0`) the policy is recomputed from `y[..=t]` and, if the
//!   inventory position (on hand + on order − backorders) is below the reorder point, an
//!   order is placed that arrives at the start of period `t + L + 1`.
//! - **Quantities** are integers of the item's counting unit (demand is rounded to it),
//!   so stock is exact; order-up-to levels are multiples of it by construction.
//! - **Warm-up.** The first `L` periods of the holdout are not measured: the initial
//!   stock is a guess and nothing ordered in the holdout has arrived yet.
//! - **Measured** (per item, over the measured periods): demand, units filled from stock
//!   on hand when demanded, periods with demand, periods whose demand was filled
//!   completely, stockout periods (some demand not filled), on hand at the end of each
//!   period, and orders placed.
//!
//! # Totals
//!
//! - `fill_rate`: units filled / units demanded over all items (units-weighted).
//! - `mean_item_fill_rate`: the mean of item fill rates over items with measured demand.
//! - `cycle_service_level`: periods with demand that were filled completely / periods
//!   with demand (with weekly review every period is a replenishment cycle; periods
//!   without demand cannot stock out and would only dilute it).
//! - `avg_on_hand_units`, `avg_on_hand_value`: the sum over items of each item's mean
//!   end-of-period stock on hand (× its unit cost).
//! - `orders`: orders placed during the measured periods.

use crate::distribution::DistributionChoice;
use crate::policy::{
    DemandEstimate, ItemParams, LotSizing, PolicyModel, PolicySpec, Review, ServiceTarget,
    StockPolicy, compute_policy,
};

/// Windows needed before lead-time errors replace scaled one-step errors.
pub const MIN_LEAD_TIME_WINDOWS: usize = 8;

/// How the variance of demand over the protection interval is estimated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VarianceModel {
    /// Protection periods × mean squared one-step error.
    ScaledOneStep,
    /// Mean squared error of protection-interval totals.
    LeadTimeErrors,
}

/// Which one-step errors enter the variance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorWindow {
    /// Every period from the second on, whatever the forecaster said before the first
    /// demand (0 for Croston-type methods): the README baseline.
    FromStart,
    /// Only periods after the item's first demand.
    AfterFirstDemand,
}

/// Settings of a replay.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SimConfig {
    /// Periods held out at the end of each series.
    pub holdout: usize,
    /// The policy to replay.
    pub spec: PolicySpec,
    /// Variance estimate.
    pub variance: VarianceModel,
    /// Which errors the variance uses.
    pub errors: ErrorWindow,
    /// Whether orders are raised to the item's MOQ.
    pub apply_moq: bool,
    /// Seed for the bootstrap (mixed with item index and period).
    pub seed: u64,
}

/// What one item's replay measured.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ItemOutcome {
    /// Measured periods.
    pub periods: usize,
    /// Units demanded.
    pub demand: f64,
    /// Units filled from stock on hand when demanded.
    pub filled: f64,
    /// Periods with demand.
    pub demand_periods: usize,
    /// Periods with demand filled completely from stock.
    pub filled_periods: usize,
    /// Periods with some demand not filled from stock.
    pub stockout_periods: usize,
    /// Sum over measured periods of end-of-period stock on hand.
    pub on_hand_sum: f64,
    /// Unit cost in currency units (for the inventory value).
    pub unit_cost: f64,
    /// Orders placed in measured periods.
    pub orders: usize,
    /// Orders placed in the whole holdout, including the warm-up.
    pub orders_total: usize,
}

impl ItemOutcome {
    /// Fill rate of this item, `None` without demand.
    pub fn fill_rate(&self) -> Option<f64> {
        (self.demand > 0.0).then(|| self.filled / self.demand)
    }

    /// Share of the periods with demand that were filled completely, `None` without any.
    pub fn cycle_service_level(&self) -> Option<f64> {
        (self.demand_periods > 0).then(|| self.filled_periods as f64 / self.demand_periods as f64)
    }

    /// Mean stock on hand per measured period.
    pub fn avg_on_hand(&self) -> f64 {
        if self.periods == 0 {
            0.0
        } else {
            self.on_hand_sum / self.periods as f64
        }
    }
}

/// Totals over items (see the module doc).
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize)]
pub struct SimulationSummary {
    /// Items replayed.
    pub items: usize,
    /// Items with measured demand.
    pub items_with_demand: usize,
    /// Units-weighted fill rate.
    pub fill_rate: f64,
    /// Mean over items with demand of their fill rate.
    pub mean_item_fill_rate: f64,
    /// Periods with demand filled completely / periods with demand.
    pub cycle_service_level: f64,
    /// Sum over items of mean stock on hand.
    pub avg_on_hand_units: f64,
    /// Sum over items of mean stock on hand × unit cost.
    pub avg_on_hand_value: f64,
    /// Orders placed in measured periods.
    pub orders: usize,
    /// Stockout periods.
    pub stockout_periods: usize,
    /// Units demanded.
    pub demand: f64,
    /// Units filled from stock.
    pub filled: f64,
}

/// Add up item outcomes.
pub fn summarize(outcomes: &[ItemOutcome]) -> SimulationSummary {
    let mut s = SimulationSummary {
        items: outcomes.len(),
        ..Default::default()
    };
    let mut item_fill_sum = 0.0;
    let (mut demand_periods, mut filled_periods) = (0usize, 0usize);
    for o in outcomes {
        s.demand += o.demand;
        s.filled += o.filled;
        if let Some(f) = o.fill_rate() {
            s.items_with_demand += 1;
            item_fill_sum += f;
        }
        demand_periods += o.demand_periods;
        filled_periods += o.filled_periods;
        s.avg_on_hand_units += o.avg_on_hand();
        s.avg_on_hand_value += o.avg_on_hand() * o.unit_cost;
        s.orders += o.orders;
        s.stockout_periods += o.stockout_periods;
    }
    let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { 1.0 };
    s.fill_rate = ratio(s.filled, s.demand);
    s.mean_item_fill_rate = ratio(item_fill_sum, s.items_with_demand as f64);
    s.cycle_service_level = ratio(filled_periods as f64, demand_periods as f64);
    s
}

/// One-step and lead-time forecast errors, kept up to date as the replay advances.
struct ErrorTracker<'a> {
    y: &'a [f64],
    forecasts: &'a [f64],
    first_demand: Option<usize>,
    window: ErrorWindow,
    horizon: usize,
    next_one_step: usize,
    one_step_sq: f64,
    one_step_n: usize,
    next_window: usize,
    window_sq: f64,
    window_n: usize,
}

impl<'a> ErrorTracker<'a> {
    fn new(y: &'a [f64], forecasts: &'a [f64], horizon: usize, window: ErrorWindow) -> Self {
        Self {
            y,
            forecasts,
            first_demand: None,
            window,
            horizon: horizon.max(1),
            next_one_step: 0,
            one_step_sq: 0.0,
            one_step_n: 0,
            next_window: 0,
            window_sq: 0.0,
            window_n: 0,
        }
    }

    fn counts(&self, j: usize) -> bool {
        match self.window {
            ErrorWindow::FromStart => j >= 1,
            ErrorWindow::AfterFirstDemand => self.first_demand.is_some_and(|first| j > first),
        }
    }

    /// Take in every error known once `y[..=t]` has been observed.
    fn observe_through(&mut self, t: usize) {
        while self.next_one_step <= t {
            let j = self.next_one_step;
            if self.counts(j) {
                let e = self.y[j] - self.forecasts[j];
                if e.is_finite() {
                    self.one_step_sq += e * e;
                    self.one_step_n += 1;
                }
            }
            if self.first_demand.is_none() && self.y[j] > 0.0 {
                self.first_demand = Some(j);
            }
            self.next_one_step += 1;
        }
        while self.next_window + self.horizon <= t + 1 {
            let j = self.next_window;
            if self.counts(j) {
                let total: f64 = self.y[j..j + self.horizon].iter().sum();
                let e = total - self.horizon as f64 * self.forecasts[j];
                if e.is_finite() {
                    self.window_sq += e * e;
                    self.window_n += 1;
                }
            }
            self.next_window += 1;
        }
    }

    fn variance_per_period(&self, model: VarianceModel) -> f64 {
        let one_step = if self.one_step_n == 0 {
            0.0
        } else {
            self.one_step_sq / self.one_step_n as f64
        };
        match model {
            VarianceModel::LeadTimeErrors if self.window_n >= MIN_LEAD_TIME_WINDOWS => {
                self.window_sq / self.window_n as f64 / self.horizon as f64
            }
            _ => one_step,
        }
    }
}

/// Forecasts `f[t] = forecaster(y[..t])` for every `t` in `1..=y.len()`; `f[0]` is NaN.
pub fn prefix_forecasts(y: &[f64], mut forecaster: impl FnMut(&[f64]) -> f64) -> Vec<f64> {
    let mut f = Vec::with_capacity(y.len() + 1);
    f.push(f64::NAN);
    f.extend((1..=y.len()).map(|t| forecaster(&y[..t])));
    f
}

/// Replay one item (see the module doc). `index` only varies the bootstrap seed.
pub fn simulate_item(
    y: &[f64],
    item: &ItemParams,
    cfg: &SimConfig,
    index: u64,
    forecaster: &impl Fn(&[f64]) -> f64,
) -> ItemOutcome {
    let forecasts = prefix_forecasts(y, forecaster);
    simulate_with_forecasts(y, &forecasts, item, cfg, index)
}

/// Replay one item with forecasts already computed by [`prefix_forecasts`] (so several
/// targets can share them).
pub fn simulate_with_forecasts(
    y: &[f64],
    forecasts: &[f64],
    item: &ItemParams,
    cfg: &SimConfig,
    index: u64,
) -> ItemOutcome {
    let horizon = cfg.spec.review.protection(item.lead_time);
    let estimates = prefix_estimates(y, forecasts, horizon, cfg.variance, cfg.errors);
    simulate_with_estimates(y, &estimates, item, cfg, index)
}

/// The demand estimate after every prefix: `e[t]` from `y[..t]` for `t` in `0..=y.len()`,
/// with forecasts from [`prefix_forecasts`] and the variance by `variance` and `errors`
/// over a protection interval of `horizon` periods (as [`demand_estimate`] makes it for
/// each prefix, in one pass).
pub fn prefix_estimates(
    y: &[f64],
    forecasts: &[f64],
    horizon: usize,
    variance: VarianceModel,
    errors: ErrorWindow,
) -> Vec<DemandEstimate> {
    let mut tracker = ErrorTracker::new(y, forecasts, horizon, errors);
    (0..=y.len())
        .map(|t_end| {
            // Everything in y[..t_end] is known.
            if t_end > 0 {
                tracker.observe_through(t_end - 1);
            }
            let mean = forecasts
                .get(t_end)
                .copied()
                .filter(|f| f.is_finite())
                .unwrap_or(0.0);
            DemandEstimate {
                mean_per_period: mean.max(0.0),
                variance_per_period: tracker.variance_per_period(variance),
            }
        })
        .collect()
}

/// The periods of a series of `len` periods that a replay of its last `holdout` measures:
/// the holdout after the item's first `lead_time` periods (the warm-up; empty when the
/// lead time is as long as the holdout).
pub fn measured_periods(len: usize, holdout: usize, lead_time: usize) -> std::ops::Range<usize> {
    let t0 = len - holdout.min(len);
    (t0 + lead_time).min(len)..len
}

/// Replay one item with the demand estimate after every prefix given (`estimates[t]`
/// from `y[..t]`, see [`prefix_estimates`]); the estimates are where the forecaster and
/// its error model come in, the replay itself is the same for all of them.
pub fn simulate_with_estimates(
    y: &[f64],
    estimates: &[DemandEstimate],
    item: &ItemParams,
    cfg: &SimConfig,
    index: u64,
) -> ItemOutcome {
    simulate_with_targets(y, estimates, item, cfg, index, |_| cfg.spec.target)
}

/// [`simulate_with_estimates`] with the service target in force when the policy is
/// computed from `y[..t_end]` given by `target_at(t_end)` (`cfg.spec.target` is not
/// used): a planner that recalibrates its shortage worth as time advances, as the product
/// does at every planning run, replays with the worth of the latest calibration.
pub fn simulate_with_targets(
    y: &[f64],
    estimates: &[DemandEstimate],
    item: &ItemParams,
    cfg: &SimConfig,
    index: u64,
    target_at: impl Fn(usize) -> ServiceTarget,
) -> ItemOutcome {
    replay_policies(y, item, cfg, |t_end| {
        let spec = PolicySpec {
            target: target_at(t_end),
            ..cfg.spec
        };
        let seed = policy_seed(cfg, index, t_end);
        compute_policy(estimates[t_end], item, &spec, &y[..t_end], seed)
    })
}

/// Bootstrap seed of the policy computed from `y[..t_end]` of item `index`.
fn policy_seed(cfg: &SimConfig, index: u64, t_end: usize) -> u64 {
    cfg.seed ^ index.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ t_end as u64
}

/// The prefix ends `t_end` a replay computes its policy from, in order: the holdout's
/// start `t0` and every review's end after it (`t0 + k·R`, up to the series' end).
fn review_ends(len: usize, cfg: &SimConfig) -> impl Iterator<Item = usize> {
    let t0 = len - cfg.holdout.min(len);
    (t0..=len).step_by(cfg.spec.review.period())
}

/// One item's replay, everything of its policies but the target prepared (the demand
/// distributions, lot and EOQ after every prefix it reads, see
/// [`crate::policy::PolicyModel`]): replays at several targets (a calibration tries
/// ~20 worths) fit the distributions once. A replay from it is exactly
/// [`simulate_with_estimates`]' at that target.
#[derive(Debug, Clone)]
pub struct PreparedItem<'a> {
    y: &'a [f64],
    item: ItemParams,
    cfg: SimConfig,
    /// `models[k]`: the model from `y[..review_ends[k]]`.
    models: Vec<PolicyModel>,
}

impl<'a> PreparedItem<'a> {
    /// Prepare the replay of `y` with `estimates` (as [`simulate_with_estimates`] takes
    /// them) under `cfg`, whose target is not read.
    pub fn new(
        y: &'a [f64],
        estimates: &[DemandEstimate],
        item: &ItemParams,
        cfg: &SimConfig,
        index: u64,
    ) -> Self {
        let models = review_ends(y.len(), cfg)
            .map(|t_end| {
                let seed = policy_seed(cfg, index, t_end);
                let mut m = PolicyModel::new(estimates[t_end], item, &cfg.spec, &y[..t_end], seed);
                // Kept for every target tried: without the tables' spare room (on the
                // standard demo a third of what the models hold).
                m.shrink_to_fit();
                m
            })
            .collect();
        PreparedItem {
            y,
            item: *item,
            cfg: *cfg,
            models,
        }
    }

    /// The replay with the policy set for `target` after every period.
    pub fn simulate(&self, target: ServiceTarget) -> ItemOutcome {
        let t0 = self.y.len() - self.cfg.holdout.min(self.y.len());
        let review = self.cfg.spec.review.period();
        replay_policies(self.y, &self.item, &self.cfg, |t_end| {
            self.models[(t_end - t0) / review].policy(target)
        })
    }
}

/// The replay of the module doc with the policy computed from `y[..t_end]` given by
/// `policy_after(t_end)`, called for each of [`review_ends`] in turn.
fn replay_policies(
    y: &[f64],
    item: &ItemParams,
    cfg: &SimConfig,
    mut policy_after: impl FnMut(usize) -> StockPolicy,
) -> ItemOutcome {
    let t_len = y.len();
    let holdout = cfg.holdout.min(t_len);
    let t0 = t_len - holdout;
    let unit = item.counting_unit();
    let count = |q: f64| (q / unit).round() as i64;
    let lead = item.lead_time;
    let measured_range = measured_periods(t_len, holdout, lead);
    let review = cfg.spec.review.period();

    let mut out = ItemOutcome {
        unit_cost: item.unit_cost.as_units_f64(),
        ..Default::default()
    };
    let start = policy_after(t0);
    let mut on_hand: i64 = count(start.max);
    let mut backorders: i64 = 0;
    let mut pipeline: Vec<(usize, i64)> = Vec::new();
    let moq = if cfg.apply_moq {
        count(item.moq.max(0.0)).max(0)
    } else {
        0
    };
    for (t, &demand) in y.iter().enumerate().skip(t0) {
        let measured = measured_range.contains(&t);
        pipeline.retain(|&(due, q)| {
            if due == t {
                on_hand += q;
            }
            due != t
        });
        let served = on_hand.min(backorders);
        on_hand -= served;
        backorders -= served;
        let d = count(demand).max(0);
        let filled = on_hand.min(d);
        on_hand -= filled;
        backorders += d - filled;
        if measured {
            out.periods += 1;
            out.demand += d as f64 * unit;
            out.filled += filled as f64 * unit;
            if d > 0 {
                out.demand_periods += 1;
                if filled == d {
                    out.filled_periods += 1;
                } else {
                    out.stockout_periods += 1;
                }
            }
            out.on_hand_sum += on_hand as f64 * unit;
        }
        if (t + 1 - t0).is_multiple_of(review) {
            let p = policy_after(t + 1);
            let on_order: i64 = pipeline.iter().map(|&(_, q)| q).sum();
            let position = on_hand + on_order - backorders;
            let q = order_quantity(position, &p, cfg.spec.lot_sizing, unit, moq);
            if q > 0 {
                pipeline.push((t + lead + 1, q));
                out.orders_total += 1;
                if measured {
                    out.orders += 1;
                }
            }
        }
    }
    out
}

/// The demand estimate after the whole of `y`, exactly as a replay would make it at
/// that point: `forecasts` from [`prefix_forecasts`], variance by `variance` and `errors`
/// over a protection interval of `horizon` periods.
pub fn demand_estimate(
    y: &[f64],
    forecasts: &[f64],
    horizon: usize,
    variance: VarianceModel,
    errors: ErrorWindow,
) -> DemandEstimate {
    let mut tracker = ErrorTracker::new(y, forecasts, horizon, errors);
    if !y.is_empty() {
        tracker.observe_through(y.len() - 1);
    }
    let mean = forecasts
        .get(y.len())
        .copied()
        .filter(|f| f.is_finite())
        .unwrap_or(0.0);
    DemandEstimate {
        mean_per_period: mean.max(0.0),
        variance_per_period: tracker.variance_per_period(variance),
    }
}

/// Result of calibrating one shortage worth to an aggregate fill rate.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Calibration {
    /// The worth to plan with (`ServiceTarget::ShortageWorth`).
    pub worth: f64,
    /// Aggregate fill the calibration run achieved with it.
    pub achieved: f64,
    /// Whether the target was reached within the searched range.
    pub reachable: bool,
}

/// Aggregate fill above the target at which a calibration stops: replays are the whole
/// cost of a calibration, and 0.1 points is well inside what a fill target can promise
/// (and below the sampling error of a calibration on a sample, see the CLI).
pub const CALIBRATION_FILL_TOLERANCE: f64 = 0.001;

/// Smallest shortage worth in `[10^lo, 10^hi]` whose calibration run reaches `target`
/// aggregate fill, by bisection on the logarithm of the worth. `fill_at(worth)` runs the
/// replay (a backtest on history before the period being planned, so nothing of the
/// future is used) and returns its aggregate fill; the fill grows with the worth. The
/// search stops at the first worth tried below the top whose fill lies in
/// `[target, target + CALIBRATION_FILL_TOLERANCE]`, or when the bracket is 2 % wide.
///
/// When even `10^hi` falls short, the history cannot deliver the target: the search then
/// aims at the fill `10^hi` reaches less 1.5 tolerances (so that its stopping window lies
/// just below it) and returns the smallest worth reaching that, with
/// `reachable = false`. Chasing the last tenth of a point at the highest worth would
/// multiply the stock for nothing (on MAN at a 0.98 target: 30 M EUR for 0.9321 fill).
pub fn calibrate_worth(
    target: f64,
    lo: f64,
    hi: f64,
    fill_at: impl FnMut(f64) -> f64,
) -> Calibration {
    calibrate_worth_within(target, lo, hi, Some(CALIBRATION_FILL_TOLERANCE), fill_at)
}

/// [`calibrate_worth`] with the early stop's window `tolerance` above the target (`None`:
/// no early stop, bisect until the bracket is 2 % wide, for replays cheap enough to
/// find the smallest worth). The top of the range is only a bound: a fill there inside the
/// window still bisects below it, since a lower worth may give the same fill for less
/// stock (a small group often fills everything from a modest worth on).
pub fn calibrate_worth_within(
    target: f64,
    lo: f64,
    hi: f64,
    tolerance: Option<f64>,
    mut fill_at: impl FnMut(f64) -> f64,
) -> Calibration {
    let top = fill_at(10f64.powf(hi));
    let reachable = top >= target;
    let goal = if reachable {
        target
    } else {
        top - 1.5 * CALIBRATION_FILL_TOLERANCE
    };
    let (mut lo, mut hi, mut best) = (lo, hi, top);
    let mut close_enough = false;
    while hi - lo > 0.0086 && !close_enough {
        let mid = 0.5 * (lo + hi);
        let fill = fill_at(10f64.powf(mid));
        if fill >= goal {
            hi = mid;
            best = fill;
            close_enough = tolerance.is_some_and(|t| fill <= goal + t);
        } else {
            lo = mid;
        }
    }
    Calibration {
        worth: 10f64.powf(hi),
        achieved: best,
        reachable,
    }
}

/// Units (of the counting unit) to order at inventory position `position`.
fn order_quantity(position: i64, p: &StockPolicy, lot: LotSizing, unit: f64, moq: i64) -> i64 {
    let s = (p.reorder_point / unit).round() as i64;
    if position >= s {
        return 0;
    }
    let need = match lot {
        LotSizing::OrderUpTo => s - position,
        LotSizing::UpToMax => (p.max / unit).round() as i64 - position,
        LotSizing::FixedQuantity => {
            let q = ((p.lot / unit).round() as i64).max(1);
            let short = s - position;
            (short + q - 1) / q * q
        }
    };
    need.max(moq)
}

/// The README baseline: weekly order-up-to, normal lead-time demand with the approximate
/// (one-term) loss formula, scaled one-step variance (unbounded), no MOQ, every item
/// stocked.
pub fn baseline_config(holdout: usize, target: f64) -> SimConfig {
    SimConfig {
        holdout,
        spec: PolicySpec {
            review: Review::Periodic(1),
            lot_sizing: LotSizing::OrderUpTo,
            target: ServiceTarget::FillRate(target),
            shortage: crate::policy::ShortageFormula::Approximate,
            distribution: DistributionChoice::Normal,
            bootstrap_samples: 0,
            variance_bound: crate::policy::VarianceBound::None,
            idle_limit: None,
            max_lot_periods: None,
        },
        variance: VarianceModel::ScaledOneStep,
        errors: ErrorWindow::FromStart,
        apply_moq: false,
        seed: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Nanos;

    fn mean_forecaster(y: &[f64]) -> f64 {
        y.iter().sum::<f64>() / y.len() as f64
    }

    fn item(lead_time: usize) -> ItemParams {
        ItemParams {
            lead_time,
            unit_cost: Nanos(Nanos::PER_UNIT),
            ..ItemParams::default()
        }
    }

    fn cfg(holdout: usize, target: f64) -> SimConfig {
        SimConfig {
            holdout,
            spec: PolicySpec::periodic_order_up_to(ServiceTarget::FillRate(target)),
            variance: VarianceModel::ScaledOneStep,
            errors: ErrorWindow::AfterFirstDemand,
            apply_moq: false,
            seed: 1,
        }
    }

    #[test]
    fn constant_demand_is_filled_completely_with_stock_of_one_period_ahead() {
        let y = vec![2.0; 40];
        let o = simulate_item(&y, &item(3), &cfg(20, 0.95), 0, &mean_forecaster);
        assert_eq!(o.periods, 17, "first L = 3 holdout periods are warm-up");
        assert_eq!(o.fill_rate(), Some(1.0));
        assert_eq!(o.stockout_periods, 0);
        // No forecast error, so no safety stock: order-up-to (L+1)·2 = 8 covers exactly the
        // demand until the next order arrives and the shelf is empty at each period's end.
        assert_eq!(o.avg_on_hand(), 0.0);
        assert_eq!(o.orders, 17);
    }

    #[test]
    fn demand_never_seen_before_is_backordered_until_an_order_arrives() {
        // Nothing in history, then 5 units in the first measured period.
        let mut y = vec![0.0; 30];
        y[22] = 5.0;
        let o = simulate_item(&y, &item(2), &cfg(10, 0.95), 0, &mean_forecaster);
        assert_eq!(o.demand, 5.0);
        assert_eq!(o.filled, 0.0);
        assert_eq!(o.stockout_periods, 1);
        assert!(o.orders >= 1, "orders start once the demand is seen");
        assert_eq!(o.orders_total, o.orders, "nothing ordered before it");
    }

    #[test]
    fn a_replay_uses_only_the_past() {
        // Changing the last period must not change anything measured before it.
        let y: Vec<f64> = (0..60).map(|i| ((i * 7) % 5) as f64).collect();
        let mut y2 = y.clone();
        y2[59] = 100.0;
        let c = cfg(20, 0.9);
        let a = simulate_item(
            &y[..59],
            &item(1),
            &SimConfig { holdout: 19, ..c },
            0,
            &mean_forecaster,
        );
        let b = simulate_item(
            &y2[..59],
            &item(1),
            &SimConfig { holdout: 19, ..c },
            0,
            &mean_forecaster,
        );
        assert_eq!(a, b);
    }

    #[test]
    fn higher_target_holds_more_stock_and_fills_no_less() {
        let y: Vec<f64> = (0..120)
            .map(|i| {
                if (i * 37) % 11 < 3 {
                    ((i * 13) % 7) as f64
                } else {
                    0.0
                }
            })
            .collect();
        let lo = simulate_item(&y, &item(4), &cfg(52, 0.80), 0, &mean_forecaster);
        let hi = simulate_item(&y, &item(4), &cfg(52, 0.99), 0, &mean_forecaster);
        assert!(hi.on_hand_sum >= lo.on_hand_sum);
        assert!(hi.filled >= lo.filled);
    }

    #[test]
    fn orders_respect_the_moq_when_asked() {
        let y = vec![1.0; 30];
        let it = ItemParams {
            moq: 10.0,
            ..item(1)
        };
        let mut c = cfg(10, 0.9);
        c.apply_moq = true;
        let with = simulate_item(&y, &it, &c, 0, &mean_forecaster);
        c.apply_moq = false;
        let without = simulate_item(&y, &it, &c, 0, &mean_forecaster);
        assert!(with.orders < without.orders);
        assert!(with.on_hand_sum > without.on_hand_sum);
    }

    #[test]
    fn calibration_finds_the_smallest_worth_reaching_the_target() {
        // A made-up monotone response: fill = 1 − 1/(1 + worth).
        let c = calibrate_worth(0.9, -2.0, 6.0, |w| 1.0 - 1.0 / (1.0 + w));
        assert!(c.reachable);
        assert!(c.achieved >= 0.9);
        assert!((c.worth / 9.0 - 1.0).abs() < 0.03, "{}", c.worth);
        // Out of reach: the fill 10³ gives (0.999) less 1.5 tolerances, at a worth below 10³.
        let c = calibrate_worth(0.999_999_9, -2.0, 3.0, |w| 1.0 - 1.0 / (1.0 + w));
        assert!(!c.reachable);
        let top = 1.0 - 1.0 / 1001.0;
        let goal = top - 1.5 * CALIBRATION_FILL_TOLERANCE;
        assert!(c.achieved >= goal && c.achieved <= top, "{c:?}");
        assert!(c.worth < 1000.0 && c.worth > 100.0, "{c:?}");
    }

    #[test]
    fn calibration_stops_once_the_fill_is_close_enough_above_the_target() {
        let mut calls = 0;
        let c = calibrate_worth(0.9, -2.0, 6.0, |w| {
            calls += 1;
            // A step response: 0.8 below a worth of 100, 0.9002 from it on.
            if w < 100.0 { 0.8 } else { 0.9002 }
        });
        assert!(c.reachable);
        assert_eq!(c.achieved, 0.9002);
        assert!(calls <= 3, "{calls} replays");
        // The top's fill was in the window already, yet a lower worth gives it too.
        assert!(c.worth < 1000.0, "{c:?}");
    }

    #[test]
    fn calibration_without_early_stop_finds_the_smallest_worth_on_a_plateau() {
        // Everything filled from a worth of 300 on: the top fills 1.0 too.
        let fill = |w: f64| if w < 300.0 { 0.9 } else { 1.0 };
        let c = calibrate_worth_within(0.999, -2.0, 8.0, None, fill);
        assert!(c.reachable && c.achieved == 1.0, "{c:?}");
        assert!(c.worth >= 300.0 && c.worth < 300.0 * 1.021, "{c:?}");
        let early = calibrate_worth(0.999, -2.0, 8.0, fill);
        assert!(early.worth < 1e8, "{early:?}");
    }

    #[test]
    fn demand_estimate_matches_what_the_replay_sees_at_the_end() {
        let y = [0.0, 3.0, 0.0, 1.0, 2.0, 0.0];
        let f = prefix_forecasts(&y, &mean_forecaster);
        let e = demand_estimate(
            &y,
            &f,
            2,
            VarianceModel::ScaledOneStep,
            ErrorWindow::FromStart,
        );
        assert!((e.mean_per_period - 1.0).abs() < 1e-12);
        let mse: f64 = (1..6).map(|j| (y[j] - f[j]).powi(2)).sum::<f64>() / 5.0;
        assert!((e.variance_per_period - mse).abs() < 1e-12);
    }

    #[test]
    fn summary_weights_fill_by_units_and_averages_items() {
        let a = ItemOutcome {
            periods: 10,
            demand: 90.0,
            filled: 90.0,
            unit_cost: 2.0,
            on_hand_sum: 50.0,
            demand_periods: 9,
            filled_periods: 9,
            ..Default::default()
        };
        let b = ItemOutcome {
            periods: 10,
            demand: 10.0,
            filled: 0.0,
            unit_cost: 1.0,
            demand_periods: 1,
            stockout_periods: 1,
            ..Default::default()
        };
        let s = summarize(&[a, b]);
        assert!((s.fill_rate - 0.9).abs() < 1e-12);
        assert!((s.mean_item_fill_rate - 0.5).abs() < 1e-12);
        assert!((s.cycle_service_level - 0.9).abs() < 1e-12);
        assert!((s.avg_on_hand_value - 10.0).abs() < 1e-12);
        assert_eq!(s.items_with_demand, 2);
    }

    /// Poisson draws (Knuth), deterministic.
    fn poisson_series(mean: f64, periods: usize, seed: u64) -> Vec<f64> {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let limit = (-mean).exp();
        (0..periods)
            .map(|_| {
                let (mut k, mut p) = (0.0, 1.0);
                loop {
                    p *= rng.random::<f64>();
                    if p <= limit {
                        break k;
                    }
                    k += 1.0;
                }
            })
            .collect()
    }

    #[test]
    fn lot_sized_and_continuous_policies_replay_close_to_their_fill_target() {
        // Above the target by 2–4 points (reorder points 1–3 units too high; 0.98 allows for
        // the step of a whole unit at 5 a period) with the
        // continuous-time lot formula; below it (0.62, 0.0 at lead time 0) when continuous
        // review protected only the lead time while orders arrive a period later.
        let cases = [
            (5.0, 2, 22.5, Review::Periodic(1), LotSizing::UpToMax),
            (1.0, 1, 18.0, Review::Periodic(1), LotSizing::FixedQuantity),
            (2.0, 2, 16.0, Review::Periodic(1), LotSizing::UpToMax),
            (5.0, 2, 0.0, Review::Continuous, LotSizing::OrderUpTo),
            (5.0, 0, 0.0, Review::Continuous, LotSizing::OrderUpTo),
            (1.0, 2, 18.0, Review::Continuous, LotSizing::FixedQuantity),
        ];
        // Lumpy demand (a fifth of the periods, geometric sizes of mean 10 or 3): the
        // continuous-time formula fell 2–4 points short (0.921, 0.911).
        let lumpy = [(10.0, 7, 5.0), (3.0, 7, 5.0)]
            .map(|(size, lead, k)| (size, lead, k, Review::Periodic(1), LotSizing::UpToMax));
        for (i, (mean, lead, order_cost, review, lot_sizing)) in
            cases.into_iter().chain(lumpy).enumerate()
        {
            let y = if i < cases.len() {
                poisson_series(mean, 12_000, 11 + i as u64)
            } else {
                lumpy_series(0.2, mean, 12_000, 5)
            };
            let m = y.iter().sum::<f64>() / y.len() as f64;
            let known = DemandEstimate {
                mean_per_period: m,
                variance_per_period: y.iter().map(|x| (x - m).powi(2)).sum::<f64>()
                    / y.len() as f64,
            };
            let estimates = vec![known; y.len() + 1];
            let it = ItemParams {
                order_cost: Nanos((order_cost * Nanos::PER_UNIT as f64) as i64),
                holding_cost: Some(Nanos(
                    Nanos::PER_UNIT / if i < cases.len() { 1 } else { 100 },
                )),
                ..item(lead)
            };
            let mut c = cfg(11_000, 0.95);
            c.spec.review = review;
            c.spec.lot_sizing = lot_sizing;
            if i < cases.len() {
                c.spec.distribution = DistributionChoice::Poisson;
            }
            let p = compute_policy(known, &it, &c.spec, &[], 0);
            let fill = simulate_with_estimates(&y, &estimates, &it, &c, 0)
                .fill_rate()
                .unwrap();
            let case = format!("{mean} L{lead} {review:?} {lot_sizing:?} {p:?}");
            assert!((0.94..=0.98).contains(&fill), "{case}: fill {fill}");
        }
    }

    /// Demand in a share `p` of the periods, sizes geometric with mean `size`, deterministic.
    fn lumpy_series(p: f64, size: f64, periods: usize, seed: u64) -> Vec<f64> {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        (0..periods)
            .map(|_| {
                if rng.random::<f64>() < p {
                    (1.0 - rng.random::<f64>().ln() * (size - 1.0)).floor()
                } else {
                    0.0
                }
            })
            .collect()
    }

    #[test]
    fn a_lot_sized_policy_on_slow_demand_achieves_its_fill_target() {
        // 0.1 a week, EOQ √(2·8·0.1/0.1) = 4, lead time 2: the reorder point of the lot
        // formula is where the position may sit (orders at or below it); ordering only
        // below it filled 0.79 instead of 0.95.
        let y = poisson_series(0.1, 20_000, 7);
        let known = DemandEstimate {
            mean_per_period: 0.1,
            variance_per_period: 0.1,
        };
        let estimates = vec![known; y.len() + 1];
        let item = ItemParams {
            order_cost: Nanos(8 * Nanos::PER_UNIT),
            holding_cost: Some(Nanos(Nanos::PER_UNIT / 10)),
            ..item(2)
        };
        for target in [0.9, 0.95] {
            let mut c = cfg(19_000, target);
            c.spec.lot_sizing = LotSizing::UpToMax;
            c.spec.distribution = DistributionChoice::Poisson;
            assert_eq!(compute_policy(known, &item, &c.spec, &[], 0).lot, 4.0);
            let o = simulate_with_estimates(&y, &estimates, &item, &c, 0);
            let fill = o.fill_rate().unwrap();
            assert!(fill >= target - 0.01, "target {target}: fill {fill}");
        }
    }

    #[test]
    fn a_replay_plans_each_period_with_the_target_then_in_force() {
        let y = poisson_series(2.0, 400, 3);
        let known = DemandEstimate {
            mean_per_period: 2.0,
            variance_per_period: 2.0,
        };
        let estimates = vec![known; y.len() + 1];
        let it = item(2);
        let c = cfg(200, 0.5);
        let (low, high) = (
            ServiceTarget::ShortageWorth(0.5),
            ServiceTarget::ShortageWorth(50.0),
        );
        let run = |at: &dyn Fn(usize) -> ServiceTarget| {
            simulate_with_targets(&y, &estimates, &it, &c, 0, at)
        };
        // A target that never changes is the plain replay.
        let plain = simulate_with_estimates(&y, &estimates, &it, &c, 0);
        assert_eq!(run(&|_| c.spec.target), plain);
        // Raising the worth half-way raises the stock, less than raising it from the start.
        let always_low = run(&|_| low);
        let raised = run(&|t| if t >= 300 { high } else { low });
        let always_high = run(&|_| high);
        assert!(
            always_low.on_hand_sum < raised.on_hand_sum,
            "{always_low:?} {raised:?}"
        );
        assert!(
            raised.on_hand_sum < always_high.on_hand_sum,
            "{raised:?} {always_high:?}"
        );
        assert!(always_low.filled <= raised.filled && raised.filled <= always_high.filled);
    }
}
