"""Structural matching of one pattern node against one code node.

The combined query (see `compiler`) finds candidates in C; this module decides, in
Python, whether a candidate really is an instance of the pattern and what the
metavariables bind. Rules of the game, as in ast-grep's "smart" strictness:
- every named node and every operator/keyword token of the pattern must be matched;
  punctuation (`( ) , ; [ ] { }`) is not compared and unnamed tokens in the code that
  the pattern does not mention are skipped;
- `$X` binds one named node (the same text again where `$X` repeats), `$$$XS` any run
  of nodes, zero included, `$_` anything;
- a plain name in the pattern (`pandas.read_csv`) matches code whose name resolves to
  it through the file's imports; string literals compare by value.
"""

from __future__ import annotations

from typing import Union

import tree_sitter as ts

from flowscan.languages.base import FileNames, node_text
from flowscan.patterns import metavar_of

Binding = Union[ts.Node, tuple[ts.Node, ...]]
Env = dict[str, Binding]

PUNCTUATION = frozenset({"(", ")", ",", ";", "[", "]", "{", "}"})


def binding_text(binding: Binding) -> str:
    if isinstance(binding, tuple):
        return ", ".join(node_text(node) for node in binding)
    return node_text(binding)


class Unifier(FileNames):
    """Matches pattern nodes against the code of one file (names resolved through its imports)."""

    def match(self, pattern: ts.Node, code: ts.Node, env: Env) -> Env | None:
        metavar = metavar_of(pattern)
        if metavar is not None:
            if not code.is_named:
                return None
            return self._bind(metavar.name, code, env)
        adapter = self.adapter
        if pattern.type in adapter.split_callee and code.type == pattern.type:
            return self._match_split_callee(pattern, code, env)
        name = adapter.qualified_name(pattern)
        if name is not None and "__FS" not in "".join(name):
            found = adapter.qualified_name(code)
            if found is None:
                return None
            return env if adapter.name_matches(name, adapter.resolve(found, self.imports)) else None
        if pattern.type in adapter.string_kinds and b"__FS" not in (pattern.text or b""):
            if code.type not in adapter.string_kinds:
                return None
            return env if adapter.string_value(pattern) == adapter.string_value(code) else None
        if pattern.type != code.type:
            return None
        pattern_children = self._significant(pattern)
        if not pattern_children:
            return env if pattern.text == code.text else None
        return self._match_sequence(pattern_children, 0, self._comparable(code), 0, env)

    # --- helpers ---------------------------------------------------------------------

    def _bind(self, name: str, value: Binding, env: Env) -> Env | None:
        if name in ("", "_"):
            return env
        bound = env.get(name)
        if bound is None:
            return {**env, name: value}
        return env if binding_text(bound) == binding_text(value) else None

    def _significant(self, node: ts.Node) -> list[ts.Node]:
        comments = self.adapter.comment_kinds
        return [
            child
            for child in node.children
            if (child.is_named and child.type not in comments)
            or (not child.is_named and child.type not in PUNCTUATION)
        ]

    def _comparable(self, node: ts.Node) -> list[ts.Node]:
        comments = self.adapter.comment_kinds
        return [child for child in node.children if child.type not in comments]

    def _match_sequence(
        self, patterns: list[ts.Node], i: int, code: list[ts.Node], j: int, env: Env
    ) -> Env | None:
        while i < len(patterns):
            pattern = patterns[i]
            metavar = metavar_of(pattern) if pattern.is_named else None
            if metavar is not None and metavar.multi:
                for stop in range(j, len(code) + 1):
                    run = tuple(node for node in code[j:stop] if node.is_named)
                    bound = self._bind(metavar.name, run, env)
                    if bound is None:
                        continue
                    result = self._match_sequence(patterns, i + 1, code, stop, bound)
                    if result is not None:
                        return result
                return None
            if j >= len(code):
                return None
            child = code[j]
            if not pattern.is_named:
                if not child.is_named and child.type == pattern.type:
                    i, j = i + 1, j + 1
                elif not child.is_named:
                    j += 1
                else:
                    return None
                continue
            if not child.is_named:
                j += 1
                continue
            matched = self.match(pattern, child, env)
            if matched is None:
                return None
            env, i, j = matched, i + 1, j + 1
        return env if all(not node.is_named for node in code[j:]) else None

    def _match_split_callee(self, pattern: ts.Node, code: ts.Node, env: Env) -> Env | None:
        """Java's `Obj.method(args)`: the callee name is spread over two fields."""
        object_field, name_field = self.adapter.split_callee[pattern.type]
        p_object = pattern.child_by_field_name(object_field)
        p_name = pattern.child_by_field_name(name_field)
        if p_name is None or metavar_of(p_name) is not None:
            return self._structural(pattern, code, env)
        p_qualified = self.adapter.qualified_name(p_object) if p_object is not None else ()
        if p_qualified is None or "__FS" in "".join(p_qualified):
            return self._structural(pattern, code, env)
        c_object = code.child_by_field_name(object_field)
        c_name = code.child_by_field_name(name_field)
        if c_name is None or c_name.text != p_name.text:
            return None
        c_qualified = self.adapter.qualified_name(c_object) if c_object is not None else ()
        if c_qualified is None:
            return None
        if p_object is not None or c_object is not None:
            wanted = p_qualified + (node_text(p_name),)
            found = self.adapter.resolve(c_qualified + (node_text(c_name),), self.imports)
            if not self.adapter.name_matches(wanted, found):
                return None
        rest_p = [c for c in self._significant(pattern) if c not in (p_object, p_name) and c.type != "."]
        rest_c = [c for c in self._comparable(code) if c not in (c_object, c_name) and c.type != "."]
        return self._match_sequence(rest_p, 0, rest_c, 0, env)

    def _structural(self, pattern: ts.Node, code: ts.Node, env: Env) -> Env | None:
        return self._match_sequence(self._significant(pattern), 0, self._comparable(code), 0, env)

    # --- values, for constraints, messages and entities ---------------------------------

    def is_string(self, binding: Binding) -> bool:
        return not isinstance(binding, tuple) and binding.type in self.adapter.string_kinds

    def value(self, binding: Binding) -> str:
        """A literal's value without quotes; any other node's text."""
        if isinstance(binding, tuple):
            return binding_text(binding)
        if binding.type in self.adapter.string_kinds:
            found = self.adapter.string_value(binding)
            if found is not None:
                return found
        return node_text(binding)
