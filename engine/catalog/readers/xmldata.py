"""XML data files (exports, feeds, DBUnit datasets): element and attribute paths, with types.

Paths are written as the document nests them, `orders/order/customer/name`, attributes
as `orders/order/@id`. A leaf element's or attribute's type is inferred from its text as
for CSV cells; an element that holds elements is `element`. The record element is the
first element under the root that repeats (`orders/order`).

Configuration is not data: build files, logging and Spring configs and Android resources
are skipped by name and by their root element.

Safety: the document is parsed with expat, fed at most SAMPLE_BYTES. expat, as Python
binds it, never fetches external entities or DTDs (no ExternalEntityRefHandler is set,
parameter entities are off), and this reader refuses any document that declares an
entity at all — the only way to build an entity-expansion bomb ("billion laughs").
"""

from __future__ import annotations

from collections import Counter
from xml.parsers import expat

from attrs import define, field
from flowscan.catalog.files import CatalogFile, Unreadable
from flowscan.catalog.model import Field
from flowscan.catalog.readers.datasample import (
    ProblemLog,
    Reading,
    Sample,
    TypeTally,
    listed,
    sample_bytes,
    sampled_fact,
    scalar_type,
)

SAMPLE_BYTES = 1024 * 1024
MAX_FIELDS = 500
MAX_DEPTH = 64
#: elements read, whatever their size: each costs a Python call, so a budget of bytes alone is not enough
MAX_ELEMENTS = 20_000
#: characters of an element's text looked at for its type
_TEXT_CHARS = 256
_FEED = 64 * 1024

#: root elements (local names, lower case) of configuration, build and UI files
CONFIG_ROOTS = frozenset({
    "project", "configuration", "beans", "web-app", "manifest", "settings", "persistence", "hibernate-configuration",
    "hibernate-mapping", "log4j:configuration", "resources", "module", "ruleset", "suppressions", "fontconfig",
    "assembly", "databasechangelog", "mapper", "sqlmap", "server", "context", "schema", "stylesheet", "transform",
    "definitions", "checkstyle", "findbugsfilter", "plist", "svg", "packages", "package", "config", "ehcache",
    "infinispan", "phpunit", "testsuites", "testsuite", "coverage", "report", "toolchains", "extensions",
    "component", "application", "selector", "vector", "animated-vector", "layer-list", "shape", "navigation",
    "preferencescreen", "menu", "layout", "merge", "include", "linearlayout", "relativelayout", "framelayout",
    "constraintlayout", "coordinatorlayout", "scrollview", "keyboard", "appwidget-provider", "network-security-config",
    "data-extraction-rules", "full-backup-content", "paths", "catalog", "xsl:stylesheet", "nuspec", "wix",
})
# namespaces that mark a configuration or schema document whatever its root is called
_CONFIG_NAMESPACES = ("maven.apache.org", "springframework.org/schema", "java.sun.com/xml/ns", "xmlns.jcp.org/xml/ns",
                      "jakarta.ee/xml/ns", "schemas.android.com", "www.w3.org/2001/XMLSchema",
                      "www.w3.org/1999/XSL/Transform", "liquibase.org", "logging.apache.org", "mybatis.org",
                      "schemas.microsoft.com/developer/msbuild", "www.w3.org/2000/svg")


class _Enough(Exception):
    """The sample has MAX_ELEMENTS elements: reading stops, as when the byte budget runs out."""


class _Done(Exception):
    """Parsing stops here: the document is configuration, or declares entities."""

    def __init__(self, reason: str | None) -> None:
        super().__init__(reason)
        self.reason = reason


@define
class _PathStat:
    parent: str
    line: int
    tally: TypeTally = field(factory=TypeTally)
    #: elements (or, for attributes, the elements that carried it)
    present: int = 0
    element: bool = False
    repeats: bool = False


@define
class _Open:
    """An element being read: its path, the children seen in it, the start of its text."""

    path: str
    children: Counter[str] = field(factory=Counter)
    text: list[str] = field(factory=list)
    chars: int = 0


@define
class _Paths:
    stats: dict[str, _PathStat] = field(factory=dict)
    #: elements started and completed at each path, for telling a child or attribute absent from some
    started: Counter[str] = field(factory=Counter)
    completed: Counter[str] = field(factory=Counter)
    #: completed elements that held at least one child at this path
    present_in: Counter[str] = field(factory=Counter)
    stack: list[_Open] = field(factory=list)
    root: str | None = None
    elements: int = 0
    dropped: int = 0

    def stat(self, path: str, parent: str, line: int) -> _PathStat | None:
        stat = self.stats.get(path)
        if stat is None:
            if len(self.stats) >= MAX_FIELDS:
                self.dropped += 1
                return None
            stat = self.stats[path] = _PathStat(parent, line)
        return stat


