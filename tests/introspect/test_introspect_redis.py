"""Redis: key patterns from a bounded SCAN sample, live against a throw-away server whose KEYS is renamed away."""

from __future__ import annotations

import socket
from typing import Any

import orjson
import pytest
from conftest import Redis
from flowscan.catalog.serialize import catalog_from_data
from flowscan.introspect import introspect, redis_keys
from flowscan.introspect.dsn import parse_dsn
from flowscan.introspect.redis_keys import Pattern, group
from introspect_cli import assert_refused, flowscan, flowscan_each

SEEDED = {  # pattern: (type, keys), as conftest._seed_redis writes them
    "session:*": ("string", 300),
    "user:*:profile": ("hash", 200),
    "cart:*": ("list", 150),
    "rate:*": ("string", 100),
    "config:feature_flags": ("set", 1),
    "leaderboard:weekly": ("zset", 1),
    "events:orders": ("stream", 1),
    "maintenance_mode": ("string", 1),
}


def client(server: Redis) -> Any:
    import redis

    return redis.Redis(port=server.port, password=server.password, protocol=2)


def test_every_key_pattern_with_its_type_and_count(redis_server: Redis) -> None:
    catalog = introspect(redis_server.dsn())
    found = {i.name: (i.fact("type"), int(i.fact("sampled") or 0), int(i.fact("estimated_keys") or 0), i.fact("db"))
             for i in catalog.items}
    assert found == {name: (kind, count, count, "0") for name, (kind, count) in SEEDED.items()}
    assert {i.type for i in catalog.items} == {"keyspace"}
    assert {(o.source, o.path) for i in catalog.items for o in i.origins} == {
        ("redis", f"redis://:***@127.0.0.1:{redis_server.port}/0")}
    assert catalog.item("keyspace:session:*") is not None
    assert catalog.items[0].name == "session:*"  # commonest first


def test_only_scan_type_and_dbsize_reach_the_server(redis_server: Redis) -> None:
    import redis

    observer = client(redis_server)
    # a KEYS call would fail outright: the test server renamed the command away
    with pytest.raises(redis.exceptions.ResponseError, match="unknown command"):
        observer.execute_command("KEYS", "*")
    # the observer's connection is open already: from here on, only its INFO adds to the counts
    observer.config_resetstat()
    introspect(redis_server.dsn())
    stats = observer.info("commandstats")
    used = {name.removeprefix("cmdstat_") for name in stats}
    assert used - {"config|resetstat", "info"} == {"auth", "scan", "type", "dbsize"}
    assert stats["cmdstat_dbsize"]["calls"] == 1
    assert stats["cmdstat_type"]["calls"] == sum(count for _, count in SEEDED.values())


def test_the_sample_is_bounded_and_scaled_by_dbsize(redis_server: Redis) -> None:
    part = redis_keys.read(parse_dsn(redis_server.dsn()), 5.0, sample_limit=200)
    total = sum(count for _, count in SEEDED.values())
    assert sum(int(i.fact("sampled") or 0) for i in part.items) == 200
    estimated = sum(int(i.fact("estimated_keys") or 0) for i in part.items)
    assert abs(estimated - total) <= len(part.items)  # each estimate is rounded once
    sessions = next(i for i in part.items if i.name == "session:*")
    assert 150 <= int(sessions.fact("estimated_keys") or 0) <= 450  # 300 of 754; a 200-key sample
    assert sessions.description == f"Redis keys, counted in a sample of 200 of {total} keys"


