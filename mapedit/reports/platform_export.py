"""Export for the platform and other systems: a profile × a format, with ``manifest.json``.

GeoJSON with the default profile is the exchange contract and goes through
``io/exchange.write_exchange`` unchanged (the pair and the manifest switched in as one set).
:func:`export_dataset` is the one export: ``mapedit export`` and the editor's export dialog
call it after the same questions (:func:`existing_outputs`, :func:`required_missing`,
:func:`export_plan` for the shape changes). Every other combination maps the contract's fields
through the profile (names, value maps, required fields) and writes with GDAL through pyogrio:
Shapefile (``.cpg`` names the encoding: UTF-8, or GBK for older platforms), GeoPackage, KML,
CSV with WKT geometry. Geometries are transformed to the profile's coordinate system and
rounded with :func:`mapedit.model.precision.round_valid` (valid after rounding).

All files are written to a staging folder first and moved into the target folder together;
``manifest.json`` comes last and lists counts, each file's size and sha256, the profile, the
coordinate system, the check summary (and whether the export was forced past errors), the time
and the mapedit version — a folder with a manifest whose checksums match is a complete export.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from mapedit import __version__
from mapedit.errors import InputError, MapeditError
from mapedit.model.dataset import Dataset
from mapedit.model.hierarchy import FOUR_BOUND_KEYS, now_iso
from mapedit.model.precision import decimals_grid, round_valid
from mapedit.reports.profiles import FieldSpec, Profile, load_profile

FORMATS: dict[str, tuple[str, str]] = {
    "geojson": ("GeoJSON", ".geojson"),
    "shp": ("ESRI Shapefile", ".shp"),
    "gpkg": ("GPKG", ".gpkg"),
    "kml": ("KML", ".kml"),
    "csv": ("CSV", ".csv"),
}
OUTPUT_CRS = {"wgs84": "EPSG:4326", "gcj02": "EPSG:4326", "cgcs2000": "EPSG:4490"}
"""GCJ-02 has no EPSG code: its shifted coordinates are declared as WGS84 lon/lat, and the
manifest (and a GeoJSON's ``coordinate_system``) says GCJ-02."""
SHAPEFILE_ENCODINGS = ("UTF-8", "GBK")
MANIFEST = "manifest.json"


class ExportHasErrors(MapeditError):
    """The check found errors (or the profile's required fields are empty): exporting needs
    an explicit confirmation (``--force``). Exit status 1, like ``mapedit check``."""

    exit_status = 1

    def __init__(self, zh: str, en: str, details: list[str]) -> None:
        super().__init__(zh, en)
        self.details = details


@dataclass
class ExportResult:
    folder: Path
    files: list[Path]
    manifest: Path
    counts: dict[str, int]
    forced: bool
    messages: list[str] = field(default_factory=list)
    """Notes of the writer (features left out because nothing was left of them …)."""


# -- values ------------------------------------------------------------------------------------

def _records(dataset: Dataset) -> dict[str, list[tuple[dict[str, Any], Any]]]:
    from mapedit.io.exchange import grid_properties, unit_properties

    units = [(unit_properties(u, dataset), u.geometry)
             for _c, u in sorted(dataset.units.items())]
    grids = []
    for g in sorted(dataset.grids.values(), key=lambda g: (g.code, g.fid or 0)):
        props = dict(grid_properties(g, dataset.catalogue))
        props.update(grid_leader=g.grid_leader, grid_staff=g.grid_staff,
                     contact_phone=g.contact_phone)
        for k in FOUR_BOUND_KEYS:
            props[f"four_bounds.{k}"] = (g.four_bounds or {}).get(k, "") or ""
        grids.append((props, g.geometry))
    return {"units": units, "grids": grids}


def _value(spec: FieldSpec, props: dict[str, Any], flat: bool) -> Any:
    v = props.get(spec.source)
    if spec.source == "departments":
        v = list(v or [])
        if flat or spec.type != "string" or spec.value_map:
            v = "、".join(v)
    elif spec.source == "four_bounds":
        if flat:
            v = json.dumps(v, ensure_ascii=False) if v else None
    if spec.value_map and v is not None and not isinstance(v, list):
        v = spec.value_map.get(str(v), spec.map_default if spec.map_default is not None
                               else v)
    if v is None or v == "":
        return None if spec.type != "string" or v is None else v
    if spec.type == "integer":
        try:
            return int(v)
        except (TypeError, ValueError):
            return None
    if spec.type == "number":
        try:
            return float(v)
        except (TypeError, ValueError):
            return None
    return v


def _missing_required(profile: Profile, records) -> list[str]:
    out = []
    for lname, items in records.items():
        for spec in profile.layers[lname]:
            if not spec.required:
                continue
            empty = [p.get("code") or "?" for p, _g in items
                     if _value(spec, p, True) in (None, "", [])]
            if empty:
                more = f" 等 {len(empty)} 个" if len(empty) > 5 else ""
                more_en = f" and {len(empty) - 5} more" if len(empty) > 5 else ""
                out.append(f"必填字段 {spec.name} 为空:{', '.join(empty[:5])}{more} / required "
                           f"field {spec.name} is empty: {', '.join(empty[:5])}{more_en}")
    return out


def _to_gcj02(geoms: np.ndarray) -> np.ndarray:
    try:  # the exchange work moves the GCJ-02 offset into io/crs.py
        from mapedit.io.crs import geoms_to_gcj02  # type: ignore[attr-defined]
    except ImportError:
        from mapedit.io.exchange import _geoms_gcj

        return _geoms_gcj(geoms, forward=True)
    return geoms_to_gcj02(geoms)


def _geometries(dataset: Dataset, geoms: list, profile: Profile) -> np.ndarray:
    """Project geometries in the profile's coordinate system (lon/lat), rounded to its
    decimals with validity kept, exterior rings counter-clockwise."""
    from shapely.geometry import Polygon

    from mapedit.io.crs import to_wgs84, transform

    out = np.empty(len(geoms), dtype=object)
    out[:] = [g if g is not None else Polygon() for g in geoms]
    if len(out):
        out = to_wgs84(out, dataset.crs)
        if profile.coordinate_system == "gcj02":
            out = _to_gcj02(out)
        elif profile.coordinate_system == "cgcs2000":
            out = transform(out, "EPSG:4326", "EPSG:4490")
        out = round_valid(out, decimals_grid(profile.decimals))
        out = shapely.orient_polygons(out, exterior_cw=False)
    return out


# -- writers -----------------------------------------------------------------------------------

def _round_coords(obj: Any, decimals: int) -> Any:
    if isinstance(obj, (list, tuple)):
        if obj and isinstance(obj[0], (int, float)):
            return [round(float(c), decimals) for c in obj]
        return [_round_coords(o, decimals) for o in obj]
    return obj


def _write_geojson(path: Path, profile: Profile, lname: str, items, geoms: np.ndarray) -> None:
    feats = []
    for (props, _g), geom in zip(items, geoms, strict=True):
        if geom is None or geom.is_empty:
            continue
        gj = shapely.geometry.mapping(geom)
        gj = {"type": gj["type"], "coordinates": _round_coords(gj["coordinates"],
                                                               profile.decimals)}
        out_props = {s.name: _value(s, props, flat=False) for s in profile.layers[lname]}
        feats.append({"type": "Feature", "properties": out_props, "geometry": gj})
    doc: dict[str, Any] = {"type": "FeatureCollection"}
    if profile.coordinate_system != "wgs84":
        doc["coordinate_system"] = profile.coordinate_system
    doc["features"] = feats
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        json.dump(doc, fh, ensure_ascii=False, separators=(",", ":"))
        fh.write("\n")


def _shp_name(spec: FieldSpec, encoding: str, used: set[str]) -> str:
    name = spec.shapefile or spec.name
    enc = "gbk" if encoding.upper() == "GBK" else "utf-8"
    while len(name.encode(enc, errors="replace")) > 10:
        name = name[:-1]
    base, i = name, 1
    while name.lower() in used:
        i += 1
        suffix = str(i)
        name = base[: max(1, len(base) - len(suffix))] + suffix
    used.add(name.lower())
    return name


def _write_ogr(path: Path, driver: str, profile: Profile, lname: str, items, geoms: np.ndarray,
               encoding: str | None = None, append: bool = False) -> None:
    import pyogrio.raw

    keep = np.array([g is not None and not g.is_empty for g in geoms], dtype=bool)
    geoms = geoms[keep] if len(geoms) else geoms
    items = [it for it, k in zip(items, keep, strict=True) if k]
    specs = profile.layers[lname]
    names: list[str] = []
    used: set[str] = set()
    for s in specs:
        names.append(_shp_name(s, encoding or "UTF-8", used) if driver == "ESRI Shapefile"
                     else s.name)
    data, masks = [], []
    for s in specs:
        vals = [_value(s, p, flat=True) for p, _g in items]
        mask = np.array([v is None for v in vals], dtype=bool)
        if s.type == "integer":
            arr = np.array([0 if v is None else int(v) for v in vals], dtype=np.int64)
        elif s.type == "number":
            arr = np.array([np.nan if v is None else float(v) for v in vals], dtype=np.float64)
        else:
            arr = np.empty(len(vals), dtype=object)
            arr[:] = ["" if v is None else str(v) for v in vals]
            mask = np.zeros(len(vals), dtype=bool) if driver in ("ESRI Shapefile", "CSV") \
                else np.array([v is None for v in vals], dtype=bool)
        data.append(arr)
        masks.append(mask if mask.any() else None)
    wkb = shapely.to_wkb(shapely.force_2d(geoms) if len(geoms) else geoms)
    layer_options: dict[str, Any] = {}
    dataset_options: dict[str, Any] = {}
    kwargs: dict[str, Any] = {}
    if driver == "CSV":
        layer_options.update(GEOMETRY="AS_WKT", WRITE_BOM="YES", LINEFORMAT="CRLF")
    if driver == "KML":
        name_field = next((n for n, s in zip(names, specs, strict=True) if s.source == "name"),
                          None)
        if name_field:
            dataset_options["NameField"] = name_field
    if driver == "GeoJSON":
        layer_options.update(RFC7946="YES", COORDINATE_PRECISION=profile.decimals)
    if driver == "ESRI Shapefile":
        kwargs["encoding"] = encoding or "UTF-8"
    pyogrio.raw.write(str(path), np.asarray(wkb, dtype=object), data, names,
                      field_mask=masks if any(m is not None for m in masks) else None,
                      layer=profile.files[lname] if driver == "GPKG" else None, driver=driver,
                      geometry_type="MultiPolygon", promote_to_multi=True,
                      crs=OUTPUT_CRS[profile.coordinate_system], append=append,
                      layer_options=layer_options or None,
                      dataset_options=dataset_options or None, **kwargs)


# -- the export --------------------------------------------------------------------------------

def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def export_dataset(dataset: Dataset, out_dir: str | os.PathLike, fmt: str = "geojson",
                   profile: Profile | str | None = None, summary: dict | None = None,
                   force: bool = False, encoding: str = "UTF-8",
                   project: dict[str, Any] | None = None, plan: Any = None,
                   problems: list[str] | None = None) -> ExportResult:
    """Export ``dataset`` to ``out_dir``: the one export ``mapedit export`` and the editor's
    export dialog both run. Refuses (:class:`ExportHasErrors`) when ``summary`` has errors or
    required fields are empty, unless ``force`` (the manifest then records it as forced).

    GeoJSON with the contract's profile goes through the exchange writer (the pair and the
    manifest switched into place as one set); ``plan`` is its :func:`export_plan` when the
    caller already showed the shape changes. ``problems`` are :func:`required_missing` when
    the caller already has them. Replacing files is the caller's question
    (:func:`existing_outputs`)."""
    fmt = (fmt or "geojson").lower()
    if fmt not in FORMATS:
        raise InputError(f"不支持的格式 {fmt}(可选 {'、'.join(FORMATS)})",
                         f"unsupported format {fmt} ({', '.join(FORMATS)})")
    if encoding.upper() not in SHAPEFILE_ENCODINGS:
        raise InputError(f"不支持的编码 {encoding}(可选 UTF-8、GBK)",
                         f"unsupported encoding {encoding} (UTF-8 or GBK)")
    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    summary = dict(summary or {})
    contract = fmt == "geojson" and prof.is_contract
    records = None if contract and problems is not None else _records(dataset)
    if problems is None:
        problems = _missing_required(prof, records)
    errors = int(summary.get("errors", 0) or 0)
    if (errors or problems) and not force:
        why = [f"检查发现 {errors} 个错误 / the check found {errors} errors"] if errors else []
        raise ExportHasErrors(
            "导出前的检查未通过;确认仍要导出请加 --force(或在对话框中确认)",
            "the pre-export check did not pass; add --force (or confirm in the dialog) to "
            "export anyway", why + problems)
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError(f"{out} 不是文件夹", f"{out} is not a folder")
    if contract:
        return _export_contract(dataset, out, prof, summary, problems, force, project, plan)
    assert records is not None
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"文件夹 {parent} 不存在", f"folder {parent} does not exist")
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.export-", dir=parent))
    messages: list[str] = []
    try:
        written = _write_all(dataset, staging, fmt, prof, records, encoding, messages)
        counts = {k: len(v) for k, v in records.items()}
        mpath = staging / MANIFEST
        mpath.write_text(manifest_text(written, fmt, prof, counts, summary, problems, force,
                                       encoding, project), encoding="utf-8")
        final = _move_into(staging, out, [*written, mpath])
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return ExportResult(out, final[:-1], final[-1], counts, bool(force and (errors or problems)),
                        messages)


