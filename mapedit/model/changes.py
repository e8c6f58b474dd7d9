"""Change sets: the one currency of every edit.

An edit (GUI tool, attribute panel, CLI import, a fix from the checker) is a :class:`ChangeSet`
of grid changes, each ``before → after``. ``Project.apply`` writes it in one SQLite transaction,
updates the in-memory dataset and re-checks only what it touched. Undo applies the inverse, so
undo and redo take exactly the same path as the edit itself.

A change set describes itself in both languages (``zh``/``en``): the edit log stores both and
the interface shows one. The inverse of an edit reads "撤销:…"/"undo: …"; the inverse of that
inverse (a redo) reads as the edit itself again, never "撤销:撤销:…".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mapedit.model.hierarchy import (
    HOUSEHOLDS_ENTERED,
    HOUSEHOLDS_FROM_BUILDINGS,
    MicroGrid,
    now_iso,
)

FIELD_LABELS: dict[str, tuple[str, str]] = {
    "name": ("名称", "name"),
    "category": ("类别", "category"),
    "departments": ("条线部门", "departments"),
    "households": ("户数", "households"),
    "population": ("人口", "population"),
    "four_bounds": ("四至", "boundaries"),
    "notes": ("备注", "notes"),
}
"""The attributes a clerk edits, as the edit log names them."""
FROM_BUILDINGS = ("(按楼栋计算)", " (from buildings)")
"""``how`` of :func:`edit_attributes` for households summed from the building layer."""


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
    undoes: tuple[str, str] | None = None
    """For an inverse: the (zh, en) of the change set it undoes."""

    def inverse(self) -> ChangeSet:
        changes = [c.inverse() for c in reversed(self.changes)]
        if self.undoes is not None:  # undoing an undo is the edit itself (a redo)
            return ChangeSet(self.undoes[0], self.undoes[1], changes)
        return ChangeSet(f"撤销:{self.zh}", f"undo: {self.en}", changes,
                         undoes=(self.zh, self.en))

    @property
    def fids(self) -> set[int]:
        return {c.fid for c in self.changes if c.fid is not None}

    def __bool__(self) -> bool:
        return bool(self.changes)


def edit_attributes(grid: MicroGrid, how: tuple[str, str] = ("", ""),
                    **values: Any) -> ChangeSet:
    """One edit of ``grid``'s attributes (keys of :data:`FIELD_LABELS`), described in both
    languages (``how`` is appended, e.g. where a value came from) and stamped: ``updated`` is
    the time of the edit, as for a geometry edit.

    A households value set here remembers where it came from (``households_source``): from
    the buildings when ``how`` is :data:`FROM_BUILDINGS` (由楼栋计算户数, 采用), so every later
    reshaping edit recomputes it; otherwise the clerk typed it and it is kept as entered (the
    ``households-buildings-mismatch`` warning compares it with the buildings). Without this a
    typed value on a grid made from a gap would be silently recomputed by the next edit."""
    unknown = [k for k in values if k not in FIELD_LABELS]
    if unknown:
        raise ValueError(f"not an editable attribute: {unknown}")
    extra: dict[str, Any] = {}
    if "households" in values:
        extra["households_source"] = households_source_of(values["households"],
                                                          how == FROM_BUILDINGS)
    label = grid.name or grid.code
    zh_fields = "、".join(FIELD_LABELS[k][0] for k in values)
    en_fields = ", ".join(FIELD_LABELS[k][1] for k in values)
    key = "category" if "category" in values else next(iter(values)) if len(values) == 1 else ""
    if key in ("households", "population", "category"):
        # the value is what the clerk set (a new category brings its default departments)
        value = values[key]
        zh_f, en_f = FIELD_LABELS[key]
        zh = f"将微网格 {label} 的{zh_f}改为 {'空' if value is None else value}"
        en = f"set {en_f} of grid {grid.code} to {value}"
    else:
        zh = f"修改微网格 {label} 的{zh_fields}"
        en = f"change {en_fields} of grid {grid.code}"
    after = grid.replace(updated=now_iso(), **values, **extra)
    return ChangeSet(zh + how[0], en + how[1], [GridChange(before=grid, after=after)])


def follows_buildings(grid: MicroGrid, value: int | None) -> bool:
    """Whether ``grid`` already holds ``value`` as the buildings' total (so 采用/由楼栋计算户数
    has nothing to do). An equal value the clerk typed still counts as entered: adopting it
    makes later reshaping edits recompute it."""
    return grid.households == value and grid.households_source == HOUSEHOLDS_FROM_BUILDINGS


def households_source_of(value: int | None, from_buildings: bool = False) -> str:
    """``households_source`` for a households value set by hand, by an import or from the
    buildings: no value has no source."""
    if value is None:
        return ""
    return HOUSEHOLDS_FROM_BUILDINGS if from_buildings else HOUSEHOLDS_ENTERED


def delete_grids(grids: list[MicroGrid]) -> ChangeSet:
    """Delete ``grids`` in one edit."""
    names = "、".join(g.name or g.code for g in grids[:3]) + ("等" if len(grids) > 3 else "")
    return ChangeSet(f"删除微网格 {names}", f"delete {len(grids)} micro-grid(s)",
                     [GridChange(before=g, after=None) for g in grids])
