//! Tickets, customers and units: `/api/v1/tickets...`, `/api/v1/customers...`,
//! `/api/v1/units/...`. A station or technician user only ever gets its station's objects;
//! others answer 404 exactly like ids that do not exist.

use super::{ApiPath, ApiQuery};
use crate::error::{ApiError, rejection};
use crate::middleware::CurrentUser;
use crate::state::AppState;
use aftercare_app::AppError;
use aftercare_app::tickets::{ActionRequest, IntakeRequest, TicketFilter, TicketSettings};
use aftercare_domain::customer::{AddressInput, CustomerInput, PurchaseChannel, UnitInput};
use aftercare_domain::ticket::{Channel, Priority, TicketInput, TicketStatus, TicketType};
use aftercare_domain::{
    CustomerId, FaultCodeId, Instant, ProductLineId, ProductModelId, RegionId, StationId, TicketId,
    UnitId,
};
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

fn json<T: serde::Serialize>(v: &T) -> Result<Json<Value>, ApiError> {
    serde_json::to_value(v)
        .map(Json)
        .map_err(|e| ApiError(AppError::Unexpected(e.to_string())))
}

/// Ticket search filters; every one narrows the list.
#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct TicketQuery {
    /// Ticket number, e.g. `T20261122-000123`.
    pub number: Option<String>,
    /// A customer phone in any spelling.
    pub phone: Option<String>,
    /// A unit serial number.
    pub serial: Option<String>,
    /// Status codes, comma-separated (e.g. `new,returned`).
    pub status: Option<String>,
    /// Station id.
    pub station: Option<i64>,
    /// Created at or after, UTC ms.
    pub from: Option<i64>,
    /// Created before, UTC ms.
    pub to: Option<i64>,
    /// Only tickets flagged at risk.
    pub at_risk: Option<bool>,
    /// Only tickets flagged breached.
    pub breached: Option<bool>,
    /// At most this many (default 100).
    pub limit: Option<i64>,
}

impl TicketQuery {
    /// The filter, with clear errors for unknown status codes.
    pub fn filter(&self) -> Result<TicketFilter, AppError> {
        let blank = |s: &Option<String>| {
            s.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let mut statuses = Vec::new();
        if let Some(list) = blank(&self.status) {
            for code in list.split(',').map(str::trim).filter(|c| !c.is_empty()) {
                statuses.push(
                    TicketStatus::parse(code)
                        .map_err(|e| AppError::invalid("status", e.to_string()))?,
                );
            }
        }
        Ok(TicketFilter {
            number: blank(&self.number),
            phone_digits: blank(&self.phone),
            serial: blank(&self.serial),
            statuses,
            station: self.station.map(StationId),
            from: self.from.map(Instant),
            to: self.to.map(Instant),
            at_risk: self.at_risk.unwrap_or(false),
            breached: self.breached.unwrap_or(false),
            limit: self.limit.unwrap_or(100),
            ..Default::default()
        })
    }
}

/// Search tickets (number, phone, serial, status, station, date range).
#[utoipa::path(get, path = "/api/v1/tickets", tag = "tickets", params(TicketQuery),
    responses((status = 200, body = Object, description = "An array of ticket summaries"), (status = 422, body = super::ErrorBody)))]
pub async fn search(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    ApiQuery(q): ApiQuery<TicketQuery>,
) -> Result<Json<Value>, ApiError> {
    let rows = s.app.search_tickets(&user.actor(), q.filter()?).await?;
    json(&rows)
}

/// The filtered ticket list as an XLSX workbook.
#[utoipa::path(get, path = "/api/v1/tickets/export.xlsx", tag = "tickets", params(TicketQuery),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", description = "The workbook")))]
pub async fn export_xlsx(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    ApiQuery(q): ApiQuery<TicketQuery>,
) -> Result<Response, ApiError> {
    let bytes = s
        .app
        .export_tickets_xlsx(&user.actor(), q.filter()?)
        .await?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"tickets.xlsx\"",
            ),
        ],
        bytes,
    )
        .into_response())
}

