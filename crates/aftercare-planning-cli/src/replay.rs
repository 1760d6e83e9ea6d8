//! Replays over the panel, shared by `plan policy` and `plan simulate`: the forecast after
//! every prefix of a series (the replay's refits, see `aftercare_planning::simulate`) and
//! the calibration of one shortage worth to an aggregate fill rate.
//!
//! A calibration replays a set of series several times. On a large panel it replays a
//! sample of them ([`calibration_sample`]): the worth is one number for all items, and a
//! few thousand items pin down the aggregate fill it gives, if they are drawn with care.
//! The aggregate fill is a ratio of units (filled / demanded), and units are concentrated
//! (on the 1,000,000-series speed panel 1 % of the series carry 28 % of the demand), so
//! an evenly spaced sample of 2,000 series put the calibrated worth anywhere between 5·10²
//! and 4·10⁵ depending on which series it happened to hold. The sample is therefore drawn
//! with probability proportional to each series' demand in the measured periods of the
//! calibration window (systematic PPS sampling; series above the sampling step are taken
//! for certain) and the fill is estimated with Horvitz–Thompson weights. Series without
//! demand in those periods add nothing to either side of the ratio and are left out,
//! which is exact.

use aftercare_planning::allocate::{
    AggregateFill, GroupOutcome, calibrate_worth_by, group_outcome,
};
use aftercare_planning::auto;
use aftercare_planning::forecast::{Method, Scratch};
use aftercare_planning::policy::{
    DemandEstimate, ItemParams, PolicyModel, PolicySpec, ServiceTarget,
};
use aftercare_planning::series::Panel;
use aftercare_planning::simulate::{
    Calibration, ErrorWindow, SimConfig, VarianceModel, calibrate_worth, measured_periods,
    prefix_estimates, prefix_forecasts, simulate_with_estimates, summarize,
};
use rayon::prelude::*;

use crate::common::{Forecaster, ForecasterBuffers, progress};

/// The demand estimate after every prefix of each series `ids` of `panel`, in the order
/// of `ids` (see [`series_prefix_estimates`]).
pub fn prefix_estimates_of(
    panel: &Panel,
    ids: &[usize],
    forecaster: &Forecaster,
    horizon_of: impl Fn(usize) -> usize + Sync,
    variance: VarianceModel,
    errors: ErrorWindow,
) -> Vec<Vec<DemandEstimate>> {
    let bar = progress(ids.len() as u64, "estimating after every prefix");
    let out = ids
        .par_iter()
        .map_init(ForecasterBuffers::default, |buf, &i| {
            let y = panel.series(i);
            let e = series_prefix_estimates(y, forecaster, horizon_of(i), variance, errors, buf);
            bar.inc(1);
            e
        })
        .collect();
    bar.finish_and_clear();
    out
}

/// `e[t]`: the demand estimate `plan policy` makes from `y[..t]`, for `t` in
/// `0..=y.len()` ([`Forecaster::estimate`] on every prefix, so the replay refits every
/// period and plans exactly as `plan policy` would have then).
///
/// A fixed-parameter method rolls forward in one pass instead: its rolled forecasts are
/// its refits, so the result is the same.
pub fn series_prefix_estimates(
    y: &[f64],
    forecaster: &Forecaster,
    horizon: usize,
    variance: VarianceModel,
    errors: ErrorWindow,
    buf: &mut ForecasterBuffers,
) -> Vec<DemandEstimate> {
    match forecaster {
        Forecaster::Fixed { method, .. } if rolls_exactly(method) => {
            let f = series_prefix_forecasts(y, forecaster, horizon);
            prefix_estimates(y, &f, horizon, variance, errors)
        }
        _ => (0..=y.len())
            .map(|t| {
                if t == 0 {
                    DemandEstimate {
                        mean_per_period: 0.0,
                        variance_per_period: 0.0,
                    }
                } else {
                    forecaster
                        .estimate(&y[..t], horizon, variance, errors, buf)
                        .1
                }
            })
            .collect(),
    }
}

