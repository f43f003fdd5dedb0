"""Protocol Buffers `.proto` files (proto2, proto3, editions): a tokenizer and a small parser.

The grammar is small and stable, so it is parsed here rather than by a dependency: the
pure-Python parsers on PyPI are either unmaintained or need `protoc`. What the catalog
needs from a file:

- its package, syntax and imports;
- messages (nested ones named `pkg.Outer.Inner`) with their fields: number, label
  (`optional`, `required`, `repeated` → `type[]`), `map<k, v>`, `oneof` membership, a
  proto2 `[default = ...]`; proto2 groups are nested messages;
- enums, with their values and numbers;
- services, whose RPCs are API operations (`rpc shop.orders.v1.OrderService/GetOrder`).

Options are read past (balanced, aggregate values included), comments ignored, and a
syntax error is a `Malformed` value with its line and column. Type names are resolved to
full names by protobuf's scoping rules (innermost scope first) against every file read.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Sequence

from attrs import frozen

from flowscan.catalog.files import CatalogFile, Unreadable
from flowscan.catalog.model import Field, Item, Origin, Part, Problem, Relationship, item_id
from flowscan.catalog.readers.schema_nodes import Malformed
from flowscan.catalog.readers.stream_links import SchemaFile
from flowscan.redact import redact

SCALARS = frozenset({
    "double", "float", "int32", "int64", "uint32", "uint64", "sint32", "sint64",
    "fixed32", "fixed64", "sfixed32", "sfixed64", "bool", "string", "bytes",
})

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
    |(?P<comment>//[^\n]*|/\*.*?\*/)
    |(?P<open_comment>/\*)
    |(?P<number>0[xX][0-9A-Fa-f]+|(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)
    |(?P<ident>[A-Za-z_][A-Za-z0-9_]*)
    |(?P<string>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
    |(?P<open_string>["'])
    |(?P<symbol>[{}\[\]()<>;=,.:+\-/])
    """,
    re.VERBOSE | re.DOTALL,
)


@frozen
class Token:
    kind: str  # ident, number, string, symbol, end
    text: str
    offset: int


@frozen
class ProtoField:
    name: str
    #: the type as written (`Order.Line`, `.shop.common.v1.Money`, `string`); a map's value type
    type: str
    number: int
    line: int
    #: `optional`, `required`, `repeated`, or None
    label: str | None = None
    #: a map's key type (`map<string, Money>`)
    key_type: str | None = None
    oneof: str | None = None
    default: str | None = None
    deprecated: bool = False


@frozen
class ProtoEnum:
    full_name: str
    line: int
    values: tuple[tuple[str, int, int], ...]  # (name, number, line)


@frozen
class ProtoMessage:
    full_name: str
    line: int
    fields: tuple[ProtoField, ...]
    oneofs: tuple[tuple[str, tuple[str, ...]], ...] = ()


@frozen
class ProtoRpc:
    name: str
    request: str
    response: str
    line: int
    client_streaming: bool = False
    server_streaming: bool = False


@frozen
class ProtoService:
    full_name: str
    line: int
    rpcs: tuple[ProtoRpc, ...]


@frozen
class ProtoFile:
    syntax: str
    package: str
    imports: tuple[str, ...]
    #: in declaration order, outer before inner
    messages: tuple[ProtoMessage, ...]
    enums: tuple[ProtoEnum, ...]
    services: tuple[ProtoService, ...]


class _Fault(Exception):
    def __init__(self, offset: int, message: str) -> None:
        super().__init__(message)
        self.offset = offset
        self.message = message


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    offset = 0
    while offset < len(text):
        match = _TOKEN.match(text, offset)
        if match is None:
            raise _Fault(offset, f"unexpected character {text[offset]!r}")
        kind = match.lastgroup or ""
        if kind == "open_comment":
            raise _Fault(offset, "unterminated /* comment")
        if kind == "open_string":
            raise _Fault(offset, "unterminated string")
        if kind not in ("space", "comment"):
            tokens.append(Token(kind, match.group(0), offset))
        offset = match.end()
    tokens.append(Token("end", "", len(text)))
    return tokens


