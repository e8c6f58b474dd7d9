"""Automatic safety copies of a project: a rotating set per project, restorable.

Every edit is saved at once, which also means a wrong bulk edit, a bad import or a colleague's
mistake is saved at once. So each time a project is opened the editor first takes a copy of it
into the per-user data folder (``…/mapedit/backups/<project>-<hash>/<project>_<time>.gpkg``) and
keeps the last N (a user setting, default :data:`DEFAULT_KEEP`). Restoring never overwrites
anything silently: it writes a new file, or — after the caller asked the clerk — replaces the
project, having first taken one more copy of what is being replaced.

Why SQLite's online backup API and not a file copy: the project may be open (in this editor or in
QGIS) while the copy is made; ``sqlite3.Connection.backup`` copies under a read lock, so the copy
is one consistent state of the database, never half an edit. Copies are written under a
temporary name and renamed when complete, so an interrupted copy is never listed as a backup.

Pure Python (no Qt); the GUI supplies the data folder and the setting.
"""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from mapedit.errors import MapeditError

DEFAULT_KEEP = 5
"""Safety copies kept per project unless the clerk chooses another number."""

_STAMP = "%Y%m%d-%H%M%S"
_NAME = re.compile(r"_(\d{8}-\d{6})(?:-(\d+))?\.gpkg$")


class BackupError(MapeditError):
    """A copy could not be made or restored (disk full, file locked, not a backup)."""


@dataclass(frozen=True)
class Backup:
    """One safety copy: where it is, when it was taken, how big it is."""

    path: Path
    created: datetime
    size: int

    def grid_count(self) -> int | None:
        """Micro-grids in the copy (None when it cannot be read): helps choose which one."""
        try:
            con = sqlite3.connect(_ro_uri(self.path), uri=True)
            try:
                return int(con.execute("SELECT count(*) FROM micro_grids").fetchone()[0])
            finally:
                con.close()
        except sqlite3.Error:
            return None


def _ro_uri(path: Path) -> str:
    return "file:" + quote(str(Path(path).resolve()).replace(os.sep, "/"), safe="/:") + "?mode=ro"


def _safe_stem(path: Path) -> str:
    stem = re.sub(r'[\\/:*?"<>|\s]+', "_", Path(path).stem).strip("._") or "project"
    return stem[:60]


def backup_folder(root: str | os.PathLike, project_path: str | os.PathLike) -> Path:
    """The folder holding the copies of one project: its name plus a short hash of its full
    path, so two ``项目.gpkg`` in different folders keep separate histories."""
    p = Path(project_path).resolve()
    digest = hashlib.sha1(os.path.normcase(str(p)).encode("utf-8")).hexdigest()[:8]
    return Path(root) / f"{_safe_stem(p)}-{digest}"


def list_backups(root: str | os.PathLike, project_path: str | os.PathLike) -> list[Backup]:
    """The copies of ``project_path``, newest first."""
    folder = backup_folder(root, project_path)
    if not folder.is_dir():
        return []
    out: list[Backup] = []
    for f in folder.glob("*.gpkg"):
        m = _NAME.search(f.name)
        try:
            stat = f.stat()
        except OSError:
            continue
        if m:
            created = datetime.strptime(m.group(1), _STAMP)
        else:
            created = datetime.fromtimestamp(stat.st_mtime)
        out.append(Backup(f, created, stat.st_size))
    out.sort(key=lambda b: (b.created, _sequence(b.path)), reverse=True)
    return out


def _sequence(path: Path) -> int:
    m = _NAME.search(path.name)
    return int(m.group(2)) if m and m.group(2) else 0


class _Busy(sqlite3.OperationalError):
    pass


def _copy_database(src_path: Path, dst: sqlite3.Connection, patience: float = 10.0) -> None:
    """All pages in one step (one consistent read of the source). Python's ``backup`` retries a
    locked database for ever; the progress callback gives up after ``patience`` seconds."""
    src = sqlite3.connect(_ro_uri(src_path), uri=True, timeout=patience)
    deadline = time.monotonic() + patience

    def progress(status: int, remaining: int, total: int) -> None:
        if status in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) and \
                time.monotonic() > deadline:
            raise _Busy("database is locked")

    try:
        src.backup(dst, pages=-1, progress=progress, sleep=0.1)
    finally:
        src.close()


