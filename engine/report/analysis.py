"""What every report document needs, worked out once from a scan.

The scan gives findings, the map and the pipelines; the documents also need to know which
service hosts a piece of code and how it starts, which connections and settings it uses,
how each dataset is read and written (with the SQL's columns), and whether a write can be
replayed. Each fact keeps the file and line it comes from, so that a document can cite it.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import defaultdict
from pathlib import Path, PurePosixPath
from typing import Any

from attrs import frozen

from flowscan.catalog.join import join_catalog
from flowscan.catalog.model import Catalog
from flowscan.datasets import DATASET_TYPES, dataset_id
from flowscan.findings import Entity, Finding, Guard, Link, Position, ScanResult
from flowscan.flowgraph import Edge, FlowGraph, Node, build_graph
from flowscan.pipelines import Pipeline, Reason, find_pipelines
from flowscan.redact import redact
from flowscan.report.sources import DSN, CodeColumn, Sources
from flowscan.report.sqlcolumns import SqlColumns
from flowscan.sqlflow import split_statements

#: files that mark the root of a service (a build or project file)
_PROJECT_FILES = (
    "go.mod", "pom.xml", "build.gradle", "build.gradle.kts", "Cargo.toml", "pyproject.toml", "setup.py",
    "setup.cfg", "package.json", "dbt_project.yml",
)
_MAINS = {
    "python": re.compile(r"""^if __name__ == ["']__main__["']:""", re.M),
    "go": re.compile(r"^func main\(\)", re.M),
    "java": re.compile(r"public static void main\("),
    "rust": re.compile(r"^\s*(?:pub\s+)?(?:async\s+)?fn main\(\)", re.M),
}
_DEAD_LETTER = re.compile(r"dead.?letter|\bdlq\b|quarantine", re.I)
_GROUP_ID = re.compile(r"""(?:group[._]?id|groupId|GroupID|group)["']?\s*[=:,]\s*["']([\w.-]+)["']""")
# `host:port` literals on lines about Kafka: brokers (`kafka.TCP("kafka:9092")`, bootstrap.servers)
_STREAM_WORDS = re.compile(r"(?i)kafka|broker|bootstrap")
_ADDRESS = re.compile(r"""["']([A-Za-z][\w.-]*:\d{2,5})["']""")
_JINJA_MODEL = re.compile(r"\{\{\s*(ref|source|config)\s*\(")
_ENV_KIND = {
    "database": re.compile(r"(?i)(database|(^|_)db(_|$)|pg|postgres|mysql|sql|dsn|jdbc|mongo)"),
    "stream": re.compile(r"(?i)(kafka|broker|bootstrap|topic|rabbit|amqp|nats|queue)"),
    "object_store": re.compile(r"(?i)(s3|bucket|gcs|azure|blob|storage)"),
    "cache": re.compile(r"(?i)(redis|cache|memcache)"),
}
_UPSERT = re.compile(r"(?i)\bon\s+conflict\b|\bmerge\s+into\b|\bon\s+duplicate\s+key\b|\binsert\s+or\s+replace\b|\bupsert\b")


@frozen
class Setting:
    """An environment variable the code reads."""

    name: str
    path: str
    line: int
    default: str | None = None  # a DSN given as its default, redacted


@frozen
class Connection:
    kind: str
    tech: str
    message: str
    path: str
    line: int
    dsns: tuple[str, ...] = ()


@frozen
class EntryPoint:
    kind: str  # endpoint | consumer | orchestration | main | model
    text: str
    path: str
    line: int


@frozen
class Service:
    """A folder of code built and run together (its project file, or its own folder)."""

    root: str
    languages: tuple[str, ...]
    entry_points: tuple[EntryPoint, ...]
    connections: tuple[Connection, ...]
    settings: tuple[Setting, ...]
    dead_letters: tuple[Reason, ...]
    brokers: tuple[str, ...]


@frozen
class WriteMode:
    """How a write behaves when it runs twice."""

    kind: str  # upsert | overwrite | append | insert | update | delete | publish | unknown
    replay_safe: bool
    reason: str
    path: str
    line: int


