-- Planning in the product: runs of the planning engine over the ledger's demand history,
-- the latest plan of every part × warehouse (levels, method and why, backtest errors,
-- history and forecast for the chart), and replenishment proposals that a planner approves
-- (creating the purchase order or transfer through the ledger) or rejects.
-- At most one open proposal per part × warehouse: a new run updates it instead of adding
-- another (the partial unique index holds that in SQL); an open proposal a new run no
-- longer needs is withdrawn.
-- Quantities BIGINT units; fractional rates (mean demand) BIGINT thousandths; instants
-- BIGINT UTC ms; `detail` is JSON text.

CREATE TABLE plan_runs (
    id                   INTEGER PRIMARY KEY,
    started_at           BIGINT NOT NULL,
    finished_at          BIGINT NOT NULL,
    bucket               TEXT NOT NULL CHECK (bucket IN ('week', 'month')),
    periods              BIGINT NOT NULL CHECK (periods > 0),
    target_fill_permille BIGINT NOT NULL CHECK (target_fill_permille BETWEEN 1 AND 999),
    items                BIGINT NOT NULL,
    proposals            BIGINT NOT NULL,
    actor_login          TEXT NOT NULL
);

CREATE TABLE plan_items (
    warehouse_id        BIGINT NOT NULL REFERENCES warehouses (id),
    part_id             BIGINT NOT NULL REFERENCES parts (id),
    run_id              BIGINT NOT NULL REFERENCES plan_runs (id),
    class               TEXT NOT NULL,
    method              TEXT NOT NULL,
    why                 TEXT NOT NULL,
    min_qty             BIGINT NOT NULL CHECK (min_qty >= 0),
    reorder_point       BIGINT NOT NULL CHECK (reorder_point >= 0),
    max_qty             BIGINT NOT NULL CHECK (max_qty >= reorder_point),
    overridden          BOOLEAN NOT NULL,
    mean_milli          BIGINT NOT NULL CHECK (mean_milli >= 0),
    detail              TEXT NOT NULL,
    planned_at          BIGINT NOT NULL,
    PRIMARY KEY (warehouse_id, part_id)
);
CREATE INDEX plan_items_part ON plan_items (part_id);

CREATE TABLE plan_proposals (
    id                  INTEGER PRIMARY KEY,
    warehouse_id        BIGINT NOT NULL REFERENCES warehouses (id),
    part_id             BIGINT NOT NULL REFERENCES parts (id),
    kind                TEXT NOT NULL CHECK (kind IN ('purchase', 'transfer', 'last_time_buy', 'emergency')),
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
    CHECK (kind <> 'transfer' OR source_warehouse_id IS NOT NULL)
);
CREATE UNIQUE INDEX plan_proposals_one_open ON plan_proposals (warehouse_id, part_id) WHERE status = 'open';
CREATE INDEX plan_proposals_status ON plan_proposals (status, warehouse_id);
