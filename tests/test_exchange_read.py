"""Reading exchange files: good files, and every kind of bad input gives a bilingual error
(strict) or a kept feature plus a message (lenient), never a traceback."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from mapedit.errors import MapeditError
from mapedit.io.exchange import parse_int, read_base_layer, read_grids, read_units

DATA = Path(__file__).parent / "data"
LON, LAT = 121.1, 31.1
U = "310118005001"


def square(x0=LON, y0=LAT, d=0.001) -> dict:
    return {"type": "Polygon",
            "coordinates": [[[x0, y0], [x0 + d, y0], [x0 + d, y0 + d], [x0, y0 + d], [x0, y0]]]}


def unit_feature(**props) -> dict:
    p = {"code": U, "name": "夏阳湖居委", "unit_type": "小区"} | props
    return {"type": "Feature", "properties": p, "geometry": square(d=0.002)}


def grid_feature(code=U + "001", geometry=None, **props) -> dict:
    p = {"code": code, "name": "1号微网格", "category": "小区", "unit_code": U,
         "households": 400} | props
    return {"type": "Feature", "properties": p,
            "geometry": square() if geometry is None else geometry}


def write(tmp_path: Path, obj, name="f.geojson") -> Path:
    p = tmp_path / name
    p.write_text(obj if isinstance(obj, str) else json.dumps(obj, ensure_ascii=False),
                 encoding="utf-8")
    return p


def fc(*features, **extra) -> dict:
    return {"type": "FeatureCollection", **extra, "features": list(features)}


@pytest.fixture()
def units(tmp_path: Path):
    units, crs, _ = read_units(write(tmp_path, fc(unit_feature()), "units.geojson"))
    return units, crs


def bilingual(err: MapeditError) -> str:
    text = str(err)
    assert re.search(r"[\u4e00-\u9fff]", err.zh), err.zh
    assert re.search(r"[a-zA-Z]{3}", err.en) and not re.search(r"[\u4e00-\u9fff]{4}", err.en), \
        err.en
    return text


# -- whole-file problems -------------------------------------------------------------------
@pytest.mark.parametrize("content, needle", [
    ("not json at all {", "JSON"),
    (b"\xff\xfe\x00garbage\x00\x00", ""),
    (json.dumps([1, 2, 3]), "FeatureCollection"),
    (json.dumps({"type": "Feature", "properties": {}, "geometry": None}), "FeatureCollection"),
    (json.dumps({"type": "FeatureCollection"}), "features"),
    (json.dumps(fc(unit_feature(), crs={"type": "name", "properties": {
        "name": "urn:ogc:def:crs:EPSG::4549"}})), "WGS84"),
    (json.dumps(fc({"type": "Feature", "properties": {"code": U, "name": "x", "unit_type": "小区"},
                    "geometry": square(x0=500000.0, y0=3441000.0, d=100)})), "WGS84"),
    (json.dumps(fc(unit_feature(), coordinate_system="bd09")), "coordinate_system"),
])
def test_bad_files_refused_in_both_modes(tmp_path: Path, content, needle) -> None:
    p = tmp_path / "units.geojson"
    if isinstance(content, bytes):
        p.write_bytes(content)
    else:
        p.write_text(content, encoding="utf-8")
    for lenient in (False, True):
        with pytest.raises(MapeditError) as exc:
            read_units(p, lenient=lenient)
        assert needle in bilingual(exc.value)


def test_projected_data_asks_for_wgs84(tmp_path: Path, units) -> None:
    p = write(tmp_path, fc(grid_feature(geometry=square(x0=40500000.0, y0=3441000.0, d=100))))
    with pytest.raises(MapeditError) as exc:
        read_grids(p, units[1], units[0], lenient=True)
    assert "请导出为 WGS84 经纬度" in exc.value.zh
    assert "export as WGS84 longitude/latitude" in exc.value.en


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(MapeditError) as exc:
        read_units(tmp_path / "没有 这个.geojson")
    bilingual(exc.value)
    with pytest.raises(MapeditError) as exc:
        read_units(tmp_path)
    bilingual(exc.value)


@pytest.mark.parametrize("name", ["urn:ogc:def:crs:OGC:1.3:CRS84", "EPSG:4326",
                                  "urn:ogc:def:crs:EPSG::4326", "urn:ogc:def:crs:EPSG:6.6:4326"])
def test_wgs84_crs_member_accepted(tmp_path: Path, name: str) -> None:
    p = write(tmp_path, fc(unit_feature(), crs={"type": "name", "properties": {"name": name}}))
    units, crs, _ = read_units(p)
    assert len(units) == 1 and crs == "EPSG:4549"


def test_utf8_bom_and_gbk(tmp_path: Path) -> None:
    text = json.dumps(fc(unit_feature()), ensure_ascii=False)
    p = tmp_path / "bom.geojson"
    p.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert read_units(p)[0][0].name == "夏阳湖居委"
    p.write_bytes(text.encode("gbk"))
    units, _crs, msgs = read_units(p)
    assert units[0].name == "夏阳湖居委" and any("GB18030" in m for m in msgs)


# -- per-feature problems: units -----------------------------------------------------------
@pytest.mark.parametrize("props, zh, en", [
    ({"name": None}, "缺少 name", "name missing"),
    ({"name": ""}, "缺少 name", "name missing"),
    ({"unit_type": "城区"}, "unit_type", "unknown unit_type"),
    ({"code": None}, "缺少 code", "code missing"),
])
def test_unit_attribute_problems(tmp_path: Path, props, zh, en) -> None:
    p = write(tmp_path, fc(unit_feature(code=U + "X"), unit_feature(**props)))
    with pytest.raises(MapeditError) as exc:
        read_units(p)
    assert "第 2 个要素" in exc.value.zh and zh in exc.value.zh
    assert "feature 2" in exc.value.en and en in exc.value.en
    # Lenient keeps it (the checker reports missing attributes).
    kept, _crs, msgs = read_units(p, lenient=True)
    assert len(kept) == 2 and any(zh in m for m in msgs)


def test_unit_message_format(tmp_path: Path) -> None:
    p = write(tmp_path, fc(unit_feature(code=U + "9"), unit_feature(code=U + "8"),
                           unit_feature(code=U, name="")))
    with pytest.raises(MapeditError) as exc:
        read_units(p)
    assert f"第 3 个要素(code={U}):缺少 name" in exc.value.zh
    assert f"feature 3 (code={U}): name missing" in exc.value.en
    assert exc.value.details  # every problem, for the CLI to list


def test_numeric_codes_become_text(tmp_path: Path) -> None:
    p = write(tmp_path, fc(unit_feature(code=int(U))))
    assert read_units(p)[0][0].code == U


# -- per-feature problems: grids -----------------------------------------------------------
@pytest.mark.parametrize("feature, zh, en", [
    (grid_feature(name=None), "缺少 name", "name missing"),
    (grid_feature(category=""), "缺少 category", "category missing"),
    (grid_feature(category="住宅"), "住宅", "unknown category"),
    (grid_feature(households="abc"), "households", "households must be a whole number"),
    (grid_feature(population=12.5), "population", "population must be"),
    (grid_feature(unit_code="999999999999"), "999999999999", "names no known unit"),
    (grid_feature(departments=42), "departments", "departments must be"),
    (grid_feature(geometry={"type": "Point", "coordinates": [LON, LAT]}), "Point", "Point"),
    (grid_feature(geometry={"type": "LineString", "coordinates": [[LON, LAT], [LON, 31.2]]}),
     "LineString", "expected Polygon or MultiPolygon"),
    (dict(grid_feature(), geometry=None), "没有几何图形", "geometry is missing"),
    (grid_feature(geometry={"type": "Polygon", "coordinates": [[["a", 1], [2, 3]]]}),
     "坐标应为数字", "coordinates must be numbers"),
    (grid_feature(geometry={"type": "Polygon", "coordinates": []}), "为空", "empty"),
    ({"type": "Feature"}, "没有几何图形", "geometry is missing"),
    ("not a feature", "不是 GeoJSON 要素", "not a GeoJSON Feature"),
])
def test_grid_feature_problems(tmp_path: Path, units, feature, zh, en) -> None:
    p = write(tmp_path, fc(grid_feature(code=U + "009"), feature))
    with pytest.raises(MapeditError) as exc:
        read_grids(p, units[1], units[0])
    bilingual(exc.value)
    assert "第 2 个要素" in exc.value.zh and zh in exc.value.zh, exc.value.zh
    assert "feature 2" in exc.value.en and en in exc.value.en, exc.value.en


def test_lenient_keeps_broken_features(tmp_path: Path, units) -> None:
    feats = [
        grid_feature(U + "001", name=None),
        grid_feature(U + "002", households="abc"),
        grid_feature(U + "003", geometry={"type": "Polygon", "coordinates": [[
            [LON, LAT], [LON + 0.001, LAT + 0.001], [LON + 0.001, LAT], [LON, LAT + 0.001],
            [LON, LAT]]]}),  # bow tie
        grid_feature(U + "004", geometry={"type": "Point", "coordinates": [LON, LAT]}),
        dict(grid_feature(U + "005"), geometry=None),
        grid_feature(U + "001"),  # duplicate code: the checker's duplicate-code
        grid_feature(U + "007", category="住宅"),
    ]
    grids, msgs = read_grids(write(tmp_path, fc(*feats)), units[1], units[0], lenient=True)
    assert [g.code for g in grids] == [U + "001", U + "002", U + "003", U + "004", U + "005",
                                       U + "001", U + "007"]
    assert grids[0].name == "" and grids[1].households is None
    assert not grids[2].geometry.is_valid
    assert grids[3].geometry.is_empty and grids[4].geometry.is_empty
    assert grids[6].category == "住宅"
    assert len(msgs) >= 6


def test_strict_keeps_invalid_polygon_with_warning(tmp_path: Path, units) -> None:
    bow = {"type": "Polygon", "coordinates": [[
        [LON, LAT], [LON + 0.001, LAT + 0.001], [LON + 0.001, LAT], [LON, LAT + 0.001],
        [LON, LAT]]]}
    grids, msgs = read_grids(write(tmp_path, fc(grid_feature(geometry=bow))), units[1], units[0])
    assert len(grids) == 1 and any("invalid geometry" in m for m in msgs)


@pytest.mark.parametrize("value, expected", [
    (350, 350), (350.0, 350), ("350", 350), (" 350 ", 350), ("1,200", 1200), (None, None),
    ("", None),
])
def test_parse_int_accepts(value, expected) -> None:
    assert parse_int(value) == expected


@pytest.mark.parametrize("value", ["abc", 350.5, "350.5", True, -1, [350], "nan"])
def test_parse_int_refuses(value) -> None:
    with pytest.raises(ValueError):
        parse_int(value)


def test_households_forms(tmp_path: Path, units) -> None:
    feats = [grid_feature(U + "001", households="350"), grid_feature(U + "002", households=350.0),
             grid_feature(U + "003", households=None, category="社区-学校")]
    grids, _ = read_grids(write(tmp_path, fc(*feats)), units[1], units[0])
    assert [g.households for g in grids] == [350, 350, None]


def test_unit_code_derived_from_geometry(tmp_path: Path) -> None:
    west = dict(unit_feature(code=U), geometry=square(d=0.002))
    east = dict(unit_feature(code="310118005002", name="东"), geometry=square(x0=LON + 0.002,
                                                                              d=0.002))
    units, crs, _ = read_units(write(tmp_path, fc(west, east), "u.geojson"))
    g = grid_feature(U + "001", geometry=square(x0=LON + 0.0015, d=0.001))  # mostly east
    del g["properties"]["unit_code"]
    grids, _ = read_grids(write(tmp_path, fc(g)), crs, units)
    assert grids[0].unit_code == "310118005002"


def test_defaults_and_normalisation(tmp_path: Path, units) -> None:
    feats = [grid_feature(U + "001", category="社区—企业", households=None),
             grid_feature(U + "002", departments="自治办、城建中心,各居")]
    grids, _ = read_grids(write(tmp_path, fc(*feats)), units[1], units[0])
    assert grids[0].category == "社区-企业"
    assert grids[0].departments == ["营商办"]  # strict: defaults from the catalogue
    assert grids[1].departments == ["自治办", "城建中心", "各居"]
    lenient, _ = read_grids(write(tmp_path, fc(*feats)), units[1], units[0], lenient=True)
    assert lenient[0].departments == []  # check mode reports what the file really says


def test_geometry_collection_and_z(tmp_path: Path, units) -> None:
    gc = {"type": "GeometryCollection", "geometries": [square(), square(x0=LON + 0.0011)]}
    z = {"type": "Polygon", "coordinates": [[[x, y, 4.0] for x, y in square()["coordinates"][0]]]}
    grids, _ = read_grids(write(tmp_path, fc(grid_feature(U + "001", geometry=gc),
                                             grid_feature(U + "002", geometry=z))),
                          units[1], units[0])
    assert grids[0].geometry.geom_type == "MultiPolygon"
    assert not grids[1].geometry.has_z


def test_fixture_files_read() -> None:
    units, crs, msgs = read_units(DATA / "units.geojson")
    assert crs == "EPSG:4549" and msgs == [] and len(units) == 1
    for name, n in (("four_grids_overlap", 4), ("t_junction", 3), ("thin_gap", 2)):
        grids, gm = read_grids(DATA / f"{name}.geojson", crs, units)
        assert len(grids) == n and gm == []
        assert all(g.unit_code == units[0].code for g in grids)


def test_base_layer(tmp_path: Path, units) -> None:
    b = {"type": "Feature", "properties": {"households": "24", "floors": 6, "name": "1号楼"},
         "geometry": square(d=0.0002)}
    layer, msgs = read_base_layer(write(tmp_path, fc(b)), units[1], "buildings")
    assert len(layer) == 1 and layer.attributes[0]["households"] == 24 and msgs == []
