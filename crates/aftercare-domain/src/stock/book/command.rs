//! The operations of the ledger as commands: each checks its rules, makes its movements
//! through [`Book::apply`], and either succeeds whole or changes nothing. A command run with
//! an idempotency key is recorded; the same key with the same command returns the first
//! outcome without applying anything again.

use super::{Book, Touched};
use crate::ids::{
    LotId, MovementId, PartId, PurchaseOrderId, RepairOrderId, ReservationId, ScrapRequestId,
    StocktakeId, SupplierId, TransferId, WarehouseId,
};
use crate::part::substitutes_of;
use crate::role::Role;
use crate::stock::approval::{
    EmergencyRequisition, ScrapReason, ScrapRequest, emergency_requisition, may_approve,
};
use crate::stock::condition::StockCondition;
use crate::stock::error::StockError;
use crate::stock::idempotency::IdempotencyKey;
use crate::stock::location::{Consumer, Location};
use crate::stock::lot::{Shortage, allocate};
use crate::stock::movement::{Document, LotTake, Movement, MovementKind};
use crate::stock::purchase::PurchaseOrder;
use crate::stock::qty::Qty;
use crate::stock::repair::RepairOrder;
use crate::stock::reservation::{
    Reservation, ReservationError, ReservationStatus, check_reservation, trim_newest_first,
};
use crate::stock::stocktake::{BookLine, CountEntry, Stocktake, StocktakeScope};
use crate::stock::substitution::offer_substitutes;
use crate::stock::transfer::{Resolution, Transfer, TransferQty};
use crate::time::Instant;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// One operation on the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "op")]
pub enum Command {
    /// Place a purchase order (so receipts can be made against it).
    PlacePurchaseOrder {
        /// The supplier.
        supplier: SupplierId,
        /// Parts and units ordered.
        lines: Vec<(PartId, Qty)>,
    },
    /// Receive units of a purchase order into quarantine: a new lot.
    Receive {
        /// The order.
        order: PurchaseOrderId,
        /// The receiving warehouse.
        warehouse: WarehouseId,
        /// The part.
        part: PartId,
        /// Units (partial receipts allowed).
        qty: Qty,
    },
    /// Inspect a lot in quarantine: accepted units become good (purchases) or repaired
    /// (repair receipts); rejected units go back where the lot came from.
    Inspect {
        /// The warehouse.
        warehouse: WarehouseId,
        /// The lot.
        lot: LotId,
        /// Units accepted.
        accept: Qty,
        /// Units rejected.
        reject: Qty,
    },
    /// Issue parts to a ticket or requisition: repaired first, then first in, first out.
    Issue {
        /// The warehouse.
        warehouse: WarehouseId,
        /// The part.
        part: PartId,
        /// Units.
        qty: Qty,
        /// Who gets them.
        consumer: Consumer,
        /// A reservation made for this consumer, drawn down by the issue.
        reservation: Option<ReservationId>,
        /// The approver's role, when the issue needs approval.
        approved_by: Option<Role>,
    },
    /// Unused parts come back from a ticket or requisition, into the condition they left in.
    ReturnUnused {
        /// Who returns them.
        consumer: Consumer,
        /// The receiving warehouse.
        warehouse: WarehouseId,
        /// The part.
        part: PartId,
        /// Units.
        qty: Qty,
        /// When they were issued (return timeliness).
        issued_at: Instant,
    },
    /// The old part of an old-for-new exchange comes back defective: a new lot.
    DefectiveReturn {
        /// Whose old part.
        consumer: Consumer,
        /// The receiving warehouse.
        warehouse: WarehouseId,
        /// The part.
        part: PartId,
        /// Units.
        qty: Qty,
    },
    /// Hold available units for a ticket or requisition until `expires_at`.
    Reserve {
        /// The warehouse.
        warehouse: WarehouseId,
        /// The part.
        part: PartId,
        /// Units.
        qty: Qty,
        /// For whom.
        consumer: Consumer,
        /// When the hold lapses.
        expires_at: Instant,
    },
    /// Give up a reservation.
    ReleaseReservation {
        /// The reservation.
        reservation: ReservationId,
    },
    /// Mark every reservation past its expiry as expired.
    ExpireReservations,
    /// Ship stock to another warehouse.
    ShipTransfer {
        /// Source.
        from: WarehouseId,
        /// Destination.
        to: WarehouseId,
        /// Expected arrival.
        eta: Instant,
        /// What is shipped.
        lines: Vec<TransferQty>,
    },
    /// Receive (part of) a transfer; with `close`, what has not arrived becomes a
    /// discrepancy.
    ReceiveTransfer {
        /// The transfer.
        transfer: TransferId,
        /// What arrived.
        lines: Vec<TransferQty>,
        /// Close the transfer.
        close: bool,
    },
    /// Resolve missing units of a closed transfer: found, or written off.
    ResolveDiscrepancy {
        /// The transfer.
        transfer: TransferId,
        /// The part.
        part: PartId,
        /// The condition shipped.
        condition: StockCondition,
        /// Units.
        qty: Qty,
        /// Found or written off.
        resolution: Resolution,
    },
    /// Send defective units to a repair vendor under a new repair order.
    SendToRepair {
        /// The warehouse.
        warehouse: WarehouseId,
        /// The repair vendor.
        vendor: SupplierId,
        /// The part.
        part: PartId,
        /// Units.
        qty: Qty,
        /// When the vendor is due to return them.
        due: Instant,
    },
    /// Receive repaired units back into quarantine: a new lot, accepted as repaired.
    ReceiveFromRepair {
        /// The repair order.
        order: RepairOrderId,
        /// The receiving warehouse.
        warehouse: WarehouseId,
        /// Units.
        qty: Qty,
    },
    /// The vendor could not repair some units: they come back as scrap to a warehouse, or
    /// the vendor disposes of them.
    DeclareUnrepairable {
        /// The repair order.
        order: RepairOrderId,
        /// Units.
        qty: Qty,
        /// The warehouse the scrap comes back to, or `None` if the vendor disposed of it.
        returned_to: Option<WarehouseId>,
    },
    /// Ask to scrap units (needs a manager's approval).
    RequestScrap {
        /// The warehouse.
        warehouse: WarehouseId,
        /// The part.
        part: PartId,
        /// The condition scrapped from.
        condition: StockCondition,
        /// Units.
        qty: Qty,
        /// Why.
        reason: ScrapReason,
    },
    /// A manager approves (the units move to scrap) or rejects a scrap request.
    DecideScrap {
        /// The request.
        request: ScrapRequestId,
        /// Approve or reject.
        approve: bool,
        /// The decider's role.
        by: Role,
    },
    /// Dispose of scrap on the shelf.
    Dispose {
        /// The warehouse.
        warehouse: WarehouseId,
        /// The part.
        part: PartId,
        /// Units.
        qty: Qty,
    },
    /// Freeze a snapshot of the parts in scope and start counting (their stock cannot move
    /// until the stocktake is approved).
    OpenStocktake {
        /// The warehouse.
        warehouse: WarehouseId,
        /// What is counted.
        scope: StocktakeScope,
    },
    /// Enter counts.
    EnterCounts {
        /// The stocktake.
        stocktake: StocktakeId,
        /// The counts.
        counts: Vec<CountEntry>,
    },
    /// Approve a stocktake: gains and losses move to or from the difference account.
    /// Reservations above what is left are shrunk, newest first.
    ApproveStocktake {
        /// The stocktake.
        stocktake: StocktakeId,
        /// The approver's role.
        by: Role,
    },
}

