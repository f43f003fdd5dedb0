"""The rule language: the Lark grammar of `.fsr` files and its typed parse.

The parser (and Lark with it) loads on first use: a scan whose packs come from the pack
cache never parses rule text, and starts faster for it.
"""

from __future__ import annotations

from typing import Any

from flowscan.grammar.checks import check_references

__all__ = ["check_references", "load_pack", "parse_pack"]


def __getattr__(name: str) -> Any:
    if name in ("load_pack", "parse_pack"):
        from flowscan.grammar import parser

        return getattr(parser, name)
    raise AttributeError(f"module 'flowscan.grammar' has no attribute {name!r}")
