"""Client settings: the `flowscan` section of `initializationOptions` or of the editor's settings.

Keys (camelCase, as VS Code writes settings; nested objects or dotted keys alike):

    rules                 list of extra .fsr files or folders (as `flowscan scan --rules`)
    builtinRules          load the built-in rules (default true; false = `--no-builtin`)
    severity              {rule id or glob: severity}, over the project config's
    minimumSeverity       findings below it get no diagnostic (default "hint": all)
    diagnostics.workspace publish diagnostics for files that are not open (default false)
    workspaceScan         scan the workspace in the background on start (default true)
    scaffold.target       "prefect" or "airflow": the pipeline the scaffold action writes
    scaffold.directory    folder of the workspace it writes into (default "pipelines")

Wrong values are reported (logged), never fatal: the previous value is kept. Other keys
are left alone: the editor keeps its own settings (the server's path...) in the section.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs
from attrs import field, frozen

from flowscan.grammar.model import SEVERITIES
from flowscan.scaffold import TARGETS

SECTION = "flowscan"


@frozen
class Settings:
    rules: tuple[str, ...] = ()
    builtin_rules: bool = True
    severity: dict[str, str] = field(factory=dict)
    minimum_severity: str = "hint"
    workspace_diagnostics: bool = False
    workspace_scan: bool = True
    scaffold_target: str = "prefect"
    scaffold_directory: str = "pipelines"

    def rules_differ(self, other: Settings) -> bool:
        """Whether going from `other` to these settings needs the rules loaded again."""
        return (self.rules, self.builtin_rules, self.severity) != (other.rules, other.builtin_rules, other.severity)


def _flatten(raw: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in raw.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and name not in ("severity",):
            flat.update(_flatten(value, name + "."))
        else:
            flat[name] = value
    return flat


def _strings(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(value)
    return None


def parse_settings(raw: Any, base: Settings | None = None) -> tuple[Settings, list[str]]:
    """Settings from a client's object: either `{"flowscan": {...}}` or the section itself."""
    settings = base or Settings()
    if raw is None:
        return settings, []
    if not isinstance(raw, Mapping):
        return settings, [f"flowscan settings must be an object, not {type(raw).__name__}"]
    if isinstance(raw.get(SECTION), Mapping):
        raw = raw[SECTION]
    values: dict[str, Any] = {}
    problems: list[str] = []
    for key, value in _flatten(raw).items():
        key = key.removeprefix(f"{SECTION}.")
        if value is None:
            continue
        if key == "rules":
            paths = _strings(value)
            if paths is None:
                problems.append("flowscan.rules must be a list of paths")
            else:
                values["rules"] = paths
        elif key in ("builtinRules", "diagnostics.workspace", "workspaceScan"):
            if not isinstance(value, bool):
                problems.append(f"flowscan.{key} must be true or false")
            else:
                values[{"builtinRules": "builtin_rules", "diagnostics.workspace": "workspace_diagnostics",
                        "workspaceScan": "workspace_scan"}[key]] = value  # fmt: skip
        elif key == "severity":
            if not isinstance(value, Mapping) or not all(v in SEVERITIES for v in value.values()):
                problems.append(f"flowscan.severity must map rule ids (or globs) to one of {', '.join(SEVERITIES)}")
            else:
                values["severity"] = dict(value)
        elif key == "minimumSeverity":
            if value not in SEVERITIES:
                problems.append(f"flowscan.minimumSeverity must be one of {', '.join(SEVERITIES)}")
            else:
                values["minimum_severity"] = value
        elif key == "scaffold.target":
            if value not in TARGETS:
                problems.append(f"flowscan.scaffold.target must be one of {', '.join(TARGETS)}")
            else:
                values["scaffold_target"] = value
        elif key == "scaffold.directory":
            if not isinstance(value, str) or not value.strip():
                problems.append("flowscan.scaffold.directory must be a folder name")
            else:
                values["scaffold_directory"] = value
        # other keys are the editor's own (the server's path, its interpreter, tracing)
    return attrs.evolve(settings, **values), problems
