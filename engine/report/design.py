"""`pipeline-design.md`: what each pipeline reads, does and writes, drawn and classified.

Every line of the document comes from the analysis: the datasets and connections found, the
transformations and the SQL's columns, the classification's reasons and the
recommendations, each with the `path:line` that shows it.
"""

from __future__ import annotations

from collections import defaultdict

from flowscan import __version__
from flowscan.catalog.model import Item
from flowscan.findings import Finding
from flowscan.flowgraph import Node
from flowscan.output.graph import render_mermaid
from flowscan.redact import redact
from flowscan.report.advice import advise
from flowscan.report.analysis import Access, Analysis, PipelineView
from flowscan.report.markdown import anchor, cite, cite_reason, code, mermaid, settings_list, table
from flowscan.report.sqlcolumns import SqlColumns

_KIND_NAMES = {
    "database": "database table",
    "stream": "stream",
    "file": "file",
    "object_store": "object store",
    "api": "HTTP API",
    "cache": "cache",
    "log": "log",
}
_STORE_KINDS = ("database", "stream", "object_store", "cache")


def render_design(analysis: Analysis) -> str:
    lines = _header(analysis)
    for view in analysis.views:
        lines += [""] + _pipeline(analysis, view)
    return redact("\n".join(lines).rstrip() + "\n")


def _header(analysis: Analysis) -> list[str]:
    stats = analysis.result.stats
    views = analysis.views
    lines = [
        f"# Pipeline design: {analysis.project}",
        "",
        f"flowscan {__version__} read {stats.files} files ({', '.join(analysis.languages()) or 'no findings'}) and "
        f"found {len(views)} pipeline{'s' if len(views) != 1 else ''}: code connected through the datasets it reads "
        "and writes. Every statement below cites the line of code it comes from.",
    ]
    if not views:
        return lines
    lines += ["", "## Overview", ""]
    rows = []
    for view in views:
        p = view.pipeline
        rows.append([
            f"[{p.name}](#{anchor(p.name)})", p.style, p.mode, str(len(p.code)),
            ", ".join(n.name for n in p.inputs) or "—", ", ".join(n.name for n in p.outputs) or "—",
        ])
    lines += table(["Pipeline", "Style", "Mode", "Code units", "Reads", "Writes"], rows)
    lines += ["", "### Data-flow map", ""] + mermaid(render_mermaid(analysis.graph))
    return lines


def _pipeline(analysis: Analysis, view: PipelineView) -> list[str]:
    p = view.pipeline
    lines = [f"## Pipeline {p.name}", ""]
    services = ", ".join(f"`{s.root}`" for s in view.services)
    lines.append(
        f"**{p.style}, {p.mode}.** {len(p.code)} code unit{'s' if len(p.code) != 1 else ''} in {services} "
        f"read {len(p.inputs)} and write {len(p.outputs)} dataset{'s' if len(p.outputs) != 1 else ''}."
    )
    lines += ["", "### Classification", ""]
    lines += _classification(p.style, p.style_reasons, _STYLE_MEANING, "no transformation was found in its code")
    lines += _classification(p.mode, p.mode_reasons, _MODE_MEANING, "no consumer loop, job or read was found in its code")
    lines += ["", "### Sources", ""] + _sources(analysis, view)
    lines += ["", "### Transformations and business rules", ""] + _transformations(analysis, view)
    lines += ["", "### Destinations and schema mappings", ""] + _destinations(analysis, view)
    schemas = _schemas(view)
    if schemas:
        lines += ["", "### Dataset schemas", ""] + schemas
    lines += ["", "### Data flow", ""] + mermaid(render_mermaid(view.graph))
    lines += ["", "### Recommendations", ""] + _recommendations(analysis, view)
    return lines


_STYLE_MEANING = {
    "ETL": "data is transformed in code before it is loaded",
    "ELT": "data is loaded first and transformed in the database (SQL)",
    "EL": "data is moved without a transformation flowscan could see",
}
_MODE_MEANING = {
    "stream": "it consumes messages continuously",
    "batch": "it runs over bounded inputs (jobs, files, tables)",
}


def _classification(label: str, reasons: tuple, meanings: dict[str, str], none: str) -> list[str]:
    meaning = meanings.get(label, "")
    if not reasons:
        return [f"- **{label}**: {meaning}; {none}."]
    lines = [f"- **{label}**: {meaning}:"]
    shown = list(dict.fromkeys(reasons))[:8]
    lines += [f"  - {cite_reason(r)}" for r in shown]
    if len(reasons) > len(shown):
        lines.append(f"  - and {len(reasons) - len(shown)} more")
    return lines


# --- sources ---------------------------------------------------------------------------------


