"""Exchange writing per the contract, round trips, and independent RFC 7946 checks."""

from __future__ import annotations

import json
import re
from pathlib import Path

import geojson
import numpy as np
import pyogrio
import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon, box

from mapedit.io.crs import from_wgs84, metric_crs_for, to_wgs84
from mapedit.io.exchange import (
    gcj02_to_wgs84,
    read_grids,
    read_units,
    wgs84_to_gcj02,
    write_exchange,
)
from mapedit.model.dataset import Dataset
from mapedit.model.hierarchy import MicroGrid, Street, Unit

LON, LAT = 121.1, 31.1
CRS = metric_crs_for(LON, LAT)
UNIT = "310118005001"
UNIT2 = "310118005002"


def _metric(geom):
    return from_wgs84(geom, CRS)


def make_dataset() -> Dataset:
    """Two units, five grids: a hole, a multipolygon, awkward coordinates, full attributes."""
    d = 0.002
    u1 = Unit(UNIT, "夏阳湖居委", "小区", _metric(box(LON, LAT, LON + d, LAT + d)),
              responsibility_grid="RG1", street="夏阳街道")
    u2 = Unit(UNIT2, "塘郁村", "农村", _metric(box(LON + d, LAT, LON + 2 * d, LAT + d)),
              responsibility_grid="RG1", street="夏阳街道")
    h = d / 2
    # Coordinates with many decimals; rounding to 7 decimals must not break anything.
    west = box(LON, LAT, LON + h + 1.23456789e-9, LAT + d)
    ring_hole = Polygon(
        [(LON + h, LAT), (LON + d, LAT), (LON + d, LAT + h), (LON + h, LAT + h)],
        [[(LON + 0.0012, LAT + 0.0002), (LON + 0.0014, LAT + 0.0002),
          (LON + 0.0014, LAT + 0.0004), (LON + 0.0012, LAT + 0.0004)]])
    ne = box(LON + h, LAT + h, LON + d, LAT + d)
    multi = MultiPolygon([box(LON + d, LAT, LON + 1.5 * d, LAT + d),
                          box(LON + 1.6 * d, LAT, LON + 2 * d, LAT + d)])
    grids = [
        MicroGrid(UNIT + "001", "夏阳湖一期1号微网格", "小区", _metric(west), UNIT,
                  ["自治办", "城建中心", "各居"], 420, 1300,
                  {"east": "青赵路", "south": "河道", "west": "外青松公路", "north": "盈港东路"},
                  notes="含 \"引号\" 与\n换行", created="2026-01-01T00:00:00+00:00",
                  updated="2026-02-01T00:00:00+00:00"),
        MicroGrid(UNIT + "002", "夏阳湖一期2号微网格", "社区-学校", _metric(ring_hole), UNIT,
                  [], None, None),
        MicroGrid(UNIT + "003", "夏阳湖一期3号微网格", "社区—企业", _metric(ne), UNIT,
                  ["营商办"], None, 10),
        MicroGrid(UNIT2 + "001", "塘郁村1组", "村组", _metric(multi), UNIT2,
                  ["自治办", "社发中心", "各村"], 350, 900),
    ]
    return Dataset(crs=CRS, street=Street("310118005", "夏阳街道"),
                   units={u.code: u for u in (u1, u2)},
                   grids={i: g.replace(fid=i) for i, g in enumerate(grids, start=1)})


@pytest.fixture()
def exported(tmp_path: Path) -> tuple[Dataset, Path, Path]:
    ds = make_dataset()
    up, gp = write_exchange(ds, tmp_path / "导出 目录")
    return ds, up, gp


def _rings(geom: dict):
    polys = [geom["coordinates"]] if geom["type"] == "Polygon" else geom["coordinates"]
    for poly in polys:
        yield from enumerate(poly)


