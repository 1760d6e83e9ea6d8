//! Replenishment planning pages: proposals by warehouse with filters, run, approve and
//! reject; a part's plan at a warehouse with its chart. A station user reads the pages of
//! its own warehouses without the run form, the decide buttons and the lifecycle link (the
//! app scopes what it sees and refuses what it may not do).

use super::{Page, app_error_page, format_date, refused, render};
use super::{PageForm, PagePath, PageQuery};
use crate::api::planning as api;
use crate::i18n::plan_reasons::{class_text, event_text, plan_text};
use crate::middleware::CurrentUser;
use crate::state::AppState;
use aftercare_app::AppError;
use aftercare_app::plan_views::{SourceStock, may_decide};
use aftercare_app::planning::{
    Allocation, Bucket, PartPlanView, PlanOptions, PlanOverrides, RunSettings,
};
use aftercare_app::planning_store::{ProposalFilter, ProposalKind, ProposalRow, ProposalSort};
use aftercare_domain::{Money, PartId, ValidationError, WarehouseId};
use askama::Template;
use axum::Extension;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::collections::HashMap;

/// Filters from the query string, as typed (each is checked by [`Filters::read`], so a bad
/// value is named on the page rather than ignored).
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    warehouse: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    kind: String,
    /// Part number.
    #[serde(default)]
    part: String,
    /// `can_fill` or `short`: open proposals whose source can (cannot) ship them now.
    #[serde(default)]
    source: String,
    /// The order (`newest`, `need_by`, `value`, `warehouse`, `part`; blank: newest).
    #[serde(default)]
    sort: String,
    /// Rows to skip.
    #[serde(default)]
    offset: String,
    /// Rows a page shows (default [`PAGE_SIZE`], at most [`MAX_PAGE_SIZE`]).
    #[serde(default)]
    limit: String,
    /// The counts of the run just made (the run form redirects with them): the notice is
    /// written from these numbers, never from text in the address.
    #[serde(flatten)]
    ran: RanCounts,
    /// What approving the ticked rows did (that form redirects with the counts).
    #[serde(flatten)]
    approved: ApprovedCounts,
}

/// What approving ticked rows did, as its redirect carries it.
#[derive(Debug, Default, Deserialize)]
struct ApprovedCounts {
    #[serde(default)]
    approved: String,
    #[serde(default)]
    documents: String,
}

impl ApprovedCounts {
    /// The notice in the page's language, when both counts are numbers.
    fn notice(&self, tr: &crate::i18n::Tr) -> Option<String> {
        let approved = self.approved.parse::<u64>().ok()?;
        let documents = self.documents.parse::<u64>().ok()?;
        Some(approved_text(tr, approved as usize, documents as usize))
    }
}

/// "Approved 12 proposals into 2 documents", in the page's language.
fn approved_text(tr: &crate::i18n::Tr, approved: usize, documents: usize) -> String {
    tr.t("planning.approved_counts")
        .replace("{approved}", &approved.to_string())
        .replace("{documents}", &documents.to_string())
}

/// What a run did, as the run form's redirect carries it.
#[derive(Debug, Default, Deserialize)]
struct RanCounts {
    #[serde(default)]
    ran_items: String,
    #[serde(default)]
    ran_created: String,
    #[serde(default)]
    ran_updated: String,
    #[serde(default)]
    ran_withdrawn: String,
    #[serde(default)]
    ran_open: String,
}

impl RanCounts {
    /// The notice in the page's language, when every count is a number.
    fn notice(&self, tr: &crate::i18n::Tr) -> Option<String> {
        let n = |v: &str| v.parse::<u64>().ok();
        let (items, created, updated, withdrawn, open) = (
            n(&self.ran_items)?,
            n(&self.ran_created)?,
            n(&self.ran_updated)?,
            n(&self.ran_withdrawn)?,
            n(&self.ran_open)?,
        );
        Some(
            tr.t("planning.ran_counts")
                .replace("{items}", &items.to_string())
                .replace("{created}", &created.to_string())
                .replace("{updated}", &updated.to_string())
                .replace("{withdrawn}", &withdrawn.to_string())
                .replace("{open}", &open.to_string()),
        )
    }
}

/// Rows a page of proposals shows unless the address asks for another number.
const PAGE_SIZE: usize = api::PROPOSAL_PAGE;
/// The most rows one page shows.
const MAX_PAGE_SIZE: usize = api::PROPOSAL_PAGE_MAX;
/// The largest offset the list accepts.
const MAX_OFFSET: usize = 100_000_000;

/// The list's filters, read and checked.
struct Filters {
    warehouse: Option<WarehouseId>,
    status: Option<String>,
    kind: Option<ProposalKind>,
    part: Option<PartId>,
    source_can_fill: Option<bool>,
    sort: ProposalSort,
    offset: usize,
    limit: usize,
}

impl Filters {
    /// Every filter of `q` checked; a bad one is named (field and reason, as the API names
    /// it); a failure to look something up is an `Err` of its own.
    async fn read(
        state: &AppState,
        actor: &aftercare_app::Actor,
        q: &ListQuery,
        warehouses: &[(i64, String)],
    ) -> Result<Result<Filters, Vec<ValidationError>>, AppError> {
        let mut bad = Vec::new();
        let warehouse = match q.warehouse.trim() {
            "" => None,
            w => match w.parse::<i64>() {
                Ok(id) if warehouses.iter().any(|(wid, _)| *wid == id) => Some(WarehouseId(id)),
                Ok(id) => {
                    bad.push(ValidationError::new(
                        "warehouse",
                        format!("no warehouse with id {id}"),
                    ));
                    None
                }
                Err(_) => {
                    bad.push(ValidationError::new(
                        "warehouse",
                        format!("'{w}' is not a whole number"),
                    ));
                    None
                }
            },
        };
        let status = match q.status.trim() {
            "" => None,
            st => api::proposal_status(st).map_err(|e| bad.push(e)).ok(),
        };
        let kind = match q.kind.trim() {
            "" => None,
            k => api::proposal_kind(k).map_err(|e| bad.push(e)).ok(),
        };
        let source_can_fill = match q.source.trim() {
            "" => None,
            src => api::source_filter(src).map_err(|e| bad.push(e)).ok(),
        };
        let sort = match q.sort.trim() {
            "" => ProposalSort::default(),
            o => api::proposal_sort(o)
                .map_err(|e| bad.push(e))
                .unwrap_or_default(),
        };
        let mut count =
            |field: &str, text: &str, default: usize, min: usize, max: usize| -> usize {
                let t = text.trim();
                if t.is_empty() {
                    return default;
                }
                match t.parse::<usize>() {
                    Ok(n) if n <= max && n >= min => n,
                    Ok(_) if min > 0 => {
                        bad.push(ValidationError::new(
                            field,
                            format!("must be between {min} and {max}, got {t}"),
                        ));
                        default
                    }
                    Ok(_) => {
                        bad.push(ValidationError::new(
                            field,
                            format!("must be at most {max}, got {t}"),
                        ));
                        default
                    }
                    // Negative or beyond any count: the same range as above, not "not a
                    // number".
                    Err(_) if t.parse::<i128>().is_ok() => {
                        bad.push(ValidationError::new(
                            field,
                            format!("must be between {min} and {max}, got {t}"),
                        ));
                        default
                    }
                    Err(_) => {
                        bad.push(ValidationError::new(
                            field,
                            format!("'{t}' is not a whole number"),
                        ));
                        default
                    }
                }
            };
        let offset = count("offset", &q.offset, 0, 0, MAX_OFFSET);
        // As the API: 1 to 5,000 rows.
        let limit = count("limit", &q.limit, PAGE_SIZE, 1, MAX_PAGE_SIZE);
        // As the stock pages filter: by part number.
        let part = match q.part.trim() {
            "" => None,
            n => match state.app.get_part_by_number(actor, n).await {
                Ok(p) => Some(PartId(p.id)),
                Err(AppError::NotFound { .. }) => {
                    bad.push(ValidationError::new(
                        "part",
                        format!("no part numbered '{n}'"),
                    ));
                    None
                }
                Err(e) => return Err(e),
            },
        };
        if !bad.is_empty() {
            return Ok(Err(bad));
        }
        Ok(Ok(Filters {
            warehouse,
            status,
            kind,
            part,
            source_can_fill,
            sort,
            offset,
            limit,
        }))
    }
}

