//! Admin pages: users, API tokens, company settings, audit log.

use super::{Page, app_error_page, format_instant, render, role_key};
use super::{PageForm, PagePath, PageQuery};
use crate::middleware::CurrentUser;
use crate::state::AppState;
use aftercare_app::AppError;
use aftercare_app::admin::{AddUser, AuditFilter};
use aftercare_domain::settings::{CompanySettings, Lang};
use aftercare_domain::{ApiTokenId, Role, UserId};
use askama::Template;
use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// A user row.
pub struct UserRow {
    id: i64,
    login: String,
    display_name: String,
    role_key: &'static str,
    binding: String,
    active: bool,
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersTemplate {
    page: Page,
    rows: Vec<UserRow>,
    roles: Vec<(&'static str, &'static str)>,
    form: UserForm,
}

/// The add-user form.
#[derive(Deserialize, Default, Clone)]
pub struct UserForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    station: String,
    #[serde(default)]
    brand: String,
    #[serde(default)]
    password: String,
}

/// Query with a success flag after a redirect.
#[derive(Deserialize, Default)]
pub struct Done {
    ok: Option<String>,
}

async fn users_page(
    state: &AppState,
    user: &CurrentUser,
    form: UserForm,
    error: Option<&AppError>,
    ok: bool,
) -> Response {
    let list = match state.app.list_users(&user.actor()).await {
        Ok(l) => l,
        Err(e) => return app_error_page(user, &e),
    };
    let mut page = Page::for_user(user, "users.title", "/admin/users");
    if let Some(e) = error {
        page = page.with_error(e);
    }
    if ok {
        page.notice = Some(page.tr.t("users.created").to_string());
    }
    let page_tr = page.tr;
    let rows = list
        .into_iter()
        .map(|u| UserRow {
            id: u.id.0,
            binding: u
                .station_id
                .map(|s| format!("{} #{s}", page_tr.t("users.bound_station")))
                .or(u
                    .brand_id
                    .map(|b| format!("{} #{b}", page_tr.t("users.bound_brand"))))
                .unwrap_or_default(),
            login: u.login,
            display_name: u.display_name,
            role_key: role_key(u.role),
            active: u.active,
        })
        .collect();
    let roles = Role::ALL.iter().map(|r| (r.code(), role_key(*r))).collect();
    let mut resp = render(&UsersTemplate {
        page,
        rows,
        roles,
        form,
    });
    if let Some(e) = error {
        // The API's status: 422 for bad fields, 409 for a login already taken.
        resp = super::refused(resp, e);
    }
    resp
}

/// `GET /admin/users`.
pub async fn users(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    PageQuery(done): PageQuery<Done>,
) -> Response {
    users_page(&state, &user, UserForm::default(), None, done.ok.is_some()).await
}

