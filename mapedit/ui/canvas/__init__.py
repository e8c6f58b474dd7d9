"""The map canvas: batched layer items, navigation, selection and tool routing."""

from mapedit.ui.canvas.canvas import MapCanvas

__all__ = ["MapCanvas"]