def _export_contract(dataset: Dataset, out: Path, prof: Profile, summary: dict,
                     problems: list[str], force: bool, project: dict[str, Any] | None,
                     plan: Any) -> ExportResult:
    """The contract's pair through ``io.exchange.write_exchange``, ``manifest.json`` switched
    in with it as one set."""
    from mapedit.io.exchange import write_exchange

    cs = prof.coordinate_system
    if plan is None:
        plan = export_plan(dataset, "geojson", prof)
    counts = {"units": len(dataset.units), "grids": len(dataset.grids)}
    notes: list[str] = []
    files = list(write_exchange(dataset, out, cs, notes, plan=plan,
                                companions=manifest_companion("geojson", prof, counts, summary,
                                                              force, project, problems)))
    errors = int(summary.get("errors", 0) or 0)
    return ExportResult(out, files, out / MANIFEST, counts, bool(force and (errors or problems)),
                        notes)


def export_plan(dataset: Dataset, fmt: str, prof: Profile):
    """What the pre-export check shows before writing: for the contract's GeoJSON the
    exchange writer's :class:`~mapedit.io.exchange.ExportPlan` (its ``changes`` name the units
    and grids whose shape rounding changes); None for other formats and profiles."""
    if not ((fmt or "geojson").lower() == "geojson" and prof.is_contract):
        return None
    from mapedit.io.exchange import prepare_export

    return prepare_export(dataset, prof.coordinate_system)


