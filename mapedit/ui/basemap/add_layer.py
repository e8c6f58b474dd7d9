"""文件 → 添加图层: bring a street's own map into the project — a vector file (Shapefile, DXF,
GeoPackage, GeoJSON, KML), an image (GeoTIFF, image + world file), a tile service (URL
template, 天地图 preset) or an offline MBTiles file.

What the clerk sees before anything is imported (all read in a worker, the window never
freezes): the first features on a small map over the project's units; a table of the first
rows with the text decoded as detected (UTF-8, else GB18030 — real Chinese, or mojibake if the
guess is wrong, then the 编码 box fixes it); the CRS from the file, or the ranked guesses from
the coordinates to confirm from a short list of China's CRS; the role (buildings, roads …) and
which column holds households / name / road class; for an image its size, CRS and whether it is
embedded; for tiles the GCJ-02 warning with the correction, and whether the 天地图 key is set.

添加 imports in a worker with progress (read, reproject, repair; an image's pyramid), then
stores the layer in another worker (:class:`~mapedit.ui.basemap.layer_write.LayerWrite`:
``Project.write_layer``, one transaction, with progress; the map stays usable meanwhile) and
puts it into the layer stack — a failure or a cancel leaves the project as it was. The repair
report follows. The dialog shares every decision with ``mapedit add-layer`` (:mod:`mapedit.io.vector_import`, :mod:`mapedit.io.layer_factory`).
"""

from __future__ import annotations

import html
import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from mapedit.model.layers import RASTER, ROLES, TILES, VECTOR
from mapedit.ui.basemap.jobs import Cancelled, Job
from mapedit.ui.basemap.preview_map import PreviewMap
from mapedit.ui.i18n import is_chinese, pick

log = logging.getLogger(__name__)

PREVIEW_ROWS = 50
"""Rows of attributes shown in the table."""
PREVIEW_DELAY_MS = 250
"""A changed option re-reads the preview after this pause (typing a CRS, ticking layers)."""

TIANDITU_PRESETS = ("img_w", "cia_w", "vec_w", "cva_w", "ter_w", "cta_w")
WARN_STYLE = "QLabel { background: #fff3cd; border: 1px solid #e0c36b; padding: 4px; }"
OK_STYLE = "QLabel { color: #2e7d32; }"
BAD_STYLE = "QLabel { color: #c62828; }"


def _lang() -> str:
    return "zh" if is_chinese() else "en"


def _error_text(exc: BaseException) -> str:
    from mapedit.errors import MapeditError

    if isinstance(exc, MapeditError):
        return pick(exc.zh, exc.en)
    return f"{type(exc).__name__}: {exc}"


