"""检查结果 panel: the checker's findings, grouped by rule and then by management unit.

Grouping by rule first lets a clerk fix one kind of problem at a time (all overlaps, then all
household counts); the unit level tells where. Accepted exceptions stay visible but greyed, so
nobody wonders where a finding went, and an exception accepted by mistake can be withdrawn
(撤销例外) from the same place. Where the checker suggests a repair the editor can make (fill a
gap, subtract an overlap, clip to the unit, node shared edges; ``mapedit.fixes``), 应用建议修复
asks for it, so the clerk fixes from the list what the CLI's ``mapedit fix`` would. The panel
only shows and asks: zooming, selecting, accepting, withdrawing and fixing are done by the main
window through signals, as undoable commands.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from mapedit.fixes import fixable
from mapedit.rules.findings import ERROR, RULES, Finding
from mapedit.ui.i18n import pick

ROLE = Qt.ItemDataRole.UserRole
PENDING = Qt.ItemDataRole.UserRole + 1
"""On a unit row: its findings not yet made into rows (made when the row is first opened)."""
_GREY = QBrush(QColor("#9e9e9e"))
_RED = QBrush(QColor("#c62828"))
_ORANGE = QBrush(QColor("#e65100"))
OPEN_ALL_BELOW = 12
"""Up to this many visible findings, every group is shown unfolded."""


def acceptable(finding: Finding) -> bool:
    """Whether a finding may be accepted as an exception (``Finding.acceptable``; False for
    invalid geometry and other findings that must be fixed)."""
    return bool(getattr(finding, "acceptable", True))


def rule_title(rule: str) -> str:
    sev, zh, en = RULES.get(rule, ("", rule, rule))
    return pick(zh, en)


class FindingsPanel(QWidget):
    """Live list of findings; emits what the clerk wants done with one."""

    findingActivated = Signal(object)  # Finding: zoom to it and select its grids
    acceptRequested = Signal(object)  # Finding: ask for a reason and accept it
    unacceptRequested = Signal(object)  # Finding: withdraw its accepted exception
    fixRequested = Signal(object)  # Finding: apply its suggested fix (undoable)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.dataset = None
        self.findings: list[Finding] = []
        self.current_unit: str | None = None
        self.checking = False
        """The background check is still running: no findings yet."""
        self._signature: list | None = None

        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.only_unit = QCheckBox(self.tr("只看当前管理单元"), self)
        self.only_unit.setToolTip(self.tr("只列出在左侧选中的管理单元中的问题"))
        self.only_unit.toggled.connect(lambda _b: self._rebuild())
        self.show_accepted = QCheckBox(self.tr("显示已接受的例外"), self)
        self.show_accepted.setChecked(True)
        self.show_accepted.toggled.connect(lambda _b: self._rebuild())

        self.tree = QTreeWidget(self)
        self.tree.setHeaderLabels([self.tr("问题"), self.tr("数量")])
        self.tree.setUniformRowHeights(True)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._context_menu)
        self.tree.itemExpanded.connect(self._fill)
        self.tree.itemClicked.connect(self._on_click)
        self.tree.itemActivated.connect(self._on_click)
        self.tree.currentItemChanged.connect(lambda *_: self._update_buttons())
        self.tree.header().setStretchLastSection(False)
        self.tree.header().setSectionResizeMode(0, self.tree.header().ResizeMode.Stretch)
        self.tree.header().setSectionResizeMode(1, self.tree.header().ResizeMode.ResizeToContents)

        self.accept_button = QPushButton(self.tr("标记为例外…"), self)
        self.accept_button.setToolTip(self.tr(
            "确认这个问题是实际情况(例如楼栋确实跨越两个小区),填写原因后不再计为错误"))
        self.accept_button.clicked.connect(self._accept_current)
        self.accept_button.setEnabled(False)
        self.unaccept_button = QPushButton(self.tr("撤销例外"), self)
        self.unaccept_button.setToolTip(self.tr(
            "这个问题不再作为例外:重新计为错误或警告(可撤销)"))
        self.unaccept_button.clicked.connect(self._unaccept_current)
        self.unaccept_button.setEnabled(False)
        self.fix_button = QPushButton(self.tr("应用建议修复"), self)
        self.fix_button.setToolTip(self.tr("按检查给出的建议自动修改微网格(可撤销)"))
        self.fix_button.clicked.connect(self._fix_current)
        self.fix_button.setEnabled(False)

        top = QHBoxLayout()
        top.addWidget(self.only_unit)
        top.addWidget(self.show_accepted)
        top.addStretch(1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.fix_button)
        bottom.addStretch(1)
        bottom.addWidget(self.unaccept_button)
        bottom.addWidget(self.accept_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.summary)
        layout.addLayout(top)
        layout.addWidget(self.tree)
        layout.addLayout(bottom)

    # -- data -------------------------------------------------------------------------------------
    def set_findings(self, findings: list[Finding], dataset, checking: bool = False) -> None:
        """Show ``findings``; the tree is rebuilt only when they differ from those shown (an
        edit that changes no finding — most attribute edits — costs nothing here)."""
        signature = [(f.key, f.accepted, f.message_zh) for f in findings]
        if (dataset is self.dataset and checking == self.checking
                and signature == self._signature):
            # same findings in the same order, possibly new objects for some
            swapped = {id(old): new for old, new in zip(self.findings, findings, strict=True)
                       if old is not new}
            self.findings = list(findings)
            if swapped:
                self._rebind_items(swapped)
            return
        self.dataset = dataset
        self.findings = list(findings)
        self.checking = checking
        self._signature = signature
        self._rebuild()

    def _rebind_items(self, swapped: dict[int, Finding]) -> None:
        """Point the rows (and the rows still to be made) at the current finding objects:
        ``swapped`` maps the id of each replaced object to its replacement."""
        for u in self._unit_items():
            pending = u.data(0, PENDING)
            if pending and any(id(f) in swapped for f in pending):
                u.setData(0, PENDING, [swapped.get(id(f), f) for f in pending])
            for k in range(u.childCount()):
                item = u.child(k)
                new = swapped.get(id(item.data(0, ROLE)[1]))
                if new is not None:
                    item.setData(0, ROLE, ("finding", new))

    def set_checking(self, checking: bool) -> None:
        """Say that the check is running (the list fills when it is done)."""
        if checking != self.checking:
            self.checking = checking
            if checking:
                self._rebuild()

    def set_current_unit(self, code: str | None) -> None:
        self.current_unit = code
        if self.only_unit.isChecked():
            self._rebuild()

    def _visible(self) -> list[Finding]:
        out = self.findings
        if self.only_unit.isChecked() and self.current_unit:
            out = [f for f in out if f.unit == self.current_unit]
        if not self.show_accepted.isChecked():
            out = [f for f in out if not f.accepted]
        return out

    def _rebuild(self) -> None:
        expanded = self._expanded_keys()
        current = self._current_key()
        self.tree.clear()
        open_ = [f for f in self.findings if not f.accepted]
        errors = sum(1 for f in open_ if f.severity == ERROR)
        warnings = len(open_) - errors
        accepted = len(self.findings) - len(open_)
        if self.checking:
            self.summary.setText(self.tr("正在检查整个项目…可以继续编辑,检查结果稍后显示。"))
        elif not self.findings:
            self.summary.setText(self.tr("没有发现问题 ✔"))
        else:
            self.summary.setText(self.tr("错误 {0} 个,警告 {1} 个,已接受例外 {2} 个。"
                                         "点击一条问题可在地图上定位。")
                                 .format(errors, warnings, accepted))
        by_rule: dict[str, dict[str, list[Finding]]] = {}
        for f in self._visible():
            by_rule.setdefault(f.rule, {}).setdefault(f.unit or "", []).append(f)
        order = list(RULES)

        def rule_key(rule: str) -> tuple:
            sev = RULES.get(rule, (ERROR,))[0]
            return (sev != ERROR, order.index(rule) if rule in order else 999, rule)

        units = self.dataset.units if self.dataset is not None else {}
        # A short list is shown open: a clerk looking at one unit should not have to unfold
        # two levels to read its three problems. Long lists stay folded by rule.
        open_all = len(self._visible()) <= OPEN_ALL_BELOW
        restore = None
        for rule in sorted(by_rule, key=rule_key):
            groups = by_rule[rule]
            n = sum(len(v) for v in groups.values())
            sev = RULES.get(rule, (ERROR,))[0]
            r_item = QTreeWidgetItem(self.tree, [rule_title(rule), str(n)])
            r_item.setData(0, ROLE, ("rule", rule))
            r_item.setForeground(0, _RED if sev == ERROR else _ORANGE)
            r_item.setToolTip(0, self.tr("错误") if sev == ERROR else self.tr("警告"))
            f0 = QFont(r_item.font(0))
            f0.setBold(True)
            r_item.setFont(0, f0)
            for unit_code in sorted(groups):
                items = groups[unit_code]
                u = units.get(unit_code)
                label = u.name if u else (unit_code or self.tr("(不属于管理单元)"))
                u_item = QTreeWidgetItem(r_item, [label, str(len(items))])
                u_item.setData(0, ROLE, ("unit", f"{rule}|{unit_code}"))
                # Rows for the findings are made when the unit is opened: a messy import
                # can have 60,000 findings, and every edit would rebuild them all.
                u_item.setData(0, PENDING, items)
                u_item.setChildIndicatorPolicy(
                    QTreeWidgetItem.ChildIndicatorPolicy.ShowIndicator)
                holds_current = current is not None and any(f.key == current for f in items)
                if holds_current:
                    self._fill(u_item)
                    restore = next(u_item.child(k) for k in range(u_item.childCount())
                                   if u_item.child(k).data(0, ROLE)[1].key == current)
                if f"{rule}|{unit_code}" in expanded or open_all:
                    u_item.setExpanded(True)  # fills it
            if rule in expanded or len(by_rule) == 1 or open_all:
                r_item.setExpanded(True)
        if restore is not None:
            self.tree.setCurrentItem(restore)
        self._update_buttons()

    def _fill(self, u_item: QTreeWidgetItem) -> None:
        """Make the rows of a unit's findings (once; see :data:`PENDING`)."""
        items = u_item.data(0, PENDING)
        if not items:
            return
        u_item.setData(0, PENDING, None)
        u_item.setChildIndicatorPolicy(
            QTreeWidgetItem.ChildIndicatorPolicy.DontShowIndicatorWhenChildless)
        for f in items:
            text = pick(f.message_zh, f.message_en)
            if f.accepted:
                text = self.tr("[已接受例外] {0}").format(text)
            f_item = QTreeWidgetItem(u_item, [text, ""])
            f_item.setData(0, ROLE, ("finding", f))
            tip = text
            if f.accepted and f.accept_reason:
                tip += "\n" + self.tr("原因:{0}").format(f.accept_reason)
            if f.fix is not None and (f.fix.zh or f.fix.en):
                tip += "\n" + self.tr("建议:{0}").format(pick(f.fix.zh, f.fix.en))
            f_item.setToolTip(0, tip)
            if f.accepted:
                f_item.setForeground(0, _GREY)

    def _unit_items(self) -> list[QTreeWidgetItem]:
        out = []
        for i in range(self.tree.topLevelItemCount()):
            r = self.tree.topLevelItem(i)
            out.extend(r.child(j) for j in range(r.childCount()))
        return out

    def _expanded_keys(self) -> set[str]:
        keys: set[str] = set()
        for i in range(self.tree.topLevelItemCount()):
            r = self.tree.topLevelItem(i)
            if r.isExpanded():
                keys.add(r.data(0, ROLE)[1])
            for j in range(r.childCount()):
                u = r.child(j)
                if u.isExpanded():
                    keys.add(u.data(0, ROLE)[1])
        return keys

    def _current_key(self) -> str | None:
        f = self.current_finding()
        return f.key if f is not None else None

    def current_finding(self) -> Finding | None:
        item = self.tree.currentItem()
        if item is None:
            return None
        kind, value = item.data(0, ROLE)
        return value if kind == "finding" else None

    def finding_items(self) -> list[QTreeWidgetItem]:
        """Every finding row (making those of units not opened yet)."""
        out = []
        for u in self._unit_items():
            self._fill(u)
            out.extend(u.child(k) for k in range(u.childCount()))
        return out

    # -- interaction ------------------------------------------------------------------------------
    def _update_buttons(self) -> None:
        f = self.current_finding()
        accepted = f is not None and f.accepted
        self.accept_button.setEnabled(f is not None and not f.accepted and acceptable(f))
        self.unaccept_button.setEnabled(accepted)
        # One button at a time: the one that applies to the chosen row; none for a finding
        # that must be fixed, not excused (invalid geometry).
        self.accept_button.setVisible(not accepted and (f is None or acceptable(f)))
        self.unaccept_button.setVisible(accepted)
        can_fix = self.can_fix(f)
        self.fix_button.setEnabled(can_fix)
        self.fix_button.setToolTip(self.fix_tip(f) if can_fix
                                   else self.tr("按检查给出的建议自动修改微网格(可撤销)"))

    def can_fix(self, finding: Finding | None) -> bool:
        """Whether 应用建议修复 applies: the editor knows an edit for the finding's suggestion
        (and, for a gap, the unit has grids — an undrawn unit is drawn, not fixed)."""
        return finding is not None and fixable(finding, self.dataset)

    def fix_tip(self, finding: Finding) -> str:
        """The suggestion itself, so the clerk reads what will happen before clicking."""
        fix = finding.fix
        text = pick(fix.zh, fix.en) if fix is not None else ""
        return self.tr("建议:{0}").format(text) + "\n" + self.tr("可按 Ctrl+Z 撤销")

    def _on_click(self, item: QTreeWidgetItem, _col: int = 0) -> None:
        kind, value = item.data(0, ROLE)
        if kind == "finding":
            self.findingActivated.emit(value)

    def _accept_current(self) -> None:
        f = self.current_finding()
        if f is not None and not f.accepted and acceptable(f):
            self.acceptRequested.emit(f)

    def _fix_current(self) -> None:
        f = self.current_finding()
        if self.can_fix(f):
            self.fixRequested.emit(f)

    def _unaccept_current(self) -> None:
        f = self.current_finding()
        if f is not None and f.accepted:
            self.unacceptRequested.emit(f)

    def finding_menu(self, finding: Finding) -> QMenu:
        """The context menu of one finding row: locate, apply the suggested fix, accept, or
        withdraw the exception (only what applies is enabled)."""
        menu = QMenu(self)
        zoom = menu.addAction(self.tr("在地图上定位"))
        zoom.triggered.connect(lambda: self.findingActivated.emit(finding))
        fix = menu.addAction(self.tr("应用建议修复"))
        fix.setEnabled(self.can_fix(finding))
        if fix.isEnabled():
            fix.setToolTip(self.fix_tip(finding))
        fix.triggered.connect(lambda: self.fixRequested.emit(finding))
        menu.setToolTipsVisible(True)
        if acceptable(finding):
            acc = menu.addAction(self.tr("标记为例外…"))
            acc.setEnabled(not finding.accepted)
            acc.triggered.connect(lambda: self.acceptRequested.emit(finding))
        un = menu.addAction(self.tr("撤销例外"))
        un.setEnabled(finding.accepted)
        un.triggered.connect(lambda: self.unacceptRequested.emit(finding))
        return menu

    def _context_menu(self, pos: QPoint) -> None:
        item = self.tree.itemAt(pos)
        if item is None:
            return
        kind, value = item.data(0, ROLE)
        if kind != "finding":
            return
        self.finding_menu(value).exec(self.tree.viewport().mapToGlobal(pos))
