"""Draw a new micro-grid by clicking its outline (labelme-like).

Click adds a vertex, Backspace or Ctrl+Z removes the last one, Esc cancels, double-click or
Enter closes the shape. The outline is clipped to the unit the drawing started in (unless that
unit would get nothing — the first click landed just inside a finished neighbour —, then to the
unit the outline mostly covers, and the clerk is told) and either
trimmed against the existing grids (default: never overlap) or filled up to them (the new grid
closes the gap exactly); :func:`mapedit.model.geometry_ops.draw_grid` does the geometry, this
tool only collects clicks. Holding T (or the 追踪 toggle) follows the ring between two snapped
clicks instead of requiring every vertex to be clicked.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from mapedit.ui.i18n import N_, tr
from mapedit.ui.tools.context import EditContext
from mapedit.ui.tools.edit_base import EditTool, is_ctrl, is_key
from mapedit.ui.tools.sketch import Sketch
from mapedit.ui.tools.snapping import EDIT_SNAP_LAYERS


class TraceState:
    """Whether tracing is on: the toolbar toggle or T held down (shared by draw and split)."""

    def __init__(self) -> None:
        self.toggled = False
        self.key_held = False

    @property
    def on(self) -> bool:
        return self.toggled or self.key_held


class SketchTool(EditTool):
    """A tool whose input is a clicked sketch (polygon or line); subclasses implement
    :meth:`finish_sketch`."""

    closed = True
    min_points = 3
    snap_layers = EDIT_SNAP_LAYERS

    def __init__(self, ctx: EditContext, trace: TraceState | None = None) -> None:
        super().__init__(ctx)
        self.trace = trace or TraceState()
        self.sketch = Sketch(ctx, self.snapper, closed=self.closed)
        self.unit_code: str | None = None

    @property
    def busy(self) -> bool:
        return self.sketch.active

    # -- mouse -----------------------------------------------------------------------------
    def mouse_move(self, x: float, y: float, modifiers: Any = None, **_: Any) -> None:
        snap = self.snapper.snap(x, y, modifiers)
        if self.sketch.active:
            self.sketch.move(snap)

    def mouse_press(self, x: float, y: float, button: Any = None, modifiers: Any = None,
                    **_: Any) -> bool:
        if button is not None and button != Qt.MouseButton.LeftButton:
            if button == Qt.MouseButton.RightButton and self.sketch.active:
                self.undo_point()
                return True
            return False
        snap = self.snapper.snap(x, y, modifiers)
        if not self.sketch.active:
            if not self.begin(snap.x, snap.y):
                return True
            self.start()
        self.sketch.add(snap, trace=self.trace.on)
        self.after_click()
        return True

    def mouse_double_click(self, x: float, y: float, button: Any = None, modifiers: Any = None,
                           **_: Any) -> bool:
        if button is not None and button != Qt.MouseButton.LeftButton:
            return False
        if not self.sketch.active:
            return False
        # The press before the double-click already added this point; a stray second press
        # at the same place is dropped by the sketch itself.
        snap = self.snapper.snap(x, y, modifiers, show=False)
        last = self.sketch.points[-1]
        if abs(last[0] - snap.x) > 1e-9 or abs(last[1] - snap.y) > 1e-9:
            self.sketch.add(snap, trace=self.trace.on)
        self.finish()
        return True

    # -- keys ------------------------------------------------------------------------------
    def wants_key(self, key: int, modifiers: Any) -> bool:
        if is_key(key, Qt.Key.Key_T):
            return True
        if not self.sketch.active:
            return False
        if is_key(key, Qt.Key.Key_Escape, Qt.Key.Key_Backspace, Qt.Key.Key_Return,
                  Qt.Key.Key_Enter):
            return True
        return is_key(key, Qt.Key.Key_Z) and is_ctrl(modifiers)

    def key_press(self, key: int, modifiers: Any = None, auto_repeat: bool = False,
                  **_: Any) -> bool:
        if is_key(key, Qt.Key.Key_T):
            if not self.trace.key_held:
                self.trace.key_held = True
                self.ctx.hint(tr("追踪已开启:在同一条边线上吸附两点,将沿边线连接。"))
            return True
        if is_key(key, Qt.Key.Key_Escape):
            if self.sketch.active:
                self.cancel()
                self.ctx.message(tr("已取消绘制。"))
                self.show_hint()
                return True
            return False
        if is_key(key, Qt.Key.Key_Backspace) or (is_key(key, Qt.Key.Key_Z) and is_ctrl(modifiers)):
            if self.sketch.active:
                self.undo_point()
                return True
            return False
        if is_key(key, Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if self.sketch.active:
                self.finish()
                return True
        return False

    def key_release(self, key: int, modifiers: Any = None, auto_repeat: bool = False,
                    **_: Any) -> bool:
        if is_key(key, Qt.Key.Key_T) and not auto_repeat:
            self.trace.key_held = False
            self.show_hint()
            return True
        return False

    # -- sketch lifecycle -----------------------------------------------------------------
    def begin(self, x: float, y: float) -> bool:
        """Start a sketch at the first click; False refuses it (with a message)."""
        return True

    def after_click(self) -> None:
        n = len(self.sketch)
        if n < self.min_points:
            self.ctx.hint(tr("已添加 {0} 个节点,至少需要 {1} 个。").format(n, self.min_points)
                          + self.hint_text())
        else:
            self.ctx.hint(tr("已添加 {0} 个节点。").format(n) + self.hint_text())

    def undo_point(self) -> None:
        self.sketch.pop()
        if not self.sketch.active:
            self.cancel()
            self.show_hint()
        else:
            self.after_click()

    def reset(self) -> None:
        self.sketch.reset()
        self.unit_code = None

    def finish(self) -> None:
        """Close the sketch and hand the coordinates to :meth:`finish_sketch` (too few
        points: say how many are missing and keep drawing)."""
        coords = self.sketch.coords()
        if len(coords) < self.min_points:
            self.ctx.refuse(tr("至少需要 {0} 个节点才能完成,请继续单击,或按 Esc 取消。")
                            .format(self.min_points))
            return
        unit = self.unit_code
        super().finish()
        self.show_hint()  # before the result: the hint line would hide the result's message
        self.finish_sketch(coords, unit)

    def finish_sketch(self, coords: list[tuple[float, float]], unit_code: str | None) -> None:
        raise NotImplementedError


class DrawGridTool(SketchTool):
    """绘制微网格: new grid from a clicked outline, clipped to its unit."""

    name = "draw"
    title = N_("绘制微网格")
    shortcut = "D"
    hint = N_("单击添加节点,双击或回车完成,Esc 取消;Backspace 删除上一个节点;"
              "按住 Shift 不吸附,按住 T 沿已有边线追踪")

    def __init__(self, ctx: EditContext, trace: TraceState | None = None,
                 mode: str = "trim") -> None:
        super().__init__(ctx, trace)
        self.mode = mode

    def begin(self, x: float, y: float) -> bool:
        ds = self.ctx.dataset
        if ds is None:
            self.ctx.refuse(tr("请先打开一个项目。"))
            return False
        # The first vertex does not decide the unit (it may land a few pixels inside a
        # neighbour): the finished outline does, in finish_sketch.
        self.unit_code = self.ctx.unit_at(x, y)
        return True

    def finish_sketch(self, coords: list[tuple[float, float]], unit_code: str | None) -> None:
        """The grid goes to the unit the outline would fill most (see
        :func:`~mapedit.model.geometry_ops.unit_for_drawing`); the clerk is told when that is
        not the unit of the first vertex, and why nothing was drawn when nothing fits."""
        from mapedit.errors import MapeditError
        from mapedit.model.geometry_ops import draw_grid, unit_for_drawing

        ds = self.ctx.dataset
        if ds is None:
            return
        try:
            code = unit_for_drawing(ds, coords, self.mode, ds.settings, start=unit_code)
        except MapeditError as err:
            self.ctx.refuse(err)
            return
        if not self.ctx.check_editable(code):
            return
        if self.ctx.run(draw_grid, ds, code, coords, mode=self.mode,
                        settings=ds.settings) is not None and unit_code not in (None, code):
            unit = ds.units[code]
            self.ctx.message(tr("新微网格放在管理单元“{0}”:图形大部分在这个单元里。")
                             .format(unit.name or code))
