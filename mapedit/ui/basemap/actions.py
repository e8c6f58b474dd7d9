"""The base-map entries of one window: 文件 → 添加图层… and 配准纸质地图…, the imagery context
of the open project, and what the map's imagery layers report (a failed tile, a moved image)
shown in the status bar and the layer panel.

Like ``ui/sheets/actions.py`` this keeps the window to a few lines: it creates one
:class:`BasemapActions`, adds its actions to the 文件 menu, and calls :meth:`project_opened`
before the canvas draws a project.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget


class BasemapActions(QObject):
    def __init__(self, parent: QWidget, controller, settings) -> None:
        super().__init__(parent)
        self.window = parent
        self.controller = controller
        self.settings = settings
        self.act_add_layer = QAction(self.tr("添加图层…"), parent)
        self.act_add_layer.setShortcut("Ctrl+Shift+A")
        tip = self.tr("添加矢量文件(Shapefile、CAD 图纸…)、影像、在线瓦片或离线瓦片作为底图")
        self.act_add_layer.setStatusTip(tip)
        self.act_add_layer.setToolTip(tip)
        self.act_add_layer.triggered.connect(lambda _c=False: self.add_layer())
        self.act_georef = QAction(self.tr("配准纸质地图…"), parent)
        tip = self.tr("把城运中心纸质地图的照片或扫描件对到地图上,再照着描绘微网格")
        self.act_georef.setStatusTip(tip)
        self.act_georef.setToolTip(tip)
        self.act_georef.triggered.connect(lambda _c=False: self.georeference())
        self._watched: set[int] = set()
        self._stack = None
        self.update()

    @property
    def actions(self) -> list[QAction]:
        return [self.act_add_layer, self.act_georef]

    def add_to(self, menu) -> None:
        for act in self.actions:
            menu.addAction(act)

    def update(self) -> None:
        has = getattr(self.controller, "project", None) is not None
        for act in self.actions:
            act.setEnabled(has)

    # -- the open project ------------------------------------------------------------------------
    def project_opened(self, project) -> None:
        """Before the canvas draws ``project``: its CRS, its file (embedded imagery) and the
        user's 天地图 key become the imagery context; the map's imagery layers are watched."""
        from mapedit.ui.canvas import imagery_context

        if self._stack is not None:
            self._stack.unsubscribe(self._on_layer_event)
            self._stack = None
        self._watched.clear()
        if project is not None:
            imagery_context.set_current(imagery_context.for_project(
                project, tianditu_key=self.settings.tianditu_key() or None))
            self._stack = project.dataset.layers
            self._stack.subscribe(self._on_layer_event)
        self.update()

    def watch_imagery(self) -> None:
        """Connect the status of every imagery item on the map (failed tiles, moved files)."""
        from mapedit.ui.canvas.imagery import imagery_items

        canvas = getattr(self.window, "canvas", None)
        if canvas is None:
            return
        for layer_id, item in imagery_items(canvas).items():
            if id(item) in self._watched:
                continue
            self._watched.add(id(item))
            item.statusChanged.connect(
                lambda text, lid=layer_id: self._status(lid, text))

    def _on_layer_event(self, event) -> None:
        if event.type == "inserted" and event.layer.kind in ("raster", "tiles"):
            # the canvas hears of the layer after us: watch its item once it exists
            QTimer.singleShot(0, self.watch_imagery)

    def _status(self, layer_id: str, text: str) -> None:
        panel = getattr(self.window, "layers", None)
        if panel is not None and hasattr(panel, "set_layer_status"):
            panel.set_layer_status(layer_id, text)
        if text:
            stack = getattr(getattr(self.controller, "project", None), "dataset", None)
            name = layer_id
            if stack is not None and layer_id in stack.layers:
                from mapedit.ui.i18n import is_chinese

                name = stack.layers[layer_id].label("zh" if is_chinese() else "en")
            self.window.statusBar().showMessage(f"{name}: {text}", 10000)

    # -- the windows -----------------------------------------------------------------------------
    def add_layer(self, source: str | None = None):
        from mapedit.ui.basemap.add_layer import AddLayerDialog

        project = self.controller.project
        if project is None:
            return None
        dlg = AddLayerDialog(project, self.settings, self.window, source=source)
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        dlg.layerAdded.connect(self._added)
        dlg.show()
        return dlg

    def georeference(self, image: str | None = None):
        from mapedit.ui.basemap.georef_window import GeorefWindow

        project = self.controller.project
        if project is None:
            return None
        win = GeorefWindow(project, image, self.window)
        win.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        win.saved.connect(self._added)
        win.show()
        if image is None:
            win.choose_image()
        return win

    def adjust_georeference(self, layer_id: str):
        """图层 → 调整配准…: the georeferencing window on a saved layer, points restored."""
        from mapedit.ui.basemap.georef_window import open_for_layer

        win = open_for_layer(self.controller.project, layer_id, self.window)
        if win is not None:
            win.saved.connect(self._added)
        return win

    def offer_base_layers(self):
        """After 文件 → 新建: the next step, bringing in the street's own map (non-modal; the
        clerk may also close it and add layers later from the 文件 menu)."""
        from mapedit.ui.basemap.first_layers import BaseLayersStep

        if self.controller.project is None:
            return None
        step = BaseLayersStep(self, self.window)
        step.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        step.show()
        self.next_step = step
        return step

    def _added(self, layer) -> None:
        """A new layer: watched, and framed when the map shows nothing of it."""
        self.watch_imagery()
        canvas = getattr(self.window, "canvas", None)
        ext = getattr(layer, "extent", None)
        if canvas is None or not ext:
            return
        x0, y0, x1, y1 = canvas.view_bounds()
        vx0, vx1 = min(x0, x1), max(x0, x1)
        vy0, vy1 = min(y0, y1), max(y0, y1)
        if ext[2] < vx0 or ext[0] > vx1 or ext[3] < vy0 or ext[1] > vy1:
            canvas.zoom_to_bounds(*ext)
