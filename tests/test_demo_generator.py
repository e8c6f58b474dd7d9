"""The demo street: determinism, counts, exact tiling, and only the listed defects.

The checker and the GUI are demonstrated on this data, so anything wrong here that is not one
of the deliberate defects would show up as a false finding in front of a clerk.
"""

from __future__ import annotations

import re
from collections import Counter

import numpy as np
import pytest
import shapely

from mapedit.demo import DEFECTS, generate, generate_with_defects
from mapedit.model.catalogue import Catalogue

AREA_TOL = 1e-6


@pytest.fixture(scope="module")
def demo():
    return generate_with_defects()


def _wkb(ds) -> list:
    out = [(u.code, u.name, u.unit_type, u.responsibility_grid, u.committee,
            shapely.to_wkb(u.geometry)) for u in ds.units.values()]
    out += [(g.fid, g.code, g.name, g.category, g.unit_code, tuple(g.departments), g.households,
             g.population, tuple(sorted(g.four_bounds.items())), g.created, g.updated,
             shapely.to_wkb(g.geometry)) for g in ds.grids.values()]
    for name, layer in sorted((ly.id, ly.data) for ly in ds.layers.of_kind("vector")):
        out.append((name, tuple(shapely.to_wkb(layer.geometries)),
                    tuple(tuple(sorted(a.items())) for a in layer.attributes)))
    return out


def test_deterministic(demo):
    ds, defects = demo
    again, defects2 = generate_with_defects()
    assert _wkb(ds) == _wkb(again)
    assert defects == defects2
    assert _wkb(generate(seed=1)) != _wkb(ds)


def test_defects_constant_matches(demo):
    assert demo[1] == DEFECTS
    rules = Counter(d.rule for d in DEFECTS)
    assert rules == {"overlap": 2, "gap": 2, "unit-crossing": 1, "building-cut": 1,
                     "households-range": 1, "unit-committee-crossing": 1}


def test_counts_and_types(demo):
    ds, _ = demo
    assert ds.crs == "EPSG:4549"
    assert len(ds.responsibility_grids) == 3
    assert len(ds.units) == 38
    types = Counter(u.unit_type for u in ds.units.values())
    assert types == {"农村": 10, "农场": 1, "小区": 16, "街面": 11}
    assert [u.name for u in ds.units.values() if u.unit_type == "农场"] == ["青东农场"]
    assert ds.street.code == "310118005" and ds.street.name == "夏阳街道"
    gridded = {g.unit_code for g in ds.grids.values()}
    assert 16 <= len(gridded) <= 22
    assert {ds.units[c].unit_type for c in gridded} == {"农村", "农场", "小区", "街面"}
    for name in ("roads", "water", "buildings", "villager_groups", "committees", "pois"):
        assert len(ds.base(name)) > 0, name
    roads = ds.base("roads")
    assert set(roads.column("class")) >= {"主干道", "次干道"}
    kinds = set(ds.base("pois").column("kind"))
    assert kinds <= {"学校", "医院", "菜场", "写字楼", "商场", "养老院", "公园"}
    assert len(kinds) >= 5
    assert ds.base("water").attributes[0]["name"] == "淀浦河"
    # near 夏阳街道: lon 121.10, lat 31.15 in CGCS2000 / 3-degree GK CM 120E
    x0, y0, x1, y1 = ds.street.geometry.bounds
    assert 595_000 < x0 < x1 < 615_000 and 3_440_000 < y0 < y1 < 3_456_000
    assert 3_000 < x1 - x0 < 10_000


def test_codes(demo):
    ds, _ = demo
    for u in ds.units.values():
        assert re.fullmatch(r"310118005\d{3}", u.code)
    codes = [g.code for g in ds.grids.values()]
    assert len(set(codes)) == len(codes)
    for g in ds.grids.values():
        assert re.fullmatch(r"\d{15}", g.code) and g.code.startswith(g.unit_code)
        assert g.code[12:] != "000"


def test_unit_tiling(demo):
    ds, _ = demo
    geoms = np.asarray([u.geometry for u in ds.units.values()], dtype=object)
    assert all(shapely.is_valid(geoms))
    assert shapely.coverage_is_valid(geoms)
    assert abs(shapely.area(ds.street.geometry) - shapely.area(geoms).sum()) < AREA_TOL * 1e3
    assert shapely.union_all(geoms).symmetric_difference(ds.street.geometry).area < AREA_TOL
    for r in ds.responsibility_grids.values():
        members = [u.geometry for u in ds.units.values() if u.responsibility_grid == r.code]
        assert shapely.union_all(members).symmetric_difference(r.geometry).area < AREA_TOL


def _defect_grids(defects, rule=None) -> set[str]:
    return {c for d in defects if rule is None or d.rule == rule for c in d.grids}


def test_grid_coverage_per_unit(demo):
    ds, defects = demo
    broken = _defect_grids([d for d in defects if d.rule in ("overlap", "gap",
                                                             "unit-crossing")])
    for code, unit in ds.units.items():
        grids = ds.grids_of_unit(code)
        if not grids:
            continue
        if any(g.code in broken for g in grids):
            continue
        geoms = np.asarray([g.geometry for g in grids], dtype=object)
        assert all(shapely.is_valid(geoms)), code
        edges = shapely.coverage_invalid_edges(geoms)
        assert all(e.is_empty for e in edges), code
        assert shapely.union_all(geoms).symmetric_difference(unit.geometry).area < AREA_TOL, code


