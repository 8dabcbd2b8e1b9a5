"""Regenerate the two feedback sounds (kept in the repository; run only to change them).

Success: two rising tones. Failure: one low buzz, twice as long. Distinct in
pitch, rhythm and length, so they are told apart in a noisy warehouse.
"""

from __future__ import annotations

import math
import struct
import wave
from pathlib import Path

RATE = 22050


def tone(freqs: list[tuple[float, float]], volume: float = 0.5) -> bytes:
    frames = bytearray()
    for freq, seconds in freqs:
        count = int(RATE * seconds)
        for i in range(count):
            fade = min(1.0, i / 200, (count - i) / 200)  # no clicks at the edges
            value = volume * fade * (math.sin(2 * math.pi * freq * i / RATE)
                                     if freq else 0.0)
            frames += struct.pack("<h", int(value * 32767))
    return bytes(frames)


def write(path: Path, data: bytes) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(data)


if __name__ == "__main__":
    here = Path(__file__).parent / "sounds"
    write(here / "ok.wav", tone([(880, 0.09), (0, 0.03), (1320, 0.12)]))
    square = tone([(180, 0.35)], volume=0.6)
    write(here / "error.wav", square + tone([(0, 0.08)]) + square)