@frozen
class Access:
    """One read or write of a dataset by a code unit, with the findings that show it."""

    dataset: Node
    code: Node
    access: str
    findings: tuple[Finding, ...]

    @property
    def first(self) -> Finding:
        return self.findings[0]


@frozen
class PipelineView:
    pipeline: Pipeline
    graph: FlowGraph  # the pipeline's part of the map
    accesses: tuple[Access, ...]
    services: tuple[Service, ...]
    consumers: tuple[Finding, ...]

    @property
    def name(self) -> str:
        return self.pipeline.name


class Analysis:
    """A scan, its map and pipelines, and the facts the documents share."""

    def __init__(self, result: ScanResult, paths: list[Path], sources: Sources | None = None,
                 catalog: Catalog | None = None) -> None:
        self.result = result
        self.paths = paths
        self.sources = sources or Sources()
        self.catalog = catalog or Catalog()
        self.graph = join_catalog(build_graph(result.placements, result.links), self.catalog)
        self.pipelines = find_pipelines(result, self.graph)
        self._by_evidence: dict[tuple[str, int, str], list[Finding]] = defaultdict(list)
        for finding in result.findings:
            self._by_evidence[(finding.path, finding.start.line, finding.rule_id)].append(finding)
        self._units: dict[str, str] = {
            f"code:{p.unit.path}#{p.unit.name}": p.unit.path for p in result.placements
        }
        self._services: dict[str, Service] = {}
        self._guards: dict[Finding, tuple[Guard, ...]] | None = None
        self._namespaces: dict[str, str] = {}
        self._roots: dict[str, str] = {}
        #: results the documents share (the data-quality document feeds the lineage's schemas)
        self.memo: dict[str, Any] = {}
        self._columns: dict[tuple[str, int] | str, SqlColumns | None] = {}
        self.views = [self._view(p) for p in self.pipelines]

    # --- the project -------------------------------------------------------------------------

    @property
    def project(self) -> str:
        """A name for the scanned project: the folder scanned (or the one holding the paths)."""
        resolved = [p.resolve() for p in self.paths] or [Path.cwd()]
        common = Path(*_common_parts([r.parts for r in resolved]))
        if common.is_file():
            common = common.parent
        return common.name or "project"

    def languages(self) -> list[str]:
        return sorted({f.language for f in self.result.findings})

    # --- findings behind the map ---------------------------------------------------------------

    def findings_of(self, edge: Edge) -> tuple[Finding, ...]:
        dataset = edge.target if edge.access == "write" else edge.source
        found: list[Finding] = []
        for evidence in edge.evidence:
            for finding in self._by_evidence.get((evidence.path, evidence.line, evidence.rule_id), ()):
                if finding not in found and any(dataset_id(e) == dataset for e in finding.entities):
                    found.append(finding)
        # absence warnings (`pipeline.unguarded-write`) repeat the write they are about
        return tuple(f for f in found if not f.rule_id.startswith("pipeline.")) or tuple(found)

    def links_into(self, finding: Finding) -> list[Link]:
        return [link for link in self.result.links if link.target == finding]

    def links_from(self, finding: Finding) -> list[Link]:
        return [link for link in self.result.links if link.source == finding]

    # --- pipelines ----------------------------------------------------------------------------

    def _view(self, pipeline: Pipeline) -> PipelineView:
        code_ids = {node.id for node in pipeline.code}
        edges = tuple(e for e in self.graph.edges if e.source in code_ids or e.target in code_ids)
        ids = {e.source for e in edges} | {e.target for e in edges}
        nodes = tuple(n for n in self.graph.nodes if n.id in ids)
        graph = FlowGraph(nodes, edges)
        accesses = []
        for edge in edges:
            code = graph.node(edge.target if edge.access == "read" else edge.source)
            dataset = graph.node(edge.source if edge.access == "read" else edge.target)
            findings = self.findings_of(edge)
            if not findings and code is not None and dataset is not None and code.kind == "model":
                findings = (_model_build(code, dataset),)
            if code is not None and dataset is not None and findings:
                accesses.append(Access(dataset, code, edge.access, findings))
        roots = sorted({self.service_root(node.path or "") for node in pipeline.code})
        services = tuple(self.service(root) for root in roots)
        consumers = tuple(
            f for f in pipeline.findings if f.role == "source" and f.kind == "stream" and _topics(f)
        )
        return PipelineView(pipeline, graph, tuple(accesses), services, consumers)

    def writes(self, view: PipelineView) -> list[Access]:
        """Writes of data (a `CREATE TABLE` declaring a table's columns is no such write)."""
        return [a for a in view.accesses if a.access == "write" and not self.declares_schema(a.first)]

    def schema_writes(self, view: PipelineView) -> list[Access]:
        return [a for a in view.accesses if a.access == "write" and self.declares_schema(a.first)]

    def reads(self, view: PipelineView) -> list[Access]:
        return [a for a in view.accesses if a.access == "read"]

    # --- services -----------------------------------------------------------------------------

    def service_root(self, path: str) -> str:
        if path not in self._roots:
            self._roots[path] = self._service_root(path)
        return self._roots[path]

    def _service_root(self, path: str) -> str:
        folder = PurePosixPath(path).parent
        base = Path.cwd()
        for candidate in (folder, *folder.parents):
            if str(candidate) in (".", ""):
                break
            if any((base / str(candidate) / name).exists() for name in _PROJECT_FILES):
                return str(candidate)
        return str(folder)

    def service(self, root: str) -> Service:
        if root not in self._services:
            self._services[root] = self._service(root)
        return self._services[root]

    def _service(self, root: str) -> Service:
        prefix = root.rstrip("/") + "/"
        findings = [f for f in self.result.findings if f.path.startswith(prefix)]
        files = sorted({p.unit.path for p in self.result.placements if p.unit.path.startswith(prefix)})
        entries: list[EntryPoint] = []
        for f in findings:
            if f.role == "endpoint":
                entries.append(EntryPoint("endpoint", f.message, f.path, f.start.line))
            elif f.role == "source" and f.kind == "stream" and _topics(f):
                group = self.group_id(f)
                text = f"consumes {', '.join(_topics(f))}" + (f" as group `{group}`" if group else "")
                entries.append(EntryPoint("consumer", text, f.path, f.start.line))
            elif f.role == "pipeline" and not f.rule_id.startswith("pipeline."):
                entries.append(EntryPoint("orchestration", f.message, f.path, f.start.line))
        for path in files:
            text = self.sources.text(path)
            language = next((f.language for f in findings if f.path == path), "")
            pattern = _MAINS.get(language)
            match = pattern.search(text) if pattern else None
            if match is not None:
                line = text.count("\n", 0, match.start()) + 1
                entries.append(EntryPoint("main", _main_text(language, path), path, line))
            if language == "sql":
                jinja = _JINJA_MODEL.search(text)
                what = "dbt model" if jinja else "SQL script"
                entries.append(EntryPoint("model", f"{what} `{PurePosixPath(path).stem}`", path, 1))
        connections = tuple(
            Connection(f.kind, f.tech, f.message, f.path, f.start.line, tuple(self._dsns(f)))
            for f in findings if f.role == "connection"
        )
        settings: dict[tuple[str, str], Setting] = {}
        for f in findings:
            for entity in f.entities:
                if entity.type == "env" and (entity.name, f.path) not in settings:
                    dsns = self._dsns(f)
                    settings[(entity.name, f.path)] = Setting(entity.name, f.path, f.start.line, dsns[0] if dsns else None)
        dead_letters = []
        for path in files:
            for number, line in enumerate(self.sources.text(path).splitlines(), 1):
                if _DEAD_LETTER.search(line) and not line.lstrip().startswith(("//", "#", "--", "/*", "*")):
                    dead_letters.append(Reason(redact(line.strip())[:120], path, number))
                    break
        brokers: list[str] = []
        for path in files:
            for line in self.sources.text(path).splitlines():
                if _STREAM_WORDS.search(line):
                    brokers += [b for b in _ADDRESS.findall(line) if b not in brokers]
        return Service(
            root=root,
            languages=tuple(sorted({f.language for f in findings})),
            entry_points=tuple(sorted(set(entries), key=lambda e: (e.path, e.line, e.kind))),
            connections=connections,
            settings=tuple(sorted(settings.values(), key=lambda s: (s.name, s.path))),
            dead_letters=tuple(dead_letters),
            brokers=tuple(brokers),
        )

    def _dsns(self, finding: Finding) -> list[str]:
        found = [redact(e.name) for e in finding.entities if e.type == "dsn" and DSN.match(e.name)]
        found += self.sources.dsns(finding.path, finding.start.line)
        return list(dict.fromkeys(found))

    def group_id(self, finding: Finding) -> str | None:
        """The consumer group of a consumer, when its file names exactly one."""
        groups = set(_GROUP_ID.findall(self.sources.text(finding.path)))
        return groups.pop() if len(groups) == 1 else None

    def settings_for(self, service: Service, kind: str) -> list[Setting]:
        """Settings of a kind of store: named like one (`DATABASE_URL`), or passed to its client
        (`create_engine(WAREHOUSE_URL)`)."""
        pattern = _ENV_KIND.get(kind)
        used = " ".join(self.sources.span(f) for f in self._connections(service, kind))
        return [
            s for s in service.settings
            if pattern is not None and pattern.search(s.name) or re.search(rf"\b{re.escape(s.name)}\b", used)
        ]

    def _connections(self, service: Service, kind: str) -> list[Finding]:
        return [
            f for f in self.result.findings
            if f.role == "connection" and f.kind == kind and any(
                c.path == f.path and c.line == f.start.line for c in service.connections
            )
        ]

    def dsn_for(self, service: Service, kind: str) -> tuple[str, str, int] | None:
        """A DSN the service gives for a kind of store: (dsn, path, line)."""
        for connection in service.connections:
            if connection.kind == kind and connection.dsns:
                return connection.dsns[0], connection.path, connection.line
        for setting in self.settings_for(service, kind):
            if setting.default:
                return setting.default, setting.path, setting.line
        return None

    def guards(self, finding: Finding) -> tuple[Guard, ...]:
        """The safeguards found around one read or write."""
        if self._guards is None:
            self._guards = {p.finding: p.guards for p in self.result.placements}
        return self._guards.get(finding, ())

    def trigger(self, access: Access) -> Reason:
        """What makes a write happen, with the line that shows it: `message` (a consumer in
        its code), `run` (a program, job or SQL model that runs it, or data it read first) or
        `call` (code that something else calls: a request handler, a helper)."""
        code = access.code
        for finding in self.result.findings:
            if finding.role == "source" and finding.kind == "stream" and _topics(finding) and (
                finding.path == access.first.path
            ):
                return Reason("message", finding.path, finding.start.line)
        if any(a.code.id == code.id and a.access == "read" and a.dataset.kind == "stream" for v in self.views for a in v.accesses):
            return Reason("message", access.first.path, access.first.start.line)
        if code.kind == "model":
            return Reason("run", code.path or access.first.path, 1)
        service = self.service(self.service_root(access.first.path))
        for entry in service.entry_points:
            if entry.path == access.first.path and entry.kind in ("main", "orchestration"):
                return Reason("run", entry.path, entry.line)
        feeding = self.links_into(access.first)
        if feeding:
            return Reason("run", feeding[0].source.path, feeding[0].source.start.line)
        return Reason("call", access.first.path, access.first.start.line)

    def namespace(self, node: Node) -> str:
        """The OpenLineage namespace of a dataset, the same wherever it is read or written."""
        if node.id not in self._namespaces:
            accesses = [a for v in self.views for a in v.accesses if a.dataset.id == node.id]
            accesses.sort(key=lambda a: a.access != "write")
            found = namespace_of(self, node, accesses)
            if found in ("database",) or found.endswith("://") and node.id.startswith("table:"):
                found = self._only_database() or found
            self._namespaces[node.id] = found
        return self._namespaces[node.id]

    def _only_database(self) -> str | None:
        """The database namespace, when every DSN the code gives names the same server."""
        if "only_database" in self.memo:
            return self.memo["only_database"]
        found = set()
        for root in sorted({self.service_root(p.unit.path) for p in self.result.placements}):
            dsn = self.dsn_for(self.service(root), "database")
            parts = _DSN_PARTS.match(dsn[0]) if dsn else None
            if parts:
                found.add(f"{_SCHEMES.get(parts.group(1).lower(), parts.group(1).lower())}://{parts.group(2)}")
        self.memo["only_database"] = redact(found.pop()) if len(found) == 1 else None
        return self.memo["only_database"]

    # --- columns ------------------------------------------------------------------------------

    def sql_columns(self, finding: Finding) -> SqlColumns | None:
        key: tuple[str, int] | str = finding.path if finding.language == "sql" else (finding.path, finding.start.line)
        if key not in self._columns:
            self._columns[key] = self.sources.sql_columns(finding)
        return self._columns[key]

    def all_sql_columns(self) -> list[tuple[str, SqlColumns]]:
        """Each SQL statement the scan found, once: (path, columns)."""
        seen: set[tuple[str, int] | str] = set()
        found: list[tuple[str, SqlColumns]] = []
        for finding in self.result.findings:
            if finding.role not in ("source", "sink", "transform"):
                continue
            if finding.language != "sql" and finding.kind != "database":
                continue
            key: tuple[str, int] | str = finding.path if finding.language == "sql" else (finding.path, finding.start.line)
            if key in seen:
                continue
            seen.add(key)
            columns = self.sql_columns(finding)
            if columns is not None:
                found.append((finding.path, columns))
        return found

    def code_columns(self, finding: Finding) -> list[CodeColumn]:
        if finding.language == "sql":
            return []
        return self.sources.code_columns(finding)

    def datasets_into(self, finding: Finding) -> list[str]:
        """Dataset ids whose data reaches a transform or sink, through the links of its function:
        links into it, and links that pass through its line on their way to a sink."""
        found: list[str] = []
        for link in self.result.links:
            if link.target != finding and not (
                link.source.path == finding.path
                and link.source.start.line < finding.start.line
                and any(step.line == finding.start.line for step in link.steps)
            ):
                continue
            for entity in link.source.entities:
                if entity.type in DATASET_TYPES and dataset_id(entity) not in found:
                    found.append(dataset_id(entity))
        return found

    # --- writes -------------------------------------------------------------------------------

    def write_mode(self, finding: Finding) -> WriteMode:
        sql = self.sources.sql_text(finding) if finding.language != "sql" else self._sql_statement(finding)
        code = self.sources.span(finding)
        where = (finding.path, finding.start.line)
        if finding.rule_id == MODEL_BUILD:
            return WriteMode("overwrite", True, "the model rebuilds it from its query", *where)
        if finding.kind == "stream":
            return WriteMode("publish", False, "a re-sent message reaches consumers twice", *where)
        if sql:
            upper = sql.upper()
            if _UPSERT.search(sql):
                return WriteMode("upsert", True, "the statement upserts (conflicts update or skip)", *where)
            if upper.lstrip().startswith("DELETE") or "deletes" in finding.message:
                return WriteMode("delete", True, "a delete can be repeated", *where)
            if upper.lstrip().startswith("UPDATE"):
                return WriteMode("update", True, "an update sets values; repeating it sets them again", *where)
            if upper.lstrip().startswith(("CREATE", "REPLACE")):
                return WriteMode("overwrite", True, "the statement (re)creates the relation", *where)
            if upper.lstrip().startswith("INSERT"):
                return WriteMode("insert", False, "a plain INSERT: a replay adds the rows again (or fails on a key)", *where)
        if re.search(r"""if_exists\s*=\s*["']append["']|mode\s*\(\s*["']append["']|mode\s*=\s*["']append["']""", code):
            return WriteMode("append", False, "it appends: a re-run adds the same rows again", *where)
        if re.search(r"""if_exists\s*=\s*["']replace["']|mode\s*\(\s*["']overwrite["']|mode\s*=\s*["']overwrite["']""", code):
            return WriteMode("overwrite", True, "it replaces the target", *where)
        if finding.kind in ("file", "object_store"):
            return WriteMode("overwrite", True, "it writes the whole file or object again", *where)
        if finding.kind == "database" and "sql" not in finding.message:
            return WriteMode("unknown", False, "how it treats existing rows is not visible here", *where)
        return WriteMode("unknown", False, "how it treats existing data is not visible here", *where)

    def _sql_statement(self, finding: Finding) -> str | None:
        """The statement of a `.sql` file a finding is in."""
        data = self.sources.data(finding.path) or b""
        starts = [0] + [i + 1 for i, byte in enumerate(data) if byte == 10]
        for start, end in split_statements(data, 0, len(data)):
            if bisect_right(starts, start) <= finding.start.line <= bisect_right(starts, max(start, end - 1)):
                return data[start:end].decode("utf-8", "replace")
        return None

    def declares_schema(self, finding: Finding) -> bool:
        """`CREATE TABLE t (...)` in a `.sql` file: a table's shape, not data written to it."""
        if finding.language != "sql" or finding.role != "sink":
            return False
        statement = re.sub(r"(?s)^(\s*(--[^\n]*\n|/\*.*?\*/))*", "", self._sql_statement(finding) or "")
        return bool(re.match(r"(?is)\s*create\s+(?:or\s+replace\s+)?(?:temp\w*\s+)?table\b", statement)) and not re.search(
            r"(?i)\bselect\b", statement
        )

    def same_statement(self, one: Finding, other: Finding) -> bool:
        """Whether two findings of a `.sql` file are in the same statement."""
        if one.path != other.path:
            return False
        data = self.sources.data(one.path) or b""
        starts = [0] + [i + 1 for i, byte in enumerate(data) if byte == 10]
        for start, end in split_statements(data, 0, len(data)):
            first = bisect_right(starts, start)
            last = bisect_right(starts, max(start, end - 1))
            if first <= one.start.line <= last and first <= other.start.line <= last:
                return True
        return False

    def is_dbt_model(self, node: Node) -> bool:
        return node.kind == "model" and _JINJA_MODEL.search(self.sources.text(node.path or "")) is not None

    # --- downstream ---------------------------------------------------------------------------

    def models_downstream(self, dataset: str) -> list[Node]:
        """SQL models that read `dataset`, and the models reading what those build, in order."""
        found: list[Node] = []
        frontier = [dataset]
        while frontier:
            current = frontier.pop(0)
            for edge in self.graph.edges:
                if edge.access != "read" or edge.source != current:
                    continue
                code = self.graph.node(edge.target)
                if code is None or code.kind != "model" or code in found:
                    continue
                found.append(code)
                frontier.extend(e.target for e in self.graph.edges if e.source == code.id and e.access == "write")
        return found