/// What a command created.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum Created {
    /// A lot.
    Lot(LotId),
    /// A purchase order.
    PurchaseOrder(PurchaseOrderId),
    /// A reservation.
    Reservation(ReservationId),
    /// A transfer.
    Transfer(TransferId),
    /// A repair order.
    RepairOrder(RepairOrderId),
    /// A scrap request.
    ScrapRequest(ScrapRequestId),
    /// A stocktake.
    Stocktake(StocktakeId),
}

/// The result of a command.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Outcome {
    /// Movements made, in order.
    pub movements: Vec<MovementId>,
    /// What was created.
    pub created: Option<Created>,
    /// An emergency requisition due after an issue left available stock below the minimum.
    pub emergency: Option<EmergencyRequisition>,
    /// Units that became transfer discrepancies.
    pub discrepancies: Vec<TransferQty>,
    /// Reservations shrunk by a stocktake loss, with the units removed.
    pub trimmed_reservations: Vec<(ReservationId, Qty)>,
    /// Reservations marked expired.
    pub expired_reservations: usize,
}

/// Units of a part on the road to a warehouse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct InTransitRow {
    /// The transfer.
    pub transfer: TransferId,
    /// Source.
    pub from: WarehouseId,
    /// Destination.
    pub to: WarehouseId,
    /// The condition shipped.
    pub condition: StockCondition,
    /// Units on the road.
    pub qty: Qty,
    /// Expected arrival.
    pub eta: Instant,
    /// Whether the expected arrival has passed.
    pub overdue: bool,
}

/// A movement about to be made: everything but the lots, which the book chooses.
struct Move {
    kind: MovementKind,
    part: PartId,
    from: Location,
    to: Location,
    at: Instant,
    document: Option<Document>,
}

/// The most units one line of a command may name (a billion): no business moves more, and
/// a bound far below `i64::MAX` keeps every sum of balances, orders and values in range
/// (a command of 9·10¹⁸ units had been accepted and only the next one overflowed).
pub const MAX_UNITS_PER_LINE: i64 = 1_000_000_000;

impl Command {
    /// Every quantity of units the command names, one per line (a count, an inspection's
    /// accepted and rejected units each); none for a command that names no quantity.
    fn quantities(&self) -> Vec<Qty> {
        match self {
            Command::PlacePurchaseOrder { lines, .. } => lines.iter().map(|(_, q)| *q).collect(),
            Command::ShipTransfer { lines, .. } | Command::ReceiveTransfer { lines, .. } => {
                lines.iter().map(|l| l.qty).collect()
            }
            Command::Inspect { accept, reject, .. } => vec![*accept, *reject],
            Command::EnterCounts { counts, .. } => counts.iter().map(|c| c.counted).collect(),
            Command::Receive { qty, .. }
            | Command::Issue { qty, .. }
            | Command::ReturnUnused { qty, .. }
            | Command::DefectiveReturn { qty, .. }
            | Command::Reserve { qty, .. }
            | Command::ResolveDiscrepancy { qty, .. }
            | Command::SendToRepair { qty, .. }
            | Command::ReceiveFromRepair { qty, .. }
            | Command::DeclareUnrepairable { qty, .. }
            | Command::RequestScrap { qty, .. }
            | Command::Dispose { qty, .. } => vec![*qty],
            Command::ReleaseReservation { .. }
            | Command::ExpireReservations
            | Command::DecideScrap { .. }
            | Command::OpenStocktake { .. }
            | Command::ApproveStocktake { .. } => Vec::new(),
        }
    }

