"""Every edit the GUI makes is one of these ``QUndoCommand``s on the window's one ``QUndoStack``.

Why commands wrap :class:`~mapedit.model.changes.ChangeSet`: the project applies a change set in
one transaction and re-checks what it touched, and the inverse of the *applied* change set
(fids filled in by the store) restores the data exactly. Undo and redo therefore take the same
path as the edit itself and the findings list stays right after either.

A command whose first ``redo`` is refused by the project (locked unit, invalid value …) marks
itself obsolete, so ``QUndoStack.push`` drops it instead of recording an edit that never
happened. Every run (first redo, undo, later redo) reports to :attr:`ProjectCommand.notify`, set
by :class:`~mapedit.ui.controller.ProjectController` — the one place that refreshes the views
and tells the clerk about a refusal — with the error or None.

The undo-menu texts go through ``tr`` (the command is a Qt object without a ``QObject``
context, so :func:`mapedit.ui.i18n.tr`); what the domain says about itself (a change set's or a
finding's own zh/en text) is chosen with :func:`mapedit.ui.i18n.pick`.
"""

from __future__ import annotations

import getpass
import logging
from collections.abc import Callable

from PySide6.QtGui import QUndoCommand

from mapedit.errors import MapeditError
from mapedit.model.changes import ChangeSet
from mapedit.rules.findings import Finding
from mapedit.ui.i18n import pick, tr


def current_user() -> str:
    """Who made an edit, for the project's edit log (the Windows/Linux login name)."""
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name on some Windows setups
        return ""


log = logging.getLogger(__name__)


Notify = Callable[["ProjectCommand", "MapeditError | None"], None]


class ProjectCommand(QUndoCommand):
    """Base: remembers a refusal instead of raising through Qt, and reports every run."""

    def __init__(self, project, text: str) -> None:
        super().__init__(text)
        self.project = project
        self.error: MapeditError | None = None
        self.notify: Notify | None = None
        """Called after each redo/undo with the refusal or None (set by the controller)."""
        self._done_once = False
        self.last_run = ""
        """``redo`` or ``undo``: what the last run tried (the controller puts the stack back
        in step when an undo or a later redo was refused)."""
        self.skip_next_run = False
        """Set by the controller: the next redo/undo only moves the stack's index back to
        where the data is (the refused run changed nothing)."""

    @property
    def done_once(self) -> bool:
        """Whether the first redo succeeded (the command is on the stack)."""
        return self._done_once

    def _do(self) -> None:
        raise NotImplementedError

    def _undo(self) -> None:
        raise NotImplementedError

    def units(self) -> set[str]:
        """Units whose state this command changes (their rows and forms need a refresh)."""
        return set()

    def _report(self, exc: MapeditError | None) -> None:
        if self.notify is not None:
            self.notify(self, exc)

    def redo(self) -> None:
        if self.skip_next_run:
            self.skip_next_run = False
            return
        self.last_run = "redo"
        try:
            self._do()
        except MapeditError as exc:
            if self._done_once:  # a redo after undo failed: keep the stack but say so
                log.warning("redo refused: %s", exc)
            else:  # the first redo: the edit never happened, the stack drops it
                self.setObsolete(True)
            self.error = exc
            self._report(exc)
            return
        self.error = None
        self._done_once = True
        self._report(None)

    def undo(self) -> None:
        if self.skip_next_run:
            self.skip_next_run = False
            return
        self.last_run = "undo"
        try:
            self._undo()
        except MapeditError as exc:
            log.warning("undo refused: %s", exc)
            self.error = exc
            self._report(exc)
            return
        self.error = None
        self._report(None)


class ChangeSetCommand(ProjectCommand):
    """Apply a change set; undo applies the inverse of what was actually applied."""

    def __init__(self, project, changeset: ChangeSet, who: str = "",
                 allow_invalid: bool = False) -> None:
        super().__init__(project, pick(changeset.zh, changeset.en))
        self._pending = changeset
        self._applied: ChangeSet | None = None
        self.who = who
        self.allow_invalid = allow_invalid
        """For imports: bad shapes come in and are reported by the checker."""

    @property
    def changeset(self) -> ChangeSet:
        """The change set as last applied (fids filled), or as given before the first redo."""
        return self._applied if self._applied is not None else self._pending

    def units(self) -> set[str]:
        return {g.unit_code for ch in self.changeset.changes for g in (ch.before, ch.after)
                if g is not None and g.unit_code}

    def _do(self) -> None:
        if self.allow_invalid:
            self._applied = self.project.apply(self._pending, who=self.who, allow_invalid=True)
        else:
            self._applied = self.project.apply(self._pending, who=self.who)

    def _undo(self) -> None:
        if self._applied is None:
            return
        undone = self.project.apply(self._applied.inverse(), who=self.who)
        # Redo re-applies the inverse of the undo, so inserted grids keep their fids.
        self._pending = undone.inverse() if undone is not None else self._applied
        self._applied = None


class AcceptFindingCommand(ProjectCommand):
    """Mark a finding as an accepted exception (with the clerk's reason); undo withdraws it."""

    def __init__(self, project, finding: Finding, reason: str, who: str = "") -> None:
        title = pick(finding.message_zh, finding.message_en) or finding.rule
        super().__init__(project, tr("标记为例外:{0}").format(title))
        self.finding = finding
        self.reason = reason
        self.who = who

    def units(self) -> set[str]:
        return {self.finding.unit} if self.finding.unit else set()

    def _do(self) -> None:
        self.project.accept_finding(self.finding, self.reason, who=self.who)

    def _undo(self) -> None:
        self.project.unaccept(self.finding, who=self.who)


class UnacceptFindingCommand(ProjectCommand):
    """Withdraw an accepted exception, so the finding counts again; undo accepts it again
    with the reason it had. A separate command (not just "undo the accept") because the accept
    may be from an earlier session, long gone from the undo stack."""

    def __init__(self, project, finding: Finding, who: str = "") -> None:
        title = pick(finding.message_zh, finding.message_en) or finding.rule
        super().__init__(project, tr("撤销例外:{0}").format(title))
        self.finding = finding
        self.reason = finding.accept_reason or ""
        self.who = who

    def units(self) -> set[str]:
        return {self.finding.unit} if self.finding.unit else set()

    def _do(self) -> None:
        self.project.unaccept(self.finding, who=self.who)

    def _undo(self) -> None:
        # accept_finding insists on a reason; an exception accepted without one (imported,
        # older file) gets a placeholder rather than staying withdrawn after undo.
        self.project.accept_finding(self.finding, self.reason or tr("(撤销后恢复)"), who=self.who)


class LockUnitCommand(ProjectCommand):
    """Lock or unlock a management unit (a locked unit's grids refuse edits)."""

    def __init__(self, project, unit_code: str, locked: bool, unit_name: str = "",
                 who: str = "") -> None:
        name = unit_name or unit_code
        super().__init__(project, (tr("锁定管理单元 {0}") if locked
                                   else tr("解锁管理单元 {0}")).format(name))
        self.unit_code = unit_code
        self.locked = locked
        self.who = who
        """The clerk, for the edit log (locks are logged like edits)."""

    def units(self) -> set[str]:
        return {self.unit_code}

    def _do(self) -> None:
        self.project.set_unit_locked(self.unit_code, self.locked, who=self.who)

    def _undo(self) -> None:
        self.project.set_unit_locked(self.unit_code, not self.locked, who=self.who)
