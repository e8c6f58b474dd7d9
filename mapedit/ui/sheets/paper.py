"""Drawing on paper in millimetres: fonts, wrapped text, boxes and tables for the PDF sheets.

Layout is done in millimetres (what a sheet designer thinks in) and converted to device units
of the ``QPdfWriter`` (1200 dpi) at the last moment. The painter itself is never scaled: a
scaled painter scales fonts too, and point sizes below 1 pt are rounded by Qt's text engine.
Text is drawn with ``drawText``, so the PDF holds real, searchable text in an embedded font.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontDatabase,
    QFontMetricsF,
    QPainter,
    QPen,
)

from mapedit.ui.fonts import candidates

SHEET_FONTS_WINDOWS_EXTRA = ("SimSun", "NSimSun", "SimHei")
"""After the UI's preferred families (微软雅黑 …): the serif fonts every Chinese Windows has."""

BREAK_AFTER = " 、,,"  # i18n: ok - where a wrapped line may break (punctuation, not text)
INK = QColor("#1a1a1a")
GREY = QColor("#6b6b6b")
RULE = QColor("#444444")
LIGHT_RULE = QColor("#b0b0b0")
HEADER_FILL = QColor("#eef1f4")


def sheet_font_family(available: Sequence[str] | None = None) -> str | None:
    """The CJK family to print with: the UI's choice for this platform (Noto Sans CJK SC,
    Microsoft YaHei …), then SimSun/SimHei, then any family whose name says CJK. None when
    nothing is installed (Qt then falls back to whatever it has; the PDF is still written)."""
    fams = list(available) if available is not None else QFontDatabase.families()
    lower = {f.lower(): f for f in fams}
    for want in (*candidates(), *candidates("win32"), *SHEET_FONTS_WINDOWS_EXTRA):
        if want.lower() in lower:
            return lower[want.lower()]
    for f in fams:
        if "cjk" in f.lower() or f.lower().startswith(("wenquanyi", "source han")):
            return f
    return None


@dataclass
class Col:
    """A table column: header text, relative width, alignment."""

    title: str
    weight: float
    align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft


