"""The renderer of image layers (kind ``raster``): orthophotos, images with world files,
georeferenced scans and photos of paper maps, and imagery embedded in the project.

:class:`RasterItem` is a :class:`~mapedit.ui.canvas.view_image.ViewImageItem`: ``paint`` blits
a picture of the view that a worker thread read with :meth:`mapedit.io.raster.RasterSource
.read` (:class:`RasterPictures`) — only the window the view covers, decimated from the file's
overviews to the screen's resolution, reprojected or unwarped (projective georeference) into
the project CRS. The source is opened in the worker too (a linked file on a slow share must
not freeze the map); a big image without pyramids gets its pyramid copy built there once (the
item shows the progress), and a file that has moved is drawn as a red outline saying so, never
as an error dialog per frame.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPen

from mapedit.model.layers import Layer
from mapedit.ui.canvas.imagery_context import ImageryContext
from mapedit.ui.canvas.layer_image import LayerImageItem
from mapedit.ui.canvas.view_image import (
    ViewImage,
    ViewRequest,
    image_from_rgba,
)


class RasterPictures:
    """Pictures of one image layer (plain Python, used from worker threads)."""

    def __init__(self, layer: Layer, context: ImageryContext) -> None:
        self.layer = layer
        self.context = context
        self._extent = tuple(layer.extent) if layer.extent else None
        self._lock = threading.Lock()
        self._source = None
        self.progress: float | None = None
        """Share of the pyramid copy built so far (None: not building)."""
        self.worker = None
        """Set by the item (its ``_Worker``): to have the map redrawn while the pyramid
        grows."""

    def extent(self) -> tuple[float, float, float, float] | None:
        return self._extent  # type: ignore[return-value]

    def source(self):
        """The open :class:`~mapedit.io.raster.RasterSource` (opened, and its pyramid built,
        on first use)."""
        with self._lock:
            if self._source is None:
                self._source = self._open()
            return self._source

    def _open(self):
        from mapedit.io.layer_factory import raster_source_for
        from mapedit.io.raster import prepare, prepared_path

        ctx = self.context
        src = raster_source_for(self.layer, ctx.project_path, ctx.crs or None)
        path = src.path
        if not path.upper().startswith("GPKG:") and src.info.needs_pyramid and \
                prepared_path(path) is None:
            self._progressed(0.0)
            try:
                prepare(path, crs=src.crs or None, progress=self._progressed)
            finally:
                self.progress = None
            src = src.reopened()
        if self._extent is None:
            self._extent = src.extent(ctx.crs or src.crs)
            if self.worker is not None:
                self.worker.announce_extent(self._extent)
        return src

    def _progressed(self, f: float) -> None:
        self.progress = f
        if self.worker is not None:
            self.worker.bump()

    def produce(self, req: ViewRequest, wait: float | None = None) -> ViewImage:
        src = self.source()
        rgba = src.read(req.bounds, req.width, req.height, self.context.crs or src.crs)
        return ViewImage(image_from_rgba(rgba), req.bounds, req.px)

    def close(self) -> None:
        with self._lock:
            if self._source is not None:
                self._source.close()
                self._source = None


class RasterItem(LayerImageItem):
    """One image layer on the map (see the module doc)."""

    def make_pictures(self, layer: Layer) -> RasterPictures:
        return RasterPictures(layer, self.context)

    @staticmethod
    def layer_key(layer: Layer) -> tuple:
        return (layer.source, layer.crs, repr(sorted(layer.options.items())))

    # -- drawing what is not a picture ------------------------------------------------------
    def paint_status(self, painter: QPainter, view: QRectF) -> None:
        progress = self.maker.progress
        if self._error is None and progress is None:
            return
        from mapedit.ui.i18n import pick

        ext = self.extent()
        if ext is not None and self._error is not None:
            painter.save()
            pen = QPen(QColor("#c62828"), 2)
            pen.setCosmetic(True)
            pen.setStyle(Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.setBrush(QBrush(QColor(198, 40, 40, 40), Qt.BrushStyle.BDiagPattern))
            painter.drawRect(QRectF(ext[0], ext[1], ext[2] - ext[0], ext[3] - ext[1]))
            painter.restore()
        if self._error is not None:
            text = pick(*self._error)
        else:
            text = self.tr("正在为影像建立金字塔(只需一次)…") + f" {100 * (progress or 0):.0f}%"
        self.draw_message(painter, view, text, error=self._error is not None)


class RasterRenderer:
    """Registry entry for kind ``raster`` (``renderers.register_renderer(RASTER, ...)``)."""

    def __init__(self, layer: Layer) -> None:
        self.item = RasterItem(layer)

    def update(self, layer: Layer) -> None:
        self.item.set_layer(layer)
