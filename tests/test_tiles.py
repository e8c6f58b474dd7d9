"""Tile services from a server on loopback: templates, placement checked by pixels, GCJ-02
correction, the background fetcher and its cache, MBTiles packing that GDAL opens."""

from __future__ import annotations

import math
import shutil
import subprocess
import threading
from dataclasses import replace

import numpy as np
import pytest
from helpers_tile_server import KEY, TileServer, encoded_tile, png_bytes
from pyproj import Transformer

from mapedit.errors import InputError
from mapedit.io.mbtiles import MBTiles, pack, parse_zooms, write_mbtiles
from mapedit.io.raster_embed import decode_tile
from mapedit.io.tile_fetch import FAILED, MISSING, OK, TileCache, TileFetcher, open_provider
from mapedit.io.tiles import (
    TileService,
    area_tiles,
    compose,
    gcj_correction_error,
    lonlat_to_tile_xy,
    parse_template,
    tianditu_template,
    tile_bounds,
    view_tiles,
)

CRS = "EPSG:4549"
LON, LAT = 121.45, 31.22  # central Shanghai


@pytest.fixture
def server():
    s = TileServer()
    yield s
    s.close()


@pytest.fixture
def cache(tmp_path) -> TileCache:
    return TileCache(tmp_path / "tiles")


def _to_map(lon: float, lat: float) -> tuple[float, float]:
    return Transformer.from_crs("EPSG:4326", CRS, always_xy=True).transform(lon, lat)


def _view(size_m: float, px: int) -> tuple[float, float, float, float]:
    x, y = _to_map(LON, LAT)
    return (x - size_m / 2, y - size_m / 2, x + size_m / 2, y + size_m / 2)


def _render(service: TileService, fetcher, bounds, px: int, zoom: int | None = None):
    placements = view_tiles(service, bounds, px, CRS, zoom=zoom)
    got, failed = fetcher.wait([(p.z, p.x, p.y) for p in placements], timeout=30)
    assert not failed, failed
    decoded = {k: decode_tile(v) for k, v in got.items()}
    return compose(placements, decoded, bounds, px, px), placements[0].z


def _placement_errors(img: np.ndarray, bounds, z: int, gcj: bool = False) -> np.ndarray:
    """For a grid of view pixels: metres from where the view pixel is to the ground the drawn
    tile pixel covers (0 when that tile pixel holds the place; through GCJ-02 when the tiles
    are GCJ-02)."""
    from mapedit.io.tiles import _gcj

    h, w = img.shape[:2]
    x0, y0, x1, y1 = bounds
    rows, cols = np.meshgrid(np.linspace(5, h - 6, 12).astype(int),
                             np.linspace(5, w - 6, 12).astype(int), indexing="ij")
    mx = x0 + (cols + 0.5) * (x1 - x0) / w
    my = y1 - (rows + 0.5) * (y1 - y0) / h
    lon, lat = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True).transform(mx, my)
    if gcj:
        lon, lat = _gcj()[1](lon, lat)
    errs = []
    for r, c, lo, la in zip(rows.ravel(), cols.ravel(), np.ravel(lon), np.ravel(lat),
                            strict=True):
        tx, ty = lonlat_to_tile_xy(float(lo), float(la), z)
        pr, pg, pb, pa = (int(v) for v in img[r, c])
        assert pa == 255, "a view pixel was left empty"
        xm, ym = pb // 16, pb % 16
        xt = int(tx) - (int(tx) % 16) + xm
        xt += 16 * round((tx - (xt + 0.5)) / 16)
        yt = int(ty) - (int(ty) % 16) + ym
        yt += 16 * round((ty - (yt + 0.5)) / 16)
        gx, gy = xt * 256 + pr + 0.5, yt * 256 + pg + 0.5
        ground = 2 * math.pi * 6378137 / (256 * 2 ** z) * math.cos(math.radians(float(la)))
        ex = max(0.0, abs(gx - tx * 256) - 0.5)  # outside the drawn pixel's square
        ey = max(0.0, abs(gy - ty * 256) - 0.5)
        errs.append(math.hypot(ex, ey) * ground)
    return np.array(errs)


