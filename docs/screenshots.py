"""Render the README's screenshots against the sandbox: the main window with a job
selected, a DPD label scanned (continuous packing, printing to the CUPS queue PDF
when there is one), the command sheet, the first-run wizard with a checked key, the
settings dialog, the agreements view and the New order dialog.

    xvfb-run -a -s "-screen 0 1280x900x24" .venv/bin/python docs/screenshots.py

The wizard really checks the key and stores it: in a plain-text keyring in a
temporary folder, chosen explicitly here (a screenshot run has no Secret Service).
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import qasync
from PySide6.QtWidgets import QApplication, QTabWidget

from packstation.api import ApiKey, SmartGiftClient
from packstation.config.delivery import DEMO_METHODS, Tracking
from packstation.config.settings import Settings
from packstation.printing.sheets import command_sheet_pdf
from packstation.sandbox import DEMO_KEY, SandboxServer
from packstation.sandbox.lastmile import LastMileServer
from packstation.scanning.commands import Command, barcode
from packstation.station import Station
from packstation.station_setup import StationSetup
from packstation.store.database import Database
from packstation.ui.app import build_window
from packstation.ui.first_run import FirstRunWizard
from packstation.ui.main_window import MainWindow
from packstation.ui.pos_order_dialog import PosOrderDialog
from packstation.ui.scanner_test import pdf_page_image
from packstation.ui.settings_dialog import SettingsDialog

OUT = Path(__file__).parent / "screenshots"


async def shoot(app: QApplication) -> None:
    with SandboxServer(pdf_delay=0, jobs=40, seed=1) as sandbox, \
            LastMileServer() as lastmile, tempfile.TemporaryDirectory() as tmp:
        client = SmartGiftClient(sandbox.base_url, ApiKey(DEMO_KEY))
        settings = Settings(print_on_select=False)
        station = Station(sandbox.base_url, client, Database(Path(tmp) / "db.sqlite3"),
                          settings, courier_sandbox=lastmile)
        await station.sync.sync_once()
        window = build_window(station, f"Demo: built-in sandbox at {sandbox.base_url}")
        window.show()
        await window.load_queue()
        job = next(j for j in (window.model.job(r) for r in range(window.model.rowCount()))
                   if len(j.vouchers) > 1 and j.status == "pending")
        window.scan_field.setText(job.order_reference or "")
        window.scan_field.returnPressed.emit()
        while not window.job_view.preview.showing_pdf:  # selected, its PDF shown
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)
        OUT.mkdir(exist_ok=True)
        window.grab().save(str(OUT / "main-window.png"))
        await shoot_dpd_scan(window, station)
        await shoot_today(window, station)
        await shoot_courier(window, station)
        await shoot_settings(station, sandbox.base_url)
        await shoot_back_office(window, station)
        window.close()
        await station.aclose()
        await shoot_wizard(sandbox.base_url)
        shoot_command_sheet()


async def shoot_dpd_scan(window: MainWindow, station: Station) -> None:
    """START, then a DPD UK label: the banner names the carrier and the number sent."""
    station.apply_settings(replace(station.settings, voucher_printer="PDF",
                                   continuous_packing=True,
                                   delivery_methods={m.name: replace(m, tracking=Tracking.CARRIER,
                                                                     carrier="dpd",
                                                                     courier=False)
                                                     for m in DEMO_METHODS}))
    station.sender.start()
    for text in (barcode(Command.START), "%SW1A1AA15501234567890101826"):
        window.scan_field.setText(text)
        window.scan_field.returnPressed.emit()
        await asyncio.sleep(1.5)
    while "DPD:" not in window.banner.text():
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)
    window.grab().save(str(OUT / "dpd-scan.png"))


async def scan(window: MainWindow, text: str) -> None:
    before = window.banner.text()
    window.scan_field.setText(text)
    window.scan_field.returnPressed.emit()
    for _ in range(200):
        if window.banner.text() != before:
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.3)


async def shoot_today(window: MainWindow, station: Station) -> None:
    """Two packers sign in by badge and pack; a wrong voucher on the way; the Today tab,
    and the shift report's page."""
    from packstation.printing.shift_sheet import shift_pdf
    from packstation.scanning.commands import badge_barcode

    station.apply_settings(replace(station.settings, delivery_methods={
        m.name: replace(m, tracking=Tracking.INTERNAL, courier=False) for m in DEMO_METHODS}))
    packers = [await asyncio.to_thread(station.packers.add, name)
               for name in ("Aisha Khan", "Ben Ode")]
    window.picker.reload() if window.picker else None
    for packer, jobs in zip(packers, (4, 3), strict=True):
        await scan(window, badge_barcode(packer.badge))
        for n in range(jobs):
            if n == 1:  # a voucher of another job: refused, counted
                other = next(j for j in (window.model.job(r)
                                         for r in range(window.model.rowCount()))
                             if j.status == "pending" and j.vouchers
                             and j.id != (window.current_job() or j).id)
                await scan(window, other.vouchers[0].code or "")
            await scan(window, f"BENCH-{packer.badge}-{n}")
    window.work.show_today()
    assert window.today is not None
    while window.today.last is None or window.today.last.dispatched < 8:
        window.today.work_happened()
        await asyncio.sleep(0.2)
    await asyncio.sleep(0.5)
    window.grab().save(str(OUT / "today.png"))
    page = shift_pdf(window.today.last, station.settings.station())
    pdf_page_image(page, 80).save(str(OUT / "shift-report.png"))
    await shoot_manifest(station)


