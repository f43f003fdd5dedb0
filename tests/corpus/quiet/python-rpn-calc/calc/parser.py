"""Tokenizer and shunting-yard parser for arithmetic expressions with variables and calls."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Iterator

TOKEN = re.compile(r"\s*(?:(?P<num>\d+(?:\.\d*)?)|(?P<name>[A-Za-z_]\w*)|(?P<op>\*\*|[-+*/%^(),]))")

PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "%": 2, "^": 3, "**": 3}
RIGHT_ASSOC = {"^", "**"}
FUNCTIONS = {"sqrt": math.sqrt, "log": math.log, "max": max, "min": min, "abs": abs}


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    pos: int


class ParseError(ValueError):
    pass


def tokenize(source: str) -> Iterator[Token]:
    pos = 0
    while pos < len(source):
        match = TOKEN.match(source, pos)
        if match is None:
            if source[pos:].strip() == "":
                return
            raise ParseError(f"unexpected character {source[pos]!r} at {pos}")
        kind = match.lastgroup or "op"
        yield Token(kind, match.group(kind), match.start(kind))
        pos = match.end()


def to_rpn(tokens: list[Token]) -> list[Token]:
    """Dijkstra's shunting-yard: infix tokens to reverse Polish notation."""
    output: list[Token] = []
    stack: list[Token] = []
    arity: list[int] = []
    for index, token in enumerate(tokens):
        if token.kind == "num":
            output.append(token)
        elif token.kind == "name":
            following = tokens[index + 1] if index + 1 < len(tokens) else None
            if following is not None and following.text == "(":
                stack.append(Token("call", token.text, token.pos))
                arity.append(1)
            else:
                output.append(token)
        elif token.text == ",":
            while stack and stack[-1].text != "(":
                output.append(stack.pop())
            if not arity:
                raise ParseError(f"comma outside a call at {token.pos}")
            arity[-1] += 1
        elif token.text == "(":
            stack.append(token)
        elif token.text == ")":
            while stack and stack[-1].text != "(":
                output.append(stack.pop())
            if not stack:
                raise ParseError(f"unbalanced ')' at {token.pos}")
            stack.pop()
            if stack and stack[-1].kind == "call":
                call = stack.pop()
                output.append(Token("call", f"{call.text}/{arity.pop()}", call.pos))
        else:
            while stack and stack[-1].text in PRECEDENCE:
                top = PRECEDENCE[stack[-1].text]
                mine = PRECEDENCE[token.text]
                if top > mine or (top == mine and token.text not in RIGHT_ASSOC):
                    output.append(stack.pop())
                else:
                    break
            stack.append(token)
    while stack:
        token = stack.pop()
        if token.text in "()":
            raise ParseError(f"unbalanced '(' at {token.pos}")
        output.append(token)
    return output


def describe(rpn: list[Token]) -> str:
    return " ".join(token.text for token in rpn)
