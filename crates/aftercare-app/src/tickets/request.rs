//! One flat form for every ticket action, as the API and the pages submit it, turned into the
//! domain's [`TicketAction`] with clear errors naming the missing field.

use crate::error::{AppError, AppResult};
use aftercare_domain::ticket::{
    ActionKind, Appointment, CallbackOutcome, Completion, Satisfaction, TicketAction,
};
use aftercare_domain::{FaultCodeId, Instant, StationId, TechnicianId};
use aftercare_store::tickets::TicketExtras;
use serde::{Deserialize, Serialize};

/// An action on a ticket with whichever fields it needs.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ActionRequest {
    /// Action code: dispatch, recall, accept, reject, assign_technician, schedule, arrive,
    /// wait_for_parts, parts_arrived, complete, callback, close, resolve, cancel, reopen.
    pub action: String,
    /// dispatch: the station.
    pub station: Option<i64>,
    /// recall, reject, cancel, reopen: why.
    pub reason: Option<String>,
    /// resolve: how it was settled.
    pub resolution: Option<String>,
    /// assign_technician: the technician.
    pub technician: Option<i64>,
    /// schedule: slot start, UTC ms.
    pub appointment_start: Option<i64>,
    /// schedule: slot end, UTC ms.
    pub appointment_end: Option<i64>,
    /// complete: work done.
    pub actions_taken: Option<String>,
    /// complete: diagnosed fault code.
    pub fault_code: Option<i64>,
    /// complete: labour minutes.
    pub labour_minutes: Option<i64>,
    /// callback: fixed?
    pub fixed: Option<bool>,
    /// callback: satisfaction 1-5.
    pub satisfaction: Option<u8>,
    /// callback: comments.
    pub comments: Option<String>,
    /// callback: the completion was false.
    pub false_completion: Option<bool>,
}

fn need<T>(v: Option<T>, field: &str, action: &str) -> AppResult<T> {
    v.ok_or_else(|| AppError::invalid(field, format!("is required to {action}")))
}

impl ActionRequest {
    /// The domain action and what it stores besides the state.
    pub fn into_action(self) -> AppResult<(TicketAction, TicketExtras)> {
        let kind = ActionKind::parse(self.action.trim())
            .map_err(|e| AppError::invalid("action", e.to_string()))?;
        let a = kind.code();
        let mut extras = TicketExtras::default();
        let action = match kind {
            ActionKind::Dispatch => TicketAction::Dispatch {
                station: StationId(need(self.station, "station", a)?),
            },
            ActionKind::Recall => TicketAction::Recall {
                reason: self.reason.unwrap_or_default(),
            },
            ActionKind::Accept => TicketAction::Accept,
            ActionKind::Reject => TicketAction::Reject {
                reason: self.reason.unwrap_or_default(),
            },
            ActionKind::AcceptTimeout => {
                return Err(AppError::invalid(
                    "action",
                    "accept_timeout is applied by the system's timer, not by users",
                ));
            }
            ActionKind::AssignTechnician => TicketAction::AssignTechnician {
                technician: TechnicianId(need(self.technician, "technician", a)?),
            },
            ActionKind::Schedule => TicketAction::Schedule {
                appointment: Appointment::new(
                    Instant(need(self.appointment_start, "appointment_start", a)?),
                    Instant(need(self.appointment_end, "appointment_end", a)?),
                )?,
            },
            ActionKind::Arrive => TicketAction::Arrive,
            ActionKind::WaitForParts => TicketAction::WaitForParts,
            ActionKind::PartsArrived => TicketAction::PartsArrived,
            ActionKind::Complete => {
                let done = self.actions_taken.unwrap_or_default();
                extras.actions_taken = Some(done.trim().to_string());
                extras.labour_minutes = self.labour_minutes;
                TicketAction::Complete(Completion {
                    actions_taken: done,
                    fault_code: self.fault_code.map(FaultCodeId),
                })
            }
            ActionKind::Callback => TicketAction::Callback(CallbackOutcome {
                fixed: need(self.fixed, "fixed", a)?,
                satisfaction: Satisfaction::new(need(self.satisfaction, "satisfaction", a)?)?,
                comments: self.comments.unwrap_or_default(),
                false_completion: self.false_completion.unwrap_or(false),
            }),
            ActionKind::Close => TicketAction::Close,
            ActionKind::Resolve => TicketAction::Resolve {
                resolution: self.resolution.unwrap_or_default(),
            },
            ActionKind::Cancel => TicketAction::Cancel {
                reason: self.reason.unwrap_or_default(),
            },
            ActionKind::Reopen => TicketAction::Reopen {
                reason: self.reason.unwrap_or_default(),
            },
        };
        Ok((action, extras))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dispatch_without_a_station_names_the_missing_field() {
        let e = ActionRequest {
            action: "dispatch".into(),
            ..Default::default()
        }
        .into_action()
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid input: station: is required to dispatch"
        );
    }

    #[test]
    fn an_unknown_action_and_the_timer_action_are_refused() {
        for a in ["fly", "accept_timeout"] {
            let r = ActionRequest {
                action: a.into(),
                ..Default::default()
            }
            .into_action();
            assert!(matches!(r, Err(AppError::Invalid(_))), "{a}");
        }
    }

    #[test]
    fn a_completion_carries_labour_and_work_done_as_extras() {
        let (a, x) = ActionRequest {
            action: "complete".into(),
            actions_taken: Some(" 更换主板 ".into()),
            labour_minutes: Some(30),
            ..Default::default()
        }
        .into_action()
        .unwrap();
        assert_eq!(a.kind(), ActionKind::Complete);
        assert_eq!(x.actions_taken.as_deref(), Some("更换主板"));
        assert_eq!(x.labour_minutes, Some(30));
    }
}
