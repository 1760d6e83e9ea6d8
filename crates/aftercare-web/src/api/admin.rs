//! `/api/v1/me`, users, API tokens, company settings, audit log.

use super::{ApiPath, ApiQuery};
use crate::error::{ApiError, rejection};
use crate::middleware::CurrentUser;
use crate::state::AppState;
use aftercare_app::admin::AddUser;
use aftercare_domain::settings::{CompanySettings, Lang};
use aftercare_domain::{ApiTokenId, AuditId, Role, UserId};
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The caller.
#[derive(Serialize, ToSchema)]
pub struct Me {
    /// User id.
    pub id: i64,
    /// Login.
    pub login: String,
    /// Name.
    pub display_name: String,
    /// Role code.
    pub role: String,
    /// Data scope: `all`, `station` or `brand`.
    pub scope: String,
    /// Station or brand id the user is bound to.
    pub scope_id: Option<i64>,
}

/// Who am I.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth", responses((status = 200, body = Me), (status = 401, body = super::ErrorBody)))]
pub async fn me(Extension(user): Extension<CurrentUser>) -> Json<Me> {
    let (scope, scope_id) = match user.principal.scope {
        aftercare_domain::Scope::All => ("all", None),
        aftercare_domain::Scope::Station(s) => ("station", Some(s.0)),
        aftercare_domain::Scope::Brand(b) => ("brand", Some(b.0)),
    };
    Json(Me {
        id: user.principal.user_id.0,
        login: user.principal.login.clone(),
        display_name: user.display_name.clone(),
        role: user.principal.role.code().into(),
        scope: scope.into(),
        scope_id,
    })
}

/// A user.
#[derive(Serialize, ToSchema)]
pub struct UserDto {
    /// Id.
    pub id: i64,
    /// Login.
    pub login: String,
    /// Name.
    pub display_name: String,
    /// Role code.
    pub role: String,
    /// Station id (station, technician).
    pub station_id: Option<i64>,
    /// Brand id (brand).
    pub brand_id: Option<i64>,
    /// Whether the account may log in.
    pub active: bool,
    /// Creation instant, UTC milliseconds.
    pub created_at: i64,
}

impl From<aftercare_app::admin::UserRecord> for UserDto {
    fn from(u: aftercare_app::admin::UserRecord) -> Self {
        UserDto {
            id: u.id.0,
            login: u.login,
            display_name: u.display_name,
            role: u.role.code().into(),
            station_id: u.station_id.map(|s| s.0),
            brand_id: u.brand_id.map(|b| b.0),
            active: u.active,
            created_at: u.created_at.0,
        }
    }
}

/// Every user (admin).
#[utoipa::path(get, path = "/api/v1/users", tag = "admin", responses((status = 200, body = [UserDto]), (status = 403, body = super::ErrorBody)))]
pub async fn list_users(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
) -> Result<Json<Vec<UserDto>>, ApiError> {
    let users = s.app.list_users(&user.actor()).await?;
    Ok(Json(users.into_iter().map(Into::into).collect()))
}

/// A user to add.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddUserBody {
    /// Login: letters, digits, `-`, `_`, `.`.
    pub login: String,
    /// Name shown in the UI.
    pub display_name: Option<String>,
    /// Role code: admin, manager, agent, dispatcher, warehouse, station, technician, brand.
    pub role: String,
    /// Station code (station and technician roles).
    pub station: Option<String>,
    /// Technician code (technician role).
    pub technician: Option<String>,
    /// Brand code (brand role).
    pub brand: Option<String>,
    /// Initial password, at least 8 characters.
    pub password: String,
}

