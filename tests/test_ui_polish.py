"""The gaps left after the map-window and editing issues, each checked the way a clerk meets it:
one 编辑 menu in either language, households from buildings beside the entered value, the
household chart selecting grids, withdrawing an accepted exception, the English "Unit" label,
and the two toolbars (文件/视图 above 编辑) with shortcuts in their tooltips."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QFormLayout, QInputDialog

from mapedit.project import Project
from mapedit.ui import i18n
from mapedit.ui.main_window import MainWindow
from mapedit.ui.settings_store import SettingsStore

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def project(demo_project):
    return demo_project


@pytest.fixture
def window(main_window):
    return main_window


@pytest.fixture
def english(qapp):
    i18n.install("en", qapp)
    yield
    i18n.install("zh_CN", qapp)


def _menu_titles(w: MainWindow) -> list[str]:
    return [a.text().replace("&", "") for a in w.menuBar().actions()]


# -- 1. one 编辑 menu, whatever the language ---------------------------------------------------
@pytest.mark.parametrize("lang,title", [("zh_CN", "编辑(E)"), ("en", "Edit")])
def test_exactly_one_edit_menu(qtbot, qapp, lang, title):
    try:
        i18n.install(lang, qapp)
        w = MainWindow(None, SettingsStore())
        qtbot.addWidget(w)
        titles = _menu_titles(w)
        assert titles.count(title) == 1, titles
        assert len(titles) == 4  # 文件 编辑 视图 帮助, nothing added by the tools
        tools = w.edit_tools
        assert tools.menu is w.menu_edit
        assert tools.act_merge in w.menu_edit.actions()
        assert w.menu_file and w.menu_view and w.menu_help and w.menu_panels
        if lang == "en":
            # The editing toolbar speaks English too (titles come from the tool classes).
            texts = [a.text() for a in w.toolbar_edit.actions() if a.text()]
            assert not [t for t in texts if CJK.search(t)], texts
            assert tools.tool_actions["draw"].text() == "Draw grid"
    finally:
        i18n.install("zh_CN", qapp)


# -- 2. households from buildings beside the entered value -------------------------------------
def _grid_with_other_building_total(project):
    from mapedit.model.geometry_ops import households_from_buildings

    ds = project.dataset
    for g in sorted(ds.grids.values(), key=lambda g: g.fid):
        unit = ds.units.get(g.unit_code)
        if unit is None or unit.locked or not ds.catalogue.needs_households(g.category):
            continue
        value = households_from_buildings(ds, g.geometry)
        if value is not None and value != g.households:
            return g, value
    raise AssertionError("demo has no grid whose buildings disagree with its households")


def test_households_from_buildings_shown_and_adopted(window, project, qtbot):
    g, value = _grid_with_other_building_total(project)
    panel = window.attributes
    window.select_grids([g.fid])
    assert panel.households.text() == str(g.households)
    assert panel.households_computed.isVisible()
    assert panel.households_computed.text() == f"楼栋合计 {value} 户"
    assert panel.households_adopt.isVisible() and panel.households_adopt.isEnabled()
    count = window.undo_stack.count()
    qtbot.mouseClick(panel.households_adopt, Qt.MouseButton.LeftButton)
    assert project.dataset.grids[g.fid].households == value
    assert panel.households.text() == str(value)
    assert window.undo_stack.count() == count + 1  # one undoable edit
    assert "楼栋" in window.undo_stack.undoText()
    assert not panel.households_adopt.isEnabled()  # nothing left to adopt
    window.undo_stack.undo()
    assert project.dataset.grids[g.fid].households == g.households
    assert panel.households.text() == str(g.households)
    assert panel.households_adopt.isEnabled()


def test_households_from_buildings_hidden_without_buildings(qtbot, tmp_path):
    from mapedit.demo import generate

    ds = generate()
    ds.layers.remove("buildings")
    project = Project.create(tmp_path / "nob.gpkg", ds)
    w = MainWindow(project, SettingsStore())
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.select_grids([min(project.dataset.grids)])
    assert w.attributes.fid is not None
    assert not w.attributes.households_computed.isVisible()
    assert not w.attributes.households_adopt.isVisible()
    w.close()


# -- 3. the household chart selects grids -------------------------------------------------------
def _click_bar(qtbot, chart, index: int) -> None:
    vb = chart.plot.getPlotItem().getViewBox()
    height = max(float(chart.values[index]) / 2, 10.0)
    scene = vb.mapViewToScene(QPointF(index, height))
    pos = chart.plot.mapFromScene(scene)
    qtbot.mouseClick(chart.plot.viewport(), Qt.MouseButton.LeftButton, pos=pos)


def test_clicking_a_bar_selects_that_grid(window, project, qtbot):
    ds = project.dataset
    unit = max(ds.units, key=lambda c: len(ds.grids_of_unit(c)))
    window.unit_tree.select_unit(unit)
    window.set_current_unit(unit)
    window.canvas.zoom_to_unit(unit)
    chart = window.households
    assert chart.unit_code == unit and len(chart.fids) >= 3
    window.dock_households.show()
    window.dock_households.raise_()  # its tab, where the docks share one
    qtbot.wait(50)
    index = 2
    fid = chart.fids[index]
    _click_bar(qtbot, chart, index)
    assert window.selection == [fid]
    assert window.canvas.selection() == {fid}
    assert window.attributes.fid == fid
    assert window.attributes.name.text() == ds.grids[fid].name
    item = window.unit_tree.tree.currentItem()
    assert item is not None and window.unit_tree._grid_items.get(fid) is item
    assert chart.selected == {fid}
    # Outside every bar column nothing changes.
    assert chart.index_at(-0.9) is None and chart.index_at(len(chart.fids) + 0.6) is None


# -- 4. an accepted exception can be withdrawn --------------------------------------------------
def test_withdraw_accepted_exception(window, project, monkeypatch):
    finding = next(f for f in project.findings if f.fids and not f.accepted)
    monkeypatch.setattr(QInputDialog, "getText",
                        staticmethod(lambda *a, **k: ("已与居委会核实", True)))
    window.accept_finding(finding)
    window.undo_stack.clear()  # as if accepted in an earlier session: undo cannot help

    def current():
        return next(f for f in project.findings if f.key == finding.key)

    assert current().accepted
    panel = window.findings
    item = next(i for i in panel.finding_items()
                if i.data(0, Qt.ItemDataRole.UserRole)[1].key == finding.key)
    panel.tree.setCurrentItem(item)
    assert panel.unaccept_button.isEnabled() and not panel.accept_button.isEnabled()
    assert panel.unaccept_button.isVisible() and not panel.accept_button.isVisible()
    menu = panel.finding_menu(current())
    by_text = {a.text(): a for a in menu.actions()}
    assert by_text["撤销例外"].isEnabled() and not by_text["标记为例外…"].isEnabled()
    errors_before = project.summary()["errors"] + project.summary()["warnings"]

    panel.unaccept_button.click()
    assert not current().accepted
    assert finding.key not in project.store.accepted_findings()
    assert project.summary()["errors"] + project.summary()["warnings"] == errors_before + 1
    assert window.undo_stack.count() == 1 and "撤销例外" in window.undo_stack.undoText()
    assert not any("已接受例外" in i.text(0) and finding.message_zh in i.text(0)
                   for i in panel.finding_items())

    window.undo_stack.undo()  # accepted again, with the clerk's reason
    assert current().accepted and current().accept_reason == "已与居委会核实"
    window.undo_stack.redo()
    assert not current().accepted
    assert panel.accept_button.isVisible() and not panel.unaccept_button.isVisible()
    menu = panel.finding_menu(current())
    by_text = {a.text(): a for a in menu.actions()}
    assert not by_text["撤销例外"].isEnabled() and by_text["标记为例外…"].isEnabled()


# -- 5. "Unit" in the English attribute form --------------------------------------------------
def test_english_unit_label(qtbot, project, english):
    w = MainWindow(project, SettingsStore())
    qtbot.addWidget(w)
    form = w.attributes.findChild(QFormLayout)
    assert form.labelForField(w.attributes.unit).text() == "Unit"
    assert w.dock_units.windowTitle() == "Management units"  # the panel lists many
    w.select_grids([min(project.dataset.grids)])
    assert not CJK.search(w.attributes.households_adopt.text())


# -- 6. toolbars grouped like the menus, shortcuts in tooltips --------------------------------
def test_toolbars_grouped_with_shortcuts_in_tooltips(window):
    main, edit = window.toolbar, window.toolbar_edit
    assert window.tb_undo not in main.actions() and window.tb_redo not in main.actions()
    acts = [a for a in edit.actions() if not a.isSeparator()]
    assert acts[:2] == [window.tb_undo, window.tb_redo]
    assert acts[-2:] == [window.act_delete, window.act_lock]
    assert window.edit_tools.tool_actions["draw"] in acts
    assert window.toolBarBreak(edit)  # its own row: nothing hides behind "»"
    assert window.toolBarArea(edit) == window.toolBarArea(main) == Qt.ToolBarArea.TopToolBarArea
    for act in [*main.actions(), *edit.actions()]:
        if act.isSeparator():
            continue
        keys = act.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        if keys:
            assert keys in act.toolTip(), (act.text(), act.toolTip())
    assert "Ctrl+Z" in window.tb_undo.toolTip() and "Ctrl+Y" in window.tb_redo.toolTip()
    assert "Esc" in window.edit_tools.act_select.toolTip()


def test_legend_lies_inside_the_map(window, qtbot):
    window.legend.toggle.setChecked(True)
    qtbot.wait(50)
    legend, canvas = window.legend, window.canvas
    assert legend.isVisible()
    assert canvas.rect().contains(legend.geometry()), (legend.geometry(), canvas.rect())


def test_short_findings_list_is_shown_unfolded(window, project):
    ds = project.dataset
    per_unit: dict[str, int] = {}
    for f in project.findings:
        if f.unit:
            per_unit[f.unit] = per_unit.get(f.unit, 0) + 1
    unit = next(c for c, n in sorted(per_unit.items()) if n <= 12 and c in ds.units)
    window.set_current_unit(unit)
    window.findings.only_unit.setChecked(True)
    items = window.findings.finding_items()
    assert items and all(i.parent().isExpanded() and i.parent().parent().isExpanded()
                         for i in items)


def test_folded_legend_stays_folded(qtbot, project) -> None:
    settings = SettingsStore()
    settings.set_value("legend_open", "true")
    first = MainWindow(project, settings)
    qtbot.addWidget(first)
    assert first.legend.toggle.isChecked()
    first.legend.toggle.setChecked(False)
    assert first.legend.isHidden()
    second = MainWindow(project, settings)
    qtbot.addWidget(second)
    assert not second.legend.toggle.isChecked() and second.legend.isHidden()
    settings.set_value("legend_open", "true")


def test_renumber_unit_from_the_edit_menu(window, project) -> None:
    from mapedit.model.changes import ChangeSet, GridChange
    from mapedit.model.codes import number_grids

    ds = project.dataset
    code = next(c for c in ds.units if len(ds.grids_of_unit(c)) >= 3 and not ds.units[c].locked)
    grids = sorted(ds.grids_of_unit(code), key=lambda g: g.code)
    a, b = grids[0], grids[1]
    project.apply(ChangeSet("交换编号", "swap codes", [
        GridChange(a, a.replace(code=b.code)), GridChange(b, b.replace(code=a.code))]))
    window.set_current_unit(code)
    assert window.act_renumber in window.menu_edit.actions()
    window.act_renumber.trigger()
    now = ds.grids_of_unit(code)
    expected = number_grids(code, [g.geometry for g in now])
    assert [g.code for g in now] == expected
    window.undo_stack.undo()
    assert ds.grids[a.fid].code == b.code and ds.grids[b.fid].code == a.code
