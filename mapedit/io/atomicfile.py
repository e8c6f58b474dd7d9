"""Write files so that a reader never sees half of one, nor half of a set of files.

One file (:func:`atomic_open`): temp file in the same folder, flush + fsync, ``os.replace``.

Several files that belong together (``units.geojson`` + ``grids.geojson``):
:func:`write_file_set`. Renaming two files one after the other can never be atomic: a crash
between the renames leaves new units beside old grids. Only one rename of a *folder* switches
two names at once, so the set is written into a fresh sibling folder and the folder is switched:

1. ``.<name>.mapedit-staging`` (next to the output folder, same volume) receives every file,
   each fsynced, then a marker holding a random token; the folder is fsynced.
2. The journal ``.<name>.mapedit-switch`` (written atomically, holding the token) is the commit
   point: from here on the next run completes the switch instead of undoing it.
3. The switch:

   * the output folder does not exist yet: one ``rename(staging, out)``;
   * Linux (``renameat2(RENAME_EXCHANGE)``) and macOS (``renamex_np(RENAME_SWAP)``): the two
     folders are exchanged in one system call. At every instant ``out`` holds the old or the
     new set;
   * elsewhere (Windows, file systems without exchange): ``rename(out, .<name>.mapedit-old)``
     then ``rename(staging, out)``. Between those two renames ``out`` is missing for an instant
     (a reader finds no files, never a mixed set); a crash there leaves it missing until the next
     run, which finishes the switch from the journal.

4. The old folder, the journal and the marker are removed.

A folder can only be switched if it holds nothing but the files being written (and our
marker): other files of the clerk must never move or vanish, and on Windows a folder that
another program is using (open files, a console's current directory) cannot be renamed. Then,
or when the folder is a symbolic link, our own current directory, or its parent is not
writable, the set is switched inside the folder instead: every new file is written under a
temporary name, a journal in the folder commits, the old files other than the first are moved
aside, the first is replaced, the others are moved in. A reader then sees the old set, the new
set, or a set with files missing (never new beside old); a crash leaves the journal, and the next
run completes the switch. Leftovers of an interrupted run (staging folders, journals, temp files)
are cleaned by the next run to the same folder. One export at a time per folder.

On Windows ``os.replace`` fails while another program (Excel, an antivirus scanner, QGIS)
holds the target open, so renames are retried for a short while before giving up with a clear
error.

Tests kill the writer at every step: the environment variable
``MAPEDIT_TEST_EXIT_AT_STEP=N`` makes the N-th checkpoint call ``os._exit(86)``, and
``MAPEDIT_TEST_FOLDER_SWITCH=rename|inplace`` forces the Windows or the in-folder path.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import shutil
import stat
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import IO

from mapedit.errors import InputError

_RETRIES = 20
_RETRY_SLEEP_S = 0.05
EXIT_STEP_ENV = "MAPEDIT_TEST_EXIT_AT_STEP"
SWITCH_ENV = "MAPEDIT_TEST_FOLDER_SWITCH"
KILLED_STATUS = 86
MARKER = ".mapedit-export"
"""Inside a staged folder: the token of the export that wrote it."""
JOURNAL_INPLACE = ".mapedit-switch"
"""Inside the output folder (in-folder switch): the files being switched and the token."""

_steps = 0


def _checkpoint() -> None:
    """Test hook: die here if this is the step the test asked for."""
    global _steps
    _steps += 1
    want = os.environ.get(EXIT_STEP_ENV)
    if want and want.isdigit() and int(want) == _steps:
        sys.stdout.flush()
        os._exit(KILLED_STATUS)


def _current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_FILE_MODE = 0o666 & ~_current_umask()
"""Mode of a normally created file: ``mkstemp`` makes 0600 files, which other users (and
the platform's upload job) could not read."""
_DIR_MODE = 0o777 & ~_current_umask()


def _temp_path(target: Path, tag: str = "tmp") -> Path:
    """A fresh, unused name next to ``target`` (hidden with a leading dot on POSIX)."""
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=f".{tag}", dir=target.parent)
    os.close(fd)
    with contextlib.suppress(OSError):  # no-op on Windows, where modes barely exist
        os.chmod(name, _FILE_MODE)
    return Path(name)


