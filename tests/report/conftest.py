"""OpenLineage's client models, filled from the JSON `flowscan report` writes.

openlineage-python builds and serialises events but reads none back; this does the reverse
of its `Serde.to_dict` for the classes a static-lineage event uses, refusing any field the
models do not have, so that a test can say the JSON *is* a list of client events.
"""

from __future__ import annotations

import json
from typing import Any, Callable

import attr
import pytest

client = pytest.importorskip("openlineage.client.event_v2", reason="openlineage-python is a test dependency")

from openlineage.client.event_v2 import InputDataset, Job, JobEvent, OutputDataset  # noqa: E402
from openlineage.client.facet_v2 import (  # noqa: E402
    datasource_dataset,
    documentation_job,
    job_type_job,
    schema_dataset,
    sql_job,
)
from openlineage.client.serde import Serde  # noqa: E402

JOB_FACETS = {
    "jobType": job_type_job.JobTypeJobFacet,
    "documentation": documentation_job.DocumentationJobFacet,
    "sql": sql_job.SQLJobFacet,
}
DATASET_FACETS = {
    "schema": schema_dataset.SchemaDatasetFacet,
    "dataSource": datasource_dataset.DatasourceDatasetFacet,
}


def _fields(cls: type, data: dict[str, Any]) -> dict[str, Any]:
    known = {f.name.lstrip("_"): f for f in attr.fields(cls) if f.init}
    unknown = set(data) - set(known) - {"schemaURL", "_schemaURL", "_producer"}
    assert not unknown, f"{cls.__name__} has no fields {unknown}"
    return {name: value for name, value in data.items() if name in known}


def _facet(classes: dict[str, type], name: str, data: dict[str, Any]) -> Any:
    cls = classes[name]
    assert data["_schemaURL"] == cls._get_schema(), name
    values = _fields(cls, data)
    if cls is schema_dataset.SchemaDatasetFacet:
        values["fields"] = [schema_dataset.SchemaDatasetFacetFields(**f) for f in data["fields"]]
    return cls(**values, producer=data["_producer"])


def _dataset(cls: type, data: dict[str, Any]) -> Any:
    facets = {name: _facet(DATASET_FACETS, name, value) for name, value in data.get("facets", {}).items()}
    return cls(namespace=data["namespace"], name=data["name"], facets=facets)


def _event(data: dict[str, Any]) -> JobEvent:
    assert data["schemaURL"] == JobEvent._get_schema()
    job = data["job"]
    event = JobEvent(
        eventTime=data["eventTime"],
        producer=data["producer"],
        job=Job(
            namespace=job["namespace"],
            name=job["name"],
            facets={name: _facet(JOB_FACETS, name, value) for name, value in job["facets"].items()},
        ),
        inputs=[_dataset(InputDataset, d) for d in data["inputs"]],
        outputs=[_dataset(OutputDataset, d) for d in data["outputs"]],
    )
    # read back and written again, the event is what the file holds
    assert Serde.to_dict(event) == data
    return event


def parse(text: str) -> list[JobEvent]:
    events = json.loads(text)
    assert isinstance(events, list) and events
    return [_event(event) for event in events]


@pytest.fixture
def parse_events() -> Callable[[str], list[JobEvent]]:
    return parse
