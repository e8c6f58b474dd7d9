"""GeoJSON exchange with the city-operations platform (``../shared/spec/exchange.md``).

Reading turns ``units.geojson`` / ``grids.geojson`` (WGS84 longitude/latitude) into model objects
in the project's metric CRS; writing does the reverse exactly as the contract says (RFC 7946,
CCW exterior rings, 7 decimals, real Chinese characters, no ``crs`` member).

Files come from other people's GIS tools, so reading never raises anything but
:class:`~mapedit.errors.InputError`. Problems of single features are collected as bilingual
messages (``第 3 个要素(code=...):缺少 name / feature 3 (code=...): name missing``):

* strict mode (``import``, ``new``) refuses the whole file if any feature is unusable, listing
  every problem at once so the clerk can fix the file in one go; a unit whose boundary is
  invalid (self-intersecting) is unusable, since everything is measured against units;
* lenient mode (``check``) keeps every feature, even with missing attributes or broken
  geometry, because reporting those is the checker's job.

Geometry is read position by position (:mod:`mapedit.io.geojson_geometry`): empty rings and
parts are dropped with a message, unclosed rings closed, strings or NaN as coordinates refused.
Geometries with far more vertices than a micro-grid needs are thinned within the noding
precision (:func:`mapedit.model.precision.thin_vertices`), and refused when still above
``Settings.max_vertices``, so no command spends minutes on one feature.

Problems of the whole file (not JSON, not a FeatureCollection, projected coordinates, a foreign
``crs``) are fatal in both modes.

Writing (:func:`prepare_export` then :func:`write_exchange`) rounds with
:func:`mapedit.model.precision.round_geometries` (valid output, shared edges kept), reports the
features whose shape rounding changes, formats all coordinates at once
(:mod:`mapedit.io.geojson_text`) and switches both files into place as one set
(:func:`mapedit.io.atomicfile.write_file_set`).
"""

from __future__ import annotations

import io
import json
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path
from typing import IO, Any

import numpy as np
import shapely
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from mapedit.errors import InputError
from mapedit.io.atomicfile import recover, write_file_set
from mapedit.io.crs import (  # noqa: F401  (GCJ-02 re-exported for older callers)
    WGS84,
    from_wgs84,
    gcj02_to_wgs84,
    geoms_from_gcj02,
    geoms_to_gcj02,
    metric_crs_for,
    to_wgs84,
    transform,
    wgs84_to_gcj02,
)
from mapedit.io.geojson_geometry import BadGeometry, invalid_reason, parse_polygonal
from mapedit.io.geojson_text import polygon_geometries_bytes, polygon_geometries_json
from mapedit.model.catalogue import Catalogue, normalize_category
from mapedit.model.changes import households_source_of
from mapedit.model.dataset import Dataset
from mapedit.model.hierarchy import FOUR_BOUND_KEYS, UNIT_TYPES, MicroGrid, Unit
from mapedit.model.layers import BaseLayer
from mapedit.model.precision import decimals_grid, round_geometries, shape_changed, thin_vertices
from mapedit.model.settings import Settings

UNITS_FILE = "units.geojson"
GRIDS_FILE = "grids.geojson"
EXPORT_FILES: tuple[str, ...] = (UNITS_FILE, GRIDS_FILE)
COORDINATE_SYSTEMS: tuple[str, ...] = ("wgs84", "gcj02", "cgcs2000")
DECIMALS = 7
MAX_COUNT = 10_000_000
"""Largest households / population / floors value accepted: a micro-grid holds a few hundred
households, and a larger number (1e30) is a typing or export error that would not even fit
the project file's integer column."""

UNIT_TYPES_ZH = "、".join(UNIT_TYPES)
UNIT_TYPES_EN = ", ".join(UNIT_TYPES)

_WGS84_CRS_NAMES = {
    "urn:ogc:def:crs:ogc:1.3:crs84", "urn:ogc:def:crs:ogc::crs84", "crs84", "ogc:crs84",
    "epsg:4326", "urn:ogc:def:crs:epsg::4326", "wgs84", "wgs 84",
    # CGCS2000 geographic differs from WGS84 by centimetres: the same for a micro-grid.
    "epsg:4490", "urn:ogc:def:crs:epsg::4490",
}
_EPSG_URN_LONLAT = re.compile(r"urn:ogc:def:crs:epsg:[\d.]*:(4326|4490)")
"""Versioned URNs such as ``urn:ogc:def:crs:EPSG:6.6:4326`` (older GDAL and ArcGIS)."""
_DEPT_SPLIT = re.compile(r"[、,，;；/|\s]+")


STAFFING_KEYS = ("grid_leader", "grid_staff", "contact_phone")
"""Optional extension properties of a grid (网格长, 专职网格员, 联系电话), from the
information tables; written when filled in."""


class ExchangeError(InputError):
    """A file refused as a whole; ``details`` lists every per-feature problem ("zh / en")."""

    def __init__(self, zh: str, en: str, details: Sequence[str] = ()) -> None:
        super().__init__(zh, en)
        self.details = list(details)


