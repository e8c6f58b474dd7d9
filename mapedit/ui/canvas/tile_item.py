"""The renderer of tile layers (kind ``tiles``): XYZ templates, 天地图 Tianditu, GCJ-02
services with the offset correction, offline MBTiles files.

:class:`TileItem` is a :class:`~mapedit.ui.canvas.view_image.ViewImageItem`. Its worker
composes the picture of a view from the tiles at the zoom that matches the screen
(:func:`mapedit.io.tiles.view_tiles`): each tile is drawn between its corners in the project CRS
(Web Mercator → Gauss-Krüger bends it a little; the GCJ-02 correction moves each corner by
the exact inverse offset), so it lands where it belongs, not merely near. Tiles come from the
provider (:mod:`mapedit.io.tile_fetch`): memory, then the disk cache, then the network in the
background; decoded tiles are kept (:data:`DECODED_TILES`).

What the clerk sees while tiles come and go:

* a tile on its way: the tile of a lower zoom covering it, enlarged, if one is at hand, else a
  light grey **placeholder**; the picture is recomposed as tiles arrive;
* a tile that **failed** (HTTP error, not an image, timeout): pale red with a red cross, and
  the layer's status (the layer panel, the status bar) says how many and why; in a picture made
  for paper or a file (``render_now``, the sheets) it is left clear instead, so the imagery of
  the layers below still shows, and the picture's problems say what is missing;
* a tile an offline MBTiles file does not have: left empty, hatched grey;
* a 天地图 layer without the user's key: one message on the map saying where to enter it.
"""

from __future__ import annotations

import math
import threading
import time
from collections import Counter, OrderedDict

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QImage, QPainter, QPen, QPolygonF, QTransform

from mapedit.errors import InputError
from mapedit.model.layers import Layer
from mapedit.ui.canvas.imagery_context import ImageryContext
from mapedit.ui.canvas.layer_image import LayerImageItem
from mapedit.ui.canvas.view_image import ViewImage, ViewRequest, blank_image

DECODED_TILES = 384
"""Decoded tiles kept per layer (256 KB each)."""
PARENT_LEVELS = 4
"""How many zoom levels up a stand-in for a missing tile is looked for."""
TOO_FAR_OUT = 3
"""Zoomed out this many levels beyond the service's smallest zoom, nothing is drawn (an
offline file packed for one unit would need thousands of tiles)."""

PLACEHOLDER = QColor(226, 226, 226)
FAILED_FILL = QColor(250, 222, 222)
FAILED_LINE = QColor(198, 40, 40)
ABSENT_LINE = QColor(170, 170, 170)

TileKey = tuple[int, int, int]


