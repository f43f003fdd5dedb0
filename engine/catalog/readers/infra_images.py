"""Which container images are data stores or brokers, and what they are.

Matching is on the image's own name (the last path component), never on a substring:
`provectuslabs/kafka-ui`, `confluentinc/cp-kafka-connect` and `redis-commander` are
tools around a store, not the store. Names that mean something only under one vendor
(`mssql/server`) are matched on the whole path.
"""

from __future__ import annotations

from attrs import frozen

#: the env vars official images read to create a database and its user
DATABASE_KEYS = ("POSTGRES_DB", "POSTGRESQL_DATABASE", "MYSQL_DATABASE", "MARIADB_DATABASE", "MONGO_INITDB_DATABASE",
                 "MONGODB_DATABASE", "CLICKHOUSE_DB", "INFLUXDB_DB", "DOCKER_INFLUXDB_INIT_BUCKET")
USER_KEYS = ("POSTGRES_USER", "POSTGRESQL_USERNAME", "MYSQL_USER", "MARIADB_USER", "MONGO_INITDB_ROOT_USERNAME",
             "MONGODB_USERNAME", "MINIO_ROOT_USER", "MINIO_ACCESS_KEY", "RABBITMQ_DEFAULT_USER", "CLICKHOUSE_USER",
             "DOCKER_INFLUXDB_INIT_USERNAME")


@frozen
class DataStore:
    """`technology` is the protocol family (what a client speaks); `product` the variant when it differs."""

    technology: str
    product: str | None = None


_BY_NAME: dict[str, DataStore] = {
    **dict.fromkeys(("postgres", "postgresql", "postgresql-repmgr", "pgvector"), DataStore("postgresql")),
    "postgis": DataStore("postgresql", "postgis"),
    "timescaledb": DataStore("postgresql", "timescaledb"),
    "timescaledb-ha": DataStore("postgresql", "timescaledb"),
    "cockroach": DataStore("postgresql", "cockroachdb"),
    **dict.fromkeys(("mysql", "mysql-server"), DataStore("mysql")),
    "percona-server": DataStore("mysql", "percona"),
    "mariadb": DataStore("mariadb"),
    **dict.fromkeys(("mongo", "mongodb", "mongodb-community-server"), DataStore("mongodb")),
    **dict.fromkeys(("redis", "redis-stack", "redis-stack-server", "redis-cluster"), DataStore("redis")),
    "valkey": DataStore("redis", "valkey"),
    "keydb": DataStore("redis", "keydb"),
    "dragonfly": DataStore("redis", "dragonfly"),
    **dict.fromkeys(("kafka", "cp-kafka", "cp-server", "cp-enterprise-kafka"), DataStore("kafka")),
    "redpanda": DataStore("kafka", "redpanda"),
    **dict.fromkeys(("zookeeper", "cp-zookeeper"), DataStore("zookeeper")),
    **dict.fromkeys(("rabbitmq",), DataStore("rabbitmq")),
    "minio": DataStore("object_store", "minio"),
    "localstack": DataStore("object_store", "localstack"),
    "azurite": DataStore("object_store", "azurite"),
    "fake-gcs-server": DataStore("object_store", "fake-gcs-server"),
    "elasticsearch": DataStore("elasticsearch"),
    "opensearch": DataStore("elasticsearch", "opensearch"),
    "cassandra": DataStore("cassandra"),
    "scylla": DataStore("cassandra", "scylla"),
    **dict.fromkeys(("clickhouse", "clickhouse-server"), DataStore("clickhouse")),
    **dict.fromkeys(("nats", "nats-streaming"), DataStore("nats")),
    **dict.fromkeys(("pulsar", "pulsar-all"), DataStore("pulsar")),
    "memcached": DataStore("memcached"),
    **dict.fromkeys(("cp-schema-registry", "schema-registry"), DataStore("schema-registry")),
    **dict.fromkeys(("oracle-xe", "oracle-free"), DataStore("oracle")),
    "neo4j": DataStore("neo4j"),
    "influxdb": DataStore("influxdb"),
    "couchdb": DataStore("couchdb"),
    "dynamodb-local": DataStore("dynamodb", "dynamodb-local"),
}
# vendor/name pairs whose last component alone says nothing (`mssql/server`, `oracle/database/express`)
_BY_PATH: dict[tuple[str, ...], DataStore] = {
    ("mssql", "server"): DataStore("sqlserver"),
    ("azure-sql-edge",): DataStore("sqlserver", "azure-sql-edge"),
    ("database", "express"): DataStore("oracle"),
    ("database", "free"): DataStore("oracle"),
    ("database", "enterprise"): DataStore("oracle"),
}


def image_name(image: str) -> tuple[str, ...]:
    """`docker.io/bitnami/kafka:3.6@sha256:…` → ("bitnami", "kafka"): registry, tag and digest dropped, lower-cased."""
    reference = image.strip().split("@", 1)[0]
    slash = reference.rfind("/")
    colon = reference.rfind(":")
    if colon > slash:
        reference = reference[:colon]
    parts = [part for part in reference.lower().split("/") if part]
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        parts = parts[1:]
    return tuple(parts)


def classify_image(image: str) -> DataStore | None:
    """The data store an image runs, or None (applications, tools, proxies)."""
    parts = image_name(image)
    if not parts or "$" in image:
        return _classify_templated(image)
    for length in (2, 1):
        found = _BY_PATH.get(parts[-length:]) if len(parts) >= length else None
        if found is not None:
            return found
    return _BY_NAME.get(parts[-1])


def _classify_templated(image: str) -> DataStore | None:
    # `postgres:${PG_VERSION:-16}` has the interpolation in the tag; `${REGISTRY}/redis` in the registry
    head = image.split("${", 1)[0].split("$", 1)[0]
    tail = image.rsplit("}", 1)[-1] if "}" in image else ""
    for candidate in (head.rstrip(":"), tail.lstrip("/")):
        if candidate and "$" not in candidate:
            parts = image_name(candidate)
            if parts and parts[-1] in _BY_NAME:
                return _BY_NAME[parts[-1]]
    return None


def classify_name(name: str) -> DataStore | None:
    """A service or folder named exactly after a store (`postgres`, `redis`) — for services built, not pulled."""
    return _BY_NAME.get(name.strip().lower())
