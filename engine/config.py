"""Project configuration: `flowscan.toml`, or `[tool.flowscan]` in `pyproject.toml`.

Loading never raises on a bad file: every problem becomes an error string naming the
file, the line when it can be found, and the key, so the CLI can print them all at once.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from attrs import field, frozen

from flowscan.grammar.model import SEVERITIES

DEFAULT_MAX_FILE_SIZE = 2_000_000
CONFIG_FILE = "flowscan.toml"
PYPROJECT_FILE = "pyproject.toml"


@frozen
class Config:
    """What a project asks of a scan. The defaults are what a project without a config gets.

    `path` is the file the config came from (None for the defaults); include/exclude
    globs are relative to its directory, so a scan started in a subdirectory reads
    them the way the project wrote them.
    """

    rule_paths: tuple[str, ...] = ()
    enable: tuple[str, ...] = ()
    disable: tuple[str, ...] = ()
    severity: dict[str, str] = field(factory=dict)
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    fail_on: str | None = None
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    jobs: int | None = None
    path: Path | None = None

    @property
    def base_dir(self) -> Path:
        """The directory include/exclude globs are relative to."""
        return self.path.parent if self.path is not None else Path.cwd()

    def rule_enabled(self, rule_id: str) -> bool:
        """Enabled when `enable` is empty or a glob matches it, and no `disable` glob does.

        `disable` wins over `enable`, so `enable = ["python.*"]` with
        `disable = ["python.debug-*"]` reads as it would in English.
        """
        if self.enable and not any(fnmatchcase(rule_id, glob) for glob in self.enable):
            return False
        return not any(fnmatchcase(rule_id, glob) for glob in self.disable)

    def severity_for(self, rule_id: str, default: str) -> str:
        """The configured severity: an exact rule id first, else the most specific glob.

        "Most specific" is the longest pattern, ties going to the one written first:
        `"python.*" = "info"` and `"python.psycopg2-*" = "error"` do what one expects
        whatever their order in the file.
        """
        if rule_id in self.severity:
            return self.severity[rule_id]
        best: tuple[int, str] | None = None
        for glob, severity in self.severity.items():
            if fnmatchcase(rule_id, glob) and (best is None or len(glob) > best[0]):
                best = (len(glob), severity)
        return best[1] if best is not None else default


# --- loading -----------------------------------------------------------------------


def load_config(start: Path) -> tuple[Config, list[str]]:
    """Find and read the config that governs `start` (a directory or a file in one).

    Looks in `start` and then each ancestor for `flowscan.toml` or a `pyproject.toml`
    with a `[tool.flowscan]` table; the nearest wins, and in one directory
    `flowscan.toml` wins. A pyproject.toml without the table does not stop the search
    (a sub-package's pyproject should not hide the repository's settings).
    Returns the defaults and no errors when nothing is found.
    """
    directory = start.absolute()
    if not directory.is_dir():
        directory = directory.parent
    for candidate in (directory, *directory.parents):
        dedicated = candidate / CONFIG_FILE
        if dedicated.is_file():
            return _load_file(dedicated, section=None)
        pyproject = candidate / PYPROJECT_FILE
        if pyproject.is_file() and _mentions_flowscan(pyproject):
            return _load_file(pyproject, section=("tool", "flowscan"))
    return Config(), []


def _mentions_flowscan(pyproject: Path) -> bool:
    # A cheap text test before parsing: most pyproject.toml files have no [tool.flowscan],
    # and an unparsable one that does not mention us is none of our business.
    try:
        return "tool.flowscan" in pyproject.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False


def _load_file(path: Path, section: tuple[str, ...] | None) -> tuple[Config, list[str]]:
    shown = _display(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return Config(path=path), [f"{shown}: cannot read: {error}"]
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        return Config(path=path), [_toml_error(shown, error)]

    table: Any = document
    for name in section or ():
        table = table.get(name) if isinstance(table, dict) else None
    if table is None:
        return Config(path=path), []
    locate = _Locator(text, section)
    if not isinstance(table, dict):
        return Config(path=path), [f"{_at(shown, locate('flowscan'))}: 'tool.flowscan' must be a table"]
    return _parse_table(table, path, shown, locate)


def _parse_table(
    table: Mapping[str, Any], path: Path, shown: str, locate: _Locator
) -> tuple[Config, list[str]]:
    errors: list[str] = []
    values: dict[str, Any] = {}
    for key, value in table.items():
        where = _at(shown, locate(key))
        spec = _KEYS.get(key)
        if spec is None:
            errors.append(f"{where}: unknown key '{key}'{_suggest(key)}")
            continue
        attribute, convert = spec
        if attribute in values:
            errors.append(f"{where}: '{key}' repeats a setting already given (rule-paths and rules are one key)")
            continue
        problem, converted = convert(value)
        if problem is not None:
            errors.append(f"{where}: '{key}' {problem}")
            continue
        values[attribute] = converted

    if "rule_paths" in values:
        # Rule paths mean the same thing wherever the scan is started from.
        values["rule_paths"] = tuple(
            os.path.normpath(path.parent / os.path.expanduser(rule_path))
            for rule_path in values["rule_paths"]
        )
    return Config(path=path, **values), errors


# Each converter returns (problem, value): a problem is the end of "'key' ...".
_Converter = Callable[[Any], tuple[str | None, Any]]


def _string_list(value: Any) -> tuple[str | None, Any]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        return f"must be a list of strings, not {_describe(value)}", None
    return None, tuple(value)


def _severity_name(value: Any) -> tuple[str | None, Any]:
    if not isinstance(value, str) or value not in SEVERITIES:
        return f"must be one of {', '.join(SEVERITIES)}, not {_describe(value)}", None
    return None, value


def _severity_table(value: Any) -> tuple[str | None, Any]:
    if not isinstance(value, dict):
        return f"must be a table of rule id (or glob) = severity, not {_describe(value)}", None
    for rule, severity in value.items():
        if not isinstance(severity, str) or severity not in SEVERITIES:
            return (
                f"gives '{rule}' the severity {_describe(severity)}; expected one of {', '.join(SEVERITIES)}",
                None,
            )
    return None, dict(value)


def _positive_int(value: Any) -> tuple[str | None, Any]:
    # bool is an int in Python; `jobs = true` is a mistake, not 1.
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        return f"must be a positive integer, not {_describe(value)}", None
    return None, value


_KEYS: dict[str, tuple[str, _Converter]] = {
    "rule-paths": ("rule_paths", _string_list),
    "rules": ("rule_paths", _string_list),
    "enable": ("enable", _string_list),
    "disable": ("disable", _string_list),
    "severity": ("severity", _severity_table),
    "include": ("include", _string_list),
    "exclude": ("exclude", _string_list),
    "fail-on": ("fail_on", _severity_name),
    "max-file-size": ("max_file_size", _positive_int),
    "jobs": ("jobs", _positive_int),
}


def _suggest(key: str) -> str:
    # `rule_paths` and `fail_on` are the likely slips: TOML keys here use dashes.
    dashed = key.replace("_", "-")
    if dashed in _KEYS:
        return f" (did you mean '{dashed}'?)"
    close = difflib.get_close_matches(key, list(_KEYS), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _describe(value: Any) -> str:
    kind = {str: "a string", bool: "a boolean", int: "an integer", float: "a number",
            list: "an array", dict: "a table"}.get(type(value), type(value).__name__)
    shown = repr(value)
    return f"{kind} ({shown})" if len(shown) <= 40 and not isinstance(value, (list, dict)) else kind


class _Locator:
    """Finds the line a key is written on, by scanning the text (tomllib keeps no positions).

    Good enough for error messages: it looks for `key =` (bare or quoted) inside our
    section, and for a `[...severity]` style sub-table header; None means "not found",
    and the message then names the file alone.
    """

    def __init__(self, text: str, section: tuple[str, ...] | None) -> None:
        self._lines = text.splitlines()
        self._start, self._end = self._section_bounds(section)

    def __call__(self, key: str) -> int | None:
        escaped = re.escape(key)
        # `key =` or the dotted form `key.sub =`, bare or quoted.
        assignment = re.compile(rf"""^\s*(?:{escaped}|"{escaped}"|'{escaped}')\s*[=.]""")
        header = re.compile(rf"""^\s*\[\s*(?:[\w.-]+\.)?(?:{escaped}|"{escaped}")\s*\]""")
        for number in range(self._start, self._end):
            line = self._lines[number]
            if assignment.match(line) or header.match(line):
                return number + 1
        return None

    def _section_bounds(self, section: tuple[str, ...] | None) -> tuple[int, int]:
        if section is None:
            return 0, len(self._lines)
        name = re.escape(".".join(section))
        start_re = re.compile(rf"^\s*\[\s*{name}(?:\.[\w.\"'-]+)?\s*\]")
        start = None
        for number, line in enumerate(self._lines):
            if start is None and start_re.match(line):
                start = number
            elif start is not None and line.lstrip().startswith("[") and not start_re.match(line):
                return start, number
        return (start if start is not None else 0), len(self._lines)


_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")


def _toml_error(shown: str, error: tomllib.TOMLDecodeError) -> str:
    # tomllib puts the position at the end of its message; move it to the front,
    # where editors and terminals look for `file:line:column`.
    message = str(error)
    position = _TOML_POSITION.search(message)
    if position is None:
        return f"{shown}: invalid TOML: {message}"
    line, column = position.groups()
    return f"{shown}:{line}:{column}: invalid TOML: {message[: position.start()]}"


def _at(shown: str, line: int | None) -> str:
    return f"{shown}:{line}" if line is not None else shown


def _display(path: Path) -> str:
    try:
        return path.absolute().relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path.as_posix()
