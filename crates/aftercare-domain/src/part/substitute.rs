//! Substitute parts (代用料): declared one-way or both ways, with a priority and an instruction
//! for the technician. Only declared pairs count: if A may replace B and B may replace C, A
//! is not thereby a substitute for C.

use crate::ids::PartId;
use crate::validate::ValidationError;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// Whether a substitution also holds in reverse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubstituteDirection {
    /// `substitute` may replace `part`, not the other way round.
    OneWay,
    /// Each may replace the other.
    BothWays,
}

impl SubstituteDirection {
    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            SubstituteDirection::OneWay => "one_way",
            SubstituteDirection::BothWays => "both_ways",
        }
    }

    /// Parse a code (also the Chinese labels 单向 / 双向).
    pub fn parse(text: &str) -> Option<SubstituteDirection> {
        match text.trim() {
            "one_way" | "单向" => Some(SubstituteDirection::OneWay),
            "both_ways" | "双向" => Some(SubstituteDirection::BothWays),
            _ => None,
        }
    }
}

/// Longest instruction text kept.
pub const MAX_INSTRUCTION_CHARS: usize = 2000;

/// A declared substitution: `substitute` may be used where `part` is needed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SubstituteRule {
    /// The part needed.
    pub part: PartId,
    /// The part that may be used instead.
    pub substitute: PartId,
    /// One way or both ways.
    pub direction: SubstituteDirection,
    /// 1 is offered first.
    pub priority: u16,
    /// What the technician must do to fit the substitute.
    pub instruction: String,
}

impl SubstituteRule {
    /// A rule: a part cannot substitute itself, priority is at least 1, the instruction is
    /// trimmed and at most [`MAX_INSTRUCTION_CHARS`] long.
    pub fn new(
        part: PartId,
        substitute: PartId,
        direction: SubstituteDirection,
        priority: u16,
        instruction: &str,
    ) -> Result<SubstituteRule, ValidationError> {
        if part == substitute {
            return Err(ValidationError::new(
                "substitute",
                "a part cannot substitute itself",
            ));
        }
        if priority == 0 {
            return Err(ValidationError::new("priority", "must be at least 1"));
        }
        let instruction = instruction.trim();
        if instruction.chars().count() > MAX_INSTRUCTION_CHARS {
            return Err(ValidationError::new(
                "instruction",
                format!("must be at most {MAX_INSTRUCTION_CHARS} characters"),
            ));
        }
        Ok(SubstituteRule {
            part,
            substitute,
            direction,
            priority,
            instruction: instruction.to_string(),
        })
    }

    /// The (needed, usable instead) pairs this rule declares.
    fn offers(&self) -> impl Iterator<Item = (PartId, PartId)> {
        let reverse = (self.direction == SubstituteDirection::BothWays)
            .then_some((self.substitute, self.part));
        std::iter::once((self.part, self.substitute)).chain(reverse)
    }
}

/// Check a set of rules: no (needed, substitute) pair may be declared twice, counting the
/// reverse of both-way rules. Returns the index of each offending rule.
pub fn check_rules(rules: &[SubstituteRule]) -> Result<(), Vec<(usize, ValidationError)>> {
    let mut seen = HashSet::new();
    let mut errors = Vec::new();
    for (i, r) in rules.iter().enumerate() {
        if let Some((a, b)) = r.offers().find(|pair| !seen.insert(*pair)) {
            errors.push((
                i,
                ValidationError::new(
                    "substitute",
                    format!("part {b} is already declared as a substitute for part {a}"),
                ),
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// A part that may be used instead of the one needed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubstituteOption {
    /// The substitute.
    pub part: PartId,
    /// 1 is offered first.
    pub priority: u16,
    /// What the technician must do.
    pub instruction: String,
    /// Whether this comes from the reverse side of a both-way rule.
    pub reverse: bool,
}

/// The declared substitutes of `part`, in priority order (ties by part id): direct rules and
/// the reverse of both-way rules, never chains of rules.
pub fn substitutes_of(rules: &[SubstituteRule], part: PartId) -> Vec<SubstituteOption> {
    let mut out: Vec<SubstituteOption> = rules
        .iter()
        .filter_map(|r| {
            let reverse = if r.part == part {
                false
            } else if r.substitute == part && r.direction == SubstituteDirection::BothWays {
                true
            } else {
                return None;
            };
            Some(SubstituteOption {
                part: if reverse { r.part } else { r.substitute },
                priority: r.priority,
                instruction: r.instruction.clone(),
                reverse,
            })
        })
        .collect();
    out.sort_by_key(|o| (o.priority, o.part, o.reverse));
    out.dedup_by_key(|o| o.part);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use SubstituteDirection::{BothWays, OneWay};

    fn rule(a: i64, b: i64, dir: SubstituteDirection, prio: u16) -> SubstituteRule {
        SubstituteRule::new(PartId(a), PartId(b), dir, prio, &format!("fit {b} for {a}")).unwrap()
    }

    fn parts(opts: &[SubstituteOption]) -> Vec<i64> {
        opts.iter().map(|o| o.part.get()).collect()
    }

    #[test]
    fn a_part_cannot_substitute_itself() {
        let err = SubstituteRule::new(PartId(1), PartId(1), OneWay, 1, "").unwrap_err();
        assert_eq!(err.field, "substitute");
    }

    #[test]
    fn priority_zero_is_rejected() {
        assert!(SubstituteRule::new(PartId(1), PartId(2), OneWay, 0, "").is_err());
    }

    #[test]
    fn lists_substitutes_in_priority_order() {
        let rules = [
            rule(1, 2, OneWay, 3),
            rule(1, 3, OneWay, 1),
            rule(1, 4, OneWay, 2),
        ];
        assert_eq!(parts(&substitutes_of(&rules, PartId(1))), [3, 4, 2]);
    }

    #[test]
    fn one_way_rules_do_not_work_in_reverse() {
        let rules = [rule(1, 2, OneWay, 1)];
        assert!(substitutes_of(&rules, PartId(2)).is_empty());
    }

    #[test]
    fn both_way_rules_work_in_reverse_with_the_same_instruction() {
        let rules = [rule(1, 2, BothWays, 1)];
        let back = substitutes_of(&rules, PartId(2));
        assert_eq!(parts(&back), [1]);
        assert!(back[0].reverse);
        assert_eq!(back[0].instruction, "fit 2 for 1");
    }

    #[test]
    fn chains_are_never_followed() {
        let rules = [rule(1, 2, BothWays, 1), rule(2, 3, BothWays, 1)];
        assert_eq!(parts(&substitutes_of(&rules, PartId(1))), [2]);
        assert_eq!(parts(&substitutes_of(&rules, PartId(3))), [2]);
        assert_eq!(parts(&substitutes_of(&rules, PartId(2))), [1, 3]);
    }

    #[test]
    fn a_pair_declared_twice_is_reported() {
        let rules = [
            rule(1, 2, BothWays, 1),
            rule(2, 1, OneWay, 2),
            rule(1, 3, OneWay, 1),
        ];
        let errs = check_rules(&rules).unwrap_err();
        assert_eq!(errs.iter().map(|e| e.0).collect::<Vec<_>>(), [1]);
    }

    #[test]
    fn opposite_one_way_rules_are_not_duplicates() {
        let rules = [rule(1, 2, OneWay, 1), rule(2, 1, OneWay, 1)];
        assert!(check_rules(&rules).is_ok());
    }
}
