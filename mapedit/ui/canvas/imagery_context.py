"""What the imagery renderers need to know besides the layer: the project's CRS and file, the
user's 天地图 key and the tile cache.

The canvas builds a renderer from the layer alone (``renderers.register_renderer(kind,
factory)``: ``factory(layer)``), but an image layer draws in the *project* CRS, reads embedded
tiles from the *project file*, and a Tianditu layer needs the *user's* key, which is never
stored in the project. The window (when it opens a project) and :func:`mapedit.ui.render
.render_map` (around the canvas it builds) set the current context; renderers take a copy when
they are made, so a later project does not change a layer already drawn.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class ImageryContext:
    crs: str = ""
    """The project CRS (map coordinates of the canvas)."""
    project_path: str | None = None
    """The project file (embedded imagery is read from it)."""
    tianditu_key: str | None = None
    """The user's key (``SettingsStore().tianditu_key()``); None: ``MAPEDIT_TIANDITU_KEY``."""
    tile_cache: Any = None
    """A :class:`mapedit.io.tile_fetch.TileCache` (None: the per-user cache folder)."""
    tile_timeout: float = 10.0
    """Seconds one tile request may take before it counts as failed."""

    def with_(self, **changes: Any) -> ImageryContext:
        return replace(self, **changes)


_current = ImageryContext()


def current() -> ImageryContext:
    return _current


def set_current(ctx: ImageryContext) -> None:
    global _current
    _current = ctx


@contextlib.contextmanager
def using(ctx: ImageryContext) -> Iterator[ImageryContext]:
    """Make ``ctx`` current for the block (render_map builds its canvas inside one)."""
    global _current
    before = _current
    _current = ctx
    try:
        yield ctx
    finally:
        _current = before


def for_project(project: Any, tianditu_key: str | None = None, **kw: Any) -> ImageryContext:
    """The context of an open :class:`mapedit.project.Project` (``tianditu_key``: the user's,
    from the settings; the GUI passes ``SettingsStore().tianditu_key()``)."""
    path = getattr(project, "path", None)
    return ImageryContext(crs=project.dataset.crs,
                          project_path=str(Path(path)) if path else None,
                          tianditu_key=tianditu_key or None, **kw)