/// A ticket to open.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntakeBody {
    /// Customer id.
    pub customer: i64,
    /// Unit id (the customer's).
    pub unit: i64,
    /// Address id (the customer's first when absent).
    pub address: Option<i64>,
    /// repair, installation, maintenance, complaint, enquiry.
    pub ticket_type: String,
    /// hotline, web, retailer, e_shop.
    pub channel: String,
    /// low, normal, high, urgent (default normal).
    pub priority: Option<String>,
    /// What the customer reports.
    pub fault_description: String,
    /// Fault code id of the unit's product line.
    pub fault_code: Option<i64>,
    /// Dispatch at once to the top-ranked station.
    #[serde(default)]
    pub auto_dispatch: bool,
}

impl IntakeBody {
    /// The use case's request.
    pub fn request(self) -> Result<IntakeRequest, AppError> {
        let e = |f: &str, m: String| AppError::invalid(f, m);
        Ok(IntakeRequest {
            customer: CustomerId(self.customer),
            unit: UnitId(self.unit),
            address: self.address,
            input: TicketInput {
                ticket_type: TicketType::parse(&self.ticket_type)
                    .map_err(|x| e("ticket_type", x.to_string()))?,
                channel: Channel::parse(&self.channel).map_err(|x| e("channel", x.to_string()))?,
                priority: match self.priority.as_deref() {
                    None | Some("") => Priority::Normal,
                    Some(p) => Priority::parse(p).map_err(|x| e("priority", x.to_string()))?,
                },
                fault_description: self.fault_description,
                fault_code: self.fault_code.map(FaultCodeId),
            },
            auto_dispatch: self.auto_dispatch,
        })
    }
}

/// Open a ticket (agent): warranty, SLA deadlines and repeat link are computed and stored.
#[utoipa::path(post, path = "/api/v1/tickets", tag = "tickets", request_body = IntakeBody,
    responses((status = 201, body = Object, description = "The ticket"), (status = 422, body = super::ErrorBody)))]
pub async fn intake(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    body: Result<Json<IntakeBody>, JsonRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let Json(b) = body.map_err(rejection)?;
    let t = s.app.intake(&user.actor(), b.request()?).await?;
    Ok((StatusCode::CREATED, json(&t)?))
}

/// A ticket with customer, unit, timeline, SLA state and the caller's possible actions.
#[utoipa::path(get, path = "/api/v1/tickets/{id}", tag = "tickets", params(("id" = i64, Path, description = "Ticket id")),
    responses((status = 200, body = Object), (status = 404, body = super::ErrorBody)))]
pub async fn detail(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Value>, ApiError> {
    json(&s.app.ticket(&user.actor(), TicketId(id)).await?)
}

/// An action on a ticket (see the fields each action needs).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionBody {
    /// dispatch, recall, accept, reject, assign_technician, schedule, arrive, wait_for_parts,
    /// parts_arrived, complete, callback, close, resolve, cancel, reopen.
    pub action: String,
    /// dispatch: station id.
    pub station: Option<i64>,
    /// recall, reject, cancel, reopen: why.
    pub reason: Option<String>,
    /// resolve: how it was settled.
    pub resolution: Option<String>,
    /// assign_technician: technician id.
    pub technician: Option<i64>,
    /// schedule: slot start, UTC ms.
    pub appointment_start: Option<i64>,
    /// schedule: slot end, UTC ms.
    pub appointment_end: Option<i64>,
    /// complete: work done.
    pub actions_taken: Option<String>,
    /// complete: diagnosed fault code id.
    pub fault_code: Option<i64>,
    /// complete: labour minutes.
    pub labour_minutes: Option<i64>,
    /// callback: fixed?
    pub fixed: Option<bool>,
    /// callback: satisfaction 1-5.
    pub satisfaction: Option<u8>,
    /// callback: comments.
    pub comments: Option<String>,
    /// callback: the reported completion was false.
    pub false_completion: Option<bool>,
}

