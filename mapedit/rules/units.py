"""Rules on management units themselves: invalid geometry, ``unit-overlap``,
``unit-responsibility-crossing`` (a unit outside its 责任网格) and ``unit-committee-crossing``
(seed 000: 街面每个单元设置,不能出现跨居委会行政区域).

Units do not change during editing sessions, so these run once per full check.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from mapedit.model.dataset import Dataset
from mapedit.model.settings import Settings
from mapedit.rules.attributes import make, named, unit_attribute_findings
from mapedit.rules.findings import Finding
from mapedit.rules.geom import (
    clean_polygonal,
    fmt_area,
    geometry_problem,
    private_copies,
    problem_pieces,
)
from mapedit.rules.protocol import Rule

STREET_FRONT = "街面"


def unit_geometry_findings(code: str, geom: BaseGeometry | None,
                           clean: BaseGeometry | None, name: str = "") -> list[Finding]:
    problem = geometry_problem(geom)
    if problem is None:
        return []
    zh, en = problem
    uz, ue = named(code, name)
    return [make("invalid-geometry", [code], code, clean.area if clean is not None else 0.0,
                 f"管理单元 {uz} {zh}", f"management unit {ue}: {en}", clean)]


def unit_overlap_findings(codes: list[str], geoms: np.ndarray, tree: shapely.STRtree,
                          settings: Settings, coverage_ok: np.ndarray | None = None,
                          names: dict[str, str] | None = None
                          ) -> tuple[list[Finding], set[str]]:
    """Pairs of units sharing area; returns the findings and the codes involved.
    ``coverage_ok`` (optional, a bool array like ``geoms``) receives the units with a geometry
    whose edges GEOS's coverage check (gap width 0) does not flag against any other unit."""
    out: list[Finding] = []
    involved: set[str] = set()
    valid = np.array([g is not None for g in geoms], dtype=bool)
    if not valid.any():
        return out, involved
    vidx = np.flatnonzero(valid)
    # Units normally tile the street: one GEOS coverage check flags every unit whose edges
    # overlap, cross or duplicate another's (a unit inside another flags the inner one), so
    # only pairs with a flagged unit can share area: the tree is queried for the flagged
    # units only, and the touches test runs on those few pairs instead of on every pair of
    # neighbours.
    flagged = np.zeros(len(geoms), dtype=bool)
    flagged[vidx] = ~shapely.is_empty(shapely.coverage_invalid_edges(geoms[valid]))
    if coverage_ok is not None:
        coverage_ok[:] = valid & ~flagged
    fl = np.flatnonzero(flagged)
    if len(fl) == 0:
        return out, involved
    qi, ti = tree.query(geoms[fl], predicate="intersects")
    qi = fl[qi]
    lo, hi = np.minimum(qi, ti), np.maximum(qi, ti)
    keep = lo != hi
    pairs = np.unique(np.column_stack([lo[keep], hi[keep]]), axis=0)  # (a < b), sorted
    qi, ti = pairs[:, 0], pairs[:, 1]
    keep = ~shapely.touches(geoms[qi], geoms[ti])  # neighbours share only a boundary
    for a, b in zip(qi[keep], ti[keep], strict=True):
        ga, gb = geoms[a], geoms[b]
        ca, cb = sorted((codes[a], codes[b]))
        (az, ae), (bz, be) = (named(c, (names or {}).get(c)) for c in (ca, cb))
        for piece in problem_pieces(shapely.intersection(ga, gb), settings):
            ar = piece.area
            involved.update((ca, cb))
            out.append(make("unit-overlap", [ca, cb], ca, ar,
                            f"管理单元 {az} 与 {bz} 重叠 {fmt_area(ar)} 平方米",
                            f"units {ae} and {be} overlap by {fmt_area(ar)} m²", piece))
    return out, involved


