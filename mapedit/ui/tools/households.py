"""由楼栋计算户数: compare a grid's entered households with the building layer's sum.

Clerks enter households from the committee's registers; the building layer often knows them
too. The dialog shows both side by side and applies the computed value only when the clerk
presses the button, as an undoable attribute edit — the entered value is never overwritten
silently.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from mapedit.errors import MapeditError
from mapedit.model.changes import FROM_BUILDINGS, ChangeSet, edit_attributes, follows_buildings
from mapedit.ui.i18n import tr
from mapedit.ui.tools.context import EditContext


def computed_households(ctx: EditContext, fid: int) -> int | None:
    """Households of the buildings inside grid ``fid`` (None: no building data there)."""
    from mapedit.model.geometry_ops import households_from_buildings

    ds = ctx.dataset
    if ds is None or fid not in ds.grids:
        return None
    return households_from_buildings(ds, ds.grids[fid].geometry)


def households_changeset(ctx: EditContext, fid: int, value: int) -> ChangeSet | None:
    ds = ctx.dataset
    if ds is None or fid not in ds.grids:
        return None
    g = ds.grids[fid]
    if follows_buildings(g, value):
        return None
    return edit_attributes(g, FROM_BUILDINGS, households=value)


class HouseholdsDialog(QDialog):
    """Entered vs computed households of one grid, with an apply button."""

    def __init__(self, ctx: EditContext, fid: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.fid = fid
        ds = ctx.dataset
        g = ds.grids[fid] if ds is not None else None
        self.computed = computed_households(ctx, fid)
        self.setWindowTitle(self.tr("由楼栋计算户数"))
        layout = QVBoxLayout(self)
        form = QFormLayout()
        form.addRow(self.tr("微网格:"), QLabel(f"{g.name}({g.code})" if g else "—"))
        entered = (self.tr("未填写") if g is None or g.households is None
                   else self.tr("{0} 户").format(g.households))
        self.entered_label = QLabel(entered)
        form.addRow(self.tr("已录入户数:"), self.entered_label)
        comp = (self.tr("底图中这里没有带户数的楼栋") if self.computed is None
                else self.tr("{0} 户").format(self.computed))
        self.computed_label = QLabel(comp)
        form.addRow(self.tr("按楼栋计算:"), self.computed_label)
        layout.addLayout(form)
        note = QLabel(self.tr("按楼栋计算 = 中心点落在微网格内的各楼栋户数之和(每栋楼只计一次)。"
                              "只有按下“采用计算值”才会修改已录入的户数,可撤销。"))
        note.setWordWrap(True)
        layout.addWidget(note)
        buttons = QDialogButtonBox(self)
        self.apply_button = QPushButton(self.tr("采用计算值"))
        self.apply_button.setEnabled(self.computed is not None and g is not None
                                     and not follows_buildings(g, self.computed))
        buttons.addButton(self.apply_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.tr("关闭"), QDialogButtonBox.ButtonRole.RejectRole)
        self.apply_button.clicked.connect(self.apply)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def apply(self) -> None:
        if self.computed is None:
            return
        cs = households_changeset(self.ctx, self.fid, self.computed)
        if cs is not None:
            self.ctx.push(cs)
        self.accept()


def show_households(ctx: EditContext, fids: list[int], parent: QWidget | None = None,
                    modal: bool = True) -> HouseholdsDialog | None:
    """Open the dialog for the first selected grid (a message when nothing is selected)."""
    ds = ctx.dataset
    fids = [f for f in fids if ds is not None and f in ds.grids]
    if not fids:
        ctx.refuse(tr("请先选择一个微网格,再计算户数。"))
        return None
    try:
        dlg = HouseholdsDialog(ctx, fids[0], parent)
    except MapeditError as err:  # the buildings are still loading: no sum from none
        ctx.refuse(err)
        return None
    if modal:
        dlg.exec()
    else:
        dlg.show()
    return dlg
