"""Within a function, follow data from where it is read to where it is written.

A value read by a source (or produced by a transform) flows into the names it is bound
to — through assignments, loops over it, method chains, and `rows.Scan(&id)`-style out
arguments — and a transform or sink that uses one of those names receives it. Each link
keeps the statements it went through, so that a report or a code-scanning UI can show
the path.
"""

from __future__ import annotations

from typing import Iterator

import tree_sitter as ts
from attrs import frozen

from flowscan.findings import CodeUnit, Finding, Link, Placement, Step
from flowscan.languages.base import Adapter, node_text
from flowscan.safeguards import guards_of

_ORIGINS = ("source", "transform")
_CONSUMERS = ("transform", "sink")


@frozen
class _Origin:
    finding: Finding
    steps: tuple[Step, ...]


def link_file(adapter: Adapter, root: ts.Node, hits: list[tuple[Finding, ts.Node]]) -> list[Link]:
    """Links between the findings of one file, function by function."""
    scopes: dict[int, tuple[ts.Node, list[tuple[Finding, ts.Node]]]] = {}
    for finding, node in hits:
        scope = _scope(node, adapter, root)
        scopes.setdefault(scope.id, (scope, []))[1].append((finding, node))
    links: list[Link] = []
    for scope, scoped in scopes.values():
        if any(f.role in _CONSUMERS for f, _ in scoped):
            links.extend(_link_scope(adapter, scope, scoped))
    return links


def _scope(node: ts.Node, adapter: Adapter, root: ts.Node) -> ts.Node:
    parent = node.parent
    while parent is not None:
        if parent.type in adapter.function_kinds:
            return parent
        parent = parent.parent
    return root


def _link_scope(adapter: Adapter, scope: ts.Node, hits: list[tuple[Finding, ts.Node]]) -> Iterator[Link]:
    origins: dict[str, list[_Origin]] = {}
    consumers = sorted((h for h in hits if h[0].role in _CONSUMERS), key=lambda h: h[1].start_byte)
    producers = [h for h in hits if h[0].role in _ORIGINS]
    linked: set[tuple[int, int]] = set()
    producers_at: dict[tuple[int, int], list[Finding]] = {}
    for finding, node in producers:
        producers_at.setdefault((node.start_byte, node.end_byte), []).append(finding)
    next_consumer = 0
    for node in _walk_scope(scope, adapter):
        # consumers are checked when reached, against what flowed before them
        while next_consumer < len(consumers) and consumers[next_consumer][1].start_byte <= node.start_byte:
            yield from _links_into(consumers[next_consumer], origins, producers, linked)
            next_consumer += 1
        producer = producers_at.get((node.start_byte, node.end_byte))
        if producer is not None and not _inside_binding(node, adapter):
            # `cur.execute("SELECT ...")` alone: the cursor now holds what was read
            receiver = _receiver(node)
            if receiver is not None:
                origins[receiver] = [_Origin(f, (_step(node),)) for f in producer]
        bound = adapter.binding(node)
        if bound is not None:
            names, value = bound
            flowing = _flowing_into(value, origins, producers, node)
            if flowing:
                for name in _names(names):
                    origins[name] = flowing
        elif node.type in ("call", "call_expression", "method_invocation"):
            _taint_out_arguments(node, origins)
    for consumer in consumers[next_consumer:]:
        yield from _links_into(consumer, origins, producers, linked)


def _links_into(
    consumer: tuple[Finding, ts.Node],
    origins: dict[str, list[_Origin]],
    producers: list[tuple[Finding, ts.Node]],
    linked: set[tuple[int, int]],
) -> Iterator[Link]:
    finding, node = consumer
    end = _step(node)
    for origin in _flowing_into(node, origins, producers, None):
        if origin.finding == finding:
            continue
        key = (id(origin.finding), id(finding))
        if key in linked:
            continue
        linked.add(key)
        yield Link(origin.finding, finding, _one_per_line(origin.steps + (end,)))


def _flowing_into(
    value: ts.Node, origins: dict[str, list[_Origin]], producers: list[tuple[Finding, ts.Node]], at: ts.Node | None
) -> list[_Origin]:
    """What reaches a value: findings inside it, and what flowed into the names it uses."""
    step = _step(at) if at is not None else None
    found: list[_Origin] = []
    for finding, node in producers:
        if value.start_byte <= node.start_byte and node.end_byte <= value.end_byte:
            first = _step(node)
            found.append(_Origin(finding, (first,) if step is None or step == first else (first, step)))
    for name in _identifiers(value):
        for origin in origins.get(name, ()):
            steps = origin.steps if step is None or origin.steps[-1] == step else origin.steps + (step,)
            found.append(_Origin(origin.finding, steps))
    unique: dict[int, _Origin] = {}
    for origin in found:
        unique.setdefault(id(origin.finding), origin)
    return list(unique.values())


def _taint_out_arguments(call: ts.Node, origins: dict[str, list[_Origin]]) -> None:
    """`rows.Scan(&id, &total)`: a call on a value that carries data fills its `&` arguments."""
    receiver = call.child_by_field_name("function") or call.child_by_field_name("object")
    if receiver is None:
        return
    carried = [o for name in _identifiers(receiver) for o in origins.get(name, ())]
    if not carried:
        return
    arguments = call.child_by_field_name("arguments")
    for argument in arguments.named_children if arguments is not None else ():
        if argument.type == "unary_expression" and (argument.text or b"").startswith(b"&"):
            for name in _identifiers(argument):
                origins[name] = [_Origin(o.finding, o.steps + (_step(call),)) for o in carried]


