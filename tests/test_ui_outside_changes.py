"""Another program changes the open project (issue 9): the window takes the change in, offers
重新载入 when a write was refused, and names the clerk in the edit log.

Before: the store refused the write (``ProjectChangedError``) but the window only showed the
refusal, with no way to reload short of reopening the file; every later edit was refused the
same way; a refused undo left the undo stack one step off the data; locks were logged without
the clerk's name; repairs made while loading the file were never shown."""

from __future__ import annotations

import sqlite3

import pytest
import shapely
from helpers_window import show_window
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QWidget

from mapedit.model.changes import edit_attributes
from mapedit.project import Project
from mapedit.ui.commands import current_user
from mapedit.ui.controller import ProjectController
from mapedit.ui.main_window import MainWindow
from mapedit.ui.settings_store import SettingsStore


@pytest.fixture
def window(qtbot, demo_path, monkeypatch):
    """The window on the demo copy, without the timer (the tests say when to look)."""
    monkeypatch.setattr(ProjectController, "POLL_MS", 0)
    w = show_window(qtbot, Project.open(demo_path), size=(1400, 900))
    yield w
    w.close()


def _two_grids(project):
    ds = project.dataset
    free = [g for g in sorted(ds.grids.values(), key=lambda g: g.fid)
            if not ds.units[g.unit_code].locked]
    return free[0], next(g for g in free if g.unit_code != free[0].unit_code)


def _rename_elsewhere(path, fid: int, name: str) -> None:
    """A second window (its own connection) renames a grid."""
    with Project.open(path) as other:
        g = other.dataset.grids[fid]
        other.apply(edit_attributes(g, name=name), who="第二个窗口")


def _answer_reload(qtbot, window, button: str = "重新载入") -> list[str]:
    """Click ``button`` in the 重新载入 question when it comes; returns what it said."""
    said: list[str] = []

    def click() -> None:
        box = window.files.reload_box
        if box is None:
            QTimer.singleShot(20, click)
            return
        said.append(box.text())
        next(b for b in box.buttons() if b.text() == button).click()

    QTimer.singleShot(0, click)
    return said


def test_an_edit_after_another_program_changed_the_file_takes_the_change_in(
        window, demo_path, qtbot):
    w, project = window, window.project
    a, b = _two_grids(project)
    _rename_elsewhere(demo_path, b.fid, "别处改的名字")
    # The clerk edits another grid: the change is taken in first, the edit is saved.
    assert w.controller.push_changeset(edit_attributes(a, name="本窗口的名字")) is not None
    assert project.dataset.grids[b.fid].name == "别处改的名字"
    assert project.dataset.grids[a.fid].name == "本窗口的名字"
    assert "其他程序" in w.notice.text()
    with Project.open(demo_path) as again:
        assert again.dataset.grids[a.fid].name == "本窗口的名字"
        assert again.dataset.grids[b.fid].name == "别处改的名字"


def test_window_activation_takes_outside_changes_in(window, demo_path, qtbot):
    w, project = window, window.project
    _a, b = _two_grids(project)
    _rename_elsewhere(demo_path, b.fid, "在 QGIS 里改的")
    other = QWidget()  # the clerk was in QGIS …
    qtbot.addWidget(other)
    other.show()
    other.activateWindow()
    qtbot.waitUntil(other.isActiveWindow)
    count = w.controller.refresh_count
    w.activateWindow()  # … and comes back
    qtbot.waitUntil(lambda: project.dataset.grids[b.fid].name == "在 QGIS 里改的")
    assert w.controller.refresh_count == count + 1  # one refresh shows it
    w.select_grids([b.fid])
    assert w.attributes.name.text() == "在 QGIS 里改的"


def test_a_refused_undo_offers_reload_and_can_then_be_done(window, demo_path, qtbot):
    w, project = window, window.project
    a, b = _two_grids(project)
    assert w.controller.push_changeset(edit_attributes(a, name="先改一下")) is not None
    _rename_elsewhere(demo_path, b.fid, "另一个窗口")
    said = _answer_reload(qtbot, w)
    index = w.undo_stack.index()
    w.undo_stack.undo()  # refused: the file changed; the question comes, 重新载入 is clicked
    qtbot.waitUntil(lambda: bool(said) and w.files.reload_box is None, timeout=5000)
    assert "其他程序" in said[0]
    assert project.dataset.grids[a.fid].name == "先改一下"  # the refused undo changed nothing
    assert w.undo_stack.index() == index  # and the stack is where the data is
    assert project.dataset.grids[b.fid].name == "另一个窗口"  # reloaded
    w.undo_stack.undo()  # now it goes through
    assert project.dataset.grids[a.fid].name == a.name
    w.undo_stack.redo()
    assert project.dataset.grids[a.fid].name == "先改一下"


