"""The project controller: one push path, one refusal behaviour, one refresh per change, the
full check in the background (the map is usable at once, edits made meanwhile are checked
when the baseline arrives), and what the edit log says about undo and redo."""

from __future__ import annotations

import threading

import pytest
from helpers_window import show_window
from PySide6.QtWidgets import QMessageBox

from mapedit.model.changes import ChangeSet, GridChange, edit_attributes
from mapedit.project import Project


@pytest.fixture
def window(main_window):
    return main_window


def _band_grid(project):
    ds = project.dataset
    for g in sorted(ds.grids.values(), key=lambda g: g.fid):
        unit = ds.units.get(g.unit_code)
        if unit is not None and not unit.locked and ds.catalogue.needs_households(g.category) \
                and g.households is not None and 300 <= g.households <= 500:
            return g
    raise AssertionError("demo has no residential grid in the band")


class Counter:
    """Counts calls of a view method (and still calls it)."""

    def __init__(self, monkeypatch, obj, name: str) -> None:
        self.n = 0
        inner = getattr(obj, name)

        def counted(*a, **k):
            self.n += 1
            return inner(*a, **k)

        monkeypatch.setattr(obj, name, counted)


def test_one_refresh_per_edit_and_per_undo(window, monkeypatch):
    """Each edit, undo and redo refreshes the views exactly once: one ``refreshed`` signal,
    one ``canvas.set_findings``, one rebuild of the findings panel (it was two of each)."""
    ctl = window.controller
    g = _band_grid(window.project)
    window.select_grids([g.fid])
    signals: list = []
    ctl.refreshed.connect(signals.append)
    canvas = Counter(monkeypatch, window.canvas, "set_findings")
    panel = Counter(monkeypatch, window.findings, "set_findings")

    def once(action) -> None:
        signals.clear()
        canvas.n = panel.n = 0
        action()
        assert (len(signals), canvas.n, panel.n) == (1, 1, 1)

    def edit() -> None:
        window.attributes.households.setText("50")
        window.attributes.households.editingFinished.emit()

    once(edit)
    assert g.fid in signals[0].fids and g.unit_code in signals[0].units
    once(window.undo_stack.undo)
    once(window.undo_stack.redo)
    once(window.act_lock.trigger)  # no grid changes: still one refresh
    once(window.undo_stack.undo)
    # a macro of several pushes (a split across two grids) is one step and one refresh
    grids = sorted(window.project.dataset.grids_of_unit(g.unit_code), key=lambda x: x.fid)[:2]

    def two_edits() -> None:
        with ctl.macro("两次修改"):
            for x in grids:
                ctl.push_changeset(edit_attributes(x, notes="批注"))

    once(two_edits)
    assert {x.fid for x in grids} <= signals[0].fids
    once(window.undo_stack.undo)
    assert window.canvas.findings() == window.project.findings


def test_every_refusal_is_one_notice_and_no_dialog(window, monkeypatch):
    """The two old push paths (a map tool's and the window's) refused differently (status
    bar vs. modal dialog); now any refusal is the same notice over the map."""
    g = _band_grid(window.project)
    window.controller.set_unit_locked(g.unit_code, True)
    dialogs: list = []
    for name in ("critical", "warning", "information"):
        monkeypatch.setattr(QMessageBox, name, staticmethod(lambda *a, **k: dialogs.append(a)))
    notices: list[str] = []
    window.controller.notice.connect(notices.append)
    # from a tool (through the edit context) ...
    assert window.edit_tools.ctx.push(edit_attributes(g, households=1)) is None
    # ... and from the attribute form
    window.select_grids([g.fid])
    window.attributes.editRequested.emit(edit_attributes(g, households=2))
    assert len(notices) == 2 and all("锁定" in n for n in notices) and not dialogs
    assert window.notice.isVisible() and window.notice.text().endswith(notices[-1])
    assert window.undo_stack.count() == 1  # the lock only
    assert window.project.dataset.grids[g.fid].households == g.households


