//! Ticket pages: agent intake, search, detail with timeline and action forms, the dispatcher's
//! queue, the station's tickets, the technician's phone page and the callback queue. Every
//! form posts to the same use cases as the API.

use super::{Page, app_error_page, format_instant, render};
use super::{PageForm, PagePath, PageQuery};
use crate::middleware::CurrentUser;
use crate::state::AppState;
use aftercare_app::AppError;
use aftercare_app::tickets::{
    ActionRequest, CustomerView, IntakeRequest, Suggestions, TicketDetail, TicketFilter,
    TicketSummary,
};
use aftercare_domain::customer::{AddressInput, CustomerInput, PurchaseChannel, UnitInput};
use aftercare_domain::settings::Lang;
use aftercare_domain::ticket::{
    ActionKind, Channel, Priority, TicketInput, TicketStatus, TicketType,
};
use aftercare_domain::{
    CustomerId, FaultCodeId, ProductModelId, RegionId, Scope, TicketId, UnitId,
};
use askama::Template;
use axum::Extension;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// A ticket as a table row, with translated keys and local times.
pub struct Row {
    id: i64,
    number: String,
    status: &'static str,
    status_key: String,
    customer: String,
    serial: String,
    model: String,
    region: String,
    tier_key: String,
    station: String,
    warranty_key: String,
    fault: String,
    created: String,
    on_site_due: String,
    appointment: String,
    address: String,
    at_risk: bool,
    breached: bool,
    repeat: bool,
}

fn row(t: &TicketSummary, tz: &str) -> Row {
    Row {
        id: t.id.0,
        number: t.number.clone(),
        status: t.status.code(),
        status_key: format!("ticket.status.{}", t.status.code()),
        customer: t.customer_name.clone(),
        serial: t.serial.clone(),
        model: t.model_name.clone(),
        region: t.region_name.clone(),
        tier_key: format!("tier.{}", t.tier.code()),
        station: t.station_name.clone().unwrap_or_default(),
        warranty_key: format!("warranty.{}", t.warranty_status.code()),
        fault: t.fault_description.clone(),
        created: format_instant(t.created_at.0, tz),
        on_site_due: format_instant(t.on_site_due.0, tz),
        appointment: t
            .appointment_start
            .map(|a| format_instant(a.0, tz))
            .unwrap_or_default(),
        address: format!("{} {}", t.region_name, t.address),
        at_risk: t.sla_at_risk,
        breached: t.sla_breached,
        repeat: t.repeat_of.is_some(),
    }
}

async fn tz(state: &AppState) -> String {
    state
        .app
        .company_settings()
        .await
        .map(|s| s.time_zone)
        .unwrap_or_else(|_| "Asia/Shanghai".into())
}

