"""Coroutines a widget starts, kept (a dropped task can vanish) and cancelled with it."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any


class WidgetTasks:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def run(self, work: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def cancel_all(self) -> None:
        """Nothing of a widget runs after it is gone."""
        for task in list(self._tasks):
            task.cancel()

    def __len__(self) -> int:
        return len(self._tasks)
