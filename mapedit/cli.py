"""The ``mapedit`` command line: one function per command.

``mapedit [PROJECT.gpkg]`` opens the editor; the subcommands create, import, export, describe
and check projects and exchange files without Qt. Exit statuses are the contract's:
0 ok / no errors, 1 the check found errors, 2 the input could not be read. A status-2 failure
prints exactly one bilingual line (Chinese / English) on standard error, never a traceback
(``--details`` lists every problem of a refused file after that line), and writes nothing:
everything is read and validated first, projects are created under a temporary name, exports
switch their two files into place as one set, and an import is one transaction. Warnings of a
command that succeeds come after its work, never before a refusal.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mapedit import __version__
from mapedit.cli_reports import REPORT_COMMANDS
from mapedit.errors import MapeditError

if TYPE_CHECKING:  # the CLI imports heavy modules per command, only when needed
    from mapedit.io.gpkg import GpkgStore
    from mapedit.model.dataset import Dataset
    from mapedit.project import Project

COMMANDS = ("demo", "new", "import", "renumber", "fix", "export", "info", "check", "editor",
            "layers", "add-layer", "georef", "tiles-pack", "render", *REPORT_COMMANDS)
EXIT_OK, EXIT_FINDINGS, EXIT_INPUT = 0, 1, 2


class CliError(MapeditError):
    """A bad command line (missing option, existing output file): exit status 2."""


# --------------------------------------------------------------------------------------------
# Output helpers
# --------------------------------------------------------------------------------------------
def _utf8_streams() -> None:
    """Chinese text must survive a Windows console (cp936/cp437) and pipes: force UTF-8."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is None:
            continue
        try:
            reconfigure(encoding="utf-8", errors="replace")
        except (ValueError, OSError, TypeError, AttributeError):
            pass


def _out(text: str = "") -> None:
    print(text, file=sys.stdout)


def _err(text: str) -> None:
    print(text, file=sys.stderr)


def _messages_to_stderr(messages: Sequence[str], limit: int = 50) -> None:
    for m in messages[:limit]:
        _err(f"  {m}")
    if len(messages) > limit:
        _err(f"  ……另有 {len(messages) - limit} 条 / … {len(messages) - limit} more")


def _os_error(exc: OSError) -> MapeditError:
    """Turn an OS error into a bilingual message naming the file."""
    name = exc.filename or ""
    reason = exc.strerror or str(exc)
    if isinstance(exc, FileNotFoundError):
        return MapeditError(f"找不到文件或文件夹 {name}", f"file or folder not found: {name}")
    if isinstance(exc, PermissionError):
        return MapeditError(f"没有权限访问 {name}(文件可能被其他程序占用)",
                            f"permission denied: {name} (the file may be open in another program)")
    if isinstance(exc, IsADirectoryError):
        return MapeditError(f"{name} 是文件夹", f"{name} is a folder")
    return MapeditError(f"文件操作失败 {name}:{reason}", f"file operation failed {name}: {reason}")


def _need_file(path: str, what_zh: str, what_en: str) -> Path:
    p = Path(path)
    if not p.exists():
        raise CliError(f"找不到{what_zh} {p}", f"{what_en} not found: {p}")
    if p.is_dir():
        raise CliError(f"{p} 是文件夹,不是{what_zh}", f"{p} is a folder, not a {what_en}")
    return p


def _check_new_output(path: str, force: bool) -> Path:
    p = Path(path)
    if p.is_dir():
        raise CliError(f"{p} 是文件夹,请给出 .gpkg 文件名", f"{p} is a folder; give a .gpkg file name")
    if p.exists() and not force:
        raise CliError(f"{p} 已存在;要覆盖请加 --force", f"{p} already exists; add --force to overwrite")
    if not p.parent.exists():
        raise CliError(f"文件夹 {p.parent} 不存在", f"folder {p.parent} does not exist")
    return p


def _summary_line(summary: dict[str, Any]) -> str:
    e, w = summary.get("errors", 0), summary.get("warnings", 0)
    g, u = summary.get("grids", 0), summary.get("units", 0)
    return (f"检查:{u} 个管理单元,{g} 个微网格,{e} 个错误,{w} 个警告 / "
            f"check: {u} units, {g} micro-grids, {e} errors, {w} warnings")