impl From<ActionBody> for ActionRequest {
    fn from(b: ActionBody) -> Self {
        ActionRequest {
            action: b.action,
            station: b.station,
            reason: b.reason,
            resolution: b.resolution,
            technician: b.technician,
            appointment_start: b.appointment_start,
            appointment_end: b.appointment_end,
            actions_taken: b.actions_taken,
            fault_code: b.fault_code,
            labour_minutes: b.labour_minutes,
            fixed: b.fixed,
            satisfaction: b.satisfaction,
            comments: b.comments,
            false_completion: b.false_completion,
        }
    }
}

/// Move a ticket on. An illegal move answers 409 `ticket.invalid_transition` naming the
/// current status and the allowed actions.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/actions", tag = "tickets", request_body = ActionBody,
    params(("id" = i64, Path, description = "Ticket id")),
    responses((status = 200, body = Object, description = "The ticket after the action"), (status = 404, body = super::ErrorBody),
        (status = 409, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn act(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    ApiPath(id): ApiPath<i64>,
    body: Result<Json<ActionBody>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let Json(b) = body.map_err(rejection)?;
    let (action, extras) = ActionRequest::from(b).into_action()?;
    json(
        &s.app
            .act(&user.actor(), TicketId(id), action, extras)
            .await?,
    )
}

/// Ranked station suggestions for a ticket (dispatcher).
#[utoipa::path(get, path = "/api/v1/tickets/{id}/suggestions", tag = "tickets", params(("id" = i64, Path, description = "Ticket id")),
    responses((status = 200, body = Object), (status = 404, body = super::ErrorBody)))]
pub async fn suggestions(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Value>, ApiError> {
    json(
        &s.app
            .dispatch_suggestions(&user.actor(), TicketId(id))
            .await?,
    )
}

/// Dispatch to the top-ranked station with room (dispatcher).
#[utoipa::path(post, path = "/api/v1/tickets/{id}/auto-dispatch", tag = "tickets", params(("id" = i64, Path, description = "Ticket id")),
    responses((status = 200, body = Object), (status = 404, body = super::ErrorBody), (status = 409, body = super::ErrorBody)))]
