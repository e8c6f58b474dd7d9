"""Difference against an earlier export folder."""

from __future__ import annotations

import shapely
from shapely import affinity

from mapedit.model.changes import ChangeSet, GridChange
from mapedit.reports.diff import diff_export, diff_layer


def _export(project, folder):
    from mapedit.io.exchange import write_exchange

    write_exchange(project.dataset, folder, "wgs84", [])


def test_diff_finds_added_removed_and_changed(demo_project, tmp_path):
    ds = demo_project.dataset
    _export(demo_project, tmp_path / "earlier")
    assert diff_export(ds, tmp_path / "earlier").deltas == []  # a round trip is no change

    unit = "310118005038"
    gs = sorted(ds.grids_of_unit(unit), key=lambda g: g.code)
    renamed, moved, tiny, deleted = gs[0], gs[1], gs[2], gs[3]
    shifted = affinity.translate(moved.geometry, 0.8, 0)  # 0.8 m: beyond the precision
    nudged = affinity.translate(tiny.geometry, 0.004, 0)  # 4 mm: rounding noise
    new = deleted.replace(fid=None, code=unit + "999", name="新增微网格")
    demo_project.apply(ChangeSet("改", "edit", [
        GridChange(renamed, renamed.replace(name="改名了", households=123)),
        GridChange(moved, moved.replace(geometry=shifted)),
        GridChange(tiny, tiny.replace(geometry=nudged)),
        GridChange(deleted, None),
        GridChange(None, new),
    ]), allow_invalid=True)
    diff = diff_export(ds, tmp_path / "earlier")
    assert [d.code for d in diff.of("added")] == [new.code]
    assert [d.code for d in diff.of("removed")] == [deleted.code]
    changed = {d.code: d for d in diff.of("changed")}
    assert set(changed) == {renamed.code, moved.code}
    assert changed[renamed.code].fields == ["名称", "户数"]
    assert changed[moved.code].fields == ["几何"]
    assert 0.7 < changed[moved.code].moved_m < 0.9
    assert diff.unchanged == len(ds.grids) - 3
    text = diff.text()
    for code in (new.code, deleted.code, renamed.code, moved.code):
        assert code in text
    assert tiny.code not in text

    layer = diff_layer(diff)
    assert layer.options["temporary"] and layer.kind == "vector" and layer.role == "other"
    # added/changed now + removed/moved before
    assert len(layer.data) == 5
    assert all(shapely.is_valid(g) for g in layer.data.geometries)


def test_cli_diff_prints_codes(demo_path, tmp_path):
    from mapedit.cli import main
    from mapedit.project import Project

    assert main(["export", str(demo_path), str(tmp_path / "e"), "--force"]) == 0
    with Project.open(demo_path) as p:
        g = next(iter(p.dataset.grids.values()))
        p.apply(ChangeSet("改", "edit", [GridChange(g, g.replace(category=g.category,
                                                                   population=1))]))
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main(["diff", str(demo_path), str(tmp_path / "e"), "--csv",
                     str(tmp_path / "d.csv")]) == 0
    assert g.code in buf.getvalue()
    assert (tmp_path / "d.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert g.code in (tmp_path / "d.csv").read_text(encoding="utf-8-sig")
    assert main(["diff", str(demo_path), str(tmp_path / "nothing")]) == 2


def test_diff_layer_is_shown_but_never_stored(demo_path, tmp_path):
    from mapedit.project import Project

    with Project.open(demo_path) as p:
        _export(p, tmp_path / "e")
        g = next(iter(p.dataset.grids.values()))
        p.apply(ChangeSet("改", "edit", [GridChange(g, g.replace(name="改"))]))
        layer = diff_layer(diff_export(p.dataset, tmp_path / "e"))
        p.dataset.layers.insert(layer)
        assert "diff_export" in p.dataset.layers
        assert all(s["id"] != "diff_export" for s in p.dataset.layers.settings())
        p.dataset.layers.set_visible("diff_export", False)  # view changes are not stored either
        p.dataset.layers.remove("diff_export")
    with Project.open(demo_path) as p:
        assert "diff_export" not in p.dataset.layers
