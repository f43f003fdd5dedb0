"""Kafka topics a repository declares with their settings: admin-client code and Strimzi resources.

- Java: `new NewTopic("orders", 6, (short) 3)` (kafka-clients; `Optional` arguments and a
  chained `.configs(Map.of(...))` too) and Spring's
  `TopicBuilder.name("orders").partitions(6).replicas(3).config(TopicConfig.RETENTION_MS_CONFIG, "604800000")`.
- Python: `NewTopic("orders", num_partitions=6, replication_factor=3, config={...})`
  (confluent-kafka) and `NewTopic(name=..., topic_configs={...})` (kafka-python, aiokafka).
- Strimzi `kind: KafkaTopic` resources: `spec.topicName` or `metadata.name`, partitions,
  replicas and `spec.config`.

Code is parsed with tree-sitter, and only files that mention `NewTopic` or `TopicBuilder`
are parsed at all. A topic's name may be a literal, a constant of the same file, or the
variable of a loop over a literal list (`[NewTopic(t, ...) for t in ("a", "b")]`); a name
computed otherwise is not guessed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

import tree_sitter as ts

from flowscan.catalog.files import CatalogFile, Unreadable
from flowscan.catalog.model import Item, Origin, Part, Problem
from flowscan.catalog.readers.schema_nodes import Malformed, Node, load_yaml, scalar_text
from flowscan.languages import adapter
from flowscan.languages.base import Adapter, node_text
from flowscan.redact import MASK, is_secret_name, redact

ADMIN_SOURCE = "kafka-admin"
STRIMZI_SOURCE = "strimzi"
_CODE_NEEDLES = (b"NewTopic", b"TopicBuilder")
_CHUNK = 1 << 20
_KIND = re.compile(r"""^\s*["']?kind["']?\s*:\s*["']?KafkaTopic\b""", re.MULTILINE)
#: a fact value taken from code as written (not a literal) is cut to this length
_MAX_EXPRESSION = 120
# org.apache.kafka.common.config.TopicConfig constants whose names do not spell their keys
_TOPIC_CONFIG = {
    "CLEANUP_POLICY_COMPACT": "compact",
    "CLEANUP_POLICY_DELETE": "delete",
    "MIN_IN_SYNC_REPLICAS_CONFIG": "min.insync.replicas",
    "LOCAL_LOG_RETENTION_MS_CONFIG": "local.retention.ms",
    "LOCAL_LOG_RETENTION_BYTES_CONFIG": "local.retention.bytes",
    "REMOTE_LOG_STORAGE_ENABLE_CONFIG": "remote.storage.enable",
}
# calls that hand their one argument through: `Optional.of(6)`, `String.valueOf(7 * 86400000L)`
_JAVA_PASS_THROUGH = frozenset({"Optional.of", "Optional.ofNullable", "String.valueOf", "Long.toString",
                                "Integer.toString"})
_JAVA_BODIES = frozenset({"method_declaration", "constructor_declaration", "lambda_expression", "static_initializer"})
_PYTHON_PARAMETERS = ("name", "num_partitions", "replication_factor", "replica_assignment", "config")
_PYTHON_KEYWORDS = {"topic": "name", "name": "name", "num_partitions": "num_partitions",
                    "replication_factor": "replication_factor", "config": "config", "topic_configs": "config"}


def mentions(file: CatalogFile, needles: Sequence[bytes]) -> bool:
    """Whether a file contains any of `needles`, read in chunks: a large file costs no more than its size."""
    overlap = max(len(n) for n in needles) - 1
    try:
        with open(file.path, "rb") as handle:
            tail = b""
            while chunk := handle.read(_CHUNK):
                window = tail + chunk
                if any(n in window for n in needles):
                    return True
                tail = window[-overlap:]
    except OSError as error:
        raise Unreadable(file.problem(f"unreadable: {error.strerror or error}")) from None
    return False


def read(files: Sequence[CatalogFile]) -> Part:
    items: list[Item] = []
    problems: list[Problem] = []
    for file in files:
        lowered = file.name.lower()
        code = lowered.endswith((".java", ".py"))
        try:
            declares = mentions(file, _CODE_NEEDLES if code else (b"KafkaTopic",))
        except Unreadable:
            continue  # not known to declare topics: the scan and the readers of YAML report unreadable files
        if not declares:
            continue
        try:
            if code:
                items.extend(_code_topics(file, file.text()))
            else:
                found, problem = _strimzi_topics(file, file.text())
                items.extend(found)
                problems.extend(problem)
        except Unreadable as error:
            problems.append(error.problem)
    return Part(tuple(items), problems=tuple(problems))


def _topic(name: str, source: str, file: CatalogFile, line: int, facts: list[tuple[str, str | None]]) -> Item:
    kept = tuple((key, _shown(key, value)) for key, value in facts if value is not None and value != "")
    return Item("topic", name, (Origin(source, file.display_path, line),), facts=kept)


def _shown(key: str, value: str) -> str:
    """A setting as the catalog may show it: `ssl.truststore.password` masked unless it names a placeholder."""
    if is_secret_name(key) and "${" not in value and "{{" not in value:
        return MASK
    return redact(value)


def _walk(root: ts.Node) -> Iterator[ts.Node]:
    cursor = [root]
    while cursor:
        node = cursor.pop()
        yield node
        cursor.extend(reversed(node.children))


def _code_topics(file: CatalogFile, text: str) -> list[Item]:
    if file.name.lower().endswith(".java"):
        java = adapter("java")
        return _JavaTopics(file, java, java.parse(text.encode()).root_node).topics()
    python = adapter("python")
    return _PythonTopics(file, python, python.parse(text.encode()).root_node).topics()


def _declared(declarations: Iterator[ts.Node]) -> dict[str, ts.Node]:
    """Name → value of the `variable_declarator`s of Java declarations (first one wins)."""
    found: dict[str, ts.Node] = {}
    for declaration in declarations:
        for declarator in declaration.children_by_field_name("declarator"):
            name, value = declarator.child_by_field_name("name"), declarator.child_by_field_name("value")
            if name is not None and value is not None:
                found.setdefault(node_text(name), value)
    return found


def _integer_literal(text: str) -> str | None:
    digits = text.replace("_", "")
    try:
        return str(int(digits, 8) if len(digits) > 1 and digits.isdigit() and digits[0] == "0" else int(digits, 0))
    except ValueError:
        return None


def _arithmetic(left: str | None, operator: str, right: str | None) -> str | None:
    """Constant integer arithmetic as settings are written (`7 * 24 * 3600 * 1000`); None when not integers."""
    if left is None or right is None or not left.lstrip("-").isdigit() or not right.lstrip("-").isdigit():
        return None
    a, b = int(left), int(right)
    if operator == "*" and abs(a * b) < 10**18:
        return str(a * b)
    if operator in ("+", "-"):
        return str(a + b if operator == "+" else a - b)
    if operator in ("/", "//") and b != 0 and a % b == 0:
        return str(a // b)
    return None


def _expression(node: ts.Node) -> str:
    text = " ".join(node_text(node).split())
    return text if len(text) <= _MAX_EXPRESSION else text[: _MAX_EXPRESSION - 1] + "…"


# --- Java ------------------------------------------------------------------------------


class _JavaTopics:
    def __init__(self, file: CatalogFile, language: Adapter, root: ts.Node) -> None:
        self.file = file
        self.language = language
        self.root = root
        # `static final String ORDERS_TOPIC = "orders";`: the fields of this file's classes
        self.constants = _declared(n for n in _walk(root) if n.type == "field_declaration")

    def topics(self) -> list[Item]:
        found: list[Item] = []
        for node in _walk(self.root):
            if node.type == "object_creation_expression":
                kind = node.child_by_field_name("type")
                if kind is not None and node_text(kind).split("<")[0].split(".")[-1] == "NewTopic":
                    found.extend(self.new_topic(node))
            elif node.type == "method_invocation" and self.is_builder_start(node):
                found.extend(self.builder(node))
        return found

    def value(self, node: ts.Node | None, depth: int = 0) -> str | None:
        """A literal value, through casts, parentheses, `Optional.of`, same-file constants and TopicConfig names."""
        if node is None or depth > 8:
            return None
        kind = node.type
        if kind == "string_literal":
            return self.language.string_value(node)
        if kind in ("decimal_integer_literal", "hex_integer_literal"):
            return _integer_literal(node_text(node).rstrip("lL"))
        if kind in ("cast_expression", "parenthesized_expression"):
            inner = node.child_by_field_name("value") or (node.named_children[-1] if node.named_children else None)
            return self.value(inner, depth + 1)
        if kind == "identifier":
            return self.value(self.local(node) or self.constants.get(node_text(node)), depth + 1)
        if kind == "field_access":
            field = node.child_by_field_name("field")
            owner = node.child_by_field_name("object")
            name = node_text(field) if field is not None else ""
            if owner is not None and node_text(owner).split(".")[-1] == "TopicConfig":
                return _TOPIC_CONFIG.get(name) or name.removesuffix("_CONFIG").lower().replace("_", ".")
            return self.value(self.constants.get(name), depth + 1)
        if kind == "method_invocation" and self.call_name(node) in _JAVA_PASS_THROUGH:
            arguments = self.arguments(node)
            return self.value(arguments[0], depth + 1) if len(arguments) == 1 else None
        if kind == "binary_expression":
            operator = node.child_by_field_name("operator")
            return _arithmetic(self.value(node.child_by_field_name("left"), depth + 1),
                               node_text(operator) if operator is not None else "",
                               self.value(node.child_by_field_name("right"), depth + 1))
        return None

    def local(self, name: ts.Node) -> ts.Node | None:
        """The value of a local variable of the method the name is used in (`String topic = "orders";`)."""
        scope = name.parent
        while scope is not None and scope.type not in _JAVA_BODIES:
            scope = scope.parent
        if scope is None:
            return None
        locals_ = _declared(n for n in _walk(scope) if n.type == "local_variable_declaration")
        return locals_.get(node_text(name))

    def setting(self, node: ts.Node) -> str:
        """A config value: the literal when there is one, else the expression as written."""
        return self.value(node) or _expression(node)

    def call_name(self, node: ts.Node) -> str:
        owner, name = node.child_by_field_name("object"), node.child_by_field_name("name")
        return f"{node_text(owner) + '.' if owner is not None else ''}{node_text(name) if name is not None else ''}"

    def arguments(self, node: ts.Node) -> list[ts.Node]:
        listed = node.child_by_field_name("arguments")
        return [c for c in listed.named_children if c.type != "comment"] if listed is not None else []

    def chain(self, node: ts.Node) -> Iterator[ts.Node]:
        """The calls chained on `node`: `x.partitions(6).replicas(3)` yields the partitions and replicas calls."""
        while (parent := node.parent) is not None and parent.type == "method_invocation" and \
                parent.child_by_field_name("object") == node:
            yield parent
            node = parent

    def map_pairs(self, node: ts.Node) -> list[tuple[str, str]]:
        """`Map.of("k", "v", ...)`, `Map.ofEntries(Map.entry(k, v), ...)`, `Collections.singletonMap(k, v)`."""
        if node.type != "method_invocation":
            return []
        name = self.call_name(node).split(".")[-1]
        arguments = self.arguments(node)
        if name == "ofEntries":
            return [pair for entry in arguments for pair in self.map_pairs_of_entry(entry)]
        if name in ("of", "singletonMap"):
            pairs = []
            for key, value in zip(arguments[::2], arguments[1::2], strict=False):  # an odd last one: not a pair
                written = self.value(key)
                if written is not None:
                    pairs.append((written, self.setting(value)))
            return pairs
        return []

    def map_pairs_of_entry(self, node: ts.Node) -> list[tuple[str, str]]:
        arguments = self.arguments(node) if node.type == "method_invocation" else []
        key = self.value(arguments[0]) if len(arguments) == 2 else None
        return [(key, self.setting(arguments[1]))] if key is not None else []

    def new_topic(self, node: ts.Node) -> list[Item]:
        arguments = self.arguments(node)
        name = self.value(arguments[0]) if arguments else None
        if not name:
            return []
        facts: list[tuple[str, str | None]] = [("declared_with", "NewTopic")]
        if len(arguments) == 3:
            facts += [("partitions", self.value(arguments[1])), ("replicas", self.value(arguments[2]))]
        for call in self.chain(node):
            if self.call_name(call).endswith("configs"):
                facts += [pair for argument in self.arguments(call)[:1] for pair in self.map_pairs(argument)]
        return [_topic(name, ADMIN_SOURCE, self.file, node.start_point[0] + 1, facts)]

    def is_builder_start(self, node: ts.Node) -> bool:
        owner, name = node.child_by_field_name("object"), node.child_by_field_name("name")
        return (name is not None and node_text(name) == "name" and owner is not None
                and node_text(owner).split(".")[-1] == "TopicBuilder")

    def builder(self, node: ts.Node) -> list[Item]:
        arguments = self.arguments(node)
        name = self.value(arguments[0]) if arguments else None
        if not name:
            return []
        facts: list[tuple[str, str | None]] = [("declared_with", "TopicBuilder")]
        for call in self.chain(node):
            method = node_text(call.child_by_field_name("name"))  # type: ignore[arg-type]
            given = self.arguments(call)
            if method in ("partitions", "replicas") and given:
                facts.append((method, self.value(given[0])))
            elif method == "config" and len(given) == 2 and (key := self.value(given[0])):
                facts.append((key, self.setting(given[1])))
            elif method == "configs" and given:
                facts += self.map_pairs(given[0])
            elif method == "compact":
                facts.append(("cleanup.policy", "compact"))
        return [_topic(name, ADMIN_SOURCE, self.file, node.start_point[0] + 1, facts)]


# --- Python ----------------------------------------------------------------------------


class _PythonTopics:
    def __init__(self, file: CatalogFile, language: Adapter, root: ts.Node) -> None:
        self.file = file
        self.language = language
        self.root = root
        self.imports = language.imports(root)
        # module-level `SHIPMENTS = "shipments"`
        self.constants: dict[str, ts.Node] = {}
        for statement in root.named_children:
            assignment = statement.named_children[0] if statement.type == "expression_statement" and \
                statement.named_children else None
            if assignment is not None and assignment.type == "assignment":
                left, right = assignment.child_by_field_name("left"), assignment.child_by_field_name("right")
                if left is not None and right is not None and left.type == "identifier":
                    self.constants[node_text(left)] = right

    def topics(self) -> list[Item]:
        found: list[Item] = []
        for node in _walk(self.root):
            if node.type != "call":
                continue
            function = node.child_by_field_name("function")
            name = self.language.qualified_name(function) if function is not None else None
            if name and name[-1] == "NewTopic":
                found.extend(self.new_topic(node, self.language.resolve(name, self.imports)))
        return found

    def new_topic(self, node: ts.Node, qualified: tuple[str, ...]) -> list[Item]:
        given: dict[str, ts.Node] = {}
        listed = node.child_by_field_name("arguments")
        positional = 0
        for argument in listed.named_children if listed is not None else []:
            if argument.type == "keyword_argument":
                keyword, value = argument.child_by_field_name("name"), argument.child_by_field_name("value")
                parameter = _PYTHON_KEYWORDS.get(node_text(keyword)) if keyword is not None else None
                if parameter is not None and value is not None:
                    given[parameter] = value
            elif argument.type != "comment" and positional < len(_PYTHON_PARAMETERS):
                given.setdefault(_PYTHON_PARAMETERS[positional], argument)
                positional += 1
        names = self.strings(given.get("name"), node)
        facts: list[tuple[str, str | None]] = [
            ("declared_with", ".".join(qualified)),
            ("partitions", self.integer(given.get("num_partitions"))),
            ("replicas", self.integer(given.get("replication_factor"))),
            *self.settings(given.get("config")),
        ]
        return [_topic(name, ADMIN_SOURCE, self.file, node.start_point[0] + 1, facts) for name in names]

    def literal(self, node: ts.Node | None, depth: int = 0) -> ts.Node | None:
        """The literal a name stands for (module constants), or the node itself."""
        while node is not None and node.type == "identifier" and depth < 8:
            node = self.constants.get(node_text(node))
            depth += 1
        return node

    def strings(self, node: ts.Node | None, call: ts.Node) -> list[str]:
        """A topic name's possible values: a literal, a constant, or a loop variable over literals."""
        if node is None:
            return []
        if node.type == "identifier":
            looped = self.loop_values(node_text(node), call)
            if looped is not None:
                return looped
        text = self.text(self.literal(node))
        return [text] if text else []

    def loop_values(self, name: str, call: ts.Node) -> list[str] | None:
        """`for t in ("a", "b")` around the call (statement or comprehension): the strings it takes."""
        scope = call.parent
        while scope is not None:
            if scope.type in ("for_statement", "for_in_clause"):
                left, right = scope.child_by_field_name("left"), scope.child_by_field_name("right")
                if left is not None and node_text(left) == name and right is not None:
                    return self.string_list(right)
            if scope.type in ("list_comprehension", "generator_expression", "set_comprehension",
                              "dictionary_comprehension"):
                for clause in scope.named_children:
                    if clause.type == "for_in_clause":
                        left, right = clause.child_by_field_name("left"), clause.child_by_field_name("right")
                        if left is not None and node_text(left) == name and right is not None:
                            return self.string_list(right)
            if scope.type in ("function_definition", "module"):
                return None
            scope = scope.parent
        return None

    def string_list(self, node: ts.Node) -> list[str]:
        values = self.literal(node)
        if values is None or values.type not in ("list", "tuple", "set"):
            return []
        strings = [self.text(self.literal(e)) for e in values.named_children]
        return [s for s in strings if s]

    def text(self, node: ts.Node | None) -> str | None:
        """A string literal's value; None for an f-string with interpolations (its value is not in the code)."""
        if node is None or any(child.type == "interpolation" for child in _walk(node)):
            return None
        return self.language.string_value(node)

    def integer(self, node: ts.Node | None, depth: int = 0) -> str | None:
        """An integer literal, constant or constant arithmetic (`7 * 24 * 3600 * 1000`), through `str()`/`int()`."""
        value = self.literal(node)
        if value is None or depth > 16:
            return None
        if value.type == "integer":
            return _integer_literal(node_text(value))
        if value.type == "parenthesized_expression" and value.named_children:
            return self.integer(value.named_children[0], depth + 1)
        if value.type == "binary_operator":
            operator = value.child_by_field_name("operator")
            return _arithmetic(self.integer(value.child_by_field_name("left"), depth + 1),
                               node_text(operator) if operator is not None else "",
                               self.integer(value.child_by_field_name("right"), depth + 1))
        if value.type == "call":
            function = value.child_by_field_name("function")
            listed = value.child_by_field_name("arguments")
            given = listed.named_children if listed is not None else []
            if function is not None and node_text(function) in ("str", "int") and len(given) == 1:
                return self.integer(given[0], depth + 1)
        return None

    def settings(self, node: ts.Node | None) -> list[tuple[str, str | None]]:
        value = self.literal(node)
        if value is None or value.type != "dictionary":
            return []
        pairs: list[tuple[str, str | None]] = []
        for pair in value.named_children:
            key, written = pair.child_by_field_name("key"), pair.child_by_field_name("value")
            name = self.text(self.literal(key))
            if name and written is not None:
                text = self.text(self.literal(written))
                text = text if text is not None else self.integer(written)
                pairs.append((name, text if text is not None else _expression(written)))
        return pairs


