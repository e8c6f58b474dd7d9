"""图例: a small key laid over the map that says what the colours and hatchings mean.

Clerks are not GIS users; a red hatching means nothing until it says "未覆盖区域". The legend
follows the grid fill mode (类别 or 检查状态) and can be folded away. Colours are read from the
canvas style module so the key can never disagree with the map.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from mapedit.ui.canvas import style as S
from mapedit.ui.i18n import tr

_SW = 22
_SH = 14


def _swatch(fill: QBrush | None = None, pen: QPen | None = None, line: bool = False) -> QPixmap:
    pm = QPixmap(_SW, _SH)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    if line:
        p.setPen(pen or QPen(Qt.GlobalColor.black))
        p.drawLine(1, _SH // 2, _SW - 2, _SH // 2)
    else:
        p.setPen(pen or QPen(QColor(S.GRID_OUTLINE)))
        p.setBrush(fill or QBrush())
        p.drawRect(QRectF(1, 1, _SW - 3, _SH - 3))
    p.end()
    return pm


def _fill(color: str, alpha: int = 255) -> QBrush:
    c = QColor(color)
    c.setAlpha(alpha)
    return QBrush(c)


def _pen(color: str, width: float = 1.0, style=Qt.PenStyle.SolidLine) -> QPen:
    pen = QPen(QColor(color), width)
    pen.setStyle(style)
    return pen


class MapLegend(QFrame):
    """Foldable legend; :meth:`set_mode` switches between category and check colours."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("MapLegend")
        self.setStyleSheet("#MapLegend { background: rgba(255,255,255,225); border: 1px solid "
                           "#b0b0b0; border-radius: 4px; } QLabel { font-size: 9pt; }")
        # The key must never block clicks on the map under it, so the frame lets mouse events
        # through; only the fold button (a sibling on the map, drawn over the frame) takes them.
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.toggle = QToolButton(parent)
        self.toggle.setText(self.tr("图例 ▾"))
        self.toggle.setToolTip(self.tr("显示或收起图例"))
        self.toggle.setAutoRaise(True)
        self.toggle.setCheckable(True)
        self.toggle.setChecked(True)
        self.toggle.toggled.connect(self._fold)
        self.body = QWidget(self)
        self.grid = QGridLayout(self.body)
        self.grid.setContentsMargins(4, 0, 4, 4)
        self.grid.setHorizontalSpacing(6)
        self.grid.setVerticalSpacing(2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.setSpacing(0)
        self.spacer = QWidget(self)  # room for the fold button
        layout.addWidget(self.spacer)
        layout.addWidget(self.body)
        self.mode = ""
        self.set_mode("category")

    def entries(self) -> list[tuple[str, list[tuple[QPixmap, str]]]]:
        """Sections of (swatch, text) for the current mode."""
        if self.mode == "check":
            grids = [(_swatch(_fill(S.CHECK_COLORS[s], 150)), tr(S.CHECK_LABELS[s]))
                     for s in S.CHECK_STATES]
        else:
            grids = [(_swatch(_fill(c, S.GRID_FILL_ALPHA)), tr(k))
                     for k, c in S.KIND_COLORS.items()]
        units = [(_swatch(pen=_pen(c, 2.5), line=True), tr(t))
                 for t, c in S.UNIT_TYPE_COLORS.items()]
        units.append((_swatch(pen=_pen("#37474f", 2.5, Qt.PenStyle.DashLine), line=True),
                      self.tr("责任网格")))
        st = S.finding_styles(False)
        problems = [
            (_swatch(st["gap"].brush, st["gap"].pen), self.tr("未覆盖区域")),
            (_swatch(st["pending"].brush, st["pending"].pen), self.tr("待划分单元")),
            (_swatch(st["overlap"].brush, st["overlap"].pen), self.tr("重叠")),
            (_swatch(st["crossing"].brush, st["crossing"].pen), self.tr("跨出单元")),
            (_swatch(pen=st["cut"].pen, line=True), self.tr("切割楼栋/小组")),
            (_swatch(_fill("#2979ff", 60), _pen("#0057ff", 2.5)), self.tr("选中的微网格")),
        ]
        return [(self.tr("微网格(按类别)") if self.mode != "check" else
                 self.tr("微网格(按检查状态)"), grids),
                (self.tr("管理单元边界(按类型)"), units),
                (self.tr("检查发现的问题"), problems)]

    def set_mode(self, mode: str) -> None:
        if mode == self.mode:
            return
        self.mode = mode
        while self.grid.count():
            item = self.grid.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        row = 0
        cols = 3
        for title, items in self.entries():
            head = QLabel(f"<b>{title}</b>", self.body)
            self.grid.addWidget(head, row, 0, 1, 2 * cols)
            row += 1
            for i, (pm, text) in enumerate(items):
                r, c = row + i // cols, (i % cols) * 2
                sw = QLabel(self.body)
                sw.setPixmap(pm)
                self.grid.addWidget(sw, r, c)
                self.grid.addWidget(QLabel(text, self.body), r, c + 1)
            row += (len(items) + cols - 1) // cols
        self.adjustSize()

    def _fold(self, shown: bool) -> None:
        self.body.setVisible(shown)
        self.setVisible(shown)
        self.toggle.setText(self.tr("图例 ▾") if shown else self.tr("图例 ▸"))
        self.place()

    def place(self) -> None:
        """Bottom-right corner of the parent (the map): scale bar is bottom-left and the north
        arrow top-right there."""
        parent = self.parentWidget()
        if parent is None:
            return
        self.toggle.adjustSize()
        self.spacer.setFixedHeight(self.toggle.sizeHint().height())
        self.adjustSize()
        size = self.sizeHint()
        self.resize(size)
        # Not isVisible(): while the window is being shown the map gets its first resize
        # before anything counts as visible, and the folded size put the open legend half
        # below the bottom edge of the map.
        shown = not self.isHidden()
        width = max(size.width(), self.toggle.sizeHint().width()) if shown \
            else self.toggle.sizeHint().width()
        height = size.height() if shown else self.toggle.sizeHint().height()
        x = max(0, parent.width() - width - 10)
        y = max(0, parent.height() - height - 10)
        self.move(x, y)
        self.toggle.move(x + 4, y + 2)
        self.raise_()
        self.toggle.raise_()
