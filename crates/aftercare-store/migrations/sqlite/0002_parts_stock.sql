-- Spare parts and the stock ledger: suppliers, the part master (vendors, where-used,
-- substitutes, per-warehouse manual levels), and the ledger (balances per location × part,
-- lots, immutable movements with the lots they took, reservations, purchase orders, repair
-- orders, transfers, scrap requests, stocktakes, issue approvals, idempotency keys).
-- Warehouses come from 0001 (code, name, kind, parent, region, station, address,
-- after_sales, active). Quantities are BIGINT units; money BIGINT minor units; instants
-- BIGINT UTC ms; dates TEXT YYYY-MM-DD.
--
-- A location is stored as a canonical text key `kind:warehouse:condition:reference` with
-- `-` for an empty part (`stock:7:good:-`, `supplier:-:-:3`, `ticket:-:-:42`,
-- `in_transit:9:good:118`, `scrapped:7:-:-`), plus its decomposed columns for queries.
-- Only suppliers, consumers and the stocktake-difference account may go
-- negative (they are where stock enters the books from): the CHECKs hold everything else at
-- zero or above in SQL, whatever the application does.

CREATE TABLE suppliers (
    id         INTEGER PRIMARY KEY,
    code       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('supplier', 'repair_vendor', 'both')),
    contact    TEXT,
    phone      TEXT,
    active     BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE parts (
    id                     INTEGER PRIMARY KEY,
    part_number            TEXT NOT NULL UNIQUE,
    name_zh                TEXT NOT NULL,
    name_en                TEXT,
    specification          TEXT,
    category               TEXT,
    unit                   TEXT NOT NULL,
    standard_cost          BIGINT NOT NULL CHECK (standard_cost >= 0),
    source                 TEXT NOT NULL CHECK (source IN ('buy', 'make', 'repair')),
    lead_time_days         BIGINT NOT NULL CHECK (lead_time_days BETWEEN 0 AND 3650),
    replacement_cycle_days BIGINT CHECK (replacement_cycle_days BETWEEN 1 AND 36500),
    criticality            TEXT NOT NULL CHECK (criticality IN ('normal', 'key')),
    end_of_production_on   TEXT,
    end_of_service_on      TEXT,
    notes                  TEXT,
    active                 BOOLEAN NOT NULL,
    created_at             BIGINT NOT NULL,
    updated_at             BIGINT NOT NULL
);
CREATE INDEX parts_category ON parts (category);

CREATE TABLE part_vendors (
    part_id        BIGINT NOT NULL REFERENCES parts (id),
    supplier_id    BIGINT NOT NULL REFERENCES suppliers (id),
    role           TEXT NOT NULL CHECK (role IN ('supplier', 'repair_vendor')),
    lead_time_days BIGINT NOT NULL CHECK (lead_time_days BETWEEN 0 AND 3650),
    PRIMARY KEY (part_id, supplier_id, role)
);
CREATE INDEX part_vendors_supplier ON part_vendors (supplier_id);

CREATE TABLE part_where_used (
    product_model_id BIGINT NOT NULL REFERENCES product_models (id),
    part_id          BIGINT NOT NULL REFERENCES parts (id),
    qty_per_unit     BIGINT NOT NULL CHECK (qty_per_unit > 0),
    PRIMARY KEY (product_model_id, part_id)
);
CREATE INDEX part_where_used_part ON part_where_used (part_id);

CREATE TABLE part_substitutes (
    part_id       BIGINT NOT NULL REFERENCES parts (id),
    substitute_id BIGINT NOT NULL REFERENCES parts (id),
    direction     TEXT NOT NULL CHECK (direction IN ('one_way', 'both_ways')),
    priority      BIGINT NOT NULL CHECK (priority BETWEEN 0 AND 65535),
    instruction   TEXT NOT NULL,
    PRIMARY KEY (part_id, substitute_id),
    CHECK (part_id <> substitute_id)
);
CREATE INDEX part_substitutes_substitute ON part_substitutes (substitute_id);

CREATE TABLE part_stock_levels (
    warehouse_id BIGINT NOT NULL REFERENCES warehouses (id),
    part_id      BIGINT NOT NULL REFERENCES parts (id),
    min_qty      BIGINT NOT NULL CHECK (min_qty >= 0),
    max_qty      BIGINT CHECK (max_qty >= min_qty),
    PRIMARY KEY (warehouse_id, part_id)
);
CREATE INDEX part_stock_levels_part ON part_stock_levels (part_id);

