"""Regenerate ``project_c0bb6aa.sql``: a tiny project written by mapedit at commit c0bb6aa
(before ``mapedit_layers``, the change log and R-tree indexes), kept as a text dump so the
repository holds no binary. Run it with the OLD code on the path::

    git worktree add /tmp/oldver c0bb6aa
    PYTHONPATH=/tmp/oldver:/tmp/oldver/tests python3.11 tests/data/make_project_c0bb6aa.py OUT.sql

The project has the tiny test street (4 units, 12 grids, base layers), with the committees
layer left empty (an empty ``base_committees`` table, as that version wrote for every known
layer), one edit (an insert and a rename), one locked unit and one accepted finding.
"""

from __future__ import annotations

import sqlite3
import sys
import tempfile
from pathlib import Path

import numpy as np
from helpers_store_data import X0, Y0, square, tiny_dataset, unit_code

from mapedit.model.changes import ChangeSet, GridChange
from mapedit.model.hierarchy import MicroGrid
from mapedit.model.layers import BaseLayer
from mapedit.project import Project


def main(out: str) -> None:
    ds = tiny_dataset()
    ds.layers.set_data("committees", BaseLayer("committees", np.empty(0, dtype=object), []))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "old.gpkg"
        project = Project.create(path, ds)
        first = project.dataset.grids[1]
        new = MicroGrid(code=f"{unit_code(4)}001", name="农场新网格", category="村组",
                        geometry=square(X0 + 600, Y0 + 100, 50), unit_code=unit_code(4),
                        departments=["自治办"], households=320,
                        created="2024-06-01T00:00:00+00:00", updated="2024-06-01T00:00:00+00:00")
        project.apply(ChangeSet("新建并改名", "add and rename", [
            GridChange(None, new), GridChange(first, first.replace(name="改过的名字"))]),
            who="张三")
        project.set_unit_locked(unit_code(1), True)
        project.store.set_accepted("gap|310118001003", "gap", "河道,无需覆盖", who="李四")
        project.close()
        conn = sqlite3.connect(path)
        try:
            # iterdump leaves out the file header's ids; a GeoPackage needs them
            head = [f"PRAGMA application_id={conn.execute('PRAGMA application_id').fetchone()[0]};",
                    f"PRAGMA user_version={conn.execute('PRAGMA user_version').fetchone()[0]};"]
            text = "\n".join([*head, *conn.iterdump()]) + "\n"
        finally:
            conn.close()
    Path(out).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1])
