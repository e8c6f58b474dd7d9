"""The paper-trail windows: 打印/导出图纸, 信息表 import preview, 进度 report.

Standalone widgets on an open :class:`mapedit.project.Project`; the main window only opens
them (文件 menu) and pushes the information table's change set through its undo stack, so the
import is one undoable edit like any other. The work itself is done by ``mapedit.reports`` and
``ui.sheets.atlas``, the same functions the CLI uses.
"""

from __future__ import annotations

from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from mapedit.errors import MapeditError
from mapedit.ui.busy import busy_cursor


def _error(parent: QWidget, title: str, exc: MapeditError) -> None:
    from mapedit.ui.i18n import pick

    details = getattr(exc, "details", []) or []
    text = pick(exc.zh, exc.en)
    if details:
        text += "\n\n" + "\n".join(details[:30])
        if len(details) > 30:
            text += f"\n… (+{len(details) - 30})"
    QMessageBox.warning(parent, title, text)


class SheetsDialog(QDialog):
    """文件 → 打印/导出图纸: choose units (or the whole street), paper size; page 1 preview."""

    def __init__(self, project, parent: QWidget | None = None,
                 current_unit: str | None = None) -> None:
        super().__init__(parent)
        self.project = project
        self.setWindowTitle(self.tr("打印/导出图纸"))
        self.resize(1100, 720)
        self.atlas = QRadioButton(self.tr("全街道图集(总图 + 每个管理单元一页)"))
        self.chosen = QRadioButton(self.tr("选定的管理单元"))
        self.units = QListWidget()
        self.units.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        for code, unit in sorted(project.dataset.units.items()):
            item = QListWidgetItem(f"{unit.name}({code})")
            item.setData(Qt.ItemDataRole.UserRole, code)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if code == current_unit
                               else Qt.CheckState.Unchecked)
            self.units.addItem(item)
        (self.chosen if current_unit else self.atlas).setChecked(True)
        self.paper = QComboBox()
        self.paper.addItems(["A4", "A3"])
        self.preview = QLabel()
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setMinimumSize(520, 380)
        self.preview.setStyleSheet("background: #888;")
        left = QWidget()
        lay = QVBoxLayout(left)
        lay.addWidget(self.atlas)
        lay.addWidget(self.chosen)
        lay.addWidget(self.units, 1)
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("纸张")))
        row.addWidget(self.paper, 1)
        lay.addLayout(row)
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(self.preview)
        split.setStretchFactor(1, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.export_button = QPushButton(self.tr("导出 PDF…"))
        buttons.addButton(self.export_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.rejected.connect(self.reject)
        self.export_button.clicked.connect(self._export_clicked)
        main = QVBoxLayout(self)
        main.addWidget(split, 1)
        main.addWidget(buttons)
        self.units.itemChanged.connect(self._changed)
        self.atlas.toggled.connect(self._changed)
        self.paper.currentIndexChanged.connect(self._changed)
        self.last_result = None
        self._changed()

    def selected_units(self) -> list[str] | None:
        """None for the street atlas, else the checked unit codes."""
        if self.atlas.isChecked():
            return None
        return [self.units.item(i).data(Qt.ItemDataRole.UserRole)
                for i in range(self.units.count())
                if self.units.item(i).checkState() == Qt.CheckState.Checked]

    def _changed(self, *_args) -> None:
        from mapedit.ui.sheets.atlas import preview_image

        codes = self.selected_units()
        self.units.setEnabled(codes is not None)
        self.export_button.setEnabled(codes is None or bool(codes))
        code = None if codes is None else (codes[0] if codes else "")
        if code == "":
            self.preview.setText(self.tr("请勾选要出图的管理单元"))
            return
        try:
            img = preview_image(self.project.dataset, self.project.findings, code,
                                self.paper.currentText(), dpi=90)
        except MapeditError as exc:
            self.preview.setText(exc.zh)
            return
        pix = QPixmap.fromImage(img)
        self.preview.setPixmap(pix.scaled(self.preview.size(), Qt.AspectRatioMode.KeepAspectRatio,
                                          Qt.TransformationMode.SmoothTransformation))

    def _export_clicked(self) -> None:
        name = self.tr("{0}_图纸.pdf").format(self.project.path.stem)
        path, _ = QFileDialog.getSaveFileName(self, self.tr("导出图纸"),
                                              str(self.project.path.with_name(name)),
                                              self.tr("PDF 文件 (*.pdf)"))
        if path and self.export_to(path):
            self.accept()

    def export_to(self, path: str | Path) -> bool:
        from PySide6.QtWidgets import QApplication, QProgressDialog

        from mapedit.ui.sheets.atlas import write_project_sheets

        progress = QProgressDialog(self.tr("正在生成图纸…"), "", 0, 0, self)
        progress.setCancelButton(None)
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(400)

        def step(done: int, total: int) -> None:
            progress.setMaximum(total)
            progress.setValue(done)
            QApplication.processEvents()

        try:
            self.last_result = write_project_sheets(self.project, path, self.selected_units(),
                                                    self.paper.currentText(), step)
        except MapeditError as exc:
            _error(self, self.tr("导出图纸"), exc)
            return False
        finally:
            progress.close()
        if self.last_result.imagery_problems:  # the sheets say so too; tell the clerk now
            from mapedit.ui.i18n import pick

            zh, en = self.last_result.imagery_problems[0]
            more = len(self.last_result.imagery_problems) - 1
            QMessageBox.warning(self, self.tr("导出图纸"), self.tr(
                "图纸已导出,但图上的影像不完整(部分在线瓦片没有取到,图上已注明):{what}"
                "{more}\n联网后再导出一次即可补全。").format(
                what=pick(zh, en), more=self.tr(";另有 {n} 处").format(n=more) if more else ""))
        return True


class TableImportDialog(QDialog):
    """信息表 import: what would change, per grid and field, before anything is applied.
    ``imported`` holds the result; the caller applies its change set (one undoable edit)."""

    def __init__(self, project, path: str | Path, parent: QWidget | None = None) -> None:
        from mapedit.reports.xlsx_table import import_lines, read_table

        super().__init__(parent)
        self.setWindowTitle(self.tr("导入信息表"))
        self.resize(900, 560)
        self.imported = None
        self.error: MapeditError | None = None
        lay = QVBoxLayout(self)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        lay.addWidget(self.summary)
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels([self.tr("微网格编码"), self.tr("行"),
                                              self.tr("字段"), self.tr("原值"), self.tr("新值")])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        lay.addWidget(self.table, 1)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.apply_button = QPushButton(self.tr("应用修改"))
        self.buttons.addButton(self.apply_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.apply_button.clicked.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lay.addWidget(self.buttons)
        try:
            with busy_cursor():
                self.imported = read_table(project.dataset, path)
        except MapeditError as exc:
            self.error = exc
            details = getattr(exc, "details", []) or []
            self.summary.setText(self.tr("表格未导入,项目未改动:") + exc.zh)
            self.summary.setStyleSheet("color: #c62828; font-weight: bold;")
            self.table.setColumnCount(1)
            self.table.setHorizontalHeaderLabels([self.tr("问题")])
            self.table.setRowCount(len(details))
            for i, d in enumerate(details):
                self.table.setItem(i, 0, QTableWidgetItem(d))
            self.apply_button.setEnabled(False)
            return
        rows = import_lines(self.imported.diffs)
        self.table.setRowCount(len(rows))
        for i, (code, row, label, old, new) in enumerate(rows):
            for j, v in enumerate((code, str(row), label, old, new)):
                self.table.setItem(i, j, QTableWidgetItem(v))
        n, f = self.imported.changed_grids, self.imported.changed_fields
        text = self.tr("将修改 {0} 个微网格的 {1} 个字段(作为一次编辑,可撤销)。").format(n, f)
        if self.imported.untouched_project_edits:
            text += " " + self.tr("导出后在编辑器中修改的 {0} 个字段保持不变。").format(
                self.imported.untouched_project_edits)
        if not n:
            text = self.tr("表格与项目一致,没有需要修改的内容。")
        self.summary.setText(text)
        self.apply_button.setEnabled(bool(n))


class ProgressWindow(QDialog):
    """进度: the monthly progress table and coverage over time (pyqtgraph)."""

    def __init__(self, project, parent: QWidget | None = None) -> None:
        from mapedit.reports.progress import HEADERS, coverage_history, progress_rows

        super().__init__(parent)
        self.project = project
        self.setWindowTitle(self.tr("进度报表"))
        self.resize(1200, 760)
        log = project.store.edit_log(10_000_000)
        self.rows = progress_rows(project.dataset, list(project.findings), log)
        self.history = coverage_history(project.dataset, log)
        self.table = QTableWidget(len(self.rows), len(HEADERS))
        self.table.setHorizontalHeaderLabels([self.tr(h) for h in HEADERS])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        bold = self.table.font()
        bold.setBold(True)
        for i, r in enumerate(self.rows):
            for j, v in enumerate(r.cells()):
                item = QTableWidgetItem("" if v is None else str(v))
                if isinstance(v, (int, float)):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                if r.kind != "unit":
                    item.setFont(bold)
                self.table.setItem(i, j, item)
        self.table.resizeColumnsToContents()
        self.plot = pg.PlotWidget(background="w")
        self.plot.setLabel("left", self.tr("覆盖率 %"))
        self.plot.setYRange(0, 100)
        self.plot.showGrid(x=True, y=True, alpha=0.3)
        from datetime import date

        xs = [date.fromisoformat(p.day).toordinal() for p in self.history]
        ys = [p.coverage * 100 for p in self.history]
        if xs:
            axis = pg.DateAxisItem(orientation="bottom")
            self.plot.setAxisItems({"bottom": axis})
            epoch = date(1970, 1, 1).toordinal()
            secs = [(x - epoch) * 86400 for x in xs]
            self.curve = self.plot.plot(secs, ys, stepMode=None, pen=pg.mkPen("#1f5fbf", width=2),
                                        symbol="o", symbolSize=4, symbolBrush="#1f5fbf")
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.plot)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        save = QPushButton(self.tr("导出报表…"))
        buttons.addButton(save, QDialogButtonBox.ButtonRole.ActionRole)
        save.clicked.connect(self._save_clicked)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(split, 1)
        lay.addWidget(buttons)

    def _save_clicked(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("导出报表"), str(self.project.path.with_name(self.tr("月度推进表.xlsx"))),
            self.tr("Excel 表格 (*.xlsx);;CSV 文件 (*.csv)"))
        if path:
            self.save_to(path)

    def save_to(self, path: str | Path) -> bool:
        from mapedit.reports.progress import progress_title, write_csv, write_xlsx
        from mapedit.ui.sheets.chart import coverage_chart_png

        path = Path(path)
        try:
            if path.suffix.lower() == ".csv":
                write_csv(self.rows, path)
            else:
                ds = self.project.dataset
                title = progress_title(ds)
                write_xlsx(self.rows, path.with_suffix(".xlsx"), self.history,
                           coverage_chart_png(self.history), (1000, 460), title)
        except MapeditError as exc:
            _error(self, self.tr("导出报表"), exc)
            return False
        return True
