"""Attribute, unit and base-layer rules, accepted exceptions and the report."""

from __future__ import annotations

import json

import numpy as np
from shapely.geometry import box

from mapedit.model.hierarchy import ResponsibilityGrid, Unit
from mapedit.model.layers import BaseLayer
from mapedit.rules.engine import Checker
from mapedit.rules.report import report_dict, report_text
from tests.rules_helpers import U1, U2, add, check, dataset, rect, rules


def two_grids(**kw):
    ds = dataset()
    add(ds, 1, rect(0, 0, 50, 100), **kw)
    add(ds, 2, rect(50, 0, 100, 100))
    return ds


def test_missing_attributes_one_finding_per_grid():
    ds = two_grids()
    ds.grids[1].name = ""
    ds.grids[1].households = None
    f = check(ds)
    assert rules(f) == {"missing-attribute": 1}
    assert f[0].area_m2 == 5000.0 and "名称" in f[0].message_zh and "户数" in f[0].message_zh


def test_departments_and_unit_code_are_not_required():
    ds = two_grids()
    ds.grids[1].departments = []
    ds.grids[1].unit_code = ""
    assert check(ds) == []


def test_empty_code_is_labelled_by_position():
    ds = two_grids()
    ds.grids[1].code = ""
    f = check(ds)
    assert rules(f) == {"missing-attribute": 1} and f[0].features == ["#1"]


def test_category_not_allowed_or_unknown():
    ds = two_grids(category="街面-企业", households=None)
    ds.grids[2].category = "菜地"
    f = check(ds)
    assert rules(f) == {"category-unit-mismatch": 2}


def test_attributes_screened_in_the_unit_a_grid_is_assigned_to():
    """The full check screens attributes against the declared unit first; a grid assigned
    elsewhere (declared unit missing, or no declared unit) is screened in that unit, and the
    answer equals a re-check of every grid one by one."""
    ds = dataset({U1: rect(0, 0, 100, 100), U2: rect(100, 0, 200, 100)})
    ds.units[U2].unit_type = "街面"
    add(ds, 1, rect(0, 0, 100, 100))
    # declares a unit that does not exist (in which its attributes would pass): lies in U2
    add(ds, 2, rect(100, 0, 150, 100), unit="310118005009", code="310118005009002")
    add(ds, 3, rect(150, 0, 200, 100), unit="", code=f"{U2}003",
        category="街面-企业", households=None)
    f = check(ds)
    assert sorted((x.rule, x.features[0], x.unit) for x in f) == [
        ("category-unit-mismatch", "310118005009002", U2),
        ("code-format", "310118005009002", U2)]
    c = Checker(ds)
    c.run_full()
    c.update(sorted(ds.grids))
    assert [(x.rule, x.features, x.unit) for x in c.findings] == \
        [(x.rule, x.features, x.unit) for x in f]


def test_composite_category_with_em_dash_is_accepted():
    ds = two_grids(category="社区—其它", households=None)
    assert check(ds) == []


def test_duplicate_grid_codes():
    ds = two_grids()
    ds.grids[2].code = ds.grids[1].code
    f = check(ds)
    assert rules(f) == {"duplicate-code": 1} and f[0].area_m2 == 10000.0


def test_duplicate_unit_codes_from_unit_list():
    ds = two_grids()
    extra = Unit(U1, "again", "小区", rect(500, 500, 600, 600))
    c = Checker(ds, unit_list=[ds.units[U1], extra])
    assert rules(c.run_full()) == {"duplicate-code": 1}
    assert c.summary()["units"] == 2


def test_code_format_default_and_none():
    ds = two_grids()
    ds.grids[1].code = "A001"
    assert rules(check(ds)) == {"code-format": 1}
    ds.grids[1].code = "310118005002001"  # wrong unit prefix
    assert rules(check(ds)) == {"code-format": 1}
    ds.settings.code_pattern = "none"
    ds.grids[1].code = "A001"
    assert check(ds) == []


def test_households_range_is_a_warning():
    ds = two_grids(households=250)
    c = Checker(ds)
    assert rules(c.run_full()) == {"households-range": 1}
    assert c.summary()["errors"] == 0 and c.summary()["warnings"] == 1
    ds.grids[1].households = 500
    assert check(ds) == []


def test_unit_overlap_responsibility_and_committee():
    ds = dataset({U1: rect(0, 0, 100, 100), U2: rect(90, 0, 200, 100)}, unit_type="街面")
    ds.responsibility_grids["R1"] = ResponsibilityGrid("R1", "一", rect(0, 0, 150, 100))
    for u in ds.units.values():
        u.responsibility_grid = "R1"
    ds.layers.add_vector("committees", BaseLayer(
        "committees", np.array([rect(0, 0, 50, 100), rect(50, 0, 300, 100)], dtype=object),
        [{"name": "甲"}, {"name": "乙"}]))
    f = check(ds)
    r = rules(f)
    assert r["unit-overlap"] == 1
    assert r["unit-responsibility-crossing"] == 1
    assert r["unit-committee-crossing"] == 1
    assert next(x for x in f if x.rule == "unit-overlap").area_m2 == 1000.0


