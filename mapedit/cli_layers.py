"""The base-map commands of ``mapedit``: ``layers``, ``add-layer``, ``georef``, ``tiles-pack``.

Kept out of ``cli.py`` so the base-map work merges without touching the other commands;
``cli.build_parser`` registers them through :func:`register`. Same rules as every command:
exit 0 on success, 2 with one bilingual line on stderr when the input cannot be used, and
nothing changed in the project then (a layer is added by one ``Project.add_layer`` call, one
store transaction, only after everything was read and checked).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

from mapedit.errors import MapeditError

EXIT_OK, EXIT_INPUT = 0, 2
COMMANDS = ("layers", "add-layer", "georef", "tiles-pack", "render")


class CliError(MapeditError):
    """A bad command line or a missing file: exit status 2."""


def _out(text: str = "") -> None:
    print(text, file=sys.stdout)


def _err(text: str) -> None:
    print(text, file=sys.stderr)


def _both(pair: tuple[str, str]) -> str:
    return f"{pair[0]} / {pair[1]}"


def _need_file(path: str, what_zh: str, what_en: str) -> Path:
    p = Path(path)
    if not p.exists():
        raise CliError(f"找不到{what_zh} {p}", f"{what_en} not found: {p}")
    if p.is_dir():
        raise CliError(f"{p} 是文件夹,不是{what_zh}", f"{p} is a folder, not a {what_en}")
    return p


def _load(project_path: Path):
    """The project's dataset (layers restored), without the checker."""
    from mapedit.io.gpkg import GpkgStore

    store = GpkgStore.open(project_path)
    try:
        return store.load()
    finally:
        store.close()


def _persist(project, layer) -> None:
    """``Project.add_layer``: one store transaction (the store helper's part of the contract)."""
    add = getattr(project, "add_layer", None)
    if add is None:
        raise CliError("此版本的项目存储尚不能保存图层(等待 Project.add_layer)",
                       "this build's project store cannot save layers yet "
                       "(Project.add_layer is missing)")
    from mapedit.io.layer_factory import default_index

    add(layer, default_index(project.dataset.layers, layer))


def _prepare(layer) -> None:
    """Build an image's pyramid copy before the layer is stored (so embedding and drawing read
    it quickly), with a progress line for big images."""
    from mapedit.io.raster import prepare, prepared_path, raster_info

    path = layer.options.get("path")
    if not path or prepared_path(path) is not None:
        return
    info = raster_info(path)
    embed = bool(layer.options.get("embedded"))
    if not (info.needs_pyramid or (embed and not info.tiled)):
        return
    _err(f"正在为 {Path(path).name} 建立金字塔 / building pyramids for {Path(path).name} "
         f"({info.width} × {info.height} px)…")
    prepare(path, crs=layer.crs or None, many_windows=embed)


# -- layers -----------------------------------------------------------------------------------

def cmd_layers(args: argparse.Namespace) -> int:
    """List the project's layers, bottom first: name, role, kind, features (or pixels), CRS,
    source."""
    from mapedit.io.layer_factory import layer_row

    path = _need_file(args.project, "项目文件", "project file")
    ds = _load(path)
    rows = [layer_row(layer, ds) for layer in ds.layers]
    if args.json:
        _out(json.dumps(rows, ensure_ascii=False, indent=1))
        return EXIT_OK
    _out("名称 / name | 角色 / role | 类型 / kind | 要素 / features | 坐标系 / CRS | 来源 / source")
    for r in rows:
        count = r["features"]
        if r["kind"] == "raster" and r.get("pixels"):
            count = "{}×{} px".format(*r["pixels"])
        elif r["kind"] == "tiles":
            count = "z{}-{}".format(*r.get("zoom", ["?", "?"]))
        _out(" | ".join(str(v) if v not in (None, "") else "-" for v in
                        (r["name"], r["role"], r["kind"], count, r["crs"], r["source"])))
    return EXIT_OK


# -- add-layer --------------------------------------------------------------------------------