def _inside_binding(node: ts.Node, adapter: Adapter) -> bool:
    parent = node.parent
    while parent is not None and parent.type not in adapter.function_kinds:
        if adapter.binding(parent) is not None:
            return True
        parent = parent.parent
    return False


def _receiver(call: ts.Node) -> str | None:
    """The name a method is called on: `cur` in `cur.execute(...)`, `db` in `db.Query(...)`."""
    callee = call.child_by_field_name("function") or call.child_by_field_name("object")
    if callee is None or callee.type == "identifier" and call.child_by_field_name("object") is None:
        return None
    node = callee
    while node.type != "identifier" and node.named_children:
        node = node.named_children[0]
    return node_text(node) if node.type == "identifier" else None


def _walk_scope(scope: ts.Node, adapter: Adapter) -> Iterator[ts.Node]:
    """Nodes of a function in document order, not descending into nested functions."""
    stack = list(reversed(scope.named_children))
    while stack:
        node = stack.pop()
        yield node
        if node.type not in adapter.function_kinds:
            stack.extend(reversed(node.named_children))


def _identifiers(node: ts.Node) -> set[str]:
    if node.type == "identifier":
        return {node_text(node)}
    found: set[str] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type == "identifier":
            found.add(node_text(current))
        else:
            stack.extend(current.named_children)
    return found


def _names(target: ts.Node) -> set[str]:
    """Names a binding assigns: `a`, `a, b`, `(a, b)`; not `obj.attr` or `x[i]` targets' owners."""
    if target.type == "identifier":
        return {node_text(target)}
    if target.type in ("attribute", "subscript", "field_expression", "selector_expression", "field_access"):
        return set()
    return {node_text(c) for c in target.named_children if c.type == "identifier"} | {
        name for c in target.named_children if c.type != "identifier" for name in _names(c)
    }


def _one_per_line(steps: tuple[Step, ...]) -> tuple[Step, ...]:
    kept: list[Step] = []
    for step in steps:
        if not kept or kept[-1].line != step.line:
            kept.append(step)
    return tuple(kept)


def _step(node: ts.Node) -> Step:
    # show the whole statement the node starts on (`orders = pd.read_csv(...)`, not the call)
    row = node.start_point[0]
    shown = node
    while shown.parent is not None and shown.parent.parent is not None and shown.parent.start_point[0] == row:
        shown = shown.parent
    line = (shown.text or b"").split(b"\n", 1)[0].decode("utf-8", "replace").strip()
    return Step(row + 1, shown.start_point[1] + 1, line[:120])


_CLASS_KINDS = {"class_definition": "name", "class_declaration": "name", "impl_item": "type"}
_ANONYMOUS = frozenset({"lambda", "lambda_expression", "closure_expression", "func_literal"})


def place(adapter: Adapter, root: ts.Node, path: str, hits: list[tuple[Finding, ts.Node]]) -> list[Placement]:
    """The code unit of each finding: its named function (with its class), else the file."""
    module = CodeUnit(path, path.rsplit("/", 1)[-1].rsplit(".", 1)[0], "model" if adapter.name == "sql" else "module", 1)
    placements = []
    seen: dict = {}
    for finding, node in hits:
        unit = _unit(adapter, node, root, path)
        scope = unit[1] if unit else root
        guards = guards_of(adapter, node, scope, seen) if finding.role in ("source", "sink") else ()
        placements.append(Placement(finding, unit[0] if unit else module, guards))
    return placements


def unit_span(adapter: Adapter, node: ts.Node, root: ts.Node) -> ts.Node:
    """The function around a node (decorators included), or the file."""
    found = _unit(adapter, node, root, "")
    return found[1] if found else root


def _unit(adapter: Adapter, node: ts.Node, root: ts.Node, path: str) -> tuple[CodeUnit, ts.Node] | None:
    """The named function a node is in, with the node spanning it (decorators included)."""
    parent = node.parent
    while parent is not None and parent != root:
        span = parent
        if parent.type == "decorated_definition":
            # a decorator (`@app.route`) belongs to the function it decorates
            parent = parent.child_by_field_name("definition") or parent
        elif parent.parent is not None and parent.parent.type == "decorated_definition":
            span = parent.parent
        if parent.type in adapter.function_kinds and parent.type not in _ANONYMOUS:
            name = parent.child_by_field_name("name")
            if name is not None:
                owner = _owner(parent)
                full = f"{owner}.{node_text(name)}" if owner else node_text(name)
                return CodeUnit(path, full, "function", parent.start_point[0] + 1), span
        # on from above the decorators: back through them, a decorated class would loop forever
        parent = span.parent
    return None


def _owner(function: ts.Node) -> str | None:
    parent = function.parent
    while parent is not None:
        field = _CLASS_KINDS.get(parent.type)
        if field is not None:
            name = parent.child_by_field_name(field)
            if name is not None:
                return node_text(name)
        parent = parent.parent
    return None
