-- The manager approval queue for issues above the limit (docs/STOCK.md, "Approval
-- queue"). stock_approvals (0002) gets what the queue shows and needs to act once:
-- the value at request time, the consumer, the reject reason, the last refusal of an
-- approval attempt (the request stays pending), and the requester's Idempotency-Key so a
-- retried request finds its approval instead of queueing a second one. approving_since
-- marks an approval running through the ledger: a reject must not overtake it.
ALTER TABLE stock_approvals ADD COLUMN value BIGINT NOT NULL DEFAULT 0;
ALTER TABLE stock_approvals ADD COLUMN consumer_kind TEXT;
ALTER TABLE stock_approvals ADD COLUMN consumer_id BIGINT;
ALTER TABLE stock_approvals ADD COLUMN decision_note TEXT;
ALTER TABLE stock_approvals ADD COLUMN last_error TEXT;
ALTER TABLE stock_approvals ADD COLUMN request_key TEXT;
ALTER TABLE stock_approvals ADD COLUMN approving_since BIGINT;
CREATE UNIQUE INDEX stock_approvals_request_key ON stock_approvals (request_key);
