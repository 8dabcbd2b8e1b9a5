"""Distinct sounds for a good and a bad scan; optional, and never required to work."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from PySide6.QtCore import QObject, QUrl

from packstation.resources import resource_dir

log = logging.getLogger(__name__)

SOUNDS = resource_dir() / "sounds"


def audio_possible() -> bool:
    """On Linux, is there a sound server or a sound card at all? Elsewhere: assume so."""
    if not sys.platform.startswith("linux"):
        return True
    runtime = Path(os.environ.get("XDG_RUNTIME_DIR") or "/nonexistent")
    return (bool(os.environ.get("PULSE_SERVER")) or (runtime / "pulse" / "native").exists()
            or (runtime / "pipewire-0").exists() or Path("/dev/snd").exists())


class ScanSounds:
    """Plays ok.wav or error.wav. Without an audio device or the files: silence, no error."""

    def __init__(self, enabled: bool = True, folder: Path = SOUNDS,
                 parent: QObject | None = None) -> None:
        self.enabled = enabled
        self.played: list[str] = []  # what was asked for: support and tests read it
        self._effects: dict[str, object] = {}
        if not enabled:
            return
        if not audio_possible():
            # A headless box (CI, a server): QtMultimedia without any audio system was
            # seen to crash the process at exit, so it is not even loaded.
            log.info("sounds off: no audio system")
            return
        try:
            from PySide6.QtMultimedia import QSoundEffect
        except ImportError as exc:  # QtMultimedia missing its system libraries
            log.warning("sounds off: %s", exc)
            return
        for name in ("ok", "error"):
            path = folder / f"{name}.wav"
            if path.is_file():
                effect = QSoundEffect(parent)  # Qt owns it: freed with the window
                effect.setSource(QUrl.fromLocalFile(str(path)))
                self._effects[name] = effect

    def play(self, ok: bool) -> None:
        if not self.enabled:
            return
        name = "ok" if ok else "error"
        self.played.append(name)
        effect = self._effects.get(name)
        if effect is not None:
            effect.play()  # type: ignore[attr-defined]

    def close(self) -> None:
        """Free the effects now (turning sounds off and on must not pile them up)."""
        for effect in self._effects.values():
            effect.deleteLater()  # type: ignore[attr-defined]
        self._effects.clear()
