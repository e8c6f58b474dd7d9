"""Benchmark of the rule checker on a city-sized dataset (issue 12 targets, printed not asserted).

    python benchmarks/bench_check.py [--units 3000] [--rounds 3] [--hog] [--threads on|off]
                                     [--synthetic] [--no-incremental]

For each round, in the same process and the same minute:

* ``coverage_is_valid``: ``shapely.coverage_is_valid`` over all grids (wall and CPU);
* ``GEOS reference``: that, plus for each unit ``unit − union(its grids)`` — the bare GEOS work
  any checker of these rules must at least do (CPU);
* ``full check``: a fresh ``Checker(ds).run_full()`` (wall, and CPU of all threads:
  ``time.process_time``).

Targets: full-check CPU ≤ GEOS reference CPU; full-check wall ≤ 3 × coverage_is_valid wall
with one core busy elsewhere (``--hog`` runs a CPU-bound process beside the benchmark for the
whole run, as a street office PC with other work has). Then incremental re-check medians after
moving one vertex and after splitting one grid (target < 5 ms), and peak memory of the process
(``ru_maxrss``) with the per-grid figure.

On a shared 2-core machine single runs vary by ±15 %: the script prints every round and the
median and best of the ratios, which are what the targets are about.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time

import numpy as np
import shapely

HOG = "import time\nend = time.time() + 3600\nwhile time.time() < end:\n    pass\n"


def synthetic(units: int, seed: int = 0):
    """Square units × ~12 Voronoi grids each, far from the origin (EPSG:4549)."""
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


def timed(fn):
    """(result, wall seconds, CPU seconds of the whole process, all threads)."""
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w, time.process_time() - c


def geos_reference(ds) -> None:
    """coverage_is_valid over all grids + each unit minus the union of its grids."""
    geoms = np.array([g.geometry for g in ds.grids.values()], dtype=object)
    shapely.coverage_is_valid(geoms)
    by_unit: dict[str, list] = {}
    for g in ds.grids.values():
        by_unit.setdefault(g.unit_code, []).append(g.geometry)
    for code, unit in ds.units.items():
        members = by_unit.get(code)
        if members:
            shapely.difference(unit.geometry, shapely.union_all(members))


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--units", type=int, default=3000)
    p.add_argument("--synthetic", action="store_true", help="own dataset, not the demo")
    p.add_argument("--repeat", type=int, default=30)
    p.add_argument("--rounds", type=int, default=3,
                   help="full checks (each beside its own reference runs)")
    p.add_argument("--hog", action="store_true",
                   help="run a CPU hog process beside the benchmark (one core busy elsewhere)")
    p.add_argument("--threads", choices=("on", "off"), default="on")
    p.add_argument("--no-incremental", action="store_true")
    a = p.parse_args(argv)

    from mapedit.rules.engine import Checker

    t = time.perf_counter()
    if a.synthetic:
        ds = synthetic(a.units)
        src = "synthetic"
    else:
        from mapedit.demo import generate

        ds = generate(units=a.units, seed=0)
        src = "demo"
    print(f"dataset ({src}): {len(ds.units)} units, {len(ds.grids)} grids, "
          f"{len(ds.base('buildings') or [])} buildings, built in {time.perf_counter() - t:.1f} s")
    rss_data = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    hog = None
    if a.hog:
        hog = subprocess.Popen([sys.executable, "-c", HOG])
        time.sleep(0.5)
        print(f"CPU hog running beside the benchmark (pid {hog.pid}; {os.cpu_count()} cores)")
    try:
        geoms = np.array([g.geometry for g in ds.grids.values()], dtype=object)
        rows = []
        for r in range(a.rounds):
            _, cov_w, cov_c = timed(lambda: shapely.coverage_is_valid(geoms))
            _, ref_w, ref_c = timed(lambda: geos_reference(ds))
            c = Checker(ds, threads=a.threads == "on")
            found, full_w, full_c = timed(c.run_full)
            rows.append((cov_w, cov_c, ref_c, full_w, full_c))
            print(f"round {r + 1}: coverage_is_valid {cov_w:.3f} s wall; GEOS reference "
                  f"{ref_c:.3f} s CPU; full check {full_w:.3f} s wall, {full_c:.3f} s CPU  →  "
                  f"wall {full_w / cov_w:.2f}× coverage_is_valid, CPU {full_c / ref_c:.2f}× "
                  "reference")
        s = c.summary()
        wall_ratio = [f / v for v, _, _, f, _ in rows]
        cpu_ratio = [fc / rc for _, _, rc, _, fc in rows]
        med = statistics.median
        print(f"coverage_is_valid: {med([r[0] for r in rows]):.3f} s wall (median)")
        print(f"GEOS reference:    {med([r[2] for r in rows]):.3f} s CPU (median)")
        print(f"full check:        {med([r[3] for r in rows]):.3f} s wall, "
              f"{med([r[4] for r in rows]):.3f} s CPU (median; {len(found)} findings: "
              f"{s['errors']} errors, {s['warnings']} warnings)")
        print(f"wall / coverage_is_valid: {med(wall_ratio):.2f}× median, {min(wall_ratio):.2f}× "
              f"best (target ≤ 3×{' with the hog' if a.hog else ', run with --hog'})")
        print(f"CPU / GEOS reference:     {med(cpu_ratio):.2f}× median, {min(cpu_ratio):.2f}× "
              "best (target ≤ 1×)")
    finally:
        if hog is not None:
            hog.kill()
            hog.wait()

    if not a.no_incremental:
        incremental(ds, c, a.repeat)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"peak memory (process, incl. dataset): {peak:.0f} MB; after building the dataset "
          f"{rss_data:.0f} MB; {peak * 1024 / len(ds.grids):.1f} KB per grid overall")
    sys.stdout.flush()


def incremental(ds, c, repeat: int) -> None:
    rng = np.random.default_rng(1)
    fids = sorted(ds.grids)
    moves, splits = [], []
    for _ in range(repeat):
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
    for _ in range(repeat):
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
          f"(max {max(moves) * 1000:.1f}; target < 5 ms)")
    print(f"incremental, split one grid:  median {statistics.median(splits) * 1000:.1f} ms "
          f"(max {max(splits) * 1000:.1f}; target < 5 ms)")


if __name__ == "__main__":
    main()
