"""Issue 12: a GeoPackage R-tree spatial index (``gpkg_rtree_index``) on every feature table,
created with the project (and by the migration), registered in ``gpkg_extensions`` and kept
current on every edit by the standard triggers, whose ST_* functions our connection provides.
Proven with GDAL: it sees the index, its validator accepts the file, and its spatial filter
finds the right rows after our edits."""

from __future__ import annotations

import shutil
import sqlite3
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyogrio
import pytest
import shapely
from helpers_store_data import X0, Y0, square, tiny_dataset, unit_code
from pyogrio.raw import read

from mapedit.io.gpkg import GpkgStore
from mapedit.io.gpkg_geom import (
    blob_envelope,
    blob_envelopes,
    encode_geometries,
    register_sql_functions,
)
from mapedit.model.changes import ChangeSet, GridChange
from mapedit.model.hierarchy import MicroGrid
from mapedit.model.layers import VECTOR, BaseLayer, Layer
from mapedit.model.settings import Settings
from mapedit.project import Project

_VALIDATOR_PATHS = (
    Path("/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py"),
    Path("/usr/share/doc/python3-gdal/examples/validate_gpkg.py"),
)


def gdal_validator() -> list[str] | None:
    """GDAL's reference GeoPackage validator (``validate_gpkg.py``, Debian package
    python3-gdal) and the Python to run it with. It runs on any Python (GDAL's bindings only
    add geometry checks), so a Python that has them is preferred."""
    pythons = [p for p in (shutil.which("python3"), "/usr/bin/python3", sys.executable) if p]
    for exe in pythons:
        out = subprocess.run([exe, "-c", "import osgeo.ogr, osgeo_utils.samples.validate_gpkg "
                              "as v; print(v.__file__)"], capture_output=True, text=True)
        if out.returncode == 0 and Path(out.stdout.strip()).is_file():
            return [exe, out.stdout.strip()]
    for script in _VALIDATOR_PATHS:
        if script.is_file():
            return [sys.executable, str(script)]
    return None


needs_validator = pytest.mark.skipif(
    gdal_validator() is None,
    reason="GDAL's validate_gpkg.py not found (Debian: apt-get install python3-gdal)")


def has_spatial_index(path: Path, table: str) -> bool:
    """What GDAL says: the layer has a fast spatial filter (its R-tree) and
    ``HasSpatialIndex`` is 1."""
    fast = pyogrio.read_info(path, layer=table)["capabilities"]["fast_spatial_filter"]
    out = subprocess.run(["ogrinfo", str(path), "-sql",
                          f"SELECT HasSpatialIndex('{table}', 'geom')"],
                         capture_output=True, text=True, encoding="utf-8", timeout=60)
    return bool(fast) and "HasSpatialIndex (Integer) = 1" in out.stdout


needs_gdal = pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="gdal-bin not installed")


@pytest.fixture
def path(tmp_path: Path) -> Path:
    p = tmp_path / "索引 项目.gpkg"
    GpkgStore.create(p, tiny_dataset()).close()
    return p


def _conn(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path)


def test_rtree_on_every_feature_table(path: Path) -> None:
    conn = _conn(path)
    try:
        features = [r[0] for r in conn.execute(
            "SELECT table_name FROM gpkg_contents WHERE data_type='features'")]
        ext = {r[0]: r[1:] for r in conn.execute(
            "SELECT table_name, column_name, scope FROM gpkg_extensions "
            "WHERE extension_name='gpkg_rtree_index'")}
        triggers = {r[0] for r in conn.execute("SELECT name FROM sqlite_master "
                                               "WHERE type='trigger'")}
        assert len(features) == 10
        for t in features:
            assert ext[t] == ("geom", "write-only"), t
            n = conn.execute(f'SELECT COUNT(*) FROM "{t}" WHERE geom IS NOT NULL').fetchone()[0]
            assert conn.execute(f'SELECT COUNT(*) FROM "rtree_{t}_geom"').fetchone()[0] == n
            for suffix in ("insert", "update1", "update2", "update3", "update4", "delete"):
                assert f"rtree_{t}_geom_{suffix}" in triggers
    finally:
        conn.close()


@needs_gdal
def test_rtree_gdal_sees_the_index(path: Path) -> None:
    for t in ("micro_grids", "units", "street", "base_buildings", "base_roads", "base_pois"):
        assert has_spatial_index(path, t), t


