//! Planning one item at one location, end to end: class, method choice by backtest, demand
//! estimate, stock levels (or manual levels that override them), netting of the stock
//! position, and a last-time buy for items past end of production.
//!
//! This is what the product runs per part × warehouse; the CLI's batch commands use the
//! same building blocks over whole panels.

use crate::auto::{AutoConfig, MethodError, Selection, select};
use crate::classify::{ClassifyConfig, DemandClass, classify};
use crate::estimate::{EstimateBuffers, estimate_from_fit};
use crate::lifecycle::{
    EventDemand, LastTimeBuy, LastTimeBuyInput, event_demand_within, fmt_qty, last_time_buy,
    with_event_demand,
};
use crate::netting::{Netting, NettingItem, StockPosition, net};
use crate::policy::{
    DemandEstimate, ItemParams, PolicyModel, PolicySpec, ServiceTarget, StockPolicy,
    compute_policy, trailing_idle_periods,
};
use crate::simulate::{ErrorWindow, VarianceModel};

/// Settings shared by every item of a planning run.
#[derive(Debug, Clone)]
pub struct PlanSettings {
    /// Method choice.
    pub auto: AutoConfig,
    /// Demand classes.
    pub class: ClassifyConfig,
    /// Policy regime and service target.
    pub spec: PolicySpec,
    /// Variance model of the demand estimate.
    pub variance: VarianceModel,
    /// Which one-step errors the variance uses.
    pub errors: ErrorWindow,
    /// Periods of history a last-time buy fits its decline on.
    pub ltb_window: usize,
}

impl PlanSettings {
    /// Defaults for a service target: `auto` over the default candidates, weekly
    /// order-up-to with the automatic distribution, variance from errors after the first
    /// demand (the settings measured best on the MAN set, see docs/BENCHMARKS.md).
    pub fn for_target(target: ServiceTarget, review_periods: usize) -> Self {
        let mut spec = PolicySpec::periodic_order_up_to(target);
        spec.review = crate::policy::Review::Periodic(review_periods.max(1));
        PlanSettings {
            auto: AutoConfig::default(),
            class: ClassifyConfig::default(),
            spec,
            variance: VarianceModel::ScaledOneStep,
            errors: ErrorWindow::AfterFirstDemand,
            ltb_window: 24,
        }
    }
}

/// Levels set by hand in the part master; they win over computed ones.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ManualLevels {
    /// Minimum: below it, replenish (used as the reorder point).
    pub min: f64,
    /// Maximum: replenish up to it (`None`: the computed maximum, at least the minimum).
    pub max: Option<f64>,
}

/// One item to plan.
#[derive(Debug, Clone, Copy)]
pub struct PlanInput<'a> {
    /// Demand per period, oldest first.
    pub history: &'a [f64],
    /// Lead time, costs, MOQ and counting unit.
    pub item: ItemParams,
    /// Stock position to net.
    pub position: StockPosition,
    /// Manual levels, when the part master sets them.
    pub manual: Option<ManualLevels>,
    /// Periods of service left after end of production (`Some` only for phased-out items):
    /// the item gets a last-time buy instead of a regular order.
    pub remaining_service_periods: Option<usize>,
    /// Known extra demand from events such as recalls, in forecast steps from now.
    pub events: &'a [EventDemand],
    /// Seed for the bootstrap distribution.
    pub seed: u64,
}

/// The plan of one item.
#[derive(Debug, Clone)]
pub struct ItemPlan {
    /// Demand class.
    pub class: DemandClass,
    /// Method chosen, its forecast over the protection interval and every candidate's
    /// backtest error.
    pub selection: Selection,
    /// Demand per period.
    pub estimate: DemandEstimate,
    /// Computed levels (before manual overrides).
    pub computed: StockPolicy,
    /// Levels used: computed, or manual where the part master sets them.
    pub levels: StockPolicy,
    /// Whether manual levels were used.
    pub overridden: bool,
    /// Event demand inside the protection interval, added to the levels.
    pub event_demand: f64,
    /// Order proposed by netting (quantity 0: none).
    pub netting: Netting,
    /// Last-time buy, for items past end of production.
    pub last_time_buy: Option<LastTimeBuy>,
    /// Why the method was chosen, in words.
    pub why: String,
}

/// What an item's history says about its demand: the first, costly half of planning it
/// (the method's backtests), independent of the service target.
#[derive(Debug, Clone)]
pub struct ItemForecast {
    /// Demand class.
    pub class: DemandClass,
    /// Method chosen, its forecast and every candidate's backtest error.
    pub selection: Selection,
    /// Demand per period.
    pub estimate: DemandEstimate,
}

