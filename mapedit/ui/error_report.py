"""The dialog for an unexpected error (a bug), with 复制错误报告 and 打开日志文件夹.

A clerk cannot describe a traceback over the phone. The dialog says the work is saved, and one
button copies a report the clerk can paste into a chat or an e-mail to support: program and
library versions (those of the self-test), the operating system, the error, and the last lines
of ``mapedit.log``. The report carries no personal data: the home folder and the user name are
replaced in every path (``C:\\Users\\张三\\桌面\\项目.gpkg`` → ``~\\桌面\\项目.gpkg``). Another
button opens the folder with the log for a technician.
"""

from __future__ import annotations

import getpass
import os
import re
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QSize, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

LOG_LINES = 40


def _user_names() -> list[str]:
    names = set()
    for var in ("USERNAME", "USER", "LOGNAME"):
        v = os.environ.get(var)
        if v:
            names.add(v)
    try:
        names.add(getpass.getuser())
    except Exception:  # noqa: BLE001 - no user name known: nothing to strip
        pass
    try:
        names.add(Path.home().name)
    except (RuntimeError, OSError):
        pass
    return sorted((n for n in names if len(n) >= 2), key=len, reverse=True)


def anonymise(text: str, home: str | None = None, users: list[str] | None = None) -> str:
    """Replace the home folder by ``~`` and the user name by ``<user>`` wherever they appear in
    a path (both slash styles, any letter case on Windows)."""
    try:
        home = str(Path.home()) if home is None else home
    except (RuntimeError, OSError):
        home = home or ""
    users = _user_names() if users is None else users
    if home and len(home) > 3:
        for variant in {home, home.replace("\\", "/"), home.replace("/", "\\")}:
            text = re.sub(re.escape(variant), "~", text, flags=re.IGNORECASE)
    for name in users:
        # Latin names as whole words (so "ann" does not eat "annotation"), others literally.
        if name.isascii():
            text = re.sub(rf"(?i)\b{re.escape(name)}\b", "<user>", text)
        else:
            text = text.replace(name, "<user>")
    return text


def last_log_lines(log_file: Path | None, n: int = LOG_LINES) -> list[str]:
    if log_file is None:
        return []
    try:
        with open(log_file, encoding="utf-8", errors="replace") as fh:
            return [line.rstrip("\n") for line in fh.readlines()[-n:]]
    except OSError:
        return []


def log_file_path() -> Path:
    from mapedit.ui.settings_store import data_dir

    return data_dir() / "mapedit.log"


def build_report(details: str, log_file: Path | None = None) -> str:
    """The text 复制错误报告 puts on the clipboard (anonymised)."""
    from mapedit.selftest import versions

    lines = ["mapedit 错误报告 / error report",  # i18n: ok (the report is bilingual)
             f"time: {datetime.now().isoformat(timespec='seconds')}"]
    lines += [f"{k}: {v}" for k, v in versions().items()]
    lines += ["", "--- error ---", details.rstrip(), "",
              f"--- {LOG_LINES} last log lines ---"]
    lines += last_log_lines(log_file if log_file is not None else log_file_path())
    return anonymise("\n".join(lines)) + "\n"


def open_log_folder(log_file: Path | None = None) -> bool:
    folder = (log_file or log_file_path()).parent
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))


class InternalErrorDialog(QDialog):
    """程序错误: what happened in one sentence, the details folded, and the two buttons."""

    def __init__(self, details: str, parent: QWidget | None = None,
                 log_file: Path | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("InternalErrorDialog")
        self.details = details
        self.log_file = log_file
        self.setWindowTitle(self.tr("程序错误 / Internal error"))
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        sign = QLabel(self)
        sign.setPixmap(self.style().standardIcon(
            QStyle.StandardPixmap.SP_MessageBoxCritical).pixmap(QSize(40, 40)))
        sign.setAlignment(Qt.AlignmentFlag.AlignTop)
        top.addWidget(sign)
        text = QLabel(self.tr(
            "程序遇到了一个意外错误。您的数据已经保存,可以继续工作。\n"
            "如果问题重复出现,请点“复制错误报告”,把报告发给技术支持"
            "(报告里没有您的用户名和个人文件夹)。"), self)
        text.setWordWrap(True)
        top.addWidget(text, 1)
        layout.addLayout(top)
        self.details_box = QPlainTextEdit(anonymise(details), self)
        self.details_box.setReadOnly(True)
        self.details_box.setVisible(False)
        self.details_box.setMinimumHeight(180)
        layout.addWidget(self.details_box)
        self.status = QLabel("", self)
        layout.addWidget(self.status)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok, self)
        self.copy_button = QPushButton(self.tr("复制错误报告"), self)
        self.copy_button.setObjectName("copy_report")
        self.log_button = QPushButton(self.tr("打开日志文件夹"), self)
        self.log_button.setObjectName("open_log_folder")
        self.details_button = QPushButton(self.tr("详细信息"), self)
        self.details_button.setCheckable(True)
        for b in (self.copy_button, self.log_button, self.details_button):
            buttons.addButton(b, QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self.copy_report)
        self.log_button.clicked.connect(lambda: open_log_folder(self.log_file))
        self.details_button.toggled.connect(self.details_box.setVisible)
        buttons.accepted.connect(self.accept)
        layout.addWidget(buttons)
        self.resize(600, self.sizeHint().height())

    def report(self) -> str:
        return build_report(self.details, self.log_file)

    def copy_report(self) -> None:
        QGuiApplication.clipboard().setText(self.report())
        self.status.setText(self.tr("错误报告已复制,可以粘贴到聊天或邮件中。"))


def show_internal_error(parent: QWidget | None, details: str) -> None:
    """Used by the application's exception hook for anything that is not a MapeditError."""
    dialog = InternalErrorDialog(details, parent)
    dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
    dialog.exec()
