"""Write files so that a reader never sees half of one: temp file in the same folder + rename.

Exports go to folders the platform may be watching, and a crash or a full disk must not leave a
truncated ``grids.geojson`` that looks complete. We write to a temporary name next to the target
(same volume, so the rename is atomic), flush and fsync, then ``os.replace``. On Windows the
rename fails while another program (Excel, an antivirus scanner, QGIS) holds the target open, so
the rename is retried for a short while before giving up with a clear error.

:func:`write_group` extends this to several files that belong together (units + grids): every
file is written completely first; only then are they renamed into place, and if a later rename
fails the earlier ones are rolled back to the previous content.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import IO

from mapedit.errors import InputError

_RETRIES = 20
_RETRY_SLEEP_S = 0.05


def _current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_FILE_MODE = 0o666 & ~_current_umask()
"""Mode of a normally created file: ``mkstemp`` makes 0600 files, which other users (and
the platform's upload job) could not read."""


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


def _fsync(fh: IO) -> None:
    fh.flush()
    with contextlib.suppress(OSError):  # some network drives do not support fsync
        os.fsync(fh.fileno())


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


def write_group(writers: Mapping[Path, Callable[[IO[str]], None]],
                encoding: str = "utf-8") -> None:
    """Write several files as a unit: all complete, or none changed.

    ``writers`` maps each target path to a function writing its content to an open text file.
    All contents go to temporary files first; the renames happen only after every writer has
    succeeded. If a rename fails, targets already replaced get their previous content back.
    """
    temps: dict[Path, Path] = {}
    try:
        for target, write in writers.items():
            tmp = _temp_path(Path(target))
            temps[Path(target)] = tmp
            with open(tmp, "w", encoding=encoding, newline="\n") as fh:
                write(fh)
                _fsync(fh)
    except BaseException:
        for tmp in temps.values():
            _remove_quietly(tmp)
        raise

    done: list[tuple[Path, Path | None]] = []  # (target, backup of its old content)
    try:
        for target, tmp in temps.items():
            backup: Path | None = None
            if target.exists():
                backup = _temp_path(target, "bak")
                replace_with_retry(target, backup)
            done.append((target, backup))
            replace_with_retry(tmp, target)
    except BaseException:
        for target, backup in reversed(done):
            if backup is not None:
                with contextlib.suppress(OSError):
                    replace_with_retry(backup, target)
            else:
                _remove_quietly(target)
        for tmp in temps.values():
            _remove_quietly(tmp)
        raise
    for _target, backup in done:
        if backup is not None:
            _remove_quietly(backup)


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
