"""检查结果 panel with many findings: rows for a unit's findings are made when the unit is
opened, so an edit with tens of thousands of findings open does not rebuild them all; what
the clerk had open and selected stays open and selected."""

from __future__ import annotations

import shapely

from mapedit.rules.findings import Finding
from mapedit.ui.panels.findings import PENDING, ROLE, FindingsPanel


def _findings(units: int, per_unit: int) -> list[Finding]:
    out = []
    for u in range(units):
        for k in range(per_unit):
            x, y = 1000.0 * u, 10.0 * k
            out.append(Finding("overlap", "error", [f"G{u}-{k}", f"G{u}-{k + 1}"], f"U{u:03d}",
                               1.0, f"重叠 {u}-{k}", f"overlap {u}-{k}",
                               shapely.box(x, y, x + 1, y + 1)))
    return out


def test_rows_are_made_when_a_unit_is_opened(qtbot):
    panel = FindingsPanel()
    qtbot.addWidget(panel)
    found = _findings(200, 50)  # 10,000 findings
    panel.set_findings(found, None)
    rule = panel.tree.topLevelItem(0)
    assert rule.childCount() == 200
    units = [rule.child(j) for j in range(rule.childCount())]
    assert all(u.childCount() == 0 and len(u.data(0, PENDING)) == 50 for u in units)
    rule.setExpanded(True)
    units[7].setExpanded(True)  # the clerk opens one unit
    assert units[7].childCount() == 50 and units[7].data(0, PENDING) is None
    assert units[7].child(0).text(0) == "重叠 7-0"
    assert units[8].childCount() == 0
    # the current finding and the open unit survive a rebuild (new list, one finding less)
    panel.tree.setCurrentItem(units[7].child(3))
    panel.set_findings(found[1:], None)
    current = panel.current_finding()
    assert current is found[7 * 50 + 3]
    rule = panel.tree.topLevelItem(0)
    opened = [rule.child(j) for j in range(rule.childCount()) if rule.child(j).isExpanded()]
    assert [u.childCount() for u in opened] == [50]
    assert len(panel.finding_items()) == len(found) - 1  # every row, made on demand


def test_new_objects_for_the_same_findings_are_rebound_without_a_rebuild(qtbot):
    panel = FindingsPanel()
    qtbot.addWidget(panel)
    found = _findings(3, 5)  # more than OPEN_ALL_BELOW: units stay folded
    panel.set_findings(found, None)
    rule = panel.tree.topLevelItem(0)
    rule.child(0).setExpanded(True)
    made = rule.child(0).child(0)
    again = [Finding(f.rule, f.severity, list(f.features), f.unit, f.area_m2, f.message_zh,
                     f.message_en, f.location) for f in found]
    panel.set_findings(again, None)
    assert panel.tree.topLevelItem(0).child(0).child(0) is made  # not rebuilt
    assert made.data(0, ROLE)[1] is again[0]
    assert all(any(f is g for g in again)
               for f in panel.tree.topLevelItem(0).child(1).data(0, PENDING))
