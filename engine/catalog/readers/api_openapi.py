"""OpenAPI 3.x and Swagger 2.0 documents (YAML or JSON): operations and component schemas.

Each operation is an item named as a client calls it, `GET /v2/orders/{orderId}`: the
method, and the path as written behind the API's base path (Swagger's `basePath`, or the
path of OpenAPI's first server URL). Its fields are what goes in and comes out, flattened:
parameters (`path.orderId`, `query.limit`, `header.X-Request-Id`), the request body
(`body.items[].sku`) and the first successful response (`response.total`), each from the
first JSON media type. Component schemas (`components.schemas`, `definitions`) are items
of their own, and each operation is joined to the components its payloads use.

Only documents whose top level says `openapi:` or `swagger:` are read; other YAML and JSON
is left to the readers it belongs to, without a word.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import urlsplit

from attrs import evolve

from flowscan.catalog.files import CatalogFile, Unreadable
from flowscan.catalog.model import Field, Item, Origin, Part, Problem, Relationship, item_id
from flowscan.catalog.readers.schema_fields import (
    MAX_FIELDS,
    Flattened,
    SchemaWalker,
    reference_name,
    resolve_pointer,
)
from flowscan.catalog.readers.schema_nodes import Malformed, Node, load_json, load_yaml, scalar_text
from flowscan.redact import redact

SOURCE = "openapi"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
#: the top-level `openapi:` key is near the start of every real spec; a file's first 64 KiB decide
HEAD_BYTES = 65_536
# A block-YAML key at column 0 is a top-level key; JSON keys are quoted, with a version string.
_YAML_MARK = re.compile(rb"^(?:openapi|swagger)[ \t]*:", re.MULTILINE)
_JSON_MARK = re.compile(rb'"(?:openapi|swagger)"\s*:\s*"[23]')
_PARAMETER_PLACES = ("path", "query", "header", "cookie", "formData")


def claims(file: CatalogFile) -> bool:
    display_path = file.display_path
    return display_path.lower().endswith((".yaml", ".yml", ".json"))


def looks_like_spec(file: CatalogFile) -> bool:
    """Whether the head of a file names an OpenAPI or Swagger version at its top level (cheap)."""
    head = file.head(HEAD_BYTES)
    return bool(_YAML_MARK.search(head) or _JSON_MARK.search(head))


def read(files: Sequence[CatalogFile]) -> Part:
    items: list[Item] = []
    relationships: list[Relationship] = []
    problems: list[Problem] = []
    for file in files:
        try:
            spec = looks_like_spec(file)
        except Unreadable:
            # not known to be a spec: the readers of YAML and JSON in general say it was unreadable
            continue
        if not spec:
            continue
        try:
            part = read_spec(file, file.text())
        except Unreadable as error:
            problems.append(error.problem)
            continue
        items.extend(part.items)
        relationships.extend(part.relationships)
        problems.extend(part.problems)
    return Part(tuple(items), tuple(relationships), tuple(problems))


def read_spec(file: CatalogFile, text: str) -> Part:
    loaded = load_json(text) if file.name.lower().endswith(".json") else _first_document(load_yaml(text))
    if isinstance(loaded, Malformed):
        return Part(problems=(file.problem(loaded.message, loaded.line, loaded.column),))
    if loaded is None or not (loaded.text("openapi") or loaded.text("swagger")):
        return Part()  # the head matched inside something else: not a spec after all
    return _Spec(file, loaded).read()


def _first_document(loaded: list[Node] | Malformed) -> Node | Malformed | None:
    if isinstance(loaded, Malformed):
        return loaded
    return loaded[0] if loaded else None


class _Spec:
    def __init__(self, file: CatalogFile, document: Node) -> None:
        self.file = file
        self.document = document
        self.swagger = document.text("swagger") is not None
        self.walker = SchemaWalker(document)
        self.components = "#/definitions/" if self.swagger else "#/components/schemas/"
        self.base_path = _swagger_base(document) if self.swagger else _server_base(document)
        self.problems: list[Problem] = []
        #: items whose fields MAX_FIELDS cut, with their line: one problem says it for the document
        self.truncated: dict[str, int] = {}
        info = document.get("info") or Node({}, 1, 1)
        version = document.text("swagger") or document.text("openapi") or ""
        self.api_facts = tuple((k, redact(v)) for k, v in (
            ("api", info.text("title")), ("api_version", info.text("version")),
            ("spec", f"{'swagger' if self.swagger else 'openapi'} {version}")) if v)

    def origin(self, line: int) -> Origin:
        return Origin(SOURCE, self.file.display_path, line)

    def read(self) -> Part:
        items: list[Item] = []
        relationships: list[Relationship] = []
        paths = self.document.get("paths")
        if paths is not None and not paths.is_map and paths.value is not None:
            self.problems.append(self.file.problem("`paths` is not a mapping: no operations read", paths.line, paths.column))
        for path, written in (paths.entries() if paths is not None else {}).items():
            path_item = self._resolved(written)
            for method in HTTP_METHODS:
                operation = path_item.get(method)
                if operation is None:
                    continue
                if not operation.is_map:
                    self.problems.append(self.file.problem(f"{method} {path}: the operation is not a mapping",
                                                           operation.line, operation.column))
                    continue
                item, links = self._operation(method, path, path_item, operation, path_item.key_line(method))
                items.append(item)
                relationships.extend(links)
        items.extend(self._schemas())
        self.problems.extend(self.file.problem(f"unresolved reference {pointer}", line, column)
                             for pointer, (line, column) in self.walker.unresolved.items())
        if self.truncated:
            first, line = next(iter(self.truncated.items()))
            others = f" and {len(self.truncated) - 1} more" if len(self.truncated) > 1 else ""
            self.problems.append(self.file.problem(
                f"{first}{others} have more than {MAX_FIELDS} fields: the rest are not listed", line))
        if self.walker.exhausted:
            self.problems.append(self.file.problem(
                "schemas too large to flatten in full: some payload fields are left out", self.document.line))
        return Part(tuple(items), tuple(relationships), tuple(self.problems))

    # --- operations ------------------------------------------------------------------

    def _operation(self, method: str, path: str, path_item: Node, operation: Node, line: int
                   ) -> tuple[Item, list[Relationship]]:
        name = f"{method.upper()} {_joined(self.base_path, path)}"
        fields: dict[str, Field] = {}
        used: dict[str, str] = {}  # component pointer → where the operation names it

        def take(flattened: Flattened, where: str, written: Node) -> None:
            for found in flattened.fields:
                fields.setdefault(found.name, found)
            for pointer in self._components_named(written, set()):
                used.setdefault(pointer, where)
            if flattened.truncated:
                self.truncated.setdefault(name, line)

        for parameter, parameter_line in self._parameters(path_item, operation):
            flattened = self._parameter(parameter, parameter_line)
            if flattened is not None:
                take(flattened, f"parameter {parameter.text('name')}", parameter)
        body = self._request_body(operation)
        if body is not None:
            schema, required = body
            take(self.walker.flatten(schema, "body", required=required), "request body", schema)
        status, response = self._response(operation)
        if response is not None:
            take(self.walker.flatten(response, "response", required=True), f"response {status}", response)
        tags = operation.get("tags")
        facts = [("method", method.upper()), ("path", path), ("base_path", self.base_path),
                 ("operation_id", operation.text("operationId")),
                 ("tags", ", ".join(t.value for t in tags.elements() if isinstance(t.value, str)) if tags else None),
                 ("summary", operation.text("summary")), ("response_status", status),
                 ("deprecated", "true" if operation.text("deprecated") == "true" else None), *self.api_facts]
        description = operation.text("description")  # the summary is a fact already
        item = Item("operation", name, (self.origin(line),), tuple(fields.values()),
                    facts=tuple((k, redact(v)) for k, v in facts if v),
                    description=redact(" ".join(description.split())) if description else None)
        links = [Relationship(item_id("schema", reference_name(pointer)), item.id, "schema_of", self.origin(line), where)
                 for pointer, where in used.items()]
        return item, links

    def _parameters(self, path_item: Node, operation: Node) -> list[tuple[Node, int]]:
        """Path-level parameters, then the operation's, which override them by (place, name)."""
        chosen: dict[tuple[str | None, str | None], tuple[Node, int]] = {}
        for holder in (path_item, operation):
            listed = holder.get("parameters")
            for written in listed.elements() if listed is not None else []:
                parameter = self._resolved(written)
                chosen[(parameter.text("in"), parameter.text("name"))] = (parameter, written.line)
        return list(chosen.values())

    def _parameter(self, parameter: Node, line: int) -> Flattened | None:
        place, name = parameter.text("in"), parameter.text("name")
        if place not in _PARAMETER_PLACES or not name:
            return None  # Swagger's `in: body` is the request body, read there
        # OpenAPI 3 puts the type in `schema` (or `content`); Swagger 2 on the parameter itself
        schema = parameter.get("schema") or _media_schema(parameter.get("content"))[1] or parameter
        required = parameter.text("required") == "true" or place == "path"
        prefix = f"{'form' if place == 'formData' else place}.{name}"
        flattened = self.walker.flatten(schema, prefix, required=required, line=line)
        described = parameter.text("description")
        if described and flattened.fields:
            first = evolve(flattened.fields[0], description=redact(" ".join(described.split())))
            flattened = evolve(flattened, fields=(first, *flattened.fields[1:]))
        return flattened

    def _request_body(self, operation: Node) -> tuple[Node, bool] | None:
        if self.swagger:
            listed = operation.get("parameters")
            for written in listed.elements() if listed is not None else []:
                parameter = self._resolved(written)
                if parameter.text("in") == "body" and parameter.get("schema") is not None:
                    return parameter.get("schema"), parameter.text("required") == "true"  # type: ignore[return-value]
            return None
        body = operation.get("requestBody")
        if body is None:
            return None
        body = self._resolved(body)
        schema = _media_schema(body.get("content"))[1]
        return (schema, body.text("required") == "true") if schema is not None else None

    def _response(self, operation: Node) -> tuple[str | None, Node | None]:
        """The first successful response (lowest 2xx, then `2XX`) and its schema."""
        responses = operation.get("responses")
        codes = [c for c in (responses.entries() if responses is not None else {}) if c.startswith("2")]
        if not codes or responses is None:
            return None, None
        status = min(codes, key=lambda code: (not code.isdigit(), code))
        response = self._resolved(responses.entries()[status])
        if self.swagger:
            return status, response.get("schema")
        return status, _media_schema(response.get("content"))[1]

    def _components_named(self, node: Node, seen: set[int], depth: int = 0) -> list[str]:
        """Component schemas an operation's own text names (`$ref: '#/components/schemas/Order'`).

        Only what the operation names, not what those components name in turn: an order
        response is described by `Order`, not by every schema `Order` is built from.
        """
        if id(node) in seen or depth > 40:
            return []
        seen.add(id(node))
        pointer = node.text("$ref")
        if pointer is not None:
            if pointer.startswith(self.components):
                return [pointer]
            target = resolve_pointer(self.document, pointer)  # a shared parameter or response: read through
            return self._components_named(target, seen, depth + 1) if target is not None else []
        children = node.elements() if node.is_list else list(node.entries().values())
        return [p for child in children for p in self._components_named(child, seen, depth + 1)]

    def _resolved(self, node: Node) -> Node:
        """A `$ref`-erenced parameter, body, response or path item; the node itself when it is none."""
        for _ in range(8):
            pointer = node.text("$ref")
            if pointer is None:
                break
            target = resolve_pointer(self.document, pointer)
            if target is None:
                self.walker.unresolved.setdefault(pointer, (node.line, node.column))
                break
            node = target
        return node

    # --- component schemas -----------------------------------------------------------

    def _schemas(self) -> list[Item]:
        holder = self.document.get("definitions") if self.swagger else (self.document.get("components") or Node({}, 1, 1)).get("schemas")
        if holder is None:
            return []
        items = []
        for name, schema in holder.entries().items():
            pointer = self.components + name.replace("~", "~0").replace("/", "~1")
            flattened = self.walker.flatten(schema, "", ancestors=frozenset({pointer}))
            shape = self.walker.shape(schema, frozenset({pointer}), 0)
            facts = (("type", shape.type), *self.api_facts)
            items.append(Item("schema", name, (self.origin(holder.key_line(name)),), flattened.fields,
                              facts=tuple((k, redact(v)) for k, v in facts if v), description=shape.description))
            if flattened.truncated:
                self.truncated.setdefault(f"schema {name}", holder.key_line(name))
        return items


