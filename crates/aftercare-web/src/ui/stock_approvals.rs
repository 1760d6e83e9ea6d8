//! The manager approval queue page: issues above the approval limit waiting for a manager
//! (station users see their own warehouses' requests), with approve and reject forms. The
//! forms run the same use cases as the API, so roles and scope are the same.

use super::{Page, app_error_page, render};
use super::{PageForm, PagePath, PageQuery};
use crate::i18n::Tr;
use crate::middleware::CurrentUser;
use crate::state::AppState;
use aftercare_app::AppError;
use aftercare_app::stock_approvals::{ApprovalFilter, ApprovalRow};
use aftercare_domain::{Money, Role};
use askama::Template;
use axum::Extension;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// One row of the queue, ready to show.
pub struct Row {
    a: ApprovalRow,
    value: String,
    reason_key: &'static str,
    status_key: &'static str,
    requested_at: String,
    /// What the parts are issued to, in words ("工单 #12").
    consumer: String,
}

fn row(tr: &Tr, tz: &str, a: ApprovalRow) -> Row {
    let reason_key = if a.reason_json.contains("\"value_above\"") {
        "approvals.reason.value_above"
    } else {
        "approvals.reason.qty_above"
    };
    let status_key = match a.status.as_str() {
        "approved" => "approvals.status.approved",
        "rejected" => "approvals.status.rejected",
        _ => "approvals.status.pending",
    };
    Row {
        value: Money(a.value).to_string(),
        // In the company's time zone, as every other page shows a time.
        requested_at: super::format_instant(a.requested_at, tz),
        reason_key,
        status_key,
        consumer: format!(
            "{} #{}",
            super::parts::code_text(tr, "move.doc", &a.consumer_kind),
            a.consumer_id
        ),
        a,
    }
}

#[derive(Template)]
#[template(path = "stock_approvals.html")]
struct QueueTemplate {
    page: Page,
    status: String,
    rows: Vec<Row>,
    may_decide: bool,
}

/// Queue filter.
#[derive(Deserialize, Default)]
pub struct QueueQuery {
    /// `pending` (default), `approved`, `rejected` or `all`.
    #[serde(default)]
    pub status: Option<String>,
}

async fn queue_page(
    state: &AppState,
    user: &CurrentUser,
    status: Option<String>,
    notice: Option<String>,
    error: Option<&AppError>,
) -> Response {
    let status = status
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "pending".into());
    let rows = match state
        .app
        .stock_approvals(
            &user.actor(),
            ApprovalFilter {
                status: (status != "all").then(|| status.clone()),
                limit: 200,
                ..Default::default()
            },
        )
        .await
    {
        Ok(r) => r,
        Err(e) => return app_error_page(user, &e),
    };
    let tz = match state.app.company_settings().await {
        Ok(s) => s.time_zone,
        Err(e) => return app_error_page(user, &e),
    };
    let mut page = Page::for_user(user, "approvals.title", "/stock/approvals");
    page.notice = notice;
    if let Some(e) = error {
        page = page.with_error(e);
    }
    let rows = rows.into_iter().map(|a| row(&page.tr, &tz, a)).collect();
    render(&QueueTemplate {
        page,
        status,
        rows,
        may_decide: user.principal.role == Role::Manager,
    })
}

/// `GET /stock/approvals?status=`.
pub async fn page(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    PageQuery(q): PageQuery<QueueQuery>,
) -> Response {
    queue_page(&state, &user, q.status, None, None).await
}

/// `POST /stock/approvals/{id}/approve`.
pub async fn approve(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    PagePath(id): PagePath<i64>,
) -> Response {
    match state.app.approve_stock_approval(&user.actor(), id).await {
        Ok(_) => Redirect::to("/stock/approvals").into_response(),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. } | AppError::Refused { .. })) => {
            super::refused(queue_page(&state, &user, None, None, Some(&e)).await, &e)
        }
        Err(e) => app_error_page(&user, &e),
    }
}

/// The reject form.
#[derive(Deserialize)]
pub struct RejectForm {
    /// Why.
    #[serde(default)]
    pub reason: String,
}

/// `POST /stock/approvals/{id}/reject`.
pub async fn reject(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<RejectForm>,
) -> Response {
    match state
        .app
        .reject_stock_approval(&user.actor(), id, &f.reason)
        .await
    {
        Ok(_) => Redirect::to("/stock/approvals").into_response(),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. })) => {
            super::refused(queue_page(&state, &user, None, None, Some(&e)).await, &e)
        }
        Err(e) => app_error_page(&user, &e),
    }
}
