"""MapCanvas: the map widget of the editor (layers, navigation, selection, tool routing).

A ``pg.GraphicsView`` with one ``ViewBox`` (aspect locked, y up, axes hidden). Each layer is one
batched item (see :mod:`mapedit.ui.canvas.tiled`); hit-testing goes through a shapely STRtree,
never through Qt items. Mouse/key events are handled at the view so that an active
:class:`~mapedit.ui.canvas.tool.MapTool` receives them in map coordinates before pyqtgraph's
own panning sees them.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Sequence

import numpy as np
import pyqtgraph as pg
import shapely
from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsView, QVBoxLayout, QWidget

from mapedit.model.dataset import Dataset
from mapedit.model.editing.index import codes_in_use, grids_near, unit_grids
from mapedit.model.layers import FINDINGS, GRIDS, LABELS, PROJECT_KINDS, RESPONSIBILITY_GRIDS, UNITS
from mapedit.rules.findings import ERROR, WARNING, Finding
from mapedit.ui.canvas import style as S
from mapedit.ui.canvas.items import (
    SelectionLayer,
    ToolOverlay,
    label_entries,
    label_font,
    nice_scale_length,
)
from mapedit.ui.canvas.renderers import Renderer, RoleChanged, renderer_for
from mapedit.ui.canvas.tool import MapTool
from mapedit.ui.i18n import is_chinese, tr

pg.setConfigOptions(useOpenGL=False)
log = logging.getLogger(__name__)

CLICK_SLOP_PX = 4
"""A press and release closer than this (pixels) is a click, not a pan."""

Z_SELECTION = 1000
Z_OVERLAY = 2000


class _MapView(pg.GraphicsView):
    """The graphics view: routes input to the active tool or to navigation/selection, and paints
    the fixed scale bar and north arrow."""

    def __init__(self, canvas: MapCanvas) -> None:
        super().__init__(background=S.BACKGROUND)
        self.canvas = canvas
        self._press_pos: QPointF | None = None
        self._press_button = Qt.MouseButton.NoButton
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.viewport().setMouseTracking(True)
        # Items report what changed (an edit: the edited grids' bounds), so only that part of
        # the viewport is repainted; pans and zooms move every item and repaint it all anyway.
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.MinimalViewportUpdate)
        self.setAntialiasing(False)
        self.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)

    # -- input -----------------------------------------------------------------------------
    def _tool_gets(self, button: Qt.MouseButton) -> bool:
        return self.canvas.tool() is not None and button != Qt.MouseButton.MiddleButton

    def mousePressEvent(self, ev) -> None:
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        self._press_pos = ev.position()
        self._press_button = ev.button()
        if self._tool_gets(ev.button()):
            x, y = self.canvas.map_from_widget(ev.position())
            self.canvas.tool().mouse_press(x, y, ev.button(), ev.modifiers())
            ev.accept()
            return
        super().mousePressEvent(ev)

    def mouseMoveEvent(self, ev) -> None:
        x, y = self.canvas.map_from_widget(ev.position())
        self.canvas.cursorMoved.emit(x, y)
        tool = self.canvas.tool()
        if tool is not None:
            tool.mouse_move(x, y, ev.modifiers())
            if not ev.buttons() & Qt.MouseButton.MiddleButton:
                ev.accept()
                return
        super().mouseMoveEvent(ev)

    def mouseReleaseEvent(self, ev) -> None:
        if self._tool_gets(ev.button()):
            x, y = self.canvas.map_from_widget(ev.position())
            self.canvas.tool().mouse_release(x, y, ev.button(), ev.modifiers())
            ev.accept()
            return
        super().mouseReleaseEvent(ev)
        press = self._press_pos
        self._press_pos = None
        if (self.canvas.tool() is None and ev.button() == Qt.MouseButton.LeftButton
                and press is not None
                and (ev.position() - press).manhattanLength() <= CLICK_SLOP_PX):
            self.canvas._clicked(ev.position(), ev.modifiers())

    def mouseDoubleClickEvent(self, ev) -> None:
        if self._tool_gets(ev.button()):
            x, y = self.canvas.map_from_widget(ev.position())
            self.canvas.tool().mouse_double_click(x, y, ev.button(), ev.modifiers())
            ev.accept()
            return
        super().mouseDoubleClickEvent(ev)

    def event(self, ev) -> bool:
        # Keys a busy tool needs (Esc, Backspace, Enter, Delete...) must reach keyPressEvent
        # before the window's shortcuts take them.
        if ev.type() == QEvent.Type.ShortcutOverride:
            tool = self.canvas.tool()
            if tool is not None and tool.wants_key(ev.key(), ev.modifiers()):
                ev.accept()
                return True
        return super().event(ev)

    def keyPressEvent(self, ev) -> None:
        tool = self.canvas.tool()
        if tool is not None:
            handled = tool.key_press(ev.key(), ev.modifiers())
            if not handled and ev.key() == Qt.Key.Key_Escape:
                tool.cancel()
                handled = True
            if handled:
                ev.accept()
                return
        super().keyPressEvent(ev)

    # -- fixed overlays --------------------------------------------------------------------
    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:
        super().drawForeground(painter, rect)
        if not self.canvas.overlays_visible:
            return
        px = self.canvas.pixel_size()
        if not math.isfinite(px) or px <= 0:
            return
        painter.save()
        painter.resetTransform()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        w = self.viewport().width()
        h = self.viewport().height()
        self._draw_scale_bar(painter, px, h)
        self._draw_north_arrow(painter, w)
        painter.restore()

    def _draw_scale_bar(self, painter: QPainter, px: float, h: int) -> None:
        metres = nice_scale_length(px * 160)
        if metres <= 0:
            return
        length = metres / px
        text = (tr("{0:g} 千米").format(metres / 1000) if metres >= 1000
                else tr("{0:g} 米").format(metres))
        x0, y0 = 16.0, h - 18.0
        font = label_font(9.0)
        painter.setFont(font)
        box = QRectF(x0 - 8, y0 - 30, length + 16, 40)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(255, 255, 255, 200))
        painter.drawRoundedRect(box, 4, 4)
        half = length / 2
        painter.setPen(QPen(QColor("#222222"), 1))
        painter.setBrush(QColor("#222222"))
        painter.drawRect(QRectF(x0, y0 - 5, half, 5))
        painter.setBrush(QColor("#ffffff"))
        painter.drawRect(QRectF(x0 + half, y0 - 5, half, 5))
        painter.setPen(QColor("#222222"))
        painter.drawText(QRectF(x0, y0 - 28, length, 20),
                         Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom, text)

    def _draw_north_arrow(self, painter: QPainter, w: int) -> None:
        cx, top = w - 30.0, 14.0
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(255, 255, 255, 200))
        painter.drawRoundedRect(QRectF(cx - 16, top - 4, 32, 52), 4, 4)
        painter.setPen(QPen(QColor("#222222"), 1))
        painter.setBrush(QColor("#222222"))
        painter.drawPolygon(QPolygonF([QPointF(cx, top + 16), QPointF(cx - 8, top + 40),
                                       QPointF(cx, top + 34)]))
        painter.setBrush(QColor("#ffffff"))
        painter.drawPolygon(QPolygonF([QPointF(cx, top + 16), QPointF(cx + 8, top + 40),
                                       QPointF(cx, top + 34)]))
        font = QFont(label_font(9.0, bold=True))
        painter.setFont(font)
        painter.setPen(QColor("#222222"))
        painter.drawText(QRectF(cx - 10, top - 2, 20, 18), Qt.AlignmentFlag.AlignCenter, "N")


class MapCanvas(QWidget):
    """The map. See ``docs/architecture.md`` and the module docstring for the contract."""

    gridClicked = Signal(int, bool)
    """A click inside a micro-grid: its fid, and True when Ctrl was held (add to selection).
    A click outside every grid sends fid -1 (clear the selection unless Ctrl)."""
    unitClicked = Signal(str)
    """A click inside a unit where no grid is (e.g. a gap): the unit's code (after
    ``gridClicked(-1, ...)``)."""
    emptyClicked = Signal()
    """A click on no unit at all (e.g. to clear the selection)."""
    cursorMoved = Signal(float, float)
    """Cursor position in the dataset's metric CRS."""
    viewChanged = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = _MapView(self)
        self.viewbox = pg.ViewBox(lockAspect=True, enableMenu=False, invertY=False)
        self.viewbox.setMouseMode(pg.ViewBox.PanMode)
        self.viewbox.disableAutoRange()
        self.view.setCentralItem(self.viewbox)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self.overlays_visible = True
        """Scale bar and north arrow."""

        self.dataset: Dataset | None = None
        self._grid_fill_mode = "category"
        self._findings: list[Finding] = []
        self._check_state: dict[int, int] = {}
        self._selection: set[int] = set()
        self._highlight: str | None = None
        self._tool: MapTool | None = None
        self._grid_tree: shapely.STRtree | None = None
        self._grid_tree_fids = np.empty(0, dtype=np.int64)
        self._unit_tree: shapely.STRtree | None = None
        self._unit_codes: list[str] = []

        self._stack = None
        self._kind_index: tuple | None = None
        self._renderers: dict[str, Renderer] = {}
        """Layer id → its renderer, for every layer of the stack whose kind has one."""
        self._unrendered: set[str] = set()
        self._selection_item = SelectionLayer()
        self._selection_item.setZValue(Z_SELECTION)
        self._overlay = ToolOverlay()
        self._overlay.setZValue(Z_OVERLAY)
        self.viewbox.addItem(self._selection_item, ignoreBounds=True)
        self.viewbox.addItem(self._overlay, ignoreBounds=True)
        self.viewbox.sigRangeChanged.connect(lambda *_: self.viewChanged.emit())
        self.viewbox.sigRangeChanged.connect(lambda *_: self._overlay.refresh_extent())
        self.viewbox.sigRangeChanged.connect(lambda *_: self._labels_if_needed())
        self._labels_pending = False
        """Grid labels are built the first time the view comes close enough to show them
        (36,000 anchors cost time and ~20 MB a city does not need at full extent)."""

    # -- layers ------------------------------------------------------------------------------
    # The dataset's LayerStack is the truth about which layers exist, their order, visibility
    # and opacity; the canvas draws each through the renderer registered for its kind and
    # follows the stack's events. Setters below change the stack (the event redraws).
    def _bind_stack(self, stack) -> None:
        if self._stack is not None:
            self._stack.unsubscribe(self._on_layer_event)
        for r in self._renderers.values():
            self.viewbox.removeItem(r.item)
        self._renderers.clear()
        self._unrendered.clear()
        self._stack = stack
        if stack is None:
            return
        for layer in stack:
            self._add_renderer(layer)
        self._apply_order()
        stack.subscribe(self._on_layer_event)

    def _add_renderer(self, layer) -> None:
        try:
            r = renderer_for(layer)
        except Exception:  # noqa: BLE001 - one bad layer must not cost the clerk the map
            log.exception("cannot draw layer %s (%s)", layer.id, layer.kind)
            r = None
        if r is None:
            if layer.id not in self._unrendered:
                log.info("no renderer for layer %s of kind %s", layer.id, layer.kind)
            self._unrendered.add(layer.id)
            return
        self._unrendered.discard(layer.id)
        self._renderers[layer.id] = r
        r.item.setVisible(bool(layer.visible))
        r.item.setOpacity(float(layer.opacity))
        self.viewbox.addItem(r.item, ignoreBounds=True)

    def _remove_renderer(self, layer_id: str) -> None:
        r = self._renderers.pop(layer_id, None)
        if r is not None:
            self.viewbox.removeItem(r.item)
        self._unrendered.discard(layer_id)

    def _on_layer_event(self, ev) -> None:
        layer = ev.layer
        if ev.type == "inserted":
            self._add_renderer(layer)
            self._apply_order()
            if layer.kind in PROJECT_KINDS:
                self._fill_project_layers()
        elif ev.type == "removed":
            self._remove_renderer(layer.id)
        elif ev.type == "moved":
            self._apply_order()
        elif ev.type in ("changed", "data"):
            r = self._renderers.get(layer.id)
            if r is None:
                return
            if "visible" in ev.fields:
                r.item.setVisible(bool(layer.visible))
            if "opacity" in ev.fields:
                r.item.setOpacity(float(layer.opacity))
            if ev.type == "data" or set(ev.fields) - {"visible", "opacity", "name"}:
                try:
                    r.update(layer)
                except RoleChanged:
                    self._remove_renderer(layer.id)
                    self._add_renderer(layer)
                    self._apply_order()

    def _apply_order(self) -> None:
        if self._stack is None:
            return
        for z, layer_id in enumerate(self._stack.ids()):
            r = self._renderers.get(layer_id)
            if r is not None:
                r.item.setZValue(z)

    def _item_of_kind(self, kind: str):
        """The item of the project layer ``kind`` (grids, units, labels …), or None."""
        if self._stack is None:
            return None
        for layer in self._stack.of_kind(kind):
            r = self._renderers.get(layer.id)
            if r is not None:
                return r.item
        return None

    def layer_names(self) -> list[str]:
        """Ids of the layers drawn, bottom first."""
        if self._stack is None:
            return []
        return [i for i in self._stack.ids() if i in self._renderers]

    def layer_label(self, name: str) -> str:
        """What the clerk reads for a layer, in the interface language."""
        return self._stack[name].label("zh" if is_chinese() else "en")

    def layer_item(self, name: str) -> pg.GraphicsObject:
        """The batched graphics item of a layer (for tests and tools that inspect drawing)."""
        return self._renderers[name].item

    def set_layer_visible(self, name: str, visible: bool) -> None:
        self._stack.set_visible(name, bool(visible))

    def is_layer_visible(self, name: str) -> bool:
        return self._renderers[name].item.isVisible()

    def set_layer_opacity(self, name: str, opacity: float) -> None:
        self._stack.set_opacity(name, opacity)

    def layer_opacity(self, name: str) -> float:
        return float(self._stack[name].opacity)

    def set_layer_order(self, names: Sequence[str]) -> None:
        """New draw order, bottom first; layers not named keep their order, underneath."""
        unknown = [n for n in names if self._stack is None or n not in self._stack]
        if unknown:
            raise ValueError(f"unknown layers: {unknown}")
        self._stack.reorder(names)

    def set_grid_fill_mode(self, mode: str) -> None:
        """``category`` (colour by kind of category) or ``check`` (green / amber / red)."""
        if mode not in ("category", "check"):
            raise ValueError(f"unknown fill mode {mode!r}")
        if mode == self._grid_fill_mode:
            return
        self._grid_fill_mode = mode
        layer = self._item_of_kind(GRIDS)
        if layer is None:
            return
        layer.set_styles(S.grid_category_styles() if mode == "category" else S.grid_check_styles())
        self._restyle_all_grids()

    def grid_fill_mode(self) -> str:
        return self._grid_fill_mode

    # -- data --------------------------------------------------------------------------------
    def set_dataset(self, dataset: Dataset | None) -> None:
        """Draw ``dataset`` (its layer stack, through the renderer registry) and frame it."""
        self.dataset = dataset
        self._selection.clear()
        self._highlight = None
        self._findings = []
        self._check_state = {}
        self._grid_tree = self._unit_tree = None
        self._unit_codes = []
        self._bind_stack(dataset.layers if dataset is not None else None)
        self._update_selection_item()
        if dataset is None:
            return
        self._fill_project_layers()
        self.zoom_to_extent()

    def _fill_project_layers(self) -> None:
        """Fill the items of the project's own layers from the dataset's hierarchy."""
        dataset = self.dataset
        if dataset is None:
            return
        rg_item = self._item_of_kind(RESPONSIBILITY_GRIDS)
        if rg_item is not None:
            rgs = list(dataset.responsibility_grids.values())
            rg_item.set_features(range(len(rgs)),
                                 np.asarray([r.geometry for r in rgs], dtype=object),
                                 np.zeros(len(rgs)))
        units = list(dataset.units.values())
        self._unit_codes = [u.code for u in units]
        unit_geoms = np.asarray([u.geometry for u in units], dtype=object)
        self._unit_tree = shapely.STRtree(unit_geoms) if len(units) else None
        self._unit_geoms = unit_geoms
        unit_item = self._item_of_kind(UNITS)
        if unit_item is not None:
            unit_item.set_features(range(len(units)), unit_geoms,
                                   [S.unit_type_index(u.unit_type) for u in units])
        grids = list(dataset.grids.values())
        grid_item = self._item_of_kind(GRIDS)
        if grid_item is not None:
            grid_item.set_styles(S.grid_category_styles() if self._grid_fill_mode == "category"
                                 else S.grid_check_styles())
            grid_item.set_features([g.fid for g in grids],
                                   np.asarray([g.geometry for g in grids], dtype=object),
                                   [self._grid_style(g) for g in grids])
        labels = self._item_of_kind(LABELS)
        if labels is not None:
            labels.set_labels({})
            self._labels_pending = True
            self._labels_if_needed()
        findings = self._item_of_kind(FINDINGS)
        if findings is not None:
            findings.set_findings([])
        self._grid_tree = None

    def _labels_if_needed(self) -> None:
        """Build the grid labels once the view is at a scale where they are drawn."""
        if not self._labels_pending or self.dataset is None:
            return
        labels = self._item_of_kind(LABELS)
        px = self.pixel_size()
        if labels is None or not math.isfinite(px) or px <= 0 or px > labels.max_px:
            return
        self._labels_pending = False
        labels.set_labels(label_entries(list(self.dataset.grids.values())))

    def refresh_grids(self, fids: Iterable[int]) -> None:
        """Redraw after an edit touched these grids (inserted, updated or deleted): only their
        tiles, labels and the hit-test index are rebuilt."""
        if self.dataset is None:
            return
        fids = set(fids)
        if not fids:
            return
        present = [self.dataset.grids[f] for f in fids if f in self.dataset.grids]
        gone = [f for f in fids if f not in self.dataset.grids]
        layer = self._item_of_kind(GRIDS)
        if layer is not None:
            layer.remove(gone)
            layer.upsert([g.fid for g in present], [g.geometry for g in present],
                         [self._grid_style(g) for g in present])
        labels = self._item_of_kind(LABELS)
        if labels is not None and not self._labels_pending:
            entries: dict[int, tuple | None] = {f: None for f in fids}
            entries.update(label_entries(present))
            labels.update_labels(entries)
        self._grid_tree = None
        self._selection -= set(gone)
        if fids & self._selection:
            self._update_selection_item()

    def set_findings(self, findings: Sequence[Finding]) -> None:
        """Show the checker's findings (and use them for the ``check`` fill).

        Called after every edit with the whole list; only what differs from the findings shown
        is redrawn (changed finding shapes, grids whose check state changed)."""
        self._findings = list(findings)
        ds = self.dataset
        pending = set()
        if ds is not None:
            # A unit without any grid is 待划分 (not begun), drawn calmly instead of as a gap.
            gap_units = {f.unit for f in self._findings if f.rule == "gap" and f.unit}
            pending = {u for u in gap_units if u in ds.units and not unit_grids(ds, u)}
        item = self._item_of_kind(FINDINGS)
        if item is not None:
            item.set_findings(self._findings, pending)
        codes = None
        state: dict[int, int] = {}
        for f in self._findings:
            if f.accepted:
                continue
            level = 2 if f.severity == ERROR else (1 if f.severity == WARNING else 0)
            fids = list(f.fids)
            if not fids and f.features and ds is not None:
                if codes is None:
                    codes = codes_in_use(ds)
                fids = [fid for c in f.features for fid in codes.get(c, ())]
            for fid in fids:
                if level > state.get(fid, 0):
                    state[fid] = level
        old = self._check_state
        changed = {fid for fid in old.keys() | state.keys() if old.get(fid) != state.get(fid)}
        self._check_state = state
        grid_item = self._item_of_kind(GRIDS)
        if changed and self._grid_fill_mode == "check" and ds is not None \
                and grid_item is not None:
            grid_item.restyle(
                style_of_key={fid: state.get(fid, 0) for fid in changed if fid in ds.grids})

    def findings(self) -> list[Finding]:
        return list(self._findings)

    def _grid_style(self, g) -> int:
        if self._grid_fill_mode == "check":
            return self._check_state.get(g.fid, 0)
        assert self.dataset is not None
        # one catalogue lookup per category, not per grid (36,000 grids on opening a city)
        cache = self._kind_index
        if cache is None or cache[0] is not self.dataset.catalogue:
            cache = self._kind_index = (self.dataset.catalogue, {})
        index = cache[1].get(g.category)
        if index is None:
            index = cache[1][g.category] = S.KIND_ORDER.index(
                S.category_kind(self.dataset.catalogue, g.category))
        return index

    def _restyle_all_grids(self) -> None:
        layer = self._item_of_kind(GRIDS)
        if self.dataset is None or layer is None:
            return
        grids = self.dataset.grids
        styles = [self._grid_style(grids[k]) if k in grids else 0 for k in layer.keys().tolist()]
        layer.restyle(all_styles=np.asarray(styles, dtype=np.int32))

    # -- hit testing -------------------------------------------------------------------------
    def _ensure_grid_tree(self) -> None:
        if self._grid_tree is not None or self.dataset is None:
            return
        grids = [g for g in self.dataset.grids.values() if g.geometry is not None]
        self._grid_tree_fids = np.asarray([g.fid for g in grids], dtype=np.int64)
        self._grid_tree_geoms = np.asarray([g.geometry for g in grids], dtype=object)
        self._grid_tree = shapely.STRtree(self._grid_tree_geoms)

    def query_grids(self, geometry, predicate: str | None = "intersects") -> list[int]:
        """Fids of grids meeting ``geometry`` (STRtree; for tools: snapping, tracing, picking)."""
        self._ensure_grid_tree()
        if self._grid_tree is None:
            return []
        idx = self._grid_tree.query(geometry, predicate=predicate)
        return self._grid_tree_fids[idx].tolist()

    def grid_at(self, x: float, y: float) -> int | None:
        """The grid under a map point; where grids overlap, the smallest (the most specific).
        Uses the dataset's shared grid index, which follows edits (no rebuild after each)."""
        if self.dataset is None:
            return None
        hits = grids_near(self.dataset, shapely.Point(x, y))
        if not hits:
            return None
        return min(hits, key=lambda g: (g.geometry.area, g.fid)).fid

    def unit_at(self, x: float, y: float) -> str | None:
        if self._unit_tree is None:
            return None
        idx = self._unit_tree.query(shapely.Point(x, y), predicate="intersects")
        if len(idx) == 0:
            return None
        if len(idx) > 1:
            idx = idx[np.argsort(shapely.area(self._unit_geoms[idx]))]
        return self._unit_codes[int(idx[0])]

    def _clicked(self, pos: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        x, y = self.map_from_widget(pos)
        additive = bool(modifiers & Qt.KeyboardModifier.ControlModifier)
        fid = self.grid_at(x, y)
        if fid is not None:
            self.gridClicked.emit(fid, additive)
            return
        # No grid here: fid -1 tells the window to clear the selection (unless Ctrl).
        self.gridClicked.emit(-1, additive)
        code = self.unit_at(x, y)
        if code is not None:
            self.unitClicked.emit(code)
        else:
            self.emptyClicked.emit()

    # -- selection ---------------------------------------------------------------------------
    def set_selection(self, fids: Iterable[int]) -> None:
        self._selection = {int(f) for f in fids}
        self._update_selection_item()

    def selection(self) -> set[int]:
        return set(self._selection)

    def highlight_unit(self, code: str | None) -> None:
        self._highlight = code
        self._update_selection_item()

    def _update_selection_item(self) -> None:
        ds = self.dataset
        geoms = []
        unit = None
        if ds is not None:
            geoms = [ds.grids[f].geometry for f in self._selection
                     if f in ds.grids and ds.grids[f].geometry is not None]
            if self._highlight and self._highlight in ds.units:
                unit = ds.units[self._highlight].geometry
        self._selection_item.set_geometries(geoms, unit)

    # -- coordinates and navigation ----------------------------------------------------------
    def map_from_widget(self, pos: QPointF) -> tuple[float, float]:
        """Map coordinates of a point in the view's viewport (pixels)."""
        p = self.viewbox.mapSceneToView(self.view.mapToScene(pos.toPoint()))
        return float(p.x()), float(p.y())

    def widget_from_map(self, x: float, y: float) -> QPointF:
        """Viewport pixel position of a map point (for tests and tool hints)."""
        scene = self.viewbox.mapViewToScene(QPointF(x, y))
        return QPointF(self.view.mapFromScene(scene))

    def view_bounds(self) -> tuple[float, float, float, float]:
        r = self.viewbox.viewRect()
        return (r.left(), r.top(), r.right(), r.bottom())

    def pixel_size(self) -> float:
        """Metres per screen pixel."""
        sx, sy = self.viewbox.viewPixelSize()
        return float(max(sx, sy))

    def snap_tolerance(self) -> float:
        pixels = self.dataset.settings.snap_pixels if self.dataset is not None else 10
        return pixels * self.pixel_size()

    def zoom_to_bounds(self, minx: float, miny: float, maxx: float, maxy: float,
                       margin: float = 0.1) -> None:
        min_size = 20.0  # metres: a point or a sliver still gets a readable view
        cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
        w = max(maxx - minx, min_size)
        h = max(maxy - miny, min_size)
        self.viewbox.setRange(xRange=(cx - w / 2, cx + w / 2), yRange=(cy - h / 2, cy + h / 2),
                              padding=margin)

    def zoom_to_extent(self) -> None:
        ext = self.dataset.extent() if self.dataset is not None else None
        if ext is None and self.dataset is not None and self.dataset.grids:
            geoms = [g.geometry for g in self.dataset.grids.values() if g.geometry is not None]
            ext = tuple(shapely.total_bounds(np.asarray(geoms, dtype=object)))
        if ext is not None:
            self.zoom_to_bounds(*ext, margin=0.03)

    def zoom_to_unit(self, code: str) -> None:
        if self.dataset is None or code not in self.dataset.units:
            return
        geom = self.dataset.units[code].geometry
        if geom is not None and not geom.is_empty:
            self.zoom_to_bounds(*geom.bounds)

    def zoom_to_selection(self) -> None:
        if self.dataset is None:
            return
        geoms = [self.dataset.grids[f].geometry for f in self._selection if f in self.dataset.grids]
        geoms = [g for g in geoms if g is not None]
        if geoms:
            self.zoom_to_bounds(*shapely.total_bounds(np.asarray(geoms, dtype=object)))

    def zoom_to_geometry(self, geometry, margin: float = 0.3) -> None:
        """Frame a geometry (e.g. a finding's location)."""
        if geometry is not None and not geometry.is_empty:
            self.zoom_to_bounds(*geometry.bounds, margin=margin)

    def zoom_in(self) -> None:
        self.viewbox.scaleBy((0.5, 0.5))

    def zoom_out(self) -> None:
        self.viewbox.scaleBy((2.0, 2.0))

    # -- tools -------------------------------------------------------------------------------
    def set_tool(self, tool: MapTool | None) -> None:
        """Make ``tool`` the active tool (None: back to select/pan)."""
        if tool is self._tool:
            return
        if self._tool is not None:
            self._tool.deactivate()
        self._tool = tool
        if tool is not None:
            tool.activate(self)
            self.view.viewport().setCursor(tool.cursor)
        else:
            self.view.viewport().unsetCursor()
            self._overlay.clear_overlay()

    def tool(self) -> MapTool | None:
        return self._tool

    def overlay(self) -> ToolOverlay:
        return self._overlay

    # -- output ------------------------------------------------------------------------------
    def render_image(self, width: int | None = None, height: int | None = None) -> QImage:
        """The current view rendered into an image (default: the viewport size)."""
        vp = self.view.viewport()
        w = width or vp.width()
        h = height or vp.height()
        img = QImage(w, h, QImage.Format.Format_ARGB32_Premultiplied)
        img.fill(QColor(S.BACKGROUND))
        p = QPainter(img)
        try:
            self.view.render(p, QRectF(0, 0, w, h), vp.rect())
        finally:
            p.end()
        return img

    def grab_image(self, path: str) -> bool:
        """Save a screenshot of the map (scale bar and north arrow included)."""
        return self.view.grab().save(str(path))

