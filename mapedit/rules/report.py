"""Check reports: the JSON object of the exchange contract (``mapedit check --json``) and a
Chinese text report for people.

The JSON shape is checked from outside, rule by rule, so it follows
``../shared/spec/exchange.md`` exactly: ``findings`` (rule, severity, features, unit, area_m2,
message, location in WGS84 with 7 decimals, right-hand rule) and ``summary``. Extra members
(``message_en``, ``fix``, ``accepted``, ``feature_names``, ``unit_name``) are additions the
contract allows; ``features`` and ``unit`` stay codes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np
import shapely

from mapedit.io.crs import to_wgs84
from mapedit.model.precision import decimals_grid, round_valid
from mapedit.rules.findings import ERROR, RULES, Finding

COORD_DECIMALS = 7


def _lists(obj):
    """shapely's ``mapping`` uses tuples; JSON consumers and tests expect lists."""
    if isinstance(obj, (tuple, list)):
        return [_lists(o) for o in obj]
    if isinstance(obj, dict):
        return {k: _lists(v) for k, v in obj.items()}
    if isinstance(obj, np.floating):
        return float(obj)
    return obj


def locations_wgs84(findings: Sequence[Finding], crs: str) -> list[dict | None]:
    """Each finding's location as a GeoJSON geometry dict in WGS84 (None when it has none).

    Rounded to 7 decimals with :func:`~mapedit.model.precision.round_valid`, which keeps every
    polygon valid: rounding each coordinate on its own turned the noise-thin tails of gap
    pieces along unit edges into zero-width spikes. A location too small to survive the
    rounding (a sliver under a centimetre wide) is reported by its interior point instead."""
    geoms = np.empty(len(findings), dtype=object)
    geoms[:] = [f.location if f.location is not None and not f.location.is_empty else None
                for f in findings]
    have = np.array([g is not None for g in geoms], dtype=bool)
    out: list[dict | None] = [None] * len(findings)
    if not have.any():
        return out
    src = to_wgs84(geoms[have], crs)
    # a valid metric polygon with a nanometre-narrow neck can come out of the projection
    # crossing itself; GEOS's validity-keeping rounding needs valid input
    bad = ~shapely.is_valid(src)
    if bad.any():
        src[bad] = shapely.make_valid(src[bad], method="structure", keep_collapsed=False)
    grid = decimals_grid(COORD_DECIMALS)
    try:
        g = round_valid(src, grid)
    except shapely.errors.GEOSException:
        g = np.array([_round_one(s, grid) for s in src], dtype=object)
    lost = shapely.is_empty(g)
    if lost.any():
        g[lost] = round_valid(shapely.point_on_surface(src[lost]), grid)
    g = shapely.orient_polygons(g, exterior_cw=False)
    for i, geom in zip(np.flatnonzero(have), g, strict=True):
        out[int(i)] = _lists(shapely.geometry.mapping(geom))
    return out


def _round_one(geom, grid: float):
    """:func:`round_valid` of one geometry, falling back to its interior point when GEOS
    cannot round it (a report must never fail over one location)."""
    try:
        return round_valid(geom, grid)
    except shapely.errors.GEOSException:
        return round_valid(shapely.point_on_surface(geom), grid)


def report_dict(findings: Sequence[Finding], summary: dict, crs: str) -> dict:
    """The contract's report object: ``{"findings": [...], "summary": {...}}``."""
    locs = locations_wgs84(findings, crs)
    items = []
    for f, loc in zip(findings, locs, strict=True):
        d = {"rule": f.rule, "severity": f.severity, "features": list(f.features),
             "unit": f.unit, "area_m2": round(float(f.area_m2), 2), "message": f.message_zh,
             "location": loc, "message_en": f.message_en}
        if any(f.feature_names):
            d["feature_names"] = list(f.feature_names)
        if f.unit_name:
            d["unit_name"] = f.unit_name
        if f.fix is not None:
            d["fix"] = {"kind": f.fix.kind, "target": f.fix.target, "message": f.fix.zh,
                        "message_en": f.fix.en}
        if f.accepted:
            d["accepted"] = True
            d["accept_reason"] = f.accept_reason
        items.append(d)
    summ = {k: summary[k] for k in ("errors", "warnings", "grids", "units")}
    summ.update({k: v for k, v in summary.items() if k not in summ})
    return {"findings": items, "summary": summ}


def report_json(findings: Sequence[Finding], summary: dict, crs: str) -> str:
    """The report as JSON text with real Chinese characters (not ``\\uXXXX``)."""
    return json.dumps(report_dict(findings, summary, crs), ensure_ascii=False)


to_json = report_json  # name used in docs/architecture.md


def report_text(findings: Sequence[Finding], summary: dict, lang: str = "zh") -> str:
    """A report for people: totals first, then findings grouped by unit, errors first."""
    zh = lang.startswith("zh")
    lines: list[str] = []
    e, w = summary.get("errors", 0), summary.get("warnings", 0)
    acc = summary.get("accepted", 0)
    if zh:
        lines.append(f"检查了 {summary.get('units', 0)} 个管理单元、{summary.get('grids', 0)} "
                     f"个微网格:{e} 个错误,{w} 个警告" + (f",{acc} 个已接受的例外" if acc else ""))
    else:
        lines.append(f"Checked {summary.get('units', 0)} units, {summary.get('grids', 0)} "
                     f"micro-grids: {e} errors, {w} warnings"
                     + (f", {acc} accepted exceptions" if acc else ""))
    if not findings:
        lines.append("没有发现问题。" if zh else "No problems found.")
        return "\n".join(lines) + "\n"
    groups: dict[str, list[Finding]] = {}
    unit_names: dict[str, str] = {}
    for f in findings:
        groups.setdefault(f.unit or "", []).append(f)
        if f.unit and f.unit_name:
            unit_names[f.unit] = f.unit_name
    for unit in sorted(groups):
        fs = sorted(groups[unit], key=lambda f: (f.accepted, f.severity != ERROR))
        ne = sum(1 for f in fs if f.severity == ERROR and not f.accepted)
        nw = sum(1 for f in fs if f.severity != ERROR and not f.accepted)
        if zh:
            name = unit_names.get(unit)
            head = (f"管理单元 {unit}({name})" if name else f"管理单元 {unit}") if unit \
                else "不属于任何管理单元"
            lines.append(f"\n{head}:{ne} 个错误,{nw} 个警告")
        else:
            name = unit_names.get(unit)
            head = (f"Unit {unit} ({name})" if name else f"Unit {unit}") if unit \
                else "In no unit"
            lines.append(f"\n{head}: {ne} errors, {nw} warnings")
        for f in fs:
            sev = RULES.get(f.rule, (f.severity, f.rule, f.rule))
            if f.accepted:
                tag = "已接受" if zh else "accepted"
            elif f.severity == ERROR:
                tag = "错误" if zh else "error"
            else:
                tag = "警告" if zh else "warning"
            title = sev[1] if zh else sev[2]
            msg = f.message(lang)
            line = f"  [{tag}] {title}({f.rule}):{msg}" if zh else \
                f"  [{tag}] {title} ({f.rule}): {msg}"
            if f.fix is not None:
                line += (f" → 建议:{f.fix.zh}" if zh else f" → fix: {f.fix.en}")
            if f.accepted and f.accept_reason:
                line += (f"(原因:{f.accept_reason})" if zh else f" (reason: {f.accept_reason})")
            lines.append(line)
    return "\n".join(lines) + "\n"
