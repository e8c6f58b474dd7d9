"""Scaling of the demo city and of checking it: time and peak memory of ``mapedit demo``,
``mapedit info``, ``mapedit check``, ``mapedit export`` (after the check) and of opening the
city in the window (``bench_open.py``'s round: time to first paint, peak memory of the window
through the background check) for each size (issue 12: up to 10,000 units, about
120,000 grids; check < 8 KB per grid overall, the 6,000-unit city checks in < 600 MB; check
time linear in the size).

    python benchmarks/bench_demo.py [--units 3000 6000 10000] [--keep DIR] [--no-window]

Each command runs in its own process, which reports its own peak resident memory
(``ru_maxrss``) and CPU time, so the figures are those of the command alone. Prints one table
row per size, then the ratios against the smallest size (linear: time and memory per grid stay
flat). On a machine shared with other work, wall times vary; CPU time and memory do much less.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUN = """
import json, resource, sys, time
from mapedit.cli import main
t = time.perf_counter()
try:
    code = main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
ru = resource.getrusage(resource.RUSAGE_SELF)
sys.stderr.write("\\nBENCH " + json.dumps({"code": code, "wall": time.perf_counter() - t,
                                         "cpu": ru.ru_utime + ru.ru_stime,
                                         "rss_mb": ru.ru_maxrss / 1024}) + "\\n")
"""


def run(*args: str) -> dict:
    """One mapedit command in its own process: exit code, wall and CPU seconds, peak MB."""
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", RUN, *args], capture_output=True, text=True,
                          encoding="utf-8")
    line = [ln for ln in proc.stderr.splitlines() if ln.startswith("BENCH ")]
    if not line:
        raise RuntimeError(f"mapedit {' '.join(args)} failed: {proc.stderr[-500:]}")
    out = json.loads(line[-1][6:])
    out["total_wall"] = time.perf_counter() - t
    out["stdout"] = proc.stdout
    return out


def open_window(path: Path) -> dict:
    """One round of ``bench_open.py`` (its own process): first paint, findings, peak MB."""
    script = Path(__file__).with_name("bench_open.py")
    proc = subprocess.run([sys.executable, str(script), str(path), "--one"],
                          capture_output=True, text=True, encoding="utf-8")
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode or not line:
        raise RuntimeError(f"opening {path} in the window failed: {proc.stderr[-500:]}")
    return json.loads(line[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, nargs="+", default=[3000, 6000, 10000])
    ap.add_argument("--keep", type=Path, default=None,
                    help="folder for the generated projects (default: a temporary one)")
    ap.add_argument("--no-window", action="store_true", help="skip opening in the window")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="mapedit bench ") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        rows = []
        for n in args.units:
            path = folder / f"演示 {n}.gpkg"
            demo = run("demo", str(path), "--units", str(n), "--force")
            info = run("info", str(path))
            check = run("check", str(path))
            export = run("export", str(path), str(folder / f"export {n}"), "--force")
            window = None if args.no_window else open_window(path)
            grids = next((int(ln.split(":")[1]) for ln in info["stdout"].splitlines()
                          if ln.strip().startswith("micro_grids:")), 0)
            size = path.stat().st_size / 1e6
            rows.append((n, grids, demo, info, check, size))
            opened = "" if window is None else (
                f"; window: map painted {window['first_paint']:.2f} s after it appears, "
                f"findings {window['findings']:.1f} s, peak {window['rss_mb']:.0f} MB")
            print(f"{n:>6} units, {grids:>7} grids: demo {demo['wall']:.1f} s "
                  f"({demo['cpu']:.1f} s CPU, {demo['rss_mb']:.0f} MB peak, file {size:.0f} MB); "
                  f"info {info['wall']:.2f} s; check {check['wall']:.1f} s "
                  f"({check['cpu']:.1f} s CPU, {check['rss_mb']:.0f} MB peak, "
                  f"{check['rss_mb'] * 1024 / max(grids, 1):.1f} KB per grid); export "
                  f"{export['wall']:.1f} s ({export['cpu']:.1f} s CPU, {export['rss_mb']:.0f} MB "
                  f"peak){opened}", flush=True)
        base = rows[0]
        print("\nper grid, relative to the first size (1.00 = linear):")
        for n, grids, demo, _info, check, _size in rows:
            k = grids / base[1]
            print(f"{n:>6} units: demo CPU {demo['cpu'] / base[2]['cpu'] / k:.2f}, "
                  f"demo memory {demo['rss_mb'] / base[2]['rss_mb'] / k:.2f}; "
                  f"check CPU {check['cpu'] / base[4]['cpu'] / k:.2f}, "
                  f"check memory {check['rss_mb'] / base[4]['rss_mb'] / k:.2f}")


if __name__ == "__main__":
    main()
