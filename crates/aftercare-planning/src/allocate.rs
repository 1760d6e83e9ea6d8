//! One fill target for a group of items instead of one per item.
//!
//! A target fill rate per item stocks every part to the same fill, however expensive it
//! is. Planners usually answer for the fill of a whole warehouse: units filled from stock
//! over all units demanded there. That aggregate target costs least when stock goes where
//! a unit of inventory value fills the most units (cheap, fast-moving parts high, dear
//! slow ones low): the marginal analysis of [`ServiceTarget::ShortageWorth`] with one
//! worth for the whole group (the "system approach" of Sherbrooke's METRIC). This module
//! finds the smallest worth whose levels give the group its target fill in expectation,
//! by the same fill formulas the per-item target uses. On the MAN replay the same idea,
//! calibrated there on history rather than in expectation, holds 36 % less stock than the
//! baseline at the same fill (docs/BENCHMARKS.md, target 4).

use crate::policy::{PolicyModel, ServiceTarget};

/// Smallest and largest worth searched, in currency units of average stock per unit short
/// per period: from "a unit short costs nothing" to beyond any part's price.
const WORTH_RANGE: (f64, f64) = (1e-6, 1e13);

/// The search stops when the bracket's ends are this close (relative).
const WORTH_TOLERANCE: f64 = 1e-3;

/// Result of [`calibrate_worth`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AggregateFill {
    /// The shortage worth the group's levels are set with (`ServiceTarget::ShortageWorth`).
    pub worth: f64,
    /// Expected fill rate of the group at that worth (units-weighted).
    pub expected_fill: f64,
    /// Expected stock on hand of the group at that worth, in currency units.
    pub stock_value: f64,
    /// Whether the target is met (false only when even the largest worth misses it).
    pub reached: bool,
}

/// Expected demand, shortage and stock value of a group of items, per period; sums of
/// parts of a group add up to the group's (so a caller may compute them in parallel).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct GroupOutcome {
    /// Expected demand, units.
    pub demand: f64,
    /// Expected units short.
    pub short: f64,
    /// Expected stock on hand, currency units.
    pub stock_value: f64,
}

impl GroupOutcome {
    /// Expected fill rate (units-weighted; 1 without demand).
    pub fn fill(&self) -> f64 {
        if self.demand > 0.0 {
            (1.0 - self.short / self.demand).clamp(0.0, 1.0)
        } else {
            1.0
        }
    }
}

impl std::ops::Add for GroupOutcome {
    type Output = GroupOutcome;
    fn add(self, o: GroupOutcome) -> GroupOutcome {
        GroupOutcome {
            demand: self.demand + o.demand,
            short: self.short + o.short,
            stock_value: self.stock_value + o.stock_value,
        }
    }
}

impl std::iter::Sum for GroupOutcome {
    fn sum<I: Iterator<Item = GroupOutcome>>(iter: I) -> GroupOutcome {
        iter.fold(GroupOutcome::default(), |a, b| a + b)
    }
}

/// What `models` expect when every item's level is set with `target`.
pub fn group_outcome(models: &[PolicyModel], target: ServiceTarget) -> GroupOutcome {
    models
        .iter()
        .map(|m| {
            let s = m.level(target);
            GroupOutcome {
                demand: m.demand_per_period(),
                short: m.shortage_at(s),
                stock_value: m.on_hand_at(s) * m.unit_cost(),
            }
        })
        .sum()
}

/// The smallest shortage worth at which the group's expected fill rate reaches
/// `target_fill`, found by bisection on its logarithm (the expected fill never falls as
/// the worth rises: each item's level only rises with it).
///
/// Items without a unit cost have no price to weigh a shortage against (their level
/// would be the top of their distribution): plan them with a per-item target and leave
/// them out of `models`.
pub fn calibrate_worth(models: &[PolicyModel], target_fill: f64) -> AggregateFill {
    calibrate_worth_by(target_fill, |w| {
        group_outcome(models, ServiceTarget::ShortageWorth(w))
    })
}

