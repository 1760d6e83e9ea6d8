//! The server-rendered web UI. Pages work as plain links and forms; a little of our own
//! JavaScript (static/app.js) only enhances them.

mod admin;
mod auth;
mod home;
mod hooks;
mod org;
mod parts;
mod plan_lifecycle;
mod planning;
mod stock_approvals;
mod stock_ops;
mod templates;
mod ticket_parts;
mod tickets;

use crate::i18n::Tr;
use crate::middleware::CurrentUser;
use crate::params::{self, ParamError};
use crate::state::AppState;
use aftercare_app::AppError;
use aftercare_domain::Role;
use aftercare_domain::settings::Lang;
use askama::Template;
use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::Method;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{MethodRouter, get, post};

/// UI routes reachable without logging in.
pub fn public_router() -> Router<AppState> {
    Router::new().route("/login", get(auth::login_page).post(auth::login_submit))
}

/// UI routes behind authentication, as (method, path, handler): the router is built from
/// this list and the deny-by-default test walks the same list.
pub fn protected_routes() -> Vec<(Method, &'static str, MethodRouter<AppState>)> {
    vec![
        (Method::GET, "/", get(home::home)),
        (Method::POST, "/logout", post(auth::logout)),
        (Method::POST, "/lang", post(auth::switch_language)),
        (Method::GET, "/stations", get(org::stations)),
        (Method::GET, "/warehouses", get(org::warehouses)),
        (Method::GET, "/admin/users", get(admin::users)),
        (Method::POST, "/admin/users", post(admin::add_user)),
        (
            Method::POST,
            "/admin/users/{id}/active",
            post(admin::set_active),
        ),
        (Method::GET, "/admin/tokens", get(admin::tokens)),
        (Method::POST, "/admin/tokens", post(admin::create_token)),
        (
            Method::POST,
            "/admin/tokens/{id}/revoke",
            post(admin::revoke_token),
        ),
        (Method::GET, "/admin/settings", get(admin::settings)),
        (Method::POST, "/admin/settings", post(admin::save_settings)),
        (Method::GET, "/admin/audit", get(admin::audit)),
        (Method::GET, "/admin/webhooks", get(hooks::list)),
        (Method::POST, "/admin/webhooks", post(hooks::create)),
        (Method::GET, "/admin/webhooks/{id}", get(hooks::edit)),
        (Method::POST, "/admin/webhooks/{id}", post(hooks::update)),
        (
            Method::POST,
            "/admin/webhooks/{id}/active",
            post(hooks::set_active),
        ),
        (
            Method::POST,
            "/admin/webhooks/{id}/test",
            post(hooks::send_test),
        ),
        (Method::GET, "/admin/sla", get(hooks::sla)),
        (Method::POST, "/admin/sla", post(hooks::save_sla)),
        (Method::GET, "/planning", get(planning::list)),
        (Method::POST, "/planning/run", post(planning::run)),
        (
            Method::POST,
            "/planning/proposals/approve",
            post(planning::approve_selected),
        ),
        (
            Method::POST,
            "/planning/proposals/{id}/approve",
            post(planning::approve),
        ),
        (
            Method::POST,
            "/planning/proposals/{id}/reject",
            post(planning::reject),
        ),
        (
            Method::GET,
            "/planning/items/{warehouse}/{part}",
            get(planning::item),
        ),
        (
            Method::GET,
            "/planning/lifecycle",
            get(plan_lifecycle::page),
        ),
        (
            Method::POST,
            "/planning/successions",
            post(plan_lifecycle::set_succession),
        ),
        (
            Method::POST,
            "/planning/successions/{predecessor}/remove",
            post(plan_lifecycle::remove_succession),
        ),
        (
            Method::POST,
            "/planning/events",
            post(plan_lifecycle::add_event),
        ),
        (
            Method::POST,
            "/planning/events/{id}/cancel",
            post(plan_lifecycle::cancel_event),
        ),
        (Method::GET, "/intake", get(tickets::intake)),
        (
            Method::POST,
            "/intake/customer",
            post(tickets::intake_customer),
        ),
        (Method::POST, "/intake/unit", post(tickets::intake_unit)),
        (Method::POST, "/intake/ticket", post(tickets::intake_ticket)),
        (Method::GET, "/tickets", get(tickets::search)),
        (Method::GET, "/tickets/{id}", get(tickets::detail)),
        (Method::POST, "/tickets/{id}/act", post(tickets::act)),
        (
            Method::POST,
            "/tickets/{id}/auto-dispatch",
            post(tickets::auto_dispatch),
        ),
        (Method::GET, "/dispatch", get(tickets::dispatch)),
        (Method::GET, "/station/tickets", get(tickets::station)),
        (Method::GET, "/jobs", get(tickets::jobs)),
        (Method::GET, "/callbacks", get(tickets::callbacks)),
        (
            Method::POST,
            "/tickets/{id}/parts",
            post(ticket_parts::request),
        ),
        (
            Method::POST,
            "/tickets/{id}/parts/issue",
            post(ticket_parts::issue),
        ),
        (
            Method::POST,
            "/tickets/{id}/parts/arrived",
            post(ticket_parts::arrived),
        ),
        (
            Method::POST,
            "/tickets/{id}/parts/complete",
            post(ticket_parts::complete),
        ),
        (
            Method::POST,
            "/tickets/{id}/parts/returns/{obligation}/receive",
            post(ticket_parts::receive),
        ),
        (Method::GET, "/parts", get(parts::list)),
        (Method::POST, "/parts/import", post(parts::import)),
        (Method::GET, "/parts/export", get(parts::export)),
        (Method::GET, "/parts/template", get(parts::template)),
        (Method::GET, "/parts/{id}", get(parts::detail)),
        (Method::GET, "/stock", get(parts::stock)),
        (
            Method::GET,
            "/warehouses/{id}/stock",
            get(parts::warehouse_stock),
        ),
        (Method::GET, "/stock/movements", get(parts::movements)),
        (
            Method::GET,
            "/stock/movements/export",
            get(parts::movements_export),
        ),
        (Method::GET, "/stock/in-transit", get(parts::in_transit)),
        (Method::GET, "/stock/slow", get(parts::slow)),
        (Method::GET, "/stock/ops", get(stock_ops::page)),
        (Method::POST, "/stock/ops", post(stock_ops::submit)),
        (Method::GET, "/stock/ops/parts", get(stock_ops::part_lookup)),
        (
            Method::POST,
            "/stock/ops/counts",
            post(stock_ops::upload_counts),
        ),
        (Method::GET, "/stock/approvals", get(stock_approvals::page)),
        (
            Method::POST,
            "/stock/approvals/{id}/approve",
            post(stock_approvals::approve),
        ),
        (
            Method::POST,
            "/stock/approvals/{id}/reject",
            post(stock_approvals::reject),
        ),
        (Method::GET, "/admin/templates", get(templates::list)),
        (
            Method::GET,
            "/admin/templates/{event}/{lang}",
            get(templates::edit),
        ),
        (
            Method::POST,
            "/admin/templates/{event}/{lang}",
            post(templates::submit),
        ),
        (
            Method::POST,
            "/admin/templates/{event}/{lang}/reset",
            post(templates::reset),
        ),
    ]
}

