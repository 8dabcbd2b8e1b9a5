"""The Qt binding we pin must not corrupt Python's own objects.

PySide6 6.12.0's ``Signal.emit()`` returned ``True`` without taking a reference:
each emit dropped one, and on Python 3.11 (where ``True`` is not immortal) the
process died once the count reached zero. The window emits on every scan, so
a shift would end in a crash. Checked here so that a new pin cannot bring it back.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot


class Emitter(QObject):
    text = Signal(str)
    bare = Signal()


def test_emitting_signals_keeps_true_and_false_intact() -> None:
    emitter = Emitter()
    emitter.text.connect(lambda _: None)
    before = sys.getrefcount(True), sys.getrefcount(False)
    for _ in range(500):
        emitter.text.emit("scan")
        emitter.bare.emit()
    after = sys.getrefcount(True), sys.getrefcount(False)
    assert after[0] >= before[0] - 5 and after[1] >= before[1] - 5


def test_overridden_virtuals_returning_bools_keep_them_intact(qtbot: QtBot) -> None:
    class Field(QLineEdit):
        def focusNextPrevChild(self, next: bool) -> bool:
            return False

    field = Field()
    qtbot.addWidget(field)
    field.show()
    before = sys.getrefcount(True), sys.getrefcount(False)
    for _ in range(200):
        field.focusNextPrevChild(True)
        qtbot.keyClick(field, "\t")
    after = sys.getrefcount(True), sys.getrefcount(False)
    assert after[0] >= before[0] - 5 and after[1] >= before[1] - 5
