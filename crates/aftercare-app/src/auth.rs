//! Logging in and out, sessions, and API tokens.

use crate::App;
use crate::access::principal_of;
use crate::error::{AppError, AppResult};
use crate::password::{dummy_verify, random_token, token_hash, verify_password};
use aftercare_domain::{Instant, Principal};
use aftercare_store::{sessions, tokens, users};

/// A session just created by a successful login.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// The secret for the session cookie (only its hash is stored).
    pub token: String,
    /// The CSRF token to embed in forms.
    pub csrf_token: String,
    /// Who logged in.
    pub principal: Principal,
    /// The user's chosen UI language, if any.
    pub language: Option<aftercare_domain::settings::Lang>,
    /// When it expires unless used.
    pub expires_at: Instant,
}

/// An authenticated session.
#[derive(Debug, Clone)]
pub struct SessionUser {
    /// Who.
    pub principal: Principal,
    /// Display name.
    pub display_name: String,
    /// Chosen language.
    pub language: Option<aftercare_domain::settings::Lang>,
    /// CSRF token bound to the session.
    pub csrf_token: String,
}

/// How long an authenticated API token is trusted without asking the database again.
pub const BEARER_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(1);

impl App {
    /// Log in with login and password from a client `address`. Throttled per account and
    /// per address; an unknown login costs the same time as a wrong password.
    pub async fn login(&self, login: &str, password: &str, address: &str) -> AppResult<NewSession> {
        let now = self.now();
        let window_ms = self.config.throttle_window.as_millis() as i64;
        let since = Instant(now.0 - window_ms);
        let (by_login, by_address) =
            sessions::login_failures_since(&self.db, login, address, since).await?;
        if by_login >= self.config.max_failures_per_login
            || by_address >= self.config.max_failures_per_address
        {
            return Err(AppError::Throttled {
                retry_after_secs: self.config.throttle_window.as_secs(),
            });
        }
        let found = users::find_with_hash(&self.db, login).await?;
        let user = match found {
            Some((user, hash)) if user.active && verify_password(password, &hash) => user,
            Some(_) => {
                sessions::record_login_failure(&self.db, login, address, now).await?;
                return Err(AppError::BadCredentials);
            }
            None => {
                dummy_verify(password);
                sessions::record_login_failure(&self.db, login, address, now).await?;
                return Err(AppError::BadCredentials);
            }
        };
        sessions::clear_login_failures(&self.db, login).await?;
        let principal = principal_of(&user)?;
        let token = random_token();
        let csrf_token = random_token();
        let expires_at = Instant(now.0 + self.config.session_ttl.as_millis() as i64);
        sessions::create(
            &self.db,
            &token_hash(&token),
            user.id,
            &csrf_token,
            now,
            expires_at,
        )
        .await?;
        tracing::info!(login = %user.login, role = %user.role, "login");
        Ok(NewSession {
            token,
            csrf_token,
            principal,
            language: user.language,
            expires_at,
        })
    }

    /// The user behind a session cookie, sliding its expiry forward.
    pub async fn authenticate_session(&self, token: &str) -> AppResult<SessionUser> {
        let now = self.now();
        let hash = token_hash(token);
        let session = sessions::find_live(&self.db, &hash, now)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        let user = users::get(&self.db, session.user_id)
            .await?
            .filter(|u| u.active)
            .ok_or(AppError::Unauthenticated)?;
        let ttl = self.config.session_ttl.as_millis() as i64;
        // Extend only when a tenth of the lifetime has passed, to avoid a write per request.
        if session.expires_at.0 - now.0 < ttl - ttl / 10 {
            sessions::extend(&self.db, &hash, Instant(now.0 + ttl)).await?;
        }
        Ok(SessionUser {
            principal: principal_of(&user)?,
            display_name: user.display_name,
            language: user.language,
            csrf_token: session.csrf_token,
        })
    }

    /// End a session.
    pub async fn logout(&self, token: &str) -> AppResult<()> {
        sessions::delete(&self.db, &token_hash(token)).await?;
        Ok(())
    }

    /// The user behind an API token (`Authorization: Bearer ...`).
    ///
    /// A token's principal is remembered for [`BEARER_CACHE_TTL`]: an integration calling
    /// thousands of times a second would otherwise cost two queries per call. Revoking a
    /// token or disabling a user clears this process's cache at once; other processes
    /// notice within the TTL.
    pub async fn authenticate_bearer(&self, token: &str) -> AppResult<Principal> {
        let hash = token_hash(token);
        if let Ok(cache) = self.bearer_cache.lock()
            && let Some((p, at)) = cache.get(&hash)
            && at.elapsed() < BEARER_CACHE_TTL
        {
            return Ok(p.clone());
        }
        let principal = self.authenticate_bearer_uncached(&hash).await?;
        if let Ok(mut cache) = self.bearer_cache.lock() {
            if cache.len() >= 10_000 {
                cache.clear();
            }
            cache.insert(hash, (principal.clone(), std::time::Instant::now()));
        }
        Ok(principal)
    }

    /// Forget every remembered bearer token (after a revocation or a user change).
    pub(crate) fn forget_bearer_tokens(&self) {
        if let Ok(mut cache) = self.bearer_cache.lock() {
            cache.clear();
        }
    }

    async fn authenticate_bearer_uncached(&self, hash: &str) -> AppResult<Principal> {
        let record = tokens::use_active(&self.db, hash, self.now())
            .await?
            .ok_or(AppError::Unauthenticated)?;
        let user = users::get(&self.db, record.user_id)
            .await?
            .filter(|u| u.active)
            .ok_or(AppError::Unauthenticated)?;
        principal_of(&user)
    }

    /// Delete expired sessions and login failures older than the throttling window.
    pub async fn purge_expired_sessions(&self) -> AppResult<u64> {
        let now = self.now();
        let window = self.config.throttle_window.as_millis() as i64;
        Ok(sessions::purge_expired(&self.db, now, Instant(now.0 - window)).await?)
    }

    /// Remember the UI language a user picked.
    pub async fn set_language(
        &self,
        principal: &Principal,
        lang: aftercare_domain::settings::Lang,
    ) -> AppResult<()> {
        users::set_language(&self.db, principal.user_id, lang).await?;
        Ok(())
    }
}