def test_past_the_pattern_limit_the_rarest_are_counted_as_left_out(
        redis_server: Redis, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(redis_keys, "PATTERN_LIMIT", 4)
    catalog = introspect(redis_server.dsn())
    assert [i.name for i in catalog.items] == ["session:*", "user:*:profile", "cart:*", "rate:*"]
    assert [p.message for p in catalog.problems] == [
        "4 rarer key patterns (4 sampled keys) are left out; the 4 commonest are listed"]


def test_another_database_is_read_on_its_own(redis_server: Redis) -> None:
    catalog = introspect(redis_server.dsn(db=3))
    assert [(i.name, i.fact("type"), i.fact("db")) for i in catalog.items] == [("jobs:queue:emails", "string", "3")]


def test_json_through_the_cli(redis_server: Redis) -> None:
    ran = flowscan("introspect", redis_server.dsn(), "--format", "json")
    assert ran.code == 0, ran.stderr
    assert redis_server.password not in ran.stdout and "redis%3Apw" not in ran.stdout
    catalog = catalog_from_data(orjson.loads(ran.stdout))
    assert {i.name for i in catalog.items} == set(SEEDED)


def test_each_failure_is_one_line_of_words(redis_server: Redis) -> None:
    port = redis_server.port
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        closed_port = closed.getsockname()[1]
    secret = "wr0ng-redis-pw"
    cases = [
        (redis_server.dsn(password=secret), f"Redis at 127.0.0.1:{port} refused the credentials"),
        (f"redis://127.0.0.1:{port}/0", f"Redis at 127.0.0.1:{port} requires a password and the DSN gives none"),
        (redis_server.dsn(db=99), f"Redis at 127.0.0.1:{port} has no database 99"),
        (f"redis://:{secret}@127.0.0.1:{closed_port}/0", f"cannot connect to Redis at 127.0.0.1:{closed_port}: connection refused"),
        (f"redis://:{secret}@no-such-host.invalid:6379/0", "cannot connect to Redis: unknown host 'no-such-host.invalid'"),
        (f"redis://:{secret}@127.0.0.1:{silent.getsockname()[1]}/0",
         f"Redis at 127.0.0.1:{silent.getsockname()[1]} did not answer within 1 s"),
    ]
    try:
        runs = flowscan_each([["introspect", dsn, "--timeout", "1"] for dsn, _ in cases])
    finally:
        silent.close()
    for ran, (_, expected) in zip(runs, cases):
        assert_refused(ran, expected, secret, redis_server.password)


# --- keys into patterns, without a server ------------------------------------------------------

def names(keys: list[str], kind: str = "string") -> dict[str, int]:
    return {p.name: p.count for p in group((key, kind) for key in keys)}


def test_ids_become_wildcards_segment_by_segment() -> None:
    assert names([
        "user:123:profile", "user:98765:profile", "order:2024-05-01:summary",
        "session:3f2b8c1e-9a4d-4b7e-8f00-1c2d3e4f5a6b", "blob:5f4dcc3b5aa765d61d8327deb882cf99",
        "rate:192.168.10.20", "invite:ann@example.com", "token:eyJhbGciOiJIUzI1NiJ9abc123",
        "metrics:1700000000.125", "plain",
    ]) == {
        "user:*:profile": 2, "order:*:summary": 1, "session:*": 1, "blob:*": 1, "rate:*": 1, "invite:*": 1,
        "token:*": 1, "metrics:*": 1, "plain": 1,
    }


def test_many_different_names_in_one_place_are_taken_as_ids() -> None:
    users = [f"user:{name}:settings" for name in ("alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi",
                                                   "ivan", "judy", "mallory", "niaj", "olivia", "peggy", "rupert",
                                                   "sybil", "trent", "victor", "walter")]
    few = ["feature:checkout", "feature:search"]
    assert names(users + few) == {"user:*:settings": 19, "feature:checkout": 1, "feature:search": 1}


def test_namespaces_stay_apart_however_many_there_are() -> None:
    keys = [f"{namespace}:{n}" for namespace in (f"service{chr(97 + i)}x" for i in range(20)) for n in range(3)]
    patterns = names(keys)
    assert len(patterns) == 20 and patterns["serviceax:*"] == 3
    # while bare keys that are ids merge, even without a separator
    assert names([f"job{n:02d}x{chr(97 + n)}" for n in range(20)]) == {"*": 20}


def test_a_pattern_keeps_every_type_it_holds() -> None:
    patterns = group([("cache:1", "string"), ("cache:2", "string"), ("cache:3", "hash")])
    assert patterns == [Pattern("cache:*", 3, ("string", "hash"))]