pub async fn auto_dispatch(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Value>, ApiError> {
    json(&s.app.auto_dispatch(&user.actor(), TicketId(id)).await?)
}

/// The dispatcher's queue: new and returned tickets.
#[utoipa::path(get, path = "/api/v1/dispatch/queue", tag = "tickets", responses((status = 200, body = Object)))]
pub async fn dispatch_queue(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
) -> Result<Json<Value>, ApiError> {
    json(&s.app.dispatch_queue(&user.actor()).await?)
}

/// Tickets at risk and breached (dispatcher, HQ).
#[utoipa::path(get, path = "/api/v1/dispatch/sla", tag = "tickets", responses((status = 200, body = Object)))]
pub async fn sla_watch(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
) -> Result<Json<Value>, ApiError> {
    let (at_risk, breached) = s.app.sla_watch(&user.actor()).await?;
    Ok(Json(
        serde_json::json!({ "at_risk": at_risk, "breached": breached }),
    ))
}

/// Completed tickets waiting for the callback survey (agents).
#[utoipa::path(get, path = "/api/v1/callbacks/queue", tag = "tickets", responses((status = 200, body = Object)))]
pub async fn callback_queue(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
) -> Result<Json<Value>, ApiError> {
    json(&s.app.callback_queue(&user.actor()).await?)
}

/// The caller's open jobs (technician: assigned to them; station: the station's).
#[utoipa::path(get, path = "/api/v1/jobs", tag = "tickets", responses((status = 200, body = Object)))]
pub async fn jobs(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
) -> Result<Json<Value>, ApiError> {
    json(&s.app.my_jobs(&user.actor()).await?)
}

/// Ticket settings: SLA minutes per tier, at-risk percent, accept timeout, repeat window.
#[utoipa::path(get, path = "/api/v1/ticket-settings", tag = "tickets", responses((status = 200, body = Object)))]
pub async fn get_settings(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
) -> Result<Json<Value>, ApiError> {
    json(&s.app.ticket_settings(&user.actor()).await?)
}

/// Change the ticket settings (admin); same shape as the GET.
#[utoipa::path(put, path = "/api/v1/ticket-settings", tag = "tickets", request_body = Object,
    responses((status = 200, body = Object), (status = 403, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn put_settings(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    body: Result<Json<TicketSettings>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let Json(b) = body.map_err(rejection)?;
    json(&s.app.update_ticket_settings(&user.actor(), b).await?)
}

/// Fault-code filter.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FaultQuery {
    /// Product line id.
    pub line: Option<i64>,
}

/// Fault codes (of one product line).
#[utoipa::path(get, path = "/api/v1/fault-codes", tag = "tickets", params(FaultQuery), responses((status = 200, body = Object)))]
pub async fn fault_codes(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    ApiQuery(q): ApiQuery<FaultQuery>,
) -> Result<Json<Value>, ApiError> {
    json(
        &s.app
            .fault_codes(&user.actor(), q.line.map(ProductLineId))
            .await?,
    )
}

/// Customer search.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CustomerQuery {
    /// A phone number (any spelling) or a serial number.
    pub q: String,
}

/// Find customers by any phone or a unit serial, with units (warranty today) and tickets.
#[utoipa::path(get, path = "/api/v1/customers", tag = "customers", params(CustomerQuery),
    responses((status = 200, body = Object), (status = 422, body = super::ErrorBody)))]
pub async fn find_customers(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    ApiQuery(q): ApiQuery<CustomerQuery>,
) -> Result<Json<Value>, ApiError> {
    json(&s.app.find_customers(&user.actor(), &q.q).await?)
}

/// An address.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddressBody {
    /// Region id (most specific known).
    pub region: i64,
    /// Street, building, flat.
    pub detail: String,
}

/// A customer to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerBody {
    /// Name.
    pub name: String,
    /// Phones in any usual spelling (1 to 5).
    pub phones: Vec<String>,
    /// Addresses.
    pub addresses: Vec<AddressBody>,
}

/// Create a customer (agent).
#[utoipa::path(post, path = "/api/v1/customers", tag = "customers", request_body = CustomerBody,
    responses((status = 201, body = Object), (status = 422, body = super::ErrorBody)))]
pub async fn create_customer(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    body: Result<Json<CustomerBody>, JsonRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let Json(b) = body.map_err(rejection)?;
    let c = s
        .app
        .create_customer(
            &user.actor(),
            CustomerInput {
                name: b.name,
                phones: b.phones,
                addresses: b
                    .addresses
                    .into_iter()
                    .map(|a| AddressInput {
                        region: RegionId(a.region),
                        detail: a.detail,
                    })
                    .collect(),
            },
        )
        .await?;
    Ok((StatusCode::CREATED, json(&c)?))
}

/// A customer with units and tickets.
#[utoipa::path(get, path = "/api/v1/customers/{id}", tag = "customers", params(("id" = i64, Path, description = "Customer id")),
    responses((status = 200, body = Object), (status = 404, body = super::ErrorBody)))]
pub async fn customer(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Value>, ApiError> {
    json(&s.app.customer(&user.actor(), CustomerId(id)).await?)
}

/// A unit to register.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitBody {
    /// Serial number (unique per model).
    pub serial: String,
    /// Product model id.
    pub model: i64,
    /// Purchase date `YYYY-MM-DD`.
    pub purchase_date: Option<String>,
    /// store, e_shop or retailer.
    pub purchase_channel: Option<String>,
    /// Production batch.
    pub production_batch: Option<String>,
}

