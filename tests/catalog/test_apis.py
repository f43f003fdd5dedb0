"""The API readers: OpenAPI 3 / Swagger 2 documents and GraphQL SDL, on a shop's specs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from flowscan.catalog.files import named
import yaml

from flowscan.catalog.files import CatalogFile, catalog_file
from flowscan.catalog.model import Field, Item, Part
from flowscan.catalog.readers import api_graphql, api_openapi, apis
from flowscan.catalog.readers.schema_nodes import Malformed, load_json, load_yaml

FIXTURES = Path(__file__).parent / "fixtures" / "apis"


def files(*names: str) -> list[CatalogFile]:
    found = [catalog_file(FIXTURES / name, name) for name in sorted(names)]
    assert all(isinstance(f, CatalogFile) for f in found)
    return found  # type: ignore[return-value]


def item(part: Part, type_: str, name: str) -> Item:
    matches = [i for i in part.items if i.type == type_ and i.name == name]
    assert len(matches) == 1, [i.name for i in part.items]
    return matches[0]


def field(found: Item, name: str) -> Field:
    return next(f for f in found.fields if f.name == name)


def links(part: Part, target: str) -> set[tuple[str, str | None]]:
    return {(r.source, r.label) for r in part.relationships if r.target == target and r.kind == "schema_of"}


@pytest.fixture(scope="module")
def orders() -> Part:
    return api_openapi.read(files("orders-api.yaml"))


# --- OpenAPI 3 -------------------------------------------------------------------------


def test_an_operation_is_named_by_method_and_path_behind_the_servers_base_path(orders: Part) -> None:
    get = item(orders, "operation", "GET /v2/orders/{orderId}")
    assert get.id == "operation:GET /v2/orders/{orderId}"
    assert get.origins[0].source == "openapi" and get.origins[0].line == 76
    assert dict(get.facts) == {
        "method": "GET", "path": "/orders/{orderId}", "base_path": "/v2", "operation_id": "getOrder",
        "tags": "orders", "summary": "Get one order", "response_status": "200", "api": "Orders API",
        "api_version": "2.4.0", "spec": "openapi 3.0.3"}
    assert {i.name for i in orders.items if i.type == "operation"} == {
        "GET /v2/orders", "POST /v2/orders", "GET /v2/orders/{orderId}", "DELETE /v2/orders/{orderId}",
        "GET /v2/categories/{categoryId}"}
    assert item(orders, "operation", "DELETE /v2/orders/{orderId}").fact("deprecated") == "true"


def test_parameters_are_fields_by_place_shared_ones_resolved(orders: Part) -> None:
    listing = item(orders, "operation", "GET /v2/orders")
    limit = field(listing, "query.limit")  # a $ref to components/parameters
    assert (limit.type, limit.nullable, limit.default, limit.description, limit.line) == ("integer", True, "50", "Page size", 20)
    assert field(listing, "header.X-Request-Id") == Field("header.X-Request-Id", "string(uuid)", False, line=25)
    assert field(listing, "query.status").type == "OrderStatus"
    # a path-level parameter applies to every operation of the path
    assert field(item(orders, "operation", "DELETE /v2/orders/{orderId}"), "path.orderId").nullable is False


def test_request_and_response_payloads_are_flattened_through_refs_and_allof(orders: Part) -> None:
    create = item(orders, "operation", "POST /v2/orders")
    assert field(create, "body") == Field("body", "NewOrder", False, line=59)
    assert field(create, "body.items").type == "array<OrderItem>"
    sku = field(create, "body.items[].sku")
    assert (sku.type, sku.nullable, sku.line) == ("string", False, 150)  # the line in the component that says it
    assert field(create, "body.items[].unit_price.amount").description == "Decimal amount, as a string to keep precision"
    assert field(create, "body.coupon").nullable is True  # nullable: true
    # Order is allOf [NewOrder, {...}]: both parts' properties, each part's `required`
    assert field(create, "response").type == "Order"
    assert field(create, "response.customer_id").nullable is False
    assert field(create, "response.created_at") == Field("response.created_at", "string(date-time)", False, line=189)
    assert field(create, "response.total").nullable is True  # not required
    assert field(create, "response.status").description == "one of: placed, paid, shipped, cancelled"


def test_an_inline_response_and_a_non_json_first_choice(orders: Part) -> None:
    listing = item(orders, "operation", "GET /v2/orders")
    assert field(listing, "response.orders").type == "array<Order>"
    assert field(listing, "response.orders[].id").type == "string(uuid)"
    assert field(listing, "response.total") == Field("response.total", "integer(int64)", False, line=44)
    # application/hal+json is a JSON media type too
    assert field(item(orders, "operation", "GET /v2/orders/{orderId}"), "response.id").nullable is False


def test_oneof_is_a_union_whose_alternatives_properties_are_all_optional(orders: Part) -> None:
    new_order = item(orders, "schema", "NewOrder")
    assert field(new_order, "payment").type == "CardPayment | BankTransfer"
    assert [f.name for f in new_order.fields if f.name.startswith("payment.")] == [
        "payment.card_token", "payment.last4", "payment.iban"]
    assert field(new_order, "payment.card_token").nullable is True


def test_a_self_referential_schema_is_named_not_expanded(orders: Part) -> None:
    category = item(orders, "schema", "Category")
    assert [(f.name, f.type) for f in category.fields] == [
        ("id", "integer"), ("name", "string"), ("parent", "Category"), ("children", "array<Category>")]
    response = item(orders, "operation", "GET /v2/categories/{categoryId}")
    assert [f.name for f in response.fields] == [
        "path.categoryId", "response", "response.id", "response.name", "response.parent", "response.children"]


def test_component_schemas_are_items_with_their_line(orders: Part) -> None:
    money = item(orders, "schema", "Money")
    assert money.origins[0].line == 136 and money.origins[0].source == "openapi"
    assert [(f.name, f.type, f.nullable) for f in money.fields] == [("amount", "string", False), ("currency", "string", False)]
    assert item(orders, "schema", "Order").description == "An order as the shop keeps it"
    assert item(orders, "schema", "OrderStatus").fact("type") == "string"


def test_operations_are_joined_to_the_components_they_name_not_to_everything_below(orders: Part) -> None:
    assert links(orders, "operation:POST /v2/orders") == {("schema:NewOrder", "request body"), ("schema:Order", "response 201")}
    assert links(orders, "operation:GET /v2/orders") == {("schema:OrderStatus", "parameter status"),
                                                        ("schema:Order", "response 200")}
    assert all(r.source != "schema:Money" for r in orders.relationships)
    assert not orders.problems


# --- Swagger 2 -------------------------------------------------------------------------


def test_swagger_2_json_with_base_path_body_and_form_parameters() -> None:
    part = api_openapi.read(files("inventory-swagger.json"))
    adjust = item(part, "operation", "PUT /inventory/v1/stock/{sku}")
    assert adjust.origins[0].line == 30 and adjust.fact("base_path") == "/inventory/v1"
    assert adjust.fact("spec") == "swagger 2.0"
    assert [f.name for f in adjust.fields][:4] == ["path.sku", "body", "body.delta", "body.reason"]
    assert field(adjust, "body").type == "StockAdjustment"
    stock = item(part, "operation", "GET /inventory/v1/stock/{sku}")
    assert field(stock, "query.warehouse").description == "Warehouse code, all warehouses when absent"
    assert field(stock, "response.updated_at").nullable is True  # x-nullable
    assert field(stock, "response.reserved").default == "0"
    reserve = item(part, "operation", "POST /inventory/v1/reservations")
    assert field(reserve, "form.order_id") == Field("form.order_id", "string(uuid)", False, line=52)
    assert field(reserve, "form.skus").type == "array<string>"
    assert field(reserve, "response[].lines").type == "map<StockLevel>"
    assert field(reserve, "response[].lines{}.on_hand").line == 67
    assert item(part, "schema", "StockLevel").origins[0].line == 62
    assert links(part, "operation:PUT /inventory/v1/stock/{sku}") == {
        ("schema:StockAdjustment", "request body"), ("schema:StockLevel", "response 200")}


# --- what is not read, and what cannot be --------------------------------------------


def test_a_malformed_spec_is_a_problem_with_line_and_column_and_other_files_are_still_read() -> None:
    part = api_openapi.read(files("payments-api.yaml", "orders-api.yaml", "not-a-spec.yaml"))
    assert [str(p) for p in part.problems] == [
        "payments-api.yaml:16:19: malformed YAML: did not find expected key (while parsing a block mapping at line 15)"]
    assert len([i for i in part.items if i.type == "operation"]) == 5
    assert all(o.path == "orders-api.yaml" for i in part.items for o in i.origins)


def test_yaml_and_json_that_are_not_specs_are_left_alone(tmp_path: Path) -> None:
    (tmp_path / "values.yaml").write_text("replicaCount: 2\nopenapi_enabled: true\n")
    (tmp_path / "broken-values.yaml").write_text("a: [1, 2\n")  # malformed, but not ours to report
    (tmp_path / "data.json").write_text('{"rows": [{"openapi": "3.0"}]}')  # nested, not a top-level key
    (tmp_path / "chart.yaml").mkdir()  # unreadable, and not known to be a spec: other readers say so
    given = [CatalogFile(p, p.name, p.stat().st_size) for p in sorted(tmp_path.iterdir())]
    assert api_openapi.read(given) == Part()


def test_unresolved_local_references_and_odd_shapes_are_problems(tmp_path: Path) -> None:
    spec = tmp_path / "api.json"
    spec.write_text(json.dumps({
        "openapi": "3.0.0", "info": {"title": "t", "version": "1"},
        "paths": {"/a": {"get": {"responses": {"200": {"content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Missing"}}}}}}, "post": "oops"}},
    }, indent=1))
    part = api_openapi.read([CatalogFile(spec, "api.json", spec.stat().st_size)])
    assert field(item(part, "operation", "GET /a"), "response").type == "Missing"
    assert sorted(p.message for p in part.problems) == [
        "post /a: the operation is not a mapping", "unresolved reference #/components/schemas/Missing"]
    assert all(p.line > 1 for p in part.problems)


def test_a_truncated_json_spec_names_where_it_stops(tmp_path: Path) -> None:
    spec = tmp_path / "api.json"
    spec.write_text('{\n  "swagger": "2.0",\n  "paths": {\n    "/a": {\n')
    part = api_openapi.read([CatalogFile(spec, "api.json", spec.stat().st_size)])
    assert [str(p) for p in part.problems] == ["api.json:5:1: malformed JSON: expected a quoted key, found end of file"]


def test_recursive_and_deeply_nested_schemas_stay_bounded(tmp_path: Path) -> None:
    # a YAML alias that contains itself, and a chain of $refs that loops
    spec = tmp_path / "api.yaml"
    spec.write_text(
        "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n"
        "    Tree: &tree\n      type: object\n      properties:\n        left: *tree\n        right: *tree\n"
        "    A: {$ref: '#/components/schemas/B'}\n    B: {$ref: '#/components/schemas/A'}\n")
    part = api_openapi.read([CatalogFile(spec, "api.yaml", spec.stat().st_size)])
    tree = item(part, "schema", "Tree")
    assert 2 <= len(tree.fields) < 5000 and max(f.name.count(".") for f in tree.fields) <= 10
    assert item(part, "schema", "A").fields == ()


def test_a_web_of_components_is_expanded_three_references_deep_and_cut_with_one_problem(tmp_path: Path) -> None:
    def thing(n: int) -> dict[str, object]:
        links = {f"link{k}": {"$ref": f"#/components/schemas/Thing{(n + k) % 40}"} for k in range(1, 9)}
        return {"type": "object", "properties": {"id": {"type": "string"}, **links}}
    spec = tmp_path / "web.json"
    spec.write_text(json.dumps({"openapi": "3.0.0", "info": {"title": "web", "version": "1"}, "paths": {},
                                "components": {"schemas": {f"Thing{n}": thing(n) for n in range(40)}}}))
    part = api_openapi.read([CatalogFile(spec, "web.json", spec.stat().st_size)])
    assert len(part.items) == 40 and all(len(i.fields) == 500 for i in part.items)
    assert max(f.name.count(".") for i in part.items for f in i.fields) == 3  # Thing → 3 references → id
    assert [p.message for p in part.problems] == [
        "schema Thing0 and 39 more have more than 500 fields: the rest are not listed"]


def test_position_aware_loaders_agree_with_the_standard_ones() -> None:
    text = (FIXTURES / "inventory-swagger.json").read_text()
    loaded = load_json(text)
    assert not isinstance(loaded, Malformed) and loaded.plain() == json.loads(text)
    documents = load_yaml((FIXTURES / "orders-api.yaml").read_text())
    assert not isinstance(documents, Malformed)
    assert documents[0].plain() == yaml.safe_load((FIXTURES / "orders-api.yaml").read_text())
    # many documents in one stream: each keeps its own values (nodes of one are freed while the next is read)
    stream = "\n---\n".join(f"kind: Topic\nmetadata: {{name: t{n}}}\nspec: {{partitions: {n}}}" for n in range(60))
    loaded = load_yaml(stream)
    assert not isinstance(loaded, Malformed)
    assert [d.plain() for d in loaded] == list(yaml.safe_load_all(stream))


# --- GraphQL ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def graph() -> Part:
    return api_graphql.read(files("graphql/broken.graphql", "graphql/inventory.graphql", "graphql/queries.graphql",
                                  "graphql/schema.graphqls"))


def test_root_fields_are_operations_under_the_schema_blocks_names(graph: Part) -> None:
    orders = item(graph, "operation", "query orders")
    assert orders.origins[0].path == "graphql/schema.graphqls" and orders.origins[0].line == 63
    assert dict(orders.facts) == {"kind": "graphql", "operation": "query", "root_type": "ShopQuery", "returns": "[Order!]!"}
    assert orders.fields == (Field("status", "OrderStatus", True, line=63), Field("first", "Int", True, "50", line=63))
    assert item(graph, "operation", "query order").description == "One order by id"
    # `extend type ShopQuery` in another file, and `extend schema { subscription: ... }`
    assert item(graph, "operation", "query stockLevel").origins[0].path == "graphql/inventory.graphql"
    assert item(graph, "operation", "subscription stockChanged").fact("returns") == "StockLevel!"
    assert item(graph, "operation", "mutation cancelOrder").fact("deprecated") == "no reason given"
    assert not [i for i in graph.items if i.name in ("ShopQuery", "ShopMutation", "InventoryEvents")]


def test_input_arguments_are_flattened_to_paths(graph: Part) -> None:
    create = item(graph, "operation", "mutation createOrder")
    assert [(f.name, f.type, f.nullable) for f in create.fields] == [
        ("input", "CreateOrderInput", False), ("input.customerId", "ID", False),
        ("input.items", "[OrderItemInput!]", False), ("input.items[].sku", "String", False),
        ("input.items[].quantity", "Int", False), ("input.coupon", "String", True)]
    assert field(create, "input.items[].quantity").default == "1"
    assert links(graph, "operation:mutation createOrder") == {("schema:CreateOrderInput", "argument input"),
                                                             ("schema:Order", "returns")}


def test_types_are_schemas_with_nullability_and_list_types(graph: Part) -> None:
    order = item(graph, "schema", "Order")
    assert [o.path for o in order.origins] == ["graphql/schema.graphqls", "graphql/inventory.graphql"]
    assert order.origins[0].source == "graphql" and order.description == "A customer order."
    assert dict(order.facts) == {"kind": "object", "implements": "Node"}
    assert field(order, "total") == Field("total", "Float", False, line=21)
    assert field(order, "items") == Field("items", "[OrderItem!]", False, line=20,
                                          description="Line items, in the order they were added")
    assert field(order, "coupon").nullable is True
    assert field(order, "reservedUntil").line == 7  # from `extend type Order`
    status = item(graph, "schema", "OrderStatus")
    assert status.fact("kind") == "enum" and status.fact("symbols") == "PLACED, PAID, SHIPPED, CANCELLED"
    assert item(graph, "schema", "SearchResult").fact("members") == "Order | Customer"
    assert field(item(graph, "schema", "Customer"), "email").description == "deprecated: use contacts"
    assert item(graph, "schema", "CreateOrderInput").fact("kind") == "input"


def test_a_graphql_syntax_error_names_line_and_column(graph: Part) -> None:
    assert [str(p) for p in graph.problems] == ["graphql/broken.graphql:4:10: Syntax Error: Expected ':', found Name 'String'."]
    assert not [i for i in graph.items if i.name == "Refund"]


def test_default_root_names_without_a_schema_block(tmp_path: Path) -> None:
    sdl = tmp_path / "api.gql"
    sdl.write_text("type Query {\n  me: User\n}\ntype Mutation {\n  logout: Boolean!\n}\ntype User { id: ID! }\n")
    part = api_graphql.read([CatalogFile(sdl, "api.gql", sdl.stat().st_size)])
    assert sorted(i.id for i in part.items) == ["operation:mutation logout", "operation:query me", "schema:User"]


def test_the_registry_claims_specs_and_sdl() -> None:
    claims = {reader.name: reader.claims for reader in apis.READERS}
    assert claims["openapi"](named("api/openapi.yaml")) and claims["openapi"](named("swagger.json"))
    assert not claims["openapi"](named("schema.graphql"))
    assert claims["graphql"](named("schema.graphqls")) and claims["graphql"](named("ops.gql")) and not claims["graphql"](named("a.yaml"))


def test_the_catalog_command_lists_operations_and_schemas_as_json() -> None:
    result = subprocess.run([sys.executable, "-m", "flowscan", "catalog", str(FIXTURES), "--format", "json"],
                            check=False, capture_output=True, text=True, cwd=FIXTURES, env={**os.environ, "NO_COLOR": "1"})
    data = json.loads(result.stdout)
    ids = {i["id"] for i in data["items"]}
    assert {"operation:GET /v2/orders/{orderId}", "operation:PUT /inventory/v1/stock/{sku}", "operation:query orders",
            "schema:Category", "schema:StockLevel"} <= ids
    get = next(i for i in data["items"] if i["id"] == "operation:GET /v2/orders/{orderId}")
    assert get["facts"]["operation_id"] == "getOrder"
    assert get["origins"] == [{"source": "openapi", "path": "orders-api.yaml", "line": 76}]
    problems = {(p["path"], p["line"], p["column"]) for p in data["problems"]}
    assert {("payments-api.yaml", 16, 19), ("graphql/broken.graphql", 4, 10)} <= problems
    assert {"source": "schema:NewOrder", "target": "operation:POST /v2/orders", "kind": "schema_of",
            "origin": {"source": "openapi", "path": "orders-api.yaml", "line": 50},
            "label": "request body"} in data["relationships"]
