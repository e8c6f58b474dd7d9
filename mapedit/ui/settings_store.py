"""Persistent user preferences (language, recent files, window layout) over ``QSettings``.

Everything the GUI remembers between runs goes through :class:`SettingsStore` so that

* the organisation/application names are set in exactly one place (``mapedit``/``mapedit``),
* tests never read or overwrite a clerk's real preferences: with the environment variable
  ``MAPEDIT_SETTINGS_SCOPE=test`` (set by ``tests/conftest.py``) the store writes an INI file in
  a private temporary folder that disappears with the process,
* values come back with the right Python type (QSettings returns strings from INI files).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from mapedit.io.backup import DEFAULT_KEEP as DEFAULT_BACKUP_KEEP

ORGANISATION = "mapedit"
APPLICATION = "mapedit"
MAX_RECENT = 8
LANGUAGES = ("zh_CN", "en")
DEFAULT_LANGUAGE = "zh_CN"
BACKUP_KEEP_KEY = "backup/keep"
TIANDITU_KEY = "tianditu/key"
"""Settings key of the 天地图 key (the base-map tiles read it from here; never in a project)."""

_test_dir: tempfile.TemporaryDirectory | None = None


def _test_scope() -> bool:
    return os.environ.get("MAPEDIT_SETTINGS_SCOPE", "").lower() == "test"


def _test_dir_path() -> Path:
    global _test_dir
    if _test_dir is None:
        _test_dir = tempfile.TemporaryDirectory(prefix="mapedit-settings-")
    return Path(_test_dir.name)


def data_dir() -> Path:
    """The per-user local (not roaming: a 1 MB demo need not follow the clerk's profile) data
    folder (demo project, log), created if needed; a temporary folder in test scope so tests
    never write into a clerk's profile."""
    if _test_scope():
        path = _test_dir_path() / "data"
    else:
        from PySide6.QtCore import QStandardPaths

        loc = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppLocalDataLocation)
        path = Path(loc) if loc else Path.home() / ".mapedit"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _make_qsettings() -> QSettings:
    """Real per-user settings normally; a throw-away INI file in test scope."""
    if _test_scope():
        return QSettings(str(_test_dir_path() / "mapedit.ini"), QSettings.Format.IniFormat)
    return QSettings(QSettings.Format.NativeFormat, QSettings.Scope.UserScope,
                     ORGANISATION, APPLICATION)


class SettingsStore:
    """Typed accessors for the few things the GUI persists."""

    def __init__(self, qsettings: QSettings | None = None) -> None:
        self.q = qsettings if qsettings is not None else _make_qsettings()

    # -- language ---------------------------------------------------------------------------
    def language(self) -> str:
        value = str(self.q.value("ui/language", DEFAULT_LANGUAGE) or DEFAULT_LANGUAGE)
        return value if value in LANGUAGES else DEFAULT_LANGUAGE

    def set_language(self, lang: str) -> None:
        if lang not in LANGUAGES:
            raise ValueError(f"unknown language {lang!r}")
        self.q.setValue("ui/language", lang)
        self.q.sync()

    # -- recent files -------------------------------------------------------------------------
    def recent_files(self) -> list[str]:
        raw = self.q.value("files/recent", [])
        if isinstance(raw, str):  # INI files hand back a single entry as a plain string
            raw = [raw] if raw else []
        return [str(p) for p in (raw or []) if p][:MAX_RECENT]

    def add_recent_file(self, path: str | os.PathLike) -> list[str]:
        """Put ``path`` first (absolute, without duplicates) and return the new list."""
        p = str(Path(path).resolve())
        files = [f for f in self.recent_files() if os.path.normcase(f) != os.path.normcase(p)]
        files.insert(0, p)
        files = files[:MAX_RECENT]
        self.q.setValue("files/recent", files)
        self.q.sync()
        return files

    def remove_recent_file(self, path: str) -> None:
        files = [f for f in self.recent_files() if f != path]
        self.q.setValue("files/recent", files)

    def last_directory(self) -> str:
        return str(self.q.value("files/last_dir", "") or "")

    def set_last_directory(self, path: str | os.PathLike) -> None:
        p = Path(path)
        self.q.setValue("files/last_dir", str(p if p.is_dir() else p.parent))

    # -- window layout ------------------------------------------------------------------------
    def window_geometry(self) -> QByteArray | None:
        v = self.q.value("window/geometry")
        return v if isinstance(v, QByteArray) and not v.isEmpty() else None

    def window_state(self) -> QByteArray | None:
        v = self.q.value("window/state")
        return v if isinstance(v, QByteArray) and not v.isEmpty() else None

    def save_window(self, geometry: QByteArray, state: QByteArray) -> None:
        self.q.setValue("window/geometry", geometry)
        self.q.setValue("window/state", state)
        self.q.sync()

    # -- safety copies, base-map keys (install helper) ------------------------------------------
    def backup_keep(self) -> int:
        """How many automatic copies of each project to keep (0: none); see io/backup.py."""
        try:
            return max(0, int(self.q.value(BACKUP_KEEP_KEY, DEFAULT_BACKUP_KEEP)))
        except (TypeError, ValueError):
            return DEFAULT_BACKUP_KEEP

    def set_backup_keep(self, n: int) -> None:
        self.q.setValue(BACKUP_KEEP_KEY, max(0, int(n)))
        self.q.sync()

    def tianditu_key(self) -> str:
        """The clerk's 天地图 (Tianditu) key: per user, never stored in a project file."""
        return str(self.q.value(TIANDITU_KEY, "") or "").strip()

    def set_tianditu_key(self, key: str) -> None:
        self.q.setValue(TIANDITU_KEY, (key or "").strip())
        self.q.sync()

    # -- misc -----------------------------------------------------------------------------------
    def value(self, key: str, default=None):
        return self.q.value(key, default)

    def set_value(self, key: str, value) -> None:
        self.q.setValue(key, value)
