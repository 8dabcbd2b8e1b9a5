"""Qt widgets and models only. Everything else stays Qt-free."""
