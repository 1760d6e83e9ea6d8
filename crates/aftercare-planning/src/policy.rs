//! Stock levels from a service target: minimum (safety stock), reorder point, maximum
//! and EOQ, rounded to MOQ and the counting unit.
//!
//! # Definitions
//!
//! - Protection interval: `L + R` periods for periodic review every `R` periods. Orders
//!   placed at the end of period `t` arrive at the start of period `t + L + 1`, so a
//!   periodic policy with `R = 1` protects `L + 1` periods. Demand is known per period, so
//!   continuous review sees the position at each period's end like `R = 1` and protects
//!   `L + 1` periods too (the replay's timing); it differs from `R = 1` only in keeping a
//!   lot smaller than a period's demand (each period then orders several lots).
//! - `reorder_point`: an order is placed when the inventory position (on hand + on order
//!   − backorders) falls below it. For order-up-to it is the lowest level `s` that meets
//!   the target; the lot formulas give the highest position `s` at which an order goes out
//!   (the position then lies in `s + 1 … s + Q`), so their reorder point is `s + 1 unit`.
//! - `min` (safety stock) `= reorder_point − ltd_mean`, where `ltd_mean` is the mean demand over the
//!   protection interval. It is negative when the target can be met with less than the
//!   mean demand (lumpy demand at a low target): the three-point rule
//!   `reorder point = minimum + lead-time demand` holds exactly.
//! - `eoq = √(2·K·D / h)` with order cost `K`, demand per period `D` and holding cost per
//!   unit per period `h`; 0 (order what is needed) when `K`, `D` or `h` is missing or 0.
//! - `max`: the order-up-to level of inventory position. Order-up-to policies (`R, S`)
//!   have `max = s`; lot-sized ones (`s, S` and `s, Q`) order `Q = max(EOQ, MOQ)` in
//!   counting units: the EOQ becomes whichever whole number of units next to it costs less
//!   (`K·D/Q + h·Q/2` is convex, so one of the two is the best whole lot; rounding up made
//!   an EOQ of 1.03 a lot of 2, 23 % above the least cost), at most `max_lot_periods` of
//!   mean demand rounded down (one unit at least) when set (the EOQ weighs no obsolescence: a cheap slow part's lot ran to
//!   years of demand), then raised to the MOQ; `max = s + Q` (= reorder point − 1 unit + Q). Under
//!   periodic review a lot of one unit, or below one review's demand, is order-up-to (each
//!   review orders at least that anyway), and so is an item without demand (`max = 0`).
//!   The product's "maximum = minimum + EOQ"
//!   counts stock on hand right after a delivery; `max` here counts inventory position,
//!   which also holds the lead-time demand.
//!
//! # Service measures
//!
//! With `P` the demand over the protection interval, `Λ` the demand over the lead time
//! alone and `n(x) = E[(X − x)⁺]` their loss functions:
//!
//! - cycle service level `C`: smallest `s` with `P(P ≤ s) ≥ C`.
//! - fill rate `F`, lot-sized (`Q > 0`), `Exact`: the shortage in a review cycle is
//!   `n_P(Y) − n_Λ(Y)` for the position `Y` after the review, which lies evenly in
//!   `s + 1 unit … s + Q`, so `1 − mean_Y[n_P(Y) − n_Λ(Y)] / (R·D) ≥ F` (averaged over
//!   the lot's grid points, or over 32 evenly spread positions for a longer lot). A
//!   position never below the reorder point holds at least what order-up-to to it holds,
//!   so a lot never raises the reorder point above order-up-to's.
//! - fill rate `F`, lot-sized, `Approximate`: `1 − [n_P(s) − n_P(s + Q)] / Q ≥ F`
//!   (Hadley–Whitin's continuous-time formula over the protection interval: shortage per
//!   order cycle over demand per order cycle; it overstates the shortage of a period model
//!   by leaving out the backorders already there before the order arrives).
//! - fill rate `F`, order-up-to every `R` periods, `Exact`: the shortage in a review cycle
//!   is `n_P(S) − n_Λ(S)` (backorders at the cycle's end minus those already at its start),
//!   so `1 − [n_P(S) − n_Λ(S)] / (R·D) ≥ F`.
//! - `Approximate` drops the `n_Λ` term (expected shortage per cycle = `n_P(S)`); it
//!   overstates shortage and is what the data README's baseline uses.
//!
//! The level is the smallest multiple of the counting unit meeting the target, found by
//! bisection on the grid (every measure above is monotone in the level).

use crate::distribution::{
    DemandDistribution, DistributionChoice, EmpiricalSamples, fit, inverse_standard_normal_cdf,
    normal_second_loss, standard_normal_pdf, willemain_bootstrap,
};

/// Money in billionths of the currency unit: unit and holding costs of spare parts are
/// often fractions of a cent, and money is never a float.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Nanos(pub i64);

impl Nanos {
    /// Nanos per currency unit.
    pub const PER_UNIT: i64 = 1_000_000_000;

    /// As a float number of currency units, for formulas (EOQ) and averages.
    pub fn as_units_f64(self) -> f64 {
        self.0 as f64 / Self::PER_UNIT as f64
    }
}

/// What the stock level must achieve.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ServiceTarget {
    /// Share of demanded units filled from stock on hand (0..1).
    FillRate(f64),
    /// Share of replenishment cycles without a stockout (0..1).
    CycleServiceLevel(f64),
    /// No per-item target: stock up to the level where one more unit of stock costs more
    /// than it saves, valuing each unit short per period at this many currency units of
    /// average stock held. One value for all items spends inventory value where it fills
    /// the most units (cheap, fast-moving items first); a planner calibrates it to an
    /// aggregate fill rate. An item without a unit cost is stocked to [`FREE_ITEM_FILL`].
    ShortageWorth(f64),
}

impl ServiceTarget {
    /// The target value.
    pub fn value(self) -> f64 {
        match self {
            Self::FillRate(v) | Self::CycleServiceLevel(v) | Self::ShortageWorth(v) => v,
        }
    }

    /// The same kind of target with another value.
    pub fn with_value(self, v: f64) -> Self {
        match self {
            Self::FillRate(_) => Self::FillRate(v),
            Self::CycleServiceLevel(_) => Self::CycleServiceLevel(v),
            Self::ShortageWorth(_) => Self::ShortageWorth(v),
        }
    }
}

/// How often the inventory position is reviewed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Review {
    /// At every period's end, several lots at once if needed (protection interval = lead
    /// time + 1, as a review every period: demand is known per period).
    Continuous,
    /// Every `n ≥ 1` periods (protection interval = lead time + n).
    Periodic(usize),
}

impl Review {
    /// Periods between reviews (1 for continuous review, which reacts every period).
    pub fn period(self) -> usize {
        match self {
            Self::Continuous => 1,
            Self::Periodic(n) => n.max(1),
        }
    }

    /// Length of the protection interval for a lead time.
    pub fn protection(self, lead_time: usize) -> usize {
        match self {
            Self::Continuous => lead_time + 1,
            Self::Periodic(n) => lead_time + n.max(1),
        }
    }
}

/// How much is ordered once the position is below the reorder point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LotSizing {
    /// Up to the reorder point itself: `(R, S)`, or base stock under continuous review.
    OrderUpTo,
    /// Below the reorder point, up to `max = s + Q` with `Q = max(EOQ, MOQ)`: `(s, S)` /
    /// `(R, s, S)`.
    UpToMax,
    /// Below the reorder point, whole multiples of `Q = max(EOQ, MOQ)` until the position
    /// is at least the reorder point: `(s, Q)`.
    FixedQuantity,
}

/// Which fill-rate formula to use for order-up-to policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShortageFormula {
    /// Shortage per review cycle `n_P(Y) − n_Λ(Y)` at the position `Y` after the review.
    Exact,
    /// Shortage per review cycle `n_P(S)` for order-up-to (overstates it; the README
    /// baseline), Hadley–Whitin's `n_P(s) − n_P(s + Q)` per lot for lot-sized policies.
    Approximate,
}

