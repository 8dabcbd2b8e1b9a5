"""Coroutines a widget starts, kept (a dropped task can vanish) and cancelled with it.

A task that fails is never silent: its traceback goes to the log, and the
widget's ``on_failure`` (the window: a red banner and the error sound) is told
in words.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

log = logging.getLogger(__name__)


class WidgetTasks:
    def __init__(self, on_failure: Callable[[str], None] | None = None) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self._on_failure = on_failure

    def run(self, work: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        failure = task.exception()
        if failure is None:
            return
        log.error("a task of the window failed", exc_info=failure)
        if self._on_failure is not None:
            self._on_failure(f"Something went wrong ({type(failure).__name__}: {failure}). "
                             "Nothing was lost; try again, and tell support if it repeats.")

    def cancel_all(self) -> None:
        """Nothing of a widget runs after it is gone."""
        for task in list(self._tasks):
            task.cancel()

    def __len__(self) -> int:
        return len(self._tasks)
