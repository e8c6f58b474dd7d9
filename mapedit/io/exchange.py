"""GeoJSON exchange with the city-operations platform (``../shared/spec/exchange.md``).

Reading turns ``units.geojson`` / ``grids.geojson`` (WGS84 longitude/latitude) into model objects
in the project's metric CRS; writing does the reverse exactly as the contract says (RFC 7946,
CCW exterior rings, 7 decimals, real Chinese characters, no ``crs`` member).

Files come from other people's GIS tools, so reading never raises anything but
:class:`~mapedit.errors.InputError`. Problems of single features are collected as bilingual
messages (``第 3 个要素(code=...):缺少 name / feature 3 (code=...): name missing``):

* strict mode (``import``, ``new``) refuses the whole file if any feature is unusable, listing
  every problem at once so the clerk can fix the file in one go;
* lenient mode (``check``) keeps every feature, even with missing attributes or broken
  geometry, because reporting those is the checker's job.

Problems of the whole file (not JSON, not a FeatureCollection, projected coordinates, a foreign
``crs``) are fatal in both modes.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.geometry.base import BaseGeometry

from mapedit.errors import InputError
from mapedit.io.atomicfile import ensure_dir, write_group
from mapedit.io.crs import WGS84, from_wgs84, metric_crs_for, to_wgs84, transform
from mapedit.model.catalogue import Catalogue, normalize_category
from mapedit.model.dataset import Dataset
from mapedit.model.hierarchy import FOUR_BOUND_KEYS, UNIT_TYPES, MicroGrid, Unit
from mapedit.model.layers import BaseLayer

UNITS_FILE = "units.geojson"
GRIDS_FILE = "grids.geojson"
COORDINATE_SYSTEMS: tuple[str, ...] = ("wgs84", "gcj02", "cgcs2000")
DECIMALS = 7

_WGS84_CRS_NAMES = {
    "urn:ogc:def:crs:ogc:1.3:crs84", "urn:ogc:def:crs:ogc::crs84", "crs84", "ogc:crs84",
    "epsg:4326", "urn:ogc:def:crs:epsg::4326", "wgs84", "wgs 84",
    # CGCS2000 geographic differs from WGS84 by centimetres: the same for a micro-grid.
    "epsg:4490", "urn:ogc:def:crs:epsg::4490",
}
_EPSG_URN_LONLAT = re.compile(r"urn:ogc:def:crs:epsg:[\d.]*:(4326|4490)")
"""Versioned URNs such as ``urn:ogc:def:crs:EPSG:6.6:4326`` (older GDAL and ArcGIS)."""
_DEPT_SPLIT = re.compile(r"[、,，;；/|\s]+")


class ExchangeError(InputError):
    """A file refused as a whole; ``details`` lists every per-feature problem ("zh / en")."""

    def __init__(self, zh: str, en: str, details: Sequence[str] = ()) -> None:
        super().__init__(zh, en)
        self.details = list(details)


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


def _geoms_gcj(geoms, forward: bool):
    def fn(c: np.ndarray) -> np.ndarray:
        f = wgs84_to_gcj02 if forward else gcj02_to_wgs84
        x, y = f(c[:, 0], c[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geoms, fn)


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------
class _Messages:
    """Collects bilingual per-feature messages; ``fatal`` ones make strict mode refuse."""

    def __init__(self, fname: str) -> None:
        self.fname = fname
        self.items: list[tuple[str, str, bool]] = []

    def add(self, idx: int | None, code: str, zh: str, en: str, fatal: bool = True) -> None:
        if idx is None:
            self.items.append((zh, en, fatal))
            return
        tag = f"(code={code})" if code else ""
        etag = f" (code={code})" if code else ""
        self.items.append((f"第 {idx} 个要素{tag}:{zh}", f"feature {idx}{etag}: {en}", fatal))

    @property
    def fatal_count(self) -> int:
        return sum(1 for _, _, f in self.items if f)

    def strings(self) -> list[str]:
        return [f"{zh} / {en}" for zh, en, _ in self.items]

    def refuse(self) -> ExchangeError:
        fatal = [(zh, en) for zh, en, f in self.items if f]
        shown = fatal[:5]
        more_zh = f";等共 {len(fatal)} 处问题" if len(fatal) > len(shown) else ""
        more_en = f"; {len(fatal)} problems in all" if len(fatal) > len(shown) else ""
        zh = f"{self.fname} 有 {len(fatal)} 处问题,未导入:" + ";".join(z for z, _ in shown)
        en = (f"{self.fname} has {len(fatal)} problem(s), nothing imported: "
              + "; ".join(e for _, e in shown))
        return ExchangeError(zh + more_zh, en + more_en,
                             [f"{z} / {e}" for z, e, f in self.items if f])


def _load_collection(path: str | Path) -> tuple[list, str, list[tuple[str, str]]]:
    """Read and parse a FeatureCollection: (features, coordinate system, file notes)."""
    p = Path(path)
    notes: list[tuple[str, str]] = []
    try:
        raw = p.read_bytes()
    except FileNotFoundError as exc:
        raise InputError(f"找不到文件 {p}", f"file not found: {p}") from exc
    except IsADirectoryError as exc:
        raise InputError(f"{p} 是文件夹,不是 GeoJSON 文件", f"{p} is a folder, not a GeoJSON file") from exc
    except PermissionError as exc:
        raise InputError(f"没有权限读取 {p}", f"no permission to read {p}") from exc
    except OSError as exc:
        raise InputError(f"无法读取 {p}:{exc.strerror or exc}",
                         f"cannot read {p}: {exc.strerror or exc}") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("gb18030")
            notes.append(("文件不是 UTF-8 编码,已按 GB18030 读取",
                          "file is not UTF-8; read as GB18030"))
        except UnicodeDecodeError as exc:
            raise InputError(f"{p.name} 不是文本文件(应为 UTF-8 编码的 GeoJSON)",
                             f"{p.name} is not a text file (expected UTF-8 GeoJSON)") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{p.name} 不是有效的 JSON(第 {exc.lineno} 行第 {exc.colno} 列:{exc.msg})",
                         f"{p.name} is not valid JSON (line {exc.lineno}, column {exc.colno}: "
                         f"{exc.msg})") from exc
    except (ValueError, RecursionError) as exc:
        raise InputError(f"{p.name} 不是有效的 JSON", f"{p.name} is not valid JSON") from exc
    kind = data.get("type") if isinstance(data, dict) else type(data).__name__
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise InputError(f"{p.name} 不是 GeoJSON 要素集合(FeatureCollection),而是 {kind}",
                         f"{p.name} is not a GeoJSON FeatureCollection (type: {kind})")
    features = data.get("features")
    if not isinstance(features, list):
        raise InputError(f"{p.name} 缺少 features 数组", f"{p.name} has no features array")
    crs_member = data.get("crs")
    if crs_member is not None:
        name = ""
        if isinstance(crs_member, dict):
            props = crs_member.get("properties")
            if isinstance(props, dict):
                name = str(props.get("name") or props.get("code") or "")
        norm = name.strip().lower()
        if norm not in _WGS84_CRS_NAMES and not _EPSG_URN_LONLAT.fullmatch(norm):
            shown = name or json.dumps(crs_member, ensure_ascii=False)[:80]
            raise InputError(f"{p.name} 的坐标系为 {shown},不是 WGS84;请导出为 WGS84 经纬度(EPSG:4326)",
                             f"{p.name} declares coordinate system {shown}, not WGS84; "
                             "export as WGS84 longitude/latitude (EPSG:4326)")
    cs = str(data.get("coordinate_system") or "wgs84").strip().lower().replace("-", "")
    if cs not in COORDINATE_SYSTEMS:
        raise InputError(f"{p.name} 的 coordinate_system 为 {cs},无法识别;请导出为 WGS84 经纬度",
                         f"{p.name} has unknown coordinate_system {cs}; "
                         "export as WGS84 longitude/latitude")
    return features, cs, notes


def _polygonal(geom: BaseGeometry) -> BaseGeometry | None:
    """The polygonal content of a geometry collection (None when it holds anything else)."""
    if isinstance(geom, Polygon | MultiPolygon):
        return geom
    if geom.geom_type == "GeometryCollection":
        parts: list[Polygon] = []
        for g in geom.geoms:
            sub = _polygonal(g)
            if sub is None:
                return None
            parts.extend(sub.geoms if isinstance(sub, MultiPolygon) else [sub])
        return MultiPolygon([p for p in parts if not p.is_empty])
    return None


def _ring_array(ring: Any) -> np.ndarray | None:
    a = np.asarray(ring, dtype=float)
    if a.ndim != 2 or a.shape[1] not in (2, 3) or len(a) < 4 or np.any(a[0] != a[-1]):
        return None
    return a[:, :2]


def _fast_polygon(rings: Any) -> Polygon | None:
    if not isinstance(rings, list) or not rings:
        return None
    arrays = [_ring_array(r) for r in rings]
    if any(a is None for a in arrays):
        return None
    return shapely.polygons(arrays[0], holes=arrays[1:] or None)


def _fast_polygonal(g: dict) -> BaseGeometry | None:
    """Well-formed Polygon/MultiPolygon built straight from numpy arrays (several times faster
    than ``shape`` on 35,000 grids); None means "use the general path", which also produces
    the error messages for malformed input."""
    coords = g.get("coordinates")
    try:
        if g.get("type") == "Polygon":
            return _fast_polygon(coords)
        if g.get("type") == "MultiPolygon" and isinstance(coords, list) and coords:
            parts = [_fast_polygon(c) for c in coords]
            if any(p is None for p in parts):
                return None
            return shapely.multipolygons(parts)
    except (ValueError, TypeError):
        return None
    return None


def _read_geometry(feat: dict, idx: int, code: str, msgs: _Messages,
                   lenient: bool) -> BaseGeometry | None:
    """A WGS84 polygonal geometry, an empty polygon standing for a broken one (lenient: the
    checker then reports ``invalid-geometry``), or None when the feature cannot be used."""
    g = feat.get("geometry")
    if g is None:
        msgs.add(idx, code, "没有几何图形", "geometry is missing")
        return Polygon() if lenient else None
    if not isinstance(g, dict):
        msgs.add(idx, code, "几何图形格式不对", "geometry is malformed")
        return Polygon() if lenient else None
    gtype = g.get("type")
    try:
        geom = _fast_polygonal(g)
        if geom is None:
            geom = shape(g)
    except Exception:  # shapely raises many kinds on malformed coordinates
        msgs.add(idx, code, f"几何图形({gtype})坐标格式不对", f"geometry ({gtype}) has malformed coordinates")
        return Polygon() if lenient else None
    poly = _polygonal(geom)
    if poly is None:
        msgs.add(idx, code, f"几何类型为 {gtype},应为 Polygon 或 MultiPolygon",
                 f"geometry type is {gtype}, expected Polygon or MultiPolygon")
        return Polygon() if lenient else None
    if shapely.has_z(poly):
        poly = shapely.force_2d(poly)
    coords = shapely.get_coordinates(poly)
    if coords.size and not np.isfinite(coords).all():
        msgs.add(idx, code, "坐标含有非数字值", "coordinates contain non-numbers")
        return Polygon() if lenient else None
    if poly.is_empty:
        msgs.add(idx, code, "几何图形为空", "geometry is empty", fatal=not lenient)
    elif not poly.is_valid:
        reason = shapely.is_valid_reason(poly)
        msgs.add(idx, code, f"几何图形无效({reason})", f"invalid geometry ({reason})", fatal=False)
    return poly


def _check_lonlat(geoms: list[BaseGeometry], labels: list[str], fname: str) -> None:
    """Refuse projected data: coordinates outside longitude/latitude ranges."""
    for geom, label in zip(geoms, labels, strict=True):
        c = shapely.get_coordinates(geom)
        if not c.size:
            continue
        bad = (np.abs(c[:, 0]) > 180) | (np.abs(c[:, 1]) > 90)
        if bad.any():
            x, y = c[np.argmax(bad)]
            raise InputError(
                f"{fname} 的坐标不是经纬度({label}:{x:.3f}, {y:.3f}),可能是投影坐标;"
                "请导出为 WGS84 经纬度(EPSG:4326)",
                f"{fname} coordinates are not longitude/latitude ({label}: {x:.3f}, {y:.3f}), "
                "probably projected; export as WGS84 longitude/latitude (EPSG:4326)")


def _text(props: dict, key: str, idx: int, code: str, msgs: _Messages) -> str:
    """A string property; numbers are accepted (codes are often stored as numbers)."""
    v = props.get(key)
    if v is None:
        return ""
    if isinstance(v, str):
        return v.strip()
    if isinstance(v, bool):
        pass
    elif isinstance(v, int):
        return str(v)
    elif isinstance(v, float) and v.is_integer():
        return str(int(v))
    msgs.add(idx, code, f"{key} 应为文字,实为 {json.dumps(v, ensure_ascii=False)[:40]}",
             f"{key} should be text, got {json.dumps(v, ensure_ascii=False)[:40]}")
    return ""


def parse_int(value: Any) -> int | None:
    """Integers as platforms write them: 350, 350.0 and "350" are 350; None and "" are None.
    Anything else (``"abc"``, 350.5, true, negative) raises ValueError."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        out = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise ValueError(value)
        out = int(value)
    elif isinstance(value, str):
        s = value.strip().replace(",", "")
        if not s:
            return None
        try:
            f = float(s)
        except ValueError:
            raise ValueError(value) from None
        if not math.isfinite(f) or not f.is_integer():
            raise ValueError(value)
        out = int(f)
    else:
        raise ValueError(value)
    if out < 0:
        raise ValueError(value)
    return out


