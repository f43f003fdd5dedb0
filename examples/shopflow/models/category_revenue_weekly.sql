-- Mart: weekly revenue per product category, from the nightly ETL's daily rows.
{{ config(materialized='table') }}

select
    category,
    date_trunc('week', day) as week,
    sum(orders) as orders,
    sum(units) as units,
    sum(revenue_cents) / 100.0 as revenue
from {{ source('public', 'daily_category_revenue') }}
group by category, date_trunc('week', day)
