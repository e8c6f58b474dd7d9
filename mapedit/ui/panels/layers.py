"""图层 panel: visibility, opacity and drawing order of the map's layers.

The panel is a view of the dataset's :class:`~mapedit.model.layers.LayerStack`: ticking a box,
moving the opacity slider or a layer up/down changes the stack, and the stack's events redraw
the canvas (which follows the same stack) and this list. The project persists the stack (the
store helper's part); nothing here talks to the canvas or the file. The list shows the top-most
layer first, as in every GIS, while the stack is ordered bottom → top. Names come from
``Layer.label`` in the interface language.
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

from mapedit.ui.i18n import is_chinese

ROLE = Qt.ItemDataRole.UserRole


class LayerPanel(QWidget):
    """Checkbox list of the stack's layers with opacity slider and up/down buttons."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.stack = None
        self._loading = False
        self.list = QListWidget(self)
        self.list.setToolTip(self.tr("勾选显示图层;上面的图层画在上面"))
        self.list.itemChanged.connect(self._on_item_changed)
        self.list.currentItemChanged.connect(lambda *_: self._on_current())
        self.up = QPushButton(self.tr("上移"), self)
        self.down = QPushButton(self.tr("下移"), self)
        self.up.setToolTip(self.tr("把选中的图层移到上面一层"))
        self.down.setToolTip(self.tr("把选中的图层移到下面一层"))
        self.up.clicked.connect(lambda: self._move(+1))
        self.down.clicked.connect(lambda: self._move(-1))
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

    def set_stack(self, stack) -> None:
        """Show (and follow) ``stack``; None empties the panel."""
        if self.stack is not None:
            self.stack.unsubscribe(self._on_stack_event)
        self.stack = stack
        if stack is not None:
            stack.subscribe(self._on_stack_event)
        self.rebuild()

    def _on_stack_event(self, event) -> None:
        """A change of one layer updates its row in place (the row may be the one whose
        check box is being clicked); a layer added, removed or moved rebuilds the list."""
        if event.type != "changed":
            self.rebuild()
            return
        item = self.item_for(event.layer.id)
        if item is None:
            self.rebuild()
            return
        self._loading = True
        try:
            layer = event.layer
            item.setText(layer.label("zh" if is_chinese() else "en"))
            state = Qt.CheckState.Checked if layer.visible else Qt.CheckState.Unchecked
            if item.checkState() != state:
                item.setCheckState(state)
        finally:
            self._loading = False
        if layer.id == self.current_layer():
            self._on_current()

    def rebuild(self) -> None:
        """Re-read the layers from the stack (keeps the current row)."""
        self._loading = True
        try:
            current = self.current_layer()
            self.list.clear()
            if self.stack is None:
                return
            lang = "zh" if is_chinese() else "en"
            for layer in reversed(list(self.stack)):  # top-most first
                item = QListWidgetItem(layer.label(lang))
                item.setData(ROLE, layer.id)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Checked if layer.visible
                                   else Qt.CheckState.Unchecked)
                if layer.source:
                    item.setToolTip(layer.source)
                self.list.addItem(item)
                if layer.id == current:
                    self.list.setCurrentItem(item)
            if self.list.currentItem() is None and self.list.count():
                self.list.setCurrentRow(0)
        finally:
            self._loading = False
        self._on_current()

    def layer_order(self) -> list[str]:
        """Drawing order bottom → top (the stack's order)."""
        return [self.list.item(i).data(ROLE) for i in reversed(range(self.list.count()))]

    def current_layer(self) -> str | None:
        item = self.list.currentItem()
        return item.data(ROLE) if item is not None else None

    def item_for(self, layer_id: str) -> QListWidgetItem | None:
        for i in range(self.list.count()):
            if self.list.item(i).data(ROLE) == layer_id:
                return self.list.item(i)
        return None

    def set_visible(self, layer_id: str, visible: bool) -> None:
        item = self.item_for(layer_id)
        if item is not None:
            item.setCheckState(Qt.CheckState.Checked if visible else Qt.CheckState.Unchecked)

    def _on_item_changed(self, item: QListWidgetItem) -> None:
        if self._loading or self.stack is None:
            return
        self.stack.set_visible(item.data(ROLE), item.checkState() == Qt.CheckState.Checked)

    def _on_current(self) -> None:
        layer_id = self.current_layer()
        enabled = layer_id is not None and self.stack is not None
        for w in (self.opacity, self.up, self.down):
            w.setEnabled(enabled)
        if not enabled:
            return
        self._loading = True
        value = int(round(self.stack[layer_id].opacity * 100))
        self.opacity.setValue(value)
        self.opacity_label.setText(f"{value}%")
        self._loading = False
        row = self.list.currentRow()
        self.up.setEnabled(row > 0)
        self.down.setEnabled(row < self.list.count() - 1)

    def _on_opacity(self, value: int) -> None:
        self.opacity_label.setText(f"{value}%")
        layer_id = self.current_layer()
        if self._loading or layer_id is None or self.stack is None:
            return
        self.stack.set_opacity(layer_id, value / 100.0)

    def _move(self, delta: int) -> None:
        """Move the current layer ``delta`` places up (+1: drawn later, above) the stack."""
        layer_id = self.current_layer()
        if layer_id is None or self.stack is None:
            return
        index = self.stack.index(layer_id) + delta
        if not 0 <= index < len(self.stack):
            return
        self.stack.move(layer_id, index)  # the event rebuilds the list, keeping the row
