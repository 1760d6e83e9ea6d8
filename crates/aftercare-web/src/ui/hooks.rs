//! Admin pages for webhooks (subscriptions, delivery log, test event) and the SLA settings.
//! Bad input re-shows the form with what was typed, each problem beside its field (and all
//! of them above the form), and changes nothing.

use super::{Page, app_error_page, format_instant, render};
use super::{PageForm, PagePath, PageQuery};
use crate::i18n::reasons::reason_zh;
use crate::middleware::CurrentUser;
use crate::state::AppState;
use aftercare_app::AppError;
use aftercare_app::sla_settings::{SlaSettings, window_field};
use aftercare_app::webhooks::{EVENTS, NewSubscription, WebhookUpdate, generate_secret};
use aftercare_domain::org::Tier;
use aftercare_domain::settings::Lang;
use aftercare_domain::sla::SlaKind;
use aftercare_domain::validate::ValidationError;
use askama::Template;
use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// A problem shown beside its field.
pub struct FieldError {
    field: String,
    text: String,
}

fn field_errors(lang: Lang, e: &AppError) -> Vec<FieldError> {
    match e {
        AppError::Invalid(fields) => fields
            .iter()
            .map(|f| FieldError {
                field: f.field.clone(),
                text: match lang {
                    Lang::ZhCn => reason_zh(&f.reason).unwrap_or_else(|| f.reason.clone()),
                    Lang::En => f.reason.clone(),
                },
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Every message for `field`, joined.
fn err_for(errors: &[FieldError], field: &str) -> Option<String> {
    let lines: Vec<&str> = errors
        .iter()
        .filter(|e| e.field == field)
        .map(|e| e.text.as_str())
        .collect();
    (!lines.is_empty()).then(|| lines.join("; "))
}

fn unprocessable(mut resp: Response) -> Response {
    *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    resp
}

// ---------------------------------------------------------------------------------------
// Webhooks

/// The subscription form as typed.
#[derive(Default, Clone)]
pub struct HookForm {
    name: String,
    url: String,
    events: Vec<String>,
    secret: String,
    language: String,
    /// The rendering's form key it was sent with.
    key: String,
}

impl HookForm {
    /// Read a posted form; `events` repeats once per ticked box.
    fn from_pairs(pairs: Vec<(String, String)>) -> HookForm {
        let mut f = HookForm::default();
        for (k, v) in pairs {
            match k.as_str() {
                "name" => f.name = v,
                "url" => f.url = v,
                "events" => f.events.push(v),
                "secret" => f.secret = v,
                "language" => f.language = v,
                "form" => f.key = v,
                _ => {}
            }
        }
        f
    }

    fn has(&self, event: &str) -> bool {
        self.events.iter().any(|e| e == event)
    }
}

/// A subscription row.
pub struct HookRow {
    id: i64,
    name: String,
    url: String,
    events: String,
    language: String,
    active: bool,
}

/// A delivery-log row.
pub struct DeliveryRow {
    at: String,
    subscription: String,
    event: String,
    attempt: i64,
    http_status: String,
    job_key: &'static str,
    next_retry: String,
    error: String,
}

#[derive(Template)]
#[template(path = "webhooks.html")]
struct WebhooksTemplate {
    page: Page,
    rows: Vec<HookRow>,
    log: Vec<DeliveryRow>,
    events: &'static [&'static str],
    form: HookForm,
    errors: Vec<FieldError>,
    secret_once: Option<String>,
    /// This rendering's form key: the new-subscription form sent twice makes one.
    form_key: String,
}

impl WebhooksTemplate {
    fn err(&self, field: &str) -> Option<String> {
        err_for(&self.errors, field)
    }
}

#[derive(Template)]
#[template(path = "webhook_edit.html")]
struct WebhookEditTemplate {
    page: Page,
    id: i64,
    events: &'static [&'static str],
    form: HookForm,
    errors: Vec<FieldError>,
}

impl WebhookEditTemplate {
    fn err(&self, field: &str) -> Option<String> {
        err_for(&self.errors, field)
    }
}

/// Query after a redirect: which notice to show.
#[derive(Deserialize, Default)]
pub struct Notice {
    ok: Option<String>,
}

async fn webhooks_page(
    state: &AppState,
    user: &CurrentUser,
    form: HookForm,
    error: Option<&AppError>,
    notice: Option<&str>,
    secret_once: Option<String>,
) -> Response {
    let actor = user.actor();
    let subs = match state.app.webhooks(&actor).await {
        Ok(s) => s,
        Err(e) => return app_error_page(user, &e),
    };
    let log = match state.app.webhook_deliveries(&actor, 100).await {
        Ok(l) => l,
        Err(e) => return app_error_page(user, &e),
    };
    let tz = match state.app.company_settings().await {
        Ok(s) => s.time_zone,
        Err(e) => return app_error_page(user, &e),
    };
    let mut page = Page::for_user(user, "webhooks.title", "/admin/webhooks");
    let errors = error
        .map(|e| field_errors(page.tr.lang, e))
        .unwrap_or_default();
    if let Some(e) = error {
        page = page.with_error(e);
    }
    if let Some(key) = notice {
        page.notice = Some(page.tr.t(key).to_string());
    }
    let name_of = |id: i64| {
        subs.iter()
            .find(|s| s.id == id)
            .map_or_else(|| format!("#{id}"), |s| s.name.clone())
    };
    let log = log
        .into_iter()
        .map(|d| DeliveryRow {
            at: format_instant(d.at.0, &tz),
            subscription: name_of(d.subscription_id),
            event: d.event,
            attempt: d.attempt,
            http_status: d.http_status.map(|s| s.to_string()).unwrap_or_default(),
            job_key: match d.job_status.as_str() {
                "delivered" => "webhooks.job.delivered",
                "failed" => "webhooks.job.failed",
                _ => "webhooks.job.pending",
            },
            next_retry: d
                .next_attempt_at
                .map(|t| format_instant(t.0, &tz))
                .unwrap_or_default(),
            error: d.error.unwrap_or_default(),
        })
        .collect();
    let rows = subs
        .into_iter()
        .map(|s| HookRow {
            id: s.id,
            name: s.name,
            url: s.url,
            events: s.events.replace(',', ", "),
            language: s.language,
            active: s.active,
        })
        .collect();
    let resp = render(&WebhooksTemplate {
        page,
        rows,
        log,
        events: EVENTS,
        form,
        errors,
        secret_once,
        form_key: aftercare_app::random_token(),
    });
    if let Some(e @ AppError::Conflict { .. }) = error {
        super::refused(resp, e)
    } else if error.is_some() {
        unprocessable(resp)
    } else {
        resp
    }
}

/// `GET /admin/webhooks`.
pub async fn list(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    PageQuery(n): PageQuery<Notice>,
) -> Response {
    let notice = match n.ok.as_deref() {
        Some("saved") => Some("webhooks.saved"),
        Some("test") => Some("webhooks.test_queued"),
        Some(_) => Some("webhooks.changed"),
        None => None,
    };
    let form = HookForm {
        language: "zh-CN".into(),
        ..Default::default()
    };
    webhooks_page(&state, &user, form, None, notice, None).await
}

/// `POST /admin/webhooks`: an empty secret gets a random one, shown once.
pub async fn create(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    PageForm(pairs): PageForm<Vec<(String, String)>>,
) -> Response {
    if let Some(refusal) = super::once_each(&user, &pairs, &["events"]) {
        return refusal;
    }
    let form = HookForm::from_pairs(pairs);
    let generated = form.secret.trim().is_empty().then(generate_secret);
    let secret = generated.clone().unwrap_or_else(|| form.secret.clone());
    // Every field but the secret (a digest of a weak secret kept in the database could be
    // guessed back).
    let key = super::request_key(
        Some(&form.key),
        &(&form.name, &form.url, &form.events, &form.language),
    );
    let r = state
        .app
        .add_webhook_once(
            &user.actor(),
            NewSubscription {
                name: form.name.clone(),
                url: form.url.clone(),
                events: form.events.clone(),
                secret,
                language: form.language.clone(),
            },
            key.as_deref(),
        )
        .await;
    match r {
        Ok(_) => {
            let fresh = HookForm {
                language: "zh-CN".into(),
                ..Default::default()
            };
            webhooks_page(
                &state,
                &user,
                fresh,
                None,
                Some("webhooks.created"),
                generated,
            )
            .await
        }
        Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. })) => {
            // Never echo a secret back into the page.
            let form = HookForm {
                secret: String::new(),
                ..form
            };
            webhooks_page(&state, &user, form, Some(&e), None, None).await
        }
        Err(e) => app_error_page(&user, &e),
    }
}

