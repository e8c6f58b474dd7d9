"""Georeferencing a paper map: fits, residuals, the editable point model, and a synthetic
phone photo (a perspective warp of a known map, saved as JPEG by GDAL) whose markers must land
within 1 m of where they belong — checked on the fit and on the rendered image."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from pyproj import Transformer

from mapedit.errors import InputError
from mapedit.io.layer_factory import georeferencer_from_gcps, read_gcps
from mapedit.io.raster import RasterSource
from mapedit.model.georef import (
    AFFINE,
    PROJECTIVE,
    Georeferencer,
    apply,
    fit_affine,
    fit_projective,
)
from mapedit.model.layers import Layer

CRS = "EPSG:4549"
X0, Y0 = 628_000.0, 3_456_400.0  # top-left of the paper map, central Shanghai
RES = 0.5  # metres per paper-map pixel
PW, PH = 800, 600  # paper map pixels (400 m × 300 m)
MARKERS = [  # map position → colour
    ((X0 + 40, Y0 - 30), (255, 0, 0)), ((X0 + 360, Y0 - 40), (0, 200, 0)),
    ((X0 + 200, Y0 - 150), (0, 0, 255)), ((X0 + 60, Y0 - 270), (255, 0, 255)),
    ((X0 + 330, Y0 - 250), (0, 220, 220)), ((X0 + 120, Y0 - 120), (255, 160, 0)),
    ((X0 + 280, Y0 - 90), (120, 0, 200)), ((X0 + 250, Y0 - 220), (0, 120, 60)),
]
H_PHOTO = np.array([[1.35, 0.18, 120.0], [-0.05, 1.25, 90.0], [1.2e-4, 2.6e-4, 1.0]])
"""Paper pixel → photo pixel: a phone held at an angle (the far edge ~35 % narrower)."""


def paper_px(x: float, y: float) -> tuple[float, float]:
    return (x - X0) / RES, (Y0 - y) / RES


def paper_map() -> np.ndarray:
    """RGB paper map: grid lines every 50 m and coloured disks (radius 3 m) at MARKERS."""
    img = np.full((PH, PW, 3), 245, dtype=np.uint8)
    img[::100, :] = 60
    img[:, ::100] = 60
    yy, xx = np.mgrid[0:PH, 0:PW]
    for (x, y), colour in MARKERS:
        cx, cy = paper_px(x, y)
        img[(xx + 0.5 - cx) ** 2 + (yy + 0.5 - cy) ** 2 <= (3.0 / RES) ** 2] = colour
    return img


def phone_photo(path) -> tuple[int, int]:
    """Warp the paper map through H_PHOTO into a 1600 × 1200 JPEG (GDAL writes it)."""
    import rasterio

    w, h = 1600, 1200
    src = paper_map()
    inv = np.linalg.inv(H_PHOTO)
    py, px = np.mgrid[0:h, 0:w] + 0.5
    u, v = apply(inv, px, py)
    iu, iv = np.floor(u).astype(int), np.floor(v).astype(int)
    ok = (iu >= 0) & (iu < PW) & (iv >= 0) & (iv < PH)
    photo = np.full((h, w, 3), 30, dtype=np.uint8)  # the desk around the paper
    photo[ok] = src[iv[ok], iu[ok]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with rasterio.open(path, "w", driver="JPEG", width=w, height=h, count=3, dtype="uint8",
                           quality=92) as d:
            d.write(photo.transpose(2, 0, 1))
    return w, h


def photo_px_of(x: float, y: float) -> tuple[float, float]:
    u, v = paper_px(x, y)
    a, b = apply(H_PHOTO, u, v)
    return float(a), float(b)


# -- fits ----------------------------------------------------------------------------------

def test_affine_and_projective_recover_exact_transforms() -> None:
    rng = np.random.default_rng(0)
    src = rng.uniform(0, 2000, (6, 2))
    a = np.array([[0.3, 0.05, 620_000.0], [0.04, -0.31, 3_450_000.0], [0, 0, 1]])
    dst = np.column_stack(apply(a, src[:, 0], src[:, 1]))
    assert np.allclose(fit_affine(src, dst), a, atol=1e-6)
    p = np.array([[0.5, 0.1, 0.0], [0.02, 0.5, 0.0], [6e-5, 1e-4, 1.0]])
    h = np.array([[1, 0, 620_000.0], [0, -1, 3_450_000.0], [0, 0, 1]]) @ p
    dst = np.column_stack(apply(h, src[:, 0], src[:, 1]))
    got = fit_projective(src, dst)
    assert np.allclose(got / got[2, 2], h / h[2, 2], rtol=1e-9, atol=1e-6)


def test_four_points_give_the_exact_homography() -> None:
    src = np.array([(0.0, 0.0), (1600.0, 0.0), (1600.0, 1200.0), (0.0, 1200.0)])
    dst = np.column_stack(apply(H_PHOTO, src[:, 0], src[:, 1]))
    got = fit_projective(src, dst)
    assert np.allclose(got / got[2, 2], H_PHOTO, rtol=1e-9, atol=1e-9)


def test_too_few_or_collinear_points_are_refused() -> None:
    g = Georeferencer(CRS, PROJECTIVE)
    for i in range(3):
        g.add(i * 100, i * 50 + 7, X0 + i, Y0 + 2 * i)
    with pytest.raises(InputError) as e:
        g.fit()
    assert "4" in e.value.zh and "4" in e.value.en
    g.add(300, 157, X0 + 3, Y0 + 6)  # four points on one line
    with pytest.raises(InputError) as e:
        g.fit()
    assert "共线" in e.value.zh
    g.set_kind(AFFINE)
    with pytest.raises(InputError):
        g.fit()


def test_editing_points_refits_and_notifies() -> None:
    g = Georeferencer(CRS, AFFINE)
    heard = []
    g.subscribe(lambda geo: heard.append(geo.revision))
    a = np.array([[0.5, 0.0, X0], [0.0, -0.5, Y0], [0, 0, 1]])
    ids = [g.add(px, py, *apply(a, px, py)) for px, py in [(0, 0), (800, 0), (800, 600),
                                                            (0, 600)]]
    bad = g.add(400, 300, *apply(a, 400 + 20, 300))  # mis-clicked by 20 px = 10 m
    fit = g.fit()
    assert fit.redundancy == 4
    assert max(fit.residuals, key=fit.residuals.get) == bad
    g.set_enabled(bad, False)
    fit = g.fit()
    assert fit.rms < 1e-6 and fit.residuals[bad] == pytest.approx(10.0, abs=1e-6)
    g.move(bad, px=420)
    g.set_enabled(bad, True)
    assert g.fit().residuals[bad] < 1e-6
    g.delete(ids[0])
    assert len(g) == 4 and heard == list(range(1, len(heard) + 1)) and len(heard) == 9
    with pytest.raises(InputError):
        g.move(ids[1], x=float("nan"))


def test_transform_round_trips_through_layer_settings() -> None:
    g = Georeferencer(CRS, PROJECTIVE)
    for (x, y), _ in MARKERS[:6]:
        g.add(*photo_px_of(x, y), x, y)
    layer = Layer(id="paper", kind="raster", name="纸质地图", source="p.jpg", crs=CRS,
                  options={"path": "p.jpg", "transform": g.to_options()})
    restored = Layer.from_settings(json.loads(json.dumps(layer.settings(), ensure_ascii=False)))
    back = Georeferencer.from_options(restored.options["transform"])
    assert back.kind == PROJECTIVE and back.crs == CRS and len(back) == 6
    assert np.allclose(back.fit().matrix, g.fit().matrix)
    assert np.allclose(restored.options["transform"]["matrix"], g.fit().matrix)


# -- the phone photo ---------------------------------------------------------------------------

def test_phone_photo_points_land_within_a_metre(tmp_path) -> None:
    photo = tmp_path / "纸质地图照片.jpg"
    phone_photo(photo)
    to_ll = Transformer.from_crs(CRS, "EPSG:4490", always_xy=True)
    rng = np.random.default_rng(7)
    gcp_markers = [0, 1, 3, 4, 2]  # four corners and the centre as control points
    lines = ["px,py,lon,lat"]
    for i in gcp_markers:
        (x, y), _ = MARKERS[i]
        px, py = photo_px_of(x, y)
        px, py = px + rng.normal(0, 0.7), py + rng.normal(0, 0.7)  # clicking is not exact
        lon, lat = to_ll.transform(x, y)
        lines.append(f"{px:.2f},{py:.2f},{lon:.8f},{lat:.8f}")
    csv_path = tmp_path / "控制点.csv"
    csv_path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")

    geo = georeferencer_from_gcps(read_gcps(csv_path), CRS)
    assert geo.kind == PROJECTIVE
    fit = geo.fit()
    assert fit.rms < 1.0 and max(fit.residuals.values()) < 1.0
    # every marker, control point or not, maps within 1 m of where it is
    for (x, y), _ in MARKERS:
        mx, my = fit.image_to_map(*photo_px_of(x, y))
        assert np.hypot(float(mx) - x, float(my) - y) < 1.0

    # an affine fit cannot follow the perspective: that is why a photo needs projective
    geo.set_kind(AFFINE)
    assert geo.fit().rms > 3.0
    geo.set_kind(PROJECTIVE)

    # rendered: the markers' colour blobs sit within 1 m of their map positions
    source = RasterSource(photo, transform=geo.to_options())
    assert source.projective
    whole = source.read((X0 - 10, Y0 - 310, X0 + 410, Y0 + 10), 420, 320, CRS)
    assert whole[..., 3].all(), "the photo covers the whole paper map"
    res = 0.2
    for (x, y), colour in MARKERS:
        bounds = (x - 20, y - 20, x + 20, y + 20)
        img = source.read(bounds, 200, 200, CRS).astype(int)
        near = (np.abs(img[..., :3] - np.array(colour)).sum(axis=2) < 90)
        rows, cols = np.nonzero(near)
        assert len(rows) > 200, colour
        cx = bounds[0] + (cols.mean() + 0.5) * res
        cy = bounds[3] - (rows.mean() + 0.5) * res
        assert np.hypot(cx - x, cy - y) < 1.0, (colour, cx - x, cy - y)
    # the same photo read into another CRS (zone-prefixed) still lands right
    tr = Transformer.from_crs(CRS, "EPSG:4528", always_xy=True)
    (x, y), colour = MARKERS[5]
    ex, ey = tr.transform(x, y)
    img = source.read((ex - 20, ey - 20, ex + 20, ey + 20), 160, 160, "EPSG:4528").astype(int)
    rows, cols = np.nonzero(np.abs(img[..., :3] - np.array(colour)).sum(axis=2) < 90)
    assert np.hypot((cols.mean() + 0.5) * 0.25 - 20, 20 - (rows.mean() + 0.5) * 0.25) < 1.0


def test_scan_with_affine(tmp_path) -> None:
    """A flat scan, rotated 3° on the glass: affine from three points is exact enough."""
    theta = np.radians(3.0)
    a = np.array([[RES * np.cos(theta), RES * np.sin(theta), X0],
                  [RES * np.sin(theta), -RES * np.cos(theta), Y0], [0, 0, 1]])
    inv = np.linalg.inv(a)
    g = Georeferencer(CRS, AFFINE)
    for (x, y), _ in MARKERS[:4]:
        g.add(*apply(inv, x, y), x, y)
    fit = g.fit()
    for (x, y), _ in MARKERS[4:]:
        mx, my = fit.image_to_map(*apply(inv, x, y))
        assert np.hypot(float(mx) - x, float(my) - y) < 1e-6


def test_gcp_file_errors(tmp_path) -> None:
    p = tmp_path / "bad.csv"
    p.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(InputError) as e:
        read_gcps(p)
    assert "px,py,lon,lat" in e.value.en
    p.write_text("px,py,lon,lat\n1,2,x,31\n", encoding="utf-8")
    with pytest.raises(InputError) as e:
        read_gcps(p)
    assert "2" in e.value.zh
    with pytest.raises(InputError):
        read_gcps(tmp_path / "none.csv")
    g = Georeferencer(CRS)
    with pytest.raises(InputError):
        g.add_lonlat(10, 10, 3_456_000.0, 628_000.0)  # metres given as degrees