/// `f[t]` = forecast after `y[..t]` for `t` in `1..=y.len()`; fixed-parameter methods
/// roll forward in one pass, optimized methods and `auto` are refit on every prefix.
pub fn series_prefix_forecasts(y: &[f64], forecaster: &Forecaster, horizon: usize) -> Vec<f64> {
    let mut scratch = Scratch::default();
    match forecaster {
        Forecaster::Fixed { method, .. } if rolls_exactly(method) && !y.is_empty() => {
            let mut f = vec![f64::NAN; y.len() + 1];
            auto::rolling_levels(method, y, 1, &mut f[1..y.len()], &mut Default::default());
            f[y.len()] = method.level(y, &mut scratch);
            f
        }
        Forecaster::Fixed { method, .. } => prefix_forecasts(y, |p| method.level(p, &mut scratch)),
        Forecaster::Auto(cfg) => {
            let mut ws = auto::Workspace::default();
            prefix_forecasts(y, |p| {
                auto::select_into(p, horizon.max(1), cfg, &mut ws).level
            })
        }
    }
}

fn rolls_exactly(method: &Method) -> bool {
    !matches!(method, Method::SesOptimized | Method::CrostonOptimized)
}

/// One shortage worth for every series of `panel`, at which their expected fill rate
/// with the estimates `estimate(i)` made from the first `end` periods is `target_fill`
/// (`--allocation expected`; `aftercare_planning::allocate`). Series without a unit cost
/// are left out of the calibration, as the product leaves them out.
pub fn expected_worth(
    panel: &Panel,
    items: &[ItemParams],
    estimate: impl Fn(usize) -> DemandEstimate + Sync,
    end: usize,
    spec: &PolicySpec,
    seed: u64,
    target_fill: f64,
) -> AggregateFill {
    let models: Vec<PolicyModel> = (0..panel.len())
        .into_par_iter()
        .filter(|&i| items[i].unit_cost.0 > 0)
        .map(|i| {
            let history = &panel.series(i)[..end.min(panel.periods())];
            PolicyModel::new(estimate(i), &items[i], spec, history, seed ^ i as u64)
        })
        .collect();
    // Summed per chunk, then over the chunks in order: the same worth on every run.
    calibrate_worth_by(target_fill, |w| {
        models
            .par_chunks(4096)
            .map(|c| group_outcome(c, ServiceTarget::ShortageWorth(w)))
            .collect::<Vec<GroupOutcome>>()
            .into_iter()
            .sum()
    })
}

/// The policy settings of one item when `cfg` holds one shortage worth for all items: an
/// item without a unit cost has no price to weigh a shortage against, so it is planned
/// to the user's own `target` instead, as the product plans it.
pub fn per_item_target(cfg: &SimConfig, item: &ItemParams, target: ServiceTarget) -> SimConfig {
    match cfg.spec.target {
        ServiceTarget::ShortageWorth(_) if item.unit_cost.0 <= 0 => SimConfig {
            spec: PolicySpec { target, ..cfg.spec },
            ..*cfg
        },
        _ => *cfg,
    }
}

/// Series replayed for a calibration, with their weights.
#[derive(Debug, Clone, PartialEq)]
pub struct CalibrationSample {
    /// Series (indices into the panel), in panel order.
    pub ids: Vec<usize>,
    /// Each series' weight: how many units of the panel one of its units stands for
    /// (1 when taken for certain).
    pub weights: Vec<f64>,
}

