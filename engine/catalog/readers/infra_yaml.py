"""YAML read as nodes, so that every key keeps its line (compose files, Kubernetes, Spring).

`yaml.compose` keeps anchors as shared nodes instead of copying them, so a file of
aliases (`a: &a [*b, *b]`, `b: &b [*c, *c]`...) costs its size, not 2^n. Merge keys
(`<<: *defaults`), which compose files use to share a service's settings, are resolved
here the way the YAML merge-key spec says: keys written in the mapping win over merged ones.
"""

from __future__ import annotations

from collections.abc import Iterator

import yaml
from attrs import frozen

from flowscan.catalog.files import CatalogFile, Unreadable
from flowscan.catalog.model import Problem

_MERGE_TAG = "tag:yaml.org,2002:merge"
_NULL_TAG = "tag:yaml.org,2002:null"
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@frozen
class Entry:
    """One `key: value` pair of a mapping; `line` is the key's, 1-based."""

    key: str
    value: yaml.Node
    line: int


@frozen
class Documents:
    nodes: tuple[yaml.Node, ...]
    problems: tuple[Problem, ...]


def load_documents(file: CatalogFile, text: str | None = None) -> Documents:
    """Every document of `file` (multi-document YAML for Kubernetes); a syntax error becomes a
    Problem at its line and column, and the documents before it are kept."""
    try:
        text = file.text() if text is None else text
    except Unreadable as error:
        return Documents((), (error.problem,))
    nodes: list[yaml.Node] = []
    try:
        for node in yaml.compose_all(text, Loader=_Loader):
            if node is not None:
                nodes.append(node)
    except yaml.MarkedYAMLError as error:
        return Documents(tuple(nodes), (yaml_problem(file, error),))
    except yaml.YAMLError as error:  # reader errors (control characters) carry a position, not a mark
        return Documents(tuple(nodes), (file.problem(f"not valid YAML: {error}"),))
    return Documents(tuple(nodes), ())


def yaml_problem(file: CatalogFile, error: yaml.MarkedYAMLError) -> Problem:
    mark = error.problem_mark or error.context_mark
    what = ", ".join(part for part in (error.context, error.problem) if part)
    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    return file.problem(f"not valid YAML: {what or 'syntax error'}", line, column)


def line_of(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def column_of(node: yaml.Node) -> int:
    return int(node.start_mark.column) + 1


def is_mapping(node: yaml.Node | None) -> bool:
    return isinstance(node, yaml.MappingNode)


def is_sequence(node: yaml.Node | None) -> bool:
    return isinstance(node, yaml.SequenceNode)


def scalar(node: yaml.Node | None) -> str | None:
    """A scalar's value as written (`5432`, `true`, `orders`); None for null, a mapping or a list."""
    if not isinstance(node, yaml.ScalarNode) or node.tag == _NULL_TAG:
        return None
    return str(node.value)


def entries(node: yaml.Node | None, _merging: frozenset[int] = frozenset()) -> list[Entry]:
    """The pairs of a mapping with scalar keys, merge keys resolved; [] for anything else.

    `x: &x {<<: *x}` merges a mapping into itself: mappings being merged are skipped."""
    if not isinstance(node, yaml.MappingNode) or id(node) in _merging:
        return []
    merged: dict[str, Entry] = {}
    written: dict[str, Entry] = {}
    for key_node, value in node.value:
        if key_node.tag == _MERGE_TAG:
            for source in _merge_sources(value):
                for entry in entries(source, _merging | {id(node)}):
                    merged.setdefault(entry.key, entry)
            continue
        key = scalar(key_node)
        if key is not None:
            written[key] = Entry(key, value, line_of(key_node))
    return list({**merged, **written}.values())


def _merge_sources(value: yaml.Node) -> Iterator[yaml.Node]:
    # `<<: *a` or `<<: [*a, *b]` (the first listed wins, as in the spec)
    if isinstance(value, yaml.MappingNode):
        yield value
    elif isinstance(value, yaml.SequenceNode):
        yield from (item for item in value.value if isinstance(item, yaml.MappingNode))


def get(node: yaml.Node | None, key: str) -> yaml.Node | None:
    return next((entry.value for entry in entries(node) if entry.key == key), None)


def items(node: yaml.Node | None) -> list[yaml.Node]:
    return list(node.value) if isinstance(node, yaml.SequenceNode) else []


def scalars(node: yaml.Node | None) -> list[str]:
    """A list of scalars, or one scalar, as strings (`depends_on: [db]`, `command: x`)."""
    if isinstance(node, yaml.SequenceNode):
        return [value for value in (scalar(item) for item in node.value) if value is not None]
    value = scalar(node)
    return [value] if value is not None else []


@frozen
class Leaf:
    """A scalar at a dotted path of a nested mapping (`spring.datasource.url`)."""

    path: str
    value: str | None
    line: int


class TooLarge(Exception):
    """Flattening would visit too many nodes, nest too deep, or follow an alias into itself (`a: &a [*a]`)."""


#: deeper than any real settings file; far below Python's recursion limit
MAX_DEPTH = 64


def flatten(node: yaml.Node, prefix: str = "", budget: list[int] | None = None,
            _active: frozenset[int] = frozenset()) -> Iterator[Leaf]:
    """Every scalar under `node` with its dotted path; lists as `key[0]`. Raises TooLarge past 20,000
    nodes, 64 levels, or on a cycle of aliases."""
    budget = budget if budget is not None else [20_000]
    budget[0] -= 1
    if budget[0] < 0 or len(_active) > MAX_DEPTH or id(node) in _active:
        raise TooLarge()
    active = _active | {id(node)}
    if isinstance(node, yaml.MappingNode):
        for entry in entries(node):
            path = f"{prefix}.{entry.key}" if prefix else entry.key
            if isinstance(entry.value, yaml.ScalarNode):
                budget[0] -= 1
                yield Leaf(path, scalar(entry.value), entry.line)
            else:
                yield from flatten(entry.value, path, budget, active)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            path = f"{prefix}[{index}]"
            if isinstance(item, yaml.ScalarNode):
                budget[0] -= 1
                yield Leaf(path, scalar(item), line_of(item))
            else:
                yield from flatten(item, path, budget, active)
    elif prefix:
        yield Leaf(prefix, scalar(node), line_of(node))
