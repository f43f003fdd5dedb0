"""SQLAlchemy models of a project compiled into tables: declarative classes (1.x, 2.0,
Flask-SQLAlchemy, SQLModel) and core `Table(...)` calls."""

from __future__ import annotations

import re

from attrs import evolve
from flowscan.catalog.model import Field, Index, Origin, Problem, Relationship, item_id
from flowscan.catalog.readers.orm_python_project import ClassRef, Project, Symbol, VarRef
from flowscan.catalog.readers.orm_python_source import (
    Assignment,
    Expr,
    ModuleDecl,
    Name,
    TableCall,
    cached_redact,
    expr_from_string,
)
from flowscan.catalog.readers.orm_python_tables import (
    Column,
    Table,
    Tables,
    add_check,
    as_written,
    default_text,
    description,
    foreign_key,
    number,
    snippet,
)

#: SQLAlchemy type names → the SQL-ish type they stand for; parameters are added by `_sa_type`
_SA_TYPES = {
    "Integer": "integer", "INTEGER": "integer", "INT": "integer", "BigInteger": "bigint", "BIGINT": "bigint",
    "SmallInteger": "smallint", "SMALLINT": "smallint", "String": "varchar", "VARCHAR": "varchar",
    "Unicode": "varchar", "NVARCHAR": "nvarchar", "CHAR": "char", "NCHAR": "nchar", "Text": "text", "TEXT": "text",
    "UnicodeText": "text", "CLOB": "clob", "Numeric": "numeric", "NUMERIC": "numeric", "DECIMAL": "decimal",
    "Float": "float", "FLOAT": "float", "REAL": "real", "Double": "double precision", "DOUBLE": "double",
    "DOUBLE_PRECISION": "double precision", "Boolean": "boolean", "BOOLEAN": "boolean", "DateTime": "timestamp",
    "DATETIME": "datetime", "TIMESTAMP": "timestamp", "Date": "date", "DATE": "date", "Time": "time",
    "TIME": "time", "Interval": "interval", "INTERVAL": "interval", "LargeBinary": "blob", "BLOB": "blob",
    "BINARY": "binary", "VARBINARY": "varbinary", "BYTEA": "bytea", "PickleType": "blob", "JSON": "json",
    "JSONB": "jsonb", "UUID": "uuid", "Uuid": "uuid", "Enum": "enum", "ARRAY": "array", "INET": "inet",
    "CIDR": "cidr", "MACADDR": "macaddr", "HSTORE": "hstore", "TSVECTOR": "tsvector", "MONEY": "money",
    "CITEXT": "citext",
}
_SA_LENGTH_TYPES = frozenset({"varchar", "nvarchar", "char", "nchar", "binary", "varbinary"})
_SA_PRECISION_TYPES = frozenset({"numeric", "decimal"})

#: Python annotation types → SQL-ish type, as SQLAlchemy 2.0's default type map has them
_PY_TYPES = {
    "int": "integer", "str": "varchar", "float": "float", "bool": "boolean", "bytes": "blob",
    "datetime": "timestamp", "date": "date", "time": "time", "timedelta": "interval", "Decimal": "numeric",
    "UUID": "uuid",
}
#: annotation containers that hold related objects, not a column value
_COLLECTIONS = frozenset({"List", "list", "Set", "set", "Dict", "dict", "Sequence", "Collection", "FrozenSet",
                          "frozenset", "Iterable", "WriteOnlyMapped", "DynamicMapped"})
_NOT_A_TYPE = frozenset({"ForeignKey", "Sequence", "Identity", "Computed", "CheckConstraint", "FetchedValue",
                         "DefaultClause"})
_COLUMN_CALLS = frozenset({"Column", "mapped_column"})
_COLUMN_WRAPPERS = frozenset({"deferred", "column_property", "query_expression"})


