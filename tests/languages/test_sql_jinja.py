"""dbt models: Jinja is neutralised before parsing, keeping every position."""

from __future__ import annotations

from flowscan.languages import adapter
from flowscan.languages.sql import neutralize_jinja

MODEL = b"""{{ config(materialized='incremental', unique_key='order_id') }}

with orders as (
    select * from {{ source('shop', 'orders') }}
), items as (
    select * from {{ ref('stg_order_items') }}
)
select o.id, sum(i.amount) as total
from orders o
join items i on i.order_id = o.id
where o.created_at > {{ var('start_date') }}
{% if is_incremental() %}
  and o.created_at > (select max(created_at) from {{ this }})
{% endif %}
group by o.id
"""


def test_length_and_newlines_are_kept():
    out = neutralize_jinja(MODEL)
    assert len(out) == len(MODEL)
    assert [i for i, c in enumerate(out) if c == 10] == [i for i, c in enumerate(MODEL) if c == 10]


def test_ref_and_source_become_table_names():
    out = neutralize_jinja(MODEL).decode()
    assert "select * from shop.orders " in out
    assert "select * from stg_order_items " in out
    assert "{{" not in out and "{%" not in out


def test_a_dbt_model_parses_without_errors():
    tree = adapter("sql").parse(MODEL)
    assert not tree.root_node.has_error
