"""Topological vertex editing: move, insert and delete a vertex in every grid that has it.

A vertex shared by several grids is one node of the coverage; editing it in one grid only
would open a gap or an overlap, so every grid holding it (within ``noding_precision_m``) is
edited together — across units too, for a vertex on a shared unit boundary. Unit boundaries
themselves are never edited here. Policy for vertices on a unit boundary: a vertex at a corner
(vertex) of the unit boundary is fixed (move and delete refused); a vertex on a straight edge
of the unit boundary may only slide along that edge: the target is projected onto it, and a
target beyond the edge's end corners is refused.
"""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import Point

from mapedit.errors import EditRefused
from mapedit.model.changes import ChangeSet
from mapedit.model.dataset import Dataset
from mapedit.model.editing.common import (
    editable_unit,
    node_and_finish,
    settings_of,
    stamp_now,
)
from mapedit.model.editing.index import grids_near
from mapedit.model.editing.rings import Rings, from_rings, to_rings
from mapedit.model.hierarchy import MicroGrid, Unit
from mapedit.model.settings import Settings


def _near(dataset: Dataset, x: float, y: float, tol: float) -> list[MicroGrid]:
    """Grids within ``tol`` of (x, y), from the spatial index (every unit: a vertex on a
    shared unit boundary belongs to grids of both)."""
    return grids_near(dataset, Point(x, y), tol)


def grids_with_vertex(dataset: Dataset, x: float, y: float,
                      tol: float) -> list[tuple[MicroGrid, Rings, list[tuple[int, int, int]]]]:
    """Grids having a vertex within ``tol`` of (x, y), with their rings and the positions
    ``(polygon, ring, index)`` of those vertices (closing duplicates included)."""
    out = []
    for g in _near(dataset, x, y, tol):
        rings = to_rings(g.geometry)
        pos = []
        for pi, poly in enumerate(rings):
            for ri, ring in enumerate(poly):
                d2 = (ring[:, 0] - x) ** 2 + (ring[:, 1] - y) ** 2
                pos += [(pi, ri, int(i)) for i in np.nonzero(d2 <= tol * tol)[0]]
        if pos:
            out.append((g, rings, pos))
    return out


def _units(dataset: Dataset, grids: list[MicroGrid]) -> list[Unit]:
    return [editable_unit(dataset, code) for code in dict.fromkeys(g.unit_code for g in grids)]


def _boundary_segment(unit: Unit, x: float, y: float,
                      tol: float) -> tuple[str, np.ndarray | None]:
    """Where (x, y) is on the unit boundary: ``corner``, ``edge`` (with the segment's two
    end points) or ``inside``."""
    for ring in to_rings(unit.geometry):
        for r in ring:
            d2 = (r[:, 0] - x) ** 2 + (r[:, 1] - y) ** 2
            if np.any(d2 <= tol * tol):
                return "corner", None
    best = None
    for ring in to_rings(unit.geometry):
        for r in ring:
            a, b = r[:-1], r[1:]
            ab = b - a
            ll = (ab ** 2).sum(axis=1)
            pa = np.array([x, y]) - a
            t = np.clip((pa * ab).sum(axis=1) / np.where(ll > 0, ll, 1), 0, 1)
            d2 = ((pa - t[:, None] * ab) ** 2).sum(axis=1)
            k = int(np.argmin(d2))
            if d2[k] <= tol * tol and (best is None or d2[k] < best[0]):
                best = (d2[k], np.array([a[k], b[k]]))
    return ("edge", best[1]) if best is not None else ("inside", None)


def _rebuild(g: MicroGrid, rings: Rings) -> MicroGrid:
    return g.replace(geometry=from_rings(rings))


def move_vertex(dataset: Dataset, x0: float, y0: float, x1: float, y1: float,
                settings: Settings | None = None) -> ChangeSet:
    """Move the vertex at (x0, y0) to (x1, y1) in every grid that has it (see the module doc
    for vertices on a unit boundary). Refused when no grid has a vertex there, a unit
    involved is locked, or the result would be invalid, overlap, or leave the unit."""
    s = settings_of(dataset, settings)
    tol = s.noding_precision_m
    hits = grids_with_vertex(dataset, x0, y0, tol)
    if not hits:
        raise EditRefused("此处没有微网格节点", "no grid vertex at this point")
    units = _units(dataset, [g for g, _, _ in hits])
    target = np.array([x1, y1], dtype=float)
    for unit in units:
        where, seg = _boundary_segment(unit, x0, y0, tol)
        if where == "corner":
            raise EditRefused("管理单元边界的拐点不能移动",
                              "a corner of the unit boundary cannot be moved")
        if where == "edge":
            a, b = seg
            ab = b - a
            t = float((target - a) @ ab / (ab @ ab))
            if not 0.0 < t < 1.0:
                raise EditRefused("管理单元边界上的节点只能沿该边滑动,不能越过拐点",
                                  "a vertex on the unit boundary may only slide along its "
                                  "edge, not past a corner")
            target = a + t * ab
    for unit in units:  # a slide along one unit's edge must stay on the others' too
        if unit.geometry.boundary.distance(Point(target)) > tol and \
                _boundary_segment(unit, x0, y0, tol)[0] != "inside":
            raise EditRefused("管理单元边界上的节点不能移出边界",
                              "a vertex on the unit boundary cannot leave it")
    edited = []
    for g, rings, pos in hits:
        for pi, ri, i in pos:
            rings[pi][ri][i] = target
        edited.append((g, _rebuild(g, rings)))
    return node_and_finish(dataset, "移动节点", "move vertex", edited, [], s, stamp_now())


