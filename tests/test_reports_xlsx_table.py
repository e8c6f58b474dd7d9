"""Information tables: export, edit with another program (openpyxl), import back."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from mapedit.project import Project
from mapedit.reports.xlsx_table import (
    DATA_SHEET,
    FIRST_ROW,
    TableRefused,
    apply_table,
    export_table,
    read_table,
)

UNIT = "310118005014"  # 青平居委 (小区)
VILLAGE = "310118005001"  # 青东农场 (农场: 村组 and 农村-X)


def col(ws, title: str) -> int:
    for row in ws.iter_rows(min_row=1, max_row=4):
        for cell in row:
            if cell.value == title:
                return cell.column
    raise KeyError(title)


def row_of(ws, code: str) -> int:
    for r in range(FIRST_ROW, ws.max_row + 1):
        if str(ws.cell(row=r, column=1).value) == code:
            return r
    raise KeyError(code)


@pytest.fixture
def table(demo_project, tmp_path):
    path = tmp_path / "信息表.xlsx"
    n = export_table(demo_project.dataset, path, [UNIT, VILLAGE])
    assert n == len(demo_project.dataset.grids_of_unit(UNIT)) + len(
        demo_project.dataset.grids_of_unit(VILLAGE))
    return path


def test_export_layout_and_dropdowns(demo_project, table):
    wb = load_workbook(table)
    ws = wb[DATA_SHEET]
    assert ws.freeze_panes == f"C{FIRST_ROW}"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
    assert ws.print_title_rows == "$3:$4"
    for title in ("微网格编码", "微网格名称", "类别", "条线责任部门", "户数", "人口", "东", "南",
                  "西", "北", "备注", "网格长", "专职网格员", "联系电话"):
        col(ws, title)
    code = sorted(g.code for g in demo_project.dataset.grids_of_unit(UNIT))[0]
    assert ws.cell(row=row_of(ws, code), column=1).value == code  # text, not 3.1E+14
    # the category drop-down of a 小区 row offers exactly what a 小区 unit allows
    lists = wb["选项"]
    by_title = {lists.cell(row=1, column=c).value: c for c in range(1, lists.max_column + 1)}
    cat = demo_project.dataset.catalogue
    for utype in ("小区", "农场"):
        c = by_title[f"{utype}单元类别"]
        offered = [lists.cell(row=r, column=c).value for r in range(2, lists.max_row + 1)
                   if lists.cell(row=r, column=c).value]
        assert offered == [x.name for x in cat.allowed(utype)]
    r = row_of(ws, code)
    cat_col = ws.cell(row=r, column=col(ws, "类别")).coordinate
    dvs = [dv for dv in ws.data_validations.dataValidation if cat_col in dv.sqref]
    assert len(dvs) == 1 and "选项" in dvs[0].formula1


def test_every_row_has_its_own_types_dropdown_and_cell_formats(demo_project, tmp_path):
    """The whole street (units of every type, interleaved): each row's 类别 cell is in exactly
    one drop-down, the one for its unit's type; codes stay text, counts are whole numbers,
    read-only columns are shaded and bordered like the rest."""
    ds = demo_project.dataset
    path = tmp_path / "全街道.xlsx"
    export_table(ds, path)
    wb = load_workbook(path)
    ws = wb[DATA_SHEET]
    cat_c, hh_c, unit_c = col(ws, "类别"), col(ws, "户数"), col(ws, "所属管理单元")
    by_code = {g.code: g for g in ds.grids.values()}
    rows = 0
    for r in range(FIRST_ROW, ws.max_row + 1):
        code = ws.cell(row=r, column=1)
        g = by_code[code.value]
        rows += 1
        coord = ws.cell(row=r, column=cat_c).coordinate
        dvs = [dv for dv in ws.data_validations.dataValidation if coord in dv.sqref]
        assert len(dvs) == 1, (r, len(dvs))
        assert dvs[0].prompt == f"{ds.units[g.unit_code].unit_type}单元允许的类别"
        assert code.number_format == "@" and ws.cell(row=r, column=hh_c).number_format == "0"
        assert code.fill.fgColor.rgb.endswith("F2F2F2")  # read-only: shaded
        assert ws.cell(row=r, column=unit_c).fill.fgColor.rgb.endswith("F2F2F2")
        assert ws.cell(row=r, column=cat_c).fill.fill_type is None  # to be filled in
        assert ws.cell(row=r, column=cat_c).border.left.style == "thin"
    assert rows == sum(1 for g in ds.grids.values() if g.unit_code in ds.units)


def test_a_table_with_a_wrong_used_range_is_read_whole(demo_path, table, tmp_path):
    """Some programs write a wrong used range (``<dimension ref="A1:A1"/>``); the import
    still reads every row (a read-only reader that trusted it would see none)."""
    import re
    import zipfile

    wb = load_workbook(table)
    ws = wb[DATA_SHEET]
    ws.cell(row=FIRST_ROW, column=col(ws, "户数"), value=432)
    code = ws.cell(row=FIRST_ROW, column=1).value
    wb.save(table)
    bad = tmp_path / "范围错误.xlsx"
    with zipfile.ZipFile(table) as src, zipfile.ZipFile(bad, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data, n = re.subn(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:A1"', data)
                assert n == 1
            dst.writestr(item, data)
    with Project.open(demo_path) as p:
        imported = read_table(p.dataset, bad)
        assert [c.after.households for c in imported.changeset.changes
                if c.after.code == code] == [432]


def test_edited_table_round_trips_with_staffing(demo_path, table):
    with Project.open(demo_path) as project:
        grids = sorted(project.dataset.grids_of_unit(UNIT), key=lambda g: g.code)
        g0, g1 = grids[0], grids[1]
    wb = load_workbook(table)  # another program edits the table
    ws = wb[DATA_SHEET]
    r0, r1 = row_of(ws, g0.code), row_of(ws, g1.code)
    ws.cell(row=r0, column=col(ws, "微网格名称"), value="青平一期改名微网格")
    ws.cell(row=r0, column=col(ws, "户数"), value="388")  # typed as text
    ws.cell(row=r0, column=col(ws, "网格长"), value="王芳")
    ws.cell(row=r0, column=col(ws, "专职网格员"), value="李强、赵敏")
    ws.cell(row=r0, column=col(ws, "联系电话"), value="021-59881234")
    ws.cell(row=r1, column=col(ws, "东"), value="至崧泽大道")
    ws.cell(row=r1, column=col(ws, "类别"), value="社区—商业体")  # seed's em dash
    ws.cell(row=r1, column=col(ws, "条线责任部门"), value="营商办, 文体中心")
    ws.cell(row=r1, column=1, value=int(g1.code))  # the code became a number in Excel
    wb.save(table)

    with Project.open(demo_path) as project:
        imported = read_table(project.dataset, table)
        assert imported.changed_grids == 2
        keys = {(d.code, f.key) for d in imported.diffs for f in d.fields}
        assert (g0.code, "name") in keys and (g0.code, "grid_leader") in keys
        assert (g1.code, "four_bounds.east") in keys and (g1.code, "category") in keys
        log_before = len(project.store.edit_log(10_000))
        cs = apply_table(project, imported, who="test")
        edits = {r["edit"] for r in project.store.edit_log(10_000)[: len(cs.changes)]}
        assert len(edits) == 1  # one edit: one undo step
        assert len(project.store.edit_log(10_000)) == log_before + 2
    with Project.open(demo_path) as project:  # stored in the file
        a = next(g for g in project.dataset.grids.values() if g.code == g0.code)
        b = next(g for g in project.dataset.grids.values() if g.code == g1.code)
        assert (a.name, a.households, a.grid_leader, a.grid_staff, a.contact_phone) == (
            "青平一期改名微网格", 388, "王芳", "李强、赵敏", "021-59881234")
        assert b.four_bounds["east"] == "至崧泽大道" and b.category == "社区-商业体"
        assert b.departments == ["营商办", "文体中心"]
        # undo is the inverse change set, through the same path
        project.apply(cs.inverse())
        a2 = next(g for g in project.dataset.grids.values() if g.code == g0.code)
        assert (a2.name, a2.grid_leader) == (g0.name, "")
        # the exported table now round-trips the staffing columns
        out = table.with_name("again.xlsx")
        project.apply(cs)
        export_table(project.dataset, out, [UNIT])
        ws2 = load_workbook(out)[DATA_SHEET]
        r = row_of(ws2, g0.code)
        assert ws2.cell(row=r, column=col(ws2, "网格长")).value == "王芳"
        assert ws2.cell(row=r, column=col(ws2, "联系电话")).value == "021-59881234"


@pytest.mark.parametrize("edit,expect", [
    (("类别", "小区花园"), "小区花园"),
    (("类别", "村组"), "村组"),  # exists, but not in a 小区 unit
    (("户数", "很多"), "很多"),
    (("人口", -5), "-5"),
    (("微网格编码", "310118005014999"), "310118005014999"),
])
def test_bad_value_refuses_the_table_naming_row_and_value(demo_path, table, edit, expect):
    with Project.open(demo_path) as project:
        code = sorted(g.code for g in project.dataset.grids_of_unit(UNIT))[2]
    wb = load_workbook(table)
    ws = wb[DATA_SHEET]
    r = row_of(ws, code)
    ws.cell(row=r, column=col(ws, "微网格名称"), value="会被拒绝的改名")  # a good change too
    ws.cell(row=r, column=col(ws, edit[0]), value=edit[1])
    wb.save(table)
    with Project.open(demo_path) as project:
        before = dict(project.dataset.grids)
        with pytest.raises(TableRefused) as exc:
            read_table(project.dataset, table)
        assert any(f"第 {r} 行" in d and expect in d for d in exc.value.details), \
            exc.value.details
        assert dict(project.dataset.grids) == before


def test_duplicate_code_rows_are_refused(demo_path, table):
    wb = load_workbook(table)
    ws = wb[DATA_SHEET]
    code = ws.cell(row=FIRST_ROW, column=1).value
    ws.cell(row=FIRST_ROW + 1, column=1, value=code)
    wb.save(table)
    with Project.open(demo_path) as project, pytest.raises(TableRefused) as exc:
        read_table(project.dataset, table)
    assert any("重复" in d and code in d for d in exc.value.details)


def test_table_and_editor_changes_do_not_overwrite_each_other(demo_path, table):
    with Project.open(demo_path) as project:
        grids = sorted(project.dataset.grids_of_unit(UNIT), key=lambda g: g.code)
        from mapedit.model.changes import ChangeSet, GridChange

        a, b = grids[0], grids[1]
        project.apply(ChangeSet("改名", "rename", [
            GridChange(a, a.replace(name="编辑器里改的名字")),
            GridChange(b, b.replace(name="编辑器里改的另一个名字"))]))
    wb = load_workbook(table)
    ws = wb[DATA_SHEET]
    ws.cell(row=row_of(ws, b.code), column=col(ws, "微网格名称"), value="表格里改的名字")
    wb.save(table)
    with Project.open(demo_path) as project:
        with pytest.raises(TableRefused) as exc:
            read_table(project.dataset, table)  # b changed on both sides: a conflict
        assert any(b.code not in d and "编辑器里改的另一个名字" in d for d in exc.value.details)
    ws.cell(row=row_of(ws, b.code), column=col(ws, "微网格名称"), value=b.name)
    ws.cell(row=row_of(ws, b.code), column=col(ws, "网格长"), value="陈静")
    wb.save(table)
    with Project.open(demo_path) as project:
        imported = read_table(project.dataset, table)
        assert imported.untouched_project_edits == 2  # a's and b's new names are kept
        apply_table(project, imported)
        names = {g.code: g.name for g in project.dataset.grids.values()}
        assert names[a.code] == "编辑器里改的名字" and names[b.code] == "编辑器里改的另一个名字"


def test_cli_table_and_import(demo_path, tmp_path):
    from mapedit.cli import main

    out = tmp_path / "t.xlsx"
    assert main(["table", str(demo_path), str(out), "--unit", UNIT]) == 0
    wb = load_workbook(out)
    ws = wb[DATA_SHEET]
    ws.cell(row=FIRST_ROW, column=col(ws, "户数"), value=401)
    wb.save(out)
    size = demo_path.stat().st_size
    log = None
    with Project.open(demo_path) as p:
        log = len(p.store.edit_log(10_000))
    assert main(["table-import", str(demo_path), str(out), "--dry-run"]) == 0
    with Project.open(demo_path) as p:
        assert len(p.store.edit_log(10_000)) == log
    assert main(["table-import", str(demo_path), str(out)]) == 0
    with Project.open(demo_path) as p:
        assert len(p.store.edit_log(10_000)) == log + 1
    ws.cell(row=FIRST_ROW, column=col(ws, "户数"), value="四百")
    wb.save(out)
    assert main(["table-import", str(demo_path), str(out)]) == 2
    with Project.open(demo_path) as p:
        assert len(p.store.edit_log(10_000)) == log + 1
    assert size > 0
    assert main(["table", str(demo_path), str(tmp_path / "x.csv")]) == 2


def test_cli_table_without_unit_is_the_whole_street(demo_path, tmp_path):
    """No --unit: every grid of the street (this once ended in an internal TypeError)."""
    from mapedit.cli import main

    out = tmp_path / "全街道.xlsx"
    assert main(["table", str(demo_path), str(out)]) == 0
    ws = load_workbook(out)[DATA_SHEET]
    with Project.open(demo_path) as p:
        placed = [g for g in p.dataset.grids.values() if g.unit_code in p.dataset.units]
        units = len(p.dataset.units)
    codes = {str(ws.cell(row=r, column=1).value) for r in range(FIRST_ROW, ws.max_row + 1)}
    assert {g.code for g in placed} <= codes
    assert f"{units} 个管理单元" in ws["A1"].value


@pytest.mark.skipif(__import__("shutil").which("soffice") is None,
                    reason="LibreOffice (soffice) not installed")
def test_table_saved_again_by_libreoffice_imports(demo_path, table, tmp_path):
    """A clerk opens the table in LibreOffice Calc and saves it as XLSX again."""
    import subprocess

    wb = load_workbook(table)
    ws = wb[DATA_SHEET]
    code = ws.cell(row=FIRST_ROW, column=1).value
    ws.cell(row=FIRST_ROW, column=col(ws, "网格长"), value="周敏")
    ws.cell(row=FIRST_ROW, column=col(ws, "户数"), value=399)
    wb.save(table)
    out = tmp_path / "lo"
    env = dict(__import__("os").environ, HOME=str(tmp_path))  # a private LibreOffice profile
    subprocess.run(["soffice", "--headless", "--convert-to", "xlsx:Calc MS Excel 2007 XML",
                    "--outdir", str(out), str(table)], check=True, capture_output=True,
                   timeout=180, env=env)
    saved = out / table.name
    assert saved.exists()
    with Project.open(demo_path) as project:
        imported = read_table(project.dataset, saved)
        fields = {(d.code, f.key, f.new) for d in imported.diffs for f in d.fields}
        assert fields == {(code, "grid_leader", "周敏"), (code, "households", "399")}
