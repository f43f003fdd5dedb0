"""Rust adapter, feature by feature, on an axum + sqlx repository module."""

from __future__ import annotations

import pytest

from flowscan.languages import adapter

from .trees import descendants, errors, find, first_clean_context, parse, parses_in_context

MODULE = r'''//! Order storage: Postgres through sqlx, exports to disk.

use std::collections::HashMap as Map;
use std::fs::{self, File};
use std::io::{prelude::*, BufWriter};
use std::{env, path::{Path, PathBuf}};
use sqlx::{self, postgres::{PgPool, PgPoolOptions}, query, query_as as qa};
use axum::extract::Query;
use crate::config::Settings;
use super::models::Order;
use self::export::write_csv;
use serde_json;
use tokio::io::*;
use std::io::Error as _;

/// Loads one customer's orders.
pub async fn load(pool: &PgPool, customer: &str) -> Result<Vec<Order>, sqlx::Error> {
    let by_id = query("SELECT * FROM orders WHERE customer = $1")
        .bind(customer)
        .fetch_all(pool)
        .await?;
    let typed: Vec<Order> = sqlx::query_as::<_, Order>(r#"SELECT * FROM orders WHERE note = "x""#)
        .fetch_all(pool)
        .await?;
    let unsafe_sql = format!("SELECT * FROM orders WHERE customer = '{}'", customer);
    let raw = sqlx::query(&unsafe_sql).execute(pool).await?;
    let counts: Map<String, i64> = Map::new();
    let _ = (by_id, raw, counts, qa::<_, Order>(b"SELECT 1"));
    Ok(typed)
}

/* Writes an export next to the configured directory. */
pub fn export(settings: &Settings, orders: &[Order]) -> std::io::Result<()> {
    let dir = PathBuf::from(env::var("EXPORT_DIR").unwrap_or_default());
    fs::create_dir_all(&dir)?;
    let mut out = BufWriter::new(File::create(dir.join("orders.csv"))?);
    let header = File::open(Path::new(&settings.header_path))?;
    let _ = (header, orders.iter().map(|o| o.id).count());
    out.write_all(br"id,total\n")?;
    Ok(())
}

mod export {
    use std::io::Write;

    pub fn write_csv<W: Write>(mut w: W, rows: &[String]) -> std::io::Result<()> {
        for row in rows {
            writeln!(w, "{}", row)?;
        }
        Ok(())
    }
}

impl Settings {
    pub fn pool(&self) -> Vec<u8> {
        self.cache.entries.get("pool").cloned().unwrap_or_default()
    }
}
'''

rust = adapter("rust")


@pytest.fixture(scope="module")
def root():
    return parse(rust, MODULE)


# --- imports ---------------------------------------------------------------------------


def test_use_trees_bind_every_leaf(root):
    assert rust.imports(root) == {
        "Map": ("std", "collections", "HashMap"),
        "fs": ("std", "fs"),
        "File": ("std", "fs", "File"),
        "BufWriter": ("std", "io", "BufWriter"),
        "env": ("std", "env"),
        "Path": ("std", "path", "Path"),
        "PathBuf": ("std", "path", "PathBuf"),
        "sqlx": ("sqlx",),
        "PgPool": ("sqlx", "postgres", "PgPool"),
        "PgPoolOptions": ("sqlx", "postgres", "PgPoolOptions"),
        "query": ("sqlx", "query"),
        "qa": ("sqlx", "query_as"),
        "Query": ("axum", "extract", "Query"),
        "Settings": ("crate", "config", "Settings"),
        "Order": ("super", "models", "Order"),
        "write_csv": ("self", "export", "write_csv"),
        "serde_json": ("serde_json",),
        # from `mod export`: inner modules' uses count, the outer binding wins
        "Write": ("std", "io", "Write"),
    }


def test_globs_and_underscore_aliases_bind_nothing(root):
    table = rust.imports(root)
    assert "*" not in table and "prelude" not in table and "_" not in table
    assert ("tokio", "io") not in table.values()


