"""Python logging configurations: `dictConfig({...})` literals in code, YAML/JSON dict configs, `fileConfig` INI files.

All three are read into one shape — the dict `logging.config.dictConfig` takes, each value
with its line — and interpreted once. In code, the dict is read from the syntax tree,
never run: `dictConfig(LOGGING)` finds the module-level `LOGGING = {...}` (Django's
settings name it so without calling dictConfig, and are read too); values the tree
cannot give (`os.environ.get("LOG_LEVEL", "INFO")`) are kept as written. Python files
without `dictConfig`, `fileConfig` or `LOGGING` are passed over before parsing.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator, Sequence
from pathlib import PurePosixPath
from typing import Union

import tree_sitter as ts
import yaml
from attrs import frozen

from flowscan.catalog.files import MAX_TEXT_BYTES, CatalogFile, Unreadable
from flowscan.catalog.model import Item, Part, Problem, Relationship
from flowscan.catalog.readers import infra_yaml as y
from flowscan.catalog.readers.logs_model import Handler, LoggerLevel, LoggingSetup, setup_item, size_text, writes_json
from flowscan.languages import adapter
from flowscan.redact import redact

SOURCE = "logging-config"
_MARKERS = (b"dictConfig", b"fileConfig", b"LOGGING")
_HEAD_BYTES = 4096
_DICT_CONFIG_HEAD = re.compile(r"""["']?version["']?\s*:\s*1\b""")
_SECTIONS_HEAD = re.compile(r"^\s*\[loggers\]\s*$", re.MULTILINE)
_PY_NODE_BUDGET = 50_000


# --- values with lines --------------------------------------------------------------------


@frozen
class Code:
    """An expression kept as written, not evaluated."""

    text: str


Data = Union[dict[str, "Value"], list["Value"], str, int, float, bool, None, Code]


@frozen
class Value:
    data: Data
    line: int

    def get(self, key: str) -> Value | None:
        return self.data.get(key) if isinstance(self.data, dict) else None

    def entries(self) -> list[tuple[str, Value]]:
        return list(self.data.items()) if isinstance(self.data, dict) else []

    def text(self) -> str | None:
        data = self.data
        if data is None or isinstance(data, (dict, list)):
            return None
        if isinstance(data, Code):
            return data.text
        if isinstance(data, bool):
            return "true" if data else "false"
        return str(data)

    def texts(self) -> list[str]:
        if isinstance(self.data, list):
            return [t for v in self.data if (t := v.text()) is not None]
        text = self.text()
        return [part.strip() for part in text.split(",") if part.strip()] if text else []


def _text(value: Value | None) -> str | None:
    return value.text() if value is not None else None


# --- claims -------------------------------------------------------------------------------


def claims(file: CatalogFile) -> bool:
    display_path = file.display_path
    name = PurePosixPath(display_path).name
    lowered = name.lower()
    if lowered.endswith(".py"):
        return True
    if lowered.endswith((".yaml", ".yml", ".json")) and "log" in lowered and not lowered.startswith("log4j"):
        head = _head(file)
        return bool(_DICT_CONFIG_HEAD.search(head) and ("handlers" in head or "formatters" in head))
    if lowered.endswith((".ini", ".conf", ".cfg")):
        return bool(_SECTIONS_HEAD.search(_head(file)))
    return False


def _head(file: CatalogFile) -> str:
    try:
        return file.head(_HEAD_BYTES).decode("utf-8", errors="replace")
    except Unreadable:
        return ""


def read(files: Sequence[CatalogFile]) -> Part:
    items: list[Item] = []
    relationships: list[Relationship] = []
    problems: list[Problem] = []
    for file in files:
        setups, trouble = _setups(file)
        problems += trouble
        for setup in setups:
            item, related = setup_item(setup)
            items.append(item)
            relationships += related
    return Part(tuple(items), tuple(relationships), tuple(problems))


def _setups(file: CatalogFile) -> tuple[list[LoggingSetup], list[Problem]]:
    lowered = file.name.lower()
    try:
        if lowered.endswith(".py"):
            if not any(marker in file.head(MAX_TEXT_BYTES) for marker in _MARKERS):
                return [], []  # most modules: one read, no parse
            return _from_python(file, file.text())
        text = file.text()
    except Unreadable as error:
        return [], [error.problem]
    if lowered.endswith((".ini", ".conf", ".cfg")):
        return _from_ini(file, text)
    return _from_document(file, text)


# --- dictConfig in Python code -------------------------------------------------------------


def _from_python(file: CatalogFile, text: str) -> tuple[list[LoggingSetup], list[Problem]]:
    source = text.encode("utf-8")
    tree = adapter("python").parse(source)
    dicts: dict[str, ts.Node] = {}
    calls: list[ts.Node] = []
    for node in _walk(tree.root_node):
        if node.type == "assignment":
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            if left is not None and right is not None and left.type == "identifier" and _is_dict(right):
                dicts[_node_text(left)] = right
        elif node.type == "call":
            function = node.child_by_field_name("function")
            if function is not None and _node_text(function).split(".")[-1] in ("dictConfig", "fileConfig"):
                calls.append(node)
    setups: list[LoggingSetup] = []
    problems: list[Problem] = []
    used: set[str] = set()
    for call in calls:
        setup = _from_call(file, call, dicts, used, problems)
        if setup is not None:
            setups.append(setup)
    logging_dict = dicts.get("LOGGING")
    if "LOGGING" not in used and logging_dict is not None:
        value = _value(logging_dict, [_PY_NODE_BUDGET])
        if value.get("handlers") is not None or value.get("formatters") is not None:
            setups.append(interpret(value, file.display_path, value.line))
    return _one_per_file(setups), problems


def _from_call(file: CatalogFile, call: ts.Node, dicts: dict[str, ts.Node], used: set[str],
               problems: list[Problem]) -> LoggingSetup | None:
    function = _node_text(call.child_by_field_name("function"))  # type: ignore[arg-type]
    arguments = call.child_by_field_name("arguments")
    first = next((a for a in (arguments.named_children if arguments else []) if a.type != "comment"), None)
    line = call.start_point[0] + 1
    if first is not None and first.type == "keyword_argument":
        first = first.child_by_field_name("value")
    if function.endswith("fileConfig"):
        shown = _value(first, [100]).text() if first is not None else None
        return LoggingSetup(file.display_path, SOURCE, line, extra=(("config_file", redact(shown or "?")),))
    if first is not None and first.type == "identifier" and _node_text(first) in dicts:
        used.add(_node_text(first))
        first = dicts[_node_text(first)]
    if first is None or not _is_dict(first):
        shown = _node_text(first)[:120] if first is not None else "nothing"
        return LoggingSetup(file.display_path, SOURCE, line, extra=(("config", redact(f"built at run time: {shown}")),))
    budget = [_PY_NODE_BUDGET]
    value = _value(first, budget)
    if budget[0] < 0:
        problems.append(file.problem("logging dict too large to read (over 50,000 nodes)", line))
        return None
    # the dict's own line: where the handlers are written, not where they are applied
    return interpret(value, file.display_path, value.line)


def _one_per_file(setups: list[LoggingSetup]) -> list[LoggingSetup]:
    """Several configurations in one module (a base and an override) are one item: the file."""
    if len(setups) <= 1:
        return setups
    first = setups[0]
    return [LoggingSetup(first.path, first.source, first.line,
                         tuple(h for s in setups for h in s.handlers), tuple(lg for s in setups for lg in s.loggers),
                         tuple(dict.fromkeys(e for s in setups for e in s.extra)),
                         tuple(dict.fromkeys(f for s in setups for f in s.defined_formats)))]


def _walk(root: ts.Node) -> Iterator[ts.Node]:
    cursor = root.walk()
    while True:
        yield cursor.node  # type: ignore[misc]
        if cursor.goto_first_child():
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return


def _node_text(node: ts.Node | None) -> str:
    return node.text.decode("utf-8", errors="replace") if node is not None and node.text is not None else ""


def _is_dict(node: ts.Node) -> bool:
    if node.type == "dictionary":
        return True
    function = node.child_by_field_name("function") if node.type == "call" else None
    return function is not None and _node_text(function) == "dict"


def _value(node: ts.Node | None, budget: list[int], depth: int = 0) -> Value:
    """A Python expression as a Value: literals evaluated, anything else kept as written (past 64 levels, `…`)."""
    if node is None:
        return Value(None, 1)
    budget[0] -= 1
    line = node.start_point[0] + 1
    if budget[0] < 0 or depth > y.MAX_DEPTH:
        return Value(Code("…"), line)
    depth += 1
    kind = node.type
    if kind == "parenthesized_expression" and node.named_children:
        return _value(node.named_children[0], budget, depth)
    if kind == "dictionary":
        entries: dict[str, Value] = {}
        for pair in node.named_children:
            if pair.type == "pair":
                key = _literal(pair.child_by_field_name("key"))
                if isinstance(key, str):
                    entries[key] = _value(pair.child_by_field_name("value"), budget, depth)
        return Value(entries, line)
    if kind == "call" and _is_dict(node):  # dict(version=1, handlers={...})
        arguments = node.child_by_field_name("arguments")
        return Value({_node_text(a.child_by_field_name("name")): _value(a.child_by_field_name("value"), budget, depth)
                      for a in (arguments.named_children if arguments else []) if a.type == "keyword_argument"}, line)
    if kind in ("list", "tuple"):
        return Value([_value(child, budget, depth) for child in node.named_children if child.type != "comment"], line)
    literal = _literal(node)
    return Value(literal if literal is not _NOT_LITERAL else Code(_node_text(node)), line)


_NOT_LITERAL = Code("")
_ARITHMETIC = re.compile(r"^[\d\s*+\-/()_.]+$")


def _literal(node: ts.Node | None) -> object:
    """Strings, numbers, True/False/None and constant arithmetic (`10 * 1024 * 1024`); else _NOT_LITERAL."""
    if node is None:
        return _NOT_LITERAL
    text = _node_text(node)
    if node.type in ("string", "concatenated_string", "integer", "float", "true", "false", "none", "unary_operator"):
        try:
            return ast.literal_eval(text)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return _NOT_LITERAL  # an f-string with holes
    if node.type == "binary_operator" and _ARITHMETIC.match(text) and len(text) < 100:
        return _arithmetic(text)
    return _NOT_LITERAL


def _arithmetic(text: str) -> object:
    def evaluate(node: ast.AST) -> int | float:
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return node.value
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mult, ast.Add, ast.Sub)):
            left, right = evaluate(node.left), evaluate(node.right)
            if abs(left) > 1 << 60 or abs(right) > 1 << 60:
                raise ValueError("too large")
            return left * right if isinstance(node.op, ast.Mult) else left + right if isinstance(node.op, ast.Add) else left - right
        raise ValueError("not constant arithmetic")

    try:
        return evaluate(ast.parse(text, mode="eval").body)
    except (ValueError, SyntaxError, RecursionError):
        return _NOT_LITERAL