class SqlAlchemy:
    """SQLAlchemy models of the project: declarative classes (1.x, 2.0, Flask-SQLAlchemy, SQLModel) and Table() calls."""

    def __init__(self, project: Project, out: Tables) -> None:
        self.project = project
        self.out = out
        self._table_names: dict[int, str | None] = {}
        self._flavours: dict[int, str | None] = {}
        self._roots: dict[int, bool] = {}
        self._annotation_maps: dict[int, dict[str, Expr]] = {}

    def read(self) -> None:
        for module in self.project.modules:
            for call in module.tables:
                self._core_table(module, call)
        for ref in self.project.refs:
            if self.flavour(ref) is not None:
                self._model(ref)

    # --- what a class is ---

    def flavour(self, ref: ClassRef) -> str | None:
        """`sqlalchemy`, `flask-sqlalchemy` or `sqlmodel` when the class is under a declarative base."""
        key = id(ref)
        if key not in self._flavours:
            self._flavours[key] = None  # cycles end here
            self._flavours[key] = self._find_flavour(ref)
        return self._flavours[key]

    def _find_flavour(self, ref: ClassRef) -> str | None:
        for cls in self.project.lineage(ref):
            if self._decorated_declarative(cls) or self._decorated_mapped(cls):
                return "sqlalchemy"
        for cls, base in self.project.outside_bases(ref):
            flavour = self._base_flavour(cls, base)
            if flavour is not None:
                return flavour
        # `from app.database import Base` with app/database.py not among the files read: a
        # `__tablename__` beside Column()/mapped_column() says SQLAlchemy all the same
        for cls in self.project.lineage(ref):
            if cls.decl.attribute("__tablename__") is not None and any(
                    a.value is not None and a.value.is_call(*_COLUMN_CALLS) for a in cls.decl.body):
                return "sqlalchemy"
        return None

    def _base_flavour(self, cls: ClassRef, base: Symbol) -> str | None:
        if isinstance(base, VarRef):
            value = base.assignment.value
            if value is not None and value.is_call("declarative_base", "generate_base"):
                return "sqlalchemy"
            return None
        name = base if isinstance(base, tuple) else ()
        if not name:
            return None
        if name[-1] in ("DeclarativeBase", "DeclarativeBaseNoMeta"):
            return "sqlalchemy"
        if name[-1] == "SQLModel":
            return "sqlmodel"
        if name[-1] == "Model" and len(name) >= 2 and self._is_flask_db(cls.module, name[:-1]):
            return "flask-sqlalchemy"
        return None

    def _is_flask_db(self, module: ModuleDecl, spelled: Name) -> bool:
        """`db` in `db.Model`: assigned `SQLAlchemy(...)` in the project, imported from flask_sqlalchemy, or named `db`."""
        if any(part in ("flask_sqlalchemy", "flask_sqlalchemy_lite") for part in spelled):
            return True
        found = self.project.resolve(module, spelled) if len(spelled) == 1 else self.project.lookup(spelled, module)
        if isinstance(found, VarRef):
            value = found.assignment.value
            return value is not None and value.is_call("SQLAlchemy")
        return spelled[-1] == "db" and "django" not in spelled

    @staticmethod
    def _decorated_declarative(ref: ClassRef) -> bool:
        return any(d.last == "as_declarative" for d in ref.decl.decorators)

    @staticmethod
    def _decorated_mapped(ref: ClassRef) -> bool:
        """`@mapper_registry.mapped`, `@reg.mapped_as_dataclass`, `@mapped_as_dataclass(reg)`."""
        return any(d.last in ("mapped", "mapped_as_dataclass") for d in ref.decl.decorators)

    def is_root(self, ref: ClassRef) -> bool:
        """A declarative base itself (`class Base(DeclarativeBase)`): columns on it are inherited, it has no table."""
        known = self._roots.get(id(ref))
        if known is None:
            known = self._roots[id(ref)] = self._find_root(ref)
        return known

    def _find_root(self, ref: ClassRef) -> bool:
        if self._decorated_declarative(ref):
            return True
        for base in self.project.bases(ref):
            if isinstance(base, tuple) and base and base[-1] in ("DeclarativeBase", "DeclarativeBaseNoMeta"):
                return True
            if isinstance(base, tuple) and base and base[-1] == "SQLModel":
                table = _keyword(ref.decl.keywords, "table")
                return table is None or table.value != "True"  # without table=True, a pydantic model
        return False

    def _is_abstract(self, ref: ClassRef) -> bool:
        abstract = ref.decl.attribute("__abstract__")
        return abstract is not None and abstract.value is not None and abstract.value.value == "True"

    # --- table names ---

    def table_name(self, ref: ClassRef) -> str | None:
        key = id(ref)
        if key not in self._table_names:
            self._table_names[key] = None
            self._table_names[key] = self._find_table_name(ref)
        return self._table_names[key]

    def _find_table_name(self, ref: ClassRef) -> str | None:
        if self.flavour(ref) is None or self.is_root(ref) or self._is_abstract(ref):
            return None
        schema = self._schema(ref)
        own = ref.decl.attribute("__tablename__")
        if own is not None and not own.computed:
            name = own.value.value if own.value is not None and own.value.kind == "string" else None
            if name is None:
                self._problem(ref, own, f"__tablename__ of {ref.name} is computed ({snippet(own.value)}): its table is not read")
            return _qualified(schema, name)
        table = ref.decl.attribute("__table__")
        if table is not None and table.value is not None:
            found = self._table_of_expr(ref.module, table.value)
            if found is None:
                self._problem(ref, table, f"__table__ of {ref.name} is not a Table() this reader can follow "
                                          f"({snippet(table.value)}): its table is not read")
            return found
        for parent in self.project.ancestors(ref):
            if self.flavour(parent) is not None and not self.is_root(parent) and not self._is_abstract(parent):
                parent_table = self.table_name(parent)
                if parent_table is not None:
                    return parent_table  # single-table inheritance: the parent's table
        computed = own if own is not None else self._inherited_attribute(ref, "__tablename__")
        if computed is not None:
            return _qualified(schema, self._computed_table_name(ref, computed))
        flavour = self.flavour(ref)
        if flavour == "flask-sqlalchemy":
            return _qualified(schema, _snake_case(ref.name))
        if flavour == "sqlmodel":
            return _qualified(schema, ref.name.lower())  # roots (no table=True) were left above
        self.out.problems.append(Problem(ref.module.path, ref.decl.line, ref.decl.column,
                                         f"SQLAlchemy model {ref.name} has no __tablename__ or __table__: no table read"))
        return None

    def _inherited_attribute(self, ref: ClassRef, name: str) -> Assignment | None:
        for parent in self.project.ancestors(ref):
            found = parent.decl.attribute(name)
            if found is not None:
                return found
        return None

    def _computed_table_name(self, ref: ClassRef, computed: Assignment) -> str | None:
        """`@declared_attr def __tablename__(cls): return cls.__name__.lower()`, the one common form."""
        value = computed.value
        if value is not None and value.kind == "string":
            return value.value
        if value is not None and value.text.replace(" ", "") in ("cls.__name__.lower()", "cls.__name__"):
            return ref.name.lower() if value.text.endswith("lower()") else ref.name
        self._problem(ref, computed,
                      f"__tablename__ of {ref.name} is computed ({snippet(value)}): its table is not read")
        return None

    def _schema(self, ref: ClassRef) -> str | None:
        args = ref.decl.attribute("__table_args__") or self._inherited_attribute(ref, "__table_args__")
        if args is None or args.value is None:
            return None
        options = args.value if args.value.kind == "dict" else next(
            (a for a in args.value.args if a.kind == "dict"), None) if args.value.kind == "list" else None
        schema = options.keyword("schema") if options is not None else None
        return schema.value if schema is not None and schema.kind == "string" else None

    def _table_of_expr(self, module: ModuleDecl, value: Expr) -> str | None:
        """The table an expression names: a Table() call, a variable bound to one, or a mapped class."""
        if value.is_call("Table"):
            return _core_table_name(value)
        if value.kind == "string" and value.value:
            return value.value
        if value.kind == "name":
            found = self.project.resolve(module, value.name)
            if isinstance(found, VarRef) and found.assignment.value is not None and found.assignment.value.is_call("Table"):
                return _core_table_name(found.assignment.value)
            if isinstance(found, ClassRef):
                return self.table_name(found)
        return None

    # --- a declarative model ---

    def _model(self, ref: ClassRef) -> None:
        name = self.table_name(ref)
        if name is None or self.is_root(ref) or self._is_abstract(ref):
            return
        table = self.out.table(name)
        table.origins.append(Origin("sqlalchemy", ref.module.path, ref.decl.line))
        owner = self._owner(ref)
        if owner is ref:
            table.fact("model", ref.qualname)
            table.fact("orm", self.flavour(ref) or "sqlalchemy")
            table.description = table.description or ref.decl.docstring
        else:
            table.subclasses.append(ref.qualname)
        if ref.decl.attribute("__table__") is not None:
            return  # the Table() call it names gives the columns
        for cls in self._contributors(ref, owner):
            for assignment in cls.decl.body:
                self._attribute(ref, cls, assignment, table)
        self._table_args(ref, table)

    def _owner(self, ref: ClassRef) -> ClassRef:
        """The class whose table `ref` maps to: itself, or the top of its single-table hierarchy."""
        name = self.table_name(ref)
        for parent in reversed(self.project.ancestors(ref)):
            if self.table_name(parent) == name and self.flavour(parent) is not None and not self._is_abstract(parent) \
                    and not self.is_root(parent):
                return parent
        return ref

    def _contributors(self, ref: ClassRef, owner: ClassRef) -> list[ClassRef]:
        """The classes whose columns land in `ref`'s table: itself, then its mixins and abstract bases
        in resolution order — SQLAlchemy appends mixin columns after the class's own; a
        single-table subclass adds only its own."""
        if owner is not ref:
            return [ref]
        inherited = self.project.inherited(ref, lambda c: self.table_name(c) is not None)
        if self.flavour(ref) == "sqlmodel":
            return [*reversed(inherited), ref]  # pydantic's order: the bases' fields first
        return [ref, *inherited]

    def _attribute(self, model: ClassRef, cls: ClassRef, assignment: Assignment, table: Table) -> None:
        if assignment.target.startswith("__"):
            return
        value = assignment.value
        if value is not None and value.is_call(*_COLUMN_WRAPPERS) and value.args and value.args[0].is_call(*_COLUMN_CALLS):
            value = value.args[0]
        if value is not None and value.is_call("relationship"):
            self._relationship(model, cls, assignment, value, table)
            return
        if self.flavour(model) == "sqlmodel" and not (value is not None and value.is_call(*_COLUMN_CALLS)):
            self._sqlmodel_attribute(model, cls, assignment, table)
            return
        if value is not None and value.is_call(*_COLUMN_CALLS):
            self._add(table, self._column(model, cls, assignment, value), cls, assignment, value)
        elif value is None and not assignment.computed and self._is_mapped_annotation(cls, assignment.annotation):
            self._add(table, self._column(model, cls, assignment, None), cls, assignment, None)

    def _add(self, table: Table, column: Column, cls: ClassRef, assignment: Assignment, call: Expr | None) -> None:
        if any(c.attribute == column.attribute for c in table.columns if c.attribute):
            return  # the nearest class declares this attribute: a mixin's of the same name is overridden
        _add_column(table, column, Origin("sqlalchemy", cls.module.path, assignment.line), call)

    def _sqlmodel_attribute(self, model: ClassRef, cls: ClassRef, assignment: Assignment, table: Table) -> None:
        """SQLModel: every annotated attribute of a `table=True` model is a column, `Field(...)` says how."""
        value = assignment.value
        if value is not None and value.is_call("Relationship"):
            self._relationship(model, cls, assignment, value, table)
            return
        annotation = assignment.annotation
        if annotation is None or assignment.computed or (annotation.kind == "subscript" and annotation.last == "ClassVar"):
            return
        call = value if value is not None and value.is_call("Field") else None
        sa_column = call.keyword("sa_column") if call is not None else None
        if sa_column is not None and sa_column.is_call("Column"):
            self._add(table, self._column(model, cls, evolve(assignment, annotation=None), sa_column), cls, assignment,
                      sa_column)
            return
        inner, optional = _unwrap_optional(annotation)
        if not self._is_mapped_annotation(cls, Expr("subscript", inner.line, ("Mapped",), (inner,))):
            return
        primary = bool(call is not None and call.flag("primary_key"))
        nullable = call.flag("nullable") if call is not None else None
        foreign_key = call.keyword("foreign_key") if call is not None else None
        references = foreign_key.value if foreign_key is not None and foreign_key.kind == "string" else None
        default = _default(assignment.target, call) if call is not None else \
            default_text(assignment.target, value) if value is not None else None
        field_ = Field(assignment.target, self._sqlmodel_type(model, cls, inner, call),
                       False if primary else (optional if nullable is None else nullable),
                       None if default == "None" else default, primary,
                       bool(call is not None and call.flag("unique")), references, assignment.line,
                       description(call, "description"))
        self._add(table, Column(field_, assignment.target, references), cls, assignment, call)

    def _sqlmodel_type(self, model: ClassRef, cls: ClassRef, inner: Expr, call: Expr | None) -> str | None:
        sa_type = call.keyword("sa_type") if call is not None else None
        if sa_type is not None:
            return _sa_type(sa_type)
        length = number(call.keyword("max_length")) if call is not None else None
        if inner.last == "str":
            return f"varchar({length})" if length else "varchar"
        digits = number(call.keyword("max_digits")) if call is not None else None
        places = number(call.keyword("decimal_places")) if call is not None else None
        if inner.last == "Decimal" and digits and places:
            return f"numeric({digits},{places})"
        return self._annotation_type(model, cls, inner)

    def _is_mapped_annotation(self, cls: ClassRef, annotation: Expr | None) -> bool:
        """`name: Mapped[str]` alone declares a column (2.0), unless it holds related objects."""
        inner = self._mapped_inner(cls, annotation)
        if inner is None:
            return False
        inner, _ = _unwrap_optional(inner)
        if inner.kind == "subscript" and inner.last in _COLLECTIONS:
            return False
        if inner.kind == "string" and inner.value and self.project.class_named(cls.module, inner.value) is not None:
            return False
        if inner.kind == "name":
            found = self.project.resolve(cls.module, inner.name)
            if isinstance(found, ClassRef) and self.flavour(found) is not None:
                return False
        return True

    def _mapped_inner(self, cls: ClassRef, annotation: Expr | None) -> Expr | None:
        if annotation is None:
            return None
        if annotation.kind == "string" and annotation.value:
            parsed = expr_from_string(annotation.value, annotation.line, cls.module.path)
            if parsed is None:
                return None
            annotation = parsed
        if annotation.kind == "subscript" and annotation.last == "Mapped" and annotation.args:
            return annotation.args[0]
        return None

    def _column(self, model: ClassRef, cls: ClassRef, assignment: Assignment, call: Expr | None) -> Column:
        inner = self._mapped_inner(cls, assignment.annotation)
        optional = None
        mapped_type: Expr | None = None
        if inner is not None:
            inner, optional = _unwrap_optional(inner)
            mapped_type = self._type_annotation_map(model).get(inner.text)
            inner, alias_call = self._annotated_alias(cls, inner)
            if alias_call is not None:
                call = _merge_calls(alias_call, call)
        positional = call.args if call is not None else ()
        name = next((a.value for a in positional if a.kind == "string" and a.value), None)
        name_keyword = call.keyword("name") if call is not None else None
        if name_keyword is not None and name_keyword.kind == "string" and name_keyword.value:
            name = name_keyword.value
        type_expr = next((a for a in positional if a.kind in ("name", "call", "attribute")
                          and a.last not in _NOT_A_TYPE), None) or (call.keyword("type_") if call is not None else None)
        has_key = any(a.is_call("ForeignKey") for a in positional)
        if type_expr is not None:
            type_ = _sa_type(type_expr)
        elif mapped_type is not None:
            type_ = _sa_type(mapped_type)
        else:
            type_ = self._annotation_type(model, cls, inner)
        primary = bool(call is not None and call.flag("primary_key"))
        nullable = call.flag("nullable") if call is not None else None
        if nullable is None:
            nullable = False if primary else optional if inner is not None else True
        references = self._foreign_key_target(cls, positional)
        field_ = Field(
            name or assignment.target,
            type_,
            nullable,
            _default(assignment.target, call),
            primary,
            bool(call is not None and call.flag("unique")),
            references,
            assignment.line,
            description(call, "comment", "doc"),
        )
        # mapped_column(ForeignKey(...)) with no type of its own takes the referenced column's, even
        # under Mapped[int] (SQLAlchemy 2.0 and 2.1 alike)
        return Column(field_, assignment.target, references, inferred=has_key and type_expr is None)

    def _annotated_alias(self, cls: ClassRef, inner: Expr) -> tuple[Expr, Expr | None]:
        """`intpk = Annotated[int, mapped_column(primary_key=True)]`, used as `Mapped[intpk]`."""
        annotated = inner if inner.kind == "subscript" and inner.last == "Annotated" else None
        if annotated is None and inner.kind == "name":
            found = self.project.resolve(cls.module, inner.name)
            if isinstance(found, VarRef) and found.assignment.value is not None \
                    and found.assignment.value.kind == "subscript" and found.assignment.value.last == "Annotated":
                annotated = found.assignment.value
        if annotated is None or not annotated.args:
            return inner, None
        call = next((a for a in annotated.args[1:] if a.is_call("mapped_column")), None)
        return annotated.args[0], call

    def _annotation_type(self, model: ClassRef, cls: ClassRef, inner: Expr | None) -> str | None:
        if inner is None:
            return None
        mapped = self._type_annotation_map(model).get(inner.text)
        if mapped is not None:
            return _sa_type(mapped)
        if inner.kind == "subscript" and inner.last == "Literal":
            return "enum(" + ", ".join(a.value or a.text for a in inner.args) + ")"
        if inner.kind == "name":
            found = self.project.resolve(cls.module, inner.name)
            if isinstance(found, ClassRef) and any(
                    isinstance(b, tuple) and b and b[-1] in ("Enum", "StrEnum", "IntEnum")
                    for _, b in self.project.outside_bases(found)):
                return f"enum({inner.last})"
            if inner.last in _PY_TYPES:
                return _PY_TYPES[inner.last]
        return as_written(inner.text)

    def _type_annotation_map(self, model: ClassRef) -> dict[str, Expr]:
        """The declarative base's `type_annotation_map`, by the annotation's text (`datetime`, `str_30`)."""
        known = self._annotation_maps.get(id(model))
        if known is None:
            known = {}
            for ancestor in self.project.lineage(model):
                found = ancestor.decl.attribute("type_annotation_map") if self.is_root(ancestor) else None
                if found is not None and found.value is not None and found.value.kind == "dict":
                    known = dict(found.value.keywords)
                    break
            self._annotation_maps[id(model)] = known
        return known

    def _foreign_key_target(self, cls: ClassRef, positional: tuple[Expr, ...]) -> str | None:
        key = next((a for a in positional if a.is_call("ForeignKey")), None)
        if key is None or not key.args:
            return None
        target = key.args[0]
        if target.kind == "string" and target.value:
            return target.value
        if target.kind == "name" and len(target.name) >= 2:
            # `ForeignKey(Customer.id)`, `ForeignKey(customers.c.id)`
            owner = target.name[:-2] if target.name[-2] == "c" else target.name[:-1]
            table = self._table_of_expr(cls.module, Expr("name", target.line, owner, spelled=".".join(owner)))
            if table is not None:
                return f"{table}.{target.name[-1]}"
        return target.text

    def _relationship(self, model: ClassRef, cls: ClassRef, assignment: Assignment, call: Expr, table: Table) -> None:
        target_ref = self._relationship_target(cls, assignment, call)
        if target_ref is None:
            return
        target = self.table_name(target_ref)
        if target is None:
            return
        label = f"{model.name}.{assignment.target} → {target_ref.name}"
        secondary = call.keyword("secondary")
        if secondary is not None:
            via = self._table_of_expr(cls.module, secondary) if secondary.kind in ("name", "call") else secondary.value
            label += f" (many-to-many via {via or secondary.text})"
        table.relations.append(Relationship(item_id("table", table.name), item_id("table", target), "orm_relation",
                                            Origin("sqlalchemy", cls.module.path, assignment.line), label))

    def _relationship_target(self, cls: ClassRef, assignment: Assignment, call: Expr) -> ClassRef | None:
        argument = call.args[0] if call.args else call.keyword("argument")
        if argument is None:  # `items: Mapped[List["OrderItem"]] = relationship(back_populates="order")`
            inner = self._mapped_inner(cls, assignment.annotation) or assignment.annotation  # SQLModel: no Mapped[]
            argument = _innermost(inner) if inner is not None else None
        if argument is not None and argument.kind == "lambda" and argument.args:
            argument = argument.args[0]
        if argument is None:
            return None
        if argument.kind == "string" and argument.value:
            return self.project.class_named(cls.module, argument.value)
        if argument.kind == "name":
            found = self.project.resolve(cls.module, argument.name)
            return found if isinstance(found, ClassRef) else None
        return None

    def _table_args(self, ref: ClassRef, table: Table) -> None:
        args = ref.decl.attribute("__table_args__") or self._inherited_attribute(ref, "__table_args__")
        if args is None or args.value is None:
            return
        entries = args.value.args if args.value.kind == "list" else (args.value,)
        for entry in entries:
            if entry.kind == "dict":
                comment = entry.keyword("comment")
                if comment is not None and comment.value:
                    table.description = cached_redact(comment.value)
            else:
                _constraint(entry, table, Origin("sqlalchemy", ref.module.path, entry.line))

    # --- core Table() ---

    def _core_table(self, module: ModuleDecl, call: TableCall) -> None:
        expr = call.call
        if not _is_sqlalchemy_table(expr):
            return
        name = _core_table_name(expr)
        if name is None:
            self.out.problems.append(Problem(module.path, expr.line, call.column,
                                             f"Table() name is computed ({snippet(expr.args[0] if expr.args else None)}):"
                                             " its table is not read"))
            return
        table = self.out.table(name)
        table.origins.append(Origin("sqlalchemy", module.path, expr.line))
        if call.variable:
            table.fact("table_variable", call.variable)
        table.fact("orm", "sqlalchemy-core")
        if expr.keyword("autoload_with") is not None or expr.flag("autoload"):
            table.fact("reflected", "true")
        comment = expr.keyword("comment")
        if comment is not None and comment.value:
            table.description = cached_redact(comment.value)
        for arg in expr.args[1:]:
            origin = Origin("sqlalchemy", module.path, arg.line)
            if arg.is_call("Column"):
                column = self._core_column(arg)
                if column is not None:
                    _add_column(table, column, origin, arg)
            else:
                _constraint(arg, table, origin)

    def _core_column(self, call: Expr) -> Column | None:
        first = call.args[0] if call.args else call.keyword("name")
        if first is None or first.kind != "string" or not first.value:
            return None
        type_expr = next((a for a in call.args[1:] if a.kind in ("name", "call", "attribute")
                          and a.last not in _NOT_A_TYPE), None)
        primary = bool(call.flag("primary_key"))
        nullable = call.flag("nullable")
        references = None
        key = next((a for a in call.args if a.is_call("ForeignKey")), None)
        if key is not None and key.args:
            target = key.args[0]
            references = target.value if target.kind == "string" else target.text
        field_ = Field(first.value, _sa_type(type_expr) if type_expr is not None else None,
                       (not primary) if nullable is None else nullable, _default(first.value, call),
                       primary, bool(call.flag("unique")), references, call.line, description(call, "comment", "doc"))
        return Column(field_, first.value, references)

    def _problem(self, ref: ClassRef, at: Assignment, message: str) -> None:
        self.out.problems.append(Problem(ref.module.path, at.line, at.column, message))


