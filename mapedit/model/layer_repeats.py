"""Whether a vector layer about to be added repeats features the project already has.

Layers of one role are merged for the rules (two building surveys make one buildings layer:
see :mod:`mapedit.model.layers`). Adding the same file twice, or a file that overlaps an
earlier one, therefore counts each repeated building twice: its households are summed twice and
every building-cut is reported twice. Nothing refuses that (two surveys may legitimately touch),
so the clerk is told before it matters: how many of the new features lie where a feature of the
same role already is, with the same area, and in which layer.
"""

from __future__ import annotations

import numpy as np
import shapely

from mapedit.model.layers import VECTOR, Layer, LayerStack

SAME_PLACE_M = 0.5
"""Centroids closer than this (metres, project CRS) ..."""
SAME_AREA_SHARE = 0.02
"""... and areas within this share of each other: the same feature."""


def repeated_features(stack: LayerStack, layer: Layer) -> list[tuple[Layer, int]]:
    """For each loaded vector layer of ``layer``'s role in ``stack`` (other than ``layer``),
    how many polygons of ``layer`` repeat one of its polygons; only layers with repeats."""
    if layer.kind != VECTOR or layer.data is None or not len(layer.data):
        return []
    new = np.asarray(layer.data.geometries, dtype=object)
    polygonal = np.isin(shapely.get_type_id(new), (3, 6))
    if not polygonal.any():
        return []
    new = new[polygonal]
    centre = shapely.centroid(new)
    area = shapely.area(new)
    out: list[tuple[Layer, int]] = []
    for other in stack.by_role(layer.role or ""):
        if other is layer or other.id == layer.id or other.data is None or not len(other.data):
            continue
        old = np.asarray(other.data.geometries, dtype=object)
        keep = np.isin(shapely.get_type_id(old), (3, 6))
        if not keep.any():
            continue
        old = old[keep]
        tree = shapely.STRtree(shapely.centroid(old))
        ni, oi = tree.query(centre, predicate="dwithin", distance=SAME_PLACE_M)
        if len(ni) == 0:
            continue
        old_area = shapely.area(old[oi])
        same = np.abs(area[ni] - old_area) <= SAME_AREA_SHARE * np.maximum(old_area, 1e-9)
        n = len(np.unique(ni[same]))
        if n:
            out.append((other, n))
    return out


def repeat_note(stack: LayerStack, layer: Layer) -> tuple[str, str] | None:
    """The clerk's warning for :func:`repeated_features` (None when nothing repeats)."""
    found = repeated_features(stack, layer)
    if not found:
        return None
    total = len(layer.data) if layer.data is not None else 0
    zh_where = "、".join(f"“{o.label('zh')}”({n} 个)" for o, n in found)
    en_where = ", ".join(f"'{o.label('en')}' ({n})" for o, n in found)
    role = layer.role or ""
    return (f"注意:新图层的 {total} 个要素中,有要素与已有图层 {zh_where} 的要素位置和面积相同,"
            "可能重复添加了同一份数据。同一角色的图层会合并参与检查"
            + ("和户数计算,重复的楼栋会被算两次" if role == "buildings" else "")
            + ";如属重复,请在图层面板删除其中一个。",
            f"note: of the new layer's {total} features, some repeat features of {en_where} "
            "(same place and area): the same data may have been added twice. Layers of one "
            "role are merged for the checks"
            + (" and household counts, so a repeated building counts twice"
               if role == "buildings" else "")
            + "; if so, remove one of them in the layer panel.")