-- One row (created by the ledger writer): `version` is bumped by every ledger batch, so a
-- writer whose in-memory view is stale (another process wrote) notices and reloads;
-- `next_id` is the ledger's id counter (movements, lots and documents share it);
-- `master_version` is bumped by triggers whenever the part master changes.
CREATE TABLE stock_ledger (
    id             BIGINT PRIMARY KEY CHECK (id = 1),
    version        BIGINT NOT NULL,
    next_id        BIGINT NOT NULL,
    master_version BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);

CREATE TRIGGER parts_master_ins AFTER INSERT ON parts
BEGIN UPDATE stock_ledger SET master_version = master_version + 1; END;
CREATE TRIGGER parts_master_upd AFTER UPDATE ON parts
BEGIN UPDATE stock_ledger SET master_version = master_version + 1; END;
CREATE TRIGGER parts_master_del AFTER DELETE ON parts
BEGIN UPDATE stock_ledger SET master_version = master_version + 1; END;
CREATE TRIGGER part_substitutes_ins AFTER INSERT ON part_substitutes
BEGIN UPDATE stock_ledger SET master_version = master_version + 1; END;
CREATE TRIGGER part_substitutes_upd AFTER UPDATE ON part_substitutes
BEGIN UPDATE stock_ledger SET master_version = master_version + 1; END;
CREATE TRIGGER part_substitutes_del AFTER DELETE ON part_substitutes
BEGIN UPDATE stock_ledger SET master_version = master_version + 1; END;
CREATE TRIGGER part_stock_levels_ins AFTER INSERT ON part_stock_levels
BEGIN UPDATE stock_ledger SET master_version = master_version + 1; END;
CREATE TRIGGER part_stock_levels_upd AFTER UPDATE ON part_stock_levels
BEGIN UPDATE stock_ledger SET master_version = master_version + 1; END;
CREATE TRIGGER part_stock_levels_del AFTER DELETE ON part_stock_levels
BEGIN UPDATE stock_ledger SET master_version = master_version + 1; END;

CREATE TABLE stock_balances (
    location     TEXT NOT NULL,
    part_id      BIGINT NOT NULL REFERENCES parts (id),
    kind         TEXT NOT NULL CHECK (kind IN ('stock', 'supplier', 'ticket', 'requisition', 'repair_vendor', 'in_transit', 'transfer_discrepancy', 'scrapped', 'stocktake_difference')),
    warehouse_id BIGINT REFERENCES warehouses (id),
    condition    TEXT CHECK (condition IN ('good', 'repaired', 'defective', 'scrap', 'quarantine')),
    reference    BIGINT,
    qty          BIGINT NOT NULL,
    negative_ok  BOOLEAN NOT NULL,
    PRIMARY KEY (location, part_id),
    CHECK (negative_ok OR qty >= 0)
);
CREATE INDEX stock_balances_warehouse ON stock_balances (warehouse_id, part_id);
CREATE INDEX stock_balances_part ON stock_balances (part_id);

-- Issuable (good + repaired) and reserved units per warehouse and part, kept in step with
-- stock_balances and stock_reservations: available = issuable - reserved, never negative.
CREATE TABLE stock_availability (
    warehouse_id BIGINT NOT NULL REFERENCES warehouses (id),
    part_id      BIGINT NOT NULL REFERENCES parts (id),
    issuable     BIGINT NOT NULL CHECK (issuable >= 0),
    reserved     BIGINT NOT NULL CHECK (reserved >= 0),
    PRIMARY KEY (warehouse_id, part_id),
    CHECK (reserved <= issuable)
);

CREATE TABLE stock_lots (
    id          INTEGER PRIMARY KEY,
    part_id     BIGINT NOT NULL REFERENCES parts (id),
    origin      TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    usable_as   TEXT CHECK (usable_as IN ('good', 'repaired', 'defective', 'scrap', 'quarantine'))
);
CREATE INDEX stock_lots_part ON stock_lots (part_id);

CREATE TABLE stock_lot_balances (
    location    TEXT NOT NULL,
    part_id     BIGINT NOT NULL REFERENCES parts (id),
    lot_id      BIGINT NOT NULL REFERENCES stock_lots (id),
    qty         BIGINT NOT NULL,
    negative_ok BOOLEAN NOT NULL,
    PRIMARY KEY (location, part_id, lot_id),
    CHECK (negative_ok OR qty >= 0)
);

