"""Building thousands of records without the cyclic GC stalling the app.

Jobs are acyclic: reference counting frees them. But while thousands are
built, the cyclic collector rescans the growing heap again and again, and the
first collection after them scans them all at once (~80-180 ms for 10,000
jobs, holding the GIL, so the UI thread stalls even when the work is in a
worker thread). So: pause the collector while building, then freeze what
exists, which takes it out of the collector's scans for good. Frozen objects
are still freed by reference counting when dropped; only cyclic garbage that
happens to exist at that instant would be kept (bulk builds are rare: start-up
and full refreshes).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

BULK = 200  # fewer records than this are built normally


@contextmanager
def building_many(count: int = BULK) -> Iterator[None]:
    if count < BULK:
        yield
        return
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if collecting:
            gc.enable()
