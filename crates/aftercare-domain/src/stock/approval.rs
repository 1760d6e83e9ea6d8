//! Approval rules: large issues, emergency requisitions (急件请购) and scrap.

use super::condition::StockCondition;
use super::qty::Qty;
use crate::ids::{PartId, ScrapRequestId, WarehouseId};
use crate::money::Money;
use crate::part::StockLevels;
use crate::role::Role;
use crate::time::Instant;
use serde::{Deserialize, Serialize};

/// Whether `role` may approve stock decisions (large issues, scrap, stocktake results):
/// the HQ after-sales manager.
pub fn may_approve(role: Role) -> bool {
    role == Role::Manager
}

/// When an issue needs a manager's approval; `None` thresholds never trigger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct IssuePolicy {
    /// Issues worth more than this need approval.
    pub value_above: Option<Money>,
    /// Issues of more units than this need approval.
    pub qty_above: Option<Qty>,
}

/// Why an issue needs approval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ApprovalReason {
    /// Value over the threshold.
    #[error("the issue is worth {value}, above the approval limit {limit}")]
    ValueAbove {
        /// Value of the issue (saturating on overflow).
        value: Money,
        /// The limit.
        limit: Money,
    },
    /// Quantity over the threshold.
    #[error("the issue is {qty} units, above the approval limit {limit}")]
    QtyAbove {
        /// Units issued.
        qty: Qty,
        /// The limit.
        limit: Qty,
    },
}

impl IssuePolicy {
    /// Whether issuing `qty` units at `unit_cost` each needs approval, and why (value first).
    pub fn needs_approval(&self, qty: Qty, unit_cost: Money) -> Option<ApprovalReason> {
        let value = qty.value(unit_cost).unwrap_or(Money(i64::MAX));
        if let Some(limit) = self.value_above
            && value > limit
        {
            return Some(ApprovalReason::ValueAbove { value, limit });
        }
        match self.qty_above {
            Some(limit) if qty > limit => Some(ApprovalReason::QtyAbove { qty, limit }),
            _ => None,
        }
    }
}

/// An emergency requisition (急件请购): raised when available stock falls below the minimum
/// before the monthly replenishment run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmergencyRequisition {
    /// Available units now.
    pub available: Qty,
    /// The minimum.
    pub min: Qty,
    /// Units to request: up to the maximum if one is set, else up to the minimum.
    pub qty: Qty,
}

/// The emergency requisition due when `available` is below the minimum of `levels`.
pub fn emergency_requisition(available: Qty, levels: StockLevels) -> Option<EmergencyRequisition> {
    (available < levels.min).then(|| EmergencyRequisition {
        available,
        min: levels.min,
        qty: levels.max.unwrap_or(levels.min).saturating_sub(available),
    })
}

/// Why a part is scrapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScrapReason {
    /// Damaged beyond repair.
    DamagedBeyondRepair,
    /// Repair would cost more than a new part.
    RepairDearerThanNew,
    /// No longer needed (end of service, superseded).
    Obsolete,
}

impl ScrapReason {
    /// Every reason.
    pub const ALL: [ScrapReason; 3] = [
        ScrapReason::DamagedBeyondRepair,
        ScrapReason::RepairDearerThanNew,
        ScrapReason::Obsolete,
    ];

    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            ScrapReason::DamagedBeyondRepair => "damaged_beyond_repair",
            ScrapReason::RepairDearerThanNew => "repair_dearer_than_new",
            ScrapReason::Obsolete => "obsolete",
        }
    }

    /// Parse a code.
    pub fn parse(code: &str) -> Option<ScrapReason> {
        ScrapReason::ALL
            .into_iter()
            .find(|r| r.code() == code.trim())
    }
}

/// Where a scrap request is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScrapStatus {
    /// Waiting for a manager.
    Requested,
    /// Approved; the stock was moved to scrap.
    Approved,
    /// Rejected; nothing moved.
    Rejected,
}

/// A request to scrap units of one part in one condition in one warehouse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScrapRequest {
    /// The request.
    pub id: ScrapRequestId,
    /// The warehouse.
    pub warehouse: WarehouseId,
    /// The part.
    pub part: PartId,
    /// The condition scrapped from (not scrap).
    pub condition: StockCondition,
    /// Units.
    pub qty: Qty,
    /// Why.
    pub reason: ScrapReason,
    /// When requested.
    pub requested_at: Instant,
    /// Status.
    pub status: ScrapStatus,
    /// When decided.
    pub decided_at: Option<Instant>,
}

/// Why a scrap request or decision is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScrapError {
    /// Zero units or already scrap.
    #[error("scrap at least one unit that is not already scrap")]
    BadRequest,
    /// Decider is not a manager.
    #[error("only a manager may approve or reject scrap")]
    NotAllowed,
    /// Already decided.
    #[error("the scrap request was already decided")]
    AlreadyDecided,
}

