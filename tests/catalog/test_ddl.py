"""The DDL readers: SQL schemas and migration folders, Alembic revisions, diesel's schema.rs.

Fixtures under fixtures/ddl/ are small projects: a Flyway shop, golang-migrate billing,
sqlx/SQLite inventory, diesel shipping, a mysqldump, Alembic reporting, a Snowflake
warehouse, goose notifications, a hand-applied schema with a broken statement, and SQL
that declares nothing (a dbt model, an ad-hoc query).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from flowscan.catalog.files import named

from flowscan.catalog.files import CatalogFile, catalog_file
from flowscan.catalog.model import Field, Item, Part
from flowscan.catalog.readers import Reader, ddl
from flowscan.catalog.readers.ddl_alembic import Revision, in_order, read_revision
from flowscan.catalog.readers.ddl_diesel import read_schema
from flowscan.catalog.readers.ddl_model import CreateTable
from flowscan.catalog.readers.ddl_replay import Replay
from flowscan.catalog.readers.ddl_sql import read_sql, sniff_dialect, split_statements

FIXTURES = Path(__file__).parent / "fixtures" / "ddl"
SQL, ALEMBIC, DIESEL = ddl.READERS


def claimed(folder: str, reader: Reader, root: Path = FIXTURES) -> list[CatalogFile]:
    """The files under `folder` the reader claims, named relative to `root`, in path order."""
    found = []
    for path in sorted((root / folder).rglob("*")):
        shown = path.relative_to(root).as_posix()
        if path.is_file() and reader.claims(named(shown)):
            file = catalog_file(path, shown)
            assert isinstance(file, CatalogFile)
            found.append(file)
    return sorted(found, key=lambda f: f.display_path)


def read(folder: str, reader: Reader = SQL, root: Path = FIXTURES) -> Part:
    return reader.read(claimed(folder, reader, root))


def item(part: Part, name: str, type_: str = "table") -> Item:
    matches = [i for i in part.items if i.type == type_ and i.name == name]
    assert len(matches) == 1, [(i.type, i.name) for i in part.items]
    return matches[0]


def field(found: Item, name: str) -> Field:
    return next(f for f in found.fields if f.name == name)


def origins(found: Item) -> list[tuple[str, int]]:
    return [(o.path.rsplit("/", 1)[-1], o.line) for o in found.origins]


def foreign_keys(part: Part) -> set[tuple[str, str, str | None]]:
    return {(r.source, r.target, r.label) for r in part.relationships if r.kind == "foreign_key"}


# --- Flyway: the shop's migrations -----------------------------------------------------------


@pytest.fixture(scope="module")
def shop() -> Part:
    return read("shop")


def test_flyway_versions_replay_in_numeric_order_and_every_touch_is_an_origin(shop: Part) -> None:
    customers = item(shop, "customers")
    # V10 sorts before V2 by name; it runs after V3 by version
    assert origins(customers) == [
        ("V1__create_customers_and_products.sql", 4),
        ("V3__customer_contact_details.sql", 1),
        ("V3__customer_contact_details.sql", 2),
        ("V3__customer_contact_details.sql", 3),
        ("V10__order_customer_fk.sql", 6),
        ("V11__cleanup.sql", 2),
    ]
    assert all(o.source == "ddl" for o in customers.origins)


def test_the_final_schema_has_later_alters_applied(shop: Part) -> None:
    customers = item(shop, "customers")
    # marketing_opt_in was added in V3 and dropped in V11
    assert [f.name for f in customers.fields] == ["id", "email", "full_name", "created_at", "phone"]
    assert field(customers, "id") == Field("id", "BIGSERIAL", False, None, primary_key=True, line=5)
    assert field(customers, "created_at") == Field("created_at", "TIMESTAMP WITH TIME ZONE", False, "now()", line=8)
    assert field(customers, "full_name").nullable is False  # SET NOT NULL in V3
    assert field(customers, "phone") == Field("phone", "VARCHAR(32)", True, line=1)  # its line in V3
    assert field(customers, "email").unique
    assert {(i.name, i.columns, i.unique) for i in customers.indexes} == {
        ("customers_email_key", ("email",), True),
        ("idx_customers_lower_email", ("LOWER(email)",), True),
    }
    products = item(shop, "products")
    assert field(products, "title").type == "VARCHAR(200)"  # ALTER COLUMN ... TYPE, in a two-action ALTER
    assert field(products, "weight_grams").type == "INTEGER"
    assert field(products, "active").default == "TRUE"
    assert products.description == "Catalogue of things we sell"
    assert field(products, "price_cents").description == "Unit price in euro cents, VAT included"
    assert products.fact("check price_cents") == "price_cents >= 0"
    orders = item(shop, "orders")
    assert "note" not in [f.name for f in orders.fields] and field(orders, "customer_note").line == 8
    assert field(orders, "status") == Field("status", "order_status", False, "'pending'", line=6)
    assert field(item(shop, "order_items"), "quantity").default is None  # DROP DEFAULT in V11


def test_a_dropped_table_is_gone_and_undo_migrations_are_not_read(shop: Part) -> None:
    assert "legacy_import_log" not in {i.name for i in shop.items}  # created in V2_1, dropped in V11, U11 undoes
    assert not shop.problems


def test_foreign_keys_inline_implied_and_added_later(shop: Part) -> None:
    assert foreign_keys(shop) == {
        ("table:order_items", "table:orders", "order_id → orders.id"),
        # `REFERENCES products` names no column: the primary key of products
        ("table:order_items", "table:products", "product_id → products.id"),
        ("table:orders", "table:customers", "customer_id → customers.id"),
    }
    later = next(r for r in shop.relationships if r.source == "table:orders")
    assert (later.origin.path.rsplit("/", 1)[-1], later.origin.line) == ("V10__order_customer_fk.sql", 3)
    assert field(item(shop, "orders"), "customer_id").references == "customers.id"
    order_items = item(shop, "order_items")
    assert [f.name for f in order_items.fields if f.primary_key] == ["order_id", "product_id"]
    assert field(order_items, "product_id").references == "products.id"


def test_a_repeatable_migration_runs_last_and_a_view_lists_what_it_reads(shop: Part) -> None:
    view = item(shop, "order_totals", "view")
    assert view.id == "table:order_totals"
    assert origins(view) == [("R__order_totals_view.sql", 1)]
    assert view.fact("reads") == "orders, customers, order_items"
    assert [(f.name, f.line) for f in view.fields] == [("order_id", 2), ("email", 3), ("total_cents", 4)]


def test_migration_keys_order_flyway_by_version_then_repeatables() -> None:
    names = ["R__views.sql", "V10__x.sql", "V2_1__x.sql", "V1.1__x.sql", "V2__x.sql", "V1__x.sql", "V11__x.sql"]
    keys = {name: ddl.migration_key(f"db/migration/{name}") for name in names}
    assert all(key is not None and key.folder == "db/migration" for key in keys.values())
    ordered = sorted(names, key=lambda name: keys[name].order)  # type: ignore[union-attr]
    assert ordered == ["V1__x.sql", "V1.1__x.sql", "V2__x.sql", "V2_1__x.sql", "V10__x.sql", "V11__x.sql",
                       "R__views.sql"]
    diesel = ddl.migration_key("app/migrations/2024-03-02-140000_add_carrier/up.sql")
    assert diesel is not None and diesel.folder == "app/migrations" and diesel.order[1] == (20240302140000,)
    prisma = ddl.migration_key("prisma/migrations/20240105093000_init/migration.sql")
    assert prisma is not None and prisma.folder == "prisma/migrations" and prisma.order[1] == (20240105093000,)
    assert ddl.migration_key("db/schema.sql") is None
    assert not SQL.claims(named("db/U3__undo.sql")) and not SQL.claims(named("m/0001_x.down.sql"))
    assert not SQL.claims(named("migrations/2024-01-01-000000_x/down.sql"))
    assert SQL.claims(named("migrations/2024-01-01-000000_x/up.sql")) and SQL.claims(named("db/schema.sql"))


# --- golang-migrate, sqlx / SQLite, diesel migrations, goose -------------------------------


def test_golang_migrate_ups_only_and_a_renamed_table_keeps_its_foreign_keys() -> None:
    billing = read("billing")
    assert {i.name for i in billing.items} == {"customer_invoices", "invoice_lines"}
    invoices = item(billing, "customer_invoices")
    assert origins(invoices) == [("000001_create_invoices.up.sql", 1), ("000003_invoice_status.up.sql", 1),
                                 ("000003_invoice_status.up.sql", 2), ("000003_invoice_status.up.sql", 3)]
    assert field(invoices, "id") == Field("id", "UUID", False, "gen_random_uuid()", primary_key=True, line=2)
    assert field(invoices, "status") == Field("status", "TEXT", False, "'open'", line=1)
    assert invoices.fact("check invoices_status_check") == "status IN ('open', 'paid', 'void')"
    lines = item(billing, "invoice_lines")
    assert origins(lines) == [("000002_invoice_lines.up.sql", 3)]  # after BEGIN;
    assert [f.name for f in lines.fields if f.primary_key] == ["invoice_id", "line_no"]
    assert field(lines, "invoice_id").references == "customer_invoices.id"
    assert foreign_keys(billing) == {("table:invoice_lines", "table:customer_invoices",
                                      "invoice_id → customer_invoices.id")}


def test_sqlx_sqlite_migrations() -> None:
    inventory = read("inventory")
    warehouses = item(inventory, "warehouses")
    assert field(warehouses, "id") == Field("id", "INTEGER", False, primary_key=True, line=3)
    assert field(warehouses, "code") == Field("code", "TEXT", False, unique=True, line=4)
    stock = item(inventory, "stock_levels")
    assert stock.fact("sqlite options") == "WITHOUT ROWID"
    assert [f.name for f in stock.fields if f.primary_key] == ["warehouse_id", "sku"]
    assert stock.indexes[0].name == "stock_levels_sku"
    assert foreign_keys(inventory) == {("table:stock_levels", "table:warehouses", "warehouse_id → warehouses.id")}
    assert not inventory.problems


def test_diesel_migrations_read_up_sql_in_folder_order() -> None:
    shipping = read("shipping")
    assert {i.name for i in shipping.items} == {"shipments", "carriers"}  # down.sql would drop them
    shipments = item(shipping, "shipments")
    assert origins(shipments) == [("up.sql", 1), ("up.sql", 5)]
    assert field(shipments, "carrier_id").references == "carriers.id"


def test_goose_down_sections_are_not_replayed() -> None:
    notifications = read("notifications")
    subscriptions = item(notifications, "subscriptions")
    assert [f.name for f in subscriptions.fields] == ["id", "email", "topic", "confirmed_at"]
    assert subscriptions.indexes[0].columns == ("email", "topic") and subscriptions.indexes[0].unique
    assert origins(subscriptions)[0] == ("00001_create_subscriptions.sql", 3)


# --- a mysqldump ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dump() -> Part:
    return read("legacy")


def test_mysql_dump_tables_with_types_as_written(dump: Part) -> None:
    orders = item(dump, "orders")
    assert origins(orders) == [("shop_2019.sql", 44)]
    assert field(orders, "id") == Field("id", "bigint(20) unsigned", False, primary_key=True, line=45)
    assert field(orders, "status") == Field("status", "enum('new','paid','shipped','refunded')", False, "'new'",
                                            line=47)
    assert field(orders, "total") == Field("total", "decimal(10,2)", False, "'0.00'", line=48,
                                           description="gross, in EUR")
    assert field(orders, "updated_at").default == "CURRENT_TIMESTAMP"  # ON UPDATE is no part of it
    assert [(i.name, i.columns) for i in orders.indexes] == [
        ("orders_customer_id_index", ("customer_id",)), ("orders_status_updated_at_index", ("status", "updated_at"))]
    assert orders.fact("engine") == "InnoDB"
    assert foreign_keys(dump) == {("table:orders", "table:customers", "customer_id → customers.id")}
    customers = item(dump, "customers")
    assert customers.description == "People who bought something"
    assert field(customers, "email").unique and field(customers, "email").type == "varchar(191)"
    assert field(customers, "created_at").nullable is True


def test_mysql_dump_views_in_executable_comments_and_no_noise(dump: Part) -> None:
    view = item(dump, "paid_orders", "view")
    assert view.fact("reads") == "orders, customers"
    assert origins(view) == [("shop_2019.sql", 75)]
    # LOCK TABLES, INSERT (with a `;` inside a string), SET, the trigger: none is a problem
    assert not dump.problems


def test_a_literal_default_of_a_secret_column_is_masked(dump: Part) -> None:
    assert field(item(dump, "customers"), "api_token").default == "'***'"


# --- a pg_dump (Rails' structure.sql) --------------------------------------------------------


def test_pg_dump_constraints_added_after_the_data_and_a_materialized_view() -> None:
    crm = read("crm")
    customers = item(crm, "public.customers")
    assert customers.id == "table:customers"  # `public.` is the default schema
    assert origins(customers) == [("structure.sql", 35), ("structure.sql", 44), ("structure.sql", 75),
                                  ("structure.sql", 82), ("structure.sql", 85)]
    assert field(customers, "id") == Field("id", "bigint", False, "nextval('public.customers_id_seq'::regclass)",
                                           primary_key=True, line=36)
    assert field(customers, "email") == Field("email", "character varying(255)", False, unique=True, line=37,
                                              description="login e-mail")
    # after COPY ... FROM stdin, whose rows hold a `;`, statements are statements again
    assert customers.indexes[0].name == "customers_email_key"
    assert field(customers, "tags") == Field("tags", "text[]", True, "'{}'::text[]", line=39)
    assert foreign_keys(crm) == {("table:orders", "table:customers", "customer_id → public.customers.id")}
    totals = item(crm, "public.customer_totals", "view")  # ends WITH NO DATA
    assert totals.fact("materialized") == "yes" and totals.fact("reads") == "public.customers, public.orders"
    assert not crm.problems  # functions, sequences, OWNER TO, triggers, SET: nothing to report


# --- warehouse SQL, hand-applied schemas, SQL that declares nothing ---------------------------


def test_warehouse_tables_keep_their_schema() -> None:
    warehouse = read("warehouse")
    orders = item(warehouse, "analytics.orders")
    assert orders.id == "table:analytics.orders"
    assert orders.description == "One row per order, deduplicated"
    assert field(orders, "order_id") == Field("order_id", "NUMBER(38,0)", False, primary_key=True, line=5)
    assert field(orders, "placed_at").type == "TIMESTAMP_NTZ"
    assert item(warehouse, "analytics.daily_revenue", "view").fact("reads") == "analytics.orders"


def test_a_broken_statement_is_a_problem_and_the_rest_is_read() -> None:
    support = read("support")
    assert {i.name for i in support.items} == {"agents", "ticket_tags"}
    [problem] = support.problems
    assert (problem.path, problem.line, problem.column) == ("support/sql/schema.sql", 11, 5)  # at `agent_id`
    assert problem.message.startswith("CREATE TABLE statement not read: Expecting )")
    assert item(support, "ticket_tags").indexes[0].columns == ("ticket_id", "tag")


def test_dbt_models_and_queries_declare_nothing() -> None:
    analytics = read("analytics")
    assert claimed("analytics", SQL)  # claimed, read, and found to declare nothing
    assert analytics == Part()


# --- Alembic ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def reporting() -> Part:
    return read("reporting", ALEMBIC)


def test_alembic_revisions_follow_down_revision_not_file_names(reporting: Part) -> None:
    accounts = item(reporting, "accounts")
    # 0c5d… sorts first by name but revises a81b…, which revises 3f2a…
    assert origins(accounts) == [("3f2a9c1d7e45_create_accounts_and_events.py", 23),
                                 ("0c5d7f3b9a11_tidy_accounts.py", 19), ("0c5d7f3b9a11_tidy_accounts.py", 20)]
    assert accounts.origins[0].source == "alembic"
    assert [f.name for f in accounts.fields] == ["id", "email", "plan_code", "created_at", "deleted_at"]
    assert field(accounts, "id") == Field("id", "Integer", False, primary_key=True, line=25)
    assert field(accounts, "plan_code") == Field("plan_code", "String(length=20)", False, "'free'", line=27)
    assert field(accounts, "created_at").default == "now()"
    assert field(accounts, "deleted_at") == Field("deleted_at", "DateTime(timezone=True)", True, line=20)
    assert accounts.indexes[0].name == "uq_accounts_email" and field(accounts, "email").unique


def test_alembic_columns_keys_and_raw_sql(reporting: Part) -> None:
    events = item(reporting, "events")
    assert field(events, "name").type == "String(length=200)"
    assert field(events, "properties") == Field("properties", "JSONB(astext_type=Text())", True, line=38)
    assert events.indexes[0].name == "ix_events_occurred_at"
    sessions = item(reporting, "sessions")  # its name comes from a module constant
    assert [f.name for f in sessions.fields] == ["id", "account_id", "started_at"]  # user_agent dropped
    assert sessions.indexes[0].name == "ix_sessions_account_id"  # Column(index=True)
    assert foreign_keys(reporting) == {
        ("table:events", "table:accounts", "account_id → accounts.id"),
        ("table:events", "table:sessions", "session_id → sessions.id"),
        ("table:sessions", "table:accounts", "account_id → accounts.id"),
    }
    view = item(reporting, "daily_event_counts", "view")  # from op.execute("""CREATE VIEW ...""")
    assert origins(view) == [("0c5d7f3b9a11_tidy_accounts.py", 25)] and view.fact("reads") == "events"
    assert [(f.name, f.line) for f in view.fields] == [("account_id", 26), ("day", 26), ("events", 26)]
    assert not reporting.problems


def test_alembic_order_reports_missing_parents_and_cycles() -> None:
    def revision(path: str, rid: str, *down: str) -> Revision:
        return Revision(path, rid, down, (), (), down_line=7)

    ordered, problems = in_order([revision("c.py", "c", "b"), revision("b.py", "b", "a"), revision("a.py", "a"),
                                  revision("m.py", "m", "b", "c")])
    assert [r.revision for r in ordered] == ["a", "b", "c", "m"]
    assert not problems
    ordered, problems = in_order([revision("x.py", "x", "gone"), revision("y.py", "y", "z"),
                                  revision("z.py", "z", "y")])
    assert [r.revision for r in ordered] == ["x", "y", "z"]
    assert [(p.path, p.line) for p in problems] == [("x.py", 7), ("y.py", 7)]
    assert "'gone' is not among the migrations read" in problems[0].message
    assert "cycle" in problems[1].message


def test_alembic_syntax_errors_and_computed_names_are_problems() -> None:
    text = '''revision = "1"
down_revision = None

def upgrade():
    op.create_table(table_name_for("orders"), sa.Column("id", sa.Integer, primary_key=True))
    op.add_column("orders", sa.Column("note", sa.Text())
    op.drop_table("old")
'''
    read = read_revision(text, "versions/1_x.py")
    messages = {(p.line, p.column, p.message) for p in read.problems}
    assert (5, 21, "table name is not a string literal: this operation is not read") in messages
    assert any(m.startswith("Python syntax error") for _, _, m in messages)
    assert read.revision == "1"


def test_helper_modules_beside_alembic_revisions_are_left_alone(tmp_path: Path) -> None:
    versions = tmp_path / "migrations" / "versions"
    versions.mkdir(parents=True)
    (versions / "_helpers.py").write_text("def json_column(:\n    pass\n")
    (versions / "1a_init.py").write_text('revision = "1a"\ndown_revision = None\n\ndef upgrade():\n'
                                         '    op.create_table("tags", sa.Column("id", sa.Integer, primary_key=True))\n')
    part = read("migrations", ALEMBIC, tmp_path)
    assert [(i.name, [f.name for f in i.fields]) for i in part.items] == [("tags", ["id"])]
    assert not part.problems


# --- diesel schema.rs --------------------------------------------------------------------------


def test_diesel_schema_tables_nullable_types_and_joinable() -> None:
    part = read("shipping", DIESEL)
    shipments = item(part, "shipments")
    assert shipments.description == "Parcels handed to a carrier."
    assert origins(shipments) == [("schema.rs", 12), ("schema.rs", 23)]
    assert field(shipments, "id") == Field("id", "Int4", False, primary_key=True, line=13)
    assert field(shipments, "shipped_at") == Field("shipped_at", "Timestamp", True, line=15)
    assert field(shipments, "type") == Field("type", "Text", True, line=19)  # #[sql_name = "type"] kind
    assert field(shipments, "carrier_id").references == "carriers.id"
    assert foreign_keys(part) == {("table:shipments", "table:carriers", "carrier_id → carriers.id")}
    assert [f.name for f in item(part, "carriers").fields] == ["id", "name"]


def test_diesel_schema_with_composite_keys_schemas_and_a_bad_joinable() -> None:
    text = """diesel::table! {
    use diesel::sql_types::*;
    use crate::models::exports::*;

    billing.line_items (invoice_id, line_no) {
        invoice_id -> Uuid,
        line_no -> Int4,
        tags -> Array<Nullable<Text>>,
    }

    invoices {
        id -> Uuid,
    }
}

