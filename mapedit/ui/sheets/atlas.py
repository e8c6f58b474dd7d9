"""Sign-off sheets as one PDF: the street overview with the unit index, then each unit's sheet.

``write_sheets`` is what ``mapedit sheets`` and 文件 → 打印/导出图纸 call. It plans every page
first (orientation per unit, table continuation, page numbers for the index), paints them with
``QPdfWriter``/``QPainter`` at 1200 dpi as vectors and real text in an embedded CJK font, then
repairs the PDF's text map (``pdf_text.fix_pdf``) and adds one bookmark per unit. The file
appears under its name only when complete.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from mapedit.errors import InputError, MapeditError
from mapedit.model.dataset import Dataset
from mapedit.reports.output import atomic_path
from mapedit.reports.sheet_content import (
    StreetOverview,
    UnitSheet,
    project_revision,
    street_overview,
    unit_sheets,
)
from mapedit.reports.sheet_text import st
from mapedit.rules.findings import Finding

DPI = 1200
PAPERS = ("A4", "A3")
PREVIEW_TILES_WAIT = 2.0
"""Seconds the dialog's page preview waits for online tiles (the PDF: the render timeout)."""

_app = None


def ensure_gui_app():
    """Painting text needs a Qt application object. The CLI has none: create one, offscreen
    on a Linux machine without a display (servers, CI). A QApplication, not a bare
    QGuiApplication: the process may show widgets later (the GUI, tests), and Qt cannot
    upgrade the one application object it allows."""
    global _app
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QApplication

    app = QCoreApplication.instance()
    if app is not None:
        return app
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY")
                                                  or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    _app = QApplication(["mapedit"])
    return _app


@dataclass
class SheetsResult:
    path: Path
    pages: int
    units: list[str]
    font: str | None
    page_sizes: list[tuple[str, bool]] = field(default_factory=list)
    """``(paper, landscape)`` of every page, in order."""
    imagery_problems: list[tuple[str, str]] = field(default_factory=list)
    """(zh, en) of imagery that could not be printed in full (tiles that did not arrive);
    the pages concerned say so on their map."""


Progress = Callable[[int, int], None]


