"""Which coordinate system a file is in, when the file does not say (or says something odd).

Survey data reaches a street office as Shapefiles without ``.prj`` and CAD drawings that never
carry a CRS. The coordinates themselves still tell a lot about the CRS in the few systems used
in China:

* degrees (|x| ≤ 180, |y| ≤ 90): CGCS2000 geographic (EPSG:4490) or WGS84 — the same to a few
  centimetres;
* an 8-digit easting such as 40 512 345 m: a Gauss-Krüger zone **with the zone number as a
  prefix** (3° zones 25–45, 6° zones 13–23) — the zone is known, the datum (CGCS2000, Xi'an 80,
  Beijing 54) is not;
* an easting within a few hundred kilometres of 500 000 m: a Gauss-Krüger (or UTM) CRS with the
  500 km false easting but no prefix — the central meridian is unknown, so candidates are ranked
  by how close they put the data to the project's own area;
* a northing and an easting swapped (surveyors write X = north): the same, flagged ``swap_xy``.

The result is a short ranked list for the clerk to confirm, never a silent choice; the CLI
refuses to import without a CRS it can trust and names the candidates in its message.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from pyproj import CRS, Transformer

from mapedit.errors import InputError

GEOGRAPHIC = ("EPSG:4490", "EPSG:4326")
"""CGCS2000 and WGS84 longitude/latitude (they differ by centimetres)."""

DATUM_ORDER = ("CGCS2000", "Xian 1980", "Beijing 1954", "WGS 84")
"""Preference when the coordinates cannot tell datums apart: today's national datum first."""

_DATUM_ZH = {"CGCS2000": "CGCS2000 国家大地坐标系", "Xian 1980": "西安80坐标系",
             "Beijing 1954": "北京54坐标系", "WGS 84": "WGS84 坐标系",
             "China Geodetic Coordinate System 2000": "CGCS2000 国家大地坐标系"}

_LEGACY_NOTE = ("西安80/北京54 与 CGCS2000 之间没有本地转换参数时,换算误差可达数十米,请对照影像核实",
                "without local parameters, Xi'an 80 / Beijing 54 → CGCS2000 may be off by tens "
                "of metres; check against imagery")


@dataclass(frozen=True)
class CrsCandidate:
    """One CRS the coordinates may be in, with what it implies."""

    crs: str
    """``EPSG:N``."""
    zh: str
    en: str
    swap_xy: bool = False
    """The file holds (northing, easting): swap before transforming."""
    distance_km: float | None = None
    """How far from the project's area this CRS puts the data (0 = inside; None: no project
    area to compare with)."""

    def label(self, lang: str = "zh") -> str:
        text = self.zh if lang.startswith("zh") else self.en
        if self.swap_xy:
            text += " (X/Y 互换)" if lang.startswith("zh") else " (X/Y swapped)"
        return f"{text} [{self.crs}]"


# -- describing ------------------------------------------------------------------------------

@lru_cache(maxsize=256)
def parse_crs(text: str) -> CRS:
    """A CRS from ``EPSG:N``, a bare number, WKT or a PROJ string; a bilingual error if unknown."""
    t = str(text).strip()
    if re.fullmatch(r"\d{4,6}", t):
        t = f"EPSG:{t}"
    try:
        return CRS.from_user_input(t)
    except Exception as exc:  # pyproj's CRSError, in English only
        raise InputError(f"无法识别坐标系 {text}", f"unknown coordinate system {text}") from exc


def crs_code(crs: str | CRS) -> str:
    """``EPSG:N`` when the CRS has (or is equivalent to) an EPSG code, else its WKT: an ESRI
    ``.prj`` such as ``CGCS2000_3_Degree_GK_CM_120E`` becomes ``EPSG:4549``."""
    c = crs if isinstance(crs, CRS) else parse_crs(crs)
    for conf in (100, 70):
        try:
            auth = c.to_authority(min_confidence=conf)
        except Exception:  # noqa: BLE001 - identification is best effort
            auth = None
        if auth and auth[0] == "EPSG":
            return f"EPSG:{auth[1]}"
    return c.to_wkt()


def describe_crs(crs: str) -> tuple[str, str]:
    """(Chinese, English) names a clerk recognises: ``CGCS2000 3度带 中央经线 120°E``."""
    c = parse_crs(crs)
    en = c.name
    datum = next((d for d in DATUM_ORDER if en.startswith(d)), "")
    if en.startswith("China Geodetic Coordinate System 2000"):
        return "CGCS2000 经纬度", "CGCS2000 longitude/latitude"
    if en == "WGS 84":
        return "WGS84 经纬度", "WGS84 longitude/latitude"
    if en in ("Xian 1980", "Beijing 1954"):
        return f"{_DATUM_ZH[en]} 经纬度", f"{en} longitude/latitude"
    zh = _DATUM_ZH.get(datum, en)
    m = re.search(r"3-degree Gauss-Kruger zone (\d+)", en)
    if m:
        return f"{zh} 3度带 第{m.group(1)}带(坐标含带号)", en
    m = re.search(r"3-degree Gauss-Kruger CM (\d+)E", en)
    if m:
        return f"{zh} 3度带 中央经线 {m.group(1)}°E", en
    m = re.search(r"Gauss-Kruger zone (\d+)", en)
    if m:
        return f"{zh} 6度带 第{m.group(1)}带(坐标含带号)", en
    m = re.search(r"Gauss-Kruger (?:CM (\d+)E|(\d+)N)", en)
    if m:
        cm = m.group(1) or str(int(m.group(2)) * 6 - 3)
        return f"{zh} 6度带 中央经线 {cm}°E", en
    m = re.search(r"UTM zone (\d+[NS])", en)
    if m:
        return f"{zh} UTM {m.group(1)} 带", en
    if en == "WGS 84 / Pseudo-Mercator":
        return "Web 墨卡托", en
    return en, en