# --- YAML / JSON dict configs ---------------------------------------------------------------


def _from_document(file: CatalogFile, text: str) -> tuple[list[LoggingSetup], list[Problem]]:
    documents = y.load_documents(file, text)
    if documents.nodes:
        value = _from_yaml(documents.nodes[0], [_PY_NODE_BUDGET])
        return [interpret(value, file.display_path, value.line)], list(documents.problems)
    if file.name.lower().endswith(".json"):
        # JSON that YAML 1.1 refuses (tabs in odd places) is still JSON
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            return [], [file.problem(f"not valid JSON: {error.msg}", error.lineno, error.colno)]
        return [interpret(_from_plain(data), file.display_path, 1)], []
    return [], list(documents.problems)


def _from_yaml(node: yaml.Node, budget: list[int], line: int | None = None,
               active: frozenset[int] = frozenset()) -> Value:
    """A YAML node as a Value; a mapping's values take their key's line (a handler is where its name is).
    An alias inside itself, or nesting past 64 levels, is cut off as `…`."""
    budget[0] -= 1
    line = line or y.line_of(node)
    if budget[0] < 0 or id(node) in active or len(active) > y.MAX_DEPTH:
        return Value(Code("…"), line)
    active = active | {id(node)}
    if y.is_mapping(node):
        return Value({entry.key: _from_yaml(entry.value, budget, entry.line, active) for entry in y.entries(node)}, line)
    if y.is_sequence(node):
        return Value([_from_yaml(item, budget, None, active) for item in y.items(node)], line)
    return Value(y.scalar(node), line)


