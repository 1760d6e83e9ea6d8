-- Service tickets: customers and their phones and addresses, installed units, warranty
-- policies and brand contracts, fault codes, tickets with their timeline, SLA breaches,
-- callbacks, ticket settings, and outbound webhooks (subscriptions, a durable outbox, jobs
-- per subscription and a delivery log).
-- Instants are BIGINT milliseconds since the Unix epoch, UTC; dates are ISO TEXT.

CREATE TABLE ticket_settings (
    id                             BIGINT PRIMARY KEY CHECK (id = 1),
    accept_timeout_minutes         BIGINT NOT NULL CHECK (accept_timeout_minutes > 0),
    repeat_window_days             BIGINT NOT NULL CHECK (repeat_window_days > 0),
    at_risk_percent                BIGINT NOT NULL CHECK (at_risk_percent BETWEEN 1 AND 100),
    urban_first_response_minutes   BIGINT NOT NULL CHECK (urban_first_response_minutes > 0),
    urban_on_site_minutes          BIGINT NOT NULL CHECK (urban_on_site_minutes > 0),
    urban_completion_minutes       BIGINT NOT NULL CHECK (urban_completion_minutes > 0),
    township_first_response_minutes BIGINT NOT NULL CHECK (township_first_response_minutes > 0),
    township_on_site_minutes       BIGINT NOT NULL CHECK (township_on_site_minutes > 0),
    township_completion_minutes    BIGINT NOT NULL CHECK (township_completion_minutes > 0),
    remote_first_response_minutes  BIGINT NOT NULL CHECK (remote_first_response_minutes > 0),
    remote_on_site_minutes         BIGINT NOT NULL CHECK (remote_on_site_minutes > 0),
    remote_completion_minutes      BIGINT NOT NULL CHECK (remote_completion_minutes > 0),
    updated_at                     BIGINT NOT NULL
);

