"""Gaps: parts of a unit covered by no grid, and the three ways to fill them.

A gap is a connected, non-noise piece of ``unit − union(grids of the unit)`` (noise: the same
``min_area_m2`` / ``noding_precision_m`` test the checker uses, so a gap here is a gap there).
Its boundary is made of the unit's and the grids' own vertices, so a grid that receives it stays
noded with its neighbours.
"""

from __future__ import annotations

import shapely
from shapely.geometry import Point, Polygon
from shapely.geometry.base import BaseGeometry

from mapedit.errors import EditRefused
from mapedit.model.changes import ChangeSet
from mapedit.model.dataset import Dataset
from mapedit.model.editing.common import (
    CodeAllocator,
    editable_unit,
    new_grid,
    node_and_finish,
    reshapable_grid,
    settings_of,
    stamp_now,
    uncovered,
)
from mapedit.model.editing.index import unit_grids
from mapedit.model.editing.rings import polygons_of, significant_parts
from mapedit.model.hierarchy import MicroGrid
from mapedit.model.settings import Settings
from mapedit.model.validity import is_usable


def unit_gaps(dataset: Dataset, unit_code: str,
              settings: Settings | None = None) -> list[Polygon]:
    """The unit's gaps, largest first."""
    s = settings_of(dataset, settings)
    return significant_parts(uncovered(dataset, unit_code, s.noding_precision_m), s)


def gap_at(dataset: Dataset, unit_code: str, x: float, y: float,
           settings: Settings | None = None) -> Polygon | None:
    """The gap of the unit containing (x, y) (or within ``noding_precision_m`` of it), or
    None when the point is covered or outside the unit."""
    s = settings_of(dataset, settings)
    p = Point(x, y)
    for gap in unit_gaps(dataset, unit_code, s):
        if gap.distance(p) <= s.noding_precision_m:
            return gap
    return None


def shared_length(a: BaseGeometry, b: BaseGeometry, tol: float) -> float:
    """Length of ``b``'s boundary running along ``a``'s boundary (within ``tol``)."""
    return float(b.boundary.intersection(a.boundary.buffer(tol)).length)


def fill_gap_new_grid(dataset: Dataset, unit_code: str, gap: BaseGeometry,
                      settings: Settings | None = None) -> ChangeSet:
    """Make a gap a new grid (next code, default name and category, like a drawn grid)."""
    s = settings_of(dataset, settings)
    unit = editable_unit(dataset, unit_code)
    stamp = stamp_now()
    grid = new_grid(dataset, unit, gap, CodeAllocator(dataset, unit_code), stamp)
    return node_and_finish(dataset, f"空隙新建微网格 {grid.code}",
                           f"new grid {grid.code} from gap", [(None, grid)], [], s, stamp)


def _absorb(grid: MicroGrid, gaps: list[BaseGeometry], settings: Settings) -> MicroGrid:
    """The grid grown by gaps it shares edges with. Raises when the result is not one
    polygon (the gap only touches the grid at a point)."""
    try:
        union = shapely.coverage_union_all([grid.geometry, *gaps])
    except shapely.errors.GEOSException:  # edges not noded alike: the general union
        union = None
    if union is None or not union.is_valid:
        union = shapely.union_all([grid.geometry, *gaps])
    parts = polygons_of(union)
    if len(parts) != 1 and len(polygons_of(grid.geometry)) == 1:
        raise EditRefused(f"空隙与微网格 {grid.code} 没有公共边",
                          f"the gap shares no edge with grid {grid.code}")
    return grid.replace(geometry=union)


def fill_gap_to_neighbour(dataset: Dataset, gap: BaseGeometry, fid: int,
                          settings: Settings | None = None) -> ChangeSet:
    """Give a gap to grid ``fid`` (which must share an edge with it)."""
    s = settings_of(dataset, settings)
    grid, _ = reshapable_grid(dataset, fid)
    if shared_length(gap, grid.geometry, s.noding_precision_m) <= s.noding_precision_m:
        raise EditRefused(f"空隙与微网格 {grid.code} 没有公共边",
                          f"the gap shares no edge with grid {grid.code}")
    after = _absorb(grid, [gap], s)
    return node_and_finish(dataset, f"空隙并入微网格 {grid.code}",
                           f"give gap to grid {grid.code}", [(grid, after)], [], s,
                           stamp_now())


def fill_all_gaps(dataset: Dataset, unit_code: str,
                  settings: Settings | None = None) -> ChangeSet:
    """Fill every gap of the unit: each goes to the grid with the longest shared edge; a gap
    sharing no edge with any grid becomes a new grid. One change set (one undo step).
    Refused when the unit has no gaps or is locked."""
    s = settings_of(dataset, settings)
    unit = editable_unit(dataset, unit_code)
    gaps = unit_gaps(dataset, unit_code, s)
    if not gaps:
        raise EditRefused("该管理单元没有空隙", "the unit has no gaps")
    tol = s.noding_precision_m
    # grids with an invalid shape cannot receive a gap (see reshapable_grid)
    grids = [g for g in unit_grids(dataset, unit_code) if is_usable(g.geometry)]
    tree = shapely.STRtree([g.geometry for g in grids]) if grids else None
    to_grid: dict[int, list[BaseGeometry]] = {}
    lonely: list[BaseGeometry] = []
    for gap in gaps:
        best = (tol, None)
        if tree is not None:
            for i in tree.query(gap, predicate="dwithin", distance=tol):
                length = shared_length(gap, grids[int(i)].geometry, tol)
                if length > best[0]:
                    best = (length, int(i))
        if best[1] is None:
            lonely.append(gap)
        else:
            to_grid.setdefault(best[1], []).append(gap)
    stamp = stamp_now()
    edited: list[tuple[MicroGrid | None, MicroGrid]] = []
    for i, gs in to_grid.items():
        edited.append((grids[i], _absorb(grids[i], gs, s)))
    codes = CodeAllocator(dataset, unit_code)
    for gap in lonely:
        edited.append((None, new_grid(dataset, unit, gap, codes, stamp)))
    return node_and_finish(dataset, f"填补管理单元 {unit.code} 的全部空隙",
                           f"fill all gaps of unit {unit.code}", edited, [], s, stamp)