def build_layer(source: str, dataset, *, name: str = "", role: str | None = None,
                layer: str | None = None, crs: str | None = None, encoding: str | None = None,
                fields: list[str] | None = None, stack=None
                ) -> tuple[Any, list[str], list[tuple[str, str]]]:
    """The layer ``add-layer`` (or ``new --base``) would add for ``source``, with report lines
    and notes; reads and checks everything, changes nothing. ``stack``: where the new layer's
    id must be free (default: the dataset's)."""
    from mapedit.io.layer_factory import raster_layer, source_kind, tiles_layer

    stack = stack if stack is not None else dataset.layers
    kind = source_kind(source)
    if kind != "vector":
        for opt, val in (("--role", role), ("--encoding", encoding), ("--field", fields)):
            if val:
                raise CliError(f"{opt} 只用于矢量图层", f"{opt} only applies to vector layers")
    if kind == "vector":
        lyr, lines = _vector_layer(source, dataset, stack, name=name, role=role, layer=layer,
                                   crs=crs, encoding=encoding, fields=fields)
        return lyr, lines, []
    if kind == "raster":
        src = _need_file(source, "影像文件", "image file")
        path = f"GPKG:{src}:{layer}" if layer and src.suffix.lower() == ".gpkg" else src
        lyr, notes = raster_layer(path, dataset.crs, stack, name=name, crs=crs)
        return lyr, [], notes
    if crs:
        raise CliError("--crs 不用于瓦片图层", "--crs does not apply to tile layers")
    if not source.lower().startswith(("http", "tianditu:")):
        _need_file(source, "MBTiles 文件", "MBTiles file")
    lyr, _key, notes = tiles_layer(source, stack, name=name)
    return lyr, [], notes


def _vector_layer(source: str, dataset, stack, *, name: str, role: str | None,
                  layer: str | None, crs: str | None, encoding: str | None,
                  fields: list[str] | None) -> tuple[Any, list[str]]:
    from mapedit.io.field_mapping import parse_mapping
    from mapedit.io.layer_factory import project_extent
    from mapedit.io.vector_import import import_vector, preview_vector
    from mapedit.model.layer_repeats import repeat_note

    src = _need_file(source, "文件", "file")
    extent = project_extent(dataset)
    preview = preview_vector(src, layer=layer, encoding=encoding, crs=crs, role=role,
                             project_crs=dataset.crs, project_extent=extent)
    role = role or preview.role
    mapping = parse_mapping(fields or [], role, preview.columns) if fields else None
    result = import_vector(src, dataset.crs, stack.new_id(role), role=role, name=name,
                           layer=layer, encoding=encoding, crs=crs, fields=mapping,
                           project_extent=extent)
    zh, en = result.summary("zh"), result.summary("en")
    lines = [f"{a} / {b}" for a, b in zip(zh, en, strict=True)]
    repeat = repeat_note(stack, result.layer)
    if repeat is not None:
        lines.append(f"{repeat[0]} / {repeat[1]}")
    return result.layer, lines


def cmd_add_layer(args: argparse.Namespace) -> int:
    """Add a vector file, an image, a tile template or an MBTiles file to the project."""
    from mapedit.project import Project

    project_path = _need_file(args.project, "项目文件", "project file")
    project = Project.open(project_path)
    try:
        layer, lines, notes = build_layer(args.source, project.dataset, name=args.name or "",
                                          role=args.role, layer=args.layer, crs=args.crs,
                                          encoding=args.encoding, fields=args.field)
        if layer.kind == "raster":
            _prepare(layer)
        _persist(project, layer)
        for line in lines:
            _out(line)
        for n in notes:
            _err(_both(n))
        _out(f"已添加图层 {layer.label('zh')}({layer.kind}) / added layer "
             f"{layer.label('en')} ({layer.kind}) [{layer.id}]")
    finally:
        project.close()
    return EXIT_OK


_BASE_CRS_HINT = ("--base 文件[:角色]@EPSG:编号", "--base FILE[:ROLE]@EPSG:N")
_CRS_SUFFIX = re.compile(r"@([A-Za-z]+:\d+)$")
"""``@EPSG:4528`` (any ``AUTHORITY:CODE``) at the end of a ``--base`` value."""


def parse_base_spec(spec: str) -> tuple[str, str | None, str | None]:
    """``FILE[:ROLE][@CRS]`` of ``mapedit new --base`` → (file, role, CRS): ``房屋.dxf``,
    ``房屋.shp:buildings``, ``房屋.dxf:buildings@EPSG:4528``, ``道路.shp@EPSG:4549``. The CRS is
    the file's own when it has none (a DXF, a Shapefile without ``.prj``), as ``add-layer
    --crs``. ``C:\\data\\b.shp`` keeps its drive letter, a URL template its scheme; an ``@``
    not followed by ``AUTHORITY:CODE`` at the end is part of the file name."""
    crs = None
    m = _CRS_SUFFIX.search(spec)
    if m and m.start() > 0:
        crs, spec = m.group(1).upper(), spec[:m.start()]
    head, sep, tail = spec.rpartition(":")
    if sep and head and tail in ROLE_CHOICES:
        return head, tail, crs
    return spec, None, crs


