"""Parsed rule packs kept between runs, keyed by the file's content.

Parsing the ~350 built-in rules takes more than half a second, which every `flowscan
scan` run by a pre-commit hook would pay. A pack that parsed without errors is pickled
under the hash of its text and flowscan's version; any problem with the cache falls
back to parsing, so the cache can only make a run faster, never different.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from pathlib import Path

from flowscan import __version__
from flowscan.grammar.model import Pack, RuleError


def cache_dir() -> Path:
    explicit = os.environ.get("FLOWSCAN_CACHE_DIR")
    if explicit:
        return Path(explicit) / "packs"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "flowscan" / "packs"


def load_pack_cached(path: Path) -> tuple[Pack | None, list[RuleError]]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        from flowscan.grammar import load_pack

        return load_pack(path)  # it words the error
    key = hashlib.sha256(f"{__version__}\0{path}\0{text}".encode()).hexdigest()
    entry = cache_dir() / f"{key}.pickle"
    try:
        pack = pickle.loads(entry.read_bytes())
        if isinstance(pack, Pack):
            return pack, []
    except Exception:  # noqa: BLE001 - a missing or unreadable entry is a cache miss
        pass
    from flowscan.grammar import parse_pack  # Lark loads only when a pack is not cached

    pack, errors = parse_pack(text, str(path))
    if pack is not None and not errors:
        _store(entry, pack)
    return pack, errors


def _store(entry: Path, pack: Pack) -> None:
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=entry.parent, delete=False) as handle:
            handle.write(pickle.dumps(pack, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(handle.name, entry)  # atomic: parallel runs never read half an entry
    except OSError:
        pass  # a read-only home is no reason to fail a scan
