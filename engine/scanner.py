"""A whole scan: load and compile rules, discover files, analyse them in parallel."""

from __future__ import annotations

import gc
import multiprocessing
import os
import time
from pathlib import Path
from typing import Iterable, Iterator

import attrs
from attrs import frozen

import tree_sitter as ts

from flowscan.analyze import analyze_file
from flowscan.compiler import Compiler, RuleSet
from flowscan.config import Config
from flowscan.discovery import SourceFile, discover, read_source
from flowscan.findings import Finding, Link, Placement, RuleInfo, ScanError, ScanResult, Skipped, Stats
from flowscan.grammar import check_references
from flowscan.grammar.model import Pack, RuleError
from flowscan.languages import by_extension
from flowscan.packcache import load_pack_cached
from flowscan.rules import builtin_rule_files
from flowscan.safeguards import CHECKS
from flowscan.settings import load_settings

# Below this many files a process pool costs more than it saves.
_POOL_THRESHOLD = 24


def rule_files(paths: Iterable[str | Path], builtin: bool = True) -> list[Path]:
    files = builtin_rule_files() if builtin else []
    for path in map(Path, paths):
        files.extend(sorted(path.rglob("*.fsr")) if path.is_dir() else [path])
    return [_shown(file) for file in files]


def _shown(path: Path) -> Path:
    """Relative to the current directory when under it, so errors read `rules/go/db.fsr:3:9`."""
    try:
        return path.resolve().relative_to(Path.cwd())
    except ValueError:
        return path


def load_packs(files: Iterable[Path]) -> tuple[list[Pack], list[RuleError]]:
    packs: list[Pack] = []
    errors: list[RuleError] = []
    for file in files:
        pack, pack_errors = load_pack_cached(file)
        errors.extend(pack_errors)
        if pack is not None:
            packs.append(pack)
    errors.extend(check_references(packs))
    return packs, errors


def load_ruleset(
    files: Iterable[Path], config: Config | None = None, checks: bool = True
) -> tuple[RuleSet, list[RuleError]]:
    """Parse and compile rule files; configuration enables, disables and re-grades rules.

    `checks` turns on the built-in checks (unguarded and unvalidated writes, unstructured logs).
    """
    packs, errors = load_packs(files)
    if config is not None:
        packs = [_configured(pack, config) for pack in packs]
    compiler = Compiler(packs)
    ruleset = compiler.compile()
    if checks:
        config = config or Config()
        ruleset.checks = {
            rule_id: config.severity_for(rule_id, check.severity)
            for rule_id, check in CHECKS.items()
            if config.rule_enabled(rule_id)
        }
    return ruleset, errors + compiler.errors


def _configured(pack: Pack, config: Config) -> Pack:
    rules = tuple(
        attrs.evolve(rule, severity=config.severity_for(rule.id, rule.severity))
        for rule in pack.rules
        if config.rule_enabled(rule.id)
    )
    return attrs.evolve(pack, rules=rules)


@frozen
class FileOutcome:
    findings: tuple[Finding, ...] = ()
    links: tuple[Link, ...] = ()
    placements: tuple[Placement, ...] = ()
    error: ScanError | None = None
    skipped: Skipped | None = None
    lines: int = 0


def scan_file(file: SourceFile, rules: RuleSet, max_bytes: int, link: bool = False) -> FileOutcome:
    """Never raises: whatever goes wrong with a file is recorded against it."""
    source = read_source(file, max_bytes)
    if isinstance(source, Skipped):
        return FileOutcome(skipped=source)
    lines = source.count(b"\n") + (0 if source.endswith(b"\n") or not source else 1)
    try:
        analysis = analyze_file(source, file.display_path, file.language, rules, link=link)
        error = _unusable(analysis.tree, source, file) if analysis.tree is not None else None
    except Exception as exc:  # a bug must cost one file, not the scan
        return FileOutcome(error=ScanError(file.display_path, 0, f"internal error: {exc!r}"), lines=lines)
    return FileOutcome(
        tuple(analysis.findings), tuple(analysis.links), tuple(analysis.placements), error, None, lines
    )


