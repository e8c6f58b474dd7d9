"""Draw a new micro-grid: clip to the unit, trim against (or fill up to) the neighbours.

``trim`` (default): new = (drawn ∩ unit) − existing grids. ``fill``: the same, plus every piece
of the unit's uncovered area that the drawing left over but lies entirely within the fill
tolerance of it — the thin leftovers between a roughly drawn outline and the neighbours' edges
or the unit boundary. Before that, drawn vertices within the tolerance of a boundary or
neighbour vertex/edge are snapped onto it, so the grid closes the gap up to the neighbours
exactly. Precisely, with U the unit, C the union of its grids, D = snap(drawn) ∩ U − C and
L = (U − C) − D: result = D ∪ ⋃{components K of L : K touches D and K ⊆ buffer(D, tol)}.
A leftover that connects to a larger uncovered area is not absorbed (it is not a sliver).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from mapedit.errors import EditRefused
from mapedit.model.changes import ChangeSet
from mapedit.model.dataset import Dataset
from mapedit.model.editing.common import (
    CodeAllocator,
    editable_unit,
    new_grid,
    node_and_finish,
    settings_of,
    stamp_now,
    uncovered,
)
from mapedit.model.editing.index import unit_grids
from mapedit.model.editing.rings import make_polygonal, polygons_of, significant_parts
from mapedit.model.settings import Settings

MODES = ("trim", "fill")


def snap_coords(coords: np.ndarray, targets: Sequence[BaseGeometry], tol: float) -> np.ndarray:
    """Move each coordinate onto the nearest target vertex within ``tol``, else onto the
    nearest target edge within ``tol`` (vertices first, like interactive snapping)."""
    targets = [t for t in targets if t is not None and not t.is_empty]
    if not targets or len(coords) == 0:
        return coords
    lines = shapely.boundary(np.asarray(targets, dtype=object))
    verts = shapely.get_coordinates(lines)
    out = coords.copy()
    vtree = shapely.STRtree(shapely.points(verts))
    ltree = shapely.STRtree(lines)
    pts = shapely.points(coords)
    for i, p in enumerate(pts):
        j = vtree.query_nearest(p, max_distance=tol, all_matches=False)
        if len(j):
            out[i] = verts[j[0]]
            continue
        k = ltree.query_nearest(p, max_distance=tol, all_matches=False)
        if len(k):
            line = lines[k[0]]
            q = shapely.line_interpolate_point(line, shapely.line_locate_point(line, p))
            out[i] = shapely.get_coordinates(q)[0]
    return out


def drawn_area(dataset: Dataset, unit_code: str, ring_coords: Sequence[Sequence[float]],
               mode: str = "trim", settings: Settings | None = None,
               tolerance_m: float | None = None) -> BaseGeometry:
    """The area a drawing would become (before noding), for the rubber band preview and for
    :func:`draw_grid`. Empty when nothing remains."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    s = settings_of(dataset, settings)
    unit = dataset.units[unit_code]
    tol = s.noding_precision_m if mode == "trim" else (
        tolerance_m if tolerance_m is not None else s.sliver_width_m)
    coords = np.asarray([tuple(c)[:2] for c in ring_coords], dtype=float)
    if len(coords) and np.all(coords[0] == coords[-1]):
        coords = coords[:-1]
    if len(np.unique(coords, axis=0)) < 3:
        return Polygon()
    grids = [g.geometry for g in unit_grids(dataset, unit_code)
             if g.geometry is not None and not g.geometry.is_empty]
    coords = snap_coords(coords, [unit.geometry, *grids], tol)
    drawn = make_polygonal(Polygon(coords))
    if drawn.is_empty:
        return drawn
    free = uncovered(dataset, unit_code, s.noding_precision_m)
    d = drawn.intersection(free)
    if mode == "fill" and not d.is_empty:
        reach = d.buffer(tol)
        extra = [k for k in polygons_of(free.difference(d))
                 if k.distance(d) <= s.noding_precision_m
                 and k.difference(reach).area < s.min_area_m2]
        if extra:
            d = shapely.union_all([d, *extra])
    parts = significant_parts(d, s)
    return parts[0] if parts else Polygon()


