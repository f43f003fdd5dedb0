"""Django models of a project compiled into tables: concrete models, abstract bases, multi-table
inheritance, many-to-many join tables; app labels come from `apps.py`, `AUTH_USER_MODEL` and
`DEFAULT_AUTO_FIELD` from settings."""

from __future__ import annotations

from functools import lru_cache
from pathlib import PurePosixPath

from attrs import frozen
from flowscan.catalog.model import Field, Index, Origin, Problem, Relationship, item_id
from flowscan.catalog.readers.orm_python_project import ClassRef, Project, Symbol
from flowscan.catalog.readers.orm_python_source import Assignment, ClassDecl, Expr, cached_redact
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

#: Django field classes → (SQL-ish type, the keyword giving its length and its default length)
_DJANGO_TYPES: dict[str, tuple[str, str | None, str | None]] = {
    "AutoField": ("integer", None, None), "BigAutoField": ("bigint", None, None),
    "SmallAutoField": ("smallint", None, None), "CharField": ("varchar", "max_length", None),
    "SlugField": ("varchar", "max_length", "50"), "EmailField": ("varchar", "max_length", "254"),
    "URLField": ("varchar", "max_length", "200"), "FileField": ("varchar", "max_length", "100"),
    "ImageField": ("varchar", "max_length", "100"), "FilePathField": ("varchar", "max_length", "100"),
    "TextField": ("text", None, None), "IntegerField": ("integer", None, None),
    "BigIntegerField": ("bigint", None, None), "SmallIntegerField": ("smallint", None, None),
    "PositiveIntegerField": ("integer", None, None), "PositiveBigIntegerField": ("bigint", None, None),
    "PositiveSmallIntegerField": ("smallint", None, None), "FloatField": ("double precision", None, None),
    "DecimalField": ("numeric", None, None), "BooleanField": ("boolean", None, None),
    "NullBooleanField": ("boolean", None, None), "DateField": ("date", None, None),
    "DateTimeField": ("timestamp", None, None), "TimeField": ("time", None, None),
    "DurationField": ("interval", None, None), "UUIDField": ("uuid", None, None), "JSONField": ("json", None, None),
    "BinaryField": ("blob", None, None), "GenericIPAddressField": ("inet", None, None),
    "IPAddressField": ("inet", None, None), "HStoreField": ("hstore", None, None),
    "CICharField": ("citext", None, None), "CIEmailField": ("citext", None, None),
    "CITextField": ("citext", None, None),
}
_AUTO_FIELDS = {"AutoField": "integer", "BigAutoField": "bigint", "SmallAutoField": "smallint"}
_RELATION_FIELDS = frozenset({"ForeignKey", "OneToOneField", "ManyToManyField"})
#: fields that are no column (GenericForeignKey reads two other fields; GenericRelation is a reverse relation)
_NOT_COLUMNS = frozenset({"GenericForeignKey", "GenericRelation"})
#: models of django.contrib that projects point foreign keys at: (app_label, model) → table
_CONTRIB_TABLES = {
    ("auth", "User"): "auth_user", ("auth", "Group"): "auth_group", ("auth", "Permission"): "auth_permission",
    ("contenttypes", "ContentType"): "django_content_type", ("sites", "Site"): "django_site",
    ("admin", "LogEntry"): "django_admin_log", ("sessions", "Session"): "django_session",
}
_DEFAULT_AUTO_FIELD = "BigAutoField"  # what `startproject` and `startapp` configure


@frozen
class _Target:
    """Where a Django relation points: the table, its key column and that column's type."""

    table: str
    column: str
    type: str | None
    model: ClassRef | None
    label: str


@frozen
class _DjangoColumn:
    """The column a Django field makes: name, type, the field class it is (or extends), its target."""

    name: str
    type: str | None
    base: str
    references: str | None
    target: _Target | None


@frozen
class _AppConfig:
    label: str | None
    default_auto_field: str | None


