"""Findings: what the checker reports, in the shape of the exchange contract's JSON report.

Rule identifiers are stable (``../shared/spec/exchange.md``); new rules add new identifiers.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from shapely.geometry.base import BaseGeometry

ERROR = "error"
WARNING = "warning"

RULES: dict[str, tuple[str, str, str]] = {
    # id: (severity, Chinese title, English title)
    "overlap": (ERROR, "微网格重叠", "micro-grids overlap"),
    "gap": (ERROR, "管理单元存在未覆盖区域", "part of a unit covered by no micro-grid"),
    "unit-crossing": (ERROR, "微网格跨出管理单元", "micro-grid extends outside its unit"),
    "outside-units": (ERROR, "微网格不在任何管理单元内", "micro-grid lies in no unit"),
    "invalid-geometry": (ERROR, "几何图形无效", "invalid geometry"),
    "category-unit-mismatch": (ERROR, "类别与管理单元类型不符", "category not allowed in unit type"),
    "missing-attribute": (ERROR, "缺少必填属性", "required property is empty"),
    "duplicate-code": (ERROR, "编码重复", "duplicate code"),
    "code-format": (ERROR, "编码格式不符", "code does not follow the pattern"),
    "households-range": (WARNING, "户数超出 300-500 户", "households outside the band"),
    "building-cut": (ERROR, "微网格边界切割楼栋", "grid boundary cuts a building"),
    "villager-group-cut": (ERROR, "村组微网格跨村民小组", "村组 grid crosses a villager group"),
    "sliver": (WARNING, "细缝或未共享节点", "sliver or unshared vertex"),
    # Rules on management units themselves (extensions to the contract).
    "unit-overlap": (ERROR, "管理单元相互重叠", "management units overlap"),
    "unit-responsibility-crossing": (ERROR, "管理单元跨责任网格", "unit crosses its responsibility grid"),
    "unit-committee-crossing": (ERROR, "街面单元跨居委会辖区", "街面 unit crosses a residents' committee"),
}


MUST_FIX: frozenset[str] = frozenset({
    "invalid-geometry", "duplicate-code", "missing-attribute", "code-format",
    "category-unit-mismatch", "outside-units",
})
"""Rules whose findings cannot be accepted as exceptions (标记为例外): each one means the
exported files would break the exchange contract (an invalid geometry, a code that is not
unique or not in the pattern, an empty required property, a category the unit type does not
allow, a grid with no unit to name), so the platform could not take them whatever the reason.
Every other finding (a gap over a river, a building too big for one grid, a household count out
of band) may be a justified exception. A stored acceptance of such a finding (accepted before
this rule existed) is ignored."""


@dataclass
class Fix:
    """A suggested repair the editor can apply (and the CLI can describe)."""

    kind: str
    """``assign-to-neighbour`` (give a gap to a grid), ``new-grid`` (make a gap a grid),
    ``subtract`` (remove an overlap from one grid), ``clip-to-unit``, ``snap-vertices``."""
    target: str | None = None
    """Code of the grid that receives/loses area, when the fix names one."""
    zh: str = ""
    en: str = ""


@dataclass
class Finding:
    rule: str
    severity: str
    features: list[str]
    """Codes of the features involved (grids, or units for unit rules)."""
    unit: str | None
    area_m2: float
    message_zh: str
    message_en: str
    location: BaseGeometry | None
    """The problem itself, in the dataset's metric CRS (converted to WGS84 for JSON)."""
    fix: Fix | None = None
    fids: list[int] = field(default_factory=list)
    """Store ids of the grids involved (empty for units and exchange files without ids)."""
    accepted: bool = False
    accept_reason: str = ""
    unit_name: str = ""
    """Name of :attr:`unit` (filled by the checker), for reports people read."""
    feature_names: list[str] = field(default_factory=list)
    """Names of :attr:`features`, in the same order ("" where a feature has none; filled by
    the checker). ``features`` stay codes: that is what the exchange contract compares."""

    _acceptable: bool | None = field(default=None, repr=False, compare=False)
    """Set through :attr:`acceptable` (None: decided by the rule)."""
    _key: tuple | None = field(default=None, repr=False, compare=False)
    """(what :attr:`key` was made from, the key): the panels compare 60,000 keys per edit."""

    @property
    def acceptable(self) -> bool:
        """Whether the clerk may mark this finding as an exception (see :data:`MUST_FIX`);
        the UI hides 标记为例外 when False and ``Project.accept_finding`` refuses. A rule
        may decide it per finding by setting it."""
        if self._acceptable is not None:
            return self._acceptable
        return self.rule not in MUST_FIX

    @acceptable.setter
    def acceptable(self, value: bool) -> None:
        self._acceptable = bool(value)

    @property
    def key(self) -> str:
        """Stable identity of the finding for accepted exceptions: rule, features and the
        location's rounded centroid (so it survives unrelated edits, not a fix)."""
        made_of = (self.rule, tuple(self.features), self.unit, self.location)
        cached = self._key
        if cached is not None and cached[0][3] is made_of[3] and cached[0][:3] == made_of[:3]:
            return cached[1]
        loc = ""
        if self.location is not None and not self.location.is_empty:
            c = self.location.centroid
            loc = f"{c.x:.0f},{c.y:.0f}"
        raw = "|".join([self.rule, ",".join(sorted(self.features)), self.unit or "", loc])
        key = hashlib.sha1(raw.encode("utf-8")).hexdigest()[:16]
        self._key = (made_of, key)
        return key

    def message(self, lang: str = "zh") -> str:
        return self.message_zh if lang.startswith("zh") else self.message_en
