"""Hierarchy dataclasses, settings and change sets."""

from __future__ import annotations

from shapely.geometry import box

from mapedit.model.changes import ChangeSet, GridChange
from mapedit.model.hierarchy import MicroGrid
from mapedit.model.settings import Settings


def _grid(fid: int = 1) -> MicroGrid:
    return MicroGrid(code="310118005012001", name="夏阳湖1号微网格", category="小区",
                     geometry=box(0, 0, 10, 10), unit_code="310118005012",
                     departments=["自治办"], households=320, four_bounds={"east": "至河"},
                     fid=fid)


def test_replace_copies_mutables() -> None:
    g = _grid()
    h = g.replace(name="新名称")
    h.departments.append("城建中心")
    h.four_bounds["west"] = "至路"
    assert g.departments == ["自治办"] and "west" not in g.four_bounds
    assert h.geometry is g.geometry and h.name == "新名称"


def test_changeset_inverse_roundtrip() -> None:
    a, b = _grid(), _grid().replace(households=400)
    cs = ChangeSet("修改户数", "edit households", [GridChange(a, b), GridChange(None, _grid(2))])
    inv = cs.inverse()
    assert [c.action for c in inv.changes] == ["delete", "update"]
    assert inv.changes[1].after is a
    assert inv.inverse().changes[0].after is b
    assert cs.fids == {1, 2}


def test_settings_from_dict_tolerates_unknown_and_bad_values() -> None:
    s = Settings.from_dict({"sliver_width_m": "0.8", "households_min": "abc", "unknown": 1})
    assert s.sliver_width_m == 0.8 and s.households_min == 300
    assert Settings.from_dict(s.to_dict()) == s
