-- The open load of each station (tickets it holds: dispatched to it and not yet completed
-- or cancelled), kept by triggers so that dispatch ranking reads one row per candidate
-- instead of counting a station's tickets on every intake. Derived data: `db copy` does not
-- copy it (the triggers rebuild it while the tickets are copied).
CREATE TABLE station_open_loads (
    station_id BIGINT PRIMARY KEY REFERENCES stations (id),
    held       BIGINT NOT NULL CHECK (held >= 0)
);

INSERT INTO station_open_loads (station_id, held)
SELECT station_id, COUNT(*) FROM tickets
WHERE station_id IS NOT NULL
  AND status IN ('dispatched', 'accepted', 'scheduled', 'on_site', 'waiting_for_parts')
GROUP BY station_id;

CREATE TRIGGER tickets_open_load_ins AFTER INSERT ON tickets
WHEN NEW.station_id IS NOT NULL
  AND NEW.status IN ('dispatched', 'accepted', 'scheduled', 'on_site', 'waiting_for_parts')
BEGIN
    INSERT INTO station_open_loads (station_id, held) VALUES (NEW.station_id, 1)
    ON CONFLICT (station_id) DO UPDATE SET held = held + 1;
END;

CREATE TRIGGER tickets_open_load_leave AFTER UPDATE OF station_id, status ON tickets
WHEN OLD.station_id IS NOT NULL
  AND OLD.status IN ('dispatched', 'accepted', 'scheduled', 'on_site', 'waiting_for_parts')
  AND NOT (NEW.station_id IS OLD.station_id
           AND NEW.status IN ('dispatched', 'accepted', 'scheduled', 'on_site', 'waiting_for_parts'))
BEGIN
    UPDATE station_open_loads SET held = held - 1 WHERE station_id = OLD.station_id;
END;

CREATE TRIGGER tickets_open_load_enter AFTER UPDATE OF station_id, status ON tickets
WHEN NEW.station_id IS NOT NULL
  AND NEW.status IN ('dispatched', 'accepted', 'scheduled', 'on_site', 'waiting_for_parts')
  AND NOT (OLD.station_id IS NEW.station_id
           AND OLD.status IN ('dispatched', 'accepted', 'scheduled', 'on_site', 'waiting_for_parts'))
BEGIN
    INSERT INTO station_open_loads (station_id, held) VALUES (NEW.station_id, 1)
    ON CONFLICT (station_id) DO UPDATE SET held = held + 1;
END;

CREATE TRIGGER tickets_open_load_del AFTER DELETE ON tickets
WHEN OLD.station_id IS NOT NULL
  AND OLD.status IN ('dispatched', 'accepted', 'scheduled', 'on_site', 'waiting_for_parts')
BEGIN
    UPDATE station_open_loads SET held = held - 1 WHERE station_id = OLD.station_id;
END;
