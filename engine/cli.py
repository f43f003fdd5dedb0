"""The `flowscan` command: scan, map, report, scaffold, catalog, introspect, rules check / list, test, lsp.

Exit codes a CI or pre-commit hook can rely on: 0 when nothing reaches `--fail-on`,
1 when a finding does, 2 on a usage, configuration or rule error.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Sequence

import orjson

from flowscan import __version__
from flowscan.config import Config, load_config
from flowscan.grammar.model import SEVERITIES, RuleError
from flowscan.catalog.build import build_catalog, combine
from flowscan.catalog.join import join_catalog
from flowscan.catalog.model import Catalog
from flowscan.findings import ScanResult
from flowscan.output.catalog import CATALOG_FORMATS
from flowscan.redact import redact
from flowscan.flowgraph import build_graph
from flowscan.pipelines import find_pipelines
from flowscan.scaffold import ALL_TARGETS, scaffold_pipeline
from flowscan.output import FORMATS, LINKED_FORMATS
from flowscan.output.graph import MAP_FORMATS
from flowscan.ruletest import run_examples
from flowscan.scanner import load_packs, load_ruleset, rule_files, scan

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return EXIT_ERROR
    try:
        return args.run(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="flowscan", description="Map where a codebase's data comes from and goes.")
    parser.add_argument("--version", action="version", version=f"flowscan {__version__}")
    commands = parser.add_subparsers(metavar="COMMAND")

    scan_cmd = commands.add_parser("scan", help="find data sources, sinks and transformations")
    scan_cmd.add_argument("paths", nargs="*", default=["."], metavar="PATH")
    scan_cmd.add_argument("--format", choices=sorted(FORMATS), default="text")
    _rule_options(scan_cmd)
    scan_cmd.add_argument("--jobs", "-j", type=int, default=None, help="parallel processes (default: all cores)")
    scan_cmd.add_argument("--fail-on", choices=SEVERITIES, default=None, help="exit 1 when a finding is this severe")
    scan_cmd.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    scan_cmd.set_defaults(run=_scan)

    map_cmd = commands.add_parser("map", help="the data-flow map: datasets and the code that reads and writes them")
    map_cmd.add_argument("paths", nargs="*", default=["."], metavar="PATH")
    map_cmd.add_argument("--format", choices=sorted(MAP_FORMATS), default="json")
    _rule_options(map_cmd)
    map_cmd.add_argument("--jobs", "-j", type=int, default=None, help="parallel processes (default: all cores)")
    _catalog_options(map_cmd, "join a live database's catalog (read-only) or a saved one")
    map_cmd.set_defaults(run=_map)

    report_cmd = commands.add_parser(
        "report", help="write the pipeline design, data-quality checks, runbook and OpenLineage events"
    )
    report_cmd.add_argument("paths", nargs="*", default=["."], metavar="PATH")
    report_cmd.add_argument("-o", "--output", required=True, metavar="DIR", help="folder to write the documents into")
    _rule_options(report_cmd)
    report_cmd.add_argument("--jobs", "-j", type=int, default=None, help="parallel processes (default: all cores)")
    _catalog_options(report_cmd, "join a live database's catalog (read-only) or a saved one")
    report_cmd.set_defaults(run=_report)

    scaffold_cmd = commands.add_parser("scaffold", help="generate pipeline code from a pipeline the map found")
    scaffold_cmd.add_argument("pipeline", metavar="PIPELINE", help="a pipeline's name, as `flowscan report` names it")
    scaffold_cmd.add_argument("paths", nargs="*", default=["."], metavar="PATH")
    scaffold_cmd.add_argument("--target", choices=ALL_TARGETS, required=True)
    scaffold_cmd.add_argument("-o", "--output", required=True, metavar="PATH", help="the file to write")
    scaffold_cmd.add_argument("--force", action="store_true", help="overwrite the file if it exists")
    _rule_options(scaffold_cmd)
    scaffold_cmd.add_argument("--jobs", "-j", type=int, default=None, help="parallel processes (default: all cores)")
    scaffold_cmd.set_defaults(run=_scaffold)

    catalog_cmd = commands.add_parser(
        "catalog", help="the datasets and schemas the repository describes: DDL, ORM models, data files, specs, config"
    )
    catalog_cmd.add_argument("paths", nargs="*", default=["."], metavar="PATH")
    catalog_cmd.add_argument("--format", choices=sorted(CATALOG_FORMATS), default="text")
    _catalog_options(catalog_cmd, "add a live database's catalog (read-only)")
    catalog_cmd.set_defaults(run=_catalog)

    introspect_cmd = commands.add_parser("introspect", help="read a live database's catalog, read-only")
    introspect_cmd.add_argument("dsn", nargs="?", metavar="DSN",
                                help="postgresql://, mysql://, mariadb://, redis://, sqlite:///PATH or a .db file")
    introspect_cmd.add_argument("--from-env", metavar="VAR", help="take the DSN from this environment variable")
    introspect_cmd.add_argument("--format", choices=sorted(CATALOG_FORMATS), default="text")
    introspect_cmd.add_argument("--timeout", type=float, default=10.0, metavar="SECONDS",
                                help="connect and statement timeout (default: 10)")
    introspect_cmd.set_defaults(run=_introspect)

    rules_cmd = commands.add_parser("rules", help="validate or list rules")
    rules_sub = rules_cmd.add_subparsers(metavar="ACTION")
    check = rules_sub.add_parser("check", help="validate rule files")
    check.add_argument("paths", nargs="+", metavar="PATH")
    check.set_defaults(run=_rules_check)
    listing = rules_sub.add_parser("list", help="list rules: id, languages, role, kind, tech")
    _rule_options(listing)
    listing.add_argument("--format", choices=("text", "json"), default="text")
    listing.set_defaults(run=_rules_list)

    test_cmd = commands.add_parser("test", help="run the examples of every rule")
    test_cmd.add_argument("paths", nargs="*", metavar="PATH", help="rule files or folders (default: built-in and configured)")
    test_cmd.set_defaults(run=_test)

    lsp_cmd = commands.add_parser("lsp", help="run the language server over stdin/stdout (for editors)")
    # clients such as vscode-languageclient add --stdio; stdio is the only transport anyway
    lsp_cmd.add_argument("--stdio", action="store_true", help="talk over stdin/stdout (the default)")
    lsp_cmd.set_defaults(run=_lsp)
    return parser


def _rule_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--rules", action="append", default=[], metavar="PATH", help="extra rule file or folder")
    command.add_argument("--no-builtin", action="store_true", help="do not load the built-in rules")


def _catalog_options(command: argparse.ArgumentParser, help_text: str) -> None:
    command.add_argument("--catalog", action="append", default=[], metavar="FILE|DSN",
                         help=f"{help_text}: a `flowscan catalog --format json` file or a DSN; repeatable")


def _config() -> tuple[Config, bool]:
    config, errors = load_config(Path.cwd())
    for error in errors:
        print(f"flowscan: {error}", file=sys.stderr)
    return config, not errors


def _print_rule_errors(errors: list[RuleError]) -> None:
    for error in errors:
        print(error, file=sys.stderr)


def _rules_for(args: argparse.Namespace, config: Config) -> list[Path]:
    configured = [str(p) for p in config.rule_paths]
    return rule_files(configured + list(args.rules), builtin=not args.no_builtin)


def _scan_paths(args: argparse.Namespace, link: bool, show_errors: bool = True) -> tuple[ScanResult | None, Config]:
    """What every command that scans does first: config, rules, the scan itself.

    None when the configuration or a rule file is wrong (already reported: exit 2).
    """
    config, ok = _config()
    if not ok:
        return None, config
    # the built-in checks are part of the built-in packs: `--no-builtin` runs only the rules given
    rules, errors = load_ruleset(_rules_for(args, config), config, checks=not args.no_builtin)
    if errors:
        _print_rule_errors(errors)
        return None, config
    progress = _progress_bar() if sys.stderr.isatty() else None
    result = scan([Path(p) for p in args.paths], rules, config, jobs=args.jobs, progress=progress, link=link)
    if progress is not None:
        sys.stderr.write("\r\033[K")
    if show_errors:
        for error in result.errors:
            print(f"{error.path}:{error.line}: {error.message}", file=sys.stderr)
    return result, config


def _scan(args: argparse.Namespace) -> int:
    # the formats list errors themselves
    result, config = _scan_paths(args, link=args.format in LINKED_FORMATS, show_errors=False)
    if result is None:
        return EXIT_ERROR
    color = args.color == "always" or (args.color == "auto" and sys.stdout.isatty())
    sys.stdout.write(FORMATS[args.format](result, color=color))
    fail_on = args.fail_on or config.fail_on
    if fail_on is not None:
        threshold = SEVERITIES.index(fail_on)
        if any(SEVERITIES.index(f.severity) >= threshold for f in result.findings):
            return EXIT_FINDINGS
    return EXIT_OK


def _map(args: argparse.Namespace) -> int:
    scanned = _scan_with_catalog(args)
    if scanned is None:
        return EXIT_ERROR
    result, catalog = scanned
    graph = join_catalog(build_graph(result.placements, result.links), catalog)
    sys.stdout.write(MAP_FORMATS[args.format](graph))
    return EXIT_OK


def _scan_with_catalog(args: argparse.Namespace) -> tuple[ScanResult, Catalog] | None:
    """The linked scan and the catalog of `args.paths` (with `--catalog`s); None after an error, reported."""
    result, config = _scan_paths(args, link=True)
    if result is None:
        return None
    catalog = _catalog_for(args, config)
    return (result, catalog) if catalog is not None else None


def _catalog_for(args: argparse.Namespace, config: Config) -> Catalog | None:
    """The repository's catalog plus every `--catalog` given; None when one cannot be had (reported)."""
    from flowscan.catalog.load import CatalogLoadError, load_catalog

    parts = [build_catalog([Path(p) for p in args.paths], config)]
    for given in args.catalog:
        try:
            parts.append(load_catalog(given))
        except CatalogLoadError as error:
            print(f"flowscan: {error}", file=sys.stderr)
            return None
    return combine(parts)