def legacy_datum_note(crs: str) -> tuple[str, str] | None:
    """A warning for Xi'an 80 / Beijing 54, whose shift to CGCS2000 PROJ only approximates."""
    name = parse_crs(crs).name
    if name.startswith(("Xian 1980", "Beijing 1954")):
        return _LEGACY_NOTE
    return None


def candidate(crs: str, swap_xy: bool = False, distance_km: float | None = None) -> CrsCandidate:
    zh, en = describe_crs(crs)
    return CrsCandidate(crs, zh, en, swap_xy, distance_km)


# -- the CRS families used in China ------------------------------------------------------------

def _prefixed_zone_codes(zone: int) -> list[str]:
    """CRS whose eastings carry ``zone`` as a prefix, best datum first."""
    if 25 <= zone <= 45:  # 3-degree zones, CM = 3 * zone
        return [f"EPSG:{4513 + zone - 25}", f"EPSG:{2349 + zone - 25}", f"EPSG:{2401 + zone - 25}"]
    if 13 <= zone <= 23:  # 6-degree zones, CM = 6 * zone - 3
        return [f"EPSG:{4491 + zone - 13}", f"EPSG:{2327 + zone - 13}",
                f"EPSG:{21413 + zone - 13}"]
    return []


def _cm_codes(cm: int) -> list[str]:
    """CRS with a 500 km false easting (no prefix) and central meridian ``cm``."""
    out: list[str] = []
    if 75 <= cm <= 135 and cm % 3 == 0:
        k = (cm - 75) // 3
        out += [f"EPSG:{4534 + k}", f"EPSG:{2370 + k}", f"EPSG:{2422 + k}"]
    if 75 <= cm <= 135 and (cm + 3) % 6 == 0:
        k = (cm - 75) // 6
        out += [f"EPSG:{4502 + k}", f"EPSG:{2338 + k}", f"EPSG:{21453 + k}"]
    if (cm + 3) % 6 == 0:  # a UTM central meridian
        zone = (cm + 183) // 6
        if 1 <= zone <= 60:
            out.append(f"EPSG:{32600 + zone}")
    return out


def central_meridian(crs: str) -> float | None:
    """The central meridian of a transverse Mercator CRS (None for others)."""
    c = parse_crs(crs)
    op = c.coordinate_operation
    if op is None or "Transverse Mercator" not in (op.method_name or ""):
        return None
    for p in op.params:
        if "longitude of natural origin" in p.name.lower():
            return float(p.value)
    return None


# -- guessing ----------------------------------------------------------------------------------

def representative_xy(coords: np.ndarray) -> tuple[float, float] | None:
    """The median point of a sample of coordinates: a few stray CAD entities at (0, 0) or a
    frame far away do not move it."""
    xy = np.asarray(coords, dtype=float).reshape(-1, 2)
    xy = xy[np.isfinite(xy).all(axis=1)]
    if not len(xy):
        return None
    return float(np.median(xy[:, 0])), float(np.median(xy[:, 1]))


def _looks_geographic(x: float, y: float) -> bool:
    return -180.0 <= x <= 180.0 and -90.0 <= y <= 90.0


def _tm_offset(e: float, n: float) -> tuple[float, float] | None:
    """(longitude east of the central meridian, latitude) of a 500 km false-easting Gauss-Krüger
    point. A transverse Mercator projection is the same at every central meridian, so one
    reference zone (CM 120E) answers for all of them."""
    lon, lat = to_lonlat("EPSG:4549", e, n)
    if not (math.isfinite(lon) and math.isfinite(lat)):
        return None
    return lon - 120.0, lat