def _shown(value: Any, limit: int = 40) -> str:
    """A value as the clerk wrote it, cut short."""
    try:
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        text = type(value).__name__
    text = text.encode("utf-8", "replace").decode("utf-8")
    return text if len(text) <= limit else text[:limit - 3] + "..."


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------
class _Messages:
    """Collects bilingual per-feature messages; ``fatal`` ones make strict mode refuse."""

    def __init__(self, fname: str, surrogates: bool = True) -> None:
        self.fname = fname
        self.items: list[tuple[str, str, bool]] = []
        self.surrogates = surrogates
        """Whether the file has ``\\udXXX`` escapes, the only way text can hold characters
        no file can store (lone surrogates): only then is every string checked."""

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


def _decode(raw: bytes, p: Path, notes: list[tuple[str, str]]) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # Windows Notepad's "Unicode"
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InputError(f"{p.name} 的 UTF-16 编码有误", f"{p.name} is not valid UTF-16") from exc
        notes.append(("文件为 UTF-16 编码,已读取;平台要求 UTF-8",
                      "file is UTF-16; read it, but the platform expects UTF-8"))
        return text
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        where = exc.start
    try:
        text = raw.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise InputError(f"{p.name} 不是 UTF-8 编码的文本(第 {where + 1} 个字节无法识别)",
                         f"{p.name} is not UTF-8 text (byte {where + 1} is not valid)") from exc
    notes.append(("文件不是 UTF-8 编码,已按 GB18030 读取", "file is not UTF-8; read as GB18030"))
    return text


_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _load_collection(path: str | Path) -> tuple[list, str, list[tuple[str, str]], bool, bool]:
    """Read and parse a FeatureCollection: (features, coordinate system, file notes, whether
    the file holds any ``true``/``false``, which coordinates must then be checked for, and
    whether it has surrogate escapes, which strings must then be checked for)."""
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
    text = _decode(raw, p, notes)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{p.name} 不是有效的 JSON(第 {exc.lineno} 行第 {exc.colno} 列:{exc.msg})",
                         f"{p.name} is not valid JSON (line {exc.lineno}, column {exc.colno}: "
                         f"{exc.msg})") from exc
    except (ValueError, RecursionError) as exc:
        raise InputError(f"{p.name} 不是有效的 JSON(或嵌套过深)",
                         f"{p.name} is not valid JSON (or nested too deeply)") from exc
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        kind = _shown(data.get("type") if isinstance(data, dict) else type(data).__name__)
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
            shown = _shown(name or crs_member, 80)
            raise InputError(f"{p.name} 的坐标系为 {shown},不是 WGS84;请导出为 WGS84 经纬度(EPSG:4326)",
                             f"{p.name} declares coordinate system {shown}, not WGS84; "
                             "export as WGS84 longitude/latitude (EPSG:4326)")
    declared = data.get("coordinate_system")
    cs = (declared if isinstance(declared, str) else "wgs84") or "wgs84"
    cs = cs.strip().lower().replace("-", "")
    if cs not in COORDINATE_SYSTEMS or not (declared is None or isinstance(declared, str)):
        shown = _shown(declared)
        raise InputError(f"{p.name} 的 coordinate_system 为 {shown},无法识别;请导出为 WGS84 经纬度",
                         f"{p.name} has unknown coordinate_system {shown}; "
                         "export as WGS84 longitude/latitude")
    return (features, cs, notes, (b"true" in raw or b"false" in raw),
            _SURROGATE_ESCAPE.search(raw) is not None)


def _read_geometry(feat: dict, idx: int, code: str, msgs: _Messages, lenient: bool,
                   check_types: bool) -> BaseGeometry | None:
    """A WGS84 polygonal geometry, an empty polygon standing for a broken one (lenient: the
    checker then reports ``invalid-geometry``), or None when the feature cannot be used.
    Validity is judged by the caller (units and grids differ)."""
    g = feat.get("geometry")
    if g is None:
        msgs.add(idx, code, "没有几何图形", "geometry is missing")
        return Polygon() if lenient else None
    try:
        parsed = parse_polygonal(g, check_types)
    except BadGeometry as exc:
        msgs.add(idx, code, exc.zh, exc.en)
        return Polygon() if lenient else None
    for zh, en in parsed.notes:
        msgs.add(idx, code, zh, en, fatal=False)
    geom = parsed.geometry
    why_zh = ";".join(z for z, _ in parsed.dropped)
    why_en = "; ".join(e for _, e in parsed.dropped)
    if geom.is_empty:
        msgs.add(idx, code, f"几何图形为空({why_zh})" if why_zh else "几何图形为空",
                 f"geometry is empty ({why_en})" if why_en else "geometry is empty",
                 fatal=not lenient)
    elif parsed.dropped:
        msgs.add(idx, code, f"{why_zh},已去掉该部分,保留其余部分",
                 f"{why_en}; that part was dropped, the rest kept", fatal=False)
    return geom


def _check_lonlat(geoms: list[BaseGeometry], labels: list[str], fname: str) -> None:
    """Refuse projected data: coordinates outside longitude/latitude ranges."""
    if not geoms:
        return
    coords, owner = shapely.get_coordinates(np.asarray(geoms, dtype=object), return_index=True)
    if not coords.size:
        return
    bad = (np.abs(coords[:, 0]) > 180) | (np.abs(coords[:, 1]) > 90)
    if bad.any():
        k = int(np.argmax(bad))
        x, y = coords[k]
        label = labels[int(owner[k])]
        raise InputError(
            f"{fname} 的坐标不是经纬度({label}:{x:.3f}, {y:.3f}),可能是投影坐标;"
            "请导出为 WGS84 经纬度(EPSG:4326)",
            f"{fname} coordinates are not longitude/latitude ({label}: {x:.3f}, {y:.3f}), "
            "probably projected; export as WGS84 longitude/latitude (EPSG:4326)")


