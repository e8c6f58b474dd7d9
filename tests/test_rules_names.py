"""Findings and the ``check`` report name grids and units by code *and* name (issue 9): a
clerk recognises 金星小区1号微网格, not 310118005001001. The JSON contract keeps ``features``
and ``unit`` as codes; names travel in the optional ``feature_names`` / ``unit_name``."""

from __future__ import annotations

from shapely.geometry import box

from mapedit.rules.engine import Checker
from mapedit.rules.report import report_dict, report_text
from tests.rules_helpers import U1, U2, X0, Y0, add, dataset, rect


def named_dataset():
    ds = dataset({U1: rect(0, 0, 100, 100), U2: rect(100, 0, 200, 100)})
    ds.units[U1].name = "金星小区"
    ds.units[U2].name = "东苑小区"
    add(ds, 1, rect(0, 0, 60, 100))                      # overlaps grid 2 by 10 m
    add(ds, 2, rect(50, 0, 100, 90))                     # leaves a 10 m gap at the top
    add(ds, 3, rect(100, 0, 210, 100), unit=U2)          # crosses out of 东苑小区
    add(ds, 4, rect(150, 200, 160, 210), unit=U2, households=50)  # far away: outside units
    for fid, name in ((1, "金星小区1号微网格"), (2, "金星小区2号微网格"), (3, "东苑1号微网格")):
        ds.grids[fid] = ds.grids[fid].replace(name=name)
    ds.grids[4] = ds.grids[4].replace(name="")
    return ds


def test_messages_name_grids_and_units():
    found = Checker(named_dataset()).run_full()
    by_rule = {f.rule: f for f in found}
    ov = by_rule["overlap"]
    assert "金星小区1号微网格" in ov.message_zh and "金星小区2号微网格" in ov.message_zh
    assert "(金星小区1号微网格)" in ov.message_en
    assert ov.features == [f"{U1}001", f"{U1}002"]  # codes, as the contract says
    gap = by_rule["gap"]
    assert "金星小区" in gap.message_zh and "金星小区" in gap.message_en
    assert gap.features == [U1]
    crossing = by_rule["unit-crossing"]
    assert "东苑1号微网格" in crossing.message_zh and "东苑小区" in crossing.message_zh
    # a grid without a name is named by its code alone (no empty brackets)
    missing = by_rule["missing-attribute"]
    assert f"微网格 {U2}004 缺少名称" in missing.message_zh and "()" not in missing.message_zh


def test_report_text_heads_units_with_their_names():
    ds = named_dataset()
    c = Checker(ds)
    text = report_text(c.run_full(), c.summary())
    assert f"管理单元 {U1}(金星小区)" in text and f"管理单元 {U2}(东苑小区)" in text
    text_en = report_text(c.findings, c.summary(), lang="en")
    assert f"Unit {U1} (金星小区)" in text_en


def test_json_keeps_codes_and_adds_names():
    ds = named_dataset()
    c = Checker(ds)
    rep = report_dict(c.run_full(), c.summary(), ds.crs)
    ov = next(f for f in rep["findings"] if f["rule"] == "overlap")
    assert ov["features"] == [f"{U1}001", f"{U1}002"] and ov["unit"] == U1
    assert ov["feature_names"] == ["金星小区1号微网格", "金星小区2号微网格"]
    assert ov["unit_name"] == "金星小区"
    gap = next(f for f in rep["findings"] if f["rule"] == "gap")
    assert gap["features"] == [U1] and gap["feature_names"] == ["金星小区"]


def test_unit_rules_name_units():
    ds = dataset({U1: box(X0, Y0, X0 + 100, Y0 + 100), U2: box(X0 + 90, Y0, X0 + 200, Y0 + 100)})
    ds.units[U1].name = "金星小区"
    ds.units[U2].name = "东苑小区"
    f = next(f for f in Checker(ds).run_full() if f.rule == "unit-overlap")
    assert "金星小区" in f.message_zh and "东苑小区" in f.message_en
    assert f.features == [U1, U2]
