"""Safety copies (mapedit.io.backup): consistent while the project is open and being written,
rotated, restorable to a new file or in place — never overwriting silently."""

from __future__ import annotations

import sqlite3
import threading
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from mapedit.io import backup
from mapedit.model.changes import ChangeSet, GridChange
from mapedit.project import Project


def _grids(path: Path) -> list[tuple]:
    con = sqlite3.connect(path)
    try:
        return con.execute("SELECT * FROM micro_grids ORDER BY fid").fetchall()
    finally:
        con.close()


def _delete_one(project: Project) -> None:
    g = next(iter(project.dataset.grids.values()))
    project.apply(ChangeSet("删除", "delete", [GridChange(before=g, after=None)]))


def test_backup_is_a_working_project_named_by_project_and_time(demo_path, tmp_path):
    root = tmp_path / "backups"
    when = datetime(2025, 3, 14, 9, 26, 53)
    made = backup.make_backup(demo_path, root, now=when)
    assert made is not None and made.parent == backup.backup_folder(root, demo_path)
    assert made.name == f"{demo_path.stem}_20250314-092653.gpkg"
    assert _grids(made) == _grids(demo_path)
    with Project.open(made) as p:  # a real project, not just bytes
        assert len(p.dataset.grids) > 0
    [b] = backup.list_backups(root, demo_path)
    assert b.created == when and b.size == made.stat().st_size
    assert b.grid_count() == len(_grids(demo_path))


def test_same_name_in_two_folders_keeps_two_histories(demo_path, tmp_path):
    other = tmp_path / "别处" / demo_path.name
    other.parent.mkdir()
    other.write_bytes(demo_path.read_bytes())
    root = tmp_path / "backups"
    backup.make_backup(demo_path, root)
    backup.make_backup(other, root)
    assert backup.backup_folder(root, demo_path) != backup.backup_folder(root, other)
    assert len(backup.list_backups(root, demo_path)) == 1
    assert len(backup.list_backups(root, other)) == 1


def test_rotation_keeps_the_newest_n(demo_path, tmp_path):
    root = tmp_path / "backups"
    t0 = datetime(2025, 1, 1, 8, 0, 0)
    for i in range(7):
        backup.make_backup(demo_path, root, keep=3, now=t0 + timedelta(minutes=i))
    kept = backup.list_backups(root, demo_path)
    assert [b.created for b in kept] == [t0 + timedelta(minutes=i) for i in (6, 5, 4)]
    # Two copies in the same second do not overwrite each other.
    backup.make_backup(demo_path, root, keep=10, now=t0 + timedelta(minutes=6))
    assert len(backup.list_backups(root, demo_path)) == 4
    assert backup.make_backup(demo_path, root, keep=0) is None  # switched off


def test_copy_of_an_open_project_is_consistent_during_a_write(demo_path, tmp_path):
    """While another connection holds an open write transaction (QGIS, or our own store in
    mid-edit), the copy holds the last committed state — never half an edit."""
    before = _grids(demo_path)
    con = sqlite3.connect(demo_path, isolation_level=None)
    con.execute("BEGIN IMMEDIATE")
    con.execute("DELETE FROM micro_grids WHERE fid IN (SELECT fid FROM micro_grids LIMIT 5)")
    try:
        made = backup.make_backup(demo_path, tmp_path / "backups")
    finally:
        con.execute("ROLLBACK")
        con.close()
    assert _grids(made) == before


def test_copy_taken_while_the_editor_writes_is_one_of_the_states(demo_path, tmp_path):
    project = Project.open(demo_path)
    states = [_grids(demo_path)]
    done = threading.Event()
    copies: list[Path] = []

    def copier():
        t0 = datetime(2025, 1, 1)
        i = 0
        while not done.is_set() and i < 20:
            copies.append(backup.make_backup(demo_path, tmp_path / "b", keep=50,
                                             now=t0 + timedelta(seconds=i)))
            i += 1

    t = threading.Thread(target=copier)
    t.start()
    try:
        for _ in range(5):
            _delete_one(project)
            states.append(_grids(demo_path))
    finally:
        done.set()
        t.join()
        project.close()
    assert copies
    for c in copies:
        assert _grids(c) in states


def test_restore_to_new_file_never_overwrites(demo_path, tmp_path):
    root = tmp_path / "backups"
    made = backup.make_backup(demo_path, root)
    target = tmp_path / "恢复 的项目.gpkg"
    backup.restore_to_new_file(made, target)
    assert _grids(target) == _grids(made)
    with pytest.raises(backup.BackupError):
        backup.restore_to_new_file(made, target)
    assert not list(tmp_path.glob("*.part"))


def test_replace_project_keeps_a_copy_of_what_it_replaces(demo_path, tmp_path):
    root = tmp_path / "backups"
    original = _grids(demo_path)
    made = backup.make_backup(demo_path, root, now=datetime(2025, 1, 1))
    with Project.open(demo_path) as p:
        _delete_one(p)
    edited = _grids(demo_path)
    assert edited != original
    before = backup.replace_project(made, demo_path, root, keep=5)
    assert _grids(demo_path) == original
    assert _grids(before) == edited, "the replaced state can be restored again"
    with Project.open(demo_path) as p:
        assert len(p.dataset.grids) == len(original)


def test_replace_refused_while_another_program_writes(demo_path, tmp_path):
    root = tmp_path / "backups"
    made = backup.make_backup(demo_path, root)
    con = sqlite3.connect(demo_path, isolation_level=None)
    con.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(backup.BackupError) as err:
            backup.replace_project(made, demo_path, root)
    finally:
        con.execute("ROLLBACK")
        con.close()
    assert "其他程序" in err.value.zh and "another program" in err.value.en
    assert _grids(demo_path) == _grids(made)


def test_missing_project_is_a_clear_error(tmp_path):
    with pytest.raises(backup.BackupError) as err:
        backup.make_backup(tmp_path / "没有.gpkg", tmp_path / "b")
    assert "找不到" in err.value.zh
