"""``render_map`` / ``mapedit render``: the map as the canvas draws it, offscreen, checked by
reading pixels — a GeoTIFF in a zone-prefixed CRS (linked and embedded), web tiles from a
server on loopback (plain and GCJ-02-corrected), an MBTiles file written by GDAL, a phone
photo georeferenced in mapedit, an imported GBK Shapefile — each lands where it belongs
(0.5 m; 1 m for the photo). Tiles that do not arrive are named, and nothing is written."""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest
import shapely
from helpers_imagery import (
    CX,
    CY,
    MARKS,
    PROJECT_CRS,
    marks_landed,
    ortho_with_marks,
    qimage_rgba,
    to_crs,
    write_raster,
)
from helpers_tile_server import TileServer
from test_tiles import _placement_errors

from mapedit.io.layer_factory import default_index, raster_layer, tiles_layer
from mapedit.io.tile_fetch import TileCache
from mapedit.io.tiles import TileService
from mapedit.project import Project
from mapedit.ui.canvas.imagery_context import ImageryContext
from mapedit.ui.render import render_map

VIEW = (CX - 175.0, CY - 125.0, CX + 175.0, CY + 125.0)
"""350 m × 250 m around the marks; 1400 × 1000 px = 0.25 m/px."""
SIZE = (1400, 1000)


@pytest.fixture
def project(demo_path):
    p = Project.open(demo_path)
    yield p
    p.close()


@pytest.fixture
def server():
    s = TileServer()
    yield s
    s.close()


def _context(project, tmp_path, **kw) -> ImageryContext:
    return ImageryContext(crs=project.dataset.crs, project_path=str(project.path),
                          tile_cache=TileCache(tmp_path / "tiles"), **kw)


def _add(project, layer):
    project.add_layer(layer, default_index(project.dataset.layers, layer))
    return layer


# -- images ------------------------------------------------------------------------------------

@pytest.mark.parametrize("embed", [False, True])
def test_geotiff_in_a_zone_prefixed_crs_lands_within_half_a_metre(project, tmp_path, embed):
    tif = ortho_with_marks(tmp_path / "正射影像.tif", crs="EPSG:4528")
    layer, _ = raster_layer(tif, project.dataset.crs, project.dataset.layers, embed=embed)
    assert bool(layer.options.get("embedded")) == embed
    _add(project, layer)
    if embed:  # the project carries the picture: the original may go
        tif.unlink()
    result = render_map(project, bounds=VIEW, size=SIZE, layers=[layer.id],
                        context=_context(project, tmp_path))
    assert result.ok, result.problems
    assert result.scale == pytest.approx(0.25)
    errors = marks_landed(result)
    assert max(errors) < 0.5, errors
    # the layer is drawn under the project's own layers, as added
    stack = project.dataset.layers.ids()
    assert stack.index(layer.id) < stack.index("grids")


def test_a_moved_image_is_named_and_nothing_written(project, tmp_path):
    tif = ortho_with_marks(tmp_path / "影像.tif", crs=PROJECT_CRS, size=400, res=1.0)
    layer, _ = raster_layer(tif, project.dataset.crs, project.dataset.layers, embed=False)
    _add(project, layer)
    tif.unlink()
    out = tmp_path / "map.png"
    result = render_map(project, out, bounds=VIEW, size=(700, 500),
                        context=_context(project, tmp_path))
    assert not result.ok and not out.exists()
    assert any("影像" in zh and "not found" in en for zh, en in result.problems)


