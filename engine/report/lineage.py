"""`openlineage.json`: static lineage, one OpenLineage JobEvent per code unit of each pipeline.

A JobEvent (OpenLineage 2-0-2) carries a job with its input and output datasets and no run:
what a static analysis knows. Datasets are named as OpenLineage's naming conventions ask —
a namespace for where they live (`postgres://db:5432` from a DSN, `kafka://broker:9092`,
`s3://bucket`, `file`) and a name within it.

When `openlineage-python` is installed, the events are built with its classes (which
check them) and turned into JSON by its `Serde`; without it, the same dictionaries are
built by hand, so that `flowscan report` needs no extra package. A test holds the two equal.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

from attrs import frozen

from flowscan import __version__
from flowscan.flowgraph import Node
from flowscan.redact import redact
from flowscan.report.analysis import Access, Analysis, PipelineView, dataset_name
from flowscan.report.quality import quality_document

PRODUCER = f"urn:flowscan:{__version__}"
INTEGRATION = "FLOWSCAN"
_SCHEMAS = {
    "JobEvent": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/JobEvent",
    "jobType": "https://openlineage.io/spec/facets/2-0-4/JobTypeJobFacet.json#/$defs/JobTypeJobFacet",
    "documentation": "https://openlineage.io/spec/facets/1-1-0/DocumentationJobFacet.json#/$defs/DocumentationJobFacet",
    "sql": "https://openlineage.io/spec/facets/1-1-0/SQLJobFacet.json#/$defs/SQLJobFacet",
    "schema": "https://openlineage.io/spec/facets/1-2-0/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet",
    "dataSource": "https://openlineage.io/spec/facets/1-0-1/DatasourceDatasetFacet.json#/$defs/DatasourceDatasetFacet",
}


@frozen
class LineageDataset:
    namespace: str
    name: str
    columns: tuple[str, ...]


@frozen
class LineageJob:
    namespace: str
    name: str
    processing: str  # BATCH | STREAMING
    job_type: str  # FUNCTION | MODULE | MODEL
    description: str
    query: str | None
    inputs: tuple[LineageDataset, ...]
    outputs: tuple[LineageDataset, ...]


def render_lineage(analysis: Analysis, use_client: bool | None = None) -> str:
    """The events as a JSON array; `use_client` forces (True) or avoids (False) openlineage-python."""
    jobs = lineage_jobs(analysis)
    when = event_time()
    if use_client is None:
        use_client = client_available()
    events = _client_events(jobs, when) if use_client else [_plain_event(job, when) for job in jobs]
    return json.dumps(events, sort_keys=True, indent=2) + "\n"


def client_available() -> bool:
    try:
        import openlineage.client.event_v2  # noqa: F401
    except ImportError:
        return False
    return True


def event_time() -> str:
    """Now, or SOURCE_DATE_EPOCH for reproducible output (the reproducible-builds convention)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    seconds = int(epoch) if epoch and epoch.isdigit() else int(time.time())
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def lineage_jobs(analysis: Analysis) -> list[LineageJob]:
    columns = {d["id"]: tuple(c["name"] for c in d["columns"]) for d in quality_document(analysis)["datasets"]}
    jobs: list[LineageJob] = []
    for view in analysis.views:
        for unit in view.pipeline.code:
            accesses = [a for a in view.accesses if a.code.id == unit.id]
            inputs = _datasets(analysis, [a for a in accesses if a.access == "read"], columns)
            # a `CREATE TABLE` declares a table's columns; it moves no data
            writes = [a for a in accesses if a.access == "write" and not analysis.declares_schema(a.first)]
            outputs = _datasets(analysis, writes, columns)
            if not inputs and not outputs:
                continue
            jobs.append(LineageJob(
                namespace=analysis.project,
                name=f"{unit.path}#{unit.name}",
                processing="STREAMING" if _consumes(view, accesses) else "BATCH",
                job_type=unit.kind.upper(),
                description=redact(
                    f"{unit.kind} {unit.name} at {unit.path}:{unit.line}, in pipeline {view.name} "
                    f"({view.pipeline.style}, {view.pipeline.mode}); found by flowscan"
                ),
                query=_model_sql(analysis, unit),
                inputs=inputs,
                outputs=outputs,
            ))
    return jobs


