"""Small imagery carried inside the project: a GeoPackage tile pyramid that GDAL and QGIS read.

A georeferenced photo of the ops centre's paper map or a small orthophoto should travel with
the one-file project to the site laptop. :func:`embed_raster` warps the image into the project
CRS and writes it as a standard GeoPackage *tiles* table (``gpkg_contents`` data_type
``tiles``, ``gpkg_tile_matrix_set``, ``gpkg_tile_matrix``; 256 px tiles, zoom level 0 = one
tile over the whole image, each level halving the pixel size down to the image's own
resolution; JPEG for opaque tiles, PNG where a tile has transparent pixels — GDAL's ``AUTO``
tile format). Fully transparent tiles are not stored.

The function writes through a ``sqlite3`` connection and does **not** commit: the store calls
it inside the transaction that also writes the layer's ``mapedit_layers`` row, so the layer and
its pixels land together or not at all::

    # in GpkgStore.add_layer(layer), for layer.kind == "raster" and layer.options["embedded"]:
    with transaction(conn):
        embed_raster(conn, layer.options["embedded"], RasterSource(layer.options["path"],
                     crs=layer.crs, transform=layer.options.get("transform")),
                     project_crs, srs_id=self.srs_id)
        insert the mapedit_layers row
    # remove_layer: drop_embedded(conn, table) in the same transaction as the row's deletion

Reading it back is GDAL's job: ``RasterSource(embedded_path(project_path, table),
crs=project_crs)`` (the tiles are already in the project CRS).
"""

from __future__ import annotations

import math
import re
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from mapedit.errors import InputError
from mapedit.io.raster import DIRECT_PIXELS, RasterSource, colormap_lut, prepare

TILE = 256
EMBED_MAX_PIXELS = 40_000_000
"""Imagery up to this many pixels (a 12-Mpx phone photo, a 6000 × 6000 scan) is embedded by
default; larger imagery is linked by path."""

_DDL = (
    """CREATE TABLE IF NOT EXISTS gpkg_tile_matrix_set (
        table_name TEXT NOT NULL PRIMARY KEY, srs_id INTEGER NOT NULL,
        min_x DOUBLE NOT NULL, min_y DOUBLE NOT NULL, max_x DOUBLE NOT NULL, max_y DOUBLE NOT NULL,
        CONSTRAINT fk_gtms_table_name FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
        CONSTRAINT fk_gtms_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id))""",
    """CREATE TABLE IF NOT EXISTS gpkg_tile_matrix (
        table_name TEXT NOT NULL, zoom_level INTEGER NOT NULL,
        matrix_width INTEGER NOT NULL, matrix_height INTEGER NOT NULL,
        tile_width INTEGER NOT NULL, tile_height INTEGER NOT NULL,
        pixel_x_size DOUBLE NOT NULL, pixel_y_size DOUBLE NOT NULL,
        CONSTRAINT pk_ttm PRIMARY KEY (table_name, zoom_level),
        CONSTRAINT fk_tmm_table_name FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name))""",
)


def should_embed(source: RasterSource) -> bool:
    return source.width * source.height <= EMBED_MAX_PIXELS


def embedded_path(gpkg: str | Path, table: str) -> str:
    """What rasterio/GDAL opens for an embedded table."""
    return f"GPKG:{gpkg}:{table}"


def _check_table(table: str) -> None:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,62}", table):
        raise ValueError(f"bad tiles table name {table!r}")


def encode_tile(rgba: np.ndarray, quality: int = 85) -> tuple[bytes, str]:
    """(bytes, ``png``/``jpeg``): JPEG when every pixel is opaque, else PNG (GDAL's rule)."""
    from rasterio.io import MemoryFile

    h, w = rgba.shape[:2]
    opaque = bool((rgba[..., 3] == 255).all())
    fmt = "jpeg" if opaque else "png"
    bands = np.ascontiguousarray(rgba.transpose(2, 0, 1)[:3] if opaque else rgba.transpose(2, 0, 1))
    opts: dict[str, Any] = {"quality": quality} if opaque else {}
    with MemoryFile() as mem:
        with mem.open(driver="JPEG" if opaque else "PNG", width=w, height=h,
                      count=len(bands), dtype="uint8", **opts) as dst:
            dst.write(bands)
        return bytes(mem.read()), fmt


def decode_tile(data: bytes) -> np.ndarray:
    """PNG/JPEG/WebP bytes → RGBA (h, w, 4) uint8."""
    from rasterio.io import MemoryFile

    with MemoryFile(data) as mem, mem.open() as ds:
        arr = ds.read()
        cm = None
        if ds.count == 1:
            try:
                cm = ds.colormap(1)
            except ValueError:
                cm = None
    h, w = arr.shape[1:]
    out = np.empty((h, w, 4), dtype=np.uint8)
    if cm is not None:
        return colormap_lut(cm)[arr[0]]
    if arr.shape[0] in (1, 2):
        out[..., 0] = out[..., 1] = out[..., 2] = arr[0]
        out[..., 3] = arr[1] if arr.shape[0] == 2 else 255
    else:
        out[..., :3] = arr[:3].transpose(1, 2, 0)
        out[..., 3] = arr[3] if arr.shape[0] >= 4 else 255
    return out