joinable!(line_items invoices);
"""
    found = read_schema(text, "src/schema.rs")
    tables = {c.name: c for c in found.changes if hasattr(c, "columns")}
    assert set(tables) == {"billing.line_items", "invoices"}
    line_items = tables["billing.line_items"]
    assert line_items.primary_key == ("invoice_id", "line_no")  # type: ignore[attr-defined]
    assert [(c.name, c.type, c.nullable, c.line) for c in line_items.columns] == [  # type: ignore[attr-defined]
        ("invoice_id", "Uuid", False, 6), ("line_no", "Int4", False, 7), ("tags", "Array<Nullable<Text>>", False, 8)]
    [problem] = found.problems
    assert (problem.line, problem.message) == (16, "joinable! not of the form `child -> parent (column)`: not read")


# --- SQL edge cases -----------------------------------------------------------------------------


def test_statements_split_around_strings_comments_dollar_bodies_and_delimiters() -> None:
    text = """INSERT INTO t VALUES ('a;b', "c;d");  -- x; y
/* a; b */ CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;
DELIMITER ;;
CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW BEGIN SET NEW.a = 1; END;;
DELIMITER ;
SELECT 'it\\'s';
SELECT 2
GO
SELECT 3"""
    spans = [text[a:b] for a, b in split_statements(text, mysql=True)]
    assert spans[0] == """INSERT INTO t VALUES ('a;b', "c;d")"""
    assert spans[1].endswith("$body$ SELECT 1; $body$ LANGUAGE sql")
    assert spans[2].startswith("CREATE TRIGGER") and spans[2].endswith("SET NEW.a = 1; END")
    assert spans[3:] == ["SELECT 'it\\'s'", "SELECT 2", "SELECT 3"]


def test_dialect_signs() -> None:
    assert sniff_dialect("CREATE TABLE `a` (id int) ENGINE=InnoDB;") == "mysql"
    assert sniff_dialect("CREATE TABLE a (id INTEGER PRIMARY KEY AUTOINCREMENT);") == "sqlite"
    assert sniff_dialect("CREATE TABLE a (id bigserial);") == "postgres"


def test_names_are_unquoted_and_sql_in_a_host_file_keeps_host_positions() -> None:
    read = read_sql('CREATE TABLE "Sales"."Order Lines" (\n  "Line Id" int NOT NULL,\n  qty int CHECK (qty > 0)\n);',
                    "m.py", "alembic", first_line=10, first_column=9)
    [create] = read.changes
    assert create.name == "Sales.Order Lines"  # type: ignore[union-attr]
    assert [(c.name, c.line) for c in create.columns] == [("Line Id", 11), ("qty", 12)]  # type: ignore[union-attr]
    assert create.at.line == 10  # type: ignore[union-attr]
    broken = read_sql("CREATE TABLE t (a int,\n  b int", "m.py", first_line=3, first_column=5)
    [problem] = broken.problems
    assert (problem.line, problem.column) == (4, 5)  # at `int`, where a `)` was expected


def test_sql_server_brackets_clustered_keys_and_go_batches() -> None:
    read = read_sql("""CREATE TABLE [dbo].[Orders] (
    [OrderId] INT IDENTITY(1,1) NOT NULL,
    [Code] NVARCHAR(20) NOT NULL,
    [CustomerId] INT NOT NULL,
    CONSTRAINT [PK_Orders] PRIMARY KEY CLUSTERED ([OrderId] ASC),
    CONSTRAINT [UQ_Orders_Code] UNIQUE NONCLUSTERED ([Code]),
    CONSTRAINT [FK_Orders_Customers] FOREIGN KEY ([CustomerId]) REFERENCES [dbo].[Customers] ([Id])
)
GO
CREATE NONCLUSTERED INDEX [IX_Orders_CustomerId] ON [dbo].[Orders] ([CustomerId])
GO""", "Orders.sql")
    assert read.dialect == "tsql" and not read.problems
    replay = Replay()
    replay.apply_all(read.changes)
    [table] = replay.part().items
    assert table.name == "dbo.Orders" and table.id == "table:orders"
    assert [(f.name, f.type, f.primary_key, f.unique) for f in table.fields] == [
        ("OrderId", "INT", True, False), ("Code", "NVARCHAR(20)", False, True), ("CustomerId", "INT", False, False)]
    assert [i.name for i in table.indexes] == ["UQ_Orders_Code", "IX_Orders_CustomerId"]
    assert field(table, "CustomerId").references == "dbo.Customers.Id"


def test_a_table_created_from_a_query_has_the_columns_the_query_names() -> None:
    read = read_sql("""-- audit trail of the backfill
