"""Coordinate reference systems: choose a metric CRS from the data, transform to/from WGS84.

Editing and checking happen in a metric projected CRS so areas are square metres and tolerances
are metres. In China we use CGCS2000 3-degree Gauss-Krüger zones (EPSG:4534..4554, CM 75E..135E;
EPSG:4549 = CM 120E near Shanghai); elsewhere the WGS84 UTM zone.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import shapely
from pyproj import CRS, Transformer
from shapely.geometry.base import BaseGeometry

from mapedit.errors import InputError

WGS84 = "EPSG:4326"


def metric_crs_for(lon: float, lat: float) -> str:
    """The projected CRS mapedit uses for data centred at (lon, lat)."""
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise InputError(f"坐标 ({lon:.3f}, {lat:.3f}) 不是经纬度,请确认文件为 WGS84 (EPSG:4326)",
                         f"coordinates ({lon:.3f}, {lat:.3f}) are not longitude/latitude; "
                         "the file must be WGS84 (EPSG:4326)")
    cm = int(round(lon / 3.0)) * 3
    if 75 <= cm <= 135 and 15 <= lat <= 55:
        return f"EPSG:{4534 + (cm - 75) // 3}"
    zone = int((lon + 180) // 6) + 1
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
