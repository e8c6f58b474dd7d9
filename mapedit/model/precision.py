"""Rounding coordinates without breaking geometries.

Every geometry that leaves the program (an exchange file with 7 decimals, a report location) is
rounded; rounding each coordinate on its own can make a ring with millimetres of clearance cross
itself, or leave zero-width spikes. Snapping to the precision grid with GEOS's precision model
keeps polygons valid, and because neighbours share identical vertices they snap to identical
grid points, so shared edges stay shared. This is the one place that does it.
"""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry


def round_valid(geoms, grid: float):
    """``geoms`` (a geometry or an array of them) snapped to multiples of ``grid`` (e.g. 1e-7
    degrees for 7 decimals), every result valid. Parts that collapse below the grid vanish
    (a polygon may become empty: callers decide what that means)."""
    return shapely.set_precision(geoms, grid, mode="valid_output")


def decimals_grid(decimals: int) -> float:
    """The grid size of ``decimals`` decimal places."""
    return float(10.0 ** -decimals)


def shape_changed(before, after, tolerance: float) -> np.ndarray | bool:
    """True where rounding moved the shape by more than ``tolerance`` (Hausdorff distance, in
    the geometries' units) or changed its type: what a pre-export check warns about."""
    b = np.asarray(before, dtype=object) if not isinstance(before, BaseGeometry) else before
    a = np.asarray(after, dtype=object) if not isinstance(after, BaseGeometry) else after
    empty = shapely.is_empty(a) & ~shapely.is_empty(b)
    dist = shapely.hausdorff_distance(b, a)
    return empty | (np.nan_to_num(dist, nan=np.inf) > tolerance)
