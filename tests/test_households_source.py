"""Where a grid's households came from, on every path that writes them (issue 9: "recompute
when the value came from buildings").

``MicroGrid.households_source`` decides whether a reshaping edit recomputes the count from the
buildings ("buildings") or keeps it ("entered"). Before these tests the editing operations
honoured it but nothing a clerk did set it: a value typed in the 属性 panel on a grid drawn
from the buildings was silently recomputed by the next vertex move, and 采用 / 由楼栋计算户数
left the count "entered", so it went stale after the next edit. The table import and the
exchange import left it as it was, too."""

from __future__ import annotations

import json

from openpyxl import load_workbook
from PySide6.QtCore import Qt

from mapedit.model.changes import FROM_BUILDINGS, edit_attributes
from mapedit.model.geometry_ops import apply_to_dataset, fill_all_gaps, households_from_buildings
from mapedit.project import Project, import_grids_changeset
from mapedit.reports.xlsx_table import FIRST_ROW, apply_table, export_table, read_table
from tests.test_rules_households import U, compound

# -- the model: edit_attributes says where the value came from --------------------------------


def test_typed_households_are_entered_and_kept_by_reshaping_edits():
    d = compound(source="buildings")
    typed = edit_attributes(d.grids[1], households=420)
    assert typed.changes[0].after.households_source == "entered"
    apply_to_dataset(d, typed)
    apply_to_dataset(d, fill_all_gaps(d, U))  # grows the grids over the gap's buildings
    assert d.grids[1].households == 420  # the clerk's number stands (was recomputed)
    assert d.grids[2].households_source == "buildings"
    assert d.grids[2].households == households_from_buildings(d, d.grids[2].geometry)


def test_households_adopted_from_buildings_follow_the_shape():
    d = compound(source="entered")
    value = households_from_buildings(d, d.grids[1].geometry)
    adopted = edit_attributes(d.grids[1], FROM_BUILDINGS, households=value)
    assert adopted.changes[0].after.households_source == "buildings"
    apply_to_dataset(d, adopted)
    apply_to_dataset(d, fill_all_gaps(d, U))
    assert d.grids[1].households == households_from_buildings(d, d.grids[1].geometry)
    assert d.grids[1].households > value  # the buildings of the gap were added


def test_cleared_households_have_no_source_and_other_fields_keep_it():
    d = compound(source="buildings")
    assert edit_attributes(d.grids[1], households=None).changes[0].after.households_source == ""
    named = edit_attributes(d.grids[1], name="新名字").changes[0].after
    assert named.households_source == "buildings"


# -- the window: the 属性 panel, 采用 and 由楼栋计算户数 ---------------------------------------


def _household_grid(project):
    ds = project.dataset
    for g in sorted(ds.grids.values(), key=lambda g: g.fid):
        unit = ds.units.get(g.unit_code)
        if unit is None or unit.locked or not ds.catalogue.needs_households(g.category):
            continue
        value = households_from_buildings(ds, g.geometry)
        if value:
            return g, value
    raise AssertionError("the demo has no grid with buildings")


def test_panel_typing_enters_and_adopt_follows_buildings(main_window, qtbot, demo_path):
    w, project = main_window, main_window.project
    g, value = _household_grid(project)
    panel = w.attributes
    # An equal value typed by the clerk is still "entered": 采用 is offered, so the count can
    # be made to follow the buildings (was: disabled while the numbers agreed).
    w.controller.push_changeset(edit_attributes(g, households=value))
    w.select_grids([g.fid])
    assert project.dataset.grids[g.fid].households_source == "entered"
    assert panel.households_adopt.isEnabled()
    qtbot.mouseClick(panel.households_adopt, Qt.MouseButton.LeftButton)
    assert project.dataset.grids[g.fid].households == value
    assert project.dataset.grids[g.fid].households_source == "buildings"
    assert not panel.households_adopt.isEnabled()

    panel.households.setText(str(value + 33))
    panel.households.editingFinished.emit()
    assert project.dataset.grids[g.fid].households == value + 33
    assert project.dataset.grids[g.fid].households_source == "entered"
    assert panel.households_adopt.isEnabled()
    w.undo_stack.undo()  # undo brings the source back with the value
    assert project.dataset.grids[g.fid].households_source == "buildings"
    w.undo_stack.redo()
    w.close()
    with Project.open(demo_path) as again:  # stored with the grid
        assert again.dataset.grids[g.fid].households == value + 33
        assert again.dataset.grids[g.fid].households_source == "entered"


