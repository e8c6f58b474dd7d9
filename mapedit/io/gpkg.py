"""The project file: one OGC GeoPackage (1.3) written with the standard library's ``sqlite3``;
:class:`GpkgStore` implements :class:`mapedit.io.store.ProjectStore` on it.

Why sqlite3 and not GDAL/pyogrio: every edit must be its own SQLite transaction (kill the
process at any moment and the file is still good, losing at most the edit in flight), and the
project carries extra tables (settings, catalogue, edit log, accepted findings, layers) that a
GIS writer cannot put into the same transaction. We follow the GeoPackage encoding closely
enough that GDAL and QGIS open the file as is, indexed (see :mod:`mapedit.io.gpkg_schema`);
geometry blobs are in :mod:`mapedit.io.gpkg_geom`, vector layer tables in
:mod:`mapedit.io.gpkg_layers`.

The database uses a rollback journal (``journal_mode=DELETE``, so a project stays one file when
closed) and ``synchronous=FULL``; each write is ``BEGIN IMMEDIATE`` … ``COMMIT``, and first
checks that nobody else changed the file since we last looked (``PRAGMA data_version`` for the
cheap "did anyone commit", the trigger-kept ``mapedit_changes`` log for "did anything we hold
change"); if so it is refused with :class:`ProjectChangedError`.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import CRS

from mapedit.errors import InputError, MapeditError, NotAProjectError, ProjectChangedError
from mapedit.io.gpkg_geom import (  # noqa: F401 (re-exported: the public face of blobs)
    blob_envelope,
    blob_envelopes,
    decode_geometries,
    decode_geometry,
    encode_geometries,
    encode_geometry,
    register_sql_functions,
)
from mapedit.io.gpkg_layers import (
    default_layer_rows,
    drop_vector_table,
    layer_table,
    read_layer_rows,
    restore_stack,
    table_exists,
    table_is_empty,
    write_layer_rows,
    write_vector_table,
)
from mapedit.io.gpkg_schema import (  # noqa: F401 (re-exported constants)
    ATTRIBUTE_TABLES,
    BASE_PREFIX,
    CUSTOM_SRS_ID,
    FORMAT,
    FORMAT_VERSION,
    GPKG_APPLICATION_ID,
    GPKG_USER_VERSION,
    GRID_COLUMNS,
    HIERARCHY_TABLES,
    LOAD_BATCH,
    OLD_GPKG_IDS,
    REQUIRED_TABLES,
    SQLITE_MAGIC,
    SRS_MANDATORY,
    TRACKED_KEYS,
    GridDecoder,
    create_attribute_table,
    create_core,
    create_rtree,
    create_tracking,
    current_revision,
    from_json,
    grid_attrs,
    grid_row,
    has_rtree_module,
    log_table_change,
    migrate,
    quote,
    register_features,
    schema_gaps,
    timestamp,
    to_json,
    untracked_tables,
)
from mapedit.io.store import RemoteChanges, StoreBusyError, StoreError
from mapedit.model.catalogue import Catalogue
from mapedit.model.changes import ChangeSet, GridChange
from mapedit.model.dataset import Dataset
from mapedit.model.hierarchy import MicroGrid, ResponsibilityGrid, Street, Unit, now_iso
from mapedit.model.layers import RASTER, TILES, VECTOR, BaseLayer, Layer, LayerStack
from mapedit.model.settings import Settings

# -- errors --------------------------------------------------------------------------------

def _not_project(path: Path, zh: str, en: str) -> NotAProjectError:
    return NotAProjectError(f"{path} {zh}", f"{path} {en}")


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
        if "no such module: rtree" in text:
            raise StoreError(f"{what_zh}失败:本机的 SQLite 不支持空间索引(R*Tree)",
                             f"{what_en} failed: this SQLite lacks the R*Tree module") from exc
        raise StoreError(f"{what_zh}失败:{text}", f"{what_en} failed: {text}") from exc
    except sqlite3.DatabaseError as exc:
        raise _not_project(path, f"已损坏,无法读取({exc})",
                           f"is damaged and cannot be read ({exc})") from exc


def _repaired_note(layer_id: str, n: int) -> str:
    return (f"底图 {layer_id} 中 {n} 个要素的图形有空环、空部分或无法读取,已在读取时处理"
            f"(文件未改动) / base layer {layer_id}: {n} features had empty rings or "
            "parts or could not be read; cleaned on load (the file is unchanged)")


def _connect(path: Path) -> sqlite3.Connection:
    """Autocommit connection (we issue BEGIN/COMMIT ourselves), rollback journal, full sync,
    and the SQL functions the R-tree triggers call.

    The path is passed as a plain string (not a URI) so Chinese characters, spaces, ``#`` and
    ``?`` in Windows paths need no escaping.
    """
    conn = sqlite3.connect(os.fspath(path), isolation_level=None, timeout=10.0,
                           check_same_thread=False)
    register_sql_functions(conn)
    conn.execute("PRAGMA journal_mode=DELETE")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=OFF")
    return conn


@contextlib.contextmanager
def _transaction(conn: sqlite3.Connection, mode: str = "IMMEDIATE"
                 ) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` … ``COMMIT`` (a write lock from the start, so two writers never
    deadlock half-way); any exception, a failed COMMIT included, rolls back and propagates.
    ``DEFERRED`` gives a read snapshot."""
    conn.execute(f"BEGIN {mode}")
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")
        raise


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


def _pragma_int(c: sqlite3.Connection, name: str) -> int:
    return int(c.execute(f"PRAGMA {name}").fetchone()[0])


_TABLE_LABELS = {
    "micro_grids": ("微网格", "micro-grids"),
    "units": ("管理单元(含锁定)", "units (locks included)"),
    "street": ("街道", "street"),
    "responsibility_grids": ("责任网格", "responsibility grids"),
    "mapedit_accepted": ("已接受的例外", "accepted exceptions"),
    "mapedit_settings": ("设置", "settings"),
    "mapedit_catalogue": ("类别表", "category catalogue"),
    "mapedit_layers": ("图层", "layers"),
}


def _describe_tables(tables: Sequence[str]) -> tuple[str, str]:
    zh: list[str] = []
    en: list[str] = []
    for t in tables:
        z, e = _TABLE_LABELS.get(t, ("底图", "base layers") if t.startswith(BASE_PREFIX)
                                 else (t, t))
        if z not in zh:
            zh.append(z)
            en.append(e)
    return "、".join(zh) or "文件结构", ", ".join(en) or "file structure"


# -- the store -----------------------------------------------------------------------------

