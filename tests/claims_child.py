"""A station process for the claim race: "next job" as fast as it can, once the parent
lets every station go at the same moment.

    python -m tests.claims_child SITE_URL STATION CALLS

Prints one JSON line: the jobs this station took, in order.
"""

from __future__ import annotations

import json
import sys

from packstation.store.claims import SiteClaims
from packstation.store.site_database import SiteDatabase

GO = 7_303_517  # advisory lock the parent holds until every station is ready


def main(url: str, station: str, calls: int) -> None:
    db = SiteDatabase(url, migrate=False)
    claims = SiteClaims(db, station)
    queue = [int(r[0]) for r in db.execute(
        "SELECT id FROM jobs WHERE status = 'pending' ORDER BY received_at, id").fetchall()]
    print("ready", flush=True)
    db.execute("SELECT pg_advisory_lock_shared(?)", (GO,))  # waits for the parent
    taken: list[int] = []
    mine: set[int] = set()
    for _ in range(calls):
        job = claims.take_first([j for j in queue if j not in mine])
        if job is None:
            break
        taken.append(job)
        mine.add(job)
    print(json.dumps(taken), flush=True)
    db.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
