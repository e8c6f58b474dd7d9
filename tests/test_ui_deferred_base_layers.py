"""The window opens a project without its base layers' features and reads them after the first
paint (issue 12: the map must paint in < 1.5 s; most of a city's file is buildings). These
tests hold the reading back with a gate so the window is seen in the state between: painted,
editable, refusing clearly whatever needs the buildings or roads, and checking everything,
including the edits made meanwhile, once the features are in. A project closed or replaced
while its layers load never receives them."""

from __future__ import annotations

import threading

import pytest
import shapely
from helpers_window import show_window
from PySide6.QtWidgets import QApplication

from mapedit.errors import BaseLayerNotLoaded
from mapedit.io.gpkg import GpkgStore
from mapedit.model.changes import edit_attributes
from mapedit.model.geometry_ops import delete_grid, split_grid_by_road
from mapedit.project import Project
from mapedit.ui.main_window import MainWindow


@pytest.fixture
def gate(monkeypatch):
    """Base layers are read only once ``gate.set()`` is called (in the worker thread)."""
    event = threading.Event()
    real = GpkgStore.read_base_layers
    calls: list[list[str]] = []

    def held(self, ids):
        calls.append(list(ids))
        assert event.wait(60), "the test opened the gate"
        return real(self, ids)

    monkeypatch.setattr(GpkgStore, "read_base_layers", held)
    event.calls = calls  # type: ignore[attr-defined]
    yield event
    event.set()  # never leave a worker waiting


def _open_window(qtbot, path) -> MainWindow:
    return show_window(qtbot, Project.open(path, defer_base_layers=True), size=(1400, 900),
                       checked=False)


def _wait_loaded(qtbot, w: MainWindow) -> None:
    qtbot.waitUntil(lambda: not w.project.dataset.loading(), timeout=30000)


def _grid_in_unit_with_buildings(project):
    ds = project.dataset
    for g in sorted(ds.grids.values(), key=lambda g: g.fid):
        if not ds.units[g.unit_code].locked and g.geometry is not None \
                and g.geometry.area > 2000:
            return g
    raise AssertionError("the demo has an editable grid")


def test_cli_paths_open_with_every_layer(demo_path):
    """Only the window defers: check, export, sheets and the rest read everything."""
    with Project.open(demo_path) as p:
        assert not p.dataset.loading() and not p.base_loading
        assert p.dataset.base("buildings") is not None
        assert p.begin_base_load() is None


def test_window_paints_then_features_arrive_then_the_check_runs(qtbot, demo_path, gate,
                                                                 shots_dir):
    w = _open_window(qtbot, demo_path)
    ds = w.project.dataset
    assert ds.loading() and ds.layers.not_loaded("buildings"), "opened without the buildings"
    assert w.controller.checking and not w.controller.checker_ready
    assert ds.base_loaded("buildings") is None
    with pytest.raises(BaseLayerNotLoaded):
        w.project.begin_background_check()  # never a check without the buildings
    # the map is painted: the grids are there, in more than one colour
    QApplication.processEvents()
    img = w.canvas.grab()
    img.save(str(shots_dir / "deferred_loading.png"))
    qi = img.toImage()
    colours = {qi.pixel(x, y) for x in range(0, qi.width(), 7) for y in range(0, qi.height(), 7)}
    assert len(colours) > 20, "the map is drawn"
    started = []
    w.controller.checkingChanged.connect(started.append)
    gate.set()
    _wait_loaded(qtbot, w)
    assert len(gate.calls) == 1, "read once, in the background"
    assert ds.base("buildings") is not None and len(ds.base("buildings")) > 100
    assert w.controller.wait_for_check()
    assert w.controller.findings() is not None and w.controller.summary() is not None
    assert w.controller.checker_ready and not w.controller.checking
    with Project.open(demo_path) as fresh:  # the same findings as a check of the file
        assert sorted(f.key for f in w.controller.findings()) == \
            sorted(f.key for f in fresh.findings)


def test_actions_needing_base_layers_are_refused_while_they_load(qtbot, demo_path, gate):
    from mapedit.ui.tools.households import show_households

    w = _open_window(qtbot, demo_path)
    ds = w.project.dataset
    g = _grid_in_unit_with_buildings(w.project)
    # households from buildings: a clear refusal, no dialog with a sum over no buildings
    assert show_households(w.edit_tools.ctx, [g.fid], w, modal=False) is None
    text = w.notice.text()
    assert "仍在载入" in text or "still loading" in text, text
    # the attribute form shows no computed sum meanwhile
    w.controller.select_grids([g.fid], "command")
    QApplication.processEvents()
    assert w.attributes.computed_households is None
    assert w.attributes.households_computed.isHidden()
    # splitting along a road and splitting at all (households are shared out by buildings)
    with pytest.raises(BaseLayerNotLoaded) as exc:
        split_grid_by_road(ds, g.fid, 0)
    assert "仍在载入" in exc.value.zh and "still loading" in exc.value.en
    x, y = g.geometry.representative_point().coords[0]
    w.edit_tools.tool_actions["split_road"].trigger()
    w.notice.hide()
    assert w.edit_tools.active is not None and w.edit_tools.active.name == "split_road"
    n = len(ds.grids)
    w.edit_tools.active.mouse_press(x, y)
    assert "仍在载入" in w.notice.text() or "still loading" in w.notice.text()
    assert len(ds.grids) == n
    # editing that does not need them goes on
    assert w.controller.push_changeset(edit_attributes(g, name=g.name + "甲")) is not None
    gate.set()
    _wait_loaded(qtbot, w)
    assert show_households(w.edit_tools.ctx, [g.fid], w, modal=False) is not None


def test_edits_before_the_check_is_ready_are_checked_when_it_is(qtbot, demo_path, gate):
    w = _open_window(qtbot, demo_path)
    ds = w.project.dataset
    g = _grid_in_unit_with_buildings(w.project)
    assert w.controller.push_changeset(delete_grid(ds, g.fid)) is not None  # opens a gap
    assert g.fid not in ds.grids
    gate.set()
    assert w.controller.wait_for_check()
    keys = sorted(f.key for f in w.controller.findings())
    with Project.open(demo_path) as fresh:  # the edit was saved: a full check of the file
        assert keys == sorted(f.key for f in fresh.findings)
    gap = [f for f in w.controller.findings()
           if f.location is not None and shapely.intersects(f.location, g.geometry)]
    assert gap, "the deleted grid's hole is found"


def test_a_project_replaced_while_loading_drops_the_job(qtbot, demo_path, gate, tmp_path):
    w = _open_window(qtbot, demo_path)
    old = w.project
    job = w.controller._load
    assert job is not None
    other = tmp_path / "other.gpkg"
    other.write_bytes(demo_path.read_bytes())
    w.controller.set_project(Project.open(other))  # fully loaded: no base load of its own
    assert w.controller._load is None
    gate.set()
    qtbot.waitUntil(lambda: job.done, timeout=30000)
    for _ in range(5):
        QApplication.processEvents()
    assert old.dataset.loading(), "the replaced project never received the features"
    assert w.project is not old and not w.project.dataset.loading()
    assert w.controller.wait_for_check()


def test_a_project_closed_while_loading_drops_the_job(qtbot, demo_path, gate):
    w = _open_window(qtbot, demo_path)
    old = w.project
    job = w.controller._load
    w.controller.set_project(None)
    assert not w.controller.checking
    gate.set()
    qtbot.waitUntil(lambda: job.done, timeout=30000)
    for _ in range(5):
        QApplication.processEvents()
    assert old.dataset.loading()
    assert w.controller.project is None