/// Draw at most `max` series for a calibration replay of the last `window` periods of
/// `panel` (see the module doc). `volume[i]` is series `i`'s demand in the periods the
/// replay measures; series without any are left out. When no more than `max` series
/// have demand, all of them are taken with weight 1: the replay is then exactly the
/// replay of the whole panel. Deterministic.
pub fn calibration_sample(volume: &[f64], max: usize) -> CalibrationSample {
    let positive: Vec<usize> = (0..volume.len()).filter(|&i| volume[i] > 0.0).collect();
    if positive.len() <= max.max(1) {
        let weights = vec![1.0; positive.len()];
        return CalibrationSample {
            ids: positive,
            weights,
        };
    }
    // Series at least one sampling step large are certain; the step is recomputed over
    // the rest until no further series reaches it.
    let mut certain = vec![false; volume.len()];
    let (mut rest_total, mut rest_size): (f64, usize) =
        (positive.iter().map(|&i| volume[i]).sum(), max);
    loop {
        let step = rest_total / rest_size as f64;
        let mut changed = false;
        for &i in &positive {
            if !certain[i] && volume[i] >= step && rest_size > 1 {
                certain[i] = true;
                rest_total -= volume[i];
                rest_size -= 1;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let step = rest_total / rest_size as f64;
    let (mut ids, mut weights) = (Vec::with_capacity(max), Vec::with_capacity(max));
    let mut next = 0.5 * step;
    let mut cumulative = 0.0;
    for &i in &positive {
        if certain[i] {
            ids.push(i);
            weights.push(1.0);
            continue;
        }
        cumulative += volume[i];
        if cumulative > next {
            // At most one pick per series: its volume is below the step.
            next += step;
            ids.push(i);
            weights.push(step / volume[i]);
        }
    }
    CalibrationSample { ids, weights }
}

/// Demand of each series in the periods a replay of the last `window` of its first `end`
/// periods measures (after each item's warm-up of one lead time); 0 for an item without a
/// unit cost, which keeps the per-item target ([`per_item_target`]) and so stays out of a
/// calibration.
pub fn measured_volume(panel: &Panel, items: &[ItemParams], end: usize, window: usize) -> Vec<f64> {
    (0..panel.len())
        .into_par_iter()
        .map(|i| {
            if items[i].unit_cost.0 <= 0 {
                return 0.0;
            }
            panel.series(i)[measured_periods(end, window, items[i].lead_time)]
                .iter()
                .sum()
        })
        .collect()
}

/// The series of a replay with their demand estimates after every prefix.
pub struct ReplaySet<'a> {
    /// The panel.
    pub panel: &'a Panel,
    /// Series replayed (indices into the panel).
    pub ids: &'a [usize],
    /// Weight of each series in `ids` in the aggregate fill (see [`CalibrationSample`]).
    pub weights: &'a [f64],
    /// Estimates after every prefix of each series in `ids`, in the same order.
    pub estimates: &'a [Vec<DemandEstimate>],
    /// Item parameters of every series of the panel.
    pub items: &'a [ItemParams],
}

impl ReplaySet<'_> {
    /// Replay the series truncated to their first `end` periods, holding out the last
    /// `window`, with `cfg`'s target replaced by `target`; returns the aggregate fill
    /// (weighted units filled over weighted units demanded).
    pub fn backtest_fill(
        &self,
        cfg: &SimConfig,
        end: usize,
        window: usize,
        target: ServiceTarget,
    ) -> f64 {
        let mut c = *cfg;
        c.holdout = window;
        c.spec.target = target;
        let outcomes: Vec<_> = self
            .ids
            .par_iter()
            .zip(self.estimates)
            .map(|(&i, e)| {
                let y = &self.panel.series(i)[..end];
                simulate_with_estimates(y, &e[..=end], &self.items[i], &c, i as u64)
            })
            .collect();
        if self.weights.iter().all(|&w| w == 1.0) {
            return summarize(&outcomes).fill_rate;
        }
        let (mut demand, mut filled) = (0.0, 0.0);
        for (o, &w) in outcomes.iter().zip(self.weights) {
            demand += w * o.demand;
            filled += w * o.filled;
        }
        if demand > 0.0 { filled / demand } else { 1.0 }
    }

    /// Calibrate the shortage worth on the `window` periods before `end` so that their
    /// aggregate fill is `target_fill`.
    pub fn calibrate(
        &self,
        cfg: &SimConfig,
        end: usize,
        window: usize,
        target_fill: f64,
    ) -> Calibration {
        calibrate_worth(target_fill, -2.0, 8.0, |worth| {
            self.backtest_fill(cfg, end, window, ServiceTarget::ShortageWorth(worth))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn method_args(method: &str) -> crate::common::MethodArgs {
        use clap::Parser;
        #[derive(Parser)]
        struct Args {
            #[command(flatten)]
            method: crate::common::MethodArgs,
        }
        Args::try_parse_from(["x", "--method", method])
            .unwrap()
            .method
    }

    #[test]
    fn the_replay_plans_every_period_as_plan_policy_would_from_that_history() {
        let y: Vec<f64> = (0..40)
            .map(|i| {
                if (i * 7) % 5 < 2 {
                    ((i * 3) % 4 + 1) as f64
                } else {
                    0.0
                }
            })
            .collect();
        let (v, e) = (VarianceModel::ScaledOneStep, ErrorWindow::AfterFirstDemand);
        for method in ["auto", "sba", "ses_opt"] {
            let f = method_args(method).forecaster().unwrap();
            let mut buf = ForecasterBuffers::default();
            let estimates = series_prefix_estimates(&y, &f, 5, v, e, &mut buf);
            assert_eq!(estimates.len(), y.len() + 1);
            for t in [1, 12, 25, 40] {
                let want = f.estimate(&y[..t], 5, v, e, &mut buf).1;
                let got = estimates[t];
                assert!(
                    (got.mean_per_period - want.mean_per_period).abs() < 1e-12
                        && (got.variance_per_period - want.variance_per_period).abs()
                            < 1e-9 * want.variance_per_period.max(1.0),
                    "{method} at {t}: {got:?} vs {want:?}"
                );
            }
        }
    }

    #[test]
    fn a_small_panel_is_calibrated_on_every_series_with_demand() {
        let s = calibration_sample(&[0.0, 2.0, 5.0, 0.0, 1.0], 10);
        assert_eq!(s.ids, vec![1, 2, 4]);
        assert_eq!(s.weights, vec![1.0; 3]);
    }

    #[test]
    fn large_series_are_certain_and_the_rest_drawn_by_volume() {
        // One series with half the volume, 100 small ones.
        let mut volume = vec![1.0; 101];
        volume[40] = 100.0;
        let s = calibration_sample(&volume, 11);
        assert_eq!(s.ids.len(), 11);
        let pos = s.ids.iter().position(|&i| i == 40).expect("the big series");
        assert_eq!(s.weights[pos], 1.0);
        // The other 10 stand for 100 units: weight 10 each.
        let others: f64 = s
            .ids
            .iter()
            .zip(&s.weights)
            .filter(|(i, _)| **i != 40)
            .map(|(i, w)| volume[*i] * w)
            .sum();
        assert!((others - 100.0).abs() < 1e-9, "{others}");
        assert_eq!(s, calibration_sample(&volume, 11), "deterministic");
    }

    #[test]
    fn weighted_volume_of_a_sample_reproduces_the_total() {
        let volume: Vec<f64> = (0..5000).map(|i| ((i * 37) % 101) as f64 * 0.5).collect();
        let s = calibration_sample(&volume, 300);
        assert!(s.ids.len() <= 300 && s.ids.len() >= 299, "{}", s.ids.len());
        let total: f64 = volume.iter().sum();
        let estimate: f64 = s
            .ids
            .iter()
            .zip(&s.weights)
            .map(|(&i, w)| volume[i] * w)
            .sum();
        assert!(
            (estimate / total - 1.0).abs() < 1e-9,
            "{estimate} vs {total}"
        );
    }
}
