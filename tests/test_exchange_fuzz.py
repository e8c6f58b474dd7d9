"""Randomised inputs for the GeoJSON readers and for ``new`` / ``import`` / ``check`` /
``export``: every outcome is a success or a :class:`~mapedit.errors.MapeditError` with a
Chinese and an English message (one stderr line from the CLI), never another exception, a
traceback, an internal error, a crash or a hang.

Inputs are a valid pair of exchange files with a few mutations drawn by hypothesis (so a
failure shrinks to the smallest mutation list): empty rings and parts, NaN / infinity / strings
/ booleans / huge numbers as coordinates, 1-2-3 point and unclosed rings, bow ties, nesting,
wrong types for every property, duplicate codes, non-Features, broken collections, and byte
level damage (BOMs, GB18030, UTF-16, non-UTF-8 bytes, truncation). The example counts keep the
suite within its time budget; ``MAPEDIT_FUZZ_SCALE=10`` runs ten times as many, and
``MAPEDIT_FUZZ_RANDOM=1`` draws new inputs each run instead of the fixed sequence.
"""

from __future__ import annotations

import copy
import json
import os
import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mapedit.cli import main
from mapedit.errors import MapeditError
from mapedit.io.exchange import read_base_layer, read_grids, read_units

SCALE = int(os.environ.get("MAPEDIT_FUZZ_SCALE", "1"))
LON, LAT = 121.1, 31.1
U1, U2 = "310118005001", "310118005002"

BAD_VALUES = [
    None, True, False, 0, -1, 1.5, 1e30, -1e30, 1e308, 10**40, float("nan"), float("inf"),
    "", "121.1", "abc", "\ud800", "含\x00控制字符", "x" * 300, [], [1, 2], [[1, 2]], {},
    {"a": 1}, [[[[[[1]]]]]],
]
UNIT_KEYS = ["code", "name", "unit_type", "responsibility_grid", "street", "committee"]
GRID_KEYS = ["code", "name", "category", "unit_code", "departments", "households",
             "population", "four_bounds", "notes", "created", "updated"]
MUTATIONS = [
    "empty_hole", "empty_part", "empty_exterior", "bad_coordinate", "short_ring", "unclosed",
    "bow_tie", "nested_collection", "deep_coordinates", "bad_property", "duplicate_code",
    "drop_property", "not_a_feature", "geometry_type", "spike", "projected", "many_parts",
    "collection_damage",
]
BYTE_DAMAGE = ["none", "none", "none", "bom", "gb18030", "utf16", "latin_bytes", "truncate",
               "escape_ascii"]


def ring(x0: float, y0: float, dx: float, dy: float) -> list:
    return [[x0, y0], [x0 + dx, y0], [x0 + dx, y0 + dy], [x0, y0 + dy], [x0, y0]]


def base_units() -> dict:
    feats = []
    for k, (code, name, utype) in enumerate(((U1, "夏阳湖居委", "小区"), (U2, "塘郁村", "农村"))):
        feats.append({"type": "Feature", "properties": {
            "code": code, "name": name, "unit_type": utype, "responsibility_grid": "RG1",
            "street": "夏阳街道"},
            "geometry": {"type": "Polygon",
                         "coordinates": [ring(LON + 0.002 * k, LAT, 0.002, 0.002)]}})
    return {"type": "FeatureCollection", "features": feats}


def base_grids() -> dict:
    feats = []
    for k in range(4):
        unit = U1 if k < 2 else U2
        category = "小区" if k < 2 else "村组"
        feats.append({"type": "Feature", "properties": {
            "code": f"{unit}{k % 2 + 1:03d}", "name": f"{k + 1}号微网格", "category": category,
            "unit_code": unit, "departments": ["自治办"], "households": 400, "population": 1000,
            "four_bounds": {"east": "河", "south": "路", "west": "墙", "north": "田"},
            "notes": "", "created": "2026-01-01T00:00:00+00:00", "updated": ""},
            "geometry": {"type": "Polygon",
                         "coordinates": [ring(LON + 0.001 * k, LAT, 0.001, 0.002)]}})
    return {"type": "FeatureCollection", "features": feats}


def _pick(seq: list, n: int):
    return seq[n % len(seq)] if seq else None


def _rings_of(geom: dict) -> list:
    c = geom.get("coordinates") if isinstance(geom, dict) else None
    if geom.get("type") == "Polygon" and isinstance(c, list):
        return c
    if geom.get("type") == "MultiPolygon" and isinstance(c, list) and c and isinstance(c[0],
                                                                                    list):
        return c[0]
    return []


