"""JSON and YAML documents that remember where each value was written.

Specs and schemas are read for their structure *and* for evidence: the line of an
operation, of a property, of a record field. `json.loads` and `yaml.safe_load` forget
positions, so both formats are read into `Node`s that keep them: JSON by a small
position-aware parser (strings decoded by the standard library's C scanner), YAML from
PyYAML's composer, whose nodes carry marks.

Reading never raises: a malformed document comes back as a `Malformed` value with the
line and column of the fault, in the words a user can act on.
"""

from __future__ import annotations

import bisect
import datetime
import json
import json.decoder
import re
from collections.abc import Iterator

import yaml
from attrs import field, frozen

#: deeper nesting than this is refused (JSON) or cut (YAML): no real spec comes near it,
#: and it keeps the recursive readers below far from Python's recursion limit
MAX_DEPTH = 400

Scalar = str | int | float | bool | None


@frozen(eq=False)
class Node:
    """A value with its 1-based position. Mappings keep their keys' lines in `key_lines`.

    `value` is `dict[str, Node]` for a mapping, `list[Node]` for a sequence, else a scalar.
    Compared by identity: a YAML alias is the same node wherever it is used.
    """

    value: dict[str, Node] | list[Node] | Scalar
    line: int
    column: int
    key_lines: dict[str, int] = field(factory=dict)

    @property
    def is_map(self) -> bool:
        return isinstance(self.value, dict)

    @property
    def is_list(self) -> bool:
        return isinstance(self.value, list)

    def entries(self) -> dict[str, Node]:
        """The mapping's entries (empty when this is not a mapping)."""
        return self.value if isinstance(self.value, dict) else {}

    def elements(self) -> list[Node]:
        """The sequence's elements (empty when this is not a sequence)."""
        return self.value if isinstance(self.value, list) else []

    def get(self, key: str) -> Node | None:
        return self.value.get(key) if isinstance(self.value, dict) else None

    def text(self, key: str) -> str | None:
        """The value at `key` when it is a scalar, as text (`2.0` stays `2.0`)."""
        found = self.get(key)
        if found is None or found.value is None or isinstance(found.value, (dict, list)):
            return None
        return scalar_text(found.value)

    def key_line(self, key: str) -> int:
        return self.key_lines.get(key, self.line)

    def plain(self, depth: int = 0) -> object:
        """The value as plain Python data (bounded: shared YAML nodes are not expanded forever)."""
        if depth > 20:
            return "…"
        if isinstance(self.value, dict):
            return {key: child.plain(depth + 1) for key, child in self.value.items()}
        if isinstance(self.value, list):
            return [child.plain(depth + 1) for child in self.value]
        return self.value


@frozen
class Malformed:
    """Why a document could not be read, and where (1-based)."""

    line: int
    column: int
    message: str


def scalar_text(value: Scalar) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return str(value)


def json_text(node: Node) -> str:
    """A value as compact JSON (for defaults): `"placed"`, `0`, `[]`."""
    return json.dumps(node.plain(), ensure_ascii=False, separators=(", ", ": "), default=str)


# --- JSON ------------------------------------------------------------------------------


class _JsonFault(Exception):
    def __init__(self, offset: int, message: str) -> None:
        super().__init__(message)
        self.offset = offset
        self.message = message


_WHITESPACE = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?")
_LITERALS: dict[str, Scalar] = {"true": True, "false": False, "null": None}