/// A proposal row with translated labels.
pub struct Row {
    p: ProposalRow,
    kind_key: &'static str,
    status_key: &'static str,
    value: String,
    need_by: String,
    /// The document its approval created, in words ("采购订单 #12").
    document: Option<String>,
    /// Why it was proposed, in the page's language.
    reason: String,
    /// An open proposal's source warehouse (code) and what it can ship of the part now.
    source: Option<(String, SourceStock)>,
    /// Where a return goes (code).
    destination: Option<String>,
    /// The pair's latest rejection before this open proposal: date and reason.
    rejected_before: Option<(String, String)>,
    /// Why the ledger refused the last approval of an open proposal, warehouses and the
    /// part named by their codes.
    approval_error: Option<String>,
}

impl Row {
    fn new(tr: &crate::i18n::Tr, tz: &str, p: ProposalRow) -> Row {
        let document = p.document_kind.as_deref().map(|k| {
            let label = match k {
                "purchase_order" => tr.t("planning.document.purchase_order"),
                "transfer" => tr.t("planning.document.transfer"),
                other => other,
            };
            match p.document_id {
                Some(id) => format!("{label} #{id}"),
                None => label.to_string(),
            }
        });
        Row {
            reason: plan_text(tr.lang, &p.reason),
            kind_key: kind_key(p.kind),
            status_key: status_key(&p.status),
            value: money(p.value),
            need_by: format_date(p.need_by.0, tz),
            document,
            source: None,
            destination: None,
            rejected_before: p.last_rejected_at.map(|at| {
                (
                    format_date(at.0, tz),
                    p.last_rejection_note.clone().unwrap_or_default(),
                )
            }),
            approval_error: None,
            p,
        }
    }

    /// The row with its source's stock, when `sources` has it.
    fn with_source(
        mut self,
        tr: &crate::i18n::Tr,
        sources: &HashMap<i64, SourceStock>,
        warehouses: &[(i64, String)],
    ) -> Row {
        self.source = sources.get(&self.p.id).map(|s| {
            let code = warehouses
                .iter()
                .find(|(id, _)| *id == s.warehouse.0)
                .map_or_else(|| s.warehouse.0.to_string(), |(_, c)| c.clone());
            (code, *s)
        });
        self.destination = self.p.destination.map(|d| {
            warehouses
                .iter()
                .find(|(id, _)| *id == d.0)
                .map_or_else(|| d.0.to_string(), |(_, c)| c.clone())
        });
        self.approval_error = self
            .p
            .approval_error
            .as_deref()
            .filter(|_| self.p.status == "open")
            .map(|e| super::particulars_in(*tr, &stored_refusal_text(e, &self.p, warehouses)));
        self
    }
}

/// A refusal kept on a proposal ("warehouse 3, good stock holds only 0 of part 97") with
/// its warehouses and part named by their codes, as a refusal on the spot is named
/// ([`with_codes`]).
fn stored_refusal_text(text: &str, p: &ProposalRow, warehouses: &[(i64, String)]) -> String {
    let mut out = text.to_string();
    for w in [p.source, p.destination, Some(p.warehouse)]
        .into_iter()
        .flatten()
    {
        if let Some((_, code)) = warehouses.iter().find(|(id, _)| *id == w.0) {
            out = out.replacen(
                &format!("warehouse {},", w.0),
                &format!("warehouse {code},"),
                1,
            );
        }
    }
    let part = format!("of part {}", p.part.0);
    if let Some(at) = out.find(&part)
        && !out[at + part.len()..].starts_with(|c: char| c.is_ascii_digit())
    {
        out.replace_range(at..at + part.len(), &format!("of part {}", p.part_number));
    }
    out
}

#[derive(Template)]
#[template(path = "planning.html")]
struct ListTemplate {
    page: Page,
    /// The user may run planning and decide proposals (planners): the run form, the decide
    /// buttons and the lifecycle link are shown; otherwise the page is read-only.
    decides: bool,
    /// This list's first page, filters kept: where approving ticked rows leads back to.
    back: String,
    /// Some row is open: the rows can be ticked and approved together.
    has_open: bool,
    rows: Vec<Row>,
    /// The warehouses the filter offers: the user's own for a station user.
    warehouses: Vec<(i64, String)>,
    q: ListQuery,
    /// "Showing 1–500 of 4,716", when there are rows.
    showing: Option<String>,
    /// Links to the previous and next pages, filters kept.
    prev_href: Option<String>,
    next_href: Option<String>,
    statuses: Vec<(&'static str, &'static str)>,
    kinds: Vec<(&'static str, &'static str)>,
    /// The source filter's choices: (code, label key).
    sources: Vec<(&'static str, &'static str)>,
    /// Each list order's code and words.
    sorts: Vec<(&'static str, &'static str)>,
    /// What the run form shows (see [`RunForm::as_latest`]).
    run: RunForm,
    /// The latest run, before the first none.
    latest: Option<LatestRun>,
}

/// The latest run, for the planning page: who ran it when with which options, and each
/// warehouse's calibration under a warehouse allocation.
struct LatestRun {
    summary: String,
    fills: Vec<FillRow>,
}

/// One warehouse's calibration, formatted.
struct FillRow {
    code: String,
    parts: usize,
    replayed: String,
    expected: String,
    worth: String,
    reached_key: &'static str,
}

impl LatestRun {
    fn new(tr: &crate::i18n::Tr, tz: &str, r: &RunSettings) -> Self {
        let summary = format!(
            "{}{}{}",
            tr.t("planning.latest_run_line")
                .replace("{run}", &r.run_id.to_string())
                .replace("{date}", &format_date(r.started_at.0, tz))
                .replace("{login}", &r.actor_login),
            tr.t("planning.settings_sep"),
            options_text(tr, &r.options)
        );
        let pct = |f: f64| format!("{:.1} %", f * 100.0);
        LatestRun {
            summary,
            fills: r
                .warehouse_fills
                .iter()
                .map(|w| FillRow {
                    code: w.warehouse_code.clone(),
                    parts: w.fill.parts,
                    replayed: w.fill.replayed_fill.map_or_else(|| "—".to_string(), pct),
                    expected: pct(w.fill.expected_fill),
                    worth: w.fill.worth_money().to_string(),
                    reached_key: if w.fill.reached {
                        "planning.reached_yes"
                    } else {
                        "planning.reached_no"
                    },
                })
                .collect(),
        }
    }
}

const STATUSES: [&str; 4] = api::PROPOSAL_STATUSES;
const KINDS: [&str; 5] = [
    "purchase",
    "transfer",
    "last_time_buy",
    "emergency",
    "return",
];

fn sort_key(s: ProposalSort) -> &'static str {
    match s {
        ProposalSort::Newest => "planning.sort.newest",
        ProposalSort::NeedBy => "planning.sort.need_by",
        ProposalSort::Value => "planning.sort.value",
        ProposalSort::Warehouse => "planning.sort.warehouse",
        ProposalSort::Part => "planning.sort.part",
    }
}

fn status_key(s: &str) -> &'static str {
    match s {
        "open" => "planning.status.open",
        "approved" => "planning.status.approved",
        "rejected" => "planning.status.rejected",
        _ => "planning.status.withdrawn",
    }
}

fn kind_key(k: ProposalKind) -> &'static str {
    match k {
        ProposalKind::Purchase => "planning.kind.purchase",
        ProposalKind::Transfer => "planning.kind.transfer",
        ProposalKind::LastTimeBuy => "planning.kind.last_time_buy",
        ProposalKind::Emergency => "planning.kind.emergency",
        ProposalKind::Return => "planning.kind.return",
    }
}

fn money(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let m = minor.unsigned_abs();
    format!("{sign}{}.{:02}", m / 100, m % 100)
}

/// Billionths of the currency unit to four decimals (a holding cost per unit per week is
/// often a fraction of a cent), rounded half up.
fn nanos_text(nanos: i64) -> String {
    let sign = if nanos < 0 { "-" } else { "" };
    let t = (nanos.unsigned_abs() + 50_000) / 100_000;
    format!("{sign}{}.{:04}", t / 10_000, t % 10_000)
}

