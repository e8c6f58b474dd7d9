"""Web-map tiles: URL templates, tile arithmetic, and where each tile lands on the map.

Templates a clerk pastes or picks:

* XYZ: ``https://tile.example/{z}/{x}/{y}.png`` with ``{s}`` for subdomains, ``{-y}`` for
  TMS row order (origin at the bottom), ``{q}`` for a Bing-style quadkey;
* 天地图 Tianditu's WMTS key-value form (``…/img_w/wmts?…&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}
  &tk=KEY``; presets ``tianditu:vec_w``, ``img_w``, ``cva_w`` …). The key belongs to the user,
  not the project: a pasted key is cut out of the template (``tk={tk}``) and handed back for
  the user's settings; the fetcher fills it in. Tianditu is CGCS2000, which web-map scales
  cannot tell from WGS84, so ``_w`` tiles are EPSG:3857 with no offset; ``_c`` tiles are a
  longitude/latitude matrix (EPSG:4490, tile span 360°/2^z);
* 高德 Gaode/AutoNavi and 腾讯 Tencent tiles (amap, autonavi, gtimg, qq.com hosts) are drawn in
  **GCJ-02**, which in Shanghai sits about 500 m from the true position. They are detected from
  the host and the clerk is told; with the correction on, every tile corner is moved by the exact
  inverse GCJ-02 offset and the tile is drawn as the quadrilateral between its corrected corners
  (the renderer maps the image with a projective transform). Between corners the offset is
  interpolated; :func:`gcj_correction_error` measures what that costs around Shanghai: 0.10 m
  at zoom 15, 2.6 cm at 16 and less above (street scale), 0.43 m at 14, 1.9 m at 13, 7.8 m at
  12 — under a quarter of a tile pixel from zoom 12 up (Beijing, Guangzhou, Chengdu alike; see
  tests/test_tiles.py). Below zoom 12 (a view of 40 km and more) it grows to half a pixel at
  zoom 10 and more below, where the whole offset is a few pixels. Adjacent tiles share
  corners, so no seams open. Baidu's BD-09 tiles use their own tiling and are refused.

Tiles layer options (:class:`~mapedit.model.layers.Layer` of kind ``tiles``; :meth:`TileService
.to_options`): ``template``, ``subdomains``, ``min_zoom``, ``max_zoom``, ``tile_crs``
(``EPSG:3857`` or ``EPSG:4490``), ``gcj02`` (the tiles are GCJ-02), ``gcj02_correction``
(apply the correction), ``key`` (which user key the template needs: ``tianditu`` or absent),
``mbtiles`` (path of an offline file, read instead of the network).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import numpy as np

from mapedit.errors import InputError

WEB_MERCATOR = "EPSG:3857"
CGCS2000_GEOGRAPHIC = "EPSG:4490"
TILE = 256
HALF_WORLD = math.pi * 6378137.0
"""Half the width of the Web Mercator world, metres."""

TIANDITU_LAYERS = ("vec_w", "cva_w", "img_w", "cia_w", "ter_w", "cta_w",
                   "vec_c", "cva_c", "img_c", "cia_c", "ter_c", "cta_c")
TIANDITU_NAMES = {"vec": ("天地图 矢量", "Tianditu vector"), "cva": ("天地图 矢量注记",
                  "Tianditu vector labels"), "img": ("天地图 影像", "Tianditu imagery"),
                  "cia": ("天地图 影像注记", "Tianditu imagery labels"),
                  "ter": ("天地图 地形", "Tianditu terrain"), "cta": ("天地图 地形注记",
                                                                   "Tianditu terrain labels")}

_GCJ_HOSTS = re.compile(r"(^|\.)(amap\.com|autonavi\.com|gtimg\.com|qq\.com)$", re.I)
_BAIDU_HOSTS = re.compile(r"(^|\.)(baidu\.com|bdimg\.com|bdstatic\.com)$", re.I)
_TDT_HOST = re.compile(r"(^|\.)tianditu\.(gov\.cn|com|cn)$", re.I)
_WMTS_ALIASES = {"{TileMatrix}": "{z}", "{TileRow}": "{y}", "{TileCol}": "{x}",
                 "{tilematrix}": "{z}", "{tilerow}": "{y}", "{tilecol}": "{x}",
                 "{zoom}": "{z}", "{switch:": "{s:"}

GCJ_NOTE = ("该瓦片服务使用 GCJ-02(火星坐标),在上海约偏移 500 米;已提供偏移纠正(建议开启)",
            "these tiles are GCJ-02 (offset by about 500 m in Shanghai); an offset correction is "
            "available (recommended)")


def _gcj():
    """GCJ-02 maths (moving from io/exchange.py to io/crs.py, architecture issue §5)."""
    try:
        from mapedit.io.crs import gcj02_to_wgs84, wgs84_to_gcj02  # type: ignore[attr-defined]
    except ImportError:
        from mapedit.io.exchange import gcj02_to_wgs84, wgs84_to_gcj02
    return gcj02_to_wgs84, wgs84_to_gcj02


# -- the service ------------------------------------------------------------------------------

@dataclass(frozen=True)
class TileService:
    """One tile source, as stored in a tiles layer's options (never with a user's key)."""

    template: str
    subdomains: tuple[str, ...] = ()
    min_zoom: int = 0
    max_zoom: int = 19
    tile_crs: str = WEB_MERCATOR
    gcj02: bool = False
    gcj02_correction: bool = True
    key: str | None = None
    """The user key the template needs (``tianditu``), filled in at fetch time."""
    name: str = ""
    mbtiles: str | None = None
    attribution: str = ""

    @property
    def cache_key(self) -> str:
        """What names this service in the disk cache: the template, never the key."""
        return self.mbtiles or self.template

    @property
    def needs_key(self) -> bool:
        return self.key is not None and "{tk}" in self.template

    @property
    def corrected(self) -> bool:
        return self.gcj02 and self.gcj02_correction

    def url(self, z: int, x: int, y: int, key: str | None = None) -> str:
        if self.needs_key and not key:
            raise InputError("天地图需要密钥(tk),请在设置中填写或设置环境变量 MAPEDIT_TIANDITU_KEY",
                             "Tianditu needs a key (tk): enter it in the settings or set "
                             "MAPEDIT_TIANDITU_KEY")
        s = self.subdomains[(x + y) % len(self.subdomains)] if self.subdomains else ""
        n = 2 ** z
        out = self.template
        if "{q}" in out:
            out = out.replace("{q}", quadkey(z, x, y))
        return (out.replace("{z}", str(z)).replace("{x}", str(x)).replace("{-y}", str(n - 1 - y))
                .replace("{y}", str(y)).replace("{s}", s).replace("{tk}", key or ""))

    def to_options(self) -> dict[str, Any]:
        out: dict[str, Any] = {"template": self.template, "subdomains": list(self.subdomains),
                               "min_zoom": self.min_zoom, "max_zoom": self.max_zoom,
                               "tile_crs": self.tile_crs, "gcj02": self.gcj02,
                               "gcj02_correction": self.gcj02_correction}
        if self.key:
            out["key"] = self.key
        if self.mbtiles:
            out["mbtiles"] = self.mbtiles
        if self.attribution:
            out["attribution"] = self.attribution
        return out

    @classmethod
    def from_options(cls, options: Mapping[str, Any], name: str = "") -> TileService:
        return cls(template=str(options.get("template") or ""),
                   subdomains=tuple(str(s) for s in options.get("subdomains") or ()),
                   min_zoom=int(options.get("min_zoom", 0)),
                   max_zoom=int(options.get("max_zoom", 19)),
                   tile_crs=str(options.get("tile_crs") or WEB_MERCATOR),
                   gcj02=bool(options.get("gcj02", False)),
                   gcj02_correction=bool(options.get("gcj02_correction", True)),
                   key=options.get("key") or None, name=name,
                   mbtiles=options.get("mbtiles") or None,
                   attribution=str(options.get("attribution") or ""))


def quadkey(z: int, x: int, y: int) -> str:
    out = []
    for i in range(z, 0, -1):
        d = 0
        mask = 1 << (i - 1)
        if x & mask:
            d += 1
        if y & mask:
            d += 2
        out.append(str(d))
    return "".join(out)


def tianditu_template(layer: str) -> str:
    """The WMTS key-value template of a Tianditu layer such as ``img_w``."""
    if layer not in TIANDITU_LAYERS:
        raise InputError(f"未知的天地图图层 {layer}(可用:{', '.join(TIANDITU_LAYERS)})",
                         f"unknown Tianditu layer {layer} (known: {', '.join(TIANDITU_LAYERS)})")
    kind, matrix = layer.split("_")
    return (f"https://t{{s}}.tianditu.gov.cn/{layer}/wmts?SERVICE=WMTS&REQUEST=GetTile"
            f"&VERSION=1.0.0&LAYER={kind}&STYLE=default&TILEMATRIXSET={matrix}&FORMAT=tiles"
            "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={tk}")


def is_template(text: str) -> bool:
    """Whether ``text`` is a tile source rather than a file path."""
    t = text.strip().lower()
    return t.startswith(("http://", "https://", "tianditu:"))


def _host(url: str) -> str:
    try:
        return (urlsplit(url.replace("{s}", "a")).hostname or "").lower()
    except ValueError:
        return ""


def parse_template(text: str, *, subdomains: Iterable[str] | None = None,
                   min_zoom: int | None = None, max_zoom: int | None = None,
                   name: str = "") -> tuple[TileService, str | None, list[tuple[str, str]]]:
    """(service, a key found in the text for the user's settings, notes for the clerk).

    A bilingual error for a template without tile placeholders or for Baidu tiles."""
    t = text.strip()
    notes: list[tuple[str, str]] = []
    key: str | None = None
    if t.lower().startswith("tianditu:"):
        layer = t.split(":", 1)[1].strip()
        t = tianditu_template(layer)
    for a, b in _WMTS_ALIASES.items():
        t = t.replace(a, b)
    m = re.search(r"\{s:([^}]*)\}", t)  # {s:abc} / {switch:a,b,c} inline subdomains
    if m:
        inline = tuple(v for v in re.split(r"[,\s]*", m.group(1)) if v)
        t = t.replace(m.group(0), "{s}")
        subdomains = subdomains or inline
    host = _host(t)
    if _BAIDU_HOSTS.search(host):
        raise InputError("百度地图瓦片使用 BD-09 坐标和自有切片方案,不支持",
                         "Baidu tiles (BD-09 coordinates, own tiling scheme) are not supported")
    tdt = bool(_TDT_HOST.search(host))
    if tdt:
        # cut the user's key out of the template: it goes to the user's settings
        km = re.search(r"([?&])tk=([^&{}]+)", t)
        if km:
            key = km.group(2)
            t = t[:km.start(2)] + "{tk}" + t[km.end(2):]
        elif "tk={tk}" not in t:
            t += ("&" if "?" in t else "?") + "tk={tk}"
        if re.match(r"https?://t\d\.", t):
            t = re.sub(r"^(https?://)t\d\.", r"\1t{s}.", t)
    if not (("{z}" in t and "{x}" in t and ("{y}" in t or "{-y}" in t)) or "{q}" in t):
        raise InputError(f"瓦片地址缺少 {{z}}/{{x}}/{{y}}:{text}",
                         f"the tile URL has no {{z}}/{{x}}/{{y}} placeholders: {text}")
    subs = tuple(subdomains or ())
    if "{s}" in t and not subs:
        subs = tuple("01234567") if tdt else (("1", "2", "3", "4") if _GCJ_HOSTS.search(host)
                                               else ("a", "b", "c"))
    tile_crs = WEB_MERCATOR
    zmin, zmax = 0, 19
    label = name
    attribution = ""
    if tdt:
        q = {k.upper(): v for k, v in parse_qsl(urlsplit(t.replace("{s}", "0")).query)}
        matrix = (q.get("TILEMATRIXSET") or "w").lower()
        kind = (q.get("LAYER") or "").lower()
        if matrix == "c":
            tile_crs = CGCS2000_GEOGRAPHIC
        zmin, zmax = 1, 18
        attribution = "© 天地图 Tianditu"
        label = label or TIANDITU_NAMES.get(kind, ("天地图", "Tianditu"))[0]
    gcj = bool(_GCJ_HOSTS.search(host))
    if gcj:
        notes.append(GCJ_NOTE)
        zmin, zmax = 1, 18
        label = label or ("腾讯地图" if re.search(r"gtimg|qq\.com", host) else "高德地图")
    service = TileService(template=t, subdomains=subs,
                          min_zoom=zmin if min_zoom is None else int(min_zoom),
                          max_zoom=zmax if max_zoom is None else int(max_zoom),
                          tile_crs=tile_crs, gcj02=gcj, gcj02_correction=True,
                          key="tianditu" if tdt else None, name=label or host,
                          attribution=attribution)
    if service.min_zoom > service.max_zoom:
        raise InputError("最小缩放级别大于最大级别", "min zoom is larger than max zoom")
    return service, key, notes


# -- tile arithmetic -------------------------------------------------------------------------

def tile_span(z: int, tile_crs: str = WEB_MERCATOR) -> float:
    """Width of one tile at zoom ``z`` in the tile CRS's units."""
    if tile_crs == CGCS2000_GEOGRAPHIC:
        return 360.0 / 2 ** z
    return 2 * HALF_WORLD / 2 ** z


def _origin(tile_crs: str) -> tuple[float, float]:
    return (-180.0, 90.0) if tile_crs == CGCS2000_GEOGRAPHIC else (-HALF_WORLD, HALF_WORLD)


def matrix_size(z: int, tile_crs: str = WEB_MERCATOR) -> tuple[int, int]:
    """(columns, rows) of the tile matrix at ``z``."""
    n = 2 ** z
    return (n, max(1, n // 2)) if tile_crs == CGCS2000_GEOGRAPHIC else (n, n)


def tile_bounds(z: int, x: int, y: int, tile_crs: str = WEB_MERCATOR
                ) -> tuple[float, float, float, float]:
    s = tile_span(z, tile_crs)
    ox, oy = _origin(tile_crs)
    return ox + x * s, oy - (y + 1) * s, ox + (x + 1) * s, oy - y * s


def tile_range(bounds: tuple[float, float, float, float], z: int, tile_crs: str = WEB_MERCATOR
               ) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1), inclusive, of the tiles covering ``bounds`` (tile CRS)."""
    s = tile_span(z, tile_crs)
    ox, oy = _origin(tile_crs)
    cols, rows = matrix_size(z, tile_crs)
    x0 = int(math.floor((bounds[0] - ox) / s))
    x1 = int(math.floor((bounds[2] - ox) / s))
    y0 = int(math.floor((oy - bounds[3]) / s))
    y1 = int(math.floor((oy - bounds[1]) / s))
    return (max(0, x0), max(0, y0), min(cols - 1, x1), min(rows - 1, y1))


def lonlat_to_tile_xy(lon: float, lat: float, z: int) -> tuple[float, float]:
    """Fractional Web Mercator tile coordinates of a point (for tests and placement checks)."""
    n = 2 ** z
    x = (lon + 180.0) / 360.0 * n
    rad = math.radians(lat)
    y = (1.0 - math.log(math.tan(rad) + 1.0 / math.cos(rad)) / math.pi) / 2.0 * n
    return x, y


def _transformer(src: str, dst: str):
    from mapedit.io.crs_guess import _transformer as tr

    return tr(src, dst)


def _to_tile_crs(x: np.ndarray, y: np.ndarray, crs: str, service: TileService
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Map coordinates → the tile CRS *as the tiles are drawn* (GCJ-02 shifted when corrected;
    uncorrected GCJ-02 tiles are drawn as if they were not, ~500 m off)."""
    if service.corrected:
        lon, lat = _transformer(crs, "EPSG:4326").transform(x, y)
        _, to_gcj = _gcj()
        lon, lat = to_gcj(lon, lat)
        return _transformer("EPSG:4326", service.tile_crs).transform(lon, lat)
    return _transformer(crs, service.tile_crs).transform(x, y)


def _from_tile_crs(x: np.ndarray, y: np.ndarray, crs: str, service: TileService
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Tile-CRS corners → map coordinates, through the GCJ-02 correction when it is on."""
    if service.corrected:
        lon, lat = _transformer(service.tile_crs, "EPSG:4326").transform(x, y)
        from_gcj, _ = _gcj()
        lon, lat = from_gcj(lon, lat)
        return _transformer("EPSG:4326", crs).transform(lon, lat)
    return _transformer(service.tile_crs, crs).transform(x, y)


def _bounds_in_tile_crs(bounds: tuple[float, float, float, float], crs: str,
                        service: TileService, densify: int = 8
                        ) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = bounds
    t = np.linspace(0, 1, densify + 1)
    xs = np.concatenate([x0 + t * (x1 - x0), np.full_like(t, x1), x1 - t * (x1 - x0),
                         np.full_like(t, x0)])
    ys = np.concatenate([np.full_like(t, y0), y0 + t * (y1 - y0), np.full_like(t, y1),
                         y1 - t * (y1 - y0)])
    tx, ty = _to_tile_crs(xs, ys, crs, service)
    return float(np.min(tx)), float(np.min(ty)), float(np.max(tx)), float(np.max(ty))


def zoom_for(service: TileService, bounds: tuple[float, float, float, float], width: int,
             crs: str) -> int:
    """The zoom whose tile pixels are closest to the view's pixels (clamped to the service)."""
    tb = _bounds_in_tile_crs(bounds, crs, service)
    res = (tb[2] - tb[0]) / max(1, width)
    if res <= 0:
        return service.max_zoom
    z = round(math.log2(tile_span(0, service.tile_crs) / (TILE * res)))
    return max(service.min_zoom, min(service.max_zoom, z))


@dataclass(frozen=True)
class TilePlacement:
    """Where tile (z, x, y) is drawn: its corners in the map CRS, top-left, top-right,
    bottom-right, bottom-left (the renderer maps the image's corners onto them)."""

    z: int
    x: int
    y: int
    quad: tuple[tuple[float, float], ...] = field(default_factory=tuple)


MAX_VIEW_TILES = 1024


def view_tiles(service: TileService, bounds: tuple[float, float, float, float], width: int,
               crs: str, zoom: int | None = None) -> list[TilePlacement]:
    """The tiles a view needs, with their corners in the view's CRS (see :class:`TilePlacement`).
    ``zoom`` forces a level (tests, packing); otherwise :func:`zoom_for`."""
    z = zoom if zoom is not None else zoom_for(service, bounds, width, crs)
    tb = _bounds_in_tile_crs(bounds, crs, service)
    x0, y0, x1, y1 = tile_range(tb, z, service.tile_crs)
    if x1 < x0 or y1 < y0:
        return []
    if (x1 - x0 + 1) * (y1 - y0 + 1) > MAX_VIEW_TILES:
        raise InputError("视图需要的瓦片过多", "the view needs too many tiles")
    s = tile_span(z, service.tile_crs)
    ox, oy = _origin(service.tile_crs)
    gx, gy = np.meshgrid(ox + np.arange(x0, x1 + 2) * s, oy - np.arange(y0, y1 + 2) * s)
    mx, my = _from_tile_crs(gx.ravel(), gy.ravel(), crs, service)
    mx = np.asarray(mx).reshape(gx.shape)
    my = np.asarray(my).reshape(gx.shape)
    out = []
    for j, ty in enumerate(range(y0, y1 + 1)):
        for i, tx in enumerate(range(x0, x1 + 1)):
            quad = ((float(mx[j, i]), float(my[j, i])), (float(mx[j, i + 1]), float(my[j, i + 1])),
                    (float(mx[j + 1, i + 1]), float(my[j + 1, i + 1])),
                    (float(mx[j + 1, i]), float(my[j + 1, i])))
            out.append(TilePlacement(z, tx, ty, quad))
    return out


def area_tiles(service: TileService, bounds: tuple[float, float, float, float], crs: str,
               zooms: Iterable[int]) -> list[tuple[int, int, int]]:
    """Every tile (z, x, y) covering ``bounds`` (map CRS) at the given zooms (for packing)."""
    tb = _bounds_in_tile_crs(bounds, crs, service)
    out = []
    for z in zooms:
        x0, y0, x1, y1 = tile_range(tb, z, service.tile_crs)
        out += [(z, x, y) for y in range(y0, y1 + 1) for x in range(x0, x1 + 1)]
    return out


# -- drawing without Qt (tests, ``mapedit render``) -------------------------------------------

def homography(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """The 3 × 3 projective matrix taking four ``src`` points onto four ``dst`` points."""
    a, b = [], []
    for (u, v), (x, y) in zip(src, dst, strict=True):
        a.append([u, v, 1, 0, 0, 0, -u * x, -v * x])
        b.append(x)
        a.append([0, 0, 0, u, v, 1, -u * y, -v * y])
        b.append(y)
    h = np.linalg.solve(np.asarray(a, dtype=float), np.asarray(b, dtype=float))
    return np.append(h, 1.0).reshape(3, 3)


def compose(placements: Iterable[TilePlacement], tiles: Mapping[tuple[int, int, int], np.ndarray],
            bounds: tuple[float, float, float, float], width: int, height: int,
            out: np.ndarray | None = None) -> np.ndarray:
    """Draw decoded tiles (RGBA arrays by (z, x, y)) at their placements into an RGBA image
    of the view: each tile is mapped projectively from its corners, as the canvas does."""
    img = np.zeros((height, width, 4), dtype=np.uint8) if out is None else out
    x0, y0, x1, y1 = bounds
    sx, sy = width / (x1 - x0), height / (y1 - y0)
    for p in placements:
        rgba = tiles.get((p.z, p.x, p.y))
        if rgba is None:
            continue
        th, tw = rgba.shape[:2]
        q = np.array([((x - x0) * sx, (y1 - y) * sy) for x, y in p.quad])
        c0 = max(0, int(math.floor(q[:, 0].min())))
        c1 = min(width, int(math.ceil(q[:, 0].max())))
        r0 = max(0, int(math.floor(q[:, 1].min())))
        r1 = min(height, int(math.ceil(q[:, 1].max())))
        if c1 <= c0 or r1 <= r0:
            continue
        h = homography(q, np.array([(0, 0), (tw, 0), (tw, th), (0, th)], dtype=float))
        px, py = np.meshgrid(np.arange(c0, c1) + 0.5, np.arange(r0, r1) + 0.5)
        w = h[2, 0] * px + h[2, 1] * py + h[2, 2]
        u = (h[0, 0] * px + h[0, 1] * py + h[0, 2]) / w
        v = (h[1, 0] * px + h[1, 1] * py + h[1, 2]) / w
        inside = (u >= 0) & (u < tw) & (v >= 0) & (v < th)
        if not inside.any():
            continue
        iu = np.clip(u[inside].astype(np.int64), 0, tw - 1)
        iv = np.clip(v[inside].astype(np.int64), 0, th - 1)
        pix = rgba[iv, iu]
        region = img[r0:r1, c0:c1]
        sel = region[inside]
        opaque = pix[:, 3] > 0
        sel[opaque] = pix[opaque]
        region[inside] = sel
    return img


# -- the GCJ-02 correction's accuracy --------------------------------------------------------

def gcj_correction_error(z: int, lon: float, lat: float, crs: str = "EPSG:4549",
                         samples: int = 9) -> float:
    """Largest distance (map units, metres) inside the tile at (lon, lat), zoom ``z``, between
    the exact GCJ-02 correction of a point and where drawing the tile between its corrected
    corners puts it — the price of correcting per tile corner (module doc)."""
    service = TileService("x/{z}/{x}/{y}", gcj02=True, gcj02_correction=True)
    _, to_gcj = _gcj()
    glon, glat = to_gcj(lon, lat)
    tx, ty = lonlat_to_tile_xy(float(glon), float(glat), z)
    x, y = int(tx), int(ty)
    b = tile_bounds(z, x, y)
    corners_t = np.array([(b[0], b[3]), (b[2], b[3]), (b[2], b[1]), (b[0], b[1])])
    cx, cy = _from_tile_crs(corners_t[:, 0], corners_t[:, 1], crs, service)
    h = homography(np.array([(0, 0), (1, 0), (1, 1), (0, 1)], dtype=float),
                   np.column_stack([cx, cy]))
    f = np.linspace(0, 1, samples)
    fu, fv = np.meshgrid(f, f)
    w = h[2, 0] * fu + h[2, 1] * fv + h[2, 2]
    ax = (h[0, 0] * fu + h[0, 1] * fv + h[0, 2]) / w
    ay = (h[1, 0] * fu + h[1, 1] * fv + h[1, 2]) / w
    mx = b[0] + fu * (b[2] - b[0])
    my = b[3] - fv * (b[3] - b[1])
    ex, ey = _from_tile_crs(mx.ravel(), my.ravel(), crs, service)
    return float(np.max(np.hypot(ax.ravel() - np.asarray(ex), ay.ravel() - np.asarray(ey))))


def with_correction(service: TileService, on: bool) -> TileService:
    return replace(service, gcj02_correction=bool(on))
