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
    no_control(field, v)?;
    Ok(v.to_string())
}

/// Refuse control characters other than white space, naming the first and where it is.
fn no_control(field: &str, v: &str) -> Result<(), ValidationError> {
    match v
        .chars()
        .enumerate()
        .find(|(_, c)| c.is_control() && !c.is_whitespace())
    {
        Some((at, bad)) => Err(ValidationError::new(
            field,
            format!(
                "must not contain control characters (U+{:04X} at character {})",
                u32::from(bad),
                at + 1
            ),
        )),
        None => Ok(()),
    }
}

/// Check a required free text (a reason, a note): non-empty after trimming, at most `max`
/// characters, no control characters but white space (line breaks, tabs, a word
/// processor's manual line break U+000B): NUL, BEL or ESC would travel into the audit log,
/// exports and terminals as they are. The trimmed text.
pub fn text(field: &str, value: &str, max: usize) -> Result<String, ValidationError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(ValidationError::new(field, "is required"));
    }
    if v.chars().count() > max {
        return Err(ValidationError::new(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    no_control(field, v)?;
    Ok(v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_bounded_and_free_of_control_characters() {
        assert_eq!(
            text("reason", " 缺货\n改用代用料 ", 10).unwrap(),
            "缺货\n改用代用料"
        );
        assert_eq!(
            text("reason", " \t ", 10).unwrap_err().reason,
            "is required"
        );
        assert!(
            text("reason", "abcdef", 5)
                .unwrap_err()
                .reason
                .contains("at most 5")
        );
        let e = text("reason", "ok\u{7}\u{1b}[31m", 50).unwrap_err();
        assert_eq!(e.field, "reason");
        assert!(e.reason.contains("U+0007 at character 3"), "{}", e.reason);
        assert!(text("reason", "a\u{0}b", 50).is_err());
        assert!(text("reason", "a\u{9f}b", 50).is_err());
        assert!(text("reason", "line\u{b}break\u{c}page\u{85}next", 50).is_ok());
    }

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

    #[test]
    fn a_name_refuses_control_characters_as_free_text_does() {
        let e = name("display_name", "王\u{1b}[2J").unwrap_err();
        assert_eq!(e.field, "display_name");
        assert!(e.reason.contains("U+001B at character 2"), "{e:?}");
        assert!(name("detail", "人民路\u{1}1号").is_err());
        assert_eq!(name("name", "A型\t支架").unwrap(), "A型\t支架");
    }
}