/// The protected UI router.
pub fn protected_router() -> Router<AppState> {
    protected_routes()
        .into_iter()
        .fold(Router::new(), |r, (_, path, handler)| {
            r.route(path, handler)
        })
}

/// One entry of the navigation.
#[derive(Debug, Clone)]
pub struct NavItem {
    /// Translation key of the label.
    pub key: &'static str,
    /// Link.
    pub href: &'static str,
}

/// (label key, link, roles that see it): the navigation by role.
const NAV: &[(&str, &str, &[Role])] = &[
    ("nav.home", "/", &Role::ALL),
    (
        "nav.stations",
        "/stations",
        &[
            Role::Admin,
            Role::Manager,
            Role::Agent,
            Role::Dispatcher,
            Role::Warehouse,
        ],
    ),
    ("nav.my_station", "/stations", &[Role::Station]),
    (
        "nav.warehouses",
        "/warehouses",
        &[Role::Admin, Role::Manager, Role::Warehouse, Role::Station],
    ),
    (
        "nav.parts",
        "/parts",
        &[Role::Admin, Role::Manager, Role::Warehouse, Role::Station],
    ),
    (
        "nav.stock",
        "/stock",
        &[Role::Admin, Role::Manager, Role::Warehouse, Role::Station],
    ),
    (
        "nav.ops",
        "/stock/ops",
        &[Role::Admin, Role::Manager, Role::Warehouse, Role::Station],
    ),
    (
        "nav.in_transit",
        "/stock/in-transit",
        &[Role::Admin, Role::Manager, Role::Warehouse, Role::Station],
    ),
    (
        "nav.approvals",
        "/stock/approvals",
        &[Role::Admin, Role::Manager, Role::Warehouse, Role::Station],
    ),
    (
        "nav.planning",
        "/planning",
        // A station reads the replenishment proposed for its own warehouses.
        &[Role::Admin, Role::Manager, Role::Warehouse, Role::Station],
    ),
    (
        "nav.intake",
        "/intake",
        &[Role::Admin, Role::Manager, Role::Agent],
    ),
    (
        "nav.tickets",
        "/tickets",
        &[
            Role::Admin,
            Role::Manager,
            Role::Agent,
            Role::Dispatcher,
            Role::Station,
            Role::Technician,
        ],
    ),
    (
        "nav.dispatch",
        "/dispatch",
        &[Role::Admin, Role::Manager, Role::Dispatcher],
    ),
    ("nav.station_tickets", "/station/tickets", &[Role::Station]),
    ("nav.jobs", "/jobs", &[Role::Technician, Role::Station]),
    (
        "nav.callbacks",
        "/callbacks",
        &[Role::Admin, Role::Manager, Role::Agent],
    ),
    ("nav.users", "/admin/users", &[Role::Admin]),
    ("nav.tokens", "/admin/tokens", &[Role::Admin]),
    ("nav.settings", "/admin/settings", &[Role::Admin]),
    ("nav.audit", "/admin/audit", &[Role::Admin]),
    ("nav.webhooks", "/admin/webhooks", &[Role::Admin]),
    ("nav.sla", "/admin/sla", &[Role::Admin]),
    ("nav.templates", "/admin/templates", &[Role::Admin]),
];