def make_backup(project_path: str | os.PathLike, root: str | os.PathLike,
                keep: int = DEFAULT_KEEP, now: datetime | None = None) -> Path | None:
    """Copy the project into its backup folder and drop all but the newest ``keep`` copies.

    ``keep`` ≤ 0 switches safety copies off (returns None). Raises :class:`BackupError` when
    the copy cannot be made; the project itself is only read."""
    if keep <= 0:
        return None
    src = Path(project_path).resolve()
    if not src.is_file():
        raise BackupError(f"找不到项目文件 {src}", f"project file not found: {src}")
    folder = backup_folder(root, src)
    stamp = (now or datetime.now()).strftime(_STAMP)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "source.txt").write_text(str(src), encoding="utf-8")
        target = folder / f"{_safe_stem(src)}_{stamp}.gpkg"
        n = 1
        while target.exists():
            n += 1
            target = folder / f"{_safe_stem(src)}_{stamp}-{n}.gpkg"
        _copy_to(src, target)
    except (OSError, sqlite3.Error) as exc:
        raise BackupError(f"无法备份项目 {src.name}:{exc}",
                          f"cannot back up {src.name}: {exc}") from exc
    prune(root, src, keep)
    return target


def _copy_to(src: Path, target: Path) -> None:
    """Copy the database ``src`` to ``target`` through ``target.part``, renamed only when
    complete: a crash leaves a stale ``.part`` (removed by :func:`prune`), never a half copy
    under a name a clerk would open."""
    part = target.with_name(target.name + ".part")
    part.unlink(missing_ok=True)
    try:
        dst = sqlite3.connect(part)
        try:
            _copy_database(src, dst)
        finally:
            dst.close()
        os.replace(part, target)
    except BaseException:
        part.unlink(missing_ok=True)
        raise


def prune(root: str | os.PathLike, project_path: str | os.PathLike, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` copies (and stale ``.part`` files); returns what went."""
    gone: list[Path] = []
    for b in list_backups(root, project_path)[max(keep, 0):]:
        try:
            b.path.unlink()
            gone.append(b.path)
        except OSError:
            pass
    folder = backup_folder(root, project_path)
    if folder.is_dir():
        for part in folder.glob("*.part"):
            part.unlink(missing_ok=True)
    return gone


def restore_to_new_file(backup: str | os.PathLike, target: str | os.PathLike) -> Path:
    """Write the copy ``backup`` as a new project file ``target`` (which must not exist: the
    caller asks before replacing anything)."""
    src, dst_path = Path(backup), Path(target)
    if dst_path.exists():
        raise BackupError(f"{dst_path} 已存在,不会覆盖", f"{dst_path} already exists; not "
                          "overwritten")
    try:
        _copy_to(src, dst_path)
    except (OSError, sqlite3.Error) as exc:
        raise BackupError(f"无法恢复备份到 {dst_path}:{exc}",
                          f"cannot restore the backup to {dst_path}: {exc}") from exc
    return dst_path


def replace_project(backup: str | os.PathLike, project_path: str | os.PathLike,
                    root: str | os.PathLike, keep: int = DEFAULT_KEEP) -> Path | None:
    """Put the copy ``backup`` in place of the project (closed by the caller, who has asked
    the clerk). What is replaced is first copied like any safety copy (kept even when copies
    are switched off), so the replacement can itself be undone from the same list.

    The copy is written *through* SQLite into the existing file (one transaction), so a reader
    never sees a half-replaced project, and a program still holding the file makes this fail
    with a message instead of corrupting it. Returns the copy of the replaced state."""
    src, dst_path = Path(backup), Path(project_path)
    before = make_backup(dst_path, root, keep=max(keep, 1) + 1)
    try:
        dst = sqlite3.connect(dst_path, timeout=2)
        try:
            _copy_database(src, dst, patience=2.0)
        finally:
            dst.close()
    except (OSError, sqlite3.Error) as exc:
        raise BackupError(f"无法用备份替换 {dst_path.name}(文件可能被其他程序占用):{exc}",
                          f"cannot replace {dst_path.name} with the backup (the file may be "
                          f"open in another program): {exc}") from exc
    return before
