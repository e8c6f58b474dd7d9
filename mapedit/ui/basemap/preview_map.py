"""A small map for dialogs: the project's units for orientation, with what is about to be added
on top — the first features of a file, an image, a tile service — so the clerk sees *where* it
lands before anything is imported (a wrong CRS puts a street in the sea or 500 m off).

It is a plain ``pg.GraphicsView`` with one ``ViewBox`` (aspect locked, y up) in the project CRS;
imagery is drawn by the same items as the main map (:class:`RasterItem`, :class:`TileItem`),
so the preview looks like what the canvas will show.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import shapely
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPen
from PySide6.QtWidgets import QGraphicsPathItem

from mapedit.ui.canvas.paths import geoms_to_path
from mapedit.ui.canvas.view_image import ViewImageItem

UNIT_PEN = QColor("#5c6bc0")
FEATURE_PEN = QColor("#e65100")
FEATURE_FILL = QColor(255, 152, 0, 90)


def _cosmetic(color: QColor, width: float = 1.0) -> QPen:
    pen = QPen(color, width)
    pen.setCosmetic(True)
    return pen


class PreviewMap(pg.GraphicsView):
    """``set_context(units)``, ``set_features(geoms)``, ``set_imagery(item)``, ``frame()``."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent, background="#f4f4f0")
        self.viewbox = pg.ViewBox(lockAspect=True, enableMenu=False, invertY=False)
        self.viewbox.setMouseMode(pg.ViewBox.PanMode)
        self.setCentralItem(self.viewbox)
        self.setMinimumSize(260, 200)
        self._context = QGraphicsPathItem()
        self._context.setPen(_cosmetic(UNIT_PEN, 1.0))
        self._context.setZValue(10)
        self._features = QGraphicsPathItem()
        self._features.setPen(_cosmetic(FEATURE_PEN, 1.5))
        self._features.setBrush(QBrush(FEATURE_FILL))
        self._features.setZValue(20)
        self._points = pg.ScatterPlotItem(size=6, pen=pg.mkPen(FEATURE_PEN),
                                          brush=pg.mkBrush(FEATURE_FILL))
        self._points.setZValue(21)
        for it in (self._context, self._features, self._points):
            self.viewbox.addItem(it, ignoreBounds=True)
        self._imagery: ViewImageItem | None = None
        self._context_bounds: tuple[float, float, float, float] | None = None
        self._feature_bounds: tuple[float, float, float, float] | None = None

    def set_context(self, geoms) -> None:
        """The project's units (or street) as thin outlines."""
        g = np.asarray([x for x in geoms if x is not None], dtype=object)
        self._context.setPath(geoms_to_path(g) if len(g) else QGraphicsPathItem().path())
        self._context_bounds = _bounds(g)

    def set_features(self, geoms) -> None:
        """What is about to be added (project CRS); empty clears."""
        g = np.asarray([x for x in (geoms if geoms is not None else []) if x is not None
                        and not x.is_empty], dtype=object)
        if len(g):
            pts = shapely.get_type_id(g) == shapely.GeometryType.POINT
            lines_polys = g[~pts]
            self._features.setPath(geoms_to_path(lines_polys) if len(lines_polys)
                                   else QGraphicsPathItem().path())
            xy = shapely.get_coordinates(g[pts]) if pts.any() else np.empty((0, 2))
            self._points.setData(pos=xy)
        else:
            self._features.setPath(QGraphicsPathItem().path())
            self._points.setData(pos=np.empty((0, 2)))
        self._feature_bounds = _bounds(g)

    def set_imagery(self, item: ViewImageItem | None, opacity: float = 1.0) -> None:
        """Show an image or tile layer under the outlines (replacing the previous one)."""
        if self._imagery is not None:
            self.viewbox.removeItem(self._imagery)
            self._imagery.close()
        self._imagery = item
        if item is not None:
            item.setZValue(0)
            item.setOpacity(opacity)
            self.viewbox.addItem(item, ignoreBounds=True)

    def imagery(self) -> ViewImageItem | None:
        return self._imagery

    def frame(self, prefer: str = "features") -> None:
        """Fit the view: the features (or the imagery's extent), else the project."""
        b = None
        if prefer == "features":
            b = self._feature_bounds
            if b is None and self._imagery is not None:
                b = self._imagery.extent()
        if b is None:
            b = self._context_bounds
        if b is None:
            return
        x0, y0, x1, y1 = b
        w, h = max(x1 - x0, 50.0), max(y1 - y0, 50.0)
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        self.viewbox.setRange(QRectF(cx - w / 2, cy - h / 2, w, h), padding=0.08)

    def closeEvent(self, ev) -> None:  # noqa: N802 - Qt API
        self.set_imagery(None)
        super().closeEvent(ev)


def _bounds(g: np.ndarray) -> tuple[float, float, float, float] | None:
    if not len(g):
        return None
    b = shapely.total_bounds(g)
    if not np.isfinite(b).all():
        return None
    return tuple(float(v) for v in b)  # type: ignore[return-value]


__all__ = ["PreviewMap", "Qt"]
