"""Imagery on the map without ever waiting for it: one picture of the view, made off the GUI
thread, blitted by ``paint``.

Decoding a window of a 20,000 px scan or composing forty web tiles takes tens of milliseconds
— more than a whole frame may cost (< 30 ms). So an imagery item never decodes in ``paint``:

* ``paint`` looks for a **view image** it already has — an RGBA picture of a map rectangle at
  a resolution close to the screen's (within :data:`RESOLUTION_SLACK`) that covers the visible
  part of the layer — and draws it: one blit (a scaled one while the new picture is on its way).
* When none fits (the view moved past the margin, the zoom changed), it asks for one: the view
  grown by :data:`MARGIN` on every side (so small pans need nothing new) at the screen's
  resolution (device pixels, so HiDPI screens get sharp imagery). A worker thread makes it
  with the item's :class:`PictureMaker`; only the newest request is worked on, earlier ones are
  dropped. The picture arrives through a queued signal and the item repaints.
* Meanwhile the best pictures it has (the last few, scaled) stand in, so panning and zooming
  never show a blank map where imagery was.

Threads and Qt objects: the worker threads never hold the item (a ``QGraphicsObject``) — only
its :class:`_Worker` (plain Python: the request queue and the maker) and a relay ``QObject``
that is never destroyed. A Qt object whose last Python reference died in a worker thread
would be destroyed there, with its timers registered in the GUI thread: a crash on the next
timer tick. Results reach the item through the relay and a weak reference.

:mod:`raster_item` and :mod:`tile_item` provide the makers; :meth:`ViewImageItem.render_now`
makes a picture synchronously for offscreen rendering (``mapedit render``), which ``paint``
then finds exactly as it would its own.
"""

from __future__ import annotations

import logging
import math
import threading
import weakref
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Protocol

import pyqtgraph as pg
from PySide6.QtCore import QObject, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QTransform

from mapedit.ui.canvas.tiled import painter_pixel_size, painter_view_rect

log = logging.getLogger(__name__)

MARGIN = 0.25
"""A requested picture reaches this share of the view's size beyond each edge."""
RESOLUTION_SLACK = 1.3
"""A picture is used as it is while its pixels are at most this much coarser or finer than the
screen's; beyond, a new one is requested (the old one stands in, scaled)."""
MAX_SIDE = 6000
"""Longest side of a picture in pixels (a 4K screen with margins); beyond, coarser pixels."""
KEEP_IMAGES = 3
"""Pictures kept per item (the newest; ~15 MB each at 1600 × 1000 with margins)."""

COALESCE_MS = 80
"""Data arriving within this many milliseconds (tiles) is shown by one new picture."""

_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="imagery")
"""Shared by every imagery item: the machine has two cores and the GUI needs one."""


@dataclass(frozen=True)
class ViewRequest:
    """A picture to make: ``bounds`` (x0, y0, x1, y1, map CRS) at ``width`` × ``height``."""

    bounds: tuple[float, float, float, float]
    width: int
    height: int

    @property
    def px(self) -> float:
        return (self.bounds[2] - self.bounds[0]) / max(1, self.width)


@dataclass
class ViewImage:
    """A picture of ``bounds``: north-up, ``ARGB32_Premultiplied``, ``px`` metres per pixel."""

    image: QImage
    bounds: tuple[float, float, float, float]
    px: float
    complete: bool = True
    """False while parts are still coming (tiles on their way)."""
    revision: int = 0
    """The item's revision when it was made (:meth:`ViewImageItem.revision`): a picture older
    than the data it shows is replaced when next seen."""
    problems: list[tuple[str, str]] = field(default_factory=list)
    """What could not be drawn, in Chinese and English (failed tiles…)."""
    details: dict = field(default_factory=dict)

    def covers(self, x0: float, y0: float, x1: float, y1: float) -> bool:
        tol = 0.5 * self.px
        b = self.bounds
        return b[0] <= x0 + tol and b[1] <= y0 + tol and b[2] >= x1 - tol and b[3] >= y1 - tol

    def meets(self, x0: float, y0: float, x1: float, y1: float) -> bool:
        b = self.bounds
        return b[0] < x1 and b[2] > x0 and b[1] < y1 and b[3] > y0


