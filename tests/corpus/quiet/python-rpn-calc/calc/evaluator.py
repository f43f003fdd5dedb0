"""Evaluate RPN programs with variables, memoised by an LRU cache; commands for a REPL."""

from __future__ import annotations

import operator
from collections import OrderedDict
from typing import Callable

from calc.parser import FUNCTIONS, Token, describe, to_rpn, tokenize

BINARY: dict[str, Callable[[float, float], float]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
    "%": operator.mod, "^": operator.pow, "**": operator.pow,
}


class LRUCache:
    def __init__(self, capacity: int = 128) -> None:
        self.capacity = capacity
        self._items: OrderedDict[str, float] = OrderedDict()

    def get(self, key: str) -> float | None:
        if key not in self._items:
            return None
        self._items.move_to_end(key)
        return self._items[key]

    def set(self, key: str, value: float) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.capacity:
            self._items.popitem(last=False)

    def delete(self, key: str) -> None:
        self._items.pop(key, None)


class Evaluator:
    def __init__(self) -> None:
        self.variables: dict[str, float] = {"pi": 3.141592653589793, "e": 2.718281828459045}
        self.cache = LRUCache()

    def evaluate(self, source: str) -> float:
        key = source.strip()
        hit = self.cache.get(key)
        if hit is not None:
            return hit
        value = self._run(to_rpn(list(tokenize(source))))
        self.cache.set(key, value)
        return value

    def _run(self, rpn: list[Token]) -> float:
        stack: list[float] = []
        for token in rpn:
            if token.kind == "num":
                stack.append(float(token.text))
            elif token.kind == "name":
                value = self.variables.get(token.text)
                if value is None:
                    raise NameError(f"unknown variable {token.text}")
                stack.append(value)
            elif token.kind == "call":
                name, _, count = token.text.partition("/")
                args = [stack.pop() for _ in range(int(count))][::-1]
                stack.append(FUNCTIONS[name](*args))
            else:
                right, left = stack.pop(), stack.pop()
                stack.append(BINARY[token.text](left, right))
        if len(stack) != 1:
            raise ValueError(f"malformed program: {describe(rpn)}")
        return stack[0]


class Command:
    """One REPL line: `let x = expr`, `show`, or an expression."""

    def __init__(self, line: str) -> None:
        self.line = line.strip()

    def execute(self, evaluator: Evaluator) -> str:
        if self.line.startswith("let "):
            name, _, expr = self.line[4:].partition("=")
            evaluator.variables[name.strip()] = evaluator.evaluate(expr)
            evaluator.cache.delete(expr.strip())
            return f"{name.strip()} = {evaluator.variables[name.strip()]}"
        if self.line == "show":
            names = sorted(evaluator.variables, key=str.lower)
            return ", ".join(f"{n}={evaluator.variables[n]:g}" for n in names)
        return f"{evaluator.evaluate(self.line):g}"


def run_script(lines: list[str]) -> list[str]:
    evaluator = Evaluator()
    meaningful = filter(lambda raw: raw.strip() and not raw.lstrip().startswith("#"), lines)
    return list(map(lambda raw: Command(raw).execute(evaluator), meaningful))
