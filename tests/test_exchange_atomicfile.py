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


PAIR = ("units.geojson", "grids.geojson")


def writers(gen: str) -> dict:
    return {n: (lambda fh, n=n: fh.write(f"{n} {gen}")) for n in PAIR}


def pair(folder: Path) -> tuple[str, str] | None:
    try:
        return tuple(f"{(folder / n).read_text(encoding='utf-8')}" for n in PAIR)  # type: ignore
    except FileNotFoundError:
        return None


def expect(gen: str) -> tuple[str, str]:
    return tuple(f"{n} {gen}" for n in PAIR)  # type: ignore[return-value]


def leftovers(folder: Path) -> list[str]:
    """Anything of ours left beside or inside the folder after a finished write."""
    beside = [p.name for p in folder.parent.iterdir() if p.name.startswith(f".{folder.name}.")]
    inside = [p.name for p in folder.iterdir() if p.name.startswith(".")] if folder.is_dir() else []
    return beside + inside


@pytest.mark.parametrize("mode", ["exchange", "rename", "inplace"])
def test_write_file_set_replaces_the_pair(tmp_path: Path, monkeypatch, mode) -> None:
    if mode != "exchange":
        monkeypatch.setenv(af.SWITCH_ENV, mode)
    out = tmp_path / "导出 文件夹"
    af.write_file_set(out, writers("1"))  # the folder does not exist yet
    assert pair(out) == expect("1")
    af.write_file_set(out, writers("2"))
    assert pair(out) == expect("2")
    assert sorted(p.name for p in out.iterdir()) == sorted(PAIR)
    assert leftovers(out) == []


@pytest.mark.parametrize("mode", ["exchange", "inplace"])
def test_write_file_set_writer_failure_changes_nothing(tmp_path: Path, monkeypatch,
                                                       mode) -> None:
    if mode != "exchange":
        monkeypatch.setenv(af.SWITCH_ENV, mode)
    out = tmp_path / "out"
    af.write_file_set(out, writers("1"))

    def fail(fh) -> None:
        fh.write("partial")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        af.write_file_set(out, {"units.geojson": lambda fh: fh.write("new"),
                                "grids.geojson": fail})
    assert pair(out) == expect("1")
    assert leftovers(out) == []


def test_other_files_in_the_folder_are_kept(tmp_path: Path) -> None:
    """A folder holding the clerk's own files is switched file by file, never moved."""
    out = tmp_path / "桌面"
    out.mkdir()
    (out / "说明.txt").write_text("mine", encoding="utf-8")
    (out / "子文件夹").mkdir()
    inode = out.stat().st_ino
    af.write_file_set(out, writers("1"))
    af.write_file_set(out, writers("2"))
    assert pair(out) == expect("2") and out.stat().st_ino == inode
    assert (out / "说明.txt").read_text(encoding="utf-8") == "mine"
    assert sorted(p.name for p in out.iterdir()) == sorted([*PAIR, "说明.txt", "子文件夹"])


def test_inplace_rename_failure_restores_the_old_pair(tmp_path: Path, monkeypatch) -> None:
    """Windows: a program holds grids.geojson open, so moving the new one in fails."""
    monkeypatch.setenv(af.SWITCH_ENV, "inplace")
    out = tmp_path / "out"
    af.write_file_set(out, writers("1"))
    real = af.replace_with_retry

    def held(src: Path, dst: Path) -> None:
        if dst == out / "grids.geojson" and src.name.endswith(".mapedit-new"):
            raise PermissionError(13, "in use", str(dst))
        real(src, dst)

    monkeypatch.setattr(af, "replace_with_retry", held)
    with pytest.raises(PermissionError):
        af.write_file_set(out, writers("2"))
    assert pair(out) == expect("1")
    assert leftovers(out) == []


def test_folder_in_use_falls_back_to_switching_inside(tmp_path: Path, monkeypatch) -> None:
    """Windows refuses to rename a folder another program uses: nothing changes, and the
    files are switched inside the folder instead."""
    monkeypatch.setenv(af.SWITCH_ENV, "rename")
    out = tmp_path / "out"
    af.write_file_set(out, writers("1"))
    real = af.os.rename

    def busy(src, dst) -> None:
        if Path(src) == out:
            raise PermissionError(32, "in use", str(src))
        real(src, dst)

    monkeypatch.setattr(af.os, "rename", busy)
    af.write_file_set(out, writers("2"))
    assert pair(out) == expect("2")
    assert leftovers(out) == []


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


def test_current_folder_is_switched_inside(tmp_path: Path, monkeypatch) -> None:
    """``mapedit export p.gpkg .``: our own working folder is never renamed away."""
    out = tmp_path / "here"
    out.mkdir()
    monkeypatch.chdir(out)
    af.write_file_set(".", writers("1"))
    af.write_file_set(".", writers("2"))
    assert pair(out) == expect("2") and Path.cwd() == out and out.exists()
    assert leftovers(out) == []


@pytest.mark.skipif(not hasattr(__import__("os"), "symlink"), reason="no symbolic links")
def test_a_linked_folder_stays_a_link(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    af.write_file_set(link, writers("1"))
    af.write_file_set(link, writers("2"))
    assert link.is_symlink() and pair(real) == expect("2")