def _catalog(args: argparse.Namespace) -> int:
    config, ok = _config()
    if not ok:
        return EXIT_ERROR
    catalog = _catalog_for(args, config)
    if catalog is None:
        return EXIT_ERROR
    sys.stdout.write(CATALOG_FORMATS[args.format](catalog))
    return EXIT_OK


def _introspect(args: argparse.Namespace) -> int:
    from flowscan.introspect import IntrospectionError, introspect

    if (args.dsn is None) == (args.from_env is None):
        print("flowscan: give a DSN or --from-env VAR (one of them)", file=sys.stderr)
        return EXIT_ERROR
    dsn = args.dsn
    if args.from_env is not None:
        dsn = os.environ.get(args.from_env)
        if not dsn:
            print(f"flowscan: environment variable {args.from_env} is not set", file=sys.stderr)
            return EXIT_ERROR
    try:
        catalog = introspect(dsn, timeout_seconds=args.timeout)
    except IntrospectionError as error:
        print(f"flowscan: {redact(str(error))}", file=sys.stderr)
        return EXIT_ERROR
    sys.stdout.write(CATALOG_FORMATS[args.format](catalog))
    return EXIT_OK


def _report(args: argparse.Namespace) -> int:
    from flowscan.report import write_report  # the report's modules load only for this command

    output = Path(args.output)
    if output.exists() and not output.is_dir():
        print(f"flowscan: {output} exists and is not a folder", file=sys.stderr)
        return EXIT_ERROR
    scanned = _scan_with_catalog(args)
    if scanned is None:
        return EXIT_ERROR
    result, catalog = scanned
    paths = [Path(p) for p in args.paths]
    for written in write_report(result, paths, output, catalog=catalog):
        print(written)
    return EXIT_OK