def existing_outputs(out_dir: str | os.PathLike, fmt: str, prof: Profile) -> list[Path]:
    """Files an export to ``out_dir`` would replace (the CLI needs ``--force``, the editor
    asks). A crashed contract export is finished or undone first, so what is listed is what
    is really there."""
    out = Path(out_dir)
    if (fmt or "geojson").lower() == "geojson" and prof.is_contract:
        from mapedit.io.exchange import existing_export_files

        return existing_export_files(out)
    return [out / n for n in planned_files(fmt, prof)[:-1] if (out / n).exists()]


def manifest_text(files: list[Path] | dict[str, bytes], fmt: str, prof: Profile,
                  counts: dict[str, int], summary: dict, problems: list[str], force: bool,
                  encoding: str = "UTF-8", project: dict[str, Any] | None = None) -> str:
    """``manifest.json`` for the export ``files`` (paths, or name → content not yet written):
    what, how, from which check, when."""
    errors = int(summary.get("errors", 0) or 0)
    manifest = {
        "format": "mapedit-export-manifest", "version": 1,
        "created": now_iso(), "mapedit_version": __version__,
        "export_format": fmt, "encoding": encoding.upper() if fmt == "shp" else "UTF-8",
        "profile": {"name": prof.name, "source": prof.source, "title": prof.title},
        "coordinate_system": prof.coordinate_system,
        "crs": OUTPUT_CRS[prof.coordinate_system], "decimals": prof.decimals,
        "counts": counts,
        "files": ([{"name": n, "bytes": len(b), "sha256": hashlib.sha256(b).hexdigest()}
                   for n, b in files.items()] if isinstance(files, dict) else
                  [{"name": p.name, "bytes": p.stat().st_size, "sha256": sha256(p)}
                   for p in files]),
        "check": {"errors": errors, "warnings": int(summary.get("warnings", 0) or 0),
                  "accepted": int(summary.get("accepted", 0) or 0),
                  "required_fields_missing": list(problems),
                  "forced": bool(force and (errors or problems))},
        "project": dict(project or {}),
    }
    return json.dumps(manifest, ensure_ascii=False, indent=1) + "\n"


