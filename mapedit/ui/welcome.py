"""The welcome page: what a clerk sees when the editor starts without a project to reopen.

Three ways in — 打开示例街道 (the bundled demo street, to learn on), 由管理单元文件新建项目
(the 文件 → 新建 flow: the platform's ``units.geojson``; the base-layer and imagery steps of the
base-map issue will follow it), 最近的项目 (double-click to reopen) — and the 天地图 (Tianditu) key,
explained: online imagery and road maps need a free key from Tianditu; it is kept in the clerk's own
settings (:meth:`SettingsStore.tianditu_key`, key ``tianditu/key``), never in a project file, so
projects can be passed on without passing on the key.

Start-up (``mapedit`` without a file) reopens the last project when it still exists and shows this
page otherwise (:func:`initial_project`, :func:`show_welcome`); 帮助 → 欢迎页 shows it any time.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from mapedit.ui.icons import icon
from mapedit.ui.settings_store import SettingsStore

log = logging.getLogger(__name__)


def last_project(settings: SettingsStore) -> str | None:
    """The most recent project that still exists (None on first run or when it was moved)."""
    for path in settings.recent_files():
        if Path(path).is_file():
            return path
    return None


def initial_project(settings: SettingsStore):
    """The project ``mapedit`` without arguments opens: the last one, if it still opens."""
    from mapedit.errors import MapeditError
    from mapedit.project import Project

    path = last_project(settings)
    if path is None:
        return None
    try:
        return Project.open(path, defer_base_layers=True)
    except (MapeditError, OSError) as exc:
        log.warning("last project %s does not open (%s); showing the welcome page", path, exc)
        return None


class WelcomeDialog(QDialog):
    """欢迎使用微网格编辑器: the three ways in and the Tianditu key."""

    def __init__(self, window, settings: SettingsStore | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent if parent is not None else window)
        self.setObjectName("WelcomeDialog")
        self.window_ = window
        self.settings = settings or getattr(window, "settings", None) or SettingsStore()
        self.choice: str | None = None
        self.setWindowTitle(self.tr("欢迎使用微网格编辑器"))
        layout = QVBoxLayout(self)
        title = QLabel(self.tr("<h2>微网格编辑器</h2>"
                               "在管理单元内绘制微网格,边画边检查,导出给城运平台。"), self)
        title.setTextFormat(Qt.TextFormat.RichText)
        title.setWordWrap(True)
        layout.addWidget(title)

        row = QHBoxLayout()
        self.demo_button = self._big_button(
            "map", self.tr("打开示例街道"), self.tr("夏阳街道示例数据,可以随意练习"))
        self.new_button = self._big_button(
            "file-plus", self.tr("由管理单元文件新建项目…"),
            self.tr("读入上级下发的 units.geojson"))
        self.open_button = self._big_button(
            "folder-open", self.tr("打开项目…"), self.tr("打开已有的 .gpkg 项目文件"))
        for b in (self.demo_button, self.new_button, self.open_button):
            row.addWidget(b)
        layout.addLayout(row)
        self.demo_button.clicked.connect(lambda: self._choose("demo"))
        self.new_button.clicked.connect(lambda: self._choose("new"))
        self.open_button.clicked.connect(lambda: self._choose("open"))

        recent_box = QGroupBox(self.tr("最近的项目"), self)
        rl = QVBoxLayout(recent_box)
        self.recent = QListWidget(recent_box)
        self.recent.setObjectName("recent_projects")
        for path in self.settings.recent_files():
            item = QListWidgetItem(f"{Path(path).name}    {Path(path).parent}")
            item.setData(Qt.ItemDataRole.UserRole, path)
            item.setToolTip(path)
            if not Path(path).is_file():
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
                item.setText(item.text() + "  " + self.tr("(文件已不存在)"))
            self.recent.addItem(item)
        if not self.recent.count():
            item = QListWidgetItem(self.tr("(还没有打开过项目)"))
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.recent.addItem(item)
        self.recent.itemActivated.connect(self._open_recent)
        rl.addWidget(self.recent)
        layout.addWidget(recent_box, 1)

        key_box = QGroupBox(self.tr("天地图密钥(可选)"), self)
        kl = QVBoxLayout(key_box)
        explain = QLabel(self.tr(
            "在线影像和地图底图来自国家地理信息公共服务平台“天地图”,需要一个免费的密钥:"
            "在天地图网站(tianditu.gov.cn)注册后,在“控制台 → 应用管理”创建应用,"
            "类型选“浏览器端”,把得到的密钥粘贴到这里。"
            "密钥只保存在本机您自己的设置中,不会写进项目文件,项目可以放心发给别人。"
            "没有密钥也可以使用本程序,只是没有在线底图。"), key_box)
        explain.setWordWrap(True)
        kl.addWidget(explain)
        self.key_edit = QLineEdit(self.settings.tianditu_key(), key_box)
        self.key_edit.setObjectName("tianditu_key")
        self.key_edit.setPlaceholderText(self.tr("例如 0123456789abcdef0123456789abcdef"))
        self.key_edit.setClearButtonEnabled(True)
        kl.addWidget(self.key_edit)
        layout.addWidget(key_box)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.finished.connect(self._save_key)
        self.resize(740, 580)

    def _big_button(self, icon_name: str, text: str, tip: str) -> QPushButton:
        b = QPushButton(icon(icon_name), f"{text}\n{tip}", self)
        b.setIconSize(QSize(32, 32))
        b.setMinimumHeight(72)
        b.setToolTip(tip)
        return b

    def _save_key(self, _result: int = 0) -> None:
        key = self.key_edit.text().strip()
        if key != self.settings.tianditu_key():
            self.settings.set_tianditu_key(key)

    def _choose(self, choice: str) -> None:
        self.choice = choice
        self._save_key()
        self.accept()
        win = self.window_
        if choice == "demo":
            from mapedit.ui.app import demo_path, open_or_create_demo

            current = win.controller.project
            if current is None or Path(current.path).resolve() != demo_path().resolve():
                win.controller.set_project(open_or_create_demo())  # else: it is open already
        elif choice == "new":
            win.files.new_from_units()  # the existing 文件 → 新建 flow
        elif choice == "open":
            win.files.open_dialog()

    def _open_recent(self, item: QListWidgetItem) -> None:
        path = item.data(Qt.ItemDataRole.UserRole)
        if not path:
            return
        self.choice = "recent"
        self._save_key()
        self.accept()
        self.window_.open_path(path)


def show_welcome(window, modal: bool = True) -> WelcomeDialog:
    """Show the welcome page over ``window`` (modal at start-up, so it is the first thing seen)."""
    dialog = WelcomeDialog(window)
    if modal:
        dialog.open()
    else:
        dialog.show()
    return dialog
