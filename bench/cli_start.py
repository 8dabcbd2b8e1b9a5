"""`packstation jobs list --json` as a whole process, against a bare script doing the same GET.

Both run as fresh processes against one sandbox (in its own process, 200 jobs),
interleaved, so start-up (imports) counts as a packer or a script would feel it.
The floor is a Python script that imports httpx, GETs the jobs and prints the
JSON. Goal: at most 2x.

    .venv/bin/python bench/cli_start.py [--rounds 9]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

from packstation.sandbox import DEMO_KEY

BARE = """
import json, sys, httpx
r = httpx.get(sys.argv[1] + "/fulfilment/jobs", headers={"Smart-Auth": sys.argv[2]})
print(json.dumps(r.json(), indent=2))
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def timed(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True)
    elapsed = time.perf_counter() - started
    assert done.returncode == 0, done.stderr
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    sandbox = subprocess.Popen([sys.executable, "-m", "packstation", "sandbox", "--port",
                                str(port), "--jobs", "200", "--rate-limit", "1000000"],
                               stdout=subprocess.PIPE, text=True)
    try:
        assert sandbox.stdout is not None
        sandbox.stdout.readline()  # printed once it listens
        with tempfile.TemporaryDirectory() as home:
            env = {**os.environ, "PACKSTATION_API_URL": url, "PACKSTATION_API_KEY": DEMO_KEY,
                   "PACKSTATION_CONFIG_DIR": home, "PACKSTATION_DATA_DIR": home,
                   "PACKSTATION_LOG_DIR": home, "PACKSTATION_CACHE_DIR": home}
            ours_command = [sys.executable, "-m", "packstation", "jobs", "list", "--json"]
            bare_command = [sys.executable, "-c", BARE, url, DEMO_KEY]
            floors, ours = [], []
            for i in range(args.rounds + 1):  # one warm-up round (file caches), not counted
                floor, mine = timed(bare_command, env), timed(ours_command, env)
                if i:
                    floors.append(floor)
                    ours.append(mine)
    finally:
        sandbox.terminate()
        sandbox.wait(10)
    floor, mine = statistics.median(floors), statistics.median(ours)
    print(f"jobs list --json (200 jobs) as a process: bare httpx script {floor * 1000:.0f} ms, "
          f"packstation {mine * 1000:.0f} ms (medians of {args.rounds})")
    print(f"ratio: {mine / floor:.2f}x (goal <= 2x)")


if __name__ == "__main__":
    main()