def manifest_companion(fmt: str, prof: Profile, counts: dict[str, int], summary: dict,
                       force: bool, project: dict[str, Any] | None = None,
                       problems: list[str] | None = None):
    """For ``io.exchange.write_exchange(companions=…)``: the manifest of the pair, switched
    into place in the same set as the pair itself."""

    def make(blobs: dict[str, bytes]) -> dict[str, bytes]:
        text = manifest_text(blobs, fmt, prof, counts, summary, list(problems or []), force,
                             project=project)
        return {MANIFEST: text.encode("utf-8")}

    return make


def planned_files(fmt: str, prof: Profile) -> list[str]:
    """Names an export writes (Shapefile: the main ``.shp`` of each layer), and the manifest."""
    _driver, ext = FORMATS[fmt]
    if fmt == "gpkg":
        names = [f"{prof.files['package']}{ext}"]
    else:
        names = [f"{prof.files[k]}{ext}" for k in ("units", "grids")]
    return [*names, MANIFEST]


def required_missing(dataset: Dataset, prof: Profile) -> list[str]:
    """The profile's required fields that are empty, as messages (none: all filled)."""
    return _missing_required(prof, _records(dataset))


def _write_all(dataset: Dataset, folder: Path, fmt: str, prof: Profile, records,
               encoding: str, messages: list[str]) -> list[Path]:
    driver, ext = FORMATS[fmt]  # the contract's GeoJSON never comes here: _export_contract
    geoms = {k: _geometries(dataset, [g for _p, g in v], prof) for k, v in records.items()}
    if fmt == "geojson":
        paths = []
        for lname in ("units", "grids"):
            p = folder / f"{prof.files[lname]}{ext}"
            _write_geojson(p, prof, lname, records[lname], geoms[lname])
            paths.append(p)
        return paths
    if fmt == "gpkg":
        p = folder / f"{prof.files['package']}{ext}"
        _write_ogr(p, driver, prof, "units", records["units"], geoms["units"])
        _write_ogr(p, driver, prof, "grids", records["grids"], geoms["grids"], append=True)
        return [p]
    paths = []
    for lname in ("units", "grids"):
        p = folder / f"{prof.files[lname]}{ext}"
        _write_ogr(p, driver, prof, lname, records[lname], geoms[lname], encoding)
        paths.append(p)
    if fmt == "shp":
        return sorted(q for q in folder.iterdir() if q.is_file())
    return paths