class TilePictures:
    """Pictures of one tile layer (plain Python, used from worker and fetch threads)."""

    def __init__(self, layer: Layer, context: ImageryContext) -> None:
        from mapedit.io.tiles import TileService

        self.layer = layer
        self.context = context
        self.service = TileService.from_options(layer.options, name=layer.name)
        self._provider_lock = threading.Lock()
        self._provider = None
        self._decoded: OrderedDict[TileKey, QImage] = OrderedDict()
        self._decoded_lock = threading.Lock()
        self.worker = None
        """Set by the item (its ``_Worker``): arriving tiles have the view recomposed."""

    def extent(self) -> None:
        return None

    def _revision(self) -> int:
        w = self.worker
        if w is None:
            return 0
        with w.lock:
            return w.revision

    def _bump(self) -> None:
        if self.worker is not None:
            self.worker.bump()

    def provider(self):
        """The tile provider (opened on first use, in a worker)."""
        with self._provider_lock:
            if self._provider is None:
                from mapedit.io.layer_factory import tile_provider_for

                ctx = self.context
                self._provider = tile_provider_for(self.layer, settings_key=ctx.tianditu_key,
                                                   cache=ctx.tile_cache, timeout=ctx.tile_timeout)
            return self._provider

    def close(self) -> None:
        with self._provider_lock:
            if self._provider is not None:
                self._provider.close()
                self._provider = None

    # -- tiles -----------------------------------------------------------------------------
    def _remember(self, k: TileKey, img: QImage) -> None:
        with self._decoded_lock:
            self._decoded[k] = img
            self._decoded.move_to_end(k)
            while len(self._decoded) > DECODED_TILES:
                self._decoded.popitem(last=False)

    def _decode(self, k: TileKey, data: bytes) -> QImage | None:
        img = QImage.fromData(data)
        if img.isNull():
            return None
        img = img.convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)
        self._remember(k, img)
        return img

    def tile_image(self, k: TileKey, from_disk: bool = True) -> QImage | None:
        """The decoded tile, from memory, else (``from_disk``) the provider's cache."""
        with self._decoded_lock:
            img = self._decoded.get(k)
            if img is not None:
                self._decoded.move_to_end(k)
                return img
        if not from_disk:
            return None
        data = self.provider().cached(*k)
        return self._decode(k, data) if data else None

    def _arrived(self, z: int, x: int, y: int, data: bytes) -> None:
        # a fetch thread: decode there, then have the view recomposed
        self._decode((z, x, y), data)
        time.sleep(0)  # decoding held the interpreter lock: let the map's frame in
        self._bump()

    def _failed(self, z: int, x: int, y: int, reason: str) -> None:
        self._bump()

    # -- composing (worker thread) ---------------------------------------------------------
    def produce(self, req: ViewRequest, wait: float | None = None) -> ViewImage:
        from mapedit.io import tiles as T
        from mapedit.io.tile_fetch import FAILED, OK, PENDING

        rev = self._revision()
        service = self.service
        crs = self.context.crs
        if service.needs_key and not self._key_available():
            raise InputError(*T.KEY_NEEDED)
        provider = self.provider()
        ideal = T.zoom_for(_unclamped(service), req.bounds, req.width, crs)
        image = blank_image(req)
        if ideal < service.min_zoom - TOO_FAR_OUT:
            return ViewImage(image, req.bounds, req.px, True, rev,
                             details={"zoom": None, "too_far_out": True})
        try:
            placements = T.view_tiles(service, req.bounds, req.width, crs)
        except InputError:
            return ViewImage(image, req.bounds, req.px, True, rev,
                             details={"zoom": None, "too_far_out": True})
        keys = [(p.z, p.x, p.y) for p in placements]
        offline = bool(service.mbtiles)
        waited: dict[TileKey, str] = {}
        if wait is not None and keys and not offline:
            got, waited = provider.wait([k for k in keys if self.tile_image(k, False) is None],
                                        timeout=wait)
            for k, data in got.items():
                self._decode(k, data)
        sx, sy = req.width / (req.bounds[2] - req.bounds[0]), \
            req.height / (req.bounds[3] - req.bounds[1])
        to_px = QTransform(sx, 0, 0, -sy, -req.bounds[0] * sx, req.bounds[3] * sy)
        missing: list[TileKey] = []
        failed: list[TileKey] = []
        absent: list[TileKey] = []
        p = QPainter(image)
        try:
            for pl, k in zip(placements, keys, strict=True):
                time.sleep(0)  # Qt draws holding the interpreter lock: let the map's frame in
                quad = QPolygonF([to_px.map(QPointF(x, y)) for x, y in pl.quad])
                tile = self.tile_image(k)
                if tile is not None:
                    _draw_into(p, tile, QRectF(0, 0, tile.width(), tile.height()), quad)
                    continue
                state = provider.state(*k)
                if offline and state != OK:  # what the offline file lacks stays empty
                    absent.append(k)
                    if not self._draw_parent(p, k, quad):
                        _draw_absent(p, quad)
                    continue
                if k in waited or state in (FAILED, OK):  # OK here: bytes that are no image
                    if state == OK and k not in waited:
                        waited[k] = "not an image"
                    failed.append(k)
                    if wait is None:  # on the map; a printed or saved picture leaves it
                        _draw_failed(p, quad)  # clear (a red square would hide the imagery
                    continue  # of the layers below) and carries the note instead
                if not self._draw_parent(p, k, quad):
                    _draw_placeholder(p, quad)
                missing.append(k)
        finally:
            p.end()
        if wait is None and keys and not offline:
            provider.cancel_except(keys)
            if missing:
                provider.request(missing, self._arrived, self._failed)
        still: list[TileKey] = []
        for k in missing:
            st = provider.state(*k)
            if st in (PENDING, OK):
                still.append(k)  # on its way (or arrived meanwhile: the next picture has it)
            elif st == FAILED:
                failed.append(k)
            else:
                absent.append(k)
        reasons = Counter()
        fetcher_failure = getattr(provider, "failure", None)
        for k in failed:
            why = waited.get(k) or (fetcher_failure(*k) if fetcher_failure else None) or "?"
            reasons[why] += 1
        problems = [T.failed_tiles_message(service.name, len(failed), reasons)] if failed else []
        return ViewImage(image, req.bounds, req.px, complete=not still, revision=rev,
                         problems=problems,
                         details={"zoom": placements[0].z if placements else None,
                                  "tiles": len(keys), "failed": failed, "missing": still,
                                  "absent": absent, "reasons": dict(reasons)})

    def _key_available(self) -> bool:
        from mapedit.io.tile_fetch import user_key

        return bool(user_key(self.service, self.context.tianditu_key))

    def _draw_parent(self, p: QPainter, k: TileKey, quad: QPolygonF) -> bool:
        """Draw the part of a lower-zoom tile that covers ``k`` (a blurry stand-in)."""
        z, x, y = k
        for d in range(1, PARENT_LEVELS + 1):
            if z - d < 0:
                break
            parent = (z - d, x >> d, y >> d)
            tile = self.tile_image(parent, from_disk=True)
            if tile is None:
                continue
            n = 1 << d
            side_w, side_h = tile.width() / n, tile.height() / n
            src = QRectF((x % n) * side_w, (y % n) * side_h, side_w, side_h)
            _draw_into(p, tile, src, quad)
            return True
        return False



