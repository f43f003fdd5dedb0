"""Reading `.fsr` files: text → Pack, with every error found on the way.

    pack, errors = load_pack("rules/python/files.fsr")
    errors += check_references([pack, ...])   # once all packs are loaded

Errors are values (RuleError: path, 1-based line and column, message), sorted by
position; an exception out of here is a bug.
"""

from __future__ import annotations

from pathlib import Path

from flowscan.grammar.build import ToModel
from flowscan.grammar.checks import check_pack, check_references
from flowscan.grammar.model import Pack, RuleError
from flowscan.grammar.syntax import parse_tree

__all__ = ["check_references", "load_pack", "parse_pack"]


def parse_pack(text: str, path: str) -> tuple[Pack | None, list[RuleError]]:
    """The pack a rule file holds, and its syntax and semantic errors.

    References to defines are not checked here, as they may name defines of other
    packs: see check_references. With syntax errors the pack holds the rules and
    defines that parse; it is None only when nothing does.
    """
    # an editor may hand over the byte order mark and Windows line ends; neither is content
    text = text.removeprefix("\ufeff").replace("\r\n", "\n")
    tree, errors = parse_tree(text, path)
    if tree is None:
        return None, errors
    builder = ToModel(path)
    pack = builder.transform(tree)
    if errors and not (pack.rules or pack.defines or pack.name):
        return None, errors
    errors = errors + builder.errors + check_pack(pack)
    return pack, sorted(errors, key=lambda e: (e.line, e.column))


def load_pack(path: str | Path) -> tuple[Pack | None, list[RuleError]]:
    """parse_pack on a file; a file that cannot be read is an error at 1:1."""
    name = str(path)
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return None, [RuleError(name, 1, 1, f"not a UTF-8 text file (byte {error.start} is {error.object[error.start]:#x})")]
    except OSError as error:
        return None, [RuleError(name, 1, 1, f"cannot read the rule file: {error.strerror or error}")]
    return parse_pack(text, name)
