"""Build the base layers a clerk adds — vector files, images, tile services, georeferenced
paper maps — as :class:`~mapedit.model.layers.Layer` objects ready for ``Project.add_layer``.

Shared by ``mapedit add-layer``/``georef``/``tiles-pack`` and the GUI's 添加图层 dialog and
georeferencing window, so both decide alike what a source is and how it becomes a layer.
Nothing here writes to the project.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from mapedit.errors import InputError
from mapedit.model.layers import RASTER, TILES, VECTOR, Layer, LayerStack

MBTILES_SUFFIXES = (".mbtiles",)


def source_kind(source: str) -> str:
    """``tiles`` (a URL template, ``tianditu:…`` or an ``.mbtiles`` file), ``raster`` (an image
    file, or a GeoPackage holding tiles but no features) or ``vector``."""
    from mapedit.io import raster, tiles

    if tiles.is_template(source):
        return TILES
    p = Path(source)
    suffix = p.suffix.lower()
    if suffix in MBTILES_SUFFIXES:
        return TILES
    if suffix in raster.SUFFIXES:
        return RASTER
    if suffix == ".gpkg" and p.exists():
        import sqlite3

        try:
            conn = sqlite3.connect(f"file:{p.resolve()}?mode=ro", uri=True)
            try:
                kinds = {r[0] for r in conn.execute("SELECT data_type FROM gpkg_contents")}
            finally:
                conn.close()
        except sqlite3.Error:
            kinds = set()
        if "tiles" in kinds and "features" not in kinds:
            return RASTER
    return VECTOR


def project_extent(dataset) -> tuple[float, float, float, float] | None:
    """The project's area (street, else units, else grids) in the project CRS."""
    geoms: list = []
    if dataset.street is not None and dataset.street.geometry is not None:
        geoms = [dataset.street.geometry]
    if not geoms:
        geoms = [u.geometry for u in dataset.units.values() if u.geometry is not None]
    if not geoms:
        geoms = [g.geometry for g in dataset.grids.values() if g.geometry is not None]
    if not geoms:
        return None
    b = shapely.total_bounds(np.asarray(geoms, dtype=object))
    return tuple(float(v) for v in b) if np.isfinite(b).all() else None  # type: ignore[return-value]


def unit_extent(dataset, code: str) -> tuple[float, float, float, float]:
    unit = dataset.units.get(code)
    if unit is None or unit.geometry is None:
        raise InputError(f"项目中没有管理单元 {code}", f"the project has no unit {code}")
    return tuple(float(v) for v in unit.geometry.bounds)  # type: ignore[return-value]


def _stem(path: Path, fallback: str) -> str:
    return path.stem if path.stem else fallback


# -- images -----------------------------------------------------------------------------------

def raster_layer(path: str | Path, project_crs: str, stack: LayerStack, *, name: str = "",
                 crs: str | None = None, transform: Mapping[str, Any] | None = None,
                 embed: bool | None = None) -> tuple[Layer, list[tuple[str, str]]]:
    """An image layer (linked by path; ``options["embedded"]`` names the tiles table the store
    should write when the image is small enough, or ``embed`` says so). Returns the layer and
    notes for the clerk. The image must be georeferenced (GeoTIFF, world file) unless a
    ``transform`` (georeferencing in mapedit) is given; ``crs`` is used when the file has none
    (default: the project's, with a note)."""
    from mapedit.io import raster_embed
    from mapedit.io.crs_guess import crs_code, parse_crs
    from mapedit.io.raster import RasterSource, raster_info

    p = Path(path)
    info = raster_info(p)
    notes: list[tuple[str, str]] = []
    assumed = False
    use_crs = crs_code(parse_crs(crs)) if crs else None
    if transform is None and info.crs is None and use_crs is None:
        use_crs = project_crs
        assumed = True
        notes.append(("影像没有坐标系(无 .prj),按项目坐标系处理;如不对请用 --crs 指定",
                      "the image has no CRS (no .prj); the project's is assumed — give --crs "
                      "if that is wrong"))
    source = RasterSource(p, crs=use_crs, transform=transform)
    try:
        extent = source.extent(project_crs)
        do_embed = raster_embed.should_embed(source) if embed is None else embed
    finally:
        source.close()
    layer_id = stack.new_id("imagery")
    options: dict[str, Any] = {"path": str(p) if str(p).upper().startswith("GPKG:")
                               else str(p.resolve()), "size": [info.width, info.height]}
    if transform is not None:
        options["transform"] = dict(transform)
    if assumed:
        options["assumed_crs"] = True
    if do_embed:
        options["embedded"] = f"mapedit_img_{layer_id}"
    elif info.needs_pyramid:
        notes.append(("影像较大且没有金字塔,首次显示前将在缓存中建立金字塔",
                      "large image without pyramids: pyramids will be built in the cache before "
                      "it is first shown"))
    source_text = str(p) if str(p).upper().startswith("GPKG:") else str(p.resolve())
    layer = Layer(id=layer_id, kind=RASTER, name=name or _stem(p, "imagery"), source=source_text,
                  crs=source.crs, extent=extent, options=options)
    return layer, notes


