"""Households that go stale after geometry edits, and the warning when entered households and
the buildings disagree (issue 9).

Before: filling a gap gave a grid the gap's area but kept its household count (the grid said
297 while its buildings held 1,164), and no rule compared the two."""

from __future__ import annotations

import numpy as np
import pytest
from shapely.geometry import box

from mapedit.model.dataset import Dataset
from mapedit.model.geometry_ops import (
    apply_to_dataset,
    fill_all_gaps,
    households_from_buildings,
    merge_grids,
    move_vertex,
    split_grid,
)
from mapedit.model.hierarchy import MicroGrid, Unit
from mapedit.model.layers import BaseLayer
from mapedit.model.settings import Settings
from mapedit.project import Project
from mapedit.rules.engine import Checker
from tests.rules_helpers import signature

X, Y = 500_000.0, 3_446_000.0
U = "310118005012"
RULE = "households-buildings-mismatch"


def grid(fid: int, geom, source: str, households: int | None) -> MicroGrid:
    return MicroGrid(code=f"{U}{fid:03d}", name=f"{fid}号微网格", category="小区", geometry=geom,
                     unit_code=U, departments=["社区"], fid=fid, households=households,
                     households_source=source)


def compound(source: str = "buildings") -> Dataset:
    """A 1000 × 600 m unit: grid 1 (west, 6 buildings × 60 = 360 households), grid 2 (east,
    4 × 100 = 400), a gap along the south holding 9 more buildings × 100 = 900."""
    d = Dataset(crs="EPSG:4549")
    d.units[U] = Unit(U, "金星小区", "小区", box(X, Y, X + 1000, Y + 600))
    d.grids[1] = grid(1, box(X, Y + 300, X + 500, Y + 600), source, 360)
    d.grids[2] = grid(2, box(X + 500, Y + 300, X + 1000, Y + 600), source, 400)
    west = [box(X + 20 + 70 * i, Y + 320, X + 60 + 70 * i, Y + 360) for i in range(6)]
    east = [box(X + 520 + 110 * i, Y + 320, X + 560 + 110 * i, Y + 360) for i in range(4)]
    south = [box(X + 20 + 100 * i, Y + 20, X + 60 + 100 * i, Y + 60) for i in range(9)]
    bld = west + east + south
    hh = [60] * 6 + [100] * 4 + [100] * 9
    d.layers.add_vector("buildings", BaseLayer("buildings", np.asarray(bld, dtype=object),
                                               [{"households": h} for h in hh]))
    return d


# -- values from the buildings stay current ------------------------------------------------

def test_fill_gaps_recomputes_households_from_buildings():
    d = compound()
    cs = fill_all_gaps(d, U)
    apply_to_dataset(d, cs)
    total = sum(g.households for g in d.grids.values())
    assert total == 360 + 400 + 900  # every building counted once, none lost
    assert _current(d)
    for g in d.grids.values():
        assert g.households_source == "buildings"


def test_entered_households_are_kept_and_then_flagged():
    d = compound(source="entered")
    assert [f.rule for f in Checker(d).run_full() if f.rule == RULE] == []
    apply_to_dataset(d, fill_all_gaps(d, U))
    assert sum(g.households for g in d.grids.values()) == 760  # the clerk's numbers stand
    flagged = [f for f in Checker(d).run_full() if f.rule == RULE]
    assert flagged and all(f.severity == "warning" for f in flagged)
    assert "楼栋" in flagged[0].message_zh and "buildings" in flagged[0].message_en


def _current(d: Dataset) -> bool:
    """Every count from the buildings equals the buildings' count for the grid's shape."""
    return all(g.households == households_from_buildings(d, g.geometry)
               for g in d.grids.values() if g.households_source == "buildings")


