"""The one interface every language adapter implements.

An adapter tells the engine what it cannot learn from a grammar alone: how to wrap a
pattern fragment so it parses, which nodes are names and how imports rename them, which
nodes are strings and what their value is, and where statements and functions begin.
"""

from __future__ import annotations

from functools import cached_property
from typing import ClassVar

import tree_sitter as ts

QualifiedName = tuple[str, ...]
Imports = dict[str, QualifiedName]


class Adapter:
    name: ClassVar[str]
    extensions: ClassVar[tuple[str, ...]]
    comment_prefix: ClassVar[str]
    #: (prefix, suffix) pairs tried in order to make a pattern fragment parse
    pattern_contexts: ClassVar[tuple[tuple[str, str], ...]] = (("", ""),)
    string_kinds: ClassVar[frozenset[str]] = frozenset()
    comment_kinds: ClassVar[frozenset[str]] = frozenset({"comment"})
    #: nodes whose children are statements in order (for `follows` / `precedes`)
    function_kinds: ClassVar[frozenset[str]] = frozenset()
    #: call kinds → the field holding what is called: in code, its name is followed by `(`
    callees: ClassVar[dict[str, str]] = {}
    #: call kinds whose callee is spread over several fields (Java `object.name(...)`)
    split_callee: ClassVar[dict[str, tuple[str, str]]] = {}
    #: nodes that bind names to a value (`x = ...`, `for row in rows`, `const X = ...`): node
    #: kind → (field of the names, field of the value; "" when the value is the first child)
    bindings: ClassVar[dict[str, tuple[str, str]]] = {}
    #: names conventionally bound without an import the file shows (`pd` for pandas)
    conventional_aliases: ClassVar[Imports] = {}

    def __init__(self, language: ts.Language) -> None:
        self.language = language

    @cached_property
    def parser(self) -> ts.Parser:
        return ts.Parser(self.language)

    def parse(self, source: bytes, old_tree: ts.Tree | None = None) -> ts.Tree:
        """Parse; with `old_tree` (already `Tree.edit`-ed), tree-sitter reuses what did not change."""
        return self.parser.parse(source, old_tree) if old_tree is not None else self.parser.parse(source)

    # --- names ---------------------------------------------------------------------

    def imports(self, root: ts.Node) -> Imports:
        """Local name → qualified name, from the import statements of a file."""
        return {}

    def qualified_name(self, node: ts.Node) -> QualifiedName | None:
        """The segments of a node that is a plain (possibly dotted) name, else None."""
        return None

    def resolve(self, name: QualifiedName, imports: Imports) -> QualifiedName:
        target = imports.get(name[0]) or self.conventional_aliases.get(name[0])
        return target + name[1:] if target else name

    def name_matches(self, pattern: QualifiedName, code: QualifiedName) -> bool:
        """Whether a resolved name in code is the name a pattern spells."""
        return pattern == code

    # --- literals ------------------------------------------------------------------

    def string_value(self, node: ts.Node) -> str | None:
        """The value of a string literal without quotes (escapes kept), else None."""
        return None

    def binding(self, node: ts.Node) -> tuple[ts.Node, ts.Node] | None:
        """The names and the value a binding node binds, else None."""
        fields = self.bindings.get(node.type)
        if fields is None:
            return None
        names = node.child_by_field_name(fields[0])
        value = node.child_by_field_name(fields[1]) if fields[1] else (node.named_children or [None])[0]
        if names is None or value is None or value == names:
            return None
        return names, value

    def entity_name(self, node: ts.Node) -> str | None:
        """A name that is itself an entity (an SQL table reference); host languages have none."""
        return None


def node_text(node: ts.Node) -> str:
    text = node.text
    return text.decode("utf-8", "replace") if text is not None else ""


def suffix_matches(pattern: QualifiedName, code: QualifiedName) -> bool:
    """`File::open` names `std::fs::File::open`: a pattern may leave out leading segments."""
    return len(pattern) <= len(code) and code[len(code) - len(pattern):] == pattern


class FileNames:
    """The names a file imports, read from its tree once and only when first asked for
    (the matcher resolves names through them, the log check asks where a logger comes from)."""

    def __init__(self, adapter: Adapter, root: ts.Node) -> None:
        self.adapter = adapter
        self.root = root
        self._imports: Imports | None = None

    @property
    def imports(self) -> Imports:
        if self._imports is None:
            self._imports = self.adapter.imports(self.root)
        return self._imports
