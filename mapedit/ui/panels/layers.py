"""图层 panel: visibility, opacity and drawing order of the map's layers.

The list shows the top-most layer first, as in every GIS, while the canvas API takes the drawing
order bottom → top; this widget only translates between the two and calls the canvas.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

ROLE = Qt.ItemDataRole.UserRole


class LayerPanel(QWidget):
    """Checkbox list of the canvas layers with opacity slider and up/down buttons."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.canvas = None
        self._opacity: dict[str, float] = {}
        self._loading = False
        self.list = QListWidget(self)
        self.list.setToolTip(self.tr("勾选显示图层;上面的图层画在上面"))
        self.list.itemChanged.connect(self._on_item_changed)
        self.list.currentItemChanged.connect(lambda *_: self._on_current())
        self.up = QPushButton(self.tr("上移"), self)
        self.down = QPushButton(self.tr("下移"), self)
        self.up.setToolTip(self.tr("把选中的图层移到上面一层"))
        self.down.setToolTip(self.tr("把选中的图层移到下面一层"))
        self.up.clicked.connect(lambda: self._move(-1))
        self.down.clicked.connect(lambda: self._move(1))
        self.opacity = QSlider(Qt.Orientation.Horizontal, self)
        self.opacity.setRange(0, 100)
        self.opacity.setToolTip(self.tr("选中图层的不透明度"))
        self.opacity.valueChanged.connect(self._on_opacity)
        self.opacity_label = QLabel(self)
        row = QHBoxLayout()
        row.addWidget(self.up)
        row.addWidget(self.down)
        orow = QHBoxLayout()
        orow.addWidget(QLabel(self.tr("不透明度"), self))
        orow.addWidget(self.opacity, 1)
        orow.addWidget(self.opacity_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.list)
        layout.addLayout(orow)
        layout.addLayout(row)

    def set_canvas(self, canvas) -> None:
        self.canvas = canvas
        self.rebuild()

    def rebuild(self) -> None:
        """Re-read layers from the canvas (call after a new dataset was set)."""
        self._loading = True
        try:
            current = self.current_layer()
            self.list.clear()
            if self.canvas is None:
                return
            for name in reversed(list(self.canvas.layer_names())):  # top-most first
                item = QListWidgetItem(self.canvas.layer_label(name))
                item.setData(ROLE, name)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Checked if self.canvas.is_layer_visible(name)
                                   else Qt.CheckState.Unchecked)
                self.list.addItem(item)
                if name == current:
                    self.list.setCurrentItem(item)
            if self.list.currentItem() is None and self.list.count():
                self.list.setCurrentRow(0)
        finally:
            self._loading = False
        self._on_current()

    def layer_order(self) -> list[str]:
        """Drawing order bottom → top, as the canvas wants it."""
        return [self.list.item(i).data(ROLE) for i in reversed(range(self.list.count()))]

    def current_layer(self) -> str | None:
        item = self.list.currentItem()
        return item.data(ROLE) if item is not None else None

    def item_for(self, name: str) -> QListWidgetItem | None:
        for i in range(self.list.count()):
            if self.list.item(i).data(ROLE) == name:
                return self.list.item(i)
        return None

    def set_visible(self, name: str, visible: bool) -> None:
        item = self.item_for(name)
        if item is not None:
            item.setCheckState(Qt.CheckState.Checked if visible else Qt.CheckState.Unchecked)

    def _on_item_changed(self, item: QListWidgetItem) -> None:
        if self._loading or self.canvas is None:
            return
        self.canvas.set_layer_visible(item.data(ROLE),
                                      item.checkState() == Qt.CheckState.Checked)

    def _on_current(self) -> None:
        name = self.current_layer()
        enabled = name is not None
        for w in (self.opacity, self.up, self.down):
            w.setEnabled(enabled)
        if name is None:
            return
        self._loading = True
        getter = getattr(self.canvas, "layer_opacity", None)
        current = getter(name) if callable(getter) else self._opacity.get(name, 1.0)
        value = int(round(current * 100))
        self.opacity.setValue(value)
        self.opacity_label.setText(f"{value}%")
        self._loading = False
        row = self.list.currentRow()
        self.up.setEnabled(row > 0)
        self.down.setEnabled(row < self.list.count() - 1)

    def _on_opacity(self, value: int) -> None:
        self.opacity_label.setText(f"{value}%")
        name = self.current_layer()
        if self._loading or name is None or self.canvas is None:
            return
        self._opacity[name] = value / 100.0
        self.canvas.set_layer_opacity(name, value / 100.0)

    def _move(self, delta: int) -> None:
        row = self.list.currentRow()
        new = row + delta
        if row < 0 or not 0 <= new < self.list.count():
            return
        self._loading = True
        item = self.list.takeItem(row)
        self.list.insertItem(new, item)
        self.list.setCurrentRow(new)
        self._loading = False
        if self.canvas is not None:
            self.canvas.set_layer_order(self.layer_order())
        self._on_current()
