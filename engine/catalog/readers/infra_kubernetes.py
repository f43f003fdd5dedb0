"""Kubernetes manifests: ConfigMaps, Secrets (keys only), and the workloads that run data stores or use them.

A YAML file is claimed when its first 64 KiB have a top-level `apiVersion:` and a `kind:`
read here (ConfigMap, Secret, a workload, List); then every document of it is read
(`---`, and `kind: List`). Other kinds (Services, Ingresses, Strimzi `KafkaTopic`s,
which the streams reader reads) are passed over without a word, and a file of only
those is not claimed. Helm templates (files under `templates/` beside a `Chart.yaml`)
are not YAML until rendered, and are not claimed.

Secrets are never read past their keys: not `data` (base64 is not encryption), not
`stringData`, and an env var taken from a Secret says which Secret and key, never what
is in it. Env vars taken from a ConfigMap of the same manifests are shown with its value.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

import yaml
from attrs import frozen

from flowscan.catalog.files import CatalogFile, Unreadable
from flowscan.catalog.model import Field, Item, Origin, Part, Problem, Relationship, item_id
from flowscan.catalog.readers import infra_yaml as y
from flowscan.catalog.readers.infra_images import DATABASE_KEYS, USER_KEYS, DataStore, classify_image
from flowscan.catalog.readers.infra_values import hosts_in, named_datasets, stored_value
from flowscan.redact import MASK, is_secret_name

SOURCE = "kubernetes"
_HEAD_BYTES = 65_536
_API_VERSION = re.compile(rb"^apiVersion:[ \t]*\S", re.MULTILINE)
# only files with a kind read here are claimed: a file of Strimzi KafkaTopics (the streams reader's),
# CRDs or Services is left to others, broken or not
_KIND = re.compile(rb"^[ \t-]*kind:[ \t]*[\"']?(?:ConfigMap|Secret|Deployment|StatefulSet|DaemonSet|ReplicaSet|Job|CronJob"
                   rb"|Pod|List)[\"']?[ \t]*(?:#.*)?\r?$", re.MULTILINE)
#: where each workload kind keeps its pod spec
_POD_SPEC_PATHS: dict[str, tuple[str, ...]] = {
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
    "Pod": ("spec",),
}


def claims(file: CatalogFile) -> bool:
    display_path = file.display_path
    if not display_path.endswith((".yaml", ".yml")) or _in_helm_templates(file):
        return False
    try:
        head = file.head(_HEAD_BYTES)
    except Unreadable:
        return False  # unreadable: the walk or another reader says so
    return bool(_API_VERSION.search(head) and _KIND.search(head))


def _in_helm_templates(file: CatalogFile) -> bool:
    return any(folder.name == "templates" and (folder.parent / "Chart.yaml").is_file() for folder in file.path.parents)


@frozen
class Manifest:
    """One object of a manifest file."""

    kind: str
    name: str
    namespace: str | None
    node: yaml.Node
    path: str

    @property
    def line(self) -> int:
        return y.line_of(self.node)

    def origin(self, line: int | None = None) -> Origin:
        return Origin(SOURCE, self.path, line or self.line)


def read(files: Sequence[CatalogFile]) -> Part:
    manifests: list[Manifest] = []
    problems: list[Problem] = []
    for file in files:
        documents = y.load_documents(file)
        problems += documents.problems
        for node in documents.nodes:
            manifests += _objects(file, node, problems)
    return _Catalog(manifests).part(problems)


def _objects(file: CatalogFile, node: yaml.Node, problems: list[Problem], depth: int = 0) -> Iterator[Manifest]:
    if not y.is_mapping(node) or depth > 4:  # a List of Lists, not an alias loop
        return
    kind = y.scalar(y.get(node, "kind"))
    if kind == "List":
        for item in y.items(y.get(node, "items")):
            yield from _objects(file, item, problems, depth + 1)
        return
    if kind is None or y.get(node, "apiVersion") is None:
        return
    metadata = y.get(node, "metadata")
    name_node = y.get(metadata, "name")
    if name_node is not None and y.scalar(name_node) is None:
        problems.append(file.problem(f"{kind} metadata.name is not a string (an unrendered template?)",
                                     y.line_of(name_node), y.column_of(name_node)))
        return
    name = y.scalar(name_node) or y.scalar(y.get(metadata, "generateName"))
    if name is None:
        if kind in _POD_SPEC_PATHS or kind in ("ConfigMap", "Secret"):
            problems.append(file.problem(f"{kind} without metadata.name", y.line_of(node)))
        return
    yield Manifest(kind, name, y.scalar(y.get(metadata, "namespace")), node, file.display_path)


@frozen
class _EnvVar:
    name: str
    line: int
    container: str
    value: str | None = None
    #: where a value comes from when it is not written: `configmap/app-config key orders.topic`
    source: str | None = None
    #: the config item it comes from (for a relationship), and whether the value was resolved from it
    config: str | None = None


class _Catalog:
    """All manifests of the run at once: env vars refer to ConfigMaps and hosts to workloads in other files."""

    def __init__(self, manifests: list[Manifest]) -> None:
        self.manifests = manifests
        self.config_maps: dict[str, dict[str, str]] = {
            m.name: {e.key: v for e in y.entries(y.get(m.node, "data")) if (v := y.scalar(e.value)) is not None}
            for m in manifests if m.kind == "ConfigMap"
        }
        self.stores: dict[str, DataStore] = {}
        for manifest in manifests:
            store = self._store_of(manifest)
            if store is not None:
                self.stores[manifest.name] = store
        self.items: list[Item] = []
        self.relationships: dict[tuple[str, str, str | None], Relationship] = {}

    def part(self, problems: list[Problem]) -> Part:
        for manifest in self.manifests:
            if manifest.kind == "ConfigMap":
                self._config_map(manifest)
            elif manifest.kind == "Secret":
                self._secret(manifest)
            elif manifest.kind in _POD_SPEC_PATHS:
                self._workload(manifest)
        return Part(tuple(self.items), tuple(self.relationships.values()), tuple(problems))

    def _relate(self, source: str, target: str, origin: Origin, label: str | None) -> None:
        if source != target:
            self.relationships.setdefault((source, target, label), Relationship(source, target, "configures", origin, label))

    # --- ConfigMap and Secret -----------------------------------------------------------

    def _config_map(self, manifest: Manifest) -> None:
        fields: list[Field] = []
        config = item_id("config", f"configmap/{manifest.name}")
        for entry in y.entries(y.get(manifest.node, "data")):
            value = y.scalar(entry.value)
            if value is not None and "\n" in value.strip():
                # a whole file (application.properties, nginx.conf) kept in a key: its size, not its text
                fields.append(Field(entry.key, type="file", line=entry.line,
                                    description=f"{value.count(chr(10)) + 1} lines"))
                continue
            fields.append(Field(entry.key, default=stored_value(entry.key, value), line=entry.line))
            for named in named_datasets(entry.key, value):
                self._relate(config, named.target, manifest.origin(entry.line), entry.key)
            for host in hosts_in(value):
                if _service_name(host) in self.stores:
                    self._relate(config, item_id("service", _service_name(host)), manifest.origin(entry.line), entry.key)
        fields += [Field(e.key, type="binary", line=e.line) for e in y.entries(y.get(manifest.node, "binaryData"))]
        self.items.append(Item("config", f"configmap/{manifest.name}", (manifest.origin(),), tuple(fields),
                               facts=_namespace(manifest)))

    def _secret(self, manifest: Manifest) -> None:
        keys = [*y.entries(y.get(manifest.node, "data")), *y.entries(y.get(manifest.node, "stringData"))]
        fields = tuple(Field(e.key, line=e.line, description="secret: value not read") for e in keys)
        facts = [*_namespace(manifest), ("type", y.scalar(y.get(manifest.node, "type")) or "Opaque")]
        self.items.append(Item("config", f"secret/{manifest.name}", (manifest.origin(),), fields, facts=tuple(facts)))

    # --- workloads ----------------------------------------------------------------------

    def _store_of(self, manifest: Manifest) -> DataStore | None:
        if manifest.kind not in _POD_SPEC_PATHS:
            return None
        for container in y.items(y.get(_pod_spec(manifest), "containers")):
            store = classify_image(y.scalar(y.get(container, "image")) or "")
            if store is not None:
                return store
        return None

    def _workload(self, manifest: Manifest) -> None:
        spec = _pod_spec(manifest)
        containers = [*y.items(y.get(spec, "initContainers")), *y.items(y.get(spec, "containers"))]
        env = [variable for container in containers for variable in self._env(manifest, container)]
        images = [image for c in containers if (image := y.scalar(y.get(c, "image")))]
        store = self.stores.get(manifest.name)
        service = item_id("service", manifest.name)
        facts: list[tuple[str, str]] = []
        if store is not None:
            facts += [("technology", store.technology)] + ([("product", store.product)] if store.product else [])
        else:
            facts.append(("role", "application"))
        facts += [("kind", manifest.kind), *_namespace(manifest)]
        if images:
            facts.append(("image", ", ".join(dict.fromkeys(stored_value("image", i) or i for i in images))))
        replicas = y.scalar(y.get(y.get(manifest.node, "spec"), "replicas"))
        if replicas:
            facts.append(("replicas", replicas))
        ports = [p for c in containers for port in y.items(y.get(c, "ports")) if (p := y.scalar(y.get(port, "containerPort")))]
        if ports:
            facts.append(("ports", ", ".join(ports)))
        if store is not None:
            facts += _store_facts(env)
            facts += _claims_storage(manifest)
        env_from = list(self._env_from(manifest, containers))
        if env_from:
            facts.append(("env_from", ", ".join(dict.fromkeys(env_from))))
        fields = tuple(_env_field(v, several=len(containers) > 1) for v in env)
        self.items.append(Item("service", manifest.name, (manifest.origin(),), fields, facts=tuple(facts)))
        for variable in env:
            origin = manifest.origin(variable.line)
            if variable.config is not None:
                self._relate(variable.config, service, origin, variable.name)
            for named in named_datasets(variable.name, variable.value):
                self._relate(service, named.target, origin, variable.name)
            for host in hosts_in(variable.value):
                if _service_name(host) in self.stores:
                    self._relate(service, item_id("service", _service_name(host)), origin, variable.name)

    def _env(self, manifest: Manifest, container: yaml.Node) -> Iterator[_EnvVar]:
        container_name = y.scalar(y.get(container, "name")) or "?"
        for node in y.items(y.get(container, "env")):
            name = y.scalar(y.get(node, "name"))
            if name is None:
                continue
            line = y.line_of(node)
            value_from = y.get(node, "valueFrom")
            if value_from is None:
                yield _EnvVar(name, line, container_name, y.scalar(y.get(node, "value")) or "")
                continue
            yield self._env_from_ref(name, line, container_name, value_from)

    def _env_from_ref(self, name: str, line: int, container: str, value_from: yaml.Node) -> _EnvVar:
        config_ref = y.get(value_from, "configMapKeyRef")
        secret_ref = y.get(value_from, "secretKeyRef")
        if config_ref is not None:
            map_name, key = y.scalar(y.get(config_ref, "name")) or "?", y.scalar(y.get(config_ref, "key")) or "?"
            value = self.config_maps.get(map_name, {}).get(key)
            return _EnvVar(name, line, container, value, f"configmap/{map_name} key {key}",
                           item_id("config", f"configmap/{map_name}"))
        if secret_ref is not None:
            secret_name, key = y.scalar(y.get(secret_ref, "name")) or "?", y.scalar(y.get(secret_ref, "key")) or "?"
            return _EnvVar(name, line, container, None, f"secret/{secret_name} key {key}",
                           item_id("config", f"secret/{secret_name}"))
        field_ref = y.get(value_from, "fieldRef") or y.get(value_from, "resourceFieldRef")
        path = y.scalar(y.get(field_ref, "fieldPath")) or y.scalar(y.get(field_ref, "resource")) or "?"
        return _EnvVar(name, line, container, None, f"field {path}")

    def _env_from(self, manifest: Manifest, containers: list[yaml.Node]) -> Iterator[str]:
        """`envFrom:` sources as `configmap/x` / `secret/y`, each also a relationship to the workload."""
        service = item_id("service", manifest.name)
        for container in containers:
            for source in y.items(y.get(container, "envFrom")):
                for ref_key, kind in (("configMapRef", "configmap"), ("secretRef", "secret")):
                    ref = y.get(source, ref_key)
                    ref_name = y.scalar(y.get(ref, "name"))
                    if ref_name:
                        config = f"{kind}/{ref_name}"
                        self._relate(item_id("config", config), service, manifest.origin(y.line_of(source)), "envFrom")
                        yield config


def _pod_spec(manifest: Manifest) -> yaml.Node | None:
    node: yaml.Node | None = manifest.node
    for key in _POD_SPEC_PATHS.get(manifest.kind, ()):
        node = y.get(node, key)
    return node


def _namespace(manifest: Manifest) -> tuple[tuple[str, str], ...]:
    return (("namespace", manifest.namespace),) if manifest.namespace else ()


def _service_name(host: str) -> str:
    """`postgres.data.svc.cluster.local` → `postgres`: in-cluster DNS names start with the Service's name."""
    return host.split(".", 1)[0]


