"""Crash safety: kill a writer process mid-edit; the file is intact and loses at most the edit
in flight (each edit is one SQLite transaction with a rollback journal and full sync)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers_store_data import tiny_dataset

from mapedit.project import Project

WRITER = Path(__file__).resolve().parent / "helpers_crash_writer.py"


def _run_and_kill(path: Path, kill_after: int) -> int:
    """Start the writer, kill it (SIGKILL on POSIX, TerminateProcess on Windows) once it has
    reported ``kill_after`` edits; return the number of edits it reported complete."""
    proc = subprocess.Popen([sys.executable, str(WRITER), str(path)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, encoding="utf-8")
    done = 0
    deadline = time.monotonic() + 60
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("done "):
                done = int(line.split()[1])
                if done >= kill_after:
                    break
            if time.monotonic() > deadline:
                break
        proc.kill()
        rest, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    for line in rest.splitlines():
        if line.startswith("done "):
            done = max(done, int(line.split()[1]))
    assert done >= kill_after, f"writer reported {done} edits; stderr: {err[-2000:]}"
    return done


@pytest.mark.parametrize("kill_after", [5, 40])
def test_store_crash_kill_mid_edit_loses_at_most_one_edit(tmp_path: Path, kill_after: int) -> None:
    path = tmp_path / "崩溃 测试.gpkg"
    Project.create(path, tiny_dataset()).close()
    initial = 12

    reported = _run_and_kill(path, kill_after)

    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        conn.close()
    with Project.open(path) as project:
        grids = project.dataset.grids
        inserted = len(grids) - initial
        assert reported <= inserted <= reported + 1
        # each edit is all or nothing: the rename of grid 1 matches the last inserted grid
        assert grids[1].name == f"编辑 {inserted}"
        assert sorted(g.name for g in grids.values() if g.name.startswith("崩溃测试")) == \
            sorted(f"崩溃测试 {i}" for i in range(1, inserted + 1))
        log = project.store.edit_log(limit=10_000)
        assert len(log) == 2 * inserted
    # the file is still a single, writable project. A kill can leave a journal whose header
    # SQLite already zeroed (not "hot", so readers leave it); the next write removes it.
    with Project.open(path) as project:
        assert len(project.dataset.grids) == initial + inserted
        code = next(iter(project.dataset.units))
        project.set_unit_locked(code, True)
        project.set_unit_locked(code, False)
    assert not Path(str(path) + "-journal").exists()