fn edit_page(user: &CurrentUser, id: i64, form: HookForm, error: Option<&AppError>) -> Response {
    let mut page = Page::for_user(user, "webhooks.edit_title", "/admin/webhooks");
    let errors = error
        .map(|e| field_errors(page.tr.lang, e))
        .unwrap_or_default();
    if let Some(e) = error {
        page = page.with_error(e);
    }
    let resp = render(&WebhookEditTemplate {
        page,
        id,
        events: EVENTS,
        form,
        errors,
    });
    if error.is_some() {
        unprocessable(resp)
    } else {
        resp
    }
}

/// `GET /admin/webhooks/{id}`.
pub async fn edit(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    PagePath(id): PagePath<i64>,
) -> Response {
    match state.app.webhook(&user.actor(), id).await {
        Ok(s) => {
            let events = if s.events == "*" {
                vec!["*".to_string()]
            } else {
                s.events.split(',').map(str::to_string).collect()
            };
            let form = HookForm {
                name: s.name,
                url: s.url,
                events,
                secret: String::new(),
                language: s.language,
                key: String::new(),
            };
            edit_page(&user, id, form, None)
        }
        Err(e) => app_error_page(&user, &e),
    }
}

/// `POST /admin/webhooks/{id}`: an empty secret keeps the current one.
pub async fn update(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    PagePath(id): PagePath<i64>,
    PageForm(pairs): PageForm<Vec<(String, String)>>,
) -> Response {
    if let Some(refusal) = super::once_each(&user, &pairs, &["events"]) {
        return refusal;
    }
    let form = HookForm::from_pairs(pairs);
    let r = state
        .app
        .update_webhook(
            &user.actor(),
            id,
            WebhookUpdate {
                name: form.name.clone(),
                url: form.url.clone(),
                events: form.events.clone(),
                secret: Some(form.secret.clone()).filter(|s| !s.is_empty()),
                language: form.language.clone(),
            },
        )
        .await;
    match r {
        Ok(_) => Redirect::to("/admin/webhooks?ok=saved").into_response(),
        Err(e @ AppError::Invalid(_)) => {
            let form = HookForm {
                secret: String::new(),
                ..form
            };
            edit_page(&user, id, form, Some(&e))
        }
        Err(e) => app_error_page(&user, &e),
    }
}

