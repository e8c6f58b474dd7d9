"""属性 panel: view and edit the selected micro-grid's properties.

The panel refuses bad input where it is typed (a red message under the form) rather than
letting the checker complain later, because a clerk fixes a typo best the moment it is made.
Accepted input becomes one :class:`~mapedit.model.changes.ChangeSet` per edit, emitted through
:attr:`AttributePanel.editRequested`; the main window turns it into an undoable command. The panel
never writes to the dataset itself.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from mapedit.model.changes import FROM_BUILDINGS, edit_attributes, follows_buildings
from mapedit.model.hierarchy import FOUR_BOUND_KEYS, MicroGrid
from mapedit.ui.i18n import tr

_ERROR_STYLE = "QLineEdit { border: 1px solid #c62828; background: #ffebee; }"


def parse_count(text: str) -> tuple[bool, int | None]:
    """Households/population: empty means unknown (None); otherwise a non-negative integer.
    Full-width digits and thousands separators, which Chinese IMEs produce, are accepted."""
    t = text.strip().translate(str.maketrans("０１２３４５６７８９", "0123456789")).replace(",", "")  # i18n: ok
    t = t.replace(",", "").replace(" ", "")
    if not t:
        return True, None
    if t.isdigit() and t.isascii():
        return True, int(t)
    return False, None


class AttributePanel(QWidget):
    """Form for one micro-grid; emits a change set for every accepted edit."""

    editRequested = Signal(object)  # ChangeSet

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project = None
        self.fid: int | None = None
        self._count = 0
        self._loading = False

        self.header = QLabel(self.tr("在地图或左侧列表中点选一个微网格"), self)
        self.header.setWordWrap(True)
        self.header.setStyleSheet("font-weight: bold;")

        self.code = QLabel(self)
        self.code.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.unit = QLabel(self)
        self.unit.setWordWrap(True)
        self.name = QLineEdit(self)
        self.category = QComboBox(self)
        self.category.setToolTip(self.tr("只列出本管理单元类型允许的类别;悬停查看划分原则"))
        self.departments = QListWidget(self)
        self.departments.setMaximumHeight(90)
        self.departments.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                         | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.departments.setToolTip(self.tr("条线责任部门;双击修改"))
        # Tool buttons, not push buttons: on a laptop the dock is narrow.
        self.dep_add = QToolButton(self)
        self.dep_add.setText(self.tr("添加"))
        self.dep_remove = QToolButton(self)
        self.dep_remove.setText(self.tr("删除"))
        self.dep_default = QToolButton(self)
        self.dep_default.setText(self.tr("恢复默认"))
        self.dep_default.setToolTip(self.tr("按类别填入默认的条线责任部门"))
        self.households = QLineEdit(self)
        self.households.setPlaceholderText(self.tr("整数,小区/村组应在 300–500 户"))
        # Beside the entered value: what the building layer says (issue 6). Shown, never
        # applied silently; "采用" turns it into one ordinary, undoable attribute edit.
        self.households_computed = QLabel(self)
        self.households_computed.setObjectName("households_computed")
        self.households_computed.setStyleSheet("color: #757575;")
        self.households_computed.setToolTip(self.tr(
            "按底图楼栋计算:中心点落在本微网格内的各楼栋户数之和(每栋楼只计一次)"))
        self.households_adopt = QToolButton(self)
        self.households_adopt.setText(self.tr("采用"))
        self.households_adopt.setToolTip(self.tr("把户数改为楼栋合计(可撤销)"))
        self.households_adopt.clicked.connect(self._adopt_computed_households)
        self.computed_households: int | None = None
        self.population = QLineEdit(self)
        self.population.setPlaceholderText(self.tr("整数,可不填"))
        self.bounds = {k: QLineEdit(self) for k in FOUR_BOUND_KEYS}
        for edit in self.bounds.values():
            edit.setMinimumWidth(40)
        self.notes = QLineEdit(self)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #c62828;")
        self.message.hide()

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow(self.tr("编码"), self.code)
        form.addRow(self.tr("管理单元"), self.unit)
        form.addRow(self.tr("名称"), self.name)
        form.addRow(self.tr("类别"), self.category)
        deps = QVBoxLayout()
        deps.addWidget(self.departments)
        row = QHBoxLayout()
        for b in (self.dep_add, self.dep_remove, self.dep_default):
            row.addWidget(b)
        deps.addLayout(row)
        form.addRow(self.tr("条线部门"), deps)
        hh = QVBoxLayout()
        hh.setSpacing(2)
        hh.addWidget(self.households)
        computed = QHBoxLayout()
        computed.addWidget(self.households_computed, 1)
        computed.addWidget(self.households_adopt)
        hh.addLayout(computed)
        form.addRow(self.tr("户数"), hh)
        form.addRow(self.tr("人口"), self.population)
        four = QGridLayout()
        labels = {"east": self.tr("东"), "south": self.tr("南"), "west": self.tr("西"),
                  "north": self.tr("北")}
        for i, k in enumerate(FOUR_BOUND_KEYS):
            four.addWidget(QLabel(labels[k], self), i // 2, (i % 2) * 2)
            four.addWidget(self.bounds[k], i // 2, (i % 2) * 2 + 1)
        form.addRow(self.tr("四至"), four)
        form.addRow(self.tr("备注"), self.notes)

        body = QWidget(self)
        lay = QVBoxLayout(body)
        lay.addWidget(self.header)
        lay.addLayout(form)
        lay.addWidget(self.message)
        lay.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

        self.name.editingFinished.connect(lambda: self._commit_text("name", self.name))
        self.notes.editingFinished.connect(lambda: self._commit_text("notes", self.notes))
        self.households.editingFinished.connect(
            lambda: self._commit_count("households", self.households))
        self.population.editingFinished.connect(
            lambda: self._commit_count("population", self.population))
        for key, edit in self.bounds.items():
            edit.editingFinished.connect(lambda k=key: self._commit_bound(k))
        self.category.activated.connect(self._commit_category)
        self.departments.itemChanged.connect(lambda _i: self._commit_departments())
        self.dep_add.clicked.connect(self._add_department)
        self.dep_remove.clicked.connect(self._remove_department)
        self.dep_default.clicked.connect(self._default_departments)
        self._editors = [self.name, self.category, self.departments, self.dep_add,
                         self.dep_remove, self.dep_default, self.households, self.population,
                         *self.bounds.values(), self.notes]
        self.show_grids([])

    # -- showing ----------------------------------------------------------------------------------
    def set_project(self, project) -> None:
        self.project = project
        self.show_grids([])

    def grid(self) -> MicroGrid | None:
        if self.project is None or self.fid is None:
            return None
        return self.project.dataset.grids.get(self.fid)

    def show_grids(self, fids: list[int]) -> None:
        """Show the one selected grid (a multi-selection only shows how many are selected)."""
        self.fid = fids[0] if len(fids) == 1 else None
        self._count = len(fids)
        self.refresh()

    def refresh(self) -> None:
        """Re-read the grid from the dataset (after an edit, undo or redo)."""
        self._loading = True
        try:
            self._clear_message()
            g = self.grid()
            if g is None:
                if self._count > 1:
                    self.header.setText(self.tr("已选择 {0} 个微网格;请只选一个来修改属性")
                                        .format(self._count))
                else:
                    self.header.setText(self.tr("在地图或左侧列表中点选一个微网格"))
                self.fid = None
                for w in self._editors:
                    w.setEnabled(False)
                for w in (self.name, self.households, self.population, self.notes,
                          *self.bounds.values()):
                    w.clear()
                self.code.clear()
                self.unit.clear()
                self.category.clear()
                self.departments.clear()
                self._show_computed_households(None)
                return
            ds = self.project.dataset
            unit = ds.units.get(g.unit_code)
            self.header.setText(g.name or g.code)
            self.code.setText(g.code)
            self.unit.setText(f"{unit.name}({tr(unit.unit_type)})" if unit else
                              self.tr("(不在任何管理单元)"))
            self.name.setText(g.name)
            self._fill_categories(g, unit.unit_type if unit else None)
            self.departments.clear()
            for d in g.departments:
                self._add_department_item(d)
            self.households.setText("" if g.households is None else str(g.households))
            self.population.setText("" if g.population is None else str(g.population))
            fb = g.four_bounds or {}
            for k, edit in self.bounds.items():
                edit.setText(fb.get(k, ""))
            self.notes.setText(g.notes)
            locked = bool(unit and unit.locked)
            for w in self._editors:
                w.setEnabled(not locked)
            self._show_computed_households(g, locked)
            if locked:
                self._show_message(self.tr("所在管理单元已锁定,如需修改请先解锁(编辑 → 锁定/解锁管理单元)"))
        finally:
            self._loading = False

    def _show_computed_households(self, g: MicroGrid | None, locked: bool = False) -> None:
        """Show the building layer's households for ``g`` beside the entered value; hidden
        when no grid is shown or the project has no buildings (nothing to compare with).
        The sum itself is :func:`~mapedit.model.geometry_ops.households_from_buildings`."""
        from mapedit.model.geometry_ops import households_from_buildings

        ds = self.project.dataset if self.project is not None else None
        if (g is None or ds is None or g.geometry is None or ds.layers.not_loaded("buildings")
                or ds.base_loaded("buildings") is None):  # none yet, or still loading
            self.computed_households = None
            self.households_computed.hide()
            self.households_adopt.hide()
            return
        value = households_from_buildings(ds, g.geometry)
        self.computed_households = value
        if value is None:
            self.households_computed.setText(self.tr("楼栋合计:无户数"))
        else:
            self.households_computed.setText(self.tr("楼栋合计 {0} 户").format(value))
        self.households_computed.show()
        self.households_adopt.show()
        self.households_adopt.setEnabled(not locked and value is not None
                                         and not follows_buildings(g, value))

    def _adopt_computed_households(self) -> None:
        """采用: the buildings' total, and from now on kept current by every reshaping edit
        (``households_source`` becomes "buildings", set by ``edit_attributes``)."""
        g = self.grid()
        value = self.computed_households
        if g is None or value is None or follows_buildings(g, value) or self._loading:
            return
        self._emit(g, FROM_BUILDINGS, households=value)

    def _fill_categories(self, g: MicroGrid, unit_type: str | None) -> None:
        cat = self.project.dataset.catalogue
        self.category.clear()
        allowed = cat.allowed(unit_type) if unit_type else []
        example = self.tr("例如:{0}")
        for c in allowed:
            self.category.addItem(c.name, c.name)
            tip = c.principle + ("\n" + example.format(c.examples) if c.examples else "")
            self.category.setItemData(self.category.count() - 1, tip,
                                      Qt.ItemDataRole.ToolTipRole)
        names = [c.name for c in allowed]
        if g.category in names:
            self.category.setCurrentIndex(names.index(g.category))
        else:
            # Show the stored (wrong) value, but it cannot be chosen again.
            self.category.addItem(self.tr("{0}(不适用于本单元类型)").format(g.category or "—"),
                                  None)
            idx = self.category.count() - 1
            item = self.category.model().item(idx)
            item.setEnabled(False)
            self.category.setCurrentIndex(idx)

    # -- editing ------------------------------------------------------------------------------------
    def _emit(self, g: MicroGrid, how: tuple[str, str] = ("", ""), **values) -> None:
        """One attribute edit as a change set (described and stamped by the model)."""
        if self._loading:
            return
        self.editRequested.emit(edit_attributes(g, how, **values))

    def _commit_text(self, field: str, edit: QLineEdit) -> None:
        g = self.grid()
        if g is None or self._loading:
            return
        value = edit.text().strip()
        if field == "name" and not value:
            self._show_message(self.tr("名称不能为空"), edit)
            return
        self._clear_message()
        if value == getattr(g, field):
            return
        self._emit(g, **{field: value})

    def _commit_count(self, field: str, edit: QLineEdit) -> None:
        g = self.grid()
        if g is None or self._loading:
            return
        ok, value = parse_count(edit.text())
        label = {"households": self.tr("户数"), "population": self.tr("人口")}[field]
        if not ok:
            self._show_message(self.tr("{0}必须是不小于 0 的整数(也可以不填)").format(label),
                               edit)
            return
        self._clear_message()
        if value == getattr(g, field):
            return
        self._emit(g, **{field: value})

    def _commit_bound(self, key: str) -> None:
        g = self.grid()
        if g is None or self._loading:
            return
        value = self.bounds[key].text().strip()
        fb = dict(g.four_bounds or {})
        if fb.get(key, "") == value:
            return
        fb[key] = value
        self._emit(g, four_bounds=fb)

    def _commit_category(self, index: int) -> None:
        g = self.grid()
        if g is None or self._loading:
            return
        new = self.category.itemData(index)
        if not new or new == g.category:
            return
        deps = self.project.dataset.catalogue.default_departments(new)
        self._emit(g, category=new, departments=deps)

    def current_departments(self) -> list[str]:
        out = []
        for i in range(self.departments.count()):
            t = self.departments.item(i).text().strip()
            if t and t not in out:
                out.append(t)
        return out

    def _commit_departments(self) -> None:
        g = self.grid()
        if g is None or self._loading:
            return
        deps = self.current_departments()
        if deps == list(g.departments):
            return
        self._emit(g, departments=deps)

    def _add_department_item(self, text: str) -> QListWidgetItem:
        item = QListWidgetItem(text)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
        self.departments.addItem(item)
        return item

    def _add_department(self) -> None:
        self._loading = True
        item = self._add_department_item(self.tr("新部门"))
        self._loading = False
        self.departments.setCurrentItem(item)
        self.departments.editItem(item)

    def _remove_department(self) -> None:
        row = self.departments.currentRow()
        if row < 0:
            return
        self._loading = True
        self.departments.takeItem(row)
        self._loading = False
        self._commit_departments()

    def _default_departments(self) -> None:
        g = self.grid()
        if g is None:
            return
        deps = self.project.dataset.catalogue.default_departments(g.category)
        if deps and deps != list(g.departments):
            self._emit(g, departments=deps)

    # -- messages -------------------------------------------------------------------------------
    def _show_message(self, text: str, edit: QLineEdit | None = None) -> None:
        self.message.setText(text)
        self.message.show()
        if edit is not None:
            edit.setStyleSheet(_ERROR_STYLE)

    def _clear_message(self) -> None:
        self.message.hide()
        self.message.clear()
        for w in (self.name, self.households, self.population):
            w.setStyleSheet("")

    def message_text(self) -> str:
        return self.message.text() if self.message.isVisible() or self.message.text() else ""
