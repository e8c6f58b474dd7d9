"""A saved georeference reopened to adjust it (issue 11 follow-up): 图层 → 调整配准….

Before: a georeferenced paper map, once saved, could not be corrected: the georeferencing
window only opened on a new image file, so a mis-clicked control point meant adding the image
again (and removing the old layer by hand). Now the window opens on the layer with its control
points restored from the layer's options (the points are stored there with the fit), and
saving replaces that layer's georeference — after a question, never silently — writing an
embedded image into the project again, in the background."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from helpers_imagery import (
    CX,
    CY,
    PROJECT_CRS,
    add_ortho_layer,
    mark_centre,
    qimage_rgba,
)
from helpers_window import show_window
from PySide6.QtWidgets import QApplication, QMessageBox
from test_ui_basemap import PH, PW, RES, SHOTS, X0, Y0, _phone_photo, _photo_px, _shot

from mapedit.io.layer_factory import default_index, raster_layer
from mapedit.model.georef import PROJECTIVE, Georeferencer
from mapedit.project import Project

GROUND = [(X0 + 30, Y0 - 30), (X0 + 370, Y0 - 25), (X0 + 360, Y0 - 270), (X0 + 40, Y0 - 260),
          (X0 + 200, Y0 - 150), (X0 + 120, Y0 - 200)]
RED_SQUARE = (X0 + 200.0, Y0 - 150.0)
"""Where the paper map's red square (its pixels 350–450 × 250–350) is on the ground."""
VIEW = (X0 - 20, Y0 - PH * RES - 20, X0 + PW * RES + 20, Y0 + 20)


def _georeferenced_photo(tmp_path, project, slip_m: float = 25.0):
    """The phone photo saved as an embedded layer from six points, the sixth mis-clicked by
    ``slip_m`` metres on the map (as ``mapedit georef`` or the window would store it)."""
    photo = _phone_photo(tmp_path)
    geo = Georeferencer(project.dataset.crs, PROJECTIVE)
    for i, (gx, gy) in enumerate(GROUND):
        px, py = _photo_px(gx, gy)
        geo.add(px, py, gx + (slip_m if i == 5 else 0.0), gy)
    layer, _ = raster_layer(photo, project.dataset.crs, project.dataset.layers,
                            name="城运中心纸质地图", transform=geo.to_options(), embed=True)
    project.add_layer(layer, default_index(project.dataset.layers, layer))
    return layer, photo


def _red_error(project, tmp_path, layer_id: str) -> float:
    """Metres between where the rendered map shows the red square and where it is."""
    from mapedit.io.tile_fetch import TileCache
    from mapedit.ui.canvas.imagery_context import ImageryContext
    from mapedit.ui.render import render_map

    ctx = ImageryContext(crs=project.dataset.crs, project_path=str(project.path),
                         tile_cache=TileCache(tmp_path / "tiles"))
    result = render_map(project, bounds=VIEW, size=(840, 640), layers=[layer_id],
                        context=ctx)
    assert result.ok, result.problems
    c = mark_centre(qimage_rgba(result.image), (220, 40, 40), tol=90)
    assert c is not None, "the red square is drawn"
    x, y = result.pixel_to_map(*c)
    return float(np.hypot(x - RED_SQUARE[0], y - RED_SQUARE[1]))


def test_the_control_points_are_stored_with_the_layer(demo_path, tmp_path):
    with Project.open(demo_path) as project:
        layer, _ = _georeferenced_photo(tmp_path, project)
    with Project.open(demo_path) as again:  # read back from the file
        stored = again.dataset.layers[layer.id].options["transform"]
        geo = Georeferencer.from_options(stored, crs=again.dataset.crs)
    assert geo.kind == PROJECTIVE and len(geo) == len(GROUND)
    assert [(round(p.x, 3), round(p.y, 3)) for p in geo.points][:5] == \
        [(round(x, 3), round(y, 3)) for x, y in GROUND[:5]]
    assert np.allclose(geo.fit().matrix, np.asarray(stored["matrix"]), rtol=1e-6)


@pytest.fixture
def window(qtbot, demo_path, tmp_path):
    with Project.open(demo_path) as project:
        layer, photo = _georeferenced_photo(tmp_path, project)
    w = show_window(qtbot, Project.open(demo_path))
    yield w, layer.id, photo
    w.close()


def _open_windows():
    from mapedit.ui.basemap.georef_window import GeorefWindow

    return [w for w in QApplication.topLevelWidgets()
            if isinstance(w, GeorefWindow) and w.isVisible()]


