"""Noding, snapping and tracing: the primitives that keep shared edges identical."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, Point, Polygon, box

from mapedit.errors import EditRefused
from mapedit.model.dataset import Dataset
from mapedit.model.geometry_ops import (
    Snapper,
    apportion,
    conform,
    node_shared_edges,
    snap_point,
    trace_path,
)
from mapedit.model.hierarchy import MicroGrid, Unit
from mapedit.model.layers import BaseLayer

X, Y = 500_000.0, 3_446_000.0
U = "310118005012"


def _invalid_edges(geoms) -> float:
    return float(shapely.length(shapely.coverage_invalid_edges(
        np.asarray(geoms, dtype=object))).sum())


def test_node_shared_edges_inserts_t_junctions() -> None:
    a = box(X, Y, X + 100, Y + 100)
    b = box(X + 100, Y + 30.3, X + 200, Y + 70.7)  # its corners lie on a's east edge
    assert _invalid_edges([a, b]) > 0
    na, nb = node_shared_edges([a, b], 0.001)
    assert nb is b  # unchanged geometries come back as the same objects
    assert (X + 100, Y + 30.3) in list(na.exterior.coords)
    assert _invalid_edges([na, nb]) == 0


def test_node_shared_edges_snaps_near_vertices() -> None:
    a = box(X, Y, X + 100, Y + 100)
    b = Polygon([(X + 100.0004, Y), (X + 200, Y), (X + 200, Y + 100), (X + 100.0004, Y + 100)])
    na, nb = node_shared_edges([a, b], 0.001)
    assert set(na.exterior.coords) & set(nb.exterior.coords) == {(X + 100, Y), (X + 100, Y + 100)}
    assert _invalid_edges([na, nb]) == 0


def test_conform_keeps_fixed_vertices_and_inserts_into_them() -> None:
    fixed = box(X, Y, X + 100, Y + 100)
    # An intersection point computed slightly off the fixed edge (noise well below 1 mm).
    p = (X + 100 + 3e-10, Y + 41.123456789)
    new = Polygon([(X + 100, Y), p, (X + 100, Y + 100), (X + 150, Y + 50)])
    (ne,), (nf,) = conform([new], [fixed], 0.001)
    assert p in list(nf.exterior.coords)
    assert set(fixed.exterior.coords) <= set(nf.exterior.coords)
    assert _invalid_edges([ne, nf]) == 0
    (_,), (same,) = conform([box(X + 300, Y, X + 400, Y + 10)], [fixed], 0.001)
    assert same is fixed


def test_apportion_keeps_totals() -> None:
    assert apportion(10, [1, 1, 1]) == [4, 3, 3]
    assert sum(apportion(401, [0.2, 0.5, 0.3])) == 401
    assert apportion(None, [1, 2]) == [None, None]
    assert apportion(5, [0, 0]) == [3, 2]


@pytest.fixture
def ds() -> Dataset:
    d = Dataset(crs="EPSG:4549")
    d.units[U] = Unit(U, "金星小区", "小区", box(X, Y, X + 1000, Y + 600))
    d.grids[1] = MicroGrid(f"{U}001", "a", "小区", box(X, Y, X + 400, Y + 600), U, fid=1)
    d.layers.add_vector("roads", BaseLayer(
        "roads", np.asarray([LineString([(X + 700, Y - 100), (X + 700, Y + 700)])],
                            dtype=object), [{}]))
    return d


def test_snap_vertex_priority_over_segment(ds: Dataset) -> None:
    r = snap_point(ds, X + 398, Y + 3, 5.0)
    assert (r.x, r.y, r.kind) == (X + 400, Y, "vertex")
    r = snap_point(ds, X + 398, Y + 300, 5.0)
    assert (r.x, r.y, r.kind) == (X + 400, Y + 300, "segment") and r.source == "grid:1"
    assert snap_point(ds, X + 200, Y + 300, 5.0) is None


def test_snap_layers_and_exclude(ds: Dataset) -> None:
    assert snap_point(ds, X + 702, Y + 300, 5.0) is None  # roads not asked for
    r = snap_point(ds, X + 702, Y + 300, 5.0, layers=("units", "grids", "roads"))
    assert (r.kind, r.source, r.x) == ("segment", "roads:0", X + 700)
    r = snap_point(ds, X + 398, Y + 300, 5.0, exclude=("grid:1",))
    assert r is None


def test_snapper_cache_follows_edits(ds: Dataset) -> None:
    assert snap_point(ds, X + 798, Y + 300, 5.0) is None
    ds.grids[2] = MicroGrid(f"{U}002", "b", "小区", box(X + 400, Y, X + 800, Y + 600), U, fid=2)
    assert snap_point(ds, X + 798, Y + 300, 5.0).source == "grid:2"
    sn = Snapper(ds, ("grids",))
    assert sn.fresh(ds)
    ds.grids[2] = ds.grids[2].replace(geometry=box(X + 400, Y, X + 900, Y + 600))
    assert not sn.fresh(ds)


def test_trace_shorter_way_round_ring() -> None:
    ring = box(X, Y, X + 100, Y + 50).exterior  # (100,0) → (100,50) → (0,50) → (0,0)
    path = trace_path(ring, (X + 100, Y + 10), (X + 60, Y + 50))
    assert path == [(X + 100, Y + 10), (X + 100, Y + 50), (X + 60, Y + 50)]
    path = trace_path(box(X, Y, X + 100, Y + 50), (X + 60, Y + 50), (X + 100, Y + 10))
    assert path == [(X + 60, Y + 50), (X + 100, Y + 50), (X + 100, Y + 10)]
    # Across the ring's start point (X+100, Y): going the short way wraps around it.
    path = trace_path(ring, (X + 90, Y), (X + 100, Y + 10))
    assert path == [(X + 90, Y), (X + 100, Y), (X + 100, Y + 10)]
    path = trace_path(ring, (X + 100, Y + 10), (X + 90, Y))
    assert path == [(X + 100, Y + 10), (X + 100, Y), (X + 90, Y)]


def test_trace_open_line_and_far_points() -> None:
    road = LineString([(X, Y), (X + 10, Y + 5), (X + 20, Y), (X + 30, Y + 5)])
    assert trace_path(road, (X + 25, Y + 2.5), (X + 5, Y + 2.5)) == [
        (X + 25, Y + 2.5), (X + 20, Y), (X + 10, Y + 5), (X + 5, Y + 2.5)]
    with pytest.raises(EditRefused):
        trace_path(road, (X, Y + 100), (X + 5, Y + 2.5), tolerance_m=1.0)


def test_traced_draw_is_noded(ds: Dataset) -> None:
    from mapedit.model.geometry_ops import apply_to_dataset, draw_grid, unit_health

    # Follow grid 1's east edge from a snapped point to another, then close eastwards.
    a = snap_point(ds, X + 401, Y + 100.37, 3.0)
    b = snap_point(ds, X + 399, Y + 500.91, 3.0)
    path = trace_path(a.line, (a.x, a.y), (b.x, b.y))
    ring = [*path, (X + 600, Y + 500.91), (X + 600, Y + 100.37)]
    apply_to_dataset(ds, draw_grid(ds, U, ring))
    h = unit_health(ds, U)
    assert h.invalid_edge_length == 0 and h.overlap_area == 0
    assert Point(a.x, a.y).coords[0] in list(ds.grids[1].geometry.exterior.coords)


def test_draw_from_points_snapped_onto_a_slanted_neighbour_edge() -> None:
    """A segment snap is a projection, not exactly on the edge; the draw must still leave
    both grids with the identical vertex (the neighbour receives it)."""
    from mapedit.model.geometry_ops import apply_to_dataset, draw_grid, unit_health

    d = Dataset(crs="EPSG:4549")
    d.units[U] = Unit(U, "u", "小区", box(X - 100, Y - 100, X + 1100, Y + 1100))
    a = Polygon([(X, Y), (X + 713.1234, Y + 37.77), (X + 655.5, Y + 811.9), (X + 3.3, Y + 700.1)])
    d.grids[1] = MicroGrid(f"{U}001", "a", "小区", a, U, fid=1)
    s1 = snap_point(d, X + 690, Y + 300, 5)
    s2 = snap_point(d, X + 670, Y + 600, 5)
    assert s1.kind == s2.kind == "segment"
    for mode in ("trim", "fill"):
        cs = draw_grid(d, U, [(s1.x, s1.y), (X + 900, Y + 300), (X + 900, Y + 600),
                              (s2.x, s2.y)], mode=mode)
        assert [c.action for c in cs.changes] == ["insert", "update"]
        for c in cs.changes:
            coords = list(c.after.geometry.exterior.coords)
            assert (s1.x, s1.y) in coords and (s2.x, s2.y) in coords
    apply_to_dataset(d, cs)
    h = unit_health(d, U)
    assert h.invalid_edge_length == 0 and h.overlap_area == 0
