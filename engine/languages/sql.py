"""SQL: no imports; `schema.table` names compared without case; quoted and dollar strings."""

from __future__ import annotations

import re

import tree_sitter as ts
import tree_sitter_sql

from flowscan.languages.base import Adapter, QualifiedName, node_text

# 'abc', E'a\nb', N'…', X'ff', B'01', U&'…' (doubled quotes inside are kept as written)
_QUOTED = re.compile(r"(?:[EeNnXxBb]|[Uu]&)?'(.*)'", re.DOTALL)
# $$…$$ and $tag$…$tag$
_DOLLAR_QUOTED = re.compile(r"\$([A-Za-z_][A-Za-z_0-9]*)?\$(.*)\$\1\$", re.DOTALL)
_IDENTIFIER_QUOTES = ('"', "`")


class Sql(Adapter):
    name = "sql"
    extensions = (".sql",)
    comment_prefix = "--"
    # A fragment is a statement or an expression the grammar accepts as one.
    pattern_contexts = (("", ""),)
    # `literal` covers numbers and booleans too; string_value tells strings apart.
    string_kinds = frozenset({"literal"})
    # `-- …` is a comment, `/* … */` a marginalia.
    comment_kinds = frozenset({"comment", "marginalia"})
    function_kinds = frozenset({"create_function", "program"})

    def __init__(self) -> None:
        super().__init__(ts.Language(tree_sitter_sql.language()))

    def parse(self, source: bytes, old_tree: ts.Tree | None = None) -> ts.Tree:
        prepared = neutralize_jinja(source) if b"{" in source else source
        return self.parser.parse(prepared, old_tree) if old_tree is not None else self.parser.parse(prepared)

    def qualified_name(self, node: ts.Node) -> QualifiedName | None:
        kind = node.type
        if kind == "identifier":
            return (_unquote(node_text(node)),)
        if kind == "object_reference":
            # database.schema.name: every part that is present, in source order
            parts = [c for c in node.named_children if c.type == "identifier"]
            return tuple(_unquote(node_text(c)) for c in parts) or None
        if kind == "field":
            # `u.id`: the table reference (an alias or a name) and the column
            name = node.child_by_field_name("name")
            if name is None:
                return None
            table = next((c for c in node.named_children if c.type == "object_reference"), None)
            head = self.qualified_name(table) if table is not None else ()
            return head + (_unquote(node_text(name)),) if head is not None else None
        return None

    def entity_name(self, node: ts.Node) -> str | None:
        """The table a reference names (`FROM public.orders o` → `public.orders`)."""
        if node.type == "relation":
            # a relation is a table with an optional alias, or a subquery (no name)
            found = next((c for c in node.named_children if c.type == "object_reference"), None)
            if found is None:
                return None
            node = found
        if node.type != "object_reference":
            return None
        name = self.qualified_name(node)
        return ".".join(name) if name else None

    def name_matches(self, pattern: QualifiedName, code: QualifiedName) -> bool:
        # Unquoted SQL names ignore case, and `users` names `public.users`.
        if len(pattern) > len(code):
            return False
        tail = code[len(code) - len(pattern):]
        return all(p.casefold() == c.casefold() for p, c in zip(pattern, tail))

    def string_value(self, node: ts.Node) -> str | None:
        if node.type != "literal":
            return None
        text = node_text(node)
        if match := _QUOTED.fullmatch(text):
            return match.group(1)
        if match := _DOLLAR_QUOTED.fullmatch(text):
            return match.group(2)
        return None  # a number, boolean or NULL


def _unquote(name: str) -> str:
    if len(name) >= 2 and name[0] == name[-1] and name[0] in _IDENTIFIER_QUOTES:
        return name[1:-1]
    return name


# --- dbt / Jinja templates ------------------------------------------------------------------

#: what a Jinja expression that names no table becomes (`{{ var('x') }}`, `{{ this }}`)
JINJA_NAME = "__jinja"
_JINJA = re.compile(rb"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
_REF = re.compile(rb"""\{\{\s*ref\(\s*['"]([^'"]+)['"]\s*(?:,\s*['"]([^'"]+)['"]\s*)?\)\s*\}\}""")
_SOURCE = re.compile(rb"""\{\{\s*source\(\s*['"]([^'"]+)['"]\s*,\s*['"]([^'"]+)['"]\s*\)\s*\}\}""")


def neutralize_jinja(source: bytes) -> bytes:
    """Jinja made into SQL of the same length with the same newlines, so positions hold.

    `{{ ref('orders') }}` becomes the table name `orders`, `{{ source('shop', 'orders') }}`
    becomes `shop.orders`; other expressions become a placeholder identifier, so that
    `where day > {{ var('start') }}` still parses; statements and comments become blanks.
    """

    def replace(match: re.Match[bytes]) -> bytes:
        text = match.group(0)
        name = _template_table(text)
        if name is None:
            standalone = _alone_on_its_lines(source, match.start(), match.end())
            name = JINJA_NAME.encode() if text.startswith(b"{{") and not standalone else b""
        if len(name) > len(text):
            name = name[: len(text)]
        blank = bytes(c if c in b"\r\n" else 0x20 for c in text[len(name):])
        return name + blank

    return _JINJA.sub(replace, source)


def _alone_on_its_lines(source: bytes, start: int, end: int) -> bool:
    """`{{ config(...) }}` on a line of its own is no part of a statement."""
    line_start = source.rfind(b"\n", 0, start) + 1
    line_end = source.find(b"\n", end)
    return not source[line_start:start].strip() and not source[end: None if line_end < 0 else line_end].strip()


def _template_table(text: bytes) -> bytes | None:
    found = _REF.fullmatch(text)
    if found is not None:
        # ref('package', 'model') names the model last
        return found.group(2) or found.group(1)
    found = _SOURCE.fullmatch(text)
    if found is not None:
        return found.group(1) + b"." + found.group(2)
    return None
