"""GeoPackage geometry blobs: encoding, defensive decoding, envelopes and the SQL functions the
R-tree triggers call.

A blob is the standard GeoPackage binary: a ``GP`` header (version, flags, srs id, optional
envelope) followed by ISO WKB. Encoding and decoding use shapely's vectorised WKB functions;
only the 8- or 40-byte headers are handled in Python, so 35,000 grids load in a fraction of a
second.

Decoding is defensive because the file is shared with GDAL and QGIS, which write things our
editor never would: a polygon with an empty ring (a hole written as ``[]``), a MultiPolygon
with an empty part, a ring of three points, an unclosed ring, Z or M coordinates. GEOS accepts
an empty ring as "valid" and then crashes the process (a segmentation fault in ``relate``), so
such pieces are dropped on load (the valid parts are kept) and the caller is told which rows
were repaired. A geometry that is still invalid afterwards is returned as is, for the checker to
report as ``invalid-geometry``.
"""

from __future__ import annotations

import sqlite3
import struct
from collections.abc import Sequence

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}
_HEADER = np.dtype([("magic", "S2"), ("version", "u1"), ("flags", "u1"), ("srs_id", "<i4"),
                    ("env", "<f8", (4,))])
_FLAGS_XY_LE = 0b0000_0011  # little-endian, envelope type 1 (minx, maxx, miny, maxy)
_FLAGS_EMPTY_LE = 0b0001_0001  # little-endian, empty geometry, no envelope
_FLAGS_NOENV_LE = 0b0000_0001  # little-endian, no envelope (points)
_FLAG_EMPTY = 0b0001_0000
_FLAG_EXTENDED = 0b0010_0000

# ISO WKB type codes of the single types we wrap into their multi type (declared column type).
_WRAP = {3: 6, 1: 5}  # shapely type id -> ISO WKB multi type: Polygon->MultiPolygon, Line->MultiLine
_WRAP_POINT = {0: 4}  # Point -> MultiPoint, only for MULTIPOINT columns
_WRAP_PREFIX = {tid: struct.pack("<BII", 1, multi, 1)
                for tid, multi in (*_WRAP.items(), *_WRAP_POINT.items())}
_ONE_PART = {struct.pack("<II", multi, 1) for multi in _WRAP.values()}
# Empty Polygon/LineString are written as an EMPTY multi (zero parts), as GDAL expects an empty
# geometry behind the header's empty flag; reading maps them back.
_EMPTY_MULTI = {tid: struct.pack("<BII", 1, multi, 0) for tid, multi in _WRAP.items()}
_EMPTY_SINGLE = {struct.pack("<II", multi, 0): struct.pack("<BII", 1, single, 0)
                 for single, multi in ((3, 6), (2, 5))}

_ON_INVALID = "fix" if tuple(int(p) for p in shapely.__version__.split(".")[:2]) >= (2, 1) \
    else "ignore"
"""shapely ≥ 2.1 (GEOS ≥ 3.11) closes unclosed rings itself; what it cannot read we salvage."""


# -- encoding --------------------------------------------------------------------------------

def encode_geometries(geoms: Sequence[BaseGeometry | None] | np.ndarray, srs_id: int,
                      promote: bool = True, multipoint: bool = False) -> list[bytes | None]:
    """GeoPackage blobs for an array of geometries (None stays None → SQL NULL).

    With ``promote`` a Polygon/LineString is written as a one-part MultiPolygon/
    MultiLineString (the declared column type) by prefixing its WKB with a multi header,
    which keeps the coordinates bit-for-bit; ``multipoint`` does the same for points (a
    MULTIPOINT column).
    """
    arr = np.asarray(geoms, dtype=object).reshape(-1)
    n = len(arr)
    if n == 0:
        return []
    wkb = shapely.to_wkb(arr, output_dimension=2, byte_order=1, flavor="iso")
    type_ids = shapely.get_type_id(arr)
    empty = shapely.is_empty(arr)
    bounds = shapely.bounds(arr)
    head = np.zeros(n, dtype=_HEADER)
    head["magic"] = b"GP"
    head["flags"] = _FLAGS_XY_LE
    head["srs_id"] = srs_id
    head["env"] = bounds[:, [0, 2, 1, 3]]
    heads = head.tobytes()
    size = _HEADER.itemsize
    out: list[bytes | None] = [None] * n
    for i in range(n):
        w = wkb[i]
        if w is None:
            continue
        tid = int(type_ids[i])
        if empty[i]:
            if promote and tid in _WRAP:
                w = _EMPTY_MULTI[tid]
            out[i] = b"GP\x00" + bytes([_FLAGS_EMPTY_LE]) + struct.pack("<i", srs_id) + w
        elif tid == 0 and not multipoint:  # a point is its own envelope; GDAL writes none either
            out[i] = b"GP\x00" + bytes([_FLAGS_NOENV_LE]) + struct.pack("<i", srs_id) + w
        else:
            if (promote and tid in _WRAP) or (multipoint and tid == 0):
                w = _WRAP_PREFIX[tid] + w
            out[i] = heads[i * size:(i + 1) * size] + w
    return out


