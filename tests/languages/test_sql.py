"""SQL adapter, feature by feature, on a Postgres migration with a reporting query."""

from __future__ import annotations

import pytest

from flowscan.languages import adapter

from .trees import descendants, find, first_clean_context, parse, parses_in_context

MIGRATION = """\
-- 0042: audit trail for order exports
/* The export job reads public.orders and writes app.audit. */
CREATE TABLE app.audit (id serial PRIMARY KEY, actor text, note text);

INSERT INTO app.audit (actor, note) VALUES ('migration', E'created\\n'), ('it''s', N'nat');

SELECT o.id, o.total, c.email, $tag$raw $ text$tag$ AS note
FROM public.orders o
JOIN "Sales"."Customers" c ON c.id = o.customer_id
WHERE o.created_at > now() - interval '7 days' AND o.status = $1;

CREATE FUNCTION app.order_count(customer integer) RETURNS bigint AS $$
  SELECT count(*) FROM public.orders WHERE customer_id = customer
$$ LANGUAGE sql;
"""

sql = adapter("sql")


@pytest.fixture(scope="module")
def root():
    return parse(sql, MIGRATION)


def test_sql_has_no_imports(root):
    assert sql.imports(root) == {}


# --- names -----------------------------------------------------------------------------


def test_qualified_names_of_object_references(root):
    orders = find(root, "object_reference", "public.orders")
    assert sql.qualified_name(orders) == ("public", "orders")
    assert sql.qualified_name(find(root, "object_reference", "app.audit")) == ("app", "audit")
    # quoted identifiers lose their quotes
    quoted = find(root, "object_reference", '"Sales"."Customers"')
    assert sql.qualified_name(quoted) == ("Sales", "Customers")
    assert sql.qualified_name(find(root, "identifier", "actor")) == ("actor",)


def test_qualified_names_of_fields(root):
    assert sql.qualified_name(find(root, "field", "o.total")) == ("o", "total")
    assert sql.qualified_name(find(root, "field", "customer")) == ("customer",)


def test_three_part_references_keep_every_part():
    tree = parse(sql, "SELECT * FROM warehouse.public.orders;")
    assert sql.qualified_name(find(tree, "object_reference", "warehouse.public.orders")) == (
        "warehouse",
        "public",
        "orders",
    )


def test_function_calls_are_invocations_named_by_an_object_reference(root):
    call = find(root, "invocation", "now()")
    assert sql.qualified_name(call) is None
    assert sql.qualified_name(call.named_children[0]) == ("now",)


def test_table_references_name_their_entity(root):
    assert sql.entity_name(find(root, "object_reference", "app.audit")) == "app.audit"
    assert sql.entity_name(find(root, "relation", "public.orders o")) == "public.orders"
    assert sql.entity_name(find(root, "relation", '"Sales"."Customers" c')) == "Sales.Customers"
    assert sql.entity_name(find(root, "field", "o.total")) is None
    subquery = parse(sql, "SELECT * FROM (SELECT 1) AS t;")
    assert [sql.entity_name(n) for n in descendants(subquery, "relation")] == [None]


def test_names_match_without_case_and_schema(root):
    orders = sql.qualified_name(find(root, "object_reference", "public.orders"))
    assert sql.name_matches(("public", "orders"), orders)
    assert sql.name_matches(("orders",), orders)
    assert sql.name_matches(("PUBLIC", "Orders"), orders)
    assert not sql.name_matches(("app", "orders"), orders)
    assert not sql.name_matches(("warehouse", "public", "orders"), orders)
    assert not sql.name_matches(("order",), orders)


# --- strings and comments --------------------------------------------------------------


def test_string_values(root):
    assert sql.string_value(find(root, "literal", "'migration'")) == "migration"
    assert sql.string_value(find(root, "literal", "E'created\\n'")) == "created\\n"
    assert sql.string_value(find(root, "literal", "'it''s'")) == "it''s"
    assert sql.string_value(find(root, "literal", "N'nat'")) == "nat"
    assert sql.string_value(find(root, "literal", "$tag$raw $ text$tag$")) == "raw $ text"
    # `interval '7 days'` keeps its string as an anonymous token: no literal to read
    assert not [n for n in descendants(root, "literal") if b"days" in n.text]


def test_literals_that_are_not_strings_have_no_value():
    tree = parse(sql, "SELECT 42, true, NULL;")
    literals = descendants(tree, "literal")
    assert [node.text for node in literals] == [b"42", b"true", b"NULL"]
    assert [sql.string_value(node) for node in literals] == [None, None, None]


def test_comment_kinds(root):
    assert [node.type for node in root.children[:2]] == ["comment", "marginalia"]
    assert {node.type for node in root.children[:2]} == sql.comment_kinds


def test_function_kinds(root):
    assert root.type in sql.function_kinds
    assert descendants(root, "create_function")
    assert "create_function" in sql.function_kinds


# --- pattern contexts ------------------------------------------------------------------


@pytest.mark.parametrize(
    "fragment",
    [
        "SELECT * FROM users WHERE id = __FS_X",
        "SELECT __FSS_ FROM __FS_T",
        "DROP TABLE __FS_T",
        "DELETE FROM __FS_T",
        "INSERT INTO __FS_T (__FSS_) VALUES (__FSS_)",
        "UPDATE __FS_T SET __FS_C = __FS_V",
        "GRANT ALL ON __FS_T TO __FS_U",
        "SELECT pg_read_file(__FS_F)",
    ],
)
def test_statements_parse_at_top_level(fragment):
    assert first_clean_context(sql, fragment) == 0
    assert parses_in_context(sql, sql.pattern_contexts[0], fragment) == []
