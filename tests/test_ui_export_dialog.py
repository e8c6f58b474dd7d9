"""文件 → 导出 (issue 13): formats, export profiles (bundled and a street's own file), the check
summary first, a question before exporting with errors (recorded in manifest.json as forced)
and before replacing files — through the same function as ``mapedit export``.

Before: the editor exported the contract's GeoJSON only; formats and profiles were on the
command line alone."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pyogrio
import pytest
from PySide6.QtWidgets import QMessageBox

from mapedit.cli import main as cli_main
from mapedit.reports.platform_export import MANIFEST, verify_manifest
from mapedit.resources import resource_path
from mapedit.ui.export_dialog import ExportDialog
from tests.test_ui_main_window import _export_dialogs


@pytest.fixture
def window(main_window):
    return main_window


def _manifest(out: Path) -> dict:
    return json.loads((out / MANIFEST).read_text(encoding="utf-8"))


@pytest.mark.parametrize("fmt,encoding,first", [
    ("shp", "GBK", "grids.shp"),
    ("gpkg", "", "micro_grids.gpkg"),
    ("kml", "", "grids.kml"),
    ("csv", "", "grids.csv"),
])
def test_every_format_from_the_dialog(window, tmp_path, monkeypatch, fmt, encoding, first):
    out = tmp_path / "导出"
    asked = _export_dialogs(monkeypatch, out, fmt=fmt, encoding=encoding)
    assert window.files.export() is True
    assert "错误" in asked[0]  # the summary came first, in the dialog
    assert any("强制导出" in t for t in asked)  # the demo has errors: asked, then recorded
    assert verify_manifest(out) == []
    m = _manifest(out)
    assert m["export_format"] == fmt and m["check"]["forced"] is True
    assert m["project"]["file"] == window.project.path.name
    info = pyogrio.read_info(out / first, layer="grids" if fmt == "gpkg" else None)
    assert info["features"] == len(window.project.dataset.grids)
    if fmt == "shp":
        assert (out / "grids.cpg").read_text().strip().upper() in ("GBK", "CP936", "936")
        assert m["encoding"] == "GBK"


def test_profile_sets_its_coordinate_system_and_a_street_file_can_be_chosen(
        window, tmp_path, monkeypatch):
    out = tmp_path / "a"
    _export_dialogs(monkeypatch, out, fmt="geojson", profile="example_street")
    assert window.files.export() is True
    m = _manifest(out)
    assert m["profile"]["name"] == "example_street" and m["coordinate_system"] == "cgcs2000"

    own = json.loads(resource_path("profiles", "example_street.json").read_text("utf-8"))
    own.update(name="金泽镇", coordinate_system="gcj02")
    path = tmp_path / "金泽镇.json"
    path.write_text(json.dumps(own, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "b"
    _export_dialogs(monkeypatch, out, fmt="csv", profile=str(path))
    assert window.files.export() is True
    m = _manifest(out)
    assert m["profile"]["name"] == "金泽镇" and m["profile"]["source"] == str(path)
    assert m["coordinate_system"] == "gcj02"


def test_a_bad_profile_file_is_named_and_not_used(window, tmp_path, qtbot):
    bad = tmp_path / "坏配置.json"
    bad.write_text('{"format": "something else"}', encoding="utf-8")
    dlg = ExportDialog(window, "检查结果", None)
    qtbot.addWidget(dlg)
    assert not dlg.use_profile_file(str(bad))
    assert "format" in dlg.message.text() and dlg.message.isVisibleTo(dlg)
    assert dlg.current_profile().name == "platform"
    dlg.format.setCurrentIndex(dlg.format.findData("kml"))
    assert not dlg.encoding.isEnabled()  # only Shapefile has an encoding choice
    dlg.format.setCurrentIndex(dlg.format.findData("shp"))
    assert dlg.encoding.isEnabled()


def test_replacing_files_is_asked_for_other_formats_too(window, tmp_path, monkeypatch):
    out = tmp_path / "导出"
    out.mkdir()
    (out / "grids.kml").write_text("earlier", encoding="utf-8")
    asked = _export_dialogs(monkeypatch, out, fmt="kml", overwrite=False)
    assert window.files.export() is False
    assert any("替换" in t and "grids.kml" in t for t in asked), asked
    assert (out / "grids.kml").read_text(encoding="utf-8") == "earlier"
    assert not (out / MANIFEST).exists()


def test_no_errors_no_forced_question(window, tmp_path, monkeypatch):
    window.controller.project.checker.findings  # noqa: B018 - the check is installed
    monkeypatch.setattr(window.controller, "summary", lambda: {"errors": 0, "warnings": 3})
    out = tmp_path / "ok"
    asked = _export_dialogs(monkeypatch, out, fmt="gpkg")
    assert window.files.export() is True
    assert not any("强制" in t for t in asked), asked
    assert _manifest(out)["check"]["forced"] is False


def test_the_editor_and_the_command_line_write_the_same_files(window, tmp_path, monkeypatch,
                                                               demo_path):
    gui, cli = tmp_path / "gui", tmp_path / "cli"
    _export_dialogs(monkeypatch, gui, fmt="shp", encoding="GBK", profile="example_street")
    assert window.files.export() is True
    assert cli_main(["export", str(demo_path), str(cli), "--format", "shp", "--encoding",
                     "GBK", "--profile", "example_street", "--force"]) == 0

    def digest(folder: Path) -> dict[str, str]:
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(folder.iterdir()) if p.suffix in (".shp", ".shx", ".cpg",
                                                                  ".prj")}

    assert digest(gui) == digest(cli) and digest(gui)
    g, c = _manifest(gui), _manifest(cli)
    for key in ("export_format", "encoding", "profile", "coordinate_system", "counts"):
        assert g[key] == c[key], key
    assert g["check"]["errors"] == c["check"]["errors"] and g["check"]["forced"]


def test_export_dialog_screenshot(window, qtbot, shots_dir):
    dlg = ExportDialog(window, "检查结果:错误 9 个,警告 4 个。\n还有错误没有处理,"
                       "导出的文件可能被上级系统退回。", None)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    path = Path(shots_dir) / "export_dialog.png"
    assert dlg.grab().save(str(path))
    assert dlg.format.count() == 5 and dlg.profile.count() >= 3  # 2 bundled + 其他…
    assert QMessageBox is not None
