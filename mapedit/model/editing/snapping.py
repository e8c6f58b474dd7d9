"""Snapping and tracing for the drawing tools.

The GUI converts its pixel tolerance (``Settings.snap_pixels``) to metres at the current zoom and
asks :func:`snap_point` on every mouse move, so unit boundaries and base layers are indexed once
per dataset (rebuilt only when those objects change) and grids are looked up in the dataset's
shared grid index, which follows edits without a rebuild.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import LinearRing, LineString, Point
from shapely.geometry.base import BaseGeometry

from mapedit.errors import EditRefused
from mapedit.model.dataset import Dataset
from mapedit.model.editing.index import grids_near

DEFAULT_LAYERS: tuple[str, ...] = ("units", "grids")
"""``units`` (boundaries), ``grids``, or any base layer name (``roads``, ``buildings``,
``villager_groups``, ``water``, ``committees``)."""


@dataclass(frozen=True)
class SnapResult:
    """Where a point snaps. ``source`` names what was hit (``grid:12``, ``unit:310…``,
    ``roads:5`` — layer and fid/code/index); ``line`` is that feature's boundary or line, for
    :func:`trace_path`; ``segment`` the index of the hit segment within ``line``'s coordinate
    sequence (for vertex insertion), or the vertex index for ``kind == 'vertex'``."""

    x: float
    y: float
    kind: str
    source: str
    line: BaseGeometry | None = None
    segment: int | None = None


def _lines_of(layer: str, dataset: Dataset) -> tuple[list[BaseGeometry], list[str]]:
    geoms: list[BaseGeometry] = []
    names: list[str] = []
    if layer == "units":
        for u in dataset.units.values():
            if u.geometry is not None and not u.geometry.is_empty:
                geoms.append(u.geometry.boundary)
                names.append(f"unit:{u.code}")
    elif layer == "grids":
        for g in dataset.grids.values():
            if g.geometry is not None and not g.geometry.is_empty:
                geoms.append(g.geometry.boundary)
                names.append(f"grid:{g.fid}")
    else:
        base = dataset.base_loaded(layer)  # a layer still loading is snapped to later
        if base is not None:
            for i, g in enumerate(base.geometries):
                if g is None or g.is_empty:
                    continue
                dim = shapely.get_dimensions(g)
                geoms.append(g.boundary if dim == 2 else g)
                names.append(f"{layer}:{i}")
    return geoms, names


def _static_key(dataset: Dataset, layers: Sequence[str]) -> list[object]:
    """What the snapper's fixed part (everything but grids) was built from, compared by
    identity: unit geometries (a few thousand pointer compares) and base layer objects."""
    key: list[object] = [tuple(layers)]
    for layer in layers:
        if layer == "units":
            key += [u.geometry for u in dataset.units.values()]
        elif layer != "grids":
            key.append(dataset.base_loaded(layer))  # rebuilt once it is loaded
    return key


class Snapper:
    """A snapping index over some layers of a dataset (rings exploded into linework).

    Unit boundaries and base layers are indexed when the snapper is made. Grids change with
    every edit, so they are not copied into it: they come from the dataset's shared grid index
    (:mod:`mapedit.model.editing.index`), which follows edits through the grid table's change
    log — a snapper stays usable after an edit without being rebuilt, and checking that costs
    O(1) instead of comparing 35,000 geometries on every mouse move."""

    def __init__(self, dataset: Dataset, layers: Sequence[str] = DEFAULT_LAYERS) -> None:
        self.layers = tuple(layers)
        self.dataset = dataset
        self.key = _static_key(dataset, self.layers)
        self.grids = dataset.grids
        self.revision = dataset.grids.revision
        self.with_grids = "grids" in self.layers
        lines: list[BaseGeometry] = []
        names: list[str] = []
        self.grid_rank = 0
        """Position of the grids among the layers: hits are ranked in layer order, so ties
        (a vertex shared by a unit boundary and a grid) resolve as the layers are listed."""
        for layer in self.layers:
            if layer == "grids":
                self.grid_rank = len(lines)
                continue
            g, n = _lines_of(layer, dataset)
            lines += g
            names += n
        # One entry per simple line/ring so a hit names the ring it can trace along.
        if lines:
            parts, idx = shapely.get_parts(np.asarray(lines, dtype=object), return_index=True)
        else:
            parts, idx = np.empty(0, dtype=object), np.empty(0, dtype=np.int64)
        self.lines = parts
        self.names = [names[i] for i in idx]
        self.grid_rank = int(np.searchsorted(idx, self.grid_rank)) if len(idx) else 0
        self.tree = shapely.STRtree(parts) if len(parts) else None

    def fresh(self, dataset: Dataset) -> bool:
        """True while nothing the snapper was built from has changed (grids included)."""
        return self.static_fresh(dataset) and (
            not self.with_grids or dataset.grids.revision == self.revision)

    def static_fresh(self, dataset: Dataset) -> bool:
        """True while units and base layers are those the snapper indexed (grids are always
        read live, so their edits do not count)."""
        if dataset is not self.dataset or dataset.grids is not self.grids:
            return False
        key = _static_key(dataset, self.layers)
        return (len(key) == len(self.key) and key[0] == self.key[0]
                and all(a is b for a, b in zip(key[1:], self.key[1:], strict=True)))

    def _candidates(self, p: Point, tolerance_m: float,
                    exclude: Sequence[str]) -> list[tuple[BaseGeometry, str]]:
        """Lines within the tolerance, in layer order."""
        fixed: list[int] = []
        if self.tree is not None:
            fixed = sorted(int(i) for i in self.tree.query(p, predicate="dwithin",
                                                            distance=tolerance_m))
        out = [(self.lines[i], self.names[i]) for i in fixed if i < self.grid_rank]
        if self.with_grids:
            for g in grids_near(self.dataset, p, tolerance_m):
                name = f"grid:{g.fid}"
                for ring in shapely.get_parts(g.geometry.boundary):
                    if ring.distance(p) <= tolerance_m:
                        out.append((ring, name))
        out += [(self.lines[i], self.names[i]) for i in fixed if i >= self.grid_rank]
        return [(line, name) for line, name in out if name not in exclude]

    def snap(self, x: float, y: float, tolerance_m: float,
             exclude: Sequence[str] = ()) -> SnapResult | None:
        """Nearest vertex within the tolerance, else nearest point on a segment; None when
        nothing is that close. Vertices win over segments even when a segment is nearer, so
        clicking near a corner lands exactly on it."""
        p = Point(x, y)
        hits = self._candidates(p, tolerance_m, exclude)
        if not hits:
            return None
        best: tuple[float, int, int] | None = None
        for i, (line, _) in enumerate(hits):
            c = shapely.get_coordinates(line)
            d2 = (c[:, 0] - x) ** 2 + (c[:, 1] - y) ** 2
            j = int(np.argmin(d2))
            if d2[j] <= tolerance_m ** 2 and (best is None or d2[j] < best[0]):
                best = (float(d2[j]), i, j)
        if best is not None:
            _, i, j = best
            line, name = hits[i]
            c = shapely.get_coordinates(line)[j]
            return SnapResult(float(c[0]), float(c[1]), "vertex", name, line, j)
        seg_best: tuple[float, int, int, np.ndarray] | None = None
        for i, (line, _) in enumerate(hits):
            c = shapely.get_coordinates(line)
            a, b = c[:-1], c[1:]
            ab = b - a
            ll = (ab ** 2).sum(axis=1)
            pa = np.array([x, y]) - a
            t = np.clip(np.where(ll > 0, (pa * ab).sum(axis=1) / np.where(ll > 0, ll, 1), 0),
                        0, 1)
            off = pa - t[:, None] * ab
            d2 = (off ** 2).sum(axis=1)
            k = int(np.argmin(d2))
            if seg_best is None or d2[k] < seg_best[0]:
                seg_best = (float(d2[k]), i, k, a[k] + t[k] * ab[k])
        assert seg_best is not None
        _, i, k, q = seg_best
        line, name = hits[i]
        return SnapResult(float(q[0]), float(q[1]), "segment", name, line, k)


_CACHE: dict[tuple[int, tuple[str, ...]], Snapper] = {}


def snapper_for(dataset: Dataset, layers: Sequence[str] = DEFAULT_LAYERS) -> Snapper:
    """A cached :class:`Snapper`, rebuilt only when units or base layers changed (grid edits
    are followed live, see :class:`Snapper`)."""
    key = (id(dataset), tuple(layers))
    sn = _CACHE.get(key)
    if sn is None or not sn.static_fresh(dataset):
        if len(_CACHE) > 8:
            _CACHE.clear()
        sn = _CACHE[key] = Snapper(dataset, layers)
    return sn


def snap_point(dataset: Dataset, x: float, y: float, tolerance_m: float,
               layers: Sequence[str] = DEFAULT_LAYERS,
               exclude: Sequence[str] = ()) -> SnapResult | None:
    """Snap a map point to the nearest vertex (priority) or segment within ``tolerance_m``
    of the unit boundaries, grids and the named base layers. ``exclude`` lists sources to
    ignore (the grid being reshaped). None: nothing within the tolerance."""
    return snapper_for(dataset, layers).snap(x, y, tolerance_m, exclude)


def _rings(geom: BaseGeometry) -> list[BaseGeometry]:
    if isinstance(geom, LinearRing | LineString):
        return [geom]
    if shapely.get_dimensions(geom) == 2:
        geom = geom.boundary
    return [g for g in shapely.get_parts(geom)]


def trace_path(boundary_geom: BaseGeometry, p_from: Sequence[float], p_to: Sequence[float],
               tolerance_m: float | None = None) -> list[tuple[float, float]]:
    """The coordinates from ``p_from`` to ``p_to`` along an existing line: the shorter way
    round a ring (unit boundary, neighbour), or the stretch between them on an open line
    (road). The ring is the one of ``boundary_geom`` nearest to both points; the result starts
    and ends with the two points as given and includes the ring's vertices between them
    exactly, so a traced edge is noded with the feature it follows. Refused when a point is
    farther than ``tolerance_m`` (if given) from that line."""
    a, b = Point(p_from[:2]), Point(p_to[:2])
    rings = _rings(boundary_geom)
    if not rings:
        raise EditRefused("没有可追踪的边线", "nothing to trace along")
    line = min(rings, key=lambda r: r.distance(a) + r.distance(b))
    if tolerance_m is not None and max(line.distance(a), line.distance(b)) > tolerance_m:
        raise EditRefused("追踪的两点不在同一条边线上", "the two points are not on one line")
    c = shapely.get_coordinates(line)
    closed = len(c) > 3 and bool(np.all(c[0] == c[-1]))
    seg = np.sqrt(((c[1:] - c[:-1]) ** 2).sum(axis=1))
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    total = float(cum[-1])
    da, db = float(line.project(a)), float(line.project(b))
    start = (float(p_from[0]), float(p_from[1]))
    end = (float(p_to[0]), float(p_to[1]))

    def between(lo: float, hi: float) -> list[tuple[float, float]]:
        idx = np.nonzero((cum > lo) & (cum < hi))[0]
        return [(float(c[i, 0]), float(c[i, 1])) for i in idx]

    if not closed:
        mid = between(min(da, db), max(da, db))
        return [start, *(mid if da <= db else mid[::-1]), end]
    forward = (db - da) % total
    if forward <= total - forward:  # forward along the ring's own direction
        if da <= db:
            mid = between(da, db)
        else:
            mid = between(da, total) + [(float(c[0, 0]), float(c[0, 1]))] + between(0.0, db)
    else:
        if db <= da:
            mid = between(db, da)[::-1]
        else:
            mid = (between(0.0, da)[::-1] + [(float(c[0, 0]), float(c[0, 1]))]
                   + between(db, total)[::-1])
    out = [start, *mid, end]
    dedup = [out[0]]
    for p in out[1:]:
        if p != dedup[-1]:
            dedup.append(p)
    return dedup