    /// The largest quantity one line of the command names.
    pub fn most_units(&self) -> i64 {
        self.quantities()
            .into_iter()
            .map(Qty::get)
            .max()
            .unwrap_or(0)
    }

    /// Whether the command names a quantity of no units where it moves, orders, reserves
    /// or requests units (a line of 0 included). A receipt that closes its transfer may
    /// receive nothing (its lines of 0 are skipped: the rest becomes a discrepancy); an
    /// inspection may accept or reject none as long as it does one; a count of 0 is a
    /// count. An order or shipment with no lines at all is left to their own rules ("needs
    /// at least one line").
    pub fn names_no_units(&self) -> bool {
        let any_zero = || self.quantities().into_iter().any(Qty::is_zero);
        match self {
            Command::ReceiveTransfer { lines, close, .. } => {
                !close && (lines.is_empty() || any_zero())
            }
            Command::Inspect { accept, reject, .. } => accept.is_zero() && reject.is_zero(),
            Command::EnterCounts { .. } => false,
            _ => any_zero(),
        }
    }
}

impl Book {
    /// Run a command. With a key already used for the same command, return the first
    /// outcome and change nothing; with a key used for another command, refuse. On any
    /// refusal the book is left exactly as it was.
    pub fn execute(
        &mut self,
        key: Option<&IdempotencyKey>,
        command: Command,
        now: Instant,
    ) -> Result<Outcome, StockError> {
        if let Some(k) = key
            && let Some((first, outcome)) = self.idempotency.get(k)
        {
            return if *first == command {
                Ok(outcome.clone())
            } else {
                Err(StockError::IdempotencyKeyReused)
            };
        }
        // Undo by journal: every change the command makes is logged first, so a refusal
        // costs what the command touched, not a copy of the whole book.
        self.scratch.undo.clear();
        self.scratch.expired = 0;
        match self.run(&command, now) {
            Ok(mut outcome) => {
                // Any command that swept expired reservations says so, not only the sweep.
                outcome.expired_reservations = self.scratch.expired;
                self.commit_journal();
                if let Some(k) = key {
                    self.idempotency
                        .insert(k.clone(), (command, outcome.clone()));
                }
                Ok(outcome)
            }
            Err(e) => {
                self.roll_back();
                Err(e)
            }
        }
    }

    /// Units of `part` in transit, per transfer and destination, with ETA.
    pub fn in_transit(&self, part: PartId, now: Instant) -> Vec<InTransitRow> {
        self.transfers
            .values()
            .flat_map(|t| {
                t.lines
                    .iter()
                    .filter(move |l| l.part == part && !l.in_transit().is_zero())
                    .map(move |l| InTransitRow {
                        transfer: t.id,
                        from: t.from,
                        to: t.to,
                        condition: l.condition,
                        qty: l.in_transit(),
                        eta: t.eta,
                        overdue: t.is_overdue(now),
                    })
            })
            .collect()
    }

    fn run(&mut self, command: &Command, now: Instant) -> Result<Outcome, StockError> {
        // A command for no units does nothing but would still be acknowledged, keyed and
        // audited as done ("0 movements"): refused before anything is touched.
        if command.names_no_units() {
            return Err(StockError::NoUnits);
        }
        if command.most_units() > MAX_UNITS_PER_LINE {
            return Err(StockError::TooManyUnits {
                max: MAX_UNITS_PER_LINE,
            });
        }
        match command.clone() {
            Command::PlacePurchaseOrder { supplier, lines } => self.place_order(supplier, &lines),
            Command::Receive {
                order,
                warehouse,
                part,
                qty,
            } => self.receive(order, warehouse, part, qty, now),
            Command::Inspect {
                warehouse,
                lot,
                accept,
                reject,
            } => self.inspect(warehouse, lot, accept, reject, now),
            Command::Issue {
                warehouse,
                part,
                qty,
                consumer,
                reservation,
                approved_by,
            } => self.issue(
                warehouse,
                part,
                qty,
                consumer,
                reservation,
                approved_by,
                now,
            ),
            Command::ReturnUnused {
                consumer,
                warehouse,
                part,
                qty,
                issued_at,
            } => self.return_unused(consumer, warehouse, part, qty, issued_at, now),
            Command::DefectiveReturn {
                consumer,
                warehouse,
                part,
                qty,
            } => self.defective_return(consumer, warehouse, part, qty, now),
            Command::Reserve {
                warehouse,
                part,
                qty,
                consumer,
                expires_at,
            } => self.reserve(warehouse, part, qty, consumer, expires_at, now),
            Command::ReleaseReservation { reservation } => self.release(reservation),
            Command::ExpireReservations => Ok(Outcome {
                expired_reservations: self.sweep_expired(None, now),
                ..Outcome::default()
            }),
            Command::ShipTransfer {
                from,
                to,
                eta,
                lines,
            } => self.ship(from, to, eta, &lines, now),
            Command::ReceiveTransfer {
                transfer,
                lines,
                close,
            } => self.receive_transfer(transfer, &lines, close, now),
            Command::ResolveDiscrepancy {
                transfer,
                part,
                condition,
                qty,
                resolution,
            } => self.resolve(transfer, part, condition, qty, resolution, now),
            Command::SendToRepair {
                warehouse,
                vendor,
                part,
                qty,
                due,
            } => self.send_to_repair(warehouse, vendor, part, qty, due, now),
            Command::ReceiveFromRepair {
                order,
                warehouse,
                qty,
            } => self.receive_from_repair(order, warehouse, qty, now),
            Command::DeclareUnrepairable {
                order,
                qty,
                returned_to,
            } => self.unrepairable(order, qty, returned_to, now),
            Command::RequestScrap {
                warehouse,
                part,
                condition,
                qty,
                reason,
            } => self.request_scrap(warehouse, part, condition, qty, reason, now),
            Command::DecideScrap {
                request,
                approve,
                by,
            } => self.decide_scrap(request, approve, by, now),
            Command::Dispose {
                warehouse,
                part,
                qty,
            } => self.dispose(warehouse, part, qty, now),
            Command::OpenStocktake { warehouse, scope } => {
                self.open_stocktake(warehouse, scope, now)
            }
            Command::EnterCounts { stocktake, counts } => self.enter_counts(stocktake, &counts),
            Command::ApproveStocktake { stocktake, by } => {
                self.approve_stocktake(stocktake, by, now)
            }
        }
    }