def encode_geometry(geom: BaseGeometry | None, srs_id: int, promote: bool = True) -> bytes | None:
    return encode_geometries([geom], srs_id, promote)[0]


# -- decoding --------------------------------------------------------------------------------

_OFFSETS = {flags: 8 + _ENVELOPE_BYTES[(flags >> 1) & 7] for flags in range(256)
            if not flags & _FLAG_EXTENDED and (flags >> 1) & 7 in _ENVELOPE_BYTES}
"""Header flags byte → where the WKB starts (extended blobs and bad envelope codes absent)."""


def _wkb_of(b: bytes | None) -> bytes | None:
    """The WKB behind a GeoPackage header (None for NULL, a foreign or an extended blob)."""
    if b is None or len(b) < 13 or b[0] != 0x47 or b[1] != 0x50:  # "GP"
        return None
    off = _OFFSETS.get(b[3])
    if off is None or len(b) < off + 5:
        return None
    return b[off:]


def decode_geometries(blobs: Sequence[bytes | None], demote: bool = True,
                      repaired: list[int] | None = None) -> np.ndarray:
    """Shapely geometries from GeoPackage blobs (NULL → None), cleaned so GEOS cannot crash.

    With ``demote`` a one-part MultiPolygon/MultiLineString comes back as its single part, the
    form the editor works with. Indices of blobs that had to be repaired (empty rings or
    parts dropped, degenerate rings dropped, Z/M dropped) or that could not be read at all
    (None returned for a non-NULL blob) are appended to ``repaired``.
    """
    wkb: list[bytes | None] = []
    append = wkb.append
    offsets, one_part, empty_single = _OFFSETS.get, _ONE_PART, _EMPTY_SINGLE
    for b in blobs:
        # the common case inline (238,000 blobs of a city): a GP header, little-endian WKB
        if b is None or len(b) < 13 or b[0] != 0x47 or b[1] != 0x50:
            append(None)
            continue
        off = offsets(b[3])
        if off is None or len(b) < off + 5:
            append(None)
            continue
        if demote and b[off] == 1:
            head = b[off + 1:off + 9]
            if head in one_part:  # a little-endian multi header with one part
                append(b[off + 9:])
                continue
            if len(b) == off + 9 and head in empty_single:
                append(empty_single[head])
                continue
        append(b[off:])
    arr = np.asarray(wkb, dtype=object)
    if not len(arr):
        return np.empty(0, dtype=object)
    out = shapely.from_wkb(arr, on_invalid="ignore")
    bad: set[int] = set()
    # what GEOS could not read: let it close unclosed rings (shapely >= 2.1), else salvage by
    # hand (rings of 1-3 points, foreign encodings)
    unread = [int(i) for i in np.flatnonzero(shapely.is_missing(out)) if wkb[i] is not None]
    for i in unread:
        g = None
        if _ON_INVALID == "fix":
            try:
                g = shapely.from_wkb(wkb[i], on_invalid="fix")
            except (ValueError, shapely.errors.GEOSException):  # GEOS < 3.11
                g = None
        out[i] = g if g is not None else _salvage(wkb[i], demote)  # type: ignore[arg-type]
        bad.add(i)
    out, cleaned = sanitize(out, demote, suspects=unread)
    bad.update(cleaned)
    if repaired is not None:
        repaired.extend(sorted(bad))
    return out


def decode_geometry(blob: bytes | None, demote: bool = True) -> BaseGeometry | None:
    return decode_geometries([blob], demote)[0]


