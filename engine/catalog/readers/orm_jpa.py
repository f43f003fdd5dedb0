"""JPA / Jakarta Persistence entities as tables, named as Spring Boot's Hibernate names them.

An `@Entity` class is a table. Its name is `@Table(name, schema, catalog)` or the entity
name (`@Entity(name)`, else the class name); every name — given or implied — goes through
Spring Boot's default physical naming (`OrderItem` → `order_item`, `createdAt` →
`created_at`), as the database will see it. Columns come from the fields (or the getters
when `@Id` sits on a getter), from `@MappedSuperclass` bases and `@Embeddable` values
(also declared in other files), and from the owning side of associations: a `@ManyToOne`
is a join column and a foreign key, a `@ManyToMany` a join table with two. `mappedBy`
sides are `orm_relation`s, since the key lives on the other table.

Inheritance follows `@Inheritance`: SINGLE_TABLE (the default) puts subclass columns in
the root's table (nullable, beside a discriminator), JOINED gives each subclass its own
table keyed by a foreign key to its parent's, TABLE_PER_CLASS copies inherited columns.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from attrs import field, frozen

from flowscan.catalog.files import CatalogFile
from flowscan.catalog.model import Field, Index, Origin, Part, Problem, Relationship, item_id
from flowscan.catalog.readers import Reader
from flowscan.catalog.readers.orm_jpa_source import (
    Annotation, Attribute, ClassRef, Concat, JavaClass, JavaType, Symbol, Value, read_classes,
)
from flowscan.catalog.readers.orm_source import Source, Table, has_marker, notes, parse, read_bytes

SOURCE = "jpa"
#: a file without one of these declares no entity, base or embeddable: it is not parsed
MARKERS = (b"@Entity", b"@Table", b"@MappedSuperclass", b"@Embeddable", b"persistence.Entity")
_PERSISTENCE = ("javax.persistence", "jakarta.persistence")
_SPRING_DATA = "org.springframework.data.jpa.domain"
#: how deep embeddables may nest, and superclasses chain, before a cycle is assumed
_MAX_DEPTH = 12

_RELATIONS = ("ManyToOne", "OneToOne", "OneToMany", "ManyToMany")
_NOT_NULL = ("NotNull", "NonNull", "Nonnull")
#: annotations that make even a collection-typed attribute one column (JSON, a converter, a LOB)
_BASIC_MARKS = ("Column", "JdbcTypeCode", "Convert", "Type", "Lob")

# --- Java types → SQL-ish types (Hibernate 6's defaults, dialect-neutral spelling) ---------------

_BASIC_TYPES: dict[str, str] = {
    "long": "bigint", "Long": "bigint", "int": "integer", "Integer": "integer",
    "short": "smallint", "Short": "smallint", "byte": "tinyint", "Byte": "tinyint",
    "boolean": "boolean", "Boolean": "boolean", "double": "double precision", "Double": "double precision",
    "float": "real", "Float": "real", "char": "char(1)", "Character": "char(1)",
    "LocalDate": "date", "LocalTime": "time", "OffsetTime": "time with time zone", "Time": "time",
    "LocalDateTime": "timestamp", "Instant": "timestamp", "Timestamp": "timestamp", "Date": "timestamp",
    "Calendar": "timestamp", "OffsetDateTime": "timestamp with time zone", "ZonedDateTime": "timestamp with time zone",
    "UUID": "uuid", "Duration": "interval", "Year": "integer", "Currency": "varchar(3)",
    "Locale": "varchar(255)", "ZoneId": "varchar(255)", "TimeZone": "varchar(255)", "URL": "varchar(255)",
    "Blob": "blob", "Clob": "clob", "NClob": "nclob",
}
#: `java.sql.Date` is a date, `java.util.Date` a timestamp (unless @Temporal says otherwise)
_QUALIFIED_TYPES = {"java.sql.Date": "date", "java.sql.Time": "time", "java.sql.Timestamp": "timestamp"}
_TEMPORAL = {"DATE": "date", "TIME": "time", "TIMESTAMP": "timestamp"}
_COLLECTIONS = frozenset({"List", "Set", "Collection", "SortedSet", "Iterable", "Map", "SortedMap",
                          "ArrayList", "HashSet", "LinkedHashSet", "TreeSet", "LinkedList", "HashMap"})


# --- naming -------------------------------------------------------------------------------------------


def physical_name(name: str) -> str:
    """Spring Boot's default physical naming (`CamelCaseToUnderscoresNamingStrategy`).

    `OrderItem` → `order_item`, `addressLine1` → `address_line1`, `HTTPStatus` → `httpstatus`
    (an underscore only goes between a lower-case letter or digit and an upper-case letter
    followed by a lower-case letter or digit). Quoted names (`"Order"`, `` `Order` ``) are kept.
    """
    if len(name) >= 2 and name[0] == name[-1] and name[0] in "\"`":
        return name[1:-1]
    chars = list(name.replace(".", "_"))
    i = 1
    while i < len(chars) - 1:
        before, current, after = chars[i - 1], chars[i], chars[i + 1]
        if (before.islower() or before.isdigit()) and current.isupper() and (after.islower() or after.isdigit()):
            chars.insert(i, "_")
            i += 1
        i += 1
    return "".join(chars).lower()


def _qualified_table(*parts: str | None) -> str:
    return ".".join(physical_name(p) for p in parts if p)


# --- the project: every class read, resolved by the rules of Java names ---------------------------------


class Project:
    """Classes by qualified and simple name; a file not yet parsed is parsed when a name needs it.

    Model files are parsed up front; an enum or a constants class lives in a file without
    markers, found by the Java convention that a top-level class `Status` is in `Status.java`.
    """

    def __init__(self, classes: list[JavaClass], helpers: dict[str, list[CatalogFile]]) -> None:
        self.by_qualified: dict[str, JavaClass] = {}
        self.by_simple: dict[str, list[JavaClass]] = {}
        self._helpers = helpers
        for cls in classes:
            self._add(cls)

    def _add(self, cls: JavaClass) -> None:
        self.by_qualified.setdefault(cls.qualified, cls)
        self.by_simple.setdefault(cls.name, []).append(cls)

    def _load(self, stem: str) -> None:
        for file in self._helpers.pop(stem, []):
            data = read_bytes(file)
            if isinstance(data, Problem):
                continue  # a helper file only refines a model (an enum's type); its owner reports it
            source = parse(file, data, "java", report=False)
            if isinstance(source, Source):
                for cls in read_classes(source):
                    self._add(cls)

    def resolve(self, name: str, context: JavaClass) -> JavaClass | None:
        """The class `name` means inside `context`, by Java's rules; None when it is not in the project."""
        head, _, rest = name.partition(".")
        if rest and (found := self._qualified(name)) is not None:
            return found
        base = self._resolve_simple(head, context)
        if base is None or not rest:
            return base
        return self.by_qualified.get(f"{base.qualified}.{rest}")

    def _qualified(self, name: str) -> JavaClass | None:
        if name not in self.by_qualified:
            self._load(name.rsplit(".", 1)[-1])
        return self.by_qualified.get(name)

    def _resolve_simple(self, name: str, context: JavaClass) -> JavaClass | None:
        enclosing: JavaClass | None = context
        while enclosing is not None:  # nested classes of the context and its outers
            if enclosing.name == name:
                return enclosing
            if (nested := self.by_qualified.get(f"{enclosing.qualified}.{name}")) is not None:
                return nested
            enclosing = self.by_qualified.get(enclosing.outer) if enclosing.outer else None
        scope = context.scope
        if name in scope.imports:
            return self._qualified(scope.imports[name])
        candidates = [f"{scope.package}.{name}" if scope.package else name,
                      *(f"{package}.{name}" for package in scope.wildcards)]
        for attempt in range(2):
            for candidate in candidates:
                if candidate in self.by_qualified:
                    return self.by_qualified[candidate]
            if attempt == 0:
                self._load(name)
        same_name = self.by_simple.get(name, [])
        return same_name[0] if len(same_name) == 1 else None

    def is_persistence(self, annotation: Annotation, context: JavaClass) -> bool:
        """Whether an annotation is JPA's (`jakarta.persistence.Entity`), not a namesake from another library."""
        if "." in annotation.name:
            return annotation.name.rsplit(".", 1)[0] in _PERSISTENCE
        imported = context.scope.imports.get(annotation.name)
        if imported is not None:
            return imported.rsplit(".", 1)[0] in _PERSISTENCE
        return any(p in _PERSISTENCE for p in context.scope.wildcards)

    def string(self, value: Value, context: JavaClass, depth: int = 0) -> str | None:
        """An annotation value as text: literals, concatenations and constants the project declares."""
        if isinstance(value, str):
            return value
        if isinstance(value, Concat):
            parts = [self.string(p, context, depth + 1) for p in value.parts]
            return "".join(parts) if all(p is not None for p in parts) else None  # type: ignore[arg-type]
        if isinstance(value, Symbol) and depth < _MAX_DEPTH:
            owner_name, _, constant = value.name.rpartition(".")
            owner = self.resolve(owner_name, context) if owner_name else context
            while owner is not None:
                if constant in owner.constants:
                    return self.string(owner.constants[constant], owner, depth + 1)
                owner = self.by_qualified.get(owner.outer) if owner.outer else None
        return None


