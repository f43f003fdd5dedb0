"""docker-compose files: the data stores a project runs, the applications using them, the topics created.

A service is a data store when its image is one (`postgres:16`, `bitnami/kafka`), or when
it is built from a folder or named exactly after one (`postgres: {build: ./db}`). A service
built from the repository is an application; so is a pulled image whose environment names
datasets or a store's URL. Override files (`docker-compose.override.yml`) add to the
services of the base file: all compose files are read before any service is classified.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import PurePosixPath

import yaml
from attrs import frozen

from flowscan.catalog.files import CatalogFile
from flowscan.catalog.model import Field, Item, Origin, Part, Problem, Relationship, item_id
from flowscan.catalog.readers import infra_yaml as y
from flowscan.catalog.readers.infra_images import DATABASE_KEYS, USER_KEYS, DataStore, classify_image, classify_name
from flowscan.catalog.readers.infra_values import effective, hosts_in, named_datasets, stored_value
from flowscan.redact import MASK, is_secret_name

SOURCE = "compose"
_COMPOSE_NAME = re.compile(r"^(?:docker-)?compose(?:[.-][\w.-]*)?\.ya?ml$", re.IGNORECASE)
_INIT_FOLDER = "/docker-entrypoint-initdb.d"
_AUTO_CREATE_KEYS = ("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "KAFKA_CFG_AUTO_CREATE_TOPICS_ENABLE")


def claims(file: CatalogFile) -> bool:
    display_path = file.display_path
    return bool(_COMPOSE_NAME.match(PurePosixPath(display_path).name))


@frozen
class EnvVar:
    key: str
    #: as written (`${DB_NAME:-orders}`); None when passed through from the host (`- API_KEY`)
    written: str | None
    line: int
    #: the scalar holding the value, for columns within it
    node: yaml.Node | None = None

    @property
    def value(self) -> str | None:
        """The value with interpolation defaults applied, or None when it cannot be known here."""
        return effective(self.written) if self.written is not None else None


@frozen
class Service:
    """One service as one compose file writes it."""

    name: str
    path: str
    line: int
    image: str | None
    build: str | None
    environment: tuple[EnvVar, ...]
    ports: tuple[str, ...]
    volumes: tuple[tuple[str, str], ...]  # (source, target)
    depends_on: tuple[str, ...]
    env_files: tuple[str, ...]


def read(files: Sequence[CatalogFile]) -> Part:
    services: list[Service] = []
    problems: list[Problem] = []
    for file in files:
        found, trouble = _services_of(file)
        services += found
        problems += trouble
    return _catalog(services, problems)


# --- reading one file -------------------------------------------------------------------


def _services_of(file: CatalogFile) -> tuple[list[Service], list[Problem]]:
    documents = y.load_documents(file)
    problems = list(documents.problems)
    if not documents.nodes:
        return [], problems
    if len(documents.nodes) > 1:
        problems.append(file.problem("several YAML documents in a compose file: only the first is read",
                                     y.line_of(documents.nodes[1])))
    root = documents.nodes[0]
    if not y.is_mapping(root):
        return [], [*problems, file.problem("a compose file is a mapping with `services:`", y.line_of(root))]
    services_node = y.get(root, "services")
    if services_node is None:
        return [], problems  # a file of only `x-` fragments, `volumes:` or `networks:`: nothing to say
    if not y.is_mapping(services_node):
        return [], [*problems, file.problem("`services:` should be a mapping of service names",
                                            y.line_of(services_node), y.column_of(services_node))]
    services: list[Service] = []
    for entry in y.entries(services_node):
        if entry.key.startswith("x-"):
            continue
        if y.is_mapping(entry.value):
            services.append(_service(file, entry))
        else:
            problems.append(file.problem(f"service `{entry.key}` should be a mapping", entry.line,
                                         y.column_of(entry.value)))
    return services, problems


def _service(file: CatalogFile, entry: y.Entry) -> Service:
    node = entry.value
    return Service(
        name=entry.key,
        path=file.display_path,
        line=entry.line,
        image=y.scalar(y.get(node, "image")),
        build=_build_context(y.get(node, "build")),
        environment=tuple(_environment(y.get(node, "environment"))),
        ports=tuple(_ports(y.get(node, "ports"))),
        volumes=tuple(_volumes(y.get(node, "volumes"))),
        depends_on=tuple(e.key for e in y.entries(y.get(node, "depends_on"))) or tuple(y.scalars(y.get(node, "depends_on"))),
        env_files=tuple(_env_files(y.get(node, "env_file"))),
    )


def _build_context(node: yaml.Node | None) -> str | None:
    if node is None:
        return None
    if y.is_mapping(node):
        return y.scalar(y.get(node, "context")) or "."
    return y.scalar(node) or "."


def _environment(node: yaml.Node | None) -> list[EnvVar]:
    if y.is_mapping(node):
        return [EnvVar(e.key, y.scalar(e.value), e.line, e.value) for e in y.entries(node)]
    variables: list[EnvVar] = []
    for item in y.items(node):
        text = y.scalar(item)
        if text is None:
            continue
        key, equals, value = text.partition("=")
        variables.append(EnvVar(key.strip(), value if equals else None, y.line_of(item), item))
    return variables


def _ports(node: yaml.Node | None) -> list[str]:
    ports: list[str] = []
    for item in y.items(node):
        if y.is_mapping(item):
            target, published = y.scalar(y.get(item, "target")), y.scalar(y.get(item, "published"))
            if target:
                ports.append(f"{published}:{target}" if published else target)
        elif (text := y.scalar(item)) is not None:
            ports.append(text)
    return ports


def _volumes(node: yaml.Node | None) -> list[tuple[str, str]]:
    volumes: list[tuple[str, str]] = []
    for item in y.items(node):
        if y.is_mapping(item):
            source, target = y.scalar(y.get(item, "source")) or "", y.scalar(y.get(item, "target")) or ""
        else:
            text = y.scalar(item) or ""
            source, _, rest = text.partition(":")
            target = rest.split(":", 1)[0] if rest else source
            source = source if rest else ""
        if target:
            volumes.append((source, target))
    return volumes


def _env_files(node: yaml.Node | None) -> list[str]:
    if y.is_sequence(node):
        return [path for item in y.items(node)
                if (path := y.scalar(y.get(item, "path")) if y.is_mapping(item) else y.scalar(item))]
    return y.scalars(node)


# --- from services to items -------------------------------------------------------------


@frozen
class _Role:
    store: DataStore | None
    application: bool


def _catalog(services: list[Service], problems: list[Problem]) -> Part:
    roles = _roles(services)
    stores = {name for name, role in roles.items() if role.store is not None}
    items: list[Item] = []
    relationships: list[Relationship] = []
    for service in services:
        role = roles[service.name]
        if role.store is None and not role.application:
            continue
        origin = Origin(SOURCE, service.path, service.line)
        items.append(_item(service, role, origin))
        relationships += _relationships(service, stores, origin)
        if role.store is not None and role.store.technology == "kafka":
            topics, trouble = _created_topics(service)
            items += topics
            problems += trouble
            relationships += [Relationship(item_id("service", service.name), t.id, "configures",
                                           t.origins[0], "KAFKA_CREATE_TOPICS") for t in topics]
    return Part(tuple(items), tuple(relationships), tuple(problems))


def _roles(services: list[Service]) -> dict[str, _Role]:
    """Each service name's role, from all files that write it (an override may omit the image)."""
    image: dict[str, str] = {}
    build: dict[str, str] = {}
    uses_data: set[str] = set()
    for service in services:
        if service.image:
            image.setdefault(service.name, service.image)
        if service.build:
            build.setdefault(service.name, service.build)
        if _uses_data(service):
            uses_data.add(service.name)
    roles: dict[str, _Role] = {}
    for name in dict.fromkeys(service.name for service in services):
        store = classify_image(image[name]) if name in image else None
        if store is None and name in build:
            store = classify_name(name) or classify_name(PurePosixPath(build[name]).name)
        roles[name] = _Role(store, store is None and (name in build or name in uses_data))
    return roles


