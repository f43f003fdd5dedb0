"""`.env` files (`.env`, `.env.example`, `.env.production`, `app.env`): one field per variable.

The syntax is python-dotenv's, which docker compose also follows: `export` prefixes,
`KEY = value` with blanks, single quotes taken literally, double quotes with escapes,
both able to span lines (PEM keys), `#` comments after a blank, a bare `KEY` meaning
"unset". A line that is none of these is a Problem at its line and column: a typo in
`.env` silently loses a setting at run time, so it is worth saying.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import PurePosixPath

from attrs import frozen

from flowscan.catalog.files import CatalogFile, Unreadable
from flowscan.catalog.model import Field, Item, Origin, Part, Problem, Relationship
from flowscan.catalog.readers.infra_values import named_datasets, stored_value

SOURCE = "dotenv"
_KEY = re.compile(r"[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_.-]*)[ \t]*")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "$": "$"}


def claims(file: CatalogFile) -> bool:
    display_path = file.display_path
    name = PurePosixPath(display_path).name
    return name == ".env" or (name.startswith(".env.") and not name.endswith((".py", ".sh", ".js", ".ts"))) \
        or (name.endswith(".env") and len(name) > 4)


@frozen
class Variable:
    key: str
    #: None for a bare `KEY` (declared, not set)
    value: str | None
    line: int


def read(files: Sequence[CatalogFile]) -> Part:
    items: list[Item] = []
    relationships: list[Relationship] = []
    problems: list[Problem] = []
    for file in files:
        try:
            text = file.text()
        except Unreadable as error:
            problems.append(error.problem)
            continue
        variables, trouble = parse(text, file)
        problems += trouble
        item = Item("config", file.display_path, (Origin(SOURCE, file.display_path, 1),),
                    tuple(Field(v.key, default=_one_line(stored_value(v.key, v.value)), line=v.line) for v in variables),
                    facts=(("format", "dotenv"), ("variables", str(len(variables)))))
        items.append(item)
        for variable in variables:
            relationships += [Relationship(item.id, named.target, "configures",
                                           Origin(SOURCE, file.display_path, variable.line), variable.key)
                              for named in named_datasets(variable.key, variable.value)]
    return Part(tuple(items), tuple(relationships), tuple(problems))


def parse(text: str, file: CatalogFile) -> tuple[list[Variable], list[Problem]]:
    variables: list[Variable] = []
    problems: list[Problem] = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        number = index + 1
        index += 1
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        key = _KEY.match(line)
        if key is None:
            # the line itself is not echoed: a mistyped `PASSWORD hunter2` must not reach the output
            column = len(line) - len(line.lstrip()) + 1
            problems.append(file.problem("expected KEY=value", number, column))
            continue
        rest = line[key.end():]
        if not rest.strip() or rest.lstrip().startswith("#"):
            variables.append(Variable(key.group(1), None, number))  # a bare KEY: declared, unset
            continue
        if not rest.startswith("="):
            problems.append(file.problem(f"expected `=` after `{key.group(1)}`", number, key.end() + 1))
            continue
        value, consumed, problem = _value(lines, index - 1, key.end() + 1, file)
        index += consumed
        if problem is not None:
            problems.append(problem)
            continue
        variables.append(Variable(key.group(1), value, number))
    return variables, problems


def _value(lines: list[str], index: int, start: int, file: CatalogFile) -> tuple[str | None, int, Problem | None]:
    """The value starting at column `start` of line `index`, the extra lines it took, or a Problem."""
    line = lines[index]
    rest = line[start:].lstrip(" \t")
    column = len(line) - len(rest) + 1
    if not rest.startswith(("'", '"')):
        comment = re.search(r"[ \t]#", rest)
        return (rest[: comment.start()] if comment else rest).rstrip(), 0, None
    quote = rest[0]
    text = rest[1:]
    pieces: list[str] = []
    consumed = 0
    while True:
        end, piece = _until_quote(text, quote)
        pieces.append(piece)
        if end is not None:
            after = text[end + 1:].strip()
            if after and not after.startswith("#"):
                return None, consumed, file.problem("unexpected text after the closing quote",
                                                    index + 1 + consumed, len(lines[index + consumed]) - len(after) + 1)
            return "".join(pieces), consumed, None
        consumed += 1
        if index + consumed >= len(lines):
            # resume on the next line, as python-dotenv does: one bad quote costs one variable
            return None, 0, file.problem(f"unterminated {'single' if quote == chr(39) else 'double'}-quoted value",
                                                    index + 1, column)
        pieces.append("\n")
        text = lines[index + consumed]


def _until_quote(text: str, quote: str) -> tuple[int | None, str]:
    """Where the closing `quote` is in `text` (None: not on this line), and the value before it."""
    if quote == "'":
        end = text.find("'")
        return (end, text[:end]) if end != -1 else (None, text)
    out: list[str] = []
    position = 0
    while position < len(text):
        char = text[position]
        if char == "\\" and position + 1 < len(text):
            following = text[position + 1]
            out.append(_ESCAPES.get(following, "\\" + following))
            position += 2
            continue
        if char == '"':
            return position, "".join(out)
        out.append(char)
        position += 1
    return None, "".join(out)


def _one_line(value: str | None) -> str | None:
    """A multi-line value shown as a double-quoted .env would write it, so every output keeps one line per field."""
    if value is None or "\n" not in value:
        return value
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")
