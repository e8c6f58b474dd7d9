"""Issue 10 §1: a project written by the previous version (commit c0bb6aa: no ``mapedit_layers``,
no change tracking, no R-tree) opens unchanged and is upgraded in place on open.

The old file is rebuilt from a text dump made by that version (``data/project_c0bb6aa.sql``,
regenerated with ``data/make_project_c0bb6aa.py``): no binary in the repository."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from helpers_store_data import tiny_dataset, unit_code

from mapedit.errors import ProjectChangedError
from mapedit.io.gpkg import GpkgStore
from mapedit.io.gpkg_schema import FORMAT_VERSION, GRID_COLUMNS
from mapedit.model.changes import ChangeSet, GridChange
from mapedit.project import Project

DUMP = Path(__file__).resolve().parent / "data" / "project_c0bb6aa.sql"


def old_project(folder: Path, name: str = "旧版 项目.gpkg") -> Path:
    path = folder / name
    conn = sqlite3.connect(path)
    try:
        conn.executescript(DUMP.read_text(encoding="utf-8"))
    finally:
        conn.close()
    return path


def tables(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    finally:
        conn.close()


def test_migration_dump_is_the_old_format(tmp_path: Path) -> None:
    path = old_project(tmp_path)
    names = tables(path)
    assert "mapedit_layers" not in names and "mapedit_changes" not in names
    assert not any(n.startswith("rtree_") for n in names)
    assert "base_committees" in names  # the old version wrote every known layer, even empty


def test_migration_opens_and_upgrades_in_place(tmp_path: Path) -> None:
    path = old_project(tmp_path)
    with Project.open(path) as project:
        ds = project.dataset
        assert any("升级" in m and "upgraded" in m for m in project.load_messages)
        # what the old version stored is all there
        assert len(ds.grids) == 13 and ds.grids[1].name == "改过的名字"
        assert ds.grids[13].name == "农场新网格" and ds.grids[13].departments == ["自治办"]
        assert ds.units[unit_code(1)].locked
        assert project.store.accepted_findings() == {"gap|310118001003": "河道,无需覆盖"}
        assert [e["who"] for e in project.store.edit_log(10)] == ["张三", "张三"]
        # the stack the old version showed: non-empty base layers by role, then the project's
        assert ds.layers.ids() == ["water", "buildings", "roads", "villager_groups", "grids",
                                   "responsibility_grids", "units", "pois", "labels",
                                   "findings"]
        want = tiny_dataset()
        assert ds.base("buildings").attributes == want.base("buildings").attributes
        assert ds.base("committees") is None
        assert ds.settings == want.settings
    names = tables(path)
    assert {"mapedit_layers", "mapedit_changes", "rtree_micro_grids_geom",
            "rtree_base_buildings_geom", "rtree_base_committees_geom"} <= names
    conn = sqlite3.connect(path)
    try:
        meta = dict(conn.execute("SELECT key, value FROM mapedit_meta"))
        assert meta["format_version"] == str(FORMAT_VERSION)
        # the R-tree was filled from the existing rows
        assert conn.execute("SELECT COUNT(*) FROM rtree_micro_grids_geom").fetchone()[0] == 13
        assert conn.execute("SELECT COUNT(*) FROM rtree_base_buildings_geom").fetchone()[0] == 25
    finally:
        conn.close()


def test_migration_upgraded_file_is_edited_and_tracked(tmp_path: Path) -> None:
    path = old_project(tmp_path)
    with Project.open(path) as a, Project.open(path) as b:
        g = b.dataset.grids[6]  # (unit 1, grids 1-4, is locked in that file)
        b.apply(ChangeSet("改名", "rename", [GridChange(g, g.replace(name="B 改"))]), who="乙")
        g = a.dataset.grids[7]
        with pytest.raises(ProjectChangedError):
            a.apply(ChangeSet("改名", "rename", [GridChange(g, g.replace(name="A 改"))]))
        a.catch_up()
        assert a.dataset.grids[6].name == "B 改"
        a.apply(ChangeSet("改名", "rename", [GridChange(g, g.replace(name="A 改"))]))
    with Project.open(path) as c:
        assert (c.dataset.grids[6].name, c.dataset.grids[7].name) == ("B 改", "A 改")


def test_migration_a_second_open_changes_nothing(tmp_path: Path) -> None:
    path = old_project(tmp_path)
    GpkgStore.open(path).close()
    watcher = sqlite3.connect(path)
    try:
        version = watcher.execute("PRAGMA data_version").fetchone()[0]
        with GpkgStore.open(path) as store:
            assert store.messages == []
            store.load()
        assert watcher.execute("PRAGMA data_version").fetchone()[0] == version  # no write
    finally:
        watcher.close()


def test_migration_adds_grid_columns_the_model_has(tmp_path: Path) -> None:
    """Other helpers add grid fields; a file without the column gains it on open and its grids
    get the field's default."""
    path = old_project(tmp_path)
    conn = sqlite3.connect(path)
    try:
        conn.execute("ALTER TABLE micro_grids DROP COLUMN population")
        conn.execute("ALTER TABLE micro_grids DROP COLUMN four_bounds")
        conn.commit()
    finally:
        conn.close()
    with GpkgStore.open(path, migrate=False) as store:  # unmigrated (read-only) files load too
        ds = store.load()
        assert ds.grids[1].population is None and ds.grids[1].four_bounds is None
    with Project.open(path) as project:
        assert project.dataset.grids[7].population is None
        g = project.dataset.grids[7]
        project.apply(ChangeSet("填人口", "population", [GridChange(g, g.replace(population=77))]))
    conn = sqlite3.connect(path)
    try:
        cols = [r[1] for r in conn.execute("PRAGMA table_info(micro_grids)")]
        assert set(GRID_COLUMNS) <= set(cols)
        assert conn.execute("SELECT population FROM micro_grids WHERE fid=7").fetchone() == (77,)
    finally:
        conn.close()


