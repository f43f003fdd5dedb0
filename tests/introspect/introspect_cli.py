"""Running `flowscan` as a user does, for the introspection tests (imported by name: a conftest cannot be)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from attrs import frozen


@frozen
class Ran:
    code: int
    stdout: str
    stderr: str


def flowscan(*args: str, env: dict[str, str] | None = None) -> Ran:
    """`python -m flowscan ARGS` in a process of its own, as a user runs it."""
    done = subprocess.run([sys.executable, "-m", "flowscan", *args], capture_output=True, text=True,
                          timeout=120, env={**os.environ, **(env or {})})
    return Ran(done.returncode, done.stdout, done.stderr)


def flowscan_each(commands: Sequence[Sequence[str]]) -> list[Ran]:
    """Several `flowscan` runs side by side (each is mostly start-up and waiting on a server)."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(lambda args: flowscan(*args), commands))


def assert_refused(ran: Ran, expected: str, *secrets: str) -> None:
    """Exit 2, one line of words naming what is wrong, and no secret anywhere."""
    assert ran.code == 2, (ran.code, ran.stdout, ran.stderr)
    assert ran.stdout == ""
    assert ran.stderr.startswith("flowscan: ") and ran.stderr.count("\n") == 1, ran.stderr
    assert "Traceback" not in ran.stderr
    assert expected in ran.stderr, ran.stderr
    for secret in secrets:
        assert secret not in ran.stderr and secret not in ran.stdout, (secret, ran.stderr)
