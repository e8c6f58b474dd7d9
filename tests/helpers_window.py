"""Opening the main window in a test the way a clerk sees it: shown at a desk-top size,
exposed, and (unless a test looks at the opening itself) with the background check done."""

from __future__ import annotations

from mapedit.ui.main_window import MainWindow
from mapedit.ui.settings_store import SettingsStore


def show_window(qtbot, project, settings: SettingsStore | None = None,
                size: tuple[int, int] = (1500, 950), checked: bool = True) -> MainWindow:
    """The window on ``project`` (a :class:`Project` or None), shown and exposed; with
    ``checked`` the test fails here when the background check does not finish."""
    w = MainWindow(project, settings if settings is not None else SettingsStore())
    qtbot.addWidget(w)
    w.resize(*size)
    w.show()
    qtbot.waitExposed(w)
    if checked:
        assert w.controller.wait_for_check(), "the background check finishes"
    return w
