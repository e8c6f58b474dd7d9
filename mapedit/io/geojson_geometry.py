"""GeoJSON geometry objects → shapely polygons, checked position by position.

Files come from other people's tools, and what they write is not always RFC 7946: holes written
as ``[]``, empty parts of a MultiPolygon, rings of one to three points, unclosed rings,
coordinates as strings (``"121.1"``), booleans, NaN, collections nested inside collections.
shapely and numpy accept much of this silently (an empty hole becomes ``POLYGON (..., EMPTY)``,
which GEOS calls valid and the checker's coverage functions then crash on; ``"121.1"`` becomes
a number), so nothing here hands raw input to them:

* a ring that cannot hold an area (empty, fewer than three distinct positions) is dropped with
  a note; a polygon whose exterior is dropped is dropped, and a MultiPolygon keeps the parts
  that remain. The caller decides whether an empty result is acceptable;
* an unclosed ring is closed, with a note (GDAL and QGIS do the same);
* a position that is not 2 or 3 finite numbers (strings, booleans, NaN, a bare number, deeper
  nesting) makes the whole geometry unusable, with a message naming the ring and the value.

Messages are bilingual ``(zh, en)`` pairs with a ``fatal`` flag; the reader attaches the feature
number and code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

MAX_COLLECTION_DEPTH = 4
"""GeometryCollections nested deeper than this are refused (no real tool writes them; the
limit keeps recursion bounded however deep a file nests them)."""


class BadGeometry(Exception):
    """The geometry cannot be used at all: (zh, en) says why."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh = zh
        self.en = en


_EMPTY = Polygon()


@dataclass
class ParsedGeometry:
    """A polygonal geometry (possibly empty) and what was cleaned on the way."""

    geometry: BaseGeometry = _EMPTY
    notes: list[tuple[str, str]] = field(default_factory=list)
    """Non-fatal: rings or parts dropped, rings closed."""
    dropped: list[tuple[str, str]] = field(default_factory=list)
    """Why parts were dropped, so "geometry is empty" can say what was wrong."""


def _shown(value: Any) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=True)
    except (TypeError, ValueError, RecursionError):
        text = type(value).__name__
    return text if len(text) <= 40 else text[:37] + "..."


def _where(part: int | None, ring: int) -> tuple[str, str]:
    """'第 2 个部分的第 1 个环' / 'part 2, ring 1' (rings and parts counted from 1)."""
    ring_zh = "外环" if ring == 1 else f"第 {ring} 个环(内环)"
    ring_en = "exterior ring" if ring == 1 else f"ring {ring} (a hole)"
    if part is None:
        return ring_zh, ring_en
    return f"第 {part} 个部分的{ring_zh}", f"part {part}, {ring_en}"


def _position_problem(pos: Any) -> tuple[str, str] | None:
    """Why one position is unusable, or None when it is 2-3 finite numbers."""
    if not isinstance(pos, list):
        return (f"坐标应为 [经度, 纬度],实为 {_shown(pos)}",
                f"a position must be [longitude, latitude], got {_shown(pos)}")
    if len(pos) < 2:
        return (f"坐标 {_shown(pos)} 少于两个数", f"position {_shown(pos)} has fewer than two numbers")
    for v in pos[:3]:
        if isinstance(v, bool) or not isinstance(v, int | float):
            return (f"坐标应为数字,实为 {_shown(v)}", f"coordinates must be numbers, got {_shown(v)}")
        if isinstance(v, float) and not np.isfinite(v):
            return ("坐标含有非数字值(NaN 或无穷大)", "coordinates contain NaN or infinity")
        if isinstance(v, int) and abs(v) > 10**15:
            return (f"坐标 {_shown(v)} 过大", f"coordinate {_shown(v)} is far too large")
    return None


def _ring_array(ring: Any, part: int | None, k: int, check_types: bool
                ) -> tuple[np.ndarray | None, tuple[str, str] | None]:
    """(closed n×2 array, note) or (None, why dropped); raises BadGeometry for bad values.

    The fast path lets numpy convert the ring and checks the dtype (strings come out as a
    string dtype, mixed types as objects); booleans are only looked for when the file has any
    (``check_types``), since numpy turns ``true`` into 1.0 inside a float array."""
    wz, we = _where(part, k)
    if not isinstance(ring, list):
        raise BadGeometry(f"{wz}应为坐标数组,实为 {_shown(ring)}",
                          f"{we} must be an array of positions, got {_shown(ring)}")
    if not ring:
        return None, (f"{wz}为空", f"{we} is empty")
    arr: np.ndarray | None = None
    try:
        a = np.asarray(ring)
        if a.ndim == 2 and a.dtype.kind in "fiu" and a.shape[1] >= 2:
            arr = a[:, :2].astype(float, copy=False)
    except (ValueError, TypeError, OverflowError):
        arr = None
    if arr is None or check_types:
        for pos in ring:
            problem = _position_problem(pos)
            if problem is not None:
                raise BadGeometry(f"{wz}:{problem[0]}", f"{we}: {problem[1]}")
        if arr is None:
            arr = np.asarray([pos[:2] for pos in ring], dtype=float)
    top = np.abs(arr).max()
    if not top <= 1e15:  # also False for NaN
        raise BadGeometry(f"{wz}:坐标含有非数字值(NaN 或无穷大)或过大的数",
                          f"{we}: coordinates contain NaN, infinity or huge numbers")
    note = None
    if arr[0, 0] != arr[-1, 0] or arr[0, 1] != arr[-1, 1]:
        arr = np.vstack([arr, arr[:1]])
        note = (f"{wz}未闭合,已自动闭合", f"{we} was not closed; closed it")
    step = arr[1:] != arr[:-1]
    distinct = int(np.count_nonzero(step[:, 0] | step[:, 1]))  # the closing point repeats
    if distinct < 3:
        return None, (f"{wz}只有 {max(distinct, 1)} 个不同的点,围不成面",
                      f"{we} has only {max(distinct, 1)} distinct position(s), no area")
    return arr, note


