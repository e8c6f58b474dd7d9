"""The canvas's other batched items: POI symbols, grid labels, findings, selection and the tool
overlay.

Each is one ``pg.GraphicsObject`` however many things it shows. Symbols, markers and text are
drawn in device pixels (the painter's transform is reset after mapping the anchor points with
numpy), so they keep their size at every zoom and never cost one item per feature.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
import pyqtgraph as pg
import shapely
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPainterPath,
    QPen,
    QPolygonF,
    QStaticText,
)

from mapedit.ui.canvas import style as S
from mapedit.ui.canvas.paths import geoms_to_path
from mapedit.ui.canvas.tiled import cosmetic_pen, painter_pixel_size, painter_view_rect


def _device_xy(painter: QPainter, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    t = painter.worldTransform()
    return (t.m11() * x + t.m21() * y + t.dx(), t.m12() * x + t.m22() * y + t.dy())


def _polygonf(x: np.ndarray, y: np.ndarray) -> QPolygonF:
    """A QPolygonF filled from numpy in one copy (no per-point Python call)."""
    poly = pg.functions.create_qpolygonf(len(x))
    arr = pg.functions.ndarray_from_qpolygonf(poly)
    arr[:, 0] = x
    arr[:, 1] = y
    return poly


def _in_view(view: QRectF, x: np.ndarray, y: np.ndarray, margin: float = 0.0) -> np.ndarray:
    return ((x >= view.left() - margin) & (x <= view.right() + margin)
            & (y >= view.top() - margin) & (y <= view.bottom() + margin))


def label_font(point_size: float = 9.0, bold: bool = False) -> QFont:
    """A font that renders Chinese where a CJK font exists, without depending on one."""
    font = QFont()
    font.setFamilies(["Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC",
                      "WenQuanYi Micro Hei", "PingFang SC", "sans-serif"])
    font.setPointSizeF(point_size)
    font.setBold(bold)
    return font


class _MapItem(pg.GraphicsObject):
    """Base for items whose extent is set explicitly (they never affect auto-range)."""

    def __init__(self) -> None:
        super().__init__()
        self._rect = QRectF()
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)

    def _set_rect(self, rect: QRectF) -> None:
        self.prepareGeometryChange()
        self._rect = QRectF(rect)
        self.update()

    def boundingRect(self) -> QRectF:
        return QRectF(self._rect)


def _bounds_rect(b: Sequence[float] | np.ndarray) -> QRectF:
    return QRectF(b[0], b[1], b[2] - b[0], b[3] - b[1])


class PointLayer(_MapItem):
    """Points as small round symbols coloured by kind, drawn with one ``drawPoints`` per kind."""

    def __init__(self, max_px: float = S.POIS_MAX_PX, size: float = 7.0) -> None:
        super().__init__()
        self.max_px = max_px
        self.size = size
        self._x = np.empty(0)
        self._y = np.empty(0)
        self._kind = np.empty(0, dtype=np.int32)
        self._colors: list[str] = []

    def set_points(self, xy: np.ndarray, kinds: Sequence[str]) -> None:
        names = sorted(set(kinds))
        self._colors = [S.POI_COLORS.get(k, S.POI_DEFAULT_COLOR) for k in names]
        index = {k: i for i, k in enumerate(names)}
        self._x = np.asarray(xy[:, 0], dtype=float) if len(xy) else np.empty(0)
        self._y = np.asarray(xy[:, 1], dtype=float) if len(xy) else np.empty(0)
        self._kind = np.asarray([index[k] for k in kinds], dtype=np.int32)
        if len(self._x):
            self._set_rect(QRectF(self._x.min(), self._y.min(), np.ptp(self._x) + 1, np.ptp(self._y) + 1))
        else:
            self._set_rect(QRectF())

    def paint(self, painter: QPainter, option, widget=None) -> None:
        if not len(self._x) or painter_pixel_size(painter) > self.max_px:
            return
        view = painter_view_rect(painter)
        m = _in_view(view, self._x, self._y)
        if not m.any():
            return
        dx, dy = _device_xy(painter, self._x[m], self._y[m])
        kinds = self._kind[m]
        painter.save()
        painter.resetTransform()
        outline = QPen(QColor("#ffffff"))
        outline.setWidthF(self.size + 2.5)
        outline.setCapStyle(Qt.PenCapStyle.RoundCap)
        painter.setPen(outline)
        painter.drawPoints(_polygonf(dx, dy))
        for k in np.unique(kinds).tolist():
            pen = QPen(pg.mkColor(self._colors[k]))
            pen.setWidthF(self.size)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            painter.setPen(pen)
            sel = kinds == k
            painter.drawPoints(_polygonf(dx[sel], dy[sel]))
        painter.restore()


class LabelLayer(_MapItem):
    """Grid names and household counts, drawn only when zoomed in enough that they are legible
    and not too many (a wall of overlapping text helps nobody).

    Text is laid out once per label (``QStaticText``, kept in a bounded cache) because laying
    out Chinese text with font fallback on every paint costs milliseconds per label. Each label
    sits on a translucent white tag (all tags are one path, one draw call) instead of a text
    halo, which would need several draws per label."""

    CACHE_SIZE = 4000

    def __init__(self, max_px: float = S.LABELS_MAX_PX, max_labels: int = S.MAX_LABELS) -> None:
        super().__init__()
        self.max_px = max_px
        self.max_labels = max_labels
        self._row: dict[int, int] = {}
        self._x = np.empty(0)
        self._y = np.empty(0)
        self._w = np.empty(0)
        self._text: list[tuple[str, str]] = []
        self._static: dict[tuple[str, str], tuple[QStaticText | None, QStaticText | None,
                                                  float, float]] = {}
        self._name_font = label_font(9.0, bold=True)
        self._sub_font = label_font(8.0)
        self.last_count = 0
        """Labels drawn by the last paint (for tests)."""

    def set_labels(self, entries: dict[int, tuple[float, float, float, str, str]]) -> None:
        """``fid → (x, y, width_m, name, second line)``."""
        self._row = {fid: i for i, fid in enumerate(entries)}
        vals = list(entries.values())
        self._x = np.array([v[0] for v in vals], dtype=float)
        self._y = np.array([v[1] for v in vals], dtype=float)
        self._w = np.array([v[2] for v in vals], dtype=float)
        self._text = [(v[3], v[4]) for v in vals]
        self._refresh_rect()

    def update_labels(self, entries: dict[int, tuple[float, float, float, str, str] | None]) -> None:
        """Change some labels in place (None removes one); cheap on 35,000 labels."""
        new = []
        for fid, e in entries.items():
            row = self._row.get(fid)
            if e is None:
                if row is not None:
                    self._w[row] = 0.0  # never fits: hidden
                continue
            if row is None:
                new.append((fid, e))
                continue
            self._x[row], self._y[row], self._w[row] = e[0], e[1], e[2]
            self._text[row] = (e[3], e[4])
        if new:
            start = len(self._text)
            for i, (fid, _) in enumerate(new):
                self._row[fid] = start + i
            self._x = np.concatenate([self._x, [e[0] for _, e in new]])
            self._y = np.concatenate([self._y, [e[1] for _, e in new]])
            self._w = np.concatenate([self._w, [e[2] for _, e in new]])
            self._text.extend((e[3], e[4]) for _, e in new)
        self._refresh_rect()

    def _refresh_rect(self) -> None:
        if len(self._x):
            self._set_rect(QRectF(self._x.min(), self._y.min(), np.ptp(self._x) + 1,
                                  np.ptp(self._y) + 1))
        else:
            self._set_rect(QRectF())

    def _layout(self, text: tuple[str, str]):
        got = self._static.get(text)
        if got is None:
            if len(self._static) >= self.CACHE_SIZE:
                self._static.clear()
            name, sub = text
            st_name = st_sub = None
            wn = ws = 0.0
            if name:
                st_name = QStaticText(name)
                st_name.setTextFormat(Qt.TextFormat.PlainText)
                st_name.prepare(font=self._name_font)
                wn = QFontMetricsF(self._name_font).horizontalAdvance(name)
            if sub:
                st_sub = QStaticText(sub)
                st_sub.setTextFormat(Qt.TextFormat.PlainText)
                st_sub.prepare(font=self._sub_font)
                ws = QFontMetricsF(self._sub_font).horizontalAdvance(sub)
            got = self._static[text] = (st_name, st_sub, wn, ws)
        return got

    def paint(self, painter: QPainter, option, widget=None) -> None:
        self.last_count = 0
        if not len(self._x):
            return
        px = painter_pixel_size(painter)
        if px > self.max_px:
            return
        idx = np.nonzero(_in_view(painter_view_rect(painter), self._x, self._y)
                         & (self._w / px >= 56))[0]
        if len(idx) == 0 or len(idx) > self.max_labels:
            return
        dx, dy = _device_xy(painter, self._x[idx], self._y[idx])
        fm = QFontMetricsF(self._name_font)
        fs = QFontMetricsF(self._sub_font)
        hn, hs = fm.height(), fs.height()
        placed: list[QRectF] = []
        draws = []
        wpx = self._w[idx] / px
        # Widest grids first: they have room, and small ones yield when crowded.
        for j in np.argsort(-wpx).tolist():
            st_name, st_sub, wn, ws = self._layout(self._text[idx[j]])
            tw = max(wn, ws)
            if tw == 0 or tw > wpx[j] * 1.05:
                continue  # nothing to say, or it does not fit inside its grid
            cx, cy = float(dx[j]), float(dy[j])
            h = hn + (hs if st_sub is not None else 0.0)
            box = QRectF(cx - tw / 2 - 3, cy - hn, tw + 6, h + 1)
            if any(box.intersects(r) for r in placed):
                continue
            placed.append(box)
            draws.append((cx, cy, st_name, st_sub, wn, ws))
        if not placed:
            return
        painter.save()
        painter.resetTransform()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        tags = QPainterPath()
        for box in placed:
            tags.addRoundedRect(box, 3, 3)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(255, 255, 255, 170))
        painter.drawPath(tags)
        painter.setPen(QColor("#1c1c1c"))
        painter.setFont(self._name_font)
        for cx, cy, st_name, _, wn, _ in draws:
            if st_name is not None:
                painter.drawStaticText(QPointF(cx - wn / 2, cy - hn), st_name)
        painter.setPen(QColor("#455a64"))
        painter.setFont(self._sub_font)
        for cx, cy, _, st_sub, _, ws in draws:
            if st_sub is not None:
                painter.drawStaticText(QPointF(cx - ws / 2, cy), st_sub)
        painter.restore()
        self.last_count = len(placed)


class FindingsLayer(_MapItem):
    """Findings on top of everything: overlaps red, gaps hatched, crossings orange, cuts purple,
    slivers outlined; accepted exceptions muted grey. Problems too small to see at the current
    scale also get a fixed-size marker at their location so none hides at overview."""

    MARKER_PX = 6.0

    def __init__(self) -> None:
        super().__init__()
        self._paths: list[tuple[S.Style, QPainterPath]] = []
        self._mx = np.empty(0)
        self._my = np.empty(0)
        self._msize = np.empty(0)
        self._mkind: list[str] = []
        self._mkind_arr = np.empty(0, dtype=object)
        self.count = 0

    def set_findings(self, findings: Iterable) -> None:
        groups: dict[tuple[bool, str], list] = {}
        mx, my, ms, mk = [], [], [], []
        for f in findings:
            kind = S.FINDING_STYLE_OF_RULE.get(f.rule)
            loc = f.location
            if kind is None or loc is None or loc.is_empty:
                continue
            groups.setdefault((bool(f.accepted), kind), []).append(loc)
            b = loc.bounds
            p = loc.representative_point() if loc.geom_type != "Point" else loc
            mx.append(p.x)
            my.append(p.y)
            ms.append(max(b[2] - b[0], b[3] - b[1]))
            mk.append("accepted" if f.accepted else kind)
        self._paths = []
        # Accepted first (underneath), then by kind in a fixed order.
        for accepted in (True, False):
            styles = S.finding_styles(accepted)
            for kind in S.FINDING_KINDS:
                geoms = groups.get((accepted, kind))
                if geoms:
                    path = geoms_to_path(np.asarray(geoms, dtype=object))
                    path.setFillRule(Qt.FillRule.WindingFill)
                    self._paths.append((styles[kind], path))
        self._mx = np.asarray(mx, dtype=float)
        self._my = np.asarray(my, dtype=float)
        self._msize = np.asarray(ms, dtype=float)
        self._mkind_arr = np.asarray(mk, dtype=object)
        self.count = len(mx)
        rect = QRectF()
        for _, p in self._paths:
            rect = rect.united(p.boundingRect())
        self._set_rect(rect)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        if not self._paths:
            return
        px = painter_pixel_size(painter)
        for st, path in self._paths:
            painter.setPen(st.pen)
            painter.setBrush(st.brush if st.brush is not None else QBrush(Qt.BrushStyle.NoBrush))
            painter.drawPath(path)
        # Markers for problems smaller than a few pixels.
        m = _in_view(painter_view_rect(painter), self._mx, self._my, 10 * px) & \
            (self._msize / px < 8)
        if not m.any():
            return
        dx, dy = _device_xy(painter, self._mx[m], self._my[m])
        kinds = self._mkind_arr[m]
        painter.save()
        painter.resetTransform()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        ring = QPen(QColor("#ffffff"))
        ring.setWidthF(self.MARKER_PX + 3)
        ring.setCapStyle(Qt.PenCapStyle.RoundCap)
        painter.setPen(ring)
        painter.drawPoints(_polygonf(dx, dy))
        for kind in ("accepted", *S.FINDING_KINDS):
            sel = kinds == kind
            if not sel.any():
                continue
            pen = QPen(pg.mkColor(S.MARKER_COLORS[kind]))
            pen.setWidthF(self.MARKER_PX)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            painter.setPen(pen)
            painter.drawPoints(_polygonf(dx[sel], dy[sel]))
        painter.restore()


class SelectionLayer(_MapItem):
    """Selected grids (blue outline and tint) and the highlighted unit (orange outline)."""

    def __init__(self) -> None:
        super().__init__()
        self._sel = QPainterPath()
        self._unit = QPainterPath()

    def set_geometries(self, selected: Sequence, unit) -> None:
        self._sel = geoms_to_path(np.asarray(list(selected), dtype=object)) if selected else QPainterPath()
        self._unit = geoms_to_path(np.asarray([unit], dtype=object)) if unit is not None else QPainterPath()
        self._set_rect(self._sel.boundingRect().united(self._unit.boundingRect()))

    def paint(self, painter: QPainter, option, widget=None) -> None:
        if not self._unit.isEmpty():
            # A wide translucent halo: distinct from every outline colour, and the unit's own
            # type-coloured outline still shows through it.
            painter.setPen(S.HIGHLIGHT_PEN)
            painter.setBrush(QBrush(Qt.BrushStyle.NoBrush))
            painter.drawPath(self._unit)
        if not self._sel.isEmpty():
            painter.setPen(S.SELECTION_PEN)
            painter.setBrush(S.SELECTION_BRUSH)
            painter.drawPath(self._sel)


class ToolOverlay(_MapItem):
    """What an editing tool shows while it works: a rubber band (open or closed ring with its
    vertices) and a snap marker (square = vertex, diamond = on a segment, circle = other).

    Cheap to update on every mouse move: only the points are stored; paint maps them."""

    SNAP_KINDS = ("vertex", "segment", "point")

    def __init__(self) -> None:
        super().__init__()
        self._coords = np.empty((0, 2))
        self._closed = False
        self._snap: tuple[float, float, str] | None = None

    def set_rubber_band(self, coords: Sequence[tuple[float, float]] | np.ndarray,
                        closed: bool = False) -> None:
        self._coords = np.asarray(coords, dtype=float).reshape(-1, 2)
        self._closed = closed
        self._update_extent()

    def set_snap_marker(self, x: float | None, y: float | None = None,
                        kind: str | None = "vertex") -> None:
        """Show the snap marker at (x, y); ``x=None`` hides it."""
        self._snap = None if x is None or y is None else (float(x), float(y), kind or "point")
        self._update_extent()

    def clear_overlay(self) -> None:
        self._coords = np.empty((0, 2))
        self._snap = None
        self._update_extent()

    def rubber_band(self) -> np.ndarray:
        return self._coords.copy()

    def snap_marker(self) -> tuple[float, float, str] | None:
        return self._snap

    def _update_extent(self) -> None:
        pts = self._coords
        if self._snap is not None:
            pts = np.vstack([pts, [self._snap[:2]]])
        if len(pts):
            x0, y0 = pts.min(axis=0)
            x1, y1 = pts.max(axis=0)
            # Generous: markers are drawn in pixels around the points.
            pad = max(x1 - x0, y1 - y0, 1.0) * 0.05 + 1000.0
            self._set_rect(QRectF(x0 - pad, y0 - pad, x1 - x0 + 2 * pad, y1 - y0 + 2 * pad))
        else:
            self._set_rect(QRectF())

    def paint(self, painter: QPainter, option, widget=None) -> None:
        n = len(self._coords)
        if n == 0 and self._snap is None:
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        if n:
            dx, dy = _device_xy(painter, self._coords[:, 0], self._coords[:, 1])
            painter.resetTransform()
            if self._closed and n >= 3:
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(S.RUBBER_BRUSH)
                painter.drawPolygon(_polygonf(dx, dy))
            painter.setPen(S.RUBBER_PEN)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            if n >= 2:
                painter.drawPolyline(_polygonf(dx, dy))
            if self._closed and n >= 3:
                painter.setPen(S.RUBBER_CLOSE_PEN)
                painter.drawLine(QPointF(dx[-1], dy[-1]), QPointF(dx[0], dy[0]))
            vpen = QPen(QColor("#e91e63"))
            vpen.setWidthF(6.0)
            vpen.setCapStyle(Qt.PenCapStyle.SquareCap)
            painter.setPen(vpen)
            painter.drawPoints(_polygonf(dx, dy))
            painter.restore()
            painter.save()
        if self._snap is not None:
            sx, sy, kind = self._snap
            dx, dy = _device_xy(painter, np.array([sx]), np.array([sy]))
            cx, cy = float(dx[0]), float(dy[0])
            painter.resetTransform()
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            painter.setPen(cosmetic_pen(S.SNAP_COLOR, 2.5))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            r = 7.0
            if kind == "vertex":
                painter.drawRect(QRectF(cx - r, cy - r, 2 * r, 2 * r))
            elif kind == "segment":
                painter.drawPolygon(QPolygonF([QPointF(cx, cy - r), QPointF(cx + r, cy),
                                               QPointF(cx, cy + r), QPointF(cx - r, cy)]))
            else:
                painter.drawEllipse(QPointF(cx, cy), r, r)
            painter.drawPoint(QPointF(cx, cy))
        painter.restore()


def label_entries(grids: Iterable) -> dict[int, tuple[float, float, float, str, str]]:
    """Label anchors for grids: a point inside each (not the centroid, which may fall outside
    an L-shaped grid), the grid's width, its name and households."""
    grids = [g for g in grids if g.geometry is not None and not g.geometry.is_empty and g.fid is not None]
    if not grids:
        return {}
    geoms = np.asarray([g.geometry for g in grids], dtype=object)
    pts = shapely.point_on_surface(geoms)
    xs = shapely.get_x(pts)
    ys = shapely.get_y(pts)
    b = shapely.bounds(geoms)
    widths = np.minimum(b[:, 2] - b[:, 0], (b[:, 3] - b[:, 1]) * 2.5)
    out = {}
    for g, x, y, w in zip(grids, xs.tolist(), ys.tolist(), widths.tolist(), strict=True):
        sub = f"{g.households}户" if g.households is not None else ""
        out[g.fid] = (x, y, w, g.name or g.code, sub)
    return out


def nice_scale_length(max_metres: float) -> float:
    """The largest 1/2/5 × 10^n metres not above ``max_metres`` (scale bar length)."""
    if max_metres <= 0 or not math.isfinite(max_metres):
        return 0.0
    exp = math.floor(math.log10(max_metres))
    for m in (5, 2, 1):
        v = m * 10 ** exp
        if v <= max_metres:
            return float(v)
    return float(10 ** exp)
