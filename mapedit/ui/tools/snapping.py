"""Snapping for the editing tools: screen-pixel tolerance, visible marker, Shift to disable.

The geometry (which vertex or segment is nearest, vertex before segment) is decided by
:func:`mapedit.model.geometry_ops.snap_point`; this module only turns the clerk's zoom level into
a tolerance in metres, remembers what was snapped (the trace tool needs the ring) and shows the
marker, so every tool snaps the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt

from mapedit.ui.tools.context import EditContext

EDIT_SNAP_LAYERS: tuple[str, ...] = ("units", "grids", "roads", "buildings", "villager_groups")
"""What the drawing tools snap to: unit boundaries, grids and the base layers clerks follow
(roads, buildings, villager groups)."""


@dataclass
class Snap:
    """Where a click lands after snapping. ``kind`` is ``vertex``, ``segment`` or ``none``;
    ``raw`` is what the geometry op returned (kept for tracing and vertex insertion)."""

    x: float
    y: float
    kind: str = "none"
    raw: Any = None

    @property
    def snapped(self) -> bool:
        return self.kind in ("vertex", "segment")

    @property
    def xy(self) -> tuple[float, float]:
        return (self.x, self.y)


def _normalise(result: Any, x: float, y: float) -> Snap:
    """Accept what the geometry op returns (an object with x/y/kind, a tuple, or None)."""
    if result is None:
        return Snap(x, y)
    if isinstance(result, Snap):
        return result
    if isinstance(result, dict):
        kind = str(result.get("kind") or "none")
        return Snap(float(result["x"]), float(result["y"]), kind, result)
    if isinstance(result, tuple):
        if len(result) >= 3:
            return Snap(float(result[0]), float(result[1]), str(result[2] or "none"), result)
        return Snap(float(result[0]), float(result[1]), "vertex", result)
    kind = str(getattr(result, "kind", "none") or "none")
    if kind in ("", "None"):
        kind = "none"
    return Snap(float(result.x), float(result.y), kind, result)


def shift_held(modifiers: Any) -> bool:
    try:
        return bool(modifiers & Qt.KeyboardModifier.ShiftModifier)
    except TypeError:
        return False


class Snapper:
    """Snaps map points for one tool and keeps the canvas marker in step."""

    def __init__(self, ctx: EditContext, *, layers: tuple[str, ...] | None = None) -> None:
        self.ctx = ctx
        self.layers = layers
        self.enabled = True
        self.last: Snap | None = None

    def snap(self, x: float, y: float, modifiers: Any = None, *, show: bool = True,
             **kwargs: Any) -> Snap:
        """Snap ``(x, y)``; Shift held (or snapping switched off) returns the point as is."""
        ds = self.ctx.dataset
        if ds is None or not self.enabled or shift_held(modifiers):
            snap = Snap(x, y)
        else:
            from mapedit.model.geometry_ops import snap_point

            extra = dict(kwargs)
            if self.layers is not None and "layers" not in extra:
                extra["layers"] = self.layers
            try:
                result = snap_point(ds, x, y, self.ctx.snap_tolerance_m(), **extra)
            except TypeError:
                extra.pop("layers", None)
                result = snap_point(ds, x, y, self.ctx.snap_tolerance_m(), **extra)
            snap = _normalise(result, x, y)
        self.last = snap
        if show:
            self.show(snap)
        return snap

    def show(self, snap: Snap | None) -> None:
        overlay = self.ctx.overlay()
        if snap is None or not snap.snapped:
            overlay.set_snap_marker(None)
        else:
            overlay.set_snap_marker(snap.x, snap.y, snap.kind)

    def clear(self) -> None:
        self.last = None
        try:
            self.ctx.overlay().set_snap_marker(None, None, None)
        except Exception:  # noqa: BLE001 - canvas being torn down
            pass
