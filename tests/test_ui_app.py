"""Application start-up: demo street, opening files, errors shown as dialogs."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox

from mapedit.ui import app as app_mod
from mapedit.ui.main_window import MainWindow


@pytest.fixture
def no_event_loop(monkeypatch, qapp):
    """``main`` ends in ``app.exec()``; return at once and close the windows afterwards."""
    monkeypatch.setattr(QApplication, "exec", lambda *a, **k: 0)
    yield
    for w in QApplication.topLevelWidgets():
        if isinstance(w, MainWindow):
            w.close()
            w.deleteLater()


def _windows() -> list[MainWindow]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)
            and w.isVisible()]


def test_demo_is_generated_once_and_regenerated_when_damaged(tmp_path):
    path = tmp_path / "demo.gpkg"
    p = app_mod.open_or_create_demo(path)
    n = len(p.dataset.grids)
    assert n > 0 and path.exists()
    p.close()
    p = app_mod.open_or_create_demo(path)  # reopened, not regenerated
    assert len(p.dataset.grids) == n
    p.close()
    path.write_bytes(b"this is not a geopackage")
    p = app_mod.open_or_create_demo(path)
    assert len(p.dataset.grids) == n
    p.close()


def test_main_without_argument_first_run_shows_welcome(no_event_loop, monkeypatch, tmp_path):
    """First run (no last project): the demo street opens (issue 9) with the welcome page over
    it (issue 14), whose 打开示例街道 just closes it on the demo."""
    from mapedit.ui.settings_store import SettingsStore
    from mapedit.ui.welcome import WelcomeDialog

    monkeypatch.setattr(app_mod, "demo_path", lambda: tmp_path / "demo.gpkg")
    store = SettingsStore()
    store.q.setValue("files/recent", [])
    hook = sys.excepthook
    try:
        assert app_mod.main(None) == 0
    finally:
        sys.excepthook = hook
    w = _windows()[-1]
    assert w.project is not None and Path(w.project.path) == tmp_path / "demo.gpkg"
    welcome = w.findChild(WelcomeDialog)
    assert welcome is not None and welcome.isVisible()
    welcome.demo_button.click()
    assert w.project is not None and len(w.project.dataset.units) > 0
    assert (tmp_path / "demo.gpkg").exists()
    assert not welcome.isVisible()


def test_editor_demo_opens_the_demo_without_welcome(no_event_loop, monkeypatch, tmp_path):
    """``mapedit editor --demo`` (the README's quick start): the demo street at once."""
    from mapedit.cli import main as cli_main
    from mapedit.ui.welcome import WelcomeDialog

    monkeypatch.setattr(app_mod, "demo_path", lambda: tmp_path / "demo.gpkg")
    hook = sys.excepthook
    try:
        assert cli_main(["editor", "--demo"]) == 0
    finally:
        sys.excepthook = hook
    w = _windows()[-1]
    assert w.project is not None and len(w.project.dataset.units) > 0
    assert w.findChild(WelcomeDialog) is None


def test_main_without_argument_reopens_last_project(no_event_loop, demo_path):
    from mapedit.ui.settings_store import SettingsStore
    from mapedit.ui.welcome import WelcomeDialog

    SettingsStore().add_recent_file(demo_path)
    hook = sys.excepthook
    try:
        assert app_mod.main(None) == 0
    finally:
        sys.excepthook = hook
    w = _windows()[-1]
    assert w.project is not None and w.project.path.resolve() == demo_path.resolve()
    assert w.findChild(WelcomeDialog) is None


def test_main_with_bad_file_shows_a_message(no_event_loop, monkeypatch, tmp_path):
    bad = tmp_path / "bad.gpkg"
    bad.write_text("not sqlite", encoding="utf-8")
    shown = []
    monkeypatch.setattr(QMessageBox, "critical",
                        staticmethod(lambda parent, title, text, *a: shown.append((title, text))))
    hook = sys.excepthook
    try:
        assert app_mod.main(str(bad)) == 0
    finally:
        sys.excepthook = hook
    assert shown, "the clerk must be told"
    title, text = shown[0]
    assert "无法打开" in title and "bad.gpkg" in text  # in the interface language, naming it


def test_excepthook_shows_dialog_for_bugs(qapp, monkeypatch):
    from mapedit.ui.error_report import InternalErrorDialog

    seen = []
    monkeypatch.setattr(InternalErrorDialog, "exec",
                        lambda self: seen.append((self.windowTitle(), self.details)) or 0)
    hook = sys.excepthook
    try:
        app_mod.install_excepthook()
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            sys.excepthook(*sys.exc_info())
    finally:
        sys.excepthook = hook
    assert seen and "错误" in seen[0][0] and "error" in seen[0][0]
    assert "RuntimeError: boom" in seen[0][1]
