"""Page furniture shared by every sheet: paper sizes, the header band, the signature block, the
page footer and the legend.

All sizes are millimetres. A3 uses the same margins and a slightly larger type (``font_scale``)
so a sheet printed on A3 is read from further away, not just emptier.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from mapedit.reports.sheet_text import st
from mapedit.ui.sheets.paper import GREY, INK, Paper

PAPER_SIZES_MM: dict[str, tuple[float, float]] = {"A4": (210.0, 297.0), "A3": (297.0, 420.0)}
"""Portrait width × height."""
FONT_SCALE = {"A4": 1.0, "A3": 1.18}

MARGIN = 10.0
HEADER_H = 17.0
SIGN_H = 21.0
GAP = 3.0
FOOTER_Y = 5.0
"""Distance of the page-number line from the bottom edge (inside the margin)."""


@dataclass(frozen=True)
class PageSize:
    paper: str
    landscape: bool

    @property
    def w(self) -> float:
        a, b = PAPER_SIZES_MM[self.paper]
        return b if self.landscape else a

    @property
    def h(self) -> float:
        a, b = PAPER_SIZES_MM[self.paper]
        return a if self.landscape else b

    @property
    def inner_w(self) -> float:
        return self.w - 2 * MARGIN

    @property
    def body_top(self) -> float:
        return MARGIN + HEADER_H + GAP

    def body_bottom(self, signature: bool) -> float:
        return self.h - MARGIN - ((SIGN_H + GAP) if signature else 0.0)


def header(paper: Paper, page: PageSize, title: str, subtitle: str,
           info: Sequence[tuple[str, str]]) -> None:
    """Title and subtitle on the left; a small ruled box of ``(label, value)`` on the right."""
    x, y, w = MARGIN, MARGIN, page.inner_w
    box_w = min(86.0, w * 0.36)
    paper.text(x, y, w - box_w - 4, 8.5, title, 15, True)
    paper.lines(x, y + 9.5, w - box_w - 4,
                paper.wrap(subtitle, w - box_w - 4, 8, max_lines=2), 8, color=GREY)
    bx = x + w - box_w
    rows = list(info)
    rh = HEADER_H / max(1, len(rows))
    lw = 15.0
    paper.box(bx, y, box_w, HEADER_H, 0.3)
    for i, (label, value) in enumerate(rows):
        ry = y + i * rh
        if i:
            paper.hline(bx, bx + box_w, ry, 0.1)
        paper.text(bx + 1, ry, lw - 1, rh, label, 6.5, color=GREY)
        paper.text(bx + lw, ry, box_w - lw - 1, rh, value, 7)
    paper.vline(bx + lw - 0.5, y, y + HEADER_H, 0.1)
    paper.hline(x, x + w, y + HEADER_H + 1.2, 0.6)


def signature_block(paper: Paper, page: PageSize, parties: Sequence[str],
                    note: str = "") -> None:
    """The joint confirmation at the foot of the page: one cell per party (label, space to
    sign) and a date cell written 年 月 日 to fill in by hand."""
    y = page.h - MARGIN - SIGN_H
    x, w = MARGIN, page.inner_w
    head = 4.2
    paper.box(x, y, w, SIGN_H, 0.35)
    paper.text(x + 1.5, y, w - 3, head, note or st("sign_default"), 7, True)
    paper.hline(x, x + w, y + head, 0.15)
    date = st("sign_date")
    cells = [*parties, date]
    cw = w / len(cells)
    for i, party in enumerate(cells):
        cx = x + i * cw
        if i:
            paper.vline(cx, y + head, y + SIGN_H, 0.15)
        label = party if party == date else st("sign_party", party=party)
        paper.text(cx + 1.5, y + head + 0.5, cw - 3, 4, label, 7)
        if party == date:
            paper.text(cx + 1.5, y + SIGN_H - 7.5, cw - 3, 6, st("sign_date_fill"), 8,
                       align=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        else:
            paper.hline(cx + 4, cx + cw - 4, y + SIGN_H - 3.5, 0.15, QColor("#888888"))


def footer(paper: Paper, page: PageSize, left: str, page_no: int, pages: int) -> None:
    y = page.h - FOOTER_Y - 3
    paper.text(MARGIN, y, page.inner_w * 0.7, 3.5, left, 6, color=GREY)
    paper.text(MARGIN, y, page.inner_w, 3.5, st("footer_pages", page=page_no, pages=pages), 6.5,
               color=INK, align=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


def heading(paper: Paper, x: float, y: float, w: float, text: str) -> float:
    """A small section heading with a rule under it; returns the height used."""
    paper.text(x, y, w, 4.5, text, 8, True)
    paper.hline(x, x + w, y + 4.7, 0.2)
    return 5.8


@dataclass
class LegendItem:
    label: str
    fill: QColor | None = None
    outline: QColor | None = None
    width_mm: float = 0.2
    line: bool = False
    dashed: bool = False
    hatch: bool = False


def legend_line_height(paper: Paper, size_pt: float = 6.5) -> float:
    return max(3.8, paper.line_height(size_pt) + 0.6)


def legend(paper: Paper, x: float, y: float, w: float, items: Sequence[LegendItem],
           columns: int = 2, size_pt: float = 6.5) -> float:
    """Swatches with labels in ``columns`` columns; returns the height used."""
    from PySide6.QtGui import QBrush, QPen

    lh = legend_line_height(paper, size_pt)
    cw = w / columns
    rows = (len(items) + columns - 1) // columns
    p = paper.p
    for i, item in enumerate(items):
        col, row = divmod(i, rows) if columns > 1 else (0, i)
        ix = x + col * cw
        iy = y + row * lh
        sw, sh = 6.0, 2.8
        sy = iy + (lh - sh) / 2
        if item.line:
            style = Qt.PenStyle.DashLine if item.dashed else Qt.PenStyle.SolidLine
            p.setPen(QPen(item.outline or INK, paper.d(item.width_mm), style))
            p.drawLine(paper.pt(ix, sy + sh / 2), paper.pt(ix + sw, sy + sh / 2))
        else:
            pen = QPen(item.outline, paper.d(item.width_mm)) if item.outline else None
            p.setPen(pen if pen is not None else Qt.PenStyle.NoPen)
            if item.fill is not None:
                brush = QBrush(item.fill, Qt.BrushStyle.BDiagPattern if item.hatch
                               else Qt.BrushStyle.SolidPattern)
                if item.hatch:
                    brush.setTransform(brush.transform().scale(paper.k / 4, paper.k / 4))
                p.setBrush(brush)
            else:
                p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(paper.rect(ix, sy, sw, sh))
        paper.text(ix + sw + 1.5, iy, cw - sw - 2, lh, item.label, size_pt)
    return rows * lh
