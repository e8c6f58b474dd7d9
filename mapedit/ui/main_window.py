"""The editor window: map in the middle, hierarchy/layers left, attributes/findings right,
household chart below.

``MainWindow`` is the controller that keeps the views in step. It owns the one ``QUndoStack``;
every edit is pushed there as a command from :mod:`mapedit.ui.commands`, which applies it through
``Project.apply``. The project then calls :meth:`MainWindow._on_project_changed`, which refreshes
exactly the affected grids on the map, the findings and the touched units, so the map, the tree,
the findings list and the attribute form cannot drift apart — whether the change came from the
form, a menu, undo or redo.

Dialogs go through Qt's static helpers (``QFileDialog.getOpenFileName`` …) so tests can
monkeypatch them.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QByteArray, QEvent, Qt
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QGuiApplication,
    QKeySequence,
    QUndoStack,
)
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QToolBar,
    QWidget,
)
from shapely.geometry import Point

from mapedit.errors import EditRefused, MapeditError
from mapedit.fixes import fix_changeset
from mapedit.io import crs as crs_mod
from mapedit.model.changes import ChangeSet, GridChange
from mapedit.model.geometry_ops import renumber_unit
from mapedit.rules.findings import Finding
from mapedit.ui.canvas import MapCanvas
from mapedit.ui.commands import (
    AcceptFindingCommand,
    ChangeSetCommand,
    LockUnitCommand,
    ProjectCommand,
    UnacceptFindingCommand,
    current_user,
)
from mapedit.ui.i18n import current_language, pick
from mapedit.ui.panels.attributes import AttributePanel
from mapedit.ui.panels.findings import FindingsPanel
from mapedit.ui.panels.households import HouseholdChart
from mapedit.ui.panels.layers import LayerPanel
from mapedit.ui.panels.legend import MapLegend
from mapedit.ui.panels.unit_tree import UnitTreePanel
from mapedit.ui.settings_store import SettingsStore
from mapedit.ui.support_menu import install_support, project_opened

log = logging.getLogger(__name__)

PROJECT_FILTER = "mapedit 项目 / project (*.gpkg)"
GEOJSON_FILTER = "GeoJSON (*.geojson *.json)"


def show_error(parent: QWidget | None, title: str, err: BaseException) -> None:
    """A bilingual message box for an error the clerk can act on (never a traceback)."""
    if isinstance(err, MapeditError):
        text = f"{err.zh}\n\n{err.en}"
    else:
        text = str(err)
    QMessageBox.critical(parent, title, text)


class MainWindow(QMainWindow):
    """Main window for one open project (``set_project`` switches projects)."""

    def __init__(self, project=None, settings: SettingsStore | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings or SettingsStore()
        self.project = None
        self.selection: list[int] = []
        self.current_unit: str | None = None
        self.undo_stack = QUndoStack(self)
        self.undo_stack.indexChanged.connect(self._refresh_after_command)
        self._syncing = False
        self._units_with_findings: set[str] = set()

        self.setObjectName("MainWindow")
        self.setWindowTitle(self.tr("微网格编辑器"))
        self.canvas = MapCanvas(self)
        self.setCentralWidget(self.canvas)
        self.legend = MapLegend(self.canvas)
        # The clerk's choice to fold the legend sticks: once the colours are known it only
        # covers the map.
        self.legend.toggle.setChecked(str(self.settings.value("legend_open", "true")) == "true")
        self.legend.toggle.toggled.connect(
            lambda shown: self.settings.set_value("legend_open", "true" if shown else "false"))
        self.canvas.installEventFilter(self)

        self.unit_tree = UnitTreePanel(self)
        self.layers = LayerPanel(self)
        self.attributes = AttributePanel(self)
        self.findings = FindingsPanel(self)
        self.households = HouseholdChart(self)
        self.dock_units = self._dock("units", self.tr("管理单元"), self.unit_tree,
                                     Qt.DockWidgetArea.LeftDockWidgetArea)
        self.dock_layers = self._dock("layers", self.tr("图层"), self.layers,
                                      Qt.DockWidgetArea.LeftDockWidgetArea)
        self.dock_attributes = self._dock("attributes", self.tr("属性"), self.attributes,
                                          Qt.DockWidgetArea.RightDockWidgetArea)
        self.dock_findings = self._dock("findings", self.tr("检查结果"), self.findings,
                                        Qt.DockWidgetArea.RightDockWidgetArea)
        self.dock_households = self._dock("households", self.tr("户数平衡"), self.households,
                                          Qt.DockWidgetArea.LeftDockWidgetArea)
        # Left: where am I (tree, layers) above how balanced is this unit (chart);
        # right: what is this grid (form) above what is wrong (findings).
        self.tabifyDockWidget(self.dock_units, self.dock_layers)
        self.dock_units.raise_()
        self.resizeDocks([self.dock_units, self.dock_attributes], [440, 380],
                         Qt.Orientation.Horizontal)
        self.resizeDocks([self.dock_units, self.dock_households], [560, 240],
                         Qt.Orientation.Vertical)
        self.resizeDocks([self.dock_attributes, self.dock_findings], [430, 370],
                         Qt.Orientation.Vertical)

        self._build_status_bar()
        self._build_actions()
        self._build_menus()
        self._build_toolbar()
        self._connect()
        self._install_edit_tools()
        install_support(self)  # 恢复备份, 欢迎页, 自检, icons (ui/support_menu.py)
        self._restore_layout()  # after every toolbar exists, so their positions come back
        if project is not None:
            self.set_project(project)
        else:
            self._update_actions()

    # -- construction -----------------------------------------------------------------------------
    def _dock(self, name: str, title: str, widget: QWidget,
              area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{name}")
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetClosable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        self.addDockWidget(area, dock)
        return dock

    def _build_status_bar(self) -> None:
        sb = self.statusBar()
        self.coord_label = QLabel(self.tr("坐标:—"), self)
        self.coord_label.setToolTip(self.tr("鼠标位置:投影坐标(米)和经纬度"))
        self.unit_label = QLabel(self.tr("当前单元:—"), self)
        self.summary_button = QPushButton(self)
        self.summary_button.setFlat(True)
        self.summary_button.setToolTip(self.tr("打开检查结果"))
        self.summary_button.clicked.connect(self._show_findings)
        sb.addPermanentWidget(self.coord_label)
        sb.addPermanentWidget(self.unit_label)
        sb.addPermanentWidget(self.summary_button)

    def _action(self, text: str, slot, shortcut=None, tip: str = "",
                checkable: bool = False) -> QAction:
        """An action whose tooltip names its shortcut (the menus show it on the right)."""
        act = QAction(text, self)
        if shortcut is not None:
            seqs = shortcut if isinstance(shortcut, list) else [shortcut]
            act.setShortcuts([QKeySequence(s) for s in seqs])
        act.setCheckable(checkable)
        plain = text.replace("&", "").rstrip("…")
        keys = act.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        tooltip = f"{plain}({keys})" if keys else plain
        if tip:
            tooltip += "\n" + tip
            act.setStatusTip(tip)
        act.setToolTip(tooltip)
        if slot is not None:
            act.triggered.connect(slot)
        return act

    def _build_actions(self) -> None:
        a = self._action
        self.act_new = a(self.tr("新建(从管理单元文件)…"), self.new_from_units, "Ctrl+N",
                         self.tr("读入管理单元 GeoJSON,新建一个项目文件"))
        self.act_open = a(self.tr("打开…"), self.open_dialog, QKeySequence.StandardKey.Open,
                          self.tr("打开一个微网格项目(.gpkg)"))
        self.act_import = a(self.tr("导入微网格…"), self.import_grids, "Ctrl+I",
                            self.tr("把微网格 GeoJSON 导入当前项目(可撤销)"))
        self.act_export = a(self.tr("导出 GeoJSON…"), self.export_geojson, "Ctrl+E",
                            self.tr("先显示检查结果,再导出 units.geojson 和 grids.geojson"))
        self.act_quit = a(self.tr("退出"), self.close, "Ctrl+Q")
        self.act_undo = self.undo_stack.createUndoAction(self, self.tr("撤销"))
        self.act_undo.setShortcuts([QKeySequence("Ctrl+Z")])
        self.act_redo = self.undo_stack.createRedoAction(self, self.tr("重做"))
        self.act_redo.setShortcuts([QKeySequence("Ctrl+Y"), QKeySequence("Ctrl+Shift+Z")])
        self.act_undo.changed.connect(self._undo_redo_tooltips)
        self.act_redo.changed.connect(self._undo_redo_tooltips)
        self._undo_redo_tooltips()
        self.act_delete = a(self.tr("删除微网格"), self.delete_selected, "Del",
                            self.tr("删除选中的微网格(可撤销)"))
        self.act_lock = a(self.tr("锁定/解锁管理单元"), self.toggle_lock, "Ctrl+L",
                          self.tr("锁定后该单元的微网格不能再修改"))
        self.act_renumber = a(self.tr("重新编号本单元"), self.renumber_unit, "Ctrl+R",
                              self.tr("按从北到南、从西到东的顺序重新给当前管理单元的微网格编号"
                                      "(可撤销)"))
        self.act_full = a(self.tr("全图"), self.zoom_full, "Home", self.tr("显示整个街道"))
        self.act_zoom_sel = a(self.tr("缩放到所选"), self.zoom_selection, "Ctrl+J",
                              self.tr("缩放到选中的微网格或管理单元"))
        self.act_zoom_in = a(self.tr("放大"), lambda: self.canvas.zoom_in(),
                             [QKeySequence.StandardKey.ZoomIn, "+", "="])
        self.act_zoom_out = a(self.tr("缩小"), lambda: self.canvas.zoom_out(),
                              [QKeySequence.StandardKey.ZoomOut, "-"])
        self.act_fill_category = a(self.tr("按类别着色"),
                                   lambda: self.set_fill_mode("category"), "Ctrl+1",
                                   self.tr("微网格按类别填色"), checkable=True)
        self.act_fill_check = a(self.tr("按检查状态着色"),
                                lambda: self.set_fill_mode("check"), "Ctrl+2",
                                self.tr("有错误的微网格红色,有警告的橙色,通过的绿色"),
                                checkable=True)
        group = QActionGroup(self)
        group.addAction(self.act_fill_category)
        group.addAction(self.act_fill_check)
        self.act_fill_category.setChecked(True)
        self.act_lang_zh = a("中文", lambda: self.set_language("zh_CN"), checkable=True)
        self.act_lang_en = a("English", lambda: self.set_language("en"), checkable=True)
        lang_group = QActionGroup(self)
        lang_group.addAction(self.act_lang_zh)
        lang_group.addAction(self.act_lang_en)
        lang = self.settings.language()
        (self.act_lang_en if lang == "en" else self.act_lang_zh).setChecked(True)
        self.act_help = a(self.tr("使用说明"), self.show_help, "F1")
        self.act_about = a(self.tr("关于"), self.show_about)

    def _undo_redo_tooltips(self) -> None:
        """The undo/redo texts change with the stack ("撤销 修改户数"); keep the shortcut in
        their tooltips too."""
        for act in (self.act_undo, self.act_redo):
            keys = act.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            text = act.text().replace("&", "")
            tip = f"{text}({keys})" if keys else text
            if act.toolTip() != tip:
                act.setToolTip(tip)

    def _build_menus(self) -> None:
        """The menus are kept as attributes (``menu_file``, ``menu_edit`` …) so the editing
        tools add to the 编辑 menu without looking for it by its title, which is translated."""
        mb = self.menuBar()
        self.menu_file = m_file = mb.addMenu(self.tr("文件(&F)"))
        m_file.addAction(self.act_new)
        m_file.addAction(self.act_open)
        self.menu_recent = m_file.addMenu(self.tr("最近打开"))
        self.menu_recent.aboutToShow.connect(self._fill_recent)
        self._fill_recent()
        m_file.addSeparator()
        m_file.addAction(self.act_import)
        m_file.addAction(self.act_export)
        m_file.addSeparator()
        m_file.addAction(self.act_quit)
        self.menu_edit = m_edit = mb.addMenu(self.tr("编辑(&E)"))
        m_edit.addAction(self.act_undo)
        m_edit.addAction(self.act_redo)
        m_edit.addSeparator()
        m_edit.addAction(self.act_delete)
        m_edit.addAction(self.act_lock)
        m_edit.addAction(self.act_renumber)
        self.menu_view = m_view = mb.addMenu(self.tr("视图(&V)"))
        for act in (self.act_full, self.act_zoom_sel, self.act_zoom_in, self.act_zoom_out):
            m_view.addAction(act)
        m_view.addSeparator()
        m_view.addAction(self.act_fill_category)
        m_view.addAction(self.act_fill_check)
        m_view.addSeparator()
        self.menu_panels = m_panels = m_view.addMenu(self.tr("面板"))
        for dock in (self.dock_units, self.dock_layers, self.dock_attributes,
                     self.dock_findings, self.dock_households):
            m_panels.addAction(dock.toggleViewAction())
        self.menu_language = m_lang = m_view.addMenu(self.tr("语言 / Language"))
        m_lang.addAction(self.act_lang_zh)
        m_lang.addAction(self.act_lang_en)
        self.menu_help = m_help = mb.addMenu(self.tr("帮助(&H)"))
        m_help.addAction(self.act_help)
        m_help.addAction(self.act_about)

    def _build_toolbar(self) -> None:
        """Two rows grouped like the menus: 文件/视图 (open, export, where to look, how to
        colour) above 编辑 (undo/redo, the map tools, delete, lock). One long row hid the
        editing buttons behind "»" on a laptop screen, and undo belongs beside the edits."""
        tb = QToolBar(self.tr("文件和视图"), self)
        tb.setObjectName("toolbar_main")
        tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        for act in (self.act_open, self.act_export, None,
                    self.act_full, self.act_zoom_sel, self.act_zoom_in, self.act_zoom_out, None,
                    self.act_fill_category, self.act_fill_check):
            if act is None:
                tb.addSeparator()
            else:
                tb.addAction(act)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, tb)
        self.toolbar = tb

        # The stack's own undo action renames itself after the last edit ("撤销 修改…"), which
        # makes toolbar buttons jump around; the toolbar gets short-named twins instead.
        self.tb_undo = self._action(self.tr("撤销"), self.undo_stack.undo, None)
        self.tb_redo = self._action(self.tr("重做"), self.undo_stack.redo, None)
        self.undo_stack.canUndoChanged.connect(self.tb_undo.setEnabled)
        self.undo_stack.canRedoChanged.connect(self.tb_redo.setEnabled)
        self.undo_stack.undoTextChanged.connect(self._toolbar_undo_tips)
        self.undo_stack.redoTextChanged.connect(self._toolbar_undo_tips)
        self._toolbar_undo_tips()
        self.addToolBarBreak(Qt.ToolBarArea.TopToolBarArea)
        edit = QToolBar(self.tr("编辑"), self)
        edit.setObjectName("toolbar_edit")
        edit.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        edit.addAction(self.tb_undo)
        edit.addAction(self.tb_redo)
        edit.addSeparator()
        # install_tools puts the map tools here, between undo/redo and delete/lock.
        self.edit_tools_anchor = edit.addSeparator()
        edit.addAction(self.act_delete)
        edit.addAction(self.act_lock)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, edit)
        self.toolbar_edit = edit

    def _toolbar_undo_tips(self, _text: str = "") -> None:
        self.tb_undo.setEnabled(self.undo_stack.canUndo())
        self.tb_redo.setEnabled(self.undo_stack.canRedo())
        u, r = self.undo_stack.undoText(), self.undo_stack.redoText()
        self.tb_undo.setToolTip(self.tr("撤销(Ctrl+Z)") + (f"\n{u}" if u else ""))
        self.tb_redo.setToolTip(self.tr("重做(Ctrl+Y)") + (f"\n{r}" if r else ""))

    def _connect(self) -> None:
        c = self.canvas
        c.gridClicked.connect(self._on_grid_clicked)
        c.unitClicked.connect(self._on_unit_clicked)
        c.emptyClicked.connect(self._on_empty_clicked)
        c.cursorMoved.connect(self._on_cursor)
        self.unit_tree.gridsSelected.connect(lambda fids: self.select_grids(fids, "tree"))
        self.unit_tree.unitSelected.connect(self.set_current_unit)
        self.unit_tree.unitActivated.connect(self.zoom_unit)
        self.unit_tree.gridActivated.connect(lambda fid: self.zoom_grids([fid]))
        self.attributes.editRequested.connect(self.push_changeset)
        self.findings.findingActivated.connect(self.focus_finding)
        self.findings.acceptRequested.connect(self.accept_finding)
        self.findings.unacceptRequested.connect(self.unaccept_finding)
        self.findings.fixRequested.connect(self.apply_fix)
        self.households.gridClicked.connect(self._on_chart_clicked)

    def _install_edit_tools(self) -> None:
        """The 编辑 toolbar and map tools (mapedit.ui.tools); a failure there must not cost the
        clerk the viewer, so it is logged and the window opens without them."""
        try:
            from mapedit.ui.tools.toolbar import install_tools

            install_tools(self)
        except Exception:  # noqa: BLE001
            log.exception("editing tools could not be installed")

    def _restore_layout(self) -> None:
        geom = self.settings.window_geometry()
        state = self.settings.window_state()
        if geom is not None:
            self.restoreGeometry(geom)
        else:
            screen = QGuiApplication.primaryScreen()
            avail = screen.availableGeometry() if screen else None
            if avail is not None and avail.width() > 800:
                self.resize(min(1500, avail.width() - 40), min(920, avail.height() - 40))
            else:
                self.resize(1400, 880)
        if state is not None:
            self.restoreState(state)

    # -- project ----------------------------------------------------------------------------------
    def set_project(self, project) -> None:
        """Show ``project`` (closing the previous one); clears undo history."""
        if self.project is not None and self.project is not project:
            try:
                self.project.close()
            except Exception:  # noqa: BLE001 - closing must not block opening another
                log.exception("closing project failed")
        self.project = project
        project_opened(self, project)  # safety copy (ui/backups.py), menu state
        self.undo_stack.clear()
        self.selection = []
        self.current_unit = None
        if project is None:
            self._update_actions()
            return
        project.add_listener(self._on_project_changed)
        ds = project.dataset
        self._units_with_findings = {f.unit for f in project.findings if f.unit}
        self.canvas.set_dataset(ds)
        self.canvas.set_findings(project.findings)
        self.layers.set_canvas(self.canvas)
        self.unit_tree.set_project(project)
        self.attributes.set_project(project)
        self.findings.set_findings(project.findings, ds)
        self.households.set_unit(ds, None)
        self.set_fill_mode("check" if self.act_fill_check.isChecked() else "category")
        self.canvas.zoom_to_extent()
        path = getattr(project, "path", None)
        if path:
            self.settings.add_recent_file(path)
        self._update_summary()
        self._update_title()
        self._update_actions()
        self.unit_label.setText(self.tr("当前单元:—"))

    def open_path(self, path: str | Path) -> bool:
        """Open a project file; on failure tell the clerk and keep the current project."""
        from mapedit.project import Project

        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            project = Project.open(str(path))
        except (MapeditError, OSError) as exc:
            QGuiApplication.restoreOverrideCursor()
            show_error(self, self.tr("无法打开项目"), exc)
            return False
        QGuiApplication.restoreOverrideCursor()
        self.set_project(project)
        self.settings.set_last_directory(path)
        return True

    def _on_project_changed(self, changeset: ChangeSet) -> None:
        """Project listener: refresh what one applied change set touched."""
        if self.project is None:
            return
        ds = self.project.dataset
        fids = changeset.fids if changeset is not None else set()
        units: set[str] = set()
        for ch in getattr(changeset, "changes", []):
            for g in (ch.before, ch.after):
                if g is not None and g.unit_code:
                    units.add(g.unit_code)
        if fids:
            self.canvas.refresh_grids(sorted(fids))
        gone = [f for f in self.selection if f not in ds.grids]
        if gone:
            self.selection = [f for f in self.selection if f in ds.grids]
            self.canvas.set_selection(self.selection)
        self._refresh_findings(units)
        self.attributes.show_grids(self.selection)
        if self.current_unit in units:
            self.households.set_unit(ds, self.current_unit)
            self.households.set_selection(self.selection)

    def _refresh_findings(self, units: set[str] | None) -> None:
        if self.project is None:
            return
        findings = self.project.findings
        self.canvas.set_findings(findings)
        self.findings.set_findings(findings, self.project.dataset)
        # Units whose grids changed get full progress (coverage needs a union); error counts
        # may also change next door (an overlap removed), which costs no geometry.
        touched = {c for c in (units or ()) if c}
        with_findings = {f.unit for f in findings if f.unit}
        others = (with_findings | self._units_with_findings) - touched
        self._units_with_findings = with_findings
        if touched:
            self.unit_tree.refresh_units(sorted(touched))
        if others:
            self.unit_tree.refresh_errors(sorted(others))
        self.unit_tree.select_grids(self.selection)
        self._update_summary()

    def _refresh_after_command(self, _index: int = 0) -> None:
        """After push/undo/redo: accept-finding and lock commands change no grids, so the
        project listener may not fire for them; refreshing here keeps views right anyway."""
        if self.project is None:
            return
        self._refresh_findings(set())
        self.attributes.refresh()
        self._update_title()
        self._update_actions()

    # -- commands ---------------------------------------------------------------------------------
    def push_command(self, cmd: ProjectCommand) -> bool:
        """Push onto the undo stack; a refused edit is explained and leaves no trace."""
        self.undo_stack.push(cmd)
        if cmd.error is not None:
            show_error(self, self.tr("不能完成这个修改"), cmd.error)
            self.attributes.refresh()
            return False
        return True

    def push_changeset(self, changeset: ChangeSet, allow_invalid: bool = False) -> bool:
        if self.project is None or not changeset:
            return False
        ok = self.push_command(ChangeSetCommand(self.project, changeset, who=current_user(),
                                                allow_invalid=allow_invalid))
        if ok:
            self.statusBar().showMessage(
                self.tr("已{0}(可按 Ctrl+Z 撤销)").format(pick(changeset.zh, changeset.en)), 5000)
        return ok

    def delete_selected(self) -> None:
        if self.project is None or not self.selection:
            return
        grids = [self.project.dataset.grids[f] for f in self.selection
                 if f in self.project.dataset.grids]
        if not grids:
            return
        names = "、".join(g.name or g.code for g in grids[:3]) + ("等" if len(grids) > 3 else "")
        cs = ChangeSet(f"删除微网格 {names}", f"delete {len(grids)} micro-grid(s)",
                       [GridChange(before=g, after=None) for g in grids])
        if self.push_changeset(cs):
            self.select_grids([], "command")

    def renumber_unit(self) -> None:
        """Codes in reading order for the current unit (the op decides; refusals such as a
        locked unit are explained in the status bar)."""
        code = self.current_unit
        if self.project is None or not code:
            self.statusBar().showMessage(self.tr("请先选择一个管理单元"), 5000)
            return
        try:
            cs = renumber_unit(self.project.dataset, code)
        except EditRefused as exc:
            self.statusBar().showMessage("⚠ " + exc.message(current_language()), 8000)
            return
        if not cs:
            self.statusBar().showMessage(self.tr("编号已是从北到南、从西到东的顺序"), 5000)
            return
        self.push_changeset(cs)

    def toggle_lock(self) -> None:
        code = self.current_unit
        if self.project is None or not code:
            self.statusBar().showMessage(self.tr("请先选择一个管理单元"), 5000)
            return
        unit = self.project.dataset.units[code]
        self.push_command(LockUnitCommand(self.project, code, not unit.locked, unit.name))

    def accept_finding(self, finding: Finding) -> None:
        if self.project is None:
            return
        reason, ok = QInputDialog.getText(
            self, self.tr("标记为例外"),
            self.tr("请说明为什么这个问题可以保留(例如:楼栋确实跨两个小区,已与居委会核实):"))
        reason = (reason or "").strip()
        if not ok:
            return
        if not reason:
            QMessageBox.information(self, self.tr("标记为例外"),
                                    self.tr("请填写原因,以便以后核查。"))
            return
        self.push_command(AcceptFindingCommand(self.project, finding, reason, current_user()))

    def unaccept_finding(self, finding: Finding) -> None:
        """Withdraw an accepted exception (undoable); the finding counts again at once."""
        if self.project is None or not finding.accepted:
            return
        if self.push_command(UnacceptFindingCommand(self.project, finding, current_user())):
            self.statusBar().showMessage(self.tr("已撤销例外,可按 Ctrl+Z 恢复"), 5000)

    def apply_fix(self, finding: Finding) -> bool:
        """Apply a finding's suggested fix as one undoable edit. The change set comes from
        ``mapedit.fixes`` — the same one ``mapedit fix`` applies — so the window only pushes
        it; a refusal (out-of-date finding, locked unit, a result that would be worse) is
        explained in the status bar and changes nothing."""
        if self.project is None:
            return False
        try:
            cs = fix_changeset(self.project.dataset, finding)
        except EditRefused as exc:
            self.statusBar().showMessage("⚠ " + exc.message(current_language()), 10000)
            return False
        return self.push_changeset(cs)

    # -- selection ----------------------------------------------------------------------------------
    def select_grids(self, fids: list[int], source: str = "") -> None:
        """The one place selection changes; updates map, tree, form and current unit."""
        if self._syncing or self.project is None:
            return
        self._syncing = True
        try:
            ds = self.project.dataset
            self.selection = [f for f in dict.fromkeys(fids) if f in ds.grids]
            if source != "canvas":
                self.canvas.set_selection(self.selection)
            if source != "tree":
                self.unit_tree.select_grids(self.selection)
            self.attributes.show_grids(self.selection)
            if self.selection:
                self.set_current_unit(ds.grids[self.selection[0]].unit_code)
            self.households.set_selection(self.selection)
        finally:
            self._syncing = False
        self._update_actions()

    def set_current_unit(self, code: str | None) -> None:
        if self.project is None or code == self.current_unit:
            return
        ds = self.project.dataset
        if code is not None and code not in ds.units:
            code = None
        self.current_unit = code
        unit = ds.units.get(code) if code else None
        self.unit_label.setText(self.tr("当前单元:{0}").format(
            f"{unit.name}({unit.unit_type})" if unit else "—"))
        self.households.set_unit(ds, code)
        self.findings.set_current_unit(code)
        if code:
            self.canvas.highlight_unit(code)
        self._update_actions()

    def _on_grid_clicked(self, fid: int, additive: bool) -> None:
        if fid is None or fid < 0:
            if not additive:
                self.select_grids([], "canvas")
            return
        if additive:
            sel = list(self.selection)
            if fid in sel:
                sel.remove(fid)
            else:
                sel.append(fid)
        else:
            sel = [fid]
        self.select_grids(sel, "canvas")
        self.canvas.set_selection(self.selection)

    def _on_chart_clicked(self, fid: int) -> None:
        """A bar of the 户数平衡 chart: select that grid; if it is off screen, show it (the
        clerk clicked the bar to find the grid)."""
        if self.project is None or fid not in self.project.dataset.grids:
            return
        self.select_grids([fid], "chart")
        geom = self.project.dataset.grids[fid].geometry
        if geom is not None and not geom.is_empty:
            ax, ay, bx, by = self.canvas.view_bounds()
            c = geom.representative_point()
            if not (min(ax, bx) <= c.x <= max(ax, bx) and min(ay, by) <= c.y <= max(ay, by)):
                self.canvas.zoom_to_selection()

    def _on_empty_clicked(self) -> None:
        """A click outside every unit clears the selection (as in any drawing program)."""
        self.select_grids([], "canvas")
        self.canvas.set_selection([])

    def _on_unit_clicked(self, code: str) -> None:
        """A click in a unit where no grid is (a gap): that unit becomes current."""
        self.select_grids([], "canvas")
        self.canvas.set_selection([])
        self.set_current_unit(code)
        self.unit_tree.select_unit(code)

    def _on_cursor(self, x: float, y: float) -> None:
        text = self.tr("X {0:.1f} 米  Y {1:.1f} 米").format(x, y)
        if self.project is not None:
            try:
                p = crs_mod.to_wgs84(Point(x, y), self.project.dataset.crs)
                text += f"  |  {p.x:.6f}°E  {p.y:.6f}°N"
            except Exception:  # noqa: BLE001 - a coordinate readout must never raise
                pass
        self.coord_label.setText(text)

    def set_fill_mode(self, mode: str) -> None:
        """Colour grids by category or by check state; the legend follows."""
        self.canvas.set_grid_fill_mode(mode)
        self.legend.set_mode(mode)
        self._place_legend()
        (self.act_fill_check if mode == "check" else self.act_fill_category).setChecked(True)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt override
        if obj is self.canvas and event.type() == QEvent.Type.Resize:
            self._place_legend()
        return super().eventFilter(obj, event)

    def _place_legend(self) -> None:
        self.legend.place()

    # -- navigation ---------------------------------------------------------------------------------
    def zoom_full(self) -> None:
        self.canvas.zoom_to_extent()

    def zoom_selection(self) -> None:
        if self.selection:
            self.canvas.zoom_to_selection()
        elif self.current_unit:
            self.canvas.zoom_to_unit(self.current_unit)

    def zoom_unit(self, code: str) -> None:
        self.set_current_unit(code)
        self.canvas.zoom_to_unit(code)

    def zoom_grids(self, fids: list[int]) -> None:
        self.select_grids(fids, "")
        self.canvas.zoom_to_selection()

    def focus_finding(self, finding: Finding) -> None:
        """Zoom to the problem itself and select the grids involved."""
        if self.project is None:
            return
        fids = [f for f in finding.fids if f in self.project.dataset.grids]
        self.select_grids(fids, "findings")
        if finding.unit:
            self.set_current_unit(finding.unit)
        loc = finding.location
        if loc is not None and not loc.is_empty:
            xmin, ymin, xmax, ymax = loc.bounds
            pad = max(30.0, 0.5 * max(xmax - xmin, ymax - ymin))
            self.canvas.zoom_to_bounds(xmin - pad, ymin - pad, xmax + pad, ymax + pad)
        elif fids:
            self.canvas.zoom_to_selection()
        elif finding.unit:
            self.canvas.zoom_to_unit(finding.unit)

    def _show_findings(self) -> None:
        self.dock_findings.show()
        self.dock_findings.raise_()

    # -- files ---------------------------------------------------------------------------------------
    def _fill_recent(self) -> None:
        self.menu_recent.clear()
        files = self.settings.recent_files()
        if not files:
            act = self.menu_recent.addAction(self.tr("(无)"))
            act.setEnabled(False)
            return
        for i, path in enumerate(files, start=1):
            act = self.menu_recent.addAction(f"&{i}  {path}")
            act.triggered.connect(lambda _c=False, p=path: self._open_recent(p))

    def _open_recent(self, path: str) -> None:
        if not Path(path).exists():
            QMessageBox.warning(self, self.tr("最近打开"),
                                self.tr("文件已不存在:{0}\nThe file no longer exists.").format(path))
            self.settings.remove_recent_file(path)
            return
        self.open_path(path)

    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("打开项目"),
                                              self.settings.last_directory(), PROJECT_FILTER)
        if path:
            self.open_path(path)

    def new_from_units(self) -> None:
        from mapedit.io.exchange import read_units
        from mapedit.project import Project, dataset_from_units

        src, _ = QFileDialog.getOpenFileName(self, self.tr("选择管理单元文件(units.geojson)"),
                                             self.settings.last_directory(), GEOJSON_FILTER)
        if not src:
            return
        dst, _ = QFileDialog.getSaveFileName(self, self.tr("新项目保存为"),
                                             str(Path(src).with_suffix(".gpkg")),
                                             PROJECT_FILTER)
        if not dst:
            return
        if not dst.lower().endswith(".gpkg"):
            dst += ".gpkg"
        try:
            units, crs, messages = read_units(src)
            dataset = dataset_from_units(units, crs, fallback_name=Path(dst).stem)
            project = Project.create(dst, dataset, overwrite=True)  # the dialog asked already
        except (MapeditError, OSError) as exc:
            show_error(self, self.tr("无法新建项目"), exc)
            return
        self.set_project(project)
        self.settings.set_last_directory(dst)
        if messages:
            QMessageBox.information(self, self.tr("新建项目"), "\n".join(messages[:30]))

    def import_grids(self) -> None:
        if self.project is None:
            return
        from mapedit.project import import_grids_changeset

        src, _ = QFileDialog.getOpenFileName(self, self.tr("选择微网格文件(grids.geojson)"),
                                             self.settings.last_directory(), GEOJSON_FILTER)
        if not src:
            return
        try:
            changeset, messages, _added, _updated = import_grids_changeset(self.project, src)
        except (MapeditError, OSError) as exc:
            show_error(self, self.tr("无法导入微网格"), exc)
            return
        if not changeset:
            QMessageBox.information(self, self.tr("导入微网格"),
                                    self.tr("文件中没有可导入的微网格。") +
                                    ("\n" + "\n".join(messages[:30]) if messages else ""))
            return
        if self.push_changeset(changeset, allow_invalid=True):
            text = self.tr("已导入 {0} 个微网格,可按 Ctrl+Z 撤销。").format(len(changeset.changes))
            if messages:
                text += "\n\n" + "\n".join(messages[:30])
            QMessageBox.information(self, self.tr("导入微网格"), text)

    def export_geojson(self) -> bool:
        """Show the check summary, warn if errors remain, then write the exchange files."""
        if self.project is None:
            return False
        from mapedit.io.exchange import write_exchange

        s = self.project.summary()
        errors, warnings = int(s.get("errors", 0)), int(s.get("warnings", 0))
        text = self.tr("检查结果:错误 {0} 个,警告 {1} 个。").format(errors, warnings)
        if errors:
            text += "\n\n" + self.tr("还有错误没有处理,导出的文件可能被上级系统退回。"
                                     "仍要导出吗?")
            answer = QMessageBox.warning(
                self, self.tr("导出 GeoJSON"), text,
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No)
        else:
            answer = QMessageBox.question(
                self, self.tr("导出 GeoJSON"), text + "\n\n" + self.tr("继续导出吗?"),
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.Yes)
        if answer != QMessageBox.StandardButton.Yes:
            return False
        out = QFileDialog.getExistingDirectory(self, self.tr("选择导出文件夹"),
                                               self.settings.last_directory())
        if not out:
            return False
        try:
            written = write_exchange(self.project.dataset, out)
        except (MapeditError, OSError) as exc:
            show_error(self, self.tr("导出失败"), exc)
            return False
        self.settings.set_last_directory(out)
        names = ", ".join(Path(p).name for p in (written or [])) if isinstance(
            written, (list, tuple)) else "units.geojson, grids.geojson"
        self.statusBar().showMessage(self.tr("已导出到 {0}:{1}").format(out, names), 8000)
        return True

    # -- language, help -------------------------------------------------------------------------
    def set_language(self, lang: str) -> None:
        if lang == self.settings.language():
            return
        self.settings.set_language(lang)
        QMessageBox.information(self, "语言 / Language",
                                "界面语言将在重新启动程序后切换。\n"
                                "The interface language changes after you restart mapedit.")

    def show_help(self) -> None:
        box = QMessageBox(self)
        box.setWindowTitle(self.tr("使用说明"))
        box.setTextFormat(Qt.TextFormat.RichText)
        box.setText(HELP_ZH if current_language().startswith("zh") else HELP_EN)
        box.exec()

    def show_about(self) -> None:
        from mapedit import __version__

        QMessageBox.about(self, self.tr("关于"), self.tr(
            "<b>微网格编辑器</b> {0}<br>为街道办事处绘制、检查和导出微网格(一网统管)。<br>"
            "数据保存在本机的项目文件(.gpkg)中,每次修改立即保存,可随时撤销。").format(__version__))

    # -- state ---------------------------------------------------------------------------------------
    def _update_summary(self) -> None:
        if self.project is None:
            self.summary_button.setText("")
            return
        s = self.project.summary()
        errors, warnings = int(s.get("errors", 0)), int(s.get("warnings", 0))
        self.summary_button.setText(self.tr("错误 {0} / 警告 {1}").format(errors, warnings))
        self.summary_button.setStyleSheet(
            "color: #c62828; font-weight: bold;" if errors else
            ("color: #e65100;" if warnings else "color: #2e7d32;"))

    def _update_title(self) -> None:
        title = self.tr("微网格编辑器")
        if self.project is not None:
            ds = self.project.dataset
            name = ds.street.name if ds.street else ""
            path = getattr(self.project, "path", "")
            title = f"{name} — {Path(str(path)).name} — {title}" if name else \
                f"{Path(str(path)).name} — {title}"
        self.setWindowTitle(title)

    def _update_actions(self) -> None:
        has = self.project is not None
        for act in (self.act_import, self.act_export, self.act_full, self.act_zoom_in,
                    self.act_zoom_out, self.act_fill_category, self.act_fill_check):
            act.setEnabled(has)
        self.act_delete.setEnabled(has and bool(self.selection))
        self.act_zoom_sel.setEnabled(has and bool(self.selection or self.current_unit))
        self.act_lock.setEnabled(has and bool(self.current_unit))
        if has and self.current_unit in self.project.dataset.units:
            locked = self.project.dataset.units[self.current_unit].locked
            self.act_lock.setText(self.tr("解锁管理单元") if locked else self.tr("锁定管理单元"))

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        self.settings.save_window(self.saveGeometry(), self.saveState())
        if self.project is not None:
            try:
                self.project.close()
            except Exception:  # noqa: BLE001
                log.exception("closing project failed")
        super().closeEvent(event)

    def restore_defaults(self) -> None:
        """Forget the saved layout (used when a saved state no longer fits the docks)."""
        self.settings.save_window(QByteArray(), QByteArray())


HELP_ZH = """
<h3>微网格编辑器使用说明</h3>
<ol>
<li><b>打开项目</b>:启动时自动打开示范街道;“文件 → 打开”选择自己的项目(.gpkg),
或“文件 → 新建(从管理单元文件)”读入上级下发的 units.geojson。</li>
<li><b>查看进度</b>:左侧“管理单元”列表显示每个单元的微网格数、覆盖率、户数合计和错误数。
覆盖率应为 100%,错误数应为 0。双击一行可在地图上定位。</li>
<li><b>修改属性</b>:在地图或列表中点选一个微网格,在右侧“属性”中修改名称、类别、条线部门、
户数、人口、四至和备注。类别只能从本单元类型允许的类别中选择,把鼠标停在类别上可看划分原则。</li>
<li><b>检查</b>:每次修改后自动检查。右侧“检查结果”按问题类型和管理单元分组,
点击一条即可定位。确属实际情况的问题可“标记为例外”并写明原因。</li>
<li><b>户数平衡</b>:小区和村组的每个微网格应有 300–500 户;“户数平衡”图中绿色在范围内,
橙色超出范围。</li>
<li><b>导出</b>:“文件 → 导出 GeoJSON”(Ctrl+E)先显示检查结果,再导出 units.geojson 和
grids.geojson 上报。</li>
</ol>
<p>每次修改都立即保存到项目文件,并可用 Ctrl+Z 撤销、Ctrl+Y 重做。</p>
<p><b>主要规则</b>:微网格不能重叠、不能留空、不能跨出管理单元;边界不能切割楼栋;
村组微网格不能跨村民小组;编码为管理单元编码加三位序号。</p>
"""

HELP_EN = """
<h3>Using the micro-grid editor</h3>
<ol>
<li><b>Open</b> a project (.gpkg) or create one from a units.geojson file (File menu).</li>
<li>The <b>units</b> tree shows grids, coverage (should be 100%), households and errors per unit;
double-click to zoom.</li>
<li>Select a grid on the map or in the tree and edit its <b>properties</b> on the right.
Only categories allowed for the unit type can be chosen.</li>
<li>Every edit is <b>checked</b> at once; click a finding to zoom to it, or accept it as an
exception with a reason.</li>
<li>Residential grids should hold 300–500 households (<b>household balance</b> chart).</li>
<li><b>Export</b> GeoJSON with Ctrl+E; the check summary is shown first.</li>
</ol>
<p>Every edit is saved immediately and can be undone (Ctrl+Z) and redone (Ctrl+Y).</p>
"""
