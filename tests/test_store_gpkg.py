"""GeoPackage project store: round trip, GDAL compatibility, refusing files that are not ours."""

from __future__ import annotations

import json
import shutil
import sqlite3
import struct
import subprocess
from pathlib import Path

import numpy as np
import pyogrio
import pytest
import shapely
from helpers_store_data import X0, Y0, square, square_grids_dataset, tiny_dataset
from shapely.geometry import LineString, MultiLineString, MultiPolygon, Point, Polygon

from mapedit.errors import InputError, MapeditError, NotAProjectError, ProjectChangedError
from mapedit.io.gpkg import (
    GPKG_APPLICATION_ID,
    GPKG_USER_VERSION,
    GpkgStore,
    StoreError,
    decode_geometries,
    encode_geometries,
)
from mapedit.model.changes import ChangeSet, GridChange
from mapedit.model.hierarchy import MicroGrid
from mapedit.model.settings import Settings

FEATURE_LAYERS = ["street", "responsibility_grids", "units", "micro_grids", "base_roads",
                  "base_water", "base_buildings", "base_villager_groups", "base_committees",
                  "base_pois"]
ATTRIBUTE_TABLES = ["mapedit_meta", "mapedit_settings", "mapedit_catalogue", "mapedit_edit_log",
                    "mapedit_accepted", "mapedit_layers", "mapedit_changes"]


@pytest.fixture
def project_path(tmp_path: Path) -> Path:
    """A path with Chinese characters and spaces, as clerks name their files."""
    folder = tmp_path / "夏阳 街道 项目"
    folder.mkdir()
    return folder / "微网格 2024 (测试).gpkg"


def geoms_identical(a, b) -> bool:
    if a is None or b is None:
        return a is b
    return a.geom_type == b.geom_type and shapely.to_wkb(a) == shapely.to_wkb(b)


# -- geometry blobs ------------------------------------------------------------------------

def test_store_blob_header_follows_geopackage_spec() -> None:
    poly = square(X0, Y0, 10)
    blob = encode_geometries([poly], 4549)[0]
    assert blob[:2] == b"GP" and blob[2] == 0
    assert blob[3] == 0b0000_0011  # little-endian, xy envelope
    assert struct.unpack("<i", blob[4:8])[0] == 4549
    assert struct.unpack("<4d", blob[8:40]) == (X0, X0 + 10, Y0, Y0 + 10)  # minx maxx miny maxy
    # ISO WKB MultiPolygon (6) with one little-endian Polygon part
    assert blob[40] == 1 and struct.unpack("<II", blob[41:49]) == (6, 1)
    back = decode_geometries([blob])[0]
    assert geoms_identical(back, poly)
    assert decode_geometries([blob], demote=False)[0].geom_type == "MultiPolygon"


def test_store_blob_empty_and_null() -> None:
    blobs = encode_geometries([None, Polygon()], 4549)
    assert blobs[0] is None
    assert blobs[1][3] & 0b1_0000  # empty flag
    back = decode_geometries(blobs)
    assert back[0] is None and back[1].is_empty


# -- round trip ----------------------------------------------------------------------------

def test_store_round_trip_is_exact(project_path: Path) -> None:
    ds = tiny_dataset()
    with GpkgStore.create(project_path, ds) as store:
        back = store.load()
    assert back.crs == ds.crs
    assert back.street.code == ds.street.code and back.street.name == ds.street.name
    assert geoms_identical(back.street.geometry, ds.street.geometry)
    assert list(back.responsibility_grids) == list(ds.responsibility_grids)
    for code, rg in ds.responsibility_grids.items():
        assert back.responsibility_grids[code] == rg
    assert list(back.units) == list(ds.units)
    for code, unit in ds.units.items():
        assert back.units[code] == unit
        assert geoms_identical(back.units[code].geometry, unit.geometry)
    assert list(back.grids) == list(ds.grids)
    for fid, grid in ds.grids.items():
        assert back.grids[fid] == grid
        assert geoms_identical(back.grids[fid].geometry, grid.geometry)
    assert back.grids[2].geometry.geom_type == "MultiPolygon"  # two parts stay two parts
    assert len(back.grids[1].geometry.interiors) == 1  # the hole survives
    assert back.grids[1].four_bounds == {"east": "青赵公路", "south": "淀山湖大道", "west": "河道",
                                         "north": "盈港东路"}
    assert set(back.layers.ids()) == set(ds.layers.ids())
    for name, layer in ((ly.id, ly.data) for ly in ds.layers.of_kind("vector")):
        got = back.base(name)
        assert len(got) == len(layer)
        assert all(geoms_identical(a, b) for a, b in zip(got.geometries, layer.geometries,
                                                           strict=True))
        assert got.attributes == layer.attributes
    assert back.settings == ds.settings
    assert back.catalogue.raw == ds.catalogue.raw
    assert back.catalogue.categories == ds.catalogue.categories


