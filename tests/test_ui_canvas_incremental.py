"""After an edit the canvas redraws only what changed — tiles, findings, labels and the
screen area — and what the screen then shows must be exactly what a full redraw shows."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from helpers_store_data import tiny_dataset, unit_code
from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication
from shapely.geometry import box

from mapedit.rules.engine import Checker
from mapedit.ui.canvas import MapCanvas, tiled
from mapedit.ui.canvas import style as S
from mapedit.ui.canvas.tiled import Lod, Style, TiledLayer, cosmetic_pen


class _PaintWatch(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.area = 0

    def eventFilter(self, obj, ev) -> bool:  # noqa: N802 - Qt API
        if ev.type() == QEvent.Type.Paint:
            self.area += sum(r.width() * r.height() for r in ev.region())
        return False


def _pixels(img: QImage) -> np.ndarray:
    img = img.convertToFormat(QImage.Format.Format_ARGB32)
    b = np.frombuffer(img.constBits(), dtype=np.uint8).reshape(img.height(),
                                                               img.bytesPerLine() // 4, 4)
    return b[:, :img.width()].copy()


def _shown(canvas: MapCanvas) -> np.ndarray:
    """What the window shows of the map: its (offscreen) backing store, not a fresh render."""
    vp = canvas.view.viewport()
    window = vp.window()
    shot = _pixels(QApplication.primaryScreen().grabWindow(window.winId()).toImage())
    top = vp.mapTo(window, vp.rect().topLeft())
    return shot[top.y():top.y() + vp.height(), top.x():top.x() + vp.width()]


def _fresh_render(qtbot, canvas: MapCanvas) -> np.ndarray:
    """The same view drawn by a new canvas: no cache of the edited one can hide in it."""
    other = MapCanvas()
    qtbot.addWidget(other)
    other.resize(canvas.size())
    other.show()
    qtbot.waitExposed(other)
    other.set_dataset(canvas.dataset)
    other.set_findings(canvas.findings())
    (x0, x1), (y0, y1) = canvas.viewbox.viewRange()
    other.viewbox.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)
    _settle()
    assert other.viewbox.viewRange() == canvas.viewbox.viewRange()
    return _pixels(other.render_image())


def _settle() -> None:
    for _ in range(4):
        QApplication.processEvents()


@pytest.fixture
def shown_canvas(qtbot):
    ds = tiny_dataset()
    c = MapCanvas()
    qtbot.addWidget(c)
    c.resize(700, 500)
    c.show()
    qtbot.waitExposed(c)
    c.set_dataset(ds)
    checker = Checker(ds)
    c.set_findings(checker.run_full())
    c.zoom_to_bounds(500000.0, 3446500.0, 500500.0, 3447000.0)  # unit 1, labels legible
    _settle()
    return c, ds, checker


def _edit(canvas: MapCanvas, ds, checker: Checker, fid: int, grid) -> None:
    old = ds.grids.get(fid)
    if grid is None:
        del ds.grids[fid]
    else:
        ds.grids[fid] = grid
    checker.update({fid}, {fid: old.geometry if old is not None else None})
    canvas.refresh_grids([fid])
    canvas.set_findings(checker.findings)


@pytest.mark.parametrize("scale", ["unit", "overview", "overview-tiled"])
def test_partial_repaints_show_what_a_full_redraw_shows(qtbot, shown_canvas, monkeypatch,
                                                       scale: str) -> None:
    canvas, ds, checker = shown_canvas
    if scale == "overview-tiled":  # levels cut into many small tiles, as on a big street
        monkeypatch.setattr(tiled, "RASTER_WHOLE_SIDE", 100)
        monkeypatch.setattr(tiled, "RASTER_TILE_PX", 64)
    if scale.startswith("overview"):  # ≥ 6 m/px: grids and units are drawn from raster tiles
        canvas.zoom_to_bounds(497000.0, 3444000.0, 503000.0, 3449000.0, margin=0)
        _settle()
        assert canvas.pixel_size() >= 6 and canvas.layer_item("grids").last_paint_tiles == -1
        levels = canvas.layer_item("grids")._levels.values()
        assert max(len(lv.tiles) for lv in levels) > (1 if scale == "overview-tiled" else 0)
    vp = canvas.view.viewport()
    watch = _PaintWatch()
    vp.installEventFilter(watch)
    assert (_shown(canvas) == _pixels(canvas.render_image())).all()
    fids = sorted(f for f, g in ds.grids.items() if g.unit_code == unit_code(1))
    g = ds.grids[fids[0]]
    edits = [
        (fids[0], g.replace(geometry=shapely.affinity.scale(g.geometry, 0.8, 0.8))),  # gap
        (fids[0], g.replace(name="改名后的微网格")),                                     # label
        (fids[1], None),                                                               # delete
        (9999, g.replace(fid=9999, code=g.code[:-3] + "999", geometry=box(
            500300.0, 3446600.0, 500420.0, 3446700.0))),                              # overlap
    ]
    areas = []
    for fid, grid in edits:
        watch.area = 0
        _edit(canvas, ds, checker, fid, grid)
        _settle()
        areas.append(watch.area)
        shown, full = _shown(canvas), _fresh_render(qtbot, canvas)
        assert (shown == full).all(), f"stale pixels after editing {fid}: " \
            f"{int((shown != full).any(axis=2).sum())}"
    total = vp.width() * vp.height()
    if scale == "unit":
        assert min(areas) < total / 2, areas  # repaints were limited to the changed area


def test_findings_layer_keeps_unchanged_findings(shown_canvas) -> None:
    canvas, ds, checker = shown_canvas
    layer = canvas.layer_item("findings")
    rows = {k: e.row for k, e in layer._entries.items()}
    assert rows
    canvas.set_findings(checker.findings)  # same list again: nothing rebuilt
    assert {k: e.row for k, e in layer._entries.items()} == rows


def test_unit_without_grids_is_drawn_as_pending_not_as_a_gap(shown_canvas) -> None:
    canvas, ds, checker = shown_canvas
    empty = unit_code(4)
    assert not [g for g in ds.grids.values() if g.unit_code == empty]
    gap = [f for f in checker.findings if f.rule == "gap" and f.unit == empty]
    assert gap and gap[0].severity == "error"  # still an error in the list
    layer = canvas.layer_item("findings")
    kinds = {k[2] for k in layer._entries if k[0] == "gap"}
    assert "pending" in kinds
    pending_style = layer._style_keys.index((False, "pending"))
    gap_rows = [e.row for k, e in layer._entries.items() if k[0] == "gap" and k[2] == "pending"]
    assert all(layer._style[layer._rows([r])[0]] == pending_style for r in gap_rows)
    # A first grid in the unit turns it into an ordinary (red) gap.
    u = ds.units[empty].geometry
    x0, y0, _, _ = u.bounds
    new = next(iter(ds.grids.values())).replace(
        fid=5000, unit_code=empty, code=empty + "001", category="村组",
        geometry=box(x0, y0, x0 + 100, y0 + 100))
    _edit(canvas, ds, checker, 5000, new)
    kinds = {k[2] for k in layer._entries if k[0] == "gap" and k[3] is not None}
    assert "gap" in kinds and not any(
        k[2] == "pending" for k in layer._entries if k[0] == "gap")
    assert "pending" in S.finding_styles(False) and "pending" in S.finding_styles(True)


def test_tile_membership_follows_edits_like_a_rebuild() -> None:
    rng = np.random.default_rng(3)
    styles = [Style(cosmetic_pen("#000000")), Style(cosmetic_pen("#ff0000"))]
    lods = (Lod(0.0, 100.0), Lod(2.0, 400.0))
    layer = TiledLayer("t", styles, lods=lods)
    geoms = {k: box(x, y, x + 20, y + 20)
             for k, (x, y) in enumerate(rng.uniform(0, 1000, (300, 2)).tolist())}
    layer.set_features(list(geoms), np.asarray(list(geoms.values()), dtype=object),
                       np.zeros(len(geoms), dtype=np.int32))
    for i in range(len(lods)):
        layer._membership(i)  # built now, then kept up to date
    for step in range(400):
        k = int(rng.integers(0, 400))
        if rng.random() < 0.3 and k in geoms:
            layer.remove([k])
            del geoms[k]
        else:
            x, y = rng.uniform(-200, 1200, 2)
            geoms[k] = box(x, y, x + 30, y + 10)
            layer.upsert([k], [geoms[k]], [int(rng.integers(0, 2))])
        if step % 50 == 0:
            fresh = TiledLayer("f", styles, lods=lods)
            fresh.set_features(list(geoms), np.asarray(list(geoms.values()), dtype=object),
                               np.zeros(len(geoms), dtype=np.int32))
            for i in range(len(lods)):
                a, b = layer._membership(i), fresh._membership(i)
                got = {t: sorted(layer._keys[r].tolist())
                       for t, r in a.rows_by_tile.items() if len(r)}
                want = {t: sorted(fresh._keys[r].tolist()) for t, r in b.rows_by_tile.items()}
                assert got == want
                for t, j in b.tile_pos.items():
                    assert np.allclose(a.tile_bounds[a.tile_pos[t]], b.tile_bounds[j])


def test_items_cover_what_they_draw_beyond_their_data(shown_canvas) -> None:
    """Qt clips an item's repaint to its bounding rect, so outlines, markers and label tags
    drawn in pixels around the data must be inside it, at every zoom."""
    canvas, _, _ = shown_canvas
    for zoom in (1.0, 4.0):
        canvas.viewbox.scaleBy((zoom, zoom))
        _settle()
        px = canvas.pixel_size()
        for name in ("grids", "units", "findings", "labels"):
            item = canvas.layer_item(name)
            inner, outer = item._rect, item.boundingRect()
            need = item.padding_px()[0] * px * 0.99
            assert outer.left() <= inner.left() - need and outer.right() >= inner.right() + need
            assert outer.top() <= inner.top() - need and outer.bottom() >= inner.bottom() + need
