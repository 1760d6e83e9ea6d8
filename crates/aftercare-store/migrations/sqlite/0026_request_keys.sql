-- A form or API call that creates a record (a ticket, a customer, a demand event) may
-- carry a key; sent again (a reload, a double click, a client's retry) it finds the record
-- the first call made instead of making another. The key is claimed in the transaction
-- that writes the record, so two sends cannot both create it.
CREATE TABLE request_keys (
    key         TEXT PRIMARY KEY,
    action      TEXT NOT NULL,
    actor_login TEXT NOT NULL,
    object_id   TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
