"""MariaDB, live: a throw-away server with the shop of fixtures/mariadb_shop.sql."""

from __future__ import annotations

import socket

import orjson
import pytest
from conftest import MariaDB
from flowscan.catalog.model import Catalog, Field, Index, Item
from flowscan.catalog.serialize import catalog_from_data
from flowscan.introspect import introspect, mysql
from flowscan.introspect.dsn import parse_dsn
from introspect_cli import assert_refused, flowscan, flowscan_each


@pytest.fixture(scope="module")
def shop(mariadb_server: MariaDB) -> Catalog:
    return introspect(mariadb_server.dsn())


def item(catalog: Catalog, item_id: str) -> Item:
    found = catalog.item(item_id)
    assert found is not None, sorted(i.id for i in catalog.items)
    return found


def test_the_dsns_database_is_read_with_bare_names(shop: Catalog) -> None:
    assert sorted((i.type, i.name) for i in shop.items) == [
        ("table", "audit_log"), ("table", "customers"), ("table", "order_items"), ("table", "orders"),
        ("view", "open_orders"),
    ]
    assert {o.source for i in shop.items for o in i.origins} == {"mariadb"}


def test_columns_are_typed_as_the_server_spells_them(shop: Catalog) -> None:
    customers = item(shop, "table:customers")
    assert customers.description == "People who placed at least one order"
    assert customers.fields == (
        Field("id", "bigint(20) unsigned", nullable=False, primary_key=True),
        Field("email", "varchar(190)", nullable=False, unique=True),
        Field("full_name", "varchar(120)", nullable=True),
        Field("country", "char(2)", nullable=False, default="'DE'"),
        Field("created_at", "datetime", nullable=False, default="current_timestamp()"),
    )
    orders = item(shop, "table:orders")
    status = next(f for f in orders.fields if f.name == "status")
    assert (status.type, status.default) == ("enum('new','paid','shipped')", "'new'")
    assert next(f for f in orders.fields if f.name == "total").description == "Gross, in EUR"
    assert orders.indexes == (Index("orders_customer_placed_idx", ("customer_id", "placed_at")),)
    assert Index("customers_email_uq", ("email",), unique=True) in customers.indexes


def test_foreign_keys(shop: Catalog) -> None:
    assert sorted((r.source, r.target, r.label) for r in shop.relationships) == [
        ("table:order_items", "table:orders", "order_id → id"),
        ("table:orders", "table:customers", "customer_id → id"),
    ]
    assert next(f for f in item(shop, "table:order_items").fields if f.name == "order_id").references == "orders.id"


def test_a_broken_view_is_a_problem_not_a_failure(shop: Catalog, mariadb_server: MariaDB) -> None:
    assert [(p.path, p.line, p.message) for p in shop.problems] == [(
        f"mariadb://flowscan_reader:***@127.0.0.1:{mariadb_server.port}/shop", 1,
        "cannot read view shop.promotion_report: View 'shop.promotion_report' references invalid table(s) or "
        "column(s) or function(s) or definer/invoker of view lack rights to use them (error 1356)",
    )]


def test_statistics_from_information_schema(shop: Catalog) -> None:
    orders = item(shop, "table:orders")
    assert orders.fact("engine") == "InnoDB"
    assert 400 <= int(orders.fact("row_estimate") or 0) <= 600  # InnoDB samples: an estimate
    assert int(orders.fact("size_bytes") or 0) >= 2 * 16384  # clustered index and one secondary
    assert orders.fact("update_time") is not None
    audit = item(shop, "table:audit_log")
    assert (audit.fact("engine"), audit.fact("row_estimate")) == ("MyISAM", "50")  # MyISAM counts exactly
    assert item(shop, "table:open_orders").facts == ()


