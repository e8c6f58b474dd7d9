"""Issue 9: a bad geometry stored in the project (as GDAL or QGIS can write it) never crashes
anything. The blobs here are written by hand, byte by byte, straight into the table.

Before: a polygon with an empty ring (a hole written as ``[]``) or a MultiPolygon with an empty
part was loaded as is; GEOS calls it valid and then dies in ``relate`` with a segmentation
fault, so ``check``, ``export`` and opening the window crashed every time."""

from __future__ import annotations

import json
import sqlite3
import struct
import subprocess
import sys
from pathlib import Path

import pytest
import shapely
from helpers_store_data import X0, Y0, tiny_dataset

from mapedit.io.gpkg import GpkgStore
from mapedit.io.gpkg_geom import decode_geometries, register_sql_functions
from mapedit.project import Project

# -- hand-made WKB ---------------------------------------------------------------------------


def _ring(coords: list[tuple[float, ...]], dims: int = 2) -> bytes:
    return struct.pack("<I", len(coords)) + b"".join(
        struct.pack("<" + "d" * dims, *c) for c in coords)


def _polygon(rings: list[list[tuple[float, ...]]], code: int = 3, dims: int = 2) -> bytes:
    return b"\x01" + struct.pack("<II", code, len(rings)) + b"".join(_ring(r, dims)
                                                                      for r in rings)


def _multi(parts: list[bytes]) -> bytes:
    return b"\x01" + struct.pack("<II", 6, len(parts)) + b"".join(parts)


def _gp(wkb: bytes, srs_id: int = 4549) -> bytes:
    """A GeoPackage blob without envelope (flags: little-endian, no envelope)."""
    return b"GP\x00\x01" + struct.pack("<i", srs_id) + wkb


def _square(x: float, y: float, s: float) -> list[tuple[float, float]]:
    return [(x, y), (x + s, y), (x + s, y + s), (x, y + s), (x, y)]


# grids 1-3 are the 250 m squares of unit 1 (x 0..500, y 500..1000 from X0/Y0)
G1 = _square(X0, Y0 + 750, 250)
G2 = _square(X0 + 250, Y0 + 750, 250)
G3 = _square(X0, Y0 + 500, 250)
HOLE = _square(X0 + 100, Y0 + 850, 20)

BAD = {
    # fid: (blob, what the loaded geometry must be; None = loaded as is and reported invalid)
    1: (_gp(_polygon([G1, []])), shapely.Polygon(G1)),  # an empty hole
    2: (_gp(_multi([_polygon([G2]), _polygon([])])), shapely.Polygon(G2)),  # an empty part
    3: (_gp(_multi([_polygon([G3, [G3[0], (X0 + 9, Y0 + 509), G3[0]]]),  # a 3-point ring
                    _polygon([[]])])),  # a part with an empty shell
        shapely.Polygon(G3)),
}


def _write_bad(path: Path, blobs: dict[int, bytes]) -> None:
    """Straight into the table, as another program would (its SQL functions registered, as
    GDAL has them)."""
    conn = sqlite3.connect(path, isolation_level=None)
    register_sql_functions(conn)
    try:
        for fid, blob in blobs.items():
            conn.execute("UPDATE micro_grids SET geom=? WHERE fid=?", (blob, fid))
    finally:
        conn.close()


def test_bad_geometry_decode_drops_empty_rings_and_parts() -> None:
    blobs = [b for b, _ in BAD.values()]
    z = _gp(_polygon([[(x, y, 7.0) for x, y in G1]], code=1003, dims=3))
    unclosed = _gp(_polygon([G1[:-1]]))
    garbage = b"GP\x00\x01" + struct.pack("<i", 4549) + b"\x01\x06\x00\x00\x00\xff\xff"
    repaired: list[int] = []
    out = decode_geometries([*blobs, z, unclosed, garbage, None], repaired=repaired)
    for got, (_, want) in zip(out[:3], BAD.values(), strict=True):
        assert got.equals(want) and shapely.get_num_interior_rings(got) == 0
        assert not any(r.is_empty for r in shapely.get_rings(got))
    assert not out[3].has_z and out[3].equals(shapely.Polygon(G1))
    assert out[4].equals(shapely.Polygon(G1))  # the ring is closed for it
    assert out[5] is None and out[6] is None
    assert repaired == [0, 1, 2, 3, 4, 5]
    # GEOS's predicates run on everything that came out (they crashed on the raw input)
    box = shapely.box(X0, Y0, X0 + 1000, Y0 + 1000)
    for g in out[:5]:
        assert g.relate(box) and box.contains(g) in (True, False)


def test_bad_geometry_keeps_a_hole_with_its_polygon() -> None:
    good = _gp(_polygon([G1, HOLE]))
    assert decode_geometries([good])[0].equals(shapely.Polygon(G1, [HOLE]))


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mapedit", *args], capture_output=True,
                          text=True, encoding="utf-8", timeout=300)


