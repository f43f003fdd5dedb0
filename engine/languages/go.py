"""Go: an import binds a package name to its whole path, and the name is guessed from the path."""

from __future__ import annotations

import re

import tree_sitter as ts
import tree_sitter_go

from flowscan.languages.base import Adapter, Imports, QualifiedName, node_text

_MAJOR_VERSION = re.compile(r"v[0-9]+")
_DOT_VERSION = re.compile(r"\.v[0-9]+$")  # gopkg.in/yaml.v3


class Go(Adapter):
    name = "go"
    extensions = (".go",)
    comment_prefix = "//"
    # Most patterns are statements or expressions, so a function body comes first; a
    # declaration (`func $F(...)`, `type $T struct`) fails there and parses at package level.
    pattern_contexts = (("package p\nfunc _() {\n", "\n}"), ("package p\n", ""), ("", ""))
    string_kinds = frozenset({"interpreted_string_literal", "raw_string_literal"})
    callees = {"call_expression": "function"}
    bindings = {
        "short_var_declaration": ("left", "right"),
        "assignment_statement": ("left", "right"),
        "var_spec": ("name", "value"),
        "const_spec": ("name", "value"),
        "range_clause": ("left", "right"),
    }
    comment_kinds = frozenset({"comment"})
    function_kinds = frozenset(
        {"function_declaration", "method_declaration", "func_literal", "source_file"}
    )

    def __init__(self) -> None:
        super().__init__(ts.Language(tree_sitter_go.language()))

    def imports(self, root: ts.Node) -> Imports:
        table: Imports = {}
        for declaration in root.children:
            if declaration.type != "import_declaration":
                continue
            for child in declaration.named_children:
                specs = child.named_children if child.type == "import_spec_list" else [child]
                for spec in specs:
                    if spec.type == "import_spec":
                        self._bind(spec, table)
        return table

    def _bind(self, spec: ts.Node, table: Imports) -> None:
        path_node = spec.child_by_field_name("path")
        path = self.string_value(path_node) if path_node is not None else None
        if not path:
            return
        alias = spec.child_by_field_name("name")
        if alias is None:
            table[package_name(path)] = (path,)
        elif alias.type == "package_identifier":
            table[node_text(alias)] = (path,)
        # `. "fmt"` and `_ "github.com/lib/pq"` bind no name a pattern could spell

    def qualified_name(self, node: ts.Node) -> QualifiedName | None:
        kind = node.type
        if kind in ("identifier", "type_identifier", "package_identifier", "field_identifier"):
            return (node_text(node),)
        if kind == "selector_expression":
            operand = node.child_by_field_name("operand")
            field = node.child_by_field_name("field")
            if operand is None or field is None:
                return None
            head = self.qualified_name(operand)
            return head + (node_text(field),) if head else None
        if kind == "qualified_type":
            package = node.child_by_field_name("package")
            name = node.child_by_field_name("name")
            if package is None or name is None:
                return None
            return (node_text(package), node_text(name))
        if kind == "generic_type":
            # `List[int]` names `List`; the type arguments are not part of the name
            base = node.child_by_field_name("type")
            return self.qualified_name(base) if base is not None else None
        return None

    def name_matches(self, pattern: QualifiedName, code: QualifiedName) -> bool:
        # An import resolves `sql.Open` to ("database/sql", "Open"), but a pattern spells
        # the package by its name: compare the pattern's package with the path's name.
        if not pattern or len(pattern) != len(code) or pattern[1:] != code[1:]:
            return False
        return pattern[0] == code[0] or pattern[0] == package_name(code[0])

    def string_value(self, node: ts.Node) -> str | None:
        if node.type not in self.string_kinds or len(node.children) < 2:
            return None
        start, end = node.children[0], node.children[-1]
        text = node.text or b""
        return text[start.end_byte - node.start_byte: end.start_byte - node.start_byte].decode(
            "utf-8", "replace"
        )


def package_name(path: str) -> str:
    """The name an unaliased import binds, guessed from its path (the package declares it).

    `github.com/jackc/pgx/v5` → `pgx`, `gopkg.in/yaml.v3` → `yaml`,
    `github.com/segmentio/kafka-go` → `kafka`, `github.com/redis/go-redis/v9` → `redis`.
    """
    segments = path.split("/")
    if len(segments) > 1 and _MAJOR_VERSION.fullmatch(segments[-1]):
        segments.pop()
    base = _DOT_VERSION.sub("", segments[-1])
    if base.startswith("go-"):
        base = base[3:]
    if base.endswith("-go"):
        base = base[:-3]
    return base.replace("-", "").replace(".", "") or base
