"""Base-map benchmark: importing a city's buildings and reading a big scan (a script, not a test).

Vector import — ``N`` building polygons written by GDAL as a GBK Shapefile without ``.cpg`` in
the zone-prefixed CGCS2000 CRS (EPSG:4528), as a surveying bureau delivers them; timed:
``preview_vector`` (what the dialog waits for) and ``import_vector`` (read, decode, reproject,
repair, map fields), each against ``pyogrio.raw.read`` of the same file in the same run (the
floor: GDAL reading the file and nothing else).

Raster — a ``SIZE`` × ``SIZE`` px grey scan (the ops centre's paper map) as a striped,
DEFLATE-compressed GeoTIFF without overviews; timed: the one-off pyramid copy into the cache,
then ``RasterSource.read`` of a 1600 × 1000 view at street scale (0.5 m/px), unit scale and the
whole sheet, against rasterio's own decimated window read of the same pixels from the same
pyramid file (the floor: decoding, no warping).

    python benchmarks/bench_basemap.py [--buildings 180000] [--size 20000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("MAPEDIT_SETTINGS_SCOPE", "test")

import numpy as np  # noqa: E402
import shapely  # noqa: E402

CRS = "EPSG:4549"


def _median(f, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def bench_vector(n: int, rounds: int, folder: Path) -> None:
    import pyogrio.raw as ogr_raw
    from pyproj import Transformer

    from mapedit.io.vector_import import import_vector, preview_vector

    rng = np.random.default_rng(0)
    cx, cy = Transformer.from_crs("EPSG:4326", "EPSG:4528", always_xy=True).transform(121.2, 31.1)
    side = int(np.sqrt(n)) + 1
    i = np.arange(n)
    x = cx + (i % side) * 40.0 + rng.uniform(0, 5, n)
    y = cy + (i // side) * 40.0 + rng.uniform(0, 5, n)
    geoms = shapely.box(x, y, x + rng.uniform(10, 30, n), y + rng.uniform(8, 20, n))
    names = np.array([f"夏阳湖小区{k}号楼" for k in range(n)], dtype=object)
    path = folder / "楼栋.shp"
    t = time.perf_counter()
    ogr_raw.write(path, shapely.to_wkb(geoms), [names, rng.integers(10, 300, n),
                                                 rng.integers(1, 30, n)],
                  ["名称", "户数", "层数"], geometry_type="Polygon", crs="EPSG:4528",
                  encoding="GBK")
    path.with_suffix(".cpg").unlink()
    print(f"vector: {n} buildings written by GDAL (GBK, no .cpg, EPSG:4528) in "
          f"{time.perf_counter() - t:.1f} s, {sum(p.stat().st_size for p in folder.iterdir()) / 1e6:.0f} MB")
    floor = _median(lambda: ogr_raw.read(path, encoding="ISO-8859-1"), rounds)
    prev = _median(lambda: preview_vector(path, project_crs=CRS), rounds)
    imp = _median(lambda: import_vector(path, CRS, "b", role="buildings"), max(1, rounds // 2))
    print(f"  pyogrio.raw.read (floor)   {floor * 1000:8.0f} ms")
    print(f"  preview_vector             {prev * 1000:8.0f} ms  = {prev / floor:5.2f} × floor")
    print(f"  import_vector              {imp * 1000:8.0f} ms  = {imp / floor:5.2f} × floor "
          f"({n / imp:,.0f} features/s)")


def _scan(path: Path, size: int) -> tuple[float, float]:
    """A grey scan: street blocks, lines and text-like noise; striped, DEFLATE, no overviews."""
    import rasterio
    from affine import Affine

    x0, y0 = 614_000.0, 3_450_000.0
    prof = {"driver": "GTiff", "width": size, "height": size, "count": 1, "dtype": "uint8",
            "crs": CRS, "transform": Affine(0.5, 0, x0, 0, -0.5, y0), "compress": "deflate",
            "blockysize": 16}
    cols = np.arange(size)
    with rasterio.open(path, "w", **prof) as d:
        for r in range(0, size, 512):
            h = min(512, size - r)
            rows = np.arange(r, r + h)[:, None]
            block = (235 - 180 * (((cols[None, :] % 400) < 6) | ((rows % 300) < 6))
                     - 40 * (((cols[None, :] * 7 + rows * 13) % 97) < 3)).astype(np.uint8)
            d.write(block[None], window=((r, r + h), (0, size)))
    return x0, y0


def bench_raster(size: int, rounds: int, folder: Path) -> None:
    import rasterio
    from rasterio.enums import Resampling
    from rasterio.windows import from_bounds

    from mapedit.io.raster import RasterSource, build_pyramid, raster_info

    path = folder / "纸质地图扫描.tif"
    t = time.perf_counter()
    x0, y0 = _scan(path, size)
    print(f"raster: {size} × {size} px scan written in {time.perf_counter() - t:.1f} s "
          f"({path.stat().st_size / 1e6:.0f} MB, striped, no overviews); "
          f"needs_pyramid={raster_info(path).needs_pyramid}")
    w, h = 1600, 1000
    views = {"street (0.5 m/px)": 0.5, "unit (0.25 m/px)": 0.25,
             "whole sheet": size * 0.5 / w}
    cx, cy = x0 + size * 0.25, y0 - size * 0.25  # the sheet's centre
    bounds = {label: (cx - w / 2 * res, cy - h / 2 * res, cx + w / 2 * res, cy + h / 2 * res)
              for label, res in views.items()}
    src = RasterSource(path)
    for label in ("street (0.5 m/px)", "whole sheet"):
        t = time.perf_counter()
        src.read(bounds[label], w, h, CRS)
        print(f"  before the pyramid: {label:18s} {(time.perf_counter() - t) * 1000:8.0f} ms")
    src.close()
    t = time.perf_counter()
    out = build_pyramid(path)
    print(f"  pyramid copy built in {time.perf_counter() - t:.1f} s "
          f"({out.stat().st_size / 1e6:.0f} MB, overviews {raster_info(out).overviews})")
    src = RasterSource(path)
    with rasterio.open(out) as ds:
        for label, b in bounds.items():
            ours = _median(lambda b=b: src.read(b, w, h, CRS), rounds)

            def floor(b=b, ds=ds) -> None:
                ds.read(1, window=from_bounds(*b, transform=ds.transform), out_shape=(h, w),
                        resampling=Resampling.bilinear)

            ref = _median(floor, rounds)
            print(f"  {label:18s} RasterSource.read {ours * 1000:7.1f} ms, rasterio window "
                  f"read {ref * 1000:7.1f} ms = {ours / ref:4.2f} ×")
    src.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--buildings", type=int, default=180_000)
    ap.add_argument("--size", type=int, default=20_000)
    ap.add_argument("--rounds", type=int, default=5)
    a = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-basemap-") as tmp:
        os.environ["MAPEDIT_CACHE_DIR"] = str(Path(tmp) / "cache")
        vec = Path(tmp) / "vector"
        vec.mkdir()
        bench_vector(a.buildings, a.rounds, vec)
        ras = Path(tmp) / "raster"
        ras.mkdir()
        bench_raster(a.size, a.rounds, ras)
    return 0


if __name__ == "__main__":
    sys.exit(main())
