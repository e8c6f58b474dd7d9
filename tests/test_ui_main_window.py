"""Main window behaviour on the demo street (pytest-qt, offscreen).

One project per test (built with ``mapedit.demo.generate`` + ``Project.create`` in tmp_path) so
edits in one test cannot leak into another.
"""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QFileDialog, QInputDialog, QMessageBox

from mapedit.project import Project
from mapedit.ui.main_window import MainWindow
from mapedit.ui.settings_store import SettingsStore


@pytest.fixture(scope="module")
def demo_dataset():
    from mapedit.demo import generate

    return generate()


@pytest.fixture
def project(demo_project):
    return demo_project


@pytest.fixture
def window(main_window):
    return main_window


def _band_grid(project, hh_ok: bool = True):
    """A residential grid (households band applies) whose unit is not locked."""
    ds = project.dataset
    for g in sorted(ds.grids.values(), key=lambda g: g.fid):
        unit = ds.units.get(g.unit_code)
        if unit is None or unit.locked or not ds.catalogue.needs_households(g.category):
            continue
        if not hh_ok or (g.households is not None and 300 <= g.households <= 500):
            return g
    raise AssertionError("demo has no residential grid")


def _rules_of(project, fid):
    return {f.rule for f in project.findings if fid in f.fids and not f.accepted}


def test_select_from_tree_selects_on_map_and_in_form(window, project):
    g = _band_grid(project)
    tree = window.unit_tree
    unit_item = tree._unit_items[g.unit_code]
    unit_item.setExpanded(True)  # grid rows are created lazily on expand
    item = tree._grid_items[g.fid]
    tree.tree.setCurrentItem(item)
    assert window.selection == [g.fid]
    assert set(window.canvas.selection()) == {g.fid}
    assert window.attributes.name.text() == g.name
    assert window.attributes.households.text() == str(g.households)
    assert window.current_unit == g.unit_code
    assert project.dataset.units[g.unit_code].name in window.unit_label.text()


def test_select_from_map_selects_in_tree(window, project):
    g = _band_grid(project)
    window.canvas.gridClicked.emit(g.fid, False)
    assert window.selection == [g.fid]
    assert window.unit_tree.selected_fids() == [g.fid]
    assert window.attributes.code.text() == g.code
    other = next(x for x in project.dataset.grids_of_unit(g.unit_code) if x.fid != g.fid)
    window.canvas.gridClicked.emit(other.fid, True)  # Ctrl/Shift-click adds
    assert set(window.selection) == {g.fid, other.fid}
    assert set(window.unit_tree.selected_fids()) == {g.fid, other.fid}
    assert "2" in window.attributes.header.text()  # "已选择 2 个微网格"
    assert not window.attributes.households.isEnabled()


def test_edit_households_updates_findings_and_undo(window, project):
    g = _band_grid(project)
    assert "households-range" not in _rules_of(project, g.fid)
    window.select_grids([g.fid])
    before_rows = len(window.findings.finding_items())
    window.attributes.households.setText("50")
    window.attributes.households.editingFinished.emit()
    assert project.dataset.grids[g.fid].households == 50
    assert "households-range" in _rules_of(project, g.fid)
    texts = [i.text(0) for i in window.findings.finding_items()]
    # out of the band, and 50 no longer matches the households of the grid's buildings
    assert "households-buildings-mismatch" in _rules_of(project, g.fid)
    assert len(texts) == before_rows + 2
    assert window.undo_stack.count() == 1
    assert "户数" in window.undo_stack.undoText()
    window.undo_stack.undo()
    assert project.dataset.grids[g.fid].households == g.households
    assert "households-range" not in _rules_of(project, g.fid)
    assert len(window.findings.finding_items()) == before_rows
    assert window.attributes.households.text() == str(g.households)
    window.undo_stack.redo()
    assert project.dataset.grids[g.fid].households == 50
    # the change is in the file, not only in memory
    reopened = Project.open(project.path)
    try:
        assert reopened.dataset.grids[g.fid].households == 50
    finally:
        reopened.close()


@pytest.mark.parametrize("text", ["-5", "12.5", "abc", "三百"])
def test_invalid_households_refused_inline(window, project, text):
    g = _band_grid(project)
    window.select_grids([g.fid])
    window.attributes.households.setText(text)
    window.attributes.households.editingFinished.emit()
    assert window.undo_stack.count() == 0
    assert project.dataset.grids[g.fid].households == g.households
    assert "整数" in window.attributes.message.text()
    assert not window.attributes.message.isHidden()


