"""One management unit's sign-off sheet: map, legend, check summary, grid table, signatures.

Planning comes before painting: the orientation of a page must be set before it is begun, and
the atlas's index page needs every unit's first page number. :func:`plan_unit` tries both
orientations and keeps the one that shows the unit at the larger scale; the grid table goes
under the map and continues on further pages when the unit has many grids (with the open
findings that did not fit beside the map).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import shapely
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from mapedit.model.catalogue import Catalogue
from mapedit.model.dataset import Dataset
from mapedit.reports.scale import nice_scale, required_scale
from mapedit.reports.sheet_content import (
    FOUR_BOUND_LABELS,
    FindingLine,
    UnitSheet,
    departments_text,
    four_bound_text,
    grid_sequence,
)
from mapedit.reports.sheet_text import st
from mapedit.rules.findings import ERROR
from mapedit.ui.canvas.style import KIND_COLORS, UNIT_TYPE_COLORS, category_kind
from mapedit.ui.sheets.layout import (
    GAP,
    MARGIN,
    LegendItem,
    PageSize,
    footer,
    header,
    heading,
    legend,
    legend_line_height,
    signature_block,
)
from mapedit.ui.sheets.map_frame import MapFrame
from mapedit.ui.sheets.paper import GREY, INK, Col, Paper, Table

SIDE_W = {"A4": 70.0, "A3": 84.0}
"""Width of the panel beside the map on landscape pages."""
STRIP_H = {"A4": 44.0, "A3": 52.0}
"""Height of the legend/check strip under the map on portrait pages."""
MIN_MAP_SHARE = 0.55
"""A map of at least this share of the page body leaves room for the table under it …"""
MAX_SHRINK = 1.5
"""… and so does one whose scale is at most this much smaller than with the whole body."""
PANEL_MIN_H = 64.0
"""The panel beside a landscape map (facts, legend, check summary) needs this height."""
MIN_MAP_H = 40.0
TABLE_PT = 6.5
MAP_MARGIN = 0.07
"""Ground shown around the unit, as a share of its size on each side."""

RED = QColor("#c62828")
GREEN = QColor("#2e7d32")


@dataclass
class Block:
    """A piece of a continuation page: rows ``start:stop`` of a table."""

    table: Table
    start: int
    stop: int
    title: str


@dataclass
class UnitPlan:
    sheet: UnitSheet
    page: PageSize
    map_box: tuple[float, float, float, float]
    panel_box: tuple[float, float, float, float]
    scale: int
    table: Table
    table_y: float
    table_rows: int
    """Rows of the grid table on the first page."""
    findings_shown: int
    """Open findings + accepted exceptions listed beside the map (the rest overleaf)."""
    continuation: list[list[Block]] = field(default_factory=list)
    first_page: int = 0

    @property
    def pages(self) -> int:
        return 1 + len(self.continuation)


def grid_table(paper: Paper, sheet: UnitSheet, width: float) -> Table:
    cols = [Col(st("col_seq"), 4.5, Qt.AlignmentFlag.AlignHCenter),
            Col(st("col_code"), 16.5), Col(st("col_name"), 21), Col(st("col_category"), 11),
            Col(st("col_departments"), 19),
            Col(st("col_households"), 7, Qt.AlignmentFlag.AlignRight)]
    cols += [Col(FOUR_BOUND_LABELS[k], 15.5) for k in ("east", "south", "west", "north")]
    rows = []
    for i, g in enumerate(sheet.grids, start=1):
        rows.append([grid_sequence(g, sheet.unit.code, i), g.code, g.name, g.category,
                     departments_text(g), "" if g.households is None else str(g.households),
                     *(four_bound_text(g, k) for k in ("east", "south", "west", "north"))])
    if not rows:
        rows.append(["", "", st("no_grids_row"), "", "", "", "", "", "", ""])
    return Table(paper, cols, rows, width, TABLE_PT, max_lines=3)


def findings_table(paper: Paper, sheet: UnitSheet, start: int, width: float) -> Table:
    lines = (sheet.open_findings + sheet.accepted)[start:]
    cols = [Col(st("col_seq"), 4, Qt.AlignmentFlag.AlignHCenter), Col(st("col_level"), 6),
            Col(st("col_problem"), 16), Col(st("col_message"), 50), Col(st("col_reason"), 24)]
    rows = []
    for i, f in enumerate(lines, start=start + 1):
        level = st("level_accepted" if f.accepted else
                   "level_error" if f.severity == ERROR else "level_warning")
        rows.append([str(i), level, f.title, f.message, f.reason])
    return Table(paper, cols, rows, width, TABLE_PT, max_lines=6)


def _unit_bounds(sheet: UnitSheet) -> tuple[float, float, float, float]:
    g = sheet.unit.geometry
    if g is None or g.is_empty:
        geoms = [x.geometry for x in sheet.grids if x.geometry is not None]
        if not geoms:
            return (0.0, 0.0, 100.0, 100.0)
        return tuple(shapely.total_bounds(np.asarray(geoms, dtype=object)))  # type: ignore[return-value]
    return g.bounds


def _scale_for(bounds, w: float, h: float) -> int:
    x0, y0, x1, y1 = bounds
    bw, bh = max(x1 - x0, 1.0), max(y1 - y0, 1.0)
    return nice_scale(required_scale(bw * (1 + 2 * MAP_MARGIN), bh * (1 + 2 * MAP_MARGIN),
                                     w, h))


def _layout(paper: Paper, sheet: UnitSheet, page: PageSize) -> UnitPlan:
    size = page.paper
    top = page.body_top
    body_h = page.body_bottom(signature=True) - top
    table = grid_table(paper, sheet, page.inner_w)
    strip = 0.0 if page.landscape else STRIP_H[size] + GAP
    map_w = page.inner_w - SIDE_W[size] - GAP if page.landscape else page.inner_w
    bounds = _unit_bounds(sheet)
    full_h = body_h - strip
    with_h = full_h - table.height() - GAP
    # The table stays on the sheet when the map keeps enough room beside it: at least
    # MIN_MAP_SHARE of the body, or a scale at most MAX_SHRINK times smaller than with the
    # whole body (a wide, low street-front unit needs little height). Otherwise the map takes
    # the whole body and the table starts overleaf: a table cut after three rows under a
    # shrunken map serves neither.
    rows = 0
    if with_h >= (PANEL_MIN_H if page.landscape else MIN_MAP_H):
        if (with_h >= MIN_MAP_SHARE * body_h
                or _scale_for(bounds, map_w, with_h)
                <= MAX_SHRINK * _scale_for(bounds, map_w, full_h)):
            rows = len(table.rows)
    map_h = with_h if rows else full_h
    if page.landscape:
        map_box = (MARGIN, top, map_w, map_h)
        panel = (MARGIN + page.inner_w - SIDE_W[size], top, SIDE_W[size], map_h)
    else:
        map_box = (MARGIN, top, map_w, map_h)
        panel = (MARGIN, top + map_h + GAP, page.inner_w, STRIP_H[size])
    scale = _scale_for(bounds, map_w, map_h)
    table_y = top + map_h + strip + GAP
    return UnitPlan(sheet, page, map_box, panel, scale, table, table_y, rows, 0)


def plan_unit(paper: Paper, sheet: UnitSheet, size: str,
              catalogue: Catalogue | None = None) -> UnitPlan:
    """Choose the orientation and split the table and findings over pages: the table on the
    sheet itself beats a larger map (one page to sign, not two), then the larger map scale
    wins, then landscape."""
    plans = [_layout(paper, sheet, PageSize(size, landscape)) for landscape in (True, False)]
    plan = min(plans, key=lambda p: (p.table_rows == 0 and bool(p.table.rows), p.scale,
                                     not p.page.landscape))
    plan.findings_shown = _findings_fitting(paper, plan, catalogue)
    _paginate(paper, plan)
    return plan


def _finding_text(f: FindingLine, i: int) -> str:
    if f.accepted:
        return st("finding_accepted", i=i, message=f.message, reason=f.reason or "—")
    return f"{i}. {f.message}"


FACT_LH = 3.6


def _check_box(paper: Paper, plan: UnitPlan,
               catalogue: Catalogue | None) -> tuple[float, float, float, float]:
    """Where the check summary goes: under the facts and legend beside a landscape map, in
    the right half of the strip under a portrait one."""
    x, y, w, h = plan.panel_box
    if plan.page.landscape:
        items = len(_legend_items(plan.sheet, catalogue))
        used = (_facts_height() + 2 + 5.8 + ((items + 1) // 2) * legend_line_height(paper)
                + 3)
        return x, y + used, w, h - used
    half = w * 0.5
    return x + half + GAP, y, w - half - GAP, h


def _facts_height() -> float:
    return 5.8 + 3 * FACT_LH + 1


def _findings_fitting(paper: Paper, plan: UnitPlan, catalogue: Catalogue | None) -> int:
    lines = plan.sheet.open_findings + plan.sheet.accepted
    if not lines:
        return 0
    x, y, w, h = _check_box(paper, plan, catalogue)
    avail = h - 5.8 - 2 * paper.line_height(7, True) - 2
    size = 6.3
    lh = paper.line_height(size)
    used = 0.0
    shown = 0
    reserve = lh  # room for "其余 … 见续页"
    accepted_heading = paper.line_height(7, True) + 1
    for i, f in enumerate(lines, start=1):
        if f.accepted and (i == 1 or not lines[i - 2].accepted):
            used += accepted_heading
        need = len(paper.wrap(_finding_text(f, i), w - 2, size)) * lh
        rest = reserve if i < len(lines) else 0.0
        if used + need + rest > avail:
            break
        used += need
        shown += 1
    return shown


def _paginate(paper: Paper, plan: UnitPlan) -> None:
    page = plan.page
    avail = page.body_bottom(signature=False) - page.body_top - 4
    blocks: list[tuple[Table, int, int, str]] = []
    if plan.table_rows < len(plan.table.rows):
        blocks.append((plan.table, plan.table_rows, len(plan.table.rows),
                       st("table_cont") if plan.table_rows else st("table_heading")))
    n_lines = len(plan.sheet.open_findings) + len(plan.sheet.accepted)
    if plan.findings_shown < n_lines:
        ft = findings_table(paper, plan.sheet, plan.findings_shown, page.inner_w)
        blocks.append((ft, 0, len(ft.rows), st("findings_cont")))
    pages: list[list[Block]] = []
    cur: list[Block] = []
    left = avail
    for table, start, stop, title in blocks:
        i = start
        while i < stop:
            n = table.rows_fitting(i, left - 6.5)
            if n == 0:
                if cur:
                    pages.append(cur)
                cur, left = [], avail
                n = max(1, table.rows_fitting(i, left - 6.5))
            n = min(n, stop - i)
            cur.append(Block(table, i, i + n, title))
            left -= 6.5 + table.height(i, i + n) + GAP
            i += n
    if cur:
        pages.append(cur)
    plan.continuation = pages


# -- painting ----------------------------------------------------------------------------------

def _legend_items(sheet: UnitSheet, catalogue: Catalogue | None) -> list[LegendItem]:
    kinds: list[tuple[str, str]] = []
    seen = set()
    for g in sheet.grids:
        kind = category_kind(catalogue, g.category) if catalogue is not None else g.category
        label = g.category
        if kind not in seen:
            seen.add(kind)
            kinds.append((kind, label))
    items = [LegendItem(label, _kind_fill(kind), QColor("#4f5b62"), 0.18)
             for kind, label in kinds]
    color = QColor(UNIT_TYPE_COLORS.get(sheet.unit.unit_type, "#333333"))
    items += [
        LegendItem(st("legend_unit"), None, color, 0.7, line=True),
        LegendItem(st("legend_neighbours"), QColor(235, 235, 235), QColor("#9e9e9e"), 0.25),
        LegendItem(st("legend_roads"), None, QColor("#bdb6a6"), 0.6, line=True),
        LegendItem(st("legend_water"), QColor("#cfe2f3"), QColor("#9cc3e6"), 0.15),
        LegendItem(st("legend_buildings"), QColor("#e4e1da"), QColor("#b9b4aa"), 0.1),
    ]
    if any(f.location is not None and f.severity == ERROR and (sheet.grids or f.rule != "gap")
           for f in sheet.open_findings):
        items.append(LegendItem(st("legend_problems"), RED, RED, 0.3, hatch=True))
    return items


def _kind_fill(kind: str, alpha: int = 200) -> QColor:
    c = QColor(KIND_COLORS.get(kind, "#e0e0e0"))
    c.setAlpha(alpha)
    return c


class UnitPainter:
    """Paints the pages of one :class:`UnitPlan`."""

    def __init__(self, paper: Paper, dataset: Dataset, plan: UnitPlan, total_pages: int,
                 base_index: BaseIndex) -> None:
        self.paper = paper
        self.ds = dataset
        self.plan = plan
        self.total = total_pages
        self.base = base_index
        self.context: dict = {"crs": dataset.crs, "project_path": None}

    # -- page 1 ----------------------------------------------------------------------------
    def header(self, page_no: int, cont: bool = False) -> None:
        s = self.plan.sheet
        u = s.unit
        title = st("unit_title", unit=u.name) + (st("cont") if cont else "")
        subtitle = st("unit_subtitle", street=s.street_name, rg=s.responsibility_grid_name,
                      unit=u.name, code=u.code, unit_type=u.unit_type)
        if u.committee:
            subtitle += f" · {u.committee}"
        info = [(st("info_date"), s.date),
                (st("info_version"), st("info_version_value", version=s.version,
                                        revision=s.revision)),
                (st("info_number"), st("info_number_value", index=s.index,
                                       scale=self.plan.scale))]
        header(self.paper, self.plan.page, title, subtitle, info)
        footer(self.paper, self.plan.page,
               st("unit_footer", street=s.street_name, unit=u.name, code=u.code,
                  crs=self.ds.crs),
               page_no, self.total)

    def first_page(self) -> None:
        plan = self.plan
        self.header(plan.first_page)
        self.map()
        self.panel()
        if plan.table_rows:
            plan.table.draw(MARGIN, plan.table_y, 0, plan.table_rows)
        u = plan.sheet.unit
        signature_block(self.paper, plan.page, plan.sheet.signatures,
                        st("unit_sign", unit=u.name))

    def continuation(self, index: int) -> None:
        plan = self.plan
        self.header(plan.first_page + index + 1, cont=True)
        y = plan.page.body_top
        for block in plan.continuation[index]:
            y += heading(self.paper, MARGIN, y, plan.page.inner_w, block.title) + 0.7
            y += block.table.draw(MARGIN, y, block.start, block.stop) + GAP

    # -- map ----------------------------------------------------------------------------------
    def frame(self) -> MapFrame:
        x, y, w, h = self.plan.map_box
        x0, y0, x1, y1 = _unit_bounds(self.plan.sheet)
        return MapFrame(self.paper, x, y, w, h, ((x0 + x1) / 2, (y0 + y1) / 2), self.plan.scale)

    def map(self) -> None:
        s = self.plan.sheet
        mf = self.frame()
        box = mf.extent_box()
        mf.clip()
        imagery = mf.underlays(self.ds.layers, self.context) > 0
        # over imagery the base layers are outlines and the fills light, so the photo shows
        draw_base(mf, self.base, box, outlines_only=imagery)
        unit_geom = s.unit.geometry
        # everything outside the unit fades back; neighbours keep an outline and their name
        if unit_geom is not None and not unit_geom.is_empty:
            outside = box.buffer(10).difference(unit_geom)
            mf.fill([outside], QColor(255, 255, 255, 90 if imagery else 150))
        neigh = [u.geometry for u in s.neighbours if u.geometry is not None]
        mf.fill(neigh, QColor(225, 225, 225, 110), QColor("#9e9e9e"), 0.25)
        by_kind: dict[str, list] = {}
        for g in s.grids:
            if g.geometry is None or g.geometry.is_empty:
                continue
            by_kind.setdefault(category_kind(self.ds.catalogue, g.category), []).append(
                g.geometry)
        for kind, geoms in by_kind.items():
            mf.fill(geoms, _kind_fill(kind, 95 if imagery else 200))
        mf.lines([g.geometry for g in s.grids if g.geometry is not None],
                 QColor("#4f5b62"), 0.2)
        # a unit without grids is work not begun (待划分), not an error area: no red hatching
        errs = [f.location for f in s.open_findings
                if f.location is not None and f.severity == ERROR and not f.location.is_empty
                and (s.grids or f.rule != "gap")]
        polys = [g for g in errs if g.geom_type in ("Polygon", "MultiPolygon")]
        others = [g for g in errs if g.geom_type not in ("Polygon", "MultiPolygon")]
        if polys:
            mf.fill(polys, RED, RED, 0.3, brush_style=Qt.BrushStyle.BDiagPattern)
        if others:
            mf.lines(others, RED, 0.5)
        if unit_geom is not None:
            mf.lines([unit_geom], QColor(255, 255, 255, 230), 1.5)
            mf.lines([unit_geom], QColor(UNIT_TYPE_COLORS.get(s.unit.unit_type, "#333333")),
                     0.7)
        self.neighbour_names(mf)
        self.labels(mf)
        mf.imagery_note()
        if not s.grids and unit_geom is not None and not unit_geom.is_empty:
            pt = _label_point(unit_geom)
            mx, my = mf.to_mm(pt.x, pt.y)
            self.paper.text(mx - 40, my - 5, 80, 10, st("pending"), 12, True,
                            QColor("#8a8f94"), align=Qt.AlignmentFlag.AlignCenter)
        mf.unclip()
        mf.north_arrow()
        mf.scale_bar()
        mf.frame()

    def neighbour_names(self, mf: MapFrame) -> None:
        x0, y0, x1, y1 = mf.extent()
        inner = shapely.box(x0, y0, x1, y1).buffer(-6 / mf.mm_per_m)
        for u in self.plan.sheet.neighbours:
            if u.geometry is None:
                continue
            part = u.geometry.intersection(inner)
            if part.is_empty or part.area <= 0:
                continue
            pt = _label_point(part)
            mx, my = mf.to_mm(pt.x, pt.y)
            w = self.paper.text_width(u.name, 6.5) + 2
            self.paper.text(mx - w / 2, my - 2, w, 4, u.name, 6.5, color=GREY,
                            align=Qt.AlignmentFlag.AlignCenter)

    LABEL_SIZES = (7.0, 6.2, 5.5, 5.0)
    """Point sizes tried for a grid's name (code and households one point smaller)."""

    def labels(self, mf: MapFrame) -> None:
        """Name, code and households inside each grid, at one size for most grids of the
        sheet (the size at which three in five fit, so the map reads evenly), smaller where a
        grid needs it; a grid too small even at 5 pt shows its number (序号), as in the table.
        """
        p = self.paper
        s = self.plan.sheet
        to_m = 1.0 / mf.mm_per_m
        placed: list[tuple[object, object, list, float, float, int | None]] = []
        for i, g in enumerate(s.grids, start=1):
            geom = g.geometry
            if geom is None or geom.is_empty:
                continue
            seq = grid_sequence(g, s.unit.code, i)
            pt, radius = _pole(geom)
            hh = "" if g.households is None else st("households", n=g.households)
            best = None
            blocks = []
            for k, name_pt in enumerate(self.LABEL_SIZES):
                small = name_pt - 1.0
                lines = [(f"{seq} {g.name}", name_pt, True), (g.code, small, False)]
                if hh:
                    lines.append((hh, small, False))
                w = max(p.text_width(t, sz, b) for t, sz, b in lines) + 1.0
                h = sum(p.line_height(sz, b) for _, sz, b in lines)
                blocks.append((lines, w, h))
                if best is None and _fits(geom, pt, radius, w * to_m, h * to_m):
                    best = k
            placed.append((seq, pt, blocks, 0.0, 0.0, best))
        fitted = sorted(b for *_, b in placed if b is not None)
        common = fitted[int(0.6 * (len(fitted) - 1))] if fitted else 0
        for seq, pt, blocks, _w, _h, best in placed:
            if best is None:
                w = p.text_width(str(seq), 6.5, True) + 1.2
                self._text_block(mf, pt, [(str(seq), 6.5, True)], w,
                                 p.line_height(6.5, True))
                continue
            lines, w, h = blocks[max(best, common)]
            self._text_block(mf, pt, lines, w, h)

    def _text_block(self, mf: MapFrame, pt, lines, w: float, h: float) -> None:
        mx, my = mf.to_mm(pt.x, pt.y)
        y = my - h / 2
        for text, size, bold in lines:
            lh = self.paper.line_height(size, bold)
            _halo_text(self.paper, mx - w / 2, y, w, lh, text, size, bold)
            y += lh

    # -- panel -------------------------------------------------------------------------------
    def panel(self) -> None:
        plan = self.plan
        p = self.paper
        s = plan.sheet
        x, y, w, h = plan.panel_box
        if plan.page.landscape:
            y += self.facts(x, y, w)
            y += 2
            y += heading(p, x, y, w, st("heading_legend"))
            legend(p, x, y, w, _legend_items(s, self.ds.catalogue))
        else:
            half = w * 0.5
            yy = y + self.facts(x, y, half)
            yy += 1
            yy += heading(p, x, yy, half, st("heading_legend"))
            legend(p, x, yy, half, _legend_items(s, self.ds.catalogue), columns=3,
                   size_pt=6.0)
        self.check_summary(*_check_box(p, plan, self.ds.catalogue))

    def facts(self, x: float, y: float, w: float) -> float:
        p = self.paper
        s = self.plan.sheet
        used = heading(p, x, y, w, st("heading_facts"))
        lh = FACT_LH
        cov = "—" if math.isnan(s.coverage) else f"{s.coverage * 100:.1f}%"
        facts = [(st("fact_grids"), st("fact_grids_value", n=len(s.grids))),
                 (st("fact_households"), f"{s.households}"),
                 (st("fact_population"), f"{s.population}"), (st("fact_coverage"), cov),
                 (st("fact_state"), st("state_locked" if s.locked else "state_editing"))]
        if not self.plan.table_rows:
            facts.append((st("fact_table"),
                          st("fact_table_value", page=self.plan.first_page + 1)))
        half = w / 2
        for i, (label, value) in enumerate(facts):
            col, row = (i % 2, i // 2)
            fx = x + col * half
            fy = y + used + row * lh
            p.text(fx, fy, 12, lh, label, 6.5, color=GREY)
            p.text(fx + 12, fy, half - 12, lh, value, 7)
        return _facts_height()

    def check_summary(self, x: float, y: float, w: float, h: float) -> None:
        p = self.paper
        s = self.plan.sheet
        y0 = y
        y += heading(p, x, y, w, st("heading_check"))
        if s.errors or s.warnings:
            p.text(x, y, w, 4, st("check_open", errors=s.errors, warnings=s.warnings), 7, True,
                   color=RED if s.errors else QColor("#b26a00"))
        else:
            p.text(x, y, w, 4, st("check_clean"), 7, True, color=GREEN)
        y += p.line_height(7, True) + 0.5
        if s.accepted:
            p.text(x, y, w, 4, st("check_accepted", n=len(s.accepted)), 6.5, color=GREY)
            y += p.line_height(6.5) + 0.5
        lines = s.open_findings + s.accepted
        shown = self.plan.findings_shown
        size = 6.3
        for i, f in enumerate(lines[:shown], start=1):
            if f.accepted and (i == 1 or not lines[i - 2].accepted):
                p.text(x, y, w, 4, st("accepted_heading"), 7, True, color=GREY)
                y += p.line_height(7, True) + 1
            color = GREY if f.accepted else (RED if f.severity == ERROR else INK)
            y += p.lines(x + 1, y, w - 2, p.wrap(_finding_text(f, i), w - 2, size), size,
                         color=color)
        if shown < len(lines):
            rest = len(lines) - shown
            p.text(x, min(y, y0 + h - 4), w, 4, st("rest_overleaf", n=rest), 6.5, True,
                   color=RED)


# -- shared map drawing ------------------------------------------------------------------------

class BaseIndex:
    """Spatial trees of the base layers by role, built once per document (a street atlas
    queries them once per page)."""

    ROLES = ("water", "buildings", "roads")

    def __init__(self, dataset: Dataset) -> None:
        self.layers = {}
        for role in self.ROLES:
            layer = dataset.base(role)
            if layer is None:
                continue
            geoms = np.asarray(layer.geometries, dtype=object)
            self.layers[role] = (layer, geoms, shapely.STRtree(geoms))

    def query(self, role: str, box) -> tuple[np.ndarray, list[dict]]:
        entry = self.layers.get(role)
        if entry is None:
            return np.empty(0, dtype=object), []
        layer, geoms, tree = entry
        idx = np.sort(tree.query(box))
        return geoms[idx], [layer.attributes[i] if i < len(layer.attributes) else {}
                            for i in idx]


ROAD_WIDTHS = {"主干道": 0.9, "次干道": 0.6, "支路": 0.35}  # i18n: ok - road classes (data)


def draw_base(mf: MapFrame, base: BaseIndex, box, outlines_only: bool = False) -> None:
    water, _ = base.query("water", box)
    mf.fill(water, None if outlines_only else QColor("#cfe2f3"), QColor("#9cc3e6"), 0.15)
    buildings, _ = base.query("buildings", box)
    mf.fill(buildings, None if outlines_only else QColor("#e4e1da"),
            QColor("#ffffff" if outlines_only else "#b9b4aa"), 0.08)
    roads, attrs = base.query("roads", box)
    if len(roads) and not outlines_only:
        classes = np.asarray([a.get("class") or "" for a in attrs], dtype=object)
        for cls in ("支路", "", "次干道", "主干道"):  # i18n: ok - road classes (data)
            sel = roads[classes == cls] if cls else roads[~np.isin(classes, list(ROAD_WIDTHS))]
            width = ROAD_WIDTHS.get(cls, 0.35)
            if len(sel):
                mf.lines(sel, QColor("#a39c8c"), width + 0.25)
                mf.lines(sel, QColor("#f7f5f0"), width)


def _label_point(geom):
    if geom.geom_type == "MultiPolygon":
        geom = max(geom.geoms, key=lambda g: g.area)
    if geom.geom_type != "Polygon":
        return geom.representative_point()
    try:
        return shapely.polylabel(geom, tolerance=max(0.5, math.sqrt(geom.area) / 200))
    except Exception:  # noqa: BLE001 - degenerate shapes: any interior point will do
        return geom.representative_point()


def _pole(geom):
    pt = _label_point(geom)
    return pt, geom.boundary.distance(pt)


def _fits(geom, pt, radius: float, w: float, h: float) -> bool:
    if math.hypot(w, h) / 2 <= radius:
        return True
    if min(w, h) / 2 > radius:
        return False
    return geom.contains(shapely.box(pt.x - w / 2, pt.y - h / 2, pt.x + w / 2, pt.y + h / 2))


def _halo_text(paper: Paper, x: float, y: float, w: float, h: float, text: str, size: float,
               bold: bool) -> None:
    """Text on a soft white backing so it reads over fills, building outlines and hatching.
    A backing box, not a glyph-outline halo: outlines of every label's glyphs made a page
    forty times larger (3.9 MB instead of 90 KB for a unit of 58 grids)."""
    tw = paper.text_width(text, size, bold)
    bw = min(w, tw + 0.8)
    paper.p.setPen(Qt.PenStyle.NoPen)
    paper.p.setBrush(QColor(255, 255, 255, 150))
    r = paper.d(0.6)
    paper.p.drawRoundedRect(paper.rect(x + (w - bw) / 2, y + h * 0.08, bw, h * 0.84), r, r)
    paper.text(x, y, w, h, text, size, bold, align=Qt.AlignmentFlag.AlignCenter)
