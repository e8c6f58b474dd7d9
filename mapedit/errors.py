"""User-facing errors: every message exists in Chinese (first) and English.

Anything a clerk can cause (a bad file, a wrong CRS, a file that is not ours) raises
:class:`MapeditError`; the CLI prints ``str(err)`` as one line and exits with status 2, the GUI
shows it in a message box. Tracebacks are for bugs only.
"""

from __future__ import annotations


class MapeditError(Exception):
    """An error with a bilingual message, safe to show to a user."""

    exit_status = 2

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(f"{zh} / {en}")
        self.zh = zh
        self.en = en

    def message(self, lang: str = "zh") -> str:
        return self.zh if lang.startswith("zh") else self.en


class InputError(MapeditError):
    """A file or value given by the user cannot be read or is not acceptable."""


class NotAProjectError(MapeditError):
    """The file exists but is not a mapedit project (or is damaged beyond reading)."""


class EditRefused(MapeditError):
    """An edit breaks a rule that editing enforces (locked unit, leaving the unit, invalid)."""


class ProjectChangedError(MapeditError):
    """Another program (a second editor window, QGIS, GDAL, ``mapedit import``) changed the
    project file since it was loaded. Writing now would silently overwrite that change, so
    the write is refused; the user reloads the project and redoes the edit."""


class BaseLayerNotLoaded(MapeditError):
    """A base layer's features are still being read (the window paints the project first and
    reads the base layers in the background). Whatever needs them — households from the
    buildings, splitting along a road, the rules — is refused until they are in, never done
    with an empty layer."""

    def __init__(self, zh_labels: list[str], en_labels: list[str]) -> None:
        super().__init__(f"底图“{'、'.join(zh_labels)}”仍在载入,请稍候再试",
                         f"the base layer '{', '.join(en_labels)}' is still loading; "
                         "try again in a moment")
