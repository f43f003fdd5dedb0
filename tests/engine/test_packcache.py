"""The parsed-pack cache: faster runs, never different ones."""

from __future__ import annotations

from pathlib import Path

from flowscan.packcache import cache_dir, load_pack_cached

RULE = 'rule team.audit {\n  language python\n  role sink\n  kind log\n  match `audit.write($E)`\n  message "{E}"\n}\n'


def test_a_clean_pack_is_cached_and_a_change_is_seen(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("FLOWSCAN_CACHE_DIR", str(tmp_path / "cache"))
    rules = tmp_path / "team.fsr"
    rules.write_text(RULE)
    first, errors = load_pack_cached(rules)
    assert first is not None and not errors
    assert len(list(cache_dir().glob("*.pickle"))) == 1
    again, _ = load_pack_cached(rules)
    assert again == first
    rules.write_text(RULE.replace("team.audit", "team.audit-log"))
    changed, _ = load_pack_cached(rules)
    assert changed is not None and changed.rules[0].id == "team.audit-log"


def test_a_pack_with_errors_is_never_cached_and_a_broken_entry_is_a_miss(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("FLOWSCAN_CACHE_DIR", str(tmp_path / "cache"))
    rules = tmp_path / "bad.fsr"
    rules.write_text(RULE.replace("role sink", "role sauce"))
    _, errors = load_pack_cached(rules)
    assert errors and not list(cache_dir().glob("*.pickle"))
    rules.write_text(RULE)
    load_pack_cached(rules)
    [entry] = cache_dir().glob("*.pickle")
    entry.write_bytes(b"not a pickle")
    pack, errors = load_pack_cached(rules)
    assert pack is not None and not errors
