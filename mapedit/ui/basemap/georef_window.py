"""文件 → 配准纸质地图: tie a photo or scan of the ops centre's paper map to the project's map.

The photo on the left, the project's map on the right. A control point is a place the clerk
recognises on both — a crossroads, a building corner: click it in the photo, then on the map
(or type its coordinates: longitude/latitude, or X/Y in the project CRS). Points can be
re-placed (select a row, then 重新指定图上位置 / 重新指定地图位置, or edit the numbers in the
table), disabled and deleted. The fit (:class:`mapedit.model.georef.Georeferencer`) follows
every change: affine for scans, projective for phone photos taken at an angle; each point's
residual in metres and the RMS are in the table, so a mis-click shows at once (residuals over
three times the RMS are red). With enough points the photo is drawn over the map at the
opacity of the slider — the live preview — so the clerk sees roads meet roads. 保存到项目
adds it as an image layer (small images are embedded so the project carries them; stored in a
worker with progress, :class:`~mapedit.ui.basemap.layer_write.LayerWrite`); then the clerk
traces micro-grids over it with the usual tools.

A saved georeference can be adjusted later (图层 panel → 调整配准…, :func:`open_for_layer`):
the window opens on the layer's image with its control points restored from the layer's
``options["transform"]`` (the points are stored there with the fit), and 保存到图层 replaces
that layer's georeference — after a question, since it cannot be undone; an embedded image
is written into the project again.

Both views draw imagery with the map's own items: the photo through a ``RasterItem`` in pixel
coordinates (big scans get their pyramid, only what is visible is decoded), the preview through
a ``RasterItem`` with the current fit.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSlider,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from mapedit.errors import InputError
from mapedit.model.georef import (
    AFFINE,
    MIN_POINTS,
    PROJECTIVE,
    Georeferencer,
    parse_coordinates,
)
from mapedit.model.layers import RASTER, Layer
from mapedit.ui.basemap.jobs import Cancelled, Job
from mapedit.ui.canvas.imagery_context import ImageryContext, for_project
from mapedit.ui.canvas.raster_item import RasterItem
from mapedit.ui.i18n import pick

log = logging.getLogger(__name__)

PIXEL_CRS = "EPSG:3857"
"""The photo's own view uses pixel coordinates (x = column, y = −row); any CRS string serves
as the label, since the view and the image share it (no reprojection happens)."""
CLICK_SLOP_PX = 4
PREVIEW_OPACITY = 60
POINT_COLOUR = QColor("#d81b60")
PENDING_COLOUR = QColor("#1e88e5")
SELECTED_COLOUR = QColor("#ffb300")

COL_ID, COL_ON, COL_PX, COL_PY, COL_X, COL_Y, COL_RES = range(7)


def pixel_layer(path: str) -> Layer:
    """A raster layer showing ``path`` in its own pixel coordinates (the photo's view)."""
    return Layer(id="georef_photo", kind=RASTER, source=str(path), crs=PIXEL_CRS,
                 options={"path": str(path),
                          "transform": {"type": AFFINE, "crs": PIXEL_CRS,
                                        "matrix": [[1.0, 0.0, 0.0], [0.0, -1.0, 0.0],
                                                   [0.0, 0.0, 1.0]]}})


class _Clicks(QObject):
    """Clicks (not drags) on a view's viewport, in scene coordinates of its viewbox."""

    clicked = Signal(float, float, object)

    def __init__(self, view, to_map) -> None:
        super().__init__(view)
        self._to_map = to_map
        self._press: QPointF | None = None
        view.viewport().installEventFilter(self)

    def eventFilter(self, obj, ev) -> bool:  # noqa: N802 - Qt API
        t = ev.type()
        if t == QEvent.Type.MouseButtonPress and ev.button() == Qt.MouseButton.LeftButton:
            self._press = ev.position()
        elif t == QEvent.Type.MouseButtonRelease and ev.button() == Qt.MouseButton.LeftButton:
            press, self._press = self._press, None
            if press is not None and (ev.position() - press).manhattanLength() <= CLICK_SLOP_PX:
                x, y = self._to_map(ev.position())
                self.clicked.emit(x, y, ev.modifiers())
        return False


class _Markers:
    """Numbered control point markers on one view (pixel-sized, drawn above the imagery)."""

    def __init__(self, viewbox) -> None:
        self.viewbox = viewbox
        self.scatter = pg.ScatterPlotItem(size=11, pxMode=True)
        self.scatter.setZValue(2000)
        viewbox.addItem(self.scatter, ignoreBounds=True)
        self.labels: list[pg.TextItem] = []

    def show(self, points: list[tuple[int, float, float, bool]], selected: int | None,
             pending: tuple[float, float] | None) -> None:
        for t in self.labels:
            self.viewbox.removeItem(t)
        self.labels = []
        spots = []
        for pid, x, y, enabled in points:
            colour = SELECTED_COLOUR if pid == selected else POINT_COLOUR
            if not enabled:
                colour = QColor(150, 150, 150)
            spots.append({"pos": (x, y), "symbol": "+", "size": 15,
                          "pen": pg.mkPen(colour, width=2.5), "brush": pg.mkBrush(colour)})
            label = pg.TextItem(str(pid), color=colour, anchor=(-0.15, 1.1),
                                fill=pg.mkBrush(255, 255, 255, 200))
            label.setPos(x, y)
            label.setZValue(2001)
            self.viewbox.addItem(label, ignoreBounds=True)
            self.labels.append(label)
        if pending is not None:
            spots.append({"pos": pending, "symbol": "o", "size": 14,
                          "pen": pg.mkPen(PENDING_COLOUR, width=2.5), "brush": pg.mkBrush(None)})
        self.scatter.setData(spots)


class GeorefWindow(QDialog):
    """The georeferencing window (see the module doc). ``saved(layer)`` after saving."""

    saved = Signal(object)

    def __init__(self, project, image: str | None = None, parent: QWidget | None = None,
                 context: ImageryContext | None = None) -> None:
        super().__init__(parent)
        self.project = project
        self.dataset = project.dataset
        self.context = context or for_project(project)
        self.geo = Georeferencer(self.dataset.crs, PROJECTIVE)
        self.geo.subscribe(self._geo_changed)
        self.target: Layer | None = None
        """The layer whose georeference is being adjusted (None: a new image)."""
        self._write = None
        """The :class:`~mapedit.ui.basemap.layer_write.LayerWrite` under way."""
        self.image: str | None = None
        self.fit = None
        self.fit_error: str = ""
        self.pending_image: tuple[float, float] | None = None
        self.pending_map: tuple[float, float] | None = None
        self.moving: tuple[int, str] | None = None
        """(point id, "image" | "map") while re-placing one end of a point."""
        self.selected: int | None = None
        self.added = None
        self._job: Job | None = None
        self._filling = False
        self.photo_item: RasterItem | None = None
        self.preview_item: RasterItem | None = None
        self.setObjectName("GeorefWindow")
        self.setWindowTitle(self.tr("配准纸质地图"))
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
        self.resize(1400, 900)
        self._build()
        if image:
            self.open_image(image)
        self._changed()

    # -- construction --------------------------------------------------------------------------
    def _build(self) -> None:
        from mapedit.ui.canvas import MapCanvas

        outer = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.open_button = QPushButton(self.tr("打开图片…"), self)
        self.open_button.clicked.connect(self.choose_image)
        bar.addWidget(self.open_button)
        bar.addWidget(QLabel(self.tr("变换:"), self))
        self.kind_combo = QComboBox(self)
        self.kind_combo.setObjectName("kind")
        self.kind_combo.addItem(self.tr("透视(手机拍的照片,至少 4 个点)"), PROJECTIVE)
        self.kind_combo.addItem(self.tr("仿射(扫描件或正对拍摄,至少 3 个点)"), AFFINE)
        self.kind_combo.currentIndexChanged.connect(self._kind_chosen)
        bar.addWidget(self.kind_combo)
        self.preview_check = QCheckBox(self.tr("在地图上预览"), self)
        self.preview_check.setObjectName("preview")
        self.preview_check.setChecked(True)
        self.preview_check.toggled.connect(lambda _b: self._update_preview())
        bar.addWidget(self.preview_check)
        bar.addWidget(QLabel(self.tr("不透明度"), self))
        self.opacity = QSlider(Qt.Orientation.Horizontal, self)
        self.opacity.setObjectName("opacity")
        self.opacity.setRange(0, 100)
        self.opacity.setValue(PREVIEW_OPACITY)
        self.opacity.setMaximumWidth(160)
        self.opacity.valueChanged.connect(self._opacity_changed)
        bar.addWidget(self.opacity)
        bar.addStretch(1)
        self.save_button = QPushButton(self.tr("保存到项目…"), self)
        self.save_button.setObjectName("save")
        self.save_button.clicked.connect(self.save)
        bar.addWidget(self.save_button)
        outer.addLayout(bar)

        self.instructions = QLabel(self)
        self.instructions.setObjectName("instructions")
        self.instructions.setWordWrap(True)
        self.instructions.setStyleSheet(
            "QLabel { background: #e3f2fd; border: 1px solid #90caf9; padding: 6px; }")
        outer.addWidget(self.instructions)

        split = QSplitter(Qt.Orientation.Vertical, self)
        views = QSplitter(Qt.Orientation.Horizontal, split)
        left = QWidget(views)
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(QLabel(self.tr("图片(纸质地图的照片或扫描件)"), left))
        self.image_view = pg.GraphicsView(left, background="#3a3a3a")
        self.image_box = pg.ViewBox(lockAspect=True, enableMenu=False, invertY=False)
        self.image_box.setMouseMode(pg.ViewBox.PanMode)
        self.image_view.setCentralItem(self.image_box)
        ll.addWidget(self.image_view, 1)
        right = QWidget(views)
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(QLabel(self.tr("项目地图"), right))
        self.map = MapCanvas(right)
        self.map.overlays_visible = True
        rl.addWidget(self.map, 1)
        views.addWidget(left)
        views.addWidget(right)
        views.setSizes([700, 700])
        self.image_markers = _Markers(self.image_box)
        self.map_markers = _Markers(self.map.viewbox)
        self._image_clicks = _Clicks(self.image_view, self._image_pos)
        self._image_clicks.clicked.connect(self._image_clicked)
        self._map_clicks = _Clicks(self.map.view, self.map.map_from_widget)
        self._map_clicks.clicked.connect(self._map_clicked)

        bottom = QWidget(split)
        bl = QVBoxLayout(bottom)
        bl.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("或输入地图坐标:"), bottom))
        self.coord_edit = QLineEdit(bottom)
        self.coord_edit.setObjectName("coordinates")
        self.coord_edit.setPlaceholderText(self.tr(
            "经度, 纬度(如 121.2345, 31.1234)或项目坐标 X, Y(米)"))
        self.coord_edit.returnPressed.connect(self.add_typed)
        row.addWidget(self.coord_edit, 1)
        self.coord_button = QPushButton(self.tr("用这个坐标"), bottom)
        self.coord_button.clicked.connect(self.add_typed)
        row.addWidget(self.coord_button)
        bl.addLayout(row)
        self.table = QTableWidget(0, 7, bottom)
        self.table.setObjectName("points")
        self.table.setHorizontalHeaderLabels([
            self.tr("点"), self.tr("使用"), self.tr("图上 列"), self.tr("图上 行"),
            self.tr("地图 X"), self.tr("地图 Y"), self.tr("残差(米)")])
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.itemChanged.connect(self._cell_edited)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        bl.addWidget(self.table, 1)
        row = QHBoxLayout()
        self.rms_label = QLabel(bottom)
        self.rms_label.setObjectName("rms")
        row.addWidget(self.rms_label, 1)
        self.move_image_button = QPushButton(self.tr("重新指定图上位置"), bottom)
        self.move_image_button.clicked.connect(lambda: self._start_move("image"))
        self.move_map_button = QPushButton(self.tr("重新指定地图位置"), bottom)
        self.move_map_button.clicked.connect(lambda: self._start_move("map"))
        self.delete_button = QPushButton(self.tr("删除点"), bottom)
        self.delete_button.setObjectName("delete")
        self.delete_button.clicked.connect(self.delete_selected)
        for b in (self.move_image_button, self.move_map_button, self.delete_button):
            row.addWidget(b)
        bl.addLayout(row)
        prow = QHBoxLayout()
        self.progress = QProgressBar(bottom)
        self.progress.setVisible(False)
        self.progress_label = QLabel(bottom)
        prow.addWidget(self.progress, 1)
        prow.addWidget(self.progress_label, 2)
        bl.addLayout(prow)
        split.addWidget(views)
        split.addWidget(bottom)
        split.setSizes([620, 260])
        outer.addWidget(split, 1)
        QShortcut(QKeySequence(Qt.Key.Key_Delete), self, self.delete_selected)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.cancel_pending)

        self.map.set_dataset(self.dataset)

    # -- adjusting a saved georeference ---------------------------------------------------------
    def load_layer(self, layer: Layer) -> None:
        """Open ``layer`` (an image georeferenced in mapedit) for adjusting: its image, its
        control points and transform kind; saving then replaces its georeference. A layer
        without stored points, or whose image has moved, is refused (bilingual error)."""
        transform = layer.options.get("transform") or {}
        name_zh, name_en = layer.label("zh"), layer.label("en")
        if layer.kind != RASTER or not transform.get("points"):
            raise InputError(
                f"图层“{name_zh}”不是在本软件中配准的(没有保存控制点),不能调整配准",  # i18n: ok
                f"the layer '{name_en}' was not georeferenced in mapedit (no control points "
                "stored); its georeference cannot be adjusted")
        path = str(layer.options.get("path") or "")
        if not path or not Path(path).exists():
            raise InputError(
                f"找不到图层“{name_zh}”的原始图片 {path}(可能已移动),不能调整配准",  # i18n: ok
                f"the image of the layer '{name_en}' is not found: {path} "
                "(moved?); its georeference cannot be adjusted")
        geo = Georeferencer.from_options(transform, crs=self.dataset.crs)
        self.open_image(path)
        if self.image != path:
            raise InputError(f"无法打开图层“{name_zh}”的图片 {path}",  # i18n: ok
                             f"cannot open the image of the layer '{name_en}': {path}")
        self.target = layer
        self.geo.unsubscribe(self._geo_changed)
        self.geo = geo
        geo.subscribe(self._geo_changed)
        self.kind_combo.blockSignals(True)
        self.kind_combo.setCurrentIndex(max(0, self.kind_combo.findData(geo.kind)))
        self.kind_combo.blockSignals(False)
        self.selected = None
        self.save_button.setText(self.tr("保存到图层…"))
        self.setWindowTitle(self.tr("调整配准") + f" — {layer.label('zh' if _chinese() else 'en')}")
        if layer.id in self.map.layer_names():  # the preview stands in for it here
            self.map.layer_item(layer.id).setVisible(False)
        if layer.extent:
            self.map.zoom_to_bounds(*layer.extent)
        self._changed()

    def _geo_changed(self, _geo=None) -> None:
        self._changed()

    def _kind_chosen(self, _index: int) -> None:
        self.geo.set_kind(self.kind_combo.currentData())

    # -- the image -----------------------------------------------------------------------------
    def choose_image(self) -> None:
        from mapedit.io.raster import SUFFIXES

        pattern = " ".join(f"*{s}" for s in SUFFIXES)
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("选择纸质地图的照片或扫描件"), "",
            self.tr("图片") + f" ({pattern})")
        if path:
            self.open_image(path)
            if self.image == path and self.target is not None:
                self._new_image()

    def _new_image(self) -> None:
        """Another image than the adjusted layer's: it will be a new layer, from new points."""
        self.target = None
        self.geo.unsubscribe(self._geo_changed)
        self.geo = Georeferencer(self.dataset.crs, self.kind_combo.currentData())
        self.geo.subscribe(self._geo_changed)
        self.save_button.setText(self.tr("保存到项目…"))
        self._changed()

    def open_image(self, path: str) -> None:
        """Show ``path`` on the left (its pyramid is built in the background if it is big)."""
        from mapedit.io.raster import raster_info

        try:
            info = raster_info(path)
        except Exception as exc:  # noqa: BLE001 - a bad file: say so, keep the window
            QMessageBox.warning(self, self.tr("配准纸质地图"), _error_text(exc))
            return
        if self.photo_item is not None:
            self.image_box.removeItem(self.photo_item)
        self.image = str(path)
        self.image_size = (info.width, info.height)
        self.photo_item = RasterItem(pixel_layer(self.image),
                                     ImageryContext(crs=PIXEL_CRS))
        self.photo_item.setZValue(0)
        self.image_box.addItem(self.photo_item, ignoreBounds=True)
        self.image_box.setRange(QRectF(0, -info.height, info.width, info.height), padding=0.02)
        self.setWindowTitle(self.tr("配准纸质地图") + f" — {Path(path).name}")
        self._changed()

    def _image_pos(self, pos: QPointF) -> tuple[float, float]:
        p = self.image_box.mapSceneToView(self.image_view.mapToScene(pos.toPoint()))
        return float(p.x()), float(p.y())

    # -- clicks --------------------------------------------------------------------------------
    def _image_clicked(self, x: float, y: float, _mods=None) -> None:
        if self.image is None:
            return
        px, py = x, -y
        w, h = self.image_size
        if not (0 <= px <= w and 0 <= py <= h):
            return
        if self.moving is not None and self.moving[1] == "image":
            pid = self.moving[0]
            self.moving = None
            self.geo.move(pid, px=px, py=py)
            return
        self.pending_image = (px, py)
        self._try_add()

    def _map_clicked(self, x: float, y: float, _mods=None) -> None:
        if self.moving is not None and self.moving[1] == "map":
            pid = self.moving[0]
            self.moving = None
            self.geo.move(pid, x=x, y=y)
            return
        if self.image is None:
            return
        self.pending_map = (x, y)
        self._try_add()

    def add_typed(self) -> None:
        """The coordinate box: the map end of the pending point (or of the point moved)."""
        try:
            x, y = parse_coordinates(self.coord_edit.text(), self.dataset.crs)
        except Exception as exc:  # noqa: BLE001 - bilingual InputError
            self.instructions.setText(_error_text(exc))
            return
        self.coord_edit.clear()
        self._map_clicked(x, y)

    def _try_add(self) -> None:
        if self.pending_image is not None and self.pending_map is not None:
            (px, py), (x, y) = self.pending_image, self.pending_map
            self.pending_image = self.pending_map = None
            pid = self.geo.add(px, py, x, y)
            self.selected = pid
        else:
            self._changed()

    def cancel_pending(self) -> None:
        self.pending_image = self.pending_map = None
        self.moving = None
        self._changed()

    def _start_move(self, end: str) -> None:
        if self.selected is None:
            return
        self.moving = (self.selected, end)
        self.pending_image = self.pending_map = None
        self._changed()

    def delete_selected(self) -> None:
        if self.selected is not None and self.selected in {p.id for p in self.geo.points}:
            pid, self.selected = self.selected, None
            self.geo.delete(pid)

    # -- refit and redraw -----------------------------------------------------------------------
    def _changed(self) -> None:
        self.fit = None
        self.fit_error = ""
        if self.geo.can_fit():
            try:
                self.fit = self.geo.fit()
            except Exception as exc:  # noqa: BLE001 - collinear points: say why
                self.fit_error = _error_text(exc)
        self._fill_table()
        self._draw_markers()
        self._update_preview()
        self._update_texts()

    def _fill_table(self) -> None:
        self._filling = True
        try:
            pts = self.geo.points
            self.table.setRowCount(len(pts))
            suspects = self.geo.suspects() if self.fit is not None else set()
            for r, p in enumerate(pts):
                cells = [str(p.id), "", f"{p.px:.1f}", f"{p.py:.1f}", f"{p.x:.2f}",
                         f"{p.y:.2f}", ""]
                res = self.fit.residuals.get(p.id) if self.fit is not None else None
                if res is not None:
                    cells[COL_RES] = f"{res:.2f}"
                for c, text in enumerate(cells):
                    item = QTableWidgetItem(text)
                    item.setData(Qt.ItemDataRole.UserRole, p.id)
                    flags = Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled
                    if c in (COL_PX, COL_PY, COL_X, COL_Y):
                        flags |= Qt.ItemFlag.ItemIsEditable
                    if c == COL_ON:
                        flags |= Qt.ItemFlag.ItemIsUserCheckable
                        item.setCheckState(Qt.CheckState.Checked if p.enabled
                                           else Qt.CheckState.Unchecked)
                    item.setFlags(flags)
                    if c == COL_RES and p.id in suspects:
                        item.setForeground(QColor("#c62828"))
                        item.setToolTip(self.tr("残差远大于其他点:可能点错了位置"))
                    self.table.setItem(r, c, item)
                if p.id == self.selected:
                    self.table.selectRow(r)
        finally:
            self._filling = False

    def _cell_edited(self, item: QTableWidgetItem) -> None:
        if self._filling:
            return
        pid = item.data(Qt.ItemDataRole.UserRole)
        col = item.column()
        if col == COL_ON:
            self.geo.set_enabled(pid, item.checkState() == Qt.CheckState.Checked)
            return
        key = {COL_PX: "px", COL_PY: "py", COL_X: "x", COL_Y: "y"}.get(col)
        if key is None:
            return
        try:
            value = float(item.text().replace(",", "."))
            if not math.isfinite(value):
                raise ValueError(item.text())
        except ValueError:
            self._changed()  # back to the stored value
            return
        self.geo.move(pid, **{key: value})

    def _selection_changed(self) -> None:
        if self._filling:
            return
        rows = self.table.selectionModel().selectedRows()
        if rows:
            item = self.table.item(rows[0].row(), COL_ID)
            self.selected = item.data(Qt.ItemDataRole.UserRole) if item else None
        else:
            self.selected = None
        self._draw_markers()
        self._update_texts()

    def _draw_markers(self) -> None:
        pts = self.geo.points
        self.image_markers.show([(p.id, p.px, -p.py, p.enabled) for p in pts], self.selected,
                                (self.pending_image[0], -self.pending_image[1])
                                if self.pending_image else None)
        self.map_markers.show([(p.id, p.x, p.y, p.enabled) for p in pts], self.selected,
                              self.pending_map)

    def preview_layer(self) -> Layer | None:
        """The image as the current fit places it (None without a fit)."""
        if self.fit is None or self.image is None:
            return None
        return Layer(id="georef_preview", kind=RASTER, source=self.image,
                     crs=self.dataset.crs, extent=_extent_of(self.fit, self.image_size),
                     options={"path": self.image,
                              "transform": self.fit.to_options(self.geo.points)})

    def _update_preview(self) -> None:
        layer = self.preview_layer() if self.preview_check.isChecked() else None
        if layer is None:
            if self.preview_item is not None:
                self.preview_item.setVisible(False)
            return
        if self.preview_item is None:
            self.preview_item = RasterItem(layer, self.context)
            self.preview_item.setZValue(900)
            self.map.viewbox.addItem(self.preview_item, ignoreBounds=True)
        else:
            self.preview_item.set_layer(layer)
        self.preview_item.setOpacity(self.opacity.value() / 100.0)
        self.preview_item.setVisible(True)
        self.preview_item.update()

    def _opacity_changed(self, value: int) -> None:
        if self.preview_item is not None:
            self.preview_item.setOpacity(value / 100.0)

    def _update_texts(self) -> None:
        n = len(self.geo.enabled())
        need = MIN_POINTS[self.geo.kind]
        if self.image is None:
            text = self.tr("第 1 步:打开纸质地图的照片或扫描件(上方“打开图片…”)。")
        elif self.moving is not None:
            pid, end = self.moving
            text = (self.tr("在左边的图片上点第 {n} 点的新位置(Esc 取消)。") if end == "image"
                    else self.tr("在右边的地图上点第 {n} 点的新位置,或在下面输入坐标(Esc 取消)。")
                    ).format(n=pid)
        elif self.pending_image is not None:
            text = self.tr("现在在右边的地图上点同一个位置,或在下面输入它的坐标(Esc 取消)。")
        elif self.pending_map is not None:
            text = self.tr("现在在左边的图片上点同一个位置(Esc 取消)。")
        elif n < need:
            text = self.tr(
                "在左边的图片上点一个能认出的位置(路口、建筑角),再在右边地图上点同一位置。"
                "已有 {n} 个点,至少需要 {need} 个;点尽量分散在图的四周。").format(n=n, need=need)
        elif self.target is not None:
            text = self.tr(
                "这是图层“{name}”保存时的控制点。检查残差:某点特别大时多半是点错了,选中它重新指定"
                "或删除;也可以添加点。满意后点“保存到图层…”替换原来的配准。").format(
                name=self.target.label("zh" if _chinese() else "en"))
        else:
            text = self.tr(
                "继续添加点可以提高精度(建议 6 个以上,分散在四周)。检查残差:某点特别大时多半是点错了,"
                "选中它重新指定或删除。满意后点“保存到项目…”,然后就可以照着描绘微网格。")
        self.instructions.setText(text)
        if self.fit is not None:
            txt = self.tr("均方根误差 RMS:{rms:.2f} 米({n} 个点)").format(rms=self.fit.rms, n=n)
            if self.fit.redundancy == 0:
                txt += self.tr(";点数刚好够用,残差还不能说明精度,请再加几个点")
            self.rms_label.setText(txt)
        elif self.fit_error:
            self.rms_label.setText(self.fit_error)
        else:
            self.rms_label.setText(self.tr("还不能计算:需要至少 {need} 个点").format(need=need))
        has = self.selected is not None
        for b in (self.move_image_button, self.move_map_button, self.delete_button):
            b.setEnabled(has)
        self.save_button.setEnabled(self.fit is not None and not self._busy())

    # -- saving ---------------------------------------------------------------------------------
    def save(self, name: str | None = None) -> None:
        """Add the georeferenced image to the project (a worker reads it and builds its
        pyramid, another stores it in one transaction) — or, when adjusting a layer, replace
        that layer's georeference after the clerk confirmed it."""
        if self.fit is None or self.image is None or self._busy():
            return
        transform = self.fit.to_options(self.geo.points)
        if self.target is not None:
            label = self.target.label("zh" if _chinese() else "en")
            answer = QMessageBox.question(
                self, self.tr("调整配准"),
                self.tr("用现在的 {n} 个控制点替换图层“{name}”原来的配准?\n"
                        "原来的控制点和变换将被替换,此操作不能撤销。").format(
                    n=len(self.geo.enabled()), name=label))
            if answer != QMessageBox.StandardButton.Yes:
                return
            job = Job(_adjusted_layer, self.target, self.dataset.crs, transform, parent=self)
        else:
            if name is None:
                name, ok = QInputDialog.getText(self, self.tr("保存到项目"),
                                                self.tr("图层名称:"),
                                                text=Path(self.image).stem)
                if not ok:
                    return
            job = Job(_build_layer, self.image, self.dataset, transform, name.strip(),
                      parent=self)
        self.progress.setVisible(True)
        self.progress.setValue(0)
        self.progress_label.setText(self.tr("正在准备影像…"))
        self._job = job
        job.progressed.connect(lambda f, _t: self.progress.setValue(int(50 * f)))
        job.succeeded.connect(self._built)
        job.failed.connect(self._failed)
        job.start()
        self._update_texts()

    def _busy(self) -> bool:
        return self._job is not None or (self._write is not None and self._write.running())

    def _failed(self, exc: BaseException) -> None:
        self._job = None
        self._write = None
        self.progress.setVisible(False)
        self.progress_label.setText(self.tr("已取消,项目没有改动") if isinstance(exc, Cancelled)
                                    else self.tr("没有保存:") + _error_text(exc))
        self._update_texts()

    def _built(self, layer) -> None:
        """The layer is ready: store it in a worker (the window stays usable)."""
        from mapedit.ui.basemap.layer_write import LayerWrite

        self._job = None
        self.progress_label.setText(self.tr("正在写入项目…"))
        write = LayerWrite(self.project, layer, replace=self.target is not None, parent=self)
        write.progressed.connect(lambda f: self.progress.setValue(50 + int(50 * f)))
        write.written.connect(self._written)
        write.failed.connect(self._failed)
        self._write = write
        try:
            write.start()
        except Exception as exc:  # noqa: BLE001 - refused before writing: nothing written
            self._failed(exc)
            return
        self._update_texts()

    def _written(self, layer) -> None:
        self._write = None
        self.added = layer
        self.progress.setValue(100)
        name = layer.label("zh" if _chinese() else "en")
        if self.target is not None:
            self.target = layer
            text = self.tr("已更新图层“{name}”的配准").format(name=name)
        else:
            text = self.tr("已保存为图层“{name}”,可以照着它描绘微网格了").format(name=name)
        self.progress_label.setText(text)
        self._update_texts()
        self.saved.emit(layer)

    def reject(self) -> None:
        if self._job is not None:
            self._job.cancel()
        if self._write is not None and self._write.running():
            # one transaction: cancelled it is rolled back; committed, the layer is taken in
            self._write.cancel()
            self._write.finish()
        for item, box in ((self.preview_item, self.map.viewbox),
                          (self.photo_item, self.image_box)):
            if item is not None:
                box.removeItem(item)
        self.map.set_dataset(None)
        super().reject()


