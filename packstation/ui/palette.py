"""Colours that follow the OS's light or dark palette and stay readable on both.

Qt takes the palette from the OS; the few colours of our own (the "due"
mark, a printer warning) are chosen here against the current background, so
they keep a contrast of at least 4.5:1 (WCAG AA) in light and dark mode.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QGuiApplication, QPalette

_RED_ON_LIGHT, _RED_ON_DARK = QColor("#b3261e"), QColor("#ff8a80")
_AMBER_ON_LIGHT, _AMBER_ON_DARK = QColor("#8a4b00"), QColor("#ffc46b")


def is_dark(palette: QPalette | None = None) -> bool:
    palette = palette or QGuiApplication.palette()
    return palette.color(QPalette.ColorRole.Base).lightness() < 128


def warning_colour(palette: QPalette | None = None) -> QColor:
    return _RED_ON_DARK if is_dark(palette) else _RED_ON_LIGHT


def warning_style() -> str:
    return f"color: {warning_colour().name()}; font-weight: bold;"


def due_colour(palette: QPalette | None = None) -> QColor:
    """Amber: must leave today (red is for overdue)."""
    return _AMBER_ON_DARK if is_dark(palette) else _AMBER_ON_LIGHT