def _validity(geoms: list[BaseGeometry], feats: list[tuple[int, str]], msgs: _Messages,
              fatal: bool, what_zh: str = "几何图形", what_en: str = "geometry",
              names: Sequence[str] = ()) -> None:
    """One message per invalid geometry, naming the feature (and its name, when given), what
    is wrong and where (lon/lat)."""
    if not geoms:
        return
    arr = np.asarray(geoms, dtype=object)
    for k in np.flatnonzero(~shapely.is_valid(arr) & ~shapely.is_empty(arr)).tolist():
        zh, en = invalid_reason(arr[k])
        idx, code = feats[k]
        name = names[k] if k < len(names) and names[k] else ""
        who_zh, who_en = (f"“{name}”的", f"{name}: ") if name else ("", "")
        msgs.add(idx, code, f"{who_zh}{what_zh}无效:{zh}", f"{who_en}invalid {what_en}: {en}",
                 fatal=fatal)


def _thin(geoms: np.ndarray, feats: list[tuple[int, str]], msgs: _Messages,
          settings: Settings, keep_from=None) -> np.ndarray:
    """Thin needlessly dense geometries (metric CRS) and refuse those still too dense: a
    refusal in every mode, since no command should spend minutes on one feature."""
    if not len(geoms):
        return geoms
    tol = settings.noding_precision_m
    out, removed = thin_vertices(geoms, tol, settings.dense_vertices, keep_from)
    for k in np.flatnonzero(removed).tolist():
        idx, code = feats[k]
        msgs.add(idx, code, f"去掉了 {removed[k]:,} 个重复或共线的顶点(偏差在 {tol:g} 米以内)",
                 f"removed {removed[k]:,} repeated or collinear vertices (within {tol:g} m)",
                 fatal=False)
    counts = shapely.get_num_coordinates(out)
    limit = settings.max_vertices
    too_many = _Messages(msgs.fname)
    for k in np.flatnonzero(counts > limit).tolist():
        idx, code = feats[k]
        too_many.add(idx, code,
                     f"有 {counts[k]:,} 个顶点,超过上限 {limit:,};请先在 GIS 软件中简化",
                     f"has {counts[k]:,} vertices, more than the limit of {limit:,}; "
                     "simplify it in a GIS first")
    if too_many.items:
        raise too_many.refuse()
    return out


def _clean_text(v: str, key: str, idx: int, code: str, msgs: _Messages) -> str:
    """Text that can be stored and written as UTF-8 (JSON escapes can carry lone
    surrogates, which no file can hold)."""
    if not msgs.surrogates:
        return v
    try:
        v.encode("utf-8")
        return v
    except UnicodeEncodeError:
        msgs.add(idx, code, f"{key} 含有无效字符,已替换", f"{key} contains invalid characters; "
                 "replaced", fatal=False)
        return v.encode("utf-8", "replace").decode("utf-8")


def _text(props: dict, key: str, idx: int, code: str, msgs: _Messages) -> str:
    """A string property; numbers are accepted (codes are often stored as numbers)."""
    v = props.get(key)
    if v is None:
        return ""
    if isinstance(v, str):
        return _clean_text(v.strip(), key, idx, code, msgs)
    if isinstance(v, bool):
        pass
    elif isinstance(v, int) and abs(v) < 10**30:
        return str(v)
    elif isinstance(v, float) and math.isfinite(v) and v.is_integer() and abs(v) < 1e30:
        return str(int(v))
    msgs.add(idx, code, f"{key} 应为文字,实为 {_shown(v)}", f"{key} should be text, got {_shown(v)}")
    return ""


