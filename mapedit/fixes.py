"""Apply a finding's suggested fix: the one mapping from a checker :class:`Finding` to an edit.

The checker only *describes* a repair (:class:`~mapedit.rules.findings.Fix`: a kind and the
code of the grid it names); the editing operations only know fids and geometries. This module
joins the two at project level (it may import both the rules and the model, which must not
import each other), so the findings panel and ``mapedit fix`` build exactly the same
:class:`~mapedit.model.changes.ChangeSet`, which the caller applies through ``Project.apply``
(the GUI as an undoable command, the CLI as one transaction per fix).

A finding is a snapshot: the grids it names may have changed since the check. Everything is
therefore resolved again against the dataset (codes to fids, the gap polygon at the finding's
location) and a finding that no longer matches is refused (:class:`EditRefused`, bilingual)
rather than repaired by guesswork. The operations themselves guard against any result that
would make coverage worse.
"""

from __future__ import annotations

import shapely

from mapedit.errors import EditRefused
from mapedit.model.changes import ChangeSet
from mapedit.model.dataset import Dataset
from mapedit.model.editing.index import codes_in_use, grids_near
from mapedit.model.editing.rings import significant_parts
from mapedit.model.geometry_ops import (
    clip_to_unit,
    fill_gap_new_grid,
    fill_gap_to_neighbour,
    gap_at,
    node_grids,
    subtract_overlap,
    unit_has_grids,
)
from mapedit.model.validity import usable
from mapedit.rules.findings import Finding

GAP_KINDS = ("assign-to-neighbour", "new-grid")

FIXABLE: dict[str, tuple[str, ...]] = {
    # rule: the fix kinds this module can apply for it
    "gap": GAP_KINDS,
    "overlap": ("subtract",),
    "unit-crossing": ("clip-to-unit",),
    # A sliver repeats a thin gap's or overlap's fix, or asks to node unshared vertices.
    "sliver": (*GAP_KINDS, "subtract", "snap-vertices"),
}
"""Rules whose suggested fixes can be applied, by fix kind. Other findings that carry a fix
(a building cut, a villager-group crossing, a grid in no unit) need the clerk's judgement:
their "fix" is advice, not an edit."""

FIX_ORDER = ("unit-crossing", "overlap", "gap", "sliver")
"""The order ``mapedit fix`` works in: clip and subtract first, so a gap is filled only once
the grids around it are where they belong (a crossing grid from next door may cover part of
what looks like a gap from inside the unit)."""


def fixable(finding: Finding, dataset: Dataset | None = None) -> bool:
    """Whether :func:`fix_changeset` knows an edit for this finding. With the dataset, also
    whether that edit makes sense now: a gap in a unit without grids is the whole undrawn
    unit, and making it one giant grid is not a repair (the clerk draws the grids)."""
    fix = finding.fix
    if fix is None or fix.kind not in FIXABLE.get(finding.rule, ()):
        return False
    if fix.kind in GAP_KINDS:
        if finding.location is None or finding.location.is_empty or not finding.unit:
            return False
        if dataset is not None and not unit_has_grids(dataset, finding.unit):
            return False
    elif fix.kind in ("subtract", "clip-to-unit", "snap-vertices") and not finding.fids:
        return False
    return True


def fix_changeset(dataset: Dataset, finding: Finding) -> ChangeSet:
    """The edit that applies the finding's suggested fix to ``dataset`` (not applied here).

    Raises :class:`EditRefused` when the finding has no applicable fix, when the data no
    longer matches it (grids renamed, deleted or already repaired), or when the edit itself
    is refused (locked unit, a result that would make coverage worse)."""
    fix = finding.fix
    if fix is None or fix.kind not in FIXABLE.get(finding.rule, ()):
        raise EditRefused("这个问题没有可自动应用的修复,请手工处理",
                          "this finding has no fix that can be applied automatically; "
                          "edit it by hand")
    try:
        return _fix_changeset(dataset, finding)
    except shapely.errors.GEOSException as exc:
        # the repair ops work on valid shapes and clean copies of invalid neighbours; should
        # GEOS still fail on some input, the clerk gets a refusal, never an internal error
        raise EditRefused(f"无法自动修复:几何运算失败({exc}),请手工处理",
                          f"the fix cannot be applied: a geometry operation failed ({exc}); "
                          "edit it by hand") from exc


