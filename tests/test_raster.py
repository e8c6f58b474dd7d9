"""Imagery written by GDAL (through rasterio): GeoTIFFs in another CRS, images with world
files, 16-bit and palette images, pyramids for big scans, and small imagery embedded in the
project as GeoPackage tiles that GDAL reads back. Placement is checked on the pixels read."""

from __future__ import annotations

import math
import shutil
import sqlite3
import subprocess
import threading
import warnings
from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine
from pyproj import Transformer

from mapedit.errors import InputError
from mapedit.io import raster as raster_mod
from mapedit.io.raster import (
    Cancelled,
    RasterSource,
    build_pyramid,
    raster_info,
    read_world_file,
    world_file_for,
)
from mapedit.io.raster_embed import drop_embedded, embed_raster, embedded_path

CRS = "EPSG:4549"
LON, LAT = 121.2, 31.1


def _write(path: Path, arr: np.ndarray, **profile) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with rasterio.open(path, "w", width=arr.shape[2], height=arr.shape[1],
                           count=arr.shape[0], dtype=str(arr.dtype), **profile) as d:
            d.write(arr)
    return path


def _ortho(path: Path, crs: str = "EPSG:4528", size: int = 1000, res: float = 0.5,
           **extra) -> tuple[float, float]:
    """An RGB orthophoto in ``crs`` with a red 4 × 4 px mark whose centre is returned (map
    coordinates in ``crs``)."""
    x, y = Transformer.from_crs("EPSG:4326", crs, always_xy=True).transform(LON, LAT)
    x0, y0 = round(x) - size * res / 2, round(y) + size * res / 2
    arr = np.zeros((3, size, size), np.uint8)
    arr[1] = 90
    m = size // 2
    arr[:, m:m + 4, m:m + 4] = 0
    arr[0, m:m + 4, m:m + 4] = 255
    _write(path, arr, driver="GTiff", crs=crs, transform=from_origin(x0, y0, res, res), **extra)
    return x0 + (m + 2) * res, y0 - (m + 2) * res


def _red_centre(img: np.ndarray, bounds, w: int, h: int) -> tuple[float, float]:
    rows, cols = np.nonzero((img[..., 0] > 150) & (img[..., 1] < 60))
    assert len(rows), "the red mark is not in the view"
    return (bounds[0] + (cols.mean() + 0.5) * (bounds[2] - bounds[0]) / w,
            bounds[3] - (rows.mean() + 0.5) * (bounds[3] - bounds[1]) / h)


def test_geotiff_in_a_zone_prefixed_crs_lands_in_the_project_crs(tmp_path, monkeypatch) -> None:
    path = tmp_path / "正射影像.tif"
    mx, my = _ortho(path, tiled=True, blockxsize=256, blockysize=256)
    info = raster_info(path)
    assert info.crs == "EPSG:4528" and info.georeferenced and info.tiled
    src = RasterSource(path)
    ex, ey = Transformer.from_crs("EPSG:4528", CRS, always_xy=True).transform(mx, my)
    b = (ex - 40, ey - 30, ex + 40, ey + 30)
    img = src.read(b, 320, 240, CRS)
    cx, cy = _red_centre(img, b, 320, 240)
    assert math.hypot(cx - ex, cy - ey) < 0.5
    # a view in Web Mercator (a CRS change that is not a shift): one fitted matrix per view,
    # and the same place through the 16 px grid when the fit is refused
    mx3, my3 = Transformer.from_crs("EPSG:4528", "EPSG:3857", always_xy=True).transform(mx, my)
    b3 = (mx3 - 45, my3 - 35, mx3 + 45, my3 + 35)  # ~0.86 m per mercator metre here
    for fit in (True, False):
        if not fit:
            monkeypatch.setattr(raster_mod, "_view_homography", lambda *a, **k: None)
        cx3, cy3 = _red_centre(src.read(b3, 360, 280, "EPSG:3857"), b3, 360, 280)
        back = Transformer.from_crs("EPSG:3857", "EPSG:4528", always_xy=True).transform(cx3, cy3)
        assert math.hypot(back[0] - mx, back[1] - my) < 0.5, fit
    # the view beyond the image stays transparent
    far = src.read((ex + 5000, ey, ex + 5100, ey + 100), 50, 50, CRS)
    assert not far[..., 3].any()
    ext = src.extent(CRS)
    assert ext[0] < ex < ext[2] and ext[1] < ey < ext[3]
    assert src.resolution(CRS) == pytest.approx(0.5, rel=1e-3)