def _sources(analysis: Analysis, view: PipelineView) -> list[str]:
    inputs = {n.id for n in view.pipeline.inputs}
    reads = [a for a in analysis.reads(view) if a.dataset.kind != "api"]
    endpoints = [a for a in analysis.reads(view) if a.dataset.id in inputs and a.dataset.kind == "api"]
    by_dataset: dict[str, list[Access]] = defaultdict(list)
    for access in reads:
        by_dataset[access.dataset.id].append(access)
    # what it takes in from outside first, then what its own code wrote earlier
    ordered = sorted(by_dataset.values(), key=lambda group: (group[0].dataset.id not in inputs, group[0].dataset.id))
    lines: list[str] = []
    if ordered:
        rows = []
        for group in ordered:
            dataset = group[0].dataset
            readers = list(dict.fromkeys(f"`{a.code.name}`" for a in group))
            shown = ", ".join(readers[:3]) + (f" and {len(readers) - 3} more" if len(readers) > 3 else "")
            rows.append([
                f"`{dataset.name}`", _KIND_NAMES.get(dataset.kind, dataset.kind), shown,
                cite(group[0].first.path, group[0].first.start.line), _origin(analysis, view, dataset.id),
                _connection(analysis, group),
            ])
        lines += table(["Dataset", "Kind", "Read by", "Evidence", "Written by", "Connection"], rows)
    if endpoints:
        lines += [""] if lines else []
        lines.append("Requests it serves:")
        lines += [f"- `{a.dataset.name}` → `{a.code.name}` ({cite(a.first.path, a.first.start.line)})" for a in endpoints]
    listed = settings_list(view.services, "Settings read from the environment:")
    if listed:
        lines += ([""] if lines else []) + listed
    return lines or ["The pipeline reads no dataset flowscan could name: what it writes starts in its own code."]


def _origin(analysis: Analysis, view: PipelineView, dataset: str) -> str:
    writers = list(dict.fromkeys(f"`{a.code.name}`" for a in analysis.writes(view) if a.dataset.id == dataset))
    if not writers:
        return "outside the scanned code"
    return ", ".join(writers[:3]) + (f" and {len(writers) - 3} more" if len(writers) > 3 else "")


def _connection(analysis: Analysis, group: list[Access]) -> str:
    """How the readers of a dataset reach it: client, DSN (redacted), settings, brokers."""
    kind = group[0].dataset.kind
    if kind not in _STORE_KINDS:
        return "—"
    parts: list[str] = []
    for root in dict.fromkeys(analysis.service_root(a.first.path) for a in group):
        service = analysis.service(root)
        files = {a.first.path for a in group if analysis.service_root(a.first.path) == root}
        connections = [c for c in service.connections if c.kind == kind]
        near = [c for c in connections if c.path in files] or connections
        parts += [f"{c.tech} ({cite(c.path, c.line)})" for c in near[:1]]
        dsn = analysis.dsn_for(service, kind)
        if dsn is not None:
            parts.append(f"{code(dsn[0])} ({cite(dsn[1], dsn[2])})")
        settings = analysis.settings_for(service, kind)
        if settings:
            parts.append("env " + ", ".join(dict.fromkeys(f"`{s.name}`" for s in settings)))
        if kind == "stream" and service.brokers:
            parts.append("brokers " + ", ".join(f"`{b}`" for b in service.brokers))
    if kind == "stream" and not any(p.startswith("brokers") for p in parts):
        # a listener configured outside the code (Spring, a framework) meets the brokers its producer names
        writers = [a for v in analysis.views for a in analysis.writes(v) if a.dataset.id == group[0].dataset.id]
        brokers = list(dict.fromkeys(
            b for a in writers for b in analysis.service(analysis.service_root(a.first.path)).brokers
        ))
        if brokers:
            parts.append("brokers " + ", ".join(f"`{b}`" for b in brokers) + " (named by its producer)")
    return "; ".join(dict.fromkeys(parts)) or "not found in the code"


# --- transformations ---------------------------------------------------------------------------


def _transformations(analysis: Analysis, view: PipelineView) -> list[str]:
    lines: list[str] = []
    for finding in view.pipeline.transforms:
        lines.append(f"- {cite(finding.path, finding.start.line)} {_describe_transform(analysis, view, finding)}")
    rules = _business_rules(analysis, view)
    if rules:
        lines += ["", "Business rules (conditions the code keeps rows by):"] + rules
    return lines or ["No transformation was found: the pipeline moves data as it reads it."]


def _describe_transform(analysis: Analysis, view: PipelineView, finding: Finding) -> str:
    columns = analysis.sql_columns(finding)
    if columns is not None:
        return _describe_sql(analysis, view, finding, _at_line(columns, finding))
    text = f"{finding.message}: {code(analysis.sources.span(finding)[:140])}"
    named = analysis.code_columns(finding)
    keys = [c.column for c in named if c.clause == "join"]
    groups = [c.column for c in named if c.clause == "group_by"]
    if keys:
        text += f"; join key {', '.join(f'`{k}`' for k in keys)}"
    if groups:
        text += f"; grouped by {', '.join(f'`{g}`' for g in groups)}"
    inputs = [i.split(":", 1)[1] for i in analysis.datasets_into(finding)]
    if inputs:
        text += f"; data from {', '.join(f'`{i}`' for i in inputs)}"
    return text