def test_fullwidth_digits_accepted(window, project):
    g = _band_grid(project)
    window.select_grids([g.fid])
    window.attributes.households.setText("４２０")
    window.attributes.households.editingFinished.emit()
    assert project.dataset.grids[g.fid].households == 420


def test_category_combobox_only_offers_allowed(window, project):
    ds = project.dataset
    g = _band_grid(project)
    window.select_grids([g.fid])
    combo = window.attributes.category
    unit_type = ds.units[g.unit_code].unit_type
    offered = [combo.itemData(i) for i in range(combo.count())]
    allowed = [c.name for c in ds.catalogue.allowed(unit_type)]
    assert offered == allowed
    forbidden = [c.name for c in ds.catalogue.categories.values() if c.name not in allowed]
    assert forbidden and not set(forbidden) & set(offered)
    # the tooltip explains the seed's 划分原则 (this assertion used to end in "or True")
    i = offered.index(g.category)
    principle = ds.catalogue.get(g.category).principle
    assert principle and combo.itemData(i, Qt.ItemDataRole.ToolTipRole).startswith(principle)


def test_category_change_fills_default_departments_in_one_step(window, project):
    ds = project.dataset
    g = _band_grid(project)
    window.select_grids([g.fid])
    combo = window.attributes.category
    target = next(i for i in range(combo.count()) if combo.itemData(i) not in (g.category, None))
    new_cat = combo.itemData(target)
    combo.setCurrentIndex(target)
    combo.activated.emit(target)
    after = ds.grids[g.fid]
    assert after.category == new_cat
    assert after.departments == ds.catalogue.default_departments(new_cat)
    assert window.attributes.current_departments() == after.departments
    assert window.undo_stack.count() == 1
    window.undo_stack.undo()
    assert ds.grids[g.fid].category == g.category
    assert ds.grids[g.fid].departments == g.departments


def test_layers_panel_binds_to_the_layer_stack(window, project):
    """Ticking a box or moving a layer changes ``dataset.layers`` (which the canvas and the
    project follow); the names are the layers' labels in the interface language."""
    panel = window.layers
    stack = project.dataset.layers
    assert panel.list.count() == len(stack)
    assert [panel.list.item(i).data(Qt.ItemDataRole.UserRole)
            for i in range(panel.list.count())] == list(reversed(stack.ids()))  # top first
    item = panel.list.item(0)
    name = item.data(Qt.ItemDataRole.UserRole)
    assert window.canvas.is_layer_visible(name) and stack[name].visible
    item.setCheckState(Qt.CheckState.Unchecked)
    assert not stack[name].visible and not window.canvas.is_layer_visible(name)
    item.setCheckState(Qt.CheckState.Checked)
    assert stack[name].visible and window.canvas.is_layer_visible(name)
    # labels are Chinese, not internal names
    assert [panel.list.item(i).text() for i in range(panel.list.count())] == \
        [stack[i].label("zh") for i in reversed(stack.ids())]
    assert all(not panel.list.item(i).text().isascii() for i in range(panel.list.count()))
    panel.list.setCurrentRow(1)
    moved = panel.current_layer()
    panel.up.click()
    assert stack.ids()[-1] == moved and panel.current_layer() == moved
    assert window.canvas.layer_item(moved).zValue() == max(
        window.canvas.layer_item(n).zValue() for n in window.canvas.layer_names())
    panel.opacity.setValue(40)
    assert stack[moved].opacity == pytest.approx(0.4)
    # a change made elsewhere (the store reloading settings, a script) shows in the panel
    stack.set_visible(moved, False)
    assert panel.item_for(moved).checkState() == Qt.CheckState.Unchecked


def test_accept_finding_as_exception(window, project, monkeypatch):
    g = _band_grid(project)
    window.select_grids([g.fid])
    window.attributes.households.setText("50")
    window.attributes.households.editingFinished.emit()
    finding = next(f for f in project.findings
                   if f.rule == "households-range" and g.fid in f.fids)
    monkeypatch.setattr(QInputDialog, "getText",
                        staticmethod(lambda *a, **k: ("老年公寓,户数确实少", True)))
    window.findings.acceptRequested.emit(finding)
    current = next(f for f in project.findings if f.key == finding.key)
    assert current.accepted
    assert project.summary()["warnings"] == 0 or "households-range" not in \
        _rules_of(project, g.fid)
    texts = [i.text(0) for i in window.findings.finding_items()]
    assert any("已接受例外" in t for t in texts)
    window.undo_stack.undo()
    assert not next(f for f in project.findings if f.key == finding.key).accepted


