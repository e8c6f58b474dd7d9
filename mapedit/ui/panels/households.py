"""户数平衡 chart: households of each micro-grid in the selected unit against the 300–500 band.

A bar chart answers at a glance the question the rules ask of residential grids ("is each one
between 300 and 500 households?") and shows which neighbours to merge or split. Bars of
categories that do not need households (schools, shops …) are drawn grey and low so they do not
look like mistakes.

Clicking a bar (anywhere in its column, so a grid with 0 households can be hit too) emits
:attr:`HouseholdChart.gridClicked`; the main window selects that grid everywhere, and the chart
outlines the selected bar so the clerk sees which bar belongs to the grid on the map.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from mapedit.model.editing.index import unit_grids

IN_BAND = "#43a047"
OUT_OF_BAND = "#ef6c00"
NOT_APPLICABLE = "#bdbdbd"
BAND_FILL = (67, 160, 71, 40)
SELECTED_PEN = "#0057ff"


class HouseholdChart(QWidget):
    """pyqtgraph bar chart; :meth:`set_unit` redraws it for one management unit."""

    gridClicked = Signal(int)  # fid of the bar the clerk clicked

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel(self.tr("选择一个管理单元查看各微网格户数"), self)
        self.title.setWordWrap(True)
        self.title.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.plot = pg.PlotWidget(self, background="w")
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.showGrid(x=False, y=True, alpha=0.3)
        # No SI prefix: "户数 (x0.001)" on the axis of a few hundred households reads as a
        # bug to a clerk; the values are counts and shown as they are.
        for axis in ("left", "bottom"):
            self.plot.getAxis(axis).enableAutoSIPrefix(False)
        self.plot.setLabel("left", self.tr("户数"))
        self.plot.setMinimumHeight(140)
        self.plot.setToolTip(self.tr("单击柱子,在地图和列表中选中该微网格"))
        self.plot.setCursor(Qt.CursorShape.PointingHandCursor)
        self.plot.scene().sigMouseClicked.connect(self._on_scene_click)
        self.legend = QLabel(self)
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.legend.setWordWrap(True)
        self.legend.setText(
            f"<span style='color:{IN_BAND}'>■</span> " + self.tr("在合理范围内") + "  "
            f"<span style='color:{OUT_OF_BAND}'>■</span> " + self.tr("超出范围") + "  "
            f"<span style='color:{NOT_APPLICABLE}'>■</span> " + self.tr("不要求户数的类别") + "  "
            "<span style='color:#a5d6a7'>▇</span> " + self.tr("合理范围"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.title)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.legend)
        layout.addStretch(1)  # keeps the hint at the top when empty
        self.bars: pg.BarGraphItem | None = None
        self.band: pg.LinearRegionItem | None = None
        self.brushes: list[str] = []
        self.values: list[int] = []
        self.fids: list[int] = []
        self.selected: set[int] = set()
        self.unit_code: str | None = None
        self._pending: tuple | None = None
        """(dataset, unit) to draw when the chart is shown again."""
        self._drawn_unit: str | None = None
        self._drawn_codes: list[str] = []
        self._drawn_top = 0.0
        self._show_chart(False)

    def _show_chart(self, shown: bool) -> None:
        self.plot.setVisible(shown)
        self.legend.setVisible(shown)
        self.layout().setStretch(self.layout().count() - 1, 0 if shown else 1)

    def set_unit(self, dataset, unit_code: str | None) -> None:
        """Draw the unit's grids in code order (the numbering follows reading order).

        While the chart is hidden (its dock closed or behind another tab on a small screen)
        it is drawn when shown; a redraw of the same unit with the same grids only changes
        the bars, not the axes (a redraw after every edit cost ~25 ms of painting)."""
        self.unit_code = unit_code
        if not self.isVisible():
            self._pending = (dataset, unit_code)
            return
        self._pending = None
        if self._update_bars(dataset, unit_code):
            return
        self.plot.clear()
        self.bars = None
        self._drawn_unit = None
        self.brushes = []
        self.values = []
        self.fids = []
        if dataset is None or not unit_code or unit_code not in dataset.units:
            self.title.setText(self.tr("选择一个管理单元查看各微网格户数"))
            self._show_chart(False)  # an empty 0–1 chart only puzzles
            return
        self._show_chart(True)
        unit = dataset.units[unit_code]
        cat = dataset.catalogue
        lo = dataset.settings.households_min
        hi = dataset.settings.households_max
        grids = sorted(unit_grids(dataset, unit_code), key=lambda g: g.code)
        self.title.setText(self.tr("{0}:各微网格户数(合理范围 {1}–{2} 户)")
                           .format(unit.name or unit_code, lo, hi))
        self.band = pg.LinearRegionItem(values=(lo, hi), orientation="horizontal",
                                        movable=False, brush=pg.mkBrush(*BAND_FILL),
                                        pen=pg.mkPen((67, 160, 71, 120)))
        self.plot.addItem(self.band)
        if not grids:
            return
        heights, brushes, ticks = [], [], []
        for i, g in enumerate(grids):
            h = g.households or 0
            if cat.needs_households(g.category):
                color = IN_BAND if lo <= h <= hi and g.households is not None else OUT_OF_BAND
            else:
                color = NOT_APPLICABLE
            heights.append(h)
            brushes.append(color)
            short = g.code[-3:] if len(g.code) >= 3 else g.code
            ticks.append((i, short))
        self.values = heights
        self.brushes = brushes
        self.fids = [g.fid for g in grids]
        self._drawn_unit = unit_code
        self._drawn_codes = [g.code for g in grids]
        self.bars = pg.BarGraphItem(x=np.arange(len(grids)), height=heights, width=0.7,
                                    brushes=[pg.mkBrush(b) for b in brushes],
                                    pens=self._pens())
        self.plot.addItem(self.bars)
        width_px = max(200, self.plot.width())
        step = max(1, -(-len(ticks) * 34 // width_px))  # about 34 px per label
        self.plot.getAxis("bottom").setTicks([ticks[::step]])
        self.plot.setLabel("bottom", self.tr("微网格(编码末三位)"))
        self.plot.setXRange(-0.6, len(grids) - 0.4, padding=0)
        self._drawn_top = max(hi * 1.15, max(heights) * 1.1)
        self.plot.setYRange(0, self._drawn_top, padding=0)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if self._pending is not None:
            dataset, code = self._pending
            self.set_unit(dataset, code)
            self.set_selection(list(self.selected))

    def _bars_of(self, dataset, unit_code: str) -> tuple[list[int], list[int], list[str]]:
        """(fids, heights, colours) of the unit's grids in code order."""
        cat = dataset.catalogue
        lo = dataset.settings.households_min
        hi = dataset.settings.households_max
        fids, heights, colours = [], [], []
        for g in sorted(unit_grids(dataset, unit_code), key=lambda g: g.code):
            h = g.households or 0
            if cat.needs_households(g.category):
                colour = IN_BAND if lo <= h <= hi and g.households is not None else OUT_OF_BAND
            else:
                colour = NOT_APPLICABLE
            fids.append(g.fid)
            heights.append(h)
            colours.append(colour)
        return fids, heights, colours

    def _update_bars(self, dataset, unit_code: str | None) -> bool:
        """Change only the bars when the chart already shows this unit's grids (same fids
        and codes, so the same ticks); False when it must be drawn anew."""
        if (self.bars is None or dataset is None or unit_code != self._drawn_unit
                or unit_code not in dataset.units):
            return False
        fids, heights, colours = self._bars_of(dataset, unit_code)
        codes = [dataset.grids[f].code for f in fids]
        if fids != self.fids or codes != self._drawn_codes:
            return False
        if heights == self.values and colours == self.brushes:
            return True
        self.values, self.brushes = heights, colours
        self.bars.setOpts(height=heights, brushes=[pg.mkBrush(b) for b in colours],
                          pens=self._pens())
        hi = dataset.settings.households_max
        top = max(hi * 1.15, max(heights) * 1.1)
        if abs(top - self._drawn_top) > 1e-9:
            self._drawn_top = top
            self.plot.setYRange(0, top, padding=0)
        return True

    # -- selection --------------------------------------------------------------------------
    def _pens(self) -> list:
        return [pg.mkPen(SELECTED_PEN, width=3) if fid in self.selected else pg.mkPen(b)
                for fid, b in zip(self.fids, self.brushes, strict=True)]

    def set_selection(self, fids: list[int]) -> None:
        """Outline the bars of the selected grids (the others keep their own colour)."""
        self.selected = set(fids)
        if self.bars is not None:
            self.bars.setOpts(pens=self._pens())

    def index_at(self, x: float) -> int | None:
        """The bar whose column holds chart coordinate ``x`` (bars sit at 0, 1, 2 …)."""
        i = int(round(x))
        if 0 <= i < len(self.fids) and abs(x - i) <= 0.5:
            return i
        return None

    def _on_scene_click(self, ev) -> None:
        if ev.button() != Qt.MouseButton.LeftButton or not self.fids:
            return
        vb = self.plot.getPlotItem().getViewBox()
        pos = ev.scenePos()
        if not vb.sceneBoundingRect().contains(pos):
            return
        i = self.index_at(vb.mapSceneToView(pos).x())
        if i is not None:
            self.gridClicked.emit(self.fids[i])
