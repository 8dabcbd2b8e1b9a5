"""A station whose disk fills as a packer's dispatch is committed (run apart: the file
size limit is the process's, and pytest's own capture files would hit it too).

    python -m tests.disk_full_child DB_PATH API_URL

Prints one JSON line: what the packer was told, and what is in the outbox and cache.
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys

from packstation.api import ApiKey, RateBudget, SmartGiftClient
from packstation.config.settings import Settings
from packstation.sandbox import DEMO_KEY
from packstation.station import Station
from packstation.store.database import Database
from tests.gui import ANY_REFERENCE


async def main(db_path: str, url: str) -> None:
    client = SmartGiftClient(url, ApiKey(DEMO_KEY), budget=RateBudget(), max_retries=0)
    station = Station(url, client, Database(db_path),
                      Settings(print_on_select=False, delivery_methods=dict(ANY_REFERENCE)))
    await station.sync.sync_once()
    job = station.cache.load(["pending"])[0]
    handler = station.scan_handler()
    station.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (16, hard))  # the disk is full
    try:
        begun = handler.begin("OWN-REF-77", job)
        await asyncio.wait([begun.read])
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    outcome = await handler.finish(begun)
    # The early send, withdrawn or answered (it is the sender's own task: no public handle).
    await asyncio.gather(*list(station.sender._first), return_exceptions=True)
    cached = station.cache.get(job.id)
    print(json.dumps({"job": job.id, "ok": outcome.ok, "told": outcome.message,
                      "ref": cached.tracking_reference if cached else None,
                      "outbox": station.outbox.for_job(job.id) is not None,
                      "cached": cached.status if cached else None}))
    await station.aclose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
