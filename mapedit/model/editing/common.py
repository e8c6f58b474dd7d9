"""What every editing operation shares: finding the unit and refusing locked ones, codes and
default names for new grids, buildings and households, and assembling the change set.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from mapedit.errors import EditRefused
from mapedit.model.changes import ChangeSet, GridChange
from mapedit.model.codes import grid_code
from mapedit.model.dataset import Dataset
from mapedit.model.editing.index import codes_in_use, grids_near, unit_grids
from mapedit.model.editing.noding import conform
from mapedit.model.editing.verify import guard
from mapedit.model.hierarchy import HOUSEHOLDS_FROM_BUILDINGS, MicroGrid, Unit, now_iso
from mapedit.model.layers import BaseLayer
from mapedit.model.point_index import PointIndex, interior_xy
from mapedit.model.settings import Settings
from mapedit.model.validity import geometry_problem, is_usable, usable


def settings_of(dataset: Dataset, settings: Settings | None) -> Settings:
    """The explicit settings, else the project's (so callers may omit them)."""
    return settings if settings is not None else dataset.settings


def editable_unit(dataset: Dataset, unit_code: str) -> Unit:
    """The unit, or a refusal when it is unknown, has no geometry or is locked: a locked unit
    is finished work that must not change by accident."""
    unit = dataset.units.get(unit_code)
    if unit is None or unit.geometry is None or unit.geometry.is_empty:
        raise EditRefused(f"管理单元 {unit_code} 不存在或没有边界",
                          f"unit {unit_code} does not exist or has no boundary")
    if unit.locked:
        raise EditRefused(f"管理单元 {unit.name}({unit.code})已锁定,不能编辑",
                          f"unit {unit.name} ({unit.code}) is locked")
    return unit


def editable_grid(dataset: Dataset, fid: int) -> tuple[MicroGrid, Unit]:
    """The grid and its (unlocked) unit, or a refusal."""
    grid = dataset.grids.get(fid)
    if grid is None or grid.geometry is None or grid.geometry.is_empty:
        raise EditRefused(f"微网格 {fid} 不存在或没有图形", f"grid {fid} does not exist or is empty")
    return grid, editable_unit(dataset, grid.unit_code)


def reshapable_grid(dataset: Dataset, fid: int) -> tuple[MicroGrid, Unit]:
    """:func:`editable_grid` for operations that overlay the grid's own shape (fill a gap
    into it, subtract, clip, split, merge): a grid with an invalid shape is refused with the
    reason, since no overlay of it can be trusted. Vertex editing and redrawing, which do not
    overlay it, remain the way to repair it."""
    grid, unit = editable_grid(dataset, fid)
    problem = geometry_problem(grid.geometry)
    if problem is not None:
        label = grid.code or f"#{fid}"
        raise EditRefused(f"微网格 {label} {problem[0]},请先用节点编辑修正或重画",
                          f"micro-grid {label}: {problem[1]}; fix it with vertex editing or "
                          "redraw it first")
    return grid, unit


class CodeAllocator:
    """Hands out unused grid codes of a unit (``unit code + 3 digits``), lowest first, also for
    unit codes that are not 12 digits (``codes.next_free_code`` only knows the default
    pattern). Codes handed out are remembered so one edit never reuses a code. The codes in
    use come from the shared grid index (copying 35,000 codes per edit was most of its cost)."""

    def __init__(self, dataset: Dataset, unit_code: str) -> None:
        self.unit_code = unit_code
        self.taken = codes_in_use(dataset)
        self.handed: set[str] = set()

    @property
    def used(self) -> set[str]:
        """Every code in use or handed out (a copy; for callers that want to look)."""
        return set(self.taken) | self.handed

    def next(self) -> str:
        for seq in range(1, 1000):
            code = grid_code(self.unit_code, seq)
            if code not in self.taken and code not in self.handed:
                self.handed.add(code)
                return code
        raise EditRefused(f"管理单元 {self.unit_code} 的微网格编码已用尽",
                          f"unit {self.unit_code} has no free grid code left")


def default_name(unit: Unit, code: str) -> str:
    """``{unit name}{n}号微网格`` with n the code's sequence number (how clerks name them)."""
    seq = code[len(unit.code):] if code.startswith(unit.code) else code[-3:]
    n = int(seq) if seq.isdigit() else seq
    return f"{unit.name}{n}号微网格"


def is_default_name(unit: Unit, name: str) -> bool:
    return bool(re.fullmatch(re.escape(unit.name) + r"\d+号微网格", name or ""))


