//! The customer message templates an admin edits (issue 4): list, save with a version check,
//! reset to the built-in text, preview; and the rendering the webhook delivery uses, so the
//! preview shows exactly what a customer would get.

use crate::App;
use crate::access::Actor;
use crate::error::{AppError, AppResult};
use aftercare_domain::message::{MessageEvent, MessageTemplate, MessageValues, Placeholder};
use aftercare_domain::settings::Lang;
use aftercare_domain::{Instant, Role, TicketId};
use aftercare_store::audit;
use aftercare_store::message_templates::{self as store, TemplateRow, TicketFacts};
use serde::{Deserialize, Serialize};

/// One template as the admin sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TemplateView {
    /// Event name, e.g. `ticket.completed`.
    pub event: String,
    /// `zh-CN` or `en`.
    pub lang: String,
    /// The text in force (the admin's, or the built-in one).
    pub body: String,
    /// True while the built-in text is in force.
    pub is_default: bool,
    /// The built-in text ("reset" brings it back).
    pub default_body: String,
    /// Version to send back when saving (0: never saved).
    pub version: i64,
    /// Who saved or reset it last.
    pub updated_by: Option<String>,
    /// When.
    pub updated_at: Option<Instant>,
}

/// A rendered preview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Preview {
    /// Event name.
    pub event: String,
    /// `zh-CN` or `en`.
    pub lang: String,
    /// The message a customer would get.
    pub text: String,
    /// Its length in characters.
    pub chars: usize,
    /// The ticket rendered (`None`: the sample ticket).
    pub ticket_id: Option<i64>,
}

/// What to preview.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PreviewRequest {
    /// Event name.
    pub event: String,
    /// `zh-CN` or `en` (`zh` accepted).
    pub lang: String,
    /// A draft body to check and render; `None` renders the text in force.
    #[serde(default)]
    pub body: Option<String>,
    /// A real ticket to render with; `None` uses the sample ticket.
    #[serde(default)]
    pub ticket_id: Option<i64>,
    /// Or the ticket's number, e.g. `T20261122-000123` (when no id is given).
    #[serde(default)]
    pub ticket_number: Option<String>,
}

/// The event and language named in a request, or not found naming both.
fn key(event: &str, lang: &str) -> AppResult<(MessageEvent, Lang)> {
    let parsed_lang = match lang.trim() {
        "zh" | "zh-CN" => Some(Lang::ZhCn),
        "en" => Some(Lang::En),
        _ => None,
    };
    match (MessageEvent::parse(event.trim()), parsed_lang) {
        (Some(e), Some(l)) => Ok((e, l)),
        _ => Err(AppError::not_found(format!(
            "message template {event}/{lang} (events: {}; languages: zh-CN, en)",
            MessageEvent::ALL.map(MessageEvent::code).join(", ")
        ))),
    }
}

fn view(event: MessageEvent, lang: Lang, row: Option<&TemplateRow>) -> TemplateView {
    let default_body = event.default_body(lang).to_string();
    let custom = row.and_then(|r| r.body.clone());
    TemplateView {
        event: event.code().to_string(),
        lang: lang.tag().to_string(),
        is_default: custom.is_none(),
        body: custom.unwrap_or_else(|| default_body.clone()),
        default_body,
        version: row.map_or(0, |r| r.version),
        updated_by: row.map(|r| r.updated_by.clone()),
        updated_at: row.map(|r| r.updated_at),
    }
}

/// The text in force for `event` in `lang` among `rows`, parsed. A stored body that no
/// longer parses (it was checked on save, so only after a placeholder is withdrawn) falls
/// back to the built-in text rather than sending a broken message.
pub(crate) fn template_in_force(
    rows: &[TemplateRow],
    event: MessageEvent,
    lang: Lang,
) -> MessageTemplate {
    rows.iter()
        .find(|r| r.event == event.code() && r.lang == lang.tag())
        .and_then(|r| r.body.as_deref())
        .and_then(|b| MessageTemplate::parse(b).ok())
        .unwrap_or_else(|| {
            MessageTemplate::parse(event.default_body(lang)).expect("built-in texts parse")
        })
}

