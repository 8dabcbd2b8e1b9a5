"""Why printing could not be done: the errors every printing module raises."""

from __future__ import annotations


class PrintError(Exception):
    """Printing could not be done; the message says why, for a packer."""


class NotAPdf(PrintError):
    """The bytes are not a printable PDF."""
