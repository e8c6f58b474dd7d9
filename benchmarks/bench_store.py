"""The project store at city scale: create (with and without R-tree indexes), open, load time and
memory per grid, one edit, catching up with another program's edit, migration, and GDAL's
spatial filter with and without the index.

Targets (issues 10 and 12): creation of ``--units 3000`` well under the 60 s of ``mapedit demo``;
``mapedit info`` < 3 s; load memory part of the < 8 KB per grid budget; edits in milliseconds.
Figures are printed, with ratios against a reference measured in the same run (the same file
written without indexes); nothing is asserted.

    python benchmarks/bench_store.py [--units 3000] [--edits 40]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

_RSS_CHILD = r"""
import gc, os, sys, time
def rss():
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')
from mapedit.io.gpkg import GpkgStore
import mapedit.io.gpkg_geom, shapely, numpy  # imports are not the dataset
store = GpkgStore.open(sys.argv[1], migrate=False)
gc.collect(); before = rss(); t = time.perf_counter()
if sys.argv[2] == 'grids':
    data = store._load_grids(store.conn); n = len(data)
else:
    data = store.load(); n = len(data.grids)
dt = time.perf_counter() - t
gc.collect(); after = rss()
print(after - before, n, dt)
"""


def _rss_load(path: Path, mode: str) -> tuple[float, int, float]:
    """Resident memory a fresh process gains by loading (bytes), grids, seconds."""
    if not Path("/proc/self/statm").exists():
        return float("nan"), 0, float("nan")
    out = subprocess.run([sys.executable, "-c", _RSS_CHILD, str(path), mode],
                         capture_output=True, text=True, check=True)
    delta, n, secs = out.stdout.split()
    return float(delta), int(n), float(secs)


def _time(fn, repeat: int = 1) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=3000)
    ap.add_argument("--edits", type=int, default=40)
    args = ap.parse_args()

    import shapely
    from pyogrio.raw import read

    from mapedit.demo import generate
    from mapedit.io import gpkg as gpkg_mod
    from mapedit.io.gpkg import GpkgStore
    from mapedit.model.changes import ChangeSet, GridChange

    t = time.perf_counter()
    ds = generate(units=args.units)
    n_base = sum(len(ly.data) for ly in ds.layers.of_kind("vector") if ly.data is not None)
    print(f"generate(units={args.units}): {time.perf_counter() - t:.1f} s — {len(ds.units)} "
          f"units, {len(ds.grids)} micro-grids, {n_base} base features")

    with tempfile.TemporaryDirectory(prefix="mapedit bench store ") as tmp:
        tmpd = Path(tmp)
        plain, indexed = tmpd / "无索引.gpkg", tmpd / "有索引.gpkg"
        with mock.patch.object(gpkg_mod, "has_rtree_module", lambda conn: False):
            t_plain = _time(lambda: GpkgStore.create(plain, ds).close())
        t_index = _time(lambda: GpkgStore.create(indexed, ds).close())
        print(f"create: {t_index:.1f} s with R-tree indexes, {t_plain:.1f} s without "
              f"(index cost {t_index - t_plain:.1f} s, ratio {t_index / t_plain:.2f}); file "
              f"{indexed.stat().st_size / 1e6:.0f} MB vs {plain.stat().st_size / 1e6:.0f} MB")

        def info() -> None:
            with GpkgStore.open(indexed, migrate=False) as s:
                s.meta(), s.counts(), s.facts()
        print(f"open + counts + facts (mapedit info): {_time(info, 3) * 1000:.0f} ms "
              "(target < 3 s)")

        delta, n, secs = _rss_load(indexed, "all")
        g_delta, _, g_secs = _rss_load(indexed, "grids")
        print(f"load: {secs:.2f} s, +{delta / 1e6:.0f} MB = {delta / n / 1e3:.1f} KB per grid "
              f"(all layers; the grids alone {g_secs:.2f} s, +{g_delta / 1e6:.0f} MB = "
              f"{g_delta / n / 1e3:.1f} KB per grid)")

        migrated = tmpd / "迁移.gpkg"  # copies before anything opens (and migrates) them
        migrated.write_bytes(plain.read_bytes())

        def edits(path: Path) -> list[float]:
            times = []
            with GpkgStore.open(path, migrate=False) as s:
                grids = s.load().grids
                fids = list(grids)[:: max(1, len(grids) // args.edits)][: args.edits]
                for fid in fids:
                    g = grids[fid]
                    new = g.replace(geometry=shapely.affinity.translate(g.geometry, 0.5, 0.5))
                    t = time.perf_counter()
                    s.write_changes(ChangeSet("移动", "move", [GridChange(g, new)]))
                    times.append(time.perf_counter() - t)
            return times
        e_index, e_plain = edits(indexed), edits(plain)
        print(f"one edit (move a grid, one transaction, fsync): "
              f"{statistics.median(e_index) * 1000:.1f} ms median with the index, "
              f"{statistics.median(e_plain) * 1000:.1f} ms without")

        with GpkgStore.open(indexed) as a, GpkgStore.open(indexed) as b:
            a.load()
            grids = b.load().grids
            g = grids[next(iter(grids))]
            b.write_changes(ChangeSet("改名", "rename", [GridChange(g, g.replace(name="x"))]))
            t_part = _time(lambda: a.changes_since(a.seen_revision), 3)
            t_full = _time(lambda: a.changes_since(-1))
        print(f"catch up with another program's edit: {t_part * 1000:.1f} ms "
              f"(a full reload instead: {t_full:.2f} s)")

        t_mig = _time(lambda: GpkgStore.open(migrated).close())
        print(f"migration of the file without indexes (builds them): {t_mig:.1f} s")

        b = ds.extent()
        cx, cy = (b[0] + b[2]) / 2, (b[1] + b[3]) / 2
        bbox = (cx - 1000, cy - 1000, cx + 1000, cy + 1000)

        def gdal(path: Path, layer: str) -> int:
            return len(read(path, layer=layer, bbox=bbox, read_geometry=True)[2])
        for layer in ("micro_grids", "base_buildings"):
            n_i = gdal(indexed, layer)
            ti = _time(lambda lay=layer: gdal(indexed, lay), 3)
            tp = _time(lambda lay=layer: gdal(plain, lay), 3)
            print(f"GDAL spatial filter 2 km × 2 km on {layer} ({n_i} features): "
                  f"{ti * 1000:.0f} ms indexed vs {tp * 1000:.0f} ms without "
                  f"(×{tp / ti:.1f} faster)")


if __name__ == "__main__":
    main()