def test_global_coverage_valid_apart_from_defects(demo):
    """Grids of neighbouring units share vertices too (no spurious sliver warnings)."""
    ds, defects = demo
    broken = _defect_grids([d for d in defects if d.rule in ("overlap", "gap",
                                                             "unit-crossing")])
    geoms = np.asarray([g.geometry for g in ds.grids.values() if g.code not in broken],
                       dtype=object)
    assert shapely.coverage_is_valid(geoms)


def test_listed_topology_defects_are_real(demo):
    ds, defects = demo
    by_code = {g.code: g for g in ds.grids.values()}
    for d in defects:
        if d.rule == "overlap":
            a, b = (by_code[c].geometry for c in d.grids)
            assert shapely.intersection(a, b).area > 50
        elif d.rule == "gap":
            unit = ds.units[d.unit].geometry
            covered = shapely.union_all([g.geometry for g in ds.grids_of_unit(d.unit)])
            assert unit.difference(covered).area > 50
        elif d.rule == "unit-crossing":
            g = by_code[d.grids[0]]
            assert g.geometry.difference(ds.units[d.unit].geometry).area > 50


def test_grids_within_units(demo):
    ds, defects = demo
    crossing = _defect_grids(defects, "unit-crossing")
    reshaped = _defect_grids(defects)  # overlap/gap edges are rounded to 1 mm: below min area
    for g in ds.grids.values():
        outside = g.geometry.difference(ds.units[g.unit_code].geometry).area
        if g.code in crossing:
            assert outside > 50
        else:
            limit = ds.settings.min_area_m2 / 10 if g.code in reshaped else AREA_TOL
            assert outside < limit, (g.code, outside)


def test_categories_and_attributes(demo):
    ds, defects = demo
    cat = Catalogue.default()
    out_of_band = _defect_grids(defects, "households-range")
    for g in ds.grids.values():
        unit = ds.units[g.unit_code]
        assert cat.is_allowed(g.category, unit.unit_type), (g.code, g.category)
        assert g.departments == cat.default_departments(g.category)
        assert g.name.endswith("微网格")
        assert set(g.four_bounds) == {"east", "south", "west", "north"}
        assert all(v.startswith("至") for v in g.four_bounds.values())
        assert g.created <= g.updated and g.created.startswith("2023-")
        if cat.needs_households(g.category):
            if g.code in out_of_band:
                assert not 300 <= g.households <= 500
            else:
                assert 300 <= g.households <= 500, (g.code, g.households)
            assert abs(g.population - 2.6 * g.households) < 0.2 * g.households
    xq = Counter(g.category for g in ds.grids.values() if ds.units[g.unit_code].unit_type == "小区")
    assert xq.most_common(1)[0][0] == "小区" and len(xq) >= 3


def test_no_grid_boundary_cuts_a_building(demo):
    ds, defects = demo
    cut = _defect_grids(defects, "building-cut")
    buildings = ds.base("buildings").geometries
    tree = shapely.STRtree(buildings)
    grids = list(ds.grids.values())
    bounds = shapely.boundary(np.asarray([g.geometry for g in grids], dtype=object))
    gi, bi = tree.query(bounds, predicate="crosses")
    # a clean overlap/gap edge runs along open space, so only the listed grids may cut
    cutting = {grids[i].code for i in gi}
    assert cutting == cut


def test_buildings_and_villager_groups(demo):
    ds, _ = demo
    b = ds.base("buildings")
    assert len(b) > 1000
    assert all(isinstance(a["households"], int) and a["floors"] >= 1 for a in b.attributes)
    homes = [a for a in b.attributes if a["name"].endswith("号楼")]
    high = [a["households"] for a in homes if a["floors"] == 18]
    assert high and 100 <= min(high) and max(high) <= 200
    mid = [a["households"] for a in homes if a["floors"] == 6]
    assert mid and 24 <= min(mid) and max(mid) <= 72
    water = shapely.union_all(ds.base("water").geometries)
    assert not any(shapely.intersects(b.geometries, water))
    vg = ds.base("villager_groups")
    for geom, attr in zip(vg.geometries, vg.attributes, strict=True):
        unit = ds.units[attr["unit_code"]]
        assert unit.unit_type in ("农村", "农场")
        assert geom.difference(unit.geometry).area < AREA_TOL
        assert re.search(r"第\d+(村民小组|生产队)$", attr["name"])
    # 村组 grids follow villager groups: each group lies in exactly one grid
    tree = shapely.STRtree(vg.geometries)
    for g in ds.grids.values():
        if g.category != "村组":
            continue
        for j in tree.query(g.geometry, predicate="intersects"):
            inter = shapely.intersection(vg.geometries[j], g.geometry).area
            assert inter < 1e-3 or abs(inter - vg.geometries[j].area) < 1e-3


