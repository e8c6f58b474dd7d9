"""Rules against base layers: ``building-cut`` (seed 000: 不能跨楼栋) and ``villager-group-cut``
(不能跨村民小组).

Both are vectorised over arrays of candidates so a full check of a city (hundreds of thousands
of buildings) is a handful of GEOS calls, and the same functions serve the incremental update
with the few buildings/grids near an edit.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import TYPE_CHECKING

import numpy as np
import shapely

from mapedit.model.catalogue import normalize_category
from mapedit.rules.attributes import make
from mapedit.rules.findings import Finding, Fix
from mapedit.rules.geom import fmt_area, private_copies, problem_pieces
from mapedit.rules.protocol import Change, Rule

if TYPE_CHECKING:
    from mapedit.rules.engine import Checker

VILLAGER_GROUP_CATEGORY = "村组"


def building_findings(eng: Checker, bidx: np.ndarray) -> dict[int, list[Finding]]:
    """Findings for buildings ``bidx`` (indices into the buildings layer): a building is cut
    when at least two grids each hold ≥ ``building_cut_min_area_m2`` and ≥
    ``building_cut_min_share`` of it. Location: the building; area: its area."""
    layer = eng.layer("buildings")
    s = eng.settings
    if layer is None or len(bidx) == 0:
        return {}
    geoms = layer.valid(bidx)  # overlaid below: repaired copies of invalid buildings
    out: dict[int, list[Finding]] = {}
    # Candidates: buildings touching two or more grids, none of which covers them whole.
    qi, fids = eng.grids.index.query_bulk(geoms, "intersects")
    if len(qi) == 0:
        return out
    counts = np.bincount(qi, minlength=len(geoms))
    multi = counts[qi] >= 2
    qi, fids = qi[multi], fids[multi]
    if len(qi) == 0:
        return out
    gg = eng.grids.geom[eng.grids.rows_of(fids.tolist())]
    whole = np.zeros(len(geoms), dtype=bool)
    whole[qi[shapely.covers(private_copies(gg), geoms[qi])]] = True
    keep = ~whole[qi]
    qi, fids, gg = qi[keep], fids[keep], gg[keep]
    if len(qi) == 0:
        return out
    inter = shapely.area(shapely.intersection(geoms[qi], gg))
    barea = shapely.area(geoms)
    sig = (inter >= s.building_cut_min_area_m2) & (inter >= s.building_cut_min_share * barea[qi])
    order = np.lexsort((fids, qi))
    by_b: dict[int, list[tuple[int, float]]] = {}
    for k in order:
        if sig[k]:
            by_b.setdefault(int(qi[k]), []).append((int(fids[k]), float(inter[k])))
    attrs = layer.layer.attributes
    for i, parts in by_b.items():
        if len(parts) < 2:
            continue
        b = int(bidx[i])
        name = (attrs[b].get("name") if b < len(attrs) else None) or f"楼栋 {b + 1}"
        parts.sort()
        labels = [eng.label(f) for f, _ in parts]
        names = [eng.names(f) for f, _ in parts]
        main = max(parts, key=lambda t: t[1])[0]
        mz, me = eng.names(main)
        unit = eng.unit_code(main)
        a = float(barea[i])
        out[b] = [make(
            "building-cut", labels, unit, a,
            f"{name}({fmt_area(a)} 平方米)被微网格 {'、'.join(z for z, _ in names)} 的边界切割",
            f"building {name} ({fmt_area(a)} m²) is cut by the boundary of micro-grids "
            f"{', '.join(x for _, x in names)}", geoms[i],
            Fix("assign-to-neighbour", eng.code_of(main), f"将整栋楼划入微网格 {mz}",
                f"put the whole building in micro-grid {me}"),
            fids=[f for f, _ in parts])]
    return out


GRID_CHUNK = 4096
"""Grids prepared at a time by :func:`building_candidates`: a prepared polygon keeps GEOS
indexes several times its own size, so 72,000 of them at once cost ~150 MB for nothing."""


def building_candidates(eng: Checker) -> tuple[np.ndarray, np.ndarray]:
    """For the full check: the indices of the buildings that may be cut (all but those lying
    in the interior of one grid), and for every building the fid of the grid whose interior
    holds it (-1: none proven).

    A grid that properly contains a building also covers it, and :func:`building_findings`
    never reports a covered building, so dropping those is exact. The proof is cheap where the
    per-building ``intersects`` query is not (180,000 buildings): envelope pairs from the grid
    tree, then a prepared ``contains_properly`` per pair, a few thousand grids at a time.
    Buildings that are not single polygons are always candidates.
    """
    layer = eng.layer("buildings")
    if layer is None:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    bg = layer.geoms
    n = len(bg)
    holder = np.full(n, -1, dtype=np.int64)
    idx = eng.grids.index
    if idx.stale or n == 0:
        return np.arange(n), holder
    poly = np.flatnonzero(shapely.get_type_id(bg) == 3)
    qi, ti = idx.tree.query(bg[poly])  # envelope pairs: no predicate on 180,000 buildings
    # A grid can hold a building in its interior only when its bounding box holds the
    # building's: a third of the envelope pairs go without a GEOS call.
    gb, bb = shapely.bounds(idx.geoms), shapely.bounds(bg[poly])
    box_in = np.ones(len(qi), dtype=bool)
    for k, op in ((0, np.less_equal), (1, np.less_equal), (2, np.greater_equal),
                  (3, np.greater_equal)):
        box_in &= op(gb[ti, k], bb[qi, k])
    del bb
    qi, ti = qi[box_in], ti[box_in]
    order = np.argsort(ti, kind="stable")
    qi, ti = qi[order], ti[order]
    bounds = np.searchsorted(ti, np.arange(0, len(idx.geoms) + GRID_CHUNK, GRID_CHUNK))
    for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        if lo == hi:
            continue
        first = int(ti[lo])
        # prepared private copies (not shared with another thread), freed chunk by chunk
        grids = private_copies(idx.geoms[first:int(ti[hi - 1]) + 1])
        inside = shapely.contains_properly(grids[ti[lo:hi] - first], bg[poly[qi[lo:hi]]])
        holder[poly[qi[lo:hi][inside]]] = idx.fids[ti[lo:hi][inside]]
        del grids
    return np.flatnonzero(holder < 0), holder


def villager_group_findings(eng: Checker, fids: list[int], full: bool = False
                            ) -> dict[int, list[Finding]]:
    """A 村组 grid with significant area (same thresholds as buildings, against the grid's
    area) in two or more villager groups, at least one of which it cuts (a significant part
    of that group lies outside the grid). Grids made of whole groups are fine: seed 000 makes
    the villager group the basic unit. Location: the grid's part in the groups it cuts (other
    than its main group, else in its main group)."""
    groups: VillagerGroupCuts = eng.rule("villager_groups")  # type: ignore[assignment]
    layer = groups.groups_layer()
    s = eng.settings
    out: dict[int, list[Finding]] = {}
    if layer is None:
        return out
    fids = villager_group_candidates(eng, fids, full)
    if not fids:
        return out
    gg = eng.grids.geom[eng.grids.rows_of(fids)]
    gp = private_copies(gg)  # prepared, and not shared with another thread
    # Envelope pairs only: a pair that does not intersect is classified below as "rest",
    # found not to touch, and gets an empty overlay (area 0) — the same as not listing it,
    # and far cheaper than an ``intersects`` test on every pair.
    vg, tree = groups.groups()
    qi, vi = tree.query(gg)
    if len(qi) == 0:
        return out
    # most grids lie inside one group: no overlay needed for those pairs
    inter = shapely.area(gg[qi])
    inside = shapely.covers(vg[vi], gg[qi])
    whole = ~inside
    whole[whole] = shapely.covers(gp[qi][whole], vg[vi][whole])  # a whole group in the grid
    inter[whole] = shapely.area(vg[vi][whole])
    rest = ~inside & ~whole
    if rest.any():
        # pairs that only touch along a boundary have no common interior: skip the overlay
        rest[rest] = ~shapely.touches(gp[qi][rest], vg[vi][rest])
        inter[~inside & ~whole & ~rest] = 0.0
    if rest.any():
        inter[rest] = shapely.area(shapely.intersection(gg[qi][rest], vg[vi][rest]))
    garea = shapely.area(gg)
    sig = (inter >= s.building_cut_min_area_m2) & (inter >= s.building_cut_min_share * garea[qi])
    by_g: dict[int, list[tuple[float, int]]] = {}
    for k in range(len(qi)):
        if sig[k]:
            by_g.setdefault(int(qi[k]), []).append((float(inter[k]), int(vi[k])))
    names = layer.column("name")  # None where a group has no name
    vg_area = groups.group_areas()
    for i, groups in by_g.items():
        if len(groups) < 2:
            continue
        # Whole villager groups may be merged into one grid (the group is the basic unit);
        # the grid is wrong when its boundary cuts a group: part of the group lies outside.
        partial = [v for a, v in groups
                   if vg_area[v] - a >= s.building_cut_min_area_m2
                   and vg_area[v] - a >= s.building_cut_min_share * vg_area[v]]
        if not partial:
            continue
        groups.sort(key=lambda t: (-t[0], t[1]))
        main = groups[0][1]
        fid = fids[i]
        label = eng.label(fid)
        gz, ge = eng.names(fid)
        mname = names[main] or f"村民小组 {main + 1}"
        cut = [v for v in partial if v != main] or [main]
        cname = "、".join(names[v] or f"村民小组 {v + 1}" for v in cut)
        zone = vg[cut[0]] if len(cut) == 1 else shapely.union_all(vg[cut])
        res = []
        for piece in problem_pieces(shapely.intersection(gg[i], zone), s):
            a = piece.area
            res.append(make(
                "villager-group-cut", [label], eng.unit_code(fid), a,
                f"村组微网格 {gz} 跨村民小组:{fmt_area(a)} 平方米切入 {cname}(主要属于 {mname})",
                f"村组 micro-grid {ge} crosses villager groups: {fmt_area(a)} m² cut into "
                f"{cname} (mainly in {mname})", piece,
                Fix("clip-to-unit", eng.code_of(fid), f"将 {gz} 的边界调整到村民小组界线",
                    f"align {ge} with the villager-group boundary"), fids=[fid]))
        if res:
            out[fid] = res
    return out


def villager_group_candidates(eng: Checker, fids: list[int], full: bool = False) -> list[int]:
    """The grids of ``fids`` :func:`villager_group_findings` has to look at: 村组 grids with a
    geometry, and for the full check (``full``) only those not proven made of whole groups.
    Reads the grids' geometries and categories only (not their units), so the full check
    runs it before the grids are assigned."""
    if eng.dataset.base("villager_groups") is None:
        return []
    grids, st = eng.dataset.grids, eng.grids
    is_vg: dict[str, bool] = {}  # per distinct category string, not per grid
    keep = []
    for f in fids:
        if st.clean(f) is None:
            continue
        cat = grids[f].category
        ok = is_vg.get(cat)
        if ok is None:
            ok = is_vg[cat] = normalize_category(cat) == VILLAGER_GROUP_CATEGORY
        if ok:
            keep.append(f)
    if full and keep:
        keep = [f for f, ok in zip(keep, _made_of_whole_groups(eng, keep), strict=True)
                if not ok]
    return keep


def _made_of_whole_groups(eng: Checker, fids: list[int]) -> np.ndarray:
    """For each 村组 grid ``fids[i]``, True when it provably has no villager-group finding
    because it is exactly the union of whole villager groups (the normal case; seed 000 makes
    the group the basic unit). Used by the full check only, so most of the 60,000 pair tests
    of :func:`villager_group_findings` are never run.

    Proof: when the villager groups form a valid coverage (no two share interior; one GEOS
    call per layer, remembered across checks) and the coverage union of the groups whose
    ``point_on_surface`` lies in grid g is identical to g (coordinates, after normalising),
    then every group it lists lies in g (so it is covered, never "partial") and every other
    group shares no interior with g (intersection area 0 < ``building_cut_min_area_m2``):
    :func:`villager_group_findings` reports nothing for g. Any other grid is left to it."""
    ok = np.zeros(len(fids), dtype=bool)
    rule: VillagerGroupCuts = eng.rule("villager_groups")  # type: ignore[assignment]
    vg, _ = rule.groups()
    if vg is None or len(vg) == 0 or eng.settings.building_cut_min_area_m2 <= 0:
        return ok
    if any(g is None for g in vg) or not rule.form_coverage():
        return ok
    gg = eng.grids.geom[eng.grids.rows_of(fids)]
    tree = shapely.STRtree(shapely.force_2d(gg))  # own objects: see private_copies
    vi, gi = tree.query(shapely.point_on_surface(vg), predicate="within")
    if len(vi) == 0:
        return ok
    order = np.lexsort((vi, gi))
    vi, gi = vi[order], gi[order]
    rows, start, count = np.unique(gi, return_index=True, return_counts=True)
    table = np.full((len(rows), int(count.max())), None, dtype=object)
    table[np.repeat(np.arange(len(rows)), count),
          np.arange(len(gi)) - np.repeat(start, count)] = vg[vi]
    try:
        union = shapely.coverage_union_all(table, axis=1)
    except shapely.errors.GEOSException:
        return ok
    same = shapely.equals_identical(shapely.normalize(union), shapely.normalize(gg[rows]))
    ok[rows[same]] = True
    return ok


class BuildingCuts(Rule):
    """``building-cut`` (不能跨楼栋): one scope per building (its index in the buildings
    layer). Fast path: :func:`building_candidates` proves most buildings lie inside one grid
    (needs only the grid index, so it runs in :meth:`start`).

    Publishes :attr:`holder` after a full check's :meth:`start`: for each building, the fid
    of the grid whose interior holds it (-1 where not proven), which the households rule uses
    instead of locating 180,000 buildings again."""

    name = "buildings"
    stage = "grids"
    lane = "worker"

    def __init__(self, checker: Checker) -> None:
        super().__init__(checker)
        self._candidates = np.empty(0, dtype=np.int64)
        self.holder: np.ndarray | None = None

    def start(self) -> None:
        self._candidates, self.holder = building_candidates(self.checker)

    def full(self) -> Iterable[tuple[Hashable, list[Finding]]]:
        return building_findings(self.checker, self._candidates).items()

    def warm(self) -> None:
        layer = self.checker.layer("buildings")
        if layer is not None:
            layer.index  # noqa: B018 - built on first use

    def scopes(self, change: Change) -> Iterable[Hashable]:
        layer = self.checker.layer("buildings")
        if layer is None or len(change.geometries) == 0:
            return ()
        _, bi = layer.index.query(change.geometries)
        return np.unique(bi).tolist()

    def check(self, key: Hashable) -> list[Finding]:
        return self.check_many([key]).get(key, [])

    def check_many(self, keys: list[Hashable]) -> dict[Hashable, list[Finding]]:
        res = building_findings(self.checker, np.asarray(keys, dtype=np.int64))
        return {k: res.get(int(k), []) for k in keys}  # type: ignore[call-overload]


class VillagerGroupCuts(Rule):
    """``villager-group-cut`` (不能跨村民小组): one scope per 村组 grid (its fid). Fast path:
    grids made exactly of whole villager groups (:func:`_made_of_whole_groups`) are proven
    clean in :meth:`start`, before the grids are assigned to units."""

    name = "villager_groups"
    stage = "grids"
    lane = "worker"

    def __init__(self, checker: Checker) -> None:
        super().__init__(checker)
        self._groups: tuple[np.ndarray | None, shapely.STRtree | None] | None = None
        self._areas: np.ndarray | None = None
        self._coverage: bool | None = None
        self._candidates: list[int] = []

    def groups_layer(self):
        return self.checker.layer("villager_groups")

    def groups(self) -> tuple[np.ndarray | None, shapely.STRtree | None]:
        """The villager groups, valid and prepared (private to this rule's thread), and
        their tree; built on first use."""
        if self._groups is None:
            layer = self.groups_layer()
            if layer is None:
                self._groups = (None, None)
            else:
                vg = private_copies(layer.valid(np.arange(len(layer))))
                tree = shapely.STRtree(vg)
                tree.query(shapely.box(0, 0, 0, 0))
                self._groups = (vg, tree)
        return self._groups

    def group_areas(self) -> np.ndarray:
        """Areas of :meth:`groups`, once per checker: every incremental check of a 村组 grid
        compares with them, and measuring 14,000 groups each time cost 0.7 ms of the 5."""
        if self._areas is None:
            vg, _ = self.groups()
            self._areas = shapely.area(vg) if vg is not None else np.empty(0)
        return self._areas

    def form_coverage(self) -> bool:
        """``shapely.coverage_is_valid`` on the villager groups, once per checker (base
        layers do not change while editing)."""
        if self._coverage is None:
            vg, _ = self.groups()
            self._coverage = bool(vg is not None and shapely.coverage_is_valid(vg))
        return self._coverage

    def start(self) -> None:
        if self.groups()[0] is None:
            return
        c = self.checker
        self._candidates = villager_group_candidates(c, c.grids.fid[:c.grids.n].tolist(),
                                                     full=True)

    def full(self) -> Iterable[tuple[Hashable, list[Finding]]]:
        if not self._candidates:
            return ()
        return villager_group_findings(self.checker, self._candidates).items()

    def scopes(self, change: Change) -> Iterable[Hashable]:
        return change.fids if self.groups_layer() is not None else ()

    def check(self, key: Hashable) -> list[Finding]:
        return self.check_many([key]).get(key, [])

    def check_many(self, keys: list[Hashable]) -> dict[Hashable, list[Finding]]:
        live = [int(k) for k in keys if int(k) in self.checker.dataset.grids]  # type: ignore[call-overload]
        res = villager_group_findings(self.checker, live)
        return {k: res.get(int(k), []) for k in keys}  # type: ignore[call-overload]