def base_layers_for_new(specs: list[str], dataset) -> list[Any]:
    """The layers of ``mapedit new … --base FILE[:ROLE][@CRS] …``, all read and checked **before**
    the project is created, so an unreadable file stops ``new`` with one bilingual line and
    no file. ``cmd_new`` (exchange helper) then adds them after ``Project.create``::

        layers = base_layers_for_new(args.base or [], dataset)   # before Project.create
        project = Project.create(out, dataset, ...)
        for layer in layers:
            project.add_layer(layer)
    """
    from mapedit.model.layers import LayerStack

    scratch = LayerStack(list(dataset.layers))  # reserves the new ids among themselves
    out = []
    for spec in specs:
        source, role, crs = parse_base_spec(spec)
        try:
            layer, lines, notes = build_layer(source, dataset, role=role, crs=crs,
                                              stack=scratch)
        except MapeditError as exc:  # "give --crs": here the CRS goes with the file
            if "--crs" not in exc.en:
                raise
            raise type(exc)(exc.zh.replace("--crs", _BASE_CRS_HINT[0]),
                            exc.en.replace("--crs", _BASE_CRS_HINT[1])) from exc
        for line in lines:
            _out(line)
        for n in notes:
            _err(_both((n[0].replace("--crs", _BASE_CRS_HINT[0]),
                        n[1].replace("--crs", _BASE_CRS_HINT[1]))))
        scratch.insert(layer)
        out.append(layer)
    return out


def add_base_layers(project, layers: list[Any]) -> None:
    """Store the layers of ``new --base`` in the project just created (pyramids first)."""
    for layer in layers:
        if layer.kind == "raster":
            _prepare(layer)
        _persist(project, layer)
        _out(f"已添加图层 {layer.label('zh')}({layer.kind}) / added layer "
             f"{layer.label('en')} ({layer.kind}) [{layer.id}]")


# -- georef -----------------------------------------------------------------------------------

def cmd_georef(args: argparse.Namespace) -> int:
    """Georeference an image from control points, print the residuals, add it as a layer."""
    from mapedit.io.layer_factory import georeferencer_from_gcps, raster_layer, read_gcps
    from mapedit.project import Project

    project_path = _need_file(args.project, "项目文件", "project file")
    image = _need_file(args.image, "影像文件", "image file")
    gcps = read_gcps(_need_file(args.points, "控制点文件", "control point file"))
    project = Project.open(project_path)
    try:
        ds = project.dataset
        geo = georeferencer_from_gcps(gcps, ds.crs, args.transform)
        fit = geo.fit()
        _out(f"变换 / transform: {fit.kind}  ({len(geo)} 个控制点 / control points)")
        _out("点 / point  px  py  残差(米) / residual (m)")
        for gcp, p in zip(gcps, geo.points, strict=True):
            _out(f"  {gcp.line - 1:>3}  {p.px:.1f}  {p.py:.1f}  {fit.residuals[p.id]:.3f}")
        _out(f"RMS: {fit.rms:.3f} m")
        if fit.redundancy == 0:
            _err("控制点刚好够用,残差无法反映精度;建议多加几个点 / just enough control points: the "
                 "residuals say nothing about accuracy; add a few more")
        layer, notes = raster_layer(image, ds.crs, ds.layers, name=args.name or "",
                                    transform=fit.to_options(geo.points))
        _prepare(layer)
        _persist(project, layer)
        for n in notes:
            _err(_both(n))
        _out(f"已添加配准影像 {layer.label('zh')} / added georeferenced image {layer.label('en')} "
             f"[{layer.id}]")
    finally:
        project.close()
    return EXIT_OK


# -- tiles-pack -------------------------------------------------------------------------------

def _find_tiles_layer(dataset, name: str):
    from mapedit.model.layers import TILES

    for layer in dataset.layers:
        if layer.kind == TILES and name in (layer.id, layer.name, layer.label("zh"),
                                            layer.label("en")):
            return layer
    known = [f"{ly.id} ({ly.label('zh')})" for ly in dataset.layers.of_kind(TILES)]
    raise CliError(f"项目中没有瓦片图层 {name}(现有:{', '.join(known) or '无'})",
                   f"the project has no tile layer {name} (tile layers: "
                   f"{', '.join(known) or 'none'})")


