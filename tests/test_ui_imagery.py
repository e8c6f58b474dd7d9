"""The imagery items of the canvas (raster and tiles): paint never waits — it shows what it has
and asks a worker for the rest —, tiles come in the background with placeholders, a failed
tile is drawn as failed and said so, an offline MBTiles file is read directly, a moved image
is drawn as such once (no request loop), and a picture is cached per view."""

from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
import pytest
from helpers_imagery import CX, CY, MARKS, PROJECT_CRS, ortho_with_marks, qimage_rgba
from helpers_tile_server import TileServer, encoded_tile, png_bytes
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QImage, QPainter

from mapedit.io.layer_factory import raster_layer, tiles_layer
from mapedit.io.tile_fetch import TileCache
from mapedit.model.layers import LayerStack
from mapedit.ui.canvas.imagery_context import ImageryContext
from mapedit.ui.canvas.raster_item import RasterItem
from mapedit.ui.canvas.tile_item import FAILED_FILL, TileItem


class MapView:
    """A bare map view (ViewBox, y up) around one item, rendered like the canvas's frames."""

    def __init__(self, qtbot, item, size=(600, 400)) -> None:
        self.view = pg.GraphicsView(background="w")
        self.box = pg.ViewBox(lockAspect=True, invertY=False)
        self.view.setCentralItem(self.box)
        self.box.addItem(item, ignoreBounds=True)
        qtbot.addWidget(self.view)
        self.view.resize(*size)
        self.view.show()
        qtbot.waitExposed(self.view)
        self.size = size

    def show(self, x0, y0, x1, y1) -> None:
        self.box.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)

    def frame(self) -> QImage:
        w, h = self.size
        img = QImage(w, h, QImage.Format.Format_ARGB32_Premultiplied)
        img.fill(QColor("white"))
        p = QPainter(img)
        self.view.render(p, QRectF(0, 0, w, h), self.view.viewport().rect())
        p.end()
        return img

    def to_pixel(self, x, y):
        r = self.box.viewRect()
        w, h = self.size
        return int((x - r.left()) / r.width() * w), int((r.bottom() - y) / r.height() * h)


def _ctx(tmp_path, **kw) -> ImageryContext:
    return ImageryContext(crs=PROJECT_CRS, tile_cache=TileCache(tmp_path / "tiles"), **kw)


# -- raster ------------------------------------------------------------------------------------

def test_raster_paint_never_waits_and_caches_the_view(qtbot, tmp_path):
    tif = ortho_with_marks(tmp_path / "o.tif", crs="EPSG:4528")
    layer, _ = raster_layer(tif, PROJECT_CRS, LayerStack(), embed=False)
    item = RasterItem(layer, _ctx(tmp_path))
    mv = MapView(qtbot, item)
    (mx, my), colour = MARKS[0]
    mv.show(mx - 30, my - 20, mx + 30, my + 20)
    mv.frame()
    assert item.requests == 1 and not item.images(), "the first paint only asks"
    qtbot.waitUntil(lambda: bool(item.idle() and item.images()), timeout=10000)
    rgba = qimage_rgba(mv.frame())
    c, r = mv.to_pixel(mx, my)
    assert tuple(rgba[r, c, :3]) == colour
    # the same view, or a small pan within the margin: no new read
    n = item.requests
    for _ in range(3):
        mv.frame()
    mv.box.translateBy(x=5.0)
    mv.frame()
    assert item.requests == n
    # zooming out a lot needs a coarser picture: asked once, the old one stands in meanwhile
    mv.show(mx - 300, my - 200, mx + 300, my + 200)
    img = qimage_rgba(mv.frame())
    assert item.requests == n + 1
    assert (np.abs(img[..., :3].astype(int) - 255).sum(axis=2) > 0).any(), "stand-in drawn"
    qtbot.waitUntil(item.idle, timeout=10000)


def test_opacity_of_the_layer(qtbot, tmp_path):
    tif = ortho_with_marks(tmp_path / "o.tif", crs=PROJECT_CRS)
    layer, _ = raster_layer(tif, PROJECT_CRS, LayerStack(), embed=False)
    item = RasterItem(layer, _ctx(tmp_path))
    mv = MapView(qtbot, item)
    (mx, my), _colour = MARKS[0]  # red
    mv.show(mx - 30, my - 20, mx + 30, my + 20)
    mv.frame()
    qtbot.waitUntil(lambda: bool(item.idle() and item.images()), timeout=10000)
    item.setOpacity(0.5)
    rgba = qimage_rgba(mv.frame())
    c, r = mv.to_pixel(mx, my)
    red, green, _b, _a = (int(v) for v in rgba[r, c])
    assert 240 <= red <= 255 and 120 <= green <= 135  # half red over white