class Paper:
    """A PDF page device with millimetre helpers (and, once :meth:`begin` was called, its
    painter).

    ``k`` is device units per millimetre. ``font_scale`` enlarges every font (A3 sheets use
    slightly larger type than A4, so the table stays readable from across the table)."""

    def __init__(self, device, dpi: float, family: str | None,
                 font_scale: float = 1.0) -> None:
        self.p: QPainter = None  # type: ignore[assignment] - set by begin(); measuring needs none
        self.device = device
        self.k = dpi / 25.4
        self.family = family
        self.font_scale = font_scale
        self._fonts: dict[tuple[float, bool], QFont] = {}
        self._metrics: dict[tuple[float, bool], QFontMetricsF] = {}
        self._advances: dict[tuple[float, bool], dict[str, float]] = {}

    def begin(self, painter: QPainter) -> None:
        """Start drawing (layout and measuring work before, e.g. to choose page 1's
        orientation, which must be set before the painter starts)."""
        self.p = painter

    # -- units -----------------------------------------------------------------------------
    def d(self, mm: float) -> float:
        return mm * self.k

    def rect(self, x: float, y: float, w: float, h: float) -> QRectF:
        return QRectF(x * self.k, y * self.k, w * self.k, h * self.k)

    def pt(self, x: float, y: float) -> QPointF:
        return QPointF(x * self.k, y * self.k)

    # -- fonts -----------------------------------------------------------------------------
    def font(self, size_pt: float, bold: bool = False) -> QFont:
        key = (round(size_pt, 2), bold)
        f = self._fonts.get(key)
        if f is None:
            f = QFont(self.family) if self.family else QFont()
            if self.family:
                f.setFamilies([self.family])
            f.setPointSizeF(size_pt * self.font_scale)
            f.setBold(bold)
            f.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
            f.setKerning(False)
            # Noto Sans CJK's 'locl' feature swaps the digits of a Latin run ("mapedit 0.1.0")
            # for glyphs outside the character map, and Qt's PDF text map then has no entry
            # for them: the digits vanish from search and copy. The SC font's default forms
            # are the simplified-Chinese ones, so nothing changes on paper.
            f.setFeature(QFont.Tag("locl"), 0)
            self._fonts[key] = f
        return f

    def metrics(self, size_pt: float, bold: bool = False) -> QFontMetricsF:
        key = (round(size_pt, 2), bold)
        m = self._metrics.get(key)
        if m is None:
            m = QFontMetricsF(self.font(size_pt, bold), self.device)
            self._metrics[key] = m
        return m

    def line_height(self, size_pt: float, bold: bool = False) -> float:
        """Height of one line of text in mm (with the font's leading)."""
        return self.metrics(size_pt, bold).height() / self.k

    def text_width(self, text: str, size_pt: float, bold: bool = False) -> float:
        key = (round(size_pt, 2), bold)
        adv = self._advances.setdefault(key, {})
        m = None
        total = 0.0
        for ch in text:
            a = adv.get(ch)
            if a is None:
                m = m or self.metrics(size_pt, bold)
                a = m.horizontalAdvance(ch)
                adv[ch] = a
            total += a
        return total / self.k

    def wrap(self, text: str, width_mm: float, size_pt: float, bold: bool = False,
             max_lines: int = 0) -> list[str]:
        """``text`` broken into lines no wider than ``width_mm``: at spaces and after
        Chinese punctuation when possible, anywhere otherwise (codes and Chinese names have no
        spaces). ``max_lines`` > 0 cuts the rest off with an ellipsis."""
        lines: list[str] = []
        for para in (text or "").split("\n"):
            if not para:
                lines.append("")
                continue
            cur = ""
            for ch in para:
                if cur and self.text_width(cur + ch, size_pt, bold) > width_mm:
                    brk = max(cur.rfind(c) for c in BREAK_AFTER)
                    if 0 < brk < len(cur) - 1 and brk >= len(cur) // 2:
                        lines.append(cur[:brk + 1].rstrip())
                        cur = cur[brk + 1:].lstrip() + ch
                    else:
                        lines.append(cur)
                        cur = ch
                else:
                    cur += ch
            lines.append(cur)
        if max_lines and len(lines) > max_lines:
            lines = lines[:max_lines]
            last = lines[-1]
            while last and self.text_width(last + "…", size_pt, bold) > width_mm:
                last = last[:-1]
            lines[-1] = last + "…"
        return lines

    # -- drawing ---------------------------------------------------------------------------
    def text(self, x: float, y: float, w: float, h: float, text: str, size_pt: float,
             bold: bool = False, color: QColor = INK,
             align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft
             | Qt.AlignmentFlag.AlignVCenter) -> None:
        self.p.setFont(self.font(size_pt, bold))
        self.p.setPen(QPen(color))
        self.p.drawText(self.rect(x, y, w, h), int(align), text)

    def lines(self, x: float, y: float, w: float, lines: Sequence[str], size_pt: float,
              bold: bool = False, color: QColor = INK,
              align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft) -> float:
        """Draw ``lines`` top-down from ``y``; returns the height used (mm)."""
        lh = self.line_height(size_pt, bold)
        for i, line in enumerate(lines):
            self.text(x, y + i * lh, w, lh, line, size_pt, bold, color,
                      align | Qt.AlignmentFlag.AlignVCenter)
        return lh * len(lines)

    def paragraph(self, x: float, y: float, w: float, text: str, size_pt: float,
                  bold: bool = False, color: QColor = INK) -> float:
        return self.lines(x, y, w, self.wrap(text, w, size_pt, bold), size_pt, bold, color)

    def box(self, x: float, y: float, w: float, h: float, width_mm: float = 0.3,
            color: QColor = RULE, fill: QColor | None = None) -> None:
        self.p.setPen(QPen(color, self.d(width_mm)) if width_mm > 0 else Qt.PenStyle.NoPen)
        self.p.setBrush(QBrush(fill) if fill is not None else Qt.BrushStyle.NoBrush)
        self.p.drawRect(self.rect(x, y, w, h))

    def hline(self, x0: float, x1: float, y: float, width_mm: float = 0.2,
              color: QColor = RULE) -> None:
        self.p.setPen(QPen(color, self.d(width_mm)))
        self.p.drawLine(self.pt(x0, y), self.pt(x1, y))

    def vline(self, x: float, y0: float, y1: float, width_mm: float = 0.2,
              color: QColor = RULE) -> None:
        self.p.setPen(QPen(color, self.d(width_mm)))
        self.p.drawLine(self.pt(x, y0), self.pt(x, y1))


# -- tables ------------------------------------------------------------------------------------

