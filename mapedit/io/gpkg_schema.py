"""The project GeoPackage's schema: tables, the grid columns, R-tree indexes, change tracking,
and the migration of files written by earlier versions.

Everything that GDAL and QGIS must see follows the GeoPackage 1.3 encoding: the ``GPKG``
application id, ``gpkg_spatial_ref_sys``, ``gpkg_contents``, ``gpkg_geometry_columns``,
``gpkg_extensions`` and, on every feature table, the ``gpkg_rtree_index`` extension with the
standard triggers (so QGIS and GDAL draw and filter the project from a spatial index).

**Change tracking.** Another program may write the file while the editor holds it: a second
editor window, QGIS, ``ogr2ogr -update``, a raw ``sqlite3`` session. Triggers on every table
whose content the editor loads append ``(table, row key)`` to ``mapedit_changes`` for every
insert, update and delete, whoever makes it — they are plain SQL, part of the file, so every
SQLite writer runs them. Its ever-growing id is the project's *revision*. A writer that bypasses
the triggers can only do so by dropping or recreating a table, which changes the schema
version; ``PRAGMA data_version`` tells cheaply whether anybody else committed at all.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import types
import typing
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

import numpy as np

from mapedit.io.gpkg_geom import blob_envelopes
from mapedit.model.hierarchy import MicroGrid

FORMAT = "mapedit-project"
FORMAT_VERSION = 2
"""Bumped when the schema changes. 1: the first release; 2: ``mapedit_layers``,
``mapedit_changes`` (change tracking), R-tree indexes, grid columns from the model. Older files
are migrated on open; a newer file is refused with a clear message."""

GPKG_APPLICATION_ID = 0x47504B47  # "GPKG"
GPKG_USER_VERSION = 10300
"""GeoPackage 1.3: the file uses nothing newer, and GDAL < 3.7 (older QGIS on office PCs) warns
that 1.4 "may only be partially supported"."""
OLD_GPKG_IDS = {0x47503130, 0x47503131}  # "GP10", "GP11" (GeoPackage 1.0/1.1)
SQLITE_MAGIC = b"SQLite format 3\x00"
CUSTOM_SRS_ID = 100000
RTREE_DEFINITION = "http://www.geopackage.org/spec120/#extension_rtree"


def timestamp() -> str:
    """GeoPackage ``last_change`` form: ``YYYY-MM-DDTHH:MM:SS.SSSZ``."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def to_json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, default=str)


def from_json(text: str | None) -> Any:
    return None if text is None else json.loads(text)


LOAD_BATCH = 20_000
"""Rows read and decoded at a time when loading a project (all the rows of a city at once,
beside what they decode to, cost a hundred MB or more of peak memory)."""


def quote(name: str) -> str:
    """An SQL identifier, quoted (Chinese column names, spaces and quotes are fine)."""
    return '"' + name.replace('"', '""') + '"'


# -- micro-grid columns, derived from the model ------------------------------------------------

@dataclasses.dataclass(frozen=True)
class GridField:
    """One column of ``micro_grids``: a field of :class:`MicroGrid` (other than ``geometry`` and
    ``fid``). ``kind`` says how it is stored: ``text``, ``int``, ``real``, ``bool`` or ``json``
    (lists and dicts)."""

    name: str
    sql: str
    kind: str
    default: Callable[[], Any]


def _field_kind(hint: Any) -> str:
    args = typing.get_args(hint)
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        rest = [a for a in args if a is not type(None)]
        hint = rest[0] if len(rest) == 1 else object
    origin = typing.get_origin(hint) or hint
    if origin in (list, dict, tuple, set):
        return "json"
    return {str: "text", bool: "bool", int: "int", float: "real"}.get(origin, "json")


_SQL_OF_KIND = {"text": "TEXT", "int": "INTEGER", "real": "REAL", "bool": "BOOLEAN",
                "json": "TEXT"}


def _grid_fields() -> tuple[GridField, ...]:
    hints = typing.get_type_hints(MicroGrid)
    out = []
    for f in dataclasses.fields(MicroGrid):
        if f.name in ("geometry", "fid"):
            continue
        kind = _field_kind(hints[f.name])
        out.append(GridField(f.name, _SQL_OF_KIND[kind], kind, _default_of(f, kind)))
    return tuple(out)


