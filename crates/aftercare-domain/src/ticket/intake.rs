//! Everything decided when a ticket is taken in: the checked request, the SLA deadlines, the
//! warranty status, and whether it repeats an earlier repair of the unit.

use crate::ids::FaultCodeId;
use crate::org::Tier;
use crate::sla::{SlaConfig, SlaDeadlines};
use crate::ticket::kind::{Channel, Priority, TicketType};
use crate::ticket::repeat::{PriorCompletion, find_repeat};
use crate::ticket::rules::TicketRules;
use crate::ticket::state::TicketState;
use crate::time::Instant;
use crate::validate::ValidationError;
use crate::warranty::{BrandContract, WarrantyDetermination, WarrantyTerms, determine};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Longest fault description, in characters.
pub const MAX_DESCRIPTION: usize = 2000;

/// What the agent types about the request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketInput {
    /// Repair, installation, ...
    pub ticket_type: TicketType,
    /// Where it came from.
    pub channel: Channel,
    /// How urgent.
    pub priority: Priority,
    /// The customer's words.
    pub fault_description: String,
    /// A fault code, if the agent could already tell.
    pub fault_code: Option<FaultCodeId>,
}

impl TicketInput {
    /// Check the input: the description is required, at most [`MAX_DESCRIPTION`]
    /// characters and free of control characters but white space; it is returned trimmed.
    pub fn validate(&self) -> Result<TicketInput, ValidationError> {
        let description = crate::validate::text(
            "fault_description",
            &self.fault_description,
            MAX_DESCRIPTION,
        )?;
        Ok(TicketInput {
            fault_description: description,
            ..self.clone()
        })
    }
}

/// The facts intake looks up before deciding.
#[derive(Debug, Clone, Copy)]
pub struct IntakeFacts<'a> {
    /// The intake instant.
    pub intake_at: Instant,
    /// The intake date in the company's time zone.
    pub intake_date: NaiveDate,
    /// The tier of the customer's region.
    pub tier: Tier,
    /// The unit's purchase date, if known.
    pub purchase_date: Option<NaiveDate>,
    /// The warranty policy of the unit's product category.
    pub policy: &'a WarrantyTerms,
    /// The brand contract covering the unit, if any.
    pub contract: Option<&'a BrandContract>,
    /// The unit's earlier completed tickets.
    pub prior: &'a [PriorCompletion],
}

/// What intake decided; stored on the new ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntakeAssessment {
    /// SLA deadlines from the tier.
    pub deadlines: SlaDeadlines,
    /// Warranty status and reason.
    pub warranty: WarrantyDetermination,
    /// The earlier ticket this one repeats (二次返修), if any.
    pub repeat_of: Option<PriorCompletion>,
    /// The life of the new ticket, status `new`.
    pub state: TicketState,
}

/// Decide deadlines, warranty and repeat status for a ticket taken in with `facts`.
pub fn assess_intake(
    facts: &IntakeFacts<'_>,
    sla: &SlaConfig,
    rules: &TicketRules,
) -> IntakeAssessment {
    IntakeAssessment {
        deadlines: SlaDeadlines::at_intake(facts.intake_at, facts.tier, sla),
        warranty: determine(
            facts.purchase_date,
            facts.intake_date,
            facts.policy,
            facts.contract,
        ),
        repeat_of: find_repeat(facts.prior, facts.intake_at, rules.repeat_window),
        state: TicketState::new(facts.intake_at),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{StationId, TicketId};
    use crate::ticket::status::TicketStatus;
    use crate::warranty::WarrantyStatus;

    const T0: i64 = 1_795_362_600_000; // 2026-11-22 23:50 Beijing
    const DAY: i64 = 86_400_000;

    fn input(description: &str) -> TicketInput {
        TicketInput {
            ticket_type: TicketType::Repair,
            channel: Channel::Hotline,
            priority: Priority::Normal,
            fault_description: description.into(),
            fault_code: None,
        }
    }

    #[test]
    fn the_fault_description_is_required_trimmed_and_bounded() {
        assert_eq!(
            input("  开机黑屏 ").validate().unwrap().fault_description,
            "开机黑屏"
        );
        assert_eq!(
            input(" ").validate().unwrap_err().field,
            "fault_description"
        );
        assert!(input(&"屏".repeat(MAX_DESCRIPTION + 1)).validate().is_err());
        // Line breaks stay; a terminal's escape does not travel into the ticket.
        assert!(input("开机黑屏\n有异响").validate().is_ok());
        let e = input("开机\u{1b}[2J黑屏").validate().unwrap_err();
        assert_eq!(e.field, "fault_description");
        assert!(e.reason.contains("U+001B at character 3"), "{e:?}");
    }

    #[test]
    fn intake_sets_deadlines_warranty_and_the_repeat_link() {
        let policy = WarrantyTerms {
            unit_months: 12,
            key_parts_months: 36,
            labour_months: 12,
        };
        let prior = [PriorCompletion {
            ticket: TicketId(41),
            completed_at: Instant(T0 - 30 * DAY),
            station: StationId(9),
        }];
        let facts = IntakeFacts {
            intake_at: Instant(T0),
            intake_date: NaiveDate::from_ymd_opt(2026, 11, 22).unwrap(),
            tier: Tier::Township,
            purchase_date: NaiveDate::from_ymd_opt(2026, 5, 1),
            policy: &policy,
            contract: None,
            prior: &prior,
        };
        let a = assess_intake(&facts, &SlaConfig::default(), &TicketRules::default());
        assert_eq!(a.deadlines.on_site, Instant(T0 + 2 * DAY));
        assert_eq!(a.warranty.status, WarrantyStatus::In);
        assert_eq!(a.repeat_of.map(|p| p.ticket), Some(TicketId(41)));
        assert_eq!(a.state.status, TicketStatus::New);
        assert_eq!(a.state.last_event_at, Instant(T0));
    }
}