def image_from_rgba(rgba) -> QImage:
    """An ``ARGB32_Premultiplied`` QImage (its own copy) of an (h, w, 4) uint8 array."""
    import numpy as np

    a = np.ascontiguousarray(rgba)
    h, w = a.shape[:2]
    img = QImage(a.data, w, h, 4 * w, QImage.Format.Format_RGBA8888)
    return img.convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)


def blank_image(req: ViewRequest) -> QImage:
    """A transparent picture for ``req``."""
    img = QImage(req.width, req.height, QImage.Format.Format_ARGB32_Premultiplied)
    img.fill(0)
    return img


class PictureMaker(Protocol):
    """What makes the pictures of one layer (plain Python; used from worker threads)."""

    def extent(self) -> tuple[float, float, float, float] | None: ...

    def produce(self, req: ViewRequest, wait: float | None = None) -> ViewImage: ...

    def close(self) -> None: ...


class _Relay(QObject):
    """Carries results from worker threads to the GUI thread (queued connections)."""

    done = Signal(object)
    changed = Signal()
    extent = Signal(object)


_RELAYS: list[_Relay] = []
"""Every relay ever made, never destroyed: a relay must not die in a worker thread (see the
module doc). They are tiny and connected to their item only through a weak reference."""


def _new_relay() -> _Relay:
    relay = _Relay()
    _RELAYS.append(relay)
    return relay


class _Worker:
    """The part of an item the worker thread sees: the latest request, the maker, the
    relay. No Qt object of the item is reachable from here."""

    def __init__(self, maker: PictureMaker, relay: _Relay) -> None:
        self.maker = maker
        self.relay = relay
        self.lock = threading.Lock()
        self.want: ViewRequest | None = None
        self.inflight: ViewRequest | None = None
        self.running = False
        self.closed = False
        self.revision = 0
        self.inflight_revision = -1
        self.error_revision = -1
        self.requests = 0

    def bump(self) -> None:
        """The data behind the pictures changed (any thread): redraw soon."""
        with self.lock:
            self.revision += 1
        self.relay.changed.emit()

    def announce_extent(self, extent) -> None:
        self.relay.extent.emit(extent)

    def request(self, req: ViewRequest, view: QRectF) -> None:
        with self.lock:
            if self.closed or self.error_revision == self.revision:
                return  # a failed source is not asked again until it changes
            inflight = self.inflight
            if inflight is not None and _same(inflight, req, view) and \
                    self.inflight_revision == self.revision:
                self.want = None  # what is being made already serves this view
                return
            if self.want is not None and _same(self.want, req, view):
                return
            self.want = req
            self.requests += 1
            if self.running:
                return
            self.running = True
        _POOL.submit(self.run)

    def run(self) -> None:
        while True:
            with self.lock:
                req = self.want
                self.want = None
                if req is None or self.closed:
                    # inflight stays until the GUI thread has the result, so a paint in
                    # between does not ask for the same picture again
                    self.running = False
                    return
                self.inflight = req
                self.inflight_revision = rev = self.revision
            try:
                result: object = self.maker.produce(req)
            except Exception as exc:  # noqa: BLE001 - reported on the map, never a crash
                log.debug("imagery picture failed", exc_info=True)
                with self.lock:
                    self.error_revision = rev
                result = exc
            self.relay.done.emit((self, req, rev, result))

    def finished(self, req: ViewRequest, rev: int, result: object) -> None:
        with self.lock:
            if self.inflight is req:
                self.inflight = None
            if isinstance(result, BaseException):
                self.error_revision = rev


