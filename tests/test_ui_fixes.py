"""应用建议修复 in the findings panel: the suggested fix of a finding becomes one undoable edit
(the same change set ``mapedit fix`` applies), offered only where the editor knows one, and a
refusal is explained in the status bar without touching the file."""
# ruff: noqa: F811 - pytest fixtures imported from the support module are used as arguments

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from test_ui_tools_support import (
    TOPOLOGY_RULES,
    dump_grids,
    topology_keys,
    undo_all,
    window,
)

assert window  # fixture

CASES = [("overlap", "310118005014"), ("overlap", "310118005021"),
         ("gap", "310118005024"), ("gap", "310118005034"), ("unit-crossing", "310118005038")]


def _select(win, rule: str, unit: str):
    """Make the finding's row current in the panel (as a click would) and return it."""
    panel = win.findings
    for item in panel.finding_items():
        f = item.data(0, Qt.ItemDataRole.UserRole)[1]
        if f.rule == rule and f.unit == unit:
            panel.tree.setCurrentItem(item)
            return f
    raise AssertionError(f"no {rule} finding of unit {unit} in the panel")


@pytest.mark.parametrize("rule,unit", CASES)
def test_fix_button_applies_and_undo_restores(qtbot, window, demo_path, rule, unit):
    win, project = window, window.project
    original = dump_grids(demo_path)
    before = topology_keys(project, unit)
    f = _select(win, rule, unit)
    button = win.findings.fix_button
    assert button.isEnabled()
    assert f.fix.zh in button.toolTip()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    after = topology_keys(project, unit)
    assert (f.rule, f.key) not in after
    assert not after - before, [x.message_en for x in project.findings
                                if (x.rule, x.key) in after - before]
    assert f.key not in {x.key for x in win.findings.findings}  # the panel followed
    assert win.undo_stack.count() == 1 and "Ctrl+Z" in win.statusBar().currentMessage()
    assert dump_grids(demo_path) != original
    undo_all(win)
    assert dump_grids(demo_path) == original
    assert topology_keys(project, unit) == before
    win.undo_stack.redo()
    assert (f.rule, f.key) not in topology_keys(project, unit)


def test_fix_offered_only_where_an_edit_exists(window):
    panel = window.findings
    ds = window.project.dataset
    for f in window.project.findings:
        menu = panel.finding_menu(f)
        act = next(a for a in menu.actions() if a.text() == "应用建议修复")
        expected = (f.rule in TOPOLOGY_RULES and bool(ds.grids_of_unit(f.unit or "")))
        assert act.isEnabled() == expected, (f.rule, f.unit, f.message_zh)
        if expected:
            assert f.fix.zh in act.toolTip()
    _select(window, "households-range",
            next(f.unit for f in window.project.findings if f.rule == "households-range"))
    assert not panel.fix_button.isEnabled()
    undrawn = next(f for f in window.project.findings
                   if f.rule == "gap" and not ds.grids_of_unit(f.unit))
    _select(window, "gap", undrawn.unit)
    assert not panel.fix_button.isEnabled()


def test_refused_fix_is_explained_and_changes_nothing(qtbot, window, demo_path):
    win = window
    f = _select(win, "gap", "310118005024")
    assert win.controller.apply_fix(f)
    applied = dump_grids(demo_path)
    assert not win.controller.apply_fix(f)  # the same, now out-of-date finding
    assert "空隙已不存在" in win.statusBar().currentMessage()
    assert win.undo_stack.count() == 1 and dump_grids(demo_path) == applied
    # a locked unit refuses too, in Chinese, without an undo step
    win.project.set_unit_locked("310118005014", True)
    f = _select(win, "overlap", "310118005014")
    assert not win.controller.apply_fix(f)
    assert "已锁定" in win.statusBar().currentMessage()
    assert win.undo_stack.count() == 1
    win.project.set_unit_locked("310118005014", False)