impl ScrapRequest {
    /// A new request.
    pub fn new(
        id: ScrapRequestId,
        warehouse: WarehouseId,
        part: PartId,
        condition: StockCondition,
        qty: Qty,
        reason: ScrapReason,
        now: Instant,
    ) -> Result<ScrapRequest, ScrapError> {
        if qty.is_zero() || condition == StockCondition::Scrap {
            return Err(ScrapError::BadRequest);
        }
        Ok(ScrapRequest {
            id,
            warehouse,
            part,
            condition,
            qty,
            reason,
            requested_at: now,
            status: ScrapStatus::Requested,
            decided_at: None,
        })
    }

    /// Check that `by` may decide this request now.
    pub fn check_decision(&self, by: Role) -> Result<(), ScrapError> {
        if !may_approve(by) {
            return Err(ScrapError::NotAllowed);
        }
        if self.status != ScrapStatus::Requested {
            return Err(ScrapError::AlreadyDecided);
        }
        Ok(())
    }

    /// Record a decision (after [`ScrapRequest::check_decision`] and, when approving, after
    /// the scrap movement was applied).
    pub fn decide(&mut self, by: Role, approve: bool, now: Instant) -> Result<(), ScrapError> {
        self.check_decision(by)?;
        self.status = if approve {
            ScrapStatus::Approved
        } else {
            ScrapStatus::Rejected
        };
        self.decided_at = Some(now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(n: i64) -> Qty {
        Qty::new(n).unwrap()
    }

    #[test]
    fn an_issue_above_the_value_limit_needs_approval() {
        let p = IssuePolicy {
            value_above: Some(Money(10_000)),
            qty_above: None,
        };
        assert_eq!(p.needs_approval(q(2), Money(5_000)), None);
        assert_eq!(
            p.needs_approval(q(3), Money(5_000)),
            Some(ApprovalReason::ValueAbove {
                value: Money(15_000),
                limit: Money(10_000)
            })
        );
    }

    #[test]
    fn an_issue_above_the_quantity_limit_needs_approval() {
        let p = IssuePolicy {
            value_above: None,
            qty_above: Some(q(5)),
        };
        assert_eq!(p.needs_approval(q(5), Money(1)), None);
        assert!(matches!(
            p.needs_approval(q(6), Money(0)),
            Some(ApprovalReason::QtyAbove { .. })
        ));
    }

    #[test]
    fn without_limits_nothing_needs_approval() {
        assert_eq!(
            IssuePolicy::default().needs_approval(q(1_000_000), Money(1_000_000)),
            None
        );
    }

    #[test]
    fn only_a_manager_approves() {
        assert!(may_approve(Role::Manager));
        assert!(!may_approve(Role::Warehouse));
        assert!(!may_approve(Role::Admin));
    }

    #[test]
    fn an_emergency_requisition_is_raised_below_the_minimum_up_to_the_maximum() {
        let levels = StockLevels::new(q(4), Some(q(10))).unwrap();
        assert_eq!(emergency_requisition(q(4), levels), None);
        let e = emergency_requisition(q(3), levels).unwrap();
        assert_eq!(e.qty, q(7));
        let no_max = StockLevels::new(q(4), None).unwrap();
        assert_eq!(emergency_requisition(q(1), no_max).unwrap().qty, q(3));
    }

    #[test]
    fn scrap_needs_a_manager_and_is_decided_once() {
        let mut r = ScrapRequest::new(
            ScrapRequestId(1),
            WarehouseId(1),
            PartId(1),
            StockCondition::Defective,
            q(2),
            ScrapReason::RepairDearerThanNew,
            Instant(0),
        )
        .unwrap();
        assert_eq!(
            r.decide(Role::Warehouse, true, Instant(1)),
            Err(ScrapError::NotAllowed)
        );
        r.decide(Role::Manager, true, Instant(1)).unwrap();
        assert_eq!(r.status, ScrapStatus::Approved);
        assert_eq!(
            r.decide(Role::Manager, false, Instant(2)),
            Err(ScrapError::AlreadyDecided)
        );
    }

    #[test]
    fn scrap_stock_cannot_be_scrapped_again() {
        let r = ScrapRequest::new(
            ScrapRequestId(1),
            WarehouseId(1),
            PartId(1),
            StockCondition::Scrap,
            q(1),
            ScrapReason::Obsolete,
            Instant(0),
        );
        assert_eq!(r, Err(ScrapError::BadRequest));
    }

    #[test]
    fn scrap_reason_codes_round_trip() {
        for r in ScrapReason::ALL {
            assert_eq!(ScrapReason::parse(r.code()), Some(r));
        }
    }
}