def test_store_extra_base_attributes_and_unknown_layers_round_trip(tmp_path: Path) -> None:
    from mapedit.model.layers import BaseLayer

    ds = tiny_dataset()
    b = ds.base("buildings")  # layers are read-only: a changed layer is a new BaseLayer
    attrs = [dict(a) for a in b.attributes]
    attrs[0]["地址"] = "盈港东路 1 号"
    ds.layers.set_data("buildings", BaseLayer("buildings", b.geometries, attrs))
    ds.layers.add_vector("parks", BaseLayer("parks", np.array([square(X0, Y0, 30)], dtype=object),
                                        [{"name": "夏阳湖公园", "area": 900.5}]))
    with GpkgStore.create(tmp_path / "p.gpkg", ds) as store:
        back = store.load()
    assert back.base("buildings").attributes[0]["地址"] == "盈港东路 1 号"
    parks = back.layers["parks"]
    assert parks.role == "other" and parks.data.attributes == [{"name": "夏阳湖公园", "area": 900.5}]


def test_store_assigns_fids_from_keys_when_missing(tmp_path: Path) -> None:
    ds = tiny_dataset()
    ds.grids = {k: g.replace(fid=None) for k, g in ds.grids.items()}
    with GpkgStore.create(tmp_path / "p.gpkg", ds) as store:
        back = store.load()
    assert sorted(back.grids) == sorted(ds.grids)
    assert all(back.grids[k].code == g.code for k, g in ds.grids.items())


def test_store_create_refuses_to_overwrite(project_path: Path) -> None:
    GpkgStore.create(project_path, tiny_dataset()).close()
    with pytest.raises(InputError) as err:
        GpkgStore.create(project_path, tiny_dataset(with_grids=False))
    assert "已存在" in err.value.zh and "exists" in err.value.en
    with GpkgStore.create(project_path, tiny_dataset(with_grids=False), overwrite=True) as store:
        assert store.counts()["micro_grids"] == 0
    assert [p.name for p in project_path.parent.iterdir()] == [project_path.name]  # no temp left


def test_store_failed_create_leaves_nothing(tmp_path: Path) -> None:
    ds = tiny_dataset()
    ds.crs = "not a crs at all"
    target = tmp_path / "bad.gpkg"
    with pytest.raises(MapeditError):
        GpkgStore.create(target, ds)
    assert list(tmp_path.iterdir()) == []