/// The navigation a role sees.
pub fn nav_for(role: Role) -> Vec<NavItem> {
    NAV.iter()
        .filter(|(_, _, roles)| roles.contains(&role))
        .map(|(key, href, _)| NavItem { key, href })
        .collect()
}

/// What every page's layout needs.
pub struct Page {
    /// Translator.
    pub tr: Tr,
    /// Page title key.
    pub title: &'static str,
    /// The logged-in user's name and role label key, if any.
    pub user_name: Option<String>,
    /// Role label key.
    pub role_key: &'static str,
    /// Navigation.
    pub nav: Vec<NavItem>,
    /// Link of the current page, to mark it in the navigation.
    pub current: &'static str,
    /// CSRF token for forms.
    pub csrf: String,
    /// One-off notice to show (already translated or data).
    pub notice: Option<String>,
    /// Error lines to show.
    pub errors: Vec<String>,
}

impl Page {
    /// The layout context for a logged-in user.
    pub fn for_user(user: &CurrentUser, title: &'static str, current: &'static str) -> Page {
        Page {
            tr: Tr::new(user.lang),
            title,
            user_name: Some(user.display_name.clone()),
            role_key: role_key(user.principal.role),
            nav: nav_for(user.principal.role),
            current,
            csrf: user.csrf_token.clone().unwrap_or_default(),
            notice: None,
            errors: Vec::new(),
        }
    }

