"""Merge the selected micro-grids into one (an action on the selection, not a map tool).

The clerk selects two or more adjacent grids of one unit (Ctrl+click on the map or in the tree)
and presses M; :func:`mapedit.model.geometry_ops.merge_grids` checks they touch and share a
unit and builds the change set. Messages explain the common mistakes (one grid selected,
grids of two units) before the op is even called.
"""

from __future__ import annotations

from mapedit.ui.i18n import tr
from mapedit.ui.tools.context import EditContext


def merge_selected(ctx: EditContext, fids: list[int]) -> int | None:
    """Merge ``fids``; returns the fid of the merged grid (selected by the caller)."""
    from mapedit.model.geometry_ops import merge_grids

    ds = ctx.dataset
    if ds is None:
        ctx.refuse(tr("请先打开一个项目。"))
        return None
    fids = [f for f in dict.fromkeys(fids) if f in ds.grids]
    if len(fids) < 2:
        ctx.refuse(tr("请先选择至少两个相邻的微网格(按住 Ctrl 单击可多选),再按 M 合并。"))
        return None
    units = {ds.grids[f].unit_code for f in fids}
    if len(units) > 1:
        ctx.refuse(tr("只能合并同一个管理单元内的微网格:所选微网格属于不同的管理单元。"))
        return None
    applied = ctx.run(merge_grids, ds, fids, settings=ds.settings)
    if applied is None:
        return None
    kept = [c.after.fid for c in applied.changes if c.after is not None]
    if kept:
        ctx.message(tr("已将 {0} 个微网格合并为一个(可按 Ctrl+Z 撤销)").format(len(fids)))
        return kept[0]
    return None
