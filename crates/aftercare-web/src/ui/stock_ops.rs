//! The warehouse operation page: one form per ledger command (purchase order, receipt,
//! inspection, issue, transfer ship/receive, repair send/receive, scrap request/decision,
//! stocktake open/counts/approve). Every form runs `App::stock_submit` (an issue above the
//! limit is queued for a manager), so roles, station scope, approvals and refusals are
//! exactly those of the API.
//!
//! Forms that need a document or a place offer pick lists of what is open and visible to
//! the user (`App::stock_pick_lists`): a chosen entry (`pick`) fills the fields left
//! empty, and ids typed in still work and win over the choice.

use super::parts::{condition_key, location_text};
use super::{Page, app_error_page, render};
use super::{PageForm, PageQuery};
use crate::i18n::Tr;
use crate::middleware::CurrentUser;
use crate::state::AppState;
use aftercare_app::AppError;
use aftercare_app::stock_approvals::Submitted;
use aftercare_app::stock_picks::PickLists;
use aftercare_domain::stock::{
    Command, Consumer, CountEntry, Created, Qty, Resolution, ScrapReason, StockCondition,
    StocktakeScope, TransferQty,
};
use aftercare_domain::{
    Instant, LotId, PartId, PurchaseOrderId, RepairOrderId, RequisitionId, ReservationId,
    ScrapRequestId, StocktakeId, SupplierId, TicketId, TransferId, WarehouseId,
};
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use std::collections::HashMap;

/// One entry of a pick list: the form fields it fills (`k=v&k=v`) and what it shows.
struct Pick {
    value: String,
    label: String,
}

#[derive(Template)]
#[template(path = "stock_ops.html")]
struct OpsTemplate {
    page: Page,
    warehouses: Vec<(i64, String, String)>,
    destinations: Vec<(i64, String, String)>,
    /// Each condition's code and words.
    conditions: Vec<(&'static str, &'static str)>,
    /// Each scrap reason's code and words.
    reasons: Vec<(&'static str, &'static str)>,
    suppliers: Vec<Pick>,
    vendors: Vec<Pick>,
    order_lines: Vec<Pick>,
    lots: Vec<Pick>,
    in_transit: Vec<Pick>,
    discrepancies: Vec<Pick>,
    repair_orders: Vec<Pick>,
    scrap_requests: Vec<Pick>,
    stocktakes: Vec<Pick>,
    parts: Vec<(String, String)>,
    /// This rendering's form key: a form sent twice (a reload, a double click) is done once.
    form_key: String,
}

/// Parts offered in the part number datalist before the user types (the rest are looked
/// up on the server as the user types, see [`part_lookup`]).
const PART_DATALIST: i64 = 50;