def test_responsibility_grids_proven_by_union_and_per_unit():
    """Units tiling the street without overlap: groups whose units fill their responsibility
    grid exactly, lie inside it, or cross it (the union proof must not hide that crossing)."""
    u = {f"3101180050{k:02d}": rect(100 * k, 0, 100 * k + 100, 100) for k in range(1, 7)}
    ds = dataset(u)
    codes = sorted(u)
    ds.responsibility_grids["R1"] = ResponsibilityGrid("R1", "一", rect(100, 0, 300, 100))
    ds.responsibility_grids["R2"] = ResponsibilityGrid("R2", "二", rect(290, -10, 520, 110))
    ds.responsibility_grids["R3"] = ResponsibilityGrid("R3", "三", rect(500, 0, 640, 100))
    for c, rg in zip(codes, ["R1", "R1", "R2", "R2", "R3", "R3"], strict=True):
        ds.units[c].responsibility_grid = rg
    f = [x for x in check(ds) if x.rule == "unit-responsibility-crossing"]
    assert [(x.unit, x.area_m2) for x in f] == [(codes[5], 6000.0)]
    # the same without the coverage proof (overlapping units): same answer
    ds.units[codes[0]].geometry = rect(100, 0, 205, 100)
    f = [x for x in check(ds) if x.rule == "unit-responsibility-crossing"]
    assert [(x.unit, x.area_m2) for x in f] == [(codes[5], 6000.0)]


def test_building_cut():
    ds = two_grids()
    ds.layers.add_vector("buildings", BaseLayer("buildings", np.array(
        [rect(40, 10, 60, 30), rect(10, 10, 30, 30), rect(49.9, 50, 70, 60)], dtype=object),
        [{"name": "1号楼"}, {"name": "2号楼"}, {"name": "3号楼"}]))
    f = check(ds)
    assert rules(f) == {"building-cut": 1}
    assert f[0].area_m2 == 400.0 and "1号楼" in f[0].message_zh


def test_villager_group_cut():
    ds = dataset(unit_type="农村")
    add(ds, 1, rect(0, 0, 50, 100), category="村组")
    add(ds, 2, rect(50, 0, 100, 100), category="村组")
    ds.layers.add_vector("villager_groups", BaseLayer("villager_groups", np.array(
        [rect(0, 0, 60, 100), rect(60, 0, 100, 100)], dtype=object),
        [{"name": "一组"}, {"name": "二组"}]))
    f = check(ds)
    assert rules(f) == {"villager-group-cut": 1}
    assert f[0].features == [f"{U1}002"] and f[0].area_m2 == 1000.0
    # a grid made of two whole groups is fine
    ds.grids[1].geometry = rect(0, 0, 100, 100)
    del ds.grids[2]
    assert rules(check(ds)) == {}


def test_accepted_exception_is_not_an_error():
    ds = two_grids()
    ds.grids[2].geometry = rect(50, 0, 100, 90)
    c = Checker(ds)
    gap = c.run_full()[0]
    c.set_accepted(gap.key, "河道,不设网格")
    assert c.summary()["errors"] == 0 and c.summary()["accepted"] == 1
    assert c.findings[0].accepted
    c2 = Checker(ds, accepted={gap.key: "河道"})
    assert c2.summary()["errors"] == 0
    c.set_accepted(gap.key, None)
    assert c.summary()["errors"] == 1


def test_report_dict_follows_contract():
    ds = two_grids()
    ds.grids[1].geometry = rect(0, 0, 60, 100)
    c = Checker(ds)
    rep = report_dict(c.findings, c.summary(), ds.crs)
    assert list(rep) == ["findings", "summary"]
    assert {k: rep["summary"][k] for k in ("errors", "warnings", "grids", "units")} == {
        "errors": 1, "warnings": 0, "grids": 2, "units": 1}
    f = rep["findings"][0]
    assert f["rule"] == "overlap" and f["severity"] == "error" and f["unit"] == U1
    assert f["area_m2"] == 1000.0 and f["features"] == [f"{U1}001", f"{U1}002"]
    loc = f["location"]
    assert loc["type"] == "Polygon"
    x, y = loc["coordinates"][0][0]
    assert 119 < x < 121 and 30 < y < 32
    assert all(len(str(v).split(".")[1]) <= 7 for pt in loc["coordinates"][0] for v in pt)
    text = json.dumps(rep, ensure_ascii=False)
    assert "重叠" in text
    txt = report_text(c.findings, c.summary())
    assert "管理单元 310118005001" in txt and "1 个错误" in txt


def test_findings_for_unit_and_outside():
    ds = dataset({U1: rect(0, 0, 100, 100), U2: box(0, 0, 1, 1)})
    add(ds, 1, rect(0, 0, 100, 100))
    c = Checker(ds)
    assert [f.rule for f in c.findings_for_unit(U2)] == ["gap"]
    assert c.findings_for_unit(U1) == []
