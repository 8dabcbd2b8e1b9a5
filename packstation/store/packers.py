"""The supervisor's list of packers (name, badge code), kept with the station's data: the
site's when there is one, so every bench knows every badge. Blocking: call in a worker."""

from __future__ import annotations

from datetime import UTC, datetime

from packstation.packers import MAX_PACKERS, Packer, PackerError, check_packer, new_badge
from packstation.store.database import Store


class PackerRoster:
    def __init__(self, db: Store) -> None:
        self._db = db

    def all(self) -> list[Packer]:
        return [Packer(str(r[0]), str(r[1])) for r in self._db.fetch(
            "SELECT name, badge FROM packers ORDER BY lower(name) LIMIT ?", (MAX_PACKERS,))]

    def by_badge(self, badge: str) -> Packer | None:
        rows = self._db.fetch("SELECT name, badge FROM packers WHERE badge = ?",
                              (badge.strip().upper(),))
        return Packer(str(rows[0][0]), str(rows[0][1])) if rows else None

    def by_name(self, name: str) -> Packer | None:
        rows = self._db.fetch("SELECT name, badge FROM packers WHERE lower(name) = lower(?)",
                              (" ".join(name.split()),))
        return Packer(str(rows[0][0]), str(rows[0][1])) if rows else None

    def add(self, name: str, badge: str | None = None) -> Packer:
        """The packer added (a badge code made up when none is given); PackerError when
        the name or the badge is bad or taken: nothing saved."""
        packer = check_packer(name, badge if badge is not None else new_badge())
        with self._db.transaction() as sql:
            count = int(sql.execute("SELECT count(*) FROM packers").fetchone()[0])
            if count >= MAX_PACKERS:
                raise PackerError(f"The list holds at most {MAX_PACKERS} packers.")
            for column, value, what in (("lower(name)", packer.name.lower(), "name"),
                                        ("badge", packer.badge, "badge code")):
                taken = sql.execute(f"SELECT name FROM packers WHERE {column} = ?",
                                    (value,)).fetchone()
                if taken is not None:
                    raise PackerError(f"That {what} is already {taken[0]}'s.")
            sql.execute("INSERT INTO packers (name, badge, added_at) VALUES (?, ?, ?)",
                        (packer.name, packer.badge,
                         datetime.now(UTC).isoformat(timespec="seconds")))
        return packer

    def remove(self, name: str) -> bool:
        """Off the list (what they did stays recorded under their name)."""
        return bool(self._db.fetch("DELETE FROM packers WHERE lower(name) = lower(?)"
                                   " RETURNING name", (" ".join(name.split()),)))