def write_sheets(dataset: Dataset, findings: Sequence[Finding], out: str | os.PathLike,
                 codes: Sequence[str] | None = None, paper: str = "A4",
                 overview: bool | None = None, version: str = "", revision: int = 0,
                 today: str | None = None, progress: Progress | None = None,
                 project_path: str | os.PathLike | None = None,
                 imagery=None) -> SheetsResult:
    """Write the sheets of ``codes`` (all units when None) to ``out``.

    ``overview`` (default: when no units were chosen) puts the street page with the unit
    index first. ``progress(done, total)`` is called after each page. ``imagery``: the
    :class:`~mapedit.ui.canvas.imagery_context.ImageryContext` tile layers are drawn with
    (default: the project's, with the user's 天地图 key and tile cache)."""
    paper = (paper or "A4").upper()
    if paper not in PAPERS:
        raise InputError(f"不支持的纸张 {paper}(可选 A4、A3)",  # i18n: ok - bilingual error
                         f"unsupported paper size {paper} (A4 or A3)")
    if not dataset.units:
        raise InputError("项目中没有管理单元,无法出图",  # i18n: ok - bilingual error
                         "the project has no management units")
    ensure_gui_app()
    from PySide6.QtCore import QMarginsF
    from PySide6.QtGui import QPageLayout, QPageSize, QPainter, QPdfWriter

    from mapedit.ui.sheets.layout import FONT_SCALE
    from mapedit.ui.sheets.overview import OverviewPainter, plan_overview
    from mapedit.ui.sheets.paper import Paper, sheet_font_family
    from mapedit.ui.sheets.pdf_text import fix_pdf, radical_map
    from mapedit.ui.sheets.unit_page import BaseIndex, UnitPainter, plan_unit

    with_overview = (codes is None) if overview is None else overview
    sheets: list[UnitSheet] = unit_sheets(dataset, list(findings),
                                          None if codes is None else list(codes),
                                          version=version, revision=revision, today=today)
    ov: StreetOverview | None = None
    if with_overview:
        ov = street_overview(dataset, list(findings), sheets, version=version,
                             revision=revision, today=today)
    family = sheet_font_family()
    out = Path(out)
    page_ids = {"A4": QPageSize.PageSizeId.A4, "A3": QPageSize.PageSizeId.A3}

    with atomic_path(out, ".pdf") as final_tmp, _scratch(out) as qt_tmp:
        writer = QPdfWriter(str(qt_tmp))
        writer.setResolution(DPI)
        writer.setCreator("mapedit")
        if ov is not None:
            title = st("atlas_title", street=ov.street_name)
        else:
            names = st("list_sep").join(s.unit.name for s in sheets[:3])
            title = st("units_title",
                       names=names + (st("units_more") if len(sheets) > 3 else ""))
        writer.setTitle(title)
        pp = Paper(writer, DPI, family, FONT_SCALE[paper])
        base = BaseIndex(dataset)

        # -- plan every page ---------------------------------------------------------------
        ov_plan = plan_overview(pp, ov, dataset, paper) if ov is not None else None
        plans = [plan_unit(pp, s, paper, dataset.catalogue) for s in sheets]
        page = (ov_plan.pages if ov_plan else 0) + 1
        for plan in plans:
            plan.first_page = page
            page += plan.pages
        total = page - 1
        if ov is not None:
            first = {p.sheet.unit.code: p.first_page for p in plans}
            for row in ov.rows:
                row.page = first.get(row.unit.code, 0)
            ov_plan = plan_overview(pp, ov, dataset, paper)  # index now shows page numbers

        pages: list[tuple[str, bool, Callable[[], None]]] = []
        outline: list[tuple[str, int]] = []
        problems: list[tuple[str, str]] = []  # imagery not printed in full, every page

        def imagery_context(ctx: dict) -> None:
            ctx["project_path"] = project_path
            ctx["imagery_problems"] = problems
            if imagery is not None:
                ctx["imagery"] = imagery
        if ov_plan is not None:
            op = OverviewPainter(pp, dataset, ov_plan, total, base)
            imagery_context(op.context)
            outline.append((st("bookmark_overview", street=ov.street_name),  # type: ignore[union-attr]
                            0))
            pages.append((paper, True, op.first_page))
            for i in range(ov_plan.pages - 1):
                pages.append((paper, True, lambda i=i, op=op: op.continuation(i)))
        for plan in plans:
            up = UnitPainter(pp, dataset, plan, total, base)
            imagery_context(up.context)
            outline.append((f"{plan.sheet.index}. {plan.sheet.unit.name}({plan.sheet.unit.code})",
                            len(pages)))
            pages.append((paper, plan.page.landscape, up.first_page))
            for i in range(len(plan.continuation)):
                pages.append((paper, plan.page.landscape,
                              lambda i=i, up=up: up.continuation(i)))

        # -- paint -------------------------------------------------------------------------
        def layout(size: str, landscape: bool) -> QPageLayout:
            orient = (QPageLayout.Orientation.Landscape if landscape
                      else QPageLayout.Orientation.Portrait)
            return QPageLayout(QPageSize(page_ids[size]), orient, QMarginsF(0, 0, 0, 0))

        writer.setPageLayout(layout(pages[0][0], pages[0][1]))
        painter = QPainter()
        if not painter.begin(writer):
            raise MapeditError(f"无法写入 PDF 文件 {out}",  # i18n: ok - bilingual error
                               f"cannot write the PDF file {out}")
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            pp.begin(painter)
            for i, (size, landscape, paint) in enumerate(pages):
                if i:
                    writer.setPageLayout(layout(size, landscape))
                    writer.newPage()
                painter.save()
                paint()
                painter.restore()
                if progress is not None:
                    progress(i + 1, len(pages))
        finally:
            painter.end()
        radicals = radical_map([family] if family else [])
        fix_pdf(qt_tmp, final_tmp, radicals, outline, title,
                {"/Subject": st("pdf_subject"),
                 "/Keywords": " ".join(s.unit.code for s in sheets[:200])})
    return SheetsResult(out, len(pages), [s.unit.code for s in sheets], family,
                        [(s, ls) for s, ls, _ in pages], list(dict.fromkeys(problems)))