/// [`calibrate_worth`] over a group whose outcome at a worth `outcome` computes (e.g. in
/// parallel over a large panel).
pub fn calibrate_worth_by(
    target_fill: f64,
    outcome: impl Fn(f64) -> GroupOutcome,
) -> AggregateFill {
    let done = |worth: f64, o: GroupOutcome, reached: bool| AggregateFill {
        worth,
        expected_fill: o.fill(),
        stock_value: o.stock_value,
        reached,
    };
    let meets = |o: &GroupOutcome| o.fill() >= target_fill - 1e-12;
    let (mut lo, mut hi) = WORTH_RANGE;
    let low = outcome(lo);
    if meets(&low) {
        return done(lo, low, true);
    }
    let mut high = outcome(hi);
    if !meets(&high) {
        return done(hi, high, false);
    }
    // Invariant: the fill at `lo` misses, at `hi` meets.
    while hi / lo > 1.0 + WORTH_TOLERANCE {
        let mid = (lo * hi).sqrt();
        let at = outcome(mid);
        if meets(&at) {
            (hi, high) = (mid, at);
        } else {
            lo = mid;
        }
    }
    done(hi, high, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{DemandEstimate, ItemParams, LotSizing, Nanos, PolicySpec};

    fn model(mean: f64, variance: f64, cost: i64, lead_time: usize) -> PolicyModel {
        let spec = PolicySpec::periodic_order_up_to(ServiceTarget::FillRate(0.9));
        PolicyModel::new(
            DemandEstimate {
                mean_per_period: mean,
                variance_per_period: variance,
            },
            &ItemParams {
                lead_time,
                unit_cost: Nanos(cost * Nanos::PER_UNIT),
                ..Default::default()
            },
            &spec,
            &[],
            1,
        )
    }

    /// Parts of one warehouse: cheap fast movers, dear slow ones, lumpy ones.
    fn group() -> Vec<PolicyModel> {
        vec![
            model(4.0, 6.0, 2, 2),
            model(1.5, 3.0, 15, 2),
            model(0.3, 0.6, 120, 3),
            model(0.05, 0.2, 900, 3),
            model(0.8, 4.0, 40, 1),
            model(0.02, 0.02, 2500, 4),
        ]
    }

    #[test]
    fn the_calibrated_worth_meets_the_target_and_a_smaller_one_does_not() {
        let g = group();
        for target in [0.8, 0.9, 0.95, 0.98] {
            let a = calibrate_worth(&g, target);
            assert!(a.reached, "{target}: {a:?}");
            assert!(a.expected_fill >= target - 1e-12, "{target}: {a:?}");
            let below = group_outcome(&g, ServiceTarget::ShortageWorth(a.worth * 0.99));
            assert!(below.fill() < target, "{target}: {a:?} vs {below:?}");
        }
    }

    #[test]
    fn one_worth_fills_as_much_as_per_item_targets_with_less_stock() {
        let g = group();
        for target in [0.85, 0.9, 0.95] {
            let per_item = group_outcome(&g, ServiceTarget::FillRate(target));
            let (item_fill, item_value) = (per_item.fill(), per_item.stock_value);
            assert!(item_fill >= target - 1e-9, "{target}: {item_fill}");
            // The same aggregate fill as the per-item levels achieve, for less stock.
            let a = calibrate_worth(&g, item_fill);
            assert!(a.expected_fill >= item_fill - 1e-12);
            assert!(
                a.stock_value < 0.9 * item_value,
                "{target}: aggregate {} vs per item {item_value}",
                a.stock_value
            );
        }
    }

    #[test]
    fn dear_parts_get_lower_fill_than_cheap_ones() {
        let g = group();
        let a = calibrate_worth(&g, 0.95);
        let fill = |m: &PolicyModel| {
            let s = m.level(ServiceTarget::ShortageWorth(a.worth));
            1.0 - m.shortage_at(s) / m.demand_per_period()
        };
        assert!(
            fill(&g[0]) > fill(&g[3]),
            "{} vs {}",
            fill(&g[0]),
            fill(&g[3])
        );
    }

    #[test]
    fn a_group_without_demand_needs_no_worth() {
        let g = vec![model(0.0, 0.0, 10, 2), model(0.0, 0.0, 50, 1)];
        let a = calibrate_worth(&g, 0.95);
        assert_eq!(a.worth, WORTH_RANGE.0);
        assert_eq!(a.expected_fill, 1.0);
        assert_eq!(a.stock_value, 0.0);
        assert!(calibrate_worth(&[], 0.95).reached);
    }

    #[test]
    fn an_estimate_that_is_not_a_number_counts_as_no_demand() {
        let mut g = group();
        g.push(model(f64::NAN, f64::NAN, 10, 2));
        let with_nan = calibrate_worth(&g, 0.95);
        g.pop();
        assert_eq!(with_nan, calibrate_worth(&g, 0.95));
    }

    #[test]
    fn lot_sized_items_are_calibrated_with_their_lots() {
        let spec = PolicySpec {
            lot_sizing: LotSizing::UpToMax,
            ..PolicySpec::periodic_order_up_to(ServiceTarget::FillRate(0.9))
        };
        let item = |cost: i64| ItemParams {
            lead_time: 2,
            unit_cost: Nanos(cost * Nanos::PER_UNIT),
            order_cost: Nanos(50 * Nanos::PER_UNIT),
            holding_cost: Some(Nanos(cost * Nanos::PER_UNIT / 250)),
            ..Default::default()
        };
        let est = |m: f64| DemandEstimate {
            mean_per_period: m,
            variance_per_period: 2.0 * m,
        };
        let g = vec![
            PolicyModel::new(est(3.0), &item(2), &spec, &[], 1),
            PolicyModel::new(est(0.4), &item(80), &spec, &[], 2),
        ];
        assert!(g[0].policy(ServiceTarget::FillRate(0.9)).lot > 1.0);
        let a = calibrate_worth(&g, 0.93);
        assert!(a.reached && a.expected_fill >= 0.93 - 1e-12, "{a:?}");
    }
}
