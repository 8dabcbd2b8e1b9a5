"""The courier's parts assembled for the Station (as ``day_parts`` for the day's): the
client of the settings of the moment, the bookings in the station's store (its site's on a
site), and the desk that books, dispatches and labels."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import cached_property
from typing import TYPE_CHECKING

from packstation.config.courier import DEMO_COLLECTION, CourierSettings
from packstation.config.delivery import DeliveryMethod
from packstation.config.settings import Settings
from packstation.courier.desk import CourierDesk
from packstation.courier.line import CourierLine
from packstation.courier.models import CourierKey

if TYPE_CHECKING:
    from packstation.api import Job
    from packstation.job_service import JobService, Outcome
    from packstation.packers import SignIn
    from packstation.sandbox.lastmile import LastMileServer
    from packstation.store.database import Store


class CourierParts:
    def __init__(self, settings: Callable[[], Settings], db: Callable[[], Store],
                 jobs: Callable[[], JobService],
                 method: Callable[[str | None], DeliveryMethod],
                 sign_in: Callable[[], SignIn], sandbox: LastMileServer | None = None) -> None:
        self._settings = settings
        self._db = db
        self._jobs = jobs
        self._method = method
        self._sign_in = sign_in
        self.sandbox = sandbox  # the demo's courier: its stand-in on loopback

    def settings(self) -> CourierSettings:
        """The courier's settings; the demo's is its stand-in, collecting from a made-up
        address unless one is set."""
        courier = self._settings().courier
        if self.sandbox is None:
            return courier
        return replace(courier, api_url=self.sandbox.base_url,
                       collection=DEMO_COLLECTION if courier.collection.missing()
                       else courier.collection)

    @cached_property
    def line(self) -> CourierLine:
        from packstation.config import keys

        sandbox = self.sandbox
        key: Callable[[str], CourierKey] = keys.load_courier_key if sandbox is None \
            else (lambda _url: CourierKey(sandbox.key))
        settings = self._settings()
        return CourierLine(self.settings, key, lambda: self._settings().limits(),
                           settings.station() if settings.site_url else "")

    @cached_property
    def desk(self) -> CourierDesk:
        from packstation.store.courier_bookings import CourierBookings

        jobs = self._jobs()

        async def dispatch(job: Job, courier_job_id: str, replace: bool) -> Outcome:
            return await jobs.dispatch(job, courier_job_id, replace=replace)

        return CourierDesk(self.line.client, CourierBookings(self._db()), self.settings,
                           self._method,
                           lambda job: self._settings().leave_by_rule().leave_by(job),
                           dispatch, jobs.print_handover,
                           lambda: self._sign_in().attribution(),
                           in_flight=lambda: self._settings().request_deadline + 60.0)

    async def aclose(self) -> None:
        if "line" in self.__dict__:
            await self.line.aclose()