class AddLayerDialog(QDialog):
    """The dialog (see the module doc). ``layerAdded(layer)`` after a layer was stored."""

    layerAdded = Signal(object)

    def __init__(self, project, settings=None, parent: QWidget | None = None,
                 source: str | None = None) -> None:
        super().__init__(parent)
        from mapedit.io.layer_factory import project_extent
        from mapedit.ui.settings_store import SettingsStore

        self.project = project
        self.settings = settings or SettingsStore()
        self.dataset = project.dataset
        self.project_extent = project_extent(self.dataset)
        self.kind: str | None = None
        self.preview = None
        """The last :class:`VectorPreview` (vector sources)."""
        self.candidate_layer = None
        """The layer an image or tile source would add (built by the preview job)."""
        self.added = None
        self.report_lines: list[str] = []
        self._preview_job: Job | None = None
        self._import_job: Job | None = None
        self._write = None
        """The :class:`~mapedit.ui.basemap.layer_write.LayerWrite` under way."""
        self._report: tuple[list, list] = ([], [])
        self._preview_again = False
        self._loading = False
        self._multi_layers = False
        self._role_chosen = False
        self._source = ""
        self.setObjectName("AddLayerDialog")
        self.setWindowTitle(self.tr("添加图层"))
        self.resize(1080, 720)
        self._build()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(PREVIEW_DELAY_MS)
        self._timer.timeout.connect(self._start_preview)
        if source:
            self.set_source(source)

    # -- construction --------------------------------------------------------------------------
    def _build(self) -> None:
        outer = QVBoxLayout(self)
        src_box = QGroupBox(self.tr("来源"), self)
        sl = QVBoxLayout(src_box)
        row = QHBoxLayout()
        self.source_edit = QLineEdit(self)
        self.source_edit.setObjectName("source")
        self.source_edit.setPlaceholderText(self.tr(
            "选择文件,或粘贴瓦片地址,如 https://…/{z}/{x}/{y}.png"))
        self.source_edit.setClearButtonEnabled(True)
        self.source_edit.editingFinished.connect(self._source_typed)
        self.browse = QPushButton(self.tr("选择文件…"), self)
        self.browse.clicked.connect(self.choose_file)
        row.addWidget(self.source_edit, 1)
        row.addWidget(self.browse)
        sl.addLayout(row)
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("或天地图:"), self))
        self.tdt_combo = QComboBox(self)
        self.tdt_combo.setObjectName("tianditu_preset")
        labels = {"img_w": self.tr("影像"), "cia_w": self.tr("影像注记"),
                  "vec_w": self.tr("矢量"), "cva_w": self.tr("矢量注记"),
                  "ter_w": self.tr("地形"), "cta_w": self.tr("地形注记")}
        for preset in TIANDITU_PRESETS:
            self.tdt_combo.addItem(f"{labels[preset]} ({preset})", f"tianditu:{preset}")
        self.tdt_use = QPushButton(self.tr("使用天地图"), self)
        self.tdt_use.clicked.connect(
            lambda: self.set_source(str(self.tdt_combo.currentData())))
        row.addWidget(self.tdt_combo)
        row.addWidget(self.tdt_use)
        self.key_label = QLabel(self)
        self.key_label.setWordWrap(True)
        row.addWidget(self.key_label, 1)
        sl.addLayout(row)
        self._update_key_label()
        name_row = QHBoxLayout()
        name_row.addWidget(QLabel(self.tr("图层名称:"), self))
        self.name_edit = QLineEdit(self)
        self.name_edit.setObjectName("layer_name")
        name_row.addWidget(self.name_edit, 1)
        sl.addLayout(name_row)
        outer.addWidget(src_box)

        split = QSplitter(Qt.Orientation.Horizontal, self)
        self.pages = QStackedWidget(split)
        self.page_empty = QLabel(self.tr(
            "可添加:\n· 矢量文件:Shapefile(.shp/.zip)、CAD 图纸(.dxf)、GeoPackage、GeoJSON、KML\n"
            "· 影像:GeoTIFF,或带坐标文件(.pgw/.jgw/.tfw/.wld)的 PNG/JPEG/TIFF\n"
            "· 在线瓦片:瓦片地址模板或天地图\n· 离线瓦片:MBTiles 文件\n\n"
            "没有坐标的纸质地图照片或扫描件:请用 文件 → 配准纸质地图…"), self)
        self.page_empty.setWordWrap(True)
        self.page_empty.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.pages.addWidget(self.page_empty)
        self.pages.addWidget(self._vector_page())
        self.pages.addWidget(self._raster_page())
        self.pages.addWidget(self._tiles_page())
        self.report_view = QLabel(self)
        self.report_view.setObjectName("report")
        self.report_view.setWordWrap(True)
        self.report_view.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.report_view.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.pages.addWidget(self.report_view)
        right = QSplitter(Qt.Orientation.Vertical, split)
        self.map = PreviewMap(right)
        self.map.set_context([u.geometry for u in self.dataset.units.values()])
        self.map.frame("context")
        self.table_box = table_box = QWidget(right)
        tl = QVBoxLayout(table_box)
        tl.setContentsMargins(0, 0, 0, 0)
        self.table_title = QLabel(self.tr("属性表(前几行):中文显示为乱码时,请在左侧换一种编码"),
                                  table_box)
        self.table = QTableWidget(table_box)
        self.table.setObjectName("rows")
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        tl.addWidget(self.table_title)
        tl.addWidget(self.table, 1)
        right.addWidget(self.map)
        right.addWidget(table_box)
        right.setSizes([420, 240])
        self.right = right
        split.addWidget(self.pages)
        split.addWidget(self.right)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        split.setSizes([430, 650])
        outer.addWidget(split, 1)

        self.message = QLabel(self)
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        outer.addWidget(self.message)
        bottom = QHBoxLayout()
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 100)
        self.progress.setVisible(False)
        self.progress_label = QLabel(self)
        bottom.addWidget(self.progress, 1)
        bottom.addWidget(self.progress_label, 1)
        self.buttons = QDialogButtonBox(self)
        self.add_button = self.buttons.addButton(self.tr("添加"),
                                                 QDialogButtonBox.ButtonRole.AcceptRole)
        self.add_button.setObjectName("add")
        self.add_button.setEnabled(False)
        self.cancel_button = self.buttons.addButton(self.tr("取消"),
                                                    QDialogButtonBox.ButtonRole.RejectRole)
        self.add_button.clicked.connect(self.start_import)
        self.cancel_button.clicked.connect(self.reject)
        bottom.addWidget(self.buttons)
        outer.addLayout(bottom)

    def _vector_page(self) -> QWidget:
        page = QWidget(self)
        form = QFormLayout(page)
        self.role_combo = QComboBox(page)
        self.role_combo.setObjectName("role")
        for r in ROLES.values():
            self.role_combo.addItem(pick(r.zh, r.en), r.id)
        self.role_combo.setToolTip(self.tr(
            "角色决定图层的用途:建筑 → 不能跨楼栋检查、由楼栋计算户数;村民小组 → 村组检查;"
            "道路 → 沿道路分割和吸附;居委会辖区 → 街面单元检查"))
        self.role_combo.currentIndexChanged.connect(self._option_changed)
        form.addRow(self.tr("角色"), self.role_combo)
        self.layer_combo = QComboBox(page)
        self.layer_combo.setObjectName("file_layer")
        self.layer_combo.currentIndexChanged.connect(self._option_changed)
        self.layer_label = QLabel(self.tr("文件中的图层"), page)
        form.addRow(self.layer_label, self.layer_combo)
        self.cad_list = QListWidget(page)
        self.cad_list.setObjectName("cad_layers")
        self.cad_list.setMaximumHeight(140)
        self.cad_list.itemChanged.connect(self._option_changed)
        self.cad_label = QLabel(self.tr("CAD 图层"), page)
        form.addRow(self.cad_label, self.cad_list)
        self.encoding_combo = QComboBox(page)
        self.encoding_combo.setObjectName("encoding")
        self.encoding_combo.addItem(self.tr("自动"), None)
        for enc in ("UTF-8", "GB18030", "GBK", "Big5", "CP1252"):
            self.encoding_combo.addItem(enc, enc)
        self.encoding_combo.setToolTip(self.tr(
            "属性表中的中文是乱码时,换一种编码(国内的 Shapefile 多为 GBK/GB18030)"))
        self.encoding_combo.currentIndexChanged.connect(self._option_changed)
        self.encoding_note = QLabel(page)
        self.encoding_note.setObjectName("encoding_note")
        form.addRow(self.tr("文字编码"), self.encoding_combo)
        form.addRow("", self.encoding_note)
        self.crs_combo = QComboBox(page)
        self.crs_combo.setObjectName("crs")
        self.crs_combo.currentIndexChanged.connect(self._crs_changed)
        self.crs_note = QLabel(page)
        self.crs_note.setObjectName("crs_note")
        self.crs_note.setWordWrap(True)
        form.addRow(self.tr("坐标系"), self.crs_combo)
        form.addRow("", self.crs_note)
        self.fields_box = QGroupBox(self.tr("字段对应(哪一列是什么)"), page)
        self.fields_form = QFormLayout(self.fields_box)
        self.field_combos: dict[str, QComboBox] = {}
        form.addRow(self.fields_box)
        self.geometry_note = QLabel(page)
        self.geometry_note.setObjectName("geometry_note")
        self.geometry_note.setWordWrap(True)
        form.addRow(self.tr("几何"), self.geometry_note)
        self.vector_warnings = QLabel(page)
        self.vector_warnings.setWordWrap(True)
        form.addRow(self.vector_warnings)
        return page

    def _raster_page(self) -> QWidget:
        page = QWidget(self)
        form = QFormLayout(page)
        self.raster_info = QLabel(page)
        self.raster_info.setObjectName("raster_info")
        self.raster_info.setWordWrap(True)
        form.addRow(self.raster_info)
        self.raster_crs = QComboBox(page)
        self.raster_crs.setObjectName("raster_crs")
        self.raster_crs.currentIndexChanged.connect(self._option_changed)
        self.raster_crs_label = QLabel(self.tr("坐标系"), page)
        form.addRow(self.raster_crs_label, self.raster_crs)
        self.embed_check = QCheckBox(self.tr("嵌入项目文件(随项目一起拷贝到现场电脑)"), page)
        self.embed_check.setObjectName("embed")
        self.embed_check.setToolTip(self.tr(
            "小影像可以存进项目文件,项目拷到哪里都能显示;大影像只记下文件位置"))
        form.addRow(self.embed_check)
        self.georef_button = QPushButton(self.tr("配准这张图片…"), page)
        self.georef_button.setObjectName("georef")
        self.georef_button.setVisible(False)
        self.georef_button.clicked.connect(self._open_georef)
        form.addRow(self.georef_button)
        self.raster_notes = QLabel(page)
        self.raster_notes.setWordWrap(True)
        form.addRow(self.raster_notes)
        return page

    def _tiles_page(self) -> QWidget:
        page = QWidget(self)
        form = QFormLayout(page)
        self.tiles_info = QLabel(page)
        self.tiles_info.setObjectName("tiles_info")
        self.tiles_info.setWordWrap(True)
        self.tiles_info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow(self.tiles_info)
        self.gcj_warning = QLabel(page)
        self.gcj_warning.setObjectName("gcj_warning")
        self.gcj_warning.setWordWrap(True)
        self.gcj_warning.setStyleSheet(WARN_STYLE)
        form.addRow(self.gcj_warning)
        self.gcj_check = QCheckBox(self.tr("纠正 GCJ-02 偏移(推荐)"), page)
        self.gcj_check.setObjectName("gcj_correction")
        self.gcj_check.setChecked(True)
        self.gcj_check.toggled.connect(self._option_changed)
        form.addRow(self.gcj_check)
        self.key_edit = QLineEdit(page)
        self.key_edit.setObjectName("tianditu_key")
        self.key_edit.setPlaceholderText(self.tr("天地图密钥(保存在本机设置中,不写入项目)"))
        self.key_edit.setText(self.settings.tianditu_key())
        self.key_edit.editingFinished.connect(self._key_edited)
        self.key_row_label = QLabel(self.tr("天地图密钥"), page)
        form.addRow(self.key_row_label, self.key_edit)
        self.key_help = QLabel(self.tr(
            "天地图的在线影像和地图需要免费密钥:在天地图网站(tianditu.gov.cn)注册,"
            "在“控制台 → 应用管理”创建应用(类型选“浏览器端”),把密钥粘贴到这里。"
            "密钥只保存在这台电脑的设置中,不会写进项目文件。"), page)
        self.key_help.setWordWrap(True)
        form.addRow(self.key_help)
        self.tiles_notes = QLabel(page)
        self.tiles_notes.setWordWrap(True)
        form.addRow(self.tiles_notes)
        return page

    # -- the source --------------------------------------------------------------------------
    def choose_file(self) -> None:
        from mapedit.io.raster import SUFFIXES as IMAGE
        from mapedit.io.vector_import import SUFFIXES as VECTOR_SUFFIXES

        vec = " ".join(f"*{s}" for s in VECTOR_SUFFIXES)
        img = " ".join(f"*{s}" for s in IMAGE)
        filters = ";;".join([
            self.tr("所有可添加的文件") + f" ({vec} *.zip {img} *.mbtiles)",
            self.tr("矢量文件") + f" ({vec} *.zip)",
            self.tr("影像") + f" ({img})",
            self.tr("离线瓦片") + " (*.mbtiles)",
        ])
        path, _ = QFileDialog.getOpenFileName(self, self.tr("选择要添加的文件"),
                                              self.settings.last_directory(), filters)
        if path:
            self.settings.set_last_directory(str(Path(path).parent))
            self.set_source(path)

    def _source_typed(self) -> None:
        text = self.source_edit.text().strip()
        if text != self._source:  # also fires on focus loss, even while closing
            self.set_source(text)

    def set_source(self, source: str) -> None:
        """Look at ``source`` (a file, a URL template, ``tianditu:img_w``) and preview it."""
        from mapedit.io.layer_factory import source_kind

        source = (source or "").strip()
        self._source = source
        if self.source_edit.text() != source:
            self.source_edit.setText(source)
        self.preview = None
        self.candidate_layer = None
        self.map.set_features([])
        self.map.set_imagery(None)
        self.table.clear()
        self.table.setRowCount(0)
        self.table.setColumnCount(0)
        self.add_button.setEnabled(False)
        if not source:
            self.kind = None
            self.pages.setCurrentWidget(self.page_empty)
            return
        self.kind = source_kind(source)
        page = {VECTOR: 1, RASTER: 2, TILES: 3}[self.kind]
        self.pages.setCurrentIndex(page)
        self.table_box.setVisible(self.kind == VECTOR)
        self._reset_options()
        if not self.name_edit.isModified():
            stem = Path(source).stem if self.kind != TILES or source.endswith(".mbtiles") \
                else ""
            self.name_edit.setText(stem)
        self._start_preview()

    def _reset_options(self) -> None:
        self._loading = True
        try:
            self.encoding_combo.setCurrentIndex(0)
            self.crs_combo.clear()
            self.layer_combo.clear()
            self.cad_list.clear()
            self.raster_crs.clear()
            self.gcj_check.setChecked(True)
            self._role_chosen = False
            self._multi_layers = False
            self.layer_combo.setVisible(False)
            self.layer_label.setVisible(False)
            self.cad_list.setVisible(False)
            self.cad_label.setVisible(False)
            self.georef_button.setVisible(False)
        finally:
            self._loading = False

    def _option_changed(self, *_args) -> None:
        if self._loading:
            return
        if self.sender() is self.role_combo:
            self._role_chosen = True
        self._timer.start()

    def _crs_changed(self, *_args) -> None:
        if self._loading:
            return
        self._timer.start()

    # -- previews (worker) -------------------------------------------------------------------
    def _options(self) -> dict[str, Any]:
        """The clerk's choices so far, as arguments of the preview/import functions."""
        opts: dict[str, Any] = {}
        if self.kind == VECTOR:
            if self._role_chosen:
                opts["role"] = self.role_combo.currentData()
            if self.encoding_combo.currentData():
                opts["encoding"] = self.encoding_combo.currentData()
            crs = self.crs_combo.currentData()
            if crs:
                opts["crs"], opts["swap_xy"] = from_crs_key(crs)
            if self._multi_layers and self.layer_combo.currentData():
                opts["layer"] = self.layer_combo.currentData()
            cad = [self.cad_list.item(i).data(Qt.ItemDataRole.UserRole)
                   for i in range(self.cad_list.count())
                   if self.cad_list.item(i).checkState() == Qt.CheckState.Checked]
            if self.cad_list.count():
                opts["layer"] = ",".join(cad) if cad else None
                opts["no_cad_layer"] = not cad
            fields = {k: c.currentData() for k, c in self.field_combos.items()
                      if c.property("chosen")}
            if fields:
                opts["fields"] = fields
        elif self.kind == RASTER:
            if self.raster_crs.count() and self.raster_crs.currentData():
                opts["crs"] = self.raster_crs.currentData()
        elif self.kind == TILES:
            opts["gcj02_correction"] = self.gcj_check.isChecked()
        return opts

    def _start_preview(self) -> None:
        source = self.source_edit.text().strip()
        if not source or self.kind is None:
            return
        if self._preview_job is not None and self._preview_job.running():
            self._preview_again = True
            return
        self._preview_again = False
        opts = self._options()
        if opts.get("no_cad_layer"):
            self.message.setText(self.tr("请至少勾选一个 CAD 图层"))
            self.add_button.setEnabled(False)
            return
        self.message.setText(self.tr("正在读取…"))
        self.add_button.setEnabled(False)
        job = Job(_preview, source, self.kind, self.dataset, self.project_extent, opts,
                  parent=self)
        job.succeeded.connect(self._preview_ready)
        job.failed.connect(self._preview_failed)
        job.finished.connect(self._preview_finished)
        self._preview_job = job
        job.start()

    def _preview_finished(self) -> None:
        if self._preview_again:
            self._start_preview()

    def _preview_failed(self, exc: BaseException) -> None:
        if self._preview_again:
            return
        if isinstance(exc, _NotGeoreferenced):
            self.raster_info.setText(self.tr(
                "这张图片没有地理参考(没有 GeoTIFF 坐标,也没有 .pgw/.jgw/.tfw/.wld 坐标文件)。"
                "纸质地图的照片或扫描件请先配准:在图上和地图上各点几个相同的位置。"))
            self.georef_button.setVisible(True)
            self.message.setText("")
            self.add_button.setEnabled(False)
            return
        self.message.setStyleSheet(BAD_STYLE)
        self.message.setText(_error_text(exc))
        self.add_button.setEnabled(False)

    def _preview_ready(self, result) -> None:
        if self._preview_again:
            return
        self.message.setStyleSheet("")
        self.message.setText("")
        kind, value = result
        if kind == VECTOR:
            self._show_vector(value)
        elif kind == RASTER:
            self._show_raster(*value)
        else:
            self._show_tiles(*value)

    # -- showing a vector preview -------------------------------------------------------------
    def _show_vector(self, pv) -> None:
        from mapedit.io.crs_guess import candidate, china_short_list, describe_crs

        self.preview = pv
        lang = _lang()
        self._loading = True
        try:
            i = self.role_combo.findData(pv.role)
            if i >= 0:
                self.role_combo.setCurrentIndex(i)
            # layers of the file / CAD layers
            multi = self._multi_layers = len(pv.layers) > 1 and not pv.cad_layers
            self.layer_combo.setVisible(multi)
            self.layer_label.setVisible(multi)
            if multi and self.layer_combo.count() != len(pv.layers):
                self.layer_combo.clear()
                for name in pv.layers:
                    self.layer_combo.addItem(name, name)
                self.layer_combo.setCurrentIndex(max(0, pv.layers.index(pv.layer)
                                                     if pv.layer in pv.layers else 0))
            cad = bool(pv.cad_layers)
            self.cad_list.setVisible(cad)
            self.cad_label.setVisible(cad)
            if cad and self.cad_list.count() == 0:
                chosen = set(pv.cad_filter or [c.name for c in pv.cad_layers])
                for c in pv.cad_layers:
                    types = ", ".join(f"{_geom(k, lang)} {v}" for k, v in c.types.items())
                    role = pick(ROLES[c.role].zh, ROLES[c.role].en) if c.role in ROLES else "—"
                    item = QListWidgetItem(f"{c.name}  ({types}) → {role}")
                    item.setData(Qt.ItemDataRole.UserRole, c.name)
                    item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                    item.setCheckState(Qt.CheckState.Checked if c.name in chosen
                                       else Qt.CheckState.Unchecked)
                    self.cad_list.addItem(item)
            # encoding
            src_note = {"user": self.tr("手动选择"), "cpg": self.tr("来自 .cpg 文件"),
                        "dbf": self.tr("来自 DBF 文件头"),
                        "detected": self.tr("无 .cpg,按内容判断")}.get(pv.encoding_source,
                                                                   pv.encoding_source)
            self.encoding_note.setText(self.tr("检测到:{encoding}({how})").format(
                encoding=pv.encoding, how=src_note))
            # CRS
            current = self.crs_combo.currentData()
            self.crs_combo.clear()
            if pv.crs_source == "file":
                zh, en = describe_crs(pv.crs)
                self.crs_combo.addItem(self.tr("文件自带:") + f"{pick(zh, en)} [{pv.crs}]",
                                       None)
            seen = set()
            for c in pv.crs_candidates:
                dist = f" · {c.distance_km:g} km" if c.distance_km else ""
                self.crs_combo.addItem(self.tr("推测:") + c.label(lang) + dist,
                                       crs_key(c.crs, c.swap_xy))
                seen.add(crs_key(c.crs, c.swap_xy))
            for c in china_short_list(self.dataset.crs):
                if crs_key(c.crs) not in seen:
                    self.crs_combo.addItem(c.label(lang), crs_key(c.crs))
                    seen.add(crs_key(c.crs))
            if current and current not in seen:
                self.crs_combo.addItem(candidate(*from_crs_key(current)).label(lang), current)
            if current:
                self.crs_combo.setCurrentIndex(max(0, self.crs_combo.findData(current)))
            self.crs_combo.setToolTip(self.crs_combo.currentText())
            if pv.crs_source == "file":
                self.crs_note.setStyleSheet(OK_STYLE)
                self.crs_note.setText(self.tr("坐标系来自文件(.prj)"))
            elif pv.crs_source == "user":
                self.crs_note.setStyleSheet(OK_STYLE)
                self.crs_note.setText(self.tr("已确认"))
            elif pv.crs_source == "guess":
                self.crs_note.setStyleSheet(WARN_STYLE)
                self.crs_note.setText(self.tr(
                    "文件没有坐标系,以上是按坐标推测的,最可能的在最前;请对照地图预览确认"))
            else:
                self.crs_note.setStyleSheet(WARN_STYLE)
                self.crs_note.setText(self.tr("文件没有坐标系,也无法推测;请从列表中选择"))
            self._fill_field_combos(pv)
            types = ", ".join(f"{_geom(k, lang)} {v}" for k, v in pv.geometry_types.items())
            kept = pv.role_mapping.get("kept", 0)
            more = "; ".join(f"{k} {v}" for k, v in pv.role_mapping.items() if k != "kept")
            self.geometry_note.setText(
                self.tr("共 {n} 个要素;").format(n=pv.feature_count) + types + "\n"
                + self.tr("作为“{role}”可用:{kept}").format(
                    role=pick(ROLES[pv.role].zh, ROLES[pv.role].en), kept=kept)
                + (f"({more})" if more else ""))
            warns = [pick(*w) for w in pv.warnings if not _is_guess_note(w)]
            self.vector_warnings.setText("\n".join(warns))
            self.vector_warnings.setStyleSheet(WARN_STYLE if warns else "")
        finally:
            self._loading = False
        self._fill_table(pv.columns, pv.rows)
        try:
            geoms = pv.project_geometries(self.dataset.crs) if pv.crs else []
        except Exception:  # noqa: BLE001 - a wrong CRS choice must not break the dialog
            geoms = []
        self.map.set_features(geoms)
        self.map.frame("features" if len(geoms) else "context")
        self.add_button.setEnabled(pv.crs is not None)
        if pv.crs is None:
            self.message.setStyleSheet(BAD_STYLE)
            self.message.setText(self.tr("请先选择坐标系"))

    def _fill_field_combos(self, pv) -> None:
        role = ROLES[pv.role]
        keep = {k: c.currentData() for k, c in self.field_combos.items() if c.property("chosen")}
        while self.fields_form.rowCount():
            self.fields_form.removeRow(0)
        self.field_combos = {}
        labels = {"households": self.tr("户数"), "floors": self.tr("层数"),
                  "name": self.tr("名称"), "class": self.tr("道路等级"),
                  "unit_code": self.tr("所属管理单元编码"), "kind": self.tr("类型")}
        for f in role.fields:
            combo = QComboBox(self.fields_box)
            combo.setObjectName(f"field_{f}")
            combo.addItem(self.tr("(无)"), None)
            for col in pv.columns:
                combo.addItem(col, col)
            want = keep.get(f, pv.fields.get(f))
            combo.setCurrentIndex(max(0, combo.findData(want)) if want else 0)
            combo.setProperty("chosen", f in keep)
            combo.currentIndexChanged.connect(
                lambda _i, c=combo: (c.setProperty("chosen", True), self._option_changed()))
            self.field_combos[f] = combo
            self.fields_form.addRow(labels.get(f, f), combo)

    def _fill_table(self, columns: list[str], rows: list[dict]) -> None:
        rows = rows[:PREVIEW_ROWS]
        self.table.clear()
        self.table.setColumnCount(len(columns))
        self.table.setRowCount(len(rows))
        self.table.setHorizontalHeaderLabels(columns)
        for r, row in enumerate(rows):
            for c, col in enumerate(columns):
                v = row.get(col)
                self.table.setItem(r, c, QTableWidgetItem("" if v is None else str(v)))
        self.table.resizeColumnsToContents()

    # -- showing an image / a tile service ------------------------------------------------------
    def _show_raster(self, layer, info, notes) -> None:
        from mapedit.io.crs_guess import china_short_list, describe_crs
        from mapedit.ui.canvas.imagery_context import for_project
        from mapedit.ui.canvas.raster_item import RasterItem

        self.candidate_layer = layer
        lang = _lang()
        crs_text = pick(*describe_crs(layer.crs)) + f" [{layer.crs}]" if layer.crs else "—"
        lines = [self.tr("大小:{w} × {h} 像素,{bands} 个波段").format(
            w=info.width, h=info.height, bands=info.count),
            self.tr("坐标系:") + crs_text,
            self.tr("地理参考:") + (self.tr("坐标文件 ") + Path(info.world_file).name
                                 if info.world_file else self.tr("GeoTIFF 内置"))]
        self.raster_info.setText("\n".join(lines))
        no_crs = info.crs is None
        self._loading = True
        try:
            self.raster_crs.setVisible(no_crs)
            self.raster_crs_label.setVisible(no_crs)
            if no_crs and not self.raster_crs.count():
                for c in china_short_list(self.dataset.crs):
                    self.raster_crs.addItem(c.label(lang), c.crs)
                self.raster_crs.setCurrentIndex(max(0, self.raster_crs.findData(layer.crs)))
            self.embed_check.setChecked(bool(layer.options.get("embedded")))
        finally:
            self._loading = False
        self.raster_notes.setText("\n".join(pick(*n) for n in notes))
        self.raster_notes.setStyleSheet(WARN_STYLE if notes else "")
        self.georef_button.setVisible(False)
        item = RasterItem(layer, for_project(self.project))
        self.map.set_imagery(item)
        self.map.frame("features")
        self.add_button.setEnabled(True)

    def _show_tiles(self, layer, key, notes) -> None:
        from mapedit.ui.canvas.imagery_context import for_project
        from mapedit.ui.canvas.tile_item import TileItem

        self.candidate_layer = layer
        if not self.name_edit.isModified() and not self.name_edit.text():
            self.name_edit.setText(layer.name)
        o = layer.options
        tdt = o.get("key") == "tianditu"
        lines = [self.tr("服务:") + layer.name,
                 self.tr("缩放级别:{a}–{b}").format(a=o.get("min_zoom"), b=o.get("max_zoom")),
                 self.tr("瓦片坐标系:") + str(o.get("tile_crs"))]
        if o.get("mbtiles"):
            lines.append(self.tr("离线文件:") + str(o["mbtiles"]))
        else:
            template = str(o.get("template"))
            short = template if len(template) <= 64 else template[:61] + "…"
            lines.append(self.tr("地址:") + short)
        self.tiles_info.setText("\n".join(lines))
        self.tiles_info.setToolTip(str(o.get("template") or o.get("mbtiles") or ""))
        gcj = bool(o.get("gcj02"))
        self.gcj_warning.setVisible(gcj)
        self.gcj_check.setVisible(gcj)
        if gcj:
            self.gcj_warning.setText(self.tr(
                "这是高德/腾讯的瓦片,使用 GCJ-02(火星坐标),在上海约偏移 500 米。"
                "勾选“纠正偏移”后按 GCJ-02 的反算把瓦片移回真实位置(街道尺度误差在厘米级)。"))
        if key:
            self.key_edit.setText(key)
            self._key_edited()
        for w in (self.key_edit, self.key_help, self.key_row_label):
            w.setVisible(tdt)
        other = [pick(*n) for n in _shown_notes(notes)]
        if key:
            other.append(self.tr("地址中的天地图密钥已保存到本机设置,不写入项目"))
        self.tiles_notes.setText("\n".join(other))
        self._update_key_label()
        ctx = for_project(self.project, tianditu_key=self.settings.tianditu_key() or None)
        item = TileItem(layer, ctx)
        self.map.set_imagery(item)
        self.map.frame("context")
        self.add_button.setEnabled(True)

    def _key_edited(self) -> None:
        key = self.key_edit.text().strip()
        if key != self.settings.tianditu_key():
            self.settings.set_tianditu_key(key)
            self._update_key_label()
            if self.kind == TILES:
                self._start_preview()

    def _update_key_label(self) -> None:
        if self.settings.tianditu_key():
            self.key_label.setStyleSheet(OK_STYLE)
            self.key_label.setText(self.tr("天地图密钥已设置(保存在本机设置中)"))
        else:
            tdt = self.kind == TILES and self.candidate_layer is not None and \
                self.candidate_layer.options.get("key") == "tianditu"
            self.key_label.setStyleSheet(WARN_STYLE if tdt else "QLabel { color: #666; }")
            self.key_label.setText(self.tr(
                "天地图需要免费密钥,选择天地图后可在左侧填写(也可在 帮助 → 欢迎页 中填写)"))

    def _open_georef(self) -> None:
        from mapedit.ui.basemap.georef_window import open_georef_window

        path = self.source_edit.text().strip()
        self.reject()
        open_georef_window(self.project, path, parent=self.parent())

    # -- importing ------------------------------------------------------------------------------
    def start_import(self) -> None:
        source = self.source_edit.text().strip()
        if not source or self.kind is None:
            return
        opts = self._options()
        if self.kind == RASTER:
            opts["embed"] = self.embed_check.isChecked()
        name = self.name_edit.text().strip()
        self.add_button.setEnabled(False)
        self.progress.setVisible(True)
        self.progress.setValue(0)
        self.progress_label.setText(self.tr("正在导入…"))
        job = Job(_build, source, self.kind, self.dataset, self.project_extent, opts, name,
                  parent=self)
        job.progressed.connect(self._import_progress)
        job.succeeded.connect(self._import_built)
        job.failed.connect(self._import_failed)
        self._import_job = job
        job.start()

    def _import_progress(self, fraction: float, text: str) -> None:
        self.progress.setValue(int(round(100 * fraction)))
        if text:
            self.progress_label.setText(text)

    def _import_failed(self, exc: BaseException) -> None:
        self.progress.setVisible(False)
        self.progress_label.setText("")
        self.add_button.setEnabled(True)
        if isinstance(exc, Cancelled):
            return
        self.message.setStyleSheet(BAD_STYLE)
        self.message.setText(self.tr("没有导入任何内容:") + _error_text(exc))

    def _import_built(self, result) -> None:
        """The layer is read and checked: store it (one transaction, in a worker: the map
        stays usable), then show the report."""
        from mapedit.ui.basemap.layer_write import LayerWrite

        layer, lines, notes = result
        self._report = (list(lines), list(notes))
        self.progress.setValue(0)
        self.progress_label.setText(self.tr("正在写入项目…"))
        for w in (self.source_edit, self.browse, self.tdt_combo, self.tdt_use, self.name_edit):
            w.setEnabled(False)
        write = LayerWrite(self.project, layer, parent=self)
        write.progressed.connect(self._write_progress)
        write.written.connect(self._written)
        write.failed.connect(self._write_failed)
        self._write = write
        try:
            write.start()
        except Exception as exc:  # noqa: BLE001 - the id was taken meanwhile: nothing written
            self._write = None
            self._write_failed(exc)

    def _write_progress(self, fraction: float) -> None:
        self.progress.setValue(int(round(100 * fraction)))
        self.progress_label.setText(self.tr("正在写入项目… {pct}%(可以继续查看地图)").format(
            pct=int(round(100 * fraction))))

    def _write_failed(self, exc: BaseException) -> None:
        self._write = None
        for w in (self.source_edit, self.browse, self.tdt_combo, self.tdt_use, self.name_edit):
            w.setEnabled(True)
        if isinstance(exc, Cancelled):
            self.progress.setVisible(False)
            self.add_button.setEnabled(True)
            self.progress_label.setText(self.tr("已取消,项目没有改动"))
            return
        self._import_failed(exc)

    def _written(self, layer) -> None:
        """Stored and in the layer stack: the report."""
        self._write = None
        lines, notes = self._report
        self.added = layer
        self.progress.setValue(100)
        self.progress_label.setText(self.tr("已添加"))
        self.report_lines = list(lines) + [pick(*n) for n in notes]
        head = self.tr("已添加图层“{name}”。").format(name=layer.label(_lang()))
        body = "<br>".join(html.escape(line) for line in lines)
        # notes (a repeated layer, a guessed CRS) in the warning colour, not lost in the list
        warn = "".join(f"<p style='color:#e65100'>{html.escape(pick(*n))}</p>" for n in notes)
        self.report_view.setText(f"<p style='color:#2e7d32'><b>✔ {html.escape(head)}</b></p>"
                                 f"<p>{body}</p>{warn}")
        self.pages.setCurrentWidget(self.report_view)
        self.add_button.setVisible(False)
        self.cancel_button.setText(self.tr("完成"))
        self.layerAdded.emit(layer)

    def writing(self) -> bool:
        """True while the layer is being written into the project."""
        return self._write is not None and self._write.running()

    # -- closing ---------------------------------------------------------------------------------
    def reject(self) -> None:
        if self.writing():
            # the write is one transaction: cancelled, it is rolled back; if it committed
            # already, the layer goes into the stack before the dialog closes
            self.progress_label.setText(self.tr("正在取消…"))
            self._write.cancel()
            self._write.finish()
        for job in (self._import_job, self._preview_job):
            if job is not None and job.running():
                job.cancel()
        self.map.set_imagery(None)
        super().reject()

    def closeEvent(self, ev) -> None:  # noqa: N802 - Qt API
        self.map.set_imagery(None)
        super().closeEvent(ev)


