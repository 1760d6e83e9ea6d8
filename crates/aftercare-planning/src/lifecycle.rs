//! Product lifecycle: last-time buys, successor parts and event demand.
//!
//! # Last-time buy
//!
//! When a part's production ends (or the product it serves reaches end of service), the
//! demand of every remaining service period must be bought in one batch. Demand of a part
//! in run-out declines, so the rate is fitted as `μ_t = exp(a + b·t)` to the last `window`
//! periods of history by Poisson maximum likelihood (Newton's method; zeros are fine,
//! unlike a log-linear least-squares fit). A rising fit is not extrapolated: `b` is capped
//! at 0 (flat), since growth after end of production would be a guess, and the flat rate is
//! the mean of the fitted window's latest half (at least the whole window's): the window's
//! mean would buy for the level of a year ago while the demand still climbs, and the fitted
//! curve's last point would make one late demand after a quiet window look like a rate of
//! one per period. The total over the
//! remaining periods has mean `M = Σ μ_t` and variance `φ·M`, with `φ ≥ 1` the Pearson
//! dispersion of the fit (lumpy demand is over-dispersed); it is modelled with the
//! distribution rule of [`crate::distribution`]. The quantity to buy is the level meeting
//! the target on that one-shot total (fill: `1 − n(Q)/M ≥ F`; cycle service level:
//! `P(total ≤ Q) ≥ C`) minus stock already available, rounded up to the counting unit and
//! the MOQ.
//!
//! # Phase-in
//!
//! A successor part inherits the history of the part it replaces: the predecessor's
//! demand (times a transfer share, 1 when every use moves over) is added period by period
//! to the successor's own, aligned on the latest period.
//!
//! # Event demand
//!
//! An event such as a recall needs `affected units × replacement rate` parts over a
//! window of periods, spread evenly, on top of the base forecast.

use crate::distribution::{DistributionChoice, fit};
use crate::policy::{ServiceTarget, StockPolicy, round_order};

/// Inputs of a last-time buy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LastTimeBuyInput<'a> {
    /// Demand history, oldest first.
    pub history: &'a [f64],
    /// Periods of history used for the fit (the latest ones).
    pub window: usize,
    /// Periods of service still to cover after the last history period.
    pub remaining_periods: usize,
    /// Service target for the one-shot buy (`ShortageWorth` is treated as a fill rate of
    /// 0.95: a last-time buy has no holding-versus-shortage trade-off per period).
    pub target: ServiceTarget,
    /// Stock on hand plus on order that will still be there.
    pub available: f64,
    /// Known event demand (e.g. a recall) before end of service, bought on top.
    pub event_demand: f64,
    /// Counting unit.
    pub unit: f64,
    /// Minimum order quantity.
    pub moq: f64,
}

/// A fitted declining rate `exp(a + b·t)`, `t` counted from the first period of the fit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DecayFit {
    /// Intercept of the log rate.
    pub a: f64,
    /// Slope of the log rate per period (≤ 0).
    pub b: f64,
    /// Pearson dispersion (≥ 1).
    pub dispersion: f64,
    /// Periods fitted.
    pub periods: usize,
}

impl DecayFit {
    /// Expected demand in period `t` (same origin as the fit).
    pub fn rate(&self, t: f64) -> f64 {
        (self.a + self.b * t).exp()
    }
}

/// The outcome of a last-time-buy calculation.
#[derive(Debug, Clone, PartialEq)]
pub struct LastTimeBuy {
    /// The fit, `None` when the history has no demand.
    pub fit: Option<DecayFit>,
    /// Expected demand over the remaining periods.
    pub expected_demand: f64,
    /// Stock needed to meet the target over the remaining periods.
    pub cover: f64,
    /// Quantity to buy now (after what is available, MOQ and rounding).
    pub quantity: f64,
    /// Why, in words.
    pub reason: String,
}

