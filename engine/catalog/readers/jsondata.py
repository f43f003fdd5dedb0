"""JSON and JSON Lines data files: the paths of their records, with types and nullability.

Nested fields are flattened to paths (`customer.address.city`), array elements get `[]`
(`items[].sku`), and keys that are data rather than names (ids, dates, UUIDs, as in
`{"1041": {...}, "1042": {...}}`) fold into `*`. A type is the union of what the sample
showed (`integer|null`); a field is nullable when it was null or absent from an object
that had its siblings.

Only a head of the file is read (SAMPLE_BYTES, at most MAX_RECORDS records): a 2 GB
array is read element by element up to the budget, and the element the budget cut in
two is dropped. A top-level object cut short is read as far as it goes.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

from attrs import define, field
from flowscan.catalog.files import CatalogFile, Unreadable
from flowscan.catalog.model import Field
from flowscan.catalog.readers.datasample import (
    ProblemLog,
    Reading,
    Sample,
    Text,
    decode,
    listed,
    sample_bytes,
)

SAMPLE_BYTES = 1024 * 1024
MAX_RECORDS = 1000
#: elements of one array looked at for the element's shape
MAX_ARRAY_ITEMS = 100
MAX_FIELDS = 500
MAX_DEPTH = 32

_WHITESPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()
# what a number or literal looks like when the sample's end cut it short
_PARTIAL_SCALAR = re.compile(r"-?\d*(?:\.\d*)?(?:[eE][+-]?\d*)?|t(?:r(?:ue?)?)?|f(?:a(?:l(?:se?)?)?)?|n(?:u(?:ll?)?)?")
# keys that are values: numeric ids, UUIDs, dates, long hex digests
_DATA_KEY = re.compile(r"\d+|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
                       r"|\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+Z?)?|[0-9a-f]{24,64}")
#: the order types are listed in a union
_TYPE_ORDER = ("string", "integer", "number", "boolean", "object", "array", "null")
# top-level keys of documents that describe data rather than hold it, read by other readers
_DESCRIPTION_KEYS = frozenset({"$schema", "openapi", "swagger", "asyncapi"})


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


@define
class _PathStat:
    parent: str
    line: int
    types: set[str] = field(factory=set)
    present: int = 0


@define
class Shape:
    """The paths records showed, with their types, presence and the line each was first seen on."""

    paths: dict[str, _PathStat] = field(factory=dict)
    #: objects seen at each path ("" is the record itself), for telling absent fields
    objects: Counter[str] = field(factory=Counter)
    records: int = 0
    #: line of the first record
    first_line: int | None = None
    #: paths not kept once MAX_FIELDS were
    dropped: int = 0

    def add(self, record: Any, line: int) -> None:
        self.records += 1
        if self.first_line is None:
            self.first_line = line
        if isinstance(record, dict):
            self._value(record, "", line, 0)
        else:
            # an array of scalars or arrays (`[1, 2]`): its element type is told apart, under `[]`
            self._note("[]", "", record, line, 0)

    def _value(self, value: Any, path: str, line: int, depth: int) -> None:
        if depth >= MAX_DEPTH:
            return
        if isinstance(value, dict):
            self.objects[path] += 1
            for key, child in value.items():
                self._note(f"{path}.{_key(key)}" if path else _key(key), path, child, line, depth)
        elif isinstance(value, list):
            for element in value[:MAX_ARRAY_ITEMS]:
                self._note(f"{path}[]", path, element, line, depth)

    def _note(self, path: str, parent: str, value: Any, line: int, depth: int) -> None:
        stat = self.paths.get(path)
        if stat is None:
            if len(self.paths) >= MAX_FIELDS:
                self.dropped += 1
                return
            stat = self.paths[path] = _PathStat(parent, line)
        stat.present += 1
        stat.types.add(json_type(value))
        self._value(value, path, line, depth + 1)

    def fields(self, whole: bool) -> tuple[Field, ...]:
        """Fields for every named path (array elements show in their array's type, `array<object>`)."""
        out = []
        for path, stat in self.paths.items():
            if path.endswith("[]"):
                continue
            absent = stat.present < self.objects[stat.parent]
            nullable = True if absent or "null" in stat.types else (False if whole else None)
            out.append(Field(path, self.type_of(path), nullable, line=stat.line))
        return tuple(out)

    def type_of(self, path: str) -> str:
        types = set(self.paths[path].types)
        if {"integer", "number"} <= types:
            types.discard("integer")
        shown = []
        for name in _TYPE_ORDER:
            if name not in types:
                continue
            if name == "array" and f"{path}[]" in self.paths:
                shown.append(f"array<{self.type_of(path + '[]')}>")
            else:
                shown.append(name)
        return "|".join(shown)


def _key(key: str) -> str:
    return "*" if _DATA_KEY.fullmatch(key) else key


# --- JSON --------------------------------------------------------------------------


class _Stop(Exception):
    """The walk over a top-level array ends here (a problem was logged, or the sample ends)."""


def read_json(file: CatalogFile) -> Reading | None:
    """The record paths of a `.json` data file; None when the document describes data instead
    (JSON Schema, OpenAPI, AsyncAPI: other readers') or is a lone scalar."""
    log = ProblemLog(file)
    opened = _open(file, "json", log)
    if isinstance(opened, Reading):
        return opened
    sample, decoded = opened
    text = decoded.text
    start = _skip(text, 0)
    if start >= len(text):
        log.add("empty: no JSON value")
        return Reading("json", facts=tuple(_facts(file, sample, decoded, "json")), problems=log.all())
    shape = Shape()
    opener = text[start]
    if opener == "[":
        _array_records(text, start, sample.truncated, shape, log)
        layout = "array of objects" if shape.objects[""] or not shape.records else "array of values"
    elif opener == "{":
        found = _object_records(text, start, sample.truncated, shape, log)
        if found is None:
            return None
        layout = found
    else:
        return _scalar(text, start, file, sample, decoded, log)
    return _reading("json", file, sample, decoded, shape, log, layout)


def _open(file: CatalogFile, source: str, log: ProblemLog) -> tuple[Sample, Text] | Reading:
    try:
        sample = sample_bytes(file, SAMPLE_BYTES)
    except Unreadable as error:
        return listed(source, file, error.problem)
    if sample.problem:
        log.add(sample.problem)
    decoded = decode(sample)
    if isinstance(decoded, str):
        log.add(f"{decoded}: not read as JSON")
        return listed(source, file, *log.all())
    return sample, decoded


def _scalar(text: str, start: int, file: CatalogFile, sample: Sample, decoded: Text, log: ProblemLog) -> Reading | None:
    try:
        _DECODER.raw_decode(text, start)
    except json.JSONDecodeError as error:
        log.add(f"not valid JSON: {error.msg}", error.lineno, error.colno)
        return Reading("json", facts=tuple(_facts(file, sample, decoded, "json")), problems=log.all())
    return None  # `"1.4.2"` or `42`: a valid document, but no records to catalog


def _array_records(text: str, start: int, truncated: bool, shape: Shape, log: ProblemLog) -> None:
    """Each element of a top-level array is a record; parsed one at a time, so a cut array still yields its head."""
    index = _skip(text, start + 1)
    line = text.count("\n", 0, index) + 1
    counted = index
    if text.startswith("]", index):
        _trailing(text, index + 1, log)
        return
    try:
        while shape.records < MAX_RECORDS:
            line += text.count("\n", counted, index)
            counted = index
            value, index = _element(text, index, truncated, log)
            shape.add(value, line)
            index = _skip(text, index)
            if text.startswith(",", index):
                index = _skip(text, index + 1)
            elif text.startswith("]", index):
                _trailing(text, index + 1, log)
                return
            else:
                _expected(text, index, truncated, "',' or ']' after an array element", log)
    except _Stop:
        return


def _element(text: str, index: int, truncated: bool, log: ProblemLog) -> tuple[Any, int]:
    if index >= len(text):
        _expected(text, index, truncated, "an array element", log)
    try:
        return _DECODER.raw_decode(text, index)
    except json.JSONDecodeError as error:
        if not (truncated and _is_cut(text, error)):
            log.add(f"not valid JSON: {error.msg}", error.lineno, error.colno)
        raise _Stop from None
    except RecursionError:
        log.add("nested too deeply to read", text.count("\n", 0, index) + 1)
        raise _Stop from None


def _expected(text: str, index: int, truncated: bool, what: str, log: ProblemLog) -> None:
    if index >= len(text):
        if not truncated:
            log.add(f"the file ends where {what} was expected", *_position(text, len(text)))
        raise _Stop
    log.add(f"not valid JSON: expected {what}", *_position(text, index))
    raise _Stop


def _trailing(text: str, index: int, log: ProblemLog) -> None:
    rest = _skip(text, index)
    if rest < len(text):
        log.add("not valid JSON: extra data after the top-level value", *_position(text, rest))


def _object_records(text: str, start: int, truncated: bool, shape: Shape, log: ProblemLog) -> str | None:
    """One object is one record; several objects one per line (a `.json` export in JSON Lines) are records each."""
    try:
        value, end = _DECODER.raw_decode(text, start)
    except json.JSONDecodeError as error:
        if not (truncated and _is_cut(text, error)):
            log.add(f"not valid JSON: {error.msg}", error.lineno, error.colno)
            return "object"
        value, end = _partial_container(text, start, 0)
    except RecursionError:
        log.add("nested too deeply to read")
        return "object"
    if not isinstance(value, dict) or describes_data(value):
        return None
    line = text.count("\n", 0, start) + 1
    rest = _skip(text, end)
    if rest < len(text) and text[rest] == "{" and "\n" in text[end:rest]:
        shape.add(value, line)
        _lines(text, line + text.count("\n", end, rest), rest, truncated, shape, log)
        return "object per line"
    shape.add(value, line)
    if rest < len(text) and end < len(text):
        log.add("not valid JSON: extra data after the top-level value", *_position(text, rest))
    return "object"


def describes_data(document: dict[str, Any]) -> bool:
    """JSON Schema, OpenAPI, AsyncAPI and editor/tool configs that declare their `$schema` are not data."""
    if _DESCRIPTION_KEYS & document.keys():
        return True
    # a JSON Schema without `$schema`: an object type with properties
    return document.get("type") == "object" and isinstance(document.get("properties"), dict)


def _partial(text: str, index: int, depth: int) -> tuple[Any, int]:
    """The value at `index`, as far as the sample holds it; raises _Stop for a scalar cut short."""
    try:
        return _DECODER.raw_decode(text, index)
    except (json.JSONDecodeError, RecursionError):
        pass
    if depth >= MAX_DEPTH or index >= len(text) or text[index] not in "{[":
        raise _Stop
    return _partial_container(text, index, depth)


def _partial_container(text: str, index: int, depth: int) -> tuple[Any, int]:
    """An object or array the sample's end cut short: its members up to the cut.

    An object keeps a member the cut went through when it is a container (an envelope's
    `data` array yields its head); an array drops its cut element, which would otherwise
    look like a record missing its last fields.
    """
    closing = "}" if text[index] == "{" else "]"
    result: Any = {} if closing == "}" else []
    index = _skip(text, index + 1)
    try:
        while index < len(text) and text[index] != closing:
            if closing == "}":
                key, index = _DECODER.raw_decode(text, index)
                index = _skip(text, index)
                if not text.startswith(":", index):
                    break
                result[key], index = _partial(text, _skip(text, index + 1), depth + 1)
            else:
                value, index = _partial(text, index, depth + 1)
                if index >= len(text):
                    break
                result.append(value)
            index = _skip(text, index)
            if text.startswith(",", index):
                index = _skip(text, index + 1)
    except (_Stop, json.JSONDecodeError):
        pass  # the sample ends inside this value: keep what came before
    return result, len(text)


def _is_cut(text: str, error: json.JSONDecodeError) -> bool:
    """Whether a decoding error is the sample's end rather than a mistake in the file."""
    if error.msg.startswith("Unterminated string"):
        return True
    rest = text[error.pos:].strip()
    return _PARTIAL_SCALAR.fullmatch(rest) is not None or (rest.startswith("\\") and len(rest) < 6)


# --- JSON Lines ----------------------------------------------------------------------


def read_jsonl(file: CatalogFile) -> Reading:
    """Each line a record; a malformed line is a problem at its line, and reading goes on."""
    log = ProblemLog(file)
    opened = _open(file, "jsonl", log)
    if isinstance(opened, Reading):
        return opened
    sample, decoded = opened
    shape = Shape()
    _lines(decoded.text, 1, 0, sample.truncated, shape, log)
    return _reading("jsonl", file, sample, decoded, shape, log, "object per line")


def _lines(text: str, first_line: int, start: int, truncated: bool, shape: Shape, log: ProblemLog) -> None:
    lines = text[start:].split("\n")
    if truncated:
        lines.pop()  # the sample's end cut the last line
    for number, line in enumerate(lines, first_line):
        stripped = line.strip()
        if not stripped:
            continue
        indent = len(line) - len(line.lstrip())
        try:
            value = json.loads(stripped)
        except json.JSONDecodeError as error:
            log.add(f"not valid JSON on this line: {error.msg}", number, indent + error.colno)
            continue
        except RecursionError:
            log.add("nested too deeply to read", number, indent + 1)
            continue
        if not isinstance(value, dict):
            log.add(f"a JSON {json_type(value)} where records are objects", number, indent + 1)
            continue
        shape.add(value, number)
        if shape.records >= MAX_RECORDS:
            return


# --- both ------------------------------------------------------------------------------


def _reading(source: str, file: CatalogFile, sample: Sample, decoded: Text, shape: Shape, log: ProblemLog,
             layout: str) -> Reading:
    whole = not sample.truncated and shape.records < MAX_RECORDS and not log.problems
    facts = [*_facts(file, sample, decoded, source)]
    if source == "json":
        facts.append(("shape", layout))
    facts.append(("sampled_records", str(shape.records)))
    if shape.records >= MAX_RECORDS:
        facts.append(("sampled", f"first {MAX_RECORDS} records"))
    else:
        facts.append(("sampled", f"first {SAMPLE_BYTES} bytes" if sample.truncated else "whole file"))
    if shape.dropped:
        facts.append(("fields_shown", f"first {MAX_FIELDS} paths"))
    element = shape.paths.get("[]")
    if element is not None:
        facts.append(("element_type", "|".join(t for t in _TYPE_ORDER if t in element.types)))
    return Reading(source, shape.fields(whole), tuple(facts), log.all(), shape.first_line or 1)


def _facts(file: CatalogFile, sample: Sample, decoded: Text, source: str) -> list[tuple[str, str]]:
    facts = [("format", source), ("size_bytes", str(file.size))]
    if decoded.encoding != "utf-8":
        facts.append(("encoding", decoded.encoding))
    if sample.compression:
        facts.append(("compression", sample.compression))
    return facts


def _skip(text: str, index: int) -> int:
    match = _WHITESPACE.match(text, index)
    return match.end() if match else index


def _position(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1