    // ---- movement helpers ----------------------------------------------------------------

    fn make(&mut self, mv: &Move, lots: Vec<LotTake>, qty: Qty) -> Result<MovementId, StockError> {
        self.apply(Movement {
            kind: mv.kind,
            part: mv.part,
            from: mv.from,
            to: mv.to,
            qty,
            lots,
            at: mv.at,
            document: mv.document,
            issued_at: None,
        })
    }

    /// Move `qty` out of `mv.from`, oldest lots first.
    fn move_fifo(&mut self, mv: &Move, qty: Qty) -> Result<MovementId, StockError> {
        let lots = self.positive_lots(&mv.from, mv.part);
        let picked = allocate(&lots, qty).map_err(|s| StockError::Insufficient {
            location: mv.from,
            part: mv.part,
            available: s.available,
        })?;
        self.make(mv, picked.iter().map(|a| a.take()).collect(), qty)
    }

    /// Bring `qty` into the books as a new lot.
    fn new_lot(&mut self, mv: &Move, qty: Qty) -> Result<(LotId, MovementId), StockError> {
        let lot = LotId(self.next_id());
        let id = self.make(mv, vec![LotTake { lot, qty }], qty)?;
        Ok((lot, id))
    }

    fn known_part(&self, part: PartId) -> Result<(), StockError> {
        if self.parts.contains_key(&part) {
            Ok(())
        } else {
            Err(StockError::UnknownPart(part))
        }
    }

    // ---- receipts and inspection ---------------------------------------------------------

    fn place_order(
        &mut self,
        supplier: SupplierId,
        lines: &[(PartId, Qty)],
    ) -> Result<Outcome, StockError> {
        for (part, _) in lines {
            self.known_part(*part)?;
        }
        let id = PurchaseOrderId(self.next_id());
        let po = PurchaseOrder::new(id, supplier, lines)?;
        self.keep(Touched::PurchaseOrder(id));
        self.purchase_orders.insert(id, po);
        Ok(created(Created::PurchaseOrder(id)))
    }

    fn receive(
        &mut self,
        order: PurchaseOrderId,
        warehouse: WarehouseId,
        part: PartId,
        qty: Qty,
        now: Instant,
    ) -> Result<Outcome, StockError> {
        self.keep(Touched::PurchaseOrder(order));
        let po = self
            .purchase_orders
            .get_mut(&order)
            .ok_or(StockError::NotFound("purchase order"))?;
        po.receive(part, qty)?;
        let supplier = po.supplier;
        let mv = Move {
            kind: MovementKind::Receipt,
            part,
            from: Location::Supplier { supplier },
            to: Location::stock(warehouse, StockCondition::Quarantine),
            at: now,
            document: Some(Document::PurchaseOrder(order)),
        };
        let (lot, id) = self.new_lot(&mv, qty)?;
        Ok(Outcome {
            movements: vec![id],
            created: Some(Created::Lot(lot)),
            ..Outcome::default()
        })
    }

    fn inspect(
        &mut self,
        warehouse: WarehouseId,
        lot_id: LotId,
        accept: Qty,
        reject: Qty,
        now: Instant,
    ) -> Result<Outcome, StockError> {
        let lot = self
            .lots
            .get(&lot_id)
            .cloned()
            .ok_or(StockError::NotFound("lot"))?;
        let quarantine = Location::stock(warehouse, StockCondition::Quarantine);
        let document = match lot.origin {
            Location::RepairVendor { order } => Some(Document::RepairOrder(order)),
            _ => None,
        };
        let mut out = Outcome::default();
        if !accept.is_zero() {
            let to_condition = lot.usable_as.ok_or(StockError::LotMismatch(lot_id))?;
            let mv = Move {
                kind: MovementKind::InspectionAccept,
                part: lot.part,
                from: quarantine,
                to: Location::stock(warehouse, to_condition),
                at: now,
                document,
            };
            out.movements.push(self.make(
                &mv,
                vec![LotTake {
                    lot: lot_id,
                    qty: accept,
                }],
                accept,
            )?);
        }
        if !reject.is_zero() {
            let mv = Move {
                kind: MovementKind::InspectionReject,
                part: lot.part,
                from: quarantine,
                to: lot.origin,
                at: now,
                document,
            };
            out.movements.push(self.make(
                &mv,
                vec![LotTake {
                    lot: lot_id,
                    qty: reject,
                }],
                reject,
            )?);
            if let Location::RepairVendor { order } = lot.origin {
                self.keep(Touched::RepairOrder(order));
            }
            if let Location::RepairVendor { order } = lot.origin
                && let Some(o) = self.repair_orders.get_mut(&order)
            {
                o.rejected = o.rejected.checked_add(reject).ok_or(StockError::Overflow)?;
            }
        }
        if out.movements.is_empty() {
            return Err(crate::stock::movement::MovementError::ZeroQty.into());
        }
        Ok(out)
    }

