"""``new`` / ``import`` / ``export`` / ``check`` at the edges: one bilingual line for every
refusal, names and fields in the messages, nothing written before everything is validated,
no silent overwrite, and an export that reuses a current check summary."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest

from mapedit.cli import main

DATA = Path(__file__).parent / "data"
LON, LAT = 121.1, 31.1
U = "310118005001"


def one_line(err: str) -> str:
    """Exactly one non-empty line on stderr, bilingual, no traceback."""
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert re.search(r"[\u4e00-\u9fff]", lines[0]) and " / error: " in lines[0], lines[0]
    assert "Traceback" not in err and "内部错误" not in err
    return lines[0]


def fc(path: Path, features: list[dict], encoding: str = "utf-8") -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features},
                               ensure_ascii=False), encoding=encoding)
    return path


def ring(x0=LON, y0=LAT, dx=0.002, dy=0.002) -> list:
    return [[x0, y0], [x0 + dx, y0], [x0 + dx, y0 + dy], [x0, y0 + dy], [x0, y0]]


def unit(code=U, name="夏阳湖居委", unit_type="小区", coords=None) -> dict:
    props = {"code": code, "name": name}
    if unit_type is not None:
        props["unit_type"] = unit_type
    return {"type": "Feature", "properties": props,
            "geometry": {"type": "Polygon", "coordinates": [coords or ring()]}}


def grid(code=U + "001", coords=None, **props) -> dict:
    p = {"code": code, "name": "1号微网格", "category": "小区", "unit_code": U,
         "households": 400} | props
    return {"type": "Feature", "properties": p,
            "geometry": {"type": "Polygon", "coordinates": [coords or ring(dx=0.001)]}}


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    path = tmp_path / "项目.gpkg"
    assert main(["new", str(path), "--units", str(fc(tmp_path / "u.geojson", [unit()])),
                 "--grids", str(fc(tmp_path / "g.geojson", [
                     grid(), grid(U + "002", ring(LON + 0.001, dx=0.001))]))]) == 0
    return path


# -- new: self-intersecting unit, unit types, validation before writing ---------------------
def test_new_names_a_self_intersecting_unit(tmp_path: Path, capsys) -> None:
    bow = [[LON, LAT], [LON + 0.002, LAT + 0.002], [LON + 0.002, LAT], [LON, LAT + 0.002],
           [LON, LAT]]
    units = fc(tmp_path / "u.geojson", [unit(), unit(U[:-1] + "2", "塘郁村", "农村", bow)])
    out = tmp_path / "新.gpkg"
    assert main(["new", str(out), "--units", str(units)]) == 2
    line = one_line(capsys.readouterr().err)
    assert "TopologyException" not in line
    assert "310118005002" in line and "“塘郁村”的边界无效:边界自相交" in line
    assert "塘郁村: invalid boundary: Self-intersection at 121.101" in line
    assert not out.exists()


def test_dataset_from_units_refuses_invalid_units_by_name() -> None:
    """The GUI's 文件 → 新建 builds the dataset the same way."""
    from shapely.geometry import Polygon

    from mapedit.errors import InputError
    from mapedit.model.hierarchy import Unit
    from mapedit.project import dataset_from_units

    bow = Polygon([(0, 0), (10, 10), (10, 0), (0, 10)])
    with pytest.raises(InputError) as exc:
        dataset_from_units([Unit(U, "夏阳湖居委", "小区", bow)], "EPSG:4549")
    assert f"{U}(夏阳湖居委)" in exc.value.zh and "Self-intersection" in exc.value.en


@pytest.mark.parametrize("unit_type", [None, "住宅"])
def test_unit_type_message_lists_the_values(tmp_path: Path, capsys, unit_type) -> None:
    units = fc(tmp_path / "u.geojson", [unit(unit_type=unit_type)])
    assert main(["new", str(tmp_path / "x.gpkg"), "--units", str(units)]) == 2
    line = one_line(capsys.readouterr().err)
    assert "小区、农村、街面、农场" in line and "小区, 农村, 街面, 农场" in line


def test_new_help_lists_unit_types(capsys) -> None:
    assert main(["new", "--help"]) == 0
    out = capsys.readouterr().out
    for t in ("小区", "农村", "街面", "农场", "unit_type"):
        assert t in out