def read_xml(file: CatalogFile) -> Reading | None:
    """The element paths of an XML data file; None for configuration."""
    log = ProblemLog(file)
    try:
        sample = sample_bytes(file, SAMPLE_BYTES)
    except Unreadable as error:
        return listed("xml", file, error.problem)
    if sample.problem:
        log.add(sample.problem)
    facts: list[tuple[str, str]] = [("format", "xml"), ("size_bytes", str(file.size))]
    if sample.compression:
        facts.append(("compression", sample.compression))
    paths = _Paths()
    parser = _parser(paths, facts)
    try:
        _feed(parser, sample)
    except _Enough:
        pass
    except _Done as done:
        if done.reason is None:
            return None
        log.add(done.reason, parser.CurrentLineNumber, parser.CurrentColumnNumber + 1)
        return Reading("xml", facts=tuple(facts), problems=log.all())
    except expat.ExpatError as error:
        log.add(f"not well-formed XML: {expat.ErrorString(error.code)}", error.lineno, error.offset + 1)
    except ValueError as error:
        # pyexpat decodes single-byte encodings only: Shift_JIS, GB2312... are refused by name
        log.add(f"not read: the XML parser says {error}", parser.CurrentLineNumber, parser.CurrentColumnNumber + 1)
    if paths.root is None:
        if not log.problems:
            log.add("no root element")
        return Reading("xml", facts=tuple(facts), problems=log.all())
    return _reading(paths, sample, facts, log)


def _feed(parser: expat.XMLParserType, sample: Sample) -> None:
    data = sample.data
    for start in range(0, len(data), _FEED):
        parser.Parse(data[start:start + _FEED], False)
    if not sample.truncated:
        parser.Parse(b"", True)


def _parser(paths: _Paths, facts: list[tuple[str, str]]) -> expat.XMLParserType:
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.buffer_text = True

    def entity(name: str, *_: object) -> None:
        raise _Done(f"the document declares the entity {name!r}: not expanded (entity declarations "
                    "can fetch files or multiply into gigabytes), so its elements are not read")

    def declaration(version: str, encoding: str | None, standalone: int) -> None:
        if encoding:
            facts.append(("encoding", encoding.lower()))

    def start(name: str, attributes: dict[str, str]) -> None:
        line = parser.CurrentLineNumber
        if paths.root is None:
            _check_root(name, attributes)
            paths.root = name
            facts.append(("root", name))
        paths.elements += 1
        if paths.elements > MAX_ELEMENTS:
            raise _Enough
        parent = paths.stack[-1] if paths.stack else None
        path = f"{parent.path}/{name}" if parent else name
        if parent is not None:
            parent.children[path] += 1
            if parent.children[path] == 2 and path in paths.stats:
                paths.stats[path].repeats = True
        if len(paths.stack) >= MAX_DEPTH:
            raise _Done(f"elements nested deeper than {MAX_DEPTH} levels: not read further")
        paths.started[path] += 1
        stat = paths.stat(path, parent.path if parent else "", line)
        if stat is not None:
            for attribute, value in attributes.items():
                if attribute == "xmlns" or attribute.startswith(("xmlns:", "xsi:")):
                    continue
                attribute_stat = paths.stat(f"{path}/@{attribute}", path, line)
                if attribute_stat is not None:
                    attribute_stat.present += 1
                    attribute_stat.tally.add(scalar_type(value))
        paths.stack.append(_Open(path))

    def text(data: str) -> None:
        current = paths.stack[-1]
        if current.chars < _TEXT_CHARS:
            current.text.append(data)
            current.chars += len(data)

    def end(name: str) -> None:
        element = paths.stack.pop()
        paths.completed[element.path] += 1
        stat = paths.stats.get(element.path)
        if stat is not None:
            stat.present += 1
            if element.children:
                stat.element = True
            else:
                stat.tally.add(scalar_type("".join(element.text)[:_TEXT_CHARS]))
        for child in element.children:
            paths.present_in[child] += 1

    parser.EntityDeclHandler = entity
    parser.XmlDeclHandler = declaration
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    return parser


def _check_root(name: str, attributes: dict[str, str]) -> None:
    local = name.lower()
    if local in CONFIG_ROOTS or local.rpartition(":")[2] in CONFIG_ROOTS:
        raise _Done(None)
    namespaces = [v for k, v in attributes.items() if k == "xmlns" or k.startswith("xmlns:")]
    if any(marker in ns for ns in namespaces for marker in _CONFIG_NAMESPACES):
        raise _Done(None)


def _reading(paths: _Paths, sample: Sample, facts: list[tuple[str, str]], log: ProblemLog) -> Reading:
    capped = paths.elements > MAX_ELEMENTS
    whole = not sample.truncated and not capped and not log.problems
    fields = []
    record: str | None = None
    for path, stat in paths.stats.items():
        if path == paths.root:
            continue
        if record is None and stat.element and stat.repeats:
            record = path
        fields.append(_field(path, stat, paths, whole))
    if record is not None:
        facts += [("record_element", record), ("sampled_records", str(paths.completed[record]))]
    facts.append(("sampled", f"first {MAX_ELEMENTS} elements") if capped else sampled_fact(sample, SAMPLE_BYTES))
    if paths.dropped:
        facts.append(("fields_shown", f"first {MAX_FIELDS} paths"))
    first = paths.stats[record].line if record else 1
    return Reading("xml", tuple(fields), tuple(facts), log.all(), first)


def _field(path: str, stat: _PathStat, paths: _Paths, whole: bool) -> Field:
    if "/@" in path:
        absent = stat.present < paths.started[stat.parent]
    else:
        # only parents that closed count: in one the sample cut, a child may yet have come
        absent = paths.present_in[path] < paths.completed[stat.parent]
    # an element that holds elements is not null when one instance is empty (`<lines/>`): it is absent or not
    empty = not stat.element and stat.tally.nulls
    nullable = True if absent or empty else (False if whole else None)
    type_ = "element" if stat.element else stat.tally.resolved()
    return Field(path, type_, nullable, line=stat.line,
                 description="repeats within its parent" if stat.repeats else None)
