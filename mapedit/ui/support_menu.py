"""The install helper's additions to the main window, in one place so the window's own code
only calls :func:`install_support` (after its menus, toolbars and tools exist) and
:func:`project_opened` (from the window when the controller opens a project).

Adds 文件 → 恢复备份…, 帮助 → 欢迎页 / 自检 / 打开日志文件夹, and the toolbar icons.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction

log = logging.getLogger(__name__)


class SupportActions(QObject):
    """The actions, kept as ``window.support`` (tests trigger them from there)."""

    def __init__(self, window) -> None:
        super().__init__(window)
        from mapedit.ui.icons import icon

        self.window = window
        self.act_restore = QAction(icon("history"), self.tr("恢复备份…"), window)
        self.act_restore.setStatusTip(self.tr("从自动保存的备份中恢复当前项目"))
        self.act_restore.triggered.connect(self.restore)
        self.act_welcome = QAction(icon("map"), self.tr("欢迎页"), window)
        self.act_welcome.setStatusTip(self.tr("示例街道、新建项目、最近的项目和天地图密钥"))
        self.act_welcome.triggered.connect(self.welcome)
        self.act_self_test = QAction(icon("stethoscope"), self.tr("自检"), window)
        self.act_self_test.setStatusTip(
            self.tr("检查本机上的程序是否完好(与 mapedit --self-test 相同)"))
        self.act_self_test.triggered.connect(self.self_test)
        self.act_log_folder = QAction(self.tr("打开日志文件夹"), window)
        self.act_log_folder.triggered.connect(self.log_folder)

        m_file = getattr(window, "menu_file", None)
        quit_action = getattr(window, "act_quit", None)
        if m_file is not None:
            if quit_action is not None and quit_action in m_file.actions():
                m_file.insertAction(quit_action, self.act_restore)
                m_file.insertSeparator(quit_action)
            else:
                m_file.addAction(self.act_restore)
        m_help = getattr(window, "menu_help", None)
        if m_help is not None:
            first = m_help.actions()[0] if m_help.actions() else None
            m_help.insertAction(first, self.act_welcome)
            m_help.addSeparator()
            m_help.addAction(self.act_self_test)
            m_help.addAction(self.act_log_folder)
        self.update()

    def update(self) -> None:
        project = getattr(self.window, "project", None)
        self.act_restore.setEnabled(project is not None and bool(getattr(project, "path", None)))

    def restore(self):
        from mapedit.ui.backups import show_restore_dialog

        return show_restore_dialog(self.window)

    def welcome(self):
        from mapedit.ui.welcome import show_welcome

        return show_welcome(self.window, modal=False)

    def self_test(self):
        from mapedit.ui.selftest_dialog import show_self_test

        return show_self_test(self.window)

    def log_folder(self) -> None:
        from mapedit.ui.error_report import open_log_folder

        open_log_folder()


def install_support(window) -> None:
    """Menus and icons; never fatal (the clerk keeps the editor if this part fails)."""
    try:
        from mapedit.ui.icons import apply_icons

        window.support = SupportActions(window)
        apply_icons(window)
    except Exception:  # noqa: BLE001
        log.exception("support actions could not be installed")


def project_opened(window, project) -> None:
    """After the window shows ``project``: the automatic safety copy, menu state."""
    support = getattr(window, "support", None)
    if support is not None:
        support.update()
    if project is None:
        return
    try:
        from mapedit.ui.backups import backup_on_open

        backup_on_open(project, window.settings)
    except Exception:  # noqa: BLE001 - a safety copy must never stop a project opening
        log.exception("safety copy on open failed")
