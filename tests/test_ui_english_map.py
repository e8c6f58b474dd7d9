"""English mode, on the map itself (issue 9: "English mode still shows Chinese layer names,
scale-bar units, 待划分 labels, tool hints and findings texts"): the texts the canvas paints —
scale bar, 待划分, the households under a grid's name — are recorded while the map is rendered.

``tests/test_ui_support.py`` checks the widgets and the translation table; this checks what is
painted (at 833b366 the scale bar painted "500 米" and the labels "412户" in English mode)."""

from __future__ import annotations

import re

from helpers_window import show_window
from PySide6.QtGui import QPainter

from mapedit.ui import i18n

INTERFACE_WORDS = re.compile(r"\d\s*(?:米|千米|公里)|待划分|\d+\s*户|户数")
"""Chinese the interface paints (data — unit and grid names — stays as written): "米" only as
a unit after a number, since the demo's village 金米村 names grids ("金米村1-2组微网格"), which
the map paints whenever its labels fit (they do after some earlier tests in the session)."""


def _painted_texts(monkeypatch, window) -> list[str]:
    texts: list[str] = []
    draw_text, draw_static = QPainter.drawText, QPainter.drawStaticText

    def record_text(self, *args):
        texts.extend(a for a in args if isinstance(a, str))
        return draw_text(self, *args)

    def record_static(self, *args):
        texts.extend(a.text() for a in args if hasattr(a, "text"))
        return draw_static(self, *args)

    monkeypatch.setattr(QPainter, "drawText", record_text)
    monkeypatch.setattr(QPainter, "drawStaticText", record_static)
    window.canvas.render_image(1200, 800)
    return texts


def test_the_map_paints_english(qtbot, qapp, demo_project, monkeypatch):
    ds = demo_project.dataset
    pending = next(c for c in sorted(ds.units) if not ds.grids_of_unit(c))
    try:
        i18n.install("en", qapp)
        w = show_window(qtbot, demo_project, size=(1400, 900))
        for zoom in (lambda: w.canvas.zoom_to_unit(pending), w.canvas.zoom_to_extent):
            zoom()
            qapp.processEvents()
            texts = _painted_texts(monkeypatch, w)
            monkeypatch.undo()
            assert any(re.search(r"\d\s*(m|km)$", t) for t in texts), texts  # scale bar
            assert not [t for t in texts if INTERFACE_WORDS.search(t)], texts
        w.canvas.zoom_to_unit(pending)
        qapp.processEvents()
        assert "To divide" in _painted_texts(monkeypatch, w)
        monkeypatch.undo()
        from mapedit.ui.canvas.items import label_entries

        subs = [e[4] for e in label_entries(ds.grids.values()).values() if e[4]]
        assert subs and not [s for s in subs if INTERFACE_WORDS.search(s)], subs[:5]
        w.close()
    finally:
        i18n.install("zh_CN", qapp)
