"""gorm models (Go) as tables, named and related the way gorm's schema parser does it.

A struct is a model when gorm would migrate it: it has `gorm:"..."` tags, embeds
`gorm.Model`, has a `TableName()` method, is named in `db.AutoMigrate(...)` /
`Migrator().CreateTable(...)`, or is the other end of a model's association. Structs only
ever embedded into models are not tables of their own.

Names follow gorm's `NamingStrategy`: columns are `toDBName` of the field (`UserID` →
`user_id`, `HTTPStatus` → `http_status`), tables the plural of the struct's (`OrderItem` →
`order_items`, `Person` → `people`), both overridable (`column:`, `TableName()`), and a
`schema.NamingStrategy{TablePrefix, SingularTable}` passed to `gorm.Open` is honoured.
Associations are guessed as gorm guesses them: belongs-to (`Customer` + `CustomerID` on the
model), has-one / has-many (`OrderID` on the other struct), `many2many:` join tables.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

from attrs import define, field

from flowscan.catalog.files import CatalogFile
from flowscan.catalog.model import Field, Index, Origin, Part, Problem, Relationship, item_id
from flowscan.catalog.readers import Reader
from flowscan.catalog.readers.orm_gorm_source import GoField, GoStruct, GoType, Migrated, Naming, Unit, read_unit
from flowscan.catalog.readers.orm_source import Table, has_marker, notes, parse, read_bytes

SOURCE = "gorm"
MARKERS = (b"gorm",)
_MAX_DEPTH = 8

# --- gorm's naming ---------------------------------------------------------------------------------------

# gorm's commonInitialisms, in its order: at one position the first listed that matches wins
_INITIALISMS = ("API", "ASCII", "CPU", "CSS", "DNS", "EOF", "GUID", "HTML", "HTTP", "HTTPS", "ID", "IP", "JSON",
                "LHS", "QPS", "RAM", "RHS", "RPC", "SLA", "SMTP", "SSH", "TLS", "TTL", "UID", "UI", "UUID", "URI",
                "URL", "UTF8", "VM", "XML", "XMPP", "XSRF", "XSS")


def _replace_initialisms(name: str) -> str:
    """strings.NewReplacer(ID→Id, HTTP→Http, ...).Replace: left to right, no overlaps."""
    out: list[str] = []
    i = 0
    while i < len(name):
        match = next((word for word in _INITIALISMS if name.startswith(word, i)), None)
        if match is None:
            out.append(name[i])
            i += 1
        else:
            out.append(match[0] + match[1:].lower())
            i += len(match)
    return "".join(out)


def to_db_name(name: str) -> str:
    """gorm's `NamingStrategy.toDBName`: `UserID` → `user_id`, `HTTPStatus` → `http_status`."""
    if not name:
        return ""
    value = _replace_initialisms(name)
    out: list[str] = []
    last_upper = False
    upper = value[0].isascii() and value[0].isupper()
    for i, char in enumerate(value[:-1]):
        following = value[i + 1]
        next_upper = following.isascii() and following.isupper()
        next_digit = following.isascii() and following.isdigit()
        if upper:
            if last_upper and (next_upper or next_digit):
                out.append(char.lower())
            else:
                if i > 0 and value[i - 1] != "_" and following != "_":
                    out.append("_")
                out.append(char.lower())
        else:
            out.append(char)
        last_upper, upper = upper, next_upper
    if upper:
        if not last_upper and len(value) > 1:
            out.append("_")
        out.append(value[-1].lower())
    else:
        out.append(value[-1])
    return "".join(out)


# jinzhu/inflection v1.0.0, the pluraliser gorm uses: uncountables, irregulars, then rules (last listed first)
_UNCOUNTABLE = ("equipment", "information", "rice", "money", "species", "series", "fish", "sheep", "jeans", "police",
                "evidence")
_IRREGULAR = (("person", "people"), ("man", "men"), ("child", "children"), ("sex", "sexes"), ("move", "moves"),
              ("mombie", "mombies"))