def _int(props: dict, key: str, idx: int, code: str, msgs: _Messages) -> int | None:
    try:
        return parse_int(props.get(key))
    except ValueError:
        shown = json.dumps(props.get(key), ensure_ascii=False)[:40]
        msgs.add(idx, code, f"{key} 应为非负整数,实为 {shown}",
                 f"{key} must be a non-negative integer, got {shown}")
        return None


def _departments(props: dict, idx: int, code: str, msgs: _Messages) -> list[str]:
    v = props.get("departments")
    if v is None:
        return []
    if isinstance(v, str):
        return [d for d in _DEPT_SPLIT.split(v) if d]
    if isinstance(v, list) and all(isinstance(d, str) for d in v):
        return [d.strip() for d in v if d.strip()]
    msgs.add(idx, code, "departments 应为文字数组", "departments must be an array of strings")
    return []


def _four_bounds(props: dict, idx: int, code: str, msgs: _Messages) -> dict[str, str] | None:
    v = props.get("four_bounds")
    if v is None or v == {}:
        return None
    if isinstance(v, dict):
        return {k: str(v.get(k) or "") for k in FOUR_BOUND_KEYS}
    msgs.add(idx, code, "four_bounds 应为 {east, south, west, north} 对象",
             "four_bounds must be an object {east, south, west, north}", fatal=False)
    return None