def new_grid(dataset: Dataset, unit: Unit, geom: BaseGeometry, codes: CodeAllocator,
             stamp: str) -> MicroGrid:
    """A grid for an edit to insert: next code, default name, the unit type's default
    category with its departments, households from buildings when the category needs them."""
    cat = dataset.catalogue.default_category(unit.unit_type)
    code = codes.next()
    households = None
    if dataset.catalogue.needs_households(cat):
        households = households_from_buildings(dataset, geom)
    return MicroGrid(code=code, name=default_name(unit, code), category=cat, geometry=geom,
                     unit_code=unit.code,
                     departments=dataset.catalogue.default_departments(cat),
                     households=households, created=stamp, updated=stamp, fid=None,
                     households_source=HOUSEHOLDS_FROM_BUILDINGS if households is not None
                     else "")


def noded_unit(dataset: Dataset, unit_code: str, tol: float) -> BaseGeometry:
    """The unit's boundary with the vertices of its grids that lie on it inserted (a copy for
    overlays; the stored unit is never changed). Without this, a grid vertex 1e-10 m off the
    unit's edge turns ``unit − grids`` into a gap with a hair-thin tail along that edge."""
    unit = dataset.units[unit_code]
    grids = _usable_geometries(unit_grids(dataset, unit_code))
    if not grids:
        return unit.geometry
    near = [g for g in grids if shapely.dwithin(g.boundary, unit.geometry.boundary, tol)]
    (noded,), _ = conform([unit.geometry], near, tol)
    return noded if noded.is_valid else unit.geometry


def uncovered(dataset: Dataset, unit_code: str, tol: float) -> BaseGeometry:
    """``unit − union(grids of the unit)`` computed on the noded unit."""
    ugeom = noded_unit(dataset, unit_code, tol)
    grids = _usable_geometries(unit_grids(dataset, unit_code))
    return ugeom.difference(shapely.union_all(grids)) if grids else ugeom


def _usable_geometries(grids: Iterable[MicroGrid]) -> list[BaseGeometry]:
    """The grids' geometries for overlays: invalid ones (the checker reports them) as their
    cleaned copies, so an overlay next to them neither fails nor crashes."""
    out = []
    for g in grids:
        geom = usable(g.geometry)
        if geom is not None and not geom.is_empty:
            out.append(geom)
    return out


# -- buildings -------------------------------------------------------------------------------

_BUILDING_CACHE: dict[int, tuple[np.ndarray, PointIndex, np.ndarray]] = {}


def _building_index(layer: BaseLayer) -> tuple[PointIndex, np.ndarray]:
    """Interior points (as coordinates, see :class:`~mapedit.model.point_index.PointIndex`:
    a tree of Point objects held ~100 MB for the 6,000-unit city) and households of a
    building layer, cached per layer object (the layer is read-only; a reloaded project
    brings a new object)."""
    hit = _BUILDING_CACHE.get(id(layer))
    if hit is not None and hit[0] is layer.geometries:
        return hit[1], hit[2]
    index = PointIndex(*interior_xy(np.asarray(layer.geometries, dtype=object)))
    hh = building_household_values(layer)
    _BUILDING_CACHE.clear()  # one building layer at a time is plenty
    _BUILDING_CACHE[id(layer)] = (layer.geometries, index, hh)
    return index, hh


def building_household_values(layer: BaseLayer) -> np.ndarray:
    """Households of each building of the layer as floats (NaN where unknown or not a
    number): the one reading of the ``households`` attribute, for the editing operations
    and the checker alike."""
    values = layer.column("households")
    try:  # the usual case: ints and None, converted in one go
        hh = np.array([np.nan if v is None or v == "" else v for v in values], dtype=float)
        if not np.array_equal(hh[~np.isnan(hh)], np.floor(hh[~np.isnan(hh)])):
            raise ValueError("not integers")
    except (TypeError, ValueError):
        hh = np.array([_as_int(v) for v in values], dtype=float)
    n = len(layer.geometries)
    if len(hh) != n:
        hh = np.resize(hh, n) if len(hh) else np.full(n, np.nan)
    return hh


def _as_int(v: object) -> float:
    try:
        return float(int(v)) if v is not None and v != "" else np.nan
    except (TypeError, ValueError):
        return np.nan


def building_households(dataset: Dataset, geoms: Sequence[BaseGeometry]) -> list[int | None]:
    """Households of the buildings inside each geometry. A building belongs to the geometry
    holding its interior point (``point_on_surface``: like the centroid the clerks think of,
    but always inside an L- or U-shaped building), so a building is never counted twice.
    None where the layer is missing or no building inside has a households value."""
    layer = dataset.base("buildings")
    if layer is None:
        return [None] * len(geoms)
    index, hh = _building_index(layer)
    out: list[int | None] = []
    for g in geoms:
        if g is None or g.is_empty:
            out.append(None)
            continue
        idx = index.within(g)
        vals = hh[idx]
        vals = vals[~np.isnan(vals)]
        out.append(int(vals.sum()) if len(vals) else None)
    return out


