"""The catalog: what the repository (and, when asked, a live database) says the data *is*.

Code findings say where data moves; the catalog says what that data is — tables and their
columns, data files and their fields, API operations, message schemas, topics, the data
stores a deployment runs, logging set-ups. Every item carries where it was seen
(`Origin`: file and 1-based line), so each claim can be checked.

Item ids use the data-flow map's spelling of a dataset (`table:orders`, `topic:orders`,
`file:data/orders.csv`), which is what lets the catalog join the map.
"""

from __future__ import annotations

from attrs import field, frozen

from flowscan.findings import Entity
from flowscan.datasets import normalize

#: item types, and the entity type of the map's dataset node each one joins (None: no dataset)
ITEM_TYPES: dict[str, str | None] = {
    "table": "table",  # a relational table or view (DDL, ORM model, live database)
    "view": "table",
    "file": "file",  # a data file in the repository (CSV, JSON, Parquet...)
    "dataset": "file",  # a folder of data files written as one (partitioned, part-0001...)
    "operation": None,  # an API operation (OpenAPI path + method, GraphQL query/mutation); joins endpoints by route
    "schema": None,  # a message/record schema (Avro, Protobuf, JSON Schema, GraphQL type)
    "topic": "topic",  # a stream topic or queue
    "keyspace": None,  # Redis keys sharing a prefix
    "service": None,  # a data store or broker a deployment runs (docker-compose, Kubernetes)
    "config": None,  # a settings file: .env, application.properties, a ConfigMap
    "log": None,  # a logging configuration or a log file
}

#: relationship kinds
RELATIONSHIP_KINDS = (
    "foreign_key",  # table → referenced table (DDL or ORM)
    "orm_relation",  # ORM relationship without a column-level key (JPA @OneToMany, relationship())
    "schema_of",  # schema → the topic/file/operation it describes
    "implements",  # code endpoint → API operation (filled by the map join)
    "calls",  # client call → API operation
    "configures",  # config/service → what it names (topic, table, database)
)


@frozen(order=True)
class Origin:
    """Where an item or fact was seen: what read it (`source`, e.g. `ddl`, `django`, `openapi`), file and line."""

    source: str
    path: str
    line: int = 1


@frozen
class Field:
    """A column, a record field or a JSON path: `name` is the whole path for nested fields (`customer.address.city`)."""

    name: str
    type: str | None = None
    nullable: bool | None = None
    default: str | None = None
    primary_key: bool = False
    unique: bool = False
    #: a foreign key's target, `table.column`
    references: str | None = None
    line: int | None = None
    description: str | None = None


@frozen
class Index:
    name: str | None
    columns: tuple[str, ...]
    unique: bool = False


@frozen
class Item:
    """One thing in the catalog. `facts` are format-specific, ordered `(name, value)` pairs
    (a CSV's delimiter, a table's size, an operation's method), values already redacted."""

    type: str
    name: str
    origins: tuple[Origin, ...]
    fields: tuple[Field, ...] = ()
    indexes: tuple[Index, ...] = ()
    facts: tuple[tuple[str, str], ...] = ()
    description: str | None = None

    @property
    def id(self) -> str:
        return item_id(self.type, self.name)

    def fact(self, name: str) -> str | None:
        return next((value for key, value in self.facts if key == name), None)


@frozen
class Relationship:
    """An edge between two items, by id (`table:orders` → `table:customers`)."""

    source: str
    target: str
    kind: str
    origin: Origin
    #: e.g. the columns of a foreign key, `customer_id → id`
    label: str | None = None


@frozen
class Problem:
    """A file a reader could not fully read: where, and why, in words (never a traceback)."""

    path: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.message}"


@frozen
class Part:
    """What one reader found in the files it was given."""

    items: tuple[Item, ...] = ()
    relationships: tuple[Relationship, ...] = ()
    problems: tuple[Problem, ...] = ()


@frozen
class Catalog:
    items: tuple[Item, ...] = ()
    relationships: tuple[Relationship, ...] = ()
    problems: tuple[Problem, ...] = ()
    #: files looked at, per reader
    files: int = 0
    seconds: float = field(default=0.0, eq=False)

    def item(self, item_id_: str) -> Item | None:
        return next((i for i in self.items if i.id == item_id_), None)


def item_id(type_: str, name: str) -> str:
    """`table:orders`: the map's dataset id for items that are datasets, `<type>:<name>` for the rest."""
    entity_type = ITEM_TYPES.get(type_)
    if entity_type is not None:
        return f"{entity_type}:{normalize(Entity(entity_type, name))}"
    return f"{type_}:{name}"
