-- The open load of each station (tickets it holds: dispatched to it and not yet completed
-- or cancelled), kept by a trigger so that dispatch ranking reads one row per candidate
-- instead of counting a station's tickets on every intake. Derived data: `db copy` does not
-- copy it (the trigger rebuilds it while the tickets are copied).
CREATE TABLE station_open_loads (
    station_id BIGINT PRIMARY KEY REFERENCES stations (id),
    held       BIGINT NOT NULL CHECK (held >= 0)
);

INSERT INTO station_open_loads (station_id, held)
SELECT station_id, COUNT(*) FROM tickets
WHERE station_id IS NOT NULL
  AND status IN ('dispatched', 'accepted', 'scheduled', 'on_site', 'waiting_for_parts')
GROUP BY station_id;

CREATE FUNCTION tickets_open_load() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    was_held boolean := false;
    is_held boolean := false;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        was_held := OLD.station_id IS NOT NULL AND OLD.status IN
            ('dispatched', 'accepted', 'scheduled', 'on_site', 'waiting_for_parts');
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        is_held := NEW.station_id IS NOT NULL AND NEW.status IN
            ('dispatched', 'accepted', 'scheduled', 'on_site', 'waiting_for_parts');
    END IF;
    IF TG_OP = 'UPDATE' AND was_held AND is_held AND OLD.station_id = NEW.station_id THEN
        RETURN NULL;
    END IF;
    IF was_held THEN
        UPDATE station_open_loads SET held = held - 1 WHERE station_id = OLD.station_id;
    END IF;
    IF is_held THEN
        INSERT INTO station_open_loads (station_id, held) VALUES (NEW.station_id, 1)
        ON CONFLICT (station_id) DO UPDATE SET held = station_open_loads.held + 1;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER tickets_open_load AFTER INSERT OR DELETE OR UPDATE OF station_id, status ON tickets
FOR EACH ROW EXECUTE FUNCTION tickets_open_load();