def test_click_finding_selects_its_grids(window, project):
    g = _band_grid(project)
    window.select_grids([g.fid])
    window.attributes.households.setText("900")
    window.attributes.households.editingFinished.emit()
    window.select_grids([])
    item = next(i for i in window.findings.finding_items()
                if g.fid in i.data(0, Qt.ItemDataRole.UserRole)[1].fids)
    window.findings.tree.setCurrentItem(item)
    window.findings._on_click(item)
    assert window.selection == [g.fid]
    assert set(window.canvas.selection()) == {g.fid}


def test_delete_grid_and_undo(window, project):
    g = _band_grid(project)
    window.select_grids([g.fid])
    window.act_delete.trigger()
    assert g.fid not in project.dataset.grids
    assert window.selection == []
    window.undo_stack.undo()
    assert project.dataset.grids[g.fid].code == g.code


def test_locked_unit_refuses_edit_with_a_notice_not_a_dialog(window, project, monkeypatch):
    """The project refuses an edit in a locked unit; the clerk reads why over the map (no
    modal dialog to click away), and no undo step is left."""
    from mapedit.model.changes import edit_attributes

    g = _band_grid(project)
    window.select_grids([g.fid])
    window.act_lock.trigger()
    assert project.dataset.units[g.unit_code].locked
    assert not window.attributes.households.isEnabled()
    dialogs = []
    for name in ("critical", "warning", "information"):
        monkeypatch.setattr(QMessageBox, name, staticmethod(lambda *a, **k: dialogs.append(a)))
    assert window.controller.push_changeset(edit_attributes(g, households=1)) is None
    assert not dialogs
    assert window.notice.isVisible() and "锁定" in window.notice.text()
    assert project.dataset.grids[g.fid].households == g.households
    assert window.undo_stack.count() == 1  # only the lock
    window.undo_stack.undo()
    assert not project.dataset.units[g.unit_code].locked


def _export_dialogs(monkeypatch, out, crs_key: str = "", overwrite: bool = True,
                    fmt: str = "geojson", profile: str = "platform", encoding: str = ""):
    """Fill in the export dialog (format ``fmt``, ``profile`` — a built-in name or a file —,
    coordinate system ``crs_key``, folder ``out``) and answer its questions: go on despite
    errors, ``overwrite`` when asked to replace files. Returns the texts the clerk was shown
    (the dialog's check summary first)."""
    from mapedit.ui.export_dialog import ExportDialog

    asked: list[str] = []

    def answer(*args, **kwargs):
        asked.append(args[2])
        if "替换" in args[2]:
            return QMessageBox.StandardButton.Yes if overwrite else QMessageBox.StandardButton.No
        return QMessageBox.StandardButton.Yes

    def fill(dlg):
        asked.append(dlg.summary.text())
        dlg.format.setCurrentIndex(dlg.format.findData(fmt))
        if profile.endswith(".json"):
            assert dlg.use_profile_file(profile)
        else:  # chosen every time: the dialog starts with the last export's choices
            i = next(i for i in range(dlg.profile.count())
                     if dlg.profile.itemData(i) == f"builtin:{profile}")
            dlg.profile.setCurrentIndex(i)
            dlg._profile_crs()
        if crs_key:
            dlg.crs.setCurrentIndex(dlg.crs.findData(crs_key))
        if encoding:
            assert dlg.encoding.isEnabled()
            dlg.encoding.setCurrentText(encoding)
        dlg.folder.setText(str(out))
        assert dlg.buttons.button(dlg.buttons.StandardButton.Ok).isEnabled()
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(QMessageBox, "warning", staticmethod(answer))
    monkeypatch.setattr(QMessageBox, "question", staticmethod(answer))
    monkeypatch.setattr(QMessageBox, "information", staticmethod(lambda *a, **k: None))
    monkeypatch.setattr(ExportDialog, "exec", fill)
    return asked


def test_export_via_file_action(window, project, tmp_path, monkeypatch):
    out = tmp_path / "export"
    out.mkdir()
    asked = _export_dialogs(monkeypatch, out, "wgs84")
    window.act_export.trigger()
    assert asked and "错误" in asked[0]  # the check summary came first
    units = json.loads((out / "units.geojson").read_text(encoding="utf-8"))
    grids = json.loads((out / "grids.geojson").read_text(encoding="utf-8"))
    assert len(units["features"]) == len(project.dataset.units)
    assert len(grids["features"]) == len(project.dataset.grids)
    assert "coordinate_system" not in grids  # WGS84 is the contract's default
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["check"]["forced"] is True  # past the demo's errors, after asking
    assert any("强制导出" in t for t in asked)


