"""What the CLI prints is shown as text, never run by the terminal (see plaintext)."""

from __future__ import annotations

import sys
from typing import TextIO

from packstation.plaintext import escaped


class EscapingStream:
    """A text stream that escapes what a terminal would act on, and redacts secrets."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        return self._stream.write(escaped(text))

    def flush(self) -> None:
        self._stream.flush()

    def __getattr__(self, name: str) -> object:
        return getattr(self._stream, name)


def escape_output() -> tuple[TextIO, TextIO]:
    """Route stdout and stderr through :class:`EscapingStream`; returns the originals."""
    original = sys.stdout, sys.stderr
    sys.stdout = EscapingStream(sys.stdout)
    sys.stderr = EscapingStream(sys.stderr)
    return original
