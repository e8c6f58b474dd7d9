"""A spatial index over micro-grids that tolerates edits.

``shapely.STRtree`` is immutable; rebuilding it for 35,000 grids after every vertex move would
eat the incremental budget. So the index keeps the tree of the last snapshot, a set of fids whose
tree entries are stale, and a small dict of their current geometries searched linearly. When
that dict grows past ``max_extra`` the tree is rebuilt (a few ms), amortised over many edits.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

_PREDICATES: dict[str, Callable] = {
    "intersects": shapely.intersects,
    "overlaps": shapely.overlaps,
    "contains": shapely.contains,
    "covered_by": shapely.covered_by,
}


class GridIndex:
    """``source()`` returns the current (fids, geometries) arrays; the index reads it when it
    is built and whenever it rebuilds itself."""

    def __init__(self, source: Callable[[], tuple[np.ndarray, np.ndarray]],
                 max_extra: int = 256) -> None:
        self.max_extra = max_extra
        self._source = source
        self.rebuild()

    def rebuild(self) -> None:
        all_fids, all_geoms = self._source()
        keep = ~shapely.is_missing(all_geoms)
        keep[keep] = ~shapely.is_empty(all_geoms[keep])
        self.fids = all_fids[keep]
        self.geoms = all_geoms[keep]
        # The tree's geometries are not prepared: a query prepares its input, and
        # preparing 72,000 grids would keep their GEOS indexes alive as long as the grids.
        self.tree = shapely.STRtree(self.geoms)
        self.stale: set[int] = set()
        self.extra: dict[int, BaseGeometry] = {}
        self._extra_arrays: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def set(self, fid: int, geom: BaseGeometry | None) -> None:
        """Record the current geometry of ``fid`` (None: deleted or no geometry)."""
        self.stale.add(fid)
        if geom is not None and not geom.is_empty:
            self.extra[fid] = geom
        else:
            self.extra.pop(fid, None)
        self._extra_arrays = None
        if len(self.stale) > self.max_extra:
            self.rebuild()

    def _extras(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The extra geometries as arrays (fids, geometries, bounds), rebuilt after a change:
        up to ``max_extra`` of them are searched on every query, by bounds first."""
        if self._extra_arrays is None:
            ef = np.fromiter(self.extra.keys(), dtype=np.int64, count=len(self.extra))
            eg = np.empty(len(ef), dtype=object)
            eg[:] = list(self.extra.values())
            self._extra_arrays = (ef, eg, shapely.bounds(eg).reshape(len(ef), 4))
        return self._extra_arrays

    def _extra_hits(self, geom: BaseGeometry, predicate: str) -> list[int]:
        ef, eg, eb = self._extras()
        if not len(ef):
            return []
        x0, y0, x1, y1 = shapely.bounds(geom)
        near = (eb[:, 0] <= x1) & (eb[:, 2] >= x0) & (eb[:, 1] <= y1) & (eb[:, 3] >= y0)
        if not near.any():
            return []
        hit = _PREDICATES[predicate](geom, eg[near])
        return ef[near][hit].tolist()

    def query(self, geom: BaseGeometry, predicate: str = "intersects") -> list[int]:
        """Fids whose current geometry satisfies ``predicate`` with ``geom``
        (``predicate(geom, grid)``, as in ``STRtree.query``)."""
        idx = self.tree.query(geom, predicate=predicate)
        out = [int(f) for f in self.fids[idx]]
        if self.stale:
            out = [f for f in out if f not in self.stale]
            if self.extra:
                out += self._extra_hits(geom, predicate)
        return out

    def query_bulk(self, geoms: np.ndarray, predicate: str = "intersects"
                   ) -> tuple[np.ndarray, np.ndarray]:
        """Pairs (index into ``geoms``, fid) like ``STRtree.query`` on an array."""
        if len(geoms) == 0:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        qi, ti = self.tree.query(geoms, predicate=predicate)
        fids = self.fids[ti]
        if self.stale:
            keep = ~np.isin(fids, np.fromiter(self.stale, dtype=np.int64))
            qi, fids = qi[keep], fids[keep]
            if self.extra:
                fn = _PREDICATES[predicate]
                ef, eg, eb = self._extras()
                gb = shapely.bounds(geoms).reshape(len(geoms), 4)
                near = ((eb[None, :, 0] <= gb[:, None, 2]) & (eb[None, :, 2] >= gb[:, None, 0])
                        & (eb[None, :, 1] <= gb[:, None, 3]) & (eb[None, :, 3] >= gb[:, None, 1]))
                ii, jj = np.nonzero(near)
                hit = fn(geoms[ii], eg[jj])
                qi = np.concatenate([qi, ii[hit]])
                fids = np.concatenate([fids, ef[jj[hit]]])
        return qi.astype(np.int64), fids.astype(np.int64)
