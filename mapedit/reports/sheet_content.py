"""What a sign-off sheet says, without Qt: one :class:`UnitSheet` per management unit and one
:class:`StreetOverview` for the atlas's first page.

Seed 000's process ends at a table: the 居委/村, 城运中心, 党建办/自治办 and a third-party
technician look at a printed map of each unit with its micro-grids and information table, and
sign it (党建办、自治办、城建中心、城运中心共同确认) before the data goes to the platform. The
painter (``mapedit/ui/sheets``) only lays out what this module collects, so the content can be
tested (and reused by other outputs) without drawing anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from mapedit import __version__
from mapedit.model.dataset import Dataset
from mapedit.model.hierarchy import MicroGrid, Unit
from mapedit.rules.findings import ERROR, RULES, Finding

SIGNATORY_OF_UNIT_TYPE: dict[str, str] = {
    "小区": "居委负责人",
    "农村": "村负责人",
    "农场": "农场负责人",
    "街面": "街面工作站负责人",
}
"""Who signs for the unit: seed 000 names the 居委会 (小区), the 村委会 (农村) and the 街面工作站
(街面) as the implementing bodies; 青东农场 signs for itself."""

UNIT_SIGNATURES: tuple[str, ...] = ("城运中心", "党建办/自治办", "第三方技术人员")
"""The other parties of a unit sheet's joint confirmation, after the unit's own signatory."""

STREET_SIGNATURES: tuple[str, ...] = ("党建办", "自治办", "城建中心", "城运中心")
"""The four offices that confirm the street's result together (seed 000, 实施步骤)."""

FOUR_BOUND_LABELS: dict[str, str] = {"east": "东至", "south": "南至", "west": "西至",
                                      "north": "北至"}


@dataclass
class FindingLine:
    """One open finding or accepted exception as printed on a sheet."""

    severity: str
    rule: str
    title: str
    message: str
    accepted: bool = False
    reason: str = ""
    location: BaseGeometry | None = None


@dataclass
class UnitSheet:
    """Everything one unit's sheet shows."""

    unit: Unit
    street_name: str
    responsibility_grid_name: str
    grids: list[MicroGrid]
    """Sorted by code, as numbered on the map and in the table."""
    neighbours: list[Unit]
    open_findings: list[FindingLine]
    accepted: list[FindingLine]
    coverage: float
    """Share of the unit's area covered by its grids (0..1)."""
    date: str
    version: str
    revision: int
    index: int = 0
    """1-based position in the atlas (the overview's index number)."""
    locked: bool = False

    @property
    def signatory(self) -> str:
        return SIGNATORY_OF_UNIT_TYPE.get(self.unit.unit_type, "居委/村负责人")

    @property
    def signatures(self) -> tuple[str, ...]:
        return (self.signatory, *UNIT_SIGNATURES)

    @property
    def errors(self) -> int:
        return sum(1 for f in self.open_findings if f.severity == ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.open_findings if f.severity != ERROR)

    @property
    def households(self) -> int:
        return sum(g.households or 0 for g in self.grids)

    @property
    def population(self) -> int:
        return sum(g.population or 0 for g in self.grids)

    @property
    def title(self) -> str:
        from mapedit.reports.sheet_text import st

        return st("unit_title", unit=self.unit.name)


@dataclass
class OverviewRow:
    index: int
    unit: Unit
    responsibility_grid_name: str
    grids: int
    households: int
    errors: int
    page: int = 0
    """First page of the unit's sheet in the atlas (filled in by the painter)."""


@dataclass
class StreetOverview:
    street_name: str
    street_code: str
    rows: list[OverviewRow]
    responsibility_grids: list[tuple[str, str, BaseGeometry | None]]
    """(code, name, geometry) of each responsibility grid."""
    street_geometry: BaseGeometry | None
    errors: int
    warnings: int
    accepted: int
    date: str
    version: str
    revision: int
    signatures: tuple[str, ...] = STREET_SIGNATURES
    extra: dict[str, Any] = field(default_factory=dict)


# -- helpers -----------------------------------------------------------------------------------

def departments_text(g: MicroGrid) -> str:
    return "、".join(d for d in g.departments if d)


def four_bound_text(g: MicroGrid, key: str) -> str:
    """One side of the grid's 四至 without a leading 至 (the column header says 东至 …)."""
    text = ((g.four_bounds or {}).get(key) or "").strip()
    return text[1:] if text.startswith("至") and len(text) > 1 else text


def grid_sequence(g: MicroGrid, unit_code: str, fallback: int) -> str:
    """The grid's number within its unit as printed on the map: the code's 3-digit sequence
    when the code extends the unit's code, else the grid's position in the table."""
    code = g.code or ""
    if code.startswith(unit_code) and len(code) > len(unit_code):
        return code[len(unit_code):].lstrip("0") or "0"
    return str(fallback)


def project_revision(store: Any) -> int:
    """The project's edit revision (number of the last edit), printed on every sheet so a
    signed paper can be matched to the file state it shows."""
    rev = getattr(store, "revision", None)
    if callable(rev):
        try:
            return int(rev())
        except Exception:  # noqa: BLE001 - a sheet without a revision is still a sheet
            pass
    try:
        log = store.edit_log(1)
    except Exception:  # noqa: BLE001
        return 0
    return int(log[0]["edit"]) if log else 0


