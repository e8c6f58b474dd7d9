"""Project facade: every edit goes through apply; undo is apply(inverse) and restores exactly."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from helpers_store_data import X0, Y0, square, tiny_dataset, unit_code
from shapely.geometry import LineString, Polygon, box

from mapedit.errors import EditRefused, InputError
from mapedit.model.changes import ChangeSet, GridChange
from mapedit.model.hierarchy import MicroGrid
from mapedit.project import Project
from mapedit.rules.findings import Finding


class FakeChecker:
    """Records what the project tells it (stands in for mapedit.rules.engine.Checker)."""

    def __init__(self, dataset, accepted: dict[str, str]) -> None:
        self.dataset = dataset
        self.accepted = dict(accepted)
        self.calls: list[tuple[str, Any]] = []
        self.findings: list[Finding] = []

    def run_full(self) -> list[Finding]:
        self.calls.append(("run_full", len(self.dataset.grids)))
        return self.findings

    def update(self, changed_fids, old_geometries) -> list[Finding]:
        self.calls.append(("update", (set(changed_fids), dict(old_geometries))))
        return self.findings

    def summary(self) -> dict:
        return {"errors": 0, "warnings": 0, "grids": len(self.dataset.grids),
                "units": len(self.dataset.units)}

    def set_accepted(self, key: str, reason: str | None) -> None:
        if reason is None:
            self.accepted.pop(key, None)
        else:
            self.accepted[key] = reason


@pytest.fixture
def project(tmp_path: Path):
    p = Project.create(tmp_path / "项目 文件.gpkg", tiny_dataset(), checker_factory=FakeChecker)
    yield p
    p.close()


def dump(path: Path) -> dict[str, list[tuple]]:
    """Every table's rows, except what an edit legitimately leaves behind (the append-only logs,
    the AUTOINCREMENT counters, gpkg_contents.last_change and extent, the R-tree's page layout)."""
    conn = sqlite3.connect(path)
    try:
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        out = {}
        for t in tables:
            if t in ("mapedit_edit_log", "mapedit_changes", "sqlite_sequence") or (
                    t.startswith("rtree_") and t.endswith(("_node", "_rowid", "_parent"))):
                continue  # logs, counters and the R-tree's internal pages (its rows stay)
            cols = [r[1] for r in conn.execute(f'PRAGMA table_info("{t}")')
                    if r[1] not in ("last_change", "min_x", "min_y", "max_x", "max_y")]
            out[t] = conn.execute(f'SELECT {", ".join(cols)} FROM "{t}" ORDER BY 1').fetchall()
        return out
    finally:
        conn.close()


def new_grid(code: str = "310118001004001", geom: Any = None, unit: str = "310118001004",
             fid: int | None = None) -> MicroGrid:
    return MicroGrid(code=code, name="新建微网格", category="村组",
                     geometry=geom if geom is not None else square(X0 + 600, Y0 + 100, 100),
                     unit_code=unit, departments=["自治办", "社发中心", "各村"], households=400,
                     created="2024-07-01T00:00:00+00:00", updated="2024-07-01T00:00:00+00:00",
                     fid=fid)


def test_project_open_loads_what_create_wrote(tmp_path: Path) -> None:
    ds = tiny_dataset()
    path = tmp_path / "p.gpkg"
    with Project.create(path, ds) as p:
        assert p.path == path and p.store.path == path
        assert p.dataset.grids == ds.grids
    with Project.open(path) as p:
        assert p.dataset.grids == ds.grids and p.dataset.units == ds.units


def test_project_insert_update_delete_and_inverse_restore_file(project: Project) -> None:
    path = project.path
    original = dump(path)
    ds = project.dataset
    g3, g5 = ds.grids[3], ds.grids[5]
    cs = ChangeSet("编辑", "edit", [
        GridChange(None, new_grid()),
        GridChange(g3, g3.replace(name="改名", geometry=box(X0 + 250, Y0 + 750, X0 + 490, Y0 + 990),
                                  updated="2024-07-02T00:00:00+00:00")),
        GridChange(g5, None),
    ])
    out = project.apply(cs, who="测试员")
    assert out is cs
    fid = cs.changes[0].after.fid
    assert fid == 13 and ds.grids[fid] is cs.changes[0].after
    assert ds.grids[3].name == "改名" and 5 not in ds.grids
    assert Project.open(path).dataset.grids == ds.grids
    edited = dump(path)
    assert edited != original

    project.apply(cs.inverse(), who="测试员")
    assert dump(path) == original
    assert ds.grids == tiny_dataset().grids

    project.apply(cs)  # redo: the insert comes back under the same fid
    assert cs.changes[0].after.fid == fid
    assert dump(path) == edited
    log = project.store.edit_log(limit=100)
    assert len(log) == 9 and {r["who"] for r in log} == {"测试员", ""}


