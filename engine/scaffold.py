"""Pipeline scaffolds: a runnable orchestration skeleton wired to the data a flow touches.

    text = scaffold_pipeline(findings, "prefect")

The findings of one flow (a function, a file) become tasks: each source an extract
task, the transforms one transform task, each sink a load task, called in that order
and passing the data along. Every task says where in the code it came from and what it
reads or writes, and runs as it is (it logs what it would do and passes data on), so the
skeleton can be executed before its bodies are filled in. The text is Python that
compiles; writing it to a file, never over an existing one, is the caller's job.
"""

from __future__ import annotations

import json
import keyword
import re
from collections.abc import Callable, Sequence

from attrs import frozen

from flowscan.findings import Entity, Finding

#: the orchestrators a skeleton can be written for (editors offer these as code actions)
TARGETS = ("prefect", "airflow")
#: batch jobs wired to the datasets found: they read and write for real
JOB_TARGETS = ("spark", "polars")
ALL_TARGETS = TARGETS + JOB_TARGETS

_STAGES = {"source": "extract", "transform": "transform", "sink": "load"}


@frozen
class Task:
    name: str
    stage: str  # extract | transform | load
    summary: str
    origins: tuple[str, ...]


def scaffold_pipeline(findings: Sequence[Finding], target: str, name: str | None = None) -> str:
    """The Python source of a pipeline for `target` (one of TARGETS) over `findings`."""
    if target not in _WRITERS:
        raise ValueError(f"unknown scaffold target {target!r}; expected one of {', '.join(ALL_TARGETS)}")
    pipeline = _identifier(name or pipeline_name(findings), "pipeline")
    return _WRITERS[target](pipeline, plan_tasks(findings), findings)


def pipeline_name(findings: Sequence[Finding]) -> str:
    """A name for the pipeline: after the file the flow was found in."""
    if not findings:
        return "pipeline"
    stem = re.split(r"[\\/]", findings[0].path)[-1].rsplit(".", 1)[0]
    return f"{stem}_pipeline"


def plan_tasks(findings: Sequence[Finding]) -> list[Task]:
    """Extract tasks for sources, one transform task (for the transforms, if any), load tasks for sinks."""
    taken: set[str] = set()
    tasks: list[Task] = []
    by_stage: dict[str, list[Finding]] = {"extract": [], "transform": [], "load": []}
    for finding in findings:
        stage = _STAGES.get(finding.role)
        if stage is not None:
            by_stage[stage].append(finding)
    for stage in ("extract", "load"):
        for finding in by_stage[stage]:
            subject = finding.entities[0].name if finding.entities else finding.tech or finding.kind
            task_name = _unique(_identifier(f"{stage}_{subject}", stage), taken)
            tasks.append(Task(task_name, stage, _summary(finding), (_origin(finding),)))
    transforms = by_stage["transform"]
    # one transform step between reading and writing, found or not: where the logic goes
    summary = "; ".join(dict.fromkeys(_summary(f) for f in transforms)) or "transform the data"
    tasks.append(Task(_unique("transform", taken), "transform", summary, tuple(_origin(f) for f in transforms)))
    order = {"extract": 0, "transform": 1, "load": 2}
    return sorted(tasks, key=lambda task: order[task.stage])


def _summary(finding: Finding) -> str:
    if finding.role == "transform" and not finding.entities:
        return finding.message
    what = ", ".join(f"{e.type} {e.name}" for e in finding.entities)
    via = f" ({finding.tech})" if finding.tech else ""
    verb = {"source": "read", "sink": "write", "transform": "transform"}.get(finding.role, finding.role)
    return f"{verb} {what or finding.kind}{via}"


def _origin(finding: Finding) -> str:
    return f"{finding.path}:{finding.start.line} {finding.rule_id}"


def _identifier(text: str, fallback: str) -> str:
    words = re.sub(r"[^0-9A-Za-z]+", "_", text).strip("_").lower()
    words = re.sub(r"_+", "_", words)[:48].rstrip("_")
    if not words:
        return fallback
    if words[0].isdigit():
        words = f"{fallback}_{words}"
    return f"{words}_" if keyword.iskeyword(words) else words


