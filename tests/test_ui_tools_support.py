"""Helpers for the editing-tool GUI tests: a demo project in a window, and simulated input at
the screen positions of map coordinates (through the canvas's own map↔widget transform).

No tests here; the fixtures are imported by ``test_ui_tools_*.py`` and ``test_ui_session_*.py``.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import shapely
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

TOPOLOGY_RULES = {"overlap", "gap", "unit-crossing", "sliver"}

NO = Qt.KeyboardModifier.NoModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
CTRL = Qt.KeyboardModifier.ControlModifier
LEFT = Qt.MouseButton.LeftButton
RIGHT = Qt.MouseButton.RightButton


@pytest.fixture
def window(qtbot, demo_path):
    """The main window on a fresh copy of the demo, with the editing tools installed."""
    from mapedit.project import Project
    from mapedit.ui.main_window import MainWindow
    from mapedit.ui.tools.toolbar import install_tools

    project = Project.open(demo_path)
    win = MainWindow(project)
    qtbot.addWidget(win)
    install_tools(win)
    win.resize(1400, 900)
    win.show()
    qtbot.waitExposed(win)
    assert win.controller.wait_for_check(), "the background check finishes"
    yield win
    win.controller.close()


# -- input -------------------------------------------------------------------------------------

def viewport(win):
    return win.canvas.view.viewport()


def screen(win, x: float, y: float) -> QPoint:
    p = win.canvas.widget_from_map(x, y)
    return QPoint(round(p.x()), round(p.y()))


def at_screen(win, x: float, y: float) -> tuple[float, float]:
    """The map point a click at (x, y) really lands on (pixel rounding)."""
    return win.canvas.map_from_widget(QPointF(screen(win, x, y)))


def move(win, x: float, y: float, modifiers=NO, buttons=Qt.MouseButton.NoButton) -> None:
    vp = viewport(win)
    pos = QPointF(screen(win, x, y))
    ev = QMouseEvent(QEvent.Type.MouseMove, pos, vp.mapToGlobal(pos), Qt.MouseButton.NoButton,
                     buttons, modifiers)
    QApplication.sendEvent(vp, ev)


def click(qtbot, win, x: float, y: float, modifiers=NO, button=LEFT) -> None:
    move(win, x, y, modifiers)
    qtbot.mouseClick(viewport(win), button, modifiers, screen(win, x, y))


def double_click(qtbot, win, x: float, y: float, modifiers=NO) -> None:
    """What a real double-click sends: press, release, double-click, release."""
    move(win, x, y, modifiers)
    pos = screen(win, x, y)
    qtbot.mouseClick(viewport(win), LEFT, modifiers, pos)
    qtbot.mouseDClick(viewport(win), LEFT, modifiers, pos)


def drag(qtbot, win, x0: float, y0: float, x1: float, y1: float, modifiers=NO) -> None:
    move(win, x0, y0, modifiers)
    vp = viewport(win)
    qtbot.mousePress(vp, LEFT, modifiers, screen(win, x0, y0))
    for t in (0.25, 0.5, 0.75, 1.0):
        move(win, x0 + (x1 - x0) * t, y0 + (y1 - y0) * t, modifiers, LEFT)
    qtbot.mouseRelease(vp, LEFT, modifiers, screen(win, x1, y1))


def key(qtbot, win, k, modifiers=NO) -> None:
    qtbot.keyClick(win.canvas.view, k, modifiers)


def use_tool(win, name: str) -> None:
    win.edit_tools.tool_actions[name].trigger()


# -- data --------------------------------------------------------------------------------------

def topology_keys(project, unit: str | None = None) -> set[tuple[str, str]]:
    return {(f.rule, f.key) for f in project.findings
            if f.rule in TOPOLOGY_RULES and (unit is None or f.unit == unit)}


def errors_of_unit(project, unit: str) -> list:
    return [f for f in project.findings if f.unit == unit and f.severity == "error"
            and not f.accepted]


def dump_grids(path: Path) -> list[tuple]:
    """Every row of the micro_grids table (geometry blobs included), by fid."""
    con = sqlite3.connect(path)
    try:
        return con.execute("SELECT * FROM micro_grids ORDER BY fid").fetchall()
    finally:
        con.close()


def undo_all(win) -> None:
    stack = win.undo_stack
    while not stack.isClean() and stack.canUndo():
        stack.undo()
    assert stack.isClean()


def interior_grid(project, unit_code: str | None = None, margin: float = 8.0):
    """A compact grid whose bounding box (grown by ``margin``) lies inside its unit, so a
    rectangle drawn around it starts and stays in the same unit."""
    ds = project.dataset
    best = None
    for g in ds.grids.values():
        if unit_code is not None and g.unit_code != unit_code:
            continue
        unit = ds.units[g.unit_code]
        box = shapely.box(*g.geometry.bounds).buffer(margin, join_style="mitre")
        if not unit.geometry.contains(box):
            continue
        compact = g.geometry.area / box.area
        if best is None or compact > best[0]:
            best = (compact, g)
    assert best is not None, "the demo has no interior grid"
    return best[1]


def zoom_to(win, geom, margin: float = 0.3) -> None:
    win.canvas.zoom_to_bounds(*geom.bounds, margin=margin)
    QApplication.processEvents()
