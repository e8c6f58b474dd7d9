"""No geometry that reaches the checker may crash it (issue 9).

A polygon with an empty ring (a hole written as ``[]`` by GDAL) is "valid" to GEOS, yet its
relate predicates crash the process. The checks run in a child process
(``tests/helpers_bad_geometry.py``) so a segmentation fault fails this test instead of killing
pytest.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import shapely

from mapedit.rules.geom import clean_polygonal, geometry_problem, has_empty_ring, valid_mask
from tests.helpers_bad_geometry import bad_geometries, empty_hole

ROOT = Path(__file__).resolve().parent.parent


def test_full_and_incremental_checks_survive_bad_geometries():
    proc = subprocess.run([sys.executable, "-m", "tests.helpers_bad_geometry"], cwd=ROOT,
                          capture_output=True, timeout=300)
    assert proc.returncode == 0, (proc.returncode, proc.stderr.decode("utf-8", "replace")[-2000:])
    out = json.loads(proc.stdout.decode("utf-8").strip().splitlines()[-1])
    assert out["rules_threads_True"] == out["rules_threads_False"]
    assert "invalid-geometry" in out["rules_threads_True"]
    # every bad grid of unit 001 (11 of them) and the unit 003 itself and its grid
    assert len([c for c in out["invalid"] if c.startswith("310118005001")]) == 11
    assert "310118005003" in out["invalid"]
    assert all(out["incremental_agrees"])


def test_empty_rings_are_named_and_cleaned():
    hole = empty_hole(0, 0, 10)
    assert hole.is_valid  # what GEOS says: the reason a special test is needed
    assert has_empty_ring(hole)
    assert not valid_mask(np.array([hole], dtype=object))[0]
    zh, en = geometry_problem(hole)
    assert "空的环" in zh and "empty ring" in en
    cleaned = clean_polygonal(hole)
    assert not has_empty_ring(cleaned) and cleaned.area == hole.area
    part = bad_geometries()["empty-part"]
    cleaned = clean_polygonal(part)
    assert cleaned.area == part.area and not has_empty_ring(cleaned)
    assert shapely.covers(cleaned.buffer(1), cleaned)  # a predicate that crashed before
