"""A line or ring the clerk is clicking in: points, snapping, tracing, rubber band.

Drawing a grid and drawing a split line feel the same (labelme-like): a click adds a vertex,
Backspace or Ctrl+Z removes the last one, the rubber band follows the mouse. This class holds
that shared behaviour so the draw and split tools only decide what to do with the finished
coordinates.
"""

from __future__ import annotations

from mapedit.errors import MapeditError
from mapedit.ui.i18n import tr
from mapedit.ui.tools.context import EditContext
from mapedit.ui.tools.snapping import Snap, Snapper


class Sketch:
    """Clicked points of one polygon (``closed``) or polyline being drawn."""

    def __init__(self, ctx: EditContext, snapper: Snapper, *, closed: bool) -> None:
        self.ctx = ctx
        self.snapper = snapper
        self.closed = closed
        self.points: list[tuple[float, float]] = []
        self.clicks: list[Snap] = []
        """The clicked (snapped) points; traced vertices in between are in ``points`` only."""
        self.cursor: tuple[float, float] | None = None
        self._segments: list[int] = []
        """Number of points each click added (a traced click adds several), for Backspace."""

    def __len__(self) -> int:
        return len(self.points)

    @property
    def active(self) -> bool:
        return bool(self.points)

    def reset(self) -> None:
        self.points.clear()
        self.clicks.clear()
        self._segments.clear()
        self.cursor = None
        self.snapper.clear()
        self.ctx.overlay().clear_overlay()

    def add(self, snap: Snap, *, trace: bool = False) -> int:
        """Add a clicked point; with ``trace`` and both ends snapped, the vertices of the edge
        between the previous click and this one are added too. Returns the points added."""
        added: list[tuple[float, float]] = []
        if trace and self.clicks and self.clicks[-1].snapped and snap.snapped:
            added.extend(self._trace(self.clicks[-1], snap))
        added.append(snap.xy)
        prev = self.points[-1] if self.points else None
        new = []
        for p in added:
            if prev is not None and _same(p, prev):
                continue
            new.append(p)
            prev = p
        self.points.extend(new)
        self.clicks.append(snap)
        self._segments.append(len(new))
        self.update_band()
        return len(new)

    def _trace(self, a: Snap, b: Snap) -> list[tuple[float, float]]:
        """Intermediate vertices along the line both snaps lie on (the previous click's line
        first, then this click's); when they share none, tracing quietly falls back to a
        straight segment and says so."""
        from mapedit.model.geometry_ops import trace_path

        tol = max(self.ctx.settings.noding_precision_m * 10, 1e-6)
        for line in _lines(a, b):
            try:
                path = trace_path(line, a.xy, b.xy, tol)
            except MapeditError:
                continue
            coords = [(float(p[0]), float(p[1])) for p in path]
            return coords[1:-1]  # the ends are the clicks themselves
        self.ctx.message(tr("这两个点不在同一条边线上,已按直线连接。"))
        return []

    def pop(self) -> bool:
        """Remove the last click (and whatever it traced); False when nothing was left."""
        if not self._segments:
            return False
        n = self._segments.pop()
        self.clicks.pop()
        if n:
            del self.points[-n:]
        self.update_band()
        return True

    def move(self, snap: Snap) -> None:
        self.cursor = snap.xy
        self.update_band()

    def coords(self) -> list[tuple[float, float]]:
        return list(self.points)

    def update_band(self) -> None:
        coords = list(self.points)
        if self.cursor is not None and coords:
            coords.append(self.cursor)
        if not coords:
            self.ctx.overlay().set_rubber_band([], self.closed)
            return
        self.ctx.overlay().set_rubber_band(coords, self.closed and len(coords) >= 3)

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"Sketch({self.points!r}, closed={self.closed})"


def _lines(a: Snap, b: Snap) -> list:
    out = []
    for s in (a, b):
        line = getattr(s.raw, "line", None)
        if line is not None and all(line is not o for o in out):
            out.append(line)
    return out


def _same(a: tuple[float, float], b: tuple[float, float], eps: float = 1e-9) -> bool:
    return abs(a[0] - b[0]) <= eps and abs(a[1] - b[1]) <= eps


__all__ = ["Sketch"]
