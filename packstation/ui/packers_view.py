"""Who is packing: the picker at the top of the window (a badge scan moves it too) and
the supervisor's Packers dialog (add, remove, print the badges).

The list lives in the station's store (the site's on a site), read and written in a
worker; names are shown as plain text.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from packstation.packers import MAX_BADGE, MAX_PACKER_NAME, Packer, PackerError
from packstation.station import Station
from packstation.station_setup import StationSetup
from packstation.store.site_database import SiteUnreachable
from packstation.ui.plain import plain
from packstation.ui.tasks import WidgetTasks


class PackerPicker(QWidget):
    """"Packing: [name]": picking a name signs that packer in; the first entry is nobody
    (the station stands in, unless sign-in is required)."""

    def __init__(self, station: Station, tasks: WidgetTasks) -> None:
        super().__init__()
        self.station, self.tasks = station, tasks
        self.packers: list[Packer] = []
        self.combo = QComboBox()
        self.combo.setAccessibleName("Packer signed in")
        self.combo.setMinimumContentsLength(16)
        self.combo.activated.connect(self._picked)
        label = plain(QLabel("Packing:"))
        label.setBuddy(self.combo)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(label)
        layout.addWidget(self.combo)
        station.sign_in.watch(self._signed)
        self._fill()

    def close_watch(self) -> None:
        self.station.sign_in.watch(self._signed, on=False)

    def reload(self) -> None:
        """The list read again (at start, and after the dialog changed it)."""
        self.tasks.run(self._load())

    async def _load(self) -> None:
        try:
            self.packers = await asyncio.to_thread(self.station.packers.all)
        except SiteUnreachable:
            return  # the site's list out of reach: the names known stay
        self._fill()

    def _nobody(self) -> str:
        sign_in = self.station.sign_in
        return "Nobody: scan your badge" if sign_in.required() \
            else f"Nobody ({sign_in.station})"

    def _fill(self) -> None:
        self.combo.clear()
        self.combo.addItem(self._nobody(), None)
        for packer in self.packers:
            self.combo.addItem(packer.name, packer.badge)
        current = self.station.sign_in.packer
        if current is not None and current not in self.packers:
            self.combo.addItem(current.name, current.badge)  # signed in, then removed
        self._signed(current)

    def _picked(self, index: int) -> None:
        badge = self.combo.itemData(index)
        packer = next((p for p in self.packers if p.badge == badge), None)
        if packer is None:
            self.station.sign_in.sign_out()
        else:
            self.station.sign_in.sign_in(packer)

    def _signed(self, packer: Packer | None) -> None:
        index = 0 if packer is None else max(0, self.combo.findData(packer.badge))
        if packer is not None and index == 0:
            self.combo.addItem(packer.name, packer.badge)
            index = self.combo.count() - 1
        self.combo.setCurrentIndex(index)


class PackersDialog(QDialog):
    """The supervisor's list: add a packer (a badge code made up unless one is typed),
    take one off, print everyone's badges on the voucher printer."""

    changed = Signal()

    def __init__(self, station: Station, setup: StationSetup, tasks: WidgetTasks,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.station, self.setup, self.tasks = station, setup, tasks
        self.setWindowTitle("Packers")
        self.packers: list[Packer] = []
        self.list = QListWidget()
        self.list.setAccessibleName("Packers and their badges")
        self.name = QLineEdit()
        self.name.setAccessibleName("New packer's name")
        self.name.setPlaceholderText("Name")
        self.name.setMaxLength(MAX_PACKER_NAME)
        self.badge = QLineEdit()
        self.badge.setAccessibleName("New packer's badge code")
        self.badge.setPlaceholderText("Badge code (blank: made up)")
        self.badge.setMaxLength(MAX_BADGE)
        self.add_button = QPushButton("&Add")
        self.add_button.clicked.connect(self.add)
        self.name.returnPressed.connect(self.add)
        self.remove_button = QPushButton("&Remove")
        self.remove_button.clicked.connect(self.remove)
        self.print_button = QPushButton("&Print badges")
        self.print_button.clicked.connect(self.print_badges)
        self.result_label = plain(QLabel(""))
        self.result_label.setAccessibleName("Result")
        self.result_label.setWordWrap(True)
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        adding = QHBoxLayout()
        for widget in (self.name, self.badge, self.add_button):
            adding.addWidget(widget)
        buttons = QHBoxLayout()
        for widget in (self.remove_button, self.print_button):
            buttons.addWidget(widget)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.list)
        layout.addLayout(adding)
        layout.addWidget(self.result_label)
        layout.addLayout(buttons)
        self.resize(520, 420)
        self._run(lambda: None, "")

    def _run(self, change: Callable[[], object], done: str,
             then: Callable[[], None] = lambda: None) -> None:
        self.tasks.run(self._change(change, done, then))

    async def _change(self, change: Callable[[], object], done: str,
                      then: Callable[[], None]) -> None:
        """``change`` in a worker, then the list read again; ``then`` on success."""
        roster = self.station.packers
        try:
            await asyncio.to_thread(change)
            self.packers = await asyncio.to_thread(roster.all)
        except (PackerError, SiteUnreachable) as exc:
            self.result_label.setText(str(exc))  # nothing saved; what was typed stays
            return
        self.list.clear()
        for packer in self.packers:
            self.list.addItem(f"{packer.name}  ·  badge {packer.badge}")
        then()
        if done:
            self.result_label.setText(done)
            self.changed.emit()

    def add(self) -> None:
        name, badge = self.name.text(), self.badge.text().strip() or None

        def typed_again() -> None:
            self.name.clear()
            self.badge.clear()
        self._run(lambda: self.station.packers.add(name, badge),
                  f"Added {' '.join(name.split())}.", typed_again)

    def remove(self) -> None:
        row = self.list.currentRow()
        if not 0 <= row < len(self.packers):
            self.result_label.setText("Choose a packer to remove.")
            return
        packer = self.packers[row]
        self._run(lambda: self.station.packers.remove(packer.name),
                  f"Removed {packer.name} (what they did stays recorded).")

    def print_badges(self) -> None:
        self.tasks.run(self._print())

    async def _print(self) -> None:
        settings = self.station.settings
        _, message = await self.setup.print_badges(self.packers, settings.voucher_printer,
                                                    settings.voucher_paper)
        self.result_label.setText(message)
