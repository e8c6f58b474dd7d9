"""Exported geometry is valid and neighbours still share their edges after rounding to 7
decimals (WGS84 and GCJ-02), and the pre-export check names what rounding changes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import shapely
from shapely.geometry import Polygon, box, shape

from mapedit.cli import main
from mapedit.io.crs import from_wgs84, gcj02_to_wgs84, metric_crs_for
from mapedit.io.exchange import export_shape_changes, prepare_export, write_exchange
from mapedit.model.dataset import Dataset
from mapedit.model.hierarchy import MicroGrid, Street, Unit
from mapedit.model.precision import round_geometries, round_valid, shape_changed

LON, LAT = 121.1, 31.1
CRS = metric_crs_for(LON, LAT)
U = "310118005001"
D, H = 0.002, 0.001
SLIT = 3e-8  # about 3 mm of latitude


def slit_pair(ym: float, to_lonlat=None) -> tuple[Polygon, Polygon]:
    """West grid with a 3 mm slit cut in from its east edge, east grid with the matching
    spike: valid, a clean coverage, and the two sides of the slit round to the same 7-decimal
    latitude (``ym`` and ``ym + 3e-8``). ``to_lonlat`` maps the design coordinates (e.g. from
    GCJ-02) to WGS84."""
    x0, x1, xm = LON, LON + D, LON + H
    west = [(x0, LAT), (xm, LAT), (xm, ym), (x0 + H / 2, ym), (x0 + H / 2, ym + SLIT),
            (xm, ym + SLIT), (xm, LAT + D), (x0, LAT + D)]
    east = [(xm, LAT), (x1, LAT), (x1, LAT + D), (xm, LAT + D), (xm, ym + SLIT),
            (x0 + H / 2, ym + SLIT), (x0 + H / 2, ym), (xm, ym)]
    if to_lonlat is not None:
        west = [tuple(map(float, to_lonlat(x, y))) for x, y in west]
        east = [tuple(map(float, to_lonlat(x, y))) for x, y in east]
    return Polygon(west), Polygon(east)


def dataset_of(west: Polygon, east: Polygon) -> Dataset:
    m = lambda g: from_wgs84(g, CRS)  # noqa: E731
    unit = Unit(U, "夏阳湖居委", "小区", m(box(LON, LAT, LON + D, LAT + D)), "RG1", "夏阳街道")
    grids = [MicroGrid(U + "001", "西", "小区", m(west), U, households=400, fid=1),
             MicroGrid(U + "002", "东", "小区", m(east), U, households=400, fid=2)]
    return Dataset(crs=CRS, street=Street("310118005", "夏阳街道"), units={U: unit},
                   grids={g.fid: g for g in grids})


def exported_grids(path: Path) -> dict[str, Polygon]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return {f["properties"]["code"]: shape(f["geometry"]) for f in data["features"]}


def test_plain_rounding_would_break_the_slit() -> None:
    """The premise: rounding each coordinate on its own makes the west grid invalid."""
    west, east = slit_pair(LAT + 0.0010000)
    assert west.is_valid and east.is_valid
    assert shapely.coverage_is_valid(np.array([west, east]))
    plain = shapely.transform(west, lambda c: np.round(c, 7))
    assert not plain.is_valid


@pytest.mark.parametrize("coords", ["wgs84", "gcj02"])
def test_export_keeps_geometry_valid_and_edges_shared(tmp_path: Path, coords: str) -> None:
    if coords == "gcj02":  # design the slit in GCJ-02, where the export rounds
        west, east = slit_pair(LAT + 0.0010000, to_lonlat=gcj02_to_wgs84)
    else:
        west, east = slit_pair(LAT + 0.0010000)
    ds = dataset_of(west, east)
    _up, gp = write_exchange(ds, tmp_path / coords, coordinate_system=coords)
    out = exported_grids(gp)
    assert all(g.is_valid for g in out.values()), {c: g.wkt for c, g in out.items()}
    assert shapely.coverage_is_valid(np.array(list(out.values())))
    # the slit and the spike (3 mm wide) cannot exist at 7 decimals: they go, and it says so
    changes = prepare_export(ds, coords).changes
    assert [c.code for c in changes] == [U + "001", U + "002"]
    assert "东" in changes[1].message() and "7 decimals" in changes[1].message()


def test_snap_rounding_one_grid_renodes_its_neighbour() -> None:
    """A notch in the west grid reaching within 3 mm of the shared edge: snap-rounding bends
    that edge through the notch's tip, so the east grid gets the same vertex."""
    xm, ym = LON + H, LAT + 0.001
    west = Polygon([(LON, LAT), (xm, LAT), (xm, LAT + D), (LON, LAT + D), (LON, ym + 0.0002),
                    (xm - SLIT, ym), (LON, ym - 0.0002)])
    east = box(xm, LAT, LON + D, LAT + D)
    assert west.is_valid and shapely.coverage_is_valid(np.array([west, east]))
    result = round_geometries([west, east], 1e-7)
    a, b = result.geometries
    assert a.is_valid and b.is_valid
    assert shapely.coverage_is_valid(np.array([a, b]))
    assert sorted(result.repaired.tolist()) == [0, 1] and result.unmatched == []
    assert (round(xm, 7), round(ym, 7)) in set(map(tuple, np.round(shapely.get_coordinates(b), 7)))


