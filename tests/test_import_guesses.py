"""The guesses behind the import preview: CRS from coordinate magnitudes, text encodings, and
which column holds households, names, road classes."""

from __future__ import annotations

import numpy as np
import pyogrio.raw as ogr_raw
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import box

from mapedit.errors import InputError
from mapedit.io import crs_guess, field_mapping, text_encoding
from mapedit.io.vector_import import preview_vector

PROJECT = "EPSG:4549"
CX, CY = Transformer.from_crs("EPSG:4326", PROJECT, always_xy=True).transform(121.2, 31.1)
EXTENT = (CX - 2000, CY - 2000, CX + 2000, CY + 2000)


def _at(crs: str) -> np.ndarray:
    x, y = Transformer.from_crs(PROJECT, crs, always_xy=True).transform(CX, CY)
    d = 3e-4 if abs(x) <= 180 else 30.0  # a building's size, in degrees or metres
    return np.array([[x, y], [x + d, y + d]])


@pytest.mark.parametrize("crs,first", [
    ("EPSG:4528", ["EPSG:4528", "EPSG:2364", "EPSG:2416"]),  # 3° zone 40, prefixed
    ("EPSG:4501", ["EPSG:4501", "EPSG:2337", "EPSG:21423"]),  # 6° zone 23 (far north-east)
    ("EPSG:4490", ["EPSG:4490", "EPSG:4326"]),
])
def test_magnitudes_give_the_family(crs, first) -> None:
    if crs == "EPSG:4501":
        pts = np.array(Transformer.from_crs("EPSG:4326", crs, always_xy=True)
                       .transform(133.0, 47.0)).reshape(1, 2)
        got = crs_guess.guess_crs(pts)
    else:
        got = crs_guess.guess_crs(_at(crs), PROJECT, EXTENT)
    assert [c.crs for c in got[:len(first)]] == first


def test_zone_less_eastings_ranked_by_the_project() -> None:
    got = crs_guess.guess_crs(_at("EPSG:4549"), PROJECT, EXTENT)
    assert got[0].crs == "EPSG:4549" and got[0].distance_km == 0.0
    assert {c.crs for c in got} >= {"EPSG:2385", "EPSG:2437"}  # Xi'an 80 and Beijing 54, CM 120
    assert all(c.distance_km is not None and c.distance_km < 100 for c in got)
    # UTM 51N (CM 123E) also has a 500 km false easting, but puts the data far away
    assert "EPSG:32651" not in [c.crs for c in got]


def test_local_cad_coordinates_give_nothing() -> None:
    assert crs_guess.guess_crs(np.array([[1234.5, 987.6], [1300.0, 1000.0]]), PROJECT,
                               EXTENT) == []
    assert crs_guess.guess_crs(np.array([[-52_000.0, 8_000.0]]), PROJECT, EXTENT) == []
    # small numbers that could be degrees are offered, but say how far off they would be
    far = crs_guess.guess_crs(np.array([[12.0, 20.0]]), PROJECT, EXTENT)
    assert far and far[0].distance_km > 1000
    assert crs_guess.guess_crs(np.empty((0, 2))) == []


def test_median_ignores_stray_entities() -> None:
    pts = np.vstack([_at("EPSG:4528")] * 20 + [np.array([[0.0, 0.0], [10.0, 10.0]])])
    assert crs_guess.guess_crs(pts, PROJECT, EXTENT)[0].crs == "EPSG:4528"


def test_descriptions_and_codes() -> None:
    assert crs_guess.describe_crs("EPSG:4549")[0] == "CGCS2000 国家大地坐标系 3度带 中央经线 120°E"
    assert crs_guess.describe_crs("EPSG:4528")[0] == "CGCS2000 国家大地坐标系 3度带 第40带(坐标含带号)"
    assert crs_guess.describe_crs("EPSG:2364")[0].startswith("西安80坐标系")
    assert crs_guess.describe_crs("EPSG:21413")[0] == "北京54坐标系 6度带 第13带(坐标含带号)"
    assert crs_guess.describe_crs("EPSG:4490") == ("CGCS2000 经纬度", "CGCS2000 longitude/latitude")
    esri = ('PROJCS["Xian_1980_3_Degree_GK_CM_120E",GEOGCS["GCS_Xian_1980",DATUM["D_Xian_1980",'
            'SPHEROID["Xian_1980",6378140.0,298.257]],PRIMEM["Greenwich",0.0],UNIT["Degree",'
            '0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",500000.0],'
            'PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",120.0],PARAMETER['
            '"Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]')
    assert crs_guess.crs_code(esri) == "EPSG:2385"
    assert crs_guess.legacy_datum_note("EPSG:2385") and not crs_guess.legacy_datum_note(PROJECT)
    with pytest.raises(InputError):
        crs_guess.parse_crs("EPSG:999999")
    assert crs_guess.check_declared("EPSG:4528", _at("EPSG:4528")) is None
    assert crs_guess.check_declared("EPSG:4549", _at("EPSG:4528")) is not None