def test_a_use_inside_a_function_counts():
    inner = parse(rust, "fn main() {\n    use std::fs::read_to_string as slurp;\n}\n")
    assert rust.imports(inner) == {"slurp": ("std", "fs", "read_to_string")}


# --- names -----------------------------------------------------------------------------


def test_qualified_names_of_paths_and_types(root):
    assert rust.qualified_name(find(root, "scoped_identifier", "sqlx::query")) == ("sqlx", "query")
    assert rust.qualified_name(find(root, "scoped_identifier", "File::open")) == ("File", "open")
    assert rust.qualified_name(find(root, "identifier", "query")) == ("query",)
    assert rust.qualified_name(find(root, "type_identifier", "Order")) == ("Order",)
    assert rust.qualified_name(find(root, "scoped_type_identifier", "sqlx::Error")) == (
        "sqlx",
        "Error",
    )
    assert rust.qualified_name(find(root, "scoped_identifier", "crate::config::Settings")) == (
        "crate",
        "config",
        "Settings",
    )
    assert rust.qualified_name(find(root, "field_expression", "settings.header_path")) == (
        "settings",
        "header_path",
    )
    assert rust.qualified_name(find(root, "field_expression", "self.cache.entries")) == (
        "self",
        "cache",
        "entries",
    )


def test_generics_name_their_base(root):
    # turbofish and type arguments are not part of the name
    turbofish = find(root, "generic_function", "sqlx::query_as::<_, Order>")
    assert rust.qualified_name(turbofish) == ("sqlx", "query_as")
    assert rust.qualified_name(find(root, "generic_type", "Map<String, i64>")) == ("Map",)
    assert rust.qualified_name(find(root, "scoped_identifier", "Map::new")) == ("Map", "new")
    assert rust.qualified_name(find(root, "generic_function", "qa::<_, Order>")) == ("qa",)


def test_calls_and_other_expressions_are_not_names(root):
    call = find(root, "call_expression", 'env::var("EXPORT_DIR")')
    assert rust.qualified_name(call) is None
    assert call.child_by_field_name("function").type == "scoped_identifier"
    assert call.child_by_field_name("arguments").type == "arguments"
    method = find(root, "field_expression", "sqlx::query(&unsafe_sql).execute")
    assert rust.qualified_name(method) is None
    assert rust.qualified_name(find(root, "macro_invocation", "writeln!(w, \"{}\", row)")) is None
    assert rust.qualified_name(parse(rust, "fn f() { <T as Tr>::m(); }").child(0)) is None


def test_method_calls_are_call_expressions_on_field_expressions(root):
    call = find(root, "call_expression", "dir.join(\"orders.csv\")")
    callee = call.child_by_field_name("function")
    assert callee.type == "field_expression"
    assert callee.child_by_field_name("value").text == b"dir"
    assert callee.child_by_field_name("field").type == "field_identifier"


def test_resolved_names_match_by_trailing_segments(root):
    table = rust.imports(root)

    def resolved(kind: str, text: str) -> tuple[str, ...]:
        return rust.resolve(rust.qualified_name(find(root, kind, text)), table)

    opened = resolved("scoped_identifier", "File::open")
    assert opened == ("std", "fs", "File", "open")
    assert rust.name_matches(("File", "open"), opened)
    assert rust.name_matches(("std", "fs", "File", "open"), opened)
    assert rust.name_matches(("sqlx", "query"), resolved("identifier", "query"))
    assert rust.name_matches(("sqlx", "query"), resolved("scoped_identifier", "sqlx::query"))
    assert rust.name_matches(("sqlx", "query_as"), resolved("generic_function", "qa::<_, Order>"))
    created = resolved("scoped_identifier", "fs::create_dir_all")
    assert rust.name_matches(("fs", "create_dir_all"), created)
    assert rust.name_matches(("HashMap", "new"), resolved("scoped_identifier", "Map::new"))

    assert not rust.name_matches(("File", "create"), opened)
    assert not rust.name_matches(("tokio", "fs", "File", "open"), opened)
    assert not rust.name_matches(("sqlx", "query"), resolved("scoped_identifier", "sqlx::query_as"))


