"""The bridge between the editing tools and the main window.

Tools never talk to the project directly: every edit goes through :meth:`EditContext.push`,
which refuses edits in locked units with a clear Chinese message and otherwise wraps the change
set in a :class:`~mapedit.ui.commands.ChangeSetCommand` on the window's undo stack. Keeping this
in one small object means each tool stays a few dozen lines, and tests can build a context around
a bare canvas without the whole window.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mapedit.errors import EditRefused, MapeditError
from mapedit.model.changes import ChangeSet
from mapedit.model.settings import Settings

if TYPE_CHECKING:  # pragma: no cover
    from PySide6.QtGui import QUndoStack

    from mapedit.model.dataset import Dataset
    from mapedit.project import Project

STATUS_TIMEOUT_MS = 6000
"""How long a refusal or result message stays in the status bar."""


@dataclass
class EditContext:
    """What a tool needs from the window: the canvas, the project, the undo stack, a way to
    talk to the clerk, and a way to show a grid in the attribute panel."""

    canvas: Any
    project_getter: Callable[[], Project | None]
    undo_stack: QUndoStack
    show_message: Callable[[str, int], None] = lambda text, timeout=0: None
    """Status-bar message (Chinese); timeout 0 keeps it until replaced."""
    select_grids: Callable[[list[int]], None] | None = None
    """Called with the fids of new grids after an edit (select them, open the attributes)."""
    command_factory: Callable[[Any, ChangeSet], Any] | None = None
    """Builds the undo command; defaults to :class:`mapedit.ui.commands.ChangeSetCommand`."""
    listeners: list[Callable[[ChangeSet], None]] = field(default_factory=list)

    # -- data ------------------------------------------------------------------------------
    @property
    def project(self) -> Project | None:
        return self.project_getter()

    @property
    def dataset(self) -> Dataset | None:
        p = self.project
        return p.dataset if p is not None else None

    @property
    def settings(self) -> Settings:
        ds = self.dataset
        return ds.settings if ds is not None else Settings()

    def snap_tolerance_m(self) -> float:
        """Snap radius in metres: the project's ``Settings.snap_pixels`` screen pixels at the
        current zoom, so snapping feels the same at street scale and in one courtyard."""
        try:
            px = float(self.canvas.pixel_size())
        except Exception:  # noqa: BLE001 - a canvas without a view yet
            px = 1.0
        return max(px, 1e-9) * max(int(self.settings.snap_pixels), 0)

    def unit_at(self, x: float, y: float) -> str | None:
        """Unit under a map point: the canvas's hit-test index, else a query of the data."""
        fn = getattr(self.canvas, "unit_at", None)
        code = fn(x, y) if callable(fn) else None
        if code is None and self.dataset is not None:
            from mapedit.ui.tools.locate import unit_at

            code = unit_at(self.dataset, x, y)
        return code

    def grid_at(self, x: float, y: float) -> int | None:
        fn = getattr(self.canvas, "grid_at", None)
        fid = fn(x, y) if callable(fn) else None
        if fid is None and self.dataset is not None:
            from mapedit.ui.tools.locate import grid_at

            fid = grid_at(self.dataset, x, y)
        return fid

    def overlay(self) -> Any:
        """The canvas's tool overlay (rubber band and snap marker)."""
        get = getattr(self.canvas, "overlay", None)
        return get() if callable(get) else self.canvas

    # -- talking to the clerk -------------------------------------------------------------
    def message(self, text: str, timeout: int = STATUS_TIMEOUT_MS) -> None:
        self.show_message(text, timeout)

    def hint(self, text: str) -> None:
        """A persistent hint: what to do next with the active tool."""
        self.show_message(text, 0)

    def refuse(self, err: MapeditError | str) -> None:
        text = err.zh if isinstance(err, MapeditError) else str(err)
        self.message(f"⚠ {text}")

    # -- editing ---------------------------------------------------------------------------
    def locked_units(self, changeset: ChangeSet) -> list[str]:
        """Codes of locked units the change set would touch (before or after)."""
        ds = self.dataset
        if ds is None:
            return []
        out: list[str] = []
        for ch in changeset.changes:
            for g in (ch.before, ch.after):
                if g is None:
                    continue
                unit = ds.units.get(g.unit_code)
                if unit is not None and unit.locked and unit.code not in out:
                    out.append(unit.code)
        return out

    def unit_locked_message(self, code: str) -> str:
        ds = self.dataset
        unit = ds.units.get(code) if ds is not None else None
        name = f"“{unit.name}”({code})" if unit is not None else code
        return (f"管理单元{name}已锁定,不能修改。如需修改,请先在“编辑”菜单中选择"
                f"“解锁管理单元”。")

    def check_unit_unlocked(self, unit_code: str | None) -> bool:
        """False (and a message) when the clerk starts editing in a locked unit, so they learn
        it before drawing, not after."""
        ds = self.dataset
        if ds is None or not unit_code:
            return True
        unit = ds.units.get(unit_code)
        if unit is not None and unit.locked:
            self.message(f"⚠ {self.unit_locked_message(unit_code)}")
            return False
        return True

    def push(self, changeset: ChangeSet | None) -> ChangeSet | None:
        """Apply ``changeset`` as one undoable command; returns it, or None when refused.

        The lock is checked here as well as in the project so the clerk gets the Chinese
        explanation in the status bar rather than a dialog from deep inside the store.
        """
        if changeset is None or not changeset:
            self.message("没有需要修改的内容。")
            return None
        if self.project is None:
            self.message("请先打开一个项目。")
            return None
        locked = self.locked_units(changeset)
        if locked:
            self.message(f"⚠ {self.unit_locked_message(locked[0])}")
            return None
        factory = self.command_factory
        if factory is None:
            from mapedit.ui.commands import ChangeSetCommand

            factory = ChangeSetCommand
        cmd = factory(self.project, changeset)
        try:
            self.undo_stack.push(cmd)
        except MapeditError as err:  # pragma: no cover - project refused after our checks
            self.refuse(err)
            return None
        failure = getattr(cmd, "error", None)
        if isinstance(failure, MapeditError):
            self.refuse(failure)
            return None
        applied = getattr(cmd, "changeset", None) or changeset
        new = [c.after.fid for c in applied.changes
               if c.before is None and c.after is not None and c.after.fid is not None]
        for fn in self.listeners:
            fn(applied)
        if new and self.select_grids is not None:
            self.select_grids(new)
        self.message(f"已{changeset.zh}(可按 Ctrl+Z 撤销)")
        return applied

    @contextmanager
    def macro(self, text: str) -> Iterator[None]:
        """Group several pushes (e.g. one split per crossed grid) into one undo step."""
        self.undo_stack.beginMacro(text)
        try:
            yield
        finally:
            self.undo_stack.endMacro()

    def run(self, op: Callable[..., ChangeSet], *args: Any, **kwargs: Any) -> ChangeSet | None:
        """Call a geometry op and push its result; a refusal becomes a status-bar message."""
        try:
            cs = op(*args, **kwargs)
        except MapeditError as err:
            self.refuse(err)
            return None
        return self.push(cs)


__all__ = ["EditContext", "EditRefused", "STATUS_TIMEOUT_MS"]