async def shoot_manifest(station: Station) -> None:
    """Everything dispatched so far closed as one Royal Mail manifest (the demo's letters
    and envelopes: their methods are set to Royal Mail here), one job taken off, reprinted."""
    from packstation.printing.manifest_sheet import manifest_pdf

    station.apply_settings(replace(station.settings, delivery_methods={
        m.name: replace(m, tracking=Tracking.INTERNAL, carrier="royal-mail")
        for m in DEMO_METHODS}))
    desk = station.manifests
    manifest = await asyncio.to_thread(desk.close, "royal-mail")
    manifest = await asyncio.to_thread(desk.amend, manifest.id, manifest.on_it[-1].job_id,
                                       "Parcel damaged: repacked for the next collection")
    page = manifest_pdf(manifest, reprint=True, site=station.settings.station())
    pdf_page_image(page, 80).save(str(OUT / "manifest.png"))


async def shoot_courier(window: MainWindow, station: Station) -> None:
    """Ctrl+K on a courier job: the slots; one lets its hold run out, and the next is
    offered saying why; then booked and its handover label."""
    from packstation.printing.label import label_pdf
    from packstation.ui.courier_view import SlotDialog

    lastmile = station.courier_sandbox  # the demo's courier: its stand-in
    assert lastmile is not None
    station.apply_settings(replace(station.settings, continuous_packing=False,
                                   delivery_methods={m.name: m for m in DEMO_METHODS}))
    job = next(j for j in (window.model.job(r) for r in range(window.model.rowCount()))
               if j.status == "pending" and j.delivery_method_name == "Gift Envelope")
    window.work.show_jobs()
    await scan(window, job.order_reference or "")
    window.book_courier()
    while (dialog := window.dialogs.of_type(SlotDialog)) is None \
            or not dialog.book_button.isEnabled():
        await asyncio.sleep(0.05)
    lastmile.expire_slots()  # the packer took a phone call
    dialog.book_button.click()
    while (offered := window.dialogs.of_type(SlotDialog)) is None or offered is dialog \
            or not offered.book_button.isEnabled():
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.3)
    offered.grab().save(str(OUT / "courier-slots.png"))
    offered.book_button.click()
    while not lastmile.jobs:
        await asyncio.sleep(0.05)
    (courier_id,) = lastmile.jobs
    pdf_page_image(label_pdf(job, "4x6in", courier_id), 80).save(
        str(OUT / "handover-label.png"))


def shoot_command_sheet() -> None:
    """The command sheet as printed, at 80 dpi."""
    pdf_page_image(command_sheet_pdf(), 80).save(str(OUT / "command-sheet.png"))


async def shoot_settings(station: Station, url: str) -> None:
    dialog = SettingsDialog(station.settings, StationSetup(station.settings), url,
                            ["Office A4 (HP LaserJet)", "Zebra ZD421 labels"])
    dialog.findChild(QTabWidget).setCurrentIndex(1)  # Printing: the busiest page
    dialog.show()
    await asyncio.sleep(0.5)
    dialog.grab().save(str(OUT / "settings.png"))
    dialog.close()


async def shoot_back_office(window: MainWindow, station: Station) -> None:
    await station.agreements.refresh()
    window.show_agreements()
    await asyncio.sleep(0.5)
    window.grab().save(str(OUT / "agreements.png"))
    window.office.open_new_order()
    dialog = window.dialogs.of_type(PosOrderDialog)
    assert isinstance(dialog, PosOrderDialog)
    item = dialog.items[0]
    item.voucher_id.setValue(2)
    item.price.setText("25.00")
    item.to.setText("Ffion")
    item.from_name.setText("Rhys")
    item.message.setText("Pen-blwydd hapus!")
    dialog.customer.email.setText("buyer@example")  # a slip, to show a message at its field
    dialog.delivery.method.setValue(1)
    dialog.delivery.email.setText("ffion@example.com")
    dialog.payment_method.setValue(1)
    dialog.send()
    await asyncio.sleep(0.5)
    dialog.grab().save(str(OUT / "new-order.png"))
    dialog.reject()


async def shoot_wizard(url: str) -> None:
    wizard = FirstRunWizard(StationSetup(), Settings())
    wizard.show()
    wizard.environment.custom.setChecked(True)
    wizard.environment.address.setText(url)
    wizard.next()
    wizard.key_page.key.setText(DEMO_KEY)
    wizard.key_page.check()
    while not wizard.key_page.isComplete():
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.3)
    wizard.grab().save(str(OUT / "first-run-wizard.png"))
    wizard.close()


def main() -> None:
    keyring_home = tempfile.mkdtemp()
    os.environ.update(PYTHON_KEYRING_BACKEND="keyrings.alt.file.PlaintextKeyring",
                      XDG_DATA_HOME=keyring_home, PACKSTATION_CONFIG_DIR=keyring_home)
    app = QApplication(sys.argv)
    app.setQuitOnLastWindowClosed(False)  # as the app: shoot() ends the loop itself
    qasync.run(shoot(app))


if __name__ == "__main__":
    main()
