"""Benchmark of the rule checker on a city-sized dataset (issue 4 targets, printed not asserted).

    python benchmarks/bench_check.py [--units 3000] [--synthetic]

Prints: full check time vs ``shapely.coverage_is_valid`` on the same grids (same run) and its
ratio (target ≤ 3× and < 3 s) for each of ``--rounds`` rounds (a fresh checker each), then
their median and best; incremental re-check medians after moving one vertex and after
splitting one grid (target < 20 ms), and peak memory (target < 1 GB).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time

import numpy as np
import shapely


def synthetic(units: int, seed: int = 0):
    """3000 square units × ~12 Voronoi grids each, far from the origin (EPSG:4549)."""
    from mapedit.model.dataset import Dataset
    from mapedit.model.hierarchy import MicroGrid, Unit

    rng = np.random.default_rng(seed)
    ds = Dataset(crs="EPSG:4549")
    side = int(np.ceil(np.sqrt(units)))
    fid = 1
    for k in range(units):
        i, j = divmod(k, side)
        x0, y0 = 500000 + i * 200.0, 3450000 + j * 200.0
        code = f"310118{k // 999 + 1:03d}{k % 999 + 1:03d}"
        u = shapely.box(x0, y0, x0 + 200, y0 + 200)
        ds.units[code] = Unit(code, f"单元{k}", "小区", u)
        pts = shapely.multipoints(rng.uniform([x0, y0], [x0 + 200, y0 + 200], (12, 2)))
        cells = shapely.intersection(shapely.get_parts(shapely.voronoi_polygons(pts, extend_to=u)), u)
        for n, c in enumerate(cells, start=1):
            ds.grids[fid] = MicroGrid(f"{code}{n:03d}", f"网格{fid}", "小区", c, code,
                                      households=400, fid=fid)
            fid += 1
    return ds


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--units", type=int, default=3000)
    p.add_argument("--synthetic", action="store_true", help="own dataset, not the demo")
    p.add_argument("--repeat", type=int, default=30)
    p.add_argument("--rounds", type=int, default=3,
                   help="full checks (each beside its own coverage_is_valid run)")
    a = p.parse_args(argv)

    from mapedit.rules.engine import Checker

    t = time.perf_counter()
    if a.synthetic:
        ds = synthetic(a.units)
        src = "synthetic"
    else:
        try:
            from mapedit.demo import generate
        except ImportError:
            from mapedit.demo.generator import generate
        try:
            ds = generate(units=a.units, seed=0)
            src = "demo"
        except Exception as exc:  # the generator is still evolving; measure something anyway
            print(f"demo generator failed ({exc!r}); using the synthetic dataset")
            ds = synthetic(a.units)
            src = "synthetic"
    print(f"dataset ({src}): {len(ds.units)} units, {len(ds.grids)} grids, "
          f"{len(ds.base('buildings') or [])} buildings, built in {time.perf_counter() - t:.1f} s")

    geoms = np.array([g.geometry for g in ds.grids.values()], dtype=object)
    covs, fulls = [], []
    for r in range(a.rounds):  # each round: the reference, then a fresh checker's full check
        t = time.perf_counter()
        shapely.coverage_is_valid(geoms)
        covs.append(time.perf_counter() - t)
        c = Checker(ds)
        t = time.perf_counter()
        found = c.run_full()
        fulls.append(time.perf_counter() - t)
        print(f"round {r + 1}: coverage_is_valid {covs[-1]:.3f} s, full check {fulls[-1]:.3f} s,"
              f" ratio {fulls[-1] / covs[-1]:.2f}x")
    s = c.summary()
    ratios = [f / v for f, v in zip(fulls, covs, strict=True)]
    t_cov, t_full = statistics.median(covs), statistics.median(fulls)
    print(f"coverage_is_valid: {t_cov:.3f} s (median; best {min(covs):.3f})")
    print(f"full check:        {t_full:.3f} s (median; best {min(fulls):.3f})  "
          f"ratio {statistics.median(ratios):.2f}x (median; best {min(ratios):.2f}x)  "
          f"({len(found)} findings: {s['errors']} errors, {s['warnings']} warnings)")

    rng = np.random.default_rng(1)
    fids = sorted(ds.grids)
    moves, splits = [], []
    for _ in range(a.repeat):
        f = int(rng.choice(fids))
        g = ds.grids[f]
        poly = shapely.get_parts(g.geometry)[0]
        ring = shapely.get_coordinates(poly.exterior)[:-1].copy()
        ring[int(rng.integers(len(ring)))] += rng.normal(0, 0.5, 2)
        moved = shapely.Polygon(np.vstack([ring, ring[:1]]))
        old = {f: g.geometry}
        ds.grids[f] = g.replace(geometry=moved)
        t = time.perf_counter()
        c.update([f], old)
        moves.append(time.perf_counter() - t)
        ds.grids[f] = g
        c.update([f], {f: moved})
    new_fid = max(fids) + 1
    for _ in range(a.repeat):
        f = int(rng.choice(fids))
        g = ds.grids[f]
        b = g.geometry.bounds
        cut = shapely.box(b[0] - 1, b[1] - 1, (b[0] + b[2]) / 2, b[3] + 1)
        left, right = g.geometry.intersection(cut), g.geometry.difference(cut)
        ds.grids[f] = g.replace(geometry=left)
        ds.grids[new_fid] = g.replace(geometry=right, fid=new_fid, code=f"{g.code}x")
        t = time.perf_counter()
        c.update([f, new_fid], {f: g.geometry, new_fid: None})
        splits.append(time.perf_counter() - t)
        ds.grids[f] = g
        del ds.grids[new_fid]
        c.update([f, new_fid], {f: left, new_fid: right})
    print(f"incremental, move one vertex: median {statistics.median(moves) * 1000:.1f} ms "
          f"(max {max(moves) * 1000:.1f})")
    print(f"incremental, split one grid:  median {statistics.median(splits) * 1000:.1f} ms "
          f"(max {max(splits) * 1000:.1f})")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"peak memory (process, incl. dataset): {peak:.0f} MB")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
