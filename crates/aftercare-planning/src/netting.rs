//! Netting: stock position against the policy → a proposed order, with the reason.
//!
//! `available = on hand + in transit + on order − reserved − backorders`. When it is
//! below the reorder point an order is proposed now, for delivery after the lead time:
//! up to the maximum (order-up-to and `(s, S)` policies) or in whole lots until the
//! reorder point is reached (`(s, Q)`), then raised to the MOQ and rounded up to the
//! counting unit. When it is not, the proposal is empty and the date at which mean demand
//! is expected to take it below the reorder point is given instead.

use crate::lifecycle::fmt_qty;
use crate::policy::{LotSizing, StockPolicy, round_order};

/// Where the stock of an item stands.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct StockPosition {
    /// On the shelf.
    pub on_hand: f64,
    /// Shipped to this location, not yet received.
    pub in_transit: f64,
    /// Ordered, not yet shipped.
    pub on_order: f64,
    /// On hand but promised to a ticket or requisition.
    pub reserved: f64,
    /// Demand already owed.
    pub backorders: f64,
}

impl StockPosition {
    /// On hand + in transit + on order − reserved − backorders.
    pub fn available(&self) -> f64 {
        self.on_hand + self.in_transit + self.on_order - self.reserved - self.backorders
    }
}

/// Item data netting needs besides the policy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NettingItem {
    /// Lead time in periods.
    pub lead_time: usize,
    /// Minimum order quantity.
    pub moq: f64,
    /// Counting unit.
    pub unit: f64,
    /// Lot sizing of the policy.
    pub lot_sizing: LotSizing,
}

/// The outcome of netting one item.
#[derive(Debug, Clone, PartialEq)]
pub struct Netting {
    /// Available stock.
    pub available: f64,
    /// Quantity to order now (0 when no order is needed).
    pub quantity: f64,
    /// Period in which to order: `today` when ordering now, else the period in which mean
    /// demand is expected to take the stock below the reorder point (`None` without demand).
    pub order_period: Option<usize>,
    /// Period in which the order arrives, when ordering now.
    pub arrival_period: Option<usize>,
    /// Why, in words, e.g. "available 3 < reorder point 5; order up to 12".
    pub reason: String,
}

/// Net one item's position against its policy in period `today`.
pub fn net(
    position: &StockPosition,
    policy: &StockPolicy,
    item: &NettingItem,
    today: usize,
) -> Netting {
    let available = position.available();
    let rop = policy.reorder_point;
    if available >= rop {
        return no_order(position, policy, today);
    }
    let (need, how) = match item.lot_sizing {
        LotSizing::OrderUpTo | LotSizing::UpToMax => (
            policy.max - available,
            format!("order up to {}", fmt_qty(policy.max)),
        ),
        LotSizing::FixedQuantity => {
            let q = policy.lot.max(item.unit);
            let lots = ((rop - available) / q).ceil().max(1.0);
            (
                lots * q,
                format!("order {} lot(s) of {}", lots as u64, fmt_qty(q)),
            )
        }
    };
    let quantity = round_order(need, item.moq, item.unit);
    let mut reason = format!(
        "available {} < reorder point {}; {how}",
        available_text(position),
        fmt_qty(rop)
    );
    if item.moq > 0.0 && need < item.moq {
        reason.push_str(&format!(" (raised to MOQ {})", fmt_qty(item.moq)));
    }
    reason.push_str(&format!(": {}", fmt_qty(quantity)));
    Netting {
        available,
        quantity,
        order_period: Some(today),
        arrival_period: Some(today + item.lead_time + 1),
        reason,
    }
}

/// Periods ahead a date to order is still named (beyond, a forecast has decayed to almost
/// nothing and the date would mean nothing).
pub const FORESEEN_PERIODS: usize = 10_000;

/// The available stock in words, naming the backorders it is net of (they are what makes
/// a position negative, and a reader would otherwise look for them on the shelf).
fn available_text(position: &StockPosition) -> String {
    let available = fmt_qty(position.available());
    if position.backorders > 0.0 {
        format!(
            "{available} (after backorders {})",
            fmt_qty(position.backorders)
        )
    } else {
        available
    }
}