def _datasets(analysis: Analysis, accesses: list[Access], columns: dict[str, tuple[str, ...]]) -> tuple[LineageDataset, ...]:
    found: dict[str, LineageDataset] = {}
    for access in accesses:
        node = access.dataset
        if node.kind == "api" and node.name.startswith("/"):
            continue  # a route the code serves: requests, not a dataset
        found.setdefault(node.id, LineageDataset(
            redact(analysis.namespace(node)), redact(dataset_name(node)), columns.get(node.id, ()),
        ))
    return tuple(found.values())


def _consumes(view: PipelineView, accesses: list[Access]) -> bool:
    return any(a.access == "read" and a.dataset.kind == "stream" for a in accesses)


def _model_sql(analysis: Analysis, unit: Node) -> str | None:
    if unit.kind != "model" or not unit.path:
        return None
    text = analysis.sources.text(unit.path).strip()
    return redact(text) if text else None


# --- events built with openlineage-python -------------------------------------------------------


def _client_events(jobs: list[LineageJob], when: str) -> list[dict[str, Any]]:
    from openlineage.client.event_v2 import InputDataset, Job, JobEvent, OutputDataset
    from openlineage.client.facet_v2 import (
        datasource_dataset,
        documentation_job,
        job_type_job,
        schema_dataset,
        sql_job,
    )
    from openlineage.client.serde import Serde

    def facets(dataset: LineageDataset) -> dict[str, Any]:
        found: dict[str, Any] = {
            "dataSource": datasource_dataset.DatasourceDatasetFacet(
                name=dataset.namespace, uri=dataset.namespace, producer=PRODUCER
            )
        }
        if dataset.columns:
            found["schema"] = schema_dataset.SchemaDatasetFacet(
                fields=[schema_dataset.SchemaDatasetFacetFields(name=c) for c in dataset.columns], producer=PRODUCER
            )
        return found

    events = []
    for job in jobs:
        job_facets: dict[str, Any] = {
            "jobType": job_type_job.JobTypeJobFacet(
                processingType=job.processing, integration=INTEGRATION, jobType=job.job_type, producer=PRODUCER
            ),
            "documentation": documentation_job.DocumentationJobFacet(description=job.description, producer=PRODUCER),
        }
        if job.query:
            job_facets["sql"] = sql_job.SQLJobFacet(query=job.query, producer=PRODUCER)
        event = JobEvent(
            eventTime=when,
            producer=PRODUCER,
            job=Job(namespace=job.namespace, name=job.name, facets=job_facets),
            inputs=[InputDataset(namespace=d.namespace, name=d.name, facets=facets(d)) for d in job.inputs],
            outputs=[OutputDataset(namespace=d.namespace, name=d.name, facets=facets(d)) for d in job.outputs],
        )
        events.append(Serde.to_dict(event))
    return events


# --- the same events without it ------------------------------------------------------------------


def _facet(facet: str, **fields: Any) -> dict[str, Any]:
    return {"_producer": PRODUCER, "_schemaURL": _SCHEMAS[facet], **{k: v for k, v in fields.items() if v is not None}}


def _plain_facets(dataset: LineageDataset) -> dict[str, Any]:
    found = {"dataSource": _facet("dataSource", name=dataset.namespace, uri=dataset.namespace)}
    if dataset.columns:
        found["schema"] = _facet("schema", fields=[{"name": c, "fields": []} for c in dataset.columns])
    return found


def _plain_event(job: LineageJob, when: str) -> dict[str, Any]:
    job_facets = {
        "jobType": _facet("jobType", processingType=job.processing, integration=INTEGRATION, jobType=job.job_type),
        "documentation": _facet("documentation", description=job.description),
    }
    if job.query:
        job_facets["sql"] = _facet("sql", query=job.query)
    return {
        "eventTime": when,
        "producer": PRODUCER,
        "schemaURL": _SCHEMAS["JobEvent"],
        "job": {"namespace": job.namespace, "name": job.name, "facets": job_facets},
        "inputs": [
            {"namespace": d.namespace, "name": d.name, "facets": _plain_facets(d), "inputFacets": {}} for d in job.inputs
        ],
        "outputs": [
            {"namespace": d.namespace, "name": d.name, "facets": _plain_facets(d), "outputFacets": {}} for d in job.outputs
        ],
    }
