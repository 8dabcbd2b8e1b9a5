"""Keeping the station and Smart Gift in step: incremental job sync and the outbox sender.

No Qt here: the window subscribes to their callbacks."""
