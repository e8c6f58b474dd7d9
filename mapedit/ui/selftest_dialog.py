"""帮助 → 自检: the self-test of :mod:`mapedit.selftest` in a dialog, the same lines as
``mapedit --self-test`` prints, shown as each step finishes, with a button to copy them for
support. It runs in a hidden second window on a temporary demo project; the clerk's own project,
settings and backups are not touched.
"""

from __future__ import annotations

from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


class SelfTestDialog(QDialog):
    """Runs the self-test on 开始自检 and lists its lines."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("SelfTestDialog")
        self.setWindowTitle(self.tr("自检"))
        self.results: list = []
        layout = QVBoxLayout(self)
        intro = QLabel(self.tr("自检会在临时文件夹中生成示例项目,用编辑工具绘制并分割一个微网格,"
                               "然后检查、导出并渲染地图,用一两分钟确认本机上的程序完好。"
                               "您的项目和设置不会被改动。"), self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.output = QPlainTextEdit(self)
        self.output.setObjectName("selftest_output")
        self.output.setReadOnly(True)
        self.output.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        layout.addWidget(self.output)
        self.verdict = QLabel("", self)
        layout.addWidget(self.verdict)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.run_button = QPushButton(self.tr("开始自检"), self)
        self.copy_button = QPushButton(self.tr("复制结果"), self)
        buttons.addButton(self.run_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.run_button.clicked.connect(self.run)
        self.copy_button.clicked.connect(
            lambda: QGuiApplication.clipboard().setText(self.output.toPlainText()))
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(900, 460)

    def _emit(self, line: str) -> None:
        self.output.appendPlainText(line)
        QApplication.processEvents()

    def run(self) -> bool:
        from mapedit.selftest import run_steps

        self.output.clear()
        self.verdict.clear()
        self.run_button.setEnabled(False)
        QGuiApplication.setOverrideCursor(QGuiApplication.overrideCursor() or _wait_cursor())
        try:
            self.results = run_steps(self._emit)
        finally:
            QGuiApplication.restoreOverrideCursor()
            self.run_button.setEnabled(True)
        ok = bool(self.results) and all(r.ok for r in self.results)
        self.verdict.setText(self.tr("全部通过") if ok
                             else self.tr("有步骤失败,请把结果复制给技术支持"))
        self.verdict.setStyleSheet("color: #2e7d32; font-weight: bold;" if ok
                                   else "color: #c62828; font-weight: bold;")
        return ok


def _wait_cursor():
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QCursor

    return QCursor(Qt.CursorShape.WaitCursor)


def show_self_test(window, run: bool = True) -> SelfTestDialog:
    dialog = SelfTestDialog(window)
    dialog.show()
    if run:
        QApplication.processEvents()
        dialog.run()
    return dialog