    // ---- issues and returns --------------------------------------------------------------

    #[allow(clippy::too_many_arguments)]
    fn issue(
        &mut self,
        warehouse: WarehouseId,
        part: PartId,
        qty: Qty,
        consumer: Consumer,
        reservation: Option<ReservationId>,
        approved_by: Option<Role>,
        now: Instant,
    ) -> Result<Outcome, StockError> {
        let unit_cost = self.unit_cost(part).ok_or(StockError::UnknownPart(part))?;
        if let Some(reason) = self.policy.needs_approval(qty, unit_cost)
            && !approved_by.is_some_and(may_approve)
        {
            return Err(StockError::ApprovalRequired(reason));
        }
        self.sweep_expired(Some((warehouse, part)), now);
        if let Some(rid) = reservation {
            self.keep(Touched::Reservation(rid));
            let r = self
                .reservations
                .get_mut(&rid)
                .ok_or(StockError::NotFound("reservation"))?;
            if r.warehouse != warehouse || r.part != part || r.consumer != consumer {
                return Err(StockError::ReservationMismatch);
            }
            let taken = r.consume(qty)?;
            self.sub_reserved(warehouse, part, taken);
        }
        let available = self
            .issuable(warehouse, part)
            .saturating_sub(self.reserved(warehouse, part));
        if qty > available {
            return Err(self.issue_shortage(warehouse, part, qty, available, now));
        }
        let mut lots =
            self.positive_lots(&Location::stock(warehouse, StockCondition::Repaired), part);
        lots.extend(self.positive_lots(&Location::stock(warehouse, StockCondition::Good), part));
        let picked = allocate(&lots, qty).map_err(|s| StockError::IssueShortage {
            shortage: s,
            substitutes: Vec::new(),
        })?;
        let mut by_condition: BTreeMap<u8, (StockCondition, Vec<LotTake>)> = BTreeMap::new();
        for a in &picked {
            // Repaired (0) moves before good (1), matching the allocation order.
            let rank = u8::from(a.condition != StockCondition::Repaired);
            by_condition
                .entry(rank)
                .or_insert_with(|| (a.condition, Vec::new()))
                .1
                .push(a.take());
        }
        let mut out = Outcome::default();
        for (_, (condition, takes)) in by_condition {
            let n: Qty = takes.iter().map(|t| t.qty).sum();
            let mv = Move {
                kind: MovementKind::Issue,
                part,
                from: Location::stock(warehouse, condition),
                to: Location::Consumer { consumer },
                at: now,
                document: Some(consumer_document(consumer)),
            };
            out.movements.push(self.make(&mv, takes, n)?);
        }
        let left = self
            .issuable(warehouse, part)
            .saturating_sub(self.reserved(warehouse, part));
        out.emergency = self
            .parts
            .get(&part)
            .and_then(|p| p.levels.get(&warehouse))
            .and_then(|levels| emergency_requisition(left, *levels));
        Ok(out)
    }

    fn issue_shortage(
        &self,
        warehouse: WarehouseId,
        part: PartId,
        qty: Qty,
        available: Qty,
        now: Instant,
    ) -> StockError {
        let options = substitutes_of(&self.substitutes, part);
        StockError::IssueShortage {
            shortage: Shortage {
                requested: qty,
                available,
            },
            substitutes: offer_substitutes(&options, |p| self.available(warehouse, p, now)),
        }
    }

    fn return_unused(
        &mut self,
        consumer: Consumer,
        warehouse: WarehouseId,
        part: PartId,
        qty: Qty,
        issued_at: Instant,
        now: Instant,
    ) -> Result<Outcome, StockError> {
        let from = Location::Consumer { consumer };
        let lots = self.positive_lots(&from, part);
        let picked = allocate(&lots, qty).map_err(|s| StockError::Insufficient {
            location: from,
            part,
            available: s.available,
        })?;
        let mut by_condition: BTreeMap<StockCondition, Vec<LotTake>> = BTreeMap::new();
        for a in &picked {
            let condition = self
                .lots
                .get(&a.lot)
                .and_then(|l| l.usable_as)
                .ok_or(StockError::LotMismatch(a.lot))?;
            by_condition.entry(condition).or_default().push(a.take());
        }
        let mut out = Outcome::default();
        for (condition, takes) in by_condition {
            let n: Qty = takes.iter().map(|t| t.qty).sum();
            out.movements.push(self.apply(Movement {
                kind: MovementKind::ReturnUnused,
                part,
                from,
                to: Location::stock(warehouse, condition),
                qty: n,
                lots: takes,
                at: now,
                document: Some(consumer_document(consumer)),
                issued_at: Some(issued_at),
            })?);
        }
        Ok(out)
    }

