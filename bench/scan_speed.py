"""Cold-scan speed of flowscan against ast-grep and Semgrep running equivalent rules.

Usage:
    .venv/bin/python bench/scan_speed.py DIR [--runs N] [--jobs N]
                                             [--astgrep PATH] [--semgrep PATH] [--no-peers]

For each tool this prints the files and lines it scans, the median wall-clock time of
N runs and lines per second, then the ratios flowscan lines/s ÷ peer lines/s from the
same invocation. Lines are counted by this script, the same way for every tool: flowscan is credited
with all *.py *.go *.java *.rs *.sql files under DIR (skipping .git, node_modules,
target, .venv, __pycache__ and .flowscan-cache, as flowscan does); each peer with the files it reports having scanned (ast-grep's `--inspect
entity` in one untimed run, Semgrep's `paths.scanned`). Both peers honour .gitignore
and neither has SQL rules, so they usually scan fewer lines; where a peer cannot say,
it is credited with the Python, Go, Java and Rust files of our own count. The peer rules live in bench/rules/ and are the ast-grep and
Semgrep equivalents of flowscan's data-source/sink rules; their per-rule finding
counts are printed so you can see that both peers found the same things.

Every flowscan run is cold: the result cache is disabled (``--no-cache`` when the CLI
offers it), pointed at a fresh empty directory that is also the run's working
directory, and a ``DIR/.flowscan-cache`` created by a run is removed after it. If a tool fails, its stderr is
printed and the remaining tools still run.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
RULES = HERE / "rules"
EXTENSIONS = {".py": "python", ".go": "go", ".java": "java", ".rs": "rust", ".sql": "sql"}
# flowscan's discovery skips these by name too (engine/discovery.py), whatever .gitignore says.
SKIP_DIRS = {".git", "node_modules", "target", ".venv", "__pycache__", ".flowscan-cache"}
PEER_LANGUAGES = {"python", "go", "java", "rust"}  # what bench/rules covers


@dataclass
class Corpus:
    files: collections.Counter = field(default_factory=collections.Counter)
    lines: collections.Counter = field(default_factory=collections.Counter)

    def total(self, languages: set[str]) -> tuple[int, int]:
        return (sum(self.files[lang] for lang in languages),
                sum(self.lines[lang] for lang in languages))


@dataclass
class Result:
    tool: str
    version: str
    files: int
    lines: int
    times: list[float] = field(default_factory=list)
    findings: int | None = None
    per_rule: collections.Counter | None = None
    note: str = ""
    error: str = ""

    @property
    def seconds(self) -> float | None:
        return statistics.median(self.times) if self.times else None

    @property
    def lines_per_second(self) -> float | None:
        s = self.seconds
        return self.lines / s if s else None


def count_corpus(root: Path) -> Corpus:
    corpus = Corpus()
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS]
        for name in filenames:
            lang = EXTENSIONS.get(os.path.splitext(name)[1])
            if lang is None:
                continue
            n = count_lines(Path(dirpath, name))  # also warms the page cache for every tool
            if n is None:
                continue
            corpus.files[lang] += 1
            corpus.lines[lang] += n
    return corpus


def count_lines(path: Path) -> int | None:
    try:
        data = path.read_bytes()
    except OSError:
        return None
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


def credit_scanned(result: Result, paths: list[str], who: str) -> None:
    """Credit a tool with the lines of the files it says it scanned, counted our way."""
    counts = [count_lines(Path(p).resolve()) for p in paths]
    result.files = len(counts)
    result.lines = sum(c or 0 for c in counts)
    result.note = (result.note + "; " if result.note else "") + f"files and lines as reported scanned by {who}"


def run_quiet(cmd: list[str], timeout: float = 60, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
        return p.returncode, p.stdout, p.stderr
    except (OSError, subprocess.TimeoutExpired) as exc:
        return -1, "", str(exc)


def parse_json_output(text: str):
    """The JSON document a tool printed, or None. Tolerates JSON Lines output."""
    text = text.strip()
    if not text:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        pass
    try:
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    except json.JSONDecodeError:
        return None


def timed_runs(result: Result, runs: int, make_cmd, timeout: float):
    """Run the tool `runs` times; returns the JSON of the last successful run or None.

    `make_cmd()` gives (argv, env or None, cleanup callable or None, cwd or None) per run.
    """
    doc = None
    for i in range(runs):
        cmd, env, cleanup, cwd = make_cmd()
        try:
            start = time.perf_counter()
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                                  env=env, cwd=cwd)
            elapsed = time.perf_counter() - start
        except subprocess.TimeoutExpired:
            result.error = f"timed out after {timeout:.0f}s: {' '.join(cmd)}"
            return doc
        except OSError as exc:
            result.error = f"could not start {cmd[0]}: {exc}"
            return doc
        finally:
            if cleanup:
                cleanup()
        parsed = parse_json_output(proc.stdout)
        if parsed is None:
            result.error = (f"run {i + 1} exited {proc.returncode} without JSON output\n"
                            f"command: {' '.join(cmd)}\n--- stderr ---\n{proc.stderr.strip()[-4000:]}")
            return doc
        result.times.append(elapsed)
        doc = parsed
    return doc


# ---------------------------------------------------------------- flowscan

def count_flowscan_findings(doc) -> int | None:
    if isinstance(doc, list):
        return len(doc)
    if isinstance(doc, dict):
        for key in ("findings", "results", "matches"):
            if isinstance(doc.get(key), list):
                return len(doc[key])
    return None


def bench_flowscan(root: Path, corpus: Corpus, args, same_rules: bool = False) -> Result:
    """flowscan with its built-in rules, or (`same_rules`) with the peers' rules only."""
    py = args.flowscan_python
    languages = PEER_LANGUAGES if same_rules else set(EXTENSIONS.values())
    files, lines = corpus.total(languages)
    rc, out, _ = run_quiet([py, "-c", "import importlib.metadata as m; print(m.version('flowscan'))"])
    result = Result("flowscan=" if same_rules else "flowscan", out.strip() if rc == 0 else "?", files, lines)

    rc, help_text, help_err = run_quiet([py, "-m", "flowscan", "scan", "--help"])
    extra: list[str] = []
    notes = []
    if rc == 0:
        if "--no-cache" in help_text:
            extra.append("--no-cache")
            notes.append("--no-cache")
        if "--jobs" in help_text and args.jobs:
            extra += ["--jobs", str(args.jobs)]
            notes.append(f"--jobs {args.jobs}")
    else:
        notes.append("`scan --help` failed")
    extra += args.flowscan_arg
    if same_rules:
        extra += ["--no-builtin", "--rules", str(RULES / "flowscan")]
        notes.append("the peers' 20 rules (bench/rules/flowscan), no built-in rules")
    result.note = ", ".join(notes)

    # A cache inside the scanned tree would make every run after the first warm: remove
    # it after each run, but only if this script's runs created it.
    tree_cache = root / ".flowscan-cache"
    if tree_cache.exists() and "--no-cache" not in extra:
        result.note += f"; {tree_cache} existed before the runs, which may not be cold"

    def make_cmd():
        # Fresh cache and working directories per run, so that no run reuses another's cache.
        scratch = tempfile.mkdtemp(prefix="flowscan-bench-")
        env = dict(os.environ, FLOWSCAN_CACHE_DIR=scratch, XDG_CACHE_HOME=scratch)
        cmd = [py, "-m", "flowscan", "scan", str(root), "--format", "json", *extra]
        had_tree_cache = tree_cache.exists()

        def cleanup():
            shutil.rmtree(scratch, ignore_errors=True)
            if not had_tree_cache:
                shutil.rmtree(tree_cache, ignore_errors=True)

        return cmd, env, cleanup, scratch

    doc = timed_runs(result, args.runs, make_cmd, args.timeout)
    if doc is not None:
        result.findings = count_flowscan_findings(doc)
        stats = doc.get("stats") if isinstance(doc, dict) else None
        if isinstance(stats, dict) and "files" in stats:
            result.note += (f"; flowscan's own count: {stats.get('files')} files, "
                            f"{stats.get('lines')} lines, {stats.get('seconds')} s in-process")
            if stats.get("files") != files:
                result.note += " (differs from ours: .gitignore'd files?)"
    result.note = result.note.strip("; ")
    return result


