"""What a new user tripped over in the window (issue 9), each checked the way they met it:
refusals read where the clerk looks and in their language, the household chart's axis, the
project opened at start, 标记为例外 only where an exception may be made."""

from __future__ import annotations

import sys

import pytest
from helpers_window import show_window
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from mapedit.model.changes import edit_attributes
from mapedit.ui import i18n
from mapedit.ui.main_window import MainWindow
from mapedit.ui.settings_store import SettingsStore


@pytest.fixture
def window(main_window):
    return main_window


def _grid_of_open_unit(project):
    ds = project.dataset
    return next(g for g in sorted(ds.grids.values(), key=lambda g: g.fid)
                if not ds.units[g.unit_code].locked)


def test_refusal_is_shown_over_the_map_in_english(qtbot, qapp, demo_project):
    """In English the refusal reads in English (MapeditError.en), over the map."""
    try:
        i18n.install("en", qapp)
        w = show_window(qtbot, demo_project, size=(1366, 768))
        g = _grid_of_open_unit(demo_project)
        w.controller.set_unit_locked(g.unit_code, True)
        assert w.controller.push_changeset(edit_attributes(g, households=3)) is None
        text = w.notice.text()
        assert w.notice.isVisible() and "locked" in text
        assert not any("\u4e00" <= ch <= "\u9fff" for ch in text.replace(
            demo_project.dataset.units[g.unit_code].name, ""))
        # over the map, near its top, not in the status bar at the bottom of the window
        top_left = w.notice.mapTo(w, w.notice.rect().topLeft())
        assert w.canvas.geometry().contains(w.notice.mapTo(w.canvas, w.notice.rect().center())) \
            or w.canvas.rect().contains(w.notice.geometry())
        assert top_left.y() < w.height() / 2
    finally:
        i18n.install("zh_CN", qapp)


def test_notice_fades_by_itself(window, qtbot, monkeypatch):
    import mapedit.ui.notice as notice

    monkeypatch.setattr(notice, "MIN_MS", 300)  # the clerk's 4 s is not the point here
    window.notice.show_text("测试")
    assert window.notice.isVisible()
    qtbot.waitUntil(lambda: not window.notice.isVisible(),
                    timeout=window.notice.duration_ms("测试") + 3000)


def test_household_axis_has_no_si_prefix(window):
    """A unit with one grid spans less than one unit on the x axis: pyqtgraph's automatic SI
    prefix labelled the axis "(x0.001)"."""
    ds = window.project.dataset
    code = next(c for c in sorted(ds.units) if len(ds.grids_of_unit(c)) >= 1)
    for g in ds.grids_of_unit(code)[1:]:
        del ds.grids[g.fid]  # only the chart reads this dataset here
    window.dock_households.show()
    window.dock_households.raise_()
    window.households.set_unit(ds, code)
    QApplication.processEvents()
    assert len(window.households.fids) == 1
    for axis in ("left", "bottom"):
        label = window.households.plot.getAxis(axis).labelString()
        assert "(x" not in label, label


def test_accept_is_not_offered_for_a_finding_that_must_be_fixed(window):
    """标记为例外 is hidden for findings with ``acceptable`` False (invalid geometry)."""
    panel = window.findings
    item = panel.finding_items()[0]
    finding = item.data(0, Qt.ItemDataRole.UserRole)[1]
    panel.tree.setCurrentItem(item)
    assert panel.accept_button.isVisibleTo(panel)
    finding.acceptable = False
    panel._update_buttons()
    assert not panel.accept_button.isVisibleTo(panel) and not panel.accept_button.isEnabled()
    texts = [a.text() for a in panel.finding_menu(finding).actions()]
    assert not [t for t in texts if "例外" in t and "撤销" not in t], texts
    requested = []
    panel.acceptRequested.connect(requested.append)
    panel._accept_current()
    assert not requested


@pytest.fixture
def no_event_loop(monkeypatch, qapp):
    monkeypatch.setattr(QApplication, "exec", lambda *a, **k: 0)
    yield
    for w in QApplication.topLevelWidgets():
        if isinstance(w, MainWindow):
            w.close()
            w.deleteLater()


def _started_window() -> MainWindow:
    """The window ``main`` opened (the others are closed before each start)."""
    shown = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)
             and w.isVisible()]
    assert len(shown) == 1
    return shown[0]


def _close_windows() -> None:
    for w in QApplication.topLevelWidgets():
        if isinstance(w, MainWindow) and w.isVisible():
            w.close()


def test_bare_mapedit_opens_the_last_project(no_event_loop, monkeypatch, tmp_path, demo_path):
    """`mapedit` without a file opens the project opened last; the demo only on the first
    run or when that file is gone."""
    from mapedit.ui import app as app_mod

    monkeypatch.setattr(app_mod, "demo_path", lambda: tmp_path / "demo.gpkg")
    settings = SettingsStore()
    settings.q.remove("files/recent")
    hook = sys.excepthook
    try:
        _close_windows()
        assert app_mod.main(None) == 0  # first run: the demo
        assert _started_window().project.path == tmp_path / "demo.gpkg"
        _close_windows()
        settings.add_recent_file(demo_path)  # the clerk opened their project
        assert app_mod.main(None) == 0
        assert _started_window().project.path == demo_path
        _close_windows()
        demo_path.unlink()  # the file is gone: the demo again, without an error
        assert app_mod.main(None) == 0
        assert _started_window().project.path == tmp_path / "demo.gpkg"
    finally:
        sys.excepthook = hook
        settings.q.remove("files/recent")


def test_a_file_that_cannot_be_opened_leaves_no_wait_cursor(window, tmp_path, monkeypatch):
    """文件 → 打开 on a damaged file: the error is shown with the normal cursor, the project
    stays, and the wait cursor is gone afterwards (also when opening raises unexpectedly)."""
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QMessageBox

    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda _p, _t, text, *a: shown.append(
        (text, QGuiApplication.overrideCursor())))
    bad = tmp_path / "坏的.gpkg"
    bad.write_bytes(b"not a database at all")
    before = window.project
    assert not window.open_path(bad)
    assert shown and shown[0][1] is None, "the error is read with the normal cursor"
    assert window.project is before and QGuiApplication.overrideCursor() is None

    import mapedit.project as P

    def boom(*_a, **_k):
        raise RuntimeError("unexpected")

    monkeypatch.setattr(P.Project, "open", boom)
    with pytest.raises(RuntimeError):
        window.files.open_path(bad)
    assert QGuiApplication.overrideCursor() is None
