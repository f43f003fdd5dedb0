"""A rule names a qualified name once; code reaches it through its language's imports."""

from __future__ import annotations

from snippets import lines, run

GO_RULE = '''
rule t.go.open {
  language go
  role connection
  kind database
  match `sql.Open($DRIVER, $DSN)`
  message "{DRIVER}"
}
rule t.go.reader {
  language go
  role source
  kind stream
  match `kafka.NewReader($$$)`
}
'''

GO_CODE = '''
package store

import (
	dbsql "database/sql"
	"os"

	"github.com/jmoiron/sqlx"
	kafka "github.com/segmentio/kafka-go"
)

func Open() (*dbsql.DB, error) {
	return dbsql.Open("postgres", os.Getenv("DATABASE_URL"))
}

func OpenX() (*sqlx.DB, error) {
	return sqlx.Open("postgres", "dsn")
}

func Reader() *kafka.Reader {
	return kafka.NewReader(kafka.ReaderConfig{Topic: "order-events"})
}
'''


def test_go_import_paths_with_aliases():
    findings = run(GO_RULE, GO_CODE, "go")
    assert lines(findings, "t.go.open") == [13]  # not sqlx.Open on line 17
    assert findings[0].message == "postgres"
    assert lines(findings, "t.go.reader") == [21]


JAVA_RULE = '''
rule t.java.connect {
  language java
  role connection
  kind database
  match `java.sql.DriverManager.getConnection($URL, $$$)`
}
'''

JAVA_CODE = '''
package shop.billing;

import java.sql.DriverManager;
import static java.sql.DriverManager.getConnection;

class Connections {
    Connection imported(String url) throws SQLException {
        return DriverManager.getConnection(url);
    }

    Connection fullyQualified(String url) throws SQLException {
        return java.sql.DriverManager.getConnection(url, "billing", secret());
    }

    Connection staticImport(String url) throws SQLException {
        return getConnection(url);
    }

    Connection other(Pool pool) {
        return pool.getConnection();
    }
}
'''


def test_java_imports_static_imports_and_fully_qualified_names():
    assert lines(run(JAVA_RULE, JAVA_CODE, "java")) == [9, 13, 17]


RUST_RULE = '''
rule t.rust.query {
  language rust
  role source
  kind database
  match `sqlx::query($SQL)`
  message "{SQL}"
}
rule t.rust.open {
  language rust
  role source
  kind file
  match `std::fs::File::open($PATH)`
}
'''

RUST_CODE = '''
use std::fs::{self, File};
use sqlx::{query, PgPool};

async fn load(pool: &PgPool) -> anyhow::Result<()> {
    let rows = query("SELECT id FROM orders").fetch_all(pool).await?;
    let again = sqlx::query("SELECT 1").fetch_one(pool).await?;
    let f = File::open("orders.csv")?;
    let g = fs::File::open("more.csv")?;
    let url = reqwest::Url::parse("http://x")?.query();
    Ok(())
}
'''


def test_rust_use_declarations_and_full_paths():
    findings = run(RUST_RULE, RUST_CODE, "rust")
    assert lines(findings, "t.rust.query") == [6, 7]
    assert lines(findings, "t.rust.open") == [8, 9]