def parse_proto(text: str) -> ProtoFile | Malformed:
    newlines = [m.start() for m in re.finditer("\n", text)]

    def position(offset: int) -> tuple[int, int]:
        before = bisect.bisect_left(newlines, offset)
        return before + 1, offset - (newlines[before - 1] + 1 if before else 0) + 1

    try:
        parser = _Parser(tokenize(text), lambda offset: position(offset)[0])
        return parser.file()
    except _Fault as fault:
        line, column = position(fault.offset)
        return Malformed(line, column, f"protobuf syntax error: {fault.message}")


class _Parser:
    def __init__(self, tokens: list[Token], line_of: Callable[[int], int]) -> None:
        self.tokens = tokens
        self.index = 0
        self.line_of = line_of
        self.syntax = "proto2"  # protobuf's own default when a file says nothing
        self.package = ""
        self.imports: list[str] = []
        self.messages: list[ProtoMessage] = []
        self.enums: list[ProtoEnum] = []
        self.services: list[ProtoService] = []

    # --- tokens ----------------------------------------------------------------------

    def peek(self, ahead: int = 0) -> Token:
        return self.tokens[min(self.index + ahead, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.peek()
        self.index = min(self.index + 1, len(self.tokens) - 1)
        return token

    def at(self, text: str, ahead: int = 0) -> bool:
        token = self.peek(ahead)
        return token.kind in ("symbol", "ident") and token.text == text

    def expect(self, text: str, where: str) -> Token:
        if not self.at(text):
            self.fail(f"expected '{text}' {where}")
        return self.advance()

    def fail(self, expected: str) -> None:
        token = self.peek()
        found = "end of file" if token.kind == "end" else f"'{token.text}'"
        raise _Fault(token.offset, f"{expected}, found {found}")

    def identifier(self, what: str) -> Token:
        if self.peek().kind != "ident":
            self.fail(f"expected {what}")
        return self.advance()

    def full_identifier(self, what: str) -> str:
        """`shop.common.v1.Money`, or `.shop.common.v1.Money` (fully qualified) as written."""
        parts = [""]
        if self.at("."):
            self.advance()
            parts[0] = "."
        parts.append(self.identifier(what).text)
        while self.at("."):
            self.advance()
            parts.append("." + self.identifier(what).text)
        return "".join(parts)

    def string(self, what: str) -> str:
        if self.peek().kind != "string":
            self.fail(f"expected {what} (a quoted string)")
        text = self.advance().text[1:-1]
        while self.peek().kind == "string":  # adjacent literals concatenate
            text += self.advance().text[1:-1]
        return text

    def integer(self, what: str) -> int:
        negative = self.at("-") and bool(self.advance())
        token = self.peek()
        if token.kind != "number" or not re.fullmatch(r"0[xX][0-9A-Fa-f]+|[0-9]+", token.text):
            self.fail(f"expected {what} (an integer)")
        self.advance()
        value = int(token.text, 16) if token.text[:2] in ("0x", "0X") else int(token.text, 8) if (
            len(token.text) > 1 and token.text.startswith("0")) else int(token.text)
        return -value if negative else value

    def line(self, token: Token) -> int:
        return self.line_of(token.offset)

    # --- skipping what the catalog does not need -----------------------------------------

    def skip_statement(self) -> None:
        """Up to and including the `;` that ends a statement, past balanced brackets (`option x = {a: 1};`)."""
        depth = 0
        while True:
            token = self.advance()
            if token.kind == "end":
                raise _Fault(token.offset, "expected ';', found end of file")
            if token.kind == "symbol" and token.text in "{[(<":
                depth += 1
            elif token.kind == "symbol" and token.text in "}])>":
                depth -= 1
                if depth < 0:
                    raise _Fault(token.offset, f"unexpected '{token.text}'")
            elif depth == 0 and token.kind == "symbol" and token.text == ";":
                return

    def skip_block(self) -> None:
        """A `{ ... }` block, balanced."""
        self.expect("{", "to open a block")
        depth = 1
        while depth:
            token = self.advance()
            if token.kind == "end":
                raise _Fault(token.offset, "expected '}', found end of file")
            if token.kind == "symbol" and token.text == "{":
                depth += 1
            elif token.kind == "symbol" and token.text == "}":
                depth -= 1

    def field_options(self) -> dict[str, str]:
        """`[default = 5, deprecated = true, (validate.rules).string.min_len = 1]` → the simple ones."""
        options: dict[str, str] = {}
        if not self.at("["):
            return options
        self.advance()
        while True:
            start = self.index
            depth = 0
            while depth > 0 or not (self.at(",") or self.at("]")):
                token = self.advance()
                if token.kind == "end":
                    raise _Fault(token.offset, "expected ']' to close the field options, found end of file")
                if token.kind == "symbol" and token.text in "{[(":
                    depth += 1
                elif token.kind == "symbol" and token.text in "}])":
                    depth -= 1
            written = self.tokens[start:self.index]
            if len(written) >= 3 and written[0].kind == "ident" and written[1].text == "=":
                options[written[0].text] = "".join(t.text for t in written[2:])
            if self.advance().text == "]":
                return options

    # --- declarations ----------------------------------------------------------------

    def file(self) -> ProtoFile:
        while self.peek().kind != "end":
            if self.at(";"):
                self.advance()
            elif self.at("syntax") or self.at("edition"):
                keyword = self.advance().text
                self.expect("=", f"after '{keyword}'")
                value = self.string(f"the {keyword}")
                self.syntax = value if keyword == "syntax" else f"edition {value}"
                self.expect(";", f"after the {keyword}")
            elif self.at("package"):
                self.advance()
                self.package = self.full_identifier("a package name").lstrip(".")
                self.expect(";", "after the package name")
            elif self.at("import"):
                self.advance()
                if self.at("weak") or self.at("public"):
                    self.advance()
                self.imports.append(self.string("the imported file"))
                self.expect(";", "after the import")
            elif self.at("option"):
                self.skip_statement()
            elif self.at("message"):
                self.message(self.package)
            elif self.at("enum"):
                self.enum(self.package)
            elif self.at("service"):
                self.service()
            elif self.at("extend"):
                self.advance()
                self.full_identifier("the extended message")
                self.skip_block()
            else:
                self.fail("expected a declaration (syntax, package, import, option, message, enum, service, extend)")
        return ProtoFile(self.syntax, self.package, tuple(self.imports), tuple(self.messages), tuple(self.enums),
                         tuple(self.services))

    def message(self, scope: str) -> None:
        self.expect("message", "")
        name = self.identifier("a message name")
        self.body(_scoped(scope, name.text), self.line(name))

    def body(self, full_name: str, line: int) -> None:
        """A message's `{ ... }`: fields, oneofs, maps, nested messages and enums; the rest read past."""
        self.expect("{", f"to open message {full_name.rsplit('.', 1)[-1]}")
        position = len(self.messages)  # the outer message is listed before the ones it nests
        fields: list[ProtoField] = []
        oneofs: list[tuple[str, tuple[str, ...]]] = []
        while not self.at("}"):
            if self.peek().kind == "end":
                self.fail(f"expected '}}' to close message {full_name.rsplit('.', 1)[-1]}")
            if self.at(";"):
                self.advance()
            elif self.at("message") and self.peek(2).text == "{":
                self.message(full_name)
            elif self.at("enum") and self.peek(2).text == "{":
                self.enum(full_name)
            elif self.at("oneof") and self.peek(2).text == "{":
                oneofs.append(self.oneof(full_name, fields))
            elif self.at("extend") and not self.at("=", 2):
                self.advance()
                self.full_identifier("the extended message")
                self.skip_block()
            elif (self.at("option") or self.at("reserved") or self.at("extensions")) and not self.at("=", 2):
                self.skip_statement()
            else:
                fields.append(self.field(full_name, None))
        self.advance()
        self.messages.insert(position, ProtoMessage(full_name, line, tuple(fields), tuple(oneofs)))

    def oneof(self, scope: str, fields: list[ProtoField]) -> tuple[str, tuple[str, ...]]:
        self.expect("oneof", "")
        name = self.identifier("a oneof name").text
        self.expect("{", f"to open oneof {name}")
        members: list[str] = []
        while not self.at("}"):
            if self.peek().kind == "end":
                self.fail(f"expected '}}' to close oneof {name}")
            if self.at(";"):
                self.advance()
            elif self.at("option") and not self.at("=", 2):
                self.skip_statement()
            else:
                member = self.field(scope, name)
                fields.append(member)
                members.append(member.name)
        self.advance()
        return name, tuple(members)

    def field(self, scope: str, oneof: str | None) -> ProtoField:
        label = None
        if (self.at("optional") or self.at("required") or self.at("repeated")) and not self.at("=", 2):
            label = self.advance().text
        if self.at("group") and self.peek(1).kind == "ident" and self.at("=", 2):
            return self.group(scope, label, oneof)
        if self.at("map") and self.at("<", 1):
            self.advance()
            self.advance()
            key = self.full_identifier("a map key type")
            self.expect(",", "between the map's key and value types")
            value = self.full_identifier("a map value type")
            self.expect(">", "to close the map type")
            name = self.identifier("a field name")
            self.expect("=", f"after field {name.text}")
            number = self.integer(f"the number of field {name.text}")
            options = self.field_options()
            self.expect(";", f"after field {name.text}")
            return ProtoField(name.text, value, number, self.line(name), "repeated", key, oneof,
                              deprecated=options.get("deprecated") == "true")
        type_name = self.full_identifier("a field type")
        name = self.identifier("a field name")
        self.expect("=", f"after field {name.text}")
        number = self.integer(f"the number of field {name.text}")
        options = self.field_options()
        self.expect(";", f"after field {name.text}")
        return ProtoField(name.text, type_name, number, self.line(name), label, None, oneof,
                          options.get("default"), options.get("deprecated") == "true")

    def group(self, scope: str, label: str | None, oneof: str | None) -> ProtoField:
        """proto2 `repeated group Line = 3 { ... }`: a nested message `Line` and a field `line` of that type."""
        self.advance()
        name = self.identifier("a group name")
        self.expect("=", f"after group {name.text}")
        number = self.integer(f"the number of group {name.text}")
        self.field_options()
        self.body(_scoped(scope, name.text), self.line(name))
        return ProtoField(name.text.lower(), name.text, number, self.line(name), label, None, oneof)

    def enum(self, scope: str) -> None:
        self.expect("enum", "")
        name = self.identifier("an enum name")
        self.expect("{", f"to open enum {name.text}")
        values: list[tuple[str, int, int]] = []
        while not self.at("}"):
            if self.peek().kind == "end":
                self.fail(f"expected '}}' to close enum {name.text}")
            if self.at(";"):
                self.advance()
            elif (self.at("option") or self.at("reserved")) and not self.at("=", 1):
                self.skip_statement()
            else:
                value = self.identifier("an enum value name")
                self.expect("=", f"after enum value {value.text}")
                number = self.integer(f"the number of enum value {value.text}")
                self.field_options()
                self.expect(";", f"after enum value {value.text}")
                values.append((value.text, number, self.line(value)))
        self.advance()
        self.enums.append(ProtoEnum(_scoped(scope, name.text), self.line(name), tuple(values)))

    def service(self) -> None:
        self.expect("service", "")
        name = self.identifier("a service name")
        self.expect("{", f"to open service {name.text}")
        rpcs: list[ProtoRpc] = []
        while not self.at("}"):
            if self.peek().kind == "end":
                self.fail(f"expected '}}' to close service {name.text}")
            if self.at(";"):
                self.advance()
            elif self.at("option"):
                self.skip_statement()
            elif self.at("rpc"):
                rpcs.append(self.rpc())
            else:
                self.fail(f"expected 'rpc' or 'option' in service {name.text}")
        self.advance()
        self.services.append(ProtoService(_scoped(self.package, name.text), self.line(name), tuple(rpcs)))

    def rpc(self) -> ProtoRpc:
        self.expect("rpc", "")
        name = self.identifier("an rpc name")
        streams: list[bool] = []
        types: list[str] = []
        for what in ("request", "response"):
            if what == "response":
                self.expect("returns", f"after the request type of rpc {name.text}")
            self.expect("(", f"before the {what} type of rpc {name.text}")
            streaming = self.at("stream") and self.peek(1).kind in ("ident", "symbol") and not self.at(")", 1)
            if streaming:
                self.advance()
            streams.append(streaming)
            types.append(self.full_identifier(f"the {what} type"))
            self.expect(")", f"after the {what} type of rpc {name.text}")
        if self.at("{"):
            self.skip_block()
        else:
            self.expect(";", f"after rpc {name.text}")
        return ProtoRpc(name.text, types[0], types[1], self.line(name), streams[0], streams[1])


def _scoped(scope: str, name: str) -> str:
    return f"{scope}.{name}" if scope else name


def resolve(type_name: str, scope: str, known: dict[str, str]) -> str | None:
    """The full name a type reference means from inside `scope`, innermost scope first (None: not known)."""
    if type_name.startswith("."):
        return type_name[1:] if type_name[1:] in known else None
    parts = scope.split(".") if scope else []
    for end in range(len(parts), -1, -1):
        candidate = ".".join([*parts[:end], type_name])
        if candidate in known:
            return candidate
    return None


# --- catalog items ---------------------------------------------------------------------

SOURCE = "protobuf"


def read(files: Sequence[CatalogFile]) -> tuple[Part, list[SchemaFile]]:
    parsed: list[tuple[CatalogFile, ProtoFile]] = []
    problems: list[Problem] = []
    for file in files:
        try:
            result = parse_proto(file.text())
        except Unreadable as error:
            problems.append(error.problem)
            continue
        if isinstance(result, Malformed):
            problems.append(file.problem(result.message, result.line, result.column))
        else:
            parsed.append((file, result))
    # every message and enum of every file: a field's type may live in an imported file
    known = {m.full_name: "message" for _, proto in parsed for m in proto.messages}
    known.update({e.full_name: "enum" for _, proto in parsed for e in proto.enums})
    items: list[Item] = []
    relationships: list[Relationship] = []
    schema_files: list[SchemaFile] = []
    for file, proto in parsed:
        context = _FileContext(file, proto, known)
        items.extend(context.message_item(message) for message in proto.messages)
        items.extend(context.enum_item(enum) for enum in proto.enums)
        for service in proto.services:
            for rpc in service.rpcs:
                item, links = context.rpc_item(service, rpc)
                items.append(item)
                relationships.extend(links)
        schema_files.append(context.schema_file())
    return Part(tuple(items), tuple(relationships), tuple(problems)), schema_files


class _FileContext:
    def __init__(self, file: CatalogFile, proto: ProtoFile, known: dict[str, str]) -> None:
        self.file = file
        self.proto = proto
        self.known = known
        self.facts = tuple((k, v) for k, v in (("package", proto.package), ("syntax", proto.syntax),
                                               ("imports", ", ".join(proto.imports))) if v)

    def origin(self, line: int) -> Origin:
        return Origin(SOURCE, self.file.display_path, line)

    def type_name(self, written: str, scope: str) -> str:
        if written in SCALARS:
            return written
        return resolve(written, scope, self.known) or written.lstrip(".")

    def message_item(self, message: ProtoMessage) -> Item:
        fields = tuple(self.field(f, message.full_name) for f in message.fields)
        oneofs = "; ".join(f"{name}: {', '.join(members)}" for name, members in message.oneofs)
        facts = (("kind", "message"), *self.facts, *((("oneofs", oneofs),) if oneofs else ()))
        return Item("schema", message.full_name, (self.origin(message.line),), fields, facts=facts)

    def field(self, written: ProtoField, scope: str) -> Field:
        value_type = self.type_name(written.type, scope)
        notes = [f"field {written.number}"]
        if written.oneof:
            notes.append(f"of oneof {written.oneof}")
        if written.deprecated:
            notes.append("(deprecated)")
        if written.key_type is not None:
            type_name, nullable = f"map<{written.key_type}, {value_type}>", False
        elif written.label == "repeated":
            type_name, nullable = f"{value_type}[]", False
        else:
            type_name, nullable = value_type, self.presence(written, value_type)
        return Field(written.name, type_name, nullable, redact(written.default) if written.default else None,
                     line=written.line, description=" ".join(notes))

    def presence(self, written: ProtoField, type_name: str) -> bool:
        """Whether an unset field reads as absent (nullable) rather than as its zero value."""
        if written.label in ("optional", "required"):
            return written.label == "optional"
        if written.oneof or self.proto.syntax != "proto3":
            return True  # oneof members, proto2 and editions (explicit presence by default)
        # proto3: messages have presence, scalars and enums read as their zero value
        return type_name not in SCALARS and self.known.get(type_name) != "enum"

    def enum_item(self, enum: ProtoEnum) -> Item:
        fields = tuple(Field(name, line=line, description=f"value {number}") for name, number, line in enum.values)
        values = ", ".join(f"{name}={number}" for name, number, _ in enum.values)
        return Item("schema", enum.full_name, (self.origin(enum.line),), fields,
                    facts=(("kind", "enum"), ("values", values), *self.facts))

    def rpc_item(self, service: ProtoService, rpc: ProtoRpc) -> tuple[Item, list[Relationship]]:
        scope = self.proto.package
        request, response = self.type_name(rpc.request, scope), self.type_name(rpc.response, scope)
        streaming = {(True, True): "bidirectional", (True, False): "client", (False, True): "server"}.get(
            (rpc.client_streaming, rpc.server_streaming))
        facts = (("kind", "grpc"), ("service", service.full_name), ("request", request), ("response", response),
                 *((("streaming", streaming),) if streaming else ()), *self.facts)
        item = Item("operation", f"rpc {service.full_name}/{rpc.name}", (self.origin(rpc.line),), facts=facts)
        links = [Relationship(item_id("schema", name), item.id, "schema_of", self.origin(rpc.line), label)
                 for name, label in ((request, "request"), (response, "response")) if name in self.known]
        return item, links

    def schema_file(self) -> SchemaFile:
        prefix = f"{self.proto.package}." if self.proto.package else ""
        top_messages = [m for m in self.proto.messages if "." not in m.full_name[len(prefix):]]
        top_enums = [e for e in self.proto.enums if "." not in e.full_name[len(prefix):]]
        top = [(item_id("schema", m.full_name), m.full_name, m.line) for m in top_messages]
        top += [(item_id("schema", e.full_name), e.full_name, e.line) for e in top_enums]
        # Schema Registry's Protobuf serializer describes a subject by the file's first message
        first = min(top_messages, key=lambda m: m.line, default=None)
        subject = ((item_id("schema", first.full_name), first.full_name, first.line),) if first else ()
        return SchemaFile(self.file.display_path, SOURCE, subject, tuple(sorted(top, key=lambda t: t[2])))