# ---------------------------------------------------------------- peers

def find_astgrep(explicit: str | None) -> str | None:
    candidates = [explicit] if explicit else [
        shutil.which("ast-grep"), shutil.which("sg"),
        str(Path(sys.executable).parent / "ast-grep"),
    ]
    for c in candidates:
        if c and Path(c).exists():
            rc, out, _ = run_quiet([c, "--version"])
            # `sg` may be the shadow-utils setgroups command: check it is ast-grep.
            if rc == 0 and out.startswith("ast-grep"):
                return c
    return None


def find_semgrep(explicit: str | None) -> str | None:
    candidates = [explicit] if explicit else [
        shutil.which("semgrep"), str(Path(sys.executable).parent / "semgrep"),
    ]
    for c in candidates:
        if c and Path(c).exists():
            return c
    return None


def bench_astgrep(exe: str, root: Path, corpus: Corpus, args) -> Result:
    files, lines = corpus.total(PEER_LANGUAGES)
    _, out, _ = run_quiet([exe, "--version"])
    result = Result("ast-grep", out.strip().removeprefix("ast-grep").strip(), files, lines)
    cmd = [exe, "scan", "-c", str(RULES / "sgconfig.yml"), "--json=compact", str(root)]
    if args.jobs:
        cmd[2:2] = ["-j", str(args.jobs)]
    # One untimed run that lists the files ast-grep scans (it honours .gitignore).
    rc, _, err = run_quiet([*cmd, "--inspect", "entity"], timeout=args.timeout)
    scanned = []
    for line in err.splitlines():
        if line.startswith("sg: entity|file|") and ": language=" in line:
            scanned.append(line[len("sg: entity|file|"):].rsplit(": language=", 1)[0])
    if rc == 0 and scanned:
        credit_scanned(result, scanned, "ast-grep --inspect")
    doc = timed_runs(result, args.runs, lambda: (cmd, None, None, None), args.timeout)
    if isinstance(doc, list):
        result.findings = len(doc)
        result.per_rule = collections.Counter(m.get("ruleId", "?") for m in doc)
    return result


