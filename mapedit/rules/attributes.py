"""Attribute rules of one micro-grid: missing properties, category vs unit type, code pattern,
household band; plus duplicate codes (a group rule) and invalid geometry.

Each function looks at one grid (or one code group) only, so the engine can re-run exactly the
grids an edit touched. For rules without an area the finding's area is the grid's area, and its
location the grid, as the exchange contract says.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from mapedit.model.catalogue import Catalogue, normalize_category
from mapedit.model.codes import UNIT_CODE_RE, CodePattern
from mapedit.model.hierarchy import MicroGrid, Unit
from mapedit.model.settings import Settings
from mapedit.rules.findings import RULES, Finding, Fix
from mapedit.rules.geom import area2, fmt_area, geometry_problem
from mapedit.rules.protocol import Change, Rule

FIELD_ZH = {"code": "编码", "name": "名称", "category": "类别", "households": "户数"}


def grid_label(grid: MicroGrid, fid: int | None) -> str:
    """How a grid is named in a finding's ``features``: its code, or ``#N`` (1-based position
    in the file / store id) when the code is empty, so the clerk can still find it."""
    code = (grid.code or "").strip()
    return code if code else f"#{fid}"


def named(label: str, name: str | None) -> tuple[str, str]:
    """How messages name a feature, (zh, en): its code with its name, which is what a clerk
    recognises (``310118005001001(金星小区1号微网格)``); the code alone when it has no name."""
    name = (name or "").strip() if isinstance(name, str) else ""
    if not name or name == label:
        return label, label
    return f"{label}({name})", f"{label} ({name})"


def grid_names(grid: MicroGrid, fid: int | None) -> tuple[str, str]:
    """:func:`named` for a grid."""
    return named(grid_label(grid, fid), grid.name)


def make(rule: str, features: list[str], unit: str | None, area: float, zh: str, en: str,
         location: BaseGeometry | None, fix: Fix | None = None,
         fids: list[int] | None = None) -> Finding:
    """A finding with the severity of its rule and the area rounded as the contract wants."""
    return Finding(rule=rule, severity=RULES[rule][0], features=features, unit=unit,
                   area_m2=area2(area), message_zh=zh, message_en=en, location=location,
                   fix=fix, fids=list(fids or []))


def _households(value) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def geometry_findings(grid: MicroGrid, fid: int, clean: BaseGeometry | None,
                      unit: str | None) -> list[Finding]:
    """``invalid-geometry`` for an empty, missing, non-polygonal or invalid geometry. The other
    rules go on with the repaired geometry (``clean``)."""
    label = grid_label(grid, fid)
    problem = geometry_problem(grid.geometry)
    if problem is None:
        return []
    zh, en = problem
    nz, ne = grid_names(grid, fid)
    area = clean.area if clean is not None else 0.0
    return [make("invalid-geometry", [label], unit, area, f"微网格 {nz} {zh}",
                 f"micro-grid {ne}: {en}", clean if clean is not None else None,
                 fids=[fid])]


def attribute_findings(grid: MicroGrid, fid: int, clean: BaseGeometry | None,
                       unit: Unit | None, catalogue: Catalogue, settings: Settings,
                       pattern: CodePattern) -> list[Finding]:
    """``missing-attribute``, ``category-unit-mismatch``, ``code-format``, ``households-range``.

    Departments, unit_code and area_m2 are filled in on export, so their absence is not a
    finding. ``unit`` is the grid's unit (declared or derived from the geometry)."""
    out: list[Finding] = []
    label = grid_label(grid, fid)
    nz, ne = grid_names(grid, fid)
    unit_code = unit.code if unit is not None else (grid.unit_code or None)
    area = clean.area if clean is not None else 0.0
    loc = clean
    cat = normalize_category(grid.category or "")
    needs_hh = catalogue.needs_households(cat) if cat else False
    hh = _households(grid.households)

    missing = [k for k in ("code", "name", "category") if not (getattr(grid, k) or "").strip()]
    if needs_hh and hh is None:
        missing.append("households")
    if missing:
        zh = "、".join(FIELD_ZH[k] for k in missing)
        out.append(make("missing-attribute", [label], unit_code, area,
                        f"微网格 {nz} 缺少{zh}", f"micro-grid {ne} lacks {', '.join(missing)}",
                        loc, fids=[fid]))

    if cat:
        known = catalogue.get(cat)
        if known is None:
            out.append(make("category-unit-mismatch", [label], unit_code, area,
                            f"微网格 {nz} 的类别“{grid.category}”不在分类目录中",
                            f"micro-grid {ne}: unknown category '{grid.category}'",
                            loc, fids=[fid]))
        elif unit is not None and not catalogue.is_allowed(cat, unit.unit_type):
            allowed = "、".join(c.name for c in catalogue.allowed(unit.unit_type))
            uz, ue = named(unit.code, unit.name)
            out.append(make("category-unit-mismatch", [label], unit_code, area,
                            f"微网格 {nz} 的类别“{cat}”不能用于{unit.unit_type}单元 "
                            f"{uz}(可用:{allowed})",
                            f"micro-grid {ne}: category '{cat}' is not allowed in "
                            f"{unit.unit_type} unit {ue}", loc, fids=[fid]))

    code = (grid.code or "").strip()
    if code and pattern.active and not pattern.grid_ok(code, unit_code):
        if pattern.spec == "default":
            zh_rule = f"应为 15 位数字且以所属单元编码 {unit_code} 开头" if unit_code else "应为 15 位数字"
            en_rule = (f"must be 15 digits starting with its unit's code {unit_code}"
                       if unit_code else "must be 15 digits")
        else:
            zh_rule = f"不符合编码规则 {pattern.spec}"
            en_rule = f"does not match {pattern.spec}"
        gz, ge = named(code, grid.name)
        out.append(make("code-format", [label], unit_code, area,
                        f"微网格编码 {gz} {zh_rule}", f"micro-grid code {ge} {en_rule}",
                        loc, fids=[fid]))

    if needs_hh and hh is not None and not (settings.households_min <= hh
                                            <= settings.households_max):
        lo, hi = settings.households_min, settings.households_max
        out.append(make("households-range", [label], unit_code, area,
                        f"微网格 {nz} 户数 {hh} 不在 {lo}-{hi} 户之间",
                        f"micro-grid {ne} has {hh} households, outside {lo}-{hi}",
                        loc, fids=[fid]))
    return out