OBJECT_URL = re.compile(r"^(s3a?|gs|abfss?|wasbs?|az)://([^/]+)/?(.*)$")
_WEB_URL = re.compile(r"^(https?)://([^/]+)(/.*)?$")
_DSN_PARTS = re.compile(r"^(?:jdbc:)?([a-z][a-z0-9+.-]*)://(?:[^@/]*@)?([^/?#]+)", re.I)
_SCHEMES = {"postgresql": "postgres", "postgres": "postgres", "mysql": "mysql", "mariadb": "mysql",
            "sqlserver": "sqlserver", "mssql": "sqlserver", "mongodb": "mongodb", "mongodb+srv": "mongodb",
            "redis": "redis", "rediss": "redis", "sqlite": "sqlite", "oracle": "oracle"}
_ENGINE_HINTS = (("postgres", "postgres"), ("psycopg", "postgres"), ("pgx", "postgres"), ("lib/pq", "postgres"),
                 ("mysql", "mysql"), ("sqlite", "sqlite"), ("mongo", "mongodb"), ("sqlserver", "sqlserver"),
                 ("snowflake", "snowflake"), ("bigquery", "bigquery"), ("redshift", "redshift"), ("redis", "redis"))
_STREAM_SCHEMES = (("nats", "nats"), ("amqp", "amqp"), ("rabbit", "amqp"), ("lapin", "amqp"), ("pubsub", "pubsub"),
                   ("kinesis", "kinesis"), ("sqs", "sqs"), ("redis", "redis"))


