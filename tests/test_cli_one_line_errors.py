"""Every command, not a sample of them: input it cannot use ends in status 2 and exactly one
line on stderr, naming the problem in Chinese and English (issue 9: "error output is several
lines where one is promised"). A command added later is covered as soon as it is in
``mapedit.cli.COMMANDS``: the table below must name it."""

from __future__ import annotations

from pathlib import Path

import pytest

from mapedit.cli import COMMANDS, main

MISSING = "不存在的项目.gpkg"


def _argv(cmd: str, project: str, tmp: Path) -> list[str]:
    """A command line of ``cmd`` that is right in form, with ``project`` as its project (or,
    for ``new``/``demo``, its input)."""
    out = str(tmp / "输出")
    return {
        "demo": ["demo", str(tmp / "没有这个文件夹" / "x.gpkg")],
        "new": ["new", str(tmp / "新.gpkg"), "--units", project],
        "import": ["import", project, str(tmp / "grids.geojson")],
        "renumber": ["renumber", project],
        "fix": ["fix", project],
        "export": ["export", project, out],
        "info": ["info", project],
        "check": ["check", project],
        "layers": ["layers", project],
        "add-layer": ["add-layer", project, str(tmp / "roads.geojson")],
        "georef": ["georef", project, str(tmp / "map.png"), "--points", str(tmp / "gcp.csv")],
        "tiles-pack": ["tiles-pack", project, "imagery", str(tmp / "t.mbtiles"), "--zoom",
                       "10-11"],
        "render": ["render", project, str(tmp / "地图.png")],  # the base-map branch's
        "sheets": ["sheets", project, str(tmp / "图纸.pdf")],
        "table": ["table", project, str(tmp / "信息表.xlsx")],
        "table-import": ["table-import", project, str(tmp / "信息表.xlsx")],
        "progress": ["progress", project, str(tmp / "进度.csv")],
        "diff": ["diff", project, out],
    }[cmd]


CHECKED = [c for c in COMMANDS if c != "editor"]  # the editor opens a window, not a report


def test_the_table_names_every_command(tmp_path) -> None:
    for cmd in CHECKED:
        _argv(cmd, MISSING, tmp_path)  # KeyError: a new command needs its line above


def _one_line(capsys) -> str:
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    line = lines[0]
    assert "错误" in line and "error" in line, line
    assert "Traceback" not in captured.err and "内部错误" not in line, line
    return line


@pytest.mark.parametrize("cmd", CHECKED)
def test_missing_project_is_one_line(cmd, tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(_argv(cmd, MISSING, tmp_path)) == 2
    _one_line(capsys)


@pytest.mark.parametrize("cmd", [c for c in CHECKED if c != "demo"])
def test_a_file_that_is_not_a_project_is_one_line(cmd, tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    fake = tmp_path / "文本.gpkg"
    fake.write_text("这不是项目文件\nnot a project\n", encoding="utf-8")
    assert main(_argv(cmd, str(fake), tmp_path)) == 2
    _one_line(capsys)


@pytest.mark.parametrize("cmd", CHECKED)
def test_missing_arguments_are_one_line(cmd, capsys) -> None:
    status = main([cmd])
    captured = capsys.readouterr()
    if status == 0:  # a command that needs no argument (none today) says what it did
        return
    assert status == 2
    assert len(captured.err.splitlines()) == 1, captured.err


@pytest.mark.parametrize("fmt,first", [("geojson", "grids.geojson"), ("shp", "grids.shp"),
                                       ("gpkg", "micro_grids.gpkg"), ("kml", "grids.kml"),
                                       ("csv", "grids.csv")])
def test_export_never_overwrites_without_force(fmt, first, demo_path, tmp_path, capsys):
    """``mapedit export`` refuses to replace files of any format without --force: status 2,
    one line naming the file, and the earlier export untouched."""
    out = tmp_path / "导出"
    assert main(["export", str(demo_path), str(out), "--format", fmt, "--force"]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    capsys.readouterr()
    assert main(["export", str(demo_path), str(out), "--format", fmt]) == 2
    line = _one_line(capsys)
    assert first in line and "--force" in line
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
