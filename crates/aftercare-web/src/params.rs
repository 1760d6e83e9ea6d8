//! Reading a request's query string, path parameters and forms so that a bad value is reported
//! with the parameter's name and the deserializer's reason. The API answers such a
//! request with its JSON error (`api::ApiQuery`, `api::ApiPath`), the pages with the error
//! page (`ui::PageQuery`, `ui::PagePath`).

use axum::extract::path::ErrorKind;
use axum::extract::rejection::FormRejection;
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequestParts, Path, Query, RawPathParams};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use std::fmt;

/// Where a request parameter sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamPlace {
    /// In the query string.
    Query,
    /// In the URL path.
    Path,
    /// In a submitted form's body.
    Form,
}

impl ParamPlace {
    /// `query` or `path`, as used in messages and error details.
    pub fn as_str(self) -> &'static str {
        match self {
            ParamPlace::Query => "query",
            ParamPlace::Path => "path",
            ParamPlace::Form => "form",
        }
    }
}

/// A query or path parameter the client sent that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadParam {
    /// Query string or path.
    pub place: ParamPlace,
    /// The parameter's name, when the deserializer reports one (a missing query
    /// parameter only appears in the reason: "missing field `x`").
    pub name: Option<String>,
    /// Why the value was refused, from the deserializer.
    pub reason: String,
}

impl BadParam {
    /// Stable machine code: `request.bad_query`, `request.bad_path` or `request.bad_form`.
    pub fn code(&self) -> &'static str {
        match self.place {
            ParamPlace::Query => "request.bad_query",
            ParamPlace::Path => "request.bad_path",
            ParamPlace::Form => "request.bad_form",
        }
    }
}

impl fmt::Display for BadParam {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.name, self.place) {
            (Some(name), place) => {
                write!(f, "{} parameter {name}: {}", place.as_str(), self.reason)
            }
            (None, ParamPlace::Query) => write!(f, "query string: {}", self.reason),
            (None, ParamPlace::Path) => write!(f, "path: {}", self.reason),
            (None, ParamPlace::Form) => write!(f, "form: {}", self.reason),
        }
    }
}

/// Why parameters could not be read: the client's fault, or a handler that declares a
/// `Path` shape its route cannot give (a bug, answered as an internal error).
#[derive(Debug)]
pub enum ParamError {
    /// A bad value from the client (400).
    Bad(BadParam),
    /// The route and the extractor disagree (500; the text is logged, not shown).
    Internal(String),
}

/// Deserialize the query string; on failure, name the parameter and the reason.
pub fn query<T: DeserializeOwned>(parts: &Parts) -> Result<T, ParamError> {
    Query::<T>::try_from_uri(&parts.uri)
        .map(|Query(v)| v)
        .map_err(|rejection| {
            let text = rejection.body_text();
            urlencoded_error(ParamPlace::Query, &rejection, text)
        })
}

/// Why a submitted form (`application/x-www-form-urlencoded`) could not be read, naming
/// the field and the reason (a field given twice, a value of the wrong type).
pub fn bad_form(rejection: &FormRejection) -> ParamError {
    urlencoded_error(ParamPlace::Form, rejection, rejection.body_text())
}

/// A urlencoded parameter error: axum runs serde_path_to_error over serde_urlencoded, so
/// that error is looked for in the chain to report the field and the reason apart.
fn urlencoded_error(
    place: ParamPlace,
    rejection: &(dyn std::error::Error + 'static),
    text: String,
) -> ParamError {
    let mut source = Some(rejection);
    while let Some(e) = source {
        if let Some(e) = e.downcast_ref::<serde_path_to_error::Error<serde_urlencoded::de::Error>>()
        {
            let path = e.path().to_string();
            return ParamError::Bad(BadParam {
                place,
                name: (path != ".").then_some(path),
                reason: e.inner().to_string(),
            });
        }
        source = e.source();
    }
    ParamError::Bad(BadParam {
        place,
        name: None,
        reason: text,
    })
}

/// Deserialize the path parameters; on failure, name the parameter and the reason.
pub async fn path<T, S>(parts: &mut Parts, state: &S) -> Result<T, ParamError>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    let e = match Path::<T>::from_request_parts(parts, state).await {
        Ok(Path(v)) => return Ok(v),
        Err(PathRejection::FailedToDeserializePathParams(e)) => e,
        Err(other) => return Err(ParamError::Internal(other.body_text())),
    };
    // A single value or a tuple is reported by position: the route gives the names.
    let names: Vec<String> = RawPathParams::from_request_parts(parts, state)
        .await
        .map(|p| p.iter().map(|(k, _)| k.to_string()).collect())
        .unwrap_or_default();
    let bad = |name: Option<String>, reason: String| {
        Err(ParamError::Bad(BadParam {
            place: ParamPlace::Path,
            name,
            reason,
        }))
    };
    match e.into_kind() {
        ErrorKind::ParseErrorAtKey {
            key,
            value,
            expected_type,
        } => bad(Some(key), not_a(&value, expected_type)),
        ErrorKind::ParseErrorAtIndex {
            index,
            value,
            expected_type,
        } => bad(names.get(index).cloned(), not_a(&value, expected_type)),
        ErrorKind::ParseError {
            value,
            expected_type,
        } => bad(
            (names.len() == 1).then(|| names[0].clone()),
            not_a(&value, expected_type),
        ),
        ErrorKind::DeserializeError { key, message, .. } => bad(Some(key), message),
        ErrorKind::InvalidUtf8InPathParam { key } => bad(Some(key), "invalid UTF-8".into()),
        ErrorKind::Message(message) => bad(None, message),
        other => Err(ParamError::Internal(other.to_string())),
    }
}

fn not_a(value: &str, expected_type: &str) -> String {
    format!("cannot parse `{value}` as {expected_type}")
}