def _settings_key() -> str | None:
    """The 天地图 key the clerk saved in the editor (user settings; never the project)."""
    try:
        from mapedit.ui.settings_store import SettingsStore
    except ImportError:  # a headless install without Qt
        return None
    try:
        return SettingsStore().tianditu_key() or None
    except Exception:  # noqa: BLE001 - unreadable settings: as if there were no key
        return None


def _timeout() -> float:
    """Seconds ``tiles-pack`` waits for the tiles (``MAPEDIT_TILES_TIMEOUT``, default 120)."""
    try:
        return max(1.0, float(os.environ.get("MAPEDIT_TILES_TIMEOUT", "120")))
    except ValueError:
        return 120.0


def cmd_tiles_pack(args: argparse.Namespace) -> int:
    """Pack the tiles of the street (or one unit) at the given zooms into an MBTiles file.
    LAYER is a tiles layer of the project (id or name), or directly a tile template."""
    from mapedit.io import tiles
    from mapedit.io.layer_factory import project_extent, unit_extent
    from mapedit.io.mbtiles import pack, parse_zooms
    from mapedit.io.tile_fetch import open_provider, user_key

    project_path = _need_file(args.project, "项目文件", "project file")
    out = Path(args.out)
    if out.exists():
        raise CliError(f"{out} 已存在,请先删除或换一个文件名",
                       f"{out} already exists; delete it or choose another name")
    if not out.parent.exists():
        raise CliError(f"文件夹 {out.parent} 不存在", f"folder {out.parent} does not exist")
    zmin, zmax = parse_zooms(args.zoom)
    ds = _load(project_path)
    if tiles.is_template(args.layer):
        service, key, _ = tiles.parse_template(args.layer)
    else:
        service = tiles.TileService.from_options(_find_tiles_layer(ds, args.layer).options)
        key = None
    bounds = unit_extent(ds, args.unit) if args.unit else project_extent(ds)
    if bounds is None:
        raise CliError("项目没有范围(没有街道或管理单元)", "the project has no extent (no street "
                       "or units)")
    if service.key == "tianditu" and not key:
        key = os.environ.get("MAPEDIT_TIANDITU_KEY") or _settings_key()
    provider = open_provider(service, key=user_key(service, key))
    try:
        result = pack(service, provider, bounds, ds.crs, range(zmin, zmax + 1), out,
                      name=service.name, timeout=_timeout())
    finally:
        provider.close()
    _out(f"已写入 {result.path}:{result.tiles} 个瓦片,级别 {zmin}-{zmax},"
         f"{result.size_bytes / 1e6:.1f} MB / wrote {result.path}: {result.tiles} tiles, "
         f"zoom {zmin}-{zmax}, {result.size_bytes / 1e6:.1f} MB")
    return EXIT_OK


# -- render -----------------------------------------------------------------------------------

def cmd_render(args: argparse.Namespace) -> int:
    """The map as the editor draws it, to a PNG: a unit, or a centre and scale. Waits for the
    imagery and tiles the view needs; exit 2 naming what did not arrive (nothing written)."""
    from types import SimpleNamespace

    from mapedit.io.map_view import parse_center, parse_size

    project_path = _need_file(args.project, "项目文件", "project file")
    out = Path(args.out)
    if out.is_dir():
        raise CliError(f"{out} 是文件夹,请给出 .png 文件名", f"{out} is a folder; give a .png "
                       "file name")
    if out.exists() and not args.force:
        raise CliError(f"{out} 已存在;要覆盖请加 --force", f"{out} already exists; add --force "
                       "to overwrite")
    if not out.parent.exists():
        raise CliError(f"文件夹 {out.parent} 不存在", f"folder {out.parent} does not exist")
    if args.unit is None and args.center is None:
        raise CliError("请给出 --unit CODE 或 --center LON,LAT --scale M_PER_PX",
                       "give --unit CODE or --center LON,LAT --scale M_PER_PX")
    if args.unit is not None and args.center is not None:
        raise CliError("--unit 和 --center 只能给一个", "give either --unit or --center, not both")
    if args.center is not None and args.scale is None:
        raise CliError("给出 --center 时还要给出 --scale(米/像素)",
                       "--center needs --scale (metres per pixel)")
    size = parse_size(args.size)
    center = parse_center(args.center) if args.center is not None else None
    layers = [n for n in (args.layers or "").split(",") if n.strip()] or None
    dataset = _load(project_path)
    _qt_platform()
    from mapedit.ui.render import render_map

    result = render_map(SimpleNamespace(dataset=dataset, path=project_path), out,
                        unit=args.unit, center=center, scale=args.scale, size=size,
                        layers=layers)
    if result.problems:
        zh = ";".join(p[0] for p in result.problems)
        en = "; ".join(p[1] for p in result.problems)
        raise CliError(f"地图没有画完整,未写入 {out}:{zh}",
                       f"the map could not be drawn completely, {out} not written: {en}")
    x0, y0, x1, y1 = result.bounds
    _out(f"已写入 {out}:{size[0]}×{size[1]} 像素,{result.scale:g} 米/像素,"
         f"图层 {len(result.layers)} 个 / wrote {out}: {size[0]}×{size[1]} px, "
         f"{result.scale:g} m/px, {len(result.layers)} layers; bounds {x0:.1f},{y0:.1f},"
         f"{x1:.1f},{y1:.1f} ({result.crs})")
    return EXIT_OK


