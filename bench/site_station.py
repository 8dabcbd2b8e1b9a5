"""One headless packing station of bench/site.py: the real core (Station, SiteSync,
JobService, PdfSource, the site's budget), its packer scripted.

    python bench/site_station.py SITE_URL API_URL NAME SECONDS_PER_JOB

Every SECONDS_PER_JOB it takes the next job no other station holds (claims), gets its
voucher PDFs as a print would (this PC's disk, the site's store, else Smart Gift) and
dispatches it with a tracking reference. Prints one JSON line per event, flushed:
  {"e": "syncer"|"follower"}                     its role changed
  {"e": "dispatch", "job": ID, "t": epoch}       the packer's scan (saved, sending)
  {"e": "confirmed", "job": ID, "t": epoch}      Smart Gift confirmed it (stored)
  {"e": "seen", "job": ID, "t": epoch}           another station's dispatch reached here
  {"e": "idle"}                                  no job left to take
SIGTERM: no new job; what is saved is sent, then "done" and exit.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from packstation.api import ApiKey, Job, SmartGiftClient
from packstation.config.settings import Settings
from packstation.sandbox import DEMO_KEY
from packstation.station import Station
from packstation.store.jobs import JobChange
from packstation.store.site_database import SiteDatabase
from packstation.sync.outbox_sender import OutboxEvent, SendOutcome
from packstation.sync.site_sync import SiteSync


def say(event: str, **fields: object) -> None:
    print(json.dumps({"e": event, **fields}), flush=True)


async def main(site: str, api: str, name: str, every: float) -> None:
    stopping = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stopping.set)
    station = Station(api, SmartGiftClient(api, ApiKey(DEMO_KEY), station=name),
                      lambda: SiteDatabase(site),
                      Settings(site_url=site, station_name=name, print_on_select=False))
    sync = station.sync
    assert isinstance(sync, SiteSync)
    await asyncio.to_thread(sync.prime)
    mine: set[int] = set()

    def changed(changes: list[JobChange]) -> None:
        now = time.time()
        for change in changes:
            if change.job.status == "dispatched" and change.old_status == "pending" \
                    and change.job.id not in mine:
                say("seen", job=change.job.id, t=now, m=time.monotonic())

    def sent(event: OutboxEvent) -> None:
        if event.outcome is SendOutcome.DONE:
            say("confirmed", job=event.entry.job_id, t=time.time())

    sync.subscribe(changed)
    sync.watch_role(lambda syncer: say("syncer" if syncer else "follower"))
    station.watch_sending(sent)
    assert station.site is not None
    station.site.own_sender.subscribe(sent)
    sync.start()
    station.sender.start()
    station.claim_keeper.start()
    station.site.start()
    say("ready")
    next_at = time.monotonic()
    while not stopping.is_set():
        queue = await asyncio.to_thread(station.cache.load, ["pending"])
        job = await station.jobs.take_next([j for j in queue if j.id not in mine])
        if job is None:
            say("idle")
        else:
            await pack(station, job, name, mine)
        next_at += every
        try:
            async with asyncio.timeout(max(0.0, next_at - time.monotonic())):
                await stopping.wait()
        except TimeoutError:
            pass
    # Stopped: what this bench saved is sent, and what a killed bench left leased is sent
    # by someone once its lease runs out (a few minutes at most).
    give_up = time.monotonic() + 300

    def waiting() -> bool:
        return station.outbox.counts()[0] > 0 or any(station.outbox.for_job(j) for j in mine)

    while time.monotonic() < give_up and await asyncio.to_thread(waiting):
        await asyncio.sleep(0.5)
    say("done")
    await station.aclose()


async def pack(station: Station, job: Job, name: str, mine: set[int]) -> None:
    say("take", job=job.id, t=time.time())
    try:
        await station.pdfs.merged_for(job)  # what its print needs
    except Exception as exc:  # a PDF not made yet: packed all the same, said
        say("pdf-problem", job=job.id, why=str(exc)[:100])
    mine.add(job.id)
    say("dispatch", job=job.id, t=time.time())
    outcome = await station.jobs.dispatch(job, f"SITE{job.id:06d}{name[-2:]}")
    if not outcome.ok:
        say("refused", job=job.id, why=outcome.message[:200])


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])))
