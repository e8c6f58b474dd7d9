"""Geometry helpers shared by the rules: polygonal parts, noise filtering, labels.

Every rule reports "one finding per connected problem area" and must never report floating-point
noise, so the same two helpers (:func:`polygon_parts` and :func:`significant`) decide, for every
rule, what a piece is and whether it is big enough to matter.
"""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from mapedit.model.noise import (  # noqa: F401 - noise_width: the rules import it from here
    classify,
    noise_width,
    strip_noise,
    widths,
)
from mapedit.model.settings import Settings
from mapedit.model.validity import (  # noqa: F401 - the rules import these from here
    MULTIPOLYGON,
    POLYGON,
    clean_polygonal,
    geometry_problem,
    has_empty_ring,
    polygon_parts,
    polygonal,
    valid_mask,
)


def clean_array_valid(geoms) -> tuple[np.ndarray, np.ndarray]:
    """:func:`clean_polygonal` over an array, with vectorised validity so the (usually few)
    invalid geometries are the only ones handled one by one (180,000 buildings). Returns the
    cleaned array and the mask of inputs that were already valid polygons (those are returned
    as they are, so callers can skip per-item work for them)."""
    arr = np.empty(len(geoms), dtype=object)
    arr[:] = list(geoms)
    ok = valid_mask(arr)
    out = arr.copy()
    for i in np.flatnonzero(~ok):
        out[i] = clean_polygonal(arr[i])
    return out, ok


def clean_array(geoms) -> np.ndarray:
    """:func:`clean_array_valid` without the mask."""
    return clean_array_valid(geoms)[0]


def significant(parts: np.ndarray, settings: Settings) -> np.ndarray:
    """The parts that are real problems, not noise (see :mod:`mapedit.model.noise`): big
    enough and wide enough on average as they are; a part big enough but thin on average
    (a real gap joined to a noise strip along a unit edge) is replaced by its real core(s),
    so the noise neither hides the problem nor ends up in the finding's location."""
    if len(parts) == 0:
        return parts
    real, mixed = classify(parts, settings)
    keep = parts[real]
    if not mixed.any():
        return keep
    cores = [c for p in parts[mixed] for c in strip_noise(p, settings)]
    if not cores:
        return keep
    out = np.empty(len(keep) + len(cores), dtype=object)
    out[:len(keep)] = keep
    out[len(keep):] = cores
    return out


def problem_pieces(geom: BaseGeometry | None, settings: Settings) -> np.ndarray:
    """Connected, significant polygon pieces of an overlay result."""
    return significant(polygon_parts(geom), settings)


def is_thin(piece: BaseGeometry, settings: Settings) -> bool:
    """True when a gap/overlap piece is a sliver (thinner than ``sliver_width_m``)."""
    return float(widths(np.array([piece], dtype=object))[0]) < settings.sliver_width_m


def area2(value: float) -> float:
    """Areas in findings are rounded to 0.01 m² (the contract compares them)."""
    return round(float(value) + 0.0, 2)


def fmt_area(value: float) -> str:
    """An area for messages: 20.1, 0.35, 1234."""
    v = round(float(value), 2)
    return f"{v:.2f}".rstrip("0").rstrip(".") if v != int(v) else f"{int(v)}"


def private_copies(geoms: np.ndarray) -> np.ndarray:
    """New, prepared geometry objects with the same coordinates (None stays None).

    GEOS prepared geometries are not thread-safe (their indexes are built lazily on first use),
    so a worker thread runs prepared predicates only on its own copies. ``force_2d`` is the
    cheapest copy; predicates ignore Z, so the answers are those of the originals."""
    out = shapely.force_2d(geoms)
    shapely.prepare(out)
    return out
