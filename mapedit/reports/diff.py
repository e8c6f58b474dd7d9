"""What changed since an earlier export: grids added, removed and changed, by code.

The platform holds the last export; before the next one the street wants to see what will
change there. :func:`diff_export` reads the earlier folder's ``grids.geojson`` (the exchange
reader, so any coordinate system it was written in comes back in the project CRS) and compares
by code: a geometry counts as changed when it moved by more than the project's coordinate
precision (Hausdorff distance; a WGS84 round trip moves vertices by millimetres), attributes
when any exchanged field differs. The result is a text/CSV report and a temporary map layer
with the outlines involved (:func:`diff_layer`; never stored in the project).
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely

from mapedit.errors import InputError
from mapedit.model.dataset import Dataset
from mapedit.model.hierarchy import MicroGrid

COMPARED: tuple[tuple[str, str], ...] = (
    ("name", "名称"), ("category", "类别"), ("unit_code", "管理单元"),
    ("departments", "条线责任部门"), ("households", "户数"), ("population", "人口"),
    ("four_bounds", "四至"), ("grid_leader", "网格长"), ("grid_staff", "专职网格员"),
    ("contact_phone", "联系电话"),
)
"""Fields compared (those the exchange file carries; staffing only when the earlier export
has it)."""


@dataclass
class GridDelta:
    code: str
    kind: str
    """``added``, ``removed`` or ``changed``."""
    fields: list[str] = field(default_factory=list)
    """Labels of the changed attributes (``几何`` for the shape)."""
    moved_m: float = 0.0
    before: MicroGrid | None = None
    after: MicroGrid | None = None


@dataclass
class ExportDiff:
    folder: Path
    deltas: list[GridDelta]
    unchanged: int

    def of(self, kind: str) -> list[GridDelta]:
        return [d for d in self.deltas if d.kind == kind]

    @property
    def codes(self) -> list[str]:
        return [d.code for d in self.deltas]

    def text(self) -> str:
        lines = []
        for kind, zh, en in (("added", "新增", "added"), ("removed", "删除", "removed"),
                             ("changed", "修改", "changed")):
            items = self.of(kind)
            lines.append(f"{zh} / {en}: {len(items)}")
            for d in items:
                extra = "、".join(d.fields)
                if d.moved_m:
                    extra = extra.replace("几何", f"几何(移动 {d.moved_m:.2f} 米)")
                lines.append(f"  {d.code}" + (f"  {extra}" if extra else ""))
        lines.append(f"未变 / unchanged: {self.unchanged}")
        return "\n".join(lines)

    def csv_text(self) -> str:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(["微网格编码", "变化", "变化内容", "几何移动(米)", "名称(之前)", "名称(现在)"])
        kinds = {"added": "新增", "removed": "删除", "changed": "修改"}
        for d in self.deltas:
            w.writerow([d.code, kinds[d.kind], "、".join(d.fields),
                        f"{d.moved_m:.3f}" if d.moved_m else "",
                        d.before.name if d.before else "", d.after.name if d.after else ""])
        return buf.getvalue()


def _value(g: MicroGrid, key: str):
    v = getattr(g, key, None)
    if key == "departments":
        return tuple(v or ())
    if key == "four_bounds":
        return tuple(sorted((k, s) for k, s in (v or {}).items() if s))
    if isinstance(v, str):
        return v.strip()
    return v


def _find_grids_file(folder: Path) -> Path:
    if not folder.exists():
        raise InputError(f"找不到文件夹 {folder}", f"folder not found: {folder}")
    if folder.is_file():
        return folder
    for name in ("grids.geojson", "grids.json"):
        if (folder / name).exists():
            return folder / name
    found = sorted(folder.glob("*grids*.geojson"))
    if found:
        return found[0]
    raise InputError(f"{folder} 中没有 grids.geojson(请选择之前导出的文件夹)",
                     f"no grids.geojson in {folder} (choose an earlier export folder)")


def diff_export(dataset: Dataset, folder: str | os.PathLike) -> ExportDiff:
    """Compare the project with the export in ``folder``."""
    from mapedit.io.exchange import read_grids

    path = _find_grids_file(Path(folder))
    earlier, _msgs = read_grids(path, dataset.crs, list(dataset.units.values()), lenient=True)
    has_staffing = _export_has_staffing(path)
    old = {g.code: g for g in earlier if g.code}
    now: dict[str, MicroGrid] = {}
    for g in sorted(dataset.grids.values(), key=lambda g: g.fid or 0):
        now.setdefault(g.code, g)
    tol = max(dataset.settings.coordinate_precision_m, dataset.settings.noding_precision_m)
    deltas: list[GridDelta] = []
    both = [c for c in now if c in old]
    a = np.asarray([old[c].geometry for c in both], dtype=object)
    b = np.asarray([now[c].geometry for c in both], dtype=object)
    moved = np.zeros(len(both))
    if len(both):
        valid = ~(shapely.is_missing(a) | shapely.is_missing(b) | shapely.is_empty(a)
                  | shapely.is_empty(b))
        moved[valid] = shapely.hausdorff_distance(a[valid], b[valid])
        moved[~valid] = np.where(shapely.is_empty(a[~valid]) == shapely.is_empty(b[~valid]),
                                 0.0, np.inf)
    unchanged = 0
    for i, code in enumerate(both):
        fields = []
        if moved[i] > tol:
            fields.append("几何")
        for key, label in COMPARED:
            if key in ("grid_leader", "grid_staff", "contact_phone") and not has_staffing:
                continue
            if _value(old[code], key) != _value(now[code], key):
                fields.append(label)
        if fields:
            deltas.append(GridDelta(code, "changed", fields,
                                    float(moved[i]) if moved[i] > tol else 0.0,
                                    old[code], now[code]))
        else:
            unchanged += 1
    for code in sorted(set(now) - set(old)):
        deltas.append(GridDelta(code, "added", after=now[code]))
    for code in sorted(set(old) - set(now)):
        deltas.append(GridDelta(code, "removed", before=old[code]))
    order = {"added": 0, "removed": 1, "changed": 2}
    deltas.sort(key=lambda d: (order[d.kind], d.code))
    return ExportDiff(Path(folder), deltas, unchanged)


def _export_has_staffing(path: Path) -> bool:
    try:
        head = path.read_text(encoding="utf-8")[:200_000]
    except OSError:
        return False
    return '"grid_leader"' in head or '"contact_phone"' in head


def diff_layer(diff: ExportDiff):
    """A temporary vector layer (role ``other``) with the outlines of what changed: the new
    shape of added and changed grids, the old shape of removed and moved ones. Marked
    ``options["temporary"]``: the GUI shows it, the project never stores it."""
    from mapedit.model.layers import VECTOR, BaseLayer, Layer

    geoms, attrs = [], []
    for d in diff.deltas:
        if d.after is not None and d.after.geometry is not None:
            geoms.append(d.after.geometry)
            attrs.append({"name": d.code, "change": d.kind, "state": "now",
                          "fields": "、".join(d.fields)})
        if d.before is not None and d.before.geometry is not None and (
                d.kind == "removed" or d.moved_m):
            geoms.append(d.before.geometry)
            attrs.append({"name": d.code, "change": d.kind, "state": "before",
                          "fields": "、".join(d.fields)})
    arr = np.empty(len(geoms), dtype=object)
    arr[:] = geoms
    data = BaseLayer("diff", arr, attrs)
    return Layer(id="diff_export", kind=VECTOR, name=f"与 {diff.folder.name} 的差异",
                 role="other", source=str(diff.folder), options={"temporary": True},
                 style={"color": "#d81b60", "width": 2.0}, data=data)
