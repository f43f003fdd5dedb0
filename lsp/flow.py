"""Where a finding's data comes from and goes to, for hovers and code lenses.

Within the file: the engine's links (flowscan.linker: data followed through assignments
inside a function) and the code unit each finding is placed in. Across the workspace:
other code that reads or writes the same dataset, as the data-flow map joins them
(flowscan.flowgraph). Each view is one small function over engine results.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from attrs import frozen

from flowscan.findings import CodeUnit, Finding, Link, Placement
from flowscan.datasets import DATASET_TYPES, dataset_id
from flowscan.lsp.analysis import Analysis
from flowscan.scanner import FileOutcome


@frozen
class Neighbours:
    came_from: tuple[Link, ...]
    goes_to: tuple[Link, ...]


def neighbours(analysis: Analysis, finding: Finding) -> Neighbours:
    return Neighbours(
        tuple(link for link in analysis.links if link.target == finding),
        tuple(link for link in analysis.links if link.source == finding),
    )


@frozen
class Elsewhere:
    """Another place that touches one of the finding's datasets."""

    dataset: str
    finding: Finding
    unit: CodeUnit | None


def elsewhere(finding: Finding, outcomes: Mapping[Path, FileOutcome], limit: int = 8) -> list[Elsewhere]:
    """Code in other files that reads or writes a dataset this finding names."""
    wanted = {dataset_id(e): e.name for e in finding.entities if e.type in DATASET_TYPES}
    if not wanted:
        return []
    found: list[Elsewhere] = []
    for outcome in outcomes.values():
        if not outcome.findings or outcome.findings[0].path == finding.path:
            continue  # this file's own flow is the links'
        units = {p.finding: p.unit for p in outcome.placements}
        for other in outcome.findings:
            for entity in other.entities:
                if entity.type in DATASET_TYPES and dataset_id(entity) in wanted:
                    found.append(Elsewhere(wanted[dataset_id(entity)], other, units.get(other)))
                    break
            if len(found) >= limit:
                return found
    return found


@frozen
class UnitSummary:
    """A code unit that reads or writes data, for a code lens above it."""

    unit: CodeUnit
    sources: int
    sinks: int
    transforms: int


def unit_summaries(placements: Iterable[Placement]) -> list[UnitSummary]:
    """Functions with at least one source or sink, in file order."""
    counts: dict[CodeUnit, list[int]] = {}
    for placement in placements:
        if placement.unit.kind != "function":
            continue
        row = counts.setdefault(placement.unit, [0, 0, 0])
        role = placement.finding.role
        if role == "source":
            row[0] += 1
        elif role == "sink":
            row[1] += 1
        elif role == "transform":
            row[2] += 1
    return sorted(
        (UnitSummary(unit, *row) for unit, row in counts.items() if row[0] or row[1]), key=lambda s: s.unit.line
    )


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def lens_title(summary: UnitSummary) -> str:
    """`2 sources → 1 sink` (with transforms between, when there are any)."""
    parts = []
    if summary.sources:
        parts.append(plural(summary.sources, "source"))
    if summary.transforms:
        parts.append(plural(summary.transforms, "transform"))
    if summary.sinks:
        parts.append(plural(summary.sinks, "sink"))
    return " → ".join(parts)
