//! Planning: runs, replenishment proposals and a part's plan at a warehouse.
//!
//! Planners (admin, manager, warehouse) see every warehouse, run and decide. A station
//! user reads the planning of its own station's warehouses (the GET routes, scoped by the
//! app: another warehouse or its proposal is not found) and may not run or decide (403).

use super::{ApiPath, ApiQuery};
use crate::error::{ApiError, rejection};
use crate::middleware::CurrentUser;
use crate::state::AppState;
use aftercare_app::AppError;
use aftercare_app::plan_views::SourceStock;
use aftercare_app::planning::{
    Allocation, Bucket, PartPlanView, PlanOptions, PlanOverrides, PlanRunReport, RunWarehouseFill,
    WarehouseFill,
};
use aftercare_app::planning_store::{ProposalFilter, ProposalKind, ProposalRow, ProposalSort};
use aftercare_domain::{PartId, ValidationError, WarehouseId};
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::{IntoParams, ToSchema};

/// Settings of a run; every field is optional.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RunBody {
    /// `week` (default) or `month`.
    pub bucket: Option<String>,
    /// Periods of history (default 104 weeks / 24 months).
    pub periods: Option<usize>,
    /// Target fill rate, 0.5..0.999 (default 0.95).
    pub target_fill: Option<f64>,
    /// Days a transfer from the parent warehouse takes (default 3).
    pub transfer_days: Option<i64>,
    /// Fixed cost of one purchase order, minor units (default 20000 = 200.00): the
    /// order cost of the economic order quantity at warehouses without a parent; 0 to
    /// 10000000000.
    pub purchase_order_cost: Option<i64>,
    /// Fixed cost of one transfer from the parent warehouse, minor units (default 3000 =
    /// 30.00): the order cost of the economic order quantity elsewhere; 0 to 10000000000.
    pub transfer_cost: Option<i64>,
    /// Cost of holding one unit for a year in percent of its standard cost, 1..100
    /// (default 20).
    pub holding_rate_pct: Option<i64>,
    /// What the target fill rate applies to: `item` (default: every part at every
    /// warehouse), `warehouse` (each warehouse's units as a whole, with the least stock
    /// value) or `warehouse_history` (as `warehouse`, calibrated on the last half of the
    /// history replayed rather than on the forecasts; slower).
    pub allocation: Option<String>,
}

impl RunBody {
    /// The run options, defaults filled in.
    pub fn options(&self) -> Result<PlanOptions, AppError> {
        Ok(self.overrides()?.over(PlanOptions::default()))
    }

    /// What the body sets (a bad bucket is an error naming it).
    pub fn overrides(&self) -> Result<PlanOverrides, AppError> {
        let bucket = match &self.bucket {
            Some(b) => Some(Bucket::parse(b).ok_or_else(|| {
                AppError::invalid("bucket", format!("must be week or month, got {b:?}"))
            })?),
            None => None,
        };
        let allocation = self
            .allocation
            .as_deref()
            .map(Allocation::from_field)
            .transpose()?;
        Ok(PlanOverrides {
            bucket,
            periods: self.periods,
            target_fill: self.target_fill,
            transfer_days: self.transfer_days,
            purchase_order_cost: self.purchase_order_cost,
            transfer_cost: self.transfer_cost,
            holding_rate_pct: self.holding_rate_pct,
            allocation,
        })
    }
}

/// What a run did.
#[derive(Serialize, ToSchema)]
pub struct RunDto {
    /// The run.
    pub run_id: i64,
    /// Part × warehouse pairs planned.
    pub items: usize,
    /// Proposals created.
    pub created: usize,
    /// Open proposals updated in place.
    pub updated: usize,
    /// Open proposals withdrawn.
    pub withdrawn: u64,
    /// Pairs left as they are: decided by a planner while the run computed.
    pub skipped: usize,
    /// Open proposals now.
    pub open: i64,
    /// Run time in ms.
    pub millis: i64,
    /// Order cost of a purchase the run sized lots with, minor units.
    pub purchase_order_cost: i64,
    /// Order cost of a transfer the run sized lots with, minor units.
    pub transfer_cost: i64,
    /// Holding cost per year the run sized lots with, percent of standard cost.
    pub holding_rate_pct: i64,
    /// What the target fill rate applied to: `item`, `warehouse` or `warehouse_history`.
    pub allocation: String,
    /// Under `warehouse` or `warehouse_history`, each warehouse's calibration.
    pub warehouse_fills: Vec<WarehouseFillDto>,
}

