"""A fake Smart Gift server, part of the product: for the demo, training and every test.

The server (and reportlab, for its voucher PDFs) is imported on first use, so a
command that only needs the demo key does not pay for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

DEMO_KEY = "sk_demo_packstation_sandbox"

if TYPE_CHECKING:
    from packstation.sandbox.server import Faults, SandboxServer

__all__ = ["DEMO_KEY", "Faults", "SandboxServer"]


def __getattr__(name: str) -> Any:
    if name in ("Faults", "SandboxServer"):
        from packstation.sandbox import server

        return getattr(server, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
