"""The shared rate budget: no 429 in a burst, packer's actions before background work."""

from __future__ import annotations

import asyncio

import pytest

from packstation.api import ApiKey, Priority, RateBudget, SmartGiftClient
from packstation.api.ratelimit import budget_for
from packstation.sandbox import DEMO_KEY, SandboxServer


async def test_burst_of_100_gets_no_429() -> None:
    with SandboxServer(pdf_delay=0, jobs=4, rate_limit=10, rate_window=2.0) as sandbox:
        async with SmartGiftClient(sandbox.base_url, ApiKey(DEMO_KEY), budget=RateBudget(),
                                   max_retries=0) as client:
            results = await asyncio.gather(*(client.list_agreements() for _ in range(100)))
    assert len(results) == 100 and all(r.items for r in results)
    assert sandbox.limit.refused == 0
    assert len(sandbox.requests) == 100


async def test_interactive_overtakes_queued_background() -> None:
    with SandboxServer(pdf_delay=0, jobs=4, rate_limit=2, rate_window=1.0) as sandbox:
        budget = RateBudget()
        async with SmartGiftClient(sandbox.base_url, ApiKey(DEMO_KEY), budget=budget,
                                   max_retries=0) as client:
            await client.list_agreements()  # learn the server's limit
            background = [asyncio.ensure_future(
                client.list_agreements(priority=Priority.BACKGROUND)) for _ in range(6)]
            while budget.waiting < 5:  # let them queue; no sleep-for-time, just yield
                await asyncio.sleep(0)
            queued_behind = budget.waiting
            await client.list_jobs(status="pending", priority=Priority.INTERACTIVE)
            await asyncio.gather(*background)
    paths = [r.path for r in sandbox.requests]
    jobs_at = paths.index("/fulfilment/jobs")
    # Every background call still waiting when the packer acted went after the packer.
    assert len(paths) - jobs_at - 1 >= queued_behind - 1
    assert sandbox.limit.refused == 0


def test_without_headers_assume_60_a_minute() -> None:
    now = [1000.0]
    budget = RateBudget(clock=lambda: now[0])
    for _ in range(60):
        assert budget._delay() == 0
        budget._sends.append(now[0])
    assert budget._delay() == 60.0
    now[0] += 30
    assert budget._delay() == 30.0


def test_one_budget_per_key_shared_by_every_client() -> None:
    a = SmartGiftClient("https://api.smart-gift.co.uk", ApiKey("sk_a"))
    b = SmartGiftClient("https://api.smart-gift.co.uk", ApiKey("sk_a"))
    c = SmartGiftClient("https://api.smart-gift.co.uk", ApiKey("sk_c"))
    assert a.budget is b.budget is budget_for("https://api.smart-gift.co.uk",
                                              ApiKey("sk_a").fingerprint)
    assert c.budget is not a.budget


def test_background_work_leaves_the_last_requests_to_people() -> None:
    now = [1000.0]
    budget = RateBudget(clock=lambda: now[0], reserve=10)
    for _ in range(50):
        assert budget._delay(Priority.BACKGROUND) == 0
        budget._sends.append(now[0])
        now[0] += 0.1
    # Prefetch and sync stop at 50; the packer's next ten go at once.
    assert budget._delay(Priority.BACKGROUND) == pytest.approx(55.0)
    for _ in range(10):
        assert budget._delay(Priority.INTERACTIVE) == 0
        budget._sends.append(now[0])
    assert budget._delay(Priority.INTERACTIVE) > 0
    # Told by the server: the same rule against its Remaining count.
    budget = RateBudget(reserve=10)
    budget._learn({"x-ratelimit-limit": "60", "x-ratelimit-remaining": "10",
                   "x-ratelimit-reset": str(int(budget._wall()) + 30)}, 200)
    assert budget._delay(Priority.BACKGROUND) > 25 and budget._delay(Priority.NORMAL) == 0


async def test_a_prefetch_burst_cannot_make_the_packer_wait() -> None:
    with SandboxServer(pdf_delay=0, jobs=4, rate_limit=20, rate_window=60.0) as sandbox:
        budget = RateBudget(reserve=5)
        async with SmartGiftClient(sandbox.base_url, ApiKey(DEMO_KEY), budget=budget,
                                   max_retries=0) as client:
            background = [asyncio.ensure_future(
                client.list_agreements(priority=Priority.BACKGROUND)) for _ in range(30)]
            while len(sandbox.requests) < 15 or budget.waiting < 15:
                await asyncio.sleep(0.01)
            # The window is spent down to the reserve; the packer still goes at once.
            started = asyncio.get_running_loop().time()
            await client.list_jobs(status="pending", priority=Priority.INTERACTIVE)
            assert asyncio.get_running_loop().time() - started < 5
            # Cancelled while waiting for budget: none of them is sent later.
            for task in background:
                task.cancel()
            await asyncio.gather(*background, return_exceptions=True)
            assert budget.waiting == 0
    assert len(sandbox.requests) == 16 and sandbox.limit.refused == 0