    fn defective_return(
        &mut self,
        consumer: Consumer,
        warehouse: WarehouseId,
        part: PartId,
        qty: Qty,
        now: Instant,
    ) -> Result<Outcome, StockError> {
        let mv = Move {
            kind: MovementKind::DefectiveReturn,
            part,
            from: Location::Consumer { consumer },
            to: Location::stock(warehouse, StockCondition::Defective),
            at: now,
            document: Some(consumer_document(consumer)),
        };
        let (lot, id) = self.new_lot(&mv, qty)?;
        Ok(Outcome {
            movements: vec![id],
            created: Some(Created::Lot(lot)),
            ..Outcome::default()
        })
    }

    // ---- reservations --------------------------------------------------------------------

    fn reserve(
        &mut self,
        warehouse: WarehouseId,
        part: PartId,
        qty: Qty,
        consumer: Consumer,
        expires_at: Instant,
        now: Instant,
    ) -> Result<Outcome, StockError> {
        self.known_part(part)?;
        self.sweep_expired(Some((warehouse, part)), now);
        check_reservation(
            self.issuable(warehouse, part),
            self.reserved(warehouse, part),
            qty,
            expires_at,
            now,
        )?;
        let id = ReservationId(self.next_id());
        self.keep(Touched::Reservation(id));
        self.reservations.insert(
            id,
            Reservation {
                id,
                warehouse,
                part,
                consumer,
                qty,
                created_at: now,
                expires_at,
                status: ReservationStatus::Active,
            },
        );
        self.add_reserved(warehouse, part, qty);
        Ok(created(Created::Reservation(id)))
    }

    fn release(&mut self, id: ReservationId) -> Result<Outcome, StockError> {
        self.keep(Touched::Reservation(id));
        let r = self
            .reservations
            .get_mut(&id)
            .ok_or(StockError::NotFound("reservation"))?;
        if r.status != ReservationStatus::Active {
            return Err(ReservationError::NotActive.into());
        }
        r.status = ReservationStatus::Released;
        let (w, p, q) = (r.warehouse, r.part, r.qty);
        self.sub_reserved(w, p, q);
        Ok(Outcome::default())
    }

    // ---- transfers -----------------------------------------------------------------------

    fn ship(
        &mut self,
        from: WarehouseId,
        to: WarehouseId,
        eta: Instant,
        lines: &[TransferQty],
        now: Instant,
    ) -> Result<Outcome, StockError> {
        let id = TransferId(self.next_id());
        let transfer = Transfer::ship(id, from, to, now, eta, lines)?;
        self.keep(Touched::Transfer(id));
        self.transfers.insert(id, transfer);
        let mut out = created(Created::Transfer(id));
        for l in lines {
            self.sweep_expired(Some((from, l.part)), now);
            let mv = Move {
                kind: MovementKind::TransferShip,
                part: l.part,
                from: Location::stock(from, l.condition),
                to: Location::InTransit {
                    transfer: id,
                    to,
                    condition: l.condition,
                },
                at: now,
                document: Some(Document::Transfer(id)),
            };
            out.movements.push(self.move_fifo(&mv, l.qty)?);
        }
        Ok(out)
    }

    fn receive_transfer(
        &mut self,
        id: TransferId,
        lines: &[TransferQty],
        close: bool,
        now: Instant,
    ) -> Result<Outcome, StockError> {
        self.keep(Touched::Transfer(id));
        let transfer = self
            .transfers
            .get_mut(&id)
            .ok_or(StockError::NotFound("transfer"))?;
        let plan = transfer.plan_receipt(lines, close)?;
        transfer.apply_receipt(&plan)?;
        let dest = transfer.to;
        let mut out = Outcome::default();
        for r in &plan.received {
            let mv = Move {
                kind: MovementKind::TransferReceive,
                part: r.part,
                from: Location::InTransit {
                    transfer: id,
                    to: dest,
                    condition: r.condition,
                },
                to: Location::stock(dest, r.condition),
                at: now,
                document: Some(Document::Transfer(id)),
            };
            out.movements.push(self.move_fifo(&mv, r.qty)?);
        }
        for m in &plan.missing {
            let mv = Move {
                kind: MovementKind::TransferDiscrepancy,
                part: m.part,
                from: Location::InTransit {
                    transfer: id,
                    to: dest,
                    condition: m.condition,
                },
                to: Location::TransferDiscrepancy {
                    transfer: id,
                    condition: m.condition,
                },
                at: now,
                document: Some(Document::Transfer(id)),
            };
            out.movements.push(self.move_fifo(&mv, m.qty)?);
        }
        out.discrepancies = plan.missing;
        Ok(out)
    }

    fn resolve(
        &mut self,
        id: TransferId,
        part: PartId,
        condition: StockCondition,
        qty: Qty,
        resolution: Resolution,
        now: Instant,
    ) -> Result<Outcome, StockError> {
        self.keep(Touched::Transfer(id));
        let transfer = self
            .transfers
            .get_mut(&id)
            .ok_or(StockError::NotFound("transfer"))?;
        transfer.resolve(part, condition, qty, resolution)?;
        let (kind, to) = match resolution {
            Resolution::Found { warehouse } => (
                MovementKind::DiscrepancyFound,
                Location::stock(warehouse, condition),
            ),
            Resolution::WriteOff => (
                MovementKind::DiscrepancyWriteOff,
                Location::StocktakeDifference {
                    warehouse: transfer.to,
                },
            ),
        };
        let mv = Move {
            kind,
            part,
            from: Location::TransferDiscrepancy {
                transfer: id,
                condition,
            },
            to,
            at: now,
            document: Some(Document::Transfer(id)),
        };
        Ok(Outcome {
            movements: vec![self.move_fifo(&mv, qty)?],
            ..Outcome::default()
        })
    }

