"""户数平衡 chart: households of each micro-grid in the selected unit against the 300–500 band.

A bar chart answers at a glance the question the rules ask of residential grids ("is each one
between 300 and 500 households?") and shows which neighbours to merge or split. Bars of
categories that do not need households (schools, shops …) are drawn grey and low so they do not
look like mistakes.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

IN_BAND = "#43a047"
OUT_OF_BAND = "#ef6c00"
NOT_APPLICABLE = "#bdbdbd"
BAND_FILL = (67, 160, 71, 40)


class HouseholdChart(QWidget):
    """pyqtgraph bar chart; :meth:`set_unit` redraws it for one management unit."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel(self.tr("选择一个管理单元查看各微网格户数"), self)
        self.title.setWordWrap(True)
        self.plot = pg.PlotWidget(self, background="w")
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.showGrid(x=False, y=True, alpha=0.3)
        self.plot.setLabel("left", self.tr("户数"))
        self.plot.setMinimumHeight(140)
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
        self.bars: pg.BarGraphItem | None = None
        self.band: pg.LinearRegionItem | None = None
        self.brushes: list[str] = []
        self.values: list[int] = []
        self.unit_code: str | None = None
        self.plot.hide()
        self.legend.hide()

    def set_unit(self, dataset, unit_code: str | None) -> None:
        """Draw the unit's grids in code order (the numbering follows reading order)."""
        self.unit_code = unit_code
        self.plot.clear()
        self.bars = None
        self.brushes = []
        self.values = []
        if dataset is None or not unit_code or unit_code not in dataset.units:
            self.title.setText(self.tr("选择一个管理单元查看各微网格户数"))
            self.plot.hide()  # an empty 0–1 chart only puzzles
            self.legend.hide()
            return
        self.plot.show()
        self.legend.show()
        unit = dataset.units[unit_code]
        cat = dataset.catalogue
        lo = dataset.settings.households_min
        hi = dataset.settings.households_max
        grids = sorted(dataset.grids_of_unit(unit_code), key=lambda g: g.code)
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
        self.bars = pg.BarGraphItem(x=np.arange(len(grids)), height=heights, width=0.7,
                                    brushes=[pg.mkBrush(b) for b in brushes],
                                    pens=[pg.mkPen(b) for b in brushes])
        self.plot.addItem(self.bars)
        width_px = max(200, self.plot.width())
        step = max(1, -(-len(ticks) * 34 // width_px))  # about 34 px per label
        self.plot.getAxis("bottom").setTicks([ticks[::step]])
        self.plot.setLabel("bottom", self.tr("微网格(编码末三位)"))
        self.plot.setXRange(-0.6, len(grids) - 0.4, padding=0)
        self.plot.setYRange(0, max(hi * 1.15, max(heights) * 1.1), padding=0)
