"""A voucher's PDF as it will print (QPdfView), or plainly why it cannot be shown yet.

Only PDFs already downloaded (by the prefetch or a print) are shown: the
preview never spends a request of its own. Until the PDF is here it says "PDF
not ready yet", and how long Smart Gift has been generating it; the window
calls :meth:`poll` every second so it appears as soon as it arrives.
"""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import QLabel, QStackedWidget

from packstation.api import Voucher
from packstation.station_views import VoucherPdfs
from packstation.ui.plain import plain
from packstation.ui.tasks import WidgetTasks


class VoucherPreview(QStackedWidget):
    def __init__(self, pdfs: VoucherPdfs | None) -> None:
        super().__init__()
        self.pdfs = pdfs
        self.tasks = WidgetTasks()
        self.setAccessibleName("Voucher preview")
        self.document = QPdfDocument(self)
        self.view = QPdfView()
        self.view.setAccessibleName("Voucher PDF")
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.state = plain(QLabel())
        self.state.setAccessibleName("Voucher preview state")
        self.state.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.state.setWordWrap(True)
        self.addWidget(self.state)
        self.addWidget(self.view)
        self._buffer: QBuffer | None = None  # the document reads from it: kept alive
        self._url: str | None = None
        self._loading = False
        self.show_voucher(None)

    @property
    def showing_pdf(self) -> bool:
        return self.currentWidget() is self.view

    def show_voucher(self, voucher: Voucher | None) -> None:
        url = (voucher.pdf_copy or "") if voucher else None
        if url == self._url and self.showing_pdf:
            return  # the same voucher shown again (a tick, a refresh): no flicker
        self._url = url
        self._show_state()
        self.poll()

    def poll(self) -> None:
        """Show the PDF once it is here; until then keep the waiting time current."""
        if self.showing_pdf or self._loading or not self._url or self.pdfs is None:
            return
        if self.pdfs.cached(self._url):
            self._loading = True
            self.tasks.run(self._load(self._url))
        else:
            self._show_state()

    async def _load(self, url: str) -> None:
        assert self.pdfs is not None
        try:
            data = await self.pdfs.cached_pdf(url)
        finally:
            self._loading = False
        if data is not None and url == self._url:  # still the voucher in hand
            self._show_pdf(data)

    def _show_pdf(self, data: bytes) -> None:
        buffer = QBuffer(self)
        buffer.setData(QByteArray(data))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document.load(buffer)
        if self._buffer is not None:
            self._buffer.deleteLater()
        self._buffer = buffer
        if self.document.status() == QPdfDocument.Status.Error:
            self.state.setText("This PDF cannot be shown (it may still print).")
            return
        self.setCurrentWidget(self.view)

    def _show_state(self) -> None:
        self.document.close()
        self.setCurrentWidget(self.state)
        url = self._url
        if url is None:
            self.state.setText("No voucher to preview.")
        elif not url:
            self.state.setText("PDF not ready yet: Smart Gift has not made this voucher's "
                               "PDF.")
        elif self.pdfs is None:
            self.state.setText("PDF not ready yet.")
        elif failure := self.pdfs.failure(url):
            self.state.setText(f"PDF problem: {failure}")
        elif (waited := self.pdfs.generating_for(url)) is not None:
            self.state.setText(f"PDF not ready yet: Smart Gift is generating it "
                               f"(waiting {int(waited)} s).")
        else:
            self.state.setText("PDF not ready yet: downloading…")
