"""Imagery under the map: orthophoto GeoTIFFs, images with a world file, georeferenced scans
and photos of paper maps — read only as much as the view shows.

:class:`RasterSource` answers one question for the canvas: *the pixels of this raster for this
view* (bounds in the view's CRS, an output size) as an RGBA ``uint8`` array. It

* decodes only the window of the file the view covers, at the resolution the view needs:
  rasterio/GDAL read decimated windows from the file's overviews (pyramids);
* for a north-up image in the view's CRS (an orthophoto in the project CRS, embedded imagery)
  lets GDAL resample that window straight into the view (bilinear when reducing);
* otherwise — another CRS, a rotated world file, a paper map georeferenced projectively
  (:mod:`mapedit.model.georef`) — maps every view pixel to an image pixel with one 3 × 3
  matrix (exact for the image's own CRS; fitted to a 17 × 17 grid and used only when it
  reproduces it within 0.05 px when the CRS differs, else a 16 px grid interpolated, as
  GDAL's approximate transformer does) and samples the decoded window (nearest neighbour).

A 1600 × 1000 view takes 3–25 ms on the first path and 40–80 ms on the second on the shared
2-core development machine (``rasterio.warp.reproject`` took 80–250 ms); the canvas keeps the
last image and reads in the background.
* turns grey, palette, RGB(A) and 16-bit imagery into RGBA, with nodata and outside-the-image
  pixels transparent.

Large files without pyramids (a 20,000 × 20,000 px PNG scan must be decoded from its first row
for every read) are first copied once into a tiled GeoTIFF with internal overviews in the user's
cache folder (:func:`build_pyramid`); the clerk's file is never modified.

Raster layer options (:class:`~mapedit.model.layers.Layer` of kind ``raster``):
``path`` (the image file), ``size`` ([width, height] px), ``transform`` (only for images
georeferenced in mapedit: :meth:`mapedit.model.georef.Fit.to_options`), ``embedded`` (the
GeoPackage tiles table holding a copy, :mod:`mapedit.io.raster_embed`), ``assumed_crs`` (True
when the file carried no CRS and the clerk's/project's was taken). ``Layer.crs`` is the CRS
the image's own georeference is in; ``Layer.extent`` its footprint in the project CRS.
"""

from __future__ import annotations

import hashlib
import math
import os
import threading
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from mapedit.errors import InputError


def _quiet_rasterio() -> None:
    """Plain images (tiles, photos before georeferencing) have no geotransform by nature:
    rasterio's NotGeoreferencedWarning is noise here. A filter rather than
    ``warnings.catch_warnings`` blocks, which are not thread-safe and tiles are decoded on
    worker threads."""
    from rasterio.errors import NotGeoreferencedWarning

    warnings.filterwarnings("ignore", category=NotGeoreferencedWarning)


_quiet_rasterio()

SUFFIXES = (".tif", ".tiff", ".png", ".jpg", ".jpeg", ".jp2", ".img", ".vrt", ".bmp", ".gif")
"""Image files the import dialog offers."""

WORLD_FILE_SUFFIXES: dict[str, tuple[str, ...]] = {
    ".png": (".pgw", ".pngw"), ".jpg": (".jgw", ".jpgw"), ".jpeg": (".jgw", ".jpegw"),
    ".tif": (".tfw", ".tifw"), ".tiff": (".tfw", ".tiffw"), ".bmp": (".bpw", ".bmpw"),
    ".gif": (".gfw", ".gifw"), ".jp2": (".j2w",),
}

PYRAMID_MIN_PIXELS = 4096 * 4096
"""A raster at least this big is read through a pyramid (its own overviews, or a tiled copy
with overviews built once in the cache folder)."""

PYRAMID_TILE = 512

DIRECT_PIXELS = 2_000_000
"""An untiled image (PNG, JPEG, striped TIFF) up to this size is read directly even for many
small windows (embedding); above it, through a pyramid copy."""


# -- world files and georeference -------------------------------------------------------------

