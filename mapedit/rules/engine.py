"""The incremental rule engine: one :class:`Checker` per dataset, used by the editor live and by
the CLI once.

The engine keeps the state all rules share (:mod:`mapedit.rules.state`: units, each grid's
repaired geometry, validity, unit and code, a grid index, prepared base layers) and the
findings, stored by *scope*: one rule's answer about one thing. The rules themselves
(:mod:`mapedit.rules.registry`) follow :mod:`mapedit.rules.protocol`: after an edit the engine
brings the shared state up to date and asks every rule which of its scopes the change puts in
question, then re-checks exactly those; a full check asks every rule for everything, through its
fast path. Both run the same per-scope code, so they agree by construction.

The full check runs in two lanes: this thread prepares the grids and assigns them to units
(sharing the per-unit proofs with a worker), then runs the ``main``-lane rules (the topology);
a worker runs the rules' :meth:`~mapedit.rules.protocol.Rule.start` work meanwhile and then
their ``worker``-lane full checks. GEOS releases the GIL, so on two cores the wall time nearly
halves; findings are merged in a fixed order, so the result does not depend on it.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Hashable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from mapedit.model.codes import CodePattern
from mapedit.model.dataset import Dataset
from mapedit.model.hierarchy import Unit
from mapedit.rules.attributes import grid_label, grid_names, named
from mapedit.rules.findings import ERROR, RULES, WARNING, Finding
from mapedit.rules.geom import clean_polygonal, noise_width, valid_mask
from mapedit.rules.protocol import Change, Rule
from mapedit.rules.state import GridState, PreparedLayer, UnitState

RULE_ORDER = {r: i for i, r in enumerate(RULES)}
Progress = Callable[[int, int], None]
PROGRESS_TOTAL = 1000


def _sort_key(f: Finding) -> tuple:
    b = f.location.bounds if f.location is not None and not f.location.is_empty else ()
    order = RULE_ORDER.get(f.rule)
    if order is None:  # a rule registered after this module was imported
        RULE_ORDER.update({r: i for i, r in enumerate(RULES)})
        order = RULE_ORDER.get(f.rule, len(RULE_ORDER))
    return (f.unit or "", order, tuple(f.features), -f.area_m2,
            tuple(round(v, 3) for v in b))


class _Report:
    """Progress of a full check, reported from the thread running it only: workers bump a
    counter, this thread passes it on whenever it reports."""

    def __init__(self, callback: Progress | None) -> None:
        self.callback = callback
        self.base = 0
        self.span = 0
        self.done = 0
        self.parts = 1
        self.last = -1
        self.owner = threading.get_ident()
        self.lock = threading.Lock()

    def phase(self, start: int, end: int, parts: int = 1) -> None:
        """The next phase covers [start, end) of the total, in ``parts`` steps."""
        self.base, self.span, self.parts, self.done = start, end - start, max(1, parts), 0
        self.emit()

    def step(self, n: int = 1) -> None:
        with self.lock:
            self.done += n
        if threading.get_ident() == self.owner:
            self.emit()

    def emit(self, value: int | None = None) -> None:
        if self.callback is None:
            return
        if value is None:
            value = self.base + self.span * min(self.done, self.parts) // self.parts
        if value > self.last:
            self.last = value
            self.callback(value, PROGRESS_TOTAL)


class _Job:
    """A piece of full-check work handed to the worker, which the thread that needs its
    result runs itself when the worker has not started it yet (so neither thread idles while
    the other has a queue)."""

    def __init__(self, fn: Callable[[], object], pool: ThreadPoolExecutor | None,
                 queue: list[_Job]) -> None:
        self.fn = fn
        self.queue = queue
        queue.append(self)
        self.lock = threading.Lock()
        self.state = "pending"
        self.finished = threading.Event()
        self.value: object = None
        self.error: BaseException | None = None
        if pool is not None:
            pool.submit(self.run)

    def run(self) -> None:
        with self.lock:
            if self.state != "pending":
                return
            self.state = "running"
        try:
            self.value = self.fn()
        except BaseException as exc:  # noqa: BLE001 - re-raised by result()
            self.error = exc
        finally:
            self.finished.set()

    def result(self) -> object:
        """The job's result. Runs it here if nobody has started it; while another thread
        runs it, runs the other jobs nobody has started (in order) instead of idling."""
        self.run()
        while not self.finished.is_set():
            other = next((j for j in self.queue if j.state == "pending"), None)
            if other is None:
                self.finished.wait()
                break
            other.run()
        if self.error is not None:
            raise self.error
        return self.value


class Checker:
    """Checks a :class:`Dataset` against every registered rule and keeps the findings current.

    ``accepted`` maps :attr:`Finding.key` to the reason a finding was accepted as an
    exception; such findings stay in :attr:`findings` flagged ``accepted=True`` and are not
    counted as errors/warnings (never for a finding that must be fixed: ``Finding.acceptable``).
    ``unit_list`` (optional) is the units as read from a file, before they were keyed by code,
    so duplicate unit codes can be reported. ``threads`` (default on): the full check uses a
    worker thread; :meth:`update` is single-threaded. ``rules``: the rule classes to run
    (default: :func:`mapedit.rules.registry.rule_classes`).

    The state rules read (the public face of this class for :mod:`mapedit.rules.protocol`):
    ``dataset``, ``settings``, ``catalogue``, ``pattern``, ``units`` (:class:`UnitState`),
    ``grids`` (:class:`GridState`, with ``grids.index``), :meth:`layer`, :meth:`label`,
    :meth:`names`, :meth:`unit_names`, :meth:`code_of`, :meth:`unit_code`, :meth:`unit_proof`, :meth:`shared_map`,
    :meth:`rule`, :meth:`wait`.
    """

    def __init__(self, dataset: Dataset, accepted: dict[str, str] | None = None,
                 unit_list: Sequence[Unit] | None = None, threads: bool = True,
                 rules: Sequence[type[Rule]] | None = None) -> None:
        from mapedit.rules.registry import rule_classes  # noqa: PLC0415 - registry imports rules

        self.threads = threads
        self.dataset = dataset
        self.settings = dataset.settings
        self.catalogue = dataset.catalogue
        self.pattern = CodePattern(self.settings.code_pattern)
        self._accepted: dict[str, str] = dict(accepted or {})
        self.unit_list = list(unit_list) if unit_list is not None else None
        self._rule_classes = list(rules) if rules is not None else rule_classes()
        self.rules: list[Rule] = []
        self._by_name: dict[str, Rule] = {}
        self._scopes: dict[tuple[str, Hashable], list[Finding]] = {}
        self._cache: list[Finding] | None = None
        self._ran = False
        self._layers: dict[str, tuple[object, PreparedLayer | None]] = {}
        self._layers_lock = threading.Lock()
        self._started: dict[str, _Job] = {}
        self.pool: ThreadPoolExecutor | None = None
        self.grids = GridState()
        self._proofs: dict[int, tuple[tuple[int, ...], bool | None, float, bool]] = {}

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

    @property
    def ran(self) -> bool:
        """Whether a full check has run (the findings exist)."""
        return self._ran

    def summary(self) -> dict[str, int]:
        fs = self.findings
        return {
            "errors": sum(1 for f in fs if not f.accepted and f.severity == ERROR),
            "warnings": sum(1 for f in fs if not f.accepted and f.severity == WARNING),
            "grids": len(self.dataset.grids),
            "units": len(self.unit_list) if self.unit_list is not None
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

    # -- what rules read -----------------------------------------------------------------------
    def label(self, fid: int) -> str:
        """How a finding's ``features`` name a grid: its code (``#fid`` without one)."""
        g = self.dataset.grids.get(fid)
        return grid_label(g, fid) if g is not None else f"#{fid}"

    def names(self, fid: int) -> tuple[str, str]:
        """How messages name a grid, (zh, en): its code with its name (see
        :func:`mapedit.rules.attributes.named`)."""
        g = self.dataset.grids.get(fid)
        return grid_names(g, fid) if g is not None else (f"#{fid}", f"#{fid}")

    def unit_names(self, code: str | None) -> tuple[str, str]:
        """How messages name a unit, (zh, en): its code with its name."""
        if code is None:
            return "", ""
        unit = self.dataset.units.get(code)
        return named(code, unit.name if unit is not None else None)

    def code_of(self, fid: int) -> str | None:
        g = self.dataset.grids.get(fid)
        return (g.code or None) if g is not None else None

    def unit_code(self, fid: int) -> str | None:
        """The code of the unit grid ``fid`` is assigned to (None: no unit)."""
        i = self.grids.unit_index(fid)
        return self.units.codes[i] if i >= 0 else None

    def unit_tree_query(self, geom: BaseGeometry) -> list[str]:
        return self.units.query(geom)

    def unit_proof(self, unit: int) -> tuple[tuple[int, ...], bool | None, float, bool] | None:
        """What the full check's assignment proved about unit index ``unit`` (None outside a
        full check or for a unit it did not look at): (the fids of the grids declaring it,
        whether they form a valid coverage (None for one grid), their total area, whether
        they tile the unit exactly: see :meth:`_unit_proofs`)."""
        return self._proofs.get(unit)

    def layer(self, role: str) -> PreparedLayer | None:
        """The base layer of ``role`` prepared for the rules (None when the dataset has none);
        built once per layer object, safe to call from two threads."""
        layer = self.dataset.base(role)
        with self._layers_lock:
            hit = self._layers.get(role)
            if hit is not None and hit[0] is layer:
                return hit[1]
            prepared = PreparedLayer(layer) if layer is not None else None
            self._layers[role] = (layer, prepared)
            return prepared

    def rule(self, name: str) -> Rule:
        return self._by_name[name]

    def wait(self, name: str) -> None:
        """During a full check, wait until rule ``name``'s :meth:`Rule.start` is done (its
        published results are ready); a no-op otherwise."""
        job = self._started.get(name)
        if job is not None:
            job.result()

    def shared_map(self, fn: Callable[[list], list], items: list, chunk: int,
                   report: _Report | None = None) -> list:
        """``fn`` (list -> list of the same length) over ``items`` in chunks, taken in turn by
        this thread and, when it gets to them, a worker; results in input order. A worker
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
                if report is not None:
                    report.step(len(chunks[k]))

        pool = self.pool
        helper = pool.submit(drain) if pool is not None and len(chunks) > 1 else None
        drain()
        if helper is not None and not helper.cancel():
            helper.result()
        return [r for part in results for r in part]

    def warm(self) -> None:
        """Let every rule build what its incremental check needs (see ``Rule.warm``): the
        background check calls this after the full check, off the main thread."""
        for r in self.rules:
            r.warm()

    # -- full check ------------------------------------------------------------------------
    def run_full(self, progress: Progress | None = None) -> list[Finding]:
        """Check everything. ``progress(done, total)`` is called from this thread as the check
        advances (``total`` is :data:`PROGRESS_TOTAL`; the last call has ``done == total``)."""
        self.pattern = CodePattern(self.settings.code_pattern)
        self._scopes = {}
        self._cache = None
        self.rules = [cls(self) for cls in self._rule_classes]
        self._by_name = {r.name: r for r in self.rules}
        # One worker: with the thread that called us that is two lanes, one per core of an
        # office PC; a second worker would only contend with them.
        pool = ThreadPoolExecutor(max_workers=1) if self.threads else None
        self.pool = pool
        report = _Report(progress)
        self._queue: list[_Job] = []
        # Hundreds of thousands of short-lived geometry objects, no reference cycles: the
        # cyclic collector would only re-scan the dataset again and again (~0.1 s a pass).
        collect = gc.isenabled()
        gc.disable()
        try:
            self._run_full(report)
        finally:
            if collect:
                gc.enable()
            self.pool = None
            self._started = {}
            self._proofs = {}
            if pool is not None:
                pool.shutdown(wait=True)
        report.emit(PROGRESS_TOTAL)
        return self.findings

    def _submit(self, fn: Callable[[], object]) -> _Job:
        return _Job(fn, self.pool, self._queue)

    def _run_full(self, report: _Report) -> None:
        report.phase(0, 20)
        self.units = UnitState(self.dataset)
        self._started = {}
        for r in self.rules:
            if r.stage == "units":
                self._started[r.name] = self._submit(r.start)
        report.phase(20, 80)
        self._prepare_grids()
        for r in self.rules:
            if r.stage != "units":
                self._started[r.name] = self._submit(r.start)
        self._assign_grids(report)
        # the grids' units are known: every rule's full check
        jobs: dict[str, _Job] = {}
        for r in self.rules:
            if r.lane != "main":
                jobs[r.name] = self._submit(lambda r=r: (self.wait(r.name), list(r.full()))[1])
        main_lane = [r for r in self.rules if r.lane == "main"]
        results: dict[str, list] = {}
        for k, r in enumerate(main_lane):
            report.phase(600 + 300 * k // len(main_lane), 600 + 300 * (k + 1) // len(main_lane))
            self.wait(r.name)
            results[r.name] = list(r.full())
        workers = [r for r in self.rules if r.name in jobs]
        for k, r in enumerate(workers):
            report.phase(900 + 90 * k // len(workers), 900 + 90 * (k + 1) // len(workers))
            results[r.name] = jobs[r.name].result()  # type: ignore[assignment]
        for r in self.rules:
            for key, found in results.get(r.name, ()):
                self._set(r.name, key, found)
        self._ran = True

    def _prepare_grids(self) -> None:
        """Validity, repaired geometries, codes and the grid index (built, ready for queries
        from two threads)."""
        ds = self.dataset
        fids = sorted(ds.grids)
        n = len(fids)
        raw = np.empty(n, dtype=object)
        grids = [ds.grids[f] for f in fids]
        raw[:] = [g.geometry for g in grids]
        valid = valid_mask(raw)
        clean = raw.copy()
        for i in np.flatnonzero(~valid).tolist():
            clean[i] = clean_polygonal(raw[i])
        codes = [(g.code or "").strip() for g in grids]
        self.grids = GridState()
        self.grids.load(fids, clean, valid, codes)
        pos = self.units.pos
        self._declared = np.fromiter((pos.get((g.unit_code or "").strip(), -1) for g in grids),
                                     dtype=np.int32, count=n)

    def declared_units(self) -> np.ndarray:
        """Full check only: each grid's declared unit index (-1: unknown), rows in fid order."""
        return self._declared

    def _assign_grids(self, report: _Report) -> None:
        """Each grid's unit (vectorised twin of :meth:`_assign_one`) and whether the unit
        covers it."""
        s = self.settings
        st = self.grids
        n = st.n
        clean, valid = st.geom[:n], st.valid[:n]
        ugeoms = self.units.geoms
        has = ~shapely.is_missing(clean)
        decl = self._declared.astype(np.int64)
        decl_ok = decl >= 0
        decl_ok[decl_ok] = ~shapely.is_missing(ugeoms[decl[decl_ok]])
        assign = np.full(n, -1, dtype=np.int64)
        covered = np.zeros(n, dtype=bool)
        first = has & decl_ok
        filled = self._filled_units(clean, valid, decl, first, report)
        covered[:] = first & filled[np.maximum(decl, 0)]
        assign[covered] = decl[covered]
        first &= ~covered
        if first.any():
            cov = shapely.covered_by(clean[first], ugeoms[decl[first]])
            idx = np.flatnonzero(first)[cov]
            assign[idx] = decl[idx]
            covered[idx] = True
        rest = np.flatnonzero(has & ~covered)
        if len(rest):
            qi, ui = self.units.tree.query(clean[rest], predicate="intersects")
            areas = self._pair_areas(clean[rest][qi], ui)
            sig = areas >= s.min_area_m2
            qi, ui, areas = qi[sig], ui[sig], areas[sig]
            order = np.lexsort((ui, -areas, qi))
            best = np.full(len(rest), -1, dtype=np.int64)
            seen: set[int] = set()
            for k in order.tolist():
                q = int(qi[k])
                if q not in seen:
                    seen.add(q)
                    best[q] = ui[k]
            for j, i in enumerate(rest.tolist()):
                if best[j] < 0:
                    continue
                if decl_ok[i]:
                    assign[i] = decl[i]
                else:
                    assign[i] = best[j]
                    covered[i] = bool(shapely.covered_by(clean[i], ugeoms[best[j]]))
        st.assigned(assign.astype(np.int32), covered)

    def _filled_units(self, clean: np.ndarray, valid: np.ndarray, decl: np.ndarray,
                      first: np.ndarray, report: _Report) -> np.ndarray:
        """Mask of units provably covering every grid that declares them, without a
        ``covered_by`` per grid (slow for grids sharing the unit's boundary, i.e. most).

        A unit qualifies when all the grids declaring it are valid polygons forming a valid
        coverage (``coverage_is_valid``, the test of the topology rule's fast path, whose
        answers are kept: :meth:`unit_proof`) and their coverage union is identical to the
        unit, coordinate for coordinate after normalisation: then each grid lies in the
        union, i.e. in the unit. Any other unit (an invalid or overlapping grid, extra
        vertices on the unit boundary, a gap, ...) falls back to ``covered_by``, so this only
        decides how fast the answer comes."""
        nu = len(self.units.codes)
        filled = np.zeros(nu, dtype=bool)
        self._proofs = {}
        idx = np.flatnonzero(first)
        if len(idx) == 0:
            return filled
        idx = idx[np.argsort(decl[idx], kind="stable")]  # by unit, fids ascending
        units, start, count = np.unique(decl[idx], return_index=True, return_counts=True)
        n_declaring = np.bincount(decl[decl >= 0], minlength=nu)
        all_valid = np.logical_and.reduceat(valid[idx], start)
        groups = [(u, clean[idx[st:st + k]], idx[st:st + k])
                  for u, st, k, ok in zip(units.tolist(), start.tolist(), count.tolist(),
                                          all_valid.tolist(), strict=True)
                  if ok and k == n_declaring[u]]
        report.phase(report.base, report.base + report.span, len(groups))
        # Shared with a worker when one is free: these GEOS calls use no prepared geometry,
        # so both threads may read the same grids.
        results = self.shared_map(self._unit_proofs, groups, 200, report)
        fid_arr = self.grids.fid
        for (u, _, sel), (edges_ok, same, total) in zip(groups, results, strict=True):
            self._proofs[u] = (tuple(fid_arr[sel].tolist()), edges_ok, total, same)
            filled[u] = same
        return filled

    def _unit_proofs(self, groups: list[tuple[int, np.ndarray, np.ndarray]]
                     ) -> list[tuple[bool | None, bool, float]]:
        """For each (unit index, its grids, their rows): whether the grids form a valid
        coverage (``coverage_is_valid`` with the noise width as gap width; None for a single
        grid), whether they tile the unit exactly (see below) and their total area.

        The grids tile the unit exactly when their coverage union is identical to the unit
        (coordinates, after normalising) and their areas add up to the unit's within
        ``min_area_m2``. A coverage union cancels the edges the grids share; when what is
        left is exactly the unit's boundary, the grids' indicator functions add up to the
        unit's except on a doubly covered region of less than ``min_area_m2`` (the area
        test): no gap, no overlap, nothing outside, and no unshared vertex (unmatched edges
        would be left over, or GEOS refuses the union). That is everything the coverage test
        would say, so it runs only for the units that do not tile exactly (a grid's vertex on
        the unit boundary that the unit lacks is enough), to keep the topology fast path."""
        gap = noise_width(self.settings)
        min_area = self.settings.min_area_m2
        totals = [float(shapely.area(g).sum()) for _, g, _ in groups]
        same = np.zeros(len(groups), dtype=bool)
        if groups:
            width = max(len(g) for _, g, _ in groups)
            table = np.full((len(groups), width), None, dtype=object)
            for i, (_, g, _) in enumerate(groups):
                table[i, :len(g)] = g
            ug = self.units.geoms[np.array([u for u, _, _ in groups], dtype=np.int64)]
            try:
                union = shapely.coverage_union_all(table, axis=1)
            except shapely.errors.GEOSException:  # some unit's grids are not noded alike
                union = np.array([_coverage_union(row) for row in table], dtype=object)
            ok = ~shapely.is_missing(union)
            same[ok] = shapely.equals_identical(shapely.normalize(union[ok]),
                                                shapely.normalize(ug[ok]))
            same &= np.abs(shapely.area(ug) - np.asarray(totals)) < min_area
        out: list[tuple[bool | None, bool, float]] = []
        for (_, g, _), exact, total in zip(groups, same.tolist(), totals, strict=True):
            if len(g) < 2:
                edges_ok = None
            elif exact:
                edges_ok = True
            else:
                edges_ok = bool(shapely.coverage_is_valid(g, gap_width=gap))
            out.append((edges_ok, exact, total))
        return out

    def _pair_areas(self, grids: np.ndarray, unit_idx: np.ndarray) -> np.ndarray:
        """Area of grid ∩ unit for each pair; a grid inside the unit needs no overlay."""
        ug = self.units.geoms[unit_idx]
        inside = shapely.covered_by(grids, ug)
        areas = shapely.area(grids)
        if (~inside).any():
            areas[~inside] = shapely.area(shapely.intersection(grids[~inside], ug[~inside]))
        return areas

    def _assign_one(self, fid: int, declared: str) -> tuple[int, bool]:
        """Unit of one grid: its declared unit when that exists (and the grid touches some
        unit), else the unit holding most of it. Returns (unit index or -1, covered by it)."""
        cg = self.grids.clean(fid)
        if cg is None:
            return -1, False
        ugeoms = self.units.geoms
        d = self.units.pos.get(declared, -1)
        if d >= 0 and ugeoms[d] is None:
            d = -1
        if d >= 0 and shapely.covered_by(cg, ugeoms[d]):
            return d, True
        ui = self.units.tree.query(cg, predicate="intersects")
        if len(ui) == 0:
            return -1, False
        grids = np.empty(len(ui), dtype=object)
        grids[:] = [cg] * len(ui)
        areas = self._pair_areas(grids, ui)
        sig = areas >= self.settings.min_area_m2
        if not sig.any():
            return -1, False
        if d >= 0:
            return d, False
        ui, areas = ui[sig], areas[sig]
        b = int(ui[np.lexsort((ui, -areas))[0]])
        return b, bool(shapely.covered_by(cg, ugeoms[b]))

    # -- scopes ------------------------------------------------------------------------------
    def _set(self, rule: str, key: Hashable, found: list[Finding]) -> None:
        units, grids = self.dataset.units, self.dataset.grids
        for f in found:
            f._sort = _sort_key(f)  # type: ignore[attr-defined]
            unit = units.get(f.unit) if f.unit else None
            f.unit_name = unit.name if unit is not None else ""
            if f.fids and len(f.fids) == len(f.features):
                f.feature_names = [getattr(grids.get(fid), "name", "") or "" for fid in f.fids]
            else:
                f.feature_names = [getattr(units.get(c), "name", "") or "" for c in f.features]
            if self._accepted and f.acceptable:
                r = self._accepted.get(f.key)
                if r is not None:
                    f.accepted, f.accept_reason = True, r
        scope = (rule, key)
        if found:
            self._scopes[scope] = found
        else:
            self._scopes.pop(scope, None)
        self._cache = None

    # -- incremental -------------------------------------------------------------------------
    def update(self, changed_fids: Iterable[int],
               old_geometries: dict[int, BaseGeometry | None] | None = None) -> list[Finding]:
        """Re-check after ``dataset.grids`` changed in place (inserts, updates, deletes).

        The checker remembers each grid's previous geometry itself, so ``old_geometries`` is
        only used for fids it has never seen. The shared state is brought up to date first;
        then every rule re-checks the scopes the change puts in question."""
        if not self._ran:
            return self.run_full()
        change = self._apply(sorted(set(changed_fids)), old_geometries or {})
        for r in self.rules:
            keys = list(dict.fromkeys(r.scopes(change)))
            if keys:
                for key, found in check_all(r, keys):
                    self._set(r.name, key, found)
        return self.findings

    def _apply(self, changed: list[int], old_geometries: dict[int, BaseGeometry | None]
               ) -> Change:
        ds, st = self.dataset, self.grids
        units: set[int] = set()
        codes: set[str] = set()
        near: list[BaseGeometry] = []
        for f in changed:
            if f in st:
                old_clean = st.clean(f)
                units.add(st.unit_index(f))
            else:
                old_clean = clean_polygonal(old_geometries.get(f))
            if old_clean is not None:
                near.append(old_clean)
            oc = st.code_of(f)
            if oc:
                codes.add(oc)
            g = ds.grids.get(f)
            if g is None:
                st.delete(f)
                continue
            raw = g.geometry
            valid = bool(raw is not None and valid_mask(np.array([raw], dtype=object))[0])
            clean = raw if valid else clean_polygonal(raw)
            code = (g.code or "").strip()
            st.set(f, clean, valid, code)
            a, cov = self._assign_one(f, (g.unit_code or "").strip())
            st.assign(f, a, cov)
            if code:
                codes.add(code)
            if clean is not None:
                near.append(clean)
                units.add(a)
        self._cache = None
        arr = np.empty(len(near), dtype=object)
        arr[:] = near
        if len(arr):
            _, ui = self.units.tree.query(arr, predicate="intersects")
            units.update(int(i) for i in np.unique(ui))
            _, nf = st.index.query_bulk(arr, "intersects")
            units.update(st.unit_index(int(f)) for f in np.unique(nf))
        unit_codes = {self.units.codes[i] if i >= 0 else None for i in units}
        return Change(fids=changed, present=[f for f in changed if f in ds.grids],
                      geometries=arr, units=unit_codes, codes=codes)


def _coverage_union(row: np.ndarray) -> BaseGeometry | None:
    """One unit's coverage union, None when GEOS refuses it (edges not noded alike)."""
    try:
        return shapely.coverage_union_all(row[~shapely.is_missing(row)])
    except shapely.errors.GEOSException:
        return None


def check_all(rule: Rule, keys: list[Hashable]) -> Iterable[tuple[Hashable, list[Finding]]]:
    """The rule's findings for each key (through its possibly vectorised ``check_many``)."""
    res = rule.check_many(keys)
    return [(k, res.get(k, [])) for k in keys]
