"""Application start-up: demo street, opening files, errors shown as dialogs."""

from __future__ import annotations

import sys

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


def test_main_without_argument_opens_demo(no_event_loop, monkeypatch, tmp_path):
    monkeypatch.setattr(app_mod, "demo_path", lambda: tmp_path / "demo.gpkg")
    hook = sys.excepthook
    try:
        assert app_mod.main(None) == 0
    finally:
        sys.excepthook = hook
    w = _windows()[-1]
    assert w.project is not None and len(w.project.dataset.units) > 0
    assert (tmp_path / "demo.gpkg").exists()


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
    seen = []
    monkeypatch.setattr(QMessageBox, "exec", lambda self: seen.append(self.text()) or 0)
    hook = sys.excepthook
    try:
        app_mod.install_excepthook()
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            sys.excepthook(*sys.exc_info())
    finally:
        sys.excepthook = hook
    assert seen and "错误" in seen[0] and "error" in seen[0]