-- Immutable: rows are only ever inserted. `from_warehouse_id`/`to_warehouse_id` are the
-- warehouses of the two locations (if any), for filtering.
CREATE TABLE stock_movements (
    id                INTEGER PRIMARY KEY,
    kind              TEXT NOT NULL CHECK (kind IN ('receipt', 'repair_receive', 'inspection_accept', 'inspection_reject', 'issue', 'return_unused', 'defective_return', 'transfer_ship', 'transfer_receive', 'transfer_discrepancy', 'discrepancy_found', 'discrepancy_write_off', 'repair_send', 'repair_unrepairable', 'scrap', 'dispose', 'stocktake_adjust')),
    part_id           BIGINT NOT NULL REFERENCES parts (id),
    from_location     TEXT NOT NULL,
    to_location       TEXT NOT NULL,
    from_warehouse_id BIGINT,
    to_warehouse_id   BIGINT,
    qty               BIGINT NOT NULL CHECK (qty > 0),
    at                BIGINT NOT NULL,
    document_kind     TEXT CHECK (document_kind IN ('purchase_order', 'repair_order', 'ticket', 'requisition', 'transfer', 'scrap_request', 'stocktake')),
    document_id       BIGINT,
    issued_at         BIGINT,
    actor_id          BIGINT REFERENCES users (id),
    CHECK (from_location <> to_location)
);
CREATE INDEX stock_movements_part_at ON stock_movements (part_id, at);
CREATE INDEX stock_movements_from_wh ON stock_movements (from_warehouse_id, at);
CREATE INDEX stock_movements_to_wh ON stock_movements (to_warehouse_id, at);
CREATE INDEX stock_movements_document ON stock_movements (document_kind, document_id);

CREATE TABLE stock_movement_lots (
    movement_id BIGINT NOT NULL REFERENCES stock_movements (id),
    lot_id      BIGINT NOT NULL REFERENCES stock_lots (id),
    qty         BIGINT NOT NULL CHECK (qty > 0),
    PRIMARY KEY (movement_id, lot_id)
);
CREATE INDEX stock_movement_lots_lot ON stock_movement_lots (lot_id);

CREATE TABLE stock_reservations (
    id            INTEGER PRIMARY KEY,
    warehouse_id  BIGINT NOT NULL REFERENCES warehouses (id),
    part_id       BIGINT NOT NULL REFERENCES parts (id),
    consumer_kind TEXT NOT NULL CHECK (consumer_kind IN ('ticket', 'requisition')),
    consumer_id   BIGINT NOT NULL,
    qty           BIGINT NOT NULL CHECK (qty >= 0),
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('active', 'fulfilled', 'released', 'expired'))
);
CREATE INDEX stock_reservations_wh_part ON stock_reservations (warehouse_id, part_id, status);

CREATE TABLE purchase_orders (
    id          INTEGER PRIMARY KEY,
    supplier_id BIGINT NOT NULL REFERENCES suppliers (id),
    created_at  BIGINT NOT NULL
);

CREATE TABLE purchase_order_lines (
    purchase_order_id BIGINT NOT NULL REFERENCES purchase_orders (id),
    part_id           BIGINT NOT NULL REFERENCES parts (id),
    ordered           BIGINT NOT NULL CHECK (ordered > 0),
    received          BIGINT NOT NULL CHECK (received >= 0 AND received <= ordered),
    PRIMARY KEY (purchase_order_id, part_id)
);

CREATE TABLE repair_orders (
    id           INTEGER PRIMARY KEY,
    vendor_id    BIGINT NOT NULL REFERENCES suppliers (id),
    warehouse_id BIGINT NOT NULL REFERENCES warehouses (id),
    part_id      BIGINT NOT NULL REFERENCES parts (id),
    sent         BIGINT NOT NULL CHECK (sent > 0),
    received     BIGINT NOT NULL CHECK (received >= 0),
    rejected     BIGINT NOT NULL CHECK (rejected >= 0),
    unrepairable BIGINT NOT NULL CHECK (unrepairable >= 0),
    sent_at      BIGINT NOT NULL,
    due_at       BIGINT NOT NULL,
    CHECK (received + unrepairable <= sent + rejected)
);
CREATE INDEX repair_orders_warehouse ON repair_orders (warehouse_id);

CREATE TABLE transfers (
    id                INTEGER PRIMARY KEY,
    from_warehouse_id BIGINT NOT NULL REFERENCES warehouses (id),
    to_warehouse_id   BIGINT NOT NULL REFERENCES warehouses (id),
    shipped_at        BIGINT NOT NULL,
    eta               BIGINT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('in_transit', 'partially_received', 'closed')),
    CHECK (from_warehouse_id <> to_warehouse_id)
);
CREATE INDEX transfers_to ON transfers (to_warehouse_id, status);
CREATE INDEX transfers_from ON transfers (from_warehouse_id, status);