def _props(feat: Any) -> dict:
    p = feat.get("properties") if isinstance(feat, dict) else None
    return p if isinstance(p, dict) else {}


def _open_collection(p: Path) -> tuple[list, str, _Messages]:
    """Load a FeatureCollection and start its message list with the file-level notes
    (e.g. an encoding fallback), which every reader reports the same way."""
    features, cs, notes = _load_collection(p)
    msgs = _Messages(p.name)
    for zh, en in notes:
        msgs.add(None, "", zh, en, fatal=False)
    return features, cs, msgs


def _features(features: list, msgs: _Messages, strict_type: bool = True):
    """(1-based number, feature) for each GeoJSON Feature; anything else gets a message.
    Base layers (``strict_type=False``) accept any object, as GDAL writes them loosely."""
    for i, feat in enumerate(features, start=1):
        if not isinstance(feat, dict) or (strict_type and feat.get("type") != "Feature"):
            msgs.add(i, "", "不是 GeoJSON 要素(Feature)", "not a GeoJSON Feature")
            continue
        yield i, feat


def read_units(path: str | Path, lenient: bool = False
               ) -> tuple[list[Unit], str, list[str]]:
    """Read ``units.geojson``: (units in the metric CRS, that CRS, messages).

    The metric CRS is chosen from the centre of the units (``metric_crs_for``), so a project
    created from this file measures in metres where its data lies.
    """
    p = Path(path)
    features, cs, msgs = _open_collection(p)
    units: list[Unit] = []
    geoms: list[BaseGeometry] = []
    labels: list[str] = []
    seen: set[str] = set()
    for i, feat in _features(features, msgs):
        props = _props(feat)
        code = _text(props, "code", i, "", msgs)
        name = _text(props, "name", i, code, msgs)
        unit_type = _text(props, "unit_type", i, code, msgs)
        usable = True
        for key, val in (("code", code), ("name", name), ("unit_type", unit_type)):
            if not val:
                msgs.add(i, code, f"缺少 {key}", f"{key} missing")
                usable = usable and lenient
        if unit_type and unit_type not in UNIT_TYPES:
            msgs.add(i, code, f"unit_type 为 {unit_type},应为 {'、'.join(UNIT_TYPES)} 之一",
                     f"unknown unit_type {unit_type}, expected one of {', '.join(UNIT_TYPES)}")
            usable = usable and lenient
        if code and code in seen:
            msgs.add(i, code, "编码与前面的管理单元重复,已忽略", "duplicate unit code, ignored")
            continue
        geom = _read_geometry(feat, i, code, msgs, lenient)
        if geom is None or not usable:
            continue
        seen.add(code)
        units.append(Unit(code=code, name=name, unit_type=unit_type, geometry=geom,
                          responsibility_grid=_text(props, "responsibility_grid", i, code, msgs),
                          street=_text(props, "street", i, code, msgs),
                          committee=_text(props, "committee", i, code, msgs)))
        geoms.append(geom)
        labels.append(f"第 {i} 个要素 / feature {i}")
    _check_lonlat(geoms, labels, p.name)
    if msgs.fatal_count and not lenient:
        raise msgs.refuse()
    present = [g for g in geoms if not g.is_empty]
    if not present:
        raise InputError(f"{p.name} 中没有可用的管理单元", f"{p.name} contains no usable units")
    if cs == "gcj02":
        for u in units:
            u.geometry = _geoms_gcj(u.geometry, forward=False)
        present = [u.geometry for u in units if not u.geometry.is_empty]
    b = shapely.total_bounds(np.asarray(present, dtype=object))
    crs = metric_crs_for(float(b[0] + b[2]) / 2, float(b[1] + b[3]) / 2)
    projected = from_wgs84(np.asarray([u.geometry for u in units], dtype=object), crs)
    for u, g in zip(units, projected, strict=True):
        u.geometry = g
    return units, crs, msgs.strings()