class Table:
    """A ruled table that can be split over pages: measure rows first (:meth:`row_heights`),
    then draw any slice of them under a repeated header (:meth:`draw`)."""

    PAD = 0.8
    """Cell padding in mm."""

    def __init__(self, paper: Paper, cols: Sequence[Col], rows: Sequence[Sequence[str]],
                 width_mm: float, size_pt: float = 6.5, max_lines: int = 4,
                 pad: float | None = None) -> None:
        self.paper = paper
        self.cols = list(cols)
        self.rows = [list(r) for r in rows]
        self.size = size_pt
        if pad is not None:
            self.PAD = pad
        self.width = width_mm
        self.widths = self._auto_widths()
        self.max_lines = max_lines
        self._wrapped: list[list[list[str]]] | None = None
        self.header_lines = [paper.wrap(c.title, w - 2 * self.PAD, size_pt, True)
                             for c, w in zip(self.cols, self.widths, strict=True)]

    def _auto_widths(self) -> list[float]:
        """Column widths: a column whose longest cell fits in its share of the width gets
        just that (codes, numbers, short categories never wrap); the rest of the width goes
        to the other columns in proportion to their weights, so long texts wrap as little as
        possible. Every column gets at least the width of its longest header word."""
        p = self.paper
        pad = 2 * self.PAD + 0.4
        natural = []
        for i, _col in enumerate(self.cols):
            cells = [str(r[i]) for r in self.rows]
            longest = max((p.text_width(c, self.size) for c in cells if c), default=0.0)
            natural.append(longest + pad)
        header_min = [max(p.text_width(ch, self.size, True) for ch in (c.title or " ")) * 2
                      + pad for c in self.cols]
        widths = [0.0] * len(self.cols)
        free = list(range(len(self.cols)))
        left = self.width
        changed = True
        while changed and free:
            changed = False
            total_w = sum(self.cols[i].weight for i in free)
            for i in list(free):
                share = left * self.cols[i].weight / total_w
                need = max(natural[i], header_min[i])
                if need <= share:
                    widths[i] = need
                    left -= need
                    free.remove(i)
                    changed = True
            if changed:
                continue
        total_w = sum(self.cols[i].weight for i in free) or 1.0
        for i in free:
            widths[i] = left * self.cols[i].weight / total_w
        if not free:  # everything fits: spread the slack evenly
            slack = (self.width - sum(widths)) / len(widths)
            widths = [w + slack for w in widths]
        return widths

    @property
    def line_h(self) -> float:
        return self.paper.line_height(self.size)

    def wrapped(self) -> list[list[list[str]]]:
        if self._wrapped is None:
            self._wrapped = [[self.paper.wrap(str(cell), w - 2 * self.PAD, self.size,
                                              max_lines=self.max_lines)
                              for cell, w in zip(row, self.widths, strict=True)]
                             for row in self.rows]
        return self._wrapped

    def header_height(self) -> float:
        lh = self.paper.line_height(self.size, True)
        return max(len(h) for h in self.header_lines) * lh + 2 * self.PAD

    def row_heights(self) -> list[float]:
        lh = self.line_h
        return [max(1, *(len(c) for c in row)) * lh + 2 * self.PAD for row in self.wrapped()]

    def rows_fitting(self, start: int, height_mm: float) -> int:
        """How many rows from ``start`` fit under the header in ``height_mm``."""
        avail = height_mm - self.header_height()
        n = 0
        for h in self.row_heights()[start:]:
            if h > avail:
                break
            avail -= h
            n += 1
        return n

    def height(self, start: int = 0, stop: int | None = None) -> float:
        return self.header_height() + sum(self.row_heights()[start:stop])

    def draw(self, x: float, y: float, start: int = 0, stop: int | None = None) -> float:
        """Draw the header and rows ``start:stop`` at (x, y); returns the height drawn."""
        p = self.paper
        stop = len(self.rows) if stop is None else stop
        hh = self.header_height()
        heights = self.row_heights()[start:stop]
        total = hh + sum(heights)
        p.box(x, y, self.width, hh, 0, fill=HEADER_FILL)
        cx = x
        lhb = p.line_height(self.size, True)
        for w, lines in zip(self.widths, self.header_lines, strict=True):
            top = y + (hh - len(lines) * lhb) / 2
            p.lines(cx + self.PAD, top, w - 2 * self.PAD, lines, self.size, True,
                    align=Qt.AlignmentFlag.AlignHCenter)
            cx += w
        ry = y + hh
        lh = self.line_h
        for row, h in zip(self.wrapped()[start:stop], heights, strict=True):
            cx = x
            for col, w, lines in zip(self.cols, self.widths, row, strict=True):
                top = ry + (h - len(lines) * lh) / 2
                p.lines(cx + self.PAD, top, w - 2 * self.PAD, lines, self.size,
                        align=col.align)
                cx += w
            ry += h
            p.hline(x, x + self.width, ry, 0.1, LIGHT_RULE)
        # rules: outer frame, header rule, column rules
        p.hline(x, x + self.width, y + hh, 0.25)
        cx = x
        for w in self.widths[:-1]:
            cx += w
            p.vline(cx, y, y + total, 0.1, LIGHT_RULE)
        p.box(x, y, self.width, total, 0.3)
        return total
