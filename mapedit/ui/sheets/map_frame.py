"""The map on a sheet: project coordinates (metres) → paper at exactly 1:N, drawn as vectors.

A :class:`MapFrame` is a rectangle on the page, a centre in the project CRS and a scale N;
1 mm on paper is N mm on the ground (grid distance of the project's Gauss-Krüger CRS). Every
layer becomes one batched ``QPainterPath`` (``ui/canvas/paths.geoms_to_path``) after the
coordinates are transformed to device units with numpy, so a page with thousands of buildings
costs a handful of Qt calls. Labels are placed inside their polygon at the pole of
inaccessibility and only drawn at a size that fits; otherwise the grid's number stands in.

Imagery (a raster or tile layer under the map) is painted by renderers registered per layer
kind with :func:`register_underlay` (``ui/sheets/imagery.py``); what they could not draw is
collected in the context's ``imagery_problems`` and :meth:`MapFrame.imagery_note` says so on
the map.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import shapely
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPen, QPolygonF
from shapely.geometry.base import BaseGeometry

from mapedit.reports.sheet_text import st
from mapedit.ui.canvas.paths import geoms_to_path
from mapedit.ui.sheets.paper import Paper

UnderlayPainter = Callable[[QPainter, object, QRectF, tuple[float, float, float, float], float,
                            dict], None]
"""``fn(painter, layer, target_rect_device, extent_xyxy_project_crs, device_units_per_metre,
context)``: paint ``layer`` (a :class:`mapedit.model.layers.Layer`) so that the project-CRS
extent fills ``target_rect``. ``context`` holds ``crs`` (the project CRS) and
``project_path`` (for images embedded in the project). Called with the painter clipped to the
map frame; ``ui/sheets/imagery.py`` registers the one for ``raster``."""

_UNDERLAYS: dict[str, UnderlayPainter] = {}


def register_underlay(kind: str, painter_fn: UnderlayPainter) -> None:
    """Let sheets paint layers of ``kind`` (``raster``, ``tiles``) under the vector map."""
    _UNDERLAYS[kind] = painter_fn


def underlay_painter(kind: str) -> UnderlayPainter | None:
    return _UNDERLAYS.get(kind)


def _color(c: str, alpha: int = 255) -> QColor:
    q = QColor(c)
    q.setAlpha(alpha)
    return q


@dataclass
class MapFrame:
    """Paper rectangle (mm) showing the ground around ``centre`` at 1:``scale``."""

    paper: Paper
    x: float
    y: float
    w: float
    h: float
    centre: tuple[float, float]
    scale: int
    imagery_problems: list[tuple[str, str]] = field(default_factory=list)
    """What the underlays of this frame could not draw (tiles that did not arrive)."""

    @property
    def mm_per_m(self) -> float:
        return 1000.0 / self.scale

    def extent(self) -> tuple[float, float, float, float]:
        """The ground shown, in project coordinates."""
        half_w = self.w / 2 / self.mm_per_m
        half_h = self.h / 2 / self.mm_per_m
        cx, cy = self.centre
        return cx - half_w, cy - half_h, cx + half_w, cy + half_h

    def extent_box(self) -> BaseGeometry:
        return shapely.box(*self.extent())

    def to_mm(self, x: float, y: float) -> tuple[float, float]:
        cx, cy = self.centre
        return (self.x + self.w / 2 + (x - cx) * self.mm_per_m,
                self.y + self.h / 2 - (y - cy) * self.mm_per_m)

    def to_device(self, x: float, y: float) -> QPointF:
        mx, my = self.to_mm(x, y)
        return self.paper.pt(mx, my)

    def _transform(self, geoms: np.ndarray) -> np.ndarray:
        k = self.paper.k * self.mm_per_m
        cx, cy = self.centre
        ox = (self.x + self.w / 2) * self.paper.k
        oy = (self.y + self.h / 2) * self.paper.k

        def f(c: np.ndarray) -> np.ndarray:
            out = np.empty_like(c)
            out[:, 0] = ox + (c[:, 0] - cx) * k
            out[:, 1] = oy - (c[:, 1] - cy) * k
            return out

        return shapely.transform(geoms, f)

    def path(self, geoms) -> QPainterPath:
        """One device-unit path of ``geoms`` (clipped to a margin around the frame first, so a
        huge polygon does not carry kilometres of invisible outline into the PDF)."""
        arr = np.asarray(geoms if not isinstance(geoms, BaseGeometry) else [geoms],
                         dtype=object)
        if len(arr) == 0:
            return QPainterPath()
        arr = arr[~shapely.is_missing(arr)]
        x0, y0, x1, y1 = self.extent()
        pad = 0.05 * max(x1 - x0, y1 - y0)
        clip = shapely.box(x0 - pad, y0 - pad, x1 + pad, y1 + pad)
        inside = shapely.intersects(arr, clip)
        arr = arr[inside]
        if len(arr) == 0:
            return QPainterPath()
        covered = shapely.within(arr, clip)
        if not covered.all():
            arr = arr.copy()
            arr[~covered] = shapely.intersection(arr[~covered], clip)
        path = geoms_to_path(self._transform(arr))
        path.setFillRule(Qt.FillRule.OddEvenFill)
        return path

    # -- drawing -------------------------------------------------------------------------
    def clip(self) -> None:
        self.paper.p.setClipRect(self.paper.rect(self.x, self.y, self.w, self.h))

    def unclip(self) -> None:
        self.paper.p.setClipping(False)

    def fill(self, geoms, fill: QColor | None, outline: QColor | None = None,
             width_mm: float = 0.15, style: Qt.PenStyle = Qt.PenStyle.SolidLine,
             brush_style: Qt.BrushStyle = Qt.BrushStyle.SolidPattern) -> None:
        path = self.path(geoms)
        if path.isEmpty():
            return
        p = self.paper.p
        if outline is not None and width_mm > 0:
            pen = QPen(outline, self.paper.d(width_mm), style)
            pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            p.setPen(pen)
        else:
            p.setPen(Qt.PenStyle.NoPen)
        if fill is not None:
            brush = QBrush(fill, brush_style)
            if brush_style != Qt.BrushStyle.SolidPattern:
                # pattern brushes are in device pixels; at 1200 dpi they would be invisible
                brush.setTransform(brush.transform().scale(self.paper.k / 4, self.paper.k / 4))
            p.setBrush(brush)
        else:
            p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawPath(path)

    def lines(self, geoms, color: QColor, width_mm: float,
              style: Qt.PenStyle = Qt.PenStyle.SolidLine) -> None:
        self.fill(geoms, None, color, width_mm, style)

    def underlays(self, layers, context: dict | None = None) -> int:
        """Paint visible raster/tile layers with their registered renderers, bottom first;
        returns how many were painted."""
        import mapedit.ui.sheets.imagery  # noqa: F401 - registers the raster underlay

        context = dict(context or {})
        problems = context.setdefault("imagery_problems", [])  # shared with the caller's
        start = len(problems)
        n = 0
        rect = self.paper.rect(self.x, self.y, self.w, self.h)
        per_m = self.paper.k * self.mm_per_m
        for layer in layers:
            fn = _UNDERLAYS.get(getattr(layer, "kind", ""))
            if fn is None or not getattr(layer, "visible", True):
                continue
            p = self.paper.p
            p.save()
            try:
                p.setOpacity(float(getattr(layer, "opacity", 1.0)))
                fn(p, layer, rect, self.extent(), per_m, context)
                n += 1
            finally:
                p.restore()
        self.imagery_problems = list(problems[start:])
        return n

    def imagery_note(self, margin: float = 4.0) -> None:
        """When the imagery under this map is incomplete (tiles that did not arrive), say so
        in the top-left corner: a signed sheet must not pass off gaps as ground."""
        if not self.imagery_problems:
            return
        p = self.paper
        text = st("imagery_incomplete")
        w = min(self.w - 2 * margin - 16, p.text_width(text, 7, True) + 4)
        p.box(self.x + margin, self.y + margin, w, 6, 0.25, QColor("#c62828"),
              fill=_color("#ffffff", 230))
        p.text(self.x + margin + 2, self.y + margin, w - 3, 6, text, 7, True,
               QColor("#c62828"))

    # -- map furniture ---------------------------------------------------------------------
    def north_arrow(self, size_mm: float = 11.0, margin: float = 4.0) -> None:
        """A plain north arrow in the top-right corner (grid north of the project CRS)."""
        p = self.paper
        cx = self.x + self.w - margin - size_mm / 2
        top = self.y + margin
        half = size_mm * 0.28
        tip = p.pt(cx, top + size_mm * 0.28)
        base_y = top + size_mm
        left = p.pt(cx - half, base_y)
        right = p.pt(cx + half, base_y)
        notch = p.pt(cx, base_y - size_mm * 0.22)
        p.box(cx - size_mm / 2 - 0.8, top - 0.8, size_mm + 1.6, size_mm + 1.6, 0,
              fill=_color("#ffffff", 215))
        p.p.setPen(QPen(QColor("#222222"), p.d(0.2)))
        p.p.setBrush(QBrush(QColor("#222222")))
        p.p.drawPolygon(QPolygonF([tip, notch, left]))
        p.p.setBrush(QBrush(QColor("#ffffff")))
        p.p.drawPolygon(QPolygonF([tip, right, notch]))
        p.text(cx - 4, top - 0.6, 8, size_mm * 0.3, st("north"), 7.5, True,
               align=Qt.AlignmentFlag.AlignCenter)

    def scale_bar(self, margin: float = 4.0) -> None:
        """Numeric scale (比例尺 1:N) above an alternating bar of 1/2/5×10^k metres, bottom
        left, on a white backing so it reads over any fill."""
        from mapedit.reports.scale import metres_label, scale_bar

        p = self.paper
        length_m, segments = scale_bar(self.scale, max_mm=min(40.0, self.w * 0.35))
        bar_mm = length_m * self.mm_per_m
        x0 = self.x + margin + 1.5
        y_text = self.y + self.h - margin - 10.5
        y_bar = self.y + self.h - margin - 5.5
        label = metres_label(length_m)
        text = st("scale", scale=self.scale)
        text_w = max(bar_mm + p.text_width(label, 6) / 2 + 2, p.text_width(text + "0", 8))
        p.box(x0 - 1.5, y_text - 1.0, text_w + 3, 12.5, 0, fill=_color("#ffffff", 225))
        p.text(x0, y_text, text_w, 4, text, 8, True)
        seg = bar_mm / segments
        for i in range(segments):
            p.box(x0 + i * seg, y_bar, seg, 1.4, 0.15, QColor("#222222"),
                  fill=QColor("#222222") if i % 2 == 0 else QColor("#ffffff"))
        for i, frac in ((0, 0.0), (1, 0.5), (2, 1.0)):
            v = length_m * frac
            txt = metres_label(length_m) if i == 2 else f"{v:g}"
            w = p.text_width(txt, 6) + 1
            p.text(x0 + bar_mm * frac - (w / 2 if i else 0.3), y_bar + 1.6, w, 3, txt, 6)

    def frame(self, width_mm: float = 0.35) -> None:
        self.paper.box(self.x, self.y, self.w, self.h, width_mm)


def fit_frame(paper: Paper, x: float, y: float, w: float, h: float,
              bounds: tuple[float, float, float, float], margin: float = 0.06) -> MapFrame:
    """A frame of the given box showing ``bounds`` (plus ``margin`` on every side) at the
    largest round scale that fits."""
    from mapedit.reports.scale import nice_scale, required_scale

    x0, y0, x1, y1 = bounds
    bw, bh = max(x1 - x0, 1.0), max(y1 - y0, 1.0)
    need = required_scale(bw * (1 + 2 * margin), bh * (1 + 2 * margin), w, h)
    return MapFrame(paper, x, y, w, h, ((x0 + x1) / 2, (y0 + y1) / 2), nice_scale(need))
