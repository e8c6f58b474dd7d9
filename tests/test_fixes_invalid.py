"""Suggested fixes next to a grid with an invalid shape, and findings that cannot be accepted
(issue 9).

Before: giving a gap to a neighbour, subtracting an overlap or clipping a crossing next to a
self-intersecting grid ran a GEOS overlay on it and raised ``TopologyException`` — an internal
error in the findings panel and ``mapedit fix``. Now every fix the checker offers either works
or is refused with a bilingual message, and the checker never names an invalid grid as the
grid a fix would reshape.
"""

from __future__ import annotations

import copy

import pytest
import shapely

from mapedit.errors import EditRefused
from mapedit.fixes import fix_changeset, fixable
from mapedit.model.editing.apply import apply_to_dataset
from mapedit.model.geometry_ops import fill_gap_to_neighbour, merge_grids, split_grid
from mapedit.project import Project
from mapedit.rules.engine import Checker
from mapedit.rules.findings import MUST_FIX, RULES
from tests.helpers_bad_geometry import empty_hole
from tests.rules_helpers import X0, Y0, add, dataset, rect

BOW_TIE = shapely.Polygon([(X0 + 50, Y0), (X0 + 100, Y0 + 100), (X0 + 100, Y0),
                           (X0 + 50, Y0 + 100)])
SELF_TOUCHING_HOLE = shapely.Polygon(
    [(X0 + 50, Y0), (X0 + 100, Y0), (X0 + 100, Y0 + 100), (X0 + 50, Y0 + 100), (X0 + 50, Y0)],
    [[(X0 + 50, Y0), (X0 + 60, Y0 + 10), (X0 + 50, Y0 + 20), (X0 + 50, Y0)]])
BAD = {
    "bow-tie": BOW_TIE,
    "self-touching hole": SELF_TOUCHING_HOLE,
    "empty hole": empty_hole(50, 0, 50),
    # reaches 5 m over the west grid and 5 m out of the unit: an overlap and a crossing
    "bow-tie overlapping": shapely.Polygon([(X0 + 45, Y0), (X0 + 105, Y0 + 100),
                                            (X0 + 105, Y0), (X0 + 45, Y0 + 100)]),
}


def beside_invalid(bad):
    """Unit 0..100 × 0..100: a valid grid on the west half (with a gap above it) and
    ``bad`` on the east half."""
    ds = dataset()
    add(ds, 1, rect(0, 0, 50, 90))
    add(ds, 2, bad)
    return ds


@pytest.mark.parametrize("name", list(BAD))
def test_every_offered_fix_works_or_is_refused(name):
    ds = beside_invalid(BAD[name])
    found = Checker(ds).run_full()
    assert any(f.rule == "invalid-geometry" for f in found)
    tried = 0
    for f in found:
        if f.fix is not None and f.fix.target is not None:
            assert f.fix.target != ds.grids[2].code, f"{f.rule} fix reshapes the invalid grid"
        if not fixable(f, ds):
            continue
        tried += 1
        copy_ds = copy.deepcopy(ds)
        try:
            cs = fix_changeset(copy_ds, f)
        except EditRefused as exc:
            assert exc.zh and exc.en
            continue
        apply_to_dataset(copy_ds, cs)
        Checker(copy_ds).run_full()  # and the result checks without error
    assert tried


@pytest.mark.parametrize("name", list(BAD))
def test_ops_refuse_to_reshape_an_invalid_grid(name):
    ds = beside_invalid(BAD[name])
    for op in (lambda: fill_gap_to_neighbour(ds, rect(40, 90, 60, 100), 2),
               lambda: merge_grids(ds, [1, 2]),
               lambda: split_grid(ds, 2, [(X0 + 40, Y0 + 50), (X0 + 110, Y0 + 50)])):
        with pytest.raises(EditRefused) as exc:
            op()
        assert "修正" in exc.value.zh and "fix it" in exc.value.en


def test_must_fix_findings_are_not_acceptable(tmp_path):
    assert set(MUST_FIX) <= set(RULES)
    ds = beside_invalid(BOW_TIE)
    ds.units["310118005001"].responsibility_grid = ""
    with Project.create(tmp_path / "p.gpkg", ds) as p:
        invalid = next(f for f in p.findings if f.rule == "invalid-geometry")
        gap = next(f for f in p.findings if f.rule == "gap")
        assert not invalid.acceptable and gap.acceptable
        with pytest.raises(EditRefused) as exc:
            p.accept_finding(invalid, "就这样")
        assert "不能标记为例外" in exc.value.zh and "cannot be accepted" in exc.value.en
        assert p.store.accepted_findings() == {}
        p.accept_finding(gap, "河道")
        assert p.store.accepted_findings()


def test_stored_acceptance_of_a_must_fix_finding_is_ignored():
    ds = beside_invalid(BOW_TIE)
    invalid = next(f for f in Checker(ds).run_full() if f.rule == "invalid-geometry")
    again = Checker(ds, accepted={invalid.key: "以前接受的"})
    f = next(f for f in again.run_full() if f.rule == "invalid-geometry")
    assert not f.accepted and again.summary()["accepted"] == 0