def parse_int(value: Any, maximum: int = MAX_COUNT) -> int | None:
    """Integers as platforms write them: 350, 350.0 and "350" are 350; None and "" are None.
    Anything else (``"abc"``, 350.5, true, negative, above ``maximum``) raises ValueError."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        out = value
    elif isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            raise ValueError(value)
        out = int(value)
    elif isinstance(value, str):
        s = value.strip().replace(",", "")
        if not s:
            return None
        if len(s) > 40:
            raise ValueError(value)
        try:
            f = float(s)
        except ValueError:
            raise ValueError(value) from None
        if not math.isfinite(f) or not f.is_integer():
            raise ValueError(value)
        out = int(f)
    else:
        raise ValueError(value)
    if out < 0 or out > maximum:
        raise ValueError(value)
    return out


def _int(props: dict, key: str, idx: int, code: str, msgs: _Messages) -> int | None:
    try:
        return parse_int(props.get(key))
    except ValueError:
        shown = _shown(props.get(key))
        msgs.add(idx, code, f"{key} 应为 0 到 {MAX_COUNT:,} 之间的整数,实为 {shown}",
                 f"{key} must be a whole number from 0 to {MAX_COUNT:,}, got {shown}")
        return None


def _departments(props: dict, idx: int, code: str, msgs: _Messages) -> list[str]:
    v = props.get("departments")
    if v is None:
        return []
    if isinstance(v, str):
        return [_clean_text(d, "departments", idx, code, msgs) for d in _DEPT_SPLIT.split(v) if d]
    if isinstance(v, list) and all(isinstance(d, str) for d in v):
        return [_clean_text(d.strip(), "departments", idx, code, msgs) for d in v if d.strip()]
    msgs.add(idx, code, "departments 应为文字数组", "departments must be an array of strings")
    return []


def _four_bounds(props: dict, idx: int, code: str, msgs: _Messages) -> dict[str, str] | None:
    v = props.get("four_bounds")
    if v is None or v == {}:
        return None
    if isinstance(v, dict):
        out: dict[str, str] = {}
        for k in FOUR_BOUND_KEYS:
            val = v.get(k)
            if val is None or isinstance(val, str):
                out[k] = _clean_text(val or "", "four_bounds", idx, code, msgs)
            elif isinstance(val, int | float) and not isinstance(val, bool):
                out[k] = str(val)
            else:
                out[k] = ""
                msgs.add(idx, code, f"four_bounds.{k} 应为文字,实为 {_shown(val)},已忽略",
                         f"four_bounds.{k} should be text, got {_shown(val)}; ignored",
                         fatal=False)
        return out
    msgs.add(idx, code, "four_bounds 应为 {east, south, west, north} 对象",
             "four_bounds must be an object {east, south, west, north}", fatal=False)
    return None


def _props(feat: Any) -> dict:
    p = feat.get("properties") if isinstance(feat, dict) else None
    return p if isinstance(p, dict) else {}


def _open_collection(p: Path) -> tuple[list, str, _Messages, bool]:
    """Load a FeatureCollection and start its message list with the file-level notes
    (e.g. an encoding fallback), which every reader reports the same way."""
    features, cs, notes, has_bools, surrogates = _load_collection(p)
    msgs = _Messages(p.name, surrogates)
    for zh, en in notes:
        msgs.add(None, "", zh, en, fatal=False)
    return features, cs, msgs, has_bools


def _features(features: list, msgs: _Messages, strict_type: bool = True):
    """(1-based number, feature) for each GeoJSON Feature; anything else gets a message.
    Base layers (``strict_type=False``) accept any object, as GDAL writes them loosely."""
    for i, feat in enumerate(features, start=1):
        if not isinstance(feat, dict) or (strict_type and feat.get("type") != "Feature"):
            msgs.add(i, "", "不是 GeoJSON 要素(Feature)", "not a GeoJSON Feature")
            continue
        yield i, feat


def _to_metric(geoms: list[BaseGeometry], cs: str, crs: str) -> np.ndarray:
    arr = np.asarray(geoms, dtype=object)
    if not len(arr):
        return arr
    if cs == "gcj02":
        arr = geoms_from_gcj02(arr)
    return from_wgs84(arr, crs)


def read_units(path: str | Path, lenient: bool = False, settings: Settings | None = None
               ) -> tuple[list[Unit], str, list[str]]:
    """Read ``units.geojson``: (units in the metric CRS, that CRS, messages).

    The metric CRS is chosen from the centre of the units (``metric_crs_for``), so a project
    created from this file measures in metres where its data lies. Strict mode refuses a unit
    whose boundary is invalid, naming the unit, the problem and where it is.
    """
    p = Path(path)
    settings = settings or Settings()
    features, cs, msgs, has_bools = _open_collection(p)
    units: list[Unit] = []
    geoms: list[BaseGeometry] = []
    labels: list[str] = []
    feats: list[tuple[int, str]] = []
    seen: set[str] = set()
    for i, feat in _features(features, msgs):
        props = _props(feat)
        code = _text(props, "code", i, "", msgs)
        name = _text(props, "name", i, code, msgs)
        unit_type = _text(props, "unit_type", i, code, msgs)
        usable = True
        for key, val in (("code", code), ("name", name)):
            if not val:
                msgs.add(i, code, f"缺少 {key}", f"{key} missing")
                usable = usable and lenient
        if not unit_type:
            msgs.add(i, code, f"缺少 unit_type(管理单元类型,应为 {UNIT_TYPES_ZH} 之一)",
                     f"unit_type missing (the unit type, one of {UNIT_TYPES_EN})")
            usable = usable and lenient
        elif unit_type not in UNIT_TYPES:
            msgs.add(i, code, f"unit_type 为 {_shown(unit_type)},应为 {UNIT_TYPES_ZH} 之一",
                     f"unknown unit_type {_shown(unit_type)}, expected one of {UNIT_TYPES_EN}")
            usable = usable and lenient
        if code and code in seen:
            msgs.add(i, code, "编码与前面的管理单元重复,已忽略", "duplicate unit code, ignored")
            continue
        geom = _read_geometry(feat, i, code, msgs, lenient, has_bools)
        if geom is None or not usable:
            continue
        seen.add(code)
        units.append(Unit(code=code, name=name, unit_type=unit_type, geometry=geom,
                          responsibility_grid=_text(props, "responsibility_grid", i, code, msgs),
                          street=_text(props, "street", i, code, msgs),
                          committee=_text(props, "committee", i, code, msgs),
                          responsibility_grid_name=_text(props, "responsibility_grid_name",
                                                         i, code, msgs)))
        geoms.append(geom)
        labels.append(f"第 {i} 个要素 / feature {i}")
        feats.append((i, code))
    _check_lonlat(geoms, labels, p.name)
    _validity(geoms, feats, msgs, fatal=not lenient, what_zh="边界", what_en="boundary",
              names=[u.name for u in units])
    if msgs.fatal_count and not lenient:
        raise msgs.refuse()
    present = [g for g in geoms if not g.is_empty]
    if not present:
        raise InputError(f"{p.name} 中没有可用的管理单元", f"{p.name} contains no usable units")
    if cs == "gcj02":
        present = list(geoms_from_gcj02(np.asarray(present, dtype=object)))
    b = shapely.total_bounds(np.asarray(present, dtype=object))
    crs = metric_crs_for(float(b[0] + b[2]) / 2, float(b[1] + b[3]) / 2)
    projected = _thin(_to_metric(geoms, cs, crs), feats, msgs, settings)
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
               lenient: bool = False, catalogue: Catalogue | None = None,
               settings: Settings | None = None, neighbours: Sequence[BaseGeometry] = ()
               ) -> tuple[list[MicroGrid], list[str]]:
    """Read ``grids.geojson`` into micro-grids in ``crs`` (fids left None).

    ``units`` (in ``crs``) let a grid without ``unit_code`` get the unit it overlaps most, and
    let strict mode refuse a ``unit_code`` that names no unit. Strict mode also fills empty
    ``departments`` with the category's defaults, as a clerk would. An invalid grid is kept
    with a message in both modes: the checker reports it as ``invalid-geometry``.
    ``neighbours``: geometries already in the project (``crs``), whose vertices thinning keeps.
    """
    p = Path(path)
    cat = catalogue or Catalogue.default()
    settings = settings or Settings()
    unit_list = [u for u in (units or []) if u.geometry is not None and not u.geometry.is_empty]
    unit_codes = {u.code for u in (units or [])}
    features, cs, msgs, has_bools = _open_collection(p)
    grids: list[MicroGrid] = []
    labels: list[str] = []
    feats: list[tuple[int, str]] = []
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
            msgs.add(i, code, f"类别“{_shown(category)}”不在分类目录中",
                     f"unknown category {_shown(category)}")
        if code and code in seen:
            msgs.add(i, code, "编码在文件中重复", "code appears more than once in the file",
                     fatal=not lenient)
        unit_code = _text(props, "unit_code", i, code, msgs)
        if unit_code and unit_codes and unit_code not in unit_codes:
            msgs.add(i, code, f"unit_code {_shown(unit_code)} 不是已知的管理单元",
                     f"unit_code {_shown(unit_code)} names no known unit", fatal=not lenient)
        households = _int(props, "households", i, code, msgs)
        population = _int(props, "population", i, code, msgs)
        if households is None and category and cat.needs_households(category) and not lenient:
            msgs.add(i, code, "缺少 households(小区、村组必填),请在编辑器中补填",
                     "households missing (required for 小区 and 村组); fill it in the editor",
                     fatal=False)
        departments = _departments(props, i, code, msgs)
        four_bounds = _four_bounds(props, i, code, msgs)
        notes = _text(props, "notes", i, code, msgs)
        staffing = {k: _text(props, k, i, code, msgs) for k in STAFFING_KEYS}
        created = _text(props, "created", i, code, msgs)
        updated = _text(props, "updated", i, code, msgs)
        geom = _read_geometry(feat, i, code, msgs, lenient, has_bools)
        if code:
            seen.add(code)
        if geom is None or (msgs.fatal_count > n_fatal and not lenient):
            continue
        if not departments and not lenient:
            departments = cat.default_departments(category)
        grids.append(MicroGrid(
            code=code, name=name, category=category, geometry=geom, unit_code=unit_code,
            departments=departments, households=households, population=population,
            four_bounds=four_bounds, notes=notes, created=created, updated=updated,
            households_source=households_source_of(households), **staffing))
        labels.append(f"第 {i} 个要素 / feature {i}")
        feats.append((i, code))
    _check_lonlat([g.geometry for g in grids], labels, p.name)
    _validity([g.geometry for g in grids], feats, msgs, fatal=False,
              names=[g.name for g in grids])
    if msgs.fatal_count and not lenient:
        raise msgs.refuse()
    if grids:
        arr = _thin(_to_metric([g.geometry for g in grids], cs, crs), feats, msgs, settings,
                    [g for g in neighbours if g is not None])
        for g, geom in zip(grids, arr, strict=True):
            g.geometry = geom
    if unit_list and any(not g.unit_code for g in grids):
        tree = shapely.STRtree([u.geometry for u in unit_list])
        for k, g in enumerate(grids):
            if not g.unit_code:
                g.unit_code = _unit_by_overlap(g.geometry, unit_list, tree)
                if not g.unit_code:
                    # lenient: the checker reports outside-units; strict: a grid must belong
                    # to a unit of the project.
                    msgs.add(feats[k][0], g.code, "不在任何管理单元内,无法确定 unit_code",
                             "lies in no unit, so unit_code cannot be derived",
                             fatal=not lenient)
        if msgs.fatal_count and not lenient:
            raise msgs.refuse()
    return grids, msgs.strings()


def read_base_layer(path: str | Path, crs: str, name: str, settings: Settings | None = None
                    ) -> tuple[BaseLayer, list[str]]:
    """Read a reference layer (buildings, villager groups) for ``check``: every polygonal
    feature is kept with all its properties; ``households``/``floors`` become integers."""
    p = Path(path)
    settings = settings or Settings()
    features, cs, msgs, has_bools = _open_collection(p)
    geoms: list[BaseGeometry] = []
    attrs: list[dict] = []
    labels: list[str] = []
    feats: list[tuple[int, str]] = []
    for i, feat in _features(features, msgs, strict_type=False):
        props = dict(_props(feat))
        geom = _read_geometry(feat, i, "", msgs, lenient=False, check_types=has_bools)
        if geom is None or geom.is_empty:
            continue
        for key in ("households", "floors"):
            if key in props:
                props[key] = _int(props, key, i, "", msgs)
        geoms.append(geom)
        attrs.append(props)
        labels.append(f"第 {i} 个要素 / feature {i}")
        feats.append((i, ""))
    _check_lonlat(geoms, labels, p.name)
    arr = _thin(_to_metric(geoms, cs, crs), feats, msgs, settings)
    return BaseLayer(name=name, geometries=arr, attributes=attrs), msgs.strings()


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------
def _coordinate_system(name: str | None) -> str:
    cs = (name or "wgs84").lower().replace("-", "")
    if cs not in COORDINATE_SYSTEMS:
        raise InputError(f"未知的坐标系 {name},可选 {'/'.join(COORDINATE_SYSTEMS)}",
                         f"unknown coordinate system {name}; "
                         f"choose {'/'.join(COORDINATE_SYSTEMS)}")
    return cs


def _to_output(geoms: np.ndarray, crs: str, cs: str) -> np.ndarray:
    out = to_wgs84(geoms, crs)
    if cs == "gcj02":
        out = geoms_to_gcj02(out)
    elif cs == "cgcs2000":
        out = transform(out, WGS84, "EPSG:4490")
    return out


def _from_output(geoms: np.ndarray, crs: str, cs: str) -> np.ndarray:
    if cs == "gcj02":
        geoms = geoms_from_gcj02(geoms)
    elif cs == "cgcs2000":
        geoms = transform(geoms, "EPSG:4490", WGS84)
    return from_wgs84(geoms, crs)


@dataclass
class ShapeChange:
    """A unit or grid whose exported shape differs from the project's beyond rounding noise."""

    kind: str
    """``unit`` or ``grid``."""
    code: str
    name: str
    zh: str
    en: str

    def message(self) -> str:
        kind_zh = "管理单元" if self.kind == "unit" else "微网格"
        kind_en = "unit" if self.kind == "unit" else "micro-grid"
        return (f"{kind_zh} {self.code}({self.name}):{self.zh} / "
                f"{kind_en} {self.code} ({self.name}): {self.en}")