def test_adjust_a_saved_georeference_from_the_layer_panel(qtbot, window, tmp_path,
                                                          monkeypatch):
    from mapedit.io.gpkg import GpkgStore
    from mapedit.ui.commands import current_user

    win, layer_id, photo = window
    project = win.controller.project
    before_error = _red_error(project, tmp_path, layer_id)
    assert before_error > 2.0, "the mis-clicked point pulls the photo off"
    panel = win.layers
    win.dock_layers.raise_()
    panel.list.setCurrentItem(panel.item_for(layer_id))
    assert panel.georef.isVisible() and panel.georef.isEnabled()
    menu = panel.context_menu(layer_id)
    texts = {a.text(): a for a in menu.actions()}
    assert texts["调整配准…"].isEnabled() and "删除…" in texts
    _shot(panel, tmp_path, "layer_panel_adjust")
    menu.grab().save(str((SHOTS or tmp_path) / "layer_context_menu.png"))
    texts["调整配准…"].trigger()
    qtbot.waitUntil(lambda: bool(_open_windows()), timeout=10000)
    geo_win = _open_windows()[0]
    # the points came back from the layer's options
    assert len(geo_win.geo) == len(GROUND) and geo_win.table.rowCount() == len(GROUND)
    assert geo_win.kind_combo.currentData() == PROJECTIVE
    assert geo_win.target is not None and geo_win.target.id == layer_id
    assert geo_win.image == str(Path(photo).resolve())
    assert geo_win.save_button.text() == "保存到图层…"
    assert "调整配准" in geo_win.windowTitle() and "城运中心纸质地图" in geo_win.windowTitle()
    assert geo_win.fit is not None and geo_win.fit.rms > 2.0
    bad = geo_win.geo.points[-1]
    row = [geo_win.table.item(r, 0).text() for r in range(6)].index(str(bad.id))
    assert float(geo_win.table.item(row, 6).text()) > 5
    qtbot.waitUntil(lambda: geo_win.preview_item is not None and bool(
        geo_win.preview_item.images()), timeout=20000)
    _shot(geo_win, tmp_path, "georef_adjust")
    # the clerk re-places the mis-clicked point on the map
    geo_win.table.selectRow(row)
    geo_win._start_move("map")
    geo_win._map_clicked(*GROUND[5])
    assert geo_win.fit.rms < 1.0
    stored = dict(project.dataset.layers[layer_id].options["transform"])
    revision = project.store.revision()
    # saving asks first; "No" changes nothing
    asked: list[str] = []

    def answer(button):
        def ask(_parent, _title, text, *a, **k):
            asked.append(text)
            return button
        return ask

    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.No))
    geo_win.save()
    assert asked and "替换" in asked[0] and "城运中心纸质地图" in asked[0]
    assert "不能撤销" in asked[0]
    assert project.store.revision() == revision and not geo_win._busy()
    assert project.dataset.layers[layer_id].options["transform"] == stored
    # "Yes" replaces the layer's georeference (in the background), in the file too
    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.Yes))
    geo_win.save()
    qtbot.waitUntil(lambda: geo_win.added is not None, timeout=60000)
    layer = project.dataset.layers[layer_id]
    points = layer.options["transform"]["points"]
    assert len(points) == 6 and abs(points[5]["x"] - GROUND[5][0]) < 1e-6
    assert layer.options["transform"]["rms_m"] < 1.0
    assert layer.options.get("embedded")
    assert [ly.id for ly in project.dataset.layers].count(layer_id) == 1
    assert "已更新图层" in geo_win.progress_label.text()
    _shot(geo_win, tmp_path, "georef_adjust_saved")
    assert win.controller.check_outside() is False  # our own write: nothing to reload
    entry = project.store.edit_log(3)[0]
    assert entry["action"] == "layer_replace" and entry["who"] == current_user()
    assert entry["before_attrs"]["options"]["transform"]["rms_m"] > 2.0
    # the embedded picture was written again with the new georeference
    after_error = _red_error(project, tmp_path, layer_id)
    assert after_error < 1.5, (before_error, after_error)
    store = GpkgStore.open(project.path)
    try:
        again = store.load().layers[layer_id]
        assert again.options["transform"]["points"][5]["x"] == pytest.approx(GROUND[5][0])
    finally:
        store.close()
    geo_win.reject()


def test_an_image_without_stored_points_cannot_be_adjusted(qtbot, main_window, tmp_path,
                                                           monkeypatch):
    from mapedit.ui.basemap.georef_window import open_for_layer

    win = main_window
    project = win.controller.project
    layer = add_ortho_layer(project, tmp_path, size=400, res=0.5)
    panel = win.layers
    panel.list.setCurrentItem(panel.item_for(layer.id))
    assert not panel.georef.isVisible()
    action = next(a for a in panel.context_menu(layer.id).actions() if a.text() == "调整配准…")
    assert not action.isEnabled()
    warned: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a: warned.append(text))
    assert open_for_layer(project, layer.id, win) is None
    assert warned and "没有保存控制点" in warned[0]
    assert not _open_windows()
    assert (CX, CY) and PROJECT_CRS  # the photo's frame is the demo street's middle


def test_a_moved_image_cannot_be_adjusted_and_says_so(qtbot, demo_project, tmp_path,
                                                      monkeypatch):
    from mapedit.ui.basemap.georef_window import open_for_layer

    layer, photo = _georeferenced_photo(tmp_path, demo_project)
    Path(photo).rename(Path(photo).with_name("别处.jpg"))
    warned: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a: warned.append(text))
    assert open_for_layer(demo_project, layer.id) is None
    assert warned and "找不到" in warned[0] and "原始图片" in warned[0]