/// How the per-period variance of a demand estimate is bounded before levels are set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VarianceBound {
    /// As estimated (the README baseline).
    None,
    /// At most `(M − μ)·μ`, `M` the largest demand of one period in the history: the most
    /// any demand between 0 and `M` with mean `μ` can vary (Bhatia–Davis). The one-step
    /// errors come from when the item sold at its old rate; once a forecast has decayed
    /// after a long gap (TSB, SES) they would make a lead-time demand with a tiny mean and
    /// an enormous spread, and a fill target on it thousands of units of a dead part.
    HistoryRange,
    /// For a variance per period that is a window's variance over its `h` periods (the
    /// lead-time error model, which keeps the correlation between periods): the window
    /// total bounded the same way, `(M_h − hμ)·hμ`, `M_h` the largest total of `h`
    /// consecutive periods in the history, i.e. at most `(M_h − hμ)·μ` per period.
    WindowRange,
}

impl VarianceBound {
    /// The estimate with its variance bounded by `history`, for levels over `periods`.
    pub fn apply(self, est: DemandEstimate, history: &[f64], periods: usize) -> DemandEstimate {
        let mu = est.mean_per_period;
        if self == Self::None || mu.is_nan() || mu <= 0.0 {
            return est;
        }
        let h = match self {
            Self::WindowRange => periods.max(1),
            _ => 1,
        };
        let top = largest_window_total(history, h);
        let window_mean = h as f64 * mu;
        // A mean at or above every window seen says nothing about the range: leave it.
        if top <= window_mean {
            return est;
        }
        DemandEstimate {
            variance_per_period: est.variance_per_period.min((top - window_mean) * mu),
            ..est
        }
    }
}

/// Largest total of `h` consecutive periods of `history` (of all of it when shorter).
fn largest_window_total(history: &[f64], h: usize) -> f64 {
    if history.len() <= h {
        return history.iter().sum();
    }
    let mut total: f64 = history[..h].iter().sum();
    let mut top = total;
    for i in h..history.len() {
        total += history[i] - history[i - h];
        top = top.max(total);
    }
    top
}

/// Periods without any demand at the end of `history` (its length when it has none).
pub fn trailing_idle_periods(history: &[f64]) -> usize {
    history.iter().rev().take_while(|&&q| q <= 0.0).count()
}

/// Everything about the policy that is not the item or its demand.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PolicySpec {
    /// Review regime.
    pub review: Review,
    /// Lot sizing.
    pub lot_sizing: LotSizing,
    /// Service target.
    pub target: ServiceTarget,
    /// Fill-rate formula for order-up-to policies.
    pub shortage: ShortageFormula,
    /// Distribution family.
    pub distribution: DistributionChoice,
    /// Bootstrap samples when `distribution` is `Bootstrap`.
    pub bootstrap_samples: usize,
    /// Bound on the variance of the demand estimate.
    pub variance_bound: VarianceBound,
    /// An item whose history ends with at least this many periods without demand (the
    /// `inactive` class) is not stocked: its levels are 0 (`None`: stocked like any other).
    pub idle_limit: Option<usize>,
    /// A lot covers at most this many periods of mean demand (at least one unit, and the
    /// MOQ when there is one; `None`: the EOQ as it is).
    pub max_lot_periods: Option<usize>,
}

impl PolicySpec {
    /// Weekly order-up-to with the exact fill formula and the automatic distribution,
    /// the variance bounded by the history's range, every item stocked (on MAN, not
    /// stocking items idle for 52 weeks saved 0.5–5 % of the stock for 0.6–0.8 points of
    /// fill at targets 0.95–0.98: docs/BENCHMARKS.md).
    pub fn periodic_order_up_to(target: ServiceTarget) -> Self {
        Self {
            review: Review::Periodic(1),
            lot_sizing: LotSizing::OrderUpTo,
            target,
            shortage: ShortageFormula::Exact,
            distribution: DistributionChoice::Auto,
            bootstrap_samples: 1000,
            variance_bound: VarianceBound::HistoryRange,
            idle_limit: None,
            max_lot_periods: None,
        }
    }

    /// Whether an item with this history is not stocked under `idle_limit`.
    pub fn not_stocked(&self, history: &[f64]) -> bool {
        self.idle_limit
            .is_some_and(|n| !history.is_empty() && trailing_idle_periods(history) >= n)
    }

    /// The demand estimate levels are set on: bounded by the history's range, and none
    /// for an item idle for `idle_limit` periods.
    pub fn effective_estimate(
        &self,
        est: DemandEstimate,
        history: &[f64],
        periods: usize,
    ) -> DemandEstimate {
        if self.not_stocked(history) {
            return DemandEstimate {
                mean_per_period: 0.0,
                variance_per_period: 0.0,
            };
        }
        self.variance_bound.apply(est, history, periods)
    }
}

/// Item master data the policy needs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ItemParams {
    /// Lead time in periods.
    pub lead_time: usize,
    /// Cost price per unit.
    pub unit_cost: Nanos,
    /// Fixed cost per order.
    pub order_cost: Nanos,
    /// Holding cost per unit per period; `None` when unknown.
    pub holding_cost: Option<Nanos>,
    /// Minimum order quantity (0 = none).
    pub moq: f64,
    /// Smallest quantity that can be demanded or ordered (> 0).
    pub unit: f64,
}

impl ItemParams {
    /// The counting unit levels and orders are rounded to (1 when unset).
    pub fn counting_unit(&self) -> f64 {
        if self.unit > 0.0 { self.unit } else { 1.0 }
    }
}

impl Default for ItemParams {
    fn default() -> Self {
        Self {
            lead_time: 0,
            unit_cost: Nanos(0),
            order_cost: Nanos(0),
            holding_cost: None,
            moq: 0.0,
            unit: 1.0,
        }
    }
}

/// Demand per period as the forecaster sees it.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct DemandEstimate {
    /// Expected demand per period.
    pub mean_per_period: f64,
    /// Variance of demand per period; over `h` periods the variance is `h` times this
    /// (errors taken as independent from period to period).
    pub variance_per_period: f64,
}

/// Computed stock levels of one item.
#[derive(Debug, Clone, PartialEq)]
pub struct StockPolicy {
    /// Expected demand per period.
    pub mean_per_period: f64,
    /// Protection interval in periods.
    pub protection_periods: usize,
    /// Mean demand over the protection interval.
    pub ltd_mean: f64,
    /// Standard deviation of demand over the protection interval.
    pub ltd_sd: f64,
    /// Distribution used (`DemandDistribution::name`).
    pub distribution: &'static str,
    /// Safety stock: `reorder_point − ltd_mean`.
    pub min: f64,
    /// Reorder point: an order is placed when the position is below it.
    pub reorder_point: f64,
    /// Order-up-to level of inventory position (for lot-sized policies the position
    /// then reaches it with an order of `lot`: `max = reorder_point − 1 unit + lot`).
    pub max: f64,
    /// Economic order quantity, unrounded.
    pub eoq: f64,
    /// Order quantity for lot-sized policies, rounded (0 for order-up-to, without demand,
    /// and under periodic review for a lot of one unit or below one review's demand).
    pub lot: f64,
}

/// Compute the policy for one item. `history` is read for the bootstrap, the variance
/// bound and the idle rule ([`PolicySpec::effective_estimate`]); `seed` makes the
/// bootstrap reproducible.
pub fn compute_policy(
    est: DemandEstimate,
    item: &ItemParams,
    spec: &PolicySpec,
    history: &[f64],
    seed: u64,
) -> StockPolicy {
    PolicyModel::new(est, item, spec, history, seed).policy(spec.target)
}

/// Everything about one item's policy except the service target: its demand
/// distributions, lot and EOQ. Levels for several targets (an aggregate allocation tries
/// many shortage worths) are computed from one model without refitting.
#[derive(Debug, Clone)]
pub struct PolicyModel {
    est: DemandEstimate,
    protection_periods: usize,
    protection: DemandDistribution,
    lead: Option<DemandDistribution>,
    review_periods: usize,
    eoq: f64,
    lot: f64,
    unit: f64,
    unit_cost: f64,
}

/// Policy models built on this thread so far: lets tests check that a computation
/// meant to reuse its models does not build them again.
#[cfg(test)]
pub(crate) mod built {
    use std::cell::Cell;

    thread_local! {
        static COUNT: Cell<usize> = const { Cell::new(0) };
    }