def _unique(name: str, taken: set[str]) -> str:
    candidate, n = name, 2
    while candidate in taken:
        candidate, n = f"{name}_{n}", n + 1
    taken.add(candidate)
    return candidate


def _string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _doc_text(text: str) -> str:
    """Text that cannot end or escape a docstring, whatever an entity name holds."""
    return re.sub(r"[\x00-\x1f]", " ", text.replace("\\", "/").replace('"', "'"))


def _docstring(lines: Sequence[str], indent: str) -> str:
    lines = [_doc_text(line) for line in lines]
    if len(lines) == 1:
        return f'{indent}"""{lines[0]}"""'
    rest = "\n".join(f"{indent}{line}" if line else "" for line in lines[1:])
    return f'{indent}"""{lines[0]}\n{rest}\n{indent}"""'


def _task_doc(task: Task, indent: str) -> str:
    lines = [task.summary]
    if task.origins:
        lines += ["", *(f"Found at {origin}" for origin in task.origins)]
    return _docstring(lines, indent)


def _module_doc(pipeline: str, target: str, findings: Sequence[Finding]) -> str:
    paths = sorted({f.path for f in findings})
    return _docstring(
        [
            f"{pipeline}: {'an' if target[0] in 'AEIOU' else 'a'} {target} pipeline scaffolded by flowscan.",
            "",
            f"From the data flow found in {', '.join(paths) or 'the code'}.",
            "Each task logs what it would do and passes the data on: fill in its body.",
        ],
        "",
    )


def _body(task: Task, indent: str) -> str:
    message = _string(f"{task.name}: {task.summary}")
    if task.stage == "extract":
        return f"{indent}log.info({message})\n{indent}return None"
    if task.stage == "transform":
        return f"{indent}log.info({message})\n{indent}return inputs"
    return f"{indent}log.info({message})"


def _signature(task: Task) -> str:
    return {"extract": "()", "transform": "(*inputs)", "load": "(data)"}[task.stage]


def _calls(tasks: Sequence[Task], indent: str) -> list[str]:
    extracts = [t for t in tasks if t.stage == "extract"]
    transform = next(t for t in tasks if t.stage == "transform")
    lines = [f"{indent}{t.name}_data = {t.name}()" for t in extracts]
    args = ", ".join(f"{t.name}_data" for t in extracts)
    lines.append(f"{indent}transformed = {transform.name}({args})")
    lines += [f"{indent}{t.name}(transformed)" for t in tasks if t.stage == "load"]
    return lines


def _prefect(pipeline: str, tasks: list[Task], findings: Sequence[Finding]) -> str:
    parts = [
        _module_doc(pipeline, "Prefect", findings),
        "",
        "from __future__ import annotations",
        "",
        "import logging",
        "",
        "from prefect import flow, task",
        "",
        "log = logging.getLogger(__name__)",
        "",
    ]
    for t in tasks:
        retries = ", retries=3, retry_delay_seconds=10" if t.stage != "transform" else ""
        parts += [
            "",
            f'@task(name={_string(t.name)}{retries})',
            f"def {t.name}{_signature(t)}:",
            _task_doc(t, "    "),
            _body(t, "    "),
            "",
        ]
    parts += ["", f"@flow(name={_string(pipeline)})", f"def {pipeline}() -> None:", *_calls(tasks, "    "), ""]
    parts += ["", 'if __name__ == "__main__":', f"    {pipeline}()", ""]
    return "\n".join(parts)


def _airflow(pipeline: str, tasks: list[Task], findings: Sequence[Finding]) -> str:
    parts = [
        _module_doc(pipeline, "Airflow", findings),
        "",
        "from __future__ import annotations",
        "",
        "import logging",
        "from datetime import datetime, timedelta",
        "",
        "from airflow.decorators import dag, task",
        "",
        "log = logging.getLogger(__name__)",
        "",
        "",
        "@dag(",
        f"    dag_id={_string(pipeline)},",
        "    schedule=None,",
        "    start_date=datetime(2024, 1, 1),",
        "    catchup=False,",
        '    default_args={"retries": 3, "retry_delay": timedelta(minutes=1)},',
        '    tags=["flowscan"],',
        ")",
        f"def {pipeline}() -> None:",
    ]
    for t in tasks:
        parts += [f"    @task(task_id={_string(t.name)})", f"    def {t.name}{_signature(t)}:", _task_doc(t, "        "), _body(t, "        "), ""]
    parts += [*_calls(tasks, "    "), "", "", f"{pipeline}()", ""]
    return "\n".join(parts)


