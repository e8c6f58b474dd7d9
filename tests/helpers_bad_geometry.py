"""Geometries that once crashed the checker, and a run of full and incremental checks on them.

Run as a separate process by ``test_rules_bad_geometry.py`` (``python -m
tests.helpers_bad_geometry``), so a segmentation fault in GEOS fails that test instead of
killing pytest. Prints one JSON line: the rules found by the full check, the invalid-geometry
features, and whether incremental updates agreed with fresh full checks.
"""

from __future__ import annotations

import json
import struct
import sys

import numpy as np
import shapely

from mapedit.model.hierarchy import MicroGrid, ResponsibilityGrid
from mapedit.model.layers import BaseLayer, LayerStack
from mapedit.rules.engine import Checker
from tests.rules_helpers import U1, U2, X0, Y0, add, dataset, rect, signature

U3 = "310118005003"


def _ring(points) -> bytes:
    out = struct.pack("<I", len(points))
    for x, y in points:
        out += struct.pack("<dd", x, y)
    return out


def polygon_wkb(rings) -> bytes:
    """Little-endian WKB of a polygon; a ring may be ``[]`` (what GDAL writes for a hole
    given as an empty list)."""
    return struct.pack("<BII", 1, 3, len(rings)) + b"".join(_ring(r) for r in rings)


def multipolygon_wkb(polys) -> bytes:
    return struct.pack("<BII", 1, 6, len(polys)) + b"".join(polygon_wkb(p) for p in polys)


def square(x0: float, y0: float, size: float) -> list[tuple[float, float]]:
    x, y = X0 + x0, Y0 + y0
    return [(x, y), (x + size, y), (x + size, y + size), (x, y + size), (x, y)]


def empty_hole(x0: float, y0: float, size: float):
    return shapely.from_wkb(polygon_wkb([square(x0, y0, size), []]))


def bad_geometries() -> dict[str, object]:
    """Name → geometry: every kind of bad shape a file or a store can hand the checker."""
    nan = rect(40, 0, 50, 10)
    coords = shapely.get_coordinates(nan)
    coords[1, 1] = np.nan
    with np.errstate(invalid="ignore"):
        nan = shapely.Polygon(coords)
    return {
        "empty-hole": empty_hole(0, 0, 50),
        "empty-part": shapely.from_wkb(multipolygon_wkb([[square(0, 50, 30)], []])),
        "empty-hole-in-part": shapely.from_wkb(multipolygon_wkb([[square(30, 50, 20), []]])),
        "nan": nan,
        "bow-tie": shapely.Polygon([(X0 + 50, Y0 + 50), (X0 + 100, Y0 + 100),
                                    (X0 + 100, Y0 + 50), (X0 + 50, Y0 + 100)]),
        "collection": shapely.GeometryCollection([empty_hole(60, 0, 10),
                                                  shapely.LineString([(X0, Y0), (X0 + 1, Y0)])]),
        "line": shapely.LineString([(X0, Y0), (X0 + 10, Y0 + 10)]),
        "empty": shapely.Polygon(),
        "none": None,
        "collapsed": shapely.Polygon([(X0 + 70, Y0), (X0 + 80, Y0), (X0 + 90, Y0)]),
        "hole-outside": shapely.Polygon(square(70, 20, 10), [square(200, 200, 5)]),
    }


def build():
    ds = dataset({U1: rect(0, 0, 100, 100), U2: rect(100, 0, 200, 100),
                  U3: empty_hole(200, 0, 100)})
    ds.responsibility_grids["R1"] = ResponsibilityGrid("R1", "R1", empty_hole(-10, -10, 400))
    for u in ds.units.values():
        u.responsibility_grid = "R1"
    fid = 1
    for name, geom in bad_geometries().items():
        add(ds, fid, geom, unit=U1)
        ds.grids[fid] = ds.grids[fid].replace(name=name)
        fid += 1
    add(ds, fid, rect(100, 0, 150, 100), unit=U2)
    add(ds, fid + 1, rect(150, 0, 200, 100), unit=U2)
    add(ds, fid + 2, empty_hole(200, 0, 100), unit=U3, category="村组")
    bad = list(bad_geometries().values())
    buildings = [rect(145, 10, 155, 20), empty_hole(10, 10, 5), *bad]
    groups = [empty_hole(200, 0, 50), rect(250, 0, 300, 100), *bad]
    committees = [empty_hole(0, 0, 150), rect(150, 0, 300, 100), *bad]
    layers = {
        "buildings": BaseLayer("buildings", np.array(buildings, dtype=object),
                               [{"households": 10, "name": f"楼{i}"} for i in range(len(buildings))]),
        "villager_groups": BaseLayer("villager_groups", np.array(groups, dtype=object),
                                     [{"name": f"组{i}"} for i in range(len(groups))]),
        "committees": BaseLayer("committees", np.array(committees, dtype=object),
                                [{"name": f"居委{i}"} for i in range(len(committees))]),
    }
    ds.layers = LayerStack.default(layers)
    return ds


def main() -> int:
    ds = build()
    out: dict[str, object] = {}
    for threads in (True, False):
        found = Checker(build(), threads=threads).run_full()
        out[f"rules_threads_{threads}"] = sorted({f.rule for f in found})
    checker = Checker(ds)
    found = checker.run_full()
    out["invalid"] = sorted(f.features[0] for f in found if f.rule == "invalid-geometry")
    agree = []
    bad = bad_geometries()
    # incremental: each bad shape replaces a good grid of U2, then the grid is restored
    good = max(ds.grids) - 1
    for name, geom in bad.items():
        g = ds.grids[good]
        shifted = shapely.affinity.translate(geom, 100, 0) if geom is not None else None
        ds.grids[good] = g.replace(geometry=shifted, name=name)
        inc = signature(checker.update([good], {good: g.geometry}))
        agree.append(inc == signature(Checker(ds).run_full()))
        ds.grids[good] = g
        checker.update([good], {good: shifted})
    # insert and delete a bad grid
    new = max(ds.grids) + 1
    ds.grids[new] = MicroGrid(f"{U2}099", "新", "小区", empty_hole(120, 20, 10), U2,
                              households=400, fid=new)
    agree.append(signature(checker.update([new], {new: None}))
                 == signature(Checker(ds).run_full()))
    del ds.grids[new]
    agree.append(signature(checker.update([new], {}))
                 == signature(Checker(ds).run_full()))
    out["incremental_agrees"] = agree
    print(json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
