"""A synthetic street for canvas tests and the frame-time benchmark (test data, not for clerks).

Lives beside the demo generator, not in ``ui/canvas`` (it is data, and has no Qt). The canvas
must be testable and measurable at any size in a fraction of a second, so this builds a plausible :class:`Dataset` quickly with vectorised shapely:
units on a jittered lattice, each tiled by micro-grids that share their vertices exactly,
buildings inside grids, a road network on the unit boundaries, a river, villager groups,
committees and POIs. It is not a demo for clerks; ``mapedit.demo`` is.
"""

from __future__ import annotations

import math

import numpy as np
import shapely

from mapedit.model.catalogue import Catalogue
from mapedit.model.dataset import Dataset
from mapedit.model.hierarchy import UNIT_TYPES, MicroGrid, ResponsibilityGrid, Street, Unit
from mapedit.model.layers import BaseLayer

ORIGIN = (500_000.0, 3_440_000.0)
"""Lower-left corner in EPSG:4549-like metres (CGCS2000 GK zone at 120°E, around Qingpu)."""


def synthetic_dataset(units: int = 48, seed: int = 0, unit_size: float = 480.0,
                      grids_per_side: tuple[int, int] = (4, 3),
                      buildings_per_grid: int = 4) -> Dataset:
    """A street of about ``units`` square-ish units, each tiled by ``nx × ny`` micro-grids.

    Grids of a unit share their vertices exactly (they come from one jittered lattice), so the
    dataset is topologically clean; fids are 1..n.
    """
    rng = np.random.default_rng(seed)
    cols = max(1, int(math.ceil(math.sqrt(units * 1.4))))
    rows = max(1, int(math.ceil(units / cols)))
    nx, ny = grids_per_side
    ox, oy = ORIGIN
    catalogue = Catalogue.default()

    # Unit lattice (shared by neighbouring units), jittered inside.
    ux = ox + np.arange(cols + 1) * unit_size
    uy = oy + np.arange(rows + 1) * unit_size
    UX, UY = np.meshgrid(ux, uy)  # (rows+1, cols+1)
    jit = unit_size * 0.12
    UX = UX + rng.uniform(-jit, jit, UX.shape) * _interior(UX.shape)
    UY = UY + rng.uniform(-jit, jit, UY.shape) * _interior(UY.shape)

    street = Street(code="310118001", name="合成街道")
    dataset = Dataset(crs="EPSG:4549", street=street, catalogue=catalogue)
    unit_polys = []
    grid_polys: list[np.ndarray] = []
    grid_units: list[str] = []
    types = list(UNIT_TYPES)
    n_units = 0
    for r in range(rows):
        for c in range(cols):
            if n_units >= units:
                break
            n_units += 1
            code = f"310118{(n_units - 1) // 999 + 1:03d}{(n_units - 1) % 999 + 1:03d}"
            corners = np.array([[UX[r, c], UY[r, c]], [UX[r, c + 1], UY[r, c + 1]],
                                [UX[r + 1, c + 1], UY[r + 1, c + 1]], [UX[r + 1, c], UY[r + 1, c]]])
            # Bilinear lattice inside the unit, interior vertices jittered.
            s = np.linspace(0, 1, nx + 1)
            t = np.linspace(0, 1, ny + 1)
            S, T = np.meshgrid(s, t)
            P = ((1 - S) * (1 - T))[..., None] * corners[0] + (S * (1 - T))[..., None] * corners[1] \
                + (S * T)[..., None] * corners[2] + ((1 - S) * T)[..., None] * corners[3]
            gj = unit_size / max(nx, ny) * 0.15
            P = P + rng.uniform(-gj, gj, P.shape) * _interior(P.shape[:2])[..., None]
            # Each cell: 4 corners (closed ring). Neighbours share corners exactly.
            cells = np.stack([P[:-1, :-1], P[:-1, 1:], P[1:, 1:], P[1:, :-1], P[:-1, :-1]],
                             axis=2).reshape(-1, 5, 2)
            unit_ring = np.concatenate([P[0, :], P[1:, -1], P[-1, -2::-1], P[-2:0:-1, 0],
                                        P[:1, 0]])
            unit_polys.append(shapely.polygons(unit_ring))
            grid_polys.append(cells)
            grid_units.extend([code] * len(cells))
            utype = types[(r * 7 + c * 3) % 11 % 4] if (r + c) % 3 else "小区"
            dataset.units[code] = Unit(code=code, name=f"单元{n_units}", unit_type=utype,
                                       geometry=unit_polys[-1],
                                       responsibility_grid=f"RG{(r // 5) * 100 + c // 5:04d}",
                                       committee=f"居委{(r // 4) * 100 + c // 4}")
    cells = np.concatenate(grid_polys)
    geoms = shapely.polygons(cells)
    per_unit = nx * ny
    for i, g in enumerate(geoms):
        unit = dataset.units[grid_units[i]]
        allowed = catalogue.allowed(unit.unit_type)
        cat = allowed[0] if i % 5 else allowed[(i // 5) % len(allowed)]
        seq = i % per_unit + 1
        fid = i + 1
        dataset.grids[fid] = MicroGrid(
            code=f"{unit.code}{seq:03d}", name=f"{unit.name}-{seq}号网格", category=cat.name,
            geometry=g, unit_code=unit.code, departments=list(cat.departments),
            households=int(rng.integers(250, 560)) if cat.household_band else None, fid=fid)

    # Responsibility grids and committees: unions of unit blocks.
    unit_arr = np.asarray(unit_polys, dtype=object)
    for key, attr in (("responsibility_grid", "rg"), ("committee", "cm")):
        groups: dict[str, list[int]] = {}
        for i, u in enumerate(dataset.units.values()):
            groups.setdefault(getattr(u, key), []).append(i)
        if attr == "rg":
            for name, idx in groups.items():
                dataset.responsibility_grids[name] = ResponsibilityGrid(
                    code=name, name=f"责任网格{name[2:]}",
                    geometry=shapely.union_all(unit_arr[idx]), street_code=street.code)
        else:
            polys = [shapely.union_all(unit_arr[idx]) for idx in groups.values()]
            dataset.layers.add_vector("committees", BaseLayer(
                "committees", np.asarray(polys, dtype=object), [{"name": n} for n in groups]))
    street.geometry = shapely.union_all(unit_arr)

    # Buildings: small rotated rectangles around points inside each grid.
    bx0 = cells[:, :4, 0].min(axis=1)
    bx1 = cells[:, :4, 0].max(axis=1)
    by0 = cells[:, :4, 1].min(axis=1)
    by1 = cells[:, :4, 1].max(axis=1)
    k = buildings_per_grid
    cx = (bx0[:, None] + (bx1 - bx0)[:, None] * rng.uniform(0.25, 0.75, (len(cells), k))).ravel()
    cy = (by0[:, None] + (by1 - by0)[:, None] * rng.uniform(0.25, 0.75, (len(cells), k))).ravel()
    w = rng.uniform(12, 40, cx.shape)
    h = rng.uniform(10, 18, cx.shape)
    a = rng.uniform(0, math.pi, cx.shape)
    dx = np.stack([-w, w, w, -w, -w], 1) / 2
    dy = np.stack([-h, -h, h, h, -h], 1) / 2
    ca, sa = np.cos(a)[:, None], np.sin(a)[:, None]
    bcoords = np.stack([cx[:, None] + dx * ca - dy * sa, cy[:, None] + dx * sa + dy * ca], 2)
    buildings = shapely.polygons(bcoords)
    dataset.layers.add_vector("buildings", BaseLayer(
        "buildings", buildings,
        [{"households": int(v), "floors": 6, "name": ""} for v in rng.integers(0, 120, len(buildings))]))

    # Roads along the unit lattice lines: 主干道 every 4th line, 次干道 every 2nd, else 支路.
    lines, attrs = [], []
    for r in range(rows + 1):
        lines.append(np.stack([UX[r], UY[r]], 1))
        attrs.append({"class": _road_class(r), "name": f"东西{r}路"})
    for c in range(cols + 1):
        lines.append(np.stack([UX[:, c], UY[:, c]], 1))
        attrs.append({"class": _road_class(c), "name": f"南北{c}路"})
    dataset.layers.add_vector("roads", BaseLayer(
        "roads", np.asarray([shapely.linestrings(x) for x in lines], dtype=object), attrs))

    # A meandering river across the street.
    width = cols * unit_size
    xs = np.linspace(ox - 200, ox + width + 200, 200)
    ys = oy + rows * unit_size * 0.5 + np.sin(xs / 900.0) * unit_size * 0.8
    river = shapely.buffer(shapely.linestrings(np.stack([xs, ys], 1)), 18.0)
    dataset.layers.add_vector("water", BaseLayer("water", np.asarray([river], dtype=object),
                                             [{"name": "淀浦河"}]))

    # Villager groups: the rural units, split in two halves.
    vg, vga = [], []
    for u in dataset.units.values():
        if u.unit_type not in ("农村", "农场"):
            continue
        x0, y0, x1, y1 = u.geometry.bounds
        mid = (x0 + x1) / 2
        for j, part in enumerate((shapely.box(x0, y0, mid, y1), shapely.box(mid, y0, x1, y1))):
            vg.append(shapely.intersection(u.geometry, part))
            vga.append({"name": f"{u.name}{j + 1}组", "unit_code": u.code})
    if vg:
        dataset.layers.add_vector("villager_groups", BaseLayer(
            "villager_groups", np.asarray(vg, dtype=object), vga))

    # POIs.
    n_poi = max(10, len(dataset.units) * 2)
    px = rng.uniform(ox, ox + width, n_poi)
    py = rng.uniform(oy, oy + rows * unit_size, n_poi)
    kinds = ["学校", "医院", "市场", "写字楼", "公园"]
    dataset.layers.add_vector("pois", BaseLayer(
        "pois", shapely.points(np.stack([px, py], 1)),
        [{"kind": kinds[i % len(kinds)], "name": f"兴趣点{i}"} for i in range(n_poi)]))
    return dataset


def _interior(shape: tuple[int, ...]) -> np.ndarray:
    """1 for interior lattice nodes, 0 on the border (the border stays straight)."""
    m = np.zeros(shape[:2])
    m[1:-1, 1:-1] = 1.0
    return m


def _road_class(i: int) -> str:
    return "主干道" if i % 4 == 0 else ("次干道" if i % 2 == 0 else "支路")
