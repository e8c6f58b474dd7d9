"""Coordinate reference systems: choose a metric CRS from the data, transform to/from WGS84,
and the GCJ-02 offset some Chinese platforms want.

Editing and checking happen in a metric projected CRS so areas are square metres and tolerances
are metres. In China we use CGCS2000 3-degree Gauss-Krüger zones (EPSG:4534..4554, CM 75E..135E;
EPSG:4549 = CM 120E near Shanghai); elsewhere the WGS84 UTM zone. The zone is chosen by a fixed
rule (:func:`gk3_central_meridian`): a 3-degree zone covers ``[CM - 1.5, CM + 1.5)`` and a
longitude exactly on a boundary (e.g. 121.5°E, inside Shanghai) belongs to the zone to its east.

GCJ-02 ("Mars coordinates") is the public offset formula used by Chinese web maps; it lives
here with the other coordinate maths so export, import and base maps share one copy.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import shapely
from pyproj import CRS, Transformer
from shapely.geometry.base import BaseGeometry

from mapedit.errors import InputError

WGS84 = "EPSG:4326"

GK3_FIRST_EPSG = 4534
"""CGCS2000 3-degree Gauss-Krüger CM 75E; EPSG codes run up by one per zone to 4554 (135E)."""


def gk3_central_meridian(lon: float) -> int:
    """Central meridian (degrees) of the 3-degree zone holding ``lon``.

    Zone ``n`` has central meridian ``3n`` and covers ``[3n - 1.5, 3n + 1.5)``, so
    ``n = floor((lon + 1.5) / 3)``: a longitude on a boundary goes east (121.5°E → 123°E).
    Python's ``round()`` rounds halves to even, which put 121.5°E in the 120°E zone while
    121.5000001°E went to 123°E, so the project CRS of a Shanghai street flipped with its data.
    """
    return 3 * math.floor((lon + 1.5) / 3.0)


def metric_crs_for(lon: float, lat: float) -> str:
    """The projected CRS mapedit uses for data centred at (lon, lat): the CGCS2000 3-degree
    Gauss-Krüger zone of :func:`gk3_central_meridian` inside China (CM 75E..135E, latitude
    15..55), the WGS84 UTM zone ``floor((lon + 180) / 6) + 1`` elsewhere (a boundary goes east
    too)."""
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise InputError(f"坐标 ({lon:.3f}, {lat:.3f}) 不是经纬度,请确认文件为 WGS84 (EPSG:4326)",
                         f"coordinates ({lon:.3f}, {lat:.3f}) are not longitude/latitude; "
                         "the file must be WGS84 (EPSG:4326)")
    cm = gk3_central_meridian(lon)
    if 75 <= cm <= 135 and 15 <= lat <= 55:
        return f"EPSG:{GK3_FIRST_EPSG + (cm - 75) // 3}"
    zone = min(int(math.floor((lon + 180.0) / 6.0)) + 1, 60)
    return f"EPSG:{(32600 if lat >= 0 else 32700) + zone}"


def check_metric(crs: str) -> CRS:
    """Parse a CRS and refuse geographic or non-metre ones (areas would be wrong)."""
    try:
        c = CRS.from_user_input(crs)
    except Exception as exc:  # pyproj raises CRSError with English text
        raise InputError(f"无法识别坐标系 {crs}", f"unknown coordinate system {crs}") from exc
    unit = c.axis_info[0].unit_name if c.axis_info else ""
    if not c.is_projected or unit not in ("metre", "meter"):
        raise InputError(f"坐标系 {crs} 不是以米为单位的投影坐标系",
                         f"coordinate system {crs} is not projected in metres")
    return c


@lru_cache(maxsize=32)
def _transformer(src: str, dst: str) -> Transformer:
    return Transformer.from_crs(src, dst, always_xy=True)


def transform(geoms, src: str, dst: str):
    """Transform a geometry or an array of geometries (vectorised over all coordinates)."""
    if src == dst:
        return geoms
    tr = _transformer(src, dst)

    def fn(coords: np.ndarray) -> np.ndarray:
        x, y = tr.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geoms, fn)


def to_wgs84(geoms, crs: str):
    return transform(geoms, crs, WGS84)


def from_wgs84(geoms, crs: str):
    return transform(geoms, WGS84, crs)


def crs_wkt(crs: str) -> str:
    return CRS.from_user_input(crs).to_wkt()


def epsg_of(crs: str) -> int | None:
    return CRS.from_user_input(crs).to_epsg()


def geom_center_lonlat(geoms: list[BaseGeometry]) -> tuple[float, float]:
    b = shapely.total_bounds(np.asarray(geoms, dtype=object))
    return (float(b[0] + b[2]) / 2, float(b[1] + b[3]) / 2)


# --------------------------------------------------------------------------------------------
# GCJ-02 ("Mars coordinates"): the public offset formula used by Chinese web maps.
# --------------------------------------------------------------------------------------------
_GCJ_A = 6378245.0
_GCJ_EE = 0.00669342162296594323


def _gcj_offset(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(dlon, dlat) in degrees to add to WGS84 to get GCJ-02; zero outside mainland China's
    bounding box, as the formula defines."""
    x = lon - 105.0
    y = lat - 35.0
    pi = math.pi
    dlat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
            + (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
            + (20.0 * np.sin(y * pi) + 40.0 * np.sin(y / 3.0 * pi)) * 2.0 / 3.0
            + (160.0 * np.sin(y / 12.0 * pi) + 320.0 * np.sin(y * pi / 30.0)) * 2.0 / 3.0)
    dlon = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
            + (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
            + (20.0 * np.sin(x * pi) + 40.0 * np.sin(x / 3.0 * pi)) * 2.0 / 3.0
            + (150.0 * np.sin(x / 12.0 * pi) + 300.0 * np.sin(x / 30.0 * pi)) * 2.0 / 3.0)
    rad = lat / 180.0 * pi
    magic = 1.0 - _GCJ_EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_GCJ_A * (1.0 - _GCJ_EE)) / (magic * sqrt_magic) * pi)
    dlon = (dlon * 180.0) / (_GCJ_A / sqrt_magic * np.cos(rad) * pi)
    outside = (lon < 72.004) | (lon > 137.8347) | (lat < 0.8293) | (lat > 55.8271)
    return np.where(outside, 0.0, dlon), np.where(outside, 0.0, dlat)


def wgs84_to_gcj02(lon, lat):
    """WGS84 → GCJ-02 for scalars or arrays of degrees."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    dlon, dlat = _gcj_offset(lon, lat)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84(lon, lat):
    """GCJ-02 → WGS84 by fixed-point iteration (the offset varies slowly, so a few rounds reach
    well below a millimetre)."""
    glon = np.asarray(lon, dtype=float)
    glat = np.asarray(lat, dtype=float)
    wlon, wlat = glon.copy(), glat.copy()
    for _ in range(8):
        dlon, dlat = _gcj_offset(wlon, wlat)
        wlon = glon - dlon
        wlat = glat - dlat
    return wlon, wlat


def geoms_to_gcj02(geoms):
    """WGS84 geometries (one or an array) → GCJ-02."""
    return _geoms_gcj(geoms, wgs84_to_gcj02)


def geoms_from_gcj02(geoms):
    """GCJ-02 geometries (one or an array) → WGS84."""
    return _geoms_gcj(geoms, gcj02_to_wgs84)


def _geoms_gcj(geoms, fn):
    def apply(c: np.ndarray) -> np.ndarray:
        x, y = fn(c[:, 0], c[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geoms, apply)