@dataclass
class ExportPlan:
    """Everything :func:`write_exchange` writes, computed once by :func:`prepare_export`: the
    pre-export check reads ``changes``, the writer only assembles and switches the files."""

    coordinate_system: str
    units: list[Unit]
    grids: list[MicroGrid]
    unit_geometries: np.ndarray
    """Rounded, valid, oriented, in the output coordinate system."""
    grid_geometries: np.ndarray
    changes: list[ShapeChange] = field(default_factory=list)
    unit_texts: list[bytes | None] = field(default_factory=list)
    """Geometry JSON per unit (None: nothing left to export)."""
    grid_texts: list[bytes | None] = field(default_factory=list)
    unit_heads: list[bytes] = field(default_factory=list)
    """``{"type":"Feature","properties":{...},"geometry":`` per unit."""
    grid_heads: list[bytes] = field(default_factory=list)


def _describe_change(before: BaseGeometry, after: BaseGeometry, crs: str, cs: str,
                     tolerance: float) -> tuple[str, str] | None:
    if after.is_empty:
        return ("导出时按 7 位小数取整后消失(比约 1 厘米还窄),不会导出",
                "vanishes when rounded to 7 decimals (narrower than about 1 cm); not exported")
    back = _from_output(np.array([after], dtype=object), crs, cs)[0]
    if not shape_changed(before, back, tolerance):
        return None
    dist = shapely.hausdorff_distance(before, back)
    area = abs(before.area - back.area)
    parts_b, parts_a = shapely.get_num_geometries(before), shapely.get_num_geometries(back)
    extra_zh = f",分为 {parts_a} 块" if parts_a != parts_b else ""
    extra_en = f", in {parts_a} pieces" if parts_a != parts_b else ""
    return (f"导出时按 7 位小数取整会改变形状(边界变化最大 {dist:.3f} 米,面积变化 {area:.2f} 平方米"
            f"{extra_zh});请检查是否有比约 1 厘米更窄的部分",
            f"rounding to 7 decimals on export changes its shape (boundary moves up to "
            f"{dist:.3f} m, area changes by {area:.2f} m²{extra_en}); look for parts narrower "
            "than about a centimetre")


