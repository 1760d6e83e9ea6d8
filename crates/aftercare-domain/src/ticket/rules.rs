//! Configurable numbers of the ticket life.

use crate::ticket::repeat::RepeatWindow;
use serde::{Deserialize, Serialize};

/// The company's ticket rules; defaults follow common practice and are all configurable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketRules {
    /// Minutes a station has to accept a dispatched ticket before it returns to the
    /// dispatcher (default 30).
    pub accept_timeout_minutes: u32,
    /// Repeat-repair and reopen window after a completion (default 90 days).
    pub repeat_window: RepeatWindow,
}

impl Default for TicketRules {
    fn default() -> Self {
        TicketRules {
            accept_timeout_minutes: 30,
            repeat_window: RepeatWindow::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_thirty_minutes_and_ninety_days() {
        let r = TicketRules::default();
        assert_eq!(r.accept_timeout_minutes, 30);
        assert_eq!(r.repeat_window.days, 90);
    }
}