def _qt_platform() -> None:
    """Render without a display: Qt offscreen on a Linux server (as the self-test does)."""
    from mapedit.selftest import needs_offscreen, quiet_qt_notices

    if needs_offscreen() and not os.environ.get("QT_QPA_PLATFORM"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    quiet_qt_notices()


# -- registration -----------------------------------------------------------------------------

def _role_choices() -> tuple[str, ...]:
    from mapedit.model.layers import ROLES

    return tuple(ROLES)


ROLE_CHOICES = _role_choices()
"""The roles of the layer model (``--role``), read from it rather than repeated."""


def register(sub: argparse._SubParsersAction) -> None:
    """Add the base-map commands to ``mapedit``'s sub-parsers."""
    s = sub.add_parser("layers", help="列出项目图层 / list the project's layers")
    s.add_argument("project", metavar="PROJECT.gpkg")
    s.add_argument("--json", action="store_true", help="输出 JSON / JSON output")
    s.set_defaults(func=cmd_layers)

    s = sub.add_parser("add-layer", help="添加底图图层 / add a base layer (file or tile URL)")
    s.add_argument("project", metavar="PROJECT.gpkg")
    s.add_argument("source", metavar="SOURCE", help="文件或瓦片地址模板 / a file or a tile URL "
                   "template")
    s.add_argument("--name", metavar="NAME")
    s.add_argument("--role", choices=ROLE_CHOICES)
    s.add_argument("--layer", metavar="SOURCE_LAYER",
                   help="文件中的图层(DXF:CAD 图层,可用逗号分隔) / layer of the file (DXF: CAD "
                   "layers, comma-separated)")
    s.add_argument("--crs", metavar="EPSG:N")
    s.add_argument("--encoding", metavar="ENC")
    s.add_argument("--field", action="append", metavar="ROLEFIELD=COLUMN")
    s.set_defaults(func=cmd_add_layer)

    s = sub.add_parser("georef", help="配准纸质地图照片 / georeference a photo or scan")
    s.add_argument("project", metavar="PROJECT.gpkg")
    s.add_argument("image", metavar="IMAGE")
    s.add_argument("--points", required=True, metavar="GCPS.csv",
                   help="列 px,py,lon,lat / columns px,py,lon,lat")
    s.add_argument("--transform", choices=("affine", "projective"), default=None)
    s.add_argument("--name", metavar="NAME")
    s.set_defaults(func=cmd_georef)

    s = sub.add_parser("tiles-pack", help="打包离线瓦片 / pack tiles into an MBTiles file")
    s.add_argument("project", metavar="PROJECT.gpkg")
    s.add_argument("layer", metavar="LAYER")
    s.add_argument("out", metavar="OUT.mbtiles")
    s.add_argument("--zoom", required=True, metavar="MIN-MAX")
    s.add_argument("--unit", metavar="CODE")
    s.set_defaults(func=cmd_tiles_pack)

    s = sub.add_parser("render", help="把地图渲染为 PNG / render the map to a PNG")
    s.add_argument("project", metavar="PROJECT.gpkg")
    s.add_argument("out", metavar="OUT.png")
    s.add_argument("--unit", metavar="CODE", help="管理单元编码 / a unit's code")
    s.add_argument("--center", metavar="LON,LAT", help="中心经纬度 / centre, degrees")
    s.add_argument("--scale", type=float, metavar="M_PER_PX", help="米/像素 / metres per pixel")
    s.add_argument("--size", default="1600x1000", metavar="WxH")
    s.add_argument("--layers", metavar="NAME,NAME",
                   help="只画这些图层 / draw only these layers")
    s.add_argument("--force", action="store_true", help="覆盖已有文件 / overwrite")
    s.set_defaults(func=cmd_render)
