"""The buildings' point index answers what an STRtree of Point objects answered (the
households from buildings must not change when the index is made smaller)."""

from __future__ import annotations

import numpy as np
import shapely

from mapedit.model.point_index import PointIndex, interior_xy


def test_within_matches_an_strtree_of_points() -> None:
    rng = np.random.default_rng(7)
    x = rng.uniform(0, 1000, 5000)
    y = rng.uniform(0, 600, 5000)
    x[::50] = np.round(x[::50] / 100) * 100  # some exactly on the polygons' edges
    x[7] = np.nan  # a building without a usable shape
    pts = shapely.points(x, y)
    tree = shapely.STRtree(pts)
    index = PointIndex(x, y)
    polys = [shapely.box(100, 100, 300, 250), shapely.box(0, 0, 1000, 600),
             shapely.Point(500, 300).buffer(120), shapely.box(-50, -50, -10, -10),
             shapely.box(200, 0, 400, 600).difference(shapely.box(250, 100, 350, 500)),
             shapely.MultiPolygon([shapely.box(0, 0, 50, 50), shapely.box(900, 500, 1000, 600)])]
    for poly in polys:
        want = np.sort(tree.query(poly, predicate="contains"))
        got = index.within(poly)
        assert np.array_equal(got, want), poly.wkt[:40]
    assert len(index.within(shapely.Polygon())) == 0


def test_interior_points_of_missing_and_odd_shapes() -> None:
    geoms = np.array([shapely.box(0, 0, 10, 10), None, shapely.Polygon(),
                      shapely.Polygon([(0, 0), (10, 0), (10, 10), (9, 10), (9, 1), (0, 1)])],
                     dtype=object)
    x, y = interior_xy(geoms)
    assert np.isnan(x[1]) and np.isnan(x[2])
    assert shapely.contains_xy(geoms[3], x[3], y[3]), "inside an L-shape, not its centroid"
    index = PointIndex(x, y)
    assert index.within(shapely.box(-1, -1, 11, 11)).tolist() == [0, 3]


def test_all_points_missing_or_one_point() -> None:
    assert len(PointIndex(np.array([np.nan]), np.array([np.nan])).within(
        shapely.box(0, 0, 1, 1))) == 0
    one = PointIndex(np.array([5.0]), np.array([5.0]))
    assert one.within(shapely.box(0, 0, 10, 10)).tolist() == [0]


def test_box_index_matches_an_strtree_query() -> None:
    from mapedit.model.point_index import BoxIndex

    rng = np.random.default_rng(3)
    x = rng.uniform(0, 2000, 3000)
    y = rng.uniform(0, 2000, 3000)
    w = rng.uniform(2, 30, 3000)
    geoms = shapely.box(x, y, x + w, y + w * 0.7)
    geoms[5] = shapely.box(100, 100, 1900, 140)  # a long shed: bigger than all the rest
    geoms[9] = None
    geoms[11] = shapely.Polygon()
    tree = shapely.STRtree(geoms)
    index = BoxIndex(geoms)
    queries = np.array([shapely.box(500, 500, 560, 530), shapely.Point(1000, 120).buffer(5),
                        shapely.LineString([(0, 0), (2000, 2000)]), None,
                        shapely.box(-100, -100, -50, -50), shapely.box(0, 0, 2100, 2100)],
                       dtype=object)
    want = tree.query(queries, predicate="intersects")
    got = index.query(queries)
    assert sorted(zip(*want, strict=True)) == sorted(zip(*got, strict=True))
    assert 5 in got[1][got[0] == 1], "the long shed is found far from its centre"
