"""Merge adjacent grids of one unit into one."""

from __future__ import annotations

from collections.abc import Sequence

import shapely
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from mapedit.errors import EditRefused
from mapedit.model.changes import ChangeSet
from mapedit.model.dataset import Dataset
from mapedit.model.editing.common import (
    node_and_finish,
    reshapable_grid,
    settings_of,
    stamp_now,
)
from mapedit.model.editing.noding import node_shared_edges
from mapedit.model.editing.rings import is_noise, polygons_of
from mapedit.model.hierarchy import HOUSEHOLDS_ENTERED, HOUSEHOLDS_FROM_BUILDINGS
from mapedit.model.settings import Settings


def _sum(values: Sequence[int | None]) -> int | None:
    """Sum ignoring unknowns; None only when every value is unknown."""
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def merged_geometry(geoms: Sequence[BaseGeometry], settings: Settings) -> BaseGeometry:
    """Union of grids sharing edges, without slivers: the grids are first noded against each
    other (so near-matching edges become identical) and then joined with a coverage union,
    which drops shared edges exactly instead of overlaying them; any remaining hole that is
    noise is filled."""
    noded = node_shared_edges(list(geoms), settings.noding_precision_m)
    try:
        union = shapely.coverage_union_all(noded)
        if not union.is_valid:
            raise shapely.errors.GEOSException("invalid coverage union")
    except shapely.errors.GEOSException:
        union = shapely.union_all(noded)
    polys = [p for p in polygons_of(union) if not is_noise(p, settings)]
    cleaned = []
    for p in polys:
        holes = [h for h in p.interiors if not is_noise(Polygon(h), settings)]
        cleaned.append(Polygon(p.exterior, holes) if len(holes) != len(p.interiors) else p)
    if len(cleaned) == 1:
        return cleaned[0]
    return shapely.MultiPolygon(cleaned) if cleaned else Polygon()


def merge_grids(dataset: Dataset, fids: Sequence[int],
                settings: Settings | None = None) -> ChangeSet:
    """Merge two or more grids of one unit that together form one contiguous polygon
    (touching at a corner only is not adjacent). The grid with the lowest code keeps its fid
    and attributes; households and population are summed (households recomputed from the
    buildings when every grid's count came from them); the others are deleted. Refused
    for grids of different units, non-adjacent grids, or a locked unit."""
    s = settings_of(dataset, settings)
    fids = list(dict.fromkeys(fids))
    if len(fids) < 2:
        raise EditRefused("至少选择两个微网格才能合并", "select at least two grids to merge")
    grids = [reshapable_grid(dataset, f)[0] for f in fids]
    units = {g.unit_code for g in grids}
    if len(units) > 1:
        raise EditRefused("不同管理单元的微网格不能合并",
                          "grids of different units cannot be merged")
    geom = merged_geometry([g.geometry for g in grids], s)
    if shapely.get_type_id(geom) != 3:
        raise EditRefused("所选微网格不相邻,合并后不是一个整体",
                          "the grids are not adjacent: the merge would not be one polygon")
    grids.sort(key=lambda g: (g.code, g.fid))
    keep, drop = grids[0], grids[1:]
    stamp = stamp_now()
    # a count from the buildings stays one (recomputed for the merged shape when the edit
    # is finished); one that includes a typed value is a typed value
    sources = {g.households_source for g in grids}
    source = (HOUSEHOLDS_FROM_BUILDINGS if sources == {HOUSEHOLDS_FROM_BUILDINGS}
              else "" if sources == {""} else HOUSEHOLDS_ENTERED)
    after = keep.replace(geometry=geom, households=_sum([g.households for g in grids]),
                         households_source=source,
                         population=_sum([g.population for g in grids]))
    codes = "、".join(g.code for g in grids)
    return node_and_finish(dataset, f"合并微网格 {codes}",
                           f"merge grids {', '.join(g.code for g in grids)}",
                           [(keep, after)], drop, s, stamp)
