"""``households-buildings-mismatch``: a grid's entered households and the buildings inside it
disagree (issue 9: after a gap was filled a grid said 297 households while its buildings held
1,164, and nothing flagged it).

A building belongs to the grid holding its interior point (``point_on_surface``), exactly as
:func:`mapedit.model.editing.common.building_households` counts it for 由楼栋计算户数, so the
warning and the tool agree. Only grids whose category needs households (小区, 村组) and whose
households were entered (or are of unknown origin) are checked: a count that came from the
buildings is recomputed by every edit that reshapes the grid.

This module is also the example of a rule added through the protocol: one class, one line in
:mod:`mapedit.rules.registry`.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable

import numpy as np
import shapely

from mapedit.model.catalogue import normalize_category
from mapedit.model.editing.common import building_household_values, building_households
from mapedit.model.hierarchy import HOUSEHOLDS_FROM_BUILDINGS, MicroGrid
from mapedit.rules.attributes import make
from mapedit.rules.findings import WARNING, Finding
from mapedit.rules.protocol import Change, Rule

RULE = "households-buildings-mismatch"


class HouseholdsMismatch(Rule):
    """One scope per grid (fid). Full check: the buildings' totals of every grid at once,
    from the building rule's proof of which grid holds each building (only the buildings it
    could not place are located by their interior point)."""

    name = "households"
    findings = {RULE: (WARNING, "户数与楼栋户数不符", "households disagree with the buildings")}
    stage = "grids"
    lane = "worker"

    def __init__(self, checker) -> None:
        super().__init__(checker)
        self._needs: dict[str, bool] = {}
        self._values: tuple[object, np.ndarray] | None = None

    # -- which grids, which buildings -------------------------------------------------------
    def _checked(self, g: MicroGrid) -> bool:
        """Whether grid ``g`` is one this rule looks at."""
        if g.households is None or g.households_source == HOUSEHOLDS_FROM_BUILDINGS:
            return False
        cat = g.category
        needs = self._needs.get(cat)
        if needs is None:
            norm = normalize_category(cat or "")
            needs = self._needs[cat] = bool(norm) and self.checker.catalogue.needs_households(
                norm)
        return needs

    def _household_values(self) -> np.ndarray | None:
        layer = self.checker.layer("buildings")
        if layer is None:
            return None
        if self._values is None or self._values[0] is not layer:
            self._values = (layer, building_household_values(layer.layer))
        return self._values[1]

    # -- full check ---------------------------------------------------------------------------
    def full(self) -> Iterable[tuple[Hashable, list[Finding]]]:
        c = self.checker
        grids = c.dataset.grids
        todo = [f for f in c.grids.fid[:c.grids.n].tolist() if self._checked(grids[f])]
        hh = self._household_values()
        if not todo or hh is None:
            return
        holder = self._holders()
        known = ~np.isnan(hh)
        fid_max = int(c.grids.fid[:c.grids.n].max()) + 1
        placed = known & (holder >= 0)
        total = np.bincount(holder[placed], weights=hh[placed], minlength=fid_max)
        count = np.bincount(holder[placed], minlength=fid_max)
        for fid in todo:
            value = int(total[fid]) if count[fid] else None
            found = self._finding(fid, grids[fid], value)
            if found:
                yield fid, found

    def _holders(self) -> np.ndarray:
        """For each building, the fid of the grid holding its interior point (-1: none)."""
        c = self.checker
        layer = c.layer("buildings")
        assert layer is not None
        holder = None
        try:
            c.wait("buildings")
            holder = getattr(c.rule("buildings"), "holder", None)
        except KeyError:  # a checker without the building rule
            pass
        if holder is None or len(holder) != len(layer):
            holder = np.full(len(layer), -1, dtype=np.int64)
        holder = holder.copy()
        rest = np.flatnonzero(holder < 0)
        rest = rest[~shapely.is_missing(layer.geoms[rest])]
        if len(rest):
            pts = shapely.point_on_surface(layer.geoms[rest])
            idx = c.grids.index
            pi, gi = idx.tree.query(pts, predicate="within")
            holder[rest[pi]] = idx.fids[gi]
        return holder

    # -- incremental ----------------------------------------------------------------------------
    def warm(self) -> None:
        building_households(self.checker.dataset, [])  # builds the buildings' point index

    def scopes(self, change: Change) -> Iterable[Hashable]:
        return change.fids

    def check(self, key: Hashable) -> list[Finding]:
        fid = int(key)  # type: ignore[call-overload]
        c = self.checker
        g = c.dataset.grids.get(fid)
        if g is None or not self._checked(g):
            return []
        geom = c.grids.clean(fid)
        if geom is None:
            return []
        # the tool's own count (由楼栋计算户数): one query of the buildings' interior points
        (value,) = building_households(c.dataset, [geom])
        return self._finding(fid, g, value)

    # -- the finding ------------------------------------------------------------------------------
    def _finding(self, fid: int, g: MicroGrid, buildings: int | None) -> list[Finding]:
        entered = g.households
        if buildings is None or entered is None:
            return []
        share = self.settings.households_mismatch_share
        if abs(entered - buildings) <= share * max(entered, buildings):
            return []
        c = self.checker
        label = c.label(fid)
        gz, ge = c.names(fid)
        geom = c.grids.clean(fid)
        pct = round(100 * share)
        return [make(
            RULE, [label], c.unit_code(fid), geom.area if geom is not None else 0.0,
            f"微网格 {gz} 填写的户数 {entered} 与其中楼栋的户数合计 {buildings} 相差超过 {pct}%"
            "(可用“由楼栋计算户数”更新)",
            f"micro-grid {ge}: entered households {entered} differ from its buildings' total "
            f"{buildings} by more than {pct}% (use 'households from buildings' to update)",
            geom, fids=[fid])]
