"""The supervisor's list of packers (name, badge code), kept with the station's data: the
site's when there is one, so every bench knows every badge. Blocking: call in a worker."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

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
        """Whatever its case (in Python: SQLite's lower() knows only A to Z)."""
        wanted = " ".join(name.split()).casefold()
        return next((p for p in self.all() if p.name.casefold() == wanted), None)

    def add(self, name: str, badge: str | None = None) -> Packer:
        """The packer added (a badge code made up when none is given); PackerError when
        the name or the badge is bad or taken: nothing saved."""
        packer = check_packer(name, badge if badge is not None else new_badge())
        with self._db.transaction() as sql:
            count = int(sql.execute("SELECT count(*) FROM packers").fetchone()[0])
            if count >= MAX_PACKERS:
                raise PackerError(f"The list holds at most {MAX_PACKERS} packers.")
            self._refuse_taken(sql, packer)
            # Another bench adding the same name or badge at this moment: the unique
            # indexes decide, and the loser is told as above, not with a database error.
            added = sql.execute(
                "INSERT INTO packers (name, badge, added_at) VALUES (?, ?, ?)"
                " ON CONFLICT DO NOTHING RETURNING name",
                (packer.name, packer.badge,
                 datetime.now(UTC).isoformat(timespec="seconds"))).fetchall()
        if not added:
            self._refuse_taken(None, packer)
            raise PackerError("That name or badge code was taken at another station just "
                              "now.")
        return packer

    def _refuse_taken(self, sql: Any, packer: Packer) -> None:
        rows = (sql.execute("SELECT name, badge FROM packers").fetchall() if sql is not None
                else self._db.fetch("SELECT name, badge FROM packers"))
        for name, badge in rows:
            if str(name).casefold() == packer.name.casefold():
                raise PackerError(f"That name is already {name}'s.")
            if str(badge) == packer.badge:
                raise PackerError(f"That badge code is already {name}'s.")

    def remove(self, name: str) -> bool:
        """Off the list, whatever the case typed (what they did stays recorded under
        their name)."""
        found = self.by_name(name)
        return found is not None and bool(self._db.fetch(
            "DELETE FROM packers WHERE name = ? RETURNING name", (found.name,)))
