"""Imagery layers on the canvas: the raster and tile renderers, registered for their kinds.

The canvas draws every layer of ``dataset.layers`` through the renderer registered for its
kind (:mod:`mapedit.ui.canvas.renderers`); importing this module registers
:class:`~mapedit.ui.canvas.raster_item.RasterRenderer` for ``raster`` and
:class:`~mapedit.ui.canvas.tile_item.TileRenderer` for ``tiles``. :func:`imagery_items` gives
the items of a canvas's imagery layers (offscreen rendering prepares their pictures).
"""

from __future__ import annotations

from mapedit.model.layers import RASTER, TILES
from mapedit.ui.canvas.raster_item import RasterRenderer
from mapedit.ui.canvas.tile_item import TileRenderer
from mapedit.ui.canvas.view_image import ViewImageItem

IMAGERY_KINDS = (RASTER, TILES)
RENDERERS = {RASTER: RasterRenderer, TILES: TileRenderer}


def register() -> bool:
    """Register the imagery renderers with the canvas's registry (idempotent); False when
    this canvas has no registry (then :func:`attach` draws them)."""
    try:
        from mapedit.ui.canvas.renderers import register_renderer
    except ImportError:
        return False
    for kind, factory in RENDERERS.items():
        register_renderer(kind, factory)
    return True


def imagery_items(canvas) -> dict[str, ViewImageItem]:
    """Layer id → item, for the imagery layers the canvas draws."""
    out: dict[str, ViewImageItem] = {}
    for layer_id in canvas.layer_names():
        item = canvas.layer_item(layer_id)
        if isinstance(item, ViewImageItem):
            out[layer_id] = item
    out.update(getattr(canvas, "_attached_imagery", {}))
    return out


def attach(canvas, stack) -> dict[str, ViewImageItem]:
    """For a canvas without a renderer registry: draw the stack's imagery layers under every
    other layer, in the stack's order (not following later changes)."""
    if register():
        return {}
    items: dict[str, ViewImageItem] = {}
    imagery = [ly for ly in stack if ly.kind in IMAGERY_KINDS]
    for n, layer in enumerate(imagery):
        item = RENDERERS[layer.kind](layer).item
        item.setZValue(-len(imagery) + n)
        item.setVisible(bool(layer.visible))
        item.setOpacity(float(layer.opacity))
        canvas.viewbox.addItem(item, ignoreBounds=True)
        items[layer.id] = item
    canvas._attached_imagery = items
    return items


register()
