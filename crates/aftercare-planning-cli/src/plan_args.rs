//! Flags shared by `plan policy` and `plan simulate`, and the settings they decide.

use std::path::PathBuf;

use aftercare_planning::distribution::DistributionChoice;
use aftercare_planning::policy::{
    LotSizing, PolicySpec, Review, ServiceTarget, ShortageFormula, VarianceBound,
};
use aftercare_planning::simulate::{ErrorWindow, SimConfig, VarianceModel};
use anyhow::Context;

use crate::common::{ClassArgs, Forecaster, MethodArgs, ThreadArgs};

/// Flags shared by `plan policy` and `plan simulate`.
#[derive(Debug, Clone, clap::Args)]
pub struct PlanArgs {
    /// Items CSV: `sku,lead_time,unit_cost,order_cost,holding_cost_per_unit_per_period,moq,pack_size`,
    /// optionally `replaces,replaces_share`: a successor part inherits the demand history of
    /// the part it replaces (times the share, 0 < share ≤ 1, blank = 1), chains allowed.
    #[arg(long)]
    pub items: PathBuf,
    /// Target fill rate (share of demanded units filled from stock), 0..1.
    #[arg(
        long = "target-fill",
        conflicts_with = "target_csl",
        required_unless_present = "target_csl"
    )]
    pub target_fill: Option<f64>,
    /// Target cycle service level (share of cycles without stockout), 0..1.
    #[arg(long = "target-csl")]
    pub target_csl: Option<f64>,
    /// Periods between reviews (0 = continuous review).
    #[arg(long = "review-period", default_value_t = 1)]
    pub review_period: usize,
    /// Lot sizing: order-up-to (R,S), s-S (up to max = reorder point − 1 + EOQ) or s-Q (lots
    /// of EOQ).
    #[arg(long, default_value = "order-up-to")]
    pub policy: String,
    /// Lead-time demand distribution: auto, normal, poisson, nbinom, gamma or bootstrap.
    #[arg(long, default_value = "auto")]
    pub distribution: String,
    /// Fill-rate formula for order-up-to: exact or approx (one-term, overstates shortage).
    #[arg(long, default_value = "exact")]
    pub shortage: String,
    /// Variance: one-step (protection periods × one-step MSE) or lead-time (MSE of
    /// protection-interval totals).
    #[arg(long, default_value = "one-step")]
    pub variance: String,
    /// Variance bound: range (at most (M − mean)·mean per period, M the history's largest
    /// period; with --variance lead-time the same for protection-interval totals) or none.
    #[arg(long = "variance-bound", default_value = "range")]
    pub variance_bound: String,
    /// Do not stock items of class `inactive` (no demand in the last --inactive-periods
    /// periods): levels 0. By default they are stocked like any other.
    #[arg(long = "skip-inactive")]
    pub skip_inactive: bool,
    /// One-step errors counted: after-first-demand or from-start.
    #[arg(long, default_value = "after-first-demand")]
    pub errors: String,
    /// How a fill target is met: aggregate (one shortage worth for all items, calibrated
    /// by replaying history: what the product's warehouse_history allocation does),
    /// expected (one shortage worth for all items, calibrated on their expected fill now:
    /// what the product's warehouse allocation does) or item (each item planned to the
    /// target).
    #[arg(long, default_value = "aggregate")]
    pub allocation: String,
    /// Most series replayed to calibrate an aggregate fill target: all series with demand
    /// in the replayed periods when there are no more, else a sample of this many drawn
    /// by demand volume.
    #[arg(long = "calibration-sample", default_value_t = 2000)]
    pub calibration_sample: usize,
    /// Raise orders to the items' MOQ.
    #[arg(long)]
    pub moq: bool,
    /// The data README's baseline: CrostonSBA, normal, approx, from-start, item, no MOQ,
    /// weekly order-up-to, no variance bound, inactive items stocked (overrides those
    /// flags).
    #[arg(long)]
    pub baseline: bool,
    /// Bootstrap samples per item and period (distribution bootstrap).
    #[arg(long = "bootstrap-samples", default_value_t = 500)]
    pub bootstrap_samples: usize,
    /// Seed of the bootstrap.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Forecasting method and parameters.
    #[command(flatten)]
    pub method: MethodArgs,
    /// Classification windows.
    #[command(flatten)]
    pub class: ClassArgs,
    /// Worker threads.
    #[command(flatten)]
    pub threads: ThreadArgs,
}

