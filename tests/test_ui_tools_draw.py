"""Draw tool, snapping, tracing and unit locks, driven with simulated mouse and keys."""
# ruff: noqa: F811 - pytest fixtures imported from the support module are used as arguments

from __future__ import annotations

import shapely
from PySide6.QtCore import Qt
from test_ui_tools_support import (  # noqa: F401 - fixtures
    CTRL,
    SHIFT,
    at_screen,
    click,
    double_click,
    drag,
    dump_grids,
    interior_grid,
    key,
    move,
    topology_keys,
    undo_all,
    use_tool,
    window,
    zoom_to,
)


def _rect_around(g, margin: float = 6.0) -> list[tuple[float, float]]:
    x0, y0, x1, y1 = g.geometry.bounds
    return [(x0 - margin, y0 - margin), (x1 + margin, y0 - margin), (x1 + margin, y1 + margin),
            (x0 - margin, y1 + margin)]


def test_draw_across_neighbours_is_trimmed(qtbot, window, demo_path):
    """Delete a grid, then draw a rectangle over its hole and well into its neighbours: the
    new grid is trimmed to exactly the hole, gets a code, name and category, and is shown in
    the attribute panel; undo restores the file."""
    win, project = window, window.project
    before_file = dump_grids(demo_path)
    g = interior_grid(project)
    win.select_grids([g.fid])
    key(qtbot, win, Qt.Key.Key_Delete)  # the window's 删除微网格 (Del)
    assert g.fid not in project.dataset.grids
    baseline = topology_keys(project)
    zoom_to(win, g.geometry.buffer(20))
    neighbours = [n for n in project.dataset.grids_of_unit(g.unit_code)
                  if n.geometry.distance(g.geometry) < 0.01]
    assert neighbours

    use_tool(win, "draw")
    pts = _rect_around(g)
    for x, y in pts[:-1]:
        click(qtbot, win, x, y, SHIFT)
    double_click(qtbot, win, *pts[-1], SHIFT)

    assert win.selection, "the new grid is selected (and so shown in the attribute panel)"
    grid = project.dataset.grids[win.selection[0]]
    assert grid.fid != g.fid and grid.created
    assert win.attributes.code.text() == grid.code
    assert grid.unit_code == g.unit_code
    assert abs(grid.geometry.area - g.geometry.area) < 0.5, "trimmed to the hole exactly"
    for n in neighbours:
        cur = project.dataset.grids[n.fid].geometry
        assert cur.intersection(grid.geometry).area < 0.01
    assert grid.code.startswith(g.unit_code) and grid.name and grid.category
    assert project.dataset.catalogue.is_allowed(grid.category,
                                                project.dataset.units[g.unit_code].unit_type)
    assert not (topology_keys(project) - baseline), "no new overlap/gap/crossing/sliver"

    undo_all(win)
    assert dump_grids(demo_path) == before_file


def test_draw_keys_remove_points_and_cancel(qtbot, window):
    """Backspace and Ctrl+Z take back the last point (Ctrl+Z does not undo an edit while
    drawing); Esc drops the drawing; Enter with too few points explains itself."""
    win, project = window, window.project
    g = interior_grid(project)
    zoom_to(win, g.geometry.buffer(30))
    draw = win.edit_tools.draw
    use_tool(win, "draw")
    pts = _rect_around(g)
    for x, y in pts:
        click(qtbot, win, x, y, SHIFT)
    assert len(draw.sketch.points) == 4
    assert len(win.canvas.overlay().rubber_band()) == 5  # points + cursor
    key(qtbot, win, Qt.Key.Key_Backspace)
    assert len(draw.sketch.points) == 3
    depth = win.undo_stack.index()
    key(qtbot, win, Qt.Key.Key_Z, CTRL)
    assert len(draw.sketch.points) == 2
    assert win.undo_stack.index() == depth, "Ctrl+Z while drawing is not an undo"
    key(qtbot, win, Qt.Key.Key_Return)
    assert "至少需要 3 个节点" in win.statusBar().currentMessage()
    assert len(draw.sketch.points) == 2
    key(qtbot, win, Qt.Key.Key_Escape)
    assert not draw.sketch.active
    assert len(win.canvas.overlay().rubber_band()) == 0
    assert win.undo_stack.count() == 0
    # Esc again (nothing in progress) returns to the select tool.
    key(qtbot, win, Qt.Key.Key_Escape)
    assert win.canvas.tool() is None
    assert win.edit_tools.act_select.isChecked()


