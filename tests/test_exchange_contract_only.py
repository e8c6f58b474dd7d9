"""Our extensions of the exchange contract (``../shared/spec/exchange.md``: "the project may add
fields; it must not break these") are optional on the way in: files the platform writes, with
the contract's properties only — or only the required ones — are read by ``new``, ``import``
and ``check`` as well as our own exports are, and importing them keeps what only we hold
(notes, staffing, where households came from)."""

from __future__ import annotations

import json
from pathlib import Path

from mapedit.cli import main
from mapedit.project import Project

UNIT_CONTRACT = {"code", "name", "unit_type", "responsibility_grid", "street"}
GRID_CONTRACT = {"code", "name", "category", "unit_code", "departments", "households",
                 "population", "four_bounds", "area_m2"}
UNIT_REQUIRED = {"code", "name", "unit_type"}
GRID_REQUIRED = {"code", "name", "category", "households"}


def _strip(src: Path, dst: Path, keep: set[str]) -> Path:
    data = json.loads(src.read_text(encoding="utf-8"))
    out = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": f["geometry"],
         "properties": {k: v for k, v in f["properties"].items() if k in keep}}
        for f in data["features"]]}
    dst.write_text(json.dumps(out, ensure_ascii=False), encoding="utf-8")
    return dst


def _export(demo_path: Path, out: Path) -> None:
    assert main(["export", str(demo_path), str(out), "--force"]) == 0
    grids = json.loads((out / "grids.geojson").read_text(encoding="utf-8"))
    units = json.loads((out / "units.geojson").read_text(encoding="utf-8"))
    extra_g = set().union(*(f["properties"] for f in grids["features"])) - GRID_CONTRACT
    extra_u = set().union(*(f["properties"] for f in units["features"])) - UNIT_CONTRACT
    # what this test strips: the extensions the README lists
    assert {"notes", "created", "updated"} <= extra_g
    assert extra_u <= {"responsibility_grid_name", "committee", "area_m2"}


def test_contract_only_files_make_a_project(demo_path, tmp_path, capsys):
    full = tmp_path / "full"
    _export(demo_path, full)
    with Project.open(demo_path) as demo:
        n_units, n_grids = len(demo.dataset.units), len(demo.dataset.grids)
    for name, ukeep, gkeep in (("contract", UNIT_CONTRACT, GRID_CONTRACT),
                               ("required", UNIT_REQUIRED, GRID_REQUIRED)):
        units = _strip(full / "units.geojson", tmp_path / f"{name}_units.geojson", ukeep)
        grids = _strip(full / "grids.geojson", tmp_path / f"{name}_grids.geojson", gkeep)
        assert main(["check", "--units", str(units), "--grids", str(grids), "--json"]) in (0, 1)
        project = tmp_path / f"{name}.gpkg"
        assert main(["new", str(project), "--units", str(units), "--grids", str(grids)]) == 0, \
            capsys.readouterr().err
        with Project.open(project) as p:
            assert len(p.dataset.units) == n_units and len(p.dataset.grids) == n_grids
            assert all(g.departments for g in p.dataset.grids.values())  # filled by default
    capsys.readouterr()


def test_a_platform_import_keeps_what_only_we_hold(demo_path, tmp_path, capsys):
    from mapedit.model.changes import FROM_BUILDINGS, edit_attributes

    with Project.open(demo_path) as p:
        g = next(g for g in sorted(p.dataset.grids.values(), key=lambda g: g.fid)
                 if g.households is not None and not p.dataset.units[g.unit_code].locked)
        g = p.apply(edit_attributes(g, notes="东门岗亭归本格")).changes[0].after
        p.apply(edit_attributes(g, FROM_BUILDINGS, households=g.households))
        g = p.dataset.grids[g.fid]
        g2 = g.replace(grid_leader="张三", grid_staff="李四", contact_phone="021-5988")
        from mapedit.model.changes import ChangeSet, GridChange

        p.apply(ChangeSet("人员", "staffing", [GridChange(g, g2)]))
    full = tmp_path / "full"
    _export(demo_path, full)
    plain = _strip(full / "grids.geojson", tmp_path / "platform_grids.geojson", GRID_CONTRACT)
    assert main(["import", str(demo_path), str(plain)]) in (0, 1), capsys.readouterr().err
    with Project.open(demo_path) as p:
        after = p.dataset.grids[g.fid]
        assert after.notes == "东门岗亭归本格"
        assert (after.grid_leader, after.grid_staff, after.contact_phone) == \
            ("张三", "李四", "021-5988")
        assert after.households == g.households
        assert after.households_source == "buildings"  # the platform repeated our count