/// Add a user (admin).
#[utoipa::path(post, path = "/api/v1/users", tag = "admin", request_body = AddUserBody,
    responses((status = 201, body = UserDto), (status = 409, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn add_user(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    body: Result<Json<AddUserBody>, JsonRejection>,
) -> Result<(StatusCode, Json<UserDto>), ApiError> {
    let Json(b) = body.map_err(rejection)?;
    let role = Role::parse(&b.role)
        .map_err(|e| aftercare_app::AppError::invalid("role", e.to_string()))?;
    let created = s
        .app
        .add_user(
            &user.actor(),
            AddUser {
                login: b.login,
                display_name: b.display_name,
                role,
                station: b.station,
                technician: b.technician,
                brand: b.brand,
                password: b.password,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(created.into())))
}

/// Enable or disable.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActiveBody {
    /// Whether the user may log in.
    pub active: bool,
}

/// Enable or disable a user (admin); disabling ends their sessions.
#[utoipa::path(put, path = "/api/v1/users/{id}/active", tag = "admin", request_body = ActiveBody,
    params(("id" = i64, Path, description = "User id")),
    responses((status = 200, body = UserDto), (status = 404, body = super::ErrorBody)))]
pub async fn set_user_active(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    ApiPath(id): ApiPath<i64>,
    body: Result<Json<ActiveBody>, JsonRejection>,
) -> Result<Json<UserDto>, ApiError> {
    let Json(b) = body.map_err(rejection)?;
    Ok(Json(
        s.app
            .set_user_active(&user.actor(), UserId(id), b.active)
            .await?
            .into(),
    ))
}

/// An API token (never its secret).
#[derive(Serialize, ToSchema)]
pub struct TokenDto {
    /// Id.
    pub id: i64,
    /// Purpose.
    pub name: String,
    /// First characters, to recognise it.
    pub prefix: String,
    /// User it acts as.
    pub user_id: i64,
    /// Created, UTC ms.
    pub created_at: i64,
    /// Revoked, UTC ms.
    pub revoked_at: Option<i64>,
    /// Last used, UTC ms.
    pub last_used_at: Option<i64>,
}

impl From<aftercare_app::admin::ApiTokenRecord> for TokenDto {
    fn from(t: aftercare_app::admin::ApiTokenRecord) -> Self {
        TokenDto {
            id: t.id.0,
            name: t.name,
            prefix: t.prefix,
            user_id: t.user_id.0,
            created_at: t.created_at.0,
            revoked_at: t.revoked_at.map(|i| i.0),
            last_used_at: t.last_used_at.map(|i| i.0),
        }
    }
}

/// Every API token (admin).
#[utoipa::path(get, path = "/api/v1/api-tokens", tag = "admin", responses((status = 200, body = [TokenDto])))]
pub async fn list_tokens(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
) -> Result<Json<Vec<TokenDto>>, ApiError> {
    Ok(Json(
        s.app
            .list_api_tokens(&user.actor())
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

/// A token to create.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTokenBody {
    /// Purpose, e.g. "ERP sync".
    pub name: String,
    /// Login of the user the token acts as.
    pub login: String,
}

/// A created token with its secret (shown once).
#[derive(Serialize, ToSchema)]
pub struct CreatedTokenDto {
    /// The token.
    pub token: TokenDto,
    /// Use as `Authorization: Bearer <secret>`.
    pub secret: String,
}

/// Create an API token (admin). The secret is in this response only.
#[utoipa::path(post, path = "/api/v1/api-tokens", tag = "admin", request_body = CreateTokenBody, responses((status = 201, body = CreatedTokenDto)))]
pub async fn create_token(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    body: Result<Json<CreateTokenBody>, JsonRejection>,
) -> Result<(StatusCode, Json<CreatedTokenDto>), ApiError> {
    let Json(b) = body.map_err(rejection)?;
    let created = s
        .app
        .create_api_token(&user.actor(), &b.name, &b.login)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedTokenDto {
            token: created.token.into(),
            secret: created.secret,
        }),
    ))
}

/// Revoke an API token (admin).
#[utoipa::path(delete, path = "/api/v1/api-tokens/{id}", tag = "admin", params(("id" = i64, Path, description = "Token id")),
    responses((status = 204), (status = 404, body = super::ErrorBody)))]
