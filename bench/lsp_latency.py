"""Diagnostics latency of the language server as an editor sees it.

Usage:
    .venv/bin/python bench/lsp_latency.py [--lines 3000] [--edits 200] [--rules PATH ...]
                                          [--no-builtin] [--seed 7] [--server CMD ...]

Starts the real server (`python -m flowscan lsp`, or `--server`) over stdio, opens a
generated Python file of `--lines` lines (functions that read with pandas, query with
psycopg2 and call APIs with requests, as an ETL module does), then applies `--edits`
small edits one after the other (typing a character into a literal or a name, deleting
one, changing a number) and prints the time from sending each `didChange` to receiving
the `publishDiagnostics` for that version (its bytes received, before the client parses
them): median (p50), p95 and max, in milliseconds, plus the time of the first diagnostics
after `didOpen` (a cold, whole-file analysis).

The edits are inside function bodies, where typing mostly happens: the server then
re-analyses only the definitions an edit touched (flowscan.lsp.regions). An edit to the
imports or other module-level statements, or one that leaves a syntax error reshaping the
whole module, is analysed whole and costs about what the first diagnostics did.

Rules are the built-in packs (as an editor gets them) unless `--no-builtin`/`--rules`
say otherwise. The client is a small JSON-RPC client written here, so that nothing but
the server is measured.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

TABLES = ("orders", "customers", "payments", "events", "sales", "refunds", "invoices")


def generate(lines: int, seed: int) -> str:
    """A realistic ETL module: pandas reads and writes, psycopg2 queries and inserts, HTTP calls."""
    rnd = random.Random(seed)
    out = [
        '"""Nightly jobs: extract from the warehouse and partner APIs, load the marts."""',
        "import os",
        "import logging",
        "",
        "import pandas as pd",
        "import psycopg2",
        "import requests",
        "",
        "log = logging.getLogger(__name__)",
        "API = os.environ.get('PARTNER_API', 'https://partner.example.com')",
        "",
        "",
    ]
    n = 0
    while len(out) < lines:
        n += 1
        table = rnd.choice(TABLES)
        shape = n % 5
        if shape == 0:
            out += [
                f"def load_{table}_{n}(path, day):",
                f'    """Read the {table} export of one day and keep it as Parquet."""',
                f"    frame = pd.read_csv(path + '/{table}.csv', sep=';')",
                "    frame = frame[frame['day'] == day]",
                f"    frame['total'] = frame['amount'] * {n % 7 + 1}",
                f"    frame.to_parquet('lake/{table}/{n}.parquet')",
                "    return frame",
            ]
        elif shape == 1:
            out += [
                f"def fetch_{table}_{n}(conn, day):",
                "    cur = conn.cursor()",
                f'    cur.execute("SELECT id, total FROM {table} WHERE day = %s", (day,))',
                "    rows = cur.fetchall()",
                f"    log.info('fetched %d {table}', len(rows))",
                "    return rows",
            ]
        elif shape == 2:
            out += [
                f"def call_partner_{n}(token):",
                f"    resp = requests.get(API + '/{table}', headers={{'Authorization': token}}, timeout=10)",
                "    resp.raise_for_status()",
                "    payload = resp.json()",
                "    return [item for item in payload if item.get('ok')]",
            ]
        elif shape == 3:
            out += [
                f"def store_{table}_{n}(rows):",
                "    conn = psycopg2.connect(os.environ['DATABASE_URL'])",
                "    with conn.cursor() as cur:",
                f'        cur.executemany("INSERT INTO {table} (id, total) VALUES (%s, %s)", rows)',
                "    conn.commit()",
                "    conn.close()",
            ]
        else:
            out += [
                f"def summarize_{n}(frame):",
                "    grouped = frame.groupby('customer_id').agg({'total': 'sum'})",
                f"    grouped = grouped[grouped['total'] > {n}]",
                "    return grouped.reset_index()",
            ]
        out += ["", ""]
    return "\n".join(out[:lines]) + "\n"


class Client:
    """Just enough JSON-RPC over stdio: requests with ids, notifications, one reader thread."""

    def __init__(self, command: list[str], cwd: str) -> None:
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=cwd
        )
        self.messages: queue.Queue[tuple[float, dict[str, Any]]] = queue.Queue()
        self._next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        while True:
            length = 0
            while True:
                line = stream.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode().partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            body = stream.read(length)
            # received when its bytes are in: what the client then does with them is not the server's time
            received = time.perf_counter()
            self.messages.put((received, json.loads(body)))

    def send(self, message: dict[str, Any]) -> float:
        body = json.dumps(message).encode()
        assert self.process.stdin is not None
        sent = time.perf_counter()
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()
        return sent

    def notify(self, method: str, params: Any) -> float:
        return self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method: str, params: Any, timeout: float = 60) -> Any:
        self._next_id += 1
        request_id = self._next_id
        self.send({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params})
        message = self.wait(lambda m: m.get("id") == request_id and "method" not in m, timeout)[1]
        if "error" in message:
            raise RuntimeError(message["error"])
        return message.get("result")

    def wait(self, wanted: Any, timeout: float = 60) -> tuple[float, dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("the server did not answer in time")
            received, message = self.messages.get(timeout=remaining)
            if "method" in message and "id" in message:
                # a request from the server (progress, registration, configuration): answer it
                self.send({"jsonrpc": "2.0", "id": message["id"], "result": None})
            if wanted(message):
                return received, message

    def diagnostics(self, uri: str, version: int, timeout: float = 120) -> tuple[float, dict[str, Any]]:
        return self.wait(
            lambda m: m.get("method") == "textDocument/publishDiagnostics"
            and m["params"]["uri"] == uri
            and m["params"].get("version") == version,
            timeout,
        )

    def close(self) -> None:
        try:
            self.request("shutdown", None, timeout=10)
            self.notify("exit", None)
            self.process.wait(timeout=10)
        except Exception:
            self.process.kill()


def edits(text: str, count: int, seed: int) -> list[tuple[int, int, int, int, str]]:
    """`count` small edits as (line, start, line, end, new text), each undone by the next.

    Odd edits type a character into the first string or number of a random line; even
    ones delete it again, so the file stays the realistic one it started as.
    """
    rnd = random.Random(seed)
    lines = text.split("\n")
    candidates = [i for i, line in enumerate(lines) if "(" in line and line.startswith("    ")]
    out = []
    for _ in range(count // 2):
        row = rnd.choice(candidates)
        line = lines[row]
        column = next((i + 1 for i, c in enumerate(line) if c in "'\""), len(line) // 2)
        out.append((row, column, row, column, "x"))
        out.append((row, column, row, column + 1, ""))
    return out[:count]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=3000)
    parser.add_argument("--edits", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rules", action="append", default=[], help="extra rule file or folder")
    parser.add_argument("--no-builtin", action="store_true", help="do not load the built-in rules")
    parser.add_argument("--server", nargs="+", default=[sys.executable, "-m", "flowscan", "lsp"])
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="flowscan-lsp-bench-") as workspace:
        root = Path(workspace)
        text = generate(args.lines, args.seed)
        path = root / "jobs.py"
        path.write_text(text)
        uri = path.as_uri()
        client = Client(args.server, workspace)
        try:
            settings = {"workspaceScan": False, "builtinRules": not args.no_builtin,
                        "rules": [os.path.abspath(p) for p in args.rules]}  # fmt: skip
            client.request(
                "initialize",
                {"processId": os.getpid(), "rootUri": root.as_uri(), "capabilities": {},
                 "initializationOptions": {"flowscan": settings}},  # fmt: skip
            )
            client.notify("initialized", {})
            sent = client.notify(
                "textDocument/didOpen",
                {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}},
            )
            received, message = client.diagnostics(uri, 1)
            cold = (received - sent) * 1000
            findings = len(message["params"]["diagnostics"])
            latencies = []
            for version, (line, start, end_line, end, new) in enumerate(edits(text, args.edits, args.seed), start=2):
                change = {"range": {"start": {"line": line, "character": start},
                                    "end": {"line": end_line, "character": end}}, "text": new}  # fmt: skip
                sent = client.notify(
                    "textDocument/didChange",
                    {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]},
                )
                received, _ = client.diagnostics(uri, version)
                latencies.append((received - sent) * 1000)
        finally:
            client.close()

    print(f"file: {args.lines} lines, {findings} diagnostics; first diagnostics after didOpen: {cold:.1f} ms")
    print(f"{len(latencies)} edits, didChange → publishDiagnostics:")
    print(f"  p50 {statistics.median(latencies):.1f} ms   p95 {percentile(latencies, 0.95):.1f} ms"
          f"   max {max(latencies):.1f} ms   (target p95 ≤ 30 ms)")  # fmt: skip
    slow = sum(1 for latency in latencies if latency > 30)
    print(f"  {slow} of {len(latencies)} edits over 30 ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
