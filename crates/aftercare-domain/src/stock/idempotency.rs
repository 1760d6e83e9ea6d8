//! Idempotency keys: a retried mutating call with the same key returns the first result.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Longest key accepted.
pub const MAX_IDEMPOTENCY_KEY_LEN: usize = 200;

/// A client-chosen key naming one mutating call: 1-200 printable ASCII characters
/// (space through `~`). Keys are opaque and compared exactly, so nothing is trimmed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IdempotencyKey(String);

/// Why a key was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdempotencyKeyError {
    /// Empty.
    #[error("the idempotency key must not be empty")]
    Empty,
    /// Over 200 characters.
    #[error("the idempotency key must be at most {MAX_IDEMPOTENCY_KEY_LEN} characters")]
    TooLong,
    /// A character outside printable ASCII.
    #[error("the idempotency key may contain only printable ASCII characters")]
    NotPrintable,
}

impl IdempotencyKey {
    /// Validate a key.
    pub fn parse(text: &str) -> Result<IdempotencyKey, IdempotencyKeyError> {
        if text.is_empty() {
            return Err(IdempotencyKeyError::Empty);
        }
        if !text.bytes().all(|b| (0x20..=0x7e).contains(&b)) {
            return Err(IdempotencyKeyError::NotPrintable);
        }
        if text.len() > MAX_IDEMPOTENCY_KEY_LEN {
            return Err(IdempotencyKeyError::TooLong);
        }
        Ok(IdempotencyKey(text.to_string()))
    }

    /// The key.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for IdempotencyKey {
    type Error = IdempotencyKeyError;

    fn try_from(s: String) -> Result<IdempotencyKey, IdempotencyKeyError> {
        IdempotencyKey::parse(&s)
    }
}

impl From<IdempotencyKey> for String {
    fn from(k: IdempotencyKey) -> String {
        k.0
    }
}

impl fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_a_uuid_and_printable_punctuation() {
        assert!(IdempotencyKey::parse("2f1c9d4e-7b1a-4e0b-9a51-3c2d1e0f9a8b").is_ok());
        assert!(IdempotencyKey::parse("issue #12 / retry ~1").is_ok());
    }

    #[test]
    fn rejects_empty_long_and_non_printable_keys() {
        assert_eq!(IdempotencyKey::parse(""), Err(IdempotencyKeyError::Empty));
        assert!(IdempotencyKey::parse(&"k".repeat(200)).is_ok());
        assert_eq!(
            IdempotencyKey::parse(&"k".repeat(201)),
            Err(IdempotencyKeyError::TooLong)
        );
        for bad in ["tab\there", "new\nline", "键"] {
            assert_eq!(
                IdempotencyKey::parse(bad),
                Err(IdempotencyKeyError::NotPrintable),
                "{bad}"
            );
        }
    }

    #[test]
    fn keys_are_not_trimmed() {
        assert_ne!(
            IdempotencyKey::parse(" a").unwrap(),
            IdempotencyKey::parse("a").unwrap()
        );
    }
}
