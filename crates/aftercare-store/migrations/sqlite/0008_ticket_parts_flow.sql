-- Closing gaps of the ticket parts flow (issue 4).
--
-- split_of: a line partly reserved is split: the reserved part keeps the line, the rest
-- becomes a new waiting line pointing at the original request line (the root), so a retried
-- request still finds its lines (the root's qty plus its split lines' qty is what was asked).
-- Split lines have request_key '↳<root id>' (not a printable-ASCII client key, so no clash).
-- approval_id: the pending manager approval of the line's issue (above the approval limit);
-- cleared when the manager decides. issue_round: bumped when an approval is rejected, so the
-- next issue attempt gets a new ledger idempotency key. note: why the line is where it is
-- (rejection reason, returned unused on cancel).
ALTER TABLE ticket_part_lines ADD COLUMN split_of BIGINT REFERENCES ticket_part_lines (id);
ALTER TABLE ticket_part_lines ADD COLUMN approval_id BIGINT;
ALTER TABLE ticket_part_lines ADD COLUMN issue_round BIGINT NOT NULL DEFAULT 0;
ALTER TABLE ticket_part_lines ADD COLUMN note TEXT;
-- Stock arriving at a warehouse looks up the waiting lines of that part there, oldest first.
CREATE INDEX ticket_part_lines_waiting ON ticket_part_lines (status, warehouse_id, part_id, created_at, id);
CREATE INDEX ticket_part_lines_approval ON ticket_part_lines (approval_id);
CREATE INDEX ticket_part_lines_split ON ticket_part_lines (split_of);
