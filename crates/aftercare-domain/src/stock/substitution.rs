//! Substitution on shortage: when the requested part has no available stock, offer its
//! declared substitutes that are available, in priority order, with the instruction.

use super::qty::Qty;
use crate::ids::PartId;
use crate::part::SubstituteOption;
use serde::{Deserialize, Serialize};

/// A substitute the technician may be issued instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubstituteOffer {
    /// The substitute part.
    pub part: PartId,
    /// 1 is offered first.
    pub priority: u16,
    /// What the technician must do to fit it.
    pub instruction: String,
    /// Units of it available where the issue was asked.
    pub available: Qty,
}

/// The declared substitutes (from [`crate::part::substitutes_of`], already in priority
/// order) that have available stock, keeping that order.
pub fn offer_substitutes(
    options: &[SubstituteOption],
    available: impl Fn(PartId) -> Qty,
) -> Vec<SubstituteOffer> {
    options
        .iter()
        .filter_map(|o| {
            let available = available(o.part);
            (!available.is_zero()).then(|| SubstituteOffer {
                part: o.part,
                priority: o.priority,
                instruction: o.instruction.clone(),
                available,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::part::{SubstituteDirection, SubstituteRule, substitutes_of};

    #[test]
    fn offers_only_available_substitutes_in_priority_order() {
        let rules = [
            SubstituteRule::new(PartId(1), PartId(2), SubstituteDirection::OneWay, 1, "A").unwrap(),
            SubstituteRule::new(PartId(1), PartId(3), SubstituteDirection::OneWay, 2, "B").unwrap(),
            SubstituteRule::new(PartId(4), PartId(1), SubstituteDirection::BothWays, 3, "C")
                .unwrap(),
        ];
        let stock = |p: PartId| Qty::new(if p == PartId(2) { 0 } else { p.get() }).unwrap();
        let offers = offer_substitutes(&substitutes_of(&rules, PartId(1)), stock);
        let got: Vec<_> = offers
            .iter()
            .map(|o| (o.part.get(), o.instruction.as_str(), o.available.get()))
            .collect();
        assert_eq!(got, [(3, "B", 3), (4, "C", 4)]);
    }
}
