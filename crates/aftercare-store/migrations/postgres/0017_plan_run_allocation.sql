-- What a planning run's target fill rate applied to: every part × warehouse (`item`, what
-- every run before this migration did) or each warehouse's units as a whole
-- (`warehouse`: one shortage worth per warehouse calibrated to the target).
ALTER TABLE plan_runs ADD COLUMN allocation TEXT NOT NULL DEFAULT 'item' CHECK (allocation IN ('item', 'warehouse'));
