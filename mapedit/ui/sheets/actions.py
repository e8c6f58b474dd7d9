"""The 文件 menu's paper-trail entries for one window: 打印/导出图纸, 信息表 export and import,
进度报表, and 与之前的导出比较 (the difference as a temporary map layer).

Like ``ui/files.py`` this keeps the window to a few lines: the window creates one
:class:`PaperActions` and adds its actions to the menu. The information table's change set goes
through ``controller.push_changeset`` (one undo step); everything else is the same function
the CLI calls.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox, QWidget

from mapedit.errors import MapeditError
from mapedit.ui.busy import busy_cursor
from mapedit.ui.i18n import error_text


class PaperActions(QObject):
    def __init__(self, parent: QWidget, controller, settings) -> None:
        super().__init__(parent)
        self.parent_widget = parent
        self.controller = controller
        self.settings = settings
        self.act_sheets = self._action(self.tr("打印/导出图纸…"), self.print_sheets, "Ctrl+P",
                                       self.tr("每个管理单元一页的确认图纸(PDF),或全街道图集"))
        self.act_table_export = self._action(self.tr("导出信息表…"), self.export_table, None,
                                             self.tr("导出微网格信息表(Excel),供各居委/村填写"))
        self.act_table_import = self._action(self.tr("导入信息表…"), self.import_table, None,
                                             self.tr("导入填好的信息表:先显示修改,再作为一次编辑"
                                                     "应用(可撤销)"))
        self.act_progress = self._action(self.tr("进度报表…"), self.show_progress, None,
                                         self.tr("月度推进表与覆盖率变化"))
        self.act_compare = self._action(self.tr("与之前的导出比较…"), self.compare_export,
                                        None, self.tr("列出新增、删除、修改的微网格,并在地图上"
                                                      "临时显示"))

    def _action(self, text: str, slot, shortcut, tip: str) -> QAction:
        act = QAction(text, self.parent_widget)
        act.triggered.connect(lambda _checked=False: slot())
        if shortcut:
            act.setShortcut(shortcut)
        act.setStatusTip(tip)
        act.setToolTip(tip)
        return act

    @property
    def actions(self) -> list[QAction]:
        return [self.act_sheets, self.act_table_export, self.act_table_import,
                self.act_progress, self.act_compare]

    def add_to(self, menu) -> None:
        for act in self.actions:
            menu.addAction(act)

    # -- helpers -----------------------------------------------------------------------------
    def _project(self):
        """The open project with its findings ready (the background check finished)."""
        c = self.controller
        if c.project is None:
            return None
        if not c.checker_ready:
            with busy_cursor():
                c.wait_for_check()
        return c.project

    def _error(self, title: str, exc: BaseException) -> None:
        QMessageBox.warning(self.parent_widget, title, error_text(exc))

    # -- the actions --------------------------------------------------------------------------
    def print_sheets(self, exec_dialog: bool = True):
        from mapedit.ui.sheets.dialogs import SheetsDialog

        project = self._project()
        if project is None:
            return None
        dlg = SheetsDialog(project, self.parent_widget, self.controller.current_unit)
        if exec_dialog:
            dlg.exec()
        return dlg

    def export_table(self, path: str | None = None) -> bool:
        from mapedit.reports.sheet_content import project_revision
        from mapedit.reports.xlsx_table import export_table

        project = self._project()
        if project is None:
            return False
        unit = self.controller.current_unit
        codes = [unit] if unit else None
        if path is None:
            stem = project.dataset.units[unit].name if unit else project.path.stem
            path, _ = QFileDialog.getSaveFileName(
                self.parent_widget, self.tr("导出信息表"),
                str(Path(self.settings.last_directory()) / self.tr("{0}_信息表.xlsx")
                    .format(stem)),
                self.tr("Excel 表格 (*.xlsx)"))
            if not path:
                return False
        try:
            with busy_cursor():  # a whole district's table takes seconds
                n = export_table(project.dataset, path, codes, project_revision(project.store))
        except MapeditError as exc:
            self._error(self.tr("导出信息表"), exc)
            return False
        self.settings.set_last_directory(str(Path(path).parent))
        self.controller.status.emit(self.tr("已导出信息表 {0}:{1} 个微网格").format(path, n),
                                    10000)
        return True

    def import_table(self, path: str | None = None, confirm: bool = True):
        """Preview first; applying pushes ONE command on the undo stack."""
        from mapedit.ui.sheets.dialogs import TableImportDialog

        project = self._project()
        if project is None:
            return None
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self.parent_widget, self.tr("导入信息表"),
                                                  self.settings.last_directory(),
                                                  self.tr("Excel 表格 (*.xlsx)"))
            if not path:
                return None
        dlg = TableImportDialog(project, path, self.parent_widget)
        if confirm and dlg.exec() != QDialog.DialogCode.Accepted:
            return None
        if dlg.imported is None or not dlg.imported.changeset.changes:
            return None
        return self.controller.push_changeset(dlg.imported.changeset, select_new=False)

    def show_progress(self, exec_dialog: bool = True):
        from mapedit.ui.sheets.dialogs import ProgressWindow

        project = self._project()
        if project is None:
            return None
        with busy_cursor():  # a district's history is replayed: a few seconds
            win = ProgressWindow(project, self.parent_widget)
        if exec_dialog:
            win.exec()
        return win

    def compare_export(self, folder: str | None = None):
        """The difference against an earlier export: a message listing it and a temporary
        layer on the map (never saved; a second comparison replaces it)."""
        from mapedit.reports.diff import diff_export, diff_layer

        project = self._project()
        if project is None:
            return None
        if folder is None:
            folder = QFileDialog.getExistingDirectory(self.parent_widget,
                                                      self.tr("选择之前导出的文件夹"),
                                                      self.settings.last_directory())
            if not folder:
                return None
        try:
            with busy_cursor():
                diff = diff_export(project.dataset, folder)
        except MapeditError as exc:
            self._error(self.tr("与之前的导出比较"), exc)
            return None
        layer = diff_layer(diff)
        stack = project.dataset.layers
        if layer.id in stack:
            stack.remove(layer.id)
        if len(layer.data):
            stack.insert(layer, len(stack))  # on top: outlines over the grids they concern
        self.controller.status.emit(
            self.tr("与 {0} 比较:新增 {1},删除 {2},修改 {3}").format(
                Path(folder).name, len(diff.of("added")), len(diff.of("removed")),
                len(diff.of("changed"))), 15000)
        return diff
