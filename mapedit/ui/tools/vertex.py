"""Vertex tool: drag, add and delete vertices of micro-grids, topologically.

A vertex shared by several grids (and the unit boundary is never moved: grids stay inside their
unit) moves in all of them at once, so shared edges stay shared; the geometry op refuses a move
that would make a geometry invalid or create overlap, and the refusal is shown in the status bar
in Chinese. Drag a vertex to move it; Ctrl+click a segment to add one; Delete or right-click on
a vertex removes it.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from mapedit.ui.i18n import N_, error_text, tr
from mapedit.ui.tools.edit_base import EditTool, is_ctrl, is_key
from mapedit.ui.tools.snapping import EDIT_SNAP_LAYERS, Snap

GRID_LAYERS: tuple[str, ...] = ("grids",)
"""Picking a vertex only looks at grids: the unit boundary and base layers are not editable."""


class VertexTool(EditTool):
    """节点: drag / Ctrl+click / Delete on grid vertices."""

    name = "vertex"
    title = N_("编辑节点")
    shortcut = "V"
    hint = N_("拖动节点移动它(公共节点在相邻微网格中一起移动);Ctrl+单击边线添加节点;"
              "Delete 或右键删除节点;Esc 取消拖动")
    snap_layers = GRID_LAYERS

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        self.drag_from: tuple[float, float] | None = None
        self.drag_to: tuple[float, float] | None = None
        self.hover: Snap | None = None
        self._exclude: tuple[str, ...] = ()
        """Snap sources ignored while dragging: the grids that move with the vertex (their
        own edges would pull it straight back)."""
        self._target_snapper = type(self.snapper)(ctx, layers=EDIT_SNAP_LAYERS)

    @property
    def busy(self) -> bool:
        return self.drag_from is not None

    # -- mouse -----------------------------------------------------------------------------
    def _pick(self, x: float, y: float, modifiers: Any) -> Snap:
        # Shift must not disable picking a vertex: it only affects where a dragged one lands.
        return self.snapper.snap(x, y, None)

    def mouse_move(self, x: float, y: float, modifiers: Any = None, **_: Any) -> None:
        if self.drag_from is None:
            snap = self._pick(x, y, modifiers)
            if snap.kind == "segment" and not is_ctrl(modifiers):
                self.snapper.show(None)
                snap = Snap(x, y)
            self.hover = snap if snap.kind == "vertex" else None
            return
        target = self._target_snapper.snap(x, y, modifiers, exclude=self._exclude)
        self.drag_to = target.xy
        self.ctx.overlay().set_rubber_band([self.drag_from, self.drag_to], False)

    def mouse_press(self, x: float, y: float, button: Any = None, modifiers: Any = None,
                    **_: Any) -> bool:
        snap = self._pick(x, y, modifiers)
        if button == Qt.MouseButton.RightButton:
            if snap.kind == "vertex":
                self.delete_at(snap)
                return True
            return False
        if button is not None and button != Qt.MouseButton.LeftButton:
            return False
        if is_ctrl(modifiers):
            if snap.snapped:
                self.insert_at(snap)
            else:
                self.ctx.refuse(tr("请按住 Ctrl 单击微网格的边线来添加节点。"))
            return True
        if snap.kind != "vertex":
            self._select_at(x, y)
            return True
        self.hover = snap
        self.drag_from = snap.xy
        self.drag_to = snap.xy
        self._exclude = self._moving_grids(snap)
        self.start()
        self.ctx.hint(tr("松开鼠标完成移动,Esc 取消;按住 Shift 不吸附"))
        return True

    def mouse_release(self, x: float, y: float, button: Any = None, modifiers: Any = None,
                      **_: Any) -> bool:
        if self.drag_from is None:
            return False
        target = self._target_snapper.snap(x, y, modifiers, show=False, exclude=self._exclude)
        x0, y0 = self.drag_from
        self.finish()
        self.show_hint()
        if abs(target.x - x0) < 1e-9 and abs(target.y - y0) < 1e-9:
            return True
        self.move(x0, y0, target.x, target.y)
        return True

    def _moving_grids(self, snap: Snap) -> tuple[str, ...]:
        from mapedit.model.geometry_ops import grids_with_vertex

        ds = self.ctx.dataset
        if ds is None:
            return ()
        hits = grids_with_vertex(ds, snap.x, snap.y, ds.settings.noding_precision_m)
        return tuple(f"grid:{g.fid}" for g, _, _ in hits)

    def _select_at(self, x: float, y: float) -> None:
        """A click away from any vertex selects the grid there (to see its attributes) and
        reminds the clerk how this tool works."""
        fid = self.ctx.grid_at(x, y)
        if fid is not None:
            self.ctx.select_grids([fid])
        self.ctx.message(tr("这里没有节点:请把鼠标移到节点上(出现方框标记)再拖动。"))

    # -- keys ------------------------------------------------------------------------------
    def wants_key(self, key: int, modifiers: Any) -> bool:
        if is_key(key, Qt.Key.Key_Escape):
            return self.busy
        if is_key(key, Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            return self.hover is not None
        return False

    def key_press(self, key: int, modifiers: Any = None, **_: Any) -> bool:
        if is_key(key, Qt.Key.Key_Escape) and self.busy:
            self.cancel()
            self.ctx.message(tr("已取消移动。"))
            return True
        if is_key(key, Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.hover is not None:
            self.delete_at(self.hover)
            return True
        return False

    # -- edits -----------------------------------------------------------------------------
    def move(self, x0: float, y0: float, x1: float, y1: float) -> None:
        from mapedit.model.geometry_ops import move_vertex

        ds = self.ctx.dataset
        if ds is None:
            return
        self._edit(tr("不能移动节点"), move_vertex, ds, x0, y0, x1, y1, settings=ds.settings)

    def insert_at(self, snap: Snap) -> None:
        from mapedit.model.geometry_ops import insert_vertex

        ds = self.ctx.dataset
        if ds is None:
            return
        fid = _grid_fid(snap)
        if fid is None:
            self.ctx.refuse(tr("请按住 Ctrl 单击微网格的边线来添加节点。"))
            return
        self._edit(tr("不能添加节点"), insert_vertex, ds, fid, point=snap.xy, settings=ds.settings)

    def delete_at(self, snap: Snap) -> None:
        from mapedit.model.geometry_ops import delete_vertex

        ds = self.ctx.dataset
        if ds is None:
            return
        self.hover = None
        self.snapper.clear()
        self._edit(tr("不能删除节点"), delete_vertex, ds, snap.x, snap.y, settings=ds.settings)

    def _edit(self, what: str, op: Any, *args: Any, **kwargs: Any) -> None:
        from mapedit.errors import MapeditError

        try:
            cs = op(*args, **kwargs)
        except MapeditError as err:
            self.ctx.refuse(f"{what}:{error_text(err)}")
            return
        self.ctx.push(cs)

    # -- lifecycle -------------------------------------------------------------------------
    def reset(self) -> None:
        self._exclude = ()
        self.drag_from = None
        self.drag_to = None
        self._target_snapper.clear()


def _grid_fid(snap: Snap) -> int | None:
    """The grid a snap landed on (``source`` is ``grid:<fid>``)."""
    source = str(getattr(snap.raw, "source", "") or "")
    if source.startswith("grid:"):
        try:
            return int(source[5:])
        except ValueError:
            return None
    return None