# -- tiles ------------------------------------------------------------------------------------

def tiles_layer(source: str, stack: LayerStack, *, name: str = "",
                gcj02_correction: bool = True) -> tuple[Layer, str | None, list[tuple[str, str]]]:
    """A tiles layer from a URL template / ``tianditu:img_w`` / an ``.mbtiles`` file. Returns
    (layer, a key found in the URL — for the user's settings, never the project —, notes)."""
    from mapedit.io import tiles

    key = None
    notes: list[tuple[str, str]] = []
    if tiles.is_template(source):
        service, key, notes = tiles.parse_template(source, name=name)
        if key:
            notes.append(("地址中的天地图密钥不会保存在项目中;请在设置中填写(命令行:MAPEDIT_TIANDITU_KEY)",
                          "the Tianditu key in the URL is not stored in the project; keep it in "
                          "the settings (command line: MAPEDIT_TIANDITU_KEY)"))
        stem = "tianditu" if service.key == "tianditu" else "tiles"
    else:
        from mapedit.io.mbtiles import MBTiles

        with MBTiles(source) as mb:
            service = mb.service(name)
        stem = "mbtiles"
    if service.gcj02:
        service = tiles.with_correction(service, gcj02_correction)
    layer = Layer(id=stack.new_id(stem), kind=TILES, name=name or service.name,
                  source=service.mbtiles or service.template, crs=service.tile_crs,
                  options=service.to_options())
    return layer, key, notes


# -- opening layers for drawing (the renderers of phase 2 call these) --------------------------

def raster_source_for(layer: Layer, project_path: str | Path | None = None,
                      project_crs: str | None = None):
    """The :class:`~mapedit.io.raster.RasterSource` that draws a raster layer: its embedded
    tiles when the project holds them (already in the project CRS), else the linked file
    (a bilingual error when it has moved)."""
    from mapedit.io.raster import RasterSource

    table = layer.options.get("embedded")
    if table and project_path is not None:
        import sqlite3

        try:
            conn = sqlite3.connect(f"file:{Path(project_path).resolve()}?mode=ro", uri=True)
            try:
                found = conn.execute("SELECT 1 FROM gpkg_contents WHERE table_name=? AND "
                                     "data_type='tiles'", (table,)).fetchone()
            finally:
                conn.close()
        except sqlite3.Error:
            found = None
        if found:
            from mapedit.io.raster_embed import embedded_path

            return RasterSource(embedded_path(project_path, table),
                                crs=project_crs or layer.crs)
    path = layer.options.get("path") or layer.source
    if not path or not Path(path).exists():
        raise InputError(f"找不到影像文件 {path}(文件可能已移动)",
                         f"image file not found: {path} (it may have been moved)")
    return RasterSource(path, crs=layer.crs or None, transform=layer.options.get("transform"))


def tile_provider_for(layer: Layer, settings_key: str | None = None, cache=None, **kw):
    """The tile provider of a tiles layer (its MBTiles file, or the network with the user's
    key from the settings — never from the project)."""
    from mapedit.io.tile_fetch import open_provider, user_key
    from mapedit.io.tiles import TileService

    service = TileService.from_options(layer.options, name=layer.name)
    return open_provider(service, key=user_key(service, settings_key), cache=cache, **kw)