class AttributeScreen:
    """A cheap proof that a grid has no attribute finding, so a full check of 36,000 grids
    builds findings (and runs :func:`attribute_findings`) only for the few that may have one.

    It is conservative: whenever a value is unusual (not a plain string, an unknown category,
    a code that is not 15 ASCII digits, ...) it answers "maybe" and the caller runs the exact
    function, so results are those of :func:`attribute_findings` by construction. Per-category
    facts are looked up once per distinct category string, not once per grid.
    """

    def __init__(self, catalogue: Catalogue, settings: Settings, pattern: CodePattern) -> None:
        self.catalogue = catalogue
        self.lo, self.hi = settings.households_min, settings.households_max
        self.pattern = pattern
        self.active = pattern.active
        self.default = pattern.spec == "default"
        # category string -> (unit types it is allowed in, needs households) or None if unknown
        self._cats: dict[str, tuple[tuple[str, ...], bool] | None] = {}
        self._unit_ok: dict[str, bool] = {}

    def _category(self, raw: str) -> tuple[tuple[str, ...], bool] | None:
        cat = normalize_category(raw)
        known = self.catalogue.get(cat) if cat else None
        info = None if known is None else (known.unit_types,
                                           self.catalogue.needs_households(cat))
        self._cats[raw] = info
        return info

    def _code_ok(self, code: str, unit_code: str | None) -> bool:
        if not self.default or not (len(code) == 15 and code.isascii() and code.isdigit()):
            return self.pattern.grid_ok(code, unit_code)
        if unit_code:
            ok = self._unit_ok.get(unit_code)
            if ok is None:
                ok = self._unit_ok[unit_code] = bool(UNIT_CODE_RE.match(unit_code))
            if ok:
                return code[:12] == unit_code and code[12:] != "000"
        return True

    def clean(self, grid: MicroGrid, unit: Unit | None) -> bool:
        """True when :func:`attribute_findings` would return nothing for ``grid`` in ``unit``
        (False means "maybe": run the exact function)."""
        code, name, cat = grid.code, grid.name, grid.category
        if type(code) is not str or type(name) is not str or type(cat) is not str:
            return False
        code = code.strip()
        if not code or not name.strip():
            return False
        info = self._cats[cat] if cat in self._cats else self._category(cat)
        if info is None:  # empty or unknown category
            return False
        types, needs_hh = info
        if unit is not None and unit.unit_type not in types:
            return False
        if needs_hh:
            hh = grid.households
            if type(hh) is not int or not (self.lo <= hh <= self.hi):
                return False
        if self.active:
            uc = unit.code if unit is not None else (grid.unit_code or None)
            # the default pattern's common case inline (see _code_ok)
            if (self.default and uc and len(code) == 15 and code.isdigit() and code.isascii()
                    and self._unit_ok.get(uc)):
                return code[:12] == uc and code[12:] != "000"
            return self._code_ok(code, uc)
        return True


