"""Information tables (信息表) in Excel: export a unit's or the street's grids, import the
filled table back as one undoable edit.

Seed 000: the 居委/村 fill in an information table for their micro-grids and hand it to the
城运中心. The table goes out as XLSX (openpyxl) with one row per grid, drop-down lists for the
category (per unit type, from the catalogue) and the departments, a frozen header and a print
setup; the offices fill in names, households, 四至 and the staffing columns (网格长, 专职网格员,
联系电话) and send it back.

Import is strict and all-or-nothing: rows are matched by code, every value is checked (unknown
code, a code twice, unknown category or one the unit type does not allow, households or
population not a whole number, a locked unit), and one bad value refuses the whole table with
messages naming the row and the value. What would change is computed per grid and field before
anything is applied (:class:`TableImport`); applying is one :class:`ChangeSet` through
``Project.apply``, so the GUI's undo takes it back in one step.

The exported table carries the values as exported in a hidden sheet. On import, a cell the
office did not touch leaves the project alone even if someone edited that field in the editor
since the export; a cell changed in the table AND in the project is a conflict and is refused
(nothing a user did is silently overwritten).
"""

from __future__ import annotations

import os
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mapedit.errors import InputError
from mapedit.model.catalogue import Catalogue, normalize_category
from mapedit.model.changes import ChangeSet, GridChange, households_source_of
from mapedit.model.dataset import Dataset
from mapedit.model.hierarchy import MicroGrid, now_iso

# -- the columns -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    """Field key: a MicroGrid attribute, ``four_bounds.east`` …, or ``unit`` (read-only)."""
    title: str
    width: float
    group: str = ""
    editable: bool = True


COLUMNS: tuple[Column, ...] = (
    Column("code", "微网格编码", 19, editable=False),
    Column("unit", "所属管理单元", 16, editable=False),
    Column("name", "微网格名称", 24),
    Column("category", "类别", 13),
    Column("departments", "条线责任部门", 24),
    Column("households", "户数", 8),
    Column("population", "人口", 8),
    Column("four_bounds.east", "东", 18, "四至"),
    Column("four_bounds.south", "南", 18, "四至"),
    Column("four_bounds.west", "西", 18, "四至"),
    Column("four_bounds.north", "北", 18, "四至"),
    Column("notes", "备注", 20),
    Column("grid_leader", "网格长", 10, "人员配置"),
    Column("grid_staff", "专职网格员", 14, "人员配置"),
    Column("contact_phone", "联系电话", 15, "人员配置"),
)
BY_KEY = {c.key: c for c in COLUMNS}
EDITABLE = [c.key for c in COLUMNS if c.editable]
HEADER_ALIASES = {
    # headers a clerk (or another program) may write instead of ours
    "编码": "code", "微网格编号": "code", "名称": "name", "微网格类别": "category",
    "责任部门": "departments", "部门": "departments", "东至": "four_bounds.east",
    "南至": "four_bounds.south", "西至": "four_bounds.west", "北至": "four_bounds.north",
    "电话": "contact_phone", "网格员": "grid_staff",
}

DATA_SHEET = "信息表"
LISTS_SHEET = "选项"
ORIGINAL_SHEET = "mapedit_export"
"""Hidden: the values as exported, for the three-way comparison on import."""
HEADER_ROW = 4
FIRST_ROW = HEADER_ROW + 1
_DEPT_SPLIT = re.compile(r"[、,,;;/\s]+")


def field_label(key: str) -> str:
    c = BY_KEY[key]
    return f"{c.group}·{c.title}" if c.group else c.title


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def grid_value(g: MicroGrid, key: str, unit_label: str = "") -> str:
    """A grid's field as the table shows it (text)."""
    if key == "unit":
        return unit_label
    if key.startswith("four_bounds."):
        return ((g.four_bounds or {}).get(key.split(".", 1)[1]) or "").strip()
    if key == "departments":
        return "、".join(d for d in g.departments if d)
    value = getattr(g, key)
    return "" if value is None else str(value)


