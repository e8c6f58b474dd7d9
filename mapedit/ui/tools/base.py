"""The base class of map tools: the canvas's :class:`~mapedit.ui.canvas.tool.MapTool` protocol
with do-nothing hooks and the start/finish/cancel signals.

A tool only sees what it needs, already converted to map (metric CRS) coordinates, so tools are
testable without pixels and never touch Qt items. A tool is a small state machine: ``start`` when its first input arrives, ``finish`` when it
produced its result, ``cancel`` to drop work in progress (Esc always cancels: the canvas calls
``cancel`` when ``key_press`` does not handle Esc itself).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal

if TYPE_CHECKING:  # typing only: the tools sit above the canvas
    from mapedit.ui.canvas.canvas import MapCanvas
    from mapedit.ui.canvas.items import ToolOverlay


class ToolBase(QObject):
    """Base class for map tools (implements :class:`mapedit.ui.canvas.tool.MapTool`).
    Subclasses override the ``mouse_*``/``key_press`` hooks and call
    ``start``/``finish``/``cancel``; the default hooks do nothing."""

    started = Signal()
    finished = Signal()
    cancelled = Signal()

    name: str = "tool"
    cursor: Qt.CursorShape = Qt.CursorShape.CrossCursor

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.canvas: MapCanvas | None = None
        self.in_progress = False

    # -- life cycle (called by the canvas) ---------------------------------------------------
    def activate(self, canvas: MapCanvas) -> None:
        """The tool became the canvas's active tool."""
        self.canvas = canvas

    def deactivate(self) -> None:
        """Another tool (or none) replaced this one: drop work in progress and the overlay."""
        if self.in_progress:
            self.cancel()
        if self.canvas is not None:
            self.canvas.overlay().clear_overlay()
        self.canvas = None

    # -- events in map coordinates -----------------------------------------------------------
    def mouse_press(self, x: float, y: float, button: Qt.MouseButton,
                    modifiers: Qt.KeyboardModifier) -> None:
        pass

    def mouse_move(self, x: float, y: float, modifiers: Qt.KeyboardModifier) -> None:
        pass

    def mouse_release(self, x: float, y: float, button: Qt.MouseButton,
                      modifiers: Qt.KeyboardModifier) -> None:
        pass

    def mouse_double_click(self, x: float, y: float, button: Qt.MouseButton,
                           modifiers: Qt.KeyboardModifier) -> None:
        pass

    def key_press(self, key: int, modifiers: Qt.KeyboardModifier) -> bool:
        """Return True when the key was handled. Unhandled Esc makes the canvas cancel."""
        return False

    def wants_key(self, key: int, modifiers: Qt.KeyboardModifier) -> bool:
        """Keys the tool needs right now even if a window shortcut uses them (the canvas
        accepts the shortcut override for them). Default: Esc while work is in progress."""
        return key == Qt.Key.Key_Escape and self.in_progress

    # -- state -------------------------------------------------------------------------------
    def start(self) -> None:
        self.in_progress = True
        self.started.emit()

    def finish(self) -> None:
        self.in_progress = False
        if self.canvas is not None:
            self.canvas.overlay().clear_overlay()
        self.finished.emit()

    def cancel(self) -> None:
        self.in_progress = False
        if self.canvas is not None:
            self.canvas.overlay().clear_overlay()
        self.cancelled.emit()

    # -- helpers -----------------------------------------------------------------------------
    def overlay(self) -> ToolOverlay:
        assert self.canvas is not None, "tool is not active"
        return self.canvas.overlay()

    def snap_tolerance(self) -> float:
        """Snapping radius in metres at the current zoom (settings: ``snap_pixels``)."""
        assert self.canvas is not None, "tool is not active"
        return self.canvas.snap_tolerance()
