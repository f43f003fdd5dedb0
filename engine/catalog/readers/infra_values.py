"""Settings values as the catalog may keep them, and what a setting names.

Two rules hold for every value an infrastructure reader stores:

- the value of a secret-looking key (`POSTGRES_PASSWORD`, `spring.datasource.password`)
  is never kept: it becomes `***`, unless it only names where the secret comes from
  (`${DB_PASSWORD}`), which is what a reader needs to see;
- any other value goes through `redact`, which masks passwords inside DSNs and URLs. The
  default of an interpolation (`${DATABASE_URL:-postgresql://app:pw@db/app}`) is masked
  on its own, since `redact` leaves `${...}` alone as a placeholder.

A setting *names a dataset* when its key says what kind (`ORDERS_TOPIC`, `AUDIT_TABLE`,
`INVOICES_BUCKET`) and its value is a plain name; that becomes a `configures`
relationship to the map's id of that dataset.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from attrs import frozen

from flowscan.catalog.model import item_id
from flowscan.redact import MASK, is_secret_name, redact

# --- interpolation: ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, $VAR, $$ ---------


@frozen
class Reference:
    """One `${...}` (or `$VAR`) in a value: where it is, the variable, and its default if any."""

    start: int
    end: int
    variable: str
    default: str | None


_OPERATORS = (":-", "-", ":?", "?", ":+", "+")
_BARE_VARIABLE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


def references(value: str, spring: bool = False) -> list[Reference]:
    """The interpolations in `value`; `spring` reads `${key:default}` (Spring) instead of `${VAR:-default}`."""
    found: list[Reference] = []
    position = 0
    while position < len(value):
        dollar = value.find("$", position)
        if dollar == -1 or dollar + 1 >= len(value):
            break
        following = value[dollar + 1]
        if following == "$" and not spring:  # compose's escape for a literal `$`
            position = dollar + 2
        elif following == "{":
            end = _closing_brace(value, dollar + 2)
            if end == -1:
                break
            found.append(_reference(value, dollar, end, spring))
            position = end + 1
        elif not spring and (bare := _BARE_VARIABLE.match(value, dollar)):
            found.append(Reference(dollar, bare.end() - 1, bare.group(1), None))
            position = bare.end()
        else:
            position = dollar + 1
    return found


def _closing_brace(value: str, start: int) -> int:
    depth = 1
    for index in range(start, len(value)):
        if value[index] == "{":
            depth += 1
        elif value[index] == "}":
            depth -= 1
            if depth == 0:
                return index
    return -1


def _reference(value: str, dollar: int, end: int, spring: bool) -> Reference:
    body = value[dollar + 2:end]
    if spring:
        name, colon, default = body.partition(":")
        return Reference(dollar, end, name, default if colon else None)
    name = re.match(r"[A-Za-z0-9_.]*", body)
    variable = name.group(0) if name else ""
    rest = body[len(variable):]
    for operator in _OPERATORS:
        if rest.startswith(operator):
            # `:?` and `?` carry an error message, `:+` an alternative: neither is a default value
            default = rest[len(operator):] if operator in (":-", "-") else None
            return Reference(dollar, end, variable, default)
    return Reference(dollar, end, variable, None)


def effective(value: str, spring: bool = False) -> str | None:
    """`value` with each interpolation replaced by its default; None when one has no default."""
    found = references(value, spring)
    if not found:
        return value.replace("$$", "$") if not spring else value
    pieces: list[str] = []
    position = 0
    for reference in found:
        if reference.default is None:
            return None
        default = effective(reference.default, spring)
        if default is None:
            return None
        pieces += [value[position:reference.start], default]
        position = reference.end + 1
    pieces.append(value[position:])
    return "".join(pieces)


def is_reference_only(value: str, spring: bool = False) -> bool:
    """`${DB_PASSWORD}` or `$DB_PASSWORD`: names where a value comes from, holds none."""
    found = references(value, spring)
    if not found or any(reference.default for reference in found):
        return False
    rest = "".join(_outside(value, found))
    return not rest.strip()


def _outside(value: str, found: list[Reference]) -> list[str]:
    pieces, position = [], 0
    for reference in found:
        pieces.append(value[position:reference.start])
        position = reference.end + 1
    pieces.append(value[position:])
    return pieces


# --- what may be stored ---------------------------------------------------------------


def stored_value(key: str, value: str | None, spring: bool = False) -> str | None:
    """What the catalog keeps of `key = value`: `***` for a secret, DSN passwords masked otherwise."""
    if value is None:
        return None
    if is_secret_name(key) or _names_secret_path(key):
        if value == "" or is_reference_only(value, spring):
            return value
        return MASK
    return masked(value, spring)


def _names_secret_path(key: str) -> bool:
    # `spring.datasource.password`, `MINIO_ROOT_PASSWORD`, `KAFKA_CFG_SASL_JAAS_CONFIG`: the last
    # word decides (is_secret_name); a JAAS config embeds a password, so it counts too.
    return key.lower().replace("-", "_").endswith(("jaas_config", "jaas.config", "sasl.jaas.config"))


def masked(value: str, spring: bool = False) -> str:
    """`redact(value)`, with the defaults of interpolations redacted on their own."""
    found = references(value, spring)
    if not found:
        return redact(value)
    pieces: list[str] = []
    position = 0
    for reference in found:
        pieces.append(redact(value[position:reference.start]))
        text = value[reference.start:reference.end + 1]
        if reference.default:
            head = text[: len(text) - len(reference.default) - 1]
            text = head + masked(reference.default, spring) + "}"
        pieces.append(text)
        position = reference.end + 1
    pieces.append(redact(value[position:]))
    return "".join(pieces)


# --- what a setting names ---------------------------------------------------------------


@frozen
class Named:
    """A dataset a setting names: the map's id (`topic:orders`) and the setting's key."""

    target: str
    key: str


_TOPIC_NAME = re.compile(r"^[A-Za-z0-9._-]{1,249}$")
_QUEUE_NAME = re.compile(r"^[A-Za-z0-9._:/-]{1,255}$")
_TABLE_NAME = re.compile(r"^[A-Za-z_][\w$]*(?:\.[A-Za-z_][\w$]*){0,2}$")
_BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.\-_]{1,62}$")
# what the last word(s) of an env-style key say the value names
_KEY_KINDS = (
    (("topic", "topics", "topic_name", "topic_names"), "topic"),
    (("queue", "queues", "queue_name"), "queue"),
    (("table", "tables", "table_name"), "table"),
    (("bucket", "bucket_name", "s3_bucket"), "bucket"),
)


def key_kind(key: str) -> str | None:
    """`ORDERS_TOPIC` → topic, `app.kafka.topics.orders` → topic, `AUDIT_TABLE` → table."""
    words = [w for w in re.split(r"[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])", key) if w]
    lowered = [w.lower() for w in words]
    if not lowered:
        return None
    for endings, kind in _KEY_KINDS:
        for ending in endings:
            parts = ending.split("_")
            if lowered[-len(parts):] == parts:
                return kind
    return None


def named_datasets(key: str, value: str | None, kind: str | None = None) -> list[Named]:
    """The datasets `key = value` names: a comma-separated list of plain names of the key's kind."""
    kind = kind or key_kind(key)
    if kind is None or not value:
        return []
    found: list[Named] = []
    for name in (part.strip() for part in value.split(",")):
        target = _dataset_id(kind, name)
        if target is not None:
            found.append(Named(target, key))
    return found


