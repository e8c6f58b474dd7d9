"""The map canvas: batched layer items, navigation, selection and tool routing."""

from mapedit.ui.canvas import imagery as _imagery  # noqa: F401 - registers raster/tile renderers
from mapedit.ui.canvas.canvas import MapCanvas

__all__ = ["MapCanvas"]
