"""Which source column holds what a role needs (households, name, road class …), and turning
its values into the types the rules read.

Survey tables name columns in Chinese (户数, 名称, 道路等级), in pinyin initials (HS, MC,
DLDJ) or in English (households, NAME, fclass). The guess below covers the usual ones; the
clerk confirms or changes it in the import preview (``--field households=HS`` on the command
line), and the mapping is stored in the layer's options.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from mapedit.errors import InputError
from mapedit.model.layers import ROLES

NAMES: dict[str, tuple[str, ...]] = {
    # role field → column names, best first (compared without case, spaces, '_' or '-')
    "households": ("户数", "总户数", "住户数", "居民户数", "户", "hs", "hushu", "households",
                   "household", "hh", "nhouseholds", "units"),
    "floors": ("层数", "楼层", "楼层数", "地上层数", "总层数", "cs", "lc", "floors", "floor",
               "storeys", "stories", "levels", "buildinglevels"),
    "name": ("名称", "名字", "建筑名称", "楼栋名称", "楼名", "道路名称", "路名", "小区名称",
             "村民小组", "组名", "居委会", "居委名称", "社区名称", "水系名称", "河流名称", "门牌",
             "门牌号", "地址", "name", "mc", "namecn", "namezh", "namechn", "cname", "text",
             "label", "title"),
    "class": ("道路等级", "等级", "道路类型", "道路类别", "类别", "类型", "分类", "dldj", "dj",
              "class", "fclass", "grade", "roadclass", "highway", "type", "kind"),
    "kind": ("类型", "类别", "分类", "种类", "kind", "type", "category", "fclass", "lx", "lb"),
    "unit_code": ("单元编码", "管理单元编码", "所属单元", "unitcode", "unit", "dybm"),
}

INTEGER_FIELDS = ("households", "floors")

_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")


def _key(name: str) -> str:
    return re.sub(r"[\s_\-]+", "", str(name)).lower()


def guess_fields(role: str, columns: Sequence[str]) -> dict[str, str | None]:
    """For each field of ``role``, the column that most likely holds it (None: none found).
    Exact names win over names that merely contain a known word; a column is used once."""
    wanted = ROLES[role].fields if role in ROLES else ("name",)
    keys = {c: _key(c) for c in columns}
    out: dict[str, str | None] = {}
    used: set[str] = set()
    for f in wanted:
        names = NAMES.get(f, (f,))
        hit = None
        for n in names:  # exact, in order of preference
            hit = next((c for c, k in keys.items() if k == _key(n) and c not in used), None)
            if hit:
                break
        if hit is None:  # a column containing a Chinese keyword (建筑户数, 道路名称1 …)
            for n in (n for n in names if not n.isascii() and len(n) >= 2):
                hit = next((c for c, k in keys.items() if n in k and c not in used), None)
                if hit:
                    break
        out[f] = hit
        if hit:
            used.add(hit)
    return out


def parse_mapping(items: Iterable[str], role: str, columns: Sequence[str]) -> dict[str, str]:
    """``ROLEFIELD=COLUMN`` strings from the command line, checked against the role and the
    file's columns."""
    wanted = ROLES[role].fields if role in ROLES else ("name",)
    out: dict[str, str] = {}
    for item in items:
        field, sep, column = str(item).partition("=")
        field, column = field.strip(), column.strip()
        if not sep or not field or not column:
            raise InputError(f"--field 应写成 字段=列名,而不是 {item}",
                             f"--field must be FIELD=COLUMN, not {item}")
        if field not in wanted:
            raise InputError(f"角色 {role} 没有字段 {field}(可用:{', '.join(wanted)})",
                             f"role {role} has no field {field} (known: {', '.join(wanted)})")
        if column not in columns:
            raise InputError(f"文件中没有列 {column}(现有:{', '.join(columns)})",
                             f"the file has no column {column} (columns: {', '.join(columns)})")
        out[field] = column
    return out


def to_int(value: object) -> tuple[int | None, bool]:
    """(number, ok): ``120``, ``120.0``, ``"120户"`` → 120; empty → (None, True); text with no
    number → (None, False) so the import can count it."""
    if value is None:
        return None, True
    if isinstance(value, bool):
        return int(value), True
    if isinstance(value, int):
        return value, True
    if isinstance(value, float):
        if value != value:  # NaN: a missing value
            return None, True
        return int(round(value)), True
    text = str(value).strip()
    if not text:
        return None, True
    m = _NUMBER.search(text.replace(",", "").replace("，", ""))
    if not m:
        return None, False
    return int(round(float(m.group(0)))), True


def plain(value: object) -> object:
    """A JSON-friendly Python value from what GDAL/numpy returned."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        try:
            value = value.item()  # numpy scalar
        except (ValueError, AttributeError):
            value = str(value)
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, int | float | str | bool):
        return value
    return str(value)


def column_values(col) -> list:
    """A column as plain Python values (NaN and NaT → None), converted column-wise: a city's
    buildings have hundreds of thousands of rows."""
    import numpy as np

    a = np.asarray(col)
    kind = a.dtype.kind
    if kind == "f":
        out = a.astype(object)
        out[np.isnan(a)] = None
        return out.tolist()
    if kind in "iub":
        return a.tolist()
    if kind == "M":
        text = np.datetime_as_string(a, unit="s").astype(object)
        text[np.isnat(a)] = None
        return text.tolist()
    return [v if v is None or isinstance(v, str | int | float | bool) and not (
        isinstance(v, float) and v != v) else plain(v) for v in a.tolist()]


def int_column(values: list) -> tuple[list[int | None], int]:
    """A column as integers (:func:`to_int` per value) and how many values were not numbers."""
    if all(v is None or (isinstance(v, int) and not isinstance(v, bool)) for v in values):
        return values, 0
    out: list[int | None] = []
    bad = 0
    for v in values:
        n, ok = to_int(v)
        out.append(n)
        bad += not ok
    return out, bad


def text_column(values: list) -> list[str | None]:
    """A column as text (a name read as a number, 12 → "12", 12.0 → "12")."""
    return [v if v is None or isinstance(v, str) else
            (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)) for v in values]


def map_attributes(columns: Mapping[str, list], mapping: Mapping[str, str | None],
                   keep_other: bool = True) -> tuple[list[dict], dict[str, int]]:
    """One attribute dict per feature: the role's fields filled from their columns (numbers
    parsed for households/floors), the other columns kept under their own names; and, per
    role field, how many values were not numbers. ``columns``: name → plain values
    (:func:`column_values`), worked column by column for speed."""
    bad: dict[str, int] = {}
    keys: list[str] = []
    lists: list[list] = []
    for f, col in mapping.items():
        if not col or col not in columns:
            continue
        if f in INTEGER_FIELDS:
            values, n_bad = int_column(columns[col])
            if n_bad:
                bad[f] = n_bad
        else:
            values = text_column(columns[col])
        keys.append(f)
        lists.append(values)
    if keep_other:
        mapped = {c for c in mapping.values() if c}
        for name, values in columns.items():
            if name not in mapped and name not in keys:
                keys.append(name)
                lists.append(values)
    if not lists:
        n = len(next(iter(columns.values()))) if columns else 0
        return [{} for _ in range(n)], bad
    return [dict(zip(keys, vals, strict=True)) for vals in zip(*lists, strict=True)], bad
