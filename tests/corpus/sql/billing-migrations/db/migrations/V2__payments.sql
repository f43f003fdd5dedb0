CREATE TABLE billing.payments (
    id          BIGSERIAL PRIMARY KEY,
    invoice_id  BIGINT NOT NULL REFERENCES billing.invoices (id),
    amount_cents BIGINT NOT NULL,
    paid_at     TIMESTAMPTZ NOT NULL
);

-- Currencies we accept; the application reads this table at start-up.
CREATE TABLE billing.currencies (
    code  CHAR(3) PRIMARY KEY,
    name  TEXT NOT NULL
);

INSERT INTO billing.currencies (code, name) VALUES
    ('EUR', 'Euro'),
    ('USD', 'US dollar'),
    ('GBP', 'Pound sterling');