# --- strings and comments --------------------------------------------------------------


def test_string_values(root):
    plain = find(root, "string_literal", '"SELECT * FROM orders WHERE customer = $1"')
    assert rust.string_value(plain) == "SELECT * FROM orders WHERE customer = $1"
    raw = find(root, "raw_string_literal", 'r#"SELECT * FROM orders WHERE note = "x""#')
    assert rust.string_value(raw) == 'SELECT * FROM orders WHERE note = "x"'
    assert rust.string_value(find(root, "string_literal", 'b"SELECT 1"')) == "SELECT 1"
    assert rust.string_value(find(root, "raw_string_literal", r'br"id,total\n"')) == r"id,total\n"
    assert rust.string_value(find(root, "identifier", "customer")) is None


@pytest.mark.parametrize(
    ("literal", "value"),
    [
        (r'"a\"b\n"', r"a\"b\n"),
        ('""', ""),
        ('r""', ""),
        ('r"C:\\dir"', "C:\\dir"),
        ('r##"a "# b"##', 'a "# b'),
        ('c"nul"', "nul"),
    ],
)
def test_string_value_edge_cases(literal, value):
    statement = parse(rust, f"fn f() {{ let s = {literal}; }}")
    node = next(n for kind in rust.string_kinds for n in descendants(statement, kind))
    assert rust.string_value(node) == value


def test_comment_kinds(root):
    comments = [n for kind in rust.comment_kinds for n in descendants(root, kind)]
    assert {n.type for n in comments} == {"line_comment", "block_comment"}
    # doc comments are line comments with a doc_comment child
    assert any(child.type == "doc_comment" for n in comments for child in n.children)


def test_function_kinds_are_the_scopes_of_statements(root):
    scopes = {root.type}
    for kind in ("function_item", "closure_expression"):
        scopes |= {node.type for node in descendants(root, kind)}
    assert scopes == rust.function_kinds


# --- pattern contexts ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fragment", "context"),
    [
        ("sqlx::query(__FS_Q)", 0),
        ("File::open(__FS_P)?", 0),
        ("__FS_C.execute(__FS_Q).await?", 0),
        ("let __FS_X = std::env::var(__FS_K)?;", 0),
        ("sqlx::query_as::<_, __FS_T>(__FS_Q)", 0),
        ('format!("{}", __FS_X)', 0),
        ("if let Some(__FS_X) = __FS_O { __FSS_ }", 0),
        ("fn __FS_F(__FSS_) { __FSS_ }", 0),
        ("use sqlx::query;", 0),
        ("#[get(__FS_P)] async fn __FS_F(__FSS_) -> __FS_R { __FSS_ }", 0),
        ("impl __FS_T { fn __FS_M(&self) { __FSS_ } }", 0),
        ("struct __FS_S { __FS_F: __FS_T }", 0),
    ],
)
def test_fragments_parse_in_the_first_fitting_context(fragment, context):
    assert first_clean_context(rust, fragment) == context


def test_every_context_parses_some_typical_fragment():
    typical = ["File::open(__FS_P)?", "let __FS_X = __FS_E;", "use std::fs::{self, File};"]
    for context, fragment in zip(rust.pattern_contexts, typical, strict=True):
        assert parses_in_context(rust, context, fragment) == []


def test_an_expression_is_no_item_at_top_level():
    # why a function body comes first
    top_level = rust.pattern_contexts[-1]
    assert parses_in_context(rust, top_level, "File::open(__FS_P)?")
    assert parses_in_context(rust, top_level, "use sqlx::query;") == []


def test_bare_multi_placeholder_items_leave_only_placeholder_errors():
    # `impl $T { $$$ }`: a bare identifier is no item; the engine must tolerate the ERROR
    assert first_clean_context(rust, "impl __FS_T { __FSS_ }") is None
    tree = rust.parse(b"impl __FS_T { __FSS_ }").root_node
    assert errors(tree) == ["ERROR b'__FSS_'"]
