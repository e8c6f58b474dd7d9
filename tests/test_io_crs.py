"""CRS choice and transforms."""

from __future__ import annotations

import pytest
import shapely
from shapely.geometry import Polygon

from mapedit.errors import InputError
from mapedit.io.crs import check_metric, from_wgs84, metric_crs_for, to_wgs84


def test_crs_choice() -> None:
    assert metric_crs_for(121.1, 31.15) == "EPSG:4549"  # CGCS2000 GK CM 120E (Shanghai)
    assert metric_crs_for(116.4, 39.9) == "EPSG:4548"  # Beijing, CM 117E
    assert metric_crs_for(2.35, 48.85) == "EPSG:32631"  # outside China: UTM
    with pytest.raises(InputError):
        metric_crs_for(500000.0, 3446000.0)  # projected metres given as lon/lat


def test_check_metric() -> None:
    check_metric("EPSG:4549")
    with pytest.raises(InputError):
        check_metric("EPSG:4326")
    with pytest.raises(InputError):
        check_metric("not a crs")


def test_roundtrip_precision_and_area() -> None:
    poly = Polygon([(121.10, 31.15), (121.101, 31.15), (121.101, 31.151), (121.10, 31.151)])
    m = from_wgs84(poly, "EPSG:4549")
    assert 9_000 < m.area < 12_500  # about 95 m x 111 m
    back = to_wgs84(m, "EPSG:4549")
    assert shapely.equals_exact(back, poly, tolerance=1e-9)


# -- the zone rule (was round(), which rounds halves to even) --------------------------------
@pytest.mark.parametrize("lon, epsg", [
    (121.4999999, "EPSG:4549"),  # CM 120E
    (121.5, "EPSG:4550"),        # a boundary belongs to the zone to its east: CM 123E
    (121.5000001, "EPSG:4550"),
    (118.5, "EPSG:4549"),        # round(39.5) == 40 by luck; floor rule gives CM 120E too
    (118.4999999, "EPSG:4548"),  # CM 117E
    (115.5, "EPSG:4548"),        # round(38.5) == 38 (even): was CM 114E
    (124.5, "EPSG:4551"),        # round(41.5) == 42: CM 126E, as the rule says
    (75.0, "EPSG:4534"), (135.0, "EPSG:4554"),
])
def test_gauss_kruger_zone_is_deterministic(lon: float, epsg: str) -> None:
    assert metric_crs_for(lon, 31.2) == epsg


def test_central_meridian_rule() -> None:
    from mapedit.io.crs import gk3_central_meridian

    assert [gk3_central_meridian(x) for x in (121.5, 121.4999999, 120.0, 118.5)] == [
        123, 120, 120, 120]


def test_utm_outside_china_and_edges() -> None:
    assert metric_crs_for(-180.0, 10.0) == "EPSG:32601"
    assert metric_crs_for(180.0, 10.0) == "EPSG:32660"
    assert metric_crs_for(3.0, -33.0) == "EPSG:32731"


def test_units_centred_on_121_5_get_the_eastern_zone(tmp_path) -> None:
    """The project CRS of a Shanghai street no longer depends on which side of 121.5°E
    rounding happens to fall."""
    import json

    from mapedit.io.exchange import read_units

    ring = [[121.499, 31.2], [121.501, 31.2], [121.501, 31.201], [121.499, 31.201],
            [121.499, 31.2]]
    p = tmp_path / "u.geojson"
    p.write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {"code": "310118005001", "name": "x",
                                          "unit_type": "小区"},
        "geometry": {"type": "Polygon", "coordinates": [ring]}}]}), encoding="utf-8")
    assert read_units(p)[1] == "EPSG:4550"


def test_gcj02_lives_in_crs() -> None:
    from mapedit.io import crs, exchange

    assert exchange.wgs84_to_gcj02 is crs.wgs84_to_gcj02  # one copy of the maths
    g = Polygon([(121.1, 31.1), (121.2, 31.1), (121.2, 31.2)])
    back = crs.geoms_from_gcj02(crs.geoms_to_gcj02(g))
    assert shapely.hausdorff_distance(back, g) < 1e-9