# -- templates ---------------------------------------------------------------------------------

def test_templates_parse_xyz_tms_subdomains_quadkey() -> None:
    s, key, notes = parse_template("https://{s}.tile.example.org/{z}/{x}/{y}.png")
    assert s.subdomains == ("a", "b", "c") and key is None and not notes and not s.gcj02
    assert s.url(3, 1, 2) == "https://a.tile.example.org/3/1/2.png"  # (1 + 2) % 3 = 0
    s, _, _ = parse_template("http://h/{z}/{x}/{-y}.png")
    assert s.url(3, 1, 2) == "http://h/3/1/5.png"
    s, _, _ = parse_template("http://h/{q}.jpeg")
    assert s.url(3, 3, 5) == "http://h/213.jpeg"
    s, _, _ = parse_template("http://h/{TileMatrix}/{TileRow}/{TileCol}.png")
    assert s.url(4, 7, 9) == "http://h/4/9/7.png"
    with pytest.raises(InputError) as e:
        parse_template("http://h/tiles.png")
    assert "{z}" in e.value.zh and "{z}" in e.value.en


def test_tianditu_key_is_cut_out_of_the_template() -> None:
    url = ("http://t4.tianditu.gov.cn/img_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
           "&LAYER=img&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}"
           "&TILECOL={x}&tk=0123abcd")
    s, key, _ = parse_template(url)
    assert key == "0123abcd"
    assert "0123abcd" not in s.template and "tk={tk}" in s.template
    assert "0123abcd" not in repr(s.to_options())
    assert s.key == "tianditu" and s.tile_crs == "EPSG:3857" and not s.gcj02
    assert s.subdomains == tuple("01234567") and (s.min_zoom, s.max_zoom) == (1, 18)
    assert s.url(16, 10, 20, key="K").endswith("TILEMATRIX=16&TILEROW=20&TILECOL=10&tk=K")
    with pytest.raises(InputError):
        s.url(16, 10, 20)  # no key: a clear message, not a request that fails
    preset, key, _ = parse_template("tianditu:cva_w")
    assert key is None and "LAYER=cva" in preset.template and preset.name == "天地图 矢量注记"
    assert parse_template("tianditu:img_c")[0].tile_crs == "EPSG:4490"
    with pytest.raises(InputError):
        tianditu_template("img_x")


@pytest.mark.parametrize("url,name", [
    ("https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&style=8&x={x}&y={y}&z={z}",
     "高德地图"),
    ("https://wprd0{s}.is.autonavi.com/appmaptile?x={x}&y={y}&z={z}&style=7", "高德地图"),
    ("https://webst01.is.amap.com/appmaptile?style=6&x={x}&y={y}&z={z}", "高德地图"),
    ("https://rt{s}.map.gtimg.com/realtimerender?z={z}&x={x}&y={-y}&type=vector", "腾讯地图"),
    ("https://p{s}.map.qq.com/sateTiles/{z}/{x}/{y}.jpg", "腾讯地图"),
])
def test_gcj02_hosts_are_detected_and_said(url: str, name: str) -> None:
    s, _, notes = parse_template(url)
    assert s.gcj02 and s.gcj02_correction and s.name == name
    assert any("GCJ-02" in zh and "GCJ-02" in en for zh, en in notes)


def test_baidu_is_refused() -> None:
    with pytest.raises(InputError) as e:
        parse_template("https://maponline0.bdimg.com/tile/?x={x}&y={y}&z={z}")
    assert "BD-09" in e.value.zh


def test_options_round_trip() -> None:
    s, _, _ = parse_template("https://rt{s}.map.gtimg.com/realtimerender?z={z}&x={x}&y={-y}")
    back = TileService.from_options(s.to_options(), name=s.name)
    assert back == s


# -- tile arithmetic and the GCJ-02 correction ---------------------------------------------