def _dataset_id(kind: str, name: str) -> str | None:
    if kind == "bucket" and name.startswith(("s3://", "gs://", "s3a://")):
        name = urlsplit(name).netloc
    if not name or name.lower() in ("true", "false", "null", "none") or name.isdigit():
        return None
    if kind == "topic" and _TOPIC_NAME.match(name):
        return item_id("topic", name)
    if kind == "queue" and _QUEUE_NAME.match(name):
        return f"queue:{name}"
    if kind == "table" and _TABLE_NAME.match(name):
        return item_id("table", name)
    if kind == "bucket" and _BUCKET_NAME.match(name):
        return f"bucket:{name}"
    return None


_HOST_PORT = re.compile(r"^\[?([A-Za-z0-9_.-]+)\]?(?::\d+)?$")


def hosts_in(value: str | None) -> list[str]:
    """The host names a value points at: URLs and DSNs, `host:port` lists, a bare host name."""
    if not value:
        return []
    hosts: list[str] = []
    for part in (piece.strip() for piece in value.split(",")):
        if "://" in part:
            part = part.removeprefix("jdbc:")
            try:
                host = urlsplit(part.split("?", 1)[0]).hostname
            except ValueError:
                host = None
            if host:
                hosts.append(host)
        elif (match := _HOST_PORT.match(part)) and not part.replace(".", "").isdigit():
            hosts.append(match.group(1))
    return hosts
