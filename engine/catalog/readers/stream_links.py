"""Which topic a message schema describes — only where the repository says so.

Two kinds of evidence count, and no guessing beyond them:

- Schema Registry subject naming (the default TopicNameStrategy): a schema file named
  `orders-value.avsc` (or `.proto`, `.schema.json`) is the value schema of topic `orders`,
  `orders-key.avsc` its key schema. The subject names the topic, so the topic is an item too.
- A schema file in a folder named after a topic the repository declares
  (`schemas/orders/order-created.avsc` beside a `NewTopic("orders", ...)`).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Sequence

from attrs import frozen

from flowscan.catalog.model import Item, Origin, Part, Relationship, item_id

REGISTRY_SOURCE = "schema-registry"
_SUBJECT = re.compile(r"^(?P<topic>.+)-(?P<part>key|value)$")
_SCHEMA_SUFFIXES = (".schema.json", ".schema.yaml", ".schema.yml", ".avsc", ".proto", ".json", ".yaml", ".yml")


@frozen
class SchemaFile:
    """The schemas one file declares, as candidates for a topic's key or value."""

    path: str
    source: str
    #: (item id, name, line) of what a subject named after this file means: Avro's top-level
    #: type, a .proto's first message (Schema Registry's default), a JSON Schema's root
    subject: tuple[tuple[str, str, int], ...]
    #: (item id, name, line) of every top-level schema the file declares
    top_level: tuple[tuple[str, str, int], ...]


def stem(path: str) -> str:
    name = posixpath.basename(path)
    lowered = name.lower()
    suffix = next((s for s in _SCHEMA_SUFFIXES if lowered.endswith(s)), "")
    return name[: len(name) - len(suffix)] if suffix else name


def topic_links(files: Sequence[SchemaFile], declared_topics: Iterable[str]) -> Part:
    declared = set(declared_topics)
    items: list[Item] = []
    relationships: list[Relationship] = []
    for file in files:
        subject = _SUBJECT.match(stem(file.path))
        if subject is not None and file.subject:
            topic, part = subject["topic"], subject["part"]
            origin = Origin(REGISTRY_SOURCE, file.path, file.subject[0][2])
            items.append(Item("topic", topic, (origin,), facts=((f"{part}_schema", file.subject[0][1]),)))
            relationships.extend(Relationship(schema_id, item_id("topic", topic), "schema_of",
                                              Origin(REGISTRY_SOURCE, file.path, line), f"subject {subject.group(0)}")
                                 for schema_id, _, line in file.subject)
        folder = posixpath.basename(posixpath.dirname(file.path))
        if folder in declared:
            relationships.extend(Relationship(schema_id, item_id("topic", folder), "schema_of",
                                              Origin(file.source, file.path, line), f"in folder {folder}/")
                                 for schema_id, _, line in file.top_level)
    return Part(tuple(items), tuple(relationships))
