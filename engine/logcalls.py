"""Log calls whose message is text with run-time values already formatted into it.

`logger.info(f"loaded {n} rows")`, `log.Printf("loaded %d rows", n)`,
`log.info("loaded " + n + " rows")`, `println!("loaded {n} rows")`: once the values are
inside the text, a log store can only search that text; `rows` is no longer a field to
filter, sum or alert on. Such a call is *unstructured* here when

- its message is built by formatting before the logger sees it (an f-string, `%`,
  `.format()`, `+` with a value, `String.format`, `Printf` verbs, `format!`-style
  placeholders), or a console print writes a message with values
  (`print(f"loaded {n} rows")`, `fmt.Println("loaded", n)`, `System.out.println("n=" + n)`;
  a print of values alone, `print(df.head())` or a `%-20s %8d` line, is the program's
  output), and
- the call passes no fields beside it (`extra=` or keyword fields in Python, SLF4J
  StructuredArguments or markers in Java, tracing fields or `key = value;` in Rust).

A constant template with its values passed apart (`logger.info("loaded %s rows", n)`,
SLF4J `log.info("loaded {} rows", n)`) is not flagged: the logging backend keeps the
template, so events still group by it, and it is the form linters (Ruff G004, Sonar
S2629) already ask for. Go's slog, zap, zerolog and hclog take fields by design and are
never flagged; logrus only in its `Infof`-style calls.

Which calls are logs is read from the call alone (a logger-like receiver name, a
resolved import in Go), never from types, which a syntax tree does not have.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import tree_sitter as ts
from attrs import frozen

from flowscan.languages.base import Adapter, FileNames, node_text

#: `log`, `logger`, `LOG`, `_logger`, `audit_log`, `AUDIT_LOGGER`, `auditLog`, `requestLogger`,
#: not `catalog` or `backlog`
_LOGGER_NAME = re.compile(r"^_*(?:log|logger|LOG|LOGGER|Log|Logger)$|\w(?:_log|_logger|_LOG|_LOGGER|Log|Logger)$")
#: `get_logger()`, `getLogger(__name__)`, `get_run_logger()` (Prefect), `get_dagster_logger()`
_LOGGER_FACTORY = re.compile(r"^get_?\w*(?:logger|Logger)$")
_UPPER_CONSTANT = re.compile(r"^[A-Z][A-Z0-9_]*$")


@frozen
class LogCall:
    """A call that logs (or prints) text with values formatted into it."""

    node: ts.Node
    #: what logs: `logging`, `print`, `log`, `fmt`, `logrus`, `System.out`, `println!`, `tracing`...
    tech: str
    #: a print to the console rather than a call into a logging library
    console: bool


def unstructured_log_calls(adapter: Adapter, unit: ts.Node, names: FileNames) -> list[LogCall]:
    """The unstructured log calls of one code unit, in document order.

    Named functions nested in the unit are units of their own and are not searched;
    lambdas and closures belong to the unit they are written in.
    """
    classify = _CLASSIFIERS.get(adapter.name)
    if classify is None:
        return []
    call_kind = _CALL_KINDS[adapter.name]
    found = []
    for node in _walk(adapter, unit):
        if node.type == call_kind:
            call = classify(node, names)
            if call is not None:
                found.append(call)
    return found


def _walk(adapter: Adapter, unit: ts.Node) -> Iterator[ts.Node]:
    own = unit.child_by_field_name("definition") if unit.type == "decorated_definition" else unit
    stack = [unit]
    while stack:
        node = stack.pop()
        yield node
        for child in reversed(node.named_children):
            named_function = child.type in adapter.function_kinds and child.child_by_field_name("name") is not None
            if not named_function or child == own:
                stack.append(child)


# --- Python ---------------------------------------------------------------------------------

_PY_LEVELS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical", "fatal", "log"})
#: keyword arguments of the standard library's log calls that carry no fields
_PY_NOT_FIELDS = frozenset({"exc_info", "stack_info", "stacklevel"})
_PY_STRINGS = frozenset({"string", "concatenated_string"})
_PY_CONSTANTS = frozenset({"integer", "float", "true", "false", "none"})
#: `print(json.dumps(event))` prints a structured line
_PY_JSON = re.compile(r"^(json|orjson|ujson|simplejson|rapidjson)\.dumps?$")


def _python(call: ts.Node, names: FileNames) -> LogCall | None:
    function = call.child_by_field_name("function")
    arguments = call.child_by_field_name("arguments")
    if function is None or arguments is None or arguments.type != "argument_list":
        return None
    if function.type == "identifier" and node_text(function) == "print":
        return LogCall(call, "print", True) if _python_print_formats(arguments) else None
    if function.type != "attribute":
        return None
    method = function.child_by_field_name("attribute")
    receiver = function.child_by_field_name("object")
    if method is None or receiver is None or node_text(method) not in _PY_LEVELS or not _python_logger(receiver):
        return None
    positional = []
    for argument in arguments.named_children:
        if argument.type == "dictionary_splat":
            return None  # `**fields`
        if argument.type == "keyword_argument":
            name = argument.child_by_field_name("name")
            if name is None or node_text(name) not in _PY_NOT_FIELDS:
                return None  # `extra={...}`, structlog's and loguru's `rows=n`
        elif argument.type != "comment":
            positional.append(argument)
    index = 1 if node_text(method) == "log" else 0  # logger.log(logging.INFO, msg)
    if len(positional) <= index or not _python_formats(positional[index]):
        return None
    return LogCall(call, "logging", False)


def _python_logger(receiver: ts.Node) -> bool:
    if receiver.type == "identifier":
        name = node_text(receiver)
        return name == "logging" or _LOGGER_NAME.search(name) is not None
    if receiver.type == "attribute":  # self.logger, context.log
        attribute = receiver.child_by_field_name("attribute")
        return attribute is not None and _LOGGER_NAME.search(node_text(attribute)) is not None
    if receiver.type == "call":  # logging.getLogger(__name__).info(...)
        function = receiver.child_by_field_name("function")
        last = function.child_by_field_name("attribute") if function is not None and function.type == "attribute" else function
        return last is not None and _LOGGER_FACTORY.match(node_text(last)) is not None
    return False


def _python_print_formats(arguments: ts.Node) -> bool:
    positional = []
    for argument in arguments.named_children:
        if argument.type == "keyword_argument":
            name, value = argument.child_by_field_name("name"), argument.child_by_field_name("value")
            if name is not None and node_text(name) == "file" and value is not None:
                if node_text(value) not in ("sys.stdout", "sys.stderr"):
                    return False  # print(row, file=out) writes data, it does not log
        elif argument.type == "list_splat":
            return True
        elif argument.type != "comment":
            positional.append(argument)
    if len(positional) == 1 and positional[0].type == "call":
        function = positional[0].child_by_field_name("function")
        if function is not None and _PY_JSON.match(node_text(function)):
            return False
    if not _words(" ".join(_python_text(argument) for argument in positional)):
        return False  # print(df.head()), print(f"{name:<20}{total:>10}"): output, not a message
    return any(not _python_constant(argument) for argument in positional)


def _python_text(node: ts.Node) -> str:
    """The literal text of a message, values and placeholders left out."""
    kind = node.type
    if kind == "string":
        return "".join(node_text(part) for part in node.named_children if part.type == "string_content")
    if kind in ("concatenated_string", "binary_operator", "parenthesized_expression"):
        return " ".join(_python_text(child) for child in node.named_children)
    if kind == "call":  # "loaded {} rows".format(n)
        function = node.child_by_field_name("function")
        receiver = function.child_by_field_name("object") if function is not None and function.type == "attribute" else None
        return _python_text(receiver) if receiver is not None and receiver.type in _PY_STRINGS else ""
    return ""


def _python_formats(message: ts.Node) -> bool:
    """Whether a message is text formatted with values before the call."""
    kind = message.type
    if kind == "parenthesized_expression" and message.named_child_count == 1:
        return _python_formats(message.named_children[0])
    if kind in _PY_STRINGS:
        return _python_interpolates(message)
    if kind == "binary_operator":
        operator = message.child_by_field_name("operator")
        left = message.child_by_field_name("left")
        right = message.child_by_field_name("right")
        if operator is None or left is None or right is None:
            return False
        if operator.type == "%":
            return left.type in _PY_STRINGS and not _python_constant(right)
        if operator.type == "+":
            return _has_string(message, _PY_STRINGS, "binary_operator") and not _python_constant(message)
        return False
    if kind == "call":
        function = message.child_by_field_name("function")
        arguments = message.child_by_field_name("arguments")
        if function is None or function.type != "attribute" or arguments is None:
            return False
        method = function.child_by_field_name("attribute")
        receiver = function.child_by_field_name("object")
        return (
            method is not None
            and node_text(method) == "format"
            and receiver is not None
            and receiver.type in _PY_STRINGS
            and arguments.named_child_count > 0
        )
    return False


def _python_interpolates(string: ts.Node) -> bool:
    if string.type == "concatenated_string":
        return any(_python_interpolates(part) for part in string.named_children)
    return any(child.type == "interpolation" for child in string.named_children)


def _python_constant(node: ts.Node) -> bool:
    kind = node.type
    if kind in _PY_STRINGS:
        return not _python_interpolates(node)
    if kind in _PY_CONSTANTS:
        return True
    if kind == "identifier":
        return _UPPER_CONSTANT.match(node_text(node)) is not None
    if kind in ("binary_operator", "parenthesized_expression", "unary_operator"):
        return all(_python_constant(child) for child in node.named_children)
    return False


# --- Go -------------------------------------------------------------------------------------

_GO_PRINTS = frozenset({"Print", "Printf", "Println"})
_GO_FPRINTS = frozenset({"Fprint", "Fprintf", "Fprintln"})
#: the standard library's `log` package and `*log.Logger`
_GO_STDLOG = _GO_PRINTS | frozenset({"Fatal", "Fatalf", "Fatalln", "Panic", "Panicf", "Panicln"})
_LOGRUS = "github.com/sirupsen/logrus"
_GO_LOGRUS = _GO_STDLOG | frozenset(
    level + suffix
    for level in ("Trace", "Debug", "Info", "Warn", "Warning", "Error")
    for suffix in ("", "f", "ln")
)
#: libraries that take fields: a file using one of them is not guessed to use `*log.Logger`
_GO_STRUCTURED = re.compile(r"(^log/slog$|zap|zerolog|hclog|go-logr|go-kit/log|apex/log|logrus)")
_GO_STRINGS = frozenset({"interpreted_string_literal", "raw_string_literal"})
_GO_CONSTANTS = _GO_STRINGS | frozenset({"int_literal", "float_literal", "rune_literal", "true", "false", "nil"})


def _go(call: ts.Node, names: FileNames) -> LogCall | None:
    function = call.child_by_field_name("function")
    arguments = call.child_by_field_name("arguments")
    if function is None or arguments is None or function.type != "selector_expression":
        return None
    operand = function.child_by_field_name("operand")
    field = function.child_by_field_name("field")
    if operand is None or field is None:
        return None
    method = node_text(field)
    values = [a for a in arguments.named_children if a.type != "comment"]
    imported = names.imports.get(node_text(operand)) if operand.type == "identifier" else None
    if imported is not None:
        package = imported[0]
        if package == "fmt" and method in _GO_FPRINTS:
            if not values or node_text(values[0]) not in ("os.Stdout", "os.Stderr"):
                return None  # fmt.Fprintf(w, ...) writes to a file or a response
            values, tech, console = values[1:], "fmt", True
        elif package == "fmt" and method in _GO_PRINTS:
            tech, console = "fmt", True
        elif package == "log" and method in _GO_STDLOG:
            tech, console = "log", False
        elif package == _LOGRUS and method in _GO_LOGRUS:
            tech, console = "logrus", False
        else:
            return None
    elif method in _GO_STDLOG and _go_std_logger(operand, names):
        tech, console = "log", False
    else:
        return None
    if not _go_formats(method, values):
        return None
    if console and not _words(" ".join(names.adapter.string_value(v) or "" for v in values if v.type in _GO_STRINGS)):
        return None  # fmt.Printf("%-20s %8d\n", name, n) prints a report line, not a message
    return LogCall(call, tech, console)


def _go_std_logger(operand: ts.Node, names: FileNames) -> bool:
    """`logger.Printf(...)` on a `*log.Logger`: a logger-like name in a file that imports `log`
    and no library that takes fields."""
    last = operand.child_by_field_name("field") if operand.type == "selector_expression" else operand
    if last is None or last.type not in ("identifier", "field_identifier") or not _LOGGER_NAME.search(node_text(last)):
        return False
    paths = [target[0] for target in names.imports.values()]
    return "log" in paths and not any(_GO_STRUCTURED.search(path) for path in paths)


def _go_formats(method: str, values: list[ts.Node]) -> bool:
    if method.endswith("f"):
        return len(values) > 1  # verbs in the format, values after it
    return any(not _go_constant(value) for value in values)


def _go_constant(node: ts.Node) -> bool:
    if node.type in _GO_CONSTANTS:
        return True
    if node.type in ("binary_expression", "parenthesized_expression"):
        return all(_go_constant(child) for child in node.named_children)
    return False


# --- Java -----------------------------------------------------------------------------------

#: SLF4J, Log4j, commons-logging and java.util.logging levels; `log(Level, msg)` as well
_JAVA_LEVELS = frozenset(
    {"trace", "debug", "info", "warn", "error", "fatal", "severe", "warning", "config", "fine", "finer", "finest", "log"}
)
_JAVA_CONSOLES = frozenset({"System.out", "System.err"})
#: logstash-logback-encoder's StructuredArguments (`kv("rows", n)`) and Markers (`append(...)`)
_JAVA_FIELDS = frozenset(
    {"kv", "keyValue", "v", "value", "e", "entries", "a", "array", "r", "raw", "f", "fields", "defer"}
)
_JAVA_MARKERS = frozenset({"append", "appendEntries", "appendFields", "appendArray", "appendRaw", "aggregate"})
_JAVA_STRUCTURED_OWNERS = frozenset({"StructuredArguments", "Markers"})


def _java(call: ts.Node, names: FileNames) -> LogCall | None:
    receiver = call.child_by_field_name("object")
    name = call.child_by_field_name("name")
    arguments = call.child_by_field_name("arguments")
    if receiver is None or name is None or arguments is None:
        return None
    method = node_text(name)
    values = [a for a in arguments.named_children if a.type not in ("line_comment", "block_comment")]
    if node_text(receiver) in _JAVA_CONSOLES:
        if method in ("println", "print"):
            formats = len(values) == 1 and not _java_constant(values[0])
        elif method in ("printf", "format"):
            formats = len(values) > 1
        else:
            return None
        text = " ".join(names.adapter.string_value(s) or "" for v in values[:1] for s in _java_strings(v))
        return LogCall(call, "System.out", True) if formats and _words(text) else None
    if method not in _JAVA_LEVELS or not _java_logger(receiver):
        return None
    if any(_java_structured(value) for value in values):
        return None
    index = 1 if method == "log" else 0  # logger.log(Level.INFO, msg)
    if len(values) > index and _java_marker(values[index]):
        index += 1  # log.info(marker, msg, ...)
    if len(values) <= index or not _java_formats(values[index]):
        return None
    return LogCall(call, "logging", False)


def _java_logger(receiver: ts.Node) -> bool:
    last = receiver.child_by_field_name("field") if receiver.type == "field_access" else receiver
    return last is not None and last.type == "identifier" and _LOGGER_NAME.search(node_text(last)) is not None


def _java_structured(argument: ts.Node) -> bool:
    if argument.type != "method_invocation":
        return False
    name = argument.child_by_field_name("name")
    owner = argument.child_by_field_name("object")
    if name is None:
        return False
    if owner is not None:
        return node_text(owner) in _JAVA_STRUCTURED_OWNERS
    return node_text(name) in _JAVA_FIELDS or node_text(name) in _JAVA_MARKERS


def _java_marker(argument: ts.Node) -> bool:
    if argument.type == "identifier":
        return node_text(argument).lower().endswith("marker")
    if argument.type == "method_invocation":
        owner = argument.child_by_field_name("object")
        return owner is not None and node_text(owner) in ("MarkerFactory", "MarkerManager")
    return False


def _java_formats(message: ts.Node) -> bool:
    kind = message.type
    if kind == "parenthesized_expression" and message.named_child_count == 1:
        return _java_formats(message.named_children[0])
    if kind == "binary_expression":
        operator = message.child_by_field_name("operator")
        return (
            operator is not None
            and operator.type == "+"
            and _has_string(message, frozenset({"string_literal"}), "binary_expression")
            and not _java_constant(message)
        )
    if kind == "method_invocation":
        name = message.child_by_field_name("name")
        owner = message.child_by_field_name("object")
        arguments = message.child_by_field_name("arguments")
        count = arguments.named_child_count if arguments is not None else 0
        if name is None:
            return False
        if node_text(name) == "format" and owner is not None and node_text(owner) in ("String", "MessageFormat"):
            return count > 1
        return node_text(name) == "formatted" and count > 0  # "loaded %d rows".formatted(n)
    if kind == "lambda_expression":  # log.info(() -> "loaded " + n): formatted all the same
        body = message.child_by_field_name("body")
        return body is not None and _java_formats(body)
    return False


def _java_strings(node: ts.Node) -> list[ts.Node]:
    """The string literals of a `+` chain or a format call's template."""
    if node.type == "string_literal":
        return [node]
    if node.type in ("binary_expression", "parenthesized_expression"):
        return [s for child in node.named_children for s in _java_strings(child)]
    if node.type == "method_invocation":
        arguments = node.child_by_field_name("arguments")
        owner = node.child_by_field_name("object")
        if owner is not None and owner.type == "string_literal":
            return [owner]  # "loaded %d rows".formatted(n)
        first = arguments.named_children[0] if arguments is not None and arguments.named_children else None
        return _java_strings(first) if first is not None else []
    return []