pub async fn revoke_token(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    s.app
        .revoke_api_token(&user.actor(), ApiTokenId(id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Company settings.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsDto {
    /// Company name.
    pub company_name: String,
    /// IANA time zone, e.g. Asia/Shanghai.
    pub time_zone: String,
    /// ISO 4217 currency; amounts are in its minor units.
    pub currency: String,
    /// `zh-CN` or `en`.
    pub default_language: String,
}

impl From<CompanySettings> for SettingsDto {
    fn from(s: CompanySettings) -> Self {
        SettingsDto {
            company_name: s.company_name,
            time_zone: s.time_zone,
            currency: s.currency,
            default_language: s.default_language.tag().into(),
        }
    }
}

/// The company settings.
#[utoipa::path(get, path = "/api/v1/settings", tag = "admin", responses((status = 200, body = SettingsDto)))]
pub async fn get_settings(State(s): State<AppState>) -> Result<Json<SettingsDto>, ApiError> {
    Ok(Json(s.app.company_settings().await?.into()))
}

/// Change the company settings (admin).
#[utoipa::path(put, path = "/api/v1/settings", tag = "admin", request_body = SettingsDto,
    responses((status = 200, body = SettingsDto), (status = 422, body = super::ErrorBody)))]
pub async fn put_settings(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    body: Result<Json<SettingsDto>, JsonRejection>,
) -> Result<Json<SettingsDto>, ApiError> {
    let Json(b) = body.map_err(rejection)?;
    let lang = Lang::parse(&b.default_language).ok_or_else(|| {
        aftercare_app::AppError::invalid("default_language", "must be zh-CN or en")
    })?;
    let saved = s
        .app
        .update_company_settings(
            &user.actor(),
            CompanySettings {
                company_name: b.company_name,
                time_zone: b.time_zone,
                currency: b.currency,
                default_language: lang,
            },
        )
        .await?;
    Ok(Json(saved.into()))
}

/// Audit log filters.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Object type, e.g. `user`.
    pub object_type: Option<String>,
    /// Object id.
    pub object_id: Option<String>,
    /// Actor login.
    pub actor: Option<String>,
    /// Action code, e.g. `stock.issue`.
    pub action: Option<String>,
    /// Only entries older than this id (paging).
    pub before: Option<i64>,
    /// At most this many (default 100, max 1000).
    pub limit: Option<i64>,
}

/// An audit entry.
#[derive(Serialize, ToSchema)]
pub struct AuditDto {
    /// Id.
    pub id: i64,
    /// When, UTC ms.
    pub at: i64,
    /// Who.
    pub actor: String,
    /// What.
    pub action: String,
    /// Object type.
    pub object_type: String,
    /// Object id.
    pub object_id: String,
    /// Before.
    pub before: Option<serde_json::Value>,
    /// After.
    pub after: Option<serde_json::Value>,
    /// Request id.
    pub request_id: Option<String>,
}

/// The audit log, newest first (admin).
#[utoipa::path(get, path = "/api/v1/audit", tag = "admin", params(AuditQuery), responses((status = 200, body = [AuditDto])))]
pub async fn audit_log(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<Json<Vec<AuditDto>>, ApiError> {
    let entries = s
        .app
        .audit_log(
            &user.actor(),
            aftercare_app::admin::AuditFilter {
                object_type: q.object_type,
                object_id: q.object_id,
                actor_login: q.actor,
                action: q.action,
                before_id: q.before.map(AuditId),
                limit: q.limit.unwrap_or(100),
            },
        )
        .await?;
    Ok(Json(
        entries
            .into_iter()
            .map(|e| AuditDto {
                id: e.id.0,
                at: e.at.0,
                actor: e.actor_login,
                action: e.action,
                object_type: e.object_type,
                object_id: e.object_id,
                before: e.before,
                after: e.after,
                request_id: e.request_id,
            })
            .collect(),
    ))
}
