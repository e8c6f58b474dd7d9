"""Applying the checker's suggested fixes (``mapedit.fixes`` and the repair operations behind
it) on the demo street, and ``mapedit fix`` over a whole project.

The demo has deliberate overlaps in units 310118005014/021, gaps in 024/034 (the one in 034
also a sliver) and a grid crossing out of 038. Each fix must remove its finding and bring no
new topology error into the unit; undrawn units stay gaps."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from shapely.geometry import Polygon

from mapedit.cli import COMMANDS, main
from mapedit.demo import generate
from mapedit.errors import EditRefused, InputError
from mapedit.fixes import fix_changeset, fixable
from mapedit.model.changes import ChangeSet, GridChange
from mapedit.model.geometry_ops import (
    apply_to_dataset,
    clip_to_unit,
    node_grids,
    subtract_overlap,
    unit_health,
)
from mapedit.project import Project
from mapedit.rules.engine import Checker
from mapedit.rules.findings import Finding, Fix

TOPOLOGY = {"overlap", "gap", "unit-crossing", "sliver"}
DEMO_CASES = [("overlap", "310118005014"), ("overlap", "310118005021"),
              ("gap", "310118005024"), ("gap", "310118005034"),
              ("sliver", "310118005034"), ("unit-crossing", "310118005038")]


@pytest.fixture(scope="module")
def demo():
    return generate()


def _checked(demo):
    """A private copy of the demo with its checker (fixes mutate the dataset)."""
    import copy

    ds = copy.deepcopy(demo)
    checker = Checker(ds, threads=False)
    checker.run_full()
    return ds, checker


def _apply(ds, checker, cs: ChangeSet) -> list[Finding]:
    applied = apply_to_dataset(ds, cs)
    old = {c.fid: (c.before.geometry if c.before is not None else None)
           for c in applied.changes}
    return checker.update(set(old), old)


def _topology_errors(findings, unit: str) -> set[str]:
    return {f.key for f in findings if f.unit == unit and f.rule in TOPOLOGY}


def _finding(findings, rule: str, unit: str) -> Finding:
    return next(f for f in findings if f.rule == rule and f.unit == unit)


@pytest.mark.parametrize("rule,unit", DEMO_CASES)
def test_each_demo_fix_removes_its_finding_and_adds_none(demo, rule, unit):
    ds, checker = _checked(demo)
    before = list(checker.findings)
    f = _finding(before, rule, unit)
    assert fixable(f, ds)
    cs = fix_changeset(ds, f)
    assert cs and cs.zh and cs.en
    after = _apply(ds, checker, cs)
    assert f.key not in {x.key for x in after}
    new = _topology_errors(after, unit) - _topology_errors(before, unit)
    assert not new, [x.message_en for x in after if x.key in new]
    # the coverage of the unit is clean where the fix worked: no overlap, nothing outside
    h = unit_health(ds, unit)
    assert h.invalid == 0 and h.overlap_area < ds.settings.min_area_m2
    assert h.outside_area < ds.settings.min_area_m2


def test_undrawn_unit_gap_is_not_fixable(demo):
    ds, checker = _checked(demo)
    f = next(f for f in checker.findings if f.rule == "gap" and not ds.grids_of_unit(f.unit))
    assert f.fix is not None and f.fix.kind == "new-grid"
    assert fixable(f)  # the kind alone is fixable …
    assert not fixable(f, ds)  # … but not the whole undrawn unit
    with pytest.raises(EditRefused) as exc:
        fix_changeset(ds, f)
    assert "尚未划分微网格" in exc.value.zh and "no grids" in exc.value.en


def test_findings_without_an_edit_are_refused_bilingually(demo):
    ds, checker = _checked(demo)
    for rule in ("building-cut", "households-range", "unit-committee-crossing"):
        f = _finding(checker.findings, rule, next(x.unit for x in checker.findings
                                                   if x.rule == rule))
        assert not fixable(f, ds)
        with pytest.raises(EditRefused) as exc:
            fix_changeset(ds, f)
        assert exc.value.zh and exc.value.en and exc.value.zh != exc.value.en


def test_an_out_of_date_finding_is_refused(demo):
    ds, checker = _checked(demo)
    gap = _finding(checker.findings, "gap", "310118005024")
    overlap = _finding(checker.findings, "overlap", "310118005014")
    _apply(ds, checker, fix_changeset(ds, gap))
    _apply(ds, checker, fix_changeset(ds, overlap))
    with pytest.raises(EditRefused, match="空隙已不存在"):
        fix_changeset(ds, gap)
    with pytest.raises(EditRefused, match="不再重叠"):
        fix_changeset(ds, overlap)


def test_gap_made_a_new_grid(demo):
    """The ``new-grid`` kind (the checker suggests it for a gap next to no grid)."""
    ds, checker = _checked(demo)
    f = _finding(checker.findings, "gap", "310118005024")
    f.fix = Fix("new-grid", None, "将空隙新建为微网格", "make the gap a new micro-grid")
    n = len(ds.grids_of_unit("310118005024"))
    after = _apply(ds, checker, fix_changeset(ds, f))
    assert len(ds.grids_of_unit("310118005024")) == n + 1
    assert not _topology_errors(after, "310118005024")


def test_ops_refuse_what_is_not_there(demo):
    ds, checker = _checked(demo)
    dirty = {f.unit for f in checker.findings}
    clean = next(c for c in ds.units if c not in dirty and len(ds.grids_of_unit(c)) >= 2)
    a, b = ds.grids_of_unit(clean)[:2]
    with pytest.raises(EditRefused):
        subtract_overlap(ds, a.fid, a.fid)
    with pytest.raises(EditRefused, match="不再重叠"):
        subtract_overlap(ds, a.fid, b.fid)
    with pytest.raises(EditRefused, match="没有跨出"):
        clip_to_unit(ds, a.fid)
    with pytest.raises(EditRefused, match="已经对齐"):
        node_grids(ds, [a.fid, b.fid])


def test_unshared_vertex_is_noded(demo):
    """A vertex on a shared edge that the neighbour lacks (a T-junction): the checker's
    ``snap-vertices`` sliver; the fix inserts it into the neighbour."""
    ds, checker = _checked(demo)
    code = "310118005024"
    grids = ds.grids_of_unit(code)
    a = grids[0]
    coords = np.asarray(a.geometry.exterior.coords)
    for b in grids[1:]:
        edge = b.geometry.boundary.buffer(1e-6)
        hit = [i for i in range(len(coords) - 1)
               if shapely.LineString(coords[i:i + 2]).length > 10
               and shapely.LineString(coords[i:i + 2]).within(edge)]
        if hit:
            break
    i = hit[0]
    mid = (coords[i] + coords[i + 1]) / 2
    ring = np.vstack([coords[:i + 1], [mid], coords[i + 1:]])
    geom = Polygon(ring, [r.coords for r in a.geometry.interiors])
    before = _apply(ds, checker, ChangeSet("插入节点", "insert vertex",
                                           [GridChange(a, a.replace(geometry=geom))]))
    f = next(x for x in before if x.rule == "sliver" and x.fix is not None
             and x.fix.kind == "snap-vertices")
    assert fixable(f, ds)
    cs = fix_changeset(ds, f)
    assert [c.fid for c in cs.changes] == [b.fid]
    after = _apply(ds, checker, cs)
    assert f.key not in {x.key for x in after}
    assert not _topology_errors(after, code) - _topology_errors(before, code)


# -- mapedit fix --------------------------------------------------------------------------------

def test_cli_fix_cleans_the_gridded_units(tmp_path, capsys):
    assert "fix" in COMMANDS
    path = tmp_path / "修复 演示.gpkg"
    Project.create(path, generate()).close()
    before = path.read_bytes()
    assert main(["fix", str(path), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "将修复" in out and "would fix" in out and "项目未改动" in out
    assert path.read_bytes() == before

    assert main(["fix", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.count("已修复:") == 5  # the sliver goes with its gap
    assert "尚未划分微网格" in out and "without grids" in out
    with Project.open(path) as project:
        ds = project.dataset
        left = [f for f in project.findings
                if f.rule in ("overlap", "gap", "unit-crossing") and ds.grids_of_unit(f.unit)]
        assert not left, [f.message_en for f in left]
        undrawn = [f for f in project.findings if f.rule == "gap"]
        assert undrawn and all(not ds.grids_of_unit(f.unit) for f in undrawn)
        log = project.store.edit_log(limit=10)
        assert len({e["edit"] for e in log if e["who"] == "mapedit fix"}) == 5
    # nothing left to do: a second run changes nothing
    assert main(["fix", str(path)]) == 0
    assert "已应用 0 项修复" in capsys.readouterr().out


def test_cli_fix_filters_by_unit_and_rule(tmp_path, capsys):
    path = tmp_path / "p.gpkg"
    Project.create(path, generate()).close()
    assert main(["fix", str(path), "--unit", "310118005014", "--rule", "overlap",
                 "--rule", "gap"]) == 0
    out = capsys.readouterr().out
    assert out.count("已修复:") == 1 and "310118005014" in out
    with Project.open(path) as project:
        rules = {(f.rule, f.unit) for f in project.findings}
    assert ("overlap", "310118005014") not in rules
    assert ("overlap", "310118005021") in rules and ("gap", "310118005024") in rules


def test_cli_fix_bad_input_exit_2(tmp_path, capsys):
    path = tmp_path / "p.gpkg"
    Project.create(path, generate()).close()
    before = path.read_bytes()
    assert main(["fix", str(path), "--unit", "310118999999"]) == 2
    err = capsys.readouterr().err
    assert "没有管理单元" in err and "no unit" in err
    assert path.read_bytes() == before
    assert main(["fix", str(tmp_path / "missing.gpkg")]) == 2
    assert main(["fix", str(path), "--rule", "households-range"]) == 2


def test_fix_all_is_the_loop_the_gui_and_cli_share(tmp_path, demo):
    """``fixes.fix_all`` takes the caller's apply (the GUI pushes undoable commands) and
    reports each finding as it is decided; a dry run changes nothing."""
    from mapedit.fixes import fix_all

    path = tmp_path / "p.gpkg"
    Project.create(path, demo).close()
    with Project.open(path) as project:
        before = project.summary()
        seen = []
        dry = fix_all(project, units=["310118005014", "310118005024"], dry_run=True,
                      on_outcome=seen.append)
        assert dry.applied >= 2 and project.summary() == before
        assert [o.finding.key for o in seen] == [o.finding.key for o in dry.outcomes]
        pushed = []

        def push(cs):  # what the GUI's undo stack does: apply, keep it to undo
            pushed.append(project.apply(cs, who="测试"))

        run = fix_all(project, units=["310118005014", "310118005024"], apply=push)
        assert run.applied == len(pushed) >= 2
        left = {f.rule for f in project.findings
                if f.unit in ("310118005014", "310118005024") and not f.accepted}
        assert not left & {"overlap", "gap"}
        for cs in reversed(pushed):
            project.apply(cs.inverse())
        assert project.summary() == before
        with pytest.raises(InputError) as exc:
            fix_all(project, units=["999999999999"])
        assert "999999999999" in str(exc.value)