def _unit_by_overlap(geom: BaseGeometry, units: Sequence[Unit], tree: shapely.STRtree
                     ) -> str:
    """Code of the unit sharing the largest area with ``geom`` ("" when none)."""
    if geom is None or geom.is_empty:
        return ""
    g = geom if geom.is_valid else shapely.make_valid(geom)
    best, best_area = "", 0.0
    for j in tree.query(g):
        ug = units[int(j)].geometry
        try:
            a = shapely.intersection(g, ug).area
        except shapely.errors.GEOSException:
            a = shapely.intersection(g, shapely.make_valid(ug)).area
        if a > best_area:
            best, best_area = units[int(j)].code, a
    return best


def read_grids(path: str | Path, crs: str, units: Iterable[Unit] | None = None,
               lenient: bool = False, catalogue: Catalogue | None = None
               ) -> tuple[list[MicroGrid], list[str]]:
    """Read ``grids.geojson`` into micro-grids in ``crs`` (fids left None).

    ``units`` (in ``crs``) let a grid without ``unit_code`` get the unit it overlaps most, and
    let strict mode refuse a ``unit_code`` that names no unit. Strict mode also fills empty
    ``departments`` with the category's defaults, as a clerk would.
    """
    p = Path(path)
    cat = catalogue or Catalogue.default()
    unit_list = [u for u in (units or []) if u.geometry is not None and not u.geometry.is_empty]
    unit_codes = {u.code for u in (units or [])}
    features, cs, msgs = _open_collection(p)
    grids: list[MicroGrid] = []
    grid_index: dict[int, int] = {}  # id(grid) -> feature number, for late messages
    labels: list[str] = []
    seen: set[str] = set()
    for i, feat in _features(features, msgs):
        props = _props(feat)
        n_fatal = msgs.fatal_count
        code = _text(props, "code", i, "", msgs)
        name = _text(props, "name", i, code, msgs)
        category = normalize_category(_text(props, "category", i, code, msgs))
        for key, val in (("code", code), ("name", name), ("category", category)):
            if not val:
                msgs.add(i, code, f"缺少 {key}", f"{key} missing")
        if category and cat.get(category) is None:
            msgs.add(i, code, f"类别“{category}”不在分类目录中", f"unknown category {category}")
        if code and code in seen:
            msgs.add(i, code, "编码在文件中重复", "code appears more than once in the file",
                     fatal=not lenient)
        unit_code = _text(props, "unit_code", i, code, msgs)
        if unit_code and unit_codes and unit_code not in unit_codes:
            msgs.add(i, code, f"unit_code {unit_code} 不是已知的管理单元",
                     f"unit_code {unit_code} names no known unit", fatal=not lenient)
        households = _int(props, "households", i, code, msgs)
        population = _int(props, "population", i, code, msgs)
        if households is None and category and cat.needs_households(category) and not lenient:
            msgs.add(i, code, "缺少 households(小区、村组必填),请在编辑器中补填",
                     "households missing (required for 小区 and 村组); fill it in the editor",
                     fatal=False)
        departments = _departments(props, i, code, msgs)
        four_bounds = _four_bounds(props, i, code, msgs)
        geom = _read_geometry(feat, i, code, msgs, lenient)
        if code:
            seen.add(code)
        if geom is None or (msgs.fatal_count > n_fatal and not lenient):
            continue
        if not departments and not lenient:
            departments = cat.default_departments(category)
        grids.append(MicroGrid(
            code=code, name=name, category=category, geometry=geom, unit_code=unit_code,
            departments=departments, households=households, population=population,
            four_bounds=four_bounds, notes=_text(props, "notes", i, code, msgs),
            created=_text(props, "created", i, code, msgs),
            updated=_text(props, "updated", i, code, msgs)))
        labels.append(f"第 {i} 个要素 / feature {i}")
        grid_index[id(grids[-1])] = i
    _check_lonlat([g.geometry for g in grids], labels, p.name)
    if msgs.fatal_count and not lenient:
        raise msgs.refuse()
    if grids:
        arr = np.asarray([g.geometry for g in grids], dtype=object)
        if cs == "gcj02":
            arr = _geoms_gcj(arr, forward=False)
        arr = from_wgs84(arr, crs)
        for g, geom in zip(grids, arr, strict=True):
            g.geometry = geom
    if unit_list and any(not g.unit_code for g in grids):
        tree = shapely.STRtree([u.geometry for u in unit_list])
        for g in grids:
            if not g.unit_code:
                g.unit_code = _unit_by_overlap(g.geometry, unit_list, tree)
                if not g.unit_code:
                    # lenient: the checker reports outside-units; strict: a grid must belong
                    # to a unit of the project.
                    msgs.add(grid_index[id(g)], g.code, "不在任何管理单元内,无法确定 unit_code",
                             "lies in no unit, so unit_code cannot be derived",
                             fatal=not lenient)
        if msgs.fatal_count and not lenient:
            raise msgs.refuse()
    return grids, msgs.strings()


