"""Responsibility grid names round-trip through ``units.geojson`` (exchange extension
``responsibility_grid_name``).

Before: export wrote each unit's ``responsibility_grid_name``, but ``mapedit new`` (and 文件 →
新建, which shares ``dataset_from_units``) ignored it, so a project made from an exported file
named its responsibility grids by their codes (310118005R01 instead of 城中责任网格) on the
unit tree, the sheets and the next export."""

from __future__ import annotations

import json
from pathlib import Path

from mapedit.cli import main
from mapedit.io.exchange import read_units
from mapedit.project import Project, dataset_from_units


def test_names_survive_export_then_new(demo_path: Path, tmp_path: Path, capsys) -> None:
    with Project.open(demo_path) as demo:
        names = {c: r.name for c, r in demo.dataset.responsibility_grids.items()}
    assert any(n != c for c, n in names.items())
    out = tmp_path / "导出"
    assert main(["export", str(demo_path), str(out), "--force"]) in (0, 1)
    units = json.loads((out / "units.geojson").read_text(encoding="utf-8"))
    written = {f["properties"]["responsibility_grid"]: f["properties"].get(
        "responsibility_grid_name") for f in units["features"]}
    assert written == names
    again = tmp_path / "由导出新建.gpkg"
    assert main(["new", str(again), "--units", str(out / "units.geojson")]) == 0
    capsys.readouterr()
    with Project.open(again) as p:
        assert {c: r.name for c, r in p.dataset.responsibility_grids.items()} == names
    # and the next export writes them again
    out2 = tmp_path / "再导出"
    assert main(["export", str(again), str(out2), "--force"]) in (0, 1)
    units2 = json.loads((out2 / "units.geojson").read_text(encoding="utf-8"))
    assert {f["properties"]["responsibility_grid"]: f["properties"].get(
        "responsibility_grid_name") for f in units2["features"]} == names


def test_a_file_without_names_keeps_codes_and_the_common_name_wins(tmp_path: Path) -> None:
    data = Path(__file__).parent / "data" / "units.geojson"
    units, crs, _ = read_units(data)
    ds = dataset_from_units(units, crs)
    assert {c: r.name for c, r in ds.responsibility_grids.items()} == {
        "夏阳1号责任网格": "夏阳1号责任网格"}
    # units of one grid that disagree on its name: the name most of them give
    doc = json.loads(data.read_text(encoding="utf-8"))
    base = doc["features"][0]
    feats = []
    for i, name in enumerate(["城中责任网格", "城中责任网格", "城中网格"]):
        f = json.loads(json.dumps(base))
        f["properties"].update(code=f"31011800500{i + 1}", responsibility_grid="R01",
                               responsibility_grid_name=name)
        ring = f["geometry"]["coordinates"][0]
        f["geometry"]["coordinates"][0] = [[x + 0.01 * i, y] for x, y in ring]
        feats.append(f)
    doc["features"] = feats
    path = tmp_path / "units.geojson"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    units, crs, _ = read_units(path)
    assert [u.responsibility_grid_name for u in units] == ["城中责任网格", "城中责任网格", "城中网格"]
    ds = dataset_from_units(units, crs)
    assert ds.responsibility_grids["R01"].name == "城中责任网格"