/// Fit `exp(a + b·t)` to `y` by Poisson maximum likelihood with `b ≤ 0`; `None` when
/// `y` has no demand.
pub fn fit_decay(y: &[f64]) -> Option<DecayFit> {
    let total: f64 = y.iter().sum();
    if y.is_empty() || total <= 0.0 {
        return None;
    }
    let n = y.len() as f64;
    let mut a = (total / n).ln();
    let mut b = 0.0;
    for _ in 0..100 {
        // Gradient and Hessian of the Poisson log-likelihood in (a, b).
        let (mut g0, mut g1, mut h00, mut h01, mut h11) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for (t, &v) in y.iter().enumerate() {
            let t = t as f64;
            let mu = (a + b * t).exp();
            g0 += v - mu;
            g1 += (v - mu) * t;
            h00 += mu;
            h01 += mu * t;
            h11 += mu * t * t;
        }
        let det = h00 * h11 - h01 * h01;
        if det.abs() < 1e-300 {
            break;
        }
        let da = (h11 * g0 - h01 * g1) / det;
        let db = (h00 * g1 - h01 * g0) / det;
        // Damp steps so a near-empty tail cannot send the rate to zero in one jump.
        let scale = 1.0 / (1.0 + da.abs().max(db.abs() * n) / 5.0);
        a += da * scale;
        b += db * scale;
        if da.abs() < 1e-10 && db.abs() < 1e-12 {
            break;
        }
    }
    if b > 0.0 || !b.is_finite() || !a.is_finite() {
        b = 0.0;
        a = (total / n).ln();
    }
    let pearson = pearson_chi2(y, a, b);
    if b == 0.0 {
        a = a.max(latest_half_mean(y).ln());
    }
    let dof = (n - 2.0).max(1.0);
    Some(DecayFit {
        a,
        b,
        dispersion: (pearson / dof).max(1.0),
        periods: y.len(),
    })
}

/// Pearson's χ² of `y` against the rate `exp(a + b·t)`.
fn pearson_chi2(y: &[f64], a: f64, b: f64) -> f64 {
    y.iter()
        .enumerate()
        .map(|(t, &v)| {
            let mu = (a + b * t as f64).exp();
            (v - mu) * (v - mu) / mu
        })
        .sum()
}

/// Mean of the latest half of `y` (the latest period alone for one or two).
fn latest_half_mean(y: &[f64]) -> f64 {
    let half = &y[y.len() / 2..];
    half.iter().sum::<f64>() / half.len().max(1) as f64
}

/// Last-time-buy quantity (see the module doc).
pub fn last_time_buy(input: &LastTimeBuyInput<'_>) -> LastTimeBuy {
    let start = input.history.len().saturating_sub(input.window.max(1));
    let recent = &input.history[start..];
    let unit = if input.unit > 0.0 { input.unit } else { 1.0 };
    let events = if input.event_demand > 0.0 {
        format!(" plus event demand {}", fmt_qty(input.event_demand))
    } else {
        String::new()
    };
    let Some(fit_) = fit_decay(recent) else {
        // No demand to fit, yet what is owed already (a negative available: backorders)
        // and the event demand must still be bought before production ends for good.
        let quantity = round_order(input.event_demand - input.available, input.moq, unit);
        return LastTimeBuy {
            fit: None,
            expected_demand: 0.0,
            cover: 0.0,
            quantity,
            reason: format!(
                "no demand in the fitted history{events}, available {}: buy {}",
                fmt_qty(input.available),
                fmt_qty(quantity)
            ),
        };
    };
    let origin = recent.len() as f64;
    let expected: f64 = (0..input.remaining_periods)
        .map(|k| fit_.rate(origin + k as f64))
        .sum();
    let dist = fit(
        expected,
        fit_.dispersion * expected,
        unit,
        DistributionChoice::Auto,
    );
    let cover = match input.target {
        ServiceTarget::CycleServiceLevel(c) => dist.quantity_for_csl(c),
        ServiceTarget::FillRate(f) => one_shot_fill_cover(&dist, f, unit),
        ServiceTarget::ShortageWorth(_) => one_shot_fill_cover(&dist, 0.95, unit),
    };
    let need = cover + input.event_demand - input.available;
    let quantity = round_order(need, input.moq, unit);
    let reason = format!(
        "expected demand {} over {} periods (rate falling {:.1} % per period); cover {} \
         for the target{events}, available {}: buy {}",
        fmt_qty(expected),
        input.remaining_periods,
        (1.0 - fit_.b.exp()) * 100.0,
        fmt_qty(cover),
        fmt_qty(input.available),
        fmt_qty(quantity),
    );
    LastTimeBuy {
        fit: Some(fit_),
        expected_demand: expected,
        cover,
        quantity,
        reason,
    }
}

/// Cover of a one-shot buy for fill rate `f`: the fill-rate quantity, but never more than
/// the quantity that meets the whole remaining demand with probability `f`. On a total
/// that is most likely zero (expected 0.01 units over the rest of the service life), the
/// fill rate asks for a unit whatever the odds that it is ever used, because the rare
/// demand is all the demand there is; once every demand is met with probability `f`, more
/// stock serves no target a planner sets.
fn one_shot_fill_cover(dist: &crate::distribution::DemandDistribution, f: f64, unit: f64) -> f64 {
    dist.quantity_for_fill(f, unit)
        .min(round_up_to(dist.quantity_for_csl(f), unit))
}