# --------------------------------------------------------------------------------------------
# Commands
# --------------------------------------------------------------------------------------------
def cmd_editor(args: argparse.Namespace) -> int:
    """Open the editor; without the GUI (headless install) say what would happen."""
    path = args.project
    if path is not None:
        _need_file(path, "项目文件", "project file")
    try:
        from mapedit.ui.app import main as ui_main
    except ImportError as exc:
        target = path or ("上次打开的项目(第一次为内置示例街道) / the project opened last "
                          "(the built-in demo street the first time)")
        _out(f"将打开编辑器:{target}(图形界面不可用:{exc}) / "
             f"would open the editor on: {target} (GUI not available: {exc})")
        return EXIT_OK
    if getattr(args, "demo", False):
        return int(ui_main(path, demo=True) or 0)
    return int(ui_main(path) or 0)


def cmd_demo(args: argparse.Namespace) -> int:
    out = _check_new_output(args.out, args.force)
    if args.units is not None and args.units < 1:
        raise CliError("--units 至少为 1", "--units must be at least 1")
    if args.gridded is not None and not 0.0 <= args.gridded <= 1.0:
        raise CliError("--gridded 应在 0 到 1 之间", "--gridded must be between 0 and 1")
    from mapedit.demo import generate
    from mapedit.project import Project

    t0 = time.perf_counter()
    dataset = generate(units=args.units, seed=args.seed, gridded=args.gridded)
    t1 = time.perf_counter()
    project = Project.create(out, dataset, overwrite=args.force)
    t2 = time.perf_counter()
    try:
        _out(f"已创建示例项目 {out}:{len(dataset.units)} 个管理单元,{len(dataset.grids)} 个微网格 / "
             f"created demo project {out}: {len(dataset.units)} units, "
             f"{len(dataset.grids)} micro-grids")
        _out(f"生成 {t1 - t0:.1f} 秒,写入 {t2 - t1:.1f} 秒 / "
             f"generated in {t1 - t0:.1f} s, written in {t2 - t1:.1f} s")
    finally:
        _close(project)
    return EXIT_OK


def cmd_new(args: argparse.Namespace) -> int:
    """Read and validate everything (units, grids, the dataset built from them) before the
    project file is written, so a refusal leaves nothing behind."""
    from mapedit.io.exchange import read_grids, read_units
    from mapedit.project import Project, dataset_from_units, remember_check_summary

    out = _check_new_output(args.out, args.force)
    units, crs, umsgs = read_units(_need_file(args.units, "管理单元文件", "units file"))
    grids, gmsgs = [], []
    if args.grids:
        grids, gmsgs = read_grids(_need_file(args.grids, "微网格文件", "grids file"), crs, units)
    # Shared with the GUI's 文件 → 新建(从管理单元文件).
    dataset = dataset_from_units(units, crs, grids, street_name=args.street,
                                 fallback_name=out.stem)
    from mapedit.cli_layers import add_base_layers, base_layers_for_new

    base = base_layers_for_new(args.base or [], dataset)  # read and checked before writing
    project = Project.create(out, dataset, overwrite=args.force)
    try:
        add_base_layers(project, base)
        _out(f"已创建项目 {out}:{len(units)} 个管理单元,{len(grids)} 个微网格,坐标系 {crs} / "
             f"created project {out}: {len(units)} units, {len(grids)} micro-grids, CRS {crs}")
        _messages_to_stderr(umsgs + gmsgs)
        _print_summary(project)
        remember_check_summary(project)
    finally:
        _close(project)
    return EXIT_OK


def _print_summary(project: Project) -> dict[str, Any]:
    summary = _project_summary(project)
    _out(_summary_line(summary))
    return summary


def _project_summary(project: Project) -> dict[str, Any]:
    summary = getattr(project, "summary", None)
    if callable(summary):
        return dict(summary())
    return dict(project.checker.summary())


def _close(project: Project | GpkgStore) -> None:
    close = getattr(project, "close", None)
    if callable(close):
        close()


