-- A warehouse that no longer stocks a part (a warehouse with a parent, the part idle there
-- for a year) holds units that serve nobody there: runs now propose sending them back up
-- (`kind = 'return'`), from the proposal's warehouse to `destination_warehouse_id` (its
-- parent). SQLite cannot change a CHECK in place, so the table is rebuilt with the same
-- columns in the same order (`aftercare db copy` compares them) plus the new one last.
CREATE TABLE plan_proposals_0022 (
    id                  INTEGER PRIMARY KEY,
    warehouse_id        BIGINT NOT NULL REFERENCES warehouses (id),
    part_id             BIGINT NOT NULL REFERENCES parts (id),
    kind                TEXT NOT NULL CHECK (kind IN ('purchase', 'transfer', 'last_time_buy', 'emergency', 'return')),
    source_warehouse_id BIGINT REFERENCES warehouses (id),
    supplier_id         BIGINT REFERENCES suppliers (id),
    qty                 BIGINT NOT NULL CHECK (qty > 0),
    need_by             BIGINT NOT NULL,
    reason              TEXT NOT NULL,
    overridden          BOOLEAN NOT NULL,
    status              TEXT NOT NULL CHECK (status IN ('open', 'approved', 'rejected', 'withdrawn')),
    run_id              BIGINT REFERENCES plan_runs (id),
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL,
    decided_by          BIGINT REFERENCES users (id),
    decided_at          BIGINT,
    decision_note       TEXT,
    document_kind       TEXT CHECK (document_kind IN ('purchase_order', 'transfer')),
    document_id         BIGINT,
    transfer_days       BIGINT CHECK (transfer_days BETWEEN 0 AND 365),
    approving_since     BIGINT,
    approval_command    TEXT,
    approval_error      TEXT,
    destination_warehouse_id BIGINT REFERENCES warehouses (id),
    CHECK (kind <> 'transfer' OR source_warehouse_id IS NOT NULL),
    CHECK ((kind = 'return') = (destination_warehouse_id IS NOT NULL)),
    CHECK (kind <> 'return' OR source_warehouse_id IS NULL)
);
INSERT INTO plan_proposals_0022 (id, warehouse_id, part_id, kind, source_warehouse_id, supplier_id,
    qty, need_by, reason, overridden, status, run_id, created_at, updated_at, decided_by,
    decided_at, decision_note, document_kind, document_id, transfer_days, approving_since,
    approval_command, approval_error)
SELECT id, warehouse_id, part_id, kind, source_warehouse_id, supplier_id,
    qty, need_by, reason, overridden, status, run_id, created_at, updated_at, decided_by,
    decided_at, decision_note, document_kind, document_id, transfer_days, approving_since,
    approval_command, approval_error
FROM plan_proposals;
DROP TABLE plan_proposals;
ALTER TABLE plan_proposals_0022 RENAME TO plan_proposals;
CREATE UNIQUE INDEX plan_proposals_one_open ON plan_proposals (warehouse_id, part_id) WHERE status = 'open';
CREATE INDEX plan_proposals_status ON plan_proposals (status, warehouse_id);
CREATE INDEX plan_proposals_document ON plan_proposals (document_id) WHERE document_kind = 'purchase_order';
