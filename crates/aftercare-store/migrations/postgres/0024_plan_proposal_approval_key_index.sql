-- Giving up or finishing a claim finds the proposals under its key (without it, every
-- release and every decision scanned the proposals).
CREATE INDEX plan_proposals_approval_key ON plan_proposals (approval_key);