def test_png_with_a_rotated_world_file(tmp_path) -> None:
    path = tmp_path / "scan.png"
    arr = np.full((3, 300, 400), 220, np.uint8)
    arr[:, 150:154, 200:204] = 0
    arr[0, 150:154, 200:204] = 255
    _write(path, arr, driver="PNG")
    t = math.radians(5.0)
    a, b, d, e = 0.25 * math.cos(t), 0.25 * math.sin(t), 0.25 * math.sin(t), -0.25 * math.cos(t)
    c, f = 628_000.125, 3_456_400.0
    (tmp_path / "scan.pgw").write_text(f"{a}\n{d}\n{b}\n{e}\n{c}\n{f}\n", encoding="ascii")
    assert world_file_for(path) == tmp_path / "scan.pgw"
    aff = read_world_file(tmp_path / "scan.pgw")
    with rasterio.open(path) as ds:  # GDAL reads the world file the same way
        assert np.allclose(tuple(ds.transform)[:6], tuple(aff)[:6])
    info = raster_info(path)
    assert info.crs is None and info.georeferenced and not info.tiled
    src = RasterSource(path, crs=CRS)
    # the mark covers pixels 200–203 × 150–153: its centre is index (201.5, 151.5), and a
    # world file gives x = A·col + B·row + C for pixel centres
    ex = a * 201.5 + b * 151.5 + c
    ey = d * 201.5 + e * 151.5 + f
    bx = (ex - 10, ey - 10, ex + 10, ey + 10)
    cx, cy = _red_centre(src.read(bx, 160, 160, CRS), bx, 160, 160)
    assert math.hypot(cx - ex, cy - ey) < 0.1
    with pytest.raises(InputError) as err:
        RasterSource(path)  # no CRS anywhere: the caller must say
    assert "坐标系" in err.value.zh


def test_image_without_georeference_is_refused(tmp_path) -> None:
    path = _write(tmp_path / "photo.jpg", np.zeros((3, 20, 30), np.uint8), driver="JPEG")
    assert not raster_info(path).georeferenced
    with pytest.raises(InputError) as e:
        RasterSource(path, crs=CRS)
    assert "配准" in e.value.zh and "georeference" in e.value.en
    with pytest.raises(InputError):
        raster_info(tmp_path / "missing.tif")
    (tmp_path / "junk.tif").write_bytes(b"not a tiff")
    with pytest.raises(InputError):
        raster_info(tmp_path / "junk.tif")


def test_view_over_the_image_edge(tmp_path) -> None:
    """Half the view beyond the image: transparent exactly from the image's edge, and the
    part inside identical to the same read through the general (warping) path."""
    x0, y0 = 628_000.0, 3_456_400.0
    arr = np.random.default_rng(3).integers(0, 255, (3, 100, 100), dtype=np.uint8)
    path = _write(tmp_path / "edge.tif", arr, driver="GTiff", crs=CRS,
                  transform=from_origin(x0, y0, 1.0, 1.0))
    src = RasterSource(path)
    b = (x0 + 50, y0 - 80, x0 + 150, y0 - 20)  # 100 × 60 m, the right half outside
    img = src.read(b, 100, 60, CRS, resampling="nearest")
    assert img[:, :50, 3].min() == 255 and img[:, 50:, 3].max() == 0
    assert (img[:, :50, 0] == arr[0, 20:80, 50:100]).all()
    # the general path (a view in another CRS) shows the same pixels
    bz = Transformer.from_crs(CRS, "EPSG:4528", always_xy=True).transform_bounds(*b)
    other = src.read(bz, 100, 60, "EPSG:4528", resampling="nearest")
    same = (other[5:55, 5:45, :3] == img[5:55, 5:45, :3]).all(axis=2).mean()
    assert same > 0.9  # the rotated CRS shifts a few pixel boundaries only


