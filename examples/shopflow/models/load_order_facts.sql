-- Backfill of order_facts for orders the Rust consumer missed during an outage.
INSERT INTO order_facts (order_id, customer_id, currency, total_cents, seen_at)
SELECT o.id, o.customer_id, o.currency, o.total_cents, o.created_at
FROM orders o
LEFT JOIN order_facts f ON f.order_id = o.id
WHERE f.order_id IS NULL
  AND o.created_at >= current_date - 7;
