"""Settings the repository shows: what an env var or a config key is set to.

Code often names its data indirectly — `os.environ["ORDERS_TOPIC"]`,
`@KafkaListener(topics = "${orders.topic}")` — while the value sits in the repository:
`.env` files, `docker-compose*.yml` environments, Spring `application.properties` /
`application.yml`, `settings.py` constants. Those values are read once per scan, so that
an entity written through an indirection still joins the map where it belongs.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterable

import yaml

_SKIP_DIRS = frozenset({".git", ".venv", "venv", "node_modules", "__pycache__", "target", "build", "dist", ".flowscan-cache"})
_MAX_FILES = 200
_MAX_BYTES = 256_000
_ASSIGNMENT = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.\-]*)\s*[=:]\s*(.*?)\s*$")
_PY_CONSTANT = re.compile(r"""^([A-Z][A-Z0-9_]*)\s*(?::\s*str\s*)?=\s*(["'])(.*?)\2\s*(?:#.*)?$""")
_PLACEHOLDER = re.compile(r"^\$\{([^}:]+)(?::([^}]*))?\}$")


def load_settings(roots: Iterable[Path]) -> dict[str, str]:
    """Setting name → value, from the settings files under `roots` (first one found wins)."""
    values: dict[str, str] = {}
    for path in _settings_files(roots):
        try:
            text = path.read_text(encoding="utf-8", errors="replace")[:_MAX_BYTES]
        except OSError:
            continue
        for key, value in _read(path, text):
            if value and key not in values:
                values[key] = value
    return values


def resolve_placeholder(text: str, settings: dict[str, str]) -> str | None:
    """`${orders.topic}` or `${ORDERS_TOPIC:orders}`: the setting's value, else the default."""
    match = _PLACEHOLDER.match(text.strip())
    if match is None:
        return None
    return settings.get(match.group(1)) or match.group(2) or None


def _settings_files(roots: Iterable[Path]) -> list[Path]:
    found: list[Path] = []
    for root in roots:
        if root.is_file():
            continue
        stack = [root]
        while stack and len(found) < _MAX_FILES:
            folder = stack.pop()
            try:
                entries = sorted(folder.iterdir())
            except OSError:
                continue
            for entry in entries:
                if entry.is_dir() and not entry.is_symlink():
                    if entry.name not in _SKIP_DIRS:
                        stack.append(entry)
                elif _is_settings_file(entry.name):
                    found.append(entry)
    return found


def _is_settings_file(name: str) -> bool:
    return (
        name == ".env"
        or name.startswith(".env.")
        or name.endswith(".env")
        or (name.startswith("docker-compose") and name.endswith((".yml", ".yaml")))
        or (name.startswith("compose") and name.endswith((".yml", ".yaml")))
        or (name.startswith("application") and name.endswith((".properties", ".yml", ".yaml")))
        or name == "settings.py"
    )


def _read(path: Path, text: str) -> Iterable[tuple[str, str]]:
    name = path.name
    if name.endswith(".py"):
        for line in text.splitlines():
            match = _PY_CONSTANT.match(line)
            if match:
                yield match.group(1), match.group(3)
    elif name.endswith((".yml", ".yaml")):
        yield from _read_yaml(name, text)
    else:  # .env and .properties: KEY=value lines
        for line in text.splitlines():
            if line.lstrip().startswith(("#", "!")):
                continue
            match = _ASSIGNMENT.match(line)
            if match:
                yield match.group(1), match.group(2).strip("'\"")


def _read_yaml(name: str, text: str) -> Iterable[tuple[str, str]]:
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError:
        return
    if not isinstance(document, dict):
        return
    if "services" in document and isinstance(document["services"], dict):
        for service in document["services"].values():
            environment = service.get("environment") if isinstance(service, dict) else None
            if isinstance(environment, dict):
                yield from ((str(k), str(v)) for k, v in environment.items() if v is not None)
            elif isinstance(environment, list):
                for item in environment:
                    if isinstance(item, str) and "=" in item:
                        key, _, value = item.partition("=")
                        yield key.strip(), value.strip()
        return
    yield from _flatten(document, "")  # Spring's application.yml: dotted keys


def _flatten(node: Any, prefix: str) -> Iterable[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _flatten(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(node, (str, int, float)) and not isinstance(node, bool):
        yield prefix, str(node)
