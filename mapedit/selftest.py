"""``mapedit --self-test``: the program checks itself, on an office PC or on a frozen build.

A technician (or CI, on the PyInstaller bundle) runs it to see in a minute whether this copy of
mapedit works on this machine: it makes the demo street in a temporary folder, opens the main
window (offscreen where there is no display), draws a micro-grid and splits it *with the map
tools* (simulated mouse input at the canvas's own map↔screen transform, as a clerk would),
runs the checker, writes a sign-off sheet (PDF with searchable text), exports GeoJSON (which
needs PROJ's data), renders the map to a PNG, and prints
one line per step with OK or FAILED, after a header with the versions of Qt, GEOS, PROJ (and
where its data is), GDAL and the font in use. The exit status is 0 only when every step passed.

The same lines appear in 帮助 → 自检 (:mod:`mapedit.ui.selftest_dialog`).

Steps are one list, :data:`STEPS`; a step is a function taking the shared :class:`Run` and
returning a short detail text (raise to fail). Adding a step is one line in that list, as the
paper-trail issue's sign-off sheet was:

    Step("sheet", "输出签字图", "write a sign-off sheet", step_sheet),

Nothing here touches the clerk's settings, recent files, backups or log: the window gets its own
settings in the temporary folder, which is deleted afterwards.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mapedit import __version__

Emit = Callable[[str], None]


# --------------------------------------------------------------------------------------------
# Environment
# --------------------------------------------------------------------------------------------
def versions() -> dict[str, str]:
    """Versions of the program and the libraries that matter for support, as text.

    Qt entries need a ``QGuiApplication`` for the platform name; without one they say so."""
    out: dict[str, str] = {
        "mapedit": __version__,
        "Python": platform.python_version(),
        "OS": platform.platform(),
        "frozen": "yes" if getattr(sys, "frozen", False) else "no",
    }
    try:
        import PySide6
        from PySide6.QtCore import qVersion
        from PySide6.QtGui import QGuiApplication

        app = QGuiApplication.instance()
        plat = QGuiApplication.platformName() if app is not None else "-"
        out["Qt"] = f"{qVersion()} (PySide6 {PySide6.__version__}, platform {plat})"
    except Exception as exc:  # noqa: BLE001 - a support line must never raise
        out["Qt"] = f"unavailable ({exc})"
    try:
        import shapely

        out["GEOS"] = f"{shapely.geos_version_string} (shapely {shapely.__version__})"
    except Exception as exc:  # noqa: BLE001
        out["GEOS"] = f"unavailable ({exc})"
    try:
        import pyproj
        from pyproj.datadir import get_data_dir

        out["PROJ"] = f"{pyproj.proj_version_str} (pyproj {pyproj.__version__})"
        out["PROJ data"] = get_data_dir()
    except Exception as exc:  # noqa: BLE001
        out["PROJ"] = f"unavailable ({exc})"
    try:
        import pyogrio

        out["GDAL"] = f"{pyogrio.__gdal_version_string__} (pyogrio {pyogrio.__version__})"
    except ImportError:
        out["GDAL"] = "未安装 pyogrio / pyogrio not installed (no feature needs it yet)"
    except Exception as exc:  # noqa: BLE001
        out["GDAL"] = f"unavailable ({exc})"
    return out


def version_lines(extra: dict[str, str] | None = None) -> list[str]:
    v = versions()
    if extra:
        v.update(extra)
    return [f"  {k}: {val}" for k, val in v.items()]


# --------------------------------------------------------------------------------------------
# Steps
# --------------------------------------------------------------------------------------------
class StepFailed(Exception):
    """A step's check did not hold (the message says which)."""


@dataclass
class Run:
    """What the steps share: the temporary folder and what earlier steps made."""

    folder: Path
    app: Any = None
    settings: Any = None
    window: Any = None
    project: Any = None
    demo_path: Path | None = None
    unit_code: str | None = None
    drawn_fid: int | None = None
    drawn_area: float = 0.0
    export_dir: Path | None = None
    png_path: Path | None = None
    info: dict[str, str] = field(default_factory=dict)

    def need(self, attr: str) -> Any:
        """What an earlier step made; a clear failure when that step failed."""
        value = getattr(self, attr)
        if value is None:
            raise StepFailed("前面的步骤失败,本步无法进行 / skipped: an earlier step failed")
        return value