BUSY_WAIT_S = 0.5
"""How long a call waits for the connection while a long write (a layer of 180,000 buildings,
an embedded image) holds it in another thread, before it is refused with
:class:`StoreBusyError`: the GUI thread must never hang for the seconds the write takes."""


class GpkgStore:
    """One open project file; one store per file per process (a second window or process is
    "another program" and is detected as such).

    The one sqlite3 connection may be used from several threads: every use holds the store's
    lock, so statements and transactions never interleave. A long write (:meth:`add_layer`
    run in a worker) marks the store busy; a call from another thread then waits at most
    :data:`BUSY_WAIT_S` and is refused with :class:`StoreBusyError` naming what is being
    written (nothing is written, nothing half-done), and :meth:`changed_elsewhere` answers
    False without waiting."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = conn
        self._lock = threading.RLock()
        self._busy: tuple[str, str] | None = None
        """What a long write holding the lock is writing (zh, en), for the refusal."""
        self.busy_wait = BUSY_WAIT_S
        register_sql_functions(conn)  # a caller-made connection (tests) needs them too
        row = conn.execute("SELECT srs_id FROM gpkg_geometry_columns "
                           "WHERE table_name='micro_grids'").fetchone()
        self.srs_id: int = int(row[0]) if row else 0
        self._rtree: bool | None = None
        self.messages: list[str] = []
        """Bilingual notes from opening and loading (a migration done, geometries repaired
        on load), for the caller to show."""
        self._seen = 0
        self._dv = 0
        self._schema = 0
        self._sync(conn)

    # -- change detection ------------------------------------------------------------------
    def _sync(self, c: sqlite3.Connection) -> None:
        """Mark what the file holds now as seen (call inside the transaction that read it)."""
        self._seen = self._revision_of(c)
        self._dv = _pragma_int(c, "data_version")
        self._schema = _pragma_int(c, "schema_version")

    @staticmethod
    def _revision_of(c: sqlite3.Connection) -> int:
        try:
            return current_revision(c)
        except sqlite3.OperationalError:  # a file from before change tracking (read-only)
            return 0

    @property
    def seen_revision(self) -> int:
        return self._seen

    def revision(self) -> int:
        with self._read("读取项目", "reading the project"):
            return self._revision_of(self.conn)

    def _others_changed(self, c: sqlite3.Connection) -> list[str] | None:
        """Tables others changed since we last looked (``[]`` when only the file structure
        changed in a way the log cannot describe), or None when nothing we hold changed."""
        dv = _pragma_int(c, "data_version")
        if dv == self._dv:
            return None  # nobody else committed anything since we last looked
        rev = self._revision_of(c)
        schema = _pragma_int(c, "schema_version")
        if rev != self._seen:
            rows = c.execute("SELECT DISTINCT tbl FROM mapedit_changes WHERE id > ?",
                             (self._seen,)).fetchall() if rev > self._seen else []
            return [r[0] for r in rows]
        if schema != self._schema and self._bypassed(c):
            return []
        # somebody committed, but nothing we track changed (GDAL updating gpkg_contents, a
        # VACUUM, another window's no-op): nothing to lose
        self._dv, self._schema = dv, schema
        return None

    @staticmethod
    def _bypassed(c: sqlite3.Connection) -> bool:
        """A tracked table lost its triggers: someone dropped or recreated it, and whatever
        they wrote into it was not logged."""
        try:
            return bool(untracked_tables(c))
        except sqlite3.OperationalError:
            return True

    def changed_elsewhere(self) -> bool:
        """Whether another program changed the file since we last looked. Never waits: while
        another thread of ours writes (a long layer write) the answer is False — our own
        writes are never "elsewhere" — and the caller asks again later."""
        try:
            with self._read("读取项目", "reading the project", wait=False), \
                    _transaction(self.conn, "DEFERRED") as c:
                return self._others_changed(c) is not None
        except StoreBusyError:
            return False

    def _refused(self, c: sqlite3.Connection, what_zh: str, what_en: str) -> None:
        changed = self._others_changed(c)
        if changed is None:
            return
        zh, en = _describe_tables(changed)
        raise ProjectChangedError(
            f"项目文件 {self.path} 已被其他程序(另一个窗口、QGIS 或 GDAL 等)修改了{zh}。"
            f"为免覆盖别人的修改,{what_zh}没有保存;请重新加载项目后再操作",
            f"{self.path} was changed by another program (another window, QGIS, GDAL…): {en}. "
            f"So as not to overwrite that change, {what_en} was not saved; reload the project "
            "and try again")

    @contextlib.contextmanager
    def _writing(self, what_zh: str, what_en: str) -> Iterator[sqlite3.Connection]:
        """One write transaction, refused if others changed the file since we last looked;
        afterwards our own changes count as seen."""
        with self._read(f"保存{what_zh}", f"saving {what_en}"):
            with _transaction(self.conn) as c:
                self._refused(c, what_zh, what_en)
                yield c
                seen, schema = self._revision_of(c), _pragma_int(c, "schema_version")
            self._seen, self._schema = seen, schema

    # -- create ----------------------------------------------------------------------------
    @classmethod
    def create(cls, path: str | os.PathLike, dataset: Dataset,
               overwrite: bool = False) -> GpkgStore:
        """Write ``dataset`` as a new project and open it.

        The file is built under a temporary name in the target folder and renamed into place
        only when complete, so a crash or a full disk never leaves a half-written project (nor
        destroys the file being overwritten). Grid fids are kept when set, else taken from the
        grid's key in ``dataset.grids``, else assigned after the highest; the grid objects in
        ``dataset`` get their fids set.
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
    def open(cls, path: str | os.PathLike, migrate: bool = True) -> GpkgStore:
        """Open a project, refusing with a clear bilingual message anything that is not one.

        A file written by an earlier version is upgraded in place (one transaction): layers,
        change tracking, R-tree indexes, grid columns the model has gained. ``migrate=False``
        (``mapedit info``) leaves the file untouched; so does a read-only file, which still
        loads."""
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
        if not head.startswith(SQLITE_MAGIC):
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
            store = cls(p, conn)
            if migrate:
                store._migrate()
            return store
        except BaseException:
            conn.close()
            raise

    @staticmethod
    def _check(p: Path, conn: sqlite3.Connection) -> None:
        try:
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            if app_id != GPKG_APPLICATION_ID and app_id not in OLD_GPKG_IDS:
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
        missing = [t for t in REQUIRED_TABLES if t not in tables]
        if missing:
            raise _not_project(p, f"已损坏(缺少表 {', '.join(missing)})",
                               f"is damaged (tables missing: {', '.join(missing)})")

    def _migrate(self) -> None:
        """Upgrade an older file in place (see :func:`mapedit.io.gpkg_schema.migrate`)."""
        c = self.conn
        with self._read("检查项目", "checking the project"):
            gaps = schema_gaps(c, self.rtree_available)
        if not gaps:
            return
        if not os.access(self.path, os.W_OK):
            self.messages.append(f"项目文件是只读的,未升级到当前格式({len(gaps)} 项) / the "
                                 f"project file is read-only and was not upgraded")
            return
        try:
            with self._read("升级项目文件", "upgrading the project file"), \
                    _transaction(c) as tx:
                done = migrate(tx, default_layer_rows, self.rtree_available)
                self._sync(tx)
        except StoreError as exc:
            if "只读" in exc.zh:
                self.messages.append(f"{exc.zh}(未升级) / {exc.en} (not upgraded)")
                return
            raise
        if done:
            self.messages.append(f"项目文件已升级到格式 {FORMAT_VERSION} / project file "
                                 f"upgraded to format {FORMAT_VERSION}")

    @property
    def rtree_available(self) -> bool:
        if self._rtree is None:
            with self._lock:
                self._rtree = has_rtree_module(self.conn)
        return self._rtree

    # -- plumbing --------------------------------------------------------------------------
    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreError("项目已关闭", "the project is closed")
        return self._conn

    def close(self) -> None:
        """Close the file (after a long write in another thread has finished)."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __enter__(self) -> GpkgStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def _read(self, what_zh: str, what_en: str, wait: bool = True) -> Iterator[None]:
        """Hold the connection (see the class doc) and turn sqlite3 errors into bilingual
        messages. ``wait=False``: refuse at once if another thread holds it."""
        with self._locked(what_zh, what_en, wait), _sqlite_errors(self.path, what_zh, what_en):
            yield

    @contextlib.contextmanager
    def _locked(self, what_zh: str, what_en: str, wait: bool = True) -> Iterator[None]:
        lock = self._lock
        if not lock.acquire(blocking=False):
            if not wait:
                raise self._busy_error(what_zh, what_en)
            while True:
                if self._busy is not None:  # a long write: wait a little, then refuse
                    if lock.acquire(timeout=self.busy_wait):
                        break
                    raise self._busy_error(what_zh, what_en)
                if lock.acquire(timeout=0.05):  # a short call of another thread
                    break
        try:
            yield
        finally:
            lock.release()

    def _busy_error(self, what_zh: str, what_en: str) -> StoreBusyError:
        zh, en = self._busy or ("其他内容", "something else")
        return StoreBusyError(
            f"项目正在后台保存{zh},暂时不能{what_zh}(没有任何改动);请等保存完成后再试",
            f"the project is saving {en} in the background; {what_en} is not possible for "
            "the moment (nothing changed). Try again when the saving has finished")

    @contextlib.contextmanager
    def long_write(self, what_zh: str, what_en: str) -> Iterator[None]:
        """Hold the connection for a long write (waiting for short calls of other threads to
        finish): meanwhile other threads are refused quickly instead of hanging."""
        with self._lock:
            outer = self._busy
            self._busy = (what_zh, what_en)
            try:
                yield
            finally:
                self._busy = outer

    @property
    def busy(self) -> bool:
        """True while a long write runs (in any thread)."""
        return self._busy is not None

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
            return {t: int(self.conn.execute(f"SELECT COUNT(*) FROM {quote(t)}").fetchone()[0])
                    for t in tables if table_exists(self.conn, t)}

    def facts(self) -> dict[str, Any]:
        """The street's name and code and the number of units per type: two indexed queries,
        no geometry decoded (``mapedit info`` on a city)."""
        out: dict[str, Any] = {"street": "", "units_by_type": {}}
        with self._read("读取项目信息", "reading project info"):
            c = self.conn
            if table_exists(c, "street"):
                row = c.execute("SELECT name, code FROM street ORDER BY fid LIMIT 1").fetchone()
                if row:
                    out["street"] = " ".join(str(v) for v in row if v)
            out["units_by_type"] = {str(t or "?"): int(n) for t, n in c.execute(
                "SELECT unit_type, COUNT(*) FROM units GROUP BY unit_type ORDER BY unit_type")}
        return out

    # -- load ------------------------------------------------------------------------------
    def load(self, base_layers: bool = True) -> Dataset:
        """Everything in the project as a :class:`Dataset` (layers restored); what is loaded
        is marked seen, so writes are refused only for changes made after it.
        ``base_layers=False`` leaves the reference layers' features out (buildings: most of
        the file), for an export that writes units and grids only."""
        self.messages = [m for m in self.messages if "升级" in m]
        with self._read("读取项目", "reading the project"), \
                _transaction(self.conn, "DEFERRED") as c:
            ds = self._load(c, base_layers)
            self._sync(c)  # the same snapshot as the data just read
        return ds

    def read_base_layers(self, ids: Sequence[str]) -> tuple[dict[str, BaseLayer], list[str]]:
        """The features of the vector layers ``ids`` (those :meth:`load` with
        ``base_layers=False`` left out) and the notes about geometries repaired on the way.

        Safe to call from any thread while the store is used elsewhere: it reads through a
        connection of its own, opened and closed here, in one read transaction. The window
        paints a project first and reads its base layers with this in the background (most of
        a city's file is buildings). A layer whose table another program changed meanwhile is
        read as it is now; the usual change check (:meth:`changes_since`) then reports that
        table again, which sets the same features once more."""
        wanted = set(ids)
        out: dict[str, BaseLayer] = {}
        notes: list[str] = []
        if not wanted:
            return out, notes
        with self._read("读取底图", "reading the base layers"):
            conn = _connect(self.path)
            try:
                with _transaction(conn, "DEFERRED") as c:
                    repaired: dict[str, list[int]] = {}
                    for layer in restore_stack(c, repaired, only=wanted):
                        if layer.id in wanted and layer.data is not None:
                            out[layer.id] = layer.data
            finally:
                conn.close()
        for lid, idx in repaired.items():
            notes.append(_repaired_note(lid, len(idx)))
        return out, notes

    def _load(self, c: sqlite3.Connection, base_layers: bool = True) -> Dataset:
        meta = dict(c.execute("SELECT key, value FROM mapedit_meta").fetchall())
        street, rgs = self._load_hierarchy(c)
        units = self._load_units(c)
        grids = self._load_grids(c)
        repaired: dict[str, list[int]] = {}
        layers = LayerStack()
        for layer in restore_stack(c, repaired, only=None if base_layers else set()):
            layers.insert(layer, len(layers))  # in stored order (insert() alone sorts kinds)
        layers.ensure_project_layers()
        for lid, idx in repaired.items():
            self.messages.append(_repaired_note(lid, len(idx)))
        return Dataset(crs=meta.get("crs") or f"EPSG:{self.srs_id}", street=street,
                       responsibility_grids=rgs, units=units, grids=grids, layers=layers,
                       catalogue=self._load_catalogue(c), settings=self._load_settings(c))

    @staticmethod
    def _load_settings(c: sqlite3.Connection) -> Settings:
        values = {}
        for k, v in c.execute("SELECT key, value FROM mapedit_settings"):
            try:
                values[k] = from_json(v)
            except ValueError:
                continue
        return Settings.from_dict(values)

    @staticmethod
    def _load_catalogue(c: sqlite3.Connection) -> Catalogue:
        row = c.execute("SELECT value FROM mapedit_catalogue WHERE key='catalogue'").fetchone()
        if row:
            try:
                return Catalogue.from_dict(json.loads(row[0]))
            except (ValueError, KeyError, TypeError):
                pass
        return Catalogue.default()

    def _decode(self, blobs: list, what: Callable[[int], str]) -> np.ndarray:
        """Geometries of one table; a note for each row repaired (``what(i)`` names it)."""
        repaired: list[int] = []
        geoms = decode_geometries(blobs, repaired=repaired)
        for i in repaired:
            self.messages.append(
                f"{what(i)} 的图形有空环、空部分或无法读取,已在读取时处理(文件未改动)/ "
                f"{what(i)}: empty rings or parts, or unreadable; cleaned on load "
                "(the file is unchanged)")
        return geoms

    def _load_hierarchy(self, c: sqlite3.Connection
                        ) -> tuple[Street | None, dict[str, ResponsibilityGrid]]:
        street = None
        if table_exists(c, "street"):
            rows = c.execute("SELECT code, name, geom FROM street ORDER BY fid LIMIT 1").fetchall()
            if rows:
                geom = self._decode([rows[0][2]], lambda i: f"街道 {rows[0][1]}")[0]
                street = Street(rows[0][0] or "", rows[0][1] or "", geom)
        rgs: dict[str, ResponsibilityGrid] = {}
        if table_exists(c, "responsibility_grids"):
            rows = c.execute("SELECT code, name, street_code, geom FROM responsibility_grids "
                             "ORDER BY fid").fetchall()
            geoms = self._decode([r[3] for r in rows], lambda i: f"责任网格 {rows[i][0]}")
            for r, geom in zip(rows, geoms, strict=True):
                rgs[r[0]] = ResponsibilityGrid(r[0], r[1] or "", geom, r[2] or "")
        return street, rgs

    def _load_units(self, c: sqlite3.Connection) -> dict[str, Unit]:
        units: dict[str, Unit] = {}
        rows = c.execute("SELECT code, name, unit_type, responsibility_grid, street, committee, "
                         "locked, geom FROM units ORDER BY fid").fetchall()
        geoms = self._decode([r[7] for r in rows], lambda i: f"管理单元 {rows[i][0]}")
        for r, geom in zip(rows, geoms, strict=True):
            units[r[0]] = Unit(r[0], r[1] or "", r[2] or "", geom, r[3] or "", r[4] or "",
                               r[5] or "", bool(r[6]))
        return units

    def _grid_decoder(self, c: sqlite3.Connection) -> GridDecoder:
        return GridDecoder(r[1] for r in c.execute("PRAGMA table_info(micro_grids)"))

    def _load_grids(self, c: sqlite3.Connection, fids: Sequence[int] | None = None
                    ) -> dict[int, MicroGrid]:
        dec = self._grid_decoder(c)
        if fids is None:
            # a batch of rows at a time: all the blobs of a city at once beside the decoded
            # grids cost ~100 MB of peak memory for nothing
            out: dict[int, MicroGrid] = {}
            cur = c.execute(dec.select() + " ORDER BY fid")
            while rows := cur.fetchmany(LOAD_BATCH):
                geoms = self._decode([r[1] for r in rows], lambda i, rows=rows: (
                    f"微网格 {rows[i][2] or ''}(fid {rows[i][0]})" if len(rows[i]) > 2
                    else f"fid {rows[i][0]}"))
                out.update((r[0], dec.grid(r, g)) for r, g in zip(rows, geoms, strict=True))
            return out
        else:
            rows = []
            fl = sorted(set(fids))
            for i in range(0, len(fl), 500):
                part = fl[i:i + 500]
                rows += c.execute(dec.select() + f" WHERE fid IN ({', '.join('?' * len(part))})",
                                  part).fetchall()
        geoms = self._decode([r[1] for r in rows], lambda i: f"微网格 {rows[i][2] or ''}"
                             f"(fid {rows[i][0]})" if len(rows[i]) > 2 else f"fid {rows[i][0]}")
        return {r[0]: dec.grid(r, g) for r, g in zip(rows, geoms, strict=True)}

    # -- what others changed ---------------------------------------------------------------
    def changes_since(self, revision: int) -> RemoteChanges:
        """What changed after ``revision`` (normally :attr:`seen_revision`): partial when the
        change log tells, in full otherwise (a table recreated by another program, a file
        replaced by an older copy, a revision from before the log)."""
        with self._read("读取其他程序的修改", "reading changes made elsewhere"), \
                _transaction(self.conn, "DEFERRED") as c:
            rev = self._revision_of(c)
            token = (rev, _pragma_int(c, "data_version"), _pragma_int(c, "schema_version"))
            tracked = table_exists(c, "mapedit_changes")  # not in an unmigrated read-only file
            rows = c.execute("SELECT tbl, rid FROM mapedit_changes WHERE id > ?",
                             (revision,)).fetchall() if tracked and 0 <= revision <= rev \
                else None
            first = c.execute("SELECT MIN(id) FROM mapedit_changes").fetchone()[0] \
                if tracked else None
            full = (rows is None or (token[2] != self._schema and self._bypassed(c))
                    or (first is not None and revision < first - 1 and revision != 0)
                    or any(t in TRACKED_KEYS and t != "mapedit_layers" and rid is None
                           for t, rid in rows or ()))
            if full:
                ds = self._load(c)
                accepted = {k: r or "" for k, r in c.execute(
                    "SELECT key, reason FROM mapedit_accepted ORDER BY id")}
                return RemoteChanges(
                    revision=rev, full=True, grids=dict(ds.grids), units=ds.units,
                    hierarchy=(ds.street, ds.responsibility_grids),
                    accepted=accepted, settings=ds.settings, catalogue=ds.catalogue,
                    layers=list(ds.layers), tables=("*",), token=token)
            return self._partial(c, rows or [], rev, token)

    def _partial(self, c: sqlite3.Connection, rows: list[tuple], rev: int,
                 token: tuple) -> RemoteChanges:
        by_table: dict[str, set] = {}
        for t, rid in rows:
            by_table.setdefault(t, set()).add(rid)
        out = RemoteChanges(revision=rev, tables=tuple(sorted(by_table)), token=token)
        if "micro_grids" in by_table:
            fids = [int(f) for f in by_table["micro_grids"] if f is not None]
            now = self._load_grids(c, fids)
            out.grids = {f: now.get(f) for f in sorted(fids)}
        if "units" in by_table:
            out.units = self._load_units(c)
        if "street" in by_table or "responsibility_grids" in by_table:
            out.hierarchy = self._load_hierarchy(c)
        if "mapedit_accepted" in by_table:
            keys = [k for k in by_table["mapedit_accepted"] if k is not None]
            now_acc = dict(c.execute("SELECT key, reason FROM mapedit_accepted").fetchall())
            out.accepted = {k: (now_acc[k] or "") if k in now_acc else None for k in keys}
        if "mapedit_settings" in by_table:
            out.settings = self._load_settings(c)
        if "mapedit_catalogue" in by_table:
            out.catalogue = self._load_catalogue(c)
        base = {t[len(BASE_PREFIX):] for t in by_table if t.startswith(BASE_PREFIX)}
        if base or "mapedit_layers" in by_table:
            out.layers = restore_stack(c, only=base)
        return out

    def acknowledge(self, changes: RemoteChanges) -> None:
        """The caller applied ``changes``; a full answer also re-installs the change tracking
        of tables another program recreated."""
        if not isinstance(changes.token, tuple):
            return  # not read from this store: nothing to mark seen
        rev, dv, schema = changes.token
        self._seen, self._dv, self._schema = rev, dv, schema
        if changes.full:
            self._migrate()

    # -- edits -----------------------------------------------------------------------------
    def write_changes(self, changeset: ChangeSet, who: str = "") -> list[int]:
        """Apply a change set in ONE transaction, with one edit-log row per grid change, and
        return the fids of its inserts in change order.

        An insert whose ``after.fid`` is None gets a new fid (never reused: the table is
        AUTOINCREMENT); one with a fid keeps it, which is how redoing an undone insert brings
        back the same row. The change set is not modified (``Project.apply`` fills the fids
        in). If anything fails nothing is written."""
        fids: list[int] = []
        with self._writing("编辑", "the edit") as c:
            edit = self._next_edit(c)
            at = now_iso()
            touched: list[Any] = []
            for ch in changeset.changes:
                fid = self._write_change(c, ch, edit, at, who, changeset)
                if ch.before is None and ch.after is not None:
                    fids.append(fid)
                if ch.after is not None and ch.after.geometry is not None:
                    touched.append(ch.after.geometry)
            self._touch_contents(c, "micro_grids", touched)
        return fids

    @staticmethod
    def _next_edit(c: sqlite3.Connection) -> int:
        # the log is append-only, so its last row holds the highest edit number
        # (a rowid lookup; MAX(edit) would scan the whole log on every edit)
        last = c.execute("SELECT edit FROM mapedit_edit_log ORDER BY id DESC LIMIT 1").fetchone()
        return (int(last[0]) if last else 0) + 1

    @staticmethod
    def _touch_contents(c: sqlite3.Connection, table: str, geoms: list[Any]) -> None:
        """``last_change`` now, and the extent grown to what was written (QGIS zooms to it)."""
        c.execute("UPDATE gpkg_contents SET last_change=? WHERE table_name=?",
                  (timestamp(), table))
        present = [g for g in geoms if not g.is_empty]
        if present:
            b = shapely.total_bounds(np.asarray(present, dtype=object))
            if np.isfinite(b).all():
                c.execute("UPDATE gpkg_contents SET min_x=MIN(COALESCE(min_x, ?1), ?1), "
                          "min_y=MIN(COALESCE(min_y, ?2), ?2), max_x=MAX(COALESCE(max_x, ?3), ?3), "
                          "max_y=MAX(COALESCE(max_y, ?4), ?4) WHERE table_name=?5",
                          (*(float(v) for v in b), table))

    def _write_change(self, c: sqlite3.Connection, ch: GridChange, edit: int, at: str, who: str,
                      cs: ChangeSet) -> int | None:
        before, after = ch.before, ch.after
        cols = ", ".join(quote(k) for k in GRID_COLUMNS)
        placeholders = ", ".join("?" * len(GRID_COLUMNS))
        if before is None and after is None:
            return None
        if before is None:
            assert after is not None
            blob = encode_geometry(after.geometry, self.srs_id)
            if after.fid is None:
                cur = c.execute(f"INSERT INTO micro_grids (geom, {cols}) VALUES (?, {placeholders})",
                                (blob, *grid_row(after)))
                fid = int(cur.lastrowid)  # type: ignore[arg-type]
            else:
                try:
                    c.execute(f"INSERT INTO micro_grids (fid, geom, {cols}) "
                              f"VALUES (?, ?, {placeholders})", (after.fid, blob, *grid_row(after)))
                except sqlite3.IntegrityError as exc:
                    raise StoreError(f"微网格 fid {after.fid} 已存在",
                                     f"micro-grid fid {after.fid} already exists") from exc
                fid = after.fid
            before_blob, after_blob = None, blob
        elif after is None:
            cur = c.execute("DELETE FROM micro_grids WHERE fid=?", (before.fid,))
            if cur.rowcount != 1:
                raise StoreError(f"项目文件中没有微网格 fid {before.fid}",
                                 f"micro-grid fid {before.fid} is not in the project file")
            fid = before.fid
            before_blob, after_blob = encode_geometry(before.geometry, self.srs_id), None
        else:
            if before.fid != after.fid or after.fid is None:
                raise StoreError("修改前后的微网格编号(fid)不一致",
                                 "an update changes the micro-grid's fid")
            blob = encode_geometry(after.geometry, self.srs_id)
            sets = ", ".join(f"{quote(k)}=?" for k in GRID_COLUMNS)
            cur = c.execute(f"UPDATE micro_grids SET geom=?, {sets} WHERE fid=?",
                            (blob, *grid_row(after), after.fid))
            if cur.rowcount != 1:
                raise StoreError(f"项目文件中没有微网格 fid {after.fid}",
                                 f"micro-grid fid {after.fid} is not in the project file")
            fid = after.fid
            before_blob = (blob if before.geometry is after.geometry
                           else encode_geometry(before.geometry, self.srs_id))
            after_blob = blob
        g = after if after is not None else before
        assert g is not None
        after_attrs = grid_attrs(after) if after is not None else None
        if after_attrs is not None:
            after_attrs["fid"] = fid
        self._log(c, edit, at, who, cs.zh, cs.en, ch.action, fid, g.code,
                  grid_attrs(before) if before else None, after_attrs, before_blob, after_blob)
        return fid

    @staticmethod
    def _log(c: sqlite3.Connection, edit: int, at: str, who: str, zh: str, en: str, action: str,
             fid: int | None, code: str | None, before: Any, after: Any,
             before_geom: bytes | None = None, after_geom: bytes | None = None) -> None:
        c.execute(
            "INSERT INTO mapedit_edit_log (edit, at, who, description, description_en, action, "
            "fid, code, before_attrs, after_attrs, before_geom, after_geom) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (edit, at, who, zh, en, action, fid, code, to_json(before), to_json(after),
             before_geom, after_geom))

    def set_unit_locked(self, code: str, locked: bool, who: str = "") -> None:
        """Lock or unlock a unit (a locked unit's grids cannot be edited); logged."""
        with self._writing("单元锁定状态", "the unit lock") as c:
            row = c.execute("SELECT locked, name FROM units WHERE code=?", (code,)).fetchone()
            if row is None:
                raise InputError(f"没有编码为 {code} 的管理单元", f"no management unit {code}")
            if bool(row[0]) == bool(locked):
                return
            c.execute("UPDATE units SET locked=? WHERE code=?", (1 if locked else 0, code))
            label = f"{row[1] or ''}({code})"
            self._log(c, self._next_edit(c), now_iso(), who,
                      f"{'锁定' if locked else '解锁'}管理单元 {label}",
                      f"{'lock' if locked else 'unlock'} unit {label}",
                      "lock" if locked else "unlock", None, code,
                      {"locked": bool(row[0])}, {"locked": bool(locked)})

    def accepted_findings(self) -> dict[str, str]:
        """Accepted exceptions: finding key → reason."""
        with self._read("读取已接受的问题", "reading accepted findings"):
            return {k: r or "" for k, r in self.conn.execute(
                "SELECT key, reason FROM mapedit_accepted ORDER BY id")}

    def set_accepted(self, key: str, rule: str, reason: str | None, who: str = "") -> None:
        """Accept a finding with a reason, or (reason None) withdraw the acceptance; logged."""
        with self._writing("已接受的问题", "the accepted finding") as c:
            row = c.execute("SELECT rule, reason, who, at FROM mapedit_accepted WHERE key=?",
                            (key,)).fetchone()
            before = dict(zip(("rule", "reason", "who", "at"), row, strict=True)) if row else None
            at = now_iso()
            if reason is None:
                if row is None:
                    return
                c.execute("DELETE FROM mapedit_accepted WHERE key=?", (key,))
                after = None
                zh, en, action = f"撤销例外 {rule}", f"withdraw exception {rule}", "unaccept"
            else:
                if row is not None and row[0] == rule and row[1] == reason:
                    return
                c.execute("INSERT INTO mapedit_accepted (key, rule, reason, who, at) "
                          "VALUES (?, ?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET "
                          "rule=excluded.rule, reason=excluded.reason, who=excluded.who, "
                          "at=excluded.at", (key, rule, reason, who, at))
                after = {"rule": rule, "reason": reason, "who": who, "at": at}
                zh, en, action = (f"接受例外 {rule}:{reason}", f"accept exception {rule}: {reason}",
                                  "accept")
            self._log(c, self._next_edit(c), at, who, zh, en, action, None, key, before, after)

    def save_settings(self, settings: Settings, who: str = "") -> None:
        """Store the project's tolerances and bands; the keys that changed are logged."""
        with self._writing("设置", "the settings") as c:
            old = self._load_settings(c).to_dict()
            new = settings.to_dict()
            changed = [k for k in new if old.get(k) != new[k]]
            if not changed:
                return
            _write_settings(c, settings)
            self._log(c, self._next_edit(c), now_iso(), who, "修改设置:" + "、".join(changed),
                      "change settings: " + ", ".join(changed), "settings", None, None,
                      {k: old.get(k) for k in changed}, {k: new[k] for k in changed})

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
            d["before_attrs"] = from_json(r[9])
            d["after_attrs"] = from_json(r[10])
            d["before_geom"] = before[i]
            d["after_geom"] = after[i]
            out.append(d)
        return out

    # -- the last check's summary (``mapedit export`` reuses it while it is current) -------
    def check_stamp(self) -> str:
        """What a check result depends on, as stored now: the revision (every tracked table:
        grids, units, base layers, settings, catalogue, accepted findings, by anyone) and the
        schema version (a table another program dropped and recreated, untracked)."""
        with self._read("读取项目", "reading the project"):
            c = self.conn
            return f"{self._revision_of(c)}:{_pragma_int(c, 'schema_version')}"

    def save_check_summary(self, stamp: str, summary: dict[str, Any]) -> None:
        """Remember a check summary for the state ``stamp`` describes, in ``mapedit_meta``
        (not tracked: it changes no revision, and other windows see no change). Best effort:
        a read-only or busy file just keeps none."""
        record = json.dumps({"stamp": stamp, "summary": summary}, ensure_ascii=False)
        with contextlib.suppress(MapeditError, sqlite3.Error, OSError), \
                self._locked("检查结果", "the check summary"), _transaction(self.conn) as c:
            c.execute("INSERT OR REPLACE INTO mapedit_meta (key, value) VALUES (?, ?)",
                      ("check_summary", record))

    def check_summary(self, stamp: str) -> dict[str, Any] | None:
        """The remembered summary if it was saved for ``stamp``, else None."""
        try:
            record = json.loads(self.meta().get("check_summary") or "null")
        except ValueError:
            return None
        if not isinstance(record, dict) or record.get("stamp") != stamp:
            return None
        summary = record.get("summary")
        return summary if isinstance(summary, dict) else None

    # -- layers ----------------------------------------------------------------------------
    def save_layer_settings(self, stack_settings: list[dict[str, Any]]) -> None:
        """Persist the stack's order, visibility, opacity, style, names and options (not
        features: those are written by :meth:`add_vector_layer`)."""
        with self._writing("图层设置", "the layer settings") as c:
            write_layer_rows(c, stack_settings)

    def add_vector_layer(self, layer: Layer, replace: bool = False, who: str = "",
                         progress: Callable[[float], None] | None = None) -> None:
        """Write a vector layer as the feature table ``base_<id>`` (GDAL/QGIS-readable, R-tree
        indexed, change-tracked) plus its ``mapedit_layers`` row, in one transaction.
        ``replace`` rewrites the features of an existing layer. A long write (see
        :meth:`long_write`); ``progress(fraction)`` may raise to abandon it (rolled back)."""
        if layer.kind != VECTOR:
            raise InputError(f"图层 {layer.id} 不是矢量图层", f"layer {layer.id} is not a vector layer")
        table = layer_table(layer.id)
        label = layer.label("zh")
        n = layer.feature_count() or 0
        with self.long_write(f"图层“{label}”", f"the layer '{layer.label('en')}'"), \
                self._writing(f"图层 {label}", f"layer {layer.id}") as c:
            registered = c.execute("SELECT 1 FROM mapedit_layers WHERE layer_id=?",
                                   (layer.id,)).fetchone() is not None
            if table_exists(c, table):
                if not replace and (registered or not table_is_empty(c, table)):
                    raise InputError(f"图层 {layer.id} 已存在", f"layer {layer.id} exists already")
                drop_vector_table(c, table)
            write_vector_table(c, layer, self.srs_id, self.rtree_available, progress=progress)
            log_table_change(c, table)
            order = c.execute("SELECT ord FROM mapedit_layers WHERE layer_id=?",
                              (layer.id,)).fetchone()
            if order is None:
                order = c.execute("SELECT COALESCE(MAX(ord) + 1, 0) FROM mapedit_layers"
                                  ).fetchone()
            _upsert_layer_row(c, layer.settings(), int(order[0]))
            verb_zh, verb_en = ("替换图层要素", "replace layer features") if replace else \
                ("添加图层", "add layer")
            self._log(c, self._next_edit(c), now_iso(), who, f"{verb_zh} {label}({n} 个要素)",
                      f"{verb_en} {layer.label('en')} ({n} features)", "layer_add", None,
                      layer.id, None, dict(layer.settings(), features=n))

    def add_layer(self, layer: Layer, who: str = "", replace: bool = False,
                  progress: Callable[[float], None] | None = None) -> None:
        """Store a new base layer of any kind with its ``mapedit_layers`` row, in one
        transaction: a vector layer's features as its feature table
        (:meth:`add_vector_layer`), an image whose ``options["embedded"]`` names a tiles table
        as GeoPackage tiles warped into the project CRS (it travels with the file), a tile
        service or a linked image as its row alone.

        ``replace`` stores a new version of an existing layer in its place (an image whose
        georeference was adjusted: its embedded tiles are written again), logged with the
        settings before and after. A long write (see :meth:`long_write`: safe to run in a
        worker thread); ``progress(fraction)`` may raise to abandon it (rolled back)."""
        if layer.kind == VECTOR:
            self.add_vector_layer(layer, replace=replace, who=who, progress=progress)
            return
        if layer.kind not in (RASTER, TILES):
            raise InputError(f"项目图层 {layer.id} 不能添加", f"the project layer {layer.id} "
                             "cannot be added")
        label = layer.label("zh")
        with self.long_write(f"图层“{label}”", f"the layer '{layer.label('en')}'"), \
                self._writing(f"图层 {label}", f"layer {layer.id}") as c:
            before = next((d for d in read_layer_rows(c) if d["id"] == layer.id), None)
            if before is not None and not replace:
                raise InputError(f"图层 {layer.id} 已存在", f"layer {layer.id} exists already")
            if before is None and replace:
                raise InputError(f"项目中已没有图层 {label}(可能已被删除)",
                                 f"the project no longer has the layer {layer.label('en')} "
                                 "(removed?)")
            old_table = (before or {}).get("options", {}).get("embedded") \
                if (before or {}).get("kind") == RASTER else None
            if old_table:
                from mapedit.io.raster_embed import drop_embedded  # noqa: PLC0415

                drop_embedded(c, str(old_table))
            table = layer.options.get("embedded") if layer.kind == RASTER else None
            embedded = None
            if table:
                embedded = self._embed(c, layer, str(table), progress)
            if before is not None:
                order = [d["id"] for d in read_layer_rows(c)].index(layer.id)
            else:
                order = int(c.execute("SELECT COALESCE(MAX(ord) + 1, 0) FROM mapedit_layers"
                                      ).fetchone()[0])
            _upsert_layer_row(c, layer.settings(), order)
            detail = dict(layer.settings())
            if embedded is not None:
                detail["embedded_tiles"] = embedded.get("tiles")
            if replace:
                self._log(c, self._next_edit(c), now_iso(), who, f"替换图层 {label}",
                          f"replace layer {layer.label('en')}", "layer_replace", None, layer.id,
                          before, detail)
            else:
                self._log(c, self._next_edit(c), now_iso(), who, f"添加图层 {label}",
                          f"add layer {layer.label('en')}", "layer_add", None, layer.id, None,
                          detail)

    def _embed(self, c: sqlite3.Connection, layer: Layer, table: str,
               progress: Callable[[float], None] | None = None) -> dict[str, Any]:
        """Write an image into the project as GeoPackage tiles (inside the caller's
        transaction)."""
        from mapedit.io.raster import RasterSource  # noqa: PLC0415 (rasterio only when needed)
        from mapedit.io.raster_embed import embed_raster  # noqa: PLC0415

        path = layer.options.get("path") or layer.source
        crs = dict(c.execute("SELECT key, value FROM mapedit_meta").fetchall()).get("crs")
        source = RasterSource(path, crs=layer.crs or None,
                              transform=layer.options.get("transform"))
        try:
            return embed_raster(c, table, source, crs or f"EPSG:{self.srs_id}",
                                srs_id=self.srs_id, identifier=layer.label("zh"),
                                progress=progress)
        finally:
            source.close()

    def remove_layer(self, layer_id: str, who: str = "") -> None:
        """Remove a base layer: its row and, for a vector layer, its feature table; for an
        embedded image, its tiles."""
        with self._writing("图层", "the layer") as c:
            row = c.execute("SELECT kind, name, role FROM mapedit_layers WHERE layer_id=?",
                            (layer_id,)).fetchone()
            table = BASE_PREFIX + layer_id
            if row is None and not table_exists(c, table):
                return
            if row is not None and row[0] not in ("vector", "raster", "tiles"):
                raise InputError(f"项目图层 {layer_id} 不能删除",
                                 f"the project layer {layer_id} cannot be removed")
            before = next((d for d in read_layer_rows(c) if d["id"] == layer_id), None)
            if row is None or row[0] == VECTOR:
                if table_exists(c, table):
                    n = int(c.execute(f"SELECT COUNT(*) FROM {quote(table)}").fetchone()[0])
                    drop_vector_table(c, table)
                    if before is not None:
                        before["features"] = n
            elif row[0] == RASTER and before is not None and before["options"].get("embedded"):
                from mapedit.io.raster_embed import drop_embedded  # noqa: PLC0415

                drop_embedded(c, str(before["options"]["embedded"]))
            c.execute("DELETE FROM mapedit_layers WHERE layer_id=?", (layer_id,))
            name = (row[1] or row[2] or layer_id) if row else layer_id
            self._log(c, self._next_edit(c), now_iso(), who, f"删除图层 {name}",
                      f"remove layer {name}", "layer_remove", None, layer_id, before, None)


def _upsert_layer_row(c: sqlite3.Connection, settings: dict[str, Any], order: int) -> None:
    """Put one layer's row at position ``order`` of the stored stack."""
    merged = [d for d in read_layer_rows(c) if d["id"] != settings["id"]]
    merged.insert(min(order, len(merged)), settings)
    write_layer_rows(c, merged)


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
    return CUSTOM_SRS_ID, (crs.name, CUSTOM_SRS_ID, "NONE", CUSTOM_SRS_ID, wkt, crs.name)


def _write_settings(c: sqlite3.Connection, settings: Settings) -> None:
    c.executemany("INSERT INTO mapedit_settings (key, value) VALUES (?, ?) ON CONFLICT(key) "
                  "DO UPDATE SET value=excluded.value WHERE value IS NOT excluded.value",
                  [(k, to_json(v)) for k, v in settings.to_dict().items()])


def _write_new(c: sqlite3.Connection, ds: Dataset) -> None:
    from mapedit import __version__ as app_version  # noqa: PLC0415 (avoid import cycle at load)

    srs_id, srs = _srs_row(ds.crs)
    stamp = timestamp()
    rtree = has_rtree_module(c)
    c.execute(f"PRAGMA application_id={GPKG_APPLICATION_ID}")
    c.execute(f"PRAGMA user_version={GPKG_USER_VERSION}")
    with _transaction(c):
        rows = list(SRS_MANDATORY)
        if srs_id not in (4326, 0, -1):
            rows.append(srs)
        create_core(c, rows)
        for table in ATTRIBUTE_TABLES:
            create_attribute_table(c, table, stamp)

        def feature_table(table: str, geoms: Sequence[Any]) -> list[bytes | None]:
            gtype, columns, description = HIERARCHY_TABLES[table]
            c.execute(f"CREATE TABLE {quote(table)} (fid INTEGER PRIMARY KEY AUTOINCREMENT "
                      f"NOT NULL, geom {gtype}, {columns})")
            arr = np.asarray([g for g in geoms if g is not None and not g.is_empty],
                             dtype=object)
            b = shapely.total_bounds(arr) if len(arr) else [None] * 4
            register_features(c, table, gtype, srs_id, description, b, stamp)
            return encode_geometries(geoms, srs_id) if len(geoms) else []

        def index(table: str, fids: Sequence[int], geoms: Sequence[Any]) -> None:
            if rtree:
                arr = np.asarray(list(geoms), dtype=object).reshape(-1)
                env = (shapely.bounds(arr)[:, [0, 2, 1, 3]] if len(arr) else np.empty((0, 4)))
                create_rtree(c, table, np.asarray(list(fids), dtype=np.int64), env)

        street = [ds.street] if ds.street is not None else []
        geoms = [s.geometry for s in street]
        blobs = feature_table("street", geoms)
        c.executemany("INSERT INTO street (fid, geom, code, name) VALUES (?, ?, ?, ?)",
                      [(i, b, s.code, s.name)
                       for i, (b, s) in enumerate(zip(blobs, street, strict=True), start=1)])
        index("street", range(1, len(street) + 1), geoms)

        rgs = list(ds.responsibility_grids.values())
        geoms = [r.geometry for r in rgs]
        blobs = feature_table("responsibility_grids", geoms)
        c.executemany("INSERT INTO responsibility_grids (fid, geom, code, name, street_code) "
                      "VALUES (?, ?, ?, ?, ?)",
                      [(i, b, r.code, r.name, r.street_code)
                       for i, (b, r) in enumerate(zip(blobs, rgs, strict=True), start=1)])
        index("responsibility_grids", range(1, len(rgs) + 1), geoms)

        units = list(ds.units.values())
        geoms = [u.geometry for u in units]
        blobs = feature_table("units", geoms)
        c.executemany("INSERT INTO units (fid, geom, code, name, unit_type, responsibility_grid, "
                      "street, committee, locked) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      [(i, b, u.code, u.name, u.unit_type, u.responsibility_grid, u.street,
                        u.committee, 1 if u.locked else 0)
                       for i, (b, u) in enumerate(zip(blobs, units, strict=True), start=1)])
        index("units", range(1, len(units) + 1), geoms)

        grids = list(ds.grids.values())
        geoms = [g.geometry for g in grids]
        blobs = feature_table("micro_grids", geoms)
        # keep fids (the grid's own, else its key in ds.grids); number the rest after them
        fids = [g.fid if g.fid is not None else (k if isinstance(k, int) else None)
                for k, g in ds.grids.items()]
        next_fid = max((f for f in fids if f is not None), default=0) + 1
        for i, g in enumerate(grids):
            if fids[i] is None:
                fids[i] = next_fid
                next_fid += 1
            g.fid = fids[i]
        cols = ", ".join(quote(k) for k in GRID_COLUMNS)
        c.executemany(f"INSERT INTO micro_grids (fid, geom, {cols}) "
                      f"VALUES (?, ?, {', '.join('?' * len(GRID_COLUMNS))})",
                      [(g.fid, b, *grid_row(g)) for b, g in zip(blobs, grids, strict=True)])
        c.execute("CREATE INDEX idx_micro_grids_code ON micro_grids(code)")
        c.execute("CREATE INDEX idx_micro_grids_unit_code ON micro_grids(unit_code)")
        index("micro_grids", fids, geoms)  # type: ignore[arg-type]

        for layer in ds.layers.of_kind(VECTOR):
            write_vector_table(c, layer, srs_id, rtree, stamp)
        write_layer_rows(c, ds.layers.settings())

        c.executemany("INSERT INTO mapedit_meta (key, value) VALUES (?, ?)", [
            ("format", FORMAT), ("format_version", str(FORMAT_VERSION)), ("crs", ds.crs),
            ("srs_id", str(srs_id)), ("created", now_iso()), ("app_version", app_version)])
        _write_settings(c, ds.settings)
        c.execute("INSERT INTO mapedit_catalogue (key, value) VALUES ('catalogue', ?)",
                  (ds.catalogue.to_json(),))
        for table in TRACKED_KEYS:  # after the bulk inserts: a new file has an empty log
            create_tracking(c, table)