def test_phone_photo_georeferenced_in_mapedit_lands_within_a_metre(project, tmp_path):
    """A phone photo of a paper map (perspective), five clicked control points with ~0.7 px
    of clicking noise: every mark of the paper map lands within 1 m on the rendered map."""
    from mapedit.io.layer_factory import georeferencer_from_gcps, read_gcps
    from mapedit.model.georef import apply

    res, pw, ph = 0.5, 800, 600
    x0, y0 = CX - 200.0, CY + 150.0  # top-left of the paper map
    paper = np.full((ph, pw, 3), 245, np.uint8)
    paper[::100, :] = 60
    paper[:, ::100] = 60
    yy, xx = np.mgrid[0:ph, 0:pw] + 0.5
    for (mx, my), colour in MARKS:
        c, r = (mx - x0) / res, (y0 - my) / res
        paper[(xx - c) ** 2 + (yy - r) ** 2 <= (3.0 / res) ** 2] = colour
    h_photo = np.array([[1.35, 0.18, 120.0], [-0.05, 1.25, 90.0], [1.2e-4, 2.6e-4, 1.0]])
    w, h = 1600, 1200
    py, px = np.mgrid[0:h, 0:w] + 0.5
    u, v = apply(np.linalg.inv(h_photo), px, py)
    iu, iv = np.floor(u).astype(int), np.floor(v).astype(int)
    ok = (iu >= 0) & (iu < pw) & (iv >= 0) & (iv < ph)
    photo = np.full((h, w, 3), 30, np.uint8)
    photo[ok] = paper[iv[ok], iu[ok]]
    jpg = write_raster(tmp_path / "纸质地图照片.jpg", photo.transpose(2, 0, 1), driver="JPEG",
                       quality=92)
    to_ll = lambda x, y: to_crs(x, y, PROJECT_CRS, "EPSG:4490")  # noqa: E731
    rng = np.random.default_rng(3)
    lines = ["px,py,lon,lat"]
    for gx, gy in [(x0 + 20, y0 - 20), (x0 + 380, y0 - 25), (x0 + 370, y0 - 280),
                   (x0 + 30, y0 - 270), (x0 + 200, y0 - 150)]:
        a, b = apply(h_photo, (gx - x0) / res, (y0 - gy) / res)
        lon, lat = to_ll(gx, gy)
        lines.append(f"{float(a) + rng.normal(0, 0.7):.2f},{float(b) + rng.normal(0, 0.7):.2f},"
                     f"{lon:.8f},{lat:.8f}")
    gcps = tmp_path / "控制点.csv"
    gcps.write_text("\n".join(lines) + "\n", encoding="utf-8")
    geo = georeferencer_from_gcps(read_gcps(gcps), project.dataset.crs)
    layer, _ = raster_layer(jpg, project.dataset.crs, project.dataset.layers,
                            transform=geo.to_options())
    _add(project, layer)
    result = render_map(project, bounds=VIEW, size=SIZE, layers=[layer.id],
                        context=_context(project, tmp_path))
    assert result.ok, result.problems
    errors = marks_landed(result, tol=90)
    assert max(errors) < 1.0, errors


# -- tiles -------------------------------------------------------------------------------------

def _tile_view(size_m: float = 200.0, px: int = 800) -> tuple[tuple, tuple]:
    return (CX - size_m / 2, CY - size_m / 2, CX + size_m / 2, CY + size_m / 2), (px, px)


def _tile_errors(result) -> np.ndarray:
    """Placement errors of the loopback tiles (their pixels encode where they belong): the
    check of tests/test_tiles.py, on the canvas's rendering, in the project CRS."""
    import test_tiles

    rgba = qimage_rgba(result.image)
    z = next(iter(result.imagery.values()))["zoom"]
    old = test_tiles.CRS
    test_tiles.CRS = result.crs
    try:
        return _placement_errors(rgba, result.bounds, z)
    finally:
        test_tiles.CRS = old


def test_xyz_tiles_from_loopback_land_within_half_a_metre(project, tmp_path, server):
    layer, _key, _ = tiles_layer(server.url + "/xyz/{z}/{x}/{y}.png", project.dataset.layers,
                                 name="回环瓦片")
    _add(project, layer)
    bounds, size = _tile_view()
    result = render_map(project, bounds=bounds, size=size, layers=[layer.id],
                        context=_context(project, tmp_path))
    assert result.ok, result.problems
    assert _tile_errors(result).max() < 0.5
    assert server.hits, "the tiles came from the server"


