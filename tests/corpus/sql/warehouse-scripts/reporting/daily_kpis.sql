-- Daily KPIs for the management dashboard; run by the scheduler at 06:00 UTC.
INSERT INTO reporting.daily_kpis (day, channel, orders, revenue, revenue_7d)
WITH orders_per_day AS (
    SELECT
        o.created_at::date AS day,
        coalesce(s.channel, 'direct') AS channel,
        count(*) AS orders,
        sum(o.total_cents) / 100.0 AS revenue
    FROM shop.orders o
    LEFT JOIN marketing.sessions s ON s.order_id = o.id
    WHERE o.status <> 'cancelled'
    GROUP BY 1, 2
)
SELECT
    day,
    channel,
    orders,
    revenue,
    sum(revenue) OVER (PARTITION BY channel ORDER BY day ROWS BETWEEN 6 PRECEDING AND CURRENT ROW)
FROM orders_per_day
WHERE day = current_date - 1;

-- Refunds and chargebacks in one list for finance.
SELECT 'refund' AS kind, r.order_id, r.amount_cents, r.created_at
FROM payments.refunds r
UNION ALL
SELECT 'chargeback', c.order_id, c.amount_cents, c.received_at
FROM payments.chargebacks c;
