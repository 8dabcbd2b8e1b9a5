"""A headless station of a site, with the real core (Station, SiteSync, JobService),
for tests/test_site_sync.py (bench/site.py has its own: bench/site_station.py).

    python -m tests.site_station_child SITE_URL API_URL NAME serve [SYNC_INTERVAL]
        runs the station's background work; prints "syncer" / "follower" as its role
        changes and "synced N" after each sync it made, until killed.
    python -m tests.site_station_child SITE_URL API_URL NAME pack JOB_ID...
        also dispatches each job (reference PACK-<id>), then waits for every answer;
        prints "packed" and exits.

Each line is flushed at once: the parent reads them as they come.
"""

from __future__ import annotations

import asyncio
import sys

from packstation.api import ApiKey, SmartGiftClient
from packstation.config.settings import Settings
from packstation.sandbox import DEMO_KEY
from packstation.station import Station
from packstation.store.site_database import SiteDatabase
from packstation.sync.site_sync import SiteSync
from tests.gui import ANY_REFERENCE


def station(site: str, api: str, name: str, interval: float) -> Station:
    client = SmartGiftClient(api, ApiKey(DEMO_KEY), station=name)
    made = Station(api, client, lambda: SiteDatabase(site),
                   Settings(site_url=site, station_name=name, print_on_select=False,
                            delivery_methods=dict(ANY_REFERENCE)))
    sync = made.sync
    assert isinstance(sync, SiteSync)
    sync.interval = interval
    sync.watch_role(lambda syncer: print("syncer" if syncer else "follower", flush=True))
    return made


async def report_rounds(sync: SiteSync) -> None:
    seen = 0
    while True:
        if sync.job_sync.rounds != seen:
            seen = sync.job_sync.rounds
            print(f"synced {seen}", flush=True)
        await asyncio.sleep(0.01)


async def main(site: str, api: str, name: str, mode: str, rest: list[str]) -> None:
    # Every 2 s: often enough to see a thawed syncer sync alongside, and 30 a minute
    # leaves the key's budget room (a sync held back would only slow the test).
    interval = float(rest[0]) if mode == "serve" and rest else 2.0
    made = station(site, api, name, interval)
    sync = made.sync
    assert isinstance(sync, SiteSync)
    made.sender.start()
    sync.start()
    assert made.site is not None
    made.site.start()
    reporting = asyncio.ensure_future(report_rounds(sync))
    print("ready", flush=True)
    if mode == "serve":
        await asyncio.Event().wait()  # until killed
    ids = [int(job_id) for job_id in rest]
    for job_id in ids:
        job = await asyncio.to_thread(made.cache.get, job_id)
        assert job is not None, job_id
        outcome = await made.jobs.dispatch(job, f"PACK-{job.id}")
        assert outcome.ok, outcome.message

    def waiting() -> bool:
        return any(made.outbox.for_job(job_id) is not None for job_id in ids)

    while await asyncio.to_thread(waiting):  # the sender (and its retries) at work
        await asyncio.sleep(0.1)
    print("packed", flush=True)
    reporting.cancel()
    await made.aclose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]))
