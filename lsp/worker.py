"""The analysis thread: every parse, query and rule compilation runs here, one at a time.

tree-sitter parsers are shared per language in this process and are not thread-safe,
and the event loop must stay free to read the next message while a file is analysed.
Jobs run by priority (requests first, then open documents, then the background
workspace scan), first come first served within one; a job that raises fails its own
future and nothing else.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")

REQUEST = 0
DOCUMENT = 1
BACKGROUND = 2


class Worker:
    def __init__(self, name: str = "flowscan-analysis") -> None:
        self._queue: list[tuple[int, int, Callable[[], Any], Future[Any]]] = []
        self._order = itertools.count()
        self._wake = threading.Condition()
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, job: Callable[[], T], priority: int = REQUEST) -> Future[T]:
        future: Future[T] = Future()
        with self._wake:
            if self._stopped:
                future.set_exception(RuntimeError("the analysis thread has stopped"))
                return future
            heapq.heappush(self._queue, (priority, next(self._order), job, future))
            self._wake.notify()
        return future

    def stop(self) -> None:
        with self._wake:
            self._stopped = True
            pending, self._queue = self._queue, []
            self._wake.notify()
        for *_, future in pending:
            future.cancel()

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._queue and not self._stopped:
                    self._wake.wait()
                if self._stopped:
                    return
                _, _, job, future = heapq.heappop(self._queue)
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(job())
            except BaseException as error:  # a bug in one job must not end the thread
                log.exception("analysis job failed")
                future.set_exception(error)