def test_gcj02_tiles_corrected_land_within_half_a_metre(project, tmp_path, server):
    """A GCJ-02 service (as Gaode's) with the correction on: drawn back where it belongs."""
    from mapedit.io import tiles as T
    from mapedit.model.layers import TILES, Layer

    service = TileService(server.url + "/gcj/{z}/{x}/{y}.png", gcj02=True,
                          gcj02_correction=True, name="高德(测试)")
    layer = Layer(id="gcj", kind=TILES, name=service.name, source=service.template,
                  crs=service.tile_crs, options=service.to_options())
    _add(project, layer)
    bounds, size = _tile_view()
    result = render_map(project, bounds=bounds, size=size, layers=[layer.id],
                        context=_context(project, tmp_path))
    assert result.ok, result.problems
    import test_tiles

    rgba = qimage_rgba(result.image)
    old = test_tiles.CRS
    test_tiles.CRS = result.crs
    try:
        errors = _placement_errors(rgba, result.bounds, result.imagery["gcj"]["zoom"], gcj=True)
    finally:
        test_tiles.CRS = old
    assert errors.max() < 0.5
    # without the correction the same tiles sit hundreds of metres off
    off = replace(service, gcj02_correction=False)
    plain = {(p.z, p.x, p.y): p.quad for p in T.view_tiles(off, bounds, size[0], PROJECT_CRS)}
    fixed = {(p.z, p.x, p.y): p.quad for p in T.view_tiles(service, bounds, size[0],
                                                           PROJECT_CRS)}
    k = next(k for k in fixed if k in plain) if set(fixed) & set(plain) else None
    if k is not None:
        (ax, ay), (bx, by) = plain[k][0], fixed[k][0]
        assert math.hypot(ax - bx, ay - by) > 300


