"""Codes: the 15-digit pattern and west→east, north→south auto-numbering."""

from __future__ import annotations

import pytest
from shapely.geometry import box

from mapedit.model.codes import (
    CodePattern,
    grid_code,
    next_free_code,
    number_grids,
    unit_code,
)

UNIT = unit_code("310118", 5, 12)


def test_unit_and_grid_code() -> None:
    assert UNIT == "310118005012"
    assert grid_code(UNIT, 7) == "310118005012007"
    with pytest.raises(ValueError):
        grid_code(UNIT, 1000)


def test_default_pattern() -> None:
    p = CodePattern()
    assert p.unit_ok(UNIT) and not p.unit_ok("31011800501")
    assert p.grid_ok("310118005012001", UNIT)
    assert not p.grid_ok("310118005013001", UNIT)  # other unit's prefix
    assert not p.grid_ok("310118005012000", UNIT)  # sequence 000
    assert not p.grid_ok("31011800501200A", UNIT)
    assert not p.grid_ok("A001", "U01")


def test_custom_and_none_patterns() -> None:
    assert CodePattern("none").grid_ok("anything", None)
    p = CodePattern(r"QP-\d{4}")
    assert p.grid_ok("QP-0001", None) and not p.grid_ok("QP-1", None)


def test_infer_pattern() -> None:
    assert CodePattern.infer(["U01", "A001", "A002"]).spec == "none"
    assert CodePattern.infer([UNIT, "310118005012001", "bad"]).spec == "default"
    assert CodePattern.infer([]).spec == "none"


def test_numbering_reading_order() -> None:
    # 3 columns x 2 rows given in scrambled order, far from the origin like real GK coords.
    x0, y0 = 500_000.0, 3_446_000.0
    cells = {(r, c): box(x0 + c * 100, y0 - (r + 1) * 80, x0 + (c + 1) * 100, y0 - r * 80)
             for r in range(2) for c in range(3)}
    order = [(1, 2), (0, 1), (1, 0), (0, 0), (0, 2), (1, 1)]
    codes = number_grids(UNIT, [cells[k] for k in order])
    by_cell = dict(zip(order, codes, strict=True))
    assert by_cell[(0, 0)].endswith("001")
    assert by_cell[(0, 1)].endswith("002")
    assert by_cell[(0, 2)].endswith("003")
    assert by_cell[(1, 0)].endswith("004")
    assert by_cell[(1, 2)].endswith("006")


def test_next_free_code() -> None:
    used = [grid_code(UNIT, 1), grid_code(UNIT, 2), grid_code(UNIT, 4), "310118005099003"]
    assert next_free_code(UNIT, used) == grid_code(UNIT, 3)
