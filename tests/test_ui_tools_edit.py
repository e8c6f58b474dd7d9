"""Split, split by road, merge, vertex, fill gap and households tools on the demo street, driven
with simulated mouse and keyboard; after each edit the checker has no new topology findings,
and undoing everything gives back the original micro_grids table."""
# ruff: noqa: F811 - pytest fixtures imported from the support module are used as arguments

from __future__ import annotations

import numpy as np
import shapely
from PySide6.QtCore import Qt
from test_ui_tools_support import (
    CTRL,
    RIGHT,
    SHIFT,
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

assert window  # fixture


def _unit_area(project, unit: str) -> float:
    return sum(g.geometry.area for g in project.dataset.grids_of_unit(unit))


def _crossing(g, margin: float = 1.5) -> list[tuple[float, float]]:
    """A horizontal line through the grid's inside, ending just beyond its boundary."""
    px, py = g.geometry.representative_point().coords[0]
    x0, _, x1, _ = g.geometry.bounds
    cut = g.geometry.intersection(shapely.LineString([(x0 - 50, py), (x1 + 50, py)]))
    parts = sorted(shapely.get_parts(cut), key=lambda p: p.distance(shapely.Point(px, py)))
    a, b = shapely.get_coordinates(parts[0])[[0, -1]]
    lo, hi = (a, b) if a[0] < b[0] else (b, a)
    return [(lo[0] - margin, py), (px, py), (hi[0] + margin, py)]


def test_split_by_drawn_line(qtbot, window, demo_path):
    win, project = window, window.project
    before_file = dump_grids(demo_path)
    baseline = topology_keys(project)
    g = interior_grid(project)
    area = _unit_area(project, g.unit_code)
    n = len(project.dataset.grids_of_unit(g.unit_code))
    zoom_to(win, g.geometry.buffer(20))
    use_tool(win, "split")
    line = _crossing(g)
    for x, y in line[:-1]:
        click(qtbot, win, x, y, SHIFT)
    double_click(qtbot, win, *line[-1], SHIFT)
    grids = project.dataset.grids_of_unit(g.unit_code)
    assert len(grids) == n + 1, win.statusBar().currentMessage()
    assert project.dataset.grids[g.fid].geometry.area < g.geometry.area - 1
    assert abs(_unit_area(project, g.unit_code) - area) < 0.01
    new = [x for x in grids if x.fid not in {g.fid} and x.created and x.code != g.code
           and x.fid > max(f for f in project.dataset.grids if f != x.fid) - 1]
    assert new and new[0].category == g.category, "attributes copied to the new part"
    assert set(win.selection) == {g.fid, new[0].fid}, "both parts are selected"
    assert not (topology_keys(project) - baseline)
    undo_all(win)
    assert dump_grids(demo_path) == before_file


def test_split_by_clicking_a_road(qtbot, window, demo_path):
    """Draw a grid across a road in an ungridded village, then 沿道路分割 by clicking the road."""
    win, project = window, window.project
    ds = project.dataset
    before_file = dump_grids(demo_path)
    roads = ds.base("roads")
    unit, road = next((u, i) for u in ds.units.values() if not ds.grids_of_unit(u.code)
                      for i, r in enumerate(roads.geometries)
                      if max(shapely.length(shapely.get_parts(r.intersection(u.geometry))),
                             default=0) > 300)
    seg = max(shapely.get_parts(roads.geometries[road].intersection(unit.geometry)),
              key=lambda s: s.length)
    mid = shapely.line_interpolate_point(seg, 0.5, normalized=True)
    box = mid.buffer(60, cap_style="square")
    zoom_to(win, box.buffer(40))
    use_tool(win, "draw")
    x0, y0, x1, y1 = box.bounds
    # Start inside the unit (the road's middle), go round the square.
    pts = [(mid.x, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]
    for x, y in pts[:-1]:
        click(qtbot, win, x, y, SHIFT)
    double_click(qtbot, win, *pts[-1], SHIFT)
    assert len(ds.grids_of_unit(unit.code)) == 1, win.statusBar().currentMessage()
    drawn = ds.grids_of_unit(unit.code)[0]
    baseline = topology_keys(project)
    use_tool(win, "split_road")
    # Click on the road a little away from the square's centre.
    p = roads.geometries[road].interpolate(roads.geometries[road].project(mid) + 10)
    move(win, p.x, p.y)
    assert len(win.canvas.overlay().rubber_band()) >= 2, "the road under the mouse is shown"
    click(qtbot, win, p.x, p.y)
    parts = ds.grids_of_unit(unit.code)
    assert len(parts) >= 2, win.statusBar().currentMessage()
    assert abs(sum(x.geometry.area for x in parts) - drawn.geometry.area) < 0.01
    assert not (topology_keys(project) - baseline)
    undo_all(win)
    assert dump_grids(demo_path) == before_file


def _adjacent_pair(project):
    ds = project.dataset
    for g in sorted(ds.grids.values(), key=lambda g: g.fid):
        for h in ds.grids_of_unit(g.unit_code):
            if h.fid > g.fid and g.geometry.intersection(h.geometry).length > 20:
                return g, h
    raise AssertionError("no adjacent pair")


def test_merge_two_selected_grids(qtbot, window, demo_path):
    win, project = window, window.project
    before_file = dump_grids(demo_path)
    baseline = topology_keys(project)
    g, h = _adjacent_pair(project)
    zoom_to(win, g.geometry.union(h.geometry))
    # One grid only: explained, nothing happens.
    win.select_grids([g.fid])
    key(qtbot, win, Qt.Key.Key_M)
    assert "至少两个" in win.statusBar().currentMessage()
    win.select_grids([g.fid, h.fid])
    key(qtbot, win, Qt.Key.Key_M)
    ds = project.dataset
    kept = [f for f in (g.fid, h.fid) if f in ds.grids]
    assert len(kept) == 1, win.statusBar().currentMessage()
    merged = ds.grids[kept[0]]
    assert abs(merged.geometry.area - g.geometry.area - h.geometry.area) < 0.01
    assert merged.geometry.geom_type == "Polygon"
    assert win.selection == kept
    assert not (topology_keys(project) - baseline)
    undo_all(win)
    assert dump_grids(demo_path) == before_file


def _shared_inner_vertex(project):
    """A vertex shared by two or more grids of one unit, away from the unit boundary."""
    ds = project.dataset
    for g in sorted(ds.grids.values(), key=lambda g: g.fid):
        unit = ds.units[g.unit_code]
        for x, y in shapely.get_coordinates(g.geometry.exterior)[:-1]:
            p = shapely.Point(x, y)
            if unit.geometry.boundary.distance(p) < 20:
                continue
            sharing = [h for h in ds.grids_of_unit(g.unit_code)
                       if h.fid != g.fid and shapely.get_coordinates(h.geometry).tolist()
                       and np.any(np.all(shapely.get_coordinates(h.geometry) == (x, y), axis=1))]
            if sharing:
                return (x, y), [g, *sharing]
    raise AssertionError("no shared vertex")


def test_drag_a_shared_vertex_moves_it_in_all_grids(qtbot, window, demo_path):
    win, project = window, window.project
    before_file = dump_grids(demo_path)
    baseline = topology_keys(project)
    (vx, vy), grids = _shared_inner_vertex(project)
    zoom_to(win, shapely.Point(vx, vy).buffer(40))
    use_tool(win, "vertex")
    move(win, vx + 0.3, vy - 0.2)
    assert win.canvas.overlay().snap_marker()[2] == "vertex"
    drag(qtbot, win, vx, vy, vx + 2.5, vy + 1.5, SHIFT)
    ds = project.dataset
    msg = win.statusBar().currentMessage()
    for g in grids:
        now = shapely.get_coordinates(ds.grids[g.fid].geometry)
        assert not np.any(np.all(now == (vx, vy), axis=1)), msg
        assert not ds.grids[g.fid].geometry.equals(g.geometry)
    assert not (topology_keys(project) - baseline)
    # A move that would fold a grid over itself is refused with a Chinese message.
    far = grids[0].geometry.centroid
    other = max(shapely.get_coordinates(grids[0].geometry.exterior),
                key=lambda c: (c[0] - vx) ** 2 + (c[1] - vy) ** 2)
    tx, ty = other[0] + (other[0] - far.x) * 0.5, other[1] + (other[1] - far.y) * 0.5
    zoom_to(win, shapely.MultiPoint([(vx, vy), (tx, ty)]).buffer(30))
    depth = win.undo_stack.count()
    drag(qtbot, win, vx + 2.5, vy + 1.5, tx, ty, SHIFT)
    if win.undo_stack.count() == depth:
        assert "不能移动节点" in win.statusBar().currentMessage()
    undo_all(win)
    assert dump_grids(demo_path) == before_file


def test_add_and_delete_a_vertex(qtbot, window, demo_path):
    win, project = window, window.project
    before_file = dump_grids(demo_path)
    baseline = topology_keys(project)
    g, h = _adjacent_pair(project)
    shared = g.geometry.intersection(h.geometry)
    seg = max(shapely.get_parts(shapely.line_merge(shared)) if shared.geom_type != "LineString"
              else [shared], key=lambda s: s.length)
    c = shapely.get_coordinates(seg)
    a, b = c[0], c[1]
    mx, my = (a + b) / 2
    zoom_to(win, shapely.Point(mx, my).buffer(40))
    use_tool(win, "vertex")
    nv = {x.fid: len(shapely.get_coordinates(x.geometry)) for x in (g, h)}
    click(qtbot, win, mx, my, CTRL)
    ds = project.dataset
    for x in (g, h):
        assert len(shapely.get_coordinates(ds.grids[x.fid].geometry)) == nv[x.fid] + 1, \
            win.statusBar().currentMessage()
    assert not (topology_keys(project) - baseline)
    # Hover the new vertex and press Delete: removed from both (and no grid deleted).
    new = next(p for p in shapely.get_coordinates(ds.grids[g.fid].geometry)
               if abs(p[0] - mx) < 2 and abs(p[1] - my) < 2)
    move(win, new[0] + 0.2, new[1])
    key(qtbot, win, Qt.Key.Key_Delete)
    for x in (g, h):
        assert x.fid in ds.grids
        assert len(shapely.get_coordinates(ds.grids[x.fid].geometry)) == nv[x.fid]
    # Right-click removes as well (add again, then right-click it).
    click(qtbot, win, mx, my, CTRL)
    assert len(shapely.get_coordinates(ds.grids[g.fid].geometry)) == nv[g.fid] + 1
    click(qtbot, win, new[0], new[1], button=RIGHT)
    assert len(shapely.get_coordinates(ds.grids[g.fid].geometry)) == nv[g.fid]
    assert not (topology_keys(project) - baseline)
    undo_all(win)
    assert dump_grids(demo_path) == before_file


def _hole(qtbot, win):
    """Delete an interior grid; returns it (its area is now a gap) and the findings then."""
    g = interior_grid(win.project)
    win.select_grids([g.fid])
    key(qtbot, win, Qt.Key.Key_Delete)
    assert g.fid not in win.project.dataset.grids
    zoom_to(win, g.geometry.buffer(30))
    return g


def test_fill_gap_new_grid_and_to_neighbour(qtbot, window, demo_path, monkeypatch):
    win, project = window, window.project
    before_file = dump_grids(demo_path)
    g = _hole(qtbot, win)
    baseline = topology_keys(project)
    assert any(f.rule == "gap" for f in project.findings if f.unit == g.unit_code)
    tool = win.edit_tools.fill_gap
    offered: list[list[str]] = []

    def pick(index):
        def choose(choices, pos=None):
            offered.append([c.label for c in choices])
            return choices[index]
        return choose

    use_tool(win, "fill_gap")
    x, y = g.geometry.representative_point().coords[0]
    monkeypatch.setattr(tool, "choose", pick(0))
    click(qtbot, win, x, y)
    assert offered[-1][0] == "新建微网格"
    assert any(label.startswith("并入相邻微网格") for label in offered[-1][1:])
    new = project.dataset.grids[win.selection[0]]
    assert abs(new.geometry.area - g.geometry.area) < 0.01
    assert not any(f.rule == "gap" for f in project.findings if f.unit == g.unit_code)
    assert not (topology_keys(project) - baseline)
    # Clicking a covered place explains there is no gap.
    click(qtbot, win, x, y)
    assert "没有空隙" in win.statusBar().currentMessage()

    win.undo_stack.undo()  # the gap is back; now give it to the first neighbour offered
    monkeypatch.setattr(tool, "choose", pick(1))
    click(qtbot, win, x, y)
    assert not any(f.rule == "gap" for f in project.findings if f.unit == g.unit_code)
    assert not (topology_keys(project) - baseline)

    win.undo_stack.undo()
    use_tool(win, "draw")  # 填补本单元全部空隙 works from any tool, on the current unit
    win.set_current_unit(g.unit_code)
    key(qtbot, win, Qt.Key.Key_F, SHIFT)
    assert not any(f.rule == "gap" for f in project.findings if f.unit == g.unit_code), \
        win.statusBar().currentMessage()
    assert not (topology_keys(project) - baseline)
    undo_all(win)
    assert dump_grids(demo_path) == before_file


def test_households_from_buildings_dialog(qtbot, window, demo_path):
    from mapedit.ui.tools.households import show_households

    win, project = window, window.project
    before_file = dump_grids(demo_path)
    ctx = win.edit_tools.ctx
    ds = project.dataset
    from mapedit.model.geometry_ops import households_from_buildings

    g = next(g for g in ds.grids.values()
             if (households_from_buildings(ds, g.geometry) or 0) > 0)
    computed = households_from_buildings(ds, g.geometry)
    # Make the entered value differ, as an undoable edit like any other.
    from mapedit.model.changes import ChangeSet, GridChange

    win.controller.push_changeset(ChangeSet("改户数", "households", [GridChange(
        g, g.replace(households=computed + 7))]))
    dlg = show_households(ctx, [g.fid], win, modal=False)
    qtbot.addWidget(dlg)
    assert dlg.entered_label.text() == f"{computed + 7} 户"
    assert dlg.computed_label.text() == f"{computed} 户"
    assert dlg.apply_button.isEnabled()
    qtbot.mouseClick(dlg.apply_button, Qt.MouseButton.LeftButton)
    assert ds.grids[g.fid].households == computed
    undo_all(win)
    assert dump_grids(demo_path) == before_file
    # Without a selection the action explains what to do.
    win.select_grids([])
    win.edit_tools.act_households.trigger()
    assert "请先选择" in win.statusBar().currentMessage()