@dataclass(frozen=True)
class Step:
    key: str
    zh: str
    en: str
    run: Callable[[Run], str]


@dataclass
class StepResult:
    step: Step
    ok: bool
    detail: str
    seconds: float

    def line(self) -> str:
        status = "OK    " if self.ok else "FAILED"
        return f"{status}  {self.step.zh} / {self.step.en}: {self.detail} ({self.seconds:.1f} s)"


def step_resources(run: Run) -> str:
    """Catalogue, translations (ours and Qt's), icons, image-format plugins: the files a frozen
    build loses first."""
    from PySide6.QtCore import (
        QBuffer,
        QByteArray,
        QIODevice,
        QLibraryInfo,
        QLocale,
        QSize,
        QTranslator,
    )
    from PySide6.QtGui import QImage, QImageReader

    from mapedit.model.catalogue import Catalogue
    from mapedit.ui import i18n
    from mapedit.ui.icons import icon, icon_names

    categories = len(Catalogue.default().categories)
    if not categories:
        raise StepFailed("类别表为空 / the category catalogue is empty")
    t = i18n.TsTranslator()
    if not t.load_ts(i18n.ts_path("en")):
        raise StepFailed(f"读不到英文翻译 / cannot read {i18n.ts_path('en')}")
    qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if not QTranslator().load(QLocale(QLocale.Language.Chinese, QLocale.Country.China),
                              "qtbase", "_", qt_dir):
        raise StepFailed(f"缺少 Qt 中文翻译 qtbase_zh_CN.qm / Qt's own Chinese translation "
                         f"missing in {qt_dir}")
    names = icon_names()
    for name in names:
        img = icon(name).pixmap(QSize(32, 32)).toImage()
        if img.isNull() or not any(img.pixelColor(x, y).alpha() for x in range(32)
                                   for y in range(32)):
            raise StepFailed(f"图标 {name} 画不出来 / icon {name} renders empty")
    formats = {bytes(f).decode() for f in QImageReader.supportedImageFormats()}
    missing = {"png", "jpg", "svg", "tif"} - formats
    if missing:
        raise StepFailed(f"缺少图像格式插件 / image format plugins missing: {sorted(missing)}")
    img = QImage(8, 8, QImage.Format.Format_RGB32)
    img.fill(0x3366CC)
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    if not img.save(buf, "JPG"):
        raise StepFailed("JPEG 插件不能写 / the JPEG plugin cannot write")
    back = QImage()
    if not back.loadFromData(data, "JPG") or back.width() != 8:
        raise StepFailed("JPEG 插件不能读 / the JPEG plugin cannot read")
    return (f"类别 {categories} 个,英文翻译 {len(t)} 条,Qt 中文翻译,图标 {len(names)} 个,"
            f"图像格式 png/jpg/svg/tif / {categories} categories, {len(t)} English messages, "
            f"Qt zh_CN, {len(names)} icons, image formats png/jpg/svg/tif")


def step_demo(run: Run) -> str:
    from mapedit.demo import generate
    from mapedit.project import Project

    path = run.folder / "自检 示例街道.gpkg"  # a Chinese name with a space, as clerks have
    dataset = generate()
    Project.create(path, dataset).close()
    run.project = Project.open(path)
    run.demo_path = path
    ds = run.project.dataset
    if not ds.units or not ds.grids:
        raise StepFailed("示例项目是空的 / the demo project is empty")
    return (f"{len(ds.units)} 个管理单元,{len(ds.grids)} 个微网格 / "
            f"{len(ds.units)} units, {len(ds.grids)} micro-grids")