def _unusable(tree: ts.Tree, source: bytes, file: SourceFile) -> ScanError | None:
    """A file tree-sitter could not make sense of (most of it is an error node)."""
    root = tree.root_node
    if not root.has_error:
        return None
    broken = sum(c.end_byte - c.start_byte for c in root.children if c.type == "ERROR" or c.is_missing)
    if root.type == "ERROR" or broken * 2 > max(len(source), 1):
        first = next((c for c in root.children if c.type == "ERROR"), root)
        return ScanError(file.display_path, first.start_point[0] + 1, f"does not parse as {file.language}")
    return None


# --- parallel execution ---------------------------------------------------------------------

_WORKER_RULES: RuleSet | None = None
_WORKER_MAX_BYTES = 0
_WORKER_LINK = False


def _scan_in_worker(file: SourceFile) -> FileOutcome:
    assert _WORKER_RULES is not None
    return scan_file(file, _WORKER_RULES, _WORKER_MAX_BYTES, _WORKER_LINK)


def _outcomes(
    files: list[SourceFile], rules: RuleSet, max_bytes: int, jobs: int, link: bool
) -> Iterator[FileOutcome]:
    if jobs <= 1 or len(files) < _POOL_THRESHOLD or "fork" not in multiprocessing.get_all_start_methods():
        for file in files:
            yield scan_file(file, rules, max_bytes, link)
        return
    # Forked workers inherit the compiled rules (queries included) instead of recompiling them.
    global _WORKER_RULES, _WORKER_MAX_BYTES, _WORKER_LINK
    _WORKER_RULES, _WORKER_MAX_BYTES, _WORKER_LINK = rules, max_bytes, link
    context = multiprocessing.get_context("fork")
    # big files first, so that one large file does not finish last on its own
    ordered = sorted(files, key=_size, reverse=True)
    # what the workers inherit stays shared: the collector would otherwise touch (and so
    # copy) every inherited object's page in each worker
    gc.freeze()
    try:
        with context.Pool(jobs) as pool:
            yield from pool.imap_unordered(_scan_in_worker, ordered, chunksize=8)
    finally:
        gc.unfreeze()


def _size(file: SourceFile) -> int:
    if file.size:
        return file.size
    try:
        return file.path.stat().st_size
    except OSError:
        return 0


def scan(
    paths: list[Path],
    rules: RuleSet,
    config: Config,
    jobs: int | None = None,
    progress: "callable | None" = None,  # type: ignore[valid-type]
    link: bool = False,
) -> ScanResult:
    """Findings of every file under `paths`; with `link`, the data paths within functions."""
    started = time.perf_counter()
    languages = rules.languages()
    extensions = {ext: lang for ext, lang in by_extension().items() if lang in languages}
    files, skipped = discover(paths, config, extensions)
    # entities named through env vars and config keys resolve to what the repository sets
    rules.settings = load_settings(paths)
    findings: list[Finding] = []
    errors: list[ScanError] = []
    skipped = list(skipped)
    lines = 0
    workers = jobs or config.jobs or os.cpu_count() or 1
    links: list[Link] = []
    placements: list[Placement] = []
    for done, outcome in enumerate(_outcomes(files, rules, config.max_file_size, workers, link), 1):
        findings.extend(outcome.findings)
        links.extend(outcome.links)
        placements.extend(outcome.placements)
        lines += outcome.lines
        if outcome.error is not None:
            errors.append(outcome.error)
        if outcome.skipped is not None:
            skipped.append(outcome.skipped)
        if progress is not None:
            progress(done, len(files))
    findings.sort(key=lambda f: f.sort_key)
    errors.sort(key=lambda e: (e.path, e.line))
    skipped.sort(key=lambda s: s.path)
    stats = Stats(files=len(files), lines=lines, seconds=time.perf_counter() - started)
    links.sort(key=lambda l: (l.source.sort_key, l.target.sort_key))
    placements.sort(key=lambda p: p.finding.sort_key)
    infos = tuple(
        RuleInfo(r.id, r.role or "", r.kind or "", r.tech or "", r.severity, tuple(c.matchers), r.doc)
        for c in rules.rules
        for r in (c.rule,)
    ) + tuple(
        RuleInfo(rule_id, "pipeline", CHECKS[rule_id].kind, "flowscan", severity, (), CHECKS[rule_id].doc)
        for rule_id, severity in rules.checks.items()
    )
    return ScanResult(
        tuple(findings), tuple(errors), tuple(skipped), stats, tuple(links), tuple(placements), infos
    )