    /// The layout context for an anonymous visitor.
    pub fn anonymous(lang: Lang, title: &'static str) -> Page {
        Page {
            tr: Tr::new(lang),
            title,
            user_name: None,
            role_key: "",
            nav: Vec::new(),
            current: "",
            csrf: String::new(),
            notice: None,
            errors: Vec::new(),
        }
    }

    /// Show the lines of an application error on the page.
    pub fn with_error(mut self, e: &AppError) -> Page {
        self.errors = error_lines(self.tr, e);
        self
    }
}

/// The translation key of a role's label.
pub fn role_key(role: Role) -> &'static str {
    match role {
        Role::Admin => "role.admin",
        Role::Manager => "role.manager",
        Role::Agent => "role.agent",
        Role::Dispatcher => "role.dispatcher",
        Role::Warehouse => "role.warehouse",
        Role::Station => "role.station",
        Role::Technician => "role.technician",
        Role::Brand => "role.brand",
    }
}

/// A refused form's page with the status the API gives the same refusal (422 for bad
/// input, 409 for a conflict such as a refused approval), as the other pages answer a
/// refused form; a page that failed on its own keeps its status.
pub(crate) fn refused(mut resp: Response, e: &AppError) -> Response {
    if resp.status().is_success() {
        *resp.status_mut() = crate::error::status_of(e);
    }
    resp
}

/// A refusal's particulars (English, from the ledger or the ticket rules) in the page's
/// language where they are one of the common ones, else as they are.
pub(crate) fn particulars_in(tr: Tr, message: &str) -> String {
    match tr.lang {
        Lang::ZhCn => crate::i18n::conflicts::particulars_zh(message, |c| code_words(tr, c))
            .or_else(|| invalid_input_zh(tr, message))
            .unwrap_or_else(|| message.to_string()),
        Lang::En => message.to_string(),
    }
}

/// A kept "invalid input: field: reason; …" (a proposal's refused approval) in Chinese,
/// each field and reason as a refused form shows them.
fn invalid_input_zh(tr: Tr, message: &str) -> Option<String> {
    let rest = message.strip_prefix("invalid input: ")?;
    let zh = |reason: &str| {
        crate::i18n::reasons::reason_zh(reason).unwrap_or_else(|| reason.to_string())
    };
    let items: Vec<String> = rest
        .split("; ")
        .map(|item| match item.split_once(": ") {
            Some((field, reason)) => {
                format!(
                    "{}：{}",
                    crate::i18n::reasons::field_path_zh(field),
                    zh(reason)
                )
            }
            None => zh(item),
        })
        .collect();
    Some(format!("{}{}", tr.t("error.invalid"), items.join("；")))
}

/// A code a refusal quotes (a stock condition, a ticket status or action) in words, or
/// as it is.
fn code_words(tr: Tr, code: &str) -> String {
    ["stock.cond.", "ticket.status.", "ticket.action."]
        .iter()
        .map(|prefix| format!("{prefix}{code}"))
        .find(|key| Tr::has(key))
        .map_or_else(|| code.to_string(), |key| tr.t(&key).to_string())
}

