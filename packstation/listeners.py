"""Who is told when something happens: the window, a dialog, a test."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Listeners(Generic[T]):
    def __init__(self, *first: Callable[[T], None]) -> None:
        self._listeners: list[Callable[[T], None]] = list(first)

    def subscribe(self, listener: Callable[[T], None]) -> None:
        self._listeners.append(listener)

    def unsubscribe(self, listener: Callable[[T], None]) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def tell(self, event: T) -> None:
        for listener in list(self._listeners):  # one may unsubscribe while told
            listener(event)