def world_file_for(image: Path) -> Path | None:
    """The world file beside an image (``.pgw``, ``.jgw``, ``.tfw``…, or ``.wld``)."""
    suffix = image.suffix.lower()
    names = [*WORLD_FILE_SUFFIXES.get(suffix, ()), ".wld"]
    for s in names:
        for cand in (image.with_suffix(s), image.with_suffix(s.upper())):
            if cand.exists():
                return cand
    return None


def read_world_file(path: Path):
    """The pixel-corner affine of a world file.

    Its six lines are A, D, B, E, C, F: x = A·col + B·row + C for the *centre* of a pixel, so
    the top-left corner of the image is half a pixel up and left of (C, F)."""
    from affine import Affine

    try:
        vals = [float(v) for v in path.read_text(encoding="ascii", errors="replace").split()[:6]]
    except (OSError, ValueError) as exc:
        raise InputError(f"无法读取坐标文件 {path.name}", f"cannot read world file {path.name}"
                         ) from exc
    if len(vals) != 6 or not all(math.isfinite(v) for v in vals) or vals[0] * vals[3] == \
            vals[1] * vals[2]:
        raise InputError(f"坐标文件 {path.name} 内容无效", f"world file {path.name} is not valid")
    a, d, b, e, c, f = vals
    return Affine(a, b, c - a / 2 - b / 2, d, e, f - d / 2 - e / 2)


def _prj_beside(image: Path) -> str | None:
    for cand in (image.with_suffix(".prj"), Path(str(image) + ".prj")):
        if cand.exists():
            try:
                return cand.read_text(encoding="utf-8", errors="replace")
            except OSError:
                return None
    return None


def _matrix(aff) -> np.ndarray:
    return np.array([[aff.a, aff.b, aff.c], [aff.d, aff.e, aff.f], [0.0, 0.0, 1.0]])


def _open(path: str, **kw: Any):
    import rasterio

    return rasterio.open(path, **kw)


def colormap_lut(cm: dict[int, tuple[int, ...]]) -> np.ndarray:
    """A paletted band's colour table (rasterio's ``colormap``) as a 256×RGBA lookup array."""
    lut = np.zeros((256, 4), dtype=np.uint8)
    for k, v in cm.items():
        if 0 <= k < 256:
            lut[k] = v
    return lut


@dataclass(frozen=True)
class RasterInfo:
    """What the import dialog and ``mapedit layers`` show about an image file."""

    path: str
    driver: str
    width: int
    height: int
    count: int
    dtype: str
    crs: str | None
    """The file's own CRS (GeoTIFF tags, ``.aux.xml`` or a ``.prj`` beside it)."""
    georeferenced: bool
    """It carries a georeference (GeoTIFF tags or a world file)."""
    world_file: str | None
    overviews: tuple[int, ...]
    tiled: bool

    @property
    def pixels(self) -> int:
        return self.width * self.height

    @property
    def needs_pyramid(self) -> bool:
        """Too big to decode whole and not organised for windowed, decimated reads."""
        return self.pixels >= PYRAMID_MIN_PIXELS and (not self.tiled or not self.overviews)


def raster_info(path: str | Path) -> RasterInfo:
    """Describe an image file (bilingual error if GDAL cannot read it)."""
    p = str(path)
    if not p.upper().startswith("GPKG:"):
        fp = Path(p)
        if not fp.exists():
            raise InputError(f"找不到文件 {fp}", f"file not found: {fp}")
    try:
        ds = _open(p)
    except Exception as exc:  # noqa: BLE001 - RasterioIOError and friends
        name = Path(p).name
        raise InputError(f"无法读取影像 {name}", f"cannot read image {name}: {exc}") from exc
    with ds:
        world = world_file_for(Path(p)) if not p.upper().startswith("GPKG:") else None
        crs = ds.crs.to_string() if ds.crs else None
        if crs is None and not p.upper().startswith("GPKG:"):
            prj = _prj_beside(Path(p))
            if prj:
                from mapedit.io.crs_guess import crs_code, parse_crs

                try:
                    crs = crs_code(parse_crs(prj))
                except InputError:
                    crs = None
        elif crs is not None:
            from mapedit.io.crs_guess import crs_code

            crs = crs_code(crs)
        georef = not ds.transform.is_identity or world is not None
        bh, bw = ds.block_shapes[0] if ds.block_shapes else (1, ds.width)  # (rows, cols)
        tiled = bh > 1 and bw < ds.width  # strips and scanlines are read whole-width
        return RasterInfo(path=p, driver=ds.driver, width=ds.width, height=ds.height,
                          count=ds.count, dtype=str(ds.dtypes[0]), crs=crs,
                          georeferenced=georef, world_file=str(world) if world else None,
                          overviews=tuple(ds.overviews(1)) if ds.count else (), tiled=tiled)


