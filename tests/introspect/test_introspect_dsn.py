"""DSNs: which database each spelling names, what is shown of it, and the refusals in words."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from flowscan.introspect import IntrospectionError, introspect
from flowscan.introspect.dsn import parse_dsn


@pytest.mark.parametrize(
    ("dsn", "kind", "host", "port", "database"),
    [
        ("postgresql://app:pw@db.internal:6432/shop", "postgresql", "db.internal", 6432, "shop"),
        ("postgres://app@db/shop?sslmode=require", "postgresql", "db", None, "shop"),
        ("postgresql+psycopg://app:pw@127.0.0.1/shop", "postgresql", "127.0.0.1", None, "shop"),
        ("postgresql+psycopg2://app:pw@127.0.0.1/shop", "postgresql", "127.0.0.1", None, "shop"),
        ("mysql://app:pw@mysql:3307/shop", "mysql", "mysql", 3307, "shop"),
        ("mariadb://app:pw@maria/", "mysql", "maria", None, None),
        ("mysql+pymysql://app:pw@maria/shop?charset=utf8mb4", "mysql", "maria", None, "shop"),
        ("redis://:pw@cache:6380/2", "redis", "cache", 6380, "2"),
        ("rediss://default:pw@cache", "redis", "cache", None, "0"),
        ("redis://cache/?db=4", "redis", "cache", None, "4"),
    ],
)
def test_each_scheme_names_its_database(dsn: str, kind: str, host: str, port: int | None, database: str | None) -> None:
    target = parse_dsn(dsn)
    assert (target.kind, target.host, target.port, target.database) == (kind, host, port, database)


def test_credentials_are_decoded_and_never_shown() -> None:
    target = parse_dsn("postgresql://app%40corp:p%40ss%2Fw%23rd@db:5432/shop")
    assert (target.username, target.password) == ("app@corp", "p@ss/w#rd")
    assert target.display == "postgresql://app%40corp:***@db:5432/shop"
    assert "p%40ss" not in repr(target) and "p@ss" not in repr(target)


def test_a_password_in_the_query_is_masked_too() -> None:
    target = parse_dsn("postgresql://app@db/shop?password=hunter2&sslmode=require")
    assert "hunter2" not in target.display
    assert "sslmode=require" in target.display


def test_an_unencoded_at_sign_in_the_password_still_parses() -> None:
    target = parse_dsn("mysql://app:p@ss@db/shop")
    assert (target.password, target.host) == ("p@ss", "db")
    assert "p@ss" not in target.display


def test_an_unencoded_slash_in_the_password_is_refused_without_showing_any_of_it() -> None:
    with pytest.raises(IntrospectionError) as refused:
        introspect("postgresql://app:hun/ter2@db/shop")
    assert str(refused.value).startswith("malformed DSN postgresql://app:***@db/shop: ")
    assert "hun" not in str(refused.value) and "ter2" not in str(refused.value)


@pytest.mark.parametrize(
    ("dsn", "expected"),
    [
        ("mongodb://app:pw@mongo:27017/shop", "MongoDB introspection is not supported yet"),
        ("mongodb+srv://app:pw@cluster0.example.net/shop", "MongoDB introspection is not supported yet"),
        ("oracle://scott:tiger@db/orcl", "unsupported scheme 'oracle://'"),
        ("", "the DSN is empty"),
        ("host=db dbname=shop user=app password=hunter2", "write it as a URL"),
        ("postgresql://app:hunter2@db:54x2/shop", "the port is not a number"),
        ("postgresql://app:hunter2@db:99999/shop", "the port is not a number"),
        ("mysql://app:hunter2@db/shop/extra", "has a '/' in it"),
        ("redis://:hunter2@cache/first", "the Redis database 'first' is not a number"),
        ("sqlite://", "in-memory SQLite database"),
        ("sqlite:///:memory:", "in-memory SQLite database"),
        ("just-words", "is not a DSN (no scheme://) nor an existing SQLite file"),
    ],
)
def test_refusals_say_why_in_words(dsn: str, expected: str) -> None:
    with pytest.raises(IntrospectionError) as refused:
        introspect(dsn)
    assert expected in str(refused.value)
    assert "hunter2" not in str(refused.value)


@pytest.mark.parametrize(
    ("dsn", "expected"),
    [
        ("postgresql://app:hunter2@127.0.0.1:1/shop?sslmode=bogus",
         'PostgreSQL at 127.0.0.1:1: invalid sslmode value: "bogus"'),
        ("postgresql://app:hunter2@127.0.0.1:1/shop?colour=blue", 'PostgreSQL at 127.0.0.1:1: invalid connection option "colour"'),
        ("mysql://app:hunter2@127.0.0.1:1/shop?colour=blue", "unknown option colour in the DSN mysql://app:***@127.0.0.1:1/shop"),
        ("mysql://app:hunter2@127.0.0.1:1/shop?charset=klingon", "unknown charset 'klingon'"),
        ("mysql://app:hunter2@127.0.0.1:1/shop?compress=maybe", "the DSN's options were refused: String is not true/false"),
        ("mysql://app:hunter2@127.0.0.1:1/shop?ssl_ca=/no/such/ca.pem", "the DSN's options were refused: [Errno 2]"),
        ("redis://:hunter2@127.0.0.1:1/0?colour=blue", "was refused by the Redis client: unknown option colour"),
        ("redis://:hunter2@127.0.0.1:1/0?socket_timeout=soon", "Invalid value for 'socket_timeout'"),
        ("postgresql://app:hunter2@[::1/shop", "malformed DSN postgresql://app:***@[::1/shop: Invalid IPv6 URL"),
        ("postgresql://app:hunter2@[::1]:1/shop", "PostgreSQL at [::1]:1"),  # IPv6 shown in brackets
    ],
)
def test_options_a_driver_refuses_are_named_before_any_connection(dsn: str, expected: str) -> None:
    with pytest.raises(IntrospectionError) as refused:
        introspect(dsn, timeout_seconds=2)
    assert expected in str(refused.value)
    assert "hunter2" not in str(refused.value)


def test_sqlite_spellings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sqlite3

    database = tmp_path / "app.sqlite3"
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE notes (body TEXT)")
    connection.close()
    assert parse_dsn(f"sqlite:///{database}").path == database  # sqlite:////absolute/path
    monkeypatch.chdir(tmp_path)
    assert parse_dsn("sqlite:///app.sqlite3").path == Path("app.sqlite3")
    assert parse_dsn("app.sqlite3").path == Path("app.sqlite3")
    # any suffix, when the file starts like a SQLite database
    renamed = tmp_path / "data.bin"
    database.rename(renamed)
    assert parse_dsn(str(renamed)).kind == "sqlite"


def test_a_missing_or_foreign_sqlite_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(IntrospectionError, match="no SQLite database at .*missing.db: the file does not exist"):
        introspect(str(tmp_path / "missing.db"))
    assert not (tmp_path / "missing.db").exists()
    (tmp_path / "notes.txt").write_text("not a database")
    with pytest.raises(IntrospectionError, match="notes.txt is not a SQLite database file"):
        introspect(str(tmp_path / "notes.txt"))
    (tmp_path / "folder.db").mkdir()
    with pytest.raises(IntrospectionError, match="is a folder"):
        introspect(str(tmp_path / "folder.db"))


def test_a_timeout_must_be_positive() -> None:
    with pytest.raises(IntrospectionError, match="positive number of seconds"):
        introspect("redis://cache", timeout_seconds=0)


@pytest.mark.parametrize(
    ("module", "dsn", "extra"),
    [
        ("psycopg", "postgresql://app:pw@127.0.0.1:1/shop", "flowscan[postgres] to introspect PostgreSQL"),
        ("pymysql", "mysql://app:pw@127.0.0.1:1/shop", "flowscan[mysql] to introspect MariaDB/MySQL"),
        ("redis", "redis://127.0.0.1:1/0", "flowscan[redis] to introspect Redis"),
        ("sqlalchemy", "postgresql://app:pw@127.0.0.1:1/shop", "flowscan[postgres] to introspect PostgreSQL"),
    ],
)
def test_a_missing_driver_names_the_extra(monkeypatch: pytest.MonkeyPatch, module: str, dsn: str, extra: str) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # `import module` now raises ImportError
    with pytest.raises(IntrospectionError) as refused:
        introspect(dsn)
    assert str(refused.value) == f"install {extra}"