def _rtree_rows(path: Path, table: str = "micro_grids") -> dict[int, tuple]:
    conn = _conn(path)
    try:
        return {r[0]: r[1:] for r in conn.execute(f"SELECT * FROM rtree_{table}_geom")}
    finally:
        conn.close()


def _assert_index_matches(path: Path, grids: dict[int, MicroGrid]) -> None:
    rows = _rtree_rows(path)
    want = {f: g.geometry.bounds for f, g in grids.items()
            if g.geometry is not None and not g.geometry.is_empty}
    assert set(rows) == set(want)
    for fid, (minx, miny, maxx, maxy) in want.items():
        rminx, rmaxx, rminy, rmaxy = rows[fid]
        # an R-tree stores float32, rounded outwards
        assert rminx <= minx <= rminx + 1 and rmaxx - 1 <= maxx <= rmaxx
        assert rminy <= miny <= rminy + 1 and rmaxy - 1 <= maxy <= rmaxy


def _gdal_bbox_fids(path: Path, bbox: tuple[float, float, float, float]) -> set[int]:
    _meta, fids, _geoms, _fields = read(path, layer="micro_grids", bbox=bbox, return_fids=True,
                                        read_geometry=False)
    return {int(f) for f in fids}


@needs_gdal
def test_rtree_follows_every_edit_and_gdal_filters_right(path: Path) -> None:
    """Moving a grid far away, inserting, deleting, emptying a geometry: the index follows, and
    GDAL's spatial filter (which reads the R-tree) finds exactly the grids there."""
    far = (X0 + 5000, Y0 + 5000)
    with Project.open(path) as project:
        ds = project.dataset
        g3, g5, g6 = ds.grids[3], ds.grids[5], ds.grids[6]
        new = MicroGrid(code=f"{unit_code(4)}001", name="新", category="村组",
                        geometry=square(X0 + 600, Y0 + 100, 50), unit_code=unit_code(4))
        project.apply(ChangeSet("编辑", "edit", [
            GridChange(None, new),
            GridChange(g3, g3.replace(geometry=square(*far, 40))),
            GridChange(g5, None),
        ]), allow_invalid=True)
        project.apply(ChangeSet("清空", "empty", [GridChange(g6, g6.replace(
            geometry=shapely.Polygon()))]), allow_invalid=True)
        _assert_index_matches(path, ds.grids)
        assert 6 not in _rtree_rows(path)
        assert _gdal_bbox_fids(path, (far[0] - 1, far[1] - 1, far[0] + 50, far[1] + 50)) == {3}
        assert _gdal_bbox_fids(path, (X0 + 590, Y0 + 90, X0 + 700, Y0 + 200)) == {new.fid}
        whole = (X0 - 10, Y0 - 10, X0 + 1010, Y0 + 1010)
        expected = {f for f, g in ds.grids.items() if not g.geometry.is_empty
                    and g.geometry.intersects(shapely.box(*whole))}
        assert _gdal_bbox_fids(path, whole) == expected and 5 not in expected
        # undo: the index follows back
        project.apply(ChangeSet("恢复", "restore", [GridChange(ds.grids[6], g6)]))
        assert 6 in _rtree_rows(path)


