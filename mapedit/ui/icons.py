"""Toolbar icons: the bundled Tabler SVGs (``mapedit/resources/icons``, MIT) beside the labels.

Why an icon engine of our own: the SVGs draw in ``currentColor``. Qt's SVG icon plugin paints
that black whatever the palette, and greys disabled buttons by blending a bitmap. Here every
pixmap is rendered from the SVG at the exact device-pixel size asked for (sharp at 125 %, 150 %,
200 % display scaling: ``QIcon`` passes the screen's device pixel ratio), with ``currentColor``
replaced by the palette's text colour, or its disabled text colour for a disabled action, so the
icons follow a dark or high-contrast Windows theme too. It needs only the QtSvg module, not the
``iconengines`` plugin a frozen build could lose.

``apply_icons(window)`` puts the icons on the main window's actions by attribute name (and on the
editing tools by tool name) and switches both toolbars to "icon beside text": the Chinese labels
stay, which is what clerks read.
"""

from __future__ import annotations

import logging
from functools import cache

from PySide6.QtCore import QByteArray, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QGuiApplication, QIcon, QIconEngine, QImage, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QToolBar

from mapedit.resources import resource_path

log = logging.getLogger(__name__)

WINDOW_ICONS: dict[str, str] = {
    "act_new": "file-plus",
    "act_open": "folder-open",
    "act_import": "file-import",
    "act_export": "file-export",
    "act_full": "maximize",
    "act_zoom_sel": "focus-2",
    "act_zoom_in": "zoom-in",
    "act_zoom_out": "zoom-out",
    "act_fill_category": "palette",
    "act_fill_check": "checklist",
    "act_undo": "arrow-back-up",
    "act_redo": "arrow-forward-up",
    "tb_undo": "arrow-back-up",
    "tb_redo": "arrow-forward-up",
    "act_delete": "trash",
    "act_lock": "lock",
    "act_renumber": "list-numbers",
}
"""Main-window action attribute → icon file (without ``.svg``)."""

TOOL_ICONS: dict[str, str] = {
    "select": "pointer",
    "draw": "polygon",
    "split": "scissors",
    "split_road": "road",
    "vertex": "vector-bezier",
    "fill_gap": "bucket-droplet",
    "trace": "route",
    "fill_mode": "magnet",
    "merge": "arrows-join",
    "fill_all": "bucket",
    "households": "building-community",
}
"""Editing-tool action key (``window.edit_tools.actions``) → icon file."""

EXTRA_ICONS: tuple[str, ...] = ("history", "stethoscope", "map", "lock-open")
"""Icons used by menus of the install helper's modules (backups, self-test, welcome page)."""


def icon_names() -> list[str]:
    """Every icon the program uses (the self-test renders each one)."""
    return sorted({*WINDOW_ICONS.values(), *TOOL_ICONS.values(), *EXTRA_ICONS})


@cache
def _svg_source(name: str) -> bytes:
    return resource_path("icons", f"{name}.svg").read_bytes()


class SvgIconEngine(QIconEngine):
    """Renders one bundled SVG in the palette's colours at any size."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self._source = _svg_source(name)

    def clone(self) -> QIconEngine:
        return SvgIconEngine(self.name)

    def _renderer(self, mode: QIcon.Mode) -> QSvgRenderer:
        app = QGuiApplication.instance()
        palette = app.palette() if app is not None else QPalette()
        group = (QPalette.ColorGroup.Disabled if mode == QIcon.Mode.Disabled
                 else QPalette.ColorGroup.Active)
        colour = palette.color(group, QPalette.ColorRole.ButtonText).name()
        return QSvgRenderer(QByteArray(self._source.replace(b"currentColor", colour.encode())))

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode,
              state: QIcon.State) -> None:  # Qt override
        renderer = self._renderer(mode)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        renderer.render(painter, QRectF(rect))
        painter.restore()

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:  # Qt override
        return self.scaledPixmap(size, mode, state, 1.0)

    def scaledPixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State,  # noqa: N802
                     scale: float) -> QPixmap:  # Qt override: the device-pixel-exact rendering
        w = max(1, round(size.width() * scale))
        h = max(1, round(size.height() * scale))
        image = QImage(w, h, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        try:
            self.paint(painter, QRect(0, 0, w, h), mode, state)
        finally:
            painter.end()
        pm = QPixmap.fromImage(image)
        pm.setDevicePixelRatio(scale)
        return pm

    def actualSize(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QSize:  # noqa: N802
        return size

    def isNull(self) -> bool:  # noqa: N802 - Qt override
        return not self._source


def icon(name: str) -> QIcon:
    """The bundled icon ``name`` (a Tabler file name without ``.svg``)."""
    return QIcon(SvgIconEngine(name))


def apply_icons(window) -> None:
    """Give the window's actions and editing tools their icons, labels kept beside them.

    Never fatal: a missing file costs that one icon (logged), not the window."""
    for attr, name in WINDOW_ICONS.items():
        act = getattr(window, attr, None)
        if act is not None:
            _set(act, name)
    tools = getattr(window, "edit_tools", None)
    actions = getattr(tools, "actions", {}) if tools is not None else {}
    for key, name in TOOL_ICONS.items():
        act = actions.get(key)
        if act is not None:
            _set(act, name)
    screen = window.screen() or QGuiApplication.primaryScreen()
    room = screen.availableGeometry().width() - 40 if screen is not None else 10_000
    for bar in window.findChildren(QToolBar):
        bar.setIconSize(QSize(18, 18))
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        if bar.sizeHint().width() > room:
            # A 1366 px office laptop: icons above the labels keep every button in view (the
            # row is as wide as with text alone) instead of hiding the last ones behind "»".
            bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)


def _set(action, name: str) -> None:
    try:
        action.setIcon(icon(name))
    except OSError:
        log.warning("icon %s missing", name)
