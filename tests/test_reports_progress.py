"""The monthly progress table and coverage over time from the edit log."""

from __future__ import annotations

import csv
import math

import pytest
from openpyxl import load_workbook

from mapedit.model.changes import ChangeSet, GridChange
from mapedit.project import Project, unit_progress
from mapedit.reports.progress import HEADERS, coverage_history, progress_rows


def test_rows_subtotals_and_total_add_up(demo_project):
    ds = demo_project.dataset
    rows = progress_rows(ds, demo_project.findings, demo_project.store.edit_log(100000))
    units = [r for r in rows if r.kind == "unit"]
    subs = [r for r in rows if r.kind == "subtotal"]
    total = rows[-1]
    assert total.kind == "total" and len(units) == len(ds.units)
    assert len(subs) == len(ds.responsibility_grids)
    assert total.grids == len(ds.grids) == sum(s.grids for s in subs)
    assert total.households == sum(g.households or 0 for g in ds.grids.values())
    assert total.errors == sum(p.errors for p in unit_progress(ds, demo_project.findings)
                               .values())
    area = sum(u.geometry.area for u in ds.units.values())
    covered = sum(u.geometry.area * r.coverage for r in units
                  for u in [ds.units[r.code]])
    assert total.coverage == pytest.approx(covered / area)
    # each subtotal follows its own units
    i = 0
    for s in subs:
        block = []
        while rows[i].kind == "unit":
            block.append(rows[i])
            i += 1
        assert rows[i] is s and s.grids == sum(r.grids for r in block)
        assert {r.responsibility_grid for r in block} == {s.responsibility_grid}
        i += 1


def test_last_edit_and_editor_come_from_the_log(demo_project):
    ds = demo_project.dataset
    g = next(iter(ds.grids.values()))
    demo_project.apply(ChangeSet("改", "edit", [GridChange(g, g.replace(name="改过"))]),
                       who="王芳")
    rows = progress_rows(ds, demo_project.findings, demo_project.store.edit_log(100000))
    row = next(r for r in rows if r.code == g.unit_code)
    assert row.editor == "王芳" and row.last_edit
    assert next(r for r in rows if r.code != g.unit_code and r.kind == "unit").editor == ""


def test_coverage_history_replays_the_log(demo_project):
    ds = demo_project.dataset
    before = coverage_history(ds, demo_project.store.edit_log(100000))
    assert before and all(a.day <= b.day for a, b in zip(before, before[1:], strict=False))
    now = before[-1].coverage
    area = sum(u.geometry.area for u in ds.units.values())
    # today: delete the grids of one unit; the history must show the drop today and the old
    # value for every earlier day
    unit = max(ds.units, key=lambda c: len(ds.grids_of_unit(c)))
    gs = ds.grids_of_unit(unit)
    lost = ds.units[unit].geometry.area * unit_progress(ds, [], [unit])[unit].coverage
    demo_project.apply(ChangeSet("删", "delete", [GridChange(g, None) for g in gs]))
    after = coverage_history(ds, demo_project.store.edit_log(100000))
    assert after[-1].coverage == pytest.approx(now - lost / area, rel=1e-6)
    assert after[-1].grids == before[-1].grids - len(gs)
    old = {p.day: p.coverage for p in after[:-1]}
    for p in before[:-1]:
        assert old.get(p.day, p.coverage) == pytest.approx(p.coverage)
    assert after[0].coverage < after[-1].coverage  # grids count from their creation day
    assert all(not math.isnan(p.coverage) for p in after)


def test_coverage_history_counts_overlapping_grids_once(demo_project):
    """A grid drawn over another adds no coverage on any day: the history measures the union
    of a unit's grids (it adds areas only for grids it has proven share none)."""
    ds = demo_project.dataset
    before = coverage_history(ds, demo_project.store.edit_log(100000))
    g = max(ds.grids.values(), key=lambda g: g.geometry.area)
    copy = g.replace(fid=None, code=g.code[:-3] + "999", name="重复的网格")
    assert demo_project.apply(ChangeSet("画", "add", [GridChange(None, copy)]), allow_invalid=True)
    after = coverage_history(ds, demo_project.store.edit_log(100000))
    assert after[-1].grids == before[-1].grids + 1
    assert after[-1].coverage == pytest.approx(before[-1].coverage, rel=1e-9)
    assert [p.coverage for p in after[:-1]] == pytest.approx([p.coverage for p in before[:-1]])


def test_cli_progress_csv_and_xlsx(demo_path, tmp_path):
    from mapedit.cli import main

    out = tmp_path / "进度.csv"
    assert main(["progress", str(demo_path), str(out)]) == 0
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads the Chinese headers
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert tuple(rows[0]) == HEADERS
    assert rows[-1][1].endswith("合计")
    png = tmp_path / "进度_覆盖率.png"
    assert png.read_bytes().startswith(b"\x89PNG")
    xl = tmp_path / "进度.xlsx"
    assert main(["progress", str(demo_path), str(xl)]) == 0
    wb = load_workbook(xl)
    ws = wb["月度推进表"]
    assert [c.value for c in ws[2]] == list(HEADERS)
    # subtotal and total rows bold and shaded, unit rows plain (the row each style lands on)
    with Project.open(demo_path) as p:
        kinds = [r.kind for r in progress_rows(p.dataset, p.findings, p.store.edit_log(100000))]
    assert ws.max_row == 2 + len(kinds)
    for n, kind in enumerate(kinds, start=3):
        assert ws.cell(row=n, column=1).font.b == (kind != "unit"), (n, kind)
    hs = wb["覆盖率变化"]
    assert hs.max_row > 2
    assert len(hs._charts) == 1
    import zipfile

    with zipfile.ZipFile(xl) as z:  # openpyxl reads images back only with Pillow
        media = [n for n in z.namelist() if n.startswith("xl/media/")]
        assert len(media) == 1 and z.read(media[0]).startswith(b"\x89PNG")
    assert main(["progress", str(demo_path), str(tmp_path / "x.pdf")]) == 2