CREATE TABLE billing.status_audit AS
SELECT id AS invoice_id, status,
       now() AS changed_at
FROM billing.invoices i JOIN billing.payments p ON p.invoice_id = i.id;""", "V3__backfill.sql")
    [create] = read.changes
    assert isinstance(create, CreateTable) and create.name == "billing.status_audit" and create.at.line == 2
    assert [(c.name, c.line, c.type) for c in create.columns] == [
        ("invoice_id", 3, None), ("status", 3, None), ("changed_at", 4, None)]
    assert dict(create.facts)["reads"] == "billing.invoices, billing.payments"


def test_temporary_tables_functions_and_unmodelled_alters_are_passed_over() -> None:
    read = read_sql("""CREATE TEMP TABLE scratch (a int);
CREATE OR REPLACE FUNCTION f() RETURNS TABLE (a int) AS $$ SELECT 1 $$ LANGUAGE sql;
ALTER TABLE public.orders OWNER TO shop;
ALTER TABLE orders ENABLE ROW LEVEL SECURITY;
CREATE SEQUENCE s;
GRANT SELECT ON orders TO reporting;""", "x.sql")
    assert read.changes == () and read.problems == ()


def test_mysql_alters_modify_change_and_rename_table() -> None:
    read = read_sql("""CREATE TABLE `t` (`a` int(11) NOT NULL, `b` varchar(10) DEFAULT NULL, KEY `ix_b` (`b`));
