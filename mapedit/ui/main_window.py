"""The editor window: map in the middle, hierarchy/layers left, attributes/findings right,
household chart below.

The window assembles docks, actions, menus and toolbars and connects them; it decides nothing
about the project. :class:`~mapedit.ui.controller.ProjectController` holds the project, the undo
stack, the one push path and the selection, and emits one ``refreshed`` per change; the slots
here only pass that on to the views (map, unit tree, findings, form, chart). File operations
are in :mod:`mapedit.ui.files`, the map tools in :mod:`mapedit.ui.tools`.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QByteArray, QCoreApplication, QEvent, Qt
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QToolBar,
    QWidget,
)
from shapely.geometry import Point

from mapedit.io import crs as crs_mod
from mapedit.rules.findings import Finding
from mapedit.ui.basemap.actions import BasemapActions
from mapedit.ui.canvas import MapCanvas
from mapedit.ui.controller import ProjectController, Refresh
from mapedit.ui.files import ProjectFiles, show_error
from mapedit.ui.i18n import tr
from mapedit.ui.notice import MapNotice
from mapedit.ui.panels.attributes import AttributePanel
from mapedit.ui.panels.findings import FindingsPanel
from mapedit.ui.panels.households import HouseholdChart
from mapedit.ui.panels.layers import LayerPanel
from mapedit.ui.panels.legend import MapLegend
from mapedit.ui.panels.unit_tree import UnitTreePanel
from mapedit.ui.settings_store import SettingsStore
from mapedit.ui.sheets.actions import PaperActions
from mapedit.ui.support_menu import install_support, project_opened

log = logging.getLogger(__name__)

SMALL_SCREEN_WIDTH = 1600
"""Below this available width (office laptops: 1366, 1440) the docks share tabs and the legend
starts folded, so the map keeps most of the window."""

__all__ = ["MainWindow", "show_error"]


class MainWindow(QMainWindow):
    """Main window for one open project (``controller.set_project`` switches projects)."""

    def __init__(self, project=None, settings: SettingsStore | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings or SettingsStore()
        self.controller = ProjectController(self)
        self.files = ProjectFiles(self, self.controller, self.settings)
        self.paper = PaperActions(self, self.controller, self.settings)  # sheets, tables, reports
        self.basemap = BasemapActions(self, self.controller, self.settings)  # layers, georef

        self.setObjectName("MainWindow")
        self.setWindowTitle(self.tr("微网格编辑器"))
        self.canvas = MapCanvas(self)
        self.setCentralWidget(self.canvas)
        self.legend = MapLegend(self.canvas)
        self.notice = MapNotice(self.canvas)
        self.canvas.installEventFilter(self)

        self.unit_tree = UnitTreePanel(self)
        self.layers = LayerPanel(self)
        self.layers.georeferenceRequested.connect(self.basemap.adjust_georeference)
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
        self.tabifyDockWidget(self.dock_units, self.dock_layers)
        self.dock_units.raise_()

        self._build_status_bar()
        self._build_actions()
        self._build_menus()
        self._build_toolbar()
        self._connect()
        self._install_edit_tools()
        install_support(self)  # 恢复备份, 欢迎页, 自检, icons (ui/support_menu.py)
        self._restore_layout()  # after every toolbar exists, so their positions come back
        self._init_legend()
        self._update_actions()
        if project is not None:
            self.controller.set_project(project)

    # -- the controller's state, for views and tests -------------------------------------------
    @property
    def project(self):
        return self.controller.project

    @property
    def undo_stack(self):
        return self.controller.undo_stack

    @property
    def selection(self) -> list[int]:
        return self.controller.selection

    @property
    def current_unit(self) -> str | None:
        return self.controller.current_unit

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
        self.check_progress = QProgressBar(self)
        self.check_progress.setMaximumWidth(160)
        self.check_progress.setFormat(self.tr("检查中 %p%"))
        self.check_progress.setToolTip(self.tr("正在检查整个项目;可以继续编辑,结果出来后自动显示"))
        self.check_progress.hide()
        self.summary_button = QPushButton(self)
        self.summary_button.setFlat(True)
        self.summary_button.setToolTip(self.tr("打开检查结果"))
        self.summary_button.clicked.connect(self._show_findings)
        sb.addPermanentWidget(self.coord_label)
        sb.addPermanentWidget(self.unit_label)
        sb.addPermanentWidget(self.check_progress)
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
        f = self.files
        self.act_new = a(self.tr("新建(从管理单元文件)…"), f.new_from_units, "Ctrl+N",
                         self.tr("读入管理单元 GeoJSON,新建一个项目文件"))
        self.act_open = a(self.tr("打开…"), f.open_dialog, QKeySequence.StandardKey.Open,
                          self.tr("打开一个微网格项目(.gpkg)"))
        self.act_reload = a(self.tr("重新载入"), f.reload, "F5",
                            self.tr("载入其他程序(另一个窗口、QGIS 等)对项目文件的修改"))
        self.act_import = a(self.tr("导入微网格…"), f.import_grids, "Ctrl+I",
                            self.tr("把微网格 GeoJSON 导入当前项目(可撤销)"))
        self.act_export = a(self.tr("导出…"), f.export, "Ctrl+E",
                            self.tr("先显示检查结果,再导出(GeoJSON、Shapefile、GeoPackage、"
                                    "KML、CSV;导出配置)"))
        self.act_quit = a(self.tr("退出"), self.close, "Ctrl+Q")
        stack = self.undo_stack
        self.act_undo = stack.createUndoAction(self, self.tr("撤销"))
        self.act_undo.setShortcuts([QKeySequence("Ctrl+Z")])
        self.act_redo = stack.createRedoAction(self, self.tr("重做"))
        self.act_redo.setShortcuts([QKeySequence("Ctrl+Y"), QKeySequence("Ctrl+Shift+Z")])
        self.act_undo.changed.connect(self._undo_redo_tooltips)
        self.act_redo.changed.connect(self._undo_redo_tooltips)
        self._undo_redo_tooltips()
        self.act_delete = a(self.tr("删除微网格"), self.delete_selected, "Del",
                            self.tr("删除选中的微网格(可撤销)"))
        self.act_lock = a(self.tr("锁定/解锁管理单元"), self.toggle_lock, "Ctrl+L",
                          self.tr("锁定后该单元的微网格不能再修改"))
        self.act_renumber = a(self.tr("重新编号本单元"),
                              lambda: self.controller.renumber_unit(self.current_unit), "Ctrl+R",
                              self.tr("按从北到南、从西到东的顺序重新给当前管理单元的微网格编号"
                                      "(可撤销)"))
        self.act_full = a(self.tr("全图"), self.canvas.zoom_to_extent, "Home",
                          self.tr("显示整个街道"))
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
        # Each language names itself, so a clerk can find their own in either interface.
        self.act_lang_zh = a("中文", lambda: self.set_language("zh_CN"), checkable=True)  # i18n: ok
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
        m_file.addAction(self.act_reload)
        m_file.addSeparator()
        m_file.addAction(self.act_import)
        m_file.addAction(self.act_export)
        m_file.addSeparator()
        self.basemap.add_to(m_file)
        m_file.addSeparator()
        self.paper.add_to(m_file)
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
        c, ctl = self.canvas, self.controller
        ctl.projectChanged.connect(self._on_project)
        ctl.refreshed.connect(self._on_refreshed)
        ctl.selectionChanged.connect(self._on_selection)
        ctl.currentUnitChanged.connect(self._on_current_unit)
        ctl.notice.connect(self.notice.show_text)
        ctl.status.connect(lambda text, ms: self.statusBar().showMessage(text, ms))
        ctl.checkProgress.connect(self._on_check_progress)
        ctl.checkingChanged.connect(self._on_checking)
        c.gridClicked.connect(self._on_grid_clicked)
        c.unitClicked.connect(self._on_unit_clicked)
        c.emptyClicked.connect(lambda: ctl.select_grids([], "canvas"))
        c.cursorMoved.connect(self._on_cursor)
        self.unit_tree.gridsSelected.connect(lambda fids: ctl.select_grids(fids, "tree"))
        self.unit_tree.unitSelected.connect(ctl.set_current_unit)
        self.unit_tree.unitActivated.connect(self.zoom_unit)
        self.unit_tree.gridActivated.connect(lambda fid: self.zoom_grids([fid]))
        self.attributes.editRequested.connect(self._on_attribute_edit)
        self.findings.findingActivated.connect(self.focus_finding)
        self.findings.acceptRequested.connect(self.accept_finding)
        self.findings.unacceptRequested.connect(ctl.unaccept_finding)
        self.findings.fixRequested.connect(ctl.apply_fix)
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
        self._layout_pending = state is None
        if state is not None:
            self.restoreState(state)

    def _init_legend(self) -> None:
        """The legend starts as the clerk left it; without a choice yet, folded on a small
        screen (it would cover a third of the map) and open on a large one (decided again at
        the first show, when the window has its real size). Only the clerk's own clicks are
        remembered: once the colours are known the key only covers the map."""
        saved = self.settings.value("legend_open")
        self._legend_auto = False
        self.legend.toggle.toggled.connect(self._legend_toggled)
        self._set_legend(self.width() >= SMALL_SCREEN_WIDTH if saved is None
                         else str(saved) == "true")

    def _set_legend(self, shown: bool) -> None:
        """Fold or open the legend without taking it for the clerk's choice."""
        self._legend_auto = True
        try:
            self.legend.toggle.setChecked(shown)
        finally:
            self._legend_auto = False

    def _legend_toggled(self, shown: bool) -> None:
        if not self._legend_auto:
            self.settings.set_value("legend_open", "true" if shown else "false")

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        """The first show: the default dock layout and legend for the window's real size
        (unless the clerk's own layout was restored)."""
        super().showEvent(event)
        if self._layout_pending:
            self._layout_pending = False
            self.default_layout(self.width())
            if self.settings.value("legend_open") is None:
                self._set_legend(self.width() >= SMALL_SCREEN_WIDTH)
            self.legend.place()

    def default_layout(self, width: int) -> None:
        """Dock sizes for a window ``width`` pixels wide. On a small screen the right docks
        share one tab area, the chart joins the left tabs and the legend starts folded, so
        the map keeps about two thirds of the width; a large screen shows every dock."""
        small = width < SMALL_SCREEN_WIDTH
        if small:
            self.tabifyDockWidget(self.dock_attributes, self.dock_findings)
            self.tabifyDockWidget(self.dock_units, self.dock_households)
            self.dock_units.raise_()
            self.dock_attributes.raise_()
            self.resizeDocks([self.dock_units, self.dock_attributes],
                             [max(250, int(width * 0.19)), max(290, int(width * 0.21))],
                             Qt.Orientation.Horizontal)
        else:
            self.resizeDocks([self.dock_units, self.dock_attributes], [440, 380],
                             Qt.Orientation.Horizontal)
            self.resizeDocks([self.dock_units, self.dock_households], [560, 240],
                             Qt.Orientation.Vertical)
            self.resizeDocks([self.dock_attributes, self.dock_findings], [430, 370],
                             Qt.Orientation.Vertical)

    # -- views follow the controller -----------------------------------------------------------
    def _on_project(self, project) -> None:
        """A project was opened (or closed): every view starts over."""
        ds = project.dataset if project is not None else None
        project_opened(self, project)  # safety copy (ui/backups.py), menu state
        self.basemap.project_opened(project)  # imagery context: CRS, file, the user's key
        self.canvas.set_dataset(ds)
        self.basemap.watch_imagery()
        self.layers.set_project(project)  # removal through the project, with the clerk's name
        self.unit_tree.set_project(project)
        self.attributes.set_project(project)
        self.findings.set_findings(self.controller.findings(), ds,
                                   checking=project is not None
                                   and not self.controller.checker_ready)
        self.households.set_unit(ds, None)
        self.set_fill_mode("check" if self.act_fill_check.isChecked() else "category")
        self.unit_label.setText(self.tr("当前单元:—"))
        if project is not None and self.controller.checker_ready:
            self._show_findings_everywhere(set())
        self._update_summary()
        self._update_title()
        self._update_actions()
        if project is not None and self.isVisible():
            # Paint the map now, before the controller starts the full check beside it: the
            # clerk sees the city first (on a busy 2-core PC the check would slow this down).
            self.canvas.view.viewport().repaint()

    def _on_refreshed(self, r: Refresh) -> None:
        """The one refresh of a change: the map first (touched grids, findings, selection),
        painted at once — the clerk looks there — then the rows of the touched units, the
        findings list, the form and the chart."""
        ctl = self.controller
        if ctl.project is None:
            return
        ds = ctl.project.dataset
        findings = ctl.findings() if r.findings and ctl.checker_ready else None
        if r.fids:
            self.canvas.refresh_grids(sorted(r.fids))
        if findings is not None:
            self.canvas.set_findings(findings)
        self.canvas.set_selection(ctl.selection)
        self._paint_map_now()
        if findings is not None:
            self._show_findings_in_panels(findings, r.units)
        elif r.units:
            self.unit_tree.refresh_units(sorted(r.units))
        self.attributes.refresh()
        if self.current_unit in r.units:  # the chart shows the unit's grids, not findings
            self.households.set_unit(ds, self.current_unit)
            self.households.set_selection(ctl.selection)
        self._update_summary()
        self._update_title()
        self._update_actions()

    def _paint_map_now(self) -> None:
        """Repaint what changed on the map now, before the panels are refreshed (an edit is
        seen where it was made ~20 ms sooner): the scene's pending changes are processed and
        the window's pending repaint is delivered."""
        if not self.isVisible():
            return
        QCoreApplication.sendPostedEvents(self.canvas.view.scene(), QEvent.Type.MetaCall)
        QCoreApplication.sendPostedEvents(self.window(), QEvent.Type.UpdateRequest)

    def _show_findings_everywhere(self, touched_units: set[str]) -> None:
        findings = self.controller.findings()
        self.canvas.set_findings(findings)
        self._show_findings_in_panels(findings, touched_units)

    def _show_findings_in_panels(self, findings: list[Finding], touched_units: set[str]) -> None:
        self.findings.set_findings(findings, self.controller.project.dataset)
        self.unit_tree.set_findings(findings, touched_units)
        self.unit_tree.select_grids(self.selection)

    def _on_selection(self, fids: list[int], source: str) -> None:
        self.canvas.set_selection(fids)
        if source != "tree":
            self.unit_tree.select_grids(fids)
        self.attributes.show_grids(fids)
        self.households.set_selection(fids)
        self._update_actions()

    def _on_current_unit(self, code: str | None) -> None:
        ds = self.controller.dataset
        unit = ds.units.get(code) if ds is not None and code else None
        self.unit_label.setText(self.tr("当前单元:{0}").format(
            f"{unit.name}({tr(unit.unit_type)})" if unit else "—"))
        self.households.set_unit(ds, code)
        self.households.set_selection(self.selection)
        self.findings.set_current_unit(code)
        self.canvas.highlight_unit(code)
        self._update_actions()

    def _on_check_progress(self, done: int, total: int) -> None:
        self.check_progress.setRange(0, max(1, total))
        self.check_progress.setValue(done)

    def _on_checking(self, checking: bool) -> None:
        self.check_progress.setVisible(checking)
        self.findings.set_checking(checking)
        self._update_summary()

    # -- what the clerk does -------------------------------------------------------------------
    def _on_attribute_edit(self, changeset) -> None:
        if self.controller.push_changeset(changeset) is None:
            self.attributes.refresh()  # show the stored value again

    def delete_selected(self) -> None:
        self.controller.delete_grids(list(self.selection))

    def toggle_lock(self) -> None:
        code = self.current_unit
        ds = self.controller.dataset
        if ds is None or not code:
            self.statusBar().showMessage(self.tr("请先选择一个管理单元"), 5000)
            return
        self.controller.set_unit_locked(code, not ds.units[code].locked)

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
        self.controller.accept_finding(finding, reason)

    def _on_grid_clicked(self, fid: int, additive: bool) -> None:
        ctl = self.controller
        if fid is None or fid < 0:
            if not additive:
                ctl.select_grids([], "canvas")
            return
        sel = list(ctl.selection)
        if additive:
            if fid in sel:
                sel.remove(fid)
            else:
                sel.append(fid)
        else:
            sel = [fid]
        ctl.select_grids(sel, "canvas")

    def _on_chart_clicked(self, fid: int) -> None:
        """A bar of the 户数平衡 chart: select that grid; if it is off screen, show it (the
        clerk clicked the bar to find the grid)."""
        ds = self.controller.dataset
        if ds is None or fid not in ds.grids:
            return
        self.controller.select_grids([fid], "chart")
        geom = ds.grids[fid].geometry
        if geom is not None and not geom.is_empty:
            ax, ay, bx, by = self.canvas.view_bounds()
            c = geom.representative_point()
            if not (min(ax, bx) <= c.x <= max(ax, bx) and min(ay, by) <= c.y <= max(ay, by)):
                self.canvas.zoom_to_selection()

    def _on_unit_clicked(self, code: str) -> None:
        """A click in a unit where no grid is (a gap): that unit becomes current."""
        self.controller.select_grids([], "canvas")
        self.controller.set_current_unit(code)
        self.unit_tree.select_unit(code)

    def _on_cursor(self, x: float, y: float) -> None:
        text = self.tr("X {0:.1f} 米  Y {1:.1f} 米").format(x, y)
        ds = self.controller.dataset
        if ds is not None:
            try:
                p = crs_mod.to_wgs84(Point(x, y), ds.crs)
                text += f"  |  {p.x:.6f}°E  {p.y:.6f}°N"
            except Exception:  # noqa: BLE001 - a coordinate readout must never raise
                pass
        self.coord_label.setText(text)

    def set_fill_mode(self, mode: str) -> None:
        """Colour grids by category or by check state; the legend follows."""
        self.canvas.set_grid_fill_mode(mode)
        self.legend.set_mode(mode)
        self.legend.place()
        (self.act_fill_check if mode == "check" else self.act_fill_category).setChecked(True)

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt override
        """Back in the window (from QGIS, say): take in what another program changed before
        the clerk edits."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.ActivationChange and self.isActiveWindow():
            self.controller.check_outside()

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt override
        if obj is self.canvas and event.type() == QEvent.Type.Resize:
            self.legend.place()
            if self.notice.isVisible():
                self.notice.place()
        return super().eventFilter(obj, event)

    # -- navigation ---------------------------------------------------------------------------------
    def select_grids(self, fids: list[int], source: str = "") -> None:
        self.controller.select_grids(fids, source)

    def set_current_unit(self, code: str | None) -> None:
        self.controller.set_current_unit(code)

    def zoom_selection(self) -> None:
        if self.selection:
            self.canvas.zoom_to_selection()
        elif self.current_unit:
            self.canvas.zoom_to_unit(self.current_unit)

    def zoom_unit(self, code: str) -> None:
        self.controller.set_current_unit(code)
        self.canvas.zoom_to_unit(code)

    def zoom_grids(self, fids: list[int]) -> None:
        self.controller.select_grids(fids, "")
        self.canvas.zoom_to_selection()

    def focus_finding(self, finding: Finding) -> None:
        """Zoom to the problem itself and select the grids involved."""
        ds = self.controller.dataset
        if ds is None:
            return
        fids = [f for f in finding.fids if f in ds.grids]
        self.controller.select_grids(fids, "findings")
        if finding.unit:
            self.controller.set_current_unit(finding.unit)
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
            act.triggered.connect(lambda _c=False, p=path: self.files.open_recent(p))

    def open_path(self, path: str | Path) -> bool:
        return self.files.open_path(path)

    def export_geojson(self) -> bool:
        return self.files.export_geojson()

    # -- language, help -------------------------------------------------------------------------
    def set_language(self, lang: str) -> None:
        if lang == self.settings.language():
            return
        self.settings.set_language(lang)
        # Both languages at once: the clerk may not read the one in use.
        QMessageBox.information(self, "语言 / Language",  # i18n: ok
                                "界面语言将在重新启动程序后切换。\n"  # i18n: ok
                                "The interface language changes after you restart mapedit.")

    def show_help(self) -> None:
        from mapedit.ui.help import help_html

        box = QMessageBox(self)
        box.setWindowTitle(self.tr("使用说明"))
        box.setTextFormat(Qt.TextFormat.RichText)
        box.setText(help_html())
        box.exec()

    def show_about(self) -> None:
        from mapedit import __version__

        QMessageBox.about(self, self.tr("关于"), self.tr(
            "<b>微网格编辑器</b> {0}<br>为街道办事处绘制、检查和导出微网格(一网统管)。<br>"
            "数据保存在本机的项目文件(.gpkg)中,每次修改立即保存,可随时撤销。").format(__version__))

    # -- state ---------------------------------------------------------------------------------------
    def _update_summary(self) -> None:
        ctl = self.controller
        if ctl.project is None:
            self.summary_button.setText("")
            return
        s = ctl.summary()
        if s is None:
            self.summary_button.setText(self.tr("正在检查…"))
            self.summary_button.setStyleSheet("color: #555555;")
            return
        errors, warnings = int(s.get("errors", 0)), int(s.get("warnings", 0))
        self.summary_button.setText(self.tr("错误 {0} / 警告 {1}").format(errors, warnings))
        self.summary_button.setStyleSheet(
            "color: #c62828; font-weight: bold;" if errors else
            ("color: #e65100;" if warnings else "color: #2e7d32;"))

    def _update_title(self) -> None:
        title = self.tr("微网格编辑器")
        project = self.controller.project
        if project is not None:
            ds = project.dataset
            name = ds.street.name if ds.street else ""
            path = getattr(project, "path", "")
            title = f"{name} — {Path(str(path)).name} — {title}" if name else \
                f"{Path(str(path)).name} — {title}"
        self.setWindowTitle(title)

    def _update_actions(self) -> None:
        ctl = self.controller
        has = ctl.project is not None
        for act in (self.act_reload, self.act_import, self.act_export, self.act_full,
                    self.act_zoom_in,
                    self.act_zoom_out, self.act_fill_category, self.act_fill_check):
            act.setEnabled(has)
        self.act_delete.setEnabled(has and bool(ctl.selection))
        self.act_zoom_sel.setEnabled(has and bool(ctl.selection or ctl.current_unit))
        self.act_lock.setEnabled(has and bool(ctl.current_unit))
        self.act_renumber.setEnabled(has and bool(ctl.current_unit))
        if has and ctl.current_unit in ctl.project.dataset.units:
            locked = ctl.project.dataset.units[ctl.current_unit].locked
            self.act_lock.setText(self.tr("解锁管理单元") if locked else self.tr("锁定管理单元"))

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        self.settings.save_window(self.saveGeometry(), self.saveState())
        if self.project is not None:
            try:
                self.controller.close()
            except Exception:  # noqa: BLE001
                log.exception("closing project failed")
        super().closeEvent(event)

    def restore_defaults(self) -> None:
        """Forget the saved layout (used when a saved state no longer fits the docks)."""
        self.settings.save_window(QByteArray(), QByteArray())