def _fix_changeset(dataset: Dataset, finding: Finding) -> ChangeSet:
    fix = finding.fix
    assert fix is not None
    if fix.kind in GAP_KINDS:
        return _fill_gap(dataset, finding)
    if fix.kind == "subtract":
        target = _fid_of(dataset, fix.target, finding)
        others = [f for f in finding.fids if f != target]
        if target not in finding.fids or len(others) != 1:
            raise _changed()
        return subtract_overlap(dataset, target, others[0])
    if fix.kind == "clip-to-unit":
        fid = _fid_of(dataset, fix.target, finding) if fix.target else _only(finding)
        return clip_to_unit(dataset, fid)
    # snap-vertices: node the grids of the cluster the checker found
    fids = [f for f in finding.fids if f in dataset.grids]
    if not fids:
        raise _changed()
    return node_grids(dataset, fids)


def _changed() -> EditRefused:
    return EditRefused("数据已改变,这条检查结果已过时;请等待重新检查后再试",
                       "the data has changed and this finding is out of date; try again "
                       "after the check has run")


def _only(finding: Finding) -> int:
    if len(finding.fids) != 1:
        raise _changed()
    return finding.fids[0]


def _fid_of(dataset: Dataset, code: str | None, finding: Finding) -> int:
    """The fid of the grid with ``code``. A code may be duplicated (itself a finding): then
    the grid the finding names, else the one in the finding's unit; never a guess."""
    if not code:
        raise _changed()
    fids = sorted(f for f in codes_in_use(dataset).get(code, ()) if f in dataset.grids)
    if len(fids) > 1:
        named = [f for f in fids if f in finding.fids]
        fids = named or [f for f in fids if dataset.grids[f].unit_code == finding.unit]
    if len(fids) != 1:
        raise EditRefused(f"找不到编码为 {code} 的微网格(数据可能已改变)",
                          f"no single grid with code {code} (the data may have changed)")
    return fids[0]


def _fill_gap(dataset: Dataset, finding: Finding) -> ChangeSet:
    """Fill the gap at the finding's location: give it to the named neighbour or make it a
    new grid. The gap is found again (``gap_at``) rather than taken from the finding, so the
    new edges are made of the unit's and the grids' own vertices."""
    fix, unit_code, loc = finding.fix, finding.unit, finding.location
    assert fix is not None
    if not unit_code or loc is None or loc.is_empty or unit_code not in dataset.units:
        raise _changed()
    if not unit_has_grids(dataset, unit_code):
        raise EditRefused(
            f"管理单元 {unit_code} 尚未划分微网格:整个单元不能作为一个微网格,请先绘制微网格",
            f"unit {unit_code} has no grids yet: the whole unit cannot become one grid; "
            "draw its grids first")
    p = loc.point_on_surface()
    gap = gap_at(dataset, unit_code, p.x, p.y)
    if gap is None:
        raise EditRefused("该空隙已不存在(数据已改变)", "the gap is gone (the data has changed)")
    unit = dataset.units[unit_code]
    s = dataset.settings
    if gap.area >= unit.geometry.area - s.min_area_m2:
        raise EditRefused(f"空隙就是整个管理单元 {unit_code},不能作为一个微网格",
                          f"the gap is the whole unit {unit_code}; it cannot become one grid")
    foreign = [usable(g.geometry) for g in grids_near(dataset, gap) if g.unit_code != unit_code]
    foreign = [g for g in foreign if g is not None]
    if foreign and significant_parts(shapely.intersection(gap, shapely.union_all(foreign)), s):
        raise EditRefused("该空隙有一部分被其他管理单元跨入的微网格覆盖,请先处理跨出管理单元的问题",
                          "part of the gap is covered by a grid reaching in from another "
                          "unit; fix that unit crossing first")
    if fix.kind == "new-grid":
        return fill_gap_new_grid(dataset, unit_code, gap)
    return fill_gap_to_neighbour(dataset, gap, _fid_of(dataset, fix.target, finding))
