"""Pipeline scaffolds: Python that compiles, and runs once its orchestrator is importable."""

from __future__ import annotations

import sys
import types

import pytest

from flowscan.findings import Entity, Finding, Position
from flowscan.scaffold import TARGETS, plan_tasks, scaffold_pipeline


def finding(rule_id: str, role: str, line: int, *entities: Entity, tech: str = "pandas") -> Finding:
    return Finding(rule_id, "etl/job.py", "python", Position(line, 5), Position(line, 30), role, "file", tech,
                   "info", f"{role} at {line}", entities)  # fmt: skip


FLOW = [
    finding("python.pandas.read-file", "source", 3, Entity("file", "data/orders.csv", "read")),
    finding("python.http.get", "source", 4, Entity("url", "https://api.example.com/rates", "read"), tech="requests"),
    finding("python.pandas.groupby", "transform", 5),
    finding("python.sql.insert", "sink", 6, Entity("table", "sales", "write"), tech="sqlalchemy"),
]


def test_tasks_follow_the_flow() -> None:
    assert [(t.name, t.stage) for t in plan_tasks(FLOW)] == [
        ("extract_data_orders_csv", "extract"),
        ("extract_https_api_example_com_rates", "extract"),
        ("transform", "transform"),
        ("load_sales", "load"),
    ]


@pytest.mark.parametrize("target", TARGETS)
def test_the_scaffold_compiles_and_names_what_it_reads_and_writes(target: str) -> None:
    text = scaffold_pipeline(FLOW, target)
    compile(text, f"job_{target}.py", "exec")
    assert "data/orders.csv" in text and "table sales" in text
    assert "Found at etl/job.py:3 python.pandas.read-file" in text


def _fake_prefect() -> types.ModuleType:
    module = types.ModuleType("prefect")

    def task(**_: object):
        return lambda f: f

    def flow(**_: object):
        return lambda f: f

    module.task, module.flow = task, flow  # type: ignore[attr-defined]
    return module


def _fake_airflow() -> dict[str, types.ModuleType]:
    airflow, decorators = types.ModuleType("airflow"), types.ModuleType("airflow.decorators")
    calls: list[str] = []

    def task(**_: object):
        def wrap(f):
            def run(*args):
                calls.append(f.__name__)
                return f(*args)

            return run

        return wrap

    def dag(**_: object):
        return lambda f: f

    decorators.task, decorators.dag, decorators.calls = task, dag, calls  # type: ignore[attr-defined]
    airflow.decorators = decorators  # type: ignore[attr-defined]
    return {"airflow": airflow, "airflow.decorators": decorators}


def test_the_prefect_flow_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "prefect", _fake_prefect())
    namespace: dict[str, object] = {"__name__": "__main__"}
    exec(compile(scaffold_pipeline(FLOW, "prefect", name="orders"), "orders.py", "exec"), namespace)
    assert callable(namespace["orders"])


def test_the_airflow_dag_runs_its_tasks_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    modules = _fake_airflow()
    for name, module in modules.items():
        monkeypatch.setitem(sys.modules, name, module)
    exec(compile(scaffold_pipeline(FLOW, "airflow"), "job.py", "exec"), {"__name__": "job"})
    assert modules["airflow.decorators"].calls == [  # type: ignore[attr-defined]
        "extract_data_orders_csv",
        "extract_https_api_example_com_rates",
        "transform",
        "load_sales",
    ]


def test_names_from_any_entity_are_safe_python() -> None:
    odd = [
        finding("r.a", "source", 1, Entity("file", '2024 "raw"\\orders.csv', "read")),
        finding("r.b", "source", 2, Entity("table", "class", "read")),
        finding("r.c", "sink", 3, Entity("table", "class", "write")),
        finding("r.d", "sink", 4, Entity("table", "class", "write")),
    ]
    for target in TARGETS:
        compile(scaffold_pipeline(odd, target, name="1 weird name"), "x.py", "exec")
    assert [t.name for t in plan_tasks(odd)] == [
        "extract_2024_raw_orders_csv", "extract_class", "transform", "load_class", "load_class_2",
    ]  # fmt: skip


def test_an_empty_flow_still_compiles() -> None:
    for target in TARGETS:
        compile(scaffold_pipeline([], target), "x.py", "exec")


def test_an_unknown_target_is_an_error() -> None:
    with pytest.raises(ValueError, match="expected one of prefect, airflow"):
        scaffold_pipeline(FLOW, "luigi")