@contextlib.contextmanager
def _scratch(near: Path):
    """A temporary file beside ``near`` for Qt's raw PDF, always removed afterwards."""
    fd, name = tempfile.mkstemp(prefix=f".{near.stem}.", suffix=".qt.pdf",
                                dir=near.parent if str(near.parent) else ".")
    os.close(fd)
    try:
        yield Path(name)
    finally:
        with contextlib.suppress(OSError):
            Path(name).unlink()


def write_project_sheets(project, out: str | os.PathLike, codes: Sequence[str] | None = None,
                         paper: str = "A4", progress: Progress | None = None,
                         imagery=None) -> SheetsResult:
    """:func:`write_sheets` for an open :class:`mapedit.project.Project` (its findings, its
    edit revision)."""
    return write_sheets(project.dataset, list(project.findings), out, codes, paper,
                        revision=project_revision(project.store), progress=progress,
                        project_path=project.path, imagery=imagery)


def preview_image(dataset: Dataset, findings: Sequence[Finding], code: str | None,
                  paper: str = "A4", dpi: float = 60.0, revision: int = 0):
    """Page 1 of a unit's sheet (``code``) or of the street atlas (None) as a QImage, painted
    by the same code as the PDF (for the dialog's preview)."""
    ensure_gui_app()
    from PySide6.QtGui import QColor, QImage, QPainter

    from mapedit.ui.sheets.layout import FONT_SCALE
    from mapedit.ui.sheets.overview import OverviewPainter, plan_overview
    from mapedit.ui.sheets.paper import Paper, sheet_font_family
    from mapedit.ui.sheets.unit_page import BaseIndex, UnitPainter, plan_unit

    paper = (paper or "A4").upper()
    family = sheet_font_family()
    probe = QImage(8, 8, QImage.Format.Format_RGB32)
    dpm = round(dpi / 0.0254)
    probe.setDotsPerMeterX(dpm)
    probe.setDotsPerMeterY(dpm)
    pp = Paper(probe, dpi, family, FONT_SCALE[paper])
    base = BaseIndex(dataset)
    if code is None:
        sheets = unit_sheets(dataset, list(findings), revision=revision)
        ov = street_overview(dataset, list(findings), sheets, revision=revision)
        plan = plan_overview(pp, ov, dataset, paper)
        page = plan.page
        painter_obj = OverviewPainter(pp, dataset, plan, 1 + len(sheets), base)
    else:
        sheet = unit_sheets(dataset, list(findings), [code], revision=revision)[0]
        uplan = plan_unit(pp, sheet, paper, dataset.catalogue)
        uplan.first_page = 1
        page = uplan.page
        painter_obj = UnitPainter(pp, dataset, uplan, uplan.pages, base)
    # the dialog's preview is painted on the GUI thread: tiles only briefly waited for (the
    # PDF waits for them in full)
    painter_obj.context["tiles_wait"] = PREVIEW_TILES_WAIT
    img = QImage(round(page.w / 25.4 * dpi), round(page.h / 25.4 * dpi),
                 QImage.Format.Format_RGB32)
    img.setDotsPerMeterX(dpm)
    img.setDotsPerMeterY(dpm)
    img.fill(QColor("white"))
    pp.device = img
    pp._metrics.clear()
    pp._advances.clear()
    painter = QPainter(img)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        pp.begin(painter)
        painter_obj.first_page()
    finally:
        painter.end()
    return img