def _same(a: ViewRequest, b: ViewRequest, view: QRectF) -> bool:
    ratio = a.px / b.px
    if not (1 / RESOLUTION_SLACK <= ratio <= RESOLUTION_SLACK):
        return False
    x0, y0, x1, y1 = a.bounds
    return x0 <= view.left() and y0 <= view.top() and x1 >= view.right() and \
        y1 >= view.bottom()


def _call(ref: weakref.ref, name: str, *args) -> None:
    """Call ``name`` on the item if it is still there (its Python side and its C++ side: a
    scene may have deleted the item while a result was on its way)."""
    import shiboken6

    item = ref()
    if item is not None and shiboken6.isValid(item):
        getattr(item, name)(*args)


class ViewImageItem(pg.GraphicsObject):
    """An imagery layer on the map (see the module doc). Never takes mouse events."""

    statusChanged = Signal(str)
    """A short status for the clerk (a failed tile, a missing file), or "" when all is well."""

    def __init__(self, maker: PictureMaker) -> None:
        super().__init__()
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.maker = maker
        self._images: list[ViewImage] = []
        self._status = ""
        self._closed = False
        self._coalescing = False
        self.frames_without_image = 0
        """Paints that had nothing to show yet (for tests and benchmarks)."""
        relay = _new_relay()
        self._worker = _Worker(maker, relay)
        if hasattr(maker, "worker"):
            maker.worker = self._worker
        ref = weakref.ref(self)
        relay.done.connect(lambda message: _call(ref, "_on_done", message))
        relay.changed.connect(lambda: _call(ref, "_on_changed"))
        relay.extent.connect(lambda ext: _call(ref, "_on_extent", ext))

    # -- what the maker gives -------------------------------------------------------------------
    def extent(self) -> tuple[float, float, float, float] | None:
        """The layer's extent in map coordinates (None: unbounded, e.g. a tile service)."""
        return self.maker.extent()

    def produce(self, req: ViewRequest, wait: float | None = None) -> ViewImage:
        """A picture of ``req`` made in the calling thread."""
        return self.maker.produce(req, wait)

    def paint_status(self, painter: QPainter, view: QRectF) -> None:
        """Draw something over the picture (an error, progress); default: nothing."""

    def draw_message(self, painter: QPainter, view: QRectF, text: str,
                     error: bool = False) -> None:
        """A short message in a white box at the centre of ``view`` (map coordinates)."""
        from mapedit.ui.canvas.items import label_font

        painter.save()
        centre = painter.transform().map(view.center())
        painter.resetTransform()
        painter.setFont(label_font(10.0))
        fm = painter.fontMetrics()
        w = min(fm.horizontalAdvance(text) + 16, 720)
        box = QRectF(centre.x() - w / 2, centre.y() - 14, w, 28)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(255, 255, 255, 225))
        painter.drawRoundedRect(box, 4, 4)
        painter.setPen(QColor("#c62828") if error else QColor("#333333"))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()

    # -- state ---------------------------------------------------------------------------------
    @property
    def requests(self) -> int:
        """Pictures asked of the worker (for tests and benchmarks)."""
        return self._worker.requests

    def revision(self) -> int:
        """Bumped when the data behind the pictures changed (tiles arrived, source reopened):
        pictures made before are redone when next drawn."""
        with self._worker.lock:
            return self._worker.revision

    def bump(self) -> None:
        self._worker.bump()

    def status(self) -> str:
        return self._status

    def set_status(self, text: str) -> None:
        if text != self._status:
            self._status = text
            self.statusChanged.emit(text)

    def images(self) -> list[ViewImage]:
        return list(self._images)

    def idle(self) -> bool:
        """No picture is being made or waiting to be made."""
        w = self._worker
        with w.lock:
            return not w.running and w.want is None

    def set_maker(self, maker: PictureMaker) -> None:
        """The source changed (another file, another georeference): a new maker; pictures
        made before are wrong, not merely old; failures are forgotten."""
        old = self._worker
        with old.lock:
            old.closed = True
            old.want = None
        old.maker.close()
        self.prepareGeometryChange()
        self.maker = maker
        self._worker = _Worker(maker, old.relay)
        if hasattr(maker, "worker"):
            maker.worker = self._worker
        self._images.clear()
        self.set_status("")
        self.update()

    def close(self) -> None:
        """Stop asking for pictures and release the source (the layer was removed)."""
        self._closed = True
        w = self._worker
        with w.lock:
            w.closed = True
            w.want = None
        w.maker.close()

    # -- QGraphicsItem -------------------------------------------------------------------------
    def itemChange(self, change, value):  # noqa: N802 - Qt API
        if change == self.GraphicsItemChange.ItemSceneHasChanged:
            w = self._worker
            with w.lock:
                # off the map: no more work (back on the map: work again, unless closed)
                w.closed = value is None or self._closed
                if w.closed:
                    w.want = None
            if value is None:
                w.maker.close()  # release the file now (reopened if the item comes back)
        return super().itemChange(change, value)

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt API
        ext = self.extent()
        if ext is None:
            return QRectF(-1e9, -1e9, 2e9, 2e9)
        return QRectF(ext[0], ext[1], ext[2] - ext[0], ext[3] - ext[1])

    def paint(self, painter: QPainter, *args) -> None:
        view = painter_view_rect(painter, clipped=False)
        px = painter_pixel_size(painter)
        if view.isEmpty() or not math.isfinite(px) or px <= 0:
            return
        need = view
        ext = self.extent()
        if ext is not None:
            need = view.intersected(QRectF(ext[0], ext[1], ext[2] - ext[0], ext[3] - ext[1]))
            if need.isEmpty():
                return
        nx0, ny0, nx1, ny1 = need.left(), need.top(), need.right(), need.bottom()
        dev = painter.device()
        dpr = float(dev.devicePixelRatio()) if hasattr(dev, "devicePixelRatio") else 1.0
        req = self.request_for(view, px / max(1.0, dpr))  # device pixels: sharp on HiDPI
        if req is None:
            return
        best = self._usable(nx0, ny0, nx1, ny1, req.px)
        if not self._closed and (best is None or (not best.complete
                                                  and best.revision < self.revision())):
            self._worker.request(req, view)
        if best is not None:
            self._draw(painter, best, px)
        else:
            drawn = False
            for img in self._images:  # oldest first: the newest ends on top
                if img.meets(nx0, ny0, nx1, ny1):
                    self._draw(painter, img, px)
                    drawn = True
            if not drawn:
                self.frames_without_image += 1
        self.paint_status(painter, need)

    def _usable(self, x0: float, y0: float, x1: float, y1: float, dpx: float
                ) -> ViewImage | None:
        best = None
        best_score = math.inf
        for img in self._images:
            ratio = img.px / dpx
            if not (1 / RESOLUTION_SLACK <= ratio <= RESOLUTION_SLACK):
                continue
            if not img.covers(x0, y0, x1, y1):
                continue
            score = abs(math.log(ratio))
            if score <= best_score:  # ties: the newest (later in the list)
                best, best_score = img, score
        return best

    def _draw(self, painter: QPainter, img: ViewImage, px: float) -> None:
        x0, _y0, _x1, y1 = img.bounds
        painter.save()
        ratio = img.px / px
        t = painter.transform()
        if abs(ratio * img.image.devicePixelRatio() - 1.0) < 0.01 and t.m12() == 0 \
                and t.m21() == 0:
            # the picture is at the screen's resolution: an unscaled blit at the device
            # position of its top-left corner (the fast path of Qt's raster engine)
            p = t.map(QPointF(x0, y1))
            painter.resetTransform()
            painter.drawImage(QPointF(round(p.x()), round(p.y())), img.image)
        else:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
            m = QTransform(t)
            m.translate(x0, y1)
            m.scale(img.px, -img.px)
            painter.setTransform(m)
            painter.drawImage(QPointF(0, 0), img.image)
        painter.restore()

    # -- requests ------------------------------------------------------------------------------
    def request_for(self, view: QRectF | tuple[float, float, float, float], dpx: float
                    ) -> ViewRequest | None:
        """The picture to ask for to show ``view`` at ``dpx`` metres per device pixel."""
        if isinstance(view, QRectF):
            v = (view.left(), view.top(), view.right(), view.bottom())
        else:
            v = tuple(float(a) for a in view)
        w, h = v[2] - v[0], v[3] - v[1]
        x0, y0 = v[0] - MARGIN * w, v[1] - MARGIN * h
        x1, y1 = v[2] + MARGIN * w, v[3] + MARGIN * h
        ext = self.extent()
        if ext is not None:
            x0, y0 = max(x0, ext[0]), max(y0, ext[1])
            x1, y1 = min(x1, ext[2]), min(y1, ext[3])
        if x1 <= x0 or y1 <= y0 or dpx <= 0:
            return None
        # snap to the pixel grid of this resolution so a request that moves by less than a
        # pixel is the same request
        x0 = math.floor(x0 / dpx) * dpx
        y0 = math.floor(y0 / dpx) * dpx
        x1 = math.ceil(x1 / dpx) * dpx
        y1 = math.ceil(y1 / dpx) * dpx
        long_side = max(x1 - x0, y1 - y0) / dpx
        if long_side > MAX_SIDE:
            dpx *= long_side / MAX_SIDE
        width = max(1, int(round((x1 - x0) / dpx)))
        height = max(1, int(round((y1 - y0) / dpx)))
        return ViewRequest((x0, y0, x1, y1), width, height)

    # -- results (GUI thread) --------------------------------------------------------------
    def _on_done(self, message: tuple) -> None:
        worker, req, rev, result = message
        if worker is not self._worker:
            return  # made from the source before it changed
        worker.finished(req, rev, result)
        if isinstance(result, ViewImage):
            self._keep(result)
        elif isinstance(result, BaseException):
            self.on_error(result)
        self.update()

    def _on_changed(self) -> None:
        # tiles arrive one by one: one recomposition per short while, not one per tile
        if self._coalescing:
            return
        self._coalescing = True
        ref = weakref.ref(self)
        QTimer.singleShot(COALESCE_MS, lambda: _call(ref, "_coalesced"))

    def _coalesced(self) -> None:
        self._coalescing = False
        self.update()

    def _on_extent(self, ext) -> None:
        self.prepareGeometryChange()
        self.update()

    def on_error(self, exc: BaseException) -> None:
        """A picture could not be made (GUI thread); default: say so in the status."""
        from mapedit.errors import MapeditError

        if isinstance(exc, MapeditError):
            self.set_status(f"{exc.zh} / {exc.en}")
        else:
            self.set_status(f"{type(exc).__name__}: {exc}")

    def _keep(self, img: ViewImage) -> None:
        self._images.append(img)
        del self._images[:-KEEP_IMAGES]

    @staticmethod
    def blank(req: ViewRequest) -> QImage:
        """A transparent picture for ``req``."""
        img = QImage(req.width, req.height, QImage.Format.Format_ARGB32_Premultiplied)
        img.fill(0)
        return img

    def render_now(self, bounds: tuple[float, float, float, float], width: int, height: int,
                   wait: float | None = None) -> ViewImage:
        """Make the picture of exactly this view now, in this thread, and keep it (offscreen
        rendering: the next ``paint`` of this view uses it as it is)."""
        img = self.produce(ViewRequest(tuple(float(v) for v in bounds), int(width), int(height)),
                           wait=wait)
        self._keep(img)
        return img
