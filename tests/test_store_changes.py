"""Issue 9: a change made by another program while the editor holds the project is never
silently overwritten or bypassed. The other program is real: a second editor process, GDAL
(``ogrinfo -sql``, ``ogr2ogr``, pyogrio), a raw ``sqlite3`` session. Every write after such a
change is refused with ProjectChangedError; catching up (``Project.catch_up``) takes the change
in through the same path as a local edit, and writing is allowed again."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import shapely
from helpers_store_data import X0, Y0, square, tiny_dataset, unit_code

from mapedit.errors import EditRefused, ProjectChangedError
from mapedit.io.gpkg_geom import encode_geometries
from mapedit.model.changes import ChangeSet, GridChange
from mapedit.model.hierarchy import MicroGrid
from mapedit.project import Project

SECOND = Path(__file__).resolve().parent / "helpers_second_window.py"
needs_gdal = pytest.mark.skipif(shutil.which("ogrinfo") is None,
                                reason="GDAL command line tools (gdal-bin) not installed")


@pytest.fixture
def path(tmp_path: Path) -> Path:
    p = tmp_path / "两个 窗口.gpkg"
    Project.create(p, tiny_dataset()).close()
    return p


@pytest.fixture
def project(path: Path):
    p = Project.open(path)
    yield p
    p.close()


def second_window(path: Path, *args: str) -> None:
    out = subprocess.run([sys.executable, str(SECOND), str(path), *args], capture_output=True,
                         text=True, encoding="utf-8", timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]


def ogr_sql(path: Path, sql: str) -> None:
    out = subprocess.run(["ogrinfo", str(path), "-dialect", "sqlite", "-sql", sql],
                         capture_output=True, text=True, encoding="utf-8", timeout=120)
    assert out.returncode == 0 and "ERROR" not in out.stderr, out.stderr


def rename(project: Project, fid: int, name: str) -> ChangeSet:
    g = project.dataset.grids[fid]
    return project.apply(ChangeSet("改名", "rename", [GridChange(g, g.replace(name=name))]),
                         who="第一个窗口")


def stored_name(path: Path, fid: int) -> str:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT name FROM micro_grids WHERE fid=?", (fid,)).fetchone()[0]
    finally:
        conn.close()


def test_changes_lock_in_second_window_is_not_bypassed(path: Path, project: Project) -> None:
    """Before: the edit went into the unit the other window had just locked."""
    code = unit_code(1)
    fid = next(f for f, g in project.dataset.grids.items() if g.unit_code == code)
    before = stored_name(path, fid)
    second_window(path, "lock", code)
    with pytest.raises(ProjectChangedError) as err:
        rename(project, fid, "锁定后仍然修改")
    assert "管理单元" in err.value.zh and "units" in err.value.en
    assert stored_name(path, fid) == before
    project.catch_up()
    assert project.dataset.units[code].locked
    with pytest.raises(EditRefused):  # now refused for the right reason
        rename(project, fid, "锁定后仍然修改")
    log = project.store.edit_log(5)
    assert any(e["action"] == "lock" and e["who"] == "第二个窗口" for e in log)


def test_changes_accepted_exception_in_second_window(path: Path, project: Project) -> None:
    finding = next(f for f in project.findings if f.rule == "gap")
    assert not finding.accepted
    second_window(path, "accept", finding.key, finding.rule, "第二个窗口:河道")
    with pytest.raises(ProjectChangedError):
        project.accept_finding(finding, "第一个窗口的理由")
    with pytest.raises(ProjectChangedError):
        project.set_unit_locked(unit_code(2), True)
    assert project.store.accepted_findings() == {finding.key: "第二个窗口:河道"}
    heard = []
    project.add_listener(heard.append)
    project.catch_up()
    assert heard  # the window refreshes
    now = next(f for f in project.findings if f.key == finding.key)
    assert now.accepted and now.accept_reason == "第二个窗口:河道"
    project.set_unit_locked(unit_code(2), True)  # writing works again


def test_changes_settings_changed_elsewhere(path: Path, project: Project) -> None:
    project.findings  # noqa: B018 (checker built)
    second_window(path, "settings", "households_max", "450")
    with pytest.raises(ProjectChangedError) as err:
        rename(project, 1, "新名字")
    assert "设置" in err.value.zh
    project.catch_up()
    assert project.dataset.settings.households_max == 450
    assert project.findings is not None  # re-checked with the new band
    rename(project, 1, "新名字")
    assert stored_name(path, 1) == "新名字"


def test_changes_raw_sqlite_writer_is_detected(path: Path, project: Project) -> None:
    """A sqlite3 session that knows nothing about mapedit (no ST_* functions either)."""
    code = subprocess.run(
        [sys.executable, "-c",
         "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
         "c.execute(\"UPDATE mapedit_accepted SET reason='x' WHERE 0\"); "
         "c.execute(\"INSERT INTO mapedit_accepted (key, rule, reason) VALUES ('k', 'gap', '手工')\"); "
         "c.commit()", str(path)], capture_output=True, text=True, timeout=60)
    assert code.returncode == 0, code.stderr
    with pytest.raises(ProjectChangedError):
        rename(project, 1, "x")
    changes = project.store.changes_since(project.store.seen_revision)
    assert changes.accepted == {"k": "手工"} and not changes.full


@needs_gdal
def test_changes_gdal_update_is_not_overwritten(path: Path, project: Project) -> None:
    """Before: GDAL's new name was silently replaced by the editor's next write of the row
    (and by an undo)."""
    done = rename(project, 3, "编辑器改名")
    ogr_sql(path, "UPDATE micro_grids SET name='GDAL 改名' WHERE fid=3")
    for fid in (3, 4):
        with pytest.raises(ProjectChangedError):
            rename(project, fid, "覆盖")
    assert stored_name(path, 3) == "GDAL 改名"
    project.catch_up()
    assert project.dataset.grids[3].name == "GDAL 改名"
    with pytest.raises(EditRefused):  # undoing our rename would overwrite GDAL's
        project.apply(done.inverse())
    rename(project, 4, "之后可以编辑")
    assert stored_name(path, 4) == "之后可以编辑" and stored_name(path, 3) == "GDAL 改名"


@needs_gdal
def test_changes_gdal_insert_goes_through_the_checker(path: Path, project: Project) -> None:
    before = {f.key for f in project.findings}
    # GDAL (pyogrio) appends a grid overlapping grid 1
    geom = square(X0 + 50, Y0 + 800, 100)
    fields = {"code": "310118001001099", "name": "GDAL 新网格", "category": "小区",
              "unit_code": unit_code(1), "departments": '["自治办"]', "households": 350}
    from pyogrio.raw import write

    write(path, np.array([shapely.to_wkb(shapely.MultiPolygon([geom]))], dtype=object),
          [np.array([v], dtype=object) for v in fields.values()], list(fields),
          driver="GPKG", layer="micro_grids", append=True, geometry_type="MultiPolygon",
          crs="EPSG:4549")
    assert project.store.changed_elsewhere()
    with pytest.raises(ProjectChangedError):
        rename(project, 1, "x")
    cs = project.catch_up()
    assert len(cs.changes) == 1 and cs.changes[0].before is None
    new = cs.changes[0].after
    assert new.name == "GDAL 新网格" and new.departments == ["自治办"]
    assert project.dataset.grids[new.fid] is new
    overlaps = [f for f in project.findings if f.rule == "overlap" and f.key not in before]
    assert overlaps  # checked like a local edit
    rename(project, 1, "可以了")


@needs_gdal
def test_changes_table_recreated_by_ogr2ogr(path: Path, project: Project, tmp_path: Path
                                            ) -> None:
    """``ogr2ogr -overwrite`` drops and recreates micro_grids: our triggers go with it, so the
    change cannot be described; the editor still refuses, reloads in full, and tracks the new
    table from then on."""
    copy = tmp_path / "copy.gpkg"
    out = subprocess.run(["ogr2ogr", "-f", "GPKG", str(copy), str(path), "micro_grids",
                          "-where", "fid <> 7", "-preserve_fid"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    out = subprocess.run(["ogr2ogr", "-update", "-overwrite", "-preserve_fid", str(path),
                          str(copy), "micro_grids", "-nln", "micro_grids"],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    with pytest.raises(ProjectChangedError):
        rename(project, 1, "x")
    changes = project.store.changes_since(project.store.seen_revision)
    assert changes.full
    project.apply_remote(changes)
    assert 7 not in project.dataset.grids and len(project.dataset.grids) == 11
    rename(project, 1, "重新跟踪")
    ogr_sql(path, "UPDATE micro_grids SET name='再次 GDAL' WHERE fid=2")
    changes = project.store.changes_since(project.store.seen_revision)
    assert not changes.full and set(changes.grids) == {2}


def test_changes_harmless_commits_do_not_block(path: Path, project: Project) -> None:
    """Another program committing nothing we hold (a VACUUM, ``mapedit info``, a metadata
    touch) does not refuse the next edit."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("UPDATE gpkg_contents SET last_change='2030-01-01T00:00:00.000Z'")
    conn.execute("VACUUM")
    conn.close()
    out = subprocess.run([sys.executable, "-m", "mapedit", "info", str(path)],
                         capture_output=True, text=True, encoding="utf-8", timeout=120)
    assert out.returncode == 0, out.stderr
    assert not project.store.changed_elsewhere()
    rename(project, 1, "照常编辑")
    assert stored_name(path, 1) == "照常编辑"