class _JsonParser:
    """Recursive descent over RFC 8259 JSON; positions come from one sorted list of newlines."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.newlines = [match.start() for match in re.finditer("\n", text)]

    def position(self, offset: int) -> tuple[int, int]:
        before = bisect.bisect_left(self.newlines, offset)
        start = self.newlines[before - 1] + 1 if before else 0
        return before + 1, offset - start + 1

    def skip(self, offset: int) -> int:
        return _WHITESPACE.match(self.text, offset).end()  # type: ignore[union-attr]

    def document(self) -> Node:
        offset = self.skip(1 if self.text.startswith("\ufeff") else 0)
        if offset >= len(self.text):
            raise _JsonFault(offset, "empty document: expected a JSON value")
        node, offset = self.value(offset, 0)
        offset = self.skip(offset)
        if offset < len(self.text):
            raise _JsonFault(offset, f"unexpected {self.describe(offset)} after the JSON value")
        return node

    def describe(self, offset: int) -> str:
        return "end of file" if offset >= len(self.text) else repr(self.text[offset])

    def value(self, offset: int, depth: int) -> tuple[Node, int]:
        if depth > MAX_DEPTH:
            raise _JsonFault(offset, f"nested deeper than {MAX_DEPTH} levels")
        line, column = self.position(offset)
        char = self.text[offset] if offset < len(self.text) else ""
        if char == "{":
            return self.mapping(offset, depth, line, column)
        if char == "[":
            return self.sequence(offset, depth, line, column)
        if char == '"':
            text, end = self.string(offset)
            return Node(text, line, column), end
        number = _NUMBER.match(self.text, offset)
        if number is not None and number.end() > offset:
            literal = number.group(0)
            parsed: Scalar = float(literal) if number.group(1) or number.group(2) else int(literal)
            return Node(parsed, line, column), number.end()
        for word, literal_value in _LITERALS.items():
            if self.text.startswith(word, offset):
                return Node(literal_value, line, column), offset + len(word)
        raise _JsonFault(offset, f"expected a JSON value, found {self.describe(offset)}")

    def string(self, offset: int) -> tuple[str, int]:
        try:
            return json.decoder.scanstring(self.text, offset + 1, False)  # type: ignore[attr-defined,no-any-return]
        except json.JSONDecodeError as error:
            # "Unterminated string starting at": the position says where
            raise _JsonFault(error.pos, error.msg.lower().removesuffix(" starting at")) from None

    def mapping(self, offset: int, depth: int, line: int, column: int) -> tuple[Node, int]:
        entries: dict[str, Node] = {}
        key_lines: dict[str, int] = {}
        offset = self.skip(offset + 1)
        if self.text.startswith("}", offset):
            return Node(entries, line, column, key_lines), offset + 1
        while True:
            if not self.text.startswith('"', offset):
                raise _JsonFault(offset, f"expected a quoted key, found {self.describe(offset)}")
            key_line = self.position(offset)[0]
            key, offset = self.string(offset)
            offset = self.skip(offset)
            if not self.text.startswith(":", offset):
                raise _JsonFault(offset, f"expected ':' after key {key!r}, found {self.describe(offset)}")
            child, offset = self.value(self.skip(offset + 1), depth + 1)
            entries[key] = child
            key_lines[key] = key_line
            offset = self.skip(offset)
            if self.text.startswith(",", offset):
                offset = self.skip(offset + 1)
            elif self.text.startswith("}", offset):
                return Node(entries, line, column, key_lines), offset + 1
            else:
                raise _JsonFault(offset, f"expected ',' or '}}' in an object, found {self.describe(offset)}")

    def sequence(self, offset: int, depth: int, line: int, column: int) -> tuple[Node, int]:
        elements: list[Node] = []
        offset = self.skip(offset + 1)
        if self.text.startswith("]", offset):
            return Node(elements, line, column), offset + 1
        while True:
            child, offset = self.value(offset, depth + 1)
            elements.append(child)
            offset = self.skip(offset)
            if self.text.startswith(",", offset):
                offset = self.skip(offset + 1)
            elif self.text.startswith("]", offset):
                return Node(elements, line, column), offset + 1
            else:
                raise _JsonFault(offset, f"expected ',' or ']' in an array, found {self.describe(offset)}")


def load_json(text: str) -> Node | Malformed:
    parser = _JsonParser(text)
    try:
        return parser.document()
    except _JsonFault as fault:
        line, column = parser.position(fault.offset)
        return Malformed(line, column, f"malformed JSON: {fault.message}")


# --- YAML ------------------------------------------------------------------------------

# libyaml when present: its scanner is several times faster and its nodes carry the same marks
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MERGE_TAG = "tag:yaml.org,2002:merge"


def load_yaml(text: str) -> list[Node] | Malformed:
    """Every document of a YAML stream (`---`-separated), or where the stream is malformed."""
    loader = _Loader(text)
    try:
        converter = _YamlConverter(loader)
        documents = [converter.node(root, 0) for root in _compose_all(loader)]
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        return Malformed(line, column, f"malformed YAML: {_yaml_reason(error)}")
    except yaml.YAMLError as error:  # ReaderError: a character YAML does not allow
        position = getattr(error, "position", 0) or 0
        line = text.count("\n", 0, position) + 1
        column = position - (text.rfind("\n", 0, position) + 1) + 1
        reason = getattr(error, "reason", None) or str(error)
        return Malformed(line, column, f"malformed YAML: {reason}")
    finally:
        loader.dispose()
    return documents


def _compose_all(loader: yaml.SafeLoader) -> Iterator[yaml.Node]:
    while loader.check_node():
        yield loader.get_node()


def _yaml_reason(error: yaml.MarkedYAMLError) -> str:
    problem = error.problem or "unreadable"
    if error.context and error.context_mark is not None and error.context_mark is not error.problem_mark:
        return f"{problem} ({error.context} at line {error.context_mark.line + 1})"
    return problem


class _YamlConverter:
    """Composer nodes to `Node`s. Aliases share one converted node, so `&a`/`*a` bombs cost nothing."""

    def __init__(self, loader: yaml.SafeLoader) -> None:
        self.loader = loader
        # by id, holding the composer node too: an id is only unique while its object lives, and the
        # nodes of one document are freed while the next is composed
        self.done: dict[int, tuple[yaml.Node, Node]] = {}
        self.busy: set[int] = set()

    def node(self, source: yaml.Node, depth: int) -> Node:
        known = self.done.get(id(source))
        if known is not None:
            return known[1]
        line, column = source.start_mark.line + 1, source.start_mark.column + 1
        if id(source) in self.busy or depth > MAX_DEPTH:
            return Node(None, line, column)  # a recursive alias, or absurd nesting: cut here
        self.busy.add(id(source))
        if isinstance(source, yaml.MappingNode):
            entries: dict[str, Node] = {}
            key_lines: dict[str, int] = {}
            converted = Node(entries, line, column, key_lines)
            self._fill(source, entries, key_lines, depth)
        elif isinstance(source, yaml.SequenceNode):
            converted = Node([self.node(child, depth + 1) for child in source.value], line, column)
        else:
            converted = Node(self._scalar(source), line, column)
        self.busy.discard(id(source))
        self.done[id(source)] = (source, converted)
        return converted

    def _fill(self, source: yaml.MappingNode, entries: dict[str, Node], key_lines: dict[str, int], depth: int) -> None:
        merged: list[Node] = []
        for key_node, value_node in source.value:
            if key_node.tag == _MERGE_TAG:
                # `<<: *defaults`: the aliased mapping's keys, unless the mapping sets them itself
                targets = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                merged.extend(self.node(target, depth + 1) for target in targets)
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                continue  # complex keys (`? [a, b]`) name nothing a spec uses
            # the key as written: response codes (`200:`) stay "200", `on:` stays "on"
            key = str(key_node.value)
            entries[key] = self.node(value_node, depth + 1)
            key_lines[key] = key_node.start_mark.line + 1
        for base in merged:
            for key, child in base.entries().items():
                if key not in entries:
                    entries[key] = child
                    key_lines[key] = base.key_line(key)

    def _scalar(self, source: yaml.Node) -> Scalar:
        try:
            value = self.loader.construct_object(source)
        except yaml.YAMLError:
            return str(source.value)  # an unknown tag (`!Ref x`): keep the text
        if isinstance(value, (datetime.date, datetime.datetime)):
            return value.isoformat()
        if isinstance(value, bytes):
            return f"<{len(value)} bytes>"
        if isinstance(value, (str, int, float, bool)) or value is None:
            return value
        return str(value)
