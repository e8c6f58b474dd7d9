"""Change sets: the one currency of every edit.

An edit (GUI tool, attribute panel, CLI import, a fix from the checker) is a :class:`ChangeSet`
of grid changes, each ``before → after``. ``Project.apply`` writes it in one SQLite transaction,
updates the in-memory dataset and re-checks only what it touched. Undo applies the inverse, so
undo and redo take exactly the same path as the edit itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mapedit.model.hierarchy import MicroGrid


@dataclass
class GridChange:
    before: MicroGrid | None
    """The grid as it was (None: the change inserts it)."""
    after: MicroGrid | None
    """The grid as it becomes (None: the change deletes it)."""

    @property
    def fid(self) -> int | None:
        g = self.after if self.after is not None else self.before
        return g.fid if g is not None else None

    @property
    def action(self) -> str:
        if self.before is None:
            return "insert"
        if self.after is None:
            return "delete"
        return "update"

    def inverse(self) -> GridChange:
        return GridChange(before=self.after, after=self.before)


@dataclass
class ChangeSet:
    """An undoable edit. ``zh``/``en`` describe it for the undo menu and the edit log."""

    zh: str
    en: str
    changes: list[GridChange] = field(default_factory=list)

    def inverse(self) -> ChangeSet:
        return ChangeSet(f"撤销:{self.zh}", f"undo: {self.en}",
                         [c.inverse() for c in reversed(self.changes)])

    @property
    def fids(self) -> set[int]:
        return {c.fid for c in self.changes if c.fid is not None}

    def __bool__(self) -> bool:
        return bool(self.changes)