def _round_layer(kind: str, items: list, crs: str, cs: str, tolerance: float,
                 changes: list[ShapeChange]) -> np.ndarray:
    metric = np.empty(len(items), dtype=object)
    metric[:] = [it.geometry if it.geometry is not None else Polygon() for it in items]
    if not len(metric):
        return metric
    rounded = round_geometries(_to_output(metric, crs, cs), decimals_grid(DECIMALS))
    out = shapely.orient_polygons(rounded.geometries)
    for i in rounded.repaired.tolist():
        if metric[i].is_empty:
            continue
        text = _describe_change(metric[i], out[i], crs, cs, tolerance)
        if text is not None:
            changes.append(ShapeChange(kind, items[i].code, items[i].name, *text))
    for i, j in rounded.unmatched:
        a, b = items[i], items[j]
        changes.append(ShapeChange(
            kind, a.code, a.name, f"取整后与 {b.code}({b.name})的公共边不再完全重合",
            f"after rounding its shared edge with {b.code} ({b.name}) no longer matches"))
    return out


def _export_order(dataset: Dataset) -> tuple[list[Unit], list[MicroGrid]]:
    units = sorted(dataset.units.values(), key=attrgetter("code"))
    # by code, then fid (a stable sort of the fid-ordered table; cheaper than a tuple key)
    grids = sorted(sorted(dataset.grids.values(), key=lambda g: g.fid or 0),
                   key=attrgetter("code"))
    return units, grids