def read_base_layer(path: str | Path, crs: str, name: str) -> tuple[BaseLayer, list[str]]:
    """Read a reference layer (buildings, villager groups) for ``check``: every polygonal
    feature is kept with all its properties; ``households``/``floors`` become integers."""
    p = Path(path)
    features, cs, msgs = _open_collection(p)
    geoms: list[BaseGeometry] = []
    attrs: list[dict] = []
    labels: list[str] = []
    for i, feat in _features(features, msgs, strict_type=False):
        props = dict(_props(feat))
        geom = _read_geometry(feat, i, "", msgs, lenient=False)
        if geom is None or geom.is_empty:
            continue
        for key in ("households", "floors"):
            if key in props:
                props[key] = _int(props, key, i, "", msgs)
        geoms.append(geom)
        attrs.append(props)
        labels.append(f"第 {i} 个要素 / feature {i}")
    _check_lonlat(geoms, labels, p.name)
    arr = np.asarray(geoms, dtype=object)
    if len(arr):
        if cs == "gcj02":
            arr = _geoms_gcj(arr, forward=False)
        arr = from_wgs84(arr, crs)
    return BaseLayer(name=name, geometries=arr, attributes=attrs), msgs.strings()


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------
_TRAILING_ZEROS = re.compile(r"(\.\d*?)0+(?=[,\]])")
_BARE_POINT = re.compile(r"\.(?=[,\]])")
_NEGATIVE_ZERO = re.compile(r"(?<=[\[,])-0(?=[,\]])")