def test_round_valid_on_one_geometry_and_collapse() -> None:
    tiny = box(LON, LAT, LON + 1e-9, LAT + 1e-9)
    assert round_valid(tiny, 1e-7).is_empty
    sq = box(LON, LAT, LON + 0.001, LAT + 0.001)
    assert shapely.equals_exact(round_valid(sq, 1e-7), sq, tolerance=1e-9)
    assert shape_changed(sq, round_valid(tiny, 1e-7), 0.01)


def test_shape_changed_counts_parts_and_holes() -> None:
    outer = box(0, 0, 10, 10)
    with_hole = outer.difference(box(4, 4, 4.001, 4.001))
    assert shape_changed(with_hole, outer, 0.01)  # the hole closed, though it moved little
    assert not shape_changed(outer, shapely.affinity.translate(outer, 0.001), 0.01)
    assert list(shape_changed([outer, outer], [outer, box(0, 0, 20, 10)], 0.01)) == [False,
                                                                                      True]


def test_cli_export_warns_about_changed_shapes(tmp_path: Path, capsys) -> None:
    from mapedit.project import Project

    path = tmp_path / "p.gpkg"
    Project.create(path, dataset_of(*slit_pair(LAT + 0.0010000))).close()
    assert main(["export", str(path), str(tmp_path / "out")]) == 0
    err = capsys.readouterr().err
    assert "导出后形状会改变" in err and U + "002" in err and "东" in err
    assert export_shape_changes(Project.open(path).dataset)  # the GUI's entry point


def test_invalid_and_empty_stored_grids_export_valid_or_not_at_all(tmp_path: Path) -> None:
    """An import may bring a bow tie or an empty grid into the project (the checker reports
    them); export still writes only valid geometry, names the bow tie, leaves the empty out."""
    west, east = slit_pair(LAT + 0.0010000)
    ds = dataset_of(west, east)
    bow = from_wgs84(Polygon([(LON, LAT), (LON + H, LAT + D), (LON + H, LAT), (LON, LAT + D)]),
                     CRS)
    ds.grids[3] = MicroGrid(U + "003", "蝴蝶", "小区", bow, U, households=400, fid=3)
    ds.grids[4] = MicroGrid(U + "004", "空", "小区", Polygon(), U, households=400, fid=4)
    notes: list[str] = []
    _up, gp = write_exchange(ds, tmp_path, messages=notes)
    out = exported_grids(gp)
    assert all(g.is_valid and not g.is_empty for g in out.values())
    assert U + "003" in out and U + "004" not in out
    assert any(U + "004" in n for n in notes)
    assert U + "003" in {c.code for c in prepare_export(ds).changes}