def replace_with_retry(src: Path, dst: Path) -> None:
    """``os.replace`` that retries on Windows sharing violations (PermissionError)."""
    for attempt in range(_RETRIES):
        try:
            os.replace(src, dst)
            return
        except PermissionError:
            if attempt == _RETRIES - 1:
                raise
            time.sleep(_RETRY_SLEEP_S)


def _remove_quietly(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


def _rmtree_quietly(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    elif path.exists() or path.is_symlink():
        _remove_quietly(path)


def _fsync(fh: IO) -> None:
    fh.flush()
    with contextlib.suppress(OSError):  # some network drives do not support fsync
        os.fsync(fh.fileno())


def _fsync_dir(path: Path) -> None:
    """Make renames inside ``path`` durable (POSIX; Windows has no directory handles)."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike, encoding: str = "utf-8") -> Iterator[IO[str]]:
    """Open ``path`` for writing text; the content appears under ``path`` only if the block
    finishes without an exception (otherwise the old file, if any, is left untouched)."""
    target = Path(path)
    tmp = _temp_path(target)
    try:
        with open(tmp, "w", encoding=encoding, newline="\n") as fh:
            yield fh
            _fsync(fh)
        replace_with_retry(tmp, target)
    except BaseException:
        _remove_quietly(tmp)
        raise


def ensure_dir(path: str | os.PathLike) -> bool:
    """Create the output folder if needed; True if it was created (so a failed export can
    remove it again and leave nothing behind)."""
    p = Path(path)
    if p.is_dir():
        return False
    if p.exists():
        raise InputError(f"{p} 已存在且不是文件夹", f"{p} exists and is not a folder")
    p.mkdir(parents=True)
    return True


# --------------------------------------------------------------------------------------------
# Folder exchange
# --------------------------------------------------------------------------------------------
def _exchange_folders(a: Path, b: Path) -> bool:
    """Swap two directory entries in one system call; False where the OS or the file system
    cannot (the caller then falls back to two renames)."""
    if os.environ.get(SWITCH_ENV) in ("rename", "inplace"):
        return False
    try:
        if sys.platform.startswith("linux"):
            libc = ctypes.CDLL(None, use_errno=True)
            fn = getattr(libc, "renameat2", None)
            if fn is None:
                return False
            at_fdcwd, rename_exchange = -100, 2
            ok = fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0
        elif sys.platform == "darwin":
            libc = ctypes.CDLL(None, use_errno=True)
            fn = getattr(libc, "renamex_np", None)
            if fn is None:
                return False
            ok = fn(os.fsencode(a), os.fsencode(b), 0x2) == 0  # RENAME_SWAP
        else:
            return False
    except (OSError, AttributeError, ValueError):
        return False
    return bool(ok)  # on any failure nothing changed: the caller tries two renames


def _siblings(out: Path) -> tuple[Path, Path, Path]:
    """(staging folder, journal, old folder) of the output folder ``out``."""
    parent, name = out.parent, out.name
    return (parent / f".{name}.mapedit-staging", parent / f".{name}.mapedit-switch",
            parent / f".{name}.mapedit-old")


def _read_token(path: Path) -> str | None:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data.get("token") if isinstance(data, dict) else None


def _write_json_atomic(path: Path, data: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh)
        _fsync(fh)
    replace_with_retry(tmp, path)
    _fsync_dir(path.parent)


def _open_for(path: Path, encoding: str | None) -> IO:
    """Text (``encoding``) or, with None, binary: big files are assembled as bytes."""
    if encoding is None:
        return open(path, "wb")
    return open(path, "w", encoding=encoding, newline="\n")


def _write_into(folder: Path, names: Mapping[str, Callable[[IO], None]],
                encoding: str | None, prefix: str = "", suffix: str = "") -> dict[str, Path]:
    written: dict[str, Path] = {}
    for name, write in names.items():
        path = folder / f"{prefix}{name}{suffix}"
        with _open_for(path, encoding) as fh:
            written[name] = path
            write(fh)
            _fsync(fh)
        with contextlib.suppress(OSError):
            os.chmod(path, _FILE_MODE)
        _checkpoint()
    return written


def _switch_folders(out: Path, staging: Path, old: Path) -> None:
    """Put ``staging`` in the place of ``out`` (see the module docstring, step 3)."""
    if not out.exists():
        replace_with_retry(staging, out)
        _checkpoint()
    elif _exchange_folders(staging, out):
        _checkpoint()
    else:
        os.rename(out, old)  # fails on Windows while the folder is in use: nothing changed
        _checkpoint()
        try:
            os.rename(staging, out)
        except OSError:
            os.rename(old, out)  # put the old set back before reporting
            raise
        _checkpoint()
    _fsync_dir(out.parent)


def _finish_folder_switch(out: Path) -> None:
    staging, journal, old = _siblings(out)
    _rmtree_quietly(staging)  # after an exchange it holds the old set
    _rmtree_quietly(old)
    _checkpoint()
    _remove_quietly(journal)
    _fsync_dir(out.parent)
    _checkpoint()
    _remove_quietly(out / MARKER)
    _checkpoint()


def _inplace_names(out: Path, name: str) -> tuple[Path, Path]:
    """(new file, moved-aside old file) of ``name`` in an in-folder switch."""
    return out / f".{name}.mapedit-new", out / f".{name}.mapedit-old"


def _inplace_switch(out: Path, names: list[str]) -> None:
    """Move the prepared ``.name.mapedit-new`` files over their targets (journal present):
    first every old file that is being replaced goes aside, then the new ones come in, so a
    file present in the folder is always either all old or all new. Also completes a switch
    a crash interrupted (a name without its ``-new`` file was moved in already)."""
    pending = [n for n in names if _inplace_names(out, n)[0].exists()]
    for n in pending:
        if (out / n).exists():
            replace_with_retry(out / n, _inplace_names(out, n)[1])
            _checkpoint()
    for n in pending:
        replace_with_retry(_inplace_names(out, n)[0], out / n)
        _checkpoint()
    _fsync_dir(out)
    for n in names:
        _remove_quietly(_inplace_names(out, n)[1])
    _remove_quietly(out / JOURNAL_INPLACE)
    _fsync_dir(out)
    _checkpoint()


def recover(out_dir: str | os.PathLike) -> None:
    """Finish or undo a switch that a crash interrupted, and remove leftovers, so the folder
    holds one complete set. Called before every write to ``out_dir``; safe to call anytime."""
    out = Path(os.path.abspath(out_dir))  # "." has no name and no sibling; links kept
    staging, journal, old = _siblings(out)
    _remove_quietly(journal.with_name(journal.name + ".tmp"))
    token = _read_token(journal) if journal.exists() else None
    if token is not None:
        if _read_token(out / MARKER) == token:
            pass  # the switch happened; only the clean-up was cut short
        elif _read_token(staging / MARKER) == token:
            if out.exists() and old.exists():
                _rmtree_quietly(old)
            _switch_folders(out, staging, old)
        elif not out.exists() and old.exists():
            os.rename(old, out)  # the staged set is gone: bring the old one back
        _finish_folder_switch(out)
    else:
        _remove_quietly(journal)
        _rmtree_quietly(staging)  # never committed
        if old.exists():
            if out.exists():
                _rmtree_quietly(old)
            else:
                os.rename(old, out)
        if out.is_dir():
            _remove_quietly(out / MARKER)
    if out.is_dir():
        _recover_inplace(out)


def _recover_inplace(out: Path) -> None:
    jpath = out / JOURNAL_INPLACE
    names: list[str] = []
    if jpath.exists():
        try:
            data = json.loads(jpath.read_text(encoding="utf-8"))
            names = [str(n) for n in data.get("files", [])]
        except (OSError, ValueError, AttributeError):
            names = []
        if names:
            _inplace_switch(out, names)
        _remove_quietly(jpath)
    with contextlib.suppress(OSError):
        for p in out.iterdir():
            if p.name.startswith(".") and (p.name.endswith(".mapedit-new")
                                           or p.name.endswith(".mapedit-old")
                                           or p.name == JOURNAL_INPLACE + ".tmp"):
                _remove_quietly(p)


def _can_switch_folder(out: Path, names: set[str]) -> bool:
    if os.environ.get(SWITCH_ENV) == "inplace":
        return False
    if not out.exists():
        return True
    if out.is_symlink() or not out.is_dir():
        return False
    try:
        here = Path.cwd().resolve()
        target = out.resolve()
    except OSError:
        return False
    if here == target or target in here.parents:
        return False  # renaming our own working folder would strand the shell that ran us
    try:
        entries = {p.name for p in out.iterdir()}
    except OSError:
        return False
    return entries <= names | {MARKER}


def write_file_set(out_dir: str | os.PathLike,
                   writers: Mapping[str, Callable[[IO], None]],
                   encoding: str = "utf-8", binary: bool = False) -> list[Path]:
    """Write the files ``writers`` names (file name → function writing its text, or its
    bytes with ``binary``) into ``out_dir`` as one set: a reader finds the old set or the new
    one (see the module docstring for the scheme and what Windows allows). Other files in the
    folder are kept. The folder (and its parents) are created if needed. Returns the paths
    written."""
    enc: str | None = None if binary else encoding
    out = Path(os.path.abspath(out_dir))  # "." has no name and no sibling; links kept
    if out.exists() and not out.is_dir():
        raise InputError(f"{out} 已存在且不是文件夹", f"{out} exists and is not a folder")
    out.parent.mkdir(parents=True, exist_ok=True)
    recover(out)
    names = list(writers)
    _checkpoint()
    if _can_switch_folder(out, set(names)):
        staging, journal, old = _siblings(out)
        try:
            staging.mkdir(mode=_DIR_MODE)
            staged = True
        except OSError:  # the parent is not writable, or a leftover could not be removed
            staged = False
        if staged:
            try:
                _write_into(staging, writers, enc)
                token = uuid.uuid4().hex
                _write_json_atomic(staging / MARKER, {"token": token})
                _copy_folder_mode(out, staging)
                _checkpoint()
                _write_json_atomic(journal, {"token": token, "files": names})
                _checkpoint()
            except BaseException:
                _remove_quietly(journal)
                _rmtree_quietly(staging)
                raise
            try:
                _switch_folders(out, staging, old)
            except PermissionError:
                # Windows: the folder is in use. Nothing changed; switch inside it instead.
                _remove_quietly(journal)
                return _write_inplace(out, writers, enc, staged=staging)
            except BaseException:
                _remove_quietly(journal)
                _rmtree_quietly(staging)
                raise
            _finish_folder_switch(out)
            return [out / n for n in names]
    return _write_inplace(out, writers, enc)


def _copy_folder_mode(src: Path, dst: Path) -> None:
    with contextlib.suppress(OSError):
        if src.is_dir():
            os.chmod(dst, stat.S_IMODE(src.stat().st_mode))


def _write_inplace(out: Path, writers: Mapping[str, Callable[[IO], None]],
                   encoding: str | None, staged: Path | None = None) -> list[Path]:
    names = list(writers)
    out.mkdir(parents=True, exist_ok=True)
    new_paths = [_inplace_names(out, n)[0] for n in names]
    existed = [n for n in names if (out / n).exists()]
    try:
        if staged is not None:
            for n, new in zip(names, new_paths, strict=True):
                replace_with_retry(staged / n, new)
            _rmtree_quietly(staged)
        else:
            _write_into(out, writers, encoding, prefix=".", suffix=".mapedit-new")
        _write_json_atomic(out / JOURNAL_INPLACE, {"files": names})
        _checkpoint()
    except BaseException:
        for p in new_paths:
            _remove_quietly(p)
        if staged is not None:
            _rmtree_quietly(staged)
        raise
    try:
        _inplace_switch(out, names)
    except OSError:
        _undo_inplace(out, names, existed)
        raise
    return [out / n for n in names]


def _undo_inplace(out: Path, names: list[str], existed: list[str]) -> None:
    """A rename failed half-way (a file held open on Windows): put the old set back."""
    with contextlib.suppress(OSError):
        for n in names:
            new, aside = _inplace_names(out, n)
            if aside.exists():
                replace_with_retry(aside, out / n)
            elif n not in existed and not new.exists():
                _remove_quietly(out / n)  # moved in, but there was no old file to restore
            _remove_quietly(new)
        _remove_quietly(out / JOURNAL_INPLACE)
