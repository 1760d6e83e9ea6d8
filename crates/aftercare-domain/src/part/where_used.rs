//! Where-used: which product models use a part, and how many per unit.

use crate::ids::{PartId, ProductModelId};
use crate::stock::Qty;
use crate::validate::ValidationError;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// One product model using one part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct WhereUsed {
    /// The product model.
    pub model: ProductModelId,
    /// The part.
    pub part: PartId,
    /// Units of the part in one unit of the model (at least one).
    pub qty_per_unit: Qty,
}

impl WhereUsed {
    /// A where-used row; the quantity per unit must be at least one.
    pub fn new(
        model: ProductModelId,
        part: PartId,
        qty_per_unit: i64,
    ) -> Result<WhereUsed, ValidationError> {
        let qty_per_unit = Qty::positive(qty_per_unit)
            .map_err(|e| ValidationError::new("qty_per_unit", e.to_string()))?;
        Ok(WhereUsed {
            model,
            part,
            qty_per_unit,
        })
    }
}

/// Check a set of rows: each (model, part) pair at most once. Returns the index of every
/// repeated row with the reason.
pub fn check_where_used(rows: &[WhereUsed]) -> Result<(), Vec<(usize, ValidationError)>> {
    let mut seen = HashSet::with_capacity(rows.len());
    let errors: Vec<_> = rows
        .iter()
        .enumerate()
        .filter(|(_, r)| !seen.insert((r.model, r.part)))
        .map(|(i, r)| {
            (
                i,
                ValidationError::new(
                    "part",
                    format!("part {} is listed twice for model {}", r.part, r.model),
                ),
            )
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Where-used rows indexed both ways.
#[derive(Debug, Clone, Default)]
pub struct WhereUsedIndex {
    by_part: HashMap<PartId, Vec<(ProductModelId, Qty)>>,
    by_model: HashMap<ProductModelId, Vec<(PartId, Qty)>>,
}

impl WhereUsedIndex {
    /// Index the rows; lists come out sorted by id.
    pub fn new(rows: &[WhereUsed]) -> WhereUsedIndex {
        let mut idx = WhereUsedIndex::default();
        for r in rows {
            idx.by_part
                .entry(r.part)
                .or_default()
                .push((r.model, r.qty_per_unit));
            idx.by_model
                .entry(r.model)
                .or_default()
                .push((r.part, r.qty_per_unit));
        }
        idx.by_part.values_mut().for_each(|v| v.sort());
        idx.by_model.values_mut().for_each(|v| v.sort());
        idx
    }

    /// The models that use `part`, with the quantity per unit.
    pub fn models_using(&self, part: PartId) -> &[(ProductModelId, Qty)] {
        self.by_part.get(&part).map_or(&[], Vec::as_slice)
    }

    /// The parts of `model`, with the quantity per unit.
    pub fn parts_of(&self, model: ProductModelId) -> &[(PartId, Qty)] {
        self.by_model.get(&model).map_or(&[], Vec::as_slice)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(model: i64, part: i64, qty: i64) -> WhereUsed {
        WhereUsed::new(ProductModelId(model), PartId(part), qty).unwrap()
    }

    #[test]
    fn rejects_a_quantity_per_unit_below_one() {
        assert_eq!(
            WhereUsed::new(ProductModelId(1), PartId(1), 0)
                .unwrap_err()
                .field,
            "qty_per_unit"
        );
    }

    #[test]
    fn reports_every_repeated_pair() {
        let rows = [row(1, 1, 1), row(1, 2, 1), row(1, 1, 2), row(2, 1, 1)];
        let errs = check_where_used(&rows).unwrap_err();
        assert_eq!(errs.iter().map(|e| e.0).collect::<Vec<_>>(), [2]);
    }

    #[test]
    fn looks_up_both_ways() {
        let rows = [row(10, 1, 2), row(11, 1, 1), row(10, 2, 4)];
        let idx = WhereUsedIndex::new(&rows);
        let models: Vec<_> = idx.models_using(PartId(1)).iter().map(|m| m.0.0).collect();
        assert_eq!(models, [10, 11]);
        let parts: Vec<_> = idx
            .parts_of(ProductModelId(10))
            .iter()
            .map(|p| (p.0.0, p.1.get()))
            .collect();
        assert_eq!(parts, [(1, 2), (2, 4)]);
        assert!(idx.parts_of(ProductModelId(99)).is_empty());
    }
}