/// `POST /admin/users`.
pub async fn add_user(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    PageForm(form): PageForm<UserForm>,
) -> Response {
    let role = match Role::parse(&form.role) {
        Ok(r) => r,
        Err(e) => {
            let err = AppError::invalid("role", e.to_string());
            return users_page(&state, &user, form, Some(&err), false).await;
        }
    };
    let non_empty = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
    let req = AddUser {
        login: form.login.clone(),
        display_name: non_empty(&form.display_name),
        role,
        station: non_empty(&form.station),
        technician: None,
        brand: non_empty(&form.brand),
        password: form.password.clone(),
    };
    match state.app.add_user(&user.actor(), req).await {
        Ok(_) => Redirect::to("/admin/users?ok=1").into_response(),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. })) => {
            let mut form = form;
            form.password.clear();
            users_page(&state, &user, form, Some(&e), false).await
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

/// `POST /admin/users/{id}/active`.
pub async fn set_active(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    PagePath(id): PagePath<i64>,
    PageForm(form): PageForm<ActiveForm>,
) -> Response {
    match state
        .app
        .set_user_active(&user.actor(), UserId(id), form.active)
        .await
    {
        Ok(_) => Redirect::to("/admin/users").into_response(),
        Err(e) => app_error_page(&user, &e),
    }
}

/// A token row.
pub struct TokenRow {
    id: i64,
    name: String,
    prefix: String,
    user_id: i64,
    created: String,
    last_used: Option<String>,
    revoked: bool,
}

#[derive(Template)]
#[template(path = "tokens.html")]
struct TokensTemplate {
    page: Page,
    rows: Vec<TokenRow>,
    secret: Option<String>,
    /// This rendering's form key: the create form sent twice makes one token.
    form_key: String,
}

async fn tokens_page(
    state: &AppState,
    user: &CurrentUser,
    secret: Option<String>,
    error: Option<&AppError>,
) -> Response {
    let (list, settings) = match (
        state.app.list_api_tokens(&user.actor()).await,
        state.app.company_settings().await,
    ) {
        (Ok(l), Ok(s)) => (l, s),
        (Err(e), _) | (_, Err(e)) => return app_error_page(user, &e),
    };
    let mut page = Page::for_user(user, "tokens.title", "/admin/tokens");
    if let Some(e) = error {
        page = page.with_error(e);
    }
    let tz = settings.time_zone;
    let rows = list
        .into_iter()
        .map(|t| TokenRow {
            id: t.id.0,
            name: t.name,
            prefix: t.prefix,
            user_id: t.user_id.0,
            created: format_instant(t.created_at.0, &tz),
            last_used: t.last_used_at.map(|i| format_instant(i.0, &tz)),
            revoked: t.revoked_at.is_some(),
        })
        .collect();
    render(&TokensTemplate {
        page,
        rows,
        secret,
        form_key: aftercare_app::random_token(),
    })
}

/// `GET /admin/tokens`.
pub async fn tokens(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
) -> Response {
    tokens_page(&state, &user, None, None).await
}

/// The create-token form.
#[derive(Deserialize, Debug)]
pub struct TokenForm {
    name: String,
    login: String,
    #[serde(default)]
    form: Option<String>,
}

/// `POST /admin/tokens`: the page shows the secret once.
pub async fn create_token(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    PageForm(form): PageForm<TokenForm>,
) -> Response {
    match state
        .app
        .create_api_token_once(
            &user.actor(),
            &form.name,
            &form.login,
            super::request_key(form.form.as_deref(), &(&form.name, &form.login)).as_deref(),
        )
        .await
    {
        Ok(created) => tokens_page(&state, &user, Some(created.secret), None).await,
        Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. })) => {
            super::refused(tokens_page(&state, &user, None, Some(&e)).await, &e)
        }
        Err(e) => app_error_page(&user, &e),
    }
}

/// `POST /admin/tokens/{id}/revoke`.
pub async fn revoke_token(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    PagePath(id): PagePath<i64>,
) -> Response {
    match state
        .app
        .revoke_api_token(&user.actor(), ApiTokenId(id))
        .await
    {
        Ok(()) => Redirect::to("/admin/tokens").into_response(),
        Err(e) => app_error_page(&user, &e),
    }
}

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsTemplate {
    page: Page,
    s: CompanySettings,
}

/// `GET /admin/settings`.
pub async fn settings(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    PageQuery(done): PageQuery<Done>,
) -> Response {
    if let Err(e) = user
        .actor()
        .require(&[Role::Admin], "change company settings")
    {
        return app_error_page(&user, &e);
    }
    match state.app.company_settings().await {
        Ok(s) => {
            let mut page = Page::for_user(&user, "settings.title", "/admin/settings");
            if done.ok.is_some() {
                page.notice = Some(page.tr.t("settings.saved").to_string());
            }
            render(&SettingsTemplate { page, s })
        }
        Err(e) => app_error_page(&user, &e),
    }
}

/// The settings form.
#[derive(Deserialize)]
pub struct SettingsForm {
    company_name: String,
    time_zone: String,
    currency: String,
    default_language: String,
}

/// `POST /admin/settings`.
pub async fn save_settings(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    PageForm(f): PageForm<SettingsForm>,
) -> Response {
    let s = CompanySettings {
        company_name: f.company_name,
        time_zone: f.time_zone.trim().to_string(),
        currency: f.currency.trim().to_string(),
        default_language: Lang::parse(&f.default_language).unwrap_or_default(),
    };
    match state
        .app
        .update_company_settings(&user.actor(), s.clone())
        .await
    {
        Ok(_) => Redirect::to("/admin/settings?ok=1").into_response(),
        Err(e @ AppError::Invalid(_)) => {
            let page = Page::for_user(&user, "settings.title", "/admin/settings").with_error(&e);
            let mut resp = render(&SettingsTemplate { page, s });
            *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            resp
        }
        Err(e) => app_error_page(&user, &e),
    }
}

