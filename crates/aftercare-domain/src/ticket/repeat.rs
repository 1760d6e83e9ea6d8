//! Repeat repair (二次返修): a new ticket for a unit within a window after a previous completion.
//!
//! The window is measured in clock time from the previous completion instant: `days × 24 h`,
//! both ends included. A ticket taken in exactly 90 × 24 h after the completion is still a
//! repeat; one millisecond later it is not. Clock time (not calendar days in the company's time
//! zone) keeps the rule the same on every server and in both databases.

use crate::ids::{StationId, TicketId};
use crate::time::Instant;
use serde::{Deserialize, Serialize};

const MILLIS_PER_DAY: i64 = 86_400_000;

/// How long after a completion a new ticket for the same unit counts as a repeat repair, and
/// a closed ticket may be reopened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RepeatWindow {
    /// Length in days of 24 h.
    pub days: u32,
}

impl Default for RepeatWindow {
    fn default() -> Self {
        RepeatWindow { days: 90 }
    }
}

impl RepeatWindow {
    /// A window of `days` days.
    pub fn days(days: u32) -> RepeatWindow {
        RepeatWindow { days }
    }

    /// The last instant of the window that starts at `completed_at`.
    pub fn end_after(self, completed_at: Instant) -> Instant {
        Instant(
            completed_at
                .millis()
                .saturating_add(i64::from(self.days) * MILLIS_PER_DAY),
        )
    }

    /// Whether `at` falls in the window after `completed_at` (both ends included).
    pub fn contains(self, completed_at: Instant, at: Instant) -> bool {
        completed_at <= at && at <= self.end_after(completed_at)
    }
}

/// A previous completed ticket of the same unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriorCompletion {
    /// The earlier ticket.
    pub ticket: TicketId,
    /// When its station reported completion.
    pub completed_at: Instant,
    /// The station whose work is repeated.
    pub station: StationId,
}

/// The previous ticket a new ticket taken in at `intake_at` repeats: the most recent
/// completion within the window (ties: the larger ticket id), or `None`.
///
/// Completions after `intake_at` are ignored (they cannot be repeated by an earlier intake).
pub fn find_repeat(
    prior: &[PriorCompletion],
    intake_at: Instant,
    window: RepeatWindow,
) -> Option<PriorCompletion> {
    prior
        .iter()
        .filter(|p| window.contains(p.completed_at, intake_at))
        .max_by_key(|p| (p.completed_at, p.ticket))
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = MILLIS_PER_DAY;
    const T0: i64 = 1_780_000_000_000;

    fn prior(ticket: i64, completed_at: i64, station: i64) -> PriorCompletion {
        PriorCompletion {
            ticket: TicketId(ticket),
            completed_at: Instant(completed_at),
            station: StationId(station),
        }
    }

    #[test]
    fn a_ticket_exactly_ninety_days_after_completion_is_a_repeat() {
        let p = [prior(1, T0, 7)];
        let hit = find_repeat(&p, Instant(T0 + 90 * DAY), RepeatWindow::default());
        assert_eq!(hit, Some(p[0]));
    }

    #[test]
    fn a_ticket_one_millisecond_after_the_window_is_not_a_repeat() {
        let p = [prior(1, T0, 7)];
        let miss = find_repeat(&p, Instant(T0 + 90 * DAY + 1), RepeatWindow::default());
        assert_eq!(miss, None);
    }

    #[test]
    fn the_most_recent_completion_in_the_window_is_the_one_repeated() {
        let p = [
            prior(1, T0, 7),
            prior(3, T0 + 40 * DAY, 9),
            prior(2, T0 + 20 * DAY, 8),
        ];
        let hit = find_repeat(&p, Instant(T0 + 60 * DAY), RepeatWindow::default()).unwrap();
        assert_eq!(hit.ticket, TicketId(3));
        assert_eq!(hit.station, StationId(9));
    }

    #[test]
    fn completions_after_the_intake_are_ignored() {
        let p = [prior(1, T0, 7), prior(2, T0 + 10 * DAY, 8)];
        let hit = find_repeat(&p, Instant(T0 + 5 * DAY), RepeatWindow::default()).unwrap();
        assert_eq!(hit.ticket, TicketId(1));
    }

    #[test]
    fn same_instant_completions_break_ties_by_larger_ticket_id() {
        let p = [prior(4, T0, 7), prior(5, T0, 8)];
        let hit = find_repeat(&p, Instant(T0 + DAY), RepeatWindow::default()).unwrap();
        assert_eq!(hit.ticket, TicketId(5));
    }

    #[test]
    fn the_window_is_configurable() {
        let p = [prior(1, T0, 7)];
        let at = Instant(T0 + 31 * DAY);
        assert_eq!(find_repeat(&p, at, RepeatWindow::days(30)), None);
        assert!(find_repeat(&p, at, RepeatWindow::days(31)).is_some());
        assert_eq!(find_repeat(&[], at, RepeatWindow::default()), None);
    }

    #[test]
    fn intake_at_the_completion_instant_is_a_repeat() {
        let p = [prior(1, T0, 7)];
        assert!(find_repeat(&p, Instant(T0), RepeatWindow::days(0)).is_some());
    }
}
