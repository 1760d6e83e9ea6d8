//! Stocktake (盘点): freeze a snapshot of book quantities, enter counts, see variances with
//! their value, approve → adjustments to or from the warehouse's inventory-difference account.
//!
//! Everything here is linear in the number of lines (one hash index by (part, condition)),
//! so a 20,000-line count is a few milliseconds of work.

use super::approval::may_approve;
use super::condition::StockCondition;
use super::qty::Qty;
use crate::ids::{PartId, StocktakeId, WarehouseId};
use crate::money::Money;
use crate::role::Role;
use crate::time::Instant;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// What a stocktake counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "parts")]
pub enum StocktakeScope {
    /// Every part in the warehouse.
    Warehouse,
    /// Only these parts (a bin, a category); kept sorted.
    Parts(Vec<PartId>),
}

impl StocktakeScope {
    /// A scope of some parts (sorted, duplicates dropped).
    pub fn parts(mut parts: Vec<PartId>) -> StocktakeScope {
        parts.sort();
        parts.dedup();
        StocktakeScope::Parts(parts)
    }

    /// Whether `part` is counted.
    pub fn contains(&self, part: PartId) -> bool {
        match self {
            StocktakeScope::Warehouse => true,
            StocktakeScope::Parts(p) => p.binary_search(&part).is_ok(),
        }
    }
}

/// A book quantity at the moment the snapshot is frozen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookLine {
    /// The part.
    pub part: PartId,
    /// The condition.
    pub condition: StockCondition,
    /// Units on the books.
    pub qty: Qty,
    /// Standard cost per unit, for the variance value.
    pub unit_cost: Money,
}

/// One line of a stocktake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StocktakeLine {
    /// The part.
    pub part: PartId,
    /// The condition.
    pub condition: StockCondition,
    /// Units on the books at the snapshot.
    pub book: Qty,
    /// Standard cost per unit.
    pub unit_cost: Money,
    /// Units counted, once entered.
    pub counted: Option<Qty>,
}

/// A counted quantity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountEntry {
    /// The part.
    pub part: PartId,
    /// The condition.
    pub condition: StockCondition,
    /// Units counted.
    pub counted: Qty,
}

/// Counted minus book for one line, with its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Variance {
    /// The part.
    pub part: PartId,
    /// The condition.
    pub condition: StockCondition,
    /// Units on the books.
    pub book: Qty,
    /// Units counted.
    pub counted: Qty,
    /// counted − book: positive is a gain (盘盈), negative a loss (盘亏).
    pub delta: i64,
    /// delta × unit cost (saturating).
    pub value: Money,
}

/// Totals over the variances.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct VarianceSummary {
    /// Lines in the stocktake.
    pub lines: usize,
    /// Lines counted so far.
    pub counted: usize,
    /// Lines whose count differs from the books.
    pub differing: usize,
    /// Value of the gains.
    pub gain_value: Money,
    /// Value of the losses (a positive number).
    pub loss_value: Money,
}

/// The change approval makes to one (part, condition).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Adjustment {
    /// The part.
    pub part: PartId,
    /// The condition.
    pub condition: StockCondition,
    /// counted − book, never zero.
    pub delta: i64,
}

/// Where a stocktake is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StocktakeStatus {
    /// Snapshot frozen, counts being entered.
    Counting,
    /// Approved; the adjustments were made.
    Approved,
}

/// Why a stocktake operation is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StocktakeError {
    /// Snapshot line repeated.
    #[error("part {part} in condition {} appears twice in the snapshot", condition.code())]
    DuplicateLine {
        /// The part.
        part: PartId,
        /// The condition.
        condition: StockCondition,
    },
    /// Counted part outside the scope.
    #[error("part {0} is not part of this stocktake")]
    OutOfScope(PartId),
    /// A new line for a part without a known cost.
    #[error("part {0} is unknown")]
    UnknownPart(PartId),
    /// Counted twice in one upload.
    #[error("part {part} in condition {} is counted twice in this upload", condition.code())]
    DuplicateCount {
        /// The part.
        part: PartId,
        /// The condition.
        condition: StockCondition,
    },
    /// Not counting any more.
    #[error("the stocktake is already approved")]
    NotCounting,
    /// Lines without a count.
    #[error("{0} lines are not counted yet")]
    Uncounted(usize),
    /// Approver not a manager.
    #[error("only a manager may approve a stocktake")]
    NotAllowed,
    /// A stocktake of some parts that names none (it would freeze and count nothing).
    #[error("a stocktake of parts must name at least one part")]
    NoParts,
    /// An upload with no count in it.
    #[error("there are no counts to enter")]
    NoCounts,
}