    /// Count one model.
    pub(crate) fn add() {
        COUNT.with(|c| c.set(c.get() + 1));
    }

    /// Models built on this thread.
    pub(crate) fn count() -> usize {
        COUNT.with(Cell::get)
    }
}

impl PolicyModel {
    /// The model of one item (see [`compute_policy`] for `history` and `seed`);
    /// `spec.target` is not read.
    pub fn new(
        est: DemandEstimate,
        item: &ItemParams,
        spec: &PolicySpec,
        history: &[f64],
        seed: u64,
    ) -> Self {
        #[cfg(test)]
        built::add();
        let unit = item.counting_unit();
        let h_p = spec.review.protection(item.lead_time);
        let est = spec.effective_estimate(est, history, h_p);
        let protection = interval_distribution(est, h_p, unit, spec, history, seed);
        let eoq_value = eoq(
            item.order_cost.as_units_f64(),
            item.holding_cost.map_or(0.0, Nanos::as_units_f64),
            est.mean_per_period,
        );
        let lot = match spec.lot_sizing {
            LotSizing::OrderUpTo => 0.0,
            LotSizing::UpToMax | LotSizing::FixedQuantity => {
                sized_lot(
                    eoq_value,
                    item.order_cost.as_units_f64(),
                    item.holding_cost.map_or(0.0, Nanos::as_units_f64),
                    est.mean_per_period,
                    item,
                    spec.max_lot_periods,
                )
                .0
            }
        };
        // Under periodic review a lot below one review's demand is exceeded at every review,
        // and a lot of one unit is order-up-to to `s + 1`: the policy is order-up-to, whose
        // exact formula the lot formula (one order per lot) only approximates, overstating
        // the shortage and raising the level. Without demand there is nothing to order.
        let review_demand = est.mean_per_period * spec.review.period() as f64;
        let lot = match spec.review {
            _ if est.mean_per_period <= 0.0 => 0.0,
            Review::Periodic(_) if lot < review_demand || lot <= unit => 0.0,
            _ => lot,
        };
        let lead = match spec.shortage {
            ShortageFormula::Exact => Some(interval_distribution(
                est,
                item.lead_time,
                unit,
                spec,
                history,
                seed ^ 0x9e37,
            )),
            ShortageFormula::Approximate => None,
        };
        PolicyModel {
            est,
            protection_periods: h_p,
            protection,
            lead,
            review_periods: spec.review.period(),
            eoq: eoq_value,
            lot,
            unit,
            unit_cost: item.unit_cost.as_units_f64(),
        }
    }

    /// Hold the distributions' tables at their length: for a model kept for long (a
    /// prepared replay keeps one per item and period, see
    /// [`crate::simulate::PreparedItem`]); the levels stay the same.
    pub fn shrink_to_fit(&mut self) {
        self.protection.shrink_to_fit();
        if let Some(l) = &mut self.lead {
            l.shrink_to_fit();
        }
    }

    /// What the reorder-level search reads.
    pub fn level_inputs(&self) -> LevelInputs<'_> {
        LevelInputs {
            protection: &self.protection,
            lead: self.lead.as_ref(),
            period_demand: self.est.mean_per_period,
            review_periods: self.review_periods,
            lot: self.lot,
            unit: self.unit,
            unit_cost: self.unit_cost,
        }
    }

    /// Expected demand per period the levels are set on (after the variance bound; 0 for
    /// an estimate that is not a number).
    pub fn demand_per_period(&self) -> f64 {
        let mu = self.est.mean_per_period;
        if mu.is_finite() && mu > 0.0 { mu } else { 0.0 }
    }

    /// Unit cost in currency units.
    pub fn unit_cost(&self) -> f64 {
        self.unit_cost
    }

    /// Reorder level `s` for `target` (the lot formulas' level: see [`StockPolicy`]).
    pub fn level(&self, target: ServiceTarget) -> f64 {
        reorder_level(&self.level_inputs(), target, self.unit)
    }

    /// Expected units short per period at level `s`, at most the demand.
    pub fn shortage_at(&self, s: f64) -> f64 {
        let mu = self.demand_per_period();
        if mu <= 0.0 {
            return 0.0;
        }
        shortage_per_period(&self.level_inputs(), s).clamp(0.0, mu)
    }

    /// Expected stock on hand at level `s`, in units.
    pub fn on_hand_at(&self, s: f64) -> f64 {
        if self.protection.mean() <= 0.0 {
            return s.max(0.0);
        }
        expected_on_hand(&self.level_inputs(), s).max(0.0)
    }

    /// The levels for `target`.
    pub fn policy(&self, target: ServiceTarget) -> StockPolicy {
        let s = self.level(target);
        let ltd_mean = self.protection.mean();
        // The lot formulas order when the position is at or below `s` (it then lies in
        // `s + 1 … s + Q`); netting and the replay order when it is below the reorder point,
        // so that is one unit above `s`. Order-up-to orders whenever the position is below
        // its level: the same either way.
        let reorder_point = if self.lot > 0.0 && ltd_mean > 0.0 {
            s + self.unit
        } else {
            s
        };
        StockPolicy {
            mean_per_period: self.est.mean_per_period,
            protection_periods: self.protection_periods,
            ltd_mean,
            ltd_sd: self.protection.variance().sqrt(),
            distribution: self.protection.name(),
            min: reorder_point - ltd_mean,
            reorder_point,
            max: s + self.lot,
            eoq: self.eoq,
            lot: self.lot,
        }
    }
}

/// Demand over `periods` periods as a distribution chosen by `spec.distribution`.
pub fn interval_distribution(
    est: DemandEstimate,
    periods: usize,
    unit: f64,
    spec: &PolicySpec,
    history: &[f64],
    seed: u64,
) -> DemandDistribution {
    let h = periods as f64;
    if periods == 0 || est.mean_per_period.is_nan() || est.mean_per_period <= 0.0 {
        return DemandDistribution::Zero;
    }
    if spec.distribution == DistributionChoice::Bootstrap {
        let samples = willemain_bootstrap(history, periods, spec.bootstrap_samples, unit, seed);
        if let Some(e) = EmpiricalSamples::new(samples) {
            return DemandDistribution::Empirical(e);
        }
    }
    fit(
        h * est.mean_per_period,
        h * est.variance_per_period,
        unit,
        spec.distribution,
    )
}

/// What the reorder-level search needs.
#[derive(Debug, Clone, Copy)]
pub struct LevelInputs<'a> {
    /// Demand over the protection interval.
    pub protection: &'a DemandDistribution,
    /// Demand over the lead time alone (exact order-up-to fill rate), if used.
    pub lead: Option<&'a DemandDistribution>,
    /// Expected demand per period.
    pub period_demand: f64,
    /// Periods per review cycle.
    pub review_periods: usize,
    /// Order quantity (> 0 for lot-sized policies, 0 for order-up-to).
    pub lot: f64,
    /// Grid spacing of levels and positions (the counting unit, > 0).
    pub unit: f64,
    /// Unit cost in currency units (for `ShortageWorth`).
    pub unit_cost: f64,
}

impl LevelInputs<'_> {
    /// Grid spacing of levels and positions (1 when unset).
    fn grid(&self) -> f64 {
        if self.unit > 0.0 { self.unit } else { 1.0 }
    }
}

/// Expected fill rate at reorder level `s` (see the module doc), in `[0, 1]`.
pub fn fill_rate_at(inputs: &LevelInputs<'_>, s: f64) -> f64 {
    if inputs.period_demand <= 0.0 {
        return 1.0;
    }
    (1.0 - shortage_per_period(inputs, s) / inputs.period_demand).clamp(0.0, 1.0)
}

/// Expected units short per period at reorder level `s`, by the formulas of the module
/// doc (not capped at the demand: the marginal analysis of `ShortageWorth` needs the
/// slope even where the formula exceeds it).
pub fn shortage_per_period(inputs: &LevelInputs<'_>, s: f64) -> f64 {
    let p = inputs.protection;
    let review = inputs.review_periods.max(1) as f64;
    match (inputs.lot > 0.0, inputs.lead) {
        (true, Some(l)) => mean_over_lot(inputs, s, |y| (p.loss(y) - l.loss(y)).max(0.0)) / review,
        (true, None) => (p.loss(s) - p.loss(s + inputs.lot)) / inputs.lot * inputs.period_demand,
        (false, lead) => (p.loss(s) - lead.map_or(0.0, |l| l.loss(s))).max(0.0) / review,
    }
}

