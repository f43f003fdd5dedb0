-- Mart: revenue per customer and day, with a running total and a rank per day.
{{ config(materialized='table') }}

with daily as (
    select
        o.customer_id,
        o.order_date,
        count(distinct o.order_id) as orders,
        sum(i.line_total) as revenue
    from {{ ref('stg_orders') }} o
    join {{ ref('stg_order_items') }} i on i.order_id = o.order_id
    where o.status <> 'cancelled'
    group by o.customer_id, o.order_date
)

select
    customer_id,
    order_date,
    orders,
    revenue,
    sum(revenue) over (partition by customer_id order by order_date) as running_revenue,
    rank() over (partition by order_date order by revenue desc) as daily_rank
from daily
