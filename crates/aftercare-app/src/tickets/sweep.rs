//! Background rules run by the server on a timer, testable with a fixed clock: the SLA sweep
//! (at risk at the configured share of a window, breaches recorded with which deadline and by
//! how much), the accept-timeout sweep (unaccepted tickets return to the dispatcher) and the
//! parts pick-up sweep ([`App::parts_pickup_sweep`]: waiting ticket parts retried against
//! the stock available now).

use super::flow::event_payload;
use super::transition_error;
use crate::App;
use crate::error::{AppError, AppResult};
use aftercare_domain::dispatch::accept_deadline;
use aftercare_domain::sla::{SlaProgress, SlaReport, SlaState};
use aftercare_domain::ticket::{Actor as TicketActor, TicketAction};
use aftercare_domain::{Instant, TicketId};
use aftercare_store::audit::{self, NewAuditEntry};
use aftercare_store::tickets::{self as store, NewEvent, TicketExtras};
use serde::Serialize;

/// What one sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SweepReport {
    /// Tickets looked at.
    pub examined: usize,
    /// Tickets newly flagged at risk.
    pub newly_at_risk: usize,
    /// Tickets newly flagged breached.
    pub newly_breached: usize,
    /// Tickets returned to the dispatcher for want of acceptance.
    pub returned: usize,
}

pub(crate) fn system_audit(now: Instant, action: &str, id: TicketId) -> NewAuditEntry {
    NewAuditEntry {
        at: now,
        actor_id: None,
        actor_login: "system".into(),
        action: action.into(),
        object_type: "ticket".into(),
        object_id: id.to_string(),
        before: None,
        after: None,
        request_id: None,
    }
}

impl App {
    /// Evaluate every open ticket's deadlines at the clock's now: flag at-risk and breached
    /// tickets, record breaches (which deadline, by how much; ongoing ones grow), and write
    /// `ticket.sla_at_risk` / `ticket.sla_breached` events when a flag turns on.
    pub async fn sla_sweep(&self) -> AppResult<SweepReport> {
        let settings = store::get_settings(&self.db).await?;
        let now = self.now();
        let mut report = SweepReport::default();
        let mut after = TicketId(0);
        loop {
            let page = store::open_tickets_for_sla(&self.db, after, 500).await?;
            let Some(last) = page.last() else { break };
            after = last.id;
            for t in page {
                report.examined += 1;
                let sla = SlaReport::at(
                    &t.deadlines,
                    &SlaProgress::from(t.state.milestones),
                    now,
                    &settings.sla,
                );
                let open = t.state.status.is_open();
                let at_risk = open && sla.is_at_risk();
                let breached = open && sla.is_breached();
                let breaches: Vec<_> = aftercare_domain::sla::SlaKind::ALL
                    .iter()
                    .filter_map(|k| match sla.state(*k) {
                        SlaState::Breached { by_millis } => {
                            Some((*k, t.deadlines.deadline(*k), by_millis, true))
                        }
                        _ => None,
                    })
                    .collect();
                if breaches.is_empty() && at_risk == t.sla_at_risk && breached == t.sla_breached {
                    continue;
                }
                let mut tx = self.db.begin_write().await?;
                store::record_sla(
                    &mut tx,
                    t.id,
                    at_risk,
                    breached,
                    &breaches,
                    t.state.station,
                    now,
                )
                .await?;
                let mut events = Vec::new();
                if at_risk && !t.sla_at_risk {
                    report.newly_at_risk += 1;
                    events.push((
                        "ticket.sla_at_risk",
                        event_payload("ticket.sla_at_risk", &t, now),
                    ));
                }
                if breached && !t.sla_breached {
                    report.newly_breached += 1;
                    let mut p = event_payload("ticket.sla_breached", &t, now);
                    p["breaches"] = serde_json::to_value(
                        breaches
                            .iter()
                            .map(|(k, d, by, _)| serde_json::json!({"kind": k.code(), "deadline": d.0, "late_ms": by}))
                            .collect::<Vec<_>>(),
                    )
                    .unwrap_or_default();
                    events.push(("ticket.sla_breached", p));
                }
                store::insert_outbox(&mut tx, Some(t.id), &events, now).await?;
                tx.commit().await?;
            }
        }
        Ok(report)
    }