def test_jiemian_units_inside_one_committee(demo):
    ds, defects = demo
    crossing = {d.unit for d in defects if d.rule == "unit-committee-crossing"}
    com = ds.base("committees")
    for u in ds.units.values():
        if u.unit_type != "街面":
            continue
        inside = [a["name"] for g, a in zip(com.geometries, com.attributes, strict=True)
                  if u.geometry.difference(g).area < 1e-3]
        if u.code in crossing:
            assert not inside
        else:
            assert inside == [u.committee], u.code


@pytest.fixture(scope="module")
def scaled():
    return generate_with_defects(units=300)


def test_scaled_grids_per_unit(scaled):
    ds = scaled[0]
    assert len(ds.units) == 300
    assert 10 <= len(ds.grids) / len(ds.units) <= 15
    assert {g.unit_code for g in ds.grids.values()} == set(ds.units)  # gridded=1.0 by default
    assert 15 <= len(ds.responsibility_grids) <= 35
    codes = [g.code for g in ds.grids.values()]
    assert len(set(codes)) == len(codes)


def test_houses_stand_in_their_villager_group(scaled):
    """Field borders that stopped at (not across) the jittered village edge were dropped as
    dangles, two fields became one face and a villager group lost its land: its houses
    stood in the next group, and grid households disagreed with the buildings."""
    ds, defects = scaled
    b, vg = ds.base("buildings"), ds.base("villager_groups")
    groups = {a["name"]: g for a, g in zip(vg.attributes, vg.geometries, strict=True)}
    pts = shapely.point_on_surface(b.geometries)
    checked = 0
    for name, p in zip(b.column("name", ""), pts, strict=True):
        m = re.fullmatch(r"(.+?)(\d+)组\d+号宅", name)
        if not m:
            continue
        home = groups.get(f"{m.group(1)}第{m.group(2)}村民小组") \
            or groups.get(f"{m.group(1)}第{m.group(2)}生产队")
        assert home is not None and home.contains(p), name
        checked += 1
    assert checked > 500
    from mapedit.rules.engine import Checker

    deliberate = {g for d in defects for g in d.grids}
    stray = [f.features for f in Checker(ds).run_full()
             if f.rule == "households-buildings-mismatch" and f.features[0] not in deliberate]
    assert stray == []


def test_bad_arguments():
    from mapedit.errors import InputError

    with pytest.raises(InputError):
        generate(units=2)
    with pytest.raises(InputError):
        generate(gridded=1.5)


def test_cli_gridded_share(tmp_path, capsys):
    """``mapedit demo --gridded``: the share of units that get grids; outside 0..1 refused."""
    from mapedit.cli import main
    from mapedit.project import Project

    out = tmp_path / "半.gpkg"
    assert main(["demo", str(out), "--units", "20", "--gridded", "0.5"]) == 0
    with Project.open(out) as p:
        share = len({g.unit_code for g in p.dataset.grids.values()}) / len(p.dataset.units)
    assert 0.3 <= share <= 0.7
    assert main(["demo", str(tmp_path / "x.gpkg"), "--gridded", "2"]) == 2
    assert "--gridded" in capsys.readouterr().err
    assert not (tmp_path / "x.gpkg").exists()


@pytest.mark.parametrize("n, text", [
    (1, "一"), (10, "十"), (12, "十二"), (20, "二十"), (99, "九十九"), (100, "一百"),
    (105, "一百零五"), (110, "一百一十"), (1001, "一千零一"), (1010, "一千零一十"),
    (2300, "二千三百"), (10000, "一万"), (10086, "一万零八十六"), (120000, "十二万"),
])
def test_chinese_number_beyond_99(n, text):
    """``mapedit demo --units 6000`` crashed: sections and teams numbered past 99."""
    from mapedit.demo.names import chinese_number

    assert chinese_number(n) == text


def test_chinese_number_refuses_nonsense():
    from mapedit.demo.names import chinese_number

    for bad in (0, -3, 1.5, True, 10 ** 8):
        with pytest.raises(ValueError):
            chinese_number(bad)


def test_scaled_city_shares_every_unit_boundary(scaled):
    """Stage 2 is noded unit by unit (a city's network at once took more memory than the
    finished data); the vertices one unit's lines add to a boundary are given to the other
    side, so units, villager groups and grids still form valid coverages across units."""
    ds, defects = scaled
    units = np.asarray([u.geometry for u in ds.units.values()], dtype=object)
    assert shapely.coverage_is_valid(units)
    assert shapely.coverage_is_valid(np.asarray(ds.base("villager_groups").geometries))
    grids = [g for g in ds.grids.values()]
    edges = shapely.coverage_invalid_edges(np.asarray([g.geometry for g in grids], dtype=object))
    broken = {g.unit_code for g, e in zip(grids, edges, strict=True) if not e.is_empty}
    assert broken <= {d.unit for d in defects} | _neighbours_of(ds, {d.unit for d in defects})


def _neighbours_of(ds, codes):
    geoms = {c: ds.units[c].geometry for c in codes}
    return {c for c, u in ds.units.items() for g in geoms.values() if u.geometry.touches(g)}
