"""Atomic writes: a reader never sees half a file, and a pair of files changes together."""

from __future__ import annotations

from pathlib import Path

import pytest

import mapedit.io.atomicfile as af


def test_atomic_open_keeps_old_content_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "网格 文件.geojson"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError), af.atomic_open(target) as fh:
        fh.write("half of the new")
        raise RuntimeError("crash")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == [target.name]
    with af.atomic_open(target) as fh:
        fh.write("新内容")
    assert target.read_text(encoding="utf-8") == "新内容"


def test_write_group_writer_failure_changes_nothing(tmp_path: Path) -> None:
    a, b = tmp_path / "units.geojson", tmp_path / "grids.geojson"
    a.write_text("A0", encoding="utf-8")

    def fail(fh) -> None:
        fh.write("partial")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        af.write_group({a: lambda fh: fh.write("A1"), b: fail})
    assert a.read_text(encoding="utf-8") == "A0" and not b.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["units.geojson"]


def test_write_group_rename_failure_rolls_back(tmp_path: Path, monkeypatch) -> None:
    a, b = tmp_path / "units.geojson", tmp_path / "grids.geojson"
    a.write_text("A0", encoding="utf-8")
    b.write_text("B0", encoding="utf-8")
    real = af.replace_with_retry
    calls = []

    def flaky(src: Path, dst: Path) -> None:
        calls.append((src, dst))
        if dst == b and not str(src).endswith(".bak") and src.name.endswith(".tmp"):
            raise PermissionError(13, "in use", str(dst))
        real(src, dst)

    monkeypatch.setattr(af, "replace_with_retry", flaky)
    with pytest.raises(PermissionError):
        af.write_group({a: lambda fh: fh.write("A1"), b: lambda fh: fh.write("B1")})
    assert a.read_text(encoding="utf-8") == "A0"
    assert b.read_text(encoding="utf-8") == "B0"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["grids.geojson", "units.geojson"]


def test_replace_retries_sharing_violations(tmp_path: Path, monkeypatch) -> None:
    """Windows refuses to replace a file another program holds open; retry briefly."""
    src, dst = tmp_path / "s", tmp_path / "d"
    src.write_text("x", encoding="utf-8")
    real = af.os.replace
    failures = [PermissionError(13, "busy"), PermissionError(13, "busy")]

    def busy(s, d):
        if failures:
            raise failures.pop()
        real(s, d)

    monkeypatch.setattr(af.os, "replace", busy)
    monkeypatch.setattr(af, "_RETRY_SLEEP_S", 0.0)
    af.replace_with_retry(src, dst)
    assert dst.read_text(encoding="utf-8") == "x" and not src.exists()


def test_written_files_are_readable_by_others(tmp_path: Path) -> None:
    import os
    import stat

    target = tmp_path / "f.txt"
    with af.atomic_open(target) as fh:
        fh.write("x")
    if os.name == "posix":
        assert target.stat().st_mode & stat.S_IRGRP or (af._FILE_MODE & stat.S_IRGRP) == 0


def test_ensure_dir(tmp_path: Path) -> None:
    from mapedit.errors import MapeditError

    assert af.ensure_dir(tmp_path / "新 文件夹" / "子") is True
    assert af.ensure_dir(tmp_path / "新 文件夹" / "子") is False
    f = tmp_path / "file"
    f.write_text("x", encoding="utf-8")
    with pytest.raises(MapeditError):
        af.ensure_dir(f)