# -- pyramids -------------------------------------------------------------------------------

def pyramid_path(path: str | Path) -> Path:
    """Where the pyramid copy of ``path`` lives (keyed by path, size and modification time,
    so an edited image gets a new one)."""
    from mapedit.io.cache_dir import user_cache_dir

    p = Path(path).resolve()
    st = p.stat()
    key = hashlib.sha1(f"{p}|{st.st_size}|{st.st_mtime_ns}".encode()).hexdigest()[:20]
    return user_cache_dir("rasters") / f"{key}.tif"


def prepared_path(path: str | Path) -> Path | None:
    """The existing pyramid copy of ``path``, if one was built."""
    try:
        p = pyramid_path(path)
    except OSError:
        return None
    return p if p.exists() else None


def prepare(path: str | Path, crs: str | None = None, *, many_windows: bool = False,
            progress: Callable[[float], None] | None = None,
            cancel: threading.Event | None = None) -> Path | None:
    """Build the pyramid copy of ``path`` when reading it as it is would be slow: a big image
    without tiles or overviews, or (``many_windows``: embedding reads it tile by tile) any
    untiled image above :data:`DIRECT_PIXELS`. Returns the copy (None: not needed). The GUI
    runs this in a worker with a progress bar; the CLI before it stores the layer."""
    p = str(path)
    if p.upper().startswith("GPKG:"):
        return None
    existing = prepared_path(p)
    if existing is not None:
        return existing
    info = raster_info(p)
    if info.needs_pyramid or (many_windows and not info.tiled and info.pixels > DIRECT_PIXELS):
        return build_pyramid(p, crs=crs, progress=progress, cancel=cancel)
    return None


class Cancelled(Exception):
    """A long raster job was cancelled by its caller."""


def build_pyramid(path: str | Path, crs: str | None = None, out: Path | None = None,
                  progress: Callable[[float], None] | None = None,
                  cancel: threading.Event | None = None) -> Path:
    """Copy an image into a tiled GeoTIFF with internal overviews (average), written under a
    temporary name and renamed when complete. Block rows are copied one at a time, so memory
    stays at a few tens of MB whatever the image size. Returns the copy's path."""
    import rasterio
    from rasterio.enums import Resampling
    from rasterio.windows import Window

    src_path = str(path)
    out = out or pyramid_path(path)
    tmp = out.with_name(out.name + f".{os.getpid()}.part")
    info = raster_info(src_path)
    with _open(src_path) as src:
        transform = src.transform
        if transform.is_identity and info.world_file:
            transform = read_world_file(Path(info.world_file))
        cm = None
        try:
            cm = src.colormap(1) if src.count == 1 else None
        except ValueError:
            cm = None
        alpha = any(ci.name == "alpha" for ci in src.colorinterp)
        jpeg = (src.dtypes[0] == "uint8" and src.count in (1, 3) and src.nodata is None
                and not alpha and cm is None)
        profile = {"driver": "GTiff", "width": src.width, "height": src.height,
                   "count": src.count, "dtype": src.dtypes[0], "tiled": True,
                   "blockxsize": PYRAMID_TILE, "blockysize": PYRAMID_TILE, "BIGTIFF": "IF_SAFER",
                   "transform": transform, "nodata": src.nodata}
        crs_value = src.crs or crs or info.crs
        if crs_value:
            profile["crs"] = crs_value
        if jpeg:
            profile.update(compress="jpeg", jpeg_quality=90)
            if src.count == 3:
                profile["photometric"] = "ycbcr"
        else:
            profile.update(compress="deflate", predictor=2 if src.dtypes[0] == "uint8" else 1)
        try:
            with rasterio.open(tmp, "w", **profile) as dst:
                if cm:
                    dst.write_colormap(1, cm)
                dst.colorinterp = src.colorinterp
                for row in range(0, src.height, PYRAMID_TILE):
                    if cancel is not None and cancel.is_set():
                        raise Cancelled()
                    h = min(PYRAMID_TILE, src.height - row)
                    win = Window(0, row, src.width, h)
                    dst.write(src.read(window=win), window=win)
                    if progress:
                        progress(0.7 * (row + h) / src.height)
            factors = []
            f = 2
            while max(src.width, src.height) / f >= 256:
                factors.append(f)
                f *= 2
            if factors:
                env = {"COMPRESS_OVERVIEW": "JPEG", "JPEG_QUALITY_OVERVIEW": "85"} if jpeg \
                    else {"COMPRESS_OVERVIEW": "DEFLATE"}
                if jpeg and src.count == 3:
                    env["PHOTOMETRIC_OVERVIEW"] = "YCBCR"
                with rasterio.Env(**env), rasterio.open(tmp, "r+") as dst:
                    dst.build_overviews(factors, Resampling.average)
                    dst.update_tags(ns="rio_overview", resampling="average")
            if progress:
                progress(1.0)
            os.replace(tmp, out)
        finally:
            if tmp.exists():
                try:
                    tmp.unlink()
                except OSError:
                    pass
    return out


