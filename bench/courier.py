"""Booking the courier, as a ratio to bare httpx calls doing the same exchanges.

- slots: ``CourierDesk.slots(job)`` (the body built from the job and settings, the answer
  read as hostile) against a bare POST of the same availability body + ``json.loads``.
- book: ``CourierDesk.book(job, slot)`` (the booking written before it is sent and settled
  after, the create, the dispatch saved in the outbox and its PUT answered) against a
  bare POST /jobs and a bare PUT of the dispatch, one after the other. The handover
  label is left out (printing has its own benchmark, bench/print_job.py).

Both against the sandbox and its courier stand-in on loopback, interleaved, in the same
run. Goal: at most 1.5x for slots. A booking pays for three commits (written before it
is sent, settled after, the dispatch saved): a few ms over the floor, never a wait the
packer notices.

    .venv/bin/python bench/courier.py [--rounds 30]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from packstation.api import ApiKey, Job, RateBudget, SmartGiftClient
from packstation.config.courier import DEMO_COLLECTION, CourierSettings
from packstation.config.delivery import DeliveryMethod, Tracking
from packstation.config.settings import Settings
from packstation.courier.client import CourierClient
from packstation.courier.desk import CourierDesk, window
from packstation.courier.models import CourierKey, availability_body
from packstation.job_service import Outcome
from packstation.sandbox import DEMO_KEY, SandboxServer
from packstation.sandbox.lastmile import LASTMILE_DEMO_KEY, LastMileServer
from packstation.station import Station
from packstation.store.courier_bookings import CourierBookings
from packstation.store.database import Database

METHOD = DeliveryMethod("Gift Envelope", Tracking.INTERNAL, courier=True,
                        courier_comment="Gift for {recipient}, order {order}")


async def no_label(job: Job, courier_job_id: str) -> Outcome:
    return Outcome(True, "")


async def run(rounds: int) -> dict[str, tuple[float, float]]:
    with SandboxServer(pdf_delay=0, jobs=rounds * 4 + 40, seed=3, rate_limit=10**9) as sandbox, \
            LastMileServer(rate_limit=10**9) as courier, tempfile.TemporaryDirectory() as tmp:
        settings = Settings(print_on_select=False, continuous_packing=False,
                            delivery_methods={"Gift Envelope": METHOD},
                            courier=CourierSettings(api_url=courier.base_url,
                                                    collection=DEMO_COLLECTION))
        client = SmartGiftClient(sandbox.base_url, ApiKey(DEMO_KEY),
                                 budget=RateBudget(limit=10**9))
        station = Station(sandbox.base_url, client, Database(Path(tmp) / "db.sqlite3"),
                          settings)
        await station.sync.sync_once()
        station.sender.start()
        courier_client = CourierClient(courier.base_url, CourierKey(LASTMILE_DEMO_KEY),
                                       budget=RateBudget(limit=10**9))
        async def dispatch(job: Job, courier_job_id: str, replace: bool) -> Outcome:
            return await station.jobs.dispatch(job, courier_job_id, replace=replace)

        desk = CourierDesk(lambda: courier_client, CourierBookings(station.db),
                           lambda: settings.courier, station.delivery_method,
                           lambda job: settings.leave_by_rule().leave_by(job),
                           dispatch, no_label, station.sign_in.attribution)
        jobs = [j for j in station.cache.load(["pending"])
                if j.delivery_method_name == "Gift Envelope"]
        assert len(jobs) >= rounds + 2, f"only {len(jobs)} courier jobs"
        times: dict[str, list[tuple[float, float]]] = {"slots": [], "book": []}
        headers = {"x-api-key": LASTMILE_DEMO_KEY}
        async with httpx.AsyncClient() as bare:
            for i, job in enumerate(jobs[:rounds + 2]):
                start, end = window(settings.leave_by_rule().leave_by(job),
                                    desk._now())  # the same window the desk asks
                body = availability_body(job, settings.courier, start, end)
                started = time.perf_counter()
                answer = await bare.post(f"{courier.base_url}/jobs/availability/v2",
                                         json=body, headers=headers)
                slots_floor = time.perf_counter() - started
                offered = json.loads(answer.content)
                started = time.perf_counter()
                slots = await desk.slots(job)
                slots_ours = time.perf_counter() - started
                assert len(slots) == len(offered) > 1
                # The floor's booking takes another job's slot: the stand-in does not mind.
                started = time.perf_counter()
                made = await bare.post(f"{courier.base_url}/jobs", headers=headers, json={
                    "slot_id": offered[1]["id"], "client_reference": f"bare-{i}",
                    "recipient": {"name": "Floor"},
                    "payment_info": {"currency_code": "GBP", "prices": {"order_value": 1}}})
                other = jobs[-1 - i]
                put = await bare.put(f"{sandbox.base_url}/fulfilment/jobs/{other.id}",
                                     headers={"Smart-Auth": DEMO_KEY},
                                     json={"status": "dispatched",
                                           "tracking_reference": made.json()["job_id"]})
                book_floor = time.perf_counter() - started
                assert put.status_code == 200
                started = time.perf_counter()
                booked = await desk.book(job, slots[0])
                book_ours = time.perf_counter() - started
                assert booked.dispatched.ok, booked.dispatched.message
                if i >= 2:  # two warm-up rounds, not counted
                    times["slots"].append((slots_floor, slots_ours))
                    times["book"].append((book_floor, book_ours))
        await courier_client.aclose()
        await station.aclose()
    return {k: (statistics.median(f for f, _ in v), statistics.median(o for _, o in v))
            for k, v in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    for what, (floor, ours) in asyncio.run(run(args.rounds)).items():
        print(f"{what}: bare httpx {floor * 1000:.1f} ms, packstation {ours * 1000:.1f} ms "
              f"(medians of {args.rounds}); ratio {ours / floor:.2f}x")
    print("goal: slots <= 1.5x; book: the commits' few ms over the floor")


if __name__ == "__main__":
    main()
