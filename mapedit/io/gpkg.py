"""The project file: one OGC GeoPackage (1.4) written with the standard library's ``sqlite3``.

Why sqlite3 and not GDAL/pyogrio: every edit must be its own SQLite transaction (kill the
process at any moment and the file is still good, losing at most the edit in flight), and the
project carries extra tables (settings, catalogue, edit log, accepted findings) that a GIS
writer cannot put into the same transaction. We follow the GeoPackage encoding closely enough
that GDAL and QGIS open the file as is: the ``GPKG`` application id, ``gpkg_spatial_ref_sys``,
``gpkg_contents``, ``gpkg_geometry_columns`` and the standard geometry blob (``GP`` header with
an xy envelope + ISO WKB).

Geometries are encoded and decoded with shapely's vectorised WKB functions; only the 8- or
40-byte headers are handled in Python, so 35,000 grids load in a fraction of a second.

The database uses a rollback journal (``journal_mode=DELETE``, so a project stays one file when
closed) and ``synchronous=FULL``; each write is ``BEGIN IMMEDIATE`` … ``COMMIT``.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import struct
import tempfile
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import CRS
from shapely.geometry.base import BaseGeometry

from mapedit.errors import InputError, MapeditError, NotAProjectError
from mapedit.model.catalogue import Catalogue
from mapedit.model.changes import ChangeSet, GridChange
from mapedit.model.dataset import Dataset
from mapedit.model.hierarchy import (
    FOUR_BOUND_KEYS,
    MicroGrid,
    ResponsibilityGrid,
    Street,
    Unit,
    now_iso,
)
from mapedit.model.layers import ROLES, VECTOR, BaseLayer, Columns, LayerStack
from mapedit.model.settings import Settings

FORMAT = "mapedit-project"
FORMAT_VERSION = 1
"""Bumped when the schema changes incompatibly; a newer file is refused with a clear message."""

GPKG_APPLICATION_ID = 0x47504B47  # "GPKG"
GPKG_USER_VERSION = 10300
"""GeoPackage 1.3: the file uses nothing newer, and GDAL < 3.7 (older QGIS on office PCs) warns
that 1.4 "may only be partially supported"."""
_OLD_GPKG_IDS = {0x47503130, 0x47503131}  # "GP10", "GP11" (GeoPackage 1.0/1.1)
_SQLITE_MAGIC = b"SQLite format 3\x00"

# -- geometry blobs ------------------------------------------------------------------------

_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}
_HEADER = np.dtype([("magic", "S2"), ("version", "u1"), ("flags", "u1"), ("srs_id", "<i4"),
                    ("env", "<f8", (4,))])
_FLAGS_XY_LE = 0b0000_0011  # little-endian, envelope type 1 (minx, maxx, miny, maxy)
_FLAGS_EMPTY_LE = 0b0001_0001  # little-endian, empty geometry, no envelope
_FLAGS_NOENV_LE = 0b0000_0001  # little-endian, no envelope (points)

# ISO WKB type codes of the single types we wrap into their multi type (declared column type).
_WRAP = {3: 6, 1: 5}  # shapely type id -> ISO WKB multi type: Polygon->MultiPolygon, Line->MultiLine
_WRAP_PREFIX = {tid: struct.pack("<BII", 1, multi, 1) for tid, multi in _WRAP.items()}
_ONE_PART = {struct.pack("<II", multi, 1) for multi in _WRAP.values()}
# Empty Polygon/LineString are written as an EMPTY multi (zero parts), as GDAL expects an empty
# geometry behind the header's empty flag; reading maps them back.
_EMPTY_MULTI = {tid: struct.pack("<BII", 1, multi, 0) for tid, multi in _WRAP.items()}
_EMPTY_SINGLE = {struct.pack("<II", multi, 0): struct.pack("<BII", 1, single, 0)
                 for single, multi in ((3, 6), (2, 5))}


def encode_geometries(geoms: Sequence[BaseGeometry | None] | np.ndarray, srs_id: int,
                      promote: bool = True) -> list[bytes | None]:
    """GeoPackage blobs for an array of geometries (None stays None → SQL NULL).

    With ``promote`` a Polygon/LineString is written as a one-part MultiPolygon/
    MultiLineString (the declared column type) by prefixing its WKB with a multi header,
    which keeps the coordinates bit-for-bit.
    """
    arr = np.asarray(geoms, dtype=object).reshape(-1)
    n = len(arr)
    if n == 0:
        return []
    wkb = shapely.to_wkb(arr, output_dimension=2, byte_order=1, flavor="iso")
    type_ids = shapely.get_type_id(arr)
    empty = shapely.is_empty(arr)
    bounds = shapely.bounds(arr)
    head = np.zeros(n, dtype=_HEADER)
    head["magic"] = b"GP"
    head["flags"] = _FLAGS_XY_LE
    head["srs_id"] = srs_id
    head["env"] = bounds[:, [0, 2, 1, 3]]
    heads = head.tobytes()
    size = _HEADER.itemsize
    out: list[bytes | None] = [None] * n
    for i in range(n):
        w = wkb[i]
        if w is None:
            continue
        if empty[i]:
            if promote and type_ids[i] in _WRAP:
                w = _EMPTY_MULTI[int(type_ids[i])]
            out[i] = b"GP\x00" + bytes([_FLAGS_EMPTY_LE]) + struct.pack("<i", srs_id) + w
        elif type_ids[i] == 0:  # a point is its own envelope; GDAL writes none either
            out[i] = b"GP\x00" + bytes([_FLAGS_NOENV_LE]) + struct.pack("<i", srs_id) + w
        else:
            if promote and type_ids[i] in _WRAP:
                w = _WRAP_PREFIX[int(type_ids[i])] + w
            out[i] = heads[i * size:(i + 1) * size] + w
    return out


def encode_geometry(geom: BaseGeometry | None, srs_id: int, promote: bool = True) -> bytes | None:
    return encode_geometries([geom], srs_id, promote)[0]


def decode_geometries(blobs: Sequence[bytes | None], demote: bool = True) -> np.ndarray:
    """Shapely geometries from GeoPackage blobs (NULL → None).

    With ``demote`` a one-part MultiPolygon/MultiLineString comes back as its single part, the
    form the editor works with.
    """
    wkb: list[bytes | None] = []
    append = wkb.append
    for b in blobs:
        if b is None or len(b) < 8 or b[:2] != b"GP":
            append(None)
            continue
        w = b[8 + _ENVELOPE_BYTES.get((b[3] >> 1) & 7, 0):]
        if demote and w[:1] == b"\x01":
            if w[1:9] in _ONE_PART:  # little-endian multi header with one part
                w = w[9:]
            elif len(w) == 9 and w[1:9] in _EMPTY_SINGLE:
                w = _EMPTY_SINGLE[w[1:9]]
        append(bytes(w))
    return shapely.from_wkb(np.asarray(wkb, dtype=object), on_invalid="warn")


def decode_geometry(blob: bytes | None, demote: bool = True) -> BaseGeometry | None:
    return decode_geometries([blob], demote)[0]


# -- schema --------------------------------------------------------------------------------

_GRID_COLUMNS = ("code", "name", "category", "unit_code", "departments", "households",
                 "population", "four_bounds", "notes", "created", "updated",
                 "households_source")

_BASE_COLUMNS: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {
    # layer name: (GeoPackage geometry type, ((column, SQL type), ...))
    "roads": ("MULTILINESTRING", (("class", "TEXT"), ("name", "TEXT"))),
    "water": ("MULTIPOLYGON", (("name", "TEXT"),)),
    "buildings": ("MULTIPOLYGON", (("households", "INTEGER"), ("floors", "INTEGER"),
                                   ("name", "TEXT"))),
    "villager_groups": ("MULTIPOLYGON", (("name", "TEXT"), ("unit_code", "TEXT"))),
    "committees": ("MULTIPOLYGON", (("name", "TEXT"),)),
    "pois": ("POINT", (("kind", "TEXT"), ("name", "TEXT"))),
}
"""Known base layers. Attributes outside these columns go to a JSON ``attrs`` column, so a
base layer with extra fields still round-trips."""

_FEATURE_TABLES: dict[str, tuple[str, str, str]] = {
    # table: (geometry type, columns DDL, description)
    "street": ("MULTIPOLYGON", "code TEXT, name TEXT", "街道 street"),
    "responsibility_grids": ("MULTIPOLYGON", "code TEXT, name TEXT, street_code TEXT",
                             "责任网格 responsibility grids"),
    "units": ("MULTIPOLYGON",
              "code TEXT UNIQUE, name TEXT, unit_type TEXT, responsibility_grid TEXT, "
              "street TEXT, committee TEXT, locked BOOLEAN NOT NULL DEFAULT 0",
              "管理单元 management units"),
    "micro_grids": ("MULTIPOLYGON",
                    "code TEXT, name TEXT, category TEXT, unit_code TEXT, departments TEXT, "
                    "households INTEGER, population INTEGER, four_bounds TEXT, notes TEXT, "
                    "created TEXT, updated TEXT, households_source TEXT",
                    "微网格 micro-grids"),
}

_ATTRIBUTE_TABLES: dict[str, tuple[str, str]] = {
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
}

_SRS_MANDATORY = [
    ("WGS 84 geodetic", 4326, "EPSG", 4326,
     'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,'
     'AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,'
     'AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],'
     'AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]',
     "longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid"),
    ("Undefined cartesian SRS", -1, "NONE", -1, "undefined", "undefined cartesian coordinate reference system"),
    ("Undefined geographic SRS", 0, "NONE", 0, "undefined", "undefined geographic coordinate reference system"),
]

_CUSTOM_SRS_ID = 100000


def _base_table(name: str) -> str:
    return f"base_{name}"


_LOAD_BATCH = 20_000
"""Rows read and decoded at a time when loading a project."""


def _add_missing_grid_columns(conn: sqlite3.Connection) -> None:
    """A project written before a grid field existed (``households_source``) gets the column,
    empty; a read-only file is left as it is and read with the column as NULL. (Stand-in for
    the store's general migration of model columns, which supersedes it.)"""
    have = {r[1] for r in conn.execute("PRAGMA table_info(micro_grids)").fetchall()}
    missing = [c for c in _GRID_COLUMNS if c not in have]
    if not have or not missing:
        return
    try:
        with conn:
            for col in missing:
                conn.execute(f'ALTER TABLE micro_grids ADD COLUMN "{col}" TEXT')
    except sqlite3.OperationalError:  # read-only: _grid_select reads NULL instead
        pass


def _grid_select(conn: sqlite3.Connection) -> str:
    have = {r[1] for r in conn.execute("PRAGMA table_info(micro_grids)").fetchall()}
    return ", ".join(c if c in have else f"NULL AS {c}" for c in _GRID_COLUMNS)


def _timestamp() -> str:
    """GeoPackage ``last_change`` form: ``YYYY-MM-DDTHH:MM:SS.SSSZ``."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


def _unjson(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def grid_attrs(g: MicroGrid) -> dict[str, Any]:
    """A grid's attributes (no geometry) as stored in the edit log."""
    return {"fid": g.fid, "code": g.code, "name": g.name, "category": g.category,
            "unit_code": g.unit_code, "departments": list(g.departments),
            "households": g.households, "population": g.population,
            "four_bounds": g.four_bounds, "notes": g.notes, "created": g.created,
            "updated": g.updated, "households_source": g.households_source}


def _grid_row(g: MicroGrid) -> tuple:
    return (g.code, g.name, g.category, g.unit_code, _json(list(g.departments)), g.households,
            g.population, _json(g.four_bounds), g.notes, g.created, g.updated,
            g.households_source)


# -- errors --------------------------------------------------------------------------------

def _not_project(path: Path, zh: str, en: str) -> NotAProjectError:
    return NotAProjectError(f"{path} {zh}", f"{path} {en}")


class StoreError(MapeditError):
    """The project file cannot be written (disk full, read-only, locked by another program)
    or is out of step with the editor."""


@contextlib.contextmanager
def _sqlite_errors(path: Path, what_zh: str, what_en: str) -> Iterator[None]:
    """Turn sqlite3 errors into bilingual messages: the user sees why, not a traceback."""
    try:
        yield
    except sqlite3.OperationalError as exc:
        text = str(exc)
        if "locked" in text or "busy" in text:
            raise StoreError(f"{what_zh}失败:项目文件 {path} 正被其他程序占用",
                             f"{what_en} failed: {path} is locked by another program") from exc
        if "readonly" in text or "read-only" in text:
            raise StoreError(f"{what_zh}失败:项目文件 {path} 是只读的",
                             f"{what_en} failed: {path} is read-only") from exc
        if "disk" in text and "full" in text:
            raise StoreError(f"{what_zh}失败:磁盘已满", f"{what_en} failed: disk is full") from exc
        raise StoreError(f"{what_zh}失败:{text}", f"{what_en} failed: {text}") from exc
    except sqlite3.DatabaseError as exc:
        raise _not_project(path, f"已损坏,无法读取({exc})",
                           f"is damaged and cannot be read ({exc})") from exc


def _connect(path: Path) -> sqlite3.Connection:
    """Autocommit connection (we issue BEGIN/COMMIT ourselves), rollback journal, full sync.

    The path is passed as a plain string (not a URI) so Chinese characters, spaces, ``#`` and
    ``?`` in Windows paths need no escaping.
    """
    conn = sqlite3.connect(os.fspath(path), isolation_level=None, timeout=10.0,
                           check_same_thread=False)
    conn.execute("PRAGMA journal_mode=DELETE")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=OFF")
    return conn


@contextlib.contextmanager
def _transaction(conn: sqlite3.Connection, mode: str = "IMMEDIATE"
                 ) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` … ``COMMIT`` (a write lock from the start, so two writers never
    deadlock half-way); any exception rolls back and propagates. ``DEFERRED`` gives a read
    snapshot."""
    conn.execute(f"BEGIN {mode}")
    try:
        yield conn
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _replace_with_retry(src: Path, dst: Path) -> None:
    """``os.replace``, retried briefly: on Windows a virus scanner or QGIS may hold the
    target for a moment."""
    for attempt in range(20):
        try:
            os.replace(src, dst)
            return
        except PermissionError:
            if attempt == 19:
                raise
            time.sleep(0.05)


def _remove_quietly(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


# -- the store -----------------------------------------------------------------------------

class GpkgStore:
    """One open project file. Not thread-safe; one store per file per process."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = conn
        row = conn.execute("SELECT srs_id FROM gpkg_geometry_columns "
                           "WHERE table_name='micro_grids'").fetchone()
        self.srs_id: int = int(row[0]) if row else 0
        self._seen_edit = self._last_edit()
        """The newest edit-log id this store knows of. If another program (a second editor
        window, ``mapedit import``) logs an edit, our in-memory dataset is stale and writing
        over it would lose that edit, so :meth:`write_changes` refuses until reloaded."""

    def _last_edit(self) -> int:
        return int(self.conn.execute("SELECT COALESCE(MAX(id), 0) FROM mapedit_edit_log")
                   .fetchone()[0])

    # -- create ----------------------------------------------------------------------------
    @classmethod
    def create(cls, path: str | os.PathLike, dataset: Dataset,
               overwrite: bool = False) -> GpkgStore:
        """Write ``dataset`` as a new project and open it.

        The file is built under a temporary name in the target folder and renamed into place
        only when complete, so a crash or a full disk never leaves a half-written project (nor
        destroys the file being overwritten). Grid fids are kept when set, else assigned 1..n;
        the grid objects in ``dataset`` get their fids set.
        """
        target = Path(path)
        if target.exists() and not overwrite:
            raise InputError(f"文件 {target} 已存在,未覆盖",
                             f"{target} already exists; not overwritten")
        if target.exists() and target.is_dir():
            raise InputError(f"{target} 是文件夹", f"{target} is a folder")
        folder = target.parent if str(target.parent) else Path(".")
        if not folder.is_dir():
            raise InputError(f"文件夹 {folder} 不存在", f"folder {folder} does not exist")
        try:
            fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
        except OSError as exc:
            raise InputError(f"无法在 {folder} 中写入文件:{exc.strerror}",
                             f"cannot write in {folder}: {exc.strerror}") from exc
        os.close(fd)
        tmp = Path(name)
        _remove_quietly(tmp)  # sqlite creates it; an empty file would be a valid empty db anyway
        try:
            conn = _connect(tmp)
            try:
                with _sqlite_errors(target, "写入项目", "writing the project"):
                    _write_new(conn, dataset)
            finally:
                conn.close()
            _replace_with_retry(tmp, target)
        except OSError as exc:
            raise InputError(f"无法写入 {target}:{exc.strerror}",
                             f"cannot write {target}: {exc.strerror}") from exc
        finally:
            _remove_quietly(tmp)
            _remove_quietly(Path(str(tmp) + "-journal"))
        return cls.open(target)

    # -- open ------------------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | os.PathLike) -> GpkgStore:
        """Open a project, refusing with a clear bilingual message anything that is not one."""
        p = Path(path)
        if not p.exists():
            raise _not_project(p, "不存在", "does not exist")
        if p.is_dir():
            raise _not_project(p, "是文件夹,不是项目文件", "is a folder, not a project file")
        try:
            with open(p, "rb") as fh:
                head = fh.read(100)
        except OSError as exc:
            raise _not_project(p, f"无法读取:{exc.strerror}",
                               f"cannot be read: {exc.strerror}") from exc
        if not head:
            raise _not_project(p, "是空文件,不是微网格项目", "is empty, not a mapedit project")
        if not head.startswith(_SQLITE_MAGIC):
            raise _not_project(p, "不是 GeoPackage 项目文件(不是 SQLite 数据库)",
                               "is not a GeoPackage project (not an SQLite database)")
        if len(head) < 100:
            raise _not_project(p, "已损坏(文件被截断)", "is damaged (truncated)")
        try:
            conn = _connect(p)
        except sqlite3.Error as exc:
            raise _not_project(p, f"已损坏,无法打开({exc})",
                               f"is damaged and cannot be opened ({exc})") from exc
        try:
            cls._check(p, conn)
            _add_missing_grid_columns(conn)
            return cls(p, conn)
        except BaseException:
            conn.close()
            raise

    @staticmethod
    def _check(p: Path, conn: sqlite3.Connection) -> None:
        try:
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            if app_id != GPKG_APPLICATION_ID and app_id not in _OLD_GPKG_IDS:
                raise _not_project(p, "是 SQLite 数据库,但不是 GeoPackage",
                                   "is an SQLite database but not a GeoPackage")
            check = conn.execute("PRAGMA quick_check").fetchall()
            if [r[0] for r in check] != ["ok"]:
                detail = "; ".join(str(r[0]) for r in check[:3])
                raise _not_project(p, f"已损坏({detail})", f"is damaged ({detail})")
            tables = {r[0] for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table'")}
            if "mapedit_meta" not in tables:
                raise _not_project(p, "是 GeoPackage,但不是微网格编辑器(mapedit)的项目",
                                   "is a GeoPackage but not a mapedit project")
            meta = dict(conn.execute("SELECT key, value FROM mapedit_meta").fetchall())
        except sqlite3.DatabaseError as exc:
            raise _not_project(p, f"已损坏,无法读取({exc})",
                               f"is damaged and cannot be read ({exc})") from exc
        if meta.get("format") != FORMAT:
            raise _not_project(p, "是 GeoPackage,但不是微网格编辑器(mapedit)的项目",
                               "is a GeoPackage but not a mapedit project")
        try:
            version = int(meta.get("format_version", "0"))
        except ValueError:
            version = 0
        if version > FORMAT_VERSION:
            raise _not_project(p, f"由更新版本的 mapedit 创建(格式 {version}),请升级软件",
                               f"was made by a newer mapedit (format {version}); please upgrade")
        missing = [t for t in ("micro_grids", "units", *_ATTRIBUTE_TABLES) if t not in tables]
        if missing:
            raise _not_project(p, f"已损坏(缺少表 {', '.join(missing)})",
                               f"is damaged (tables missing: {', '.join(missing)})")

    # -- plumbing --------------------------------------------------------------------------
    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreError("项目已关闭", "the project is closed")
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> GpkgStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _read(self, what_zh: str, what_en: str):
        return _sqlite_errors(self.path, what_zh, what_en)

    # -- cheap queries (mapedit info) ------------------------------------------------------
    def meta(self) -> dict[str, str]:
        """The ``mapedit_meta`` key/values (format, version, crs, created, app version)."""
        with self._read("读取项目信息", "reading project info"):
            return dict(self.conn.execute("SELECT key, value FROM mapedit_meta").fetchall())

    def counts(self) -> dict[str, int]:
        """Feature count of every layer, keyed by table name."""
        with self._read("读取项目信息", "reading project info"):
            tables = [r[0] for r in self.conn.execute(
                "SELECT table_name FROM gpkg_contents WHERE data_type='features' "
                "ORDER BY table_name")]
            return {t: int(self.conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0])
                    for t in tables}

    # -- load ------------------------------------------------------------------------------
    def load(self) -> Dataset:
        """Everything in the project as a :class:`Dataset`."""
        with self._read("读取项目", "reading the project"), _transaction(self.conn, "DEFERRED"):
            self._seen_edit = self._last_edit()  # same snapshot as the data read below
            return self._load()

    def _load(self) -> Dataset:
        c = self.conn
        meta = self.meta()
        settings = Settings.from_dict({k: _unjson(v) for k, v in c.execute(
            "SELECT key, value FROM mapedit_settings")})
        row = c.execute("SELECT value FROM mapedit_catalogue WHERE key='catalogue'").fetchone()
        catalogue = Catalogue.from_dict(json.loads(row[0])) if row else Catalogue.default()

        street = None
        rows = c.execute("SELECT code, name, geom FROM street ORDER BY fid LIMIT 1").fetchall()
        if rows:
            street = Street(rows[0][0] or "", rows[0][1] or "", decode_geometry(rows[0][2]))

        rgs: dict[str, ResponsibilityGrid] = {}
        rows = c.execute("SELECT code, name, street_code, geom FROM responsibility_grids "
                         "ORDER BY fid").fetchall()
        geoms = decode_geometries([r[3] for r in rows])
        for r, geom in zip(rows, geoms, strict=True):
            rgs[r[0]] = ResponsibilityGrid(r[0], r[1] or "", geom, r[2] or "")

        units: dict[str, Unit] = {}
        rows = c.execute("SELECT code, name, unit_type, responsibility_grid, street, committee, "
                         "locked, geom FROM units ORDER BY fid").fetchall()
        geoms = decode_geometries([r[7] for r in rows])
        for r, geom in zip(rows, geoms, strict=True):
            units[r[0]] = Unit(r[0], r[1] or "", r[2] or "", geom, r[3] or "", r[4] or "",
                               r[5] or "", bool(r[6]))

        cur = c.execute(f"SELECT fid, geom, {_grid_select(c)} FROM micro_grids ORDER BY fid")
        grids: dict[int, MicroGrid] = {}
        departments: dict[str, list[str]] = {}  # a few distinct lists shared by 35,000 grids
        # Values repeated across grids are shared, not stored once per grid: unit codes,
        # categories, and the keys of 四至 (json.loads makes new key strings every call).
        shared: dict[str, str] = {k: k for k in FOUR_BOUND_KEYS}
        share = shared.setdefault
        loads = json.loads
        while rows := cur.fetchmany(_LOAD_BATCH):  # a batch at a time: a lower peak
            geoms = decode_geometries([r[1] for r in rows])
            for r, geom in zip(rows, geoms, strict=True):
                deps = departments.get(r[6]) if r[6] else []
                if deps is None:
                    deps = departments[r[6]] = loads(r[6])
                fb = loads(r[9]) if r[9] else None
                if fb is not None:
                    fb = {share(k, k): v for k, v in fb.items()}
                grids[r[0]] = MicroGrid(
                    code=r[2] or "", name=r[3] or "", category=share(r[4] or "", r[4] or ""),
                    geometry=geom, unit_code=share(r[5] or "", r[5] or ""),
                    departments=list(deps), households=r[7], population=r[8],
                    four_bounds=fb, notes=r[10] or "",
                    created=r[11] or "", updated=r[12] or "", fid=r[0],
                    households_source=share(r[13] or "", r[13] or ""))

        base_layers: dict[str, BaseLayer] = {}
        for (table,) in c.execute("SELECT table_name FROM gpkg_contents WHERE "
                                  "data_type='features' AND table_name LIKE 'base\\_%' "
                                  "ESCAPE '\\' ORDER BY table_name").fetchall():
            layer = self._load_base(table)
            if len(layer):
                base_layers[layer.name] = layer

        return Dataset(crs=meta.get("crs") or f"EPSG:{self.srs_id}", street=street,
                       responsibility_grids=rgs, units=units, grids=grids,
                       layers=LayerStack.default(base_layers), catalogue=catalogue,
                       settings=settings)

    def _load_base(self, table: str) -> BaseLayer:
        name = table[len("base_"):]
        known = [col for col, _ in _BASE_COLUMNS.get(name, ("", ()))[1]]
        cols = ", ".join(f'"{k}"' for k in known)
        cur = self.conn.execute(
            f'SELECT geom, attrs{", " + cols if cols else ""} FROM "{table}" ORDER BY fid')
        # one list per column, not one dict per feature (370,000 buildings: ~100 MB less),
        # read a batch at a time (the rows of all buildings at once cost another 100 MB)
        parts: list[np.ndarray] = []
        columns: dict[str, list] = {k: [] for k in known}
        n = 0
        while rows := cur.fetchmany(_LOAD_BATCH):
            parts.append(decode_geometries([r[0] for r in rows]))
            for i, k in enumerate(known):
                columns[k] += [r[2 + i] for r in rows]
            for j, r in enumerate(rows, start=n):
                if r[1]:
                    for k, v in json.loads(r[1]).items():
                        col = columns.setdefault(k, [None] * n)
                        col += [None] * (j + 1 - len(col))
                        col[j] = v
            n += len(rows)
        for col in columns.values():
            col += [None] * (n - len(col))
        geoms = np.concatenate(parts) if parts else np.empty(0, dtype=object)
        return BaseLayer(name, geoms, Columns(columns, n))

    # -- edits -----------------------------------------------------------------------------
    def write_changes(self, changeset: ChangeSet, who: str = "") -> None:
        """Apply a change set in ONE transaction, with one edit-log row per grid change.

        Inserts whose ``after.fid`` is None get a new fid, set on the ``after`` object (fids
        are never reused: the table is AUTOINCREMENT). Inserts with a fid reuse it, which is
        how redoing an undone insert brings back the same row. If anything fails nothing is
        written and fids assigned during the attempt are reset.
        """
        assigned: list[MicroGrid] = []
        try:
            with self._read("保存编辑", "saving the edit"), _transaction(self.conn) as c:
                if self._last_edit() != self._seen_edit:
                    raise StoreError(
                        f"项目文件 {self.path} 已被其他程序修改,请重新打开后再编辑",
                        f"{self.path} was changed by another program; reopen it before editing")
                # the log is append-only, so its last row holds the highest edit number
                # (a rowid lookup; MAX(edit) would scan the whole log on every edit)
                last = c.execute("SELECT edit FROM mapedit_edit_log ORDER BY id DESC "
                                 "LIMIT 1").fetchone()
                edit = (int(last[0]) if last else 0) + 1
                at = now_iso()
                for ch in changeset.changes:
                    self._write_change(c, ch, edit, at, who, changeset, assigned)
                c.execute("UPDATE gpkg_contents SET last_change=? WHERE table_name="
                          "'micro_grids'", (_timestamp(),))
                seen = self._last_edit()
            self._seen_edit = seen
        except BaseException:
            for g in assigned:
                g.fid = None
            raise

    def _write_change(self, c: sqlite3.Connection, ch: GridChange, edit: int, at: str, who: str,
                      cs: ChangeSet, assigned: list[MicroGrid]) -> None:
        before, after = ch.before, ch.after
        placeholders = ", ".join("?" * len(_GRID_COLUMNS))
        if before is None and after is None:
            return
        if before is None:
            assert after is not None
            blob = encode_geometry(after.geometry, self.srs_id)
            if after.fid is None:
                cur = c.execute(f"INSERT INTO micro_grids (geom, {', '.join(_GRID_COLUMNS)}) "
                                f"VALUES (?, {placeholders})", (blob, *_grid_row(after)))
                after.fid = int(cur.lastrowid)  # type: ignore[arg-type]
                assigned.append(after)
            else:
                try:
                    c.execute(f"INSERT INTO micro_grids (fid, geom, {', '.join(_GRID_COLUMNS)}) "
                              f"VALUES (?, ?, {placeholders})",
                              (after.fid, blob, *_grid_row(after)))
                except sqlite3.IntegrityError as exc:
                    raise StoreError(f"微网格 fid {after.fid} 已存在",
                                     f"micro-grid fid {after.fid} already exists") from exc
            before_blob, after_blob = None, blob
        elif after is None:
            cur = c.execute("DELETE FROM micro_grids WHERE fid=?", (before.fid,))
            if cur.rowcount != 1:
                raise StoreError(f"项目文件中没有微网格 fid {before.fid}",
                                 f"micro-grid fid {before.fid} is not in the project file")
            before_blob, after_blob = encode_geometry(before.geometry, self.srs_id), None
        else:
            if before.fid != after.fid or after.fid is None:
                raise StoreError("修改前后的微网格编号(fid)不一致",
                                 "an update changes the micro-grid's fid")
            blob = encode_geometry(after.geometry, self.srs_id)
            sets = ", ".join(f"{k}=?" for k in _GRID_COLUMNS)
            cur = c.execute(f"UPDATE micro_grids SET geom=?, {sets} WHERE fid=?",
                            (blob, *_grid_row(after), after.fid))
            if cur.rowcount != 1:
                raise StoreError(f"项目文件中没有微网格 fid {after.fid}",
                                 f"micro-grid fid {after.fid} is not in the project file")
            before_blob = (blob if before.geometry is after.geometry
                           else encode_geometry(before.geometry, self.srs_id))
            after_blob = blob
        g = after if after is not None else before
        assert g is not None
        c.execute(
            "INSERT INTO mapedit_edit_log (edit, at, who, description, description_en, action, "
            "fid, code, before_attrs, after_attrs, before_geom, after_geom) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (edit, at, who, cs.zh, cs.en, ch.action, g.fid, g.code,
             _json(grid_attrs(before)) if before else None,
             _json(grid_attrs(after)) if after else None, before_blob, after_blob))

    def set_unit_locked(self, code: str, locked: bool) -> None:
        """Lock or unlock a unit (a locked unit's grids cannot be edited)."""
        with self._read("保存单元锁定状态", "saving the unit lock"), \
                _transaction(self.conn) as c:
            cur = c.execute("UPDATE units SET locked=? WHERE code=?", (1 if locked else 0, code))
            if cur.rowcount != 1:
                raise InputError(f"没有编码为 {code} 的管理单元", f"no management unit {code}")

    def accepted_findings(self) -> dict[str, str]:
        """Accepted exceptions: finding key → reason."""
        with self._read("读取已接受的问题", "reading accepted findings"):
            return {k: r or "" for k, r in self.conn.execute(
                "SELECT key, reason FROM mapedit_accepted ORDER BY id")}

    def set_accepted(self, key: str, rule: str, reason: str | None, who: str = "") -> None:
        """Accept a finding with a reason, or (reason None) withdraw the acceptance."""
        with self._read("保存已接受的问题", "saving accepted findings"), \
                _transaction(self.conn) as c:
            if reason is None:
                c.execute("DELETE FROM mapedit_accepted WHERE key=?", (key,))
            else:
                c.execute("INSERT INTO mapedit_accepted (key, rule, reason, who, at) "
                          "VALUES (?, ?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET "
                          "rule=excluded.rule, reason=excluded.reason, who=excluded.who, "
                          "at=excluded.at", (key, rule, reason, who, now_iso()))

    def save_settings(self, settings: Settings) -> None:
        with self._read("保存设置", "saving settings"), _transaction(self.conn) as c:
            _write_settings(c, settings)

    def edit_log(self, limit: int = 100) -> list[dict[str, Any]]:
        """The newest ``limit`` edit-log rows, newest first, attributes and geometries decoded."""
        with self._read("读取编辑记录", "reading the edit log"):
            rows = self.conn.execute(
                "SELECT id, edit, at, who, description, description_en, action, fid, code, "
                "before_attrs, after_attrs, before_geom, after_geom FROM mapedit_edit_log "
                "ORDER BY id DESC LIMIT ?", (int(limit),)).fetchall()
        before = decode_geometries([r[11] for r in rows]) if rows else []
        after = decode_geometries([r[12] for r in rows]) if rows else []
        keys = ("id", "edit", "at", "who", "description", "description_en", "action", "fid",
                "code")
        out = []
        for i, r in enumerate(rows):
            d = dict(zip(keys, r[:9], strict=True))
            d["before_attrs"] = _unjson(r[9])
            d["after_attrs"] = _unjson(r[10])
            d["before_geom"] = before[i]
            d["after_geom"] = after[i]
            out.append(d)
        return out


# -- writing a new file --------------------------------------------------------------------

def _srs_row(crs_text: str) -> tuple[int, tuple]:
    """The project CRS as a ``gpkg_spatial_ref_sys`` row (EPSG id when it has one)."""
    try:
        crs = CRS.from_user_input(crs_text)
    except Exception as exc:  # pyproj's CRSError carries English text only
        raise InputError(f"无法识别坐标系 {crs_text}", f"unknown coordinate system {crs_text}") \
            from exc
    epsg = crs.to_epsg()
    wkt = crs.to_wkt("WKT1_GDAL") or crs.to_wkt()
    if epsg is not None:
        return epsg, (crs.name, epsg, "EPSG", epsg, wkt, crs.name)
    return _CUSTOM_SRS_ID, (crs.name, _CUSTOM_SRS_ID, "NONE", _CUSTOM_SRS_ID, wkt, crs.name)


def _write_settings(c: sqlite3.Connection, settings: Settings) -> None:
    c.executemany("INSERT INTO mapedit_settings (key, value) VALUES (?, ?) ON CONFLICT(key) "
                  "DO UPDATE SET value=excluded.value",
                  [(k, _json(v)) for k, v in settings.to_dict().items()])


def _write_new(c: sqlite3.Connection, ds: Dataset) -> None:
    from mapedit import __version__ as app_version  # noqa: PLC0415 (avoid import cycle at load)

    srs_id, srs = _srs_row(ds.crs)
    stamp = _timestamp()
    c.execute(f"PRAGMA application_id={GPKG_APPLICATION_ID}")
    c.execute(f"PRAGMA user_version={GPKG_USER_VERSION}")
    with _transaction(c):
        c.execute("CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, "
                  "srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL, "
                  "organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, "
                  "description TEXT)")
        rows = list(_SRS_MANDATORY)
        if srs_id not in (4326, 0, -1):
            rows.append(srs)
        c.executemany("INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)", rows)
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

        def feature_table(table: str, gtype: str, columns: str, description: str,
                          geoms: Sequence[BaseGeometry | None]) -> list[bytes | None]:
            c.execute(f'CREATE TABLE "{table}" (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, '
                      f"geom {gtype}, {columns})")
            arr = np.asarray([g for g in geoms if g is not None and not g.is_empty],
                             dtype=object)
            b = shapely.total_bounds(arr) if len(arr) else [None] * 4
            c.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, "
                      "description, last_change, min_x, min_y, max_x, max_y, srs_id) "
                      "VALUES (?, 'features', ?, ?, ?, ?, ?, ?, ?, ?)",
                      (table, table, description, stamp,
                       *(None if v is None else float(v) for v in b), srs_id))
            c.execute("INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', ?, ?, 0, 0)",
                      (table, gtype, srs_id))
            return encode_geometries(geoms, srs_id) if len(geoms) else []

        # hierarchy
        gtype, cols, desc = _FEATURE_TABLES["street"]
        street = [ds.street] if ds.street is not None else []
        blobs = feature_table("street", gtype, cols, desc, [s.geometry for s in street])
        c.executemany("INSERT INTO street (geom, code, name) VALUES (?, ?, ?)",
                      [(b, s.code, s.name) for b, s in zip(blobs, street, strict=True)])

        gtype, cols, desc = _FEATURE_TABLES["responsibility_grids"]
        rgs = list(ds.responsibility_grids.values())
        blobs = feature_table("responsibility_grids", gtype, cols, desc,
                              [r.geometry for r in rgs])
        c.executemany("INSERT INTO responsibility_grids (geom, code, name, street_code) "
                      "VALUES (?, ?, ?, ?)",
                      [(b, r.code, r.name, r.street_code) for b, r in zip(blobs, rgs, strict=True)])

        gtype, cols, desc = _FEATURE_TABLES["units"]
        units = list(ds.units.values())
        blobs = feature_table("units", gtype, cols, desc, [u.geometry for u in units])
        c.executemany("INSERT INTO units (geom, code, name, unit_type, responsibility_grid, "
                      "street, committee, locked) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                      [(b, u.code, u.name, u.unit_type, u.responsibility_grid, u.street,
                        u.committee, 1 if u.locked else 0)
                       for b, u in zip(blobs, units, strict=True)])

        gtype, cols, desc = _FEATURE_TABLES["micro_grids"]
        grids = list(ds.grids.values())
        blobs = feature_table("micro_grids", gtype, cols, desc, [g.geometry for g in grids])
        # keep fids (the grid's own, else its key in ds.grids); number the rest after them
        fids = [g.fid if g.fid is not None else (k if isinstance(k, int) else None)
                for k, g in ds.grids.items()]
        next_fid = max((f for f in fids if f is not None), default=0) + 1
        for i, g in enumerate(grids):
            if fids[i] is None:
                fids[i] = next_fid
                next_fid += 1
            g.fid = fids[i]
        c.executemany(f"INSERT INTO micro_grids (fid, geom, {', '.join(_GRID_COLUMNS)}) "
                      f"VALUES (?, ?, {', '.join('?' * len(_GRID_COLUMNS))})",
                      [(g.fid, b, *_grid_row(g)) for b, g in zip(blobs, grids, strict=True)])
        c.execute("CREATE INDEX idx_micro_grids_code ON micro_grids(code)")
        c.execute("CREATE INDEX idx_micro_grids_unit_code ON micro_grids(unit_code)")

        # base layers: every known one (empty if absent) so GIS users see the same layer list
        vectors = {ly.id: ly.data for ly in ds.layers.of_kind(VECTOR)}
        names = list(_BASE_COLUMNS) + [n for n in vectors if n not in _BASE_COLUMNS]
        for name in names:
            layer = vectors.get(name)
            gtype, known = _BASE_COLUMNS.get(name, ("GEOMETRY", ()))
            cols = ", ".join(f'"{k}" {t}' for k, t in known)
            label = ROLES[name].zh if name in ROLES else name
            geoms = list(layer.geometries) if layer is not None else []
            blobs = feature_table(_base_table(name), gtype,
                                  (cols + ", " if cols else "") + "attrs TEXT",
                                  f"底图 base layer: {label}", geoms)
            if not geoms:
                continue
            keys = [k for k, _ in known]
            attrs = list(layer.attributes) if layer is not None else []
            attrs += [{}] * (len(geoms) - len(attrs))
            rows = []
            for b, a in zip(blobs, attrs, strict=True):
                extra = {k: v for k, v in a.items() if k not in keys}
                rows.append((b, *(a.get(k) for k in keys), _json(extra) if extra else None))
            qcols = "".join(f', "{k}"' for k in keys)
            c.executemany(f'INSERT INTO "{_base_table(name)}" (geom{qcols}, attrs) VALUES '
                          f"({', '.join('?' * (len(keys) + 2))})", rows)

        # mapedit's own tables, registered as GeoPackage attribute tables
        for table, (columns, description) in _ATTRIBUTE_TABLES.items():
            c.execute(f'CREATE TABLE "{table}" (id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, '
                      f"{columns})")
            c.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, "
                      "description, last_change) VALUES (?, 'attributes', ?, ?, ?)",
                      (table, table, description, stamp))
        c.execute("CREATE INDEX idx_edit_log_fid ON mapedit_edit_log(fid)")
        c.executemany("INSERT INTO mapedit_meta (key, value) VALUES (?, ?)", [
            ("format", FORMAT), ("format_version", str(FORMAT_VERSION)), ("crs", ds.crs),
            ("srs_id", str(srs_id)), ("created", now_iso()), ("app_version", app_version)])
        _write_settings(c, ds.settings)
        c.execute("INSERT INTO mapedit_catalogue (key, value) VALUES ('catalogue', ?)",
                  (ds.catalogue.to_json(),))
