//! The parts section of the ticket page (request, issue, arrived, completion with used and
//! returned units, old-for-new returns) and its form posts. Every form calls the same use
//! cases as `/api/v1/tickets/{id}/parts...`.

use super::PageForm;
use super::PagePath;
use super::{app_error_page, format_instant};
use crate::i18n::Tr;
use crate::middleware::CurrentUser;
use crate::state::AppState;
use aftercare_app::AppError;
use aftercare_app::tickets::{
    PARTS_ROLES, PartRequestLine, PartUse, RESERVATION_EXPIRED, RESERVATION_RELEASED,
    RETURNED_ON_CANCEL, RepairCompletion, TicketParts, new_parts_request_key,
};
use aftercare_domain::TicketId;
use aftercare_domain::ticket::TicketStatus;
use aftercare_domain::ticket::parts::{ObligationStatus, PartLineStatus};
use askama::Template;
use axum::Extension;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};

/// One line as shown.
pub struct LineRow {
    id: i64,
    part: String,
    qty: i64,
    status: &'static str,
    status_key: String,
    note: String,
    note_key: Option<String>,
    used: i64,
    returned: i64,
    substitutes: Vec<String>,
}

/// One obligation as shown.
pub struct ObligationRow {
    id: i64,
    part: String,
    qty: i64,
    due: String,
    open: bool,
    received: String,
}

#[derive(Template)]
#[template(path = "ticket_parts.html")]
struct PanelTemplate {
    tr: Tr,
    csrf: String,
    ticket: i64,
    lines: Vec<LineRow>,
    obligations: Vec<ObligationRow>,
    may_act: bool,
    may_request: bool,
    may_issue: bool,
    may_arrive: bool,
    may_complete: bool,
    key: String,
    fault_codes: Vec<(i64, String)>,
}

/// The parts section for the ticket page (empty when the caller may not see it).
pub async fn panel(
    state: &AppState,
    user: &CurrentUser,
    tr: Tr,
    csrf: &str,
    id: TicketId,
    fault_codes: Vec<(i64, String)>,
    tz: &str,
) -> String {
    let actor = user.actor();
    let Ok(p) = state.app.ticket_parts(&actor, id).await else {
        return String::new();
    };
    let may_act = p.warehouse_id.is_some() && user.principal.has_any(PARTS_ROLES);
    if !may_act && p.lines.is_empty() && p.obligations.is_empty() {
        return String::new();
    }
    render_panel(&p, may_act, tr, csrf, fault_codes, tz)
}

fn render_panel(
    p: &TicketParts,
    may_act: bool,
    tr: Tr,
    csrf: &str,
    fault_codes: Vec<(i64, String)>,
    tz: &str,
) -> String {
    let works = matches!(
        p.status,
        TicketStatus::Accepted
            | TicketStatus::Scheduled
            | TicketStatus::OnSite
            | TicketStatus::WaitingForParts
    );
    let has = |s: PartLineStatus| p.lines.iter().any(|l| l.line.status == s);
    let issuable = p
        .lines
        .iter()
        .any(|l| l.line.status == PartLineStatus::Reserved && l.line.approval_id.is_none());
    let lines = p
        .lines
        .iter()
        .map(|v| LineRow {
            id: v.line.id,
            part: format!("{} {}", v.line.part_number, v.line.part_name),
            qty: v.line.qty,
            status: if v.line.approval_id.is_some() {
                "awaiting_approval"
            } else {
                v.line.status.code()
            },
            status_key: if v.line.approval_id.is_some() {
                "ticket_parts.status.awaiting_approval".to_string()
            } else {
                format!("ticket_parts.status.{}", v.line.status.code())
            },
            note: v.line.note.clone().unwrap_or_default(),
            note_key: note_key(v.line.note.as_deref()),
            used: v.line.qty_used,
            returned: v.line.qty_returned,
            substitutes: v
                .substitutes
                .iter()
                .map(|s| {
                    format!(
                        "{}. {} {} ({}) — {}",
                        s.priority, s.part_number, s.part_name, s.available, s.instruction
                    )
                })
                .collect(),
        })
        .collect();
    let obligations = p
        .obligations
        .iter()
        .map(|o| ObligationRow {
            id: o.id,
            part: o.part_number.clone(),
            qty: o.qty,
            due: format_instant(o.due_at.0, tz),
            open: o.status == ObligationStatus::Open,
            received: o
                .received_at
                .map(|r| format_instant(r.0, tz))
                .unwrap_or_default(),
        })
        .collect();
    let t = PanelTemplate {
        tr,
        csrf: csrf.to_string(),
        ticket: p.ticket_id.0,
        lines,
        obligations,
        may_act,
        may_request: may_act && works,
        may_issue: may_act && works && issuable,
        may_arrive: may_act && works && has(PartLineStatus::Waiting),
        may_complete: may_act && p.status == TicketStatus::OnSite && has(PartLineStatus::Issued),
        key: new_parts_request_key(),
        fault_codes,
    };
    t.render().unwrap_or_else(|e| {
        tracing::error!(error = %e, "parts panel failed to render");
        String::new()
    })
}

/// The translation of a line's note the application writes in fixed words (others, such as a
/// manager's rejection reason, are shown as written).
fn note_key(note: Option<&str>) -> Option<String> {
    let note = note?;
    let key = if note == RETURNED_ON_CANCEL {
        "ticket_parts.note.returned_on_cancel"
    } else if note.starts_with(RESERVATION_EXPIRED) {
        "ticket_parts.note.reservation_expired"
    } else if note.starts_with(RESERVATION_RELEASED) {
        "ticket_parts.note.reservation_released"
    } else {
        return None;
    };
    Some(key.to_string())
}

