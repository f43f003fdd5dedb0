"""What `sqlcolumns` reads from SQL: columns by clause, join keys, conditions, mappings, constraints."""

from __future__ import annotations

from flowscan.languages import adapter
from flowscan.report.sqlcolumns import SqlColumns, read_columns


def columns(sql: str, model: str | None = None) -> SqlColumns:
    tree = adapter("sql").parse(sql.encode())
    return read_columns(tree.root_node, lambda node: node.start_point[0] + 1, model)


def test_aliases_resolve_to_tables_and_join_keys_pair_them() -> None:
    found = columns(
        "SELECT o.id, c.email FROM public.orders o\n"
        "JOIN customers c ON c.id = o.customer_id AND c.active = true\n"
        "WHERE o.status <> 'cancelled' AND o.created_at >= ?"
    )
    assert {(u.table, u.column, u.clause) for u in found.uses} >= {
        ("orders", "id", "select"), ("customers", "email", "select"), ("customers", "id", "join"),
        ("orders", "customer_id", "join"), ("orders", "status", "where"), ("orders", "created_at", "where"),
    }
    [join] = found.joins
    assert (join.left_table, join.left_column, join.right_table, join.right_column, join.line) == (
        "customers", "id", "orders", "customer_id", 2,
    )
    rules = {c.text: c.parameterised for c in found.conditions}
    assert rules == {"o.status <> 'cancelled'": False, "o.created_at >= ?": True}


def test_an_unqualified_column_belongs_to_the_only_table_and_a_cte_is_no_table() -> None:
    found = columns(
        "with recent as (select customer_id, amount from sales where amount > 0)\n"
        "select customer_id, sum(amount) from recent group by customer_id"
    )
    assert {(u.table, u.column, u.clause) for u in found.uses} == {
        ("sales", "customer_id", "select"), ("sales", "amount", "select"), ("sales", "amount", "where"),
    }
    assert [c.text for c in found.conditions] == ["amount > 0"]


def test_insert_select_maps_columns_by_position() -> None:
    found = columns(
        "INSERT INTO order_facts (order_id, seen_at)\nSELECT o.id, o.created_at FROM orders o WHERE o.id IS NOT NULL"
    )
    assert [(m.source_table, m.source, m.target_table, m.target_column) for m in found.mappings] == [
        ("orders", "id", "order_facts", "order_id"), ("orders", "created_at", "order_facts", "seen_at"),
    ]
    assert {(u.table, u.column) for u in found.uses if u.clause == "insert"} == {
        ("order_facts", "order_id"), ("order_facts", "seen_at"),
    }


def test_create_table_declares_keys_and_a_model_names_its_outputs() -> None:
    found = columns(
        "CREATE TABLE items (\n  order_id TEXT NOT NULL REFERENCES orders (id),\n  sku TEXT UNIQUE,\n"
        "  PRIMARY KEY (order_id, sku)\n);"
    )
    assert {(c.columns, c.kind, c.detail) for c in found.constraints} == {
        (("order_id",), "not_null", "NOT NULL"), (("order_id",), "references", "orders.id"),
        (("sku",), "unique", "UNIQUE"), (("order_id", "sku"), "primary_key", "PRIMARY KEY"),
    }
    model = columns("select region, sum(amount) as revenue from daily_sales group by region", model="by_region")
    assert [(m.target_table, m.target_column, m.source_table, m.source) for m in model.outputs] == [
        ("by_region", "region", "daily_sales", "region"), ("by_region", "revenue", "", "sum(amount)"),
    ]
