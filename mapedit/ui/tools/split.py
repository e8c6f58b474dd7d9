"""Split micro-grids: by a line the clerk draws, or along a road of the base layer.

The line is clicked like a drawing (snapping, tracing, Backspace, Esc, double-click or Enter to
finish). Every grid whose inside the line crosses is split by
:func:`mapedit.model.geometry_ops.split_grid` (attributes copied, households shared out by the
buildings in each part, new codes); several grids become one undo step.
"""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any

from PySide6.QtCore import Qt

from mapedit.errors import MapeditError
from mapedit.ui.i18n import N_, error_text, tr
from mapedit.ui.tools import locate
from mapedit.ui.tools.context import EditContext
from mapedit.ui.tools.draw import SketchTool
from mapedit.ui.tools.edit_base import EditTool
from mapedit.ui.tools.snapping import EDIT_SNAP_LAYERS


def split_grids(ctx: EditContext, coords: list[tuple[float, float]],
                road: int | None = None, near: set[int] | None = None) -> list[int]:
    """Split each grid the line crosses (along road ``road`` of the base layer when given);
    returns the fids of the resulting grids, selected afterwards so the clerk sees the
    parts. ``near`` limits the split to those grids (a road runs through many units; the
    clerk means the grid where they clicked it)."""
    from mapedit.model.geometry_ops import split_grid, split_grid_by_road

    ds = ctx.dataset
    if ds is None:
        return []
    targets = locate.grids_crossed(ds, coords)
    if near is not None:
        targets = [f for f in targets if f in near]
    if not targets:
        ctx.refuse(tr("分割线没有穿过任何微网格:请从微网格外侧开始,穿过它,到另一侧结束。"))
        return []
    results: list[int] = []
    refusals: list[MapeditError] = []
    text = tr("分割微网格") if len(targets) == 1 else tr("分割 {0} 个微网格").format(len(targets))
    done = 0
    # A line that only pokes into a neighbour does not split it; that refusal is only worth
    # telling the clerk when no grid at all could be split.
    with ctx.macro(text) if len(targets) > 1 else nullcontext():
        for fid in targets:
            if fid not in ds.grids:
                continue
            try:
                if road is not None:
                    cs = split_grid_by_road(ds, fid, road, settings=ds.settings)
                else:
                    cs = split_grid(ds, fid, coords, settings=ds.settings)
            except MapeditError as err:
                refusals.append(err)
                continue
            applied = ctx.push(cs)
            if applied is not None:
                done += 1
                results += [c.after.fid for c in applied.changes
                            if c.after is not None and c.after.fid is not None
                            and (c.before is None or c.before.fid == fid)]
    if done:
        ctx.message(tr("已分割 {0} 个微网格,得到 {1} 个(可按 Ctrl+Z 撤销)")
                    .format(done, len(results)))
    elif refusals:
        ctx.refuse(tr("不能分割:{0}").format(error_text(refusals[0])))
    return results


class SplitTool(SketchTool):
    """分割: draw a line across one or more grids."""

    name = "split"
    title = N_("分割微网格")
    shortcut = "S"
    hint = N_("从微网格外侧单击开始画分割线,穿过微网格后双击或回车完成;"
              "Backspace 删除上一个节点,Esc 取消")
    closed = False
    min_points = 2
    snap_layers = EDIT_SNAP_LAYERS

    def begin(self, x: float, y: float) -> bool:
        if self.ctx.dataset is None:
            self.ctx.refuse(tr("请先打开一个项目。"))
            return False
        return True

    def finish_sketch(self, coords: list[tuple[float, float]], unit_code: str | None) -> None:
        fids = split_grids(self.ctx, coords)
        if fids:
            self.ctx.select_grids(fids)


class SplitByRoadTool(EditTool):
    """沿道路分割: click a road of the base layer inside a grid; that grid (or the grids
    meeting the click, where the road runs between two) is split along the road."""

    name = "split_road"
    title = N_("沿道路分割")
    shortcut = "R"
    hint = N_("单击微网格中的一条道路,沿这条道路把该微网格分割开")

    def mouse_move(self, x: float, y: float, modifiers: Any = None, **_: Any) -> None:
        ds = self.ctx.dataset
        if ds is None:
            return
        road = locate.road_at(ds, x, y, self.ctx.snap_tolerance_m())
        if road is None:
            self.ctx.overlay().clear_overlay()
            return
        line = ds.base_loaded("roads").geometries[road]  # found by road_at: loaded
        self.ctx.overlay().set_rubber_band(_line_coords(line), False)

    def mouse_press(self, x: float, y: float, button: Any = None, modifiers: Any = None,
                    **_: Any) -> bool:
        if button is not None and button != Qt.MouseButton.LeftButton:
            return False
        ds = self.ctx.dataset
        if ds is None:
            return True
        try:
            ds.base("roads")  # a roads layer still loading: say so, not "no road here"
        except MapeditError as err:
            self.ctx.refuse(err)
            return True
        road = locate.road_at(ds, x, y, self.ctx.snap_tolerance_m())
        if road is None:
            self.ctx.refuse(tr("这里没有道路:请单击底图上的一条道路(可放大后再点)。"))
            return True
        layer = ds.base("roads")
        name = (layer.attributes[road].get("name") if road < len(layer.attributes) else "") or ""
        near = set(locate.grids_near(ds, x, y, self.ctx.snap_tolerance_m()))
        fids = split_grids(self.ctx, _line_coords(layer.geometries[road]), road=road,
                           near=near)
        if fids:
            self.ctx.message(tr("已沿道路{0}分割,得到 {1} 个微网格(可按 Ctrl+Z 撤销)")
                             .format(name, len(fids)))
            self.ctx.select_grids(fids)
        self.ctx.overlay().clear_overlay()
        return True



def _line_coords(line: Any) -> list[tuple[float, float]]:
    import shapely

    return [(float(x), float(y)) for x, y in shapely.get_coordinates(line)]
