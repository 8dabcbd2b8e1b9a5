"""Close manifest (from the Today tab): choose the carrier, see what goes on it, close
it and print it for the driver to sign. Read and closed in a worker; shown as plain
text. Closing twice is harmless: the second finds nothing left."""

from __future__ import annotations

import asyncio

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from packstation.formats import pence_as_pounds
from packstation.plaintext import cell
from packstation.station import Station
from packstation.station_setup import StationSetup
from packstation.store.manifests import Manifest, ManifestEntry, NothingToClose
from packstation.store.site_database import SiteUnreachable
from packstation.tracking.carriers import CARRIERS
from packstation.ui.palette import warning_style
from packstation.ui.plain import plain
from packstation.ui.tasks import WidgetTasks


class ManifestDialog(QDialog):
    def __init__(self, station: Station, setup: StationSetup, tasks: WidgetTasks,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.station, self.setup, self.tasks = station, setup, tasks
        self.setWindowTitle("Close manifest")
        self.closed: Manifest | None = None
        self.entries: list[ManifestEntry] = []
        self.carrier = QComboBox()
        self.carrier.setAccessibleName("Carrier")
        self.carrier.currentIndexChanged.connect(self._show_preview)
        self.table = QTableWidget(0, 5)
        self.table.setAccessibleName("Parcels going on the manifest")
        self.table.setHorizontalHeaderLabels(["Order", "Tracking", "Recipient", "Postcode",
                                              "Value"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        self.summary = plain(QLabel("Reading what was dispatched…"))
        self.summary.setAccessibleName("Summary")
        self.summary.setWordWrap(True)
        self.close_button = QPushButton("Close and &print")
        self.close_button.setEnabled(False)
        self.close_button.clicked.connect(self.close_manifest)
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.reject)
        top = QHBoxLayout()
        top.addWidget(plain(QLabel("Carrier:")))
        top.addWidget(self.carrier, 1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        buttons.addWidget(cancel)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)
        layout.addLayout(buttons)
        self.resize(760, 480)
        self.waiting: dict[str, list[ManifestEntry]] = {}
        self.tasks.run(self._load())

    async def _load(self) -> None:
        try:
            self.waiting = await asyncio.to_thread(self.station.manifests.open_entries)
        except SiteUnreachable as exc:
            self.summary.setText(f"The site's records cannot be reached: {exc}")
            return
        self.carrier.blockSignals(True)
        self.carrier.clear()
        busiest = sorted(CARRIERS, key=lambda c: -len(self.waiting.get(c, [])))
        for carrier in busiest:
            self.carrier.addItem(f"{CARRIERS[carrier]} ({len(self.waiting.get(carrier, []))}"
                                 " waiting)", carrier)
        self.carrier.blockSignals(False)
        self._show_preview()

    def _show_preview(self) -> None:
        carrier = self.carrier.currentData()
        self.entries = list(self.waiting.get(carrier, [])) if carrier else []
        self.table.setRowCount(len(self.entries))
        for row, entry in enumerate(self.entries):
            values = (entry.order_reference, entry.tracking_reference or "untracked",
                      entry.recipient, entry.postcode,
                      pence_as_pounds(entry.value_pence))
            for column, value in enumerate(values):
                self.table.setItem(row, column, QTableWidgetItem(cell(value)))
        total = pence_as_pounds(sum(e.value_pence for e in self.entries))
        self.summary.setText(
            f"{len(self.entries)} parcel(s), {total}: dispatched and on no manifest yet."
            if self.entries else "Nothing of this carrier is waiting for a manifest.")
        self.close_button.setEnabled(bool(self.entries))

    def close_manifest(self) -> None:
        carrier = self.carrier.currentData()
        if carrier:
            self.close_button.setEnabled(False)
            self.tasks.run(self._close(str(carrier)))

    async def _close(self, carrier: str) -> None:
        from packstation.printing.manifest_sheet import manifest_pdf

        try:
            # What was shown, no more: a job dispatched since waits for the next one.
            manifest = await asyncio.to_thread(self.station.manifests.close, carrier,
                                               frozenset(e.job_id for e in self.entries))
        except (NothingToClose, SiteUnreachable) as exc:
            self.summary.setText(f"{exc} (another station may have closed it just now)")
            return
        self.closed = manifest
        pdf = await asyncio.to_thread(manifest_pdf, manifest,
                                      site=self.station.sign_in.station)
        settings = self.station.settings
        ok, said = await self.setup.print_pdf(pdf, settings.voucher_printer,
                                              f"packstation manifest {manifest.id}",
                                              settings.voucher_paper)
        self.summary.setText(f"Manifest {manifest.id} closed: {len(manifest.on_it)} "
                             f"parcel(s). {said}" + ("" if ok else " Reprint it with "
                                                     f"'packstation manifest reprint "
                                                     f"{manifest.id}'."))
        self.summary.setStyleSheet("" if ok else warning_style())