def test_bad_geometry_in_the_file_never_crashes_check_export_or_open(tmp_path: Path) -> None:
    path = tmp_path / "坏 图形.gpkg"
    Project.create(path, tiny_dataset()).close()
    bowtie = [(X0 + 250, Y0 + 500), (X0 + 500, Y0 + 750), (X0 + 500, Y0 + 500),
              (X0 + 250, Y0 + 750), (X0 + 250, Y0 + 500)]
    blobs = {fid: b for fid, (b, _) in BAD.items()}
    blobs[4] = _gp(_multi([_polygon([bowtie]), _polygon([])]))  # still invalid after cleaning
    _write_bad(path, blobs)

    check = _run("check", str(path), "--json")  # its own process: a crash is a return code
    assert check.returncode in (0, 1), (check.returncode, check.stderr[-2000:])
    report = json.loads(check.stdout)
    invalid = [f for f in report["findings"] if f["rule"] == "invalid-geometry"]
    assert [f["features"] for f in invalid] == [["310118001001004"]] or \
        any("310118001001004" in json.dumps(f, ensure_ascii=False) for f in invalid)
    export = _run("export", str(path), str(tmp_path / "out"))
    assert export.returncode == 0, (export.returncode, export.stderr[-2000:])

    with Project.open(path) as project:  # the window opens the same way
        grids = project.dataset.grids
        for fid, (_, want) in BAD.items():
            assert grids[fid].geometry.equals(want)
        assert not grids[4].geometry.is_valid
        notes = project.load_messages
        assert sum("空环" in m for m in notes) == 4
        assert any("310118001001002" in m and "unchanged" in m for m in notes)
        assert project.findings  # the full check ran in this process too


def test_bad_geometry_in_a_base_layer(tmp_path: Path) -> None:
    path = tmp_path / "底图.gpkg"
    GpkgStore.create(path, tiny_dataset()).close()
    conn = sqlite3.connect(path, isolation_level=None)
    register_sql_functions(conn)
    conn.execute("UPDATE base_buildings SET geom=? WHERE fid=1",
                 (_gp(_multi([_polygon([_square(X0 + 10, Y0 + 510, 20)]), _polygon([])])),))
    conn.close()
    with GpkgStore.open(path) as store:
        ds = store.load()
        assert ds.base("buildings").geometries[0].equals(
            shapely.Polygon(_square(X0 + 10, Y0 + 510, 20)))
        assert any("buildings" in m for m in store.messages)


@pytest.mark.parametrize("blob", [b"GP", b"GP\x00\x01\x00\x00", b"not a blob", b"GP\x00\x3f" +
                                  b"\x00" * 60])
def test_bad_geometry_unreadable_blobs_load_as_missing(blob: bytes) -> None:
    assert decode_geometries([blob])[0] is None


_GEOS_WORKOUT = """
import sys, pickle, numpy as np, shapely
geoms = pickle.load(open(sys.argv[1], 'rb'))
box = shapely.box(0, 0, 50, 50)
arr = np.array([g for g in geoms if g is not None], dtype=object)
for g in arr:
    g.relate(box); box.contains(g); g.intersects(box); shapely.is_valid_reason(g)
    try:
        g.intersection(box); box.difference(g); shapely.make_valid(g)
    except shapely.errors.GEOSException:
        pass  # an exception is a finding for the checker; a crash is what we test for
polys = arr[np.isin(shapely.get_type_id(arr), (3, 6))]
shapely.coverage_invalid_edges(polys)
tree = shapely.STRtree(arr)
tree.query(box, predicate='intersects')
print('ok', len(arr))
"""


def test_bad_geometry_fuzzed_rings_never_reach_geos_crashing(tmp_path: Path) -> None:
    """A seeded mutator builds polygons and multipolygons with empty, collapsed, unclosed and
    Z rings and empty parts; whatever decodes must survive GEOS's predicates, overlays,
    coverage check and STRtree (run in a child process, so a crash is a failed test)."""
    import pickle
    import random

    rnd = random.Random(20240611)

    def ring() -> list[tuple[float, float]]:
        kind = rnd.random()
        x, y, s = rnd.uniform(0, 40), rnd.uniform(0, 40), rnd.uniform(1, 20)
        r = _square(x, y, s)
        if kind < 0.15:
            return []
        if kind < 0.3:
            return r[: rnd.randint(1, 3)]
        if kind < 0.4:
            return r[:-1]  # unclosed
        if kind < 0.5:
            return [r[0], r[1], r[0]]
        return r

    blobs = []
    for _ in range(400):
        polys = [_polygon([ring() for _ in range(rnd.randint(0, 3))])
                 for _ in range(rnd.randint(1, 3))]
        blobs.append(_gp(polys[0] if len(polys) == 1 and rnd.random() < 0.5 else _multi(polys)))
    geoms = list(decode_geometries(blobs))
    dump = tmp_path / "geoms.pkl"
    dump.write_bytes(pickle.dumps(geoms))
    out = subprocess.run([sys.executable, "-c", _GEOS_WORKOUT, str(dump)], capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, (out.returncode, out.stderr[-2000:])
    assert out.stdout.startswith("ok")