def _raw_families(x: float, y: float, near_lon: float | None) -> list[tuple[str, bool]]:
    """(crs, swap) candidates from magnitudes alone, unranked. Zone-less eastings fit every
    central meridian: only those putting the data within a zone of ``near_lon`` are kept
    (none when it is None)."""
    out: list[tuple[str, bool]] = []
    if _looks_geographic(x, y):
        return [(c, False) for c in GEOGRAPHIC]
    for e, n, swap in ((x, y, False), (y, x, True)):
        if not 0.0 < n < 10_000_000.0:
            continue
        zone = int(e // 1_000_000)
        if 13 <= zone <= 45:
            out += [(c, swap) for c in _prefixed_zone_codes(zone)]
        elif 0.0 < e < 1_000_000.0 and n > 1_000_000.0:
            off = _tm_offset(e, n) if near_lon is not None else None
            if off is None:  # no place to compare with: it fits every central meridian
                continue
            for cm in range(75, 136, 3):
                if abs(cm + off[0] - near_lon) <= 2.0:  # type: ignore[operator]
                    out += [(c, swap) for c in _cm_codes(cm)]
    return out


def _datum_rank(crs: str) -> int:
    name = parse_crs(crs).name
    if name.startswith("China Geodetic Coordinate System 2000"):
        return 0
    return next((i for i, d in enumerate(DATUM_ORDER) if name.startswith(d)), len(DATUM_ORDER))


@lru_cache(maxsize=1024)
def _transformer(src: str, dst: str) -> Transformer:
    return Transformer.from_crs(parse_crs(src), parse_crs(dst), always_xy=True)


def to_lonlat(crs: str, x: float, y: float) -> tuple[float, float]:
    """(lon, lat) of a point, (nan, nan) if the CRS cannot place it."""
    try:
        lon, lat = _transformer(crs, "EPSG:4326").transform(x, y, errcheck=True)
    except Exception:  # noqa: BLE001 - out of the projection's domain
        return math.nan, math.nan
    return float(lon), float(lat)


def plausible(crs: str, x: float, y: float, margin_deg: float = 1.0) -> bool:
    """Whether ``crs`` puts the point inside (or close to) the area the CRS is made for."""
    lon, lat = to_lonlat(crs, x, y)
    if not (math.isfinite(lon) and math.isfinite(lat)):
        return False
    area = parse_crs(crs).area_of_use
    if area is None:
        return -180 <= lon <= 180 and -90 <= lat <= 90
    w, s, e, n = area.bounds
    return (w - margin_deg <= lon <= e + margin_deg) and (s - margin_deg <= lat <= n + margin_deg)


def _distance_km(crs: str, x: float, y: float, project_crs: str,
                 project_extent: tuple[float, float, float, float]) -> float:
    try:
        px, py = _transformer(crs, project_crs).transform(x, y, errcheck=True)
    except Exception:  # noqa: BLE001
        return math.inf
    x0, y0, x1, y1 = project_extent
    dx = max(x0 - px, 0.0, px - x1)
    dy = max(y0 - py, 0.0, py - y1)
    return math.hypot(dx, dy) / 1000.0


def guess_crs(coords: np.ndarray, project_crs: str | None = None,
              project_extent: tuple[float, float, float, float] | None = None,
              limit: int = 6, near_km: float = 2.0) -> list[CrsCandidate]:
    """Ranked candidates for coordinates of unknown CRS (empty: they match no system used in
    China, e.g. a local CAD origin).

    With the project's CRS and extent, candidates are ranked by how far from the project they
    put the data (candidates within ``near_km`` of each other count as equally close, then the
    datum order decides) and those more than 100 km away are left out when a closer one exists.
    Without them, zone-less Gauss-Krüger coordinates cannot be placed and give no candidate."""
    centre = representative_xy(coords)
    if centre is None:
        return []
    x, y = centre
    has_project = project_crs is not None and project_extent is not None
    near_lon = None
    if has_project:
        ex = project_extent  # type: ignore[assignment]
        near_lon = to_lonlat(project_crs, (ex[0] + ex[2]) / 2, (ex[1] + ex[3]) / 2)[0]  # type: ignore[arg-type,index]
        if not math.isfinite(near_lon):
            near_lon = None
    raw = [(c, s) for c, s in _raw_families(x, y, near_lon)
           if plausible(c, *((y, x) if s else (x, y)), margin_deg=0.5)]
    if not has_project:
        return [candidate(c, s) for c, s in sorted(raw, key=lambda r: _datum_rank(r[0]))][:limit]
    scored = []
    for order, (c, s) in enumerate(raw):
        px, py = (y, x) if s else (x, y)
        d = _distance_km(c, px, py, project_crs, project_extent)  # type: ignore[arg-type]
        bucket = math.floor(d / near_km) if math.isfinite(d) else math.inf
        scored.append((bucket, _datum_rank(c), s, order, d, c))
    scored.sort()
    best = scored[0][4] if scored else math.inf
    out = [candidate(c, s, round(d, 1)) for _, _, s, _, d, c in scored
           if math.isfinite(d) and (d <= 100.0 or best > 100.0)]
    return out[:limit]


def check_declared(crs: str, coords: np.ndarray) -> tuple[str, str] | None:
    """A warning when a file's declared CRS cannot be right for its coordinates (a ``.prj``
    saying CGCS2000 CM 120E over zone-prefixed eastings, degrees labelled as metres)."""
    centre = representative_xy(coords)
    if centre is None:
        return None
    if plausible(crs, *centre):
        return None
    zh, en = describe_crs(crs)
    x, y = centre
    return (f"文件声明的坐标系 {zh} 与坐标 ({x:.0f}, {y:.0f}) 不符",
            f"the file's declared CRS {en} does not fit its coordinates ({x:.0f}, {y:.0f})")