def _default_of(f: dataclasses.Field, kind: str) -> Callable[[], Any]:
    if f.default is not dataclasses.MISSING:
        value = f.default
        return lambda: value
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory
    empty = "" if kind == "text" else None
    return lambda: empty


GRID_FIELDS: tuple[GridField, ...] = _grid_fields()
"""The ``micro_grids`` columns in order. A field another helper adds to :class:`MicroGrid`
becomes a column of new files and is added to older files on open."""
GRID_COLUMNS: tuple[str, ...] = tuple(f.name for f in GRID_FIELDS)


def grid_row(g: MicroGrid) -> tuple:
    """The column values of a grid, in :data:`GRID_COLUMNS` order."""
    out = []
    for f in GRID_FIELDS:
        v = getattr(g, f.name)
        if f.kind == "json":
            v = to_json(list(v) if isinstance(v, tuple | set) else v)
        elif f.kind == "bool" and v is not None:
            v = 1 if v else 0
        out.append(v)
    return tuple(out)


def grid_attrs(g: MicroGrid) -> dict[str, Any]:
    """A grid's attributes (no geometry) as stored in the edit log."""
    out: dict[str, Any] = {"fid": g.fid}
    for f in GRID_FIELDS:
        v = getattr(g, f.name)
        out[f.name] = list(v) if isinstance(v, list | tuple | set) else v
    return out


class GridDecoder:
    """Builds :class:`MicroGrid` objects from ``SELECT fid, geom, <columns>`` rows, for the
    columns the file has (a field the file lacks gets its default). A JSON list column (the
    departments: a few distinct lists over thousands of grids) is parsed once per distinct
    text; a text or number a GIS user typed into the wrong column is converted, not trusted."""

    def __init__(self, present: Iterable[str]) -> None:
        have = {c.lower() for c in present}
        self.fields = [f for f in GRID_FIELDS if f.name.lower() in have]
        self.missing = [f for f in GRID_FIELDS if f.name.lower() not in have]
        self.columns = [f.name for f in self.fields]
        self._strings: dict[str, str] = {}
        self._convert = [self._converter(f) for f in self.fields]
        self._names = [f.name for f in self.fields]

    def select(self) -> str:
        cols = "".join(", " + quote(c) for c in self.columns)
        return f"SELECT fid, geom{cols} FROM micro_grids"

    def _converter(self, f: GridField) -> Callable[[Any], Any]:
        strings, default = self._strings, f.default
        if f.kind == "text":
            # (not interned: measured slower and no smaller, the texts are mostly distinct)
            def text(v: Any) -> Any:
                if v.__class__ is str:
                    return v
                return default() if v is None else str(v)
            return text
        if f.kind == "json" and isinstance(default(), list):
            lists: dict[Any, list] = {}  # a few distinct lists shared by thousands of grids

            def json_list(v: Any) -> Any:
                hit = lists.get(v)
                if hit is None:
                    if v is None:
                        return default()
                    hit = [strings.setdefault(x, x) if isinstance(x, str) else x
                           for x in _json_field(v, [])]
                    if len(lists) < 10_000:
                        lists[v] = hit
                return list(hit)
            return json_list
        if f.kind == "json":
            def json_value(v: Any) -> Any:
                if v is None:
                    return default()
                value = _json_field(v, default())
                if isinstance(value, dict):  # 四至: json.loads makes new key strings per grid
                    value = {strings.setdefault(k, k): x for k, x in value.items()}
                return value
            return json_value
        if f.kind == "bool":
            return lambda v: default() if v is None else bool(v)
        exact = int if f.kind == "int" else float
        kind = f.kind

        def number(v: Any) -> Any:
            if v.__class__ is exact:
                return v
            return default() if v is None else _number(v, kind, default)
        return number

    def grid(self, row: tuple, geometry: Any) -> MicroGrid:
        kw = {name: conv(v)
              for name, conv, v in zip(self._names, self._convert, row[2:], strict=True)}
        for f in self.missing:
            kw[f.name] = f.default()
        return MicroGrid(geometry=geometry, fid=row[0], **kw)