def _from_plain(data: object, line: int = 1) -> Value:
    if isinstance(data, dict):
        return Value({str(k): _from_plain(v, line) for k, v in data.items()}, line)
    if isinstance(data, list):
        return Value([_from_plain(v, line) for v in data], line)
    return Value(data if isinstance(data, (str, int, float, bool)) or data is None else str(data), line)


# --- fileConfig INI files ---------------------------------------------------------------------

_SECTION = re.compile(r"^\[([^\]]+)\]\s*$")
_OPTION = re.compile(r"^([^=:\s][^=:]*?)\s*[=:]\s?(.*)$")
#: positional `args=(...)` of the stdlib handlers, by class
_ARGS: dict[str, tuple[str, ...]] = {
    "StreamHandler": ("stream",),
    "FileHandler": ("filename", "mode"),
    "WatchedFileHandler": ("filename", "mode"),
    "RotatingFileHandler": ("filename", "mode", "maxBytes", "backupCount"),
    "TimedRotatingFileHandler": ("filename", "when", "interval", "backupCount"),
    "SysLogHandler": ("address", "facility"),
    "HTTPHandler": ("host", "url", "method"),
    "SocketHandler": ("host", "port"),
    "DatagramHandler": ("host", "port"),
    "SMTPHandler": ("mailhost", "fromaddr", "toaddrs", "subject"),
}


