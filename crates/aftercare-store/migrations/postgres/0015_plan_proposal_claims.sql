-- Approving a replenishment proposal claims it first (open, `approving_since` set) with the
-- exact ledger command frozen on the row (`approval_command`, JSON), runs that command under
-- the Idempotency-Key `plan-proposal-<id>`, then decides it approved. Runs and emergency
-- requisitions leave a claimed proposal as it is; approving it again re-runs the frozen
-- command (the ledger replays it if it was applied); a ledger refusal releases the claim
-- and is kept in `approval_error`.
-- `transfer_days`: the transfer days of the run that planned the proposal (the ETA of its
-- transfer), NULL for emergencies raised without a run.
ALTER TABLE plan_proposals ADD COLUMN transfer_days BIGINT CHECK (transfer_days BETWEEN 0 AND 365);
ALTER TABLE plan_proposals ADD COLUMN approving_since BIGINT;
ALTER TABLE plan_proposals ADD COLUMN approval_command TEXT;
ALTER TABLE plan_proposals ADD COLUMN approval_error TEXT;
-- Purchase orders created from proposals count on order at the proposal's warehouse.
CREATE INDEX plan_proposals_document ON plan_proposals (document_id) WHERE document_kind = 'purchase_order';
