BEGIN;

-- Invoices fully covered by payments are paid.
UPDATE billing.invoices i
SET status = 'paid'
FROM (
    SELECT invoice_id, sum(amount_cents) AS paid_cents
    FROM billing.payments
    GROUP BY invoice_id
) p
WHERE p.invoice_id = i.id
  AND p.paid_cents >= i.amount_cents;

-- Keep an audit trail of what the backfill changed.
CREATE TABLE billing.status_audit AS
SELECT id AS invoice_id, status, now() AS changed_at
FROM billing.invoices
WHERE status = 'paid';

DELETE FROM billing.payments WHERE amount_cents = 0;

COMMIT;
