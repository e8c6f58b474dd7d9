"""Fill gaps: make an uncovered part of a unit a new grid, or give it to a neighbour.

A click inside an uncovered part opens a small menu: '新建微网格' or '并入相邻微网格…' (one entry
per neighbour, longest shared edge first, so the usual choice is on top). The action
'填补本单元全部空隙' gives every gap of the current unit to the neighbour with the longest shared
edge in one undoable step. The geometry (what the gap is, who touches it) comes from the
geometry ops; the tool only asks the clerk.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QCursor
from PySide6.QtWidgets import QMenu

from mapedit.errors import MapeditError
from mapedit.model.changes import ChangeSet
from mapedit.ui.i18n import N_, tr
from mapedit.ui.tools import locate
from mapedit.ui.tools.context import EditContext
from mapedit.ui.tools.edit_base import EditTool


@dataclass
class Choice:
    """One entry of the fill-gap menu: its label and the change set it would apply."""

    label: str
    make: Callable[[], ChangeSet]
    tip: str = ""
    neighbour: bool = False
    """Gives the gap to a neighbouring grid (listed under their own heading)."""


class FillGapTool(EditTool):
    """填补空隙: click inside an uncovered part of a unit."""

    name = "fill_gap"
    title = N_("填补空隙")
    shortcut = "F"
    hint = N_("单击管理单元内未被微网格覆盖的空白处,选择“新建微网格”或“并入相邻微网格”")

    def mouse_move(self, x: float, y: float, modifiers: Any = None, **_: Any) -> None:
        return None

    def mouse_press(self, x: float, y: float, button: Any = None, modifiers: Any = None,
                    pos: Any = None, **_: Any) -> bool:
        if button is not None and button != Qt.MouseButton.LeftButton:
            return False
        self.fill_at(x, y, pos)
        return True

    def choices_at(self, x: float, y: float) -> tuple[str | None, Any, list[Choice]]:
        """The unit, the gap under the point and what can be done with it."""
        from mapedit.model.geometry_ops import fill_gap_new_grid, fill_gap_to_neighbour, gap_at

        ds = self.ctx.dataset
        if ds is None:
            return None, None, []
        code = self.ctx.unit_at(x, y)
        if code is None:
            self.ctx.refuse(tr("这里不在任何管理单元内。"))
            return None, None, []
        gap = gap_at(ds, code, x, y)
        if gap is None or gap.is_empty:
            self.ctx.refuse(tr("这里没有空隙:已被微网格覆盖。请单击管理单元内的空白处。"))
            return code, None, []
        choices = [Choice(tr("新建微网格"), lambda: fill_gap_new_grid(ds, code, gap,
                                                                      settings=ds.settings),
                          tr("把这块空隙(约 {0:.0f} 平方米)作为一个新的微网格")
                          .format(gap.area))]
        for fid, shared in locate.gap_neighbours(ds, code, gap):
            g = ds.grids[fid]
            label = tr("并入相邻微网格:{0}(公共边 {1:.0f} 米)").format(g.name or g.code, shared)
            choices.append(Choice(label, lambda fid=fid: fill_gap_to_neighbour(
                ds, gap, fid, settings=ds.settings),
                tr("把这块空隙并入 {0}").format(g.code), neighbour=True))
        return code, gap, choices

    def fill_at(self, x: float, y: float, pos: Any = None) -> ChangeSet | None:
        code, gap, choices = self.choices_at(x, y)
        if not choices:
            return None
        if not self.ctx.check_editable(code):
            return None
        self.ctx.overlay().set_rubber_band(_exterior(gap), True)
        try:
            choice = self.choose(choices, pos)
        finally:
            self.ctx.overlay().clear_overlay()
        if choice is None:
            return None
        try:
            cs = choice.make()
        except MapeditError as err:
            self.ctx.refuse(err)
            return None
        applied = self.ctx.push(cs)
        if applied is not None:
            fids = [c.after.fid for c in applied.changes
                    if c.after is not None and c.after.fid is not None]
            self.ctx.select_grids(fids[:1])
        return applied

    def choose(self, choices: list[Choice], pos: Any = None) -> Choice | None:
        """Ask the clerk with a popup menu at the click (tests replace this method)."""
        menu = QMenu(self.ctx.canvas)
        menu.setToolTipsVisible(True)
        first_neighbour = True
        actions = {}
        for ch in choices:
            if ch.neighbour and first_neighbour:
                menu.addSeparator()
                menu.addSection(tr("并入相邻微网格…"))
                first_neighbour = False
            act = menu.addAction(ch.label)
            act.setToolTip(ch.tip)
            actions[act] = ch
        where = pos if isinstance(pos, QPoint) else QCursor.pos()
        picked = menu.exec(where)
        return actions.get(picked)



def fill_all_gaps_of_unit(ctx: EditContext, unit_code: str | None) -> ChangeSet | None:
    """填补本单元全部空隙: every gap goes to the neighbour with the longest shared edge."""
    from mapedit.model.geometry_ops import fill_all_gaps

    ds = ctx.dataset
    if ds is None:
        return None
    if not unit_code or unit_code not in ds.units:
        ctx.refuse(tr("请先选择一个管理单元(单击单元内的微网格,或在左侧管理单元树中选择)。"))
        return None
    try:
        cs = fill_all_gaps(ds, unit_code, settings=ds.settings)
    except MapeditError as err:
        ctx.refuse(err)
        return None
    if cs is None or not cs:
        ctx.message(tr("管理单元“{0}”没有需要填补的空隙。").format(ds.units[unit_code].name))
        return None
    return ctx.push(cs)


def _exterior(gap: Any) -> list[tuple[float, float]]:
    import shapely

    from mapedit.model.editing.rings import polygons_of

    polys = polygons_of(gap)
    if not polys:
        return []
    biggest = max(polys, key=lambda p: p.area)
    return [(float(x), float(y)) for x, y in shapely.get_coordinates(biggest.exterior)]
