"""The staffing fields (网格长, 专职网格员, 联系电话) as optional exchange properties."""

from __future__ import annotations

import json

from mapedit.io.exchange import read_grids, write_exchange
from mapedit.model.changes import ChangeSet, GridChange
from mapedit.project import import_grids_changeset


def test_staffing_is_exported_read_back_and_kept_by_a_plain_import(demo_project, tmp_path):
    ds = demo_project.dataset
    g = sorted(ds.grids.values(), key=lambda g: g.code)[0]
    demo_project.apply(ChangeSet("人员", "staff", [GridChange(g, g.replace(
        grid_leader="王芳", grid_staff="李强、赵敏", contact_phone="021-59881234"))]))
    write_exchange(ds, tmp_path / "e")
    feats = json.loads((tmp_path / "e" / "grids.geojson").read_text(encoding="utf-8"))["features"]
    props = {f["properties"]["code"]: f["properties"] for f in feats}
    assert props[g.code]["grid_leader"] == "王芳"
    assert props[g.code]["contact_phone"] == "021-59881234"
    other = next(c for c in props if c != g.code)
    assert "grid_leader" not in props[other]  # optional: only where filled in
    grids, _msgs = read_grids(tmp_path / "e" / "grids.geojson", ds.crs, list(ds.units.values()))
    back = next(x for x in grids if x.code == g.code)
    assert (back.grid_leader, back.grid_staff, back.contact_phone) == (
        "王芳", "李强、赵敏", "021-59881234")
    # the platform sends the grids back without our extension: the staffing stays
    data = json.loads((tmp_path / "e" / "grids.geojson").read_text(encoding="utf-8"))
    for f in data["features"]:
        for k in ("grid_leader", "grid_staff", "contact_phone"):
            f["properties"].pop(k, None)
        f["properties"]["name"] += "(平台)"
    plain = tmp_path / "platform.geojson"
    plain.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    cs, _m, _a, _u = import_grids_changeset(demo_project, plain)
    demo_project.apply(cs, allow_invalid=True)
    now = next(x for x in ds.grids.values() if x.code == g.code)
    assert now.name.endswith("(平台)") and now.grid_leader == "王芳"