def _polygon(rings: Any, part: int | None, check_types: bool, out: ParsedGeometry
             ) -> Polygon | None:
    """A polygon from GeoJSON rings, or None when nothing of it can hold an area."""
    label_zh = "面" if part is None else f"第 {part} 个部分"
    label_en = "the polygon" if part is None else f"part {part}"
    if not isinstance(rings, list):
        raise BadGeometry(f"{label_zh}应为环的数组,实为 {_shown(rings)}",
                          f"{label_en} must be an array of rings, got {_shown(rings)}")
    if not rings:
        out.dropped.append((f"{label_zh}为空", f"{label_en} is empty"))
        return None
    arrays: list[np.ndarray] = []
    for k, ring in enumerate(rings, start=1):
        arr, note = _ring_array(ring, part, k, check_types)
        if arr is None:
            assert note is not None
            if k == 1:
                out.dropped.append(note)
                return None  # no exterior: the holes mean nothing
            out.notes.append((f"{note[0]},已忽略", f"{note[1]}; ignored"))
            continue
        if note is not None:
            out.notes.append(note)
        arrays.append(arr)
    return shapely.polygons(arrays[0], holes=arrays[1:] or None)


def _collect(g: Any, check_types: bool, out: ParsedGeometry, depth: int) -> list[Polygon]:
    if not isinstance(g, dict):
        raise BadGeometry(f"几何图形格式不对:{_shown(g)}", f"geometry is malformed: {_shown(g)}")
    gtype = g.get("type")
    if gtype == "Polygon":
        poly = _polygon(g.get("coordinates"), None, check_types, out)
        return [] if poly is None else [poly]
    if gtype == "MultiPolygon":
        coords = g.get("coordinates")
        if not isinstance(coords, list):
            raise BadGeometry(f"MultiPolygon 的坐标应为数组,实为 {_shown(coords)}",
                              f"MultiPolygon coordinates must be an array, got {_shown(coords)}")
        parts = [_polygon(c, i, check_types, out) for i, c in enumerate(coords, start=1)]
        return [p for p in parts if p is not None]
    if gtype == "GeometryCollection":
        if depth >= MAX_COLLECTION_DEPTH:
            raise BadGeometry("几何集合嵌套过深", "geometry collections are nested too deeply")
        members = g.get("geometries")
        if not isinstance(members, list):
            raise BadGeometry("GeometryCollection 缺少 geometries 数组",
                              "GeometryCollection has no geometries array")
        polys: list[Polygon] = []
        for m in members:
            polys.extend(_collect(m, check_types, out, depth + 1))
        return polys
    shown = _shown(gtype)
    raise BadGeometry(f"几何类型为 {shown},应为 Polygon 或 MultiPolygon",
                      f"geometry type is {shown}, expected Polygon or MultiPolygon")


def parse_polygonal(g: Any, check_types: bool = False) -> ParsedGeometry:
    """A GeoJSON geometry object → a polygonal shapely geometry (Polygon, MultiPolygon, or an
    empty Polygon when every part was dropped). Raises :class:`BadGeometry` for input that
    cannot be read at all. ``check_types``: look at every value (the file has booleans)."""
    out = ParsedGeometry()
    gtype = g.get("type") if isinstance(g, dict) else None
    polys = _collect(g, check_types, out, 0)
    if not polys:
        out.geometry = _EMPTY
    elif gtype == "Polygon":
        out.geometry = polys[0]
    else:
        out.geometry = MultiPolygon(polys) if len(polys) > 1 or gtype == "MultiPolygon" \
            else polys[0]
    return out


_REASONS_ZH = (
    ("Ring Self-intersection", "环自相交"),
    ("Self-intersection", "边界自相交"),
    ("Too few points", "点数太少"),
    ("Interior is disconnected", "内部不连通(内环把面切断)"),
    ("Hole lies outside shell", "内环在外环之外"),
    ("Nested holes", "内环相互嵌套"),
    ("Nested shells", "多个部分相互嵌套"),
    ("Duplicate Rings", "有重复的环"),
    ("Invalid Coordinate", "坐标无效"),
    ("Ring is not closed", "环未闭合"),
)


def invalid_reason(geom: BaseGeometry) -> tuple[str, str]:
    """Why a geometry is invalid, in Chinese and English, with the place GEOS names
    (``Self-intersection[121.1005 31.1005]`` → ``边界自相交,位置 121.1005, 31.1005``)."""
    reason = shapely.is_valid_reason(geom) or "invalid"
    name, _, rest = reason.partition("[")
    where = rest.rstrip("]").strip()
    zh = next((z for e, z in _REASONS_ZH if name.strip().startswith(e)), name.strip())
    if where:
        xy = where.split()
        place = ", ".join(xy[:2])
        return f"{zh},位置 {place}", f"{name.strip()} at {place}"
    return zh, name.strip()
