"""A whole street's data in memory: hierarchy, micro-grids, base layers, settings.

This is what the checker checks and what the store loads and saves. It is plain data; edits to a
project go through :class:`mapedit.project.Project`, which keeps the store, this dataset and the
checker in step.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from shapely.geometry.base import BaseGeometry

from mapedit.model.catalogue import Catalogue
from mapedit.model.hierarchy import MicroGrid, ResponsibilityGrid, Street, Unit
from mapedit.model.settings import Settings

BASE_LAYER_KINDS: dict[str, tuple[str, str]] = {
    # name: (geometry type, Chinese label)
    "roads": ("LineString", "道路"),
    "water": ("Polygon", "河流水系"),
    "buildings": ("Polygon", "建筑(楼栋)"),
    "villager_groups": ("Polygon", "村民小组"),
    "committees": ("Polygon", "居委会辖区"),
    "pois": ("Point", "兴趣点"),
}
"""Known base layers and what they hold. Attributes by layer: roads ``class``
(主干道/次干道/支路) and ``name``; buildings ``households``, ``floors``, ``name``; villager_groups
``name``, ``unit_code``; committees ``name``; pois ``kind`` (学校/医院/市场/写字楼...), ``name``;
water ``name``."""


@dataclass
class BaseLayer:
    """A read-only reference layer stored column-wise (tens of thousands of buildings)."""

    name: str
    geometries: np.ndarray  # object array of shapely geometries
    attributes: list[dict] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.geometries)

    def column(self, key: str, default=None) -> list:
        return [a.get(key, default) for a in self.attributes]


@dataclass
class Dataset:
    crs: str
    """The metric CRS as ``EPSG:nnnn`` (or WKT); all geometries are in it."""
    street: Street | None = None
    responsibility_grids: dict[str, ResponsibilityGrid] = field(default_factory=dict)
    units: dict[str, Unit] = field(default_factory=dict)
    grids: dict[int, MicroGrid] = field(default_factory=dict)
    """Keyed by ``fid``; grids from an exchange file get fids 1..n in file order."""
    base_layers: dict[str, BaseLayer] = field(default_factory=dict)
    catalogue: Catalogue = field(default_factory=Catalogue.default)
    settings: Settings = field(default_factory=Settings)

    def grids_of_unit(self, unit_code: str) -> list[MicroGrid]:
        return [g for g in self.grids.values() if g.unit_code == unit_code]

    def base(self, name: str) -> BaseLayer | None:
        layer = self.base_layers.get(name)
        return layer if layer is not None and len(layer) else None

    def extent(self) -> tuple[float, float, float, float] | None:
        import shapely

        geoms: list[BaseGeometry] = [u.geometry for u in self.units.values() if u.geometry]
        if self.street and self.street.geometry is not None:
            geoms.append(self.street.geometry)
        if not geoms:
            return None
        b = shapely.total_bounds(np.asarray(geoms, dtype=object))
        return tuple(float(v) for v in b)  # type: ignore[return-value]
