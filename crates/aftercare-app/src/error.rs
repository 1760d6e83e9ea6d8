//! Application errors: what the caller did wrong, or that we failed. The web layer maps
//! each variant once to an HTTP status and the JSON error body.

use aftercare_domain::ValidationError;
use aftercare_store::StoreError;

/// What a use case can fail with.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AppError {
    /// No valid credentials.
    #[error("authentication required")]
    Unauthenticated,
    /// Wrong login or password (deliberately not saying which).
    #[error("wrong login or password")]
    BadCredentials,
    /// Too many failed logins: try again later.
    #[error("too many failed logins; try again in {retry_after_secs} s")]
    Throttled {
        /// Seconds until a new attempt may succeed.
        retry_after_secs: u64,
    },
    /// Authenticated, but the role may not do this.
    #[error("your role may not {action}")]
    Forbidden {
        /// What was attempted.
        action: String,
    },
    /// Does not exist, or is outside the caller's scope (no existence leak).
    #[error("{what} not found")]
    NotFound {
        /// What was looked for.
        what: String,
    },
    /// Bad input, with every field that failed.
    #[error("invalid input: {}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<ValidationError>),
    /// The request conflicts with the current state.
    #[error("{message}")]
    Conflict {
        /// Stable machine code, e.g. `user.login_taken`.
        code: String,
        /// Human message.
        message: String,
    },
    /// Refused by a business rule, with structured details (e.g. the available quantity).
    #[error("{message}")]
    Refused {
        /// Stable machine code, e.g. `stock.insufficient`.
        code: String,
        /// Human message.
        message: String,
        /// Structured details for the caller.
        details: serde_json::Value,
    },
    /// Something failed on our side; details are logged, not shown.
    #[error("unexpected error: {0}")]
    Unexpected(String),
}

/// A decision's rejection reason, checked: required, and as a ticket action's reason (at
/// most 500 characters, no control characters but white space: it is copied into the
/// audit entry). The trimmed reason.
pub(crate) fn rejection_reason(reason: &str) -> AppResult<String> {
    if reason.trim().is_empty() {
        return Err(AppError::invalid("reason", "a rejection needs a reason"));
    }
    Ok(aftercare_domain::validate::text(
        "reason",
        reason,
        aftercare_domain::ticket::action::MAX_REASON,
    )?)
}

impl AppError {
    /// One invalid field.
    pub fn invalid(field: &str, reason: impl Into<String>) -> Self {
        AppError::Invalid(vec![ValidationError::new(field, reason)])
    }

    /// Not found.
    pub fn not_found(what: impl Into<String>) -> Self {
        AppError::NotFound { what: what.into() }
    }

    /// Forbidden.
    pub fn forbidden(action: impl Into<String>) -> Self {
        AppError::Forbidden {
            action: action.into(),
        }
    }

    /// Stable machine-readable code.
    pub fn code(&self) -> String {
        match self {
            AppError::Unauthenticated => "auth.required".into(),
            AppError::BadCredentials => "auth.bad_credentials".into(),
            AppError::Throttled { .. } => "auth.throttled".into(),
            AppError::Forbidden { .. } => "auth.forbidden".into(),
            AppError::NotFound { .. } => "not_found".into(),
            AppError::Invalid(_) => "invalid".into(),
            AppError::Conflict { code, .. } | AppError::Refused { code, .. } => code.clone(),
            AppError::Unexpected(_) => "internal".into(),
        }
    }
}

impl From<ValidationError> for AppError {
    fn from(e: ValidationError) -> Self {
        AppError::Invalid(vec![e])
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => AppError::NotFound { what },
            StoreError::Conflict(message) => AppError::Conflict {
                code: "conflict".into(),
                message,
            },
            StoreError::Config(m) | StoreError::Database(m) => AppError::Unexpected(m),
        }
    }
}

/// Result of a use case.
pub type AppResult<T> = Result<T, AppError>;
