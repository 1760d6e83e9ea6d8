-- `stock verify` compares every transfer line with its in-transit and discrepancy balances;
-- without these it scanned all balances per line (24 s on the standard demo). Partial: only
-- transfer rows carry them, so the ledger's hot path (issues) never touches them.
CREATE INDEX stock_balances_in_transit ON stock_balances (reference, part_id, condition) WHERE kind = 'in_transit';
CREATE INDEX stock_balances_discrepancy ON stock_balances (reference, part_id, condition) WHERE kind = 'transfer_discrepancy';