def test_tiles_that_do_not_arrive_are_named_and_nothing_is_written(demo_path, tmp_path,
                                                                   server, monkeypatch):
    project = Project.open(demo_path)
    layer, _key, _ = tiles_layer(server.url + "/xyz/{z}/{x}/{y}.png", project.dataset.layers,
                                 name="回环瓦片")
    _add(project, layer)
    project.close()
    bounds, size = _tile_view()
    from mapedit.io.tiles import view_tiles

    service = TileService.from_options(layer.options)
    placements = view_tiles(service, bounds, size[0], PROJECT_CRS)
    for p in placements[:3]:
        server.fail.add((p.z, p.x, p.y))
    lon, lat = to_crs(CX, CY, PROJECT_CRS, "EPSG:4490")
    out = tmp_path / "地图.png"
    env = dict(os.environ, MAPEDIT_RENDER_TIMEOUT="20", QT_QPA_PLATFORM="offscreen",
               XDG_CACHE_HOME=str(tmp_path / "cache"))
    run = subprocess.run([sys.executable, "-m", "mapedit", "render", str(demo_path), str(out),
                          "--center", f"{lon:.8f},{lat:.8f}", "--scale", "0.25",
                          "--size", f"{size[0]}x{size[1]}", "--layers", "回环瓦片"],
                         capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 2, run.stderr
    lines = [ln for ln in run.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, run.stderr
    assert "3 个瓦片未能取得" in lines[0] and "3 tiles did not arrive" in lines[0]
    assert "HTTP 404" in lines[0] and not out.exists()
    # with the server answering, the same command writes the picture
    server.fail.clear()
    run = subprocess.run([sys.executable, "-m", "mapedit", "render", str(demo_path), str(out),
                          "--center", f"{lon:.8f},{lat:.8f}", "--scale", "0.25",
                          "--size", f"{size[0]}x{size[1]}", "--layers", "回环瓦片"],
                         capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 0, run.stderr
    assert out.exists() and "0.25" in run.stdout


@pytest.mark.skipif(shutil.which("gdal_translate") is None, reason="needs gdal-bin")
def test_mbtiles_written_by_gdal_lands_within_half_a_metre(project, tmp_path):
    """An offline MBTiles made by GDAL (gdal_translate, as a GIS office would) from an
    orthophoto in Web Mercator: read directly, no network."""
    src = ortho_with_marks(tmp_path / "web.tif", crs="EPSG:3857", res=0.25, size=1600)
    mb = tmp_path / "离线影像.mbtiles"
    subprocess.run(["gdal_translate", "-q", "-of", "MBTILES", "-co", "TILE_FORMAT=PNG",
                    str(src), str(mb)], check=True, timeout=120)
    layer, _key, _ = tiles_layer(str(mb), project.dataset.layers)
    assert layer.options.get("mbtiles")
    _add(project, layer)
    result = render_map(project, bounds=VIEW, size=SIZE, layers=[layer.id],
                        context=_context(project, tmp_path))
    errors = marks_landed(result)
    assert max(errors) < 0.5, errors


# -- vectors -----------------------------------------------------------------------------------

def test_imported_gbk_shapefile_lands_within_half_a_metre(project, tmp_path):
    from test_vector_import import write_gdal

    from mapedit.io.vector_import import import_vector

    boxes = [shapely.box(x - 6, y - 4, x + 6, y + 4) for (x, y), _ in MARKS]
    src = [shapely.transform(b, lambda c: np.column_stack(
        to_crs(c[:, 0], c[:, 1], PROJECT_CRS, "EPSG:4528"))) for b in boxes]
    shp = write_gdal(tmp_path / "房屋.shp", src, {"名称": ["一号楼", "二号楼", "三号楼", "四号楼"]},
                     None, encoding="GBK")
    result = import_vector(shp, project.dataset.crs, "houses", role="buildings",
                           crs="EPSG:4528")
    _add(project, result.layer)
    rendered = render_map(project, bounds=VIEW, size=SIZE, layers=["houses"], overlays=False,
                          context=_context(project, tmp_path))
    rgba = qimage_rgba(rendered.image)
    background = rgba[2, 2, :3].astype(int)
    drawn = np.abs(rgba[..., :3].astype(int) - background).sum(axis=2) > 30
    for b in boxes:
        x0, y0, x1, y1 = b.bounds
        c0, r0 = rendered.map_to_pixel(x0 - 3, y1 + 3)
        c1, r1 = rendered.map_to_pixel(x1 + 3, y0 - 3)
        rows, cols = np.nonzero(drawn[int(r0):int(r1), int(c0):int(c1)])
        assert len(rows), "the building is not drawn"
        gx0, gy1 = rendered.pixel_to_map(c0 + cols.min(), r0 + rows.min())
        gx1, gy0 = rendered.pixel_to_map(c0 + cols.max() + 1, r0 + rows.max() + 1)
        for got, want in ((gx0, x0), (gy0, y0), (gx1, x1), (gy1, y1)):
            assert abs(got - want) < 0.5, (b.bounds, (gx0, gy0, gx1, gy1))


# -- the command line --------------------------------------------------------------------------

def _cli(*args, env=None) -> subprocess.CompletedProcess:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", **(env or {}))
    return subprocess.run([sys.executable, "-m", "mapedit", *map(str, args)],
                          capture_output=True, text=True, env=env, timeout=120)


def test_render_a_unit_from_the_command_line(demo_path, tmp_path):
    from PySide6.QtGui import QImage

    from mapedit.io.gpkg import GpkgStore

    store = GpkgStore.open(demo_path)
    code = sorted(store.load().units)[0]
    store.close()
    out = tmp_path / "单元.png"
    run = _cli("render", demo_path, out, "--unit", code, "--size", "640x480")
    assert run.returncode == 0, run.stderr
    img = QImage(str(out))
    assert (img.width(), img.height()) == (640, 480)
    colours = {img.pixel(x, y) for x in range(0, 640, 8) for y in range(0, 480, 8)}
    assert len(colours) > 8, "the picture is not blank"
    # an existing file is kept unless --force
    run = _cli("render", demo_path, out, "--unit", code, "--size", "640x480")
    assert run.returncode == 2 and "--force" in run.stderr
    assert _cli("render", demo_path, out, "--unit", code, "--size", "64x48",
                "--force").returncode == 0
    assert QImage(str(out)).width() == 64


@pytest.mark.parametrize("args, needle", [
    (["--size", "800x600"], "--unit"),
    (["--center", "121.05,31.14"], "--scale"),
    (["--center", "121.05,31.14", "--scale", "0"], "positive"),
    (["--center", "31.14", "--scale", "1"], "LON,LAT"),
    (["--unit", "X", "--size", "8x8"], "between 16"),
    (["--center", "121.05,31.14", "--scale", "1", "--layers", "没有这层"], "no layer"),
])
def test_render_refuses_bad_options_with_one_line(demo_path, tmp_path, args, needle):
    out = tmp_path / "x.png"
    run = _cli("render", demo_path, out, *args)
    assert run.returncode == 2
    lines = [ln for ln in run.stderr.splitlines() if ln.strip() and not ln.startswith("usage")]
    assert len(lines) == 1 and needle in lines[0], run.stderr
    assert not out.exists()
