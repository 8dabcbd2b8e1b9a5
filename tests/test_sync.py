"""Incremental sync against the sandbox: full first, then after= with overlap."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs

from packstation.api import ApiKey, Priority, RateBudget, SmartGiftClient
from packstation.sandbox import DEMO_KEY, SandboxServer
from packstation.store.jobs import JobCache, JobChange
from packstation.sync.job_sync import JobSync
from tests.conftest import Opener


def queries(sandbox: SandboxServer) -> list[dict[str, str]]:
    return [{k: v[-1] for k, v in parse_qs(r.query).items()}
            for r in sandbox.requests if r.path == "/fulfilment/jobs" and r.method == "GET"]


async def test_first_full_then_incremental_with_overlap(tmp_path: Path, engine: Opener) -> None:
    with SandboxServer(pdf_delay=0, jobs=30, seed=3) as sandbox:
        async with SmartGiftClient(sandbox.base_url, ApiKey(DEMO_KEY),
                                   budget=RateBudget()) as client:
            cache = JobCache(engine())
            seen: list[list[JobChange]] = []
            sync = JobSync(client, cache, listener=seen.append)
            before = datetime.now(UTC)
            first = await sync.sync_once()
            pending = {j.id for j in (await client.list_jobs(status="pending")).items}
            assert {c.job.id for c in first} == pending
            assert queries(sandbox)[0] == {"status": "pending"}
            mark = cache.watermark()
            assert mark is not None and mark >= before - timedelta(seconds=1)

            # Another station dispatches a job; our next sync is incremental.
            other = next(iter(pending))
            await client.update_job(other, "dispatched", "OTHER-STATION-1")
            changes = await sync.sync_once()
            last = queries(sandbox)[-1]
            assert set(last) == {"after"}
            sent_after = datetime.fromisoformat(last["after"]).replace(tzinfo=UTC)
            # In UTC, less the overlap: never later than the watermark itself.
            assert sent_after == (mark - timedelta(minutes=5)).replace(microsecond=0)
            assert [(c.job.id, c.old_status, c.job.status) for c in changes] == [
                (other, "pending", "dispatched")]
            assert changes[0].left_pending and seen[-1] == changes
            stored = cache.get(other)
            assert stored is not None and stored.tracking_reference == "OTHER-STATION-1"
            # A sync with nothing new reports nothing (duplicates merged by id).
            assert await sync.sync_once() == []


async def test_full_refresh_is_periodic_and_heals(tmp_path: Path, engine: Opener) -> None:
    with SandboxServer(pdf_delay=0, jobs=10, seed=3) as sandbox:
        async with SmartGiftClient(sandbox.base_url, ApiKey(DEMO_KEY),
                                   budget=RateBudget()) as client:
            cache = JobCache(engine())
            sync = JobSync(client, cache, full_every=0.0)  # every sync is a full refresh
            await sync.sync_once()
            job_id = next(iter(cache.ids_with_status("pending")))
            # The change happened long before our watermark: only a full refresh sees it.
            sandbox.state.update_job(job_id, {"status": "cancelled"})
            sandbox.state._jobs[job_id].updated = 0.0
            changes = await sync.sync_once()
            assert job_id in {c.job.id for c in changes}
            assert cache.status_of(job_id) in ("cancelled", "left pending")
            assert all(q == {"status": "pending"} or "after" in q for q in queries(sandbox))


async def test_start_up_reads_the_cache_before_any_request(tmp_path: Path, engine: Opener) -> None:
    with SandboxServer(pdf_delay=0, jobs=10, seed=3) as sandbox:
        async with SmartGiftClient(sandbox.base_url, ApiKey(DEMO_KEY),
                                   budget=RateBudget()) as client:
            await JobSync(client, JobCache(engine())).sync_once()
        count = len(sandbox.requests)
        # A new start: the queue is there from the cache, with no network call.
        jobs = JobCache(engine()).load(["pending"])
        assert jobs and len(sandbox.requests) == count


async def test_sync_yields_to_the_packer(tmp_path: Path, engine: Opener) -> None:
    with SandboxServer(pdf_delay=0, jobs=10, seed=3, rate_limit=1, rate_window=1.0) as sandbox:
        budget = RateBudget()
        async with SmartGiftClient(sandbox.base_url, ApiKey(DEMO_KEY), budget=budget) as client:
            await client.list_agreements()  # learn the limit: the window is now used up
            sync = JobSync(client, JobCache(engine()))
            background = asyncio.ensure_future(sync.sync_once())
            while budget.waiting < 1:
                await asyncio.sleep(0)
            await client.update_job(1, "dispatched", "PACKER-FIRST",
                                    priority=Priority.INTERACTIVE)
            await background
    order = [r.method for r in sandbox.requests]
    assert order == ["GET", "PUT", "GET"]  # the packer's PUT overtook the queued sync
    assert sandbox.limit.refused == 0
