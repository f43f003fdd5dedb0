"""Parquet and Avro data files: the schema their own metadata declares, never their rows.

A Parquet file's footer holds its schema, row count, row groups and codecs; an Avro
data file's header holds the writer's schema and codec. Both are read without touching
the data, so a 40 GB file costs as little as a 4 KB one. The libraries that read them are
optional extras (`flowscan[parquet]`, `flowscan[avro]`): without them the files are still
listed, and one problem per run says what to install.
"""

from __future__ import annotations

import importlib
import io
import json
from collections.abc import Iterator
from types import ModuleType
from typing import Any

from attrs import define, field
from flowscan.catalog.files import CatalogFile, Unreadable
from flowscan.catalog.model import Field, Problem
from flowscan.catalog.readers.datasample import Reading, listed

#: an Avro header (magic, metadata map with the schema, sync marker) larger than this is refused
AVRO_HEADER_BYTES = 1024 * 1024
#: nesting followed in a schema (Avro allows recursive records)
MAX_DEPTH = 16
_PARQUET_MAGIC = b"PAR1"
_AVRO_MAGIC = b"Obj\x01"
# pandas writes its index as columns of this name; it is the DataFrame's index, not data
_PANDAS_INDEX = "__index_level_"


@define
class MissingExtras:
    """The optional libraries a run missed, and the files listed without fields because of it."""

    files: dict[str, list[str]] = field(factory=dict)

    def note(self, extra: str, file: CatalogFile) -> None:
        self.files.setdefault(extra, []).append(file.display_path)

    def problems(self) -> tuple[Problem, ...]:
        out = []
        for extra, paths in self.files.items():
            what, library = _EXTRAS[extra]
            count = f"{len(paths)} file{'s' if len(paths) > 1 else ''} listed without their fields"
            out.append(Problem(paths[0], 1, 1,
                               f"install flowscan[{extra}] to read {what} schemas ({library} is not installed): {count}"))
        return tuple(out)


_EXTRAS = {"parquet": ("Parquet", "pyarrow"), "avro": ("Avro", "fastavro")}


def _optional(module: str) -> ModuleType | None:
    try:
        return importlib.import_module(module)
    except ImportError:
        return None


# --- Parquet ----------------------------------------------------------------------------


def read_parquet(file: CatalogFile, missing: MissingExtras) -> Reading:
    parquet = _optional("pyarrow.parquet")
    if parquet is None:
        missing.note("parquet", file)
        return listed("parquet", file)
    try:
        magic = file.head(4)
    except Unreadable as error:
        return listed("parquet", file, error.problem)
    if magic != _PARQUET_MAGIC:
        return listed("parquet", file, file.problem("not a Parquet file: it does not start with PAR1"))
    try:
        # ParquetFile reads the footer only; no row group is read until asked for
        with parquet.ParquetFile(file.path) as handle:
            metadata = handle.metadata
            schema = handle.schema_arrow
            codecs = sorted({metadata.row_group(0).column(i).compression.lower()
                             for i in range(metadata.num_columns)}) if metadata.num_row_groups else []
    except Exception as error:  # noqa: BLE001 - pyarrow raises ArrowInvalid, OSError, ... for a corrupt footer
        return listed("parquet", file, file.problem(f"unreadable Parquet footer: {error}"))
    fields = tuple(f for column in schema if not column.name.startswith(_PANDAS_INDEX)
                   for f in _arrow_fields(column, "", 0))
    facts = [("format", "parquet"), ("size_bytes", str(file.size)), ("num_rows", str(metadata.num_rows)),
             ("row_groups", str(metadata.num_row_groups)), ("columns", str(len(schema)))]
    if codecs:
        facts.append(("compression", ", ".join(codecs)))
    if metadata.created_by:
        facts.append(("created_by", str(metadata.created_by)))
    return Reading("parquet", fields, tuple(facts))


def _arrow_fields(column: Any, prefix: str, depth: int) -> Iterator[Field]:
    """A column and, for structs, lists and maps of structs, its nested fields (`items[].sku`)."""
    name = prefix + column.name
    yield Field(name, _arrow_type(column.type), column.nullable)
    if depth >= MAX_DEPTH:
        return
    for child_prefix, child in _arrow_children(name, column.type):
        yield from _arrow_fields(child, child_prefix, depth + 1)


def _arrow_children(name: str, type_: Any) -> Iterator[tuple[str, Any]]:
    kind = _arrow_kind(type_)
    if kind == "struct":
        for index in range(type_.num_fields):
            yield f"{name}.", type_.field(index)
    elif kind == "list":
        yield from _element_children(f"{name}[]", type_.value_field.type)
    elif kind == "map":
        yield from _element_children(f"{name}{{}}", type_.item_field.type)


def _element_children(path: str, type_: Any) -> Iterator[tuple[str, Any]]:
    """The fields inside a list's (or map's) element: a struct's fields, or a nested list's elements'."""
    kind = _arrow_kind(type_)
    if kind == "struct":
        for index in range(type_.num_fields):
            yield f"{path}.", type_.field(index)
    elif kind == "list":
        yield from _element_children(f"{path}[]", type_.value_field.type)


def _arrow_kind(type_: Any) -> str:
    import pyarrow.types as kinds  # only reached once pyarrow.parquet imported

    if kinds.is_struct(type_):
        return "struct"
    if kinds.is_list(type_) or kinds.is_large_list(type_) or kinds.is_fixed_size_list(type_):
        return "list"
    if kinds.is_map(type_):
        return "map"
    return "scalar"