def test_export_offers_coordinate_systems_and_asks_before_replacing(window, tmp_path,
                                                                    monkeypatch):
    out = tmp_path / "export"
    out.mkdir()
    (out / "grids.geojson").write_text("the clerk's earlier export", encoding="utf-8")
    asked = _export_dialogs(monkeypatch, out, "gcj02", overwrite=False)
    assert window.export_geojson() is False
    assert any("替换" in t and "grids.geojson" in t for t in asked)
    assert (out / "grids.geojson").read_text(encoding="utf-8") == "the clerk's earlier export"
    assert not (out / "units.geojson").exists()
    asked = _export_dialogs(monkeypatch, out, "gcj02", overwrite=True)
    assert window.export_geojson() is True
    grids = json.loads((out / "grids.geojson").read_text(encoding="utf-8"))
    assert grids.get("coordinate_system", "").lower().replace("-", "") == "gcj02"


def test_export_cancelled_when_errors_and_clerk_says_no(window, project, tmp_path, monkeypatch):
    assert project.summary()["errors"] > 0, "the demo street is meant to contain errors"
    _export_dialogs(monkeypatch, tmp_path / "out")
    monkeypatch.setattr(QMessageBox, "warning",
                        staticmethod(lambda *a, **k: QMessageBox.StandardButton.No))
    assert window.export_geojson() is False
    assert not (tmp_path / "out").exists()  # nothing written


def test_shortcuts_shown_in_tooltips(window):
    assert window.act_open.shortcut().toString()
    assert "Ctrl+E" in window.act_export.toolTip()
    assert "Ctrl+Z" in window.act_undo.toolTip()
    assert "Home" in window.act_full.toolTip()
    assert window.act_delete.shortcut().toString() in ("Del", "Delete")


def test_status_bar_coordinates_and_summary(window, project):
    ext = project.dataset.extent()
    x, y = (ext[0] + ext[2]) / 2, (ext[1] + ext[3]) / 2
    window.canvas.cursorMoved.emit(x, y)
    text = window.coord_label.text()
    assert "米" in text and "°E" in text and "°N" in text
    s = project.summary()
    assert f"错误 {s['errors']}" in window.summary_button.text()


def test_unit_tree_progress_columns(window, project):
    tree = window.unit_tree
    code = next(iter(sorted(project.dataset.units)))
    item = tree._unit_items[code]
    grids = project.dataset.grids_of_unit(code)
    assert item.text(1) == str(len(grids))
    assert item.text(3) == str(sum(g.households or 0 for g in grids))
    assert 0.0 <= float(item.text(2)) <= 100.0


def test_household_chart_follows_unit(window, project):
    g = _band_grid(project)
    window.dock_households.show()
    window.dock_households.raise_()  # a tab of its own on a small screen
    window.select_grids([g.fid])
    chart = window.households
    assert chart.unit_code == g.unit_code
    assert len(chart.values) == len(project.dataset.grids_of_unit(g.unit_code))
    window.attributes.households.setText("50")
    window.attributes.households.editingFinished.emit()
    from mapedit.ui.panels.households import OUT_OF_BAND

    assert OUT_OF_BAND in chart.brushes


@pytest.fixture
def exchange_dir(tmp_path, demo_dataset):
    from mapedit.io.exchange import write_exchange

    out = tmp_path / "exchange"
    write_exchange(demo_dataset, out)
    return out


def test_new_from_units_then_import_grids(window, project, exchange_dir, tmp_path, monkeypatch):
    from mapedit.ui.files import NewProjectDialog

    infos = []
    monkeypatch.setattr(QMessageBox, "information",
                        staticmethod(lambda *a, **k: infos.append(a[2]) or
                                     QMessageBox.StandardButton.Ok))
    new_path = tmp_path / "新项目.gpkg"
    monkeypatch.setattr(NewProjectDialog, "ask", classmethod(
        lambda cls, *a, **k: (str(exchange_dir / "units.geojson"), str(new_path))))
    window.act_new.trigger()
    assert window.project is not project
    assert window.project.path == new_path and new_path.exists()
    assert len(window.project.dataset.units) == len(project.dataset.units)
    assert not window.project.dataset.grids
    assert window.settings.recent_files()[0].endswith("新项目.gpkg")

    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(exchange_dir / "grids.geojson"), "")))
    window.act_import.trigger()
    n = len(project.dataset.grids)
    assert len(window.project.dataset.grids) == n
    assert infos and str(n) in infos[-1]
    assert window.unit_tree._unit_items  # tree rebuilt with progress
    window.undo_stack.undo()  # the whole import is one undo step
    assert not window.project.dataset.grids