ALTER TABLE `t` MODIFY COLUMN `a` bigint NOT NULL AUTO_INCREMENT, CHANGE COLUMN `b` `c` varchar(20) NOT NULL;
ALTER TABLE `t` DROP INDEX `ix_c`, ADD UNIQUE KEY `uq_c` (`c`);
RENAME TABLE `t` TO `u`;""", "dump.sql")
    replay = Replay()
    replay.apply_all(read.changes)
    [table] = replay.part().items
    assert table.name == "u" and not read.problems
    assert [(f.name, f.type, f.nullable, f.line, f.unique) for f in table.fields] == [
        ("a", "bigint", False, 1, False), ("c", "varchar(20)", False, 1, True)]
    assert [(i.name, i.columns) for i in table.indexes] == [("ix_b", ("c",)), ("uq_c", ("c",))]


def test_unreadable_binary_and_badly_encoded_files(tmp_path: Path) -> None:
    (tmp_path / "db").mkdir()
    (tmp_path / "db" / "binary.sql").write_bytes(b"\x00\x01\x02CREATE TABLE x (a int);")
    (tmp_path / "db" / "latin1.sql").write_bytes(
        "-- menu\nCREATE TABLE dishes (name text);\nCOMMENT ON TABLE dishes IS 'Café';\n".encode("latin-1"))
    (tmp_path / "db" / "open_quote.sql").write_text("CREATE TABLE a (x text DEFAULT 'oops);\nCREATE TABLE b (y int);\n")
    part = read("db", SQL, tmp_path)
    problems = {(p.path, p.line, p.column): p.message for p in part.problems}
    assert problems[("db/binary.sql", 1, 1)] == "binary file where text was expected"
    assert problems[("db/latin1.sql", 3, 32)] == "not valid UTF-8: read with the bad bytes replaced"
    assert problems[("db/open_quote.sql", 1, 1)].startswith("CREATE TABLE statement not read")
    assert item(part, "dishes").description == "Caf\ufffd"


# --- through the command line ---------------------------------------------------------------------


def test_the_catalog_command_shows_migrated_tables_as_json() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "flowscan", "catalog", "shop", "reporting", "shipping", "--format", "json"],
        cwd=FIXTURES, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    catalog = json.loads(done.stdout)
    items = {i["id"]: i for i in catalog["items"]}
    orders = items["table:orders"]
    assert orders["origins"][0] == {"source": "ddl", "line": 3,
                                    "path": "shop/src/main/resources/db/migration/V2__create_orders.sql"}
    assert [f["name"] for f in orders["fields"]] == ["id", "customer_id", "status", "placed_at", "customer_note"]
    assert items["table:order_totals"]["type"] == "view"
    # diesel's migrations and its schema.rs describe one shipments table
    assert {o["source"] for o in items["table:shipments"]["origins"]} == {"ddl", "diesel"}
    assert {"source": "table:events", "target": "table:sessions", "kind": "foreign_key",
            "label": "session_id → sessions.id",
            "origin": {"source": "alembic", "line": 28,
                       "path": "reporting/alembic/versions/a81b44e0c2d9_add_sessions.py"}} in catalog["relationships"]
    assert catalog["problems"] == []