fn no_order(position: &StockPosition, policy: &StockPolicy, today: usize) -> Netting {
    let available = position.available();
    let rop = policy.reorder_point;
    let rate = policy.mean_per_period;
    // Periods until available − k·rate < rop.
    let periods = ((available - rop) / rate).floor() + 1.0;
    let (order_period, when) = if rate.is_nan() || rate <= 0.0 {
        (None, String::from("; no demand expected"))
    } else if periods <= FORESEEN_PERIODS as f64 {
        let k = periods as usize;
        (
            today.checked_add(k),
            format!("; expected to fall below it in {k} period(s)"),
        )
    } else {
        // A forecast decayed to almost nothing: no date worth naming (and none that fits).
        (
            None,
            format!("; not expected to fall below it within {FORESEEN_PERIODS} periods"),
        )
    };
    Netting {
        available,
        quantity: 0.0,
        order_period,
        arrival_period: None,
        reason: format!(
            "available {} ≥ reorder point {}: no order{when}",
            available_text(position),
            fmt_qty(rop)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(rop: f64, max: f64, lot: f64) -> StockPolicy {
        StockPolicy {
            mean_per_period: 0.5,
            protection_periods: 3,
            ltd_mean: 1.5,
            ltd_sd: 1.0,
            distribution: "poisson",
            min: rop - 1.5,
            reorder_point: rop,
            max,
            eoq: lot,
            lot,
        }
    }

    fn item(lot_sizing: LotSizing) -> NettingItem {
        NettingItem {
            lead_time: 2,
            moq: 0.0,
            unit: 1.0,
            lot_sizing,
        }
    }

    #[test]
    fn available_counts_every_bucket() {
        let p = StockPosition {
            on_hand: 4.0,
            in_transit: 2.0,
            on_order: 3.0,
            reserved: 1.0,
            backorders: 5.0,
        };
        assert_eq!(p.available(), 3.0);
    }

    #[test]
    fn backorders_are_named_in_the_reason() {
        let owed = StockPosition {
            on_hand: 2.0,
            backorders: 5.0,
            ..Default::default()
        };
        let n = net(
            &owed,
            &policy(1.0, 4.0, 3.0),
            &item(LotSizing::OrderUpTo),
            10,
        );
        assert_eq!(n.quantity, 7.0);
        assert_eq!(
            n.reason,
            "available -3 (after backorders 5) < reorder point 1; order up to 4: 7"
        );
        let covered = StockPosition {
            on_hand: 9.0,
            backorders: 5.0,
            ..Default::default()
        };
        let n = net(
            &covered,
            &policy(1.0, 4.0, 3.0),
            &item(LotSizing::OrderUpTo),
            10,
        );
        assert!(
            n.reason
                .starts_with("available 4 (after backorders 5) ≥ reorder point 1: no order"),
            "{}",
            n.reason
        );
    }

    #[test]
    fn a_forecast_decayed_to_almost_nothing_names_no_date() {
        // (2 − 0) / 1e-30 periods overflowed the period counter (a panic in debug builds,
        // "in 0 period(s)" in release).
        let pos = StockPosition {
            on_hand: 2.0,
            ..Default::default()
        };
        let mut p = policy(0.0, 0.0, 0.0);
        p.mean_per_period = 1e-30;
        let n = net(&pos, &p, &item(LotSizing::OrderUpTo), usize::MAX - 1);
        assert_eq!((n.quantity, n.order_period), (0.0, None));
        assert_eq!(
            n.reason,
            "available 2 ≥ reorder point 0: no order; not expected to fall below it within 10000 periods"
        );
        p.mean_per_period = 0.5;
        let n = net(&pos, &p, &item(LotSizing::OrderUpTo), 7);
        assert_eq!(n.order_period, Some(12));
        p.mean_per_period = f64::NAN;
        let n = net(&pos, &p, &item(LotSizing::OrderUpTo), 7);
        assert_eq!(n.order_period, None);
        assert!(n.reason.ends_with("no demand expected"), "{}", n.reason);
    }

    #[test]
    fn below_reorder_point_orders_up_to_max_with_the_reason() {
        let pos = StockPosition {
            on_hand: 3.0,
            ..Default::default()
        };
        let n = net(&pos, &policy(5.0, 12.0, 0.0), &item(LotSizing::UpToMax), 10);
        assert_eq!(n.quantity, 9.0);
        assert_eq!(n.order_period, Some(10));
        assert_eq!(n.arrival_period, Some(13));
        assert_eq!(n.reason, "available 3 < reorder point 5; order up to 12: 9");
    }

    #[test]
    fn fixed_lots_cover_the_gap_in_whole_lots() {
        let pos = StockPosition {
            on_hand: 1.0,
            ..Default::default()
        };
        let n = net(
            &pos,
            &policy(6.0, 10.0, 4.0),
            &item(LotSizing::FixedQuantity),
            0,
        );
        assert_eq!(n.quantity, 8.0);
        assert!(n.reason.contains("2 lot(s) of 4"), "{}", n.reason);
    }

    #[test]
    fn moq_raises_small_orders_and_says_so() {
        let pos = StockPosition {
            on_hand: 4.0,
            ..Default::default()
        };
        let it = NettingItem {
            moq: 10.0,
            ..item(LotSizing::OrderUpTo)
        };
        let n = net(&pos, &policy(5.0, 5.0, 0.0), &it, 0);
        assert_eq!(n.quantity, 10.0);
        assert!(n.reason.contains("raised to MOQ 10"), "{}", n.reason);
    }

    #[test]
    fn enough_stock_gives_no_order_and_a_date() {
        let pos = StockPosition {
            on_hand: 7.0,
            ..Default::default()
        };
        let n = net(
            &pos,
            &policy(5.0, 12.0, 0.0),
            &item(LotSizing::OrderUpTo),
            4,
        );
        assert_eq!(n.quantity, 0.0);
        // 7 − 0.5k < 5 first at k = 5.
        assert_eq!(n.order_period, Some(9));
        assert!(
            n.reason
                .starts_with("available 7 ≥ reorder point 5: no order"),
            "{}",
            n.reason
        );
    }
}
