"""Local persistence: the SQLite database (print history; later the jobs cache and the
outbox) and the voucher PDF cache. Only this package writes SQL. No Qt."""
