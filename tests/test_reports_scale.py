"""Map scales and the PDF text-map repair, without Qt painting."""

from __future__ import annotations

import pytest

from mapedit.reports.scale import metres_label, nice_scale, required_scale, scale_bar


@pytest.mark.parametrize("need,nice", [(1, 100), (100, 100), (101, 120), (999, 1000),
                                       (1001, 1200), (2317, 2500), (4900, 5000), (5001, 6000),
                                       (8001, 10000), (47000, 50000)])
def test_nice_scale_rounds_up_to_a_round_number(need, nice):
    assert nice_scale(need) == nice


def test_required_scale_fits_both_sides():
    # 900 m × 250 m into 200 mm × 100 mm: width needs 1:4500, height 1:2500
    assert required_scale(900, 250, 200, 100) == pytest.approx(4500)
    n = nice_scale(required_scale(900, 250, 200, 100))
    assert 900 * 1000 / n <= 200 and 250 * 1000 / n <= 100


def test_scale_bar_is_round_and_short_enough():
    for n in (500, 1000, 2000, 2500, 6000, 50000):
        length, segments = scale_bar(n, max_mm=40)
        assert length * 1000 / n <= 40 + 1e-9
        assert length * 1000 / n >= 16  # not uselessly short
        assert str(int(length))[0] in "125"
        assert segments in (4, 5)
    assert metres_label(200) == "200 米" and metres_label(2000) == "2 公里"


def test_cmap_repair_maps_radicals_to_the_drawn_ideographs():
    from mapedit.ui.sheets.pdf_text import _parse_cmap, fix_cmap

    cmap = (b"/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
            b"1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
            b"2 beginbfrange\n<0000> <0000> <0000>\n"
            b"<0001> <0004> [<2F3E> <6570> <2F50> <0031> ]\n<0005> <0006> <0041>\n"
            b"endbfrange\n1 beginbfchar\n<0007> <2ED8>\nendbfchar\nendcmap\n")
    radicals = {0x2F3E: 0x6237, 0x2F50: 0x6BD4, 0x2ED8: 0x9752}  # 户 比 青
    fixed = fix_cmap(cmap, radicals)
    assert fixed is not None
    m = _parse_cmap(fixed)
    assert m[1] == "户" and m[2] == "数" and m[3] == "比" and m[4] == "1"
    assert m[5] == "A" and m[6] == "B" and m[7] == "青"
    assert fix_cmap(fixed, radicals) is None  # nothing left to repair


def test_map_frame_draws_at_exactly_one_to_n(qapp):
    """100 m on the ground are 50 mm on paper at 1:2000, whatever the device resolution."""
    from PySide6.QtGui import QImage

    from mapedit.ui.sheets.map_frame import MapFrame, fit_frame
    from mapedit.ui.sheets.paper import Paper

    for dpi in (72.0, 1200.0):
        paper = Paper(QImage(4, 4, QImage.Format.Format_RGB32), dpi, None)
        mf = MapFrame(paper, 10, 20, 180, 120, (500_000.0, 3_400_000.0), 2000)
        x0, y0 = mf.to_mm(500_000.0, 3_400_000.0)
        x1, y1 = mf.to_mm(500_100.0, 3_400_000.0)
        x2, y2 = mf.to_mm(500_000.0, 3_400_100.0)
        assert (x0, y0) == pytest.approx((100.0, 80.0))  # the centre is the frame's centre
        assert x1 - x0 == pytest.approx(50.0) and y2 - y0 == pytest.approx(-50.0)  # north up
        p = mf.to_device(500_100.0, 3_400_000.0)
        assert p.x() == pytest.approx(150.0 * dpi / 25.4)
        ext = mf.extent()
        assert ext[2] - ext[0] == pytest.approx(180 * 2000 / 1000)
    # a 900 m × 250 m unit in a 190 × 100 mm box: round scale, the whole unit inside
    mf = fit_frame(paper, 0, 0, 190, 100, (0.0, 0.0, 900.0, 250.0))
    assert mf.scale in (5000, 6000) and mf.extent()[2] - mf.extent()[0] >= 900
