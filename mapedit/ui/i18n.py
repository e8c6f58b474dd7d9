"""Translations: the UI is written in Chinese, English comes from ``mapedit/resources/i18n/*.ts``.

The one mechanism
-----------------
Every user-facing literal in ``mapedit/ui`` is Chinese source text passed to ``tr``: ``self.tr``
in a ``QObject``, :func:`tr` elsewhere (tools' status messages, commands, module-level code).
A literal that is defined in one place and shown elsewhere (a tool's title, a layer or legend
label, a unit type used as a dictionary key) is marked with :func:`N_` where it is written and
passed through :func:`tr` where it is shown. Texts the domain carries in both languages (a
:class:`~mapedit.errors.MapeditError`, a finding, a change set, a rule) are not literals of the
UI; they are chosen with :func:`pick` / :func:`error_text`. ``tests/test_ui_support.py`` scans
all of ``mapedit/ui`` and fails on a Chinese literal outside ``tr``/``N_`` and on a ``tr``/``N_``
text without an English translation in ``mapedit_en.ts``.

Why the ``.ts`` XML is read directly
------------------------------------
Qt's ``QTranslator.load`` only reads compiled ``.qm`` files, which ``lrelease`` produces. The
installed application cannot count on ``lrelease`` being available (Windows clerks have no Qt
tools) and we do not want a generated binary in git, so :class:`TsTranslator` parses the Qt
Linguist source (``mapedit_<lang>.ts``) with the standard library and answers
``QCoreApplication.translate`` lookups from a dictionary by overriding ``translate``. Messages
marked ``unfinished``/``obsolete``/``vanished`` are skipped, so a half-translated file falls back
to the Chinese source text instead of showing blanks.

Lookup is by ``(context, source)`` first, then by source alone: PySide's ``self.tr`` uses the
Python class name as context, which changes when a widget is subclassed; the fallback keeps such
strings translated.

Workflow for translators:
``pyside6-lupdate mapedit/ui -ts mapedit/resources/i18n/mapedit_en.ts``, edit
with ``pyside6-linguist``, commit the ``.ts``. Nothing to compile.

Qt's own strings (OK/Cancel in standard dialogs) come from Qt's ``qtbase_zh_CN.qm`` shipped with
PySide6; they are loaded when the language is Chinese.
"""

from __future__ import annotations

import logging
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from mapedit.resources import resource_path

log = logging.getLogger(__name__)

SOURCE_LANGUAGE = "zh_CN"
_current_language = SOURCE_LANGUAGE
_installed: list[QTranslator] = []


class TsTranslator(QTranslator):
    """A ``QTranslator`` fed from a Qt Linguist ``.ts`` file instead of a compiled ``.qm``."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._by_context: dict[tuple[str, str], str] = {}
        self._by_source: dict[str, str] = {}
        self._language = ""

    def load_ts(self, path: str | Path) -> bool:
        """Read the finished messages of a ``.ts`` file; False (and a log line) if unreadable."""
        try:
            root = ET.parse(str(path)).getroot()
        except (OSError, ET.ParseError) as exc:
            log.warning("cannot read translation %s: %s", path, exc)
            return False
        self._language = root.get("language", "")
        for ctx in root.iter("context"):
            name = ctx.findtext("name") or ""
            for msg in ctx.iter("message"):
                source = msg.findtext("source")
                tr = msg.find("translation")
                if source is None or tr is None:
                    continue
                if tr.get("type") in ("unfinished", "obsolete", "vanished"):
                    continue
                text = tr.text or ""
                if not text:
                    forms = [n.text or "" for n in tr.iter("numerusform")]
                    text = forms[0] if forms else ""
                if not text:
                    continue
                self._by_context[(name, source)] = text
                self._by_source.setdefault(source, text)
        return bool(self._by_source)

    def __len__(self) -> int:
        return len(self._by_source)

    def isEmpty(self) -> bool:  # noqa: N802 - Qt override
        return not self._by_source

    def language(self) -> str:
        return self._language

    def translate(self, context: str, source: str, disambiguation: str | None = None,
                  n: int = -1) -> str | None:
        """Qt override: return the translation, or None so Qt keeps the source text."""
        if not source:
            return None
        hit = self._by_context.get((context or "", source))
        if hit is None:
            hit = self._by_source.get(source)
        return hit


def ts_path(lang: str) -> Path:
    return resource_path("i18n", f"mapedit_{lang}.ts")


def current_language() -> str:
    """The language the running UI uses (``zh_CN`` or ``en``)."""
    return _current_language


def is_chinese() -> bool:
    return _current_language.startswith("zh")


def install(lang: str, app: QCoreApplication | None = None) -> str:
    """Install the translators for ``lang`` (replacing earlier ones); return the language
    actually in effect (falls back to Chinese if the English file cannot be read)."""
    global _current_language
    app = app or QCoreApplication.instance()
    for t in _installed:
        if app is not None:
            app.removeTranslator(t)
    _installed.clear()
    effective = SOURCE_LANGUAGE
    if lang and not lang.startswith("zh"):
        t = TsTranslator(app)
        if t.load_ts(ts_path(lang)):
            _installed.append(t)
            effective = lang
    else:
        qt = QTranslator(app)
        qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        if qt.load(QLocale(QLocale.Language.Chinese, QLocale.Country.China), "qtbase", "_",
                   qt_dir):
            _installed.append(qt)
    if app is not None:
        for t in _installed:
            app.installTranslator(t)
    _current_language = effective
    return effective


def tr(text: str, context: str = "mapedit") -> str:
    """Translate a Chinese source literal outside a ``QObject`` (same lookup as ``self.tr``)."""
    return QCoreApplication.translate(context, text)


def N_(text: str) -> str:  # noqa: N802 - the gettext name translators know
    """Mark a literal for translation where it is written; :func:`tr` it where it is shown."""
    return text


def pick(zh: str, en: str) -> str:
    """Choose between the two texts that domain objects carry (findings, errors, rules)."""
    return zh if is_chinese() or not en else en


def error_text(err: BaseException) -> str:
    """What to tell the clerk about an error: a :class:`MapeditError` in the UI language."""
    zh = getattr(err, "zh", None)
    if isinstance(zh, str):
        return pick(zh, getattr(err, "en", "") or "")
    return str(err)


_BILINGUAL_SPLIT = re.compile(r"\s?/ (?=[A-Za-z0-9(\"'])")


def pick_line(text: str) -> str:
    """One "中文 / English" line of the domain's notes (the store's load messages, CLI-style
    lines) in the interface language: split at the first "/ " followed by Latin text, the
    whole line when there is no such split."""
    m = _BILINGUAL_SPLIT.search(text)
    if m is None:
        return text
    return pick(text[:m.start()].strip(), text[m.end():].strip())
