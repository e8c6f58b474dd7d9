"""Small hand-built datasets for the store and project tests (and the crash-writer helper).

Four square management units of 500 m in EPSG:4549 around x=500000..501000,
y=3446000..3447000; three of them tiled by four 250 m micro-grids each, the fourth (农场)
empty for drawing. Chinese text everywhere so encoding problems show up.
"""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, box

from mapedit.model.catalogue import Catalogue
from mapedit.model.dataset import Dataset
from mapedit.model.hierarchy import MicroGrid, ResponsibilityGrid, Street, Unit
from mapedit.model.layers import BaseLayer, LayerStack
from mapedit.model.settings import Settings

X0, Y0 = 500000.0, 3446000.0
CRS = "EPSG:4549"
UNIT_SPECS = [  # (unit number, type, x offset, y offset)
    (1, "小区", 0, 500),
    (2, "农村", 500, 500),
    (3, "街面", 0, 0),
    (4, "农场", 500, 0),
]
CATEGORY = {"小区": "小区", "农村": "村组", "街面": "街面-其它", "农场": "村组"}


def unit_code(n: int) -> str:
    return f"310118001{n:03d}"


def tiny_dataset(with_grids: bool = True) -> Dataset:
    cat = Catalogue.default()
    street = Street("310118001", "夏阳街道 (测试)", box(X0, Y0, X0 + 1000, Y0 + 1000))
    rgs = {
        "R1": ResponsibilityGrid("R1", "第一责任网格", box(X0, Y0 + 500, X0 + 1000, Y0 + 1000),
                                 street.code),
        "R2": ResponsibilityGrid("R2", "第二责任网格", box(X0, Y0, X0 + 1000, Y0 + 500),
                                 street.code),
    }
    units: dict[str, Unit] = {}
    grids: dict[int, MicroGrid] = {}
    fid = 1
    for n, utype, dx, dy in UNIT_SPECS:
        code = unit_code(n)
        ux, uy = X0 + dx, Y0 + dy
        units[code] = Unit(code, f"{utype}单元{n} 夏阳湖", utype, box(ux, uy, ux + 500, uy + 500),
                           responsibility_grid="R1" if dy else "R2", street=street.name,
                           committee="夏阳湖居委" if utype == "街面" else "")
        if not with_grids or utype == "农场":
            continue
        seq = 1
        for j in (1, 0):  # north row first
            for i in (0, 1):
                geom = box(ux + i * 250, uy + j * 250, ux + (i + 1) * 250, uy + (j + 1) * 250)
                category = CATEGORY[utype]
                grids[fid] = MicroGrid(
                    code=f"{code}{seq:03d}", name=f"{utype}{n}-{seq}号微网格", category=category,
                    geometry=geom, unit_code=code, departments=cat.default_departments(category),
                    households=350 + seq if cat.needs_households(category) else None,
                    population=None if seq == 2 else 1000 + seq,
                    four_bounds={"east": "青赵公路", "south": "淀山湖大道", "west": "河道",
                                 "north": "盈港东路"} if seq == 1 else None,
                    notes="备注:含\"引号\"和 'apostrophe'" if seq == 3 else "",
                    created="2024-05-01T08:00:00+00:00", updated="2024-05-02T09:30:00+00:00",
                    fid=fid)
                fid += 1
                seq += 1
    if grids:
        _odd_shapes(grids)

    buildings = [box(X0 + 10 + 30 * i, Y0 + 510 + 30 * j, X0 + 30 + 30 * i, Y0 + 530 + 30 * j)
                 for i in range(5) for j in range(5)]
    base = {
        "roads": BaseLayer("roads", np.array([LineString([(X0, Y0 + 500), (X0 + 1000, Y0 + 500)]),
                                              LineString([(X0 + 500, Y0), (X0 + 500, Y0 + 1000.5)])],
                                             dtype=object),
                           [{"class": "主干道", "name": "盈港东路"},
                            {"class": "支路", "name": None}]),
        "water": BaseLayer("water", np.array([box(X0 + 900, Y0, X0 + 930, Y0 + 1000)],
                                             dtype=object), [{"name": "油墩港"}]),
        "buildings": BaseLayer("buildings", np.array(buildings, dtype=object),
                               [{"households": 24 + k, "floors": 6, "name": f"{k + 1}号楼"}
                                for k in range(len(buildings))]),
        "villager_groups": BaseLayer("villager_groups",
                                     np.array([box(X0 + 500, Y0 + 500, X0 + 1000, Y0 + 1000)],
                                              dtype=object),
                                     [{"name": "一队", "unit_code": unit_code(2)}]),
        "committees": BaseLayer("committees", np.array([box(X0, Y0, X0 + 500, Y0 + 1000)],
                                                       dtype=object), [{"name": "夏阳湖居委"}]),
        "pois": BaseLayer("pois", np.array([Point(X0 + 50, Y0 + 50), Point(X0 + 600, Y0 + 700)],
                                           dtype=object),
                          [{"kind": "学校", "name": "夏阳小学"}, {"kind": "医院", "name": "青浦医院"}]),
    }
    settings = Settings(sliver_width_m=0.25, households_min=250, code_pattern="default")
    return Dataset(crs=CRS, street=street, responsibility_grids=rgs, units=units, grids=grids,
                   layers=LayerStack.default(base), catalogue=cat, settings=settings)