# -- georeferenced paper maps ------------------------------------------------------------------

@dataclass
class Gcp:
    px: float
    py: float
    lon: float | None = None
    lat: float | None = None
    x: float | None = None
    y: float | None = None
    line: int = 0


def read_gcps(path: str | Path) -> list[Gcp]:
    """Control points from a CSV with a header: ``px,py,lon,lat`` (degrees, WGS84/CGCS2000) or
    ``px,py,x,y`` (project CRS). UTF-8 with or without BOM, commas or tabs."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"找不到控制点文件 {p}", f"control point file not found: {p}")
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        text = p.read_text(encoding="gb18030", errors="replace")
    dialect = csv.excel_tab if text.count("\t") > text.count(",") else csv.excel
    rows = list(csv.reader(text.splitlines(), dialect))
    if not rows:
        raise InputError(f"控制点文件 {p.name} 是空的", f"control point file {p.name} is empty")
    head = [h.strip().lower() for h in rows[0]]
    need_ll = {"px", "py", "lon", "lat"} <= set(head)
    need_xy = {"px", "py", "x", "y"} <= set(head)
    if not (need_ll or need_xy):
        raise InputError(f"控制点文件 {p.name} 需要列 px,py,lon,lat(或 px,py,x,y)",
                         f"control point file {p.name} needs columns px,py,lon,lat "
                         "(or px,py,x,y)")
    col = {h: i for i, h in enumerate(head)}
    out = []
    for n, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        try:
            def v(k: str, row=row) -> float:
                return float(row[col[k]].strip())
            if need_ll:
                out.append(Gcp(v("px"), v("py"), lon=v("lon"), lat=v("lat"), line=n))
            else:
                out.append(Gcp(v("px"), v("py"), x=v("x"), y=v("y"), line=n))
        except (ValueError, IndexError) as exc:
            raise InputError(f"控制点文件 {p.name} 第 {n} 行不是数字", f"control point file "
                             f"{p.name} line {n} is not numeric") from exc
    return out


def georeferencer_from_gcps(gcps: Sequence[Gcp], project_crs: str, kind: str | None = None):
    """The :class:`~mapedit.model.georef.Georeferencer` of the points (default kind:
    projective with four or more points, else affine)."""
    from mapedit.model.georef import AFFINE, PROJECTIVE, Georeferencer

    g = Georeferencer(project_crs, kind or (PROJECTIVE if len(gcps) >= 4 else AFFINE))
    for p in gcps:
        if p.lon is not None and p.lat is not None:
            g.add_lonlat(p.px, p.py, p.lon, p.lat)
        else:
            g.add(p.px, p.py, float(p.x), float(p.y))  # type: ignore[arg-type]
    return g


def layer_row(layer: Layer, dataset=None) -> dict[str, Any]:
    """What ``mapedit layers`` prints for a layer (``--json``: a list of these)."""
    features: int | None = layer.feature_count()
    if dataset is not None and features is None:
        counts = {"grids": len(dataset.grids), "units": len(dataset.units),
                  "responsibility_grids": len(dataset.responsibility_grids)}
        features = counts.get(layer.kind)
    row: dict[str, Any] = {"id": layer.id, "name": layer.label("zh"), "name_en": layer.label("en"),
                           "role": layer.role, "kind": layer.kind, "features": features,
                           "crs": layer.crs or (dataset.crs if dataset is not None and
                                                layer.kind not in (RASTER, TILES) else ""),
                           "source": layer.source, "visible": layer.visible,
                           "opacity": layer.opacity}
    if layer.kind == RASTER:
        size = layer.options.get("size")
        row["pixels"] = list(size) if size else None
        row["embedded"] = bool(layer.options.get("embedded"))
        if layer.options.get("transform"):
            row["georeference"] = layer.options["transform"].get("type")
    if layer.kind == TILES:
        row["zoom"] = [layer.options.get("min_zoom"), layer.options.get("max_zoom")]
        row["gcj02"] = bool(layer.options.get("gcj02"))
    return row
