"""A second editor window in its own process, for the change-detection tests: opens the
project, makes one change and exits.

Usage: ``python helpers_second_window.py PROJECT.gpkg ACTION [ARG ...]`` with ACTION one of
``lock UNIT``, ``accept KEY RULE REASON``, ``settings KEY VALUE``, ``rename FID NAME``,
``hide LAYER``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from mapedit.model.changes import ChangeSet, GridChange
from mapedit.project import Project


def main(argv: list[str]) -> int:
    path, action, args = Path(argv[1]), argv[2], argv[3:]
    with Project.open(path) as project:
        if action == "lock":
            project.set_unit_locked(args[0], True, who="第二个窗口")
        elif action == "accept":
            project.store.set_accepted(args[0], args[1], args[2], who="第二个窗口")
        elif action == "settings":
            from dataclasses import replace

            value = json.loads(args[1])
            project.save_settings(replace(project.dataset.settings, **{args[0]: value}),
                                  who="第二个窗口")
        elif action == "rename":
            g = project.dataset.grids[int(args[0])]
            project.apply(ChangeSet("改名", "rename", [GridChange(g, g.replace(name=args[1]))]),
                          who="第二个窗口")
        elif action == "hide":
            project.dataset.layers.set_visible(args[0], False)
        else:
            raise SystemExit(f"unknown action {action}")
    print("done", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
