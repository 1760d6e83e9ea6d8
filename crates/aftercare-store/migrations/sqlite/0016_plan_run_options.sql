-- Every option of a planning run is kept with the run, so that a part's plan page (and the
-- API's plan item) can recompute the plan with the options of the run whose proposals it
-- shows. Runs recorded before this migration ran with what were then (and still are) the
-- defaults: a transfer takes 3 days, a purchase order costs 200.00 and a transfer 30.00
-- (BIGINT minor units), holding a unit for a year costs 20 % of its standard cost.
ALTER TABLE plan_runs ADD COLUMN transfer_days BIGINT NOT NULL DEFAULT 3 CHECK (transfer_days BETWEEN 0 AND 365);
ALTER TABLE plan_runs ADD COLUMN purchase_order_cost BIGINT NOT NULL DEFAULT 20000 CHECK (purchase_order_cost >= 0);
ALTER TABLE plan_runs ADD COLUMN transfer_cost BIGINT NOT NULL DEFAULT 3000 CHECK (transfer_cost >= 0);
ALTER TABLE plan_runs ADD COLUMN holding_rate_pct BIGINT NOT NULL DEFAULT 20 CHECK (holding_rate_pct BETWEEN 1 AND 100);
