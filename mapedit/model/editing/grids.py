"""Whole-grid operations: delete, renumber a unit, households from buildings."""

from __future__ import annotations

from mapedit.errors import EditRefused
from mapedit.model.changes import ChangeSet, GridChange
from mapedit.model.codes import number_grids
from mapedit.model.dataset import Dataset
from mapedit.model.editing.common import (
    default_name,
    editable_grid,
    editable_unit,
    households_from_buildings,
    is_default_name,
    stamp_now,
)
from mapedit.model.editing.index import unit_grids

__all__ = ["delete_grid", "households_from_buildings", "renumber_unit", "move_grid_to_unit"]


def delete_grid(dataset: Dataset, fid: int) -> ChangeSet:
    """Delete a grid (its area becomes a gap). Refused in a locked unit."""
    grid, _ = editable_grid(dataset, fid)
    return ChangeSet(f"删除微网格 {grid.code}", f"delete grid {grid.code}",
                     [GridChange(grid, None)])


def renumber_unit(dataset: Dataset, unit_code: str) -> ChangeSet:
    """Give the unit's grids codes in reading order (rows north→south, west→east), as
    ``codes.number_grids``. Default names (``…{n}号微网格``) follow their new number; names
    the clerk typed are kept. Only grids whose code or name changes are in the change set
    (codes may swap between grids within it: the store must apply it as one transaction)."""
    unit = editable_unit(dataset, unit_code)
    grids = [g for g in unit_grids(dataset, unit_code) if g.geometry is not None]
    if not grids:
        raise EditRefused("该管理单元没有微网格", "the unit has no grids")
    codes = number_grids(unit_code, [g.geometry for g in grids])
    stamp = stamp_now()
    changes = []
    for g, code in zip(grids, codes, strict=True):
        name = default_name(unit, code) if is_default_name(unit, g.name) else g.name
        if code != g.code or name != g.name:
            changes.append(GridChange(g, g.replace(code=code, name=name, updated=stamp)))
    return ChangeSet(f"重新编号管理单元 {unit.code}", f"renumber grids of unit {unit.code}",
                     changes)


def move_grid_to_unit(dataset: Dataset, fid: int, unit_code: str) -> ChangeSet:
    """Always refused: a grid never leaves its unit (draw it anew in the other unit)."""
    raise EditRefused("微网格不能移到其他管理单元", "a grid cannot be moved to another unit")
