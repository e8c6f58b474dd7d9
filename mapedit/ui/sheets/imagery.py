"""Imagery under the sheet's map: a project's raster layers (orthophotos, scanned and
georeferenced paper maps), read with the base-map code (``io/raster.RasterSource``), and its
tile layers (天地图 imagery, an XYZ service, an offline MBTiles), drawn through the base-map
render path (:func:`mapedit.ui.render.render_layer`, which waits for the tiles with a timeout
and takes what the tile cache holds) — each for exactly the ground the map frame shows, at
print resolution (:data:`PRINT_DPI`).

Registered as the underlays of kinds ``raster`` and ``tiles`` (``map_frame.register_underlay``).
A sheet never fails for its imagery: a moved image leaves the map without it (and a log line);
tiles that do not arrive are drawn as the map draws them (pale red) and recorded in the
context's ``imagery_problems`` — the map frame then prints a note that the imagery is
incomplete, and ``mapedit sheets`` prints one warning line.
"""

from __future__ import annotations

import logging

from mapedit.ui.sheets.map_frame import register_underlay

log = logging.getLogger(__name__)

PRINT_DPI = 200.0
"""Image pixels per inch on paper: enough for an orthophoto under vector lines."""
MAX_SIDE_PX = 5000


def _print_size(painter, rect) -> tuple[int, int]:
    """Pixels of an image filling ``rect`` at about :data:`PRINT_DPI` on paper."""
    device_dpi = painter.device().logicalDpiX() or 1200
    scale = min(1.0, PRINT_DPI / device_dpi)
    return (max(1, min(MAX_SIDE_PX, round(rect.width() * scale))),
            max(1, min(MAX_SIDE_PX, round(rect.height() * scale))))


def paint_raster(painter, layer, rect, extent, per_m, context) -> None:
    """Read ``extent`` of the raster layer at about :data:`PRINT_DPI` and draw it into
    ``rect``. A moved or unreadable image leaves the map without imagery (and a log line):
    a sheet is still a sheet."""
    import numpy as np
    from PySide6.QtGui import QImage

    from mapedit.errors import MapeditError
    from mapedit.io.layer_factory import raster_source_for

    w, h = _print_size(painter, rect)
    try:
        source = raster_source_for(layer, context.get("project_path"), context.get("crs"))
    except (MapeditError, OSError) as exc:
        log.warning("sheet imagery %s not drawn: %s", layer.id, exc)
        return
    try:
        rgba = source.read(tuple(extent), w, h, context.get("crs") or source.crs)
    except Exception as exc:  # noqa: BLE001 - GDAL errors of a damaged file: no imagery
        log.warning("sheet imagery %s not drawn: %s", layer.id, exc)
        return
    finally:
        source.close()
    rgba = np.ascontiguousarray(rgba, dtype=np.uint8)
    img = QImage(rgba.data, w, h, 4 * w, QImage.Format.Format_RGBA8888).copy()
    painter.drawImage(rect, img)


def paint_tiles(painter, layer, rect, extent, per_m, context) -> None:
    """Draw the tile layer's tiles for ``extent`` at about :data:`PRINT_DPI` into ``rect``,
    waiting for them up to ``context["tiles_wait"]`` seconds (default: the render timeout,
    ``MAPEDIT_RENDER_TIMEOUT``). What did not arrive (or a Tianditu layer without the user's
    key) goes into ``context["imagery_problems"]`` as (zh, en); the rest is still drawn."""
    from mapedit.errors import MapeditError
    from mapedit.ui.canvas.imagery_context import ImageryContext
    from mapedit.ui.render import _settings_key, render_layer

    w, h = _print_size(painter, rect)
    ctx = context.get("imagery") or ImageryContext(
        crs=context.get("crs") or "", project_path=context.get("project_path"),
        tianditu_key=_settings_key())
    problems = context.setdefault("imagery_problems", [])
    try:
        img, missed = render_layer(layer, tuple(extent), w, h, ctx,
                                   timeout=context.get("tiles_wait"))
    except MapeditError as exc:  # no key for 天地图, a damaged MBTiles…: the sheet goes on
        log.warning("sheet tiles %s not drawn: %s", layer.id, exc)
        problems.append((exc.zh, exc.en))
        return
    if missed:
        log.warning("sheet tiles %s incomplete: %s", layer.id, missed[0][1])
        problems.extend(missed)
    painter.drawImage(rect, img)


register_underlay("raster", paint_raster)
register_underlay("tiles", paint_tiles)