def _media_schema(content: Node | None) -> tuple[str | None, Node | None]:
    """The first JSON media type's schema (`application/json`, `application/hal+json`), else the first one's."""
    entries = content.entries() if content is not None else {}
    if not entries:
        return None, None
    json_types = [media for media in entries if media.split(";")[0].strip().lower().endswith(("/json", "+json"))]
    media = json_types[0] if json_types else next(iter(entries))
    return media, entries[media].get("schema")


def _swagger_base(document: Node) -> str:
    return _clean_base(document.text("basePath") or "")


def _server_base(document: Node) -> str:
    servers = document.get("servers")
    first = servers.elements()[0] if servers is not None and servers.elements() else None
    url = first.text("url") if first is not None else None
    if not url or first is None:
        return ""
    variables = first.get("variables")
    for variable, spec in (variables.entries() if variables is not None else {}).items():
        default = spec.get("default")
        if default is not None and default.value is not None:
            url = url.replace("{" + variable + "}", scalar_text(default.value))  # type: ignore[arg-type]
    path = urlsplit(url).path if "://" in url else url.split("?", 1)[0]
    return _clean_base(path)


def _clean_base(path: str) -> str:
    path = path.strip().rstrip("/")
    return "" if not path else path if path.startswith("/") else "/" + path


def _joined(base: str, path: str) -> str:
    return base + (path if path.startswith("/") else "/" + path)