/// A warehouse's fill target met as a whole.
#[derive(Serialize, ToSchema)]
pub struct WarehouseFillDto {
    /// Warehouse code (absent in a part's plan: it is the plan's warehouse).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warehouse_code: Option<String>,
    /// Value of one unit short for one period, in currency units of average stock: each
    /// allocated part's level is where one more unit stops being worth its holding.
    pub worth: f64,
    /// Expected fill rate of the allocated parts' units.
    pub expected_fill: f64,
    /// Parts whose levels the worth set (parts without a standard cost, with manual
    /// levels or past end of production keep the per-part target).
    pub parts: usize,
    /// Whether the target is met (false only when even the largest worth searched
    /// misses it); under `warehouse_history`, on the replay of the history.
    pub reached: bool,
    /// Under `warehouse_history`: the fill rate the allocated parts' units got when the
    /// last `replayed_periods` periods of history were replayed with the worth.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replayed_fill: Option<f64>,
    /// Under `warehouse_history`: periods replayed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replayed_periods: Option<usize>,
}

impl WarehouseFillDto {
    fn new(warehouse_code: Option<String>, f: WarehouseFill) -> Self {
        WarehouseFillDto {
            warehouse_code,
            worth: f.worth,
            expected_fill: f.expected_fill,
            parts: f.parts,
            reached: f.reached,
            replayed_fill: f.replayed_fill,
            replayed_periods: f.replayed_fill.map(|_| f.replayed_periods),
        }
    }
}

impl From<RunWarehouseFill> for WarehouseFillDto {
    fn from(w: RunWarehouseFill) -> Self {
        WarehouseFillDto::new(Some(w.warehouse_code), w.fill)
    }
}

impl From<PlanRunReport> for RunDto {
    fn from(r: PlanRunReport) -> Self {
        RunDto {
            run_id: r.run_id,
            items: r.items,
            created: r.created,
            updated: r.updated,
            withdrawn: r.withdrawn,
            skipped: r.skipped,
            open: r.open,
            millis: r.millis,
            purchase_order_cost: r.purchase_order_cost,
            transfer_cost: r.transfer_cost,
            holding_rate_pct: r.holding_rate_pct,
            allocation: r.allocation.code().to_string(),
            warehouse_fills: r
                .warehouse_fills
                .into_iter()
                .map(WarehouseFillDto::from)
                .collect(),
        }
    }
}

/// Plan every part × warehouse from the ledger and write proposals (planners).
#[utoipa::path(post, path = "/api/v1/planning/runs", tag = "planning", request_body = RunBody,
    responses((status = 201, body = RunDto), (status = 403, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn run(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    body: Result<Json<RunBody>, JsonRejection>,
) -> Result<(StatusCode, Json<RunDto>), ApiError> {
    let Json(b) = body.map_err(rejection)?;
    let report = s.app.plan_run(&user.actor(), b.options()?).await?;
    Ok((StatusCode::CREATED, Json(report.into())))
}

/// The latest planning run: when, by whom, every option it planned with, and each
/// warehouse's calibration under a warehouse allocation.
#[derive(Serialize, ToSchema)]
pub struct LatestRunDto {
    /// The run.
    pub run_id: i64,
    /// When it started, ms since the epoch (its plans are planned at this instant).
    pub started_at: i64,
    /// Who ran it.
    pub actor_login: String,
    /// `week` or `month`.
    pub bucket: String,
    /// Periods of history.
    pub periods: usize,
    /// Target fill rate.
    pub target_fill: f64,
    /// Days a transfer from the parent warehouse takes.
    pub transfer_days: i64,
    /// Order cost of a purchase, minor units.
    pub purchase_order_cost: i64,
    /// Order cost of a transfer, minor units.
    pub transfer_cost: i64,
    /// Holding cost per year, percent of standard cost.
    pub holding_rate_pct: i64,
    /// `item`, `warehouse` or `warehouse_history`.
    pub allocation: String,
    /// Each warehouse's calibration as the run recorded it (worth to the cent, fills to
    /// the millionth); empty under `item`.
    pub warehouse_fills: Vec<WarehouseFillDto>,
}

/// The latest planning run (planners; a station user gets only its own warehouses'
/// calibrations); 404 before the first.
#[utoipa::path(get, path = "/api/v1/planning/runs/latest", tag = "planning",
    responses((status = 200, body = LatestRunDto), (status = 403, body = super::ErrorBody), (status = 404, body = super::ErrorBody)))]
