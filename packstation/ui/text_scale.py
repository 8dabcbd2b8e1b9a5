"""A text-size scale for reading the screen at arm's length.

The scale is applied to one window's font; widgets that draw larger than the
rest (the scan field, the result banner, the address) declare their factor in
the ``font_factor`` property and are sized from the scaled font, so one
setting scales everything in proportion.
"""

from __future__ import annotations

from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import QWidget

FONT_FACTOR = "font_factor"


def enlarged(widget: QWidget, factor: float, bold: bool = False) -> None:
    """Mark ``widget`` as drawn ``factor`` times the window's text size."""
    widget.setProperty(FONT_FACTOR, factor)
    font = QFont(widget.font())
    font.setPointSizeF(font.pointSizeF() * factor)
    font.setBold(bold)
    widget.setFont(font)


def apply_text_scale(root: QWidget, scale: float) -> None:
    base = QFont(QGuiApplication.font())
    base.setPointSizeF(base.pointSizeF() * scale)
    root.setFont(base)
    for child in root.findChildren(QWidget):
        factor = child.property(FONT_FACTOR)
        if isinstance(factor, float):
            font = QFont(child.font())
            font.setPointSizeF(base.pointSizeF() * factor)
            child.setFont(font)
