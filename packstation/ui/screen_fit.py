"""The window's first size: as roomy as it likes, but never larger than the screen.

A bench PC may have a 1366x768 (or 1280x720) display; a window opened at a
fixed 1280x800 put its status bar below the screen's edge. The first size fits
the screen's available area (taskbar excluded), less room for the window
manager's title bar and borders, which are unknown until the window is shown.
"""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

PREFERRED = QSize(1280, 800)
DECORATION = QSize(16, 48)  # a typical frame: borders, and a title bar


def first_size(window: QWidget) -> QSize:
    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is None:
        return PREFERRED
    room = screen.availableGeometry().size() - DECORATION
    return PREFERRED.boundedTo(room).expandedTo(window.minimumSizeHint())


def fit_on_screen(window: QWidget) -> None:
    """Size the window to fit, and put it on the screen's available area."""
    window.resize(first_size(window))
    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is not None:
        area = screen.availableGeometry()
        window.move(area.left() + max(0, (area.width() - window.width()) // 2 - 8),
                    area.top() + max(0, (area.height() - window.height()) // 2 - 24))
