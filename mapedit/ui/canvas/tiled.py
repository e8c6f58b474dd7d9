"""One batched graphics item per map layer: tiled, level-of-detail path caches.

pyqtgraph (and QGraphicsScene) slow down badly with one item per polygon, so a whole layer is one
item whose ``paint`` draws cached ``QPainterPath``s:

* features are grouped into square **tiles**; a paint draws only tiles whose bounds meet the
  view (numpy overlap test on the tile bounds), so a zoomed-in view touches a few tiles;
* each **level of detail** (LOD) has a simplification tolerance and its own, larger tile size:
  at full extent a few coarse tiles hold heavily simplified outlines, at unit scale small tiles
  hold full detail — the number of draw calls and vertices per frame stays bounded;
* within a tile, features are grouped by **style** (pen + brush), one path per style, so a
  frame makes (visible tiles × styles) ``drawPath`` calls;
* tile paths are built **lazily** on first paint and dropped when their features change, so an
  edit rebuilds only the affected tiles;
* at overview scales a layer with many small polygons (the 35,000 micro-grids) is drawn from a
  **raster pyramid**: the whole layer rendered once per power-of-two resolution into a QImage
  and drawn scaled. Filling tens of thousands of few-pixel polygons with a translucent brush
  costs ~100 ms per frame in Qt's raster engine; blitting an image costs a few ms. An edit
  repaints only the changed region of each level.

Items use cosmetic pens (width in pixels, independent of zoom) and no OpenGL.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
import shapely
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QImage, QPainter, QPainterPath, QPen, QTransform
from PySide6.QtWidgets import QGraphicsItem

from mapedit.ui.canvas.paths import geoms_to_path, simplify


@dataclass
class Style:
    """How one group of features is drawn. ``max_px``: drawn only while the view's metres per
    pixel is at most this (e.g. 支路 disappear at full extent)."""

    pen: QPen
    brush: QBrush | None = None
    max_px: float = math.inf


@dataclass(frozen=True)
class Lod:
    tolerance: float
    """Simplification tolerance in metres (0 = full detail)."""
    tile: float
    """Tile edge length in metres."""


DEFAULT_LODS: tuple[Lod, ...] = (
    Lod(0.0, 600.0),
    Lod(1.5, 1_500.0),
    Lod(6.0, 5_000.0),
    Lod(24.0, 20_000.0),
)
"""A LOD is used while its tolerance is under ~0.8 px; tiles grow with it so a 1600-px-wide
view always covers a handful of tiles."""

LOD_PIXEL_FACTOR = 0.8

SOLID_ABOVE_PX = 3.0
"""Above this many m/px dashed pens are drawn solid: Qt dashes a path on every paint, which costs
tens of ms on thousands of outlines, and dashes are unreadable at that scale anyway."""

RASTER_MIN_PX = 6.0
"""Raster pyramid levels are 6, 12, 24 ... m/px; below 6 m/px a layer is drawn as vectors."""
RASTER_MAX_SIDE = 65536
"""A level larger than this (pixels on its long side) is not used; vectors are drawn instead."""
RASTER_TILE_PX = 1024
"""Levels larger than ``RASTER_WHOLE_SIDE`` are cut into square tiles of this many pixels,
rendered when first seen: a district-scale view (6 m/px over a 40 km street) would need a level
too large to render or keep whole, but only the few tiles in view are ever drawn."""
RASTER_WHOLE_SIDE = 4096
"""A level up to this many pixels on its long side is one image (one blit per frame)."""
RASTER_MAX_TILES = 16
"""Raster tiles kept per layer (4 MB each); the least recently drawn go first."""


def cosmetic_pen(color, width: float = 1.0, style: Qt.PenStyle = Qt.PenStyle.SolidLine) -> QPen:
    """A pen whose width is in screen pixels, whatever the zoom."""
    pen = QPen(pg.mkColor(color))
    pen.setWidthF(width)
    pen.setCosmetic(True)
    pen.setStyle(style)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    pen.setCapStyle(Qt.PenCapStyle.FlatCap)
    return pen


class PixelPadding:
    """Mixin for map items: the bounding rect is the data's extent grown by what is drawn in
    screen pixels around it (pen widths, symbols, text).

    Qt repaints only the exposed part of the view and clips an item's update to its bounding
    rect; anything drawn outside it (the outer half of a 3-px outline, a marker, a label tag)
    would be left stale or wiped by a neighbour's partial repaint. The padding follows the zoom
    (``viewTransformChanged``), announced with ``prepareGeometryChange`` — pans keep it."""

    PAD_PX: float = 4.0
    _pad_xy: tuple[float, float] = (0.0, 0.0)

    def padding_px(self) -> tuple[float, float]:
        """Screen pixels drawn beyond the data's extent, horizontally and vertically."""
        return self.PAD_PX, self.PAD_PX

    def padding_m(self) -> tuple[float, float]:
        """Map metres drawn beyond the data's extent whatever the zoom (e.g. label widths)."""
        return 0.0, 0.0

    def viewTransformChanged(self) -> None:  # noqa: N802 - pyqtgraph API
        super().viewTransformChanged()  # type: ignore[misc]
        self.refresh_padding()

    def refresh_padding(self) -> None:
        try:
            size = self.pixelSize()  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001 - not in a view yet
            size = None
        if not size or size[0] is None or size[1] is None:  # not in a view yet
            px = 0.0
        else:
            px = max(abs(float(size[0])), abs(float(size[1])))
        if not math.isfinite(px):
            px = 0.0
        (ax, ay), (mx, my) = self.padding_px(), self.padding_m()
        pad = (ax * px + mx, ay * px + my)
        if pad != self._pad_xy:
            self.prepareGeometryChange()  # type: ignore[attr-defined]
            self._pad_xy = pad

    def padded(self, rect: QRectF) -> QRectF:
        if rect.isNull():
            return QRectF(rect)
        dx, dy = self._pad_xy
        return rect.adjusted(-dx, -dy, dx, dy)


