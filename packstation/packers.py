"""Who is packing at this station: the packer signed in, and who stands in for nobody.

A packer signs in by scanning their badge (``scanning.commands.badge_barcode``) or by
picking their name; scanning another badge changes packer. Every scan, print and
dispatch is recorded with ``SignIn.who()`` and the station's name. When sign-in is not
required and nobody is signed in, the station's name stands in. No Qt.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

from packstation.listeners import Listeners

MAX_PACKER_NAME: Final = 60
MAX_PACKERS: Final = 500
BADGE_LENGTH: Final = 6
MAX_BADGE: Final = 20
# Badge codes: capitals and digits, which a scanner types the same on any keyboard
# layout; those made up here leave out the ones people confuse (0/O, 1/I).
BADGE_CHARACTERS: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
BADGE_ALPHABET: Final = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class PackerError(ValueError):
    """A packer the list cannot take (a bad or duplicate name or badge): said, not saved."""


@dataclass(frozen=True, slots=True)
class Packer:
    name: str
    badge: str  # the code after the badge prefix


def new_badge() -> str:
    return "".join(secrets.choice(BADGE_ALPHABET) for _ in range(BADGE_LENGTH))


def check_packer(name: str, badge: str) -> Packer:
    """The packer these say, tidied; PackerError saying what is wrong."""
    name = " ".join(name.split())
    if not name:
        raise PackerError("A packer needs a name.")
    if len(name) > MAX_PACKER_NAME or not name.isprintable():
        raise PackerError(f"A packer's name is at most {MAX_PACKER_NAME} printable "
                          "characters.")
    badge = badge.strip().upper()
    if not badge or len(badge) > MAX_BADGE or any(c not in BADGE_CHARACTERS for c in badge):
        raise PackerError(f"A badge code is 1 to {MAX_BADGE} capital letters and digits.")
    return Packer(name, badge)


@dataclass
class SignIn:
    """This station's packer; ``station``: its name, standing in for nobody."""

    station: str
    required: Callable[[], bool] = lambda: False
    packer: Packer | None = None
    _listeners: Listeners[Packer | None] = field(default_factory=Listeners, repr=False)

    def who(self) -> str:
        """The name every scan, print and dispatch is recorded with."""
        return self.packer.name if self.packer is not None else self.station

    def attribution(self) -> tuple[str, str]:
        return self.who(), self.station

    def needed(self) -> bool:
        """Nobody is signed in and sign-in is required: nothing is packed until someone is."""
        return self.packer is None and self.required()

    def sign_in(self, packer: Packer) -> None:
        self.packer = packer
        self._listeners.tell(packer)

    def sign_out(self) -> None:
        self.packer = None
        self._listeners.tell(None)

    def watch(self, listener: Callable[[Packer | None], None], on: bool = True) -> None:
        if on:
            self._listeners.subscribe(listener)
        else:
            self._listeners.unsubscribe(listener)
