"""The streams reader: Avro, Protobuf, JSON Schema, Kafka topic declarations and the schema ↔ topic links."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from flowscan.catalog.files import named

from flowscan.catalog.files import CatalogFile, catalog_file
from flowscan.catalog.model import Field, Item, Part
from flowscan.catalog.readers import stream_avro, stream_jsonschema, stream_protobuf, stream_topics, streams
from flowscan.catalog.readers.schema_nodes import Malformed
from flowscan.catalog.readers.stream_protobuf import parse_proto

FIXTURES = Path(__file__).parent / "fixtures" / "streams"


def fixture_files(folder: str = "") -> list[CatalogFile]:
    found = []
    for path in sorted((FIXTURES / folder).rglob("*")):
        if path.is_file():
            file = catalog_file(path, path.relative_to(FIXTURES).as_posix())
            assert isinstance(file, CatalogFile)
            found.append(file)
    return found


def written(tmp_path: Path, name: str, text: str) -> CatalogFile:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return CatalogFile(path, name, path.stat().st_size)


def items(part: Part, type_: str, name: str) -> list[Item]:
    return [i for i in part.items if i.type == type_ and i.name == name]


def item(part: Part, type_: str, name: str) -> Item:
    found = items(part, type_, name)
    assert len(found) == 1, sorted(i.name for i in part.items if i.type == type_)
    return found[0]


def field(found: Item, name: str) -> Field:
    return next(f for f in found.fields if f.name == name)


@pytest.fixture(scope="module")
def everything() -> Part:
    return streams.read([f for f in fixture_files() if streams.claims(f)])


# --- Avro ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def avro() -> Part:
    return stream_avro.read(fixture_files("avro"))[0]


def test_an_avro_record_is_named_by_its_full_name_with_fields_flattened(avro: Part) -> None:
    created = item(avro, "schema", "com.shop.events.OrderCreated")
    assert created.origins[0].source == "avro" and created.origins[0].path == "avro/orders/order-created.avsc"
    assert created.origins[0].line == 3
    assert created.description == "Emitted once an order is placed and paid."
    assert dict(created.facts) == {"kind": "record", "namespace": "com.shop.events"}
    assert [f.name for f in created.fields] == [
        "id", "created_at", "status", "customer", "customer.id", "customer.email", "customer.address",
        "customer.address.street", "customer.address.city", "customer.address.country", "items", "items[].sku",
        "items[].quantity", "items[].unit_price", "billing_address", "billing_address.street",
        "billing_address.city", "billing_address.country", "attributes", "discount", "checksum"]


def test_avro_types_unions_logical_types_and_defaults(avro: Part) -> None:
    created = item(avro, "schema", "com.shop.events.OrderCreated")
    assert field(created, "id") == Field("id", "uuid", False, line=7, description="The order's id")
    assert field(created, "created_at").type == "timestamp-millis"
    assert field(created, "status") == Field("status", "com.shop.events.OrderStatus", False, '"PLACED"', line=10)
    assert field(created, "customer.email") == Field("customer.email", "string", True, "null", line=26)
    assert field(created, "customer.address").type == "com.shop.common.Address"  # its own namespace
    assert field(created, "items").type == "array<com.shop.events.OrderLine>"
    assert field(created, "items[].unit_price").type == "decimal(10,2)"
    assert field(created, "attributes") == Field("attributes", "map<string>", False, "{}", line=60)
    assert (field(created, "discount").type, field(created, "discount").nullable) == ("double | string", True)
    assert field(created, "checksum").type == "fixed(16)"
    # a named type referred to by name is expanded as where it was defined
    assert field(created, "billing_address").nullable is True
    assert field(created, "billing_address.city").line == 35


def test_a_field_line_is_its_own_even_when_names_repeat_in_nested_records(avro: Part) -> None:
    created = item(avro, "schema", "com.shop.events.OrderCreated")
    assert field(created, "id").line == 7 and field(created, "customer.id").line == 25
    assert field(created, "customer.address.country").description == "ISO 3166 alpha-2"


def test_nested_named_types_are_items_too(avro: Part) -> None:
    address = item(avro, "schema", "com.shop.common.Address")
    assert address.origins[0].line == 31 and [f.name for f in address.fields] == ["street", "city", "country"]
    status = item(avro, "schema", "com.shop.events.OrderStatus")
    assert status.fact("kind") == "enum" and status.fact("symbols") == "PLACED, PAID, SHIPPED, CANCELLED"
    assert status.description == "Where the order is in its life"
    assert [f.name for f in item(avro, "schema", "com.shop.events.Customer").fields][:3] == ["id", "email", "address"]


def test_a_recursive_avro_record_is_named_not_expanded(avro: Part) -> None:
    value = item(avro, "schema", "com.shop.orders.OrderValue")
    assert [(f.name, f.type, f.nullable) for f in value.fields] == [
        ("id", "string", False), ("total_cents", "long", False), ("previous", "com.shop.orders.OrderValue", True)]


def test_avro_names_resolve_across_files_and_bad_schemas_are_problems(tmp_path: Path) -> None:
    money = written(tmp_path, "a/money.avsc", json.dumps(
        {"type": "record", "name": "Money", "namespace": "com.shop.common",
         "fields": [{"name": "units", "type": "long"}, {"name": "currency", "type": "string"}]}, indent=2))
    refund = written(tmp_path, "b/refund.avsc", json.dumps(
        {"type": "record", "name": "com.shop.payments.Refund",
         "fields": [{"name": "amount", "type": "com.shop.common.Money"},
                    {"name": "lines", "type": {"type": "array", "items": {"type": "record", "fields": []}}}]}, indent=2))
    numbers = written(tmp_path, "c/numbers.avsc", '["string", 2]')
    part, _ = stream_avro.read([money, refund, numbers])
    refunded = item(part, "schema", "com.shop.payments.Refund")
    assert [(f.name, f.type) for f in refunded.fields][:3] == [
        ("amount", "com.shop.common.Money"), ("amount.units", "long"), ("amount.currency", "string")]
    assert sorted(str(p) for p in part.problems) == [
        "b/refund.avsc:13:18: an Avro record without a name",
        "c/numbers.avsc:1:12: not an Avro schema: expected an object, an array or a type name"]


def test_malformed_avro_json_is_a_problem_with_line_and_column(avro: Part) -> None:
    assert [str(p) for p in avro.problems] == [
        "avro/broken.avsc:6:5: malformed JSON: expected ',' or ']' in an array, found '{'"]


# --- Protobuf --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def proto() -> Part:
    return stream_protobuf.read(fixture_files("proto"))[0]


def test_proto3_messages_with_nested_names_numbers_labels_maps_and_oneofs(proto: Part) -> None:
    order = item(proto, "schema", "shop.orders.v1.Order")
    assert order.origins[0].source == "protobuf" and order.origins[0].line == 26
    assert dict(order.facts) == {"kind": "message", "package": "shop.orders.v1", "syntax": "proto3",
                                 "imports": "google/protobuf/timestamp.proto, shop/common/v1/money.proto",
                                 "oneofs": "payment: card, bank_transfer"}
    assert [(f.name, f.type, f.nullable) for f in order.fields] == [
        ("id", "string", False),
        ("status", "shop.orders.v1.OrderStatus", False),  # an enum reads as its zero value
        ("lines", "shop.orders.v1.Order.Line[]", False),
        ("total", "shop.common.v1.Money", True),  # from the imported file
        ("placed_at", "google.protobuf.Timestamp", True),  # not in the repository: as written
        ("labels", "map<string, string>", False),
        ("coupon", "string", True),  # proto3 `optional`
        ("card", "shop.orders.v1.Order.Card", True),
        ("bank_transfer", "shop.orders.v1.Order.BankTransfer", True)]
    assert field(order, "total").description == "field 4 (deprecated)"
    assert field(order, "card").description == "field 10 of oneof payment"
    assert field(order, "card").line == 36
    created = item(proto, "schema", "shop.orders.v1.OrderCreated")
    assert field(created, "lines_by_sku").type == "map<string, shop.orders.v1.Order.Line>"
    line = item(proto, "schema", "shop.orders.v1.Order.Line")
    assert line.origins[0].line == 40 and field(line, "unit_price").type == "shop.common.v1.Money"


def test_proto2_required_optional_defaults_and_groups(proto: Part) -> None:
    money = item(proto, "schema", "shop.common.v1.Money")
    assert money.fact("syntax") == "proto2"
    assert [(f.name, f.type, f.nullable, f.default) for f in money.fields] == [
        ("units", "int64", False, None), ("currency", "string", True, '"EUR"'),
        ("adjustment", "shop.common.v1.Money.Adjustment[]", False, None)]
    assert [f.name for f in item(proto, "schema", "shop.common.v1.Money.Adjustment").fields] == ["reason", "units"]


def test_proto_enums_are_schemas_of_kind_enum(proto: Part) -> None:
    status = item(proto, "schema", "shop.orders.v1.OrderStatus")
    assert status.origins[0].line == 15 and status.fact("kind") == "enum"
    assert status.fact("values") == ("ORDER_STATUS_UNSPECIFIED=0, ORDER_STATUS_PLACED=1, ORDER_STATUS_PAID=2, "
                                     "ORDER_STATUS_SHIPPED=3, ORDER_STATUS_SENT=3")
    assert field(status, "ORDER_STATUS_SENT") == Field("ORDER_STATUS_SENT", line=21, description="value 3")


def test_proto_services_are_operations_joined_to_their_messages(proto: Part) -> None:
    watch = item(proto, "operation", "rpc shop.orders.v1.OrderService/WatchOrders")
    assert watch.origins[0].line == 66
    assert (watch.fact("request"), watch.fact("response"), watch.fact("streaming")) == (
        "shop.orders.v1.GetOrderRequest", "shop.orders.v1.OrderCreated", "server")
    assert {(r.source, r.label) for r in proto.relationships if r.target == watch.id} == {
        ("schema:shop.orders.v1.GetOrderRequest", "request"), ("schema:shop.orders.v1.OrderCreated", "response")}


def test_proto_syntax_errors_name_line_and_column(proto: Part) -> None:
    assert [str(p) for p in proto.problems] == [
        "proto/broken.proto:6:3: protobuf syntax error: expected ';' after field id, found 'string'"]
    cases = {
        'syntax = "proto3";\nmessage A {\n  string a = 1;\n': (4, 1, "expected '}' to close message A, found end of file"),
        "/* unterminated\nmessage A {}": (1, 1, "unterminated /* comment"),
        'syntax = "proto3";\nmessage A { string s = "x; }': (2, 24, "unterminated string"),
        "message A { int32 a = one; }": (1, 23, "expected the number of field a (an integer), found 'one'"),
        "enum E { A = 0 }": (1, 16, "expected ';' after enum value A, found '}'"),
        "service S { rpc Get(A) (B); }": (1, 24, "expected 'returns' after the request type of rpc Get, found '('"),
        "messages A {}": (1, 1, ("expected a declaration (syntax, package, import, option, message, enum, service, "
                                 "extend), found 'messages'")),
    }
    for text, (line, column, message) in cases.items():
        assert parse_proto(text) == Malformed(line, column, f"protobuf syntax error: {message}"), text


def test_proto_options_comments_reserved_and_extensions_are_read_past() -> None:
    parsed = parse_proto(
        'syntax = "proto2";\npackage p;\noption (x.y) = { a: 1 b: { c: "}" } };\n'
        "message M {\n  // a comment with message N { in it\n  option (z) = true;\n  extensions 100 to max;\n"
        '  reserved 2, 15 to 20;\n  optional int32 a = 1 [default = -1, (v.rules).int32 = { gt: 0 }];\n'
        "  extend Other { optional int32 ext = 100; }\n}\n")
    assert not isinstance(parsed, Malformed)
    assert [(m.full_name, [(f.name, f.number, f.default) for f in m.fields]) for m in parsed.messages] == [
        ("p.M", [("a", 1, "-1")])]


# --- JSON Schema -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def json_schemas() -> Part:
    return stream_jsonschema.read(fixture_files("jsonschema"))[0]


def test_a_json_schema_is_named_by_title_with_properties_flattened(json_schemas: Part) -> None:
    shipped = item(json_schemas, "schema", "OrderShipped")
    assert shipped.origins[0].source == "json_schema" and shipped.origins[0].line == 4
    assert shipped.fact("id") == "https://schemas.shop.example.com/events/order-shipped.json"
    assert shipped.description == "Published by the warehouse when a parcel leaves."
    assert [(f.name, f.type, f.nullable) for f in shipped.fields] == [
        ("order_id", "string(uuid)", False), ("shipped_at", "string(date-time)", False),
        ("carrier", "enum", True), ("parcels", "array<parcel>", False),
        ("parcels[].tracking_code", "string", False), ("parcels[].weight_grams", "integer", True),
        ("parcels[].contents", "array<parcel>", True),  # recursive: named, not expanded
        ("ship_to", "address", True), ("ship_to.city", "string", True), ("ship_to.country", "string", True),
        ("notes", "string", True), ("tracking", "tracking", True), ("tracking.url", "string(uri)", True)]
    assert field(shipped, "parcels[].tracking_code").line == 26  # where $defs says it
    assert field(shipped, "ship_to.country").default == '"NL"'


def test_json_schema_in_yaml_named_by_id_and_by_file_stem(json_schemas: Part) -> None:
    customer = item(json_schemas, "schema", "https://schemas.shop.example.com/customer.json")
    assert customer.origins[0].path == "jsonschema/customer.yaml"
    assert [(f.name, f.type, f.nullable, f.line) for f in customer.fields] == [
        ("id", "string", False, 6), ("email", "string(email)", False, 8),
        ("referred_by", "https://schemas.shop.example.com/customer.json", True, 11)]  # `$ref: '#'`
    assert [f.name for f in item(json_schemas, "schema", "payments-value").fields] == ["payment_id", "amount_cents"]


def test_json_that_is_not_a_schema_is_left_alone_and_malformed_schemas_are_problems(json_schemas: Part) -> None:
    assert not [i for i in json_schemas.items if i.origins[0].path == "jsonschema/package.json"]
    assert [str(p) for p in json_schemas.problems] == [
        "jsonschema/refund.schema.json:6:3: malformed JSON: expected a quoted key, found '}'"]


# --- Kafka topics ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def topics() -> Part:
    return stream_topics.read(fixture_files("kafka") + fixture_files("k8s"))


def topic(part: Part, name: str, source: str) -> Item:
    return next(i for i in items(part, "topic", name) if i.origins[0].source == source)


def test_spring_topic_builder_with_constants_and_topic_config_names(topics: Part) -> None:
    orders = topic(topics, "orders", "kafka-admin")
    assert orders.id == "topic:orders"
    assert orders.origins[0].path == "kafka/java/com/shop/config/KafkaTopicsConfig.java" and orders.origins[0].line == 20
    assert dict(orders.facts) == {"declared_with": "TopicBuilder", "partitions": "6", "replicas": "3",
                                  "retention.ms": "604800000", "min.insync.replicas": "2", "segment.ms": "86400000"}
    assert topic(topics, "customers", "kafka-admin").fact("cleanup.policy") == "compact"


def test_java_new_topic_with_short_casts_optionals_and_chained_configs(topics: Part) -> None:
    payments = topic(topics, "payments", "kafka-admin")
    assert dict(payments.facts) == {"declared_with": "NewTopic", "partitions": "12", "replicas": "3",
                                    "retention.ms": "259200000", "cleanup.policy": "delete"}
    assert dict(topic(topics, "orders.dlq", "kafka-admin").facts) == {"declared_with": "NewTopic", "partitions": "1"}


def test_python_new_topic_in_both_clients_with_constants_arithmetic_and_loops(topics: Part) -> None:
    shipments = topic(topics, "shipments", "kafka-admin")
    assert shipments.origins[0].line == 11
    assert dict(shipments.facts) == {"declared_with": "confluent_kafka.admin.NewTopic", "partitions": "6",
                                     "replicas": "3", "retention.ms": "604800000", "cleanup.policy": "delete"}
    assert dict(topic(topics, "inventory-changes", "kafka-admin").facts)["replicas"] == "2"  # positional
    assert [i.origins[0].line for i in items(topics, "topic", "audit.login") + items(topics, "topic", "audit.logout")] == [15, 15]
    returns = topic(topics, "returns", "kafka-admin")
    assert dict(returns.facts) == {"declared_with": "kafka.admin.NewTopic", "partitions": "4", "replicas": "2",
                                   "retention.bytes": "1073741824"}


def test_strimzi_kafka_topics_in_a_multi_document_file(topics: Part) -> None:
    orders = topic(topics, "orders", "strimzi")
    assert orders.origins[0].path == "k8s/kafka-topics.yaml" and orders.origins[0].line == 4
    assert dict(orders.facts) == {"partitions": "6", "replicas": "3", "cluster": "shop-kafka", "namespace": "shop",
                                  "retention.ms": "604800000", "segment.bytes": "1073741824"}
    compacted = topic(topics, "order-events.compacted", "strimzi")  # spec.topicName wins over metadata.name
    assert compacted.origins[0].line == 29 and compacted.fact("resource") == "order-events-compacted"
    assert compacted.fact("cleanup.policy") == "compact"
    assert not [i for i in topics.items if i.name == "shop-settings"]
    assert [str(p) for p in topics.problems] == [
        "k8s/broken-topic.yaml:7:12: malformed YAML: mapping values are not allowed in this context"]


def test_topic_names_that_are_not_literal_are_not_guessed_and_secrets_are_masked(tmp_path: Path) -> None:
    code = written(tmp_path, "admin.py", (
        "from confluent_kafka.admin import NewTopic\n"
        "def make(name):\n    return NewTopic(name, num_partitions=1, replication_factor=1)\n"
        "def other():\n    return NewTopic(f'{PREFIX}.orders', 1, 1)\n"
        "NewTopic('secured', 1, 1, config={'ssl.truststore.password': 'hunter2', 'sasl.jaas.config': "
        "'PlainLoginModule required username=\"u\" password=\"hunter2\";'})\n"))
    part = stream_topics.read([code])
    assert [i.name for i in part.items] == ["secured"]
    facts = dict(part.items[0].facts)
    assert facts["ssl.truststore.password"] == "***" and "hunter2" not in facts["sasl.jaas.config"]


def test_unreadable_files_are_problems_only_when_they_are_known_to_be_ours(tmp_path: Path) -> None:
    for name in ("orders.avsc", "orders.proto", "order.schema.json", "values.yaml", "Config.java"):
        (tmp_path / name).mkdir()  # a directory where a file was expected: unreadable, even for root
    given = [CatalogFile(tmp_path / name, name, 0) for name in sorted(os.listdir(tmp_path))]
    part = streams.read(given)
    assert sorted(p.path for p in part.problems) == ["order.schema.json", "orders.avsc", "orders.proto"]
    assert all("unreadable" in p.message for p in part.problems)
    notes = written(tmp_path, "notes/README.yaml", "# see KafkaTopic resources in k8s/\nnotes: [unclosed\n")
    assert stream_topics.read([notes]) == Part()  # names KafkaTopic, is none: not ours to call malformed


def test_java_names_resolve_to_fields_and_to_locals_of_the_same_method_only(tmp_path: Path) -> None:
    code = written(tmp_path, "Topics.java", (
        "class Topics {\n  static final String AUDIT = \"audit\";\n"
        "  NewTopic audit() { return new NewTopic(AUDIT, 1, (short) 1); }\n"
        "  NewTopic local() { String topic = \"refunds\"; return TopicBuilder.name(topic).build(); }\n"
        "  void other() { String name = \"not-this-one\"; }\n"
        "  NewTopic given(String name) { return new NewTopic(name, 1, (short) 1); }\n}\n"))
    part = stream_topics.read([code])
    assert [(i.name, i.origins[0].line) for i in part.items] == [("audit", 3), ("refunds", 4)]


def test_code_without_new_topic_is_not_parsed_and_a_needle_across_chunks_is_found(tmp_path: Path) -> None:
    assert stream_topics.read(fixture_files("kafka/java/com/shop/config")[1:]) == Part()  # Unrelated.java
    big = tmp_path / "Big.java"
    big.write_bytes(b"/" * ((1 << 20) - 3) + b"NewTopic")
    assert stream_topics.mentions(CatalogFile(big, "Big.java", big.stat().st_size), (b"NewTopic",))
    assert not stream_topics.mentions(CatalogFile(big, "Big.java", big.stat().st_size), (b"TopicBuilder",))


# --- schema ↔ topic --------------------------------------------------------------------


def test_subject_named_schema_files_describe_their_topic(everything: Part) -> None:
    links = {(r.source, r.target, r.label, r.origin.source) for r in everything.relationships if r.target.startswith("topic:")}
    assert ("schema:com.shop.orders.OrderValue", "topic:orders", "subject orders-value", "schema-registry") in links
    assert ("schema:payments-value", "topic:payments", "subject payments-value", "schema-registry") in links
    registry = topic(everything, "orders", "schema-registry")
    assert registry.origins[0].path == "avro/orders-value.avsc" and registry.fact("value_schema") == "com.shop.orders.OrderValue"


def test_schema_files_in_a_folder_named_after_a_declared_topic_describe_it(everything: Part) -> None:
    links = {(r.source, r.target, r.label) for r in everything.relationships if r.target.startswith("topic:")}
    assert ("schema:com.shop.events.OrderCreated", "topic:orders", "in folder orders/") in links
    assert {("schema:shop.shipping.v1.ShipmentDispatched", "topic:shipments", "in folder shipments/"),
            ("schema:shop.shipping.v1.ShipmentDelivered", "topic:shipments", "in folder shipments/")} <= links
    # no guessing: nested types, and schemas in folders no topic is named after, describe no topic
    assert not [r for r in everything.relationships if r.target.startswith("topic:") and (
        "Customer" in r.source or "v1.Order" in r.source or "OrderShipped" in r.source)]


def test_the_reader_claims_its_formats_and_reports_every_bad_file(everything: Part) -> None:
    claims = streams.READERS[0].claims
    assert all(claims(named(p)) for p in ("a.avsc", "b.proto", "c.schema.json", "k8s/topic.yaml", "Config.java", "admin.py"))
    assert not claims(named("README.md")) and not claims(named("schema.graphql"))
    assert sorted(p.path for p in everything.problems) == [
        "avro/broken.avsc", "jsonschema/refund.schema.json", "k8s/broken-topic.yaml", "proto/broken.proto"]


def test_the_catalog_command_lists_schemas_and_topics_as_json() -> None:
    result = subprocess.run([sys.executable, "-m", "flowscan", "catalog", ".", "--format", "json"],
                            check=False, capture_output=True, text=True, cwd=FIXTURES, env={**os.environ, "NO_COLOR": "1"})
    data = json.loads(result.stdout)
    by_id = {i["id"]: i for i in data["items"]}
    orders = by_id["topic:orders"]  # merged: Strimzi, TopicBuilder and the Schema Registry subject
    assert {o["source"] for o in orders["origins"]} == {"strimzi", "kafka-admin", "schema-registry"}
    assert orders["facts"]["partitions"] == "6" and orders["facts"]["retention.ms"] == "604800000"
    assert by_id["schema:shop.orders.v1.Order"]["origins"][0] == {
        "source": "protobuf", "path": "proto/shop/orders/v1/orders.proto", "line": 26}
    assert {"source": "schema:com.shop.events.OrderCreated", "target": "topic:orders", "kind": "schema_of",
            "origin": {"source": "avro", "path": "avro/orders/order-created.avsc", "line": 3},
            "label": "in folder orders/"} in data["relationships"]
    problems = {(p["path"], p["line"], p["column"]) for p in data["problems"]}
    assert {("avro/broken.avsc", 6, 5), ("proto/broken.proto", 6, 3), ("k8s/broken-topic.yaml", 7, 12)} <= problems