def painter_pixel_size(painter: QPainter) -> float:
    """Metres per device pixel of the painter's current transform (aspect is locked)."""
    t = painter.worldTransform()
    scale = math.hypot(t.m11(), t.m12())
    return 1.0 / scale if scale > 0 else math.inf


def painter_view_rect(painter: QPainter, clipped: bool = True) -> QRectF:
    """The part of item coordinates that lands on the paint device (the visible map); with
    ``clipped``, only what the current (partial) repaint exposes."""
    dev = painter.device()
    rect = QRectF(0, 0, dev.width(), dev.height())
    inv, ok = painter.worldTransform().inverted()
    if not ok:
        return QRectF()
    view = inv.mapRect(rect)
    if clipped and painter.hasClipping():
        clip = painter.clipBoundingRect()
        if not clip.isEmpty():
            view = view.intersected(clip)
    return view


_NO_BOUNDS = np.array([np.inf, np.inf, -np.inf, -np.inf])
"""Bounds of an emptied tile: meets no view."""


class _LodState:
    """Tile membership and path caches of one LOD. Membership is built once (numpy, ~10 ms
    on 35,000 grids) and then kept up to date row by row as features come and go, so an edit
    costs a few dictionary updates rather than a rebuild."""

    __slots__ = ("tile_keys", "tile_bounds", "tile_pos", "rows_by_tile", "cache", "valid")

    def __init__(self) -> None:
        self.tile_keys = np.empty(0, dtype=np.int64)
        self.tile_bounds = np.empty((0, 4))
        self.tile_pos: dict[int, int] = {}
        self.rows_by_tile: dict[int, np.ndarray] = {}
        self.cache: dict[int, list[tuple[int, QPainterPath]]] = {}
        self.valid = False


class _RasterTile:
    """One square piece of a raster level, with a margin of ``RASTER_MARGIN`` pixels on every
    side so that smooth scaling never blends a tile's edge with nothing (no seams)."""

    __slots__ = ("image", "dirty", "used")

    def __init__(self, width: int, height: int) -> None:
        self.image = QImage(width, height, QImage.Format.Format_ARGB32_Premultiplied)
        self.dirty: list[QRectF] = []
        self.used = 0


RASTER_MARGIN = 2


