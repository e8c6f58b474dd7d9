"""管理单元 tree: street → 责任网格 → 管理单元 → 微网格, with each unit's progress.

The tree is the clerk's table of contents: which units are done (coverage 100 %, no errors) and
which still need work. Grid rows are created lazily when a unit is expanded, and on a city with
thousands of units the figures (coverage is a union per unit) are filled a slice at a time once
the full check is done, so opening stays quick and the map responsive. Error counts come from the findings the window passes
in (:meth:`UnitTreePanel.set_findings`); before the background check is done they read "…".
Numbers come from :func:`mapedit.project.unit_progress` (computed below the UI); this widget
only shows them.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLineEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from mapedit.model.editing.index import unit_grids
from mapedit.project import unit_progress
from mapedit.rules.findings import Finding
from mapedit.ui.i18n import tr

ROLE = Qt.ItemDataRole.UserRole
COL_NAME, COL_GRIDS, COL_COVERAGE, COL_HOUSEHOLDS, COL_ERRORS = range(5)
_ERROR_BRUSH = QBrush(QColor("#c62828"))
_DONE_BRUSH = QBrush(QColor("#2e7d32"))
EAGER_UNITS = 200
"""Up to this many units the coverage column is computed at once; beyond, in slices."""
SLICE_UNITS = 25
"""Units whose figures one idle slice computes (about 20 ms: the map stays responsive)."""
UNKNOWN = "…"


class UnitTreePanel(QWidget):
    """Hierarchy with per-unit progress columns; selection is kept in step with the map."""

    gridsSelected = Signal(list)  # list[int] fids selected by the clerk in the tree
    unitSelected = Signal(str)  # unit code of the current row (also for a grid row)
    unitActivated = Signal(str)  # double-click on a unit: zoom to it
    gridActivated = Signal(int)  # double-click on a grid: zoom to it

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project = None
        self._unit_items: dict[str, QTreeWidgetItem] = {}
        self._grid_items: dict[int, QTreeWidgetItem] = {}
        self._populated: set[str] = set()
        self._syncing = False
        self._findings: list[Finding] | None = None
        """The findings shown (None: the check has not finished yet)."""
        self._units_with_findings: set[str] = set()
        self._coverage_todo: list[str] = []
        self._coverage_timer = QTimer(self)
        self._coverage_timer.setInterval(0)
        self._coverage_timer.timeout.connect(self._coverage_slice)

        self.filter = QLineEdit(self)
        self.filter.setPlaceholderText(self.tr("按名称或编码查找管理单元…"))
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._apply_filter)

        self.tree = QTreeWidget(self)
        self.tree.setColumnCount(5)
        # Short headers (the tooltips explain): on a laptop the dock is narrow and the names
        # must keep the room.
        self.tree.setHeaderLabels([self.tr("名称"), self.tr("网格"), self.tr("覆盖%"),
                                   self.tr("户数"), self.tr("错误")])
        tips = [self.tr("街道 → 责任网格 → 管理单元 → 微网格;双击可在地图上定位"),
                self.tr("管理单元内的微网格个数"),
                self.tr("微网格覆盖管理单元面积的比例,应为 100%"),
                self.tr("管理单元内各微网格户数之和"),
                self.tr("尚未处理的错误(不含已接受的例外)")]
        for i, tip in enumerate(tips):
            self.tree.headerItem().setToolTip(i, tip)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setIndentation(12)  # four levels deep: the names need the room
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(COL_NAME, QHeaderView.ResizeMode.Stretch)
        for col in range(1, 5):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.itemExpanded.connect(self._on_expanded)
        self.tree.itemSelectionChanged.connect(self._on_selection)
        self.tree.itemDoubleClicked.connect(self._on_double_click)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.filter)
        layout.addWidget(self.tree)

    NARROW_PX = 330
    """Below this width the households column is hidden so that names stay readable."""

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        narrow = self.width() < self.NARROW_PX
        if self.tree.isColumnHidden(COL_HOUSEHOLDS) != narrow:
            self.tree.setColumnHidden(COL_HOUSEHOLDS, narrow)

    # -- building -------------------------------------------------------------------------------
    def set_project(self, project) -> None:
        """Rebuild the whole tree for ``project``."""
        self.project = project
        self._findings = None
        self._units_with_findings = set()
        self._coverage_todo = []
        self._coverage_timer.stop()
        self._syncing = True
        try:
            self.tree.clear()
            self._unit_items.clear()
            self._grid_items.clear()
            self._populated.clear()
            if project is None:
                return
            ds = project.dataset
            street_name = ds.street.name if ds.street else self.tr("街道")
            root = QTreeWidgetItem(self.tree, [street_name])
            root.setData(COL_NAME, ROLE, ("street", ds.street.code if ds.street else ""))
            rg_items: dict[str, QTreeWidgetItem] = {}
            for code, rg in sorted(ds.responsibility_grids.items()):
                item = QTreeWidgetItem(root, [rg.name or code])
                item.setData(COL_NAME, ROLE, ("rg", code))
                item.setToolTip(COL_NAME, self.tr("责任网格 {0}").format(code))
                rg_items[code] = item
            orphan: QTreeWidgetItem | None = None
            for code, unit in sorted(ds.units.items()):
                parent = rg_items.get(unit.responsibility_grid)
                if parent is None:
                    if orphan is None:
                        orphan = QTreeWidgetItem(root, [self.tr("(未归属责任网格)")])
                        orphan.setData(COL_NAME, ROLE, ("rg", ""))
                    parent = orphan
                item = QTreeWidgetItem(parent, [unit.name or code])
                item.setData(COL_NAME, ROLE, ("unit", code))
                item.setChildIndicatorPolicy(
                    QTreeWidgetItem.ChildIndicatorPolicy.ShowIndicator)
                self._unit_items[code] = item
            root.setExpanded(True)
            if len(self._unit_items) <= EAGER_UNITS:  # a street: show its units at once
                for item in rg_items.values():
                    item.setExpanded(True)
                if orphan is not None:
                    orphan.setExpanded(True)
                self.refresh_units(None)
            else:  # a city: the figures while the clerk already looks at the map
                for item in self._unit_items.values():
                    for col in (COL_GRIDS, COL_COVERAGE, COL_HOUSEHOLDS, COL_ERRORS):
                        item.setText(col, UNKNOWN)
                # Started with the first findings: while the full check runs in its thread the
                # two would slow each other down (they share the interpreter).
                self._coverage_todo = sorted(self._unit_items)
        finally:
            self._syncing = False

    def _coverage_slice(self) -> None:
        todo, self._coverage_todo = (self._coverage_todo[:SLICE_UNITS],
                                     self._coverage_todo[SLICE_UNITS:])
        if todo:
            self.refresh_units(todo)
        if not self._coverage_todo:
            self._coverage_timer.stop()

    def coverage_pending(self) -> bool:
        """True while figures are still being filled in (large projects)."""
        return bool(self._coverage_todo)

    def finish_figures(self) -> None:
        """Fill in every figure still pending now (tests, benchmarks)."""
        while self._coverage_todo:
            self._coverage_slice()

    def set_findings(self, findings: list[Finding], touched: Iterable[str] = ()) -> None:
        """New findings: full progress for the ``touched`` units (their grids changed), error
        counts for every other unit that has or had findings."""
        first = self._findings is None
        self._findings = list(findings)
        if self._coverage_todo and not self._coverage_timer.isActive():
            self._coverage_timer.start()
        touched = {c for c in touched if c}
        with_findings = {f.unit for f in self._findings if f.unit}
        if first:
            others = set(self._unit_items) - touched
        else:
            others = (with_findings | self._units_with_findings) - touched
        self._units_with_findings = with_findings
        if touched:
            self.refresh_units(sorted(touched))
        if others:
            self.refresh_errors(sorted(others))

    def refresh_errors(self, codes: Iterable[str]) -> None:
        """Only the error counts of ``codes`` (findings elsewhere changed; grids did not)."""
        if self.project is None or self._findings is None:
            return
        codes = [c for c in codes if c in self._unit_items]
        progress = unit_progress(self.project.dataset, self._findings, codes, coverage=False)
        for code in codes:
            item = self._unit_items[code]
            errors = progress[code].errors
            item.setText(COL_ERRORS, str(errors))
            item.setForeground(COL_ERRORS, _ERROR_BRUSH if errors else _DONE_BRUSH)
            if code in self._populated:
                self._populate(code, force=True)

    def refresh_units(self, codes: Iterable[str] | None, coverage: bool = True) -> None:
        """Recompute progress for ``codes`` (all units when None) and refresh grid rows."""
        if self.project is None:
            return
        ds = self.project.dataset
        codes = list(self._unit_items) if codes is None else [c for c in codes
                                                               if c in self._unit_items]
        if coverage and self._coverage_todo:
            done = set(codes)
            self._coverage_todo = [c for c in self._coverage_todo if c not in done]
        progress = unit_progress(ds, self._findings or [], codes, coverage=coverage)
        for code in codes:
            item = self._unit_items[code]
            unit = ds.units[code]
            p = progress[code]
            lock = "🔒 " if unit.locked else ""
            item.setText(COL_NAME, f"{lock}{unit.name or code}")
            item.setToolTip(COL_NAME, self.tr("{0}({1},编码 {2}){3}").format(
                unit.name, tr(unit.unit_type), code,
                self.tr(",已锁定") if unit.locked else ""))
            item.setText(COL_GRIDS, str(p.grids))
            if coverage:
                item.setText(COL_COVERAGE, "—" if p.coverage != p.coverage  # NaN: bad shapes
                             else f"{p.coverage * 100:.1f}")
                item.setForeground(COL_COVERAGE, _DONE_BRUSH if p.coverage >= 0.9995
                                   else _ERROR_BRUSH)
            elif not item.text(COL_COVERAGE):
                item.setText(COL_COVERAGE, UNKNOWN)
            item.setText(COL_HOUSEHOLDS, str(p.households))
            if self._findings is None:
                item.setText(COL_ERRORS, UNKNOWN)
                item.setForeground(COL_ERRORS, QBrush())
            else:
                item.setText(COL_ERRORS, str(p.errors))
                item.setForeground(COL_ERRORS, _ERROR_BRUSH if p.errors else _DONE_BRUSH)
            for col in (COL_GRIDS, COL_COVERAGE, COL_HOUSEHOLDS, COL_ERRORS):
                item.setTextAlignment(col, Qt.AlignmentFlag.AlignRight
                                      | Qt.AlignmentFlag.AlignVCenter)
            if code in self._populated:
                self._populate(code, force=True)

    def _populate(self, code: str, force: bool = False) -> None:
        if code in self._populated and not force:
            return
        item = self._unit_items[code]
        ds = self.project.dataset
        selected = set(self.selected_fids())
        was = self._syncing
        self._syncing = True
        try:
            for child in item.takeChildren():
                fid = child.data(COL_NAME, ROLE)[1]
                self._grid_items.pop(fid, None)
            grids = sorted(unit_grids(ds, code), key=lambda g: g.code)
            errors: dict[int, int] = {}
            for f in self._findings or []:
                if f.unit == code and f.severity == "error" and not f.accepted:
                    for fid in f.fids:
                        errors[fid] = errors.get(fid, 0) + 1
            for g in grids:
                child = QTreeWidgetItem(item, [g.name or g.code, "", "",
                                               "" if g.households is None else str(g.households),
                                               str(errors.get(g.fid, 0) or "")])
                child.setData(COL_NAME, ROLE, ("grid", g.fid))
                # The name column is narrow beside the figures; the tooltip shows it whole.
                child.setToolTip(COL_NAME, f"{g.name or g.code}\n{g.code} · {g.category}")
                child.setTextAlignment(COL_HOUSEHOLDS, Qt.AlignmentFlag.AlignRight
                                       | Qt.AlignmentFlag.AlignVCenter)
                if errors.get(g.fid):
                    child.setForeground(COL_ERRORS, _ERROR_BRUSH)
                self._grid_items[g.fid] = child
                if g.fid in selected:
                    child.setSelected(True)
            self._populated.add(code)
        finally:
            self._syncing = was

    # -- selection sync ---------------------------------------------------------------------------
    def selected_fids(self) -> list[int]:
        out = []
        for item in self.tree.selectedItems():
            kind, key = item.data(COL_NAME, ROLE)
            if kind == "grid":
                out.append(key)
        return out

    def current_unit(self) -> str | None:
        item = self.tree.currentItem()
        while item is not None:
            kind, key = item.data(COL_NAME, ROLE)
            if kind == "unit":
                return key
            item = item.parent()
        return None

    def select_grids(self, fids: Iterable[int]) -> None:
        """Show the map's selection in the tree (expanding units) without echoing it back."""
        if self.project is None:
            return
        fids = list(fids)
        self._syncing = True
        try:
            self.tree.clearSelection()
            last = None
            for fid in fids:
                g = self.project.dataset.grids.get(fid)
                if g is None or g.unit_code not in self._unit_items:
                    continue
                self._populate(g.unit_code)
                unit_item = self._unit_items[g.unit_code]
                unit_item.setExpanded(True)
                item = self._grid_items.get(fid)
                if item is not None:
                    item.setSelected(True)
                    last = item
            if last is not None:
                self.tree.setCurrentItem(last, 0,
                                         self.tree.selectionModel().SelectionFlag.NoUpdate)
                self.tree.scrollToItem(last)
        finally:
            self._syncing = False

    def select_unit(self, code: str) -> None:
        item = self._unit_items.get(code)
        if item is None:
            return
        self._syncing = True
        try:
            self.tree.setCurrentItem(item)
            self.tree.scrollToItem(item)
        finally:
            self._syncing = False

    def _on_expanded(self, item: QTreeWidgetItem) -> None:
        kind, key = item.data(COL_NAME, ROLE)
        if kind == "unit":
            self._populate(key)

    def _on_selection(self) -> None:
        if self._syncing:
            return
        unit = self.current_unit()
        if unit:
            self.unitSelected.emit(unit)
        self.gridsSelected.emit(self.selected_fids())

    def _on_double_click(self, item: QTreeWidgetItem, _col: int) -> None:
        kind, key = item.data(COL_NAME, ROLE)
        if kind == "unit":
            self.unitActivated.emit(key)
        elif kind == "grid":
            self.gridActivated.emit(key)

    def _apply_filter(self, text: str) -> None:
        text = text.strip().lower()
        ds = self.project.dataset if self.project else None
        for code, item in self._unit_items.items():
            unit = ds.units[code] if ds else None
            hay = f"{code} {unit.name if unit else ''}".lower()
            item.setHidden(bool(text) and text not in hay)
