"""Sign-off sheets (PDF), read back with poppler as a clerk's PDF viewer would."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None or shutil.which("pdfinfo") is None,
                                reason="poppler-utils (pdftotext, pdfinfo) not installed")

UNIT_TALL = "310118005014"  # 青平居委, 17 grids, one overlap
UNIT_WIDE = "310118005012"  # 公园路一段街面: a long, low strip


def pdftext(path, first: int | None = None, last: int | None = None) -> str:
    cmd = ["pdftotext", "-enc", "UTF-8"]
    if first:
        cmd += ["-f", str(first), "-l", str(last or first)]
    return subprocess.run([*cmd, str(path), "-"], capture_output=True, check=True,
                          text=True, encoding="utf-8").stdout


def pdfinfo(path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", "-f", "1", "-l", "999", str(path)], capture_output=True,
                         check=True, text=True, encoding="utf-8").stdout
    info = {}
    for line in out.splitlines():
        k, _, v = line.partition(":")
        info[k.strip()] = v.strip()
    return info


def page_sizes(path) -> list[tuple[float, float]]:
    info = pdfinfo(path)
    sizes = []
    for k, v in info.items():
        m = re.match(r"Page\s+\d+ size", k)
        if m:
            w, h = re.findall(r"[\d.]+", v)[:2]
            sizes.append((float(w), float(h)))
    return sizes


def has_cjk_font() -> bool:
    from mapedit.ui.sheets.atlas import ensure_gui_app
    from mapedit.ui.sheets.paper import sheet_font_family

    ensure_gui_app()
    return sheet_font_family() is not None


@pytest.fixture(scope="module")
def atlas(tmp_path_factory, demo_dataset_bytes):
    """The whole demo street as one PDF (written once for this module)."""
    from mapedit.project import Project
    from mapedit.ui.sheets.atlas import write_project_sheets

    folder = tmp_path_factory.mktemp("atlas")
    gpkg = folder / "街道.gpkg"
    gpkg.write_bytes(demo_dataset_bytes)
    out = folder / "图集.pdf"
    with Project.open(gpkg) as project:
        result = write_project_sheets(project, out)
        grids = {c: sorted(g.code for g in project.dataset.grids_of_unit(c))
                 for c in project.dataset.units}
        names = {c: u.name for c, u in project.dataset.units.items()}
    return out, result, grids, names


def test_unit_sheet_holds_codes_name_scale_and_signatures(demo_project, tmp_path):
    from mapedit.ui.sheets.atlas import write_project_sheets

    out = tmp_path / "单元.pdf"
    result = write_project_sheets(demo_project, out, [UNIT_TALL])
    assert result.pages == int(pdfinfo(out)["Pages"])
    text = pdftext(out)
    codes = [g.code for g in demo_project.dataset.grids_of_unit(UNIT_TALL)]
    assert len(codes) == 17
    for code in codes:
        assert code in text, code
    assert re.search(r"比例尺 1:\d+", text) or re.search(r"1:\d{3,}", text)
    assert UNIT_TALL in text
    if has_cjk_font():
        page1 = pdftext(out, 1)
        assert "青平居委" in page1
        assert re.search(r"比例尺 1:\d+", page1)
        for label in ("居委负责人", "城运中心", "党建办/自治办", "第三方技术人员", "日期"):
            assert label in page1, label
        # characters that share a glyph with a Kangxi radical (户, 比, 至, 青, 人) copy and
        # search as themselves, not as radicals (Qt's text map picks the radical)
        for word in ("户数", "比例尺", "东至", "青平", "负责人"):
            assert word in text, word
        assert not re.search("[\u2e80-\u2fdf]", text)


def test_orientation_follows_the_unit_shape(demo_project, tmp_path):
    from mapedit.ui.sheets.atlas import write_project_sheets

    wide = tmp_path / "wide.pdf"
    write_project_sheets(demo_project, wide, [UNIT_WIDE])
    w, h = page_sizes(wide)[0]
    assert w > h  # a long, low street-front strip is printed landscape
    assert (round(w), round(h)) == (842, 595)  # A4
    a3 = tmp_path / "a3.pdf"
    write_project_sheets(demo_project, a3, [UNIT_WIDE], paper="A3")
    assert sorted(round(v) for v in page_sizes(a3)[0]) == [842, 1191]


def test_atlas_has_overview_then_pages_per_unit(atlas):
    out, result, grids, names = atlas
    n_pages = int(pdfinfo(out)["Pages"])
    assert n_pages == result.pages
    assert len(result.units) == 38
    first = pdftext(out, 1)
    for code in grids:  # the index lists every unit
        assert code in first
    # every unit starts its own page; its grid codes are in the PDF
    starts: dict[str, int] = {}
    for page in range(2, n_pages + 1):
        head = "".join(pdftext(out, page).splitlines()[:4])
        for code in grids:
            if code in head:
                starts.setdefault(code, page)
    assert set(starts) == set(grids)
    assert min(starts.values()) >= 2  # after the overview
    text = pdftext(out)
    for codes in grids.values():
        for g in codes:
            assert g in text
    if has_cjk_font():
        assert "微网格划分总图" in first
        for label in ("党建办", "自治办", "城建中心", "城运中心"):
            assert label in first


def test_sheets_command(demo_path, tmp_path):
    from mapedit.cli import main

    out = tmp_path / "out.pdf"
    assert main(["sheets", str(demo_path), str(out), "--unit", UNIT_WIDE, "--paper", "A3"]) == 0
    assert pdfinfo(out)["Pages"] == "1"
    missing = tmp_path / "nothing.pdf"
    assert main(["sheets", str(demo_path), str(missing), "--unit", "999999999999"]) == 2
    assert not missing.exists()
    assert main(["sheets", str(demo_path), str(tmp_path / "no" / "such" / "x.pdf")]) == 2
    assert list(tmp_path.glob(".*")) == []  # no temporary files left behind


def test_imagery_layer_is_printed_under_the_map(demo_project, tmp_path):
    """A raster layer of the project (a GeoTIFF here) goes under the map as an image; without
    one the PDF holds no image at all (the map is vectors)."""
    import numpy as np
    import rasterio
    from rasterio.transform import from_origin

    from mapedit.io.layer_factory import raster_layer
    from mapedit.ui.sheets.atlas import write_project_sheets

    if shutil.which("pdfimages") is None:
        pytest.skip("pdfimages (poppler-utils) not installed")

    def images(pdf) -> int:
        out = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True,
                             check=True).stdout.splitlines()
        return len(out) - 2

    plain = tmp_path / "plain.pdf"
    write_project_sheets(demo_project, plain, [UNIT_WIDE])
    assert images(plain) == 0
    ds = demo_project.dataset
    x0, y0, x1, y1 = ds.units[UNIT_WIDE].geometry.bounds
    tif = tmp_path / "正射影像.tif"
    w, h = 200, 100
    data = np.zeros((3, h, w), dtype=np.uint8)
    data[1] = 180  # green
    with rasterio.open(tif, "w", driver="GTiff", width=w, height=h, count=3, dtype="uint8",
                       crs=ds.crs, transform=from_origin(x0 - 100, y1 + 100,
                                                         (x1 - x0 + 200) / w,
                                                         (y1 - y0 + 200) / h)) as dst:
        dst.write(data)
    layer, _notes = raster_layer(tif, ds.crs, ds.layers, embed=False)
    ds.layers.insert(layer, 0)
    with_img = tmp_path / "img.pdf"
    write_project_sheets(demo_project, with_img, [UNIT_WIDE])
    assert images(with_img) >= 1
