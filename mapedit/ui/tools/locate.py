"""Which unit, grid or road is under the mouse: hit-testing for the tools.

These are queries, not edits: the tools need to know which unit a drawing starts in or which
grid a click picks before they call a geometry op. They prefer what the canvas or the geometry
ops offer (one shared spatial index) and otherwise fall back to a small cached ``STRtree`` per
layer, rebuilt when the dataset's grids change.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely

from mapedit.model.dataset import Dataset
from mapedit.model.editing.index import unit_grids


class _Index:
    def __init__(self, keys: list[Any], geoms: list[Any]) -> None:
        self.keys = keys
        arr = np.empty(len(geoms), dtype=object)
        arr[:] = geoms
        self.geoms = arr
        self.tree = shapely.STRtree(arr) if len(arr) else None

    def containing(self, x: float, y: float) -> list[Any]:
        if self.tree is None:
            return []
        idx = self.tree.query(shapely.Point(x, y), predicate="intersects")
        return [self.keys[i] for i in sorted(idx)]

    def nearest(self, x: float, y: float, max_distance: float) -> Any | None:
        if self.tree is None:
            return None
        idx = self.tree.query_nearest(shapely.Point(x, y), max_distance=max_distance,
                                      all_matches=False)
        return self.keys[int(idx[0])] if len(idx) else None


_units_cache: dict[int, tuple[int, _Index]] = {}
_grids_cache: dict[int, tuple[tuple[int, int], _Index]] = {}
_roads_cache: dict[int, tuple[object, _Index]] = {}


def _units(ds: Dataset) -> _Index:
    key = (len(ds.units))
    hit = _units_cache.get(id(ds))
    if hit is None or hit[0] != key:
        items = [(u.code, u.geometry) for u in ds.units.values() if u.geometry is not None]
        hit = (key, _Index([k for k, _ in items], [g for _, g in items]))
        _units_cache.clear()
        _units_cache[id(ds)] = hit
    return hit[1]


def _grids_signature(ds: Dataset) -> tuple[int, int]:
    # Cheap change detector: geometries are immutable objects, so any edit changes an id.
    return (len(ds.grids), hash(tuple(id(g.geometry) for g in ds.grids.values())))


def _grids(ds: Dataset) -> _Index:
    sig = _grids_signature(ds)
    hit = _grids_cache.get(id(ds))
    if hit is None or hit[0] != sig:
        items = [(fid, g.geometry) for fid, g in ds.grids.items()
                 if g.geometry is not None and not g.geometry.is_empty]
        hit = (sig, _Index([k for k, _ in items], [g for _, g in items]))
        _grids_cache.clear()
        _grids_cache[id(ds)] = hit
    return hit[1]


def unit_at(ds: Dataset, x: float, y: float) -> str | None:
    """Code of the unit containing the point (the first by code if units overlap)."""
    codes = _units(ds).containing(x, y)
    return sorted(codes)[0] if codes else None


def grid_at(ds: Dataset, x: float, y: float) -> int | None:
    """Fid of the grid under the point, if any."""
    fids = _grids(ds).containing(x, y)
    return fids[0] if fids else None


def grids_near(ds: Dataset, x: float, y: float, distance: float) -> list[int]:
    """Fids of the grids within ``distance`` of the point."""
    idx = _grids(ds)
    if idx.tree is None:
        return []
    hits = idx.tree.query(shapely.Point(x, y), predicate="dwithin", distance=distance)
    return [idx.keys[i] for i in sorted(hits)]


def grids_crossed(ds: Dataset, coords: list[tuple[float, float]]) -> list[int]:
    """Fids of the grids whose interior a polyline passes through (split candidates)."""
    if len(coords) < 2:
        return []
    line = shapely.LineString(coords)
    idx = _grids(ds)
    if idx.tree is None:
        return []
    hits = idx.tree.query(line, predicate="intersects")
    out = []
    for i in sorted(hits):
        g = idx.geoms[i]
        inside = shapely.intersection(line, g)
        if inside.length > 0 and not shapely.covers(g.boundary, inside):
            out.append(idx.keys[i])
    return out


def road_at(ds: Dataset, x: float, y: float, tolerance_m: float) -> int | None:
    """Index of the road (base layer ``roads``) nearest the point within the tolerance."""
    layer = ds.base_loaded("roads")  # none to hover while it is still loading
    if layer is None:
        return None
    hit = _roads_cache.get(id(ds))
    if hit is not None and hit[0] is layer:  # the same roads (a layer read later is new)
        idx = hit[1]
    else:
        idx = _Index(list(range(len(layer))), list(layer.geometries))
        _roads_cache.clear()
        _roads_cache[id(ds)] = (layer, idx)
    return idx.nearest(x, y, tolerance_m)


def gap_neighbours(ds: Dataset, unit_code: str, gap: Any) -> list[tuple[int, float]]:
    """Grids of the unit sharing an edge with a gap, ``(fid, shared length in m)``, longest
    first: the fill-gap menu offers them in that order (the usual choice on top)."""
    from mapedit.model.editing.gaps import shared_length

    tol = ds.settings.noding_precision_m
    out = []
    for g in unit_grids(ds, unit_code):
        if g.geometry is None or g.geometry.is_empty or g.fid is None:
            continue
        if not shapely.dwithin(g.geometry, gap, tol):
            continue
        length = shared_length(gap, g.geometry, tol)
        if length > tol:
            out.append((g.fid, length))
    out.sort(key=lambda t: -t[1])
    return out
