"""Text from outside shown as text: a label never interprets markup it was given.

QLabel's default (AutoText) renders anything that looks like HTML, so a
customer name holding ``<img src=...>`` or a link would be drawn, fetched or
clicked. Every label of ours is plain text; the one rich label (the company's
terms link) is built from escaped text and an https address only.
"""

from __future__ import annotations

from html import escape
from urllib.parse import urlsplit

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel


def plain(label: QLabel) -> QLabel:
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


def safe_link(url: str | None, text: str) -> str:
    """An HTML link to ``url`` only when it is https (escaped); otherwise nothing."""
    if not url or urlsplit(url.strip()).scheme.lower() != "https" \
            or any(c <= " " for c in url.strip()):
        return ""
    return f'<a href="{escape(url.strip(), quote=True)}">{escape(text)}</a>'


def tooltip(text: str) -> str:
    """A tooltip Qt will not take for rich text (it guesses, as AutoText does)."""
    return f"<p style='white-space:pre-wrap'>{escape(text)}</p>"