/// The placeholder values of a ticket in `lang`; `appointment` is formatted in `tz`.
pub(crate) fn values_of(
    number: &str,
    appointment_start: Option<i64>,
    facts: Option<&TicketFacts>,
    lang: Lang,
    tz: &chrono_tz::Tz,
) -> MessageValues {
    MessageValues {
        ticket_number: Some(number.to_string()),
        appointment: appointment_start.map(|ms| {
            Instant(ms)
                .to_utc()
                .with_timezone(tz)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        }),
        customer_name: facts.map(|f| f.customer_name.clone()),
        station_name: facts.and_then(|f| f.station_name.clone()),
        station_phone: facts.and_then(|f| f.station_phone.clone()),
        technician: facts.and_then(|f| f.technician.clone()),
        product_model: facts.map(|f| match lang {
            Lang::ZhCn => f.model_zh.clone(),
            Lang::En => f.model_en.clone(),
        }),
    }
}

/// The sample ticket the editor previews with.
pub fn sample_values(lang: Lang) -> MessageValues {
    let zh = lang == Lang::ZhCn;
    let pick = |a: &str, b: &str| Some(if zh { a } else { b }.to_string());
    MessageValues {
        ticket_number: Some("T20261122-000123".into()),
        appointment: Some("2026-11-22 14:00".into()),
        customer_name: pick("张三", "Zhang San"),
        station_name: pick("锦江服务站", "Jinjiang Service Station"),
        station_phone: Some("028-8888-6666".into()),
        technician: pick("李师傅", "Li Wei"),
        product_model: pick("启澜 55 英寸电视 QL-55A", "Qilan 55-inch TV QL-55A"),
    }
}

impl App {
    /// Every template, per event in both languages (admin).
    pub async fn message_templates(&self, actor: &Actor) -> AppResult<Vec<TemplateView>> {
        actor.require(&[Role::Admin], "see the message templates")?;
        let rows = store::list(&self.db).await?;
        let mut out = Vec::new();
        for event in MessageEvent::ALL {
            for lang in Lang::ALL {
                let row = rows
                    .iter()
                    .find(|r| r.event == event.code() && r.lang == lang.tag());
                out.push(view(event, lang, row));
            }
        }
        Ok(out)
    }

    /// One template (admin).
    pub async fn message_template(
        &self,
        actor: &Actor,
        event: &str,
        lang: &str,
    ) -> AppResult<TemplateView> {
        actor.require(&[Role::Admin], "see the message templates")?;
        let (e, l) = key(event, lang)?;
        let row = store::get(&self.db, e.code(), l.tag()).await?;
        Ok(view(e, l, row.as_ref()))
    }

    /// Save a template (admin). The body is checked first (every problem reported, nothing
    /// saved); `version` must be the one last read, else someone saved meanwhile and this
    /// is refused as stale.
    pub async fn update_message_template(
        &self,
        actor: &Actor,
        event: &str,
        lang: &str,
        body: &str,
        version: i64,
    ) -> AppResult<TemplateView> {
        actor.require(&[Role::Admin], "change the message templates")?;
        let (e, l) = key(event, lang)?;
        let parsed = MessageTemplate::parse(body).map_err(AppError::Invalid)?;
        self.save_template(actor, e, l, Some(parsed.body()), version, "update")
            .await
    }

    /// Bring back the built-in text (admin). With `version`, refused as stale when someone
    /// saved meanwhile; already at the built-in text, nothing is written.
    pub async fn reset_message_template(
        &self,
        actor: &Actor,
        event: &str,
        lang: &str,
        version: Option<i64>,
    ) -> AppResult<TemplateView> {
        actor.require(&[Role::Admin], "change the message templates")?;
        let (e, l) = key(event, lang)?;
        let current = store::get(&self.db, e.code(), l.tag()).await?;
        let current_version = current.as_ref().map_or(0, |r| r.version);
        if let Some(v) = version
            && v != current_version
        {
            return Err(stale(e, l, v));
        }
        if current.as_ref().and_then(|r| r.body.as_ref()).is_none() {
            return Ok(view(e, l, current.as_ref()));
        }
        self.save_template(actor, e, l, None, current_version, "reset")
            .await
    }