START_SHARE = 0.1
"""The first vertex's unit keeps the drawing unless its piece is smaller than this share of the
piece the unit mostly covered by the outline would get."""


def unit_for_drawing(dataset: Dataset, ring_coords: Sequence[Sequence[float]],
                     mode: str = "trim", settings: Settings | None = None,
                     start: str | None = None, tolerance_m: float | None = None) -> str:
    """The unit a drawn outline is for.

    The unit of the first vertex (``start``), as before: a clerk may start inside their unit
    and draw far across its boundary, the outline is clipped to it. Unless that unit would get
    (next to) nothing — the first vertex landed a few pixels inside a neighbouring, finished
    unit, and the grid vanished: then the unit the outline mostly covers. Refused, saying why,
    when the outline lies in no unit or nothing of it remains there outside the existing grids
    (or that unit is locked)."""
    s = settings_of(dataset, settings)
    coords = np.asarray([tuple(c)[:2] for c in ring_coords], dtype=float)
    if len(np.unique(coords, axis=0)) < 3:
        raise EditRefused("至少需要三个不同的节点才能围成一个微网格",
                          "a micro-grid needs at least three distinct vertices")
    drawn = make_polygonal(Polygon(coords))
    if drawn.is_empty:
        raise EditRefused("绘制的图形没有面积", "the drawn outline has no area")
    codes = [c for c, u in dataset.units.items() if u.geometry is not None]
    geoms = np.asarray([dataset.units[c].geometry for c in codes], dtype=object)
    hit = np.flatnonzero(shapely.intersects(geoms, drawn))
    if not len(hit):
        raise EditRefused("绘制的图形不在任何管理单元内", "the drawn outline lies in no unit")
    overlap = shapely.area(shapely.intersection(geoms[hit], drawn))
    most = codes[hit[int(np.argmax(overlap))]]

    def piece(code: str) -> float:
        unit = dataset.units[code]
        if unit.locked:
            return 0.0
        return drawn_area(dataset, code, coords, mode, s, tolerance_m).area

    if start in dataset.units and start != most:
        own = piece(start)
        if own >= s.min_area_m2 and own >= START_SHARE * piece(most):
            return start
    unit = editable_unit(dataset, most)  # a locked unit is the reason to give
    if piece(most) < s.min_area_m2:
        raise EditRefused(
            f"绘制的区域在管理单元 {unit.name}({most})内已全部被其他微网格覆盖或太小",
            f"nothing of the drawn area remains in unit {unit.name} ({most}) outside its "
            "existing grids")
    return most


def draw_grid(dataset: Dataset, unit_code: str, ring_coords: Sequence[Sequence[float]],
              mode: str = "trim", settings: Settings | None = None, *,
              tolerance_m: float | None = None) -> ChangeSet:
    """Insert a grid drawn by the clerk in ``unit_code`` (see the module doc for ``trim`` and
    ``fill``; ``tolerance_m`` is the fill tolerance, default ``sliver_width_m``).

    When the trimmed drawing falls apart into several pieces (it crossed a neighbour), the
    largest piece becomes the grid: a micro-grid is one contiguous area. Neighbours whose
    edges receive the new grid's vertices are updated in the same change set. Refused when
    the unit is locked or nothing (above ``min_area_m2``) remains.
    """
    s = settings_of(dataset, settings)
    unit = editable_unit(dataset, unit_code)
    geom = drawn_area(dataset, unit_code, ring_coords, mode, s, tolerance_m)
    if geom.is_empty:
        raise EditRefused("绘制的区域在管理单元内已全部被其他微网格覆盖或太小",
                          "nothing of the drawn area remains inside the unit "
                          "outside the existing grids")
    stamp = stamp_now()
    grid = new_grid(dataset, unit, geom, CodeAllocator(dataset, unit_code), stamp)
    return node_and_finish(dataset, f"绘制微网格 {grid.code}", f"draw grid {grid.code}",
                           [(None, grid)], [], s, stamp)
