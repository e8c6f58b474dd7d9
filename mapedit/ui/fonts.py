"""Choosing a font that shows Chinese well.

Qt's default UI font on Windows (Segoe UI) has no CJK glyphs; Windows then falls back to SimSun,
a thin bitmap-ish serif that clerks find hard to read. On Linux the fallback is whatever
fontconfig picks. We therefore pick a known good Chinese sans font when it is installed and
otherwise leave Qt's choice alone (never an error: a missing font is not the clerk's problem).
"""

from __future__ import annotations

import sys

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

WINDOWS_FONTS = ("Microsoft YaHei UI", "Microsoft YaHei", "DengXian", "SimHei")
LINUX_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei",
               "WenQuanYi Zen Hei", "Droid Sans Fallback")
MAC_FONTS = ("PingFang SC", "Hiragino Sans GB", "Heiti SC")


def candidates(platform: str | None = None) -> tuple[str, ...]:
    """Preferred CJK font families for ``platform`` (``sys.platform`` style), best first."""
    platform = platform or sys.platform
    if platform.startswith("win"):
        return WINDOWS_FONTS
    if platform == "darwin":
        return MAC_FONTS
    return LINUX_FONTS


def choose_cjk_family(platform: str | None = None,
                      available: list[str] | None = None) -> str | None:
    """The first preferred family that is installed, or None."""
    fams = available if available is not None else QFontDatabase.families()
    lower = {f.lower(): f for f in fams}
    for want in candidates(platform):
        if want.lower() in lower:
            return lower[want.lower()]
    for f in fams:  # a family name like "WenQuanYi Micro Hei Mono" still beats nothing
        if f.lower().startswith(("wenquanyi", "noto sans cjk")):
            return f
    return None


def apply_cjk_font(app: QApplication, point_size: float | None = None) -> str | None:
    """Make the chosen CJK family the application font (keeping Qt's size); return it."""
    family = choose_cjk_family()
    if family is None:
        return None
    font = QFont(app.font())
    font.setFamilies([family, *[f for f in font.families() if f != family]])
    if point_size:
        font.setPointSizeF(point_size)
    app.setFont(font)
    return family