def test_store_meta_counts_and_file_header(project_path: Path) -> None:
    with GpkgStore.create(project_path, tiny_dataset()) as store:
        meta = store.meta()
        counts = store.counts()
    assert meta["format"] == "mapedit-project" and meta["crs"] == "EPSG:4549"
    assert counts == {"street": 1, "responsibility_grids": 2, "units": 4, "micro_grids": 12,
                      "base_roads": 2, "base_water": 1, "base_buildings": 25,
                      "base_villager_groups": 1, "base_committees": 1, "base_pois": 2}
    conn = sqlite3.connect(project_path)
    try:
        assert conn.execute("PRAGMA application_id").fetchone()[0] == GPKG_APPLICATION_ID
        assert conn.execute("PRAGMA user_version").fetchone()[0] == GPKG_USER_VERSION
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        srs = {r[0] for r in conn.execute("SELECT srs_id FROM gpkg_spatial_ref_sys")}
        assert srs == {-1, 0, 4326, 4549}
        kinds = dict(conn.execute("SELECT table_name, data_type FROM gpkg_contents"))
        assert {t: kinds[t] for t in ATTRIBUTE_TABLES} == dict.fromkeys(ATTRIBUTE_TABLES,
                                                                         "attributes")
        assert all(kinds[t] == "features" for t in FEATURE_LAYERS)
        indexes = {r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='index' AND tbl_name='micro_grids'")}
        assert {"idx_micro_grids_code", "idx_micro_grids_unit_code"} <= indexes
        stored = json.loads(conn.execute(
            "SELECT value FROM mapedit_catalogue WHERE key='catalogue'").fetchone()[0])
        assert stored["format"] == "mapedit-catalogue"
    finally:
        conn.close()


# -- GDAL reads it -------------------------------------------------------------------------

def test_store_gdal_lists_layers_counts_and_crs(project_path: Path) -> None:
    GpkgStore.create(project_path, tiny_dataset()).close()
    layers = dict(pyogrio.list_layers(project_path))
    assert set(FEATURE_LAYERS + ATTRIBUTE_TABLES) == set(layers)
    expected = {"street": 1, "responsibility_grids": 2, "units": 4, "micro_grids": 12,
                "base_roads": 2, "base_water": 1, "base_buildings": 25,
                "base_villager_groups": 1, "base_committees": 1, "base_pois": 2}
    for layer, count in expected.items():
        info = pyogrio.read_info(project_path, layer=layer)
        assert info["features"] == count, layer
        assert info["crs"] == "EPSG:4549", layer
        assert info["fid_column"] == "fid"
    assert layers["micro_grids"] == "MultiPolygon"
    assert layers["base_roads"] == "MultiLineString"
    assert layers["base_pois"] == "Point"
    assert pyogrio.read_info(project_path, layer="mapedit_meta")["features"] == 6


def test_store_gdal_reads_geometries_and_chinese_text(project_path: Path) -> None:
    ds = tiny_dataset()
    GpkgStore.create(project_path, ds).close()
    from pyogrio.raw import read

    _meta, fids, geometry, fields = read(project_path, layer="micro_grids", return_fids=True)
    names = list(_meta["fields"])
    assert list(fids) == list(ds.grids)
    got = shapely.from_wkb(geometry)
    for fid, geom, name in zip(fids, got, fields[names.index("name")], strict=True):
        want = ds.grids[int(fid)].geometry
        assert shapely.equals_exact(shapely.get_parts(geom), shapely.get_parts(want), 0).all()
        assert name == ds.grids[int(fid)].name
    assert json.loads(fields[names.index("departments")][0]) == ds.grids[1].departments


@pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="ogrinfo not installed")
def test_store_ogrinfo_opens_project(project_path: Path) -> None:
    GpkgStore.create(project_path, tiny_dataset()).close()
    out = subprocess.run(["ogrinfo", "-so", "-al", str(project_path)], capture_output=True,
                         text=True, encoding="utf-8", timeout=60)
    assert out.returncode == 0, out.stderr
    assert "Layer name: micro_grids" in out.stdout
    assert "Feature Count: 12" in out.stdout
    assert "ERROR" not in out.stderr


# -- refusing what is not a project --------------------------------------------------------

def _assert_bilingual(err: MapeditError) -> None:
    assert err.zh and err.en and err.zh != err.en
    assert any("\u4e00" <= ch <= "\u9fff" for ch in err.zh)


def test_store_open_missing_file(tmp_path: Path) -> None:
    with pytest.raises(NotAProjectError) as err:
        GpkgStore.open(tmp_path / "没有 这个.gpkg")
    assert "不存在" in err.value.zh and "does not exist" in err.value.en


@pytest.mark.parametrize("content, zh, en", [
    (b"", "空文件", "empty"),
    ("这是一个文本文件\n".encode(), "不是 SQLite", "not an SQLite"),
    (b"SQLite format 3\x00" + b"\x00" * 50, "截断", "truncated"),
])
def test_store_open_refuses_non_sqlite(tmp_path: Path, content: bytes, zh: str, en: str) -> None:
    p = tmp_path / "文件.gpkg"
    p.write_bytes(content)
    with pytest.raises(NotAProjectError) as err:
        GpkgStore.open(p)
    _assert_bilingual(err.value)
    assert zh in err.value.zh and en in err.value.en


def test_store_open_refuses_plain_sqlite(tmp_path: Path) -> None:
    p = tmp_path / "random.sqlite"
    conn = sqlite3.connect(p)
    conn.execute("CREATE TABLE t (a INTEGER)")
    conn.execute("INSERT INTO t VALUES (1)")
    conn.commit()
    conn.close()
    with pytest.raises(NotAProjectError) as err:
        GpkgStore.open(p)
    assert "不是 GeoPackage" in err.value.zh and "not a GeoPackage" in err.value.en


def test_store_open_refuses_foreign_geopackage(tmp_path: Path) -> None:
    from pyogrio.raw import write

    p = tmp_path / "qgis 导出.gpkg"
    geoms = shapely.to_wkb(np.array([square(X0, Y0)], dtype=object))
    write(p, geoms, [np.array(["某地"], dtype=object)], ["name"], driver="GPKG",
          geometry_type="Polygon", crs="EPSG:4549", layer="parcels")
    with pytest.raises(NotAProjectError) as err:
        GpkgStore.open(p)
    assert "不是微网格编辑器" in err.value.zh and "not a mapedit project" in err.value.en