def test_huge_households_is_a_field_message(tmp_path: Path, project: Path, capsys) -> None:
    bad = fc(tmp_path / "g2.geojson", [grid(U + "003", households=1e30)])
    assert main(["import", str(project), str(bad)]) == 2
    line = one_line(capsys.readouterr().err)
    assert "households" in line and "1e+30" in line and "internal" not in line
    huge_text = fc(tmp_path / "g3.geojson", [grid(U + "003", population="1e30")])
    assert main(["import", str(project), str(huge_text)]) == 2
    assert "population" in one_line(capsys.readouterr().err)


def test_string_coordinates_refused_on_import(tmp_path: Path, project: Path, capsys) -> None:
    coords = [[str(x), str(y)] for x, y in ring(dx=0.001)]
    bad = fc(tmp_path / "g2.geojson", [grid(U + "003", coords=coords)])
    assert main(["import", str(project), str(bad)]) == 2
    assert "coordinates must be numbers" in one_line(capsys.readouterr().err)


def test_new_validates_grids_before_writing(tmp_path: Path, capsys) -> None:
    """A grid too dense even after thinning is refused before the project file exists."""
    import numpy as np

    rng = np.random.default_rng(1)
    angles = np.linspace(0, 2 * np.pi, 20_001)[:-1]
    radius = 0.0004 * (1 + 0.05 * rng.random(len(angles)))
    pts = np.column_stack([LON + 0.001 + radius * np.cos(angles),
                           LAT + 0.001 + radius * np.sin(angles)]).tolist()
    grids = fc(tmp_path / "g.geojson", [grid(coords=[*pts, pts[0]])])
    out = tmp_path / "新.gpkg"
    assert main(["new", str(out), "--units", str(fc(tmp_path / "u.geojson", [unit()])),
                 "--grids", str(grids)]) == 2
    assert "vertices" in one_line(capsys.readouterr().err)
    assert not out.exists()


