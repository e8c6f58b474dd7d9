"""Screenshots of the main window on the demo street, for review and the README, at an office
laptop's 1366×768 and a desk monitor's 1920×1080.

Saved to ``shots_dir`` (``$MAPEDIT_SCREENSHOTS`` or the test's temporary folder, never the
repository): ``main_<w>x<h>_full.png`` at full extent and ``main_<w>x<h>_unit.png`` zoomed to a
unit with findings, one of its grids selected. Each shot is checked for what a person would
notice first: a map that is not blank, panels with rows, a map that keeps most of the window
and a legend that does not cover it.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers_window import show_window
from PySide6.QtCore import QSettings
from PySide6.QtGui import QImage

from mapedit.project import Project
from mapedit.ui.canvas import style as S
from mapedit.ui.main_window import MainWindow
from mapedit.ui.settings_store import SettingsStore


@pytest.fixture
def fresh_settings(tmp_path):
    """Settings of a first start (no saved layout, no legend choice)."""
    return SettingsStore(QSettings(str(tmp_path / "fresh.ini"), QSettings.Format.IniFormat))


def _open(qtbot, tmp_path, settings, size):
    from mapedit.demo import generate

    project = Project.create(tmp_path / "demo.gpkg", generate())
    w = show_window(qtbot, project, settings, size=size)
    qtbot.wait(100)
    return w


def _pixels(img: QImage) -> np.ndarray:
    img = img.convertToFormat(QImage.Format.Format_RGB32)
    arr = np.frombuffer(img.constBits(), dtype=np.uint8)
    return arr.reshape(img.height(), img.bytesPerLine() // 4, 4)[:, :img.width(), :3]


def _map_is_drawn(w: MainWindow) -> None:
    px = _pixels(w.canvas.view.grab().toImage())
    colours = np.unique(px.reshape(-1, 3), axis=0)
    assert len(colours) > 50, "the map shows more than a few flat colours"
    bg = np.array([int(S.BACKGROUND[i:i + 2], 16) for i in (1, 3, 5)])[::-1]  # BGR in memory
    share_bg = float(np.mean(np.all(np.abs(px.astype(int) - bg) <= 2, axis=2)))
    assert share_bg < 0.85, f"{share_bg:.0%} of the map is empty background"


def _panels_have_rows(w: MainWindow) -> None:
    assert w.unit_tree.tree.topLevelItemCount() == 1
    assert len(w.unit_tree._unit_items) == len(w.project.dataset.units)
    assert w.findings.finding_items(), "the findings panel lists the demo's mistakes"
    assert w.layers.list.count() == len(w.project.dataset.layers)


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)])
def test_screenshots(qtbot, tmp_path, shots_dir, fresh_settings, size):
    w = _open(qtbot, tmp_path, fresh_settings, size)
    name = f"main_{size[0]}x{size[1]}"
    w.canvas.zoom_to_extent()
    qtbot.wait(100)
    assert w.grab().save(str(shots_dir / f"{name}_full.png"))
    _map_is_drawn(w)
    _panels_have_rows(w)

    # The map keeps most of the window; the legend does not cover it.
    map_share = w.canvas.width() / w.width()
    legend_share = (w.legend.width() * w.legend.height()) / (w.canvas.width() * w.canvas.height())
    if size[0] < 1600:
        assert map_share >= 0.55, f"map is {w.canvas.width()} px of {w.width()}"
        assert w.legend.isHidden(), "on a laptop the legend starts folded"
        assert w.legend.toggle.isVisible()
    else:
        assert map_share >= 0.5
        assert not w.legend.isHidden() and legend_share < 0.2
        for dock in (w.dock_units, w.dock_attributes, w.dock_findings, w.dock_households):
            assert not dock.visibleRegion().isEmpty(), dock.windowTitle()

    project = w.project
    errors: dict[str, int] = {}
    for f in project.findings:
        if f.unit and f.severity == "error" and f.fids:
            errors[f.unit] = errors.get(f.unit, 0) + 1
    assert errors, "the demo street is meant to contain mistakes to find"
    unit = max(errors, key=lambda c: (errors[c], c))
    finding = next(f for f in project.findings if f.unit == unit and f.fids)
    w.unit_tree.select_unit(unit)
    w.select_grids(finding.fids[:1])
    w.zoom_unit(unit)
    w.dock_findings.raise_()
    w.findings.only_unit.setChecked(True)
    qtbot.wait(100)
    assert w.grab().save(str(shots_dir / f"{name}_unit.png"))
    _map_is_drawn(w)
    assert w.attributes.code.text() == project.dataset.grids[finding.fids[0]].code
    assert {f.unit for f in w.findings._visible()} == {unit}
    w.close()