/// A stocktake of one warehouse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stocktake {
    /// The stocktake.
    pub id: StocktakeId,
    /// The warehouse.
    pub warehouse: WarehouseId,
    /// What is counted.
    pub scope: StocktakeScope,
    /// When the snapshot was frozen.
    pub opened_at: Instant,
    /// Status.
    pub status: StocktakeStatus,
    lines: Vec<StocktakeLine>,
    index: HashMap<(PartId, StockCondition), usize>,
}

fn saturating_value(delta: i64, unit_cost: Money) -> Money {
    let v = i128::from(delta) * i128::from(unit_cost.minor());
    Money(v.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64)
}

impl Stocktake {
    /// Freeze a snapshot from the book lines of the parts in scope (lines outside the scope
    /// are dropped; each (part, condition) at most once).
    pub fn open(
        id: StocktakeId,
        warehouse: WarehouseId,
        scope: StocktakeScope,
        book: impl IntoIterator<Item = BookLine>,
        now: Instant,
    ) -> Result<Stocktake, StocktakeError> {
        if matches!(&scope, StocktakeScope::Parts(parts) if parts.is_empty()) {
            return Err(StocktakeError::NoParts);
        }
        let lines = book
            .into_iter()
            .filter(|b| scope.contains(b.part))
            .map(|b| StocktakeLine {
                part: b.part,
                condition: b.condition,
                book: b.qty,
                unit_cost: b.unit_cost,
                counted: None,
            })
            .collect();
        Stocktake::restore(id, warehouse, scope, now, StocktakeStatus::Counting, lines)
    }

    /// Rebuild a stocktake from stored lines.
    pub fn restore(
        id: StocktakeId,
        warehouse: WarehouseId,
        scope: StocktakeScope,
        opened_at: Instant,
        status: StocktakeStatus,
        lines: Vec<StocktakeLine>,
    ) -> Result<Stocktake, StocktakeError> {
        let mut index = HashMap::with_capacity(lines.len());
        for (i, l) in lines.iter().enumerate() {
            if index.insert((l.part, l.condition), i).is_some() {
                return Err(StocktakeError::DuplicateLine {
                    part: l.part,
                    condition: l.condition,
                });
            }
        }
        Ok(Stocktake {
            id,
            warehouse,
            scope,
            opened_at,
            status,
            lines,
            index,
        })
    }

    /// The lines, snapshot order first, then lines added by counts.
    pub fn lines(&self) -> &[StocktakeLine] {
        &self.lines
    }