def _json_field(v: Any, default: Any) -> Any:
    """A JSON column as written by us, or as a GIS user typed it: text that is not JSON, or
    JSON of the wrong shape, becomes the closest value of the field's type instead of
    breaking the editor."""
    try:
        value = json.loads(v) if isinstance(v, str) else v
    except ValueError:
        value = v
    if isinstance(default, list) and not isinstance(value, list):
        return [] if value is None or value == "" else [str(value)]
    if isinstance(default, dict) and not isinstance(value, dict):
        return default
    if default is None and not isinstance(value, dict | list):
        return None
    return value


def _number(v: Any, kind: str, default: Callable[[], Any]) -> Any:
    """A number column holding something else (QGIS lets a user type text into it): a
    numeric text is converted, anything else becomes the default, so rules never compare a
    string with a number."""
    try:
        x = float(v)
    except (TypeError, ValueError):
        return default()
    if x != x or x in (float("inf"), float("-inf")):
        return default()
    if kind == "int":
        return int(x) if x.is_integer() else default()
    return x


# -- tables ----------------------------------------------------------------------------------

HIERARCHY_TABLES: dict[str, tuple[str, str, str]] = {
    # table: (geometry type, columns DDL, description)
    "street": ("MULTIPOLYGON", "code TEXT, name TEXT", "街道 street"),
    "responsibility_grids": ("MULTIPOLYGON", "code TEXT, name TEXT, street_code TEXT",
                             "责任网格 responsibility grids"),
    "units": ("MULTIPOLYGON",
              "code TEXT UNIQUE, name TEXT, unit_type TEXT, responsibility_grid TEXT, "
              "street TEXT, committee TEXT, locked BOOLEAN NOT NULL DEFAULT 0",
              "管理单元 management units"),
    "micro_grids": ("MULTIPOLYGON",
                    ", ".join(f"{quote(f.name)} {f.sql}" for f in GRID_FIELDS),
                    "微网格 micro-grids"),
}

ATTRIBUTE_TABLES: dict[str, tuple[str, str]] = {
    "mapedit_meta": ("key TEXT UNIQUE NOT NULL, value TEXT", "mapedit: file format and origin"),
    "mapedit_settings": ("key TEXT UNIQUE NOT NULL, value TEXT",
                         "mapedit: tolerances and bands (JSON values)"),
    "mapedit_catalogue": ("key TEXT UNIQUE NOT NULL, value TEXT",
                          "mapedit: the category catalogue in use (JSON)"),
    "mapedit_edit_log": ("edit INTEGER NOT NULL, at TEXT NOT NULL, who TEXT, description TEXT, "
                         "description_en TEXT, action TEXT NOT NULL, fid INTEGER, code TEXT, "
                         "before_attrs TEXT, after_attrs TEXT, before_geom BLOB, after_geom BLOB",
                         "mapedit: append-only edit log"),
    "mapedit_accepted": ("key TEXT UNIQUE NOT NULL, rule TEXT, reason TEXT, who TEXT, at TEXT",
                         "mapedit: checker findings accepted as exceptions"),
    "mapedit_layers": ("layer_id TEXT UNIQUE NOT NULL, ord INTEGER NOT NULL, kind TEXT NOT NULL, "
                       "name TEXT, role TEXT, source TEXT, crs TEXT, extent TEXT, "
                       "visible BOOLEAN NOT NULL DEFAULT 1, opacity REAL NOT NULL DEFAULT 1, "
                       "style TEXT, options TEXT, table_name TEXT",
                       "mapedit: the map's layers, bottom first (JSON style and options)"),
    "mapedit_changes": ("tbl TEXT NOT NULL, rid TEXT",
                        "mapedit: rows changed by anyone, for change detection (trigger-kept)"),
}
"""mapedit's own tables, registered as GeoPackage attribute tables."""

REQUIRED_TABLES = ("micro_grids", "units", "mapedit_meta", "mapedit_settings",
                   "mapedit_catalogue", "mapedit_edit_log", "mapedit_accepted")
"""Tables every version wrote; a file without one of them is damaged."""

TRACKED_KEYS: dict[str, str] = {
    "street": "fid", "responsibility_grids": "fid", "units": "fid", "micro_grids": "fid",
    "mapedit_settings": "key", "mapedit_catalogue": "key", "mapedit_accepted": "key",
    "mapedit_layers": "layer_id",
}
"""Tables whose changes by anyone are logged in ``mapedit_changes`` (and the row key logged);
every ``base_*`` feature table is tracked by ``fid`` too."""

