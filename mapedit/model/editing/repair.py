"""Repairs for what the checker reports: subtract an overlap, clip a grid to its unit, node
shared edges.

These are the editing side of the checker's suggested fixes (``mapedit.fixes`` maps a finding
to one of them; gaps reuse :mod:`mapedit.model.editing.gaps`). They live in the model, not in
the rules, because a repair is an edit like any other: a pure function of the dataset returning
a :class:`~mapedit.model.changes.ChangeSet`, noded against the untouched neighbours by
``conform`` and refused by ``guard`` when it would make coverage worse — so a fix can never
trade one error for another, and undo is just the inverse.

A repair never invents area: overlay pieces that are noise (``min_area_m2`` /
``noding_precision_m``, the checker's own test) are dropped, and when a cut leaves a grid in
more pieces than it had, only the largest are kept (a micro-grid is one contiguous area); the
pieces left behind become gaps the checker reports and the clerk can fill.
"""

from __future__ import annotations

from collections.abc import Sequence

import shapely
from shapely.geometry.base import BaseGeometry

from mapedit.errors import EditRefused
from mapedit.model.changes import ChangeSet, GridChange
from mapedit.model.dataset import Dataset
from mapedit.model.editing.common import (
    editable_grid,
    node_and_finish,
    reshapable_grid,
    settings_of,
    stamp_now,
)
from mapedit.model.editing.index import grids_near, unit_grids
from mapedit.model.editing.rings import polygonal, same_geometry, significant_parts
from mapedit.model.hierarchy import MicroGrid
from mapedit.model.settings import Settings
from mapedit.model.validity import usable

__all__ = ["clip_to_unit", "node_grids", "subtract_overlap", "unit_has_grids"]


def _keep_largest(result: BaseGeometry, original: BaseGeometry, settings: Settings,
                  code: str, zh_what: str, en_what: str) -> BaseGeometry:
    """The significant parts of ``result``, at most as many as ``original`` had (largest
    first): cutting a grid must not turn it into a scatter of islands. Refused when nothing
    significant is left (the grid would vanish: deleting it is the clerk's decision)."""
    parts = significant_parts(result, settings)
    if not parts:
        raise EditRefused(f"{zh_what}后微网格 {code} 将不复存在,请改为删除或重画",
                          f"after {en_what} nothing of grid {code} would remain; delete or "
                          "redraw it instead")
    n = max(1, len(significant_parts(original, settings)))
    return polygonal(parts[:n])


def subtract_overlap(dataset: Dataset, fid_target: int, fid_other: int,
                     settings: Settings | None = None) -> ChangeSet:
    """Remove from grid ``fid_target`` the area it shares with grid ``fid_other``.

    The new edge follows the other grid's boundary (the overlay keeps its vertices; the few
    computed crossing points are inserted into the other grid by the noding), so the two
    grids end up sharing an edge exactly. Refused when the grids do not (or no longer)
    overlap, when the target's unit is locked, or when nothing of the target would remain.
    """
    s = settings_of(dataset, settings)
    if fid_target == fid_other:
        raise EditRefused("微网格不能与自身相减", "a grid cannot be subtracted from itself")
    target, _ = reshapable_grid(dataset, fid_target)
    other = dataset.grids.get(fid_other)
    if other is None or other.geometry is None or other.geometry.is_empty:
        raise EditRefused(f"微网格 {fid_other} 不存在或没有图形(数据可能已改变)",
                          f"grid {fid_other} does not exist or is empty (the data may have "
                          "changed)")
    a, b = target.geometry, usable(other.geometry)
    if b is None:
        raise EditRefused(f"微网格 {other.code} 的图形无效,无法计算重叠",
                          f"grid {other.code} has an invalid shape; the overlap cannot be "
                          "computed")
    if not significant_parts(shapely.intersection(a, b), s):
        raise EditRefused(f"微网格 {target.code} 与 {other.code} 已不再重叠",
                          f"grids {target.code} and {other.code} no longer overlap")
    geom = _keep_largest(shapely.difference(a, b), a, s, target.code,
                         "减去重叠部分", "subtracting the overlap")
    stamp = stamp_now()
    return node_and_finish(dataset, f"从微网格 {target.code} 中减去与 {other.code} 的重叠",
                           f"subtract the overlap with {other.code} from grid {target.code}",
                           [(target, target.replace(geometry=geom))], [], s, stamp)


