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

Prints every round, the medians and the ratio mapedit / GDAL (target ≤ 1).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def timed(cmd: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t


def gdal_export(project: Path, out: Path) -> float:
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    total = 0.0
    for layer, name in (("units", "units.geojson"), ("micro_grids", "grids.geojson")):
        total += timed(["ogr2ogr", "-f", "GeoJSON", "-t_srs", "EPSG:4326",
                        "-lco", "COORDINATE_PRECISION=7", str(out / name), str(project), layer])
    return total


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

    cold = timed(mapedit("export", str(copy), str(work / "cold"), "--force"))
    print(f"mapedit export without a current check summary (full check first): {cold:.2f} s")
    subprocess.run(mapedit("check", str(copy)), stdout=subprocess.DEVNULL)
    gdal, ours = [], []
    for r in range(1, a.rounds + 1):
        g = gdal_export(copy, work / "gdal")
        m = timed(mapedit("export", str(copy), str(work / "mapedit"), "--force"))
        gdal.append(g)
        ours.append(m)
        print(f"round {r}: GDAL {g:.2f} s, mapedit export {m:.2f} s, ratio {m / g:.2f}")
    gm, mm = statistics.median(gdal), statistics.median(ours)
    size = sum(f.stat().st_size for f in (work / "mapedit").iterdir()) / 1e6
    print(f"median: GDAL {gm:.2f} s, mapedit export {mm:.2f} s ({size:.0f} MB written), "
          f"ratio {mm / gm:.2f} (target ≤ 1); best ratio {min(ours) / min(gdal):.2f}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
