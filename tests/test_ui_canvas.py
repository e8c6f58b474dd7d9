"""MapCanvas: builds on synthetic and demo data, draws the dataset's layer stack through the
renderer registry and follows its events, hit-tests clicks, refreshes after edits, frames
units, routes events to tools, and saves screenshots for a human look."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from mapedit.demo.synthetic import synthetic_dataset
from mapedit.model.layers import RASTER, BaseLayer, Layer
from mapedit.rules.findings import ERROR, WARNING, Finding
from mapedit.ui.canvas import MapCanvas
from mapedit.ui.canvas.items import nice_scale_length
from mapedit.ui.canvas.renderers import RENDERERS, register_renderer
from mapedit.ui.tools.base import ToolBase


@pytest.fixture
def dataset():
    return synthetic_dataset(units=12, seed=1)


@pytest.fixture
def canvas(qtbot, dataset):
    c = MapCanvas()
    qtbot.addWidget(c)
    c.resize(900, 600)
    c.show()
    qtbot.waitExposed(c)
    c.set_dataset(dataset)
    return c


def _click_map(qtbot, canvas: MapCanvas, x: float, y: float,
               modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    p = canvas.widget_from_map(x, y)
    qtbot.mouseClick(canvas.view.viewport(), Qt.MouseButton.LeftButton, modifier,
                     QPoint(round(p.x()), round(p.y())))


def _drag(widget, start: QPoint, end: QPoint, button=Qt.MouseButton.LeftButton, steps: int = 10):
    """A real drag: QTest's mouseMove carries no button state, so send the events directly."""
    def send(kind, pos, btn, btns):
        ev = QMouseEvent(kind, QPointF(pos), QPointF(widget.mapToGlobal(pos)), btn, btns,
                         Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(widget, ev)

    send(QEvent.Type.MouseButtonPress, start, button, button)
    for i in range(1, steps + 1):
        p = start + (end - start) * (i / steps)
        send(QEvent.Type.MouseMove, p, Qt.MouseButton.NoButton, button)
    send(QEvent.Type.MouseButtonRelease, end, button, Qt.MouseButton.NoButton)


def test_builds_layers_in_order_with_chinese_labels(canvas, dataset):
    names = canvas.layer_names()
    assert names == dataset.layers.ids()  # every layer of the stack, in its order
    assert {"grids", "units", "findings", "roads", "buildings", "pois"} <= set(names)
    assert names.index("grids") < names.index("findings")
    z = [canvas.layer_item(n).zValue() for n in names]
    assert z == sorted(z)
    assert canvas.layer_label("grids") == "微网格"
    assert canvas.layer_label("roads") == "道路"
    assert len(canvas.layer_item("grids")) == len(dataset.grids)
    assert len(canvas.layer_item("buildings")) == len(dataset.base("buildings"))
    img = canvas.render_image()
    assert not img.isNull()


def test_builds_on_demo(qtbot):
    from mapedit.demo import generate

    ds = generate()
    c = MapCanvas()
    qtbot.addWidget(c)
    c.resize(800, 600)
    c.show()
    c.set_dataset(ds)
    assert len(c.layer_item("grids")) == sum(1 for g in ds.grids.values() if g.geometry is not None)
    x0, y0, x1, y1 = c.view_bounds()
    ex = ds.extent()
    assert x0 <= ex[0] and x1 >= ex[2] and y0 <= ex[1] and y1 >= ex[3]
    c.render_image()


def test_click_inside_grid_emits_its_fid(qtbot, canvas, dataset):
    g = dataset.grids[7]
    canvas.zoom_to_unit(g.unit_code)
    qtbot.wait(10)
    p = g.geometry.representative_point()
    with qtbot.waitSignal(canvas.gridClicked, timeout=1000) as sig:
        _click_map(qtbot, canvas, p.x, p.y)
    assert sig.args == [7, False]
    with qtbot.waitSignal(canvas.gridClicked, timeout=1000) as sig:
        _click_map(qtbot, canvas, p.x, p.y, Qt.KeyboardModifier.ControlModifier)
    assert sig.args == [7, True]


def test_click_outside_grids(qtbot, canvas, dataset):
    x0, y0, x1, y1 = dataset.extent()
    canvas.zoom_to_bounds(x0 - 500, y0 - 500, x1, y1)
    with qtbot.waitSignal(canvas.emptyClicked, timeout=1000), \
            qtbot.waitSignal(canvas.gridClicked, timeout=1000) as sig:
        _click_map(qtbot, canvas, x0 - 300, y0 - 300)
    assert sig.args[0] == -1


def test_unit_clicked_in_a_gap(qtbot, canvas, dataset):
    g = dataset.grids[3]
    del dataset.grids[3]
    canvas.refresh_grids({3})
    p = g.geometry.representative_point()
    with qtbot.waitSignal(canvas.unitClicked, timeout=1000) as sig:
        _click_map(qtbot, canvas, p.x, p.y)
    assert sig.args == [g.unit_code]


def test_drag_pans_and_is_not_a_click(qtbot, canvas):
    vp = canvas.view.viewport()
    before = canvas.view_bounds()
    clicks = []
    canvas.gridClicked.connect(lambda *a: clicks.append(a))
    _drag(vp, QPoint(400, 300), QPoint(300, 300))
    after = canvas.view_bounds()
    assert after[0] > before[0]  # dragged left → view moved east
    assert clicks == []


def test_layer_visibility_opacity_order(canvas, dataset):
    canvas.set_layer_visible("buildings", False)
    assert not canvas.is_layer_visible("buildings")
    assert not dataset.layers["buildings"].visible  # the stack is the truth
    canvas.set_layer_visible("buildings", True)
    assert canvas.is_layer_visible("buildings")
    canvas.set_layer_opacity("grids", 0.4)
    assert canvas.layer_item("grids").opacity() == pytest.approx(0.4)
    canvas.set_layer_opacity("grids", 3)
    assert canvas.layer_opacity("grids") == 1.0
    order = list(reversed(canvas.layer_names()))
    canvas.set_layer_order(order)
    assert canvas.layer_names() == order
    z = [canvas.layer_item(n).zValue() for n in order]
    assert z == sorted(z)
    canvas.set_layer_order(["units"])  # only one named: it goes on top
    assert canvas.layer_names()[-1] == "units"
    with pytest.raises(ValueError):
        canvas.set_layer_order(["nope"])


def _colour_at(canvas, x: float, y: float):
    img = canvas.render_image()
    p = canvas.widget_from_map(x, y)
    return img.pixelColor(round(p.x()), round(p.y()))


def test_canvas_follows_the_layer_stack(canvas, dataset):
    """A layer inserted, moved, hidden or removed in the stack is drawn, moved, hidden or
    dropped on the map; two vector layers of one role are each drawn."""
    stack = dataset.layers
    g = dataset.grids[3]
    pt = g.geometry.representative_point()
    canvas.zoom_to_unit(g.unit_code)
    # A second building layer (another survey): one big building over the grid.
    block = BaseLayer("buildings", np.asarray([g.geometry.buffer(-1)], dtype=object),
                      [{"households": 10}])
    before = _colour_at(canvas, pt.x, pt.y)
    layer = stack.add_vector("survey_2024", block, role="buildings", name="2024 楼栋普查")
    assert "survey_2024" in canvas.layer_names()
    assert len(canvas.layer_item("survey_2024")) == 1
    assert len(canvas.layer_item("buildings")) == len(dataset.base("buildings")) - 1
    assert canvas.layer_item("survey_2024").zValue() < canvas.layer_item("grids").zValue()
    stack.move("survey_2024", len(stack) - 1)  # on top of everything
    assert canvas.layer_item("survey_2024").zValue() > canvas.layer_item("findings").zValue()
    on_top = _colour_at(canvas, pt.x, pt.y)
    assert on_top != before
    stack.set_visible("survey_2024", False)
    assert not canvas.is_layer_visible("survey_2024")
    assert _colour_at(canvas, pt.x, pt.y) == before
    stack.set_visible("survey_2024", True)
    stack.set_opacity("survey_2024", 0.25)
    assert canvas.layer_item("survey_2024").opacity() == pytest.approx(0.25)
    stack.remove(layer.id)
    assert "survey_2024" not in canvas.layer_names()
    assert _colour_at(canvas, pt.x, pt.y) == before


def test_a_renderer_for_a_new_kind_is_one_registration(canvas, dataset):
    """What the base-map work does for imagery: register a renderer for the kind; layers of
    that kind are drawn from then on (and skipped, not fatal, before)."""
    import pyqtgraph as pg

    class Solid(pg.GraphicsObject):
        def __init__(self, rect):
            super().__init__()
            self.rect = rect

        def boundingRect(self):  # noqa: N802 - Qt API
            return self.rect

        def paint(self, painter, *args):
            painter.fillRect(self.rect, pg.mkColor("#ff00ff"))

    class SolidRenderer:
        def __init__(self, layer):
            from PySide6.QtCore import QRectF

            x0, y0, x1, y1 = layer.extent
            self.item = Solid(QRectF(x0, y0, x1 - x0, y1 - y0))

        def update(self, layer):
            pass

    x0, y0, x1, y1 = dataset.extent()
    extent = (x0, y0, (x0 + x1) / 2, (y0 + y1) / 2)
    old = RENDERERS.pop(RASTER, None)
    try:
        dataset.layers.insert(Layer(id="photo", kind=RASTER, extent=extent), index=0)
        assert "photo" not in canvas.layer_names()  # no renderer: listed, not drawn
        dataset.layers.remove("photo")
        register_renderer(RASTER, SolidRenderer)
        dataset.layers.insert(Layer(id="photo", kind=RASTER, extent=extent))
        assert "photo" in canvas.layer_names()
        canvas.set_layer_visible("units", False)
        canvas.set_layer_visible("grids", False)
        canvas.zoom_to_bounds(*extent)
        cx, cy = (extent[0] + extent[2]) / 2, (extent[1] + extent[3]) / 2
        colour = _colour_at(canvas, cx, cy)
        assert (colour.red(), colour.green(), colour.blue()) == (255, 0, 255) or \
            colour.red() > 200 and colour.blue() > 200
    finally:
        RENDERERS.pop(RASTER, None)
        if old is not None:
            RENDERERS[RASTER] = old


def test_refresh_grids_updates_hit_testing_and_drawing(canvas, dataset):
    g = dataset.grids[5]
    far = shapely.box(400_000, 3_000_000, 400_100, 3_000_100)
    assert canvas.grid_at(*far.centroid.coords[0]) is None
    old_point = g.geometry.representative_point()
    dataset.grids[5] = g.replace(geometry=far)
    canvas.refresh_grids({5})
    assert canvas.grid_at(*far.centroid.coords[0]) == 5
    assert canvas.grid_at(old_point.x, old_point.y) is None
    assert canvas.layer_item("grids").geometry(5) is far
    # A new grid and a deleted one.
    dataset.grids[999] = g.replace(fid=999)
    del dataset.grids[5]
    canvas.refresh_grids({5, 999})
    assert canvas.grid_at(old_point.x, old_point.y) == 999
    assert canvas.grid_at(*far.centroid.coords[0]) is None
    canvas.render_image()


def test_refresh_invalidates_overview_raster(qtbot):
    """The raster pyramid used at small scales must show an edit without a full rebuild."""
    ds = synthetic_dataset(units=30, seed=3)
    c = MapCanvas()
    qtbot.addWidget(c)
    c.resize(300, 200)
    c.show()
    c.set_dataset(ds)
    layer = c.layer_item("grids")
    img = c.render_image()
    if layer.last_paint_tiles != -1:  # raster only used when px ≥ 6 m
        c.zoom_out()
        c.zoom_out()
        img = c.render_image()
    assert layer.last_paint_tiles == -1
    fid = 1
    g = ds.grids[fid]
    pt = g.geometry.representative_point()
    spot = c.widget_from_map(pt.x, pt.y)
    before = img.pixelColor(round(spot.x()), round(spot.y()))
    del ds.grids[fid]
    c.refresh_grids({fid})
    after_img = c.render_image()
    after = after_img.pixelColor(round(spot.x()), round(spot.y()))
    assert before != after


def test_zoom_to_unit_frames_the_unit(canvas, dataset):
    code = list(dataset.units)[4]
    canvas.zoom_to_unit(code)
    x0, y0, x1, y1 = canvas.view_bounds()
    ux0, uy0, ux1, uy1 = dataset.units[code].geometry.bounds
    assert x0 <= ux0 and y0 <= uy0 and x1 >= ux1 and y1 >= uy1
    # Framed, not lost in a much bigger view.
    assert (x1 - x0) < 3 * (ux1 - ux0) or (y1 - y0) < 3 * (uy1 - uy0)
    assert canvas.pixel_size() < 2.0


def test_zoom_helpers(canvas, dataset):
    canvas.zoom_to_extent()
    full = canvas.pixel_size()
    canvas.zoom_in()
    assert canvas.pixel_size() == pytest.approx(full / 2, rel=0.05)
    canvas.zoom_out()
    assert canvas.pixel_size() == pytest.approx(full, rel=0.05)
    canvas.set_selection({1, 2})
    assert canvas.selection() == {1, 2}
    canvas.zoom_to_selection()
    x0, y0, x1, y1 = canvas.view_bounds()
    b = shapely.total_bounds([dataset.grids[1].geometry, dataset.grids[2].geometry])
    assert x0 <= b[0] and x1 >= b[2]
    assert canvas.pixel_size() < full


def test_view_changed_and_cursor_moved(qtbot, canvas):
    with qtbot.waitSignal(canvas.viewChanged, timeout=1000):
        canvas.zoom_in()
    x0, y0, x1, y1 = canvas.view_bounds()
    target = ((x0 + x1) / 2, (y0 + y1) / 2)
    p = canvas.widget_from_map(*target)
    with qtbot.waitSignal(canvas.cursorMoved, timeout=1000) as sig:
        qtbot.mouseMove(canvas.view.viewport(), QPoint(round(p.x()), round(p.y())))
    assert sig.args[0] == pytest.approx(target[0], abs=3 * canvas.pixel_size())
    assert sig.args[1] == pytest.approx(target[1], abs=3 * canvas.pixel_size())


class _RecordingTool(ToolBase):
    def __init__(self) -> None:
        super().__init__()
        self.events: list[tuple] = []
        self.cancels = 0

    def mouse_press(self, x, y, button, modifiers):
        self.events.append(("press", x, y, button))
        if not self.in_progress:
            self.start()
        self.overlay().set_rubber_band([(x, y), (x + 10, y)], False)
        self.overlay().set_snap_marker(x, y, "vertex")

    def mouse_move(self, x, y, modifiers):
        self.events.append(("move", x, y))

    def mouse_release(self, x, y, button, modifiers):
        self.events.append(("release", x, y, button))

    def mouse_double_click(self, x, y, button, modifiers):
        self.events.append(("double", x, y, button))

    def cancel(self):
        self.cancels += 1
        super().cancel()


def test_tool_gets_map_coordinates_and_esc_cancels(qtbot, canvas, dataset):
    tool = _RecordingTool()
    canvas.set_tool(tool)
    assert canvas.tool() is tool and tool.canvas is canvas
    g = dataset.grids[2]
    canvas.zoom_to_unit(g.unit_code)
    before = canvas.view_bounds()
    p = g.geometry.representative_point()
    w = canvas.widget_from_map(p.x, p.y)
    vp = canvas.view.viewport()
    clicks = []
    canvas.gridClicked.connect(lambda *a: clicks.append(a))
    pos = QPoint(round(w.x()), round(w.y()))
    _drag(vp, pos, pos + QPoint(40, 0))
    kinds = [e[0] for e in tool.events]
    assert kinds[0] == "press" and "move" in kinds and kinds[-1] == "release"
    tol = 2 * canvas.pixel_size()
    assert tool.events[0][1] == pytest.approx(p.x, abs=tol)
    assert tool.events[0][2] == pytest.approx(p.y, abs=tol)
    assert tool.events[-1][1] == pytest.approx(p.x + 40 * canvas.pixel_size(), abs=tol)
    assert canvas.view_bounds() == before  # left-drag did not pan
    assert clicks == []  # and did not select
    qtbot.mouseDClick(vp, Qt.MouseButton.LeftButton, pos=pos)
    assert any(e[0] == "double" for e in tool.events)
    assert len(canvas.overlay().rubber_band()) == 2
    assert canvas.overlay().snap_marker() is not None
    canvas.render_image()  # overlay paints
    qtbot.keyClick(canvas.view, Qt.Key.Key_Escape)
    assert tool.cancels == 1
    assert not tool.in_progress
    assert len(canvas.overlay().rubber_band()) == 0
    # Middle-drag still pans while a tool is active.
    before = canvas.view_bounds()
    _drag(vp, QPoint(300, 300), QPoint(200, 300), Qt.MouseButton.MiddleButton)
    assert canvas.view_bounds()[0] > before[0]
    canvas.set_tool(None)
    assert tool.canvas is None and canvas.tool() is None


def test_findings_and_check_fill(canvas, dataset):
    g1, g2 = dataset.grids[1], dataset.grids[2]
    overlap = g1.geometry.buffer(5).intersection(g2.geometry)
    findings = [
        Finding("overlap", ERROR, [g1.code, g2.code], g1.unit_code, overlap.area, "重叠", "overlap",
                overlap, fids=[1, 2]),
        Finding("gap", ERROR, [], g1.unit_code, 10.0, "缝隙", "gap",
                shapely.box(*g1.geometry.centroid.buffer(3).bounds)),
        Finding("households-range", WARNING, [dataset.grids[3].code], g1.unit_code, 0.0, "户数",
                "households", None),
        Finding("sliver", WARNING, [g1.code], g1.unit_code, 0.1, "细缝", "sliver",
                g1.geometry.centroid.buffer(0.2), accepted=True),
    ]
    canvas.set_findings(findings)
    assert canvas.layer_item("findings").count == 3  # households-range has no map geometry
    canvas.set_grid_fill_mode("check")
    assert canvas.grid_fill_mode() == "check"
    assert canvas._check_state == {1: 2, 2: 2, 3: 1}  # 3 found by code
    canvas.render_image()
    canvas.set_grid_fill_mode("category")
    with pytest.raises(ValueError):
        canvas.set_grid_fill_mode("rainbow")


def test_labels_only_when_zoomed_in(canvas, dataset):
    labels = canvas.layer_item("labels")
    canvas.zoom_to_extent()
    canvas.render_image()
    full_count = labels.last_count
    canvas.zoom_to_unit(list(dataset.units)[0])
    canvas.render_image()
    assert labels.last_count > 0
    assert full_count == 0 or full_count > labels.last_count


def test_nice_scale_length():
    assert nice_scale_length(160) == 100
    assert nice_scale_length(260) == 200
    assert nice_scale_length(999) == 500
    assert nice_scale_length(1000) == 1000
    assert nice_scale_length(0) == 0


def test_screenshots(qtbot, shots_dir):
    """Saved for a person to look at (``shots_dir``: a temporary or chosen folder)."""
    from mapedit.demo import generate
    from mapedit.rules.engine import Checker

    ds = generate()
    c = MapCanvas()
    qtbot.addWidget(c)
    c.resize(1400, 900)
    c.show()
    qtbot.waitExposed(c)
    c.set_dataset(ds)
    c.set_findings(Checker(ds).run_full())
    SHOTS = shots_dir
    assert c.grab_image(str(SHOTS / "canvas_full.png"))
    units_with_grids = [u for u in ds.units if ds.grids_of_unit(u)]
    code = units_with_grids[len(units_with_grids) // 2]
    c.highlight_unit(code)
    c.set_selection({ds.grids_of_unit(code)[0].fid})
    c.zoom_to_unit(code)
    assert c.grab_image(str(SHOTS / "canvas_unit.png"))
    c.set_grid_fill_mode("check")
    assert c.grab_image(str(SHOTS / "canvas_unit_check.png"))
    assert (SHOTS / "canvas_full.png").stat().st_size > 10_000
    img = c.render_image()
    arr = np.frombuffer(img.constBits(), dtype=np.uint8)
    assert len(np.unique(arr)) > 10  # not a blank image
