"""文件 → 添加图层 and the georeferencing window, driven as a clerk would: the preview (map, the
first rows in real Chinese, encoding, CRS candidates, field mapping, role), the import in a
worker, the report, nothing stored on failure; tiles with the GCJ-02 warning and the 天地图 key
kept out of the project; an image embedded; a photo georeferenced by clicks and saved.
Screenshots are written to a temporary folder and checked for what a person would notice."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
import pytest
import shapely
from helpers_imagery import (
    CX,
    CY,
    PROJECT_CRS,
    add_ortho_layer,
    ortho_with_marks,
    qimage_rgba,
    to_crs,
    write_raster,
)
from PySide6.QtCore import QPointF, Qt

from mapedit.model.georef import AFFINE, PROJECTIVE, apply
from mapedit.project import Project
from mapedit.ui.settings_store import SettingsStore

SHOTS = Path(os.environ.get("MAPEDIT_SCREENSHOTS", "")) if os.environ.get(
    "MAPEDIT_SCREENSHOTS") else None


@pytest.fixture
def project(demo_path):
    p = Project.open(demo_path)
    yield p
    try:
        p.close()
    except Exception:  # noqa: BLE001 - closed by the test
        pass


def _shot(widget, tmp_path, name: str) -> np.ndarray:
    """Save a screenshot (under MAPEDIT_SCREENSHOTS if set, else the test's folder) and return
    its pixels; fails on a blank picture."""
    folder = SHOTS or tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    img = widget.grab().toImage()
    img.save(str(folder / f"{name}.png"))
    rgba = qimage_rgba(img)
    assert len(np.unique(rgba[::7, ::7, :3].reshape(-1, 3), axis=0)) > 20, f"{name} is blank"
    return rgba


def _gbk_buildings(tmp_path, project) -> Path:
    """300 of the demo's buildings as a surveying bureau sends them: GBK, no .cpg, no .prj,
    zone-prefixed CGCS2000 (EPSG:4528)."""
    from test_vector_import import to_crs as geoms_to_crs
    from test_vector_import import write_gdal

    b = project.dataset.base("buildings")
    geoms = geoms_to_crs(np.asarray(b.geometries[:300], dtype=object), PROJECT_CRS, "EPSG:4528")
    names = [a["name"] for a in b.attributes[:300]]
    shp = write_gdal(tmp_path / "房屋.shp", geoms, {"名称": names, "户数": [a["households"] for a
                     in b.attributes[:300]]}, None, encoding="GBK")
    for suffix in (".prj", ".cpg"):
        shp.with_suffix(suffix).unlink(missing_ok=True)
    return shp


def _dialog(qtbot, project, source=None):
    from mapedit.ui.basemap.add_layer import AddLayerDialog

    dlg = AddLayerDialog(project, SettingsStore(), source=source)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    return dlg


def _previewed(qtbot, dlg) -> None:
    qtbot.waitUntil(lambda: dlg._preview_job is not None and not dlg._preview_job.running()
                    and not dlg._timer.isActive() and dlg.message.text() != "正在读取…",
                    timeout=20000)
    qtbot.wait(50)


def _digest(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# -- vector files ------------------------------------------------------------------------------

def test_gbk_shapefile_previewed_in_chinese_then_imported(qtbot, project, tmp_path):
    shp = _gbk_buildings(tmp_path, project)
    dlg = _dialog(qtbot, project, str(shp))
    _previewed(qtbot, dlg)
    # encoding detected and the first rows in real Chinese
    assert "GB18030" in dlg.encoding_note.text() and "无 .cpg" in dlg.encoding_note.text()
    headers = [dlg.table.horizontalHeaderItem(i).text() for i in range(dlg.table.columnCount())]
    assert headers[:2] == ["名称", "户数"]
    assert dlg.table.item(0, 0).text() == project.dataset.base("buildings").attributes[0]["name"]
    # no .prj: ranked guesses to confirm, the zone-prefixed CGCS2000 first, and the short list
    assert dlg.crs_combo.currentData() == "EPSG:4528"
    items = [dlg.crs_combo.itemText(i) for i in range(dlg.crs_combo.count())]
    assert any("西安80" in t for t in items) and any("EPSG:4490" in t for t in items)
    assert "推测" in dlg.crs_note.text()
    # role and fields guessed from the names
    assert dlg.role_combo.currentData() == "buildings"
    assert dlg.field_combos["households"].currentData() == "户数"
    assert dlg.field_combos["name"].currentData() == "名称"
    # features on the preview map, over the units
    assert not dlg.map._features.path().isEmpty()
    _shot(dlg, tmp_path, "add_layer_vector")
    before = set(project.dataset.layers.ids())
    dlg.add_button.click()
    assert dlg._import_job is not None  # the import runs in a worker, the dialog stays live
    qtbot.waitUntil(lambda: dlg.added is not None, timeout=30000)
    layer = dlg.added
    assert set(project.dataset.layers.ids()) - before == {layer.id}
    assert layer.role == "buildings" and len(layer.data) == 300
    assert layer.options["source_crs"] == "EPSG:4528" and layer.options["encoding"] == "GB18030"
    text = dlg.report_view.text()
    assert "已添加图层" in text and "读取 300 个要素,导入 300 个" in text
    # they are the demo's own buildings: the clerk is told they repeat the existing layer
    assert "重复添加" in text and "(300 个)" in text and "算两次" in text
    _shot(dlg, tmp_path, "add_layer_report")
    project.close()
    again = Project.open(project.path)  # stored: it comes back with the project
    try:
        assert len(again.dataset.layers[layer.id].data) == 300
    finally:
        again.close()


def test_choosing_another_encoding_and_crs_redoes_the_preview(qtbot, project, tmp_path):
    shp = _gbk_buildings(tmp_path, project)
    dlg = _dialog(qtbot, project, str(shp))
    _previewed(qtbot, dlg)
    first = dlg.table.item(0, 0).text()
    dlg.encoding_combo.setCurrentIndex(dlg.encoding_combo.findData("CP1252"))
    _previewed(qtbot, dlg)
    assert dlg.table.item(0, 0).text() != first  # mojibake: the clerk sees it is wrong
    dlg.encoding_combo.setCurrentIndex(dlg.encoding_combo.findData("GBK"))
    _previewed(qtbot, dlg)
    assert dlg.table.item(0, 0).text() == first
    i = dlg.crs_combo.findData("EPSG:4549")
    dlg.crs_combo.setCurrentIndex(i)
    _previewed(qtbot, dlg)
    assert dlg.preview.crs == "EPSG:4549" and dlg.preview.crs_source == "user"


def test_a_failed_import_changes_nothing(qtbot, project, tmp_path):
    from test_vector_import import write_gdal

    pts = [shapely.Point(x, y) for x, y in [to_crs(CX, CY, PROJECT_CRS, "EPSG:4490")]]
    geo = write_gdal(tmp_path / "点.geojson", pts, {"名称": ["一号"]}, "EPSG:4490",
                     driver="GeoJSON")
    digest = _digest(project.path)
    ids = project.dataset.layers.ids()
    dlg = _dialog(qtbot, project, str(geo))
    _previewed(qtbot, dlg)
    dlg.role_combo.setCurrentIndex(dlg.role_combo.findData("buildings"))  # points as buildings
    _previewed(qtbot, dlg)
    dlg.add_button.click()
    qtbot.waitUntil(lambda: "没有导入任何内容" in dlg.message.text(), timeout=20000)
    assert dlg.added is None and project.dataset.layers.ids() == ids
    assert _digest(project.path) == digest


# -- tiles ---------------------------------------------------------------------------------------

def test_gcj02_tiles_warned_and_corrected(qtbot, project, tmp_path):
    dlg = _dialog(qtbot, project,
                  "https://webrd0{s}.is.autonavi.com/appmaptile?style=8&x={x}&y={y}&z={z}")
    _previewed(qtbot, dlg)
    assert dlg.gcj_warning.isVisible() and "GCJ-02" in dlg.gcj_warning.text()
    assert dlg.gcj_check.isChecked()
    _shot(dlg, tmp_path, "add_layer_gcj02")
    dlg.gcj_check.setChecked(False)
    _previewed(qtbot, dlg)
    dlg.add_button.click()
    qtbot.waitUntil(lambda: dlg.added is not None, timeout=20000)
    assert dlg.added.options["gcj02"] is True and dlg.added.options["gcj02_correction"] is False


def test_tianditu_key_goes_to_the_settings_never_the_project(qtbot, project, tmp_path,
                                                             monkeypatch):
    monkeypatch.delenv("MAPEDIT_TIANDITU_KEY", raising=False)
    settings = SettingsStore()
    settings.set_tianditu_key("")
    dlg = _dialog(qtbot, project)
    dlg.tdt_combo.setCurrentIndex(dlg.tdt_combo.findData("tianditu:img_w"))
    dlg.tdt_use.click()
    _previewed(qtbot, dlg)
    assert dlg.key_edit.isVisible() and "tianditu.gov.cn" in dlg.key_help.text()
    assert "免费密钥" in dlg.key_label.text()
    key = "0123456789abcdef0123456789abcdef"
    dlg.key_edit.setText(key)
    dlg.key_edit.editingFinished.emit()
    assert SettingsStore().tianditu_key() == key
    assert "已设置" in dlg.key_label.text()
    _previewed(qtbot, dlg)
    _shot(dlg, tmp_path, "add_layer_tianditu")
    dlg.add_button.click()
    qtbot.waitUntil(lambda: dlg.added is not None, timeout=20000)
    assert dlg.added.options.get("key") == "tianditu"
    assert key not in str(dlg.added.settings())
    project.close()
    assert key.encode() not in Path(project.path).read_bytes()
    SettingsStore().set_tianditu_key("")


# -- images ---------------------------------------------------------------------------------------

def test_geotiff_previewed_and_embedded(qtbot, project, tmp_path):
    tif = ortho_with_marks(tmp_path / "正射影像.tif", crs="EPSG:4528", size=800, res=0.5)
    dlg = _dialog(qtbot, project, str(tif))
    _previewed(qtbot, dlg)
    assert "800 × 800" in dlg.raster_info.text() and "EPSG:4528" in dlg.raster_info.text()
    assert dlg.embed_check.isChecked(), "a small image travels with the project"
    item = dlg.map.imagery()
    qtbot.waitUntil(lambda: bool(item.images()), timeout=20000)
    _shot(dlg, tmp_path, "add_layer_image")
    dlg.add_button.click()
    qtbot.waitUntil(lambda: dlg.added is not None, timeout=30000)
    table = dlg.added.options["embedded"]
    import sqlite3

    conn = sqlite3.connect(project.path)
    try:
        assert conn.execute("SELECT COUNT(*) FROM " + table).fetchone()[0] > 0
    finally:
        conn.close()
    stack = project.dataset.layers.ids()
    assert stack.index(dlg.added.id) < stack.index("buildings"), "imagery goes underneath"


def test_an_image_without_georeference_offers_the_georeferencing_window(qtbot, project,
                                                                        tmp_path):
    png = write_raster(tmp_path / "扫描件.png", np.full((3, 60, 80), 200, np.uint8),
                       driver="PNG")
    dlg = _dialog(qtbot, project, str(png))
    _previewed(qtbot, dlg)
    assert dlg.georef_button.isVisible() and "配准" in dlg.raster_info.text()
    assert not dlg.add_button.isEnabled()


# -- the georeferencing window ------------------------------------------------------------------

H_PHOTO = np.array([[1.3, 0.16, 110.0], [-0.05, 1.2, 85.0], [1.1e-4, 2.4e-4, 1.0]])
RES, PW, PH = 0.5, 800, 600
X0, Y0 = CX - 200.0, CY + 150.0


def _phone_photo(tmp_path) -> Path:
    paper = np.full((PH, PW, 3), 245, np.uint8)
    paper[::50, :] = 60
    paper[:, ::50] = 60
    paper[250:350, 350:450] = (220, 40, 40)
    h, w = 1200, 1600
    py, px = np.mgrid[0:h, 0:w] + 0.5
    u, v = apply(np.linalg.inv(H_PHOTO), px, py)
    iu, iv = np.floor(u).astype(int), np.floor(v).astype(int)
    ok = (iu >= 0) & (iu < PW) & (iv >= 0) & (iv < PH)
    photo = np.full((h, w, 3), 35, np.uint8)
    photo[ok] = paper[iv[ok], iu[ok]]
    return write_raster(tmp_path / "纸质地图.jpg", photo.transpose(2, 0, 1), driver="JPEG")


def _photo_px(x: float, y: float) -> tuple[float, float]:
    a, b = apply(H_PHOTO, (x - X0) / RES, (Y0 - y) / RES)
    return float(a), float(b)


def _click(qtbot, view, box, x, y) -> None:
    scene = box.mapViewToScene(QPointF(x, y))
    pos = view.mapFromScene(scene)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=pos)


def test_georeference_a_phone_photo_by_clicking(qtbot, project, tmp_path):
    from mapedit.ui.basemap.georef_window import GeorefWindow

    photo = _phone_photo(tmp_path)
    win = GeorefWindow(project, str(photo))
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.map.zoom_to_bounds(X0 - 50, Y0 - PH * RES - 50, X0 + PW * RES + 50, Y0 + 50)
    assert "打开" not in win.instructions.text() and "图片上点" in win.instructions.text()
    ground = [(X0 + 30, Y0 - 30), (X0 + 370, Y0 - 25), (X0 + 360, Y0 - 270), (X0 + 40, Y0 - 260),
              (X0 + 200, Y0 - 150), (X0 + 280, Y0 - 90), (X0 + 120, Y0 - 200)]
    # the first point by real mouse clicks: photo, then map
    px, py = _photo_px(*ground[0])
    _click(qtbot, win.image_view, win.image_box, px, -py)
    assert win.pending_image is not None and "地图上点同一个位置" in win.instructions.text()
    _click(qtbot, win.map.view, win.map.viewbox, *ground[0])
    assert len(win.geo) == 1 and win.table.rowCount() == 1
    p = win.geo.points[0]
    assert abs(p.px - px) < 2 and abs(p.py - py) < 2  # within a screen pixel or so
    # the next three: clicked in the photo, typed as longitude/latitude
    for gx, gy in ground[1:4]:
        win._image_clicked(*(lambda a: (a[0], -a[1]))(_photo_px(gx, gy)))
        lon, lat = to_crs(gx, gy, PROJECT_CRS, "EPSG:4490")
        win.coord_edit.setText(f"{lon:.8f}, {lat:.8f}")
        win.add_typed()
    assert len(win.geo) == 4 and win.fit is not None and win.fit.redundancy == 0
    assert "刚好够用" in win.rms_label.text()
    for gx, gy in ground[4:]:
        win._image_clicked(*(lambda a: (a[0], -a[1]))(_photo_px(gx, gy)))
        win._map_clicked(gx, gy)
    assert win.fit.kind == PROJECTIVE and win.fit.rms < 1.0
    residuals = [win.table.item(r, 6).text() for r in range(win.table.rowCount())]
    assert all(float(t) < 1.0 for t in residuals)
    # a mis-click shows as a large residual in red, then is re-placed
    bad = win.geo.points[-1].id
    win.geo.move(bad, x=ground[-1][0] + 40)
    row = [win.table.item(r, 0).text() for r in range(win.table.rowCount())].index(str(bad))
    assert float(win.table.item(row, 6).text()) > 10
    assert win.table.item(row, 6).foreground().color().name() == "#c62828"
    win.table.selectRow(row)
    win._start_move("map")
    assert "新位置" in win.instructions.text()
    win._map_clicked(*ground[-1])
    assert win.fit.rms < 1.0
    # affine cannot follow the perspective
    win.kind_combo.setCurrentIndex(win.kind_combo.findData(AFFINE))
    assert win.fit.kind == AFFINE and win.fit.rms > 2.0
    win.kind_combo.setCurrentIndex(win.kind_combo.findData(PROJECTIVE))
    # the live preview over the map at the slider's opacity
    item = win.preview_item
    assert item is not None and item.isVisible()
    win.opacity.setValue(35)
    assert abs(item.opacity() - 0.35) < 1e-6
    qtbot.waitUntil(lambda: bool(item.images()), timeout=20000)
    _shot(win, tmp_path, "georef_window")
    # delete a point
    win.table.selectRow(0)
    n = len(win.geo)
    win.delete_selected()
    assert len(win.geo) == n - 1
    # save: a raster layer with the fit, embedded (a photo is small)
    win.save(name="城运中心纸质地图")
    qtbot.waitUntil(lambda: win.added is not None, timeout=30000)
    layer = win.added
    assert layer.kind == "raster" and layer.options["transform"]["type"] == PROJECTIVE
    assert layer.name == "城运中心纸质地图" and layer.options.get("embedded")
    m = np.asarray(layer.options["transform"]["matrix"])
    x, y = apply(m, *_photo_px(X0 + 200, Y0 - 150))
    assert np.hypot(float(x) - (X0 + 200), float(y) - (Y0 - 150)) < 1.0
    assert layer.id in project.dataset.layers
    win.reject()


# -- in the editor ---------------------------------------------------------------------------------

def test_the_editor_draws_imagery_and_the_layer_panel_handles_it(qtbot, main_window, tmp_path,
                                                                  monkeypatch):
    """文件 → 添加图层 / 配准纸质地图 are in the menu; an image added to the project is drawn
    by the map under the vectors, listed in the layer panel with its kind, its opacity follows
    the slider, and 删除 removes it from the project (after a question)."""
    from PySide6.QtWidgets import QMessageBox

    from mapedit.ui.canvas.imagery import imagery_items
    from mapedit.ui.canvas.raster_item import RasterItem

    win = main_window
    texts = [a.text() for a in win.menu_file.actions()]
    assert "添加图层…" in texts and "配准纸质地图…" in texts
    project = win.controller.project
    layer = add_ortho_layer(project, tmp_path, size=800, res=0.5)
    items = imagery_items(win.canvas)
    assert isinstance(items.get(layer.id), RasterItem), "the canvas draws the new layer"
    item = items[layer.id]
    assert item.zValue() < win.canvas.layer_item("buildings").zValue()
    win.canvas.zoom_to_bounds(CX - 200, CY - 150, CX + 200, CY + 150)
    win.canvas.render_image()
    qtbot.waitUntil(lambda: bool(item.images()) and item.idle(), timeout=20000)
    _shot(win, tmp_path, "editor_with_imagery")
    # the layer panel: kind icon, opacity, remove
    panel = win.layers
    row = panel.item_for(layer.id)
    assert row is not None and not row.icon().isNull() and "影像" in row.toolTip()
    panel.list.setCurrentItem(row)
    panel.opacity.setValue(40)
    assert abs(project.dataset.layers[layer.id].opacity - 0.4) < 1e-6
    assert abs(item.opacity() - 0.4) < 1e-6
    _shot(panel, tmp_path, "layer_panel")
    assert panel.remove.isEnabled()
    panel.list.setCurrentItem(panel.item_for("grids"))
    assert not panel.remove.isEnabled(), "the project's own layers cannot be removed"
    panel.list.setCurrentItem(panel.item_for(layer.id))
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Yes)
    maker = item.maker
    assert maker._source is not None  # the image is open while it is drawn
    assert panel.remove_current()
    assert layer.id not in project.dataset.layers and layer.id not in imagery_items(win.canvas)
    assert maker._source is None, "a removed layer releases its file at once"
    from mapedit.io.gpkg import GpkgStore

    store = GpkgStore.open(project.path)
    try:
        assert layer.id not in store.load().layers
    finally:
        store.close()


def test_a_failed_tile_layer_is_flagged_in_the_layer_panel(qtbot, main_window, tmp_path):
    from helpers_tile_server import TileServer

    from mapedit.io.layer_factory import default_index, tiles_layer
    from mapedit.ui.canvas.imagery import imagery_items

    server = TileServer()
    try:
        win = main_window
        project = win.controller.project
        layer, _k, _n = tiles_layer(server.url + "/nothing/{z}/{x}/{y}.png",
                                    project.dataset.layers, name="坏的瓦片")
        project.add_layer(layer, default_index(project.dataset.layers, layer))
        item = imagery_items(win.canvas)[layer.id]
        win.canvas.zoom_to_bounds(CX - 200, CY - 150, CX + 200, CY + 150)
        win.canvas.render_image()
        qtbot.waitUntil(lambda: "瓦片加载失败" in item.status(), timeout=20000)
        row = win.layers.item_for(layer.id)
        assert "⚠" in row.text() and "瓦片加载失败" in row.toolTip()
        assert "坏的瓦片" in win.statusBar().currentMessage()
    finally:
        server.close()


def test_a_new_project_offers_the_base_map_step(qtbot, main_window, tmp_path, monkeypatch):
    """文件 → 新建 from the platform's units, then the next step offers 添加图层 / 天地图影像 /
    配准纸质地图 (non-modal); 天地图影像 opens the add-layer dialog on the preset."""
    from PySide6.QtWidgets import QMessageBox

    from mapedit.io.exchange import write_exchange
    from mapedit.ui.files import NewProjectDialog

    win = main_window
    out = tmp_path / "exchange"
    write_exchange(win.controller.project.dataset, out)
    monkeypatch.setattr(QMessageBox, "information",
                        staticmethod(lambda *a, **k: QMessageBox.StandardButton.Ok))
    new_path = tmp_path / "新街道.gpkg"
    monkeypatch.setattr(NewProjectDialog, "ask", classmethod(
        lambda cls, *a, **k: (str(out / "units.geojson"), str(new_path))))
    win.act_new.trigger()
    assert win.controller.project.path == new_path
    step = win.basemap.next_step
    assert step.isVisible() and not step.isModal()
    from PySide6.QtWidgets import QLabel

    assert any("楼栋" in lbl.text() for lbl in step.findChildren(QLabel))
    _shot(step, tmp_path, "new_project_next_step")
    step.tianditu_button.click()
    dlg = step.opened
    assert dlg is not None and dlg.source_edit.text() == "tianditu:img_w"
    _previewed(qtbot, dlg)
    assert dlg.kind == "tiles"
    dlg.reject()
