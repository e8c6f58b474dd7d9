"""The map as the canvas draws it, offscreen, to an image: ``mapedit render``, the self-test's
PNG, tests that check where things land by reading pixels, and a picture a clerk sends on.

:func:`render_map` builds a :class:`~mapedit.ui.canvas.MapCanvas` that is never shown on
screen, gives it the project's layers (through the same renderers as the editor's map),
frames the view exactly (a unit, a centre and scale, or bounds), then **waits** for what the
view needs — the imagery window decoded, the tiles fetched (up to ``timeout`` seconds) — and
renders. What could not be drawn (tiles that did not arrive, an image file that moved) is named
in :attr:`RenderedMap.problems`, in Chinese and English; the command line then exits 2 and
writes nothing.

:func:`render_layer` draws one imagery layer alone into an image of given bounds (the sheets
of the paper trail put imagery under their vector map with it).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from mapedit.errors import MapeditError
from mapedit.io.map_view import cannot_write, check_size, layer_problem, resolve_layers, view_bounds
from mapedit.model.layers import Layer

DEFAULT_SIZE = (1600, 1000)


def default_timeout() -> float:
    """Seconds to wait for tiles (``MAPEDIT_RENDER_TIMEOUT``, default 60)."""
    try:
        return max(1.0, float(os.environ.get("MAPEDIT_RENDER_TIMEOUT", "60")))
    except ValueError:
        return 60.0


@dataclass
class RenderedMap:
    """A rendered map: ``image`` shows ``bounds`` (project CRS) at ``scale`` metres/pixel."""

    image: QImage
    bounds: tuple[float, float, float, float]
    scale: float
    crs: str
    layers: list[str] = field(default_factory=list)
    """Ids of the layers drawn, bottom first."""
    problems: list[tuple[str, str]] = field(default_factory=list)
    """What could not be drawn (zh, en): tiles that did not arrive, a moved image…"""
    imagery: dict[str, dict] = field(default_factory=dict)
    """Per imagery layer drawn: what its renderer reports (tiles: ``zoom``, ``tiles``,
    ``failed``, ``absent``)."""

    @property
    def ok(self) -> bool:
        return not self.problems

    def map_to_pixel(self, x: float, y: float) -> tuple[float, float]:
        """Pixel position (column, row; 0,0 = top-left corner) of a map point."""
        x0, _y0, _x1, y1 = self.bounds
        return (x - x0) / self.scale, (y1 - y) / self.scale

    def pixel_to_map(self, col: float, row: float) -> tuple[float, float]:
        x0, _y0, _x1, y1 = self.bounds
        return x0 + col * self.scale, y1 - row * self.scale


# -- rendering --------------------------------------------------------------------------------

def _application():
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        from mapedit.ui.app import create_application

        app = create_application()
    return app


def render_map(project, out: str | os.PathLike | None = None, *, unit: str | None = None,
               center: tuple[float, float] | None = None, scale: float | None = None,
               bounds: tuple[float, float, float, float] | None = None,
               size: tuple[int, int] = DEFAULT_SIZE, layers: Sequence[str] | None = None,
               timeout: float | None = None, overlays: bool = True, context=None,
               write_on_problems: bool = False) -> RenderedMap:
    """Render ``project`` (a :class:`~mapedit.project.Project`, or anything with
    ``dataset`` and ``path``) offscreen (see the module doc). ``layers``: ids or names of the
    layers to draw (default: the visible ones); ``out``: a PNG written (atomically) when
    nothing failed, or always with ``write_on_problems``."""
    from PySide6.QtWidgets import QApplication

    from mapedit.ui.canvas import MapCanvas
    from mapedit.ui.canvas import imagery as imagery_mod
    from mapedit.ui.canvas.imagery_context import for_project, using

    app = _application()
    dataset = project.dataset
    w, h = int(size[0]), int(size[1])
    check_size(w, h)
    vb, px = view_bounds(dataset, (w, h), unit=unit, center=center, scale=scale, bounds=bounds)
    wanted = resolve_layers(dataset.layers, layers) if layers else None
    timeout = default_timeout() if timeout is None else float(timeout)
    ctx = context or for_project(project, tianditu_key=_settings_key())
    canvas = MapCanvas()
    canvas.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
    canvas.overlays_visible = overlays
    canvas.resize(w, h)
    canvas.show()
    problems: list[tuple[str, str]] = []
    drawn: list[str] = []
    details: dict[str, dict] = {}
    try:
        with using(ctx):
            canvas.set_dataset(dataset)
            imagery_mod.attach(canvas, dataset.layers)
        app.processEvents()
        items = imagery_mod.imagery_items(canvas)
        for layer in dataset.layers:
            item = items.get(layer.id)
            if item is None and layer.id in canvas.layer_names():
                item = canvas.layer_item(layer.id)
            if item is None:
                continue
            show = (layer.id in wanted) if wanted is not None else bool(layer.visible)
            item.setVisible(show)
            if show:
                drawn.append(layer.id)
        vp = canvas.view.viewport()
        if (vp.width(), vp.height()) != (w, h):  # a frame or scroll bar took pixels
            canvas.resize(2 * w - vp.width(), 2 * h - vp.height())
            app.processEvents()
        canvas.viewbox.setRange(xRange=(vb[0], vb[2]), yRange=(vb[1], vb[3]), padding=0)
        app.processEvents()
        r = canvas.viewbox.viewRect()
        view = (r.left(), r.top(), r.right(), r.bottom())
        for layer_id, item in items.items():
            if not item.isVisible():
                continue
            try:
                img = item.render_now(view, w, h, wait=timeout)
                problems += img.problems
                details[layer_id] = dict(img.details)
            except MapeditError as exc:
                problems.append(layer_problem(dataset.layers[layer_id], exc))
        image = canvas.render_image(w, h)
    finally:
        for item in imagery_mod.imagery_items(canvas).values():
            item.close()
        canvas.set_dataset(None)
        canvas.close()
        canvas.deleteLater()
        QApplication.sendPostedEvents(None, 0)
    result = RenderedMap(image, view, (view[2] - view[0]) / w, dataset.crs, drawn, problems,
                         details)
    if out is not None and (result.ok or write_on_problems):
        save_png(image, out)
    return result


def save_png(image: QImage, out: str | os.PathLike) -> Path:
    """Write ``image`` as PNG under a temporary name, then rename (never a half-written
    file)."""
    path = Path(out)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        if not image.save(str(tmp), "PNG"):
            raise cannot_write(path)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def render_layer(layer: Layer, bounds: tuple[float, float, float, float], width: int,
                 height: int, context, timeout: float | None = None
                 ) -> tuple[QImage, list[tuple[str, str]]]:
    """One imagery layer (raster or tiles) alone, as a transparent picture of ``bounds``
    (project CRS) at ``width`` × ``height``, waiting up to ``timeout`` for tiles; with what
    could not be drawn. For drawing imagery under something else (a sheet's vector map)."""
    from mapedit.ui.canvas.imagery import RENDERERS

    _application()
    factory = RENDERERS.get(layer.kind)
    if factory is None:
        raise ValueError(f"not an imagery layer: {layer.kind}")
    from mapedit.ui.canvas.imagery_context import using

    with using(context):
        item = factory(layer).item
    try:
        img = item.render_now(bounds, width, height,
                              wait=default_timeout() if timeout is None else timeout)
        return img.image, list(img.problems)
    finally:
        item.close()


def _settings_key() -> str | None:
    """The 天地图 key of the user's settings (never the project's)."""
    try:
        from mapedit.ui.settings_store import SettingsStore

        return SettingsStore().tianditu_key() or None
    except Exception:  # noqa: BLE001 - unreadable settings: as if there were none
        return None


__all__ = ["RenderedMap", "render_layer", "render_map", "save_png"]
