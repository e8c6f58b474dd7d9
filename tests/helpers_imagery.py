"""Imagery for the rendering tests, written by other tools (GDAL through rasterio), and pixel
readers: where a coloured mark of a rendered map is, in map coordinates."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
from affine import Affine
from pyproj import Transformer

PROJECT_CRS = "EPSG:4549"
CX, CY = 604_900.0, 3_448_100.0
"""The middle of the demo street (project CRS)."""
MARKS = [((CX - 120.0, CY + 80.0), (255, 0, 0)), ((CX + 150.0, CY + 60.0), (0, 0, 255)),
         ((CX + 30.0, CY - 110.0), (255, 0, 255)), ((CX - 90.0, CY - 70.0), (0, 200, 200))]
"""Map positions (project CRS) of coloured 3 m squares painted into the test imagery."""


def to_crs(x, y, src: str, dst: str):
    return Transformer.from_crs(src, dst, always_xy=True).transform(x, y)


def write_raster(path: Path, arr: np.ndarray, **profile) -> Path:
    """``arr`` (bands, rows, cols) written by GDAL (rasterio) with ``profile``."""
    import rasterio

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with rasterio.open(path, "w", width=arr.shape[2], height=arr.shape[1],
                           count=arr.shape[0], dtype=str(arr.dtype), **profile) as d:
            d.write(arr)
    return path


def ortho_with_marks(path: Path, crs: str = "EPSG:4528", res: float = 0.25, size: int = 1600,
                     **profile) -> Path:
    """An RGB orthophoto in ``crs`` (north-up in that CRS) covering the middle of the demo
    street, with :data:`MARKS` painted where they are on the ground."""
    cx, cy = to_crs(CX, CY, PROJECT_CRS, crs)
    x0, y0 = round(cx) - size * res / 2, round(cy) + size * res / 2
    arr = np.full((3, size, size), 235, np.uint8)
    arr[:, ::40, :] = 150
    arr[:, :, ::40] = 150
    rows, cols = np.mgrid[0:size, 0:size] + 0.5
    for (mx, my), colour in MARKS:
        ex, ey = to_crs(mx, my, PROJECT_CRS, crs)
        c, r = (ex - x0) / res, (y0 - ey) / res
        inside = (np.abs(cols - c) <= 1.5 / res) & (np.abs(rows - r) <= 1.5 / res)
        for b in range(3):
            arr[b][inside] = colour[b]
    return write_raster(path, arr, driver="GTiff", crs=crs,
                        transform=Affine(res, 0, x0, 0, -res, y0), **profile)


def qimage_rgba(image) -> np.ndarray:
    """(rows, cols, 4) RGBA uint8 copy of a QImage."""
    from PySide6.QtGui import QImage

    img = image.convertToFormat(QImage.Format.Format_RGBA8888)
    h, w = img.height(), img.width()
    buf = np.frombuffer(img.constBits(), np.uint8, count=img.bytesPerLine() * h)
    return buf.reshape(h, img.bytesPerLine())[:, : 4 * w].reshape(h, w, 4).copy()


def mark_centre(rgba: np.ndarray, colour, tol: int = 60, min_pixels: int = 20):
    """Mean (col, row) pixel centre of the pixels close to ``colour`` (None if too few)."""
    diff = np.abs(rgba[..., :3].astype(int) - np.array(colour)).sum(axis=2)
    rows, cols = np.nonzero(diff < tol)
    if len(rows) < min_pixels:
        return None
    return float(cols.mean() + 0.5), float(rows.mean() + 0.5)


def marks_landed(result, marks=MARKS, tol: int = 60) -> list[float]:
    """For each mark: metres between where it is and where the rendered map shows it."""
    rgba = qimage_rgba(result.image)
    out = []
    for (x, y), colour in marks:
        c = mark_centre(rgba, colour, tol)
        assert c is not None, f"mark {colour} not found in the rendered map"
        gx, gy = result.pixel_to_map(*c)
        out.append(float(np.hypot(gx - x, gy - y)))
    return out


def add_ortho_layer(project, tmp_path: Path, size: int = 200, res: float = 1.0,
                    who: str | None = None):
    """An orthophoto with :data:`MARKS` (CGCS2000 zone 40, as a surveyor delivers it) added to
    ``project`` as the layer 正射影像 at its default place; returns the layer."""
    from mapedit.io.layer_factory import default_index, raster_layer

    tif = ortho_with_marks(tmp_path / "正射影像.tif", crs="EPSG:4528", size=size, res=res)
    layer, _ = raster_layer(tif, project.dataset.crs, project.dataset.layers, name="正射影像")
    kw = {} if who is None else {"who": who}
    project.add_layer(layer, default_index(project.dataset.layers, layer), **kw)
    return layer
