"""The project: every module read, with names resolved across files (imports, relative ones too)
and each class's ancestry walked (C3 linearisation, as Python orders bases)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import PurePosixPath
from typing import TypeVar

from attrs import frozen
from flowscan.catalog.readers.orm_python_source import Assignment, ClassDecl, ModuleDecl, Name


@frozen(eq=False)
class ClassRef:
    """One class of the project (one object per class: identity is equality)."""

    module: ModuleDecl
    decl: ClassDecl

    @property
    def qualname(self) -> str:
        return f"{self.module.module}.{self.decl.name}"

    @property
    def name(self) -> str:
        return self.decl.name


@frozen(eq=False)
class VarRef:
    """A module-level assignment of the project (`Base = declarative_base()`)."""

    module: ModuleDecl
    assignment: Assignment


#: what a name resolves to: a class or variable of the project, or the qualified name of something outside it
Symbol = ClassRef | VarRef | Name


class Project:
    """All modules read, and what their names refer to.

    Two folders of one repository may hold the same module name (`shop.models` in two
    services): a name then refers to the one nearest the file that writes it."""

    def __init__(self, modules: Sequence[ModuleDecl]) -> None:
        self.modules = modules
        #: every class, in file order
        self.refs: list[ClassRef] = []
        self.classes: dict[tuple[str, str], list[ClassRef]] = {}
        self.by_name: dict[str, list[ClassRef]] = {}
        self.variables: dict[tuple[str, str], list[VarRef]] = {}
        self.variables_by_name: dict[str, list[VarRef]] = {}
        for module in modules:
            for decl in module.classes:
                ref = ClassRef(module, decl)
                self.refs.append(ref)
                self.classes.setdefault((module.module, decl.name), []).append(ref)
                self.by_name.setdefault(decl.name, []).append(ref)
            for assignment in module.assignments:
                var = VarRef(module, assignment)
                self.variables.setdefault((module.module, assignment.target), []).append(var)
                self.variables_by_name.setdefault(assignment.target, []).append(var)
        self._ancestors: dict[int, tuple[ClassRef, ...]] = {}
        self._bases: dict[int, tuple[Symbol, ...]] = {}
        self._resolved: dict[tuple[int, Name], Symbol] = {}

    # --- names ---

    def resolve(self, module: ModuleDecl, name: Name) -> Symbol:
        """What `name`, written in `module`, refers to."""
        key = (id(module), name)
        known = self._resolved.get(key)
        if known is None:
            known = self._resolved[key] = self._resolve(module, name)
        return known

    def _resolve(self, module: ModuleDecl, name: Name) -> Symbol:
        if not name:
            return name
        head = name[0]
        if len(name) == 1:
            local = _nearest(self.classes.get((module.module, head), ()), module, same_module=True) \
                or _nearest(self.variables.get((module.module, head), ()), module, same_module=True)
            if local is not None:
                return local
        if head in module.imports:
            qualified = module.imports[head] + name[1:]
            found = self.lookup(qualified, module)
            if found is not None:
                return found
            return qualified
        if len(name) == 1:
            candidates = self.by_name.get(head, [])
            if len(candidates) == 1:  # a star import, or a name from a module we did not see
                return candidates[0]
        return name

    def lookup(self, qualified: Name, near: ModuleDecl) -> ClassRef | VarRef | None:
        if len(qualified) < 2:
            return None
        key = (".".join(qualified[:-1]), qualified[-1])
        found = _nearest(self.classes.get(key, ()), near) or _nearest(self.variables.get(key, ()), near)
        if found is not None:
            return found
        # re-exported by a package's __init__ (`from shop.models import Order`, defined in shop/models/order.py)
        package = key[0] + "."
        nested = _nearest([r for r in self.by_name.get(key[1], []) if r.module.module.startswith(package)], near)
        if nested is not None:
            return nested
        return _nearest([v for v in self.variables_by_name.get(key[1], []) if v.module.module.startswith(package)],
                        near)

    def class_named(self, near: ModuleDecl, spelled: str) -> ClassRef | None:
        """A class named by a string (`"Customer"`, `"shop.models.Customer"`), as ORMs resolve them."""
        name = tuple(spelled.split("."))
        found = self.resolve(near, name)
        if isinstance(found, ClassRef):
            return found
        candidates = self.by_name.get(name[-1], [])
        same_module = [c for c in candidates if c.module is near]
        if same_module:
            return same_module[0]
        return candidates[0] if len(candidates) == 1 else None

    # --- ancestry ---

    def bases(self, ref: ClassRef) -> tuple[Symbol, ...]:
        known = self._bases.get(id(ref))
        if known is None:
            known = tuple(self.resolve(ref.module, base.name) for base in ref.decl.bases if base.kind == "name")
            self._bases[id(ref)] = known
        return known

    def ancestors(self, ref: ClassRef) -> tuple[ClassRef, ...]:
        """Project classes `ref` inherits from, in Python's method resolution order (C3): the order in
        which SQLAlchemy collects mixin columns and an attribute's nearest definition wins."""
        known = self._ancestors.get(id(ref))
        if known is not None:
            return known
        self._ancestors[id(ref)] = ()  # a cycle (a bad resolution) ends here
        parents = [p for base in self.bases(ref) for p in self._parents_of(base) if p is not ref]
        sequences = [[p, *self.ancestors(p)] for p in parents] + [parents]
        order = _c3_merge(sequences)
        if order is None:  # an inconsistent hierarchy Python itself would refuse: depth-first, once each
            order = []
            for candidate in (c for sequence in sequences[:-1] for c in sequence):
                if candidate not in order:
                    order.append(candidate)
        self._ancestors[id(ref)] = tuple(c for c in order if c is not ref)
        return self._ancestors[id(ref)]

    def _parents_of(self, base: Symbol) -> Iterator[ClassRef]:
        if isinstance(base, ClassRef):
            yield base
        elif isinstance(base, VarRef) and base.assignment.value is not None:
            # `Base = declarative_base(cls=ModelMixin)`: the mixin's columns reach every model
            mixin = base.assignment.value.keyword("cls")
            if mixin is not None and mixin.kind == "name":
                found = self.resolve(base.module, mixin.name)
                if isinstance(found, ClassRef):
                    yield found

    def inherited(self, ref: ClassRef, stop: Callable[[ClassRef], bool]) -> list[ClassRef]:
        """Ancestors, nearest first, but neither a class `stop` accepts nor what it inherits: the
        mixins and abstract bases whose columns a model copies (a mapped parent keeps its own)."""
        ancestors = self.ancestors(ref)
        stopped = [c for c in ancestors if stop(c)]
        behind = {id(c) for s in stopped for c in (s, *self.ancestors(s))}
        return [c for c in ancestors if id(c) not in behind]

    def lineage(self, ref: ClassRef) -> tuple[ClassRef, ...]:
        return (ref, *self.ancestors(ref))

    def outside_bases(self, ref: ClassRef) -> Iterator[tuple[ClassRef, Symbol]]:
        """Every base of the class and its ancestors that is not a project class: (whose, what)."""
        for cls in self.lineage(ref):
            for base in self.bases(cls):
                if not isinstance(base, ClassRef):
                    yield cls, base


