"""Settings > Delivery: how each delivery method is sent, one row per method seen.

The method's name is Smart Gift's (shown as plain text); the packer's choices are
what a dispatch scan must be and, for a carrier, which carrier to expect.
"""

from __future__ import annotations

from PySide6.QtCore import QTime
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from packstation.config.delivery import (
    MAX_COMMENT,
    MAX_TRANSIT_DAYS,
    TRACKING_WORDS,
    DeliveryMethod,
    Tracking,
)
from packstation.plaintext import cell
from packstation.tracking.carriers import CARRIERS
from packstation.ui.plain import plain


class DeliveryMethodsPage(QWidget):
    def __init__(self, methods: list[DeliveryMethod],
                 cutoffs: dict[str, str] | None = None) -> None:
        super().__init__()
        self.methods = methods
        intro = plain(QLabel(
            "What a dispatch scan must be for each delivery method: a carrier's tracking "
            "number (checked, and sent as the carrier's own number), any reference of your "
            "own, or none (untracked post: scan DISPATCHED). Transit: working days from the bench "
            "to the door; a job must leave that many working days before its delivery "
            "date. Courier: booked with the last-mile courier (scan BOOK), its comment for "
            "the courier's driver ({order}, {recipient} and {method} are filled in)."))
        intro.setWordWrap(True)
        self.table = QTableWidget(len(methods), 6)
        self.table.setAccessibleName("Delivery methods")
        self.table.setHorizontalHeaderLabels(["Delivery method", "Dispatch with", "Carrier",
                                              "Transit (working days)", "Courier",
                                              "Comment for the courier"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        self.kinds: list[QComboBox] = []
        self.carriers: list[QComboBox] = []
        self.transits: list[QSpinBox] = []
        self.couriers: list[QCheckBox] = []
        self.comments: list[QLineEdit] = []
        for row, method in enumerate(methods):
            self.table.setItem(row, 0, QTableWidgetItem(cell(method.name)))
            kind = QComboBox()
            kind.setAccessibleName(f"Dispatch {method.name} with")
            for tracking, words in TRACKING_WORDS.items():
                kind.addItem(words, tracking.value)
            kind.setCurrentIndex(kind.findData(method.tracking.value))
            carrier = QComboBox()
            carrier.setAccessibleName(f"Carrier of {method.name}")
            carrier.addItem("Any carrier", "")
            for carrier_id, name in CARRIERS.items():
                carrier.addItem(name, carrier_id)
            carrier.setCurrentIndex(max(0, carrier.findData(method.carrier)))
            kind.currentIndexChanged.connect(
                lambda _=0, k=kind, c=carrier: c.setEnabled(k.currentData() != "internal"))
            carrier.setEnabled(method.tracking is not Tracking.INTERNAL)
            self.table.setCellWidget(row, 1, kind)
            self.table.setCellWidget(row, 2, carrier)
            transit = QSpinBox()  # bounded: a typo cannot make a job leave a month early
            transit.setAccessibleName(f"Transit days of {method.name}")
            transit.setRange(0, MAX_TRANSIT_DAYS)
            transit.setValue(method.transit_days)
            self.table.setCellWidget(row, 3, transit)
            self.kinds.append(kind)
            self.carriers.append(carrier)
            self.transits.append(transit)
            courier = QCheckBox("booked with the courier")
            courier.setAccessibleName(f"{method.name} is booked with the courier")
            courier.setChecked(method.courier)
            comment = QLineEdit(method.courier_comment)
            comment.setAccessibleName(f"Comment for the courier of {method.name}")
            comment.setMaxLength(MAX_COMMENT)
            comment.setPlaceholderText("e.g. Gift for {recipient}: hand over in person")
            comment.setEnabled(method.courier)
            courier.toggled.connect(comment.setEnabled)
            self.table.setCellWidget(row, 4, courier)
            self.table.setCellWidget(row, 5, comment)
            self.couriers.append(courier)
            self.comments.append(comment)
        empty = plain(QLabel("No delivery methods seen yet: they appear once jobs arrive."))
        empty.setVisible(not methods)
        self.collections = QTableWidget(len(CARRIERS), 2)
        self.collections.setAccessibleName("Collections")
        self.collections.setHorizontalHeaderLabels(["Collected", "Cut-off (UK time)"])
        self.collections.setVerticalHeaderLabels(list(CARRIERS.values()))
        self.collections.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.collected: dict[str, QCheckBox] = {}
        self.cutoff_times: dict[str, QTimeEdit] = {}
        for place, (carrier_id, name) in enumerate(CARRIERS.items()):
            known = (cutoffs or {}).get(carrier_id, "")
            collected = QCheckBox()
            collected.setAccessibleName(f"{name} collects")
            collected.setChecked(bool(known))
            at = QTimeEdit(QTime.fromString(known, "HH:mm") if known else QTime(16, 0))
            at.setDisplayFormat("HH:mm")
            at.setAccessibleName(f"{name}'s cut-off")
            at.setEnabled(bool(known))
            collected.toggled.connect(at.setEnabled)
            self.collections.setCellWidget(place, 0, collected)
            self.collections.setCellWidget(place, 1, at)
            self.collected[carrier_id], self.cutoff_times[carrier_id] = collected, at
        collections_intro = plain(QLabel(
            "Collections: each carrier that collects here, and its cut-off. The Today tab "
            "shows the next one and how many jobs wait for its manifest."))
        collections_intro.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table)
        layout.addWidget(empty)
        layout.addWidget(collections_intro)
        layout.addWidget(self.collections)

    def cutoffs(self) -> dict[str, str]:
        return {carrier: self.cutoff_times[carrier].time().toString("HH:mm")
                for carrier, box in self.collected.items() if box.isChecked()}

    def records(self) -> dict[str, DeliveryMethod]:
        chosen = {}
        for method, kind, carrier, transit, courier, comment in zip(
                self.methods, self.kinds, self.carriers, self.transits, self.couriers,
                self.comments, strict=True):
            tracking = Tracking(kind.currentData())
            text = comment.text().strip()
            chosen[method.name] = DeliveryMethod(
                method.name, tracking, "" if tracking is Tracking.INTERNAL
                else str(carrier.currentData()), method.id, transit.value(),
                courier.isChecked(), text if text.isprintable() else "")
        return chosen