def step_window(run: Run) -> str:
    from PySide6.QtCore import QSettings, Qt

    from mapedit.ui.main_window import MainWindow
    from mapedit.ui.settings_store import SettingsStore

    project = run.need("project")
    run.settings = SettingsStore(QSettings(str(run.folder / "settings.ini"),
                                           QSettings.Format.IniFormat))
    run.settings.set_value("backup/keep", 0)  # no safety copies of a throw-away project
    win = MainWindow(settings=run.settings)
    # Laid out and painted like a shown window, but never on the clerk's screen.
    win.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
    win.resize(1400, 900)
    win.show()
    win.controller.set_project(project)
    run.window = win
    _process_events()
    tools = getattr(win, "edit_tools", None)
    if tools is None or not getattr(tools, "tool_actions", None):
        raise StepFailed("编辑工具没有装上 / the editing tools were not installed")
    vp = win.canvas.view.viewport()
    if vp.width() < 200 or vp.height() < 200:
        raise StepFailed(f"地图太小 / the map is only {vp.width()}×{vp.height()} px")
    return f"地图 {vp.width()}×{vp.height()} 像素 / map {vp.width()}×{vp.height()} px"


def step_draw(run: Run) -> str:
    """Draw a square in an unmapped unit with the draw tool (snapping off, as Shift does)."""
    import shapely
    from shapely.ops import polylabel

    win = run.need("window")
    ds = win.project.dataset
    empty = [u for u in ds.units.values() if not ds.grids_of_unit(u.code) and not u.locked
             and u.geometry is not None and not u.geometry.is_empty]
    if not empty:
        raise StepFailed("示例中没有空的管理单元 / no unmapped unit in the demo")
    unit = max(empty, key=lambda u: u.geometry.area)
    shape = max(shapely.get_parts(unit.geometry), key=lambda p: p.area)
    centre = polylabel(shape, tolerance=1.0)
    radius = shape.exterior.distance(centre)
    for hole in shape.interiors:
        radius = min(radius, hole.distance(centre))
    half = min(40.0, 0.6 * radius)
    if half < 5:
        raise StepFailed(f"单元 {unit.code} 太窄 / unit {unit.code} too narrow")
    x0, y0, x1, y1 = centre.x - half, centre.y - half, centre.x + half, centre.y + half
    win.canvas.zoom_to_bounds(x0 - half, y0 - half, x1 + half, y1 + half)
    _process_events()
    _trace(win, "draw", [(x0, y0), (x1, y0), (x1, y1), (x0, y1)])
    grids = ds.grids_of_unit(unit.code)
    if len(grids) != 1:
        raise StepFailed(f"画完后单元中有 {len(grids)} 个微网格(应为 1)/ {len(grids)} grids in "
                         f"the unit after drawing, expected 1: {_status(win)}")
    grid = grids[0]
    expected = (2 * half) ** 2
    if abs(grid.geometry.area - expected) > 0.03 * expected:
        raise StepFailed(f"面积 {grid.geometry.area:.0f} 平方米,应约为 {expected:.0f} / area "
                         f"{grid.geometry.area:.0f} m², expected about {expected:.0f}")
    if not grid.code or not grid.category:
        raise StepFailed("新微网格没有编码或类别 / the new grid has no code or category")
    run.unit_code, run.drawn_fid, run.drawn_area = unit.code, grid.fid, grid.geometry.area
    return f"{grid.code},{grid.geometry.area:.0f} 平方米 / {grid.geometry.area:.0f} m²"


def step_split(run: Run) -> str:
    """Split the drawn grid with the split tool along a line across it."""
    win = run.need("window")
    fid = run.need("drawn_fid")
    ds = win.project.dataset
    grid = ds.grids[fid]
    gx0, gy0, gx1, gy1 = grid.geometry.bounds
    cy = (gy0 + gy1) / 2
    cx = (gx0 + gx1) / 2
    margin = max(1.5, 0.05 * (gx1 - gx0))
    _trace(win, "split", [(gx0 - margin, cy), (cx, cy), (gx1 + margin, cy)])
    parts = ds.grids_of_unit(run.unit_code)
    if len(parts) != 2:
        raise StepFailed(f"分割后有 {len(parts)} 个微网格(应为 2)/ {len(parts)} grids after "
                         f"splitting, expected 2: {_status(win)}")
    total = sum(p.geometry.area for p in parts)
    if abs(total - run.drawn_area) > 0.01:
        raise StepFailed(f"分割前后面积不等 / areas differ: {total:.3f} vs {run.drawn_area:.3f}")
    _use_tool(win, None)
    areas = "+".join(f"{p.geometry.area:.0f}" for p in parts)
    return f"两部分 {areas} 平方米 / two parts of {areas} m²"