BASE_PREFIX = "base_"

SRS_MANDATORY = [
    ("WGS 84 geodetic", 4326, "EPSG", 4326,
     'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,'
     'AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,'
     'AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],'
     'AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]',
     "longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid"),
    ("Undefined cartesian SRS", -1, "NONE", -1, "undefined",
     "undefined cartesian coordinate reference system"),
    ("Undefined geographic SRS", 0, "NONE", 0, "undefined",
     "undefined geographic coordinate reference system"),
]


def tracked_key(table: str) -> str | None:
    if table in TRACKED_KEYS:
        return TRACKED_KEYS[table]
    return "fid" if table.startswith(BASE_PREFIX) else None


# -- GeoPackage core tables --------------------------------------------------------------------

def create_core(c: sqlite3.Connection, srs_rows: list[tuple]) -> None:
    c.execute("CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, "
              "srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL, "
              "organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, "
              "description TEXT)")
    c.executemany("INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)", srs_rows)
    c.execute("CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, "
              "data_type TEXT NOT NULL, identifier TEXT UNIQUE, description TEXT DEFAULT '', "
              "last_change DATETIME NOT NULL DEFAULT "
              "(strftime('%Y-%m-%dT%H:%M:%fZ','now')), min_x DOUBLE, min_y DOUBLE, "
              "max_x DOUBLE, max_y DOUBLE, srs_id INTEGER, CONSTRAINT fk_gc_r_srs_id "
              "FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id))")
    c.execute("CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, "
              "column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL, "
              "srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL, "
              "CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name), "
              "CONSTRAINT uk_gc_table_name UNIQUE (table_name), "
              "CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES "
              "gpkg_contents(table_name), CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) "
              "REFERENCES gpkg_spatial_ref_sys (srs_id))")
    create_extensions_table(c)


def create_extensions_table(c: sqlite3.Connection) -> None:
    c.execute("CREATE TABLE IF NOT EXISTS gpkg_extensions (table_name TEXT, column_name TEXT, "
              "extension_name TEXT NOT NULL, definition TEXT NOT NULL, scope TEXT NOT NULL, "
              "CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name))")


def register_features(c: sqlite3.Connection, table: str, gtype: str, srs_id: int,
                      description: str, bounds: Iterable[float | None], stamp: str,
                      identifier: str | None = None) -> None:
    """The ``gpkg_contents`` and ``gpkg_geometry_columns`` rows GDAL and QGIS need to see a
    feature table (extent: minx, miny, maxx, maxy or Nones)."""
    b = [None if v is None or v != v else float(v) for v in bounds]
    c.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, description, "
              "last_change, min_x, min_y, max_x, max_y, srs_id) "
              "VALUES (?, 'features', ?, ?, ?, ?, ?, ?, ?, ?)",
              (table, identifier or table, description, stamp, *b, srs_id))
    c.execute("INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', ?, ?, 0, 0)",
              (table, gtype, srs_id))


def register_attributes(c: sqlite3.Connection, table: str, description: str, stamp: str) -> None:
    c.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, description, "
              "last_change) VALUES (?, 'attributes', ?, ?, ?)", (table, table, description, stamp))


def create_attribute_table(c: sqlite3.Connection, table: str, stamp: str) -> None:
    columns, description = ATTRIBUTE_TABLES[table]
    c.execute(f"CREATE TABLE {quote(table)} (id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, "
              f"{columns})")
    register_attributes(c, table, description, stamp)
    if table == "mapedit_edit_log":
        c.execute("CREATE INDEX idx_edit_log_fid ON mapedit_edit_log(fid)")


def unregister(c: sqlite3.Connection, table: str) -> None:
    for t in ("gpkg_extensions", "gpkg_geometry_columns", "gpkg_contents"):
        c.execute(f"DELETE FROM {t} WHERE table_name=?", (table,))


# -- R-tree spatial index (gpkg_rtree_index) -----------------------------------------------------

def has_rtree_module(conn: sqlite3.Connection) -> bool:
    """Whether this SQLite has the R*Tree module (CPython's builds do, also on Windows since
    3.10; a stripped build may not, and then the file is written without indexes)."""
    try:
        conn.execute("CREATE VIRTUAL TABLE temp.mapedit_rtree_probe USING rtree(id, a, b)")
        conn.execute("DROP TABLE temp.mapedit_rtree_probe")
        return True
    except sqlite3.OperationalError:
        return False