fn picks(lists: PickLists, page: Page) -> OpsTemplate {
    let tr = page.tr;
    let wh = |w: &[aftercare_app::stock_picks::WarehouseRef]| {
        w.iter()
            .map(|w| (w.id, w.code.clone(), w.name.clone()))
            .collect()
    };
    let sup = |s: &[aftercare_app::stock_picks::SupplierRef]| {
        s.iter()
            .map(|s| Pick {
                value: s.id.to_string(),
                label: format!("{} {}", s.code, s.name),
            })
            .collect()
    };
    let line = |t: &aftercare_app::stock_picks::OpenTransferLine, what: &str| Pick {
        value: format!(
            "transfer={}&part={}&condition={}",
            t.transfer_id, t.part_number, t.condition
        ),
        label: format!(
            "#{} {} → {} · {} {} · {} · {} {}",
            t.transfer_id,
            t.from_code,
            t.to_code,
            t.part_number,
            t.part_name,
            tr.t(condition_key(&t.condition)),
            tr.t(what),
            t.open
        ),
    };
    OpsTemplate {
        page,
        warehouses: wh(&lists.warehouses),
        destinations: wh(&lists.destinations),
        conditions: StockCondition::ALL
            .iter()
            .map(|c| (c.code(), condition_key(c.code())))
            .collect(),
        reasons: ScrapReason::ALL
            .iter()
            .map(|r| (r.code(), scrap_reason_key(r.code())))
            .collect(),
        suppliers: sup(&lists.suppliers),
        vendors: sup(&lists.vendors),
        order_lines: lists
            .order_lines
            .iter()
            .map(|l| Pick {
                value: format!("order={}&part={}", l.order_id, l.part_number),
                label: format!(
                    "#{} {} · {} {} · {} {}/{}",
                    l.order_id,
                    l.supplier_code,
                    l.part_number,
                    l.part_name,
                    tr.t("ops.pick.to_receive"),
                    l.ordered - l.received,
                    l.ordered
                ),
            })
            .collect(),
        lots: lists
            .quarantine
            .iter()
            .map(|l| Pick {
                value: format!("warehouse={}&lot={}", l.warehouse_id, l.lot_id),
                label: format!(
                    "#{} {} · {} {} · {} {} ({})",
                    l.lot_id,
                    l.warehouse_code,
                    l.part_number,
                    l.part_name,
                    tr.t("ops.pick.waiting"),
                    l.qty,
                    location_text(&tr, &l.origin, &std::collections::HashMap::new())
                ),
            })
            .collect(),
        in_transit: lists
            .in_transit
            .iter()
            .map(|t| line(t, "ops.pick.on_road"))
            .collect(),
        discrepancies: lists
            .discrepancies
            .iter()
            .map(|t| line(t, "ops.pick.missing"))
            .collect(),
        repair_orders: lists
            .repair_orders
            .iter()
            .map(|r| Pick {
                value: format!("order={}", r.order_id),
                label: format!(
                    "#{} {} · {} · {} {} · {} {}",
                    r.order_id,
                    r.warehouse_code,
                    r.vendor_code,
                    r.part_number,
                    r.part_name,
                    tr.t("ops.pick.at_vendor"),
                    r.at_vendor
                ),
            })
            .collect(),
        scrap_requests: lists
            .scrap_requests
            .iter()
            .map(|r| Pick {
                value: format!("request={}", r.request_id),
                label: format!(
                    "#{} {} · {} {} · {} × {} · {}",
                    r.request_id,
                    r.warehouse_code,
                    r.part_number,
                    r.part_name,
                    tr.t(condition_key(&r.condition)),
                    r.qty,
                    tr.t(scrap_reason_key(&r.reason))
                ),
            })
            .collect(),
        stocktakes: lists
            .stocktakes
            .iter()
            .map(|s| Pick {
                value: format!("stocktake={}", s.stocktake_id),
                label: format!(
                    "#{} {} · {} {}/{}",
                    s.stocktake_id,
                    s.warehouse_code,
                    tr.t("ops.pick.counted"),
                    s.counted,
                    s.lines
                ),
            })
            .collect(),
        parts: Vec::new(),
        form_key: aftercare_app::random_token(),
    }
}

async fn ops_page(
    state: &AppState,
    user: &CurrentUser,
    notice: Option<String>,
    error: Option<&AppError>,
) -> Response {
    let actor = user.actor();
    let lists = match state.app.stock_pick_lists(&actor).await {
        Ok(l) => l,
        Err(e) => return app_error_page(user, &e),
    };
    let parts = match state
        .app
        .search_parts(&actor, "", None, PART_DATALIST, 0)
        .await
    {
        Ok((p, _)) => p,
        Err(e) => return app_error_page(user, &e),
    };
    let mut page = Page::for_user(user, "ops.title", "/stock/ops");
    page.notice = notice;
    if let Some(e) = error {
        page = page.with_error(e);
    }
    let mut t = picks(lists, page);
    t.parts = parts
        .into_iter()
        .map(|p| (p.part_number, p.name_zh))
        .collect();
    render(&t)
}

#[derive(serde::Deserialize)]
pub struct LookupQuery {
    #[serde(default)]
    q: String,
}