def test_tile_bounds_match_web_mercator() -> None:
    tx, ty = lonlat_to_tile_xy(LON, LAT, 17)
    b = tile_bounds(17, int(tx), int(ty))
    x, y = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True).transform(LON, LAT)
    assert b[0] <= x <= b[2] and b[1] <= y <= b[3]
    # Tianditu _c: 360°/2^z tiles from (-180, 90)
    assert tile_bounds(1, 1, 0, "EPSG:4490") == (0.0, -90.0, 180.0, 90.0)


def test_gcj_correction_error_per_zoom() -> None:
    """The per-corner correction costs < 0.5 m from zoom 14 and < 0.15 m from zoom 15, and
    under a quarter of a tile pixel from zoom 12 (figures in the io/tiles.py doc)."""
    for z in range(12, 19):
        err = gcj_correction_error(z, LON, LAT)
        pixel = 2 * math.pi * 6378137 / (256 * 2 ** z) * math.cos(math.radians(LAT))
        assert err < 0.25 * pixel, (z, err)
        if z >= 14:
            assert err < 0.5, (z, err)
        if z >= 15:
            assert err < 0.15, (z, err)


# -- placement, checked by pixels ------------------------------------------------------------

def test_xyz_tiles_land_within_half_a_metre(server, cache) -> None:
    service, _, _ = parse_template(server.url + "/xyz/{z}/{x}/{y}.png")
    fetcher = TileFetcher(service, cache=cache)
    try:
        bounds = _view(300.0, 300)
        img, z = _render(service, fetcher, bounds, 300)
        assert z == 17  # 1 m view pixels: the closest zoom
        errs = _placement_errors(img, bounds, z)
        assert errs.max() < 0.5, errs.max()
        # a forced finer zoom, still in place
        img, z = _render(service, fetcher, bounds, 300, zoom=18)
        assert _placement_errors(img, bounds, 18).max() < 0.5
    finally:
        fetcher.close()


def test_tms_rows_are_flipped(server, cache) -> None:
    service, _, _ = parse_template(server.url + "/tms/{z}/{x}/{-y}.png")
    fetcher = TileFetcher(service, cache=cache)
    try:
        bounds = _view(300.0, 300)
        img, z = _render(service, fetcher, bounds, 300)
        assert _placement_errors(img, bounds, z).max() < 0.5
    finally:
        fetcher.close()


def test_gcj02_tiles_corrected_land_within_half_a_metre(server, cache) -> None:
    base, _, _ = parse_template(server.url + "/xyz/{z}/{x}/{y}.png")
    service = replace(base, gcj02=True, gcj02_correction=True)
    fetcher = TileFetcher(service, cache=cache)
    try:
        bounds = _view(300.0, 300)
        img, z = _render(service, fetcher, bounds, 300)
        assert _placement_errors(img, bounds, z, gcj=True).max() < 0.5
        # without the correction the same tiles sit hundreds of metres off
        raw = replace(service, gcj02_correction=False)
        img2, _ = _render(raw, fetcher, bounds, 300, zoom=z)
        assert _placement_errors(img2, bounds, z, gcj=True).min() > 100.0
    finally:
        fetcher.close()


def test_tianditu_lonlat_matrix_lands(server, cache) -> None:
    """Tianditu ``_c`` tiles: a longitude/latitude matrix (360°/2^z per tile from -180, 90)."""
    base = replace(parse_template(server.url + "/xyz/{z}/{x}/{y}.png")[0], tile_crs="EPSG:4490")
    fetcher = TileFetcher(base, cache=cache)
    try:
        bounds = _view(300.0, 300)
        img, z = _render(base, fetcher, bounds, 300)
        h, w = img.shape[:2]
        rows, cols = np.meshgrid(np.linspace(5, h - 6, 10).astype(int),
                                 np.linspace(5, w - 6, 10).astype(int), indexing="ij")
        mx = bounds[0] + (cols + 0.5) * (bounds[2] - bounds[0]) / w
        my = bounds[3] - (rows + 0.5) * (bounds[3] - bounds[1]) / h
        lon, lat = Transformer.from_crs(CRS, "EPSG:4490", always_xy=True).transform(mx, my)
        span = 360.0 / 2 ** z
        for r, c, lo, la in zip(rows.ravel(), cols.ravel(), np.ravel(lon), np.ravel(lat),
                                strict=True):
            tx, ty = (lo + 180.0) / span, (90.0 - la) / span
            pr, pg, pb, _ = (int(v) for v in img[r, c])
            assert pb == (int(tx) % 16) * 16 + int(ty) % 16
            assert abs(pr + 0.5 - (tx % 1) * 256) <= 0.5 + 1e-6
            assert abs(pg + 0.5 - (ty % 1) * 256) <= 0.5 + 1e-6
    finally:
        fetcher.close()


