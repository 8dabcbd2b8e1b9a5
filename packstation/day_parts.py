"""The station's parts for the day's work beyond packing (issues 18, 19): who is packing,
the list of packers, the day's figures and the courier manifests. Assembled for the
Station (``Station.day``), each made when first used; no Qt."""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING

from packstation.config.delivery import DeliveryMethod
from packstation.config.settings import Settings
from packstation.packers import SignIn

if TYPE_CHECKING:
    from packstation.manifests import ManifestDesk
    from packstation.shift import ShiftReport
    from packstation.store.database import Store
    from packstation.store.jobs import JobCache
    from packstation.store.packers import PackerRoster


class DayParts:
    def __init__(self, db: Callable[[], Store], cache: Callable[[], JobCache],
                 settings: Callable[[], Settings],
                 method: Callable[[str | None], DeliveryMethod]) -> None:
        self._db, self._cache, self._settings, self._method = db, cache, settings, method
        self.station = settings().station()

    @cached_property
    def sign_in(self) -> SignIn:
        """Who is packing here: every scan, print and dispatch is recorded with them."""
        return SignIn(self.station, lambda: self._settings().sign_in_required)

    @cached_property
    def packers(self) -> PackerRoster:
        """The supervisor's list of packers and their badges (the site's on a site)."""
        from packstation.store.packers import PackerRoster

        return PackerRoster(self._db())

    @cached_property
    def shift(self) -> ShiftReport:
        """The day at a glance (the Today tab, ``report shift``): no request to Smart Gift."""
        from packstation.shift import ShiftReport
        from packstation.store.shift_records import ShiftRecords

        return ShiftReport(ShiftRecords(self._db()), self._cache(),
                           lambda: self._settings().leave_by_rule())

    @cached_property
    def manifests(self) -> ManifestDesk:
        """Each carrier's manifest at collection, kept (the site's on a site)."""
        from packstation.manifests import ManifestDesk
        from packstation.store.manifests import ManifestStore

        return ManifestDesk(ManifestStore(self._db()), self._method,
                            lambda: self._settings().collection_cutoffs,
                            lambda: self._settings().leave_by_rule(), self.station,
                            self.sign_in.who)