# --- what the mapping builds ------------------------------------------------------------------------------


@frozen(eq=False)
class Entity:
    cls: JavaClass
    name: str
    #: the table its own columns go to (the root's, for a SINGLE_TABLE subclass)
    table: str
    #: the topmost entity of its hierarchy, and that hierarchy's strategy
    root: JavaClass
    strategy: str
    #: nearest entity ancestor
    parent: JavaClass | None
    property_access: bool


@frozen
class Column:
    """A key column another table's foreign key points at."""

    name: str
    type: str | None
    #: False for the `id` assumed when the other table's key is not in the files read
    known: bool = True

    def of(self, table: str) -> str | None:
        """What a foreign key to this column references, `table.column`; None when the key is assumed."""
        return f"{table}.{self.name}" if self.known else None

    @property
    def label(self) -> str:
        return self.name if self.known else "?"


_UNKNOWN_KEY = Column("id", None, known=False)


@frozen(eq=False)
class Place:
    """Where an attribute's columns go, and what shapes them on the way."""

    table: Table
    entity: Entity
    #: the class that declares the attribute: the scope its names resolve in
    declaring: JavaClass
    #: type variables of a generic base (`BaseEntity<Long>`: ID → Long)
    bindings: dict[str, JavaType] = field(factory=dict)
    #: `@AttributeOverride`s by attribute path, relative to `declaring`
    overrides: dict[str, Annotation] = field(factory=dict)
    #: a SINGLE_TABLE subclass's columns cannot be NOT NULL: other rows lack them
    force_nullable: bool = False
    note: str | None = None
    depth: int = 0


# --- the reader -----------------------------------------------------------------------------------------------


def read(files: Sequence[CatalogFile]) -> Part:
    problems: list[Problem] = []
    classes: list[JavaClass] = []
    helpers: dict[str, list[CatalogFile]] = {}
    for file in files:
        data = read_bytes(file)
        if isinstance(data, Problem):
            problems.append(data)
            continue
        if not has_marker(data, MARKERS):
            helpers.setdefault(file.path.stem, []).append(file)
            continue
        source = parse(file, data, "java")
        if isinstance(source, Problem):
            problems.append(source)
            continue
        problems.extend(source.problems)
        classes.extend(read_classes(source))
    mapper = Mapper(Project(classes, helpers), problems)
    return mapper.map(classes)