    /// Return every dispatched ticket whose station did not accept within the configured
    /// time to the dispatcher (as the system, on the timeline and in the audit log).
    pub async fn accept_timeout_sweep(&self) -> AppResult<SweepReport> {
        let settings = store::get_settings(&self.db).await?;
        let now = self.now();
        let cutoff = Instant(now.0 - i64::from(settings.rules.accept_timeout_minutes) * 60_000);
        let mut report = SweepReport::default();
        for id in store::unaccepted_since(&self.db, cutoff).await? {
            report.examined += 1;
            let Some(t) = store::get_ticket(&self.db, id).await? else {
                continue;
            };
            if let Some(d) = t.state.milestones.dispatched_at
                && now < accept_deadline(d, settings.rules.accept_timeout_minutes)
            {
                continue;
            }
            let mut state = t.state.clone();
            let entry = match state.apply(
                TicketActor::System,
                TicketAction::AcceptTimeout,
                now,
                &settings.rules,
            ) {
                Ok(e) => e,
                // Accepted or recalled meanwhile: nothing to do.
                Err(aftercare_domain::ticket::TransitionError::NotAllowed { .. }) => continue,
                Err(e) => return Err(transition_error(e)),
            };
            let mut tx = self.db.begin_write().await?;
            match store::update_state(&mut tx, id, t.version, &state, &TicketExtras::default())
                .await
            {
                Ok(_) => {}
                // Someone acted on it between the read and the write: leave it to them.
                Err(aftercare_store::StoreError::Conflict(_)) => continue,
                Err(e) => return Err(AppError::from(e)),
            }
            store::insert_events(&mut tx, id, &[NewEvent::from_entry(&entry)]).await?;
            let mut after = t.clone();
            after.state = state;
            store::insert_outbox(
                &mut tx,
                Some(id),
                &[(
                    "ticket.accept_timeout",
                    event_payload("ticket.accept_timeout", &after, now),
                )],
                now,
            )
            .await?;
            let mut a = system_audit(now, "ticket.accept_timeout", id);
            a.before = Some(
                serde_json::json!({"status": "dispatched", "station": t.state.station.map(|s| s.0)}),
            );
            a.after = Some(serde_json::json!({"status": after.state.status.code()}));
            audit::record(&mut tx, &a).await?;
            tx.commit().await?;
            report.returned += 1;
        }
        Ok(report)
    }
}

/// How often the server runs the ticket timers.
pub const TIMER_INTERVAL: std::time::Duration = std::time::Duration::from_secs(30);

impl App {
    /// Run the accept-timeout, SLA and parts pick-up sweeps every `every`, forever (the server spawns this
    /// and aborts it on shutdown). Failures are logged and retried at the next tick; with
    /// several servers on PostgreSQL each runs it, and the version check makes a ticket move
    /// only once.
    pub async fn run_ticket_timers(self, every: std::time::Duration) {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match self.accept_timeout_sweep().await {
                Ok(r) if r.returned > 0 => {
                    tracing::info!(
                        returned = r.returned,
                        "unaccepted tickets returned to dispatch"
                    )
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "accept-timeout sweep failed"),
            }
            match self.sla_sweep().await {
                Ok(r) if r.newly_at_risk + r.newly_breached > 0 => tracing::info!(
                    at_risk = r.newly_at_risk,
                    breached = r.newly_breached,
                    "SLA sweep flagged tickets"
                ),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "SLA sweep failed"),
            }
            match self.parts_pickup_sweep().await {
                Ok(n) if n > 0 => {
                    tracing::info!(tickets = n, "waiting tickets got their parts")
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "parts pick-up sweep failed"),
            }
        }
    }
}
