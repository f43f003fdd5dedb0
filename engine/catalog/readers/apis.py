"""API specifications: OpenAPI 3.x / Swagger 2.0 documents and GraphQL SDL.

Each operation a specification describes is an `operation` item (`GET /v2/orders/{orderId}`,
`query orders`) whose fields are what goes in and comes out; the schemas its payloads use
are `schema` items, joined to it by `schema_of`. The formats are read in
`api_openapi` and `api_graphql`; this module is their entry in the registry.
"""

from __future__ import annotations

from flowscan.catalog.readers import Reader, api_graphql, api_openapi

READERS: tuple[Reader, ...] = (
    # claims every YAML and JSON file, reads only those whose head says `openapi:` or `swagger:`
    Reader("openapi", api_openapi.claims, api_openapi.read),
    Reader("graphql", api_graphql.claims, api_graphql.read),
)