def _geometry_part(dataset: Dataset, units: list[Unit], grids: list[MicroGrid], cs: str
                   ) -> tuple[np.ndarray, np.ndarray, list[ShapeChange], list, list]:
    tol = dataset.settings.coordinate_precision_m
    changes: list[ShapeChange] = []
    ugeo = _round_layer("unit", units, dataset.crs, cs, tol, changes)
    ggeo = _round_layer("grid", grids, dataset.crs, cs, tol, changes)
    return (ugeo, ggeo, changes, polygon_geometries_bytes(ugeo, DECIMALS),
            polygon_geometries_bytes(ggeo, DECIMALS))


def prepare_export(dataset: Dataset, coordinate_system: str = "wgs84") -> ExportPlan:
    """Project, round (validity kept, shared edges kept), orient and format every unit and
    grid, encode their properties, and list those whose shape rounding changes
    (:class:`ShapeChange`): what the pre-export check of the CLI and of the GUI shows before
    anything is written. The geometry work (pyproj, GEOS and numpy, which release the GIL)
    runs in a worker thread while this one encodes the properties."""
    from concurrent.futures import ThreadPoolExecutor

    cs = _coordinate_system(coordinate_system)
    units, grids = _export_order(dataset)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="export") as pool:
        geometry = pool.submit(_geometry_part, dataset, units, grids, cs)
        cache: dict = {}
        unit_heads = _feature_heads([unit_properties(u, dataset, a)
                                     for u, a in zip(units, _areas(units), strict=True)])
        grid_heads = _feature_heads([grid_properties(g, dataset.catalogue, a, cache)
                                     for g, a in zip(grids, _areas(grids), strict=True)])
        ugeo, ggeo, changes, utexts, gtexts = geometry.result()
    return ExportPlan(cs, units, grids, ugeo, ggeo, changes, utexts, gtexts, unit_heads,
                      grid_heads)


def export_shape_changes(dataset: Dataset, coordinate_system: str = "wgs84"
                         ) -> list[ShapeChange]:
    """The units and grids export would change in shape (see :func:`prepare_export`)."""
    return prepare_export(dataset, coordinate_system).changes


def _areas(items: list) -> list[float]:
    geoms = np.empty(len(items), dtype=object)
    geoms[:] = [it.geometry if it.geometry is not None else Polygon() for it in items]
    return [round(float(a), 2) for a in shapely.area(geoms)] if len(geoms) else []


def unit_properties(unit: Unit, dataset: Dataset, area: float | None = None) -> dict[str, Any]:
    street = unit.street or (dataset.street.name if dataset.street else "")
    props: dict[str, Any] = {"code": unit.code, "name": unit.name, "unit_type": unit.unit_type,
                             "responsibility_grid": unit.responsibility_grid, "street": street}
    rg = dataset.responsibility_grids.get(unit.responsibility_grid)
    if rg is not None and rg.name and rg.name != unit.responsibility_grid:
        props["responsibility_grid_name"] = rg.name
    if unit.committee:
        props["committee"] = unit.committee
    props["area_m2"] = _areas([unit])[0] if area is None else area
    return props


def grid_properties(grid: MicroGrid, catalogue: Catalogue, area: float | None = None,
                    _cache: dict | None = None) -> dict[str, Any]:
    """Contract properties (in contract order) plus the extensions notes/created/updated and,
    when filled in, the staffing fields grid_leader/grid_staff/contact_phone."""
    fb = None
    if grid.four_bounds:
        fb = {k: grid.four_bounds.get(k, "") or "" for k in FOUR_BOUND_KEYS}
    cache = {} if _cache is None else _cache
    known = cache.get(grid.category)
    if known is None:
        known = cache[grid.category] = (normalize_category(grid.category),
                                        catalogue.default_departments(grid.category))
    props = {
        "code": grid.code, "name": grid.name, "category": known[0],
        "unit_code": grid.unit_code,
        "departments": list(grid.departments) or list(known[1]),
        "households": grid.households, "population": grid.population, "four_bounds": fb,
        "area_m2": _areas([grid])[0] if area is None else area,
        "notes": grid.notes, "created": grid.created, "updated": grid.updated,
    }
    if grid.grid_leader or grid.grid_staff or grid.contact_phone:
        props.update(grid_leader=grid.grid_leader, grid_staff=grid.grid_staff,
                     contact_phone=grid.contact_phone)
    return props


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _json_bytes(value: Any) -> bytes:
    """Compact UTF-8 JSON with real Chinese characters: orjson (several times faster on a
    city's properties) where installed, else the standard library; both give the same bytes
    for what we write (strings, whole numbers, finite floats, lists, dicts)."""
    if _orjson is not None:
        return _orjson.dumps(value)
    return _ENCODER.encode(value).encode("utf-8")


try:
    import orjson as _orjson