def test_households_dialog_sets_buildings(main_window, qtbot):
    from mapedit.ui.tools.households import show_households

    w, project = main_window, main_window.project
    g, value = _household_grid(project)
    w.controller.push_changeset(edit_attributes(g, households=value))  # typed, same number
    dlg = show_households(w.edit_tools.ctx, [g.fid], w, modal=False)
    qtbot.addWidget(dlg)
    assert dlg.apply_button.isEnabled()
    qtbot.mouseClick(dlg.apply_button, Qt.MouseButton.LeftButton)
    assert project.dataset.grids[g.fid].households_source == "buildings"


# -- imports: the information table and the exchange file -------------------------------------


def test_table_import_enters_changed_households_only(demo_project, tmp_path):
    ds = demo_project.dataset
    a, b = sorted((g for g in ds.grids_of_unit("310118005014") if g.households is not None),
                  key=lambda g: g.code)[:2]
    for g in (a, b):  # both follow the buildings before the office fills in the table
        demo_project.apply(edit_attributes(g, FROM_BUILDINGS, households=g.households))
    path = tmp_path / "信息表.xlsx"
    export_table(ds, path, ["310118005014"])
    wb = load_workbook(path)
    ws = wb.worksheets[0]
    col = next(c.column for row in ws.iter_rows(min_row=1, max_row=4) for c in row
               if c.value == "户数")
    row = next(r for r in range(FIRST_ROW, ws.max_row + 1)
               if str(ws.cell(row=r, column=1).value) == a.code)
    ws.cell(row=row, column=col).value = a.households + 5
    wb.save(path)
    apply_table(demo_project, read_table(ds, path))
    assert ds.grids[a.fid].households == a.households + 5
    assert ds.grids[a.fid].households_source == "entered"
    assert ds.grids[b.fid].households_source == "buildings"  # its cell was left alone


def test_exchange_import_enters_given_households(demo_project, tmp_path):
    from mapedit.io.exchange import write_exchange

    ds = demo_project.dataset
    a, b = sorted((g for g in ds.grids_of_unit("310118005014") if g.households is not None),
                  key=lambda g: g.code)[:2]
    for g in (a, b):
        demo_project.apply(edit_attributes(g, FROM_BUILDINGS, households=g.households))
    out = tmp_path / "export"
    write_exchange(ds, out)
    data = json.loads((out / "grids.geojson").read_text(encoding="utf-8"))
    for f in data["features"]:
        if f["properties"]["code"] == a.code:
            f["properties"]["households"] = a.households + 9
    (out / "grids.geojson").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    cs, _msgs, _added, _updated = import_grids_changeset(demo_project, out / "grids.geojson")
    demo_project.apply(cs, allow_invalid=True)
    assert ds.grids[a.fid].households == a.households + 9
    assert ds.grids[a.fid].households_source == "entered"
    # the value the file repeats unchanged keeps following the buildings (a round trip)
    assert ds.grids[b.fid].households_source == "buildings"
    # a grid read from a file (new, or a new project from units + grids) is entered
    from mapedit.io.exchange import read_grids

    grids, _ = read_grids(out / "grids.geojson", ds.crs, list(ds.units.values()),
                          catalogue=ds.catalogue)
    assert {g.households_source for g in grids if g.households is not None} == {"entered"}
    assert {g.households_source for g in grids if g.households is None} <= {""}
