//! Administration: users, API tokens, company settings, the audit log.

use crate::App;
use crate::access::Actor;
use crate::error::{AppError, AppResult};
use crate::password::{hash_password, random_token, token_hash};
use aftercare_domain::settings::CompanySettings;
use aftercare_domain::{ApiTokenId, BrandId, Role, StationId, TechnicianId, UserId, validate};
/// Records returned by these use cases (re-exported so the web layer never names the store).
pub use aftercare_store::audit::{AuditEntry, AuditFilter};
use aftercare_store::org::Coded;
pub use aftercare_store::tokens::ApiTokenRecord;
use aftercare_store::users::NewUser;
pub use aftercare_store::users::UserRecord;
use aftercare_store::{audit, org, sessions, settings, tokens, users};

/// A request to add a user.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct AddUser {
    /// Login name.
    pub login: String,
    /// Display name (defaults to the login).
    pub display_name: Option<String>,
    /// Role code.
    pub role: Role,
    /// Station code (station and technician roles).
    pub station: Option<String>,
    /// Technician code (technician role, optional).
    pub technician: Option<String>,
    /// Brand code (brand role).
    pub brand: Option<String>,
    /// Initial password.
    pub password: String,
}

/// A token just created: the secret is shown once.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CreatedToken {
    /// The stored record.
    pub token: ApiTokenRecord,
    /// The secret for `Authorization: Bearer`.
    pub secret: String,
}

fn user_json(u: &UserRecord) -> serde_json::Value {
    serde_json::json!({
        "login": u.login, "display_name": u.display_name, "role": u.role,
        "station_id": u.station_id, "technician_id": u.technician_id, "brand_id": u.brand_id, "active": u.active,
    })
}

