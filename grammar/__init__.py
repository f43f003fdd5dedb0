"""The rule language: the Lark grammar of `.fsr` files and its typed parse."""

from flowscan.grammar.parser import check_references, load_pack, parse_pack

__all__ = ["check_references", "load_pack", "parse_pack"]
