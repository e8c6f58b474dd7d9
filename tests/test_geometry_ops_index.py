"""The grid indexes editing shares (grids per unit, codes, spatial tree) must answer exactly
what a scan of ``dataset.grids`` would, however the grids were changed."""

from __future__ import annotations

import copy
import pickle
from collections import Counter

import numpy as np
import shapely
import shapely.affinity
from shapely.geometry import Point, box

from mapedit.model.dataset import Dataset, GridTable
from mapedit.model.editing import index
from mapedit.model.geometry_ops import Snapper, snap_point
from mapedit.model.hierarchy import MicroGrid, Unit

X, Y = 500_000.0, 3_400_000.0


def _grid(fid: int, unit: str, x: float, y: float, size: float = 10.0) -> MicroGrid:
    return MicroGrid(f"{unit}{fid:03d}", f"g{fid}", "小区", box(x, y, x + size, y + size),
                     unit, fid=fid)


def _scan_near(ds: Dataset, geom, distance: float) -> set[int]:
    return {g.fid for g in ds.grids.values() if g.geometry is not None
            and (g.geometry.distance(geom) <= distance if distance > 0
                 else g.geometry.intersects(geom))}


def test_grid_table_counts_every_kind_of_change() -> None:
    ds = Dataset(crs="EPSG:4549", grids={1: _grid(1, "U1", X, Y)})
    assert isinstance(ds.grids, GridTable)
    r0 = ds.revision
    ds.grids[2] = _grid(2, "U1", X + 10, Y)
    ds.grids.pop(1)
    ds.grids.setdefault(3, _grid(3, "U2", X, Y))
    ds.grids.update({4: _grid(4, "U2", X + 20, Y)})
    del ds.grids[4]
    assert ds.grids.changed_since(r0) == {1, 2, 3, 4}
    assert ds.revision == r0 + 5
    ds.grids.clear()
    assert ds.grids.changed_since(r0) is None
    ds.grids = {7: _grid(7, "U1", X, Y)}  # a plain dict assigned by a script is wrapped
    assert isinstance(ds.grids, GridTable)
    for clone in (copy.deepcopy(ds), pickle.loads(pickle.dumps(ds))):
        assert isinstance(clone.grids, GridTable) and clone.grids == ds.grids
        assert clone.grids.derived == {}


def test_index_follows_random_edits() -> None:
    rng = np.random.default_rng(7)
    ds = Dataset(crs="EPSG:4549")
    units = ["U1", "U2", "U3"]
    fid = 0
    for _ in range(60):
        fid += 1
        ds.grids[fid] = _grid(fid, units[fid % 3], X + rng.uniform(0, 300), Y + rng.uniform(0, 300))
    index.grid_index(ds)  # built now, kept up to date from here on
    for step in range(700):  # past OVERLAY_LIMIT so the tree is rebuilt on the way
        op = rng.integers(0, 4)
        fids = list(ds.grids)
        if op == 0 or not fids:
            fid += 1
            ds.grids[fid] = _grid(fid, units[rng.integers(0, 3)], X + rng.uniform(0, 300),
                                  Y + rng.uniform(0, 300))
        elif op == 1:
            f = fids[rng.integers(0, len(fids))]
            g = ds.grids[f]
            ds.grids[f] = g.replace(geometry=shapely.affinity.translate(
                g.geometry, rng.uniform(-40, 40), rng.uniform(-40, 40)))
        elif op == 2:
            del ds.grids[fids[rng.integers(0, len(fids))]]
        else:
            f = fids[rng.integers(0, len(fids))]
            ds.grids[f] = ds.grids[f].replace(unit_code=units[rng.integers(0, 3)],
                                              code=f"C{rng.integers(0, 20)}")
        if step % 25 == 0:
            for u in units:
                assert {g.fid for g in index.unit_grids(ds, u)} == \
                    {g.fid for g in ds.grids.values() if g.unit_code == u}
            codes = index.codes_in_use(ds)
            assert {c: len(f) for c, f in codes.items()} == \
                dict(Counter(g.code for g in ds.grids.values()))
            p = Point(X + rng.uniform(0, 300), Y + rng.uniform(0, 300))
            for d in (0.0, 15.0):
                got = [g.fid for g in index.grids_near(ds, p.buffer(20), d)]
                assert len(got) == len(set(got))
                assert set(got) == _scan_near(ds, p.buffer(20), d)


def test_snapper_follows_grid_edits_without_rebuild() -> None:
    ds = Dataset(crs="EPSG:4549")
    ds.units["U1"] = Unit("U1", "u", "小区", box(X, Y, X + 100, Y + 100))
    ds.grids[1] = _grid(1, "U1", X, Y, 50)
    sn = Snapper(ds)
    assert sn.snap(X + 49, Y + 25, 2.0).source == "grid:1"
    ds.grids[1] = ds.grids[1].replace(geometry=box(X, Y, X + 60, Y + 50))
    assert not sn.fresh(ds) and sn.static_fresh(ds)
    r = sn.snap(X + 59, Y + 25, 2.0)
    assert (r.source, r.kind, r.x) == ("grid:1", "segment", X + 60)
    assert sn.snap(X + 49, Y + 25, 2.0) is None
    # The unit boundary wins a tie with a grid vertex on it, as the layers are listed.
    assert snap_point(ds, X + 0.5, Y + 0.5, 2.0).source == "unit:U1"
    assert snap_point(ds, X + 0.5, Y + 0.5, 2.0, layers=("grids", "units")).source == "grid:1"