def _java_constant(node: ts.Node) -> bool:
    kind = node.type
    if kind.endswith("_literal") or kind in ("true", "false"):
        return True
    if kind == "identifier":
        return _UPPER_CONSTANT.match(node_text(node)) is not None
    if kind == "field_access":
        field = node.child_by_field_name("field")
        return field is not None and _UPPER_CONSTANT.match(node_text(field)) is not None
    if kind in ("binary_expression", "parenthesized_expression"):
        return all(_java_constant(child) for child in node.named_children)
    return False


# --- Rust -----------------------------------------------------------------------------------

_RUST_PRINTS = frozenset({"println", "eprintln", "print", "eprint"})
_RUST_LEVELS = frozenset({"trace", "debug", "info", "warn", "error"})
_RUST_LOGGERS = frozenset({"log", "tracing", "slog"})
_RUST_STRINGS = frozenset({"string_literal", "raw_string_literal"})
#: a `{...}` placeholder once `{{` and `}}` escapes are taken out
_RUST_PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def _rust(call: ts.Node, names: FileNames) -> LogCall | None:
    macro = call.child_by_field_name("macro")
    tree = next((c for c in call.named_children if c.type == "token_tree"), None)
    if macro is None or tree is None:
        return None
    path = names.adapter.qualified_name(macro)
    if not path:
        return None
    last = path[-1]
    if last in _RUST_PRINTS and (len(path) == 1 or path[0] == "std"):
        tech, console = f"{last}!", True
    elif last in _RUST_LEVELS:
        origin = path if len(path) > 1 else names.imports.get(last, (None,))
        if origin[0] is not None and origin[0] not in _RUST_LOGGERS:
            return None  # a macro of some other crate
        tech, console = origin[0] or "log", False
    else:
        return None
    tokens = tree.children[1:-1]  # without the delimiters
    if any(token.type in (";", "=>") for token in tokens):
        return None  # key-values: log's `k = v; "msg"`, slog's `"msg"; "k" => v`
    groups = _split(tokens, ",")
    message = next((i for i, g in enumerate(groups) if len(g) == 1 and g[0].type in _RUST_STRINGS), None)
    if message is None:
        return None
    if any(_rust_field(group) for group in groups[:message]):
        return None  # tracing fields: `rows = n`, `%table`, `?err`
    template = names.adapter.string_value(groups[message][0]) or ""
    placeholders = _RUST_PLACEHOLDER.search(template.replace("{{", "").replace("}}", ""))
    if placeholders is None and not any(groups[message + 1 :]):
        return None
    if console and not _words(template):
        return None  # println!("{}", report): the program's output, not a message
    return LogCall(call, tech, console)