/// `q` rounded up to a multiple of `unit`.
fn round_up_to(q: f64, unit: f64) -> f64 {
    (q / unit - 1e-9).ceil().max(0.0) * unit
}

trait OneShot {
    fn quantity_for_csl(&self, c: f64) -> f64;
    fn quantity_for_fill(&self, f: f64, unit: f64) -> f64;
}

impl OneShot for crate::distribution::DemandDistribution {
    fn quantity_for_csl(&self, c: f64) -> f64 {
        self.quantile(c).max(0.0)
    }

    fn quantity_for_fill(&self, f: f64, unit: f64) -> f64 {
        let mean = self.mean();
        if mean <= 0.0 {
            return 0.0;
        }
        // n(Q) is decreasing: bisect on the counting-unit grid.
        let (mut lo, mut hi) = (0u64, (self.upper_bound() / unit).ceil().max(1.0) as u64);
        if 1.0 - self.loss(0.0) / mean >= f {
            return 0.0;
        }
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if 1.0 - self.loss(mid as f64 * unit) / mean >= f {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        hi as f64 * unit
    }
}

/// The successor's history with the predecessor's added (times `share`), aligned on the
/// latest period; as long as the longer of the two.
pub fn inherit_history(predecessor: &[f64], successor: &[f64], share: f64) -> Vec<f64> {
    let len = predecessor.len().max(successor.len());
    let mut out = vec![0.0; len];
    for (slot, v) in out.iter_mut().rev().zip(predecessor.iter().rev()) {
        *slot += share * v;
    }
    for (slot, v) in out.iter_mut().rev().zip(successor.iter().rev()) {
        *slot += v;
    }
    out
}

/// Extra demand from an event, e.g. a recall.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EventDemand {
    /// First forecast step affected (0 = the first forecast period).
    pub start: usize,
    /// Periods over which the extra demand is spread.
    pub periods: usize,
    /// Units in the field affected by the event.
    pub affected_units: f64,
    /// Parts needed per affected unit.
    pub replacement_rate: f64,
}

impl EventDemand {
    /// Total extra demand.
    pub fn total(&self) -> f64 {
        self.affected_units * self.replacement_rate
    }
}

/// The base forecast (one value per step) plus every event's demand spread evenly over
/// its window; steps beyond the forecast are not added.
pub fn with_events(base: &[f64], events: &[EventDemand]) -> Vec<f64> {
    let mut out = base.to_vec();
    for e in events.iter().filter(|e| e.periods > 0) {
        let per_period = e.total() / e.periods as f64;
        for slot in out.iter_mut().skip(e.start).take(e.periods) {
            *slot += per_period;
        }
    }
    out
}

/// Event demand falling in the first `periods` forecast steps (each event spread evenly
/// over its window, as [`with_events`] spreads it).
pub fn event_demand_within(events: &[EventDemand], periods: usize) -> f64 {
    events
        .iter()
        .filter(|e| e.periods > 0 && e.start < periods)
        .map(|e| {
            let steps = (e.start + e.periods).min(periods) - e.start;
            e.total() * steps as f64 / e.periods as f64
        })
        // Not `sum()`: an empty float sum is −0.0, which the API printed as `-0.0`.
        .fold(0.0, |a, b| a + b)
}

/// The policy with `extra` units of known event demand in its protection interval: the
/// lead-time demand, the reorder point and the maximum rise by it (rounded up to the
/// counting unit) and the safety stock stays as it was. The event is planned as demand
/// that will come, not as more uncertainty: a recall's volume is announced, and the
/// base forecast's errors already set the safety stock.
pub fn with_event_demand(policy: &StockPolicy, extra: f64, unit: f64) -> StockPolicy {
    if extra <= 0.0 {
        return policy.clone();
    }
    let unit = if unit > 0.0 { unit } else { 1.0 };
    let add = (extra / unit - 1e-9).ceil() * unit;
    StockPolicy {
        ltd_mean: policy.ltd_mean + extra,
        reorder_point: policy.reorder_point + add,
        max: policy.max + add,
        ..policy.clone()
    }
}

