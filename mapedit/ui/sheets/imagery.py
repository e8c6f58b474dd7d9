"""Imagery under the sheet's map: a project's raster layers (orthophotos, scanned and
georeferenced paper maps), read with the base-map code (``io/raster.RasterSource``) for exactly
the ground the map frame shows, at print resolution.

Registered as the underlay of kind ``raster`` (``map_frame.register_underlay``). Online tile
layers are not printed: a sheet must not depend on the network or on a key, and tiles at the
zoom a sheet needs are rarely licensed for print.
"""

from __future__ import annotations

import logging

from mapedit.ui.sheets.map_frame import register_underlay

log = logging.getLogger(__name__)

PRINT_DPI = 200.0
"""Image pixels per inch on paper: enough for an orthophoto under vector lines."""
MAX_SIDE_PX = 5000


def paint_raster(painter, layer, rect, extent, per_m, context) -> None:
    """Read ``extent`` of the raster layer at about :data:`PRINT_DPI` and draw it into
    ``rect``. A moved or unreadable image leaves the map without imagery (and a log line):
    a sheet is still a sheet."""
    import numpy as np
    from PySide6.QtGui import QImage

    from mapedit.errors import MapeditError
    from mapedit.io.layer_factory import raster_source_for

    device_dpi = painter.device().logicalDpiX() or 1200
    scale = min(1.0, PRINT_DPI / device_dpi)
    w = max(1, min(MAX_SIDE_PX, round(rect.width() * scale)))
    h = max(1, min(MAX_SIDE_PX, round(rect.height() * scale)))
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


register_underlay("raster", paint_raster)
