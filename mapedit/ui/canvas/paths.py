"""Batched conversion of shapely geometries to QPainterPaths.

One Python call per vertex is both slow (35,000 grids, 150,000 buildings) and, on some PySide6
builds, crashes the interpreter after ~10,000 calls of a None-returning method. So a whole batch
of geometries becomes one path through ``pg.arrayToQPath`` with a connect array: the coordinates
of every ring/line come from one ``shapely.get_coordinates`` call and a ring starts a new subpath
where the ring index changes.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import shapely
from PySide6.QtGui import QPainterPath

_POLY_TYPES = (shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON)


def linear_parts(geoms: np.ndarray) -> np.ndarray:
    """Rings of polygons and parts of lines of ``geoms`` (any mix), as one object array."""
    geoms = np.asarray(geoms, dtype=object)
    if len(geoms) == 0:
        return geoms
    geoms = geoms[~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)]
    parts = shapely.get_parts(geoms)
    types = shapely.get_type_id(parts)
    poly = (types == shapely.GeometryType.POLYGON)
    out = []
    if poly.any():
        out.append(shapely.get_rings(parts[poly]))
    line = (types == shapely.GeometryType.LINESTRING) | (types == shapely.GeometryType.LINEARRING)
    if line.any():
        out.append(parts[line])
    if not out:
        return np.empty(0, dtype=object)
    return np.concatenate(out) if len(out) > 1 else out[0]


def geoms_to_path(geoms: np.ndarray) -> QPainterPath:
    """One path holding every ring/line of ``geoms`` as its own subpath (odd-even fill, so
    polygon holes stay holes)."""
    parts = linear_parts(geoms)
    if len(parts) == 0:
        return QPainterPath()
    coords, idx = shapely.get_coordinates(parts, return_index=True)
    if len(coords) == 0:
        return QPainterPath()
    connect = np.ones(len(coords), dtype=np.int32)
    connect[:-1] = idx[1:] == idx[:-1]
    connect[-1] = 0
    return pg.arrayToQPath(np.ascontiguousarray(coords[:, 0]), np.ascontiguousarray(coords[:, 1]),
                           connect=connect, finiteCheck=False)


def simplify(geoms: np.ndarray, tolerance: float) -> np.ndarray:
    """Geometries simplified for drawing at a small scale; ones that collapse are dropped (they
    are under a pixel at the scale this tolerance is used for)."""
    if tolerance <= 0 or len(geoms) == 0:
        return geoms
    out = shapely.simplify(geoms, tolerance, preserve_topology=False)
    keep = ~shapely.is_empty(out) & ~shapely.is_missing(out)
    return out[keep]


def is_polygonal(geoms: np.ndarray) -> bool:
    if len(geoms) == 0:
        return False
    t = shapely.get_type_id(np.asarray(geoms, dtype=object))
    return bool(np.isin(t, _POLY_TYPES).any())