def _arrow_type(type_: Any) -> str:
    """Arrow's own spelling (`int64`, `timestamp[us, tz=UTC]`, `decimal128(10, 2)`), nested types shortened."""
    kind = _arrow_kind(type_)
    if kind == "struct":
        return "struct"
    if kind == "list":
        return f"list<{_arrow_type(type_.value_field.type)}>"
    if kind == "map":
        return f"map<{_arrow_type(type_.key_field.type)}, {_arrow_type(type_.item_field.type)}>"
    return str(type_)


# --- Avro -------------------------------------------------------------------------------


def read_avro(file: CatalogFile, missing: MissingExtras) -> Reading:
    fastavro = _optional("fastavro")
    if fastavro is None:
        missing.note("avro", file)
        return listed("avro", file)
    try:
        head = file.head(AVRO_HEADER_BYTES)
    except Unreadable as error:
        return listed("avro", file, error.problem)
    if not head.startswith(_AVRO_MAGIC):
        return listed("avro", file, file.problem("not an Avro data file: it does not start with Obj\\x01"))
    try:
        # the reader parses the header (schema, codec, sync marker) when made; records are read lazily
        reader = fastavro.reader(io.BytesIO(head))
        schema, codec = reader.writer_schema, reader.codec
    except Exception as error:  # noqa: BLE001 - fastavro raises ValueError, EOFError, SchemaParseException...
        cut = len(head) >= AVRO_HEADER_BYTES
        why = f"a header larger than {AVRO_HEADER_BYTES} bytes is not read" if cut else str(error)
        return listed("avro", file, file.problem(f"unreadable Avro header: {why}"))
    facts = [("format", "avro"), ("size_bytes", str(file.size)), ("codec", str(codec or "null"))]
    if isinstance(schema, dict) and schema.get("type") == "record":
        facts.append(("schema", str(schema.get("name", ""))))
        fields = tuple(_avro_record_fields(schema, "", {}, (), 0))
    else:
        # a file of plain values (`"long"`, an array): one unnamed value per record
        fields = ()
        facts.append(("value_type", _avro_type(_unwrap(schema)[0], {})))
    return Reading("avro", fields, tuple(facts))


def _avro_record_fields(record: dict[str, Any], prefix: str, names: dict[str, Any], open_records: tuple[str, ...],
                        depth: int) -> Iterator[Field]:
    _remember(record, names)
    open_records = (*open_records, str(record.get("name")))
    for member in record.get("fields", ()):
        path = prefix + str(member.get("name"))
        type_, nullable = _unwrap(member.get("type"))
        type_ = _resolve(type_, names)
        default = json.dumps(member["default"]) if "default" in member else None
        yield Field(path, _avro_type(type_, names), nullable, default=default, description=member.get("doc"))
        yield from _avro_nested(type_, path, names, open_records, depth)


def _avro_nested(type_: Any, path: str, names: dict[str, Any], open_records: tuple[str, ...],
                 depth: int) -> Iterator[Field]:
    """The fields of a record inside a field, an array's items or a map's values (`items[].sku`, `attrs{}.x`)."""
    if depth >= MAX_DEPTH or not isinstance(type_, dict):
        return
    kind = type_.get("type")
    if kind == "record":
        if type_.get("name") in open_records:
            return  # a recursive record (a tree node): its fields were listed above
        yield from _avro_record_fields(type_, f"{path}.", names, open_records, depth + 1)
    elif kind in ("array", "map"):
        inner, _ = _unwrap(type_.get("items" if kind == "array" else "values"))
        marker = "[]" if kind == "array" else "{}"
        yield from _avro_nested(_resolve(inner, names), path + marker, names, open_records, depth + 1)


def _unwrap(type_: Any) -> tuple[Any, bool]:
    """`["null", X]` is an optional X; other unions stay unions."""
    if isinstance(type_, list):
        others = [t for t in type_ if t != "null"]
        nullable = len(others) < len(type_)
        return (others[0] if len(others) == 1 else others), nullable
    return type_, type_ == "null"


def _resolve(type_: Any, names: dict[str, Any]) -> Any:
    """A named type used by name (`"com.acme.Address"`) as its definition, when seen earlier."""
    if isinstance(type_, str) and type_ in names:
        return names[type_]
    if isinstance(type_, dict):
        _remember(type_, names)
    return type_


def _remember(type_: dict[str, Any], names: dict[str, Any]) -> None:
    if type_.get("type") in ("record", "enum", "fixed") and "name" in type_:
        names.setdefault(str(type_["name"]), type_)


def _avro_type(type_: Any, names: dict[str, Any]) -> str:
    if isinstance(type_, list):
        return "|".join(_avro_type(_resolve(t, names), names) for t in type_)
    if isinstance(type_, str):
        resolved = names.get(type_)
        return _avro_type(resolved, names) if resolved is not None else type_
    if not isinstance(type_, dict):
        return str(type_)
    logical = type_.get("logicalType")
    if logical == "decimal":
        return f"decimal({type_.get('precision')},{type_.get('scale', 0)})"
    if logical:
        return str(logical)
    kind = type_.get("type")
    if kind == "array":
        return f"array<{_avro_type(_resolve(type_.get('items'), names), names)}>"
    if kind == "map":
        return f"map<{_avro_type(_resolve(type_.get('values'), names), names)}>"
    if kind == "fixed":
        return f"fixed({type_.get('size')})"
    if kind == "enum":
        symbols = [str(s) for s in type_.get("symbols", ())]
        return f"enum({'|'.join(symbols[:12])}{'|…' if len(symbols) > 12 else ''})"
    if kind == "record":
        return "record"
    return str(kind)
