"""One spelling per dataset, shared by the map, the catalog and the reports.

`Orders`, `"public"."orders"` and `orders` are one table; `./data/x.csv` and `data/x.csv`
one file. Whatever names a dataset — a finding's entity, a migration, a live database —
goes through `normalize`, so they all meet at the same node.
"""

from __future__ import annotations

import re

from flowscan.findings import Entity

#: entity types that name data (env and dsn name settings and servers, not datasets)
DATASET_TYPES = ("table", "topic", "queue", "file", "url", "bucket")
_DEFAULT_SCHEMAS = ("public.", "dbo.", "main.")


def normalize(entity: Entity) -> str:
    """One spelling per dataset: quotes and default schemas dropped, SQL names lower-cased."""
    name = entity.name.strip()
    if entity.type == "table":
        name = re.sub(r'["`\[\]]', "", name).lower()
        for schema in _DEFAULT_SCHEMAS:
            if name.startswith(schema):
                name = name[len(schema):]
    elif entity.type == "file":
        name = re.sub(r"^\./", "", name)
    return name


def dataset_id(entity: Entity) -> str:
    return f"{entity.type}:{normalize(entity)}"