def responsibility_findings(ds: Dataset, unit_clean: dict[str, BaseGeometry | None],
                            coverage_ok: set[str] | None = None) -> list[Finding]:
    """A unit extending outside the responsibility grid it belongs to (when the dataset has
    responsibility-grid geometries).

    ``coverage_ok``: codes of units known to form a valid coverage with each other (see
    :func:`unit_overlap_findings`); responsibility grids all of whose units are in it are
    proven by one coverage union instead of a ``covers`` per unit (:func:`_units_inside`)."""
    out: list[Finding] = []
    # prepared private copies: the window may use the originals in another thread
    rg_clean = {c: (private_copies(np.array([g], dtype=object))[0] if g is not None else None)
                for c, g in ((c, clean_polygonal(r.geometry))
                             for c, r in ds.responsibility_grids.items())}
    inside = _units_inside(ds, unit_clean, rg_clean, coverage_ok) if coverage_ok else set()
    for code, unit in ds.units.items():
        if code in inside:
            continue
        rg = rg_clean.get(unit.responsibility_grid or "")
        ug = unit_clean.get(code)
        if rg is None or ug is None or shapely.covers(rg, ug):
            continue
        uz, ue = named(code, unit.name)
        rgrid = ds.responsibility_grids.get(unit.responsibility_grid or "")
        rz, re_ = named(unit.responsibility_grid, rgrid.name if rgrid is not None else None)
        for piece in problem_pieces(shapely.difference(ug, rg), ds.settings):
            a = piece.area
            out.append(make("unit-responsibility-crossing", [code], code, a,
                            f"管理单元 {uz} 有 {fmt_area(a)} 平方米在责任网格 {rz} 之外",
                            f"{fmt_area(a)} m² of unit {ue} lie outside responsibility "
                            f"grid {re_}", piece))
    return out


def _units_inside(ds: Dataset, unit_clean: dict[str, BaseGeometry | None],
                  rg_clean: dict[str, BaseGeometry | None], coverage_ok: set[str]) -> set[str]:
    """Codes of units provably inside their responsibility grid, without a ``covers`` each.

    Units of one responsibility grid that all belong to a valid coverage (``coverage_ok``:
    interiors disjoint, edges matching, so any subset is a valid coverage too) have an exact
    ``coverage_union_all``; when that union is identical to the responsibility grid
    (coordinates, after normalising), or failing that is covered by it, every unit lies inside
    it and :func:`responsibility_findings` has nothing to say about them. Any other group is
    left to the per-unit test."""
    groups: dict[str, list[str]] = {}
    for code, unit in ds.units.items():
        rc = unit.responsibility_grid or ""
        if rg_clean.get(rc) is not None and unit_clean.get(code) is not None:
            groups.setdefault(rc, []).append(code)
    rows = [(rc, members) for rc, members in groups.items()
            if all(c in coverage_ok for c in members)]
    if not rows:
        return set()
    width = max(len(m) for _, m in rows)
    table = np.full((len(rows), width), None, dtype=object)
    for r, (_, members) in enumerate(rows):
        table[r, :len(members)] = [unit_clean[c] for c in members]
    rg = np.empty(len(rows), dtype=object)
    rg[:] = [rg_clean[rc] for rc, _ in rows]
    try:
        union = shapely.coverage_union_all(table, axis=1)
    except shapely.errors.GEOSException:
        return set()
    ok = shapely.equals_identical(shapely.normalize(union), shapely.normalize(rg))
    if (~ok).any():
        ok[~ok] = shapely.covers(rg[~ok], union[~ok])  # responsibility grids are prepared
    return {c for (_, members), good in zip(rows, ok.tolist(), strict=True) if good
            for c in members}


