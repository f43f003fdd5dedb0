"""The catalog as text (one block per item), JSON (docs/catalog-output.md) and Markdown."""

from __future__ import annotations

from collections.abc import Callable
from itertools import groupby

import orjson

from flowscan.catalog.model import Catalog, Field, Item
from flowscan.redact import redact

#: section headings, in the order sections are shown
SECTIONS = {
    "table": "Tables", "view": "Views", "file": "Data files", "dataset": "Datasets (folders of files)",
    "operation": "API operations", "schema": "Schemas", "topic": "Topics", "keyspace": "Key spaces",
    "service": "Services", "config": "Configuration", "log": "Logging",
}


def render_catalog_json(catalog: Catalog) -> str:
    from flowscan.catalog.serialize import catalog_to_data  # cattrs loads only for JSON

    return orjson.dumps(catalog_to_data(catalog), option=orjson.OPT_INDENT_2).decode("utf-8") + "\n"


def render_catalog_text(catalog: Catalog) -> str:
    lines: list[str] = []
    for type_, items in _sections(catalog):
        lines.append(f"{SECTIONS.get(type_, type_)} ({len(items)})")
        for item in items:
            lines.append(f"  {item.name}  {_origins(item)}")
            if item.description:
                lines.append(f"    {item.description}")
            if item.facts:
                lines.append("    " + ", ".join(f"{k}={v}" for k, v in item.facts))
            width = max((len(f.name) for f in item.fields), default=0)
            for field in item.fields:
                lines.append(f"    {field.name:<{width}}  {_field_summary(field)}".rstrip())
            for index in item.indexes:
                unique = "unique " if index.unique else ""
                lines.append(f"    {unique}index {index.name or ''}({', '.join(index.columns)})")
        lines.append("")
    if catalog.relationships:
        lines.append(f"Relationships ({len(catalog.relationships)})")
        for r in catalog.relationships:
            label = f" ({r.label})" if r.label else ""
            lines.append(f"  {r.source} → {r.target}  {r.kind}{label}  {r.origin.path}:{r.origin.line}")
        lines.append("")
    if catalog.problems:
        lines.append(f"Problems ({len(catalog.problems)})")
        lines.extend(f"  {p}" for p in catalog.problems)
        lines.append("")
    read = f" from {catalog.files} files" if catalog.files else ""
    lines.append(f"{len(catalog.items)} items, {len(catalog.relationships)} relationships{read} in {catalog.seconds:.2f} s")
    return redact("\n".join(lines)) + "\n"


def render_catalog_markdown(catalog: Catalog) -> str:
    out = ["# Data catalog", ""]
    for type_, items in _sections(catalog):
        out += [f"## {SECTIONS.get(type_, type_)}", ""]
        for item in items:
            out += [f"### `{item.name}`", "", f"Seen in {_origins(item, markdown=True)}.", ""]
            if item.description:
                out += [item.description, ""]
            if item.facts:
                out += ["| fact | value |", "| --- | --- |"]
                out += [f"| {k} | {_cell(v)} |" for k, v in item.facts]
                out.append("")
            if item.fields:
                out += ["| field | type | nullable | key | default | notes |", "| --- | --- | --- | --- | --- | --- |"]
                for f in item.fields:
                    key = "PK" if f.primary_key else ("unique" if f.unique else "")
                    notes = f"→ `{f.references}`" if f.references else (f.description or "")
                    nullable = "" if f.nullable is None else ("yes" if f.nullable else "no")
                    out.append(f"| `{f.name}` | {_cell(f.type or '')} | {nullable} | {key} | {_cell(f.default or '')} | {_cell(notes)} |")
                out.append("")
    if catalog.relationships:
        out += ["## Relationships", "", "| from | to | kind | detail | where |", "| --- | --- | --- | --- | --- |"]
        for r in catalog.relationships:
            out.append(f"| `{r.source}` | `{r.target}` | {r.kind} | {_cell(r.label or '')} | {r.origin.path}:{r.origin.line} |")
        out.append("")
    if catalog.problems:
        out += ["## Problems", ""] + [f"- `{p}`" for p in catalog.problems] + [""]
    return redact("\n".join(out))


CATALOG_FORMATS: dict[str, Callable[[Catalog], str]] = {
    "text": render_catalog_text,
    "json": render_catalog_json,
    "markdown": render_catalog_markdown,
}


def _sections(catalog: Catalog) -> list[tuple[str, list[Item]]]:
    order = list(SECTIONS)
    ranked = sorted(catalog.items, key=lambda i: (order.index(i.type) if i.type in order else len(order), i.type, i.name))
    return [(type_, list(items)) for type_, items in groupby(ranked, key=lambda i: i.type)]


def _origins(item: Item, markdown: bool = False) -> str:
    shown = [f"{o.path}:{o.line} ({o.source})" for o in item.origins]
    return ", ".join(f"`{s}`" for s in shown) if markdown else ", ".join(shown)


def _field_summary(field: Field) -> str:
    parts = [field.type] if field.type else []
    if field.nullable is False:
        parts.append("not null")
    if field.primary_key:
        parts.append("PK")
    elif field.unique:
        parts.append("unique")
    if field.default is not None:
        parts.append(f"default {field.default}" if field.type or field.primary_key else f"= {field.default}")
    if field.references:
        parts.append(f"→ {field.references}")
    if field.description:
        parts.append(f"— {field.description}")
    return "  ".join(parts)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