pub async fn latest_run(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
) -> Result<Json<LatestRunDto>, ApiError> {
    let r = s
        .app
        .latest_run_settings(&user.actor())
        .await?
        .ok_or_else(|| AppError::not_found("planning run (none yet)"))?;
    let o = r.options;
    Ok(Json(LatestRunDto {
        run_id: r.run_id,
        started_at: r.started_at.0,
        actor_login: r.actor_login,
        bucket: o.bucket.code().to_string(),
        periods: o.periods,
        target_fill: o.target_fill,
        transfer_days: o.transfer_days,
        purchase_order_cost: o.purchase_order_cost,
        transfer_cost: o.transfer_cost,
        holding_rate_pct: o.holding_rate_pct,
        allocation: o.allocation.code().to_string(),
        warehouse_fills: r
            .warehouse_fills
            .into_iter()
            .map(WarehouseFillDto::from)
            .collect(),
    }))
}

/// A replenishment proposal.
#[derive(Serialize, ToSchema)]
pub struct ProposalDto {
    /// Id.
    pub id: i64,
    /// Warehouse to replenish.
    pub warehouse_id: i64,
    /// Its code.
    pub warehouse_code: String,
    /// Part.
    pub part_id: i64,
    /// Part number.
    pub part_number: String,
    /// Part name.
    pub part_name: String,
    /// purchase, transfer, last_time_buy, emergency or return.
    pub kind: String,
    /// Source warehouse of a transfer.
    pub source_warehouse_id: Option<i64>,
    /// Where a return goes (the warehouse's parent).
    pub destination_warehouse_id: Option<i64>,
    /// Supplier of a purchase.
    pub supplier_id: Option<i64>,
    /// Units.
    pub qty: i64,
    /// Value at standard cost, minor units.
    pub value: i64,
    /// When needed (UTC ms).
    pub need_by: i64,
    /// Why, in words.
    pub reason: String,
    /// Manual levels decided it.
    pub overridden: bool,
    /// open, approved, rejected or withdrawn.
    pub status: String,
    /// Decision note.
    pub decision_note: Option<String>,
    /// Document created on approval: purchase_order or transfer.
    pub document_kind: Option<String>,
    /// Its id.
    pub document_id: Option<i64>,
    /// Since when (UTC ms) it is being approved; an open proposal with this set cannot be
    /// rejected: approve it again to finish the approval.
    pub approving_since: Option<i64>,
    /// Why the ledger refused the last approval attempt (the proposal stayed open).
    pub approval_error: Option<String>,
    /// For an open proposal with a source warehouse (a transfer, an emergency at a
    /// warehouse with a parent): the units the source can ship of the part now, as the
    /// approval would take them (its issuable units, good and repaired, less those
    /// reserved). Null otherwise.
    pub source_available: Option<i64>,
    /// `source_available` is below the quantity: approving now would be refused (null
    /// where `source_available` is).
    pub source_short: Option<bool>,
    /// For an open proposal whose warehouse and part had a proposal rejected before: when
    /// the latest was rejected (UTC ms), else null.
    pub last_rejected_at: Option<i64>,
    /// That rejection's reason.
    pub last_rejection_note: Option<String>,
}

impl ProposalDto {
    /// The row with what its source can ship now (see [`App::proposal_sources`]).
    ///
    /// [`App::proposal_sources`]: aftercare_app::App::proposal_sources
    fn with_source(r: ProposalRow, sources: &HashMap<i64, SourceStock>) -> Self {
        let source = sources.get(&r.id).copied();
        let mut dto = ProposalDto::from(r);
        dto.source_available = source.map(|s| s.available);
        dto.source_short = source.map(|s| s.short);
        dto
    }
}

/// The rows as the API gives them, each with what its source can ship now (one query).
pub(crate) async fn proposal_dtos(
    s: &AppState,
    actor: &aftercare_app::Actor,
    rows: Vec<ProposalRow>,
) -> Result<Vec<ProposalDto>, AppError> {
    let sources = s.app.proposal_sources(actor, &rows).await?;
    Ok(rows
        .into_iter()
        .map(|r| ProposalDto::with_source(r, &sources))
        .collect())
}

