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

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import shapely

from mapedit.errors import EditRefused, InputError
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

if TYPE_CHECKING:
    from mapedit.project import Project

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


# -- fixing a whole project (mapedit fix, and any GUI "fix all") --------------------------------

NO_FIX = EditRefused("没有可自动应用的修复", "no fix that can be applied automatically")


@dataclass
class FixOutcome:
    """What happened to one finding: ``changeset`` applied (or, in a dry run, that would be),
    or ``refused`` with the reason it was skipped."""

    finding: Finding
    changeset: ChangeSet | None = None
    refused: EditRefused | None = None

    @property
    def applied(self) -> bool:
        return self.changeset is not None


@dataclass
class FixRun:
    """The result of :func:`fix_all`."""

    dry_run: bool
    outcomes: list[FixOutcome] = field(default_factory=list)
    undrawn: set[str] = field(default_factory=set)
    """Units whose gaps were left alone because the unit has no grids (the whole undrawn
    unit: one giant grid is not a repair)."""
    accepted: int = 0
    """Accepted exceptions left alone."""

    @property
    def applied(self) -> int:
        return sum(1 for o in self.outcomes if o.applied)

    @property
    def skipped(self) -> int:
        return sum(1 for o in self.outcomes if not o.applied)


def fix_all(project: Project, units: Iterable[str] = (), rules: Iterable[str] = (),
            dry_run: bool = False, who: str = "mapedit fix",
            apply: Callable[[ChangeSet], object] | None = None,
            on_outcome: Callable[[FixOutcome], None] | None = None) -> FixRun:
    """Apply the checker's suggested fixes one finding at a time, in :data:`FIX_ORDER`, each
    as its own edit (``apply``, default ``project.apply(cs, who=who)``: the GUI passes its
    undo-stack push so each fix is one undo step).

    Findings are re-read after every fix because a fix changes its neighbours (filling a gap
    can remove a sliver, subtracting an overlap reshapes the grid next door). Refused fixes,
    accepted exceptions and gaps of units without grids are skipped and reported; a sliver
    repeating its gap's or overlap's fix is tried once. ``units``/``rules`` restrict the run
    (empty: all); ``dry_run`` builds every change set but applies none. ``on_outcome`` is
    called as each finding is decided (the CLI prints as it goes)."""
    ds = project.dataset
    wanted_units = set(units)
    unknown = sorted(wanted_units - set(ds.units))
    if unknown:
        raise InputError(f"项目中没有管理单元 {', '.join(unknown)}",
                         f"the project has no unit {', '.join(unknown)}")
    wanted_rules = set(rules) or set(FIX_ORDER)
    do_apply = apply if apply is not None else (lambda cs: project.apply(cs, who=who))
    order = {r: i for i, r in enumerate(FIX_ORDER)}
    run = FixRun(dry_run=dry_run)
    done: set[str] = set()  # finding keys tried (fixed, skipped or refused)
    seen: set[tuple] = set()  # a sliver repeats its gap's or overlap's fix: try it once
    limit = 10 * len(project.findings) + 100  # each step tries a new key; never loop

    def decided(outcome: FixOutcome) -> None:
        run.outcomes.append(outcome)
        if on_outcome is not None:
            on_outcome(outcome)

    for _step in range(limit):
        todo = [f for f in project.findings
                if f.rule in wanted_rules and f.key not in done
                and (not wanted_units or f.unit in wanted_units)]
        if not todo:
            break
        todo.sort(key=lambda f: (order.get(f.rule, 99), f.unit or "", f.key))
        f = todo[0]
        done.add(f.key)
        if f.accepted:
            run.accepted += 1
            continue
        if f.fix is not None and f.fix.kind in GAP_KINDS and f.unit and f.unit in ds.units \
                and not unit_has_grids(ds, f.unit):
            run.undrawn.add(f.unit)
            continue
        if not fixable(f, ds):
            decided(FixOutcome(f, refused=NO_FIX))
            continue
        same = (f.fix.kind if f.fix else "", f.fix.target if f.fix else "",
                f.unit, f.location.wkb if f.location is not None else b"")
        if same in seen:
            continue
        seen.add(same)
        try:
            cs = fix_changeset(ds, f)
            if not dry_run:
                do_apply(cs)
        except EditRefused as exc:
            decided(FixOutcome(f, refused=exc))
            continue
        decided(FixOutcome(f, changeset=cs))
    return run