class Mapper:
    def __init__(self, project: Project, problems: list[Problem]) -> None:
        self.project = project
        self.problems = problems
        self.tables: dict[str, Table] = {}
        self.relationships: list[Relationship] = []
        self.entities: dict[str, Entity] = {}
        self._ids: dict[str, list[Column]] = {}
        #: columns an association puts into another entity's table, added once all tables exist
        self._deferred: list[tuple[str, Field, Origin]] = []
        #: entities that other entities extend, known once every entity is
        self._roots: set[str] | None = None

    def map(self, classes: list[JavaClass]) -> Part:
        for cls in classes:
            if self._is_entity(cls):
                self.entities[cls.qualified] = self._entity(cls)
        # roots before subclasses, so a shared table lists the root's columns and facts first
        for entity in sorted(self.entities.values(), key=self._depth):
            self._map_entity(entity)
        for table_name, column, origin in self._deferred:
            self._table(table_name, origin).add(column)
        items = tuple(table.item() for table in self.tables.values())
        return Part(items, tuple(self.relationships), tuple(self.problems))

    def _depth(self, entity: Entity) -> int:
        return sum(1 for ancestor, _ in self._ancestors(entity.cls) if ancestor.has("Entity"))

    def _is_entity(self, cls: JavaClass) -> bool:
        annotation = cls.annotation("Entity")
        return annotation is not None and cls.kind == "class" and self.project.is_persistence(annotation, cls)

    # --- entities, their names and hierarchies ---

    def _entity(self, cls: JavaClass) -> Entity:
        entity_annotation = cls.annotation("Entity")
        assert entity_annotation is not None
        name = self._text(entity_annotation.get("name"), cls, "entity name", entity_annotation.line) or cls.name
        ancestors = [a for a, _ in self._ancestors(cls)]
        entity_ancestors = [a for a in ancestors if a.has("Entity")]
        root = entity_ancestors[-1] if entity_ancestors else cls
        strategy = self._strategy(root)
        own_table = self._table_name(cls, name)
        if root is not cls and strategy == "single_table":
            root_name = self._entity_name(root)
            own_table = self._table_name(root, root_name)
        property_access = self._property_access([cls, *ancestors])
        return Entity(cls, name, own_table, root, strategy, entity_ancestors[0] if entity_ancestors else None,
                      property_access)

    def _entity_name(self, cls: JavaClass) -> str:
        annotation = cls.annotation("Entity")
        value = annotation.get("name") if annotation is not None else None
        return self.project.string(value, cls) or cls.name

    def _table_name(self, cls: JavaClass, entity_name: str) -> str:
        table = cls.annotation("Table")
        if table is None:
            return physical_name(entity_name)
        name = self._text(table.get("name"), cls, "table name", table.line) or entity_name
        schema = self._text(table.get("schema"), cls, "schema", table.line)
        catalog = self._text(table.get("catalog"), cls, "catalog", table.line)
        return _qualified_table(catalog, schema, name)

    def _strategy(self, root: JavaClass) -> str:
        inheritance = root.annotation("Inheritance")
        strategy = inheritance.get("strategy") if inheritance is not None else None
        return strategy.last.lower() if isinstance(strategy, Symbol) else "single_table"

    def _ancestors(self, cls: JavaClass) -> Iterator[tuple[JavaClass, dict[str, JavaType]]]:
        """Superclasses found in the project, nearest first, with what their type parameters stand for."""
        seen = {cls.qualified}
        current, bindings = cls, dict[str, JavaType]()
        while current.superclass is not None and len(seen) < _MAX_DEPTH:
            parent = self.project.resolve(current.superclass.name, current)
            if parent is None or parent.qualified in seen:
                return
            arguments = [_bound(a, bindings) for a in current.superclass.arguments]
            bindings = dict(zip(parent.type_parameters, arguments, strict=False))
            seen.add(parent.qualified)
            yield parent, bindings
            current = parent

    def _property_access(self, chain: list[JavaClass]) -> bool:
        """JPA's access type: explicit `@Access`, else where the `@Id` sits (field, or getter)."""
        for cls in chain:
            access = cls.annotation("Access")
            value = access.get("value") if access is not None else None
            if isinstance(value, Symbol):
                return value.last == "PROPERTY"
        for cls in chain:
            if any(f.has("Id", "EmbeddedId") for f in cls.fields):
                return False
            if any(g.has("Id", "EmbeddedId") for g in cls.getters):
                return True
        return False

    def _attributes(self, cls: JavaClass, property_access: bool) -> list[Attribute]:
        attributes = cls.getters if property_access else cls.fields
        # under property access a getter without a field behind it is still mapped; both skip @Transient
        return [a for a in attributes if not a.static and not a.transient and not a.has("Transient")]

    # --- one entity ---

    def _map_entity(self, entity: Entity) -> None:
        cls = entity.cls
        origin = Origin(SOURCE, cls.scope.path, cls.line)
        table = self._table(entity.table, origin)
        subclass_in_root = entity.root is not cls and entity.strategy == "single_table"
        if subclass_in_root:
            self._note_subclass(table, entity)
        else:
            self._describe(table, entity)
        layers = self._layers(entity)
        if not subclass_in_root and (library_id := self._library_id(entity)) is not None:
            table.add(library_id)
        for layer, bindings in layers:
            if layer is not cls:
                table.origin(Origin(SOURCE, layer.scope.path, layer.line))
            note = None if layer is cls else f"inherited from {layer.qualified}"
            place = Place(table, entity, layer, bindings, self._class_overrides(cls), subclass_in_root, note)
            attributes = self._attributes(layer, entity.property_access)
            maps_id = any(a.has("MapsId") for a in attributes)
            for attribute in attributes:
                if maps_id and attribute.has("Id") and not attribute.has(*_RELATIONS):
                    continue  # @MapsId: the association's join column is the primary key
                self._attribute(attribute, place)
        if entity.root is cls:
            self._discriminator(table, entity)
            self._check_key(table, entity)
        elif entity.strategy == "joined":
            self._joined_key(table, entity, origin)
        if not subclass_in_root:
            self._table_constraints(table, cls)

    def _unread_superclass(self, cls: JavaClass) -> tuple[JavaClass, JavaType] | None:
        """The topmost class read and the superclass it names that is not in the files read, if any."""
        top = cls
        for ancestor, _ in self._ancestors(cls):
            top = ancestor
        if top.superclass is None or self.project.resolve(top.superclass.name, top) is not None:
            return None
        return top, top.superclass

    def _library_id(self, entity: Entity) -> Field | None:
        """Spring Data's `AbstractPersistable<PK>` declares the key: `@Id @GeneratedValue PK id`."""
        unread = self._unread_superclass(entity.root)
        if unread is None:
            return None
        top, superclass = unread
        name = superclass.name
        qualified = name if "." in name else top.scope.imports.get(name) or (
            f"{_SPRING_DATA}.{name}" if _SPRING_DATA in top.scope.wildcards else name)
        if qualified != f"{_SPRING_DATA}.AbstractPersistable":
            return None
        key = superclass.arguments[0] if superclass.arguments else JavaType("Long")
        type_ = _BASIC_TYPES.get(key.simple) or ("varchar(255)" if key.simple == "String" else None)
        return Field("id", type_, False, primary_key=True, line=top.line,
                     description=f"generated (auto); inherited from {qualified}")

    def _check_key(self, table: Table, entity: Entity) -> None:
        """An entity without a key in the files read: say why, since every foreign key to it is unknown too."""
        if any(c.primary_key for c in table.columns.values()):
            return
        unread = self._unread_superclass(entity.cls)
        why = f"; its superclass `{unread[1].name}` is not in the files read" if unread is not None else ""
        self._problem(entity.cls, entity.cls.line, f"entity {entity.cls.name} has no @Id or @EmbeddedId{why}: "
                                                   "its primary key is unknown")

    def _layers(self, entity: Entity) -> list[tuple[JavaClass, dict[str, JavaType]]]:
        """The classes whose attributes are this entity's own columns, topmost first.

        Mapped superclasses up to the next entity ancestor (whose table holds the rest);
        with TABLE_PER_CLASS, every ancestor, since each concrete table repeats them.
        """
        layers: list[tuple[JavaClass, dict[str, JavaType]]] = [(entity.cls, {})]
        for ancestor, bindings in self._ancestors(entity.cls):
            if ancestor.has("Entity") and entity.strategy != "table_per_class":
                break
            if ancestor.has("MappedSuperclass", "Entity"):
                layers.append((ancestor, bindings))
        return list(reversed(layers))

    def _describe(self, table: Table, entity: Entity) -> None:
        cls = entity.cls
        table.facts.setdefault("model", cls.qualified)
        if entity.name != cls.name:
            table.facts.setdefault("entity_name", entity.name)
        if cls.has("Inheritance") or (entity.root is cls and self._has_subclasses(cls)):
            table.facts.setdefault("inheritance", entity.strategy)
        if entity.parent is not None and entity.strategy != "single_table":
            table.facts.setdefault("extends", entity.parent.qualified)
        comment = cls.annotation("Comment")
        described = self.project.string(comment.get("value"), cls) if comment is not None else cls.doc
        table.description = table.description or described

    def _has_subclasses(self, cls: JavaClass) -> bool:
        if self._roots is None:
            self._roots = {e.root.qualified for e in self.entities.values() if e.root is not e.cls}
        return cls.qualified in self._roots

    def _note_subclass(self, table: Table, entity: Entity) -> None:
        known = table.facts.get("subclasses")
        table.facts["subclasses"] = f"{known}, {entity.cls.qualified}" if known else entity.cls.qualified

    def _discriminator(self, table: Table, entity: Entity) -> None:
        cls = entity.cls
        annotation = cls.annotation("DiscriminatorColumn")
        if annotation is None and not (entity.strategy == "single_table" and self._has_subclasses(cls)):
            return
        name = self.project.string(annotation.get("name"), cls) if annotation is not None else None
        kind = annotation.get("discriminatorType") if annotation is not None else None
        length = annotation.get("length") if annotation is not None else None
        type_ = {"INTEGER": "integer", "CHAR": "char(1)"}.get(kind.last if isinstance(kind, Symbol) else "",
                                                               f"varchar({length if isinstance(length, int) else 31})")
        line = annotation.line if annotation is not None else cls.line
        table.add(Field(physical_name(name or "DTYPE"), type_, False, line=line,
                        description="discriminator: which entity class a row is"))

    def _joined_key(self, table: Table, entity: Entity, origin: Origin) -> None:
        """A JOINED subclass's primary key is also a foreign key to its parent's table."""
        parent = self.entities.get(entity.parent.qualified) if entity.parent is not None else None
        if parent is None:
            return
        join = entity.cls.annotation("PrimaryKeyJoinColumn")
        given = self.project.string(join.get("name"), entity.cls) if join is not None else None
        keys = self._id_columns(parent)
        pairs = []
        for index, key in enumerate(keys):
            name = physical_name(given) if given and index == 0 else key.name
            table.add(Field(name, key.type, False, primary_key=True, references=f"{parent.table}.{key.name}",
                            line=entity.cls.line))
            pairs.append((name, key.label))
        if pairs:
            self._foreign_key(table.name, parent.table, pairs, origin)

    def _class_overrides(self, cls: JavaClass) -> dict[str, Annotation]:
        """`@AttributeOverride` on an entity renames columns of its mapped superclasses."""
        return _overrides(cls.annotations)

    # --- table-level annotations ---

    def _table_constraints(self, table: Table, cls: JavaClass) -> None:
        annotation = cls.annotation("Table")
        if annotation is None:
            return
        for index in _annotations_in(annotation.get("indexes"), "Index"):
            columns = self.project.string(index.get("columnList"), cls) or ""
            names = tuple(physical_name(_without_order(c)) for c in columns.split(",") if c.strip())
            table.indexes.append(Index(self.project.string(index.get("name"), cls), names, index.get("unique") is True))
        for constraint in _annotations_in(annotation.get("uniqueConstraints"), "UniqueConstraint"):
            names = tuple(physical_name(n) for n in self._strings(constraint.get("columnNames"), cls))
            table.indexes.append(Index(self.project.string(constraint.get("name"), cls), names, True))

    # --- attributes ---

    def _attribute(self, attribute: Attribute, place: Place) -> None:
        if attribute.has("EmbeddedId", "Embedded") or (self._embeddable(attribute, place) is not None
                                                       and not attribute.has(*_RELATIONS, "ElementCollection")):
            self._embedded(attribute, place)
        elif attribute.has("ManyToOne", "OneToOne"):
            self._to_one(attribute, place)
        elif attribute.has("OneToMany", "ManyToMany"):
            self._to_many(attribute, place)
        elif attribute.has("ElementCollection"):
            self._element_collection(attribute, place)
        elif self._is_plural(attribute, place) and not attribute.has(*_BASIC_MARKS):
            return  # a bare collection is not a column (Hibernate would refuse it)
        else:
            place.table.add(self._basic(attribute, place))

    def _type(self, attribute: Attribute, place: Place) -> JavaType:
        return _bound(attribute.type, place.bindings)

    def _is_plural(self, attribute: Attribute, place: Place) -> bool:
        return self._type(attribute, place).simple in _COLLECTIONS

    def _embeddable(self, attribute: Attribute, place: Place) -> JavaClass | None:
        type_ = self._type(attribute, place)
        if type_.primitive or type_.dimensions:
            return None
        cls = self.project.resolve(type_.name, place.declaring)
        return cls if cls is not None and cls.has("Embeddable") else None

    def _column_annotation(self, attribute: Attribute, place: Place) -> Annotation | None:
        override = place.overrides.get(attribute.name)
        column = override.get("column") if override is not None else None
        return column if isinstance(column, Annotation) else attribute.annotation("Column")

    def _basic(self, attribute: Attribute, place: Place, primary_key: bool = False) -> Field:
        column = self._column_annotation(attribute, place)
        given = self._text(column.get("name"), place.declaring, "column name", column.line) if column else None
        definition = self.project.string(column.get("columnDefinition"), place.declaring) if column else None
        type_, default, definition_not_null = _split_definition(definition)
        type_ = type_ or self._sql_type(attribute, column, place)
        primary_key = primary_key or attribute.has("Id")
        not_null = (primary_key or definition_not_null or self._declared_not_null(attribute, column)
                    or self._type(attribute, place).primitive)
        default = default or self._column_default(attribute, place)
        return Field(
            physical_name(given or attribute.name), type_, (place.force_nullable and not primary_key) or not not_null,
            default, primary_key,
            bool(column is not None and column.get("unique") is True), None, attribute.line,
            self._description(attribute, place),
        )

    def _declared_not_null(self, attribute: Attribute, column: Annotation | None) -> bool:
        basic = attribute.annotation("Basic")
        return (column is not None and column.get("nullable") is False) or attribute.has(*_NOT_NULL) or (
            basic is not None and basic.get("optional") is False)

    def _column_default(self, attribute: Attribute, place: Place) -> str | None:
        default = attribute.annotation("ColumnDefault")
        return self.project.string(default.get("value"), place.declaring) if default is not None else None

    def _description(self, attribute: Attribute, place: Place) -> str | None:
        comment = attribute.annotation("Comment")
        described = self.project.string(comment.get("value"), place.declaring) if comment is not None else attribute.doc
        generated = attribute.annotation("GeneratedValue")
        if generated is not None:
            strategy = generated.get("strategy")
            how = f"generated ({strategy.last.lower() if isinstance(strategy, Symbol) else 'auto'})"
            described = notes(described, how)
        return notes(described, place.note)

    def _sql_type(self, attribute: Attribute, column: Annotation | None, place: Place) -> str | None:
        type_ = self._type(attribute, place)
        code = attribute.annotation("JdbcTypeCode")
        if code is not None and isinstance(code.get("value"), Symbol):
            return code.get("value").last.lower()  # type: ignore[union-attr]
        if attribute.has("Convert", "Type"):
            return None  # a converter decides the column type
        if attribute.has("Lob"):
            return "clob" if type_.simple in ("String", "char", "Character") else "blob"
        if type_.dimensions:
            if type_.simple in ("byte", "Byte"):
                return f"varbinary({self._length(attribute, column)})"
            if type_.simple in ("char", "Character"):
                return f"varchar({self._length(attribute, column)})"
            return None
        if type_.simple == "String":
            return f"varchar({self._length(attribute, column)})"
        if type_.simple in ("BigDecimal", "BigInteger"):
            return self._numeric(type_.simple, column)
        temporal = attribute.annotation("Temporal")
        if temporal is not None and isinstance(temporal.get("value"), Symbol):
            return _TEMPORAL.get(temporal.get("value").last)  # type: ignore[union-attr]
        enumerated = attribute.annotation("Enumerated")
        if enumerated is not None or self._is_enum(type_, place):
            kind = enumerated.get("value") if enumerated is not None else None
            if isinstance(kind, Symbol) and kind.last == "STRING":
                return f"varchar({self._length(attribute, column)})"
            return "integer"  # EnumType.ORDINAL, JPA's default
        if type_.name in _QUALIFIED_TYPES:
            return _QUALIFIED_TYPES[type_.name]
        if type_.simple in _BASIC_TYPES and self._is_platform_type(type_, place):
            return _BASIC_TYPES[type_.simple]
        return None

    def _is_platform_type(self, type_: JavaType, place: Place) -> bool:
        """`UUID` is java.util's unless the project declares its own class of that name."""
        if type_.primitive or type_.name.startswith("java."):
            return True
        return self.project.resolve(type_.name, place.declaring) is None

    def _is_enum(self, type_: JavaType, place: Place) -> bool:
        if type_.primitive or type_.simple in _BASIC_TYPES or type_.simple == "String":
            return False
        cls = self.project.resolve(type_.name, place.declaring)
        return cls is not None and cls.kind == "enum"

    def _length(self, attribute: Attribute, column: Annotation | None) -> int:
        length = column.get("length") if column is not None else None
        if isinstance(length, int) and not isinstance(length, bool):
            return length
        # Hibernate applies Bean Validation's @Size(max) / @Length(max) to the DDL
        size = attribute.annotation("Size", "Length")
        maximum = size.get("max") if size is not None else None
        return maximum if isinstance(maximum, int) and not isinstance(maximum, bool) else 255

    def _numeric(self, java: str, column: Annotation | None) -> str:
        precision = column.get("precision") if column is not None else None
        scale = column.get("scale") if column is not None else None
        if isinstance(precision, int) and precision > 0:
            return f"numeric({precision},{scale if isinstance(scale, int) else 0})"
        # Hibernate 6's defaults when the mapping says nothing
        return "numeric(38,2)" if java == "BigDecimal" else "numeric(38,0)"

    # --- embeddables ---

    def _embedded(self, attribute: Attribute, place: Place) -> None:
        cls = self._embeddable(attribute, place)
        if cls is None or place.depth >= _MAX_DEPTH:
            if cls is None:
                self._problem(place.declaring, attribute.line,
                              f"`{attribute.name}` is embedded but its class `{attribute.type.name}` is not an "
                              "@Embeddable in the files read: its columns are unknown")
            return
        place.table.origin(Origin(SOURCE, cls.scope.path, cls.line))
        # outer overrides win over the embedded field's own (JPA: the outermost mapping decides)
        overrides = _overrides(attribute.annotations)
        prefix = attribute.name + "."
        overrides.update({k[len(prefix):]: v for k, v in place.overrides.items() if k.startswith(prefix)})
        note = f"embedded {cls.qualified} via `{attribute.name}`"
        inner = Place(place.table, place.entity, cls, {}, overrides, place.force_nullable,
                      notes(note, place.note), place.depth + 1)
        primary_key = attribute.has("EmbeddedId")
        # an embeddable is read the way its owner is (fields, or getters), a record by its components
        by_getters = place.entity.property_access and cls.kind != "record" and bool(cls.getters)
        for member in self._attributes(cls, by_getters):
            if primary_key and not member.has(*_RELATIONS):
                place.table.add(self._basic(member, inner, primary_key=True))
            else:
                self._attribute(member, inner)

    # --- associations ---

    def _target(self, attribute: Attribute, place: Place, plural: bool) -> Entity | None:
        annotation = attribute.annotation(*_RELATIONS, "ElementCollection")
        explicit = annotation.get("targetEntity") if annotation is not None else None
        if isinstance(explicit, ClassRef):
            name = explicit.name
        else:
            type_ = self._type(attribute, place)
            # List<Tag> → Tag; Map<K, V> → V
            name = (type_.arguments[-1].name if type_.arguments else "") if plural else type_.name
        cls = self.project.resolve(name, place.declaring) if name else None
        return self.entities.get(cls.qualified) if cls is not None else None

    def _id_columns(self, entity: Entity) -> list[Column]:
        """The primary key columns of an entity's table, what a foreign key to it references."""
        if entity.cls.qualified in self._ids:
            return self._ids[entity.cls.qualified]
        self._ids[entity.cls.qualified] = []  # a cycle through derived identities ends here
        root = self.entities.get(entity.root.qualified, entity)
        scratch = Table(root.table, [])
        if (library_id := self._library_id(root)) is not None:
            scratch.add(library_id)
        for layer, bindings in self._layers(root):
            place = Place(scratch, root, layer, bindings, self._class_overrides(root.cls))
            for attribute in self._attributes(layer, root.property_access):
                if attribute.has("EmbeddedId"):
                    self._embedded(attribute, place)
                elif attribute.has("Id") and not attribute.has(*_RELATIONS):
                    scratch.add(self._basic(attribute, place))
        columns = [Column(c.name, c.type) for c in scratch.columns.values()]
        self._ids[entity.cls.qualified] = columns
        return columns

    def _keys(self, entity: Entity | None) -> list[Column]:
        """The key columns a foreign key to `entity` references; `id`, marked assumed, when unknown."""
        return (self._id_columns(entity) if entity is not None else []) or [_UNKNOWN_KEY]

    def _to_one(self, attribute: Attribute, place: Place) -> None:
        annotation = attribute.annotation("ManyToOne", "OneToOne")
        assert annotation is not None
        target = self._target(attribute, place, plural=False)
        mapped_by = self.project.string(annotation.get("mappedBy"), place.declaring)
        if mapped_by:
            self._relation(attribute, place, target, f"one-to-one, mapped by {mapped_by}")
            return
        one_to_one = annotation.simple == "OneToOne"
        not_null = annotation.get("optional") is False or attribute.has(*_NOT_NULL) or attribute.has("Id", "MapsId")
        pairs = []
        for join, key in self._join_columns(attribute, place, target):
            given = self._text(join.get("name"), place.declaring, "join column name", join.line) if join else None
            name = physical_name(given) if given else physical_name(f"{attribute.name}_{key.name}")
            nullable = not (not_null or (join is not None and join.get("nullable") is False))
            place.table.add(Field(
                name, key.type, place.force_nullable or nullable, None, attribute.has("Id", "MapsId"),
                one_to_one or bool(join is not None and join.get("unique") is True),
                key.of(target.table) if target is not None else None, attribute.line,
                self._association_note(attribute, target, place)))
            pairs.append((name, key.label))
        if target is not None and pairs:
            self._foreign_key(place.table.name, target.table, pairs, self._origin(place, attribute))

    def _join_columns(self, attribute: Attribute, place: Place,
                      target: Entity | None) -> list[tuple[Annotation | None, Column]]:
        """Each join column with the key column it references (by `referencedColumnName`, else in order)."""
        keys = self._keys(target)
        override = place.overrides.get(attribute.name)
        given = _join_column_list(override) if override is not None else []
        given = given or _join_column_list(attribute)
        if not given:
            return [(None, key) for key in keys]
        pairs = []
        for index, join in enumerate(given):
            referenced = self.project.string(join.get("referencedColumnName"), place.declaring)
            key = next((k for k in keys if referenced and k.name == physical_name(referenced)), None)
            if key is None:
                key = Column(physical_name(referenced), None) if referenced else (
                    keys[index] if index < len(keys) else _UNKNOWN_KEY)
            pairs.append((join, key))
        return pairs

    def _to_many(self, attribute: Attribute, place: Place) -> None:
        annotation = attribute.annotation("OneToMany", "ManyToMany")
        assert annotation is not None
        target = self._target(attribute, place, plural=True)
        mapped_by = self.project.string(annotation.get("mappedBy"), place.declaring)
        kind = "one-to-many" if annotation.simple == "OneToMany" else "many-to-many"
        if mapped_by:
            self._relation(attribute, place, target, f"{kind}, mapped by {mapped_by}")
        elif annotation.simple == "OneToMany" and _join_column_list(attribute):
            self._one_to_many_key(attribute, place, target)
        else:
            self._join_table(attribute, place, target)

    def _one_to_many_key(self, attribute: Attribute, place: Place, target: Entity | None) -> None:
        """A unidirectional @OneToMany with @JoinColumn: the key column is in the target's table."""
        if target is None:
            return
        keys = self._keys(place.entity)
        pairs = []
        for index, join in enumerate(_join_column_list(attribute)):
            key = keys[index] if index < len(keys) else _UNKNOWN_KEY
            given = self._text(join.get("name"), place.declaring, "join column name", join.line)
            name = physical_name(given or f"{attribute.name}_{key.name}")
            origin = self._origin(place, attribute)
            column = Field(name, key.type, join.get("nullable") is not False,
                           references=key.of(place.table.name), line=attribute.line,
                           description=f"key of {place.entity.cls.qualified}.{attribute.name}")
            self._deferred.append((target.table, column, origin))
            pairs.append((name, key.label))
        self._foreign_key(target.table, place.table.name, pairs, self._origin(place, attribute))

    def _join_table(self, attribute: Attribute, place: Place, target: Entity | None) -> None:
        annotation = attribute.annotation("JoinTable")
        declaring = place.declaring
        origin = self._origin(place, attribute)
        given, schema = self._table_annotation(annotation, declaring, "join table name")
        owner_table = place.table.name.rsplit(".", 1)[-1]
        # SpringImplicitNamingStrategy: the owner's table, `_`, the attribute (`product_tags`)
        name = _qualified_table(schema, given or f"{owner_table}_{attribute.name}")
        table = self._table(name, origin)
        table.facts.setdefault("join_table", f"{place.entity.cls.qualified}.{attribute.name}")
        # a Set cannot hold a pair twice, so Hibernate keys the join table by both columns
        keyed = self._type(attribute, place).simple in ("Set", "SortedSet", "HashSet", "LinkedHashSet", "TreeSet")
        owner_prefix = self._inverse_name(attribute, place, target) or place.entity.name
        joins = _join_column_list(annotation, "joinColumns") if annotation else []
        inverse = _join_column_list(annotation, "inverseJoinColumns") if annotation else []
        self._join_table_side(table, place, joins, owner_prefix, place.entity, keyed, origin, attribute)
        self._join_table_side(table, place, inverse, attribute.name, target, keyed, origin, attribute)

    def _join_table_side(self, table: Table, place: Place, given: list[Annotation], prefix: str,
                         entity: Entity | None, keyed: bool, origin: Origin, attribute: Attribute) -> None:
        keys = self._keys(entity)
        pairs = []
        for index, key in enumerate(keys):
            join = given[index] if index < len(given) else None
            explicit = self.project.string(join.get("name"), place.declaring) if join is not None else None
            name = physical_name(explicit or f"{prefix}_{key.name}")
            table.add(Field(name, key.type, False, primary_key=keyed,
                            references=key.of(entity.table) if entity is not None else None,
                            line=attribute.line))
            pairs.append((name, key.label))
        if entity is not None:
            self._foreign_key(table.name, entity.table, pairs, origin)

    def _inverse_name(self, attribute: Attribute, place: Place, target: Entity | None) -> str | None:
        """The attribute on the other side that says `mappedBy = "<this attribute>"`, if there is one.

        Hibernate names the owner's join column after it (`posts_id`), else after the owning entity.
        """
        if target is None:
            return None
        owners = {place.entity.cls.qualified, *(a.qualified for a, _ in self._ancestors(place.entity.cls))}
        for other in self._attributes(target.cls, target.property_access):
            relation = other.annotation("ManyToMany", "OneToMany")
            if relation is None or self.project.string(relation.get("mappedBy"), target.cls) != attribute.name:
                continue
            # `mappedBy = "tags"` names this attribute only if that side collects this entity
            collected = self._target(other, Place(place.table, target, target.cls), plural=True)
            if collected is not None and collected.cls.qualified in owners:
                return other.name
        return None

    def _element_collection(self, attribute: Attribute, place: Place) -> None:
        """`@ElementCollection Set<String> phoneNumbers` is a table of values keyed by the owner."""
        annotation = attribute.annotation("CollectionTable")
        origin = self._origin(place, attribute)
        declaring = place.declaring
        given, schema = self._table_annotation(annotation, declaring, "collection table name")
        name = _qualified_table(schema, given or f"{place.entity.name}_{attribute.name}")
        table = self._table(name, origin)
        table.facts.setdefault("collection_table", f"{place.entity.cls.qualified}.{attribute.name}")
        joins = _join_column_list(annotation, "joinColumns") if annotation else []
        self._join_table_side(table, place, joins, place.entity.name, place.entity, False, origin, attribute)
        element = self._type(attribute, place)
        element = element.arguments[-1] if element.arguments else JavaType("?")
        value = Attribute(attribute.name, element, attribute.annotations, attribute.line)
        inner = Place(table, place.entity, declaring, place.bindings, {}, False, None, place.depth + 1)
        if self._embeddable(value, inner) is not None:
            self._embedded(value, inner)
        else:
            table.add(self._basic(value, inner))

    def _table_annotation(self, annotation: Annotation | None, declaring: JavaClass,
                          what: str) -> tuple[str | None, str | None]:
        """`@JoinTable` / `@CollectionTable`: the name and schema it gives, if any."""
        if annotation is None:
            return None, None
        return (self._text(annotation.get("name"), declaring, what, annotation.line),
                self._text(annotation.get("schema"), declaring, "schema", annotation.line))

    def _relation(self, attribute: Attribute, place: Place, target: Entity | None, label: str) -> None:
        if target is not None:
            self.relationships.append(Relationship(item_id("table", place.table.name), item_id("table", target.table),
                                                   "orm_relation", self._origin(place, attribute),
                                                   f"{attribute.name}: {label}"))

    def _association_note(self, attribute: Attribute, target: Entity | None, place: Place) -> str | None:
        note = f"{attribute.name} → {target.cls.qualified}" if target is not None else None
        return notes(note, place.note)

    # --- helpers ---

    def _foreign_key(self, source: str, target: str, pairs: list[tuple[str, str]], origin: Origin) -> None:
        label = f"{', '.join(p[0] for p in pairs)} → {', '.join(p[1] for p in pairs)}"
        self.relationships.append(Relationship(item_id("table", source), item_id("table", target), "foreign_key",
                                               origin, label))

    def _origin(self, place: Place, attribute: Attribute) -> Origin:
        return Origin(SOURCE, place.declaring.scope.path, attribute.line)

    def _table(self, name: str, origin: Origin) -> Table:
        table = self.tables.get(name)
        if table is None:
            table = self.tables[name] = Table(name, [origin])
        else:
            table.origin(origin)
        return table

    def _text(self, value: Value, context: JavaClass, what: str, line: int) -> str | None:
        """A name from an annotation; a name this reader cannot work out is reported, not guessed."""
        if value is None:
            return None
        resolved = self.project.string(value, context)
        if resolved is None:
            shown = value.name if isinstance(value, Symbol) else "an expression"
            self._problem(context, line, f"{what} {shown} is not a string constant found in the files read: "
                                         "the default name is used")
        return resolved or None

    def _strings(self, value: Value, context: JavaClass) -> list[str]:
        values = value if isinstance(value, tuple) else (value,)
        return [s for v in values if (s := self.project.string(v, context))]

    def _problem(self, context: JavaClass, line: int, message: str) -> None:
        self.problems.append(Problem(context.scope.path, line, 1, message))


