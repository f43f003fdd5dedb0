"""Message schemas and stream topics: Avro, Protobuf, JSON Schema, Kafka topic declarations.

One reader for all of them, because the links between them are only visible together: a
schema file named `orders-value.avsc`, or kept in a folder named after a topic the
repository declares, describes that topic (`stream_links`). Each format is read in its
own module (`stream_avro`, `stream_protobuf`, `stream_jsonschema`, `stream_topics`); this
one routes files to them and joins what they found.
"""

from __future__ import annotations

from collections.abc import Sequence

from flowscan.catalog.files import CatalogFile
from flowscan.catalog.model import Part
from flowscan.catalog.readers import Reader, stream_avro, stream_jsonschema, stream_links, stream_protobuf, stream_topics

_CODE = (".java", ".py")
_STRUCTURED = (".json", ".yaml", ".yml")


def claims(file: CatalogFile) -> bool:
    display_path = file.display_path
    # JSON, YAML and code are claimed wholesale and read only when their head (or text) shows
    # a JSON Schema dialect, a KafkaTopic, a NewTopic or a TopicBuilder
    return display_path.lower().endswith((stream_avro.EXTENSION, ".proto", *_STRUCTURED, *_CODE))


def read(files: Sequence[CatalogFile]) -> Part:
    def having(*suffixes: str) -> list[CatalogFile]:
        return [f for f in files if f.name.lower().endswith(suffixes)]

    avro, avro_files = stream_avro.read(having(stream_avro.EXTENSION))
    proto, proto_files = stream_protobuf.read(having(".proto"))
    json_schema, json_files = stream_jsonschema.read(having(*_STRUCTURED))
    topics = stream_topics.read(having(*_STRUCTURED, *_CODE))
    declared = {item.name for item in topics.items if item.type == "topic"}
    links = stream_links.topic_links([*avro_files, *proto_files, *json_files], declared)
    parts = (avro, proto, json_schema, topics, links)
    return Part(tuple(i for p in parts for i in p.items), tuple(r for p in parts for r in p.relationships),
                tuple(x for p in parts for x in p.problems))


READERS: tuple[Reader, ...] = (Reader("streams", claims, read),)