/// One row as the API gives it.
async fn proposal_dto(
    s: &AppState,
    actor: &aftercare_app::Actor,
    row: ProposalRow,
) -> Result<ProposalDto, AppError> {
    let mut dtos = proposal_dtos(s, actor, vec![row]).await?;
    Ok(dtos.remove(0))
}

impl From<ProposalRow> for ProposalDto {
    fn from(r: ProposalRow) -> Self {
        ProposalDto {
            id: r.id,
            warehouse_id: r.warehouse.0,
            warehouse_code: r.warehouse_code,
            part_id: r.part.0,
            part_number: r.part_number,
            part_name: r.part_name,
            kind: r.kind.code().to_string(),
            source_warehouse_id: r.source.map(|w| w.0),
            destination_warehouse_id: r.destination.map(|w| w.0),
            supplier_id: r.supplier.map(|s| s.0),
            qty: r.qty,
            value: r.value,
            need_by: r.need_by.0,
            reason: r.reason,
            overridden: r.overridden,
            status: r.status,
            decision_note: r.decision_note,
            document_kind: r.document_kind,
            document_id: r.document_id,
            approving_since: r.approving_since.map(|t| t.0),
            approval_error: r.approval_error,
            source_available: None,
            source_short: None,
            last_rejected_at: r.last_rejected_at.map(|t| t.0),
            last_rejection_note: r.last_rejection_note,
        }
    }
}

/// Filters of the proposal list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProposalQuery {
    /// Warehouse id (for a station user, one of its own: another is 404); also taken as
    /// `warehouse_id`, the rows' and the stock API's name.
    #[serde(alias = "warehouse_id")]
    pub warehouse: Option<i64>,
    /// open, approved, rejected or withdrawn.
    pub status: Option<String>,
    /// purchase, transfer, last_time_buy, emergency or return.
    pub kind: Option<String>,
    /// Part id; also taken as `part_id`.
    #[serde(alias = "part_id")]
    pub part: Option<i64>,
    /// `can_fill`: only open proposals whose source warehouse can ship the quantity now
    /// (`source_available` ≥ `qty`); `short`: only those whose source cannot.
    pub source: Option<String>,
    /// The order: newest (changed most recently first, the default), need_by (needed
    /// soonest first), value (worth most first), warehouse (by code, then part number) or
    /// part (by number, then warehouse code).
    pub sort: Option<String>,
    /// At most this many, 1–5,000 (default 500).
    pub limit: Option<i64>,
    /// Skip this many first (default 0), for paging.
    pub offset: Option<i64>,
}

/// Proposal statuses a list is filtered by.
pub(crate) const PROPOSAL_STATUSES: [&str; 4] = ["open", "approved", "rejected", "withdrawn"];
/// Proposals a list gives unless asked for another number.
pub(crate) const PROPOSAL_PAGE: usize = 500;
/// The most proposals one list gives (the store's limit).
pub(crate) const PROPOSAL_PAGE_MAX: usize = 5_000;

/// A status filter, checked (the API and the page name a bad one alike).
pub(crate) fn proposal_status(s: &str) -> Result<String, ValidationError> {
    if PROPOSAL_STATUSES.contains(&s) {
        Ok(s.to_string())
    } else {
        Err(ValidationError::new(
            "status",
            format!("must be open, approved, rejected or withdrawn, got {s:?}"),
        ))
    }
}

/// A source filter (`can_fill` or `short`), checked: whether the source must be able to
/// fill the proposal now.
pub(crate) fn source_filter(s: &str) -> Result<bool, ValidationError> {
    match s {
        "can_fill" => Ok(true),
        "short" => Ok(false),
        _ => Err(ValidationError::new(
            "source",
            format!("must be can_fill or short, got {s:?}"),
        )),
    }
}

/// A list order, checked.
pub(crate) fn proposal_sort(s: &str) -> Result<ProposalSort, ValidationError> {
    ProposalSort::parse(s).ok_or_else(|| {
        ValidationError::new(
            "sort",
            format!("must be newest, need_by, value, warehouse or part, got {s:?}"),
        )
    })
}

/// A kind filter, checked.
pub(crate) fn proposal_kind(k: &str) -> Result<ProposalKind, ValidationError> {
    ProposalKind::from_code(k).ok_or_else(|| {
        ValidationError::new(
            "kind",
            format!("must be purchase, transfer, last_time_buy, emergency or return, got {k:?}"),
        )
    })
}