# -- reading --------------------------------------------------------------------------------

def _coarse_to_dense(cx: np.ndarray, cy: np.ndarray, step: int, h: int, w: int
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Bilinear interpolation of a mapping sampled every ``step`` pixels (an approximate
    transformer, as GDAL's warper uses: a CRS change bends the mapping by far less than a
    pixel over ``step`` pixels). Separable — along the rows, then down the columns — in
    float32, so a 1600 × 1000 view costs a few milliseconds."""
    gx = (np.arange(w, dtype=np.float32) + 0.5) / step
    gy = (np.arange(h, dtype=np.float32) + 0.5) / step
    ix = np.clip(np.floor(gx).astype(np.int64), 0, cx.shape[1] - 2)
    iy = np.clip(np.floor(gy).astype(np.int64), 0, cx.shape[0] - 2)
    fx = (gx - ix)[None, :]
    fy = (gy - iy)[:, None]

    def interp(c: np.ndarray) -> np.ndarray:
        c = c.astype(np.float32)
        along = c[:, ix] * (1 - fx) + c[:, ix + 1] * fx  # coarse rows × w
        return along[iy] * (1 - fy) + along[iy + 1] * fy

    return interp(cx), interp(cy)


def _affine_xy(t, cols: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """An ``affine.Affine`` applied to pixel coordinate arrays."""
    return t.a * cols + t.b * rows + t.c, t.d * cols + t.e * rows + t.f


def sample(image: np.ndarray, sx: np.ndarray, sy: np.ndarray) -> np.ndarray:
    """Nearest-neighbour lookup of RGBA ``image`` (h, w, 4) at pixel coordinates (sx, sy)
    (pixel-corner convention); transparent outside (and where a coordinate is NaN)."""
    h, w = image.shape[:2]
    outside = ~((sx >= 0) & (sx < w) & (sy >= 0) & (sy < h))  # NaN compares False: outside
    dt = np.int32 if h * w < 2**31 else np.int64
    with np.errstate(invalid="ignore"):  # NaN casts to garbage: clipped, then blanked
        ix = sx.astype(dt)
        iy = sy.astype(dt)
    np.clip(ix, 0, w - 1, out=ix)
    np.clip(iy, 0, h - 1, out=iy)
    iy *= w
    iy += ix
    flat = np.ascontiguousarray(image).view(np.uint32).reshape(-1)
    out = np.take(flat, iy)
    out[outside] = 0
    return out.view(np.uint8).reshape(*np.shape(out), 4)


def _view_homography(gx: np.ndarray, gy: np.ndarray, sx: np.ndarray, sy: np.ndarray,
                     tolerance: float = 0.05) -> np.ndarray | None:
    """One 3 × 3 matrix taking view pixels to image pixels, fitted to the sampled grid, when
    it reproduces every grid point within ``tolerance`` image pixels (a view of a few km in
    another Gauss-Krüger zone: the CRS change is that smooth); None otherwise."""
    from mapedit.errors import InputError as _Refused
    from mapedit.model.georef import apply, fit_projective

    ok = np.isfinite(sx) & np.isfinite(sy)
    if ok.sum() < 8:
        return None
    src = np.column_stack([gx[ok], gy[ok]])
    dst = np.column_stack([sx[ok], sy[ok]])
    try:
        hm = fit_projective(src, dst, iterations=5)
    except (_Refused, np.linalg.LinAlgError):
        return None
    ex, ey = apply(hm, src[:, 0], src[:, 1])
    if not np.isfinite(ex).all() or np.hypot(ex - dst[:, 0], ey - dst[:, 1]).max() > tolerance:
        return None
    return hm


def _apply_broadcast(hm: np.ndarray, width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """``hm`` applied to every view pixel centre (rows × columns, by broadcasting). Image
    pixel coordinates fit float32 to a few thousandths of a pixel, which halves the work."""
    h = (hm / hm[2, 2]).astype(np.float32)
    px = (np.arange(width, dtype=np.float32) + np.float32(0.5))[None, :]
    py = (np.arange(height, dtype=np.float32) + np.float32(0.5))[:, None]
    fx = (h[0, 0] * px + h[0, 2]) + h[0, 1] * py
    fy = (h[1, 0] * px + h[1, 2]) + h[1, 1] * py
    if h[2, 0] != 0 or h[2, 1] != 0:  # projective: divide by the weight
        wgt = (h[2, 0] * px + np.float32(1.0)) + h[2, 1] * py
        fx /= wgt
        fy /= wgt
    return fx, fy


class RasterSource:
    """One image, ready to be read view by view (see the module doc). Thread-safe: reads are
    serialised per source (a GDAL dataset handle is not shareable between threads)."""

    def __init__(self, path: str | Path, *, crs: str | None = None,
                 transform: Mapping[str, Any] | None = None,
                 read_path: str | Path | None = None) -> None:
        from mapedit.model.georef import matrix_from_options

        self.path = str(path)
        self.info = raster_info(self.path)
        self._read_path = str(read_path or prepared_path_or_none(self.path) or self.path)
        self._lock = threading.Lock()
        self._ds = None
        self._stretch: list[tuple[float, float]] | None = None
        if transform:
            self.matrix = matrix_from_options(transform)
            self.crs = str(transform.get("crs") or crs or self.info.crs or "")
        else:
            if not self.info.georeferenced:
                name = Path(self.path).name
                raise InputError(f"影像 {name} 没有地理参考(无坐标文件),请先配准",
                                 f"image {name} has no georeference (no world file); "
                                 "georeference it first")
            with _open(self.path) as ds:
                aff = ds.transform
            if aff.is_identity and self.info.world_file:
                aff = read_world_file(Path(self.info.world_file))
            self.matrix = _matrix(aff)
            self.crs = self.info.crs or crs or ""
        if not self.crs:
            name = Path(self.path).name
            raise InputError(f"影像 {name} 没有坐标系,请指定", f"image {name} has no CRS; give one")
        self.projective = bool(abs(self.matrix[2, 0]) > 0 or abs(self.matrix[2, 1]) > 0)
        self._inverse = np.linalg.inv(self.matrix)
        self._args = {"crs": crs, "transform": transform}

    @property
    def read_info(self) -> RasterInfo:
        """The file actually read (the pyramid copy when there is one)."""
        return self.info if self._read_path == self.path else raster_info(self._read_path)

    def reopened(self) -> RasterSource:
        """The same source opened again (after a pyramid copy was built)."""
        self.close()
        return RasterSource(self.path, **self._args)

    # -- geometry --------------------------------------------------------------------------
    @property
    def width(self) -> int:
        return self.info.width

    @property
    def height(self) -> int:
        return self.info.height

    def image_to_map(self, px, py) -> tuple[np.ndarray, np.ndarray]:
        from mapedit.model.georef import apply

        return apply(self.matrix, px, py)

    def footprint(self, dst_crs: str | None = None, per_side: int = 16):
        """The image outline as a polygon in ``dst_crs`` (default: its own CRS)."""
        import shapely

        w, h = self.width, self.height
        t = np.linspace(0.0, 1.0, per_side + 1)[:-1]
        px = np.concatenate([t * w, np.full_like(t, w), (1 - t) * w, np.zeros_like(t)])
        py = np.concatenate([np.zeros_like(t), t * h, np.full_like(t, h), (1 - t) * h])
        x, y = self.image_to_map(px, py)
        if dst_crs and dst_crs != self.crs:
            from mapedit.io.crs_guess import _transformer

            x, y = _transformer(self.crs, dst_crs).transform(x, y)
        return shapely.polygons(np.column_stack([x, y]))

    def extent(self, dst_crs: str) -> tuple[float, float, float, float]:
        import shapely

        return tuple(float(v) for v in shapely.bounds(self.footprint(dst_crs)))  # type: ignore[return-value]

    def resolution(self, dst_crs: str | None = None) -> float:
        """Ground size of one pixel (units of ``dst_crs``, metres for a project CRS)."""
        fp = self.footprint(dst_crs)
        return math.sqrt(fp.area / max(1, self.width * self.height))

    # -- reading ---------------------------------------------------------------------------
    def _dataset(self):
        if self._ds is None:
            self._ds = _open(self._read_path)
        return self._ds

    def close(self) -> None:
        with self._lock:
            if self._ds is not None:
                self._ds.close()
                self._ds = None

    def _dst_to_src_px(self, x: np.ndarray, y: np.ndarray, dst_crs: str
                       ) -> tuple[np.ndarray, np.ndarray]:
        from mapedit.model.georef import apply

        if dst_crs != self.crs:
            from mapedit.io.crs_guess import _transformer

            with np.errstate(all="ignore"):
                x, y = _transformer(dst_crs, self.crs).transform(x, y)
        return apply(self._inverse, x, y)

    def _bands(self, ds) -> tuple[list[int], bool, Any]:
        """(band indexes, has alpha, colormap) to read."""
        names = [ci.name for ci in ds.colorinterp]
        cm = None
        if ds.count == 1:
            try:
                cm = ds.colormap(1)
            except ValueError:
                cm = None
            return [1], False, cm
        if ds.count == 2:
            return [1, 2], names[1] == "alpha", None
        if ds.count >= 4 and names[3] == "alpha":
            return [1, 2, 3, 4], True, None
        return [1, 2, 3], False, None

    def _stretch_for(self, ds, bands: list[int]) -> list[tuple[float, float]]:
        """2–98 % stretch of non-8-bit imagery, from a small decimated read."""
        if self._stretch is None:
            f = max(1, max(ds.width, ds.height) // 512)
            arr = ds.read(bands, out_shape=(len(bands), max(1, ds.height // f),
                                            max(1, ds.width // f)), masked=True)
            out = []
            for b in arr:
                v = b.compressed().astype(float)
                lo, hi = (np.percentile(v, 2), np.percentile(v, 98)) if v.size else (0, 1)
                out.append((float(lo), float(hi) if hi > lo else float(lo) + 1.0))
            self._stretch = out
        return self._stretch

    def _to_rgba(self, ds, arr: np.ndarray, bands: list[int], alpha: bool, cm: Any,
                 mask: np.ndarray | None) -> np.ndarray:
        h, w = arr.shape[1:]
        out = np.empty((h, w, 4), dtype=np.uint8)
        if cm is not None:
            out[:] = colormap_lut(cm)[np.clip(arr[0], 0, 255).astype(np.uint8)]
        else:
            data = arr
            if arr.dtype != np.uint8:
                stretch = self._stretch_for(ds, bands)
                data = np.empty(arr.shape, dtype=np.uint8)
                for i, (lo, hi) in enumerate(stretch):
                    if alpha and i == len(bands) - 1:
                        data[i] = np.clip(arr[i], 0, 255)
                        continue
                    data[i] = np.clip((arr[i] - lo) * (255.0 / (hi - lo)), 0, 255)
            colour = data[:-1] if alpha else data
            if len(colour) == 1:
                out[..., 0] = out[..., 1] = out[..., 2] = colour[0]
            else:
                out[..., 0], out[..., 1], out[..., 2] = colour[0], colour[1], colour[2]
            out[..., 3] = data[-1] if alpha else 255
        if ds.nodata is not None and cm is None:
            nod = np.all(arr[: len(bands) - (1 if alpha else 0)] == ds.nodata, axis=0)
            out[..., 3][nod] = 0
        if mask is not None:
            out[..., 3] = np.minimum(out[..., 3], mask)
        return out

    def _read_window(self, col0: float, row0: float, col1: float, row1: float, ow: int, oh: int,
                     resampling: str) -> np.ndarray:
        """RGBA of an image window (fractional pixel bounds) decoded at ``ow`` × ``oh``: GDAL
        picks the overview level and resamples."""
        from rasterio.enums import MaskFlags, Resampling
        from rasterio.windows import Window

        win = Window(col0, row0, col1 - col0, row1 - row0)
        with self._lock:
            ds = self._dataset()
            bands, alpha, cm = self._bands(ds)
            shrink = ow < (col1 - col0) or oh < (row1 - row0)
            rs = Resampling.bilinear if (resampling == "bilinear" and shrink and cm is None) \
                else Resampling.nearest
            arr = ds.read(bands, window=win, out_shape=(len(bands), oh, ow), resampling=rs)
            mask = None
            if not alpha and any(MaskFlags.per_dataset in f and MaskFlags.all_valid not in f
                                 for f in ds.mask_flag_enums):
                mask = ds.dataset_mask(window=win, out_shape=(oh, ow))
            return self._to_rgba(ds, arr, bands, alpha, cm, mask)

    def read(self, bounds: tuple[float, float, float, float], width: int, height: int,
             dst_crs: str, resampling: str = "bilinear") -> np.ndarray:
        """The view ``bounds`` (in ``dst_crs``) as an RGBA array of ``height`` × ``width``;
        transparent where the image is not. ``resampling``: ``bilinear`` (GDAL's, when a
        window is reduced) or ``nearest`` (fastest); the per-pixel mapping samples nearest."""
        from affine import Affine

        out = np.zeros((height, width, 4), dtype=np.uint8)
        x0, y0, x1, y1 = bounds
        if width <= 0 or height <= 0 or x1 <= x0 or y1 <= y0:
            return out
        m = self.matrix
        if (not self.projective and dst_crs == self.crs and m[0, 1] == 0 and m[1, 0] == 0
                and m[0, 0] > 0 and m[1, 1] < 0):
            return self._read_north_up(bounds, width, height, resampling, out)
        dst_tr = Affine((x1 - x0) / width, 0.0, x0, 0.0, -(y1 - y0) / height, y1)
        # where the view falls in the image: a 17 × 17 grid over the view
        n = 17
        gx, gy = np.meshgrid(np.linspace(0, width, n), np.linspace(0, height, n))
        mx, my = _affine_xy(dst_tr, gx, gy)
        sx, sy = self._dst_to_src_px(np.asarray(mx), np.asarray(my), dst_crs)
        ok = np.isfinite(sx) & np.isfinite(sy)
        if not ok.any():
            return out
        c0 = max(0, int(math.floor(sx[ok].min())) - 2)
        r0 = max(0, int(math.floor(sy[ok].min())) - 2)
        c1 = min(self.width, int(math.ceil(sx[ok].max())) + 2)
        r1 = min(self.height, int(math.ceil(sy[ok].max())) + 2)
        if c1 <= c0 or r1 <= r0:
            return out
        # image pixels per view pixel, the finest over the grid cells inside the image
        step = width / (n - 1), height / (n - 1)
        dx = np.hypot(np.diff(sx, axis=1), np.diff(sy, axis=1)) / step[0]
        dy = np.hypot(np.diff(sx, axis=0), np.diff(sy, axis=0)) / step[1]
        inside = (sx >= 0) & (sx <= self.width) & (sy >= 0) & (sy <= self.height) & ok
        cells = np.concatenate([dx[inside[:, :-1]], dy[inside[:-1, :]]])
        cells = cells[np.isfinite(cells) & (cells > 0)]
        if not cells.size:
            cells = np.concatenate([dx[np.isfinite(dx)], dy[np.isfinite(dy)]])
        ratio = max(float(cells.min()) if cells.size else 1.0, 1e-6)
        ww, wh = c1 - c0, r1 - r0
        ow = max(1, min(ww, int(math.ceil(ww / ratio))))
        oh = max(1, min(wh, int(math.ceil(wh / ratio))))
        rgba = self._read_window(c0, r0, c1, r1, ow, oh, resampling)
        kx, ky = ww / ow, wh / oh  # read-array pixel → image pixel
        # view pixel centres → image pixels: exact per pixel in the image's CRS, else through
        # a grid every 16 px (a CRS change bends the mapping by far less than a pixel there)
        # image pixel → pixel of the decoded window
        to_window = np.array([[1 / kx, 0.0, -c0 / kx], [0.0, 1 / ky, -r0 / ky], [0, 0, 1.0]])
        if dst_crs == self.crs:  # exact: one matrix from view pixels to image pixels
            t = np.array([[dst_tr.a, dst_tr.b, dst_tr.c], [dst_tr.d, dst_tr.e, dst_tr.f],
                          [0.0, 0.0, 1.0]])
            return sample(rgba, *_apply_broadcast(to_window @ self._inverse @ t, width,
                                                  height))
        hm = _view_homography(gx, gy, sx, sy)
        if hm is not None:  # the CRS change is smooth over the view: one matrix
            return sample(rgba, *_apply_broadcast(to_window @ hm, width, height))
        s = 16  # a grid every 16 px, interpolated
        cx_, cy_ = np.meshgrid(np.arange(0, width + s, s), np.arange(0, height + s, s))
        mx, my = _affine_xy(dst_tr, cx_, cy_)
        gsx, gsy = self._dst_to_src_px(np.asarray(mx), np.asarray(my), dst_crs)
        fx, fy = _coarse_to_dense(gsx, gsy, s, height, width)
        return sample(rgba, (fx - c0) / kx, (fy - r0) / ky)

    def _read_north_up(self, bounds: tuple[float, float, float, float], width: int, height: int,
                       resampling: str, out: np.ndarray) -> np.ndarray:
        """The common case — a north-up image in the view's CRS (an orthophoto in the project
        CRS, embedded imagery): GDAL resamples the window straight into the view."""
        m = self.matrix
        x0, y0, x1, y1 = bounds
        c0 = (x0 - m[0, 2]) / m[0, 0]
        c1 = (x1 - m[0, 2]) / m[0, 0]
        r0 = (y1 - m[1, 2]) / m[1, 1]
        r1 = (y0 - m[1, 2]) / m[1, 1]
        kx, ky = (c1 - c0) / width, (r1 - r0) / height  # image pixels per view pixel
        # the view pixels the image covers (whole pixels), then their exact image window
        d0 = max(0, math.floor((0 - c0) / kx))
        d1 = min(width, math.ceil((self.width - c0) / kx))
        e0 = max(0, math.floor((0 - r0) / ky))
        e1 = min(height, math.ceil((self.height - r0) / ky))
        if d1 <= d0 or e1 <= e0:
            return out
        wc0, wc1 = c0 + d0 * kx, c0 + d1 * kx
        wr0, wr1 = r0 + e0 * ky, r0 + e1 * ky
        # clip to the image: those view pixels stay transparent
        cc0, cc1 = max(0.0, wc0), min(float(self.width), wc1)
        rr0, rr1 = max(0.0, wr0), min(float(self.height), wr1)
        dd0 = d0 + int(round((cc0 - wc0) / kx))
        dd1 = d1 - int(round((wc1 - cc1) / kx))
        ee0 = e0 + int(round((rr0 - wr0) / ky))
        ee1 = e1 - int(round((wr1 - rr1) / ky))
        if dd1 <= dd0 or ee1 <= ee0:
            return out
        out[ee0:ee1, dd0:dd1] = self._read_window(cc0, rr0, cc1, rr1, dd1 - dd0, ee1 - ee0,
                                                  resampling)
        return out


def prepared_path_or_none(path: str) -> Path | None:
    if path.upper().startswith("GPKG:"):
        return None
    try:
        return prepared_path(path)
    except OSError:
        return None