/// The request form: one part number and quantity, with the form's key.
#[derive(Debug, serde::Deserialize)]
pub struct RequestForm {
    part_number: String,
    qty: String,
    key: String,
}

/// `POST /tickets/{id}/parts`.
pub async fn request(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<RequestForm>,
) -> Response {
    let actor = user.actor();
    let r = async {
        let part = state.app.part_id_by_number(&f.part_number).await?;
        let qty: i64 =
            f.qty.trim().parse().map_err(|_| {
                AppError::invalid("qty", format!("'{}' is not a whole number", f.qty))
            })?;
        state
            .app
            .request_parts(
                &actor,
                TicketId(id),
                &f.key,
                &[PartRequestLine { part_id: part, qty }],
            )
            .await
    }
    .await;
    done_page(&state, id, r, &user).await
}

/// `POST /tickets/{id}/parts/issue`.
pub async fn issue(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    PagePath(id): PagePath<i64>,
) -> Response {
    let r = state.app.issue_parts(&user.actor(), TicketId(id)).await;
    done_page(&state, id, r, &user).await
}

/// `POST /tickets/{id}/parts/arrived`.
pub async fn arrived(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    PagePath(id): PagePath<i64>,
) -> Response {
    let r = state.app.parts_arrived(&user.actor(), TicketId(id)).await;
    done_page(&state, id, r, &user).await
}

/// `POST /tickets/{id}/parts/complete`: work done, labour, fault code, and `used_<line>` /
/// `returned_<line>` for every issued line.
pub async fn complete(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    PagePath(id): PagePath<i64>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Response {
    // Each line has fields of its own (`used_<line>`), so no field comes twice.
    if let Some(refusal) = super::once_each(&user, &fields, &[]) {
        return refusal;
    }
    let r = match completion_of(&fields) {
        Ok(c) => {
            state
                .app
                .complete_repair(&user.actor(), TicketId(id), c)
                .await
        }
        Err(e) => Err(e),
    };
    done_page(&state, id, r, &user).await
}

fn completion_of(fields: &[(String, String)]) -> Result<RepairCompletion, AppError> {
    let num = |name: &str, v: &str| -> Result<Option<i64>, AppError> {
        let v = v.trim();
        if v.is_empty() {
            return Ok(None);
        }
        v.parse()
            .map(Some)
            .map_err(|_| AppError::invalid(name, format!("'{v}' is not a whole number")))
    };
    let mut c = RepairCompletion::default();
    let mut uses: std::collections::BTreeMap<i64, (i64, i64)> = Default::default();
    for (k, v) in fields {
        match k.as_str() {
            "actions_taken" => c.actions_taken = v.clone(),
            "labour_minutes" => c.labour_minutes = num(k, v)?,
            "fault_code" => c.fault_code = num(k, v)?,
            _ => {
                let (slot, line) = if let Some(l) = k.strip_prefix("used_") {
                    (0, l)
                } else if let Some(l) = k.strip_prefix("returned_") {
                    (1, l)
                } else {
                    continue;
                };
                let line: i64 = line
                    .parse()
                    .map_err(|_| AppError::invalid(k, "is not a part line"))?;
                let n = num(k, v)?.unwrap_or(0);
                let e = uses.entry(line).or_default();
                if slot == 0 {
                    e.0 = n;
                } else {
                    e.1 = n;
                }
            }
        }
    }
    c.parts = uses
        .into_iter()
        .map(|(line_id, (used, returned))| PartUse {
            line_id,
            used,
            returned,
        })
        .collect();
    Ok(c)
}

/// `POST /tickets/{id}/parts/returns/{obligation}/receive`.
pub async fn receive(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    PagePath((id, obligation)): PagePath<(i64, i64)>,
) -> Response {
    let r = state
        .app
        .receive_defective_part(&user.actor(), TicketId(id), obligation)
        .await;
    done_page(&state, id, r, &user).await
}

async fn done_page(
    state: &AppState,
    id: i64,
    r: Result<TicketParts, AppError>,
    user: &CurrentUser,
) -> Response {
    match r {
        Ok(_) => Redirect::to(&format!("/tickets/{id}?ok=1#parts")).into_response(),
        Err(e @ (AppError::NotFound { .. } | AppError::Forbidden { .. })) => {
            app_error_page(user, &e)
        }
        Err(e) => super::refused(
            super::tickets::detail_page(state, user, TicketId(id), Some(&e), false).await,
            &e,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_completion_form_collects_used_and_returned_per_line() {
        let f = |k: &str, v: &str| (k.to_string(), v.to_string());
        let c = completion_of(&[
            f("actions_taken", "更换主板"),
            f("labour_minutes", "30"),
            f("fault_code", ""),
            f("used_7", "2"),
            f("returned_7", "1"),
            f("used_9", "1"),
            f("_csrf", "x"),
        ])
        .unwrap();
        assert_eq!(c.labour_minutes, Some(30));
        assert_eq!(c.fault_code, None);
        assert_eq!(
            c.parts,
            vec![
                PartUse {
                    line_id: 7,
                    used: 2,
                    returned: 1
                },
                PartUse {
                    line_id: 9,
                    used: 1,
                    returned: 0
                }
            ]
        );
        assert!(completion_of(&[f("used_x", "1")]).is_err());
        assert!(completion_of(&[f("used_1", "two")]).is_err());
    }
}