/// Positions a lot's average is taken over when it has more grid points than this.
const LOT_POSITIONS: usize = 32;

/// Mean of `f` over the positions after a review of a lot-sized policy at level `s`: the
/// grid points `s + unit … s + lot`, or for a longer lot the midpoints of
/// [`LOT_POSITIONS`] equal slices of the range they cover (each loss evaluation costs,
/// and the level search probes many levels).
fn mean_over_lot(inputs: &LevelInputs<'_>, s: f64, f: impl Fn(f64) -> f64) -> f64 {
    let unit = inputs.grid();
    let points = (inputs.lot / unit).round().max(1.0) as usize;
    if points <= LOT_POSITIONS {
        return (1..=points).map(|j| f(s + j as f64 * unit)).sum::<f64>() / points as f64;
    }
    let slice = inputs.lot / LOT_POSITIONS as f64;
    let start = s + 0.5 * unit;
    (0..LOT_POSITIONS)
        .map(|i| f(start + (i as f64 + 0.5) * slice))
        .sum::<f64>()
        / LOT_POSITIONS as f64
}

/// Expected stock on hand at the end of a period at reorder level `s`: for order-up-to,
/// `E[(S − P)⁺] = S − μ_P + n_P(S)`; for lot-sized policies the position is spread
/// evenly over `(s, s + Q]`, approximated by the mean of the two ends.
pub fn expected_on_hand(inputs: &LevelInputs<'_>, s: f64) -> f64 {
    let p = inputs.protection;
    let at = |x: f64| x - p.mean() + p.loss(x);
    if inputs.lot > 0.0 {
        0.5 * (at(s) + at(s + inputs.lot))
    } else {
        at(s)
    }
}

/// What one more `unit` of stock above level `s` does: the shortage per period it saves
/// and the stock on hand it adds, `shortage_per_period(s) − shortage_per_period(s + unit)`
/// and `expected_on_hand(s + unit) − expected_on_hand(s)` with each loss function value
/// computed once (the same numbers, in fewer evaluations).
pub fn one_more_unit(inputs: &LevelInputs<'_>, s: f64, unit: f64) -> (f64, f64) {
    let p = inputs.protection;
    let mu = p.mean();
    let (a, b) = (s, s + unit);
    if let (true, Some(l)) = (inputs.lot > 0.0, inputs.lead) {
        let held = expected_on_hand(inputs, b) - expected_on_hand(inputs, a);
        let grid = inputs.grid();
        if (unit - grid).abs() > 1e-12 * grid {
            // A step other than the positions' grid: the two sums in full.
            return (
                shortage_per_period(inputs, a) - shortage_per_period(inputs, b),
                held,
            );
        }
        // The positions after a review at `b` are those at `a` moved up one unit: of the
        // lot's grid sum only its two ends differ (for a lot longer than LOT_POSITIONS this
        // is the exact grid's step, which the sampled mean approximates).
        let points = (inputs.lot / grid).round().max(1.0);
        let f = |y: f64| (p.loss(y) - l.loss(y)).max(0.0);
        let review = inputs.review_periods.max(1) as f64;
        return (
            (f(a + grid) - f(a + (points + 1.0) * grid)) / points / review,
            held,
        );
    }
    if inputs.lot > 0.0 {
        let q = inputs.lot;
        let (na, naq, nb, nbq) = (p.loss(a), p.loss(a + q), p.loss(b), p.loss(b + q));
        let shortage = |n: f64, nq: f64| (n - nq) / q * inputs.period_demand;
        let on_hand = |x: f64, n: f64, nq: f64| 0.5 * ((x - mu + n) + ((x + q) - mu + nq));
        (
            shortage(na, naq) - shortage(nb, nbq),
            on_hand(b, nb, nbq) - on_hand(a, na, naq),
        )
    } else {
        let (na, nb) = (p.loss(a), p.loss(b));
        let (la, lb) = inputs.lead.map_or((0.0, 0.0), |l| (l.loss(a), l.loss(b)));
        let review = inputs.review_periods.max(1) as f64;
        let shortage = |n: f64, l: f64| (n - l).max(0.0) / review;
        (
            shortage(na, la) - shortage(nb, lb),
            (b - mu + nb) - (a - mu + na),
        )
    }
}

/// Fill rate an item without a unit cost is stocked to under
/// [`ServiceTarget::ShortageWorth`].
pub const FREE_ITEM_FILL: f64 = 0.999_999;

/// Smallest multiple of `unit` (≥ 0) meeting the target (under `ShortageWorth`, an item
/// without a unit cost is stocked to [`FREE_ITEM_FILL`]).
pub fn reorder_level(inputs: &LevelInputs<'_>, target: ServiceTarget, unit: f64) -> f64 {
    let p = inputs.protection;
    if p.mean() <= 0.0 {
        return 0.0;
    }
    // Without a unit cost a unit of stock weighs nothing against any worth, and the
    // marginal search below would never stop: such an item is stocked until it is
    // practically never short.
    let priced = inputs.unit_cost > 0.0;
    if matches!(target, ServiceTarget::ShortageWorth(_)) && !priced {
        return reorder_level(inputs, ServiceTarget::FillRate(FREE_ITEM_FILL), unit);
    }
    // Each probe says whether `s` meets the target and by how much (a margin ≥ 0 when it
    // does, in any unit): the search interpolates on the margins.
    let probe = |s: f64| -> (bool, f64) {
        match target {
            ServiceTarget::FillRate(f) => {
                let m = fill_rate_at(inputs, s) - (f - 1e-12);
                (m >= 0.0, m)
            }
            ServiceTarget::CycleServiceLevel(c) => {
                let m = p.cdf(s) - (c - 1e-12);
                (m >= 0.0, m)
            }
            ServiceTarget::ShortageWorth(worth) => {
                // Stop at the first level where one more unit is not worth its holding.
                // Far below the mean of protection demand one more unit saves nothing
                // either (demand uses it up before the next delivery): the search starts
                // above the mean, so it finds where the saving really runs out.
                let (saved, held) = one_more_unit(inputs, s, unit);
                let m = inputs.unit_cost * held - worth * saved;
                (m > 0.0, m)
            }
        }
    };
    let sd = p.variance().sqrt();
    let search = GridSearch {
        unit,
        guess: p.mean() + sd,
        step: if sd > 0.0 { sd } else { unit },
        upper: p.upper_bound(),
    };
    search.smallest(probe)
}

/// Where [`GridSearch::smallest`] starts looking.
#[derive(Debug, Clone, Copy)]
struct GridSearch {
    /// Grid spacing (> 0).
    unit: f64,
    /// First level probed.
    guess: f64,
    /// First stride when bracketing (doubled until the bracket holds).
    step: f64,
    /// A level known to meet any target (bounds the bracket; exceeded if it does not).
    upper: f64,
}

/// Largest grid index searched (levels beyond 2⁵² units are not representable exactly).
const MAX_GRID_INDEX: u64 = 1 << 52;

