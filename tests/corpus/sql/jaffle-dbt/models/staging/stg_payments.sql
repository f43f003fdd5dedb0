{{ config(materialized='view') }}

with source as (
    select * from {{ source('stripe', 'payment') }}
),

renamed as (
    select
        id as payment_id,
        orderid as order_id,
        paymentmethod as payment_method,
        -- amount is stored in cents, convert it to dollars
        amount / 100 as amount
    from source
    where status = 'success'
)

select * from renamed
