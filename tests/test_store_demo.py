"""The generated demo street stores and reloads exactly (the embedded default project)."""

from __future__ import annotations

from pathlib import Path

import pyogrio
import shapely

import mapedit.demo.generator as generator  # our own module: never skipped
from mapedit.io.gpkg import GpkgStore


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is b
    return a.geom_type == b.geom_type and shapely.to_wkb(a) == shapely.to_wkb(b)


def _demote(g):
    """The store gives a one-part multi geometry back as its single part."""
    if g is not None and g.geom_type in ("MultiPolygon", "MultiLineString") and \
            shapely.get_num_geometries(g) == 1:
        return shapely.get_geometry(g, 0)
    return g


def test_store_demo_round_trip(tmp_path: Path) -> None:
    ds = generator.generate(seed=0)
    path = tmp_path / "示例 街道.gpkg"
    with GpkgStore.create(path, ds) as store:
        back = store.load()
        counts = store.counts()
    assert back.crs == ds.crs
    assert counts["micro_grids"] == len(ds.grids) and counts["units"] == len(ds.units)
    assert list(back.units) == list(ds.units)
    for code, unit in ds.units.items():
        got = back.units[code]
        assert (got.name, got.unit_type, got.responsibility_grid, got.committee, got.locked) == \
            (unit.name, unit.unit_type, unit.responsibility_grid, unit.committee, unit.locked)
        assert _same(got.geometry, _demote(unit.geometry))
    assert sorted(back.grids) == sorted(ds.grids)
    for fid, grid in ds.grids.items():
        got = back.grids[fid]
        assert got.replace(geometry=None) == grid.replace(geometry=None)
        assert _same(got.geometry, _demote(grid.geometry))
    for name, layer in ((ly.id, ly.data) for ly in ds.layers.of_kind("vector")):
        if not len(layer):
            continue
        got = back.base(name)
        assert got.attributes == layer.attributes
        assert all(_same(a, _demote(b)) for a, b in zip(got.geometries, layer.geometries,
                                                          strict=True))
    assert back.settings == ds.settings
    assert back.catalogue.raw == ds.catalogue.raw
    assert pyogrio.read_info(path, layer="micro_grids")["features"] == len(ds.grids)
    assert pyogrio.read_info(path, layer="base_buildings")["crs"] == ds.crs
