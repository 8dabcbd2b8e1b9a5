"""A station process on a site: send whatever the shared outbox holds, or hold a lease
and wait to be killed.

    python -m tests.site_sender_child SITE_URL API_URL drain
    python -m tests.site_sender_child SITE_URL API_URL hold JOB_ID REFERENCE
"""

from __future__ import annotations

import asyncio
import sys

from packstation.api import ApiKey, RateBudget, SmartGiftClient
from packstation.sandbox import DEMO_KEY
from packstation.store.jobs import JobCache
from packstation.store.outbox import DispatchOutbox
from packstation.store.site_database import SiteDatabase
from packstation.sync.outbox_sender import OutboxSender

GO = 7_303_517


async def drain(site: str, api: str) -> None:
    db = SiteDatabase(site, migrate=False)
    print("ready", flush=True)
    db.execute("SELECT pg_advisory_lock_shared(?)", (GO,))
    async with SmartGiftClient(api, ApiKey(DEMO_KEY), budget=RateBudget(limit=10_000),
                               max_retries=0) as client:
        await OutboxSender(client, DispatchOutbox(db), JobCache(db)).drain()
    print("done", flush=True)


def hold(site: str, job_id: int, reference: str) -> None:
    outbox = DispatchOutbox(SiteDatabase(site, migrate=False))
    outbox.add_leased(job_id, "dispatched", reference, lease=60.0)
    print("held", flush=True)
    sys.stdin.read()  # killed here, mid-dispatch: its request never sent


if __name__ == "__main__":
    if sys.argv[3] == "drain":
        asyncio.run(drain(sys.argv[1], sys.argv[2]))
    else:
        hold(sys.argv[1], int(sys.argv[4]), sys.argv[5])