class TileItem(LayerImageItem):
    """One tile layer on the map (see the module doc)."""

    def make_pictures(self, layer: Layer) -> TilePictures:
        return TilePictures(layer, self.context)

    @property
    def service(self):
        return self.maker.service

    def tile_image(self, k: TileKey, from_disk: bool = True) -> QImage | None:
        return self.maker.tile_image(k, from_disk)

    # -- what the clerk reads ----------------------------------------------------------------
    def _keep(self, img: ViewImage) -> None:
        super()._keep(img)
        failed = len(img.details.get("failed", ()))
        if failed:
            reasons = img.details.get("reasons") or {}
            why = ", ".join(sorted(reasons)[:2])
            self.set_status(self.tr("{n} 个瓦片加载失败({why})").format(n=failed, why=why))
        else:
            self.set_status("")

    def paint_status(self, painter: QPainter, view: QRectF) -> None:
        if self._error is not None:
            from mapedit.ui.i18n import pick

            self.draw_message(painter, view, pick(*self._error), error=True)


def _unclamped(service):
    from dataclasses import replace

    return replace(service, min_zoom=0, max_zoom=30)


def _draw_into(p: QPainter, tile: QImage, src: QRectF, quad: QPolygonF) -> None:
    """Draw the ``src`` part of a tile between the four corners of ``quad`` (picture pixels).

    Composing is the worker's whole cost and Qt holds the interpreter lock while it draws, so
    it is kept cheap: a quad that is a parallelogram within a quarter pixel (web tiles in a
    Gauss-Krüger CRS are, at street scale) is drawn with an affine transform (~25 % faster
    than projective), and without smoothing when the tile's pixels are within 15 % of the
    picture's (~2 × faster; there is nothing to smooth at 1:1)."""
    a, b, c, d = quad[0], quad[1], quad[2], quad[3]
    defect = (a + c) - (b + d)
    affine = abs(defect.x()) + abs(defect.y()) < 0.25
    target = QPolygonF([a, b, b + d - a, d]) if affine else quad
    t = QTransform()
    if not QTransform.quadToQuad(QPolygonF(src), target, t):
        return
    scale = math.hypot(t.m11(), t.m12())
    p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, abs(scale - 1.0) > 0.15)
    p.setTransform(t)
    p.drawImage(src, tile, src)
    p.resetTransform()


def _draw_placeholder(p: QPainter, quad: QPolygonF) -> None:
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(PLACEHOLDER)
    p.drawPolygon(quad)


def _draw_failed(p: QPainter, quad: QPolygonF) -> None:
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(FAILED_FILL)
    p.drawPolygon(quad)
    pen = QPen(FAILED_LINE, 2)
    p.setPen(pen)
    p.setBrush(Qt.BrushStyle.NoBrush)
    inner = QPolygonF([quad[0] * 0.9 + quad[2] * 0.1, quad[1] * 0.9 + quad[3] * 0.1,
                       quad[2] * 0.9 + quad[0] * 0.1, quad[3] * 0.9 + quad[1] * 0.1])
    p.drawLine(inner[0], inner[2])
    p.drawLine(inner[1], inner[3])
    p.drawPolygon(inner)


def _draw_absent(p: QPainter, quad: QPolygonF) -> None:
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QBrush(ABSENT_LINE, Qt.BrushStyle.BDiagPattern))
    p.drawPolygon(quad)


class TileRenderer:
    """Registry entry for kind ``tiles`` (``renderers.register_renderer(TILES, ...)``)."""

    def __init__(self, layer: Layer) -> None:
        self.item = TileItem(layer)

    def update(self, layer: Layer) -> None:
        self.item.set_layer(layer)
