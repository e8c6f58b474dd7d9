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
from mapedit.ui.canvas.tiled import (
    Lod,
    PixelPadding,
    TiledLayer,
    cosmetic_pen,
    painter_pixel_size,
    painter_view_rect,
)
from mapedit.ui.i18n import tr


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


class _MapItem(PixelPadding, pg.GraphicsObject):
    """Base for items whose extent is set explicitly (they never affect auto-range)."""

    def __init__(self) -> None:
        super().__init__()
        self._rect = QRectF()
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)

    def _set_rect(self, rect: QRectF) -> None:
        self.refresh_padding()  # it may depend on the data (label widths)
        self.prepareGeometryChange()
        self._rect = QRectF(rect)
        self.update()

    def boundingRect(self) -> QRectF:
        return self.padded(self._rect)


def _bounds_rect(b: Sequence[float] | np.ndarray) -> QRectF:
    return QRectF(b[0], b[1], b[2] - b[0], b[3] - b[1])


class PointLayer(_MapItem):
    """Points as small round symbols coloured by kind, drawn with one ``drawPoints`` per kind."""

    PAD_PX = 8.0

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
    PAD_PX = 40.0  # a tag reaches ~30 px above and below its anchor

    def padding_m(self) -> tuple[float, float]:
        """A label is at most ~its grid's width, centred on an anchor inside the grid."""
        w = float(self._w.max()) if len(self._w) else 0.0
        return 0.6 * w, 0.0

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
        self._last_px = math.inf
        self._placed_view: tuple[float, ...] | None = None
        self._placed: dict[int, QRectF] = {}
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
        """Change some labels in place (None removes one); cheap on 35,000 labels. Only the
        area around the old and new places of these labels is repainted."""
        new = []
        dirty: list[tuple[float, float, float]] = []
        for fid, e in entries.items():
            row = self._row.get(fid)
            if row is not None:
                dirty.append((float(self._x[row]), float(self._y[row]), float(self._w[row])))
            if e is None:
                if row is not None:
                    self._w[row] = 0.0  # never fits: hidden
                continue
            dirty.append((float(e[0]), float(e[1]), float(e[2])))
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
        px = self._last_px
        if not dirty or not math.isfinite(px):
            self._refresh_rect()
            return
        self.refresh_padding()
        d = np.asarray(dirty, dtype=float)
        half_w = 0.55 * d[:, 2] + 12 * px  # a label is at most ~its grid's width, centred
        half_h = 40 * px
        x0, x1 = float((d[:, 0] - half_w).min()), float((d[:, 0] + half_w).max())
        y0, y1 = float(d[:, 1].min() - half_h), float(d[:, 1].max() + half_h)
        if self._rect.isValid() and self._rect.contains(QRectF(x0, y0, x1 - x0, y1 - y0)):
            self.update(QRectF(x0, y0, x1 - x0, y1 - y0))
        else:
            self._refresh_rect()

    def _refresh_rect(self) -> None:
        if len(self._x):
            self._set_rect(QRectF(self._x.min(), self._y.min(), np.ptp(self._x) + 1,
                                  np.ptp(self._y) + 1))
        else:
            self._set_rect(QRectF())

    def _settle(self, placed: dict[int, QRectF], painter: QPainter) -> None:
        """Remember this paint's placement. When an edit changes one label, labels around it
        may now fit or no longer fit — possibly outside the area being repainted; those
        places are scheduled for repaint so the screen ends up as a full repaint would."""
        t = painter.worldTransform()
        view = (t.m11(), t.m12(), t.m21(), t.m22(), t.dx(), t.dy(),
                float(painter.device().width()), float(painter.device().height()))
        before, same_view = self._placed, view == self._placed_view
        self._placed, self._placed_view = placed, view
        if not same_view or not painter.hasClipping():
            return
        changed = [b for k, b in before.items() if placed.get(k) != b]
        changed += [b for k, b in placed.items() if k not in before]
        if not changed:
            return
        inv, ok = t.inverted()
        if not ok:
            return
        clip = painter.clipBoundingRect()
        for box in changed:
            area = inv.mapRect(box.adjusted(-2, -2, 2, 2))
            if not clip.contains(area):
                self.update(area)

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
        self._last_px = px
        if px > self.max_px:
            self._settle({}, painter)
            return
        # Labels are placed over the whole view even when only part of it is repainted, so a
        # partial repaint draws exactly what a full one would there.
        idx = np.nonzero(_in_view(painter_view_rect(painter, clipped=False), self._x, self._y)
                         & (self._w / px >= 56))[0]
        if len(idx) == 0 or len(idx) > self.max_labels:
            self._settle({}, painter)
            return
        dx, dy = _device_xy(painter, self._x[idx], self._y[idx])
        fm = QFontMetricsF(self._name_font)
        fs = QFontMetricsF(self._sub_font)
        hn, hs = fm.height(), fs.height()
        placed: list[QRectF] = []
        placed_rows: dict[int, QRectF] = {}
        draws = []
        wpx = self._w[idx] / px
        # Boxes placed so far as arrays: the overlap test is one vectorised comparison, not a
        # Python loop over every placed label (it cost ~1 ms per frame at street scale).
        bx0, by0, bx1, by1 = (np.empty(len(idx)) for _ in range(4))
        n = 0
        # Widest grids first: they have room, and small ones yield when crowded.
        for j in np.argsort(-wpx).tolist():
            st_name, st_sub, wn, ws = self._layout(self._text[idx[j]])
            tw = max(wn, ws)
            if tw == 0 or tw > wpx[j] * 1.05:
                continue  # nothing to say, or it does not fit inside its grid
            cx, cy = float(dx[j]), float(dy[j])
            h = hn + (hs if st_sub is not None else 0.0)
            x0, y0, x1, y1 = cx - tw / 2 - 3, cy - hn, cx + tw / 2 + 3, cy - hn + h + 1
            if n and np.any((bx0[:n] < x1) & (bx1[:n] > x0) & (by0[:n] < y1) & (by1[:n] > y0)):
                continue
            bx0[n], by0[n], bx1[n], by1[n] = x0, y0, x1, y1
            n += 1
            box = QRectF(x0, y0, x1 - x0, y1 - y0)
            placed.append(box)
            placed_rows[int(idx[j])] = box
            draws.append((cx, cy, st_name, st_sub, wn, ws))
        self._settle(placed_rows, painter)
        if not placed:
            return
        painter.save()
        painter.resetTransform()
        # Tags without antialiasing: their 3-px corners look the same, and an antialiased
        # path of a hundred rounded rectangles cost ~4 ms per frame (the text stays smooth).
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
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