def _fmt(v: float) -> str:
    """A coordinate with at most 7 decimals, never in exponent notation."""
    s = f"{v:.{DECIMALS}f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def _ring_json(coords: np.ndarray, ccw: bool) -> str | None:
    """A ring rounded to 7 decimals without the duplicate points rounding creates, oriented
    CCW (exterior) or CW (hole) as RFC 7946 asks; None when rounding collapses it."""
    c = np.round(coords[:, :2], DECIMALS)
    keep = np.ones(len(c), dtype=bool)
    keep[1:] = np.any(c[1:] != c[:-1], axis=1)
    c = c[keep]
    if len(c) and np.any(c[0] != c[-1]):
        c = np.vstack([c, c[:1]])
    if len(c) < 4:
        return None
    x, y = c[:, 0], c[:, 1]
    area2 = float(np.sum(x[:-1] * y[1:] - x[1:] * y[:-1]))
    if area2 == 0.0:
        return None
    if (area2 > 0) != ccw:
        c = c[::-1]
    # One %-format for the whole ring, then strip trailing zeros with regexes: ~5x faster
    # than formatting 800,000 numbers one by one for a city-sized export.
    text = ("[%.7f,%.7f]," * len(c) % tuple(c.ravel()))[:-1]
    text = _TRAILING_ZEROS.sub(r"\1", text)
    text = _BARE_POINT.sub("", text)
    return "[" + _NEGATIVE_ZERO.sub("0", text) + "]"


