"""GeoJSON text for many polygons at once, built with numpy instead of one float at a time.

A city export holds about 1.3 million coordinates. Formatting each with ``%.7f`` and stripping
zeros with regular expressions cost more than everything else in the export together; here the
text of all coordinates is assembled as one byte matrix (one row per position: brackets, sign,
integer digits, point, decimals, separator) with a mask of the bytes to keep, so the whole job is
a handful of array operations. The output is what the contract asks and what the per-float path
wrote: at most 7 decimals, trailing zeros dropped (``121.5``, ``31``), never an exponent, no
``-0``, consecutive duplicate positions (made equal by rounding) written once.

The geometries given must already be rounded to the decimals, valid and oriented (see
:func:`mapedit.model.precision.round_geometries` and ``shapely.orient_polygons``).
"""

from __future__ import annotations

import numpy as np
import shapely

_CHUNK_POINTS = 1 << 18
"""Positions formatted per batch: bounds the temporary byte matrix (~40 bytes per position)."""


def _digits(k: np.ndarray, decimals: int, int_digits: int) -> tuple[np.ndarray, np.ndarray]:
    """(bytes, keep mask) of the numbers ``k / 10**decimals`` (``k`` integer), one row each:
    sign, ``int_digits`` integer digits, point, ``decimals`` decimals."""
    n = len(k)
    width = 1 + int_digits + 1 + decimals
    chars = np.empty((n, width), dtype=np.uint8)
    keep = np.zeros((n, width), dtype=bool)
    neg = k < 0
    a = np.abs(k)
    scale = 10 ** decimals
    ip, fp = a // scale, a % scale
    chars[:, 0] = ord("-")
    keep[:, 0] = neg
    for j in range(int_digits):
        p = 10 ** (int_digits - 1 - j)
        chars[:, 1 + j] = ord("0") + (ip // p) % 10
        keep[:, 1 + j] = (ip >= p) if j < int_digits - 1 else True
    dot = 1 + int_digits
    chars[:, dot] = ord(".")
    keep[:, dot] = fp != 0
    trailing = np.zeros(n, dtype=np.int64)
    for t in range(1, decimals + 1):
        trailing += (fp % (10 ** t)) == 0
    significant = decimals - trailing
    for j in range(decimals):
        chars[:, dot + 1 + j] = ord("0") + (fp // 10 ** (decimals - 1 - j)) % 10
        keep[:, dot + 1 + j] = j < significant
    return chars, keep


def _structure(geoms: np.ndarray):
    """Coordinates of every ring of ``geoms`` with, per position, how many brackets open
    before it and close after it, and whether it is the last of its geometry."""
    parts, part_geom = shapely.get_parts(geoms, return_index=True)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    coords, pos_ring = shapely.get_coordinates(rings, return_index=True)
    # drop positions equal to the one before them in the same ring
    dup = np.zeros(len(coords), dtype=bool)
    dup[1:] = (pos_ring[1:] == pos_ring[:-1]) & np.all(coords[1:] == coords[:-1], axis=1)
    coords, pos_ring = coords[~dup], pos_ring[~dup]
    ring_geom = part_geom[ring_part]
    multi = shapely.get_num_geometries(geoms) > 1
    pos_part = ring_part[pos_ring]
    pos_geom = ring_geom[pos_ring]

    def firsts(ids: np.ndarray) -> np.ndarray:
        f = np.ones(len(ids), dtype=bool)
        f[1:] = ids[1:] != ids[:-1]
        return f

    def lasts(ids: np.ndarray) -> np.ndarray:
        f = np.ones(len(ids), dtype=bool)
        f[:-1] = ids[1:] != ids[:-1]
        return f

    gm = multi[pos_geom]
    opens = (firsts(pos_ring).astype(np.int8) + firsts(pos_part) + (firsts(pos_geom) & gm))
    geom_last = lasts(pos_geom)
    closes = (lasts(pos_ring).astype(np.int8) + lasts(pos_part) + (geom_last & gm))
    return coords, opens, closes, geom_last


def _format_positions(coords: np.ndarray, opens: np.ndarray, closes: np.ndarray,
                      comma: np.ndarray, decimals: int) -> tuple[bytes, np.ndarray]:
    """The text of the positions, and the number of bytes each produced."""
    k = np.floor(coords * (10.0 ** decimals) + 0.5).astype(np.int64)
    top = int(np.abs(k).max(initial=0)) // 10 ** decimals
    int_digits = max(1, len(str(top)))
    xc, xk = _digits(k[:, 0], decimals, int_digits)
    yc, yk = _digits(k[:, 1], decimals, int_digits)
    n = len(coords)

    def const(ch: str, keep) -> tuple[np.ndarray, np.ndarray]:
        mask = np.empty((n, 1), dtype=bool)
        mask[:, 0] = keep
        return np.full((n, 1), ord(ch), dtype=np.uint8), mask

    cols = [const("[", opens > i) for i in range(3)]
    cols += [const("[", True), (xc, xk), const(",", True), (yc, yk), const("]", True)]
    cols += [const("]", closes > i) for i in range(3)]
    cols.append(const(",", comma))
    chars = np.hstack([c for c, _ in cols])
    keep = np.hstack([m for _, m in cols])
    return chars[keep].tobytes(), keep.sum(axis=1)


def polygon_geometries_bytes(geoms, decimals: int = 7) -> list[bytes | None]:
    """GeoJSON geometry text (``{"type":"Polygon","coordinates":...}``, ASCII bytes) of each
    polygonal geometry; None for an empty one. A MultiPolygon of one part is written as a
    Polygon."""
    arr = np.asarray(geoms, dtype=object)
    out: list[bytes | None] = [None] * len(arr)
    present = np.flatnonzero(~shapely.is_empty(arr) & ~shapely.is_missing(arr))
    if not len(present):
        return out
    counts = shapely.get_num_coordinates(arr[present])
    heads = {False: b'{"type":"Polygon","coordinates":',
             True: b'{"type":"MultiPolygon","coordinates":'}
    start = 0
    while start < len(present):
        stop = start + max(1, int(np.searchsorted(np.cumsum(counts[start:]), _CHUNK_POINTS)))
        idx = present[start:stop]
        sub = arr[idx]
        coords, opens, closes, geom_last = _structure(sub)
        body, lengths = _format_positions(coords, opens, closes, ~geom_last, decimals)
        ends = np.cumsum(lengths)[geom_last].tolist()
        begins = [0, *ends[:-1]]
        multi = (shapely.get_num_geometries(sub) > 1).tolist()
        for j, k in enumerate(idx.tolist()):
            out[k] = b"".join((heads[multi[j]], body[begins[j]:ends[j]], b"}"))
        start = stop
    return out


def polygon_geometries_json(geoms, decimals: int = 7) -> list[str | None]:
    """:func:`polygon_geometries_bytes` as text."""
    return [None if b is None else b.decode("ascii")
            for b in polygon_geometries_bytes(geoms, decimals)]
