"""Export profiles: what another system wants, as data (``mapedit/resources/profiles/*.json``).

A profile names the output files, the coordinate system (``wgs84``, ``cgcs2000``, ``gcj02``),
the decimals, and per layer the fields in order: output name, source (a field of the exchange
contract, ``four_bounds.east`` …, or a staffing field), type, whether it is required, and an
optional value map (e.g. category → the platform's code). ``platform`` is the contract of
``../shared/spec/exchange.md`` and the default; a street adds its own file and passes its path
(``--profile FILE``) or copies it next to the built-in ones.

Loading validates the whole file and names what is wrong, in Chinese and English.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mapedit.errors import InputError
from mapedit.resources import resource_path

COORDINATE_SYSTEMS = ("wgs84", "cgcs2000", "gcj02")
SOURCES: dict[str, tuple[str, ...]] = {
    "units": ("code", "name", "unit_type", "responsibility_grid", "responsibility_grid_name",
              "street", "committee", "area_m2"),
    "grids": ("code", "name", "category", "unit_code", "departments", "households",
              "population", "four_bounds", "four_bounds.east", "four_bounds.south",
              "four_bounds.west", "four_bounds.north", "area_m2", "notes", "created", "updated",
              "grid_leader", "grid_staff", "contact_phone"),
}
TYPES = ("string", "integer", "number")
DEFAULT_PROFILE = "platform"


@dataclass(frozen=True)
class FieldSpec:
    name: str
    source: str
    type: str = "string"
    required: bool = False
    value_map: dict[str, str] = field(default_factory=dict)
    map_default: str | None = None
    shapefile: str = ""
    """Name in a Shapefile (DBF names have at most 10 bytes); default: ``name`` cut to fit."""


@dataclass(frozen=True)
class Profile:
    name: str
    title: str
    coordinate_system: str
    decimals: int
    files: dict[str, str]
    layers: dict[str, tuple[FieldSpec, ...]]
    source: str
    """Where it was loaded from (a path, or ``builtin:NAME``)."""
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def is_contract(self) -> bool:
        """True for the built-in contract profile: GeoJSON goes through the exchange writer
        unchanged."""
        return self.source == f"builtin:{DEFAULT_PROFILE}"


def builtin_profiles() -> dict[str, Path]:
    folder = resource_path("profiles")
    if not folder.is_dir():
        return {}
    return {p.stem: p for p in sorted(folder.glob("*.json"))}


def load_profile(spec: str | os.PathLike | None = None) -> Profile:
    """A profile by built-in name or file path (None: the contract's ``platform``)."""
    spec = DEFAULT_PROFILE if spec is None or str(spec) == "" else spec
    builtins = builtin_profiles()
    text_spec = str(spec)
    if text_spec in builtins:
        path, source = builtins[text_spec], f"builtin:{text_spec}"
    else:
        path = Path(spec)
        if not path.exists():
            names = "、".join(builtins) or "-"
            raise InputError(f"找不到导出配置 {spec}(内置:{names},或给出 .json 文件路径)",
                             f"export profile {spec} not found (built in: {names}, or give "
                             "the path of a .json file)")
        source = str(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise InputError(f"无法读取导出配置 {path}:{exc.strerror}",
                         f"cannot read export profile {path}: {exc.strerror}") from exc
    except json.JSONDecodeError as exc:
        raise InputError(f"导出配置 {path.name} 不是有效的 JSON(第 {exc.lineno} 行)",
                         f"export profile {path.name} is not valid JSON (line {exc.lineno})"
                         ) from exc
    return profile_from_dict(data, source)


def _bad(where: str, zh: str, en: str) -> InputError:
    return InputError(f"导出配置 {where}:{zh}", f"export profile {where}: {en}")


def profile_from_dict(data: Any, source: str = "") -> Profile:
    where = source or "?"
    if not isinstance(data, dict) or data.get("format") != "mapedit-export-profile":
        raise _bad(where, "不是导出配置文件(缺少 format: mapedit-export-profile)",
                   "not an export profile (format: mapedit-export-profile missing)")
    cs = str(data.get("coordinate_system", "wgs84")).lower().replace("-", "")
    if cs not in COORDINATE_SYSTEMS:
        raise _bad(where, f"坐标系 {cs} 无效(可选 {'、'.join(COORDINATE_SYSTEMS)})",
                   f"coordinate system {cs} is not one of {', '.join(COORDINATE_SYSTEMS)}")
    try:
        decimals = int(data.get("decimals", 7))
    except (TypeError, ValueError) as exc:
        raise _bad(where, "decimals 应为整数", "decimals must be a whole number") from exc
    if not 0 <= decimals <= 12:
        raise _bad(where, "decimals 应在 0 到 12 之间", "decimals must be between 0 and 12")
    files = {"units": "units", "grids": "grids", "package": "micro_grids"}
    for k, v in (data.get("files") or {}).items():
        if k not in files or not isinstance(v, str) or not v.strip() or any(
                c in v for c in '/\\:*?"<>|'):
            raise _bad(where, f"文件名 {k}={v!r} 无效", f"file name {k}={v!r} is not valid")
        files[k] = v.strip()
    layers: dict[str, tuple[FieldSpec, ...]] = {}
    for lname in ("units", "grids"):
        spec = (data.get("layers") or {}).get(lname)
        if spec is None:
            raise _bad(where, f"缺少图层 {lname}", f"layer {lname} missing")
        fields = []
        names: set[str] = set()
        for i, f in enumerate(spec.get("fields") or [], start=1):
            fw = f"{lname} 第 {i} 个字段"
            fw_en = f"{lname} field {i}"
            if not isinstance(f, dict) or not f.get("name") or not f.get("source"):
                raise _bad(where, f"{fw} 需要 name 和 source", f"{fw_en} needs name and source")
            if f["source"] not in SOURCES[lname]:
                raise _bad(where, f"{fw} 的来源 {f['source']} 未知",
                           f"{fw_en} has unknown source {f['source']}")
            ftype = f.get("type", "string")
            if ftype not in TYPES:
                raise _bad(where, f"{fw} 的类型 {ftype} 无效", f"{fw_en} has invalid type {ftype}")
            if f["name"] in names:
                raise _bad(where, f"字段名 {f['name']} 重复", f"field name {f['name']} repeats")
            names.add(f["name"])
            vmap = f.get("map") or {}
            if not isinstance(vmap, dict):
                raise _bad(where, f"{fw} 的 map 应为对象", f"{fw_en} map must be an object")
            fields.append(FieldSpec(str(f["name"]), str(f["source"]), ftype,
                                    bool(f.get("required", False)),
                                    {str(k): str(v) for k, v in vmap.items()},
                                    None if f.get("map_default") is None
                                    else str(f["map_default"]),
                                    str(f.get("shapefile") or "")))
        if not fields:
            raise _bad(where, f"图层 {lname} 没有字段", f"layer {lname} has no fields")
        layers[lname] = tuple(fields)
    return Profile(str(data.get("name") or Path(where).stem), str(data.get("title") or ""),
                   cs, decimals, files, layers, source, data)
