"""The 编辑 toolbar: every tool and action is there, tooltips name the shortcut, and the
status bar says in Chinese what to do next with the active tool."""
# ruff: noqa: F811 - pytest fixtures imported from the support module are used as arguments

from __future__ import annotations

from PySide6.QtCore import Qt
from test_ui_tools_support import key, window

assert window  # fixture


def test_toolbar_actions_shortcuts_and_hints(qtbot, window):
    tools = window.edit_tools
    expected = {"draw": "D", "split": "S", "split_road": "R", "vertex": "V", "fill_gap": "F"}
    for name, letter in expected.items():
        act = tools.tool_actions[name]
        assert act.shortcut().toString() == letter
        assert f"({letter})" in act.toolTip()
        assert act in tools.toolbar.actions()
    assert "(M)" in tools.act_merge.toolTip()
    assert "(H)" in tools.act_households.toolTip()
    assert "Shift+F" in tools.act_fill_all.toolTip()
    titles = {a.text() for a in tools.toolbar.actions()}
    assert {"绘制微网格", "分割微网格", "合并", "编辑节点", "填补空隙", "填补本单元全部空隙",
            "由楼栋计算户数", "追踪", "贴合邻居"} <= titles
    assert window.act_delete in tools.toolbar.actions()
    assert window.act_lock in tools.toolbar.actions()
    # The letter shortcut switches tool; the hint explains what to do next.
    key(qtbot, window, Qt.Key.Key_D)
    assert window.canvas.tool() is tools.draw
    assert tools.hint_label.text().startswith("单击添加节点,双击或回车完成,Esc 取消")
    key(qtbot, window, Qt.Key.Key_V)
    assert window.canvas.tool() is tools.vertex
    assert "拖动节点" in tools.hint_label.text()
    key(qtbot, window, Qt.Key.Key_Escape)
    assert window.canvas.tool() is None
    assert tools.hint_label.text().startswith("选择")
    tools.act_fill_mode.trigger()
    assert tools.draw.mode == "fill"
    tools.act_fill_mode.trigger()
    assert tools.draw.mode == "trim"
    # The edit menu lists the tools too.
    assert tools.act_merge in tools.menu.actions()