class _RasterLevel:
    """The layer rendered at ``px`` metres per pixel, as tiles of ``tw × th`` pixels rendered
    on demand (one tile when the level is small); ``x0, y0`` = map coordinates of the top-left
    corner of tile (0, 0)."""

    def __init__(self, px: float, x0: float, y0: float, tw: int, th: int) -> None:
        self.px, self.x0, self.y0 = px, x0, y0
        self.tw, self.th = tw, th
        self.tiles: dict[tuple[int, int], _RasterTile] = {}

    def tile_rect(self, i: int, j: int, margin: float = 0.0) -> QRectF:
        """Map rectangle of tile (i, j) (column, row from the top), grown by ``margin`` px."""
        sx, sy = self.tw * self.px, self.th * self.px
        m = margin * self.px
        return QRectF(self.x0 + i * sx - m, self.y0 - (j + 1) * sy - m, sx + 2 * m, sy + 2 * m)

    def tile_transform(self, i: int, j: int) -> QTransform:
        """Map → image pixels of tile (i, j) (y down in the image)."""
        r = self.tile_rect(i, j, RASTER_MARGIN)
        px = self.px
        return QTransform(1 / px, 0, 0, -1 / px, -r.left() / px, r.bottom() / px)

    def tiles_meeting(self, rect: QRectF) -> list[tuple[int, int]]:
        sx, sy = self.tw * self.px, self.th * self.px
        i0 = math.floor((rect.left() - self.x0) / sx)
        i1 = math.floor((rect.right() - self.x0) / sx)
        j0 = math.floor((self.y0 - rect.bottom()) / sy)
        j1 = math.floor((self.y0 - rect.top()) / sy)
        return [(i, j) for j in range(j0, j1 + 1) for i in range(i0, i1 + 1)]