_PLURAL_RULES = (
    ("([a-z])$", r"\g<1>s"), ("s$", "s"), ("^(ax|test)is$", r"\g<1>es"), ("(octop|vir)us$", r"\g<1>i"),
    ("(octop|vir)i$", r"\g<1>i"), ("(alias|status)$", r"\g<1>es"), ("(bu)s$", r"\g<1>ses"),
    ("(buffal|tomat)o$", r"\g<1>oes"), ("([ti])um$", r"\g<1>a"), ("([ti])a$", r"\g<1>a"), ("sis$", "ses"),
    ("(?:([^f])fe|([lr])f)$", r"\g<1>\g<2>ves"), ("(hive)$", r"\g<1>s"), ("([^aeiouy]|qu)y$", r"\g<1>ies"),
    ("(x|ch|ss|sh)$", r"\g<1>es"), ("(matr|vert|ind)(?:ix|ex)$", r"\g<1>ices"), ("^(m|l)ouse$", r"\g<1>ice"),
    ("^(m|l)ice$", r"\g<1>ice"), ("^(ox)$", r"\g<1>en"), ("^(oxen)$", r"\g<1>"), ("(quiz)$", r"\g<1>zes"),
)
_SINGULAR_RULES = (
    ("s$", ""), ("(ss)$", r"\g<1>"), ("(n)ews$", r"\g<1>ews"), ("([ti])a$", r"\g<1>um"),
    ("((a)naly|(b)a|(d)iagno|(p)arenthe|(p)rogno|(s)ynop|(t)he)(sis|ses)$", r"\g<1>sis"),
    ("(^analy)(sis|ses)$", r"\g<1>sis"), ("([^f])ves$", r"\g<1>fe"), ("(hive)s$", r"\g<1>"),
    ("(tive)s$", r"\g<1>"), ("([lr])ves$", r"\g<1>f"), ("([^aeiouy]|qu)ies$", r"\g<1>y"),
    ("(s)eries$", r"\g<1>eries"), ("(m)ovies$", r"\g<1>ovie"), ("(c)ookies$", r"\g<1>ookie"),
    ("(x|ch|ss|sh)es$", r"\g<1>"),
    ("^(m|l)ice$", r"\g<1>ouse"), ("(bus)(es)?$", r"\g<1>"), ("(o)es$", r"\g<1>"), ("(shoe)s$", r"\g<1>"),
    ("(cris|test)(is|es)$", r"\g<1>is"), ("^(a)x[ie]s$", r"\g<1>xis"), ("(octop|vir)(us|i)$", r"\g<1>us"),
    ("(alias|status)(es)?$", r"\g<1>"), ("^(ox)en", r"\g<1>"), ("(vert|ind)ices$", r"\g<1>ex"),
    ("(matr)ices$", r"\g<1>ix"), ("(quiz)zes$", r"\g<1>"), ("(database)s$", r"\g<1>"),
)


def _compile(irregular: list[tuple[str, str]], rules: tuple[tuple[str, str], ...]) -> list[tuple[re.Pattern[str], str]]:
    compiled = [(re.compile(f"^(?i:({word}))$"), r"\g<1>") for word in _UNCOUNTABLE]
    for word, replacement in irregular:
        compiled += [(re.compile(word.upper() + "$"), replacement.upper()),
                     (re.compile(word.title() + "$"), replacement.title()),
                     (re.compile(word + "$"), replacement)]
    for pattern, replacement in reversed(rules):
        compiled += [(re.compile(pattern.upper()), replacement.upper().replace(r"\G<", r"\g<")),
                     (re.compile(pattern), replacement), (re.compile(pattern, re.IGNORECASE), replacement)]
    return compiled


_PLURALS = _compile(list(_IRREGULAR), _PLURAL_RULES)
_SINGULARS = _compile([(b, a) for a, b in _IRREGULAR], _SINGULAR_RULES)


def _inflect(word: str, rules: list[tuple[re.Pattern[str], str]]) -> str:
    for pattern, replacement in rules:
        if pattern.search(word):
            return pattern.sub(replacement, word)
    return word


def plural(word: str) -> str:
    """`order_item` → `order_items`, `category` → `categories`, `person` → `people`, `box` → `boxes`."""
    return _inflect(word, _PLURALS)


def singular(word: str) -> str:
    return _inflect(word, _SINGULARS)


def _format_name(prefix: str, table: str, name: str) -> str:
    """gorm's index names: `idx_<table>_<column>`, hashed down to 64 characters when longer."""
    formatted = f"{prefix}_{table}_{name}".replace(".", "_")
    if len(formatted) > 64:
        digest = hashlib.sha1(formatted.encode()).hexdigest()[:8]  # gorm's naming, not security
        formatted = formatted[:56] + digest
    return formatted


# --- struct tags ---------------------------------------------------------------------------------------------