def households_from_buildings(dataset: Dataset, geom: BaseGeometry) -> int | None:
    """Sum of the households of the buildings inside ``geom`` (None: no data)."""
    return building_households(dataset, [geom])[0]


def with_current_households(dataset: Dataset, grids: list[MicroGrid]) -> list[MicroGrid]:
    """The grids whose households came from the buildings, with households recomputed for
    their (new) shape; the others as they are. Every edit that changes shapes runs its results
    through this (in :func:`node_and_finish`), so such a count never goes stale: filling a
    gap once left a grid at 297 households while its buildings held 1,164."""
    todo = [i for i, g in enumerate(grids)
            if g.households_source == HOUSEHOLDS_FROM_BUILDINGS and g.geometry is not None]
    if not todo:
        return grids
    values = building_households(dataset, [grids[i].geometry for i in todo])
    out = list(grids)
    for i, hh in zip(todo, values, strict=True):
        if hh != grids[i].households:
            out[i] = grids[i].replace(households=hh)
    return out


def apportion(total: int | None, weights: Sequence[float]) -> list[int | None]:
    """Split an integer total by weights with the largest-remainder method, so the parts add
    up to the total exactly (a split must not create or lose households)."""
    if total is None:
        return [None] * len(weights)
    w = np.asarray(weights, dtype=float)
    if w.sum() <= 0:
        w = np.ones(len(w))
    raw = total * w / w.sum()
    base = np.floor(raw).astype(int)
    rest = int(total - base.sum())
    for i in np.argsort(-(raw - base), kind="stable")[:rest]:
        base[i] += 1
    return [int(v) for v in base]


# -- assembling ------------------------------------------------------------------------------

def neighbours(dataset: Dataset, unit_code: str, geoms: Iterable[BaseGeometry],
               exclude: Iterable[int], tol: float) -> list[MicroGrid]:
    """Grids of the unit within ``tol`` of any of ``geoms`` (candidates for noding)."""
    geoms = [g for g in geoms if g is not None and not g.is_empty]
    if not geoms:
        return []
    probe = shapely.union_all([g.envelope for g in geoms]).buffer(tol)
    target = np.empty(len(geoms), dtype=object)
    target[:] = geoms  # tested one by one: an edited geometry may be invalid (guard refuses)
    skip = set(exclude)
    # a neighbour with an invalid shape is left alone: noding would rebuild it from rings
    return [g for g in grids_near(dataset, probe, unit_code=unit_code)
            if g.fid not in skip and is_usable(g.geometry)
            and bool(shapely.dwithin(g.geometry, target, tol).any())]


def node_and_finish(dataset: Dataset, zh: str, en: str,
                    edited: list[tuple[MicroGrid | None, MicroGrid]],
                    deleted: Sequence[MicroGrid], settings: Settings, stamp: str) -> ChangeSet:
    """Node the edited grids (``(before, after)``, before None for inserts) against their
    neighbours in their unit(s), add the neighbours that received vertices as updates, stamp
    ``updated``, guard (refuse anything that makes coverage worse), return the change set."""
    tol = settings.noding_precision_m
    skip = {b.fid for b, _ in edited if b is not None} | {d.fid for d in deleted}
    changes: list[GridChange] = []
    for code in dict.fromkeys(a.unit_code for _, a in edited):
        unit = dataset.units.get(code)
        mine = [(b, a) for b, a in edited if a.unit_code == code]
        fixed = neighbours(dataset, code, [a.geometry for _, a in mine], skip, tol)
        reference = [unit.geometry] if unit is not None and unit.geometry is not None else []
        new_edit, new_fixed = conform([a.geometry for _, a in mine],
                                      [g.geometry for g in fixed], tol, reference)
        afters = with_current_households(
            dataset, [after.replace(geometry=geom, updated=stamp)
                      for (_, after), geom in zip(mine, new_edit, strict=True)])
        for (before, _), after in zip(mine, afters, strict=True):
            changes.append(GridChange(before, after))
        for g, geom in zip(fixed, new_fixed, strict=True):
            if geom is not g.geometry:
                (after,) = with_current_households(dataset, [g.replace(geometry=geom,
                                                                       updated=stamp)])
                changes.append(GridChange(g, after))
                skip.add(g.fid)
    changes += [GridChange(d, None) for d in deleted]
    return guard(dataset, ChangeSet(zh, en, changes), settings)


def stamp_now() -> str:
    return now_iso()
