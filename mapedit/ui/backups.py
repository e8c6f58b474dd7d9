"""Safety copies in the GUI: one on every open, and 文件 → 恢复备份.

:func:`backup_on_open` is called when the window shows a project; it copies the file into the
per-user data folder (``backups/``) in a background thread — the copy uses SQLite's backup API
(:mod:`mapedit.io.backup`), so it is consistent even while the clerk already edits — and keeps the
last N copies (``backup/keep`` in the user's settings, default 5; 0 switches copies off). The
bundled demo street in the data folder is not copied.

:class:`RestoreBackupDialog` lists the copies of the open project with time, size and number of
micro-grids. Restoring writes a new project file (另存为新项目) or, after an explicit confirmation,
replaces the open project (替换当前项目); the replaced state is copied first, so that too can be
undone from the same list. Nothing is ever overwritten silently.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from mapedit.errors import MapeditError
from mapedit.io import backup as backup_io
from mapedit.ui.settings_store import SettingsStore, data_dir

log = logging.getLogger(__name__)

_threads: list[threading.Thread] = []


def backup_root() -> Path:
    return data_dir() / "backups"


def _is_internal(path: Path) -> bool:
    """The demo street (and anything else) living in the data folder needs no safety copy."""
    try:
        return path.resolve().is_relative_to(data_dir().resolve())
    except OSError:
        return False


def backup_on_open(project, settings: SettingsStore, wait: bool = False) -> threading.Thread | None:
    """Take the automatic copy of a just-opened project (in the background unless ``wait``).
    Never raises: a failed copy is logged, the clerk keeps working."""
    path = getattr(project, "path", None)
    keep = settings.backup_keep()
    if not path or keep <= 0:
        return None
    path = Path(path)
    if not path.is_file() or _is_internal(path):
        return None
    root = backup_root()

    def work() -> None:
        try:
            made = backup_io.make_backup(path, root, keep=keep)
            log.info("safety copy of %s: %s", path.name, made)
        except Exception:  # noqa: BLE001 - a safety copy must never disturb editing
            log.exception("safety copy of %s failed", path)

    if wait:
        work()
        return None
    t = threading.Thread(target=work, name="mapedit-backup", daemon=True)
    _threads[:] = [x for x in _threads if x.is_alive()]
    _threads.append(t)
    t.start()
    return t


def wait_for_backups(timeout: float = 30.0) -> None:
    """Let running copies finish (before replacing a project, and at exit in tests)."""
    for t in list(_threads):
        t.join(timeout)


def _size_text(n: int) -> str:
    return f"{n / 1_048_576:.1f} MB" if n >= 1_048_576 else f"{max(1, n // 1024)} KB"


class RestoreBackupDialog(QDialog):
    """恢复备份: the copies of the open project, newest first."""

    def __init__(self, window, parent: QWidget | None = None) -> None:
        super().__init__(parent if parent is not None else window)
        self.setObjectName("RestoreBackupDialog")
        self.window_ = window
        self.settings: SettingsStore = getattr(window, "settings", None) or SettingsStore()
        project = getattr(window, "project", None)
        self.project_path = Path(project.path) if project is not None and getattr(
            project, "path", None) else None
        self.setWindowTitle(self.tr("恢复备份"))
        layout = QVBoxLayout(self)
        name = self.project_path.name if self.project_path else self.tr("(没有打开项目)")
        intro = QLabel(self.tr(
            "每次打开项目时,程序会自动把它复制一份保存到本机的备份文件夹。"
            "当前项目:{0}").format(name), self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.table = QTableWidget(0, 3, self)
        self.table.setObjectName("backup_table")
        self.table.setHorizontalHeaderLabels([self.tr("备份时间"), self.tr("大小"),
                                              self.tr("微网格数")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        layout.addWidget(self.table)

        keep_row = QHBoxLayout()
        keep_row.addWidget(QLabel(self.tr("每个项目保留最近的备份份数(0 = 不备份):"), self))
        self.keep = QSpinBox(self)
        self.keep.setObjectName("backup_keep")
        self.keep.setRange(0, 100)
        self.keep.setValue(self.settings.backup_keep())
        self.keep.valueChanged.connect(self.settings.set_backup_keep)
        keep_row.addWidget(self.keep)
        keep_row.addStretch(1)
        layout.addLayout(keep_row)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.save_as_button = QPushButton(self.tr("另存为新项目…"), self)
        self.save_as_button.setObjectName("restore_as_new")
        self.replace_button = QPushButton(self.tr("替换当前项目…"), self)
        self.replace_button.setObjectName("restore_replace")
        for b in (self.save_as_button, self.replace_button):
            buttons.addButton(b, QDialogButtonBox.ButtonRole.ActionRole)
        self.save_as_button.clicked.connect(self.restore_as_new)
        self.replace_button.clicked.connect(self.replace_current)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.backups: list[backup_io.Backup] = []
        self.reload()
        self.resize(560, 380)

    def reload(self) -> None:
        self.backups = (backup_io.list_backups(backup_root(), self.project_path)
                        if self.project_path else [])
        self.table.setRowCount(len(self.backups))
        for row, b in enumerate(self.backups):
            grids = b.grid_count()
            cells = [b.created.strftime("%Y-%m-%d %H:%M:%S"), _size_text(b.size),
                     "—" if grids is None else str(grids)]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(str(b.path.name))
                if col:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, col, item)
        if self.backups:
            self.table.selectRow(0)
        self._update_buttons()

    def selected(self) -> backup_io.Backup | None:
        rows = {i.row() for i in self.table.selectedIndexes()}
        return self.backups[min(rows)] if rows else None

    def _update_buttons(self) -> None:
        ok = self.selected() is not None
        self.save_as_button.setEnabled(ok)
        self.replace_button.setEnabled(ok and self.project_path is not None)

    def restore_as_new(self) -> Path | None:
        b = self.selected()
        if b is None or self.project_path is None:
            return None
        suggestion = self.project_path.with_name(
            f"{self.project_path.stem}_恢复_{b.created.strftime('%Y%m%d-%H%M%S')}.gpkg")  # i18n: ok
        dst, _ = QFileDialog.getSaveFileName(self, self.tr("恢复为新项目文件"), str(suggestion),
                                             "mapedit 项目 / project (*.gpkg)")  # i18n: ok
        if not dst:
            return None
        if not dst.lower().endswith(".gpkg"):
            dst += ".gpkg"
        target = Path(dst)
        if target.resolve() == self.project_path.resolve():
            QMessageBox.information(self, self.tr("恢复备份"),
                                    self.tr("要替换当前项目,请使用“替换当前项目”。"))
            return None
        if target.exists():
            # The save dialog asked already; a separate copy of what is overwritten stays.
            try:
                backup_io.make_backup(target, backup_root(),
                                      keep=max(self.settings.backup_keep(), 1) + 1)
                target.unlink()
            except (MapeditError, OSError) as exc:
                _show_error(self, self.tr("恢复备份"), exc)
                return None
        try:
            backup_io.restore_to_new_file(b.path, target)
        except MapeditError as exc:
            _show_error(self, self.tr("恢复备份"), exc)
            return None
        answer = QMessageBox.question(
            self, self.tr("恢复备份"),
            self.tr("已恢复到 {0}。现在打开它吗?").format(str(target)),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.Yes)
        if answer == QMessageBox.StandardButton.Yes:
            self.accept()
            self.window_.open_path(str(target))
        return target

    def replace_current(self) -> bool:
        b = self.selected()
        if b is None or self.project_path is None:
            return False
        answer = QMessageBox.warning(
            self, self.tr("替换当前项目"),
            self.tr("用 {0} 的备份替换当前项目 {1}?\n\n替换前,当前内容会另存一份备份,"
                    "以后仍可从这里恢复。撤销记录会清空。").format(
                b.created.strftime("%Y-%m-%d %H:%M:%S"), self.project_path.name),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes:
            return False
        wait_for_backups()
        path = self.project_path
        self.window_.controller.set_project(None)  # closes the project file
        try:
            backup_io.replace_project(b.path, path, backup_root(),
                                      keep=self.settings.backup_keep())
        except MapeditError as exc:
            _show_error(self, self.tr("替换当前项目"), exc)
            self.window_.open_path(str(path))
            return False
        self.accept()
        self.window_.open_path(str(path))
        return True


def _show_error(parent: QWidget, title: str, exc: BaseException) -> None:
    text = f"{exc.zh}\n\n{exc.en}" if isinstance(exc, MapeditError) else str(exc)
    QMessageBox.critical(parent, title, text)


def show_restore_dialog(window) -> RestoreBackupDialog:
    dialog = RestoreBackupDialog(window)
    dialog.open()
    return dialog