def duplicate_code_finding(code: str, members: list[tuple[int, MicroGrid, BaseGeometry | None,
                                                          str | None]]) -> list[Finding]:
    """One ``duplicate-code`` finding per code used by two or more grids; ``members`` are
    (fid, grid, clean geometry, unit code) sorted by fid. Location: all of them."""
    if len(members) < 2:
        return []
    geoms = [m[2] for m in members if m[2] is not None]
    loc = shapely.union_all(geoms) if geoms else None
    area = sum(g.area for g in geoms)
    units = [m[3] for m in members if m[3]]
    fids = [m[0] for m in members]
    n = len(members)
    names = "、".join(dict.fromkeys(m[1].name for m in members if (m[1].name or "").strip()))
    zh_names = f"({names})" if names else ""
    en_names = f" ({names})" if names else ""
    return [make("duplicate-code", [code] * n, units[0] if units else None, area,
                 f"{n} 个微网格使用同一编码 {code}{zh_names}",
                 f"{n} micro-grids share the code {code}{en_names}", loc, fids=fids)]


def unit_attribute_findings(units: list[Unit], pattern: CodePattern) -> list[Finding]:
    """Unit codes: pattern (default: 12 digits) and duplicates (when the caller passes the
    units as read, before they were keyed by code)."""
    out: list[Finding] = []
    by_code: dict[str, list[Unit]] = {}
    for u in units:
        by_code.setdefault(u.code, []).append(u)
    for code, group in by_code.items():
        geoms = [u.geometry for u in group if u.geometry is not None and not u.geometry.is_empty]
        area = sum(shapely.area(g) for g in geoms)
        if len(group) > 1:
            loc = shapely.union_all(geoms) if geoms else None
            out.append(make("duplicate-code", [code] * len(group), code, area,
                            f"{len(group)} 个管理单元使用同一编码 {code}",
                            f"{len(group)} management units share the code {code}", loc))
        if code and pattern.active and not pattern.unit_ok(code):
            uz, ue = named(code, group[0].name)
            out.append(make("code-format", [code], code, area,
                            f"管理单元编码 {uz} 应为 12 位数字",
                            f"unit code {ue} must be 12 digits",
                            geoms[0] if geoms else None))
    return out


# -- the rules -------------------------------------------------------------------------------

