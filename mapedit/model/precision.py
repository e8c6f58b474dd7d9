"""Rounding coordinates without breaking geometries, and thinning needlessly dense ones.

Every geometry that leaves the program (an exchange file with 7 decimals, a report location) is
rounded; rounding each coordinate on its own can make a ring with millimetres of clearance cross
itself, or leave zero-width spikes. :func:`round_valid` rounds every coordinate to the grid
exactly as GEOS's precision model does (``floor(v / grid + 0.5) * grid``), keeps the result
where it is valid (nearly always: this is the fast, vectorised path), and snap-rounds the rest
with GEOS (``set_precision(..., mode="valid_output")``), which keeps them valid. Because
neighbours share identical vertices, those land on identical grid points and shared edges stay
shared; where snap-rounding one geometry bends an edge it shares with a neighbour (a hot pixel
of its own vertex lies on the edge), the neighbour is snapped onto it and re-rounded, and a
pair that still does not match is reported. This is the one place that does it.

:func:`thin_vertices` removes repeated and collinear vertices (within the noding precision)
from geometries with far more vertices than a micro-grid needs, keeping every vertex another
geometry shares, so a file with a 200,000-vertex grid does not make every command run for
minutes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry


def decimals_grid(decimals: int) -> float:
    """The grid size of ``decimals`` decimal places."""
    return float(10.0 ** -decimals)


def plain_round(coords: np.ndarray, grid: float) -> np.ndarray:
    """Coordinates rounded to multiples of ``grid`` exactly as GEOS's precision model does
    (half away from minus infinity), so plain and snap-rounded results agree vertex for vertex."""
    scale = 1.0 / grid
    return np.floor(coords * scale + 0.5) / scale


@dataclass
class Rounded:
    """The result of :func:`round_geometries`."""

    geometries: np.ndarray
    """Rounded, valid (possibly empty) geometries, in input order."""
    repaired: np.ndarray
    """Indices where plain rounding was not enough (snap-rounded, or snapped to a neighbour):
    the only ones whose shape may differ from the input by more than rounding noise."""
    unmatched: list[tuple[int, int]] = field(default_factory=list)
    """Pairs of indices that shared an edge before rounding and still do not after noding."""


def _as_array(geoms) -> np.ndarray:
    if isinstance(geoms, BaseGeometry):
        out = np.empty(1, dtype=object)
        out[0] = geoms
        return out
    arr = np.asarray(geoms, dtype=object)
    if arr.ndim != 1:
        out = np.empty(len(geoms), dtype=object)
        out[:] = list(geoms)
        return out
    return arr


def _pair_matches(a: BaseGeometry, b: BaseGeometry) -> bool:
    """True when two polygons form a valid coverage (no overlap, edges matched vertex for
    vertex where they touch)."""
    try:
        return bool(shapely.coverage_is_valid(np.array([a, b], dtype=object)))
    except shapely.errors.GEOSException:
        return False


def _snap_round(geoms: np.ndarray, grid: float) -> np.ndarray:
    """GEOS snap-rounding with valid output; a geometry GEOS cannot take (a broken one from
    an import) is made valid first, and becomes empty only if even that fails."""
    try:
        return shapely.set_precision(geoms, grid, mode="valid_output")
    except shapely.errors.GEOSException:
        out = np.empty(len(geoms), dtype=object)
        for k, g in enumerate(geoms):
            try:
                out[k] = shapely.set_precision(g, grid, mode="valid_output")
            except shapely.errors.GEOSException:
                try:
                    fixed = shapely.make_valid(g)
                    polys = [p for p in shapely.get_parts(fixed)
                             if p.geom_type in ("Polygon", "MultiPolygon")]
                    out[k] = shapely.set_precision(shapely.union_all(polys), grid,
                                                   mode="valid_output")
                except shapely.errors.GEOSException:
                    out[k] = shapely.Polygon()
        return out


def _neighbours(tree: shapely.STRtree, geom: BaseGeometry) -> list[int]:
    try:
        return tree.query(geom, predicate="intersects").tolist()
    except shapely.errors.GEOSException:
        return tree.query(geom).tolist()


def round_geometries(geoms, grid: float) -> Rounded:
    """Round polygonal geometries to multiples of ``grid`` keeping each valid and shared edges
    shared (see the module docstring). Empty or missing inputs stay empty."""
    arr = _as_array(geoms)
    arr = np.where(shapely.is_missing(arr), shapely.Polygon(), arr)
    out = shapely.transform(arr, lambda c: plain_round(c, grid))
    bad = np.flatnonzero(~shapely.is_valid(out) & ~shapely.is_empty(arr))
    if not len(bad):
        return Rounded(out, bad)
    out[bad] = _snap_round(arr[bad], grid)
    repaired = set(bad.tolist())
    unmatched: list[tuple[int, int]] = []
    seen: set[tuple[int, int]] = set()
    tree = shapely.STRtree(arr)
    for i in bad.tolist():
        for j in _neighbours(tree, arr[i]):
            if j == i or (min(i, j), max(i, j)) in seen:
                continue
            seen.add((min(i, j), max(i, j)))
            if not _pair_matches(arr[i], arr[j]) or _pair_matches(out[i], out[j]):
                continue  # not neighbours with matched edges before, or still matched now
            try:
                snapped = shapely.set_precision(shapely.snap(out[j], out[i], 1.5 * grid), grid,
                                                mode="valid_output")
            except shapely.errors.GEOSException:
                snapped = None
            if snapped is not None and _pair_matches(out[i], snapped):
                out[j] = snapped
                repaired.add(j)
            else:
                unmatched.append((i, j))
    return Rounded(out, np.array(sorted(repaired), dtype=np.int64), unmatched)


def round_valid(geoms, grid: float):
    """``geoms`` (a geometry or an array of them) snapped to multiples of ``grid`` (e.g. 1e-7
    degrees for 7 decimals), every result valid. Parts that collapse below the grid vanish
    (a polygon may become empty: callers decide what that means)."""
    result = round_geometries(geoms, grid).geometries
    return result[0] if isinstance(geoms, BaseGeometry) else result


def _ring_counts(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    parts = shapely.get_num_geometries(geoms)
    rings = np.zeros(len(geoms), dtype=np.int64)
    flat, idx = shapely.get_parts(geoms, return_index=True)
    if len(flat):
        np.add.at(rings, idx, shapely.get_num_interior_rings(flat) + 1)
    return parts, rings


def shape_changed(before, after, tolerance: float) -> np.ndarray | bool:
    """True where rounding changed a shape: it collapsed, its number of parts or holes changed
    (a pinched neck split it, a hole closed), or it moved by more than ``tolerance``
    (Hausdorff distance, in the geometries' units). What a pre-export check warns about."""
    single = isinstance(before, BaseGeometry)
    b, a = _as_array(before), _as_array(after)
    empty = shapely.is_empty(a) & ~shapely.is_empty(b)
    bp, br = _ring_counts(b)
    ap, ar = _ring_counts(a)
    dist = shapely.hausdorff_distance(b, a)
    changed = empty | (bp != ap) | (br != ar) | (np.nan_to_num(dist, nan=np.inf) > tolerance)
    changed &= ~shapely.is_empty(b)
    return bool(changed[0]) if single else changed


# --------------------------------------------------------------------------------------------
# Thinning dense geometries
# --------------------------------------------------------------------------------------------
def _keys(coords: np.ndarray) -> np.ndarray:
    return coords[:, 0] + 1j * coords[:, 1]


def _thin_ring(ring: np.ndarray, shared: np.ndarray, tolerance: float) -> np.ndarray:
    """A closed ring without the vertices within ``tolerance`` of the line through the kept
    ones (Douglas-Peucker per chain between shared vertices, which are all kept)."""
    pts = ring[:-1]
    n = len(pts)
    prot = np.isin(_keys(pts), shared)
    if not prot.any():
        thinned = shapely.simplify(shapely.linestrings(ring), tolerance, preserve_topology=False)
        return shapely.get_coordinates(thinned)
    start = int(np.argmax(prot))
    rr = np.roll(pts, -start, axis=0)
    pp = np.roll(prot, -start)
    rr = np.vstack([rr, rr[:1]])
    cuts = np.append(np.flatnonzero(pp), n)
    keep = np.zeros(n + 1, dtype=bool)
    keep[cuts] = True
    long = np.flatnonzero(np.diff(cuts) >= 2)
    if len(long):
        lo, hi = cuts[long], cuts[long + 1]
        sizes = hi - lo + 1
        chain = np.repeat(np.arange(len(long)), sizes)
        offsets = np.repeat(lo - np.concatenate([[0], np.cumsum(sizes)[:-1]]), sizes)
        vidx = np.arange(int(sizes.sum())) + offsets
        lines = shapely.linestrings(rr[vidx], indices=chain)
        simple = shapely.simplify(lines, tolerance, preserve_topology=False)
        kept, cid = shapely.get_coordinates(simple, return_index=True)
        kept_keys = set(zip(cid.tolist(), _keys(kept).tolist(), strict=True))
        cand = list(zip(chain.tolist(), _keys(rr[vidx]).tolist(), strict=True))
        keep[vidx] |= np.fromiter((c in kept_keys for c in cand), dtype=bool, count=len(cand))
    return rr[keep]


def _thin_one(geom: BaseGeometry, shared: np.ndarray, tolerance: float) -> BaseGeometry:
    polys = []
    for part in shapely.get_parts(geom):
        rings = [_thin_ring(shapely.get_coordinates(r), shared, tolerance)
                 for r in shapely.get_rings(part)]
        if len(rings[0]) < 4:
            return geom
        holes = [r for r in rings[1:] if len(r) >= 4]
        polys.append(shapely.polygons(rings[0], holes=holes or None))
    out = polys[0] if geom.geom_type == "Polygon" else shapely.multipolygons(polys)
    return out


def thin_vertices(geoms, tolerance: float, above: int, keep_from=None
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Remove repeated and collinear vertices (within ``tolerance``, Douglas-Peucker) from the
    polygonal geometries with more than ``above`` coordinates.

    Vertices that another geometry of ``geoms`` (or of ``keep_from``: e.g. the project's
    grids an import lands beside) also has are kept, so shared edges and T-junction nodes
    between neighbours stay noded. A geometry that would become invalid is left as it was.
    Returns (geometries, number of vertices removed from each)."""
    arr = _as_array(geoms).copy()
    removed = np.zeros(len(arr), dtype=np.int64)
    n = shapely.get_num_coordinates(arr)
    dense = np.flatnonzero(n > above)
    if not len(dense):
        return arr, removed
    coords, owner = shapely.get_coordinates(arr, return_index=True)
    keys = _keys(coords)
    outside = np.empty(0, dtype=complex)
    if keep_from is not None and len(_as_array(keep_from)):
        outside = _keys(shapely.get_coordinates(_as_array(keep_from)))
    for i in dense.tolist():
        geom = arr[i]
        if geom is None or geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
            continue
        shared = np.unique(np.concatenate([keys[owner != i], outside]))
        try:
            out = _thin_one(geom, shared, tolerance)
        except (shapely.errors.GEOSException, ValueError):
            continue
        if out.is_valid or not geom.is_valid:
            removed[i] = int(n[i]) - int(shapely.get_num_coordinates(out))
            arr[i] = out
    return arr, removed
