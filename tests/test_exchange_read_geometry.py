"""Geometry as other tools write it: empty rings and parts, short and unclosed rings, strings,
booleans and NaN as coordinates, dense rings. Readers clean what holds no area (with a message
that says what was wrong), refuse what cannot be read, and never hand the checker a geometry
it could crash on."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import shapely

from mapedit.errors import MapeditError
from mapedit.io.exchange import read_grids, read_units
from mapedit.io.geojson_geometry import BadGeometry, parse_polygonal

DATA = Path(__file__).parent / "data"
LON, LAT = 121.1, 31.1
U = "310118005001"


def ring(x0=LON, y0=LAT, d=0.001) -> list:
    return [[x0, y0], [x0 + d, y0], [x0 + d, y0 + d], [x0, y0 + d], [x0, y0]]


def grids_file(tmp_path: Path, *geoms: dict, name="g.geojson") -> Path:
    feats = [{"type": "Feature", "geometry": g, "properties": {
        "code": f"{U}{i:03d}", "name": f"{i}号", "category": "小区", "unit_code": U,
        "households": 400}} for i, g in enumerate(geoms, start=1)]
    p = tmp_path / name
    p.write_text(json.dumps({"type": "FeatureCollection", "features": feats},
                            ensure_ascii=False), encoding="utf-8")
    return p


@pytest.fixture(scope="module")
def units():
    units, crs, _ = read_units(DATA / "units.geojson")
    return units, crs


def no_empty_rings(geom) -> bool:
    rings = shapely.get_rings(shapely.get_parts(geom))
    return bool(len(rings)) and not shapely.is_empty(rings).any()


# -- empty rings and parts (the checker crashed on them) --------------------------------------
def test_empty_hole_is_dropped_with_a_message(tmp_path: Path, units) -> None:
    p = grids_file(tmp_path, {"type": "Polygon", "coordinates": [ring(), []]})
    grids, msgs = read_grids(p, units[1], units[0])
    g = grids[0].geometry
    assert g.geom_type == "Polygon" and len(g.interiors) == 0 and no_empty_rings(g)
    assert any("第 2 个环(内环)为空" in m and "ring 2 (a hole) is empty" in m for m in msgs)


@pytest.mark.parametrize("empty_part", [[], [[]]])
def test_multipolygon_keeps_its_valid_part(tmp_path: Path, units, empty_part) -> None:
    p = grids_file(tmp_path, {"type": "MultiPolygon",
                              "coordinates": [[ring()], empty_part]})
    grids, msgs = read_grids(p, units[1], units[0])
    g = grids[0].geometry
    assert not g.is_empty and g.area > 9000 and no_empty_rings(g)
    text = " ".join(msgs)
    assert "第 2 个部分" in text and "part 2" in text and "empty" in text
    assert "the rest kept" in text


def test_only_empty_parts_says_why(tmp_path: Path, units) -> None:
    p = grids_file(tmp_path, {"type": "MultiPolygon", "coordinates": [[[]], []]})
    with pytest.raises(MapeditError) as exc:
        read_grids(p, units[1], units[0])
    assert "geometry is empty (part 1, exterior ring is empty; part 2 is empty)" in exc.value.en
    lenient, _ = read_grids(p, units[1], units[0], lenient=True)
    assert lenient[0].geometry.is_empty


def test_empty_ring_import_then_check_does_not_crash(tmp_path: Path) -> None:
    """The reported crash: ``import`` stored a polygon with an empty hole, then every
    ``check`` died with a segmentation fault. Run as processes, so a crash is a failure."""
    project = tmp_path / "p.gpkg"
    grids = grids_file(tmp_path, {"type": "Polygon", "coordinates": [ring(), []]},
                       {"type": "MultiPolygon",
                        "coordinates": [[ring(x0=LON + 0.001)], [[]]]})
    run = [sys.executable, "-m", "mapedit"]
    new = subprocess.run([*run, "new", str(project), "--units", str(DATA / "units.geojson")],
                         capture_output=True, timeout=120)
    assert new.returncode in (0, 1), new.stderr
    imp = subprocess.run([*run, "import", str(project), str(grids)], capture_output=True,
                         timeout=120)
    assert imp.returncode == 0, imp.stderr.decode()
    check = subprocess.run([*run, "check", str(project)], capture_output=True, timeout=120)
    assert check.returncode in (0, 1), (check.returncode, check.stderr.decode())


# -- rings that hold no area, unclosed rings ---------------------------------------------------
@pytest.mark.parametrize("points, distinct", [(1, 1), (2, 2), (3, 2)])
def test_short_holes_are_dropped(points: int, distinct: int) -> None:
    hole = [[LON + 0.0002, LAT + 0.0002], [LON + 0.0004, LAT + 0.0002]][:min(points, 2)]
    hole = (hole + [hole[0]])[:points]
    parsed = parse_polygonal({"type": "Polygon", "coordinates": [ring(), hole]})
    assert len(parsed.geometry.interiors) == 0
    assert any(f"only {distinct} distinct" in en for _, en in parsed.notes)


def test_unclosed_ring_is_closed_with_a_note() -> None:
    parsed = parse_polygonal({"type": "Polygon", "coordinates": [ring()[:-1]]})
    assert parsed.geometry.is_valid and parsed.geometry.area > 0
    assert any("was not closed" in en for _, en in parsed.notes)
    triangle = parse_polygonal({"type": "Polygon", "coordinates": [ring()[:3]]})
    assert len(triangle.geometry.exterior.coords) == 4  # three points, closed


def test_short_exterior_leaves_nothing() -> None:
    parsed = parse_polygonal({"type": "Polygon", "coordinates": [ring()[:2]]})
    assert parsed.geometry.is_empty and parsed.dropped


# -- values that are not coordinates ----------------------------------------------------------
@pytest.mark.parametrize("bad, en", [
    (["121.1", 31.1], "coordinates must be numbers"),
    ([True, 31.1], "coordinates must be numbers"),
    ([121.1, None], "coordinates must be numbers"),
    ([121.1], "fewer than two numbers"),
    (121.1, "a position must be"),
    ([float("nan"), 31.1], "NaN"),
    ([float("inf"), 31.1], "NaN"),
    ([10**400, 31.1], "too large"),
    ([[121.1, 31.1]], "fewer than two numbers"),
])
def test_bad_positions_are_refused(bad, en) -> None:
    r = ring()
    r[1] = bad
    with pytest.raises(BadGeometry) as exc:
        parse_polygonal({"type": "Polygon", "coordinates": [r]}, check_types=True)
    assert en in exc.value.en and "exterior ring" in exc.value.en


def test_string_coordinates_refused_by_the_reader(tmp_path: Path, units) -> None:
    """``"121.1"`` used to become the number 121.1 without a word."""
    r = [[str(x), str(y)] for x, y in ring()]
    p = grids_file(tmp_path, {"type": "Polygon", "coordinates": [r]})
    with pytest.raises(MapeditError) as exc:
        read_grids(p, units[1], units[0])
    assert "坐标应为数字" in exc.value.zh and "coordinates must be numbers" in exc.value.en
    assert '"121.1"' in exc.value.en or "121.1" in exc.value.en


def test_booleans_as_coordinates_refused(tmp_path: Path, units) -> None:
    r = ring()
    r[2] = [True, LAT]
    p = grids_file(tmp_path, {"type": "Polygon", "coordinates": [r]})
    with pytest.raises(MapeditError) as exc:
        read_grids(p, units[1], units[0])
    assert "got true" in exc.value.en


@pytest.mark.parametrize("geometry, en", [
    ({"type": "Polygon", "coordinates": "abc"}, "must be an array of rings"),
    ({"type": "Polygon"}, "must be an array of rings"),
    ({"type": "MultiPolygon", "coordinates": {"a": 1}}, "must be an array"),
    ({"type": "Polygon", "coordinates": [[[[[[LON, LAT]]]]]]}, "fewer than two numbers"),
    ({"type": "GeometryCollection"}, "no geometries array"),
    ({"type": 5, "coordinates": []}, "geometry type is 5"),
    ([1, 2], "malformed"),
])
def test_malformed_geometry_objects(geometry, en) -> None:
    with pytest.raises(BadGeometry) as exc:
        parse_polygonal(geometry)
    assert en in exc.value.en


def test_deeply_nested_collections_refused() -> None:
    g: dict = {"type": "Polygon", "coordinates": [ring()]}
    for _ in range(50):
        g = {"type": "GeometryCollection", "geometries": [g]}
    with pytest.raises(BadGeometry, match="nested too deeply"):
        parse_polygonal(g)


# -- invalid units (self-intersecting) ------------------------------------------------------
def test_self_intersecting_unit_is_refused_with_name_and_place(tmp_path: Path) -> None:
    bow = [[LON, LAT], [LON + 0.002, LAT + 0.002], [LON + 0.002, LAT], [LON, LAT + 0.002],
           [LON, LAT]]
    feats = [{"type": "Feature", "properties": {"code": U, "name": "夏阳湖居委",
                                                "unit_type": "小区"},
              "geometry": {"type": "Polygon", "coordinates": [bow]}}]
    p = tmp_path / "units.geojson"
    p.write_text(json.dumps({"type": "FeatureCollection", "features": feats},
                            ensure_ascii=False), encoding="utf-8")
    with pytest.raises(MapeditError) as exc:
        read_units(p)
    assert f"code={U}" in exc.value.zh and "边界自相交" in exc.value.zh
    assert "Self-intersection at 121.101" in exc.value.en
    lenient, _crs, msgs = read_units(p, lenient=True)  # check: kept, reported
    assert len(lenient) == 1 and any("Self-intersection" in m for m in msgs)


# -- dense rings ----------------------------------------------------------------------------
def test_collinear_vertices_are_removed_and_shared_ones_kept(tmp_path: Path, units) -> None:
    """A grid whose east edge carries 200,000 collinear vertices (a densified line) is
    thinned to its corners, except the vertex its neighbour shares (a T-junction node)."""
    n = 200_000
    h = 0.0005
    east = [[LON + h, LAT + 0.002 * i / n] for i in range(n + 1)]
    west = [[LON, LAT], *east, [LON, LAT + 0.002], [LON, LAT]]
    node = east[n // 2]
    neighbour = [[LON + h, LAT], [LON + 0.002, LAT], [LON + 0.002, LAT + 0.002],
                 [LON + h, LAT + 0.002], node, [LON + h, LAT]]
    p = grids_file(tmp_path, {"type": "Polygon", "coordinates": [west]},
                   {"type": "Polygon", "coordinates": [neighbour]})
    grids, msgs = read_grids(p, units[1], units[0])
    a, b = grids[0].geometry, grids[1].geometry
    assert shapely.get_num_coordinates(a) <= 6 and a.is_valid
    assert abs(a.area - units[0][0].geometry.area / 4) / a.area < 0.01
    shared = set(map(tuple, shapely.get_coordinates(a))) & set(
        map(tuple, shapely.get_coordinates(b)))
    assert len(shared) == 3  # both corners of the shared edge and the T-junction node
    assert any("removed 199,99" in m for m in msgs)


def test_grid_with_too_many_real_vertices_is_refused(tmp_path: Path, units) -> None:
    rng = np.random.default_rng(1)
    angles = np.linspace(0, 2 * np.pi, 20_001)[:-1]
    radius = 0.0004 * (1 + 0.05 * rng.random(len(angles)))
    pts = np.column_stack([LON + 0.001 + radius * np.cos(angles),
                           LAT + 0.001 + radius * np.sin(angles)]).tolist()
    p = grids_file(tmp_path, {"type": "Polygon", "coordinates": [pts + [pts[0]]]})
    for lenient in (False, True):
        with pytest.raises(MapeditError) as exc:
            read_grids(p, units[1], units[0], lenient=lenient)
        assert "第 1 个要素" in exc.value.zh and "more than the limit of 5,000" in exc.value.en


def test_thinning_keeps_vertices_of_grids_already_in_the_project(tmp_path: Path,
                                                                 units) -> None:
    """An import lands beside the project's grids: their T-junction nodes stay on the edge."""
    from mapedit.io.crs import from_wgs84

    n = 20_000
    h = 0.0005
    east = [[LON + h, LAT + 0.002 * i / n] for i in range(n + 1)]
    west = [[LON, LAT], *east, [LON, LAT + 0.002], [LON, LAT]]
    node = east[n // 4]
    existing = from_wgs84(shapely.Polygon([(LON + h, LAT), tuple(node), (LON + 0.002, LAT)]),
                          units[1])
    p = grids_file(tmp_path, {"type": "Polygon", "coordinates": [west]})
    alone, _ = read_grids(p, units[1], units[0])
    beside, _ = read_grids(p, units[1], units[0], neighbours=[existing])
    assert shapely.get_num_coordinates(alone[0].geometry) == 5
    kept = set(map(tuple, shapely.get_coordinates(beside[0].geometry)))
    assert tuple(shapely.get_coordinates(existing)[1]) in kept