def step_check(run: Run) -> str:
    """A full check of the edited project equals what the live (incremental) check shows."""
    project = run.need("project")
    if not getattr(project, "checker_ready", True):
        raise StepFailed("检查尚未完成 / the background check has not finished")
    live = {(f.rule, f.key) for f in project.findings}
    checker = project.checker_factory(project.dataset, project.store.accepted_findings())
    full = checker.run_full()
    keys = {(f.rule, f.key) for f in full}
    if keys != live:
        raise StepFailed(f"全面检查与实时检查不一致 / full and live check differ: "
                         f"{sorted(keys ^ live)[:3]}")
    s = checker.summary()
    if not full:
        raise StepFailed("示例的故意错误没有查出 / the demo's deliberate defects were not found")
    return (f"错误 {s.get('errors', 0)} 个,警告 {s.get('warnings', 0)} 个,与实时检查一致 / "
            f"{s.get('errors', 0)} errors, {s.get('warnings', 0)} warnings, same as live")


def step_sheet(run: Run) -> str:
    """A sign-off sheet of one unit (the drawn one, else one with grids) as a PDF (Qt's PDF
    writer, the CJK font, pypdf's text repair): its text must hold the unit's grid codes,
    so the text is real and searchable."""
    from pypdf import PdfReader

    from mapedit.ui.sheets.atlas import write_project_sheets

    project = run.need("project")
    ds = project.dataset
    code = run.unit_code or min(g.unit_code for g in ds.grids.values())
    out = run.folder / "签字图.pdf"
    result = write_project_sheets(project, out, [code], "A4")
    if not out.is_file() or out.read_bytes()[:5] != b"%PDF-":
        raise StepFailed("没有写出 PDF / no PDF was written")
    text = "".join(page.extract_text() or "" for page in PdfReader(str(out)).pages)
    missing = [g.code for g in ds.grids_of_unit(code) if g.code not in text]
    if missing:
        raise StepFailed(f"图纸中缺少编码 {', '.join(missing[:3])} / codes missing from the "
                         "sheet's text")
    font = result.font or "未找到中文字体 / no CJK font"
    return (f"{result.pages} 页,{len(ds.grids_of_unit(code))} 个编码可检索,字体 {font} / "
            f"{result.pages} page(s), {len(ds.grids_of_unit(code))} codes searchable, "
            f"font {font}")


def step_export(run: Run) -> str:
    """Exchange files in WGS84: needs PROJ's database; the coordinates must land in China."""
    from mapedit.io.exchange import write_exchange

    project = run.need("project")
    out = run.folder / "导出"
    out.mkdir(exist_ok=True)
    write_exchange(project.dataset, out)
    counts = {}
    for name in ("units.geojson", "grids.geojson"):
        data = json.loads((out / name).read_text(encoding="utf-8"))
        feats = data.get("features", [])
        if not feats:
            raise StepFailed(f"{name} 没有要素 / {name} has no features")
        lon, lat = _first_coordinate(feats[0]["geometry"])
        if not (73 < lon < 136 and 3 < lat < 54):
            raise StepFailed(f"{name} 坐标不在中国 / coordinates outside China: {lon}, {lat}"
                             " (PROJ data?)")
        counts[name] = len(feats)
    if counts["grids.geojson"] != len(project.dataset.grids):
        raise StepFailed(f"导出 {counts['grids.geojson']} 个微网格,项目中有 "
                         f"{len(project.dataset.grids)} 个 / grid counts differ")
    run.export_dir = out
    return (f"units {counts['units.geojson']},grids {counts['grids.geojson']},WGS84 / "
            f"units {counts['units.geojson']}, grids {counts['grids.geojson']}, WGS84")


