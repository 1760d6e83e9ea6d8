-- Parts on service tickets. Stock moves only through the ledger (reservations, issues,
-- returns of unused parts and defective returns are ledger commands against the consumer
-- `ticket:<id>`); these tables are the ticket's own record of each requested line and of
-- the old-for-new return obligations of in-warranty repairs.
-- (Numbered 0006: 0005 is taken by another branch's migration.)
--
-- A line is requested under a client key (request_key, request_line): a retried request
-- finds its lines instead of adding new ones. reserve_round / reserve_until make the ledger
-- idempotency key of the reservation attempt (a renewed expiry is a new round).
-- Quantities BIGINT units; instants BIGINT UTC ms.

CREATE TABLE ticket_part_lines (
    id             INTEGER PRIMARY KEY,
    ticket_id      BIGINT NOT NULL REFERENCES tickets (id),
    request_key    TEXT NOT NULL,
    request_line   BIGINT NOT NULL CHECK (request_line >= 0),
    warehouse_id   BIGINT NOT NULL REFERENCES warehouses (id),
    part_id        BIGINT NOT NULL REFERENCES parts (id),
    qty            BIGINT NOT NULL CHECK (qty > 0),
    status         TEXT NOT NULL CHECK (status IN ('waiting', 'reserved', 'issued', 'settled', 'released')),
    reservation_id BIGINT,
    reserve_round  BIGINT NOT NULL CHECK (reserve_round >= 0),
    reserve_until  BIGINT,
    issued_at      BIGINT,
    qty_used       BIGINT NOT NULL CHECK (qty_used >= 0),
    qty_returned   BIGINT NOT NULL CHECK (qty_returned >= 0),
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    UNIQUE (ticket_id, request_key, request_line),
    CHECK (qty_used + qty_returned <= qty),
    CHECK (status <> 'reserved' OR reservation_id IS NOT NULL),
    CHECK (status NOT IN ('issued', 'settled') OR issued_at IS NOT NULL)
);
CREATE INDEX ticket_part_lines_ticket ON ticket_part_lines (ticket_id, id);

-- The defective part owed back for a part used on an in-warranty repair (old-for-new), one
-- per settled line with units used; closed when the ledger's defective return is made.
CREATE TABLE ticket_part_returns (
    id           INTEGER PRIMARY KEY,
    ticket_id    BIGINT NOT NULL REFERENCES tickets (id),
    line_id      BIGINT NOT NULL UNIQUE REFERENCES ticket_part_lines (id),
    warehouse_id BIGINT NOT NULL REFERENCES warehouses (id),
    part_id      BIGINT NOT NULL REFERENCES parts (id),
    qty          BIGINT NOT NULL CHECK (qty > 0),
    due_at       BIGINT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('open', 'received')),
    received_at  BIGINT,
    lot_id       BIGINT,
    created_at   BIGINT NOT NULL,
    CHECK ((status = 'received') = (received_at IS NOT NULL))
);
CREATE INDEX ticket_part_returns_ticket ON ticket_part_returns (ticket_id);
CREATE INDEX ticket_part_returns_open ON ticket_part_returns (status, due_at);