def _polygon_json(poly: Polygon) -> str | None:
    ext = _ring_json(np.asarray(poly.exterior.coords), ccw=True)
    if ext is None:
        return None
    rings = [ext]
    for hole in poly.interiors:
        r = _ring_json(np.asarray(hole.coords), ccw=False)
        if r is not None:
            rings.append(r)
    return "[" + ",".join(rings) + "]"


def geometry_json(geom: BaseGeometry | None) -> str | None:
    """RFC 7946 geometry text of a lon/lat polygonal geometry (None if nothing remains)."""
    if geom is None or geom.is_empty:
        return None
    poly = _polygonal(geom)
    if poly is None:  # e.g. a collection with lines from an overlay: keep the polygons
        parts = [g for g in shapely.get_parts(geom) if isinstance(g, Polygon)]
        poly = MultiPolygon(parts) if parts else None
    if poly is None:
        return None
    if isinstance(poly, Polygon):
        body = _polygon_json(poly)
        return None if body is None else f'{{"type":"Polygon","coordinates":{body}}}'
    bodies = [b for b in (_polygon_json(p) for p in poly.geoms) if b is not None]
    if not bodies:
        return None
    if len(bodies) == 1:
        return f'{{"type":"Polygon","coordinates":{bodies[0]}}}'
    return f'{{"type":"MultiPolygon","coordinates":[{",".join(bodies)}]}}'


def _output_geoms(geoms: list[BaseGeometry | None], crs: str, coordinate_system: str) -> list:
    arr = np.asarray([g if g is not None else Polygon() for g in geoms], dtype=object)
    if not len(arr):
        return []
    out = to_wgs84(arr, crs)
    if coordinate_system == "gcj02":
        out = _geoms_gcj(out, forward=True)
    elif coordinate_system == "cgcs2000":
        out = transform(out, WGS84, "EPSG:4490")
    return list(shapely.orient_polygons(out))


def _area(geom: BaseGeometry | None) -> float:
    return round(float(geom.area), 2) if geom is not None and not geom.is_empty else 0.0


def unit_properties(unit: Unit, dataset: Dataset) -> dict[str, Any]:
    street = unit.street or (dataset.street.name if dataset.street else "")
    props: dict[str, Any] = {"code": unit.code, "name": unit.name, "unit_type": unit.unit_type,
                             "responsibility_grid": unit.responsibility_grid, "street": street}
    rg = dataset.responsibility_grids.get(unit.responsibility_grid)
    if rg is not None and rg.name and rg.name != unit.responsibility_grid:
        props["responsibility_grid_name"] = rg.name
    if unit.committee:
        props["committee"] = unit.committee
    props["area_m2"] = _area(unit.geometry)
    return props


