"""Coverage health of a unit, and the guard every edit passes before it is returned.

Editing operations are built to keep coverage clean, but a guard makes that a guarantee: an
edit whose result would add overlap, area outside the unit, invalid geometry or unnoded shared
edges is refused (``EditRefused``) instead of being handed to ``project.apply``. Problems that
were already there before the edit (imported data) do not block it; only new ones do.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from mapedit.errors import EditRefused
from mapedit.model.changes import ChangeSet
from mapedit.model.dataset import Dataset
from mapedit.model.editing.index import grids_near, unit_grids
from mapedit.model.editing.rings import polygons_of
from mapedit.model.hierarchy import MicroGrid
from mapedit.model.noise import real_area
from mapedit.model.settings import Settings
from mapedit.model.validity import is_usable


@dataclass
class CoverageHealth:
    """Measures of a set of grids within one unit (all zero for a clean coverage)."""

    invalid: int = 0
    """Grids with an invalid, empty or non-polygonal geometry."""
    outside_area: float = 0.0
    """Area of the grids outside the unit."""
    overlap_area: float = 0.0
    """Sum of pairwise overlap areas."""
    invalid_edge_length: float = 0.0
    """Length of edges ``shapely.coverage_invalid_edges`` reports (overlaps, near-matches)."""
    gap_area: float | None = None
    """Unit area not covered (only when measured for a whole unit)."""

    def worse_than(self, before: CoverageHealth, settings: Settings) -> list[tuple[str, str]]:
        """Reasons (zh, en) this is worse than ``before`` beyond noise."""
        out = []
        if self.invalid > before.invalid:
            out.append(("结果几何无效", "the result would be an invalid geometry"))
        if self.outside_area > before.outside_area + settings.min_area_m2:
            out.append(("结果超出管理单元", "the result would extend outside the unit"))
        if self.overlap_area > before.overlap_area + settings.min_area_m2:
            out.append(("结果与其他微网格重叠", "the result would overlap other grids"))
        if self.invalid_edge_length > before.invalid_edge_length + settings.noding_precision_m:
            out.append(("结果的公共边未对齐节点", "shared edges of the result would not be noded"))
        return out


def _valid_polygonal(g: BaseGeometry | None) -> bool:
    return is_usable(g)  # valid, polygonal, and no empty ring (which GEOS crashes on)


def health(geoms: Iterable[BaseGeometry | None], unit_geom: BaseGeometry | None,
           with_gaps: bool = False, settings: Settings | None = None) -> CoverageHealth:
    """Measure a set of grid geometries of one unit (invalid ones count, and are left out of
    the other measures). With ``settings``, areas outside the unit and overlaps count only
    their real pieces (:func:`mapedit.model.noise.real_area`): the guard compares before
    and after, and the noise strips of data that went through a coordinate round trip shift
    with any re-noding without being any worse."""
    geoms = list(geoms)
    ok = [g for g in geoms if _valid_polygonal(g)]
    h = CoverageHealth(invalid=len(geoms) - len(ok))
    if not ok:
        if with_gaps and unit_geom is not None:
            h.gap_area = float(unit_geom.area)
        return h
    arr = np.empty(len(ok), dtype=object)
    arr[:] = ok
    if unit_geom is not None:
        outside = shapely.difference(arr, unit_geom)
        h.outside_area = (real_area(outside, settings) if settings is not None
                          else float(shapely.area(outside).sum()))
    tree = shapely.STRtree(arr)
    pairs = tree.query(arr, predicate="intersects")
    mask = pairs[0] < pairs[1]
    if mask.any():
        a, b = arr[pairs[0][mask]], arr[pairs[1][mask]]
        common = shapely.intersection(a, b)
        h.overlap_area = (real_area(common, settings) if settings is not None
                          else float(shapely.area(common).sum()))
    edges = shapely.coverage_invalid_edges(arr)
    h.invalid_edge_length = float(shapely.length(edges).sum())
    if with_gaps and unit_geom is not None:
        h.gap_area = float(unit_geom.difference(shapely.union_all(arr)).area)
    return h


def unit_health(dataset: Dataset, unit_code: str) -> CoverageHealth:
    """Health of a whole unit's coverage, gaps included (tests and scripted sessions)."""
    unit = dataset.units[unit_code]
    return health([g.geometry for g in unit_grids(dataset, unit_code)], unit.geometry,
                  with_gaps=True)


def _local(dataset: Dataset, unit_code: str, changed: dict[int, MicroGrid],
           touched: set[int], probe: list[BaseGeometry]) -> list[BaseGeometry | None]:
    """Geometries of grids of ``unit_code`` near ``probe`` (before or after the edit):
    untouched grids as they are plus the changed ones as given (``touched``: every fid the
    change set mentions, so a deleted grid is not read back from the dataset)."""
    if not probe:
        return []
    area = shapely.union_all([p.envelope for p in probe]).buffer(1.0)
    out: list[BaseGeometry | None] = [g.geometry for g in changed.values()]
    for g in grids_near(dataset, area, unit_code=unit_code):
        if g.fid not in touched:
            out.append(g.geometry)
    return out


def guard(dataset: Dataset, changeset: ChangeSet, settings: Settings) -> ChangeSet:
    """Refuse (``EditRefused``) a change set that would make any touched unit's coverage worse;
    return it unchanged otherwise."""
    units = {c.after.unit_code for c in changeset.changes if c.after is not None}
    units |= {c.before.unit_code for c in changeset.changes if c.before is not None}
    before_map: dict[int, MicroGrid | None] = {}
    after_map: dict[int, MicroGrid | None] = {}
    for i, c in enumerate(changeset.changes):
        key = c.fid if c.fid is not None else -1 - i  # inserts get private negative keys
        before_map[key] = c.before
        after_map[key] = c.after
    for code in units:
        unit = dataset.units.get(code)
        ugeom = unit.geometry if unit else None
        b = {k: v for k, v in before_map.items() if v is not None and v.unit_code == code}
        a = {k: v for k, v in after_map.items() if v is not None and v.unit_code == code}
        probe = [g.geometry for g in list(b.values()) + list(a.values())
                 if g.geometry is not None and not g.geometry.is_empty]
        touched = set(before_map)
        hb = health(_local(dataset, code, b, touched, probe), ugeom, settings=settings)
        ha = health(_local(dataset, code, a, touched, probe), ugeom, settings=settings)
        reasons = ha.worse_than(hb, settings)
        if reasons:
            zh = ";".join(r[0] for r in reasons)
            en = "; ".join(r[1] for r in reasons)
            raise EditRefused(f"{changeset.zh}被拒绝:{zh}", f"{changeset.en} refused: {en}")
    for c in changeset.changes:
        if c.after is not None and not polygons_of(c.after.geometry):
            raise EditRefused(f"{changeset.zh}被拒绝:结果为空", f"{changeset.en} refused: "
                              "the result would be empty")
    return changeset
