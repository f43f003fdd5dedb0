"""Redis: the key patterns of one database, from a bounded sample.

Only SCAN, TYPE and DBSIZE are sent after connecting (AUTH and SELECT to connect; the
client's own `CLIENT SETINFO` and RESP3 `HELLO` are turned off). Never KEYS: it blocks the
server for as long as it walks every key. The sample stops at `sample_limit` keys or at
the deadline, whichever comes first; TYPE goes in pipelined batches.

Keys become patterns segment by segment (`:` is Redis's separator): numbers, UUIDs, hex
digests, addresses, e-mails, dates and long tokens become `*` (`user:123:profile` →
`user:*:profile`). Then, where one position still has more than `FANOUT` different
values under the same prefix (user names, SKUs), they are taken as ids and merged into
`*` too. Each pattern's share of the sample, scaled by DBSIZE, estimates its key count.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from attrs import define, field, frozen
from flowscan.catalog.model import Item, Origin, Part, Problem
from flowscan.introspect.dsn import Target
from flowscan.introspect.errors import IntrospectionError, require
from flowscan.redact import redact

SOURCE = "redis"
SAMPLE_LIMIT = 10_000
SCAN_COUNT = 1_000
TYPE_BATCH = 1_000
FANOUT = 16
PATTERN_LIMIT = 200
SEPARATOR = ":"
WILDCARD = "*"

_VOLATILE = (
    re.compile(r"\d+"),  # ids, timestamps
    re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"),  # UUID
    re.compile(r"(?=[0-9a-fA-F]*\d)[0-9a-fA-F]{8,}"),  # hex digests and object ids
    re.compile(r"\d{1,3}(?:\.\d{1,3}){3}"),  # IPv4
    re.compile(r"[^@\s]+@[^@\s]+"),  # e-mail addresses
    re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+Z?)?"),  # dates
    re.compile(r"(?=[^\d]*\d)[\d.,_-]+"),  # 1700000000.123, 2024_01
    re.compile(r"(?=[A-Za-z0-9_-]*\d)(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{16,}={0,2}"),  # tokens, base64
)


@frozen
class Pattern:
    name: str
    count: int
    types: tuple[str, ...]


@define
class _Node:
    """A trie of key segments: `keys` end here, with these types."""

    keys: int = 0
    types: Counter[str] = field(factory=Counter)
    children: dict[str, _Node] = field(factory=dict)

    def merge(self, other: _Node) -> None:
        self.keys += other.keys
        self.types.update(other.types)
        for segment, child in other.children.items():
            if segment in self.children:
                self.children[segment].merge(child)
            else:
                self.children[segment] = child


def read(target: Target, timeout_seconds: float, *, sample_limit: int = SAMPLE_LIMIT) -> Part:
    redis = require("redis", "redis", "Redis")
    deadline = time.monotonic() + timeout_seconds
    client = _opened(redis, target, timeout_seconds)
    try:
        total = int(client.dbsize())
        keys, complete = _scan(client, sample_limit, deadline)
        typed = _types(client, keys, deadline)
    except redis.exceptions.RedisError as error:
        raise IntrospectionError(explain(error, target, timeout_seconds)) from None
    finally:
        client.close()
    complete = complete and len(typed) == len(keys)
    patterns = group(typed)
    origin = Origin(SOURCE, target.display, 1)
    shown = patterns[:PATTERN_LIMIT]
    items = tuple(_item(p, origin, target.database or "0", len(typed), total, complete) for p in shown)
    problems: tuple[Problem, ...] = ()
    if len(patterns) > len(shown):
        rest = patterns[len(shown):]
        problems = (Problem(target.display, 1, 1, f"{len(rest)} rarer key patterns ({sum(p.count for p in rest)} "
                                                  f"sampled keys) are left out; the {PATTERN_LIMIT} commonest are listed"),)
    return Part(items, (), problems)


def _opened(redis: Any, target: Target, timeout_seconds: float) -> Any:
    """A client already connected (AUTH, SELECT), so that a DSN option redis-py refuses is told apart."""
    try:
        client = _client(redis, target, timeout_seconds)
        pool = client.connection_pool
        pool.release(pool.get_connection())
        return client
    except (TypeError, ValueError) as error:
        # from redis-py's URL parsing (`socket_timeout=abc`) or its Connection (`?foo=bar`)
        unknown = re.search(r"unexpected keyword argument '(\w+)'", str(error))
        why = f"unknown option {unknown.group(1)}" if unknown else str(error)
        raise IntrospectionError(f"the DSN {target.display} was refused by the Redis client: {why}") from None
    except redis.exceptions.RedisError as error:
        raise IntrospectionError(explain(error, target, timeout_seconds)) from None


def _client(redis: Any, target: Target, timeout_seconds: float) -> Any:
    import importlib.util

    from redis.backoff import NoBackoff
    from redis.retry import Retry

    # no CLIENT SETINFO: redis-py 7+ takes `driver_info=None` for that, earlier ones lib_name/lib_version
    quiet: dict[str, Any] = ({"driver_info": None} if importlib.util.find_spec("redis.driver_info")
                             else {"lib_name": None, "lib_version": None})
    return redis.Redis.from_url(
        target.url,
        socket_connect_timeout=timeout_seconds,
        socket_timeout=timeout_seconds,
        # one try: a refused connection is reported at once, not after retries with back-off
        retry=Retry(NoBackoff(), 0),
        # RESP2 (no HELLO): the connection sends AUTH and SELECT, nothing else
        protocol=2,
        **quiet,
    )


def _scan(client: Any, limit: int, deadline: float) -> tuple[list[bytes], bool]:
    """Up to `limit` distinct keys; True when SCAN went all the way round (the sample is every key)."""
    seen: dict[bytes, None] = {}
    cursor = 0
    while True:
        cursor, batch = client.scan(cursor=cursor, count=SCAN_COUNT)
        for key in batch:
            seen.setdefault(key, None)  # SCAN may return a key twice while the table is rehashed
        if int(cursor) == 0:
            return list(seen)[:limit], len(seen) <= limit
        if len(seen) >= limit or time.monotonic() > deadline:
            return list(seen)[:limit], False


def _types(client: Any, keys: Sequence[bytes], deadline: float) -> list[tuple[str, str]]:
    """(key, type) for each key still there, in pipelined batches, until the deadline."""
    typed: list[tuple[str, str]] = []
    for start in range(0, len(keys), TYPE_BATCH):
        if start and time.monotonic() > deadline:
            break
        batch = keys[start:start + TYPE_BATCH]
        pipe = client.pipeline(transaction=False)  # no MULTI/EXEC: only TYPE goes to the server
        for key in batch:
            pipe.type(key)
        for key, kind in zip(batch, pipe.execute()):
            kind = kind.decode() if isinstance(kind, bytes) else str(kind)
            if kind != "none":  # expired since SCAN saw it
                typed.append((key.decode("utf-8", "backslashreplace"), kind))
    return typed


# --- keys into patterns ---------------------------------------------------------------------

def group(keys: Iterable[tuple[str, str]]) -> list[Pattern]:
    """Key patterns with their counts and types, commonest first."""
    root = _Node()
    for key, kind in keys:
        node = root
        for segment in key.split(SEPARATOR):
            node = node.children.setdefault(_segment(segment), _Node())
        node.keys += 1
        node.types[kind] += 1
    _collapse(root, top=True)
    patterns = [Pattern(redact(name), node.keys, tuple(t for t, _ in node.types.most_common()))
                for name, node in _walk(root, ())]
    return sorted(patterns, key=lambda p: (-p.count, p.name))


def _segment(segment: str) -> str:
    if any(shape.fullmatch(segment) for shape in _VOLATILE):
        return WILDCARD
    return segment


def _collapse(node: _Node, *, top: bool = False) -> None:
    """Merge the children of a node with too many different ones into `*`.

    At the top, only keys without a separator are merged: the top holds the application's
    namespaces (`session`, `user`, `cart`), which stay apart however many there are.
    """
    literal = [s for s in node.children if s != WILDCARD and not (top and node.children[s].children)]
    if len(literal) > FANOUT:
        merged = node.children.pop(WILDCARD, None) or _Node()
        for segment in literal:
            merged.merge(node.children.pop(segment))
        node.children[WILDCARD] = merged
    for child in node.children.values():
        _collapse(child)


def _walk(node: _Node, path: tuple[str, ...]) -> Iterable[tuple[str, _Node]]:
    if node.keys:
        yield SEPARATOR.join(path), node
    for segment, child in node.children.items():
        yield from _walk(child, (*path, segment))


def _item(pattern: Pattern, origin: Origin, db: str, sampled: int, total: int, complete: bool) -> Item:
    estimate = pattern.count if complete or not sampled else round(pattern.count * total / sampled)
    facts = (
        ("type", ", ".join(pattern.types)),
        ("sampled", str(pattern.count)),
        ("estimated_keys", str(estimate)),
        ("db", db),
    )
    scope = "every key" if complete else f"a sample of {sampled} of {total} keys"
    return Item("keyspace", pattern.name, (origin,), facts=facts, description=f"Redis keys, counted in {scope}")


# --- errors in words --------------------------------------------------------------------

def explain(error: Exception, target: Target, timeout_seconds: float) -> str:
    import redis

    at = f"Redis at {target.where}"
    message = str(error).strip()
    lowered = message.lower()
    if "noauth" in lowered or "authentication required" in lowered:
        return f"{at} requires a password and the DSN gives none: redis://:PASSWORD@host:port/db"
    if isinstance(error, redis.exceptions.AuthenticationError) or "wrongpass" in lowered \
            or "invalid password" in lowered or "invalid username-password" in lowered:
        if "without any password configured" in lowered:
            return f"{at} has no password set, but the DSN gives one: drop it from the DSN"
        return f"{at} refused the credentials (invalid user name or password)"
    if "noperm" in lowered:
        return f"the Redis user lacks a permission flowscan needs (SCAN, TYPE, DBSIZE) on {at}: {message}"
    if "unknown command" in lowered:
        return f"{at} does not accept a command flowscan needs (SCAN, TYPE or DBSIZE; renamed or disabled?): {message}"
    if "db index is out of range" in lowered or "invalid db index" in lowered:
        return f"{at} has no database {target.database}"
    if isinstance(error, redis.exceptions.TimeoutError) or "timed out" in lowered or "timeout" in lowered:
        return f"{at} did not answer within {timeout_seconds:g} s"
    if isinstance(error, redis.exceptions.ConnectionError):
        if "refused" in lowered:
            return f"cannot connect to {at}: connection refused (is the server running and listening there?)"
        if "name or service not known" in lowered or "nodename nor servname" in lowered \
                or "temporary failure in name resolution" in lowered:
            return f"cannot connect to Redis: unknown host '{target.host}'"
        return f"cannot connect to {at}: {message}"
    return f"{at}: {message}"
