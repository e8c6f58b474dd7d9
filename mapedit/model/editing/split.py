"""Split a grid by a drawn line or by a road.

The grid's boundary and the (possibly extended) cutting line are noded together and
polygonized; the faces inside the grid are the parts. Because all parts come from the same
noded linework they share the cut exactly, and the cut's end points are inserted into the
neighbours whose edges they lie on.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely
from shapely.geometry import LineString, Point
from shapely.geometry.base import BaseGeometry

from mapedit.errors import EditRefused
from mapedit.model.changes import ChangeSet
from mapedit.model.dataset import Dataset
from mapedit.model.editing.common import (
    CodeAllocator,
    apportion,
    building_households,
    default_name,
    node_and_finish,
    reshapable_grid,
    settings_of,
    stamp_now,
)
from mapedit.model.editing.rings import is_noise, polygons_of
from mapedit.model.hierarchy import MicroGrid
from mapedit.model.settings import Settings


def _extend(coords: np.ndarray, boundary: BaseGeometry, tol: float, reach: float) -> np.ndarray:
    """Extend each end of a polyline by ``reach`` along its last segment when that end lies
    within ``tol`` of the grid boundary, so a cut drawn to "about the edge" crosses it."""
    out = coords.copy()
    for end, prev, idx in ((0, 1, 0), (-1, -2, -1)):
        p = Point(out[end])
        if p.distance(boundary) > tol:
            continue
        d = out[end] - out[prev]
        n = float(np.hypot(*d))
        if n == 0:
            continue
        new = out[end] + d / n * reach
        out = np.vstack([new, out]) if idx == 0 else np.vstack([out, new])
    return out


def split_parts(geom: BaseGeometry, line: BaseGeometry, settings: Settings) -> list[BaseGeometry]:
    """The pieces a lineal geometry cuts a polygonal geometry into, largest first; pieces that
    are noise are merged into the neighbouring piece they share most boundary with."""
    lines = shapely.union_all([geom.boundary, line])  # nodes boundary and cut together
    faces = polygons_of(shapely.polygonize(shapely.get_parts(lines)))
    inside = [f for f in faces if geom.contains(f.point_on_surface())]
    big = [f for f in inside if not is_noise(f, settings)]
    small = [f for f in inside if is_noise(f, settings)]
    for f in small:
        if not big:
            break
        shared = [f.boundary.intersection(b.boundary).length for b in big]
        k = int(np.argmax(shared))
        if shared[k] > 0:
            big[k] = shapely.coverage_union_all([big[k], f])
    big.sort(key=lambda p: -p.area)
    return big


def _split(dataset: Dataset, fid: int, line: BaseGeometry, settings: Settings | None,
           zh: str, en: str) -> ChangeSet:
    s = settings_of(dataset, settings)
    grid, unit = reshapable_grid(dataset, fid)
    parts = split_parts(grid.geometry, line, s)
    if len(parts) < 2:
        raise EditRefused("分割线没有穿过该微网格", "the line does not cut the grid in two")
    stamp = stamp_now()
    hh = building_households(dataset, parts)
    if any(h is not None for h in hh):
        weights = [float(h or 0) for h in hh]
        if sum(weights) <= 0:
            weights = [p.area for p in parts]
    else:
        weights = [p.area for p in parts]
    households = apportion(grid.households, weights)
    population = apportion(grid.population, weights)
    codes = CodeAllocator(dataset, grid.unit_code)
    edited: list[tuple[MicroGrid | None, MicroGrid]] = []
    for i, part in enumerate(parts):
        if i == 0:
            after = grid.replace(geometry=part, households=households[0],
                                 population=population[0])
            edited.append((grid, after))
        else:
            code = codes.next()
            after = grid.replace(geometry=part, code=code, name=default_name(unit, code),
                                 households=households[i], population=population[i],
                                 created=stamp, fid=None)
            edited.append((None, after))
    codes_txt = "、".join(a.code for _, a in edited)
    return node_and_finish(dataset, f"{zh} {grid.code} → {codes_txt}",
                           f"{en} {grid.code} → {', '.join(a.code for _, a in edited)}",
                           edited, [], s, stamp)


def split_grid(dataset: Dataset, fid: int, line_coords: Sequence[Sequence[float]],
               settings: Settings | None = None, *,
               tolerance_m: float | None = None) -> ChangeSet:
    """Split grid ``fid`` by a drawn polyline into two or more grids.

    Ends lying within ``tolerance_m`` (default ``sliver_width_m``) of the grid's boundary are
    extended by twice that so the cut reaches across. The largest part keeps the fid, code and
    name; the others are new grids with the next free codes and default names, all other
    attributes copied. Households and population are apportioned (totals kept) by the
    households of the buildings in each part, or by area when there are none. Refused when
    the line does not cut the grid or the unit is locked.
    """
    s = settings_of(dataset, settings)
    tol = tolerance_m if tolerance_m is not None else s.sliver_width_m
    coords = np.asarray([tuple(c)[:2] for c in line_coords], dtype=float)
    if len(coords) < 2:
        raise EditRefused("分割线至少需要两个点", "a cutting line needs two points")
    grid = dataset.grids.get(fid)
    if grid is not None and grid.geometry is not None:
        coords = _extend(coords, grid.geometry.boundary, tol, 2 * tol + s.noding_precision_m)
    return _split(dataset, fid, LineString(coords), s, "分割微网格", "split grid")


def split_grid_by_road(dataset: Dataset, fid: int, road: int | BaseGeometry,
                       settings: Settings | None = None) -> ChangeSet:
    """Split grid ``fid`` along a road: ``road`` is an index into the ``roads`` base layer or
    a lineal geometry. The road is used as it is (not extended)."""
    if isinstance(road, int):
        layer = dataset.base("roads")
        if layer is None or not 0 <= road < len(layer):
            raise EditRefused("道路不存在", f"road {road} does not exist")
        road = layer.geometries[road]
    if road is None or shapely.get_dimensions(road) != 1:
        raise EditRefused("分割要用线状道路", "a road to split by must be a line")
    return _split(dataset, fid, road, settings, "沿道路分割微网格", "split grid along road")