def test_migration_info_leaves_an_old_file_alone(tmp_path: Path) -> None:
    from mapedit.cli import main

    path = old_project(tmp_path)
    before = path.read_bytes()
    assert main(["info", str(path)]) == 0
    assert path.read_bytes() == before


@pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="gdal-bin not installed")
def test_migration_result_is_a_valid_indexed_geopackage(tmp_path: Path) -> None:
    from test_store_rtree import gdal_validator, has_spatial_index

    path = old_project(tmp_path)
    GpkgStore.open(path).close()
    for table in ("micro_grids", "units", "base_buildings", "base_roads", "base_pois"):
        assert has_spatial_index(path, table), table
    validator = gdal_validator()
    if validator is not None:
        out = subprocess.run([*validator, str(path)], capture_output=True, text=True,
                             encoding="utf-8", timeout=120)
        assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.skipif(shutil.which("ogr2ogr") is None, reason="gdal-bin not installed")
def test_migration_a_layer_rewritten_by_gdal_its_own_way(tmp_path: Path) -> None:
    """QGIS/GDAL replaced a base table with other key and geometry column names: it loads,
    and is tracked from then on."""
    path = tmp_path / "项目.gpkg"
    Project.create(path, tiny_dataset()).close()
    source = tmp_path / "source.gpkg"
    source.write_bytes(path.read_bytes())
    out = subprocess.run(["ogr2ogr", "-update", "-overwrite", "-nln", "base_water",
                          "-lco", "GEOMETRY_NAME=shape", "-lco", "FID=ogc_fid", str(path),
                          str(source), "-sql", "SELECT geom, name, '新' AS note FROM base_water",
                          "-dialect", "sqlite"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    with Project.open(path) as project:
        water = project.dataset.base("water")
        assert len(water) == 1 and water.attributes[0]["name"] == "油墩港"
        assert water.attributes[0]["note"] == "新"
        out = subprocess.run(["ogrinfo", str(path), "-dialect", "sqlite", "-sql",
                              "UPDATE base_water SET name='改' WHERE ogc_fid=1"],
                             capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        changes = project.store.changes_since(project.store.seen_revision)
        assert "base_water" in changes.tables and not changes.full
        project.apply_remote(changes)
        assert project.dataset.base("water").attributes[0]["name"] == "改"
        project.remove_layer("water")  # its GDAL-named index goes with it
    assert not any("water" in n for n in tables(path))


def test_migration_without_the_rtree_module(tmp_path: Path) -> None:
    """A stripped SQLite without R*Tree: files are written without indexes, and opening does
    not try (and fail) to add them every time."""
    from unittest import mock

    import mapedit.io.gpkg as gpkg

    with mock.patch.object(gpkg, "has_rtree_module", lambda conn: False):
        path = tmp_path / "无索引.gpkg"
        GpkgStore.create(path, tiny_dataset()).close()
        assert not any(n.startswith("rtree_") for n in tables(path))
        with GpkgStore.open(path) as store:
            assert store.messages == []
            store.set_unit_locked(unit_code(2), True)
