-- Staging: one row per non-test order, amounts in major currency units.
{{ config(materialized='view') }}

select
    id as order_id,
    customer_id,
    lower(status) as status,
    currency,
    total_cents / 100.0 as order_total,
    cast(created_at as date) as order_date,
    created_at
from {{ source('public', 'orders') }} as orders
where customer_id not like 'test-%'
