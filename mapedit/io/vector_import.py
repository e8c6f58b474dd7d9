"""Bring a street's own vector data into a project: Shapefile, DXF, GeoPackage, GeoJSON, KML.

Two steps, both without Qt so the GUI's 添加图层 dialog and ``mapedit add-layer`` share them:

1. :func:`preview_vector` reads the first features and says what it found — the text encoding
   (the clerk sees real Chinese), the CRS (from the file, else ranked guesses from the
   coordinates, :mod:`mapedit.io.crs_guess`), which columns hold the role's fields
   (:mod:`mapedit.io.field_mapping`), the geometry types and what happens to each for the chosen
   role, and for CAD drawings the CAD layers with a suggested role each.
2. :func:`import_vector` reads everything with the confirmed choices, reprojects to the project
   CRS, repairs invalid geometries and drops empty ones (counting both), and returns a
   :class:`~mapedit.model.layers.Layer` with its features — nothing is written: the project
   stores the layer in one transaction (``Project.add_layer``), so a failure leaves nothing
   half-imported. Every problem a clerk can cause is a bilingual :class:`InputError`.

CAD drawings from surveyors: GDAL returns every entity of a DXF as one layer with the CAD layer
name in a ``Layer`` column. Closed polylines become polygons for polygon roles (buildings), open
ones stay lines for line roles (roads), TEXT entities are points; a building takes the texts
inside it as its name (house numbers), and a 1:500 map's structure-and-floors note (砼5, 混3)
as its floor count.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from mapedit.errors import InputError
from mapedit.io import crs_guess, field_mapping, text_encoding
from mapedit.model.layers import ROLES, VECTOR, BaseLayer, Layer

SUFFIXES = (".shp", ".dxf", ".gpkg", ".geojson", ".json", ".kml", ".kmz", ".gml", ".tab",
            ".mif", ".sqlite", ".fgb", ".zip")
"""File types offered by the import dialog (a zipped Shapefile too; anything GDAL reads may
still be given)."""

ROLE_WORDS: dict[str, tuple[str, ...]] = {
    # role → words in a layer or file name that suggest it (lower case)
    "buildings": ("房屋", "建筑", "楼栋", "楼房", "居民地", "房", "building", "bldg", "house",
                  "jmd", "fw", "jzw"),
    "roads": ("道路", "路网", "街道线", "中心线", "交通", "road", "street", "highway", "dl",
              "jt"),
    "water": ("水系", "河流", "水域", "湖", "河", "water", "river", "lake", "sx"),
    "villager_groups": ("村民小组", "村组", "小组", "villager", "group", "cmxz"),
    "committees": ("居委", "社区", "村委", "committee", "community", "jwh"),
    "pois": ("兴趣点", "poi", "门牌", "地名", "point", "address"),
}

CAD_COLUMNS = ("Layer", "PaperSpace", "SubClasses", "Linetype", "EntityHandle", "Text")
"""What GDAL's DXF driver gives every entity; only the CAD layer and the text mean something to
a clerk, and texts reach buildings through :func:`_attach_texts`, not as a column."""

_FLOORS_NOTE = re.compile(r"^\s*[砼混砖钢木简]\s*(\d{1,3})\s*$")
"""Structure-and-floors note of Chinese 1:500 survey maps: 砼5 = concrete, 5 floors."""

GEOMETRY_LABELS = {
    "Point": ("点", "point"), "MultiPoint": ("多点", "multipoint"),
    "LineString": ("开放线", "open line"), "ClosedLine": ("闭合线", "closed line"),
    "MultiLineString": ("多线", "multiline"), "Polygon": ("面", "polygon"),
    "MultiPolygon": ("多面", "multipolygon"), "GeometryCollection": ("几何集合", "collection"),
    "LinearRing": ("闭合线", "closed line"), "None": ("无几何", "no geometry"),
}


# -- results ---------------------------------------------------------------------------------

@dataclass
class CadLayer:
    """One CAD layer of a drawing: its entities by geometry and the role its name suggests."""

    name: str
    count: int
    types: dict[str, int]
    role: str | None


@dataclass
class VectorPreview:
    """What the import dialog shows before anything is imported (see the module doc)."""

    path: Path
    driver: str
    layers: list[str]
    layer: str | None
    feature_count: int
    encoding: str
    encoding_source: str
    """``user``, ``cpg``, ``dbf`` (the DBF header's code page) or ``detected``."""
    columns: list[str]
    rows: list[dict[str, Any]]
    """Attributes of the first features, decoded."""
    geometries: np.ndarray
    """The first features' geometries, in the file's coordinates."""
    crs: str | None
    """What the preview uses: the user's, the file's, or the best guess."""
    crs_source: str | None
    """``user``, ``file``, ``guess`` or None (no CRS found and no guess)."""
    crs_candidates: list[crs_guess.CrsCandidate]
    swap_xy: bool
    bounds: tuple[float, float, float, float] | None
    geometry_types: dict[str, int]
    role: str
    role_source: str
    """``user``, ``name`` (from the layer or file name) or ``geometry``."""
    role_mapping: dict[str, int]
    """What the role makes of the sample's geometries (``kept``, ``closed lines → polygons``,
    ``dropped Point``…), as counted by :func:`fit_to_role`."""
    fields: dict[str, str | None]
    cad_layers: list[CadLayer] = field(default_factory=list)
    cad_filter: list[str] | None = None
    warnings: list[tuple[str, str]] = field(default_factory=list)

    def project_geometries(self, project_crs: str) -> np.ndarray:
        """The sample in the project CRS, to draw on the map (empty without a CRS)."""
        if self.crs is None or not len(self.geometries):
            return np.empty(0, dtype=object)
        from mapedit.io.crs import transform

        g = _swap(self.geometries) if self.swap_xy else self.geometries
        return transform(g, crs_guess.crs_code(self.crs), project_crs)

    def describe(self, lang: str = "zh") -> list[str]:
        """The preview as lines of text (the CLI prints them; tests read them)."""
        zh = lang.startswith("zh")
        out = [f"{'文件' if zh else 'file'}: {self.path.name} ({self.driver})"]
        if len(self.layers) > 1:
            out.append(f"{'图层' if zh else 'layers'}: {', '.join(self.layers)}")
        out.append(f"{'要素' if zh else 'features'}: {self.feature_count}")
        out.append(f"{'编码' if zh else 'encoding'}: {self.encoding} ({self.encoding_source})")
        if self.crs:
            name = crs_guess.describe_crs(self.crs)[0 if zh else 1]
            out.append(f"{'坐标系' if zh else 'CRS'}: {name} [{crs_guess.crs_code(self.crs)}] "
                       f"({self.crs_source})")
        for c in self.crs_candidates:
            out.append(f"  {'候选' if zh else 'candidate'}: {c.label(lang)}"
                       + (f" {c.distance_km} km" if c.distance_km else ""))
        types = ", ".join(f"{_geom_label(k, lang)} {v}" for k, v in self.geometry_types.items())
        out.append(f"{'几何' if zh else 'geometry'}: {types}")
        r = ROLES[self.role]
        out.append(f"{'角色' if zh else 'role'}: {r.zh if zh else r.en} ({self.role_source})")
        out.append(f"{'字段' if zh else 'fields'}: " + ", ".join(
            f"{k}={v or '-'}" for k, v in self.fields.items()))
        for cad in self.cad_layers:
            types = ", ".join(f"{_geom_label(k, lang)} {v}" for k, v in cad.types.items())
            out.append(f"  CAD {cad.name}: {types} → {cad.role or '-'}")
        out += [w[0 if zh else 1] for w in self.warnings]
        return out


@dataclass
class ImportReport:
    """What an import did, counted, for the clerk (and the layer's options)."""

    source: str
    read: int = 0
    imported: int = 0
    repaired: int = 0
    dropped_empty: int = 0
    outside_crs_area: int = 0
    converted: dict[str, int] = field(default_factory=dict)
    dropped_geometry: dict[str, int] = field(default_factory=dict)
    bad_numbers: dict[str, int] = field(default_factory=dict)
    texts_attached: int = 0
    notes: list[tuple[str, str]] = field(default_factory=list)

    def counts(self) -> dict[str, Any]:
        return {"read": self.read, "imported": self.imported, "repaired": self.repaired,
                "dropped_empty": self.dropped_empty, "outside_crs_area": self.outside_crs_area,
                "converted": dict(self.converted), "dropped_geometry": dict(self.dropped_geometry),
                "bad_numbers": dict(self.bad_numbers), "texts_attached": self.texts_attached}

    def lines(self, lang: str = "zh") -> list[str]:
        zh = lang.startswith("zh")
        out = [f"读取 {self.read} 个要素,导入 {self.imported} 个" if zh
               else f"read {self.read} features, imported {self.imported}"]
        if self.repaired:
            out.append(f"修复无效几何 {self.repaired} 个" if zh
                       else f"repaired {self.repaired} invalid geometries")
        if self.dropped_empty:
            out.append(f"丢弃空几何 {self.dropped_empty} 个" if zh
                       else f"dropped {self.dropped_empty} empty geometries")
        if self.outside_crs_area:
            out.append(f"丢弃坐标系范围以外的要素 {self.outside_crs_area} 个(如 CAD 图框或原点附近的杂线)"
                       if zh else f"dropped {self.outside_crs_area} features outside the CRS's "
                       "area (CAD frames, stray entities near the origin)")
        for k, n in self.converted.items():
            out.append(f"{_conversion_label(k, lang)}: {n}")
        for k, n in self.dropped_geometry.items():
            out.append(f"不符合角色而未导入的{_geom_label(k, lang)} {n} 个" if zh
                       else f"left out {n} {_geom_label(k, lang)} (not for this role)")
        for f, n in self.bad_numbers.items():
            out.append(f"字段 {f} 有 {n} 个值不是数字,已留空" if zh
                       else f"{n} values of {f} are not numbers; left empty")
        if self.texts_attached:
            out.append(f"{self.texts_attached} 个 CAD 文字注记已写入所在的建筑" if zh
                       else f"{self.texts_attached} CAD texts attached to the buildings they lie in")
        out += [n[0 if zh else 1] for n in self.notes]
        return out


@dataclass
class VectorImport:
    layer: Layer
    report: ImportReport


_CONVERSIONS = {"closed_lines_to_polygons": ("闭合线转为面", "closed lines → polygons"),
                "polygons_to_outlines": ("面转为边线", "polygons → outlines"),
                "collections_split": ("几何集合取相应部分", "collections → matching parts")}


def _conversion_label(key: str, lang: str) -> str:
    zh, en = _CONVERSIONS.get(key, (key, key))
    return zh if lang.startswith("zh") else en


def _geom_label(key: str, lang: str) -> str:
    zh, en = GEOMETRY_LABELS.get(key, (key, key))
    return zh if lang.startswith("zh") else en


# -- reading ----------------------------------------------------------------------------------

@dataclass
class _Raw:
    driver: str
    layers: list[str]
    layer: str | None
    crs: str | None
    columns_raw: list[str]
    fields_raw: list[np.ndarray]
    geometries: np.ndarray
    total: int


def _read_error(path: Path, exc: Exception) -> InputError:
    reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return InputError(f"无法读取文件 {path.name}:{reason}", f"cannot read {path.name}: {reason}")


def _check_path(path: Path) -> None:
    if not path.exists():
        raise InputError(f"找不到文件 {path}", f"file not found: {path}")
    if path.is_dir():
        raise InputError(f"{path} 是文件夹", f"{path} is a folder")


def _read(path: Path, layer: str | None, max_features: int | None) -> _Raw:
    """Every string as ISO-8859-1 (see :mod:`mapedit.io.text_encoding`); 2D WKB geometries."""
    import pyogrio
    import pyogrio.raw as raw

    _check_path(path)
    try:
        listed = pyogrio.list_layers(path)
    except Exception as exc:  # noqa: BLE001 - pyogrio's DataSourceError and OS errors
        raise _read_error(path, exc) from exc
    names = [str(n) for n, _ in listed]
    if not names:
        raise InputError(f"文件 {path.name} 中没有图层", f"{path.name} holds no layer")
    if layer is not None and layer not in names:
        raise InputError(f"文件 {path.name} 中没有图层 {layer}(现有:{', '.join(names)})",
                         f"{path.name} has no layer {layer} (layers: {', '.join(names)})")
    chosen = layer if layer is not None else names[0]
    dxf = path.suffix.lower() == ".dxf"
    kw: dict[str, Any] = {} if dxf else {"encoding": text_encoding.RAW}
    old = pyogrio.get_gdal_config_option("DXF_ENCODING") if dxf else None
    try:
        if dxf:  # GDAL would recode from $DWGCODEPAGE, often wrongly: take the bytes
            pyogrio.set_gdal_config_options({"DXF_ENCODING": text_encoding.RAW})
        info = pyogrio.read_info(path, layer=chosen, **kw)
        meta, _, geoms, fields = raw.read(path, layer=chosen, force_2d=True,
                                          max_features=max_features, **kw)
    except Exception as exc:  # noqa: BLE001 - any GDAL failure is an unreadable file
        raise _read_error(path, exc) from exc
    finally:
        if dxf:
            pyogrio.set_gdal_config_options({"DXF_ENCODING": old})
    try:
        g = shapely.from_wkb(geoms) if geoms is not None else np.full(len(fields[0]) if fields
                                                                      else 0, None, dtype=object)
    except Exception as exc:  # noqa: BLE001 - curved or broken WKB
        raise _read_error(path, exc) from exc
    total = int(info.get("features", -1))
    return _Raw(driver=str(meta.get("driver") or info.get("driver") or ""), layers=names,
                layer=chosen, crs=meta.get("crs"), columns_raw=[str(c) for c in meta["fields"]],
                fields_raw=list(fields), geometries=np.asarray(g, dtype=object),
                total=total if total >= 0 else len(g))


def _samples(raw: _Raw, limit: int = 5000) -> list[bytes]:
    out = list(text_encoding.raw_bytes(raw.columns_raw))
    for col in raw.fields_raw:
        if col.dtype == object:
            out += list(text_encoding.raw_bytes(col[:limit]))
    return out


def _decoded(raw: _Raw, encoding: str) -> tuple[list[str], list[np.ndarray]]:
    cols = [str(text_encoding.decode(c, encoding)) for c in raw.columns_raw]
    data = []
    for col in raw.fields_raw:
        if col.dtype == object:
            data.append(np.array([text_encoding.decode(v, encoding) for v in col], dtype=object))
        else:
            data.append(col)
    return cols, data


def _rows(columns: Sequence[str], data: Sequence[np.ndarray], n: int | None = None) -> list[dict]:
    cols = [field_mapping.column_values(d if n is None else d[:n]) for d in data]
    return [dict(zip(columns, vals, strict=True)) for vals in zip(*cols, strict=True)]


# -- geometry --------------------------------------------------------------------------------

def _swap(geoms: np.ndarray) -> np.ndarray:
    return shapely.transform(geoms, lambda c: c[:, ::-1].copy())


def geometry_kind(g: BaseGeometry | None) -> str:
    """Type name, with closed lines (CAD outlines) told apart from open ones."""
    if g is None:
        return "None"
    t = g.geom_type
    if t in ("LineString", "LinearRing") and not g.is_empty and g.is_closed and \
            shapely.get_num_coordinates(g) >= 4:
        return "ClosedLine"
    if t == "MultiLineString" and not g.is_empty and all(
            p.is_closed and shapely.get_num_coordinates(p) >= 4 for p in g.geoms):
        return "ClosedLine"
    return t


def _parts(g: BaseGeometry) -> list[BaseGeometry]:
    if hasattr(g, "geoms"):
        out: list[BaseGeometry] = []
        for p in g.geoms:
            out += _parts(p)
        return out
    return [g]


def _collect(parts: list[BaseGeometry], kind: str) -> BaseGeometry | None:
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    if kind == "polygon":
        return shapely.multipolygons(parts)
    if kind == "line":
        return shapely.multilinestrings(parts)
    return shapely.multipoints(parts)


def fit_to_role(geoms: np.ndarray, role: str, open_lines_only: bool = False
                ) -> tuple[np.ndarray, dict[str, int], dict[str, int]]:
    """Geometries as the role needs them (None where a feature does not fit), with what was
    converted and what was dropped by type.

    Polygon roles take polygons and closed lines (CAD outlines); line roles take lines and the
    outlines of polygons (``open_lines_only``: CAD drawings, whose closed polylines are
    buildings, not roads); point roles take points; ``other`` takes everything."""
    want = ROLES[role].geometry
    out = np.full(len(geoms), None, dtype=object)
    converted: Counter[str] = Counter()
    dropped: Counter[str] = Counter()
    # the common case, vectorised: features already of the role's type (a building layer of
    # 180,000 polygons); only the others go through the loop below
    geoms = np.asarray(geoms, dtype=object)
    present = np.array([g is not None for g in geoms], dtype=bool)
    types = np.full(len(geoms), -1)
    if present.any():
        types[present] = shapely.get_type_id(geoms[present])
    direct = {"polygon": (3, 6), "line": (1, 5), "point": (0, 4)}.get(want, ())
    fast = np.isin(types, direct)
    if want == "line" and fast.any():
        # a LinearRing is not a LineString type; closed lines are outlines in a drawing
        single = fast & (types == 1)
        if open_lines_only and single.any():
            closed = np.zeros(len(geoms), dtype=bool)
            closed[single] = shapely.is_closed(geoms[single]) & \
                (shapely.get_num_coordinates(geoms[single]) >= 4)
            fast &= ~closed
        if open_lines_only:
            fast &= types != 5  # a multiline may hold closed parts: check them one by one
    out[fast] = geoms[fast]
    for i in np.flatnonzero(~fast):
        g = geoms[i]
        kind = geometry_kind(g)
        if g is None or g.is_empty:
            out[i] = g
            continue
        if want == "any":
            out[i] = g
            continue
        parts = _parts(g)
        keep: list[BaseGeometry] = []
        conv = ""
        for p in parts:
            pk = geometry_kind(p)
            if want == "polygon":
                if pk == "Polygon":
                    keep.append(p)
                elif pk == "ClosedLine":
                    keep.append(shapely.polygons(shapely.linearrings(shapely.get_coordinates(p))))
                    conv = "closed_lines_to_polygons"
            elif want == "line":
                if pk == "LineString" or (pk == "ClosedLine" and not open_lines_only):
                    keep.append(shapely.linestrings(shapely.get_coordinates(p)))
                elif pk == "Polygon" and not open_lines_only:
                    keep += [shapely.linestrings(shapely.get_coordinates(r))
                             for r in [p.exterior, *p.interiors]]
                    conv = "polygons_to_outlines"
            elif want == "point" and pk == "Point":
                keep.append(p)
        if keep:
            out[i] = _collect(keep, want)
            if conv:
                converted[conv] += 1
            elif len(parts) > 1 and kind == "GeometryCollection":
                converted["collections_split"] += 1
        else:
            dropped[kind] += 1
    return out, dict(converted), dict(dropped)


def _repair(geoms: np.ndarray, want: str) -> tuple[np.ndarray, int]:
    """Valid geometries of the role's dimension; how many were invalid."""
    present = np.array([g is not None for g in geoms])
    valid = np.ones(len(geoms), dtype=bool)
    if present.any():
        valid[present] = shapely.is_valid(geoms[present])
    bad = np.flatnonzero(~valid)
    if not len(bad):
        return geoms, 0
    out = geoms.copy()
    fixed = shapely.make_valid(geoms[bad], method="structure", keep_collapsed=False) \
        if want == "polygon" else shapely.make_valid(geoms[bad])
    dim = {"polygon": 2, "line": 1, "point": 0}.get(want)
    for i, g in zip(bad, fixed, strict=True):
        if dim is not None and g is not None and not g.is_empty:
            parts = [p for p in _parts(g) if shapely.get_dimensions(p) == dim]
            g = _collect(parts, want) if parts else shapely.from_wkt("POLYGON EMPTY")
        out[i] = g
    return out, len(bad)


# -- roles -----------------------------------------------------------------------------------

def suggest_role(name: str) -> str | None:
    """The role a layer or file name suggests (房屋 → buildings, 道路 → roads …)."""
    key = name.lower()
    for role, words in ROLE_WORDS.items():
        for w in words:
            if w.isascii():  # whole words only: 'broad' is not a road, 'roads' is
                if re.search(rf"(^|[^a-z]){re.escape(w)}(s|es)?([^a-z]|$)", key):
                    return role
            elif w in key:
                return role
    return None


def _role_from_geometry(types: Mapping[str, int]) -> str:
    if not types:
        return "other"
    top = max(types, key=lambda k: types[k])
    if top in ("Point", "MultiPoint"):
        return "pois"
    if top in ("LineString", "MultiLineString"):
        return "roads"
    return "other"


def _guess_fields(role: str, columns: Sequence[str], dxf: bool) -> dict[str, str | None]:
    """The role's fields from the columns; a drawing's texts name points and lines directly,
    but reach buildings by lying inside them."""
    if not dxf:
        return field_mapping.guess_fields(role, columns)
    out = field_mapping.guess_fields(role, [c for c in columns if c not in CAD_COLUMNS])
    if "Text" in columns and not out.get("name") and ROLES[role].geometry != "polygon" \
            and "name" in out:
        out["name"] = "Text"
    return out


def _cad_summary(layer_names: np.ndarray, geoms: np.ndarray) -> list[CadLayer]:
    by: dict[str, Counter[str]] = {}
    for name, g in zip(layer_names, geoms, strict=True):
        by.setdefault(str(name), Counter())[geometry_kind(g)] += 1
    return [CadLayer(n, sum(c.values()), dict(c), suggest_role(n)) for n, c in sorted(by.items())]


def _cad_default_filter(cad: list[CadLayer], role: str) -> list[str] | None:
    """The CAD layers an import of ``role`` takes by default: those whose names suggest the
    role (None: no name does, so every layer with fitting geometry)."""
    named = [c.name for c in cad if c.role == role]
    return named or None


# -- CRS --------------------------------------------------------------------------------------

def _sample_coords(geoms: np.ndarray, limit: int = 2000) -> np.ndarray:
    sample = np.asarray(geoms[:limit], dtype=object)
    coords, index = shapely.get_coordinates(sample, return_index=True)
    if not len(coords):
        return np.empty((0, 2))
    # one coordinate per feature so a long road does not outweigh a hundred buildings
    _, first = np.unique(index, return_index=True)
    return coords[first]


def _resolve_crs(raw: _Raw, geoms: np.ndarray, user_crs: str | None, project_crs: str | None,
                 project_extent: tuple[float, float, float, float] | None
                 ) -> tuple[str | None, str | None, list[crs_guess.CrsCandidate], bool,
                            list[tuple[str, str]]]:
    """(crs, source, candidates, swap_xy, warnings) as the preview shows them."""
    coords = _sample_coords(geoms)
    warnings: list[tuple[str, str]] = []
    declared = user_crs or raw.crs
    if declared:
        code = crs_guess.crs_code(crs_guess.parse_crs(declared))
        problem = crs_guess.check_declared(code, coords) if len(coords) else None
        candidates: list[crs_guess.CrsCandidate] = []
        if problem:
            warnings.append(problem)
            candidates = crs_guess.guess_crs(coords, project_crs, project_extent)
        return code, ("user" if user_crs else "file"), candidates, False, warnings
    candidates = crs_guess.guess_crs(coords, project_crs, project_extent)
    if not candidates:
        if len(coords):
            warnings.append(("文件没有坐标系,坐标也不像中国常用的任何坐标系(可能是 CAD 局部坐标)",
                             "the file has no CRS and its coordinates fit none of the CRS used "
                             "in China (local CAD coordinates?)"))
        return None, None, [], False, warnings
    best = candidates[0]
    warnings.append(("文件没有坐标系(无 .prj),以下是根据坐标推测的候选,请确认",
                     "the file has no CRS (no .prj); candidates guessed from the coordinates, "
                     "please confirm"))
    return best.crs, "guess", candidates, best.swap_xy, warnings


def trusted_guess(candidates: Sequence[crs_guess.CrsCandidate], max_km: float = 50.0) -> bool:
    """Whether the best guess may be used without asking: degrees (CGCS2000 and WGS84 agree
    to centimetres) that land on the project. Zones and datums always need the clerk."""
    if not candidates:
        return False
    best = candidates[0]
    if best.crs not in crs_guess.GEOGRAPHIC:
        return False
    return best.distance_km is None or best.distance_km <= max_km


# -- preview ---------------------------------------------------------------------------------

def _split_layer(path: Path, layer: str | None) -> tuple[str | None, list[str] | None]:
    """For a DXF, ``layer`` names CAD layers (comma-separated), not GDAL's one ``entities``."""
    if layer is None or path.suffix.lower() != ".dxf" or layer == "entities":
        return layer, None
    return None, [s.strip() for s in layer.split(",") if s.strip()]


def preview_vector(path: str | Path, *, layer: str | None = None, encoding: str | None = None,
                   crs: str | None = None, role: str | None = None,
                   fields: Mapping[str, str] | None = None, project_crs: str | None = None,
                   project_extent: tuple[float, float, float, float] | None = None,
                   sample: int = 200) -> VectorPreview:
    """Read the start of a file and say what an import would do (see the module doc).

    ``layer``: a layer of the file, or for a DXF the CAD layer(s) to take. The project's CRS
    and extent rank CRS guesses by where they put the data."""
    path = Path(path)
    gdal_layer, cad_filter = _split_layer(path, layer)
    dxf = path.suffix.lower() == ".dxf"
    raw = _read(path, gdal_layer, None if dxf else max(sample, 2000))
    enc, enc_source = text_encoding.choose(path, _samples(raw), encoding,
                                           shapefile=path.suffix.lower() == ".shp")
    columns, data = _decoded(raw, enc)
    geoms = raw.geometries
    cad: list[CadLayer] = []
    keep = np.ones(len(geoms), dtype=bool)
    if dxf and "Layer" in columns:
        cad_names = data[columns.index("Layer")]
        cad = _cad_summary(cad_names, geoms)
        known = {c.name for c in cad}
        if cad_filter:
            missing = [n for n in cad_filter if n not in known]
            if missing:
                raise InputError(f"图纸中没有图层 {', '.join(missing)}(现有:{', '.join(sorted(known))})",
                                 f"the drawing has no layer {', '.join(missing)} "
                                 f"(layers: {', '.join(sorted(known))})")
    types = dict(Counter(geometry_kind(g) for g in geoms[:max(sample, 2000)]))
    role_source = "user"
    if role is None:
        role = suggest_role(" ".join(cad_filter or [])) if cad_filter else None
        role = role or suggest_role(raw.layer or "") or suggest_role(path.stem)
        role_source = "name" if role else "geometry"
        role = role or _role_from_geometry(types)
    if role not in ROLES:
        raise InputError(f"未知的图层角色 {role}", f"unknown layer role {role}")
    if dxf and cad:
        if cad_filter is None:
            cad_filter = _cad_default_filter(cad, role)
        if cad_filter is not None:
            keep = np.isin(data[columns.index("Layer")].astype(str), cad_filter)
    crs_value, crs_source, candidates, swap, warnings = _resolve_crs(
        raw, geoms[keep], crs, project_crs, project_extent)
    fitted, converted, dropped = fit_to_role(geoms[keep][:max(sample, 2000)], role,
                                             open_lines_only=dxf)
    mapping = {"kept": int(sum(g is not None for g in fitted))}
    mapping.update({f"converted {k}": v for k, v in converted.items()})
    mapping.update({f"dropped {k}": v for k, v in dropped.items()})
    guessed = _guess_fields(role, columns, dxf)
    if fields:
        guessed.update(fields)
    idx = np.flatnonzero(keep)[:sample]
    rows = _rows(columns, [d[idx] for d in data])
    sel = geoms[idx]
    bounds = None
    present = [g for g in geoms[keep] if g is not None and not g.is_empty]
    if present:
        b = shapely.total_bounds(np.asarray(present, dtype=object))
        if np.isfinite(b).all():
            bounds = tuple(float(v) for v in b)
    legacy = crs_guess.legacy_datum_note(crs_value) if crs_value else None
    if legacy:
        warnings.append(legacy)
    return VectorPreview(path=path, driver=raw.driver, layers=raw.layers, layer=raw.layer,
                         feature_count=int(keep.sum()) if dxf else raw.total, encoding=enc,
                         encoding_source=enc_source, columns=columns, rows=rows, geometries=sel,
                         crs=crs_value, crs_source=crs_source, crs_candidates=candidates,
                         swap_xy=swap, bounds=bounds, geometry_types=types, role=role,
                         role_source=role_source, role_mapping=mapping, fields=guessed,
                         cad_layers=cad, cad_filter=cad_filter, warnings=warnings)


# -- import ----------------------------------------------------------------------------------

def _no_crs_error(path: Path, candidates: Sequence[crs_guess.CrsCandidate]) -> InputError:
    if candidates:
        zh = "、".join(c.label("zh") for c in candidates[:4])
        en = ", ".join(c.label("en") for c in candidates[:4])
        return InputError(f"{path.name} 没有坐标系,可能是:{zh};请确认后用 --crs 指定",
                          f"{path.name} has no CRS; it may be: {en}; confirm with --crs")
    return InputError(f"{path.name} 没有坐标系,也无法从坐标推测;请用 --crs 指定",
                      f"{path.name} has no CRS and none can be guessed from its coordinates; "
                      "give one with --crs")


def _outside_area(geoms: np.ndarray, crs: str) -> np.ndarray:
    """Features the CRS cannot place in its own area of use (stray CAD entities at 0,0)."""
    out = np.zeros(len(geoms), dtype=bool)
    present = np.array([g is not None and not g.is_empty for g in geoms])
    if not present.any():
        return out
    b = shapely.bounds(geoms[present])
    cx, cy = (b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2
    area = crs_guess.parse_crs(crs).area_of_use
    if area is None:
        return out
    tr = crs_guess._transformer(crs, "EPSG:4326")
    with np.errstate(all="ignore"):
        lon, lat = tr.transform(cx, cy)
    w, s, e, n = area.bounds
    lon, lat = np.asarray(lon), np.asarray(lat)
    ok = np.isfinite(lon) & np.isfinite(lat) & (lon >= w - 1) & (lon <= e + 1) & \
        (lat >= s - 1) & (lat <= n + 1)
    out[np.flatnonzero(present)] = ~ok
    return out


def _attach_texts(buildings: np.ndarray, attrs: list[dict], texts: np.ndarray,
                  labels: Sequence[str], mapping: Mapping[str, str | None]) -> int:
    """Write the CAD texts lying inside each building into it: 砼5 → floors, others (house
    numbers) → name, unless the clerk mapped those fields to columns."""
    if not len(texts) or not len(buildings):
        return 0
    present = np.array([g is not None and not g.is_empty for g in buildings])
    idx = np.flatnonzero(present)
    tree = shapely.STRtree(buildings[idx])
    pt_idx, b_idx = tree.query(texts, predicate="within")
    attached = 0
    names: dict[int, list[str]] = {}
    for p, b in zip(pt_idx, b_idx, strict=True):
        text = str(labels[p]).strip()
        if not text:
            continue
        i = int(idx[b])
        m = _FLOORS_NOTE.match(text)
        if m and not mapping.get("floors"):
            attrs[i]["floors"] = int(m.group(1))
        elif not mapping.get("name"):
            names.setdefault(i, []).append(text)
        else:
            continue
        attached += 1
    for i, parts in names.items():
        attrs[i]["name"] = "、".join(dict.fromkeys(parts))
    return attached


def import_vector(path: str | Path, project_crs: str, layer_id: str, *, role: str,
                  name: str = "", layer: str | None = None, encoding: str | None = None,
                  crs: str | None = None, swap_xy: bool = False,
                  fields: Mapping[str, str | None] | None = None,
                  project_extent: tuple[float, float, float, float] | None = None) -> VectorImport:
    """Read a whole file into a vector :class:`Layer` in the project CRS (see the module doc).

    ``crs``: the CRS the clerk confirmed; without it the file's own is used, or a guess only
    when it cannot be wrong by more than centimetres (:func:`trusted_guess`) — otherwise a
    bilingual error names the candidates. ``fields``: role field → column, overriding the
    guess (None or a missing key: guessed)."""
    path = Path(path)
    if role not in ROLES:
        raise InputError(f"未知的图层角色 {role}", f"unknown layer role {role}")
    gdal_layer, cad_filter = _split_layer(path, layer)
    dxf = path.suffix.lower() == ".dxf"
    raw = _read(path, gdal_layer, None)
    if layer is None and len(raw.layers) > 1 and not dxf:
        raise InputError(f"{path.name} 有多个图层({', '.join(raw.layers)}),请用 --layer 选择",
                         f"{path.name} has several layers ({', '.join(raw.layers)}); "
                         "choose one with --layer")
    enc, _ = text_encoding.choose(path, _samples(raw, limit=len(raw.geometries)), encoding,
                                  shapefile=path.suffix.lower() == ".shp")
    columns, data = _decoded(raw, enc)
    geoms = raw.geometries
    report = ImportReport(source=str(path), read=len(geoms))

    texts = np.empty(0, dtype=object)
    text_labels: list[str] = []
    keep = np.ones(len(geoms), dtype=bool)
    if dxf and "Layer" in columns:
        cad_names = data[columns.index("Layer")].astype(str)
        cad = _cad_summary(cad_names, geoms)
        known = {c.name for c in cad}
        missing = [n for n in cad_filter or [] if n not in known]
        if missing:
            raise InputError(f"图纸中没有图层 {', '.join(missing)}(现有:{', '.join(sorted(known))})",
                             f"the drawing has no layer {', '.join(missing)} "
                             f"(layers: {', '.join(sorted(known))})")
        if cad_filter is None:
            cad_filter = _cad_default_filter(cad, role)
        if cad_filter is not None:
            keep = np.isin(cad_names, cad_filter)
        if ROLES[role].geometry == "polygon" and "Text" in columns:
            tcol = data[columns.index("Text")]
            is_text = np.array([isinstance(t, str) and bool(t.strip()) and g is not None
                                and g.geom_type == "Point" for t, g in zip(tcol, geoms,
                                                                          strict=True)])
            texts = geoms[is_text]
            text_labels = [str(t) for t in tcol[is_text]]
        report.read = int(keep.sum())

    # CRS
    if crs:
        src_crs = crs_guess.crs_code(crs_guess.parse_crs(crs))
    else:
        src, source, candidates, swap, _ = _resolve_crs(raw, geoms[keep], None, project_crs,
                                                        project_extent)
        problem = crs_guess.check_declared(src, _sample_coords(geoms[keep])) \
            if source == "file" and src else None  # type: ignore[arg-type]
        if problem:
            zh, en = problem
            if candidates:
                alt = _no_crs_error(path, candidates)
                raise InputError(f"{zh};{alt.zh}", f"{en}; {alt.en}")
            raise InputError(f"{zh};请确认后用 --crs 指定", f"{en}; confirm the CRS with --crs")
        if source == "guess" and not trusted_guess(candidates):
            raise _no_crs_error(path, candidates)
        if src is None:
            raise _no_crs_error(path, [])
        src_crs, swap_xy = src, swap or swap_xy
        if source == "guess":
            report.notes.append((f"坐标系按坐标推测为 {candidates[0].zh} [{src_crs}]",
                                 f"CRS guessed from the coordinates: {candidates[0].en} "
                                 f"[{src_crs}]"))
    legacy = crs_guess.legacy_datum_note(src_crs)
    if legacy:
        report.notes.append(legacy)

    # geometry for the role, in the project CRS
    from mapedit.io.crs import transform

    g = geoms[keep]
    if swap_xy:
        g = _swap(g)
    outside = _outside_area(g, src_crs)
    report.outside_crs_area = int(outside.sum())
    fitted, converted, dropped = fit_to_role(g, role, open_lines_only=dxf)
    report.converted, report.dropped_geometry = converted, dropped
    fitted[outside] = None
    try:
        moved = transform(fitted, src_crs, project_crs)
    except Exception as exc:  # noqa: BLE001 - PROJ cannot transform between them
        raise InputError(f"无法从坐标系 {src_crs} 转换到项目坐标系 {project_crs}",
                         f"cannot transform from {src_crs} to the project CRS {project_crs}"
                         ) from exc
    want = ROLES[role].geometry
    moved, report.repaired = _repair(np.asarray(moved, dtype=object), want)
    was_empty = np.array([a is None or a.is_empty for a in g], dtype=bool)
    present = np.array([m is not None for m in moved], dtype=bool)
    usable = present.copy()
    if present.any():
        b = shapely.bounds(moved[present])
        usable[present] = ~shapely.is_empty(moved[present]) & np.isfinite(b).all(axis=1)
    # empty in the file, or nothing left after repair (a polygon collapsed to a line)
    report.dropped_empty = int((was_empty & ~outside).sum() + (present & ~usable & ~was_empty).sum())
    take = usable
    out_geoms = np.asarray(moved[take], dtype=object)

    # attributes
    mapping = _guess_fields(role, columns, dxf)
    if fields:
        for k, v in fields.items():
            if v is not None and v not in columns:
                raise InputError(f"文件中没有列 {v}", f"the file has no column {v}")
            mapping[k] = v
    idx = np.flatnonzero(keep)[take]
    cols = {c: field_mapping.column_values(d[idx]) for c, d in zip(columns, data, strict=True)}
    if dxf:  # the CAD layer stays; GDAL's entity bookkeeping does not; texts stay for points
        drop = [c for c in CAD_COLUMNS if c != "Layer" and not (c == "Text" and want != "polygon")]
        cols = {c: v for c, v in cols.items() if c not in drop}
    attrs, bad = field_mapping.map_attributes(cols, mapping)
    report.bad_numbers = bad
    if len(texts) and want == "polygon":
        t = _swap(texts) if swap_xy else texts
        t = np.asarray(transform(t, src_crs, project_crs), dtype=object)
        report.texts_attached = _attach_texts(out_geoms, attrs, t, text_labels, mapping)
    report.imported = len(out_geoms)
    if not len(out_geoms) and report.outside_crs_area:
        raise InputError(f"{path.name} 的要素都不在坐标系 {src_crs} 的范围内,坐标系可能不对",
                         f"none of the features of {path.name} lies in the area of {src_crs}; "
                         "the CRS is probably wrong")
    if not len(out_geoms):
        raise InputError(f"{path.name} 中没有可作为“{ROLES[role].zh}”导入的要素",
                         f"{path.name} holds no features that fit the role {ROLES[role].en}")

    extent = tuple(float(v) for v in shapely.total_bounds(out_geoms))
    options: dict[str, Any] = {"format": raw.driver, "encoding": enc,
                               "fields": {k: v for k, v in mapping.items()},
                               "source_crs": src_crs, "import": report.counts()}
    if raw.layer and len(raw.layers) > 1:
        options["source_layer"] = raw.layer
    if cad_filter:
        options["cad_layers"] = list(cad_filter)
    if swap_xy:
        options["swap_xy"] = True
    lyr = Layer(id=layer_id, kind=VECTOR, name=name or path.stem, role=role,
                source=str(path.resolve()), crs=project_crs,
                extent=extent if all(map(math.isfinite, extent)) else None,  # type: ignore[arg-type]
                options=options, data=BaseLayer(layer_id, out_geoms, attrs))
    return VectorImport(lyr, report)