# -- the fetcher ---------------------------------------------------------------------------

def test_request_never_blocks_and_calls_back(server, cache) -> None:
    gate = threading.Event()
    service, _, _ = parse_template(server.url + "/xyz/{z}/{x}/{y}.png")

    def slow_get(url: str, timeout: float) -> bytes:
        assert gate.wait(10), "the test never opened the gate"
        from mapedit.io.tile_fetch import http_get

        return http_get(url, timeout)

    fetcher = TileFetcher(service, cache=cache, getter=slow_get)
    arrived = []
    done = threading.Event()

    def on_tile(z, x, y, data):
        arrived.append((z, x, y, data))
        done.set()

    try:
        scheduled = fetcher.request([(17, 109700, 53400)], on_tile)
        # request returned while the fetch is held at the gate: it did not block
        assert scheduled == [(17, 109700, 53400)]
        assert fetcher.state(17, 109700, 53400) == "pending"
        assert fetcher.cached(17, 109700, 53400) is None
        gate.set()
        assert done.wait(10)
        assert arrived[0][3] == png_bytes(encoded_tile(17, 109700, 53400))
        assert fetcher.state(17, 109700, 53400) == OK
    finally:
        gate.set()
        fetcher.close()


def test_cache_serves_a_second_session_without_the_network(server, cache) -> None:
    service, _, _ = parse_template(server.url + "/xyz/{z}/{x}/{y}.png")
    f1 = TileFetcher(service, cache=cache)
    got, failed = f1.wait([(16, 54850, 26700), (16, 54851, 26700)], timeout=20)
    f1.close()
    assert len(got) == 2 and not failed
    hits = sum(server.hits.values())
    f2 = TileFetcher(service, cache=cache)
    try:
        assert f2.cached(16, 54850, 26700) == got[(16, 54850, 26700)]
        assert f2.request([(16, 54850, 26700)]) == []  # fresh in the cache: nothing to fetch
        assert sum(server.hits.values()) == hits
    finally:
        f2.close()
    # the key never names the cache folder: a template is the cache key
    assert not any("tk=" in p.name for p in cache.root.rglob("*"))


def test_failed_tiles_are_reported_and_not_retried_at_once(server, cache) -> None:
    service, _, _ = parse_template(server.url + "/xyz/{z}/{x}/{y}.png")
    server.fail.add((15, 27425, 13350))
    fetcher = TileFetcher(service, cache=cache, retry_after=3600)
    failures = []
    done = threading.Event()
    try:
        fetcher.request([(15, 27425, 13350)], on_fail=lambda z, x, y, r: (failures.append(r),
                                                                          done.set()))
        assert done.wait(10)
        assert failures == ["HTTP 404"]
        assert fetcher.state(15, 27425, 13350) == FAILED
        assert fetcher.request([(15, 27425, 13350)]) == []
        assert fetcher.state(15, 27425, 13351) == MISSING
    finally:
        fetcher.close()


