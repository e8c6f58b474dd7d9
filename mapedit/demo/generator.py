"""Deterministic demo street modelled on 夏阳街道 (青浦区, Shanghai), seed 000.

``generate()`` gives the bundled street: 3 responsibility grids, 38 management units (10 villages
农村, the farm 青东农场, 16 小区 residents' committee areas, 11 街面 strips), base layers (roads,
淀浦河, buildings with households, villager groups, residents' committees, POIs) and micro-grids
for about half of the units, the rest left for the clerk to draw. ``generate(units=N)`` scales
the same recipe for benchmarks (``units=3000`` gives about 35,000 micro-grids).

How it stays exact: the plan is laid out in a local metric frame (:mod:`mapedit.demo.layout`);
every boundary (unit edges, cut lines between building rows, villager-group fields) goes into
one line network that is noded with snap rounding (1 mm) and polygonized. Each face of that
planar subdivision is then given to its unit/grid by a seed rectangle, and units, grids, groups,
committees and responsibility grids are coverage unions of faces — so shared edges have
identical vertices everywhere, across units too, and the checker sees only the deliberate
defects. The result is rotated slightly and moved to EPSG:4549 near lon 121.10, lat 31.15.

Deliberate defects (for the checker to show) are placed in gridded units and returned by
:func:`generate_with_defects`; for the bundled street (seed 0) they are :data:`DEFECTS`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import shapely

from mapedit.demo import layout as L
from mapedit.demo.names import NamePool
from mapedit.errors import InputError
from mapedit.io.crs import from_wgs84
from mapedit.model.catalogue import Catalogue
from mapedit.model.codes import DEFAULT_DISTRICT, number_grids
from mapedit.model.dataset import Dataset
from mapedit.model.hierarchy import (
    HOUSEHOLDS_ENTERED,
    MicroGrid,
    ResponsibilityGrid,
    Street,
    Unit,
)
from mapedit.model.layers import ABSENT, BaseLayer, Columns, LayerStack
from mapedit.model.settings import Settings

CRS = "EPSG:4549"
CENTER_LONLAT = (121.10, 31.15)
STREET_CODE = DEFAULT_DISTRICT + "005"
STREET_NAME = "夏阳街道"
ROTATION_DEG = 9.0
"""The new town's road grid is turned a little from north, as planned grids in 青浦 are."""
GRID_SIZE = 0.001
"""Snap-rounding precision (m) for noding the line network."""
POP_PER_HOUSEHOLD = 2.6


@dataclass(frozen=True)
class Defect:
    """A deliberate error: the checker rule that should fire, the unit and grid codes."""

    rule: str
    unit: str
    grids: tuple[str, ...]
    note: str = ""


def generate(units: int | None = None, seed: int = 0, gridded: float | None = None) -> Dataset:
    """The demo street (``units=None``) or a scaled one with ``units`` management units.

    ``gridded`` is the share of units that already have micro-grids (default 0.5 for the
    bundled street, 1.0 when ``units`` is given). The same arguments give byte-identical data.
    """
    return generate_with_defects(units, seed, gridded)[0]


