-- An approved proposal kept the claim (`approving_since`) its approval set until
-- 2026-12-07; a claim only means something on an open proposal being approved, so a
-- decided proposal's is cleared (approval now clears it in the same write).
UPDATE plan_proposals SET approving_since = NULL WHERE status <> 'open';