def _scaffold(args: argparse.Namespace) -> int:
    output = Path(args.output)
    if output.exists() and not args.force:
        print(f"flowscan: {output} exists; pass --force to overwrite it", file=sys.stderr)
        return EXIT_ERROR
    result, _ = _scan_paths(args, link=True)
    if result is None:
        return EXIT_ERROR
    pipelines = find_pipelines(result, build_graph(result.placements, result.links))
    chosen = next((p for p in pipelines if p.name == args.pipeline), None)
    if chosen is None:
        names = ", ".join(p.name for p in pipelines) or "none found"
        print(f"flowscan: no pipeline named {args.pipeline!r}; pipelines: {names}", file=sys.stderr)
        return EXIT_ERROR
    text = scaffold_pipeline(chosen.findings, args.target, name=f"{chosen.name}_pipeline")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    print(f"wrote {output}: a {args.target} pipeline for {chosen.name} ({len(chosen.findings)} findings)")
    return EXIT_OK


def _progress_bar():  # type: ignore[no-untyped-def]
    def show(done: int, total: int) -> None:
        if total >= 50 and (done == total or done % 25 == 0):
            width = 30
            filled = width * done // total
            sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} files")
            sys.stderr.flush()

    return show


def _rules_check(args: argparse.Namespace) -> int:
    files = rule_files(args.paths, builtin=False)
    if not files:
        print("flowscan: no .fsr rule files in " + ", ".join(args.paths), file=sys.stderr)
        return EXIT_ERROR
    rules, errors = load_ruleset(files)
    if errors:
        _print_rule_errors(errors)
        return EXIT_ERROR
    print(f"{len(rules.rules)} rules in {len(files)} files: ok")
    return EXIT_OK


def _rules_list(args: argparse.Namespace) -> int:
    config, ok = _config()
    if not ok:
        return EXIT_ERROR
    packs, errors = load_packs(_rules_for(args, config))
    if errors:
        _print_rule_errors(errors)
        return EXIT_ERROR
    rows = [rule for pack in packs for rule in pack.rules]
    if args.format == "json":
        data = [
            {"id": r.id, "languages": list(r.languages), "role": r.role, "kind": r.kind, "tech": r.tech,
             "severity": r.severity, "path": r.path}
            for r in rows
        ]
        sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n")
        return EXIT_OK
    width = max((len(r.id) for r in rows), default=10)
    for r in rows:
        languages = ",".join(r.languages) or "-"
        print(f"{r.id:<{width}}  {languages:<10} {r.role or '-':<10} {r.kind or '-':<12} {r.tech or '-'}")
    print(f"{len(rows)} rules")
    return EXIT_OK


def _test(args: argparse.Namespace) -> int:
    config, ok = _config()
    if not ok:
        return EXIT_ERROR
    files = rule_files(args.paths, builtin=False) if args.paths else rule_files(config.rule_paths)
    rules, errors = load_ruleset(files)
    if errors:
        _print_rule_errors(errors)
        return EXIT_ERROR
    report = run_examples(rules)
    for failure in report.failures:
        print(failure)
    print(f"{report.rules} rules, {report.examples} examples: {len(report.failures)} failed")
    return EXIT_FINDINGS if report.failures else EXIT_OK


def _lsp(args: argparse.Namespace) -> int:
    # imported here: the server and pygls load only for this command
    from flowscan.lsp.server import start

    start()
    return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