CREATE TABLE customers (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- digits: the national form of the number (PhoneNumber::digits), the search key.
CREATE TABLE customer_phones (
    id          INTEGER PRIMARY KEY,
    customer_id BIGINT NOT NULL REFERENCES customers (id),
    digits      TEXT NOT NULL,
    extension   TEXT,
    kind        TEXT NOT NULL CHECK (kind IN ('mobile', 'landline')),
    position    BIGINT NOT NULL,
    UNIQUE (customer_id, digits)
);
CREATE INDEX customer_phones_digits ON customer_phones (digits);

CREATE TABLE customer_addresses (
    id          INTEGER PRIMARY KEY,
    customer_id BIGINT NOT NULL REFERENCES customers (id),
    region_id   BIGINT NOT NULL REFERENCES regions (id),
    detail      TEXT NOT NULL,
    position    BIGINT NOT NULL
);
CREATE INDEX customer_addresses_customer ON customer_addresses (customer_id);

CREATE TABLE units (
    id               INTEGER PRIMARY KEY,
    model_id         BIGINT NOT NULL REFERENCES product_models (id),
    serial           TEXT NOT NULL,
    purchase_date    TEXT,
    purchase_channel TEXT CHECK (purchase_channel IN ('store', 'e_shop', 'retailer')),
    production_batch TEXT,
    customer_id      BIGINT NOT NULL REFERENCES customers (id),
    created_at       BIGINT NOT NULL,
    UNIQUE (model_id, serial)
);
CREATE INDEX units_serial ON units (serial);
CREATE INDEX units_customer ON units (customer_id);

-- Warranty terms per product category (product line).
CREATE TABLE warranty_policies (
    id               INTEGER PRIMARY KEY,
    product_line_id  BIGINT NOT NULL UNIQUE REFERENCES product_lines (id),
    unit_months      BIGINT NOT NULL CHECK (unit_months >= 0),
    key_parts_months BIGINT NOT NULL CHECK (key_parts_months >= 0),
    labour_months    BIGINT NOT NULL CHECK (labour_months >= 0)
);

-- A brand customer's contract: terms overriding the category policy, or a buy-out.
CREATE TABLE brand_contracts (
    id               INTEGER PRIMARY KEY,
    brand_id         BIGINT NOT NULL UNIQUE REFERENCES brands (id),
    unit_months      BIGINT CHECK (unit_months >= 0),
    key_parts_months BIGINT CHECK (key_parts_months >= 0),
    labour_months    BIGINT CHECK (labour_months >= 0),
    buy_out          BOOLEAN NOT NULL
);

CREATE TABLE fault_codes (
    id              INTEGER PRIMARY KEY,
    product_line_id BIGINT NOT NULL REFERENCES product_lines (id),
    code            TEXT NOT NULL,
    name_zh         TEXT NOT NULL,
    name_en         TEXT NOT NULL,
    UNIQUE (product_line_id, code)
);

-- The daily sequence behind ticket numbers (T20261122-000123), per local date.
CREATE TABLE ticket_sequences (
    day  TEXT PRIMARY KEY,
    last BIGINT NOT NULL
);

CREATE TABLE tickets (
    id                    INTEGER PRIMARY KEY,
    number                TEXT NOT NULL UNIQUE,
    ticket_type           TEXT NOT NULL CHECK (ticket_type IN ('repair', 'installation', 'maintenance', 'complaint', 'enquiry')),
    channel               TEXT NOT NULL CHECK (channel IN ('hotline', 'web', 'retailer', 'e_shop')),
    priority              TEXT NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    customer_id           BIGINT NOT NULL REFERENCES customers (id),
    unit_id               BIGINT NOT NULL REFERENCES units (id),
    product_line_id       BIGINT NOT NULL REFERENCES product_lines (id),
    address_id            BIGINT NOT NULL REFERENCES customer_addresses (id),
    region_id             BIGINT NOT NULL REFERENCES regions (id),
    tier                  TEXT NOT NULL CHECK (tier IN ('urban', 'township', 'remote')),
    fault_description     TEXT NOT NULL,
    reported_fault_code_id BIGINT REFERENCES fault_codes (id),
    fault_code_id         BIGINT REFERENCES fault_codes (id),
    warranty_status       TEXT NOT NULL CHECK (warranty_status IN ('in', 'out', 'buy_out')),
    warranty_reason       TEXT NOT NULL,
    warranty_json         TEXT NOT NULL,
    repeat_of_ticket_id   BIGINT REFERENCES tickets (id),
    repeat_of_station_id  BIGINT REFERENCES stations (id),
    status                TEXT NOT NULL CHECK (status IN ('new', 'returned', 'dispatched', 'accepted', 'scheduled', 'on_site', 'waiting_for_parts', 'completed', 'callback_done', 'closed', 'cancelled')),
    station_id            BIGINT REFERENCES stations (id),
    technician_id         BIGINT REFERENCES technicians (id),
    appointment_start     BIGINT,
    appointment_end       BIGINT,
    dispatched_at         BIGINT,
    accepted_at           BIGINT,
    first_response_at     BIGINT,
    on_site_at            BIGINT,
    completed_at          BIGINT,
    callback_at           BIGINT,
    closed_at             BIGINT,
    cancelled_at          BIGINT,
    return_reason         TEXT,
    cancel_reason         TEXT,
    reopen_count          BIGINT NOT NULL,
    false_completions     BIGINT NOT NULL,
    last_event_at         BIGINT NOT NULL,
    actions_taken         TEXT,
    labour_minutes        BIGINT CHECK (labour_minutes >= 0),
    sla_first_response_due BIGINT NOT NULL,
    sla_on_site_due       BIGINT NOT NULL,
    sla_completion_due    BIGINT NOT NULL,
    sla_at_risk           BOOLEAN NOT NULL,
    sla_breached          BOOLEAN NOT NULL,
    created_at            BIGINT NOT NULL,
    created_by            BIGINT REFERENCES users (id),
    -- Optimistic concurrency: every update checks and bumps it.
    version               BIGINT NOT NULL
);
CREATE INDEX tickets_status ON tickets (status);
CREATE INDEX tickets_station_status ON tickets (station_id, status);
CREATE INDEX tickets_unit ON tickets (unit_id);
CREATE INDEX tickets_customer ON tickets (customer_id);
CREATE INDEX tickets_created ON tickets (created_at);

-- The timeline: every transition with its actor and time.
CREATE TABLE ticket_events (
    id          INTEGER PRIMARY KEY,
    ticket_id   BIGINT NOT NULL REFERENCES tickets (id),
    at          BIGINT NOT NULL,
    actor_id    BIGINT REFERENCES users (id),
    actor_role  TEXT,
    action      TEXT NOT NULL,
    from_status TEXT NOT NULL,
    to_status   TEXT NOT NULL,
    station_id  BIGINT REFERENCES stations (id),
    note        TEXT,
    data_json   TEXT NOT NULL
);
CREATE INDEX ticket_events_ticket ON ticket_events (ticket_id, id);

CREATE TABLE ticket_callbacks (
    id               INTEGER PRIMARY KEY,
    ticket_id        BIGINT NOT NULL REFERENCES tickets (id),
    at               BIGINT NOT NULL,
    agent_id         BIGINT REFERENCES users (id),
    fixed            BOOLEAN NOT NULL,
    satisfaction     BIGINT NOT NULL CHECK (satisfaction BETWEEN 1 AND 5),
    comments         TEXT NOT NULL,
    false_completion BOOLEAN NOT NULL,
    -- The station whose completion was judged (a false completion counts against it).
    station_id       BIGINT REFERENCES stations (id)
);
CREATE INDEX ticket_callbacks_ticket ON ticket_callbacks (ticket_id);
CREATE INDEX ticket_callbacks_station ON ticket_callbacks (station_id);

-- Which deadline was missed and by how much; late_ms grows while the breach is ongoing.
CREATE TABLE sla_breaches (
    id          INTEGER PRIMARY KEY,
    ticket_id   BIGINT NOT NULL REFERENCES tickets (id),
    kind        TEXT NOT NULL CHECK (kind IN ('first_response', 'on_site', 'completion')),
    deadline    BIGINT NOT NULL,
    station_id  BIGINT REFERENCES stations (id),
    detected_at BIGINT NOT NULL,
    late_ms     BIGINT NOT NULL CHECK (late_ms > 0),
    ongoing     BOOLEAN NOT NULL,
    UNIQUE (ticket_id, kind)
);

CREATE TABLE webhook_subscriptions (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    url        TEXT NOT NULL,
    events     TEXT NOT NULL,
    secret     TEXT NOT NULL,
    language   TEXT NOT NULL CHECK (language IN ('zh-CN', 'en')),
    active     BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL
);

-- Events written in the same transaction as the change that caused them.
CREATE TABLE webhook_outbox (
    id         INTEGER PRIMARY KEY,
    event      TEXT NOT NULL,
    ticket_id  BIGINT REFERENCES tickets (id),
    payload    TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    fanned_out BOOLEAN NOT NULL
);
CREATE INDEX webhook_outbox_pending ON webhook_outbox (fanned_out, id);

-- One event to one subscription, with its retry state.
CREATE TABLE webhook_jobs (
    id              INTEGER PRIMARY KEY,
    outbox_id       BIGINT NOT NULL REFERENCES webhook_outbox (id),
    subscription_id BIGINT NOT NULL REFERENCES webhook_subscriptions (id),
    status          TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    delivered_at    BIGINT,
    last_error      TEXT,
    UNIQUE (outbox_id, subscription_id)
);
CREATE INDEX webhook_jobs_due ON webhook_jobs (status, next_attempt_at);

CREATE TABLE webhook_deliveries (
    id          INTEGER PRIMARY KEY,
    job_id      BIGINT NOT NULL REFERENCES webhook_jobs (id),
    attempt     BIGINT NOT NULL,
    at          BIGINT NOT NULL,
    http_status BIGINT,
    error       TEXT,
    duration_ms BIGINT NOT NULL
);
CREATE INDEX webhook_deliveries_job ON webhook_deliveries (job_id);
