"""Coordinate-level helpers: polygons as lists of rings, polygonal parts, noise.

Noding and vertex editing work on raw coordinate arrays, because shapely's overlay would
recompute (and so perturb) every intersection. A polygonal geometry is handled as a list of
polygons, each a list of closed rings ``(n, 2)`` float arrays, exterior first.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from mapedit.model import noise
from mapedit.model.settings import Settings

Rings = list[list[np.ndarray]]
"""Polygons → rings → closed (n, 2) coordinate arrays."""

_POLYGON = 3
_MULTIPOLYGON = 6
_COLLECTION = 7


def polygons_of(geom: BaseGeometry | None) -> list[Polygon]:
    """The non-empty polygons of any geometry (collections flattened, lines/points dropped):
    overlay results often mix polygons with the lines where boundaries merely touch."""
    if geom is None or geom.is_empty:
        return []
    t = shapely.get_type_id(geom)
    if t == _POLYGON:
        return [geom]
    if t in (_MULTIPOLYGON, _COLLECTION):
        out: list[Polygon] = []
        for part in shapely.get_parts(geom):
            out.extend(polygons_of(part))
        return out
    return []


def to_rings(geom: BaseGeometry | None) -> Rings:
    """Polygonal geometry → list of polygons of closed ring arrays."""
    out: Rings = []
    for poly in polygons_of(geom):
        rings = [np.asarray(poly.exterior.coords, dtype=float)[:, :2]]
        rings += [np.asarray(r.coords, dtype=float)[:, :2] for r in poly.interiors
                  if not r.is_empty]  # an empty hole (a file's ``[]``) is no ring
        out.append(rings)
    return out


def dedupe_ring(ring: np.ndarray) -> np.ndarray:
    """Drop consecutive repeated vertices (snapping can make neighbours coincide); keeps the
    ring closed."""
    if len(ring) == 0:
        return ring
    keep = np.ones(len(ring), dtype=bool)
    keep[1:] = np.any(ring[1:] != ring[:-1], axis=1)
    ring = ring[keep]
    if len(ring) and np.any(ring[0] != ring[-1]):
        ring = np.vstack([ring, ring[:1]])
    return ring


def from_rings(rings: Rings) -> BaseGeometry:
    """Closed ring arrays → Polygon / MultiPolygon (rings with < 3 distinct vertices dropped;
    an exterior that collapses drops its whole polygon). Returns an empty Polygon when
    nothing is left. Validity is *not* repaired: callers decide whether to refuse."""
    polys: list[Polygon] = []
    for poly in rings:
        shell = dedupe_ring(poly[0])
        if len(shell) < 4:
            continue
        holes = [h for h in (dedupe_ring(r) for r in poly[1:]) if len(h) >= 4]
        polys.append(Polygon(shell, holes))
    if not polys:
        return Polygon()
    return polys[0] if len(polys) == 1 else MultiPolygon(polys)


def polygonal(geoms: Sequence[Polygon]) -> BaseGeometry:
    """Polygons → one Polygon / MultiPolygon / empty Polygon."""
    if not geoms:
        return Polygon()
    return geoms[0] if len(geoms) == 1 else MultiPolygon(list(geoms))


def mean_width(poly: BaseGeometry) -> float:
    """≈ 2·area/perimeter, the width of a long thin strip (the checker's sliver measure)."""
    per = poly.length
    return 2.0 * poly.area / per if per > 0 else 0.0


def is_noise(poly: BaseGeometry, settings: Settings) -> bool:
    """A piece the checker would never report (:func:`mapedit.model.noise.is_noise`, the
    definition the checker uses too)."""
    return noise.is_noise(poly, settings)


def significant_parts(geom: BaseGeometry | None, settings: Settings) -> list[Polygon]:
    """Polygons of an overlay result that are not noise, largest first. A piece holding a
    real core joined to a noise strip is kept whole (filling or cutting it whole leaves no
    noise behind)."""
    parts = polygons_of(geom)
    if not parts:
        return []
    arr = np.empty(len(parts), dtype=object)
    arr[:] = parts
    real, mixed = noise.classify(arr, settings)
    keep = [p for p, r, m in zip(parts, real.tolist(), mixed.tolist(), strict=True)
            if r or (m and noise.strip_noise(p, settings))]
    keep.sort(key=lambda p: -p.area)
    return keep


def make_polygonal(geom: BaseGeometry | None) -> BaseGeometry:
    """A valid polygonal version of a possibly invalid drawn geometry (a bow-tie becomes two
    triangles) so a sloppy drawing is repaired rather than refused."""
    if geom is None or geom.is_empty:
        return Polygon()
    if not geom.is_valid:
        geom = shapely.make_valid(geom, method="structure", keep_collapsed=False)
    return polygonal(polygons_of(geom))


def vertex_array(geoms: Iterable[BaseGeometry | None]) -> np.ndarray:
    """All vertex coordinates (x, y) of some geometries, as one (n, 2) array."""
    arrs = [shapely.get_coordinates(g) for g in geoms if g is not None and not g.is_empty]
    if not arrs:
        return np.empty((0, 2))
    return np.vstack(arrs)


def same_geometry(a: BaseGeometry | None, b: BaseGeometry | None) -> bool:
    """Coordinate-exact equality (what undo must restore)."""
    if a is None or b is None:
        return a is b
    return bool(shapely.equals_identical(a, b))