def _add_column(table: Table, column: Column, origin: Origin, call: Expr | None) -> None:
    """A column, its foreign key and the index `index=True` asks for (named as SQLAlchemy's default
    naming convention names it: `ix_<table>_<column>`)."""
    table.add_column(column, replace=False)
    if column.references:
        table.relations.append(foreign_key(table.name, column, origin))
    if call is not None and call.flag("index"):
        table.add_index(Index(f"ix_{table.name.split('.')[-1]}_{column.field.name}", (column.field.name,),
                              unique=bool(call.flag("unique"))))


def _is_sqlalchemy_table(call: Expr) -> bool:
    """`Table(...)` is a common name (rich, prettytable, docx): SQLAlchemy's takes columns or reflects."""
    if not call.args:
        return False
    if call.name[:-1] and call.name[0] in ("sa", "sqlalchemy", "db", "schema"):
        return True
    return any(a.is_call("Column") for a in call.args) or call.keyword("autoload_with") is not None


def _core_table_name(call: Expr) -> str | None:
    first = call.args[0] if call.args else call.keyword("name")
    if first is None or first.kind != "string" or not first.value:
        return None
    schema = call.keyword("schema")
    return _qualified(schema.value if schema is not None and schema.kind == "string" else None, first.value)


def _constraint(entry: Expr, table: Table, origin: Origin) -> None:
    """`UniqueConstraint`, `Index`, `PrimaryKeyConstraint`, `ForeignKeyConstraint`, `CheckConstraint` of a table."""
    if entry.kind != "call":
        return
    names = [a.value if a.kind == "string" and a.value is not None else a.text for a in entry.args]
    label = entry.keyword("name")
    label_value = label.value if label is not None and label.kind == "string" else None
    if entry.last == "UniqueConstraint":
        table.add_index(Index(label_value, tuple(names), unique=True))
        if len(names) == 1:
            _mark(table, names[0], unique=True)
    elif entry.last == "Index" and names:
        table.add_index(Index(names[0], tuple(names[1:]), unique=bool(entry.flag("unique"))))
    elif entry.last == "PrimaryKeyConstraint":
        for column in names:
            _mark(table, column, primary_key=True)
    elif entry.last == "ForeignKeyConstraint" and len(entry.args) >= 2:
        local, remote = entry.args[0].strings, entry.args[1].strings
        for column, target in zip(local, remote):
            _mark(table, column, references=target)
        if remote:
            target_table = remote[0].rsplit(".", 1)[0]
            table.relations.append(Relationship(item_id("table", table.name), item_id("table", target_table),
                                                "foreign_key", origin, f"{', '.join(local)} → {', '.join(remote)}"))
    elif entry.last == "CheckConstraint" and entry.args:
        check = entry.args[0].value if entry.args[0].kind == "string" else entry.args[0].text
        add_check(table, check or "")


