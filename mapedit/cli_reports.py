"""The paper-trail commands of ``mapedit``: sheets, table, table-import, progress, diff.

Kept out of ``cli.py`` so the command line stays one short file per area; ``cli.py`` registers
these with one call (:func:`register`). Each command imports what it needs when it runs (the
sheets need Qt, the tables openpyxl), so ``mapedit info`` stays fast.
"""

from __future__ import annotations

import argparse
from pathlib import Path

REPORT_COMMANDS = ("sheets", "table", "table-import", "progress", "diff")


def _cli():
    from mapedit import cli

    return cli


def _open_project(path: str):
    from mapedit.project import Project

    cli = _cli()
    return Project.open(cli._need_file(path, "项目文件", "project file"))


def _units_arg(project, codes: list[str] | None) -> list[str] | None:
    from mapedit.errors import InputError

    if not codes:
        return None
    unknown = [c for c in codes if c not in project.dataset.units]
    if unknown:
        raise InputError(f"项目中没有管理单元 {', '.join(unknown)}",
                         f"the project has no unit {', '.join(unknown)}")
    return list(dict.fromkeys(codes))


def cmd_sheets(args: argparse.Namespace) -> int:
    cli = _cli()
    out = Path(args.out)
    if out.suffix.lower() != ".pdf":
        raise cli.CliError(f"输出文件应以 .pdf 结尾:{out}", f"the output file should end in .pdf: {out}")
    project = _open_project(args.project)
    try:
        codes = _units_arg(project, args.unit)
        from mapedit.ui.sheets.atlas import write_project_sheets

        result = write_project_sheets(project, out, codes, args.paper)
        what = (f"{len(result.units)} 个管理单元" if codes else
                f"全街道(总图 + {len(result.units)} 个管理单元)")
        what_en = (f"{len(result.units)} unit(s)" if codes else
                   f"the whole street (overview + {len(result.units)} units)")
        cli._out(f"已生成图纸 {out}:{what},共 {result.pages} 页,{args.paper} / "
                 f"wrote sheets {out}: {what_en}, {result.pages} pages, {args.paper}")
        if result.font is None:
            cli._err("警告:未找到中文字体,PDF 中的中文可能无法显示 / "
                     "warning: no Chinese font found; Chinese text may not show in the PDF")
        if result.imagery_problems:
            zh, en = result.imagery_problems[0]
            more = len(result.imagery_problems) - 1
            cli._err(f"警告:图纸上的影像不完整,已在图上注明({zh}"
                     + (f";另有 {more} 处" if more else "") + f")/ warning: the imagery on "
                     f"the sheets is incomplete, noted on them ({en}"
                     + (f"; {more} more" if more else "") + ")")
    finally:
        cli._close(project)
    return cli.EXIT_OK


def cmd_table(args: argparse.Namespace) -> int:
    from mapedit.reports.sheet_content import project_revision
    from mapedit.reports.xlsx_table import export_table

    cli = _cli()
    out = Path(args.out)
    if out.suffix.lower() != ".xlsx":
        raise cli.CliError(f"输出文件应以 .xlsx 结尾:{out}",
                           f"the output file should end in .xlsx: {out}")
    project = _open_project(args.project)
    try:
        codes = _units_arg(project, args.unit)
        n = export_table(project.dataset, out, codes, revision=project_revision(project.store))
        cli._out(f"已导出信息表 {out}:{n} 个微网格 / wrote information table {out}: "
                 f"{n} micro-grid(s)")
    finally:
        cli._close(project)
    return cli.EXIT_OK


def cmd_table_import(args: argparse.Namespace) -> int:
    """Exit 0 when applied (or nothing to do), 2 when the table is refused (nothing changed);
    ``--dry-run`` lists the changes only."""
    from mapedit.reports.xlsx_table import apply_table, read_table

    cli = _cli()
    table = cli._need_file(args.table, "信息表", "information table")
    project = _open_project(args.project)
    try:
        imported = read_table(project.dataset, table)
        for line in imported.lines():
            cli._out(f"  {line}")
        if imported.untouched_project_edits:
            cli._out(f"保留项目中导出后修改的 {imported.untouched_project_edits} 个字段(表格未改动) / "
                     f"kept {imported.untouched_project_edits} field(s) edited in the project "
                     "since the export (unchanged in the table)")
        n, f = imported.changed_grids, imported.changed_fields
        if args.dry_run:
            cli._out(f"试运行:将修改 {n} 个微网格的 {f} 个字段,项目未改动 / "
                     f"dry run: {f} field(s) of {n} micro-grid(s) would change; project unchanged")
            return cli.EXIT_OK
        if not n:
            cli._out("表格与项目一致,项目未改动 / the table matches the project; nothing changed")
            return cli.EXIT_OK
        apply_table(project, imported, who="mapedit table-import")
        cli._out(f"已导入信息表:修改 {n} 个微网格的 {f} 个字段(一次编辑,可撤销) / "
                 f"imported: {f} field(s) of {n} micro-grid(s) changed (one undoable edit)")
    finally:
        cli._close(project)
    return cli.EXIT_OK


