"""The contract every project store must meet (:class:`mapedit.io.store.ProjectStore`).

Not collected on its own: a test module imports these tests and provides a ``store_factory``
fixture (see ``test_store_contract_gpkg.py``). A later PostGIS store runs the same suite with
its own factory. A factory has:

- ``create(dataset) -> store``: a new stored project holding ``dataset``, opened;
- ``second(store) -> store``: another handle on the same project, as a second clerk, window or
  program would have it (its changes are "made elsewhere" for the first).
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from helpers_store_data import X0, Y0, square, tiny_dataset, unit_code

from mapedit.errors import InputError, MapeditError, ProjectChangedError
from mapedit.io.store import ProjectStore
from mapedit.model.changes import ChangeSet, GridChange
from mapedit.model.hierarchy import MicroGrid
from mapedit.model.layers import VECTOR, BaseLayer, Layer
from mapedit.model.settings import Settings


def _grid(n: int = 1, fid: int | None = None) -> MicroGrid:
    return MicroGrid(code=f"{unit_code(4)}{n:03d}", name=f"新网格{n}", category="村组",
                     geometry=square(X0 + 500 + 20 * n, Y0 + 100, 10), unit_code=unit_code(4),
                     departments=["自治办"], households=320, created="2024-06-01T00:00:00+00:00",
                     updated="2024-06-01T00:00:00+00:00", fid=fid)


def _same_geom(a, b) -> bool:
    if a is None or b is None:
        return a is b
    return shapely.equals_exact(a, b, 0)


@pytest.fixture
def store(store_factory) -> ProjectStore:
    s = store_factory.create(tiny_dataset())
    yield s
    s.close()


@pytest.fixture
def other(store_factory, store) -> ProjectStore:
    s = store_factory.second(store)
    yield s
    s.close()


def test_contract_is_a_project_store(store) -> None:
    assert isinstance(store, ProjectStore)


def test_contract_load_round_trip(store) -> None:
    ds = tiny_dataset()
    back = store.load()
    assert back.crs == ds.crs
    assert list(back.units) == list(ds.units)
    assert sorted(back.grids) == sorted(ds.grids)
    for fid, g in ds.grids.items():
        assert back.grids[fid].replace(geometry=None) == g.replace(geometry=None)
        assert _same_geom(back.grids[fid].geometry, g.geometry)
    assert back.settings == ds.settings
    assert back.catalogue.raw == ds.catalogue.raw
    assert [(ly.id, ly.kind, ly.role) for ly in back.layers] == \
        [(ly.id, ly.kind, ly.role) for ly in ds.layers]
    assert back.base("buildings").attributes == ds.base("buildings").attributes


def test_contract_write_changes_returns_fids_and_leaves_the_change_set(store) -> None:
    a, b = _grid(1), _grid(2)
    first = store.load().grids[1]
    cs = ChangeSet("新建两个并改名", "add two, rename", [
        GridChange(None, a), GridChange(first, first.replace(name="改")), GridChange(None, b)])
    fids = store.write_changes(cs, who="张三")
    assert len(fids) == 2 and fids[0] < fids[1] and not set(fids) & set(range(1, 13))
    assert a.fid is None and b.fid is None
    back = store.load()
    assert back.grids[fids[0]] == a.replace(fid=fids[0])
    assert back.grids[1].name == "改"
    # an insert with a fid keeps it (redo of an undone insert)
    store.write_changes(ChangeSet("删", "delete", [GridChange(back.grids[fids[0]], None)]))
    again = a.replace(fid=fids[0])
    assert store.write_changes(ChangeSet("重做", "redo", [GridChange(None, again)])) == [fids[0]]


def test_contract_failed_change_set_writes_nothing(store) -> None:
    before = store.counts()
    revision = store.revision()
    ghost = _grid(9, fid=999)
    with pytest.raises(MapeditError):
        store.write_changes(ChangeSet("坏", "bad", [GridChange(None, _grid(1)),
                                                    GridChange(ghost, None)]))
    assert store.counts() == before
    assert store.revision() == revision
    assert [e for e in store.edit_log() if e["action"] in ("insert", "delete")] == []


def test_contract_locks_accepted_settings_persist_and_are_logged(store) -> None:
    store.set_unit_locked(unit_code(1), True, who="王五")
    with pytest.raises(InputError):
        store.set_unit_locked("nope", True)
    store.set_accepted("k1", "gap", "河道,无需覆盖", who="王五")
    store.set_accepted("k2", "overlap", "待核实", who="赵六")
    store.set_accepted("k1", "gap", None, who="王五")
    store.save_settings(Settings(min_area_m2=2.5, code_pattern="none"), who="王五")
    ds = store.load()
    assert ds.units[unit_code(1)].locked and not ds.units[unit_code(2)].locked
    assert store.accepted_findings() == {"k2": "待核实"}
    assert ds.settings == Settings(min_area_m2=2.5, code_pattern="none")
    log = store.edit_log(10)
    actions = [(e["action"], e["code"], e["who"]) for e in reversed(log)]
    assert actions == [("lock", unit_code(1), "王五"), ("accept", "k1", "王五"),
                       ("accept", "k2", "赵六"), ("unaccept", "k1", "王五"),
                       ("settings", None, "王五")]
    assert log[0]["before_attrs"]["min_area_m2"] == tiny_dataset().settings.min_area_m2
    assert log[0]["after_attrs"]["min_area_m2"] == 2.5
    assert log[0]["after_attrs"]["code_pattern"] == "none"
    assert "households_max" not in log[0]["after_attrs"]  # only what changed
    assert log[-1]["before_attrs"] == {"locked": False} and log[-1]["after_attrs"] == \
        {"locked": True}
    assert all(e["at"] for e in log)


def test_contract_own_writes_are_not_changes_elsewhere(store) -> None:
    store.load()
    store.write_changes(ChangeSet("新建", "add", [GridChange(None, _grid())]))
    store.set_unit_locked(unit_code(2), True)
    store.set_accepted("k", "gap", "理由")
    store.save_settings(Settings(households_max=520))
    store.save_layer_settings(store.load().layers.settings())
    assert not store.changed_elsewhere()
    assert not store.changes_since(store.seen_revision)
    assert store.revision() == store.seen_revision


@pytest.mark.parametrize("change", ["grid", "lock", "accept", "settings", "layers"])
def test_contract_refuses_every_write_after_a_change_elsewhere(store, other, change) -> None:
    store.load()
    other_ds = other.load()
    if change == "grid":
        g = other_ds.grids[5]
        other.write_changes(ChangeSet("改", "edit", [GridChange(g, g.replace(name="别人改的"))]))
    elif change == "lock":
        other.set_unit_locked(unit_code(2), True, who="另一个窗口")
    elif change == "accept":
        other.set_accepted("gap|x", "gap", "另一个窗口接受", who="另一个窗口")
    elif change == "settings":
        other.save_settings(Settings(households_min=100), who="另一个窗口")
    else:
        other_ds.layers.set_visible("roads", False)
        other.save_layer_settings(other_ds.layers.settings())
    assert store.changed_elsewhere()
    attempts = [
        lambda: store.write_changes(ChangeSet("新建", "add", [GridChange(None, _grid())])),
        lambda: store.set_unit_locked(unit_code(3), True),
        lambda: store.set_accepted("k", "gap", "理由"),
        lambda: store.save_settings(Settings(households_max=480)),
        lambda: store.save_layer_settings(store.load().layers.settings()),
    ]
    for attempt in attempts[:-1]:
        with pytest.raises(ProjectChangedError) as err:
            attempt()
        assert err.value.zh and err.value.en and "重新加载" in err.value.zh
        assert "reload" in err.value.en
    changes = store.changes_since(store.seen_revision)
    assert changes and changes.revision == store.revision()
    store.acknowledge(changes)
    assert not store.changed_elsewhere()
    fids = store.write_changes(ChangeSet("新建", "add", [GridChange(None, _grid())]))
    assert len(fids) == 1


def test_contract_changes_since_tells_what_changed(store, other) -> None:
    store.load()
    ds = other.load()
    g3, g5 = ds.grids[3], ds.grids[5]
    fids = other.write_changes(ChangeSet("改", "edit", [
        GridChange(None, _grid(7)), GridChange(g3, g3.replace(name="三号改")),
        GridChange(g5, None)]))
    other.set_unit_locked(unit_code(1), True)
    other.set_accepted("k9", "gap", "理由 9")
    other.save_settings(Settings(sliver_width_m=0.75))
    ds.layers.set_opacity("buildings", 0.4)
    ds.layers.move("water", len(ds.layers) - 1)
    other.save_layer_settings(ds.layers.settings())
    ch = store.changes_since(store.seen_revision)
    assert not ch.full
    assert set(ch.grids) == {fids[0], 3, 5}
    assert ch.grids[5] is None and ch.grids[3].name == "三号改"
    assert ch.grids[fids[0]].code == _grid(7).code
    assert ch.units is not None and ch.units[unit_code(1)].locked
    assert ch.accepted == {"k9": "理由 9"}
    assert ch.settings == Settings(sliver_width_m=0.75)
    assert ch.layers is not None
    by_id = {ly.id: ly for ly in ch.layers}
    assert by_id["buildings"].opacity == pytest.approx(0.4)
    assert [ly.id for ly in ch.layers][-1] == "water"
    assert by_id["buildings"].data is None  # features unchanged: not read again


def test_contract_vector_layers_add_save_remove(store, other) -> None:
    ds = store.load()
    geoms = np.array([square(X0 + 10 * i, Y0 + 10, 5) for i in range(3)], dtype=object)
    attrs = [{"名称": f"公园{i}", "面积": 25.0 + i, "等级": i, "开放": i % 2 == 0,
              "备注": None} for i in range(3)]
    attrs[1]["只在一个要素"] = {"嵌套": [1, 2]}
    layer = Layer(id="parks", kind=VECTOR, role="other", name="公园 绿地",
                  data=BaseLayer("parks", geoms, attrs), opacity=0.5,
                  style={"fill": "#00ff00"}, source="D:/资料/公园.shp")
    store.add_vector_layer(layer, who="张三")
    with pytest.raises(InputError):
        store.add_vector_layer(layer)
    ds.layers.insert(layer)
    ds.layers.set_visible("roads", False)
    ds.layers.move("parks", 0)
    store.save_layer_settings(ds.layers.settings())
    back = other.load()
    assert back.layers.ids() == ds.layers.ids()
    parks = back.layers["parks"]
    assert (parks.name, parks.role, parks.opacity, parks.style, parks.source) == \
        ("公园 绿地", "other", 0.5, {"fill": "#00ff00"}, "D:/资料/公园.shp")
    assert parks.data.attributes == attrs
    assert all(_same_geom(a, b) for a, b in zip(parks.data.geometries, geoms, strict=True))
    assert not back.layers["roads"].visible
    assert store.edit_log(1)[0]["action"] == "layer_add"
    store.remove_layer("parks", who="张三")
    assert "parks" not in store.load().layers
    assert store.edit_log(1)[0]["action"] == "layer_remove"
    with pytest.raises(InputError):
        store.remove_layer("grids")


def test_contract_counts_meta_facts(store) -> None:
    counts = store.counts()
    assert counts["micro_grids"] == 12 and counts["units"] == 4
    assert store.meta()["crs"] == "EPSG:4549"
    facts = store.facts()
    assert "夏阳街道" in facts["street"]
    assert facts["units_by_type"] == {"农场": 1, "农村": 1, "小区": 1, "街面": 1}
