"""What an imagery layer's map item does whatever its kind (image file or tile service).

:class:`LayerImageItem` binds a :class:`~mapedit.ui.canvas.view_image.ViewImageItem` to one
layer of the stack: it makes the layer's picture maker, follows a change of the layer (a new
file, template or georeference means a new maker; a change of name or opacity does not), and
keeps the last error a clerk must read on the map. The kinds differ only in their maker and in
which layer fields make new pictures, so :mod:`raster_item` and :mod:`tile_item` say just that.
"""

from __future__ import annotations

from mapedit.errors import MapeditError
from mapedit.model.layers import Layer
from mapedit.ui.canvas.imagery_context import ImageryContext, current
from mapedit.ui.canvas.view_image import PictureMaker, ViewImageItem


class LayerImageItem(ViewImageItem):
    """An imagery layer on the map; subclasses give :meth:`make_pictures` and :meth:`layer_key`."""

    def __init__(self, layer: Layer, context: ImageryContext | None = None) -> None:
        self.context = context or current()
        super().__init__(self.make_pictures(layer))
        self.layer_id = layer.id
        self._key = self.layer_key(layer)
        self._error: tuple[str, str] | None = None

    def make_pictures(self, layer: Layer) -> PictureMaker:
        raise NotImplementedError

    @staticmethod
    def layer_key(layer: Layer) -> tuple:
        """The layer fields whose change means new pictures."""
        return (layer.source, repr(sorted(layer.options.items())))

    def set_layer(self, layer: Layer) -> None:
        """Follow a change of the layer: new pictures only when :meth:`layer_key` changed."""
        key = self.layer_key(layer)
        if key == self._key:
            return
        self._key = key
        self.layer_id = layer.id
        self._error = None
        self.set_maker(self.make_pictures(layer))

    def on_error(self, exc: BaseException) -> None:
        if isinstance(exc, MapeditError):
            self._error = (exc.zh, exc.en)
        super().on_error(exc)