def generate_with_defects(units: int | None = None, seed: int = 0,
                          gridded: float | None = None) -> tuple[Dataset, list[Defect]]:
    """Like :func:`generate`, also returning the deliberate defects it placed."""
    if units is not None and units < 4:
        raise InputError(f"演示街道至少需要 4 个管理单元(给定 {units})",
                         f"the demo street needs at least 4 units (got {units})")
    if units is not None and units > 99_000:
        raise InputError("演示街道最多 99000 个管理单元", "the demo street has at most 99000 units")
    share = gridded if gridded is not None else (0.5 if units is None else 1.0)
    if not 0.0 <= share <= 1.0:
        raise InputError("已划分比例必须在 0 到 1 之间", "gridded share must be between 0 and 1")
    rng = np.random.default_rng(seed)
    plan = L.plan_street(units, rng)
    n = len(plan.units)
    catalogue = Catalogue.default()

    # -- which units are gridded, and where the defects go --------------------------------------
    by_kind: dict[str, list[int]] = {}
    for i, u in enumerate(plan.units):
        by_kind.setdefault(u.kind, []).append(i)
    for idxs in by_kind.values():
        k = int(share * len(idxs) + 0.5)
        for i in rng.choice(idxs, size=k, replace=False):
            plan.units[int(i)].gridded = True
    per_kind = 1 if units is None else max(1, n // 500)
    xq_g = [i for i in by_kind.get("小区", []) if plan.units[i].gridded]
    jm_g = [i for i in by_kind.get("街面", []) if plan.units[i].gridded]
    order = [int(i) for i in rng.permutation(xq_g)] if xq_g else []
    wanted = ["overlap"] * (2 * per_kind) + ["gap"] * (2 * per_kind) + \
        ["unit-crossing"] * per_kind + ["households-range"] * per_kind
    defect_units = {i: [] for i in order}
    for j, rule in enumerate(wanted):
        if order:
            defect_units[order[j % len(order)]].append(rule)
    cut_units = set(int(i) for i in rng.permutation(jm_g)[:per_kind]) if jm_g else set()
    two_sb = [m for m in plan.superblocks if len(m) == 3]
    committee_defects = [two_sb[int(i)] for i in rng.permutation(len(two_sb))[:per_kind]]

    # -- stage 1: unit polygons from the unit-level line network --------------------------------
    faces = _faces(plan.lines)
    seeds = []
    for u in plan.units:
        pad = L.JITTER + 1.0 if u.kind in ("农村", "农场") else 0.01
        seeds.append(L._shrink(u.cell, pad))
    owner = _assign(faces, seeds)
    unit_local = _unions(faces, owner, n)
    del faces, owner, seeds  # a city's worth of geometry: free it as soon as it is used
    water = shapely.union_all([p for p, _ in plan.rivers])
    water_clear = shapely.buffer(water, 6.0)
    shapely.prepare(water_clear)

    # -- stage 2: content and cut lines ---------------------------------------------------------
    pool = NamePool([])
    grids_range = (4, 7) if units is None else (9, 13)
    moved_cut: dict[int, int] = {}
    for i, u in enumerate(plan.units):
        if u.kind == "小区":
            L.fill_xiaoqu(u, water_clear, rng, pool)
        elif u.kind == "街面":
            m = L.fill_jiemian(u, water_clear, rng, pool, cut_building=i in cut_units and u.gridded)
            if m is not None:
                moved_cut[i] = m
        else:
            L.fill_village(u, unit_local[i], water_clear, rng, pool, grids_range)
    faces2, keys = _unit_faces(plan, unit_local)
    unit_geom = _unions(faces2, keys[:, 0], n)

    grid_geom: dict[tuple[int, int], shapely.Geometry] = {}
    group_geom: dict[tuple[int, int], shapely.Geometry] = {}
    for key_col, target in ((1, grid_geom), (2, group_geom)):
        sel = np.nonzero(keys[:, key_col] >= 0)[0]
        if not len(sel):
            continue
        pair = keys[sel][:, [0, key_col]]
        order_ = np.lexsort((pair[:, 1], pair[:, 0]))
        sel, pair = sel[order_], pair[order_]
        brk = np.nonzero(np.any(np.diff(pair, axis=0) != 0, axis=1))[0] + 1
        for chunk, p in zip(np.split(sel, brk), pair[np.concatenate([[0], brk])], strict=True):
            geom = faces2[chunk[0]] if len(chunk) == 1 else \
                shapely.coverage_union_all(faces2[chunk])
            target[(int(p[0]), int(p[1]))] = geom
    del faces2, keys
    for u in plan.units:  # the line work is in the faces now
        u.lines = []
        u.blocks = []

    # -- to EPSG:4549 -----------------------------------------------------------------------------
    cx, cy = plan.width / 2, plan.height / 2
    e0, n0 = shapely.get_coordinates(from_wgs84(shapely.Point(*CENTER_LONLAT), CRS))[0]
    th = math.radians(ROTATION_DEG)
    cos, sin = math.cos(th), math.sin(th)

    def to_crs(geoms):
        def fn(c: np.ndarray) -> np.ndarray:
            x, y = c[:, 0] - cx, c[:, 1] - cy
            return np.round(np.column_stack([e0 + x * cos + y * sin, n0 - x * sin + y * cos]), 3)
        return shapely.transform(geoms, fn)

    # -- hierarchy --------------------------------------------------------------------------------
    unit_codes = [f"{DEFAULT_DISTRICT}{5 + i // 999:03d}{i % 999 + 1:03d}" for i in range(n)]
    units_crs = to_crs(np.asarray(unit_geom, dtype=object))
    street_geom = shapely.coverage_union_all(units_crs)
    street = Street(STREET_CODE, STREET_NAME, street_geom)
    rgrid_of = _responsibility_split(plan, unit_geom, units)
    rnames = NamePool(["城中", "青湖", "夏阳湖", "盈中", "淀湖", "华青", "崧泽", "新府"])
    rgrids: dict[str, ResponsibilityGrid] = {}
    n_r = int(max(rgrid_of)) + 1
    for r in range(n_r):
        members = np.nonzero(rgrid_of == r)[0]
        code = f"{STREET_CODE}R{r + 1:02d}" if n_r < 100 else f"{STREET_CODE}R{r + 1:04d}"
        rgrids[code] = ResponsibilityGrid(code, f"{rnames.take()}责任网格",
                                          shapely.coverage_union_all(units_crs[members]),
                                          STREET_CODE)
    rcodes = list(rgrids)
    ds_units: dict[str, Unit] = {}
    for i, u in enumerate(plan.units):
        ds_units[unit_codes[i]] = Unit(unit_codes[i], u.name, u.kind, units_crs[i],
                                       responsibility_grid=rcodes[int(rgrid_of[i])],
                                       street=STREET_NAME,
                                       committee=u.committee if u.kind in ("小区", "街面") else "")

    # -- micro-grids --------------------------------------------------------------------------------
    gkeys = sorted(grid_geom)
    local = np.asarray([grid_geom[k] for k in gkeys], dtype=object)
    bounds_words = _four_bounds(plan, gkeys, local, unit_geom)
    grid_crs = dict(zip(gkeys, to_crs(local), strict=True))
    # -- deliberate defects (in EPSG:4549, so new vertices are not rounded off the unit edge)-----------------------------------------------------
    defects_local: list[tuple[str, int, list[int], str]] = []
    for i, rules in defect_units.items():
        for rule in rules:
            d = _apply_defect(rule, i, plan.units[i], grid_crs, units_crs[i], rng)
            if d is not None:
                defects_local.append(d)
    for i, g in moved_cut.items():
        defects_local.append(("building-cut", i, [g, g + 1], "相邻微网格分界线穿过楼栋"))
    committee_split: dict[int, float] = {}
    for members in committee_defects:
        jm, xq1, xq2 = members
        committee_split[jm] = plan.units[xq1].cell[2]
        defects_local.append(("unit-committee-crossing", jm, [], "街面单元跨两个居委会辖区"))

    gcrs = np.asarray([grid_crs[k] for k in gkeys], dtype=object)
    base_time = datetime(2023, 1, 4, 9, 0, tzinfo=UTC)
    created_off = rng.integers(0, 80 * 86400, size=len(gkeys))
    updated_off = rng.integers(0, 40 * 86400, size=len(gkeys))
    pop_factor = rng.uniform(2.45, 2.75, size=len(gkeys))
    codes_by_key: dict[tuple[int, int], str] = {}
    by_unit: dict[int, list[int]] = {}
    for j, (i, _) in enumerate(gkeys):
        by_unit.setdefault(i, []).append(j)
    for i, js in by_unit.items():
        for j, code in zip(js, number_grids(unit_codes[i], list(gcrs[js])), strict=True):
            codes_by_key[gkeys[j]] = code
    grids: dict[int, MicroGrid] = {}
    entries = sorted(range(len(gkeys)), key=lambda j: codes_by_key[gkeys[j]])
    for fid, j in enumerate(entries, start=1):
        i, g = gkeys[j]
        gp = plan.units[i].grids[g]
        created = base_time + timedelta(seconds=int(created_off[j]))
        updated = created + timedelta(seconds=int(updated_off[j]))
        hh = gp.households
        grids[fid] = MicroGrid(
            code=codes_by_key[gkeys[j]], name=gp.name, category=gp.category, geometry=gcrs[j],
            unit_code=unit_codes[i], departments=catalogue.default_departments(gp.category),
            households=hh,
            population=int(round(hh * pop_factor[j])) if hh else None,
            four_bounds=bounds_words[j], created=created.isoformat(), updated=updated.isoformat(),
            fid=fid, households_source=HOUSEHOLDS_ENTERED if hh is not None else "")

    defects = [Defect(rule, unit_codes[i], tuple(codes_by_key[(i, g)] for g in gs), note)
               for rule, i, gs, note in defects_local]

    # -- base layers -----------------------------------------------------------------------------
    base = _base_layers(plan, unit_geom, group_geom, unit_codes, water, committee_split, to_crs)
    ds = Dataset(crs=CRS, street=street, responsibility_grids=rgrids, units=ds_units, grids=grids,
                 layers=LayerStack.default(base), catalogue=catalogue, settings=Settings())
    return ds, defects


# -- geometry helpers ----------------------------------------------------------------------------

def _faces(lines) -> np.ndarray:
    """Faces of the planar subdivision of ``lines`` (snap-rounded so near-touching ends node)."""
    net = shapely.union_all(np.asarray(lines, dtype=object), grid_size=GRID_SIZE)
    return shapely.get_parts(shapely.polygonize(shapely.get_parts(net)))


def _unit_faces(plan: L.StreetPlan, unit_local: list) -> tuple[np.ndarray, np.ndarray]:
    """Stage 2, unit by unit: each unit's boundary (from stage 1) and its own cut lines noded
    and polygonized on their own, then every vertex a unit's lines added to its boundary
    inserted into the neighbours' faces too, so units and grids still share identical
    vertices along every unit boundary — as one noding of the whole city's lines gave, without
    holding that whole network in memory at once (at 10,000 units it cost more than the
    finished dataset). Returns the faces and, for each, (unit, grid or -1, group or -1)."""
    per_unit: list[np.ndarray] = []
    per_keys: list[np.ndarray] = []
    added: list[np.ndarray] = []
    for i, u in enumerate(plan.units):
        poly = unit_local[i]
        seeds: list[tuple[float, float, float, float]] = []
        keys: list[tuple[int, int, int]] = []
        lines = []
        if (u.gridded or u.kind in ("农村", "农场")) and u.blocks:
            if u.lines:
                # clipped a little outside the unit, so each line crosses the boundary and
                # is noded with it (an end lying exactly on it was sometimes left dangling,
                # and polygonizing dropped the line: two fields became one face); the stubs
                # outside are dangles the polygonizer drops
                reach = shapely.buffer(poly, 0.05, join_style="mitre")
                clipped = shapely.intersection(np.asarray(u.lines, dtype=object), reach)
                lines = [g for g in shapely.get_parts(clipped) if not g.is_empty]
            for b in u.blocks:
                seeds.append(L._shrink(b.seed, 0.01))
                keys.append((i, b.grid if u.gridded else -1, b.group))
        if not lines:
            per_unit.append(np.array([poly], dtype=object))
            per_keys.append(np.array([keys[0] if len(keys) == 1 else (i, -1, -1)]))
            continue
        boundary = shapely.boundary(poly)
        faces = _faces([boundary, *lines])
        inside = shapely.within(shapely.point_on_surface(faces), poly)
        faces = faces[inside]
        owner = _assign(faces, seeds)
        per_unit.append(faces)
        per_keys.append(np.asarray(keys)[owner])
        old = {tuple(c) for c in shapely.get_coordinates(poly)}
        new = shapely.get_coordinates(shapely.boundary(shapely.coverage_union_all(faces)))
        pts = [c for c in new if tuple(c) not in old]
        if pts:
            added.append(np.asarray(pts))
    if added:
        _share_boundary_vertices(per_unit, unit_local, np.unique(np.vstack(added), axis=0))
    return np.concatenate(per_unit), np.concatenate(per_keys)


def _share_boundary_vertices(per_unit: list[np.ndarray], unit_local: list,
                             points: np.ndarray) -> None:
    """Insert the boundary vertices one unit's cut lines added (``points``) into the faces of
    the units on the other side, in place. Snap rounding bends a boundary by up to a pixel
    diagonal to pass through such a vertex, so "on the boundary" means within 1.5 pixels; the
    point is inserted, nothing else moves."""
    tol = GRID_SIZE * 1.5
    tree = shapely.STRtree(shapely.points(points))
    bounds = shapely.boundary(np.asarray(unit_local, dtype=object))
    ui, pi = tree.query(bounds, predicate="dwithin", distance=tol)
    for u in np.unique(ui).tolist():
        have = {tuple(c) for c in shapely.get_coordinates(per_unit[u])}
        mine = np.asarray([c for c in points[pi[ui == u]] if tuple(c) not in have])
        if not len(mine):
            continue
        faces = per_unit[u].copy()
        near = np.flatnonzero(shapely.dwithin(faces, shapely.multipoints(mine), tol))
        for k in near.tolist():
            faces[k] = _with_points(faces[k], mine, tol)
        per_unit[u] = faces


def _with_points(poly, points: np.ndarray, tol: float):
    """``poly`` with each of ``points`` lying within ``tol`` of the inside of one of its
    segments inserted into that segment (in order along it)."""
    rings = []
    changed = False
    for ring in [poly.exterior, *poly.interiors]:
        c = shapely.get_coordinates(ring)
        a, b = c[:-1], c[1:]
        ab = b - a
        ll = np.maximum((ab ** 2).sum(axis=1), 1e-30)
        out = []
        for s in range(len(a)):
            out.append(a[s])
            pa = points - a[s]
            t = (pa @ ab[s]) / ll[s]
            d2 = ((pa - t[:, None] * ab[s]) ** 2).sum(axis=1)
            hit = (t > 1e-9) & (t < 1 - 1e-9) & (d2 <= tol * tol)
            if hit.any():
                changed = True
                for j in np.flatnonzero(hit)[np.argsort(t[hit])]:
                    out.append(points[j])
        out.append(c[-1])
        rings.append(np.asarray(out))
    return shapely.Polygon(rings[0], rings[1:]) if changed else poly


def _assign(faces: np.ndarray, seeds: list[tuple[float, float, float, float]]) -> np.ndarray:
    """Index of the seed rectangle holding each face's interior point (nearest if none)."""
    arr = np.asarray(seeds, float)
    tree = shapely.STRtree(shapely.box(arr[:, 0], arr[:, 1], arr[:, 2], arr[:, 3]))
    pts = shapely.point_on_surface(faces)
    out = np.full(len(faces), -1, dtype=np.int64)
    fi, si = tree.query(pts, predicate="within")
    out[fi[::-1]] = si[::-1]  # first match wins
    missing = np.nonzero(out < 0)[0]
    if len(missing):
        fi, si = tree.query_nearest(pts[missing], all_matches=False)
        out[missing[fi]] = si
    return out


def _unions(faces: np.ndarray, owner: np.ndarray, n: int) -> list:
    order = np.argsort(owner, kind="stable")
    owner_s = owner[order]
    starts = np.searchsorted(owner_s, np.arange(n + 1))
    out = []
    for i in range(n):
        chunk = order[starts[i]:starts[i + 1]]
        if len(chunk) == 0:
            raise RuntimeError(f"demo layout lost unit {i}")
        out.append(faces[chunk[0]] if len(chunk) == 1 else shapely.coverage_union_all(faces[chunk]))
    return out


def _neighbours(unit_idx: int, g: int, grid_geom) -> list[tuple[int, float]]:
    """Grids of the same unit sharing an edge with grid g, with the shared length."""
    a = grid_geom[(unit_idx, g)]
    out = []
    for (i, h), b in grid_geom.items():
        if i != unit_idx or h == g:
            continue
        shared = shapely.length(shapely.intersection(a.boundary, b.boundary))
        if shared > 25:
            out.append((h, float(shared)))
    return out


def _apply_defect(rule: str, i: int, u: L.UnitPlan, grid_geom, unit_poly,
                  rng: np.random.Generator):
    """Break one grid of unit ``i`` the way a clerk might; returns (rule, unit, grids, note)."""
    cands = [g for (ui, g) in grid_geom if ui == i and u.grids[g].category == "小区"]
    cands = [g for g in cands if not u.grids[g].defect]
    if not cands:
        return None
    for g in [cands[int(k)] for k in rng.permutation(len(cands))]:
        a = grid_geom[(i, g)]
        if rule == "households-range":
            gp = u.grids[g]
            gp.households = 560 + int(rng.integers(0, 60))
            gp.defect = True
            return (rule, i, [g], f"户数 {gp.households} 超出 300-500")
        if rule == "unit-crossing":
            out = shapely.difference(shapely.buffer(a, 6.0, join_style="mitre"), unit_poly)
            if out.is_empty or out.area < 50:
                continue
            grid_geom[(i, g)] = shapely.union(a, out)
            u.grids[g].defect = True
            return (rule, i, [g], "微网格越过管理单元边界约 6 米")
        nbs = [h for h, _ in _neighbours(i, g, grid_geom)
               if u.grids[h].category == "小区" and not u.grids[h].defect]
        if not nbs:
            continue
        h = nbs[0]
        b = grid_geom[(i, h)]
        if rule == "overlap":
            grid_geom[(i, g)] = shapely.union(a, shapely.intersection(
                b, shapely.buffer(a, 3.0, join_style="mitre")))
            note = "两个微网格重叠约 3 米宽"
        else:  # gap
            grid_geom[(i, g)] = shapely.difference(a, shapely.buffer(b, 3.0, join_style="mitre"))
            note = "两个微网格之间留有约 3 米宽的缝隙"
        u.grids[g].defect = True
        u.grids[h].defect = True
        return (rule, i, [g, h], note)
    return None


def _responsibility_split(plan: L.StreetPlan, unit_geom, units: int | None) -> np.ndarray:
    """Responsibility grid of each unit: contiguous groups of about 12 units (kd split of unit
    centres). The bundled street has 3: the rural west, the urban north and south."""
    c = shapely.get_coordinates(shapely.point_on_surface(np.asarray(unit_geom, dtype=object)))
    out = np.zeros(len(unit_geom), dtype=np.int64)
    if units is None:
        rural = np.array([u.kind in ("农村", "农场") for u in plan.units])
        urban = np.nonzero(~rural)[0]
        out[rural] = 0
        ys = c[urban, 1]
        med = np.median(ys)
        out[urban] = np.where(ys >= med, 1, 2)
        return out
    k = max(1, round(len(unit_geom) / 12))
    parts = _kd(np.arange(len(unit_geom)), c, k)
    for r, p in enumerate(parts):
        out[p] = r
    return out


def _kd(idx: np.ndarray, c: np.ndarray, k: int) -> list[np.ndarray]:
    if k <= 1 or len(idx) <= 1:
        return [idx]
    pts = c[idx]
    axis = 0 if np.ptp(pts[:, 0]) >= np.ptp(pts[:, 1]) else 1
    order = idx[np.argsort(pts[:, axis], kind="stable")]
    k1 = k // 2
    cut = round(len(order) * k1 / k)
    return _kd(order[:cut], c, k1) + _kd(order[cut:], c, k - k1)


def _four_bounds(plan: L.StreetPlan, gkeys, local: np.ndarray, unit_geom) -> list[dict]:
    """四至 in words: the road along each side if there is one, else the neighbouring grid,
    unit or the street boundary — computed from points just outside each side's middle."""
    b = shapely.bounds(local)
    mx, my = (b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2
    sides = {"east": (b[:, 2] + 4, my), "south": (mx, b[:, 1] - 4),
             "west": (b[:, 0] - 4, my), "north": (mx, b[:, 3] + 4)}
    road_geoms = np.asarray([r for r, _, _ in plan.roads], dtype=object)
    road_names = [nm for _, _, nm in plan.roads]
    rtree = shapely.STRtree(road_geoms)
    gtree = shapely.STRtree(local)
    utree = shapely.STRtree(np.asarray(unit_geom, dtype=object))
    out = [dict() for _ in range(len(local))]
    for side, (xs, ys) in sides.items():
        pts = shapely.points(xs, ys)
        words = ["至街道边界"] * len(local)
        ui, uu = utree.query(pts, predicate="within")
        for p, q in zip(ui, uu, strict=True):
            words[p] = f"至{plan.units[q].name}"
        gi, gg = gtree.query(pts, predicate="within")
        for p, q in zip(gi, gg, strict=True):
            if q != p:
                i, g = gkeys[q]
                words[p] = f"至{plan.units[i].grids[g].name}"
        ri, rr = rtree.query(pts, predicate="dwithin", distance=12.0)
        for p, q in zip(ri[::-1], rr[::-1], strict=True):
            words[p] = f"至{road_names[q]}"
        for j, w in enumerate(words):
            out[j][side] = w
    return out


def _base_layers(plan: L.StreetPlan, unit_geom, group_geom, unit_codes, water,
                 committee_split: dict[int, float], to_crs) -> dict[str, BaseLayer]:
    layers: dict[str, BaseLayer] = {}
    roads = np.asarray([r for r, _, _ in plan.roads], dtype=object)
    layers["roads"] = BaseLayer("roads", to_crs(roads),
                                [{"class": c, "name": nm} for _, c, nm in plan.roads])
    street_local = shapely.coverage_union_all(np.asarray(unit_geom, dtype=object))
    rivers = shapely.intersection(np.asarray([p for p, _ in plan.rivers], dtype=object),
                                  street_local)
    layers["water"] = BaseLayer("water", to_crs(rivers), [{"name": nm} for _, nm in plan.rivers])
    # buildings: moved to the project CRS and stored by column a few hundred units at a time,
    # each unit's local boxes and attribute dicts dropped as soon as they are converted
    parts: list[np.ndarray] = []
    columns: dict[str, list] = {}
    n = 0
    for start in range(0, len(plan.units), 500):
        chunk: list[np.ndarray] = []
        for u in plan.units[start:start + 500]:
            for boxes, attrs in u.buildings:
                chunk.append(np.asarray(boxes, dtype=object))
                for a in attrs:
                    for k, v in a.items():
                        col = columns.setdefault(k, [])
                        col += [ABSENT] * (n - len(col))
                        col.append(v)
                    n += 1
            u.buildings = []
        if chunk:
            parts.append(to_crs(np.concatenate(chunk)))
    for col in columns.values():
        col += [ABSENT] * (n - len(col))
    bl = np.concatenate(parts) if parts else np.empty(0, dtype=object)
    layers["buildings"] = BaseLayer("buildings", bl, Columns(columns, n))
    gkeys = sorted(group_geom)
    layers["villager_groups"] = BaseLayer(
        "villager_groups", to_crs(np.asarray([group_geom[k] for k in gkeys], dtype=object)),
        [{"name": plan.units[i].groups[g], "unit_code": unit_codes[i]} for i, g in gkeys])
    cgeoms, cattrs = [], []
    split_names: dict[int, str] = {}
    for members, name in plan.committees:
        parts = []
        for i, _ in members:
            if i in committee_split and plan.units[i].kind == "街面":
                x0, y0, x1, y1 = plan.units[i].cell
                xs = committee_split[i]
                parts.append(shapely.clip_by_rect(unit_geom[i], x0 - 1, y0 - 1, xs, y1 + 1))
                split_names[i] = name
            else:
                parts.append(unit_geom[i])
        cgeoms.append(shapely.union_all(parts))
        cattrs.append({"name": name})
    for k, (members, _name) in enumerate(plan.committees):
        # the east half of a split 街面 strip joins the committee of the east compound
        first = members[0][0]
        if len(members) == 1 and plan.units[first].superblock >= 0:
            sb = plan.units[first].superblock
            jm = plan.superblocks[sb][0]
            if jm in committee_split:
                x0, y0, x1, y1 = plan.units[jm].cell
                east = shapely.clip_by_rect(unit_geom[jm], committee_split[jm], y0 - 1, x1 + 1,
                                            y1 + 1)
                cgeoms[k] = shapely.union(cgeoms[k], east)
    layers["committees"] = BaseLayer("committees", to_crs(np.asarray(cgeoms, dtype=object)),
                                     cattrs)
    if plan.units:
        pts = [(x, y) for u in plan.units for x, y, _, _ in u.pois]
        pattrs = [{"kind": k, "name": nm} for u in plan.units for _, _, k, nm in u.pois]
        pg = shapely.points(np.asarray(pts, float).reshape(-1, 2))
        layers["pois"] = BaseLayer("pois", to_crs(pg), pattrs)
    return layers


def describe(defects: list[Defect]) -> str:
    """One Chinese line per defect (for the CLI's demo command and the docs)."""
    return "\n".join(f"{d.rule}: 单元 {d.unit} {'、'.join(d.grids)} {d.note}" for d in defects)

DEFECTS: list[Defect] = [
    Defect(rule='overlap', unit='310118005014', grids=('310118005014008', '310118005014005'), note='两个微网格重叠约 3 米宽'),
    Defect(rule='overlap', unit='310118005021', grids=('310118005021005', '310118005021001'), note='两个微网格重叠约 3 米宽'),
    Defect(rule='gap', unit='310118005024', grids=('310118005024002', '310118005024001'), note='两个微网格之间留有约 3 米宽的缝隙'),
    Defect(rule='gap', unit='310118005034', grids=('310118005034019', '310118005034015'), note='两个微网格之间留有约 3 米宽的缝隙'),
    Defect(rule='unit-crossing', unit='310118005038', grids=('310118005038005',), note='微网格越过管理单元边界约 6 米'),
    Defect(rule='households-range', unit='310118005033', grids=('310118005033006',), note='户数 574 超出 300-500'),
    Defect(rule='building-cut', unit='310118005029', grids=('310118005029001', '310118005029002'), note='相邻微网格分界线穿过楼栋'),
    Defect(rule='unit-committee-crossing', unit='310118005012', grids=(), note='街面单元跨两个居委会辖区'),
]
"""The deliberate defects of the bundled street (``generate()``, seed 0), for tests and docs:
2 overlaps and 2 gaps between neighbouring 小区 grids (3 m wide), a 小区 grid reaching 6 m into
the next unit, a 街面 cut moved through a building, a 小区 grid with too many households, and a
街面 unit split between two residents' committees."""