def bench_semgrep(exe: str, root: Path, corpus: Corpus, args) -> Result:
    files, lines = corpus.total(PEER_LANGUAGES)
    # without these, `semgrep --version` waits on a network version check that never answers here
    env = dict(os.environ, SEMGREP_ENABLE_VERSION_CHECK="0", SEMGREP_SEND_METRICS="off")
    _, out, _ = run_quiet([exe, "--version", "--disable-version-check"], timeout=60, env=env)
    result = Result("semgrep", out.strip().splitlines()[-1] if out.strip() else "?", files, lines)
    cmd = [exe, "scan", "--metrics=off", "--disable-version-check",
           "--config", str(RULES / "semgrep.yml"), "--json", str(root)]
    if args.jobs:
        cmd[2:2] = ["--jobs", str(args.jobs)]
    doc = timed_runs(result, args.runs, lambda: (cmd, env, None, None), args.timeout)
    if isinstance(doc, dict):
        results = doc.get("results", [])
        result.findings = len(results)
        result.per_rule = collections.Counter(r.get("check_id", "?").rsplit(".", 1)[-1] for r in results)
        scanned = doc.get("paths", {}).get("scanned")
        errors = doc.get("errors", [])
        if scanned is not None:
            credit_scanned(result, scanned, "semgrep paths.scanned")
        if errors:
            result.note += f"; {len(errors)} semgrep errors (first: {errors[0].get('message', '')[:200]!r})"
    return result


# ---------------------------------------------------------------- report

