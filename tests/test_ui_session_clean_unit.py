"""A scripted session: a clean (ungridded) 小区 unit of the demo becomes fully covered and
error-free using only the GUI tools — draw, split, fill gap — driven by mouse and keys; then
``mapedit check PROJECT --json`` reports no error for that unit."""
# ruff: noqa: F811 - pytest fixtures imported from the support module are used as arguments

from __future__ import annotations

import json
import math

import shapely
from test_ui_tools_support import (
    SHIFT,
    click,
    double_click,
    errors_of_unit,
    use_tool,
    window,
    zoom_to,
)

assert window  # fixture


def _safe_lines(unit, buildings, clearance: float = 3.0):
    """Two straight lines across the unit that pass between buildings (none within
    ``clearance``), where a clerk would put grid boundaries: ``(far share, direction,
    normal, segment inside the unit)`` with the far share (unit area on the normal's side)
    about 0.7 for the first and 0.35 for the second."""
    c = unit.geometry.centroid
    x0, y0, x1, y1 = unit.geometry.bounds
    reach = math.hypot(x1 - x0, y1 - y0)
    blds = shapely.STRtree(buildings)
    total = unit.geometry.area
    for deg in (9.0, 99.0, *range(0, 180, 9)):
        a = math.radians(deg)
        d = (math.cos(a), math.sin(a))
        nrm = (-d[1], d[0])
        found = []
        for k in range(-int(reach / 2), int(reach / 2)):
            ox, oy = c.x + nrm[0] * k, c.y + nrm[1] * k
            line = shapely.LineString([(ox - d[0] * reach, oy - d[1] * reach),
                                       (ox + d[0] * reach, oy + d[1] * reach)])
            inside = line.intersection(unit.geometry)
            if inside.geom_type != "LineString" or inside.length < 50:
                continue
            if len(blds.query(line, predicate="dwithin", distance=clearance)):
                continue
            half = shapely.Polygon([line.coords[0], line.coords[1],
                                    (line.coords[1][0] + nrm[0] * reach,
                                     line.coords[1][1] + nrm[1] * reach),
                                    (line.coords[0][0] + nrm[0] * reach,
                                     line.coords[0][1] + nrm[1] * reach)])
            share = unit.geometry.intersection(half).area / total
            if 0.15 < share < 0.85:
                found.append((share, d, nrm, inside))
        if found:
            first = min(found, key=lambda t: abs(t[0] - 0.7))
            second = min(found, key=lambda t: abs(t[0] - 0.35))
            if first[0] - second[0] > 0.15:
                return first, second
    raise AssertionError("no lines between buildings")


def test_clean_unit_to_error_free_by_draw_split_fill(qtbot, window, demo_path, monkeypatch,
                                                     capsys):
    from mapedit.cli import main

    win, project = window, window.project
    ds = project.dataset
    bl = ds.base("buildings")
    for unit in (u for u in ds.units.values() if not ds.grids_of_unit(u.code)
                 and u.unit_type in ("小区", "街面")
                 and u.geometry.area > 0.98 * u.geometry.convex_hull.area):
        buildings = [g for g in bl.geometries if g.intersects(unit.geometry)]
        try:
            l2, l1 = _safe_lines(unit, buildings)
            break
        except AssertionError:
            continue
    else:
        raise AssertionError("no clean unit with room for straight grid boundaries")
    zoom_to(win, unit.geometry, 0.08)

    # 1. Draw: everything of the unit on the far side of line 2 (start on line 2 inside).
    _, d, nrm, seg2 = l2
    (ax, ay), (bx, by) = shapely.get_coordinates(seg2)[[0, -1]]
    ux0, uy0, ux1, uy1 = unit.geometry.bounds
    far = math.hypot(ux1 - ux0, uy1 - uy0) + 20
    out = far  # the drawn shape is a whole half-plane as far as the unit is concerned
    start = seg2.interpolate(0.5, normalized=True)
    a_out = (ax - (bx - ax) / seg2.length * out, ay - (by - ay) / seg2.length * out)
    b_out = (bx + (bx - ax) / seg2.length * out, by + (by - ay) / seg2.length * out)
    pts = [(start.x, start.y), b_out,
           (b_out[0] + nrm[0] * far, b_out[1] + nrm[1] * far),
           (a_out[0] + nrm[0] * far, a_out[1] + nrm[1] * far), a_out]
    zoom_to(win, shapely.MultiPoint(pts[:2] + pts[-1:]).buffer(10).union(unit.geometry), 0.02)
    use_tool(win, "draw")
    for x, y in pts[:-1]:
        click(qtbot, win, x, y, SHIFT)
    double_click(qtbot, win, *pts[-1], SHIFT)
    grids = ds.grids_of_unit(unit.code)
    assert len(grids) == 1, win.statusBar().currentMessage()
    assert abs(grids[0].geometry.area / unit.geometry.area - l2[0]) < 0.01  # pixel rounding

    # 2. Split the drawn grid along line 1.
    zoom_to(win, unit.geometry, 0.08)
    seg1 = l1[3]
    (cx, cy), (ex, ey) = shapely.get_coordinates(seg1)[[0, -1]]
    n1 = seg1.length
    p_from = (cx - (ex - cx) / n1 * 1.5, cy - (ey - cy) / n1 * 1.5)
    p_to = (ex + (ex - cx) / n1 * 1.5, ey + (ey - cy) / n1 * 1.5)
    use_tool(win, "split")
    click(qtbot, win, *p_from, SHIFT)
    double_click(qtbot, win, *p_to, SHIFT)
    assert len(ds.grids_of_unit(unit.code)) == 2, win.statusBar().currentMessage()

    # 3. Fill the rest of the unit (the near side of line 2) as a new grid.
    use_tool(win, "fill_gap")
    monkeypatch.setattr(win.edit_tools.fill_gap, "choose",
                        lambda choices, pos=None: choices[0])  # 新建微网格
    probe = shapely.Point(start.x - nrm[0] * 5, start.y - nrm[1] * 5)
    if not unit.geometry.contains(probe):
        probe = unit.geometry.difference(shapely.union_all(
            [g.geometry for g in ds.grids_of_unit(unit.code)])).representative_point()
    click(qtbot, win, probe.x, probe.y)
    grids = ds.grids_of_unit(unit.code)
    assert len(grids) == 3, win.statusBar().currentMessage()
    covered = shapely.union_all([g.geometry for g in grids])
    assert unit.geometry.symmetric_difference(covered).area < 0.01

    # The live checker and `mapedit check --json` agree: no error for this unit.
    assert not errors_of_unit(project, unit.code), [f.message_zh for f in
                                                    errors_of_unit(project, unit.code)]
    assert {g.code for g in grids} == {f"{unit.code}{i:03d}" for i in (1, 2, 3)}
    win.undo_stack.setClean()
    capsys.readouterr()
    main(["check", str(demo_path), "--json"])
    report = json.loads(capsys.readouterr().out)
    mine = [f for f in report["findings"] if f["unit"] == unit.code
            and f["severity"] == "error" and not f.get("accepted")]
    assert mine == [], mine
