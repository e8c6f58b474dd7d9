"""The coverage-over-time chart as a PNG for reports (the GUI draws the same data live with
pyqtgraph in the progress window). Painted with QPainter on a QImage: no display needed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from mapedit.reports.progress import CoveragePoint
from mapedit.reports.sheet_text import st


def _days(d: str) -> int:
    try:
        return date.fromisoformat(d).toordinal()
    except ValueError:
        return 0


def coverage_chart_png(points: Sequence[CoveragePoint], width: int = 1000, height: int = 460,
                       title: str | None = None) -> bytes:
    """PNG bytes of coverage (%) against date, with axes, a 25 % grid and the latest value."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, Qt
    from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPainterPath, QPen

    from mapedit.ui.sheets.atlas import ensure_gui_app
    from mapedit.ui.sheets.paper import sheet_font_family

    ensure_gui_app()
    title = st("chart_title") if title is None else title
    img = QImage(width, height, QImage.Format.Format_ARGB32)
    img.fill(QColor("white"))
    p = QPainter(img)
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    family = sheet_font_family()
    font = QFont(family) if family else QFont()
    font.setPixelSize(14)
    p.setFont(font)
    left, right, top, bottom = 70, 30, 50, 60
    plot = QRectF(left, top, width - left - right, height - top - bottom)
    big = QFont(font)
    big.setPixelSize(18)
    big.setBold(True)
    p.setFont(big)
    p.setPen(QColor("#222222"))
    p.drawText(QRectF(0, 8, width, 30), int(Qt.AlignmentFlag.AlignHCenter), title)
    p.setFont(font)
    for pct in (0, 25, 50, 75, 100):
        y = plot.bottom() - plot.height() * pct / 100
        p.setPen(QPen(QColor("#dddddd"), 1))
        p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
        p.setPen(QColor("#555555"))
        p.drawText(QRectF(0, y - 10, left - 8, 20),
                   int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), f"{pct}%")
    p.setPen(QPen(QColor("#444444"), 1.5))
    p.drawLine(plot.bottomLeft(), plot.bottomRight())
    p.drawLine(plot.bottomLeft(), plot.topLeft())
    pts = [(_days(pt.day), pt.coverage, pt.day) for pt in points if _days(pt.day)]
    if pts:
        d0, d1 = pts[0][0], pts[-1][0]
        span = max(1, d1 - d0)

        def xy(d: int, c: float) -> QPointF:
            return QPointF(plot.left() + plot.width() * (d - d0) / span,
                           plot.bottom() - plot.height() * max(0.0, min(1.0, c)))

        line = QPainterPath()
        area = QPainterPath()
        area.moveTo(xy(pts[0][0], 0))
        prev = None
        for d, c, _ in pts:
            if prev is not None:  # coverage holds until the next day with edits: steps
                line.lineTo(xy(d, prev))
                area.lineTo(xy(d, prev))
            else:
                line.moveTo(xy(d, c))
            line.lineTo(xy(d, c))
            area.lineTo(xy(d, c))
            prev = c
        area.lineTo(xy(pts[-1][0], 0))
        area.closeSubpath()
        fill = QColor("#1f5fbf")
        fill.setAlpha(45)
        p.fillPath(area, fill)
        p.setPen(QPen(QColor("#1f5fbf"), 2.5))
        p.drawPath(line)
        p.setPen(QColor("#555555"))
        ticks = 4 if span >= 4 else span
        for k in range(ticks + 1):
            d = d0 + round(span * k / max(1, ticks))
            x = xy(d, 0).x()
            p.drawLine(QPointF(x, plot.bottom()), QPointF(x, plot.bottom() + 4))
            text = date.fromordinal(d).isoformat()
            align = (Qt.AlignmentFlag.AlignLeft if k == 0 else Qt.AlignmentFlag.AlignRight
                     if k == ticks else Qt.AlignmentFlag.AlignHCenter)
            box_x = x if k == 0 else x - 120 if k == ticks else x - 60
            p.drawText(QRectF(box_x, plot.bottom() + 6, 120, 20), int(align), text)
        d, c, text = pts[-1]
        end = xy(d, c)
        p.setPen(QColor("#1f5fbf"))
        p.drawText(QRectF(end.x() - 150, end.y() - 26, 145, 20),
                   int(Qt.AlignmentFlag.AlignRight), f"{c * 100:.1f}%")
    else:
        p.setPen(QColor("#888888"))
        p.drawText(plot, int(Qt.AlignmentFlag.AlignCenter), st("chart_empty"))
    p.end()
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    img.save(buf, "PNG")
    buf.close()
    return bytes(data.data())
