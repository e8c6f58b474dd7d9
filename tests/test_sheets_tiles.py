"""Sign-off sheets print online tile imagery under the map (issue 13: "the base map (imagery
when the project has it)"), through the base-map render path, from a tile server on loopback.

Before: only raster layers were printed; a project whose imagery is 天地图 or another tile
service got sheets without it. Now tiles are fetched (waiting with a timeout) at print
resolution; tiles that do not arrive never fail the sheet: the map says the imagery is
incomplete and ``mapedit sheets`` prints one warning line."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from helpers_tile_server import TileServer

from mapedit.cli import main
from mapedit.io.layer_factory import default_index, tiles_layer
from mapedit.project import Project

pytestmark = pytest.mark.skipif(
    any(shutil.which(t) is None for t in ("pdftotext", "pdfimages", "pdftoppm")),
    reason="poppler-utils (pdftotext, pdfimages, pdftoppm) not installed")

UNIT = "310118005012"  # 公园路一段街面: a long, low strip


@pytest.fixture
def server():
    s = TileServer()
    yield s
    s.close()


@pytest.fixture(autouse=True)
def _own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("MAPEDIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("MAPEDIT_RENDER_TIMEOUT", "20")


def _add_tiles(path, template: str, name: str) -> str:
    with Project.open(path) as project:
        layer, _k, _n = tiles_layer(template, project.dataset.layers, name=name)
        project.add_layer(layer, default_index(project.dataset.layers, layer))
        return layer.id


def _text(pdf) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                          check=True, text=True, encoding="utf-8").stdout


def _largest_image(pdf, folder) -> np.ndarray:
    """The biggest image in the PDF, as RGB pixels (pdfimages writes it as PNG)."""
    import rasterio

    folder.mkdir()
    subprocess.run(["pdfimages", "-png", str(pdf), str(folder / "img")], check=True)
    files = sorted(folder.glob("img-*.png"), key=lambda f: f.stat().st_size)
    assert files, "the PDF holds an image (the imagery)"
    with rasterio.open(files[-1]) as src:
        return src.read()[:3].transpose(1, 2, 0)


def test_tiles_are_printed_under_the_unit_map(demo_path, tmp_path, server, capsys):
    _add_tiles(demo_path, server.url + "/xyz/{z}/{x}/{y}.png", "回环影像")
    out = tmp_path / "图纸.pdf"
    assert main(["sheets", str(demo_path), str(out), "--unit", UNIT]) == 0
    captured = capsys.readouterr()
    assert "影像" not in captured.err and "imagery" not in captured.err
    assert "影像不完整" not in _text(out)
    rgb = _largest_image(out, tmp_path / "images")
    h, w = rgb.shape[:2]
    assert w >= 1000, "printed at about 200 dpi, not a screen's resolution"
    # the loopback tiles are gradients (R = column, G = row inside each tile): the printed
    # image is theirs, not a blank or pale-red placeholder
    assert len(np.unique(rgb[::5, ::5].reshape(-1, 3), axis=0)) > 2000
    assert server.hits, "the tiles came from the server"
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", str(out),
                    str(tmp_path / "page")], check=True)
    shutil.copy(next(tmp_path.glob("page*.png")), tmp_path / "sheet_with_tiles.png")


def test_tiles_that_do_not_arrive_leave_a_note_and_one_warning(demo_path, tmp_path, server,
                                                               capsys):
    _add_tiles(demo_path, server.url + "/xyz/{z}/{x}/{y}.png", "回环影像")
    _add_tiles(demo_path, server.url + "/nothing/{z}/{x}/{y}.png", "坏的瓦片")
    out = tmp_path / "图纸.pdf"
    assert main(["sheets", str(demo_path), str(out), "--unit", UNIT]) == 0
    err = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    assert len(err) == 1, err
    assert "影像不完整" in err[0] and "incomplete" in err[0] and "坏的瓦片" in err[0]
    assert "HTTP 400" in err[0]  # what the server answered
    assert "影像不完整" in _text(out), "the sheet itself says its imagery is incomplete"
    # the good layer is still printed
    rgb = _largest_image(out, tmp_path / "images")
    assert len(np.unique(rgb[::5, ::5].reshape(-1, 3), axis=0)) > 2000
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", str(out),
                    str(tmp_path / "page")], check=True)


def test_the_street_atlas_prints_tiles_on_every_map(demo_path, tmp_path, server):
    from mapedit.ui.sheets.atlas import write_project_sheets

    _add_tiles(demo_path, server.url + "/xyz/{z}/{x}/{y}.png", "回环影像")
    with Project.open(demo_path) as project:
        codes = list(project.dataset.units)[:2]
        result = write_project_sheets(project, tmp_path / "图集.pdf", codes)
    assert result.imagery_problems == []
    images = subprocess.run(["pdfimages", "-list", str(tmp_path / "图集.pdf")],
                            capture_output=True, text=True, check=True).stdout.splitlines()
    assert len(images) - 2 >= len(codes)


def test_offline_the_sheet_prints_what_the_tile_cache_holds(demo_path, tmp_path, server,
                                                            capsys, monkeypatch):
    """Printed once online, the tiles are in the cache: offline (the server gone) the same
    sheet is complete from it; with an empty cache, offline, the sheet says what is missing."""
    _add_tiles(demo_path, server.url + "/xyz/{z}/{x}/{y}.png", "回环影像")
    online = tmp_path / "联网.pdf"
    assert main(["sheets", str(demo_path), str(online), "--unit", UNIT]) == 0
    hits = sum(server.hits.values())
    assert hits
    server.close()
    offline = tmp_path / "断网.pdf"
    assert main(["sheets", str(demo_path), str(offline), "--unit", UNIT]) == 0
    assert not [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    assert "影像不完整" not in _text(offline)
    rgb = _largest_image(offline, tmp_path / "images")
    assert len(np.unique(rgb[::5, ::5].reshape(-1, 3), axis=0)) > 2000
    monkeypatch.setenv("MAPEDIT_CACHE_DIR", str(tmp_path / "空的缓存"))
    empty = tmp_path / "无缓存.pdf"
    assert main(["sheets", str(demo_path), str(empty), "--unit", UNIT]) == 0
    err = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    assert len(err) == 1 and "影像不完整" in err[0]
    assert "影像不完整" in _text(empty)


def test_the_sheets_dialog_prints_tiles_and_warns_when_incomplete(qtbot, demo_project,
                                                                  tmp_path, server,
                                                                  monkeypatch):
    """文件 → 打印/导出图纸 in the editor: the preview and the PDF carry the tile imagery; a
    tile layer that did not arrive gets the note on the sheet and a warning to the clerk."""
    from PySide6.QtWidgets import QMessageBox

    from mapedit.ui.sheets.dialogs import SheetsDialog

    layers = demo_project.dataset.layers
    for template, name in ((server.url + "/xyz/{z}/{x}/{y}.png", "回环影像"),
                           (server.url + "/nothing/{z}/{x}/{y}.png", "坏的瓦片")):
        layer, _k, _n = tiles_layer(template, layers, name=name)
        demo_project.add_layer(layer, default_index(layers, layer), who="测试")
    warned: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a: warned.append(text))
    dlg = SheetsDialog(demo_project, current_unit=UNIT)
    qtbot.addWidget(dlg)
    dlg.show()
    assert dlg.preview.pixmap() is not None and not dlg.preview.pixmap().isNull()
    out = tmp_path / "图纸.pdf"
    assert dlg.export_to(out)
    assert dlg.last_result.imagery_problems
    assert warned and "影像不完整" in warned[0] and "坏的瓦片" in warned[0]
    assert "影像不完整" in _text(out)
    rgb = _largest_image(out, tmp_path / "images")
    assert len(np.unique(rgb[::5, ::5].reshape(-1, 3), axis=0)) > 2000
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", str(out),
                    str(tmp_path / "dialog_page")], check=True)
    keep = os.environ.get("MAPEDIT_SCREENSHOTS")  # as test_ui_basemap's screenshots
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(next(tmp_path.glob("dialog_page*.png")), Path(keep) / "sheet_tiles_missing.png")


def test_a_failing_tile_layer_prints_clear_not_red(demo_path, tmp_path, server, qapp):
    """On paper a failed tile is left clear, not pale red: a failing layer on top (a 注记
    layer whose key is wrong) must not hide the imagery of the layers below; the picture's
    problems carry the note instead."""
    from mapedit.io.layer_factory import tiles_layer
    from mapedit.model.layers import LayerStack
    from mapedit.ui.canvas.imagery_context import ImageryContext
    from mapedit.ui.render import render_layer

    with Project.open(demo_path) as project:
        crs, (x0, y0, x1, y1) = project.dataset.crs, project.dataset.extent()
    layer, _k, _n = tiles_layer(server.url + "/nothing/{z}/{x}/{y}.png", LayerStack(),
                                name="坏的瓦片")
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    img, problems = render_layer(layer, (cx - 150, cy - 100, cx + 150, cy + 100), 300, 200,
                                 ImageryContext(crs=crs, project_path=None), timeout=5)
    assert problems and "坏的瓦片" in problems[0][0]
    from helpers_imagery import qimage_rgba

    alpha = qimage_rgba(img)[..., 3]
    assert alpha.max() == 0, "nothing drawn where the tiles failed"