def sanitize(geoms: np.ndarray, demote: bool = True, suspects: Sequence[int] = ()
             ) -> tuple[np.ndarray, list[int]]:
    """Drop what crashes GEOS: empty rings and empty parts (the rest of the geometry is kept),
    rings collapsed to fewer than 4 points (no area; GEOS cannot even build them from WKB, so
    they only come from a repair, listed in ``suspects``), and Z/M coordinates (the project
    is 2D). Returns the cleaned array (a copy only when something changed) and the indices
    changed. Vectorised, without creating ring objects except for polygons with holes; only
    geometries that hold such a piece are rebuilt in Python."""
    arr = np.asarray(geoms, dtype=object)
    todo: set[int] = {int(i) for i in suspects}
    type_ids = shapely.get_type_id(arr)
    todo.update(int(i) for i in np.flatnonzero(shapely.has_z(arr)))
    multi = np.flatnonzero(np.isin(type_ids, (4, 5, 6, 7)))
    polys_idx = np.flatnonzero(type_ids == 3)
    parr = arr[polys_idx]
    if len(multi):
        parts, owner = shapely.get_parts(arr[multi], return_index=True)
        owners = multi[owner]
        todo.update(int(i) for i in owners[shapely.is_empty(parts)])
        nested = shapely.get_type_id(parts)
        todo.update(int(i) for i in owners[nested == 7])  # collections in collections
        poly_parts = nested == 3
        parr = np.concatenate([parr, parts[poly_parts]])
        polys_idx = np.concatenate([polys_idx, owners[poly_parts]])
    if len(parr):
        with_holes = np.flatnonzero(shapely.get_num_interior_rings(parr) > 0)
        if len(with_holes):
            owners = polys_idx[with_holes]
            # an empty shell with holes, or an empty hole
            todo.update(int(i) for i in owners[shapely.is_empty(parr[with_holes])])
            rings, owner = shapely.get_rings(parr[with_holes], return_index=True)
            todo.update(int(i) for i in owners[owner[shapely.get_num_coordinates(rings) < 4]])
    if not todo:
        return arr, []
    out = arr.copy()
    changed = []
    for i in sorted(todo):
        g = out[i]
        if g is None:
            continue
        fixed = _drop_empty(shapely.force_2d(g) if shapely.has_z(g) else g, demote)
        if fixed is not g:
            out[i] = fixed
            changed.append(i)
    return out, changed


def _drop_empty(g: BaseGeometry, demote: bool) -> BaseGeometry:
    """The geometry without empty rings and parts (recursively)."""
    t = g.geom_type
    if t == "Polygon":
        if g.is_empty and not len(g.interiors):
            return g
        if len(g.exterior.coords) < 4:
            return shapely.Polygon()
        holes = [r for r in g.interiors if len(r.coords) >= 4]
        if len(holes) == len(g.interiors):
            return g
        return shapely.Polygon(g.exterior, holes)
    if t in ("MultiPolygon", "MultiLineString", "MultiPoint", "GeometryCollection"):
        parts = [_drop_empty(p, demote) for p in g.geoms]
        parts = [p for p in parts if not p.is_empty]
        if t == "GeometryCollection":
            return shapely.GeometryCollection(parts)
        if demote and len(parts) == 1 and t != "MultiPoint":
            return parts[0]
        return type(g)(parts)
    return g


# -- salvaging WKB that GEOS refuses ------------------------------------------------------

