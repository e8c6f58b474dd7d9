"""Regression guard for a PySide6 defect measured on this project's machines.

PySide6-Essentials 6.12.0 on Python 3.11 aborts the interpreter ("none_dealloc: deallocating
None") after about 10,000 calls of any method returning None, e.g. ``QPainterPath.lineTo``.
pyproject.toml pins 6.12.0 out on Python < 3.12. These tests fail if a broken combination is
installed again, and exercise the crash path in a child process so the test run survives it.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from importlib.metadata import version


def test_broken_pyside_combination_not_installed() -> None:
    pyside = version("PySide6-Essentials") if _has("PySide6-Essentials") else version("PySide6")
    if sys.version_info < (3, 12):
        assert pyside != "6.12.0", "PySide6 6.12.0 aborts on Python 3.11; see pyproject.toml"


def test_many_none_returning_calls_survive() -> None:
    code = textwrap.dedent(
        """
        from PySide6.QtGui import QPainterPath
        path = QPainterPath()
        for i in range(30000):
            path.lineTo(float(i), float(i % 7))
        print("ok", path.elementCount())
        """
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.startswith("ok ")


def _has(dist: str) -> bool:
    try:
        version(dist)
        return True
    except Exception:
        return False