def struct_tag(tag: str, key: str) -> str | None:
    """reflect.StructTag.Get: the value of `key:"value"` in a struct tag."""
    rest = tag
    while rest:
        rest = rest.lstrip(" ")
        i = 0
        while i < len(rest) and rest[i] > " " and rest[i] not in ':"' and rest[i] != "\x7f":
            i += 1
        if i == 0 or i + 1 >= len(rest) or rest[i] != ":" or rest[i + 1] != '"':
            return None
        name, rest = rest[:i], rest[i + 1:]
        j = 1
        while j < len(rest) and rest[j] != '"':
            j += 2 if rest[j] == "\\" else 1
        if j >= len(rest):
            return None
        quoted, rest = rest[: j + 1], rest[j + 1:]
        if name == key:
            return quoted[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return None


def tag_settings(tag: str) -> dict[str, str]:
    """gorm's ParseTagSetting of the `gorm` tag: `KEY:value` pairs split on `;` (`\\;` escapes), keys upper-cased."""
    settings: dict[str, str] = {}
    names = (struct_tag(tag, "gorm") or "").split(";")
    i = 0
    while i < len(names):
        part = names[i]
        while part.endswith("\\") and i + 1 < len(names):
            i += 1
            part = part[:-1] + ";" + names[i]
        key, _, value = part.partition(":")
        key = key.strip().upper()
        if _:
            settings[key] = value
        elif key:
            settings[key] = key
        i += 1
    return settings


def _index_entries(tag: str) -> list[tuple[str, str]]:
    """Every `index` / `uniqueIndex` entry of a gorm tag (a field may be in several indexes)."""
    entries = []
    for part in (struct_tag(tag, "gorm") or "").split(";"):
        key, _, value = part.partition(":")
        if key.strip().upper() in ("INDEX", "UNIQUEINDEX"):
            entries.append((key.strip().upper(), value))
    return entries


# --- Go types → SQL-ish types ------------------------------------------------------------------------------------

_INTEGER_BITS = {"int": 64, "int64": 64, "uint": 64, "uint64": 64, "uintptr": 64, "int32": 32, "uint32": 32,
                 "rune": 32, "int16": 16, "uint16": 16, "int8": 8, "uint8": 8, "byte": 8}
#: named types of well-known packages, by package name and type
_KNOWN_TYPES: dict[str, str] = {
    "time.Time": "timestamp", "time.Duration": "bigint",
    "sql.NullString": "text", "sql.NullInt64": "bigint", "sql.NullInt32": "integer", "sql.NullInt16": "smallint",
    "sql.NullByte": "smallint", "sql.NullFloat64": "double precision", "sql.NullBool": "boolean",
    "sql.NullTime": "timestamp", "gorm.DeletedAt": "timestamp",
    "decimal.Decimal": "numeric", "decimal.NullDecimal": "numeric", "uuid.UUID": "uuid", "uuid.NullUUID": "uuid",
    "datatypes.JSON": "json", "datatypes.JSONMap": "json", "datatypes.JSONType": "json",
    "datatypes.JSONSlice": "json", "datatypes.Date": "date", "datatypes.Time": "time", "datatypes.UUID": "uuid",
    "json.RawMessage": "json", "pq.StringArray": "text[]", "pq.Int64Array": "bigint[]",
    "pq.Int32Array": "integer[]", "pq.Float64Array": "double precision[]", "pq.BoolArray": "boolean[]",
    "null.String": "text", "null.Int": "bigint", "null.Float": "double precision", "null.Bool": "boolean",
    "null.Time": "timestamp",
}


@define
class Column:
    """A column while a schema is assembled: relations fill `references` after every schema exists."""

    go_name: str
    name: str
    type: str | None
    nullable: bool
    line: int
    default: str | None = None
    primary_key: bool = False
    explicit_key: bool = False
    unique: bool = False
    integer: bool = False
    auto_increment: bool = True
    typed: bool = False
    references: str | None = None
    description: str | None = None

    def field(self) -> Field:
        return Field(self.name, self.type, self.nullable, self.default, self.primary_key, self.unique,
                     self.references, self.line, self.description)


@define
class Candidate:
    """A field that is an association, resolved once every model's schema is known."""

    field: GoField
    settings: dict[str, str]
    target: GoStruct
    owner: GoStruct


@define(eq=False)
class Schema:
    struct: GoStruct
    table: str
    origins: list[Origin]
    columns: list[Column] = field(factory=list)
    indexes: list[Index] = field(factory=list)
    relations: list[Candidate] = field(factory=list)
    #: (index kind, value, column, order) entries, grouped into indexes once the table is known
    index_entries: list[tuple[str, str, Column, str]] = field(factory=list)

    def lookup(self, name: str) -> Column | None:
        """gorm's LookUpField: by Go field name, else by column name."""
        return next((c for c in self.columns if c.go_name == name), None) or next(
            (c for c in self.columns if c.name == name), None)

    @property
    def primary(self) -> list[Column]:
        return [c for c in self.columns if c.primary_key]

    def add(self, column: Column) -> None:
        if all(c.name != column.name for c in self.columns):
            self.columns.append(column)


# --- the project: Go files by package folder, helper files parsed on demand -----------------------------------------


class GoProject:
    def __init__(self, units: list[Unit], helpers: list[CatalogFile], problems: list[Problem]) -> None:
        self.units = units
        self._helpers = helpers
        self._problems = problems
        self.structs: dict[tuple[str, str], GoStruct] = {}
        self._aliases: dict[tuple[str, str], GoType] = {}
        self._folders = {u.directory for u in units} | {_folder(f.display_path) for f in helpers}
        #: (folder, struct name) → unparsed files that seem to declare it, built when first needed
        self._declared: dict[tuple[str, str], list[CatalogFile]] | None = None
        for unit in units:
            self._index(unit)

    def _index(self, unit: Unit) -> None:
        for struct in unit.structs:
            self.structs.setdefault((unit.directory, struct.name), struct)
        for name, underlying in unit.aliases.items():
            self._aliases.setdefault((unit.directory, name), underlying)

    def directories(self, import_path: str) -> list[str]:
        """The folders an import path may name: those whose trailing segments match it best."""
        wanted = import_path.split("/")
        scored = [(_common_suffix(d.split("/"), wanted), d) for d in self._folders]
        best = max((s for s, _ in scored), default=0)
        return [d for s, d in scored if s == best and s > 0]

    def find(self, type_: GoType, unit: Unit) -> GoStruct | None:
        """The project struct a field's type names, loading the file that declares it if need be."""
        if type_.package is not None:
            path = unit.import_path(type_.package)
            directories = self.directories(path) if path else []
        else:
            directories = [unit.directory]
        for attempt in range(2):
            for directory in directories:
                if (found := self.structs.get((directory, type_.simple))) is not None:
                    return found
            if attempt == 0:
                self._load(type_.simple, set(directories))
        return None

    def _load(self, name: str, directories: set[str]) -> None:
        if self._declared is None:
            self._declared = self._declarations()
        for directory in directories:
            for file in self._declared.pop((directory, name), []):
                self._parse_helper(file)

    def _declarations(self) -> dict[tuple[str, str], list[CatalogFile]]:
        """One pass over the unparsed files (read again, not kept): which seem to declare which struct."""
        declared: dict[tuple[str, str], list[CatalogFile]] = {}
        for file in self._helpers:
            data = read_bytes(file)
            if isinstance(data, Problem):
                continue  # unreadable on the first read too, and reported then
            for match in _DECLARES_STRUCT.finditer(data):
                declared.setdefault((_folder(file.display_path), match.group(1).decode("ascii")), []).append(file)
        return declared

    def _parse_helper(self, file: CatalogFile) -> None:
        if any(u.source.file == file for u in self.units):
            return  # it declares several structs a model names: parsed once
        data = read_bytes(file)
        if isinstance(data, Problem):
            return
        source = parse(file, data, "go")
        if isinstance(source, Problem):
            self._problems.append(source)
            return
        self._problems.extend(source.problems)  # it declares a model: its flaws are the model's
        unit = read_unit(source)
        self.units.append(unit)
        self._index(unit)

    def alias(self, type_: GoType, unit: Unit) -> GoType | None:
        """`type Status string` declared in the package a field's type names."""
        if type_.package is not None:
            path = unit.import_path(type_.package)
            directories = set(self.directories(path)) if path else set()
        else:
            directories = {unit.directory}
        return next((found for d in directories if (found := self._aliases.get((d, type_.simple))) is not None), None)

    def methods(self, struct: GoStruct) -> set[str]:
        found: set[str] = set()
        for unit in self.units:
            if unit.directory == struct.unit.directory:
                found |= unit.methods.get(struct.name, set())
        return found

    def table_name(self, struct: GoStruct) -> tuple[str | None, int, str] | None:
        """What `TableName()` returns (None when computed), its line and file; None without such a method."""
        for unit in self.units:
            method = unit.table_names.get(struct.name) if unit.directory == struct.unit.directory else None
            if method is not None:
                return method.value, method.line, unit.path
        return None


_DECLARES_STRUCT = re.compile(rb"\b([A-Za-z_][A-Za-z0-9_]*)\s+struct\s*\{")


def _folder(path: str) -> str:
    return path.rsplit("/", 1)[0] if "/" in path else ""


def _common_suffix(left: list[str], right: list[str]) -> int:
    count = 0
    while count < min(len(left), len(right)) and left[-1 - count] == right[-1 - count]:
        count += 1
    return count


# --- the reader ---------------------------------------------------------------------------------------------


def read(files: Sequence[CatalogFile]) -> Part:
    problems: list[Problem] = []
    units: list[Unit] = []
    helpers: list[CatalogFile] = []
    for file in files:
        data = read_bytes(file)
        if isinstance(data, Problem):
            problems.append(data)
            continue
        if not has_marker(data, MARKERS):
            helpers.append(file)  # searched only when a model names a struct it may declare
            continue
        source = parse(file, data, "go")
        if isinstance(source, Problem):
            problems.append(source)
            continue
        problems.extend(source.problems)
        units.append(read_unit(source))
    project = GoProject(units, helpers, problems)
    return Mapper(project, problems).map()


class Mapper:
    def __init__(self, project: GoProject, problems: list[Problem]) -> None:
        self.project = project
        self.problems = problems
        self.schemas: dict[int, Schema] = {}
        self.tables: dict[str, Table] = {}
        self.relationships: list[Relationship] = []
        self.naming = Naming()
        #: schemas that are tables: the models, and association targets gorm could relate
        self.tabled: set[int] = set()

    def map(self) -> Part:
        models = self._models()
        self.tabled = {id(m) for m in models}
        self.naming = self._naming()
        queue = list(models)
        while queue:
            struct = queue.pop(0)
            if id(struct) in self.schemas:
                continue
            schema = self.schemas[id(struct)] = self._schema(struct)
            queue.extend(c.target for c in schema.relations if id(c.target) not in self.schemas)
        for schema in list(self.schemas.values()):
            for candidate in schema.relations:
                self._relate(schema, candidate)
        for schema in self.schemas.values():
            if id(schema.struct) in self.tabled:
                self._table_of(schema)
        items = tuple(t.item() for t in self.tables.values())
        return Part(items, tuple(self.relationships), tuple(self.problems))

    # --- which structs are models ---

    def _models(self) -> list[GoStruct]:
        migrated = self._migrated()
        named = {id(s) for s in migrated}
        candidates = [s for u in self.project.units for s in u.structs if self._looks_like_model(s)]
        embedded = {id(t) for s in candidates for t in self._embedded_structs(s)}
        models = [s for s in candidates if id(s) not in embedded or id(s) in named
                  or self.project.table_name(s) is not None]
        return models + [s for s in migrated if all(s is not m for m in models)]

    def _looks_like_model(self, struct: GoStruct) -> bool:
        return self.project.table_name(struct) is not None or any(
            struct_tag(f.tag, "gorm") is not None or (f.name is None and self._is_gorm_model(f, struct.unit))
            for f in struct.fields)

    def _is_gorm_model(self, go_field: GoField, unit: Unit) -> bool:
        return go_field.type.simple == "Model" and unit.is_gorm(go_field.type.package)

    def _embedded_structs(self, struct: GoStruct) -> list[GoStruct]:
        found = []
        for go_field in struct.fields:
            if go_field.name is None or "EMBEDDED" in tag_settings(go_field.tag):
                target = self.project.find(go_field.type, struct.unit)
                if target is not None:
                    found.append(target)
        return found

    def _migrated(self) -> list[GoStruct]:
        found: list[GoStruct] = []
        for unit in list(self.project.units):
            for migrated in unit.migrated:
                struct = self.project.find(GoType(_spelled(migrated)), unit)
                if struct is None:
                    self.problems.append(Problem(unit.path, migrated.line, migrated.column,
                                                 f"AutoMigrate names `{_spelled(migrated)}`, but no struct of that "
                                                 "name was found in the files read"))
                elif all(struct is not s for s in found):
                    found.append(struct)
        return found

    def _naming(self) -> Naming:
        for unit in self.project.units:
            for line in unit.name_handlers:
                self.problems.append(Problem(unit.path, line, 1, "gorm.DefaultTableNameHandler renames tables at "
                                             "run time: the names here are gorm's, before that handler"))
        settings = [(n, u) for u in self.project.units for n in u.naming]
        if not settings:
            return Naming()
        chosen, unit = settings[0]
        for other, other_unit in settings[1:]:
            if (other.table_prefix, other.singular) != (chosen.table_prefix, chosen.singular):
                self.problems.append(Problem(other_unit.path, other.line, 1,
                                             f"a second gorm naming strategy; table names follow the one at "
                                             f"{unit.path}:{chosen.line}"))
        return chosen

    # --- one model ---

    def _table_name(self, struct: GoStruct) -> str:
        method = self.project.table_name(struct)
        if method is not None and method[0]:
            return method[0]
        base = to_db_name(struct.name)
        return self.naming.table_prefix + (base if self.naming.singular else plural(base))

    def _schema(self, struct: GoStruct) -> Schema:
        schema = Schema(struct, self._table_name(struct), [Origin(SOURCE, struct.unit.path, struct.line)])
        method = self.project.table_name(struct)
        if method is not None and method[0] is None:
            self.problems.append(Problem(method[2], method[1], 1, f"`{struct.name}.TableName()` computes its "
                                         f"name: the default name `{schema.table}` is used"))
        self._fields(schema, struct, "", None, 0)
        self._primary_key(schema)
        self._indexes(schema)
        return schema

    def _fields(self, schema: Schema, struct: GoStruct, prefix: str, note: str | None, depth: int) -> None:
        for go_field in struct.fields:
            settings = tag_settings(go_field.tag)
            if "-" in settings:
                continue  # `gorm:"-"`, `-:all`, `-:migration`: not a column
            if go_field.name is None or "EMBEDDED" in settings:
                self._embedded(schema, struct, go_field, settings, prefix, note, depth)
            elif go_field.name[:1].isupper():
                self._field(schema, struct, go_field, settings, prefix, note)

    def _embedded(self, schema: Schema, struct: GoStruct, go_field: GoField, settings: dict[str, str], prefix: str,
                  note: str | None, depth: int) -> None:
        if go_field.name is None and self._is_gorm_model(go_field, struct.unit):
            self._gorm_model(schema, go_field, prefix)
            return
        target = self.project.find(go_field.type, struct.unit)
        if target is None or depth >= _MAX_DEPTH:
            return  # an embedded type from outside the project: its fields cannot be known
        if target.unit.path != schema.struct.unit.path:
            schema.origins.append(Origin(SOURCE, target.unit.path, target.line))
        self._fields(schema, target, prefix + settings.get("EMBEDDEDPREFIX", ""),
                     notes(f"embedded {target.qualified}", note), depth + 1)

    def _gorm_model(self, schema: Schema, go_field: GoField, prefix: str) -> None:
        line = go_field.line
        note = "from gorm.Model"
        schema.add(Column("ID", prefix + "id", "bigint", False, line, primary_key=True, explicit_key=True,
                          integer=True, description=note))
        schema.add(Column("CreatedAt", prefix + "created_at", "timestamp", True, line, description=note))
        schema.add(Column("UpdatedAt", prefix + "updated_at", "timestamp", True, line, description=note))
        deleted = Column("DeletedAt", prefix + "deleted_at", "timestamp", True, line,
                         description="soft delete: set instead of deleting the row; from gorm.Model")
        schema.add(deleted)
        schema.index_entries.append(("INDEX", "", deleted, "DeletedAt"))

    def _field(self, schema: Schema, struct: GoStruct, go_field: GoField, settings: dict[str, str], prefix: str,
               note: str | None) -> None:
        assert go_field.name is not None
        unit = struct.unit
        type_ = go_field.type
        known = "TYPE" in settings or "SERIALIZER" in settings or self._sql_type(type_, settings, unit)[1]
        if not known and not type_.other:
            target = self.project.find(type_, unit)
            if target is not None and not {"Scan", "Value"} & self.project.methods(target):
                schema.relations.append(Candidate(go_field, settings, target, struct))
                return
        if type_.other or (type_.slice and not known):
            return  # a map, a func, a slice of values: gorm needs a serializer or a type to store it
        sql_type, _, integer = self._sql_type(type_, settings, unit)
        primary = "PRIMARYKEY" in settings or "PRIMARY_KEY" in settings
        not_null = primary or "NOT NULL" in settings or "NOTNULL" in settings
        default = settings.get("DEFAULT")
        serialized = f"serialized as {settings['SERIALIZER'].lower()}" if "SERIALIZER" in settings else None
        description = notes(settings.get("COMMENT") or go_field.doc, serialized, note)
        column = Column(go_field.name, prefix + (settings.get("COLUMN") or to_db_name(go_field.name)), sql_type,
                        not not_null, go_field.line, default, primary,
                        primary, "UNIQUE" in settings, integer, settings.get("AUTOINCREMENT", "").lower() != "false",
                        "TYPE" in settings, None, description)
        schema.add(column)
        for kind, value in _index_entries(go_field.tag):
            schema.index_entries.append((kind, value, column, go_field.name))

    def _sql_type(self, type_: GoType, settings: dict[str, str], unit: Unit,
                  depth: int = 0) -> tuple[str | None, bool, bool]:
        """(SQL type, whether the Go type is one gorm stores, whether it is an integer)."""
        if "TYPE" in settings:
            return settings["TYPE"], True, False
        size = _int(settings.get("SIZE"))
        precision, scale = _int(settings.get("PRECISION")), _int(settings.get("SCALE"))
        name = type_.name
        if type_.slice:
            stored = name in ("byte", "uint8") and not type_.element_pointer
            return ("blob" if stored else None), stored, False
        if name in _INTEGER_BITS:
            bits = size or _INTEGER_BITS[name]
            return ("smallint" if bits <= 16 else "integer" if bits <= 32 else "bigint"), True, True
        if name in ("float32", "float64"):
            if precision:
                return f"numeric({precision},{scale or 0})", True, False
            return ("real" if (size or (32 if name == "float32" else 64)) <= 32 else "double precision"), True, False
        if name == "string":
            return (f"varchar({size})" if size else "text"), True, False
        if name == "bool":
            return "boolean", True, False
        if type_.package is not None:
            spelled = f"{unit.package_of(type_.package)}.{type_.simple}"
            if spelled in _KNOWN_TYPES:
                sql = _KNOWN_TYPES[spelled]
                if sql == "numeric" and precision:
                    sql = f"numeric({precision},{scale or 0})"
                return sql, True, False
        underlying = self.project.alias(type_, unit) if depth < _MAX_DEPTH else None
        if underlying is not None:
            return self._sql_type(underlying, settings, unit, depth + 1)
        return None, False, False

    def _primary_key(self, schema: Schema) -> None:
        """Tagged primary keys, else the column named `id`; a lone integer key auto-increments."""
        keys = [c for c in schema.columns if c.explicit_key]
        if not keys:
            keys = [c for c in schema.columns if c.name == "id"]
        for column in keys:
            column.primary_key = True
            column.nullable = False
        if len(keys) == 1 and keys[0].integer and keys[0].auto_increment:
            keys[0].description = notes("generated (auto increment)", keys[0].description)

    def _indexes(self, schema: Schema) -> None:
        grouped: dict[str, tuple[bool, list[tuple[int, int, str]]]] = {}
        for order, (kind, value, column, go_name) in enumerate(schema.index_entries):
            name, _, options = value.partition(",")
            option = {k.strip().upper(): v for k, _, v in (o.partition(":") for o in options.split(",") if o)}
            if not name:
                composite = option.get("COMPOSITE")
                name = _format_name("idx", schema.table, to_db_name(composite or go_name))
            unique = kind == "UNIQUEINDEX" or "UNIQUE" in option or option.get("CLASS", "").upper() == "UNIQUE"
            priority = _int(option.get("PRIORITY")) or 10
            known_unique, members = grouped.get(name, (False, []))
            members.append((priority, order, column.name))
            grouped[name] = (known_unique or unique, members)
        for name, (unique, members) in grouped.items():
            schema.indexes.append(Index(name, tuple(c for _, _, c in sorted(members)), unique))

    # --- associations ---

    def _relate(self, schema: Schema, candidate: Candidate) -> None:
        target = self.schemas.get(id(candidate.target))
        if target is None:
            return
        settings = candidate.settings
        if "POLYMORPHIC" in settings:
            self._polymorphic(schema, target, candidate)
        elif "MANY2MANY" in settings:
            self._many_to_many(schema, target, candidate)
        elif candidate.field.type.slice:
            if not self._has(schema, target, candidate):
                self._unrelated(schema, target, candidate, has_many=True)
                return
        elif not (self._belongs_to(schema, target, candidate) or self._has(schema, target, candidate)):
            self._unrelated(schema, target, candidate, has_many=False)
            return
        self.tabled.add(id(target.struct))

    def _belongs_to(self, schema: Schema, target: Schema, candidate: Candidate) -> bool:
        """`Customer Customer` + `CustomerID` on this model: the key is here, pointing at the target."""
        return self._link(foreign=schema, primary=target, candidate=candidate, owner_name=candidate.field.name or "")

    def _has(self, schema: Schema, target: Schema, candidate: Candidate) -> bool:
        """has one / has many: `OrderID` on the target, pointing back at this model."""
        return self._link(foreign=target, primary=schema, candidate=candidate, owner_name=schema.struct.name)

    def _link(self, foreign: Schema, primary: Schema, candidate: Candidate, owner_name: str) -> bool:
        keys = self._keys(primary, candidate.settings.get("REFERENCES"))
        named = _names(candidate.settings.get("FOREIGNKEY"))
        if named:
            columns = [foreign.lookup(n) for n in named]
        else:
            columns = [next((c for n in _lookup_names(owner_name, key, len(keys)) if (c := foreign.lookup(n))), None)
                       for key in keys]
        if not columns or any(c is None for c in columns) or len(columns) > len(keys):
            return False
        pairs = []
        for column, key in zip(columns, keys, strict=False):
            assert column is not None
            column.references = f"{primary.table}.{key.name}"
            if not column.typed:  # gorm gives a foreign key its primary key's data type
                column.type = key.type or column.type
            pairs.append((column.name, key.name))
        origin = Origin(SOURCE, candidate.owner.unit.path, candidate.field.line)
        self._foreign_key(foreign.table, primary.table, pairs, origin)
        return True

    def _keys(self, schema: Schema, references: str | None) -> list[Column]:
        named = _names(references)
        if named:
            return [c for n in named if (c := schema.lookup(n)) is not None]
        return schema.primary

    def _unrelated(self, schema: Schema, target: Schema, candidate: Candidate, has_many: bool) -> None:
        """gorm refuses such a model; say which key field it looked for."""
        owner, other, name = schema.struct.name, target.struct.name, candidate.field.name
        own_key = schema.primary[0].go_name if schema.primary else "ID"
        target_key = target.primary[0].go_name if target.primary else "ID"
        has = f"`{other}.{owner}{own_key}`"
        expected = f"no {has} (has many)" if has_many else (
            f"neither `{owner}.{name}{target_key}` (belongs to) nor {has} (has one)")
        self.problems.append(Problem(candidate.owner.unit.path, candidate.field.line, 1,
                                     f"gorm cannot tell how `{owner}.{name}` refers to `{other}`: there is "
                                     f"{expected}; name the key with `gorm:\"foreignKey:...\"`"))

    def _polymorphic(self, schema: Schema, target: Schema, candidate: Candidate) -> None:
        owner = candidate.settings["POLYMORPHIC"]
        origin = Origin(SOURCE, candidate.owner.unit.path, candidate.field.line)
        kind = "has many" if candidate.field.type.slice else "has one"
        columns = f"{to_db_name(owner + 'ID')}, {to_db_name(owner + 'Type')}"
        label = f"{candidate.field.name}: {kind}, polymorphic ({columns})"
        self.relationships.append(Relationship(item_id("table", schema.table), item_id("table", target.table),
                                               "orm_relation", origin, label))

    def _many_to_many(self, schema: Schema, target: Schema, candidate: Candidate) -> None:
        settings = candidate.settings
        given = settings["MANY2MANY"]
        name = self.naming.table_prefix + (given if given.lower() == given else (
            to_db_name(given) if self.naming.singular else plural(to_db_name(given))))
        origin = Origin(SOURCE, candidate.owner.unit.path, candidate.field.line)
        table = self._table(name, origin)
        # both sides may declare the join table (`Order.Tags`, `Tag.Orders`): name every declaration
        declared = f"{schema.struct.qualified}.{candidate.field.name}"
        known = table.facts.get("join_table")
        if known is None or declared not in known.split(", "):
            table.facts["join_table"] = f"{known}, {declared}" if known else declared
        own_keys = self._keys(schema, settings.get("FOREIGNKEY"))
        target_keys = self._keys(target, settings.get("REFERENCES"))
        own_names = _names(settings.get("JOINFOREIGNKEY"))
        target_names = _names(settings.get("JOINREFERENCES"))
        own_fields = [_title(own_names[i]) if i < len(own_names) else schema.struct.name + key.go_name
                      for i, key in enumerate(own_keys)]
        target_fields = []
        for i, key in enumerate(target_keys):
            go_name = _title(target_names[i]) if i < len(target_names) else target.struct.name + key.go_name
            if go_name in own_fields:  # a self-referencing many2many (`Friends []*User`)
                field_name = candidate.field.name or ""
                go_name = (singular(field_name) + key.go_name if field_name != target.struct.name
                           else go_name + "Reference")
            target_fields.append(go_name)
        self._join_side(table, schema, own_keys, own_fields, candidate, origin)
        self._join_side(table, target, target_keys, target_fields, candidate, origin)

    def _join_side(self, table: Table, schema: Schema, keys: list[Column], go_names: list[str],
                   candidate: Candidate, origin: Origin) -> None:
        pairs = []
        for key, go_name in zip(keys, go_names, strict=True):
            column = to_db_name(go_name)
            table.add(Field(column, key.type, False, primary_key=True, references=f"{schema.table}.{key.name}",
                            line=candidate.field.line))
            pairs.append((column, key.name))
        if pairs:
            self._foreign_key(table.name, schema.table, pairs, origin)

    # --- output ---

    def _table_of(self, schema: Schema) -> None:
        table = self._table(schema.table, schema.origins[0])
        for origin in schema.origins[1:]:
            table.origin(origin)
        for column in schema.columns:
            table.add(column.field())
        table.indexes.extend(i for i in schema.indexes if i not in table.indexes)
        table.facts.setdefault("model", schema.struct.qualified)
        table.description = table.description or schema.struct.doc

    def _table(self, name: str, origin: Origin) -> Table:
        table = self.tables.get(name)
        if table is None:
            table = self.tables[name] = Table(name, [origin])
        else:
            table.origin(origin)
        return table

    def _foreign_key(self, source: str, target: str, pairs: list[tuple[str, str]], origin: Origin) -> None:
        label = f"{', '.join(p[0] for p in pairs)} → {', '.join(p[1] for p in pairs)}"
        self.relationships.append(Relationship(item_id("table", source), item_id("table", target), "foreign_key",
                                               origin, label))


def _lookup_names(owner_name: str, key: Column, count: int) -> list[str]:
    """gorm's guesses for a foreign key field: `CustomerID`, and with a single key `CustomerId`, `customer_id`."""
    name = owner_name + key.go_name
    names = [name]
    if count == 1:
        stem = name[: len(name) - len(key.go_name)]
        names += [stem + "ID", stem + "Id", to_db_name(stem + "ID")]
    return names


def _spelled(migrated: Migrated) -> str:
    return f"{migrated.package}.{migrated.name}" if migrated.package else migrated.name


def _names(value: str | None) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()] if value else []


def _title(name: str) -> str:
    return name[:1].upper() + name[1:]


def _int(value: str | None) -> int:
    try:
        return int(value.strip()) if value else 0
    except ValueError:
        return 0


READERS: tuple[Reader, ...] = (
    Reader("gorm", lambda file: file.display_path.endswith(".go") and not file.display_path.endswith("_test.go"), read),
)
