"""Every menu and toolbar action of the main window, triggered once on the demo street with
each dialog it opens answered "cancel": none may raise (pytest-qt fails the test on an
exception in a slot) or leave the window unusable. Catches what a clerk finds by clicking
around, such as an action that only works with a selection or a unit open."""

from __future__ import annotations

import pytest
from helpers_window import show_window
from PySide6.QtCore import QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog, QMessageBox, QToolBar

SKIP = {"退出(&X)", "退出"}  # closes the window: covered by the closing tests


def _all_actions(window) -> list[QAction]:
    seen: dict[int, QAction] = {}

    def walk(actions):
        for a in actions:
            if a.menu() is not None:
                walk(a.menu().actions())
            elif not a.isSeparator() and a.text():
                seen.setdefault(id(a), a)

    walk(window.menuBar().actions())
    for tb in window.findChildren(QToolBar):
        walk(tb.actions())
    return list(seen.values())


@pytest.fixture
def answered_cancel(monkeypatch):
    """Modal dialogs close themselves; message boxes answer Cancel/No; file dialogs
    return nothing chosen."""
    def close_soon():
        def close():
            w = QApplication.activeModalWidget()
            if isinstance(w, QDialog):
                w.reject()
        QTimer.singleShot(50, close)
        QTimer.singleShot(500, close)

    real_exec = QDialog.exec

    def exec_(self, *a):
        close_soon()
        return real_exec(self, *a)

    monkeypatch.setattr(QDialog, "exec", exec_)
    for name in ("question", "warning", "information", "critical"):
        monkeypatch.setattr(QMessageBox, name,
                            staticmethod(lambda *a, **k: QMessageBox.StandardButton.Cancel))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: ("", "")))
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", staticmethod(lambda *a, **k: ([], "")))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: ("", "")))
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: ""))


def test_every_action_runs_and_the_window_stays_usable(qtbot, demo_project, answered_cancel,
                                                       tmp_path):
    from PySide6.QtCore import QSettings

    from mapedit.ui.settings_store import SettingsStore

    # Own settings: the actions change the language, the panels and the recent files, which
    # other tests read from the shared test settings.
    own = SettingsStore(QSettings(str(tmp_path / "mapedit.ini"), QSettings.Format.IniFormat))
    w = show_window(qtbot, demo_project, own)
    actions = [a for a in _all_actions(w) if a.text() not in SKIP]
    assert len(actions) > 20
    for select in (False, True):
        if select:  # the same again with a grid selected in an open unit
            g = min(demo_project.dataset.grids.values(), key=lambda g: g.fid)
            w.canvas.zoom_to_unit(g.unit_code)
            w.select_grids([g.fid])
        for a in actions:
            if a.isEnabled():
                a.trigger()
                qtbot.wait(20)
                for top in QApplication.topLevelWidgets():
                    if top is not w and isinstance(top, QDialog) and top.isVisible():
                        top.reject()
            assert w.isVisible() and w.controller.project is not None, a.text()
    assert w.controller.wait_for_check()