/// `GET /stock/ops/parts?q=`: up to 20 parts whose number starts with, or whose name
/// contains, `q` (JSON `[{part_number, name}]`), for the part number datalists.
pub async fn part_lookup(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    PageQuery(q): PageQuery<LookupQuery>,
) -> Response {
    match state
        .app
        .search_parts(&user.actor(), &q.q, None, 20, 0)
        .await
    {
        Ok((parts, _)) => Json(
            parts
                .into_iter()
                .map(|p| serde_json::json!({"part_number": p.part_number, "name": p.name_zh}))
                .collect::<Vec<_>>(),
        )
        .into_response(),
        Err(e) => app_error_page(&user, &e),
    }
}

/// `GET /stock/ops`.
pub async fn page(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
) -> Response {
    ops_page(&state, &user, None, None).await
}

struct Fields<'a>(&'a HashMap<String, String>);

/// The fields a pick list entry may fill.
const PICKED: &[&str] = &[
    "order",
    "part",
    "warehouse",
    "lot",
    "transfer",
    "condition",
    "request",
    "stocktake",
];

/// Fill the fields left empty from the chosen pick-list entry (`pick`, `k=v&k=v`): a
/// typed value always wins, so every form still works with ids typed in.
fn with_pick(mut form: HashMap<String, String>) -> HashMap<String, String> {
    let pick = form.get("pick").cloned().unwrap_or_default();
    for (k, v) in pick.split('&').filter_map(|kv| kv.split_once('=')) {
        if !PICKED.contains(&k) {
            continue;
        }
        let typed = form.get(k).is_some_and(|t| !t.trim().is_empty());
        if !typed {
            form.insert(k.to_string(), v.to_string());
        }
    }
    form
}

impl Fields<'_> {
    fn text(&self, k: &str) -> Result<&str, AppError> {
        self.0
            .get(k)
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .ok_or_else(|| AppError::invalid(k, "must not be empty"))
    }

    fn int(&self, k: &str) -> Result<i64, AppError> {
        let t = self.text(k)?;
        t.parse()
            .map_err(|_| AppError::invalid(k, format!("'{t}' is not a whole number")))
    }

    fn qty(&self, k: &str) -> Result<Qty, AppError> {
        Qty::new(self.int(k)?).map_err(|e| AppError::invalid(k, e.to_string()))
    }

    fn opt_qty(&self, k: &str) -> Result<Qty, AppError> {
        match self.0.get(k).map(|s| s.trim()).filter(|s| !s.is_empty()) {
            None => Ok(Qty::ZERO),
            Some(_) => self.qty(k),
        }
    }

    fn condition(&self, k: &str) -> Result<StockCondition, AppError> {
        let t = self.text(k)?;
        StockCondition::parse(t)
            .ok_or_else(|| AppError::invalid(k, format!("unknown condition '{t}'")))
    }

    /// A ticked box: `1`, `on`, `true` or `yes`; absent, empty, `0`, `off`, `false` or `no`
    /// is not ticked (a scripted `close=` must not close a transfer), anything else refused.
    fn flag(&self, k: &str) -> Result<bool, AppError> {
        match self
            .0
            .get(k)
            .map(|v| v.trim().to_ascii_lowercase())
            .as_deref()
        {
            None | Some("" | "0" | "off" | "false" | "no") => Ok(false),
            Some("1" | "on" | "true" | "yes") => Ok(true),
            Some(other) => Err(AppError::invalid(
                k,
                format!("'{other}' is not a yes or no (1 or 0)"),
            )),
        }
    }

    /// The end of the company's day `days` from today, at most ten years either way (a
    /// huge number of days had wrapped around to a date days away). A day, not "now plus
    /// days", so a form sent again the same day is the same command and done once.
    async fn days_ahead(&self, state: &AppState, k: &str) -> Result<Instant, AppError> {
        const MAX_DAYS: i64 = 3650;
        let days = self.int(k)?;
        if !(-MAX_DAYS..=MAX_DAYS).contains(&days) {
            return Err(AppError::invalid(
                k,
                format!("must be between -{MAX_DAYS} and {MAX_DAYS} days"),
            ));
        }
        let company = state.app.company_days().await?;
        let day = company.day_of(state.app.now()) + days;
        Ok(Instant(company.start_of(day + 1).0 - 1))
    }
}

