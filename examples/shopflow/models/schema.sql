-- Operational schema shared by the ingest service, billing and the warehouse loads.

CREATE TABLE customers (
    id          TEXT PRIMARY KEY,
    email       TEXT NOT NULL UNIQUE,
    country     CHAR(2),
    created_at  TIMESTAMP NOT NULL DEFAULT now()
);

CREATE TABLE orders (
    id           TEXT PRIMARY KEY,
    customer_id  TEXT NOT NULL REFERENCES customers (id),
    status       TEXT NOT NULL DEFAULT 'new',
    currency     CHAR(3) NOT NULL,
    total_cents  BIGINT NOT NULL,
    created_at   TIMESTAMP NOT NULL DEFAULT now()
);

CREATE TABLE order_items (
    order_id          TEXT NOT NULL REFERENCES orders (id),
    sku               TEXT NOT NULL,
    quantity          INTEGER NOT NULL,
    unit_price_cents  BIGINT NOT NULL,
    PRIMARY KEY (order_id, sku)
);

CREATE TABLE invoices (
    id           BIGSERIAL PRIMARY KEY,
    order_id     TEXT NOT NULL UNIQUE REFERENCES orders (id),
    customer_id  TEXT NOT NULL,
    amount       NUMERIC(12, 2) NOT NULL,
    currency     CHAR(3) NOT NULL,
    status       TEXT NOT NULL,
    issued_at    TIMESTAMP NOT NULL
);

CREATE TABLE order_facts (
    order_id     TEXT PRIMARY KEY,
    customer_id  TEXT NOT NULL,
    currency     CHAR(3) NOT NULL,
    total_cents  BIGINT NOT NULL,
    seen_at      TIMESTAMP NOT NULL
);

CREATE TABLE outbox (
    id         BIGSERIAL PRIMARY KEY,
    topic      TEXT NOT NULL,
    event_key  TEXT NOT NULL,
    payload    JSONB NOT NULL
);

CREATE INDEX orders_customer_created ON orders (customer_id, created_at);