impl UnitBody {
    /// The domain input.
    pub fn input(self) -> Result<UnitInput, AppError> {
        let purchase_date = match self.purchase_date.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(d) => Some(
                chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| {
                    AppError::invalid(
                        "purchase_date",
                        format!("'{d}' is not a date like 2026-03-01"),
                    )
                })?,
            ),
        };
        let purchase_channel = match self.purchase_channel.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(c) => Some(
                PurchaseChannel::parse(c)
                    .map_err(|e| AppError::invalid("purchase_channel", e.to_string()))?,
            ),
        };
        Ok(UnitInput {
            serial: self.serial,
            model: ProductModelId(self.model),
            purchase_date,
            purchase_channel,
            production_batch: self.production_batch.filter(|b| !b.trim().is_empty()),
        })
    }
}

/// Register a unit for a customer (agent).
#[utoipa::path(post, path = "/api/v1/customers/{id}/units", tag = "customers", request_body = UnitBody,
    params(("id" = i64, Path, description = "Customer id")),
    responses((status = 201, body = Object), (status = 404, body = super::ErrorBody), (status = 409, body = super::ErrorBody)))]
pub async fn add_unit(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    ApiPath(id): ApiPath<i64>,
    body: Result<Json<UnitBody>, JsonRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let Json(b) = body.map_err(rejection)?;
    let u = s
        .app
        .add_unit(&user.actor(), CustomerId(id), b.input()?)
        .await?;
    Ok((StatusCode::CREATED, json(&u)?))
}

/// A unit with warranty today and its whole ticket history.
#[utoipa::path(get, path = "/api/v1/units/{id}", tag = "customers", params(("id" = i64, Path, description = "Unit id")),
    responses((status = 200, body = Object), (status = 404, body = super::ErrorBody)))]
pub async fn unit(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Value>, ApiError> {
    let (view, history) = s.app.unit(&user.actor(), UnitId(id)).await?;
    Ok(Json(
        serde_json::json!({ "unit": view, "tickets": history }),
    ))
}

/// A webhook subscription to add.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookBody {
    /// Name.
    pub name: String,
    /// `http://` URL of the receiver.
    pub url: String,
    /// Event names (e.g. `ticket.appointment_booked`) or `["*"]`.
    pub events: Vec<String>,
    /// Shared secret (at least 16 characters) for the `x-aftercare-signature` HMAC-SHA256.
    pub secret: String,
    /// `zh-CN` or `en`: language of the customer message texts.
    pub language: String,
}

/// Webhook subscriptions (admin; secrets are never shown).
#[utoipa::path(get, path = "/api/v1/webhooks", tag = "webhooks", responses((status = 200, body = Object), (status = 403, body = super::ErrorBody)))]
pub async fn webhooks(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
) -> Result<Json<Value>, ApiError> {
    json(&s.app.webhooks(&user.actor()).await?)
}

/// Subscribe a URL to ticket events (admin).
#[utoipa::path(post, path = "/api/v1/webhooks", tag = "webhooks", request_body = WebhookBody,
    responses((status = 201, body = Object), (status = 422, body = super::ErrorBody)))]
pub async fn add_webhook(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    body: Result<Json<WebhookBody>, JsonRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let Json(b) = body.map_err(rejection)?;
    let r = s
        .app
        .add_webhook(
            &user.actor(),
            aftercare_app::webhooks::NewSubscription {
                name: b.name,
                url: b.url,
                events: b.events,
                secret: b.secret,
                language: b.language,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, json(&r)?))
}

/// The webhook delivery log, newest first (admin).
#[utoipa::path(get, path = "/api/v1/webhooks/deliveries", tag = "webhooks", responses((status = 200, body = Object)))]
pub async fn webhook_deliveries(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
) -> Result<Json<Value>, ApiError> {
    json(&s.app.webhook_deliveries(&user.actor(), 200).await?)
}