def test_a_moved_image_says_so_once(qtbot, tmp_path):
    tif = ortho_with_marks(tmp_path / "o.tif", crs=PROJECT_CRS, size=200, res=1.0)
    layer, _ = raster_layer(tif, PROJECT_CRS, LayerStack(), embed=False)
    tif.unlink()
    item = RasterItem(layer, _ctx(tmp_path))
    mv = MapView(qtbot, item)
    mv.show(CX - 150, CY - 100, CX + 150, CY + 100)
    mv.frame()
    qtbot.waitUntil(lambda: bool(item.status()), timeout=10000)
    assert "找不到影像文件" in item.status() and "image file not found" in item.status()
    qtbot.waitUntil(item.idle, timeout=5000)
    qtbot.wait(50)
    n = item.requests
    for _ in range(5):
        mv.frame()
        mv.box.translateBy(x=100.0)
    qtbot.wait(100)
    assert item.requests == n, "a missing file is not asked for again on every frame"
    mv.show(CX - 150, CY - 100, CX + 150, CY + 100)
    rgba = qimage_rgba(mv.frame())
    c, r = mv.to_pixel(CX, CY)
    # Whether one given pixel is ink depends on the font and the file's path; look at bands.
    def reddish(block):
        px = block[..., :3].reshape(-1, 3).astype(int)
        return int(((px[:, 0] > 150) & (px[:, 1] < 120) & (px[:, 2] < 120)).sum())

    assert reddish(rgba[r - 12:r + 12, :]) > 20, "the message is written across the middle"
    left, _ = mv.to_pixel(item.extent()[0], CY)
    assert reddish(rgba[:, max(left - 3, 0):left + 4]) > 20, "the image's outline is drawn"


def test_a_big_scan_gets_its_pyramid_in_the_background(qtbot, tmp_path, monkeypatch):
    import mapedit.io.raster as R

    monkeypatch.setattr(R, "PYRAMID_MIN_PIXELS", 1000 * 1000)
    monkeypatch.setenv("MAPEDIT_CACHE_DIR", str(tmp_path / "cache"))
    tif = ortho_with_marks(tmp_path / "scan.tif", crs=PROJECT_CRS, size=1600, res=0.25,
                           blockysize=8)  # striped, no overviews
    assert R.raster_info(tif).needs_pyramid
    layer, _ = raster_layer(tif, PROJECT_CRS, LayerStack(), embed=False)
    item = RasterItem(layer, _ctx(tmp_path))
    mv = MapView(qtbot, item)
    mv.show(CX - 150, CY - 100, CX + 150, CY + 100)
    mv.frame()
    qtbot.waitUntil(lambda: bool(item.idle() and item.images()), timeout=20000)
    assert R.prepared_path(tif) is not None, "the pyramid copy was built"
    (mx, my), colour = MARKS[1]
    mv.show(mx - 30, my - 20, mx + 30, my + 20)
    mv.frame()
    qtbot.waitUntil(lambda: bool(item.idle() and item.images()[-1].px < 0.2), timeout=10000)
    rgba = qimage_rgba(mv.frame())
    c, r = mv.to_pixel(mx, my)
    assert np.abs(rgba[r, c, :3].astype(int) - colour).max() < 12  # JPEG in the pyramid


# -- tiles -------------------------------------------------------------------------------------

@pytest.fixture
def server():
    s = TileServer(delay=0.05)
    yield s
    s.close()


def test_tiles_come_in_the_background_with_placeholders(qtbot, tmp_path, server):
    layer, _k, _n = tiles_layer(server.url + "/xyz/{z}/{x}/{y}.png", LayerStack())
    item = TileItem(layer, _ctx(tmp_path))
    mv = MapView(qtbot, item)
    mv.show(CX - 150, CY - 100, CX + 150, CY + 100)
    t = time.perf_counter()
    mv.frame()
    assert time.perf_counter() - t < 0.5 and not item.images(), "paint does not fetch"
    qtbot.waitUntil(lambda: bool(item.images() and not item.images()[-1].complete), timeout=10000)
    first = item.images()[-1]
    assert first.details["missing"], "tiles on their way"
    pending = qimage_rgba(first.image)
    assert (np.abs(pending[..., :3].astype(int) - (226, 226, 226)).sum(axis=2) < 6).any(), \
        "placeholders where tiles are missing"
    mv.frame()
    qtbot.waitUntil(lambda: bool(item.images()[-1].complete and item.idle()), timeout=15000)
    done = item.images()[-1]
    assert not done.details["failed"] and item.status() == ""
    assert sum(server.hits.values()) == done.details["tiles"]