def _mark(table: Table, column: str, unique: bool = False, primary_key: bool = False,
          references: str | None = None) -> None:
    """A table-level constraint's word on one of the table's columns."""
    for position, known in enumerate(table.columns):
        if known.field.name == column:
            field_ = evolve(known.field, unique=known.field.unique or unique,
                            primary_key=known.field.primary_key or primary_key,
                            nullable=False if primary_key else known.field.nullable,
                            references=references or known.field.references)
            table.columns[position] = evolve(known, field=field_, references=field_.references)



def _sa_type(expr: Expr) -> str | None:
    """`String(120)` → `varchar(120)`, `Numeric(10, 2)` → `numeric(10,2)`, `ARRAY(Integer)` → `integer[]`;
    a type it does not know, as written."""
    if expr.kind == "call" and expr.name[:1] == ("",) and expr.args:  # `String(36).with_variant(...)`
        return _sa_type(expr.args[0])
    base = _SA_TYPES.get(expr.last)
    if base is None:
        return as_written(expr.text)
    if expr.kind != "call":
        return base
    numbers = [a.value for a in expr.args if a.kind == "number" and a.value]
    if base in _SA_LENGTH_TYPES:
        length = numbers[0] if numbers else number(expr.keyword("length"))
        return f"{base}({length})" if length else base
    if base in _SA_PRECISION_TYPES:
        precision = numbers[0] if numbers else number(expr.keyword("precision"))
        scale = numbers[1] if len(numbers) > 1 else number(expr.keyword("scale"))
        if precision and scale:
            return f"{base}({precision},{scale})"
        return f"{base}({precision})" if precision else base
    if base in ("timestamp", "datetime", "time") and expr.flag("timezone"):
        return f"{base} with time zone"
    if base == "array" and expr.args:
        item = _sa_type(expr.args[0])
        return f"{item}[]" if item else base
    if base == "enum" and expr.args:
        members = [a.value if a.kind == "string" and a.value is not None else a.last or a.text for a in expr.args]
        return f"enum({', '.join(members)})"
    return base


