//! The admin's SLA settings: the windows per region tier, the at-risk share, the accept
//! timeout, the repeat-repair window and the company time zone deadlines are shown in,
//! checked together and saved in one transaction, so a bad value changes nothing.

use crate::App;
use crate::access::Actor;
use crate::error::{AppError, AppResult};
use aftercare_domain::Role;
use aftercare_domain::org::Tier;
use aftercare_domain::sla::SlaKind;
use aftercare_domain::validate::ValidationError;
use aftercare_store::audit;
use aftercare_store::tickets::{self as ticket_store, TicketSettings};
use serde::{Deserialize, Serialize};

/// Longest window accepted, in minutes (one year): longer is a typo, not a promise.
pub const MAX_WINDOW_MINUTES: u32 = 366 * 24 * 60;

/// The SLA settings page: ticket settings plus the company time zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaSettings {
    /// Windows per tier, at-risk percent, accept timeout and repeat window.
    #[serde(flatten)]
    pub ticket: TicketSettings,
    /// IANA time zone deadlines are shown in.
    pub time_zone: String,
}

/// The field name of a window in errors and forms, e.g. `sla.urban.on_site`.
pub fn window_field(tier: Tier, kind: SlaKind) -> String {
    format!("sla.{}.{}", tier.code(), kind.code())
}

/// Every problem with `s`, each naming its field (empty when all is well).
pub fn sla_settings_errors(s: &SlaSettings) -> Vec<ValidationError> {
    let mut errors = Vec::new();
    for tier in Tier::ALL {
        let t = s.ticket.sla.for_tier(tier);
        for kind in SlaKind::ALL {
            let m = t.minutes(*kind);
            if m == 0 {
                errors.push(ValidationError::new(
                    window_field(tier, *kind),
                    "must be at least one minute",
                ));
            } else if m > MAX_WINDOW_MINUTES {
                errors.push(ValidationError::new(
                    window_field(tier, *kind),
                    "must be at most one year",
                ));
            }
        }
        // The technician cannot be due on site after the work is due done.
        if t.on_site_minutes > t.completion_minutes && t.completion_minutes > 0 {
            errors.push(ValidationError::new(
                window_field(tier, SlaKind::OnSite),
                "must not be longer than the completion window",
            ));
        }
    }
    if !(1..=100).contains(&s.ticket.sla.at_risk_percent) {
        errors.push(ValidationError::new(
            "sla.at_risk_percent",
            "must be between 1 and 100",
        ));
    }
    if !(1..=MAX_WINDOW_MINUTES).contains(&s.ticket.rules.accept_timeout_minutes) {
        errors.push(ValidationError::new(
            "accept_timeout_minutes",
            "must be between 1 minute and one year",
        ));
    }
    if !(1..=3660).contains(&s.ticket.rules.repeat_window.days) {
        errors.push(ValidationError::new(
            "repeat_window.days",
            "must be between 1 and 3660 days",
        ));
    }
    if s.time_zone.parse::<chrono_tz::Tz>().is_err() {
        errors.push(ValidationError::new(
            "time_zone",
            format!("'{}' is not an IANA time zone", s.time_zone),
        ));
    }
    errors
}

impl App {
    /// The SLA settings (admin).
    pub async fn sla_settings(&self, actor: &Actor) -> AppResult<SlaSettings> {
        actor.require(&[Role::Admin], "see the SLA settings")?;
        Ok(SlaSettings {
            ticket: ticket_store::get_settings(&self.db).await?,
            time_zone: aftercare_store::settings::get(&self.db).await?.time_zone,
        })
    }

    /// Change the SLA settings (admin): every field is checked first and every problem
    /// reported; the ticket settings and the time zone are then saved in one transaction.
    pub async fn update_sla_settings(
        &self,
        actor: &Actor,
        mut new: SlaSettings,
    ) -> AppResult<SlaSettings> {
        actor.require(&[Role::Admin], "change the SLA settings")?;
        new.time_zone = new.time_zone.trim().to_string();
        let errors = sla_settings_errors(&new);
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        let before = self.sla_settings(actor).await?;
        let mut company = aftercare_store::settings::get(&self.db).await?;
        company.time_zone = new.time_zone.clone();
        let now = self.now();
        let mut tx = self.db.begin_write().await?;
        ticket_store::put_settings(&mut tx, &new.ticket, now).await?;
        aftercare_store::settings::put(&mut tx, &company, now).await?;
        let mut entry = actor.audit(now, "sla_settings.update", "ticket_settings", 1);
        entry.before = serde_json::to_value(&before).ok();
        entry.after = serde_json::to_value(&new).ok();
        audit::record(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(new)
    }
}