def cmd_import(args: argparse.Namespace) -> int:
    from mapedit.project import Project, import_grids_changeset, remember_check_summary

    project_path = _need_file(args.project, "项目文件", "project file")
    grids_path = _need_file(args.grids, "微网格文件", "grids file")
    project = Project.open(project_path)
    try:
        # Shared with the GUI's 文件 → 导入微网格 so both import exactly alike.
        cs, msgs, added, updated = import_grids_changeset(project, grids_path)
        changes = cs.changes
        if not changes:
            _out(f"{grids_path.name} 中没有微网格,项目未改动 / "
                 f"{grids_path.name} holds no micro-grids; project unchanged")
            _messages_to_stderr(msgs)
            return EXIT_OK
        project.apply(cs, who="mapedit import", allow_invalid=True)
        _out(f"已导入 {grids_path.name}:新增 {added} 个,更新 {updated} 个微网格 / "
             f"imported {grids_path.name}: {added} added, {updated} updated")
        _messages_to_stderr(msgs)
        summary = _print_summary(project)
        remember_check_summary(project)
        if summary.get("errors"):
            _err(f"警告:项目仍有 {summary['errors']} 个错误,请用 mapedit check 查看 / "
                 f"warning: the project has {summary['errors']} errors; see mapedit check")
    finally:
        _close(project)
    return EXIT_OK


def cmd_renumber(args: argparse.Namespace) -> int:
    from mapedit.errors import InputError
    from mapedit.model.changes import ChangeSet
    from mapedit.model.geometry_ops import renumber_unit
    from mapedit.project import Project

    project_path = _need_file(args.project, "项目文件", "project file")
    project = Project.open(project_path)
    try:
        ds = project.dataset
        unknown = [c for c in args.units if c not in ds.units]
        if unknown:
            raise InputError(f"项目中没有管理单元 {', '.join(unknown)}",
                             f"the project has no unit {', '.join(unknown)}")
        # No unit named: every unlocked unit that has grids (locked ones are finished work).
        codes = args.units or [c for c, u in ds.units.items()
                               if not u.locked and ds.grids_of_unit(c)]
        changes = []
        for code in codes:
            changes += renumber_unit(ds, code).changes
        if not changes:
            _out("编号已是从北到南、从西到东的顺序,项目未改动 / "
                 "codes already run north to south, west to east; project unchanged")
            return EXIT_OK
        # One transaction: codes may swap between grids.
        project.apply(ChangeSet(f"重新编号 {len(codes)} 个管理单元",
                                f"renumber {len(codes)} unit(s)", changes), who="mapedit renumber")
        _out(f"已重新编号 {len(changes)} 个微网格 / renumbered {len(changes)} micro-grid(s)")
    finally:
        _close(project)
    return EXIT_OK


FIX_RULES = ("unit-crossing", "overlap", "gap", "sliver")
"""Rules ``mapedit fix`` can repair, in the order it repairs them (``mapedit.fixes.FIX_ORDER``)."""


def cmd_fix(args: argparse.Namespace) -> int:
    """Apply the checker's suggested fixes one finding at a time (``mapedit.fixes.fix_all``,
    the loop the GUI shares), each in its own transaction; print what happened. The exit
    status is 0 either way."""
    from mapedit.fixes import FixOutcome, fix_all
    from mapedit.project import Project

    verb_zh, verb_en = ("将修复", "would fix") if args.dry_run else ("已修复", "fixed")

    def say(o: FixOutcome) -> None:
        f = o.finding
        if o.changeset is not None:
            _out(f"{verb_zh}:{f.message_zh} → {o.changeset.zh} / "
                 f"{verb_en}: {f.message_en} → {o.changeset.en}")
        elif o.refused is not None:
            _out(f"跳过:{f.message_zh}({o.refused.zh}) / "
                 f"skipped: {f.message_en} ({o.refused.en})")

    project_path = _need_file(args.project, "项目文件", "project file")
    project = Project.open(project_path)
    try:
        run = fix_all(project, units=args.unit or (), rules=args.rule or FIX_RULES,
                      dry_run=args.dry_run, on_outcome=say)
        if run.undrawn:
            codes = ", ".join(sorted(run.undrawn))
            n = len(run.undrawn)
            _out(f"未处理 {n} 个尚未划分微网格的管理单元的空隙(整个单元不能作为一个微网格,"
                 f"请先绘制):{codes} / left the gaps of {n} unit(s) without grids "
                 f"alone (a whole unit cannot become one grid; draw its grids first): {codes}")
        if run.accepted:
            _out(f"跳过 {run.accepted} 个已接受的例外 / "
                 f"skipped {run.accepted} accepted exception(s)")
        if args.dry_run:
            _out(f"试运行:可修复 {run.applied} 项,跳过 {run.skipped} 项,项目未改动 / "
                 f"dry run: {run.applied} fix(es) possible, {run.skipped} skipped; "
                 "project unchanged")
        else:
            _out(f"已应用 {run.applied} 项修复,跳过 {run.skipped} 项 / "
                 f"applied {run.applied} fix(es), skipped {run.skipped}")
            _print_summary(project)
    finally:
        _close(project)
    return EXIT_OK


