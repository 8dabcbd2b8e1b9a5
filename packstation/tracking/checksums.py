"""The check-digit algorithms the courier data names (its CHECKSUM_ALGORITHMS.md).

Each takes the serial (whitespace already removed), the check character and the
data's parameters, and says whether the check character is right. A misread digit
almost always fails its check: that is how a bad scan is told from a good one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Params = Mapping[str, Any]


def _value(char: str) -> int:
    return int(char) if char.isdigit() else (ord(char) - 3) % 10


def mod10(serial: str, check: str, params: Params) -> bool:
    chars = serial[::-1] if params.get("reverse") else serial
    total = 0
    for index, char in enumerate(chars):
        value = _value(char)
        if params.get("odds_multiplier") and index % 2 == 1:
            value *= int(params["odds_multiplier"])
        elif params.get("evens_multiplier") and index % 2 == 0:
            value *= int(params["evens_multiplier"])
        total += value
    digit = total % 10
    return check.isdigit() and (0 if digit == 0 else 10 - digit) == int(check)


def mod7(serial: str, check: str, params: Params) -> bool:
    return serial.isdigit() and check.isdigit() and bool(int(serial) % 7 == int(check))


def s10(serial: str, check: str, params: Params) -> bool:
    weights = params.get("weightings") or [8, 6, 4, 2, 3, 5, 9, 7]
    if not serial.isdigit() or not check.isdigit():
        return False
    remainder = sum(int(d) * w for d, w in zip(serial, weights, strict=False)) % 11
    expected = {1: 0, 0: 5}.get(remainder, 11 - remainder)
    return bool(expected == int(check))


def sum_product(serial: str, check: str, params: Params) -> bool:
    weights = params.get("weightings") or []
    if not serial.isdigit() or not check.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(serial, weights, strict=False))
    return bool(total % int(params["modulo1"]) % int(params["modulo2"]) == int(check))


_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def mod_37_36(serial: str, check: str, params: Params) -> bool:
    """ISO 7064 MOD 37,36 as DPD's parcel label specification uses it."""
    mod = 36
    digit = mod
    for char in serial:
        value = _ALPHABET.find(char)
        if value < 0:
            return False
        digit += value
        if digit > mod:
            digit -= mod
        digit *= 2
        if digit > mod:
            digit -= mod + 1
    digit = mod + 1 - digit
    if digit == mod:
        digit = 0
    return _ALPHABET[digit] == check


ALGORITHMS: dict[str, Callable[[str, str, Params], bool]] = {
    "mod10": mod10, "mod7": mod7, "s10": s10,
    "sum_product_with_weightings_and_modulo": sum_product, "mod_37_36": mod_37_36,
}
