"""Time the paper trail on a demo street: sign-off sheets (atlas and one unit), information
table export/import, progress report (with coverage history), diff against an export.

No targets are set in issue 13; the figures say whether a street atlas is a coffee break or a
lunch break. Prints, never asserts.

    python benchmarks/bench_paper.py [--units 38] [--paper A4]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path


def timed(label: str, fn):
    t = time.perf_counter()
    out = fn()
    print(f"{label}: {time.perf_counter() - t:.2f} s")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=None, help="demo units (default: 38)")
    ap.add_argument("--paper", default="A4")
    args = ap.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from mapedit.demo import generate
    from mapedit.io.exchange import write_exchange
    from mapedit.project import Project
    from mapedit.reports.diff import diff_export
    from mapedit.reports.progress import coverage_history, progress_rows
    from mapedit.reports.xlsx_table import export_table, read_table
    from mapedit.ui.sheets.atlas import write_project_sheets

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        gpkg = tmp / "demo.gpkg"
        Project.create(gpkg, generate(units=args.units)).close()
        with Project.open(gpkg) as project:
            ds = project.dataset
            print(f"demo: {len(ds.units)} units, {len(ds.grids)} micro-grids")
            timed("full check (needed by the sheets)", lambda: project.findings)
            r = timed(f"street atlas ({args.paper})",
                      lambda: write_project_sheets(project, tmp / "atlas.pdf", None, args.paper))
            size = (tmp / "atlas.pdf").stat().st_size / 1e6
            print(f"  {r.pages} pages, {size:.1f} MB")
            unit = max(ds.units, key=lambda c: len(ds.grids_of_unit(c)))
            timed(f"one unit ({len(ds.grids_of_unit(unit))} grids)",
                  lambda: write_project_sheets(project, tmp / "u.pdf", [unit], args.paper))
            n = timed("information table, whole street", lambda: export_table(
                ds, tmp / "t.xlsx"))
            print(f"  {n} rows")
            timed("table import (read + compare)", lambda: read_table(ds, tmp / "t.xlsx"))
            log = project.store.edit_log(10_000_000)
            timed("progress rows", lambda: progress_rows(ds, project.findings, log))
            timed("coverage history", lambda: coverage_history(ds, log))
            write_exchange(ds, tmp / "exp", "wgs84", [])
            timed("diff against an export", lambda: diff_export(ds, tmp / "exp"))


if __name__ == "__main__":
    main()