/// Plan one item.
pub fn plan_item(input: &PlanInput<'_>, settings: &PlanSettings) -> ItemPlan {
    plan_forecast_item(input, settings, forecast_item(input, settings))
}

/// Classify an item, choose its method by backtest and estimate its demand.
pub fn forecast_item(input: &PlanInput<'_>, settings: &PlanSettings) -> ItemForecast {
    let y = input.history;
    let class = classify(y, &settings.class).class;
    let horizon = settings.spec.review.protection(input.item.lead_time).max(1);
    let selection = select(y, horizon, &settings.auto);
    let level = selection.forecast.first().copied().unwrap_or(0.0);
    let estimate = estimate_from_fit(
        y,
        selection.members.iter(),
        level,
        horizon,
        settings.variance,
        settings.errors,
        &mut EstimateBuffers::default(),
    );
    ItemForecast {
        class,
        selection,
        estimate,
    }
}

/// The demand estimate [`forecast_item`] makes from every prefix of the item's history
/// from `from` periods on: `e[t]` from `history[..t]` for `t` in `from..=history.len()`
/// (earlier entries are no demand and stand in only for the indexing). A replay of the
/// end of the history plans with them as the planner would have planned then
/// (`crate::allocate::HistoryItem`); each is a whole refit, backtests included.
pub fn prefix_estimates(
    input: &PlanInput<'_>,
    settings: &PlanSettings,
    from: usize,
) -> Vec<DemandEstimate> {
    let y = input.history;
    (0..=y.len())
        .map(|t| {
            if t < from.max(1) {
                DemandEstimate::default()
            } else {
                let prefix = PlanInput {
                    history: &y[..t],
                    ..*input
                };
                forecast_item(&prefix, settings).estimate
            }
        })
        .collect()
}

/// The item's policy model for its forecast: levels for any service target
/// (`crate::allocate` tries many).
pub fn policy_model(
    input: &PlanInput<'_>,
    settings: &PlanSettings,
    forecast: &ItemForecast,
) -> PolicyModel {
    PolicyModel::new(
        forecast.estimate,
        &input.item,
        &settings.spec,
        input.history,
        input.seed,
    )
}

/// The second half of [`plan_item`]: levels for `settings`' target, manual overrides,
/// netting and the last-time buy.
pub fn plan_forecast_item(
    input: &PlanInput<'_>,
    settings: &PlanSettings,
    forecast: ItemForecast,
) -> ItemPlan {
    let y = input.history;
    let ItemForecast {
        class,
        selection,
        estimate,
    } = forecast;
    let unit = if input.item.unit > 0.0 {
        input.item.unit
    } else {
        1.0
    };
    let base = compute_policy(estimate, &input.item, &settings.spec, y, input.seed);
    let event_demand = event_demand_within(input.events, base.protection_periods);
    let computed = with_event_demand(&base, event_demand, unit);
    let (levels, overridden) = match input.manual {
        Some(m) => (
            with_event_demand(&with_manual(&base, m), event_demand, unit),
            true,
        ),
        None => (computed.clone(), false),
    };
    let netting_item = NettingItem {
        lead_time: input.item.lead_time,
        moq: input.item.moq,
        unit,
        lot_sizing: if overridden {
            crate::policy::LotSizing::UpToMax
        } else {
            settings.spec.lot_sizing
        },
    };
    let mut netting = net(&input.position, &levels, &netting_item, y.len());
    if event_demand > 0.0 {
        netting.reason = format!(
            "event demand {} in the next {} periods; {}",
            fmt_qty(event_demand),
            base.protection_periods,
            netting.reason
        );
    }
    if overridden {
        netting.reason = format!("manual levels; {}", netting.reason);
    }
    let last_time_buy = input.remaining_service_periods.map(|remaining| {
        last_time_buy(&LastTimeBuyInput {
            history: y,
            window: settings.ltb_window.min(y.len()).max(1),
            remaining_periods: remaining,
            target: settings.spec.target,
            available: input.position.available(),
            event_demand: event_demand_within(input.events, remaining),
            unit: netting_item.unit,
            moq: input.item.moq,
        })
    });
    let mut why = explain(&selection, class);
    if settings.spec.not_stocked(y) {
        why.push_str(&format!(
            "; not stocked: no demand in the last {} periods",
            trailing_idle_periods(y)
        ));
    }
    ItemPlan {
        class,
        selection,
        estimate,
        computed,
        levels,
        overridden,
        event_demand,
        netting,
        last_time_buy,
        why,
    }
}