def cmd_progress(args: argparse.Namespace) -> int:
    """The monthly progress table as CSV (plus the coverage chart as a PNG beside it) or
    XLSX (chart inside)."""
    from mapedit.reports.progress import (
        coverage_history,
        progress_rows,
        progress_title,
        write_csv,
        write_xlsx,
    )

    cli = _cli()
    out = Path(args.out)
    kind = out.suffix.lower()
    if kind not in (".csv", ".xlsx"):
        raise cli.CliError(f"输出文件应以 .csv 或 .xlsx 结尾:{out}",
                           f"the output file should end in .csv or .xlsx: {out}")
    project = _open_project(args.project)
    try:
        ds = project.dataset
        log = project.store.edit_log(10_000_000)
        rows = progress_rows(ds, list(project.findings), log)
        history = coverage_history(ds, log)
        png = None
        try:
            from mapedit.ui.sheets.chart import coverage_chart_png

            png = coverage_chart_png(history)
        except ImportError:  # a headless install without Qt still gets the table
            png = None
        if kind == ".csv":
            write_csv(rows, out)
            extra = ""
            if png:
                chart = out.with_name(out.stem + "_覆盖率.png")
                from mapedit.reports.output import atomic_path

                with atomic_path(chart, ".png") as tmp:
                    tmp.write_bytes(png)
                extra = f" + {chart.name}"
        else:
            write_xlsx(rows, out, history, png, (1000, 460), progress_title(ds))
            extra = ""
        total = rows[-1]
        cov = f"{total.coverage * 100:.1f}"
        cli._out(f"已生成进度表 {out}{extra}:{sum(r.kind == 'unit' for r in rows)} 个管理单元,"
                 f"覆盖率 {cov}%,错误 {total.errors} 项 / wrote progress report {out}{extra}: "
                 f"coverage {cov}%, {total.errors} errors")
    finally:
        cli._close(project)
    return cli.EXIT_OK


def cmd_diff(args: argparse.Namespace) -> int:
    """Print what changed since an earlier export (the codes of added, removed and changed
    grids); ``--csv`` also writes the report as CSV."""
    from mapedit.reports.diff import diff_export

    cli = _cli()
    project = _open_project(args.project)
    try:
        diff = diff_export(project.dataset, args.earlier)
    finally:
        cli._close(project)
    cli._out(diff.text())
    if args.csv:
        from mapedit.reports.output import atomic_path

        with atomic_path(args.csv, ".csv") as tmp:
            tmp.write_bytes(diff.csv_text().encode("utf-8-sig"))
        cli._out(f"已写出 {args.csv} / wrote {args.csv}")
    return cli.EXIT_OK


def register(sub) -> None:
    """Add the report commands to ``mapedit``'s subparsers."""
    s = sub.add_parser("sheets", help="打印/导出确认图纸(PDF) / sign-off map sheets as PDF")
    s.add_argument("project", metavar="PROJECT.gpkg")
    s.add_argument("out", metavar="OUT.pdf")
    s.add_argument("--unit", action="append", metavar="CODE",
                   help="只出该管理单元(可重复;省略:全街道图集) / only this unit (repeatable; "
                   "default: the street atlas)")
    s.add_argument("--paper", type=str.upper, choices=["A4", "A3"], default="A4",
                   help="纸张 / paper size (default A4)")
    s.set_defaults(func=cmd_sheets)

    s = sub.add_parser("table", help="导出信息表(Excel) / export the information table (XLSX)")
    s.add_argument("project", metavar="PROJECT.gpkg")
    s.add_argument("out", metavar="OUT.xlsx")
    s.add_argument("--unit", action="append", metavar="CODE",
                   help="只导出该管理单元(可重复) / only this unit (repeatable)")
    s.set_defaults(func=cmd_table)

    s = sub.add_parser("table-import", help="导入填好的信息表 / import a filled information table")
    s.add_argument("project", metavar="PROJECT.gpkg")
    s.add_argument("table", metavar="IN.xlsx")
    s.add_argument("--dry-run", dest="dry_run", action="store_true",
                   help="只列出将做的修改 / list the changes without applying them")
    s.set_defaults(func=cmd_table_import)

    s = sub.add_parser("progress", help="月度推进表(CSV/Excel) / the monthly progress table")
    s.add_argument("project", metavar="PROJECT.gpkg")
    s.add_argument("out", metavar="OUT.csv|OUT.xlsx")
    s.set_defaults(func=cmd_progress)

    s = sub.add_parser("diff", help="与之前导出的差异 / changes since an earlier export")
    s.add_argument("project", metavar="PROJECT.gpkg")
    s.add_argument("earlier", metavar="EARLIER_EXPORT_DIR")
    s.add_argument("--csv", metavar="OUT.csv", help="另存为 CSV / also write a CSV report")
    s.set_defaults(func=cmd_diff)
