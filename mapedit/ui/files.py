"""文件 menu: open, recent files, new from units, import grids, export — the dialogs around the
project's file operations.

Kept out of the window so the window only assembles docks and actions. Every operation ends in
the controller (``set_project``, ``push_changeset``) or in the shared functions the CLI uses
(``Project.open``, ``dataset_from_units``, ``import_grids_changeset``, ``export_dataset``), so
the GUI and the CLI do each thing one way. Dialogs go through Qt's static helpers
(``QFileDialog.getOpenFileName``, ``QMessageBox.question`` …) so tests can monkeypatch them.

What the clerk is told: a :class:`~mapedit.errors.MapeditError` is their input's problem and
is shown as such (never as an internal error); anything else is a bug, shown as "内部错误" with
the promise that nothing was created or changed — the file operations here write to temporary
names and rename, so that promise holds.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from mapedit.errors import MapeditError
from mapedit.ui.busy import busy_cursor
from mapedit.ui.i18n import N_, error_text, pick_line, tr

log = logging.getLogger(__name__)

PROJECT_FILTER = N_("微网格项目 (*.gpkg)")
GEOJSON_FILTER = "GeoJSON (*.geojson *.json)"


def show_error(parent: QWidget | None, title: str, err: BaseException) -> None:
    """A message box for an error the clerk can act on (never a traceback)."""
    QMessageBox.critical(parent, title, error_text(err))


def units_help() -> str:
    """What a units file must hold: shown where a clerk chooses one (文件 → 新建)."""
    from mapedit.model.hierarchy import UNIT_TYPES

    return tr("管理单元文件是上级下发的 units.geojson:每个管理单元一个面(Polygon 或 "
              "MultiPolygon),属性 code(编码,如 12 位数字)、name(名称)、unit_type(类型,"
              "只能是:{0})、responsibility_grid(所属责任网格,可不填)。").format(
        tr("、").join(tr(t) for t in UNIT_TYPES))


class NewProjectDialog(QDialog):
    """文件 → 新建: which units file, where the project goes, and what the file must hold (the
    allowed ``unit_type`` values are listed here, where the clerk looks)."""

    def __init__(self, parent: QWidget | None, directory: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("新建项目"))
        self.directory = directory
        self.help = QLabel(units_help(), self)
        self.help.setWordWrap(True)
        self.help.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.source = QLineEdit(self)
        self.target = QLineEdit(self)
        browse_src = QPushButton(self.tr("浏览…"), self)
        browse_dst = QPushButton(self.tr("浏览…"), self)
        browse_src.clicked.connect(self._choose_source)
        browse_dst.clicked.connect(self._choose_target)
        form = QFormLayout()
        row = QHBoxLayout()
        row.addWidget(self.source, 1)
        row.addWidget(browse_src)
        form.addRow(self.tr("管理单元文件"), row)
        row = QHBoxLayout()
        row.addWidget(self.target, 1)
        row.addWidget(browse_dst)
        form.addRow(self.tr("项目文件"), row)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.source.textChanged.connect(self._update)
        self.target.textChanged.connect(self._update)
        layout = QVBoxLayout(self)
        layout.addWidget(self.help)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.resize(620, self.sizeHint().height())
        self._update()

    def _choose_source(self) -> None:
        src, _ = QFileDialog.getOpenFileName(self, self.tr("选择管理单元文件(units.geojson)"),
                                             self.source.text() or self.directory,
                                             GEOJSON_FILTER)
        if src:
            self.source.setText(src)
            if not self.target.text():
                self.target.setText(str(Path(src).with_suffix(".gpkg")))

    def _choose_target(self) -> None:
        dst, _ = QFileDialog.getSaveFileName(self, self.tr("新项目保存为"),
                                             self.target.text() or self.directory,
                                             tr(PROJECT_FILTER))
        if dst:
            self.target.setText(dst)

    def _update(self) -> None:
        ok = bool(self.source.text().strip()) and bool(self.target.text().strip())
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ok)

    def paths(self) -> tuple[str, str]:
        dst = self.target.text().strip()
        if not dst.lower().endswith(".gpkg"):
            dst += ".gpkg"
        return self.source.text().strip(), dst

    @classmethod
    def ask(cls, parent: QWidget | None, directory: str = "") -> tuple[str, str] | None:
        """The chosen (units file, project file), or None when cancelled."""
        dlg = cls(parent, directory)
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return None
        return dlg.paths()


class ProjectFiles(QObject):
    """The 文件 menu's operations for one window (``parent``) and its controller."""

    def __init__(self, parent: QWidget, controller, settings) -> None:
        super().__init__(parent)
        self.parent_widget = parent
        self.controller = controller
        self.settings = settings
        self.reload_box: QMessageBox | None = None
        """The open 重新载入 question, if any (so tests can answer it)."""
        controller.changedElsewhere.connect(self.offer_reload)

    # -- open --------------------------------------------------------------------------------
    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.parent_widget, self.tr("打开项目"),
                                              self.settings.last_directory(), tr(PROJECT_FILTER))
        if path:
            self.open_path(path)

    def open_path(self, path: str | Path) -> bool:
        """Open a project file; on failure tell the clerk and keep the current project."""
        from mapedit.project import Project

        try:
            with busy_cursor():
                project = Project.open(str(path), defer_base_layers=True)
        except (MapeditError, OSError) as exc:
            show_error(self.parent_widget, self.tr("无法打开项目"), exc)
            return False
        self.controller.set_project(project)
        self.settings.add_recent_file(path)
        self.settings.set_last_directory(path)
        return True

    def open_recent(self, path: str) -> bool:
        if not Path(path).exists():
            QMessageBox.warning(self.parent_widget, self.tr("最近打开"),
                                self.tr("文件已不存在:{0}").format(path))
            self.settings.remove_recent_file(path)
            return False
        return self.open_path(path)

    # -- another program changed the project ------------------------------------------------
    def offer_reload(self, text: str) -> bool:
        """An edit, undo or redo was refused because another program changed the project file:
        say so once, with 重新载入 (take the change in; then the edit can be done again) or
        稍后 (the refusal stands; 文件 → 重新载入 later). True when reloaded."""
        box = QMessageBox(QMessageBox.Icon.Warning, self.tr("项目已被其他程序修改"),
                          text, QMessageBox.StandardButton.NoButton, self.parent_widget)
        box.setInformativeText(self.tr("重新载入后,其他程序的修改会显示出来,"
                                       "然后可以再做一次刚才的操作。"))
        reload = box.addButton(self.tr("重新载入"), QMessageBox.ButtonRole.AcceptRole)
        box.addButton(self.tr("稍后"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(reload)
        self.reload_box = box  # tests answer it
        box.exec()
        self.reload_box = None
        if box.clickedButton() is not reload:
            return False
        return self.reload()

    def reload(self) -> bool:
        """文件 → 重新载入: take in what other programs changed (the whole file is read again
        when units, settings or layers changed)."""
        c = self.controller
        if c.project is None:
            return False
        with busy_cursor():
            if c.checking:  # the first check still runs: read everything again
                return c.reload()
            if not c.check_outside():
                c.status.emit(self.tr("项目文件没有被其他程序修改。"), 6000)
            return c.project is not None

    # -- new ---------------------------------------------------------------------------------
    def new_from_units(self) -> bool:
        """文件 → 新建: a project from the platform's units file. Input errors are shown as
        the file's problem; nothing is created unless everything was read."""
        from mapedit.io.exchange import read_units
        from mapedit.project import Project, dataset_from_units

        paths = NewProjectDialog.ask(self.parent_widget, self.settings.last_directory())
        if paths is None:
            return False
        src, dst = paths
        title = self.tr("无法新建项目")
        try:
            units, crs, messages = read_units(src)
            dataset = dataset_from_units(units, crs, fallback_name=Path(dst).stem)
            project = Project.create(dst, dataset, overwrite=True)  # the dialog asked already
        except (MapeditError, OSError) as exc:
            QMessageBox.critical(self.parent_widget, title,
                                 error_text(exc) + "\n\n" + units_help()
                                 + "\n\n" + self.tr("没有创建项目文件。"))
            return False
        except Exception as exc:  # noqa: BLE001 - a bug: say so, but do not claim a save
            log.exception("new project from %s failed", src)
            QMessageBox.critical(self.parent_widget, title, self.tr(
                "读取 {0} 时出现内部错误:{1}\n\n没有创建项目文件。请把日志 mapedit.log "
                "发给技术支持。").format(Path(src).name, f"{type(exc).__name__}: {exc}"))
            return False
        self.controller.set_project(project)
        self.settings.add_recent_file(dst)
        self.settings.set_last_directory(dst)
        if messages:
            QMessageBox.information(self.parent_widget, self.tr("新建项目"),
                                    "\n".join(messages[:30]))
        basemap = getattr(self.parent_widget, "basemap", None)
        if basemap is not None:  # next step: the street's own map (ui/basemap/first_layers.py)
            basemap.offer_base_layers()
        return True

    # -- import ------------------------------------------------------------------------------
    def import_grids(self) -> bool:
        if self.controller.project is None:
            return False
        from mapedit.project import import_grids_changeset

        src, _ = QFileDialog.getOpenFileName(self.parent_widget,
                                             self.tr("选择微网格文件(grids.geojson)"),
                                             self.settings.last_directory(), GEOJSON_FILTER)
        if not src:
            return False
        try:
            changeset, messages, _added, _updated = import_grids_changeset(
                self.controller.project, src)
        except (MapeditError, OSError) as exc:
            show_error(self.parent_widget, self.tr("无法导入微网格"), exc)
            return False
        if not changeset:
            QMessageBox.information(self.parent_widget, self.tr("导入微网格"),
                                    self.tr("文件中没有可导入的微网格。") +
                                    ("\n" + "\n".join(messages[:30]) if messages else ""))
            return False
        applied = self.controller.push_changeset(changeset, allow_invalid=True,
                                                 select_new=False)
        if applied is None:
            return False
        text = self.tr("已导入 {0} 个微网格,可按 Ctrl+Z 撤销。").format(len(changeset.changes))
        if messages:
            text += "\n\n" + "\n".join(messages[:30])
        QMessageBox.information(self.parent_widget, self.tr("导入微网格"), text)
        return True

    # -- export ------------------------------------------------------------------------------
    def export(self) -> bool:
        """文件 → 导出: the check summary first (in the dialog, above the choices of format,
        export profile, coordinate system and folder), then a question before exporting with
        errors, empty required fields or shapes that rounding changes (an export past errors
        is recorded in manifest.json as forced), and one before replacing files already in the
        folder; then :func:`~mapedit.reports.platform_export.export_dataset`, as ``mapedit
        export`` does."""
        from mapedit.reports.platform_export import (
            existing_outputs,
            export_dataset,
            export_plan,
            required_missing,
        )
        from mapedit.ui.export_dialog import ExportDialog

        c = self.controller
        if c.project is None:
            return False
        parent = self.parent_widget
        title = self.tr("导出")
        if not c.checker_ready:  # the background check: wait for it, the summary needs it
            with busy_cursor():
                c.wait_for_check()
        s = c.summary() or {}
        errors, warnings = int(s.get("errors", 0)), int(s.get("warnings", 0))
        summary = self.tr("检查结果:错误 {0} 个,警告 {1} 个。").format(errors, warnings)
        if errors:
            summary += "\n" + self.tr("还有错误没有处理,导出的文件可能被上级系统退回。")
        choice = ExportDialog.ask(parent, summary, self.settings, errors=bool(errors))
        if choice is None:
            return False
        ds = c.project.dataset
        yes, no = QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.No
        with busy_cursor():
            problems = required_missing(ds, choice.profile)
            plan = export_plan(ds, choice.fmt, choice.profile)
        changes = [pick_line(ch.message()) for ch in plan.changes] if plan is not None else []
        force = bool(errors or problems)
        if force or changes:
            lines = [summary]
            if problems:
                lines.append(self.tr("必填字段为空:") + "\n"
                             + "\n".join(pick_line(p) for p in problems[:10]))
            if changes:
                lines.append(self.tr("{0} 个要素导出后形状会改变(精度取整):").format(len(changes))
                             + "\n" + "\n".join(changes[:10]))
            question = self.tr("仍要导出吗?") + (
                "\n" + self.tr("导出清单 manifest.json 会记录这是一次强制导出。") if force else "")
            lines.append(question)
            if QMessageBox.warning(parent, title, "\n\n".join(lines), yes | no, no) != yes:
                return False
        out = Path(choice.folder)
        existing = existing_outputs(out, choice.fmt, choice.profile)
        if existing:
            answer = QMessageBox.question(
                parent, title, self.tr("文件夹 {0} 中已有 {1}。要用这次导出替换它们吗?")
                .format(out, tr("、").join(p.name for p in existing)), yes | no, no)
            if answer != yes:
                return False
        try:
            with busy_cursor():
                result = export_dataset(ds, out, choice.fmt, choice.profile, s, force=force,
                                        encoding=choice.encoding,
                                        project={"file": c.project.path.name}, plan=plan,
                                        problems=problems)
        except (MapeditError, OSError) as exc:
            show_error(parent, self.tr("导出失败"), exc)
            return False
        self.settings.set_last_directory(str(out))
        names = tr("、").join(p.name for p in [*result.files, result.manifest])
        c.status.emit(self.tr("已导出到 {0}:{1}").format(out, names), 10000)
        if result.messages:
            QMessageBox.information(parent, title,
                                    "\n".join(pick_line(m) for m in result.messages[:30]))
        return True

    export_geojson = export
    """The name the window and older tests use (GeoJSON is the default format)."""
