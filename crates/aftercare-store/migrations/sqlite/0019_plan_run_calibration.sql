-- How a planning run under the `warehouse` allocation calibrated each warehouse's
-- shortage worth: on the fill the forecasts promise (`expected`, what every run before
-- this migration did) or on the fill the levels would have achieved over the end of the
-- history, replayed period by period (`history`).
ALTER TABLE plan_runs ADD COLUMN calibration TEXT NOT NULL DEFAULT 'expected' CHECK (calibration IN ('expected', 'history'));