class Django:
    """Django models of the project: concrete models, abstract bases, multi-table inheritance, M2M join tables."""

    def __init__(self, project: Project, out: Tables) -> None:
        self.project = project
        self.out = out
        self.apps = self._app_configs()
        self.settings = self._settings()
        self._is_model: dict[int, bool] = {}
        self._labels: dict[int, str] = {}
        self._fields: dict[int, list[tuple[ClassRef, Assignment, Expr]]] = {}
        self._tables: dict[int, str] = {}
        self._pks: dict[int, tuple[str, str | None]] = {}
        self.by_label: dict[tuple[str, str], ClassRef] = {}
        for ref in project.refs:
            if self.is_model(ref):
                self.by_label.setdefault((self.app_label(ref), ref.name), ref)

    # --- project configuration ---

    def _app_configs(self) -> dict[str, _AppConfig]:
        """`apps.py` AppConfig classes by app folder: `label` (or the last part of `name`) and `default_auto_field`."""
        configs: dict[str, _AppConfig] = {}
        for module in self.project.modules:
            if not module.path.endswith("/apps.py") and module.path != "apps.py":
                continue
            for decl in module.classes:
                if not any(b.last == "AppConfig" for b in decl.bases):
                    continue
                label = _string_attribute(decl, "label")
                name = _string_attribute(decl, "name")
                auto = _string_attribute(decl, "default_auto_field")
                configs[module.folder] = _AppConfig(label or (name.split(".")[-1] if name else None),
                                                    auto.split(".")[-1] if auto else None)
        return configs

    def _settings(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for module in self.project.modules:
            for assignment in module.assignments:
                if assignment.target in ("AUTH_USER_MODEL", "DEFAULT_AUTO_FIELD") and assignment.value is not None \
                        and assignment.value.kind == "string" and assignment.value.value:
                    found.setdefault(assignment.target, assignment.value.value)
        return found

    # --- what a class is ---

    def is_model(self, ref: ClassRef) -> bool:
        key = id(ref)
        if key not in self._is_model:
            self._is_model[key] = any(_is_django_model_base(base) for _, base in self.project.outside_bases(ref)) \
                or bool(self.unread_bases(ref)) and any(self._declares_django_field(c) for c in self.project.lineage(ref))
        return self._is_model[key]

    def unread_bases(self, ref: ClassRef) -> list[str]:
        """Bases from packages not read (`model_utils.models.TimeStampedModel`): their fields are not known."""
        return [".".join(base) for _, base in self.project.outside_bases(ref)
                if isinstance(base, tuple) and len(base) > 1 and not _is_django_model_base(base)
                and base[-1] not in ("Model", "object")]

    def _declares_django_field(self, cls: ClassRef) -> bool:
        """A body with `models.CharField(...)`-like calls resolving into django.db.models: a model whose
        base comes from a package not read is a model all the same."""
        if not any(q[:1] == ("django",) for q in cls.module.imports.values()):
            return False
        for assignment in cls.decl.body:
            value = assignment.value
            if value is not None and value.kind == "call" and value.name:
                found = self.project.resolve(cls.module, value.name)
                if isinstance(found, tuple) and found[:3] == ("django", "db", "models") and (
                        found[-1].endswith("Field") or found[-1] in _RELATION_FIELDS):
                    return True
        return False

    def meta(self, ref: ClassRef) -> dict[str, Expr]:
        """`class Meta` options, with those an abstract parent's Meta passes on (all but `abstract`)."""
        options: dict[str, Expr] = {}
        own = ref.decl.inner_class("Meta")
        inherits = own is None or any(b.last == "Meta" for b in own.bases)
        if inherits:
            for parent in reversed(self.project.ancestors(ref)):
                parent_meta = parent.decl.inner_class("Meta")
                if parent_meta is not None and self._abstract(parent):
                    options.update({a.target: a.value for a in parent_meta.body
                                    if a.value is not None and a.target not in ("abstract", "db_table")})
        if own is not None:
            options.update({a.target: a.value for a in own.body if a.value is not None})
        return options

    def _abstract(self, ref: ClassRef) -> bool:
        own = ref.decl.inner_class("Meta")
        if own is None:
            return False
        abstract = own.attribute("abstract")
        return abstract is not None and abstract.value is not None and abstract.value.value == "True"

    def app_label(self, ref: ClassRef) -> str:
        known = self._labels.get(id(ref))
        if known is None:
            known = self._labels[id(ref)] = self._find_app_label(ref)
        return known

    def _find_app_label(self, ref: ClassRef) -> str:
        explicit = _string_attribute(ref.decl.inner_class("Meta"), "app_label")
        if explicit:
            return explicit
        folder = _app_folder(ref.module.path)
        config = self.apps.get(folder)
        if config is not None and config.label:
            return config.label
        return PurePosixPath(folder).name or ref.module.module.split(".")[0]

    def table_name(self, ref: ClassRef) -> str:
        key = id(ref)
        if key not in self._tables:
            db_table = self.meta(ref).get("db_table")
            if db_table is not None and db_table.kind == "string" and db_table.value:
                self._tables[key] = db_table.value
            else:
                self._tables[key] = f"{self.app_label(ref)}_{ref.name.lower()}"
        return self._tables[key]

    def _concrete(self, ref: ClassRef) -> bool:
        if not self.is_model(ref) or self._abstract(ref):
            return False
        proxy = self.meta(ref).get("proxy")
        return not (proxy is not None and proxy.value == "True")

    def _concrete_parents(self, ref: ClassRef) -> list[ClassRef]:
        """Multi-table inheritance: the nearest concrete model ancestors (each gets a `<parent>_ptr`)."""
        parents: list[ClassRef] = []
        for base in self.project.bases(ref):
            if not isinstance(base, ClassRef) or not self.is_model(base):
                continue
            if self._concrete(base):
                parents.append(base)
            elif self._proxy(base):
                parents.extend(self._concrete_parents(base))
            else:
                parents.extend(p for p in self._concrete_parents(base) if p not in parents)
        return parents

    def _proxy(self, ref: ClassRef) -> bool:
        proxy = self.meta(ref).get("proxy")
        return proxy is not None and proxy.value == "True"

    def _fields_of(self, ref: ClassRef) -> list[tuple[ClassRef, Assignment, Expr]]:
        """(declaring class, assignment, field call) of each field the model's table has, abstract parents' first."""
        known = self._fields.get(id(ref))
        if known is None:
            known = self._fields[id(ref)] = self._find_fields(ref)
        return known

    def _find_fields(self, ref: ClassRef) -> list[tuple[ClassRef, Assignment, Expr]]:
        # Django copies the fields of abstract models only (a plain mixin's fields are ignored); a
        # concrete parent keeps its own, joined through `<parent>_ptr`
        contributors = [c for c in reversed(self.project.inherited(ref, self._concrete))
                        if self.is_model(c) and self._abstract(c)]
        fields: dict[str, tuple[ClassRef, Assignment, Expr]] = {}
        for cls in [*contributors, ref]:
            for assignment in cls.decl.body:
                call = assignment.value
                if call is not None and self._is_field(cls, call):
                    fields.pop(assignment.target, None)  # a redeclared field takes its new place
                    fields[assignment.target] = (cls, assignment, call)
                elif call is not None and assignment.target in fields and call.kind == "constant":
                    fields.pop(assignment.target)  # `field = None` removes an inherited field
        return list(fields.values())

    def _is_field(self, cls: ClassRef, call: Expr) -> bool:
        if call.kind != "call" or call.last in _NOT_COLUMNS or not call.last:
            return False
        return call.last.endswith("Field") or call.last in _RELATION_FIELDS or self._field_base(cls, call) is not None

    def _field_base(self, cls: ClassRef, call: Expr) -> str | None:
        """The Django field a custom field class extends (`class MoneyField(models.DecimalField)`)."""
        if call.last in _DJANGO_TYPES or call.last in _RELATION_FIELDS:
            return call.last
        found = self.project.resolve(cls.module, call.name)
        if isinstance(found, ClassRef):
            for _, base in self.project.outside_bases(found):
                if isinstance(base, tuple) and base and (base[-1] in _DJANGO_TYPES or base[-1] in _RELATION_FIELDS):
                    return base[-1]
        return None

    # --- primary keys and targets ---

    def primary_key(self, ref: ClassRef) -> tuple[str, str | None]:
        """(column, type) of a model's primary key; the type a foreign key to it has."""
        key = id(ref)
        if key in self._pks:
            return self._pks[key]
        self._pks[key] = ("id", None)  # a cycle of one-to-one keys ends here
        for cls, assignment, call in self._fields_of(ref):
            if call.flag("primary_key"):
                column = self._column(ref, cls, assignment, call)
                self._pks[key] = (column.name, _AUTO_FIELDS.get(column.base, column.type))
                return self._pks[key]
        parents = self._concrete_parents(ref)
        if parents:
            parent_type = self.primary_key(parents[0])[1]
            self._pks[key] = (f"{parents[0].name.lower()}_ptr_id", parent_type)
        else:
            self._pks[key] = ("id", _AUTO_FIELDS[self._auto_field(ref)])
        return self._pks[key]

    def _auto_field(self, ref: ClassRef) -> str:
        config = self.apps.get(_app_folder(ref.module.path))
        if config is not None and config.default_auto_field in _AUTO_FIELDS:
            return config.default_auto_field
        setting = self.settings.get("DEFAULT_AUTO_FIELD", "").split(".")[-1]
        return setting if setting in _AUTO_FIELDS else _DEFAULT_AUTO_FIELD

    def target(self, ref: ClassRef, cls: ClassRef, spelled: Expr | None) -> _Target | None:
        """The model a relation field names: a class, `"Model"`, `"app.Model"`, `"self"`, `settings.AUTH_USER_MODEL`."""
        if spelled is None:
            return None
        if spelled.kind == "name" and spelled.name[-1:] == ("AUTH_USER_MODEL",) or spelled.is_call("get_user_model"):
            return self._by_label(self.settings.get("AUTH_USER_MODEL", "auth.User"), ref)
        if spelled.kind == "string" and spelled.value:
            if spelled.value == "self":
                return self._model_target(ref)
            if "." in spelled.value:
                return self._by_label(spelled.value, ref)
            same_app = self.by_label.get((self.app_label(ref), spelled.value))
            if same_app is not None:
                return self._model_target(same_app)
            found = self.project.class_named(cls.module, spelled.value)
            return self._model_target(found) if found is not None and self.is_model(found) else \
                self._by_label(f"{self.app_label(ref)}.{spelled.value}", ref)
        if spelled.kind == "name":
            symbol = self.project.resolve(cls.module, spelled.name)
            if isinstance(symbol, ClassRef) and self.is_model(symbol):
                return self._model_target(symbol)
            if isinstance(symbol, tuple) and len(symbol) >= 3 and symbol[-2] == "models":
                # `from taggit.models import Tag`: Django's default naming, from the app the module sits in
                return self._by_label(f"{symbol[-3]}.{symbol[-1]}", ref)
        return None

    def _by_label(self, label: str, near: ClassRef) -> _Target | None:
        app, _, model = label.rpartition(".")
        if not app:
            app = self.app_label(near)
        found = self.by_label.get((app, model))
        if found is not None:
            return self._model_target(found)
        table = _CONTRIB_TABLES.get((app, model)) or f"{app}_{model.lower()}"
        contrib = (app, model) in _CONTRIB_TABLES
        return _Target(table, "id", "integer" if contrib else _AUTO_FIELDS[self._auto_field(near)], None, model)

    def _model_target(self, ref: ClassRef) -> _Target:
        column, type_ = self.primary_key(ref)
        return _Target(self.table_name(ref), column, type_, ref, ref.name)

    def _column(self, ref: ClassRef, cls: ClassRef, assignment: Assignment, call: Expr) -> _DjangoColumn:
        """The column a field makes: `customer` → `customer_id` with the type of the key it points to."""
        base = self._field_base(cls, call) or call.last
        db_column = call.keyword("db_column")
        name = db_column.value if db_column is not None and db_column.kind == "string" and db_column.value \
            else f"{assignment.target}_id" if base in ("ForeignKey", "OneToOneField") else assignment.target
        if base not in ("ForeignKey", "OneToOneField"):
            return _DjangoColumn(name, _django_type(call, base), base, None, None)
        target = self.target(ref, cls, call.args[0] if call.args else call.keyword("to"))
        if target is None:
            return _DjangoColumn(name, None, base, None, None)
        to_field = call.keyword("to_field")
        if to_field is not None and to_field.kind == "string" and to_field.value and target.model is not None:
            column, type_ = self._named_column(target.model, to_field.value)
            return _DjangoColumn(name, type_, base, f"{target.table}.{column}", target)
        return _DjangoColumn(name, target.type, base, f"{target.table}.{target.column}", target)

    def _named_column(self, ref: ClassRef, field_name: str) -> tuple[str, str | None]:
        """A model's column by field name (a `to_field=` target), with its type."""
        if field_name == "id" and not any(c.flag("primary_key") for _, _, c in self._fields_of(ref)):
            return self.primary_key(ref)
        for cls, assignment, call in self._fields_of(ref):
            if assignment.target == field_name:
                column = self._column(ref, cls, assignment, call)
                return column.name, _AUTO_FIELDS.get(column.base, column.type)
        return field_name, None

    # --- models → tables ---

    def read(self) -> None:
        for ref in self.project.refs:
            if self._concrete(ref):
                self._model(ref)

    def _model(self, ref: ClassRef) -> None:
        name = self.table_name(ref)
        table = self.out.table(name)
        table.origins.append(Origin("django", ref.module.path, ref.decl.line))
        table.fact("model", ref.qualname)
        table.fact("orm", "django")
        table.fact("app_label", self.app_label(ref))
        unread = self.unread_bases(ref)
        if unread:
            table.fact("unread_bases", ", ".join(unread))  # their fields are not in the list
        meta = self.meta(ref)
        managed = meta.get("managed")
        if managed is not None and managed.value == "False":
            table.fact("managed", "false")
        comment = meta.get("db_table_comment")
        table.description = table.description or (cached_redact(comment.value) if comment is not None and comment.value
                                                  else ref.decl.docstring)
        columns_by_field: dict[str, str] = {}
        fields = self._fields_of(ref)
        if not any(call.flag("primary_key") for _, _, call in fields):
            self._implicit_key(ref, table, columns_by_field)
        for cls, assignment, call in fields:
            if (self._field_base(cls, call) or call.last) == "ManyToManyField":
                self._many_to_many(ref, cls, assignment, call, table)
                continue
            column = self._field(ref, cls, assignment, call, table)
            columns_by_field[assignment.target] = column.name
        self._meta_indexes(ref, meta, table, columns_by_field)

    def _implicit_key(self, ref: ClassRef, table: Table, columns: dict[str, str]) -> None:
        parents = self._concrete_parents(ref)
        column, type_ = self.primary_key(ref)
        if parents:
            parent = self._model_target(parents[0])
            references = f"{parent.table}.{parent.column}"
            field_ = Field(column, type_, False, None, True, True, references, ref.decl.line)
            table.add_column(Column(field_, column, references))
            table.relations.append(foreign_key(table.name, table.columns[-1],
                                                Origin("django", ref.module.path, ref.decl.line)))
        else:
            table.add_column(Column(Field(column, type_, False, None, True, False, None, ref.decl.line), column, None))
        columns[column.removesuffix("_id") if parents else column] = column

    def _field(self, ref: ClassRef, cls: ClassRef, assignment: Assignment, call: Expr, table: Table) -> Field:
        resolved = self._column(ref, cls, assignment, call)
        base, column, references, relation = resolved.base, resolved.name, resolved.references, resolved.target
        type_ = resolved.type
        primary = bool(call.flag("primary_key"))
        null = call.flag("null")
        field_ = Field(
            column,
            type_,
            False if primary else bool(null),
            _django_default(assignment.target, call),
            primary,
            bool(call.flag("unique")) or base == "OneToOneField" or primary,
            references,
            assignment.line,
            description(call, "db_comment", "help_text"),
        )
        table.add_column(Column(field_, assignment.target, references))
        origin = Origin("django", cls.module.path, assignment.line)
        if relation is not None:
            table.relations.append(foreign_key(table.name, table.columns[-1], origin))
            if base == "ForeignKey" and call.flag("db_index") is not False:
                table.add_index(Index(None, (column,)))
        elif call.flag("db_index"):
            table.add_index(Index(None, (column,)))
        if relation is None and base in ("ForeignKey", "OneToOneField"):
            self.out.problems.append(Problem(cls.module.path, assignment.line, assignment.column,
                                             f"{ref.name}.{assignment.target}: the model it points to "
                                             f"({snippet(call.args[0] if call.args else call.keyword('to'))}) is not known:"
                                             " its reference is not read"))
        return field_

    def _many_to_many(self, ref: ClassRef, cls: ClassRef, assignment: Assignment, call: Expr, table: Table) -> None:
        target = self.target(ref, cls, call.args[0] if call.args else call.keyword("to"))
        origin = Origin("django", cls.module.path, assignment.line)
        if target is None:
            self.out.problems.append(Problem(cls.module.path, assignment.line, assignment.column,
                                             f"{ref.name}.{assignment.target}: the model it points to is not known:"
                                             " its join table is not read"))
            return
        through = call.keyword("through")
        if through is not None:
            through_target = self.target(ref, cls, through)
            via = through_target.table if through_target is not None else through.value or through.text
            table.relations.append(Relationship(item_id("table", table.name), item_id("table", target.table),
                                                "orm_relation", origin,
                                                f"{ref.name}.{assignment.target} → {target.label} (many-to-many via {via})"))
            return
        db_table = call.keyword("db_table")
        join_name = db_table.value if db_table is not None and db_table.kind == "string" and db_table.value \
            else f"{table.name}_{assignment.target}"
        source = self._model_target(ref)
        from_name, to_name = ref.name.lower(), (target.label or target.table).lower()
        if from_name == to_name:
            from_name, to_name = f"from_{from_name}", f"to_{to_name}"
        join = self.out.table(join_name)
        join.origins.append(origin)
        join.fact("model", f"{ref.qualname}.{assignment.target}")
        join.fact("orm", "django")
        join.fact("through", "implicit (ManyToManyField)")
        join.add_column(Column(Field("id", _AUTO_FIELDS[self._auto_field(ref)], False, None, True, False, None,
                                      assignment.line), "id", None))
        for column_name, end in ((f"{from_name}_id", source), (f"{to_name}_id", target)):
            references = f"{end.table}.{end.column}"
            column = Column(Field(column_name, end.type, False, None, False, False, references, assignment.line),
                             column_name, references)
            join.add_column(column)
            join.relations.append(foreign_key(join_name, column, origin))
            join.add_index(Index(None, (column_name,)))
        join.add_index(Index(None, (f"{from_name}_id", f"{to_name}_id"), unique=True))
        table.relations.append(Relationship(item_id("table", table.name), item_id("table", target.table), "orm_relation",
                                            origin, f"{ref.name}.{assignment.target} → {target.label} "
                                                    f"(many-to-many via {join_name})"))

    def _meta_indexes(self, ref: ClassRef, meta: dict[str, Expr], table: Table, columns: dict[str, str]) -> None:
        def column(spelled: str) -> str:
            bare = spelled.lstrip("-")
            return columns.get(bare, bare)

        for option, unique in (("unique_together", True), ("index_together", False)):
            value = meta.get(option)
            if value is None or value.kind != "list":
                continue
            groups = value.args if value.args and all(a.kind == "list" for a in value.args) else (value,)
            for group in groups:
                table.add_index(Index(None, tuple(column(c) for c in group.strings), unique=unique))
        for entry in _elements(meta.get("indexes")):
            if entry.kind != "call" or entry.last not in ("Index", "GinIndex", "GistIndex", "BrinIndex", "HashIndex",
                                                          "BTreeIndex", "SpGistIndex", "BloomIndex"):
                continue
            fields = entry.keyword("fields")
            names = [column(c) for c in fields.strings] if fields is not None else \
                [a.value if a.kind == "string" and a.value else a.text for a in entry.args]
            table.add_index(Index(self._index_name(ref, entry.keyword("name")), tuple(names)))
        for entry in _elements(meta.get("constraints")):
            if entry.is_call("UniqueConstraint"):
                fields = entry.keyword("fields")
                names = [column(c) for c in fields.strings] if fields is not None else [a.text for a in entry.args]
                table.add_index(Index(self._index_name(ref, entry.keyword("name")), tuple(names), unique=True))
            elif entry.is_call("CheckConstraint"):
                check = entry.keyword("condition") or entry.keyword("check")
                if check is not None:
                    name = self._index_name(ref, entry.keyword("name"))
                    add_check(table, f"{name}: {check.text}" if name else check.text)

    def _index_name(self, ref: ClassRef, spelled: Expr | None) -> str | None:
        """An index name, with an abstract base's `%(app_label)s` and `%(class)s` filled in."""
        if spelled is None or spelled.kind != "string" or not spelled.value:
            return None
        return spelled.value.replace("%(app_label)s", self.app_label(ref)).replace("%(class)s", ref.name.lower())


def _is_django_model_base(base: Symbol) -> bool:
    if not isinstance(base, tuple) or not base:
        return False
    if base in (("django", "db", "models", "Model"), ("django", "db", "models", "base", "Model")):
        return True
    # `models.Model` with no import seen (a star import, a vendored alias)
    return base == ("models", "Model")


def _django_type(call: Expr, base: str) -> str | None:
    """`CharField(max_length=120)` → `varchar(120)`, `DecimalField(max_digits=10, decimal_places=2)` →
    `numeric(10,2)`, `ArrayField(models.IntegerField())` → `integer[]`; an unknown field, as written."""
    if base == "ArrayField":
        inner = call.args[0] if call.args else call.keyword("base_field")
        inner_type = _django_type(inner, inner.last) if inner is not None else None
        return f"{inner_type}[]" if inner_type else "array"
    known = _DJANGO_TYPES.get(base)
    if known is None:
        return None if base in _RELATION_FIELDS else as_written(call.text if len(call.text) <= 60 else ".".join(call.name))
    type_, length_keyword, default_length = known
    if type_ == "numeric":
        digits, places = number(call.keyword("max_digits")), number(call.keyword("decimal_places"))
        return f"numeric({digits},{places})" if digits and places else "numeric"
    if length_keyword is not None:
        length = number(call.keyword(length_keyword)) or default_length
        return f"{type_}({length})" if length else type_
    return type_


def _django_default(name: str, call: Expr) -> str | None:
    for keyword in ("db_default", "default"):
        value = call.keyword(keyword)
        if value is not None:
            return default_text(name, value)
    for keyword in ("auto_now_add", "auto_now"):
        if call.flag(keyword):
            return keyword
    return None


def _elements(expr: Expr | None) -> tuple[Expr, ...]:
    return expr.args if expr is not None and expr.kind == "list" else ()


def _string_attribute(decl: ClassDecl | None, name: str) -> str | None:
    found = decl.attribute(name) if decl is not None else None
    return found.value.value if found is not None and found.value is not None and found.value.kind == "string" else None


@lru_cache(maxsize=4096)
def _app_folder(path: str) -> str:
    """The Django app a models file belongs to: the folder of `models.py`, or above a `models/` package."""
    folder = PurePosixPath(path).parent
    if folder.name == "models":
        folder = folder.parent
    return str(folder)