# -- export ------------------------------------------------------------------------------------

def export_table(dataset: Dataset, out: str | os.PathLike, codes: Sequence[str] | None = None,
                 revision: int = 0) -> int:
    """Write the grids of the units ``codes`` (all when None) to ``out``; returns the rows."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.cell_range import MultiCellRange
    from openpyxl.worksheet.datavalidation import DataValidation

    from mapedit.reports.output import atomic_path
    from mapedit.reports.sheet_content import grids_by_unit

    units = dataset.units
    by_unit = grids_by_unit(dataset, codes)
    codes = list(by_unit)  # None (the whole street, the CLI without --unit) made explicit
    rows: list[tuple[MicroGrid, str]] = []
    for c in by_unit:
        label = f"{units[c].name}({c})"
        rows += [(g, label) for g in sorted(by_unit[c], key=lambda g: (g.code, g.fid or 0))]

    wb = Workbook()
    ws = wb.active
    ws.title = DATA_SHEET
    street = dataset.street.name if dataset.street else ""
    scope = (f"{units[codes[0]].name}({codes[0]})" if len(codes) == 1
             else f"{len(codes)} 个管理单元")
    ncol = len(COLUMNS)
    last = get_column_letter(ncol)
    ws["A1"] = f"{street}微网格信息表 · {scope}"
    ws["A1"].font = Font(size=14, bold=True)
    ws.merge_cells(f"A1:{last}1")
    ws["A2"] = (f"导出时间 {now_iso()} · 项目修订 {revision} · 按“微网格编码”导入,请勿修改编码;"
                "类别、部门请从下拉列表选择;户数、人口填整数")
    ws["A2"].font = Font(size=9, color="666666")
    ws.merge_cells(f"A2:{last}2")
    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    head_fill = PatternFill("solid", fgColor="DCE6F1")
    locked_fill = PatternFill("solid", fgColor="F2F2F2")
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    # two header rows: groups (四至, 人员配置) over their columns, titles below
    i = 0
    while i < ncol:
        col = COLUMNS[i]
        j = i
        while j + 1 < ncol and col.group and COLUMNS[j + 1].group == col.group:
            j += 1
        a, b = get_column_letter(i + 1), get_column_letter(j + 1)
        if col.group:
            ws[f"{a}3"] = col.group
            if j > i:
                ws.merge_cells(f"{a}3:{b}3")
        else:
            ws[f"{a}3"] = col.title
            ws.merge_cells(f"{a}3:{a}{HEADER_ROW}")
        i = j + 1
    for i, col in enumerate(COLUMNS, start=1):
        letter = get_column_letter(i)
        if col.group:
            ws[f"{letter}{HEADER_ROW}"] = col.title
        for r in (3, HEADER_ROW):
            cell = ws[f"{letter}{r}"]
            cell.font = Font(bold=True)
            cell.fill = head_fill
            cell.alignment = center
            cell.border = border
        ws.column_dimensions[letter].width = col.width
    # One named style per kind of column, registered once: setting border, alignment, fill
    # and format cell by cell hashes each style object again (37,000 grids: minutes).
    wrap = Alignment(vertical="center", wrap_text=True)
    kinds: dict[tuple[str, bool], str] = {}
    col_style: list[str] = []
    for col in COLUMNS:
        # a 15-digit code must stay text, not 3.1E+14; households and population are integers
        fmt = "@" if col.key == "code" else (
            "0" if col.key in ("households", "population") else "General")
        kind = (fmt, col.editable)
        if kind not in kinds:
            kinds[kind] = name = f"mapedit 信息表 {len(kinds) + 1}"
            wb.add_named_style(NamedStyle(
                name=name, border=border, alignment=wrap, number_format=fmt,
                fill=locked_fill if not col.editable else PatternFill()))
        col_style.append(kinds[kind])
    for r, (g, label) in enumerate(rows, start=FIRST_ROW):
        for i, col in enumerate(COLUMNS, start=1):
            value: Any = grid_value(g, col.key, label)
            if col.key in ("households", "population"):
                value = getattr(g, col.key)
            cell = ws.cell(row=r, column=i, value=value if value != "" else None)
            cell.style = col_style[i - 1]
    ws.freeze_panes = f"C{FIRST_ROW}"
    ws.auto_filter.ref = f"A{HEADER_ROW}:{last}{max(HEADER_ROW, HEADER_ROW + len(rows))}"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_title_rows = f"3:{HEADER_ROW}"
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.oddFooter.center.text = "第 &P 页 / 共 &N 页"

    # drop-down lists: categories per unit type (only those the unit's type allows), and the
    # departments the catalogue names (a combination such as 自治办、城建中心 stays allowed)
    lists = wb.create_sheet(LISTS_SHEET)
    cat = dataset.catalogue
    cat_col = get_column_letter(_col_index("category"))
    types = sorted({units[c].unit_type for c in codes})
    for k, utype in enumerate(types, start=1):
        letter = get_column_letter(k)
        lists[f"{letter}1"] = f"{utype}单元类别"
        names = [c.name for c in cat.allowed(utype)]
        for r, name in enumerate(names, start=2):
            lists[f"{letter}{r}"] = name
        dv = DataValidation(type="list", formula1=f"={LISTS_SHEET}!${letter}$2:${letter}$"
                            f"{len(names) + 1}", allow_blank=False, showErrorMessage=True,
                            errorTitle="类别", error=f"请从列表中选择{utype}单元允许的类别",
                            showInputMessage=True)
        dv.promptTitle = "类别"
        dv.prompt = f"{utype}单元允许的类别"
        ws.add_data_validation(dv)
        # the rows come unit by unit: one range per run of this type (adding cell by cell
        # makes openpyxl compare each new cell with every range so far)
        dv.sqref = MultiCellRange(" ".join(
            f"{cat_col}{a}:{cat_col}{b}" for a, b in row_runs(
                [units[g.unit_code].unit_type == utype for g, _ in rows], FIRST_ROW)))
    dep_letter = get_column_letter(len(types) + 1)
    lists[f"{dep_letter}1"] = "条线责任部门"
    departments = _department_options(cat)
    for r, d in enumerate(departments, start=2):
        lists[f"{dep_letter}{r}"] = d
    if rows:
        dv = DataValidation(type="list", formula1=f"={LISTS_SHEET}!${dep_letter}$2:"
                            f"${dep_letter}${len(departments) + 1}", allow_blank=True,
                            showErrorMessage=True, errorStyle="warning", errorTitle="条线责任部门",
                            error="不在列表中;多个部门请用“、”分隔")
        ws.add_data_validation(dv)
        dep_col = get_column_letter(_col_index("departments"))
        dv.add(f"{dep_col}{FIRST_ROW}:{dep_col}{FIRST_ROW + len(rows) - 1}")
        nums = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0",
                              allow_blank=True, showErrorMessage=True, errorTitle="整数",
                              error="请填写不小于 0 的整数")
        ws.add_data_validation(nums)
        for key in ("households", "population"):
            letter = get_column_letter(_col_index(key))
            nums.add(f"{letter}{FIRST_ROW}:{letter}{FIRST_ROW + len(rows) - 1}")
    lists.sheet_state = "hidden"

    orig = wb.create_sheet(ORIGINAL_SHEET)
    orig.append(["revision", revision, "exported", now_iso()])
    orig.append([c.key for c in COLUMNS])
    for g, label in rows:
        orig.append([grid_value(g, c.key, label) for c in COLUMNS])
    orig.sheet_state = "hidden"

    with atomic_path(out, ".xlsx") as tmp:
        wb.save(tmp)
    return len(rows)


def row_runs(flags: Sequence[bool], first: int) -> list[tuple[int, int]]:
    """The (first, last) sheet rows of each run of True in ``flags``, ``flags[0]`` being
    row ``first``."""
    runs: list[tuple[int, int]] = []
    start = None
    for k, on in enumerate(flags):
        if on and start is None:
            start = k
        elif not on and start is not None:
            runs.append((first + start, first + k - 1))
            start = None
    if start is not None:
        runs.append((first + start, first + len(flags) - 1))
    return runs


def _col_index(key: str) -> int:
    return [c.key for c in COLUMNS].index(key) + 1


def _department_options(cat: Catalogue) -> list[str]:
    singles: list[str] = []
    combos: list[str] = []
    for c in cat.categories.values():
        for d in c.departments:
            if d not in singles:
                singles.append(d)
        combo = "、".join(c.departments)
        if len(c.departments) > 1 and combo not in combos:
            combos.append(combo)
    return combos + singles


# -- import ------------------------------------------------------------------------------------


@dataclass
class FieldChange:
    key: str
    label: str
    old: str
    new: str


@dataclass
class GridDiff:
    code: str
    fid: int
    unit_code: str
    row: int
    fields: list[FieldChange]


@dataclass
class TableImport:
    """What a filled table would change, ready to apply."""

    path: Path
    rows: int
    diffs: list[GridDiff]
    changeset: ChangeSet
    untouched_project_edits: int = 0
    """Fields changed in the project since the export that the table left alone (kept)."""

    @property
    def changed_grids(self) -> int:
        return len(self.diffs)

    @property
    def changed_fields(self) -> int:
        return sum(len(d.fields) for d in self.diffs)

    def lines(self, lang: str = "zh") -> list[str]:
        out = []
        for d in self.diffs:
            for f in d.fields:
                empty = "(空)" if lang == "zh" else "(empty)"
                old, new = f.old or empty, f.new or empty
                out.append(f"{d.code} 第{d.row}行 {f.label}:{old} → {new}" if lang == "zh"
                           else f"{d.code} row {d.row} {f.key}: {old} → {new}")
        return out


class TableRefused(InputError):
    """The table holds bad values; nothing was changed. ``details`` lists every problem
    (row, column, value, why) in Chinese and English."""

    def __init__(self, zh: str, en: str, details: list[str]) -> None:
        super().__init__(zh, en)
        self.details = details


def _find_header(sheet: list[list[Any]]) -> tuple[int, dict[str, int]]:
    """The last header row (1-based) of the table's values ``sheet`` (rows of cells) and
    the column (1-based) of each field found."""
    titles = {c.title: c.key for c in COLUMNS if not c.group}
    grouped = {c.title: c.key for c in COLUMNS if c.group}
    for r in range(1, min(len(sheet), 12) + 1):
        values = [_text(v) for v in sheet[r - 1]]
        if "微网格编码" not in values and "编码" not in values:
            continue
        mapping: dict[str, int] = {}
        below = [_text(v) for v in sheet[r]] if r < len(sheet) else []
        header_rows = r
        for ci, v in enumerate(values, start=1):
            key = titles.get(v) or HEADER_ALIASES.get(v)
            if key and key not in mapping:
                mapping[key] = ci
        for ci, v in enumerate(below, start=1):  # group sub-headers (东 南 西 北, 网格长 …)
            key = grouped.get(v) or HEADER_ALIASES.get(v)
            if key and key not in mapping:
                mapping[key] = ci
                header_rows = r + 1
        return header_rows, mapping
    raise InputError("表格中找不到表头“微网格编码”", "no header row with 微网格编码 in the table")


def _read_original(wb) -> dict[str, dict[str, str]]:
    if ORIGINAL_SHEET not in wb.sheetnames:
        return {}
    ws = wb[ORIGINAL_SHEET]
    rows = list(ws.iter_rows(values_only=True))
    if len(rows) < 2:
        return {}
    keys = [_text(k) for k in rows[1]]
    out = {}
    for row in rows[2:]:
        rec = {k: _text(v) for k, v in zip(keys, row, strict=False) if k}
        if rec.get("code"):
            out[rec["code"]] = rec
    return out


def _whole(value: Any) -> int | None | str:
    """A households/population cell: int, None for empty, or the bad text."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return value if value >= 0 else str(value)
    if isinstance(value, float):
        return int(value) if value.is_integer() and value >= 0 else _text(value)
    text = str(value).strip().replace(",", "").replace(",", "")
    if re.fullmatch(r"\d+(\.0+)?", text):
        return int(float(text))
    return str(value).strip()


