-- The slow-moving stock list finds each balance's last issue out of its warehouse: without
-- it, a warehouse's whole outflow was scanned for every part it holds (minutes on the
-- standard demo's central warehouse).
CREATE INDEX stock_movements_issues ON stock_movements (from_warehouse_id, part_id, at)
    WHERE kind = 'issue';