def rtree_name(table: str, column: str = "geom") -> str:
    return f"rtree_{table}_{column}"


def _rtree_triggers(table: str, column: str = "geom", pk: str = "fid") -> list[str]:
    """The standard GeoPackage 1.2/1.3 triggers (exactly what GDAL writes), which keep the
    index current whoever edits the table."""
    r, t, g, i = quote(rtree_name(table, column)), quote(table), quote(column), quote(pk)
    ins = (f"INSERT OR REPLACE INTO {r} VALUES (NEW.{i},ST_MinX(NEW.{g}), ST_MaxX(NEW.{g}),"
           f"ST_MinY(NEW.{g}), ST_MaxY(NEW.{g}));")
    name = rtree_name(table, column)
    return [
        f"CREATE TRIGGER {quote(name + '_insert')} AFTER INSERT ON {t} WHEN (new.{g} NOT NULL "
        f"AND NOT ST_IsEmpty(NEW.{g})) BEGIN {ins} END",
        f"CREATE TRIGGER {quote(name + '_update1')} AFTER UPDATE OF {g} ON {t} WHEN "
        f"OLD.{i} = NEW.{i} AND (NEW.{g} NOTNULL AND NOT ST_IsEmpty(NEW.{g})) BEGIN {ins} END",
        f"CREATE TRIGGER {quote(name + '_update2')} AFTER UPDATE OF {g} ON {t} WHEN "
        f"OLD.{i} = NEW.{i} AND (NEW.{g} ISNULL OR ST_IsEmpty(NEW.{g})) BEGIN "
        f"DELETE FROM {r} WHERE id = OLD.{i}; END",
        f"CREATE TRIGGER {quote(name + '_update3')} AFTER UPDATE ON {t} WHEN OLD.{i} != NEW.{i} "
        f"AND (NEW.{g} NOTNULL AND NOT ST_IsEmpty(NEW.{g})) BEGIN "
        f"DELETE FROM {r} WHERE id = OLD.{i}; {ins} END",
        f"CREATE TRIGGER {quote(name + '_update4')} AFTER UPDATE ON {t} WHEN OLD.{i} != NEW.{i} "
        f"AND (NEW.{g} ISNULL OR ST_IsEmpty(NEW.{g})) BEGIN "
        f"DELETE FROM {r} WHERE id IN (OLD.{i}, NEW.{i}); END",
        f"CREATE TRIGGER {quote(name + '_delete')} AFTER DELETE ON {t} WHEN old.{g} NOT NULL "
        f"BEGIN DELETE FROM {r} WHERE id = OLD.{i}; END",
    ]


def create_rtree(c: sqlite3.Connection, table: str,
                 fids: np.ndarray | None = None, envelopes: np.ndarray | None = None,
                 column: str = "geom", pk: str = "fid") -> None:
    """Create and fill the R-tree of a feature table in bulk (one ``executemany`` from the
    envelopes computed with shapely, not row by row through the triggers' Python functions),
    then add the triggers that keep it current, and register the extension. Without
    ``envelopes`` they are read from the blob headers (the migration path)."""
    name = rtree_name(table, column)
    if fids is None or envelopes is None:
        rows = c.execute(f"SELECT {quote(pk)}, {quote(column)} FROM {quote(table)}").fetchall()
        fids = np.asarray([r[0] for r in rows], dtype=np.int64)
        envelopes = blob_envelopes([r[1] for r in rows]) if rows else np.empty((0, 4))
    c.execute(f"CREATE VIRTUAL TABLE {quote(name)} USING rtree(id, minx, maxx, miny, maxy)")
    ok = ~np.isnan(envelopes).any(axis=1) if len(envelopes) else np.zeros(0, dtype=bool)
    if ok.any():
        # SQLite's R*Tree has no bulk load; inserting in fid order (spatially coherent in our
        # files) measured as fast as any sort order (~10 µs a row)
        f, e = np.asarray(fids)[ok], envelopes[ok]
        c.executemany(f"INSERT INTO {quote(name)} VALUES (?, ?, ?, ?, ?)",
                      zip(f.tolist(), *(e[:, k].tolist() for k in range(4)), strict=True))
    for sql in _rtree_triggers(table, column, pk):
        c.execute(sql)
    create_extensions_table(c)
    c.execute("INSERT OR REPLACE INTO gpkg_extensions (table_name, column_name, extension_name, "
              "definition, scope) VALUES (?, ?, 'gpkg_rtree_index', ?, 'write-only')",
              (table, column, RTREE_DEFINITION))


