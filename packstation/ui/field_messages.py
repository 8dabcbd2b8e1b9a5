"""A problem shown under the field it concerns, the way a form should say it.

Used by the back-office dialogs for our own checks and for a server's 422 alike:
a message whose field is known goes under that field, anything else at the top.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from packstation.api import ApiValidationError
from packstation.api.pos import field_path
from packstation.ui.palette import warning_style
from packstation.ui.plain import plain


def message_label(name: str) -> QLabel:
    label = plain(QLabel())
    label.setWordWrap(True)
    label.setAccessibleName(f"Problem with {name}")
    label.setStyleSheet(warning_style())
    label.hide()
    return label


def refusal_by_field(refusal: ApiValidationError) -> dict[str, str]:
    """A 422's field errors keyed as our forms name fields (``items[0].code``)."""
    return {field_path(k): " ".join(v) for k, v in refusal.field_errors.items()}


def with_message(editor: QWidget, message: QLabel) -> QWidget:
    """The editor with its message below it, as one row of a form."""
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(2)
    layout.addWidget(editor)
    layout.addWidget(message)
    return box


class FieldMessages:
    def __init__(self, general: QLabel) -> None:
        self.general = general
        self.labels: dict[str, QLabel] = {}

    def clear(self) -> None:
        for label in (*self.labels.values(), self.general):
            label.clear()
            label.hide()

    def show(self, problems: Mapping[str, str], summary: str = "") -> None:
        """Each problem under its field; the rest (and ``summary``) at the top."""
        self.clear()
        elsewhere = []
        for field, message in problems.items():
            label = self.labels.get(field)
            if label is None:
                elsewhere.append(message)
            else:
                label.setText(message)
                label.show()
        top = [summary] if summary else []
        top += [m for m in elsewhere if m not in top]
        if top:
            self.show_general(" ".join(top))

    def show_general(self, text: str) -> None:
        self.general.setText(text)
        self.general.show()

    def text(self, field: str) -> str:
        label = self.labels.get(field)
        return label.text() if label is not None else ""
