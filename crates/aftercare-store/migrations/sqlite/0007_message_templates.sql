-- Customer message templates (SMS / WeChat texts for the customer-facing ticket events),
-- one row per event and language once an admin has edited it. No rows are seeded: the
-- built-in texts live in code (aftercare_domain::message::MessageEvent::default_body), so a
-- fresh database stays empty (as `db copy` requires of its target) and a reset sets body to
-- NULL, which means "the built-in text", while keeping the version counter going.
-- (Numbered 0007: 0005 and 0006 are taken by other branches' migrations.)

CREATE TABLE message_templates (
    event      TEXT NOT NULL CHECK (event IN ('ticket.appointment_booked', 'ticket.completed', 'ticket.callback_done')),
    lang       TEXT NOT NULL CHECK (lang IN ('zh-CN', 'en')),
    body       TEXT,
    -- Optimistic concurrency: every save and reset checks and bumps it.
    version    BIGINT NOT NULL CHECK (version > 0),
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (event, lang)
);
