"""Georeferencing a paper map: control points and the transform they give (pure numpy).

The ops centre hands out paper maps; clerks draw micro-grids on them by hand and photograph or
scan them. To trace over such a map, the image is tied to the project CRS by control points:
a pixel of the image (``px``, ``py``) and the map position it shows (``x``, ``y`` in the project
CRS, or a longitude/latitude converted to it).

* **affine** (≥ 3 points, least squares): scans and flat, square-on photos — scale, rotation,
  shear, shift;
* **projective** (≥ 4 points, a homography): phone photos taken at an angle, where parallel
  streets converge. Fitted by the normalised direct linear transform, then refined by
  Gauss-Newton on the residuals in metres, which is what the clerk is shown.

Each point's residual (metres between where the fit puts its pixel and where the clerk said it
is) and the RMS tell whether a point was mis-clicked; a point can be disabled to see the fit
without it. Pixel coordinates follow GDAL: (0, 0) is the top-left corner of the top-left pixel,
so the centre of pixel (i, j) is (i + 0.5, j + 0.5).

The fit is stored in a raster layer's ``options["transform"]`` (:meth:`Fit.to_options`,
:meth:`Georeferencer.from_options`), so it round-trips through ``mapedit_layers``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

import numpy as np

from mapedit.errors import InputError

AFFINE = "affine"
PROJECTIVE = "projective"
KINDS = (AFFINE, PROJECTIVE)
MIN_POINTS = {AFFINE: 3, PROJECTIVE: 4}


@dataclass(frozen=True)
class ControlPoint:
    """Image pixel → map position (project CRS, metres)."""

    id: int
    px: float
    py: float
    x: float
    y: float
    enabled: bool = True


@dataclass(frozen=True)
class Fit:
    """A fitted transform: ``matrix`` (3 × 3) maps homogeneous image pixels to map coordinates
    in ``crs``; ``residuals`` (metres) per point id, disabled points included; ``rms`` over the
    enabled ones; ``redundancy`` = equations beyond the minimum (0: the residuals say nothing)."""

    kind: str
    matrix: np.ndarray
    crs: str
    residuals: dict[int, float]
    rms: float
    redundancy: int

    def image_to_map(self, px, py) -> tuple[np.ndarray, np.ndarray]:
        return apply(self.matrix, px, py)

    def map_to_image(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        return apply(np.linalg.inv(self.matrix), x, y)

    def to_options(self, points: Iterable[ControlPoint] = ()) -> dict[str, Any]:
        """What a raster layer stores in ``options["transform"]`` (plain JSON)."""
        return {"type": self.kind, "matrix": [[float(v) for v in row] for row in self.matrix],
                "crs": self.crs, "rms_m": float(self.rms),
                "points": [{"px": p.px, "py": p.py, "x": p.x, "y": p.y, "enabled": p.enabled}
                           for p in points]}


def apply(matrix: np.ndarray, u, v) -> tuple[np.ndarray, np.ndarray]:
    """Apply a 3 × 3 (affine or projective) matrix to coordinates (scalars or arrays)."""
    u = np.asarray(u, dtype=float)
    v = np.asarray(v, dtype=float)
    m = np.asarray(matrix, dtype=float)
    w = m[2, 0] * u + m[2, 1] * v + m[2, 2]
    return (m[0, 0] * u + m[0, 1] * v + m[0, 2]) / w, (m[1, 0] * u + m[1, 1] * v + m[1, 2]) / w


def matrix_from_options(transform: Mapping[str, Any]) -> np.ndarray:
    """The 3 × 3 matrix stored by :meth:`Fit.to_options` (checked)."""
    m = np.asarray(transform.get("matrix"), dtype=float)
    if m.shape != (3, 3) or not np.isfinite(m).all() or abs(np.linalg.det(m)) < 1e-300:
        raise InputError("图层的配准参数已损坏", "the layer's georeference is damaged")
    return m


# -- fitting --------------------------------------------------------------------------------

def _normaliser(pts: np.ndarray) -> np.ndarray:
    """Hartley normalisation: centre on the mean, mean distance √2 (keeps the DLT well
    conditioned when pixels are ~1e3 and map coordinates ~1e6)."""
    c = pts.mean(axis=0)
    d = np.sqrt(((pts - c) ** 2).sum(axis=1)).mean()
    s = math.sqrt(2.0) / d if d > 0 else 1.0
    return np.array([[s, 0, -s * c[0]], [0, s, -s * c[1]], [0, 0, 1.0]])


def _too_few(kind: str, n: int) -> InputError:
    need = MIN_POINTS[kind]
    name_zh = "仿射" if kind == AFFINE else "透视"
    return InputError(f"{name_zh}变换至少需要 {need} 个控制点(现有 {n} 个)",
                      f"a {kind} transform needs at least {need} control points ({n} given)")


def _degenerate() -> InputError:
    return InputError("控制点几乎共线或重合,无法配准;请把控制点分散到图像四周",
                      "the control points are (nearly) collinear or coincide; spread them "
                      "over the image")


def fit_affine(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Least-squares affine matrix mapping ``src`` (n × 2) onto ``dst`` (n × 2), n ≥ 3."""
    if len(src) < 3:
        raise _too_few(AFFINE, len(src))
    t1, t2 = _normaliser(src), _normaliser(dst)
    s = (t1 @ np.column_stack([src, np.ones(len(src))]).T).T
    d = (t2 @ np.column_stack([dst, np.ones(len(dst))]).T).T
    a = s[:, :3]
    if np.linalg.matrix_rank(a, tol=1e-9) < 3:
        raise _degenerate()
    coef, *_ = np.linalg.lstsq(a, d[:, :2], rcond=None)
    m = np.eye(3)
    m[:2, :] = coef.T
    return np.linalg.inv(t2) @ m @ t1


