"""Recommendations for a pipeline, each one made only when what it answers was found.

Every rule below looks for a situation in the analysis (a consumer with no dead-letter
path, a batch job on pandas, a write with no retry, CSV sent to an object store...) and,
when it is there, says what to do and cites the lines that show the situation.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from attrs import frozen

from flowscan.findings import Finding
from flowscan.pipelines import Reason
from flowscan.report.analysis import OBJECT_URL, Analysis, PipelineView

_GUARDED = ("database", "stream", "object_store", "api")


@frozen
class Advice:
    topic: str  # reliability | processing | storage | monitoring | data quality
    text: str
    evidence: tuple[Reason, ...]


def advise(analysis: Analysis, view: PipelineView) -> list[Advice]:
    found: list[Advice] = []
    for rule in _RULES:
        found.extend(rule(analysis, view))
    return found


def _dead_letters(analysis: Analysis, view: PipelineView) -> list[Advice]:
    found = []
    for consumer in view.consumers:
        service = analysis.service(analysis.service_root(consumer.path))
        if service.dead_letters:
            continue
        topics = ", ".join(f"`{e.name}`" for e in consumer.entities if e.type in ("topic", "queue"))
        found.append(Advice(
            "reliability",
            f"Add a dead-letter topic for the consumer of {topics}: nothing in `{service.root}` sets a message "
            "aside when it cannot be processed, so one bad message either blocks its partition or is dropped.",
            (Reason(consumer.message, consumer.path, consumer.start.line),),
        ))
    return found


def _pandas_batch(analysis: Analysis, view: PipelineView) -> list[Advice]:
    streaming = {a.code.id for a in view.accesses if a.access == "read" and a.dataset.kind == "stream"}
    units = {f"code:{p.unit.path}#{p.unit.name}": p for p in analysis.result.placements}
    loads = [
        f for f in view.pipeline.findings
        if f.tech in ("pandas", "dataframe") and f.role in ("source", "transform")
        and not any(uid in streaming for uid, p in units.items() if p.finding == f)
    ]
    if not loads:
        return []
    files = sorted({f.path for f in loads})
    return [Advice(
        "processing",
        f"These batch jobs hold their data in pandas DataFrames ({len(loads)} reads and transforms in "
        f"{', '.join(f'`{p}`' for p in files)}), in memory on one machine. If their inputs grow past that "
        "memory, move them to Polars (lazy scans that stream the files) or to Spark.",
        tuple(Reason(f.message, f.path, f.start.line) for f in loads[:6]),
    )]


def _retries(analysis: Analysis, view: PipelineView) -> list[Advice]:
    missing = [r for r in view.pipeline.missing.get("error-handling", ()) if _kind_at(view, r) in _GUARDED]
    if not missing:
        return []
    return [Advice(
        "reliability",
        "Retry these reads and writes with backoff, and fail loudly when the retries run out: "
        "no error handling, retry or transaction surrounds them, so a transient outage of the store "
        "fails the run or loses the data in flight.",
        tuple(missing),
    )]


def _monitoring(analysis: Analysis, view: PipelineView) -> list[Advice]:
    missing = [r for r in view.pipeline.missing.get("monitoring", ()) if _kind_at(view, r) in _GUARDED + ("file",)]
    if not missing:
        return []
    datasets = sorted({
        e.name for r in missing for f in _findings_at(view, r) for e in f.entities
        if e.type in ("table", "topic", "queue", "bucket", "file", "url")
    })
    named = ", ".join(f"`{d}`" for d in datasets) or "their targets"
    return [Advice(
        "monitoring",
        f"Count the rows or messages these writes send to {named} (a metric, or a log line with the count): "
        "nothing near them logs or measures what was written, so an empty or partial load goes unnoticed.",
        tuple(missing),
    )]


def _validation(analysis: Analysis, view: PipelineView) -> list[Advice]:
    missing = list(view.pipeline.missing.get("validation", ()))
    if not missing:
        return []
    return [Advice(
        "data quality",
        "Check the data before these writes (the checks inferred for each dataset are in "
        "`data-quality.json`): data read or transformed earlier in the same function reaches them "
        "with no validation on the way.",
        tuple(missing),
    )]


def _csv_to_object_store(analysis: Analysis, view: PipelineView) -> list[Advice]:
    found = []
    writes = analysis.writes(view)
    for access in writes:
        if not is_object_store(access.dataset):
            continue
        if not (access.dataset.name.lower().endswith(".csv") or ".csv" in analysis.sources.span(access.first).lower()):
            continue
        found.append(Advice(
            "storage",
            f"Write `{access.dataset.name}` as Parquet instead of CSV: a columnar, typed and compressed "
            "format is smaller in the object store and much faster for the engines that read it.",
            (Reason(access.first.message, access.first.path, access.first.start.line),),
        ))
    by_unit: dict[str, list] = {}
    for access in writes:
        by_unit.setdefault(access.code.id, []).append(access)
    for unit_writes in by_unit.values():
        csvs = [a for a in unit_writes if not is_object_store(a.dataset) and a.dataset.name.lower().endswith(".csv")]
        uploads = [a for a in unit_writes if is_object_store(a.dataset)]
        for csv in csvs:
            if uploads:
                found.append(Advice(
                    "storage",
                    f"`{csv.dataset.name}` is written as CSV next to an upload to an object store: store it as Parquet.",
                    (Reason(csv.first.message, csv.first.path, csv.first.start.line),
                     Reason(uploads[0].first.message, uploads[0].first.path, uploads[0].first.start.line)),
                ))
    return found


def _replays(analysis: Analysis, view: PipelineView) -> list[Advice]:
    consumers = {analysis.service_root(f.path) for f in view.consumers}
    found = []
    for access in analysis.writes(view):
        if access.dataset.kind != "database" or access.first.language == "sql":
            continue
        mode = analysis.write_mode(access.first)
        if mode.kind not in ("append", "insert"):
            continue
        consumer = analysis.service_root(access.first.path) in consumers
        fed = bool(analysis.links_into(access.first))
        if mode.kind == "insert" and not (fed or consumer):
            continue  # a write of request data is no pipeline step to re-run
        if consumer:
            context = "a redelivered message writes it again"
        else:
            context = "re-running the job after a failure half-way writes the same rows twice"
        found.append(Advice(
            "reliability",
            f"Make the write to `{access.dataset.name}` idempotent: {mode.reason}, so {context}. "
            "Upsert on its key, or delete the run's rows (or replace its partition) before loading.",
            (Reason(access.first.message, mode.path, mode.line),),
        ))
    return found


def _source_freshness(analysis: Analysis, view: PipelineView) -> list[Advice]:
    found = []
    loaded = {a.dataset.id: a for a in analysis.writes(view) if a.first.language != "sql"}
    for access in analysis.reads(view):
        if not analysis.is_dbt_model(access.code) or access.dataset.id not in loaded:
            continue
        writer = loaded[access.dataset.id]
        found.append(Advice(
            "data quality",
            f"Declare `{access.dataset.name}` a dbt source with a freshness check, so that the model "
            f"`{access.code.name}` does not build on stale data: it is loaded by `{writer.code.name}` in "
            f"{writer.first.language}, outside dbt, and a failed load would go unnoticed by the models.",
            (Reason(writer.first.message, writer.first.path, writer.first.start.line),
             Reason(access.first.message, access.first.path, access.first.start.line)),
        ))
    return found


def is_object_store(node) -> bool:  # type: ignore[no-untyped-def]
    """An S3/GCS/Azure object, whether the rule said object_store or wrote a file to its URL."""
    return node.kind == "object_store" or OBJECT_URL.match(node.name) is not None


def _findings_at(view: PipelineView, reason: Reason) -> list[Finding]:
    return [f for f in view.pipeline.findings if f.path == reason.path and f.start.line == reason.line]


def _kind_at(view: PipelineView, reason: Reason) -> str:
    found = _findings_at(view, reason)
    return found[0].kind if found else ""


def unit_label(path: str, name: str) -> str:
    return f"`{name}` ({PurePosixPath(path).name})"


_RULES = (_dead_letters, _retries, _replays, _monitoring, _validation, _source_freshness, _pandas_batch, _csv_to_object_store)