/// A quantity for a sentence: integers without decimals, others to three places.
pub fn fmt_qty(q: f64) -> String {
    if (q - q.round()).abs() < 1e-9 {
        format!("{}", q.round() as i64)
    } else {
        let s = format!("{q:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_event_demand_is_a_positive_zero() {
        assert!(event_demand_within(&[], 4).is_sign_positive());
    }

    #[test]
    fn event_demand_counts_only_the_steps_inside_the_interval() {
        let recall = EventDemand {
            start: 2,
            periods: 4,
            affected_units: 1000.0,
            replacement_rate: 0.02,
        };
        // 20 units over steps 2..6, 5 per step.
        assert_eq!(event_demand_within(&[recall], 2), 0.0);
        assert!((event_demand_within(&[recall], 4) - 10.0).abs() < 1e-12);
        assert!((event_demand_within(&[recall], 10) - 20.0).abs() < 1e-12);
        let total: f64 = with_events(&[0.0; 10], &[recall])[..4].iter().sum();
        assert!((total - event_demand_within(&[recall], 4)).abs() < 1e-12);
    }

    #[test]
    fn event_demand_raises_reorder_point_and_maximum_but_not_the_safety_stock() {
        let base = StockPolicy {
            mean_per_period: 1.0,
            protection_periods: 4,
            ltd_mean: 4.0,
            ltd_sd: 2.0,
            distribution: "poisson",
            min: 3.0,
            reorder_point: 7.0,
            max: 7.0,
            eoq: 0.0,
            lot: 0.0,
        };
        let p = with_event_demand(&base, 10.5, 1.0);
        assert_eq!((p.reorder_point, p.max, p.min), (18.0, 18.0, 3.0));
        assert!((p.ltd_mean - 14.5).abs() < 1e-12);
        assert_eq!(with_event_demand(&base, 0.0, 1.0), base);
        // Packs of 0.5: 10.5 is already a whole number of packs.
        assert_eq!(with_event_demand(&base, 10.5, 0.5).reorder_point, 17.5);
    }

    #[test]
    fn decay_fit_recovers_a_known_decline() {
        let y: Vec<f64> = (0..60).map(|t| 20.0 * (-0.05 * t as f64).exp()).collect();
        let f = fit_decay(&y).unwrap();
        assert!((f.b + 0.05).abs() < 1e-6, "b = {}", f.b);
        assert!((f.rate(0.0) - 20.0).abs() < 1e-4);
    }

    #[test]
    fn rising_demand_is_held_at_its_latest_half_not_extrapolated() {
        // 0, 1, …, 23: the window's mean is 11.5, its latest half's 17.5.
        let y: Vec<f64> = (0..24).map(|t| t as f64).collect();
        let f = fit_decay(&y).unwrap();
        assert_eq!(f.b, 0.0);
        assert!((f.rate(100.0) - 17.5).abs() < 1e-9, "{}", f.rate(100.0));
        // One demand at the very end of a quiet window: its half's mean, not 1 a period.
        let mut late = vec![0.0; 24];
        late[23] = 1.0;
        let f = fit_decay(&late).unwrap();
        assert_eq!(f.b, 0.0);
        assert!(
            (f.rate(30.0) - 1.0 / 12.0).abs() < 1e-12,
            "{}",
            f.rate(30.0)
        );
        // The fit rises on one late burst though the latest half holds less than the
        // first: the window's mean stays the floor.
        let y = [3.0, 3.0, 3.0, 3.0, 3.0, 3.0, 0.0, 0.0, 0.0, 0.0, 0.0, 17.0];
        let f = fit_decay(&y).unwrap();
        assert_eq!(f.b, 0.0);
        assert!(
            (f.rate(20.0) - 35.0 / 12.0).abs() < 1e-12,
            "{}",
            f.rate(20.0)
        );
    }

    #[test]
    fn without_demand_to_fit_the_last_time_buy_still_covers_what_is_owed() {
        let none = vec![0.0; 24];
        let input = |available: f64, event_demand: f64| LastTimeBuyInput {
            history: &none,
            window: 24,
            remaining_periods: 40,
            target: ServiceTarget::FillRate(0.95),
            available,
            event_demand,
            unit: 1.0,
            moq: 0.0,
        };
        let owed = last_time_buy(&input(-3.0, 0.0));
        assert_eq!(owed.quantity, 3.0);
        assert_eq!(
            owed.reason,
            "no demand in the fitted history, available -3: buy 3"
        );
        assert_eq!(last_time_buy(&input(2.0, 0.0)).quantity, 0.0);
        assert_eq!(last_time_buy(&input(-3.0, 4.0)).quantity, 7.0);
        assert_eq!(last_time_buy(&input(5.0, 4.0)).quantity, 0.0);
    }

    #[test]
    fn last_time_buy_covers_more_than_expected_and_subtracts_stock() {
        let y = vec![2.0; 36];
        let mut input = LastTimeBuyInput {
            history: &y,
            window: 36,
            remaining_periods: 24,
            target: ServiceTarget::FillRate(0.95),
            available: 0.0,
            event_demand: 0.0,
            unit: 1.0,
            moq: 0.0,
        };
        let ltb = last_time_buy(&input);
        assert!(
            (ltb.expected_demand - 48.0).abs() < 1e-6,
            "{}",
            ltb.expected_demand
        );
        // Poisson(48): n(48) ≈ 2.75 > 5 % of 48, so the cover is above the mean.
        assert!(ltb.cover > 48.0 && ltb.cover < 60.0, "{}", ltb.cover);
        assert_eq!(ltb.quantity, ltb.cover);
        input.available = 10.0;
        assert_eq!(last_time_buy(&input).quantity, ltb.cover - 10.0);
        assert!(ltb.reason.contains("over 24 periods"), "{}", ltb.reason);
        input.event_demand = 7.0;
        let with_recall = last_time_buy(&input);
        assert_eq!(with_recall.quantity, ltb.cover - 10.0 + 7.0);
        assert!(
            with_recall.reason.contains("plus event demand 7"),
            "{}",
            with_recall.reason
        );
    }

    #[test]
    fn a_last_time_buy_for_demand_that_will_most_likely_never_come_buys_nothing() {
        // One unit in two years, three years of service left: about 1.5 expected, a real
        // chance of demand, so the fill target buys.
        let mut y = vec![0.0; 104];
        y[60] = 1.0;
        let mut input = LastTimeBuyInput {
            history: &y,
            window: 104,
            remaining_periods: 156,
            target: ServiceTarget::FillRate(0.95),
            available: 0.0,
            event_demand: 0.0,
            unit: 1.0,
            moq: 0.0,
        };
        let some = last_time_buy(&input);
        assert!(some.quantity >= 1.0, "{some:?}");
        // Two periods left: 0.02 expected, no demand with probability 98 % ≥ 95 %; the
        // fill rate alone asked for a unit.
        input.remaining_periods = 2;
        let none = last_time_buy(&input);
        assert!(
            none.expected_demand > 0.0 && none.expected_demand < 0.05,
            "{none:?}"
        );
        assert_eq!((none.cover, none.quantity), (0.0, 0.0), "{none:?}");
        // A cycle-service target is untouched by the rule.
        input.target = ServiceTarget::CycleServiceLevel(0.99);
        assert_eq!(last_time_buy(&input).quantity, 1.0);
    }

    #[test]
    fn last_time_buy_without_demand_buys_nothing() {
        let input = LastTimeBuyInput {
            history: &[0.0; 12],
            window: 12,
            remaining_periods: 24,
            target: ServiceTarget::CycleServiceLevel(0.9),
            available: 0.0,
            event_demand: 0.0,
            unit: 1.0,
            moq: 5.0,
        };
        assert_eq!(last_time_buy(&input).quantity, 0.0);
        // A recall still has to be bought for (raised to the MOQ).
        let recall = LastTimeBuyInput {
            event_demand: 3.0,
            ..input
        };
        assert_eq!(last_time_buy(&recall).quantity, 5.0);
    }

    #[test]
    fn successor_inherits_history_aligned_on_the_latest_period() {
        let old = [1.0, 2.0, 3.0, 4.0];
        let new = [5.0, 6.0];
        assert_eq!(inherit_history(&old, &new, 1.0), vec![1.0, 2.0, 8.0, 10.0]);
        assert_eq!(inherit_history(&old, &new, 0.5), vec![0.5, 1.0, 6.5, 8.0]);
    }

    #[test]
    fn recall_demand_is_spread_over_its_window_on_top_of_the_forecast() {
        let base = [1.0; 6];
        let recall = EventDemand {
            start: 1,
            periods: 4,
            affected_units: 2000.0,
            replacement_rate: 0.01,
        };
        assert_eq!(
            with_events(&base, &[recall]),
            vec![1.0, 6.0, 6.0, 6.0, 6.0, 1.0]
        );
    }

    #[test]
    fn quantities_print_without_float_noise() {
        assert_eq!(fmt_qty(12.0), "12");
        assert_eq!(fmt_qty(0.1 + 0.2), "0.3");
        assert_eq!(fmt_qty(2.5), "2.5");
    }
}