/// How a fill target is spread over items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Allocation {
    /// One shortage worth for all items, calibrated by replaying history.
    Aggregate,
    /// One shortage worth for all items, calibrated on their expected fill.
    Expected,
    /// Every item to the target.
    Item,
}

/// Everything decided from the flags.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Replay settings (holdout filled in by the command).
    pub sim: SimConfig,
    /// Fill-target allocation.
    pub allocation: Allocation,
    /// The forecaster.
    pub forecaster: Forecaster,
    /// The user's target.
    pub target: ServiceTarget,
}

impl PlanArgs {
    /// Check the flags and turn them into settings.
    pub fn settings(&self) -> anyhow::Result<Settings> {
        let target = match (self.target_fill, self.target_csl) {
            (Some(f), None) => ServiceTarget::FillRate(f),
            (None, Some(c)) => ServiceTarget::CycleServiceLevel(c),
            _ => anyhow::bail!("give exactly one of --target-fill and --target-csl"),
        };
        anyhow::ensure!(
            target.value() > 0.0 && target.value() < 1.0,
            "the target must be between 0 and 1 (exclusive), got {}",
            target.value()
        );
        let review = match self.review_period {
            0 => Review::Continuous,
            r => Review::Periodic(r),
        };
        let lot_sizing = match self.policy.as_str() {
            "order-up-to" => LotSizing::OrderUpTo,
            "s-S" | "s-s" => LotSizing::UpToMax,
            "s-Q" | "s-q" => LotSizing::FixedQuantity,
            other => anyhow::bail!("--policy must be order-up-to, s-S or s-Q, got {other:?}"),
        };
        let distribution = DistributionChoice::parse(&self.distribution).with_context(|| {
            format!(
                "--distribution must be auto, normal, poisson, nbinom, gamma or bootstrap, got {:?}",
                self.distribution
            )
        })?;
        let shortage = match self.shortage.as_str() {
            "exact" => ShortageFormula::Exact,
            "approx" => ShortageFormula::Approximate,
            other => anyhow::bail!("--shortage must be exact or approx, got {other:?}"),
        };
        let variance = match self.variance.as_str() {
            "one-step" => VarianceModel::ScaledOneStep,
            "lead-time" => VarianceModel::LeadTimeErrors,
            other => anyhow::bail!("--variance must be one-step or lead-time, got {other:?}"),
        };
        let variance_bound = match self.variance_bound.as_str() {
            // The lead-time model's variance is a window's: bound the window's total.
            "range" if variance == VarianceModel::LeadTimeErrors => VarianceBound::WindowRange,
            "range" => VarianceBound::HistoryRange,
            "none" => VarianceBound::None,
            other => anyhow::bail!("--variance-bound must be range or none, got {other:?}"),
        };
        let errors = match self.errors.as_str() {
            "after-first-demand" => ErrorWindow::AfterFirstDemand,
            "from-start" => ErrorWindow::FromStart,
            other => {
                anyhow::bail!("--errors must be after-first-demand or from-start, got {other:?}")
            }
        };
        let allocation = match self.allocation.as_str() {
            "aggregate" => Allocation::Aggregate,
            "expected" => Allocation::Expected,
            "item" => Allocation::Item,
            other => {
                anyhow::bail!("--allocation must be aggregate, expected or item, got {other:?}")
            }
        };
        let mut settings = Settings {
            sim: SimConfig {
                holdout: 0,
                spec: PolicySpec {
                    review,
                    lot_sizing,
                    target,
                    shortage,
                    distribution,
                    bootstrap_samples: self.bootstrap_samples.max(1),
                    variance_bound,
                    idle_limit: self.skip_inactive.then_some(self.class.inactive_periods),
                    max_lot_periods: None,
                },
                variance,
                errors,
                apply_moq: self.moq,
                seed: self.seed,
            },
            allocation,
            forecaster: self.method.forecaster()?,
            target,
        };
        if self.baseline {
            let mut method = self.method.clone();
            method.method = "sba".into();
            settings.forecaster = method.forecaster()?;
            settings.allocation = Allocation::Item;
            let spec = &mut settings.sim.spec;
            spec.review = Review::Periodic(1);
            spec.lot_sizing = LotSizing::OrderUpTo;
            spec.shortage = ShortageFormula::Approximate;
            spec.distribution = DistributionChoice::Normal;
            spec.variance_bound = VarianceBound::None;
            spec.idle_limit = None;
            settings.sim.variance = VarianceModel::ScaledOneStep;
            settings.sim.errors = ErrorWindow::FromStart;
            settings.sim.apply_moq = false;
        }
        Ok(settings)
    }
}

