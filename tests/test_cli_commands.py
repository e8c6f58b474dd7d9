"""The ``mapedit`` commands through ``main([...])``: exit statuses 0/1/2, one bilingual error
line, nothing half-written, Chinese paths with spaces."""

from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path

import pytest
from shapely.geometry import box

from mapedit import __version__
from mapedit.cli import main
from mapedit.io.crs import from_wgs84, metric_crs_for
from mapedit.model.dataset import Dataset
from mapedit.model.hierarchy import MicroGrid, Street, Unit

DATA = Path(__file__).parent / "data"
LON, LAT = 121.1, 31.1
CRS = metric_crs_for(LON, LAT)
U = "310118005001"


def tiny_dataset(overlap: bool = False) -> Dataset:
    """One 小区 unit split into two grids (optionally overlapping by ~10 m)."""
    m = lambda g: from_wgs84(g, CRS)  # noqa: E731
    unit = Unit(U, "夏阳湖居委", "小区", m(box(LON, LAT, LON + 0.002, LAT + 0.002)),
                responsibility_grid="RG1", street="夏阳街道")
    east_x = LON + 0.001 - (0.0001 if overlap else 0.0)
    grids = [
        MicroGrid(U + "001", "夏阳湖1号微网格", "小区", m(box(LON, LAT, LON + 0.001, LAT + 0.002)),
                  U, ["自治办", "城建中心", "各居"], 400, 1200, fid=1),
        MicroGrid(U + "002", "夏阳湖2号微网格", "小区", m(box(east_x, LAT, LON + 0.002, LAT + 0.002)),
                  U, ["自治办", "城建中心", "各居"], 380, 1100, fid=2),
    ]
    return Dataset(crs=CRS, street=Street("310118005", "夏阳街道"), units={U: unit},
                   grids={g.fid: g for g in grids})


@pytest.fixture()
def project_path(tmp_path: Path) -> Path:
    from mapedit.project import Project

    path = tmp_path / "夏阳 街道" / "项目 1.gpkg"
    path.parent.mkdir()
    Project.create(path, tiny_dataset()).close()
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def one_bilingual_error(err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert lines, "an error message is expected on stderr"
    first = lines[-1] if lines[0].startswith("usage:") else lines[0]
    assert "Traceback" not in err
    assert re.search(r"[\u4e00-\u9fff]", first) and " / error: " in first, first
    return first


def write_fc(path: Path, features: list[dict]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features},
                               ensure_ascii=False), encoding="utf-8")
    return path


def grid_feature(code: str, x0: float, x1: float, **props) -> dict:
    p = {"code": code, "name": f"{code[-3:]}号微网格", "category": "小区", "unit_code": U,
         "households": 400} | props
    return {"type": "Feature", "properties": p, "geometry": {"type": "Polygon", "coordinates": [[
        [x0, LAT], [x1, LAT], [x1, LAT + 0.002], [x0, LAT + 0.002], [x0, LAT]]]}}


# -- basics ---------------------------------------------------------------------------------
def test_version(capsys) -> None:
    assert main(["--version"]) == 0
    assert __version__ in capsys.readouterr().out


def test_help(capsys) -> None:
    assert main(["-h"]) == 0
    assert "check" in capsys.readouterr().out


def test_bad_usage_is_status_2(capsys) -> None:
    assert main(["export"]) == 2
    one_bilingual_error(capsys.readouterr().err)
    assert main(["check", "--units", str(DATA / "units.geojson")]) == 2
    one_bilingual_error(capsys.readouterr().err)


def test_editor_without_gui(monkeypatch, capsys, project_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "mapedit.ui.app", None)  # import fails
    assert main([str(project_path)]) == 0
    assert str(project_path) in capsys.readouterr().out
    assert main([]) == 0
    assert main([str(project_path.parent / "nope.gpkg")]) == 2
    one_bilingual_error(capsys.readouterr().err)


