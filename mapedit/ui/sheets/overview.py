"""The street atlas's first page: the street with every unit numbered, and the index table
(number, unit, type, responsibility grid, grids, households, errors, page)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QPen

from mapedit.model.dataset import Dataset
from mapedit.reports.scale import nice_scale, required_scale
from mapedit.reports.sheet_content import StreetOverview
from mapedit.reports.sheet_text import st
from mapedit.ui.canvas.style import UNIT_TYPE_COLORS
from mapedit.ui.sheets.layout import (
    GAP,
    MARGIN,
    LegendItem,
    PageSize,
    footer,
    header,
    heading,
    legend,
    signature_block,
)
from mapedit.ui.sheets.map_frame import MapFrame
from mapedit.ui.sheets.paper import Col, Paper, Table
from mapedit.ui.sheets.unit_page import BaseIndex, _label_point, draw_base

INDEX_W = {"A4": 118.0, "A3": 150.0}


@dataclass
class OverviewPlan:
    overview: StreetOverview
    page: PageSize
    map_box: tuple[float, float, float, float]
    scale: int
    table: Table | None = None
    pages_rows: list[tuple[int, int]] = field(default_factory=list)
    """Rows of the index table per page (the first beside the map)."""

    @property
    def pages(self) -> int:
        return max(1, len(self.pages_rows))


def _street_bounds(ds: Dataset) -> tuple[float, float, float, float]:
    ext = ds.extent()
    return ext if ext is not None else (0.0, 0.0, 1000.0, 1000.0)


def plan_overview(paper: Paper, ov: StreetOverview, ds: Dataset, size: str) -> OverviewPlan:
    page = PageSize(size, landscape=True)
    top = page.body_top
    bottom = page.body_bottom(signature=True)
    iw = INDEX_W[size]
    map_box = (MARGIN, top, page.inner_w - iw - GAP, bottom - top)
    x0, y0, x1, y1 = _street_bounds(ds)
    scale = nice_scale(required_scale((x1 - x0) * 1.04, (y1 - y0) * 1.04, map_box[2],
                                      map_box[3]))
    plan = OverviewPlan(ov, page, map_box, scale)
    # the largest type at which the whole index fits beside the map; else 6 pt, continued
    for size_pt in (6.0, 5.6, 5.2):
        plan.table = index_table(paper, ov, iw, size_pt)
        if plan.table.height() <= bottom - top - 6.5:
            break
    else:
        plan.table = index_table(paper, ov, iw)
    # first page: beside the map; further pages: the whole body width… kept at the same
    # width so the columns line up from page to page
    avail1 = bottom - top - 6.5
    n = plan.table.rows_fitting(0, avail1)
    plan.pages_rows = [(0, n)]
    start = n
    avail = page.body_bottom(signature=False) - top - 6.5
    while start < len(plan.table.rows):
        k = max(1, plan.table.rows_fitting(start, avail))
        plan.pages_rows.append((start, start + k))
        start += k
    return plan


def index_table(paper: Paper, ov: StreetOverview, width: float,
                size_pt: float = 6.0) -> Table:
    right = Qt.AlignmentFlag.AlignRight
    cols = [Col(st("col_seq"), 5, Qt.AlignmentFlag.AlignHCenter), Col(st("ov_col_unit"), 17),
            Col(st("ov_col_code"), 16), Col(st("ov_col_type"), 6), Col(st("ov_col_rg"), 14),
            Col(st("ov_col_grids"), 7, right), Col(st("ov_col_households"), 8, right),
            Col(st("ov_col_errors"), 6, right), Col(st("ov_col_page"), 6, right)]
    rows = [[str(r.index), r.unit.name, r.unit.code, r.unit.unit_type,
             r.responsibility_grid_name, str(r.grids), str(r.households),
             str(r.errors) if r.errors else "", str(r.page) if r.page else ""]
            for r in ov.rows]
    return Table(paper, cols, rows, width, size_pt, max_lines=2, pad=0.4)


class OverviewPainter:
    def __init__(self, paper: Paper, ds: Dataset, plan: OverviewPlan, total_pages: int,
                 base: BaseIndex) -> None:
        self.paper = paper
        self.ds = ds
        self.plan = plan
        self.total = total_pages
        self.base = base
        self.context: dict = {"crs": ds.crs, "project_path": None}

    def header(self, page_no: int, cont: bool = False) -> None:
        ov = self.plan.overview
        title = st("ov_title", street=ov.street_name) + (st("cont") if cont else "")
        units = len(ov.rows)
        grids = sum(r.grids for r in ov.rows)
        subtitle = st("ov_subtitle", street=ov.street_name, code=ov.street_code, units=units,
                      grids=grids, errors=ov.errors, warnings=ov.warnings,
                      accepted=ov.accepted)
        info = [(st("info_date"), ov.date),
                (st("info_version"), st("info_version_value", version=ov.version,
                                        revision=ov.revision)),
                (st("info_scale"), st("info_scale_value", scale=self.plan.scale))]
        header(self.paper, self.plan.page, title, subtitle, info)
        footer(self.paper, self.plan.page, st("ov_footer", street=ov.street_name,
                                               crs=self.ds.crs),
               page_no, self.total)

    def first_page(self) -> None:
        plan = self.plan
        self.header(1)
        self.map()
        x, y, w, h = plan.map_box
        tx = x + w + GAP
        assert plan.table is not None
        yy = y + heading(self.paper, tx, y, plan.table.width, st("ov_index")) + 0.7
        start, stop = plan.pages_rows[0]
        plan.table.draw(tx, yy, start, stop)
        signature_block(self.paper, plan.page, plan.overview.signatures,
                        st("ov_sign"))

    def continuation(self, index: int) -> None:
        plan = self.plan
        self.header(index + 2, cont=True)
        assert plan.table is not None
        y = plan.page.body_top
        y += heading(self.paper, MARGIN, y, plan.table.width, st("ov_index_cont")) + 0.7
        start, stop = plan.pages_rows[index + 1]
        plan.table.draw(MARGIN, y, start, stop)

    def map(self) -> None:
        plan = self.plan
        x, y, w, h = plan.map_box
        x0, y0, x1, y1 = _street_bounds(self.ds)
        mf = MapFrame(self.paper, x, y, w, h, ((x0 + x1) / 2, (y0 + y1) / 2), plan.scale)
        box = mf.extent_box()
        mf.clip()
        imagery = mf.underlays(self.ds.layers, self.context) > 0
        draw_base(mf, self.base, box, outlines_only=imagery)
        ov = plan.overview
        by_type: dict[str, list] = {}
        for r in ov.rows:
            if r.unit.geometry is not None:
                by_type.setdefault(r.unit.unit_type, []).append(r.unit.geometry)
        for t, geoms in by_type.items():
            c = QColor(UNIT_TYPE_COLORS.get(t, "#777777"))
            c.setAlpha(45)
            mf.fill(geoms, c, QColor(UNIT_TYPE_COLORS.get(t, "#777777")), 0.3)
        rgs = [g for _c, _n, g in ov.responsibility_grids if g is not None]
        mf.lines(rgs, QColor("#37474f"), 0.7, Qt.PenStyle.DashLine)
        if ov.street_geometry is not None:
            mf.lines([ov.street_geometry], QColor("#222222"), 1.0)
        self.numbers(mf)
        mf.imagery_note()
        mf.unclip()
        mf.north_arrow()
        mf.scale_bar()
        mf.frame()
        items = [LegendItem(st("legend_unit_type", unit_type=t), _alpha(UNIT_TYPE_COLORS[t], 45),
                            QColor(UNIT_TYPE_COLORS[t]), 0.3) for t in UNIT_TYPE_COLORS
                 if t in by_type]
        items += [LegendItem(st("legend_rg"), None, QColor("#37474f"), 0.7, line=True,
                             dashed=True),
                  LegendItem(st("legend_street"), None, QColor("#222222"), 1.0, line=True)]
        lw = 62.0
        lh = legend_height(self.paper, len(items), 2)
        lx, ly = x + w - lw - 2, y + h - lh - 4
        self.paper.box(lx - 1.5, ly - 1.5, lw + 3, lh + 3, 0.15, fill=QColor(255, 255, 255, 225))
        legend(self.paper, lx, ly, lw, items)

    def numbers(self, mf: MapFrame) -> None:
        p = self.paper
        for r in self.plan.overview.rows:
            g = r.unit.geometry
            if g is None or g.is_empty:
                continue
            pt = _label_point(g)
            mx, my = mf.to_mm(pt.x, pt.y)
            label = str(r.index)
            rad = max(2.2, p.text_width(label, 7, True) / 2 + 0.9)
            p.p.setPen(QPen(QColor(UNIT_TYPE_COLORS.get(r.unit.unit_type, "#555555")),
                            p.d(0.3)))
            p.p.setBrush(QBrush(QColor(255, 255, 255, 235)))
            p.p.drawEllipse(p.pt(mx, my), p.d(rad), p.d(rad))
            p.text(mx - rad, my - rad, 2 * rad, 2 * rad, label, 7, True,
                   align=Qt.AlignmentFlag.AlignCenter)
        # responsibility grid names, where each grid is widest
        for _code, name, geom in self.plan.overview.responsibility_grids:
            if geom is None or geom.is_empty:
                continue
            pts = shapely.get_coordinates(geom)
            if not len(pts):
                continue
            top = pts[np.argmax(pts[:, 1])]
            mx, my = mf.to_mm(float(top[0]), float(top[1]))
            w = p.text_width(name, 7.5, True) + 2
            p.box(mx - w / 2, my + 1, w, 4, 0, fill=QColor(255, 255, 255, 200))
            p.text(mx - w / 2, my + 1, w, 4, name, 7.5, True, QColor("#37474f"),
                   align=Qt.AlignmentFlag.AlignCenter)


def legend_height(paper: Paper, n: int, columns: int) -> float:
    from mapedit.ui.sheets.layout import legend_line_height

    return ((n + columns - 1) // columns) * legend_line_height(paper)


def _alpha(color: str, a: int) -> QColor:
    c = QColor(color)
    c.setAlpha(a)
    return c