fn with_manual(computed: &StockPolicy, m: ManualLevels) -> StockPolicy {
    let max = m.max.unwrap_or(computed.max).max(m.min);
    StockPolicy {
        min: m.min,
        reorder_point: m.min,
        max,
        lot: max - m.min,
        ..computed.clone()
    }
}

/// The choice in words: the winner's backtest error against the runner-up's.
fn explain(selection: &Selection, class: DemandClass) -> String {
    let mut ranked: Vec<&MethodError> = selection
        .errors
        .iter()
        .filter(|e| e.error.is_finite())
        .collect();
    ranked.sort_by(|a, b| a.error.total_cmp(&b.error));
    match ranked.as_slice() {
        // Nothing was demanded where the backtest looked: every method forecast it exactly.
        [.., last] if last.error == 0.0 => format!(
            "{} demand: no demand where the backtest looked, so every method scores 0; {} by \
             default",
            class.code(),
            selection.method
        ),
        [] => format!(
            "{} demand with too little history to backtest: {} by default",
            class.code(),
            selection.method
        ),
        [only] => format!(
            "{} demand: {} (backtest error {:.3})",
            class.code(),
            selection.method,
            only.error
        ),
        [best, second, ..] => format!(
            "{} demand: {} has the lowest backtest error {:.3} (next: {} {:.3}); chosen {} at {:.3}",
            class.code(),
            best.method.code(),
            best.error,
            second.method.code(),
            second.error,
            selection.method,
            selection.error
        ),
    }
}