def _chinese() -> bool:
    from mapedit.ui.i18n import is_chinese

    return is_chinese()


def _error_text(exc: BaseException) -> str:
    from mapedit.errors import MapeditError

    if isinstance(exc, MapeditError):
        return pick(exc.zh, exc.en)
    return f"{type(exc).__name__}: {exc}"


def _extent_of(fit, size) -> tuple[float, float, float, float]:
    import numpy as np

    w, h = size
    t = np.linspace(0.0, 1.0, 9)
    px = np.concatenate([t * w, np.full_like(t, w), (1 - t) * w, np.zeros_like(t)])
    py = np.concatenate([np.zeros_like(t), t * h, np.full_like(t, h), (1 - t) * h])
    x, y = fit.image_to_map(px, py)
    return float(np.min(x)), float(np.min(y)), float(np.max(x)), float(np.max(y))


def _build_layer(control, image: str, dataset, transform: dict, name: str):
    from mapedit.io.layer_factory import raster_layer
    from mapedit.io.raster import prepare

    layer, _notes = raster_layer(image, dataset.crs, dataset.layers, name=name,
                                 transform=transform)
    prepare(layer.options["path"], crs=layer.crs or None,
            many_windows=bool(layer.options.get("embedded")),
            progress=lambda f: control.progress(0.95 * f), cancel=control.event)
    control.check()
    return layer