/// `GET /planning`.
pub async fn list(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    PageQuery(q): PageQuery<ListQuery>,
) -> Response {
    list_page(&state, &user, q, None, None, None).await
}

/// What a batch approval that left some proposals open says on the list: the notice and
/// a line per proposal left.
struct BatchNotice {
    /// What was approved; none when nothing was.
    notice: Option<String>,
    refused: Vec<String>,
}

async fn list_page(
    state: &AppState,
    user: &CurrentUser,
    q: ListQuery,
    error: Option<&AppError>,
    typed: Option<&RunForm>,
    batch: Option<BatchNotice>,
) -> Response {
    let actor = user.actor();
    let form_refused = error.is_some() || batch.as_ref().is_some_and(|b| !b.refused.is_empty());
    let warehouses: Vec<(i64, String)> = match state.app.list_warehouses(&actor).await {
        Ok(w) => w.into_iter().map(|w| (w.id, w.code)).collect(),
        Err(e) => return app_error_page(user, &e),
    };
    let filters = match Filters::read(state, &actor, &q, &warehouses).await {
        Ok(f) => f,
        Err(e) => return app_error_page(user, &e),
    };
    let (rows, total, filters) = match filters {
        Ok(f) => {
            let filter = ProposalFilter {
                warehouse: f.warehouse,
                warehouses_in: None,
                sources_in: None,
                status: f.status.clone(),
                kind: f.kind,
                part: f.part,
                source_can_fill: f.source_can_fill,
                sort: f.sort,
                limit: f.limit as i64,
                offset: f.offset as i64,
            };
            let total = match state.app.plan_proposal_count(&actor, &filter).await {
                Ok(n) => usize::try_from(n).unwrap_or(0),
                Err(e) => return app_error_page(user, &e),
            };
            // What the open proposals of the filter would commit (every page): only for
            // open ones, where it is money still to be decided (approved, rejected and
            // withdrawn ones together would add up to nothing a planner acts on).
            let worth = if total == 0 || f.status.as_deref() != Some("open") {
                None
            } else {
                match state.app.plan_proposal_value(&actor, &filter).await {
                    Ok(v) => Some(v),
                    Err(e) => return app_error_page(user, &e),
                }
            };
            let rows = match state.app.plan_proposals(&actor, filter).await {
                Ok(r) => r,
                Err(e) => return app_error_page(user, &e),
            };
            (rows, (total, worth), Ok(f))
        }
        Err(bad) => (Vec::new(), (0, None), Err(bad)),
    };
    let (total, worth) = total;
    let latest = match state.app.latest_run_settings(&actor).await {
        Ok(r) => r,
        Err(e) => return app_error_page(user, &e),
    };
    let mut page = Page::for_user(user, "planning.title", "/planning");
    let bad_query = filters.is_err();
    // A form's own refusal first, then any bad filter of the list it came back to.
    if let Some(e) = error {
        page = page.with_error(e);
    }
    if let Err(bad) = &filters {
        let lines = super::error_lines(page.tr, &AppError::Invalid(bad.clone()));
        page.errors.extend(lines);
    }
    page.notice = q
        .ran
        .notice(&page.tr)
        .or_else(|| q.approved.notice(&page.tr));
    if let Some(b) = batch {
        page.notice = b.notice;
        page.errors.extend(b.refused);
    }
    let (showing, prev_href, next_href) = match &filters {
        Ok(f) if !rows.is_empty() => {
            let from = f.offset + 1;
            let to = f.offset + rows.len();
            let showing = page
                .tr
                .t("planning.showing")
                .replace("{from}", &from.to_string())
                .replace("{to}", &to.to_string())
                .replace("{total}", &total.to_string());
            let showing = match worth {
                Some(v) => format!(
                    "{showing}{}",
                    page.tr
                        .t("planning.showing_worth")
                        .replace("{value}", &money(v))
                ),
                None => showing,
            };
            let href = |offset: usize| list_href(&q, offset, f.limit);
            let prev = (f.offset > 0).then(|| href(f.offset.saturating_sub(f.limit)));
            let next = (to < total).then(|| href(to));
            (Some(showing), prev, next)
        }
        // Past the last page (an edited address, or rows gone since): say so, and lead
        // back to the last page.
        Ok(f) if f.offset > 0 && total > 0 => {
            let last = (total - 1) / f.limit * f.limit;
            let showing = page
                .tr
                .t("planning.past_end")
                .replace("{total}", &total.to_string());
            (Some(showing), Some(list_href(&q, last, f.limit)), None)
        }
        _ => (None, None, None),
    };
    // What each transfer's source can ship now, for all rows in one query.
    let sources = match state.app.proposal_sources(&actor, &rows).await {
        Ok(s) => s,
        Err(e) => return app_error_page(user, &e),
    };
    let tz = match state.app.company_settings().await {
        Ok(s) => s.time_zone,
        Err(e) => return app_error_page(user, &e),
    };
    let tr = page.tr;
    let latest_view = latest.as_ref().map(|r| LatestRun::new(&tr, &tz, r));
    let rows: Vec<Row> = rows
        .into_iter()
        .map(|p| Row::new(&tr, &tz, p).with_source(&tr, &sources, &warehouses))
        .collect();
    let back = match &filters {
        // The first page: approved rows leave an open list, so the page the planner was
        // on may be past its end.
        Ok(f) => list_href(&q, 0, f.limit),
        Err(_) => "/planning?status=open".to_string(),
    };
    let has_open = rows.iter().any(|r| r.p.status == "open");
    let mut resp = render(&ListTemplate {
        page,
        decides: may_decide(&actor),
        back,
        has_open,
        rows,
        warehouses,
        q,
        showing,
        prev_href,
        next_href,
        statuses: STATUSES.iter().map(|s| (*s, status_key(s))).collect(),
        kinds: KINDS
            .iter()
            .filter_map(|k| ProposalKind::from_code(k).map(|pk| (*k, kind_key(pk))))
            .collect(),
        sources: vec![
            ("can_fill", "planning.source_can_fill"),
            ("short", "planning.source_short"),
        ],
        sorts: ProposalSort::ALL
            .iter()
            .map(|s| (s.code(), sort_key(*s)))
            .collect(),
        // A refused form shows what the planner typed.
        run: typed.map_or_else(|| RunForm::as_latest(latest.as_ref()), RunForm::clone),
        latest: latest_view,
    });
    // A form's own refusal gives the status (its caller sets 409 or 422); a bad filter of
    // the list it came back to is named but does not hide it.
    if bad_query && !form_refused {
        *resp.status_mut() = axum::http::StatusCode::BAD_REQUEST;
    }
    resp
}

/// The list's address with its filters (as typed, already checked) and another page.
fn list_href(q: &ListQuery, offset: usize, limit: usize) -> String {
    let mut pairs: Vec<(&str, String)> = [
        ("warehouse", &q.warehouse),
        ("status", &q.status),
        ("kind", &q.kind),
        ("part", &q.part),
        ("source", &q.source),
        ("sort", &q.sort),
    ]
    .into_iter()
    .filter(|(_, v)| !v.trim().is_empty())
    .map(|(k, v)| (k, v.trim().to_string()))
    .collect();
    if limit != PAGE_SIZE {
        pairs.push(("limit", limit.to_string()));
    }
    pairs.push(("offset", offset.to_string()));
    format!(
        "/planning?{}",
        serde_urlencoded::to_string(&pairs).unwrap_or_default()
    )
}

/// The run form. Every field may be blank or left out, as in the API's body: the run's
/// default then.
#[derive(Debug, Clone, Deserialize)]
pub struct RunForm {
    /// `week` or `month`; blank: week.
    #[serde(default)]
    bucket: String,
    /// Blank: the default.
    #[serde(default)]
    target_fill: String,
    /// Periods of history; blank: the bucket's default.
    #[serde(default)]
    periods: String,
    /// Days a transfer takes; blank: the default.
    #[serde(default)]
    transfer_days: String,
    /// Amounts in currency units ("200.00"); blank: the default.
    #[serde(default)]
    purchase_order_cost: String,
    #[serde(default)]
    transfer_cost: String,
    /// Percent per year; blank: the default.
    #[serde(default)]
    holding_rate_pct: String,
    /// `item`, `warehouse` or `warehouse_history`; blank: the default.
    #[serde(default)]
    allocation: String,
}