def test_queued_requests_are_dropped_when_the_view_moves_on(server, cache) -> None:
    gate = threading.Event()
    started = threading.Event()
    service, _, _ = parse_template(server.url + "/xyz/{z}/{x}/{y}.png")
    fetched = []

    def held_get(url: str, timeout: float) -> bytes:
        started.set()
        assert gate.wait(10)
        fetched.append(url)
        from mapedit.io.tile_fetch import http_get

        return http_get(url, timeout)

    fetcher = TileFetcher(service, cache=cache, workers=1, getter=held_get)
    try:
        first, *queued = [(16, 54850, 26700 + i) for i in range(3)]
        fetcher.request([first, *queued])
        assert started.wait(10)  # the one worker holds the first tile; the others queue
        fetcher.cancel_except([first])
        assert all(fetcher.state(*k) == MISSING for k in queued)
        gate.set()
        got, failed = fetcher.wait([first], timeout=10)
        assert first in got and not failed
        assert len(fetched) == 1 and fetched[0].endswith("/16/54850/26700.png")
    finally:
        gate.set()
        fetcher.close()


def test_wait_gives_up_after_its_timeout(cache) -> None:
    never = threading.Event()
    service = TileService("http://127.0.0.1:9/{z}/{x}/{y}.png")
    fetcher = TileFetcher(service, cache=cache, getter=lambda url, t: (never.wait(5), b"")[1])
    try:
        got, failed = fetcher.wait([(10, 1, 1)], timeout=0.2)
        assert not got and failed == {(10, 1, 1): "timeout"}
    finally:
        never.set()
        fetcher.close()


def test_expired_tiles_are_shown_and_refetched(server, cache) -> None:
    import os
    import time

    service, _, _ = parse_template(server.url + "/xyz/{z}/{x}/{y}.png")
    cache.max_age = 3600
    cache.put(service.cache_key, 16, 1, 2, b"old tile")
    path = cache._path(service.cache_key, 16, 1, 2)
    old = time.time() - 7200
    os.utime(path, (old, old))
    assert cache.get(service.cache_key, 16, 1, 2) is None
    assert cache.get(service.cache_key, 16, 1, 2, stale=True) == b"old tile"
    fetcher = TileFetcher(service, cache=cache)
    try:
        assert fetcher.cached(16, 1, 2) == b"old tile"  # still drawn meanwhile
        assert fetcher.request([(16, 1, 2)]) == [(16, 1, 2)]
        got, _ = fetcher.wait([(16, 1, 2)], timeout=10)
        assert got[(16, 1, 2)] == png_bytes(encoded_tile(16, 1, 2))
    finally:
        fetcher.close()


def test_tianditu_kvp_with_the_users_key(server, cache) -> None:
    preset, _, _ = parse_template("tianditu:img_w")
    loop = preset.template.replace("https://t{s}.tianditu.gov.cn", server.url + "/tdt")
    service = replace(preset, template=loop)
    good = TileFetcher(service, key=KEY, cache=cache)
    bad = TileFetcher(service, key="wrong", cache=TileCache(cache.root / "other"))
    try:
        got, failed = good.wait([(17, 109750, 53450)], timeout=20)
        assert not failed and decode_tile(got[(17, 109750, 53450)])[0, 0, 2] == \
            (109750 % 16) * 16 + 53450 % 16
        got, failed = bad.wait([(17, 109750, 53450)], timeout=20)
        assert not got and "not an image" in failed[(17, 109750, 53450)]
    finally:
        good.close()
        bad.close()


# -- MBTiles ---------------------------------------------------------------------------------