class GridRules(Rule):
    """One scope per grid (keyed by fid): ``invalid-geometry``, ``outside-units`` and the
    attribute rules. Fast path: :class:`AttributeScreen` proves most grids clean without
    building findings; the screening against each grid's *declared* unit needs no geometry, so
    it runs in :meth:`start` while the engine assigns grids, and afterwards only the grids
    assigned to another unit are screened again."""

    name = "grid"
    stage = "grids"
    lane = "worker"

    def start(self) -> None:
        c = self.checker
        ds, units = c.dataset, c.dataset.units
        ok = AttributeScreen(c.catalogue, self.settings, c.pattern).clean
        grids = ds.grids
        self._declared_bad = np.array(
            [not ok(g, units.get((g.unit_code or "").strip()))
             for g in (grids[f] for f in c.grids.fid[:c.grids.n].tolist())], dtype=bool)

    def full(self) -> Iterable[tuple[Hashable, list[Finding]]]:
        for fid in self._suspects():
            found = self.check(fid)
            if found:
                yield fid, found

    def _suspects(self) -> list[int]:
        """Fids whose scope may hold a finding (the rest provably hold none): invalid or
        unassigned grids, and grids :class:`AttributeScreen` cannot prove clean in their
        unit (the declared one unless assigned to another: see :meth:`check`)."""
        c = self.checker
        st = c.grids
        n = st.n
        assign, decl = st.unit[:n], c.declared_units()
        has = ~shapely.is_missing(st.geom[:n])
        bad = ~st.valid[:n] | ((assign < 0) & has)
        other = (assign >= 0) & (assign != decl)
        bad |= self._declared_bad & ~other
        fids = st.fid[:n]
        if other.any():
            ok = AttributeScreen(c.catalogue, self.settings, c.pattern).clean
            units, codes, grids = c.dataset.units, c.units.codes, c.dataset.grids
            for i in np.flatnonzero(other & ~bad).tolist():
                g = grids[int(fids[i])]
                bad[i] = not ok(g, units.get(codes[assign[i]]))
        return fids[bad].tolist()

    def scopes(self, change: Change) -> Iterable[Hashable]:
        return change.fids  # a deleted grid's scope is emptied (check finds no grid)

    def check(self, key: Hashable) -> list[Finding]:
        fid = int(key)  # type: ignore[call-overload]
        c = self.checker
        ds = c.dataset
        g = ds.grids.get(fid)
        if g is None:
            return []
        clean = c.grids.clean(fid)
        a = c.unit_code(fid)
        declared = (g.unit_code or "").strip()
        unit = ds.units.get(a) if a else ds.units.get(declared)
        ucode = unit.code if unit is not None else (declared or None)
        out = [] if c.grids.is_valid(fid) else geometry_findings(g, fid, clean, ucode)
        if clean is not None and a is None:
            label = grid_label(g, fid)
            nz, ne = grid_names(g, fid)
            ar = clean.area
            out.append(make("outside-units", [label], ucode, ar,
                            f"微网格 {nz}({fmt_area(ar)} 平方米)不在任何管理单元内",
                            f"micro-grid {ne} ({fmt_area(ar)} m²) lies in no management unit",
                            clean, Fix("clip-to-unit", g.code or None,
                                       "将微网格移入或裁剪到管理单元内",
                                       "move or clip the grid into a unit"), fids=[fid]))
        out += attribute_findings(g, fid, clean, unit, c.catalogue, self.settings, c.pattern)
        return out


class DuplicateCodes(Rule):
    """``duplicate-code`` of grids: one scope per code shared by two or more grids."""

    name = "codes"
    stage = "grids"
    lane = "worker"

    def keys(self) -> Iterable[Hashable]:
        return self.checker.grids.duplicate_codes()

    def scopes(self, change: Change) -> Iterable[Hashable]:
        return change.codes

    def check(self, key: Hashable) -> list[Finding]:
        c = self.checker
        grids = c.dataset.grids
        members = []
        for f in c.grids.fids_with_code(str(key)):
            g = grids.get(f)
            if g is not None:
                members.append((f, g, c.grids.clean(f), c.unit_code(f) or (g.unit_code or None)))
        return duplicate_code_finding(str(key), members)
