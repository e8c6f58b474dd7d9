"""The paper-trail windows (offscreen): sheets dialog with preview, information-table import
preview with undo through the command stack, progress window; and their translations."""

from __future__ import annotations

import ast
import xml.etree.ElementTree as ET
from pathlib import Path

from openpyxl import load_workbook
from PySide6.QtCore import Qt

from mapedit.reports.xlsx_table import DATA_SHEET, FIRST_ROW, export_table

SHOTS = Path("build/screenshots")
UNIT = "310118005014"


def _shot(widget, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    widget.grab().save(str(SHOTS / name))


def test_sheets_dialog_previews_and_exports(qtbot, demo_project, tmp_path):
    from mapedit.ui.sheets.dialogs import SheetsDialog

    dlg = SheetsDialog(demo_project, current_unit=UNIT)
    qtbot.addWidget(dlg)
    dlg.show()
    assert dlg.selected_units() == [UNIT]
    assert dlg.preview.pixmap() is not None and not dlg.preview.pixmap().isNull()
    _shot(dlg, "sheets_dialog.png")
    dlg.paper.setCurrentText("A3")
    out = tmp_path / "图纸.pdf"
    assert dlg.export_to(out)
    assert out.read_bytes().startswith(b"%PDF")
    assert dlg.last_result.units == [UNIT] and dlg.last_result.page_sizes[0][0] == "A3"
    dlg.atlas.setChecked(True)
    assert dlg.selected_units() is None and not dlg.units.isEnabled()
    dlg.chosen.setChecked(True)
    for i in range(dlg.units.count()):
        dlg.units.item(i).setCheckState(Qt.CheckState.Unchecked)
    assert not dlg.export_button.isEnabled()


def test_table_import_dialog_previews_then_applies_one_undoable_edit(qtbot, demo_project,
                                                                     tmp_path):
    from PySide6.QtGui import QUndoStack

    from mapedit.ui.commands import ChangeSetCommand
    from mapedit.ui.sheets.dialogs import TableImportDialog

    path = tmp_path / "t.xlsx"
    export_table(demo_project.dataset, path, [UNIT])
    wb = load_workbook(path)
    ws = wb[DATA_SHEET]
    code = ws.cell(row=FIRST_ROW, column=1).value
    ws.cell(row=FIRST_ROW, column=3, value="改名微网格")
    ws.cell(row=FIRST_ROW, column=13, value="网格长甲")
    wb.save(path)
    dlg = TableImportDialog(demo_project, path)
    qtbot.addWidget(dlg)
    dlg.show()
    _shot(dlg, "table_import_dialog.png")
    assert dlg.apply_button.isEnabled() and dlg.table.rowCount() == 2
    stack = QUndoStack()
    stack.push(ChangeSetCommand(demo_project, dlg.imported.changeset))
    grid = next(g for g in demo_project.dataset.grids.values() if g.code == code)
    assert (grid.name, grid.grid_leader) == ("改名微网格", "网格长甲")
    stack.undo()
    grid = next(g for g in demo_project.dataset.grids.values() if g.code == code)
    assert grid.name != "改名微网格" and grid.grid_leader == ""

    ws.cell(row=FIRST_ROW, column=6, value="很多")
    wb.save(path)
    bad = TableImportDialog(demo_project, path)
    qtbot.addWidget(bad)
    assert bad.imported is None and not bad.apply_button.isEnabled()
    assert any("很多" in bad.table.item(i, 0).text() for i in range(bad.table.rowCount()))


def test_progress_window(qtbot, demo_project, tmp_path):
    from mapedit.ui.sheets.dialogs import ProgressWindow

    win = ProgressWindow(demo_project)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    _shot(win, "progress_window.png")
    assert win.table.rowCount() == len(demo_project.dataset.units) + len(
        demo_project.dataset.responsibility_grids) + 1
    assert win.history and len(win.curve.getData()[0]) == len(win.history)
    assert win.save_to(tmp_path / "p.xlsx") and (tmp_path / "p.xlsx").exists()
    assert win.save_to(tmp_path / "p.csv") and (tmp_path / "p.csv").exists()


def test_every_paper_window_string_is_translated():
    from mapedit.ui import i18n

    folder = Path(i18n.__file__).resolve().parent / "sheets"
    sources: set[str] = set()
    for f in folder.glob("*.py"):
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "tr" and node.args
                    and isinstance(node.args[0], ast.Constant)):
                sources.add(node.args[0].value)
    from mapedit.reports.progress import HEADERS

    sources |= set(HEADERS)
    root = ET.parse(i18n.ts_path("en")).getroot()
    done = {m.findtext("source") for m in root.iter("message")
            if m.find("translation") is not None and m.find("translation").text}
    assert sources and not sorted(sources - done), sorted(sources - done)


def test_file_menu_paper_actions(qtbot, main_window, tmp_path):
    """文件 menu: the entries exist; the information table goes in as ONE undo step; the
    comparison with an earlier export shows a temporary layer on the map."""
    from mapedit.io.exchange import write_exchange

    w = main_window
    texts = [a.text() for a in w.menu_file.actions()]
    for act in w.paper.actions:
        assert act.text() in texts
    c = w.controller
    c.wait_for_check()
    c.set_current_unit(UNIT)
    path = tmp_path / "表.xlsx"
    assert w.paper.export_table(str(path))
    wb = load_workbook(path)
    ws = wb[DATA_SHEET]
    code = ws.cell(row=FIRST_ROW, column=1).value
    ws.cell(row=FIRST_ROW, column=3, value="菜单导入的名字")
    wb.save(path)
    before = w.undo_stack.count()
    assert w.paper.import_table(str(path), confirm=False) is not None
    assert w.undo_stack.count() == before + 1
    names = {g.code: g.name for g in c.project.dataset.grids.values()}
    assert names[code] == "菜单导入的名字"
    w.undo_stack.undo()
    names = {g.code: g.name for g in c.project.dataset.grids.values()}
    assert names[code] != "菜单导入的名字"

    write_exchange(c.project.dataset, tmp_path / "earlier")
    w.undo_stack.redo()
    diff = w.paper.compare_export(str(tmp_path / "earlier"))
    assert diff.codes == [code]
    assert "diff_export" in c.project.dataset.layers
    w.zoom_unit(UNIT)
    qtbot.wait(50)
    _shot(w, "main_diff_layer.png")
    win = w.paper.show_progress(exec_dialog=False)
    qtbot.addWidget(win)
    assert win.table.rowCount() > 0
    dlg = w.paper.print_sheets(exec_dialog=False)
    qtbot.addWidget(dlg)
    assert dlg.selected_units() == [UNIT]


def test_table_without_a_current_unit_is_the_whole_street(main_window, tmp_path):
    """文件 → 导出信息表 with no unit open writes every unit's grids (this path once ended in
    an internal error, the same as ``mapedit table`` without ``--unit``)."""
    w = main_window
    w.controller.set_current_unit(None)
    path = tmp_path / "全街道.xlsx"
    assert w.paper.export_table(str(path))
    ws = load_workbook(path)[DATA_SHEET]
    ds = w.controller.project.dataset
    codes = {str(ws.cell(row=r, column=1).value) for r in range(FIRST_ROW, ws.max_row + 1)}
    assert {g.code for g in ds.grids.values() if g.unit_code in ds.units} <= codes
