//! Where a ticket is in its life.

use crate::codes::code_enum;

code_enum! {
    /// The status of a ticket; see [`crate::ticket::table`] for the legal moves between them.
    pub enum TicketStatus ("ticket status") {
        /// Just taken in; waiting for the dispatcher.
        New = "new",
        /// Came back to the dispatcher: rejected, not accepted in time, recalled or reopened.
        Returned = "returned",
        /// Sent to a station; waiting for it to accept (接单).
        Dispatched = "dispatched",
        /// The station took it; it assigns a technician and books the visit.
        Accepted = "accepted",
        /// A visit is booked with the customer.
        Scheduled = "scheduled",
        /// The technician is at the customer's place.
        OnSite = "on_site",
        /// The repair waits for parts (待件).
        WaitingForParts = "waiting_for_parts",
        /// The station reported completion (完工); waiting for the callback.
        Completed = "completed",
        /// The customer confirmed the fix on the callback (回访).
        CallbackDone = "callback_done",
        /// Finished.
        Closed = "closed",
        /// Called off with a reason; final.
        Cancelled = "cancelled",
    }
}

impl TicketStatus {
    /// Whether work on the ticket is still to be done: it can be cancelled and counts as open
    /// load. Completed tickets are no longer open (the work is reported done).
    pub fn is_open(self) -> bool {
        !matches!(
            self,
            TicketStatus::Completed
                | TicketStatus::CallbackDone
                | TicketStatus::Closed
                | TicketStatus::Cancelled
        )
    }

    /// Whether the ticket waits in the dispatcher's queue.
    pub fn awaits_dispatch(self) -> bool {
        matches!(self, TicketStatus::New | TicketStatus::Returned)
    }

    /// Whether a station holds the ticket (it counts against the station's capacity).
    pub fn held_by_station(self) -> bool {
        matches!(
            self,
            TicketStatus::Dispatched
                | TicketStatus::Accepted
                | TicketStatus::Scheduled
                | TicketStatus::OnSite
                | TicketStatus::WaitingForParts
        )
    }

    /// Whether no action can ever change the ticket again.
    pub fn is_final(self) -> bool {
        self == TicketStatus::Cancelled
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_the_issue_spelling() {
        let codes: Vec<_> = TicketStatus::ALL.iter().map(|s| s.code()).collect();
        assert_eq!(
            codes,
            [
                "new",
                "returned",
                "dispatched",
                "accepted",
                "scheduled",
                "on_site",
                "waiting_for_parts",
                "completed",
                "callback_done",
                "closed",
                "cancelled"
            ]
        );
        for s in TicketStatus::ALL {
            assert_eq!(TicketStatus::parse(s.code()), Ok(*s));
        }
    }

    #[test]
    fn open_statuses_are_exactly_those_before_completion() {
        let open: Vec<_> = TicketStatus::ALL
            .iter()
            .copied()
            .filter(|s| s.is_open())
            .collect();
        assert_eq!(
            open,
            [
                TicketStatus::New,
                TicketStatus::Returned,
                TicketStatus::Dispatched,
                TicketStatus::Accepted,
                TicketStatus::Scheduled,
                TicketStatus::OnSite,
                TicketStatus::WaitingForParts
            ]
        );
    }

    #[test]
    fn a_station_holds_every_open_ticket_that_is_not_in_the_dispatch_queue() {
        for s in TicketStatus::ALL {
            assert_eq!(
                s.held_by_station(),
                s.is_open() && !s.awaits_dispatch(),
                "{s}"
            );
        }
    }
}