def test_project_update_keeps_grid_order(project: Project) -> None:
    order = list(project.dataset.grids)
    g = project.dataset.grids[1]
    project.apply(ChangeSet("改名", "rename", [GridChange(g, g.replace(name="x"))]))
    assert list(project.dataset.grids) == order


def test_project_same_grid_twice_in_one_changeset(project: Project) -> None:
    g = project.dataset.grids[4]
    a = g.replace(name="一")
    b = a.replace(name="二")
    project.apply(ChangeSet("两步", "two steps", [GridChange(g, a), GridChange(a, b)]))
    assert project.dataset.grids[4].name == "二"
    cs = ChangeSet("删后重建", "delete and re-add", [GridChange(b, None), GridChange(None, b)])
    project.apply(cs)
    assert project.dataset.grids[4] is b


def test_project_listeners_and_checker_updates(project: Project) -> None:
    seen: list[ChangeSet] = []
    project.add_listener(seen.append)
    project.add_listener(seen.append)  # added once only
    cs = ChangeSet("新建", "add", [GridChange(None, new_grid())])
    project.apply(cs)
    assert seen == [cs]
    assert not project.checker_built  # not built by edits alone

    checker = project.checker
    assert isinstance(checker, FakeChecker) and checker.calls == [("run_full", 13)]
    g = project.dataset.grids[1]
    new = g.replace(geometry=box(X0, Y0 + 750, X0 + 250, Y0 + 1000))
    project.apply(ChangeSet("改形", "reshape", [GridChange(g, new)]))
    kind, (fids, old) = checker.calls[-1]
    assert kind == "update" and fids == {1} and old[1] is g.geometry
    project.apply(ChangeSet("删", "del", [GridChange(new, None)]))
    assert checker.calls[-1][1] == ({1}, {1: new.geometry})
    ins = new_grid("310118001004002")
    project.apply(ChangeSet("加", "add", [GridChange(None, ins)]))
    assert checker.calls[-1][1] == ({ins.fid}, {ins.fid: None})

    project.remove_listener(seen.append)
    project.apply(ChangeSet("加", "add", [GridChange(None, new_grid("310118001004003"))]))
    assert len(seen) == 4
    assert project.summary()["grids"] == len(project.dataset.grids)
    assert project.findings == []


def test_project_empty_changeset_is_a_no_op(project: Project) -> None:
    before = dump(project.path)
    project.apply(ChangeSet("无", "nothing"))
    assert dump(project.path) == before and project.store.edit_log() == []


# -- refusals ------------------------------------------------------------------------------

def assert_refused(project: Project, cs: ChangeSet, zh: str, en: str, **kw: Any) -> None:
    before = dump(project.path)
    grids = dict(project.dataset.grids)
    with pytest.raises(EditRefused) as err:
        project.apply(cs, **kw)
    assert zh in err.value.zh and en in err.value.en
    assert dump(project.path) == before and project.dataset.grids == grids


def test_project_refuses_locked_unit(project: Project) -> None:
    project.set_unit_locked(unit_code(1), True)
    g = project.dataset.grids[1]
    assert_refused(project, ChangeSet("改", "edit", [GridChange(g, g.replace(name="x"))]),
                   "已锁定", "locked")
    assert_refused(project, ChangeSet("删", "del", [GridChange(g, None)]), "已锁定", "locked")
    assert_refused(project, ChangeSet("加", "add", [GridChange(None, new_grid(
        "310118001001009", square(X0 + 10, Y0 + 510), unit_code(1)))]), "已锁定", "locked")
    project.set_unit_locked(unit_code(1), False)
    project.apply(ChangeSet("改", "edit", [GridChange(g, g.replace(name="x"))]))
    assert Project.open(project.path).dataset.units[unit_code(1)].locked is False
    with pytest.raises(InputError):
        project.set_unit_locked("999", True)


def test_project_lock_persists(project: Project) -> None:
    project.set_unit_locked(unit_code(2), True)
    assert project.dataset.units[unit_code(2)].locked
    with Project.open(project.path) as again:
        assert again.dataset.units[unit_code(2)].locked


def test_project_refuses_grid_leaving_its_unit(project: Project) -> None:
    g = project.dataset.grids[1]
    assert_refused(project, ChangeSet("移", "move", [GridChange(g, g.replace(
        unit_code=unit_code(2)))]), "不能离开", "cannot leave")


