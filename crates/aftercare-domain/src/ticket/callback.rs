//! The callback survey (回访) after a station reports completion.

use crate::validate::ValidationError;
use serde::{Deserialize, Serialize};

/// Longest comment an agent can record on a callback, in characters.
pub const MAX_CALLBACK_COMMENT: usize = 1000;

/// Customer satisfaction on the callback, 1 (very unhappy) to 5 (very happy).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Satisfaction(u8);

impl Satisfaction {
    /// A satisfaction score; only 1 to 5 are accepted.
    pub fn new(score: u8) -> Result<Satisfaction, ValidationError> {
        if (1..=5).contains(&score) {
            Ok(Satisfaction(score))
        } else {
            Err(ValidationError::new(
                "satisfaction",
                format!("must be 1 to 5, got {score}"),
            ))
        }
    }

    /// The score, 1 to 5.
    pub fn get(self) -> u8 {
        self.0
    }

    /// Whether the score counts as a bad callback (1 or 2), which the assessment penalises.
    pub fn is_bad(self) -> bool {
        self.0 <= 2
    }
}

impl TryFrom<u8> for Satisfaction {
    type Error = ValidationError;

    fn try_from(v: u8) -> Result<Self, Self::Error> {
        Satisfaction::new(v)
    }
}

impl From<Satisfaction> for u8 {
    fn from(s: Satisfaction) -> u8 {
        s.0
    }
}

/// What the customer said on the callback.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallbackOutcome {
    /// Whether the problem is fixed; "not fixed" reopens the ticket.
    pub fixed: bool,
    /// Satisfaction 1-5.
    pub satisfaction: Satisfaction,
    /// Free-text remarks, possibly empty.
    pub comments: String,
    /// The station reported completion but did not do the work (虚假完工); recorded against
    /// the station for a penalty. Implies "not fixed".
    pub false_completion: bool,
}

impl CallbackOutcome {
    /// Check the combination of answers.
    pub fn validate(&self) -> Result<(), ValidationError> {
        if self.false_completion && self.fixed {
            return Err(ValidationError::new(
                "false_completion",
                "a false completion cannot be marked as fixed",
            ));
        }
        // Optional; when given, bounded and free of control characters but white space,
        // as every other free text of a ticket.
        if !self.comments.trim().is_empty() {
            crate::validate::text("comments", &self.comments, MAX_CALLBACK_COMMENT)?;
        }
        Ok(())
    }

    /// Whether this callback reopens the ticket.
    pub fn reopens(&self) -> bool {
        !self.fixed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde::de::value::{Error, U8Deserializer};

    fn outcome(fixed: bool, false_completion: bool) -> CallbackOutcome {
        CallbackOutcome {
            fixed,
            satisfaction: Satisfaction::new(3).unwrap(),
            comments: String::new(),
            false_completion,
        }
    }

    #[test]
    fn satisfaction_accepts_one_to_five_only() {
        for s in 1..=5 {
            assert_eq!(Satisfaction::new(s).unwrap().get(), s);
        }
        assert!(Satisfaction::new(0).is_err());
        assert!(Satisfaction::new(6).is_err());
    }

    #[test]
    fn satisfaction_rejects_out_of_range_values_when_deserialised() {
        let ok = Satisfaction::deserialize(U8Deserializer::<Error>::new(4));
        assert_eq!(ok.unwrap().get(), 4);
        assert!(Satisfaction::deserialize(U8Deserializer::<Error>::new(9)).is_err());
    }

    #[test]
    fn one_and_two_are_bad_callbacks() {
        let bad: Vec<u8> = (1..=5)
            .filter(|s| Satisfaction::new(*s).unwrap().is_bad())
            .collect();
        assert_eq!(bad, [1, 2]);
    }

    #[test]
    fn a_false_completion_cannot_be_fixed() {
        assert!(outcome(true, true).validate().is_err());
        assert!(outcome(false, true).validate().is_ok());
        assert!(outcome(true, false).validate().is_ok());
    }

    #[test]
    fn not_fixed_reopens() {
        assert!(outcome(false, false).reopens());
        assert!(!outcome(true, false).reopens());
    }

    #[test]
    fn overlong_comments_are_rejected() {
        let mut o = outcome(true, false);
        o.comments = "好".repeat(MAX_CALLBACK_COMMENT);
        assert!(o.validate().is_ok());
        o.comments.push('!');
        assert_eq!(o.validate().unwrap_err().field, "comments");
    }

    #[test]
    fn comments_may_be_blank_or_lines_but_not_control_characters() {
        let mut o = outcome(true, false);
        for fine in ["", "  ", "满意\n师傅准时", "好\t"] {
            o.comments = fine.into();
            assert!(o.validate().is_ok(), "{fine:?}");
        }
        o.comments = "满意\u{7}".into();
        let e = o.validate().unwrap_err();
        assert_eq!(e.field, "comments");
        assert!(e.reason.contains("U+0007"), "{e:?}");
    }
}
