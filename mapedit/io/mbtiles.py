"""Offline tiles: read MBTiles files directly, and pack a service's tiles of an area into one.

An on-site session has no network: before leaving, the clerk packs the tiles of the street (or
one unit) for the zoom levels needed into an MBTiles file (SQLite; spec 1.3: a ``metadata``
table of name/value rows and a ``tiles`` table with rows in TMS order, i.e. ``tile_row =
2^z − 1 − y``). GDAL's MBTiles driver opens the result (``gdalinfo OUT.mbtiles``), QGIS too,
and a tiles layer with the ``mbtiles`` option reads it through :class:`MBTiles`.

Packing waits for every tile (with a timeout) and writes the file under a temporary name,
renamed only when complete: a failed or interrupted pack leaves nothing behind and names the
tiles that failed.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from mapedit.errors import InputError
from mapedit.io.tiles import WEB_MERCATOR, TileService, _bounds_in_tile_crs, area_tiles

MAX_PACK_TILES = 20_000
"""A street at zoom 18 is a few thousand tiles; more than this is a mistake (or abuse of a
public service's terms)."""


class MBTiles:
    """Read-only access to an MBTiles file (thread-compatible: guard concurrent use)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.exists():
            raise InputError(f"找不到文件 {self.path}", f"file not found: {self.path}")
        try:
            self.conn = sqlite3.connect(f"file:{quote(str(self.path.resolve()))}?mode=ro",
                                        uri=True, check_same_thread=False)
            names = {r[0] for r in self.conn.execute(
                "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}
        except sqlite3.DatabaseError as exc:
            raise InputError(f"{self.path.name} 不是 MBTiles 文件", f"{self.path.name} is not an "
                             "MBTiles file") from exc
        if not {"tiles", "metadata"} <= names:
            self.conn.close()
            raise InputError(f"{self.path.name} 不是 MBTiles 文件(缺少 tiles/metadata 表)",
                             f"{self.path.name} is not an MBTiles file (no tiles/metadata table)")
        self.metadata: dict[str, str] = {str(k): str(v) for k, v in self.conn.execute(
            "SELECT name, value FROM metadata")}

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        """Tile (z, x, y) in XYZ numbering (the file stores TMS rows)."""
        row = self.conn.execute(
            "SELECT tile_data FROM tiles WHERE zoom_level=? AND tile_column=? AND tile_row=?",
            (z, x, (1 << z) - 1 - y)).fetchone()
        return bytes(row[0]) if row else None

    def zooms(self) -> tuple[int, int]:
        lo = self.metadata.get("minzoom")
        hi = self.metadata.get("maxzoom")
        if lo is None or hi is None:
            r = self.conn.execute("SELECT MIN(zoom_level), MAX(zoom_level) FROM tiles").fetchone()
            lo, hi = (lo or r[0] or 0), (hi or r[1] or 0)
        return int(lo), int(hi)

    def bounds(self) -> tuple[float, float, float, float] | None:
        """(west, south, east, north) in degrees, from the metadata."""
        b = self.metadata.get("bounds")
        try:
            w, s, e, n = (float(v) for v in b.split(",")) if b else ()  # type: ignore[misc]
        except ValueError:
            return None
        return w, s, e, n

    def count(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM tiles").fetchone()[0])

    def service(self, name: str = "") -> TileService:
        """A tiles-layer service reading this file."""
        lo, hi = self.zooms()
        return TileService(template=f"mbtiles://{self.path.name}", min_zoom=lo, max_zoom=hi,
                           tile_crs=WEB_MERCATOR,
                           gcj02=self.metadata.get("mapedit_coordinates") == "gcj02",
                           name=name or self.metadata.get("name") or self.path.stem,
                           mbtiles=str(self.path.resolve()),
                           attribution=self.metadata.get("attribution", ""))

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> MBTiles:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def write_mbtiles(out: str | Path, tiles: Mapping[tuple[int, int, int], bytes],
                  metadata: Mapping[str, str]) -> Path:
    """Write an MBTiles file atomically (temporary name, renamed when complete)."""
    out = Path(out)
    tmp = out.with_name(out.name + f".{os.getpid()}.part")
    if tmp.exists():
        tmp.unlink()
    conn = sqlite3.connect(str(tmp))
    try:
        with conn:
            conn.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
            conn.execute("CREATE UNIQUE INDEX name ON metadata (name)")
            conn.execute("CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, "
                         "tile_row INTEGER, tile_data BLOB)")
            conn.execute("CREATE UNIQUE INDEX tile_index ON tiles "
                         "(zoom_level, tile_column, tile_row)")
            conn.executemany("INSERT INTO metadata VALUES (?, ?)",
                             [(str(k), str(v)) for k, v in metadata.items()])
            conn.executemany("INSERT INTO tiles VALUES (?, ?, ?, ?)",
                             [(z, x, (1 << z) - 1 - y, sqlite3.Binary(data))
                              for (z, x, y), data in sorted(tiles.items())])
        conn.close()
        os.replace(tmp, out)
    except BaseException:
        conn.close()
        try:
            tmp.unlink()
        except OSError:
            pass
        raise
    return out


@dataclass
class PackResult:
    path: Path
    tiles: int
    zooms: tuple[int, int]
    size_bytes: int
    bounds: tuple[float, float, float, float]


def pack(service: TileService, provider, bounds: tuple[float, float, float, float], crs: str,
         zooms: Iterable[int], out: str | Path, *, name: str = "", timeout: float = 120.0,
         max_tiles: int = MAX_PACK_TILES,
         progress: Callable[[int, int], None] | None = None) -> PackResult:
    """Fetch (through ``provider``, a :class:`~mapedit.io.tile_fetch.TileProvider`) every tile
    of ``bounds`` (map CRS ``crs``) at ``zooms`` and write them to ``out`` (see the module
    doc). A bilingual error naming the failed tiles if any tile could not be had in time."""
    from mapedit.io.crs_guess import _transformer
    from mapedit.io.tile_fetch import image_kind

    if service.tile_crs != WEB_MERCATOR:
        raise InputError("只能打包 Web 墨卡托(_w)瓦片;经纬度(_c)瓦片不能写入 MBTiles",
                         "only Web Mercator (_w) tiles can be packed; MBTiles cannot hold "
                         "longitude/latitude (_c) tiles")
    zs = sorted(set(int(z) for z in zooms))
    if not zs:
        raise InputError("没有指定缩放级别", "no zoom levels given")
    if zs[0] < service.min_zoom or zs[-1] > service.max_zoom:
        raise InputError(f"缩放级别应在 {service.min_zoom}-{service.max_zoom} 之间",
                         f"zoom levels must be within {service.min_zoom}-{service.max_zoom}")
    wanted = area_tiles(service, bounds, crs, zs)
    if len(wanted) > max_tiles:
        raise InputError(f"该范围需要 {len(wanted)} 个瓦片,超过上限 {max_tiles};请缩小范围或减少级别",
                         f"the area needs {len(wanted)} tiles, more than the limit of "
                         f"{max_tiles}; choose a smaller area or fewer zoom levels")
    got, failed = provider.wait(wanted, timeout)
    if progress:
        progress(len(got), len(wanted))
    not_images = [k for k, d in got.items() if image_kind(d) is None]
    for k in not_images:
        failed[k] = "not an image"
    if failed:
        first = sorted(failed.items())[:5]
        listed = "; ".join(f"{z}/{x}/{y} {r}" for (z, x, y), r in first)
        raise InputError(f"有 {len(failed)} 个瓦片获取失败,未写入 {Path(out).name}:{listed}",
                         f"{len(failed)} tiles could not be fetched; {Path(out).name} not "
                         f"written: {listed}")
    kinds = {image_kind(d) for d in got.values()}
    fmt = "png" if "png" in kinds or not kinds else sorted(k for k in kinds if k)[0]
    tb = _bounds_in_tile_crs(bounds, crs, service)
    tr = _transformer(WEB_MERCATOR, "EPSG:4326")
    w, s = tr.transform(tb[0], tb[1])
    e, n = tr.transform(tb[2], tb[3])
    lonlat = (float(w), float(s), float(e), float(n))
    meta = {
        "name": name or service.name or "mapedit",
        "format": fmt,
        "bounds": ",".join(f"{v:.7f}" for v in lonlat),
        "center": f"{(w + e) / 2:.7f},{(s + n) / 2:.7f},{zs[0]}",
        "minzoom": str(zs[0]),
        "maxzoom": str(zs[-1]),
        "type": "baselayer",
        "version": "1.1",
        "description": f"mapedit tiles-pack of {service.name or service.template}",
        "attribution": service.attribution,
        "mapedit_coordinates": "gcj02" if service.gcj02 else "wgs84",
    }
    path = write_mbtiles(out, got, meta)
    return PackResult(path, len(got), (zs[0], zs[-1]), path.stat().st_size, lonlat)


def parse_zooms(text: str) -> tuple[int, int]:
    """``16-18`` or ``17`` → (min, max), checked."""
    t = str(text).strip()
    lo, sep, hi = t.partition("-")
    try:
        a = int(lo)
        b = int(hi) if sep else a
    except ValueError as exc:
        raise InputError(f"--zoom 应写成 最小-最大(如 15-18),而不是 {text}",
                         f"--zoom must be MIN-MAX (e.g. 15-18), not {text}") from exc
    if not (0 <= a <= b <= 22):
        raise InputError(f"缩放级别 {text} 无效", f"invalid zoom levels {text}")
    return a, b