def test_a_failed_tile_is_drawn_as_failed_and_said(qtbot, tmp_path, server):
    from mapedit.io.tiles import TileService, view_tiles

    layer, _k, _n = tiles_layer(server.url + "/xyz/{z}/{x}/{y}.png", LayerStack())
    item = TileItem(layer, _ctx(tmp_path))
    mv = MapView(qtbot, item)
    bounds = (CX - 150, CY - 100, CX + 150, CY + 100)
    mv.show(*bounds)
    centre = [p for p in view_tiles(TileService.from_options(layer.options), bounds, 600,
                                    PROJECT_CRS)
              if min(x for x, _ in p.quad) < CX < max(x for x, _ in p.quad)
              and min(y for _, y in p.quad) < CY < max(y for _, y in p.quad)][0]
    server.fail.add((centre.z, centre.x, centre.y))
    mv.frame()
    qtbot.waitUntil(lambda: "1 个瓦片加载失败" in item.status(), timeout=15000)
    assert "HTTP 404" in item.status()
    qtbot.waitUntil(item.idle, timeout=10000)
    rgba = qimage_rgba(mv.frame())
    c, r = mv.to_pixel(CX, CY)
    found = rgba[max(0, r - 30):r + 30, max(0, c - 30):c + 30, :3].astype(int)
    fill = np.array([FAILED_FILL.red(), FAILED_FILL.green(), FAILED_FILL.blue()])
    assert (np.abs(found - fill).sum(axis=2) < 8).any(), "the failed tile is pale red"


def test_offline_mbtiles_drawn_and_missing_tiles_left_empty(qtbot, tmp_path):
    from mapedit.io.mbtiles import write_mbtiles
    from mapedit.io.tiles import TileService, area_tiles

    bounds = (CX - 150, CY - 100, CX + 150, CY + 100)
    service = TileService("x/{z}/{x}/{y}")
    keys = area_tiles(service, (CX - 60, CY - 60, CX + 60, CY + 60), PROJECT_CRS, [18])
    path = write_mbtiles(tmp_path / "离线.mbtiles",
                         {k: png_bytes(encoded_tile(*k)) for k in keys},
                         {"name": "离线", "format": "png"})
    layer, _k, _n = tiles_layer(str(path), LayerStack())
    item = TileItem(layer, _ctx(tmp_path))
    mv = MapView(qtbot, item)
    mv.show(*bounds)
    mv.frame()
    qtbot.waitUntil(lambda: bool(item.idle() and item.images()), timeout=10000)
    img = item.images()[-1]
    assert img.complete and img.details["absent"] and not img.details["failed"]
    rgba = qimage_rgba(mv.frame())
    c, r = mv.to_pixel(CX, CY)
    assert rgba[r, c, 3] == 255 and tuple(rgba[r, c, :3]) != (255, 255, 255)


def test_tianditu_without_a_key_says_where_to_enter_it(qtbot, tmp_path, monkeypatch):
    monkeypatch.delenv("MAPEDIT_TIANDITU_KEY", raising=False)
    layer, _k, _n = tiles_layer("tianditu:img_w", LayerStack())
    item = TileItem(layer, _ctx(tmp_path, tianditu_key=None))
    mv = MapView(qtbot, item)
    mv.show(CX - 150, CY - 100, CX + 150, CY + 100)
    mv.frame()
    qtbot.waitUntil(lambda: "天地图需要密钥" in item.status(), timeout=10000)
    assert "Welcome page" in item.status()


def test_workers_never_hold_the_item(qtbot, tmp_path):
    """The cause of a crash (timer events to an item destroyed in a worker thread): while a
    picture is being made, the worker must not keep the QGraphicsObject alive — its last
    reference must die on the GUI thread."""
    import gc
    import threading
    import weakref

    from mapedit.ui.canvas.view_image import ViewImage, ViewImageItem, blank_image

    release = threading.Event()
    started = threading.Event()

    class SlowMaker:
        def extent(self):
            return (0.0, 0.0, 100.0, 100.0)

        def produce(self, req, wait=None):
            started.set()
            release.wait(10)
            return ViewImage(blank_image(req), req.bounds, req.px)

        def close(self):
            pass

    item = ViewImageItem(SlowMaker())
    mv = MapView(qtbot, item)
    mv.show(0, 0, 100, 100)
    mv.frame()
    assert started.wait(10), "the worker started"
    ref = weakref.ref(item)
    mv.box.removeItem(item)
    del item
    gc.collect()
    try:
        assert ref() is None, "the worker thread holds the item"
    finally:
        release.set()
    qtbot.wait(100)  # the result arrives for an item that is gone: dropped quietly