impl App {
    /// Add a user (admin, or the CLI). Validates the login, the password and the role's
    /// binding to a station or brand; records the audit entry.
    pub async fn add_user(&self, actor: &Actor, req: AddUser) -> AppResult<UserRecord> {
        actor.require(&[Role::Admin], "add users")?;
        let mut errors = Vec::new();
        let login = validate::code("login", &req.login)
            .map_err(|e| errors.push(e))
            .ok();
        let display_name = match req.display_name.as_deref().filter(|s| !s.trim().is_empty()) {
            Some(n) => validate::name("display_name", n)
                .map_err(|e| errors.push(e))
                .ok(),
            None => login.clone(),
        };
        let password_hash = match hash_password(&req.password) {
            Ok(h) => Some(h),
            Err(AppError::Invalid(mut e)) => {
                errors.append(&mut e);
                None
            }
            Err(e) => return Err(e),
        };
        let station_id = self
            .binding(
                req.role.needs_station(),
                "station",
                req.station.as_deref(),
                Coded::Station,
                &mut errors,
            )
            .await?
            .map(StationId);
        let brand_id = self
            .binding(
                req.role.needs_brand(),
                "brand",
                req.brand.as_deref(),
                Coded::Brand,
                &mut errors,
            )
            .await?
            .map(BrandId);
        let technician_id = match req.technician.as_deref() {
            Some(code) if req.role == Role::Technician => {
                match org::id_by_code(&self.db, Coded::Technician, code).await? {
                    Some(id) => Some(TechnicianId(id)),
                    None => {
                        errors.push(validate::ValidationError::new(
                            "technician",
                            format!("no technician with code '{code}'"),
                        ));
                        None
                    }
                }
            }
            Some(_) => {
                errors.push(validate::ValidationError::new(
                    "technician",
                    "only technician users have a technician record",
                ));
                None
            }
            None => None,
        };
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        let (Some(login), Some(display_name), Some(password_hash)) =
            (login, display_name, password_hash)
        else {
            return Err(AppError::Unexpected("validated fields missing".into()));
        };
        let new = NewUser {
            login,
            display_name,
            role: req.role,
            station_id,
            technician_id,
            brand_id,
            password_hash,
        };
        let now = self.now();
        let mut tx = self.db.begin_write().await?;
        let id = users::insert(&mut tx, &new, now)
            .await
            .map_err(|e| match e {
                aftercare_store::StoreError::Conflict(m) => AppError::Conflict {
                    code: "user.login_taken".into(),
                    message: m,
                },
                other => other.into(),
            })?;
        let record = UserRecord {
            id,
            login: new.login.clone(),
            display_name: new.display_name.clone(),
            role: new.role,
            station_id,
            technician_id,
            brand_id,
            language: None,
            active: true,
            created_at: now,
        };
        let mut entry = actor.audit(now, "user.create", "user", id);
        entry.after = Some(user_json(&record));
        audit::record(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(record)
    }

    async fn binding(
        &self,
        required: bool,
        field: &str,
        code: Option<&str>,
        kind: Coded,
        errors: &mut Vec<validate::ValidationError>,
    ) -> AppResult<Option<i64>> {
        match (required, code.filter(|c| !c.trim().is_empty())) {
            (true, None) => {
                errors.push(validate::ValidationError::new(
                    field,
                    format!("this role must be bound to a {field}"),
                ));
                Ok(None)
            }
            (false, Some(_)) => {
                errors.push(validate::ValidationError::new(
                    field,
                    format!("this role is not bound to a {field}"),
                ));
                Ok(None)
            }
            (true, Some(code)) => match org::id_by_code(&self.db, kind, code.trim()).await? {
                Some(id) => Ok(Some(id)),
                None => {
                    errors.push(validate::ValidationError::new(
                        field,
                        format!("no {field} with code '{code}'"),
                    ));
                    Ok(None)
                }
            },
            (false, None) => Ok(None),
        }
    }

    /// Every user (admin).
    pub async fn list_users(&self, actor: &Actor) -> AppResult<Vec<UserRecord>> {
        actor.require(&[Role::Admin], "list users")?;
        Ok(users::list(&self.db).await?)
    }

    /// Set a user's password (admin); ends the user's sessions.
    pub async fn set_password(&self, actor: &Actor, login: &str, password: &str) -> AppResult<()> {
        actor.require(&[Role::Admin], "set passwords")?;
        let user = users::get_by_login(&self.db, login)
            .await?
            .ok_or_else(|| AppError::not_found("user"))?;
        let hash = hash_password(password)?;
        let now = self.now();
        let mut tx = self.db.begin_write().await?;
        users::set_password_hash(&mut tx, user.id, &hash).await?;
        audit::record(
            &mut tx,
            &actor.audit(now, "user.set_password", "user", user.id),
        )
        .await?;
        tx.commit().await?;
        sessions::delete_for_user(&self.db, user.id).await?;
        Ok(())
    }

    /// Enable or disable a user (admin); disabling ends their sessions.
    pub async fn set_user_active(
        &self,
        actor: &Actor,
        id: UserId,
        active: bool,
    ) -> AppResult<UserRecord> {
        actor.require(&[Role::Admin], "enable or disable users")?;
        let before = users::get(&self.db, id)
            .await?
            .ok_or_else(|| AppError::not_found("user"))?;
        let now = self.now();
        let mut tx = self.db.begin_write().await?;
        users::set_active(&mut tx, id, active).await?;
        let after = UserRecord {
            active,
            ..before.clone()
        };
        let mut entry = actor.audit(
            now,
            if active {
                "user.enable"
            } else {
                "user.disable"
            },
            "user",
            id,
        );
        entry.before = Some(user_json(&before));
        entry.after = Some(user_json(&after));
        audit::record(&mut tx, &entry).await?;
        tx.commit().await?;
        self.forget_bearer_tokens();
        if !active {
            sessions::delete_for_user(&self.db, id).await?;
        }
        Ok(after)
    }

    /// Create an API token acting as user `login` (admin). The secret is returned once.
    pub async fn create_api_token(
        &self,
        actor: &Actor,
        name: &str,
        login: &str,
    ) -> AppResult<CreatedToken> {
        self.create_api_token_once(actor, name, login, None).await
    }

    /// [`App::create_api_token`] under a request key: the form sent again is refused as
    /// already sent (its secret was shown once), not a second live token.
    pub async fn create_api_token_once(
        &self,
        actor: &Actor,
        name: &str,
        login: &str,
        key: Option<&str>,
    ) -> AppResult<CreatedToken> {
        actor.require(&[Role::Admin], "create API tokens")?;
        let key = key.map(crate::request_keys::checked).transpose()?;
        self.refuse_if_sent(actor, key, "api_token.create", "API token")
            .await?;
        let name = validate::name("name", name)?;
        let user = users::get_by_login(&self.db, login)
            .await?
            .ok_or_else(|| AppError::invalid("login", format!("no user '{login}'")))?;
        let created_by = actor.principal().map(|p| p.user_id).unwrap_or(user.id);
        let secret = format!("ac_{}", random_token());
        let prefix: String = secret.chars().take(10).collect();
        let now = self.now();
        let mut tx = self.db.begin_write().await?;
        let id = tokens::insert(
            &mut tx,
            &name,
            &prefix,
            &token_hash(&secret),
            user.id,
            created_by,
            now,
        )
        .await?;
        let mut entry = actor.audit(now, "api_token.create", "api_token", id);
        entry.after = Some(serde_json::json!({"name": name, "prefix": prefix, "user": user.login}));
        audit::record(&mut tx, &entry).await?;
        self.claim_key(&mut tx, actor, key, ("api_token.create", "API token", id.0))
            .await?;
        tx.commit().await?;
        let token = tokens::get(&self.db, id)
            .await?
            .ok_or_else(|| AppError::not_found("api token"))?;
        Ok(CreatedToken { token, secret })
    }

    /// Every API token (admin).
    pub async fn list_api_tokens(&self, actor: &Actor) -> AppResult<Vec<ApiTokenRecord>> {
        actor.require(&[Role::Admin], "list API tokens")?;
        Ok(tokens::list(&self.db).await?)
    }

    /// Revoke an API token (admin).
    pub async fn revoke_api_token(&self, actor: &Actor, id: ApiTokenId) -> AppResult<()> {
        actor.require(&[Role::Admin], "revoke API tokens")?;
        let now = self.now();
        let mut tx = self.db.begin_write().await?;
        tokens::revoke(&mut tx, id, now)
            .await
            .map_err(|_| AppError::not_found("api token"))?;
        audit::record(
            &mut tx,
            &actor.audit(now, "api_token.revoke", "api_token", id),
        )
        .await?;
        tx.commit().await?;
        self.forget_bearer_tokens();
        Ok(())
    }

    /// The company settings (everyone logged in may read them).
    pub async fn company_settings(&self) -> AppResult<CompanySettings> {
        Ok(settings::get(&self.db).await?)
    }

    /// Change the company settings (admin). The time zone must be a known IANA zone and
    /// the currency a three-letter code.
    pub async fn update_company_settings(
        &self,
        actor: &Actor,
        new: CompanySettings,
    ) -> AppResult<CompanySettings> {
        actor.require(&[Role::Admin], "change company settings")?;
        let mut errors = Vec::new();
        if new.time_zone.parse::<chrono_tz::Tz>().is_err() {
            errors.push(validate::ValidationError::new(
                "time_zone",
                format!("'{}' is not an IANA time zone", new.time_zone),
            ));
        }
        if new.currency.len() != 3 || !new.currency.bytes().all(|b| b.is_ascii_uppercase()) {
            errors.push(validate::ValidationError::new(
                "currency",
                "must be a three-letter ISO 4217 code such as CNY",
            ));
        }
        if let Err(e) = validate::name("company_name", &new.company_name) {
            errors.push(e);
        }
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        let before = settings::get(&self.db).await?;
        let now = self.now();
        let mut tx = self.db.begin_write().await?;
        settings::put(&mut tx, &new, now).await?;
        let mut entry = actor.audit(now, "settings.update", "company_settings", 1);
        entry.before = serde_json::to_value(&before).ok();
        entry.after = serde_json::to_value(&new).ok();
        audit::record(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(new)
    }

    /// The audit log (admin), newest first.
    pub async fn audit_log(
        &self,
        actor: &Actor,
        filter: AuditFilter,
    ) -> AppResult<Vec<AuditEntry>> {
        actor.require(&[Role::Admin], "read the audit log")?;
        Ok(audit::list(&self.db, &filter).await?)
    }
}
