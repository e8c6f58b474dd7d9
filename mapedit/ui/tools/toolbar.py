"""The 编辑 toolbar and menu: installs the editing tools into the main window.

``install_tools(window)`` is the only thing the window calls. It builds one
:class:`EditContext` around the window's canvas and project controller, creates the tools and
their actions (shortcut letters shown in the tooltips), and a status-bar hint that always says
what to do next with the active tool, in the interface language. Keys a tool needs while it is busy (Backspace,
Ctrl+Z, Enter, Delete, T) are claimed through ``ShortcutOverride`` so the window's shortcuts
(Ctrl+Z = undo, Del = delete grid) do not fire in the middle of a drawing.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QMenu, QToolBar

from mapedit.ui.i18n import N_, tr
from mapedit.ui.tools.context import EditContext
from mapedit.ui.tools.draw import DrawGridTool, TraceState
from mapedit.ui.tools.edit_base import EditTool
from mapedit.ui.tools.fill_gap import FillGapTool, fill_all_gaps_of_unit
from mapedit.ui.tools.households import show_households
from mapedit.ui.tools.merge import merge_selected
from mapedit.ui.tools.split import SplitByRoadTool, SplitTool
from mapedit.ui.tools.vertex import VertexTool

SELECT_HINT = N_("选择:单击微网格查看属性,Ctrl+单击多选;拖动平移,滚轮缩放")


class _KeyRouter(QObject):
    """Gives the active tool the keys it claims, before the window's shortcuts see them."""

    def __init__(self, manager: ToolManager) -> None:
        super().__init__(manager.window)
        self.manager = manager

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        tool = self.manager.active
        if tool is None:
            return False
        et = event.type()
        if et == QEvent.Type.ShortcutOverride:
            if tool.wants_key(event.key(), event.modifiers()):
                event.accept()
                return True
        elif et == QEvent.Type.KeyRelease and hasattr(tool, "key_release"):
            if tool.key_release(event.key(), event.modifiers(),
                                auto_repeat=event.isAutoRepeat()):
                return True
        return False