impl GridSearch {
    /// Smallest grid point `k·unit ≥ 0` whose probe meets, for a probe that is monotone
    /// (false below some point, true from it on).
    ///
    /// The point is bracketed by galloping from `guess` (strides `step`, `2·step`, …), then
    /// the bracket `(lo, hi]` shrinks by interpolating the probe's margins (Illinois
    /// variant of regula falsi), with a bisection whenever an interpolation step fails to
    /// halve it. The answer is the one a plain bisection gives, typically with a third of
    /// the probes: each probe costs loss-function evaluations, and a replay computes a
    /// level per item and period.
    fn smallest(&self, probe: impl Fn(f64) -> (bool, f64)) -> f64 {
        let unit = self.unit;
        let at = |k: u64| probe(k as f64 * unit);
        let stride = ((self.step / unit).round() as u64).max(1);
        let limit = ((self.upper / unit).ceil() as u64).clamp(1, MAX_GRID_INDEX);
        let first = ((self.guess / unit).round().max(0.0) as u64).min(limit);
        let (ok, m) = at(first);
        let (mut lo, mut m_lo, mut hi, mut m_hi);
        if ok {
            (hi, m_hi) = (first, m);
            let mut d = stride;
            loop {
                if hi == 0 {
                    return 0.0;
                }
                let k = hi.saturating_sub(d);
                let (ok, m) = at(k);
                if !ok {
                    (lo, m_lo) = (k, m);
                    break;
                }
                (hi, m_hi) = (k, m);
                d = d.saturating_mul(2);
            }
        } else {
            (lo, m_lo) = (first, m);
            let mut d = stride;
            loop {
                // Never step past the upper bound while below it: it usually meets.
                let k = if lo < limit {
                    lo.saturating_add(d).min(limit)
                } else {
                    lo.saturating_add(d)
                };
                if k > MAX_GRID_INDEX {
                    return k as f64 * unit;
                }
                let (ok, m) = at(k);
                if ok {
                    (hi, m_hi) = (k, m);
                    break;
                }
                (lo, m_lo) = (k, m);
                d = d.saturating_mul(2);
            }
        }
        // Invariant: probe(lo) fails, probe(hi) meets, lo < hi.
        // > 0: hi kept that many probes in a row; < 0: lo kept.
        let mut streak = 0i32;
        let mut bisect_next = false;
        while hi - lo > 1 {
            let width = hi - lo;
            let mid = if bisect_next || !(m_lo.is_finite() && m_hi.is_finite() && m_hi > m_lo) {
                lo + width / 2
            } else {
                let t = (-m_lo / (m_hi - m_lo)).clamp(0.0, 1.0);
                lo + (t * width as f64).round() as u64
            }
            .clamp(lo + 1, hi - 1);
            let (ok, m) = at(mid);
            if ok {
                (hi, m_hi) = (mid, m);
                // Illinois: the failing end survived again, so halve its margin.
                streak = streak.min(0) - 1;
                if streak <= -2 {
                    m_lo *= 0.5;
                }
            } else {
                (lo, m_lo) = (mid, m);
                streak = streak.max(0) + 1;
                if streak >= 2 {
                    m_hi *= 0.5;
                }
            }
            bisect_next = !bisect_next && (hi - lo) * 2 > width;
        }
        hi as f64 * unit
    }
}

/// Round `q` up to a multiple of `unit`, tolerating float noise just above a multiple.
pub fn round_up(q: f64, unit: f64) -> f64 {
    round_to_unit(q, unit, f64::ceil)
}

/// `q` as a multiple of `unit` by `direction` (ceil or floor), float noise next to a
/// multiple counting as the multiple; `q` itself without a counting unit.
fn round_to_unit(q: f64, unit: f64, direction: fn(f64) -> f64) -> f64 {
    if unit.is_nan() || unit <= 0.0 {
        return q;
    }
    let n = q / unit;
    let nearest = n.round();
    let count = if (n - nearest).abs() <= 1e-9 * nearest.abs().max(1.0) {
        nearest
    } else {
        direction(n)
    };
    count * unit
}

/// An order for `need` units after applying the MOQ and the counting unit.
pub fn round_order(need: f64, moq: f64, unit: f64) -> f64 {
    if need <= 0.0 {
        return 0.0;
    }
    round_up(need.max(moq), unit)
}

/// Economic order quantity `√(2KD/h)`; 0 when any input is not positive.
pub fn eoq(order_cost: f64, holding_cost: f64, demand_per_period: f64) -> f64 {
    if order_cost > 0.0 && holding_cost > 0.0 && demand_per_period > 0.0 {
        (2.0 * order_cost * demand_per_period / holding_cost).sqrt()
    } else {
        0.0
    }
}

/// The lot a lot-sized policy orders (before the periodic-review rule that may make it
/// order-up-to): the cheaper whole lot next to the EOQ, at most `max_lot_periods` of
/// `mean` demand rounded down (one unit at least), raised to the MOQ, in counting units.
/// Also whether the cap cut it.
pub fn sized_lot(
    eoq: f64,
    order_cost: f64,
    holding_cost: f64,
    mean: f64,
    item: &ItemParams,
    max_lot_periods: Option<usize>,
) -> (f64, bool) {
    let unit = item.counting_unit();
    let whole = cheaper_whole_lot(eoq, order_cost, holding_cost, mean, unit);
    let cap = max_lot_periods.map(|n| round_down(mean * n as f64, unit).max(unit));
    let capped = cap.is_some_and(|c| c < whole);
    let lot = cap.map_or(whole, |c| whole.min(c));
    (round_up(lot.max(item.moq).max(unit), unit), capped)
}

/// `q` rounded down to a multiple of `unit` (float noise just below a multiple counts as
/// the multiple).
pub fn round_down(q: f64, unit: f64) -> f64 {
    round_to_unit(q, unit, f64::floor)
}

/// The whole number of counting units next to `eoq` (below or above) with the lower
/// [`eoq_cost`] (the larger on a tie); one unit at the least, and the EOQ itself when it
/// is whole.
pub fn cheaper_whole_lot(
    eoq: f64,
    order_cost: f64,
    holding_cost: f64,
    demand: f64,
    unit: f64,
) -> f64 {
    let above = round_up(eoq.max(unit), unit);
    let below = above - unit;
    if below < unit || eoq <= 0.0 {
        return above;
    }
    let cost = |q: f64| eoq_cost(order_cost, holding_cost, demand, q);
    // On a tie the larger: the same cost in fewer orders.
    if cost(below) < cost(above) {
        below
    } else {
        above
    }
}

/// Cost per period of ordering `q` at a time: `K·D/q + h·q/2`.
pub fn eoq_cost(order_cost: f64, holding_cost: f64, demand_per_period: f64, q: f64) -> f64 {
    order_cost * demand_per_period / q + holding_cost * q / 2.0
}

/// Newsvendor cost `h·E[(S − D)⁺] + p·E[(D − S)⁺] = h(S − μ) + (h + p)·n(S)`.
pub fn newsvendor_cost(dist: &DemandDistribution, s: f64, holding: f64, stockout: f64) -> f64 {
    holding * (s - dist.mean()) + (holding + stockout) * dist.loss(s)
}

/// Optimal newsvendor level for normal demand: `μ + σ·Φ⁻¹(p/(p+h))`, and its cost.
pub fn newsvendor_normal(holding: f64, stockout: f64, mean: f64, sd: f64) -> (f64, f64) {
    let z = inverse_standard_normal_cdf(stockout / (stockout + holding));
    let s = mean + sd * z;
    (s, (holding + stockout) * sd * standard_normal_pdf(z))
}

/// Optimal newsvendor level for Poisson demand (smallest `S` with `F(S) ≥ p/(p+h)`) and
/// its cost.
pub fn newsvendor_poisson(holding: f64, stockout: f64, mean: f64) -> (f64, f64) {
    let dist = fit(mean, mean, 1.0, DistributionChoice::Poisson);
    let s = dist.quantile(stockout / (stockout + holding));
    (s, newsvendor_cost(&dist, s, holding, stockout))
}

/// `(r, Q)` by "EOQ plus safety stock" for normal demand (Snyder & Shen eq. 3.4, 5.21):
/// `Q = EOQ`, `r` = the newsvendor level of lead-time demand.
pub fn r_q_eoqss(
    holding: f64,
    stockout: f64,
    order_cost: f64,
    mean: f64,
    sd: f64,
    lead_time: f64,
) -> (f64, f64) {
    let (r, _) = newsvendor_normal(holding, stockout, mean * lead_time, sd * lead_time.sqrt());
    (r, eoq(order_cost, holding, mean))
}