/// The enable/disable form.
#[derive(Deserialize)]
pub struct ActiveForm {
    /// `true` or `false`: anything else is refused (400), not read as "off".
    active: bool,
}

/// `POST /admin/webhooks/{id}/active`.
pub async fn set_active(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<ActiveForm>,
) -> Response {
    let active = f.active;
    match state
        .app
        .set_webhook_active(&user.actor(), id, active)
        .await
    {
        Ok(_) => Redirect::to("/admin/webhooks?ok=active").into_response(),
        Err(e) => app_error_page(&user, &e),
    }
}

/// `POST /admin/webhooks/{id}/test`: queue a test event; the log shows its attempts.
pub async fn send_test(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    PagePath(id): PagePath<i64>,
) -> Response {
    match state.app.send_test_webhook(&user.actor(), id).await {
        Ok(_) => Redirect::to("/admin/webhooks?ok=test").into_response(),
        Err(e @ AppError::Conflict { .. }) => {
            let form = HookForm {
                language: "zh-CN".into(),
                ..Default::default()
            };
            let mut resp = webhooks_page(&state, &user, form, Some(&e), None, None).await;
            *resp.status_mut() = StatusCode::CONFLICT;
            resp
        }
        Err(e) => app_error_page(&user, &e),
    }
}

// ---------------------------------------------------------------------------------------
// SLA settings