CREATE TABLE transfer_lines (
    transfer_id BIGINT NOT NULL REFERENCES transfers (id),
    part_id     BIGINT NOT NULL REFERENCES parts (id),
    condition   TEXT NOT NULL CHECK (condition IN ('good', 'repaired', 'defective', 'scrap', 'quarantine')),
    shipped     BIGINT NOT NULL CHECK (shipped > 0),
    received    BIGINT NOT NULL CHECK (received >= 0),
    missing     BIGINT NOT NULL CHECK (missing >= 0),
    found       BIGINT NOT NULL CHECK (found >= 0),
    written_off BIGINT NOT NULL CHECK (written_off >= 0),
    PRIMARY KEY (transfer_id, part_id, condition),
    CHECK (received + missing <= shipped AND found + written_off <= missing)
);
CREATE INDEX transfer_lines_part ON transfer_lines (part_id);

CREATE TABLE scrap_requests (
    id           INTEGER PRIMARY KEY,
    warehouse_id BIGINT NOT NULL REFERENCES warehouses (id),
    part_id      BIGINT NOT NULL REFERENCES parts (id),
    condition    TEXT NOT NULL CHECK (condition IN ('good', 'repaired', 'defective', 'scrap', 'quarantine')),
    qty          BIGINT NOT NULL CHECK (qty > 0),
    reason       TEXT NOT NULL CHECK (reason IN ('damaged_beyond_repair', 'repair_dearer_than_new', 'obsolete')),
    requested_at BIGINT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('requested', 'approved', 'rejected')),
    decided_at   BIGINT
);
CREATE INDEX scrap_requests_status ON scrap_requests (status, warehouse_id);

CREATE TABLE stocktakes (
    id           INTEGER PRIMARY KEY,
    warehouse_id BIGINT NOT NULL REFERENCES warehouses (id),
    scope        TEXT NOT NULL CHECK (scope IN ('warehouse', 'parts')),
    opened_at    BIGINT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('counting', 'approved'))
);
CREATE INDEX stocktakes_warehouse ON stocktakes (warehouse_id, status);

-- The parts a part-scoped stocktake counts.
CREATE TABLE stocktake_parts (
    stocktake_id BIGINT NOT NULL REFERENCES stocktakes (id),
    part_id      BIGINT NOT NULL REFERENCES parts (id),
    PRIMARY KEY (stocktake_id, part_id)
);

-- The frozen snapshot (book quantity and cost) and the count entered for each line.
CREATE TABLE stocktake_lines (
    stocktake_id BIGINT NOT NULL REFERENCES stocktakes (id),
    part_id      BIGINT NOT NULL REFERENCES parts (id),
    condition    TEXT NOT NULL CHECK (condition IN ('good', 'repaired', 'defective', 'scrap', 'quarantine')),
    book_qty     BIGINT NOT NULL CHECK (book_qty >= 0),
    unit_cost    BIGINT NOT NULL,
    counted      BIGINT CHECK (counted >= 0),
    PRIMARY KEY (stocktake_id, part_id, condition)
);

-- Commands waiting for a manager: issues above the approval threshold. Approving runs
-- the stored command with the approver's role.
CREATE TABLE stock_approvals (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('issue')),
    warehouse_id BIGINT NOT NULL REFERENCES warehouses (id),
    part_id      BIGINT NOT NULL REFERENCES parts (id),
    qty          BIGINT NOT NULL CHECK (qty > 0),
    reason       TEXT NOT NULL,
    command_json TEXT NOT NULL,
    requested_by BIGINT REFERENCES users (id),
    requested_at BIGINT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    decided_by   BIGINT REFERENCES users (id),
    decided_at   BIGINT,
    outcome_json TEXT
);
CREATE INDEX stock_approvals_status ON stock_approvals (status, warehouse_id);

-- A mutating call's Idempotency-Key with the command it carried and the first result; a
-- retry with the same key and command gets that result back, nothing is applied twice.
CREATE TABLE stock_idempotency (
    key          TEXT PRIMARY KEY,
    actor_id     BIGINT REFERENCES users (id),
    command_json TEXT NOT NULL,
    outcome_json TEXT NOT NULL,
    created_at   BIGINT NOT NULL
);