def clip_to_unit(dataset: Dataset, fid: int, settings: Settings | None = None) -> ChangeSet:
    """Cut grid ``fid`` back to its unit, and off the other grids of that unit.

    ``grid ∩ unit − (other grids of the unit)``: a grid reaching out of its unit is usually a
    rough drawing, and the part cut off outside must not be traded for an overlap inside. The
    new edge along the unit boundary is noded onto the unit's own vertices (``conform`` takes
    the unit as reference). Refused when the grid lies (no longer) outside its unit, when its
    unit is locked, or when nothing would remain inside.
    """
    s = settings_of(dataset, settings)
    grid, unit = reshapable_grid(dataset, fid)
    g, ugeom = grid.geometry, unit.geometry
    if not significant_parts(shapely.difference(g, ugeom), s):
        raise EditRefused(f"微网格 {grid.code} 没有跨出管理单元 {unit.code}",
                          f"grid {grid.code} does not extend outside unit {unit.code}")
    inside = shapely.intersection(g, ugeom)
    others = [usable(o.geometry) for o in grids_near(dataset, inside, unit_code=unit.code)
              if o.fid != fid]
    others = [o for o in others if o is not None and not o.is_empty]
    if others:
        inside = shapely.difference(inside, shapely.union_all(others))
    geom = _keep_largest(inside, g, s, grid.code, "裁剪", "clipping")
    stamp = stamp_now()
    return node_and_finish(dataset, f"将微网格 {grid.code} 裁剪到管理单元 {unit.code} 内",
                           f"clip grid {grid.code} to unit {unit.code}",
                           [(grid, grid.replace(geometry=geom))], [], s, stamp)


def node_grids(dataset: Dataset, fids: Sequence[int],
               settings: Settings | None = None) -> ChangeSet:
    """Node the shared edges of some grids of one unit (the checker's "unshared vertex"
    slivers): every vertex lying on a neighbour's edge is inserted into that edge, and
    vertices closer than ``noding_precision_m`` are merged, so both sides go through the same
    coordinates. Grids of the unit next to them receive vertices too. Only grids whose
    geometry changes are in the change set; refused when nothing needs noding."""
    s = settings_of(dataset, settings)
    grids: list[MicroGrid] = []
    for f in dict.fromkeys(fids):
        grids.append(editable_grid(dataset, f)[0])
    if not grids:
        raise EditRefused("没有要对齐节点的微网格", "no grids to node")
    units = {g.unit_code for g in grids}
    if len(units) > 1:
        raise EditRefused("只能对齐同一管理单元内微网格的节点",
                          "only grids of one unit can be noded together")
    stamp = stamp_now()
    cs = node_and_finish(dataset, "对齐微网格公共边的节点",
                         "node the shared edges of grids",
                         [(g, g) for g in grids], [], s, stamp)
    changes = [c for c in cs.changes
               if not (c.before is not None and c.after is not None
                       and same_geometry(c.before.geometry, c.after.geometry))]
    if not changes:
        raise EditRefused("公共边的节点已经对齐", "the shared edges are already noded")
    codes = [c.after.code for c in changes if c.after is not None]
    return ChangeSet(f"对齐微网格 {'、'.join(codes)} 公共边的节点",
                     f"node the shared edges of grids {', '.join(codes)}",
                     [GridChange(c.before, c.after) for c in changes])


def unit_has_grids(dataset: Dataset, unit_code: str) -> bool:
    """Whether the unit has any grid with a geometry (an undrawn unit's only "gap" is the
    whole unit, which no repair should turn into one giant grid)."""
    return any(g.geometry is not None and not g.geometry.is_empty
               for g in unit_grids(dataset, unit_code))