def step_render(run: Run) -> str:
    """The map rendered to a PNG by ``render_map`` (what ``mapedit render`` and the sheets
    use), read back from the file and not blank."""
    from PySide6.QtGui import QImage

    from mapedit.ui.render import render_map

    project = run.need("project")
    path = run.folder / "map.png"
    result = render_map(project, path, size=(800, 600))
    if not result.ok:
        raise StepFailed("; ".join(f"{zh} / {en}" for zh, en in result.problems))
    back = QImage(str(path))
    if back.isNull() or back.width() != 800:
        raise StepFailed("PNG 读不回来 / the PNG does not read back")
    colours = {back.pixel(x, y) for x in range(0, 800, 8) for y in range(0, 600, 8)}
    if len(colours) < 8:
        raise StepFailed(f"地图是空白的 / the map is blank ({len(colours)} colours)")
    run.png_path = path
    return f"800×600,{len(colours)} 种颜色 / 800×600, {len(colours)} colours"


STEPS: list[Step] = [
    Step("resources", "资源文件", "bundled resources", step_resources),
    Step("demo", "生成示例项目", "make the demo project", step_demo),
    Step("window", "打开主窗口", "open the main window", step_window),
    Step("draw", "绘制微网格", "draw a micro-grid with the draw tool", step_draw),
    Step("split", "分割微网格", "split it with the split tool", step_split),
    Step("check", "检查", "run the checker", step_check),
    Step("sheet", "输出签字图", "write a sign-off sheet", step_sheet),
    Step("export", "导出 GeoJSON", "export GeoJSON", step_export),
    Step("render", "渲染地图", "render the map to PNG", step_render),
]
"""The self-test, in order. One line adds a step (see the module docstring)."""


# --------------------------------------------------------------------------------------------
# Simulated input (what pytest-qt's qtbot does, without pytest)
# --------------------------------------------------------------------------------------------
def _process_events() -> None:
    from PySide6.QtWidgets import QApplication

    QApplication.processEvents()


def _use_tool(win, name: str | None) -> None:
    tools = win.edit_tools
    if name is None:
        tools.activate(None)
    else:
        tools.tool_actions[name].trigger()
    _process_events()


def _mouse(win, kind, x: float, y: float, shift: bool, button=None, buttons=None) -> None:
    from PySide6.QtCore import QPoint, QPointF, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    vp = win.canvas.view.viewport()
    p = win.canvas.widget_from_map(x, y)
    pos = QPointF(QPoint(round(p.x()), round(p.y())))
    mods = Qt.KeyboardModifier.ShiftModifier if shift else Qt.KeyboardModifier.NoModifier
    button = Qt.MouseButton.NoButton if button is None else button
    buttons = Qt.MouseButton.NoButton if buttons is None else buttons
    ev = QMouseEvent(kind, pos, vp.mapToGlobal(pos), button, buttons, mods)
    QApplication.sendEvent(vp, ev)


def _trace(win, tool: str, points: list[tuple[float, float]]) -> None:
    """Take ``tool`` and click ``points`` as a clerk does (Shift: no snapping), double-clicking
    the last to finish."""
    _use_tool(win, tool)
    for x, y in points[:-1]:
        _click(win, x, y, shift=True)
    _double_click(win, *points[-1], shift=True)


def _click(win, x: float, y: float, shift: bool = False, double: bool = False) -> None:
    from PySide6.QtCore import QEvent, Qt

    left = Qt.MouseButton.LeftButton
    _mouse(win, QEvent.Type.MouseMove, x, y, shift)
    _mouse(win, QEvent.Type.MouseButtonPress, x, y, shift, left, left)
    _mouse(win, QEvent.Type.MouseButtonRelease, x, y, shift, left)
    if double:
        _mouse(win, QEvent.Type.MouseButtonDblClick, x, y, shift, left, left)
        _mouse(win, QEvent.Type.MouseButtonRelease, x, y, shift, left)
    _process_events()


def _double_click(win, x: float, y: float, shift: bool = False) -> None:
    """What a real double-click sends: press, release, double-click, release."""
    _click(win, x, y, shift, double=True)


