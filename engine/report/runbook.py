"""`operations-runbook.md`: how each pipeline runs, what it needs, what to watch, how to recover.

Entry points are the programs, routes, consumers, orchestration and SQL models found in the
services that host a pipeline's code; dependencies are its input datasets, connections and
environment variables; alerts follow from its writes, consumers and missing safeguards;
recovery steps from whether its writes can be replayed, whether it has a dead-letter path,
and which SQL models are built from what it writes.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from flowscan import __version__
from flowscan.redact import redact
from flowscan.report.analysis import Access, Analysis, PipelineView
from flowscan.report.markdown import cite, code, settings_list

_WRITE_KINDS = ("database", "stream", "object_store", "file", "cache", "api")


def render_runbook(analysis: Analysis) -> str:
    lines = [
        f"# Operations runbook: {analysis.project}",
        "",
        f"One section per pipeline that flowscan {__version__} found; every fact cites the code that shows it.",
    ]
    if not analysis.views:
        lines += ["", "No pipeline was found: no code both reads and writes datasets flowscan can name."]
    for view in analysis.views:
        lines += [""] + _pipeline(analysis, view)
    return redact("\n".join(lines).rstrip() + "\n")


def _pipeline(analysis: Analysis, view: PipelineView) -> list[str]:
    p = view.pipeline
    lines = [f"## Pipeline {p.name} ({p.style}, {p.mode})", ""]
    lines += ["### How it runs", ""] + _runs(analysis, view)
    lines += ["", "### What it depends on", ""] + _depends(analysis, view)
    lines += ["", "### What to alert on", ""] + _alerts(analysis, view)
    lines += ["", "### Recovering from failures", ""] + _recovery(analysis, view)
    return lines


# --- how it runs ---------------------------------------------------------------------------------


def _runs(analysis: Analysis, view: PipelineView) -> list[str]:
    lines: list[str] = []
    units = {n.path for n in view.pipeline.code}
    for service in view.services:
        languages = ", ".join(service.languages) or "no language"
        lines.append(f"- **`{service.root}`** ({languages}):")
        entries = [e for e in service.entry_points if e.kind != "model" or e.path in units]
        if not entries:
            lines.append("  - no entry point found in its code: it runs as part of a program outside the scanned paths")
        for entry in entries:
            lines.append(f"  - {entry.text} ({cite(entry.path, entry.line)})")
    lines += ["", "Its code, and what each part reads and writes:"]
    for unit in view.pipeline.code:
        accesses = [a for a in view.accesses if a.code.id == unit.id]
        reads = ", ".join(dict.fromkeys(f"`{a.dataset.name}`" for a in accesses if a.access == "read")) or "—"
        writes = ", ".join(dict.fromkeys(f"`{a.dataset.name}`" for a in accesses if a.access == "write")) or "—"
        lines.append(f"- `{unit.name}` ({cite(unit.path or '', unit.line or 1)}): reads {reads}; writes {writes}")
    return lines


# --- dependencies --------------------------------------------------------------------------------


def _depends(analysis: Analysis, view: PipelineView) -> list[str]:
    lines: list[str] = []
    inputs = [n for n in view.pipeline.inputs if n.kind != "api"]
    if inputs:
        lines.append("Datasets it reads and does not write itself:")
        for node in inputs:
            elsewhere = [
                e for e in analysis.graph.edges
                if e.target == node.id and e.access == "write" and e.source not in {c.id for c in view.pipeline.code}
            ]
            origin = (
                " (written by " + ", ".join(f"`{analysis.graph.node(e.source).name}`" for e in elsewhere) + ")"
                if elsewhere else " (written outside the scanned code)"
            )
            readers = [a for a in analysis.reads(view) if a.dataset.id == node.id]
            proof = f" — read at {cite(readers[0].first.path, readers[0].first.start.line)}" if readers else ""
            lines.append(f"- `{node.name}` ({node.kind}){origin}{proof}")
    connections = [c for s in view.services for c in s.connections]
    if connections:
        lines += [""] if lines else []
        lines.append("Connections it opens:")
        for c in connections:
            dsn = f": {code(c.dsns[0])}" if c.dsns else ""
            lines.append(f"- {c.kind} via {c.tech}, {c.message}{dsn} ({cite(c.path, c.line)})")
    listed = settings_list(view.services, "Environment variables it reads (set them before it starts):")
    if listed:
        lines += ([""] if lines else []) + listed
    return lines or ["Nothing outside its own code was found: no input dataset, connection or environment variable."]


# --- alerts --------------------------------------------------------------------------------------


def _alerts(analysis: Analysis, view: PipelineView) -> list[str]:
    lines: list[str] = []
    missing = view.pipeline.missing
    uncounted = {(r.path, r.line) for r in missing.get("monitoring", ())}
    writes = [a for a in analysis.writes(view) if a.dataset.kind in _WRITE_KINDS and a.first.language != "sql"]
    if writes:
        lines.append("Failed writes:")
        for access in writes:
            at = (access.first.path, access.first.start.line)
            handled = [g for g in analysis.guards(access.first) if g.kind in ("error-handling", "retry")]
            if handled:
                guard = handled[0]
                how = f"its errors are handled ({cite(access.first.path, guard.line)} {code(guard.code)}): make sure they are reported"
            else:
                how = "nothing around it catches its errors, so a failure shows only as the process failing: alert on that"
            lines.append(f"- `{access.dataset.name}` written by `{access.code.name}` ({cite(*at)}): {how}")
    consumers = view.consumers
    if consumers:
        lines += [""] if lines else []
        lines.append("Consumer lag:")
        for consumer in consumers:
            group = analysis.group_id(consumer)
            topics = ", ".join(f"`{e.name}`" for e in consumer.entities if e.type in ("topic", "queue"))
            who = f"consumer group `{group}`" if group else "this consumer"
            lines.append(
                f"- lag of {who} on {topics} ({cite(consumer.path, consumer.start.line)}): "
                "alert when it keeps growing, i.e. messages arrive faster than it processes them or it stopped"
            )
    fresh = _freshness(analysis, view)
    if fresh:
        lines += [""] if lines else []
        lines.append("Freshness and volume:")
        lines += fresh
    if uncounted:
        lines += [""] if lines else []
        lines.append("Writes no metric or log line counts yet (add one, then alert on zero or unusual counts):")
        for reason in missing.get("monitoring", ()):
            lines.append(f"- {reason.text} ({cite(reason.path, reason.line)})")
    return lines or ["Nothing to alert on was found: the pipeline writes no dataset and consumes no stream."]


def _freshness(analysis: Analysis, view: PipelineView) -> list[str]:
    lines = []
    for access in analysis.writes(view):
        if access.dataset.kind not in ("database", "object_store", "file", "stream"):
            continue
        at = cite(access.first.path, access.first.start.line)
        trigger = analysis.trigger(access).text
        if trigger == "message":
            what = "no new data for several minutes while its input stream has messages"
        elif access.code.kind == "model":
            what = "not rebuilt by the last run of the SQL models"
        elif trigger == "run":
            what = "not written by the last scheduled run, or written with zero rows"
        else:
            what = "nothing new for longer than its quietest usual period"
        lines.append(f"- `{access.dataset.name}` by `{access.code.name}` ({at}): {what}")
    return list(dict.fromkeys(lines))


# --- recovery ------------------------------------------------------------------------------------


def _recovery(analysis: Analysis, view: PipelineView) -> list[str]:
    lines: list[str] = []
    writes = [a for a in analysis.writes(view) if a.first.language != "sql" and a.dataset.kind in _WRITE_KINDS]
    triggers = {id(a): analysis.trigger(a).text for a in writes}
    streaming = [a for a in writes if triggers[id(a)] == "message"]
    batch = [a for a in writes if triggers[id(a)] == "run"]
    called = [a for a in writes if triggers[id(a)] == "call"]
    if view.consumers:
        lines.append("**A consumer stops or crashes.** Restart it; it resumes from the last offset its group committed:")
        for consumer in view.consumers:
            group = analysis.group_id(consumer)
            lines.append(
                f"- {PurePosixPath(consumer.path).name}: {consumer.message}"
                + (f", group `{group}`" if group else "") + f" ({cite(consumer.path, consumer.start.line)})"
            )
        lines += _replay_lines(analysis, streaming, "Messages processed again after the restart write")
    if batch:
        lines += [""] if lines else []
        lines.append("**A run fails half-way.** Fix the cause and run the job again for the same period; what it writes:")
        lines += _replay_lines(analysis, batch, None)
    if called:
        lines += [""] if lines else []
        lines.append("**A call fails and is retried** (a request, or code another part of the system calls): what a retry writes again:")
        lines += _replay_lines(analysis, called, None)
    dead = [d for s in view.services for d in s.dead_letters]
    if dead:
        lines += [""] if lines else []
        lines.append("**Messages or rows were set aside.** Drain the dead-letter path once the cause is fixed: replay what it holds to the input it came from, then clear it:")
        lines += [f"- {code(d.text)} ({cite(d.path, d.line)})" for d in dead]
    downstream = _downstream(analysis, view)
    if downstream:
        lines += [""] if lines else []
        lines.append("**A table it writes was wrong or late.** Once it is repaired, rebuild the SQL models built from it, in this order:")
        lines += downstream
    if not lines:
        lines.append("No failure mode specific to this pipeline was found: re-run the code that writes its outputs.")
    return lines


def _replay_lines(analysis: Analysis, writes: list[Access], lead: str | None) -> list[str]:
    lines = []
    for access in writes:
        mode = analysis.write_mode(access.first)
        at = cite(mode.path, mode.line)
        if mode.replay_safe:
            lines.append(f"- `{access.dataset.name}` ({at}): safe to write again — {mode.reason}")
        elif mode.kind == "publish":
            lines.append(f"- `{access.dataset.name}` ({at}): {mode.reason}; its consumers must ignore duplicates")
        else:
            lines.append(
                f"- `{access.dataset.name}` ({at}): not safe to write again — {mode.reason}; "
                "remove the rows the failed attempt wrote first, or make the write an upsert"
            )
    if lead and lines:
        return ["", f"{lead}:"] + lines
    return list(dict.fromkeys(lines))


def _downstream(analysis: Analysis, view: PipelineView) -> list[str]:
    lines = []
    for access in analysis.writes(view):
        if access.dataset.kind != "database":
            continue
        models = analysis.models_downstream(access.dataset.id)
        if not models:
            continue
        direct = [m for m in models if any(e.source == access.dataset.id and e.target == m.id for e in analysis.graph.edges)]
        names = ", ".join(f"`{m.name}` ({cite(m.path or '', 1)})" for m in models)
        line = f"- after `{access.dataset.name}`: {names}"
        dbt = [m for m in direct if analysis.is_dbt_model(m)]
        if dbt:
            line += f" — with dbt: {code('dbt run --select ' + ' '.join(m.name + '+' for m in dbt))}"
        lines.append(line)
    return list(dict.fromkeys(lines))