def test_store_open_refuses_truncated_project(tmp_path: Path) -> None:
    good = tmp_path / "good.gpkg"
    GpkgStore.create(good, square_grids_dataset(30)).close()
    data = good.read_bytes()
    bad = tmp_path / "truncated.gpkg"
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(NotAProjectError) as err:
        GpkgStore.open(bad)
    _assert_bilingual(err.value)
    assert "损坏" in err.value.zh and "damaged" in err.value.en


def test_store_open_refuses_corrupted_pages(tmp_path: Path) -> None:
    p = tmp_path / "corrupt.gpkg"
    GpkgStore.create(p, square_grids_dataset(30)).close()
    data = bytearray(p.read_bytes())
    page = 4096
    for off in range(3 * page, len(data) - page, 5 * page):  # scribble over some pages
        data[off:off + 200] = b"\xff" * 200
    p.write_bytes(bytes(data))
    with pytest.raises(NotAProjectError) as err:
        GpkgStore.open(p)
    assert "损坏" in err.value.zh


def test_store_open_refuses_newer_format(tmp_path: Path) -> None:
    p = tmp_path / "newer.gpkg"
    GpkgStore.create(p, tiny_dataset()).close()
    conn = sqlite3.connect(p)
    conn.execute("UPDATE mapedit_meta SET value='99' WHERE key='format_version'")
    conn.commit()
    conn.close()
    with pytest.raises(NotAProjectError) as err:
        GpkgStore.open(p)
    assert "更新版本" in err.value.zh and "newer" in err.value.en


# -- writes --------------------------------------------------------------------------------

def _new_grid(code: str = "310118001004001", fid: int | None = None) -> MicroGrid:
    return MicroGrid(code=code, name="新网格", category="村组", geometry=square(X0 + 600, Y0 + 100),
                     unit_code="310118001004", departments=["自治办"], households=320,
                     created="2024-06-01T00:00:00+00:00", updated="2024-06-01T00:00:00+00:00",
                     fid=fid)


def test_store_write_changes_assigns_fids_and_logs(project_path: Path) -> None:
    with GpkgStore.create(project_path, tiny_dataset()) as store:
        a, b = _new_grid("310118001004001"), _new_grid("310118001004002")
        fids = store.write_changes(ChangeSet("新建两个", "add two", [GridChange(None, a),
                                                                     GridChange(None, b)]),
                                   who="张三")
        assert fids == [13, 14]
        assert a.fid is None and b.fid is None  # the store does not touch the change set
        a, b = a.replace(fid=13), b.replace(fid=14)
        old = store.load().grids[3]
        new = old.replace(name="改名", updated="2024-06-02T00:00:00+00:00")
        store.write_changes(ChangeSet("改名", "rename", [GridChange(old, new)]), who="李四")
        store.write_changes(ChangeSet("删除", "delete", [GridChange(a, None)]), who="李四")
        loaded = store.load()
        assert 13 not in loaded.grids and loaded.grids[14] == b
        assert loaded.grids[3] == new
        # fids are never reused: a new insert after deleting 13 gets 15
        c = _new_grid("310118001004003")
        assert store.write_changes(ChangeSet("新建", "add", [GridChange(None, c)])) == [15]
        # ... but an explicit fid (redo of an undone insert) brings 13 back
        assert store.write_changes(ChangeSet("重做", "redo", [GridChange(None, a)])) == [13]
        assert store.load().grids[13] == a
        log = store.edit_log(limit=3)
        assert [r["action"] for r in log] == ["insert", "insert", "delete"]
        assert log[2]["who"] == "李四" and log[2]["description"] == "删除"
        assert log[2]["before_attrs"]["code"] == "310118001004001"
        assert geoms_identical(log[2]["before_geom"], a.geometry) and log[2]["after_geom"] is None
        full = store.edit_log(limit=100)
        assert len(full) == 6
        upd = [r for r in full if r["action"] == "update"][0]
        assert upd["before_attrs"]["name"] == old.name and upd["after_attrs"]["name"] == "改名"
        assert upd["edit"] == 2 and [r["edit"] for r in full if r["action"] == "insert"][-2:] == [1, 1]


def test_store_failed_changeset_writes_nothing(project_path: Path) -> None:
    with GpkgStore.create(project_path, tiny_dataset()) as store:
        before = store.counts()
        ghost = _new_grid(fid=999)
        fresh = _new_grid("310118001004009")
        cs = ChangeSet("坏", "bad", [GridChange(None, fresh), GridChange(ghost, None)])
        with pytest.raises(StoreError):
            store.write_changes(cs)
        assert fresh.fid is None
        assert store.counts() == before
        assert store.edit_log() == []
        taken = _new_grid(fid=1)
        with pytest.raises(StoreError):
            store.write_changes(ChangeSet("重复", "dup", [GridChange(None, taken)]))


