"""A fake Smart Gift server, part of the product: for the demo, training and every test."""

from packstation.sandbox.server import DEMO_KEY, Faults, SandboxServer

__all__ = ["DEMO_KEY", "Faults", "SandboxServer"]
