"""The per-user cache folder (web-map tiles, raster pyramids), without Qt.

Windows: ``%LOCALAPPDATA%\\mapedit\\mapedit\\cache`` (next to the data folder Qt's
``AppLocalDataLocation`` gives the GUI); macOS: ``~/Library/Caches/mapedit``; elsewhere
``$XDG_CACHE_HOME/mapedit`` or ``~/.cache/mapedit``. ``MAPEDIT_CACHE_DIR`` overrides it, and
in test scope (``MAPEDIT_SETTINGS_SCOPE=test``) a temporary folder is used so tests never fill
a clerk's cache. Everything here may be deleted at any time: it is rebuilt on demand.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

_test_dir: tempfile.TemporaryDirectory | None = None


def user_cache_dir(*parts: str) -> Path:
    """``<cache>/<parts…>``, created if needed."""
    global _test_dir
    env = os.environ.get("MAPEDIT_CACHE_DIR")
    if env:
        root = Path(env)
    elif os.environ.get("MAPEDIT_SETTINGS_SCOPE", "").lower() == "test":
        if _test_dir is None:
            _test_dir = tempfile.TemporaryDirectory(prefix="mapedit-cache-")
        root = Path(_test_dir.name)
    elif sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        root = Path(base) / "mapedit" / "mapedit" / "cache"
    elif sys.platform == "darwin":
        root = Path.home() / "Library" / "Caches" / "mapedit"
    else:
        root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "mapedit"
    path = root.joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path