@frozen
class _Section:
    name: str
    line: int
    options: dict[str, tuple[str, int]]


def _ini_sections(text: str) -> list[_Section]:
    sections: list[_Section] = []
    last: str | None = None
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped[0] in "#;":
            continue
        header = _SECTION.match(stripped)
        if header:
            sections.append(_Section(header.group(1).strip(), number, {}))
            last = None
        elif sections and line[:1] in (" ", "\t") and last is not None:
            value, where = sections[-1].options[last]
            sections[-1].options[last] = (f"{value}\n{stripped}", where)  # a continuation line
        elif sections and (option := _OPTION.match(stripped)):
            last = option.group(1).strip().lower()
            sections[-1].options[last] = (option.group(2).strip(), number)
    return sections


def _from_ini(file: CatalogFile, text: str) -> tuple[list[LoggingSetup], list[Problem]]:
    """`fileConfig` sections rewritten as the dict dictConfig would take, then interpreted alike."""
    sections = {s.name: s for s in _ini_sections(text)}
    problems: list[Problem] = []

    def option(section: _Section, key: str) -> Value | None:
        found = section.options.get(key)
        return Value(found[0], found[1]) if found is not None else None

    def listed(kind: str) -> list[str]:
        declared = sections.get(kind)
        value = declared.options.get("keys") if declared else None
        return [k.strip() for k in value[0].split(",") if k.strip()] if value else []

    formatters: dict[str, Value] = {}
    for name in listed("formatters"):
        section = sections.get(f"formatter_{name}")
        if section is not None:
            formatters[name] = Value({k: Value(v, line) for k, (v, line) in section.options.items()}, section.line)
    handlers: dict[str, Value] = {}
    for name in listed("handlers"):
        section = sections.get(f"handler_{name}")
        if section is None:
            declared = sections["handlers"]
            problems.append(file.problem(f"handler `{name}` is listed but has no [handler_{name}] section", declared.line))
            continue
        entries = {k: Value(v, line) for k, (v, line) in section.options.items() if k not in ("args", "kwargs")}
        entries.update(_ini_arguments(section, _text(entries.get("class")) or "", file, problems))
        handlers[name] = Value(entries, section.line)
    loggers: dict[str, Value] = {}
    root: Value | None = None
    for name in listed("loggers"):
        section = sections.get(f"logger_{name}")
        if section is None:
            continue
        entries = {"level": option(section, "level"), "handlers": option(section, "handlers")}
        value = Value({k: v for k, v in entries.items() if v is not None}, section.line)
        if name == "root":
            root = value
        else:
            loggers[_text(option(section, "qualname")) or name] = value
    config: dict[str, Value] = {"formatters": Value(formatters, 1), "handlers": Value(handlers, 1),
                                "loggers": Value(loggers, 1)}
    if root is not None:
        config["root"] = root
    start = sections["loggers"].line if "loggers" in sections else 1
    return [interpret(Value(config, start), file.display_path, start)], problems


def _ini_arguments(section: _Section, class_name: str, file: CatalogFile, problems: list[Problem]) -> dict[str, Value]:
    """`args=('logs/app.log', 'a', 10485760, 5)` and `kwargs={...}` as named values."""
    named: dict[str, Value] = {}
    names = _ARGS.get(class_name.split(".")[-1], ())
    for key in ("args", "kwargs"):
        if key not in section.options:
            continue
        text, line = section.options[key]
        try:
            expression = ast.parse(text, mode="eval").body
        except SyntaxError as error:
            problems.append(file.problem(f"`{key}` of [{section.name}] is not a Python expression: {error.msg}", line))
            continue
        except (RecursionError, MemoryError, ValueError):
            problems.append(file.problem(f"`{key}` of [{section.name}] is nested too deep to read", line))
            continue
        if key == "args":
            elements = expression.elts if isinstance(expression, ast.Tuple) else [expression]
            for name, element in zip(names, elements):
                named[name] = Value(_ast_value(element), line)
        elif isinstance(expression, ast.Dict):
            for k, v in zip(expression.keys, expression.values):
                if isinstance(k, ast.Constant) and isinstance(k.value, str):
                    named[k.value] = Value(_ast_value(v), line)
    return named


