"""A bucket index of many points held as two float arrays, for "which points lie inside this
polygon" (the buildings' interior points that 由楼栋计算户数 and the households rule count).

An ``STRtree`` needs a shapely ``Point`` per building: about 250 bytes each, ~100 MB for the
6,000-unit city's 369,000 buildings, kept for as long as the window is open (issue 12: the
window must stay under 800 MB). The coordinates alone are 16 bytes a point; a query takes the
cells under the polygon's bounding box (each column of cells is one contiguous slice of the
sorted order) and tests the candidates with ``shapely.contains_xy``, which is what
``tree.query(polygon, predicate="contains")`` answered for points.
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

_PER_CELL = 8
"""Points per cell on average: a grid's query reads a few dozen cells."""

_CHUNK = 20_000
"""Interior points are made this many at a time (never 369,000 Point objects at once)."""


def interior_xy(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x and y of each geometry's ``point_on_surface`` (NaN for a missing or empty one),
    computed in chunks so the Point objects never all exist together."""
    n = len(geoms)
    x = np.full(n, np.nan)
    y = np.full(n, np.nan)
    for i in range(0, n, _CHUNK):
        pts = shapely.point_on_surface(geoms[i:i + _CHUNK])
        pts[shapely.is_empty(pts)] = None  # get_x raises on an empty point, gives NaN for None
        x[i:i + _CHUNK] = shapely.get_x(pts)
        y[i:i + _CHUNK] = shapely.get_y(pts)
    return x, y


class PointIndex:
    """Points ``(x[i], y[i])`` (NaN: no point) bucketed in square cells; :meth:`within`
    answers the indices of the points strictly inside a polygon."""

    def __init__(self, x: np.ndarray, y: np.ndarray) -> None:
        self.x = np.asarray(x, dtype=float)
        self.y = np.asarray(y, dtype=float)
        ok = np.flatnonzero(~(np.isnan(self.x) | np.isnan(self.y)))
        if len(ok):
            self.x0, self.y0 = float(self.x[ok].min()), float(self.y[ok].min())
            w = float(self.x[ok].max()) - self.x0
            h = float(self.y[ok].max()) - self.y0
            cell = math.sqrt(max(w * h, 1.0) / max(len(ok) / _PER_CELL, 1.0))
            self.cell = max(cell, 1e-6, max(w, h) / 4096)  # at most 4096 cells a side
        else:
            self.x0 = self.y0 = 0.0
            w = h = 0.0
            self.cell = 1.0
        self.nx = int(w // self.cell) + 1
        self.ny = int(h // self.cell) + 1
        ix = ((self.x[ok] - self.x0) // self.cell).astype(np.int64)
        iy = ((self.y[ok] - self.y0) // self.cell).astype(np.int64)
        cid = ix * self.ny + iy
        order = np.argsort(cid, kind="stable")
        self.order = ok[order].astype(np.int32 if len(self.x) < 2**31 else np.int64)
        self.starts = np.searchsorted(cid[order], np.arange(self.nx * self.ny + 1))

    def __len__(self) -> int:
        return len(self.x)

    def candidates(self, bounds: tuple[float, float, float, float]) -> np.ndarray:
        """Indices of the points inside the rectangle ``bounds`` (edges included)."""
        minx, miny, maxx, maxy = bounds
        if not len(self.order) or any(map(math.isnan, bounds)):
            return np.empty(0, dtype=np.int64)
        ix0 = max(int((minx - self.x0) // self.cell), 0)
        ix1 = min(int((maxx - self.x0) // self.cell), self.nx - 1)
        iy0 = max(int((miny - self.y0) // self.cell), 0)
        iy1 = min(int((maxy - self.y0) // self.cell), self.ny - 1)
        if ix0 > ix1 or iy0 > iy1:
            return np.empty(0, dtype=np.int64)
        cols = np.arange(ix0, ix1 + 1) * self.ny
        lo, hi = self.starts[cols + iy0], self.starts[cols + iy1 + 1]
        idx = np.concatenate([self.order[a:b] for a, b in zip(lo, hi, strict=True)])
        x, y = self.x[idx], self.y[idx]
        keep = (x >= minx) & (x <= maxx) & (y >= miny) & (y <= maxy)
        return idx[keep].astype(np.int64)

    def within(self, geom: BaseGeometry) -> np.ndarray:
        """Indices of the points ``geom`` contains (not those on its boundary), as
        ``STRtree(points).query(geom, predicate="contains")`` gives them, in index order."""
        if geom is None or geom.is_empty:
            return np.empty(0, dtype=np.int64)
        idx = self.candidates(geom.bounds)
        if not len(idx):
            return idx
        return np.sort(idx[shapely.contains_xy(geom, self.x[idx], self.y[idx])])


class BoxIndex:
    """Which of many small polygons (buildings) a geometry intersects, answered like
    ``STRtree(geoms).query(g, predicate="intersects")`` for the incremental check, in a
    quarter of the memory (an STRtree of the 6,000-unit city's 369,000 buildings holds
    ~28 MB for as long as the window is open; this holds ~8 MB).

    Each feature is filed under the centre of its bounding box in a :class:`PointIndex`; a
    query takes the centres within the query's bounds grown by ``reach`` (the largest half
    side among all but the biggest 0.1 % of features, which are kept in a short list tested
    every time), then GEOS's ``intersects`` on those candidates."""

    def __init__(self, geoms: np.ndarray) -> None:
        self.geoms = np.asarray(geoms, dtype=object)
        b = shapely.bounds(self.geoms)  # NaN rows for missing or empty features
        half = np.maximum(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]) / 2
        ok = ~np.isnan(half)
        self.reach = max(float(np.quantile(half[ok], 0.999)), 1.0) if ok.any() else 1.0
        big = ok & (half > self.reach)
        self.big = np.flatnonzero(big)
        cx = (b[:, 0] + b[:, 2]) / 2
        cx[big] = np.nan  # the big ones are not filed by their centre
        self.points = PointIndex(cx, (b[:, 1] + b[:, 3]) / 2)

    def __len__(self) -> int:
        return len(self.geoms)

    def query(self, geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(input index, feature index) pairs where ``geoms[i]`` intersects a feature, as
        ``STRtree.query(geoms, predicate="intersects")`` returns them."""
        qi: list[np.ndarray] = []
        fi: list[np.ndarray] = []
        r = self.reach
        for i, g in enumerate(np.asarray(geoms, dtype=object).ravel()):
            if g is None or g.is_empty:
                continue
            x0, y0, x1, y1 = g.bounds
            cand = self.points.candidates((x0 - r, y0 - r, x1 + r, y1 + r))
            if len(self.big):
                cand = np.concatenate([cand, self.big])
            if not len(cand):
                continue
            hit = cand[shapely.intersects(g, self.geoms[cand])]
            qi.append(np.full(len(hit), i, dtype=np.int64))
            fi.append(hit)
        if not qi:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        return np.concatenate(qi), np.concatenate(fi)
