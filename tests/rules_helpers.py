"""Synthetic datasets for the rule tests: far from the origin (EPSG:4549 near Shanghai)."""

from __future__ import annotations

from collections import Counter

import numpy as np
import shapely
from shapely.geometry import box

from mapedit.model.dataset import Dataset
from mapedit.model.hierarchy import MicroGrid, Unit
from mapedit.rules.engine import Checker

X0, Y0 = 500000.0, 3450000.0
U1 = "310118005001"
U2 = "310118005002"


def dataset(units: dict[str, object] | None = None, unit_type: str = "小区") -> Dataset:
    ds = Dataset(crs="EPSG:4549")
    units = units or {U1: box(X0, Y0, X0 + 100, Y0 + 100)}
    for code, geom in units.items():
        ds.units[code] = Unit(code, f"单元{code[-3:]}", unit_type, geom)
    return ds


def add(ds: Dataset, fid: int, geom, unit: str = U1, code: str | None = None,
        category: str = "小区", households: int | None = 400, **kw) -> MicroGrid:
    g = MicroGrid(code=f"{unit}{fid:03d}" if code is None else code, name=f"网格{fid}",
                  category=category, geometry=geom, unit_code=unit, households=households,
                  fid=fid, **kw)
    ds.grids[fid] = g
    return g


def rect(x0, y0, x1, y1):
    return box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


def check(ds: Dataset) -> list:
    return Checker(ds).run_full()


def rules(findings) -> Counter:
    return Counter(f.rule for f in findings)


def signature(findings) -> Counter:
    return Counter((f.rule, tuple(sorted(f.features)), f.unit, round(f.area_m2, 1))
                   for f in findings)


def voronoi_coverage(n: int, rng: np.random.Generator, size: float = 100.0,
                     x0: float = X0, y0: float = Y0):
    """A random valid coverage of a square: Voronoi cells clipped to it."""
    sq = box(x0, y0, x0 + size, y0 + size)
    pts = shapely.multipoints(rng.uniform([x0, y0], [x0 + size, y0 + size], (n, 2)))
    cells = shapely.get_parts(shapely.voronoi_polygons(pts, extend_to=sq))
    cells = shapely.intersection(cells, sq)
    return sq, [c for c in cells if not c.is_empty and c.area > 0]