pub(crate) fn error_lines(tr: Tr, e: &AppError) -> Vec<String> {
    match e {
        AppError::Invalid(fields) => {
            let mut lines = vec![tr.t("error.invalid").to_string()];
            lines.extend(fields.iter().map(|f| match tr.lang {
                Lang::ZhCn => format!(
                    "{}：{}",
                    crate::i18n::reasons::field_path_zh(&f.field),
                    crate::i18n::reasons::reason_zh(&f.reason).unwrap_or_else(|| f.reason.clone())
                ),
                Lang::En => format!("{}: {}", f.field, f.reason),
            }));
            lines
        }
        AppError::Conflict { code, message } | AppError::Refused { code, message, .. } => {
            match (tr.lang, crate::i18n::conflicts::conflict_zh(code)) {
                (Lang::ZhCn, Some(zh)) => {
                    // The particulars too where they are one of the common refusals.
                    let particulars = particulars_in(tr, message);
                    vec![format!("{}{zh}。{particulars}", tr.t("error.conflict"))]
                }
                _ => vec![format!("{} {message}", tr.t("error.conflict"))],
            }
        }
        AppError::Forbidden { .. } => vec![tr.t("error.forbidden").to_string()],
        AppError::NotFound { .. } => vec![tr.t("error.not_found").to_string()],
        _ => vec![tr.t("error.internal").to_string()],
    }
}

/// Render a template to a response.
pub fn render(t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "template error").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorTemplate {
    page: Page,
    message_key: &'static str,
}

/// A full error page with a translated message.
pub fn error_page(status: StatusCode, lang: Lang, message_key: &'static str) -> Response {
    let page = Page::anonymous(lang, "error.title");
    let mut resp = render(&ErrorTemplate { page, message_key });
    *resp.status_mut() = status;
    resp
}

/// A use-case failure shown as a page for this user.
pub fn app_error_page(user: &CurrentUser, e: &AppError) -> Response {
    // The status the API gives the same error; a page's bad input or a conflict is not a
    // server error (a planner told "internal error" next to "months: must be between 1
    // and 120" would wait for a fix instead of correcting the address).
    let key = match e {
        AppError::Forbidden { .. } => "error.forbidden",
        AppError::NotFound { .. } => "error.not_found",
        AppError::Unauthenticated => return Redirect::to("/login").into_response(),
        AppError::Invalid(_) => "error.invalid",
        AppError::Conflict { .. } | AppError::Refused { .. } => "error.conflict",
        _ => "error.internal",
    };
    let status = crate::error::status_of(e);
    let mut page = Page::for_user(user, "error.title", "");
    if matches!(e, AppError::Unexpected(_)) {
        tracing::error!(error = %e, "page failed");
    } else {
        page = page.with_error(e);
    }
    let mut resp = render(&ErrorTemplate {
        page,
        message_key: key,
    });
    *resp.status_mut() = status;
    resp
}

/// A query string or path parameter a page could not read: the error page, 400, naming the
/// parameter (in the signed-in user's language and layout when there is one).
pub fn param_error_page(user: Option<&CurrentUser>, e: ParamError) -> Response {
    let bad = match e {
        ParamError::Bad(bad) => bad,
        ParamError::Internal(inner) => {
            tracing::error!(error = %inner, "page parameters do not fit the route");
            return match user {
                Some(user) => app_error_page(user, &AppError::Unexpected(inner)),
                None => error_page(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    Lang::ZhCn,
                    "error.internal",
                ),
            };
        }
    };
    let mut page = match user {
        Some(user) => Page::for_user(user, "error.title", ""),
        None => Page::anonymous(Lang::ZhCn, "error.title"),
    };
    page.errors = vec![bad_param_text(&bad, user.map_or(Lang::ZhCn, |u| u.lang))];
    let mut resp = render(&ErrorTemplate {
        page,
        message_key: "error.bad_param",
    });
    *resp.status_mut() = StatusCode::BAD_REQUEST;
    resp
}

/// A parameter that could not be read, in the page's language (the reason translated
/// when a pattern knows it; the name as the client sent it).
fn bad_param_text(bad: &params::BadParam, lang: Lang) -> String {
    if lang != Lang::ZhCn {
        return bad.to_string();
    }
    let reason = crate::i18n::reasons::reason_zh(&bad.reason).unwrap_or_else(|| bad.reason.clone());
    match (&bad.name, bad.place) {
        (Some(name), params::ParamPlace::Query) => format!("查询参数 {name}：{reason}"),
        (Some(name), params::ParamPlace::Path) => format!("路径参数 {name}：{reason}"),
        (Some(name), params::ParamPlace::Form) => format!("表单字段 {name}：{reason}"),
        (None, params::ParamPlace::Query) => format!("查询字符串：{reason}"),
        (None, params::ParamPlace::Path) => format!("路径：{reason}"),
        (None, params::ParamPlace::Form) => format!("表单：{reason}"),
    }
}