def _status(win) -> str:
    msg = win.statusBar().currentMessage()
    return msg or "(状态栏无消息 / no status message)"


def _first_coordinate(geometry: dict) -> tuple[float, float]:
    coords: Any = geometry["coordinates"]
    while isinstance(coords[0], list):
        coords = coords[0]
    return float(coords[0]), float(coords[1])


# --------------------------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------------------------
def run_steps(emit: Emit = print, steps: Sequence[Step] | None = None,
              folder: Path | None = None, between: Callable[[], None] | None = None
              ) -> list[StepResult]:
    """Run ``steps`` (default :data:`STEPS`) in a temporary folder, emitting each line as soon
    as it is known; a QApplication must exist. Never raises: a broken step is a FAILED line."""
    from PySide6.QtWidgets import QApplication

    from mapedit.ui import fonts

    app = QApplication.instance()
    if app is None:
        raise RuntimeError("run_steps needs a QApplication")
    own_folder = folder is None
    folder = Path(tempfile.mkdtemp(prefix="mapedit-selftest-")) if own_folder else folder
    run = Run(folder=folder, app=app)
    emit(f"mapedit {__version__} 自检 / self-test")
    family = fonts.choose_cjk_family()
    for line in version_lines({"font": family or "未找到中文字体 / no CJK font found"}):
        emit(line)
    results: list[StepResult] = []
    try:
        for step in (STEPS if steps is None else steps):
            t0 = time.perf_counter()
            try:
                detail = step.run(run)
                ok = True
            except StepFailed as exc:
                detail, ok = str(exc), False
            except Exception as exc:  # noqa: BLE001 - a bug in this copy: report, go on
                tb = traceback.extract_tb(exc.__traceback__)
                where = f" [{Path(tb[-1].filename).name}:{tb[-1].lineno}]" if tb else ""
                detail, ok = f"{type(exc).__name__}: {exc}{where}", False
            result = StepResult(step, ok, detail, time.perf_counter() - t0)
            results.append(result)
            emit(result.line())
            if between is not None:
                between()
    finally:
        _cleanup(run, folder if own_folder else None)
    passed = sum(r.ok for r in results)
    verdict = ("全部通过 / all passed" if passed == len(results)
               else "有步骤失败 / some steps FAILED")
    emit(f"结果 / result: {passed}/{len(results)} OK — {verdict}")
    return results


def _cleanup(run: Run, folder: Path | None) -> None:
    win = run.window
    if win is not None:
        try:
            win.close()  # also closes the project
            win.deleteLater()
            _process_events()
        except Exception:  # noqa: BLE001 - cleaning up must not hide the results
            pass
    if run.project is not None:
        try:
            run.project.close()
        except Exception:  # noqa: BLE001
            pass
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


def needs_offscreen(force: bool = False) -> bool:
    """Offscreen Qt when asked, or on Linux/BSD without an X11 or Wayland display (a build
    server); Windows and macOS always have their real platform."""
    if force:
        return True
    if sys.platform.startswith(("win", "darwin")):
        return False
    return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def quiet_qt_notices() -> None:
    """Send Qt's own notices ("This plugin does not support propagateSizeHints()" when
    offscreen) to the log instead of stderr: a command line tool's output is its result lines,
    and a failing command's stderr stays one line."""
    import logging

    from PySide6.QtCore import qInstallMessageHandler

    qt_log = logging.getLogger("qt")

    def to_log(_kind, _context, message: str) -> None:
        qt_log.debug("%s", message)

    qInstallMessageHandler(to_log)


def main(offscreen: bool = False, emit: Emit | None = None) -> int:
    """``mapedit --self-test [--offscreen]``: exit status 0 only when every step passed."""
    if emit is None:
        def emit(line: str) -> None:
            print(line, flush=True)
    if offscreen or (needs_offscreen() and not os.environ.get("QT_QPA_PLATFORM")):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from mapedit.ui.app import create_application

    quiet_qt_notices()
    create_application()
    results = run_steps(emit)
    return 0 if results and all(r.ok for r in results) else 1