def _move_into(staging: Path, out: Path, files: list[Path]) -> list[Path]:
    """Move the staged files into ``out`` together; on a failure the files already moved get
    their previous content back (a half-replaced export never stays)."""
    from mapedit.io.atomicfile import replace_with_retry

    created = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    done: list[tuple[Path, Path | None]] = []
    try:
        old_manifest = out / MANIFEST
        if old_manifest.exists():  # the old export is incomplete from now on
            backup = staging / ".old-manifest"
            replace_with_retry(old_manifest, backup)
            done.append((old_manifest, backup))
        for f in files:
            target = out / f.name
            backup = None
            if target.exists():
                backup = staging / f".old-{f.name}"
                replace_with_retry(target, backup)
            done.append((target, backup))
            replace_with_retry(f, target)
    except BaseException:
        for target, backup in reversed(done):
            with contextlib.suppress(OSError):
                if backup is not None:
                    replace_with_retry(backup, target)
                else:
                    target.unlink()
        if created:
            with contextlib.suppress(OSError):
                out.rmdir()
        raise
    return [out / f.name for f in files]


def verify_manifest(folder: str | os.PathLike) -> list[str]:
    """Files whose size or sha256 differ from ``manifest.json`` (empty: the export is intact)."""
    folder = Path(folder)
    data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    bad = []
    for f in data["files"]:
        p = folder / f["name"]
        if not p.exists() or p.stat().st_size != f["bytes"] or sha256(p) != f["sha256"]:
            bad.append(f["name"])
    return bad