def test_no_lock_check_outside_the_project():
    """The lock is checked in one place, ``Project``: the tools and the controller ask it
    (``check_editable``, or the refusal of ``apply``) and never branch on ``unit.locked``."""
    import ast
    from pathlib import Path

    import mapedit.ui as ui

    root = Path(ui.__file__).parent
    offenders = []
    for f in [*sorted((root / "tools").glob("*.py")), root / "controller.py"]:
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(node, ast.If | ast.IfExp | ast.While | ast.comprehension):
                tests = node.ifs if isinstance(node, ast.comprehension) else [node.test]
                for t in tests:
                    if any(isinstance(n, ast.Attribute) and n.attr == "locked"
                           for n in ast.walk(t)):
                        offenders.append(f"{f.name}:{t.lineno}")
    assert not offenders, offenders


@pytest.fixture
def gated_check(monkeypatch):
    """Hold the background check until the test opens the gate."""
    gate = threading.Event()
    original = Project.begin_background_check

    def begin(self, progress=None):
        job = original(self, progress)
        run = job.run

        def held() -> None:
            gate.wait(60)
            run()

        job.run = held
        return job

    monkeypatch.setattr(Project, "begin_background_check", begin)
    yield gate
    gate.set()


def test_map_and_editing_before_the_check_and_edits_checked_after(qtbot, demo_path,
                                                                 gated_check):
    """While the full check runs the map is drawn and the clerk can edit; findings appear
    when the check is done, and include the edit made meanwhile — the same findings a fresh
    full check finds."""
    from mapedit.rules.engine import Checker

    project = Project.open(demo_path)
    w = show_window(qtbot, project, size=(1400, 900), checked=False)
    ctl = w.controller
    assert ctl.checking and not project.checker_ready
    assert len(w.canvas.layer_item("grids")) == len(project.dataset.grids)  # the map is there
    assert w.check_progress.isVisible()
    assert "检查" in w.findings.summary.text() and not w.findings.finding_items()
    assert w.unit_tree._unit_items  # the tree too, error counts to come

    g = _band_grid(project)
    w.select_grids([g.fid])
    w.attributes.households.setText("50")
    w.attributes.households.editingFinished.emit()
    assert project.dataset.grids[g.fid].households == 50  # edited while the check runs
    assert not project.checker_ready

    gated_check.set()
    qtbot.waitUntil(lambda: project.checker_ready and not ctl.checking, timeout=60000)
    assert not w.check_progress.isVisible()
    fresh = {f.key for f in Checker(project.dataset).run_full()}
    assert {f.key for f in project.findings} == fresh
    assert any(f.rule == "households-range" and g.fid in f.fids for f in project.findings)
    assert w.findings.finding_items() and "错误" in w.summary_button.text()
    w.undo_stack.undo()  # edits made before the baseline undo like any other
    assert not any(f.rule == "households-range" and g.fid in f.fids for f in project.findings)
    w.close()


def test_attribute_edits_stamp_updated_and_redo_reads_as_the_edit(window):
    """``updated`` is the time of the last edit for attribute edits too; redo is logged as
    the edit itself, not as "撤销:撤销:…"."""
    project = window.project
    g = _band_grid(project)
    project.apply(ChangeSet("旧时间", "old stamp", [GridChange(g, g.replace(
        updated="2020-01-01T00:00:00+00:00"))]))
    window.select_grids([g.fid])
    window.attributes.name.setText(g.name + "(新)")
    window.attributes.name.editingFinished.emit()
    assert project.dataset.grids[g.fid].updated > "2020-01-01T00:00:00+00:00"
    window.undo_stack.undo()
    assert project.dataset.grids[g.fid].updated == "2020-01-01T00:00:00+00:00"
    window.undo_stack.redo()
    log = project.store.edit_log(3)
    texts = [r["description"] for r in log] + [r["description_en"] for r in log]
    assert log[0]["description"] == log[2]["description"]  # redo reads as the edit
    assert log[1]["description"].startswith("撤销:")
    assert not [t for t in texts if "撤销:撤销" in t or "undo: undo" in t], texts


def test_inverse_of_an_inverse_reads_as_the_original():
    from mapedit.model.hierarchy import MicroGrid

    g = MicroGrid("310118005001001", "一号", "小区", fid=1)
    cs = ChangeSet("修改名称", "rename", [GridChange(g, g.replace(name="二号"))])
    undo = cs.inverse()
    assert (undo.zh, undo.en) == ("撤销:修改名称", "undo: rename")
    redo = undo.inverse()
    assert (redo.zh, redo.en) == ("修改名称", "rename")
    assert redo.changes[0].after.name == "二号"
    assert (redo.inverse().zh, redo.inverse().en) == ("撤销:修改名称", "undo: rename")
