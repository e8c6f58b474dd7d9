"""Saving a large import off the GUI thread (issue 11 follow-up).

Before: ``Project.add_layer`` — one store transaction of seconds for 180,000 buildings or a
36 Mpx image — ran on the GUI thread (the window froze), and the store's one sqlite3
connection had no lock, so a write from a worker and an edit on the GUI thread could share
one transaction (the edit committing half a layer, or failing with "cannot start a
transaction within a transaction"). Now the store serialises every use of its connection; a
long write marks it busy and anything else is refused quickly with a clear message; the
dialog writes in a worker with progress and puts the layer into the stack afterwards on the
GUI thread; the project's own write is never taken for another program's; and a base layer
added restarts the background check (before, the findings stayed empty until the project
was reopened)."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest

from mapedit.io.gpkg import GpkgStore
from mapedit.io.store import StoreBusyError
from mapedit.model.changes import edit_attributes
from mapedit.model.layers import VECTOR, BaseLayer, Layer
from mapedit.project import Project
from mapedit.ui.basemap.jobs import Cancelled


def _copy_of_buildings(project, layer_id: str = "survey_2024") -> Layer:
    b = project.dataset.base("buildings")
    data = BaseLayer(layer_id, b.geometries.copy(), [dict(a) for a in b.attributes])
    return Layer(id=layer_id, kind=VECTOR, name="2024 楼栋普查", role="buildings", data=data)


def _free_grid(project):
    ds = project.dataset
    return next(g for g in sorted(ds.grids.values(), key=lambda g: g.fid)
                if not ds.units[g.unit_code].locked)


def _integrity(path) -> str:
    conn = sqlite3.connect(str(path))
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def test_an_edit_during_a_long_layer_write_is_refused_quickly_and_nothing_mixes(demo_path):
    project = Project.open(demo_path)
    try:
        layer = _copy_of_buildings(project)
        n = len(layer.data)
        grid = _free_grid(project)
        in_write, release = threading.Event(), threading.Event()
        seen: list[float] = []

        def progress(f: float) -> None:
            seen.append(f)
            if f >= 0.5 and not in_write.is_set():  # half the rows inserted: hold there
                in_write.set()
                release.wait(20)

        errors: list[BaseException] = []

        def work() -> None:
            try:
                project.write_layer(layer, who="王小明", progress=progress)
            except BaseException as exc:  # noqa: BLE001 - checked below
                errors.append(exc)

        worker = threading.Thread(target=work)
        worker.start()
        assert in_write.wait(30)
        # an edit on this thread meanwhile: refused at once, clearly, and nothing written
        t0 = time.perf_counter()
        with pytest.raises(StoreBusyError) as refused:
            project.apply(edit_attributes(grid, name="写入时的修改"), who="王小明")
        assert time.perf_counter() - t0 < 5
        assert "后台保存" in refused.value.zh and "2024 楼栋普查" in refused.value.zh
        assert "in the background" in refused.value.en
        assert project.dataset.grids[grid.fid].name != "写入时的修改"
        with pytest.raises(StoreBusyError):
            project.set_unit_locked(grid.unit_code, True, who="王小明")
        # the outside-change check never waits for it, and finds nothing
        t0 = time.perf_counter()
        assert project.store.changed_elsewhere() is False
        assert time.perf_counter() - t0 < 0.2
        release.set()
        worker.join(60)
        assert not errors, errors
        assert seen[-1] == 1.0 and seen == sorted(seen)
        assert layer.id not in project.dataset.layers  # the dataset is the caller's thread's
        project.layer_written(layer)
        assert layer.id in project.dataset.layers
        # our own write is not another program's: nothing to reload, and edits go on
        assert project.store.changed_elsewhere() is False
        project.apply(edit_attributes(grid, name="写入后的修改"), who="王小明")
        log = project.store.edit_log(5)
        added = next(e for e in log if e["action"] == "layer_add")
        assert added["who"] == "王小明" and added["code"] == layer.id
    finally:
        project.close()
    assert _integrity(demo_path) == "ok"
    with Project.open(demo_path) as again:
        assert len(again.dataset.layers[layer.id].data) == n
        assert again.dataset.grids[grid.fid].name == "写入后的修改"


def test_a_cancelled_layer_write_is_rolled_back(demo_path):
    project = Project.open(demo_path)
    try:
        layer = _copy_of_buildings(project)
        before = project.store.revision()

        def progress(f: float) -> None:
            if f > 0.4:
                raise Cancelled()

        with pytest.raises(Cancelled):
            project.write_layer(layer, who="王小明", progress=progress)
        assert project.store.revision() == before and not project.store.busy
        # the store is usable at once; the same layer can be written afterwards
        project.add_layer(layer, who="王小明")
    finally:
        project.close()
    store = GpkgStore.open(demo_path)
    try:
        tables = {r[0] for r in store.conn.execute(
            "SELECT name FROM sqlite_master WHERE name LIKE 'base_survey_2024%'")}
        assert "base_survey_2024" in tables
        assert store.load().layers[layer.id].data is not None
    finally:
        store.close()


def test_the_add_layer_dialog_writes_in_the_background_with_progress(
        qtbot, main_window, tmp_path, monkeypatch):
    """The clerk adds a buildings Shapefile in the editor: while the project is written the
    window keeps running (its timers fire, the progress bar moves), an edit made meanwhile is
    refused with a notice that says why, the outside-change check finds nothing; afterwards
    the layer is on the map, the edit log names the clerk, and the findings come back
    (checked again in the background)."""
    from test_ui_basemap import _gbk_buildings, _previewed, _shot

    import mapedit.io.gpkg as gpkg_module
    from mapedit.ui.basemap.add_layer import AddLayerDialog
    from mapedit.ui.commands import current_user
    from mapedit.ui.settings_store import SettingsStore

    win = main_window
    project = win.controller.project
    shp = _gbk_buildings(tmp_path, project)
    in_write, release = threading.Event(), threading.Event()
    writer_threads: list[threading.Thread] = []
    real = gpkg_module.write_vector_table

    def slow_write(c, layer, *a, **kw):
        table = real(c, layer, *a, **kw)
        writer_threads.append(threading.current_thread())
        in_write.set()
        release.wait(15)  # hold the transaction as a 180,000-building write would
        return table

    monkeypatch.setattr(gpkg_module, "write_vector_table", slow_write)
    ticks: list[float] = []
    from PySide6.QtCore import QTimer

    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start(20)
    dlg = AddLayerDialog(project, SettingsStore(), win, source=str(shp))
    qtbot.addWidget(dlg)
    dlg.show()
    _previewed(qtbot, dlg)
    dlg.role_combo.setCurrentIndex(dlg.role_combo.findData("buildings"))
    _previewed(qtbot, dlg)
    undo_steps = win.controller.undo_stack.count()
    dlg.start_import()
    qtbot.waitUntil(in_write.is_set, timeout=30000)
    try:
        assert writer_threads and writer_threads[0] is not threading.main_thread(), \
            "the store transaction runs in a worker"
        n = len(ticks)
        qtbot.wait(200)
        assert len(ticks) >= n + 4, "the window's event loop runs during the write"
        assert dlg.writing() and dlg.progress.isVisible()
        assert "正在写入项目" in dlg.progress_label.text()
        _shot(dlg, tmp_path, "add_layer_writing")
        grid = _free_grid(project)
        t0 = time.perf_counter()
        assert win.controller.push_changeset(edit_attributes(grid, name="写入时")) is None
        assert time.perf_counter() - t0 < 5
        assert "后台保存" in win.notice.text()
        _shot(win, tmp_path, "edit_refused_while_writing")
        assert win.controller.undo_stack.count() == undo_steps
        assert win.controller.check_outside() is False
    finally:
        release.set()
    qtbot.waitUntil(lambda: dlg.added is not None, timeout=30000)
    timer.stop()
    layer = dlg.added
    assert layer.id in project.dataset.layers and dlg.progress.value() == 100
    assert project.dataset.grids[grid.fid].name != "写入时"
    assert win.controller.check_outside() is False  # our own write: nothing to reload
    assert "其他程序" not in win.notice.text()
    entry = next(e for e in project.store.edit_log(5) if e["action"] == "layer_add")
    assert entry["who"] == current_user() and entry["code"] == layer.id
    # the findings come back: the project is checked again in the background
    qtbot.waitUntil(lambda: win.controller.checker_ready, timeout=60000)
    assert win.controller.findings()
    # and edits work again
    assert win.controller.push_changeset(edit_attributes(grid, name="写入后")) is not None
    _shot(dlg, tmp_path, "add_layer_written")
    dlg.close()


def test_closing_the_dialog_during_the_write_cancels_it(qtbot, demo_project, tmp_path,
                                                       monkeypatch):
    """Closing the dialog while it writes rolls the write back and leaves the stack and the
    file agreeing (no layer in either)."""
    from test_ui_basemap import _dialog, _gbk_buildings, _previewed

    import mapedit.io.gpkg as gpkg_module

    project = demo_project
    shp = _gbk_buildings(tmp_path, project)
    in_write = threading.Event()
    real = gpkg_module.write_vector_table

    def slow_write(c, layer, *a, progress=None, **kw):
        def hold(f):
            if progress is not None:
                progress(f)
            if f >= 0.2:
                in_write.set()
                for _ in range(300):  # until cancelled (the progress call raises)
                    time.sleep(0.01)
                    if progress is not None:
                        progress(f)
        return real(c, layer, *a, progress=hold, **kw)

    monkeypatch.setattr(gpkg_module, "write_vector_table", slow_write)
    before = project.store.revision()
    layers_before = project.dataset.layers.ids()
    dlg = _dialog(qtbot, project, str(shp))
    _previewed(qtbot, dlg)
    dlg.start_import()
    qtbot.waitUntil(in_write.is_set, timeout=30000)
    dlg.reject()
    assert not dlg.writing() and dlg.added is None
    assert project.dataset.layers.ids() == layers_before
    assert project.store.revision() == before
    assert project.store.changed_elsewhere() is False