def _uses_data(service: Service) -> bool:
    """A pulled image counts as an application when its settings name datasets or a store's URL."""
    return any(named_datasets(v.key, v.value) or (v.value and "://" in v.value and v.key.upper().endswith(("URL", "URI", "DSN")))
               for v in service.environment)


def _item(service: Service, role: _Role, origin: Origin) -> Item:
    facts: list[tuple[str, str]] = []
    if role.store is not None:
        facts.append(("technology", role.store.technology))
        if role.store.product:
            facts.append(("product", role.store.product))
    else:
        facts.append(("role", "application"))
        if service.build:
            facts.append(("build", service.build))
    if service.image:
        facts.append(("image", stored_value("image", service.image) or service.image))
    if service.ports:
        facts.append(("ports", ", ".join(service.ports)))
    if role.store is not None:
        facts += _store_settings(service)
    if service.volumes:
        facts.append(("volumes", ", ".join(f"{s}:{t}" if s else t for s, t in service.volumes)))
    init = [source or target for source, target in service.volumes if target.rstrip("/").startswith(_INIT_FOLDER)]
    if init:
        facts.append(("init_scripts", ", ".join(init)))
    if service.depends_on:
        facts.append(("depends_on", ", ".join(service.depends_on)))
    if service.env_files:
        facts.append(("env_files", ", ".join(service.env_files)))
    return Item("service", service.name, (origin,), tuple(_env_field(v) for v in service.environment), facts=tuple(facts))