def _ast_value(node: ast.expr) -> Data:
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, int, float, bool)):
        return node.value
    try:
        return Code(ast.unparse(node))
    except RecursionError:
        return Code("…")


# --- interpreting a dict config -----------------------------------------------------------------

#: what each stdlib handler's class says about where records go
_CONSOLE = ("StreamHandler", "RichHandler", "ColorizingStreamHandler", "ColoredStreamHandler")


def interpret(config: Value, path: str, line: int) -> LoggingSetup:
    formatters = {name: _formatter(value) for name, value in _entries(config.get("formatters"))}
    handlers = tuple(_handler(name, value, formatters) for name, value in _entries(config.get("handlers")))
    loggers: list[LoggerLevel] = []
    named = config.get("loggers")
    root = config.get("root") or (named.get("") if named is not None else None)  # `""` is the root logger too
    if root is not None and (level := _text(root.get("level"))):
        loggers.append(LoggerLevel("root", level, root.line))
    for name, value in _entries(config.get("loggers")):
        if name and (level := _text(value.get("level"))):
            loggers.append(LoggerLevel(name, level, value.line))
    used = {h.format for h in handlers}
    unused = tuple(f for f, _ in formatters.values() if f not in used)
    return LoggingSetup(path, SOURCE, line, handlers, tuple(loggers), defined_formats=unused)


def _entries(value: Value | None) -> list[tuple[str, Value]]:
    return value.entries() if value is not None else []


def _formatter(value: Value) -> tuple[str, str | None]:
    """(`json` or `pattern`, the format string)."""
    factory = [_text(value.get(k)) for k in ("class", "()", "processor", "processors", "format_class")]
    pattern = _text(value.get("format")) or _text(value.get("fmt"))
    if writes_json(*factory) or (pattern and pattern.lstrip().startswith("{") and '":' in pattern):
        return "json", pattern
    return "pattern", pattern


def _handler(name: str, value: Value, formatters: dict[str, tuple[str, str | None]]) -> Handler:
    class_name = _text(value.get("class")) or _text(value.get("()")) or "?"
    short = class_name.split(".")[-1]
    formatter = formatters.get(_text(value.get("formatter")) or "")
    return Handler(name, short, _destination(short, value), value.line,
                   format=formatter[0] if formatter else None,
                   pattern=formatter[1] if formatter else None,
                   level=_text(value.get("level")))


def _destination(short: str, value: Value) -> str:
    filename = _text(value.get("filename"))
    if short in _CONSOLE:
        stream = _text(value.get("stream")) or "sys.stderr"
        return f"console ({stream.removeprefix('ext://').removeprefix('sys.')})"
    if short == "RotatingFileHandler":
        size, count = size_text(_text(value.get("maxBytes"))), _text(value.get("backupCount"))
        return _rolled(filename, [f"max {size}" if size else None, f"{count} backups" if count else None])
    if short == "TimedRotatingFileHandler":
        when, interval, count = _text(value.get("when")) or "h", _text(value.get("interval")) or "1", _text(value.get("backupCount"))
        return _rolled(filename, [f"every {interval} {when}", f"{count} backups" if count else None])
    if short in ("FileHandler", "WatchedFileHandler", "ConcurrentRotatingFileHandler") or filename:
        return f"file {filename or '?'}"
    if short == "SysLogHandler":
        address = value.get("address")
        shown = ":".join(address.texts()) if address is not None and isinstance(address.data, list) else _text(address)
        return f"syslog {shown or 'localhost:514'}"
    if short == "HTTPHandler":
        return f"http {_text(value.get('host')) or '?'}{_text(value.get('url')) or ''}"
    if short in ("SocketHandler", "DatagramHandler"):
        protocol = "tcp" if short == "SocketHandler" else "udp"
        return f"{protocol} {_text(value.get('host')) or '?'}:{_text(value.get('port')) or '?'}"
    if short == "SMTPHandler":
        return "email"
    if short == "NullHandler":
        return "discarded"
    if short in ("QueueHandler", "MemoryHandler"):
        target = _text(value.get("target")) or ", ".join(value.get("handlers").texts() if value.get("handlers") else [])
        return f"{'queue' if short == 'QueueHandler' else 'memory'}{' → ' + target if target else ''}"
    return short


def _rolled(filename: str | None, notes: list[str | None]) -> str:
    shown = [n for n in notes if n]
    return f"rolling file {filename or '?'}" + (f" ({', '.join(shown)})" if shown else "")