def _finding_line(f: Finding) -> FindingLine:
    title = RULES.get(f.rule, ("", f.rule, f.rule))[1]
    return FindingLine(f.severity, f.rule, title, f.message_zh, f.accepted, f.accept_reason,
                       f.location)


def _coverage(unit: Unit, grids: list[MicroGrid]) -> float:
    geoms = [g.geometry for g in grids if g.geometry is not None and not g.geometry.is_empty]
    if unit.geometry is None or unit.geometry.is_empty or unit.geometry.area <= 0 or not geoms:
        return 0.0
    try:
        union = shapely.union_all(np.asarray(geoms, dtype=object))
        return min(1.0, union.intersection(unit.geometry).area / unit.geometry.area)
    except shapely.errors.GEOSException:
        return float("nan")


def neighbours_of(dataset: Dataset, unit: Unit, distance: float) -> list[Unit]:
    """Units within ``distance`` metres of ``unit`` (drawn greyed around it)."""
    if unit.geometry is None:
        return []
    zone = unit.geometry.buffer(distance)
    return [u for c, u in dataset.units.items()
            if c != unit.code and u.geometry is not None and u.geometry.intersects(zone)]


# -- building the content ----------------------------------------------------------------------

def grids_by_unit(dataset: Dataset, codes: Sequence[str] | None = None
                  ) -> dict[str, list[MicroGrid]]:
    """The grids of each unit of ``codes`` (all units, in code order, when None; repeats
    dropped), in the order asked. An unknown code is refused naming it, so a sheet or a table
    is never made for a unit the project does not have."""
    from mapedit.errors import InputError

    codes = sorted(dataset.units) if codes is None else list(dict.fromkeys(codes))
    unknown = [c for c in codes if c not in dataset.units]
    if unknown:
        raise InputError(f"项目中没有管理单元 {', '.join(unknown)}",
                         f"the project has no unit {', '.join(unknown)}")
    by_unit: dict[str, list[MicroGrid]] = {c: [] for c in codes}
    for g in dataset.grids.values():
        if g.unit_code in by_unit:
            by_unit[g.unit_code].append(g)
    return by_unit


def unit_sheets(dataset: Dataset, findings: list[Finding], codes: list[str] | None = None,
                version: str = "", revision: int = 0, today: str | None = None
                ) -> list[UnitSheet]:
    """The sheets of the units ``codes`` (all units, in code order, when None)."""
    by_unit = grids_by_unit(dataset, codes)
    codes = list(by_unit)
    found: dict[str, list[Finding]] = {c: [] for c in codes}
    for f in findings:
        if f.unit in found:
            found[f.unit].append(f)
    street_name = dataset.street.name if dataset.street else ""
    today = today or date.today().isoformat()
    version = version or f"mapedit {__version__}"
    order = {c: i for i, c in enumerate(sorted(dataset.units), start=1)}
    out = []
    for code in codes:
        unit = dataset.units[code]
        grids = sorted(by_unit[code], key=lambda g: (g.code or "", g.fid or 0))
        rg = dataset.responsibility_grids.get(unit.responsibility_grid)
        fs = sorted(found[code], key=lambda f: (f.severity != ERROR, f.rule, f.message_zh))
        size = 0.0
        if unit.geometry is not None:
            x0, y0, x1, y1 = unit.geometry.bounds
            size = max(x1 - x0, y1 - y0)
        out.append(UnitSheet(
            unit=unit, street_name=street_name,
            responsibility_grid_name=rg.name if rg else unit.responsibility_grid,
            grids=grids, neighbours=neighbours_of(dataset, unit, max(50.0, 0.5 * size)),
            open_findings=[_finding_line(f) for f in fs if not f.accepted],
            accepted=[_finding_line(f) for f in fs if f.accepted],
            coverage=_coverage(unit, grids), date=today, version=version, revision=revision,
            index=order[code], locked=unit.locked))
    return out


def street_overview(dataset: Dataset, findings: list[Finding], sheets: list[UnitSheet],
                    version: str = "", revision: int = 0, today: str | None = None
                    ) -> StreetOverview:
    """The atlas's first page: the street with the units of ``sheets`` numbered."""
    rows = []
    for s in sheets:
        rows.append(OverviewRow(s.index, s.unit, s.responsibility_grid_name, len(s.grids),
                                s.households, s.errors))
    street = dataset.street
    rgs = [(c, r.name, r.geometry) for c, r in sorted(dataset.responsibility_grids.items())]
    return StreetOverview(
        street_name=street.name if street else "", street_code=street.code if street else "",
        rows=rows, responsibility_grids=rgs,
        street_geometry=street.geometry if street else None,
        errors=sum(1 for f in findings if not f.accepted and f.severity == ERROR),
        warnings=sum(1 for f in findings if not f.accepted and f.severity != ERROR),
        accepted=sum(1 for f in findings if f.accepted),
        date=today or date.today().isoformat(), version=version or f"mapedit {__version__}",
        revision=revision)


