"""The bridge between the editing tools and the project controller.

Tools never talk to the project directly: an edit goes through :meth:`EditContext.push`, which
is :meth:`ProjectController.push_changeset` — the one push path, with its one refusal behaviour
(a notice near the map, in the interface language). Locks are not checked here: the project
refuses an edit in a locked unit, and :meth:`EditContext.check_editable` asks the project
before a drawing starts so the clerk learns it before drawing, not after. Keeping this in one
small object means each tool stays a few dozen lines.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mapedit.errors import MapeditError
from mapedit.model.changes import ChangeSet
from mapedit.model.settings import Settings

if TYPE_CHECKING:  # pragma: no cover
    from mapedit.model.dataset import Dataset
    from mapedit.project import Project
    from mapedit.ui.controller import ProjectController

STATUS_TIMEOUT_MS = 6000
"""How long a result message stays in the status bar."""


@dataclass
class EditContext:
    """What a tool needs: the canvas, the controller, and the window's hint line."""

    canvas: Any
    controller: ProjectController
    show_hint: Callable[[str], None] = lambda text: None
    """The persistent hint: what to do next with the active tool (already translated)."""

    # -- data ------------------------------------------------------------------------------
    @property
    def project(self) -> Project | None:
        return self.controller.project

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
        """A passing result in the status bar (timeout 0: the persistent hint instead)."""
        if timeout:
            self.controller.status.emit(text, timeout)
        else:
            self.hint(text)

    def hint(self, text: str) -> None:
        """A persistent hint: what to do next with the active tool."""
        self.show_hint(text)

    def refuse(self, err: MapeditError | str) -> None:
        """Why the clerk's input was not used: a notice near the map (the controller's one
        refusal behaviour)."""
        self.controller.refuse(err)

    def select_grids(self, fids: list[int]) -> None:
        """Select grids (new ones after an edit: the attribute form shows them)."""
        self.controller.select_grids(list(fids), "command")

    # -- editing ---------------------------------------------------------------------------
    def check_editable(self, unit_code: str | None) -> bool:
        """False (and a notice) when the project would refuse edits in ``unit_code``."""
        return self.controller.check_editable(unit_code)

    def push(self, changeset: ChangeSet | None) -> ChangeSet | None:
        """Apply ``changeset`` as one undoable command; returns it (fids filled), or None when
        there was nothing to do or it was refused (the clerk has been told)."""
        return self.controller.push_changeset(changeset)

    @contextmanager
    def macro(self, text: str) -> Iterator[None]:
        """Group several pushes (e.g. one split per crossed grid) into one undo step."""
        with self.controller.macro(text):
            yield

    def run(self, op: Callable[..., ChangeSet], *args: Any, **kwargs: Any) -> ChangeSet | None:
        """Call a geometry op and push its result; a refusal becomes a notice."""
        return self.controller.run(op, *args, **kwargs)


__all__ = ["EditContext", "STATUS_TIMEOUT_MS"]
