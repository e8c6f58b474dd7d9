"""Writer process for the crash-safety test: applies edits to a project in a loop until killed.

Usage: ``python helpers_crash_writer.py PROJECT.gpkg [MAX_EDITS]``. Edit ``i`` is one change
set that inserts grid ``崩溃测试 i`` and renames grid fid 1 to ``编辑 i``; after each commit it
prints ``done i``. The test kills this process mid-way and checks the file reflects exactly
the edits reported (or one more: committed but not yet reported), never half of one.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from helpers_store_data import X0, Y0, square, unit_code  # noqa: E402

from mapedit.model.changes import ChangeSet, GridChange  # noqa: E402
from mapedit.model.hierarchy import MicroGrid  # noqa: E402
from mapedit.project import Project  # noqa: E402


def main(argv: list[str]) -> int:
    path = Path(argv[1])
    limit = int(argv[2]) if len(argv) > 2 else 100_000
    project = Project.open(path)
    unit = unit_code(4)
    print("ready", flush=True)
    for i in range(1, limit + 1):
        x = X0 + 500 + (i % 50) * 10
        y = Y0 + (i // 50 % 50) * 10
        grid = MicroGrid(code=f"{unit}{i % 1000:03d}", name=f"崩溃测试 {i}", category="村组",
                         geometry=square(x, y, 10), unit_code=unit, departments=["自治办"],
                         households=300, created="2024-01-01T00:00:00+00:00",
                         updated="2024-01-01T00:00:00+00:00")
        first = project.dataset.grids[1]
        project.apply(ChangeSet(f"编辑 {i}", f"edit {i}", [
            GridChange(None, grid),
            GridChange(first, first.replace(name=f"编辑 {i}")),
        ]), who="crash-writer")
        print(f"done {i}", flush=True)
    project.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