@pytest.mark.parametrize("geom, zh, en", [
    (None, "没有图形", "no shape"),
    (Polygon(), "没有图形", "no shape"),
    (Polygon([(X0, Y0), (X0 + 10, Y0 + 10), (X0 + 10, Y0), (X0, Y0 + 10)]), "无效", "invalid"),
    (LineString([(X0, Y0), (X0 + 10, Y0)]), "必须是面", "must be a polygon"),
])
def test_project_refuses_bad_geometry(project: Project, geom: Any, zh: str, en: str) -> None:
    g = new_grid()
    g.geometry = geom
    assert_refused(project, ChangeSet("加", "add", [GridChange(None, g)]), zh, en)
    old = project.dataset.grids[1]
    assert_refused(project, ChangeSet("改", "edit", [GridChange(old, old.replace(geometry=geom))]),
                   zh, en)


def test_project_allow_invalid_for_import_and_undo_restores(project: Project) -> None:
    bowtie = Polygon([(X0, Y0), (X0 + 10, Y0 + 10), (X0 + 10, Y0), (X0, Y0 + 10)])
    g = new_grid(geom=bowtie)
    cs = project.apply(ChangeSet("导入", "import", [GridChange(None, g)]), allow_invalid=True)
    assert project.dataset.grids[g.fid].geometry.equals_exact(bowtie, 0)
    assert Project.open(project.path).dataset.grids[g.fid] == g
    # a non-geometric edit of the invalid grid keeps its geometry and is allowed
    renamed = g.replace(name="改名")
    project.apply(ChangeSet("改名", "rename", [GridChange(g, renamed)]))
    # deleting it and undoing the delete restores it although it is invalid
    delete = project.apply(ChangeSet("删", "del", [GridChange(renamed, None)]))
    project.apply(delete.inverse())
    assert project.dataset.grids[g.fid] == renamed
    # but a *new* invalid geometry is still refused without allow_invalid
    assert_refused(project, ChangeSet("加", "add", [GridChange(None, new_grid(
        "310118001004005", bowtie))]), "无效", "invalid")
    del cs


def test_project_refuses_unknown_unit_and_stale_changes(project: Project) -> None:
    assert_refused(project, ChangeSet("加", "add", [GridChange(None, new_grid(
        unit="310118999999"))]), "不存在", "does not exist")
    ghost = new_grid(fid=777)
    assert_refused(project, ChangeSet("删", "del", [GridChange(ghost, None)]), "不在项目中",
                   "not in the project")
    taken = new_grid(fid=1)
    assert_refused(project, ChangeSet("加", "add", [GridChange(None, taken)]), "已被占用", "taken")
    g = project.dataset.grids[2]
    project.apply(ChangeSet("删", "del", [GridChange(g, None)]))
    assert_refused(project, ChangeSet("删", "del", [GridChange(g, None)]), "不在项目中",
                   "not in the project")


def test_project_refusal_in_the_middle_writes_nothing(project: Project) -> None:
    good = new_grid()
    g = project.dataset.grids[1]
    cs = ChangeSet("混合", "mixed", [GridChange(None, good),
                                     GridChange(g, g.replace(unit_code=unit_code(3)))])
    assert_refused(project, cs, "不能离开", "cannot leave")
    assert good.fid is None


# -- accepted findings ---------------------------------------------------------------------

def test_project_accept_and_unaccept_finding(project: Project) -> None:
    f = Finding(rule="gap", severity="error", features=["310118001001001"],
                unit=unit_code(1), area_m2=12.0, message_zh="缝隙", message_en="gap",
                location=square(X0 + 1, Y0 + 501, 2))
    checker = project.checker
    project.accept_finding(f, "河道,无需覆盖", who="王五")
    assert f.accepted and checker.accepted == {f.key: "河道,无需覆盖"}
    with Project.open(project.path, checker_factory=FakeChecker) as again:
        assert again.checker.accepted == {f.key: "河道,无需覆盖"}
    with pytest.raises(InputError):
        project.accept_finding(f, "  ")
    project.unaccept(f)
    assert not f.accepted and checker.accepted == {}
    assert project.store.accepted_findings() == {}


# -- the real checker ----------------------------------------------------------------------

def test_project_uses_real_checker_by_default(tmp_path: Path) -> None:
    import mapedit.rules.engine as engine  # our own module: a failure to import is a failure
    with Project.create(tmp_path / "p.gpkg", tiny_dataset()) as p:
        assert isinstance(p.checker, engine.Checker)
        before = p.summary()
        assert before["grids"] == 12
        # an overlapping grid makes at least one more error; undo takes it away again
        g = new_grid("310118001001005", square(X0 + 200, Y0 + 700, 100), unit_code(1))
        g.category = "小区"
        cs = p.apply(ChangeSet("加", "add", [GridChange(None, g)]))
        assert any(f.rule == "overlap" for f in p.findings)
        assert p.summary()["errors"] > before["errors"]
        p.apply(cs.inverse())
        assert p.summary() == before
