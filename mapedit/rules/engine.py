"""The incremental rule engine: one :class:`Checker` per dataset, used by the editor live and by
the CLI once.

Findings are kept in a dict keyed by *scope* — a unit's topology, one grid's attributes, one
code's duplicate group, one building, one 村组 grid — so an edit re-computes only the scopes it
can affect and replaces them wholesale. Topology is organised per unit (see
:mod:`mapedit.rules.topology`), so incremental and full checks run the same per-unit code and
agree by construction; the full check only adds a vectorised pre-pass that proves most units
clean without any overlay.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Hashable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from mapedit.model.codes import CodePattern
from mapedit.model.dataset import Dataset
from mapedit.model.hierarchy import Unit
from mapedit.rules import baselayers
from mapedit.rules.attributes import (
    AttributeScreen,
    attribute_findings,
    duplicate_code_finding,
    geometry_findings,
    grid_label,
    make,
    unit_attribute_findings,
)
from mapedit.rules.findings import ERROR, RULES, WARNING, Finding, Fix
from mapedit.rules.geom import (
    clean_array,
    clean_array_valid,
    clean_polygonal,
    fmt_area,
    noise_width,
    private_copies,
    valid_mask,
)
from mapedit.rules.index import GridIndex
from mapedit.rules.topology import TopologyRules
from mapedit.rules.units import (
    committee_findings,
    responsibility_findings,
    unit_geometry_findings,
    unit_overlap_findings,
)

RULE_ORDER = {r: i for i, r in enumerate(RULES)}
_MISSING = object()


def _sort_key(f: Finding) -> tuple:
    b = f.location.bounds if f.location is not None and not f.location.is_empty else ()
    return (f.unit or "", RULE_ORDER.get(f.rule, 99), tuple(f.features), -f.area_m2,
            tuple(round(v, 3) for v in b))


def _shared_map(pool: ThreadPoolExecutor | None, fn, items: list, chunk: int) -> list:
    """``fn`` (list -> list of the same length) over ``items`` in chunks, taken in turn by
    this thread and, when it gets to them, one pool worker; results in input order. A worker
    still busy elsewhere when this thread has taken every chunk is not waited for."""
    chunks = [items[i:i + chunk] for i in range(0, len(items), chunk)]
    results: list = [None] * len(chunks)
    order = iter(range(len(chunks)))
    lock = threading.Lock()

    def drain() -> None:
        while True:
            with lock:
                k = next(order, None)
            if k is None:
                return
            results[k] = fn(chunks[k])

    helper = pool.submit(drain) if pool is not None and len(chunks) > 1 else None
    drain()
    if helper is not None and not helper.cancel():
        helper.result()
    return [r for part in results for r in part]


class Checker:
    """Checks a :class:`Dataset` against every rule and keeps the findings current.

    ``accepted`` maps :attr:`Finding.key` to the reason a finding was accepted as an
    exception; such findings stay in :attr:`findings` flagged ``accepted=True`` and are not
    counted as errors/warnings. ``unit_list`` (optional) is the units as read from a file,
    before they were keyed by code, so duplicate unit codes can be reported.

    ``threads`` (default on): :meth:`run_full` runs the rules on units and base layers
    (buildings, villager groups, committees) in one worker thread beside the grid topology;
    GEOS releases the GIL, so on two cores the wall time nearly halves. Findings are merged in
    a fixed order, so the result does not depend on it. :meth:`update` is single-threaded.
    """

    def __init__(self, dataset: Dataset, accepted: dict[str, str] | None = None,
                 unit_list: Sequence[Unit] | None = None, threads: bool = True) -> None:
        self.threads = threads
        self.dataset = dataset
        self.settings = dataset.settings
        self.catalogue = dataset.catalogue
        self._accepted: dict[str, str] = dict(accepted or {})
        self._unit_list = list(unit_list) if unit_list is not None else None
        self._scopes: dict[Hashable, list[Finding]] = {}
        self._cache: list[Finding] | None = None
        self._ran = False
        self.topology = TopologyRules(self)

    # -- public API ------------------------------------------------------------------------
    @property
    def findings(self) -> list[Finding]:
        if not self._ran:
            self.run_full()
        if self._cache is None:
            allf = [f for lst in self._scopes.values() for f in lst]
            allf.sort(key=lambda f: f._sort)  # type: ignore[attr-defined]
            self._cache = allf
        return list(self._cache)

    def summary(self) -> dict[str, int]:
        fs = self.findings
        return {
            "errors": sum(1 for f in fs if not f.accepted and f.severity == ERROR),
            "warnings": sum(1 for f in fs if not f.accepted and f.severity == WARNING),
            "grids": len(self.dataset.grids),
            "units": len(self._unit_list) if self._unit_list is not None
            else len(self.dataset.units),
            "accepted": sum(1 for f in fs if f.accepted),
        }

    def findings_for_unit(self, code: str) -> list[Finding]:
        return [f for f in self.findings if f.unit == code]

    def set_accepted(self, key: str, reason: str | None) -> None:
        """Mark (reason given) or unmark (None) the finding with ``key`` as an exception."""
        if reason is None:
            self._accepted.pop(key, None)
        else:
            self._accepted[key] = reason
        for lst in self._scopes.values():
            for f in lst:
                if f.key == key and f.acceptable:
                    f.accepted = reason is not None
                    f.accept_reason = reason or ""
        self._cache = None

    def label(self, fid: int) -> str:
        g = self.dataset.grids.get(fid)
        return grid_label(g, fid) if g is not None else f"#{fid}"

    def code_of(self, fid: int) -> str | None:
        g = self.dataset.grids.get(fid)
        return (g.code or None) if g is not None else None

    def unit_tree_query(self, geom: BaseGeometry) -> list[str]:
        return [self._unit_codes[i] for i in self._unit_tree.query(geom, predicate="intersects")]

    # -- full check ------------------------------------------------------------------------
    def run_full(self) -> list[Finding]:
        """Check everything. Work runs in two lanes: this thread does the grids (assignment,
        attributes, topology), a worker (when ``threads``) the units and base layers. The
        worker never uses a prepared geometry this thread uses (GEOS prepared geometries are
        not thread-safe): it prepares private copies. Scopes are stored in a fixed order."""
        self.pattern = CodePattern(self.settings.code_pattern)
        self._scopes = {}
        self._cache = None
        pool = ThreadPoolExecutor(max_workers=2) if self.threads else None
        self._pool = pool
        # Hundreds of thousands of short-lived geometry objects, no reference cycles: the
        # cyclic collector would only re-scan the dataset again and again (~0.1 s a pass).
        collect = gc.isenabled()
        gc.disable()
        try:
            return self._run_full(pool)
        finally:
            if collect:
                gc.enable()
            self._pool = None
            if pool is not None:
                pool.shutdown(wait=True)

    def _run_full(self, pool: ThreadPoolExecutor | None) -> list[Finding]:
        def run(fn, *args):
            if pool is None:
                res = fn(*args)
                return lambda: res
            return pool.submit(fn, *args).result

        self._prepare_unit_geoms()
        unit_job = run(self._unit_rules)
        layers_job = run(self._prepare_base_layers)
        self._prepare_grid_geoms()
        # The building proof needs only the grid index: it starts now, so a worker has it to
        # do while this thread assigns grids to units.
        candidates_job = run(self._building_candidates, layers_job)
        vg_candidates_job = run(self._villager_group_candidates, layers_job)
        screen_job = run(self._screen_declared)
        self._assign_grids()
        # From here on the grids' units are known; workers take the attribute screening and
        # the 村组 pairs while this thread proves units clean.
        vg_job = run(self._villager_group_rules, vg_candidates_job)
        attr_job = run(self._attribute_scopes, screen_job)
        clean_units = self._clean_units_vectorised(with_overlaps=False)
        units_found, self._unit_overlap_codes = unit_job()
        clean_units -= self._unit_overlap_codes
        suspect: list[str | None] = [c for c in self._unit_codes if c not in clean_units]
        if self._members.get(None):
            suspect.append(None)
        # Exact topology of the suspect units, shared with a worker: a unit's prepared
        # geometries (the unit, its member grids) are used by one thread only.
        topo_scopes = _shared_map(pool, self._topology_scopes, suspect, 4)
        base_scopes = self._building_rules(candidates_job()) + vg_job()
        for scope, found in [(("units",), units_found), *attr_job(), *topo_scopes,
                             *base_scopes]:
            self._set(scope, found)
        self._ran = True
        return self.findings

    def _topology_scopes(self, codes: list[str | None]) -> list[tuple[Hashable, list[Finding]]]:
        return [(("topo", code), self.topology.unit_findings(code)) for code in codes]

    def _attribute_scopes(self, screened) -> list[tuple[Hashable, list[Finding]]]:
        """Grid scopes (attributes, geometry, outside-units) and duplicate-code scopes, in
        fid / code order. Reads the grids and their units only, no prepared geometry."""
        grid_scopes = [(("g", fid), self._grid_scope(fid))
                       for fid in self._suspect_grids(screened())]
        dup_scopes = [(("dup", code), self._dup_scope(code))
                      for code, fids in self._code_fids.items() if len(fids) > 1]
        return grid_scopes + dup_scopes

    def _screen_declared(self) -> np.ndarray:
        """Mask over the sorted fids: :class:`AttributeScreen` cannot prove the grid clean in
        its *declared* unit. Needs no geometry, so a worker runs it while this thread
        assigns grids to units; :meth:`_suspect_grids` re-screens the few grids assigned
        elsewhere."""
        ds = self.dataset
        grids, units = ds.grids, ds.units
        ok = AttributeScreen(self.catalogue, self.settings, self.pattern).clean
        return np.array([not ok(g, units.get((g.unit_code or "").strip()))
                         for g in (grids[f] for f in self._fids_sorted)], dtype=bool)

    def _suspect_grids(self, declared_bad: np.ndarray) -> list[int]:
        """Fids whose grid scope may hold a finding (the rest provably hold none): invalid or
        unassigned grids, and grids :class:`AttributeScreen` cannot prove clean in their
        unit (the declared one unless assigned to another: see :meth:`_grid_scope`). One
        cheap pass instead of building 36,000 empty finding lists."""
        ds = self.dataset
        fids = self._fids_sorted
        assign, decl, has = self._assign_arr, self._decl_arr, self._has_arr
        bad = ~self._valid_arr | ((assign < 0) & has)
        # the unit screened is units.get(assigned) when assigned, else the declared one
        other = (assign >= 0) & (assign != decl)
        bad |= declared_bad & ~other
        if other.any():
            ok = AttributeScreen(self.catalogue, self.settings, self.pattern).clean
            units, codes = ds.units, self._unit_codes
            for i in np.flatnonzero(other & ~bad).tolist():
                g, a = ds.grids[fids[i]], codes[assign[i]]
                bad[i] = not ok(g, units.get(a) if a else units.get((g.unit_code or "").strip()))
        return [fids[i] for i in np.flatnonzero(bad).tolist()]

    def _prepare_unit_geoms(self) -> None:
        ds = self.dataset
        codes = list(ds.units)
        self._unit_codes = codes
        self._unit_pos = {c: i for i, c in enumerate(codes)}
        raw = [ds.units[c].geometry for c in codes]
        ug, ok = clean_array_valid(raw)
        self._unit_raw, self._unit_ok = raw, ok
        self._unit_clean: dict[str, BaseGeometry | None] = dict(zip(codes, ug.tolist(),
                                                                    strict=True))
        shapely.prepare(ug)
        self._unit_geoms = ug
        self._unit_tree = shapely.STRtree(ug)
        self._unit_tree.query(shapely.box(0, 0, 0, 0))  # build it now (see run_full)
        self._unit_overlap_codes: set[str] = set()
        self._bld_tree: shapely.STRtree | None = None

    def _unit_rules(self) -> tuple[list[Finding], set[str]]:
        """Findings on the units themselves and the preparation of the base layers (worker
        lane of :meth:`run_full`): it works on private copies of the unit geometries."""
        ds, s = self.dataset, self.settings
        codes, raw, ok = self._unit_codes, self._unit_raw, self._unit_ok
        clean = self._unit_geoms.tolist()
        found: list[Finding] = []
        for i in np.flatnonzero(~ok).tolist():  # valid units have no geometry finding
            found += unit_geometry_findings(codes[i], raw[i], clean[i])
        units = self._unit_list if self._unit_list is not None else list(ds.units.values())
        found += unit_attribute_findings(units, self.pattern)
        ug = private_copies(self._unit_geoms)
        coverage_ok = np.zeros(len(codes), dtype=bool)
        ov, overlap_codes = unit_overlap_findings(codes, ug, shapely.STRtree(ug), s,
                                                  coverage_ok)
        found += ov
        own = dict(zip(codes, ug.tolist(), strict=True))
        found += responsibility_findings(
            ds, own, {codes[i] for i in np.flatnonzero(coverage_ok).tolist()})
        found += committee_findings(ds, own)
        return found, overlap_codes

    def _prepare_base_layers(self) -> None:
        ds = self.dataset
        b = ds.base("buildings")
        self._building_geoms = clean_array(b.geometries) if b is not None else None
        self._bld_tree = None  # built on first use (only edits need it)
        v = ds.base("villager_groups")
        if v is not None:
            vg = clean_array(v.geometries)
            shapely.prepare(vg)
            self._vg_geoms = vg
            self._vg_tree = shapely.STRtree(vg)
            self._vg_tree.query(shapely.box(0, 0, 0, 0))
            baselayers.groups_form_coverage(self, vg)
        else:
            self._vg_geoms = None

    @property
    def _building_tree(self) -> shapely.STRtree:
        if self._bld_tree is None:
            self._bld_tree = shapely.STRtree(self._building_geoms)
        return self._bld_tree

    def _building_candidates(self, layers_ready) -> np.ndarray | None:
        """Buildings that may be cut (worker lane, after the base layers and the grid index;
        it reads only the index, never the grids' unit assignment)."""
        layers_ready()
        if self._building_geoms is None:
            return None
        return baselayers.building_candidates(self)

    def _building_rules(self, candidates: np.ndarray | None
                        ) -> list[tuple[Hashable, list[Finding]]]:
        """``building-cut`` for the full check, on the few candidates (this thread, once the
        grids are assigned: findings name the main grid's unit)."""
        if candidates is None:
            return []
        res = baselayers.building_findings(self, candidates)
        return [(("b", b), lst) for b, lst in res.items()]

    def _villager_group_candidates(self, layers_ready) -> list[int]:
        """村组 grids not proven made of whole villager groups (worker lane, after the base
        layers and the grid geometries; reads no unit assignment)."""
        layers_ready()
        if self._vg_geoms is None:
            return []
        return baselayers.villager_group_candidates(self, self._fids_sorted, full=True)

    def _villager_group_rules(self, candidates_ready) -> list[tuple[Hashable, list[Finding]]]:
        """``villager-group-cut`` for the full check on the candidates (worker lane, once the
        grids are assigned: findings name the grid's unit)."""
        fids = candidates_ready()
        if self._vg_geoms is None or not fids:
            return []
        res = baselayers.villager_group_findings(self, fids)
        return [(("vg", f), lst) for f, lst in res.items()]

    def _prepare_grid_geoms(self) -> None:
        """Validity, repaired geometries, codes and the grid index (built, ready for queries
        from two threads)."""
        ds = self.dataset
        fids = sorted(ds.grids)
        self._fids_sorted = fids
        n = len(fids)
        raw = np.empty(n, dtype=object)
        raw[:] = [ds.grids[f].geometry for f in fids]
        valid = valid_mask(raw)
        clean = raw.copy()
        for i in np.flatnonzero(~valid):
            clean[i] = clean_polygonal(raw[i])
        self._valid = dict(zip(fids, valid.tolist(), strict=True))
        self._clean: dict[int, BaseGeometry | None] = dict(zip(fids, clean.tolist(), strict=True))
        self._code = {f: (ds.grids[f].code or "").strip() for f in fids}
        self._code_fids: dict[str, set[int]] = {}
        for f, c in self._code.items():
            if c:
                self._code_fids.setdefault(c, set()).add(f)
        self._raw_arr, self._clean_arr, self._valid_arr = raw, clean, valid
        self.index = GridIndex(self._clean)
        # STRtrees build lazily on their first query; build this one here, before two threads
        # query it at once.
        self.index.tree.query(shapely.box(0, 0, 0, 0))

    def _assign_grids(self) -> None:
        """Each grid's unit (vectorised twin of :meth:`_assign_one`), whether the unit covers
        it, dirty flags and unit members."""
        ds, s = self.dataset, self.settings
        fids = self._fids_sorted
        n = len(fids)
        clean, valid = self._clean_arr, self._valid_arr
        del self._raw_arr, self._clean_arr
        # -- assignment to units (vectorised twin of _assign_one) --
        has = np.array([g is not None for g in clean], dtype=bool)
        decl = np.array([self._unit_pos.get((ds.grids[f].unit_code or "").strip(), -1)
                         for f in fids], dtype=np.int64)
        decl_ok = decl >= 0
        decl_ok[decl_ok] = np.array([g is not None for g in self._unit_geoms[decl[decl_ok]]],
                                    dtype=bool)
        assign = np.full(n, -1, dtype=np.int64)
        covered = np.zeros(n, dtype=bool)
        first = has & decl_ok
        filled = self._filled_units(fids, clean, valid, decl, first)
        covered[:] = first & filled[np.maximum(decl, 0)]
        assign[covered] = decl[covered]
        first &= ~covered
        if first.any():
            cov = shapely.covered_by(clean[first], self._unit_geoms[decl[first]])
            idx = np.flatnonzero(first)[cov]
            assign[idx] = decl[idx]
            covered[idx] = True
        rest = np.flatnonzero(has & ~covered)
        if len(rest):
            qi, ui = self._unit_tree.query(clean[rest], predicate="intersects")
            areas = self._pair_areas(clean[rest][qi], ui)
            sig = areas >= s.min_area_m2
            qi, ui, areas = qi[sig], ui[sig], areas[sig]
            order = np.lexsort((ui, -areas, qi))
            seen: set[int] = set()
            best = np.full(len(rest), -1, dtype=np.int64)
            for k in order:
                q = int(qi[k])
                if q not in seen:
                    seen.add(q)
                    best[q] = ui[k]
            for j, i in enumerate(rest):
                if best[j] < 0:
                    continue
                if decl_ok[i]:
                    assign[i] = decl[i]
                else:
                    assign[i] = best[j]
                    covered[i] = bool(shapely.covered_by(clean[i], self._unit_geoms[best[j]]))
        self._has_arr, self._decl_arr, self._assign_arr = has, decl, assign
        codes = self._unit_codes
        self._assign: dict[int, str | None] = {
            f: (codes[a] if a >= 0 else None) for f, a in zip(fids, assign.tolist(), strict=True)}
        self._covered = dict(zip(fids, covered.tolist(), strict=True))
        self._dirty = {f: bool(has[i] and not (valid[i] and covered[i]))
                       for i, f in enumerate(fids)}
        self._members: dict[str | None, set[int]] = {}
        for i, f in enumerate(fids):
            if has[i]:
                self._members.setdefault(self._assign[f], set()).add(f)

    def _filled_units(self, fids: list[int], clean: np.ndarray, valid: np.ndarray,
                      decl: np.ndarray, first: np.ndarray) -> np.ndarray:
        """Mask of units provably covering every grid that declares them, without a
        ``covered_by`` per grid (slow for grids sharing the unit's boundary, i.e. most).

        A unit qualifies when all the grids declaring it are valid polygons forming a valid
        coverage (``coverage_is_valid``, the same test as :meth:`TopologyRules.
        members_clean`, whose answers are kept for :meth:`_clean_units_vectorised`) and their
        coverage union is identical to the unit, coordinate for coordinate after
        normalisation: then each grid lies in the union, i.e. in the unit. Any other unit
        (an invalid or overlapping grid, extra vertices on the unit boundary, a gap, ...)
        falls back to ``covered_by``, so this only decides how fast the answer comes."""
        nu = len(self._unit_codes)
        filled = np.zeros(nu, dtype=bool)
        # unit code -> (its declaring fids, coverage test answer or None for one grid,
        # the grids' total area): what _clean_units_vectorised needs for those grids
        self._cov_cache: dict[str, tuple[tuple[int, ...], bool | None, float]] = {}
        idx = np.flatnonzero(first)
        if len(idx) == 0:
            return filled
        idx = idx[np.argsort(decl[idx], kind="stable")]  # by unit, fids ascending
        units, start, count = np.unique(decl[idx], return_index=True, return_counts=True)
        n_declaring = np.bincount(decl[decl >= 0], minlength=nu)
        all_valid = np.logical_and.reduceat(valid[idx], start)
        fid_arr = np.asarray(fids, dtype=np.int64)
        groups = [(u, clean[idx[st:st + k]], idx[st:st + k])
                  for u, st, k, ok in zip(units.tolist(), start.tolist(), count.tolist(),
                                          all_valid.tolist(), strict=True)
                  if ok and k == n_declaring[u]]
        # Shared with a worker when one is free: these GEOS calls use no prepared geometry,
        # so both threads may read the same grids.
        results = _shared_map(getattr(self, "_pool", None), self._unit_proofs, groups, 200)
        codes = self._unit_codes
        for (u, _, sel), (edges_ok, same, total) in zip(groups, results, strict=True):
            self._cov_cache[codes[u]] = (tuple(fid_arr[sel].tolist()), edges_ok, total)
            filled[u] = same
        return filled

    def _unit_proofs(self, groups: list[tuple[int, np.ndarray, np.ndarray]]
                     ) -> list[tuple[bool | None, bool, float]]:
        """For each (unit index, its grids, their positions): the coverage test's answer
        (None for a single grid), whether the grids' coverage union is identical to the
        unit (see :meth:`_filled_units`) and the grids' total area (summed as
        :meth:`TopologyRules.members_clean` sums it)."""
        gap = noise_width(self.settings)
        out: list[tuple[bool | None, bool, float]] = []
        rows: list[int] = []
        for r, (_, g, _) in enumerate(groups):
            edges_ok = bool(shapely.coverage_is_valid(g, gap_width=gap)) if len(g) >= 2 else None
            out.append((edges_ok, False, float(shapely.area(g).sum())))
            if edges_ok is not False:
                rows.append(r)
        if not rows:
            return out
        width = max(len(groups[r][1]) for r in rows)
        table = np.full((len(rows), width), None, dtype=object)
        for i, r in enumerate(rows):
            g = groups[r][1]
            table[i, :len(g)] = g
        uidx = np.array([groups[r][0] for r in rows], dtype=np.int64)
        try:
            union = shapely.coverage_union_all(table, axis=1)
        except shapely.errors.GEOSException:
            return out
        same = shapely.equals_identical(shapely.normalize(union),
                                        shapely.normalize(self._unit_geoms[uidx]))
        for r, ok in zip(rows, same.tolist(), strict=True):
            out[r] = (out[r][0], ok, out[r][2])
        return out

    def _pair_areas(self, grids: np.ndarray, unit_idx: np.ndarray) -> np.ndarray:
        """Area of grid ∩ unit for each pair; a grid inside the unit needs no overlay."""
        ug = self._unit_geoms[unit_idx]
        inside = shapely.covered_by(grids, ug)
        areas = shapely.area(grids)
        if (~inside).any():
            areas[~inside] = shapely.area(shapely.intersection(grids[~inside], ug[~inside]))
        return areas

    def _assign_one(self, fid: int) -> tuple[str | None, bool]:
        """Unit of one grid: its declared unit when that exists (and the grid touches some
        unit), else the unit holding most of it. Returns (unit code, covered by it)."""
        g = self.dataset.grids[fid]
        cg = self._clean[fid]
        if cg is None:
            return None, False
        d = self._unit_pos.get((g.unit_code or "").strip(), -1)
        if d >= 0 and self._unit_geoms[d] is None:
            d = -1
        if d >= 0 and shapely.covered_by(cg, self._unit_geoms[d]):
            return self._unit_codes[d], True
        ui = self._unit_tree.query(cg, predicate="intersects")
        if len(ui) == 0:
            return None, False
        grids = np.empty(len(ui), dtype=object)
        grids[:] = [cg] * len(ui)
        areas = self._pair_areas(grids, ui)
        sig = areas >= self.settings.min_area_m2
        if not sig.any():
            return None, False
        if d >= 0:
            return self._unit_codes[d], False
        ui, areas = ui[sig], areas[sig]
        k = np.lexsort((ui, -areas))[0]
        b = int(ui[k])
        return self._unit_codes[b], bool(shapely.covered_by(cg, self._unit_geoms[b]))

    def _clean_units_vectorised(self, with_overlaps: bool = True) -> set[str]:
        """Units proven clean without overlays (twin of ``TopologyRules.unit_is_clean``).
        ``with_overlaps=False``: the caller removes the overlapping units itself."""
        suspect = set(self._unit_overlap_codes) if with_overlaps else set()
        dirty = [f for f, d in self._dirty.items() if d]
        for f in dirty:
            if self._assign[f] is not None:
                suspect.add(self._assign[f])
        if dirty:
            dg = np.empty(len(dirty), dtype=object)
            dg[:] = [self._clean[f] for f in dirty]
            _, ui = self._unit_tree.query(dg, predicate="intersects")
            suspect.update(self._unit_codes[i] for i in np.unique(ui))
        out: set[str] = set()
        min_area = self.settings.min_area_m2
        for code in self._unit_codes:
            if code in suspect:
                continue
            ug = self._unit_clean[code]
            members = sorted(self._members.get(code, ()))
            if ug is None or not members:
                continue
            known = self._cov_cache.get(code)
            if known is not None and known[0] == tuple(members):
                # members_clean's answer from the unit proofs' figures for these grids
                if not ug.area - known[2] >= min_area and known[1] is not False:
                    out.add(code)
                continue
            geoms = np.empty(len(members), dtype=object)
            geoms[:] = [self._clean[f] for f in members]
            if self.topology.members_clean(ug.area, geoms):
                out.add(code)
        return out

    # -- scopes ------------------------------------------------------------------------------
    def _set(self, scope: Hashable, found: list[Finding]) -> None:
        for f in found:
            f._sort = _sort_key(f)  # type: ignore[attr-defined]
            if self._accepted and f.acceptable:
                r = self._accepted.get(f.key)
                if r is not None:
                    f.accepted, f.accept_reason = True, r
        if found:
            self._scopes[scope] = found
        else:
            self._scopes.pop(scope, None)
        self._cache = None

    def _grid_scope(self, fid: int) -> list[Finding]:
        ds = self.dataset
        g = ds.grids[fid]
        clean = self._clean[fid]
        a = self._assign.get(fid)
        declared = (g.unit_code or "").strip()
        unit = ds.units.get(a) if a else ds.units.get(declared)
        ucode = unit.code if unit is not None else (declared or None)
        out = [] if self._valid.get(fid) else geometry_findings(g, fid, clean, ucode)
        if clean is not None and a is None:
            label = grid_label(g, fid)
            ar = clean.area
            out.append(make("outside-units", [label], ucode, ar,
                            f"微网格 {label}({fmt_area(ar)} 平方米)不在任何管理单元内",
                            f"micro-grid {label} ({fmt_area(ar)} m²) lies in no management unit",
                            clean, Fix("clip-to-unit", g.code or None, "将微网格移入或裁剪到管理单元内",
                                       "move or clip the grid into a unit"), fids=[fid]))
        out += attribute_findings(g, fid, clean, unit, self.catalogue, self.settings,
                                  self.pattern)
        return out

    def _dup_scope(self, code: str) -> list[Finding]:
        fids = sorted(self._code_fids.get(code, ()))
        members = [(f, self.dataset.grids[f], self._clean[f], self._assign.get(f)
                    or (self.dataset.grids[f].unit_code or None)) for f in fids]
        return duplicate_code_finding(code, members)

    # -- incremental -------------------------------------------------------------------------
    def update(self, changed_fids: Iterable[int],
               old_geometries: dict[int, BaseGeometry | None] | None = None) -> list[Finding]:
        """Re-check after ``dataset.grids`` changed in place (inserts, updates, deletes).

        The checker remembers each grid's previous geometry itself, so ``old_geometries`` is
        only used for fids it has never seen. Affected: the changed grids' old and new units,
        every unit their old/new geometries touch, the units of the grids they touch (who may
        own an overlap pair with them), their code groups, buildings and 村组 checks."""
        if not self._ran:
            return self.run_full()
        ds = self.dataset
        changed = sorted(set(changed_fids))
        topo: set[str | None] = set()
        dup: set[str] = set()
        near: list[BaseGeometry] = []
        for f in changed:
            old_clean = self._clean.get(f, _MISSING)
            if old_clean is _MISSING and old_geometries and old_geometries.get(f) is not None:
                old_clean = clean_polygonal(old_geometries[f])
            if old_clean is not _MISSING and old_clean is not None:
                near.append(old_clean)
                topo.add(self._assign.get(f))
            oc = self._code.get(f)
            if oc:
                dup.add(oc)
                self._code_fids.get(oc, set()).discard(f)
            self._members.get(self._assign.get(f), set()).discard(f)
            g = ds.grids.get(f)
            if g is None:
                for d in (self._clean, self._valid, self._assign, self._covered, self._dirty,
                          self._code):
                    d.pop(f, None)
                self.index.set(f, None)
                self._scopes.pop(("g", f), None)
                self._scopes.pop(("vg", f), None)
                continue
            raw = g.geometry
            valid = bool(valid_mask(np.array([raw], dtype=object))[0])
            clean = raw if valid else clean_polygonal(raw)
            self._valid[f] = valid
            self._clean[f] = clean
            self.index.set(f, clean)
            a, cov = self._assign_one(f)
            self._assign[f], self._covered[f] = a, cov
            self._dirty[f] = bool(clean is not None and not (valid and cov))
            code = (g.code or "").strip()
            self._code[f] = code
            if code:
                dup.add(code)
                self._code_fids.setdefault(code, set()).add(f)
            if clean is not None:
                self._members.setdefault(a, set()).add(f)
                near.append(clean)
                topo.add(a)
        self._cache = None
        arr = np.empty(len(near), dtype=object)
        arr[:] = near
        if len(arr):
            _, ui = self._unit_tree.query(arr, predicate="intersects")
            topo.update(self._unit_codes[i] for i in np.unique(ui))
            _, nf = self.index.query_bulk(arr, "intersects")
            topo.update(self._assign.get(int(f)) for f in np.unique(nf))
        for code in topo:
            if code is None:
                found = self.topology.unit_findings(None) if self._members.get(None) else []
            elif self.topology.unit_is_clean(code):
                found = []
            else:
                found = self.topology.unit_findings(code)
            self._set(("topo", code), found)
        for f in changed:
            if f in ds.grids:
                self._set(("g", f), self._grid_scope(f))
        for code in dup:
            self._set(("dup", code), self._dup_scope(code))
        if self._building_geoms is not None and len(arr):
            _, bi = self._building_tree.query(arr, predicate="intersects")
            bidx = np.unique(bi)
            res = baselayers.building_findings(self, bidx)
            for b in bidx.tolist():
                self._set(("b", b), res.get(b, []))
        if self._vg_geoms is not None:
            live = [f for f in changed if f in ds.grids]
            res = baselayers.villager_group_findings(self, live)
            for f in live:
                self._set(("vg", f), res.get(f, []))
        return self.findings