    async fn save_template(
        &self,
        actor: &Actor,
        e: MessageEvent,
        l: Lang,
        body: Option<&str>,
        version: i64,
        action: &str,
    ) -> AppResult<TemplateView> {
        let before = store::get(&self.db, e.code(), l.tag()).await?;
        let before = view(e, l, before.as_ref());
        let now = self.now();
        let object = format!("{}/{}", e.code(), l.tag());
        let mut entry = actor.audit(
            now,
            &format!("message_template.{action}"),
            "message_template",
            &object,
        );
        let mut tx = self.db.begin_write().await?;
        let Some(new_version) = store::save(
            &mut tx,
            e.code(),
            l.tag(),
            body,
            version,
            &entry.actor_login,
            now,
        )
        .await?
        else {
            return Err(stale(e, l, version));
        };
        entry.before = Some(serde_json::json!({
            "body": before.body, "is_default": before.is_default, "version": before.version,
        }));
        entry.after = Some(serde_json::json!({
            "body": body.unwrap_or(e.default_body(l)), "is_default": body.is_none(),
            "version": new_version,
        }));
        audit::record(&mut tx, &entry).await?;
        tx.commit().await?;
        let row = store::get(&self.db, e.code(), l.tag()).await?;
        Ok(view(e, l, row.as_ref()))
    }

    /// Render a template (admin): a draft `body` (checked like a save, nothing saved) or the
    /// text in force, with a real ticket or the sample one.
    pub async fn preview_message_template(
        &self,
        actor: &Actor,
        req: &PreviewRequest,
    ) -> AppResult<Preview> {
        actor.require(&[Role::Admin], "preview the message templates")?;
        let (e, l) = key(&req.event, &req.lang)?;
        let template = match &req.body {
            Some(b) => MessageTemplate::parse(b).map_err(AppError::Invalid)?,
            None => template_in_force(&store::list(&self.db).await?, e, l),
        };
        let number = req
            .ticket_number
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty());
        let ticket_id = match (req.ticket_id, number) {
            (Some(id), _) => Some(id),
            (None, Some(n)) => Some(
                store::ticket_id_by_number(&self.db, n)
                    .await?
                    .ok_or_else(|| AppError::not_found(format!("ticket {n}")))?,
            ),
            (None, None) => None,
        };
        let values = match ticket_id {
            None => sample_values(l),
            Some(id) => {
                let t = aftercare_store::tickets::get_ticket(&self.db, TicketId(id))
                    .await?
                    .ok_or_else(|| AppError::not_found(format!("ticket {id}")))?;
                let facts = store::ticket_facts(
                    &self.db,
                    id,
                    t.state.station.map(|s| s.0),
                    t.state.technician.map(|s| s.0),
                )
                .await?;
                values_of(
                    &t.number,
                    t.state.appointment.map(|a| a.start().0),
                    facts.as_ref(),
                    l,
                    &self.company_tz().await?,
                )
            }
        };
        let text = template.render(l, &values);
        Ok(Preview {
            event: e.code().to_string(),
            lang: l.tag().to_string(),
            chars: text.chars().count(),
            text,
            ticket_id,
        })
    }
}

fn stale(e: MessageEvent, l: Lang, version: i64) -> AppError {
    AppError::Conflict {
        code: "message_template.stale".into(),
        message: format!(
            "message template {}/{} was changed by someone else meanwhile (version {version} is stale): reload and try again",
            e.code(),
            l.tag()
        ),
    }
}

/// The placeholders with their names, for the editor and the API.
pub fn placeholders() -> Vec<&'static str> {
    Placeholder::ALL.iter().map(|p| p.name()).collect()
}