    /// Enter counts (a form or an uploaded file). Every entry is checked first; if any is
    /// bad, each bad entry is reported by index and nothing is recorded. A later count of the
    /// same line replaces an earlier one. A part in scope found where the books have none
    /// gets a new line with book 0, valued at `unit_cost(part)`.
    pub fn enter_counts(
        &mut self,
        entries: &[CountEntry],
        unit_cost: impl Fn(PartId) -> Option<Money>,
    ) -> Result<(), Vec<(usize, StocktakeError)>> {
        if self.status != StocktakeStatus::Counting {
            return Err(vec![(0, StocktakeError::NotCounting)]);
        }
        if entries.is_empty() {
            return Err(vec![(0, StocktakeError::NoCounts)]);
        }
        let mut errors = Vec::new();
        let mut seen = HashSet::with_capacity(entries.len());
        let mut new_costs = HashMap::new();
        for (i, e) in entries.iter().enumerate() {
            let key = (e.part, e.condition);
            if !seen.insert(key) {
                errors.push((
                    i,
                    StocktakeError::DuplicateCount {
                        part: e.part,
                        condition: e.condition,
                    },
                ));
            } else if !self.scope.contains(e.part) {
                errors.push((i, StocktakeError::OutOfScope(e.part)));
            } else if !self.index.contains_key(&key) {
                match unit_cost(e.part) {
                    Some(c) => {
                        new_costs.insert(e.part, c);
                    }
                    None => errors.push((i, StocktakeError::UnknownPart(e.part))),
                }
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        for e in entries {
            let key = (e.part, e.condition);
            let i = *self.index.entry(key).or_insert_with(|| {
                self.lines.push(StocktakeLine {
                    part: e.part,
                    condition: e.condition,
                    book: Qty::ZERO,
                    unit_cost: new_costs.get(&e.part).copied().unwrap_or_default(),
                    counted: None,
                });
                self.lines.len() - 1
            });
            self.lines[i].counted = Some(e.counted);
        }
        Ok(())
    }

    /// The variance of every counted line, in line order.
    pub fn variances(&self) -> Vec<Variance> {
        self.lines
            .iter()
            .filter_map(|l| {
                let counted = l.counted?;
                let delta = counted.get() - l.book.get();
                Some(Variance {
                    part: l.part,
                    condition: l.condition,
                    book: l.book,
                    counted,
                    delta,
                    value: saturating_value(delta, l.unit_cost),
                })
            })
            .collect()
    }

    /// Totals for the variance page.
    pub fn summary(&self) -> VarianceSummary {
        let mut s = VarianceSummary {
            lines: self.lines.len(),
            ..VarianceSummary::default()
        };
        for v in self.variances() {
            s.counted += 1;
            if v.delta != 0 {
                s.differing += 1;
            }
            if v.delta > 0 {
                s.gain_value = Money(s.gain_value.minor().saturating_add(v.value.minor()));
            } else {
                s.loss_value = Money(s.loss_value.minor().saturating_sub(v.value.minor()));
            }
        }
        s
    }

    /// Approve: every line must be counted and `by` must be a manager. Returns the non-zero
    /// adjustments and marks the stocktake approved.
    pub fn approve(&mut self, by: Role) -> Result<Vec<Adjustment>, StocktakeError> {
        let adjustments = self.check_approval(by)?;
        self.status = StocktakeStatus::Approved;
        Ok(adjustments)
    }

    /// What [`Stocktake::approve`] would return, without changing anything.
    pub fn check_approval(&self, by: Role) -> Result<Vec<Adjustment>, StocktakeError> {
        if self.status != StocktakeStatus::Counting {
            return Err(StocktakeError::NotCounting);
        }
        if !may_approve(by) {
            return Err(StocktakeError::NotAllowed);
        }
        let uncounted = self.lines.iter().filter(|l| l.counted.is_none()).count();
        if uncounted > 0 {
            return Err(StocktakeError::Uncounted(uncounted));
        }
        Ok(self
            .variances()
            .into_iter()
            .filter(|v| v.delta != 0)
            .map(|v| Adjustment {
                part: v.part,
                condition: v.condition,
                delta: v.delta,
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const G: StockCondition = StockCondition::Good;

    fn q(n: i64) -> Qty {
        Qty::new(n).unwrap()
    }

    fn book(part: i64, qty: i64, cost: i64) -> BookLine {
        BookLine {
            part: PartId(part),
            condition: G,
            qty: q(qty),
            unit_cost: Money(cost),
        }
    }

    fn count(part: i64, n: i64) -> CountEntry {
        CountEntry {
            part: PartId(part),
            condition: G,
            counted: q(n),
        }
    }

    fn open(scope: StocktakeScope) -> Stocktake {
        Stocktake::open(
            StocktakeId(1),
            WarehouseId(1),
            scope,
            [book(1, 10, 100), book(2, 5, 250)],
            Instant(0),
        )
        .unwrap()
    }

    #[test]
    fn variances_carry_their_value() {
        let mut st = open(StocktakeScope::Warehouse);
        st.enter_counts(&[count(1, 8), count(2, 6)], |_| None)
            .unwrap();
        let v = st.variances();
        assert_eq!((v[0].delta, v[0].value), (-2, Money(-200)));
        assert_eq!((v[1].delta, v[1].value), (1, Money(250)));
        let s = st.summary();
        assert_eq!(
            (s.gain_value, s.loss_value, s.differing),
            (Money(250), Money(200), 2)
        );
    }

    #[test]
    fn approval_needs_every_line_counted_and_a_manager() {
        let mut st = open(StocktakeScope::Warehouse);
        st.enter_counts(&[count(1, 10)], |_| None).unwrap();
        assert_eq!(st.approve(Role::Manager), Err(StocktakeError::Uncounted(1)));
        st.enter_counts(&[count(2, 4)], |_| None).unwrap();
        assert_eq!(st.approve(Role::Warehouse), Err(StocktakeError::NotAllowed));
        let adj = st.approve(Role::Manager).unwrap();
        assert_eq!(
            adj,
            [Adjustment {
                part: PartId(2),
                condition: G,
                delta: -1
            }]
        );
        assert_eq!(st.approve(Role::Manager), Err(StocktakeError::NotCounting));
    }

    #[test]
    fn a_part_found_where_the_books_have_none_becomes_a_gain() {
        let mut st = open(StocktakeScope::Warehouse);
        st.enter_counts(&[count(1, 10), count(2, 5), count(3, 2)], |p| {
            (p == PartId(3)).then_some(Money(40))
        })
        .unwrap();
        let adj = st.approve(Role::Manager).unwrap();
        assert_eq!(adj.len(), 1);
        assert_eq!((adj[0].part, adj[0].delta), (PartId(3), 2));
        assert_eq!(st.variances()[2].value, Money(80));
    }

    #[test]
    fn a_bad_upload_reports_every_bad_row_and_records_nothing() {
        let mut st = open(StocktakeScope::parts(vec![PartId(2), PartId(1)]));
        let errs = st
            .enter_counts(&[count(1, 1), count(9, 1), count(1, 2)], |_| Some(Money(1)))
            .unwrap_err();
        assert_eq!(
            errs,
            [
                (1, StocktakeError::OutOfScope(PartId(9))),
                (
                    2,
                    StocktakeError::DuplicateCount {
                        part: PartId(1),
                        condition: G
                    }
                )
            ]
        );
        assert!(st.lines().iter().all(|l| l.counted.is_none()));
    }

    #[test]
    fn the_snapshot_keeps_only_parts_in_scope() {
        let st = open(StocktakeScope::parts(vec![PartId(2)]));
        assert_eq!(st.lines().len(), 1);
        assert_eq!(st.lines()[0].part, PartId(2));
    }

    #[test]
    fn a_recount_replaces_the_earlier_count() {
        let mut st = open(StocktakeScope::Warehouse);
        st.enter_counts(&[count(1, 3)], |_| None).unwrap();
        st.enter_counts(&[count(1, 10), count(2, 5)], |_| None)
            .unwrap();
        assert_eq!(st.approve(Role::Manager).unwrap(), []);
    }

    #[test]
    fn handles_twenty_thousand_lines() {
        let n = 20_000;
        let lines = (0..n).map(|i| book(i, i % 50, 100 + i));
        let mut st = Stocktake::open(
            StocktakeId(1),
            WarehouseId(1),
            StocktakeScope::Warehouse,
            lines,
            Instant(0),
        )
        .unwrap();
        let counts: Vec<CountEntry> = (0..n)
            .map(|i| count(i, (i % 50) + (i % 3) - 1 + 1))
            .collect();
        let started = std::time::Instant::now();
        st.enter_counts(&counts, |_| None).unwrap();
        let adj = st.approve(Role::Manager).unwrap();
        let elapsed = started.elapsed();
        // (i % 3) - 1 + 1 = i % 3: lines with i % 3 == 0 match the books.
        assert_eq!(adj.len(), (0..n).filter(|i| i % 3 != 0).count());
        assert!(elapsed.as_secs() < 5, "took {elapsed:?}");
    }
}