# -- the work (worker threads; no widgets here) --------------------------------------------------

def crs_key(crs: str, swap_xy: bool = False) -> str:
    """A CRS choice as the combo box keeps it (plain text survives Qt's variants)."""
    return f"{crs}|xy" if swap_xy else crs


def from_crs_key(key: str) -> tuple[str, bool]:
    crs, _, swap = str(key).partition("|")
    return crs, swap == "xy"


def _geom(key: str, lang: str) -> str:
    from mapedit.io.vector_import import _geom_label

    return _geom_label(key, lang)


def _preview(control, source: str, kind: str, dataset, extent, opts: dict):
    """(kind, what the dialog shows) for ``source``."""
    from mapedit.io.layer_factory import raster_layer, tiles_layer
    from mapedit.io.raster import raster_info
    from mapedit.io.vector_import import preview_vector

    if kind == VECTOR:
        pv = preview_vector(source, layer=opts.get("layer"), encoding=opts.get("encoding"),
                            crs=opts.get("crs"), role=opts.get("role"),
                            fields={k: v for k, v in (opts.get("fields") or {}).items() if v},
                            project_crs=dataset.crs, project_extent=extent)
        if opts.get("crs") and opts.get("swap_xy") is not None:
            pv.swap_xy = bool(opts["swap_xy"])
        return VECTOR, pv
    if kind == RASTER:
        info = raster_info(source)
        if not info.georeferenced:
            raise _NotGeoreferenced(source)
        layer, notes = raster_layer(source, dataset.crs, dataset.layers, crs=opts.get("crs"))
        return RASTER, (layer, info, notes)
    layer, key, notes = tiles_layer(source, dataset.layers,
                                    gcj02_correction=opts.get("gcj02_correction", True))
    return TILES, (layer, key, notes)