def test_16_bit_palette_and_nodata(tmp_path) -> None:
    x0, y0 = 628_000.0, 3_456_400.0
    tr = from_origin(x0, y0, 1.0, 1.0)
    a16 = np.tile(np.linspace(1000, 5000, 64, dtype=np.uint16), (1, 64, 1))
    a16[0, :8, :8] = 0
    p16 = _write(tmp_path / "dem.tif", a16, driver="GTiff", crs=CRS, transform=tr, nodata=0)
    img = RasterSource(p16).read((x0, y0 - 64, x0 + 64, y0), 64, 64, CRS)
    assert img[:8, :8, 3].max() == 0 and img[40:, 40:, 3].min() == 255  # nodata transparent
    assert img[32, 2, 0] < 20 and img[32, 61, 0] > 235  # stretched to the 8-bit range
    pal = np.zeros((1, 64, 64), np.uint8)
    pal[0, :, 32:] = 1
    ppath = tmp_path / "pal.tif"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with rasterio.open(ppath, "w", driver="GTiff", width=64, height=64, count=1,
                           dtype="uint8", crs=CRS, transform=tr, photometric="palette") as d:
            d.write(pal)
            d.write_colormap(1, {0: (255, 0, 0, 255), 1: (0, 0, 255, 255)})
    img = RasterSource(ppath).read((x0, y0 - 64, x0 + 64, y0), 64, 64, CRS)
    assert tuple(img[10, 10]) == (255, 0, 0, 255) and tuple(img[10, 50]) == (0, 0, 255, 255)


def test_pyramid_for_a_big_striped_scan(tmp_path, monkeypatch) -> None:
    """A big image without overviews is copied once into a tiled, overviewed GeoTIFF in the
    cache (thresholds lowered so the test image stays small)."""
    monkeypatch.setattr(raster_mod, "PYRAMID_MIN_PIXELS", 500 * 500)
    monkeypatch.setattr(raster_mod, "PYRAMID_TILE", 128)
    monkeypatch.setenv("MAPEDIT_CACHE_DIR", str(tmp_path / "cache"))
    path = tmp_path / "大图扫描.png"
    mx, my = _ortho(tmp_path / "tmp.tif", crs=CRS, size=1200)
    with rasterio.open(tmp_path / "tmp.tif") as ds:
        arr, tr = ds.read(), ds.transform
    _write(path, arr, driver="PNG")
    (tmp_path / "大图扫描.pgw").write_text(
        f"{tr.a}\n0\n0\n{tr.e}\n{tr.c + tr.a / 2}\n{tr.f + tr.e / 2}\n", encoding="ascii")
    info = raster_info(path)
    assert info.needs_pyramid and not info.overviews
    seen: list[float] = []
    out = build_pyramid(path, crs=CRS, progress=seen.append)
    assert seen[-1] == 1.0 and seen == sorted(seen)
    pinfo = raster_info(out)
    assert pinfo.tiled and pinfo.overviews and not pinfo.needs_pyramid
    assert raster_mod.prepared_path(path) == out
    src = RasterSource(path, crs=CRS)  # reads through the pyramid copy from now on
    assert src._read_path == str(out)
    b = (mx - 20, my - 20, mx + 20, my + 20)
    cx, cy = _red_centre(src.read(b, 80, 80, CRS), b, 80, 80)
    assert math.hypot(cx - mx, cy - my) < 0.5
    whole = src.read(src.extent(CRS), 100, 100, CRS)  # decimated read of the whole image
    assert whole[..., 3].mean() > 250
    # a cancelled build leaves nothing behind
    stop = threading.Event()
    stop.set()
    target = tmp_path / "cancelled.tif"
    with pytest.raises(Cancelled):
        build_pyramid(path, crs=CRS, out=target, cancel=stop)
    assert not target.exists() and not list(tmp_path.glob("cancelled.tif*"))