/// The replay window of an aggregate fill calibration over `history` periods (a replay
/// needs at least one period before it; `before` says where those periods are, for
/// messages): the user's `explicit` window, which must fit, else `default` when it fits,
/// else half of the history, or none when the history has fewer than 2 periods. The
/// second value is a note for stderr when the default did not fit.
pub fn calibration_window(
    explicit: Option<usize>,
    default: usize,
    history: usize,
    before: &str,
) -> anyhow::Result<(Option<usize>, Option<String>)> {
    if let Some(window) = explicit {
        anyhow::ensure!(
            window >= 1 && window < history,
            "--calibration-window {window} must leave history to plan from: at most {} (the {history} period(s) {before} less one)",
            history.saturating_sub(1)
        );
        return Ok((Some(window), None));
    }
    if default >= 1 && default < history {
        return Ok((Some(default), None));
    }
    if history >= 2 {
        let half = history / 2;
        let note = format!(
            "note: the default calibration window of {default} periods does not fit the {history} periods {before}; replaying the last {half} (half of them) instead"
        );
        return Ok((Some(half), Some(note)));
    }
    let note = format!(
        "warning: {history} period(s) {before} are too few to calibrate an aggregate fill target; every item is planned to the target on its own (as --allocation item)"
    );
    Ok((None, Some(note)))
}

impl Settings {
    /// Whether the fill target is met in aggregate through a worth calibrated by replay.
    pub fn calibrates(&self) -> bool {
        self.allocation == Allocation::Aggregate
            && matches!(self.target, ServiceTarget::FillRate(_))
    }

    /// The fill target to meet in expectation through one worth (`--allocation expected`).
    pub fn expected_fill_target(&self) -> Option<f64> {
        match (self.allocation, self.target) {
            (Allocation::Expected, ServiceTarget::FillRate(f)) => Some(f),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_calibration_window_is_capped_to_half_the_history_and_an_explicit_one_is_not() {
        let w = |explicit, history| calibration_window(explicit, 52, history, "of history");
        assert_eq!(w(None, 150).unwrap(), (Some(52), None));
        assert_eq!(w(None, 53).unwrap(), (Some(52), None));
        let (window, note) = w(None, 24).unwrap();
        assert_eq!(window, Some(12));
        assert_eq!(
            note.unwrap(),
            "note: the default calibration window of 52 periods does not fit the 24 periods of history; replaying the last 12 (half of them) instead"
        );
        assert_eq!(w(None, 52).unwrap().0, Some(26));
        assert_eq!(w(None, 2).unwrap().0, Some(1));
        let (window, note) = w(None, 1).unwrap();
        assert_eq!(window, None);
        assert!(note.unwrap().contains("too few to calibrate"));
        assert_eq!(w(Some(10), 24).unwrap(), (Some(10), None));
        let e = w(Some(52), 24).unwrap_err().to_string();
        assert_eq!(
            e,
            "--calibration-window 52 must leave history to plan from: at most 23 (the 24 period(s) of history less one)"
        );
        assert!(w(Some(0), 24).is_err());
    }
}
