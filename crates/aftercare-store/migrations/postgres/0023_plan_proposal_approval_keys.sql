-- Proposals approved together become one purchase order or transfer, run under one
-- Idempotency-Key; each claimed proposal now keeps the key its command runs under. Until
-- now the key was always `plan-proposal-<id>`: every proposal with a frozen command gets it.
ALTER TABLE plan_proposals ADD COLUMN approval_key TEXT;
UPDATE plan_proposals SET approval_key = 'plan-proposal-' || CAST(id AS TEXT)
 WHERE approval_command IS NOT NULL;