class _Reader:
    """A tiny ISO/extended WKB reader for what GEOS refuses (rings of 1-3 points, unclosed
    rings): it keeps x/y, drops degenerate rings and parts, closes rings."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def _unpack(self, fmt: str):
        size = struct.calcsize(fmt)
        if self.pos + size > len(self.data):
            raise ValueError("truncated WKB")
        vals = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += size
        return vals

    def geometry(self):
        (order,) = self._unpack("B")
        end = "<" if order == 1 else ">"
        (code,) = self._unpack(end + "I")
        dims = 2
        if code & 0x80000000:  # EWKB Z flag
            dims += 1
        if code & 0x40000000:  # EWKB M flag
            dims += 1
        code &= 0x0FFFFFFF
        if code > 1000:
            dims = {1: 3, 2: 3, 3: 4}.get(code // 1000, 2)
            code %= 1000
        fmt = end + "d" * dims

        def coords(n: int) -> list[tuple[float, float]]:
            if n > (len(self.data) - self.pos) // (8 * dims):
                raise ValueError("truncated WKB")
            return [self._unpack(fmt)[:2] for _ in range(n)]

        def count() -> int:
            return self._unpack(end + "I")[0]

        def polygon():
            rings = []
            for _ in range(count()):
                ring = coords(count())
                if ring and ring[0] != ring[-1]:
                    ring.append(ring[0])
                rings.append(ring if len(ring) >= 4 else None)
            if not rings or rings[0] is None:
                return shapely.Polygon()
            return shapely.Polygon(rings[0], [r for r in rings[1:] if r is not None])

        if code == 1:
            pt = coords(1)[0]
            return shapely.Point() if any(np.isnan(pt)) else shapely.Point(pt)
        if code == 2:
            pts = coords(count())
            return shapely.LineString(pts) if len(pts) >= 2 else shapely.LineString()
        if code == 3:
            return polygon()
        if code in (4, 5, 6, 7):
            parts = [self.geometry() for _ in range(count())]
            parts = [p for p in parts if p is not None and not p.is_empty]
            if code == 7:
                return shapely.GeometryCollection(parts)
            want = {4: "Point", 5: "LineString", 6: "Polygon"}[code]
            parts = [p for p in parts if p.geom_type == want]
            return {4: shapely.MultiPoint, 5: shapely.MultiLineString,
                    6: shapely.MultiPolygon}[code](parts)
        raise ValueError(f"unsupported WKB type {code}")


def _salvage(wkb: bytes, demote: bool) -> BaseGeometry | None:
    try:
        g = _Reader(wkb).geometry()
    except (ValueError, struct.error, shapely.errors.GEOSException):
        return None
    if g is None:
        return None
    if demote and g.geom_type in ("MultiPolygon", "MultiLineString") and len(g.geoms) == 1:
        return g.geoms[0]
    return g


# -- envelopes and the R-tree's SQL functions --------------------------------------------------

def blob_envelope(b: bytes | None) -> tuple[float, float, float, float] | None:
    """``(minx, maxx, miny, maxy)`` of a blob, from its header when it has one, else computed
    from the WKB; None for NULL, empty or unreadable blobs."""
    if b is None or len(b) < 8 or b[:2] != b"GP":
        return None
    flags = b[3]
    if flags & _FLAG_EMPTY:
        return None
    env_type = (flags >> 1) & 7
    if env_type in (1, 2, 3, 4) and len(b) >= 40:
        env = struct.unpack_from("<4d" if flags & 1 else ">4d", b, 8)
        if all(v == v for v in env):  # not NaN
            return env  # type: ignore[return-value]
    g = decode_geometry(b, demote=False)
    if g is None or g.is_empty:
        return None
    minx, miny, maxx, maxy = g.bounds
    if any(v != v for v in (minx, miny, maxx, maxy)):
        return None
    return (minx, maxx, miny, maxy)


def blob_envelopes(blobs: Sequence[bytes | None]) -> np.ndarray:
    """Envelopes of many blobs as an ``(n, 4)`` array (minx, maxx, miny, maxy), NaN rows for
    NULL/empty geometries. Headers are read in one numpy pass; only blobs without an envelope
    (points) are decoded."""
    n = len(blobs)
    out = np.full((n, 4), np.nan)
    need: list[int] = []
    for i, b in enumerate(blobs):
        if b is None or len(b) < 8 or b[:2] != b"GP" or b[3] & _FLAG_EMPTY:
            continue
        if (b[3] >> 1) & 7 in (1, 2, 3, 4) and len(b) >= 40:
            out[i] = struct.unpack_from("<4d" if b[3] & 1 else ">4d", b, 8)
        else:
            need.append(i)
    if need:
        geoms = decode_geometries([blobs[i] for i in need], demote=False)
        b = shapely.bounds(geoms)
        out[need] = b[:, [0, 2, 1, 3]]
    return out


def _st_envelope_value(k: int):
    def fn(blob):
        try:
            env = blob_envelope(blob) if isinstance(blob, bytes) else None
        except Exception:  # a user function must never raise into SQLite
            return None
        return None if env is None else env[k]
    return fn


def _st_is_empty(blob) -> int | None:
    if blob is None:
        return None
    try:
        return 1 if not isinstance(blob, bytes) or blob_envelope(blob) is None else 0
    except Exception:
        return 1


def register_sql_functions(conn: sqlite3.Connection) -> None:
    """The functions the GeoPackage R-tree triggers call (``ST_IsEmpty``, ``ST_MinX``,
    ``ST_MaxX``, ``ST_MinY``, ``ST_MaxY``). GDAL and QGIS register them on their own
    connections; Python's sqlite3 has none, so without these every edit of an indexed table
    fails with "no such function"."""
    conn.create_function("ST_IsEmpty", 1, _st_is_empty, deterministic=True)
    for k, name in enumerate(("ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY")):
        conn.create_function(name, 1, _st_envelope_value(k), deterministic=True)
