"""Export profiles and formats: GDAL (pyogrio) reads them back with the Chinese intact; the
manifest's checksums match."""

from __future__ import annotations

import json

import pyogrio
import pyogrio.raw
import pytest

from mapedit.errors import InputError
from mapedit.reports.platform_export import (
    MANIFEST,
    ExportHasErrors,
    export_dataset,
    verify_manifest,
)
from mapedit.reports.profiles import load_profile, profile_from_dict


def read(path, layer=None):
    meta, _fids, geoms, fields = pyogrio.raw.read(str(path), layer=layer)
    def text(v):  # GeoJSON arrays (departments) come back as string lists
        if v is None:
            return None
        return "、".join(map(str, v)) if hasattr(v, "__len__") and not isinstance(v, str) \
            else str(v)

    cols = {str(name): [text(v) for v in values]
            for name, values in zip(meta["fields"], fields, strict=True)}
    return meta, geoms, cols


@pytest.fixture
def project(demo_project):
    return demo_project


@pytest.mark.parametrize("fmt,files", [
    ("shp", ["grids.shp", "grids.dbf", "grids.cpg", "units.shp"]),
    ("gpkg", ["micro_grids.gpkg"]),
    ("kml", ["grids.kml", "units.kml"]),
    ("csv", ["grids.csv", "units.csv"]),
    ("geojson", ["grids.geojson", "units.geojson"]),
])
def test_formats_read_back_with_chinese_text(project, tmp_path, fmt, files):
    ds = project.dataset
    out = tmp_path / "导出"
    result = export_dataset(ds, out, fmt, summary=project.summary(), force=True)
    for name in files:
        assert (out / name).exists(), name
    assert verify_manifest(out) == []
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["counts"] == {"units": len(ds.units), "grids": len(ds.grids)}
    assert manifest["check"]["forced"] is True and manifest["check"]["errors"] > 0
    assert manifest["export_format"] == fmt and manifest["profile"]["name"] == "platform"
    assert {f["name"] for f in manifest["files"]} == {p.name for p in result.files}
    path, layer = out / files[0], None
    if fmt == "gpkg":
        layer = "grids"
    meta, geoms, cols = read(path, layer)
    assert len(geoms) == len(ds.grids)
    names = {g.name for g in ds.grids.values()}
    name_col = "Name" if fmt == "kml" else "name"
    assert set(cols[name_col]) == names  # 青东农场五队微网格 … intact
    depts = cols["departments" if fmt != "shp" else "depts"]
    assert "自治办、社发中心、各村" in depts
    if fmt == "shp":
        assert (out / "grids.cpg").read_text().strip().upper() in ("UTF-8", "UTF8")


def test_gbk_shapefile_for_older_platforms(project, tmp_path):
    out = tmp_path / "gbk"
    export_dataset(project.dataset, out, "shp", "example_street", project.summary(),
                   force=True, encoding="GBK")
    assert (out / "微网格.cpg").read_text().strip() == "GBK"
    raw = (out / "微网格.dbf").read_bytes()
    g = next(iter(project.dataset.grids.values()))
    assert g.name.encode("gbk") in raw  # really GBK bytes in the DBF
    meta, _geoms, cols = read(out / "微网格.shp")
    assert g.name in cols["网格名称"]
    assert meta["crs"] == "EPSG:4490"  # the profile asks for CGCS2000
    # value map: 小区 → 01, 村组 → 02, the rest → 99
    cats = dict(zip(cols["网格编码"], cols["网格类别"], strict=True))
    assert cats[g.code] == {"小区": "01", "村组": "02"}.get(g.category, "99")


def test_errors_need_force_and_nothing_is_written(project, tmp_path):
    out = tmp_path / "refused"
    with pytest.raises(ExportHasErrors) as exc:
        export_dataset(project.dataset, out, "gpkg", summary=project.summary())
    assert exc.value.exit_status == 1 and exc.value.details
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.suffix != ".gpkg"] == []  # no staging


def test_clean_export_is_not_marked_forced(project, tmp_path):
    out = tmp_path / "ok"
    export_dataset(project.dataset, out, "csv", summary={"errors": 0, "warnings": 2})
    m = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    assert m["check"]["forced"] is False and m["check"]["warnings"] == 2


def test_manifest_detects_a_changed_file(project, tmp_path):
    out = tmp_path / "m"
    export_dataset(project.dataset, out, "geojson", summary={"errors": 0})
    (out / "grids.geojson").write_text("{}", encoding="utf-8")
    assert verify_manifest(out) == ["grids.geojson"]


def test_default_profile_geojson_is_the_exchange_contract(project, tmp_path):
    from mapedit.io.exchange import write_exchange

    export_dataset(project.dataset, tmp_path / "a", "geojson", summary={"errors": 0})
    write_exchange(project.dataset, tmp_path / "b", "wgs84", [])
    a = json.loads((tmp_path / "a" / "grids.geojson").read_text(encoding="utf-8"))
    b = json.loads((tmp_path / "b" / "grids.geojson").read_text(encoding="utf-8"))
    assert a == b


def test_profiles_are_validated(tmp_path):
    assert load_profile().name == "platform"
    assert load_profile("example_street").coordinate_system == "cgcs2000"
    base = json.loads(load_profile().raw and json.dumps(load_profile().raw))
    bad = dict(base, coordinate_system="bd09")
    with pytest.raises(InputError, match="bd09"):
        profile_from_dict(bad, "x.json")
    bad = json.loads(json.dumps(base))
    bad["layers"]["grids"]["fields"][0]["source"] = "colour"
    with pytest.raises(InputError, match="colour"):
        profile_from_dict(bad, "x.json")
    path = tmp_path / "street.json"
    own = json.loads(json.dumps(base))
    own["name"] = "own"
    own["files"]["grids"] = "wangge"
    path.write_text(json.dumps(own, ensure_ascii=False), encoding="utf-8")
    assert load_profile(path).files["grids"] == "wangge"
    with pytest.raises(InputError):
        load_profile(tmp_path / "missing.json")


def test_gdal_lists_the_layers(project, tmp_path):
    export_dataset(project.dataset, tmp_path / "p", "gpkg", summary={"errors": 0})
    layers = [name for name, _t in pyogrio.list_layers(tmp_path / "p" / "micro_grids.gpkg")]
    assert layers == ["units", "grids"]


def test_cli_export_formats_profiles_force(demo_path, tmp_path, capsys):
    from mapedit.cli import main

    out = tmp_path / "平台"
    args = ["export", str(demo_path), str(out), "--format", "shp", "--profile", "example_street",
            "--encoding", "gbk"]
    assert main(args) == 1  # the demo has errors: the summary first, then a refusal
    cap = capsys.readouterr()
    assert "个错误" in cap.out and "--force" in cap.err
    assert not out.exists()
    assert main([*args, "--force"]) == 0
    assert (out / "微网格.cpg").read_text().strip() == "GBK"
    assert verify_manifest(out) == []
    m = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    assert m["check"]["forced"] and m["encoding"] == "GBK" and m["crs"] == "EPSG:4490"
    assert main([*args, "--force"][:-1]) in (1, 2)  # existing files: refused again
    for fmt, name in (("gpkg", "micro_grids.gpkg"), ("kml", "grids.kml"), ("csv", "grids.csv")):
        d = tmp_path / fmt
        assert main(["export", str(demo_path), str(d), "--format", fmt, "--force"]) == 0
        assert (d / name).exists() and verify_manifest(d) == []
    assert main(["export", str(demo_path), str(tmp_path / "x"), "--profile",
                 str(tmp_path / "none.json"), "--force"]) == 2
