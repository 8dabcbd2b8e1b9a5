"""A station process for the crash test: dispatch a plan of jobs through the outbox.

    python -m tests.outbox_child DB_PATH API_URL PLAN_JSON

Idempotent by design, as the app is: a dispatch already confirmed (in the jobs
cache) is not saved again; everything saved is sent until the outbox is empty.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

from packstation.api import ApiKey, RateBudget, SmartGiftClient
from packstation.sandbox import DEMO_KEY
from packstation.store.database import Database
from packstation.store.jobs import JobCache
from packstation.store.outbox import DispatchOutbox
from packstation.sync.outbox_sender import OutboxSender


async def main(db_path: str, url: str, plan_path: str) -> int:
    plan = {int(k): v for k, v in json.loads(Path(plan_path).read_text()).items()}
    db = Database(db_path)
    cache, outbox = JobCache(db), DispatchOutbox(db)
    for job_id, tracking in plan.items():
        done = cache.get(job_id)
        if done is not None and done.status == "dispatched" \
                and done.tracking_reference == tracking:
            continue
        outbox.add(job_id, "dispatched", tracking)
    async with SmartGiftClient(url, ApiKey(DEMO_KEY), budget=RateBudget(),
                               max_retries=0) as client:
        sender = OutboxSender(client, outbox, cache, backoff=0.05, max_backoff=0.5)
        await sender.drain(deadline=time.time() + 120)
    return 0 if len(outbox) == 0 else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main(*sys.argv[1:4])))