    // ---- repair loop ---------------------------------------------------------------------

    fn send_to_repair(
        &mut self,
        warehouse: WarehouseId,
        vendor: SupplierId,
        part: PartId,
        qty: Qty,
        due: Instant,
        now: Instant,
    ) -> Result<Outcome, StockError> {
        let id = RepairOrderId(self.next_id());
        let order = RepairOrder::new(id, vendor, warehouse, part, qty, now, due)?;
        self.keep(Touched::RepairOrder(id));
        self.repair_orders.insert(id, order);
        let mv = Move {
            kind: MovementKind::RepairSend,
            part,
            from: Location::stock(warehouse, StockCondition::Defective),
            to: Location::RepairVendor { order: id },
            at: now,
            document: Some(Document::RepairOrder(id)),
        };
        let mut out = created(Created::RepairOrder(id));
        out.movements.push(self.move_fifo(&mv, qty)?);
        Ok(out)
    }

    fn receive_from_repair(
        &mut self,
        id: RepairOrderId,
        warehouse: WarehouseId,
        qty: Qty,
        now: Instant,
    ) -> Result<Outcome, StockError> {
        self.keep(Touched::RepairOrder(id));
        let order = self
            .repair_orders
            .get_mut(&id)
            .ok_or(StockError::NotFound("repair order"))?;
        order.check_return(qty)?;
        order.received = order
            .received
            .checked_add(qty)
            .ok_or(StockError::Overflow)?;
        let mv = Move {
            kind: MovementKind::RepairReceive,
            part: order.part,
            from: Location::RepairVendor { order: id },
            to: Location::stock(warehouse, StockCondition::Quarantine),
            at: now,
            document: Some(Document::RepairOrder(id)),
        };
        let (lot, mid) = self.new_lot(&mv, qty)?;
        Ok(Outcome {
            movements: vec![mid],
            created: Some(Created::Lot(lot)),
            ..Outcome::default()
        })
    }

    fn unrepairable(
        &mut self,
        id: RepairOrderId,
        qty: Qty,
        returned_to: Option<WarehouseId>,
        now: Instant,
    ) -> Result<Outcome, StockError> {
        self.keep(Touched::RepairOrder(id));
        let order = self
            .repair_orders
            .get_mut(&id)
            .ok_or(StockError::NotFound("repair order"))?;
        order.check_return(qty)?;
        order.unrepairable = order
            .unrepairable
            .checked_add(qty)
            .ok_or(StockError::Overflow)?;
        let to = match returned_to {
            Some(w) => Location::stock(w, StockCondition::Scrap),
            None => Location::Scrapped {
                warehouse: order.warehouse,
            },
        };
        let mv = Move {
            kind: MovementKind::RepairUnrepairable,
            part: order.part,
            from: Location::RepairVendor { order: id },
            to,
            at: now,
            document: Some(Document::RepairOrder(id)),
        };
        Ok(Outcome {
            movements: vec![self.move_fifo(&mv, qty)?],
            ..Outcome::default()
        })
    }

    // ---- scrap ---------------------------------------------------------------------------

    fn request_scrap(
        &mut self,
        warehouse: WarehouseId,
        part: PartId,
        condition: StockCondition,
        qty: Qty,
        reason: ScrapReason,
        now: Instant,
    ) -> Result<Outcome, StockError> {
        self.known_part(part)?;
        let id = ScrapRequestId(self.next_id());
        let request = ScrapRequest::new(id, warehouse, part, condition, qty, reason, now)?;
        let on_hand = self.on_hand(warehouse, part, condition);
        if qty > on_hand {
            return Err(StockError::Insufficient {
                location: Location::stock(warehouse, condition),
                part,
                available: on_hand,
            });
        }
        self.keep(Touched::ScrapRequest(id));
        self.scrap_requests.insert(id, request);
        Ok(created(Created::ScrapRequest(id)))
    }

    fn decide_scrap(
        &mut self,
        id: ScrapRequestId,
        approve: bool,
        by: Role,
        now: Instant,
    ) -> Result<Outcome, StockError> {
        let request = self
            .scrap_requests
            .get(&id)
            .cloned()
            .ok_or(StockError::NotFound("scrap request"))?;
        request.check_decision(by)?;
        let mut out = Outcome::default();
        if approve {
            self.sweep_expired(Some((request.warehouse, request.part)), now);
            let mv = Move {
                kind: MovementKind::Scrap,
                part: request.part,
                from: Location::stock(request.warehouse, request.condition),
                to: Location::stock(request.warehouse, StockCondition::Scrap),
                at: now,
                document: Some(Document::ScrapRequest(id)),
            };
            out.movements.push(self.move_fifo(&mv, request.qty)?);
        }
        self.keep(Touched::ScrapRequest(id));
        if let Some(r) = self.scrap_requests.get_mut(&id) {
            r.decide(by, approve, now)?;
        }
        Ok(out)
    }