impl RunForm {
    /// What the form shows before a planner changes it: the latest run's options (the
    /// defaults before the first run), so that running again plans the same way. Periods
    /// are left blank when they are the bucket's default (104 weeks, 24 months), so that
    /// choosing the other bucket plans with its default rather than with the same number.
    fn as_latest(latest: Option<&RunSettings>) -> Self {
        let o = latest.map_or_else(PlanOptions::default, |r| r.options);
        RunForm {
            bucket: o.bucket.code().to_string(),
            periods: if o.periods == PlanOptions::default_periods(o.bucket) {
                String::new()
            } else {
                o.periods.to_string()
            },
            transfer_days: o.transfer_days.to_string(),
            target_fill: format!("{}", o.target_fill_permille() as f64 / 1000.0),
            purchase_order_cost: money(o.purchase_order_cost),
            transfer_cost: money(o.transfer_cost),
            holding_rate_pct: o.holding_rate_pct.to_string(),
            allocation: o.allocation.code().to_string(),
        }
    }

    /// The run options. Every field is read before any refusal, so that a planner sees
    /// every wrong field at once: what cannot be read, and the run's own range checks of
    /// the fields that could.
    fn options(&self) -> Result<PlanOptions, AppError> {
        let defaults = PlanOptions::default();
        let mut errors = Vec::new();
        let bucket = match self.bucket.trim() {
            "" => defaults.bucket,
            b => Bucket::parse(b).unwrap_or_else(|| {
                errors.push(ValidationError::new(
                    "bucket",
                    format!("must be week or month, got {b:?}"),
                ));
                defaults.bucket
            }),
        };
        let target_fill = match self.target_fill.trim() {
            "" => defaults.target_fill,
            t => match fill_fraction(t) {
                // A percentage typed without its sign: say how to write it.
                Some(f) if !t.ends_with('%') && f > 1.0 && f < 100.0 => {
                    errors.push(ValidationError::new(
                        "target_fill",
                        format!(
                            "must be between 0.5 and 0.999 (a fraction), got {t}; write {} or {t}%",
                            f / 100.0
                        ),
                    ));
                    defaults.target_fill
                }
                Some(f) => f,
                None => {
                    errors.push(ValidationError::new(
                        "target_fill",
                        format!("{t:?} is not a number"),
                    ));
                    defaults.target_fill
                }
            },
        };
        let mut amount = |field: &str, text: &str, default: i64| -> i64 {
            if text.trim().is_empty() {
                return default;
            }
            Money::parse(text).map(Money::minor).unwrap_or_else(|e| {
                errors.push(ValidationError::new(field, e.to_string()));
                default
            })
        };
        let purchase_order_cost = amount(
            "purchase_order_cost",
            &self.purchase_order_cost,
            defaults.purchase_order_cost,
        );
        let transfer_cost = amount("transfer_cost", &self.transfer_cost, defaults.transfer_cost);
        let allocation = match self.allocation.trim() {
            "" => defaults.allocation,
            a => Allocation::from_field(a).unwrap_or_else(|e| {
                errors.extend(invalid_fields(e));
                defaults.allocation
            }),
        };
        let mut whole = |field: &str, text: &str| -> Option<i64> {
            let t = text.trim();
            if t.is_empty() {
                return None;
            }
            t.parse::<i64>().map(Some).unwrap_or_else(|_| {
                errors.push(ValidationError::new(
                    field,
                    format!("'{t}' is not a whole number"),
                ));
                None
            })
        };
        let holding_rate_pct =
            whole("holding_rate_pct", &self.holding_rate_pct).unwrap_or(defaults.holding_rate_pct);
        let transfer_days =
            whole("transfer_days", &self.transfer_days).unwrap_or(defaults.transfer_days);
        let periods = match whole("periods", &self.periods) {
            None => PlanOptions::default_periods(bucket),
            // Out of range: the run names the field (4 to 520); a negative number is named
            // as typed, in the run's words.
            Some(p) => usize::try_from(p).unwrap_or_else(|_| {
                errors.push(ValidationError::new(
                    "periods",
                    format!("must be between 4 and 520, got {p}"),
                ));
                PlanOptions::default_periods(bucket)
            }),
        };
        let options = PlanOptions {
            bucket,
            periods,
            transfer_days,
            target_fill,
            purchase_order_cost,
            transfer_cost,
            holding_rate_pct,
            allocation,
        };
        // The run's range checks of the fields that were read (a field refused above was
        // replaced by its default and is not named twice).
        if let Err(e) = options.validate() {
            for range in invalid_fields(e) {
                if !errors
                    .iter()
                    .any(|e: &ValidationError| e.field == range.field)
                {
                    errors.push(range);
                }
            }
        }
        if errors.is_empty() {
            Ok(options)
        } else {
            Err(AppError::Invalid(errors))
        }
    }
}

/// A target fill rate as typed: a fraction ("0.95") or a percentage ("95%", "95 %"),
/// as the run's summary shows it. A bare 95 is left for the range check to refuse: it
/// is not clear whether it meant 95 % or a typo.
fn fill_fraction(text: &str) -> Option<f64> {
    // A Chinese input method types the full-width sign.
    match text.strip_suffix('%').or_else(|| text.strip_suffix('％')) {
        // 99.9 / 100 is a hair above 0.999 in floating point: rounded to the billionth.
        Some(pct) => pct
            .trim()
            .parse::<f64>()
            .ok()
            .map(|p| (p / 100.0 * 1e9).round() / 1e9),
        None => text.parse::<f64>().ok(),
    }
}

/// The fields an invalid-input refusal names (none for any other error).
fn invalid_fields(e: AppError) -> Vec<ValidationError> {
    match e {
        AppError::Invalid(v) => v,
        _ => Vec::new(),
    }
}

/// `POST /planning/run`.
pub async fn run(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    PageForm(f): PageForm<RunForm>,
) -> Response {
    let result = match f.options() {
        Ok(opts) => state.app.plan_run(&user.actor(), opts).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(r) => Redirect::to(&format!(
            "/planning?status=open&ran_items={}&ran_created={}&ran_updated={}&ran_withdrawn={}&ran_open={}",
            r.items, r.created, r.updated, r.withdrawn, r.open
        ))
        .into_response(),
        Err(e @ AppError::Invalid(_)) => refused(
            list_page(&state, &user, ListQuery::default(), Some(&e), Some(&f), None).await,
            &e,
        ),
        Err(e) => app_error_page(&user, &e),
    }
}

/// The reject form (a reason left out is refused like a blank one, on the page).
#[derive(Debug, Deserialize)]
pub struct RejectForm {
    #[serde(default)]
    reason: String,
    /// The list the planner was on.
    #[serde(default)]
    back: Option<String>,
}

/// The list a decision form came from (`back`, the page's own address): only its filters
/// are read, counts carried in it are ignored, and its address is written anew from them
/// (first page), so nothing else a form sends can end up in the redirect. The open
/// proposals when there is none.
fn back_query(back: Option<&str>) -> (ListQuery, String) {
    let mut query: ListQuery = back
        .and_then(|b| b.split_once('?'))
        .and_then(|(_, q)| serde_urlencoded::from_str(q).ok())
        .unwrap_or_else(|| ListQuery {
            status: "open".into(),
            ..Default::default()
        });
    // What a decision did is said by its own answer, never by counts carried in `back`.
    query.approved = ApprovedCounts::default();
    query.ran = RanCounts::default();
    let limit = query
        .limit
        .trim()
        .parse::<usize>()
        .ok()
        .filter(|l| (1..=MAX_PAGE_SIZE).contains(l))
        .unwrap_or(PAGE_SIZE);
    let href = list_href(&query, 0, limit);
    (query, href)
}

/// `POST /planning/proposals/{id}/reject`.
pub async fn reject(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<RejectForm>,
) -> Response {
    let (query, back) = back_query(f.back.as_deref());
    match state
        .app
        .reject_proposal(&user.actor(), id, &f.reason)
        .await
    {
        Ok(_) => Redirect::to(&back).into_response(),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. })) => {
            refused_on_list(&state, &user, query, &e).await
        }
        Err(e) => app_error_page(&user, &e),
    }
}

