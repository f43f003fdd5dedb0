"""`data-quality.json`: per dataset, the checks its code implies, with the lines that imply them.

Columns come from the SQL that reads and writes the dataset (SELECT, WHERE, JOIN ... ON,
GROUP BY, INSERT column lists), from DataFrame calls (`merge(on=...)`, `dropna(subset=...)`)
and from `CREATE TABLE` declarations. Rules follow from them: join keys must not be null
(and the side named `id` or declared a key should be unique), WHERE conditions are row
conditions worth counting, declared constraints are checks a loader should not break.
Freshness and volume checks come from each write and the mode (batch or stream) of the
pipeline doing it. The shape is documented in docs/report.md.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import orjson

from flowscan import __version__
from flowscan.datasets import dataset_id
from flowscan.flowgraph import Node
from flowscan.redact import redact
from flowscan.report.analysis import Access, Analysis
from flowscan.report.sqlcolumns import table_name

QUALITY_VERSION = 1
_TIMESTAMP = ("_at", "_time", "_ts", "timestamp", "_date", "date")


class _Dataset:
    def __init__(self, node: Node) -> None:
        self.node = node
        self.columns: dict[str, dict[str, Any]] = {}
        self.rules: list[dict[str, Any]] = []
        self.pipelines: list[str] = []

    def use(self, column: str, clause: str, path: str, line: int) -> None:
        entry = self.columns.setdefault(column, {"name": column, "used_in": [], "evidence": []})
        if clause not in entry["used_in"]:
            entry["used_in"].append(clause)
        proof = {"path": path, "line": line, "clause": clause}
        if proof not in entry["evidence"]:
            entry["evidence"].append(proof)

    def rule(self, check: str, columns: list[str], reason: str, path: str, line: int, **extra: Any) -> None:
        for existing in self.rules:
            if existing["check"] == check and existing["columns"] == columns and all(
                existing.get(k) == v for k, v in extra.items()
            ):
                proof = {"path": path, "line": line}
                if proof not in existing["evidence"]:
                    existing["evidence"].append(proof)
                    existing["reasons"].append(reason) if reason not in existing["reasons"] else None
                return
        self.rules.append(
            {"check": check, "columns": columns, **extra, "reasons": [reason], "evidence": [{"path": path, "line": line}]}
        )


def render_quality(analysis: Analysis) -> str:
    return orjson.dumps(quality_document(analysis), option=orjson.OPT_INDENT_2).decode() + "\n"


def quality_document(analysis: Analysis) -> dict[str, Any]:
    if "quality" not in analysis.memo:
        analysis.memo["quality"] = _document(analysis)
    return analysis.memo["quality"]


def _document(analysis: Analysis) -> dict[str, Any]:
    datasets = {n.id: _Dataset(n) for n in analysis.graph.nodes if n.type == "dataset" and n.kind != "api"}
    by_name: dict[str, list[_Dataset]] = defaultdict(list)
    for dataset in datasets.values():
        if dataset.node.id.startswith("table:"):
            by_name[dataset.node.name].append(dataset)
    for view in analysis.views:
        for node in view.graph.nodes:
            if node.id in datasets and view.name not in datasets[node.id].pipelines:
                datasets[node.id].pipelines.append(view.name)
    _sql_checks(analysis, by_name)
    _code_checks(analysis, datasets)
    entries = []
    for dataset in datasets.values():
        entries.append(_entry(analysis, dataset))
    return {
        "version": QUALITY_VERSION,
        "generator": f"flowscan {__version__}",
        "project": analysis.project,
        "datasets": entries,
    }


def _sql_checks(analysis: Analysis, by_name: dict[str, list[_Dataset]]) -> None:
    for path, columns in analysis.all_sql_columns():
        for use in columns.uses:
            for dataset in by_name.get(use.table, ()):
                dataset.use(use.column, use.clause, path, use.line)
        for join in columns.joins:
            condition = f"{join.left_table}.{join.left_column} = {join.right_table}.{join.right_column}"
            sides = ((join.left_table, join.left_column, join.right_table, join.right_column),
                     (join.right_table, join.right_column, join.left_table, join.left_column))
            for table, column, other_table, other_column in sides:
                for dataset in by_name.get(table, ()):
                    dataset.rule("not_null", [column], f"join key: {condition}", path, join.line)
                    if column == "id":
                        dataset.rule("unique", [column], f"the `id` side of the join {condition}", path, join.line)
                    elif other_column == "id":
                        dataset.rule(
                            "relationship", [column], f"joined to {other_table}.{other_column}: {condition}",
                            path, join.line, references=f"{other_table}.{other_column}",
                        )
        for condition in columns.conditions:
            if condition.parameterised:
                continue
            for dataset in by_name.get(condition.table, ()):
                dataset.rule(
                    "row_condition", [condition.column],
                    f"the query keeps only rows where {condition.text}: count the rows that fail it",
                    path, condition.line, condition=redact(condition.text),
                )
        for constraint in columns.constraints:
            for dataset in by_name.get(constraint.table, ()):
                if constraint.kind == "references":
                    dataset.rule(
                        "relationship", list(constraint.columns), f"declared REFERENCES {constraint.detail}",
                        path, constraint.line, references=constraint.detail,
                    )
                elif constraint.kind == "primary_key":
                    dataset.rule("unique", list(constraint.columns), "declared PRIMARY KEY", path, constraint.line)
                    dataset.rule("not_null", list(constraint.columns), "declared PRIMARY KEY", path, constraint.line)
                else:
                    dataset.rule(constraint.kind, list(constraint.columns), f"declared {constraint.detail}", path, constraint.line)
                for column in constraint.columns:
                    dataset.use(column, "declared", path, constraint.line)
        for mapping in columns.outputs + columns.mappings:
            for dataset in by_name.get(mapping.target_table, ()):
                dataset.use(mapping.target_column, "written", path, mapping.line)


def _code_checks(analysis: Analysis, datasets: dict[str, _Dataset]) -> None:
    for finding in analysis.result.findings:
        if finding.role not in ("source", "transform", "sink") or finding.language == "sql":
            continue
        named = analysis.code_columns(finding)
        if not named:
            continue
        targets = [target for target in analysis.datasets_into(finding) if target in datasets]
        if finding.role == "source":
            targets += [dataset_id(e) for e in finding.entities if dataset_id(e) in datasets]
        targets = list(dict.fromkeys(targets))
        for target in targets:
            dataset = datasets[target]
            for column in named:
                if len(targets) > 1 and dataset.columns and column.column not in dataset.columns:
                    continue  # data from several datasets: a column goes to those that have it (or may)
                clause = {"not_null": "where", "unique": "select"}.get(column.clause, column.clause)
                dataset.use(column.column, clause, finding.path, finding.start.line)
                if column.clause == "join":
                    dataset.rule("not_null", [column.column], f"join key: {column.text}", finding.path, finding.start.line)
                elif column.clause in ("not_null", "unique"):
                    dataset.rule(column.clause, [column.column], f"the code enforces it: {column.text}", finding.path, finding.start.line)
                elif column.clause == "where":
                    dataset.rule(
                        "row_condition", [column.column], f"the code keeps only rows where {column.text}",
                        finding.path, finding.start.line, condition=column.text,
                    )


def _entry(analysis: Analysis, dataset: _Dataset) -> dict[str, Any]:
    node = dataset.node
    writers = [a for v in analysis.views for a in analysis.writes(v) if a.dataset.id == node.id]
    readers = [a for v in analysis.views for a in analysis.reads(v) if a.dataset.id == node.id]
    writers = list({(a.code.id, a.first): a for a in writers}.values())
    readers = list({(a.code.id, a.first): a for a in readers}.values())
    return {
        "id": node.id,
        "name": node.name,
        "kind": node.kind,
        "namespace": analysis.namespace(node),
        "pipelines": dataset.pipelines,
        "written_by": [_unit(a) for a in writers],
        "read_by": [_unit(a) for a in readers],
        "columns": sorted(dataset.columns.values(), key=lambda c: c["name"]),
        "rules": dataset.rules,
        "freshness": [_freshness(analysis, a, dataset) for a in writers],
        "volume": [_volume(analysis, a) for a in writers],
    }


def _unit(access: Access) -> dict[str, Any]:
    return {"code": access.code.name, "path": access.first.path, "line": access.first.start.line}


def _freshness(analysis: Analysis, access: Access, dataset: _Dataset) -> dict[str, Any]:
    trigger = analysis.trigger(access)
    timestamp = next(
        (name for name in sorted(dataset.columns) if name.endswith(_TIMESTAMP) or name in ("created", "updated")),
        None,
    )
    expect = {
        "message": "new data within minutes while its input stream has messages: it is written per message consumed",
        "run": "written by every scheduled run of its job or model: alert when it is older than one run interval",
        "call": "written when its code is called (requests, other services): alert when nothing new arrives "
                "for longer than the quietest usual period",
    }[trigger.text]
    check: dict[str, Any] = {
        "writer": access.code.name,
        "mode": "stream" if trigger.text == "message" else "batch" if trigger.text == "run" else "on call",
        "expect": expect,
        "evidence": list({
            (path, line): {"path": path, "line": line}
            for path, line in ((access.first.path, access.first.start.line), (trigger.path, trigger.line))
        }.values()),
    }
    if timestamp is not None and node_is_table(dataset.node):
        check["timestamp_column"] = timestamp
        check["query"] = f"select max({timestamp}) from {table_name(dataset.node.name)}"
    return check


def node_is_table(node: Node) -> bool:
    return node.id.startswith("table:")


def _volume(analysis: Analysis, access: Access) -> dict[str, Any]:
    counted = any(g.kind == "monitoring" for g in analysis.guards(access.first))
    trigger = analysis.trigger(access)
    expect = {
        "message": "rows written per minute follow the rate of messages on its input stream",
        "run": "rows written per run are more than zero and within the usual range of recent runs",
        "call": "rows written per hour stay within the usual range for the time of day",
    }[trigger.text]
    return {
        "writer": access.code.name,
        "check": "row_count",
        "expect": expect,
        "write": analysis.write_mode(access.first).kind,
        "counted_in_code": counted,
        "evidence": [{"path": access.first.path, "line": access.first.start.line}],
    }
