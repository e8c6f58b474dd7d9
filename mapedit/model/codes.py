"""Business codes and auto-numbering.

Default pattern (exchange contract): a unit code is 12 digits = 6-digit district (GB/T 2260,
e.g. 310118 青浦区) + 3-digit street + 3-digit unit; a micro-grid code is its unit's code + a
3-digit sequence (15 digits). Grids of a unit are numbered west→east within rows north→south.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import numpy as np
import shapely

UNIT_CODE_RE = re.compile(r"^\d{12}$")
GRID_CODE_RE = re.compile(r"^\d{15}$")
DEFAULT_DISTRICT = "310118"  # 青浦区


def unit_code(district: str, street: int, unit: int) -> str:
    return f"{district}{street:03d}{unit:03d}"


def grid_code(unit_code: str, seq: int) -> str:
    if not 1 <= seq <= 999:
        raise ValueError(f"sequence {seq} out of 1..999")
    return f"{unit_code}{seq:03d}"


class CodePattern:
    """Checks codes against a project's pattern: ``default``, ``none`` or a custom regex
    (applied to grid codes; units then only need to be non-empty)."""

    def __init__(self, spec: str = "default") -> None:
        self.spec = spec or "default"
        self._grid_re = None if self.spec in ("default", "none") else re.compile(self.spec)

    @property
    def active(self) -> bool:
        return self.spec != "none"

    def unit_ok(self, code: str) -> bool:
        if self.spec == "default":
            return bool(UNIT_CODE_RE.match(code or ""))
        return True

    def grid_ok(self, code: str, unit_code: str | None) -> bool:
        """A grid code is valid if it matches the pattern and, by default, starts with the
        code of its unit (when the unit code itself is well-formed)."""
        if self.spec == "none":
            return True
        if self._grid_re is not None:
            return bool(self._grid_re.fullmatch(code or ""))
        if not GRID_CODE_RE.match(code or ""):
            return False
        if unit_code and UNIT_CODE_RE.match(unit_code):
            return code[:12] == unit_code and code[12:] != "000"
        return True

    @staticmethod
    def infer(codes: Iterable[str]) -> CodePattern:
        """For exchange files without a project: apply the default pattern when the data uses
        numeric codes (most codes are all digits); data with its own identifiers (``A001``)
        has no known pattern and is not checked for format."""
        codes = [c for c in codes if c]
        if not codes:
            return CodePattern("none")
        numeric = sum(1 for c in codes if c.isdigit())
        return CodePattern("default" if numeric * 2 >= len(codes) else "none")


def reading_order(geoms: Sequence[shapely.Geometry], row_height: float | None = None) -> list[int]:
    """Indices of ``geoms`` in reading order: rows north→south, west→east within a row.

    Rows are bands of ``row_height`` metres (default: the median grid height), so grids whose
    centres differ by a little in y still count as one row, as a clerk would number them.
    """
    if len(geoms) == 0:
        return []
    pts = shapely.point_on_surface(np.asarray(geoms, dtype=object))
    xs = shapely.get_x(pts)
    ys = shapely.get_y(pts)
    if row_height is None:
        bounds = shapely.bounds(np.asarray(geoms, dtype=object))
        heights = bounds[:, 3] - bounds[:, 1]
        row_height = float(np.median(heights)) if len(heights) else 1.0
    row_height = max(row_height, 1e-6)
    top = float(np.max(ys))
    rows = np.floor((top - ys) / row_height).astype(int)
    return sorted(range(len(geoms)), key=lambda i: (rows[i], xs[i]))


def number_grids(unit_code: str, geoms: Sequence[shapely.Geometry]) -> list[str]:
    """Codes for a unit's grids (same order as ``geoms``) following reading order."""
    codes = [""] * len(geoms)
    for seq, i in enumerate(reading_order(geoms), start=1):
        codes[i] = grid_code(unit_code, seq)
    return codes


def next_free_code(unit_code: str, used: Iterable[str]) -> str:
    """The lowest unused sequence code of a unit (for a grid drawn later)."""
    taken = {c[12:] for c in used if c.startswith(unit_code) and len(c) == 15}
    for seq in range(1, 1000):
        if f"{seq:03d}" not in taken:
            return grid_code(unit_code, seq)
    raise ValueError(f"unit {unit_code} has no free grid code left")