class ToolManager(QObject):
    """Owns the editing tools and actions of one main window."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.canvas = window.canvas
        self.controller = window.controller
        self.hint_label = QLabel(tr(SELECT_HINT), window)
        self.hint_label.setObjectName("tool_hint")
        self.hint_label.setMinimumWidth(1)  # a long hint must not widen the window
        window.statusBar().addWidget(self.hint_label, 1)
        self.ctx = EditContext(canvas=self.canvas, controller=self.controller,
                               show_hint=self._show_hint)
        self.trace = TraceState()
        self.draw = DrawGridTool(self.ctx, self.trace)
        self.split = SplitTool(self.ctx, self.trace)
        self.split_road = SplitByRoadTool(self.ctx)
        self.vertex = VertexTool(self.ctx)
        self.fill_gap = FillGapTool(self.ctx)
        self.tools: list[EditTool] = [self.draw, self.split, self.split_road, self.vertex,
                                      self.fill_gap]
        self.active: EditTool | None = None
        self.actions: dict[str, QAction] = {}
        self._build_actions()
        self.router = _KeyRouter(self)
        for w in {self.canvas, _viewport(self.canvas)}:
            if w is not None:
                w.installEventFilter(self.router)

    # -- plumbing --------------------------------------------------------------------------
    def _show_hint(self, text: str) -> None:
        self.window.statusBar().clearMessage()
        self.hint_label.setText(text)

    def _select(self, fids: list[int]) -> None:
        self.controller.select_grids(list(fids), "command")

    def selection(self) -> list[int]:
        return list(self.controller.selection)

    def _action(self, text: str, shortcut: str | None, tip: str, slot: Any = None,
                checkable: bool = False, key: str = "") -> QAction:
        act = QAction(text, self.window)
        if shortcut:
            act.setShortcut(QKeySequence(shortcut))
            act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        act.setCheckable(checkable)
        keys = act.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        act.setToolTip(f"{text}({keys})\n{tip}" if keys else f"{text}\n{tip}")
        act.setStatusTip(tip)
        if slot is not None:
            act.triggered.connect(slot)
        self.actions[key or text] = act
        return act

    # -- actions ---------------------------------------------------------------------------
    def _build_actions(self) -> None:
        w = self.window
        group = QActionGroup(w)
        group.setExclusive(True)
        self.act_select = self._action(self.tr("选择"), None, tr(SELECT_HINT),
                                       lambda: self.activate(None), True, "select")
        # Esc is the way back to selecting (act_escape below); say so where clerks look.
        self.act_select.setToolTip(f"{self.tr('选择')}(Esc)\n{tr(SELECT_HINT)}")
        self.act_select.setChecked(True)
        group.addAction(self.act_select)
        self.tool_actions: dict[str, QAction] = {}
        for tool in self.tools:
            # Titles and hints live on the tool classes (marked N_); translated here.
            act = self._action(tr(tool.title), tool.shortcut, tool.hint_text(),
                               lambda _c=False, t=tool: self.activate(t), True, tool.name)
            group.addAction(act)
            self.tool_actions[tool.name] = act
        self.act_trace = self._action(
            self.tr("追踪"), None,
            self.tr("开启后,在同一条边线(单元边界、相邻微网格、道路)上先后吸附两点,"
                    "将沿这条边线自动补齐中间节点;绘制时按住 T 也可临时开启"),
            lambda on: setattr(self.trace, "toggled", bool(on)), True, "trace")
        self.act_trace.setToolTip(self.tr("追踪(绘制时按住 T)") + "\n"
                                  + self.act_trace.statusTip())
        self.act_fill_mode = self._action(
            self.tr("贴合邻居"), None,
            self.tr("开启:新微网格自动填满与相邻微网格之间的细缝;"
                    "关闭(默认):新微网格只裁去与已有微网格重叠的部分"),
            self._set_fill_mode, True, "fill_mode")
        self.act_merge = self._action(
            self.tr("合并"), "M", self.tr("把选中的两个或多个相邻微网格合并为一个"),
            self.merge, key="merge")
        self.act_fill_all = self._action(
            self.tr("填补本单元全部空隙"), "Shift+F",
            self.tr("把当前管理单元内所有未覆盖的空隙并入公共边最长的相邻微网格"),
            self.fill_all, key="fill_all")
        self.act_households = self._action(
            self.tr("由楼栋计算户数"), "H",
            self.tr("按底图楼栋计算选中微网格的户数,与已录入的户数对照"),
            self.households, key="households")
        groups: list[list[QAction]] = [
            [self.act_select, *(self.tool_actions[n] for n in
                                ("draw", "split", "split_road", "vertex", "fill_gap"))],
            [self.act_trace, self.act_fill_mode],
            [self.act_merge, self.act_fill_all, self.act_households],
        ]
        tb: QToolBar = w.toolbar_edit
        anchor = getattr(w, "edit_tools_anchor", None)
        if anchor is not None and anchor not in tb.actions():
            anchor = None
        if anchor is None and tb.actions():
            anchor = tb.insertSeparator(tb.actions()[0])
        for i, acts in enumerate(groups):
            if i:
                if anchor is not None:
                    tb.insertSeparator(anchor)
                else:
                    tb.addSeparator()
            for act in acts:
                if anchor is not None:
                    tb.insertAction(anchor, act)
                else:
                    tb.addAction(act)
        self.toolbar = tb

        menu = _edit_menu(w)
        menu.addSeparator()
        tools_menu = menu.addMenu(self.tr("编辑工具"))
        tools_menu.addAction(self.act_select)
        for name in ("draw", "split", "split_road", "vertex", "fill_gap"):
            tools_menu.addAction(self.tool_actions[name])
        tools_menu.addSeparator()
        tools_menu.addAction(self.act_trace)
        tools_menu.addAction(self.act_fill_mode)
        menu.addAction(self.act_merge)
        menu.addAction(self.act_fill_all)
        menu.addAction(self.act_households)
        self.menu = menu
        # Esc with no drawing in progress returns to the select tool.
        self.act_escape = QAction(w)
        self.act_escape.setShortcut(QKeySequence(Qt.Key.Key_Escape))
        self.act_escape.triggered.connect(lambda: self.activate(None))
        w.addAction(self.act_escape)

    # -- tool switching --------------------------------------------------------------------
    def activate(self, tool: EditTool | None) -> None:
        """Make ``tool`` the canvas tool (None: back to selecting)."""
        if tool is self.active:
            return
        if self.active is not None:
            self.active.cancel()
        self.active = tool
        self.canvas.set_tool(tool)
        if tool is None:
            self.act_select.setChecked(True)
            self.ctx.hint(tr(SELECT_HINT))
        else:
            self.tool_actions[tool.name].setChecked(True)
            tool.show_hint()
            self.canvas.setFocus()

    def _set_fill_mode(self, on: bool) -> None:
        self.draw.mode = "fill" if on else "trim"
        self.ctx.message(tr("绘制方式:贴合相邻微网格,自动填满细缝") if on
                         else tr("绘制方式:避让已有微网格,重叠部分裁去"))

    # -- one-shot actions ------------------------------------------------------------------
    def merge(self) -> None:
        fid = merge_selected(self.ctx, self.selection())
        if fid is not None:
            self._select([fid])

    def current_unit(self) -> str | None:
        code = self.controller.current_unit
        if code:
            return code
        ds = self.ctx.dataset
        sel = self.selection()
        if ds is not None and sel and sel[0] in ds.grids:
            return ds.grids[sel[0]].unit_code
        return None

    def fill_all(self) -> None:
        fill_all_gaps_of_unit(self.ctx, self.current_unit())

    def households(self) -> None:
        show_households(self.ctx, self.selection(), self.window)


def _viewport(canvas: Any) -> Any:
    vp = getattr(canvas, "viewport", None)
    try:
        return vp() if callable(vp) else vp
    except Exception:  # noqa: BLE001
        return None


def _edit_menu(window: QMainWindow) -> QMenu:
    """The window's 编辑 menu: its ``menu_edit`` attribute (never looked up by its title,
    which is translated)."""
    return window.menu_edit


def install_tools(window: QMainWindow) -> ToolManager:
    """Create the 编辑 toolbar, menu entries and tools for ``window`` (kept as
    ``window.edit_tools``; calling it twice returns the same manager)."""
    existing = getattr(window, "edit_tools", None)
    if isinstance(existing, ToolManager):
        return existing
    manager = ToolManager(window)
    window.edit_tools = manager
    return manager
