"""Benchmark of ``mapedit export`` against GDAL writing the same two layers (issue 12 target:
export ≤ the GDAL reference; printed, not asserted).

    python benchmarks/bench_export.py [PROJECT.gpkg] [--units 3000] [--rounds 3]

Without a project, makes ``mapedit demo /tmp/bench_export.gpkg --units N`` first (once; reused
when present). Then, for each of ``--rounds`` rounds and in the same run:

* GDAL: ``ogr2ogr -f GeoJSON -t_srs EPSG:4326 -lco COORDINATE_PRECISION=7`` for ``units`` and
  ``micro_grids`` (two processes, timed together);
* ``mapedit export PROJECT OUT --force`` as a process (start-up, reading, check summary,
  rounding, writing with fsync, the folder switch), with the check summary current
  (``mapedit check`` ran before, as a clerk checks before exporting).

The cold path (no current summary, so a full check first) is timed once, for information.
The project is copied first: the check summary is written into the file.

Prints every round (wall and CPU time of the processes), the medians and the ratios
mapedit / GDAL (target ≤ 1); on a shared machine the CPU ratio is the steadier figure.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed(cmd: list[str]) -> tuple[float, float]:
    """(wall, CPU) seconds of a child process; CPU is steadier on a shared machine."""
    t, c = time.perf_counter(), _children_cpu()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t, _children_cpu() - c


def gdal_export(project: Path, out: Path) -> tuple[float, float]:
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    wall = cpu = 0.0
    for layer, name in (("units", "units.geojson"), ("micro_grids", "grids.geojson")):
        w, c = timed(["ogr2ogr", "-f", "GeoJSON", "-t_srs", "EPSG:4326",
                      "-lco", "COORDINATE_PRECISION=7", str(out / name), str(project), layer])
        wall, cpu = wall + w, cpu + c
    return wall, cpu


def mapedit(*args: str) -> list[str]:
    return [sys.executable, "-m", "mapedit", *args]


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser()
    p.add_argument("project", nargs="?")
    p.add_argument("--units", type=int, default=3000)
    p.add_argument("--rounds", type=int, default=3)
    a = p.parse_args(argv)
    if shutil.which("ogr2ogr") is None:
        sys.exit("ogr2ogr (gdal-bin) is needed for the reference")
    work = Path(tempfile.mkdtemp(prefix="bench_export_"))
    if a.project:
        project = Path(a.project)
    else:
        project = Path(tempfile.gettempdir()) / f"bench_export_{a.units}.gpkg"
        if not project.exists():
            print(f"making {project} (mapedit demo --units {a.units}) ...", flush=True)
            subprocess.run(mapedit("demo", str(project), "--units", str(a.units)), check=True,
                           stdout=subprocess.DEVNULL)
    copy = work / "project.gpkg"
    shutil.copy(project, copy)  # the check summary is written into the file: not the user's

    cold, _ = timed(mapedit("export", str(copy), str(work / "cold"), "--force"))
    print(f"mapedit export without a current check summary (full check first): {cold:.2f} s")
    subprocess.run(mapedit("check", str(copy)), stdout=subprocess.DEVNULL)
    gdal, ours, gdal_cpu, ours_cpu = [], [], [], []
    for r in range(1, a.rounds + 1):
        g, gc = gdal_export(copy, work / "gdal")
        m, mc = timed(mapedit("export", str(copy), str(work / "mapedit"), "--force"))
        gdal.append(g)
        ours.append(m)
        gdal_cpu.append(gc)
        ours_cpu.append(mc)
        print(f"round {r}: GDAL {g:.2f} s (CPU {gc:.2f}), mapedit export {m:.2f} s "
              f"(CPU {mc:.2f}), ratio {m / g:.2f} (CPU {mc / gc:.2f})")
    gm, mm = statistics.median(gdal), statistics.median(ours)
    gcm, mcm = statistics.median(gdal_cpu), statistics.median(ours_cpu)
    size = sum(f.stat().st_size for f in (work / "mapedit").iterdir()) / 1e6
    print(f"median: GDAL {gm:.2f} s, mapedit export {mm:.2f} s ({size:.0f} MB written), "
          f"ratio {mm / gm:.2f} (target ≤ 1); best ratio {min(ours) / min(gdal):.2f}; "
          f"CPU ratio {mcm / gcm:.2f} ({mcm:.2f} / {gcm:.2f} s)")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
