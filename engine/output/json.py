"""The JSON report: a stable, versioned document for CI, dashboards and other tools.

The shape is a contract, documented in docs/json-output.md; changing it means a new
`version`. cattrs turns the findings model into plain data and orjson writes it.
"""

from __future__ import annotations

from typing import Any

import attrs
import cattrs
import orjson

from flowscan.findings import Finding, ScanError, ScanResult
from flowscan.redact import redact

JSON_VERSION = 1

# A converter of our own: hooks registered here cannot leak into other users of cattrs.
_converter = cattrs.Converter()


def to_document(result: ScanResult) -> dict[str, Any]:
    """The JSON document as plain Python data, sorted and redacted, ready for any encoder."""
    findings = sorted(result.findings, key=lambda finding: finding.sort_key)
    errors = sorted(result.errors, key=lambda error: (error.path, error.line, error.message))
    skipped = sorted(result.skipped, key=lambda item: (item.path, item.reason))
    stats = _converter.unstructure(result.stats)
    stats["seconds"] = round(result.stats.seconds, 3)
    return {
        "version": JSON_VERSION,
        "findings": [_converter.unstructure(_redacted(finding)) for finding in findings],
        "errors": [_converter.unstructure(_redacted_error(error)) for error in errors],
        "skipped": _converter.unstructure(skipped),
        "stats": stats,
    }


def render_json(result: ScanResult) -> bytes:
    """The JSON report as UTF-8 bytes: indented by two spaces, ending in a newline."""
    return orjson.dumps(to_document(result), option=orjson.OPT_INDENT_2) + b"\n"


def _redacted(finding: Finding) -> Finding:
    # Reports travel (CI logs, uploaded artifacts): a DSN entity must not carry its password.
    entities = tuple(attrs.evolve(entity, name=redact(entity.name)) for entity in finding.entities)
    return attrs.evolve(finding, message=redact(finding.message), entities=entities)


def _redacted_error(error: ScanError) -> ScanError:
    return attrs.evolve(error, message=redact(error.message))


__all__ = ["JSON_VERSION", "render_json", "to_document"]