def test_later_keeps_the_refusal_and_reload_from_the_menu(window, demo_path, qtbot):
    w, project = window, window.project
    a, b = _two_grids(project)
    assert w.controller.push_changeset(edit_attributes(a, name="先改一下")) is not None
    _rename_elsewhere(demo_path, b.fid, "另一个窗口")
    said = _answer_reload(qtbot, w, "稍后")
    w.undo_stack.undo()
    qtbot.waitUntil(lambda: bool(said) and w.files.reload_box is None, timeout=5000)
    assert project.dataset.grids[b.fid].name == b.name  # not reloaded
    w.act_reload.trigger()  # 文件 → 重新载入
    assert project.dataset.grids[b.fid].name == "另一个窗口"
    w.undo_stack.undo()
    assert project.dataset.grids[a.fid].name == a.name


def test_lock_set_elsewhere_is_shown_and_refuses_edits(window, demo_path, qtbot):
    w, project = window, window.project
    a, _b = _two_grids(project)
    with Project.open(demo_path) as other:
        other.set_unit_locked(a.unit_code, True, who="第二个窗口")
    w.select_grids([a.fid])
    assert w.controller.push_changeset(edit_attributes(a, name="不该保存")) is None
    assert project.dataset.units[a.unit_code].locked
    assert "锁定" in w.notice.text()
    assert not w.attributes.name.isEnabled()  # the form shows the lock
    assert project.dataset.grids[a.fid].name == a.name


def test_settings_changed_elsewhere_reload_the_project(window, demo_path, qtbot):
    from dataclasses import replace

    w, old = window, window.project
    a, _b = _two_grids(old)
    w.controller.push_changeset(edit_attributes(a, name="先改一下"))
    with Project.open(demo_path) as other:
        other.save_settings(replace(other.dataset.settings, households_max=450),
                            who="第二个窗口")
    assert w.controller.check_outside()
    new = w.project
    assert new is not old and new.dataset.settings.households_max == 450
    assert w.undo_stack.count() == 0  # a fresh start: the history was for other rules
    assert w.controller.wait_for_check()
    assert w.summary_button.text()


def test_the_clerk_is_named_in_the_edit_log(window, qtbot):
    w, project = window, window.project
    a, _b = _two_grids(project)
    w.controller.set_unit_locked(a.unit_code, True)
    log = project.store.edit_log(5)
    assert log[0]["who"] == current_user() and current_user()
    w.undo_stack.undo()  # unlocking is logged with the name too
    assert project.store.edit_log(1)[0]["who"] == current_user()


def test_geometries_repaired_on_load_are_shown(qtbot, demo_path, monkeypatch):
    from mapedit.io.gpkg_geom import register_sql_functions
    from tests.helpers_bad_geometry import polygon_wkb

    monkeypatch.setattr(ProjectController, "POLL_MS", 0)
    with Project.open(demo_path) as p:
        g = min(p.dataset.grids.values(), key=lambda g: g.fid)
        srs = int(p.dataset.crs.split(":")[1])
    shell = list(shapely.get_coordinates(g.geometry.exterior))
    blob = b"GP\x00\x01" + srs.to_bytes(4, "little") + polygon_wkb([shell, []])
    conn = sqlite3.connect(demo_path, isolation_level=None)
    register_sql_functions(conn)
    conn.execute("UPDATE micro_grids SET geom=? WHERE fid=?", (blob, g.fid))
    conn.close()
    w = MainWindow(Project.open(demo_path), SettingsStore())
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    assert w.project.load_messages
    assert w.notice.isVisible() and "空环" in w.notice.text() and g.code in w.notice.text()
    w.close()


def test_the_timer_notices_on_its_own(qtbot, demo_path, monkeypatch):
    monkeypatch.setattr(ProjectController, "POLL_MS", 50)
    w = MainWindow(Project.open(demo_path), SettingsStore())
    qtbot.addWidget(w)
    w.show()
    assert w.controller.wait_for_check()
    _a, b = _two_grids(w.project)
    _rename_elsewhere(demo_path, b.fid, "定时发现")
    qtbot.waitUntil(lambda: w.project.dataset.grids[b.fid].name == "定时发现", timeout=5000)
    w.close()


def test_load_notes_in_the_interface_language(qapp):
    from mapedit.ui import i18n

    line = ("微网格 310118005001001 的图形有空环、空部分或无法读取,已在读取时处理(文件未改动)/ "
            "310118005001001: empty rings or parts, or unreadable; cleaned on load")
    assert i18n.pick_line(line).startswith("微网格 310118005001001 的图形有空环")
    i18n.install("en", qapp)
    try:
        assert i18n.pick_line(line).startswith("310118005001001: empty rings")
        assert i18n.pick_line("项目文件已升级到格式 2 / project file upgraded to format 2") \
            == "project file upgraded to format 2"
    finally:
        i18n.install("zh_CN", qapp)