def dataset_name(node: Node) -> str:
    """A dataset's name within its namespace: an object's key without the bucket, a URL's path."""
    found = OBJECT_URL.match(node.name)
    if found:
        return found.group(3) or "/"
    found = _WEB_URL.match(node.name)
    if found:
        return found.group(3) or "/"
    return node.name


def namespace_of(analysis: "Analysis", node: Node, accesses: list[Access]) -> str:
    """The OpenLineage namespace of a dataset: where it lives, as far as the code tells
    (`postgres://db:5432` from a DSN, `kafka://broker:9092`, `s3://bucket`, `file`)."""
    found = OBJECT_URL.match(node.name)
    if found:
        return f"{found.group(1)}://{found.group(2)}"
    found = _WEB_URL.match(node.name)
    if found:
        return f"{found.group(1)}://{found.group(2)}"
    services = [analysis.service(analysis.service_root(a.first.path)) for a in accesses]
    if node.id.startswith("table:") or node.kind == "database":
        for service in services:
            dsn = analysis.dsn_for(service, "database")
            parts = _DSN_PARTS.match(dsn[0]) if dsn else None
            if parts:
                scheme = _SCHEMES.get(parts.group(1).lower(), parts.group(1).lower())
                return redact(f"{scheme}://{parts.group(2)}")
        hints = " ".join(
            f"{c.tech} {c.message}" for s in services for c in s.connections if c.kind == "database"
        ).lower() + " " + " ".join(f.tech for a in accesses for f in a.findings).lower()
        engine = next((scheme for hint, scheme in _ENGINE_HINTS if hint in hints), None)
        return f"{engine}://" if engine else "database"
    if node.kind == "stream" or node.id.startswith(("topic:", "queue:")):
        techs = " ".join(f.tech for a in accesses for f in a.findings).lower()
        scheme = next((s for hint, s in _STREAM_SCHEMES if hint in techs), "kafka")
        brokers = [b for s in services for b in s.brokers]
        return f"{scheme}://{brokers[0]}" if brokers else f"{scheme}://"
    if node.id.startswith("bucket:"):
        return f"s3://{node.name}"
    if node.kind == "file" or node.id.startswith("file:"):
        return "file"
    return node.kind


