"""``python -m mapedit`` as a real process: exit statuses, UTF-8 output even when the console
encoding is not UTF-8 (Windows' cp936), no tracebacks, Chinese paths with spaces."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.report_checks import assert_report_valid

DATA = Path(__file__).parent / "data"


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PYTHONIOENCODING"] = "latin-1"  # a console that cannot print Chinese
    env.pop("MAPEDIT_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "mapedit", *args], capture_output=True,
                          env=env, cwd=cwd, timeout=120)


def test_check_exchange_files_in_chinese_path(tmp_path: Path) -> None:
    folder = tmp_path / "夏阳 街道"
    folder.mkdir()
    units = shutil.copy(DATA / "units.geojson", folder / "管理 单元.geojson")
    grids = shutil.copy(DATA / "four_grids_overlap.geojson", folder / "微 网格.geojson")
    proc = run("check", "--units", str(units), "--grids", str(grids), "--json")
    assert proc.returncode == 1, proc.stderr.decode("utf-8", "replace")
    text = proc.stdout.decode("utf-8")  # UTF-8 despite PYTHONIOENCODING
    assert "\\u" not in text and "重叠" in text
    report = json.loads(text)
    assert_report_valid(report)
    assert [f["rule"] for f in report["findings"]] == ["overlap"]
    assert report["summary"]["errors"] == 1
    assert b"Traceback" not in proc.stderr


def test_clean_exchange_files_exit_0(tmp_path: Path) -> None:
    proc = run("check", "--units", str(DATA / "units.geojson"), "--grids",
               str(DATA / "t_junction.geojson"))
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
    assert "0 个错误" in proc.stdout.decode("utf-8")


def test_unreadable_input_exit_2_one_line(tmp_path: Path) -> None:
    out_dir = tmp_path / "导出 目录"
    proc = run("export", str(tmp_path / "没有 项目.gpkg"), str(out_dir))
    assert proc.returncode == 2
    err = proc.stderr.decode("utf-8")
    assert "Traceback" not in err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and "找不到" in lines[0] and "not found" in lines[0]
    assert not out_dir.exists()

    bad = tmp_path / "坏 文件.geojson"
    bad.write_bytes(b"\x00\x01 not json")
    proc = run("check", "--units", str(bad), "--grids", str(bad), "--json")
    assert proc.returncode == 2 and proc.stdout == b""
    assert "Traceback" not in proc.stderr.decode("utf-8")


def test_version() -> None:
    proc = run("--version")
    assert proc.returncode == 0 and proc.stdout.decode().startswith("mapedit ")
