//! Validation errors that name the field and the reason.

use serde::Serialize;

/// One field that failed validation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct ValidationError {
    /// The field (or CSV column) name.
    pub field: String,
    /// Why it was rejected, in words.
    pub reason: String,
}

impl ValidationError {
    /// A validation error for `field`.
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        ValidationError {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

/// Check a code (login, station code, warehouse code, part number): 1-64 characters of
/// letters, digits, `-`, `_`, `.`; no spaces.
pub fn code(field: &str, value: &str) -> Result<String, ValidationError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(ValidationError::new(field, "must not be empty"));
    }
    if v.chars().count() > 64 {
        return Err(ValidationError::new(field, "must be at most 64 characters"));
    }
    if let Some(bad) = v
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        return Err(ValidationError::new(
            field,
            format!("must contain only letters, digits, '-', '_' or '.', found '{bad}'"),
        ));
    }
    Ok(v.to_string())
}

/// Check a display name: non-empty after trimming, at most 200 characters.
pub fn name(field: &str, value: &str) -> Result<String, ValidationError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(ValidationError::new(field, "must not be empty"));
    }
    if v.chars().count() > 200 {
        return Err(ValidationError::new(
            field,
            "must be at most 200 characters",
        ));
    }
    Ok(v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_rejects_spaces_and_empty() {
        assert_eq!(code("login", " ops-1 ").unwrap(), "ops-1");
        assert!(code("login", "").is_err());
        assert!(code("login", "a b").unwrap_err().reason.contains("' '"));
    }

    #[test]
    fn name_accepts_chinese() {
        assert_eq!(name("name", "华北分库").unwrap(), "华北分库");
        assert!(name("name", "   ").is_err());
    }
}