def test_editor_calls_ui(monkeypatch, project_path: Path) -> None:
    import types

    seen = []
    fake = types.ModuleType("mapedit.ui.app")
    fake.main = lambda path: seen.append(path) or 0
    monkeypatch.setitem(sys.modules, "mapedit.ui.app", fake)
    assert main([str(project_path)]) == 0
    assert seen == [str(project_path)]


# -- info -----------------------------------------------------------------------------------
def test_info(capsys, project_path: Path, monkeypatch) -> None:
    import mapedit.rules.engine as engine

    def no_checker(*a, **k):
        raise AssertionError("info must not run the checker")

    monkeypatch.setattr(engine.Checker, "run_full", no_checker)
    assert main(["info", str(project_path)]) == 0
    out = capsys.readouterr().out
    assert "micro_grids: 2" in out and "units: 1" in out
    assert CRS in out and "夏阳街道" in out and "小区 1" in out


def test_info_not_a_project(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "不是 项目.gpkg"
    bad.write_text("hello", encoding="utf-8")
    assert main(["info", str(bad)]) == 2
    one_bilingual_error(capsys.readouterr().err)
    assert main(["info", str(tmp_path / "missing.gpkg")]) == 2
    one_bilingual_error(capsys.readouterr().err)


# -- new ------------------------------------------------------------------------------------
def test_new_from_exchange_files(tmp_path: Path, capsys) -> None:
    out = tmp_path / "新 项目" / "夏阳 1.gpkg"
    out.parent.mkdir()
    assert main(["new", str(out), "--units", str(DATA / "units.geojson"),
                 "--grids", str(DATA / "four_grids_overlap.geojson"), "--street", "夏阳街道"]) == 0
    assert "4" in capsys.readouterr().out
    from mapedit.project import Project

    with Project.open(out) as p:
        assert len(p.dataset.grids) == 4 and p.dataset.street.name == "夏阳街道"
        assert p.dataset.crs == CRS
        assert p.summary()["errors"] == 1  # the deliberate overlap


def test_new_refuses_existing_and_bad_units(tmp_path: Path, project_path: Path, capsys) -> None:
    before = digest(project_path)
    assert main(["new", str(project_path), "--units", str(DATA / "units.geojson")]) == 2
    one_bilingual_error(capsys.readouterr().err)
    assert digest(project_path) == before
    bad = tmp_path / "units.geojson"
    bad.write_text("{oops", encoding="utf-8")
    out = tmp_path / "x.gpkg"
    assert main(["new", str(out), "--units", str(bad)]) == 2
    assert "JSON" in one_bilingual_error(capsys.readouterr().err)
    assert not out.exists()
    assert main(["new", str(project_path), "--units", str(DATA / "units.geojson"),
                 "--force"]) == 0


# -- export ---------------------------------------------------------------------------------
def test_export(tmp_path: Path, project_path: Path, capsys) -> None:
    out_dir = tmp_path / "导出 文件"
    assert main(["export", str(project_path), str(out_dir)]) == 0
    cap = capsys.readouterr()
    assert "0 个错误" in cap.out or "0 errors" in cap.out
    data = json.loads((out_dir / "grids.geojson").read_text(encoding="utf-8"))
    assert [f["properties"]["code"] for f in data["features"]] == [U + "001", U + "002"]
    assert sorted(p.name for p in out_dir.iterdir()) == ["grids.geojson", "manifest.json",
                                                         "units.geojson"]


def test_export_with_errors_needs_force_and_the_manifest_says_so(tmp_path: Path,
                                                                 capsys) -> None:
    from mapedit.project import Project

    path = tmp_path / "p.gpkg"
    Project.create(path, tiny_dataset(overlap=True)).close()
    out = tmp_path / "out"
    # issue 13: the check summary comes first; errors need an explicit confirmation
    assert main(["export", str(path), str(out), "--coords", "gcj02"]) == 1
    cap = capsys.readouterr()
    assert "1 个错误" in cap.out and "--force" in cap.err
    assert not out.exists()
    assert main(["export", str(path), str(out), "--coords", "gcj02", "--force"]) == 0
    cap = capsys.readouterr()
    assert "warning" in cap.err and "警告" in cap.err
    data = json.loads((out / "grids.geojson").read_text(encoding="utf-8"))
    assert data["coordinate_system"] == "gcj02"
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["check"]["errors"] == 1 and manifest["check"]["forced"] is True
    assert manifest["coordinate_system"] == "gcj02"
    from mapedit.reports.platform_export import verify_manifest

    assert verify_manifest(out) == []


def test_export_failure_leaves_nothing(tmp_path: Path, project_path: Path, capsys,
                                       monkeypatch) -> None:
    import mapedit.io.exchange as exchange

    real = exchange._collection_writer

    def failing(heads, texts, cs):
        write = real(heads, texts, cs)
        if heads and b'"unit_type"' not in heads[0]:  # the grids file
            def boom(fh):
                write(fh)
                raise OSError(28, "No space left on device")
            return boom
        return write

    monkeypatch.setattr(exchange, "_collection_writer", failing)
    out_dir = tmp_path / "新 导出"
    assert main(["export", str(project_path), str(out_dir)]) == 2
    one_bilingual_error(capsys.readouterr().err)
    assert not out_dir.exists()  # created for the export, removed again
    # An earlier export in the folder stays as it was.
    monkeypatch.setattr(exchange, "_collection_writer", real)
    assert main(["export", str(project_path), str(out_dir)]) == 0
    old = {p.name: p.read_bytes() for p in out_dir.iterdir()}
    monkeypatch.setattr(exchange, "_collection_writer", failing)
    assert main(["export", str(project_path), str(out_dir), "--force"]) == 2
    assert "No space left" in one_bilingual_error(capsys.readouterr().err)
    assert {p.name: p.read_bytes() for p in out_dir.iterdir()} == old


def test_export_to_a_file_is_refused(tmp_path: Path, project_path: Path, capsys) -> None:
    target = tmp_path / "a file"
    target.write_text("x", encoding="utf-8")
    assert main(["export", str(project_path), str(target)]) == 2
    one_bilingual_error(capsys.readouterr().err)


# -- import ---------------------------------------------------------------------------------
def test_import_adds_and_updates(tmp_path: Path, project_path: Path, capsys) -> None:
    from mapedit.project import Project

    grids = write_fc(tmp_path / "导入 微网格.geojson", [
        grid_feature(U + "001", LON, LON + 0.0005, name="改名的微网格", households="350"),
        grid_feature(U + "003", LON + 0.0005, LON + 0.001, category="社区-学校",
                     households=None),
    ])
    assert main(["import", str(project_path), str(grids)]) == 0
    assert "1" in capsys.readouterr().out
    with Project.open(project_path) as p:
        by_code = {g.code: g for g in p.dataset.grids.values()}
        assert set(by_code) == {U + "001", U + "002", U + "003"}
        assert by_code[U + "001"].name == "改名的微网格" and by_code[U + "001"].households == 350
        assert by_code[U + "001"].fid == 1  # updated in place
        assert by_code[U + "003"].departments == ["服务办"]
        assert by_code[U + "003"].updated


def test_refused_import_writes_nothing(tmp_path: Path, project_path: Path, capsys) -> None:
    before = digest(project_path)
    bad = write_fc(tmp_path / "bad.geojson", [
        grid_feature(U + "004", LON, LON + 0.001),
        grid_feature(U + "005", LON, LON + 0.001, name=""),
        grid_feature(U + "006", LON, LON + 0.001, households="abc"),
    ])
    assert main(["import", str(project_path), str(bad)]) == 2
    err = capsys.readouterr().err
    first = one_bilingual_error(err)
    assert "第 2 个要素" in first and "feature 2" in first
    assert "第 3 个要素" in err
    assert digest(project_path) == before


def test_import_refused_by_project_writes_nothing(tmp_path: Path, project_path: Path,
                                                  capsys) -> None:
    """A locked unit refuses the whole import, including the features that were fine."""
    from mapedit.project import Project

    with Project.open(project_path) as p:
        p.set_unit_locked(U, True)
    grids = write_fc(tmp_path / "g.geojson", [grid_feature(U + "009", LON, LON + 0.001),
                                              grid_feature(U + "001", LON, LON + 0.001)])
    assert main(["import", str(project_path), str(grids)]) == 2
    one_bilingual_error(capsys.readouterr().err)
    with Project.open(project_path) as p:
        assert {g.code for g in p.dataset.grids.values()} == {U + "001", U + "002"}
        assert p.store.edit_log(10) == [] or all(
            "import" not in str(e) for e in p.store.edit_log(10))


def test_import_outside_units_refused(tmp_path: Path, project_path: Path, capsys) -> None:
    far = grid_feature(U + "007", LON + 0.01, LON + 0.011)
    del far["properties"]["unit_code"]
    assert main(["import", str(project_path), str(write_fc(tmp_path / "g.geojson", [far]))]) == 2
    assert "unit" in one_bilingual_error(capsys.readouterr().err)


# -- check ----------------------------------------------------------------------------------
def run_check_json(capsys, grids: str, *extra: str) -> tuple[int, dict]:
    status = main(["check", "--units", str(DATA / "units.geojson"),
                   "--grids", str(DATA / grids), "--json", *extra])
    out = capsys.readouterr().out
    return status, json.loads(out)


def test_check_overlap_fixture(capsys) -> None:
    status, report = run_check_json(capsys, "four_grids_overlap.geojson")
    assert status == 1
    assert {k: report["summary"][k] for k in ("errors", "warnings", "grids", "units")} == {
        "errors": 1, "warnings": 0, "grids": 4, "units": 1}
    (f,) = report["findings"]
    assert f["rule"] == "overlap" and f["severity"] == "error"
    assert sorted(f["features"]) == [U + "001", U + "002"] and f["unit"] == U
    # 0.0001° of longitude (~9.5 m) by 0.001° of latitude (~111 m) at 31.1°N.
    assert 1000 < f["area_m2"] < 1100
    assert f["location"]["type"] in ("Polygon", "MultiPolygon")
    x, y = f["location"]["coordinates"][0][0]
    assert 121.0 < x < 121.2 and 31.0 < y < 31.2


def test_check_t_junction_fixture(capsys) -> None:
    status, report = run_check_json(capsys, "t_junction.geojson")
    assert status == 0 and report["summary"]["errors"] == 0
    assert {f["rule"] for f in report["findings"]} <= {"sliver"}


def test_check_thin_gap_fixture(capsys) -> None:
    status, report = run_check_json(capsys, "thin_gap.geojson")
    assert status == 1
    rules = sorted(f["rule"] for f in report["findings"])
    assert rules == ["gap", "sliver"]
    gap = next(f for f in report["findings"] if f["rule"] == "gap")
    assert 35 < gap["area_m2"] < 50  # ~0.19 m by ~222 m


def test_check_lenient_reports_attribute_problems(tmp_path: Path, capsys) -> None:
    grids = write_fc(tmp_path / "g.geojson", [
        grid_feature(U + "001", LON, LON + 0.001, name=""),
        grid_feature(U + "002", LON + 0.001, LON + 0.002, category="街面-企业"),
    ])
    status = main(["check", "--units", str(DATA / "units.geojson"), "--grids", str(grids),
                   "--json"])
    cap = capsys.readouterr()
    report = json.loads(cap.out)
    assert status == 1
    rules = {f["rule"] for f in report["findings"]}
    assert {"missing-attribute", "category-unit-mismatch"} <= rules
    assert "第 1 个要素" in cap.err  # reading notes go to stderr, never into the JSON


def test_check_code_pattern_option(tmp_path: Path, capsys) -> None:
    grids = write_fc(tmp_path / "g.geojson", [
        grid_feature(U + "001", LON, LON + 0.001),
        grid_feature("A002", LON + 0.001, LON + 0.002),
    ])
    args = ["check", "--units", str(DATA / "units.geojson"), "--grids", str(grids), "--json"]
    assert main(args) == 1
    assert "code-format" in {f["rule"] for f in json.loads(capsys.readouterr().out)["findings"]}
    assert main([*args, "--code-pattern", "none"]) == 0
    capsys.readouterr()
    assert main([*args, "--code-pattern", r"(\d{15}|A\d{3})"]) == 0
    capsys.readouterr()
    assert main([*args, "--code-pattern", "(["]) == 2
    one_bilingual_error(capsys.readouterr().err)


@pytest.mark.parametrize("content", ["not json", '{"type": "Topology"}',
                                     '{"type":"FeatureCollection","features":[{"type":"Feature",'
                                     '"properties":{},"geometry":{"type":"Polygon","coordinates":'
                                     '[[[500000,3440000],[500100,3440000],[500100,3440100],'
                                     '[500000,3440000]]]}}]}'])
def test_check_unreadable_input(tmp_path: Path, capsys, content: str) -> None:
    bad = tmp_path / "g.geojson"
    bad.write_text(content, encoding="utf-8")
    assert main(["check", "--units", str(DATA / "units.geojson"), "--grids", str(bad),
                 "--json"]) == 2
    cap = capsys.readouterr()
    assert cap.out == ""
    one_bilingual_error(cap.err)


def test_check_project(project_path: Path, capsys, tmp_path: Path) -> None:
    assert main(["check", str(project_path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["summary"]["errors"] == 0 and report["summary"]["grids"] == 2
    assert main(["check", str(project_path)]) == 0
    assert re.search(r"[\u4e00-\u9fff]", capsys.readouterr().out)
    assert main(["check", str(project_path), "--lang", "en"]) == 0
    assert "errors" in capsys.readouterr().out
    from mapedit.project import Project

    bad = tmp_path / "bad.gpkg"
    Project.create(bad, tiny_dataset(overlap=True)).close()
    assert main(["check", str(bad), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert [f["rule"] for f in report["findings"]] == ["overlap"]
    assert main(["check", str(bad), "--units", str(DATA / "units.geojson")]) == 2


def test_check_an_export_folder_or_say_how(tmp_path: Path, capsys) -> None:
    """``mapedit check FOLDER`` of an export checks its units/grids pair (as ``--units
    --grids`` would); ``mapedit check X.geojson`` explains how to check exchange files."""
    folder = tmp_path / "导出"
    folder.mkdir()
    (folder / "units.geojson").write_bytes((DATA / "units.geojson").read_bytes())
    (folder / "grids.geojson").write_bytes((DATA / "four_grids_overlap.geojson").read_bytes())
    assert main(["check", str(folder), "--json"]) == 1
    by_folder = json.loads(capsys.readouterr().out)
    status, by_options = run_check_json(capsys, "four_grids_overlap.geojson")
    assert status == 1
    assert [f["rule"] for f in by_folder["findings"]] == [f["rule"] for f in
                                                           by_options["findings"]] == ["overlap"]
    assert main(["check", str(folder / "grids.geojson")]) == 2
    err = one_bilingual_error(capsys.readouterr().err)
    assert "--units" in err and "export folder" in err


def test_check_with_base_layers(tmp_path: Path, capsys) -> None:
    # A building straddling the boundary between the two halves of t_junction's west grid.
    xm = LON + 0.001
    building = {"type": "Feature", "properties": {"households": 24, "name": "1号楼"},
                "geometry": {"type": "Polygon", "coordinates": [[
                    [xm - 0.0001, LAT + 0.0005], [xm + 0.0001, LAT + 0.0005],
                    [xm + 0.0001, LAT + 0.0006], [xm - 0.0001, LAT + 0.0006],
                    [xm - 0.0001, LAT + 0.0005]]]}}
    b = write_fc(tmp_path / "楼栋.geojson", [building])
    status, report = run_check_json(capsys, "t_junction.geojson", "--buildings", str(b))
    assert status == 1
    assert "building-cut" in {f["rule"] for f in report["findings"]}


def test_check_with_villager_groups(tmp_path: Path, capsys) -> None:
    """``--villager-groups``: 村组 grids that cut a villager group are reported; grids of
    another category are not looked at."""
    grids = json.loads((DATA / "t_junction.geojson").read_text(encoding="utf-8"))
    for f in grids["features"]:
        f["properties"]["category"] = "村组"
    g = write_fc(tmp_path / "村组网格.geojson", grids["features"])

    def group(name: str, y0: float, y1: float) -> dict:
        ring = [[LON, y0], [LON + 0.002, y0], [LON + 0.002, y1], [LON, y1], [LON, y0]]
        return {"type": "Feature", "properties": {"name": name},
                "geometry": {"type": "Polygon", "coordinates": [ring]}}

    # north and south halves of the unit: the tall west grid lies in both, cutting each
    v = write_fc(tmp_path / "村民小组.geojson",
                 [group("一组", LAT, LAT + 0.001), group("二组", LAT + 0.001, LAT + 0.002)])
    status = main(["check", "--units", str(DATA / "units.geojson"), "--grids", str(g),
                   "--villager-groups", str(v), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert status == 1
    cuts = [f for f in report["findings"] if f["rule"] == "villager-group-cut"]
    assert [f["features"] for f in cuts] == [[U + "001"]]
    status, report = run_check_json(capsys, "t_junction.geojson", "--villager-groups", str(v))
    assert "villager-group-cut" not in {f["rule"] for f in report["findings"]}


# -- demo -----------------------------------------------------------------------------------
def test_demo(tmp_path: Path, capsys) -> None:
    out = tmp_path / "示例 街道.gpkg"
    assert main(["demo", str(out), "--units", "4", "--seed", "1"]) == 0
    assert out.exists()
    assert main(["demo", str(out)]) == 2  # exists, no --force
    one_bilingual_error(capsys.readouterr().err)
    assert main(["info", str(out)]) == 0
    assert main(["demo", str(out), "--units", "0", "--force"]) == 2


def test_demo_export_new_round_trip(tmp_path: Path, capsys) -> None:
    """export then new/import gives the same features (codes, attributes, shapes to 2 cm)."""
    import shapely

    from mapedit.project import Project

    demo = tmp_path / "示例 街道.gpkg"
    assert main(["demo", str(demo), "--units", "6", "--seed", "3"]) == 0
    out_dir = tmp_path / "导出"
    assert main(["export", str(demo), str(out_dir), "--force"]) == 0  # the demo has errors
    copy = tmp_path / "副本 项目.gpkg"
    assert main(["new", str(copy), "--units", str(out_dir / "units.geojson"),
                 "--grids", str(out_dir / "grids.geojson")]) == 0
    capsys.readouterr()
    with Project.open(demo) as a, Project.open(copy) as b:
        assert a.dataset.crs == b.dataset.crs
        assert set(a.dataset.units) == set(b.dataset.units)
        ga = {g.code: g for g in a.dataset.grids.values()}
        gb = {g.code: g for g in b.dataset.grids.values()}
        assert set(ga) == set(gb) and len(ga) == len(a.dataset.grids)
        for code, g in ga.items():
            h = gb[code]
            assert (g.name, g.category, g.unit_code, g.departments, g.households,
                    g.population, g.four_bounds) == (h.name, h.category, h.unit_code,
                                                     h.departments, h.households,
                                                     h.population, h.four_bounds)
            assert shapely.hausdorff_distance(g.geometry, h.geometry) < 0.02
        for code, u in a.dataset.units.items():
            v = b.dataset.units[code]
            assert (u.name, u.unit_type, u.responsibility_grid) == (
                v.name, v.unit_type, v.responsibility_grid)
            assert shapely.hausdorff_distance(u.geometry, v.geometry) < 0.02
        n = len(a.dataset.grids)
    # Importing the export into its own project updates every grid and adds none.
    assert main(["import", str(demo), str(out_dir / "grids.geojson")]) == 0
    assert f"新增 0 个,更新 {n} 个" in capsys.readouterr().out
    with Project.open(demo) as a:
        assert len(a.dataset.grids) == n
