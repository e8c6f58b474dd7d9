"""Layer kind → renderer: how the canvas draws each entry of the dataset's layer stack.

The stack (:mod:`mapedit.model.layers`) says *what* is on the map; a renderer turns one layer
into one batched graphics item. The canvas looks the layer's kind up in :data:`RENDERERS`,
adds the renderer's ``item`` to the map at the layer's position, and calls ``update`` when the
stack reports a change of the layer's data or style (visibility, opacity and order the canvas
applies to the item itself).

Adding a renderer for a new kind (imagery, a tile service) is one class and one line::

    class RasterRenderer:
        def __init__(self, layer: Layer) -> None:
            self.item = MyRasterItem()      # a QGraphicsObject in map coordinates (metres)
            self.update(layer)

        def update(self, layer: Layer) -> None:
            self.item.set_source(layer.options["path"], layer.options["transform"])

    register_renderer(RASTER, RasterRenderer)

The item gets its z-value, visibility and opacity from the canvas; it must draw in the
project CRS (map metres, y up) and must not take mouse events. A layer whose kind has no
renderer is listed in the layer panel but not drawn (and logged once).

Project layers (grids, units, responsibility grids, labels, findings) are rendered by the same
registry; their items are filled by the canvas from the dataset's hierarchy rather than from
``layer.data``, because they follow every edit (``refresh_grids``, ``set_findings``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np
import pyqtgraph as pg
import shapely

from mapedit.model.layers import (
    FINDINGS,
    GRIDS,
    LABELS,
    RESPONSIBILITY_GRIDS,
    UNITS,
    VECTOR,
    Layer,
)
from mapedit.ui.canvas import style as S
from mapedit.ui.canvas.items import FindingsLayer, LabelLayer, PointLayer
from mapedit.ui.canvas.tiled import Style, TiledLayer


class Renderer(Protocol):
    """Draws one layer: ``item`` is on the map; ``update`` re-reads the layer."""

    item: pg.GraphicsObject

    def update(self, layer: Layer) -> None: ...


RendererFactory = Callable[[Layer], Renderer]
RENDERERS: dict[str, RendererFactory] = {}
"""Layer kind → renderer class (or any callable taking the layer)."""


def register_renderer(kind: str, factory: RendererFactory) -> None:
    """Draw layers of ``kind`` with ``factory(layer)`` from now on (replaces an earlier one)."""
    RENDERERS[kind] = factory


def renderer_for(layer: Layer) -> Renderer | None:
    factory = RENDERERS.get(layer.kind)
    return factory(layer) if factory is not None else None


# -- vector base layers ----------------------------------------------------------------------

OTHER_STYLES = [Style(S.cosmetic_pen("#757575", 1.0), None)]


def _role_item(layer: Layer) -> pg.GraphicsObject:
    role = layer.role or "other"
    if role == "pois":
        return PointLayer()
    if role == "water":
        return TiledLayer(layer.id, S.WATER_STYLES)
    if role == "buildings":
        return TiledLayer(layer.id, S.BUILDING_STYLES, max_px=S.BUILDINGS_MAX_PX)
    if role == "roads":
        return TiledLayer(layer.id, S.road_styles())
    if role == "villager_groups":
        return TiledLayer(layer.id, S.VILLAGER_GROUP_STYLES, max_px=S.VILLAGER_GROUPS_MAX_PX)
    if role == "committees":
        # thousands of outlines: the raster pyramid at overview scales
        return TiledLayer(layer.id, S.COMMITTEE_STYLES, raster_overview=True)
    return TiledLayer(layer.id, OTHER_STYLES)


class VectorRenderer:
    """A vector base layer, styled by its role (roads by class, POIs as points)."""

    def __init__(self, layer: Layer) -> None:
        self.role = layer.role
        self.item = _role_item(layer)
        self.update(layer)

    def update(self, layer: Layer) -> None:
        if layer.role != self.role:  # a new role is a new look: the canvas rebuilds the item
            raise RoleChanged
        data = layer.data
        n = len(data) if data is not None else 0
        if isinstance(self.item, PointLayer):
            if not n:
                self.item.set_points(np.empty((0, 2)), [])
                return
            pts = shapely.point_on_surface(data.geometries)
            self.item.set_points(shapely.get_coordinates(pts),
                                 [str(k or "") for k in data.column("kind")])
            return
        if not n:
            self.item.set_features([], np.empty(0, dtype=object), [])
            return
        if layer.role == "roads":
            styles = [S.road_class_index(c) for c in data.column("class")]
        else:
            styles = np.zeros(n, dtype=np.int32)
        self.item.set_features(range(n), data.geometries, styles)


class RoleChanged(Exception):
    """Raised by :meth:`VectorRenderer.update` when the layer's role changed (new item)."""


# -- the project's own layers -----------------------------------------------------------------

class ProjectRenderer:
    """Grids, units, responsibility grids, labels or findings: the item only; the canvas
    fills it from the dataset and keeps it current after edits."""

    def __init__(self, layer: Layer) -> None:
        self.item = _project_item(layer.kind)

    def update(self, layer: Layer) -> None:
        pass


def _project_item(kind: str) -> pg.GraphicsObject:
    if kind == GRIDS:
        return TiledLayer("grids", S.grid_category_styles(), raster_overview=True)
    if kind == UNITS:
        return TiledLayer("units", S.unit_styles(), raster_overview=True)
    if kind == RESPONSIBILITY_GRIDS:
        return TiledLayer("responsibility_grids", S.RESPONSIBILITY_STYLES, raster_overview=True)
    if kind == LABELS:
        return LabelLayer()
    if kind == FINDINGS:
        return FindingsLayer()
    raise ValueError(f"not a project layer kind: {kind}")


register_renderer(VECTOR, VectorRenderer)
for _kind in (GRIDS, UNITS, RESPONSIBILITY_GRIDS, LABELS, FINDINGS):
    register_renderer(_kind, ProjectRenderer)

__all__ = ["RENDERERS", "ProjectRenderer", "Renderer", "RoleChanged", "VectorRenderer",
           "register_renderer", "renderer_for"]
