//! The warehouse operation page: one form per ledger command (purchase order, receipt,
//! inspection, issue, transfer ship/receive, repair send/receive, scrap request/decision,
//! stocktake open/counts/approve). Every form runs `App::stock_submit` (an issue above the
//! limit is queued for a manager), so roles, station scope, approvals and refusals are
//! exactly those of the API.

use super::{Page, app_error_page, render};
use crate::middleware::CurrentUser;
use crate::state::AppState;
use aftercare_app::AppError;
use aftercare_app::stock_approvals::Submitted;
use aftercare_domain::stock::{
    Command, Consumer, CountEntry, Qty, Resolution, ScrapReason, StockCondition, StocktakeScope,
    TransferQty,
};
use aftercare_domain::{
    Instant, LotId, PartId, PurchaseOrderId, RepairOrderId, RequisitionId, ScrapRequestId,
    StocktakeId, SupplierId, TicketId, TransferId, WarehouseId,
};
use askama::Template;
use axum::extract::{Multipart, State};
use axum::response::Response;
use axum::{Extension, Form};
use std::collections::HashMap;

#[derive(Template)]
#[template(path = "stock_ops.html")]
struct OpsTemplate {
    page: Page,
    warehouses: Vec<(i64, String, String)>,
    conditions: Vec<&'static str>,
    reasons: Vec<&'static str>,
}

async fn ops_page(
    state: &AppState,
    user: &CurrentUser,
    notice: Option<String>,
    error: Option<&AppError>,
) -> Response {
    let warehouses = match state.app.visible_warehouses(&user.actor()).await {
        Ok(w) => w,
        Err(e) => return app_error_page(user, &e),
    };
    let mut page = Page::for_user(user, "ops.title", "/stock/ops");
    page.notice = notice;
    if let Some(e) = error {
        page = page.with_error(e);
    }
    render(&OpsTemplate {
        page,
        warehouses: warehouses
            .into_iter()
            .map(|w| (w.id, w.code, w.name))
            .collect(),
        conditions: vec!["good", "repaired", "defective", "scrap", "quarantine"],
        reasons: ScrapReason::ALL.iter().map(|r| r.code()).collect(),
    })
}

/// `GET /stock/ops`.
pub async fn page(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
) -> Response {
    ops_page(&state, &user, None, None).await
}

struct Fields<'a>(&'a HashMap<String, String>);

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

    fn flag(&self, k: &str) -> bool {
        self.0.contains_key(k)
    }

    /// Instant `days` from now.
    fn days_ahead(&self, state: &AppState, k: &str) -> Result<Instant, AppError> {
        Ok(Instant(state.app.now().0 + self.int(k)? * 24 * 3600 * 1000))
    }
}

async fn part_id(state: &AppState, user: &CurrentUser, number: &str) -> Result<PartId, AppError> {
    Ok(PartId(
        state
            .app
            .get_part_by_number(&user.actor(), number)
            .await?
            .id,
    ))
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
            eta: f.days_ahead(state, "eta_days")?,
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
            close: f.flag("close"),
        },
        "resolve" => Command::ResolveDiscrepancy {
            transfer: TransferId(f.int("transfer")?),
            part: part_id(state, user, f.text("part")?).await?,
            condition: f.condition("condition")?,
            qty: f.qty("qty")?,
            resolution: if f.flag("found") {
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
            due: f.days_ahead(state, "due_days")?,
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

fn done_notice(receipt: &aftercare_app::stock::StockReceipt) -> String {
    let o = &receipt.outcome;
    let mut s = format!("OK: {} movement(s)", o.movements.len());
    if let Some(c) = &o.created {
        s.push_str(&format!(
            ", created {}",
            serde_json::to_string(c).unwrap_or_default()
        ));
    }
    if !o.discrepancies.is_empty() {
        s.push_str(&format!(", {} discrepancy line(s)", o.discrepancies.len()));
    }
    if let Some(e) = &o.emergency {
        s.push_str(&format!(
            ", emergency requisition: {}",
            serde_json::to_string(e).unwrap_or_default()
        ));
    }
    s
}

/// `POST /stock/ops`: run one operation form.
pub async fn submit(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let f = Fields(&form);
    let result = async {
        let command = command_of(&state, &user, &f).await?;
        state.app.stock_submit(&user.actor(), None, command).await
    }
    .await;
    match result {
        Ok(Submitted::Done(r)) => ops_page(&state, &user, Some(done_notice(&r)), None).await,
        Ok(Submitted::Pending { approval, .. }) => {
            let notice = format!(
                "{} #{}",
                crate::i18n::Tr::new(user.lang).t("approvals.queued"),
                approval.id
            );
            ops_page(&state, &user, Some(notice), None).await
        }
        Err(e @ (AppError::NotFound { .. } | AppError::Forbidden { .. })) => {
            app_error_page(&user, &e)
        }
        Err(e) => ops_page(&state, &user, None, Some(&e)).await,
    }
}

/// `POST /stock/ops/counts?_csrf=...` (multipart: `stocktake`, `file`): enter stocktake
/// counts from a CSV/XLSX with columns part_number, condition, counted. Every bad row is
/// reported and nothing is entered.
pub async fn upload_counts(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    mut form: Multipart,
) -> Response {
    let mut bytes = Vec::new();
    let mut stocktake = None;
    while let Ok(Some(field)) = form.next_field().await {
        match field.name().unwrap_or_default() {
            "file" => bytes = field.bytes().await.map(|b| b.to_vec()).unwrap_or_default(),
            "stocktake" => {
                stocktake = field
                    .text()
                    .await
                    .ok()
                    .and_then(|t| t.trim().parse::<i64>().ok())
            }
            _ => {}
        }
    }
    let result = async {
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
                None,
                Command::EnterCounts {
                    stocktake: StocktakeId(st),
                    counts: entries,
                },
            )
            .await?;
        Ok::<_, AppError>(format!("{n} count(s) entered; {}", done_notice(&r)))
    }
    .await;
    match result {
        Ok(notice) => ops_page(&state, &user, Some(notice), None).await,
        Err(e @ (AppError::NotFound { .. } | AppError::Forbidden { .. })) => {
            app_error_page(&user, &e)
        }
        Err(e) => ops_page(&state, &user, None, Some(&e)).await,
    }
}
