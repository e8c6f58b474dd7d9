"""Application entry point: ``mapedit [PROJECT.gpkg]`` (via ``mapedit.cli``) lands here.

Start-up does, in order: one ``QApplication``; an exception hook so a bug shows a dialog and is
logged instead of killing the window with a traceback on a console the clerk never sees; a CJK
font; the translators for the language stored in the settings (Chinese by default); then the
project given on the command line, else the project opened last (文件 → 最近打开), else — on the
first run, or when that file is gone — the bundled demo street.

The demo street is generated once (``mapedit.demo.generate``) into the per-user data folder
(``QStandardPaths.AppLocalDataLocation/demo.gpkg``) and reopened from there afterwards; a missing or
unreadable demo file is simply generated again, so the clerk always gets something to look at.
"""

from __future__ import annotations

import logging
import sys
import traceback
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from mapedit.errors import MapeditError
from mapedit.ui import fonts, i18n
from mapedit.ui.i18n import tr
from mapedit.ui.settings_store import APPLICATION, ORGANISATION, SettingsStore, data_dir

log = logging.getLogger("mapedit")


def demo_path() -> Path:
    return data_dir() / "demo.gpkg"


def open_or_create_demo(path: Path | None = None):
    """Open the demo project, generating it first when missing or unreadable."""
    from mapedit.project import Project

    path = path or demo_path()
    if path.exists():
        try:
            return Project.open(path, defer_base_layers=True)  # read after the first paint
        except (MapeditError, OSError, Exception) as exc:  # noqa: BLE001 - any damage: rebuild
            log.warning("demo project %s unreadable (%s); generating it again", path, exc)
            try:
                path.unlink()
            except OSError:
                pass
    from mapedit.demo import generate

    return Project.create(path, generate(), overwrite=True)


_log_handler: logging.Handler | None = None


def _setup_logging() -> Path | None:
    """Log to ``mapedit.log`` in the data folder (once per process)."""
    global _log_handler
    log_file = data_dir() / "mapedit.log"
    if _log_handler is not None:
        return log_file
    try:
        handler = logging.FileHandler(log_file, encoding="utf-8")
    except OSError:
        return None
    _log_handler = handler
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return log_file


def install_excepthook() -> None:
    """Show unexpected errors in a dialog (and the log) rather than dying silently.

    A :class:`MapeditError` that escapes is still the clerk's to fix, so it gets the plain
    bilingual message; anything else is a bug and gets the details for a support request."""

    def hook(exc_type, exc, tb) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        details = "".join(traceback.format_exception(exc_type, exc, tb))
        log.error("unhandled exception:\n%s", details)
        if QApplication.instance() is None:
            sys.__excepthook__(exc_type, exc, tb)
            return
        if isinstance(exc, MapeditError):
            QMessageBox.warning(None, "mapedit", f"{exc.zh}\n\n{exc.en}")
            return
        from mapedit.ui.error_report import show_internal_error  # 复制错误报告, log folder

        show_internal_error(None, details)

    sys.excepthook = hook


def create_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication with names, font and translators set (reused if one exists)."""
    app = QApplication.instance()
    if app is None:
        QApplication.setHighDpiScaleFactorRoundingPolicy(
            Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
        app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setOrganizationName(ORGANISATION)
    app.setApplicationName(APPLICATION)
    fonts.apply_cjk_font(app)
    i18n.install(SettingsStore().language(), app)
    app.setApplicationDisplayName(tr("微网格编辑器"))
    return app


def main(path: str | None = None, demo: bool = False) -> int:
    """Run the editor on ``path`` (a project file), on the demo street (``demo``), or else on
    the project opened last. The first time (no last project that opens) the demo street opens
    with the welcome page over it (打开示例街道 / 新建 / 最近的项目, the 天地图 key); returns
    the exit code."""
    app = create_application()
    log_file = _setup_logging()
    install_excepthook()
    from mapedit.project import Project
    from mapedit.ui.main_window import MainWindow, show_error
    from mapedit.ui.welcome import last_project, show_welcome

    settings = SettingsStore()
    window = MainWindow(settings=settings)
    window.show()
    app.processEvents()
    last = None if (path or demo) else last_project(settings)
    target = Path(path) if path else (Path(last) if last else None)
    project = None
    try:
        if target is not None:
            window.statusBar().showMessage(tr("正在打开 {0}…").format(target.name))
            app.processEvents()
            project = Project.open(target, defer_base_layers=True)
    except (MapeditError, OSError) as exc:
        show_error(window, tr("无法打开项目"), exc)
        if path:  # the file the clerk named: do not replace it with another
            target = None
    first_run = project is None and not path and not demo
    if project is None and not path:
        try:
            window.statusBar().showMessage(tr("正在准备示范街道…"))
            app.processEvents()
            project = open_or_create_demo()
            target = demo_path()
        except (MapeditError, OSError) as exc:
            show_error(window, tr("无法打开项目"), exc)
    window.statusBar().clearMessage()
    if project is not None:
        window.controller.set_project(project)
        if target is not None:
            settings.add_recent_file(target)
    if first_run:
        show_welcome(window)
    if log_file is not None:
        log.info("mapedit started; log at %s", log_file)
    return int(app.exec())


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main(sys.argv[1] if len(sys.argv) > 1 else None))
