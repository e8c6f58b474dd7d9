"""Writing report files all or nothing: a library writes to a temporary name beside the target,
which replaces the target only when the writer finished.

Sheets (Qt's PDF writer), tables (openpyxl) and CSV reports are written by libraries that take
a file name; a crash, a full disk or Excel holding the old file open must not leave a truncated
PDF or XLSX that looks complete. Same scheme as ``io/atomicfile.py`` (same folder, so the rename
is atomic; retried while Windows holds the target open).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from mapedit.errors import InputError
from mapedit.io.atomicfile import replace_with_retry


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike, suffix: str = "") -> Iterator[Path]:
    """Yield a temporary path next to ``target`` (ending in ``suffix``, for libraries that look
    at the extension); on success it replaces ``target``, on any exception it is removed."""
    target = Path(target)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"文件夹 {folder} 不存在", f"folder {folder} does not exist")
    if target.is_dir():
        raise InputError(f"{target} 是文件夹,请给出文件名", f"{target} is a folder; give a file name")
    fd, name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=suffix or target.suffix,
                                dir=folder)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        try:
            replace_with_retry(tmp, target)
        except PermissionError as exc:
            raise InputError(f"无法写入 {target}(文件可能正被其他程序打开,如 Excel 或 PDF 阅读器)",
                             f"cannot write {target} (it may be open in another program, "
                             "e.g. Excel or a PDF viewer)") from exc
        with contextlib.suppress(OSError):  # mkstemp made it 0600; a report is for others too
            mask = os.umask(0o022)
            os.umask(mask)
            os.chmod(target, 0o666 & ~mask)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()
