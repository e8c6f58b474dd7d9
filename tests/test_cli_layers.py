"""``mapedit layers / add-layer / georef / tiles-pack`` through ``main([...])``: exit statuses,
one bilingual error line, the project unchanged when an input cannot be used."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
import shapely
from helpers_tile_server import TileServer
from pyproj import Transformer
from shapely.geometry import box

from mapedit.cli import main
from mapedit.project import Project

DATA = Path(__file__).parent / "data"


def needs_store(fn):
    """Project.add_layer (the store helper's) is on main now: nothing to skip."""
    return fn


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def one_error_line(err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, lines
    assert " / error: " in lines[0] and lines[0].startswith("错误:")
    return lines[0]


def test_layers_lists_the_stack(demo_path, capsys) -> None:
    assert main(["layers", str(demo_path), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    by_id = {r["id"]: r for r in rows}
    for r in rows:
        assert {"name", "role", "kind", "features", "crs", "source"} <= set(r)
    assert by_id["buildings"]["role"] == "buildings" and by_id["buildings"]["features"] > 1000
    assert by_id["buildings"]["name"] == "建筑(楼栋)" and by_id["buildings"]["crs"] == "EPSG:4549"
    assert by_id["grids"]["kind"] == "grids" and by_id["grids"]["features"] > 0
    assert main(["layers", str(demo_path)]) == 0
    out = capsys.readouterr().out
    assert "建筑(楼栋) | buildings | vector |" in out


def test_add_layer_refuses_a_drawing_without_crs(demo_path, tmp_path, capsys) -> None:
    import ezdxf

    doc = ezdxf.new("R2010")
    doc.layers.add("房屋")
    tr = Transformer.from_crs("EPSG:4326", "EPSG:4528", always_xy=True)
    x, y = tr.transform(121.1, 31.15)
    doc.modelspace().add_lwpolyline([(x, y), (x + 20, y), (x + 20, y + 10)], close=True,
                                    dxfattribs={"layer": "房屋"})
    dxf = tmp_path / "测绘 地形图.dxf"
    doc.saveas(dxf)
    before = digest(demo_path)
    assert main(["add-layer", str(demo_path), str(dxf), "--role", "buildings"]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "EPSG:4528" in line and "--crs" in line
    assert digest(demo_path) == before


@pytest.mark.parametrize("argv_tail,needle", [
    (["missing.shp"], "not found"),
    (["junk.geojson"], "cannot read"),
    (["photo.tif", "--encoding", "GBK"], "--encoding"),
    (["junk.geojson", "--role", "nonsense"], "bad command line"),
    (["https://example.invalid/tiles.png"], "{z}"),
])
def test_add_layer_errors_change_nothing(demo_path, tmp_path, capsys, argv_tail, needle) -> None:
    (tmp_path / "junk.geojson").write_text("{not json", encoding="utf-8")
    (tmp_path / "photo.tif").write_bytes(b"")
    args = [str(tmp_path / argv_tail[0]) if not argv_tail[0].startswith("http") else
            argv_tail[0], *argv_tail[1:]]
    before = digest(demo_path)
    assert main(["add-layer", str(demo_path), *args]) == 2
    err = capsys.readouterr().err
    assert needle in err
    assert digest(demo_path) == before


@needs_store
def test_add_layer_vector_is_stored_for_gdal(demo_path, tmp_path, capsys) -> None:
    import pyogrio
    import pyogrio.raw as ogr_raw

    tr = Transformer.from_crs("EPSG:4326", "EPSG:4528", always_xy=True)
    x, y = tr.transform(121.1, 31.15)
    geoms = np.array([box(x, y, x + 20, y + 10), box(x + 30, y, x + 50, y + 10)])
    shp = tmp_path / "楼栋.shp"
    ogr_raw.write(shp, shapely.to_wkb(geoms), [np.array(["一号楼", "二号楼"], dtype=object),
                                                np.array([100, 200])], ["名称", "HS"],
                  geometry_type="Polygon", crs="EPSG:4528", encoding="GBK")
    shp.with_suffix(".cpg").unlink()
    assert main(["add-layer", str(demo_path), str(shp), "--role", "buildings", "--name", "二期楼栋",
                 "--field", "households=HS"]) == 0
    out = capsys.readouterr().out
    assert "GB18030" in out and "households ← HS" in out and "户数 ← HS" in out
    assert main(["layers", str(demo_path), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    new = [r for r in rows if r["name"] == "二期楼栋"]
    assert new and new[0]["features"] == 2 and new[0]["role"] == "buildings"
    tables = [n for n, _ in pyogrio.list_layers(demo_path)]
    assert f"base_{new[0]['id']}" in tables


@needs_store
@pytest.mark.parametrize("transform", [None, "affine", "projective"])
def test_georef_prints_residuals_and_adds_the_image(demo_path, tmp_path, capsys,
                                                    transform) -> None:
    import rasterio

    img = tmp_path / "纸质地图.jpg"
    with rasterio.open(img, "w", driver="JPEG", width=400, height=300, count=3,
                       dtype="uint8") as d:
        d.write(np.full((3, 300, 400), 200, np.uint8))
    pts = [(0, 0, 121.100, 31.152), (400, 0, 121.104, 31.152), (400, 300, 121.104, 31.149),
           (0, 300, 121.100, 31.149), (200, 150, 121.102, 31.1505)]
    gcps = tmp_path / "gcps.csv"
    gcps.write_text("px,py,lon,lat\n" + "".join(f"{a},{b},{c},{d}\n" for a, b, c, d in pts),
                    encoding="utf-8")
    extra = ["--transform", transform] if transform else []
    assert main(["georef", str(demo_path), str(img), "--points", str(gcps), "--name",
                 "纸质地图", *extra]) == 0
    out = capsys.readouterr().out
    assert "RMS" in out and out.count("\n") >= 8
    assert main(["layers", str(demo_path), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    new = [r for r in rows if r["name"] == "纸质地图"][0]
    assert new["kind"] == "raster" and new["pixels"] == [400, 300]
    assert new["georeference"] == (transform or "projective")  # a photo: projective unless told


def test_georef_without_enough_points(demo_path, tmp_path, capsys) -> None:
    gcps = tmp_path / "gcps.csv"
    gcps.write_text("px,py,lon,lat\n0,0,121.1,31.15\n10,0,121.2,31.15\n", encoding="utf-8")
    img = tmp_path / "x.png"
    img.write_bytes(b"")
    before = digest(demo_path)
    assert main(["georef", str(demo_path), str(img), "--points", str(gcps)]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "3" in line
    assert digest(demo_path) == before


@pytest.fixture
def server():
    s = TileServer()
    yield s
    s.close()


def test_tiles_pack_a_unit_and_the_street(demo_path, tmp_path, capsys, server) -> None:
    import rasterio

    template = server.url + "/xyz/{z}/{x}/{y}.png"
    ds = Project.open(demo_path)
    unit = next(iter(ds.dataset.units))
    ds.close()
    out = tmp_path / "单元 离线.mbtiles"
    assert main(["tiles-pack", str(demo_path), template, str(out), "--zoom", "16-17",
                 "--unit", unit]) == 0
    assert "16-17" in capsys.readouterr().out
    with rasterio.open(out) as mb:
        assert mb.crs.to_epsg() == 3857
    # the street: more tiles; an existing output is never overwritten
    street = tmp_path / "street.mbtiles"
    assert main(["tiles-pack", str(demo_path), template, str(street), "--zoom", "14-15"]) == 0
    capsys.readouterr()
    size = street.stat().st_size
    assert main(["tiles-pack", str(demo_path), template, str(street), "--zoom", "14"]) == 2
    assert "already exists" in one_error_line(capsys.readouterr().err)
    assert street.stat().st_size == size


def test_tiles_pack_names_failed_tiles(demo_path, tmp_path, capsys, server) -> None:
    from mapedit.io.layer_factory import unit_extent
    from mapedit.io.tiles import area_tiles, parse_template

    template = server.url + "/xyz/{z}/{x}/{y}.png"
    p = Project.open(demo_path)
    unit = next(iter(p.dataset.units))
    need = area_tiles(parse_template(template)[0], unit_extent(p.dataset, unit), p.dataset.crs,
                      [17])
    p.close()
    server.fail.add(need[0])
    out = tmp_path / "x.mbtiles"
    assert main(["tiles-pack", str(demo_path), template, str(out), "--zoom", "17",
                 "--unit", unit]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "/".join(str(v) for v in need[0]) in line and "HTTP 404" in line
    assert not out.exists()
    assert main(["tiles-pack", str(demo_path), "no-such-layer", str(out), "--zoom", "17"]) == 2
    assert "no tile layer" in one_error_line(capsys.readouterr().err)
    assert main(["tiles-pack", str(demo_path), template, str(out), "--zoom", "x"]) == 2
    capsys.readouterr()


def test_base_specs_and_layers_for_new(demo_path, tmp_path) -> None:
    import pyogrio.raw as ogr_raw

    from mapedit.cli_layers import CliError, base_layers_for_new, parse_base_spec
    from mapedit.errors import InputError

    assert parse_base_spec("楼栋.shp:buildings") == ("楼栋.shp", "buildings", None)
    assert parse_base_spec(r"C:\data\楼栋.shp") == (r"C:\data\楼栋.shp", None, None)
    assert parse_base_spec("https://h/{z}/{x}/{y}.png") == ("https://h/{z}/{x}/{y}.png", None,
                                                           None)
    # a CRS per file: FILE[:ROLE][@AUTHORITY:CODE]
    assert parse_base_spec("房屋.dxf:buildings@EPSG:4528") == ("房屋.dxf", "buildings",
                                                                "EPSG:4528")
    assert parse_base_spec(r"C:\测绘\道路.shp@epsg:4549") == (r"C:\测绘\道路.shp", None,
                                                               "EPSG:4549")
    # an @ that is part of the name stays in it
    assert parse_base_spec("楼栋@2024.shp:buildings") == ("楼栋@2024.shp", "buildings", None)
    assert parse_base_spec("@EPSG:4528") == ("@EPSG:4528", None, None)
    p = Project.open(demo_path)
    ds = p.dataset
    p.close()
    tr = Transformer.from_crs("EPSG:4326", "EPSG:4549", always_xy=True)
    x, y = tr.transform(121.1, 31.15)
    for stem in ("a", "b"):
        ogr_raw.write(tmp_path / f"{stem}.shp", shapely.to_wkb(np.array([box(x, y, x + 9, y + 9)])),
                      [np.array([1])], ["HS"], geometry_type="Polygon", crs="EPSG:4549")
    layers = base_layers_for_new([f"{tmp_path / 'a.shp'}:buildings",
                                  f"{tmp_path / 'b.shp'}:buildings",
                                  "tianditu:img_w"], ds)
    assert [ly.kind for ly in layers] == ["vector", "vector", "tiles"]
    assert len({ly.id for ly in layers} | set(ds.layers.ids())) == len(ds.layers) + 3
    assert layers[0].role == "buildings" and layers[0].data.attributes == [{"households": 1}]
    with pytest.raises((InputError, CliError)):
        base_layers_for_new([str(tmp_path / "missing.shp")], ds)


@needs_store
def test_tiles_layer_added_then_packed_by_name(demo_path, tmp_path, capsys, server) -> None:
    template = server.url + "/xyz/{z}/{x}/{y}.png"
    assert main(["add-layer", str(demo_path), template, "--name", "本地瓦片"]) == 0
    capsys.readouterr()
    assert main(["layers", str(demo_path), "--json"]) == 0
    row = [r for r in json.loads(capsys.readouterr().out) if r["name"] == "本地瓦片"][0]
    assert row["kind"] == "tiles" and row["crs"] == "EPSG:3857"
    p = Project.open(demo_path)
    unit = next(iter(p.dataset.units))
    p.close()
    out = tmp_path / "packed.mbtiles"
    assert main(["tiles-pack", str(demo_path), "本地瓦片", str(out), "--zoom", "16",
                 "--unit", unit]) == 0
    assert out.exists()
    # the packed file, added back as an offline layer
    assert main(["add-layer", str(demo_path), str(out), "--name", "离线"]) == 0
    capsys.readouterr()
    assert main(["layers", str(demo_path), "--json"]) == 0
    row = [r for r in json.loads(capsys.readouterr().out) if r["name"] == "离线"][0]
    assert row["kind"] == "tiles" and row["zoom"] == [16, 16]


def test_new_with_base_layers(tmp_path, capsys) -> None:
    """``mapedit new … --base FILE[:ROLE] --base TEMPLATE``: the layers are read and checked
    before the project is written, then stored with it; an unreadable one stops ``new`` with
    one line and no file."""
    import pyogrio.raw as ogr_raw

    from mapedit.io.exchange import read_units

    units, crs, _ = read_units(DATA / "units.geojson")
    b = shapely.total_bounds(np.array([u.geometry for u in units], dtype=object))
    tr = Transformer.from_crs(crs, "EPSG:4528", always_xy=True)
    x, y = tr.transform((b[0] + b[2]) / 2, (b[1] + b[3]) / 2)
    shp = tmp_path / "房屋.shp"
    ogr_raw.write(shp, shapely.to_wkb(np.array([box(x, y, x + 12, y + 9)])),
                  [np.array(["一号楼"], dtype=object)], ["名称"], geometry_type="Polygon",
                  crs="EPSG:4528", encoding="GBK")
    out = tmp_path / "新街道.gpkg"
    assert main(["new", str(out), "--units", str(DATA / "units.geojson"),
                 "--base", f"{shp}:buildings", "--base", "https://t.example/{z}/{x}/{y}.png"]) \
        == 0
    capsys.readouterr()
    assert main(["layers", str(out), "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["房屋"]["role"] == "buildings" and rows["房屋"]["features"] == 1
    assert rows["t.example"]["kind"] == "tiles"
    p = Project.open(out)
    try:
        assert p.dataset.base("buildings").attributes[0]["name"] == "一号楼"
    finally:
        p.close()
    bad = tmp_path / "坏.gpkg"
    assert main(["new", str(bad), "--units", str(DATA / "units.geojson"),
                 "--base", str(tmp_path / "没有.shp")]) == 2
    one_error_line(capsys.readouterr().err)
    assert not bad.exists()


def test_new_with_a_crs_per_base_file(tmp_path, capsys) -> None:
    """``--base FILE[:ROLE]@EPSG:N``: a surveyor's DXF (no CRS: refused without one, naming
    how to give it) and a Shapefile without .prj in Xi'an 80, each with its own CRS, land
    where they belong (0.5 m) in the new project."""
    import warnings

    import ezdxf
    import pyogrio.raw as ogr_raw

    from mapedit.io.exchange import read_units

    units, crs, _ = read_units(DATA / "units.geojson")
    b = shapely.total_bounds(np.array([u.geometry for u in units], dtype=object))
    cx, cy = (b[0] + b[2]) / 2, (b[1] + b[3]) / 2  # the truth, in the project CRS
    to_4528 = Transformer.from_crs(crs, "EPSG:4528", always_xy=True)
    to_xian = Transformer.from_crs(crs, "EPSG:2385", always_xy=True)
    doc = ezdxf.new("R2010")
    doc.layers.add("房屋")
    corners = [(cx, cy), (cx + 20, cy), (cx + 20, cy + 10), (cx, cy + 10)]
    doc.modelspace().add_lwpolyline([to_4528.transform(*p) for p in corners], close=True,
                                    dxfattribs={"layer": "房屋"})
    dxf = tmp_path / "测绘 地形图.dxf"
    doc.saveas(dxf)
    road = [(cx - 50, cy - 30), (cx + 80, cy - 30)]
    shp = tmp_path / "道路.shp"
    line = shapely.LineString([to_xian.transform(*p) for p in road])
    with warnings.catch_warnings():  # no .prj on purpose
        warnings.simplefilter("ignore", UserWarning)
        ogr_raw.write(shp, shapely.to_wkb(np.array([line])),
                      [np.array(["园区路"], dtype=object)], ["名称"],
                      geometry_type="LineString", encoding="UTF-8")
    assert not shp.with_suffix(".prj").exists()
    # without a CRS the drawing is refused, and the message says how to give one here
    out = tmp_path / "新街道.gpkg"
    assert main(["new", str(out), "--units", str(DATA / "units.geojson"),
                 "--base", f"{dxf}:buildings"]) == 2
    line_err = one_error_line(capsys.readouterr().err)
    assert "@EPSG:" in line_err and "--base" in line_err and not out.exists()
    # a bad CRS: one line, no file
    assert main(["new", str(out), "--units", str(DATA / "units.geojson"),
                 "--base", f"{dxf}:buildings@EPSG:999999"]) == 2
    one_error_line(capsys.readouterr().err)
    assert not out.exists()
    assert main(["new", str(out), "--units", str(DATA / "units.geojson"),
                 "--base", f"{dxf}:buildings@EPSG:4528",
                 "--base", f"{shp}:roads@EPSG:2385"]) == 0
    capsys.readouterr()
    p = Project.open(out)
    try:
        layers = {ly.role: ly for ly in p.dataset.layers if ly.kind == "vector"}
        assert layers["buildings"].options["source_crs"] == "EPSG:4528"
        assert layers["roads"].options["source_crs"] == "EPSG:2385"
        house = layers["buildings"].data.geometries[0]
        assert house.geom_type in ("Polygon", "MultiPolygon")
        assert shapely.Point(cx, cy).distance(shapely.Point(house.bounds[:2])) < 0.5
        street = layers["roads"].data.geometries[0]
        assert shapely.Point(road[0]).distance(shapely.Point(street.coords[0])) < 0.5
        assert layers["roads"].data.attributes[0]["name"] == "园区路"
    finally:
        p.close()


def test_adding_the_same_buildings_again_says_they_repeat(demo_path, tmp_path, capsys) -> None:
    """Layers of one role are merged for the checks: a building file added a second time
    would count every building twice. The clerk is told which layer it repeats and how
    many; a file of other buildings gets no such note."""
    import pyogrio.raw as ogr_raw

    meta, _fids, wkb, fields = ogr_raw.read(demo_path, layer="base_buildings")
    n = len(wkb)
    again = tmp_path / "楼栋副本.gpkg"
    ogr_raw.write(again, wkb, fields, meta["fields"], layer="楼栋", driver="GPKG",
                  geometry_type="Unknown", crs=meta["crs"])
    assert main(["add-layer", str(demo_path), str(again), "--role", "buildings",
                 "--name", "楼栋副本"]) == 0
    out = capsys.readouterr().out
    note = next(line for line in out.splitlines() if line.startswith("注意"))
    assert f"{n} 个要素" in note and f"({n} 个)" in note
    assert "算两次" in note and "counts twice" in note
    other = tmp_path / "别处楼栋.gpkg"
    moved = shapely.affinity.translate  # 5 m east: other buildings
    geoms = [moved(g, 5.0, 0.0) for g in shapely.from_wkb(wkb[:50])]
    ogr_raw.write(other, shapely.to_wkb(np.array(geoms, dtype=object)),
                  [f[:50] for f in fields], meta["fields"], layer="楼栋", driver="GPKG",
                  geometry_type="Unknown", crs=meta["crs"])
    assert main(["add-layer", str(demo_path), str(other), "--role", "buildings"]) == 0
    assert "注意" not in capsys.readouterr().out
