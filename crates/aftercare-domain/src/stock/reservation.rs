//! Reservations: issuable stock promised to a ticket or requisition until it is issued,
//! released or expires. available = on hand − reserved, never negative.

use super::location::Consumer;
use super::lot::{Shortage, check_available};
use super::qty::Qty;
use crate::ids::{PartId, ReservationId, WarehouseId};
use crate::time::Instant;
use serde::{Deserialize, Serialize};

/// Where a reservation is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReservationStatus {
    /// Holding stock.
    Active,
    /// Fully issued.
    Fulfilled,
    /// Given up by the user.
    Released,
    /// Ran out of time.
    Expired,
}

/// Issuable units of one part in one warehouse held for a consumer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reservation {
    /// The reservation.
    pub id: ReservationId,
    /// The warehouse.
    pub warehouse: WarehouseId,
    /// The part.
    pub part: PartId,
    /// Who it is held for.
    pub consumer: Consumer,
    /// Units still held (at least one while active).
    pub qty: Qty,
    /// When it was made.
    pub created_at: Instant,
    /// When it stops holding stock.
    pub expires_at: Instant,
    /// Status.
    pub status: ReservationStatus,
}

/// Why a reservation cannot be made or changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReservationError {
    /// Nothing to reserve.
    #[error("a reservation must hold at least one unit")]
    ZeroQty,
    /// Expiry not after now.
    #[error("a reservation must expire in the future")]
    ExpiryInPast,
    /// Not enough available.
    #[error(transparent)]
    Shortage(#[from] Shortage),
    /// No longer active.
    #[error("the reservation is no longer active")]
    NotActive,
}

impl Reservation {
    /// Whether it holds stock at `now`.
    pub fn is_active_at(&self, now: Instant) -> bool {
        self.status == ReservationStatus::Active && now < self.expires_at
    }

    /// Whether it should be marked expired at `now`.
    pub fn has_expired_at(&self, now: Instant) -> bool {
        self.status == ReservationStatus::Active && now >= self.expires_at
    }

    /// Take `qty` issued units off the reservation (at most what it holds); returns the units
    /// taken. A reservation drained to zero is fulfilled.
    pub fn consume(&mut self, qty: Qty) -> Result<Qty, ReservationError> {
        if self.status != ReservationStatus::Active {
            return Err(ReservationError::NotActive);
        }
        let taken = self.qty.min(qty);
        self.qty = self.qty.saturating_sub(taken);
        if self.qty.is_zero() {
            self.status = ReservationStatus::Fulfilled;
        }
        Ok(taken)
    }

    /// Shrink by up to `qty` units without issuing them (a stocktake found fewer on the
    /// shelf); returns the units removed. A reservation shrunk to zero is released.
    pub fn shrink(&mut self, qty: Qty) -> Qty {
        let cut = self.qty.min(qty);
        self.qty = self.qty.saturating_sub(cut);
        if self.qty.is_zero() && self.status == ReservationStatus::Active {
            self.status = ReservationStatus::Released;
        }
        cut
    }
}

/// Check a new reservation of `qty` against issuable `on_hand` and already `reserved` units.
pub fn check_reservation(
    on_hand: Qty,
    reserved: Qty,
    qty: Qty,
    expires_at: Instant,
    now: Instant,
) -> Result<(), ReservationError> {
    if qty.is_zero() {
        return Err(ReservationError::ZeroQty);
    }
    if expires_at <= now {
        return Err(ReservationError::ExpiryInPast);
    }
    check_available(on_hand, reserved, qty)?;
    Ok(())
}

/// Which reservations to shrink, and by how much, when `excess` reserved units are no longer
/// on the shelf (a stocktake loss): the newest reservations give way first.
pub fn trim_newest_first(reservations: &[&Reservation], excess: Qty) -> Vec<(ReservationId, Qty)> {
    let mut newest: Vec<&&Reservation> = reservations
        .iter()
        .filter(|r| r.status == ReservationStatus::Active)
        .collect();
    newest.sort_by_key(|r| std::cmp::Reverse((r.created_at, r.id)));
    let mut left = excess;
    let mut out = Vec::new();
    for r in newest {
        if left.is_zero() {
            break;
        }
        let cut = r.qty.min(left);
        out.push((r.id, cut));
        left = left.saturating_sub(cut);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::TicketId;

    fn q(n: i64) -> Qty {
        Qty::new(n).unwrap()
    }

    fn res(qty: i64) -> Reservation {
        Reservation {
            id: ReservationId(1),
            warehouse: WarehouseId(1),
            part: PartId(1),
            consumer: Consumer::Ticket(TicketId(1)),
            qty: q(qty),
            created_at: Instant(0),
            expires_at: Instant(100),
            status: ReservationStatus::Active,
        }
    }

    #[test]
    fn cannot_reserve_more_than_is_available() {
        let err = check_reservation(q(5), q(4), q(2), Instant(10), Instant(0)).unwrap_err();
        assert_eq!(
            err,
            ReservationError::Shortage(Shortage {
                requested: q(2),
                available: q(1)
            })
        );
        assert!(check_reservation(q(5), q(4), q(1), Instant(10), Instant(0)).is_ok());
    }

    #[test]
    fn a_reservation_must_expire_in_the_future() {
        assert_eq!(
            check_reservation(q(5), q(0), q(1), Instant(10), Instant(10)),
            Err(ReservationError::ExpiryInPast)
        );
    }

    #[test]
    fn stops_holding_stock_at_its_expiry() {
        let r = res(2);
        assert!(r.is_active_at(Instant(99)));
        assert!(!r.is_active_at(Instant(100)));
        assert!(r.has_expired_at(Instant(100)));
    }

    #[test]
    fn issuing_more_than_reserved_fulfils_it_and_takes_only_what_it_held() {
        let mut r = res(2);
        assert_eq!(r.consume(q(5)), Ok(q(2)));
        assert_eq!(r.status, ReservationStatus::Fulfilled);
        assert_eq!(r.consume(q(1)), Err(ReservationError::NotActive));
    }

    #[test]
    fn trimming_takes_from_the_newest_reservation_first() {
        let mut old = res(3);
        old.created_at = Instant(1);
        let mut new = res(2);
        new.id = ReservationId(2);
        new.created_at = Instant(5);
        let plan = trim_newest_first(&[&old, &new], q(4));
        assert_eq!(plan, [(ReservationId(2), q(2)), (ReservationId(1), q(2))]);
    }

    #[test]
    fn shrinking_to_zero_releases_it() {
        let mut r = res(3);
        assert_eq!(r.shrink(q(1)), q(1));
        assert_eq!(r.status, ReservationStatus::Active);
        assert_eq!(r.shrink(q(9)), q(2));
        assert_eq!(r.status, ReservationStatus::Released);
    }
}