def _bound(type_: JavaType, bindings: dict[str, JavaType]) -> JavaType:
    """A type with the type variables of a generic base replaced by what the subclass says."""
    if type_.name in bindings and not type_.arguments:
        bound = bindings[type_.name]
        return JavaType(bound.name, bound.arguments, bound.dimensions + type_.dimensions, bound.primitive)
    if type_.arguments:
        return JavaType(type_.name, tuple(_bound(a, bindings) for a in type_.arguments), type_.dimensions,
                        type_.primitive)
    return type_


def _annotations_in(value: Value, name: str) -> list[Annotation]:
    values = value if isinstance(value, tuple) else (value,)
    return [v for v in values if isinstance(v, Annotation) and v.simple == name]


def _overrides(annotations: tuple[Annotation, ...]) -> dict[str, Annotation]:
    """`@AttributeOverride(name = "street", column = @Column(...))` (also inside `@AttributeOverrides`) by name."""
    found: dict[str, Annotation] = {}
    for annotation in annotations:
        if annotation.simple in ("AttributeOverrides", "AssociationOverrides"):
            inner = _annotations_in(annotation.get("value"), annotation.simple[:-1])
        elif annotation.simple in ("AttributeOverride", "AssociationOverride"):
            inner = [annotation]
        else:
            continue
        for override in inner:
            name = override.get("name")
            if isinstance(name, str):
                found[name] = override
    return found