def _adjusted_layer(control, target: Layer, project_crs: str, transform: dict) -> Layer:
    """``target`` with a new georeference (extent recomputed; an embedded image keeps its
    tiles table, written again by the store); the image's pyramid built if needed."""
    from dataclasses import replace

    from mapedit.io.layer_factory import raster_layer
    from mapedit.io.raster import prepare
    from mapedit.model.layers import LayerStack

    path = str(target.options.get("path") or target.source)
    embedded = target.options.get("embedded")
    fresh, _notes = raster_layer(path, project_crs, LayerStack(), name=target.name,
                                 transform=transform, embed=bool(embedded))
    options = dict(target.options)
    options.update(fresh.options)
    if embedded:
        options["embedded"] = embedded
    else:
        options.pop("embedded", None)
    layer = replace(target, source=fresh.source, crs=fresh.crs, extent=fresh.extent,
                    options=options, data=None)
    prepare(path, crs=layer.crs or None, many_windows=bool(embedded),
            progress=lambda f: control.progress(0.95 * f), cancel=control.event)
    control.check()
    return layer


def open_for_layer(project, layer_id: str, parent=None) -> GeorefWindow | None:
    """图层 → 调整配准…: the window on a saved layer (non-modal); a layer that cannot be
    adjusted gets a message instead."""
    from mapedit.errors import MapeditError

    if project is None or layer_id not in project.dataset.layers:
        return None
    layer = project.dataset.layers[layer_id]
    win = GeorefWindow(project, None, parent)
    try:
        win.load_layer(layer)
    except MapeditError as exc:
        QMessageBox.warning(parent, win.tr("调整配准"), _error_text(exc))
        win.reject()
        win.deleteLater()
        return None
    win.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
    win.show()
    return win


def can_adjust(layer: Layer) -> bool:
    """Whether ``layer`` holds the control points a georeference can be adjusted from."""
    return layer.kind == RASTER and bool((layer.options.get("transform") or {}).get("points"))


def open_georef_window(project, image: str | None = None, parent=None) -> GeorefWindow | None:
    """文件 → 配准纸质地图… (non-modal)."""
    if project is None:
        return None
    win = GeorefWindow(project, image, parent)
    win.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
    win.show()
    return win
