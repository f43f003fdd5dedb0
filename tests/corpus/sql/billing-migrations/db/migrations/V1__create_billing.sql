-- Billing schema, first version.
CREATE SCHEMA IF NOT EXISTS billing;

CREATE TABLE billing.customers (
    id          BIGSERIAL PRIMARY KEY,
    email       TEXT NOT NULL UNIQUE,
    country     CHAR(2) NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE billing.invoices (
    id           BIGSERIAL PRIMARY KEY,
    customer_id  BIGINT NOT NULL REFERENCES billing.customers (id),
    amount_cents BIGINT NOT NULL CHECK (amount_cents >= 0),
    currency     CHAR(3) NOT NULL DEFAULT 'EUR',
    status       TEXT NOT NULL DEFAULT 'open',
    issued_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX invoices_customer_idx ON billing.invoices (customer_id, issued_at);
