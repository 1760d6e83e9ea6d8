//! Parts on a service ticket: the life of one requested line (waiting for stock, reserved,
//! issued, settled at completion, or released) and of an old-for-new return obligation. The
//! stock itself moves only through the ledger ([`crate::stock::Command`]); these are the
//! ticket-side records of where each line is.

use crate::codes::code_enum;
use crate::validate::ValidationError;

/// Most units on one requested line.
pub const MAX_LINE_QTY: i64 = 1_000;
/// Most lines in one parts request.
pub const MAX_REQUEST_LINES: usize = 50;

code_enum! {
    /// Where a requested parts line is.
    pub enum PartLineStatus ("part line status") {
        /// No available stock at the station's warehouse yet (the ticket may wait for parts).
        Waiting = "waiting",
        /// Units held for the ticket by a ledger reservation.
        Reserved = "reserved",
        /// Units issued to the ticket (handed to the technician).
        Issued = "issued",
        /// Completion recorded how many were used and how many came back unused.
        Settled = "settled",
        /// Given up (ticket cancelled or recalled, or completed without them).
        Released = "released",
    }
}

impl PartLineStatus {
    /// Whether a line may move from `self` to `to`. A reserved line goes back to waiting
    /// when its ledger reservation is gone (expired, or released outside the ticket).
    pub fn may_become(self, to: PartLineStatus) -> bool {
        use PartLineStatus as S;
        matches!(
            (self, to),
            (S::Waiting, S::Reserved)
                | (S::Reserved, S::Waiting)
                | (S::Waiting | S::Reserved, S::Released)
                | (S::Reserved, S::Issued)
                | (S::Issued, S::Settled)
        )
    }

    /// Whether the line still holds or awaits stock (releasable).
    pub fn is_open(self) -> bool {
        matches!(self, PartLineStatus::Waiting | PartLineStatus::Reserved)
    }
}

code_enum! {
    /// Where an old-for-new return obligation is.
    pub enum ObligationStatus ("return obligation status") {
        /// The defective part is still owed.
        Open = "open",
        /// The defective part was received into the warehouse.
        Received = "received",
    }
}

/// Check a requested quantity: 1 to [`MAX_LINE_QTY`] units.
pub fn check_line_qty(field: &str, qty: i64) -> Result<(), ValidationError> {
    if !(1..=MAX_LINE_QTY).contains(&qty) {
        return Err(ValidationError::new(
            field,
            format!("must be 1 to {MAX_LINE_QTY} units (got {qty})"),
        ));
    }
    Ok(())
}

/// Check what completion reports for an issued line of `issued` units: used plus returned
/// unused must account for every issued unit, neither negative.
pub fn check_settlement(
    field: &str,
    issued: i64,
    used: i64,
    returned: i64,
) -> Result<(), ValidationError> {
    if used < 0 || returned < 0 {
        return Err(ValidationError::new(
            field,
            "used and returned units cannot be negative",
        ));
    }
    if used.checked_add(returned) != Some(issued) {
        return Err(ValidationError::new(
            field,
            format!(
                "used ({used}) plus returned unused ({returned}) must equal the {issued} units issued"
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use PartLineStatus as S;

    #[test]
    fn lines_move_forward_through_the_ledger_steps_or_back_to_waiting_when_a_reservation_is_lost() {
        let legal = [
            (S::Waiting, S::Reserved),
            (S::Reserved, S::Waiting),
            (S::Waiting, S::Released),
            (S::Reserved, S::Released),
            (S::Reserved, S::Issued),
            (S::Issued, S::Settled),
        ];
        for a in S::ALL {
            for b in S::ALL {
                assert_eq!(a.may_become(*b), legal.contains(&(*a, *b)), "{a} -> {b}");
            }
        }
        assert!(S::Waiting.is_open() && S::Reserved.is_open());
        assert!(!S::Issued.is_open() && !S::Settled.is_open() && !S::Released.is_open());
    }

    #[test]
    fn settlement_accounts_for_every_issued_unit() {
        assert!(check_settlement("parts[0]", 3, 2, 1).is_ok());
        assert!(check_settlement("parts[0]", 3, 3, 0).is_ok());
        let e = check_settlement("parts[0]", 3, 1, 1).unwrap_err();
        assert_eq!(e.field, "parts[0]");
        assert!(
            e.to_string().contains("must equal the 3 units issued"),
            "{e}"
        );
        assert!(check_settlement("p", 3, 4, -1).is_err());
        assert!(check_settlement("p", 1, i64::MAX, 1).is_err());
    }

    #[test]
    fn quantities_are_bounded() {
        assert!(check_line_qty("qty", 1).is_ok());
        assert!(check_line_qty("qty", MAX_LINE_QTY).is_ok());
        assert!(check_line_qty("qty", 0).is_err());
        assert!(check_line_qty("qty", -2).is_err());
        assert!(check_line_qty("qty", MAX_LINE_QTY + 1).is_err());
    }
}