def _join_column_list(owner: Attribute | Annotation | None, key: str = "joinColumns") -> list[Annotation]:
    """@JoinColumn / @JoinColumns on an attribute, or an annotation's `joinColumns = {...}`."""
    if owner is None:
        return []
    if isinstance(owner, Annotation):
        return _annotations_in(owner.get(key), "JoinColumn")
    columns = owner.annotation("JoinColumns")
    if columns is not None:
        return _annotations_in(columns.get("value"), "JoinColumn")
    single = owner.annotation("JoinColumn")
    return [single] if single is not None else []


def _without_order(column: str) -> str:
    return re.sub(r"\s+(asc|desc)\s*$", "", column.strip(), flags=re.IGNORECASE)


_DEFAULT = re.compile(r"\bdefault\s+(.+?)(?:\s+(?:not\s+null|null|check\b|unique\b|primary\s+key).*)?$",
                      re.IGNORECASE | re.DOTALL)
_NOT_NULL_SQL = re.compile(r"\bnot\s+null\b", re.IGNORECASE)
_CONSTRAINT_WORDS = re.compile(r"\s+(?:default\b|not\s+null\b|null\b|check\b|unique\b|primary\s+key\b).*$",
                               re.IGNORECASE | re.DOTALL)


def _split_definition(definition: str | None) -> tuple[str | None, str | None, bool]:
    """`columnDefinition = "varchar(20) default 'NEW' not null"` → type, default, not null.

    A column definition is a fragment of the column's DDL, type first; the words after the
    type are the handful of column constraints SQL allows there.
    """
    if not definition or not definition.strip():
        return None, None, False
    definition = definition.strip()
    default = _DEFAULT.search(definition)
    type_ = _CONSTRAINT_WORDS.sub("", definition).strip() or None
    return (type_, default.group(1).strip() if default else None,
            bool(_NOT_NULL_SQL.search(definition)))


def claims(file: CatalogFile) -> bool:
    """Java sources, except Maven/Gradle test sources: entities there map test databases, not the product's."""
    path = file.display_path
    return path.endswith(".java") and not path.startswith("src/test/") and "/src/test/" not in path


READERS: tuple[Reader, ...] = (Reader("jpa", claims, read),)
