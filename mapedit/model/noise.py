"""What is floating-point and coordinate noise, and what is a real piece of area.

One definition for the checker (a gap it reports) and the editing operations (a gap they fill,
an overlap a repair removes, a result the guard refuses), so that a gap there is a gap here.
A piece is noise when it is smaller than ``min_area_m2`` or thinner on average than
:func:`noise_width`; but a piece that is big enough and thin *on average* may be a real problem
joined to noise (a 2 m² gap where two grids meet a unit edge, joined to the millimetre strip a
WGS84 round trip leaves along the whole edge), so such a piece is not judged whole: its noise is
removed (:func:`strip_noise`) and what is left is judged by area alone.
"""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from mapedit.model.settings import Settings

POLYGON = 3


def noise_width(settings: Settings) -> float:
    """Below this width a piece is noise and two vertices are the same vertex: the noding
    precision, but never finer than the coordinates themselves (7-decimal WGS84 ≈ 1 cm)."""
    return max(settings.noding_precision_m, getattr(settings, "coordinate_precision_m", 0.0))


def widths(parts: np.ndarray) -> np.ndarray:
    """Mean width of each polygon, ≈ 2·area/perimeter (exact for long thin strips)."""
    if len(parts) == 0:
        return np.empty(0)
    area = shapely.area(parts)
    per = shapely.length(parts)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.where(per > 0, 2.0 * area / per, 0.0)
    return w


def strip_noise(part: BaseGeometry, settings: Settings) -> list[BaseGeometry]:
    """The pieces of polygon ``part`` left when everything thinner than :func:`noise_width`
    is removed (a morphological opening: shrink by half that width, grow back), keeping those
    of at least ``min_area_m2``. The opening never adds area, so each piece lies in ``part``;
    only corners sharper than the noise width are rounded off (well under 0.01 m²)."""
    half = noise_width(settings) / 2.0
    core = shapely.buffer(shapely.buffer(part, -half, quad_segs=2), half, quad_segs=2)
    if core.is_empty:
        return []
    core = shapely.intersection(core, part)  # exact containment despite rounding
    pieces = shapely.get_parts(core)
    pieces = pieces[shapely.get_type_id(pieces) == POLYGON]
    return [p for p in pieces[shapely.area(pieces) >= settings.min_area_m2]]


def classify(parts: np.ndarray, settings: Settings) -> tuple[np.ndarray, np.ndarray]:
    """For an array of polygons: ``(real, mixed)`` masks. ``real``: big enough and wide
    enough on average, a problem as it is. ``mixed``: big enough but thin on average — noise,
    unless :func:`strip_noise` finds a real core in it. The rest is noise."""
    if len(parts) == 0:
        e = np.zeros(0, dtype=bool)
        return e, e
    big = shapely.area(parts) >= settings.min_area_m2
    thin = widths(parts) < noise_width(settings)
    return big & ~thin, big & thin


def is_noise(poly: BaseGeometry, settings: Settings) -> bool:
    """True for a polygon that holds no real area (see the module doc): the test the
    editing operations use for a single piece."""
    real, mixed = classify(np.array([poly], dtype=object), settings)
    if real[0]:
        return False
    return not (mixed[0] and strip_noise(poly, settings))


def real_area(geoms: np.ndarray, settings: Settings) -> float:
    """Total area of the real pieces of some overlay results (their noise left out): how
    much a repair or a guard should count, so millimetre strips along a long edge, which
    any re-noding shifts a little, never decide whether an edit is worse."""
    arr = np.asarray(geoms, dtype=object)
    if arr.size == 0:
        return 0.0
    parts = _polygons(arr)
    if len(parts) == 0:
        return 0.0
    real, mixed = classify(parts, settings)
    total = float(shapely.area(parts[real]).sum())
    for p in parts[mixed]:
        total += sum(c.area for c in strip_noise(p, settings))
    return total


def _polygons(arr: np.ndarray) -> np.ndarray:
    """Every polygon in an array of geometries (multi-parts and collections flattened)."""
    arr = arr[~shapely.is_missing(arr)]
    for _ in range(3):  # a collection may hold a multipolygon
        if len(arr) == 0:
            break
        arr = shapely.get_parts(arr[~shapely.is_empty(arr)])
    arr = arr[~shapely.is_empty(arr)] if len(arr) else arr
    return arr[shapely.get_type_id(arr) == POLYGON] if len(arr) else arr
