"""Listing 5,000 jobs through packstation.api, as a ratio to a bare httpx GET + json.loads.

Both run in the same process against the same sandbox response, interleaved,
so machine speed cancels out. The floor is what no client can beat: the
transfer and the JSON decoding. Goal: at most 1.5x.

    .venv/bin/python bench/list_jobs.py [--jobs 5000] [--rounds 15]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time

import httpx

from packstation.api import ApiKey, RateBudget, SmartGiftClient
from packstation.sandbox import DEMO_KEY, SandboxServer


async def run(jobs: int, rounds: int) -> tuple[float, float, int]:
    with SandboxServer(pdf_delay=0, jobs=jobs, rate_limit=10**9) as sandbox:
        url = f"{sandbox.base_url}/fulfilment/jobs"
        headers = {"Smart-Auth": DEMO_KEY, "Accept": "application/json"}
        async with httpx.AsyncClient() as bare, SmartGiftClient(
                sandbox.base_url, ApiKey(DEMO_KEY), budget=RateBudget(limit=10**9)) as client:
            floor_times, api_times = [], []
            count = 0
            for i in range(rounds + 2):  # two warm-up rounds, not counted
                started = time.perf_counter()
                response = await bare.get(url, headers=headers)
                body = json.loads(response.content)
                floor = time.perf_counter() - started
                started = time.perf_counter()
                result = await client.list_jobs()
                ours = time.perf_counter() - started
                assert len(body) == jobs and len(result.items) == jobs and not result.problems
                count = len(result.items)
                if i >= 2:
                    floor_times.append(floor)
                    api_times.append(ours)
    return statistics.median(floor_times), statistics.median(api_times), count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    floor, ours, count = asyncio.run(run(args.jobs, args.rounds))
    print(f"list {count} jobs: bare httpx+json.loads {floor * 1000:.1f} ms, "
          f"packstation.api {ours * 1000:.1f} ms (medians of {args.rounds})")
    print(f"ratio: {ours / floor:.2f}x (goal <= 1.5x)")


if __name__ == "__main__":
    main()