def _at_line(columns: SqlColumns, finding: Finding) -> SqlColumns:
    """For a `.sql` file, the part of its columns on the transform's line."""
    if finding.language != "sql":
        return columns
    line = finding.start.line
    return SqlColumns(
        tuple(u for u in columns.uses if u.line == line),
        tuple(j for j in columns.joins if j.line == line),
        tuple(c for c in columns.conditions if c.line == line),
    )


def _describe_sql(analysis: Analysis, view: PipelineView, finding: Finding, columns: SqlColumns) -> str:
    what = finding.message
    parts = [f"SQL {what}"]
    tables = _tables_at(view, finding)
    if tables:
        parts.append(f"over {', '.join(f'`{t}`' for t in tables)}")
    if columns.joins:
        keys = ", ".join(f"`{j.left_table}.{j.left_column} = {j.right_table}.{j.right_column}`" for j in columns.joins)
        parts.append(f"on {keys}")
    groups = [f"`{u.table}.{u.column}`" for u in columns.uses if u.clause == "group_by"]
    if groups:
        parts.append(f"grouped by {', '.join(dict.fromkeys(groups))}")
    partitions = [f"`{u.table}.{u.column}`" for u in columns.uses if u.clause == "partition_by"]
    if partitions:
        parts.append(f"partitioned by {', '.join(dict.fromkeys(partitions))}")
    return " ".join(parts)


def _tables_at(view: PipelineView, finding: Finding) -> list[str]:
    tables: list[str] = []
    for other in view.pipeline.findings:
        if other.path != finding.path:
            continue
        near = other.start.line == finding.start.line or (
            finding.language == "sql" and other.role == "source" and abs(other.start.line - finding.start.line) <= 3
        )
        if near and other.role in ("source", "sink"):
            tables += [e.name for e in other.entities if e.type == "table" and e.name not in tables]
    return tables


def _business_rules(analysis: Analysis, view: PipelineView) -> list[str]:
    rules: list[str] = []
    seen: set[tuple[str, int, str]] = set()
    for finding in view.pipeline.findings:
        if finding.role not in ("source", "sink", "transform"):
            continue
        columns = analysis.sql_columns(finding)
        for condition in columns.conditions if columns is not None else ():
            if condition.parameterised:
                continue
            key = (finding.path, condition.line, condition.text)
            if key in seen:
                continue
            seen.add(key)
            rules.append(f"- {cite(finding.path, condition.line)} keeps rows of `{condition.table}` where {code(condition.text)}")
        for column in analysis.code_columns(finding):
            if column.clause != "where":
                continue
            key = (finding.path, finding.start.line, column.text)
            if key in seen:
                continue
            seen.add(key)
            rules.append(f"- {cite(finding.path, finding.start.line)} keeps rows where {code(column.text)}")
    return rules



# --- destinations ------------------------------------------------------------------------------


def _destinations(analysis: Analysis, view: PipelineView) -> list[str]:
    writes = analysis.writes(view)
    if not writes:
        return ["The pipeline writes no dataset flowscan could name."]
    rows = []
    for access in writes:
        mode = analysis.write_mode(access.first)
        rows.append([
            f"`{access.dataset.name}`", _KIND_NAMES.get(access.dataset.kind, access.dataset.kind), f"`{access.code.name}`",
            f"{mode.kind}: {mode.reason}", cite(access.first.path, access.first.start.line),
        ])
    lines = table(["Destination", "Kind", "Written by", "On a re-run", "Evidence"], rows)
    declared = analysis.schema_writes(view)
    if declared:
        by_file: dict[str, list[Access]] = defaultdict(list)
        for access in declared:
            by_file[access.first.path].append(access)
        for path, accesses in by_file.items():
            tables = ", ".join(f"`{a.dataset.name}` (line {a.first.start.line})" for a in accesses)
            lines += ["", f"Tables declared in `{path}`: {tables}."]
    flows = _flows(analysis, view)
    if flows:
        lines += ["", "What goes where:"] + flows
    mappings = _column_mappings(analysis, view)
    if mappings:
        lines += ["", "Columns:"] + mappings
    return lines


