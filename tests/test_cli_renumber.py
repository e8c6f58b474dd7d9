"""``mapedit renumber``: codes in reading order (north→south, west→east), one transaction."""

from __future__ import annotations

from mapedit.cli import main
from mapedit.demo import generate
from mapedit.model.changes import ChangeSet, GridChange
from mapedit.model.codes import number_grids
from mapedit.project import Project


def test_renumber_restores_reading_order(tmp_path, capsys) -> None:
    path = tmp_path / "重新 编号.gpkg"
    with Project.create(path, generate()) as project:
        ds = project.dataset
        code = next(c for c in ds.units if len(ds.grids_of_unit(c)) >= 3)
        a, b = sorted(ds.grids_of_unit(code), key=lambda g: g.code)[:2]
        project.apply(ChangeSet("交换编号", "swap codes", [
            GridChange(a, a.replace(code=b.code)), GridChange(b, b.replace(code=a.code))]))
    assert main(["renumber", str(path), code]) == 0
    assert "2" in capsys.readouterr().out
    with Project.open(path) as project:
        grids = project.dataset.grids_of_unit(code)
        assert [g.code for g in grids] == number_grids(code, [g.geometry for g in grids])
        log = project.store.edit_log(limit=5)
        assert log and "renumber" in str(log[0])
    assert main(["renumber", str(path)]) == 0
    assert "未改动" in capsys.readouterr().out


def test_renumber_unknown_unit_exit_2(tmp_path, capsys) -> None:
    path = tmp_path / "p.gpkg"
    Project.create(path, generate()).close()
    before = path.read_bytes()
    assert main(["renumber", str(path), "310118999999"]) == 2
    err = capsys.readouterr().err
    assert "没有管理单元" in err and "no unit" in err
    assert path.read_bytes() == before