/// The part a form names by number; a number that names no part is the form's mistake,
/// named on the page (not a missing page).
async fn part_id(state: &AppState, user: &CurrentUser, number: &str) -> Result<PartId, AppError> {
    match state.app.get_part_by_number(&user.actor(), number).await {
        Ok(p) => Ok(PartId(p.id)),
        Err(AppError::NotFound { .. }) => Err(AppError::invalid(
            "part",
            format!("no part numbered '{number}'"),
        )),
        Err(e) => Err(e),
    }
}

async fn command_of(
    state: &AppState,
    user: &CurrentUser,
    f: &Fields<'_>,
) -> Result<Command, AppError> {
    let wh = |k: &str| f.int(k).map(WarehouseId);
    Ok(match f.text("op")? {
        "place_order" => Command::PlacePurchaseOrder {
            supplier: SupplierId(f.int("supplier")?),
            lines: vec![(part_id(state, user, f.text("part")?).await?, f.qty("qty")?)],
        },
        "receive" => Command::Receive {
            order: PurchaseOrderId(f.int("order")?),
            warehouse: wh("warehouse")?,
            part: part_id(state, user, f.text("part")?).await?,
            qty: f.qty("qty")?,
        },
        "inspect" => Command::Inspect {
            warehouse: wh("warehouse")?,
            lot: LotId(f.int("lot")?),
            accept: f.opt_qty("accept")?,
            reject: f.opt_qty("reject")?,
        },
        "issue" => {
            let id = f.int("consumer_id")?;
            Command::Issue {
                warehouse: wh("warehouse")?,
                part: part_id(state, user, f.text("part")?).await?,
                qty: f.qty("qty")?,
                consumer: if f.text("consumer")? == "requisition" {
                    Consumer::Requisition(RequisitionId(id))
                } else {
                    Consumer::Ticket(TicketId(id))
                },
                reservation: None,
                approved_by: None,
            }
        }
        "ship" => Command::ShipTransfer {
            from: wh("warehouse")?,
            to: wh("to")?,
            eta: f.days_ahead(state, "eta_days").await?,
            lines: vec![TransferQty {
                part: part_id(state, user, f.text("part")?).await?,
                condition: f.condition("condition")?,
                qty: f.qty("qty")?,
            }],
        },
        "receive_transfer" => Command::ReceiveTransfer {
            transfer: TransferId(f.int("transfer")?),
            lines: vec![TransferQty {
                part: part_id(state, user, f.text("part")?).await?,
                condition: f.condition("condition")?,
                qty: f.qty("qty")?,
            }],
            close: f.flag("close")?,
        },
        "resolve" => Command::ResolveDiscrepancy {
            transfer: TransferId(f.int("transfer")?),
            part: part_id(state, user, f.text("part")?).await?,
            condition: f.condition("condition")?,
            qty: f.qty("qty")?,
            resolution: if f.flag("found")? {
                Resolution::Found {
                    warehouse: wh("warehouse")?,
                }
            } else {
                Resolution::WriteOff
            },
        },
        "repair_send" => Command::SendToRepair {
            warehouse: wh("warehouse")?,
            vendor: SupplierId(f.int("vendor")?),
            part: part_id(state, user, f.text("part")?).await?,
            qty: f.qty("qty")?,
            due: f.days_ahead(state, "due_days").await?,
        },
        "repair_receive" => Command::ReceiveFromRepair {
            order: RepairOrderId(f.int("order")?),
            warehouse: wh("warehouse")?,
            qty: f.qty("qty")?,
        },
        "unrepairable" => Command::DeclareUnrepairable {
            order: RepairOrderId(f.int("order")?),
            qty: f.qty("qty")?,
            returned_to: f.int("warehouse").ok().map(WarehouseId),
        },
        "scrap_request" => Command::RequestScrap {
            warehouse: wh("warehouse")?,
            part: part_id(state, user, f.text("part")?).await?,
            condition: f.condition("condition")?,
            qty: f.qty("qty")?,
            reason: ScrapReason::parse(f.text("reason")?)
                .ok_or_else(|| AppError::invalid("reason", "unknown scrap reason"))?,
        },
        "scrap_decide" => Command::DecideScrap {
            request: ScrapRequestId(f.int("request")?),
            approve: f.text("decision")? == "approve",
            // Replaced by the actor's own role in the use case.
            by: user.principal.role,
        },
        "stocktake_open" => Command::OpenStocktake {
            warehouse: wh("warehouse")?,
            scope: StocktakeScope::Warehouse,
        },
        "count" => Command::EnterCounts {
            stocktake: StocktakeId(f.int("stocktake")?),
            counts: vec![CountEntry {
                part: part_id(state, user, f.text("part")?).await?,
                condition: f.condition("condition")?,
                counted: Qty::new(f.int("counted")?)
                    .map_err(|e| AppError::invalid("counted", e.to_string()))?,
            }],
        },
        "stocktake_approve" => Command::ApproveStocktake {
            stocktake: StocktakeId(f.int("stocktake")?),
            by: user.principal.role,
        },
        other => {
            return Err(AppError::invalid(
                "op",
                format!("unknown operation '{other}'"),
            ));
        }
    })
}