impl ProposalQuery {
    /// The store filter, or a clear error for a bad value.
    pub fn filter(&self) -> Result<ProposalFilter, AppError> {
        let invalid = |e: ValidationError| AppError::Invalid(vec![e]);
        if let Some(s) = &self.status {
            proposal_status(s).map_err(invalid)?;
        }
        let kind = match &self.kind {
            Some(k) => Some(proposal_kind(k).map_err(invalid)?),
            None => None,
        };
        let source_can_fill = match &self.source {
            Some(s) => Some(source_filter(s).map_err(invalid)?),
            None => None,
        };
        let sort = match &self.sort {
            Some(s) => proposal_sort(s).map_err(invalid)?,
            None => ProposalSort::default(),
        };
        let limit = self.limit.unwrap_or(PROPOSAL_PAGE as i64);
        if !(1..=PROPOSAL_PAGE_MAX as i64).contains(&limit) {
            return Err(AppError::invalid(
                "limit",
                format!("must be between 1 and {PROPOSAL_PAGE_MAX}, got {limit}"),
            ));
        }
        let offset = self.offset.unwrap_or(0);
        if offset < 0 {
            return Err(AppError::invalid(
                "offset",
                format!("must not be negative, got {offset}"),
            ));
        }
        Ok(ProposalFilter {
            warehouse: self.warehouse.map(WarehouseId),
            warehouses_in: None,
            sources_in: None,
            status: self.status.clone(),
            kind,
            part: self.part.map(PartId),
            source_can_fill,
            sort,
            limit,
            offset,
        })
    }
}

/// Proposals, newest first unless `sort` names another order: every warehouse's for planners, a station user's own
/// warehouses' only (a `warehouse` outside them is 404, as on the stock API).
#[utoipa::path(get, path = "/api/v1/planning/proposals", tag = "planning", params(ProposalQuery),
    responses((status = 200, body = [ProposalDto],
        headers(("x-total-count" = i64, description = "Proposals matching the filters, all pages"))),
        (status = 403, body = super::ErrorBody), (status = 404, body = super::ErrorBody)))]
pub async fn proposals(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    ApiQuery(q): ApiQuery<ProposalQuery>,
) -> Result<([(&'static str, String); 1], Json<Vec<ProposalDto>>), ApiError> {
    let filter = q.filter()?;
    let actor = user.actor();
    let total = s.app.plan_proposal_count(&actor, &filter).await?;
    let rows = s.app.plan_proposals(&actor, filter).await?;
    Ok((
        [("x-total-count", total.to_string())],
        Json(proposal_dtos(&s, &actor, rows).await?),
    ))
}

/// One proposal (for a station user, only one of its own warehouses': another is 404, as
/// a missing id is).
#[utoipa::path(get, path = "/api/v1/planning/proposals/{id}", tag = "planning",
    params(("id" = i64, Path, description = "Proposal id")),
    responses((status = 200, body = ProposalDto), (status = 403, body = super::ErrorBody), (status = 404, body = super::ErrorBody)))]
pub async fn proposal(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ProposalDto>, ApiError> {
    let actor = user.actor();
    let row = s.app.plan_proposal(&actor, id).await?;
    Ok(Json(proposal_dto(&s, &actor, row).await?))
}

/// Approve an open proposal: creates the purchase order or transfer through the ledger
/// (planners).
#[utoipa::path(post, path = "/api/v1/planning/proposals/{id}/approve", tag = "planning",
    params(("id" = i64, Path, description = "Proposal id")),
    responses((status = 200, body = ProposalDto), (status = 403, body = super::ErrorBody), (status = 404, body = super::ErrorBody), (status = 409, body = super::ErrorBody)))]
pub async fn approve(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ProposalDto>, ApiError> {
    Ok(Json(
        s.app.approve_proposal(&user.actor(), id).await?.into(),
    ))
}

/// Proposals to approve together.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproveManyBody {
    /// Proposal ids (at most 5000; each counted once).
    pub ids: Vec<i64>,
}

/// A document a batch approval created, with the proposals it approved.
#[derive(Serialize, ToSchema)]
pub struct BatchDocumentDto {
    /// `purchase_order` or `transfer`.
    pub document_kind: String,
    /// Its id.
    pub document_id: i64,
    /// The proposals approved into it.
    pub proposal_ids: Vec<i64>,
}