def drop_rtree(c: sqlite3.Connection, table: str) -> None:
    row = c.execute("SELECT column_name FROM gpkg_geometry_columns WHERE table_name=?",
                    (table,)).fetchone()
    name = rtree_name(table, row[0] if row else "geom")
    for suffix in ("insert", "update1", "update2", "update3", "update4", "delete"):
        c.execute(f"DROP TRIGGER IF EXISTS {quote(name + '_' + suffix)}")
    c.execute(f"DROP TABLE IF EXISTS {quote(name)}")
    c.execute("DELETE FROM gpkg_extensions WHERE table_name=? AND "
              "extension_name='gpkg_rtree_index'", (table,))


# -- change tracking -----------------------------------------------------------------------------

def tracking_trigger_names(table: str) -> list[str]:
    return [f"mapedit_track_{table}_{op}" for op in ("insert", "update", "delete")]


def create_tracking(c: sqlite3.Connection, table: str, key: str | None = None) -> None:
    """Triggers that log every row change of ``table`` (by its ``key`` column) in
    ``mapedit_changes``. Plain SQL, so GDAL, QGIS and the sqlite3 shell run them too."""
    key = key or tracked_key(table)
    if key is None:
        raise ValueError(f"table {table} is not tracked")
    t, k, lit = quote(table), quote(key), "'" + table.replace("'", "''") + "'"
    ins, upd, dele = (quote(n) for n in tracking_trigger_names(table))
    c.execute(f"CREATE TRIGGER IF NOT EXISTS {ins} AFTER INSERT ON {t} BEGIN "
              f"INSERT INTO mapedit_changes (tbl, rid) VALUES ({lit}, NEW.{k}); END")
    c.execute(f"CREATE TRIGGER IF NOT EXISTS {upd} AFTER UPDATE ON {t} BEGIN "
              f"INSERT INTO mapedit_changes (tbl, rid) VALUES ({lit}, OLD.{k}); "
              f"INSERT INTO mapedit_changes (tbl, rid) SELECT {lit}, NEW.{k} "
              f"WHERE NEW.{k} IS NOT OLD.{k}; END")
    c.execute(f"CREATE TRIGGER IF NOT EXISTS {dele} AFTER DELETE ON {t} BEGIN "
              f"INSERT INTO mapedit_changes (tbl, rid) VALUES ({lit}, OLD.{k}); END")


def log_table_change(c: sqlite3.Connection, table: str) -> None:
    """A ``(table, NULL)`` row: the whole table changed (created, replaced or dropped)."""
    c.execute("INSERT INTO mapedit_changes (tbl, rid) VALUES (?, NULL)", (table,))


def current_revision(c: sqlite3.Connection) -> int:
    row = c.execute("SELECT MAX(id) FROM mapedit_changes").fetchone()
    return int(row[0] or 0)


def feature_keys(c: sqlite3.Connection, table: str) -> tuple[str, str] | None:
    """``(integer primary key, geometry column)`` of a registered feature table, or None when
    it has no such key (a table another program wrote its own way: left alone)."""
    row = c.execute("SELECT column_name FROM gpkg_geometry_columns WHERE table_name=?",
                    (table,)).fetchone()
    if row is None:
        return None
    pk = [r[1] for r in c.execute(f"PRAGMA table_info({quote(table)})")
          if r[5] == 1 and (r[2] or "").upper() == "INTEGER"]
    return (pk[0], row[0]) if len(pk) == 1 else None


def tracked_tables(c: sqlite3.Connection) -> dict[str, str]:
    """Tables of this file that must carry tracking triggers → their key column."""
    tables = {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    out = {t: k for t, k in TRACKED_KEYS.items() if t in tables and t not in HIERARCHY_TABLES}
    for t in feature_tables(c):
        keys = feature_keys(c, t)
        if keys is not None:
            out[t] = keys[0]
    return out


def untracked_tables(c: sqlite3.Connection) -> dict[str, str]:
    """Tracked tables whose triggers are missing (a table another program dropped and
    recreated, or a file from before change tracking) → their key column."""
    triggers = {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type='trigger' "
                                        "AND name LIKE 'mapedit\\_track\\_%' ESCAPE '\\'")}
    return {t: k for t, k in tracked_tables(c).items()
            if not set(tracking_trigger_names(t)) <= triggers}


