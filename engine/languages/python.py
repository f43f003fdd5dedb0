"""Python: `import a.b as c`, `from a import b as c`, dotted attribute names, string prefixes."""

from __future__ import annotations

import tree_sitter as ts
import tree_sitter_python

from flowscan.languages.base import Adapter, Imports, QualifiedName, node_text


class Python(Adapter):
    name = "python"
    extensions = (".py", ".pyi")
    comment_prefix = "#"
    # a decorator alone does not parse: give it something to decorate
    pattern_contexts = (("", ""), ("", "\ndef __fs_decorated():\n    pass"))
    string_kinds = frozenset({"string", "concatenated_string"})
    callees = {"call": "function"}
    # a backslash continuation is a node inside expressions: as invisible as a comment
    comment_kinds = frozenset({"comment", "line_continuation"})
    bindings = {
        "assignment": ("left", "right"),
        "augmented_assignment": ("left", "right"),
        "for_statement": ("left", "right"),
        "as_pattern": ("alias", ""),
    }
    function_kinds = frozenset({"function_definition", "lambda", "module"})
    # Scripts and notebooks lean on these so often that an unseen import is the exception.
    conventional_aliases = {"pd": ("pandas",), "np": ("numpy",), "pl": ("polars",)}

    def __init__(self) -> None:
        super().__init__(ts.Language(tree_sitter_python.language()))

    def imports(self, root: ts.Node) -> Imports:
        table: Imports = {}
        for statement in root.children:
            if statement.type == "import_statement":
                for item in statement.named_children:
                    self._bind_module(item, table)
            elif statement.type == "import_from_statement":
                self._bind_from(statement, table)
            elif statement.type in ("if_statement", "try_statement"):
                # `try: import ujson as json / except ImportError: import json`
                for block in _descendants_of_type(statement, "block"):
                    for inner in block.children:
                        if inner.type == "import_statement":
                            for item in inner.named_children:
                                self._bind_module(item, table)
                        elif inner.type == "import_from_statement":
                            self._bind_from(inner, table)
        return table

    def _bind_module(self, item: ts.Node, table: Imports) -> None:
        if item.type == "aliased_import":
            module = item.child_by_field_name("name")
            alias = item.child_by_field_name("alias")
            if module is not None and alias is not None:
                table[node_text(alias)] = tuple(node_text(module).split("."))
        elif item.type == "dotted_name":
            # `import os.path` binds `os`, which already resolves to itself
            first = node_text(item).split(".")[0]
            table.setdefault(first, (first,))

    def _bind_from(self, statement: ts.Node, table: Imports) -> None:
        module_node = statement.child_by_field_name("module_name")
        if module_node is None or module_node.type == "relative_import":
            return
        module = tuple(node_text(module_node).split("."))
        for item in statement.children_by_field_name("name"):
            if item.type == "aliased_import":
                name = item.child_by_field_name("name")
                alias = item.child_by_field_name("alias")
                if name is not None and alias is not None:
                    table[node_text(alias)] = module + tuple(node_text(name).split("."))
            elif item.type == "dotted_name":
                table[node_text(item)] = module + tuple(node_text(item).split("."))

    def qualified_name(self, node: ts.Node) -> QualifiedName | None:
        if node.type == "identifier":
            return (node_text(node),)
        if node.type == "attribute":
            obj = node.child_by_field_name("object")
            attr = node.child_by_field_name("attribute")
            if obj is None or attr is None:
                return None
            head = self.qualified_name(obj)
            return head + (node_text(attr),) if head else None
        return None

    def string_value(self, node: ts.Node) -> str | None:
        if node.type == "concatenated_string":
            parts = [self.string_value(child) for child in node.named_children]
            return None if None in parts else "".join(parts)  # type: ignore[arg-type]
        if node.type != "string":
            return None
        start = node.children[0] if node.children else None
        end = node.children[-1] if node.children else None
        if start is None or end is None or start.type != "string_start":
            return None
        text = node.text or b""
        return text[start.end_byte - node.start_byte: end.start_byte - node.start_byte].decode(
            "utf-8", "replace"
        )


def _descendants_of_type(node: ts.Node, kind: str) -> list[ts.Node]:
    found: list[ts.Node] = []
    for child in node.named_children:
        if child.type == kind:
            found.append(child)
        elif child.type in ("else_clause", "except_clause", "finally_clause", "elif_clause"):
            found.extend(_descendants_of_type(child, kind))
    return found