/// What an operation did, in words of the user's language: movements, the document it
/// created, transfer discrepancies and an emergency requisition it raised.
fn done_notice(tr: Tr, receipt: &aftercare_app::stock::StockReceipt) -> String {
    let o = &receipt.outcome;
    let mut parts = vec![
        tr.t("ops.done")
            .replace("{n}", &o.movements.len().to_string()),
    ];
    if let Some(c) = &o.created {
        let (key, id) = match c {
            Created::Lot(LotId(id)) => ("ops.created.lot", id),
            Created::PurchaseOrder(PurchaseOrderId(id)) => ("ops.created.purchase_order", id),
            Created::Reservation(ReservationId(id)) => ("ops.created.reservation", id),
            Created::Transfer(TransferId(id)) => ("ops.created.transfer", id),
            Created::RepairOrder(RepairOrderId(id)) => ("ops.created.repair_order", id),
            Created::ScrapRequest(ScrapRequestId(id)) => ("ops.created.scrap_request", id),
            Created::Stocktake(StocktakeId(id)) => ("ops.created.stocktake", id),
        };
        parts.push(
            tr.t("ops.done.created")
                .replace("{what}", tr.t(key))
                .replace("{id}", &id.to_string()),
        );
    }
    if !o.discrepancies.is_empty() {
        parts.push(
            tr.t("ops.done.discrepancies")
                .replace("{n}", &o.discrepancies.len().to_string()),
        );
    }
    if let Some(e) = &o.emergency {
        parts.push(
            tr.t("ops.done.emergency")
                .replace("{available}", &e.available.to_string())
                .replace("{min}", &e.min.to_string())
                .replace("{qty}", &e.qty.to_string()),
        );
    }
    parts.join(tr.t("ops.done.separator"))
}