def missing_rtrees(c: sqlite3.Connection) -> list[tuple[str, str, str]]:
    """``(table, key, geometry column)`` of our feature tables without an R-tree."""
    tables = {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    out = []
    for t in feature_tables(c):
        keys = feature_keys(c, t)
        if keys is not None and rtree_name(t, keys[1]) not in tables:
            out.append((t, *keys))
    return out


# -- migration -----------------------------------------------------------------------------------

def schema_gaps(c: sqlite3.Connection, rtree: bool = True) -> list[str]:
    """What an older (or GIS-edited) file lacks; empty when nothing needs doing. Reads only.
    (``rtree``: whether this SQLite can build R-trees; if not, their absence is no gap.)"""
    tables = {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    gaps = []
    for t in ("mapedit_changes", "mapedit_layers"):
        if t not in tables:
            gaps.append(t)
    have = {r[1].lower() for r in c.execute("PRAGMA table_info(micro_grids)")}
    gaps += [f"micro_grids.{f.name}" for f in GRID_FIELDS if f.name.lower() not in have]
    if "gpkg_extensions" not in tables:
        gaps.append("gpkg_extensions")
    if rtree:
        gaps += [rtree_name(t, g) for t, _, g in missing_rtrees(c)]
    if "mapedit_changes" in tables:
        gaps += [f"tracking {t}" for t in untracked_tables(c)]
    else:
        gaps += [f"tracking {t}" for t in tracked_tables(c)]
    row = c.execute("SELECT value FROM mapedit_meta WHERE key='format_version'").fetchone()
    if row is None or _int(row[0]) < FORMAT_VERSION:
        gaps.append("format_version")
    return gaps


def feature_tables(c: sqlite3.Connection) -> list[str]:
    """Our feature tables (hierarchy and ``base_*``) registered in ``gpkg_geometry_columns``
    (tables a GIS user added to the file are left alone)."""
    rows = c.execute("SELECT table_name FROM gpkg_geometry_columns ORDER BY table_name")
    names = {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    return [r[0] for r in rows if r[0] in names and
            (r[0] in HIERARCHY_TABLES or r[0].startswith(BASE_PREFIX))]


def _int(text: Any) -> int:
    try:
        return int(text)
    except (TypeError, ValueError):
        return 0


def migrate(c: sqlite3.Connection, default_layer_rows: Callable[[sqlite3.Connection], None],
            rtree: bool) -> list[str]:
    """Bring the schema up to date inside the caller's transaction; returns what was done.
    Idempotent: each step checks first, so it also repairs a file whose triggers another
    program dropped."""
    done = schema_gaps(c, rtree)
    if not done:
        return done
    stamp = timestamp()
    tables = {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if "mapedit_changes" not in tables:
        create_attribute_table(c, "mapedit_changes", stamp)
    if "mapedit_layers" not in tables:
        create_attribute_table(c, "mapedit_layers", stamp)
        default_layer_rows(c)
    have = {r[1].lower() for r in c.execute("PRAGMA table_info(micro_grids)")}
    for f in GRID_FIELDS:
        if f.name.lower() not in have:
            c.execute(f"ALTER TABLE micro_grids ADD COLUMN {quote(f.name)} {f.sql}")
    create_extensions_table(c)
    if rtree:
        for t, pk, geom in missing_rtrees(c):
            create_rtree(c, t, column=geom, pk=pk)
    for t, key in untracked_tables(c).items():
        create_tracking(c, t, key)
        log_table_change(c, t)  # whatever happened to it before is unknown: reread it
    c.execute("INSERT INTO mapedit_meta (key, value) VALUES ('format_version', ?) "
              "ON CONFLICT(key) DO UPDATE SET value=excluded.value "
              "WHERE CAST(value AS INTEGER) < CAST(excluded.value AS INTEGER)",
              (str(FORMAT_VERSION),))
    return done
