"""The catalog's JSON contract (docs/catalog-output.md): structure and back, with cattrs."""

from __future__ import annotations

from typing import Any

import cattrs

from flowscan.catalog.model import Catalog, Item, Problem, Relationship

CATALOG_FORMAT_VERSION = 1

_converter = cattrs.Converter(omit_if_default=True)
# facts are ordered pairs in the model and an object in JSON: `{"delimiter": ";", "rows": "120"}`
_FACTS = tuple[tuple[str, str], ...]
_converter.register_unstructure_hook_func(lambda t: t == _FACTS, lambda facts: dict(facts))
_converter.register_structure_hook_func(lambda t: t == _FACTS,
                                        lambda data, _: tuple((str(k), str(v)) for k, v in dict(data).items()))


def catalog_to_data(catalog: Catalog) -> dict[str, Any]:
    return {
        "version": CATALOG_FORMAT_VERSION,
        "items": [item_to_data(item) for item in catalog.items],
        "relationships": [relationship_to_data(r) for r in catalog.relationships],
        "problems": [_converter.unstructure(p, Problem) for p in catalog.problems],
        "stats": {"files": catalog.files, "seconds": round(catalog.seconds, 3)},
    }


def item_to_data(item: Item) -> dict[str, Any]:
    return {"id": item.id, **_converter.unstructure(item, Item)}


def relationship_to_data(relationship: Relationship) -> dict[str, Any]:
    return _converter.unstructure(relationship, Relationship)


def catalog_from_data(data: Any) -> Catalog:
    if not isinstance(data, dict) or data.get("version") != CATALOG_FORMAT_VERSION:
        raise ValueError(f"expected an object with \"version\": {CATALOG_FORMAT_VERSION}")
    try:
        items = tuple(_converter.structure({k: v for k, v in i.items() if k != "id"}, Item) for i in data.get("items", ()))
        relationships = tuple(_converter.structure(r, Relationship) for r in data.get("relationships", ()))
        problems = tuple(_converter.structure(p, Problem) for p in data.get("problems", ()))
    except (cattrs.errors.BaseValidationError, TypeError, AttributeError) as error:
        raise ValueError(_explain(error)) from None
    return Catalog(items, relationships, problems, files=int(data.get("stats", {}).get("files", 0)))


def _explain(error: Exception) -> str:
    if isinstance(error, cattrs.errors.BaseValidationError):
        notes = cattrs.transform_error(error)
        return "; ".join(notes[:3])
    return str(error)