def _rust_field(group: list[ts.Node]) -> bool:
    return bool(group) and (group[0].type in ("%", "?") or any(token.type == "=" for token in group))


def _split(tokens: list[ts.Node], separator: str) -> list[list[ts.Node]]:
    groups: list[list[ts.Node]] = [[]]
    for token in tokens:
        if token.type == separator:
            groups.append([])
        else:
            groups[-1].append(token)
    return groups


# --- shared ---------------------------------------------------------------------------------

#: printf verbs (`%-8.2f`, `%v`), `{}`/`{name:>10}` placeholders and their escapes
_PLACEHOLDERS = re.compile(r"%[-+ #0-9.*]*[a-zA-Z%]|\{[^{}]*\}|\\[nrt]")
_WORD = re.compile(r"[A-Za-z]{2,}")


def _words(template: str) -> bool:
    """Whether a print's literal text says something, once its placeholders are out.

    A console print of a message (`loaded 3 rows`) is logging; one of values alone
    (`print(df.head())`, a `%-20s %8d` report line) is the program's output.
    """
    return _WORD.search(_PLACEHOLDERS.sub(" ", template)) is not None



def _has_string(node: ts.Node, strings: frozenset[str], operator_kind: str) -> bool:
    """Whether a `+` chain has a string literal among its operands."""
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type in strings:
            return True
        if current.type in (operator_kind, "parenthesized_expression"):
            stack.extend(current.named_children)
    return False


_CALL_KINDS = {"python": "call", "go": "call_expression", "java": "method_invocation", "rust": "macro_invocation"}
_CLASSIFIERS: dict[str, Callable[[ts.Node, FileNames], LogCall | None]] = {
    "python": _python,
    "go": _go,
    "java": _java,
    "rust": _rust,
}
