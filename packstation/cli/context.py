"""Every CLI command works on the station, assembled as the window's is (Station.open)."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from packstation.station import Station


@asynccontextmanager
async def open_station(args: argparse.Namespace, *, connect: bool = True
                       ) -> AsyncIterator[Station]:
    """The station of ``--api-url`` (or the demo's), closed afterwards.

    ``connect=False`` for commands that send no request (they need no key). The
    demo's sandbox answers at once here: a command is not a training session.
    """
    station = await asyncio.to_thread(Station.open, args.api_url, demo=args.demo,
                                      connect=connect, lively=False)
    try:
        yield station
    finally:
        await station.aclose()
