"""The state every rule shares, kept by the engine: units, grids, prepared base layers.

Per-grid facts live in numpy arrays indexed by a row number (one ``fid → row`` dict), not in
one dict per fact: eight dicts of 72,000 entries cost more memory than the grids' geometries.
Rules read this state through the methods below (``checker.grids``, ``checker.units``,
``checker.layer(role)``); only the engine writes it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from mapedit.model.dataset import Dataset
from mapedit.model.layers import BaseLayer
from mapedit.model.point_index import BoxIndex
from mapedit.rules.geom import clean_array_valid, clean_polygonal, has_empty_ring
from mapedit.rules.index import GridIndex


class UnitState:
    """The management units as the rules see them: codes in dataset order, their repaired
    (valid, prepared) geometries and a tree. Units do not change while a checker lives."""

    def __init__(self, dataset: Dataset) -> None:
        codes = list(dataset.units)
        self.codes: list[str] = codes
        self.pos: dict[str, int] = {c: i for i, c in enumerate(codes)}
        raw = [dataset.units[c].geometry for c in codes]
        geoms, ok = clean_array_valid(raw)
        self.raw: list[BaseGeometry | None] = raw
        self.ok: np.ndarray = ok
        """Units whose own geometry was already a valid polygon."""
        # Own copies, prepared: a prepared geometry builds its indexes on first use and is not
        # thread-safe, and the window uses the units' own geometries while a background
        # check runs (the checker prepares nothing it shares).
        geoms = shapely.force_2d(geoms)
        shapely.prepare(geoms)
        self.geoms: np.ndarray = geoms
        """Repaired geometry of each unit (None when nothing polygonal is left)."""
        self.tree = shapely.STRtree(geoms)
        self.tree.query(shapely.box(0, 0, 0, 0))  # built now, before two threads query it

    def geom(self, code: str | None) -> BaseGeometry | None:
        i = self.pos.get(code) if code is not None else None
        return None if i is None else self.geoms[i]

    def query(self, geom: BaseGeometry) -> list[str]:
        """Codes of the units ``geom`` intersects."""
        return [self.codes[i] for i in self.tree.query(geom, predicate="intersects")]


class GridState:
    """Each grid's repaired geometry, validity, unit and code.

    ``geom`` is the grid's own geometry when valid, else :func:`clean_polygonal`'s copy (None
    when nothing polygonal is left); ``unit`` the index (into ``UnitState.codes``) of the unit
    the grid is assigned to (its declared unit when that exists and it lies in some unit,
    else the unit holding most of it; -1: none); ``covered`` whether that unit covers it. A
    grid is *dirty* when it has a geometry that is invalid or not covered by its unit: such
    grids make their units suspect for the topology fast paths."""

    def __init__(self) -> None:
        self.row: dict[int, int] = {}
        self.n = 0
        self._free: list[int] = []
        self.fid = np.zeros(0, dtype=np.int64)
        self.geom = np.empty(0, dtype=object)
        self.valid = np.zeros(0, dtype=bool)
        self.covered = np.zeros(0, dtype=bool)
        self.unit = np.zeros(0, dtype=np.int32)
        self.code = np.empty(0, dtype=object)
        self.live = np.zeros(0, dtype=bool)
        self.has = np.zeros(0, dtype=bool)
        """Rows holding a grid with a (repaired) geometry."""
        self._code_fids: dict[str, int | set[int]] = {}
        self._groups: dict[int, list[int]] | None = None
        self.index: GridIndex | None = None

    # -- bulk (full check) ------------------------------------------------------------------
    def load(self, fids: list[int], geoms: np.ndarray, valid: np.ndarray,
             codes: list[str]) -> None:
        """All grids at once, rows in ``fids`` order (sorted), units not yet assigned."""
        n = len(fids)
        self.n = n
        self._free = []
        self.row = dict(zip(fids, range(n), strict=True))
        self.fid = np.asarray(fids, dtype=np.int64)
        self.geom = geoms
        self.valid = valid
        self.covered = np.zeros(n, dtype=bool)
        self.unit = np.full(n, -1, dtype=np.int32)
        self.code = np.empty(n, dtype=object)
        self.code[:] = codes
        self.live = np.ones(n, dtype=bool)
        self.has = ~shapely.is_missing(geoms)
        cf: dict[str, int | set[int]] = {}
        for f, c in zip(fids, codes, strict=True):
            if c:
                old = cf.get(c)
                if old is None:
                    cf[c] = f
                elif isinstance(old, set):
                    old.add(f)
                else:
                    cf[c] = {old, f}
        self._code_fids = cf
        self._groups = None
        self.build_index()

    def build_index(self) -> None:
        self.index = GridIndex(self._index_source)
        self.index.tree.query(shapely.box(0, 0, 0, 0))  # built now (two threads query it)

    def _index_source(self) -> tuple[np.ndarray, np.ndarray]:
        n = self.n
        keep = self.has[:n]
        return self.fid[:n][keep], self.geom[:n][keep]

    def assigned(self, unit: np.ndarray, covered: np.ndarray) -> None:
        self.unit[:self.n] = unit
        self.covered[:self.n] = covered
        self._groups = None

    # -- one grid (incremental) -------------------------------------------------------------
    def set(self, fid: int, geom: BaseGeometry | None, valid: bool, code: str) -> None:
        r = self.row.get(fid)
        if r is None:
            r = self._new_row(fid)
        else:
            self._drop_code(fid, self.code[r])
        self.geom[r], self.valid[r], self.code[r] = geom, valid, code
        self.has[r] = geom is not None
        self.unit[r], self.covered[r] = -1, False
        self._add_code(fid, code)
        self._groups = None
        if self.index is not None:
            self.index.set(fid, geom)

    def assign(self, fid: int, unit: int, covered: bool) -> None:
        r = self.row[fid]
        self.unit[r], self.covered[r] = unit, covered
        self._groups = None

    def delete(self, fid: int) -> None:
        r = self.row.pop(fid, None)
        if r is None:
            return
        self._drop_code(fid, self.code[r])
        self.geom[r], self.code[r], self.live[r], self.has[r] = None, "", False, False
        self.unit[r], self.valid[r], self.covered[r] = -1, False, False
        self._free.append(r)
        self._groups = None
        if self.index is not None:
            self.index.set(fid, None)

    def _new_row(self, fid: int) -> int:
        if self._free:
            r = self._free.pop()
        else:
            if self.n == len(self.fid):
                self._grow(max(16, 2 * self.n))
            r = self.n
            self.n += 1
        self.row[fid] = r
        self.fid[r] = fid
        self.live[r] = True
        return r

    def _grow(self, size: int) -> None:
        def grown(a: np.ndarray, fill) -> np.ndarray:
            out = np.empty(size, dtype=a.dtype)
            out[:len(a)] = a
            out[len(a):] = fill
            return out

        self.fid = grown(self.fid, 0)
        self.geom = grown(self.geom, None)
        self.valid = grown(self.valid, False)
        self.covered = grown(self.covered, False)
        self.unit = grown(self.unit, -1)
        self.code = grown(self.code, "")
        self.live = grown(self.live, False)
        self.has = grown(self.has, False)

    def _add_code(self, fid: int, code: str) -> None:
        if not code:
            return
        old = self._code_fids.get(code)
        if old is None:
            self._code_fids[code] = fid
        elif isinstance(old, set):
            old.add(fid)
        elif old != fid:
            self._code_fids[code] = {old, fid}

    def _drop_code(self, fid: int, code: str | None) -> None:
        if not code:
            return
        old = self._code_fids.get(code)
        if old is None:
            return
        if isinstance(old, set):
            old.discard(fid)
            if len(old) == 1:
                self._code_fids[code] = next(iter(old))
            elif not old:
                del self._code_fids[code]
        elif old == fid:
            del self._code_fids[code]

    # -- reading ----------------------------------------------------------------------------
    def __contains__(self, fid: int) -> bool:
        return fid in self.row

    def clean(self, fid: int) -> BaseGeometry | None:
        r = self.row.get(fid)
        return None if r is None else self.geom[r]

    def is_valid(self, fid: int) -> bool:
        r = self.row.get(fid)
        return bool(r is not None and self.valid[r])

    def unit_index(self, fid: int) -> int:
        r = self.row.get(fid)
        return -1 if r is None else int(self.unit[r])

    def is_covered(self, fid: int) -> bool:
        r = self.row.get(fid)
        return bool(r is not None and self.covered[r])

    def is_dirty(self, fid: int) -> bool:
        """True for an unknown fid too (callers treat it as suspect)."""
        r = self.row.get(fid)
        if r is None:
            return True
        return bool(self.geom[r] is not None and not (self.valid[r] and self.covered[r]))

    def dirty_mask(self) -> np.ndarray:
        n = self.n
        return self.has[:n] & ~(self.valid[:n] & self.covered[:n])

    def code_of(self, fid: int) -> str:
        r = self.row.get(fid)
        return "" if r is None else self.code[r]

    def fids_with_code(self, code: str) -> list[int]:
        v = self._code_fids.get(code)
        if v is None:
            return []
        return sorted(v) if isinstance(v, set) else [v]

    def duplicate_codes(self) -> list[str]:
        return [c for c, v in self._code_fids.items() if isinstance(v, set) and len(v) > 1]

    def members(self, unit: int) -> list[int]:
        """Fids (sorted) of the grids with a geometry assigned to unit index ``unit`` (-1:
        the grids in no unit)."""
        if self._groups is not None:
            return list(self._groups.get(unit, ()))
        n = self.n
        sel = (self.unit[:n] == unit) & self.has[:n]
        return sorted(self.fid[:n][sel].tolist())

    def groups(self) -> dict[int, list[int]]:
        """Every unit index's members at once (full check), cached until the next change."""
        if self._groups is None:
            n = self.n
            sel = np.flatnonzero(self.has[:n])
            order = sel[np.lexsort((self.fid[sel], self.unit[sel]))]
            units, start = np.unique(self.unit[order], return_index=True)
            fids = self.fid[order].tolist()
            bounds = [*start.tolist(), len(order)]
            self._groups = {int(u): fids[bounds[k]:bounds[k + 1]]
                            for k, u in enumerate(units.tolist())}
        return self._groups

    def rows_of(self, fids: Iterable[int]) -> np.ndarray:
        row = self.row
        return np.array([row[f] for f in fids], dtype=np.int64)


