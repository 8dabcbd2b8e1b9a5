"""The courier client of the settings of the moment: made when first needed, made again when
the courier's address or key changes (the key read from the keyring at each booking, in
a worker: a booking is a person's action, a few a minute)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

from packstation.api.limits import Limits
from packstation.config.courier import CourierSettings
from packstation.courier.client import CourierClient
from packstation.courier.models import CourierKey, CourierNotReady


class CourierLine:
    def __init__(self, settings: Callable[[], CourierSettings],
                 key: Callable[[str], CourierKey], limits: Callable[[], Limits],
                 station: str = "") -> None:
        self._settings = settings
        self._key = key
        self._limits = limits
        self._station = station
        self._client: CourierClient | None = None
        self._old: list[CourierClient] = []
        self._making = threading.Lock()  # workers asking at once make one client

    def client(self) -> CourierClient:
        """Blocking the first time (the keyring): the desk asks it in a worker."""
        url = self._settings().api_url.rstrip("/")
        if not url:
            raise CourierNotReady("No courier is set up (Settings > Courier).")
        key = self._key(url)  # read each time: a key replaced in settings is used at once
        with self._making:
            if self._client is None or self._client.base_url != url \
                    or self._client.key_fingerprint != key.fingerprint:
                if self._client is not None:
                    self._old.append(self._client)
                self._client = CourierClient(url, key, limits=self._limits(),
                                             station=self._station)
            self._client.limits = self._limits()
            return self._client

    async def aclose(self) -> None:
        clients = [*self._old, *([self._client] if self._client is not None else [])]
        self._client, self._old = None, []
        await asyncio.gather(*(c.aclose() for c in clients))
