"""What a picture of the map shows — its bounds, its scale, its layers — without Qt: shared by
``mapedit render`` (option parsing and checking) and :func:`mapedit.ui.render.render_map`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from mapedit.errors import InputError, MapeditError

MAX_SIDE = 8000
"""Largest picture side in pixels (a canvas bigger than this costs hundreds of MB)."""
UNIT_MARGIN = 0.08
"""A unit is framed with this share of its size around it."""


def check_size(w: int, h: int) -> None:
    if not (16 <= w <= MAX_SIDE and 16 <= h <= MAX_SIDE):
        raise InputError(f"图片大小应在 16 到 {MAX_SIDE} 像素之间:{w}x{h}",
                         f"the size must be between 16 and {MAX_SIDE} pixels: {w}x{h}")


def parse_size(text: str) -> tuple[int, int]:
    """``1600x1000`` (also ``1600×1000``, ``1600*1000``) → (1600, 1000)."""
    import re

    m = re.fullmatch(r"\s*(\d+)\s*[xX×*]\s*(\d+)\s*", text or "")
    if not m:
        raise InputError(f"图片大小应写成 宽x高,如 1600x1000:{text}",
                         f"the size must read WIDTHxHEIGHT, e.g. 1600x1000: {text}")
    w, h = int(m.group(1)), int(m.group(2))
    check_size(w, h)
    return w, h


def parse_center(text: str) -> tuple[float, float]:
    """``LON,LAT`` in degrees (CGCS2000 / WGS84)."""
    parts = [p for p in (text or "").replace(",", " ").split() if p]
    try:
        lon, lat = (float(p) for p in parts)
    except ValueError:
        lon = lat = math.nan
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise InputError(f"中心点应写成 经度,纬度,如 121.2,31.1:{text}",
                         f"the centre must read LON,LAT, e.g. 121.2,31.1: {text}")
    return lon, lat


def view_bounds(dataset, size: tuple[int, int], *, unit: str | None = None,
                center: tuple[float, float] | None = None, scale: float | None = None,
                bounds: tuple[float, float, float, float] | None = None
                ) -> tuple[tuple[float, float, float, float], float]:
    """(bounds, metres per pixel) of the picture: a unit framed with a margin, a centre
    (longitude/latitude) at a scale, given bounds, or the whole project. The bounds have the
    picture's aspect exactly, so every pixel is square and lands where computed."""
    w, h = size
    if scale is not None and not (math.isfinite(scale) and scale > 0):
        raise InputError(f"比例尺(米/像素)应为正数:{scale}",
                         f"the scale (metres per pixel) must be positive: {scale}")
    if center is not None:
        from mapedit.model.georef import lonlat_to

        if scale is None:
            raise InputError("给出 --center 时还要给出 --scale(米/像素)",
                             "--center needs --scale (metres per pixel)")
        cx, cy = lonlat_to(dataset.crs, center[0], center[1], "EPSG:4490")
    else:
        if unit is not None:
            from mapedit.io.layer_factory import unit_extent

            x0, y0, x1, y1 = unit_extent(dataset, unit)
            mx, my = (x1 - x0) * UNIT_MARGIN, (y1 - y0) * UNIT_MARGIN
            x0, y0, x1, y1 = x0 - mx, y0 - my, x1 + mx, y1 + my
        elif bounds is not None:
            x0, y0, x1, y1 = (float(v) for v in bounds)
        else:
            from mapedit.io.layer_factory import project_extent

            ext = project_extent(dataset)
            if ext is None:
                raise InputError("项目没有范围(没有街道或管理单元)",
                                 "the project has no extent (no street or units)")
            x0, y0, x1, y1 = ext
            mx, my = (x1 - x0) * 0.03, (y1 - y0) * 0.03
            x0, y0, x1, y1 = x0 - mx, y0 - my, x1 + mx, y1 + my
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        if scale is None:
            scale = max((x1 - x0) / w, (y1 - y0) / h, 1e-3)
    half_w, half_h = w * scale / 2, h * scale / 2
    return (cx - half_w, cy - half_h, cx + half_w, cy + half_h), float(scale)


# -- layers ----------------------------------------------------------------------------------

def resolve_layers(stack, names: Iterable[str]) -> list[str]:
    """Layer ids for the names a clerk typed (id, name, or the Chinese/English label); a
    bilingual error naming the known layers for an unknown one."""
    out: list[str] = []
    for raw in names:
        name = raw.strip()
        if not name:
            continue
        hit = None
        for layer in stack:
            if name in (layer.id, layer.name, layer.label("zh"), layer.label("en")):
                hit = layer.id
                break
        if hit is None:
            known = ", ".join(f"{ly.id} ({ly.label('zh')})" for ly in stack)
            raise InputError(f"项目中没有图层 {name}(现有:{known})",
                             f"the project has no layer {name} (layers: {known})")
        out.append(hit)
    return out


def layer_problem(layer, exc: MapeditError) -> tuple[str, str]:
    """(zh, en): a layer could not be drawn, and why."""
    return f"{layer.label('zh')}:{exc.zh}", f"{layer.label('en')}: {exc.en}"


def cannot_write(path) -> InputError:
    return InputError(f"无法写入图片 {path}", f"cannot write the image {path}")
