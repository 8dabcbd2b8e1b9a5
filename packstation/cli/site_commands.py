"""``packstation site``: a site of stations on one PostgreSQL (issue 16).

    site init URL     create (or bring up to date) the site's schema; this station joins
    site password     store the site database's password in the keyring (never a file)
    site status       the stations seen, the jobs they hold, the shared outbox
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
    from packstation.store.claims import SiteClaims
    from packstation.store.outbox import DispatchOutbox

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
    total, attention = DispatchOutbox(db).counts()
    print(f"Outbox: {total} change(s) waiting, {attention} needing attention")
    return 0