def _flows(analysis: Analysis, view: PipelineView) -> list[str]:
    """dataset → code → dataset, from the links of a function (or a SQL model's reads and writes)."""
    flows: list[str] = []
    by_unit: dict[str, list[Access]] = defaultdict(list)
    for access in view.accesses:
        by_unit[access.code.id].append(access)
    for accesses in by_unit.values():
        reads = [a for a in accesses if a.access == "read"]
        writes = [a for a in accesses if a.access == "write"]
        for write in writes:
            for read in reads:
                if read.dataset.id == write.dataset.id:
                    continue
                proof = _link(analysis, read, write)
                if proof is None and not (write.code.kind == "model" and analysis.same_statement(read.first, write.first)):
                    continue
                via = f" through {len(proof)} steps" if proof and len(proof) > 2 else ""
                flows.append(
                    f"- `{read.dataset.name}` → `{write.code.name}` → `{write.dataset.name}`{via} "
                    f"({cite(read.first.path, read.first.start.line)} → {cite(write.first.path, write.first.start.line)})"
                )
    return list(dict.fromkeys(flows))


def _link(analysis: Analysis, read: Access, write: Access) -> tuple | None:
    for finding in write.findings:
        for link in analysis.links_into(finding):
            if link.source in read.findings:
                return link.steps
    return None


def _column_mappings(analysis: Analysis, view: PipelineView) -> list[str]:
    lines: list[str] = []
    seen: set[str] = set()
    for access in analysis.writes(view):
        columns = analysis.sql_columns(access.first)
        if columns is None:
            continue
        name = access.dataset.name
        mapped = [m for m in columns.mappings + columns.outputs if m.target_table == name]
        if mapped:
            pairs = ", ".join(
                f"`{(m.source_table + '.') if m.source_table else ''}{m.source}` → `{m.target_column}`" for m in mapped
            )
            line = f"- `{name}` ({cite(access.first.path, mapped[0].line)}): {pairs}"
            line += _unknown_columns(access.dataset, [m.target_column for m in mapped])
        else:
            written = [u.column for u in columns.uses if u.table == name and u.clause in ("insert", "update")]
            if not written:
                continue
            line = f"- `{name}` ({cite(access.first.path, access.first.start.line)}): writes {', '.join(f'`{c}`' for c in dict.fromkeys(written))}"
            line += _unknown_columns(access.dataset, written)
        if line not in seen:
            seen.add(line)
            lines.append(line)
    return lines


def _table_item(node: Node) -> Item | None:
    return next((item for item in node.catalog if item.type in ("table", "view") and item.fields), None)


def _unknown_columns(dataset: Node, written: list[str]) -> str:
    """Columns a write names that the catalog's table (a migration, a model, the live database) lacks."""
    item = _table_item(dataset)
    if item is None:
        return ""
    known = {f.name.lower() for f in item.fields}
    unknown = [c for c in dict.fromkeys(written) if c.lower() not in known and c != "*"]
    if not unknown:
        return ""
    where = ", ".join(f"{o.path}:{o.line}" for o in item.origins[:2])
    return f" — **not columns of `{item.name}`** per {where}: {', '.join(f'`{c}`' for c in unknown)}"


def _schemas(view: PipelineView) -> list[str]:
    """The columns of each dataset the pipeline touches, as the catalog (or the live database) knows them."""
    lines: list[str] = []
    seen: set[str] = set()
    for access in view.accesses:
        node = access.dataset
        item = _table_item(node) or next((i for i in node.catalog if i.fields and i.type != "operation"), None)
        if item is None or node.id in seen:
            continue
        seen.add(node.id)
        origins = ", ".join(f"{cite(o.path, o.line)} ({o.source})" for o in item.origins)
        facts = [f"{key.replace('_', ' ')} {value}" for key, value in item.facts
                 if key in ("size_bytes", "row_estimate", "rows", "table_rows", "num_rows", "partitions", "format")]
        lines += [f"`{item.name}` — declared in {origins}" + (f"; {', '.join(facts)}" if facts else "") + ".", ""]
        rows = [[f"`{f.name}`", f.type or "", "" if f.nullable is None else ("yes" if f.nullable else "no"),
                 "PK" if f.primary_key else ("unique" if f.unique else ""), f"`{f.references}`" if f.references else ""]
                for f in item.fields]
        lines += table(["Column", "Type", "Nullable", "Key", "References"], rows) + [""]
    return lines[:-1] if lines else lines


# --- recommendations ---------------------------------------------------------------------------


def _recommendations(analysis: Analysis, view: PipelineView) -> list[str]:
    advice = advise(analysis, view)
    if not advice:
        return ["None: no missing safeguard, risky write or scaling limit was found in this pipeline's code."]
    lines = []
    for item in advice:
        lines.append(f"- **{item.topic}**: {item.text}")
        shown = list(dict.fromkeys(item.evidence))
        lines += [f"  - {cite_reason(r)}" for r in shown[:8]]
        if len(shown) > 8:
            lines.append(f"  - and {len(shown) - 8} more")
    return lines