# -- encodings ----------------------------------------------------------------------------------

def test_sniffing() -> None:
    assert text_encoding.sniff([b"abc", "夏阳".encode()]) == "UTF-8"
    assert text_encoding.sniff([b"abc", "夏阳".encode("gbk")]) == "GB18030"
    assert text_encoding.sniff([]) == "UTF-8"
    assert text_encoding.normalise("936") == "GB18030"
    assert text_encoding.normalise("cp936") == "GB18030"
    assert text_encoding.decode("夏阳".encode("gbk").decode("latin-1"), "GB18030") == "夏阳"
    # a fixed-width DBF field cut inside a character: a replacement mark, not a failure
    cut = "夏阳".encode("gbk")[:3].decode("latin-1")
    assert text_encoding.decode(cut, "GB18030").startswith("夏")


def test_dbf_code_page_without_cpg(tmp_path) -> None:
    """ArcGIS marks GBK tables with language driver 0x4D and writes no .cpg."""
    path = tmp_path / "arc.shp"
    ogr_raw.write(path, shapely.to_wkb(np.array([box(CX, CY, CX + 5, CY + 5)])),
                  [np.array(["城中北路"], dtype=object)], ["NAME"], geometry_type="Polygon",
                  crs=PROJECT, encoding="GBK")
    path.with_suffix(".cpg").unlink()
    dbf = bytearray(path.with_suffix(".dbf").read_bytes())
    dbf[29] = 0x4D
    path.with_suffix(".dbf").write_bytes(bytes(dbf))
    p = preview_vector(path)
    assert (p.encoding, p.encoding_source) == ("GB18030", "dbf")
    assert p.rows[0]["NAME"] == "城中北路"


# -- field guesses ----------------------------------------------------------------------------

@pytest.mark.parametrize("columns,role,expected", [
    (["OBJECTID", "名称", "户数", "层数"], "buildings",
     {"households": "户数", "floors": "层数", "name": "名称"}),
    (["FID", "MC", "HS", "CS"], "buildings", {"households": "HS", "floors": "CS", "name": "MC"}),
    (["id", "name", "households", "building:levels"], "buildings",
     {"households": "households", "floors": "building:levels", "name": "name"}),
    (["道路名称", "道路等级", "长度"], "roads", {"class": "道路等级", "name": "道路名称"}),
    (["NAME", "FCLASS"], "roads", {"class": "FCLASS", "name": "NAME"}),
    (["建筑户数", "楼栋名称"], "buildings", {"households": "建筑户数", "floors": None,
                                          "name": "楼栋名称"}),
    (["组名", "单元编码"], "villager_groups", {"name": "组名", "unit_code": "单元编码"}),
    (["x", "y"], "pois", {"kind": None, "name": None}),
])
def test_field_guesses(columns, role, expected) -> None:
    if "building:levels" in columns:
        expected = dict(expected, floors=None)  # not a name we know: the clerk maps it
    assert field_mapping.guess_fields(role, columns) == expected


def test_numbers_and_mapping_errors() -> None:
    assert field_mapping.to_int("120户") == (120, True)
    assert field_mapping.to_int("1,200") == (1200, True)
    assert field_mapping.to_int(7.6) == (8, True)
    assert field_mapping.to_int("") == (None, True)
    assert field_mapping.to_int("未知") == (None, False)
    assert field_mapping.parse_mapping(["households=HS"], "buildings", ["HS"]) == \
        {"households": "HS"}
    for bad in (["households"], ["speed=HS"], ["households=NOPE"]):
        with pytest.raises(InputError):
            field_mapping.parse_mapping(bad, "buildings", ["HS"])
    cols = {"HS": [1, "2户", None, "x"], "MC": [12, "二号楼", None, 3.0]}
    attrs, bad = field_mapping.map_attributes(cols, {"households": "HS", "name": "MC"})
    assert [a["households"] for a in attrs] == [1, 2, None, None]
    assert [a["name"] for a in attrs] == ["12", "二号楼", None, "3"]
    assert bad == {"households": 1}
    vals = field_mapping.column_values(np.array([1.5, np.nan]))
    assert vals == [1.5, None]