/// A proposal a batch approval left as it was.
#[derive(Serialize, ToSchema)]
pub struct BatchRefusalDto {
    /// The proposal.
    pub proposal_id: i64,
    /// Its warehouse's code.
    pub warehouse_code: String,
    /// Its part number.
    pub part_number: String,
    /// Why, as approving it alone says it: `{"code", "message", "details"}`.
    #[schema(value_type = Object)]
    pub error: serde_json::Value,
}

/// What a batch approval did.
#[derive(Serialize, ToSchema)]
pub struct BatchApprovalDto {
    /// Proposals approved.
    pub approved: usize,
    /// The documents created: one per route (transfers, returns) or per warehouse and
    /// supplier (purchases, last-time buys).
    pub documents: Vec<BatchDocumentDto>,
    /// The proposals not approved, and why (not open any more, or refused by the ledger).
    pub refused: Vec<BatchRefusalDto>,
}

impl From<aftercare_app::plan_batch::BatchApproval> for BatchApprovalDto {
    fn from(b: aftercare_app::plan_batch::BatchApproval) -> Self {
        BatchApprovalDto {
            approved: b.approved(),
            documents: b
                .documents
                .into_iter()
                .map(|d| BatchDocumentDto {
                    document_kind: d.kind.to_string(),
                    document_id: d.id,
                    proposal_ids: d.proposals,
                })
                .collect(),
            refused: b
                .refused
                .into_iter()
                .map(|r| BatchRefusalDto {
                    proposal_id: r.proposal.id,
                    warehouse_code: r.proposal.warehouse_code,
                    part_number: r.proposal.part_number,
                    error: crate::error::body_of(&r.error)["error"].take(),
                })
                .collect(),
        }
    }
}

/// Approve several open proposals at once (planners): those going to the same place
/// become one document with a line each, a transfer per route or a purchase order per
/// warehouse and supplier. A proposal that is not open or that the ledger refuses is
/// listed under `refused` and the others are approved; an id the caller cannot see is a
/// 404 and nothing is approved.
#[utoipa::path(post, path = "/api/v1/planning/proposals/approve", tag = "planning",
    request_body = ApproveManyBody,
    responses((status = 200, body = BatchApprovalDto), (status = 403, body = super::ErrorBody), (status = 404, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn approve_many(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    body: Result<Json<ApproveManyBody>, JsonRejection>,
) -> Result<Json<BatchApprovalDto>, ApiError> {
    let Json(b) = body.map_err(rejection)?;
    Ok(Json(
        s.app.approve_proposals(&user.actor(), &b.ids).await?.into(),
    ))
}

/// Why a proposal is rejected.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectBody {
    /// The reason (required).
    pub reason: String,
}

/// Reject an open proposal (planners).
#[utoipa::path(post, path = "/api/v1/planning/proposals/{id}/reject", tag = "planning",
    params(("id" = i64, Path, description = "Proposal id")), request_body = RejectBody,
    responses((status = 200, body = ProposalDto), (status = 403, body = super::ErrorBody), (status = 404, body = super::ErrorBody), (status = 409, body = super::ErrorBody)))]
pub async fn reject(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    ApiPath(id): ApiPath<i64>,
    body: Result<Json<RejectBody>, JsonRejection>,
) -> Result<Json<ProposalDto>, ApiError> {
    let Json(b) = body.map_err(rejection)?;
    Ok(Json(
        s.app
            .reject_proposal(&user.actor(), id, &b.reason)
            .await?
            .into(),
    ))
}

/// Query of a part's plan. Every option left out is the latest run's (the run defaults
/// before the first run); another bucket than the run's plans with its default periods.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PlanQuery {
    /// `week` or `month`.
    pub bucket: Option<String>,
    /// Periods of history.
    pub periods: Option<usize>,
    /// Target fill rate.
    pub target_fill: Option<f64>,
    /// Days a transfer from the parent warehouse takes.
    pub transfer_days: Option<i64>,
    /// Fixed cost of one purchase order, minor units.
    pub purchase_order_cost: Option<i64>,
    /// Fixed cost of one transfer, minor units.
    pub transfer_cost: Option<i64>,
    /// Holding cost per year, percent of standard cost.
    pub holding_rate_pct: Option<i64>,
    /// `item`, `warehouse` or `warehouse_history`.
    pub allocation: Option<String>,
}

