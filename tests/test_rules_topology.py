"""Topology rules: overlap, gap, unit-crossing, outside-units, invalid-geometry, sliver."""

from __future__ import annotations

import shapely
from shapely.geometry import MultiPolygon, Polygon

from mapedit.io.crs import from_wgs84, to_wgs84
from mapedit.rules.engine import Checker
from tests.rules_helpers import U1, U2, X0, Y0, add, check, dataset, rect, rules


def three_grid_unit():
    ds = dataset()
    add(ds, 1, rect(0, 0, 50, 100))
    add(ds, 2, rect(50, 0, 100, 50))
    add(ds, 3, rect(50, 50, 100, 100))
    return ds


def test_clean_unit_has_no_topology_findings():
    ds = dataset()
    add(ds, 1, rect(0, 0, 50, 100))
    add(ds, 2, rect(50, 0, 100, 100))
    c = Checker(ds)
    assert c.run_full() == []
    assert c.summary() == {"errors": 0, "warnings": 0, "grids": 2, "units": 1, "accepted": 0}


def test_t_junction_is_a_sliver_warning_only():
    f = check(three_grid_unit())
    assert rules(f) == {"sliver": 1}
    s = f[0]
    assert s.severity == "warning" and s.area_m2 == 0.0
    assert s.location.geom_type == "Point"
    assert (round(s.location.x - X0, 3), round(s.location.y - Y0, 3)) == (50.0, 50.0)
    assert s.fix.kind == "snap-vertices" and s.fix.target == f"{U1}001"
    assert sorted(s.features) == [f"{U1}001", f"{U1}002", f"{U1}003"]


def test_shared_vertex_makes_t_junction_clean():
    ds = three_grid_unit()
    ds.grids[1].geometry = Polygon([(X0, Y0), (X0 + 50, Y0), (X0 + 50, Y0 + 50),
                                    (X0 + 50, Y0 + 100), (X0, Y0 + 100)])
    assert check(ds) == []


def test_overlap_area_features_and_fix():
    ds = dataset()
    add(ds, 1, rect(0, 0, 60, 100))
    add(ds, 2, rect(50, 0, 100, 100))
    f = check(ds)
    assert rules(f) == {"overlap": 1}
    o = f[0]
    assert o.area_m2 == 1000.0 and o.unit == U1
    assert o.features == [f"{U1}001", f"{U1}002"]
    assert o.fix.kind == "subtract" and o.fix.target == f"{U1}001"  # loses the smaller share
    assert "重叠 1000 平方米" in o.message_zh


def test_overlap_in_two_places_is_two_findings():
    ds = dataset()
    add(ds, 1, Polygon([(X0, Y0), (X0 + 55, Y0), (X0 + 55, Y0 + 20), (X0 + 50, Y0 + 20),
                        (X0 + 50, Y0 + 80), (X0 + 55, Y0 + 80), (X0 + 55, Y0 + 100),
                        (X0, Y0 + 100)]))
    add(ds, 2, rect(50, 0, 100, 100))
    f = check(ds)
    assert rules(f) == {"overlap": 2}
    assert sorted(x.area_m2 for x in f) == [100.0, 100.0]


def test_two_separate_gaps_are_two_findings():
    ds = dataset()
    add(ds, 1, rect(0, 0, 40, 100))
    add(ds, 2, rect(50, 0, 100, 100))
    add(ds, 3, rect(40, 10, 50, 90))
    f = check(ds)
    assert rules(f) == {"gap": 2, "sliver": 0} or rules(f) == {"gap": 2}
    assert sorted(x.area_m2 for x in f if x.rule == "gap") == [100.0, 100.0]
    g = [x for x in f if x.rule == "gap"][0]
    assert g.unit == U1 and g.fix.kind == "assign-to-neighbour"


def test_thin_gap_is_gap_plus_sliver():
    ds = dataset()
    add(ds, 1, rect(0, 0, 49.8, 100))
    add(ds, 2, rect(50, 0, 100, 100))
    f = check(ds)
    assert rules(f) == {"gap": 1, "sliver": 1}
    gap = next(x for x in f if x.rule == "gap")
    sl = next(x for x in f if x.rule == "sliver")
    assert gap.area_m2 == sl.area_m2 == 20.0
    assert Checker(ds).summary()["errors"] == 1


def test_thin_overlap_is_overlap_plus_sliver():
    ds = dataset()
    add(ds, 1, rect(0, 0, 50.2, 100))
    add(ds, 2, rect(50, 0, 100, 100))
    assert rules(check(ds)) == {"overlap": 1, "sliver": 1}


def test_narrow_gap_below_noding_is_noise():
    ds = dataset()
    add(ds, 1, rect(0, 0, 50 - 1e-5, 100))
    add(ds, 2, rect(50, 0, 100, 100))
    assert check(ds) == []


def test_hole_filled_by_another_grid_is_fine():
    ds = dataset()
    outer = rect(0, 0, 100, 100).difference(rect(40, 40, 60, 60))
    add(ds, 1, outer)
    add(ds, 2, rect(40, 40, 60, 60))
    assert check(ds) == []


def test_unfilled_hole_is_a_gap():
    ds = dataset()
    add(ds, 1, rect(0, 0, 100, 100).difference(rect(40, 40, 60, 60)))
    f = check(ds)
    assert rules(f) == {"gap": 1}
    assert f[0].area_m2 == 400.0


