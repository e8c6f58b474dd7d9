"""The project controller: undo stack, the one push path, the selection, one refresh per change.

Why a controller beside the window
----------------------------------
Every way of changing a project — a map tool, the attribute form, a menu entry, a suggested fix,
undo and redo — ends here, so there is one refusal behaviour and one refresh:

* :meth:`ProjectController.push_command` is the single push path. A refused edit (the project
  raised a :class:`~mapedit.errors.MapeditError`: a locked unit, an invalid shape …) leaves no
  undo step and is reported once through :attr:`notice`, in the interface language; the window
  shows it near the map and in the status bar. Nothing here checks locks: ``Project`` does.
* Changes are **coalesced**: the project's listener and each command only *note* what they
  touched; :meth:`flush` — run when the undo stack's index moves (after a push, undo or redo,
  and at the end of a macro) or, for changes that do not come from the stack (the background
  check finishing), on the next turn of the event loop — emits :attr:`refreshed` exactly once
  with everything noted. The window redraws the touched grids, the findings and the units'
  rows from that one signal.
* The **selection** (grids, current unit) lives here; views show it and ask to change it.
* **Another program** (a second window, QGIS, GDAL) may change the project file while it is
  open. The store refuses to write over such a change (``ProjectChangedError``); the
  controller then emits :attr:`changedElsewhere` (the window offers 重新载入) instead of the
  usual notice, and keeps the undo stack in step with the data (a refused undo or redo is
  put back). :meth:`check_outside` — on a timer, when the window is activated and before
  every push — asks the store's cheap change check and takes such changes in
  (:meth:`catch_up`, or :meth:`reload` when units, settings or layers changed), so the
  refusal is rare: the clerk sees the other program's edits before editing.
* The **full check** of a newly opened project runs in a worker thread
  (``project.begin_background_check`` → ``job.run()`` → ``project.finish_background_check``):
  the map is painted and editable at once, progress goes to :attr:`checkProgress`, findings
  arrive with a refresh when the check is done. Until then :meth:`findings` is empty and
  :meth:`summary` is None, and the project does not check edits; the ones made meanwhile are
  checked when the baseline is installed.

The controller is Qt-side (signals, ``QUndoStack``) but owns no widget.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QUndoStack

from mapedit.errors import MapeditError, ProjectChangedError
from mapedit.heap import release_free_memory
from mapedit.io.store import StoreBusyError
from mapedit.model.changes import ChangeSet, delete_grids
from mapedit.rules.findings import Finding
from mapedit.ui.commands import (
    AcceptFindingCommand,
    ChangeSetCommand,
    LockUnitCommand,
    ProjectCommand,
    UnacceptFindingCommand,
    current_user,
)
from mapedit.ui.i18n import error_text, pick, pick_line, tr

log = logging.getLogger(__name__)

MESSAGE_MS = 6000
"""How long a passing message stays in the status bar."""


@dataclass
class Refresh:
    """What one refresh covers: the grids inserted/updated/deleted, the units whose grids or
    state changed, whether the findings may differ, and whether the project is new (rebuild
    everything)."""

    fids: set[int] = field(default_factory=set)
    units: set[str] = field(default_factory=set)
    findings: bool = False
    project: bool = False

    def merge(self, other: Refresh) -> None:
        self.fids |= other.fids
        self.units |= other.units
        self.findings |= other.findings
        self.project |= other.project


class _CheckBridge(QObject):
    """Carries the worker thread's progress and result into the main thread (queued). One per
    job and owned by the job's thread closure, so a controller deleted meanwhile is simply no
    longer connected."""

    progress = Signal(int, int)
    done = Signal(object)


class ProjectController(QObject):
    """One open project and everything that changes it (see the module doc)."""

    projectChanged = Signal(object)
    """A project was opened or closed (None): views rebuild."""
    refreshed = Signal(object)
    """:class:`Refresh`: exactly one per change (edit, undo, redo, lock, exception, check)."""
    selectionChanged = Signal(list, str)
    """Selected fids and who changed them (``canvas``, ``tree``, ``chart``, ``command`` …)."""
    currentUnitChanged = Signal(object)
    """The current unit's code or None."""
    notice = Signal(str)
    """Something the clerk must read (a refusal): shown near the map."""
    status = Signal(str, int)
    """A passing message for the status bar (text, milliseconds)."""
    checkProgress = Signal(int, int)
    """The background full check: done, total."""
    checkingChanged = Signal(bool)
    changedElsewhere = Signal(str)
    """An edit, undo or redo was refused because another program changed the project file
    (the text says what): the window offers to reload. Emitted on the next turn of the event
    loop, after the undo stack has finished the refused run."""

    BUSY_RETRY_MS = 300
    """While a long layer write holds the project file, installing a finished check is tried
    again after this pause."""

    POLL_MS = 3000
    """How often the open project is asked whether another program changed it (0: never;
    the window also asks when it is activated, and every push asks first)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.project = None
        self.undo_stack = QUndoStack(self)
        self.undo_stack.indexChanged.connect(lambda _i: self.flush())
        self.selection: list[int] = []
        self.current_unit: str | None = None
        self._pending: Refresh | None = None
        self._flush_scheduled = False
        self._syncing = False
        self._job: Any = None
        self._load: Any = None
        self._load_thread: threading.Thread | None = None
        self._thread: threading.Thread | None = None
        self._bridge: _CheckBridge | None = None
        self._load_bridge: _CheckBridge | None = None
        self._macro_depth = 0
        self._restart_scheduled = False
        self.refresh_count = 0
        """Refreshes emitted so far (tests count them: one per change)."""
        self._poll = QTimer(self)
        self._poll.timeout.connect(self.check_outside)

    # -- project ----------------------------------------------------------------------------
    def set_project(self, project) -> None:
        """Show ``project`` (closing the previous one); clears undo history and selection and
        starts the background check when the project has no findings yet."""
        old = self.project
        if old is not None:
            old.remove_listener(self._on_project_changed)
            if old is not project:
                try:
                    old.close()
                except Exception:  # noqa: BLE001 - closing must not block opening another
                    log.exception("closing project failed")
        self._abandon_check()
        self.project = project
        self._pending = None
        self.undo_stack.clear()
        self.selection = []
        self.current_unit = None
        if project is not None:
            project.add_listener(self._on_project_changed)
        self.projectChanged.emit(project)
        self.selectionChanged.emit([], "project")
        self.currentUnitChanged.emit(None)
        if project is not None and getattr(project, "base_loading", False):
            self._start_base_load()  # then the check: the rules read the base layers
        elif project is not None and not self.checker_ready:
            self._start_check()
        self._poll.stop()
        if project is not None:
            self._tell_load_messages(project)
            if self.POLL_MS > 0:
                self._poll.start(self.POLL_MS)

    def _tell_load_messages(self, project) -> None:
        """What the store noted while opening (file upgraded, geometries repaired on load):
        in the log, and over the map in the interface language."""
        messages = list(getattr(project, "load_messages", []) or [])
        if not messages:
            return
        for m in messages:
            log.info("opening %s: %s", getattr(project, "path", ""), m)
        text = pick_line(messages[0])
        if len(messages) > 1:
            text += tr("(另有 {0} 条说明,见日志文件)").format(len(messages) - 1)
        self.notice.emit(text)
        self.status.emit(text, 3 * MESSAGE_MS)

    def close(self) -> None:
        self.set_project(None)

    @property
    def dataset(self):
        return self.project.dataset if self.project is not None else None

    @property
    def checker_ready(self) -> bool:
        p = self.project
        if p is None:
            return False
        ready = getattr(p, "checker_ready", None)
        return bool(ready if ready is not None else p.checker_built)

    @property
    def checking(self) -> bool:
        """True while the background full check runs (or the base layers it needs are still
        being read)."""
        return self._job is not None or self._load is not None

    def findings(self) -> list[Finding]:
        """The project's findings, or an empty list while the full check still runs."""
        return list(self.project.findings) if self.checker_ready else []

    def summary(self) -> dict | None:
        return self.project.summary() if self.checker_ready else None

    # -- base layers read after the first paint ----------------------------------------------
    def _start_base_load(self) -> None:
        """Read the base layers' features in a worker (the project was opened without them so
        the map is painted sooner); :meth:`_base_loaded` puts them in and starts the check.
        Meanwhile editing works, and whatever needs a layer still loading is refused by the
        model (``Dataset.base`` raises ``BaseLayerNotLoaded``) rather than done without it."""
        job = self.project.begin_base_load()
        if job is None:
            self._start_check()
            return
        bridge = _CheckBridge()
        bridge.done.connect(self._base_loaded, Qt.ConnectionType.QueuedConnection)
        self._load = job

        def work() -> None:
            job.run()
            bridge.done.emit(job)

        self._load_thread = threading.Thread(target=work, name="mapedit-base-layers",
                                             daemon=True)
        self._load_bridge = bridge
        self.checkingChanged.emit(True)
        self.checkProgress.emit(0, 1)
        self._load_thread.start()

    def _base_loaded(self, job) -> None:
        """Main thread: install the base layers read by ``job`` (once; a job of a project
        closed meanwhile is dropped), then start the full check."""
        if job is not self._load or self.project is None:
            return
        self._load = None
        self._load_thread = None
        self._load_bridge = None
        try:
            notes = self.project.finish_base_load(job)
        except MapeditError as exc:
            self.checkingChanged.emit(False)
            self.refuse(exc)
            return
        for note in notes:
            log.info("opening %s: %s", getattr(self.project, "path", ""), note)
        if notes:
            self.status.emit(pick_line(notes[0]), 3 * MESSAGE_MS)
        release_free_memory()  # what reading the layers freed, before the check's peak
        if not self.checker_ready:
            self._start_check()
        else:
            self.checkingChanged.emit(False)

    # -- background check -------------------------------------------------------------------
    def _start_check(self) -> None:
        project = self.project
        begin = getattr(project, "begin_background_check", None)
        bridge = _CheckBridge()
        bridge.progress.connect(self.checkProgress, Qt.ConnectionType.QueuedConnection)
        bridge.done.connect(self._check_done, Qt.ConnectionType.QueuedConnection)
        if begin is None:  # a project without the hooks: check here, once
            project.findings  # noqa: B018 - builds and runs the checker
            self._note(Refresh(findings=True))
            return
        last = [-1]

        def progress(done: int, total: int) -> None:  # worker thread
            pct = int(100 * done / total) if total else 100
            if pct != last[0]:
                last[0] = pct
                bridge.progress.emit(int(done), int(total))

        job = begin(progress=progress)
        self._job = job
        self._bridge = bridge

        def work() -> None:
            try:
                job.run()
            except BaseException as exc:  # noqa: BLE001 - reported in the main thread
                log.exception("background check failed")
                job.error = getattr(job, "error", None) or exc
            bridge.done.emit(job)

        self._thread = threading.Thread(target=work, name="mapedit-check", daemon=True)
        self.checkingChanged.emit(True)
        self.checkProgress.emit(0, 1)
        self._thread.start()

    def _check_done(self, job) -> None:
        """Main thread: install the finished check (once; a job of a project closed meanwhile
        is dropped). While a long layer write holds the project file, try again shortly."""
        if job is not self._job or self.project is None:
            return
        try:
            self.project.finish_background_check(job)
        except StoreBusyError:
            QTimer.singleShot(self.BUSY_RETRY_MS, lambda: self._check_done(job))
            return
        except MapeditError as exc:
            self._check_finished()
            self.notice.emit(error_text(exc))
        except Exception as exc:  # noqa: BLE001 - the clerk keeps the map; the log has it
            self._check_finished()
            log.exception("installing the background check failed")
            self.notice.emit(tr("检查失败:{0}").format(exc))
        else:
            self._check_finished()
        release_free_memory()  # the full check's temporaries, before the unit figures
        self.checkingChanged.emit(False)
        # Findings only: no grid changed (edits made meanwhile were refreshed when made), so
        # the views update error counts, not every unit's coverage.
        self._note(Refresh(findings=True))
        self.flush()

    def _check_finished(self) -> None:
        self._job = None
        self._thread = None
        self._bridge = None

    def _restart_check(self, project) -> None:
        """The project dropped its findings (a base layer added or removed, settings
        changed): check everything again in the background, as after opening (else the
        findings would stay empty and edits unchecked until the project is reopened)."""
        self._restart_scheduled = False
        if project is self.project and project is not None and self._job is None \
                and self._load is None and not self.checker_ready:
            self._start_check()

    def wait_for_check(self, timeout: float = 120.0) -> bool:
        """Block until the background check is installed (tests, benchmarks, export); the
        base layers it waits for are put in first."""
        self.wait_for_base_layers(timeout)
        thread, job = self._thread, self._job
        if job is None:
            return self.checker_ready
        if thread is not None:
            thread.join(timeout)
            if thread.is_alive():
                return False
        self._check_done(job)
        return self.checker_ready

    def wait_for_base_layers(self, timeout: float = 120.0) -> bool:
        """Block until the base layers read after opening are in the dataset (then the
        check has been started)."""
        thread, job = self._load_thread, self._load
        if job is None:
            return not (self.project is not None and getattr(self.project, "base_loading",
                                                             False))
        if thread is not None:
            thread.join(timeout)
            if thread.is_alive():
                return False
        self._base_loaded(job)
        return True

    def _abandon_check(self) -> None:
        if self._load is not None:
            self._load = None
            self._load_thread = None
            self._load_bridge = None
            if self._job is None:
                self.checkingChanged.emit(False)
        if self._job is not None:
            self._job = None
            self._thread = None
            self._bridge = None
            self.checkingChanged.emit(False)

    # -- refresh ----------------------------------------------------------------------------
    def _on_project_changed(self, changeset: ChangeSet | None) -> None:
        """Project listener: note what an applied change set touched (and check again in
        the background when the project dropped its findings)."""
        # (while the base layers load, the check starts once they are in: not here)
        if self._job is None and self._load is None and not self.checker_ready \
                and not self._restart_scheduled:
            self._restart_scheduled = True
            project = self.project
            QTimer.singleShot(0, lambda: self._restart_check(project))
        r = Refresh(findings=self.checker_ready)
        for ch in getattr(changeset, "changes", None) or []:
            for g in (ch.before, ch.after):
                if g is not None:
                    if g.fid is not None:
                        r.fids.add(g.fid)
                    if g.unit_code:
                        r.units.add(g.unit_code)
        self._note(r)

    def _command_ran(self, cmd: ProjectCommand, error: MapeditError | None) -> None:
        """Hook of every command run (push, undo, redo): refusals are told, changes noted."""
        if error is not None:
            if cmd.done_once:  # an undo or a later redo: the stack moved, the data did not
                QTimer.singleShot(0, lambda: self._back_in_step(cmd))
            if isinstance(error, ProjectChangedError):
                text = error_text(error)
                self.status.emit("⚠ " + text, 2 * MESSAGE_MS)
                QTimer.singleShot(0, lambda: self.changedElsewhere.emit(text))
            else:
                self.refuse(error)
            return
        self._note(Refresh(units=cmd.units(), findings=self.checker_ready))

    def _back_in_step(self, cmd: ProjectCommand) -> None:
        """A refused undo (or redo) moved the stack's index although nothing changed: move it
        back without running the command, so the next Ctrl+Z / Ctrl+Y tries the same step
        again (after a reload, say) instead of skipping it."""
        stack = self.undo_stack
        at = next((i for i in range(stack.count()) if stack.command(i) is cmd), None)
        if at is None:  # inside a macro, or gone with a cleared stack: nothing to put back
            return
        cmd.skip_next_run = True
        if cmd.last_run == "undo" and stack.index() == at:
            stack.redo()
        elif cmd.last_run == "redo" and stack.index() == at + 1:
            stack.undo()
        cmd.skip_next_run = False

    def _note(self, r: Refresh) -> None:
        if self._pending is None:
            self._pending = r
        else:
            self._pending.merge(r)
        if not self._flush_scheduled:
            self._flush_scheduled = True
            QTimer.singleShot(0, self._scheduled_flush)

    def _scheduled_flush(self) -> None:
        self._flush_scheduled = False
        self.flush()

    def flush(self) -> None:
        """Emit the one refresh for everything noted since the last one (no-op if nothing)."""
        if self._pending is None or self._macro_depth:
            return
        r, self._pending = self._pending, None
        if self.project is not None:
            ds = self.project.dataset
            gone = [f for f in self.selection if f not in ds.grids]
            if gone:
                self.selection = [f for f in self.selection if f in ds.grids]
                self.selectionChanged.emit(list(self.selection), "command")
        self.refresh_count += 1
        self.refreshed.emit(r)

    # -- the push path ----------------------------------------------------------------------
    def push_command(self, cmd: ProjectCommand) -> bool:
        """The one way an edit reaches the project. False (and one notice) when refused.
        Changes another program made are taken in first (the edit then meets the current
        data: a grid it changes that was changed elsewhere refuses it as stale)."""
        if self.project is None:
            self.refuse(tr("请先打开一个项目。"))
            return False
        project = self.project
        if not self._macro_depth:
            self.check_outside()
        if self.project is not project:  # reloaded: the command was made for the old one
            self.refuse(tr("项目已被其他程序修改并已重新载入,请再做一次刚才的操作。"))
            return False
        cmd.notify = self._command_ran
        self.undo_stack.push(cmd)
        self.flush()
        return cmd.error is None

    def push_changeset(self, changeset: ChangeSet | None, allow_invalid: bool = False,
                       select_new: bool = True) -> ChangeSet | None:
        """Apply ``changeset`` as one undoable command; the applied change set (fids filled),
        or None when there was nothing to do or the project refused it. New grids become the
        selection (so the attribute form shows them)."""
        if changeset is None or not changeset:
            self.status.emit(tr("没有需要修改的内容。"), MESSAGE_MS)
            return None
        if self.project is None:
            self.refuse(tr("请先打开一个项目。"))
            return None
        cmd = ChangeSetCommand(self.project, changeset, who=current_user(),
                               allow_invalid=allow_invalid)
        if not self.push_command(cmd):
            return None
        applied = cmd.changeset
        new = [c.after.fid for c in applied.changes
               if c.before is None and c.after is not None and c.after.fid is not None]
        if new and select_new:
            self.select_grids(new, "command")
        self.status.emit(tr("已{0}(可按 Ctrl+Z 撤销)").format(pick(applied.zh, applied.en)),
                         MESSAGE_MS)
        return applied

    def run(self, op: Callable[..., ChangeSet], *args: Any, **kwargs: Any) -> ChangeSet | None:
        """Call a geometry op and push its result; a refusal by the op is told like one by
        the project."""
        try:
            cs = op(*args, **kwargs)
        except MapeditError as err:
            self.refuse(err)
            return None
        return self.push_changeset(cs)

    @contextmanager
    def macro(self, text: str) -> Iterator[None]:
        """Group several pushes (e.g. one split per crossed grid) into one undo step and one
        refresh."""
        self.undo_stack.beginMacro(text)
        self._macro_depth += 1
        try:
            yield
        finally:
            self._macro_depth -= 1
            self.undo_stack.endMacro()
            self.flush()

    def refuse(self, err: MapeditError | str) -> None:
        """Tell the clerk why something was not done (the one refusal behaviour)."""
        text = error_text(err) if isinstance(err, BaseException) else str(err)
        self.notice.emit(text)
        self.status.emit("⚠ " + text, 2 * MESSAGE_MS)

    # -- changes made by other programs -----------------------------------------------------
    def check_outside(self) -> bool:
        """Take in what another program changed in the project file, if anything (cheap when
        nothing changed: the store compares a counter). True when something was taken in.
        Not while the first full check runs (the reload after it catches up)."""
        project = self.project
        changed = getattr(getattr(project, "store", None), "changed_elsewhere", None)
        if changed is None or self.checking:
            return False
        try:
            if not changed():
                return False
        except MapeditError as err:  # busy or unreadable for a moment: ask again later
            log.info("change check failed: %s", err)
            return False
        return self.catch_up(quiet=False)

    def catch_up(self, quiet: bool = True) -> bool:
        """Take in the changes other programs made (``project.catch_up``: grids, locks,
        accepted exceptions go through the same dataset → checker → listeners path as an
        edit, so one refresh shows them). Units, settings, the catalogue or layers changed
        elsewhere need everything rebuilt and checked again: then the file is reopened
        (:meth:`reload`). Returns False when there was no project or the reload failed."""
        project = self.project
        if project is None:
            return False
        if self.checking or not self.checker_ready:
            return self.reload()
        locks = {(c, u.locked) for c, u in project.dataset.units.items()}
        try:
            project.catch_up()
        except StoreBusyError:  # our own long write holds the file: look again later
            return False
        except MapeditError as err:
            log.warning("catching up failed, reopening: %s", err)
            return self.reload()
        if not self.checker_ready:  # units, settings, catalogue or layers changed
            return self.reload()
        # units locked or unlocked elsewhere: their rows and forms show it
        now = {(c, u.locked) for c, u in project.dataset.units.items()}
        units = {c for c, _locked in now - locks}
        self._note(Refresh(units=units, findings=True))
        self.flush()
        if not quiet:
            text = tr("已载入其他程序(另一个窗口、QGIS 等)对项目的修改。")
            self.notice.emit(text)
            self.status.emit(text, MESSAGE_MS)
        return True

    def reload(self) -> bool:
        """Open the project file again (重新载入): everything is read afresh, the undo history
        starts over. The project stays open as it was when the file cannot be read."""
        from mapedit.project import Project

        old = self.project
        if old is None:
            return False
        try:
            factory = old.__dict__.get("checker_factory")
            new = Project.open(old.path, checker_factory=factory, defer_base_layers=True)
        except (MapeditError, OSError) as err:
            self.refuse(err if isinstance(err, MapeditError) else str(err))
            return False
        self.set_project(new)
        self.status.emit(tr("已重新载入项目。"), MESSAGE_MS)
        return True

    def check_editable(self, unit_code: str | None) -> bool:
        """Ask the project whether ``unit_code`` may be edited (False and a notice when it is
        locked), so a tool can say so before the clerk draws rather than after."""
        check = getattr(self.project, "check_editable", None)
        if check is None or not unit_code:
            return self.project is not None
        try:
            check(unit_code)
        except MapeditError as err:
            self.refuse(err)
            return False
        return True

    # -- edits the window offers ------------------------------------------------------------
    def delete_grids(self, fids: list[int]) -> bool:
        ds = self.dataset
        if ds is None:
            return False
        grids = [ds.grids[f] for f in fids if f in ds.grids]
        if not grids:
            return False
        if self.push_changeset(delete_grids(grids)) is None:
            return False
        self.select_grids([], "command")
        return True

    def set_unit_locked(self, code: str, locked: bool) -> bool:
        ds = self.dataset
        if ds is None or code not in ds.units:
            return False
        return self.push_command(LockUnitCommand(self.project, code, locked, ds.units[code].name,
                                                 who=current_user()))

    def accept_finding(self, finding: Finding, reason: str) -> bool:
        return self.push_command(AcceptFindingCommand(self.project, finding, reason,
                                                      current_user()))

    def unaccept_finding(self, finding: Finding) -> bool:
        if not finding.accepted:
            return False
        if self.push_command(UnacceptFindingCommand(self.project, finding, current_user())):
            self.status.emit(tr("已撤销例外,可按 Ctrl+Z 恢复"), MESSAGE_MS)
            return True
        return False

    def apply_fix(self, finding: Finding) -> bool:
        """A finding's suggested fix (``mapedit.fixes``, as ``mapedit fix``) as one edit."""
        from mapedit.fixes import fix_changeset

        if self.dataset is None:
            return False
        return self.run(fix_changeset, self.dataset, finding) is not None

    def renumber_unit(self, code: str | None) -> bool:
        from mapedit.model.geometry_ops import renumber_unit

        if self.dataset is None or not code:
            self.status.emit(tr("请先选择一个管理单元"), MESSAGE_MS)
            return False
        try:
            cs = renumber_unit(self.dataset, code)
        except MapeditError as err:
            self.refuse(err)
            return False
        if not cs:
            self.status.emit(tr("编号已是从北到南、从西到东的顺序"), MESSAGE_MS)
            return False
        return self.push_changeset(cs) is not None

    # -- selection --------------------------------------------------------------------------
    def select_grids(self, fids: list[int], source: str = "") -> None:
        """The one place the selection changes; the first grid's unit becomes current."""
        if self._syncing or self.project is None:
            return
        ds = self.project.dataset
        sel = [f for f in dict.fromkeys(fids) if f in ds.grids]
        self._syncing = True
        try:
            self.selection = sel
            if sel:
                self.set_current_unit(ds.grids[sel[0]].unit_code)
            self.selectionChanged.emit(list(sel), source)
        finally:
            self._syncing = False

    def set_current_unit(self, code: str | None) -> None:
        if self.project is None or code == self.current_unit:
            return
        if code is not None and code not in self.project.dataset.units:
            code = None
        self.current_unit = code
        self.currentUnitChanged.emit(code)
