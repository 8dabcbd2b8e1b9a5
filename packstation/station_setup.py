"""Setting up a station, without Qt: the key checked live and kept, printers, test pages.

The first-run wizard, the settings dialog and the key prompt all work through
this: they never build a request or touch the keyring themselves. Every call
here that does I/O is a coroutine (keyring and printer calls run in a thread),
so the window stays responsive while a key is being checked.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from packstation.api import (
    ApiError,
    ApiKey,
    AuthError,
    ConfigError,
    NetworkError,
    SmartGiftClient,
)
from packstation.api.secret import origin_of
from packstation.config import keys
from packstation.config.settings import Settings
from packstation.packers import Packer
from packstation.printing.discovery import system_discovery
from packstation.printing.errors import PrintError
from packstation.printing.model import PrintState
from packstation.printing.sheets import (
    command_sheet_pdf,
    print_sheet,
    printer_test_pdf,
    scanner_test_pdf,
)
from packstation.printing.voucher_printer import default_path, follow_to_end


@dataclass(frozen=True, slots=True)
class KeyCheck:
    ok: bool
    message: str
    key: ApiKey | None = None  # the checked key, to be stored (never shown)


@dataclass(frozen=True, slots=True)
class PrinterChoices:
    names: list[str]
    default: str


class StationSetup:
    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()

    # -- the key -------------------------------------------------------------------------

    async def check_key(self, api_url: str, text: str) -> KeyCheck:
        """One live request with this key at this address: does Smart Gift accept it?"""
        try:
            url = keys.resolve_api_url(api_url or "production")
            key = ApiKey(text)
        except ConfigError as exc:
            return KeyCheck(False, str(exc))
        host = origin_of(url)[1]
        async with SmartGiftClient(url, key, max_retries=0) as client:
            try:
                # after= now: the answer is (nearly) empty, yet the key is checked.
                await client.list_jobs(status="pending", after=datetime.now(UTC))
            except AuthError:
                return KeyCheck(False, f"Smart Gift at {host} refused this key. Check that "
                                       "all of it was copied, and that it is a key for this "
                                       "environment (Production and Development differ).")
            except NetworkError as exc:
                return KeyCheck(False, f"{exc} Check the address and the network.")
            except ApiError as exc:
                return KeyCheck(False, f"The key could not be checked: {exc}")
        return KeyCheck(True, f"Key accepted by Smart Gift at {host}.", key)

    async def store_key(self, api_url: str, key: ApiKey) -> None:
        await asyncio.to_thread(keys.store_key, api_url, key)

    async def remove_key(self, api_url: str) -> bool:
        return await asyncio.to_thread(keys.delete_key, api_url)

    async def key_hint(self, api_url: str) -> str:
        """How the stored key is shown: its last four characters at most."""
        try:
            stored = await asyncio.to_thread(keys.stored_key, api_url)
        except ApiError as exc:
            return f"unknown ({exc})"
        return f"stored, ending {stored.hint()}" if stored else "none stored"

    async def store_courier_key(self, courier_url: str, text: str) -> str:
        """The courier's key kept in the keyring, by the courier's address; what to say.
        No live check: no harmless call of the courier's is known (the first slots asked
        say whether it is accepted)."""
        from packstation.api.secret import check_base_url
        from packstation.courier.models import CourierKey

        try:
            url = check_base_url(courier_url)
            key = CourierKey(text)
            await asyncio.to_thread(keys.store_courier_key, url, key)
        except ApiError as exc:
            return f"Not stored: {exc}"
        return f"The courier's key for {origin_of(url)[1]} is stored, ending {key.hint()}."

    async def courier_key_hint(self, courier_url: str) -> str:
        if not courier_url:
            return "no courier address yet"
        try:
            stored = await asyncio.to_thread(keys.stored_courier_key, courier_url)
        except ApiError as exc:
            return f"unknown ({exc})"
        return f"stored, ending {stored.hint()}" if stored else "none stored"

    # -- printers ------------------------------------------------------------------------

    async def printers(self) -> PrinterChoices:
        discovery = await asyncio.to_thread(system_discovery)
        return PrinterChoices(await asyncio.to_thread(discovery.names),
                              await asyncio.to_thread(discovery.default))

    async def print_test_page(self, printer: str, paper: str = "A4") -> tuple[bool, str]:
        return await self._print(printer_test_pdf(printer or "system default", paper),
                                 printer, "packstation test page", paper)

    async def print_scanner_sheet(self, printer: str, paper: str = "A4") -> tuple[bool, str]:
        return await self._print(scanner_test_pdf(paper), printer, "packstation scanner test",
                                 paper)

    async def print_command_sheet(self, printer: str, paper: str = "A4") -> tuple[bool, str]:
        return await self._print(command_sheet_pdf(paper), printer,
                                 "packstation command barcodes", paper)

    async def print_badges(self, packers: Sequence[Packer], printer: str,
                           paper: str = "A4") -> tuple[bool, str]:
        from packstation.printing.badges import badges_pdf

        data = await asyncio.to_thread(badges_pdf, packers, paper, self.settings.station())
        return await self._print(data, printer, "packstation badges", paper)

    async def print_pdf(self, data: bytes, printer: str, title: str,
                        paper: str = "A4") -> tuple[bool, str]:
        """A page the station made (a manifest), to ``printer`` (or the default)."""
        return await self._print(data, printer, title, paper)

    async def _print(self, data: bytes, printer: str, title: str,
                     paper: str) -> tuple[bool, str]:
        try:
            name = printer or await asyncio.to_thread(lambda: system_discovery().default())
            if not name:
                return False, "There is no default printer: choose one first."
            path = default_path(self.settings.print_path)
            receipt = await print_sheet(path, data, name, title, paper)
            receipt = await follow_to_end(path, receipt, queue_limit=120)
        except PrintError as exc:
            return False, str(exc)
        if receipt.state is PrintState.PRINTED:
            return True, f"{title.capitalize()} printed on {name}."
        if receipt.state is PrintState.SENT:
            return True, f"{title.capitalize()} sent to {name}."
        return False, f"{title.capitalize()} on {name}: {receipt.state.value} {receipt.detail}"

    # -- settings ------------------------------------------------------------------------

    async def save(self, settings: Settings) -> None:
        await asyncio.to_thread(settings.save)
        self.settings = settings