/// A page's query value that reads but means nothing (`?bucket=xyz`): the error page, 400,
/// with the field and the reason in the user's language.
pub fn bad_input_page(user: &CurrentUser, e: &AppError) -> Response {
    let page = Page::for_user(user, "error.title", "").with_error(e);
    let mut resp = render(&ErrorTemplate {
        page,
        message_key: "error.bad_param",
    });
    *resp.status_mut() = StatusCode::BAD_REQUEST;
    resp
}

/// axum's `Query<T>` for pages: a bad value renders [`param_error_page`].
#[derive(Debug, Clone, Copy, Default)]
pub struct PageQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for PageQuery<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Response> {
        params::query(parts)
            .map(PageQuery)
            .map_err(|e| param_error_page(parts.extensions.get::<CurrentUser>(), e))
    }
}

/// axum's `Form<T>` for pages: a field given twice or a value that cannot be read
/// renders [`param_error_page`] (400) in the user's language, not axum's bare text; a body
/// that is not a form keeps axum's answer (415, 413).
#[derive(Debug, Clone, Copy, Default)]
pub struct PageForm<T>(pub T);

impl<T, S> axum::extract::FromRequest<S> for PageForm<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Response> {
        use axum::extract::rejection::FormRejection;
        let user = req.extensions().get::<CurrentUser>().cloned();
        match axum::Form::<T>::from_request(req, state).await {
            Ok(axum::Form(v)) => Ok(PageForm(v)),
            Err(
                r @ (FormRejection::FailedToDeserializeForm(_)
                | FormRejection::FailedToDeserializeFormBody(_)),
            ) => Err(param_error_page(user.as_ref(), params::bad_form(&r))),
            Err(other) => Err(other.into_response()),
        }
    }
}

/// axum's `Multipart` for the upload pages: a body that is not multipart is refused on the
/// error page with 415, as [`PageForm`] refuses a body that is not a form (axum answered
/// a bare 400 text).
pub struct PageMultipart(pub axum::extract::Multipart);

impl<S> axum::extract::FromRequest<S> for PageMultipart
where
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Response> {
        let user = req.extensions().get::<CurrentUser>().cloned();
        axum::extract::Multipart::from_request(req, state)
            .await
            .map(PageMultipart)
            .map_err(|r| {
                let bad = params::BadParam {
                    place: params::ParamPlace::Form,
                    name: None,
                    reason: r.body_text(),
                };
                let mut resp = param_error_page(user.as_ref(), ParamError::Bad(bad));
                *resp.status_mut() = StatusCode::UNSUPPORTED_MEDIA_TYPE;
                resp
            })
    }
}

/// The request key of a form that creates a record: the rendering's one-time `form` key
/// with a digest of what was filled in. The same form sent again (a reload, a double
/// click) finds the record the first send made; a form changed and sent again (the back
/// button) makes a new one. `None` without a form key (a script's post).
pub(crate) fn request_key(form_key: Option<&str>, filled: &impl std::fmt::Debug) -> Option<String> {
    let key = form_key.map(str::trim).filter(|k| !k.is_empty())?;
    // SHA-256, not std's hasher, whose algorithm may change between Rust releases (a form
    // rendered before an upgrade and sent after it would make a second record).
    let digest = aftercare_app::digest_hex(&format!("{filled:?}"));
    Some(format!("form-{key}-{}", &digest[..16]))
}