def test_changes_layer_settings_from_second_window(path: Path, project: Project) -> None:
    second_window(path, "hide", "roads")
    with pytest.raises(ProjectChangedError):
        project.dataset.layers.set_opacity("water", 0.3)
    project.catch_up()
    assert not project.dataset.layers["roads"].visible
    project.dataset.layers.set_opacity("water", 0.3)
    with Project.open(path) as again:
        assert again.dataset.layers["water"].opacity == pytest.approx(0.3)
        assert not again.dataset.layers["roads"].visible


def test_changes_full_catch_up_equals_a_reload(path: Path, project: Project) -> None:
    second_window(path, "rename", "2", "第二个窗口改名")
    second_window(path, "lock", unit_code(3))
    changes = project.store.changes_since(-1)  # a revision the log cannot answer: in full
    assert changes.full
    project.apply_remote(changes)
    with Project.open(path) as fresh:
        assert project.dataset.grids == fresh.dataset.grids
        assert project.dataset.units == fresh.dataset.units
        assert project.dataset.layers.settings() == fresh.dataset.layers.settings()


@needs_gdal
def test_changes_remote_edit_of_a_grid_with_an_extra_column(path: Path, project: Project
                                                            ) -> None:
    """A column a GIS user added changes the file's structure, not what we hold: editing goes
    on, and our writes keep the user's values."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute('ALTER TABLE micro_grids ADD COLUMN "巡查员" TEXT')
    conn.close()
    ogr_sql(path, "UPDATE micro_grids SET \"巡查员\"='老王' WHERE fid=1")
    with pytest.raises(ProjectChangedError):  # that was a change of a row we hold
        rename(project, 1, "x")
    project.catch_up()
    rename(project, 1, "有额外列也能编辑")
    conn = sqlite3.connect(path)
    try:
        assert conn.execute('SELECT "巡查员", name FROM micro_grids WHERE fid=1').fetchone() \
            == ("老王", "有额外列也能编辑")
    finally:
        conn.close()
    grid = MicroGrid(code=f"{unit_code(4)}001", name="新", category="村组",
                     geometry=square(X0 + 600, Y0 + 50, 20), unit_code=unit_code(4))
    project.apply(ChangeSet("新建", "add", [GridChange(None, grid)]))
    assert grid.fid is not None
    blob = encode_geometries([grid.geometry], 4549)[0]
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("SELECT geom FROM micro_grids WHERE fid=?",
                            (grid.fid,)).fetchone()[0] == blob
    finally:
        conn.close()


def test_changes_apply_remote_uses_the_incremental_check(path: Path, project: Project) -> None:
    """Grid changes from elsewhere go through ``checker.update`` like a local edit (the checker
    is not rebuilt), and listeners hear them."""
    from mapedit.io.store import RemoteChanges

    checker = project.checker
    first = project.dataset.grids[1]
    moved = first.replace(geometry=square(X0 + 100, Y0 + 800, 300))  # now overlaps grids 2-4
    heard: list[ChangeSet] = []
    project.add_listener(heard.append)
    cs = project.apply_remote(RemoteChanges(revision=0, grids={1: moved, 5: None}))
    assert project.checker is checker  # updated, not rebuilt
    assert project.dataset.grids[1] is moved and 5 not in project.dataset.grids
    assert [c.action for c in cs.changes] == ["update", "delete"] and heard == [cs]
    assert any(f.rule == "overlap" and 1 in f.fids for f in project.findings)
    assert not any(5 in f.fids for f in project.findings)