/// `POST /stock/ops`: run one operation form.
pub async fn submit(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    PageForm(pairs): PageForm<Vec<(String, String)>>,
) -> Response {
    if let Some(refusal) = super::once_each(&user, &pairs, &[]) {
        return refusal;
    }
    let form: HashMap<String, String> = pairs.into_iter().collect();
    let form = with_pick(form);
    let f = Fields(&form);
    let tr = Tr::new(user.lang);
    let result = async {
        let key = form_key(&f, f.text("op")?)?;
        let command = command_of(&state, &user, &f).await?;
        state
            .app
            .stock_submit(&user.actor(), key.as_deref(), command)
            .await
            .map_err(form_sent_before)
    }
    .await;
    match result {
        Ok(Submitted::Done(r)) => {
            let notice = again(tr, r.replayed, done_notice(tr, &r));
            ops_page(&state, &user, Some(notice), None).await
        }
        Ok(Submitted::Pending { approval, replayed }) => {
            let queued = format!("{} #{}", tr.t("approvals.queued"), approval.id);
            ops_page(&state, &user, Some(again(tr, replayed, queued)), None).await
        }
        Err(e @ (AppError::NotFound { .. } | AppError::Forbidden { .. })) => {
            app_error_page(&user, &e)
        }
        Err(e) => {
            // A shortage names the warehouse and part by their codes, as planning's does.
            let e = super::planning::with_codes(&state, &user.actor(), e).await;
            super::refused(ops_page(&state, &user, None, Some(&e)).await, &e)
        }
    }
}

/// The ledger key of a form sent from the page (its `form` field, fresh on every
/// rendering, and the operation): sending the same form again replays the first result
/// instead of moving stock twice. A post without the field (a script) has no key.
fn form_key(f: &Fields<'_>, op: &str) -> Result<Option<String>, AppError> {
    let Some(key) = f.0.get("form").map(|k| k.trim()).filter(|k| !k.is_empty()) else {
        return Ok(None);
    };
    if key.len() > 64
        || !key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(AppError::invalid(
            "form",
            "must be the page's form key (at most 64 letters, digits, '-' or '_')",
        ));
    }
    Ok(Some(format!("form-{key}-{op}")))
}

/// A form key already used for other values: the form was sent before (the user went
/// back and changed it), said in the page's words rather than as an idempotency key.
fn form_sent_before(e: AppError) -> AppError {
    match e {
        AppError::Conflict { code, .. } if code == "stock.idempotency_key_reused" => {
            AppError::Conflict {
                code: "stock.form_sent_before".into(),
                message: "this form was already sent with other values; fill in the \
                          form on this page and send it again"
                    .into(),
            }
        }
        e => e,
    }
}

/// A notice, said as a repeat when the form had been sent before and nothing was done again.
fn again(tr: Tr, replayed: bool, notice: String) -> String {
    if replayed {
        format!(
            "{}{}{notice}",
            tr.t("ops.replayed"),
            tr.t("ops.done.separator")
        )
    } else {
        notice
    }
}

/// `POST /stock/ops/counts?_csrf=...` (multipart: `stocktake` or a chosen `pick`, `file`): enter stocktake
/// counts from a CSV/XLSX with columns part_number, condition, counted. Every bad row is
/// reported and nothing is entered.
pub async fn upload_counts(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    super::PageMultipart(mut form): super::PageMultipart,
) -> Response {
    let mut bytes = Vec::new();
    let mut fields = HashMap::new();
    while let Ok(Some(field)) = form.next_field().await {
        match field.name().unwrap_or_default() {
            "file" => bytes = field.bytes().await.map(|b| b.to_vec()).unwrap_or_default(),
            name @ ("stocktake" | "pick" | "form") => {
                let name = name.to_string();
                fields.insert(name, field.text().await.unwrap_or_default());
            }
            _ => {}
        }
    }
    let fields = with_pick(fields);
    let stocktake = fields
        .get("stocktake")
        .and_then(|t| t.trim().parse::<i64>().ok());
    let result = async {
        let key = form_key(&Fields(&fields), "counts")?;
        let st = stocktake.ok_or_else(|| AppError::invalid("stocktake", "must be a number"))?;
        let counts = state.app.parse_count_file(&user.actor(), &bytes).await?;
        let entries: Vec<CountEntry> = counts
            .into_iter()
            .map(|(part, condition, counted)| CountEntry {
                part,
                condition,
                counted,
            })
            .collect();
        let n = entries.len();
        let r = state
            .app
            .stock_execute(
                &user.actor(),
                key.as_deref(),
                Command::EnterCounts {
                    stocktake: StocktakeId(st),
                    counts: entries,
                },
            )
            .await
            .map_err(form_sent_before)?;
        let tr = Tr::new(user.lang);
        let counted = tr.t("ops.done.counts").replace("{n}", &n.to_string());
        Ok::<_, AppError>(again(
            tr,
            r.replayed,
            format!(
                "{counted}{}{}",
                tr.t("ops.done.separator"),
                done_notice(tr, &r)
            ),
        ))
    }
    .await;
    match result {
        Ok(notice) => ops_page(&state, &user, Some(notice), None).await,
        Err(e @ (AppError::NotFound { .. } | AppError::Forbidden { .. })) => {
            app_error_page(&user, &e)
        }
        Err(e) => super::refused(ops_page(&state, &user, None, Some(&e)).await, &e),
    }
}