# --- jobs: Spark and Polars, reading and writing the datasets found ------------------------

_JOB_HELPERS = [
    "",
    "def with_retries(step, *args, attempts: int = 3, delay: float = 10.0):",
    '    """Run an I/O step, retrying transient failures with a growing delay."""',
    "    for attempt in range(1, attempts + 1):",
    "        try:",
    "            return step(*args)",
    "        except Exception:  # noqa: BLE001 - retried, then raised",
    "            if attempt == attempts:",
    "                raise",
    '            log.warning("%s failed (attempt %d of %d); retrying", step.__name__, attempt, attempts)',
    "            time.sleep(delay * attempt)",
    "",
    "",
]


def _dataset(task: Task, findings: Sequence[Finding]) -> Entity | None:
    origin = task.origins[0] if task.origins else ""
    for finding in findings:
        if _origin(finding) == origin:
            return next((e for e in finding.entities if e.type in _DATA_ENTITIES), None)
    return None


_DATA_ENTITIES = ("table", "file", "bucket", "topic", "queue", "url")


def _format(name: str) -> str:
    lowered = name.lower().rstrip("/")
    for suffix in ("parquet", "csv", "json", "orc", "avro"):
        if lowered.endswith(f".{suffix}") or f".{suffix}" in lowered:
            return suffix
    return "parquet"


# What a job's step does with a dataset, by engine and direction, for each kind of dataset.
# {name} is the dataset as a Python string, {query} a SELECT of it, {format} its file format.
_KAFKA = '.format("kafka").option("kafka.bootstrap.servers", os.environ["KAFKA_BROKERS"])'
_IO: dict[tuple[str, str], dict[str, str]] = {
    ("Spark", "read"): {
        "table": 'return spark.read.jdbc(os.environ["JDBC_URL"], {name}, properties=JDBC_PROPERTIES)',
        "stream": "return spark.read" + _KAFKA + '.option("subscribe", {name}).load()',
        "file": 'return spark.read.format("{format}").option("header", True).load({name})',
    },
    ("Spark", "write"): {
        "table": 'frame.write.jdbc(os.environ["JDBC_URL"], {name}, mode="append", properties=JDBC_PROPERTIES)',
        "stream": 'frame.selectExpr("to_json(struct(*)) AS value").write' + _KAFKA + '.option("topic", {name}).save()',
        "file": 'frame.write.mode("overwrite").format("{format}").save({name})',
    },
    ("Polars", "read"): {
        "table": 'return pl.read_database_uri({query}, uri=os.environ["DATABASE_URL"])',
        "file": "return pl.{reader}({name})",
    },
    ("Polars", "write"): {
        "table": 'frame.write_database({name}, connection=os.environ["DATABASE_URL"], if_table_exists="append")',
        "file": "frame.{writer}({name})",
    },
}
_POLARS_FILES = {"csv": ("read_csv", "write_csv"), "json": ("read_ndjson", "write_ndjson")}


def _io_line(engine: str, direction: str, entity: Entity | None) -> str:
    """The line of code that reads (or writes) a dataset; where flowscan cannot tell, an
    error that says what to write there."""
    verb = "reads" if direction == "read" else "writes"
    if entity is None:
        return f'raise NotImplementedError("say what this step {verb}: flowscan found no literal name")'
    group = {"table": "table", "topic": "stream", "queue": "stream", "url": "url"}.get(entity.type, "file")
    template = _IO[(engine, direction)].get(group)
    if template is None:
        return f'raise NotImplementedError("this step {verb} {_doc_text(entity.name)}: write that here")'
    file_format = _format(entity.name)
    reader, writer = _POLARS_FILES.get(file_format, ("read_parquet", "write_parquet"))
    return template.format(
        name=_string(entity.name),
        query=_string(f"SELECT * FROM {entity.name}"),
        format=file_format,
        reader=reader,
        writer=writer,
    )


