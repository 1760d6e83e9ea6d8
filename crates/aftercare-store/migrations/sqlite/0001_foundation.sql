-- Foundation: company settings, organisation (regions, brands, product lines and models,
-- stations, technicians, warehouses), users, sessions, API tokens, login throttling, audit.
-- Instants are BIGINT milliseconds since the Unix epoch, UTC. Money is BIGINT minor units.

CREATE TABLE company_settings (
    id               BIGINT PRIMARY KEY CHECK (id = 1),
    company_name     TEXT NOT NULL,
    time_zone        TEXT NOT NULL,
    currency         TEXT NOT NULL,
    default_language TEXT NOT NULL CHECK (default_language IN ('zh-CN', 'en')),
    updated_at       BIGINT NOT NULL
);

CREATE TABLE regions (
    id        INTEGER PRIMARY KEY,
    parent_id BIGINT REFERENCES regions (id),
    code      TEXT NOT NULL UNIQUE,
    name_zh   TEXT NOT NULL,
    name_en   TEXT NOT NULL,
    level     TEXT NOT NULL CHECK (level IN ('province', 'city', 'district', 'township')),
    tier      TEXT NOT NULL CHECK (tier IN ('urban', 'township', 'remote'))
);
CREATE INDEX regions_parent ON regions (parent_id);

CREATE TABLE brands (
    id      INTEGER PRIMARY KEY,
    code    TEXT NOT NULL UNIQUE,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    own     BOOLEAN NOT NULL
);

CREATE TABLE product_lines (
    id      INTEGER PRIMARY KEY,
    code    TEXT NOT NULL UNIQUE,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL
);

CREATE TABLE product_models (
    id                   INTEGER PRIMARY KEY,
    code                 TEXT NOT NULL UNIQUE,
    name_zh              TEXT NOT NULL,
    name_en              TEXT NOT NULL,
    product_line_id      BIGINT NOT NULL REFERENCES product_lines (id),
    brand_id             BIGINT NOT NULL REFERENCES brands (id),
    launched_on          TEXT,
    end_of_production_on TEXT
);
CREATE INDEX product_models_line ON product_models (product_line_id);

CREATE TABLE stations (
    id             INTEGER PRIMARY KEY,
    code           TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL,
    region_id      BIGINT NOT NULL REFERENCES regions (id),
    address        TEXT NOT NULL,
    phone          TEXT NOT NULL,
    contact        TEXT NOT NULL,
    capacity       BIGINT NOT NULL CHECK (capacity >= 0),
    score          BIGINT NOT NULL CHECK (score BETWEEN 0 AND 100),
    active         BOOLEAN NOT NULL,
    created_at     BIGINT NOT NULL
);

CREATE TABLE station_coverage (
    station_id BIGINT NOT NULL REFERENCES stations (id),
    region_id  BIGINT NOT NULL REFERENCES regions (id),
    PRIMARY KEY (station_id, region_id)
);
CREATE INDEX station_coverage_region ON station_coverage (region_id);

CREATE TABLE station_product_lines (
    station_id      BIGINT NOT NULL REFERENCES stations (id),
    product_line_id BIGINT NOT NULL REFERENCES product_lines (id),
    PRIMARY KEY (station_id, product_line_id)
);

CREATE TABLE technicians (
    id         INTEGER PRIMARY KEY,
    code       TEXT NOT NULL UNIQUE,
    station_id BIGINT NOT NULL REFERENCES stations (id),
    name       TEXT NOT NULL,
    phone      TEXT NOT NULL,
    active     BOOLEAN NOT NULL
);
CREATE INDEX technicians_station ON technicians (station_id);

CREATE TABLE warehouses (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('central', 'regional', 'station')),
    parent_id   BIGINT REFERENCES warehouses (id),
    region_id   BIGINT REFERENCES regions (id),
    station_id  BIGINT REFERENCES stations (id),
    address     TEXT NOT NULL,
    after_sales BOOLEAN NOT NULL,
    active      BOOLEAN NOT NULL,
    CHECK ((kind = 'station') = (station_id IS NOT NULL))
);
CREATE INDEX warehouses_station ON warehouses (station_id);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    login         TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'manager', 'agent', 'dispatcher', 'warehouse', 'station', 'technician', 'brand')),
    station_id    BIGINT REFERENCES stations (id),
    technician_id BIGINT REFERENCES technicians (id),
    brand_id      BIGINT REFERENCES brands (id),
    password_hash TEXT NOT NULL,
    language      TEXT CHECK (language IN ('zh-CN', 'en')),
    active        BOOLEAN NOT NULL,
    created_at    BIGINT NOT NULL,
    CHECK ((role IN ('station', 'technician')) = (station_id IS NOT NULL)),
    CHECK ((role = 'brand') = (brand_id IS NOT NULL))
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE api_tokens (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    prefix     TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    user_id    BIGINT NOT NULL REFERENCES users (id),
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    revoked_at BIGINT,
    last_used_at BIGINT
);

CREATE TABLE login_failures (
    id      INTEGER PRIMARY KEY,
    login   TEXT NOT NULL,
    address TEXT NOT NULL,
    at      BIGINT NOT NULL
);
CREATE INDEX login_failures_login ON login_failures (login, at);
CREATE INDEX login_failures_address ON login_failures (address, at);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          BIGINT NOT NULL,
    actor_id    BIGINT REFERENCES users (id),
    actor_login TEXT NOT NULL,
    action      TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id   TEXT NOT NULL,
    before_json TEXT,
    after_json  TEXT,
    request_id  TEXT
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_object ON audit_log (object_type, object_id);