def test_split_merge_and_vertex_move_recompute():
    d = compound()
    cs = split_grid(d, 1, [(X + 215, Y + 290), (X + 215, Y + 610)])
    apply_to_dataset(d, cs)
    parts = [g for g in d.grids.values() if g.code != f"{U}002"]
    assert sorted(g.households for g in parts) == [180, 180] and _current(d)
    cs = merge_grids(d, [g.fid for g in parts])
    apply_to_dataset(d, cs)
    merged = next(g for g in d.grids.values() if g.code == f"{U}001")
    assert merged.households == 360 and merged.households_source == "buildings"
    # the corner the two grids share on the gap's edge moves east: grid 1 takes in two of
    # grid 2's buildings
    apply_to_dataset(d, move_vertex(d, X + 500, Y + 300, X + 700, Y + 300))
    assert {g.code: g.households for g in d.grids.values()} == {f"{U}001": 560,
                                                                f"{U}002": 200}
    assert _current(d)


def test_merge_with_an_entered_count_keeps_the_sum():
    d = compound()
    d.grids[2] = d.grids[2].replace(households=420, households_source="entered")
    apply_to_dataset(d, merge_grids(d, [1, 2]))
    (g,) = d.grids.values()
    assert g.households == 780 and g.households_source == "entered"


# -- the warning --------------------------------------------------------------------------------

@pytest.mark.parametrize("entered, flagged", [(400, False), (480, False), (501, True),
                                              (320, False), (319, True), (None, False)])
def test_mismatch_beyond_the_share(entered, flagged):
    """Grid 2's buildings hold 400: 20 % of the larger number is the limit."""
    d = compound(source="entered")
    d.grids[2] = d.grids[2].replace(households=entered)
    found = [f for f in Checker(d).run_full() if f.rule == RULE]
    assert bool(found) == flagged
    if flagged:
        assert found[0].features == [f"{U}002"] and found[0].unit == U
        assert found[0].fids == [2]


def test_share_is_a_setting_and_buildings_counts_are_not_checked():
    d = compound(source="entered")
    d.grids[2] = d.grids[2].replace(households=560)
    assert [f.rule for f in Checker(d).run_full() if f.rule == RULE] == [RULE]
    d.settings = Settings(households_mismatch_share=0.5)
    assert [f.rule for f in Checker(d).run_full() if f.rule == RULE] == []
    d.settings = Settings()
    d.grids[2] = d.grids[2].replace(households_source="buildings")
    assert [f.rule for f in Checker(d).run_full() if f.rule == RULE] == []
    assert Settings().households_mismatch_share == 0.2


def test_incremental_equals_full():
    d = compound(source="entered")
    c = Checker(d)
    c.run_full()
    g = d.grids[1]
    d.grids[1] = g.replace(geometry=box(X, Y, X + 500, Y + 600))  # takes in 5 south buildings
    found = c.update([1], {1: g.geometry})
    assert RULE in {f.rule for f in found}
    assert signature(found) == signature(Checker(d).run_full())
    d.grids[1] = g
    assert RULE not in {f.rule for f in c.update([1], {})}


def test_full_check_without_the_building_rule_places_buildings_itself():
    from mapedit.rules.households import HouseholdsMismatch

    d = compound(source="entered")
    d.grids[2] = d.grids[2].replace(households=900)
    found = Checker(d, rules=[HouseholdsMismatch]).run_full()
    assert [f.rule for f in found] == [RULE]


def test_households_source_is_stored(tmp_path):
    d = compound(source="entered")
    with Project.create(tmp_path / "p.gpkg", d) as p:
        assert {g.households_source for g in p.dataset.grids.values()} == {"entered"}
    with Project.open(tmp_path / "p.gpkg") as p:
        assert {g.households_source for g in p.dataset.grids.values()} == {"entered"}


def test_project_without_the_households_source_column_opens_and_saves(tmp_path):
    """A project written before the column existed (the store's general migration supersedes
    this stand-in): it opens, the column is added, edits store the source."""
    import sqlite3

    from mapedit.model.changes import ChangeSet, GridChange

    path = tmp_path / "旧项目.gpkg"
    Project.create(path, compound(source="entered")).close()
    conn = sqlite3.connect(path)
    conn.execute("ALTER TABLE micro_grids DROP COLUMN households_source")
    conn.commit()
    conn.close()
    with Project.open(path) as p:
        assert {g.households_source for g in p.dataset.grids.values()} == {""}
        g = p.dataset.grids[1]
        p.apply(ChangeSet("改", "edit", [GridChange(g, g.replace(households_source="entered"))]))
    with Project.open(path) as p:
        assert p.dataset.grids[1].households_source == "entered"