def test_store_locks_accepts_and_settings_persist(project_path: Path) -> None:
    with GpkgStore.create(project_path, tiny_dataset()) as store:
        store.set_unit_locked("310118001001", True)
        with pytest.raises(InputError):
            store.set_unit_locked("nope", True)
        store.set_accepted("k1", "gap", "河道,无需覆盖", who="王五")
        store.set_accepted("k2", "overlap", "待核实")
        store.set_accepted("k2", "overlap", "已核实")
        store.set_accepted("k1", "gap", None)
        store.save_settings(Settings(min_area_m2=2.5, code_pattern="none"))
    with GpkgStore.open(project_path) as store:
        ds = store.load()
        assert ds.units["310118001001"].locked and not ds.units["310118001002"].locked
        assert store.accepted_findings() == {"k2": "已核实"}
        assert ds.settings == Settings(min_area_m2=2.5, code_pattern="none")


def test_store_project_stays_single_file(project_path: Path) -> None:
    with GpkgStore.create(project_path, tiny_dataset()) as store:
        store.write_changes(ChangeSet("新建", "add", [GridChange(None, _new_grid())]))
        assert sorted(p.name for p in project_path.parent.iterdir()) == [project_path.name]


def test_store_closed_store_refuses(project_path: Path) -> None:
    store = GpkgStore.create(project_path, tiny_dataset())
    store.close()
    with pytest.raises(StoreError):
        store.load()


@pytest.mark.parametrize("geom, declared", [
    (square(X0 + 0.5, Y0 + 0.25, 10), "MultiPolygon"),
    (Polygon(), "MultiPolygon"),
    (LineString([(X0, Y0), (X0 + 10.5, Y0 + 1)]), "MultiLineString"),
    (Point(X0 + 1, Y0 + 2), "Point"),
])
def test_store_blobs_are_byte_identical_to_gdal(tmp_path: Path, geom, declared: str) -> None:
    """GDAL writing the same (multi) geometry produces exactly our bytes."""
    from pyogrio.raw import write

    multi = {"MultiPolygon": MultiPolygon, "MultiLineString": MultiLineString}.get(declared)
    as_declared = geom if multi is None else (multi() if geom.is_empty else multi([geom]))
    p = tmp_path / "gdal.gpkg"
    write(p, np.array([shapely.to_wkb(as_declared)], dtype=object),
          [np.array(["a"], dtype=object)], ["n"], driver="GPKG", geometry_type=declared,
          crs="EPSG:4549", layer="t")
    conn = sqlite3.connect(p)
    try:
        theirs = conn.execute("SELECT geom FROM t").fetchone()[0]
    finally:
        conn.close()
    assert encode_geometries([geom], 4549)[0] == theirs
    assert geoms_identical(decode_geometries([theirs])[0], geom)


def test_store_refuses_to_write_over_another_programs_edit(project_path: Path) -> None:
    GpkgStore.create(project_path, tiny_dataset()).close()
    with GpkgStore.open(project_path) as a, GpkgStore.open(project_path) as b:
        a.write_changes(ChangeSet("甲", "a", [GridChange(None, _new_grid("310118001004001"))]))
        stale = _new_grid("310118001004002")
        with pytest.raises(ProjectChangedError) as err:
            b.write_changes(ChangeSet("乙", "b", [GridChange(None, stale)]))
        assert "其他程序" in err.value.zh and "another program" in err.value.en
        assert "微网格" in err.value.zh and "micro-grids" in err.value.en
        assert len(b.load().grids) == 13  # reloading brings b up to date ...
        assert b.write_changes(ChangeSet("乙", "b", [GridChange(None, stale)])) == [14]


def test_store_busy_file_gives_clear_error(project_path: Path) -> None:
    GpkgStore.create(project_path, tiny_dataset()).close()
    other = sqlite3.connect(project_path, timeout=0.1, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another program is writing: reads work, writes wait
    try:
        with _open_quick(project_path) as store:
            assert store.counts()["units"] == 4
            with pytest.raises(StoreError) as err:
                store.set_unit_locked("310118001001", True)
        assert "占用" in err.value.zh and "locked by another program" in err.value.en
    finally:
        other.execute("ROLLBACK")
        other.close()


def _open_quick(path: Path) -> GpkgStore:
    """A store on a connection with a short busy timeout (the normal one waits 10 s)."""
    conn = sqlite3.connect(path, isolation_level=None, timeout=0.2)
    return GpkgStore(path, conn)
