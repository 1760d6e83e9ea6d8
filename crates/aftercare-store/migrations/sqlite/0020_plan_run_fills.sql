-- Each warehouse's calibration in a planning run under a warehouse allocation: the
-- shortage worth its parts' levels were set with (minor units of stock per unit short per
-- period, rounded), the parts it set, the fill the forecasts expect at it and, when
-- calibrated on history, the fill the replay of the last `replayed_periods` achieved
-- (millionths).
CREATE TABLE plan_run_fills (
    run_id            BIGINT NOT NULL REFERENCES plan_runs (id),
    warehouse_id      BIGINT NOT NULL REFERENCES warehouses (id),
    parts             BIGINT NOT NULL CHECK (parts >= 0),
    worth_minor       BIGINT NOT NULL CHECK (worth_minor >= 0),
    expected_fill_ppm BIGINT NOT NULL CHECK (expected_fill_ppm BETWEEN 0 AND 1000000),
    replayed_fill_ppm BIGINT CHECK (replayed_fill_ppm BETWEEN 0 AND 1000000),
    replayed_periods  BIGINT NOT NULL CHECK (replayed_periods >= 0),
    reached           BOOLEAN NOT NULL,
    PRIMARY KEY (run_id, warehouse_id)
);
