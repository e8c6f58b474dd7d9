"""The map-tool protocol: what the canvas needs from the active tool.

The canvas owns navigation and selection; while a tool is active it hands the tool the input
in map (metric CRS) coordinates, so tools are testable without pixels and never touch Qt items.
While a tool is active, left-drag no longer pans (the tool gets the press/move/release), but
the middle button and the wheel still navigate, so a clerk can pan in the middle of drawing.

The protocol lives here, beside the canvas, and the tools (``mapedit.ui.tools``) implement it:
the canvas imports nothing from the tools, so the dependency points one way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:  # pragma: no cover
    from PySide6.QtCore import Qt

    from mapedit.ui.canvas.canvas import MapCanvas


@runtime_checkable
class MapTool(Protocol):
    """A map tool as the canvas drives it. ``activate`` when it becomes the canvas's tool,
    ``deactivate`` when another (or none) replaces it; ``cancel`` drops work in progress (the
    canvas calls it for an Esc the tool did not handle)."""

    cursor: Qt.CursorShape

    def activate(self, canvas: MapCanvas) -> None: ...

    def deactivate(self) -> None: ...

    def cancel(self) -> None: ...

    def mouse_press(self, x: float, y: float, button: Any, modifiers: Any) -> Any: ...

    def mouse_move(self, x: float, y: float, modifiers: Any) -> Any: ...

    def mouse_release(self, x: float, y: float, button: Any, modifiers: Any) -> Any: ...

    def mouse_double_click(self, x: float, y: float, button: Any, modifiers: Any) -> Any: ...

    def key_press(self, key: int, modifiers: Any) -> bool:
        """True when the key was handled."""
        ...

    def wants_key(self, key: int, modifiers: Any) -> bool:
        """Keys the tool needs right now even if a window shortcut uses them."""
        ...