def _srs_id(conn: sqlite3.Connection, crs: str, srs_id: int | None) -> int:
    if srs_id is not None:
        if conn.execute("SELECT 1 FROM gpkg_spatial_ref_sys WHERE srs_id=?", (srs_id,)).fetchone():
            return srs_id
    from pyproj import CRS

    c = CRS.from_user_input(crs)
    epsg = c.to_epsg()
    if epsg is not None:
        row = conn.execute("SELECT srs_id FROM gpkg_spatial_ref_sys WHERE upper(organization)="
                           "'EPSG' AND organization_coordsys_id=?", (epsg,)).fetchone()
        if row:
            return int(row[0])
    new_id = srs_id if srs_id is not None else (epsg or 100000 + int(conn.execute(
        "SELECT COUNT(*) FROM gpkg_spatial_ref_sys").fetchone()[0]))
    conn.execute("INSERT INTO gpkg_spatial_ref_sys (srs_name, srs_id, organization, "
                 "organization_coordsys_id, definition, description) VALUES (?,?,?,?,?,?)",
                 (c.name, new_id, "EPSG" if epsg else "NONE", epsg or new_id,
                  c.to_wkt("WKT1_GDAL"), c.name))
    return new_id


def embed_raster(conn: sqlite3.Connection | str | Path, table: str, source: RasterSource,
                 crs: str, *, srs_id: int | None = None, identifier: str = "",
                 max_levels: int = 12,
                 progress: Callable[[float], None] | None = None) -> dict[str, Any]:
    """Write ``source`` warped into ``crs`` as the tiles table ``table`` (see the module doc).

    With a connection nothing is committed; with a path the file is opened, written in one
    transaction and closed. Returns the table's zoom levels and extent."""
    _check_table(table)
    if not isinstance(conn, sqlite3.Connection):
        own = sqlite3.connect(str(conn))
        try:
            with own:
                return embed_raster(own, table, source, crs, srs_id=srs_id,
                                    identifier=identifier, max_levels=max_levels,
                                    progress=progress)
        finally:
            own.close()
    if conn.execute("SELECT 1 FROM gpkg_contents WHERE table_name=?", (table,)).fetchone():
        raise InputError(f"项目中已有表 {table}", f"the project already has a table {table}")
    if source.read_info.tiled is False and source.width * source.height > DIRECT_PIXELS:
        # every tile would decode the image from its first row: read a pyramid copy instead
        # (callers should have run raster.prepare(..., many_windows=True) beforehand)
        prepare(source.path, crs=source.crs, many_windows=True)
        source = source.reopened()
    x0, y0, x1, y1 = source.extent(crs)
    res = source.resolution(crs)
    if not all(math.isfinite(v) for v in (x0, y0, x1, y1, res)) or res <= 0:
        raise InputError("影像无法换算到项目坐标系", "the image cannot be placed in the project CRS")
    span_px = max(x1 - x0, y1 - y0) / res
    top = max(0, min(max_levels, math.ceil(math.log2(max(1.0, span_px / TILE)))))
    size = TILE * res * 2 ** top  # the square the matrix set covers, from the top-left corner
    mx0, my1 = x0, y1
    for ddl in _DDL:
        conn.execute(ddl)
    sid = _srs_id(conn, crs, srs_id)
    conn.execute(f'CREATE TABLE "{table}" (id INTEGER PRIMARY KEY AUTOINCREMENT, '
                 "zoom_level INTEGER NOT NULL, tile_column INTEGER NOT NULL, "
                 "tile_row INTEGER NOT NULL, tile_data BLOB NOT NULL, "
                 "UNIQUE (zoom_level, tile_column, tile_row))")
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    conn.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, description, "
                 "last_change, min_x, min_y, max_x, max_y, srs_id) VALUES "
                 "(?, 'tiles', ?, ?, ?, ?, ?, ?, ?, ?)",
                 (table, identifier or table, Path(source.path).name, now, x0, y0, x1, y1, sid))
    conn.execute("INSERT INTO gpkg_tile_matrix_set VALUES (?,?,?,?,?,?)",
                 (table, sid, mx0, my1 - size, mx0 + size, my1))
    total = sum(math.ceil((x1 - x0) / (size / 2 ** z)) * math.ceil((y1 - y0) / (size / 2 ** z))
                for z in range(top + 1))
    done = 0
    written = 0
    for z in range(top + 1):
        n = 2 ** z
        px = size / (TILE * n)
        conn.execute("INSERT INTO gpkg_tile_matrix VALUES (?,?,?,?,?,?,?,?)",
                     (table, z, n, n, TILE, TILE, px, px))
        tile_span = size / n
        cols = range(0, min(n, math.ceil((x1 - mx0) / tile_span)))
        rows = range(0, min(n, math.ceil((my1 - y0) / tile_span)))
        for r in rows:
            for c in cols:
                tb = (mx0 + c * tile_span, my1 - (r + 1) * tile_span,
                      mx0 + (c + 1) * tile_span, my1 - r * tile_span)
                rgba = source.read(tb, TILE, TILE, crs)
                done += 1
                if progress:
                    progress(done / max(1, total))
                if not rgba[..., 3].any():
                    continue
                data, _ = encode_tile(rgba)
                conn.execute(f'INSERT INTO "{table}" (zoom_level, tile_column, tile_row, '
                             "tile_data) VALUES (?,?,?,?)", (z, c, r, data))
                written += 1
    return {"table": table, "zoom_levels": top + 1, "tiles": written, "srs_id": sid,
            "extent": [x0, y0, x1, y1], "pixel_size": size / (TILE * 2 ** top)}


def drop_embedded(conn: sqlite3.Connection, table: str) -> None:
    """Remove an embedded tiles table and its registrations (no commit)."""
    _check_table(table)
    conn.execute(f'DROP TABLE IF EXISTS "{table}"')
    for t in ("gpkg_tile_matrix", "gpkg_tile_matrix_set", "gpkg_contents"):
        try:
            conn.execute(f"DELETE FROM {t} WHERE table_name=?", (table,))
        except sqlite3.OperationalError:  # no such table
            pass