def test_snapping_vertex_first_marker_and_shift(qtbot, window):
    """Near a vertex the marker is a vertex marker and the point lands on it exactly; Shift
    switches snapping off; the tolerance follows Settings.snap_pixels at the current zoom."""
    win, project = window, window.project
    g = interior_grid(project)
    zoom_to(win, g.geometry.buffer(30))
    use_tool(win, "draw")
    vx, vy = shapely.get_coordinates(g.geometry.exterior)[0]
    px = win.canvas.pixel_size()
    move(win, vx + 3 * px, vy + 2 * px)
    marker = win.canvas.overlay().snap_marker()
    assert marker is not None and marker[2] == "vertex"
    assert abs(marker[0] - vx) < 1e-9 and abs(marker[1] - vy) < 1e-9
    move(win, vx + 3 * px, vy + 2 * px, SHIFT)
    assert win.canvas.overlay().snap_marker() is None
    tol = win.edit_tools.ctx.snap_tolerance_m()
    assert abs(tol - project.dataset.settings.snap_pixels * px) < 1e-9
    # Clicking snaps the vertex into the sketch exactly.
    click(qtbot, win, vx + 3 * px, vy + 2 * px)
    assert win.edit_tools.draw.sketch.points[0] == (vx, vy)


def test_trace_follows_the_unit_boundary(qtbot, window):
    """With 追踪 on, two snapped clicks on the same ring add that ring's vertices between."""
    win, project = window, window.project
    ds = project.dataset
    unit = max((u for u in ds.units.values() if not ds.grids_of_unit(u.code)),
               key=lambda u: len(shapely.get_coordinates(u.geometry)))
    ring = shapely.get_coordinates(unit.geometry.exterior)[:-1]
    assert len(ring) >= 6
    zoom_to(win, unit.geometry, 0.05)
    use_tool(win, "draw")
    win.edit_tools.act_trace.trigger()
    a, b = ring[0], ring[3]
    click(qtbot, win, *a)
    click(qtbot, win, *b)
    pts = win.edit_tools.draw.sketch.points
    assert len(pts) >= 4, "the traced vertices 1 and 2 (or the other way round) were added"
    traced = {tuple(p) for p in pts}
    assert {tuple(ring[1]), tuple(ring[2])} <= traced or len(ring) - 3 <= len(pts) - 2
    key(qtbot, win, Qt.Key.Key_Backspace)
    assert win.edit_tools.draw.sketch.points == [tuple(a)], "one Backspace removes the trace"
    key(qtbot, win, Qt.Key.Key_Escape)


def test_locked_unit_refuses_edits_with_a_message(qtbot, window, demo_path):
    """Drawing, merging and vertex edits in a locked unit are refused by the project, and the
    clerk reads why over the map (the notice) and in the status bar."""
    win, project = window, window.project
    before = dump_grids(demo_path)
    g = interior_grid(project)
    win.set_current_unit(g.unit_code)
    win.toggle_lock()
    assert project.dataset.units[g.unit_code].locked
    zoom_to(win, g.geometry.buffer(30))
    use_tool(win, "draw")
    pts = _rect_around(g, margin=-0.3 * min(g.geometry.bounds[2] - g.geometry.bounds[0],
                                              g.geometry.bounds[3] - g.geometry.bounds[1]))
    for x, y in pts[:-1]:
        click(qtbot, win, x, y, SHIFT)
    double_click(qtbot, win, *pts[-1], SHIFT)
    assert "已锁定" in win.statusBar().currentMessage()
    assert win.notice.isVisible() and "已锁定" in win.notice.text()
    assert not win.edit_tools.draw.sketch.active
    # Vertex edits are refused too.
    win.select_grids([g.fid])
    use_tool(win, "vertex")
    vx, vy = shapely.get_coordinates(g.geometry.exterior)[1]
    drag(qtbot, win, vx, vy, vx + 2, vy + 2, SHIFT)
    assert "已锁定" in win.statusBar().currentMessage()
    win.toggle_lock()
    assert not project.dataset.units[g.unit_code].locked
    undo_all(win)
    assert dump_grids(demo_path) == before


