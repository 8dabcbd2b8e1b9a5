"""What every CLI command needs: the client and the station's database."""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from packstation.api import ApiKey, SmartGiftClient
from packstation.config import keys
from packstation.config.settings import Settings
from packstation.sandbox import DEMO_KEY
from packstation.store.database import Database, database_path


def station_database(args: argparse.Namespace, api_url: str | None = None) -> Database:
    """The station's database for this API address (the demo's lives in memory only)."""
    if args.demo:
        return Database(":memory:")
    return Database(database_path(api_url or keys.resolve_api_url(args.api_url)))


@asynccontextmanager
async def open_client(args: argparse.Namespace) -> AsyncIterator[SmartGiftClient]:
    settings = Settings.load()
    if args.demo:
        from packstation.sandbox import SandboxServer  # only for the demo

        with SandboxServer(pdf_delay=0) as sandbox:
            async with SmartGiftClient(sandbox.base_url, ApiKey(DEMO_KEY),
                                       limits=settings.limits()) as client:
                yield client
        return
    url = keys.resolve_api_url(args.api_url, settings)
    async with SmartGiftClient(url, keys.load_key(url), limits=settings.limits()) as client:
        yield client
