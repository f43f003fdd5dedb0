-- Staging: order lines with the line total precomputed.
{{ config(materialized='view') }}

select
    order_id,
    sku,
    quantity,
    unit_price_cents / 100.0 as unit_price,
    quantity * unit_price_cents / 100.0 as line_total
from {{ source('public', 'order_items') }} as items
where quantity > 0
