"""Java: single-type and static imports, dotted names, `object.name(...)` calls."""

from __future__ import annotations

import tree_sitter as ts
import tree_sitter_java

from flowscan.languages.base import Adapter, Imports, QualifiedName, node_text, suffix_matches

_METHOD_BODY = "class _C {\nvoid _m() {\n"


class Java(Adapter):
    name = "java"
    extensions = (".java",)
    comment_prefix = "//"
    # An expression needs a `;` to be a statement (a block or an `if` takes an empty one).
    # Methods only parse in a class body, and an annotation alone only before a declaration.
    # The grammar accepts any declaration as a statement, so a field pattern (`@Autowired
    # private $T $F;`) parses in the method body first, as a local_variable_declaration.
    pattern_contexts = (
        (_METHOD_BODY, ";\n}\n}"),
        (_METHOD_BODY, "\n}\n}"),
        ("class _C {\n", "\n}"),
        ("", ""),
        ("", "\nclass _C {}"),
    )
    # Text blocks (`"""…"""`) are string_literal nodes too in this grammar.
    string_kinds = frozenset({"string_literal"})
    callees = {"method_invocation": "name", "object_creation_expression": "type"}
    bindings = {
        "variable_declarator": ("name", "value"),
        "assignment_expression": ("left", "right"),
        "enhanced_for_statement": ("name", "value"),
    }
    comment_kinds = frozenset({"line_comment", "block_comment"})
    function_kinds = frozenset(
        {
            "method_declaration",
            "constructor_declaration",
            "compact_constructor_declaration",
            "static_initializer",
            "lambda_expression",
            "program",
        }
    )
    # `DriverManager.getConnection(url)` has no callee node: the name is object + name.
    split_callee = {"method_invocation": ("object", "name")}

    def __init__(self) -> None:
        super().__init__(ts.Language(tree_sitter_java.language()))

    def imports(self, root: ts.Node) -> Imports:
        table: Imports = {}
        for declaration in root.children:
            if declaration.type != "import_declaration" or declaration.has_error:
                continue
            if any(child.type == "asterisk" for child in declaration.children):
                continue  # `import java.sql.*;` names no single binding
            for child in declaration.named_children:
                if child.type in ("scoped_identifier", "identifier"):
                    name = self.qualified_name(child)
                    if name:
                        # `import static a.B.m;` binds `m` exactly as `import a.B;` binds `B`
                        table[name[-1]] = name
        return table

    def qualified_name(self, node: ts.Node) -> QualifiedName | None:
        kind = node.type
        if kind in ("identifier", "type_identifier", "this", "super"):
            return (node_text(node),)
        if kind == "field_access":
            obj, field = node.child_by_field_name("object"), node.child_by_field_name("field")
            return self._chain(obj, field)
        if kind == "scoped_identifier":
            scope, name = node.child_by_field_name("scope"), node.child_by_field_name("name")
            return self._chain(scope, name)
        if kind == "scoped_type_identifier":
            # `java.util.ArrayList`: no fields, the parts are its named children (annotations
            # such as `java.util.@NonNull List` are not part of the name)
            parts = [c for c in node.named_children if c.type in _TYPE_NAME_KINDS]
            if len(parts) < 2:
                return None
            return self._chain(parts[0], parts[-1])
        if kind == "generic_type":
            # `KafkaConsumer<String, String>` names `KafkaConsumer`
            base = next((c for c in node.named_children if c.type in _TYPE_NAME_KINDS), None)
            return self.qualified_name(base) if base is not None else None
        # method_invocation: the engine joins `object` and `name` itself (split_callee)
        return None

    def _chain(self, head: ts.Node | None, last: ts.Node | None) -> QualifiedName | None:
        if head is None or last is None:
            return None
        prefix = self.qualified_name(head)
        return prefix + (node_text(last),) if prefix else None

    def name_matches(self, pattern: QualifiedName, code: QualifiedName) -> bool:
        # `DriverManager.getConnection` names `java.sql.DriverManager.getConnection`
        return suffix_matches(pattern, code)

    def string_value(self, node: ts.Node) -> str | None:
        if node.type != "string_literal" or len(node.children) < 2:
            return None
        start, end = node.children[0], node.children[-1]
        if start.is_named or end.is_named:
            return None
        text = node.text or b""
        return text[start.end_byte - node.start_byte: end.start_byte - node.start_byte].decode(
            "utf-8", "replace"
        )


_TYPE_NAME_KINDS = frozenset({"type_identifier", "scoped_type_identifier"})
