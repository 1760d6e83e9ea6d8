-- A warehouse that no longer stocks a part (a warehouse with a parent, the part idle there
-- for a year) holds units that serve nobody there: runs now propose sending them back up
-- (`kind = 'return'`), from the proposal's warehouse to `destination_warehouse_id` (its
-- parent). The new column comes last, as on SQLite (`aftercare db copy` compares them).
ALTER TABLE plan_proposals ADD COLUMN destination_warehouse_id BIGINT REFERENCES warehouses (id);
ALTER TABLE plan_proposals DROP CONSTRAINT plan_proposals_kind_check;
ALTER TABLE plan_proposals ADD CONSTRAINT plan_proposals_kind_check
    CHECK (kind IN ('purchase', 'transfer', 'last_time_buy', 'emergency', 'return'));
ALTER TABLE plan_proposals ADD CONSTRAINT plan_proposals_return_destination
    CHECK ((kind = 'return') = (destination_warehouse_id IS NOT NULL));
ALTER TABLE plan_proposals ADD CONSTRAINT plan_proposals_return_no_source
    CHECK (kind <> 'return' OR source_warehouse_id IS NULL);