def fit_projective(src: np.ndarray, dst: np.ndarray, iterations: int = 20) -> np.ndarray:
    """Homography mapping ``src`` onto ``dst`` (n ≥ 4): normalised DLT, then Gauss-Newton
    (Levenberg-damped) on the map-space residuals, so the least-squares sense is metres."""
    n = len(src)
    if n < 4:
        raise _too_few(PROJECTIVE, n)
    t1, t2 = _normaliser(src), _normaliser(dst)
    s = (t1 @ np.column_stack([src, np.ones(n)]).T).T[:, :2]
    d = (t2 @ np.column_stack([dst, np.ones(n)]).T).T[:, :2]
    rows = []
    for (u, v), (x, y) in zip(s, d, strict=True):
        rows.append([u, v, 1, 0, 0, 0, -x * u, -x * v, -x])
        rows.append([0, 0, 0, u, v, 1, -y * u, -y * v, -y])
    a = np.asarray(rows)
    # a is 2n × 9: skip the 2n × 2n U, except for four points (8 × 9), whose null vector is
    # the ninth row of a full V^T
    _, sv, vt = np.linalg.svd(a, full_matrices=a.shape[0] < 9)
    # a unique solution needs rank 8; three collinear points of four leave it at 7
    if sv[min(7, len(sv) - 1)] < 1e-9 * sv[0]:
        raise _degenerate()
    h = vt[-1].reshape(3, 3)
    if abs(h[2, 2]) < 1e-12:
        raise _degenerate()
    h = h / h[2, 2]
    p = np.concatenate([h[0], h[1], h[2, :2]])  # 8 parameters, h33 = 1
    lam = 1e-3

    def residual(p: np.ndarray) -> np.ndarray:
        w = p[6] * s[:, 0] + p[7] * s[:, 1] + 1.0
        x = (p[0] * s[:, 0] + p[1] * s[:, 1] + p[2]) / w
        y = (p[3] * s[:, 0] + p[4] * s[:, 1] + p[5]) / w
        return np.concatenate([x - d[:, 0], y - d[:, 1]])

    r = residual(p)
    for _ in range(iterations):
        u, v = s[:, 0], s[:, 1]
        w = p[6] * u + p[7] * v + 1.0
        x = (p[0] * u + p[1] * v + p[2]) / w
        y = (p[3] * u + p[4] * v + p[5]) / w
        z = np.zeros(n)
        jx = np.column_stack([u / w, v / w, 1 / w, z, z, z, -x * u / w, -x * v / w])
        jy = np.column_stack([z, z, z, u / w, v / w, 1 / w, -y * u / w, -y * v / w])
        j = np.vstack([jx, jy])
        jtj = j.T @ j
        step = np.linalg.solve(jtj + lam * np.diag(np.diag(jtj) + 1e-12), -j.T @ r)
        trial = p + step
        rt = residual(trial)
        if (rt ** 2).sum() < (r ** 2).sum():
            p, r, lam = trial, rt, lam * 0.3
            if np.abs(step).max() < 1e-12:
                break
        else:
            lam *= 10.0
    hn = np.array([[p[0], p[1], p[2]], [p[3], p[4], p[5]], [p[6], p[7], 1.0]])
    m = np.linalg.inv(t2) @ hn @ t1
    m = m / m[2, 2]
    w = m[2, 0] * src[:, 0] + m[2, 1] * src[:, 1] + m[2, 2]
    if not ((w > 0).all() or (w < 0).all()):  # the image would fold over itself
        raise _degenerate()
    return m