class _FindingEntry:
    """What the findings layer keeps of one finding: its row in the tiled shapes, the marker
    (anchor, size, colour key) and, for a unit still to be divided, where its label goes."""

    __slots__ = ("row", "location", "x", "y", "size", "marker", "label")

    def __init__(self, row: int, location, marker: str, pending: bool) -> None:
        self.row = row
        self.location = location  # held so the id() in the entry's key stays unique
        b = location.bounds
        p = location.representative_point() if location.geom_type != "Point" else location
        self.x, self.y = float(p.x), float(p.y)
        self.size = max(b[2] - b[0], b[3] - b[1])
        self.marker = marker
        self.label = (float(b[2] - b[0]), float(b[3] - b[1])) if pending else None


class FindingsLayer(TiledLayer):
    """Findings on top of everything: overlaps red, gaps hatched, crossings orange, cuts purple,
    slivers outlined; accepted exceptions muted grey. A unit with no micro-grid at all is
    work not started yet, not a defect to alarm anyone: it gets a pale grey hatch and, at unit
    scale, the label 待划分 (its finding stays a ``gap`` error in the list). Problems too small
    to see at the current scale also get a fixed-size marker at their location so none hides
    at overview.

    Shapes are a :class:`TiledLayer` (one row per finding, style = accepted × kind), and
    :meth:`set_findings` only adds and removes the findings that changed, so after an edit
    the tiles and screen area of the re-checked findings are redrawn and nothing else."""

    MARKER_PX = 6.0
    PAD_PX = 12.0  # markers and their white ring around findings at the edge
    PENDING_LABEL_MIN_PX = 90.0
    """A 待划分 label is drawn when the unit is at least this many pixels wide and high."""

    def __init__(self) -> None:
        self._style_keys: list[tuple[bool, str]] = [
            (accepted, kind) for accepted in (True, False) for kind in S.FINDING_KINDS]
        styles = [S.finding_styles(accepted)[kind] for accepted, kind in self._style_keys]
        # Raster overview: a half-divided street has a thousand hatched 待划分/gap areas, which
        # cost ~150 ms per frame to fill as vectors at full extent.
        super().__init__("findings", styles, lods=(Lod(0.0, 2_000.0),), raster_overview=True)
        self._entries: dict[tuple, _FindingEntry] = {}
        self._next_row = 0
        self._mx = np.empty(0)
        self._my = np.empty(0)
        self._msize = np.empty(0)
        self._mkind_arr = np.empty(0, dtype=object)
        self._labels: list[tuple[float, float, float, float]] = []
        self._label_font = label_font(10.0, bold=True)
        self.count = 0

    @staticmethod
    def _key(f, kind: str) -> tuple:
        return (f.rule, bool(f.accepted), kind, id(f.location))

    def set_findings(self, findings: Iterable, pending_units: Iterable[str] = ()) -> None:
        """Show these findings; ``pending_units``: units without any grid (their ``gap``
        finding is drawn as 待划分). Findings already shown (same rule, acceptance, look and
        location object) are kept as they are."""
        pending = set(pending_units)
        wanted: dict[tuple, object] = {}
        kinds: dict[tuple, str] = {}
        for f in findings:
            kind = S.FINDING_STYLE_OF_RULE.get(f.rule)
            loc = f.location
            if kind is None or loc is None or loc.is_empty:
                continue
            if kind == "gap" and f.unit in pending:
                kind = "pending"
            key = self._key(f, kind)
            wanted[key] = f
            kinds[key] = kind
        gone = [k for k in self._entries if k not in wanted]
        added = [k for k in wanted if k not in self._entries]
        if gone:
            self.remove([self._entries.pop(k).row for k in gone])
        if added:
            rows, geoms, styles = [], [], []
            for k in added:
                f = wanted[k]
                accepted, kind = bool(f.accepted), kinds[k]
                entry = _FindingEntry(self._next_row, f.location,
                                      "accepted" if accepted else kind,
                                      kind == "pending" and not accepted)
                self._next_row += 1
                self._entries[k] = entry
                rows.append(entry.row)
                geoms.append(f.location)
                styles.append(self._style_keys.index((accepted, kind)))
            self.upsert(rows, geoms, styles)
        if gone or added or len(self._mx) != len(self._entries):
            self._rebuild_markers()

    def _rebuild_markers(self) -> None:
        entries = list(self._entries.values())
        self._mx = np.asarray([e.x for e in entries], dtype=float)
        self._my = np.asarray([e.y for e in entries], dtype=float)
        self._msize = np.asarray([e.size for e in entries], dtype=float)
        self._mkind_arr = np.asarray([e.marker for e in entries], dtype=object)
        self._labels = [(e.x, e.y, *e.label) for e in entries if e.label is not None]
        self.count = len(entries)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        super().paint(painter, option, widget)
        if not self.count:
            return
        px = painter_pixel_size(painter)
        view = painter_view_rect(painter)
        self._paint_pending_labels(painter, px, view)
        # Markers for problems smaller than a few pixels.
        m = _in_view(view, self._mx, self._my, 10 * px) & (self._msize / px < 8)
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

    def _paint_pending_labels(self, painter: QPainter, px: float, view: QRectF) -> None:
        """待划分 in the middle of each not-yet-divided unit large enough on screen."""
        if not self._labels or not math.isfinite(px) or px <= 0:
            return
        lab = np.asarray(self._labels, dtype=float)
        big = (np.minimum(lab[:, 2], lab[:, 3]) / px >= self.PENDING_LABEL_MIN_PX)
        m = big & _in_view(view, lab[:, 0], lab[:, 1], 60 * px)
        if not m.any():
            return
        dx, dy = _device_xy(painter, lab[m, 0], lab[m, 1])
        painter.save()
        painter.resetTransform()
        painter.setFont(self._label_font)
        painter.setPen(QColor(S.PENDING_TEXT_COLOR))
        for x, y in zip(dx.tolist(), dy.tolist(), strict=True):
            painter.drawText(QRectF(x - 60, y - 12, 120, 24), Qt.AlignmentFlag.AlignCenter,
                             tr(S.PENDING_LABEL))
        painter.restore()