/// A proposal's quantity in words-friendly form (whole units print without decimals).
pub fn qty_text(q: f64) -> String {
    fmt_qty(q)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Nanos;

    fn item(lead_time: usize) -> ItemParams {
        ItemParams {
            lead_time,
            unit_cost: Nanos(10 * Nanos::PER_UNIT),
            order_cost: Nanos(5 * Nanos::PER_UNIT),
            holding_cost: None,
            moq: 0.0,
            unit: 1.0,
        }
    }

    fn history() -> Vec<f64> {
        (0..52)
            .map(|t| if t % 3 == 0 { 2.0 } else { 0.0 })
            .collect()
    }

    fn settings() -> PlanSettings {
        PlanSettings::for_target(ServiceTarget::FillRate(0.95), 1)
    }

    #[test]
    fn prefix_estimates_are_the_estimates_made_from_each_prefix() {
        let y: Vec<f64> = history()
            .iter()
            .enumerate()
            .map(|(t, d)| d + (t % 5 == 1) as u8 as f64)
            .collect();
        let input = PlanInput {
            history: &y,
            item: item(2),
            position: StockPosition::default(),
            manual: None,
            remaining_service_periods: None,
            events: &[],
            seed: 1,
        };
        let e = prefix_estimates(&input, &settings(), 30);
        assert_eq!(e.len(), y.len() + 1);
        assert_eq!(e[29], DemandEstimate::default());
        for t in [30, 41, 52] {
            let prefix = PlanInput {
                history: &y[..t],
                ..input
            };
            assert_eq!(e[t], forecast_item(&prefix, &settings()).estimate, "{t}");
        }
        assert_ne!(e[30], e[52]);
    }

    #[test]
    fn an_empty_shelf_gets_an_order_up_to_the_maximum_with_a_reason() {
        let y = history();
        let p = plan_item(
            &PlanInput {
                history: &y,
                item: item(2),
                position: StockPosition::default(),
                manual: None,
                remaining_service_periods: None,
                events: &[],
                seed: 1,
            },
            &settings(),
        );
        assert!(p.levels.reorder_point > 0.0);
        assert!(p.netting.quantity >= p.levels.max - 1e-9, "{p:?}");
        assert!(
            p.netting.reason.contains("reorder point"),
            "{}",
            p.netting.reason
        );
        assert!(!p.overridden);
        assert_eq!(p.selection.errors.len(), settings().auto.candidates.len());
        assert!(p.why.contains("backtest error"), "{}", p.why);
    }

    #[test]
    fn a_history_without_demand_is_explained_as_such_not_as_a_contest() {
        let y = vec![0.0; 40];
        let p = plan_item(
            &PlanInput {
                history: &y,
                item: item(2),
                position: StockPosition::default(),
                manual: None,
                remaining_service_periods: None,
                events: &[],
                seed: 1,
            },
            &settings(),
        );
        assert!(
            p.why
                .starts_with("inactive demand: no demand where the backtest looked"),
            "{}",
            p.why
        );
        assert!(!p.why.contains("lowest backtest error"), "{}", p.why);
    }

    #[test]
    fn a_full_shelf_orders_nothing() {
        let y = history();
        let p = plan_item(
            &PlanInput {
                history: &y,
                item: item(2),
                position: StockPosition {
                    on_hand: 100.0,
                    ..Default::default()
                },
                manual: None,
                remaining_service_periods: None,
                events: &[],
                seed: 1,
            },
            &settings(),
        );
        assert_eq!(p.netting.quantity, 0.0);
    }

    #[test]
    fn manual_levels_win_and_are_marked() {
        let y = history();
        let p = plan_item(
            &PlanInput {
                history: &y,
                item: item(2),
                position: StockPosition {
                    on_hand: 3.0,
                    ..Default::default()
                },
                manual: Some(ManualLevels {
                    min: 5.0,
                    max: Some(12.0),
                }),
                remaining_service_periods: None,
                events: &[],
                seed: 1,
            },
            &settings(),
        );
        assert!(p.overridden);
        assert_eq!(p.levels.reorder_point, 5.0);
        assert_eq!(p.levels.max, 12.0);
        assert_eq!(p.netting.quantity, 9.0);
        assert!(
            p.netting.reason.starts_with("manual levels"),
            "{}",
            p.netting.reason
        );
    }

    #[test]
    fn a_phased_out_item_gets_a_last_time_buy() {
        let y: Vec<f64> = (0..36)
            .map(|t| (6.0 - t as f64 / 8.0).max(0.0).round())
            .collect();
        let p = plan_item(
            &PlanInput {
                history: &y,
                item: item(2),
                position: StockPosition::default(),
                manual: None,
                remaining_service_periods: Some(24),
                events: &[],
                seed: 1,
            },
            &settings(),
        );
        let ltb = p.last_time_buy.expect("last-time buy");
        assert!(ltb.quantity > 0.0);
        assert!(ltb.quantity >= ltb.expected_demand.floor(), "{ltb:?}");
    }

    #[test]
    fn the_same_input_gives_the_same_plan() {
        let y = history();
        let input = PlanInput {
            history: &y,
            item: item(3),
            position: StockPosition::default(),
            manual: None,
            remaining_service_periods: None,
            events: &[],
            seed: 7,
        };
        let a = plan_item(&input, &settings());
        let b = plan_item(&input, &settings());
        assert_eq!(a.levels, b.levels);
        assert_eq!(a.netting, b.netting);
    }

    #[test]
    fn a_recall_inside_the_lead_time_raises_the_order_by_its_demand() {
        let y = history();
        let recall = EventDemand {
            start: 1,
            periods: 2,
            affected_units: 500.0,
            replacement_rate: 0.05,
        };
        let plain = PlanInput {
            history: &y,
            item: item(2),
            position: StockPosition::default(),
            manual: None,
            remaining_service_periods: None,
            events: &[],
            seed: 1,
        };
        let events = [recall];
        let with_recall = PlanInput {
            events: &events,
            ..plain
        };
        let (a, b) = (
            plan_item(&plain, &settings()),
            plan_item(&with_recall, &settings()),
        );
        assert_eq!(b.event_demand, 25.0);
        assert_eq!(b.levels.reorder_point, a.levels.reorder_point + 25.0);
        assert_eq!(b.levels.min, a.levels.min);
        assert_eq!(b.netting.quantity, a.netting.quantity + 25.0);
        assert!(
            b.netting
                .reason
                .starts_with("event demand 25 in the next 3 periods;"),
            "{}",
            b.netting.reason
        );
        // A recall after the protection interval changes nothing now.
        let later = [EventDemand { start: 3, ..recall }];
        let c = plan_item(
            &PlanInput {
                events: &later,
                ..plain
            },
            &settings(),
        );
        assert_eq!(
            (c.event_demand, c.netting.quantity),
            (0.0, a.netting.quantity)
        );
        // With manual levels the recall comes on top of them.
        let manual = Some(ManualLevels {
            min: 5.0,
            max: Some(12.0),
        });
        let m = plan_item(
            &PlanInput {
                manual,
                events: &events,
                ..plain
            },
            &settings(),
        );
        assert_eq!((m.levels.reorder_point, m.levels.max), (30.0, 37.0));
        assert!(
            m.netting
                .reason
                .starts_with("manual levels; event demand 25")
        );
    }

    #[test]
    fn a_last_time_buy_covers_a_recall_before_end_of_service() {
        let y: Vec<f64> = (0..36)
            .map(|t| (6.0 - t as f64 / 8.0).max(0.0).round())
            .collect();
        let plain = PlanInput {
            history: &y,
            item: item(2),
            position: StockPosition::default(),
            manual: None,
            remaining_service_periods: Some(24),
            events: &[],
            seed: 1,
        };
        let events = [EventDemand {
            start: 4,
            periods: 4,
            affected_units: 200.0,
            replacement_rate: 0.1,
        }];
        let a = plan_item(&plain, &settings()).last_time_buy.unwrap();
        let b = plan_item(
            &PlanInput {
                events: &events,
                ..plain
            },
            &settings(),
        )
        .last_time_buy
        .unwrap();
        assert!((b.quantity - a.quantity - 20.0).abs() < 1e-9, "{a:?} {b:?}");
    }

    /// 12 units in six demands of 1–4, the last `gap` periods before the end of 104.
    fn lumpy_then_quiet(gap: usize) -> Vec<f64> {
        let mut y = vec![0.0; 104];
        let last = 103 - gap;
        for (back, q) in [
            (37, 2.0),
            (30, 1.0),
            (23, 4.0),
            (15, 1.0),
            (7, 3.0),
            (0, 1.0),
        ] {
            y[last - back] = q;
        }
        y
    }

    fn quiet_input(y: &[f64]) -> PlanInput<'_> {
        PlanInput {
            history: y,
            item: item(8),
            position: StockPosition::default(),
            manual: None,
            remaining_service_periods: None,
            events: &[],
            seed: 1,
        }
    }

    #[test]
    fn a_forecast_decayed_after_a_gap_does_not_stock_more_than_the_history_ever_sold() {
        // After 33 quiet weeks SES/TSB forecasts are ~0.01 a week while the one-step errors
        // still carry the old sales: unbounded, a 95 % fill target put the reorder point at
        // 76 units for a part that sold 12 in two years.
        let y = lumpy_then_quiet(33);
        let p = plan_item(&quiet_input(&y), &settings());
        assert_eq!(p.class, DemandClass::Intermittent);
        assert!(p.levels.reorder_point > 0.0, "{p:?}");
        assert!(p.levels.reorder_point <= 12.0, "{:?}", p.levels);
        let mut unbounded = settings();
        unbounded.spec.variance_bound = crate::policy::VarianceBound::None;
        let q = plan_item(&quiet_input(&y), &unbounded);
        assert!(q.levels.reorder_point > 50.0, "{:?}", q.levels);
    }

    #[test]
    fn an_inactive_item_gets_small_levels_or_none_under_an_idle_limit() {
        // Unbounded, 63 quiet weeks after 12 units made a reorder point of 1,245 units.
        let y = lumpy_then_quiet(63);
        let p = plan_item(&quiet_input(&y), &settings());
        assert_eq!(p.class, DemandClass::Inactive);
        assert!(
            p.levels.reorder_point > 0.0 && p.levels.reorder_point <= 12.0,
            "{:?}",
            p.levels
        );
        let mut idle = settings();
        idle.spec.idle_limit = Some(52);
        let p = plan_item(&quiet_input(&y), &idle);
        assert_eq!((p.levels.reorder_point, p.levels.max), (0.0, 0.0));
        assert_eq!(p.netting.quantity, 0.0);
        assert!(
            p.why
                .ends_with("not stocked: no demand in the last 63 periods"),
            "{}",
            p.why
        );
        // Announced demand and manual levels still count for a part not stocked.
        let recall = [EventDemand {
            start: 1,
            periods: 2,
            affected_units: 100.0,
            replacement_rate: 0.05,
        }];
        let r = plan_item(
            &PlanInput {
                events: &recall,
                ..quiet_input(&y)
            },
            &idle,
        );
        assert_eq!(r.levels.reorder_point, 5.0, "{:?}", r.levels);
        assert_eq!(r.netting.quantity, 5.0);
        let m = plan_item(
            &PlanInput {
                manual: Some(ManualLevels {
                    min: 2.0,
                    max: Some(4.0),
                }),
                ..quiet_input(&y)
            },
            &idle,
        );
        assert_eq!((m.levels.reorder_point, m.netting.quantity), (2.0, 4.0));
    }
}
