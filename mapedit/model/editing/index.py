"""Indexes over a dataset's grids that editing operations share: grids per unit, codes in use,
and a spatial tree.

Every operation used to scan all grids (finding a unit's grids, the vertex under the cursor,
the neighbours to node against, the codes in use): ~40 ms per call on a 35,000-grid street, on
every edit and — for snapping — on every mouse move. These indexes are built once per grid table
and then brought up to date from the table's change log (:meth:`GridTable.changed_since`), so
after an edit only the changed fids are looked at.

The spatial index is a shapely ``STRtree`` over the grids as they were when it was built plus
a small overlay of the grids changed since (tested one by one); it is rebuilt when the overlay
grows past :data:`OVERLAY_LIMIT`. Results are exactly what a scan would return; only the order
of grids may differ from ``dataset.grids`` order after edits (callers must not rely on it).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from mapedit.model.dataset import Dataset, GridTable
from mapedit.model.hierarchy import MicroGrid

OVERLAY_LIMIT = 512
"""Changed grids kept beside the tree before it is rebuilt (a rebuild costs ~30 ms)."""

_KEY = "editing.index"


def _has_geometry(g: MicroGrid | None) -> bool:
    return g is not None and g.geometry is not None and not g.geometry.is_empty


class GridIndex:
    """Grids per unit, code counts and a spatial tree of one :class:`GridTable`."""

    def __init__(self, table: GridTable) -> None:
        self.table = table
        self._rebuild_all()

    # -- keeping up ------------------------------------------------------------------------
    def _rebuild_all(self) -> None:
        t = self.table
        self.revision = t.revision
        self.by_unit: dict[str, dict[int, None]] = {}
        self.unit_of: dict[int, str] = {}
        self.code_of: dict[int, str] = {}
        self.by_code: dict[str, set[int]] = {}
        for fid, g in t.items():
            self.by_unit.setdefault(g.unit_code, {})[fid] = None
            self.unit_of[fid] = g.unit_code
            self.code_of[fid] = g.code
            self.by_code.setdefault(g.code, set()).add(fid)
        self._rebuild_tree()

    def _rebuild_tree(self) -> None:
        grids = [g for g in self.table.values() if _has_geometry(g)]
        self.tree_grids = grids
        self.tree_fids = np.asarray([g.fid for g in grids], dtype=np.int64)
        geoms = np.empty(len(grids), dtype=object)
        geoms[:] = [g.geometry for g in grids]
        self.tree = shapely.STRtree(geoms) if len(grids) else None
        self.stale: set[int] = set()
        """Fids changed since the tree was built: their tree entries are ignored."""
        self.extra: dict[int, MicroGrid] = {}
        """Current versions of the stale grids that still have a geometry."""

    def sync(self) -> GridIndex:
        """Bring the index up to date with the table (cheap when little changed)."""
        t = self.table
        if self.revision == t.revision:
            return self
        changed = t.changed_since(self.revision)
        if changed is None:
            self._rebuild_all()
            return self
        for fid in changed:
            g = t.get(fid)
            old_unit = self.unit_of.get(fid)
            new_unit = g.unit_code if g is not None else None
            if old_unit != new_unit:
                if old_unit is not None:
                    members = self.by_unit.get(old_unit)
                    if members is not None:
                        members.pop(fid, None)
                        if not members:
                            del self.by_unit[old_unit]
                    del self.unit_of[fid]
                if new_unit is not None:
                    self.by_unit.setdefault(new_unit, {})[fid] = None
                    self.unit_of[fid] = new_unit
            old_code = self.code_of.pop(fid, None)
            if old_code is not None:
                holders = self.by_code[old_code]
                holders.discard(fid)
                if not holders:
                    del self.by_code[old_code]
            if g is not None:
                self.code_of[fid] = g.code
                self.by_code.setdefault(g.code, set()).add(fid)
            self.stale.add(fid)
            if _has_geometry(g):
                self.extra[fid] = g
            else:
                self.extra.pop(fid, None)
        self.revision = t.revision
        if len(self.stale) > OVERLAY_LIMIT:
            self._rebuild_tree()
        return self

    # -- queries ---------------------------------------------------------------------------
    def unit_grids(self, unit_code: str) -> list[MicroGrid]:
        t = self.table
        return [t[f] for f in self.by_unit.get(unit_code, ())]

    def query(self, geometry: BaseGeometry, distance: float = 0.0) -> list[MicroGrid]:
        """Grids (with a geometry) intersecting ``geometry``, or within ``distance`` of it."""
        if geometry is None or geometry.is_empty:
            return []
        out: list[MicroGrid] = []
        if self.tree is not None:
            if distance > 0:
                idx = self.tree.query(geometry, predicate="dwithin", distance=distance)
            else:
                idx = self.tree.query(geometry, predicate="intersects")
            idx = np.sort(idx)
            stale = self.stale
            out = [self.tree_grids[i] for i in idx.tolist()
                   if not stale or int(self.tree_fids[i]) not in stale]
        if self.extra:
            extra = list(self.extra.values())
            arr = np.empty(len(extra), dtype=object)
            arr[:] = [g.geometry for g in extra]
            hit = (shapely.dwithin(arr, geometry, distance) if distance > 0
                   else shapely.intersects(arr, geometry))
            out += [g for g, h in zip(extra, hit.tolist(), strict=True) if h]
        return out


def grid_index(dataset: Dataset) -> GridIndex:
    """The dataset's grid index, up to date (built on first use, kept with the grid table)."""
    table = dataset.grids
    if not isinstance(table, GridTable):  # a Dataset always wraps it; be safe with look-alikes
        return GridIndex(GridTable(table))
    idx = table.derived.get(_KEY)
    if idx is None:
        idx = table.derived[_KEY] = GridIndex(table)
        return idx
    return idx.sync()


def unit_grids(dataset: Dataset, unit_code: str) -> list[MicroGrid]:
    """``dataset.grids_of_unit(unit_code)`` without scanning every grid."""
    return grid_index(dataset).unit_grids(unit_code)


def grids_near(dataset: Dataset, geometry: BaseGeometry, distance: float = 0.0,
               unit_code: str | None = None) -> list[MicroGrid]:
    """Grids intersecting ``geometry`` (or within ``distance``), optionally of one unit."""
    found = grid_index(dataset).query(geometry, distance)
    if unit_code is not None:
        found = [g for g in found if g.unit_code == unit_code]
    return found


def codes_in_use(dataset: Dataset) -> Mapping[str, set[int]]:
    """Grid code → fids of the grids carrying it (a live read-only view: do not modify)."""
    return grid_index(dataset).by_code

