"""Welcome page, safety copies and 恢复备份, the error report, toolbar icons (issue 14)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QDesktopServices, QGuiApplication, QIcon
from PySide6.QtWidgets import QFileDialog, QMessageBox, QToolBar

from mapedit.io import backup as backup_io
from mapedit.ui import backups, error_report, icons, welcome
from mapedit.ui.settings_store import TIANDITU_KEY, SettingsStore


def _menu_texts(menu) -> list[str]:
    return [a.text() for a in menu.actions()]


def _grids(path: Path) -> list[tuple]:
    con = sqlite3.connect(path)
    try:
        return con.execute("SELECT * FROM micro_grids ORDER BY fid").fetchall()
    finally:
        con.close()


# -- welcome page ------------------------------------------------------------------------------

def test_welcome_page_paths_and_tianditu_key(qtbot, main_window, monkeypatch, tmp_path):
    win = main_window
    calls = []
    monkeypatch.setattr(win.files, "new_from_units", lambda: calls.append("new"))
    monkeypatch.setattr(win.files, "open_dialog", lambda: calls.append("open"))
    dialog = welcome.WelcomeDialog(win)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.key_edit.setText("  abc123def456  ")
    dialog.new_button.click()
    assert calls == ["new"], "新建 runs the window's existing 文件 → 新建 flow"
    assert not dialog.isVisible()
    assert SettingsStore().tianditu_key() == "abc123def456"
    assert win.settings.value(TIANDITU_KEY) == "abc123def456"
    # The key is the clerk's, never the project's.
    con = sqlite3.connect(win.project.path)
    try:
        dump = "\n".join(con.iterdump())
    finally:
        con.close()
    assert "abc123def456" not in dump

    dialog = welcome.WelcomeDialog(win)
    qtbot.addWidget(dialog)
    assert dialog.key_edit.text() == "abc123def456", "shown again next time"
    dialog.open_button.click()
    assert calls == ["new", "open"]


def test_welcome_recent_projects_open_on_double_click(qtbot, main_window, demo_path, tmp_path):
    win = main_window
    other = tmp_path / "第二个.gpkg"
    other.write_bytes(demo_path.read_bytes())
    gone = tmp_path / "已删除.gpkg"
    win.settings.add_recent_file(gone)
    win.settings.add_recent_file(other)
    dialog = welcome.WelcomeDialog(win)
    qtbot.addWidget(dialog)
    texts = [dialog.recent.item(i).text() for i in range(dialog.recent.count())]
    assert texts[0].startswith("第二个.gpkg")
    missing = next(i for i in range(dialog.recent.count())
                   if dialog.recent.item(i).text().startswith("已删除.gpkg"))
    assert not dialog.recent.item(missing).flags() & Qt.ItemFlag.ItemIsEnabled
    dialog.recent.itemActivated.emit(dialog.recent.item(0))
    assert Path(win.project.path).resolve() == other.resolve()


def test_last_project_skips_files_that_are_gone(tmp_path, demo_path):
    s = SettingsStore()
    s.q.setValue("files/recent", [])
    assert welcome.last_project(s) is None
    s.add_recent_file(demo_path)
    s.add_recent_file(tmp_path / "weg.gpkg")
    assert Path(welcome.last_project(s)).resolve() == demo_path.resolve()


def test_welcome_screenshot(qtbot, main_window, tmp_path):
    dialog = welcome.WelcomeDialog(main_window)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    img = dialog.grab().toImage()
    assert img.save(str(tmp_path / "welcome.png"))
    assert img.width() >= 600 and img.height() >= 400
    assert dialog.demo_button.icon().isNull() is False


# -- safety copies -----------------------------------------------------------------------------

def test_opening_a_project_makes_a_safety_copy(qtbot, main_window, demo_path, tmp_path):
    backups.wait_for_backups()
    other = tmp_path / "街道 项目.gpkg"
    other.write_bytes(demo_path.read_bytes())
    assert main_window.open_path(other)
    backups.wait_for_backups()
    copies = backup_io.list_backups(backups.backup_root(), other)
    assert len(copies) == 1 and _grids(copies[0].path) == _grids(other)
    assert Path(backups.backup_root()).resolve().is_relative_to(
        Path(backups.data_dir()).resolve()), "in the per-user data folder"


def test_no_copy_when_switched_off_or_for_the_demo(main_window, demo_path, tmp_path):
    s = main_window.settings
    s.set_backup_keep(0)
    try:
        other = tmp_path / "关.gpkg"
        other.write_bytes(demo_path.read_bytes())
        main_window.open_path(other)
        backups.wait_for_backups()
        assert backup_io.list_backups(backups.backup_root(), other) == []
    finally:
        s.set_backup_keep(5)
    internal = backups.data_dir() / "demo.gpkg"
    internal.write_bytes(demo_path.read_bytes())
    main_window.open_path(internal)
    backups.wait_for_backups()
    assert backup_io.list_backups(backups.backup_root(), internal) == []


def _one_edit(win) -> None:
    from mapedit.model.changes import ChangeSet, GridChange

    g = next(iter(win.project.dataset.grids.values()))
    assert win.controller.push_changeset(ChangeSet("删除", "delete", [GridChange(before=g, after=None)]))


def test_restore_dialog_as_new_file_and_in_place(qtbot, main_window, demo_path, tmp_path,
                                                 monkeypatch):
    win = main_window
    path = tmp_path / "恢复测试.gpkg"
    path.write_bytes(demo_path.read_bytes())
    win.open_path(path)
    backups.wait_for_backups()
    original = _grids(path)
    _one_edit(win)
    edited = _grids(path)
    assert edited != original

    assert "恢复备份…" in _menu_texts(win.menu_file)
    dialog = win.support.restore()
    qtbot.addWidget(dialog)
    assert dialog.table.rowCount() == 1
    assert dialog.table.item(0, 2).text() == str(len(original))

    # 1. as a new file; the dialog then offers to open it (declined here)
    target = tmp_path / "恢复 副本.gpkg"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(target), "")))
    monkeypatch.setattr(QMessageBox, "question",
                        staticmethod(lambda *a, **k: QMessageBox.StandardButton.No))
    assert dialog.restore_as_new() == target
    assert _grids(target) == original and _grids(path) == edited

    # 2. in place, but the clerk says No: nothing changes
    asked = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(
        lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.No))
    assert not dialog.replace_current()
    assert asked and "替换" in asked[0] and _grids(path) == edited

    # 3. in place, confirmed: the project is the backup again, reopened, and the replaced
    #    state is itself kept as a copy
    monkeypatch.setattr(QMessageBox, "warning",
                        staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes))
    assert dialog.replace_current()
    backups.wait_for_backups()
    assert _grids(path) == original
    assert win.project is not None and Path(win.project.path) == path
    assert len(win.project.dataset.grids) == len(original)
    assert win.undo_stack.count() == 0
    states = [_grids(b.path) for b in backup_io.list_backups(backups.backup_root(), path)]
    assert edited in states


def test_backup_keep_setting_in_the_dialog(qtbot, main_window):
    dialog = backups.RestoreBackupDialog(main_window)
    qtbot.addWidget(dialog)
    dialog.keep.setValue(9)
    assert SettingsStore().backup_keep() == 9
    dialog.keep.setValue(5)


# -- error report ------------------------------------------------------------------------------

@pytest.mark.parametrize("home,user,text,expected", [
    ("C:\\Users\\zhang.san", "zhang.san",
     'File "C:\\Users\\zhang.san\\Desktop\\a.gpkg"', 'File "~\\Desktop\\a.gpkg"'),
    ("C:\\Users\\zhang.san", "zhang.san",
     "c:/users/zhang.san/AppData/x.py", "~/AppData/x.py"),
    ("/home/li", "li", "/home/li/.venv/lib/x.py and D:\\data\\li\\p.gpkg",
     "~/.venv/lib/x.py and D:\\data\\<user>\\p.gpkg"),
    ("C:\\Users\\张三", "张三", "D:\\项目\\张三的项目.gpkg 张三",
     "D:\\项目\\<user>的项目.gpkg <user>"),
])
def test_anonymise_strips_home_and_user(home, user, text, expected):
    assert error_report.anonymise(text, home=home, users=[user]) == expected


def test_error_dialog_copies_report_and_opens_log_folder(qtbot, monkeypatch, tmp_path):
    log_file = tmp_path / "mapedit.log"
    home = str(Path.home())
    log_file.write_text("".join(f"line {i} {home}/secret\n" for i in range(100)),
                        encoding="utf-8")
    details = f'Traceback:\n  File "{home}/x.py", line 1\nRuntimeError: boom\n'
    dialog = error_report.InternalErrorDialog(details, log_file=log_file)
    qtbot.addWidget(dialog)
    QGuiApplication.clipboard().clear()
    dialog.copy_button.click()
    report = QGuiApplication.clipboard().text()
    assert "RuntimeError: boom" in report
    for name in ("mapedit:", "Python:", "OS:", "Qt:", "GEOS:", "PROJ:"):
        assert name in report
    assert "line 99" in report and "line 59" not in report, "the last 40 log lines"
    if len(home) > 3:
        assert home not in report
    assert dialog.status.text()
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl",
                        staticmethod(lambda url: opened.append(url.toLocalFile()) or True))
    dialog.log_button.click()
    assert opened == [str(tmp_path)]
    assert not dialog.details_box.isVisible()
    dialog.show()
    dialog.details_button.click()
    assert dialog.details_box.isVisible()


# -- icons and menus ---------------------------------------------------------------------------

def test_toolbar_actions_have_icons_beside_labels(qtbot, main_window, tmp_path):
    win = main_window
    for bar in win.findChildren(QToolBar):
        assert bar.toolButtonStyle() in (Qt.ToolButtonStyle.ToolButtonTextBesideIcon,
                                          Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
        for act in bar.actions():
            if act.isSeparator() or not act.isVisible():
                continue
            assert not act.icon().isNull(), f"no icon: {act.text()}"
            assert act.text(), "labels stay"
    top = win.grab().toImage()
    bars = [b for b in win.findChildren(QToolBar) if b.isVisible()]
    height = max(b.geometry().bottom() for b in bars) + 4
    assert top.copy(0, 0, top.width(), height).save(str(tmp_path / "toolbar.png"))


def test_icons_are_sharp_at_high_dpi_and_follow_the_palette(qapp):
    ic = icons.icon("polygon")
    one = ic.pixmap(QSize(24, 24), 1.0)
    two = ic.pixmap(QSize(24, 24), 2.0)
    assert (one.width(), two.width()) == (24, 48), "rendered per device pixel, not scaled"
    assert two.devicePixelRatio() == 2.0
    normal = ic.pixmap(QSize(24, 24), 1.0, QIcon.Mode.Normal).toImage()
    disabled = ic.pixmap(QSize(24, 24), 1.0, QIcon.Mode.Disabled).toImage()

    def ink(img):
        return {img.pixelColor(x, y).name() for x in range(24) for y in range(24)
                if img.pixelColor(x, y).alpha() == 255}

    assert ink(normal) and ink(disabled) and ink(normal) != ink(disabled)
    assert all(icons.resource_path("icons", f"{n}.svg").is_file() for n in icons.icon_names())
    assert icons.resource_path("icons", "LICENSE").read_text().startswith("MIT License")


def test_help_menu_has_welcome_self_test_and_log_folder(main_window):
    texts = _menu_texts(main_window.menu_help)
    for t in ("欢迎页", "自检", "打开日志文件夹"):
        assert t in texts