/// The list the planner was on with a refused decision on top, under the refusal's status.
async fn refused_on_list(
    state: &AppState,
    user: &CurrentUser,
    query: ListQuery,
    e: &AppError,
) -> Response {
    refused(list_page(state, user, query, Some(e), None, None).await, e)
}

/// A body that is not a form (JSON, say) is refused as every other page form refuses it
/// (415), not read as an empty form and acted on.
fn not_a_form(headers: &axum::http::HeaderMap, body: &[u8]) -> Option<Response> {
    let content_type = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    (!body.is_empty() && !content_type.starts_with("application/x-www-form-urlencoded")).then(
        || {
            (
                axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Form requests must have `Content-Type: application/x-www-form-urlencoded`",
            )
                .into_response()
        },
    )
}

/// `POST /planning/proposals/{id}/approve` (with `back`, the list the planner was on).
pub async fn approve(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    PagePath(id): PagePath<i64>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    if let Some(refusal) = not_a_form(&headers, &body) {
        return refusal;
    }
    // A form without a body (a script posting the token in a header) goes back to the
    // open proposals.
    let back = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body)
        .unwrap_or_default()
        .into_iter()
        .find_map(|(k, v)| (k == "back").then_some(v));
    let (query, back) = back_query(back.as_deref());
    let actor = user.actor();
    match state.app.approve_proposal(&actor, id).await {
        Ok(_) => Redirect::to(&back).into_response(),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. } | AppError::Refused { .. })) => {
            let e = with_codes(&state, &actor, e).await;
            refused_on_list(&state, &user, query, &e).await
        }
        Err(e) => app_error_page(&user, &e),
    }
}

/// `POST /planning/proposals/approve`: the ticked rows (`id`, once per row) approved
/// together; back to the list the planner was on (`back`) with what was done, or that
/// list with a line for each proposal left open.
pub async fn approve_selected(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    if let Some(refusal) = not_a_form(&headers, &body) {
        return refusal;
    }
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let mut ids = Vec::new();
    let mut back = None;
    let mut bad = Vec::new();
    for (k, v) in pairs {
        match k.as_str() {
            "id" => match v.trim().parse::<i64>() {
                Ok(id) => ids.push(id),
                Err(_) => bad.push(ValidationError::new(
                    "ids",
                    format!("'{v}' is not a proposal id"),
                )),
            },
            "back" => back = Some(v),
            _ => {}
        }
    }
    let (query, back) = back_query(back.as_deref());
    let actor = user.actor();
    let result = if bad.is_empty() {
        state.app.approve_proposals(&actor, &ids).await
    } else {
        Err(AppError::Invalid(bad))
    };
    match result {
        Ok(b) if b.refused.is_empty() => Redirect::to(&format!(
            "{back}&approved={}&documents={}",
            b.approved(),
            b.documents.len()
        ))
        .into_response(),
        Ok(b) => {
            let tr = crate::i18n::Tr::new(user.lang);
            let none_approved = b.documents.is_empty();
            let notice =
                (!none_approved).then(|| approved_text(&tr, b.approved(), b.documents.len()));
            let mut refused = vec![
                tr.t("planning.batch_refused")
                    .replace("{n}", &b.refused.len().to_string()),
            ];
            for r in b.refused {
                let e = with_codes(&state, &actor, r.error).await;
                refused.push(format!(
                    "{} @ {}: {}",
                    r.proposal.part_number,
                    r.proposal.warehouse_code,
                    super::error_lines(tr, &e).join(" ")
                ));
            }
            let notice = BatchNotice { notice, refused };
            let resp = list_page(&state, &user, query, None, None, Some(notice)).await;
            if none_approved {
                refused_status(resp)
            } else {
                resp
            }
        }
        Err(e @ (AppError::Invalid(_) | AppError::NotFound { .. })) => {
            // A ticked proposal that does not exist (or is not the planner's to see) is
            // named on the form, not shown as a missing page.
            let shown = match &e {
                AppError::NotFound { what } if what.starts_with("proposal ") => {
                    AppError::invalid("ids", format!("{what} not found"))
                }
                other => other.clone(),
            };
            refused(
                list_page(&state, &user, query, Some(&shown), None, None).await,
                &e,
            )
        }
        Err(e) => app_error_page(&user, &e),
    }
}

/// A page whose every proposal was refused answers 409, as one refused approval does.
fn refused_status(mut resp: Response) -> Response {
    if resp.status().is_success() {
        *resp.status_mut() = axum::http::StatusCode::CONFLICT;
    }
    resp
}

/// A ledger refusal names warehouses and parts by their ids ("warehouse 1, good stock
/// holds only 2 of part 97", "part 19: receiving 5 but only 1 in transit"); the page names
/// them by the codes people use ("warehouse WH-C", "part PN-00097"). An id that cannot be
/// looked up (another station's warehouse, a missing part) stays as it is.
pub(crate) async fn with_codes(
    state: &AppState,
    actor: &aftercare_app::Actor,
    e: AppError,
) -> AppError {
    let (code, message, details) = match e {
        AppError::Refused {
            code,
            message,
            details,
        } => (code, message, details),
        other => return other,
    };
    let warehouses = state.app.list_warehouses(actor).await.unwrap_or_default();
    let mut text = message;
    for w in ids_after(&text, "warehouse ") {
        if let Some(wh) = warehouses.iter().find(|x| x.id == w) {
            text = replace_id(&text, "warehouse ", w, &wh.code);
        }
    }
    for p in ids_after(&text, "part ") {
        if let Ok(part) = state.app.get_part(actor, PartId(p)).await {
            text = replace_id(&text, "part ", p, &part.part_number);
        }
    }
    AppError::Refused {
        code,
        message: text,
        details,
    }
}

