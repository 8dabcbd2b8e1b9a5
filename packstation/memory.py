"""Building thousands of records without the cyclic GC stalling the app.

Jobs are acyclic: reference counting frees them. But while thousands are
built, the cyclic collector would rescan the growing heap again and again; so
the collector is paused while building (:func:`building_many`) and resumed
after. Nothing built is frozen out of the collector for good: ``gc.freeze()``
after every bulk build kept any cycle alive at that instant (a closed dialog,
a finished task) from ever being collected.

What is frozen is what exists once the app has started (:func:`settle`): the
modules, classes and functions of Qt, httpx and ours, which live as long as
the process. A full collection then scans only what the app made since, so
with 5,000 jobs in memory it stays well under the loop's 50 ms.

While records are built (in a worker), threads hand the GIL over every 0.5 ms
instead of 5: the UI thread gets its turns.
"""

from __future__ import annotations

import gc
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

BULK = 200  # fewer records than this are built normally
SWITCH_WHILE_BUILDING = 0.0005  # seconds a thread may hold the GIL while records are built
_DEFAULT_SWITCH = sys.getswitchinterval()

_pausing = threading.Lock()
_paused = 0  # builds in progress (a sync and a queue load can overlap)
_enable_after = False  # the collector was on before the first of them


@contextmanager
def building_many(count: int = BULK) -> Iterator[None]:
    """The cyclic collector paused while ``count`` records are built (or stored), then
    resumed; meanwhile threads hand the GIL over every 0.5 ms."""
    global _paused, _enable_after
    if count < BULK:
        yield
        return
    with _pausing:
        if _paused == 0:
            _enable_after = gc.isenabled()
            gc.disable()
            # The UI thread needs the GIL several times for one turn of its loop; at the
            # default 5 ms a turn waited 30-50 ms behind a worker building records.
            sys.setswitchinterval(SWITCH_WHILE_BUILDING)
        _paused += 1
    try:
        yield
    finally:
        with _pausing:
            _paused -= 1
            if _paused == 0:
                sys.setswitchinterval(_DEFAULT_SWITCH)
                if _enable_after:
                    gc.enable()


def settle() -> None:
    """Once, when the app has started: what exists now lives as long as the process."""
    gc.collect()
    gc.freeze()