/// `(r, Q)` by the Hadley–Whitin loss-function approximation for normal demand:
/// iterate `n(r) = hQ/(h+p)` and `Q = √(2[Kλ + (h+p)n⁽²⁾(r)]/h)` from `Q = EOQ`.
pub fn r_q_loss_function_approximation(
    holding: f64,
    stockout: f64,
    order_cost: f64,
    mean: f64,
    sd: f64,
    lead_time: f64,
) -> (f64, f64) {
    let mu = mean * lead_time;
    let sigma = sd * lead_time.sqrt();
    let mut q = eoq(order_cost, holding, mean);
    let mut r = 0.0;
    for _ in 0..1000 {
        let target = holding * q / (holding + stockout);
        let z = crate::distribution::inverse_standard_normal_loss(target / sigma);
        let r_new = mu + sigma * z;
        let q_new = (2.0
            * (order_cost * mean + (holding + stockout) * normal_second_loss(r_new, mu, sigma))
            / holding)
            .sqrt();
        let done = (q_new - q).abs() <= 1e-10 && (r_new - r).abs() <= 1e-10;
        q = q_new;
        r = r_new;
        if done {
            break;
        }
    }
    (r, q)
}

/// Expected cost per period of an `(r, Q)` policy with Poisson lead-time demand
/// (Snyder & Shen eq. 5.48): `[Kλ + Σ_{y=r+1}^{r+Q} g(y)] / Q`.
pub fn r_q_cost_poisson(
    r: i64,
    q: i64,
    holding: f64,
    stockout: f64,
    order_cost: f64,
    mean: f64,
    lead_time: f64,
) -> f64 {
    let dist = fit(
        mean * lead_time,
        mean * lead_time,
        1.0,
        DistributionChoice::Poisson,
    );
    let g: f64 = ((r + 1)..=(r + q))
        .map(|y| newsvendor_cost(&dist, y as f64, holding, stockout))
        .sum();
    (order_cost * mean + g) / q as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(lead_time: usize) -> ItemParams {
        ItemParams {
            lead_time,
            unit_cost: Nanos(2 * Nanos::PER_UNIT),
            order_cost: Nanos(5 * Nanos::PER_UNIT),
            holding_cost: Some(Nanos(Nanos::PER_UNIT / 100)),
            moq: 0.0,
            unit: 1.0,
        }
    }

    #[test]
    fn an_item_without_a_cost_under_a_shortage_worth_is_stocked_to_almost_never_short() {
        let est = DemandEstimate {
            mean_per_period: 1.0,
            variance_per_period: 1.5,
        };
        let free = ItemParams {
            unit_cost: Nanos(0),
            ..item(2)
        };
        for distribution in [DistributionChoice::Auto, DistributionChoice::Normal] {
            let spec = PolicySpec {
                distribution,
                ..PolicySpec::periodic_order_up_to(ServiceTarget::ShortageWorth(50.0))
            };
            let p = compute_policy(est, &free, &spec, &[], 1);
            let almost_never = compute_policy(
                est,
                &free,
                &PolicySpec {
                    target: ServiceTarget::FillRate(FREE_ITEM_FILL),
                    ..spec
                },
                &[],
                1,
            );
            // Not the end of the search grid (it was 4.5·10¹⁵ units).
            assert_eq!(p.reorder_point, almost_never.reorder_point, "{p:?}");
            assert!(p.reorder_point < 30.0, "{p:?}");
        }
    }

    #[test]
    fn reorder_point_is_min_plus_lead_time_demand() {
        let est = DemandEstimate {
            mean_per_period: 2.0,
            variance_per_period: 6.0,
        };
        let p = compute_policy(
            est,
            &item(3),
            &PolicySpec::periodic_order_up_to(ServiceTarget::FillRate(0.95)),
            &[],
            0,
        );
        assert_eq!(p.protection_periods, 4);
        assert!((p.ltd_mean - 8.0).abs() < 1e-9);
        assert!((p.min + p.ltd_mean - p.reorder_point).abs() < 1e-9);
        assert_eq!(p.reorder_point, p.reorder_point.round(), "whole units");
        assert_eq!(p.max, p.reorder_point);
    }

    #[test]
    fn higher_fill_target_never_lowers_the_level() {
        let est = DemandEstimate {
            mean_per_period: 0.3,
            variance_per_period: 1.5,
        };
        let mut last = 0.0;
        for f in [0.5, 0.8, 0.9, 0.95, 0.99, 0.999] {
            let spec = PolicySpec::periodic_order_up_to(ServiceTarget::FillRate(f));
            let s = compute_policy(est, &item(8), &spec, &[], 0).reorder_point;
            assert!(s >= last, "{f}: {s} < {last}");
            last = s;
        }
    }

    #[test]
    fn level_meets_the_fill_target_and_one_unit_less_does_not() {
        let est = DemandEstimate {
            mean_per_period: 1.2,
            variance_per_period: 4.0,
        };
        let spec = PolicySpec::periodic_order_up_to(ServiceTarget::FillRate(0.95));
        let it = item(5);
        let p = compute_policy(est, &it, &spec, &[], 0);
        let prot = interval_distribution(est, 6, 1.0, &spec, &[], 0);
        let lead = interval_distribution(est, 5, 1.0, &spec, &[], 0);
        let inputs = LevelInputs {
            protection: &prot,
            lead: Some(&lead),
            period_demand: 1.2,
            review_periods: 1,
            lot: 0.0,
            unit: 1.0,
            unit_cost: 2.0,
        };
        assert!(fill_rate_at(&inputs, p.reorder_point) >= 0.95);
        assert!(fill_rate_at(&inputs, p.reorder_point - 1.0) < 0.95);
    }

    #[test]
    fn approximate_formula_is_more_conservative_than_exact() {
        let est = DemandEstimate {
            mean_per_period: 1.0,
            variance_per_period: 3.0,
        };
        let mut spec = PolicySpec::periodic_order_up_to(ServiceTarget::FillRate(0.9));
        let exact = compute_policy(est, &item(10), &spec, &[], 0).reorder_point;
        spec.shortage = ShortageFormula::Approximate;
        let approx = compute_policy(est, &item(10), &spec, &[], 0).reorder_point;
        assert!(approx >= exact);
    }

    #[test]
    fn cycle_service_level_is_the_protection_quantile() {
        let est = DemandEstimate {
            mean_per_period: 2.0,
            variance_per_period: 2.0,
        };
        let spec = PolicySpec {
            distribution: DistributionChoice::Poisson,
            ..PolicySpec::periodic_order_up_to(ServiceTarget::CycleServiceLevel(0.9))
        };
        let p = compute_policy(est, &item(1), &spec, &[], 0);
        // Poisson(4): F(6) = 0.889, F(7) = 0.949.
        assert_eq!(p.reorder_point, 7.0);
    }

    #[test]
    fn lot_sized_policy_orders_eoq_rounded_to_the_unit_and_moq() {
        let est = DemandEstimate {
            mean_per_period: 1.0,
            variance_per_period: 2.0,
        };
        let spec = PolicySpec {
            lot_sizing: LotSizing::UpToMax,
            ..PolicySpec::periodic_order_up_to(ServiceTarget::FillRate(0.95))
        };
        let mut it = item(2);
        // EOQ = √(2·5·1/0.01) = 31.62 → 32.
        let p = compute_policy(est, &it, &spec, &[], 0);
        assert!((p.eoq - 31.622_776_601_683_793).abs() < 1e-9);
        assert_eq!(p.lot, 32.0);
        // Ordering below the reorder point brings the position to max with one lot.
        assert_eq!(p.max, p.reorder_point - 1.0 + 32.0);
        it.moq = 40.0;
        assert_eq!(compute_policy(est, &it, &spec, &[], 0).lot, 40.0);
    }

    #[test]
    fn no_demand_means_no_stock() {
        let est = DemandEstimate {
            mean_per_period: 0.0,
            variance_per_period: 0.0,
        };
        let spec = PolicySpec::periodic_order_up_to(ServiceTarget::FillRate(0.99));
        let p = compute_policy(est, &item(4), &spec, &[], 0);
        assert_eq!((p.reorder_point, p.max, p.eoq), (0.0, 0.0, 0.0));
        assert_eq!(p.distribution, "zero");
    }

    #[test]
    fn a_lot_is_the_cheaper_whole_number_next_to_the_eoq() {
        // K = 10, h = 1, D = 0.05: EOQ = 1, cost 1 at one unit, 1.25 at two.
        assert_eq!(
            cheaper_whole_lot(eoq(10.0, 1.0, 0.05), 10.0, 1.0, 0.05, 1.0),
            1.0
        );
        // EOQ √2.12 = 1.456: 1 costs 1.56, 2 costs 1.53.
        let q = eoq(10.0, 1.0, 0.106);
        assert!((q - 1.456).abs() < 1e-3, "{q}");
        assert_eq!(cheaper_whole_lot(q, 10.0, 1.0, 0.106, 1.0), 2.0);
        // EOQ 1.03 → 1, not 2.
        let q = eoq(10.0, 1.0, 0.053);
        assert_eq!(cheaper_whole_lot(q, 10.0, 1.0, 0.053, 1.0), 1.0);
        // Below one unit: one unit. Whole already: itself. Packs of 0.5: 2.6 → 2.5.
        assert_eq!(cheaper_whole_lot(0.3, 10.0, 1.0, 0.01, 1.0), 1.0);
        assert_eq!(cheaper_whole_lot(4.0, 10.0, 1.0, 0.8, 1.0), 4.0);
        assert_eq!(cheaper_whole_lot(2.6, 10.0, 1.0, 0.338, 0.5), 2.5);
        assert_eq!(cheaper_whole_lot(0.0, 0.0, 0.0, 0.0, 1.0), 1.0);
    }

    #[test]
    fn a_lot_covers_at_most_max_lot_periods_of_demand_but_the_moq_still_wins() {
        // A cheap slow part: EOQ √(2·200·0.2/0.04) = 44.7 units, over four years of 0.2 a week.
        let item = |moq: f64| ItemParams {
            lead_time: 2,
            unit_cost: Nanos(10 * Nanos::PER_UNIT),
            order_cost: Nanos(200 * Nanos::PER_UNIT),
            holding_cost: Some(Nanos(Nanos::PER_UNIT / 25)),
            moq,
            unit: 1.0,
        };
        let est = DemandEstimate {
            mean_per_period: 0.2,
            variance_per_period: 0.3,
        };
        let history = vec![0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0];
        let mut spec = PolicySpec::periodic_order_up_to(ServiceTarget::FillRate(0.95));
        spec.lot_sizing = LotSizing::UpToMax;
        let free = compute_policy(est, &item(0.0), &spec, &history, 1);
        assert_eq!(free.lot, 45.0);
        spec.max_lot_periods = Some(52);
        let capped = compute_policy(est, &item(0.0), &spec, &history, 1);
        // 52 × 0.2 = 10.4 → 10 units: never more than a year's demand.
        assert_eq!(capped.lot, 10.0);
        assert_eq!(capped.max, capped.reorder_point - 1.0 + 10.0);
        assert_eq!(round_down(10.4, 1.0), 10.0);
        assert_eq!(round_down(2.9999999999999996, 1.0), 3.0);
        assert_eq!(round_down(2.6, 0.5), 2.5);
        assert_eq!(
            compute_policy(est, &item(30.0), &spec, &history, 1).lot,
            30.0
        );
    }

    #[test]
    fn round_up_ignores_float_noise_but_rounds_real_fractions_up() {
        assert_eq!(round_up(0.06000000000000001, 0.02), 0.06);
        assert!((round_up(0.061, 0.02) - 0.08).abs() < 1e-12);
        assert_eq!(round_order(3.0, 10.0, 1.0), 10.0);
        assert_eq!(round_order(0.0, 10.0, 1.0), 0.0);
    }

    #[test]
    fn one_more_unit_agrees_with_the_shortage_and_stock_formulas() {
        let est = DemandEstimate {
            mean_per_period: 0.8,
            variance_per_period: 5.0,
        };
        let spec = PolicySpec::periodic_order_up_to(ServiceTarget::FillRate(0.9));
        let prot = interval_distribution(est, 7, 1.0, &spec, &[], 0);
        let lead = interval_distribution(est, 6, 1.0, &spec, &[], 0);
        for (lead, lot) in [
            (Some(&lead), 0.0),
            (None, 0.0),
            (None, 4.0),
            (Some(&lead), 4.0),
            (Some(&lead), 90.0),
        ] {
            let inputs = LevelInputs {
                protection: &prot,
                lead,
                period_demand: 0.8,
                review_periods: 1,
                lot,
                unit: 1.0,
                unit_cost: 2.0,
            };
            // A lot longer than LOT_POSITIONS is averaged over sampled positions, its step
            // exactly: they agree to the sampling's accuracy.
            let tolerance = if lot > LOT_POSITIONS as f64 {
                1e-4
            } else {
                1e-12
            };
            for s in [0.0, 1.0, 3.0, 6.5, 20.0] {
                // A step of two units off the lot's grid agrees exactly.
                let (saved2, _) = one_more_unit(&inputs, s, 2.0);
                let want2 = shortage_per_period(&inputs, s) - shortage_per_period(&inputs, s + 2.0);
                assert!((saved2 - want2).abs() < 1e-12, "{s} {lot}: step 2");
                let (saved, held) = one_more_unit(&inputs, s, 1.0);
                let want_saved =
                    shortage_per_period(&inputs, s) - shortage_per_period(&inputs, s + 1.0);
                let want_held = expected_on_hand(&inputs, s + 1.0) - expected_on_hand(&inputs, s);
                assert!(
                    (saved - want_saved).abs() < tolerance,
                    "{s} {lot}: {saved} {want_saved}"
                );
                assert!((held - want_held).abs() < 1e-12, "{s} {lot}");
            }
        }
    }

    #[test]
    fn the_level_search_finds_the_smallest_level_a_linear_scan_finds() {
        let spec = PolicySpec::periodic_order_up_to(ServiceTarget::FillRate(0.9));
        for (mean, var, unit) in [
            (0.3, 4.0, 1.0),
            (2.0, 2.5, 1.0),
            (0.5, 9.0, 0.02),
            (6.0, 400.0, 0.1),
            (40.0, 60.0, 1.0),
        ] {
            let est = DemandEstimate {
                mean_per_period: mean,
                variance_per_period: var,
            };
            let prot = interval_distribution(est, 9, unit, &spec, &[], 0);
            let lead = interval_distribution(est, 8, unit, &spec, &[], 0);
            let inputs = LevelInputs {
                protection: &prot,
                lead: Some(&lead),
                period_demand: mean,
                review_periods: 1,
                lot: 0.0,
                unit,
                unit_cost: 3.0,
            };
            let targets = [
                ServiceTarget::FillRate(0.5),
                ServiceTarget::FillRate(0.97),
                ServiceTarget::CycleServiceLevel(0.9),
                ServiceTarget::ShortageWorth(0.5),
                ServiceTarget::ShortageWorth(1e3),
                ServiceTarget::ShortageWorth(1e7),
            ];
            for target in targets {
                let meets = |s: f64| match target {
                    ServiceTarget::FillRate(f) => fill_rate_at(&inputs, s) >= f - 1e-12,
                    ServiceTarget::CycleServiceLevel(c) => prot.cdf(s) >= c - 1e-12,
                    ServiceTarget::ShortageWorth(w) => {
                        let (saved, held) = one_more_unit(&inputs, s, unit);
                        w * saved < inputs.unit_cost * held
                    }
                };
                let found = reorder_level(&inputs, target, unit);
                let k = (found / unit).round() as u64;
                let case = format!(
                    "{} mean {mean} var {var} unit {unit} {target:?}",
                    prot.name()
                );
                assert!(meets(found), "{case}: {found} does not meet");
                assert!(
                    k == 0 || !meets((k - 1) as f64 * unit),
                    "{case}: {found} is not the first"
                );
                if !matches!(target, ServiceTarget::ShortageWorth(_)) {
                    // Fill rate and service level grow with the level: the first level
                    // meeting them from 0 up is the answer.
                    let mut first = 0u64;
                    while !meets(first as f64 * unit) {
                        first += 1;
                    }
                    assert_eq!(k, first, "{case}");
                }
            }
        }
    }

    #[test]
    fn eoq_is_zero_without_costs() {
        assert_eq!(eoq(0.0, 1.0, 5.0), 0.0);
        assert_eq!(eoq(5.0, 0.0, 5.0), 0.0);
    }

    #[test]
    fn the_range_bound_caps_the_variance_at_bhatia_davis() {
        let history = [0.0, 4.0, 0.0, 1.0, 0.0];
        let est = DemandEstimate {
            mean_per_period: 0.01,
            variance_per_period: 0.4,
        };
        let b = VarianceBound::HistoryRange.apply(est, &history, 9);
        assert_eq!(b.mean_per_period, 0.01);
        assert!((b.variance_per_period - 3.99 * 0.01).abs() < 1e-15, "{b:?}");
        assert_eq!(VarianceBound::None.apply(est, &history, 9), est);
        // Below the bound, and where the history gives no range, nothing changes.
        let small = DemandEstimate {
            variance_per_period: 0.02,
            ..est
        };
        assert_eq!(VarianceBound::HistoryRange.apply(small, &history, 9), small);
        assert_eq!(VarianceBound::HistoryRange.apply(est, &[], 9), est);
        let at_top = DemandEstimate {
            mean_per_period: 4.0,
            variance_per_period: 1.0,
        };
        assert_eq!(
            VarianceBound::HistoryRange.apply(at_top, &history, 9),
            at_top
        );
        // Over windows of 2 periods the largest total is 4 (+ 0): (4 − 0.02)·0.01 per
        // period; over 5, the whole history's 5: (5 − 0.05)·0.01.
        let w = VarianceBound::WindowRange.apply(est, &history, 2);
        assert!((w.variance_per_period - 3.98 * 0.01).abs() < 1e-15, "{w:?}");
        let w = VarianceBound::WindowRange.apply(est, &history, 5);
        assert!((w.variance_per_period - 4.95 * 0.01).abs() < 1e-15, "{w:?}");
        assert_eq!(largest_window_total(&[1.0, 0.0, 3.0, 2.0, 0.0], 2), 5.0);
    }

    #[test]
    fn an_idle_history_gets_no_stock_and_a_recent_demand_ends_the_idleness() {
        let spec = PolicySpec {
            idle_limit: Some(3),
            max_lot_periods: None,
            ..PolicySpec::periodic_order_up_to(ServiceTarget::FillRate(0.95))
        };
        let est = DemandEstimate {
            mean_per_period: 0.5,
            variance_per_period: 0.5,
        };
        let idle = [2.0, 1.0, 0.0, 0.0, 0.0];
        let p = compute_policy(est, &item(2), &spec, &idle, 0);
        assert_eq!((p.reorder_point, p.max, p.mean_per_period), (0.0, 0.0, 0.0));
        let recent = [2.0, 0.0, 0.0, 1.0, 0.0];
        assert!(compute_policy(est, &item(2), &spec, &recent, 0).reorder_point > 0.0);
        assert_eq!(trailing_idle_periods(&idle), 3);
        assert_eq!(trailing_idle_periods(&[0.0, 0.0]), 2);
    }

    #[test]
    fn a_lot_never_raises_the_reorder_point_above_order_up_to() {
        // After every review the position of a lot-sized policy is at least its reorder
        // point, so it holds at least what order-up-to to that point holds; the
        // continuous-time lot formula gave 21 here against order-up-to's 20.
        let up_to = PolicySpec {
            distribution: DistributionChoice::Poisson,
            ..PolicySpec::periodic_order_up_to(ServiceTarget::FillRate(0.95))
        };
        for (mean, lead, order_cost, holding) in [
            (5.0, 2, 2.0, 1.0),
            (5.0, 2, 22.5, 1.0),
            (1.0, 1, 18.0, 1.0),
            (2.0, 2, 16.0, 1.0),
            (0.3, 6, 40.0, 0.2),
        ] {
            let est = DemandEstimate {
                mean_per_period: mean,
                variance_per_period: mean,
            };
            let it = ItemParams {
                order_cost: Nanos((order_cost * Nanos::PER_UNIT as f64) as i64),
                holding_cost: Some(Nanos((holding * Nanos::PER_UNIT as f64) as i64)),
                ..item(lead)
            };
            let q = compute_policy(est, &it, &up_to, &[], 0);
            for lot_sizing in [LotSizing::UpToMax, LotSizing::FixedQuantity] {
                let spec = PolicySpec {
                    lot_sizing,
                    ..up_to
                };
                let p = compute_policy(est, &it, &spec, &[], 0);
                assert!(p.lot > 0.0, "{mean} {lead}: a lot");
                assert!(
                    p.reorder_point <= q.reorder_point,
                    "{mean} {lead} {lot_sizing:?} lot {}: {} > {}",
                    p.lot,
                    p.reorder_point,
                    q.reorder_point
                );
            }
        }
    }

    #[test]
    fn continuous_review_protects_the_lead_time_and_the_period_an_order_waits() {
        let est = DemandEstimate {
            mean_per_period: 5.0,
            variance_per_period: 5.0,
        };
        let periodic = PolicySpec {
            distribution: DistributionChoice::Poisson,
            ..PolicySpec::periodic_order_up_to(ServiceTarget::FillRate(0.95))
        };
        let continuous = PolicySpec {
            review: Review::Continuous,
            ..periodic
        };
        for lead in [0, 2] {
            let c = compute_policy(est, &item(lead), &continuous, &[], 0);
            let p = compute_policy(est, &item(lead), &periodic, &[], 0);
            assert_eq!(c.protection_periods, lead + 1);
            assert!(c.reorder_point > 0.0, "lead {lead}: {c:?}");
            assert_eq!((c.reorder_point, c.max), (p.reorder_point, p.max));
        }
    }

    #[test]
    fn a_lot_below_one_reviews_demand_plans_order_up_to() {
        let est = DemandEstimate {
            mean_per_period: 10.0,
            variance_per_period: 30.0,
        };
        let up_to = PolicySpec::periodic_order_up_to(ServiceTarget::FillRate(0.95));
        let lot_sized = PolicySpec {
            lot_sizing: LotSizing::UpToMax,
            ..up_to
        };
        // EOQ = √(2·0.2·10/0.01) = 20 ≥ 10 a week: a lot.
        let mut it = ItemParams {
            order_cost: Nanos(Nanos::PER_UNIT / 5),
            ..item(4)
        };
        let p = compute_policy(est, &it, &lot_sized, &[], 0);
        assert_eq!(p.lot, 20.0);
        // EOQ = √(2·0.02·10/0.01) ≈ 6.3 < 10 a week: every review orders more anyway.
        it.order_cost = Nanos(Nanos::PER_UNIT / 50);
        let p = compute_policy(est, &it, &lot_sized, &[], 0);
        let q = compute_policy(est, &it, &up_to, &[], 0);
        assert_eq!(p.lot, 0.0);
        assert_eq!((p.reorder_point, p.max), (q.reorder_point, q.reorder_point));
    }

    #[test]
    fn a_one_unit_lot_plans_order_up_to_and_no_demand_orders_nothing_whatever_the_moq() {
        let up_to = PolicySpec {
            distribution: DistributionChoice::Poisson,
            ..PolicySpec::periodic_order_up_to(ServiceTarget::FillRate(0.92))
        };
        let lot_sized = PolicySpec {
            lot_sizing: LotSizing::UpToMax,
            ..up_to
        };
        // 0.1 a week, EOQ √(2·0.01·0.1/0.01) ≈ 0.45 → a lot of one unit: the policy is
        // order-up-to; the lot formula put the level at 3 where the exact one needs 2.
        let est = DemandEstimate {
            mean_per_period: 0.1,
            variance_per_period: 0.1,
        };
        let it = ItemParams {
            order_cost: Nanos(Nanos::PER_UNIT / 100),
            ..item(4)
        };
        let p = compute_policy(est, &it, &lot_sized, &[], 0);
        let q = compute_policy(est, &it, &up_to, &[], 0);
        assert_eq!(p.lot, 0.0);
        assert_eq!((p.reorder_point, p.max), (q.reorder_point, q.reorder_point));
        assert_eq!(q.reorder_point, 2.0);
        // No demand: no lot, even with a MOQ, so a backorder never orders 50 of a dead part.
        let none = DemandEstimate {
            mean_per_period: 0.0,
            variance_per_period: 0.0,
        };
        let moq = ItemParams { moq: 50.0, ..it };
        let z = compute_policy(none, &moq, &lot_sized, &[], 0);
        assert_eq!((z.reorder_point, z.max, z.lot), (0.0, 0.0, 0.0));
    }
}