class SelectionLayer(_MapItem):
    """Selected grids (blue outline and tint) and the highlighted unit (orange outline)."""

    PAD_PX = 6.0  # the unit's 8-px halo
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
            # Markers are drawn in pixels around the points: pad by ~20 px at the current
            # scale (only this area is repainted on every mouse move; the canvas calls
            # refresh_extent after a zoom), generously when the scale is unknown.
            px = self._pixel_size()
            pad = 20.0 * px if px > 0 else max(x1 - x0, y1 - y0, 1.0) * 0.05 + 1000.0
            self._set_rect(QRectF(x0 - pad, y0 - pad, x1 - x0 + 2 * pad, y1 - y0 + 2 * pad))
        else:
            self._set_rect(QRectF())

    def _pixel_size(self) -> float:
        try:
            size = self.pixelSize()
        except Exception:  # noqa: BLE001 - not in a view yet
            return 0.0
        px = max(abs(float(size[0])), abs(float(size[1]))) if size else 0.0
        return px if math.isfinite(px) else 0.0

    def refresh_extent(self) -> None:
        """Recompute the padded extent after the view's scale changed."""
        if len(self._coords) or self._snap is not None:
            self._update_extent()

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
    grids = [g for g in grids if g.geometry is not None and g.fid is not None]
    if not grids:
        return {}
    geoms = np.asarray([g.geometry for g in grids], dtype=object)
    keep = ~shapely.is_empty(geoms)  # one vectorised call, not 36,000 property reads
    if not keep.all():
        grids = [g for g, k in zip(grids, keep.tolist(), strict=True) if k]
        geoms = geoms[keep]
        if not grids:
            return {}
    pts = shapely.point_on_surface(geoms)
    xs = shapely.get_x(pts)
    ys = shapely.get_y(pts)
    b = shapely.bounds(geoms)
    widths = np.minimum(b[:, 2] - b[:, 0], (b[:, 3] - b[:, 1]) * 2.5)
    out = {}
    households = tr("{0}户")
    for g, x, y, w in zip(grids, xs.tolist(), ys.tolist(), widths.tolist(), strict=True):
        sub = households.format(g.households) if g.households is not None else ""
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