def _ring_segments(rings: Rings) -> list[tuple[int, int, int]]:
    """Global segment numbering: polygons in order, exterior then holes, segment i joins
    vertex i and i+1 of its ring."""
    out = []
    for pi, poly in enumerate(rings):
        for ri, ring in enumerate(poly):
            out += [(pi, ri, i) for i in range(len(ring) - 1)]
    return out


def insert_vertex(dataset: Dataset, fid: int, segment_index: int | None = None,
                  point: tuple[float, float] | None = None,
                  settings: Settings | None = None) -> ChangeSet:
    """Insert a vertex into a segment of grid ``fid`` and of every grid sharing that segment.

    ``segment_index`` numbers the segments of all rings in order (exterior first, then holes,
    polygon by polygon); without it, the segment nearest ``point`` is used. The new vertex is
    ``point`` projected onto the segment (the outline does not change), or the midpoint."""
    s = settings_of(dataset, settings)
    tol = s.noding_precision_m
    grid = dataset.grids.get(fid)
    if grid is None or grid.geometry is None:
        raise EditRefused(f"微网格 {fid} 不存在", f"grid {fid} does not exist")
    rings = to_rings(grid.geometry)
    segs = _ring_segments(rings)
    if segment_index is None:
        if point is None:
            raise ValueError("give segment_index or point")
        p = np.asarray(point, dtype=float)
        best = None
        for k, (pi, ri, i) in enumerate(segs):
            a, b = rings[pi][ri][i], rings[pi][ri][i + 1]
            d = Point(p).distance(shapely.LineString([a, b]))
            if best is None or d < best[0]:
                best = (d, k)
        segment_index = best[1]
    if not 0 <= segment_index < len(segs):
        raise EditRefused("边的序号无效", f"no segment {segment_index}")
    pi, ri, i = segs[segment_index]
    a, b = rings[pi][ri][i].copy(), rings[pi][ri][i + 1].copy()
    ab = b - a
    if point is not None:
        t = float((np.asarray(point, dtype=float) - a) @ ab / (ab @ ab))
        t = min(max(t, 0.0), 1.0)
    else:
        t = 0.5
    new = a + t * ab
    if min(np.hypot(*(new - a)), np.hypot(*(new - b))) <= tol:
        raise EditRefused("新节点与已有节点重合", "the new vertex would coincide with an existing one")
    mid = (a + b) / 2
    edited = []
    for g in _near(dataset, float(mid[0]), float(mid[1]), tol):
        g_rings = to_rings(g.geometry)
        changed = False
        for poly in g_rings:
            for k, ring in enumerate(poly):
                same_a = np.all(np.abs(ring - a) <= tol, axis=1)
                same_b = np.all(np.abs(ring - b) <= tol, axis=1)
                idx = [j for j in range(len(ring) - 1)
                       if (same_a[j] and same_b[j + 1]) or (same_b[j] and same_a[j + 1])]
                for j in sorted(idx, reverse=True):
                    ring = np.insert(ring, j + 1, new, axis=0)
                    changed = True
                poly[k] = ring
        if changed:
            edited.append((g, _rebuild(g, g_rings)))
    _units(dataset, [g for g, _ in edited])
    return node_and_finish(dataset, "插入节点", "insert vertex", edited, [], s, stamp_now())


def delete_vertex(dataset: Dataset, x: float, y: float,
                  settings: Settings | None = None) -> ChangeSet:
    """Remove the vertex at (x, y) from every grid that has it. Refused at a corner of the
    unit boundary, when a ring would collapse (fewer than 3 corners), or when the grids
    sharing it would no longer fit together (a vertex where three grids meet usually)."""
    s = settings_of(dataset, settings)
    tol = s.noding_precision_m
    hits = grids_with_vertex(dataset, x, y, tol)
    if not hits:
        raise EditRefused("此处没有微网格节点", "no grid vertex at this point")
    for unit in _units(dataset, [g for g, _, _ in hits]):
        if _boundary_segment(unit, x, y, tol)[0] == "corner":
            raise EditRefused("管理单元边界的拐点不能删除",
                              "a corner of the unit boundary cannot be deleted")
    edited = []
    for g, rings, pos in hits:
        for pi, poly in enumerate(rings):
            for ri, ring in enumerate(poly):
                drop = {i for p, r, i in pos if p == pi and r == ri}
                if not drop:
                    continue
                core = ring[:-1]
                keep = [j for j in range(len(core)) if j not in drop and
                        not (j == 0 and len(ring) - 1 in drop)]
                core = core[keep]
                if len(np.unique(core, axis=0)) < 3:
                    raise EditRefused("删除该节点后图形将退化",
                                      "deleting this vertex would collapse a polygon")
                poly[ri] = np.vstack([core, core[:1]])
        edited.append((g, _rebuild(g, rings)))
    return node_and_finish(dataset, "删除节点", "delete vertex", edited, [], s, stamp_now())
