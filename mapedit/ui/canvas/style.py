"""Cartography of the canvas: colours, pens, scale thresholds, legend labels.

Kept in one place so the look can be tuned (and reviewed by a clerk) without reading rendering
code. Widths are cosmetic pixels; ``max_px`` values are metres per screen pixel above which a
layer or class is too small to be worth drawing.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor

from mapedit.model.catalogue import Catalogue
from mapedit.ui.canvas.tiled import Style, cosmetic_pen
from mapedit.ui.i18n import N_

BACKGROUND = "#f3f1eb"
"""Paper-like background: light enough for translucent fills, not glaring white."""

ROAD_CLASSES: tuple[str, ...] = ("支路", "次干道", "主干道")  # i18n: ok (data values)
"""Values of the roads' ``class`` attribute, drawn in this order so 主干道 sit on top of minor
roads at crossings."""

BUILDINGS_MAX_PX = 3.0
LABELS_MAX_PX = 2.5
POIS_MAX_PX = 6.0
VILLAGER_GROUPS_MAX_PX = 4.0
MAX_LABELS = 300
"""Above this many grids in view, labels are too dense to read and are hidden."""


def _brush(color: str, alpha: int) -> QBrush:
    c = QColor(color)
    c.setAlpha(alpha)
    return QBrush(c)


def road_styles() -> list[Style]:
    return [
        Style(cosmetic_pen("#c9c4b8", 1.0), max_px=6.0),     # 支路
        Style(cosmetic_pen("#e9c46a", 2.0), max_px=20.0),    # 次干道
        Style(cosmetic_pen("#e07b39", 3.0)),                 # 主干道
    ]


def road_class_index(cls: str | None) -> int:
    return ROAD_CLASSES.index(cls) if cls in ROAD_CLASSES else 0


WATER_STYLES = [Style(cosmetic_pen("#5b9bd5", 1.0), _brush("#a8cdee", 255))]
BUILDING_STYLES = [Style(cosmetic_pen("#a3a09a", 1.0), _brush("#d6d3cc", 255))]
# 1.0 px, not wider: Qt draws dashed cosmetic pens up to 1 px with its fast line stroker; at
# 1.2 px every dash goes through the general stroker (7 ms vs 0.5 ms per street-scale frame).
VILLAGER_GROUP_STYLES = [Style(cosmetic_pen("#6b8e23", 1.0, Qt.PenStyle.DashLine))]
COMMITTEE_STYLES = [Style(cosmetic_pen("#8e6bb0", 1.5, Qt.PenStyle.DashDotLine))]
RESPONSIBILITY_STYLES = [Style(cosmetic_pen("#37474f", 3.0, Qt.PenStyle.DashLine))]

UNIT_TYPE_COLORS: dict[str, str] = {
    N_("小区"): "#1f5fbf",
    N_("农村"): "#2e7d32",
    N_("街面"): "#c2571a",
    N_("农场"): "#8d6e2f",
}
"""Unit types (data values; the legend shows them translated)."""
UNIT_TYPE_ORDER: list[str] = [*UNIT_TYPE_COLORS, ""]


def unit_styles() -> list[Style]:
    return [Style(cosmetic_pen(UNIT_TYPE_COLORS.get(t, "#555555"), 2.2)) for t in UNIT_TYPE_ORDER]


def unit_type_index(unit_type: str | None) -> int:
    return UNIT_TYPE_ORDER.index(unit_type) if unit_type in UNIT_TYPE_COLORS else len(UNIT_TYPE_ORDER) - 1


# Micro-grid fill by kind of category (小区, 村组, then the 12 kinds shared by 社区/农村/街面).
KIND_COLORS: dict[str, str] = {
    N_("小区"): "#8fc1e3",
    N_("村组"): "#a5d6a7",
    N_("企业"): "#b39ddb",
    N_("楼宇"): "#9fa8da",
    N_("商业体"): "#f48fb1",
    N_("公共机构"): "#80cbc4",
    N_("学校"): "#ffe082",
    N_("风景区"): "#c5e1a5",
    N_("文体"): "#ffcc80",
    N_("医疗"): "#ef9a9a",
    N_("养老"): "#bcaaa4",
    N_("工地"): "#e6ee9c",
    N_("公共区域"): "#b0bec5",
    N_("其它"): "#d7ccc8",
}
"""Category kinds (data values of the catalogue; the legend shows them translated)."""
KIND_ORDER: list[str] = [*KIND_COLORS, ""]
GRID_FILL_ALPHA = 120
GRID_OUTLINE = "#5f6b73"


def category_kind(catalogue: Catalogue, category: str) -> str:
    """The colour key of a category: 小区/村组 themselves, else its kind (企业, 学校 ...)."""
    c = catalogue.get(category)
    if c is None:
        return ""
    if c.household_band or not c.kind:
        return c.name if c.name in KIND_COLORS else (c.group if c.group in KIND_COLORS else "")
    return c.kind if c.kind in KIND_COLORS else "其它"  # i18n: ok (a key of KIND_COLORS)


def grid_category_styles() -> list[Style]:
    pen = cosmetic_pen(GRID_OUTLINE, 1.0)
    return [Style(pen, _brush(KIND_COLORS.get(k, "#eeeeee"), GRID_FILL_ALPHA)) for k in KIND_ORDER]


CHECK_STATES: tuple[str, ...] = ("ok", "warning", "error")
CHECK_COLORS = {"ok": "#81c784", "warning": "#ffd54f", "error": "#e57373"}
CHECK_LABELS = {"ok": N_("无问题"), "warning": N_("有警告"), "error": N_("有错误")}


def grid_check_styles() -> list[Style]:
    pen = cosmetic_pen(GRID_OUTLINE, 1.0)
    return [Style(pen, _brush(CHECK_COLORS[s], 150)) for s in CHECK_STATES]


POI_COLORS: dict[str, str] = {  # i18n: ok (values of the POIs' ``kind`` attribute)
    "学校": "#f9a825",  # i18n: ok
    "医院": "#d32f2f",  # i18n: ok
    "市场": "#6d4c41",  # i18n: ok
    "写字楼": "#3949ab",  # i18n: ok
    "公园": "#388e3c",  # i18n: ok
}
POI_DEFAULT_COLOR = "#616161"

# Findings.
FINDING_STYLE_OF_RULE: dict[str, str] = {
    "overlap": "overlap",
    "unit-overlap": "overlap",
    "gap": "gap",
    "sliver": "sliver",
    "unit-crossing": "crossing",
    "outside-units": "crossing",
    "unit-responsibility-crossing": "crossing",
    "unit-committee-crossing": "crossing",
    "building-cut": "cut",
    "villager-group-cut": "cut",
    "invalid-geometry": "cut",
}
"""Rules drawn on the map; the rest (codes, attributes, households) show in the check fill."""

FINDING_KINDS: tuple[str, ...] = ("pending", "gap", "overlap", "crossing", "cut", "sliver")
"""Map styles of findings, in draw order (bottom first). ``pending`` is a ``gap`` finding of a
unit that has no micro-grid at all (待划分): work not begun, drawn calm and underneath."""

PENDING_LABEL = N_("待划分")
"""Written across a unit that has no micro-grid yet, at unit scale."""
PENDING_TEXT_COLOR = "#8a8f94"
PENDING_COLOR = "#a7adb2"
"""Pale grey of the 待划分 hatch and outline: visible, but it should not look like an error
next to the red gap hatching of a half-covered unit."""


def finding_styles(accepted: bool) -> dict[str, Style]:
    if accepted:
        grey = "#9e9e9e"
        hatch = QBrush(QColor(grey), Qt.BrushStyle.BDiagPattern)
        return {
            "pending": Style(cosmetic_pen("#c4c4c4", 1.0),
                             QBrush(QColor(190, 190, 190, 110), Qt.BrushStyle.BDiagPattern)),
            "gap": Style(cosmetic_pen(grey, 1.0, Qt.PenStyle.DotLine), hatch),
            "overlap": Style(cosmetic_pen(grey, 1.0, Qt.PenStyle.DotLine), _brush(grey, 60)),
            "crossing": Style(cosmetic_pen(grey, 1.5, Qt.PenStyle.DotLine), _brush(grey, 40)),
            "cut": Style(cosmetic_pen(grey, 1.0, Qt.PenStyle.DotLine)),
            "sliver": Style(cosmetic_pen(grey, 1.0, Qt.PenStyle.DotLine)),
        }
    hatch = QBrush(QColor(194, 24, 91, 150), Qt.BrushStyle.BDiagPattern)
    return {
        "pending": Style(cosmetic_pen(PENDING_COLOR, 1.2), pending_brush()),
        "gap": Style(cosmetic_pen("#c2185b", 1.5), hatch),
        "overlap": Style(cosmetic_pen("#d50000", 1.5), _brush("#ff1744", 150)),
        "crossing": Style(cosmetic_pen("#ff8f00", 3.0), _brush("#ffb300", 50)),
        "cut": Style(cosmetic_pen("#7b1fa2", 2.0)),
        "sliver": Style(cosmetic_pen("#c2185b", 2.0)),
    }


def pending_brush() -> QBrush:
    """Pale grey diagonal hatch of a unit still to be divided (待划分)."""
    return QBrush(QColor(140, 148, 156, 120), Qt.BrushStyle.BDiagPattern)


MARKER_COLORS = {"pending": PENDING_COLOR, "gap": "#c2185b", "overlap": "#d50000", "crossing": "#ff8f00",
                 "cut": "#7b1fa2", "sliver": "#c2185b", "accepted": "#9e9e9e"}

SELECTION_PEN = cosmetic_pen("#0057ff", 3.0)
SELECTION_BRUSH = _brush("#2979ff", 60)
HIGHLIGHT_PEN = cosmetic_pen("#ffc40088", 8.0)
RUBBER_PEN = cosmetic_pen("#e91e63", 2.0)
RUBBER_CLOSE_PEN = cosmetic_pen("#e91e63", 1.5, Qt.PenStyle.DashLine)
RUBBER_BRUSH = _brush("#e91e63", 40)
SNAP_COLOR = "#00c853"


def mkcolor(c: str) -> QColor:
    return pg.mkColor(c)
