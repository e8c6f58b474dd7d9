"""文件 → 导出: the check summary first, then format, export profile, coordinate system and
folder — the choices ``mapedit export`` takes as options.

The dialog only collects the choices; :meth:`mapedit.ui.files.ProjectFiles.export` asks the
questions (errors: export anyway, recorded in ``manifest.json`` as forced; files already in
the folder: replace them) and runs :func:`mapedit.reports.platform_export.export_dataset`, the
same function the command line runs, so both export the same way.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from mapedit.errors import MapeditError
from mapedit.reports.profiles import Profile
from mapedit.ui.i18n import N_, error_text, tr

FORMAT_LABELS: list[tuple[str, str]] = [
    ("geojson", N_("GeoJSON(城运平台)")),
    ("shp", N_("Shapefile(.shp,带 .cpg)")),
    ("gpkg", N_("GeoPackage(一个 .gpkg 文件)")),
    ("kml", N_("KML(奥维、Google 地球)")),
    ("csv", N_("CSV(WKT 图形,Excel 可打开)")),
]
"""``mapedit export --format`` values with what the clerk reads."""
CRS_LABELS: list[tuple[str, str]] = [
    ("wgs84", N_("WGS84 经纬度(标准,城运平台默认)")),
    ("gcj02", N_("GCJ-02(高德/腾讯地图坐标)")),
    ("cgcs2000", N_("CGCS2000 经纬度")),
]
"""``--coords`` values with what the clerk reads."""
ENCODINGS = ("UTF-8", "GBK")
OTHER_PROFILE = "\x00other"


@dataclass
class ExportChoice:
    """What the clerk chose (``mapedit export`` options): format, profile (with the chosen
    coordinate system), Shapefile encoding, folder."""

    fmt: str
    profile: Profile
    encoding: str
    folder: str


class ExportDialog(QDialog):
    """The export's options under the check summary (``summary_text``: errors, warnings,
    empty required fields are added when the profile is chosen)."""

    def __init__(self, parent: QWidget | None, summary_text: str, settings=None,
                 errors: bool = False) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("导出"))
        self.settings = settings
        self._profiles: dict[str, Profile] = {}
        self.summary = QLabel(summary_text, self)
        self.summary.setObjectName("export_summary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary.setStyleSheet("color: #b71c1c; font-weight: bold;" if errors
                                   else "color: #2e7d32;")
        self.format = QComboBox(self)
        for key, label in FORMAT_LABELS:
            self.format.addItem(tr(label), key)
        self.profile = QComboBox(self)
        self.profile.setToolTip(self.tr("导出配置规定字段名、取值对照、坐标系和文件名;"
                                        "街道自己的配置文件可用“其他配置文件…”选择"))
        self._fill_profiles()
        self.crs = QComboBox(self)
        for key, label in CRS_LABELS:
            self.crs.addItem(tr(label), key)
        self.encoding = QComboBox(self)
        self.encoding.addItems(list(ENCODINGS))
        self.encoding.setToolTip(self.tr("较旧的平台和软件读取 Shapefile 时可能需要 GBK"))
        self.folder = QLineEdit(self)
        browse = QPushButton(self.tr("浏览…"), self)
        browse.clicked.connect(self._choose_folder)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b71c1c;")
        self.message.hide()
        form = QFormLayout()
        form.addRow(self.tr("格式"), self.format)
        form.addRow(self.tr("导出配置"), self.profile)
        form.addRow(self.tr("坐标系"), self.crs)
        form.addRow(self.tr("Shapefile 编码"), self.encoding)
        row = QHBoxLayout()
        row.addWidget(self.folder, 1)
        row.addWidget(browse)
        form.addRow(self.tr("导出到文件夹"), row)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("导出"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self._restore()
        self.format.currentIndexChanged.connect(self._update)
        self.profile.activated.connect(self._profile_chosen)
        self.folder.textChanged.connect(self._update)
        self.resize(560, self.sizeHint().height())
        self._update()

    # -- profiles ----------------------------------------------------------------------------
    def _fill_profiles(self) -> None:
        from mapedit.reports.profiles import DEFAULT_PROFILE, builtin_profiles, load_profile

        names = sorted(builtin_profiles(), key=lambda n: (n != DEFAULT_PROFILE, n))
        for name in names:  # the contract first: the default
            try:
                prof = load_profile(name)
            except MapeditError:  # a broken bundled file: not offered
                continue
            self._add_profile(prof)
        self.profile.addItem(self.tr("其他配置文件…"), OTHER_PROFILE)

    def _add_profile(self, prof: Profile) -> int:
        key = prof.source
        self._profiles[key] = prof
        label = f"{prof.title}({prof.name})" if prof.title else prof.name
        at = self.profile.count()
        for i in range(self.profile.count()):
            if self.profile.itemData(i) == OTHER_PROFILE:
                at = i
                break
        self.profile.insertItem(at, label, key)
        return at

    def _profile_chosen(self, index: int) -> None:
        if self.profile.itemData(index) == OTHER_PROFILE:
            path, _ = QFileDialog.getOpenFileName(self, self.tr("选择导出配置文件"),
                                                  self.folder.text(),
                                                  tr("导出配置 (*.json)"))
            if not path:
                self.profile.setCurrentIndex(0)
                return
            self.use_profile_file(path)
            return
        self._profile_crs()

    def use_profile_file(self, path: str) -> bool:
        """A street's own profile file (validated; a bad file is named below the form)."""
        from mapedit.reports.profiles import load_profile

        try:
            prof = load_profile(path)
        except MapeditError as exc:
            self._show(error_text(exc))
            self.profile.setCurrentIndex(0)
            return False
        existing = self.profile.findData(prof.source)
        self.profile.setCurrentIndex(existing if existing >= 0 else self._add_profile(prof))
        self._profile_crs()
        return True

    def _profile_crs(self) -> None:
        prof = self.current_profile()
        if prof is not None:
            self.crs.setCurrentIndex(max(0, self.crs.findData(prof.coordinate_system)))
        self._update()

    def current_profile(self) -> Profile | None:
        return self._profiles.get(self.profile.currentData())

    # -- the rest ----------------------------------------------------------------------------
    def _choose_folder(self) -> None:
        out = QFileDialog.getExistingDirectory(self, self.tr("选择导出文件夹"),
                                               self.folder.text())
        if out:
            self.folder.setText(out)

    def _update(self) -> None:
        self.encoding.setEnabled(self.format.currentData() == "shp")
        ok = bool(self.folder.text().strip()) and self.current_profile() is not None
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ok)
        self.message.hide()

    def _show(self, text: str) -> None:
        self.message.setText(text)
        self.message.show()

    def _restore(self) -> None:
        s = self.settings
        if s is None:
            self._profile_crs()
            return
        fmt = str(s.value("export_format", "geojson"))
        self.format.setCurrentIndex(max(0, self.format.findData(fmt)))
        prof = str(s.value("export_profile", ""))
        i = self.profile.findData(prof)
        if i < 0 and prof and Path(prof).is_file():
            self.use_profile_file(prof)
        elif i >= 0:
            self.profile.setCurrentIndex(i)
        self._profile_crs()
        crs = s.value("export_crs")
        if crs:
            self.crs.setCurrentIndex(max(0, self.crs.findData(str(crs))))
        self.encoding.setCurrentText(str(s.value("export_encoding", "UTF-8")))
        self.folder.setText(str(s.value("export_folder", "") or s.last_directory() or ""))

    def remember(self) -> None:
        s = self.settings
        if s is None:
            return
        choice = self.choice()
        s.set_value("export_format", choice.fmt)
        s.set_value("export_profile", self.profile.currentData())
        s.set_value("export_crs", choice.profile.coordinate_system)
        s.set_value("export_encoding", choice.encoding)
        s.set_value("export_folder", choice.folder)

    def choice(self) -> ExportChoice:
        prof = self.current_profile()
        assert prof is not None
        crs = self.crs.currentData() or prof.coordinate_system
        if crs != prof.coordinate_system:
            prof = dataclasses.replace(prof, coordinate_system=crs)
        return ExportChoice(self.format.currentData(), prof, self.encoding.currentText(),
                            self.folder.text().strip())

    @classmethod
    def ask(cls, parent: QWidget | None, summary_text: str, settings=None,
            errors: bool = False) -> ExportChoice | None:
        """The clerk's choice, or None when cancelled."""
        dlg = cls(parent, summary_text, settings, errors)
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return None
        dlg.remember()
        return dlg.choice()
