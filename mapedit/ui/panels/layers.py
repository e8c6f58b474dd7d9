"""图层 panel: visibility, opacity and drawing order of the map's layers.

The panel is a view of the dataset's :class:`~mapedit.model.layers.LayerStack`: ticking a box,
moving the opacity slider or a layer up/down changes the stack, and the stack's events redraw
the canvas (which follows the same stack) and this list. The project persists the stack (the
store helper's part); nothing here talks to the canvas or the file. Removing a base layer goes
through ``Project.remove_layer`` (the edit log names the clerk) when the panel shows a
project; 调整配准… (button and context menu) asks the window to reopen a georeferenced image
(:attr:`LayerPanel.georeferenceRequested`). The list shows the top-most
layer first, as in every GIS, while the stack is ordered bottom → top. Names come from
``Layer.label`` in the interface language.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QMessageBox,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from mapedit.ui.basemap.layer_icons import kind_icon
from mapedit.ui.i18n import is_chinese

ROLE = Qt.ItemDataRole.UserRole


class LayerPanel(QWidget):
    """Checkbox list of the stack's layers with opacity slider and up/down buttons."""

    georeferenceRequested = Signal(str)
    """调整配准…: the id of an image layer georeferenced in mapedit, to reopen."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.stack = None
        self.project = None
        self._loading = False
        self._status: dict[str, str] = {}
        """Layer id → what its renderer reports (failed tiles, a moved image)."""
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
        self.remove = QPushButton(self.tr("删除"), self)
        self.remove.setToolTip(self.tr("从项目中删除选中的底图图层(原始文件不受影响)"))
        self.remove.clicked.connect(self.remove_current)
        self.georef = QPushButton(self.tr("调整配准"), self)
        self.georef.setObjectName("adjust_georeference")
        self.georef.setToolTip(self.tr("重新打开配准窗口,调整选中影像的控制点"))
        self.georef.clicked.connect(self._adjust_current)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._context_menu)
        self.opacity = QSlider(Qt.Orientation.Horizontal, self)
        self.opacity.setRange(0, 100)
        self.opacity.setToolTip(self.tr("选中图层的不透明度"))
        self.opacity.valueChanged.connect(self._on_opacity)
        self.opacity_label = QLabel(self)
        row = QHBoxLayout()
        row.addWidget(self.up)
        row.addWidget(self.down)
        row.addWidget(self.georef)
        row.addWidget(self.remove)
        orow = QHBoxLayout()
        orow.addWidget(QLabel(self.tr("不透明度"), self))
        orow.addWidget(self.opacity, 1)
        orow.addWidget(self.opacity_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.list)
        layout.addLayout(orow)
        layout.addLayout(row)

    def set_project(self, project) -> None:
        """Show the layers of ``project`` (None empties the panel); base layers are removed
        through it, with the clerk's name in the edit log."""
        self.project = project
        self.set_stack(project.dataset.layers if project is not None else None)

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
                item.setIcon(kind_icon(layer))
                item.setToolTip(self._tooltip(layer))
                self.list.addItem(item)
                if layer.id == current:
                    self.list.setCurrentItem(item)
            if self.list.currentItem() is None and self.list.count():
                self.list.setCurrentRow(0)
        finally:
            self._loading = False
        self._on_current()

    def _tooltip(self, layer) -> str:
        """Kind (and role), source, and what the renderer reports."""
        from mapedit.model.layers import KIND_LABELS

        zh = is_chinese()
        kind = KIND_LABELS.get(layer.kind, (layer.kind, layer.kind))[0 if zh else 1]
        lines = [kind]
        if layer.source:
            lines.append(layer.source)
        status = self._status.get(layer.id)
        if status:
            lines.append("⚠ " + status)
        return "\n".join(lines)

    def set_layer_status(self, layer_id: str, text: str) -> None:
        """What the layer's renderer reports (empty: all well), shown on its row."""
        self._status[layer_id] = text
        item = self.item_for(layer_id)
        if item is not None and self.stack is not None and layer_id in self.stack:
            layer = self.stack[layer_id]
            item.setToolTip(self._tooltip(layer))
            label = layer.label("zh" if is_chinese() else "en")
            item.setText(f"{label}  ⚠" if text else label)

    def remove_current(self, confirm: bool = True) -> bool:
        """Remove the selected base layer from the project (after a question): its row and
        table, or its embedded tiles, go; the clerk's own file stays where it is."""
        layer_id = self.current_layer()
        if layer_id is None or self.stack is None or not self.stack[layer_id].removable:
            return False
        name = self.stack[layer_id].label("zh" if is_chinese() else "en")
        if confirm:
            answer = QMessageBox.question(
                self, self.tr("删除图层"),
                self.tr("从项目中删除图层“{name}”?原始文件不受影响。").format(name=name))
            if answer != QMessageBox.StandardButton.Yes:
                return False
        if self.project is not None and self.project.dataset.layers is self.stack:
            from mapedit.errors import MapeditError
            from mapedit.ui.commands import current_user
            from mapedit.ui.i18n import error_text

            try:
                self.project.remove_layer(layer_id, who=current_user())
            except MapeditError as exc:  # refused (busy, changed elsewhere): nothing removed
                QMessageBox.warning(self, self.tr("删除图层"), error_text(exc))
                return False
        else:
            self.stack.remove(layer_id)  # a bare stack: whoever owns it persists it
        self._status.pop(layer_id, None)
        return True

    def can_adjust(self, layer_id: str | None) -> bool:
        """Whether the layer is an image georeferenced in mapedit (its points are stored)."""
        if layer_id is None or self.stack is None or layer_id not in self.stack:
            return False
        from mapedit.ui.basemap.georef_window import can_adjust

        return can_adjust(self.stack[layer_id])

    def _adjust_current(self) -> None:
        layer_id = self.current_layer()
        if self.can_adjust(layer_id):
            self.georeferenceRequested.emit(layer_id)

    def _context_menu(self, pos) -> None:
        item = self.list.itemAt(pos)
        if item is None or self.stack is None:
            return
        self.list.setCurrentItem(item)
        layer_id = item.data(ROLE)
        menu = self.context_menu(layer_id)
        menu.exec(self.list.viewport().mapToGlobal(pos))

    def context_menu(self, layer_id: str) -> QMenu:
        """The list's context menu for ``layer_id`` (调整配准…, 删除…)."""
        menu = QMenu(self)
        adjust = menu.addAction(self.tr("调整配准…"))
        adjust.setEnabled(self.can_adjust(layer_id))
        if not adjust.isEnabled() and self.stack[layer_id].kind == "raster":
            adjust.setToolTip(self.tr("只有在本软件中配准的图片才能调整(保存了控制点)"))
        adjust.triggered.connect(lambda: self.georeferenceRequested.emit(layer_id))
        remove = menu.addAction(self.tr("删除…"))
        remove.setEnabled(self.stack[layer_id].removable)
        remove.triggered.connect(lambda: self.remove_current())
        menu.setToolTipsVisible(True)
        return menu

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
        self.remove.setEnabled(enabled and self.stack[layer_id].removable)
        self.georef.setVisible(self.can_adjust(layer_id))
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
