"""Screenshots of the main window on the demo street, for review and the README.

Saved to ``build/screenshots/`` (not committed): ``main_full.png`` at full extent and
``main_unit.png`` zoomed to a unit that has findings, with one of its grids selected.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mapedit.project import Project
from mapedit.ui.main_window import MainWindow
from mapedit.ui.settings_store import SettingsStore

OUT = Path(__file__).resolve().parent.parent / "build" / "screenshots"


@pytest.fixture
def window(qtbot, tmp_path):
    from mapedit.demo import generate

    project = Project.create(tmp_path / "demo.gpkg", generate())
    w = MainWindow(project, SettingsStore())
    qtbot.addWidget(w)
    w.resize(1600, 1000)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.close()


def _settle(qtbot) -> None:
    qtbot.wait(200)


def test_screenshots(window, qtbot):
    OUT.mkdir(parents=True, exist_ok=True)
    window.zoom_full()
    _settle(qtbot)
    full = OUT / "main_full.png"
    assert window.grab().save(str(full))
    assert full.stat().st_size > 20_000

    project = window.project
    errors: dict[str, int] = {}
    for f in project.findings:
        if f.unit and f.severity == "error" and f.fids:
            errors[f.unit] = errors.get(f.unit, 0) + 1
    assert errors, "the demo street is meant to contain mistakes to find"
    unit = max(errors, key=lambda c: (errors[c], c))
    finding = next(f for f in project.findings if f.unit == unit and f.fids)
    window.unit_tree.select_unit(unit)
    window.select_grids(finding.fids[:1])
    window.zoom_unit(unit)
    window.dock_findings.raise_()
    window.findings.only_unit.setChecked(True)
    _settle(qtbot)
    path = OUT / "main_unit.png"
    assert window.grab().save(str(path))
    assert path.stat().st_size > 20_000
