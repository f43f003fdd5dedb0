"""Python adapter, feature by feature, on an ETL script with optional dependencies."""

from __future__ import annotations

import pytest

from flowscan.languages import adapter

from .trees import descendants, find, first_clean_context, parse

SCRIPT = r'''"""Nightly export of orders to the warehouse."""
import os
import os.path
import logging, sys
import xml.etree.ElementTree as ET
import numpy as np, polars
from sqlalchemy import create_engine, text as sql_text
from requests.adapters import (
    HTTPAdapter,
    Retry as RetryPolicy,
)
from . import settings
from .models import Order

try:
    import ujson as json
except ImportError:
    import json

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib


def export(customer):
    # imports inside functions are not file-wide
    import csv

    engine = create_engine(os.environ["WAREHOUSE_URL"])
    query = f"SELECT * FROM orders WHERE customer = '{customer}'"
    path = r"C:\exports\orders.csv"
    header = ("id,"
              "total\n")
    raw_bytes = b'\x00\x01'
    doc = """multi
line"""
    mixed = "prefix-" f"{customer}"
    frame = pd.read_sql(sql_text(query), engine)
    rows = np.asarray(frame.values)
    logging.getLogger(__name__).info("exported %d rows", len(rows))
    return ET.tostring(ET.Element("done")), json.dumps({"path": path, "header": header, "doc": doc})


handler = lambda event: export(event["customer"])
'''

python = adapter("python")


@pytest.fixture(scope="module")
def root():
    return parse(python, SCRIPT)


# --- imports ---------------------------------------------------------------------------


def test_imports_aliases_and_from_imports(root):
    table = python.imports(root)
    assert table["os"] == ("os",)
    assert table["logging"] == ("logging",)
    assert table["sys"] == ("sys",)
    assert table["ET"] == ("xml", "etree", "ElementTree")
    assert table["np"] == ("numpy",)
    assert table["polars"] == ("polars",)
    assert table["create_engine"] == ("sqlalchemy", "create_engine")
    assert table["sql_text"] == ("sqlalchemy", "text")
    assert table["HTTPAdapter"] == ("requests", "adapters", "HTTPAdapter")
    assert table["RetryPolicy"] == ("requests", "adapters", "Retry")


def test_imports_in_try_and_if_blocks_count(root):
    table = python.imports(root)
    # an alias names its module; a plain `import json` only binds a name not yet bound
    assert table["json"] == ("ujson",)
    assert table["tomllib"] == ("tomli",)


def test_relative_and_function_local_imports_are_not_bound(root):
    table = python.imports(root)
    assert "settings" not in table and "Order" not in table
    assert "csv" not in table
    assert "text" not in table and "Retry" not in table


def test_conventional_aliases_resolve_without_an_import(root):
    table = python.imports(root)
    assert "pd" not in table
    assert python.resolve(("pd", "read_sql"), table) == ("pandas", "read_sql")


# --- names -----------------------------------------------------------------------------


def test_qualified_names_of_identifiers_and_attributes(root):
    assert python.qualified_name(find(root, "identifier", "engine")) == ("engine",)
    assert python.qualified_name(find(root, "attribute", "os.environ")) == ("os", "environ")
    assert python.qualified_name(find(root, "attribute", "pd.read_sql")) == ("pd", "read_sql")
    assert python.qualified_name(find(root, "attribute", "frame.values")) == ("frame", "values")


def test_calls_and_subscripts_are_not_names(root):
    chained = find(root, "attribute", "logging.getLogger(__name__).info")
    assert python.qualified_name(chained) is None
    assert python.qualified_name(find(root, "call", "sql_text(query)")) is None
    assert python.qualified_name(find(root, "subscript", 'os.environ["WAREHOUSE_URL"]')) is None


def test_resolved_names(root):
    table = python.imports(root)

    def resolved(text: str) -> tuple[str, ...]:
        kind = "attribute" if "." in text else "identifier"
        return python.resolve(python.qualified_name(find(root, kind, text)), table)

    assert resolved("ET.tostring") == ("xml", "etree", "ElementTree", "tostring")
    assert resolved("sql_text") == ("sqlalchemy", "text")
    assert resolved("np.asarray") == ("numpy", "asarray")
    assert resolved("json.dumps") == ("ujson", "dumps")
    assert python.name_matches(("sqlalchemy", "text"), resolved("sql_text"))
    assert not python.name_matches(("text",), resolved("sql_text"))


# --- strings ---------------------------------------------------------------------------


def test_string_values(root):
    fstring = find(root, "string", "f\"SELECT * FROM orders WHERE customer = '{customer}'\"")
    assert python.string_value(fstring) == "SELECT * FROM orders WHERE customer = '{customer}'"
    raw = find(root, "string", r'r"C:\exports\orders.csv"')
    assert python.string_value(raw) == r"C:\exports\orders.csv"
    assert python.string_value(find(root, "string", r"b'\x00\x01'")) == r"\x00\x01"
    assert python.string_value(find(root, "string", '"""multi\nline"""')) == "multi\nline"
    assert python.string_value(find(root, "identifier", "query")) is None


def test_concatenated_strings_join_their_parts(root):
    parts = descendants(root, "concatenated_string")
    assert [python.string_value(node) for node in parts] == [r"id,total\n", "prefix-{customer}"]


def test_function_kinds(root):
    scopes = {root.type}
    for kind in ("function_definition", "lambda"):
        scopes |= {node.type for node in descendants(root, kind)}
    assert scopes == python.function_kinds


@pytest.mark.parametrize(
    "fragment",
    ["pd.read_sql(__FS_Q, __FS_C)", "def __FS_F(__FSS_):\n    __FSS_", "import __FS_M"],
)
def test_fragments_parse_at_top_level(fragment):
    assert first_clean_context(python, fragment) == 0