@needs_gdal
def test_rtree_gdal_edit_keeps_our_index_and_vice_versa(path: Path) -> None:
    """GDAL moving a row runs the same triggers (its own ST_* functions); our next load and
    GDAL's filter agree."""
    blob = encode_geometries([square(X0 + 3000, Y0 + 3000, 10)], 4549)[0]
    out = subprocess.run(["ogrinfo", str(path), "-dialect", "sqlite", "-sql",
                          f"UPDATE micro_grids SET geom=X'{blob.hex()}' WHERE fid=2"],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert _gdal_bbox_fids(path, (X0 + 2990, Y0 + 2990, X0 + 3020, Y0 + 3020)) == {2}
    with GpkgStore.open(path) as store:
        _assert_index_matches(path, store.load().grids)


@needs_gdal
def test_rtree_on_added_vector_layers(path: Path) -> None:
    with GpkgStore.open(path) as store:
        geoms = np.array([shapely.Point(X0 + i, Y0 + i) for i in range(5)], dtype=object)
        store.add_vector_layer(Layer(id="wells", kind=VECTOR, role="pois", name="水井",
                                     data=BaseLayer("wells", geoms, [{"编号": i} for i in
                                                                     range(5)])))
        assert has_spatial_index(path, "base_wells")
        _m, fids, _g, _f = read(path, layer="base_wells", bbox=(X0 + 1.5, Y0 + 1.5, X0 + 3.5,
                                                                 Y0 + 3.5), return_fids=True)
        assert sorted(int(f) for f in fids) == [3, 4]
        store.remove_layer("wells")
    conn = _conn(path)
    try:
        leftovers = conn.execute("SELECT name FROM sqlite_master WHERE name LIKE '%wells%'"
                                 ).fetchall()
        assert leftovers == []
        assert conn.execute("SELECT COUNT(*) FROM gpkg_extensions WHERE table_name="
                            "'base_wells'").fetchone()[0] == 0
    finally:
        conn.close()


@needs_validator
def test_rtree_project_passes_gdal_geopackage_validator(tmp_path: Path) -> None:
    """After creation and every kind of write (grids, locks, accepted findings, settings, a
    layer with Chinese columns added and one removed)."""
    p = tmp_path / "有效 项目.gpkg"
    with Project.create(p, tiny_dataset()) as project:
        ds = project.dataset
        g = ds.grids[4]
        project.apply(ChangeSet("改", "edit", [GridChange(g, g.replace(
            geometry=square(X0 + 250, Y0 + 750, 200)))]), allow_invalid=True)
        project.set_unit_locked(unit_code(2), True, who="测试")
        project.store.set_accepted("k", "gap", "理由", who="测试")
        project.save_settings(Settings(households_max=480))
        parks = Layer(id="parks", kind=VECTOR, name="公园", data=BaseLayer(
            "parks", np.array([square(X0, Y0, 30)], dtype=object),
            [{"名称": "夏阳湖公园", "面积": 900.5}]))
        project.add_layer(parks)
        project.remove_layer("water")
        ds.layers.set_opacity("buildings", 0.5)
    validator = gdal_validator()
    out = subprocess.run([*validator, str(p)], capture_output=True, text=True,
                         encoding="utf-8", timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr


# -- the SQL functions ---------------------------------------------------------------------------

def test_rtree_envelopes_from_headers_and_from_wkb() -> None:
    poly, point = square(X0, Y0, 10), shapely.Point(X0 + 1, Y0 + 2)
    b_poly, b_point, b_empty = encode_geometries([poly, point, shapely.Polygon()], 4549)
    assert blob_envelope(b_poly) == (X0, X0 + 10, Y0, Y0 + 10)
    assert b_point[3] == 1  # no envelope in the header: computed from the WKB
    assert blob_envelope(b_point) == (X0 + 1, X0 + 1, Y0 + 2, Y0 + 2)
    assert blob_envelope(b_empty) is None and blob_envelope(None) is None
    assert blob_envelope(b"garbage") is None
    # a big-endian header envelope (another writer's choice)
    big = b"GP\x00\x02" + struct.pack(">i", 4549) + struct.pack(">4d", 1, 2, 3, 4) + b_poly[40:]
    assert blob_envelope(big) == (1, 2, 3, 4)
    env = blob_envelopes([b_poly, None, b_point, b_empty])
    assert env[0].tolist() == [X0, X0 + 10, Y0, Y0 + 10] and np.isnan(env[1]).all()
    assert env[2].tolist() == [X0 + 1, X0 + 1, Y0 + 2, Y0 + 2] and np.isnan(env[3]).all()


def test_rtree_sql_functions_on_a_plain_connection() -> None:
    conn = sqlite3.connect(":memory:")
    register_sql_functions(conn)
    b = encode_geometries([square(5, 6, 1)], 4549)[0]
    row = conn.execute("SELECT ST_IsEmpty(?1), ST_MinX(?1), ST_MaxX(?1), ST_MinY(?1), "
                       "ST_MaxY(?1), ST_IsEmpty(NULL), ST_MinX(x'00'), ST_IsEmpty(x'00')",
                       (b,)).fetchone()
    assert row == (0, 5.0, 6.0, 6.0, 7.0, None, None, 1)
