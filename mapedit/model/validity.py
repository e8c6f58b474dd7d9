"""Which geometries GEOS may safely be given, and a valid polygonal copy of the others.

Files and stores hand over anything: self-intersecting rings, NaN coordinates, lines, empty
parts, and polygons with an *empty ring* (a hole written as ``[]``, which GDAL writes and reads
back). GEOS calls the latter valid, yet its relate predicates (``covers``, ``covered_by``,
``touches``, ``overlaps``, …) crash the whole process with a segmentation fault. So the checker
and the editing operations put every geometry through :func:`valid_mask` /
:func:`clean_polygonal` before any predicate or overlay: a bad one is reported (the checker's
``invalid-geometry``) and only its cleaned copy is used as context.
"""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

POLYGON = 3
MULTIPOLYGON = 6
COLLECTION = 7
_EMPTY = np.empty(0, dtype=object)


def polygon_parts(geom: BaseGeometry | None) -> np.ndarray:
    """The polygons of any geometry (collections flattened, lines and points dropped).

    Overlay results (intersection/difference) are often collections mixing polygons with the
    lines and points where boundaries merely touch; only the polygons are problem areas.
    """
    if geom is None or geom.is_empty:
        return _EMPTY
    parts = shapely.get_parts(geom)
    types = shapely.get_type_id(parts)
    if np.any((types == MULTIPOLYGON) | (types == COLLECTION)):
        nested = [polygon_parts(p) if t in (MULTIPOLYGON, COLLECTION)
                  else np.array([p], dtype=object) for p, t in zip(parts, types, strict=True)]
        parts = np.concatenate(nested) if nested else _EMPTY
        types = shapely.get_type_id(parts)
    return parts[types == POLYGON]


def polygonal(geom: BaseGeometry | None) -> BaseGeometry | None:
    """The polygonal content of ``geom`` as one geometry (None when there is none)."""
    if geom is None or geom.is_empty:
        return None
    t = shapely.get_type_id(geom)
    if t in (POLYGON, MULTIPOLYGON):
        return geom
    parts = polygon_parts(geom)
    if len(parts) == 0:
        return None
    return parts[0] if len(parts) == 1 else shapely.multipolygons(parts)


def has_empty_ring(geom: BaseGeometry | None) -> bool:
    """A polygon with an empty ring (a hole written as ``[]``) or a multipolygon with an empty
    part. GEOS calls such a polygon valid, yet its relate predicates (``covers``,
    ``covered_by``, ``touches``, …) crash the process with a segmentation fault, so no such
    geometry may reach them: the rules report it as ``invalid-geometry`` and work on
    :func:`clean_polygonal`'s copy without the empty rings."""
    if geom is None or geom.is_empty:
        return False
    t = shapely.get_type_id(geom)
    if t == POLYGON:
        return any(r.is_empty for r in geom.interiors)
    if t in (MULTIPOLYGON, COLLECTION):
        return any(p.is_empty or has_empty_ring(p) for p in geom.geoms)
    return False


def _without_empty_rings(geom: BaseGeometry) -> BaseGeometry:
    t = shapely.get_type_id(geom)
    if t == POLYGON:
        return shapely.Polygon(geom.exterior, [r for r in geom.interiors if not r.is_empty])
    if t not in (MULTIPOLYGON, COLLECTION):
        return geom
    parts = [_without_empty_rings(p) for p in geom.geoms if not p.is_empty]
    if t == MULTIPOLYGON:
        return shapely.MultiPolygon(parts) if parts else shapely.Polygon()
    return shapely.GeometryCollection(parts)


def valid_mask(arr: np.ndarray) -> np.ndarray:
    """Vectorised: which geometries are non-empty, valid polygons or multipolygons that GEOS
    can safely be given (no empty ring: see :func:`has_empty_ring`). Only geometries with
    holes or several parts are looked at one by one (a few in a city)."""
    types = shapely.get_type_id(arr)
    ok = (types == POLYGON) | (types == MULTIPOLYGON)
    ok[ok] = ~shapely.is_empty(arr[ok])
    ok[ok] = shapely.is_valid(arr[ok])
    maybe = ok & ((types == MULTIPOLYGON) | (shapely.get_num_interior_rings(arr) > 0))
    for i in np.flatnonzero(maybe).tolist():
        if has_empty_ring(arr[i]):
            ok[i] = False
    return ok


def clean_polygonal(geom: BaseGeometry | None) -> BaseGeometry | None:
    """A valid polygonal version of a (possibly invalid) geometry, so the other rules can still
    run on a grid that also gets an ``invalid-geometry`` finding."""
    if geom is None or geom.is_empty:
        return None
    if shapely.get_type_id(geom) not in (POLYGON, MULTIPOLYGON, COLLECTION):
        return None
    if has_empty_ring(geom):
        geom = _without_empty_rings(geom)
        if geom.is_empty:
            return None
    if not np.isfinite(shapely.get_coordinates(geom)).all():
        return None  # NaN or infinite coordinates: nothing GEOS can measure
    if not shapely.is_valid(geom):
        try:
            geom = shapely.make_valid(geom, method="structure", keep_collapsed=False)
        except Exception:  # older GEOS: fall back to the linework method
            geom = shapely.make_valid(geom)
    return polygonal(geom)


def is_usable(geom: BaseGeometry | None) -> bool:
    """A single geometry :func:`valid_mask` would pass."""
    return geom is not None and bool(valid_mask(np.array([geom], dtype=object))[0])


def usable(geom: BaseGeometry | None) -> BaseGeometry | None:
    """``geom`` itself when GEOS may be given it, else its cleaned copy (None when nothing
    polygonal is left): what an edit uses for a neighbour it only reads."""
    return geom if is_usable(geom) else clean_polygonal(geom)


def geometry_problem(geom: BaseGeometry | None) -> tuple[str, str] | None:
    """What is wrong with a grid's or a unit's geometry, (zh, en), or None when it is a valid
    polygon: one wording for every ``invalid-geometry`` finding."""
    if geom is None or geom.is_empty:
        return "几何为空", "geometry is empty"
    if shapely.get_type_id(geom) not in (POLYGON, MULTIPOLYGON):
        return f"几何类型为 {geom.geom_type},应为面", f"geometry is a {geom.geom_type}, not a polygon"
    if has_empty_ring(geom):
        return ("含有空的环或空的部分(已忽略该部分)",
                "has an empty ring or an empty part (that part is ignored)")
    if not shapely.is_valid(geom):
        reason = shapely.is_valid_reason(geom)
        return f"几何无效({reason})", f"invalid geometry ({reason})"
    return None