POLYGONAL = (3, 6)


class PreparedLayer:
    """A base layer (all features of one role) as the rules use it: geometries GEOS may be
    given without crashing (empty rings removed, non-polygonal ones None), a tree built on
    first use, and a cleaned (valid) copy of any subset for overlays. Validity of the whole
    layer is not computed up front: 370,000 buildings are only ever overlaid a few thousand at
    a time."""

    def __init__(self, layer: BaseLayer) -> None:
        self.layer = layer
        geoms = np.asarray(layer.geometries, dtype=object)
        types = shapely.get_type_id(geoms)
        ok = np.isin(types, POLYGONAL)
        ok[ok] = ~shapely.is_empty(geoms[ok])
        # the empty-ring test (what crashes GEOS) only where a ring or part can be empty
        maybe = ok & ((types == 6) | (shapely.get_num_interior_rings(geoms) > 0))
        bad = np.flatnonzero(~ok | (maybe & ~valid_mask_where(geoms, maybe)))
        if len(bad):
            geoms = geoms.copy()
            for i in bad.tolist():
                geoms[i] = clean_polygonal(geoms[i])
        self.geoms: np.ndarray = geoms
        self._lock = threading.Lock()
        self._tree: shapely.STRtree | None = None
        self._index: BoxIndex | None = None
        self._valid: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.geoms)

    @property
    def index(self) -> BoxIndex:
        """Which features a geometry intersects (the incremental check's scopes): smaller
        than :attr:`tree` for 370,000 buildings, which the window keeps all session."""
        with self._lock:
            if self._index is None:
                self._index = BoxIndex(self.geoms)
            return self._index

    @property
    def tree(self) -> shapely.STRtree:
        with self._lock:
            if self._tree is None:
                self._tree = shapely.STRtree(self.geoms)
                self._tree.query(shapely.box(0, 0, 0, 0))
            return self._tree

    def valid(self, idx: np.ndarray) -> np.ndarray:
        """Valid polygonal geometries of features ``idx`` (repaired where needed; None where
        nothing is left), for overlays."""
        g = self.geoms[idx]
        ok = ~shapely.is_missing(g)
        ok[ok] = shapely.is_valid(g[ok])
        if not ok.all():
            g = g.copy()
            for i in np.flatnonzero(~ok).tolist():
                g[i] = clean_polygonal(g[i])
        return g

    def column(self, key: str, default=None) -> list:
        return self.layer.column(key, default)


def valid_mask_where(geoms: np.ndarray, where: np.ndarray) -> np.ndarray:
    """False for the geometries selected by ``where`` that have an empty ring (True
    elsewhere)."""
    out = np.ones(len(geoms), dtype=bool)
    idx = np.flatnonzero(where)
    if len(idx):
        out[idx] = [not has_empty_ring(g) for g in geoms[idx]]
    return out