def test_embedded_tiles_gdal_reads_back(tmp_path, demo_path) -> None:
    img_path = tmp_path / "小图.tif"
    mx, my = _ortho(img_path, crs="EPSG:4528", size=600)
    ex, ey = Transformer.from_crs("EPSG:4528", CRS, always_xy=True).transform(mx, my)
    src = RasterSource(img_path)
    conn = sqlite3.connect(str(demo_path))
    with conn:
        info = embed_raster(conn, "mapedit_img_test", src, CRS)
    conn.close()
    assert info["zoom_levels"] >= 2 and info["tiles"] > 0
    with rasterio.open(embedded_path(demo_path, "mapedit_img_test")) as ds:
        assert ds.crs.to_epsg() == 4549
        r, c = ds.index(ex, ey)
        px = ds.read(window=((r - 1, r + 2), (c - 1, c + 2)))
        assert px[0].max() > 150 and px[1].min() < 60  # the red mark, where it belongs
        assert ds.overviews(1)
    back = RasterSource(embedded_path(demo_path, "mapedit_img_test"))
    b = (ex - 20, ey - 20, ex + 20, ey + 20)
    cx, cy = _red_centre(back.read(b, 80, 80, CRS), b, 80, 80)
    assert math.hypot(cx - ex, cy - ey) < 0.5
    back.close()
    if shutil.which("gdalinfo"):
        res = subprocess.run(["gdalinfo", f"GPKG:{demo_path}:mapedit_img_test"],
                             capture_output=True, text=True, timeout=60)
        assert res.returncode == 0 and "4549" in res.stdout
    # the project still opens, and dropping the table removes every registration
    from mapedit.io.gpkg import GpkgStore

    GpkgStore.open(demo_path).close()
    conn = sqlite3.connect(str(demo_path))
    with conn:
        drop_embedded(conn, "mapedit_img_test")
    left = conn.execute("SELECT COUNT(*) FROM gpkg_contents WHERE table_name='mapedit_img_test'"
                        ).fetchone()[0]
    conn.close()
    assert left == 0


def from_origin(x0: float, y0: float, xres: float, yres: float) -> Affine:
    return Affine(xres, 0.0, x0, 0.0, -yres, y0)


def test_embedding_an_untiled_photo_reads_a_pyramid(tmp_path, demo_path, monkeypatch) -> None:
    """A PNG is decoded from its first row for every window: embedding it tile by tile goes
    through a pyramid copy (built once), and the result is still in place."""
    from mapedit.io.layer_factory import raster_layer, raster_source_for
    from mapedit.project import Project

    monkeypatch.setenv("MAPEDIT_CACHE_DIR", str(tmp_path / "cache"))
    x0, y0 = 628_000.0, 3_456_400.0
    arr = np.full((3, 1500, 1500), 200, np.uint8)
    arr[:, 700:704, 900:904] = 0
    arr[0, 700:704, 900:904] = 255
    path = _write(tmp_path / "photo.png", arr, driver="PNG")
    (tmp_path / "photo.pgw").write_text(f"0.2\n0\n0\n-0.2\n{x0 + 0.1}\n{y0 - 0.1}\n",
                                        encoding="ascii")
    p = Project.open(demo_path)
    layer, notes = raster_layer(path, CRS, p.dataset.layers)
    p.close()
    assert layer.options["embedded"] and notes and layer.options["assumed_crs"]
    assert raster_mod.prepared_path(path) is None
    conn = sqlite3.connect(str(demo_path))
    with conn:
        embed_raster(conn, layer.options["embedded"], RasterSource(path, crs=CRS), CRS)
    conn.close()
    assert raster_mod.prepared_path(path) is not None  # built on the way
    src = raster_source_for(layer, demo_path, CRS)
    assert src.path.startswith("GPKG:")
    mx, my = x0 + 902 * 0.2, y0 - 702 * 0.2
    b = (mx - 5, my - 5, mx + 5, my + 5)
    cx, cy = _red_centre(src.read(b, 100, 100, CRS), b, 100, 100)
    assert math.hypot(cx - mx, cy - my) < 0.5
    src.close()
    # the linked file, when the project has no tiles for it; a moved file is a clear error
    linked = raster_source_for(layer)
    assert linked.path == str(path)
    linked.close()
    layer.options["path"] = str(tmp_path / "moved.png")
    with pytest.raises(InputError) as e:
        raster_source_for(layer)
    assert "moved" in e.value.en
