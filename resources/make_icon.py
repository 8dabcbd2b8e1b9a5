"""Draw packstation's icon (a parcel with a barcode) as PNG, ICO and ICNS with Qt.

    QT_QPA_PLATFORM=offscreen .venv/bin/python resources/make_icon.py

Drawn by code, like the sounds, so the repository holds no opaque artwork.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter, QPen

OUT = Path(__file__).parent / "icons"


def draw(size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    s = size / 256
    p.setPen(QPen(QColor("#5d3a1a"), 6 * s))
    p.setBrush(QColor("#c98b4e"))
    p.drawRoundedRect(QRectF(24 * s, 48 * s, 208 * s, 176 * s), 18 * s, 18 * s)  # the parcel
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor("#e9c48f"))
    p.drawRect(QRectF(112 * s, 48 * s, 32 * s, 176 * s))  # the tape
    p.setBrush(QColor("white"))
    p.drawRoundedRect(QRectF(52 * s, 120 * s, 152 * s, 80 * s), 8 * s, 8 * s)  # the label
    p.setBrush(QColor("#1b1b1b"))
    x = 64.0
    for width in (4, 2, 6, 2, 4, 8, 2, 4, 2, 6, 4, 2, 8, 2, 4, 6, 2, 4):  # a barcode
        p.drawRect(QRectF(x * s, 132 * s, width * s, 56 * s))
        x += width + 3
    p.end()
    return image


def main() -> None:
    app = QGuiApplication([])
    OUT.mkdir(exist_ok=True)
    draw(256).save(str(OUT / "packstation.png"))
    draw(256).save(str(OUT / "packstation.ico"))
    draw(512).save(str(OUT / "packstation.icns"))
    del app


if __name__ == "__main__":
    main()