def _build(control, source: str, kind: str, dataset, extent, opts: dict, name: str):
    """(layer, report lines, notes): everything read and checked, nothing stored."""
    from mapedit.io.layer_factory import raster_layer, tiles_layer

    lang = _lang()
    if kind == VECTOR:
        from mapedit.io.vector_import import import_vector, preview_vector
        from mapedit.model.layer_repeats import repeat_note

        control.progress(0.05, "")
        role = opts.get("role")
        if role is None:
            role = preview_vector(source, layer=opts.get("layer"), project_crs=dataset.crs,
                                  project_extent=extent).role
        control.check()
        result = import_vector(source, dataset.crs, dataset.layers.new_id(role), role=role,
                               name=name, layer=opts.get("layer"),
                               encoding=opts.get("encoding"), crs=opts.get("crs"),
                               swap_xy=bool(opts.get("swap_xy")), fields=opts.get("fields"),
                               project_extent=extent)
        control.check()
        control.progress(0.9, "")
        repeat = repeat_note(dataset.layers, result.layer)
        notes = [] if repeat is None else [repeat]
        return result.layer, result.summary(lang), notes
    if kind == RASTER:
        from mapedit.io.raster import prepare

        layer, notes = raster_layer(source, dataset.crs, dataset.layers, name=name,
                                    crs=opts.get("crs"), embed=opts.get("embed"))
        embed = bool(layer.options.get("embedded"))
        prepare(layer.options["path"], crs=layer.crs or None, many_windows=embed,
                progress=lambda f: control.progress(0.9 * f, ""), cancel=control.event)
        control.check()
        return layer, [], notes
    layer, _key, notes = tiles_layer(source, dataset.layers, name=name,
                                     gcj02_correction=opts.get("gcj02_correction", True))
    return layer, [], _shown_notes(notes)


def _is_guess_note(w: tuple[str, str]) -> bool:
    """The preview's "no CRS, candidates guessed" warning (the CRS box says it already)."""
    return w[1].startswith("the file has no CRS (no .prj)")


def _shown_notes(notes: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Notes of ``tiles_layer`` the dialog does not show otherwise (the GCJ-02 warning has its
    own box; a key found in the URL is saved to the settings)."""
    from mapedit.io.layer_factory import KEY_IN_URL_NOTE
    from mapedit.io.tiles import GCJ_NOTE

    return [n for n in notes if n not in (GCJ_NOTE, KEY_IN_URL_NOTE)]


class _NotGeoreferenced(Exception):
    """An image without a world file or GeoTIFF tags: the georeferencing window is the way."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path