/// Empty form fields are absent values.
fn opt(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn opt_i64(s: &Option<String>, field: &str) -> Result<Option<i64>, AppError> {
    opt(s)
        .map(|v| {
            v.parse::<i64>()
                .map_err(|_| AppError::invalid(field, format!("'{v}' is not a number")))
        })
        .transpose()
}

// ---------------------------------------------------------------------------------------
// Search

/// Search form (query string).
#[derive(Debug, Default, Deserialize)]
pub struct SearchForm {
    number: Option<String>,
    phone: Option<String>,
    serial: Option<String>,
    status: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

#[derive(Template)]
#[template(path = "tickets.html")]
struct SearchTemplate {
    page: Page,
    form: SearchFormView,
    statuses: Vec<(&'static str, String)>,
    rows: Vec<Row>,
    export_query: String,
}

struct SearchFormView {
    number: String,
    phone: String,
    serial: String,
    status: String,
    from: String,
    to: String,
}

fn local_day_start(day: &str, tz: &str) -> Result<i64, AppError> {
    let d = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .map_err(|_| AppError::invalid("date", format!("'{day}' is not a date like 2026-11-22")))?;
    Ok(super::local_day_start(d, tz).0)
}

/// `GET /tickets`: ticket search (number, phone, serial, status, date range) and export.
pub async fn search(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    PageQuery(q): PageQuery<SearchForm>,
) -> Response {
    let tz = tz(&state).await;
    let mut page = Page::for_user(&user, "tickets.title", "/tickets");
    let mut filter = TicketFilter {
        number: opt(&q.number),
        phone_digits: opt(&q.phone),
        serial: opt(&q.serial),
        limit: 200,
        ..Default::default()
    };
    let mut export: Vec<(String, String)> = Vec::new();
    let built = (|| -> Result<(), AppError> {
        if let Some(s) = opt(&q.status) {
            filter.statuses = vec![
                TicketStatus::parse(&s).map_err(|e| AppError::invalid("status", e.to_string()))?,
            ];
            export.push(("status".into(), s));
        }
        if let Some(f) = opt(&q.from) {
            let ms = local_day_start(&f, &tz)?;
            filter.from = Some(aftercare_domain::Instant(ms));
            export.push(("from".into(), ms.to_string()));
        }
        if let Some(t) = opt(&q.to) {
            let ms = local_day_start(&t, &tz)? + 86_400_000;
            filter.to = Some(aftercare_domain::Instant(ms));
            export.push(("to".into(), ms.to_string()));
        }
        Ok(())
    })();
    for (k, v) in [
        ("number", &q.number),
        ("phone", &q.phone),
        ("serial", &q.serial),
    ] {
        if let Some(v) = opt(v) {
            export.push((k.into(), v));
        }
    }
    let rows = match built {
        Ok(()) => match state.app.search_tickets(&user.actor(), filter).await {
            Ok(r) => r.iter().map(|t| row(t, &tz)).collect(),
            Err(AppError::Forbidden { .. }) => {
                return app_error_page(&user, &AppError::forbidden("search tickets"));
            }
            Err(e) => {
                page = page.with_error(&e);
                Vec::new()
            }
        },
        Err(e) => {
            page = page.with_error(&e);
            Vec::new()
        }
    };
    render(&SearchTemplate {
        statuses: TicketStatus::ALL
            .iter()
            .map(|s| (s.code(), format!("ticket.status.{}", s.code())))
            .collect(),
        form: SearchFormView {
            number: opt(&q.number).unwrap_or_default(),
            phone: opt(&q.phone).unwrap_or_default(),
            serial: opt(&q.serial).unwrap_or_default(),
            status: opt(&q.status).unwrap_or_default(),
            from: opt(&q.from).unwrap_or_default(),
            to: opt(&q.to).unwrap_or_default(),
        },
        page,
        rows,
        export_query: serde_urlencoded::to_string(&export).unwrap_or_default(),
    })
}

// ---------------------------------------------------------------------------------------
// Detail and actions

struct EventView {
    at: String,
    who: String,
    action_key: String,
    from_key: String,
    to_key: String,
    note: String,
}

struct SlaView {
    kind_key: String,
    due: String,
    state_key: String,
    late_minutes: Option<i64>,
}

#[derive(Template)]
#[template(path = "ticket.html")]
struct DetailTemplate {
    page: Page,
    t: TicketDetail,
    status_key: String,
    tier_key: String,
    warranty_key: String,
    /// The warranty's explanation in the page's language.
    warranty_text: String,
    created: String,
    appointment: String,
    events: Vec<EventView>,
    sla: Vec<SlaView>,
    can: Vec<&'static str>,
    suggestions: Option<Suggestions>,
    technicians: Vec<(i64, String)>,
    fault_codes: Vec<(i64, String)>,
    default_slot: String,
    address: String,
    phones: String,
    parts_html: String,
}

impl DetailTemplate {
    fn can(&self, action: &str) -> bool {
        self.can.contains(&action)
    }
}

pub(super) async fn detail_page(
    state: &AppState,
    user: &CurrentUser,
    id: TicketId,
    error: Option<&AppError>,
    notice: bool,
) -> Response {
    let actor = user.actor();
    let d = match state.app.ticket(&actor, id).await {
        Ok(d) => d,
        Err(e) => return app_error_page(user, &e),
    };
    let tz = tz(state).await;
    let can: Vec<&'static str> = d.actions.iter().map(|a| a.code()).collect();
    let suggestions = if can.contains(&ActionKind::Dispatch.code()) {
        state.app.dispatch_suggestions(&actor, id).await.ok()
    } else {
        None
    };
    let technicians = match d.ticket.state.station {
        Some(s) if can.contains(&"assign_technician") => state
            .app
            .station_technicians(&actor, s)
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|(t, n)| (t.0, n))
            .collect(),
        _ => Vec::new(),
    };
    let fault_codes: Vec<(i64, String)> = state
        .app
        .fault_codes(&actor, Some(d.ticket.product_line_id))
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|f| (f.id.0, format!("{} {}", f.code, f.name_zh)))
        .collect();
    let mut page = Page::for_user(user, "ticket.title", "/tickets");
    let parts_html = super::ticket_parts::panel(
        state,
        user,
        page.tr,
        &page.csrf,
        id,
        fault_codes.clone(),
        &tz,
    )
    .await;
    if let Some(e) = error {
        page = page.with_error(e);
    }
    if notice {
        page.notice = Some(page.tr.t("ticket.saved").to_string());
    }
    let events = d
        .timeline
        .iter()
        .map(|e| EventView {
            at: format_instant(e.at.0, &tz),
            // Another station's user is shown by role only (the app withholds the login).
            who: match (&e.actor_login, e.actor_role) {
                (Some(login), _) => login.clone(),
                (None, Some(role)) => page.tr.t(&format!("role.{}", role.code())).to_string(),
                (None, None) => page.tr.t("ticket.system").to_string(),
            },
            action_key: format!("ticket.action.{}", e.action),
            from_key: format!("ticket.status.{}", e.from_status.code()),
            to_key: format!("ticket.status.{}", e.to_status.code()),
            note: e.note.clone().unwrap_or_default(),
        })
        .collect();
    let sla = aftercare_domain::sla::SlaKind::ALL
        .iter()
        .map(|k| {
            let st = d.sla.state(*k);
            SlaView {
                kind_key: format!("sla.{}", k.code()),
                due: format_instant(d.ticket.deadlines.deadline(*k).0, &tz),
                state_key: format!("sla.state.{}", st.code()),
                late_minutes: st.late_minutes(),
            }
        })
        .collect();
    let now = state.app.now().0;
    let slot = (now / 3_600_000 + 2) * 3_600_000;
    let address = d
        .customer
        .addresses
        .iter()
        .find(|a| a.id == d.ticket.address_id)
        .map(|a| format!("{} {}", a.region_name, a.detail))
        .unwrap_or_default();
    let phones = d
        .customer
        .phones
        .iter()
        .map(|p| p.digits.clone())
        .collect::<Vec<_>>()
        .join(", ");
    render(&DetailTemplate {
        status_key: format!("ticket.status.{}", d.ticket.state.status.code()),
        tier_key: format!("tier.{}", d.ticket.tier.code()),
        warranty_key: format!("warranty.{}", d.ticket.warranty_status.code()),
        warranty_text: warranty_words(page.tr.lang, &d.ticket.warranty_reason),
        created: format_instant(d.ticket.created_at.0, &tz),
        appointment: d
            .ticket
            .state
            .appointment
            .map(|a| {
                format!(
                    "{} – {}",
                    format_instant(a.start().0, &tz),
                    format_instant(a.end().0, &tz)
                )
            })
            .unwrap_or_default(),
        default_slot: format_instant(slot, &tz).replace(' ', "T"),
        page,
        events,
        sla,
        can,
        suggestions,
        technicians,
        fault_codes,
        address,
        phones,
        parts_html,
        t: d,
    })
}

/// `GET /tickets/{id}`: the ticket with its timeline and the caller's action forms.
pub async fn detail(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    PagePath(id): PagePath<i64>,
    PageQuery(done): PageQuery<Done>,
) -> Response {
    detail_page(&state, &user, TicketId(id), None, done.ok.is_some()).await
}

/// `?ok=1` after a successful post.
#[derive(Debug, Default, Deserialize)]
pub struct Done {
    ok: Option<String>,
}

/// An action form (every action's fields; empty ones are ignored).
#[derive(Debug, Default, Deserialize)]
pub struct ActForm {
    action: String,
    station: Option<String>,
    reason: Option<String>,
    resolution: Option<String>,
    technician: Option<String>,
    appointment_start: Option<String>,
    duration_hours: Option<String>,
    actions_taken: Option<String>,
    fault_code: Option<String>,
    labour_minutes: Option<String>,
    fixed: Option<String>,
    satisfaction: Option<String>,
    comments: Option<String>,
    false_completion: Option<String>,
    next: Option<String>,
}

fn request_of(f: &ActForm, tz: &str) -> Result<ActionRequest, AppError> {
    let (start, end) = match opt(&f.appointment_start) {
        Some(s) => {
            let naive =
                chrono::NaiveDateTime::parse_from_str(&s, "%Y-%m-%dT%H:%M").map_err(|_| {
                    AppError::invalid("appointment_start", format!("'{s}' is not a date and time"))
                })?;
            let tz: chrono_tz::Tz = tz.parse().unwrap_or(chrono_tz::Asia::Shanghai);
            let start = naive
                .and_local_timezone(tz)
                .earliest()
                .map(|t| t.timestamp_millis())
                .ok_or_else(|| AppError::invalid("appointment_start", "does not exist locally"))?;
            let hours = opt_i64(&f.duration_hours, "duration_hours")?.unwrap_or(2);
            let max = aftercare_domain::ticket::Appointment::MAX_HOURS;
            if !(1..=max).contains(&hours) {
                return Err(AppError::invalid(
                    "duration_hours",
                    format!("must be 1 to {max} hours"),
                ));
            }
            (Some(start), Some(start + hours * 3_600_000))
        }
        None => (None, None),
    };
    Ok(ActionRequest {
        action: f.action.clone(),
        station: opt_i64(&f.station, "station")?,
        reason: opt(&f.reason),
        resolution: opt(&f.resolution),
        technician: opt_i64(&f.technician, "technician")?,
        appointment_start: start,
        appointment_end: end,
        actions_taken: opt(&f.actions_taken),
        fault_code: opt_i64(&f.fault_code, "fault_code")?,
        labour_minutes: opt_i64(&f.labour_minutes, "labour_minutes")?,
        fixed: opt(&f.fixed).map(|v| v == "yes"),
        satisfaction: opt_i64(&f.satisfaction, "satisfaction")?
            .map(|v| {
                u8::try_from(v).map_err(|_| {
                    AppError::invalid("satisfaction", format!("must be 1 to 5, got {v}"))
                })
            })
            .transpose()?,
        comments: opt(&f.comments),
        false_completion: Some(opt(&f.false_completion).is_some()),
    })
}

/// Only our own pages are valid places to go back to.
fn safe_next(next: &Option<String>) -> Option<String> {
    opt(next).filter(|n| n.starts_with('/') && !n.starts_with("//"))
}

/// `POST /tickets/{id}/act`: apply one action, then back to the ticket (or `next`).
pub async fn act(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<ActForm>,
) -> Response {
    let tz = tz(&state).await;
    let result = match request_of(&f, &tz).and_then(ActionRequest::into_action) {
        Ok((action, extras)) => {
            state
                .app
                .act(&user.actor(), TicketId(id), action, extras)
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => match safe_next(&f.next) {
            Some(n) => Redirect::to(&n).into_response(),
            None => Redirect::to(&format!("/tickets/{id}?ok=1")).into_response(),
        },
        Err(e @ (AppError::NotFound { .. } | AppError::Forbidden { .. })) => {
            app_error_page(&user, &e)
        }
        Err(e) => super::refused(
            detail_page(&state, &user, TicketId(id), Some(&e), false).await,
            &e,
        ),
    }
}

/// `POST /tickets/{id}/auto-dispatch`.
pub async fn auto_dispatch(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    PagePath(id): PagePath<i64>,
) -> Response {
    match state.app.auto_dispatch(&user.actor(), TicketId(id)).await {
        Ok(_) => Redirect::to("/dispatch").into_response(),
        Err(e @ (AppError::NotFound { .. } | AppError::Forbidden { .. })) => {
            app_error_page(&user, &e)
        }
        Err(e) => super::refused(
            detail_page(&state, &user, TicketId(id), Some(&e), false).await,
            &e,
        ),
    }
}

// ---------------------------------------------------------------------------------------
// Intake

#[derive(Template)]
#[template(path = "intake.html")]
struct IntakeTemplate {
    page: Page,
    q: String,
    searched: bool,
    customers: Vec<CustomerCard>,
    regions: Vec<(i64, String)>,
    models: Vec<(i64, String)>,
    types: Vec<(&'static str, String)>,
    channels: Vec<(&'static str, String)>,
    /// This rendering's form key: a ticket or customer form sent twice creates one.
    form_key: String,
}

struct UnitCard {
    id: i64,
    serial: String,
    model: String,
    purchase_date: String,
    warranty_key: String,
    warranty_text: String,
}

struct CustomerCard {
    id: i64,
    name: String,
    phones: String,
    addresses: Vec<(i64, String)>,
    units: Vec<UnitCard>,
    tickets: Vec<Row>,
}

/// A warranty explanation (stored in English) in `lang`.
fn warranty_words(lang: Lang, text: &str) -> String {
    match lang {
        Lang::ZhCn => crate::i18n::warranty::warranty_zh(text).unwrap_or_else(|| text.to_string()),
        Lang::En => text.to_string(),
    }
}

fn card(c: &CustomerView, tz: &str, lang: Lang) -> CustomerCard {
    CustomerCard {
        id: c.customer.id.0,
        name: c.customer.name.clone(),
        phones: c
            .customer
            .phones
            .iter()
            .map(|p| p.digits.clone())
            .collect::<Vec<_>>()
            .join(", "),
        addresses: c
            .customer
            .addresses
            .iter()
            .map(|a| (a.id, format!("{} {}", a.region_name, a.detail)))
            .collect(),
        units: c
            .units
            .iter()
            .map(|u| UnitCard {
                id: u.unit.id.0,
                serial: u.unit.serial.clone(),
                model: u.unit.model_name.clone(),
                purchase_date: u
                    .unit
                    .purchase_date
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
                warranty_key: format!("warranty.{}", u.warranty.status.code()),
                warranty_text: warranty_words(lang, &u.warranty_text),
            })
            .collect(),
        tickets: c.tickets.iter().map(|t| row(t, tz)).collect(),
    }
}

/// `?q=` of the intake page.
#[derive(Debug, Default, Deserialize)]
pub struct IntakeQuery {
    q: Option<String>,
}

async fn intake_page(
    state: &AppState,
    user: &CurrentUser,
    q: &str,
    error: Option<&AppError>,
) -> Response {
    let actor = user.actor();
    let tz = tz(state).await;
    let mut page = Page::for_user(user, "intake.title", "/intake");
    if let Some(e) = error {
        page = page.with_error(e);
    }
    let mut customers = Vec::new();
    if !q.trim().is_empty() {
        match state.app.find_customers(&actor, q).await {
            Ok(found) => customers = found.iter().map(|c| card(c, &tz, page.tr.lang)).collect(),
            Err(e) => page = page.with_error(&e),
        }
    }
    let regions = match state.app.region_choices(&actor).await {
        Ok(r) => r.into_iter().map(|(id, n)| (id.0, n)).collect(),
        Err(e) => return app_error_page(user, &e),
    };
    let models = state
        .app
        .model_choices(&actor)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|(id, n)| (id.0, n))
        .collect();
    render(&IntakeTemplate {
        page,
        form_key: aftercare_app::random_token(),
        q: q.trim().to_string(),
        searched: !q.trim().is_empty(),
        customers,
        regions,
        models,
        types: TicketType::ALL
            .iter()
            .map(|t| (t.code(), format!("ticket.type.{}", t.code())))
            .collect(),
        channels: Channel::ALL
            .iter()
            .map(|t| (t.code(), format!("ticket.channel.{}", t.code())))
            .collect(),
    })
}

/// `GET /intake`: the agent's one screen.
pub async fn intake(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    PageQuery(q): PageQuery<IntakeQuery>,
) -> Response {
    intake_page(&state, &user, q.q.as_deref().unwrap_or(""), None).await
}

/// New customer form.
#[derive(Debug, Default, Deserialize)]
pub struct CustomerForm {
    name: String,
    phone: String,
    phone2: Option<String>,
    region: Option<String>,
    detail: String,
    form: Option<String>,
}

/// `POST /intake/customer`.
pub async fn intake_customer(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    PageForm(f): PageForm<CustomerForm>,
) -> Response {
    let mut phones = vec![f.phone.clone()];
    if let Some(p) = opt(&f.phone2) {
        phones.push(p);
    }
    let result = match opt_i64(&f.region, "region") {
        Ok(Some(region)) => {
            state
                .app
                .create_customer_once(
                    &user.actor(),
                    CustomerInput {
                        name: f.name.clone(),
                        phones,
                        addresses: vec![AddressInput {
                            region: RegionId(region),
                            detail: f.detail.clone(),
                        }],
                    },
                    super::request_key(f.form.as_deref(), &f).as_deref(),
                )
                .await
        }
        Ok(None) => Err(AppError::invalid("region", "is required")),
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Redirect::to(&format!(
            "/intake?q={}",
            serde_urlencoded::to_string([("", f.phone.trim())])
                .unwrap_or_default()
                .trim_start_matches('=')
        ))
        .into_response(),
        Err(e) => super::refused(intake_page(&state, &user, "", Some(&e)).await, &e),
    }
}

/// New unit form.
#[derive(Debug, Default, Deserialize)]
pub struct UnitForm {
    customer: i64,
    serial: String,
    model: Option<String>,
    purchase_date: Option<String>,
    purchase_channel: Option<String>,
    q: Option<String>,
}

/// `POST /intake/unit`.
pub async fn intake_unit(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    PageForm(f): PageForm<UnitForm>,
) -> Response {
    let q = opt(&f.q).unwrap_or_default();
    let input = (|| -> Result<UnitInput, AppError> {
        let model =
            opt_i64(&f.model, "model")?.ok_or_else(|| AppError::invalid("model", "is required"))?;
        let purchase_date = opt(&f.purchase_date)
            .map(|d| {
                chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d")
                    .map_err(|_| AppError::invalid("purchase_date", format!("'{d}' is not a date")))
            })
            .transpose()?;
        let purchase_channel = opt(&f.purchase_channel)
            .map(|c| {
                PurchaseChannel::parse(&c)
                    .map_err(|e| AppError::invalid("purchase_channel", e.to_string()))
            })
            .transpose()?;
        Ok(UnitInput {
            serial: f.serial.clone(),
            model: ProductModelId(model),
            purchase_date,
            purchase_channel,
            production_batch: None,
        })
    })();
    let result = match input {
        Ok(i) => state
            .app
            .add_unit(&user.actor(), CustomerId(f.customer), i)
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Redirect::to(&format!(
            "/intake?{}",
            serde_urlencoded::to_string([("q", q.as_str())]).unwrap_or_default()
        ))
        .into_response(),
        Err(e) => super::refused(intake_page(&state, &user, &q, Some(&e)).await, &e),
    }
}

/// New ticket form.
#[derive(Debug, Default, Deserialize)]
pub struct TicketForm {
    customer: i64,
    unit: i64,
    address: Option<String>,
    ticket_type: String,
    channel: String,
    priority: Option<String>,
    fault_description: String,
    fault_code: Option<String>,
    auto_dispatch: Option<String>,
    q: Option<String>,
    form: Option<String>,
}

/// `POST /intake/ticket`: open the ticket and show it.
pub async fn intake_ticket(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    PageForm(f): PageForm<TicketForm>,
) -> Response {
    let req = (|| -> Result<IntakeRequest, AppError> {
        Ok(IntakeRequest {
            customer: CustomerId(f.customer),
            unit: UnitId(f.unit),
            address: opt_i64(&f.address, "address")?,
            input: TicketInput {
                ticket_type: TicketType::parse(&f.ticket_type)
                    .map_err(|e| AppError::invalid("ticket_type", e.to_string()))?,
                channel: Channel::parse(&f.channel)
                    .map_err(|e| AppError::invalid("channel", e.to_string()))?,
                priority: match opt(&f.priority) {
                    Some(p) => Priority::parse(&p)
                        .map_err(|e| AppError::invalid("priority", e.to_string()))?,
                    None => Priority::Normal,
                },
                fault_description: f.fault_description.clone(),
                fault_code: opt_i64(&f.fault_code, "fault_code")?.map(FaultCodeId),
            },
            auto_dispatch: opt(&f.auto_dispatch).is_some(),
        })
    })();
    let result = match req {
        Ok(r) => {
            let key = super::request_key(f.form.as_deref(), &f);
            state
                .app
                .intake_once(&user.actor(), r, key.as_deref())
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(t) => Redirect::to(&format!("/tickets/{}?ok=1", t.id.0)).into_response(),
        Err(e) => super::refused(
            intake_page(&state, &user, &opt(&f.q).unwrap_or_default(), Some(&e)).await,
            &e,
        ),
    }
}

// ---------------------------------------------------------------------------------------
// Queues

struct QueueItem {
    row: Row,
    suggestions: Vec<(i64, String, String)>,
}

#[derive(Template)]
#[template(path = "dispatch.html")]
struct DispatchTemplate {
    page: Page,
    queue: Vec<QueueItem>,
    at_risk: Vec<Row>,
    breached: Vec<Row>,
}

/// `GET /dispatch`: new and returned tickets with ranked stations; at-risk and breached.
pub async fn dispatch(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
) -> Response {
    let actor = user.actor();
    let tz = tz(&state).await;
    let queue = match state.app.dispatch_queue(&actor).await {
        Ok(q) => q,
        Err(e) => return app_error_page(&user, &e),
    };
    let mut items = Vec::new();
    for t in queue.iter().take(100) {
        let s = state.app.dispatch_suggestions(&actor, t.id).await.ok();
        items.push(QueueItem {
            row: row(t, &tz),
            suggestions: s
                .map(|s| {
                    s.ranked
                        .iter()
                        .take(3)
                        .map(|r| {
                            (
                                r.station.0,
                                r.name.clone(),
                                format!("{}/{} · {}", r.open_load, r.capacity, r.score),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default(),
        });
    }
    let (at_risk, breached) = state.app.sla_watch(&actor).await.unwrap_or_default();
    render(&DispatchTemplate {
        page: Page::for_user(&user, "dispatch.title", "/dispatch"),
        queue: items,
        at_risk: at_risk.iter().map(|t| row(t, &tz)).collect(),
        breached: breached.iter().map(|t| row(t, &tz)).collect(),
    })
}

struct StatusGroup {
    key: String,
    rows: Vec<Row>,
}

#[derive(Template)]
#[template(path = "station_tickets.html")]
struct StationTemplate {
    page: Page,
    groups: Vec<StatusGroup>,
    technicians: Vec<(i64, String)>,
}

/// `GET /station/tickets`: the station's tickets by state, with accept/reject and assignment.
pub async fn station(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
) -> Response {
    let actor = user.actor();
    let tz = tz(&state).await;
    let Scope::Station(own) = actor.scope() else {
        return app_error_page(&user, &AppError::forbidden("see a station's tickets"));
    };
    let statuses = [
        TicketStatus::Dispatched,
        TicketStatus::Accepted,
        TicketStatus::Scheduled,
        TicketStatus::OnSite,
        TicketStatus::WaitingForParts,
        TicketStatus::Completed,
    ];
    let all = match state
        .app
        .search_tickets(
            &actor,
            TicketFilter {
                statuses: statuses.to_vec(),
                limit: 1000,
                ..Default::default()
            },
        )
        .await
    {
        Ok(a) => a,
        Err(e) => return app_error_page(&user, &e),
    };
    let groups = statuses
        .iter()
        .map(|s| StatusGroup {
            key: format!("ticket.status.{}", s.code()),
            rows: all
                .iter()
                .filter(|t| t.status == *s)
                .map(|t| row(t, &tz))
                .collect(),
        })
        .collect();
    let technicians = state
        .app
        .station_technicians(&actor, own)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|(t, n)| (t.0, n))
        .collect();
    render(&StationTemplate {
        page: Page::for_user(&user, "station.title", "/station/tickets"),
        groups,
        technicians,
    })
}

#[derive(Template)]
#[template(path = "jobs.html")]
struct JobsTemplate {
    page: Page,
    groups: Vec<JobGroup>,
}

/// The technician's jobs of one kind of day, under its heading.
struct JobGroup {
    key: &'static str,
    jobs: Vec<Row>,
}

/// Which group a job belongs to: the one the technician is on site for and today's visits
/// first, then visits booked for an earlier day and not done, then those without a visit,
/// then jobs waiting for parts (their visit is over), then later visits. Days are the
/// company's.
fn job_group(status: TicketStatus, appointment_day: Option<i64>, today: i64) -> usize {
    match (status, appointment_day) {
        (TicketStatus::OnSite, _) => 0,
        (TicketStatus::WaitingForParts, _) => 3,
        (_, Some(d)) if d == today => 0,
        (_, Some(d)) if d < today => 1,
        (_, None) => 2,
        (_, Some(_)) => 4,
    }
}

/// The headings of [`job_group`]'s groups, in order.
const JOB_GROUPS: [&str; 5] = [
    "jobs.group.today",
    "jobs.group.earlier",
    "jobs.group.unscheduled",
    "jobs.group.waiting",
    "jobs.group.later",
];

/// `GET /jobs`: the technician's phone page (today's jobs, one-tap arrive and complete).
pub async fn jobs(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
) -> Response {
    let tz = tz(&state).await;
    let jobs = async {
        let days = state.app.company_days().await?;
        Ok::<_, AppError>((days, state.app.my_jobs(&user.actor()).await?))
    };
    match jobs.await {
        Ok((days, j)) => {
            let today = days.day_of(state.app.now());
            let mut groups = JOB_GROUPS.map(|key| JobGroup {
                key,
                jobs: Vec::new(),
            });
            for t in &j {
                let day = t.appointment_start.map(|a| days.day_of(a));
                let g = job_group(t.status, day, today);
                groups[g].jobs.push(row(t, &tz));
            }
            render(&JobsTemplate {
                page: Page::for_user(&user, "jobs.title", "/jobs"),
                groups: groups.into_iter().filter(|g| !g.jobs.is_empty()).collect(),
            })
        }
        Err(e) => app_error_page(&user, &e),
    }
}

#[derive(Template)]
#[template(path = "callbacks.html")]
struct CallbacksTemplate {
    page: Page,
    rows: Vec<Row>,
}

/// `GET /callbacks`: completed tickets waiting for the callback survey.
pub async fn callbacks(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
) -> Response {
    let tz = tz(&state).await;
    match state.app.callback_queue(&user.actor()).await {
        Ok(r) => render(&CallbacksTemplate {
            page: Page::for_user(&user, "callbacks.title", "/callbacks"),
            rows: r.iter().map(|t| row(t, &tz)).collect(),
        }),
        Err(e) => app_error_page(&user, &e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn todays_jobs_come_first_then_missed_visits_then_unbooked_then_later_ones() {
        use TicketStatus::*;
        let today = 20_000;
        let group = |status, day| JOB_GROUPS[job_group(status, day, today)];
        assert_eq!(group(Scheduled, Some(today)), "jobs.group.today");
        assert_eq!(group(Scheduled, Some(today - 1)), "jobs.group.earlier");
        assert_eq!(group(Accepted, None), "jobs.group.unscheduled");
        assert_eq!(group(Scheduled, Some(today + 1)), "jobs.group.later");
        // On site now, whatever day the visit was booked for; waiting for parts is no
        // missed visit.
        assert_eq!(group(OnSite, Some(today + 1)), "jobs.group.today");
        assert_eq!(
            group(WaitingForParts, Some(today - 3)),
            "jobs.group.waiting"
        );
    }
}
