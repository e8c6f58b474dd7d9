"""Vector imports from files written by other tools at test time — GDAL (pyogrio) Shapefiles in
GBK without .cpg in several CRS with and without .prj, a surveyor's DXF written by ezdxf,
GeoJSON in CGCS2000, KML, GeoPackage — each landing within 0.5 m of its source coordinates
transformed independently with pyproj; the clerk sees real Chinese; bad files fail cleanly."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pyogrio.raw as ogr_raw
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, Point, Polygon, box

from mapedit.errors import InputError
from mapedit.io.crs_guess import guess_crs
from mapedit.io.vector_import import import_vector, preview_vector, suggest_role

PROJECT = "EPSG:4549"
LON, LAT = 121.2, 31.1
CX, CY = Transformer.from_crs("EPSG:4326", PROJECT, always_xy=True).transform(LON, LAT)
EXTENT = (CX - 3000, CY - 3000, CX + 3000, CY + 3000)
NAMES = ["夏阳湖小区1号楼", "青浦区盈浦街道2号楼", "城中北路88号"]


def buildings_in_project() -> np.ndarray:
    """Three buildings near the project centre (project CRS)."""
    return np.array([box(CX + 10, CY + 10, CX + 40, CY + 25),
                     box(CX - 80, CY + 5, CX - 50, CY + 30),
                     Polygon([(CX, CY - 60), (CX + 30, CY - 60), (CX + 30, CY - 40),
                              (CX + 10, CY - 35)])], dtype=object)


def to_crs(geoms, src: str, dst: str):
    tr = Transformer.from_crs(src, dst, always_xy=True)
    return shapely.transform(geoms, lambda c: np.column_stack(tr.transform(c[:, 0], c[:, 1])))


def write_gdal(path: Path, geoms, fields: dict[str, list], crs: str | None, *,
               driver: str | None = None, encoding: str | None = None, layer: str | None = None,
               keep_cpg: bool = False, append: bool = False) -> Path:
    """Write with GDAL through pyogrio, as a clerk's file arrives: GBK and no .cpg for
    Shapefiles unless told otherwise."""
    geoms = np.asarray(geoms, dtype=object)
    types = {g.geom_type for g in geoms if g is not None}
    gtype = types.pop() if len(types) == 1 else "Unknown"
    with warnings.catch_warnings():  # "no crs" and KML layer-name notices are intended
        warnings.simplefilter("ignore")
        ogr_raw.write(path, shapely.to_wkb(geoms), [np.asarray(v, dtype=object if isinstance(
            v[0], str) else None) for v in fields.values()], list(fields), geometry_type=gtype,
            crs=crs, driver=driver, encoding=encoding, layer=layer, append=append)
    if path.suffix == ".shp" and not keep_cpg:
        path.with_suffix(".cpg").unlink(missing_ok=True)
    return path


def landed(imported, source_geoms, source_crs: str) -> float:
    """Largest distance between imported vertices and the source vertices transformed by
    pyproj on their own (Hausdorff per feature: a Shapefile stores rings clockwise)."""
    want = np.asarray(to_crs(np.asarray(source_geoms, dtype=object), source_crs, PROJECT))
    got = np.asarray(imported, dtype=object)
    assert len(got) == len(want)
    assert shapely.get_num_coordinates(got).sum() == shapely.get_num_coordinates(want).sum()
    return float(shapely.hausdorff_distance(got, want).max())


# -- Shapefiles ----------------------------------------------------------------------------

@pytest.mark.parametrize("crs", ["EPSG:4549", "EPSG:4528", "EPSG:2385", "EPSG:2416",
                                 "EPSG:4490", "EPSG:4326", "EPSG:4550"])
def test_gbk_shapefile_without_cpg_lands_in_place(tmp_path, crs) -> None:
    src = to_crs(buildings_in_project(), PROJECT, crs)
    path = write_gdal(tmp_path / "房屋面.shp", src, {"名称": NAMES, "户数": [120, 80, 45],
                                                      "层数": [6, 18, 3]}, crs, encoding="GBK")
    assert not path.with_suffix(".cpg").exists()
    raw = path.with_suffix(".dbf").read_bytes()
    assert "夏阳湖".encode("gbk") in raw  # really GBK bytes on disk
    p = preview_vector(path, project_crs=PROJECT, project_extent=EXTENT)
    assert p.encoding == "GB18030" and p.encoding_source == "detected"
    assert p.columns == ["名称", "户数", "层数"]
    assert [r["名称"] for r in p.rows] == NAMES  # the clerk sees real Chinese
    assert p.crs == crs and p.crs_source == "file" and not p.crs_candidates
    assert p.role == "buildings" and p.role_source == "name"
    assert p.fields == {"households": "户数", "floors": "层数", "name": "名称"}
    result = import_vector(path, PROJECT, "buildings_2", role="buildings")
    layer = result.layer
    assert landed(layer.data.geometries, src, crs) < 0.5
    assert layer.data.attributes[0] == {"households": 120, "floors": 6, "name": NAMES[0]}
    assert layer.kind == "vector" and layer.role == "buildings" and layer.crs == PROJECT
    assert layer.options["encoding"] == "GB18030" and layer.options["source_crs"] == crs
    assert layer.options["fields"]["households"] == "户数"
    assert result.report.imported == 3 and result.report.repaired == 0
    if crs in ("EPSG:2385", "EPSG:2416"):  # Xi'an 80 / Beijing 54: the clerk is warned
        assert any("西安80" in zh for zh, _ in result.report.notes)


def test_zipped_gbk_shapefile(tmp_path) -> None:
    """Shapefiles often arrive zipped by e-mail: read in place, text still detected."""
    import zipfile

    src = to_crs(buildings_in_project(), PROJECT, "EPSG:4528")
    shp = write_gdal(tmp_path / "房屋.shp", src, {"名称": NAMES}, "EPSG:4528", encoding="GBK")
    archive = tmp_path / "测绘成果.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for part in tmp_path.glob("房屋.*"):
            z.write(part, part.name)
    p = preview_vector(archive)
    assert p.encoding == "GB18030" and p.rows[0]["名称"] == NAMES[0] and p.crs == "EPSG:4528"
    result = import_vector(archive, PROJECT, "b", role="buildings")
    assert landed(result.layer.data.geometries, src, "EPSG:4528") < 0.5
    assert shp.exists()


def test_shapefile_without_prj_zone_prefixed_needs_the_clerk(tmp_path) -> None:
    src = to_crs(buildings_in_project(), PROJECT, "EPSG:4528")
    path = write_gdal(tmp_path / "jzw.shp", src, {"HS": [1, 2, 3], "MC": NAMES}, None,
                      encoding="GBK")
    assert not path.with_suffix(".prj").exists()
    p = preview_vector(path, role="buildings", project_crs=PROJECT, project_extent=EXTENT)
    assert p.crs_source == "guess"
    assert [c.crs for c in p.crs_candidates[:3]] == ["EPSG:4528", "EPSG:2364", "EPSG:2416"]
    assert p.fields["households"] == "HS" and p.fields["name"] == "MC"
    with pytest.raises(InputError) as e:
        import_vector(path, PROJECT, "b", role="buildings", project_extent=EXTENT)
    assert "EPSG:4528" in e.value.zh and "--crs" in e.value.en
    result = import_vector(path, PROJECT, "b", role="buildings", crs=p.crs_candidates[0].crs)
    assert landed(result.layer.data.geometries, src, "EPSG:4528") < 0.5


def test_shapefile_without_prj_unprefixed_is_ranked_by_the_project(tmp_path) -> None:
    src = buildings_in_project()
    path = write_gdal(tmp_path / "b.shp", src, {"NAME": ["a", "b", "c"]}, None)
    p = preview_vector(path, role="buildings", project_crs=PROJECT, project_extent=EXTENT)
    assert p.crs_candidates[0].crs == "EPSG:4549" and p.crs_candidates[0].distance_km == 0
    # without a project to compare with, a zone-less easting fits every central meridian
    assert guess_crs(shapely.get_coordinates(src)) == []


def test_shapefile_in_degrees_without_prj_is_trusted(tmp_path) -> None:
    src = to_crs(buildings_in_project(), PROJECT, "EPSG:4490")
    path = write_gdal(tmp_path / "b.shp", src, {"NAME": ["a", "b", "c"]}, None)
    result = import_vector(path, PROJECT, "b", role="buildings", project_extent=EXTENT)
    assert landed(result.layer.data.geometries, src, "EPSG:4490") < 0.5
    assert any("EPSG:4490" in zh for zh, _ in result.report.notes)


def test_swapped_axes_are_offered(tmp_path) -> None:
    src = shapely.transform(buildings_in_project(), lambda c: c[:, ::-1].copy())
    path = write_gdal(tmp_path / "swapped.shp", src, {"NAME": ["a", "b", "c"]}, None)
    p = preview_vector(path, role="buildings", project_crs=PROJECT, project_extent=EXTENT)
    best = p.crs_candidates[0]
    assert best.crs == "EPSG:4549" and best.swap_xy and p.swap_xy
    result = import_vector(path, PROJECT, "b", role="buildings", crs=best.crs, swap_xy=True)
    want = shapely.get_coordinates(buildings_in_project())
    assert np.abs(shapely.get_coordinates(result.layer.data.geometries) - want).max() < 1e-6


def test_utf8_and_cpg_and_wrong_encoding(tmp_path) -> None:
    src = buildings_in_project()
    utf8 = write_gdal(tmp_path / "u.shp", src, {"名称": NAMES}, PROJECT)  # pyogrio: UTF-8
    p = preview_vector(utf8, role="buildings")
    assert p.encoding == "UTF-8" and p.rows[1]["名称"] == NAMES[1]
    cpg = write_gdal(tmp_path / "g.shp", src, {"名称": NAMES}, PROJECT, encoding="GBK",
                     keep_cpg=True)
    p = preview_vector(cpg, role="buildings")
    assert p.encoding_source == "cpg" and p.rows[2]["名称"] == NAMES[2]
    gbk = write_gdal(tmp_path / "x.shp", src, {"名称": NAMES}, PROJECT, encoding="GBK")
    with pytest.raises(InputError) as e:
        import_vector(gbk, PROJECT, "b", role="buildings", encoding="UTF-8")
    assert "UTF-8" in e.value.zh and "encoding" in e.value.en
    with pytest.raises(InputError):
        preview_vector(gbk, encoding="no-such-codec")
    assert import_vector(gbk, PROJECT, "b", role="buildings", encoding="GBK"
                         ).layer.data.attributes[0]["name"] == NAMES[0]


def test_declared_crs_that_cannot_be_right_is_refused(tmp_path) -> None:
    src = to_crs(buildings_in_project(), PROJECT, "EPSG:4528")  # zone-prefixed eastings …
    path = write_gdal(tmp_path / "b.shp", src, {"NAME": ["a", "b", "c"]}, PROJECT)  # … as 4549
    p = preview_vector(path, role="buildings", project_crs=PROJECT, project_extent=EXTENT)
    assert p.warnings and p.crs_candidates[0].crs == "EPSG:4528"
    with pytest.raises(InputError) as e:
        import_vector(path, PROJECT, "b", role="buildings", project_extent=EXTENT)
    assert "EPSG:4528" in e.value.en
    with pytest.raises(InputError) as e:  # no project to rank candidates: still refused
        import_vector(path, PROJECT, "b", role="buildings")
    assert "--crs" in e.value.en
    with pytest.raises(InputError) as e:  # the clerk insists on a CRS that cannot place them
        import_vector(path, PROJECT, "b", role="buildings", crs="EPSG:4548")
    assert "EPSG:4548" in e.value.zh and "CRS" in e.value.en


# -- a surveyor's DXF ----------------------------------------------------------------------

def surveyor_dxf(path: Path) -> dict:
    """A 1:500 drawing in CGCS2000 zone 40 with the zone prefix, written by ezdxf: buildings
    as closed polylines on 房屋, roads on 道路, house numbers on 门牌, a structure/floor note
    on 注记, and the usual junk: a closed polyline at the origin and a stray line on 0."""
    import ezdxf

    tr = Transformer.from_crs(PROJECT, "EPSG:4528", always_xy=True)
    blds = buildings_in_project()
    doc = ezdxf.new("R2010")
    msp = doc.modelspace()
    for name in ("房屋", "道路", "门牌", "注记"):
        doc.layers.add(name)
    src_blds = []
    for b in blds:
        pts = [tr.transform(x, y) for x, y in list(b.exterior.coords)[:-1]]
        msp.add_lwpolyline(pts, close=True, dxfattribs={"layer": "房屋"})
        src_blds.append(Polygon(pts))
    road = [tr.transform(CX - 100, CY - 5), tr.transform(CX + 100, CY - 5)]
    msp.add_lwpolyline(road, dxfattribs={"layer": "道路"})
    c0 = blds[0].centroid
    msp.add_text("12号", dxfattribs={"layer": "门牌", "insert": tr.transform(c0.x, c0.y)})
    c1 = blds[1].centroid
    msp.add_text("砼5", dxfattribs={"layer": "注记", "insert": tr.transform(c1.x, c1.y + 3)})
    msp.add_text("夏阳路", dxfattribs={"layer": "注记", "insert": tr.transform(CX, CY - 8)})
    msp.add_lwpolyline([(0, 0), (10, 0), (10, 10), (0, 10)], close=True,
                       dxfattribs={"layer": "房屋"})
    msp.add_line((0, 0), (5, 5))
    doc.saveas(path)
    return {"buildings": src_blds, "road": LineString(road)}


def test_dxf_buildings_roads_and_house_numbers(tmp_path) -> None:
    path = tmp_path / "地形图 1-500.dxf"
    truth = surveyor_dxf(path)
    p = preview_vector(path, project_crs=PROJECT, project_extent=EXTENT)
    cad = {c.name: c for c in p.cad_layers}
    assert {"房屋", "道路", "门牌", "注记", "0"} <= set(cad)
    assert cad["房屋"].role == "buildings" and cad["道路"].role == "roads"
    assert cad["房屋"].types == {"ClosedLine": 4}
    assert p.crs is not None and p.crs_source == "guess" and p.crs_candidates[0].crs == "EPSG:4528"
    with pytest.raises(InputError) as e:  # a drawing never says its CRS: the clerk must
        import_vector(path, PROJECT, "b", role="buildings", project_extent=EXTENT)
    assert "EPSG:4528" in e.value.zh

    result = import_vector(path, PROJECT, "b", role="buildings", crs="EPSG:4528")
    layer, rep = result.layer, result.report
    assert layer.options["cad_layers"] == ["房屋"]
    assert rep.read == 4 and rep.imported == 3 and rep.outside_crs_area == 1
    assert rep.converted == {"closed_lines_to_polygons": 4}
    assert all(g.geom_type == "Polygon" for g in layer.data.geometries)
    assert landed(layer.data.geometries, truth["buildings"], "EPSG:4528") < 0.5
    attrs = layer.data.attributes
    assert attrs[0]["name"] == "12号" and attrs[0]["Layer"] == "房屋"
    assert attrs[1]["floors"] == 5 and "name" not in attrs[1]
    assert rep.texts_attached == 2

    roads = import_vector(path, PROJECT, "r", role="roads", crs="EPSG:4528").layer
    assert len(roads.data) == 1 and roads.data.geometries[0].geom_type == "LineString"
    assert landed(roads.data.geometries, [truth["road"]], "EPSG:4528") < 0.5
    # a CAD layer picked by name (--layer): texts as points of interest
    pois = import_vector(path, PROJECT, "p", role="pois", layer="门牌,注记", crs="EPSG:4528")
    assert sorted(a["name"] for a in pois.layer.data.attributes) == sorted(["夏阳路", "砼5", "12号"])
    with pytest.raises(InputError) as e:
        import_vector(path, PROJECT, "x", role="roads", layer="不存在", crs="EPSG:4528")
    assert "房屋" in e.value.zh


# -- GeoJSON, KML, GeoPackage ----------------------------------------------------------------

def test_geojson_in_cgcs2000(tmp_path) -> None:
    src = to_crs(buildings_in_project(), PROJECT, "EPSG:4490")
    path = write_gdal(tmp_path / "committees.geojson", src, {"name": ["一居", "二居", "三居"]},
                      "EPSG:4490", driver="GeoJSON")
    p = preview_vector(path)
    assert p.crs == "EPSG:4490" and p.role == "committees" and p.rows[0]["name"] == "一居"
    result = import_vector(path, PROJECT, "c", role="committees")
    assert landed(result.layer.data.geometries, src, "EPSG:4490") < 0.5
    assert [a["name"] for a in result.layer.data.attributes] == ["一居", "二居", "三居"]


def test_kml_from_gdal(tmp_path) -> None:
    src = to_crs(buildings_in_project(), PROJECT, "EPSG:4326")
    path = write_gdal(tmp_path / "villager groups.kml", src, {"Name": ["一组", "二组", "三组"]},
                      "EPSG:4326", driver="KML")
    p = preview_vector(path, role="villager_groups")
    assert p.fields["name"] == "Name"
    result = import_vector(path, PROJECT, "v", role="villager_groups")
    assert landed(result.layer.data.geometries, src, "EPSG:4326") < 0.5
    assert result.layer.data.attributes[2]["name"] == "三组"


def test_geopackage_with_two_layers(tmp_path) -> None:
    path = tmp_path / "basemap.gpkg"
    write_gdal(path, buildings_in_project(), {"名称": NAMES}, PROJECT, driver="GPKG",
               layer="房屋")
    write_gdal(path, [LineString([(CX, CY), (CX + 100, CY)])], {"道路名称": ["夏阳路"]}, PROJECT,
               driver="GPKG", layer="道路", append=True)
    p = preview_vector(path)
    assert p.layers == ["房屋", "道路"]
    with pytest.raises(InputError) as e:
        import_vector(path, PROJECT, "r", role="roads")
    assert "道路" in e.value.zh and "--layer" in e.value.en
    roads = import_vector(path, PROJECT, "r", role="roads", layer="道路").layer
    assert roads.data.attributes == [{"name": "夏阳路"}] and roads.options["source_layer"] == "道路"
    assert preview_vector(path, layer="道路").role == "roads"


# -- repairs, counts and failures -------------------------------------------------------------

def test_invalid_repaired_empty_and_misfits_counted(tmp_path) -> None:
    bow = Polygon([(CX, CY), (CX + 20, CY + 20), (CX + 20, CY), (CX, CY + 20)])
    geoms = [bow, box(CX + 50, CY, CX + 60, CY + 10), Point(CX, CY), Polygon()]
    path = write_gdal(tmp_path / "mixed.geojson", geoms, {"户数": ["120户", "未知", "3", "4"]},
                      PROJECT, driver="GeoJSON")
    result = import_vector(path, PROJECT, "b", role="buildings")
    rep = result.report
    assert rep.read == 4 and rep.imported == 2 and rep.repaired == 1 and rep.dropped_empty == 1
    assert rep.dropped_geometry == {"Point": 1}
    assert all(g.is_valid for g in result.layer.data.geometries)
    assert result.layer.data.geometries[0].area == pytest.approx(200.0)  # both bow-tie halves
    assert [a["households"] for a in result.layer.data.attributes] == [120, None]
    assert rep.bad_numbers == {"households": 1}
    text = "\n".join(rep.lines("zh") + rep.lines("en"))
    assert "修复无效几何 1 个" in text and "repaired 1 invalid" in text


def test_unreadable_and_missing_files(tmp_path) -> None:
    bad = tmp_path / "坏文件.shp"
    bad.write_bytes(b"this is not a shapefile")
    for path in (bad, tmp_path / "missing.geojson", tmp_path):
        with pytest.raises(InputError) as e:
            preview_vector(path)
        assert e.value.zh and e.value.en and "\n" not in str(e.value)
    empty = write_gdal(tmp_path / "pts.geojson", [Point(CX, CY)], {"a": [1]}, PROJECT,
                       driver="GeoJSON")
    with pytest.raises(InputError) as e:
        import_vector(empty, PROJECT, "b", role="buildings")
    assert "建筑" in e.value.zh


def test_role_words() -> None:
    assert suggest_role("JZW_房屋面") == "buildings"
    assert suggest_role("道路中心线") == "roads"
    assert suggest_role("村民小组界线") == "villager_groups"
    assert suggest_role("road_network") == "roads"
    assert suggest_role("broad") is None  # 'road' inside a word does not count … for short words
    assert suggest_role("随便") is None


# -- the rules read an imported layer like the demo's own -----------------------------------

def test_imported_buildings_give_the_demo_findings(tmp_path) -> None:
    """The demo's buildings, exported by GDAL as a zone-prefixed GBK Shapefile without .cpg and
    imported back, give the same building-cut findings as the demo's own layer."""
    from mapedit.demo import generate
    from mapedit.rules.engine import Checker

    ds = generate()
    own = ds.layers.features("buildings")
    src = to_crs(np.asarray(own.geometries, dtype=object), ds.crs, "EPSG:4528")
    path = write_gdal(tmp_path / "楼栋.shp", src,
                      {"户数": [a.get("households") or 0 for a in own.attributes],
                       "名称": [a.get("name") or "" for a in own.attributes]},
                      "EPSG:4528", encoding="GBK")

    def cuts() -> list[tuple]:
        found = Checker(ds).run_full()
        out = []
        for f in found:
            if f.rule == "building-cut":
                c = f.location.centroid
                out.append((tuple(sorted(f.features)), f.unit, round(c.x), round(c.y),
                            round(f.area_m2)))
        return sorted(out)

    before = cuts()
    assert before, "the demo has a cut building"
    result = import_vector(path, ds.crs, "buildings_imported", role="buildings")
    ds.layers.remove("buildings")
    ds.layers.insert(result.layer)
    assert ds.layers.features("buildings") is result.layer.data
    assert cuts() == before
    hh = [a.get("households") for a in result.layer.data.attributes]
    assert hh == [a.get("households") or 0 for a in own.attributes]
