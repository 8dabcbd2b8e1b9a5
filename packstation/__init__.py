"""packstation: a packing station for Smart Gift fulfilment providers."""

__version__ = "0.1.0"
