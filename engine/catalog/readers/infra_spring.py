"""Spring Boot settings: `application*.properties|yml|yaml` and `bootstrap*.…`.

Every key becomes a field (YAML flattened to `spring.datasource.url`, lists as
`app.topics[0]`), so that a reader sees what a service is configured with; facts sum up
the data settings (datasource, Kafka, Redis, MongoDB, RabbitMQ, topics). Keys that name a
topic, queue or table (`app.kafka.orders-topic`, `spring.kafka.template.default-topic`,
`spring.cloud.stream.bindings.*.destination`) become `configures` relationships, with
`${ORDERS_TOPIC:orders}` read as its default, `orders`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import PurePosixPath

from attrs import frozen

from flowscan.catalog.files import CatalogFile, Unreadable
from flowscan.catalog.model import Field, Item, Origin, Part, Problem, Relationship
from flowscan.catalog.readers import infra_yaml as y
from flowscan.catalog.readers.infra_properties import parse_properties
from flowscan.catalog.readers.infra_values import Named, effective, key_kind, named_datasets, stored_value

SOURCE = "spring"
_SPRING_NAME = re.compile(r"^(?:application|bootstrap)(?:-([\w.-]+))?\.(properties|ya?ml)$")
#: fact → the keys that say it, first found wins
_SUMMARY: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("datasource.url", ("spring.datasource.url", "spring.datasource.jdbc-url", "spring.datasource.hikari.jdbc-url",
                        "spring.r2dbc.url", "spring.flyway.url", "spring.liquibase.url")),
    ("datasource.username", ("spring.datasource.username", "spring.r2dbc.username")),
    ("kafka.bootstrap-servers", ("spring.kafka.bootstrap-servers", "spring.kafka.producer.bootstrap-servers",
                                 "spring.kafka.consumer.bootstrap-servers", "spring.cloud.stream.kafka.binder.brokers")),
    ("kafka.consumer.group-id", ("spring.kafka.consumer.group-id",)),
    ("redis", ("spring.data.redis.url", "spring.redis.url", "spring.data.redis.host", "spring.redis.host")),
    ("mongodb.uri", ("spring.data.mongodb.uri", "spring.data.mongodb.host")),
    ("rabbitmq", ("spring.rabbitmq.addresses", "spring.rabbitmq.host")),
    ("elasticsearch", ("spring.elasticsearch.uris",)),
    ("jpa.ddl-auto", ("spring.jpa.hibernate.ddl-auto",)),
)
_INDEX = re.compile(r"\[\d+\]")
_PROFILE_KEYS = ("spring.config.activate.on-profile", "spring.profiles")


def claims(file: CatalogFile) -> bool:
    display_path = file.display_path
    return bool(_SPRING_NAME.match(PurePosixPath(display_path).name))


@frozen
class Setting:
    key: str
    value: str | None
    line: int
    #: the profile of the document it is in (`---` + `spring.config.activate.on-profile: prod`), if any
    profile: str | None = None


def read(files: Sequence[CatalogFile]) -> Part:
    items: list[Item] = []
    relationships: list[Relationship] = []
    problems: list[Problem] = []
    for file in files:
        settings, trouble = _settings(file)
        problems += trouble
        if settings is None:
            continue
        item = _item(file, settings)
        items.append(item)
        relationships += _relationships(item.id, file.display_path, settings)
    return Part(tuple(items), tuple(relationships), tuple(problems))


def _settings(file: CatalogFile) -> tuple[list[Setting] | None, list[Problem]]:
    if file.name.endswith(".properties"):
        try:
            text = file.text()
        except Unreadable as error:
            return None, [error.problem]
        found = parse_properties(text)
        profiles = {p.document: p.value for p in found if p.key in _PROFILE_KEYS and p.document > 0}
        return [Setting(p.key, p.value, p.line, profiles.get(p.document)) for p in found], []
    documents = y.load_documents(file)
    if not documents.nodes and documents.problems:
        return None, list(documents.problems)
    settings: list[Setting] = []
    problems = list(documents.problems)
    for index, node in enumerate(documents.nodes):
        if not y.is_mapping(node):
            problems.append(file.problem("a Spring settings document is a mapping of keys", y.line_of(node)))
            continue
        try:
            leaves = list(y.flatten(node))
        except y.TooLarge:
            problems.append(file.problem("more than 20,000 settings, 64 levels deep, or an alias inside itself: "
                                         "document not read", y.line_of(node)))
            continue
        profile = next((leaf.value for leaf in leaves if leaf.path in _PROFILE_KEYS), None) if index else None
        settings += [Setting(leaf.path, leaf.value, leaf.line, profile) for leaf in leaves]
    return settings, problems


def _item(file: CatalogFile, settings: list[Setting]) -> Item:
    fields = tuple(Field(s.key, default=stored_value(s.key, s.value, spring=True), line=s.line,
                         description=f"profile {s.profile}" if s.profile else None) for s in settings)
    facts: list[tuple[str, str]] = [("format", "properties" if file.name.endswith(".properties") else "yaml")]
    name_match = _SPRING_NAME.match(file.name)
    if name_match and name_match.group(1):
        facts.append(("profile", name_match.group(1)))
    profiles = sorted({s.profile for s in settings if s.profile})
    if profiles:
        facts.append(("profiles", ", ".join(profiles)))
    by_key: dict[str, Setting] = {}
    for setting in settings:
        by_key.setdefault(setting.key, setting)
    for fact, keys in _SUMMARY:
        found = next((by_key[k] for k in keys if k in by_key and by_key[k].value), None)
        if found is not None:
            facts.append((fact, stored_value(found.key, found.value, spring=True) or ""))
    topics = [named.target.split(":", 1)[1] for s in settings for named in _named(s) if named.target.startswith("topic:")]
    if topics:
        facts.append(("topics", ", ".join(dict.fromkeys(topics))))
    return Item("config", file.display_path, (Origin(SOURCE, file.display_path, 1),), fields, facts=tuple(facts))


def _named(setting: Setting) -> list[Named]:
    """The topics, queues and tables a setting names, by its key and its (default) value."""
    if setting.value is None:
        return []
    value = effective(setting.value, spring=True)
    key = _INDEX.sub("", setting.key)
    segments = key.lower().split(".")
    kind = key_kind(segments[-1])
    if kind is None and "bindings" in segments and segments[-1] == "destination":
        kind = "topic"
    if kind is None and len(segments) > 1:
        # `app.kafka.topics.orders: orders`, `app.topic.orders.name: orders`
        kind = next((key_kind(segment) for segment in segments[:-1] if key_kind(segment)), None)
        if segments[-1] in _NOT_NAMES:
            kind = None
    return named_datasets(setting.key, value, kind)


# settings *about* a topic or table, not its name
_NOT_NAMES = frozenset({"partitions", "replicas", "replication-factor", "retention", "retention-ms", "enabled",
                        "auto-create", "concurrency", "prefix", "suffix", "group-id", "key-serializer",
                        "value-serializer", "compression-type", "min-insync-replicas", "cleanup-policy"})


def _relationships(config_id: str, path: str, settings: list[Setting]) -> list[Relationship]:
    found: dict[tuple[str, str], Relationship] = {}
    for setting in settings:
        for named in _named(setting):
            found.setdefault((named.target, setting.key),
                             Relationship(config_id, named.target, "configures", Origin(SOURCE, path, setting.line), setting.key))
    return list(found.values())