/// The numbers written right after `word` in `text` ("warehouse 12," → 12), each once.
fn ids_after(text: &str, word: &str) -> Vec<i64> {
    let mut ids = Vec::new();
    for (at, _) in text.match_indices(word) {
        let digits: String = text[at + word.len()..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        if let Ok(id) = digits.parse::<i64>()
            && !ids.contains(&id)
        {
            ids.push(id);
        }
    }
    ids
}

/// `text` with every `word` + `id` (as a whole number) written `word` + `code`.
fn replace_id(text: &str, word: &str, id: i64, code: &str) -> String {
    let needle = format!("{word}{id}");
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(&needle) {
        let after = &rest[at + needle.len()..];
        out.push_str(&rest[..at]);
        if after.starts_with(|c: char| c.is_ascii_digit()) {
            // Another number that starts with the same digits (part 19 in part 197).
            out.push_str(&needle);
        } else {
            out.push_str(word);
            out.push_str(code);
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

#[derive(Template)]
#[template(path = "plan_item.html")]
struct ItemTemplate {
    page: Page,
    v: PartPlanView,
    /// The demand class, why the method, and the position now, in the page's language.
    class: String,
    why: String,
    netting: String,
    /// The EOQ and the lot, in words.
    eoq: String,
    /// The order cost and what it is the cost of.
    order_cost: String,
    /// The holding cost per unit per period and where it comes from.
    holding_cost: String,
    /// Which run's settings the page shows, and the settings.
    settings: String,
    /// The warehouse's fill target met as a whole, in words, when it set the levels.
    warehouse_fill: Option<String>,
    /// The part's end of production and of service, when either is set.
    lifecycle_dates: Option<String>,
    /// The demand events the plan counts, in the page's language.
    events: Vec<String>,
    /// The last-time buy a run proposes here: units and why, in the page's language.
    last_time_buy: Option<String>,
    chart: String,
    errors: Vec<(String, String, bool)>,
    proposals: Vec<Row>,
}

/// Query of the part plan page.
#[derive(Debug, Default, Deserialize)]
pub struct ItemQuery {
    /// `week` or `month`; otherwise the latest run's.
    #[serde(default)]
    bucket: String,
}

/// The EOQ and the lot a run orders, in words: the lot (and when it is cut to a year of
/// demand), or why there is none.
fn eoq_text(tr: &crate::i18n::Tr, s: &aftercare_app::planning_store::ItemDetail) -> String {
    let eoq_units = s.eoq_milli as f64 / 1000.0;
    if s.lot > 0 {
        let capped = if s.lot_capped {
            format!(" ({})", tr.t("planning.lot_year_cap"))
        } else {
            String::new()
        };
        format!(
            "{eoq_units:.1} — {} {}{capped}",
            tr.t("planning.lot"),
            s.lot
        )
    } else if s.eoq_milli > 0 && s.lot_capped {
        // Cut to a year of demand, one unit or less: order-up-to.
        format!("{eoq_units:.1} — {}", tr.t("planning.eoq_year_one_unit"))
    } else if s.eoq_milli > 0 && eoq_units < std::f64::consts::SQRT_2 {
        // Below √2 one unit costs less than two: a lot of one unit, order-up-to.
        format!("{eoq_units:.1} — {}", tr.t("planning.eoq_one_unit"))
    } else if s.eoq_milli > 0 {
        format!(
            "{:.1} — {}",
            s.eoq_milli as f64 / 1000.0,
            tr.t("planning.eoq_below_demand")
        )
    } else {
        tr.t("planning.no_eoq").to_string()
    }
}

/// Thousandths as a percentage: 900 → "90", 955 → "95.5".
fn permille_pct(permille: i64) -> String {
    if permille % 10 == 0 {
        format!("{}", permille / 10)
    } else {
        format!("{}.{}", permille / 10, (permille % 10).abs())
    }
}

/// Which settings the part's page shows: the latest run's (named, with its date), or the
/// defaults before the first run; then every option the plan used.
fn settings_text(tr: &crate::i18n::Tr, tz: &str, v: &PartPlanView) -> String {
    let o = &v.options;
    let prefix = match &v.run {
        Some(r) => tr
            .t(if r.options == *o {
                "planning.settings_run"
            } else {
                "planning.settings_run_bucket"
            })
            .replace("{run}", &r.run_id.to_string())
            .replace("{date}", &format_date(r.started_at.0, tz)),
        None => tr.t("planning.settings_default").to_string(),
    };
    format!(
        "{prefix}{}{}",
        tr.t("planning.settings_sep"),
        options_text(tr, o)
    )
}

/// Every option a plan used, in words.
fn options_text(tr: &crate::i18n::Tr, o: &PlanOptions) -> String {
    let bucket = tr.t(if o.bucket == Bucket::Month {
        "planning.month"
    } else {
        "planning.week"
    });
    tr.t("planning.settings_list")
        .replace("{fill}", &permille_pct(o.target_fill_permille()))
        .replace("{days}", &o.transfer_days.to_string())
        .replace("{po}", &money(o.purchase_order_cost))
        .replace("{tc}", &money(o.transfer_cost))
        .replace("{rate}", &o.holding_rate_pct.to_string())
        .replace("{periods}", &o.periods.to_string())
        .replace("{bucket}", &bucket.to_lowercase())
        .replace(
            "{allocation}",
            tr.t(match o.allocation {
                Allocation::Item => "planning.allocation_item",
                Allocation::Warehouse => "planning.allocation_warehouse_short",
                Allocation::WarehouseHistory => "planning.allocation_warehouse_history_short",
            }),
        )
}

/// `GET /planning/items/{warehouse}/{part}`.
pub async fn item(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    PagePath((w, p)): PagePath<(i64, i64)>,
    PageQuery(q): PageQuery<ItemQuery>,
) -> Response {
    let bucket = match q.bucket.trim() {
        "" => None,
        b => match Bucket::parse(b) {
            Some(b) => Some(b),
            None => {
                return super::bad_input_page(
                    &user,
                    &AppError::invalid("bucket", format!("must be week or month, got {b:?}")),
                );
            }
        },
    };
    let overrides = PlanOverrides {
        bucket,
        ..Default::default()
    };
    let actor = user.actor();
    let v = match state
        .app
        .part_plan_as_run(&actor, WarehouseId(w), PartId(p), overrides)
        .await
    {
        Ok(v) => v,
        Err(e) => return app_error_page(&user, &e),
    };
    // What each open transfer's source can ship now, as the proposals page says it.
    let sources = match state.app.proposal_sources(&actor, &v.proposals).await {
        Ok(s) => s,
        Err(e) => return app_error_page(&user, &e),
    };
    let warehouses: Vec<(i64, String)> = match state.app.list_warehouses(&actor).await {
        Ok(w) => w.into_iter().map(|w| (w.id, w.code)).collect(),
        Err(e) => return app_error_page(&user, &e),
    };
    // Dates on the company's calendar, as the run counts its days.
    let tz = match state.app.company_settings().await {
        Ok(s) => s.time_zone,
        Err(e) => return app_error_page(&user, &e),
    };
    let today = format_date(state.app.now().0, &tz);
    let page = Page::for_user(&user, "planning.item_title", "/planning");
    let chart = chart_svg(
        &v,
        page.tr.t("planning.chart"),
        [
            page.tr.t("planning.chart_min"),
            page.tr.t("planning.chart_rop"),
            page.tr.t("planning.chart_max"),
        ],
        // The forecast starts today by week, at the start of this month by month.
        page.tr.t(if v.bucket == Bucket::Month {
            "planning.chart_this_month"
        } else {
            "planning.chart_today"
        }),
    );
    let best = v
        .errors
        .iter()
        .filter_map(|e| e.error)
        .fold(f64::INFINITY, f64::min);
    let errors = v
        .errors
        .iter()
        .map(|e| {
            (
                e.method.clone(),
                e.error.map_or_else(
                    || page.tr.t("planning.not_scored").to_string(),
                    |x| format!("{x:.3}"),
                ),
                e.error == Some(best),
            )
        })
        .collect();
    let proposals = v
        .proposals
        .iter()
        .cloned()
        .map(|p| Row::new(&page.tr, &tz, p).with_source(&page.tr, &sources, &warehouses))
        .collect();
    let s = v.sizing;
    let eoq = eoq_text(&page.tr, &s);
    let order_cost = format!(
        "{} ({})",
        money(s.order_cost),
        page.tr.t(kind_key(v.order_kind))
    );
    let holding_cost = format!(
        "{} — {} % × {} {}",
        nanos_text(s.holding_cost_nanos),
        v.holding_rate_pct,
        money(v.standard_cost),
        page.tr.t("planning.per_year")
    );
    let settings = settings_text(&page.tr, &tz, &v);
    let warehouse_fill = v.warehouse_fill.map(|f| {
        let replayed = f.replayed_fill.map_or(String::new(), |r| {
            page.tr
                .t("planning.warehouse_fill_replayed")
                .replace("{replayed}", &format!("{:.1}", r * 100.0))
                .replace("{periods}", &f.replayed_periods.to_string())
        });
        replayed
            + &page
                .tr
                .t("planning.warehouse_fill_text")
                .replace("{fill}", &format!("{:.1}", f.expected_fill * 100.0))
                .replace("{parts}", &f.parts.to_string())
                .replace(
                    "{bucket}",
                    // Inside a sentence ("a unit short for a week").
                    &page
                        .tr
                        .t(if v.bucket == Bucket::Month {
                            "planning.month"
                        } else {
                            "planning.week"
                        })
                        .to_lowercase(),
                )
                .replace("{worth}", &f.worth_money().to_string())
    });
    let lang = page.tr.lang;
    let dates: Vec<String> = [
        ("planning.end_of_production", &v.end_of_production_on),
        ("planning.end_of_service", &v.end_of_service_on),
    ]
    .into_iter()
    .filter_map(|(key, d)| {
        d.as_ref().map(|d| {
            let past = if *d <= today {
                page.tr.t("planning.date_past")
            } else {
                ""
            };
            format!("{}{past}", page.tr.t(key).replace("{date}", d))
        })
    })
    .collect();
    let lifecycle_dates = (!dates.is_empty()).then(|| dates.join(" · "));
    let last_time_buy = v.last_time_buy.as_ref().map(|l| {
        format!(
            "{} — {}",
            page.tr
                .t("planning.ltb_units")
                .replace("{n}", &l.quantity.to_string()),
            plan_text(lang, &l.reason)
        )
    });
    let events = v
        .lifecycle
        .events
        .iter()
        .map(|e| event_text(lang, e))
        .collect();
    render(&ItemTemplate {
        page,
        events,
        class: class_text(lang, &v.class),
        why: plan_text(lang, &v.why),
        netting: plan_text(lang, &v.reason),
        v,
        eoq,
        order_cost,
        holding_cost,
        settings,
        warehouse_fill,
        lifecycle_dates,
        last_time_buy,
        chart,
        errors,
        proposals,
    })
}

/// Width of the chart in its own units.
const CHART_W: f64 = 720.0;
/// Height of the chart in its own units.
const CHART_H: f64 = 240.0;
/// Margin around the plot, room for the date and level labels.
const CHART_PAD: f64 = 28.0;
/// The most date labels under the chart's axis.
const MAX_TICKS: usize = 8;
/// Width of one character of a date label (11px digits, a little generous).
const TICK_CHAR_WIDTH: f64 = 6.6;
/// Least space between two date labels.
const TICK_GAP: f64 = 8.0;

/// History bars (each titled with its period's start and quantity), the forecast, the
/// min / reorder point / max lines, the start dates of some periods under the axis and a
/// dashed line where today ends the history, as inline SVG (no script, prints and
/// exports as it is).
fn chart_svg(v: &PartPlanView, title: &str, labels: [&str; 3], today: &str) -> String {
    let (w, h, pad) = (CHART_W, CHART_H, CHART_PAD);
    let n = v.history.len() + v.forecast.len();
    let top = v
        .history
        .iter()
        .chain(&v.forecast)
        .copied()
        .chain([v.max, v.reorder_point, 1.0])
        .fold(0.0_f64, f64::max)
        * 1.1;
    let slot = (w - 2.0 * pad) / n.max(1) as f64;
    let x = |i: usize| pad + slot * i as f64;
    let y = |q: f64| h - pad - (h - 2.0 * pad) * q / top;
    let bw = (slot * 0.8).max(1.0);
    let mut s = format!(
        r#"<svg class="chart" viewBox="0 0 {w} {h}" role="img" aria-label="{title}" xmlns="http://www.w3.org/2000/svg"><title>{title}</title>"#
    );
    s.push_str(&format!(
        r#"<line x1="{pad}" y1="{b}" x2="{r}" y2="{b}" class="axis"/>"#,
        b = h - pad,
        r = w - pad
    ));
    for (i, q) in v.history.iter().enumerate() {
        if *q > 0.0 {
            // The period's start date and its outflow, e.g. "2026-11-02: 3".
            // Rounded: a share of a predecessor's history is 15.200000000000001 in binary.
            let q_shown = (q * 1000.0).round() / 1000.0;
            let tip = match v.period_starts.get(i) {
                Some(d) => format!("{d}: {q_shown}"),
                None => q_shown.to_string(),
            };
            s.push_str(&format!(
                r#"<rect class="bar" x="{:.1}" y="{:.1}" width="{bw:.1}" height="{:.1}"><title>{}</title></rect>"#,
                x(i),
                y(*q),
                h - pad - y(*q),
                xml_escape(&tip)
            ));
        }
    }
    let f0 = v.history.len();
    if !v.forecast.is_empty() {
        let pts: Vec<String> = v
            .forecast
            .iter()
            .enumerate()
            .map(|(i, q)| format!("{:.1},{:.1}", x(f0 + i) + bw / 2.0, y(*q)))
            .collect();
        s.push_str(&format!(
            r#"<polyline class="forecast" points="{}" fill="none"/>"#,
            pts.join(" ")
        ));
    }
    s.push_str(&date_ticks(v, |i| x(i) + bw / 2.0, h - pad));
    if n > 0 {
        // Today: in the gap between the last history bar and the forecast's first period.
        let tx = x(f0) - (slot - bw) / 2.0;
        s.push_str(&format!(
            r#"<line class="today" x1="{tx:.1}" y1="{t}" x2="{tx:.1}" y2="{b}" stroke-dasharray="4 3"/><text x="{tx:.1}" y="{ly}" text-anchor="middle" class="today-label">{}</text>"#,
            xml_escape(today),
            t = pad - 2.0,
            b = h - pad,
            ly = pad - 6.0,
        ));
    }
    // The level lines, then their labels: levels of the same value share one label
    // ("min = ROP 1"), and a label too close to the one above it moves down, so that none
    // overlaps.
    let levels = [
        ("level-min", v.min, labels[0]),
        ("level-rop", v.reorder_point, labels[1]),
        ("level-max", v.max, labels[2]),
    ];
    for (class, q, _) in levels {
        s.push_str(&format!(
            r#"<line class="{class}" x1="{pad}" y1="{yy:.1}" x2="{r}" y2="{yy:.1}"/>"#,
            yy = y(q),
            r = w - pad,
        ));
    }
    for (q, names, ty) in level_labels(&levels, y) {
        s.push_str(&format!(
            r#"<text x="{tx}" y="{ty:.1}" text-anchor="end" class="label">{} {q:.0}</text>"#,
            xml_escape(&names.join(" = ")),
            tx = w - pad - 2.0,
        ));
    }
    s.push_str("</svg>");
    s
}

/// Start dates of some periods under the axis at `axis_y`, centred on `center(i)`: a month
/// as `YYYY-MM`, a week as its first day (`YYYY-MM-DD`: two years of weeks span new
/// years).
fn date_ticks(v: &PartPlanView, center: impl Fn(usize) -> f64, axis_y: f64) -> String {
    let text = |d: &str| -> String {
        match v.bucket {
            Bucket::Month => d.get(..7).unwrap_or(d).to_string(),
            Bucket::Week => d.to_string(),
        }
    };
    let widest = v
        .period_starts
        .iter()
        .map(|d| text(d).chars().count())
        .max()
        .unwrap_or(0);
    let width = widest as f64 * TICK_CHAR_WIDTH;
    let mut s = String::new();
    for i in tick_periods(v.period_starts.len(), width) {
        let cx = center(i);
        // A label at either end moves inside the chart rather than being cut off: by at
        // most its half width less the margin, less than the gap between labels.
        let tx = cx.clamp(
            width / 2.0 + 1.0,
            (CHART_W - width / 2.0 - 1.0).max(width / 2.0 + 1.0),
        );
        s.push_str(&format!(
            r#"<line class="axis" x1="{cx:.1}" y1="{axis_y}" x2="{cx:.1}" y2="{t}"/><text x="{tx:.1}" y="{ty}" text-anchor="middle" class="tick">{}</text>"#,
            xml_escape(&text(&v.period_starts[i])),
            t = axis_y + 3.0,
            ty = axis_y + 14.0,
        ));
    }
    s
}

/// Periods of a chart of `n` whose start date is written under the axis: every k-th from
/// the first, k the least step that writes at most [`MAX_TICKS`] labels `label_width`
/// wide with [`TICK_GAP`] between neighbours.
fn tick_periods(n: usize, label_width: f64) -> Vec<usize> {
    if n == 0 {
        return Vec::new();
    }
    let slot = (CHART_W - 2.0 * CHART_PAD) / n as f64;
    let by_count = n.div_ceil(MAX_TICKS);
    let by_width = ((label_width + TICK_GAP) / slot).ceil() as usize;
    (0..n).step_by(by_count.max(by_width).max(1)).collect()
}

/// Height of a level's label in the chart, in its units (11px type and a little air).
const LABEL_HEIGHT: f64 = 12.0;

/// The labels of the level lines, top down: (value, names, baseline y). Levels of equal
/// value (min = reorder point without safety stock, max = reorder point without a lot)
/// share one label; a label is put just above its line, or lower when the label above
/// would overlap it.
fn level_labels<'a>(
    levels: &[(&str, f64, &'a str)],
    y: impl Fn(f64) -> f64,
) -> Vec<(f64, Vec<&'a str>, f64)> {
    // Lowest first, so that a shared label reads "min = ROP".
    let mut groups: Vec<(f64, Vec<&'a str>)> = Vec::new();
    let mut sorted: Vec<(f64, &'a str)> = levels.iter().map(|(_, q, n)| (*q, *n)).collect();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    for (q, name) in sorted {
        match groups.last_mut() {
            Some((gq, names)) if (*gq - q).abs() < 1e-9 => names.push(name),
            _ => groups.push((q, vec![name])),
        }
    }
    let mut out = Vec::new();
    let mut above: Option<f64> = None;
    for (q, names) in groups.into_iter().rev() {
        let mut ty = y(q) - 3.0;
        if let Some(prev) = above
            && ty < prev + LABEL_HEIGHT
        {
            ty = prev + LABEL_HEIGHT;
        }
        above = Some(ty);
        out.push((q, names, ty));
    }
    out
}

/// Text for inside SVG markup.
fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_form(fields: &[(&str, &str)]) -> RunForm {
        let mut f = RunForm {
            bucket: String::new(),
            target_fill: String::new(),
            periods: String::new(),
            transfer_days: String::new(),
            purchase_order_cost: String::new(),
            transfer_cost: String::new(),
            holding_rate_pct: String::new(),
            allocation: String::new(),
        };
        for (k, v) in fields {
            let slot = match *k {
                "bucket" => &mut f.bucket,
                "target_fill" => &mut f.target_fill,
                "periods" => &mut f.periods,
                "transfer_days" => &mut f.transfer_days,
                "purchase_order_cost" => &mut f.purchase_order_cost,
                "transfer_cost" => &mut f.transfer_cost,
                "holding_rate_pct" => &mut f.holding_rate_pct,
                "allocation" => &mut f.allocation,
                other => panic!("no field {other}"),
            };
            *slot = v.to_string();
        }
        f
    }

    fn refused_fields(f: &RunForm) -> Vec<String> {
        match f.options() {
            Err(AppError::Invalid(v)) => v.into_iter().map(|e| e.field).collect(),
            other => panic!("not refused: {other:?}"),
        }
    }

    #[test]
    fn ids_in_a_refusal_are_found_and_replaced_whole() {
        let text = "part 19: receiving 5 but only 1 in transit; part 197 too; warehouse 3, good";
        assert_eq!(ids_after(text, "part "), [19, 197]);
        assert_eq!(ids_after(text, "warehouse "), [3]);
        assert_eq!(
            replace_id(text, "part ", 19, "MN-19"),
            "part MN-19: receiving 5 but only 1 in transit; part 197 too; warehouse 3, good"
        );
        assert_eq!(ids_after("no ids here", "part "), Vec::<i64>::new());
    }

    #[test]
    fn a_run_form_names_every_wrong_field_at_once() {
        let f = run_form(&[
            ("bucket", "day"),
            ("target_fill", "abc"),
            ("periods", "3"),
            ("transfer_days", "x"),
            ("purchase_order_cost", "12.345"),
            ("transfer_cost", "-5"),
            ("holding_rate_pct", "20.5"),
            ("allocation", "shelf"),
        ]);
        let mut fields = refused_fields(&f);
        fields.sort();
        assert_eq!(
            fields,
            [
                "allocation",
                "bucket",
                "holding_rate_pct",
                "periods",
                "purchase_order_cost",
                "target_fill",
                "transfer_cost",
                "transfer_days"
            ]
        );
        // A field that cannot be read is named once, for what was typed.
        let f = run_form(&[("target_fill", "abc"), ("periods", "-2")]);
        match f.options() {
            Err(AppError::Invalid(v)) => {
                assert_eq!(v.len(), 2, "{v:?}");
                assert!(v[0].reason.contains("\"abc\" is not a number"), "{v:?}");
                assert!(v[1].reason.contains("got -2"), "{v:?}");
            }
            other => panic!("{other:?}"),
        }
        // Only a range error: named as the run names it.
        assert_eq!(
            refused_fields(&run_form(&[("periods", "600")])),
            ["periods"]
        );
    }

    #[test]
    fn a_target_fill_may_be_typed_as_a_percentage() {
        for typed in ["95%", "95 %", " 95% ", "0.95", "95％"] {
            let o = run_form(&[("target_fill", typed)]).options().unwrap();
            assert_eq!(o.target_fill_permille(), 950, "{typed}");
        }
        assert_eq!(
            run_form(&[("target_fill", "97.5%")])
                .options()
                .unwrap()
                .target_fill_permille(),
            975
        );
        assert_eq!(
            run_form(&[("target_fill", "99.9%")])
                .options()
                .unwrap()
                .target_fill_permille(),
            999
        );
        // A bare 95 is not taken for 95 % (the refusal says how to write it); nor are
        // 950 % or a word with a percent sign.
        match run_form(&[("target_fill", "95")]).options() {
            Err(AppError::Invalid(v)) => {
                assert_eq!(v.len(), 1, "{v:?}");
                assert!(v[0].reason.ends_with("write 0.95 or 95%"), "{v:?}");
            }
            other => panic!("{other:?}"),
        }
        for typed in ["95", "950%", "abc%", "%"] {
            assert_eq!(
                refused_fields(&run_form(&[("target_fill", typed)])),
                ["target_fill"],
                "{typed}"
            );
        }
    }

    #[test]
    fn the_eoq_says_what_lot_it_orders_and_why() {
        let tr = crate::i18n::Tr::new(aftercare_domain::settings::Lang::En);
        let sized = |eoq_milli, lot| aftercare_app::planning_store::ItemDetail {
            eoq_milli,
            lot,
            ..Default::default()
        };
        let capped = |eoq_milli, lot| aftercare_app::planning_store::ItemDetail {
            lot_capped: true,
            ..sized(eoq_milli, lot)
        };
        assert_eq!(eoq_text(&tr, &sized(4_470, 4)), "4.5 — lot 4");
        assert_eq!(
            eoq_text(&tr, &capped(49_800, 25)),
            "49.8 — lot 25 (at most a year of demand)"
        );
        // Cut to a year's demand of one unit: order-up-to, and said so.
        assert_eq!(
            eoq_text(&tr, &capped(1_978, 0)),
            "2.0 — a year's demand is one unit at most: every period orders up to the reorder point"
        );
        assert_eq!(
            eoq_text(&tr, &sized(1_030, 0)),
            "1.0 — a lot of one unit: every period orders up to the reorder point"
        );
        assert_eq!(
            eoq_text(&tr, &sized(3_000, 0)),
            "3.0 — below one period's demand: every period orders up to the reorder point"
        );
        assert_eq!(
            eoq_text(&tr, &sized(0, 0)),
            "none (no order cost, holding cost or demand): orders up to the reorder point"
        );
    }

    /// At most eight date labels, each a label's width and a gap from the next, on
    /// charts of any number of periods (weeks are dated in full, months as `YYYY-MM`).
    #[test]
    fn date_ticks_are_few_and_never_overlap() {
        for chars in [7.0, 10.0] {
            let width = chars * TICK_CHAR_WIDTH;
            for n in 1..=400 {
                let ticks = tick_periods(n, width);
                assert!(
                    !ticks.is_empty() && ticks.len() <= MAX_TICKS,
                    "{n}: {ticks:?}"
                );
                assert_eq!(ticks[0], 0, "{n}");
                assert!(ticks.iter().all(|&i| i < n), "{n}: {ticks:?}");
                let slot = (CHART_W - 2.0 * CHART_PAD) / n as f64;
                for pair in ticks.windows(2) {
                    let apart = (pair[1] - pair[0]) as f64 * slot;
                    assert!(apart >= width + TICK_GAP, "{n}: {ticks:?}");
                }
            }
        }
        // 104 weeks and a 13-week forecast: every 15th week.
        assert_eq!(tick_periods(117, 10.0 * TICK_CHAR_WIDTH).len(), 8);
        assert!(tick_periods(0, 10.0).is_empty());
    }

    /// Levels of one value share a label; levels close together get labels apart.
    #[test]
    fn level_labels_never_overlap() {
        let y = |q: f64| 200.0 - q;
        let same = level_labels(
            &[
                ("level-min", 1.0, "min"),
                ("level-rop", 1.0, "ROP"),
                ("level-max", 9.0, "max"),
            ],
            y,
        );
        assert_eq!(same.len(), 2);
        assert_eq!(same[0].1, vec!["max"]);
        assert_eq!(same[1].1, vec!["min", "ROP"]);
        let close = level_labels(
            &[
                ("level-min", 1.0, "min"),
                ("level-rop", 2.0, "ROP"),
                ("level-max", 3.0, "max"),
            ],
            y,
        );
        assert_eq!(close.len(), 3);
        for pair in close.windows(2) {
            assert!(pair[1].2 - pair[0].2 >= LABEL_HEIGHT, "{close:?}");
        }
    }
}
