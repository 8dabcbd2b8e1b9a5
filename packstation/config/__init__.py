"""Where the app finds its API address and key. No Qt here."""