def _unwrap_optional(inner: Expr) -> tuple[Expr, bool]:
    """`Optional[X]`, `X | None`, `Union[X, None]` → (X, True); anything else → (it, False)."""
    if inner.kind == "subscript" and inner.last == "Optional" and inner.args:
        return inner.args[0], True
    members: tuple[Expr, ...] = ()
    if inner.kind == "union" or inner.kind == "subscript" and inner.last == "Union":
        members = inner.args
    if members:
        rest = [m for m in members if not (m.kind == "constant" and m.value == "None")]
        if len(rest) < len(members) and len(rest) == 1:
            return rest[0], True
    return inner, False


def _innermost(expr: Expr) -> Expr:
    """`List["OrderItem"]`, `Optional[Customer]` → the element type."""
    expr, _ = _unwrap_optional(expr)
    while expr.kind == "subscript" and expr.args:
        expr = expr.args[-1] if expr.last in ("Dict", "dict") else expr.args[0]
        expr, _ = _unwrap_optional(expr)
    return expr


def _merge_calls(alias: Expr, own: Expr | None) -> Expr:
    """An Annotated alias's mapped_column(...) with the attribute's own: the attribute's arguments win."""
    if own is None:
        return alias
    keywords = dict(alias.keywords)
    keywords.update(dict(own.keywords))
    return Expr("call", own.line, own.name, own.args or alias.args, tuple(keywords.items()), spelled=own.text)


def _snake_case(name: str) -> str:
    """Flask-SQLAlchemy's default table name: `OrderItem` → `order_item`, `HTTPLog` → `http_log`."""
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    return re.sub(r"([a-z\d])([A-Z])", r"\1_\2", name).lower().lstrip("_")


def _keyword(keywords: tuple[tuple[str, Expr], ...], name: str) -> Expr | None:
    return next((v for k, v in keywords if k == name), None)


def _qualified(schema: str | None, name: str | None) -> str | None:
    if name is None:
        return None
    return f"{schema}.{name}" if schema else name


def _default(name: str, call: Expr | None) -> str | None:
    """The database's default when the model says it (`server_default`), else the ORM's (`default`)."""
    if call is None:
        return None
    for keyword in ("server_default", "default", "insert_default"):
        value = call.keyword(keyword)
        if value is not None:
            if value.is_call("text") and value.args and value.args[0].kind == "string":
                value = value.args[0]
            return default_text(name, value)
    return None
