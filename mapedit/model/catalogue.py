"""The micro-grid category catalogue (seed 000): 14 kinds, prefixes by unit type, departments.

The tables are data (``mapedit/resources/catalogue.json``), not code; a street may override them
with its own file (``Catalogue.load(path)``) and a project stores the catalogue it uses. Loading
validates the file and reports problems in Chinese and English.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from mapedit.errors import InputError
from mapedit.model.hierarchy import UNIT_TYPES
from mapedit.resources import resource_path

_DASHES = str.maketrans({"—": "-", "–": "-", "－": "-", "‐": "-"})


def normalize_category(name: str) -> str:
    """Seed documents write ``社区—其它`` with an em dash; treat every dash as ``-``."""
    return (name or "").strip().translate(_DASHES)


@dataclass(frozen=True)
class Category:
    name: str
    group: str
    """``小区``, ``村组``, or the prefix ``社区``/``农村``/``街面`` of a composite category."""
    kind: str | None
    unit_types: tuple[str, ...]
    departments: tuple[str, ...]
    household_band: bool
    """True for 小区 and 村组: these grids must hold households within the band."""
    principle: str = ""
    examples: str = ""
    en: str = ""


@dataclass
class Catalogue:
    categories: dict[str, Category]
    household_min: int = 300
    household_max: int = 500
    source: str = ""
    raw: dict = field(default_factory=dict, repr=False)

    # -- loading ---------------------------------------------------------------------------
    @classmethod
    def default(cls) -> Catalogue:
        return cls.load(resource_path("catalogue.json"))

    @classmethod
    def load(cls, path: str | Path) -> Catalogue:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise InputError(f"无法读取分类目录文件 {path}:{exc.strerror}",
                             f"cannot read catalogue file {path}: {exc.strerror}") from exc
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"分类目录文件不是有效的 JSON(第 {exc.lineno} 行)",
                             f"catalogue file is not valid JSON (line {exc.lineno})") from exc
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: dict) -> Catalogue:
        if not isinstance(data, dict) or data.get("format") != "mapedit-catalogue":
            raise InputError("分类目录文件格式不对(缺少 format: mapedit-catalogue)",
                             "not a mapedit catalogue (format: mapedit-catalogue missing)")
        cats: dict[str, Category] = {}
        for i, c in enumerate(data.get("categories") or []):
            try:
                name = normalize_category(c["name"])
                unit_types = tuple(c["unit_types"])
                departments = tuple(c["departments"])
            except (KeyError, TypeError) as exc:
                raise InputError(f"分类目录第 {i + 1} 项缺少字段 {exc}",
                                 f"catalogue entry {i + 1} lacks field {exc}") from exc
            bad = [u for u in unit_types if u not in UNIT_TYPES]
            if bad or not unit_types:
                raise InputError(f"分类 {name} 的单元类型无效:{bad}",
                                 f"category {name} has invalid unit types: {bad}")
            if not departments or not all(isinstance(d, str) and d for d in departments):
                raise InputError(f"分类 {name} 缺少条线责任部门",
                                 f"category {name} has no responsible departments")
            if name in cats:
                raise InputError(f"分类 {name} 重复", f"category {name} is listed twice")
            cats[name] = Category(
                name=name, group=c.get("group", ""), kind=c.get("kind"), unit_types=unit_types,
                departments=departments, household_band=bool(c.get("household_band")),
                principle=c.get("principle", ""), examples=c.get("examples", ""),
                en=c.get("en", ""))
        if not cats:
            raise InputError("分类目录为空", "catalogue has no categories")
        for ut in UNIT_TYPES:
            if not any(ut in c.unit_types for c in cats.values()):
                raise InputError(f"分类目录中没有适用于“{ut}”单元的分类",
                                 f"catalogue has no category for unit type {ut}")
        band = data.get("household_band") or {}
        return cls(categories=cats, household_min=int(band.get("min", 300)),
                   household_max=int(band.get("max", 500)), source=data.get("source", ""),
                   raw=data)

    def to_json(self) -> str:
        return json.dumps(self.raw, ensure_ascii=False, indent=1)

    # -- queries ---------------------------------------------------------------------------
    def get(self, name: str) -> Category | None:
        return self.categories.get(normalize_category(name))

    def allowed(self, unit_type: str) -> list[Category]:
        """Categories a unit of this type may hold, base category (小区/村组) first."""
        return [c for c in self.categories.values() if unit_type in c.unit_types]

    def is_allowed(self, category: str, unit_type: str) -> bool:
        c = self.get(category)
        return c is not None and unit_type in c.unit_types

    def default_departments(self, category: str) -> list[str]:
        c = self.get(category)
        return list(c.departments) if c else []

    def default_category(self, unit_type: str) -> str:
        """The category a new grid gets in a unit of this type (小区, 村组 or 街面-其它)."""
        allowed = self.allowed(unit_type)
        for c in allowed:
            if c.household_band:
                return c.name
        for c in allowed:
            if c.kind == "其它":
                return c.name
        return allowed[0].name

    def needs_households(self, category: str) -> bool:
        c = self.get(category)
        return bool(c and c.household_band)
