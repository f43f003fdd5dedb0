"""The results of a scan: findings, errors, skipped files. Typed, and the only shape outputs see."""

from __future__ import annotations

from attrs import field, frozen


@frozen(order=True)
class Position:
    """1-based line and column."""

    line: int
    column: int


@frozen
class Entity:
    """What a finding touches: a table, topic, file path, URL, bucket..."""

    type: str
    name: str
    access: str | None = None


@frozen
class Finding:
    rule_id: str
    path: str
    language: str
    start: Position
    end: Position
    role: str
    kind: str
    tech: str
    severity: str
    message: str
    entities: tuple[Entity, ...] = ()

    @property
    def sort_key(self) -> tuple:
        return (self.path, self.start, self.rule_id)


@frozen
class Step:
    """One statement on a data path: 1-based position and the first line of its code."""

    line: int
    column: int
    code: str


@frozen
class Link:
    """Data read or made by `source` reaches `target` in the same function, through `steps`."""

    source: Finding
    target: Finding
    steps: tuple[Step, ...]


@frozen
class CodeUnit:
    """Where code that touches data lives: a function, a file's top level, an SQL model."""

    path: str
    name: str
    kind: str  # function | module | model
    line: int


@frozen
class Guard:
    """A safeguard around a read or write: error-handling, retry, validation or monitoring."""

    kind: str
    line: int
    code: str


@frozen
class Placement:
    finding: Finding
    unit: CodeUnit
    guards: tuple[Guard, ...] = ()


@frozen
class ScanError:
    """A file that could be read but not used (or a rule that failed on it)."""

    path: str
    line: int
    message: str


@frozen
class Skipped:
    """A file the scan did not look at, and why (binary, too large, unreadable, ...)."""

    path: str
    reason: str


@frozen
class Stats:
    files: int = 0
    lines: int = 0
    seconds: float = 0.0


@frozen
class RuleInfo:
    """What outputs say of a rule (SARIF's rule metadata)."""

    id: str
    role: str
    kind: str
    tech: str
    severity: str
    languages: tuple[str, ...] = ()
    doc: str | None = None


@frozen
class ScanResult:
    findings: tuple[Finding, ...] = ()
    errors: tuple[ScanError, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    stats: Stats = field(factory=Stats)
    links: tuple[Link, ...] = ()
    #: the code unit of each finding (filled, like `links`, when a scan links)
    placements: tuple[Placement, ...] = ()
    rules: tuple[RuleInfo, ...] = ()
