"""Layers in the project GeoPackage: the ``mapedit_layers`` table (the map's layer stack) and
one feature table ``base_<id>`` per vector layer.

A vector layer's table is a normal GeoPackage feature table that GDAL and QGIS open: registered
in ``gpkg_contents`` and ``gpkg_geometry_columns``, with an R-tree index and its triggers, its
geometry type chosen from the layer's role and its features, and one column per attribute the
features carry (Chinese names included). Attributes that do not fit a column (present in only
some features, of mixed types, nested values, or named like a reserved column) go to a JSON
``attrs`` column, so every feature comes back exactly as it was given.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from typing import Any

import numpy as np
import shapely

from mapedit.errors import InputError
from mapedit.io.gpkg_geom import decode_geometries, encode_geometries
from mapedit.io.gpkg_schema import (
    BASE_PREFIX,
    LOAD_BATCH,
    create_rtree,
    create_tracking,
    drop_rtree,
    feature_keys,
    from_json,
    log_table_change,
    quote,
    register_features,
    timestamp,
    to_json,
    unregister,
)
from mapedit.model.layers import (
    ABSENT,
    PROJECT_KINDS,
    ROLES,
    VECTOR,
    BaseLayer,
    Columns,
    Layer,
    LayerStack,
)

_ID = re.compile(r"^[A-Za-z0-9_]+$")
_RESERVED = {"fid", "geom", "attrs"}
_ROLE_TYPES = {"households": "INTEGER", "floors": "INTEGER"}
"""Declared types of role fields when the features do not say (older files used these)."""


def layer_table(layer_id: str) -> str:
    """The feature table of a vector layer. Layer ids are ASCII (``LayerStack.new_id``); an id
    that could not name a table is refused rather than mangled."""
    if not _ID.match(layer_id or ""):
        raise InputError(f"图层编号 {layer_id!r} 只能包含字母、数字和下划线",
                         f"layer id {layer_id!r} may hold only letters, digits and '_'")
    return BASE_PREFIX + layer_id


# -- columns and geometry type -------------------------------------------------------------------

def _scalar(v: Any) -> Any:
    """numpy scalars (from pyogrio reads) as plain Python values."""
    if isinstance(v, np.generic):
        return v.item()
    return v


_SQL_OF_TYPE = {bool: "BOOLEAN", int: "INTEGER", float: "REAL", str: "TEXT"}


def _sql_type(kinds: set[type]) -> str | None:
    """The column type that stores values of these Python types exactly (None: none does)."""
    kinds = {type(_scalar(k(0))) if issubclass(k, np.generic) else k for k in kinds}
    kinds.discard(type(None))
    if not kinds:
        return "TEXT"
    return _SQL_OF_TYPE.get(kinds.pop()) if len(kinds) == 1 else None


def _types_by_key(attributes: list[dict]) -> tuple[dict[Any, set[type]], dict[Any, int]]:
    """For each key: the value types seen, and in how many features it appears. Features are
    grouped by their key tuple first (a layer's features mostly share one), so the per-value
    work is a set comprehension."""
    groups: dict[tuple, list[dict]] = {}
    for a in attributes:
        sig = tuple(a)
        group = groups.get(sig)
        if group is None:
            groups[sig] = [a]
        else:
            group.append(a)
    types: dict[Any, set[type]] = {}
    counts: dict[Any, int] = {}
    for sig, group in groups.items():
        for k in sig:
            types.setdefault(k, set()).update({type(a[k]) for a in group})
            counts[k] = counts.get(k, 0) + len(group)
    return types, counts


def plan_columns(role: str | None, attributes: list[dict],
                 seen: tuple[dict[Any, set[type]], dict[Any, int]] | None = None
                 ) -> list[tuple[str, str]]:
    """``(column, SQL type)`` for a vector layer's features: the role's fields first (columns
    whenever a feature has them, or for an empty layer: rules and GIS users read them), then
    every other key that all features carry with values of one scalar type. (``seen``: the
    :func:`_types_by_key` of ``attributes`` when the caller has it.)"""
    types, counts = seen if seen is not None else _types_by_key(attributes)
    n = len(attributes)
    taken = set(_RESERVED)
    cols: list[tuple[str, str]] = []
    role_fields = ROLES[role].fields if role in ROLES else ()
    for k in role_fields:
        if n and k not in types:
            continue  # no feature has it: no column, so features come back as they went in
        kinds = types.get(k, set())
        sql = _sql_type(kinds | ({type(None)} if counts.get(k, 0) < n else set()))
        if sql is None or (sql == "TEXT" and kinds <= {type(None)}):
            sql = _ROLE_TYPES.get(k, "TEXT")
        cols.append((k, sql))
        taken.add(k.lower())
    for k, kinds in types.items():
        if not isinstance(k, str) or not k or k.lower() in taken or counts[k] < n:
            continue
        sql = _sql_type(kinds)
        if sql is None:
            continue
        cols.append((k, sql))
        taken.add(k.lower())
    return cols


def geometry_type(role: str | None, geoms: np.ndarray) -> str:
    """The declared geometry type: from the features when they agree (polygons → MULTIPOLYGON,
    lines → MULTILINESTRING, points → POINT or MULTIPOINT), else from the role, else GEOMETRY."""
    present = [g for g in geoms if g is not None and not g.is_empty]
    if present:
        types = set(shapely.get_type_id(np.asarray(present, dtype=object)).tolist())
        if types <= {3, 6}:
            return "MULTIPOLYGON"
        if types <= {1, 2, 5}:
            return "MULTILINESTRING"
        if types == {0}:
            return "POINT"
        if types <= {0, 4}:
            return "MULTIPOINT"
        return "GEOMETRY"
    kind = ROLES[role].geometry if role in ROLES else "any"
    return {"polygon": "MULTIPOLYGON", "line": "MULTILINESTRING", "point": "POINT"}.get(
        kind, "GEOMETRY")


# -- writing a vector layer's table ----------------------------------------------------------------

WRITE_BATCH = 20_000
"""Features inserted per ``executemany`` by :func:`write_vector_table` (progress between)."""


def write_vector_table(c: sqlite3.Connection, layer: Layer, srs_id: int, rtree: bool,
                       stamp: str | None = None,
                       progress: Callable[[float], None] | None = None) -> str:
    """Create ``base_<id>`` with the layer's features, registered for GDAL/QGIS, indexed and
    tracked, inside the caller's transaction. Returns the table name. ``progress(fraction)``
    is called between batches (it may raise to abandon the caller's transaction)."""
    report = progress or (lambda _f: None)
    report(0.0)
    table = layer_table(layer.id)
    data = layer.data if layer.data is not None else BaseLayer(layer.id,
                                                               np.empty(0, dtype=object), [])
    geoms = np.asarray(data.geometries, dtype=object).reshape(-1)
    attrs = [dict(a) for a in data.attributes] + [{}] * (len(geoms) - len(data.attributes))
    gtype = geometry_type(layer.role, geoms)
    seen = _types_by_key(attrs)
    cols = plan_columns(layer.role, attrs, seen)
    names = [k for k, _ in cols]
    ddl = "".join(f", {quote(k)} {t}" for k, t in cols)
    c.execute(f"CREATE TABLE {quote(table)} (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, "
              f"geom {gtype}{ddl}, attrs TEXT)")
    valid = [g for g in geoms if g is not None and not g.is_empty]
    bounds = (shapely.total_bounds(np.asarray(valid, dtype=object)) if valid
              else [None] * 4)
    label = layer.label("zh")
    register_features(c, table, gtype, srs_id, f"底图 base layer: {label}", bounds,
                      stamp or timestamp())
    blobs = encode_geometries(geoms, srs_id, multipoint=gtype == "MULTIPOINT")
    report(0.2)
    rows = []
    keyset = set(names)
    plain = all(seen[0].get(k, set()) <= {str, int, float, type(None)} for k in names)
    for fid, (b, a) in enumerate(zip(blobs, attrs, strict=True), start=1):
        extra = None if a.keys() <= keyset else \
            to_json({k: _scalar(v) for k, v in a.items() if k not in keyset})
        if plain:  # the common case, 200,000 buildings: values go in as they are
            rows.append((fid, b, *[a.get(k) for k in names], extra))
        else:
            rows.append((fid, b, *[_column_value(a.get(k)) for k in names], extra))
    qcols = "".join(", " + quote(k) for k in names)
    insert = (f"INSERT INTO {quote(table)} (fid, geom{qcols}, attrs) VALUES "
              f"({', '.join('?' * (len(names) + 3))})")
    for i in range(0, len(rows), WRITE_BATCH):
        c.executemany(insert, rows[i:i + WRITE_BATCH])
        report(0.3 + 0.55 * min(1.0, (i + WRITE_BATCH) / len(rows)))
    if rtree and len(geoms):
        env = shapely.bounds(geoms)[:, [0, 2, 1, 3]]
        create_rtree(c, table, np.arange(1, len(geoms) + 1), env)
    elif rtree:
        create_rtree(c, table, np.empty(0, dtype=np.int64), np.empty((0, 4)))
    create_tracking(c, table)
    report(1.0)
    return table


def _column_value(v: Any) -> Any:
    v = _scalar(v)
    return 1 if v is True else 0 if v is False else v


def drop_vector_table(c: sqlite3.Connection, table: str) -> None:
    drop_rtree(c, table)
    c.execute(f"DROP TABLE IF EXISTS {quote(table)}")
    unregister(c, table)
    log_table_change(c, table)


def table_exists(c: sqlite3.Connection, table: str) -> bool:
    return c.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?",
                     (table,)).fetchone() is not None


def table_is_empty(c: sqlite3.Connection, table: str) -> bool:
    return c.execute(f"SELECT 1 FROM {quote(table)} LIMIT 1").fetchone() is None


# -- reading a vector layer's table -----------------------------------------------------------------

def read_vector_table(c: sqlite3.Connection, table: str, name: str,
                      repaired: list[int] | None = None) -> BaseLayer:
    """The features of a feature table (any columns: ours, or an older file's)."""
    info = c.execute(f"PRAGMA table_info({quote(table)})").fetchall()
    geom_col = c.execute("SELECT column_name FROM gpkg_geometry_columns WHERE table_name=?",
                         (table,)).fetchone()
    gcol = geom_col[0] if geom_col else "geom"
    keys = feature_keys(c, table)
    pk = keys[0] if keys else "rowid"  # GDAL may name it ogc_fid
    skip = {pk.lower(), gcol.lower(), "attrs"}
    cols = [(r[1], (r[2] or "").upper()) for r in info if r[1].lower() not in skip]
    has_attrs = any(r[1].lower() == "attrs" for r in info)
    select = ", ".join([quote(gcol), "attrs" if has_attrs else "NULL",
                        *(quote(k) for k, _ in cols)])
    cur = c.execute(f"SELECT {select} FROM {quote(table)} ORDER BY {quote(pk)}")
    keys = [k for k, _ in cols]
    bools = {keys[i] for i, (_, t) in enumerate(cols) if t == "BOOLEAN"}
    # A batch of rows at a time, and one list per column instead of one dict per feature:
    # 370,000 buildings as dicts, beside all their rows, cost ~250 MB for nothing.
    parts: list[np.ndarray] = []
    columns: dict[str, list] = {k: [] for k in keys}
    strings: dict[str, dict[str, str]] = {k: {} for k in keys}
    n = 0
    while rows := cur.fetchmany(LOAD_BATCH):
        part: list[int] | None = [] if repaired is not None else None
        parts.append(decode_geometries([r[0] for r in rows], repaired=part))
        if repaired is not None and part:
            repaired += [n + i for i in part]
        for i, k in enumerate(keys):
            col = columns[k]
            if k in bools:
                col += [None if r[2 + i] is None else bool(r[2 + i]) for r in rows]
            else:  # one str object per distinct value: 369,000 building names, half repeats
                seen = strings[k]
                col += [seen.setdefault(v, v) if v.__class__ is str else v
                        for v in (r[2 + i] for r in rows)]
        for j, r in enumerate(rows, start=n):
            if r[1]:
                try:
                    extra = from_json(r[1])
                except ValueError:
                    extra = None
                if isinstance(extra, dict):
                    for k, v in extra.items():
                        col = columns.setdefault(k, [])
                        col += [ABSENT] * (j + 1 - len(col))
                        col[j] = v
        n += len(rows)
    for col in columns.values():
        col += [ABSENT] * (n - len(col))
    geoms = np.concatenate(parts) if parts else np.empty(0, dtype=object)
    return BaseLayer(name, geoms, Columns(columns, n))


# -- the layer stack rows ------------------------------------------------------------------------

_LAYER_COLUMNS = ("layer_id", "ord", "kind", "name", "role", "source", "crs", "extent",
                  "visible", "opacity", "style", "options", "table_name")


def _layer_row(d: dict[str, Any], order: int) -> tuple:
    table = layer_table(str(d["id"])) if d.get("kind") == VECTOR else None
    return (str(d["id"]), int(order), d["kind"], d.get("name") or "", d.get("role"),
            d.get("source") or "", d.get("crs") or "", to_json(d.get("extent")),
            1 if d.get("visible", True) else 0, float(d.get("opacity", 1.0)),
            to_json(d.get("style") or {}), to_json(d.get("options") or {}), table)


def write_layer_rows(c: sqlite3.Connection, settings: list[dict[str, Any]]) -> None:
    """Upsert the rows of these layers (their order is their position in the list). Rows of
    non-vector layers that are not listed are deleted; a vector layer's row stays with its
    table until :func:`drop_vector_table`."""
    rows = [_layer_row(d, i) for i, d in enumerate(settings)]
    sets = ", ".join(f"{k}=excluded.{k}" for k in _LAYER_COLUMNS[1:])
    c.executemany(f"INSERT INTO mapedit_layers ({', '.join(_LAYER_COLUMNS)}) VALUES "
                  f"({', '.join('?' * len(_LAYER_COLUMNS))}) ON CONFLICT(layer_id) DO UPDATE "
                  f"SET {sets} WHERE " + " OR ".join(
                      f"{k} IS NOT excluded.{k}" for k in _LAYER_COLUMNS[1:]), rows)
    keep = [r[0] for r in rows]
    existing = c.execute("SELECT layer_id, kind FROM mapedit_layers").fetchall()
    gone = [(lid,) for lid, kind in existing if lid not in keep and kind != VECTOR]
    if gone:
        c.executemany("DELETE FROM mapedit_layers WHERE layer_id=?", gone)


def read_layer_rows(c: sqlite3.Connection) -> list[dict[str, Any]]:
    rows = c.execute(f"SELECT {', '.join(_LAYER_COLUMNS)} FROM mapedit_layers "
                     "ORDER BY ord, id").fetchall()
    out = []
    for r in rows:
        d = dict(zip(_LAYER_COLUMNS, r, strict=True))
        out.append({"id": d["layer_id"], "kind": d["kind"], "name": d["name"] or "",
                    "role": d["role"], "source": d["source"] or "", "crs": d["crs"] or "",
                    "extent": _safe_json(d["extent"], None), "visible": bool(d["visible"]),
                    "opacity": d["opacity"] if d["opacity"] is not None else 1.0,
                    "style": _safe_json(d["style"], {}) or {},
                    "options": _safe_json(d["options"], {}) or {},
                    "table": d["table_name"]})
    return out


def _safe_json(text: str | None, default: Any) -> Any:
    try:
        return from_json(text) if text else default
    except ValueError:
        return default


def base_tables(c: sqlite3.Connection) -> list[str]:
    """Feature tables named ``base_*`` (vector layers), by name."""
    return [r[0] for r in c.execute(
        "SELECT table_name FROM gpkg_contents WHERE data_type='features' AND "
        "table_name LIKE 'base\\_%' ESCAPE '\\' ORDER BY table_name").fetchall()]


def default_layer_rows(c: sqlite3.Connection) -> None:
    """``mapedit_layers`` for a file from before the layer stack: the stack the previous
    version showed (its non-empty ``base_*`` tables by role, then the project's layers)."""
    base = {t[len(BASE_PREFIX):]: BaseLayer(t[len(BASE_PREFIX):], np.empty(0, dtype=object))
            for t in base_tables(c) if not table_is_empty(c, t) and _ID.match(t[len(BASE_PREFIX):])}
    write_layer_rows(c, LayerStack.default(base).settings())


def restore_stack(c: sqlite3.Connection, repaired: dict[str, list[int]] | None = None,
                  only: set[str] | None = None) -> list[Layer]:
    """The layers as stored, bottom first, vector layers with their features (``only``: load
    features of these layer ids only; the others get ``data=None``). Works on files without
    ``mapedit_layers`` too (read-only files that could not be migrated)."""
    has_rows = table_exists(c, "mapedit_layers")
    settings = read_layer_rows(c) if has_rows else []
    if not has_rows:
        base = {t[len(BASE_PREFIX):]: BaseLayer(t[len(BASE_PREFIX):], np.empty(0, dtype=object))
                for t in base_tables(c) if not table_is_empty(c, t)}
        settings = [dict(d, table=BASE_PREFIX + d["id"] if d["kind"] == VECTOR else None)
                    for d in LayerStack.default(base).settings()]
    listed = {d["id"] for d in settings}
    # base tables nobody registered (a GIS user copied one in): shown if they hold features
    for t in base_tables(c):
        lid = t[len(BASE_PREFIX):]
        if lid not in listed and _ID.match(lid) and not table_is_empty(c, t):
            settings.insert(_first_project_index(settings),
                            {"id": lid, "kind": VECTOR, "table": t,
                             "role": lid if lid in ROLES else "other"})
            listed.add(lid)
    layers: list[Layer] = []
    for d in settings:
        try:
            layer = Layer.from_settings(d)
        except (ValueError, KeyError, TypeError):
            continue  # a kind or role from a newer version: skip rather than refuse the file
        if layer.kind == VECTOR and (only is None or layer.id in only):
            table = d.get("table") or BASE_PREFIX + layer.id
            rep: list[int] = []
            if table_exists(c, table):
                layer.data = read_vector_table(c, table, layer.id, rep)
            else:
                layer.data = BaseLayer(layer.id, np.empty(0, dtype=object), [])
            if repaired is not None and rep:
                repaired[layer.id] = rep
        layers.append(layer)
    return layers


def _first_project_index(settings: list[dict[str, Any]]) -> int:
    for i, d in enumerate(settings):
        if d.get("kind") in PROJECT_KINDS:
            return i
    return len(settings)
