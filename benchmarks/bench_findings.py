"""Many findings benchmark: the window with tens of thousands of findings open (a messy
import), timing what the clerk waits for (a script, not a test).

A copy of the project has every third grid moved 1-3 m (seeded), which opens overlaps, gaps and
slivers everywhere (the 3,000-unit city: ~59,000 findings). The script opens it in a shown
1500×950 window, waits for the background check, then times, median over ``--rounds``:

* ``install``: the longest the event loop was held while the finished check was installed;
* ``rename``: an attribute edit of one grid pushed through the controller, until the window
  has refreshed (the findings panel, the map's findings, the unit tree);
* ``undo``: the same edit undone through the undo stack.

    mapedit demo /tmp/big.gpkg --units 3000
    python benchmarks/bench_findings.py --project /tmp/big.gpkg [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("MAPEDIT_SETTINGS_SCOPE", "test")


def messy_copy(src: Path, dst: Path, seed: int = 1) -> int:
    """``src`` copied to ``dst`` with every third grid moved 1-3 m; returns how many moved."""
    import numpy as np
    import shapely

    from mapedit.model.changes import ChangeSet, GridChange
    from mapedit.project import Project

    shutil.copy(src, dst)
    rng = np.random.default_rng(seed)
    with Project.open(dst) as p:
        changes = []
        for g in sorted(p.dataset.grids.values(), key=lambda g: g.fid)[::3]:
            dx, dy = rng.uniform(-3, 3, 2)
            changes.append(GridChange(g, g.replace(
                geometry=shapely.affinity.translate(g.geometry, dx, dy))))
        p.apply(ChangeSet("乱", "mess", changes), allow_invalid=True)
    return len(changes)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--project", required=True, type=Path)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()

    from PySide6.QtWidgets import QApplication

    from mapedit.model.changes import edit_attributes
    from mapedit.project import Project
    from mapedit.ui.main_window import MainWindow
    from mapedit.ui.settings_store import SettingsStore

    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "messy.gpkg"
        moved = messy_copy(args.project, path)
        w = MainWindow(Project.open(path, defer_base_layers=True), SettingsStore())
        w.resize(1500, 950)
        w.show()
        ctl = w.controller
        t0 = last = time.perf_counter()
        held = 0.0
        while time.perf_counter() - t0 < 600:
            app.processEvents()
            now = time.perf_counter()
            held, last = max(held, now - last), now
            if ctl.project.checker_ready and not ctl.checking:
                break
            time.sleep(0.002)
        ds = ctl.project.dataset
        n = len(ctl.findings())
        print(f"{moved} of {len(ds.grids)} grids moved: {n} findings, "
              f"checked {time.perf_counter() - t0:.1f} s after opening")
        print(f"install: the event loop held at most {held * 1000:.0f} ms")
        unit = sorted(ds.units)[len(ds.units) // 6]
        w.set_current_unit(unit)
        app.processEvents()
        g = ds.grids_of_unit(unit)[0]
        rename, undo = [], []
        for r in range(args.rounds):
            t = time.perf_counter()
            ctl.push_changeset(edit_attributes(ds.grids[g.fid], name=f"改名{r}"))
            app.processEvents()
            rename.append(time.perf_counter() - t)
            t = time.perf_counter()
            w.undo_stack.undo()
            app.processEvents()
            undo.append(time.perf_counter() - t)
        print(f"rename: {statistics.median(rename) * 1000:.0f} ms median "
              f"({min(rename) * 1000:.0f}-{max(rename) * 1000:.0f})")
        print(f"undo:   {statistics.median(undo) * 1000:.0f} ms median "
              f"({min(undo) * 1000:.0f}-{max(undo) * 1000:.0f})")
        w.close()
        ctl.project.close() if ctl.project is not None else None


if __name__ == "__main__":
    main()