def _job(pipeline: str, tasks: list[Task], findings: Sequence[Finding], engine: str) -> str:
    spark = engine == "Spark"
    header = [
        _module_doc(pipeline, engine, findings),
        "",
        "from __future__ import annotations",
        "",
        "import logging",
        "import os",
        "import time",
        "",
        "from pyspark.sql import DataFrame, SparkSession" if spark else "import polars as pl",
        "",
        "log = logging.getLogger(__name__)",
    ]
    if spark:
        header += ['JDBC_PROPERTIES = {"user": os.environ.get("JDBC_USER", ""), "password": os.environ.get("JDBC_PASSWORD", "")}']
    frame = "DataFrame" if spark else "pl.DataFrame"
    parts = header + ["", *_JOB_HELPERS]
    parts += [
        f"def validate(step: str, frame: {frame}) -> {frame}:",
        '    """Data-quality gate: no step passes an empty batch or one without any column."""',
        f"    if {'frame.isEmpty()' if spark else 'frame.is_empty()'} or not frame.columns:",
        '        raise ValueError(f"{step}: the batch is empty")',
        f"    nulls = {{c: n for c, n in {_null_counts(spark)} if n}}",
        "    if nulls:",
        '        log.warning("%s: null values in %s", step, nulls)',
        "    return frame",
        "",
    ]
    for task in tasks:
        entity = _dataset(task, findings)
        if task.stage == "extract":
            signature = f"(spark: SparkSession) -> {frame}" if spark else f"() -> {frame}"
            body = _io_line(engine, "read", entity)
        elif task.stage == "transform":
            signature, body = f"(*frames: {frame}) -> {frame}", _join_body(spark)
        else:
            signature, body = f"(frame: {frame}) -> None", _io_line(engine, "write", entity)
        parts += ["", f"def {task.name}{signature}:", _task_doc(task, "    "), f"    {body}", ""]
    parts += ["", "def main() -> None:"]
    if spark:
        parts.append(f"    spark = SparkSession.builder.appName({_string(pipeline)}).getOrCreate()")
    extracts = [t for t in tasks if t.stage == "extract"]
    for task in extracts:
        call = f"with_retries({task.name}, spark)" if spark else f"with_retries({task.name})"
        parts.append(f"    {task.name}_data = validate({_string(task.name)}, {call})")
    transform = next(t for t in tasks if t.stage == "transform")
    args = ", ".join(f"{t.name}_data" for t in extracts)
    parts.append(f"    result = validate({_string(transform.name)}, {transform.name}({args}))")
    parts += [f"    with_retries({t.name}, result)" for t in tasks if t.stage == "load"]
    parts += ["", "", 'if __name__ == "__main__":', "    logging.basicConfig(level=logging.INFO)", "    main()", ""]
    return "\n".join(parts)


def _null_counts(spark: bool) -> str:
    if spark:
        return "frame.selectExpr(*[f\"count_if(`{c}` IS NULL) AS `{c}`\" for c in frame.columns]).first().asDict().items()"
    return "frame.null_count().row(0, named=True).items()"


def _join_body(spark: bool) -> str:
    # The transformations found in the code are listed in the docstring: write them here.
    if spark:
        return "return frames[0] if len(frames) == 1 else frames[0].unionByName(frames[1], allowMissingColumns=True)"
    return 'return frames[0] if len(frames) == 1 else pl.concat(frames, how="diagonal_relaxed")'


def _spark(pipeline: str, tasks: list[Task], findings: Sequence[Finding]) -> str:
    return _job(pipeline, tasks, findings, "Spark")


def _polars(pipeline: str, tasks: list[Task], findings: Sequence[Finding]) -> str:
    return _job(pipeline, tasks, findings, "Polars")


_WRITERS: dict[str, Callable[[str, list[Task], Sequence[Finding]], str]] = {
    "prefect": _prefect,
    "airflow": _airflow,
    "spark": _spark,
    "polars": _polars,
}
assert set(_WRITERS) == set(ALL_TARGETS)