/// An audit row.
pub struct AuditRow {
    at: String,
    actor: String,
    action: String,
    /// The action in words, when the page knows it.
    action_words: String,
    object: String,
    change: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditTemplate {
    page: Page,
    rows: Vec<AuditRow>,
    q: AuditQuery,
    /// The link to the next older page, with the same filters.
    older: Option<String>,
}

/// The audit page's filters (as the API's, `before` for paging).
#[derive(Debug, Default, Deserialize, serde::Serialize)]
pub struct AuditQuery {
    /// Only this kind of object (`ticket`, `part`, …).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    object_type: String,
    /// Only this object.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    object_id: String,
    /// Only this login.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    actor: String,
    /// Only this action code.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    action: String,
    /// Only entries older than this id (the next page).
    #[serde(default, skip_serializing)]
    before: Option<i64>,
}

/// Entries on one page of the audit log.
const AUDIT_PAGE: usize = 200;

/// A recorded action in the page's words: the application's actions, ledger commands
/// (`stock.<op>`) and ticket actions (`ticket.<action>`); empty when none is known.
fn action_words(tr: crate::i18n::Tr, code: &str) -> String {
    let key = match code.split_once('.') {
        Some(("stock", op)) if crate::i18n::Tr::has(&format!("audit.stock.{op}")) => {
            format!("audit.stock.{op}")
        }
        Some(("ticket", a)) if crate::i18n::Tr::has(&format!("ticket.action.{a}")) => {
            format!("ticket.action.{a}")
        }
        _ => format!("audit.action.{code}"),
    };
    if crate::i18n::Tr::has(&key) {
        tr.t(&key).to_string()
    } else {
        String::new()
    }
}

/// Who did it: a user's login, or the command line or the system in words (entries
/// without a user; a user may be called "system" too).
fn actor_words(tr: crate::i18n::Tr, user: Option<UserId>, login: String) -> String {
    match (user, login.as_str()) {
        (None, "cli") => tr.t("audit.actor.cli").to_string(),
        (None, "system") => tr.t("audit.actor.system").to_string(),
        _ => login,
    }
}

/// `GET /admin/audit?object_type=&object_id=&actor=&action=&before=`: the newest entries
/// matching the filters, a page at a time.
pub async fn audit(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    PageQuery(q): PageQuery<AuditQuery>,
) -> Response {
    let given = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    let filter = AuditFilter {
        object_type: given(&q.object_type),
        object_id: given(&q.object_id),
        actor_login: given(&q.actor),
        action: given(&q.action),
        before_id: q.before.map(aftercare_domain::AuditId),
        // One more than a page tells whether there is an older page.
        limit: AUDIT_PAGE as i64 + 1,
    };
    let (entries, settings) = match (
        state.app.audit_log(&user.actor(), filter).await,
        state.app.company_settings().await,
    ) {
        (Ok(e), Ok(s)) => (e, s),
        (Err(e), _) | (_, Err(e)) => return app_error_page(&user, &e),
    };
    let tr = crate::i18n::Tr::new(user.lang);
    let older = (entries.len() > AUDIT_PAGE).then(|| {
        let last = entries[AUDIT_PAGE - 1].id.0;
        let filters = serde_urlencoded::to_string(&q).unwrap_or_default();
        let and = if filters.is_empty() { "" } else { "&" };
        format!("/admin/audit?{filters}{and}before={last}")
    });
    let rows = entries
        .into_iter()
        .take(AUDIT_PAGE)
        .map(|e| AuditRow {
            at: format_instant(e.at.0, &settings.time_zone),
            actor: actor_words(tr, e.actor_id, e.actor_login),
            action_words: action_words(tr, &e.action),
            action: e.action,
            object: format!("{} {}", e.object_type, e.object_id),
            change: match (&e.before, &e.after) {
                (Some(b), Some(a)) => format!("{b} → {a}"),
                (None, Some(a)) => a.to_string(),
                (Some(b), None) => b.to_string(),
                (None, None) => String::new(),
            },
        })
        .collect();
    render(&AuditTemplate {
        page: Page::for_user(&user, "audit.title", "/admin/audit"),
        rows,
        q,
        older,
    })
}