/// One form field: name and value as typed.
pub struct SlaField {
    name: String,
    value: String,
}

/// A tier's row of the SLA form.
pub struct TierRow {
    label_key: &'static str,
    /// First response (minutes), on site (hours), completion (hours).
    fields: Vec<SlaField>,
}

#[derive(Template)]
#[template(path = "sla_settings.html")]
struct SlaTemplate {
    page: Page,
    tiers: Vec<TierRow>,
    at_risk_percent: String,
    accept_timeout_minutes: String,
    repeat_window_days: String,
    time_zone: String,
    errors: Vec<FieldError>,
}

impl SlaTemplate {
    fn err(&self, field: &str) -> Option<String> {
        err_for(&self.errors, field)
    }
}

fn tier_key(t: Tier) -> &'static str {
    match t {
        Tier::Urban => "sla.tier.urban",
        Tier::Township => "sla.tier.township",
        Tier::Remote => "sla.tier.remote",
    }
}

/// Hours as typed in the form: whole or with a fraction, e.g. `1.5`.
fn hours_text(minutes: u32) -> String {
    if minutes.is_multiple_of(60) {
        (minutes / 60).to_string()
    } else {
        let h = f64::from(minutes) / 60.0;
        let s = format!("{h:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// The posted SLA form: every value as text (parsed here so a typo is a field error).
type Pairs = Vec<(String, String)>;

fn value<'a>(pairs: &'a Pairs, name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

fn sla_template(page: Page, pairs: &Pairs, errors: Vec<FieldError>) -> SlaTemplate {
    let field = |name: String| SlaField {
        value: value(pairs, &name).to_string(),
        name,
    };
    SlaTemplate {
        page,
        tiers: Tier::ALL
            .iter()
            .map(|t| TierRow {
                label_key: tier_key(*t),
                fields: SlaKind::ALL
                    .iter()
                    .map(|k| field(window_field(*t, *k)))
                    .collect(),
            })
            .collect(),
        at_risk_percent: value(pairs, "sla.at_risk_percent").to_string(),
        accept_timeout_minutes: value(pairs, "accept_timeout_minutes").to_string(),
        repeat_window_days: value(pairs, "repeat_window.days").to_string(),
        time_zone: value(pairs, "time_zone").to_string(),
        errors,
    }
}

/// The form's values for saved settings (windows other than first response in hours).
fn pairs_of(s: &SlaSettings) -> Pairs {
    let mut p = Vec::new();
    for t in Tier::ALL {
        let w = s.ticket.sla.for_tier(t);
        p.push((
            window_field(t, SlaKind::FirstResponse),
            w.first_response_minutes.to_string(),
        ));
        p.push((
            window_field(t, SlaKind::OnSite),
            hours_text(w.on_site_minutes),
        ));
        p.push((
            window_field(t, SlaKind::Completion),
            hours_text(w.completion_minutes),
        ));
    }
    p.push((
        "sla.at_risk_percent".into(),
        s.ticket.sla.at_risk_percent.to_string(),
    ));
    p.push((
        "accept_timeout_minutes".into(),
        s.ticket.rules.accept_timeout_minutes.to_string(),
    ));
    p.push((
        "repeat_window.days".into(),
        s.ticket.rules.repeat_window.days.to_string(),
    ));
    p.push(("time_zone".into(), s.time_zone.clone()));
    p
}

/// `GET /admin/sla`.
pub async fn sla(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    PageQuery(n): PageQuery<Notice>,
) -> Response {
    match state.app.sla_settings(&user.actor()).await {
        Ok(s) => {
            let mut page = Page::for_user(&user, "sla.title", "/admin/sla");
            if n.ok.is_some() {
                page.notice = Some(page.tr.t("settings.saved").to_string());
            }
            render(&sla_template(page, &pairs_of(&s), Vec::new()))
        }
        Err(e) => app_error_page(&user, &e),
    }
}

/// Parse a whole number field; a bad one is recorded and read as 0 (which the app refuses
/// again, harmlessly: the errors are shown and nothing is saved).
fn whole(pairs: &Pairs, name: &str, errors: &mut Vec<ValidationError>) -> u32 {
    let v = value(pairs, name).trim();
    match v.parse::<u32>() {
        Ok(n) => n,
        Err(_) => {
            errors.push(ValidationError::new(
                name,
                format!("'{v}' is not a whole number"),
            ));
            0
        }
    }
}

/// Parse hours (a fraction allowed) into whole minutes.
fn hours(pairs: &Pairs, name: &str, errors: &mut Vec<ValidationError>) -> u32 {
    let v = value(pairs, name).trim();
    match v.parse::<f64>() {
        Ok(h) if h.is_finite() && h >= 0.0 && h <= f64::from(u32::MAX / 60) => {
            let m = h * 60.0;
            if (m - m.round()).abs() > 1e-6 {
                errors.push(ValidationError::new(
                    name,
                    format!("'{v}' hours is not a whole number of minutes"),
                ));
            }
            m.round() as u32
        }
        _ => {
            errors.push(ValidationError::new(
                name,
                format!("'{v}' is not a number of hours"),
            ));
            0
        }
    }
}

/// `POST /admin/sla`: every field parsed and checked; on any problem nothing is saved.
pub async fn save_sla(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    PageForm(pairs): PageForm<Pairs>,
) -> Response {
    if let Some(refusal) = super::once_each(&user, &pairs, &[]) {
        return refusal;
    }
    let current = match state.app.sla_settings(&user.actor()).await {
        Ok(s) => s,
        Err(e) => return app_error_page(&user, &e),
    };
    let mut parse_errors = Vec::new();
    let mut new = current.clone();
    for t in Tier::ALL {
        let w = match t {
            Tier::Urban => &mut new.ticket.sla.urban,
            Tier::Township => &mut new.ticket.sla.township,
            Tier::Remote => &mut new.ticket.sla.remote,
        };
        w.first_response_minutes = whole(
            &pairs,
            &window_field(t, SlaKind::FirstResponse),
            &mut parse_errors,
        );
        w.on_site_minutes = hours(&pairs, &window_field(t, SlaKind::OnSite), &mut parse_errors);
        w.completion_minutes = hours(
            &pairs,
            &window_field(t, SlaKind::Completion),
            &mut parse_errors,
        );
    }
    let risk = whole(&pairs, "sla.at_risk_percent", &mut parse_errors);
    new.ticket.sla.at_risk_percent = u8::try_from(risk).unwrap_or(0);
    new.ticket.rules.accept_timeout_minutes =
        whole(&pairs, "accept_timeout_minutes", &mut parse_errors);
    new.ticket.rules.repeat_window.days = whole(&pairs, "repeat_window.days", &mut parse_errors);
    new.time_zone = value(&pairs, "time_zone").to_string();
    let result = if parse_errors.is_empty() {
        state.app.update_sla_settings(&user.actor(), new).await
    } else {
        // Report the unparsable fields and whatever else is wrong with the rest.
        let mut all = parse_errors.clone();
        for e in aftercare_app::sla_settings::sla_settings_errors(&new) {
            if !parse_errors.iter().any(|p| p.field == e.field) {
                all.push(e);
            }
        }
        Err(AppError::Invalid(all))
    };
    match result {
        Ok(_) => Redirect::to("/admin/sla?ok=1").into_response(),
        Err(e @ AppError::Invalid(_)) => {
            let page = Page::for_user(&user, "sla.title", "/admin/sla");
            let errors = field_errors(page.tr.lang, &e);
            let page = page.with_error(&e);
            unprocessable(render(&sla_template(page, &pairs, errors)))
        }
        Err(e) => app_error_page(&user, &e),
    }
}