/// The words of a scrap reason's code.
fn scrap_reason_key(code: &str) -> &'static str {
    match code {
        "damaged_beyond_repair" => "ops.scrap_reason.damaged_beyond_repair",
        "repair_dearer_than_new" => "ops.scrap_reason.repair_dearer_than_new",
        "obsolete" => "ops.scrap_reason.obsolete",
        _ => "stock.cond.other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aftercare_app::stock::StockReceipt;
    use aftercare_domain::MovementId;
    use aftercare_domain::settings::Lang;
    use aftercare_domain::stock::{EmergencyRequisition, Outcome};

    fn receipt() -> StockReceipt {
        let q = |n| Qty::new(n).unwrap();
        StockReceipt {
            outcome: Outcome {
                movements: vec![MovementId(1), MovementId(2)],
                created: Some(Created::PurchaseOrder(PurchaseOrderId(12))),
                discrepancies: vec![TransferQty {
                    part: PartId(3),
                    condition: StockCondition::Good,
                    qty: q(1),
                }],
                emergency: Some(EmergencyRequisition {
                    available: q(2),
                    min: q(5),
                    qty: q(8),
                }),
                ..Outcome::default()
            },
            replayed: false,
        }
    }

    #[test]
    fn a_box_is_ticked_only_by_a_yes_and_anything_else_is_named() {
        let form = |v: Option<&str>| {
            let mut m = HashMap::new();
            if let Some(v) = v {
                m.insert("close".to_string(), v.to_string());
            }
            m
        };
        for v in [
            None,
            Some(""),
            Some("0"),
            Some("off"),
            Some("False"),
            Some(" no "),
        ] {
            assert!(!Fields(&form(v)).flag("close").unwrap(), "{v:?}");
        }
        for v in ["1", "on", "true", "YES"] {
            assert!(Fields(&form(Some(v))).flag("close").unwrap(), "{v}");
        }
        let AppError::Invalid(e) = Fields(&form(Some("maybe"))).flag("close").unwrap_err() else {
            panic!("not invalid");
        };
        assert_eq!(e[0].field, "close");
    }

    #[test]
    fn an_operations_notice_says_what_happened_in_words_of_the_users_language() {
        assert_eq!(
            done_notice(Tr::new(Lang::En), &receipt()),
            "OK: 2 movement(s); created purchase order #12; 1 discrepancy line(s); emergency requisition raised: available 2 below the reorder level 5 (the manual minimum, else the latest run's reorder point), request 8 (see Replenishment)"
        );
        assert_eq!(
            done_notice(Tr::new(Lang::ZhCn), &receipt()),
            "完成：2 条库存移动；已创建采购订单 #12；1 行调拨差异；已发起急件请购：可用 2 低于补货线 5（手工最低库存，否则最近一次计划的再订货点），请购 8（见补货建议）"
        );
        let plain = StockReceipt {
            outcome: Outcome {
                movements: vec![MovementId(1)],
                ..Outcome::default()
            },
            replayed: false,
        };
        assert_eq!(done_notice(Tr::new(Lang::En), &plain), "OK: 1 movement(s)");
    }
}