/// A part's plan at a warehouse, recomputed now with the latest run's options (except
/// those the query sets).
#[derive(Serialize, ToSchema)]
pub struct PartPlanDto {
    /// The run whose options the plan used (those the query did not set); null before
    /// the first run (the run defaults).
    pub run_id: Option<i64>,
    /// Periods of history the plan used.
    pub periods: usize,
    /// Target fill rate the plan used.
    pub target_fill: f64,
    /// Transfer days the plan used.
    pub transfer_days: i64,
    /// Purchase order cost the plan used, minor units.
    pub purchase_order_cost: i64,
    /// Transfer cost the plan used, minor units.
    pub transfer_cost: i64,
    /// What the target fill rate applied to: `item`, `warehouse` or `warehouse_history`.
    pub allocation: String,
    /// Under `warehouse` or `warehouse_history`, the warehouse's calibration that set this part's
    /// levels (null under `item`, and for a part that keeps the per-part target).
    pub warehouse_fill: Option<WarehouseFillDto>,
    /// Warehouse code.
    pub warehouse_code: String,
    /// Part number.
    pub part_number: String,
    /// week or month.
    pub bucket: String,
    /// Outflow per period, oldest first.
    pub history: Vec<f64>,
    /// Forecast per period.
    pub forecast: Vec<f64>,
    /// First day (`YYYY-MM-DD`, UTC) of every period: one per `history` period, then one
    /// per `forecast` period (weeks of 7 days, the history's ending yesterday and the
    /// forecast's from today; or calendar months, the forecast's from this month).
    pub period_starts: Vec<String>,
    /// Method chosen.
    pub method: String,
    /// Demand class.
    pub class: String,
    /// Why.
    pub why: String,
    /// Backtest error of every candidate method.
    pub errors: Vec<MethodErrorDto>,
    /// Safety stock.
    pub min: f64,
    /// Reorder point.
    pub reorder_point: f64,
    /// Order-up-to level of the stock position: reorder point − 1 unit + lot (the
    /// reorder point itself without a lot).
    pub max: f64,
    /// Economic order quantity `√(2·K·D / h)`, unrounded (0: none).
    pub eoq: f64,
    /// Units the computed maximum adds to the reorder point: the EOQ rounded up to a
    /// whole unit, at least one; 0 when the levels order up to the reorder point (no EOQ,
    /// or an EOQ below one period's demand).
    pub lot: i64,
    /// Fixed cost per order `K` the EOQ used, minor units.
    pub order_cost: i64,
    /// What `order_cost` is the cost of: `purchase` (a warehouse without a parent) or
    /// `transfer` (from the parent).
    pub order_kind: String,
    /// Holding cost `h` of one unit for one period the EOQ used, billionths of the
    /// currency unit.
    pub holding_cost_nanos: i64,
    /// Yearly holding rate behind `holding_cost_nanos`, percent of standard cost.
    pub holding_rate_pct: i64,
    /// Manual levels override the computed ones.
    pub overridden: bool,
    /// Event demand (recalls) inside the protection interval, included in the levels.
    pub event_demand: f64,
    /// Predecessors whose history was added, e.g. "PN-1 (100 %)".
    pub inherits: Vec<String>,
    /// Successors this part's history moved on to, e.g. "PN-4 (50 %)" (it keeps the rest).
    pub hands_on: Vec<String>,
    /// Demand events counted here, in words.
    pub events: Vec<String>,
    /// The position now and what it leads to, in words, as a run decides it: the
    /// netting; the last-time buy's reason instead when there is one; the netting with
    /// "not ordered: past end of production" when past end of production nothing is
    /// proposed.
    pub reason: String,
    /// End of production of the part (`YYYY-MM-DD`), if set.
    pub end_of_production_on: Option<String>,
    /// End of service of the part (`YYYY-MM-DD`), if set.
    pub end_of_service_on: Option<String>,
    /// The end of production is today or before.
    pub past_end_of_production: bool,
    /// The last-time buy a run proposes here (a warehouse without a parent, past end of
    /// production, before end of service): the units (0: nothing to buy) and why; null
    /// otherwise.
    pub last_time_buy: Option<LastTimeBuyDto>,
    /// The proposal a run would write for the pair now (null: none).
    pub decision: Option<DecisionDto>,
    /// Recent proposals of this pair, each with `source_available` and `source_short`
    /// as the proposal list gives them.
    pub proposals: Vec<ProposalDto>,
}

/// A last-time buy on a part's plan.
#[derive(Serialize, ToSchema)]
pub struct LastTimeBuyDto {
    /// Units to buy now.
    pub quantity: i64,
    /// Why, as its proposal says it.
    pub reason: String,
}