except ImportError:  # pragma: no cover - a build without it still exports, more slowly
    _orjson = None

_GEOMETRY_MARK = "\x00mapedit-geometry\x00"
_GEOMETRY_MARK_JSON = _ENCODER.encode(_GEOMETRY_MARK).encode("utf-8")


def _feature_heads(props: list[dict]) -> list[bytes]:
    """``{"type":"Feature","properties":{...},"geometry":`` for each properties object, all
    encoded in one call of the encoder with a placeholder for the geometry and then split
    (encoding feature by feature cost more than formatting all the coordinates)."""
    if not props:
        return []
    feats = [{"type": "Feature", "properties": p, "geometry": _GEOMETRY_MARK} for p in props]
    pieces = _json_bytes(feats).split(_GEOMETRY_MARK_JSON)
    if len(pieces) != len(props) + 1:  # a property held the placeholder itself
        return [_json_bytes({"type": "Feature", "properties": p, "geometry": None})[:-5]
                for p in props]
    return [pieces[0][1:], *(piece[2:] for piece in pieces[1:-1])]


def _collection_writer(heads: list[bytes], texts: list[bytes | None], coordinate_system: str):
    """Writes the collection: one feature per line, features without geometry left out."""

    def write(fh: IO[bytes]) -> None:
        fh.write(b'{"type":"FeatureCollection",')
        if coordinate_system != "wgs84":
            fh.write(f'"coordinate_system":"{coordinate_system}",'.encode("ascii"))
        fh.write(b'"features":[\n')
        parts: list[bytes] = []
        for head, text in zip(heads, texts, strict=True):
            if text is not None:
                parts += (head, text, b"},\n")
        if parts:
            parts[-1] = b"}\n"
        fh.write(b"".join(parts))
        fh.write(b"]}\n")

    return write


def existing_export_files(out_dir: str | Path) -> list[Path]:
    """The exchange files an export to ``out_dir`` would replace (empty when none): the CLI
    refuses without ``--force`` and the GUI asks before overwriting them."""
    out = Path(out_dir)
    if not out.is_dir():
        return []
    recover(out)  # a crashed export's files count as what is there
    return [out / n for n in EXPORT_FILES if (out / n).exists()]


def write_exchange(dataset: Dataset, out_dir: str | Path, coordinate_system: str = "wgs84",
                   messages: list[str] | None = None, plan: ExportPlan | None = None,
                   companions: Callable[[dict[str, bytes]], dict[str, bytes]] | None = None
                   ) -> tuple[Path, Path]:
    """Write ``units.geojson`` and ``grids.geojson`` into ``out_dir`` per the contract.

    The two files are switched into place as one set (a reader finds the old pair or the new
    pair, whatever moment the process dies; see :mod:`mapedit.io.atomicfile`). Existing files
    are replaced: callers ask first (:func:`existing_export_files`). ``coordinate_system``
    ``gcj02`` or ``cgcs2000`` is for platforms that want those; the file then says so in a
    top-level ``coordinate_system`` member. ``plan`` is the result of :func:`prepare_export`
    for the same dataset and coordinate system, if the caller already has it. Features whose
    geometry is empty (or collapses at 1 cm) are left out and listed in ``messages``.
    ``companions`` maps the pair's bytes (file name → content) to more files switched in with
    them as part of the same set (``manifest.json`` with the pair's checksums).
    """
    cs = _coordinate_system(coordinate_system)
    if plan is None or plan.coordinate_system != cs:
        plan = prepare_export(dataset, cs)
    if messages is not None:
        for kind_zh, kind_en, items, texts in (
                ("管理单元", "unit", plan.units, plan.unit_texts),
                ("微网格", "micro-grid", plan.grids, plan.grid_texts)):
            for item, text in zip(items, texts, strict=True):
                if text is None:
                    messages.append(f"{kind_zh} {item.code} 没有几何图形,未导出 / "
                                    f"{kind_en} {item.code} has no geometry, not exported")
    out = Path(out_dir)
    writers: dict[str, Callable[[IO], None]] = {
        UNITS_FILE: _collection_writer(plan.unit_heads, plan.unit_texts, cs),
        GRIDS_FILE: _collection_writer(plan.grid_heads, plan.grid_texts, cs)}
    if companions is not None:
        blobs: dict[str, bytes] = {}
        for name, write in writers.items():
            buf = io.BytesIO()
            write(buf)
            blobs[name] = buf.getvalue()
        extra = companions(dict(blobs))
        blobs.update(extra)
        writers = {name: (lambda fh, b=b: fh.write(b)) for name, b in blobs.items()}
    try:
        units_path, grids_path = write_file_set(out, writers, binary=True)[:2]
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise InputError(f"无法写入 {out}:{reason}", f"cannot write to {out}: {reason}") from exc
    return units_path, grids_path


def geometry_json(geom: BaseGeometry | None) -> str | None:
    """RFC 7946 geometry text of one lon/lat polygonal geometry (rounded to 7 decimals,
    validity kept, oriented); None if nothing remains."""
    if geom is None or geom.is_empty:
        return None
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    if not parts:
        return None
    poly = parts[0] if len(parts) == 1 else shapely.multipolygons(shapely.get_parts(parts))
    rounded = shapely.orient_polygons(round_geometries([poly], decimals_grid(DECIMALS))
                                      .geometries)
    return polygon_geometries_json(rounded, DECIMALS)[0]