def _export_summary(project_path: Path) -> tuple[Dataset, dict[str, Any]]:
    """The dataset to export and a check summary that is current for it: the one the last
    check stored in the project if nothing changed since (then the reference layers are not
    even loaded), else a fresh check, which is stored for next time."""
    from mapedit.io.gpkg import GpkgStore
    from mapedit.project import Project, remember_check_summary, stored_check_summary

    store = GpkgStore.open(project_path)
    try:
        summary = stored_check_summary(store)
        if summary is not None:
            return store.load(base_layers=False), summary
    finally:
        _close(store)
    project = Project.open(project_path)
    try:
        summary = _project_summary(project)
        remember_check_summary(project)
        return project.dataset, summary
    finally:
        _close(project)


def cmd_export(args: argparse.Namespace) -> int:
    """Check summary first (reused when current); an export with errors needs --force. The
    contract's GeoJSON goes through the exchange writer (the pre-export shape warning, the two
    files switched into place as one set); other formats and profiles through
    ``reports.platform_export``. Every export ends with ``manifest.json``. Existing files are
    replaced only with --force."""
    import dataclasses

    from mapedit.reports.platform_export import (
        ExportHasErrors,
        existing_outputs,
        export_dataset,
        export_plan,
        required_missing,
    )
    from mapedit.reports.profiles import load_profile

    project_path = _need_file(args.project, "项目文件", "project file")
    out_dir = Path(args.out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise CliError(f"{out_dir} 不是文件夹", f"{out_dir} is not a folder")
    profile = load_profile(args.profile)
    if args.coords:
        profile = dataclasses.replace(profile, coordinate_system=args.coords)
    existing = existing_outputs(out_dir, args.format, profile)
    if existing and not args.force:
        names = ", ".join(p.name for p in existing)
        raise CliError(f"{out_dir} 中已有 {names};要覆盖请加 --force",
                       f"{out_dir} already holds {names}; add --force to overwrite")
    dataset, summary = _export_summary(project_path)
    _out(_summary_line(summary))
    problems = required_missing(dataset, profile)
    if (summary.get("errors") or problems) and not args.force:
        why = [f"检查发现 {summary['errors']} 个错误 / the check found {summary['errors']} "
               "errors"] if summary.get("errors") else []
        raise ExportHasErrors(
            "导出前的检查未通过,未导出;确认仍要导出请加 --force(清单 manifest.json 会记录)",
            "the pre-export check did not pass, nothing was exported; add --force to export "
            "anyway (manifest.json records it)", why + problems)
    if summary.get("errors"):
        _err(f"警告:仍有 {summary['errors']} 个错误,平台可能拒收;按 --force 导出 / "
             f"warning: {summary['errors']} errors remain, the platform may reject the data; "
             "exporting as --force asks")
    _messages_to_stderr(problems)
    cs = profile.coordinate_system
    plan = export_plan(dataset, args.format, profile)  # the contract's GeoJSON: shape changes
    if plan is not None and plan.changes:
        _err(f"警告:{len(plan.changes)} 个要素导出后形状会改变 / "
             f"warning: {len(plan.changes)} feature(s) change shape on export")
        _messages_to_stderr([c.message() for c in plan.changes])
    result = export_dataset(dataset, out_dir, args.format, profile, summary, force=args.force,
                            encoding=args.encoding, project={"file": project_path.name},
                            plan=plan, problems=problems)
    _messages_to_stderr(result.messages)
    files, manifest = result.files, result.manifest
    _out(f"已导出 / exported ({args.format}, {profile.name}, {cs}):")
    for f in [*files, manifest]:
        _out(f"  {f}")
    return EXIT_OK


def cmd_info(args: argparse.Namespace) -> int:
    """Describe a project from its metadata and counts only: no checker, no geometry load,
    so it stays fast on a city-sized file."""
    from mapedit.io.gpkg import GpkgStore

    path = _need_file(args.project, "项目文件", "project file")
    store = GpkgStore.open(path, migrate=False)  # a quick look never rewrites the file
    try:
        meta = dict(store.meta() or {})
        counts = dict(store.counts() or {})
        facts = store.facts()
    finally:
        _close(store)
    street, by_type = facts.get("street") or "", facts.get("units_by_type") or {}
    size_mb = path.stat().st_size / 1e6
    _out(f"项目 / project: {path}  ({size_mb:.1f} MB)")
    _out(f"街道 / street: {street or '-'}")
    _out(f"坐标系 / CRS: {meta.get('crs') or '-'}")
    _out("图层 / layers:")
    for name, n in counts.items():
        _out(f"  {name}: {n}")
    if by_type:
        _out("管理单元类型 / units by type: " + ", ".join(f"{t} {n}" for t, n in by_type.items()))
    for key in ("format", "format_version", "created", "app_version"):
        if meta.get(key):
            _out(f"{key}: {meta[key]}")
    return EXIT_OK


def _code_pattern(spec: str, codes: list[str]) -> str:
    from mapedit.model.codes import CodePattern

    if spec == "default":
        return CodePattern.infer(codes).spec
    if spec == "none":
        return "none"
    try:
        re.compile(spec)
    except re.error as exc:
        raise CliError(f"--code-pattern 不是有效的正则表达式:{exc}",
                       f"--code-pattern is not a valid regular expression: {exc}") from exc
    return spec


def exchange_dataset(units_path: str, grids_path: str, buildings: str | None = None,
                     villager_groups: str | None = None, code_pattern: str = "default"
                     ) -> tuple[Dataset, list[str]]:
    """A Dataset made from exchange files for ``check``: lenient reading (the checker reports
    what is wrong), grids keyed 1..n in file order. Returns (dataset, reading messages)."""
    from mapedit.io.exchange import read_base_layer, read_grids, read_units
    from mapedit.model.dataset import Dataset
    from mapedit.model.layers import LayerStack
    from mapedit.model.settings import Settings

    units, crs, msgs = read_units(_need_file(units_path, "管理单元文件", "units file"),
                                  lenient=True)
    grids, gmsgs = read_grids(_need_file(grids_path, "微网格文件", "grids file"), crs, units,
                              lenient=True)
    msgs = msgs + gmsgs
    base = {}
    for name, path in (("buildings", buildings), ("villager_groups", villager_groups)):
        if path:
            layer, lmsgs = read_base_layer(_need_file(path, "底图文件", "base layer file"),
                                           crs, name)
            base[name] = layer
            msgs += lmsgs
    codes = [u.code for u in units] + [g.code for g in grids]
    settings = Settings(code_pattern=_code_pattern(code_pattern, codes))
    ds = Dataset(crs=crs, units={u.code: u for u in units},
                 grids={i: g.replace(fid=i) for i, g in enumerate(grids, start=1)},
                 layers=LayerStack.default(base), settings=settings)
    return ds, msgs


def _exchange_given_as_project(args: argparse.Namespace) -> None:
    """``mapedit check FOLDER`` where FOLDER is an export (``units.geojson`` beside
    ``grids.geojson``): check that pair, as a clerk expects. ``mapedit check X.geojson`` says
    how to check exchange files instead of "not a GeoPackage"."""
    p = Path(args.project)
    if p.is_dir() and (p / "units.geojson").is_file() and (p / "grids.geojson").is_file():
        args.units, args.grids, args.project = str(p / "units.geojson"), \
            str(p / "grids.geojson"), None
    elif p.suffix.lower() in (".geojson", ".json"):
        raise CliError(f"{p.name} 是交换文件,不是项目文件:检查交换文件请用 "
                       "mapedit check --units 管理单元.geojson --grids 微网格.geojson,"
                       "或给出导出文件夹",
                       f"{p.name} is an exchange file, not a project: check exchange files "
                       "with mapedit check --units U.geojson --grids G.geojson, or give the "
                       "export folder")


def cmd_check(args: argparse.Namespace) -> int:
    from mapedit.rules.report import report_dict, report_text

    if args.project and (args.units or args.grids):
        raise CliError("请给出项目文件,或 --units 和 --grids,不能同时给出",
                       "give a project file or --units and --grids, not both")
    if args.project:
        _exchange_given_as_project(args)  # an export folder becomes --units/--grids
    if args.project:
        from mapedit.project import Project, remember_check_summary

        project = Project.open(_need_file(args.project, "项目文件", "project file"))
        try:
            findings = list(project.findings)
            summary = _project_summary(project)
            crs = project.dataset.crs
            remember_check_summary(project)
        finally:
            _close(project)
    else:
        if not (args.units and args.grids):
            raise CliError("检查交换文件需要 --units 和 --grids",
                           "checking exchange files needs both --units and --grids")
        from mapedit.rules.engine import Checker

        ds, msgs = exchange_dataset(args.units, args.grids, args.buildings,
                                    args.villager_groups, args.code_pattern)
        checker = Checker(ds)
        findings = checker.run_full()
        summary = dict(checker.summary())
        crs = ds.crs
        _messages_to_stderr(msgs)
    if args.json:
        report = report_dict(findings, summary, crs)
        _out(json.dumps(report, ensure_ascii=False))
    else:
        _out(report_text(findings, summary, lang=args.lang))
    return EXIT_FINDINGS if summary.get("errors") else EXIT_OK


# --------------------------------------------------------------------------------------------
# Parser and entry point
# --------------------------------------------------------------------------------------------
class _Parser(argparse.ArgumentParser):
    """argparse exits with status 2 on bad usage, which is our "input not readable" status;
    make its message the one bilingual line every status-2 failure prints (no usage block)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        prog = self.prog
        raise CliError(f"命令行参数有误:{message}(用法见 {prog} --help)",
                       f"bad command line: {message} (see {prog} --help)")


UNIT_TYPES_HELP = "小区/农村/街面/农场"
NEW_DESCRIPTION = """由平台的 units.geojson 新建项目 / create a project from the platform's units.geojson

units.geojson 每个管理单元的属性 / properties of each unit:
  code                 必填,12 位编码 / required, 12-digit code
  name                 必填 / required
  unit_type            必填,管理单元类型,取值 / required, the unit type, one of:
                         小区  住宅小区 / residential compound
                         农村  村 / village
                         街面  街面(沿街商铺、企业等)/ street front
                         农场  农场 / farm
  responsibility_grid  可选,所属责任网格 / optional, responsibility grid
  street               可选,街道 / optional, street

坐标为 WGS84 经纬度(EPSG:4326)。单元边界必须是有效的面(不自相交)。
Coordinates are WGS84 longitude/latitude (EPSG:4326); unit boundaries must be valid polygons
(not self-intersecting)."""


def _details_option(s: argparse.ArgumentParser) -> None:
    s.add_argument("--details", action="store_true",
                   help="出错时在一行错误信息后列出每一处问题 / after the one-line error, "
                        "list every problem")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="mapedit", description="微网格编辑器 / micro-grid editor for street offices")
    p.add_argument("--version", action="version", version=f"mapedit {__version__}")
    p.add_argument("--self-test", dest="self_test", action="store_true",
                   help="自检:示例、绘制、分割、检查、导出、渲染,每步一行 / check this copy "
                        "works: one line per step, exit 0 when all pass")
    p.add_argument("--offscreen", action="store_true",
                   help="自检时不显示窗口 / run the self-test without a display")
    sub = p.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")

    s = sub.add_parser("editor", help="打开编辑器 / open the editor (same as: mapedit [PROJECT])")
    s.add_argument("project", nargs="?")
    s.add_argument("--demo", action="store_true",
                   help="打开示例街道 / open the bundled demo street")
    s.set_defaults(func=cmd_editor)

    s = sub.add_parser("demo", help="生成示例街道项目 / create the demo street project")
    s.add_argument("out", metavar="OUT.gpkg")
    s.add_argument("--units", type=int, default=None, help="管理单元数 / number of units")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--gridded", type=float, default=None,
                   help="已划分微网格的单元比例 0..1 / share of units with grids")
    s.add_argument("--force", action="store_true", help="覆盖已有文件 / overwrite")
    s.set_defaults(func=cmd_demo)

    s = sub.add_parser("new", help="由管理单元文件新建项目 / new project from units.geojson",
                       description=NEW_DESCRIPTION,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    s.add_argument("out", metavar="OUT.gpkg")
    s.add_argument("--units", required=True, metavar="units.geojson",
                   help="管理单元:code、name、unit_type(" + UNIT_TYPES_HELP + ")/ "
                        "units: code, name, unit_type (" + UNIT_TYPES_HELP + ")")
    s.add_argument("--grids", metavar="grids.geojson")
    s.add_argument("--street", metavar="NAME", help="街道名称 / street name")
    s.add_argument("--base", action="append", metavar="FILE[:ROLE][@CRS]",
                   help="底图图层(可重复);文件没有坐标系(DXF、无 .prj 的 Shapefile)时用 @EPSG:N "
                        "指定,如 房屋.dxf:buildings@EPSG:4528 / a base layer (repeatable); "
                        "@EPSG:N gives the CRS of a file that has none (a DXF, a Shapefile "
                        "without .prj), e.g. 房屋.dxf:buildings@EPSG:4528")
    s.add_argument("--force", action="store_true", help="覆盖已有文件 / overwrite")
    _details_option(s)
    s.set_defaults(func=cmd_new)

    s = sub.add_parser("import", help="导入微网格 / import micro-grids into a project")
    s.add_argument("project", metavar="PROJECT.gpkg")
    s.add_argument("grids", metavar="grids.geojson")
    _details_option(s)
    s.set_defaults(func=cmd_import)

    s = sub.add_parser("renumber", help="按从北到南、从西到东重新编号 / renumber grids in "
                       "reading order")
    s.add_argument("project", metavar="PROJECT.gpkg")
    s.add_argument("units", nargs="*", metavar="UNIT",
                   help="管理单元编码(省略:全部未锁定单元) / unit codes (default: all unlocked)")
    s.set_defaults(func=cmd_renumber)

    s = sub.add_parser("fix", help="应用检查结果的建议修复 / apply the checker's suggested fixes")
    s.add_argument("project", metavar="PROJECT.gpkg")
    s.add_argument("--unit", action="append", metavar="CODE",
                   help="只修复该管理单元(可重复) / only this unit (repeatable)")
    s.add_argument("--rule", action="append", choices=list(FIX_RULES),
                   help="只修复该类问题(可重复) / only findings of this rule (repeatable)")
    s.add_argument("--dry-run", dest="dry_run", action="store_true",
                   help="只列出将做的修复,不改动项目 / list the fixes without applying them")
    s.set_defaults(func=cmd_fix)

    s = sub.add_parser("export", help="导出交换文件 / export units.geojson and grids.geojson")
    s.add_argument("project", metavar="PROJECT.gpkg")
    s.add_argument("out_dir", metavar="OUT_DIR")
    s.add_argument("--format", choices=["geojson", "shp", "gpkg", "kml", "csv"],
                   default="geojson", help="格式 / format (default geojson)")
    s.add_argument("--profile", metavar="NAME|FILE",
                   help="导出配置(默认 platform,即交换格式)/ export profile (default: platform, "
                        "the exchange contract)")
    s.add_argument("--coords", choices=["wgs84", "gcj02", "cgcs2000"], default=None,
                   help="坐标系(默认取导出配置,platform 为 wgs84)/ coordinate system "
                        "(default: the profile's; wgs84 for platform)")
    s.add_argument("--encoding", type=str.upper, choices=["UTF-8", "GBK"], default="UTF-8",
                   help="Shapefile 编码(旧平台用 GBK)/ Shapefile encoding (GBK for older "
                        "platforms)")
    s.add_argument("--force", action="store_true",
                   help="检查有错误时仍导出,并覆盖文件夹中已有的文件 / export despite errors "
                        "and overwrite files already in OUT_DIR")
    _details_option(s)
    s.set_defaults(func=cmd_export)

    s = sub.add_parser("info", help="项目概况 / describe a project")
    s.add_argument("project", metavar="PROJECT.gpkg")
    s.set_defaults(func=cmd_info)

    s = sub.add_parser("check", help="检查项目或交换文件 / check a project or exchange files")
    s.add_argument("project", nargs="?", metavar="PROJECT.gpkg|FOLDER",
                   help="项目文件,或导出文件夹(含 units.geojson 与 grids.geojson)/ a project, "
                   "or an export folder (units.geojson and grids.geojson)")
    s.add_argument("--units", metavar="U.geojson")
    s.add_argument("--grids", metavar="G.geojson")
    s.add_argument("--buildings", metavar="B.geojson")
    s.add_argument("--villager-groups", dest="villager_groups", metavar="V.geojson")
    s.add_argument("--code-pattern", dest="code_pattern", default="default",
                   metavar="default|none|REGEX")
    s.add_argument("--json", action="store_true", help="输出 JSON 报告 / JSON report")
    s.add_argument("--lang", choices=["zh", "en"], default="zh")
    _details_option(s)
    s.set_defaults(func=cmd_check)

    from mapedit import cli_layers  # base maps: layers, add-layer, georef, tiles-pack

    cli_layers.register(sub)
    from mapedit import cli_reports  # sheets, table, table-import, progress, diff

    cli_reports.register(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``mapedit`` console script; returns the exit status."""
    _utf8_streams()
    args_list = list(sys.argv[1:] if argv is None else argv)
    # ``mapedit`` and ``mapedit PROJECT.gpkg`` open the editor.
    if not args_list or (args_list[0] not in COMMANDS and not args_list[0].startswith("-")):
        args_list = ["editor", *args_list]
    args: argparse.Namespace | None = None
    try:
        try:
            args = build_parser().parse_args(args_list)
            if args.self_test:
                from mapedit.selftest import main as self_test

                return self_test(offscreen=args.offscreen)
            return int(args.func(args))
        except OSError as exc:
            raise _os_error(exc) from exc
        except MemoryError as exc:
            raise MapeditError("内存不足", "out of memory") from exc
    except MapeditError as exc:
        _err(_one_line(f"错误:{exc.zh} / error: {exc.en}"))
        if args is not None and getattr(args, "details", False):
            _messages_to_stderr(getattr(exc, "details", []), limit=10_000)
        return exc.exit_status if exc.exit_status else EXIT_INPUT
    except KeyboardInterrupt:
        _err("已中断 / interrupted")
        return 130
    except SystemExit as exc:  # argparse --help / --version
        return int(exc.code or 0) if isinstance(exc.code, int | None) else EXIT_INPUT
    except Exception as exc:  # a bug: still one line, the traceback only on request
        if os.environ.get("MAPEDIT_DEBUG"):
            raise
        _err(_one_line(
            f"错误:内部错误 {type(exc).__name__}: {exc}(设置 MAPEDIT_DEBUG=1 查看详情) / "
            f"error: internal error {type(exc).__name__}: {exc} (set MAPEDIT_DEBUG=1 for "
            "details)"))
        return EXIT_INPUT


def _one_line(text: str) -> str:
    """The promised single line, whatever a message holds (a file name with a newline, a
    reason GEOS wrapped)."""
    return text.replace("\r\n", " ").replace("\n", " ").replace("\r", " ")


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