/// The proposal a run would write for a pair now.
#[derive(Serialize, ToSchema)]
pub struct DecisionDto {
    /// purchase, transfer, last_time_buy or return.
    pub kind: String,
    /// Units.
    pub qty: i64,
    /// Why, as the proposal says it.
    pub reason: String,
}

/// One candidate's backtest error.
#[derive(Serialize, ToSchema)]
pub struct MethodErrorDto {
    /// Method code.
    pub method: String,
    /// Error (null when it could not be scored).
    pub error: Option<f64>,
}

impl PartPlanDto {
    /// The view as the API gives it, its recent proposals as `proposals` (with what their
    /// source can ship now, [`proposal_dtos`]).
    fn new(v: PartPlanView, proposals: Vec<ProposalDto>) -> Self {
        PartPlanDto {
            run_id: v.run.as_ref().map(|r| r.run_id),
            periods: v.options.periods,
            target_fill: v.options.target_fill,
            transfer_days: v.options.transfer_days,
            purchase_order_cost: v.options.purchase_order_cost,
            transfer_cost: v.options.transfer_cost,
            allocation: v.options.allocation.code().to_string(),
            warehouse_fill: v.warehouse_fill.map(|f| WarehouseFillDto::new(None, f)),
            warehouse_code: v.warehouse_code,
            part_number: v.part_number,
            bucket: v.bucket.code().to_string(),
            history: v.history,
            forecast: v.forecast,
            period_starts: v.period_starts,
            method: v.method,
            class: v.class,
            why: v.why,
            errors: v
                .errors
                .into_iter()
                .map(|e| MethodErrorDto {
                    method: e.method,
                    error: e.error,
                })
                .collect(),
            min: v.min,
            reorder_point: v.reorder_point,
            max: v.max,
            eoq: v.sizing.eoq_milli as f64 / 1000.0,
            lot: v.sizing.lot,
            order_cost: v.sizing.order_cost,
            order_kind: v.order_kind.code().to_string(),
            holding_cost_nanos: v.sizing.holding_cost_nanos,
            holding_rate_pct: v.holding_rate_pct,
            overridden: v.overridden,
            event_demand: v.event_demand,
            inherits: v.lifecycle.inherits,
            hands_on: v.lifecycle.hands_on,
            events: v.lifecycle.events,
            reason: v.reason,
            end_of_production_on: v.end_of_production_on,
            end_of_service_on: v.end_of_service_on,
            past_end_of_production: v.past_end_of_production,
            last_time_buy: v.last_time_buy.map(|l| LastTimeBuyDto {
                quantity: l.quantity,
                reason: l.reason,
            }),
            decision: v.decision.map(|d| DecisionDto {
                kind: d.kind.code().to_string(),
                qty: d.qty,
                reason: d.reason,
            }),
            proposals,
        }
    }
}

/// A part's plan at a warehouse: history, forecast, levels, method, backtest errors;
/// recomputed with the latest run's options unless the query sets them. A station user
/// reads its own warehouses' only (another is 404).
#[utoipa::path(get, path = "/api/v1/planning/items/{warehouse_id}/{part_id}", tag = "planning",
    params(("warehouse_id" = i64, Path, description = "Warehouse id"), ("part_id" = i64, Path, description = "Part id"), PlanQuery),
    responses((status = 200, body = PartPlanDto), (status = 403, body = super::ErrorBody), (status = 404, body = super::ErrorBody)))]
pub async fn item(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    ApiPath((warehouse_id, part_id)): ApiPath<(i64, i64)>,
    ApiQuery(q): ApiQuery<PlanQuery>,
) -> Result<Json<PartPlanDto>, ApiError> {
    let overrides = RunBody {
        bucket: q.bucket,
        periods: q.periods,
        target_fill: q.target_fill,
        transfer_days: q.transfer_days,
        purchase_order_cost: q.purchase_order_cost,
        transfer_cost: q.transfer_cost,
        holding_rate_pct: q.holding_rate_pct,
        allocation: q.allocation,
    }
    .overrides()?;
    let actor = user.actor();
    let mut view = s
        .app
        .part_plan_as_run(
            &actor,
            WarehouseId(warehouse_id),
            PartId(part_id),
            overrides,
        )
        .await?;
    let proposals = proposal_dtos(&s, &actor, std::mem::take(&mut view.proposals)).await?;
    Ok(Json(PartPlanDto::new(view, proposals)))
}