    fn dispose(
        &mut self,
        warehouse: WarehouseId,
        part: PartId,
        qty: Qty,
        now: Instant,
    ) -> Result<Outcome, StockError> {
        let mv = Move {
            kind: MovementKind::Dispose,
            part,
            from: Location::stock(warehouse, StockCondition::Scrap),
            to: Location::Scrapped { warehouse },
            at: now,
            document: None,
        };
        Ok(Outcome {
            movements: vec![self.move_fifo(&mv, qty)?],
            ..Outcome::default()
        })
    }

    // ---- stocktake -----------------------------------------------------------------------

    fn open_stocktake(
        &mut self,
        warehouse: WarehouseId,
        scope: StocktakeScope,
        now: Instant,
    ) -> Result<Outcome, StockError> {
        if let Some(open) = self.stocktakes.values().find(|s| {
            s.status == crate::stock::stocktake::StocktakeStatus::Counting
                && s.warehouse == warehouse
                && scopes_overlap(&s.scope, &scope)
        }) {
            return Err(StockError::AlreadyCounting(open.id));
        }
        let mut book: Vec<BookLine> = self
            .balances
            .iter()
            .filter_map(|((loc, part), q)| {
                let (w, condition) = loc.as_stock()?;
                (w == warehouse && *q > 0).then(|| BookLine {
                    part: *part,
                    condition,
                    qty: Qty::from_balance(*q),
                    unit_cost: self.unit_cost(*part).unwrap_or_default(),
                })
            })
            .collect();
        book.sort_by_key(|b| (b.part, b.condition));
        let id = StocktakeId(self.next_id());
        let st = Stocktake::open(id, warehouse, scope, book, now)?;
        self.keep(Touched::Stocktake(id));
        self.stocktakes.insert(id, st);
        Ok(created(Created::Stocktake(id)))
    }

    fn enter_counts(
        &mut self,
        id: StocktakeId,
        counts: &[CountEntry],
    ) -> Result<Outcome, StockError> {
        let costs: HashMap<PartId, crate::money::Money> =
            self.parts.iter().map(|(p, e)| (*p, e.unit_cost)).collect();
        self.keep(Touched::Stocktake(id));
        let st = self
            .stocktakes
            .get_mut(&id)
            .ok_or(StockError::NotFound("stocktake"))?;
        st.enter_counts(counts, |p| costs.get(&p).copied())
            .map_err(StockError::Counts)?;
        Ok(Outcome::default())
    }

    fn approve_stocktake(
        &mut self,
        id: StocktakeId,
        by: Role,
        now: Instant,
    ) -> Result<Outcome, StockError> {
        self.keep(Touched::Stocktake(id));
        let st = self
            .stocktakes
            .get_mut(&id)
            .ok_or(StockError::NotFound("stocktake"))?;
        let adjustments = st.approve(by)?;
        let warehouse = st.warehouse;
        let mut out = Outcome::default();
        let mut issuable_loss: BTreeMap<PartId, i64> = BTreeMap::new();
        for a in adjustments.iter().filter(|a| a.delta < 0) {
            if a.condition.is_issuable() {
                *issuable_loss.entry(a.part).or_default() -= a.delta;
            }
        }
        for (part, loss) in issuable_loss {
            self.sweep_expired(Some((warehouse, part)), now);
            let left = Qty::from_balance(self.issuable(warehouse, part).get() - loss);
            let excess = self.reserved(warehouse, part).saturating_sub(left);
            if excess.is_zero() {
                continue;
            }
            let held: Vec<&Reservation> = self
                .reservations
                .values()
                .filter(|r| r.warehouse == warehouse && r.part == part)
                .collect();
            let plan = trim_newest_first(&held, excess);
            for &(rid, cut) in &plan {
                self.keep(Touched::Reservation(rid));
                if let Some(r) = self.reservations.get_mut(&rid) {
                    let removed = r.shrink(cut);
                    self.sub_reserved(warehouse, part, removed);
                }
            }
            out.trimmed_reservations.extend(plan);
        }
        let account = Location::StocktakeDifference { warehouse };
        for a in adjustments {
            let shelf = Location::stock(warehouse, a.condition);
            let units = Qty::from_balance(a.delta.abs());
            let (from, to) = if a.delta > 0 {
                (account, shelf)
            } else {
                (shelf, account)
            };
            let mv = Move {
                kind: MovementKind::StocktakeAdjust,
                part: a.part,
                from,
                to,
                at: now,
                document: Some(Document::Stocktake(id)),
            };
            let mid = if a.delta > 0 {
                self.new_lot(&mv, units)?.1
            } else {
                self.move_fifo(&mv, units)?
            };
            out.movements.push(mid);
        }
        Ok(out)
    }
}

fn created(c: Created) -> Outcome {
    Outcome {
        created: Some(c),
        ..Outcome::default()
    }
}

fn consumer_document(c: Consumer) -> Document {
    match c {
        Consumer::Ticket(t) => Document::Ticket(t),
        Consumer::Requisition(r) => Document::Requisition(r),
    }
}

fn scopes_overlap(a: &StocktakeScope, b: &StocktakeScope) -> bool {
    match (a, b) {
        (StocktakeScope::Parts(x), StocktakeScope::Parts(y)) => {
            x.iter().any(|p| y.binary_search(p).is_ok())
        }
        _ => true,
    }
}
