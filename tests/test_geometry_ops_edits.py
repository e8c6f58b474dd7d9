"""Editing operations keep a unit's coverage clean and are exactly undoable.

Coordinates are EPSG:4549-like (x≈500 000, y≈3 446 000), far from the origin on purpose: that is
where floating-point intersection noise would otherwise leave unnoded edges and slivers.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, Point, Polygon, box

from mapedit.errors import EditRefused
from mapedit.model.changes import ChangeSet
from mapedit.model.dataset import Dataset
from mapedit.model.geometry_ops import (
    apply_to_dataset,
    delete_grid,
    delete_vertex,
    draw_grid,
    fill_all_gaps,
    fill_gap_new_grid,
    fill_gap_to_neighbour,
    gap_at,
    households_from_buildings,
    insert_vertex,
    merge_grids,
    move_grid_to_unit,
    move_vertex,
    renumber_unit,
    split_grid,
    split_grid_by_road,
    unit_gaps,
)
from mapedit.model.hierarchy import MicroGrid, Unit
from mapedit.model.layers import BaseLayer

X, Y = 500_000.0, 3_446_000.0
U = "310118005012"
U2 = "310118005013"


def grid(fid: int, seq: int, geom: Polygon, unit: str = U, category: str = "小区",
         **kw) -> MicroGrid:
    return MicroGrid(code=f"{unit}{seq:03d}", name=f"网格{seq}", category=category,
                     geometry=geom, unit_code=unit, departments=["社区"], fid=fid, **kw)


@pytest.fixture
def ds() -> Dataset:
    """A 1000 × 600 m compound: the north half holds two grids, the south half is a gap; a
    second unit east of it shares the boundary x = X+1000."""
    d = Dataset(crs="EPSG:4549")
    d.units[U] = Unit(U, "金星小区", "小区", box(X, Y, X + 1000, Y + 600))
    d.units[U2] = Unit(U2, "东苑", "小区", box(X + 1000, Y, X + 1500, Y + 600))
    d.grids[1] = grid(1, 1, box(X, Y + 300, X + 400, Y + 600), households=400, population=900)
    d.grids[2] = grid(2, 2, box(X + 400, Y + 300, X + 1000, Y + 600), households=350)
    d.grids[3] = grid(3, 1, box(X + 1000, Y, X + 1500, Y + 600), unit=U2)
    bld = [box(X + 20 + 60 * i, Y + 320, X + 60 + 60 * i, Y + 360) for i in range(6)]
    d.layers.add_vector("buildings", BaseLayer(
        "buildings", np.asarray(bld, dtype=object), [{"households": 50} for _ in bld]))
    d.layers.add_vector("roads", BaseLayer(
        "roads", np.asarray([LineString([(X + 200.5, Y + 250), (X + 200.5, Y + 700)])],
                            dtype=object), [{"class": "支路", "name": "一号路"}]))
    return d


@pytest.fixture
def irregular() -> Dataset:
    """An L-shaped unit with a pond (hole), irregular coordinates, three grids noded along
    shared edges and a gap in the middle."""
    d = Dataset(crs="EPSG:4549")
    outer = [(X + 0.137, Y + 0.291), (X + 812.513, Y + 13.777), (X + 799.31, Y + 402.113),
             (X + 433.871, Y + 397.2), (X + 421.003, Y + 781.919), (X + 7.7, Y + 770.05)]
    pond = [(X + 150.3, Y + 150.1), (X + 230.77, Y + 140.2), (X + 220.1, Y + 210.9),
            (X + 160.0, Y + 220.4)]
    unit = Polygon(outer, [pond])
    d.units[U] = Unit(U, "幸福村", "农村", unit)
    cut1 = LineString([(X - 10, Y + 333.3337), (X + 900, Y + 351.1119)])
    cut2 = LineString([(X + 300.7771, Y - 10), (X + 310.1234, Y + 800)])
    parts = shapely.get_parts(shapely.polygonize(shapely.get_parts(
        shapely.union_all([unit.boundary, cut1, cut2]))))
    parts = sorted([p for p in parts if unit.contains(p.point_on_surface())],
                   key=lambda p: (-p.centroid.y, p.centroid.x))
    assert len(parts) == 4
    for i, p in enumerate(parts[:3]):  # the fourth part stays a gap
        d.grids[10 + i] = grid(10 + i, i + 1, p, category="村组")
    return d


# -- invariants --------------------------------------------------------------------------------

def assert_clean(d: Dataset, unit_code: str = U) -> None:
    unit = d.units[unit_code].geometry
    geoms = [g.geometry for g in d.grids_of_unit(unit_code)]
    assert all(g.is_valid and not g.is_empty for g in geoms)
    assert all(shapely.get_type_id(g) in (3, 6) for g in geoms)
    edges = shapely.coverage_invalid_edges(np.asarray(geoms, dtype=object))
    assert all(e is None or e.is_empty for e in edges), [e.wkt for e in edges if e and not e.is_empty]
    assert shapely.union_all(geoms).difference(unit).area < 1e-6
    for i in range(len(geoms)):
        for j in range(i + 1, len(geoms)):
            assert geoms[i].intersection(geoms[j]).area <= 1e-6


def apply_and_check(d: Dataset, cs: ChangeSet, unit_code: str = U) -> ChangeSet:
    """Apply, assert clean, assert the inverse restores the original exactly, re-apply."""
    original = copy.deepcopy(d.grids)
    applied = apply_to_dataset(d, cs)
    assert_clean(d, unit_code)
    for c in applied.changes:
        if c.after is not None:
            assert c.after.updated
    apply_to_dataset(d, applied.inverse())
    assert d.grids.keys() == original.keys()
    for fid, g in original.items():
        h = d.grids[fid]
        assert shapely.equals_identical(g.geometry, h.geometry), fid
        assert g.replace(geometry=None) == h.replace(geometry=None)
    return apply_to_dataset(d, cs)


def grid_by_code(d: Dataset, code: str) -> MicroGrid:
    return next(g for g in d.grids.values() if g.code == code)


# -- draw --------------------------------------------------------------------------------------

def test_draw_trim_clips_to_unit_and_neighbours(ds: Dataset) -> None:
    ring = [(X - 50, Y - 50), (X + 333.3333, Y + 450.123), (X + 700.77, Y + 100.1)]
    cs = draw_grid(ds, U, ring)
    inserts = [c.after for c in cs.changes if c.action == "insert"]
    assert len(inserts) == 1
    new = inserts[0]
    assert new.fid is None and new.code == f"{U}003" and new.name == "金星小区3号微网格"
    assert new.category == "小区" and new.departments and new.created and new.updated
    assert new.geometry.within(ds.units[U].geometry.buffer(1e-6))
    # The drawing crossed the boundary y = Y+300 at two new points: both neighbours got them.
    assert {c.before.fid for c in cs.changes if c.action == "update"} == {1, 2}
    apply_and_check(ds, cs)


def test_draw_fill_closes_gap_up_to_neighbours(ds: Dataset) -> None:
    # Roughly the south half, every edge a few metres short of the unit boundary / grids.
    ring = [(X + 3, Y + 2), (X + 996, Y + 4), (X + 998, Y + 297), (X + 2, Y + 296)]
    trimmed = draw_grid(ds, U, ring, mode="trim")
    assert trimmed.changes[0].after.geometry.area < 300_000 - 1000
    cs = draw_grid(ds, U, ring, mode="fill", tolerance_m=5.0)
    apply_and_check(ds, cs)
    assert unit_gaps(ds, U) == []


def test_draw_refused(ds: Dataset) -> None:
    with pytest.raises(EditRefused):  # entirely on an existing grid
        draw_grid(ds, U, [(X + 10, Y + 310), (X + 90, Y + 310), (X + 90, Y + 390)])
    with pytest.raises(EditRefused):  # outside the unit
        draw_grid(ds, U, [(X - 90, Y + 10), (X - 10, Y + 10), (X - 10, Y + 90)])
    ds.units[U].locked = True
    with pytest.raises(EditRefused):
        draw_grid(ds, U, [(X + 10, Y + 10), (X + 90, Y + 10), (X + 90, Y + 90)])


def test_draw_across_a_neighbour_keeps_the_largest_piece(ds: Dataset) -> None:
    # A strip down the gap, drawn (so grid 2 receives its corners).
    apply_to_dataset(ds, draw_grid(ds, U, [(X + 450, Y), (X + 500, Y), (X + 500, Y + 300),
                                           (X + 450, Y + 300)]))
    cs = draw_grid(ds, U, [(X + 100, Y + 50), (X + 700, Y + 50), (X + 700, Y + 150),
                           (X + 100, Y + 150)])
    new = cs.changes[0].after.geometry
    assert shapely.get_type_id(new) == 3 and new.area == pytest.approx(350 * 100)
    apply_and_check(ds, cs)


def test_draw_households_from_buildings(ds: Dataset) -> None:
    ds.grids.pop(1)
    cs = draw_grid(ds, U, [(X, Y + 300), (X + 400, Y + 300), (X + 400, Y + 600), (X, Y + 600)])
    assert cs.changes[0].after.households == 300  # 6 buildings × 50
    apply_and_check(ds, cs)


# -- split -------------------------------------------------------------------------------------

def test_split_by_line(ds: Dataset) -> None:
    # Ends 0.3 m short of the boundary: extended through it.
    cs = split_grid(ds, 1, [(X + 150.25, Y + 300.3), (X + 170.5, Y + 599.7)])
    parts = [c.after for c in cs.changes if c.after is not None and c.after.unit_code == U
             and c.after.code in (f"{U}001", f"{U}003")]
    assert len(parts) == 2
    keep = next(p for p in parts if p.fid == 1)
    other = next(p for p in parts if p.fid is None)
    assert keep.code == f"{U}001" and keep.geometry.area > other.geometry.area
    assert other.code == f"{U}003" and other.category == "小区" and other.created
    # Buildings: x from 20 to 360 in steps of 60; the cut near x≈160 leaves 3 on the west.
    assert keep.households + other.households == 400
    # Buildings' interior points at x = 40, 100 | 160, 220, 280, 340: 100 : 200 households.
    assert (keep.households, other.households) == (267, 133)
    assert keep.population + other.population == 900
    apply_and_check(ds, cs)


def test_split_proportional_without_buildings(ds: Dataset) -> None:
    cs = split_grid(ds, 2, [(X + 550, Y + 250), (X + 550, Y + 650)])
    parts = sorted((c.after for c in cs.changes if c.after and c.after.households is not None),
                   key=lambda g: g.geometry.area)
    assert [p.households for p in parts] == [87, 263]  # 150 : 450 of 350, remainder to largest
    apply_and_check(ds, cs)


def test_split_into_three_and_by_road(ds: Dataset) -> None:
    zigzag = [(X + 100, Y + 250), (X + 150, Y + 650), (X + 200, Y + 250), (X + 250, Y + 650)]
    cs = split_grid(ds, 1, zigzag)
    assert sum(1 for c in cs.changes if c.action == "insert") >= 3
    apply_and_check(ds, cs)
    cs = split_grid_by_road(ds, 2, LineString([(X + 700.25, Y + 200), (X + 700.25, Y + 700)]))
    apply_and_check(ds, cs)


def test_split_by_road_layer(ds: Dataset) -> None:
    cs = split_grid_by_road(ds, 1, 0)
    apply_and_check(ds, cs)


def test_split_refused(ds: Dataset) -> None:
    with pytest.raises(EditRefused):
        split_grid(ds, 1, [(X + 10, Y + 100), (X + 90, Y + 200)])  # misses the grid
    with pytest.raises(EditRefused):
        split_grid(ds, 1, [(X + 100, Y + 400), (X + 200, Y + 450)])  # ends inside


# -- merge -------------------------------------------------------------------------------------

def test_merge_adjacent(ds: Dataset) -> None:
    cs = merge_grids(ds, [2, 1])
    assert [c.action for c in cs.changes] == ["update", "delete"]
    kept = cs.changes[0].after
    assert kept.fid == 1 and kept.households == 750 and kept.population == 900
    assert kept.geometry.area == pytest.approx(1000 * 300)
    apply_and_check(ds, cs)


def test_merge_refused(ds: Dataset) -> None:
    ds.grids[4] = grid(4, 4, box(X + 400, Y, X + 1000, Y + 300))
    with pytest.raises(EditRefused):  # corner contact only
        merge_grids(ds, [1, 4])
    with pytest.raises(EditRefused):
        merge_grids(ds, [2, 3])  # different units
    with pytest.raises(EditRefused):
        merge_grids(ds, [1])


# -- vertices ----------------------------------------------------------------------------------

def test_move_shared_vertex_moves_both(ds: Dataset) -> None:
    ds.grids[4] = grid(4, 4, box(X, Y, X + 400, Y + 300))
    ds.grids[5] = grid(5, 5, box(X + 400, Y, X + 1000, Y + 300))
    cs = move_vertex(ds, X + 400, Y + 300, X + 420.5, Y + 310.25)
    assert {c.before.fid for c in cs.changes} == {1, 2, 4, 5}
    apply_and_check(ds, cs)
    assert Point(X + 420.5, Y + 310.25).distance(ds.grids[1].geometry.boundary) == 0


def test_move_vertex_on_unit_boundary_slides(ds: Dataset) -> None:
    cs = move_vertex(ds, X + 400, Y + 600, X + 450, Y + 640)  # dragged outwards
    moved = cs.changes[0].after.geometry
    assert (X + 450, Y + 600) in list(moved.exterior.coords)
    apply_and_check(ds, cs)
    with pytest.raises(EditRefused):  # unit corner
        move_vertex(ds, X, Y + 600, X + 5, Y + 590)
    with pytest.raises(EditRefused):  # past the corner
        move_vertex(ds, X + 450, Y + 600, X + 1100, Y + 600)


def test_move_vertex_refuses_overlap_and_invalid(ds: Dataset) -> None:
    apply_to_dataset(ds, draw_grid(ds, U, [(X, Y), (X + 400, Y), (X + 400, Y + 300),
                                           (X, Y + 300)]))
    apply_to_dataset(ds, insert_vertex(ds, 1, point=(X + 400, Y + 450)))
    with pytest.raises(EditRefused):  # dragged into the south-west grid, which lacks it
        move_vertex(ds, X + 400, Y + 450, X + 300, Y + 250)
    with pytest.raises(EditRefused):  # out of the unit
        move_vertex(ds, X + 400, Y + 450, X + 300, Y + 650)
    with pytest.raises(EditRefused):
        move_vertex(ds, X + 1, Y + 1, X + 2, Y + 2)  # no vertex there


def test_insert_and_delete_vertex(ds: Dataset) -> None:
    # The shared edge x = X+400 is segment 1 of grid 1's ring (box rings start at the SE corner).
    cs = insert_vertex(ds, 1, point=(X + 400.0, Y + 450.123))
    assert {c.before.fid for c in cs.changes} == {1, 2}
    apply_and_check(ds, cs)
    cs = move_vertex(ds, X + 400.0, Y + 450.123, X + 380.0, Y + 450.0)
    apply_and_check(ds, cs)
    cs = delete_vertex(ds, X + 380.0, Y + 450.0)
    apply_and_check(ds, cs)
    assert ds.grids[1].geometry.area == pytest.approx(400 * 300)
    with pytest.raises(EditRefused):
        delete_vertex(ds, X, Y + 600)  # unit corner


def test_delete_vertex_degenerate_refused() -> None:
    d = Dataset(crs="EPSG:4549")
    d.units[U] = Unit(U, "u", "小区", box(X, Y, X + 100, Y + 100))
    d.grids[1] = grid(1, 1, Polygon([(X, Y), (X + 100, Y), (X + 50, Y + 50)]))
    with pytest.raises(EditRefused):
        delete_vertex(d, X + 50, Y + 50)


def test_insert_vertex_by_index(ds: Dataset) -> None:
    cs = insert_vertex(ds, 2, segment_index=0)
    apply_and_check(ds, cs)


# -- gaps --------------------------------------------------------------------------------------

def test_gap_at_and_fill_new(ds: Dataset) -> None:
    assert gap_at(ds, U, X + 10, Y + 400) is None
    gap = gap_at(ds, U, X + 10, Y + 10)
    assert gap is not None and gap.area == pytest.approx(300_000)
    cs = fill_gap_new_grid(ds, U, gap)
    apply_and_check(ds, cs)
    assert unit_gaps(ds, U) == []


def test_fill_gap_to_neighbour(ds: Dataset) -> None:
    gap = gap_at(ds, U, X + 10, Y + 10)
    cs = fill_gap_to_neighbour(ds, gap, 1)
    apply_and_check(ds, cs)
    assert ds.grids[1].geometry.area == pytest.approx(400 * 300 + 300_000)
    ds.grids[5] = grid(5, 5, box(X + 1000 - 1, Y + 300 - 1, X + 1000, Y + 300), unit=U)
    with pytest.raises(EditRefused):
        fill_gap_to_neighbour(ds, Polygon([(X + 500, Y + 100), (X + 510, Y + 100),
                                           (X + 510, Y + 110)]), 2)


def test_fill_all_gaps_longest_edge(ds: Dataset) -> None:
    cs = fill_all_gaps(ds, U)
    # The south gap shares 600 m with grid 2 and 400 m with grid 1.
    assert [c.before.fid for c in cs.changes if c.action == "update"][0] == 2
    apply_and_check(ds, cs)
    assert unit_gaps(ds, U) == []
    with pytest.raises(EditRefused):
        fill_all_gaps(ds, U)


def test_fill_all_gaps_lonely_gap_becomes_grid() -> None:
    d = Dataset(crs="EPSG:4549")
    d.units[U] = Unit(U, "u", "小区", box(X, Y, X + 100, Y + 100))
    cs = fill_all_gaps(d, U)
    assert [c.action for c in cs.changes] == ["insert"]
    apply_and_check(d, cs)


# -- whole grids -------------------------------------------------------------------------------

def test_delete_and_renumber(ds: Dataset) -> None:
    cs = delete_grid(ds, 1)
    apply_and_check(ds, cs)
    ds.grids[2] = ds.grids[2].replace(name="金星小区2号微网格")
    cs = renumber_unit(ds, U)
    assert cs.changes[0].after.code == f"{U}001"
    assert cs.changes[0].after.name == "金星小区1号微网格"
    apply_and_check(ds, cs)
    with pytest.raises(EditRefused):
        move_grid_to_unit(ds, 2, U2)


def test_households_from_buildings(ds: Dataset) -> None:
    assert households_from_buildings(ds, box(X, Y + 300, X + 200, Y + 600)) == 150
    assert households_from_buildings(ds, box(X, Y, X + 10, Y + 10)) is None
    for _ly in ds.layers.of_kind("vector"):
        ds.layers.remove(_ly.id)
    assert households_from_buildings(ds, box(X, Y, X + 1000, Y + 600)) is None


def test_locked_unit_refuses_everything(ds: Dataset) -> None:
    ds.units[U].locked = True
    for op in (lambda: split_grid(ds, 1, [(X + 100, Y + 250), (X + 100, Y + 650)]),
               lambda: merge_grids(ds, [1, 2]),
               lambda: move_vertex(ds, X + 400, Y + 300, X + 410, Y + 300),
               lambda: fill_all_gaps(ds, U), lambda: delete_grid(ds, 1),
               lambda: renumber_unit(ds, U)):
        with pytest.raises(EditRefused):
            op()


# -- irregular unit with a hole ----------------------------------------------------------------

def test_irregular_unit_operations(irregular: Dataset) -> None:
    d = irregular
    assert_clean(d)
    fids = sorted(d.grids)
    cs = split_grid(d, fids[0], [(X + 100.123, Y + 900), (X + 120.987, Y + 300)])
    apply_and_check(d, cs)
    cs = draw_grid(d, U, [(X + 250.11, Y + 50.3), (X + 600.7, Y + 20.9), (X + 500.5, Y + 380.2)])
    apply_and_check(d, cs)
    cs = merge_grids(d, fids[1:3]) if len(fids) > 2 else None
    if cs is not None:
        apply_and_check(d, cs)
    cs = fill_all_gaps(d, U)
    apply_and_check(d, cs)
    gaps = d.units[U].geometry.difference(shapely.union_all(
        [g.geometry for g in d.grids_of_unit(U)])).area
    assert gaps < 0.01


def test_irregular_vertex_tour(irregular: Dataset) -> None:
    d = irregular
    shared = shapely.intersection(d.grids[10].geometry.boundary, d.grids[11].geometry.boundary)
    coords = shapely.get_coordinates(shared)
    inner = [c for c in coords if d.units[U].geometry.boundary.distance(Point(c)) > 1]
    x0, y0 = inner[0]
    cs = move_vertex(d, x0, y0, x0 + 3.3, y0 - 2.2)
    apply_and_check(d, cs)


def test_fill_leaves_leftovers_that_are_not_slivers(ds: Dataset) -> None:
    """A leftover connected to a larger uncovered area is not absorbed (module doc)."""
    ring = [(X + 3, Y + 2), (X + 500, Y + 2), (X + 500, Y + 297), (X + 3, Y + 297)]
    cs = draw_grid(ds, U, ring, mode="fill", tolerance_m=5.0)
    new = cs.changes[0].after.geometry
    # West, south and north slivers (≤ 3 m) absorbed; the east half stays a gap.
    assert new.bounds[0] == X and new.bounds[1] == Y and new.bounds[3] == Y + 300
    assert new.bounds[2] == pytest.approx(X + 500)
    apply_and_check(ds, cs)
    assert len(unit_gaps(ds, U)) == 1