def test_pack_writes_an_mbtiles_gdal_opens(server, cache, tmp_path) -> None:
    import rasterio

    service, _, _ = parse_template(server.url + "/xyz/{z}/{x}/{y}.png")
    fetcher = TileFetcher(service, cache=cache)
    bounds = _view(400.0, 400)
    out = tmp_path / "离线 瓦片.mbtiles"
    try:
        result = pack(service, fetcher, bounds, CRS, [15, 16, 17], out, name="测试")
    finally:
        fetcher.close()
    assert result.tiles == len(area_tiles(service, bounds, CRS, [15, 16, 17]))
    with MBTiles(out) as mb:
        meta = mb.metadata
        assert {"name", "format", "bounds", "center", "minzoom", "maxzoom", "type", "version",
                "description", "attribution"} <= set(meta)
        assert meta["name"] == "测试" and meta["format"] == "png"
        assert (meta["minzoom"], meta["maxzoom"]) == ("15", "17")
        tx, ty = lonlat_to_tile_xy(LON, LAT, 17)
        assert mb.tile(17, int(tx), int(ty)) == png_bytes(encoded_tile(17, int(tx), int(ty)))
        # rows are stored TMS-flipped
        row = mb.conn.execute("SELECT tile_row FROM tiles WHERE zoom_level=17 AND tile_column=?",
                              (int(tx),)).fetchall()
        assert (2 ** 17 - 1 - int(ty),) in row
    with rasterio.open(out) as ds:
        assert ds.crs.to_epsg() == 3857
        x, y = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True).transform(LON, LAT)
        r, c = ds.index(x, y)
        px = ds.read(window=((r, r + 1), (c, c + 1)))[:, 0, 0]
        # GDAL shows the tile pixel that holds the point: its encoding says so
        assert px[0] == int((tx % 1) * 256) and px[1] == int((ty % 1) * 256)
    if shutil.which("gdalinfo"):
        info = subprocess.run(["gdalinfo", str(out)], capture_output=True, text=True,
                              timeout=60)
        assert info.returncode == 0 and "MBTiles" in info.stdout


def test_pack_fails_whole_naming_the_tiles(server, cache, tmp_path) -> None:
    service, _, _ = parse_template(server.url + "/xyz/{z}/{x}/{y}.png")
    bounds = _view(200.0, 200)
    z, x, y = area_tiles(service, bounds, CRS, [16])[0]
    server.fail.add((z, x, y))
    out = tmp_path / "out.mbtiles"
    fetcher = TileFetcher(service, cache=cache)
    try:
        with pytest.raises(InputError) as e:
            pack(service, fetcher, bounds, CRS, [16], out)
    finally:
        fetcher.close()
    assert f"{z}/{x}/{y}" in e.value.zh and "HTTP 404" in e.value.en
    assert not out.exists() and not list(tmp_path.glob("*.part"))


def test_pack_refuses_too_many_tiles_and_lonlat_matrices(server) -> None:
    service, _, _ = parse_template(server.url + "/xyz/{z}/{x}/{y}.png")
    with pytest.raises(InputError) as e:
        pack(service, None, _view(20_000.0, 10), CRS, range(12, 19), "x.mbtiles", max_tiles=100)
    assert "100" in e.value.zh
    with pytest.raises(InputError):
        pack(parse_template("tianditu:img_c")[0], None, _view(100.0, 10), CRS, [15], "x.mbtiles")


def test_offline_mbtiles_provider_places_tiles(tmp_path) -> None:
    bounds = _view(300.0, 300)
    service = TileService("x/{z}/{x}/{y}")
    tiles = {k: png_bytes(encoded_tile(*k)) for k in area_tiles(service, bounds, CRS, [17])}
    path = write_mbtiles(tmp_path / "t.mbtiles", tiles, {"name": "t", "format": "png"})
    with MBTiles(path) as mb:
        offline = mb.service()
    assert offline.mbtiles and (offline.min_zoom, offline.max_zoom) == (17, 17)
    # as a layer of the project (add-layer OUT.mbtiles), opened the way the renderer will
    from mapedit.io.layer_factory import tile_provider_for, tiles_layer
    from mapedit.model.layers import LayerStack

    layer, key, _ = tiles_layer(str(path), LayerStack())
    assert layer.kind == "tiles" and key is None and layer.options["mbtiles"] == offline.mbtiles
    provider = tile_provider_for(layer)
    assert provider.service.mbtiles == offline.mbtiles
    provider.close()
    provider = open_provider(offline)
    try:
        img, z = _render(offline, provider, bounds, 300)
        assert z == 17 and _placement_errors(img, bounds, z).max() < 0.5
        assert provider.state(17, 0, 0) == MISSING
    finally:
        provider.close()


def test_parse_zooms() -> None:
    assert parse_zooms("15-18") == (15, 18)
    assert parse_zooms("17") == (17, 17)
    for bad in ("18-15", "a-b", "-3"):
        with pytest.raises(InputError):
            parse_zooms(bad)