def test_multipolygon_grid_covering_two_parts():
    ds = dataset()
    add(ds, 1, MultiPolygon([rect(0, 0, 30, 100), rect(70, 0, 100, 100)]))
    add(ds, 2, rect(30, 0, 70, 100))
    assert check(ds) == []
    ds.grids[2].geometry = rect(30, 0, 69, 100)
    f = check(ds)
    assert rules(f) == {"gap": 1} and f[0].area_m2 == 100.0


def test_unit_crossing_and_spanning_two_units():
    ds = dataset({U1: rect(0, 0, 100, 100), U2: rect(100, 0, 200, 100)})
    add(ds, 1, rect(0, 0, 110, 100))
    add(ds, 2, rect(110, 0, 200, 100), unit=U2)
    f = check(ds)
    assert rules(f) == {"unit-crossing": 1}
    x = f[0]
    assert x.unit == U1 and x.area_m2 == 1000.0 and x.fix.kind == "clip-to-unit"


def test_unit_of_grid_without_code_is_the_largest_intersection():
    ds = dataset({U1: rect(0, 0, 100, 100), U2: rect(100, 0, 200, 100)})
    add(ds, 1, rect(0, 0, 120, 100), unit="")
    add(ds, 2, rect(120, 0, 200, 100), unit=U2)
    f = [x for x in check(ds) if x.rule == "unit-crossing"]
    assert len(f) == 1 and f[0].unit == U1 and f[0].area_m2 == 2000.0


def test_grid_outside_all_units():
    ds = dataset()
    add(ds, 1, rect(0, 0, 100, 100))
    add(ds, 2, rect(300, 300, 350, 350))
    f = check(ds)
    assert rules(f) == {"outside-units": 1}
    assert f[0].area_m2 == 2500.0


def test_invalid_geometry_bowtie_continues_with_repaired():
    ds = dataset()
    bowtie = Polygon([(X0, Y0), (X0 + 100, Y0 + 100), (X0 + 100, Y0), (X0, Y0 + 100)])
    add(ds, 1, bowtie)
    f = check(ds)
    r = rules(f)
    assert r["invalid-geometry"] == 1
    assert r["gap"] == 2  # the two triangles left and right of the bow-tie
    inv = next(x for x in f if x.rule == "invalid-geometry")
    assert "Self-intersection" in inv.message_zh or "Ring" in inv.message_zh


def test_empty_and_missing_geometry():
    ds = dataset()
    add(ds, 1, rect(0, 0, 100, 100))
    add(ds, 2, None)
    add(ds, 3, Polygon())
    f = check(ds)
    assert rules(f) == {"invalid-geometry": 2}
    assert all(x.area_m2 == 0.0 for x in f)


def test_unit_without_grids_is_one_gap():
    ds = dataset()
    f = check(ds)
    assert rules(f) == {"gap": 1} and f[0].area_m2 == 10000.0
    assert f[0].fix.kind == "new-grid"


def test_wgs84_round_trip_noise_gives_no_findings():
    ds = dataset({U1: rect(0, 0, 100.123456, 100.654321), U2: rect(100.123456, 0, 200, 100.654321)})
    pieces = [rect(0, 0, 33.3333, 100.654321), rect(33.3333, 0, 100.123456, 50.1111),
              rect(33.3333, 50.1111, 100.123456, 100.654321)]
    # make the third/second share the T vertex with the first
    pieces[0] = shapely.Polygon([(X0, Y0), (X0 + 33.3333, Y0), (X0 + 33.3333, Y0 + 50.1111),
                                 (X0 + 33.3333, Y0 + 100.654321), (X0, Y0 + 100.654321)])
    for i, p in enumerate(pieces, 1):
        add(ds, i, p)
    add(ds, 4, rect(100.123456, 0, 200, 100.654321), unit=U2)

    def rt(g):
        w = to_wgs84(g, ds.crs)
        w = shapely.transform(w, lambda c: c.round(7))
        return from_wgs84(w, ds.crs)

    for u in ds.units.values():
        u.geometry = rt(u.geometry)
    for g in ds.grids.values():
        g.geometry = rt(g.geometry)
    assert check(ds) == []


def _round_trip(ds):
    def rt(g):
        w = shapely.transform(to_wgs84(g, ds.crs), lambda c: c.round(7))
        return from_wgs84(w, ds.crs)

    for u in ds.units.values():
        u.geometry = rt(u.geometry)
    for g in ds.grids.values():
        g.geometry = rt(g.geometry)
    return ds


def test_t_junction_survives_wgs84_round_trip():
    ds = three_grid_unit()
    ds.units[U1].geometry = rect(0, 0, 100.0371, 100.0913)
    ds.grids[1].geometry = rect(0, 0, 50.0123, 100.0913)
    ds.grids[2].geometry = rect(50.0123, 0, 100.0371, 50.0457)
    ds.grids[3].geometry = rect(50.0123, 50.0457, 100.0371, 100.0913)
    f = check(_round_trip(ds))
    assert rules(f) == {"sliver": 1}


def test_coordinates_far_from_origin_keep_small_overlaps():
    # a 5 cm strip 3,450 km from the equator is still found; a 10 nm one is not.
    ds = dataset()
    add(ds, 1, rect(0, 0, 50.05, 100))
    add(ds, 2, rect(50, 0, 100, 100))
    f = check(ds)
    assert rules(f) == {"overlap": 1, "sliver": 1} and f[0].area_m2 == 5.0
    ds.grids[1].geometry = rect(0, 0, 50 + 1e-8, 100)
    assert check(ds) == []