# -- the editable model ---------------------------------------------------------------------

Listener = Callable[["Georeferencer"], None]


class Georeferencer:
    """Control points of one image and the fit they give: the model behind the
    georeferencing window and ``mapedit georef``. Every change tells the listeners (the
    window refits and redraws the preview)."""

    def __init__(self, crs: str, kind: str = PROJECTIVE,
                 points: Iterable[ControlPoint] = ()) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown transform {kind!r}")
        self.crs = crs
        self.kind = kind
        self._points: dict[int, ControlPoint] = {}
        self._next = 1
        self._listeners: list[Listener] = []
        self.revision = 0
        for p in points:
            self._points[p.id] = p
            self._next = max(self._next, p.id + 1)

    # -- reading -------------------------------------------------------------------------
    @property
    def points(self) -> list[ControlPoint]:
        return list(self._points.values())

    def __len__(self) -> int:
        return len(self._points)

    def __getitem__(self, pid: int) -> ControlPoint:
        return self._points[pid]

    def enabled(self) -> list[ControlPoint]:
        return [p for p in self._points.values() if p.enabled]

    def can_fit(self) -> bool:
        return len(self.enabled()) >= MIN_POINTS[self.kind]

    # -- changing ------------------------------------------------------------------------
    def subscribe(self, fn: Listener) -> None:
        if fn not in self._listeners:
            self._listeners.append(fn)

    def unsubscribe(self, fn: Listener) -> None:
        if fn in self._listeners:
            self._listeners.remove(fn)

    def _changed(self) -> None:
        self.revision += 1
        for fn in list(self._listeners):
            fn(self)

    def add(self, px: float, py: float, x: float, y: float, enabled: bool = True) -> int:
        """A control point with map coordinates in the georeferencer's CRS; returns its id."""
        vals = [float(v) for v in (px, py, x, y)]
        if not all(math.isfinite(v) for v in vals):
            raise InputError("控制点坐标不是有效数字", "a control point coordinate is not a number")
        pid = self._next
        self._next += 1
        self._points[pid] = ControlPoint(pid, *vals, enabled=enabled)
        self._changed()
        return pid

    def add_lonlat(self, px: float, py: float, lon: float, lat: float,
                   lonlat_crs: str = "EPSG:4326") -> int:
        """A control point typed as longitude/latitude (WGS84 or CGCS2000 degrees)."""
        x, y = lonlat_to(self.crs, lon, lat, lonlat_crs)
        return self.add(px, py, x, y)

    def move(self, pid: int, *, px: float | None = None, py: float | None = None,
             x: float | None = None, y: float | None = None) -> None:
        """Move a point's image end, map end, or both."""
        p = self._points[pid]
        changes = {k: float(v) for k, v in (("px", px), ("py", py), ("x", x), ("y", y))
                   if v is not None}
        if not all(math.isfinite(v) for v in changes.values()):
            raise InputError("控制点坐标不是有效数字", "a control point coordinate is not a number")
        self._points[pid] = replace(p, **changes)
        self._changed()

    def delete(self, pid: int) -> None:
        del self._points[pid]
        self._changed()

    def set_enabled(self, pid: int, enabled: bool) -> None:
        self._points[pid] = replace(self._points[pid], enabled=bool(enabled))
        self._changed()

    def set_kind(self, kind: str) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown transform {kind!r}")
        self.kind = kind
        self._changed()

    # -- fitting -------------------------------------------------------------------------
    def fit(self) -> Fit:
        """The transform of the enabled points, with residuals (a bilingual error when there
        are too few points or they are collinear)."""
        use = self.enabled()
        if len(use) < MIN_POINTS[self.kind]:
            raise _too_few(self.kind, len(use))
        src = np.array([[p.px, p.py] for p in use], dtype=float)
        dst = np.array([[p.x, p.y] for p in use], dtype=float)
        m = fit_affine(src, dst) if self.kind == AFFINE else fit_projective(src, dst)
        every = self.points
        ex, ey = apply(m, [p.px for p in every], [p.py for p in every])
        res = {p.id: float(math.hypot(float(a) - p.x, float(b) - p.y))
               for p, a, b in zip(every, np.atleast_1d(ex), np.atleast_1d(ey), strict=True)}
        r = np.array([res[p.id] for p in use])
        rms = float(np.sqrt((r ** 2).mean()))
        redundancy = 2 * len(use) - (6 if self.kind == AFFINE else 8)
        return Fit(self.kind, m, self.crs, res, rms, redundancy)

    # -- persistence ---------------------------------------------------------------------
    def to_options(self) -> dict[str, Any]:
        """``options["transform"]`` of the raster layer: the fit and the points behind it."""
        return self.fit().to_options(self.points)

    @classmethod
    def from_options(cls, transform: Mapping[str, Any], crs: str | None = None) -> Georeferencer:
        """The editable points back from a layer's options (to adjust a saved georeference)."""
        kind = str(transform.get("type") or PROJECTIVE)
        if kind not in KINDS:
            raise InputError(f"未知的配准类型 {kind}", f"unknown georeference type {kind}")
        pts = [ControlPoint(i + 1, float(p["px"]), float(p["py"]), float(p["x"]), float(p["y"]),
                            bool(p.get("enabled", True)))
               for i, p in enumerate(transform.get("points") or [])]
        return cls(crs or str(transform.get("crs") or ""), kind, pts)


@lru_cache(maxsize=16)
def _transformer(src: str, dst: str):
    """Building a transformer costs ~0.1 s; the window adds points one at a time."""
    from pyproj import Transformer

    return Transformer.from_crs(src, dst, always_xy=True)


def lonlat_to(crs: str, lon: float, lat: float, lonlat_crs: str = "EPSG:4326"
              ) -> tuple[float, float]:
    """Degrees → project CRS (checked: a swapped or out-of-range pair is refused)."""
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise InputError(f"经纬度 ({lon}, {lat}) 超出范围", f"lon/lat ({lon}, {lat}) out of range")
    x, y = _transformer(lonlat_crs, crs).transform(lon, lat)
    if not (math.isfinite(x) and math.isfinite(y)):
        raise InputError(f"经纬度 ({lon}, {lat}) 无法换算到 {crs}",
                         f"lon/lat ({lon}, {lat}) cannot be converted to {crs}")
    return float(x), float(y)
