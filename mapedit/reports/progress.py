"""The monthly progress table (月度计划推进表) and coverage over time.

Seed 000 tracks the work month by month; the 工作专班 reports on units that lag behind. The
table has one row per management unit (grids, coverage, households, open errors, locked, last
edit and by whom) with a subtotal per responsibility grid and the street total, in CSV (UTF-8
with BOM, so Excel shows the Chinese) and XLSX. Unit figures come from
``project.unit_progress`` (the same numbers as the editor's unit tree).

Coverage over time is rebuilt from the edit log: starting from the grids as they are now, the
log is replayed backwards day by day (each entry holds the geometry before and after), and only
the units an edit touched are re-measured. Grids that were never edited in the log (imported
or generated before the log began) count from their ``created`` time.
"""

from __future__ import annotations

import csv
import io
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely

from mapedit.model.dataset import Dataset
from mapedit.rules.findings import ERROR, Finding

HEADERS: tuple[str, ...] = ("责任网格", "管理单元", "单元编码", "类型", "微网格数", "覆盖率 %",
                            "户数", "人口", "错误数", "警告数", "已锁定", "最后编辑", "编辑人")


@dataclass
class ProgressRow:
    kind: str
    """``unit``, ``subtotal`` (a responsibility grid) or ``total`` (the street)."""
    responsibility_grid: str
    name: str
    code: str
    unit_type: str
    grids: int
    coverage: float
    """0..1 (area-weighted for subtotals and the total); NaN when unknown."""
    households: int
    population: int
    errors: int
    warnings: int
    locked: str
    """``是``/``否`` for a unit; ``k/n`` for subtotals."""
    last_edit: str
    editor: str

    def cells(self) -> list:
        cov = "" if math.isnan(self.coverage) else round(self.coverage * 100, 1)
        return [self.responsibility_grid, self.name, self.code, self.unit_type, self.grids, cov,
                self.households, self.population, self.errors, self.warnings, self.locked,
                self.last_edit, self.editor]


def last_edits(edit_log: Sequence[dict]) -> dict[str, tuple[str, str]]:
    """Unit code → (time, who) of its newest edit in ``edit_log`` (newest first)."""
    out: dict[str, tuple[str, str]] = {}
    for e in edit_log:
        for attrs in (e.get("after_attrs"), e.get("before_attrs")):
            unit = (attrs or {}).get("unit_code")
            if unit and unit not in out:
                out[unit] = (str(e.get("at") or ""), str(e.get("who") or ""))
    return out


def progress_rows(dataset: Dataset, findings: Sequence[Finding],
                  edit_log: Sequence[dict] = ()) -> list[ProgressRow]:
    """Unit rows grouped by responsibility grid, each group followed by its subtotal, then the
    street total."""
    from mapedit.project import unit_progress

    prog = unit_progress(dataset, list(findings))
    warnings = dict.fromkeys(dataset.units, 0)
    for f in findings:
        if f.unit in warnings and f.severity != ERROR and not f.accepted:
            warnings[f.unit] += 1
    population = dict.fromkeys(dataset.units, 0)
    for g in dataset.grids.values():
        if g.unit_code in population:
            population[g.unit_code] += g.population or 0
    edits = last_edits(edit_log)
    groups: dict[str, list[str]] = {}
    for code in sorted(dataset.units):
        groups.setdefault(dataset.units[code].responsibility_grid, []).append(code)
    rows: list[ProgressRow] = []
    totals: list[ProgressRow] = []
    for rg_code in sorted(groups):
        rg = dataset.responsibility_grids.get(rg_code)
        rg_name = rg.name if rg else rg_code
        unit_rows = []
        for code in groups[rg_code]:
            u = dataset.units[code]
            p = prog[code]
            at, who = edits.get(code, ("", ""))
            unit_rows.append(ProgressRow("unit", rg_name, u.name, code, u.unit_type, p.grids,
                                         p.coverage, p.households, population[code], p.errors,
                                         warnings[code], "是" if u.locked else "否",
                                         at.replace("T", " ")[:16], who))
        rows += unit_rows
        sub = _sum("subtotal", rg_name, f"{rg_name} 小计", rg_code, unit_rows, dataset)
        rows.append(sub)
        totals.append(sub)
    street = dataset.street
    name = street.name if street else ""
    unit_rows = [r for r in rows if r.kind == "unit"]
    rows.append(_sum("total", "", f"{name} 合计", street.code if street else "", unit_rows,
                     dataset))
    return rows


def progress_title(dataset: Dataset) -> str:
    """The report's title: the street's name and 微网格划分月度推进表."""
    return f"{dataset.street.name if dataset.street else ''}微网格划分月度推进表"


