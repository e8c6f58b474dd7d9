"""Common ground of the editing tools: the edit context, snapping and the hint.

Every editing tool is a :class:`~mapedit.ui.tools.base.ToolBase` (the canvas drives it with
mouse and key events in map coordinates). This subclass adds what all editing tools share so
each concrete tool only says what a click means: a status-bar hint telling the clerk what to do
next, a :class:`Snapper`, and ``wants_key`` so keys the tool uses while drawing (Backspace,
Ctrl+Z, Delete, Enter) reach it before the window's shortcuts do.

``title`` and ``hint`` are class attributes marked with :func:`~mapedit.ui.i18n.N_` and
translated where they are shown (:meth:`EditTool.hint_text`, the toolbar).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from mapedit.ui.i18n import N_, tr
from mapedit.ui.tools.base import ToolBase
from mapedit.ui.tools.context import EditContext
from mapedit.ui.tools.snapping import Snapper


class EditTool(ToolBase):
    """Base of the editing tools (``name``, ``title``, ``shortcut``, ``hint``)."""

    name = "edit"
    title = N_("编辑")
    shortcut = ""
    hint = ""
    snap_layers: tuple[str, ...] | None = None

    def __init__(self, ctx: EditContext) -> None:
        super().__init__(None)
        self.ctx = ctx
        self.snapper = Snapper(ctx, layers=self.snap_layers)

    def hint_text(self) -> str:
        """The tool's hint in the interface language."""
        return tr(self.hint) if self.hint else ""

    def show_hint(self) -> None:
        self.ctx.hint(self.hint_text())

    # -- lifecycle -------------------------------------------------------------------------
    def activate(self, canvas: Any) -> None:
        super().activate(canvas)
        self.show_hint()

    def deactivate(self) -> None:
        if self.busy:
            self.cancel()
        self.snapper.clear()
        super().deactivate()

    def reset(self) -> None:
        """Drop work in progress without signalling (subclasses clear their state)."""

    def cancel(self) -> None:
        self.reset()
        self.ctx.overlay().clear_overlay()
        super().cancel()

    def finish(self) -> None:
        self.reset()
        super().finish()

    @property
    def busy(self) -> bool:
        """True while the tool holds unfinished input (points of a sketch, a drag)."""
        return False

    def wants_key(self, key: int, modifiers: Any) -> bool:
        """Keys this tool handles itself right now, overriding window shortcuts."""
        if key == Qt.Key.Key_Escape:
            return self.busy
        return False


def is_ctrl(modifiers: Any) -> bool:
    try:
        return bool(modifiers & Qt.KeyboardModifier.ControlModifier)
    except TypeError:
        return False


def is_key(event_key: Any, *keys: Qt.Key) -> bool:
    try:
        k = int(event_key)
    except TypeError:
        k = int(getattr(event_key, "value", -1))
    return any(k == int(getattr(x, "value", x)) for x in keys)
