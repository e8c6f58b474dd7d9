"""What every check report must satisfy, whatever test produced it (issue 9: every geometry
that leaves the program is valid).

``assert_report_valid`` is called by the tests that read a report from a subprocess; in-process
reports are checked by the autouse fixture in ``conftest.py``, which wraps
``mapedit.rules.report.report_dict`` so no test can produce a report that escapes the check.
"""

from __future__ import annotations

import shapely
from shapely.geometry import shape

POLYGONAL = ("Polygon", "MultiPolygon")
AREA_RULES_POINT_OK = ("sliver",)
"""An unshared-vertex sliver is located by its vertices (a point or multipoint)."""


def assert_location_valid(loc: dict | None, rule: str = "") -> None:
    if loc is None:
        return
    geom = shape(loc)
    assert not geom.is_empty, f"{rule}: empty location {loc}"
    assert geom.is_valid, f"{rule}: invalid location ({shapely.is_valid_reason(geom)})"
    if geom.geom_type not in POLYGONAL:
        assert rule in AREA_RULES_POINT_OK and geom.geom_type in ("Point", "MultiPoint"), \
            f"{rule}: location is a {geom.geom_type}"
        return
    # RFC 7946: exterior rings counter-clockwise, holes clockwise
    for poly in getattr(geom, "geoms", [geom]):
        assert poly.exterior.is_ccw, f"{rule}: exterior ring not counter-clockwise"
        assert all(not r.is_ccw for r in poly.interiors), f"{rule}: hole not clockwise"
    for ring in _rings(loc):
        for x, y in ring:
            assert round(x, 7) == x and round(y, 7) == y, f"{rule}: more than 7 decimals"


def _rings(loc: dict) -> list:
    if loc["type"] == "Polygon":
        return loc["coordinates"]
    if loc["type"] == "MultiPolygon":
        return [r for p in loc["coordinates"] for r in p]
    return []


def assert_report_valid(report: dict) -> None:
    """Every finding's location is a valid (multi)polygon with at most 7 decimals in
    RFC 7946 orientation (or, for an unshared-vertex sliver, valid points)."""
    for f in report["findings"]:
        assert_location_valid(f.get("location"), f.get("rule", ""))