def _sum(kind: str, rg: str, name: str, code: str, rows: list[ProgressRow],
         dataset: Dataset) -> ProgressRow:
    area = covered = 0.0
    for r in rows:
        geom = dataset.units[r.code].geometry
        a = geom.area if geom is not None else 0.0
        area += a
        if not math.isnan(r.coverage):
            covered += a * r.coverage
    latest = max(rows, key=lambda r: r.last_edit, default=None)
    locked = sum(1 for r in rows if r.locked == "是")
    return ProgressRow(kind, rg, name, code, "", sum(r.grids for r in rows),
                       covered / area if area > 0 else float("nan"),
                       sum(r.households for r in rows), sum(r.population for r in rows),
                       sum(r.errors for r in rows), sum(r.warnings for r in rows),
                       f"{locked}/{len(rows)}", latest.last_edit if latest else "",
                       latest.editor if latest else "")


# -- coverage over time ------------------------------------------------------------------------

@dataclass
class CoveragePoint:
    day: str
    """YYYY-MM-DD: the state at the end of that day."""
    coverage: float
    grids: int


def coverage_history(dataset: Dataset, edit_log: Sequence[dict],
                     max_points: int = 120) -> list[CoveragePoint]:
    """Street coverage at the end of each day with edits (newest last). ``edit_log`` is the
    whole log, newest first (``store.edit_log(n)``)."""
    units = {c: u.geometry for c, u in dataset.units.items()
             if u.geometry is not None and not u.geometry.is_empty}
    total_area = sum(g.area for g in units.values())
    if total_area <= 0:
        return []
    state: dict[int, tuple[object, str]] = {
        fid: (g.geometry, g.unit_code) for fid, g in dataset.grids.items()
        if g.geometry is not None and not g.geometry.is_empty}
    created = {fid: (g.created or "")[:10] for fid, g in dataset.grids.items()}

    covered: dict[str, float] = {}
    # Replaying a district's history re-measures thousands of units a day; most of those are
    # the same grids less a few. Each grid's area inside its unit is measured once, and a set
    # of grids whose union inside the unit equals the sum of those areas (no two share area)
    # is remembered: any subset of it is measured by adding, without another union.
    inside: dict[tuple[int, str], float] = {}  # (id of a geometry, unit) -> area in the unit
    disjoint: dict[str, list[frozenset[int]]] = {}  # unit -> sets of geometry ids
    alive: list[object] = []  # the measured geometries, so that no id is reused

    def areas_inside(c: str, geoms: list) -> list[float]:
        todo = [g for g in geoms if (id(g), c) not in inside]
        if todo:
            try:
                got = shapely.area(shapely.intersection(np.asarray(todo, dtype=object),
                                                        units[c]))
            except shapely.errors.GEOSException:
                got = [float("nan")] * len(todo)
            for g, a in zip(todo, got, strict=True):
                inside[(id(g), c)] = float(a)
            alive.extend(todo)
        return [inside[(id(g), c)] for g in geoms]

    def measure(codes) -> None:
        by_unit: dict[str, list] = {c: [] for c in codes}
        for geom, unit in state.values():
            if unit in by_unit:
                by_unit[unit].append(geom)
        for c in codes:
            geoms = by_unit[c]
            if not geoms or c not in units:
                covered[c] = 0.0
                continue
            parts = areas_inside(c, geoms)
            total = sum(parts)
            ids = frozenset(id(g) for g in geoms)
            if not math.isnan(total) and any(ids <= known for known in disjoint.get(c, ())):
                covered[c] = total
                continue
            try:
                union = shapely.union_all(np.asarray(geoms, dtype=object))
                covered[c] = union.intersection(units[c]).area
            except shapely.errors.GEOSException:
                covered[c] = 0.0
                continue
            if abs(covered[c] - total) <= 1e-6 + 1e-9 * total:  # NaN never passes
                disjoint.setdefault(c, []).append(ids)

    measure(list(units))
    points: list[CoveragePoint] = []

    def snapshot(day: str) -> None:
        share = min(1.0, sum(covered.values()) / total_area)
        points.append(CoveragePoint(day, share, len(state)))

    entries = sorted(edit_log, key=lambda e: (str(e.get("at") or ""), e.get("id") or 0),
                     reverse=True)
    if not entries:
        snapshot(_today())
    day = None
    touched: set[str] = set()
    for e in entries:
        d = str(e.get("at") or "")[:10]
        if d != day:
            # every later edit is reverted: this is the state at the end of day d
            measure(touched & set(units))
            touched.clear()
            snapshot(d)
            day = d
        fid = e.get("fid")
        before_attrs = e.get("before_attrs") or {}
        for attrs in (before_attrs, e.get("after_attrs") or {}):
            if attrs.get("unit_code"):
                touched.add(attrs["unit_code"])
        geom = e.get("before_geom")
        if geom is None or geom.is_empty:
            state.pop(fid, None)
        else:
            state[fid] = (geom, before_attrs.get("unit_code", ""))
            created[fid] = str(before_attrs.get("created") or "")[:10]
    measure(touched & set(units))
    # before the log: grids count from their creation day (imported or generated grids)
    oldest = points[-1].day
    # (what is left in ``state`` existed before the log's first entry)
    for d in sorted({created[f] for f in state if created.get(f)}, reverse=True):
        if d >= oldest:
            continue
        gone = [f for f in state if created.get(f, "") > d]
        for f in gone:
            touched.add(state.pop(f)[1])
        measure(touched & set(units))
        touched.clear()
        snapshot(d)
    points.reverse()
    if len(points) > max_points:
        step = len(points) / max_points
        keep = sorted({int(i * step) for i in range(max_points)} | {len(points) - 1})
        points = [points[i] for i in keep]
    return points