def _store_settings(service: Service) -> list[tuple[str, str]]:
    by_key = {v.key: v for v in service.environment}
    facts: list[tuple[str, str]] = []
    for fact, keys in (("database", DATABASE_KEYS), ("user", USER_KEYS), ("auto_create_topics", _AUTO_CREATE_KEYS)):
        variable = next((by_key[k] for k in keys if k in by_key and by_key[k].written is not None), None)
        if variable is not None:
            value = variable.value if variable.value is not None else variable.written
            facts.append((fact, stored_value(variable.key, value) or ""))
    secrets = [v for v in service.environment if v.written and is_secret_name(v.key)]
    if secrets:
        facts.append(("password", stored_value(secrets[0].key, secrets[0].written) or MASK))
    return facts


def _env_field(variable: EnvVar) -> Field:
    if variable.written is None:
        return Field(variable.key, line=variable.line, description="passed through from the host environment")
    description = None
    if variable.value != variable.written:
        resolved = stored_value(variable.key, variable.value)
        description = f"default {resolved}" if resolved is not None else "set where compose runs"
    return Field(variable.key, default=stored_value(variable.key, variable.written), line=variable.line,
                 description=description)


def _relationships(service: Service, stores: set[str], origin: Origin) -> list[Relationship]:
    source = item_id("service", service.name)
    found: dict[tuple[str, str], Relationship] = {}

    def add(target: str, label: str, line: int) -> None:
        if target != source:
            found.setdefault((target, label), Relationship(source, target, "configures",
                                                           Origin(SOURCE, service.path, line), label))

    for dependency in service.depends_on:
        if dependency in stores:
            add(item_id("service", dependency), "depends_on", origin.line)
    for variable in service.environment:
        for named in named_datasets(variable.key, variable.value):
            add(named.target, variable.key, variable.line)
        for host in hosts_in(variable.value):
            if host in stores:
                add(item_id("service", host), variable.key, variable.line)
    return list(found.values())


# --- KAFKA_CREATE_TOPICS (wurstmeister/kafka) ---------------------------------------------

_TOPIC = re.compile(r"^[A-Za-z0-9._-]{1,249}$")


def _created_topics(service: Service) -> tuple[list[Item], list[Problem]]:
    """`orders:6:1,payments:3:1:compact` → topics with partitions, replicas and cleanup.policy."""
    variable = next((v for v in service.environment if v.key == "KAFKA_CREATE_TOPICS"), None)
    if variable is None or not variable.value:
        return [], []
    items: list[Item] = []
    problems: list[Problem] = []
    offset = 0
    for spec in variable.value.split(","):
        column = _column_in(variable, offset + len(spec) - len(spec.lstrip()))
        offset += len(spec) + 1
        parts = [part.strip() for part in spec.strip().split(":")]
        if not parts[0]:
            continue
        if not _TOPIC.match(parts[0]) or len(parts) > 4 or any(not p.isdigit() for p in parts[1:3]):
            problems.append(Problem(service.path, variable.line, column,
                                    f"KAFKA_CREATE_TOPICS entry `{spec.strip()}` is not name:partitions:replicas[:cleanup.policy]"))
            continue
        facts = [("broker", service.name)]
        facts += [(name, value) for name, value in zip(("partitions", "replicas", "cleanup.policy"), parts[1:])]
        items.append(Item("topic", parts[0], (Origin(SOURCE, service.path, variable.line),), facts=tuple(facts)))
    return items, problems


def _column_in(variable: EnvVar, offset: int) -> int:
    """The column of `offset` within the value, when the value sits on one line of the file."""
    node = variable.node
    if not isinstance(node, yaml.ScalarNode) or node.start_mark.line != node.end_mark.line:
        return 1
    quote = 1 if node.style in ("'", '"') else 0
    prefix = len(variable.key) + 1 if str(node.value).startswith(variable.key + "=") else 0
    return int(node.start_mark.column) + 1 + quote + prefix + offset