def test_dense_collinear_grid_is_thinned_for_every_command(tmp_path: Path, capsys) -> None:
    """200,000 collinear vertices on one edge: new, check and import all take the thinned
    grid (the checker then sees 5 vertices, not 200,000)."""
    n = 200_000
    edge = [[LON + 0.001, LAT + 0.002 * i / n] for i in range(n + 1)]
    dense = [[LON, LAT], *edge, [LON, LAT + 0.002], [LON, LAT]]
    grids = fc(tmp_path / "g.geojson", [grid(coords=dense),
                                          grid(U + "002", ring(LON + 0.001, dx=0.001))])
    units = fc(tmp_path / "u.geojson", [unit()])
    out = tmp_path / "p.gpkg"
    assert main(["new", str(out), "--units", str(units), "--grids", str(grids)]) == 0
    err = capsys.readouterr().err
    assert "removed 199,99" in err
    from mapedit.project import Project

    with Project.open(out) as p:
        assert max(len(g.geometry.exterior.coords) for g in p.dataset.grids.values()) <= 5
        assert p.summary()["errors"] == 0
    assert main(["check", "--units", str(units), "--grids", str(grids), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["summary"]["errors"] == 0
    assert main(["import", str(out), str(grids)]) == 0


# -- one line on stderr ---------------------------------------------------------------------
def test_warnings_do_not_come_before_a_refusal(tmp_path: Path, capsys) -> None:
    """A GB18030 units file (a note) with a bad grids file: only the refusal is printed."""
    units = fc(tmp_path / "u.geojson", [unit()], encoding="gb18030")
    grids = fc(tmp_path / "g.geojson", [grid(name="")])
    assert main(["new", str(tmp_path / "x.gpkg"), "--units", str(units),
                 "--grids", str(grids)]) == 2
    cap = capsys.readouterr()
    assert "GB18030" not in cap.err
    assert "name missing" in one_line(cap.err)


def test_details_flag_lists_every_problem(tmp_path: Path, project: Path, capsys) -> None:
    bad = fc(tmp_path / "g2.geojson", [grid(f"{U}{k:03d}", name="") for k in range(3, 11)])
    assert main(["import", str(project), str(bad)]) == 2
    line = one_line(capsys.readouterr().err)
    assert "8 problems in all" in line
    assert main(["import", str(project), str(bad), "--details"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 9 and err[0] == line and all("name missing" in e for e in err[1:])


def test_bad_command_line_is_one_line(capsys) -> None:
    assert main(["export"]) == 2
    line = one_line(capsys.readouterr().err)
    assert "--help" in line
    assert main(["check", "--nope"]) == 2
    one_line(capsys.readouterr().err)


# -- export: --force, existing files, reuse of the check summary ----------------------------
def test_export_does_not_overwrite_without_force(tmp_path: Path, project: Path,
                                                 capsys) -> None:
    from mapedit.io.exchange import existing_export_files

    out = tmp_path / "导出"
    assert main(["export", str(project), str(out)]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert [p.name for p in existing_export_files(out)] == ["units.geojson", "grids.geojson"]
    capsys.readouterr()
    assert main(["export", str(project), str(out), "--coords", "gcj02"]) == 2
    line = one_line(capsys.readouterr().err)
    assert "--force" in line and "units.geojson" in line
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert main(["export", str(project), str(out), "--coords", "gcj02", "--force"]) == 0
    assert {p.name: p.read_bytes() for p in out.iterdir()} != before
    assert existing_export_files(tmp_path / "nowhere") == []


def _no_check(monkeypatch) -> None:
    import mapedit.rules.engine as engine

    def refuse(*a, **k):
        raise AssertionError("the checker ran")

    monkeypatch.setattr(engine.Checker, "run_full", refuse)


def test_export_reuses_a_current_check_summary(tmp_path: Path, project: Path, capsys,
                                               monkeypatch) -> None:
    assert main(["check", str(project)]) == 0  # stores the summary
    capsys.readouterr()
    _no_check(monkeypatch)
    assert main(["export", str(project), str(tmp_path / "a")]) == 0
    out = capsys.readouterr().out
    assert "2 个微网格,0 个错误" in out


def test_stored_summary_is_stale_after_any_write(tmp_path: Path, project: Path, capsys,
                                                 monkeypatch) -> None:
    """Another program writing to the file (QGIS editing a row) makes the summary stale."""
    from mapedit.io.gpkg import GpkgStore
    from mapedit.project import stored_check_summary

    assert main(["check", str(project)]) == 0
    with GpkgStore.open(project) as store:
        assert stored_check_summary(store) is not None
    from mapedit.io.gpkg_geom import register_sql_functions

    conn = sqlite3.connect(project)  # as QGIS would: plain SQLite with the GeoPackage functions
    register_sql_functions(conn)
    with conn:
        conn.execute("UPDATE micro_grids SET name='QGIS 改名' WHERE fid=1")
    conn.close()
    with GpkgStore.open(project) as store:
        assert stored_check_summary(store) is None
    ran = []
    import mapedit.rules.engine as engine

    real = engine.Checker.run_full
    monkeypatch.setattr(engine.Checker, "run_full",
                        lambda self, *a, **k: ran.append(1) or real(self, *a, **k))
    assert main(["export", str(project), str(tmp_path / "b")]) == 0
    assert ran  # checked again, and stored for next time
    with GpkgStore.open(project) as store:
        assert stored_check_summary(store) is not None


def test_stored_summary_follows_edits(tmp_path: Path, project: Path, capsys) -> None:
    from mapedit.io.gpkg import GpkgStore
    from mapedit.project import stored_check_summary

    overlap = fc(tmp_path / "g2.geojson", [grid(U + "003", ring(LON + 0.0005, dx=0.001))])
    assert main(["check", str(project)]) == 0
    assert main(["import", str(project), str(overlap)]) == 0  # stores the new summary
    with GpkgStore.open(project) as store:
        assert stored_check_summary(store)["errors"] > 0


def test_lone_surrogate_escape_in_a_name(tmp_path: Path, project: Path, capsys) -> None:
    """``"\\ud800"`` is valid JSON but no file can store it: replaced, with a message."""
    path = tmp_path / "g2.geojson"
    text = json.dumps({"type": "FeatureCollection", "features": [grid(U + "003",
                                                                      name="坏\ud800名")]})
    path.write_text(text, encoding="ascii")  # json.dumps escapes it as \ud800
    assert main(["import", str(project), str(path)]) == 0
    assert "invalid characters" in capsys.readouterr().err
    from mapedit.project import Project

    with Project.open(project) as p:
        names = {g.code: g.name for g in p.dataset.grids.values()}
    assert names[U + "003"].startswith("坏") and "\ud800" not in names[U + "003"]
