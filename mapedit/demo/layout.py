"""The demo street's plan in a local metric frame (x east, y north, metres from the SW corner).

Why a local frame: every cut is an axis-aligned line whose coordinates come from one array, so
neighbouring pieces share vertices exactly; the generator rotates and moves the finished plan to
EPSG:4549 only at the end (the same affine map on the same numbers keeps shared vertices shared).

Recipe (after seed 000): villages (农村) and the farm (农场) fill the rural west in a slightly
wobbly lattice of fields; the urban east is a grid of superblocks between main roads, each with a
街面 strip of shops/offices along its south road and one or two 小区 (residents' committee areas)
behind it. Content is generated per unit: building rows in compounds, house clusters in villager
groups, shop fronts and towers along the roads. Each unit lists ``blocks``: a seed rectangle that
identifies one face of the final planar subdivision and the micro-grid (or villager group) it
belongs to.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import shapely

from mapedit.demo.names import (
    COMMITTEES,
    COMPOUND_SUFFIXES,
    FARM,
    MAIN_ROADS,
    RIVERS,
    SECONDARY_ROADS,
    VILLAGES,
    NamePool,
    chinese_number,
)

JITTER = 28.0
"""Amplitude (m) of the wobble of rural boundaries; seeds stay this far from them."""
SB_W = 900.0
"""Mean superblock size (m) between main roads: a 街面 strip plus one or two 小区 behind it."""
SB_H = 560.0
JM_DEPTH = (85.0, 110.0)


@dataclass
class Block:
    """A seed rectangle inside one face of the subdivision, and what that face is."""

    seed: tuple[float, float, float, float]
    grid: int = -1
    """Index into ``UnitPlan.grids`` (-1: no micro-grid, e.g. an ungridded unit)."""
    group: int = -1
    """Index into ``UnitPlan.groups`` for villager groups (-1 otherwise)."""


@dataclass
class GridPlan:
    name: str
    category: str
    households: int | None = None
    defect: bool = False
    """Already broken on purpose (so two defects do not pile onto one grid)."""


@dataclass
class UnitPlan:
    kind: str  # 小区 / 农村 / 街面 / 农场
    name: str
    cell: tuple[float, float, float, float]
    """Nominal rectangle (rural units wobble around it by up to JITTER)."""
    gridded: bool = False
    committee: str = ""
    superblock: int = -1
    blocks: list[Block] = field(default_factory=list)
    grids: list[GridPlan] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    lines: list = field(default_factory=list)
    """Internal cut lines (local frame) added to the subdivision when gridded or for groups."""
    clip_lines: bool = False
    """True when ``lines`` overshoot and must be clipped to the unit polygon first."""
    buildings: list = field(default_factory=list)
    """(boxes ndarray, attribute dicts) chunks."""
    pois: list = field(default_factory=list)
    """(x, y, kind, name)."""
    road_south: str = ""
    street_part: str = ""


@dataclass
class StreetPlan:
    width: float
    height: float
    units: list[UnitPlan]
    lines: list  # unit-level network (LineStrings)
    roads: list  # (LineString, class, name)
    rivers: list  # (Polygon, name)
    committees: list  # (list of (unit index, optional clip box), name)
    superblocks: list[list[int]]


# -- small helpers -----------------------------------------------------------------------------

def split_edges(total: float, n: int, rng: np.random.Generator, jitter: float = 0.15) -> np.ndarray:
    """``n + 1`` increasing edges from 0 to ``total`` with sizes varying by ±jitter."""
    w = rng.uniform(1 - jitter, 1 + jitter, n)
    e = np.concatenate([[0.0], np.cumsum(w / w.sum() * total)])
    e[-1] = total
    return np.round(e, 1)


def partition(n: int, lo: int, hi: int, rng: np.random.Generator) -> list[int]:
    """Split ``n`` items into consecutive parts of size lo..hi (a single part if n <= hi).
    Needs ``hi + 1 >= 2 * lo`` so every remainder can be absorbed."""
    parts: list[int] = []
    rest = n
    while rest > hi:
        k = int(rng.integers(lo, hi + 1))
        if rest - k < lo:
            k = rest - lo
        parts.append(k)
        rest -= k
    parts.append(rest)
    return parts


def spread(total: int, n: int, lo: int, hi: int, rng: np.random.Generator) -> list[int]:
    """``n`` integers in lo..hi summing to ``total`` (used to share a grid's households among its
    buildings so the grid lands inside the 300-500 band and each building stays plausible)."""
    w = rng.uniform(0.75, 1.25, n)
    vals = np.clip(np.round(w / w.sum() * total), lo, hi).astype(int)
    diff = total - int(vals.sum())
    i = 0
    while diff != 0 and i < 10 * n:
        j = i % n
        step = 1 if diff > 0 else -1
        if lo <= vals[j] + step <= hi:
            vals[j] += step
            diff -= step
        i += 1
    return [int(v) for v in vals]


def wobbly(p0: tuple[float, float], p1: tuple[float, float], rng: np.random.Generator,
           amp: float = JITTER, step: float = 140.0) -> shapely.LineString:
    """A field boundary from p0 to p1 that wanders sideways by up to ``amp`` (ends fixed)."""
    (x0, y0), (x1, y1) = p0, p1
    length = math.hypot(x1 - x0, y1 - y0)
    n = max(1, int(length // step))
    t = np.linspace(0, 1, n + 1)
    off = rng.uniform(-amp, amp, n + 1)
    off[0] = off[-1] = 0.0
    nx, ny = -(y1 - y0) / length, (x1 - x0) / length
    xs = np.round(x0 + t * (x1 - x0) + off * nx, 2)
    ys = np.round(y0 + t * (y1 - y0) + off * ny, 2)
    xs[0], ys[0], xs[-1], ys[-1] = x0, y0, x1, y1  # ends exact: they sit on other lines
    return shapely.linestrings(np.column_stack([xs, ys]))


def _boxes(x0, y0, x1, y1) -> np.ndarray:
    return shapely.box(np.asarray(x0, float), np.asarray(y0, float), np.asarray(x1, float),
                       np.asarray(y1, float))


# -- the street ----------------------------------------------------------------------------------

def counts_for(units: int | None) -> tuple[int, int, int, int]:
    """(villages, farms, superblocks = 街面 units, 小区 units) for the requested size."""
    if units is None:
        return 10, 1, 11, 16
    n_farm = max(1, round(units / 38))
    n_vil = max(1, round(units * 10 / 38))
    rest = units - n_farm - n_vil
    n_sb = max(1, round(rest * 11 / 27))
    n_xq = rest - n_sb
    if rest < 2 or not n_sb <= n_xq <= 2 * n_sb:
        raise ValueError(f"cannot lay out {units} units (need at least 4)")
    return n_vil, n_farm, n_sb, n_xq


def plan_street(units: int | None, rng: np.random.Generator) -> StreetPlan:
    n_vil, n_farm, n_sb, n_xq = counts_for(units)
    n_rural = n_vil + n_farm
    area = n_sb * SB_W * SB_H + n_rural * 950 * 840
    h_target = math.sqrt(area / 1.7)
    rows_u = max(1, round(h_target / SB_H))
    rows_r = max(1, round(h_target / 840))
    cols_u = math.ceil(n_sb / rows_u)
    cols_r = math.ceil(n_rural / rows_r)
    height = round(rows_u * SB_H, 1)
    rural_w = split_edges(cols_r * 950.0, cols_r, rng, 0.1)
    urban_w = split_edges(cols_u * SB_W, cols_u, rng, 0.08) + rural_w[-1]
    width = float(urban_w[-1])
    xr = float(rural_w[-1])

    lines: list = []
    roads: list = []
    used: set[str] = set()
    main_pool = NamePool(MAIN_ROADS, used=used)
    sec_pool = NamePool(SECONDARY_ROADS, suffix="", used=used)
    composed_road = NamePool([], suffix="路", used=used)

    def main_name() -> str:
        return main_pool.take() if main_pool._preferred else composed_road.take()

    def sec_name() -> str:
        return sec_pool.take() if sec_pool._preferred else composed_road.take()

    # Outer boundary: wobbly in the rural west, straight (roads) in the urban east.
    sw, nw = (0.0, 0.0), (0.0, height)
    lines.append(wobbly(sw, nw, rng))
    lines.append(shapely.linestrings([[xr, 0.0], [width, 0.0]]))
    lines.append(shapely.linestrings([[xr, height], [width, height]]))
    lines.append(shapely.linestrings([[width, 0.0], [width, height]]))
    south = [wobbly((rural_w[c], 0.0), (rural_w[c + 1], 0.0), rng) for c in range(cols_r)]
    north = [wobbly((rural_w[c], height), (rural_w[c + 1], height), rng) for c in range(cols_r)]
    lines += south + north

    unit_plans: list[UnitPlan] = []
    # Rural columns: villages and farms, each column with its own rows.
    per_col = [n_rural // cols_r + (1 if c < n_rural % cols_r else 0) for c in range(cols_r)]
    farm_at = set(np.linspace(0, n_rural - 1, n_farm).round().astype(int).tolist()) \
        if units is not None else {0}
    village_pool = NamePool(VILLAGES, suffix="村")
    verticals: list[shapely.LineString] = []
    for c in range(1, cols_r + 1):
        x = float(rural_w[c])
        if c < cols_r:
            v = wobbly((x, -60.0), (x, height + 60.0), rng)
            verticals.append(v)
            lines.append(v)
            roads.append((v, "次干道" if c % 2 else "支路", sec_name()))
    lines.append(shapely.linestrings([[xr, -1.0], [xr, height + 1.0]]))
    k = 0
    for c in range(cols_r):
        ys = split_edges(height, per_col[c], rng, 0.12)
        left = verticals[c - 1] if c > 0 else None
        right = verticals[c] if c < cols_r - 1 else None
        for r in range(per_col[c]):
            if r > 0:
                y = float(ys[r])
                xa = _x_at(left, y) if left is not None else -3 * JITTER
                xb = _x_at(right, y) if right is not None else xr
                lines.append(wobbly((xa, y), (xb, y), rng, amp=JITTER * 0.6))
            cell = (float(rural_w[c]), float(ys[r]), float(rural_w[c + 1]), float(ys[r + 1]))
            is_farm = k in farm_at
            name = (FARM if units is None or n_farm == 1 else f"{FARM}{chinese_number(len([1 for u in unit_plans if u.kind == '农场']) + 1)}分场") \
                if is_farm else village_pool.take()
            unit_plans.append(UnitPlan("农场" if is_farm else "农村", name, cell))
            k += 1
    # A main road across the rural zone every ~5 km of height, straight (like 青赵公路).
    n_rural_roads = max(1, round(height / 5000))
    for i in range(n_rural_roads):
        y = round(height * (i + 0.55) / n_rural_roads, 1)
        roads.append((shapely.linestrings([[0.0, y], [xr, y]]), "主干道", main_name()))

    # Urban superblocks.
    per_ucol = [n_sb // cols_u + (1 if c < n_sb % cols_u else 0) for c in range(cols_u)]
    two = set(rng.choice(n_sb, size=n_xq - n_sb, replace=False).tolist())
    committee_pool = NamePool(COMMITTEES)
    x_names = [main_name() for _ in range(cols_u + 1)]
    x_names[0] = x_names[0]
    for c in range(cols_u + 1):
        x = float(urban_w[c])
        roads.append((shapely.linestrings([[x, 0.0], [x, height]]), "主干道", x_names[c]))
        if 0 < c < cols_u:
            lines.append(shapely.linestrings([[x, -1.0], [x, height + 1.0]]))
    row_names: dict[int, str] = {}
    superblocks: list[list[int]] = []
    committees: list = []
    sb = 0
    for c in range(cols_u):
        x0, x1 = float(urban_w[c]), float(urban_w[c + 1])
        ys = split_edges(height, per_ucol[c], rng, 0.06)
        for r in range(per_ucol[c] + 1):
            y = float(ys[r])
            if r not in row_names:
                row_names[r] = main_name()
            roads.append((shapely.linestrings([[x0, y], [x1, y]]), "主干道", row_names[r]))
            if 0 < r < per_ucol[c]:
                lines.append(shapely.linestrings([[x0, y], [x1, y]]))
        for r in range(per_ucol[c]):
            y0, y1 = float(ys[r]), float(ys[r + 1])
            d = round(float(rng.uniform(*JM_DEPTH)), 1)
            members: list[int] = []
            lines.append(shapely.linestrings([[x0, y0 + d], [x1, y0 + d]]))
            jm = UnitPlan("街面", "", (x0, y0, x1, y0 + d), superblock=sb, road_south=row_names[r])
            members.append(len(unit_plans))
            unit_plans.append(jm)
            if sb in two:
                xs = round(x0 + (x1 - x0) * float(rng.uniform(0.42, 0.58)), 1)
                line = shapely.linestrings([[xs, y0 + d], [xs, y1]])
                lines.append(line)
                roads.append((line, "次干道", sec_name()))
                cells = [(x0, y0 + d, xs, y1), (xs, y0 + d, x1, y1)]
            else:
                cells = [(x0, y0 + d, x1, y1)]
            names = []
            for cell in cells:
                cname = committee_pool.take()
                names.append(cname)
                members.append(len(unit_plans))
                unit_plans.append(UnitPlan("小区", f"{cname}居委", cell, superblock=sb,
                                           committee=f"{cname}居委会"))
            # the 街面 strip belongs to the committee of the compound behind it (west one).
            jm.committee = f"{names[0]}居委会"
            committees.append(([(members[0], None), (members[1], None)], f"{names[0]}居委会"))
            if len(cells) == 2:
                committees.append(([(members[2], None)], f"{names[1]}居委会"))
            superblocks.append(members)
            sb += 1
    # 街面 names: the road along the strip, with a part number when a road has several.
    by_road: dict[str, list[UnitPlan]] = {}
    for u in unit_plans:
        if u.kind == "街面":
            by_road.setdefault(u.road_south, []).append(u)
    for road, lst in by_road.items():
        for i, u in enumerate(lst):
            u.name = f"{road}街面" if len(lst) == 1 else f"{road}{chinese_number(i + 1)}段街面"

    # Rivers: W-E meanders, one per ~6 km of height.
    rivers = []
    n_riv = max(1, round(height / 6000))
    for i in range(n_riv):
        yc = height * (i + 0.4) / n_riv
        xs = np.arange(-200.0, width + 250.0, 50.0)
        ph = float(rng.uniform(0, 2 * math.pi))
        ys = yc + 70 * np.sin(xs / 480 + ph) + 25 * np.sin(xs / 170 + 2 * ph)
        centre = shapely.linestrings(np.column_stack([xs, np.round(ys, 2)]))
        rivers.append((shapely.buffer(centre, 17.0, cap_style="flat"), RIVERS[i % len(RIVERS)]
                       + ("" if i < len(RIVERS) else chinese_number(i // len(RIVERS) + 1))))
    return StreetPlan(width, height, unit_plans, lines, roads, rivers, committees, superblocks)


def _x_at(line: shapely.LineString, y: float) -> float:
    """x of a (monotone in y) wobbly vertical line at height y, exactly on the line."""
    c = shapely.get_coordinates(line)
    return float(np.interp(y, c[:, 1], c[:, 0]))


# -- unit content --------------------------------------------------------------------------------

RES_BANDS = {"多层": (24, 72, 6, 12.0), "高层": (100, 200, 18, 16.0)}
"""Building type: (min households, max households, floors, depth in m)."""


def fill_xiaoqu(u: UnitPlan, water, rng: np.random.Generator, cat_pool: NamePool) -> None:
    """Compounds of residential rows; grids are blocks of rows × columns of buildings (cut in
    the gaps between buildings, never through one), each given 300-500 households."""
    x0, y0, x1, y1 = u.cell
    base = u.name.removesuffix("居委")
    margin = 14.0
    facilities: list[tuple[float, float, float, float]] = []
    if rng.random() < 0.6:
        fw = round(float(rng.uniform(110, 150)), 1)
        xf = x1 - fw
        if rng.random() < 0.5:
            ym = round((y0 + y1) / 2, 1)
            facilities = [(xf, ym, x1, y1), (xf, y0, x1, ym)]
        else:
            facilities = [(xf, y0, x1, y1)]
        x1 = xf
    n_comp = 1 if x1 - x0 < 420 else int(rng.integers(2, 4 if x1 - x0 > 800 else 3))
    cx = split_edges(x1 - x0, n_comp, rng, 0.15) + x0
    bno = 0
    rects: list[tuple[float, float, float, float]] = []
    for ci in range(n_comp):
        kind = "高层" if rng.random() < 0.35 else "多层"
        hmin, hmax, floors, depth = RES_BANDS[kind]
        cname = base + (COMPOUND_SUFFIXES[ci] if n_comp > 1 or rng.random() < 0.5 else "")
        if n_comp == 1 and cname == base:
            cname = base + "小区"
        a, b = float(cx[ci]), float(cx[ci + 1])
        length = float(rng.uniform(36, 56)) if kind == "多层" else float(rng.uniform(30, 38))
        gap = float(rng.uniform(14, 20))
        pitch = depth + (float(rng.uniform(24, 30)) if kind == "多层" else float(rng.uniform(48, 60)))
        ncol = max(1, int((b - a - 2 * margin + gap) // (length + gap)))
        nrow = max(1, int((y1 - y0 - 2 * margin - depth) // pitch) + 1)
        gap = (b - a - 2 * margin - ncol * length) / max(ncol - 1, 1)
        bx0 = a + margin + np.arange(ncol) * (length + gap)
        by0 = y1 - margin - depth - np.arange(nrow) * pitch  # north to south
        # grid blocks: column groups × row groups
        if kind == "多层":
            col_parts, row_parts = partition(ncol, 3, 5, rng), partition(nrow, 2, 3, rng)
        else:
            col_parts, row_parts = partition(ncol, 3, 4, rng), [1] * nrow
        cuts_x = [a] + [float((bx0[i - 1] + length + bx0[i]) / 2)
                        for i in np.cumsum(col_parts)[:-1]] + [b]
        cuts_y = [y1] + [float((by0[i - 1] + by0[i] + depth) / 2)
                         for i in np.cumsum(row_parts)[:-1]] + [y0]
        ci0 = np.concatenate([[0], np.cumsum(col_parts)])
        ri0 = np.concatenate([[0], np.cumsum(row_parts)])
        gno = 0
        for gc in range(len(col_parts)):
            for gr in range(len(row_parts)):
                rect = (cuts_x[gc], cuts_y[gr + 1], cuts_x[gc + 1], cuts_y[gr])
                cols = np.arange(ci0[gc], ci0[gc + 1])
                rows = np.arange(ri0[gr], ri0[gr + 1])
                cc, rr = np.meshgrid(cols, rows)
                bxs, bys = bx0[cc.ravel()], by0[rr.ravel()]
                boxes = _boxes(bxs, bys, bxs + length, bys + depth)
                keep = ~shapely.intersects(boxes, water) if water is not None else \
                    np.ones(len(boxes), bool)
                n = int(keep.sum())
                if n * hmax < 300 or n == 0:
                    # river bank: open green space, no households
                    gname = f"{cname}滨河绿地微网格"
                    u.grids.append(GridPlan(gname, "社区-公共区域"))
                    if n:
                        u.buildings.append((boxes[keep], [
                            {"households": 0, "floors": 2, "name": f"{cname}配套用房"}] * n))
                else:
                    lo = max(300, n * hmin)
                    hi = min(500, n * hmax)
                    total = int(rng.integers(lo + (hi - lo) // 6, hi - (hi - lo) // 6 + 1))
                    hh = spread(total, n, hmin, hmax, rng)
                    gno += 1
                    u.grids.append(GridPlan(f"{cname}{gno}号微网格", "小区", total))
                    attrs = []
                    for h in hh:
                        bno += 1
                        attrs.append({"households": h, "floors": floors, "name": f"{bno}号楼"})
                    u.buildings.append((boxes[keep], attrs))
                rects.append(rect)
                u.blocks.append(Block(rect, grid=len(u.grids) - 1))
    for fi, rect in enumerate(facilities):
        kind, cat, poi = FACILITIES_XQ[int(rng.integers(len(FACILITIES_XQ)))] if fi else \
            FACILITIES_XQ[int(rng.integers(3))]
        name = f"{base}{kind}"
        u.grids.append(GridPlan(f"{name}微网格", cat))
        u.blocks.append(Block(rect, grid=len(u.grids) - 1))
        fx0, fy0, fx1, fy1 = rect
        bw, bh = min(60.0, fx1 - fx0 - 30), min(40.0, fy1 - fy0 - 30)
        cxm, cym = (fx0 + fx1) / 2, (fy0 + fy1) / 2
        box = _boxes([cxm - bw / 2], [cym - bh / 2], [cxm + bw / 2], [cym + bh / 2])
        if water is None or not shapely.intersects(box[0], water):
            if poi != "公园":
                u.buildings.append((box, [{"households": 0, "floors": 4, "name": name}]))
            if poi:
                u.pois.append((cxm, cym, poi, name))
    _cut_lines(u, rects + facilities)


FACILITIES_XQ = [("幼儿园", "社区-学校", "学校"), ("菜场", "社区-商业体", "菜场"),
                 ("养老院", "社区-养老", "养老院"), ("社区卫生服务站", "社区-医疗", "医院"),
                 ("社区文体活动中心", "社区-文体", ""), ("街心公园", "社区-风景区", "公园"),
                 ("物业服务中心", "社区-其它", "")]

FRONTAGE = [  # kind, category, poi kind, weight
    ("沿街商铺", "街面-商业体", "", 5), ("大厦", "街面-楼宇", "写字楼", 2),
    ("菜场", "街面-商业体", "菜场", 1), ("广场", "街面-商业体", "商场", 1),
    ("实业有限公司", "街面-企业", "", 1.5), ("社区事务受理服务中心", "街面-公共机构", "", 0.5),
    ("派出所", "街面-公共机构", "", 0.4), ("社区卫生服务中心", "街面-医疗", "医院", 0.5),
    ("小学", "街面-学校", "学校", 0.4), ("养老院", "街面-养老", "养老院", 0.4),
    ("公园", "街面-风景区", "公园", 0.4), ("加油站", "街面-企业", "", 0.3),
]
_FW = np.array([f[3] for f in FRONTAGE], float)


def fill_jiemian(u: UnitPlan, water, rng: np.random.Generator, pool: NamePool,
                 cut_building: bool = False) -> int | None:
    """Frontage segments along the road, one micro-grid each; ``cut_building`` moves one cut
    into the middle of a building (the deliberate building-cut defect). Returns the index of
    the grid west of the moved cut, if any."""
    x0, y0, x1, y1 = u.cell
    edges = [x0]
    while x1 - edges[-1] > 160:
        edges.append(round(edges[-1] + float(rng.uniform(55, 110)), 1))
    edges.append(x1)
    road = u.road_south
    rects = []
    shops = 0
    moved = None
    n_seg = len(edges) - 1
    kinds = rng.choice(len(FRONTAGE), size=n_seg, p=_FW / _FW.sum())
    bldg_x: list[tuple[float, float]] = []
    for i in range(n_seg):
        a, b = edges[i], edges[i + 1]
        kind, cat, poi, _ = FRONTAGE[int(kinds[i])]
        if kind == "沿街商铺":
            shops += 1
            name = f"{road}沿街商铺{chinese_number(shops)}段"
        elif kind in ("菜场", "派出所", "社区事务受理服务中心", "社区卫生服务中心"):
            name = f"{pool.take()}{kind}"
        else:
            name = f"{pool.take()}{kind}"
        u.grids.append(GridPlan(f"{name}微网格", cat))
        rects.append((a, y0, b, y1))
        u.blocks.append(Block((a, y0, b, y1), grid=len(u.grids) - 1))
        m = 8.0
        if kind == "沿街商铺":
            n = max(1, int((b - a - 2 * m) // 34))
            w = (b - a - 2 * m - (n - 1) * 4) / n
            bx = a + m + np.arange(n) * (w + 4)
            boxes = _boxes(bx, np.full(n, y0 + 12), bx + w, np.full(n, y0 + 26))
            attrs = [{"households": 0, "floors": 2, "name": f"{name}{j + 1}号"} for j in range(n)]
        elif kind == "公园":
            boxes, attrs = _boxes([], [], [], []), []
        else:
            bw = min(b - a - 2 * m, 70.0 if kind in ("广场", "实业有限公司") else 42.0)
            bh = min(y1 - y0 - 2 * m, 50.0 if kind == "广场" else 30.0)
            cxm = (a + b) / 2
            boxes = _boxes([cxm - bw / 2], [y0 + 14], [cxm + bw / 2], [y0 + 14 + bh])
            floors = {"大厦": int(rng.integers(12, 28)), "广场": 4}.get(kind, 3)
            attrs = [{"households": 0, "floors": floors, "name": name}]
        if water is not None and len(boxes):
            keep = ~shapely.intersects(boxes, water)
            boxes = boxes[keep]
            attrs = [a_ for a_, k in zip(attrs, keep, strict=True) if k]
        for bb in boxes:
            bx0_, _, bx1_, _ = bb.bounds
            bldg_x.append((bx0_, bx1_))
        if len(boxes):
            u.buildings.append((boxes, attrs))
        if poi:
            u.pois.append(((a + b) / 2, y0 + 14 + 15, poi, name))
    if cut_building and len(rects) >= 2:
        # move the first inner cut to the middle of a building just east of it
        for i in range(1, len(rects)):
            c = rects[i][0]
            east = [bx for bx in bldg_x if bx[0] > c and bx[0] < rects[i][2]]
            if east:
                mid = round((east[0][0] + east[0][1]) / 2, 1)
                ra, rb = rects[i - 1], rects[i]
                rects[i - 1] = (ra[0], ra[1], mid, ra[3])
                rects[i] = (mid, rb[1], rb[2], rb[3])
                u.blocks[i - 1].seed = (ra[0], ra[1], (ra[0] + mid) / 2, ra[3])
                u.blocks[i].seed = ((mid + rb[2]) / 2, rb[1], rb[2], rb[3])
                moved = i - 1
                break
    _cut_lines(u, rects)
    return moved


def fill_village(u: UnitPlan, poly, water, rng: np.random.Generator, pool: NamePool,
                 grids_range: tuple[int, int]) -> None:
    """Villager groups in a lattice of fields; 村组 grids merge 1-2 neighbouring groups (never
    split one); one field is an enterprise park; houses come in clusters (宅) inside groups."""
    x0, y0, x1, y1 = u.cell
    vname = u.name
    inner = shapely.buffer(poly, -10.0)
    shapely.prepare(inner)
    n_grids = int(rng.integers(grids_range[0], grids_range[1] + 1))
    runs = [int(rng.integers(1, 3)) for _ in range(n_grids)]
    n_groups = sum(runs) + 1  # + one enterprise field
    nrow = max(2, round(math.sqrt(n_groups * (y1 - y0) / (x1 - x0))))
    per_row = [n_groups // nrow + (1 if i < n_groups % nrow else 0) for i in range(nrow)]
    ys = split_edges(y1 - y0, nrow, rng, 0.15)[::-1] + y0  # north to south
    fields: list[tuple[float, float, float, float]] = []
    lines = []
    for r in range(nrow):
        ya, yb = float(ys[r + 1]), float(ys[r])
        if r > 0:
            lines.append(shapely.linestrings([[x0 - 3 * JITTER, yb], [x1 + 3 * JITTER, yb]]))
        xs = split_edges(x1 - x0, per_row[r], rng, 0.2) + x0
        order = range(per_row[r]) if r % 2 == 0 else range(per_row[r] - 1, -1, -1)  # snake
        # the outer rows' field borders reach past the jittered village edge (clipped to it
        # later): stopping at the cell edge left them dangling, and two fields became one
        # face, so a villager group lost its land and its houses counted in the next group
        lo = ya - 3 * JITTER if r == nrow - 1 else ya
        hi = yb + 3 * JITTER if r == 0 else yb
        for i in range(1, per_row[r]):
            lines.append(shapely.linestrings([[float(xs[i]), lo], [float(xs[i]), hi]]))
        for i in order:
            fields.append((float(xs[i]), ya, float(xs[i + 1]), yb))
    u.lines = lines
    u.clip_lines = True
    ent = int(rng.integers(len(fields)))
    g = 0
    gi = 0
    house_boxes: list = []
    house_attrs: list[dict] = []
    run_fields: list[list[int]] = []
    idx = [i for i in range(len(fields)) if i != ent]
    for r in runs:
        run_fields.append(idx[gi:gi + r])
        gi += r
    word = "生产队" if u.kind == "农场" else "村民小组"
    for run in run_fields:
        total = int(rng.integers(330, 471))
        shares = spread(total, len(run), 1, 500, rng)
        first = len(u.groups) + 1
        for fi, hh in zip(run, shares, strict=True):
            g += 1
            gname = f"{vname}第{g}{word}"
            u.groups.append(gname)
            seed = _shrink(fields[fi], 1.0)
            u.blocks.append(Block(seed, grid=len(u.grids), group=len(u.groups) - 1))
            boxes, attrs = _houses(fields[fi], hh, water, inner, rng, f"{vname}{g}组")
            house_boxes.append(boxes)
            house_attrs += attrs
        last = len(u.groups)
        label = f"{first}组" if first == last else f"{first}-{last}组"
        if u.kind == "农场":
            label = f"{chinese_number(first)}队" if first == last else \
                f"{chinese_number(first)}至{chinese_number(last)}队"
        u.grids.append(GridPlan(f"{vname}{label}微网格", "村组", total))
    # enterprise field
    ename = f"{pool.take()}{'农业发展有限公司' if u.kind == '农场' else '工业园区'}"
    u.grids.append(GridPlan(f"{ename}微网格", "农村-企业"))
    u.blocks.append(Block(_shrink(fields[ent], 1.0), grid=len(u.grids) - 1))
    fx0, fy0, fx1, fy1 = _shrink(fields[ent], 25)
    if fx1 - fx0 > 40 and fy1 - fy0 > 40:
        w, h = (fx1 - fx0) * 0.3, (fy1 - fy0) * 0.3
        bb = _boxes([fx0, fx1 - w], [fy0, fy1 - h], [fx0 + w, fx1], [fy0 + h, fy1])
        ok = shapely.within(bb, inner)
        if water is not None:
            ok &= ~shapely.intersects(bb, water)
        bb = bb[ok]
        house_boxes.append(bb)
        house_attrs += [{"households": 0, "floors": 2, "name": f"{ename}{j + 1}号厂房"}
                        for j in range(len(bb))]
    u.buildings.append((np.concatenate(house_boxes) if house_boxes else _boxes([], [], [], []),
                        house_attrs))


def _shrink(r: tuple[float, float, float, float], d: float) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = r
    d = min(d, (x1 - x0) / 2 - 0.5, (y1 - y0) / 2 - 0.5)
    return (x0 + d, y0 + d, x1 - d, y1 - d)


def _houses(rect, households: int, water, inner, rng: np.random.Generator, label: str):
    """House clusters (one footprint per cluster of farmhouses) summing to ``households``."""
    x0, y0, x1, y1 = _shrink(rect, 12)
    n = max(1, min(households // 18, 14))
    boxes = _boxes([], [], [], [])
    for sx_, sy_, bw, bh in ((75, 60, 55, 35), (40, 32, 28, 20)):  # finer slots near rivers
        nx = max(1, int((x1 - x0) // sx_))
        ny = max(1, int((y1 - y0) // sy_))
        slots = np.arange(nx * ny)
        sx = x0 + (slots % nx) * (x1 - x0) / nx
        sy = y0 + (slots // nx) * (y1 - y0) / ny
        w = np.minimum(bw, (x1 - x0) / nx - 12)
        h = np.minimum(bh, (y1 - y0) / ny - 12)
        boxes = _boxes(sx + 4, sy + 4, sx + 4 + w, sy + 4 + h)
        ok = shapely.within(boxes, inner)
        if water is not None:
            ok &= ~shapely.intersects(boxes, water)
        boxes = boxes[ok]
        if len(boxes):
            break
    n = min(n, len(boxes))
    if n == 0:
        return boxes, []  # a field drowned by the river: the group's households live elsewhere
    pick = np.sort(rng.choice(len(boxes), size=n, replace=False))
    hh = spread(households, n, 1, 10_000, rng)
    attrs = [{"households": h, "floors": int(rng.integers(2, 4)), "name": f"{label}{j + 1}号宅"}
             for j, h in enumerate(hh)]
    return boxes[pick], attrs


def _cut_lines(u: UnitPlan, rects) -> None:
    if not rects:
        return
    arr = np.asarray(rects, float)
    u.lines = list(shapely.boundary(_boxes(arr[:, 0], arr[:, 1], arr[:, 2], arr[:, 3])))
