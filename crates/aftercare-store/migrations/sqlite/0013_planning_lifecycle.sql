-- Product lifecycle inputs of planning runs (issue 5).

-- Phase-in: a successor part takes over a predecessor's uses. Plan runs add the
-- predecessor's outflow (times the share) to the successor's history at every warehouse,
-- so the successor is stocked before its own history shows the demand. One successor per
-- predecessor; a successor may replace several parts.
CREATE TABLE part_successions (
    predecessor_id BIGINT PRIMARY KEY REFERENCES parts (id),
    successor_id   BIGINT NOT NULL REFERENCES parts (id),
    share_pct      BIGINT NOT NULL CHECK (share_pct BETWEEN 1 AND 100),
    created_by     TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    CHECK (predecessor_id <> successor_id)
);
CREATE INDEX part_successions_successor ON part_successions (successor_id);

-- Known extra demand, e.g. a recall: affected units × replacement rate, spread evenly over
-- the days from starts_on to ends_on (inclusive), needed at a warehouse (and so at every
-- warehouse that replenishes it). The rate is in parts per million affected units.
CREATE TABLE demand_events (
    id                    INTEGER PRIMARY KEY,
    part_id               BIGINT NOT NULL REFERENCES parts (id),
    warehouse_id          BIGINT NOT NULL REFERENCES warehouses (id),
    name                  TEXT NOT NULL,
    starts_on             TEXT NOT NULL,
    ends_on               TEXT NOT NULL,
    affected_units        BIGINT NOT NULL CHECK (affected_units > 0),
    replacement_ppm       BIGINT NOT NULL CHECK (replacement_ppm > 0),
    status                TEXT NOT NULL CHECK (status IN ('active', 'cancelled')),
    created_by            TEXT NOT NULL,
    created_at            BIGINT NOT NULL,
    cancelled_at          BIGINT,
    CHECK (ends_on >= starts_on)
);
CREATE INDEX demand_events_part ON demand_events (part_id, warehouse_id);