# --- Strimzi ---------------------------------------------------------------------------


def _strimzi_topics(file: CatalogFile, text: str) -> tuple[list[Item], list[Problem]]:
    if not _KIND.search(text):
        return [], []  # "KafkaTopic" in a comment, a document or data: not a resource
    documents = load_yaml(text)
    if isinstance(documents, Malformed):
        hint = " (a template: `{{ }}` is not YAML until rendered)" if "{{" in text else ""
        return [], [file.problem(documents.message + hint, documents.line, documents.column)]
    found: list[Item] = []
    for document in documents:
        if document.text("kind") != "KafkaTopic":
            continue
        metadata = document.get("metadata") or Node({}, document.line, 1)
        spec = document.get("spec") or Node({}, document.line, 1)
        written = spec.get("topicName") or metadata.get("name")
        if written is None or not isinstance(written.value, str):
            continue
        labels = metadata.get("labels") or Node({}, 1, 1)
        facts: list[tuple[str, str | None]] = [
            ("partitions", spec.text("partitions")), ("replicas", spec.text("replicas")),
            ("cluster", labels.text("strimzi.io/cluster")), ("namespace", metadata.text("namespace")),
            ("resource", metadata.text("name") if spec.get("topicName") is not None else None),
        ]
        config = spec.get("config")
        for key, value in (config.entries() if config is not None else {}).items():
            if not (value.is_map or value.is_list):
                facts.append((key, scalar_text(value.value)))  # type: ignore[arg-type]
        found.append(_topic(written.value, STRIMZI_SOURCE, file, written.line, facts))
    return found, []

