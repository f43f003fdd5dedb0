"""Recall and precision of the built-in rules on the evaluation corpus (tests/corpus/).

`python tests/test_corpus.py` prints the figures with every missed and extra finding.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from attrs import frozen

from flowscan.config import Config
from flowscan.findings import Finding
from flowscan.scanner import load_ruleset, rule_files, scan

CORPUS = Path(__file__).resolve().parent / "corpus"
FLOOR = 0.9
LANGUAGES = ("python", "go", "java", "rust", "sql")


@frozen
class Touchpoint:
    path: str
    line: int
    role: str
    kind: str
    entities: frozenset[str] = frozenset()

    @property
    def key(self) -> tuple[str, int, str, str]:
        return (self.path, self.line, self.role, self.kind)

    def __str__(self) -> str:
        names = " ".join(sorted(self.entities))
        return f"{self.path}:{self.line} {self.role}/{self.kind}" + (f" {names}" if names else "")


@frozen
class Score:
    expected: int
    found: int
    matched: int
    missed: tuple[Touchpoint, ...]
    extra: tuple[Touchpoint, ...]

    @property
    def recall(self) -> float:
        return self.matched / self.expected if self.expected else 1.0

    @property
    def precision(self) -> float:
        return self.matched / self.found if self.found else 1.0


def read_expected(project: Path) -> list[Touchpoint]:
    points = []
    text = (project / "expected.txt").read_text()
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        where, what, *entities = line.split()
        path, _, lineno = where.rpartition(":")
        role, _, kind = what.partition("/")
        assert path and lineno.isdigit() and kind, f"{project}/expected.txt:{number}: cannot read {raw!r}"
        points.append(Touchpoint(path, int(lineno), role, kind, frozenset(entities)))
    return points


def as_touchpoint(finding: Finding, project: Path) -> Touchpoint:
    path = Path(finding.path).resolve().relative_to(project).as_posix()
    entities = frozenset(f"{e.type}={e.name}" for e in finding.entities)
    return Touchpoint(path, finding.start.line, finding.role, finding.kind, entities)


def score_project(project: Path, findings: list[Finding]) -> Score:
    expected = read_expected(project)
    # absence checks (pipeline.*) judge safeguards, not touchpoints: scored elsewhere
    found = [as_touchpoint(f, project) for f in findings if not f.rule_id.startswith("pipeline.")]
    pool = Counter(t.key for t in found)
    by_key: dict[tuple, list[Touchpoint]] = {}
    for point in found:
        by_key.setdefault(point.key, []).append(point)
    missed = []
    matched = 0
    for point in expected:
        candidates = [c for c in by_key.get(point.key, []) if point.entities <= c.entities]
        if pool[point.key] > 0 and candidates:
            pool[point.key] -= 1
            by_key[point.key].remove(candidates[0])
            matched += 1
        else:
            missed.append(point)
    extra = [p for points in by_key.values() for p in points]
    return Score(len(expected), len(found), matched, tuple(missed), tuple(extra))


def projects_without_expectations() -> list[Path]:
    return [p for g in CORPUS.iterdir() if g.is_dir() for p in g.iterdir() if p.is_dir() and not (p / "expected.txt").exists()]


def evaluate() -> dict[str, Score]:
    rules, errors = load_ruleset(rule_files([]))
    assert not errors, errors
    scores: dict[str, Score] = {}
    for group in sorted(p for p in CORPUS.iterdir() if p.is_dir()):
        for project in sorted(p for p in group.iterdir() if p.is_dir() and (p / "expected.txt").exists()):
            result = scan([project], rules, Config(), jobs=1)
            score = score_project(project.resolve(), list(result.findings))
            previous = scores.get(group.name)
            if previous is not None:
                score = Score(
                    previous.expected + score.expected,
                    previous.found + score.found,
                    previous.matched + score.matched,
                    previous.missed + score.missed,
                    previous.extra + score.extra,
                )
            scores[group.name] = score
    return scores


def test_recall_and_precision_per_language() -> None:
    assert not projects_without_expectations()
    scores = evaluate()
    report = "\n".join(
        f"{name}: recall {s.recall:.2f} precision {s.precision:.2f} ({s.matched}/{s.expected} expected, {s.found} found)"
        for name, s in scores.items()
    )
    for language in LANGUAGES:
        score = scores.get(language)
        assert score is not None and score.expected >= 20, f"no corpus for {language}\n{report}"
        assert score.recall >= FLOOR and score.precision >= FLOOR, report
    quiet = scores.get("quiet")
    assert quiet is not None and quiet.found <= 2, [str(p) for p in quiet.extra] if quiet else "no quiet corpus"


if __name__ == "__main__":
    for name, score in evaluate().items():
        print(f"{name}: recall {score.recall:.2f}  precision {score.precision:.2f}  "
              f"({score.matched}/{score.expected} expected, {score.found} found)")
        for point in score.missed:
            print(f"  missed {point}")
        for point in score.extra:
            print(f"  extra  {point}")
    sys.exit(0)