def _env_field(variable: _EnvVar, several: bool) -> Field:
    notes = [f"from {variable.source}"] if variable.source else []
    if several:
        notes.append(f"container {variable.container}")
    default = None
    if variable.value is not None and not (variable.source or "").startswith("secret/"):
        default = stored_value(variable.name, variable.value)
    return Field(variable.name, default=default, line=variable.line, description="; ".join(notes) or None)


def _store_facts(env: list[_EnvVar]) -> list[tuple[str, str]]:
    by_name = {v.name: v for v in env}
    facts: list[tuple[str, str]] = []
    for fact, keys in (("database", DATABASE_KEYS), ("user", USER_KEYS)):
        variable = next((by_name[k] for k in keys if k in by_name), None)
        if variable is not None:
            shown = stored_value(variable.name, variable.value) if variable.value is not None else f"from {variable.source}"
            facts.append((fact, shown or ""))
    secret = next((v for v in env if is_secret_name(v.name)), None)
    if secret is not None:
        facts.append(("password", f"from {secret.source}" if secret.source else MASK))
    return facts


def _claims_storage(manifest: Manifest) -> list[tuple[str, str]]:
    """A StatefulSet's volumeClaimTemplates: `data 10Gi`."""
    claims_: list[str] = []
    for template in y.items(y.get(y.get(manifest.node, "spec"), "volumeClaimTemplates")):
        name = y.scalar(y.get(y.get(template, "metadata"), "name")) or "?"
        storage = y.scalar(y.get(y.get(y.get(y.get(template, "spec"), "resources"), "requests"), "storage"))
        claims_.append(f"{name} {storage}" if storage else name)
    return [("volume_claims", ", ".join(claims_))] if claims_ else []
