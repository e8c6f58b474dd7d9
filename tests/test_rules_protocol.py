"""The rule protocol (issue 10 §4): a new rule is one class and one registry line, and the
engine runs it in full and incremental checks without knowing anything about it."""

from __future__ import annotations

from collections.abc import Hashable, Iterable

import pytest
import shapely

from mapedit.rules.attributes import make
from mapedit.rules.engine import Checker
from mapedit.rules.findings import RULES, WARNING, Finding
from mapedit.rules.protocol import Change, Rule
from mapedit.rules.registry import register, rule_classes, unregister
from mapedit.rules.report import report_dict, report_text
from tests.rules_helpers import U1, add, dataset, rect, signature


class TinyGrids(Rule):
    """A toy rule: a grid under 100 m² is a warning. Touches nothing private."""

    name = "tiny"
    findings = {"tiny-grid": (WARNING, "微网格过小", "micro-grid too small")}

    def keys(self) -> Iterable[Hashable]:
        return list(self.checker.dataset.grids)

    def scopes(self, change: Change) -> Iterable[Hashable]:
        return change.fids

    def check(self, key: Hashable) -> list[Finding]:
        fid = int(key)  # type: ignore[call-overload]
        geom = self.checker.grids.clean(fid)
        if geom is None or geom.area >= 100:
            return []
        label = self.checker.label(fid)
        return [make("tiny-grid", [label], self.checker.unit_code(fid), geom.area,
                     f"微网格 {label} 过小", f"micro-grid {label} is tiny", geom, fids=[fid])]


@pytest.fixture
def tiny_rule():
    register(TinyGrids)
    yield TinyGrids
    unregister(TinyGrids)


def two_grids():
    ds = dataset()
    add(ds, 1, rect(0, 0, 95, 100))
    add(ds, 2, rect(95, 0, 100, 100))  # 500 m²
    return ds


@pytest.mark.parametrize("threads", [True, False])
def test_registered_rule_runs_in_full_and_incremental_checks(tiny_rule, threads):
    assert TinyGrids in rule_classes() and "tiny-grid" in RULES
    ds = two_grids()
    c = Checker(ds, threads=threads)
    assert [f.rule for f in c.run_full()] == []
    g = ds.grids[2]
    ds.grids[2] = g.replace(geometry=rect(95, 0, 100, 10))  # 50 m², and a gap beside it
    found = c.update([2], {2: g.geometry})
    assert {f.rule for f in found} == {"tiny-grid", "gap"}
    assert signature(found) == signature(Checker(ds).run_full())
    tiny = next(f for f in found if f.rule == "tiny-grid")
    assert tiny.features == [g.code] and tiny.unit == U1 and tiny.area_m2 == 50
    assert "微网格过小" in report_text(found, c.summary())
    assert report_dict(found, c.summary(), ds.crs)["summary"]["warnings"] == 1
    ds.grids[2] = g
    assert [f.rule for f in c.update([2], {})] == []


def test_unregistered_rule_is_gone_and_names_are_unique(tiny_rule):
    with pytest.raises(ValueError):
        register(type("Again", (TinyGrids,), {}))
    unregister(TinyGrids)
    assert TinyGrids not in rule_classes()
    ds = two_grids()
    ds.grids[2] = ds.grids[2].replace(geometry=rect(95, 0, 100, 10))
    assert "tiny-grid" not in {f.rule for f in Checker(ds).run_full()}


def test_a_checker_can_run_a_chosen_rule_set():
    ds = two_grids()
    ds.grids[2] = ds.grids[2].replace(geometry=shapely.box(0, 0, 1, 1))  # far away
    only = Checker(ds, rules=[TinyGrids]).run_full()
    assert [f.rule for f in only] == ["tiny-grid"]
