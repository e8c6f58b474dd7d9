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
