"""The full check in the background (issue 12: the window paints first, findings come when
ready, editing goes on meanwhile): Project.begin_background_check / job.run() in a worker
thread / Project.finish_background_check, as CONTRACTS.md says."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import shapely

from mapedit.demo import generate
from mapedit.model.changes import ChangeSet, GridChange
from mapedit.project import Project
from mapedit.rules.engine import PROGRESS_TOTAL, Checker
from tests.rules_helpers import signature


@pytest.fixture(scope="module")
def demo_bytes(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("bg") / "demo.gpkg"
    Project.create(path, generate()).close()
    return path.read_bytes()


@pytest.fixture
def project(tmp_path: Path, demo_bytes: bytes):
    path = tmp_path / "演示.gpkg"
    path.write_bytes(demo_bytes)
    p = Project.open(path)
    yield p
    p.close()


def _edits(project: Project) -> list[ChangeSet]:
    """Three edits of different kinds: a grid moved onto its neighbour (overlap), a grid
    deleted (gap), an attribute changed (households out of band)."""
    ds = project.dataset
    fids = sorted(f for f, g in ds.grids.items() if g.category == "小区")
    a, b, c = fids[3], fids[10], fids[20]
    ga, gb, gc = ds.grids[a], ds.grids[b], ds.grids[c]
    moved = shapely.affinity.translate(ga.geometry, 15.0, 0.0)
    return [ChangeSet("移动", "move", [GridChange(ga, ga.replace(geometry=moved))]),
            ChangeSet("删除", "delete", [GridChange(gb, None)]),
            ChangeSet("户数", "households", [GridChange(gc, gc.replace(households=20))])]


def test_edits_made_during_the_background_check_end_up_checked(project):
    calls: list[tuple[int, int, int]] = []
    started, edited = threading.Event(), threading.Event()

    def progress(done: int, total: int) -> None:
        calls.append((done, total, threading.get_ident()))
        if not started.is_set():
            started.set()
            assert edited.wait(30)  # hold the check until the main thread has edited

    job = project.begin_background_check(progress=progress)
    assert not project.checker_ready
    worker = threading.Thread(target=job.run)
    worker.start()
    assert started.wait(30)
    heard = []
    project.add_listener(heard.append)
    for cs in _edits(project):
        project.apply(cs, who="测试")
    assert not project.checker_ready  # the edits were stored, not checked
    edited.set()
    worker.join(60)
    assert job.done and job.error is None
    assert project.finish_background_check(job)
    assert project.checker_ready
    assert heard[-1].changes == []  # listeners told once the findings exist
    fresh = Checker(project.dataset).run_full()
    assert signature(project.findings) == signature(fresh)
    assert {"overlap", "gap", "households-range"} <= {f.rule for f in project.findings}
    # progress: from the job's thread, rising, ending at the total
    assert {t for _, _, t in calls} == {worker.ident}
    dones = [d for d, _, _ in calls]
    assert dones == sorted(dones) and dones[-1] == PROGRESS_TOTAL
    assert all(t == PROGRESS_TOTAL for _, t, _ in calls)
    # and it keeps checking incrementally afterwards
    g = project.dataset.grids[min(project.dataset.grids)]
    project.apply(ChangeSet("删", "del", [GridChange(g, None)]))
    assert signature(project.findings) == signature(Checker(project.dataset).run_full())


def test_superseded_job_is_ignored_and_errors_reach_the_main_thread(project):
    first = project.begin_background_check()
    second = project.begin_background_check()
    first.run()
    second.run()
    assert not project.finish_background_check(first)
    assert not project.checker_ready
    assert project.finish_background_check(second)
    assert project.checker_ready

    def broken(dataset, accepted):
        raise RuntimeError("boom")

    project.checker_factory = broken  # type: ignore[assignment]
    job = project.begin_background_check()
    job.run()
    with pytest.raises(RuntimeError, match="boom"):
        project.finish_background_check(job)


def test_exceptions_accepted_meanwhile_are_kept(project):
    job = project.begin_background_check()
    job.run()
    gap = next(f for f in Checker(project.dataset).run_full() if f.rule == "gap")
    project.accept_finding(gap, "河道,无需覆盖")  # while the job's checker is not installed
    project.finish_background_check(job)
    assert any(f.key == gap.key and f.accepted for f in project.findings)
