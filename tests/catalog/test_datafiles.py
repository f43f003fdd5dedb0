"""Data files in the catalog: CSV/TSV, JSON, JSON Lines, Parquet, Avro, XML, and partitioned folders.

The fixtures under fixtures/datafiles are a small analytics repository: a dbt seed, a
European semicolon export in latin-1, a headerless click log, an API dump, an event log
with one broken line, an XML export, a Hive-partitioned Parquet table written by Spark,
a numbered series of daily CSVs, a Parquet and an Avro file, and the configs (package.json,
tsconfig.json, logback.xml, a JSON Schema) that must not be taken for data. The Parquet
and Avro fixtures are committed; fixtures/datafiles/generate_binary.py wrote them.
Inputs about limits (huge, compressed, broken, hostile) are generated in tmp_path.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from flowscan.catalog.files import named
from flowscan.catalog.build import build_catalog
from flowscan.catalog.files import CatalogFile
from flowscan.catalog.model import Catalog, Field, Item, Origin, Problem
from flowscan.catalog.readers import datafiles
from flowscan.catalog.readers.columnar import MissingExtras
from flowscan.catalog.readers.datafiles import READERS, claims, data_format
from flowscan.catalog.readers.datasample import (
    Reading,
    Sample,
    decode,
    sample_bytes,
    scalar_type,
)

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures" / "datafiles"
SHOWN = "tests/catalog/fixtures/datafiles"


@pytest.fixture(scope="module")
def catalog() -> Iterator[Catalog]:
    here = os.getcwd()
    os.chdir(ROOT)
    try:
        yield build_catalog([FIXTURES], chosen=READERS)
    finally:
        os.chdir(here)


def _item(catalog: Catalog, type_: str, path: str) -> Item:
    item = catalog.item(f"file:{SHOWN}/{path}")
    assert item is not None, sorted(i.id for i in catalog.items)
    assert item.type == type_
    return item


def _fields(item: Item) -> dict[str, Field]:
    return {f.name: f for f in item.fields}


def _read(tmp_path: Path, name: str, content: bytes | str) -> tuple[list[Item], list[Problem]]:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return _read_folder(tmp_path)


def _read_folder(folder: Path) -> tuple[list[Item], list[Problem]]:
    files = sorted((CatalogFile(p, p.relative_to(folder).as_posix(), p.stat().st_size)
                    for p in folder.rglob("*") if p.is_file() and claims(named(p.relative_to(folder).as_posix()))),
                   key=lambda f: f.display_path)
    part = datafiles.read(files)
    return list(part.items), list(part.problems)


# --- CSV ------------------------------------------------------------------------------


def test_a_seed_csv_with_a_header_has_typed_columns_on_the_header_line(catalog: Catalog) -> None:
    orders = _item(catalog, "file", "seeds/orders.csv")

    assert orders.origins == (Origin("csv", f"{SHOWN}/seeds/orders.csv", 1),)
    assert [(f.name, f.type) for f in orders.fields] == [
        ("order_id", "integer"), ("customer_id", "string"), ("order_date", "date"), ("status", "string"),
        ("amount", "decimal"), ("is_gift", "boolean"), ("shipped_at", "timestamp"), ("notes", "string"),
    ]
    fields = _fields(orders)
    # empty cells and NULL make a column nullable; the whole file was read, so the others are known not to be
    assert fields["shipped_at"].nullable is True and fields["notes"].nullable is True
    assert fields["order_id"].nullable is False
    assert {f.line for f in orders.fields} == {1}
    # the quoted note spanning two lines is one record: 8 orders
    assert dict(orders.facts) | {"size_bytes": "-"} == {
        "format": "csv", "size_bytes": "-", "encoding": "utf-8", "delimiter": "comma", "header": "yes",
        "columns": "8", "sampled_rows": "8", "sampled": "whole file"}


def test_a_european_export_is_semicolon_separated_latin1_with_decimal_commas(catalog: Catalog) -> None:
    export = _item(catalog, "file", "exports/kunden_export.csv")

    assert export.fact("delimiter") == "semicolon" and export.fact("encoding") == "latin-1"
    assert export.fact("decimal_separator") == "comma"
    fields = _fields(export)
    assert list(fields) == ["Kundennummer", "Name", "Straße", "PLZ", "Ort", "Umsatz 2023", "Letzter Kauf", "Aktiv"]
    assert fields["Kundennummer"].type == "integer"
    # Dresden's 01067: a postcode with a leading zero is an identifier, not a number
    assert fields["PLZ"].type == "string"
    assert (fields["Umsatz 2023"].type, fields["Umsatz 2023"].nullable) == ("decimal", True)
    assert (fields["Letzter Kauf"].type, fields["Letzter Kauf"].nullable) == ("date", True)


def test_a_headerless_tsv_gets_numbered_columns_from_its_first_record(catalog: Catalog) -> None:
    clicks = _item(catalog, "file", "logs/clickstream.tsv")

    assert clicks.fact("header") == "no" and clicks.fact("delimiter") == "tab"
    assert [(f.name, f.type, f.nullable) for f in clicks.fields] == [
        ("column_1", "timestamp", False), ("column_2", "string", False), ("column_3", "string", False),
        ("column_4", "string", False), ("column_5", "integer", True)]
    assert clicks.fact("sampled_rows") == "6"


def test_a_txt_file_is_data_only_when_it_clearly_is_a_table(catalog: Catalog) -> None:
    extract = _item(catalog, "file", "exports/inventory_extract.txt")
    assert extract.fact("delimiter") == "pipe"
    assert [(f.name, f.type) for f in extract.fields] == [
        ("id", "integer"), ("sku", "string"), ("warehouse", "string"), ("on_hand", "integer"), ("last_counted", "date")]
    # prose with commas in it is not a table
    assert catalog.item(f"file:{SHOWN}/exports/release_notes.txt") is None


@pytest.mark.parametrize(("text", "header", "first"), [
    ("x,y\n1.5,2.25\n3.0,4.5\n", "yes", ("x", "decimal")),  # `y` reads as "yes"; a boolean proves nothing
    ("city,country\nParis,France\nLyon,France\n", "yes", ("city", "string")),  # all text: names make a header
    ("shipped,1\nshipped,2\npending,3\n", "no", ("column_1", "string")),  # first-row words recur below
    ("2024-01-01,10\n2024-01-02,11\n", "no", ("column_1", "date")),
    (",name,age\n0,Ada,36\n1,Alan,41\n", "yes", ("column_1", "integer")),  # pandas' unnamed index column
])
def test_header_detection(tmp_path: Path, text: str, header: str, first: tuple[str, str]) -> None:
    (item,), problems = _read(tmp_path, "data.csv", text)
    assert problems == []
    assert item.fact("header") == header
    assert (item.fields[0].name, item.fields[0].type) == first


def test_an_excel_sep_line_names_the_delimiter_and_the_header_is_on_line_2(tmp_path: Path) -> None:
    (item,), _ = _read(tmp_path, "export.csv", "sep=;\r\nid;amount\r\n1;2,50\r\n2;3,75\r\n")
    assert item.fact("delimiter") == "semicolon" and item.origins[0].line == 2
    assert [(f.name, f.type, f.line) for f in item.fields] == [("id", "integer", 2), ("amount", "decimal", 2)]


def test_utf16_with_a_bom_as_excel_saves_unicode_text(tmp_path: Path) -> None:
    (item,), _ = _read(tmp_path, "report.csv", "Name\tAmount\r\nÄrzte\t1\r\nBäcker\t2\r\n".encode("utf-16"))
    assert item.fact("encoding") == "utf-16le (BOM)" and item.fact("delimiter") == "tab"
    assert [(f.name, f.type) for f in item.fields] == [("Name", "string"), ("Amount", "integer")]


def test_ragged_records_are_problems_at_their_lines_and_their_missing_cells_are_empty(tmp_path: Path) -> None:
    (item,), problems = _read(tmp_path, "ragged.csv", "a,b,c\n1,2,3\n4,5\n6,7,8,9\n")
    assert [(p.line, p.message) for p in problems] == [
        (3, "2 fields where the header has 3"), (4, "4 fields where the header has 3")]
    assert _fields(item)["c"].nullable is True and _fields(item)["a"].nullable is False


def test_binary_garbage_in_a_csv_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    noise = random.Random(6).randbytes(20_000)
    (item,), problems = _read(tmp_path, "broken.csv", noise)
    assert item.fields == () and item.fact("size_bytes") == "20000"
    assert [(p.path, p.line, p.message) for p in problems] == [
        ("broken.csv", 1, "binary data (NUL bytes), not text: not read as delimited text")]


def test_a_large_csv_is_read_from_a_bounded_head(tmp_path: Path) -> None:
    rows = "".join(f"{i},{'x' * 200},2024-01-{1 + i % 28:02d}\n" for i in range(20_000))
    (item,), problems = _read(tmp_path, "big.csv", "id,payload,day\n" + rows)
    assert problems == []
    assert item.fact("sampled") == "first 65536 bytes"
    assert 250 < int(item.fact("sampled_rows") or 0) < 330
    # a head cannot tell that a column has no empty cell further down
    assert {f.nullable for f in item.fields} == {None}


def test_a_gzip_bomb_costs_the_budget_not_its_size(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.csv.gz"
    with gzip.open(bomb, "wb", compresslevel=9) as out:
        out.write(b"id,blob\n")
        block = b"1," + b"0" * 1_000_000 + b"\n"
        for _ in range(16):  # 16 MB inflated, 16 KB on disk
            out.write(block)
    sample = sample_bytes(CatalogFile(bomb, "bomb.csv.gz", bomb.stat().st_size), 65536)
    assert (len(sample.data), sample.truncated, sample.compression) == (65536, True, "gzip")

    (item,), problems = _read_folder(tmp_path)
    assert item.fact("compression") == "gzip" and item.fact("sampled") == "first 65536 decompressed bytes"
    assert [f.name for f in item.fields] == ["id", "blob"]
    assert [p.message for p in problems] == [
        "no whole record after the header in the first 65536 bytes: column types not inferred"]


def test_a_gzip_file_cut_short_yields_what_came_before_and_says_so(tmp_path: Path) -> None:
    whole = gzip.compress(b"id,name\n" + b"".join(b"%d,n%d\n" % (i, i) for i in range(500)))
    (item,), problems = _read(tmp_path, "cut.csv.gz", whole[: len(whole) - 40])
    assert [f.name for f in item.fields] == ["id", "name"]
    assert [p.message for p in problems] == ["the gzip stream ends early (truncated file): read what came before"]


def test_compressed_json_and_json_lines_are_read_like_plain_ones(tmp_path: Path) -> None:
    (tmp_path / "page.json.gz").write_bytes(gzip.compress(json.dumps([{"id": 1, "note": None}]).encode()))
    (tmp_path / "events.jsonl.gz").write_bytes(gzip.compress(b'{"id": 1}\n{"id": 2, "tag": "x"}\n'))
    items, problems = _read_folder(tmp_path)
    assert problems == []
    assert [(i.name, i.fact("compression"), [(f.name, f.type, f.nullable) for f in i.fields]) for i in items] == [
        ("events.jsonl.gz", "gzip", [("id", "integer", False), ("tag", "string", True)]),
        ("page.json.gz", "gzip", [("id", "integer", False), ("note", "null", True)])]


def test_a_record_longer_than_the_budget_is_said_not_to_fit(tmp_path: Path) -> None:
    (item,), problems = _read(tmp_path, "blobs.csv", "id,blob\n1," + "x" * 70_000 + "\n")
    assert [f.name for f in item.fields] == ["id", "blob"] and {f.type for f in item.fields} == {None}
    assert [(p.line, p.message) for p in problems] == [
        (1, "no whole record after the header in the first 65536 bytes: column types not inferred")]


def test_a_reader_bug_on_one_file_costs_that_file_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(file: CatalogFile, missing: MissingExtras) -> Reading | None:
        raise KeyError("surprise")

    monkeypatch.setitem(datafiles._FORMAT_READERS, "xml", explode)
    (tmp_path / "feed.xml").write_text("<rows/>")
    (tmp_path / "orders.csv").write_text("id\n1\n")
    items, problems = _read_folder(tmp_path)
    assert [(i.name, len(i.fields)) for i in items] == [("feed.xml", 0), ("orders.csv", 1)]
    assert [p.message for p in problems] == ["xml reader failed on this file: KeyError('surprise')"]


def test_a_file_that_only_claims_to_be_gzip_is_a_problem(tmp_path: Path) -> None:
    (item,), problems = _read(tmp_path, "plain.csv.gz", "id\n1\n")
    assert item.fields == ()
    assert [p.message for p in problems] == ["not a gzip file: it does not start with the gzip magic bytes 1f 8b"]


@pytest.mark.parametrize(("value", "expected"), [
    ("42", "integer"), ("-7", "integer"), ("007", "string"), ("3.14", "decimal"), ("1e6", "decimal"),
    ("12.345,67", "string"), ("TRUE", "boolean"), ("no", "boolean"), ("", "null"), ("NULL", "null"),
    ("\\N", "null"), ("#N/A", "null"), ("2024-02-29", "date"), ("2023-02-29", "string"), ("31.12.2024", "date"),
    ("12/31/2024", "date"), ("2024-01-03T10:12:00Z", "timestamp"), ("2024-01-03 10:12:00.123456+01:00", "timestamp"),
    ("2024-01-03T25:00:00", "string"), ("03.01.2024 17:42", "timestamp"), ("Tue, 02 Jan 2024 10:00:00 GMT", "timestamp"),
    ("C-0042", "string"),
])
def test_cell_types(value: str, expected: str) -> None:
    assert scalar_type(value) == expected


def test_decimal_commas_only_where_the_delimiter_is_not_a_comma() -> None:
    assert scalar_type("12.345,67", decimal_comma=True) == "decimal"
    assert scalar_type("845,20", decimal_comma=True) == "decimal"


def test_decoding_falls_back_to_cp1252_when_its_printable_range_is_used() -> None:
    text = decode(Sample("Preis;W\xe4hrung\n12;\x80\n".encode("latin-1"), False))
    assert not isinstance(text, str) and (text.encoding, text.text) == ("cp1252", "Preis;Währung\n12;€\n")


# --- JSON and JSON Lines ------------------------------------------------------------------


def test_a_json_api_dump_flattens_nested_objects_and_arrays(catalog: Catalog) -> None:
    dump = _item(catalog, "file", "api/orders_page1.json")

    assert dump.origins == (Origin("json", f"{SHOWN}/api/orders_page1.json", 2),)
    assert [(f.name, f.type, f.nullable) for f in dump.fields] == [
        ("id", "integer", False), ("status", "string", False), ("placed_at", "string", False),
        ("total", "number", False), ("coupon", "string|null", True),
        ("customer", "object", False), ("customer.id", "string", False), ("customer.name", "string", False),
        ("customer.address", "object|null", True), ("customer.address.street", "string", False),
        ("customer.address.city", "string", False), ("customer.address.postcode", "string|null", True),
        ("items", "array<object>", False), ("items[].sku", "string", False), ("items[].qty", "integer", False),
        ("items[].price", "number", False), ("tags", "array<string>", False),
        # only the second order has one: absent from the others
        ("gift_message", "string", True),
    ]
    # each field's line is the line of the first record that has it
    assert _fields(dump)["id"].line == 2 and _fields(dump)["gift_message"].line == 19
    assert dump.fact("shape") == "array of objects" and dump.fact("sampled_records") == "3"


def test_json_lines_report_a_broken_line_and_read_on(catalog: Catalog) -> None:
    events = _item(catalog, "file", "events/app_events.jsonl")

    assert events.origins == (Origin("jsonl", f"{SHOWN}/events/app_events.jsonl", 1),)
    broken = [p for p in catalog.problems if p.path.endswith("app_events.jsonl")]
    assert [(p.line, p.column, p.message) for p in broken] == [
        (5, 105, "not valid JSON on this line: Expecting ',' delimiter")]
    fields = _fields(events)
    # line 6, after the broken one, was read: its `sso` flag is there
    assert (fields["props.sso"].type, fields["props.sso"].line) == ("boolean", 6)
    assert fields["user.plan"].type == "string|null" and fields["user.plan"].nullable is True
    assert events.fact("sampled_records") == "5"


def test_configs_and_schemas_are_not_data(catalog: Catalog) -> None:
    names = {item.name for item in catalog.items}
    for path in ("frontend/package.json", "frontend/tsconfig.json", "frontend/order.schema.json",
                 "config/logback.xml", "config/feature-flags.xml", "docs/notes.txt"):
        assert f"{SHOWN}/{path}" not in names
    assert not [p for p in catalog.problems if "frontend/" in p.path or "config/" in p.path]


@pytest.mark.parametrize("path", [
    "package.json", "web/tsconfig.app.json", "composer.json", ".eslintrc.json", "api/order.schema.json",
    "node_modules/lodash/data.json", "vendor/github.com/x/y/testdata/rows.csv", ".vscode/settings.json",
    "package-lock.json", "web/src/locales/de.json", "pom.xml", "src/main/resources/logback-spring.xml",
    "app/src/main/res/layout/main.xml", ".idea/workspace.xml", "requirements.txt", "LICENSE.txt", "schema.xsd",
    "schemas/order.avsc", "main.tf.json", "etl/config.json", "editors/vscode/language-configuration.json",
    "jobs/ingest_config.json",
])
def test_claims_leave_configs_and_vendored_files_alone(path: str) -> None:
    assert not claims(named(path))


@pytest.mark.parametrize("path", [
    "data/orders.csv", "exports/customers.tsv", "raw/events.jsonl.gz", "raw/events.ndjson", "api/dump.json",
    "warehouse/events/_SUCCESS", "lake/t/part-00000.snappy.parquet", "events/page_views.avro", "exports/orders.xml",
    "data/legacy.txt", "data/big.csv.gz",
])
def test_claims_data_files(path: str) -> None:
    assert claims(named(path))


def test_data_format_reads_double_extensions() -> None:
    assert [data_format(n) for n in ("a.CSV", "a.csv.gz", "a.parquet.gz", ".csv", "a.gz", "a.jsonl")] == [
        "csv", "csv", None, None, None, "jsonl"]


@pytest.mark.parametrize("document", [
    {"$schema": "http://json-schema.org/draft-07/schema#", "type": "object"},
    {"openapi": "3.1.0", "info": {"title": "Shop"}, "paths": {}},
    {"swagger": "2.0", "paths": {}},
    {"type": "object", "properties": {"id": {"type": "integer"}}},
])
def test_json_that_describes_data_is_left_to_the_schema_readers(tmp_path: Path, document: dict[str, object]) -> None:
    assert _read(tmp_path, "contract.json", json.dumps(document)) == ([], [])


def test_a_json_scalar_is_no_dataset(tmp_path: Path) -> None:
    assert _read(tmp_path, "version.json", '"1.4.2"\n') == ([], [])


def test_malformed_json_is_a_problem_at_its_line_and_column(tmp_path: Path) -> None:
    (item,), problems = _read(tmp_path, "orders.json", '[\n  {"id": 1},\n  {"id": 2,, "x": 3}\n]\n')
    assert [(p.line, p.column, p.message) for p in problems] == [
        (3, 12, "not valid JSON: Expecting property name enclosed in double quotes")]
    # the records before the mistake are still described, without claiming they were all
    assert [(f.name, f.type, f.nullable) for f in item.fields] == [("id", "integer", None)]


def test_a_huge_json_array_is_read_element_by_element_from_its_head(tmp_path: Path) -> None:
    records = [{"id": i, "name": f"customer {i}", "meta": {"tier": None if i % 3 else "gold"}} for i in range(20_000)]
    (item,), problems = _read(tmp_path, "customers.json", json.dumps(records))
    assert problems == []
    assert item.fact("sampled") == "first 1000 records" and item.fact("sampled_records") == "1000"
    assert [(f.name, f.type) for f in item.fields] == [
        ("id", "integer"), ("name", "string"), ("meta", "object"), ("meta.tier", "string|null")]


def test_a_huge_envelope_object_is_read_as_far_as_the_budget_goes(tmp_path: Path) -> None:
    rows = [{"sku": f"SKU-{i}", "price": i / 4, "stock": {"eu": i, "us": None}} for i in range(20_000)]
    (item,), problems = _read(tmp_path, "catalog.json", json.dumps({"page": {"number": 1}, "data": rows, "next": None}))
    assert problems == []
    assert item.fact("sampled") == "first 1048576 bytes"
    assert [(f.name, f.type) for f in item.fields] == [
        ("page", "object"), ("page.number", "integer"), ("data", "array<object>"), ("data[].sku", "string"),
        ("data[].price", "number"), ("data[].stock", "object"), ("data[].stock.eu", "integer"),
        ("data[].stock.us", "null")]


def test_json_lines_saved_as_json_are_read_as_lines(tmp_path: Path) -> None:
    text = "\n".join(json.dumps({"id": i, "ok": i % 2 == 0}) for i in range(5))
    (item,), problems = _read(tmp_path, "export.json", text)
    assert problems == [] and item.fact("shape") == "object per line"
    assert [(f.name, f.type, f.line) for f in item.fields] == [("id", "integer", 1), ("ok", "boolean", 1)]


def test_keys_that_are_values_fold_into_a_star(tmp_path: Path) -> None:
    document = {"by_id": {"1041": {"qty": 1}, "1042": {"qty": 3}}, "by_day": {"2024-01-01": 5}}
    (item,), _ = _read(tmp_path, "stock.json", json.dumps(document))
    assert [f.name for f in item.fields] == ["by_id", "by_id.*", "by_id.*.qty", "by_day", "by_day.*"]


def test_nesting_deeper_than_python_can_parse_is_a_problem(tmp_path: Path) -> None:
    (item,), problems = _read(tmp_path, "deep.jsonl", '{"a": 1}\n' + "[" * 100_000 + "]" * 100_000 + "\n")
    assert [(p.line, p.message) for p in problems] == [(2, "nested too deeply to read")]
    assert [f.name for f in item.fields] == ["a"]


# --- Parquet and Avro -----------------------------------------------------------------------


def test_a_parquet_file_is_described_from_its_footer(catalog: Catalog) -> None:
    sessions = _item(catalog, "file", "analytics/sessions.parquet")

    assert sessions.origins == (Origin("parquet", f"{SHOWN}/analytics/sessions.parquet", 1),)
    assert [(f.name, f.type, f.nullable) for f in sessions.fields] == [
        ("session_id", "string", False), ("user", "struct", True), ("user.id", "int64", False),
        ("user.country", "string", True), ("pages", "list<struct>", True), ("pages[].url", "string", True),
        ("pages[].seconds", "int32", True), ("started_at", "timestamp[ms, tz=UTC]", True),
        ("revenue", "decimal128(10, 2)", True)]
    assert (sessions.fact("num_rows"), sessions.fact("row_groups"), sessions.fact("compression")) == ("4", "2", "zstd")


def test_an_avro_file_is_described_by_its_writer_schema(catalog: Catalog) -> None:
    views = _item(catalog, "file", "events/page_views.avro")

    assert views.fact("codec") == "deflate" and views.fact("schema") == "com.acme.events.PageView"
    assert [(f.name, f.type, f.nullable) for f in views.fields] == [
        ("id", "long", False), ("user_id", "string", False), ("url", "string", False), ("referrer", "string", True),
        ("viewed_at", "timestamp-millis", False), ("device", "record", False),
        ("device.kind", "enum(DESKTOP|MOBILE|TABLET)", False), ("device.os", "string", True),
        ("tags", "array<string>", False)]
    fields = _fields(views)
    assert fields["user_id"].description == "Pseudonymous visitor id"
    assert fields["referrer"].default == "null" and fields["tags"].default == "[]"


def test_without_the_extras_binary_files_are_listed_and_one_problem_says_what_to_install(
        catalog: Catalog, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)  # `import pyarrow.parquet` now raises ImportError
    monkeypatch.setitem(sys.modules, "fastavro", None)
    here = os.getcwd()
    os.chdir(ROOT)
    try:
        bare = build_catalog([FIXTURES], chosen=READERS)
    finally:
        os.chdir(here)

    sessions = bare.item(f"file:{SHOWN}/analytics/sessions.parquet")
    assert sessions is not None and sessions.fields == () and sessions.fact("format") == "parquet"
    events = bare.item(f"file:{SHOWN}/warehouse/events")
    assert events is not None and [f.name for f in events.fields] == ["dt", "region"]
    install = [p for p in bare.problems if p.message.startswith("install")]
    assert [(p.path, p.message) for p in install] == [
        (f"{SHOWN}/analytics/sessions.parquet",
         "install flowscan[parquet] to read Parquet schemas (pyarrow is not installed): 3 files listed without their fields"),
        (f"{SHOWN}/events/page_views.avro",
         "install flowscan[avro] to read Avro schemas (fastavro is not installed): 1 file listed without their fields"),
    ]


def test_an_avro_header_is_all_that_is_read(tmp_path: Path) -> None:
    import fastavro

    schema = {"type": "record", "name": "Click", "fields": [{"name": "id", "type": "long"}, {"name": "url", "type": "string"}]}
    marker = b"\x5a" * 16
    out = io.BytesIO()
    fastavro.writer(out, fastavro.parse_schema(schema), [{"id": i, "url": "/"} for i in range(100)], sync_marker=marker)
    data = out.getvalue()
    header = data[: data.index(marker) + len(marker)]
    # the records' blocks after the header turned to garbage: nothing reads them
    (item,), problems = _read(tmp_path, "clicks.avro", header + b"\xff" * 500)
    assert problems == []
    assert [(f.name, f.type) for f in item.fields] == [("id", "long"), ("url", "string")]


@pytest.mark.parametrize(("name", "content", "message"), [
    ("fake.parquet", b"id,name\n1,a\n", "not a Parquet file: it does not start with PAR1"),
    ("cut.parquet", b"PAR1" + bytes(64), ("unreadable Parquet footer: Parquet magic bytes not found in footer. "
                                          "Either the file is corrupted or this is not a parquet file.")),
    ("fake.avro", b"\x00\x01binary", "not an Avro data file: it does not start with Obj\\x01"),
    ("cut.avro", b"Obj\x01\x04", "unreadable Avro header: cannot read header - is it an avro file?"),
])
def test_broken_binary_files_are_problems(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    (item,), problems = _read(tmp_path, name, content)
    assert item.fields == ()
    assert [(p.path, p.line, p.message) for p in problems] == [(name, 1, message)]


# --- XML ---------------------------------------------------------------------------------


def test_an_xml_export_has_element_and_attribute_paths(catalog: Catalog) -> None:
    export = _item(catalog, "file", "exports/orders.xml")

    # the evidence is the first record, the first <order>
    assert export.origins == (Origin("xml", f"{SHOWN}/exports/orders.xml", 4),)
    assert export.fact("root") == "orders" and export.fact("record_element") == "orders/order"
    assert export.fact("sampled_records") == "3"
    assert [(f.name, f.type, f.nullable, f.line) for f in export.fields] == [
        ("orders/@exported_at", "timestamp", False, 3), ("orders/@source", "string", False, 3),
        ("orders/order", "element", False, 4), ("orders/order/@id", "integer", False, 4),
        ("orders/order/@currency", "string", False, 4), ("orders/order/placed", "date", False, 5),
        ("orders/order/customer", "element", False, 6), ("orders/order/customer/name", "string", False, 7),
        ("orders/order/customer/email", "string", True, 8), ("orders/order/total", "decimal", False, 10),
        ("orders/order/lines", "element", False, 11), ("orders/order/lines/line", "decimal", True, 12),
        ("orders/order/lines/line/@sku", "string", False, 12), ("orders/order/lines/line/@qty", "integer", False, 12),
        ("orders/order/voucher", "string", True, 23)]
    assert _fields(export)["orders/order"].description == "repeats within its parent"


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<lolz><lol>&lol3;</lol></lolz>
"""
EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE rows [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<rows><row>&secret;</row></rows>
"""


@pytest.mark.parametrize(("document", "line", "entity"), [(BILLION_LAUGHS, 3, "lol"), (EXTERNAL_ENTITY, 2, "secret")])
def test_xml_declaring_entities_is_refused_not_expanded(tmp_path: Path, document: str, line: int, entity: str) -> None:
    (item,), (problem,) = _read(tmp_path, "feed.xml", document)
    assert item.fields == ()
    assert problem.line == line and problem.message.startswith(f"the document declares the entity {entity!r}: not expanded")


def test_stdlib_expat_does_not_resolve_external_entities_either() -> None:
    # the safety this reader relies on, checked: ElementTree (expat) leaves `&secret;` undefined
    from xml.etree import ElementTree

    with pytest.raises(ElementTree.ParseError, match="undefined entity"):
        ElementTree.fromstring(EXTERNAL_ENTITY)


def test_xml_config_roots_are_skipped_and_broken_xml_is_a_problem(tmp_path: Path) -> None:
    (tmp_path / "beans.xml").write_text('<beans xmlns="http://www.springframework.org/schema/beans"/>')
    (tmp_path / "app-flags.xml").write_text("<configuration><flag name='x'/></configuration>")
    (tmp_path / "rows.xml").write_text("<rows>\n  <row><a>1</a></row>\n  <row><a>2</b></row>\n</rows>\n")
    (item,), problems = _read_folder(tmp_path)
    assert item.name == "rows.xml"
    assert [(p.line, p.column, p.message) for p in problems] == [(3, 14, "not well-formed XML: mismatched tag")]


def test_xml_in_an_encoding_expat_cannot_read_is_a_problem(tmp_path: Path) -> None:
    (item,), problems = _read(tmp_path, "rows.xml", '<?xml version="1.0" encoding="Shift_JIS"?>\n<rows/>\n')
    assert item.fields == () and item.fact("encoding") == "shift_jis"
    assert [p.message for p in problems] == ["not read: the XML parser says multi-byte encodings are not supported"]


def test_a_large_xml_file_is_sampled_and_its_record_element_found(tmp_path: Path) -> None:
    rows = "".join(f'<row id="{i}"><name>n{i}</name><v>{i * 1.5}</v></row>\n' for i in range(40_000))
    (item,), problems = _read(tmp_path, "rows.xml", f"<rows>\n{rows}</rows>\n")
    assert problems == []
    assert item.fact("record_element") == "rows/row" and item.fact("sampled") == "first 20000 elements"
    assert [(f.name, f.type, f.nullable) for f in item.fields] == [
        ("rows/row", "element", None), ("rows/row/@id", "integer", None), ("rows/row/name", "string", None),
        ("rows/row/v", "decimal", None)]


# --- datasets ------------------------------------------------------------------------------


def test_a_hive_partitioned_spark_table_is_one_dataset(catalog: Catalog) -> None:
    events = _item(catalog, "dataset", "warehouse/events")

    assert dict(events.facts) | {"total_bytes": "-", "created_by": "-"} == {
        "format": "parquet", "layout": "hive partitions", "files": "3", "total_bytes": "-",
        "committed": "yes (_SUCCESS)", "partition_keys": "dt, region", "partitions": "3",
        "partition_examples": "dt=2024-01-01/region=eu; dt=2024-01-01/region=us; dt=2024-01-02/region=eu",
        "schema_from": "2 of 3 files (first and last)", "compression": "snappy", "created_by": "-"}
    assert [(f.name, f.type, f.nullable) for f in events.fields] == [
        ("event_id", "string", False), ("user_id", "int64", True), ("event_type", "string", True),
        ("occurred_at", "timestamp[us, tz=UTC]", True),
        # the latest partition's files have a column the first ones lack
        ("referrer", "string", True), ("dt", "date", False), ("region", "string", False)]
    assert _fields(events)["referrer"].description == "not in every sampled file"
    # the member files are the evidence, not items of their own
    assert [o.path.rsplit("/", 3)[1:3] for o in events.origins] == [
        ["dt=2024-01-01", "region=eu"], ["dt=2024-01-02", "region=eu"]]
    assert not [i for i in catalog.items if "warehouse/events/" in i.name]


def test_a_numbered_series_is_one_dataset(catalog: Catalog) -> None:
    daily = _item(catalog, "dataset", "exports/daily")
    assert (daily.fact("layout"), daily.fact("files"), daily.fact("format")) == ("numbered files", "3", "csv")
    assert [(f.name, f.type) for f in daily.fields] == [
        ("order_id", "integer"), ("sku", "string"), ("qty", "integer"), ("unit_price", "decimal")]
    assert not [i for i in catalog.items if "orders_000" in i.name]


def test_a_numbered_series_beside_other_files_is_named_by_a_glob(tmp_path: Path) -> None:
    for n in (1, 2, 3):
        (tmp_path / f"orders_{n}.csv").write_text("id\n1\n")
    (tmp_path / "customers.csv").write_text("id\n1\n")
    (tmp_path / "report_v2.csv").write_text("id\n1\n")  # one numbered file is no series
    items, _ = _read_folder(tmp_path)
    assert sorted((i.type, i.name) for i in items) == [
        ("dataset", "orders_*.csv"), ("file", "customers.csv"), ("file", "report_v2.csv")]


def test_spark_and_delta_output_and_their_bookkeeping(tmp_path: Path) -> None:
    spark = tmp_path / "out" / "daily_totals"
    spark.mkdir(parents=True)
    (spark / "_SUCCESS").write_text("")
    for n in range(2):
        (spark / f"part-0000{n}-9b1e.c000.csv").write_text("day,total\n2024-01-01,10.5\n")
    (spark / "_temporary" / "0").mkdir(parents=True)
    (spark / "_temporary" / "0" / "part-00009.csv").write_text("half,written")
    delta = tmp_path / "lake" / "customers"
    (delta / "_delta_log").mkdir(parents=True)
    (delta / "_delta_log" / "00000000000000000000.json").write_text('{"commitInfo": {"operation": "WRITE"}}\n')
    (delta / "country=DE").mkdir()
    (delta / "country=DE" / "part-00000.json").write_text('{"id": 1, "name": "Ada"}\n')

    items, problems = _read_folder(tmp_path)
    assert problems == []
    described = {i.name: (i.type, i.fact("layout"), i.fact("files"), [f.name for f in i.fields]) for i in items}
    assert described == {
        "lake/customers": ("dataset", "delta table", "1", ["id", "name", "country"]),
        "out/daily_totals": ("dataset", "spark output", "2", ["day", "total"]),
    }


def test_a_dataset_of_many_files_reads_two_of_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for day in range(1, 29):
        for part in range(20):
            folder = tmp_path / "clicks" / f"dt=2024-02-{day:02d}"
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"part-{part:05d}.csv").write_text("user_id,url\n42,/\n")
    opened: list[str] = []
    real = datafiles.read_file

    def counted(file: CatalogFile, missing: MissingExtras) -> Reading | None:
        opened.append(file.display_path)
        return real(file, missing)

    monkeypatch.setattr(datafiles, "read_file", counted)

    (item,), problems = _read_folder(tmp_path)
    assert problems == []
    assert opened == ["clicks/dt=2024-02-01/part-00000.csv", "clicks/dt=2024-02-28/part-00019.csv"]
    assert (item.fact("files"), item.fact("partitions"), item.fact("schema_from")) == (
        "560", "28", "2 of 560 files (first and last)")
    assert item.fact("partition_examples") == "dt=2024-02-01; dt=2024-02-02; dt=2024-02-03; …"
    assert [(f.name, f.type) for f in item.fields] == [("user_id", "integer"), ("url", "string"), ("dt", "date")]


# --- through the CLI ------------------------------------------------------------------------


def test_the_cli_lists_the_data_files_and_datasets_as_json() -> None:
    result = subprocess.run([sys.executable, "-m", "flowscan", "catalog", SHOWN, "--format", "json"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    data = orjson.loads(result.stdout)
    mine = {i["id"]: i for i in data["items"] if i["type"] in ("file", "dataset")}
    assert {i.removeprefix(f"file:{SHOWN}/") for i in mine} >= {
        "seeds/orders.csv", "exports/kunden_export.csv", "logs/clickstream.tsv", "api/orders_page1.json",
        "events/app_events.jsonl", "analytics/sessions.parquet", "events/page_views.avro", "exports/orders.xml",
        "exports/inventory_extract.txt", "warehouse/events", "exports/daily"}
    assert f"file:{SHOWN}/frontend/package.json" not in mine
    seed = mine[f"file:{SHOWN}/seeds/orders.csv"]
    assert seed["origins"] == [{"source": "csv", "path": f"{SHOWN}/seeds/orders.csv"}]  # line 1 is the default
    assert seed["facts"]["delimiter"] == "comma" and seed["fields"][0] == {
        "name": "order_id", "type": "integer", "nullable": False, "line": 1}
    assert mine[f"file:{SHOWN}/warehouse/events"]["facts"]["partition_keys"] == "dt, region"
    assert {"path": f"{SHOWN}/events/app_events.jsonl", "line": 5, "column": 105,
            "message": "not valid JSON on this line: Expecting ',' delimiter"} in data["problems"]
