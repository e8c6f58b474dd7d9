"""Time the demo generator at city scale, and the CLI around it when it exists.

Targets (issue 3): ``mapedit demo big.gpkg --units 3000`` under 60 s on a 2-core machine and
``mapedit info big.gpkg`` under 3 s. This script prints figures; it does not assert, so it can
run on slower machines without failing CI.

    python benchmarks/bench_demo.py [--units 3000]
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _run(cmd: list[str]) -> tuple[float, int, str]:
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, encoding="utf-8")
    return time.perf_counter() - t, proc.returncode, (proc.stderr or proc.stdout).strip()[-300:]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=3000)
    args = ap.parse_args()

    from mapedit.demo import generate

    t = time.perf_counter()
    ds = generate(units=args.units)
    dt = time.perf_counter() - t
    layers = ", ".join(f"{k} {len(v)}" for k, v in ((ly.id, ly.data) for ly in ds.layers.of_kind("vector")))
    print(f"generate(units={args.units}): {dt:.1f} s (target well under 40 s) — "
          f"{len(ds.units)} units, {len(ds.grids)} micro-grids "
          f"({len(ds.grids) / len(ds.units):.1f} per unit), {layers}")

    has_cli = importlib.util.find_spec("mapedit.cli") is not None and \
        importlib.util.find_spec("mapedit.project") is not None
    if not has_cli:
        print("mapedit.cli / mapedit.project not present yet: CLI timings skipped")
        return
    exe = shutil.which("mapedit")
    base = [exe] if exe else [sys.executable, "-m", "mapedit"]
    with tempfile.TemporaryDirectory(prefix="mapedit bench ") as tmp:
        out = Path(tmp) / "演示 big.gpkg"
        secs, rc, msg = _run(base + ["demo", str(out), "--units", str(args.units)])
        size = out.stat().st_size / 1e6 if out.exists() else 0.0
        print(f"mapedit demo --units {args.units}: {secs:.1f} s (target < 60 s), exit {rc}, "
              f"{size:.0f} MB" + (f" — {msg}" if rc else ""))
        if rc == 0:
            secs, rc, msg = _run(base + ["info", str(out)])
            print(f"mapedit info: {secs:.2f} s (target < 3 s), exit {rc}"
                  + (f" — {msg}" if rc else ""))


if __name__ == "__main__":
    main()
