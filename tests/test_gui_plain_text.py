"""Whatever Smart Gift sends is shown as text in the window: never markup, never a link
to anything but an https address."""

from __future__ import annotations

import copy

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox
from pytestqt.qtbot import QtBot

from packstation.api import Job
from packstation.ui.main_window import MainWindow
from tests.test_gui_backoffice import open_dialog
from tests.test_models import DOC_JOB

HTML_NAME = '<img src="http://127.0.0.1:1/beacon.png"><b>Bob</b><a href="file:///etc">x</a>'


def crafted(terms_url: str) -> Job:
    raw = copy.deepcopy(DOC_JOB)
    raw.update(customer_name=HTML_NAME, option_name="<h1>Next day</h1>",
               delivery_method_description="<script>alert(1)</script>")
    raw["company"] = {"id": 1, "name": "<i>Acme</i> & Sons", "company_terms_url": terms_url}
    raw["delivery_address"]["first_name"] = "<u>Ann</u>"
    raw["vouchers"][0]["message"] = "<img src=x onerror=alert(1)>Happy birthday"
    raw["tracking_reference"] = "<b>JD1</b>"
    return Job.from_json(raw)


def test_server_text_in_the_job_view_is_plain_text(qtbot: QtBot, window: MainWindow) -> None:
    view = window.job_view
    view.show_job(crafted("https://acme.example/terms?a=1&b=\"2\""))
    rich = [label for label in window.findChildren(QLabel)
            if label.textFormat() != Qt.TextFormat.PlainText
            and label.buddy() is None]  # a form's row labels are our own words
    # The two rich labels, built by us: escaped text and an https link only.
    assert rich == [view.fields["tracking"], view.fields["company"]]
    assert view.fields["tracking"].text() == "&lt;b&gt;JD1&lt;/b&gt;"
    assert view.fields["customer"].text().startswith(HTML_NAME)  # shown as typed, tags too
    assert "<h1>Next day</h1>" in view.fields["option"].text()
    assert view.address.text().startswith("<u>Ann</u>")
    company = view.fields["company"].text()
    assert "&lt;i&gt;Acme&lt;/i&gt; &amp; Sons" in company  # the name escaped...
    assert 'href="https://acme.example/terms?a=1&amp;b=&quot;2&quot;"' in company  # ...the link
    message = view.vouchers.item(0, view.vouchers.columnCount() - 1)
    assert "&lt;img" in message.toolTip()  # a tooltip Qt would otherwise render as HTML
    for unsafe in ("javascript:alert(1)", "http://acme.example/terms", "file:///etc/passwd",
                   "https://acme.example/\nx", ""):
        view.show_job(crafted(unsafe))
        assert "<a" not in view.fields["company"].text(), unsafe


def test_questions_quote_scans_as_plain_text(qtbot: QtBot, window: MainWindow) -> None:
    window.dialogs.ask(window, "Use <b>JD1</b> for this order?", lambda: None)
    box = open_dialog(qtbot, window, QMessageBox)
    assert isinstance(box, QMessageBox)
    assert box.textFormat() == Qt.TextFormat.PlainText
    box.reject()