def read_table(dataset: Dataset, path: str | os.PathLike) -> TableImport:
    """Compare a filled information table with the project; raises :class:`TableRefused`
    (nothing changed) when any value is bad."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    p = Path(path)
    # Read-only streaming and values only: a whole district's table (37,000 rows) loads in
    # seconds instead of building a styled cell object for every cell.
    try:
        wb = load_workbook(p, read_only=True, data_only=True)
        try:
            ws = wb[DATA_SHEET] if DATA_SHEET in wb.sheetnames else wb.worksheets[0]
            ws.reset_dimensions()  # some programs write a wrong used range; read every row
            sheet = [list(row) for row in ws.iter_rows(values_only=True)]
            original = _read_original(wb)
        finally:
            wb.close()  # read-only keeps the file open (locked on Windows) until closed
    except FileNotFoundError as exc:
        raise InputError(f"找不到文件 {p}", f"file not found: {p}") from exc
    except (InvalidFileException, KeyError, ValueError, OSError, zipfile.BadZipFile) as exc:
        raise InputError(f"{p.name} 不是可读取的 Excel 表格(.xlsx):{exc}",
                         f"{p.name} is not a readable Excel table (.xlsx): {exc}") from exc
    header_row, cols = _find_header(sheet)
    if "code" not in cols:
        raise InputError("表格缺少“微网格编码”列", "the table has no 微网格编码 column")

    by_code: dict[str, MicroGrid] = {}
    dup_in_project: set[str] = set()
    for g in dataset.grids.values():
        if g.code in by_code:
            dup_in_project.add(g.code)
        by_code[g.code] = g
    cat = dataset.catalogue
    problems: list[str] = []
    seen: dict[str, int] = {}
    diffs: list[GridDiff] = []
    changes: list[GridChange] = []
    untouched = 0
    n_rows = 0
    stamp = now_iso()
    for r in range(header_row + 1, len(sheet) + 1):
        row = sheet[r - 1]
        cells = {k: row[c - 1] if c <= len(row) else None for k, c in cols.items()}
        if all(_text(v) == "" for v in cells.values()):
            continue
        n_rows += 1
        raw_code = cells.get("code")
        code = _text(raw_code)
        if isinstance(raw_code, float) and not raw_code.is_integer():
            code = repr(raw_code)
        where = f"第 {r} 行"
        where_en = f"row {r}"
        if not code:
            problems.append(f"{where}:微网格编码为空 / {where_en}: the code is empty")
            continue
        if code in seen:
            problems.append(f"{where}:微网格编码 {code} 与第 {seen[code]} 行重复 / "
                            f"{where_en}: code {code} repeats row {seen[code]}")
            continue
        seen[code] = r
        g = by_code.get(code)
        if g is None:
            problems.append(f"{where}:项目中没有微网格编码 {code} / "
                            f"{where_en}: no micro-grid with code {code} in the project")
            continue
        if code in dup_in_project:
            problems.append(f"{where}:项目中有多个微网格使用编码 {code},无法按编码对应 / "
                            f"{where_en}: several micro-grids share code {code}")
            continue
        unit = dataset.units.get(g.unit_code)
        new: dict[str, Any] = {}
        row_problems: list[str] = []
        orig = original.get(code)
        fields: list[FieldChange] = []
        for key in EDITABLE:
            if key not in cols:
                continue
            raw = cells.get(key)
            label = field_label(key)
            if key in ("households", "population"):
                v = _whole(raw)
                if isinstance(v, str):
                    row_problems.append(
                        f"{where} {label}:“{v}”不是整数 / {where_en} {key}: {v!r} is not a whole "
                        "number")
                    continue
                text = "" if v is None else str(v)
            else:
                text = _text(raw)
            if key == "category":
                text = normalize_category(text)
                c = cat.get(text)
                if not text:
                    row_problems.append(f"{where} 类别为空 / {where_en}: category is empty")
                    continue
                if c is None:
                    row_problems.append(f"{where} 类别:“{text}”不是已知类别 / "
                                        f"{where_en}: unknown category {text!r}")
                    continue
                if unit is not None and not cat.is_allowed(text, unit.unit_type):
                    row_problems.append(
                        f"{where} 类别:“{text}”不适用于{unit.unit_type}单元 {unit.name} / "
                        f"{where_en}: category {text!r} is not allowed in a {unit.unit_type} "
                        "unit")
                    continue
            if key == "name" and not text:
                row_problems.append(f"{where} 微网格名称为空 / {where_en}: the name is empty")
                continue
            if key == "departments":
                text = "、".join(d for d in _DEPT_SPLIT.split(text) if d)
            current = grid_value(g, key)
            before = orig.get(key, current) if orig is not None else current
            if text == before:
                if current != before:
                    untouched += 1  # changed in the editor since the export: kept
                continue
            if current != before and text != current:
                row_problems.append(
                    f"{where} {label}:表格改为“{text}”,但项目中已改为“{current}”(导出时为"
                    f"“{before}”),请核对后重新导出 / {where_en} {key}: the table says {text!r} "
                    f"but the project was changed to {current!r} since the export "
                    f"({before!r}); check and export again")
                continue
            if text == current:
                continue
            fields.append(FieldChange(key, label, current, text))
            new[key] = text
        if row_problems:
            problems += row_problems
            continue
        if not fields:
            continue
        if unit is not None and unit.locked:
            problems.append(f"{where}:管理单元 {unit.name}({unit.code})已锁定,不能修改微网格 "
                            f"{code} / {where_en}: unit {unit.code} is locked; grid {code} "
                            "cannot change")
            continue
        after = _apply_fields(g, new, cat, stamp)
        diffs.append(GridDiff(code, g.fid or 0, g.unit_code, r, fields))
        changes.append(GridChange(g, after))
    if problems:
        raise TableRefused(
            f"{p.name} 中有 {len(problems)} 处错误,未做任何修改",
            f"{p.name} has {len(problems)} problem(s); nothing was changed", problems)
    n = len(diffs)
    cs = ChangeSet(f"导入信息表 {p.name}:修改 {n} 个微网格",
                   f"import information table {p.name}: {n} micro-grid(s) changed", changes)
    return TableImport(p, n_rows, diffs, cs, untouched)


def _apply_fields(g: MicroGrid, new: dict[str, Any], cat: Catalogue, stamp: str) -> MicroGrid:
    kw: dict[str, Any] = {}
    bounds = dict(g.four_bounds or {})
    bounds_changed = False
    for key, text in new.items():
        if key.startswith("four_bounds."):
            side = key.split(".", 1)[1]
            if text:
                bounds[side] = text
            else:
                bounds.pop(side, None)
            bounds_changed = True
        elif key in ("households", "population"):
            kw[key] = int(text) if text else None
            if key == "households":  # typed by the office: kept, never recomputed
                kw["households_source"] = households_source_of(kw[key])
        elif key == "departments":
            kw[key] = [d for d in text.split("、") if d]
        else:
            kw[key] = text
    if "departments" in kw and not kw["departments"]:
        kw["departments"] = cat.default_departments(kw.get("category", g.category))
    if bounds_changed:
        kw["four_bounds"] = bounds or None
    kw["updated"] = stamp
    return g.replace(**kw)


def apply_table(project, imported: TableImport, who: str = "") -> ChangeSet:
    """Apply an import as ONE edit (undo takes all of it back)."""
    if not imported.changeset.changes:
        return imported.changeset
    return project.apply(imported.changeset, who=who)


def import_lines(diffs: Iterable[GridDiff]) -> list[tuple[str, int, str, str, str]]:
    """``(code, row, field label, old, new)`` per changed field, for previews."""
    return [(d.code, d.row, f.label, f.old, f.new) for d in diffs for f in d.fields]