def _undrawn_next_to_finished(project):
    """(undrawn unit, finished neighbour, a point on their shared boundary, the direction into
    the undrawn unit): the neighbour's grids cover it without a gap."""
    from mapedit.model.editing.common import uncovered

    ds = project.dataset
    tol = ds.settings.noding_precision_m
    undrawn = [u for u in ds.units.values() if not ds.grids_of_unit(u.code) and not u.locked]
    finished = [u for u in ds.units.values() if ds.grids_of_unit(u.code)
                and uncovered(ds, u.code, tol).area < 0.01]
    for a in sorted(undrawn, key=lambda u: u.code):
        for b in sorted(finished, key=lambda u: u.code):
            shared = a.geometry.boundary.intersection(b.geometry.boundary)
            if shared.length < 80:
                continue
            line = max(shapely.get_parts(shapely.line_merge(shared)), key=lambda p: p.length)
            p = line.interpolate(0.5, normalized=True)
            q = line.interpolate(0.5 * line.length + 1.0)
            dx, dy = q.x - p.x, q.y - p.y
            n = (-dy, dx)  # normal to the shared edge; towards the undrawn unit?
            if not a.geometry.contains(shapely.Point(p.x + 5 * n[0], p.y + 5 * n[1])):
                n = (dy, -dx)
            if a.geometry.contains(shapely.Point(p.x + 5 * n[0], p.y + 5 * n[1])) and \
                    b.geometry.contains(shapely.Point(p.x - 5 * n[0], p.y - 5 * n[1])):
                return a, b, (p.x, p.y), n, (dx, dy)
    raise AssertionError("the demo has no undrawn unit beside a finished one")


def test_first_vertex_inside_a_finished_neighbour_draws_in_the_unit_drawn_over(
        qtbot, window, demo_path):
    """A sketch whose first vertex lands a few pixels inside the neighbouring, finished unit
    becomes a grid of the unit it mostly covers, and the clerk is told; it used to be taken
    for the neighbour's, which has no room left, and vanished."""
    win, project = window, window.project
    ds = project.dataset
    a, b, (px, py), n, t = _undrawn_next_to_finished(project)
    zoom_to(win, shapely.Point(px, py).buffer(120))
    d = 3 * win.canvas.pixel_size()  # three pixels across the shared boundary
    first = (px - d * n[0], py - d * n[1])
    assert b.geometry.contains(shapely.Point(first)) and win.canvas.unit_at(*first) == b.code
    pts = [first,
           (px + 30 * t[0] + 60 * n[0], py + 30 * t[1] + 60 * n[1]),
           (px + 60 * n[0] - 30 * t[0], py + 60 * n[1] - 30 * t[1]),
           (px - 30 * t[0] + 5 * n[0], py - 30 * t[1] + 5 * n[1])]
    use_tool(win, "draw")
    grids_before = set(ds.grids)
    for x, y in pts[:-1]:
        click(qtbot, win, x, y, SHIFT)
    double_click(qtbot, win, *pts[-1], SHIFT)
    new = [ds.grids[f] for f in set(ds.grids) - grids_before]
    assert len(new) == 1, win.statusBar().currentMessage()
    grid = new[0]
    assert grid.unit_code == a.code
    drawn = shapely.Polygon([at_screen(win, x, y) for x, y in pts])  # where the clicks landed
    assert abs(grid.geometry.area - drawn.intersection(a.geometry).area) < 1.0
    assert a.name in win.statusBar().currentMessage()  # the clerk is told where it went
    undo_all(win)