/// The refusal of a form read as key/value pairs that gives a field twice (each field at
/// most once but the `lists`, a group of checkboxes): 400 naming it, as [`PageForm`]
/// refuses it, not its last value read silently. `None` when every field is once.
pub(crate) fn once_each(
    user: &CurrentUser,
    pairs: &[(String, String)],
    lists: &[&str],
) -> Option<Response> {
    let mut seen = std::collections::HashSet::new();
    pairs
        .iter()
        .map(|(k, _)| k.as_str())
        .find(|k| !lists.contains(k) && !seen.insert(*k))
        .map(|k| {
            param_error_page(
                Some(user),
                ParamError::Bad(params::BadParam {
                    place: params::ParamPlace::Form,
                    name: None,
                    reason: format!("duplicate field `{k}`"),
                }),
            )
        })
}

/// axum's `Path<T>` for pages: a bad value renders [`param_error_page`].
#[derive(Debug, Clone, Copy, Default)]
pub struct PagePath<T>(pub T);

impl<T, S> FromRequestParts<S> for PagePath<T>
where
    T: serde::de::DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        match params::path(parts, state).await {
            Ok(v) => Ok(PagePath(v)),
            Err(e) => Err(param_error_page(parts.extensions.get::<CurrentUser>(), e)),
        }
    }
}

/// The company time zone named `tz` (the settings' default, Asia/Shanghai, if it names
/// none: the settings form refuses an unknown zone).
fn zone(tz: &str) -> chrono_tz::Tz {
    tz.parse().unwrap_or(chrono_tz::Asia::Shanghai)
}

/// The instant a date begins in the company time zone `tz` (its first local midnight; a
/// date filter's day is the company's day, as the rows show times in that zone).
pub(crate) fn local_day_start(d: chrono::NaiveDate, tz: &str) -> aftercare_domain::Instant {
    let local = d.and_hms_opt(0, 0, 0).unwrap_or_default();
    aftercare_domain::Instant(local.and_local_timezone(zone(tz)).earliest().map_or_else(
        || local.and_utc().timestamp_millis(),
        |t| t.timestamp_millis(),
    ))
}

/// UTC milliseconds in the company time zone, formatted with `pattern`.
fn in_zone(ms: i64, tz: &str, pattern: &str) -> String {
    aftercare_domain::Instant(ms)
        .to_utc()
        .with_timezone(&zone(tz))
        .format(pattern)
        .to_string()
}

/// A date (`YYYY-MM-DD`) of UTC milliseconds in the company time zone.
pub fn format_date(ms: i64, tz: &str) -> String {
    in_zone(ms, tz, "%Y-%m-%d")
}

/// Format UTC milliseconds in the company time zone.
pub fn format_instant(ms: i64, tz: &str) -> String {
    in_zone(ms, tz, "%Y-%m-%d %H:%M")
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_kept_invalid_input_reads_in_chinese() {
        let tr = crate::i18n::Tr::new(super::Lang::ZhCn);
        assert_eq!(
            super::particulars_in(
                tr,
                "invalid input: qty: must be at most 1000000000 units a line"
            ),
            "输入有误：数量：每行最多 1000000000 件"
        );
    }

    use super::*;

    #[test]
    fn each_role_sees_its_own_navigation() {
        let keys = |r| nav_for(r).into_iter().map(|n| n.key).collect::<Vec<_>>();
        assert!(keys(Role::Admin).contains(&"nav.users"));
        assert!(!keys(Role::Manager).contains(&"nav.users"));
        assert!(keys(Role::Station).contains(&"nav.my_station"));
        assert!(!keys(Role::Station).contains(&"nav.stations"));
        assert_eq!(keys(Role::Brand), vec!["nav.home"]);
    }

    #[test]
    fn instants_are_shown_in_the_company_time_zone() {
        // 2026-01-01T00:00:00Z is 08:00 in Shanghai.
        assert_eq!(
            format_instant(1_767_225_600_000, "Asia/Shanghai"),
            "2026-01-01 08:00"
        );
    }
}