def _odd_shapes(grids: dict[int, MicroGrid]) -> None:
    """One grid with a hole, one two-part grid: shapes the store must keep exactly."""
    g = grids[1]
    grids[1] = g.replace(geometry=Polygon(
        list(g.geometry.exterior.coords),
        [[(X0 + 100, Y0 + 900), (X0 + 120, Y0 + 900), (X0 + 120, Y0 + 920), (X0 + 100, Y0 + 900)]]))
    g = grids[2]
    left, right = box(X0 + 250, Y0 + 750, X0 + 375, Y0 + 1000), box(X0 + 375.25, Y0 + 750,
                                                                   X0 + 500, Y0 + 1000)
    grids[2] = g.replace(geometry=MultiPolygon([left, right]))


def square_grids_dataset(n_units: int, per_side: int = 4, size: float = 50.0) -> Dataset:
    """A large synthetic dataset: ``n_units`` square units in a row-major field, each tiled by
    ``per_side``² square grids (benchmarks: 2200 units × 16 = 35,200 grids)."""
    cat = Catalogue.default()
    side = int(np.ceil(np.sqrt(n_units)))
    usize = size * per_side
    units: dict[str, Unit] = {}
    grids: dict[int, MicroGrid] = {}
    fid = 1
    for n in range(n_units):
        ux = X0 + (n % side) * usize
        uy = Y0 + (n // side) * usize
        code = f"310118{n // 999 + 1:03d}{n % 999 + 1:03d}"
        units[code] = Unit(code, f"小区{n}", "小区", box(ux, uy, ux + usize, uy + usize))
        cells = shapely.box(
            np.repeat(ux + size * np.arange(per_side), per_side),
            np.tile(uy + size * np.arange(per_side), per_side),
            np.repeat(ux + size * np.arange(1, per_side + 1), per_side),
            np.tile(uy + size * np.arange(1, per_side + 1), per_side))
        for seq, geom in enumerate(cells, start=1):
            grids[fid] = MicroGrid(code=f"{code}{seq:03d}", name=f"小区{n}-{seq}", category="小区",
                                   geometry=geom, unit_code=code,
                                   departments=["自治办", "城建中心", "各居"], households=400,
                                   created="2024-05-01T08:00:00+00:00",
                                   updated="2024-05-01T08:00:00+00:00", fid=fid)
            fid += 1
    return Dataset(crs=CRS, units=units, grids=grids, catalogue=cat)


def square(x: float, y: float, size: float = 10.0) -> Polygon:
    return box(x, y, x + size, y + size)
