"""Small icons that say what kind of layer a row of the layer panel is: an image (a framed
picture), a tile service (a 2 × 2 grid of tiles), a vector layer by role (buildings as blocks,
roads as a line, water, areas), the project's own layers. Painted, not files, so they follow
the map's colours and need no resources."""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPen, QPixmap, QPolygonF

SIZE = 16


def _pixmap(draw) -> QIcon:
    pm = QPixmap(SIZE * 2, SIZE * 2)  # drawn at 2× so it stays crisp on HiDPI screens
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    p.scale(2, 2)
    draw(p)
    p.end()
    pm.setDevicePixelRatio(2)
    return QIcon(pm)


def _image(p: QPainter) -> None:
    p.setPen(QPen(QColor("#37474f"), 1.2))
    p.setBrush(QColor("#e3f2fd"))
    p.drawRect(QRectF(1.5, 2.5, 13, 11))
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor("#558b2f"))
    p.drawPolygon(QPolygonF([QPointF(2.5, 12.5), QPointF(6.5, 7), QPointF(9.5, 10.5),
                             QPointF(11, 9), QPointF(13.5, 12.5)]))
    p.setBrush(QColor("#f9a825"))
    p.drawEllipse(QPointF(11, 5.5), 1.6, 1.6)


def _tiles(p: QPainter) -> None:
    p.setPen(QPen(QColor("#37474f"), 1.0))
    for i, colour in enumerate(("#a5d6a7", "#90caf9", "#ffe082", "#ce93d8")):
        x, y = 1.5 + (i % 2) * 6.5, 1.5 + (i // 2) * 6.5
        p.setBrush(QColor(colour))
        p.drawRect(QRectF(x, y, 6.5, 6.5))


def _buildings(p: QPainter) -> None:
    p.setPen(QPen(QColor("#5d4037"), 1.0))
    p.setBrush(QColor("#d7ccc8"))
    p.drawRect(QRectF(2, 6, 5, 8))
    p.drawRect(QRectF(8.5, 2.5, 5.5, 11.5))


def _roads(p: QPainter) -> None:
    p.setPen(QPen(QColor("#ef6c00"), 3.0, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
    p.drawLine(QPointF(2, 14), QPointF(14, 2))
    p.setPen(QPen(QColor("#8d6e63"), 1.5))
    p.drawLine(QPointF(2, 5), QPointF(14, 9))


def _water(p: QPainter) -> None:
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor("#64b5f6"))
    p.drawRoundedRect(QRectF(1.5, 5, 13, 6), 3, 3)


def _points(p: QPainter) -> None:
    p.setPen(QPen(QColor("#6a1b9a"), 1.0))
    p.setBrush(QColor("#ce93d8"))
    for x, y in ((4, 5), (11, 4), (8, 11)):
        p.drawEllipse(QPointF(x, y), 2.2, 2.2)


def _area(colour: str):
    def draw(p: QPainter) -> None:
        p.setPen(QPen(QColor(colour).darker(140), 1.2))
        c = QColor(colour)
        c.setAlpha(110)
        p.setBrush(c)
        p.drawPolygon(QPolygonF([QPointF(2, 4), QPointF(11, 2), QPointF(14, 9),
                                 QPointF(8, 14), QPointF(2, 11)]))
    return draw


_DRAW = {
    ("raster", None): _image, ("tiles", None): _tiles,
    ("vector", "buildings"): _buildings, ("vector", "roads"): _roads,
    ("vector", "water"): _water, ("vector", "pois"): _points,
    ("vector", "villager_groups"): _area("#8bc34a"), ("vector", "committees"): _area("#ab47bc"),
    ("vector", None): _area("#757575"),
    ("grids", None): _area("#26a69a"), ("units", None): _area("#3949ab"),
    ("responsibility_grids", None): _area("#e53935"),
    ("labels", None): None, ("findings", None): None,
}


@cache
def _icon(kind: str, role: str | None) -> QIcon:
    draw = _DRAW.get((kind, role), _DRAW.get((kind, None)))
    return _pixmap(draw) if draw is not None else QIcon()


def kind_icon(layer) -> QIcon:
    """The icon of ``layer`` (a :class:`~mapedit.model.layers.Layer`)."""
    return _icon(layer.kind, layer.role if layer.kind == "vector" else None)