class TiledLayer(PixelPadding, pg.GraphicsObject):
    """A vector layer drawn as one item. Features have an integer key (fid or row), a geometry
    and a style index into ``styles``."""

    def __init__(self, name: str, styles: Sequence[Style], max_px: float = math.inf,
                 lods: Sequence[Lod] = DEFAULT_LODS, raster_overview: bool = False) -> None:
        super().__init__()
        self.name = name
        self.styles: list[Style] = list(styles)
        self.max_px = max_px
        """The layer is not drawn above this many metres per pixel (too small to see)."""
        self.lods = tuple(lods)
        self.raster_overview = raster_overview
        self._levels: dict[float, _RasterLevel] = {}
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresParentOpacity, False)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self._keys = np.empty(0, dtype=np.int64)
        self._geoms = np.empty(0, dtype=object)
        self._style = np.empty(0, dtype=np.int32)
        self._bounds = np.empty((0, 4))
        self._alive = np.empty(0, dtype=bool)
        self._row_of: dict[int, int] = {}
        self._rect = QRectF()
        self._lod_states = [_LodState() for _ in self.lods]
        self._last_px = math.inf
        """Metres per pixel of the last paint: sizes the margin of partial repaints."""
        self._raster_clock = 0
        self.last_paint_tiles = 0
        """Tiles drawn by the last paint (for tests and the benchmark)."""

    # -- data ------------------------------------------------------------------------------
    def set_features(self, keys: Iterable[int], geoms: np.ndarray, style: np.ndarray) -> None:
        """Replace every feature."""
        geoms = np.asarray(geoms, dtype=object)
        ok = ~shapely.is_missing(geoms)
        if len(geoms):
            ok &= ~shapely.is_empty(np.where(ok, geoms, None))
        self._keys = np.asarray(list(keys), dtype=np.int64)[ok]
        self._geoms = geoms[ok]
        self._style = np.asarray(style, dtype=np.int32)[ok]
        self._bounds = shapely.bounds(self._geoms) if len(self._geoms) else np.empty((0, 4))
        self._alive = np.ones(len(self._keys), dtype=bool)
        self._row_of = {}
        self._invalidate_all()
        self._update_rect()

    def upsert(self, keys: Sequence[int], geoms: Sequence, style: Sequence[int]) -> None:
        """Insert or replace features (a missing/empty geometry removes the key)."""
        self.remove(keys)
        geoms = np.asarray(list(geoms), dtype=object)
        if len(geoms) == 0:
            return
        ok = ~shapely.is_missing(geoms)
        ok &= ~shapely.is_empty(np.where(ok, geoms, None))
        if not ok.any():
            return
        new_keys = np.asarray(list(keys), dtype=np.int64)[ok]
        new_geoms = geoms[ok]
        start = len(self._keys)
        self._keys = np.concatenate([self._keys, new_keys])
        self._geoms = np.concatenate([self._geoms, new_geoms])
        self._style = np.concatenate([self._style, np.asarray(style, dtype=np.int32)[ok]])
        new_bounds = shapely.bounds(new_geoms)
        self._bounds = np.concatenate([self._bounds, new_bounds])
        self._alive = np.concatenate([self._alive, np.ones(len(new_keys), dtype=bool)])
        if self._row_of:
            for i, k in enumerate(new_keys.tolist()):
                self._row_of[k] = start + i
        rows = np.arange(start, len(self._keys), dtype=np.int64)
        self._grow_rect(new_bounds)
        self._touch_rows(rows)
        for st in self._lod_states:
            if st.valid:
                self._add_to_tiles(st, rows)

    def remove(self, keys: Iterable[int]) -> None:
        rows = self._rows(keys)
        if len(rows) == 0:
            return
        self._touch_rows(rows)
        self._alive[rows] = False
        for st in self._lod_states:
            if st.valid:
                self._drop_from_tiles(st, rows)
        for k in self._keys[rows].tolist():
            self._row_of.pop(k, None)
        if (~self._alive).sum() > max(1000, len(self._alive) // 4):
            self._compact()

    def restyle(self, style_of_key: dict[int, int] | None = None,
                all_styles: np.ndarray | None = None) -> None:
        """Change style indices: for some keys, or for every row (``all_styles`` aligned with
        :meth:`keys`)."""
        if all_styles is not None:
            self._style = np.asarray(all_styles, dtype=np.int32)
            for st in self._lod_states:
                st.cache.clear()
            self._levels.clear()
            self.update()
            return
        if not style_of_key:
            return
        rows = self._rows(style_of_key.keys())
        if len(rows) == 0:
            return
        row_keys = self._keys[rows].tolist()
        self._style[rows] = [style_of_key[k] for k in row_keys]
        self._touch_rows(rows)

    def set_styles(self, styles: Sequence[Style]) -> None:
        """New pens/brushes for the same style indices (no path rebuild)."""
        self.styles = list(styles)
        self._levels.clear()
        self.update()

    def keys(self) -> np.ndarray:
        """Keys of every row (dead rows included; align with ``restyle(all_styles=...)``)."""
        return self._keys

    def geometry(self, key: int):
        rows = self._rows([key])
        return self._geoms[rows[0]] if len(rows) else None

    def __len__(self) -> int:
        return int(self._alive.sum())

    # -- internals -------------------------------------------------------------------------
    def _rows(self, keys: Iterable[int]) -> np.ndarray:
        if not self._row_of and len(self._keys):
            alive_rows = np.nonzero(self._alive)[0]
            self._row_of = dict(zip(self._keys[alive_rows].tolist(), alive_rows.tolist(),
                                    strict=True))
        rows = [self._row_of[k] for k in keys if k in self._row_of]
        return np.asarray(rows, dtype=np.int64)

    def _compact(self) -> None:
        a = self._alive
        self._keys, self._geoms, self._style = self._keys[a], self._geoms[a], self._style[a]
        self._bounds = self._bounds[a]
        self._alive = np.ones(len(self._keys), dtype=bool)
        self._row_of = {}
        for st in self._lod_states:
            st.valid = False  # membership recomputed; path caches stay (keyed by tile)

    def _invalidate_all(self) -> None:
        self._lod_states = [_LodState() for _ in self.lods]
        self._levels.clear()
        self.update()

    def _dirty_raster(self, bounds: np.ndarray | None) -> None:
        """Mark a region (rows of minx, miny, maxx, maxy; None = all) for repaint in every
        raster level."""
        if not self._levels:
            return
        if bounds is None or len(bounds) == 0:
            if bounds is None:
                self._levels.clear()
            return
        r = QRectF(bounds[:, 0].min(), bounds[:, 1].min(),
                   bounds[:, 2].max() - bounds[:, 0].min(), bounds[:, 3].max() - bounds[:, 1].min())
        for level in self._levels.values():
            grown = r.adjusted(-2 * level.px, -2 * level.px, 2 * level.px, 2 * level.px)
            for key in level.tiles_meeting(grown):
                tile = level.tiles.get(key)
                if tile is not None:
                    tile.dirty.append(grown)

    def _touch_rows(self, rows: np.ndarray) -> None:
        """These rows change (style, geometry, presence): drop the cached tiles that hold
        them in every LOD (a row's tile follows from its bounds alone) and repaint only the
        area they cover — the rest of the view keeps what it shows."""
        bounds = self._bounds[rows]
        self._dirty_raster(bounds)
        for lod, st in zip(self.lods, self._lod_states, strict=True):
            for key in set(self._tile_key(bounds, lod.tile).tolist()):
                st.cache.pop(key, None)
        self.update_region(bounds)

    def update_region(self, bounds: np.ndarray) -> None:
        """Schedule a repaint of the area of these bounds (rows of minx, miny, maxx, maxy),
        widened by a few pixels for pen widths and antialiasing."""
        if len(bounds) == 0:
            return
        px = self._last_px
        if not math.isfinite(px):
            self.update()
            return
        m = 6.0 * px
        x0, y0 = float(bounds[:, 0].min()) - m, float(bounds[:, 1].min()) - m
        x1, y1 = float(bounds[:, 2].max()) + m, float(bounds[:, 3].max()) + m
        self.update(QRectF(x0, y0, x1 - x0, y1 - y0))

    def _add_to_tiles(self, st: _LodState, rows: np.ndarray) -> None:
        """Keep a built membership current after rows were appended."""
        size = self.lods[self._lod_states.index(st)].tile
        keys = self._tile_key(self._bounds[rows], size)
        new_keys: list[int] = []
        new_bounds: list[np.ndarray] = []
        for key in np.unique(keys).tolist():
            mine = rows[keys == key]
            old = st.rows_by_tile.get(key)
            members = mine if old is None else np.concatenate([old, mine])
            st.rows_by_tile[key] = members
            b = self._tile_bounds_of(members)
            pos = st.tile_pos.get(key)
            if pos is None:
                st.tile_pos[key] = len(st.tile_keys) + len(new_keys)
                new_keys.append(key)
                new_bounds.append(b)
            else:
                st.tile_bounds[pos] = b
        if new_keys:
            st.tile_keys = np.concatenate([st.tile_keys, np.asarray(new_keys, dtype=np.int64)])
            st.tile_bounds = np.vstack([st.tile_bounds, np.asarray(new_bounds)])

    def _drop_from_tiles(self, st: _LodState, rows: np.ndarray) -> None:
        """Keep a built membership current after rows died."""
        size = self.lods[self._lod_states.index(st)].tile
        keys = self._tile_key(self._bounds[rows], size)
        for key in np.unique(keys).tolist():
            members = st.rows_by_tile.get(key)
            if members is None:
                continue
            members = members[~np.isin(members, rows[keys == key])]
            st.rows_by_tile[key] = members
            st.tile_bounds[st.tile_pos[key]] = self._tile_bounds_of(members)

    def _tile_bounds_of(self, rows: np.ndarray) -> np.ndarray:
        if len(rows) == 0:
            return _NO_BOUNDS
        b = self._bounds[rows]
        return np.array([b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()])

    @staticmethod
    def _tile_key(bounds: np.ndarray, size: float) -> np.ndarray:
        cx = (bounds[:, 0] + bounds[:, 2]) * 0.5
        cy = (bounds[:, 1] + bounds[:, 3]) * 0.5
        tx = np.floor(cx / size).astype(np.int64)
        ty = np.floor(cy / size).astype(np.int64)
        return (tx << 32) + (ty & 0xFFFFFFFF)

    def _membership(self, i: int) -> _LodState:
        st = self._lod_states[i]
        if st.valid:
            return st
        keys = self._tile_key(self._bounds, self.lods[i].tile) if len(self._keys) else \
            np.empty(0, dtype=np.int64)
        alive = np.nonzero(self._alive)[0]
        order = alive[np.argsort(keys[alive], kind="stable")]
        skeys = keys[order]
        if len(order):
            uniq, start = np.unique(skeys, return_index=True)
            b = self._bounds[order]
            st.tile_bounds = np.stack([np.minimum.reduceat(b[:, 0], start),
                                       np.minimum.reduceat(b[:, 1], start),
                                       np.maximum.reduceat(b[:, 2], start),
                                       np.maximum.reduceat(b[:, 3], start)], axis=1)
            st.tile_keys = uniq
            st.rows_by_tile = dict(zip(uniq.tolist(), np.split(order, start[1:]), strict=True))
        else:
            st.tile_keys = np.empty(0, dtype=np.int64)
            st.tile_bounds = np.empty((0, 4))
            st.rows_by_tile = {}
        st.tile_pos = {k: j for j, k in enumerate(st.tile_keys.tolist())}
        # Cached paths of tiles that no longer exist are dropped.
        for k in set(st.cache) - set(st.rows_by_tile):
            del st.cache[k]
        st.valid = True
        return st

    def _build_tile(self, lod: Lod, rows: np.ndarray) -> list[tuple[int, QPainterPath]]:
        out: list[tuple[int, QPainterPath]] = []
        styles = self._style[rows]
        for s in np.unique(styles).tolist():
            geoms = self._geoms[rows[styles == s]]
            geoms = simplify(geoms, lod.tolerance)
            if len(geoms):
                out.append((s, geoms_to_path(geoms)))
        return out

    def _update_rect(self) -> None:
        self.prepareGeometryChange()
        old = QRectF(self._rect)
        if len(self._bounds) and self._alive.any():
            b = self._bounds[self._alive]
            self._rect = QRectF(b[:, 0].min(), b[:, 1].min(), b[:, 2].max() - b[:, 0].min(),
                                b[:, 3].max() - b[:, 1].min())
        else:
            self._rect = QRectF()
        if not old.contains(self._rect):
            self._levels.clear()  # raster levels no longer cover the layer
        self.update()

    def _grow_rect(self, bounds: np.ndarray) -> None:
        """Extend the item's rect to new features. It never shrinks on a remove (a slightly
        large rect costs nothing), and a change of rect — which makes Qt repaint the whole
        item — happens only when something lands outside the layer's extent."""
        if len(bounds) == 0:
            return
        rect = self._rect
        if (rect.isValid() and bounds[:, 0].min() >= rect.left()
                and bounds[:, 1].min() >= rect.top() and bounds[:, 2].max() <= rect.right()
                and bounds[:, 3].max() <= rect.bottom()):
            return
        self._update_rect()

    def choose_lod(self, px: float) -> int:
        best = 0
        for i, lod in enumerate(self.lods):
            if lod.tolerance <= px * LOD_PIXEL_FACTOR:
                best = i
        return best

    def prebuild(self, px: float, rect: QRectF | None = None) -> None:
        """Build the tile paths a view at ``px`` m/pixel over ``rect`` would need (all tiles
        when no rect), so the first paint is not slow."""
        i = self.choose_lod(px)
        st = self._membership(i)
        for key in st.tile_keys.tolist():
            if key not in st.cache:
                st.cache[key] = self._build_tile(self.lods[i], st.rows_by_tile[key])

    # -- QGraphicsItem ---------------------------------------------------------------------
    def boundingRect(self) -> QRectF:
        return self.padded(self._rect)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        self.last_paint_tiles = 0
        if not len(self._keys):
            return
        px = painter_pixel_size(painter)
        self._last_px = px
        if px > self.max_px:
            return
        if self.raster_overview and px >= RASTER_MIN_PX:
            level = self._level_for(px)
            if level is not None:
                self._draw_level(painter, level)
                return
        self.paint_vectors(painter, px, painter_view_rect(painter))

    # -- raster pyramid --------------------------------------------------------------------
    def _level_for(self, px: float) -> _RasterLevel | None:
        r = RASTER_MIN_PX
        while r * 2 <= px:
            r *= 2
        level = self._levels.get(r)
        if level is None:
            rect = self._rect
            if rect.isEmpty() or max(rect.width(), rect.height()) / r > RASTER_MAX_SIDE:
                return None
            # The pixel grid is anchored at multiples of 64 pixels in map coordinates, not at
            # the layer's corner: a level rebuilt after the layer grew (or another canvas's)
            # puts every pixel — and the phase of hatch patterns — where it was.
            g = 64 * r
            x0 = math.floor((rect.left() - 2 * r) / g) * g
            y0 = math.ceil((rect.bottom() + 2 * r) / g) * g
            w = math.ceil((rect.right() + 2 * r - x0) / r)
            h = math.ceil((y0 - rect.top() + 2 * r) / r)
            tw, th = (w, h) if max(w, h) <= RASTER_WHOLE_SIDE else (RASTER_TILE_PX,) * 2
            level = _RasterLevel(r, x0, y0, tw, th)
            self._levels[r] = level
        return level

    def _tile(self, level: _RasterLevel, key: tuple[int, int]) -> _RasterTile:
        """Tile ``key`` of ``level``, rendered (or its dirty parts re-rendered) as needed."""
        self._raster_clock += 1
        tile = level.tiles.get(key)
        if tile is None:
            self._evict_tiles()
            tile = level.tiles[key] = _RasterTile(level.tw + 2 * RASTER_MARGIN,
                                                  level.th + 2 * RASTER_MARGIN)
            tile.image.fill(QColor(0, 0, 0, 0))
            self._render_tile(level, key, tile, None)
        elif tile.dirty:
            dirty, tile.dirty = tile.dirty, []
            region = QRectF(dirty[0])
            for d in dirty[1:]:
                region = region.united(d)
            self._render_tile(level, key, tile, region)
        tile.used = self._raster_clock
        return tile

    def _evict_tiles(self) -> None:
        every = [(t.used, r, k) for r, lv in self._levels.items() for k, t in lv.tiles.items()]
        if len(every) < RASTER_MAX_TILES:
            return
        every.sort()
        for _, r, k in every[:len(every) - RASTER_MAX_TILES + 1]:
            del self._levels[r].tiles[k]

    def _render_tile(self, level: _RasterLevel, key: tuple[int, int], tile: _RasterTile,
                     region: QRectF | None) -> None:
        area = level.tile_rect(*key, RASTER_MARGIN)
        p = QPainter(tile.image)
        try:
            p.setTransform(level.tile_transform(*key))
            if region is not None:
                area = area.intersected(region)
                p.setClipRect(area)
                p.setCompositionMode(QPainter.CompositionMode.CompositionMode_Clear)
                p.fillRect(area, QColor(0, 0, 0, 0))
                p.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)
            self.paint_vectors(p, level.px, area)
        finally:
            p.end()

    def _draw_level(self, painter: QPainter, level: _RasterLevel) -> None:
        view = painter_view_rect(painter)
        if view.isEmpty():
            return
        source = QRectF(RASTER_MARGIN, RASTER_MARGIN, level.tw, level.th)
        target = QRectF(0, 0, level.tw, level.th)
        painter.save()
        # Images are north-up; item coordinates are y-up, so each tile is flipped into place.
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        base = painter.transform()
        for i, j in level.tiles_meeting(view.intersected(self._rect)):
            tile = self._tile(level, (i, j))
            r = level.tile_rect(i, j)
            t = QTransform(base)
            t.translate(r.left(), r.bottom())
            t.scale(level.px, -level.px)
            painter.setTransform(t)
            painter.drawImage(target, tile.image, source)
        painter.restore()
        self.last_paint_tiles = -1

    def paint_vectors(self, painter: QPainter, px: float, view: QRectF) -> None:
        """Draw the tiles meeting ``view`` (item coordinates) at the LOD for ``px``."""
        i = self.choose_lod(px)
        lod = self.lods[i]
        st = self._membership(i)
        if not len(st.tile_keys):
            return
        if view.isEmpty():
            return
        m = 2 * px
        tb = st.tile_bounds
        hit = ((tb[:, 0] <= view.right() + m) & (tb[:, 2] >= view.left() - m)
               & (tb[:, 1] <= view.bottom() + m) & (tb[:, 3] >= view.top() - m))
        keys = st.tile_keys[hit].tolist()
        self.last_paint_tiles = len(keys)
        tiles = []
        for key in keys:
            paths = st.cache.get(key)
            if paths is None:
                paths = st.cache[key] = self._build_tile(lod, st.rows_by_tile[key])
            tiles.append(paths)
        # Style-major order so later styles (e.g. 主干道) draw over earlier ones everywhere.
        by_style: dict[int, list[QPainterPath]] = {}
        for paths in tiles:
            for s, path in paths:
                by_style.setdefault(s, []).append(path)
        no_brush = QBrush(Qt.BrushStyle.NoBrush)
        for s in sorted(by_style):
            style = self.styles[s]
            if px > style.max_px:
                continue
            pen = style.pen
            if px > SOLID_ABOVE_PX and pen.style() != Qt.PenStyle.SolidLine:
                pen = QPen(pen)
                pen.setStyle(Qt.PenStyle.SolidLine)
            painter.setPen(pen)
            painter.setBrush(style.brush if style.brush is not None else no_brush)
            for path in by_style[s]:
                painter.drawPath(path)
