"""Start-up and sync costs of the jobs cache, each against a floor from the same run.

1. Reading 10,000 cached jobs into Job objects, against a bare SELECT +
   json.loads of the same rows (goal: at most 2x).
2. How long an incremental sync of 10 changed jobs among 10,000 holds the
   event loop: the longest gap between ticks of a 1 ms ticker while it runs
   (goal: under 20 ms), beside the ticker's own gap with nothing running.

    .venv/bin/python bench/store_load.py [--jobs 10000] [--rounds 7]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from loopgap import longest_gap  # bench/ is on sys.path when run as a script

from packstation.api import ApiKey, RateBudget, SmartGiftClient
from packstation.sandbox import DEMO_KEY
from packstation.store.database import Database
from packstation.store.jobs import JobCache
from packstation.sync.job_sync import JobSync


def load_times(db: Database, rounds: int) -> tuple[float, float, int]:
    cache = JobCache(db)
    floors, ours = [], []
    count = 0
    for i in range(rounds + 1):
        started = time.perf_counter()
        rows = db.execute("SELECT body FROM jobs ORDER BY received_at, id").fetchall()
        bodies = [json.loads(row[0]) for row in rows]
        floor = time.perf_counter() - started
        started = time.perf_counter()
        jobs = cache.load()
        mine = time.perf_counter() - started
        assert len(jobs) == len(bodies)
        count = len(jobs)
        if i:
            floors.append(floor)
            ours.append(mine)
    return statistics.median(floors), statistics.median(ours), count


@contextmanager
def sandbox_process(jobs: int) -> Iterator[str]:
    """The sandbox in its own process, as the real service is: it must not share our GIL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "packstation", "sandbox", "--port", str(port),
                             "--jobs", str(jobs), "--seed", "9", "--pdf-delay", "0",
                             "--rate-limit", "1000000"], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        proc.stdout.readline()  # the banner: it is listening
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


async def sync_hold(url: str, folder: Path) -> tuple[float, float, int]:
    async with SmartGiftClient(url, ApiKey(DEMO_KEY), budget=RateBudget()) as client:
        cache = JobCache(Database(folder / "sync.sqlite3"))
        sync = JobSync(client, cache)
        all_jobs = await client.list_jobs()  # every job cached, not only pending
        await asyncio.to_thread(cache.store, all_jobs.items, time.time())
        await sync.sync_once()  # first (full) sync: sets the watermark
        pending = [j.id for j in all_jobs.items if j.status == "pending"][:10]
        for job_id in pending:  # another station cancels ten jobs
            await client.update_job(job_id, "cancelled")
        idle = await longest_gap(None, 0.3)
        task = asyncio.ensure_future(sync.sync_once())
        held = await longest_gap(task)
        changes = task.result()
        assert isinstance(changes, list)
        return idle, held, len(changes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db = Database(folder / "load.sqlite3")
        with sandbox_process(args.jobs) as url:
            async def fetch() -> None:
                async with SmartGiftClient(url, ApiKey(DEMO_KEY),
                                           budget=RateBudget(limit=10**6)) as client:
                    JobCache(db).store((await client.list_jobs()).items, time.time())
            asyncio.run(fetch())
            floor, ours, count = load_times(db, args.rounds)
            print(f"load {count} cached jobs: SELECT + json.loads {floor * 1000:.0f} ms, "
                  f"JobCache.load {ours * 1000:.0f} ms (medians of {args.rounds}; "
                  "JobCache pauses the cyclic GC while it builds)")
            print(f"ratio: {ours / floor:.2f}x (goal <= 2x)")
            idle, held, changed = asyncio.run(sync_hold(url, folder))
        print(f"incremental sync of {changed} changed jobs among {args.jobs}: longest loop "
              f"hold {held * 1000:.1f} ms (idle ticker gap {idle * 1000:.1f} ms; "
              "goal < 20 ms)")


if __name__ == "__main__":
    main()
