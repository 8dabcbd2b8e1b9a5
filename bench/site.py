"""A site of packing stations on one key: requests per job, how fast a dispatch at one
bench shows at the others, and how many benches one key carries.

Ten headless stations (bench/site_station.py: processes with the real core) on one
PostgreSQL site (a throwaway cluster, tests/pg.py) and one sandbox key at Smart Gift's
60 requests a minute, each packing a job every 30 s (120 jobs/hour) for ten minutes of
real time (not compressed: the key's minute is a real minute). A third of the way in one
packing station is SIGKILLed, half way the syncer. Then every station stops packing and
sends what is saved. Reported:
- 429s (none allowed), jobs packed twice (none), dispatches lost or sent twice (none);
- requests per job, by kind;
- the delay from Smart Gift receiving a dispatch to another station being told of it,
  against a floor measured in the same run: a bare NOTIFY from one connection to a
  LISTENing other on the same database (target under 1 s);
- the capacity: the benches at 120 jobs/hour one key carries before the budget, not the
  app, is the limit ((60 - the site's fixed requests a minute) / requests per job / 2).

    .venv/bin/python bench/site.py [--stations 10] [--minutes 10] [--every 30]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import queue
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from packstation.sandbox import SandboxServer  # noqa: E402
from packstation.store.site_database import SiteDatabase  # noqa: E402
from tests.pg import start_cluster  # noqa: E402

Event = tuple[str, dict[str, object], float]  # station, what it said, when (monotonic)


def notify_floor(url: str, rounds: int = 30) -> float:
    """Median seconds from one connection's NOTIFY to another's LISTEN hearing it."""
    import psycopg

    heard = psycopg.connect(url, autocommit=True)
    told = psycopg.connect(url, autocommit=True)
    heard.execute("LISTEN bench_floor")
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        told.execute("NOTIFY bench_floor")
        next(heard.notifies(timeout=5.0, stop_after=1))
        times.append(time.perf_counter() - started)
    heard.close()
    told.close()
    return statistics.median(times)


def start(url: str, api: str, name: str, every: float, events: queue.Queue[Event],
          folder: Path) -> subprocess.Popen[str]:
    """A station process; its own data and cache folders, as each bench is its own PC."""
    home = folder / name
    home.mkdir()
    process = subprocess.Popen([sys.executable, str(ROOT / "bench" / "site_station.py"), url,
                                api, name, str(every)], stdout=subprocess.PIPE,
                               stderr=(home / "stderr.txt").open("w"), text=True, cwd=ROOT,
                               env={**os.environ, "PYTHONPATH": str(ROOT),
                                    "PACKSTATION_DATA_DIR": str(home / "data"),
                                    "PACKSTATION_CACHE_DIR": str(home / "cache"),
                                    "PACKSTATION_LOG_DIR": str(home / "log")})

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            with contextlib.suppress(ValueError):
                events.put((name, json.loads(line), time.monotonic()))
    threading.Thread(target=read, daemon=True).start()
    return process


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stations", type=int, default=10)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--every", type=float, default=30.0, help="seconds per job a bench")
    parser.add_argument("--no-kill", action="store_true")
    args = parser.parse_args()
    cluster = start_cluster()
    url = cluster.new_database()
    SiteDatabase(url).close()
    # About 60 % of the sandbox's jobs are pending: enough for every bench, and some.
    wanted = int(args.stations * args.minutes * 60 / args.every * 2.2) + 20
    sandbox = SandboxServer(jobs=wanted, pdf_delay=2.0, seed=5, rate_limit=60,
                            rate_window=60.0).start()
    floor = notify_floor(url)
    events: queue.Queue[Event] = queue.Queue()
    names = [f"bench-{n:02d}" for n in range(1, args.stations + 1)]
    folder = Path(tempfile.mkdtemp(prefix="packstation-site-bench-"))
    processes = {name: start(url, sandbox.base_url, name, args.every, events, folder)
                 for name in names}
    said: list[Event] = []
    syncer = ""
    began = time.monotonic()
    ends = began + args.minutes * 60
    kills = [] if args.no_kill else [(began + args.minutes * 20, "station"),
                                      (began + args.minutes * 30, "syncer")]
    killed: dict[str, float] = {}
    takeover: list[float] = []
    try:
        while time.monotonic() < ends:
            try:
                name, event, at = events.get(timeout=0.5)
                said.append((name, event, at))
                if event["e"] == "syncer":
                    if killed.get(syncer) is not None and syncer != name:
                        takeover.append(at - killed[syncer])
                    syncer = name
            except queue.Empty:
                pass
            while kills and time.monotonic() >= kills[0][0]:
                _, who = kills.pop(0)
                victim = syncer if who == "syncer" else next(
                    n for n in reversed(names) if n != syncer and n not in killed)
                os.kill(processes[victim].pid, signal.SIGKILL)
                killed[victim] = time.monotonic()
                print(f"{(killed[victim] - began) / 60:4.1f} min: SIGKILL {victim} ({who})",
                      flush=True)
        for name, process in processes.items():
            if name not in killed:
                process.send_signal(signal.SIGTERM)
        for process in processes.values():
            process.wait(timeout=400)
        while not events.empty():
            said.append(events.get())
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.kill()
    report(said, sandbox, floor, args, killed, takeover, began)
    print(f"each station's stderr: {folder}/<name>/stderr.txt")
    sandbox.stop()
    cluster.stop("immediate")


def report(said: list[Event], sandbox: SandboxServer, floor: float,
           args: argparse.Namespace, killed: dict[str, float], takeover: list[float],
           began: float) -> None:
    requests = list(sandbox.requests)
    taken: dict[tuple[str, int], float] = {}
    took: list[float] = []
    counts: Counter[str] = Counter()
    for name, event, _ in said:
        counts[str(event["e"])] += 1
        job = event.get("job")
        if event["e"] == "take" and isinstance(job, int):
            taken[(name, job)] = float(event["t"])  # type: ignore[arg-type]
        if event["e"] == "dispatch" and isinstance(job, int) and (name, job) in taken:
            took.append(float(event["t"]) - taken[(name, job)])  # type: ignore[arg-type]
    if took:
        print(f"a job from taken to scanned (its PDFs got): median "
              f"{statistics.median(took) * 1000:.0f} ms, max {max(took) * 1000:.0f} ms; "
              f"events: {dict(counts)}")
    packers: dict[int, set[str]] = defaultdict(set)
    seen: dict[int, list[float]] = defaultdict(list)
    for name, event, _ in said:
        job = event.get("job")
        if event["e"] == "dispatch" and isinstance(job, int):
            packers[job].add(name)
        if event["e"] == "seen" and isinstance(job, int):
            seen[job].append(float(event["m"]))  # type: ignore[arg-type]
    puts = Counter(int(r.path.rsplit("/", 1)[1]) for r in requests if r.method == "PUT")
    arrived = {int(r.path.rsplit("/", 1)[1]): r.at for r in requests if r.method == "PUT"}
    twice = [job for job, who in packers.items() if len(who) > 1]
    lost = [job for job in packers
            if (sandbox.state.job(job) or {}).get("status") != "dispatched"]
    sent_twice = [job for job, n in puts.items() if n > 1]
    kinds = Counter("dispatch PUT" if r.method == "PUT" else "voucher PDF"
                    if "voucher-pdf" in r.path else "jobs list (sync)"
                    if r.path.startswith("/fulfilment/jobs") else r.path for r in requests)
    jobs = len(packers)
    minutes = (max(r.at for r in requests) - min(r.at for r in requests)) / 60
    delays = sorted(m - arrived[job] for job, times in seen.items() if job in arrived
                    for m in times)
    print(f"\n{args.stations} stations, one job each every {args.every:.0f} s "
          f"({3600 / args.every:.0f} jobs/hour), {args.minutes:.0f} min; killed: "
          + ", ".join(f"{n} at {(t - began) / 60:.1f} min" for n, t in killed.items()))
    print(f"jobs packed: {jobs}; packed twice: {len(twice)}; dispatches lost: {len(lost)}; "
          f"sent twice: {len(sent_twice)} {sent_twice[:5]}; 429s: {sandbox.limit.refused}")
    print(f"requests: {len(requests)} in {minutes:.1f} min = {len(requests) / minutes:.1f}/min;"
          f" per job {len(requests) / max(jobs, 1):.2f}: "
          + ", ".join(f"{k} {v}" for k, v in kinds.most_common()))
    if takeover:
        print(f"syncer takeover after SIGKILL: {takeover[0]:.1f} s")
    if delays:
        median = statistics.median(delays)
        p95 = delays[int(len(delays) * 0.95) - 1] if len(delays) > 20 else delays[-1]
        print(f"dispatch at Smart Gift -> told at another station: median {median * 1000:.0f}"
              f" ms, p95 {p95 * 1000:.0f} ms, max {delays[-1] * 1000:.0f} ms over "
              f"{len(delays)}; bare NOTIFY {floor * 1000:.2f} ms; ratio "
              f"{median / floor:.0f}x")
    # A job costs its PUT and one download per voucher (once per site): measured per job
    # whose PDFs were fetched, not per job packed (the syncer fetches ahead of packing).
    pdf_paths = Counter(r.path for r in requests if "voucher-pdf" in r.path)
    pdf_jobs = {path.split("/")[3] for path in pdf_paths}
    again = sum(n - 1 for n in pdf_paths.values())
    print(f"voucher PDFs: {len(pdf_paths)} for {len(pdf_jobs)} jobs "
          f"({len(pdf_paths) / max(len(pdf_jobs), 1):.2f} a job); asked again (not made yet,"
          f" or fetched twice): {again}")
    per_job = 1 + len(pdf_paths) / max(len(pdf_jobs), 1)
    fixed = (len(requests) - kinds["dispatch PUT"] - kinds["voucher PDF"]) / minutes
    carried = (60 - fixed) / per_job / (60 / args.every) if per_job else 0.0
    print(f"capacity: {per_job:.2f} requests per job + {fixed:.1f}/min the site's own -> "
          f"one key carries about {carried:.1f} stations at {3600 / args.every:.0f} jobs/hour")


if __name__ == "__main__":
    main()