def test_contract_shape(exported) -> None:
    _ds, up, gp = exported
    for path in (up, gp):
        text = path.read_text(encoding="utf-8")
        assert "\\u" not in text, "Chinese must be real characters"
        data = json.loads(text)
        assert data["type"] == "FeatureCollection"
        assert "crs" not in data and "coordinate_system" not in data
        for f in data["features"]:
            assert f["type"] == "Feature"
            assert f["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert "夏阳湖一期1号微网格" in gp.read_text(encoding="utf-8")


def test_seven_decimals_and_no_duplicate_points(exported) -> None:
    _ds, up, gp = exported
    for path in (up, gp):
        text = path.read_text(encoding="utf-8")
        coords_text = re.findall(r'"coordinates":(\[.*?\]\]\]+)', text)
        assert coords_text
        for chunk in coords_text:
            for num in re.findall(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?", chunk):
                assert "e" not in num.lower()
                if "." in num:
                    assert len(num.split(".")[1]) <= 7, num
        for f in json.loads(text)["features"]:
            for _k, ring in _rings(f["geometry"]):
                assert ring[0] == ring[-1] and len(ring) >= 4
                assert all(a != b for a, b in zip(ring, ring[1:], strict=False))


def test_ring_orientation(exported) -> None:
    _ds, _up, gp = exported
    saw_hole = False
    for f in json.loads(gp.read_text(encoding="utf-8"))["features"]:
        for k, ring in _rings(f["geometry"]):
            ccw = shapely.LinearRing(ring).is_ccw
            assert ccw == (k == 0), f"ring {k} of {f['properties']['code']}"
            saw_hole |= k > 0
    assert saw_hole


def test_properties(exported) -> None:
    ds, up, gp = exported
    grids = {f["properties"]["code"]: f["properties"]
             for f in json.loads(gp.read_text(encoding="utf-8"))["features"]}
    p1 = grids[UNIT + "001"]
    assert list(p1)[:9] == ["code", "name", "category", "unit_code", "departments",
                            "households", "population", "four_bounds", "area_m2"]
    assert p1["households"] == 420 and isinstance(p1["households"], int)
    assert p1["four_bounds"]["east"] == "青赵路"
    assert p1["notes"] == "含 \"引号\" 与\n换行"
    assert abs(p1["area_m2"] - round(ds.grids[1].geometry.area, 2)) < 0.01
    # Empty departments get the category's defaults from the catalogue.
    assert grids[UNIT + "002"]["departments"] == ["服务办"]
    assert grids[UNIT + "003"]["category"] == "社区-企业"  # dashes normalised for the platform
    units = {f["properties"]["code"]: f["properties"]
             for f in json.loads(up.read_text(encoding="utf-8"))["features"]}
    assert {k: units[UNIT][k] for k in ("code", "name", "unit_type", "responsibility_grid",
                                        "street")} == {
        "code": UNIT, "name": "夏阳湖居委", "unit_type": "小区",
        "responsibility_grid": "RG1", "street": "夏阳街道"}


def test_round_trip(exported) -> None:
    ds, up, gp = exported
    units, crs, msgs = read_units(up)
    assert crs == ds.crs and msgs == []
    grids, gmsgs = read_grids(gp, crs, units)
    assert gmsgs == []
    assert {u.code for u in units} == set(ds.units)
    for u in units:
        orig = ds.units[u.code]
        assert (u.name, u.unit_type, u.responsibility_grid, u.street) == (
            orig.name, orig.unit_type, orig.responsibility_grid, orig.street)
        assert u.geometry.equals_exact(orig.geometry, 0.02) or \
            shapely.hausdorff_distance(u.geometry, orig.geometry) < 0.02
    by_code = {g.code: g for g in ds.grids.values()}
    assert {g.code for g in grids} == set(by_code)
    for g in grids:
        o = by_code[g.code]
        assert g.name == o.name and g.unit_code == o.unit_code
        assert g.households == o.households and g.population == o.population
        assert g.four_bounds == o.four_bounds and g.notes == o.notes
        assert g.created == o.created and g.updated == o.updated
        assert g.departments == (o.departments or ds.catalogue.default_departments(o.category))
        assert g.geometry.geom_type == o.geometry.geom_type
        assert shapely.hausdorff_distance(g.geometry, o.geometry) < 0.02  # metres
        a = np.asarray(shapely.get_coordinates(to_wgs84(g.geometry, crs)))
        b = np.asarray(shapely.get_coordinates(to_wgs84(o.geometry, crs)))
        if a.shape == b.shape:
            assert np.abs(np.sort(a, axis=0) - np.sort(b, axis=0)).max() < 1e-6


def test_geojson_library_validates(exported) -> None:
    _ds, up, gp = exported
    for path in (up, gp):
        obj = geojson.loads(path.read_text(encoding="utf-8"))
        assert obj.is_valid, obj.errors()
        for f in obj["features"]:
            assert f.is_valid, f.errors()


def test_gdal_reads_export(exported) -> None:
    ds, up, gp = exported
    info = pyogrio.read_info(gp)
    assert info["features"] == len(ds.grids)
    assert info["crs"] in ("EPSG:4326", "OGC:CRS84")
    assert info["geometry_type"] in ("Polygon", "MultiPolygon", "Unknown")
    meta, _fids, geoms, fields = pyogrio.raw.read(gp)
    names = list(meta["fields"])
    codes = list(fields[names.index("code")])
    assert sorted(codes) == sorted(g.code for g in ds.grids.values())
    assert "夏阳湖一期1号微网格" in list(fields[names.index("name")])
    parsed = shapely.from_wkb(geoms)
    assert all(g.is_valid for g in parsed)
    assert pyogrio.read_info(up)["features"] == len(ds.units)


@pytest.mark.parametrize("cs", ["gcj02", "cgcs2000"])
def test_other_coordinate_systems(tmp_path: Path, cs: str) -> None:
    ds = make_dataset()
    up, gp = write_exchange(ds, tmp_path, coordinate_system=cs)
    data = json.loads(gp.read_text(encoding="utf-8"))
    assert data["coordinate_system"] == cs
    assert geojson.loads(gp.read_text(encoding="utf-8")).is_valid
    # Reading our own file back undoes the offset.
    units, crs, _ = read_units(up)
    grids, _ = read_grids(gp, crs, units)
    by_code = {g.code: g for g in ds.grids.values()}
    for g in grids:
        assert shapely.hausdorff_distance(g.geometry, by_code[g.code].geometry) < 0.05
    if cs == "gcj02":
        wgs = json.loads((tmp_path / "grids.geojson").read_text(encoding="utf-8"))
        x = wgs["features"][0]["geometry"]["coordinates"][0][0][0]
        assert abs(x - 121.1) > 1e-3  # shifted by hundreds of metres


def test_gcj02_formula() -> None:
    # Beijing, Tiananmen: the well-known offset is about +0.0062 lon, +0.0014 lat.
    glon, glat = wgs84_to_gcj02(116.391349, 39.907375)
    assert abs(float(glon) - 116.391349 - 0.00624) < 0.0003
    assert abs(float(glat) - 39.907375 - 0.00140) < 0.0003
    lon, lat = gcj02_to_wgs84(glon, glat)
    assert abs(float(lon) - 116.391349) < 1e-8 and abs(float(lat) - 39.907375) < 1e-8
    # Outside China there is no offset.
    assert wgs84_to_gcj02(2.35, 48.85) == (2.35, 48.85)


def test_unknown_coordinate_system_refused(tmp_path: Path) -> None:
    from mapedit.errors import MapeditError

    with pytest.raises(MapeditError):
        write_exchange(make_dataset(), tmp_path, coordinate_system="bd09")
    assert list(tmp_path.iterdir()) == []


def test_rounding_collapse_and_duplicates(tmp_path: Path) -> None:
    """A sliver narrower than 1 cm collapses at 7 decimals and is left out with a message;
    points that rounding makes equal are written once."""
    ds = make_dataset()
    tiny = _metric(box(LON, LAT, LON + 1e-9, LAT + 1e-9))
    dup = _metric(Polygon([(LON, LAT), (LON + 1e-9, LAT), (LON + 0.001, LAT),
                           (LON + 0.001, LAT + 0.001), (LON, LAT + 0.001)]))
    ds.grids[98] = MicroGrid(UNIT + "098", "tiny", "小区", tiny, UNIT, fid=98)
    ds.grids[99] = MicroGrid(UNIT + "099", "dup", "小区", dup, UNIT, fid=99)
    notes: list[str] = []
    _up, gp = write_exchange(ds, tmp_path, messages=notes)
    feats = {f["properties"]["code"]: f for f in json.loads(gp.read_text("utf-8"))["features"]}
    assert UNIT + "098" not in feats
    assert any(UNIT + "098" in n for n in notes)
    ring = feats[UNIT + "099"]["geometry"]["coordinates"][0]
    assert len(ring) == 5


def test_export_replaces_previous_files_completely(tmp_path: Path) -> None:
    ds = make_dataset()
    write_exchange(ds, tmp_path)
    del ds.grids[1]
    _up, gp = write_exchange(ds, tmp_path)
    assert len(json.loads(gp.read_text("utf-8"))["features"]) == len(ds.grids)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["grids.geojson", "units.geojson"]