def test_new_project_dialog_says_which_unit_types_exist(qtbot, tmp_path):
    """Where the clerk chooses the units file, the dialog says what it must hold, including
    every allowed unit_type; OK waits for both files."""
    from PySide6.QtWidgets import QDialogButtonBox

    from mapedit.model.hierarchy import UNIT_TYPES
    from mapedit.ui.files import NewProjectDialog

    dlg = NewProjectDialog(None, str(tmp_path))
    qtbot.addWidget(dlg)
    assert "unit_type" in dlg.help.text()
    assert all(t in dlg.help.text() for t in UNIT_TYPES)
    ok = dlg.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled()
    dlg.source.setText(str(tmp_path / "units.geojson"))
    dlg.target.setText(str(tmp_path / "街道"))
    assert ok.isEnabled()
    assert dlg.paths() == (str(tmp_path / "units.geojson"), str(tmp_path / "街道.gpkg"))


@pytest.mark.parametrize("internal", [False, True])
def test_new_project_errors_do_not_claim_a_save(window, tmp_path, monkeypatch, internal):
    """A bad units file is the file's problem (said with the allowed unit types); a bug is an
    internal error — and neither claims that anything was saved when nothing was created."""
    from mapedit.ui import files
    from mapedit.ui.files import NewProjectDialog

    src = tmp_path / "units.geojson"
    src.write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {"code": "310118005001", "name": "甲",
                                          "unit_type": "居住区"},
        "geometry": {"type": "Polygon", "coordinates": [[[121.1, 31.1], [121.101, 31.1],
                                                          [121.101, 31.101], [121.1, 31.1]]]},
    }]}, ensure_ascii=False), encoding="utf-8")
    dst = tmp_path / "新.gpkg"
    monkeypatch.setattr(NewProjectDialog, "ask", classmethod(lambda cls, *a, **k: (str(src),
                                                                                   str(dst))))
    if internal:
        def boom(*a, **k):
            raise RuntimeError("boom")
        monkeypatch.setattr("mapedit.project.dataset_from_units", boom)
        monkeypatch.setattr("mapedit.io.exchange.read_units",
                            lambda *a, **k: ([], "EPSG:4549", []))
    shown = []
    monkeypatch.setattr(QMessageBox, "critical",
                        staticmethod(lambda parent, title, text, *a: shown.append(text)))
    before = window.project
    assert files.ProjectFiles.new_from_units(window.files) is False
    assert shown and "没有创建项目文件" in shown[0] and "已经保存" not in shown[0]
    assert ("内部错误" in shown[0]) == internal
    if not internal:
        assert "小区" in shown[0] and "居住区" in shown[0]
    assert not dst.exists() and window.project is before


def test_open_recent_file(window, project, tmp_path, monkeypatch, demo_dataset):
    other = Project.create(tmp_path / "other.gpkg", demo_dataset)
    other.close()
    window.settings.add_recent_file(tmp_path / "other.gpkg")
    window.menu_recent.aboutToShow.emit()
    acts = [a for a in window.menu_recent.actions() if "other.gpkg" in a.text()]
    assert acts
    acts[0].trigger()
    assert window.project.path.name == "other.gpkg"


def test_language_choice_is_stored_for_restart(window, monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "information",
                        staticmethod(lambda *a, **k: shown.append(a[2])))
    try:
        window.act_lang_en.trigger()
        assert window.settings.language() == "en"
        assert shown and "重新启动" in shown[0] and "restart" in shown[0]
    finally:
        window.settings.set_language("zh_CN")


def test_window_layout_persists(qtbot, project):
    s = SettingsStore()
    w = MainWindow(project, s)
    qtbot.addWidget(w)
    w.show()
    w.dock_households.hide()
    w.close()
    w2 = MainWindow(None, SettingsStore())
    qtbot.addWidget(w2)
    w2.show()
    assert not w2.dock_households.isVisible()
    w2.dock_households.show()
    w2.close()