def mutate(doc: dict, kind: str, n: int, value, keys: list[str]) -> None:
    """Apply one mutation to a FeatureCollection in place (``n`` picks the target)."""
    feats = doc.get("features")
    if kind == "collection_damage":
        choice = n % 6
        if choice == 0:
            doc["type"] = value
        elif choice == 1:
            doc["features"] = value
        elif choice == 2:
            doc["crs"] = {"type": "name", "properties": {"name": value}}
        elif choice == 3:
            doc["coordinate_system"] = value
        elif choice == 4:
            doc["features"] = (feats or []) * 3  # many duplicates
        else:
            doc.pop("features", None)
        return
    if not isinstance(feats, list) or not feats:
        return
    k = n % len(feats)
    feat = feats[k]
    if not isinstance(feat, dict):
        return
    geom = feat.get("geometry")
    props = feat.get("properties")
    rings = _rings_of(geom) if isinstance(geom, dict) else []
    if kind == "empty_hole" and rings:
        rings.append([])
    elif kind == "empty_part" and isinstance(geom, dict) and rings:
        feat["geometry"] = {"type": "MultiPolygon",
                            "coordinates": [copy.deepcopy(rings), [] if n % 2 else [[]]]}
    elif kind == "empty_exterior" and rings:
        rings[0] = []
    elif kind == "bad_coordinate" and rings and isinstance(rings[0], list) and rings[0]:
        pos = _pick(rings[0], n // 7)
        if isinstance(pos, list) and pos:
            pos[(n // 3) % len(pos)] = value
    elif kind == "short_ring" and rings and isinstance(rings[0], list):
        rings[0] = rings[0][: 1 + n % 3]
    elif kind == "unclosed" and rings and isinstance(rings[0], list) and rings[0]:
        rings[0].pop()
    elif kind == "bow_tie" and rings and isinstance(rings[0], list) and len(rings[0]) >= 4:
        rings[0][1], rings[0][2] = rings[0][2], rings[0][1]
    elif kind == "nested_collection":
        g = geom
        for _ in range(1 + n % 8):
            g = {"type": "GeometryCollection", "geometries": [g]}
        feat["geometry"] = g
    elif kind == "deep_coordinates" and isinstance(geom, dict):
        c = geom.get("coordinates")
        for _ in range(1 + n % 40):
            c = [c]
        geom["coordinates"] = c
    elif kind == "bad_property" and isinstance(props, dict):
        props[_pick(keys, n)] = value
    elif kind == "drop_property" and isinstance(props, dict) and props:
        props.pop(_pick(sorted(props), n), None)
    elif kind == "duplicate_code" and isinstance(props, dict):
        other = feats[(k + 1) % len(feats)]
        if isinstance(other, dict) and isinstance(other.get("properties"), dict):
            props["code"] = other["properties"].get("code")
    elif kind == "not_a_feature":
        feats[k] = _pick([value, "feature", 42, None, {"type": "Feature"},
                          {"type": "Feature", "properties": value, "geometry": geom}], n)
    elif kind == "geometry_type" and isinstance(geom, dict):
        geom["type"] = _pick(["Point", "LineString", "MultiPolygon", "Polygon", value,
                              "GeometryCollection"], n)
    elif kind == "spike" and rings and isinstance(rings[0], list) and len(rings[0]) >= 3:
        a = rings[0][1]
        if isinstance(a, list) and len(a) >= 2 and all(isinstance(v, float) for v in a[:2]):
            rings[0].insert(2, [a[0] + 0.01, a[1]])
            rings[0].insert(3, list(a))
    elif kind == "projected" and rings and isinstance(rings[0], list):
        rings[0] = [[500000.0 + i, 3440000.0 + i * i] for i in range(4)] + [[500000.0,
                                                                              3440000.0]]
    elif kind == "many_parts" and rings:
        feat["geometry"] = {"type": "MultiPolygon", "coordinates": [
            [ring(LON + 0.0001 * i, LAT + 0.0001 * i, 0.00005, 0.00005)] for i in range(50)]}


def encode(doc: dict, damage: str, n: int) -> bytes:
    text = json.dumps(doc, ensure_ascii=(damage == "escape_ascii"), allow_nan=True)
    if damage == "bom":
        return b"\xef\xbb\xbf" + text.encode("utf-8", "surrogatepass")
    if damage == "gb18030":
        return text.encode("gb18030", "replace")
    if damage == "utf16":
        return text.encode("utf-16", "surrogatepass")
    if damage == "latin_bytes":
        raw = bytearray(text.encode("utf-8", "surrogatepass"))
        raw[n % len(raw)] = 0xFF
        return bytes(raw)
    if damage == "truncate":
        raw = text.encode("utf-8", "surrogatepass")
        return raw[: n % len(raw)]
    return text.encode("utf-8", "surrogatepass")


mutation = st.tuples(st.sampled_from(MUTATIONS), st.integers(0, 10**6),
                     st.sampled_from(range(len(BAD_VALUES))))
mutations = st.lists(mutation, min_size=0, max_size=4)
damage = st.tuples(st.sampled_from(BYTE_DAMAGE), st.integers(0, 10**6))


def make_file(path: Path, base: dict, muts: list, dmg: tuple, keys: list[str]) -> Path:
    doc = copy.deepcopy(base)
    for kind, n, v in muts:
        mutate(doc, kind, n, copy.deepcopy(BAD_VALUES[v]), keys)
    path.write_bytes(encode(doc, *dmg))
    return path


def bilingual(exc: MapeditError) -> None:
    assert re.search(r"[\u4e00-\u9fff]", exc.zh), exc.zh
    assert re.search(r"[A-Za-z]{3}", exc.en), exc.en
    assert "\n" not in exc.zh + exc.en


def cli(capsys, *args: str) -> tuple[int, str, str]:
    status = main(list(args))
    cap = capsys.readouterr()
    assert status in (0, 1, 2), status
    assert "Traceback" not in cap.err and "内部错误" not in cap.err, cap.err
    assert "internal error" not in cap.err, cap.err
    if status == 2:
        lines = [ln for ln in cap.err.splitlines() if ln.strip()]
        assert len(lines) == 1, cap.err
        assert re.search(r"[\u4e00-\u9fff]", lines[0]) and " / error: " in lines[0], lines[0]
    return status, cap.out, cap.err


def fuzz(examples: int):
    """Deterministic (same inputs every run, no example database), no per-example deadline
    (timings vary on a shared machine): a failure is a real failure, never flakiness."""
    return settings(max_examples=examples * SCALE, database=None,
                    derandomize=not os.environ.get("MAPEDIT_FUZZ_RANDOM"),
                    deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                          HealthCheck.function_scoped_fixture,
                                                          HealthCheck.data_too_large])


@fuzz(2000)
@given(umuts=mutations, gmuts=mutations, udmg=damage, gdmg=damage, lenient=st.booleans())
def test_readers_never_fail_otherwise(tmp_path_factory, umuts, gmuts, udmg, gdmg,
                                      lenient) -> None:
    d = tmp_path_factory.mktemp("fuzz")
    upath = make_file(d / "units.geojson", base_units(), umuts, udmg, UNIT_KEYS)
    gpath = make_file(d / "grids.geojson", base_grids(), gmuts, gdmg, GRID_KEYS)
    try:
        units, crs, _ = read_units(upath, lenient=lenient)
    except MapeditError as exc:
        bilingual(exc)
        return
    for u in units:
        assert u.geometry is not None
    for reader in (lambda: read_grids(gpath, crs, units, lenient=lenient),
                   lambda: read_base_layer(gpath, crs, "buildings")):
        try:
            reader()
        except MapeditError as exc:
            bilingual(exc)


@fuzz(200)
@given(umuts=mutations, gmuts=mutations, udmg=damage, gdmg=damage)
def test_check_exchange_files(tmp_path_factory, capsys, umuts, gmuts, udmg, gdmg) -> None:
    d = tmp_path_factory.mktemp("fuzz")
    upath = make_file(d / "units.geojson", base_units(), umuts, udmg, UNIT_KEYS)
    gpath = make_file(d / "grids.geojson", base_grids(), gmuts, gdmg, GRID_KEYS)
    status, out, _ = cli(capsys, "check", "--units", str(upath), "--grids", str(gpath),
                         "--json")
    if status != 2:
        report = json.loads(out)
        assert set(report) >= {"findings", "summary"}


@fuzz(50)
@given(umuts=mutations, gmuts=mutations, imuts=mutations, gdmg=damage)
def test_new_import_check_export(tmp_path_factory, capsys, umuts, gmuts, imuts,
                                 gdmg) -> None:
    d = tmp_path_factory.mktemp("fuzz")
    upath = make_file(d / "units.geojson", base_units(), umuts, ("none", 0), UNIT_KEYS)
    gpath = make_file(d / "grids.geojson", base_grids(), gmuts, gdmg, GRID_KEYS)
    ipath = make_file(d / "more.geojson", base_grids(), imuts, ("none", 0), GRID_KEYS)
    project = d / "项目.gpkg"
    status, _, _ = cli(capsys, "new", str(project), "--units", str(upath), "--grids",
                       str(gpath))
    if status == 2:
        assert not project.exists()
        return
    cli(capsys, "import", str(project), str(ipath))
    cli(capsys, "check", str(project), "--json")
    cli(capsys, "export", str(project), str(d / "out"), "--force")
