//! Repaired parts on their way back: defective units at repair vendors count in a
//! warehouse's position as the share of them its part's repair history says will come
//! back usable, when the vendor is due back within the pair's lead time (or overdue by
//! at most [`OVERDUE_DAYS`]: later than that they are a matter to chase, not stock).

use crate::calendar::CompanyDays;
use aftercare_domain::{PartId, WarehouseId};
use aftercare_store::planning::RepairLine;
use std::collections::HashMap;

/// Units of a pair at repair vendors and what a run expects back in time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RepairReturns {
    /// Units at vendors due back by the day asked (overdue ones included).
    pub at_vendor: i64,
    /// Share of a part's repairs that come back usable.
    pub yield_share: f64,
    /// Units counted: `at_vendor × yield_share`.
    pub expected: f64,
}

/// The open repair orders of every pair and the repair yields they are counted at.
#[derive(Debug, Clone, Default)]
pub struct RepairPipeline {
    /// Open orders per pair: (due day, units at the vendor).
    open: HashMap<(WarehouseId, PartId), Vec<(i64, i64)>>,
    /// Per part: (units kept after repair, units declared unrepairable).
    outcomes: HashMap<PartId, (i64, i64)>,
    /// Over every part, when anything ever came back.
    overall: Option<f64>,
}

/// Repairs of a part with fewer outcomes than this take the yield of every part instead
/// (two or three returns say little about a part).
const PART_YIELD_MIN_UNITS: i64 = 10;

/// Days past its due date a repair order still counts as coming back.
pub const OVERDUE_DAYS: i64 = 30;

impl RepairPipeline {
    /// From every repair order, open and closed; due dates on the company's `days`.
    pub fn new(lines: &[RepairLine], days: CompanyDays) -> RepairPipeline {
        let mut p = RepairPipeline::default();
        let (mut kept, mut lost) = (0, 0);
        for l in lines {
            if l.at_vendor > 0 {
                p.open
                    .entry((l.warehouse, l.part))
                    .or_default()
                    .push((days.day_of(l.due), l.at_vendor));
            }
            let o = p.outcomes.entry(l.part).or_default();
            o.0 += l.repaired.max(0);
            o.1 += l.unrepairable.max(0);
            kept += l.repaired.max(0);
            lost += l.unrepairable.max(0);
        }
        p.overall = (kept + lost > 0).then(|| kept as f64 / (kept + lost) as f64);
        p
    }

    /// The share of `part`'s repairs that come back usable: its own history when it has
    /// enough, else every part's; `None` when nothing ever came back from repair.
    pub fn yield_of(&self, part: PartId) -> Option<f64> {
        match self.outcomes.get(&part) {
            Some(&(kept, lost)) if kept + lost >= PART_YIELD_MIN_UNITS => {
                Some(kept as f64 / (kept + lost) as f64)
            }
            _ => self.overall,
        }
    }

    /// What the pair expects back from repair by `until_day` (days since the epoch),
    /// `today` being the day it is: orders overdue by more than [`OVERDUE_DAYS`] are not
    /// counted. `None` when nothing is at a vendor in time or no yield is known.
    pub fn due_by(
        &self,
        warehouse: WarehouseId,
        part: PartId,
        today: i64,
        until_day: i64,
    ) -> Option<RepairReturns> {
        let at_vendor: i64 = self
            .open
            .get(&(warehouse, part))?
            .iter()
            .filter(|(due, _)| *due <= until_day && *due >= today - OVERDUE_DAYS)
            .map(|(_, n)| n)
            .sum();
        let yield_share = self.yield_of(part)?;
        (at_vendor > 0).then_some(RepairReturns {
            at_vendor,
            yield_share,
            expected: at_vendor as f64 * yield_share,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aftercare_domain::Instant;

    const DAY_MS: i64 = 86_400_000;

    fn line(w: i64, p: i64, at_vendor: i64, due_day: i64, kept: i64, lost: i64) -> RepairLine {
        RepairLine {
            warehouse: WarehouseId(w),
            part: PartId(p),
            at_vendor,
            due: Instant(due_day * DAY_MS + 3_600_000),
            repaired: kept,
            unrepairable: lost,
        }
    }

    #[test]
    fn units_due_in_time_count_at_the_parts_yield() {
        let p = RepairPipeline::new(
            &[
                // Part 1: 18 of 20 came back usable (90 %).
                line(1, 1, 0, 10, 18, 2),
                line(1, 1, 4, 100, 0, 0),
                line(1, 1, 6, 130, 0, 0),
                // Part 2: too few outcomes of its own (1 of 2): every part's 19 of 22.
                line(2, 2, 5, 90, 1, 1),
            ],
            CompanyDays::UTC,
        );
        assert_eq!(p.yield_of(PartId(1)), Some(0.9));
        assert_eq!(p.yield_of(PartId(2)), Some(19.0 / 22.0));
        // Only the order due by day 120 counts; an overdue one counts too.
        let r = p.due_by(WarehouseId(1), PartId(1), 90, 120).unwrap();
        assert_eq!(r.at_vendor, 4);
        assert!((r.expected - 3.6).abs() < 1e-12);
        let at = |w: i64, part: i64, today: i64, until: i64| {
            p.due_by(WarehouseId(w), PartId(part), today, until)
                .map(|r| r.at_vendor)
        };
        assert_eq!(at(1, 1, 90, 200), Some(10));
        assert_eq!(at(1, 1, 90, 99), None);
        assert_eq!(at(2, 2, 110, 400), Some(5));
        // Overdue by 30 days still counts; by 31, no longer (chase it instead).
        assert_eq!(at(1, 1, 130, 140), Some(10));
        assert_eq!(at(1, 1, 131, 140), Some(6));
        assert_eq!(at(1, 1, 161, 170), None);
        // Another warehouse's repairs are not this one's.
        assert_eq!(p.due_by(WarehouseId(2), PartId(1), 90, 400), None);
    }

    #[test]
    fn a_due_date_falls_on_the_companys_day() {
        // Due at 01:00 UTC on day 10: still day 9 five hours west of UTC.
        let lines = [line(1, 1, 0, 1, 9, 1), line(1, 1, 4, 10, 0, 0)];
        let utc = RepairPipeline::new(&lines, CompanyDays::UTC);
        let west = RepairPipeline::new(&lines, CompanyDays::of_hours(-5));
        assert!(utc.due_by(WarehouseId(1), PartId(1), 9, 9).is_none());
        assert_eq!(
            west.due_by(WarehouseId(1), PartId(1), 9, 9)
                .map(|r| r.at_vendor),
            Some(4)
        );
    }

    #[test]
    fn nothing_counts_before_anything_came_back_from_repair() {
        let p = RepairPipeline::new(&[line(1, 1, 4, 10, 0, 0)], CompanyDays::UTC);
        assert_eq!(p.yield_of(PartId(1)), None);
        assert_eq!(p.due_by(WarehouseId(1), PartId(1), 5, 400), None);
    }
}
