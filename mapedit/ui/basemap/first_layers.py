"""The step after 文件 → 新建: a project made from the platform's units has no roads, no
buildings, no imagery — the clerk cannot see where to draw, the building-cut rule has nothing to
check and split-by-road has no roads. This small window says so and offers the ways in:
添加图层 (buildings and roads from Shapefile/DXF, an orthophoto), 天地图影像 (online imagery with
the user's key), 配准纸质地图 (the ops centre's paper map). Non-modal: it can be closed and the
same entries are in the 文件 menu."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout


class BaseLayersStep(QDialog):
    def __init__(self, actions, parent=None) -> None:
        super().__init__(parent)
        self.actions = actions
        self.setObjectName("BaseLayersStep")
        self.setWindowTitle(self.tr("下一步:添加底图"))
        layout = QVBoxLayout(self)
        text = QLabel(self.tr(
            "项目已创建,但还没有本街道的底图:没有楼栋、道路和影像,画微网格时看不到位置,"
            "“不能跨楼栋”检查和“沿道路分割”也用不了。\n\n"
            "请添加测绘院或城运中心给的楼栋、道路文件(Shapefile、CAD 图纸等),"
            "再加上影像(正射影像 GeoTIFF 或天地图影像);"
            "只有纸质地图时,可以拍照或扫描后配准。"), self)
        text.setWordWrap(True)
        text.setMinimumWidth(460)
        layout.addWidget(text)
        row = QHBoxLayout()
        self.add_button = QPushButton(self.tr("添加图层…"), self)
        self.add_button.clicked.connect(lambda: self._go(self.actions.add_layer))
        self.tianditu_button = QPushButton(self.tr("天地图影像"), self)
        self.tianditu_button.setToolTip(self.tr("在线影像,需要天地图密钥(免费)"))
        self.tianditu_button.clicked.connect(
            lambda: self._go(lambda: self.actions.add_layer("tianditu:img_w")))
        self.georef_button = QPushButton(self.tr("配准纸质地图…"), self)
        self.georef_button.clicked.connect(lambda: self._go(self.actions.georeference))
        self.later_button = QPushButton(self.tr("以后再说"), self)
        self.later_button.clicked.connect(self.reject)
        for b in (self.add_button, self.tianditu_button, self.georef_button):
            row.addWidget(b)
        row.addStretch(1)
        row.addWidget(self.later_button)
        layout.addLayout(row)
        self.setWindowModality(Qt.WindowModality.NonModal)
        self.opened = None

    def _go(self, open_window) -> None:
        self.opened = open_window()
        self.accept()
