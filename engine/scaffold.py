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

from flowscan.findings import Finding

#: the orchestrators a skeleton can be written for
TARGETS = ("prefect", "airflow")

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
        raise ValueError(f"unknown scaffold target {target!r}; expected one of {', '.join(TARGETS)}")
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


_WRITERS: dict[str, Callable[[str, list[Task], Sequence[Finding]], str]] = {"prefect": _prefect, "airflow": _airflow}
assert set(_WRITERS) == set(TARGETS)