def _today() -> str:
    from datetime import date

    return date.today().isoformat()


# -- writing -----------------------------------------------------------------------------------

def write_csv(rows: Sequence[ProgressRow], out: str | os.PathLike) -> None:
    """UTF-8 with BOM (Excel on Windows reads it as UTF-8), CRLF line ends."""
    from mapedit.reports.output import atomic_path

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(HEADERS)
    for r in rows:
        w.writerow(r.cells())
    with atomic_path(out, ".csv") as tmp:
        Path(tmp).write_bytes(buf.getvalue().encode("utf-8-sig"))


def write_xlsx(rows: Sequence[ProgressRow], out: str | os.PathLike,
               history: Sequence[CoveragePoint] = (), chart_png: bytes | None = None,
               chart_size: tuple[int, int] = (0, 0), title: str = "") -> None:
    """The table (subtotal and total rows bold), and a second sheet with coverage by day: a
    native Excel line chart, plus ``chart_png`` when given."""
    from openpyxl import Workbook
    from openpyxl.chart import LineChart, Reference
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    from mapedit.reports.output import atomic_path

    wb = Workbook()
    ws = wb.active
    ws.title = "月度推进表"
    ws.append([title or "微网格划分月度推进表"])
    ws["A1"].font = Font(size=14, bold=True)
    ws.append(list(HEADERS))
    for c in range(1, len(HEADERS) + 1):
        cell = ws.cell(row=2, column=c)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DCE6F1")
        cell.alignment = Alignment(horizontal="center")
    sub_fill = PatternFill("solid", fgColor="F2F2F2")
    for n, r in enumerate(rows, start=3):  # ws.max_row scans every cell: not per row
        ws.append(r.cells())
        if r.kind != "unit":
            for c in range(1, len(HEADERS) + 1):
                cell = ws.cell(row=n, column=c)
                cell.font = Font(bold=True)
                cell.fill = sub_fill
    widths = (14, 18, 15, 6, 9, 9, 9, 9, 8, 8, 8, 17, 14)
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.freeze_panes = "C3"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "2:2"

    hs = wb.create_sheet("覆盖率变化")
    hs.append(["日期", "覆盖率 %", "微网格数"])
    for p in history:
        hs.append([p.day, round(p.coverage * 100, 1), p.grids])
    hs.column_dimensions["A"].width = 12
    if history:
        chart = LineChart()
        chart.title = "街道微网格覆盖率"
        chart.y_axis.title = "覆盖率 %"
        chart.y_axis.scaling.min = 0
        chart.y_axis.scaling.max = 100
        chart.x_axis.title = "日期"
        data = Reference(hs, min_col=2, min_row=1, max_row=len(history) + 1)
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(Reference(hs, min_col=1, min_row=2, max_row=len(history) + 1))
        chart.height, chart.width = 8, 16
        hs.add_chart(chart, "E2")
    if chart_png:
        img = _PngImage(chart_png, *chart_size)
        hs.add_image(img, "E20")
    with atomic_path(out, ".xlsx") as tmp:
        wb.save(tmp)


def _png_image_class():
    from openpyxl.drawing.image import Image

    class PngImage(Image):
        """An image from PNG bytes whose size we know (openpyxl's own class needs Pillow
        only to learn the size and format)."""

        def __init__(self, data: bytes, width: int, height: int) -> None:
            self.ref = None
            self._png = data
            self.width, self.height = width, height
            self.format = "png"

        def _data(self) -> bytes:
            return self._png

    return PngImage


def _PngImage(data: bytes, width: int, height: int):  # noqa: N802 - a class factory
    return _png_image_class()(data, width, height)
