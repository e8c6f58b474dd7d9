"""Edit benchmark: incremental check plus canvas refresh after one edit (a script, not a test).

On the ``--units 3000`` demo (~35,000 grids) stored as a project, each round makes one edit
with the geometry ops the tools use — move a shared vertex, split a grid with a line — and
times what the clerk waits for after letting go of the mouse:

* ``apply``: ``Project.apply`` (one SQLite transaction + in-memory update + incremental check),
  with the checker's own share reported as ``check``;
* ``refresh``: ``canvas.refresh_grids`` for the touched grids, ``canvas.set_findings`` with the
  checker's new list, and the repaint Qt then makes of the shown (offscreen) view at unit
  scale — the events are processed until the view has painted, and the painted part of the
  viewport is reported: items mark only what changed, so that is a partial repaint;
* ``check+refresh``: the issue's target, median < 50 ms.

For comparison, ``full render`` is one render of the whole view into an image (what every
repaint cost before repaints were limited to the changed area); it is not part of the target.

The edit is undone (inverse applied) after each round so every round edits the same data.

    python benchmarks/bench_edit.py [--units 3000] [--rounds 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("MAPEDIT_SETTINGS_SCOPE", "test")

import numpy as np  # noqa: E402
import shapely  # noqa: E402

TARGET_MS = 50.0


def shared_vertices(ds, limit: int, seed: int = 0) -> list[tuple[float, float]]:
    """Vertices shared by two grids of one unit, away from the unit boundary."""
    rng = np.random.default_rng(seed)
    fids = list(ds.grids)
    geoms = np.asarray([ds.grids[f].geometry for f in fids], dtype=object)
    tree = shapely.STRtree(geoms)
    order = rng.permutation(len(fids))
    out = []
    for i in order:
        g = ds.grids[fids[i]]
        unit = ds.units.get(g.unit_code)
        if unit is None:
            continue
        for x, y in shapely.get_coordinates(g.geometry)[:-1]:
            p = shapely.Point(x, y)
            if unit.geometry.boundary.distance(p) < 20:
                continue
            near = [j for j in tree.query(p, predicate="intersects") if j != i
                    and ds.grids[fids[j]].unit_code == g.unit_code]
            if near:
                out.append((float(x), float(y)))
                break
        if len(out) >= limit:
            break
    return out


def crossing_line(g) -> list[tuple[float, float]]:
    px, py = g.geometry.representative_point().coords[0]
    x0, _, x1, _ = g.geometry.bounds
    cut = g.geometry.intersection(shapely.LineString([(x0 - 50, py), (x1 + 50, py)]))
    part = min(shapely.get_parts(cut), key=lambda p: p.distance(shapely.Point(px, py)))
    a, b = shapely.get_coordinates(part)[[0, -1]]
    lo, hi = (a, b) if a[0] < b[0] else (b, a)
    return [(lo[0] - 1.0, py), (hi[0] + 1.0, py)]


def load_demo(generate, units: int, cache: Path | None):
    """The demo dataset, from ``cache`` when it holds one (iterating on a benchmark should not
    wait for the generator every time)."""
    import pickle

    if cache is not None and cache.exists():
        with cache.open("rb") as fh:
            return pickle.load(fh)
    ds = generate(units=units)
    if cache is not None:
        with cache.open("wb") as fh:
            pickle.dump(ds, fh, protocol=pickle.HIGHEST_PROTOCOL)
    return ds


class Timer:
    """Wraps ``checker.update`` to time the incremental check inside ``Project.apply``."""

    def __init__(self, checker) -> None:
        self.checker = checker
        self.inner = checker.update
        self.last = 0.0
        checker.update = self

    def __call__(self, *args, **kwargs):
        t = time.perf_counter()
        try:
            return self.inner(*args, **kwargs)
        finally:
            self.last = (time.perf_counter() - t) * 1000.0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=3000)
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--cache", type=Path, default=None,
                    help="pickle of the generated demo: loaded when present, else written "
                         "(generating the 3000-unit demo takes a while)")
    args = ap.parse_args(argv)

    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QApplication

    from mapedit.demo import generate
    from mapedit.errors import MapeditError
    from mapedit.model.geometry_ops import move_vertex, split_grid
    from mapedit.project import Project
    from mapedit.ui.canvas import MapCanvas

    app = QApplication.instance() or QApplication([])
    t = time.perf_counter()
    ds = load_demo(generate, args.units, args.cache)
    print(f"demo generate(units={args.units}): {len(ds.grids)} grids, "
          f"{len(ds.units)} units ({time.perf_counter() - t:.1f} s)")
    tmp = Path(tempfile.mkdtemp(prefix="mapedit-bench-"))
    t = time.perf_counter()
    project = Project.create(tmp / "bench.gpkg", ds)
    findings = project.findings  # full check once, as opening the editor does
    print(f"project stored and fully checked: {len(findings)} findings "
          f"({time.perf_counter() - t:.1f} s)")
    ds = project.dataset
    canvas = MapCanvas()
    canvas.resize(1600, 1000)
    canvas.set_dataset(ds)
    canvas.set_findings(project.findings)
    canvas.show()
    app.processEvents()
    timer = Timer(project.checker)
    parts: list[tuple[float, float, float, float, float]] = []

    class PaintWatch(QObject):
        """Counts the viewport's paint events and the area they cover."""

        def __init__(self) -> None:
            super().__init__()
            self.paints = 0
            self.area = 0

        def eventFilter(self, obj, ev) -> bool:  # noqa: N802 - Qt API
            if ev.type() == QEvent.Type.Paint:
                self.paints += 1
                self.area += sum(r.width() * r.height() for r in ev.region())
            return False

    watch = PaintWatch()
    vp = canvas.view.viewport()
    vp.installEventFilter(watch)

    def settle() -> None:
        """Process events until the view has painted what is pending (as the event loop
        would between two mouse events)."""
        for _ in range(4):
            before = watch.paints
            app.processEvents()
            if watch.paints == before:
                break

    def round_trip(cs, where) -> tuple[float, float, float, float] | None:
        canvas.zoom_to_geometry(where, margin=3.0)
        settle()  # the full repaint after the zoom warms the caches: we time the edit
        t0 = time.perf_counter()
        applied = project.apply(cs)
        t1 = time.perf_counter()
        check = timer.last
        canvas.refresh_grids(sorted(applied.fids))
        ta = time.perf_counter()
        canvas.set_findings(project.findings)
        tb = time.perf_counter()
        watch.area = 0
        settle()
        t2 = time.perf_counter()
        share = watch.area / float(vp.width() * vp.height())
        tc = time.perf_counter()
        canvas.render_image()
        full = (time.perf_counter() - tc) * 1000.0
        parts.append(((ta - t1) * 1000.0, (tb - ta) * 1000.0, (t2 - tb) * 1000.0, share, full))
        project.apply(applied.inverse())
        canvas.refresh_grids(sorted(applied.fids))
        canvas.set_findings(project.findings)
        return (t1 - t0) * 1000.0, check, (t2 - t1) * 1000.0, check + (t2 - t1) * 1000.0

    results: dict[str, list[tuple[float, float, float, float]]] = {"move vertex": [],
                                                                   "split grid": []}
    op_ms: dict[str, list[float]] = {"move vertex": [], "split grid": []}
    for x, y in shared_vertices(ds, args.rounds * 3):
        if len(results["move vertex"]) >= args.rounds:
            break
        t = time.perf_counter()
        try:
            cs = move_vertex(ds, x, y, x + 1.5, y + 1.0)
        except MapeditError:
            continue
        op_ms["move vertex"].append((time.perf_counter() - t) * 1000.0)
        results["move vertex"].append(round_trip(cs, shapely.Point(x, y).buffer(50)))
    rng = np.random.default_rng(1)
    fids = list(ds.grids)
    rng.shuffle(fids)
    for fid in fids:
        if len(results["split grid"]) >= args.rounds:
            break
        g = ds.grids[fid]
        t = time.perf_counter()
        try:
            cs = split_grid(ds, fid, crossing_line(g))
        except (MapeditError, ValueError):
            continue
        op_ms["split grid"].append((time.perf_counter() - t) * 1000.0)
        results["split grid"].append(round_trip(cs, g.geometry))

    print(f"\n{'edit':<12} {'rounds':>6} {'op':>8} {'apply':>8} {'check':>8} {'refresh':>8} "
          f"{'check+refresh':>14}   (median ms; target check+refresh < {TARGET_MS:.0f})")
    ok = True
    for name, rows in results.items():
        if not rows:
            print(f"{name:<12} no edit could be made")
            ok = False
            continue
        cols = list(zip(*rows, strict=True))
        med = [statistics.median(c) for c in cols]
        worst = max(cols[3])
        flag = "ok" if med[3] < TARGET_MS else "SLOW"
        ok &= med[3] < TARGET_MS
        print(f"{name:<12} {len(rows):>6} {statistics.median(op_ms[name]):>8.1f} {med[0]:>8.1f} "
              f"{med[1]:>8.1f} {med[2]:>8.1f} {med[3]:>14.1f}   max {worst:.1f}  {flag}")
    if parts:
        cols = list(zip(*parts, strict=True))
        print(f"refresh = refresh_grids {statistics.median(cols[0]):.1f} + set_findings "
              f"{statistics.median(cols[1]):.1f} + repaint {statistics.median(cols[2]):.1f} "
              f"(1600×1000, unit scale; median ms; the repaint covered "
              f"{statistics.median(cols[3]) * 100:.0f}% of the viewport)")
        print(f"for comparison, a full render of the same view: "
              f"{statistics.median(cols[4]):.1f} ms (median)")
    project.close()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
