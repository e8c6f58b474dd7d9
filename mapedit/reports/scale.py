"""Map scales for paper: a numeric scale 1:N with a round N, and a matching scale bar.

A sheet is only useful at the meeting table if a distance can be measured on it: the map is
drawn at exactly 1:N, with N a number people write on drawings (1:500, 1:1000, 1:2000,
1:2500, 1:5000 …), never 1:2317. The map is scaled to that N, so the extent shown grows a
little around the unit instead of the scale being odd.
"""

from __future__ import annotations

import math

NICE_MANTISSAS: tuple[float, ...] = (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0)
"""Leading digits of the scales offered (×10^k): 1:1000, 1:1200, 1:1500, 1:2000, 1:2500 …"""

MIN_SCALE = 100


def required_scale(width_m: float, height_m: float, box_w_mm: float, box_h_mm: float) -> float:
    """The smallest N at which ``width_m`` × ``height_m`` metres fit into a box of
    ``box_w_mm`` × ``box_h_mm`` millimetres on paper."""
    if box_w_mm <= 0 or box_h_mm <= 0:
        raise ValueError("the map box has no area")
    return max(width_m * 1000.0 / box_w_mm, height_m * 1000.0 / box_h_mm, 1e-9)


def nice_scale(required: float) -> int:
    """The smallest round N ≥ ``required`` (at least :data:`MIN_SCALE`)."""
    required = max(float(required), MIN_SCALE)
    exp = math.floor(math.log10(required))
    for k in (exp, exp + 1):
        for m in NICE_MANTISSAS:
            n = m * 10 ** k
            if n >= required * (1 - 1e-9):
                return int(round(n))
    return int(10 ** (exp + 2))  # pragma: no cover - the loop always finds one


def scale_bar(scale: int, max_mm: float = 40.0) -> tuple[float, int]:
    """A scale bar for 1:``scale`` no longer than ``max_mm``: its ground length in metres
    (1, 2 or 5 × 10^k) and the number of segments to draw (4 or 5)."""
    max_m = max_mm * scale / 1000.0
    exp = math.floor(math.log10(max_m))
    best = 10.0 ** exp
    for m in (1.0, 2.0, 5.0, 10.0):
        if m * 10 ** exp <= max_m:
            best = m * 10 ** exp
    segments = 5 if str(best)[0] == "5" else 4
    return best, segments


def metres_label(m: float) -> str:
    """``500 米`` / ``1.5 公里`` as written on a scale bar."""
    if m >= 1000:
        km = m / 1000.0
        return f"{km:g} 公里"
    return f"{m:g} 米"