def fmt(value, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def print_report(root: Path, corpus: Corpus, results: list[Result], args) -> None:
    langs = ", ".join(f"{lang} {corpus.files[lang]}/{corpus.lines[lang]}"
                      for lang in ("python", "go", "java", "rust", "sql"))
    print(f"corpus: {root}")
    print(f"  files/lines by language: {langs}")
    print(f"  runs per tool: {args.runs}, jobs: {args.jobs or 'tool default'}, machine: {os.cpu_count()} cpus")
    print()
    header = f"{'tool':<10} {'version':<10} {'files':>7} {'lines':>9} {'seconds':>9} {'lines/s':>10} {'findings':>9}  runs (s)"
    print(header)
    print("-" * len(header))
    for r in results:
        runs = " ".join(f"{t:.3f}" for t in r.times)
        print(f"{r.tool:<10} {r.version[:10]:<10} {r.files:>7} {r.lines:>9} {fmt(r.seconds, '.3f'):>9} "
              f"{fmt(r.lines_per_second, ',.0f'):>10} {fmt(r.findings, 'd'):>9}  {runs}")
    for r in results:
        if r.note:
            print(f"  {r.tool}: {r.note}")
    print()

    # `flowscan=` ran the peers' own rules: that row is the like-for-like comparison
    for ours in (r for r in results if r.tool.startswith("flowscan")):
        for r in results:
            if r.tool.startswith("flowscan"):
                continue
            if ours.lines_per_second and r.lines_per_second:
                print(f"ratio {ours.tool}/{r.tool} (lines/s): {ours.lines_per_second / r.lines_per_second:.2f}x")
            else:
                print(f"ratio {ours.tool}/{r.tool} (lines/s): n/a")

    peers = [r for r in results if r.per_rule is not None]
    if peers:
        print()
        print("peer findings per rule (the rules are equivalent, so the counts should agree):")
        rule_ids = sorted(set().union(*(r.per_rule for r in peers)))
        print(f"  {'rule':<24}" + "".join(f"{r.tool:>10}" for r in peers))
        for rule in rule_ids:
            print(f"  {rule:<24}" + "".join(f"{r.per_rule.get(rule, 0):>10}" for r in peers))

    for r in results:
        if r.error:
            print(f"\n{r.tool} FAILED: {r.error}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dir", type=Path, help="directory to scan")
    ap.add_argument("--runs", type=int, default=5, help="timed runs per tool; the median is reported (default 5)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count(),
                    help="parallel jobs for every tool (default: CPU count; 0 = each tool's own default)")
    ap.add_argument("--astgrep", help="path of the ast-grep executable (default: ast-grep or sg on PATH)")
    ap.add_argument("--semgrep", help="path of the semgrep executable (default: semgrep on PATH)")
    ap.add_argument("--no-peers", action="store_true", help="time flowscan only")
    ap.add_argument("--no-flowscan", action="store_true", help="time the peers only")
    ap.add_argument("--flowscan-python", default=sys.executable,
                    help="interpreter that has flowscan installed (default: this one)")
    ap.add_argument("--flowscan-arg", action="append", default=[],
                    help="extra argument for `flowscan scan` (repeatable)")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds allowed per run (default 1800)")
    args = ap.parse_args(argv)

    root = args.dir.resolve()
    if not root.is_dir():
        ap.error(f"{args.dir} is not a directory")
    if args.runs < 1:
        ap.error("--runs must be at least 1")

    corpus = count_corpus(root)
    results: list[Result] = []
    if not args.no_flowscan:
        results.append(bench_flowscan(root, corpus, args))
        if not args.no_peers:
            results.append(bench_flowscan(root, corpus, args, same_rules=True))
    if not args.no_peers:
        exe = find_astgrep(args.astgrep)
        if exe:
            results.append(bench_astgrep(exe, root, corpus, args))
        else:
            print("ast-grep not found (pip install ast-grep-cli, or pass --astgrep PATH): skipped", file=sys.stderr)
        exe = find_semgrep(args.semgrep)
        if exe:
            results.append(bench_semgrep(exe, root, corpus, args))
        else:
            print("semgrep not found (pip install semgrep, or pass --semgrep PATH): skipped", file=sys.stderr)

    print_report(root, corpus, results, args)
    return 0 if results and all(not r.error for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