def grid_properties(grid: MicroGrid, catalogue: Catalogue) -> dict[str, Any]:
    """Contract properties (in contract order) plus the extensions notes/created/updated."""
    fb = None
    if grid.four_bounds:
        fb = {k: grid.four_bounds.get(k, "") or "" for k in FOUR_BOUND_KEYS}
    return {
        "code": grid.code, "name": grid.name, "category": normalize_category(grid.category),
        "unit_code": grid.unit_code,
        "departments": list(grid.departments) or catalogue.default_departments(grid.category),
        "households": grid.households, "population": grid.population, "four_bounds": fb,
        "area_m2": _area(grid.geometry),
        "notes": grid.notes, "created": grid.created, "updated": grid.updated,
    }


def _collection_writer(items: list[tuple[dict, str | None]], coordinate_system: str):
    def write(fh: IO[str]) -> None:
        fh.write('{"type":"FeatureCollection",')
        if coordinate_system != "wgs84":
            fh.write(f'"coordinate_system":"{coordinate_system}",')
        fh.write('"features":[')
        first = True
        for props, geom in items:
            if geom is None:
                continue
            fh.write("\n" if first else ",\n")
            first = False
            fh.write('{"type":"Feature","properties":')
            fh.write(json.dumps(props, ensure_ascii=False, separators=(",", ":")))
            fh.write(f',"geometry":{geom}}}')
        fh.write("\n]}\n")

    return write


def write_exchange(dataset: Dataset, out_dir: str | Path, coordinate_system: str = "wgs84",
                   messages: list[str] | None = None) -> tuple[Path, Path]:
    """Write ``units.geojson`` and ``grids.geojson`` into ``out_dir`` per the contract.

    Both files are fully written under temporary names and renamed only when both are
    complete, so the platform never picks up a half export. ``coordinate_system`` ``gcj02`` or
    ``cgcs2000`` is for platforms that want those; the file then says so in a top-level
    ``coordinate_system`` member. Features whose geometry is empty (or collapses at 1 cm) are
    left out and listed in ``messages`` when given.
    """
    cs = (coordinate_system or "wgs84").lower().replace("-", "")
    if cs not in COORDINATE_SYSTEMS:
        raise InputError(f"未知的坐标系 {coordinate_system},可选 {'/'.join(COORDINATE_SYSTEMS)}",
                         f"unknown coordinate system {coordinate_system}; "
                         f"choose {'/'.join(COORDINATE_SYSTEMS)}")
    units = sorted(dataset.units.values(), key=lambda u: u.code)
    grids = sorted(dataset.grids.values(), key=lambda g: (g.code, g.fid or 0))
    ugeo = [geometry_json(g) for g in _output_geoms([u.geometry for u in units], dataset.crs, cs)]
    ggeo = [geometry_json(g) for g in _output_geoms([g.geometry for g in grids], dataset.crs, cs)]
    unit_items = [(unit_properties(u, dataset), j) for u, j in zip(units, ugeo, strict=True)]
    grid_items = [(grid_properties(g, dataset.catalogue), j)
                  for g, j in zip(grids, ggeo, strict=True)]
    if messages is not None:
        for kind_zh, kind_en, items in (("管理单元", "unit", unit_items),
                                        ("微网格", "micro-grid", grid_items)):
            for props, j in items:
                if j is None:
                    messages.append(f"{kind_zh} {props['code']} 没有几何图形,未导出 / "
                                    f"{kind_en} {props['code']} has no geometry, not exported")
    out = Path(out_dir)
    units_path, grids_path = out / UNITS_FILE, out / GRIDS_FILE
    created = False
    try:
        created = ensure_dir(out)
        write_group({units_path: _collection_writer(unit_items, cs),
                     grids_path: _collection_writer(grid_items, cs)})
    except OSError as exc:
        if created:
            try:
                out.rmdir()
            except OSError:
                pass
        reason = exc.strerror or str(exc)
        raise InputError(f"无法写入 {out}:{reason}", f"cannot write to {out}: {reason}") from exc
    return units_path, grids_path