#: the rule id of the write a SQL model makes of its own relation (the map draws it; no rule finds it)
MODEL_BUILD = "flowscan.model-build"


def _model_build(code: Node, dataset: Node) -> Finding:
    at = Position(code.line or 1, 1)
    return Finding(
        rule_id=MODEL_BUILD, path=code.path or "", language="sql", start=at, end=at, role="sink",
        kind="database", tech="sql", severity="info", message=f"builds {dataset.name}",
        entities=(Entity("table", dataset.name, "write"),),
    )


def _topics(finding: Finding) -> list[str]:
    return [e.name for e in finding.entities if e.type in ("topic", "queue")]


def _main_text(language: str, path: str) -> str:
    name = PurePosixPath(path).name
    return {
        "python": f"`{name}` runs as a script",
        "go": "a Go program (`func main`)",
        "java": f"a Java program (`{PurePosixPath(path).stem}.main`)",
        "rust": "a Rust binary (`fn main`)",
    }.get(language, f"`{name}` is a program")


def _common_parts(parts: list[tuple[str, ...]]) -> tuple[str, ...]:
    common: list[str] = []
    for column in zip(*parts):
        if len(set(column)) != 1:
            break
        common.append(column[0])
    return tuple(common) or ("/",)


def where(path: str, line: int) -> str:
    """`path:line`, the form every citation takes."""
    return f"{path}:{line}"