_Ref = TypeVar("_Ref", ClassRef, VarRef)


def _nearest(candidates: Sequence[_Ref], near: ModuleDecl, same_module: bool = False) -> _Ref | None:
    """The candidate whose file shares the longest folder prefix with `near`'s (the same module when asked)."""
    if same_module:
        return next((c for c in candidates if c.module is near), None)
    if len(candidates) <= 1:
        return candidates[0] if candidates else None
    here = PurePosixPath(near.path).parts
    return max(candidates, key=lambda c: _common_prefix(PurePosixPath(c.module.path).parts, here))


def _common_prefix(one: tuple[str, ...], other: tuple[str, ...]) -> int:
    count = 0
    for a, b in zip(one, other):
        if a != b:
            break
        count += 1
    return count


def _c3_merge(sequences: list[list[ClassRef]]) -> list[ClassRef] | None:
    """Python's C3 linearisation of the parents' orders; None when there is none."""
    sequences = [list(s) for s in sequences if s]
    order: list[ClassRef] = []
    while sequences:
        head = next((s[0] for s in sequences if not any(s[0] in other[1:] for other in sequences)), None)
        if head is None:
            return None
        order.append(head)
        sequences = [rest for rest in ([c for c in s if c is not head] for s in sequences) if rest]
    return order
