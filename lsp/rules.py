"""The rules the server runs: loaded exactly as `flowscan scan` loads them.

The project's config (`flowscan.toml` or `[tool.flowscan]`) is found from the workspace
root; the client's settings add rule paths and severities as `--rules` and the config's
`severity` table would, and may turn the built-in rules off (`--no-builtin`).
"""

from __future__ import annotations

import os
from pathlib import Path

import attrs
from attrs import field, frozen

from flowscan.compiler import RuleSet
from flowscan.config import Config, load_config
from flowscan.grammar.model import Pack, Rule, RuleError
from flowscan.lsp.settings import Settings
from flowscan.scanner import load_packs, load_ruleset, rule_files


@frozen
class LoadedRules:
    ruleset: RuleSet
    config: Config
    files: tuple[Path, ...]
    errors: tuple[RuleError, ...]
    config_errors: tuple[str, ...]
    #: bumped on every load, so that an analysis knows which rules made it
    generation: int
    _packs: list[list[Pack]] = field(factory=list, init=False, eq=False, repr=False)
    _rules: dict[str, Rule] = field(factory=dict, init=False, eq=False, repr=False)

    def rule(self, rule_id: str) -> Rule | None:
        if not self._rules:
            self._rules.update((compiled.rule.id, compiled.rule) for compiled in self.ruleset.rules)
        return self._rules.get(rule_id)

    def packs(self) -> list[Pack]:
        """The parsed packs (for checking a rule file against the others); parsed once, on first use."""
        if not self._packs:
            self._packs.append(load_packs(self.files)[0])
        return self._packs[0]

    def is_rule_file(self, path: Path) -> bool:
        resolved = path.resolve()
        return any(file.resolve() == resolved for file in self.files)


def load_rules(root: Path | None, settings: Settings, generation: int) -> LoadedRules:
    config, config_errors = load_config(root or Path.cwd())
    if settings.severity:
        config = attrs.evolve(config, severity={**config.severity, **settings.severity})
    extra = [_absolute(path, root) for path in settings.rules]
    files = rule_files([*map(str, config.rule_paths), *extra], builtin=settings.builtin_rules)
    ruleset, errors = load_ruleset(files, config)
    return LoadedRules(ruleset, config, tuple(files), tuple(errors), tuple(config_errors), generation)


def _absolute(path: str, root: Path | None) -> str:
    """A settings path: `~` expanded, relative ones taken from the workspace root."""
    expanded = Path(os.path.expanduser(path))
    return str(expanded if expanded.is_absolute() or root is None else root / expanded)


def error_path(error: RuleError) -> Path:
    return Path(error.path).resolve()
