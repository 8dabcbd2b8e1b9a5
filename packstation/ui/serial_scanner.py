"""A scanner on a serial (COM) port: each line it sends is one scan.

Some bench scanners (and most fixed-mount ones) speak RS-232 or USB-serial
instead of typing. QSerialPort reads them in the Qt event loop, without a
thread; lines end with CR, LF or both. A port that cannot be opened, or that
goes away, is reported through ``problem`` and never stops the window.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtSerialPort import QSerialPort

MAX_LINE = 4096  # a stuck scanner must not grow the buffer without end


class SerialScanner(QObject):
    scanned = Signal(str)
    problem = Signal(str)

    def __init__(self, port: str, baud: int = 9600, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.port = QSerialPort(self)
        self.port.setPortName(port)  # a name (COM3, ttyUSB0) or a full device path
        self.port.setBaudRate(baud)
        self.port.readyRead.connect(self._read)
        self.port.errorOccurred.connect(self._error)
        self._buffer = b""
        self._opening = False

    def open(self) -> bool:
        self._opening = True  # a failure to open is reported once, below, with advice
        try:
            opened = self.port.open(QSerialPort.OpenModeFlag.ReadOnly)
        finally:
            self._opening = False
        if not opened:
            self.problem.emit(f"The serial scanner on {self.port.portName()} could not be "
                              f"opened: {self.port.errorString()}. Check Settings > Scanner.")
            return False
        return True

    def close(self) -> None:
        if self.port.isOpen():
            self.port.close()

    def _read(self) -> None:
        self._buffer += bytes(self.port.readAll().data())
        *lines, self._buffer = self._buffer.replace(b"\r\n", b"\n").replace(b"\r", b"\n") \
            .split(b"\n")
        self._buffer = self._buffer[-MAX_LINE:]
        for line in lines:
            text = line.decode("utf-8", "replace")
            if text.strip():
                self.scanned.emit(text)

    def _error(self, error: QSerialPort.SerialPortError) -> None:
        if self._opening or error in (QSerialPort.SerialPortError.NoError,
                                      QSerialPort.SerialPortError.TimeoutError):
            return
        if error == QSerialPort.SerialPortError.ResourceError:  # unplugged
            self.close()
        self.problem.emit(f"The serial scanner on {self.port.portName()}: "
                          f"{self.port.errorString()}. Check its cable, then Settings > "
                          "Scanner.")
