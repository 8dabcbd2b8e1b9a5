"""``packstation site``: a site of stations on one PostgreSQL (issue 16).

    site init URL     create (or bring up to date) the site's schema; this station joins
    site password     store the site database's password in the keyring (never a file)
    site status       the stations seen, the jobs they hold, which syncs, the budget,
                      the PDFs stored, the shared outbox
    site leave        this station works alone again (its own SQLite)
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import TYPE_CHECKING

from packstation.api import MissingKeyError
from packstation.config import keys
from packstation.config.settings import Settings
from packstation.plaintext import cell, escaped
from packstation.store.database import DatabaseError

if TYPE_CHECKING:
    from packstation.store.site_database import SiteDatabase


def site_command(args: argparse.Namespace) -> int:
    settings = Settings.load()
    if args.action == "leave":
        settings.site_url = ""
        settings.save()
        print("This station works alone again, on its own database.")
        return 0
    url = args.url if args.action == "init" else settings.site_url
    if not url:
        print("This station is on no site: 'packstation site init postgresql://host/db'.",
              file=sys.stderr)
        return 3
    from packstation.store.site_database import SiteDatabase, check_site_url, shown_url

    try:
        check_site_url(url)
    except DatabaseError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    if args.action == "password":
        secret = (getpass.getpass(f"Password for {shown_url(url)} (not shown): ")
                  if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n"))
        keys.store_site_password(url, secret)
        print(f"The password for {shown_url(url)} is stored in the keyring.")
        return 0
    try:
        db = SiteDatabase(url, keys.site_password(url), migrate=args.action == "init")
    except (DatabaseError, MissingKeyError) as exc:
        print(escaped(str(exc)), file=sys.stderr)
        return 1
    try:
        if args.action == "init":
            from packstation.store.claims import SiteClaims

            settings.site_url = url
            settings.save()
            SiteClaims(db, settings.station()).renew()  # seen on the site from now
            print(f"Site database {shown_url(url)} is at schema {db.version}; this station "
                  f"({settings.station()}) is on it.")
            return 0
        return _status(db, settings)
    finally:
        db.close()


def _status(db: SiteDatabase, settings: Settings) -> int:
    from packstation.api.ratelimit import DEFAULT_LIMIT
    from packstation.store.claims import SiteClaims
    from packstation.store.history import DispatchHistory
    from packstation.store.outbox import DispatchOutbox
    from packstation.store.site_budget import SiteLedger
    from packstation.store.site_pdfs import SitePdfs
    from packstation.store.site_roles import SiteLease

    claims = SiteClaims(db, settings.station())
    seen = claims.stations()
    print(f"Site {db.path}: {len(seen)} station(s), schema {db.version}")
    for station in seen:
        print(f"  {cell(station.name):<24} seen {station.seen_at.astimezone():%Y-%m-%d %H:%M:%S}"
              f"  {station.claims} job(s) in hand")
    held = claims.all_held()
    print(f"Jobs in hand: {len(held)}")
    for job_id, holder, since in held:
        print(f"  job {job_id} at {cell(holder)} since {since.astimezone():%H:%M:%S}")
    syncer = SiteLease(db, settings.station()).holder()
    if syncer is None or not syncer.live:
        print("Syncer: none live (a station takes it within seconds of starting)")
    else:
        print(f"Syncer: {cell(syncer.station)} (term {syncer.term}, heartbeat "
              f"{syncer.renewed_at.astimezone():%H:%M:%S})")
    budget = SiteLedger(db, settings.station()).state()
    spent = ", ".join(f"{cell(name)} {count}" for name, count in budget.by_station.items())
    print(f"Budget: {budget.spent} request(s) in the last {budget.window:.0f} s, of about "
          f"{DEFAULT_LIMIT} a minute for the key" + (f" ({spent})" if spent else ""))
    count, size = SitePdfs(db, settings.station()).stats()
    print(f"Voucher PDFs stored: {count} ({size / 1_048_576:.1f} MB)")
    total, attention = DispatchOutbox(db).counts()
    print(f"Outbox: {total} change(s) waiting, {attention} needing attention")
    print(f"Changes confirmed: {DispatchHistory(db).count()}")
    return 0
