"""Issue 10 §1: the layer stack persists in the project (``mapedit_layers`` + one feature table
per vector layer) and the Project keeps it persisted whatever changes ``dataset.layers``."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pyogrio
import pytest
import shapely
from helpers_store_data import X0, Y0, square, tiny_dataset
from pyogrio.raw import read

from mapedit.errors import InputError
from mapedit.model.layers import RASTER, VECTOR, BaseLayer, Layer
from mapedit.project import Project


@pytest.fixture
def path(tmp_path: Path) -> Path:
    p = tmp_path / "图层 项目.gpkg"
    Project.create(p, tiny_dataset()).close()
    return p


def _parks() -> Layer:
    geoms = np.array([square(X0 + 20 * i, Y0 + 20, 15) for i in range(4)], dtype=object)
    attrs = [{"名称": f"口袋公园{i}", "面积 (㎡)": 225.0, "编号": i, "开放": bool(i % 2),
              "管理\"单位\"": "绿化所"} for i in range(4)]
    return Layer(id="parks", kind=VECTOR, role="other", name="公园 2024",
                 source="D:/资料/公园.shp", crs="EPSG:4549", data=BaseLayer("parks", geoms, attrs),
                 style={"fill": "#3a3", "width": 1.5}, options={"encoding": "GBK"})


def test_layers_add_vector_layer_gdal_reads_chinese_columns(path: Path) -> None:
    with Project.open(path) as project:
        project.add_layer(_parks(), who="张三")
        assert "parks" in project.dataset.layers
        assert project.store.edit_log(1)[0]["action"] == "layer_add"
    info = pyogrio.read_info(path, layer="base_parks")
    assert info["features"] == 4 and info["crs"] == "EPSG:4549"
    assert info["geometry_type"] == "MultiPolygon"
    assert list(info["fields"]) == ["名称", "面积 (㎡)", "编号", "开放", "管理\"单位\"", "attrs"]
    meta, _fids, geoms, fields = read(path, layer="base_parks", return_fids=True)
    assert list(fields[0]) == [f"口袋公园{i}" for i in range(4)]
    assert shapely.from_wkb(geoms[0]).equals(square(X0, Y0 + 20, 15))
    conn = sqlite3.connect(path)
    try:
        row = conn.execute("SELECT data_type, description, srs_id FROM gpkg_contents WHERE "
                           "table_name='base_parks'").fetchone()
        assert row == ("features", "底图 base layer: 公园 2024", 4549)
    finally:
        conn.close()


def test_layers_round_trip_through_reopen(path: Path) -> None:
    with Project.open(path) as project:
        project.add_layer(_parks())
        project.add_layer(Layer(id="photo", kind=RASTER, name="2023 航拍",
                                options={"path": "D:/影像/2023.tif"}, opacity=0.7))
        stack = project.dataset.layers
        want = stack.settings()
        want_attrs = stack["parks"].data.attributes
    with Project.open(path) as again:
        got = again.dataset.layers
        assert got.settings() == want
        assert got["parks"].data.attributes == want_attrs
        assert got["photo"].options == {"path": "D:/影像/2023.tif"}
        assert again.dataset.base("other") is not None  # rules see it by role


def test_layers_ui_changes_to_the_stack_persist(path: Path) -> None:
    """The UI only mutates ``dataset.layers``; the project writes what changed."""
    with Project.open(path) as project:
        stack = project.dataset.layers
        stack.set_visible("buildings", False)
        stack.set_opacity("water", 0.25)
        stack.update("roads", style={"color": "#f00"}, name="主要道路")
        stack.move("pois", 0)
        stack.remove("villager_groups")  # a removal straight on the stack
        stack.add_vector("wells", BaseLayer("wells", np.array([shapely.Point(X0, Y0)],
                                                              dtype=object), [{"深度": 12.5}]),
                         role="pois")
        want = stack.settings()
    with Project.open(path) as again:
        got = again.dataset.layers
        assert got.settings() == want
        assert not got["buildings"].visible and got["water"].opacity == 0.25
        assert got["roads"].style == {"color": "#f00"} and got["roads"].name == "主要道路"
        assert got.ids()[0] == "pois" and "villager_groups" not in got
        assert got["wells"].data.attributes == [{"深度": 12.5}]
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("SELECT 1 FROM sqlite_master WHERE name='base_villager_groups'"
                            ).fetchone() is None
    finally:
        conn.close()


def test_layers_replacing_features_rewrites_the_table(path: Path) -> None:
    with Project.open(path) as project:
        geoms = np.array([square(X0, Y0, 5), square(X0 + 10, Y0, 5)], dtype=object)
        project.dataset.layers.add_vector("buildings", BaseLayer(
            "buildings", geoms, [{"households": 10}, {"households": 20}]))
        assert project.dataset.base("buildings").attributes[1]["households"] == 20
    with Project.open(path) as again:
        b = again.dataset.base("buildings")
        assert len(b) == 2 and b.column("households") == [10, 20]


def test_layers_remove_and_refusals(path: Path) -> None:
    with Project.open(path) as project:
        project.remove_layer("water", who="张三")
        assert "water" not in project.dataset.layers
        with pytest.raises(InputError):
            project.remove_layer("grids")
        with pytest.raises(InputError):
            project.remove_layer("nothing")
        with pytest.raises(InputError):
            project.add_layer(Layer(id="roads", kind=VECTOR))
        with pytest.raises(InputError):
            project.add_layer(Layer(id="bad id!", kind=VECTOR, data=BaseLayer(
                "x", np.array([square(X0, Y0)], dtype=object), [{}])))
        log = project.store.edit_log(5)
        assert log[0]["action"] == "layer_remove" and log[0]["before_attrs"]["features"] == 1
    with Project.open(path) as again:
        assert "water" not in again.dataset.layers and again.dataset.base("water") is None


def test_layers_features_change_rechecks(path: Path) -> None:
    """Base layers feed rules (buildings → building-cut): a new building layer is checked."""
    with Project.open(path) as project:
        before = {f.key for f in project.findings if f.rule == "building-cut"}
        heard = []
        project.add_listener(heard.append)
        cut = square(X0 + 240, Y0 + 600, 20)  # across the edge of grids 1 and 2
        project.add_layer(Layer(id="buildings_2", kind=VECTOR, role="buildings",
                                data=BaseLayer("buildings_2", np.array([cut], dtype=object),
                                               [{"households": 30, "name": "新楼"}])))
        assert heard
        after = {f.key for f in project.findings if f.rule == "building-cut"}
        assert after - before


def test_layers_view_settings_on_a_busy_file_stay_in_memory(path: Path) -> None:
    with Project.open(path) as project:
        blocker = sqlite3.connect(path, timeout=0.1, isolation_level=None)
        project.store.conn.execute("PRAGMA busy_timeout=200")
        blocker.execute("BEGIN IMMEDIATE")  # another program holds the write lock
        try:
            project.dataset.layers.set_visible("roads", False)  # no error dialog per click
            assert project.layer_settings_unsaved
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        project.dataset.layers.set_opacity("water", 0.5)  # the next save writes everything
        assert not project.layer_settings_unsaved
    with Project.open(path) as again:
        assert not again.dataset.layers["roads"].visible


def test_layers_numpy_values_from_a_gdal_read_are_stored_as_plain_values(path: Path) -> None:
    attrs = [{"层数": np.int64(6), "高度": np.float64(18.5), "名称": np.str_("1号楼"),
              "有电梯": np.bool_(True)}]
    layer = Layer(id="blocks", kind=VECTOR, role="buildings", data=BaseLayer(
        "blocks", np.array([square(X0, Y0, 5)], dtype=object), attrs))
    with Project.open(path) as project:
        project.add_layer(layer)
    info = pyogrio.read_info(path, layer="base_blocks")
    assert dict(zip(info["fields"], info["dtypes"], strict=True)) == {
        "层数": "int64", "高度": "float64", "名称": "object", "有电梯": "bool", "attrs": "object"}
    with Project.open(path) as again:
        got = again.dataset.layers["blocks"].data.attributes[0]
        assert got == {"层数": 6, "高度": 18.5, "名称": "1号楼", "有电梯": True}
        assert [type(v) for v in got.values()] == [int, float, str, bool]


def test_layers_embedded_image_travels_in_the_file(path: Path, tmp_path: Path) -> None:
    """An image marked ``options["embedded"]`` is written as GeoPackage tiles in the same
    transaction as its layer row (GDAL reads them); removing the layer removes them."""
    import warnings

    import rasterio
    from rasterio.transform import from_origin

    from mapedit.io.layer_factory import raster_layer
    from mapedit.io.raster_embed import embedded_path

    tif = tmp_path / "航拍 小图.tif"
    arr = np.zeros((3, 200, 200), np.uint8)
    arr[0] = 200
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with rasterio.open(tif, "w", driver="GTiff", width=200, height=200, count=3,
                           dtype="uint8", crs="EPSG:4549",
                           transform=from_origin(X0 + 100, Y0 + 900, 1.0, 1.0)) as dst:
            dst.write(arr)
    with Project.open(path) as project:
        layer, _notes = raster_layer(tif, "EPSG:4549", project.dataset.layers, embed=True)
        table = layer.options["embedded"]
        project.add_layer(layer, who="张三")
        assert project.store.edit_log(1)[0]["after_attrs"]["embedded_tiles"] > 0
    with rasterio.open(embedded_path(path, table)) as ds:
        assert ds.read(1).max() >= 190  # the red band, from the tiles in the project
    with Project.open(path) as again:
        assert again.dataset.layers[layer.id].options["embedded"] == table
        again.remove_layer(layer.id)
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("SELECT COUNT(*) FROM gpkg_contents WHERE table_name=?",
                            (table,)).fetchone()[0] == 0
        assert conn.execute("SELECT 1 FROM sqlite_master WHERE name=?", (table,)).fetchone() \
            is None
    finally:
        conn.close()
