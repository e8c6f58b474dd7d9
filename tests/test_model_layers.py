"""The layer model without Qt: order, events, roles shared by several layers."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from shapely.geometry import box

from mapedit.model.layers import RASTER, BaseLayer, Layer, LayerStack


def _buildings(n: int, x0: float = 0.0) -> BaseLayer:
    geoms = np.asarray([box(x0 + 10 * i, 0, x0 + 10 * i + 5, 5) for i in range(n)], dtype=object)
    return BaseLayer("buildings", geoms, [{"households": i} for i in range(n)])


def test_default_stack_order_and_labels() -> None:
    stack = LayerStack.default({"roads": _buildings(1), "buildings": _buildings(2)})
    assert stack.ids() == ["buildings", "roads", "grids", "responsibility_grids", "units",
                           "labels", "findings"]
    assert stack["roads"].label() == "道路" and stack["roads"].label("en") == "Roads"
    assert stack["grids"].label("en") == "Micro-grids"
    with pytest.raises(ValueError):
        stack.remove("grids")


def test_events_and_revision() -> None:
    stack = LayerStack.default({})
    seen: list[tuple[str, str, int, tuple]] = []
    stack.subscribe(lambda e: seen.append((e.type, e.layer.id, e.index, e.fields)))
    rev = stack.revision
    img = stack.insert(Layer(id="ortho", kind=RASTER, name="正射影像"))
    assert stack.index("ortho") == 0  # under the project's own layers
    stack.set_opacity("ortho", 0.5)
    stack.set_opacity("ortho", 0.5)  # no change, no event
    stack.move("ortho", 3)
    stack.remove("ortho")
    assert [s[0] for s in seen] == ["inserted", "changed", "moved", "removed"]
    assert seen[1][3] == ("opacity",) and img.opacity == 0.5
    assert stack.revision == rev + 4


def test_several_layers_share_a_role() -> None:
    stack = LayerStack.default({"buildings": _buildings(2)})
    stack.add_vector("survey_2024", _buildings(3, x0=100), role="buildings", name="测绘院楼栋")
    merged = stack.features("buildings")
    assert len(merged) == 5
    assert merged.column("households") == [0, 1, 0, 1, 2]
    assert list(stack.feature_origin("buildings")) == [0, 0, 1, 1, 1]
    assert stack.features("buildings") is merged  # cached until a layer of the role changes
    stack.set_data("survey_2024", _buildings(1, x0=100))
    assert len(stack.features("buildings")) == 3
    assert stack.features("roads") is None


def test_new_id_and_settings_round_trip() -> None:
    stack = LayerStack.default({"roads": _buildings(1)})
    assert stack.new_id("Roads") == "roads_2"
    assert stack.new_id("道路 2024") == "l_2024"
    settings = stack.settings()
    back = LayerStack(Layer.from_settings(d) for d in settings)
    assert back.settings() == settings


def test_pickle_drops_listeners() -> None:
    stack = LayerStack.default({})
    stack.subscribe(lambda e: None)
    back = pickle.loads(pickle.dumps(stack))
    assert back.ids() == stack.ids() and back._listeners == []