def committee_findings(ds: Dataset, unit_clean: dict[str, BaseGeometry | None]) -> list[Finding]:
    """A 街面 unit with significant area in two or more residents' committees; location: the
    part outside its own committee (the named one, else the one holding most of it)."""
    layer = ds.base("committees")
    out: list[Finding] = []
    if layer is None:
        return out
    s = ds.settings
    cg = np.empty(len(layer.geometries), dtype=object)
    cg[:] = [clean_polygonal(g) for g in layer.geometries]
    cg = shapely.force_2d(cg)  # own objects: prepared below, and the window uses the layer
    ok = np.array([g is not None for g in cg], dtype=bool)
    tree = shapely.STRtree(np.where(ok, cg, None))
    names = layer.column("name", "")
    # Pre-pass over all 街面 units at once: a committee that merely touches a unit shares no
    # area with it, so a unit with fewer than two non-touching committees can have fewer than
    # two significant ones and is skipped exactly, without an overlay per pair.
    codes = [c for c, u in ds.units.items()
             if u.unit_type == STREET_FRONT and unit_clean.get(c) is not None]
    ug_arr = np.empty(len(codes), dtype=object)
    ug_arr[:] = [unit_clean[c] for c in codes]
    qi, ti = tree.query(ug_arr, predicate="intersects")
    shapely.prepare(cg[ti])
    share = ~shapely.touches(cg[ti], ug_arr[qi])
    maybe = {codes[i] for i in np.flatnonzero(np.bincount(qi[share], minlength=len(codes)) >= 2)}
    for code, unit in ds.units.items():
        if code not in maybe:
            continue
        ug = unit_clean[code]
        idx = tree.query(ug, predicate="intersects")
        if len(idx) < 2:
            continue
        inter = shapely.area(shapely.intersection(ug, cg[idx]))
        sig = (inter >= s.building_cut_min_area_m2) & (
            inter >= s.building_cut_min_share * ug.area)
        if sig.sum() < 2:
            continue
        own = [i for i in idx if unit.committee and names[i] == unit.committee]
        main = int(own[0]) if own else int(idx[int(np.argmax(inter))])
        mname = names[main] or f"居委会 {main + 1}"
        uz, ue = named(code, unit.name)
        for piece in problem_pieces(shapely.difference(ug, cg[main]), s):
            a = piece.area
            out.append(make("unit-committee-crossing", [code], code, a,
                            f"街面单元 {uz} 跨居委会辖区:{fmt_area(a)} 平方米在 {mname} 之外",
                            f"street-front unit {ue} crosses residents' committees: "
                            f"{fmt_area(a)} m² lie outside {mname}", piece))
    return out


class UnitRules(Rule):
    """The rules on the units themselves (one scope, ``"units"``): invalid geometry, unit
    codes, ``unit-overlap``, ``unit-responsibility-crossing``, ``unit-committee-crossing``.
    Units do not change while a checker lives, so all of it runs once, in :meth:`start` (a
    worker, on private copies of the unit geometries), and edits put nothing in scope.

    Publishes :attr:`overlapping`: the codes of units sharing area with another unit, which
    the topology rule cannot prove clean from their own grids."""

    name = "units"
    stage = "units"
    lane = "worker"

    def __init__(self, checker) -> None:
        super().__init__(checker)
        self.overlapping: set[str] = set()
        self._found: list[Finding] = []

    def start(self) -> None:
        c = self.checker
        ds = c.dataset
        units = c.units
        codes, raw, ok = units.codes, units.raw, units.ok
        clean = units.geoms.tolist()
        found: list[Finding] = []
        unit_names = {c: u.name for c, u in ds.units.items()}
        for i in np.flatnonzero(~ok).tolist():  # valid units have no geometry finding
            found += unit_geometry_findings(codes[i], raw[i], clean[i], unit_names.get(codes[i]))
        listed = c.unit_list if c.unit_list is not None else list(ds.units.values())
        found += unit_attribute_findings(listed, c.pattern)
        ug = private_copies(units.geoms)
        coverage_ok = np.zeros(len(codes), dtype=bool)
        ov, self.overlapping = unit_overlap_findings(codes, ug, shapely.STRtree(ug), self.settings,
                                                     coverage_ok, unit_names)
        found += ov
        own = dict(zip(codes, ug.tolist(), strict=True))
        found += responsibility_findings(
            ds, own, {codes[i] for i in np.flatnonzero(coverage_ok).tolist()})
        found += committee_findings(ds, own)
        self._found = found

    def full(self) -> Iterable[tuple[Hashable, list[Finding]]]:
        if self._found:
            yield "units", self._found

    def check(self, key: Hashable) -> list[Finding]:
        return self._found if key == "units" else []
