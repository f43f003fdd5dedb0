with customers as (
    select * from {{ ref('stg_customers') }}
),

orders as (
    select * from {{ ref('fct_orders') }}
),

customer_orders as (
    select
        customer_id,
        min(order_date) as first_order,
        max(order_date) as most_recent_order,
        count(order_id) as number_of_orders,
        sum(amount) as lifetime_value
    from orders
    group by customer_id
),

ranked as (
    select
        customers.customer_id,
        customers.first_name,
        customers.last_name,
        customer_orders.first_order,
        customer_orders.number_of_orders,
        customer_orders.lifetime_value,
        row_number() over (order by customer_orders.lifetime_value desc) as value_rank
    from customers
    left join customer_orders
        on customers.customer_id = customer_orders.customer_id
)

select * from ranked