def test_without_a_database_every_user_database_is_read(mariadb_server: MariaDB) -> None:
    catalog = introspect(mariadb_server.dsn(database=""))
    names = sorted(i.name for i in catalog.items)
    assert names == ["analytics.customer_segments", "analytics.daily_sales", "shop.audit_log", "shop.customers",
                     "shop.open_orders", "shop.order_items", "shop.orders"]
    assert ("table:analytics.customer_segments", "table:shop.customers") in {
        (r.source, r.target) for r in catalog.relationships}
    segments = catalog.item("table:analytics.customer_segments")
    assert segments is not None and segments.fact("row_estimate") == "200"


def test_the_session_refuses_writes_even_for_root(mariadb_server: MariaDB) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    target = parse_dsn(mariadb_server.dsn("root"))
    with mysql.connect(target, 4.0) as connection:
        assert connection.execute(text("SELECT @@session.tx_read_only")).scalar() == 1
        assert connection.execute(text("SELECT @@session.max_statement_time")).scalar() == 4.0
        with pytest.raises(DBAPIError) as refused:
            connection.execute(text("INSERT INTO shop.audit_log (action, at) VALUES ('intrude', NOW())"))
        assert refused.value.orig is not None and refused.value.orig.args[0] == 1792  # ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION
    with mysql.connect(target, 4.0) as connection:
        assert connection.execute(text("SELECT count(*) FROM shop.audit_log")).scalar() == 50


def test_a_slow_statement_is_stopped_at_the_timeout(mariadb_server: MariaDB) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    target = parse_dsn(mariadb_server.dsn())
    with mysql.connect(target, 0.3) as connection, pytest.raises(DBAPIError) as stopped:
        connection.execute(text("SELECT SLEEP(5) FROM shop.customers"))
    assert mysql.explain(stopped.value.orig, target, 0.3) == (
        f"MariaDB/MySQL at 127.0.0.1:{mariadb_server.port} stopped a catalog query after 0.3 s: raise --timeout")


def test_json_through_the_cli_with_the_mysql_scheme(mariadb_server: MariaDB, shop: Catalog) -> None:
    ran = flowscan("introspect", mariadb_server.dsn(scheme="mysql+pymysql"), "--format", "json")
    assert ran.code == 0, ran.stderr
    assert "Maria:Reader" not in ran.stdout and "Maria%3AReader" not in ran.stdout
    again = catalog_from_data(orjson.loads(ran.stdout))
    assert [(i.name, i.fields) for i in again.items] == [(i.name, i.fields) for i in shop.items]
    assert again.problems == tuple(
        p.__class__(p.path.replace("mariadb://", "mysql+pymysql://"), p.line, p.column, p.message) for p in shop.problems)


def test_each_failure_is_one_line_of_words(mariadb_server: MariaDB) -> None:
    port = mariadb_server.port
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        closed_port = closed.getsockname()[1]
    secret = "wr0ng-Maria-pw"
    cases = [
        (mariadb_server.dsn(password=secret),
         f"MariaDB/MySQL at 127.0.0.1:{port} refused the credentials of user 'flowscan_reader' (access denied)"),
        (mariadb_server.dsn("root", database="no_such_db"), f"MariaDB/MySQL at 127.0.0.1:{port} has no database 'no_such_db'"),
        (mariadb_server.dsn("intern", database="analytics"),
         f"user 'intern' may not read database 'analytics' on MariaDB/MySQL at 127.0.0.1:{port}"),
        (f"mariadb://app:{secret}@127.0.0.1:{closed_port}/shop",
         f"cannot connect to MariaDB/MySQL at 127.0.0.1:{closed_port}: connection refused"),
        (f"mysql://app:{secret}@no-such-host.invalid/shop", "cannot connect to MariaDB/MySQL: unknown host 'no-such-host.invalid'"),
    ]
    runs = flowscan_each([["introspect", dsn, "--timeout", "2"] for dsn, _ in cases])
    for ran, (_, expected) in zip(runs, cases):
        assert_refused(ran, expected, secret, mariadb_server.intern_password, mariadb_server.reader_password)
