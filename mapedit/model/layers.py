"""The map's layers without Qt: what is drawn, in which order, and what the rules read.

A project shows several kinds of layers: the editable hierarchy (micro-grids, units,
responsibility grids), the checker's findings and the grid labels, and base layers a street
brings in (vector files, imagery, tile services). Before, base layers were a closed list of six
names and the canvas owned visibility, opacity and order. Now one :class:`LayerStack` holds
them all, bottom first, and tells whoever listens (the canvas, the layer panel, the store) about
every change through plain callbacks — no Qt here, so the CLI, the checker and tests use it too.

Vector base layers carry a **role** (roads, buildings, water, villager groups, committees,
POIs, other). Rules and tools ask for a role, never for a table: several files may share a
role (two building layers from two surveys), and :meth:`LayerStack.features` gives the features
of every layer of that role as one :class:`BaseLayer`. The model is napari's layer list and
QGIS's layer tree: the data lives in the layer, rendering lives elsewhere (``ui/canvas``
keeps a registry kind → renderer).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

# -- kinds and roles ---------------------------------------------------------------------------

VECTOR = "vector"
RASTER = "raster"
TILES = "tiles"
GRIDS = "grids"
UNITS = "units"
RESPONSIBILITY_GRIDS = "responsibility_grids"
LABELS = "labels"
FINDINGS = "findings"

BASE_KINDS = (VECTOR, RASTER, TILES)
"""Layers a street brings in; the clerk may add and remove them."""
PROJECT_KINDS = (RESPONSIBILITY_GRIDS, UNITS, GRIDS, LABELS, FINDINGS)
"""Layers drawn from the project itself; exactly one of each, never removed."""
KINDS = BASE_KINDS + PROJECT_KINDS


@dataclass(frozen=True)
class Role:
    """What a vector layer means to the rules and tools."""

    id: str
    geometry: str
    """``polygon``, ``line``, ``point`` or ``any``."""
    zh: str
    en: str
    fields: tuple[str, ...] = ()
    """Attributes the rules and the canvas read (an import maps source columns onto them)."""


ROLES: dict[str, Role] = {r.id: r for r in (
    Role("water", "polygon", "河流水系", "Water", ("name",)),
    Role("buildings", "polygon", "建筑(楼栋)", "Buildings", ("households", "floors", "name")),
    Role("roads", "line", "道路", "Roads", ("class", "name")),
    Role("villager_groups", "polygon", "村民小组", "Villager groups", ("name", "unit_code")),
    Role("committees", "polygon", "居委会辖区", "Residents' committees", ("name",)),
    Role("pois", "point", "兴趣点", "Points of interest", ("kind", "name")),
    Role("other", "any", "其他", "Other", ("name",)),
)}
"""Roles in default drawing order (bottom first). Who reads them: buildings → building-cut and
households from buildings; villager_groups → villager-group-cut; roads → split by road and
snapping; committees → the 街面 committee rule; water, pois, other → drawing and snapping."""

KIND_LABELS: dict[str, tuple[str, str]] = {
    VECTOR: ("矢量", "Vector"),
    RASTER: ("影像", "Imagery"),
    TILES: ("在线瓦片", "Tiles"),
    RESPONSIBILITY_GRIDS: ("责任网格", "Responsibility grids"),
    UNITS: ("管理单元", "Management units"),
    GRIDS: ("微网格", "Micro-grids"),
    LABELS: ("标注", "Labels"),
    FINDINGS: ("检查结果", "Check findings"),
}


# -- features of a vector layer ----------------------------------------------------------------

class _Absent:
    __slots__ = ()

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT = _Absent()
"""In a :class:`Columns` column: the feature has no such attribute (``None`` is a value)."""


class Columns(Sequence):
    """Feature attributes stored by column, read as a sequence of dicts.

    370,000 buildings as one dict each cost ~160 MB; the same values in one list per column
    cost a third of that. ``columns[i]`` builds the i-th feature's dict on the fly (a key
    whose column holds :data:`ABSENT` there is left out; ``None`` is kept), so code written for
    a list of dicts keeps working; :meth:`column` reads a column without dicts, as
    ``[a.get(key, default) for a in rows]`` would. Read-only: a layer's features do not change
    (replace the layer's data instead)."""

    __slots__ = ("_cols", "_gaps", "_n")

    def __init__(self, columns: dict[str, list], n: int) -> None:
        for key, col in columns.items():
            if len(col) != n:
                raise ValueError(f"column {key!r} has {len(col)} values, not {n}")
        self._cols = {k: list(v) for k, v in columns.items()}
        self._gaps: dict[str, bool] = {}
        self._n = n

    @classmethod
    def from_dicts(cls, rows: Iterable[dict]) -> Columns:
        rows = list(rows)
        keys: dict[str, None] = {}
        for r in rows:
            keys.update(dict.fromkeys(r))
        return cls({k: [r.get(k, ABSENT) for r in rows] for k in keys}, len(rows))

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(self._n))]
        if i < 0:
            i += self._n
        if not 0 <= i < self._n:
            raise IndexError(i)
        return {k: c[i] for k, c in self._cols.items() if c[i] is not ABSENT}

    def keys(self) -> list[str]:
        return list(self._cols)

    def column(self, key: str, default=None) -> list:
        col = self._cols.get(key)
        if col is None:
            return [default] * self._n
        gaps = self._gaps.get(key)
        if gaps is None:  # read-only: whether a column has gaps is looked at once
            gaps = self._gaps[key] = any(v is ABSENT for v in col)
        return [default if v is ABSENT else v for v in col] if gaps else col

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, (str, bytes)):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other,
                                                                            strict=False))
        return NotImplemented

    def __repr__(self) -> str:
        return f"Columns({self.keys()}, n={self._n})"


@dataclass
class BaseLayer:
    """Features of a read-only vector layer, stored column-wise (tens of thousands of
    buildings): an object array of shapely geometries in the project CRS and the attributes
    (given as one dict per feature or as :class:`Columns`; kept as :class:`Columns`)."""

    name: str
    geometries: np.ndarray
    attributes: Sequence[dict] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not isinstance(self.attributes, Columns) and len(self.attributes):
            self.attributes = Columns.from_dicts(self.attributes)

    def __len__(self) -> int:
        return len(self.geometries)

    def column(self, key: str, default=None) -> list:
        if isinstance(self.attributes, Columns):
            return self.attributes.column(key, default)
        return [a.get(key, default) for a in self.attributes]


# -- layers ----------------------------------------------------------------------------------

@dataclass(eq=False)
class Layer:
    """One entry of the stack.

    ``id`` is stable and unique within a project (a vector layer's feature table is named
    after it); ``name`` is what the clerk typed, empty for built-in layers, which are labelled
    from their kind or role in the interface language (:meth:`label`)."""

    id: str
    kind: str
    name: str = ""
    role: str | None = None
    """Vector layers only: a key of :data:`ROLES`."""
    source: str = ""
    """Where it came from: a file path, a URL template, or empty for the project's own."""
    crs: str = ""
    extent: tuple[float, float, float, float] | None = None
    """In the project CRS."""
    visible: bool = True
    opacity: float = 1.0
    style: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    """Kind-specific settings: a raster's file and georeference, a tile template and zoom
    range, an import's field mapping and encoding. Defined precisely by the base-map modules:
    vector — ``format``, ``encoding``, ``fields``, ``source_crs``, ``source_layer``,
    ``cad_layers``, ``swap_xy``, ``import`` (:mod:`mapedit.io.vector_import`); raster —
    ``path``, ``size``, ``transform``, ``embedded``, ``assumed_crs`` (:mod:`mapedit.io.raster`);
    tiles — ``template``, ``subdomains``, ``min_zoom``, ``max_zoom``, ``tile_crs``, ``gcj02``,
    ``gcj02_correction``, ``key``, ``mbtiles``, ``attribution`` (:mod:`mapedit.io.tiles`)."""
    data: BaseLayer | None = None
    """The features of a vector layer (never persisted with the stack: they live in their own
    table)."""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown layer kind {self.kind!r}")
        if self.kind == VECTOR:
            if self.role is None:
                self.role = self.id if self.id in ROLES else "other"
            if self.role not in ROLES:
                raise ValueError(f"unknown layer role {self.role!r}")
        self.opacity = min(1.0, max(0.0, float(self.opacity)))

    @property
    def removable(self) -> bool:
        return self.kind in BASE_KINDS

    @property
    def temporary(self) -> bool:
        """Shown for this session only, never stored (``options["temporary"]``)."""
        return bool(self.options.get("temporary"))

    def label(self, lang: str = "zh") -> str:
        """What the layer list shows: the clerk's name, else the role's or kind's label."""
        if self.name:
            return self.name
        i = 1 if lang == "en" else 0
        if self.kind == VECTOR and self.role in ROLES:
            r = ROLES[self.role]
            return r.en if i else r.zh
        return KIND_LABELS[self.kind][i]

    def feature_count(self) -> int | None:
        return len(self.data) if self.data is not None else None

    def settings(self) -> dict[str, Any]:
        """Everything the stack persists about this layer (not its features)."""
        return {"id": self.id, "kind": self.kind, "name": self.name, "role": self.role,
                "source": self.source, "crs": self.crs,
                "extent": list(self.extent) if self.extent is not None else None,
                "visible": self.visible, "opacity": self.opacity, "style": dict(self.style),
                "options": dict(self.options)}

    @classmethod
    def from_settings(cls, d: dict[str, Any], data: BaseLayer | None = None) -> Layer:
        ext = d.get("extent")
        return cls(id=str(d["id"]), kind=str(d["kind"]), name=d.get("name") or "",
                   role=d.get("role"), source=d.get("source") or "", crs=d.get("crs") or "",
                   extent=tuple(float(v) for v in ext) if ext else None,  # type: ignore[arg-type]
                   visible=bool(d.get("visible", True)), opacity=float(d.get("opacity", 1.0)),
                   style=dict(d.get("style") or {}), options=dict(d.get("options") or {}),
                   data=data)


@dataclass(frozen=True)
class LayerEvent:
    """What changed: ``type`` is ``inserted``, ``removed``, ``moved`` (``index`` is the new
    position), ``changed`` (``fields`` names what) or ``data`` (a vector layer's features)."""

    type: str
    layer: Layer
    index: int
    fields: tuple[str, ...] = ()


Listener = Callable[[LayerEvent], None]

_MUTABLE_FIELDS = ("name", "role", "source", "crs", "extent", "visible", "opacity", "style",
                   "options")


class LayerStack:
    """The ordered layers of a project, bottom first, with change events.

    Mutate through the methods (never the layers' attributes directly) so that listeners hear
    of it; ``revision`` counts changes so a cache can tell whether it is current."""

    def __init__(self, layers: Iterable[Layer] = ()) -> None:
        self._layers: list[Layer] = []
        self._listeners: list[Listener] = []
        self.revision = 0
        self._features_cache: dict[str, tuple[tuple, BaseLayer | None, np.ndarray]] = {}
        for layer in layers:
            self.insert(layer)

    # -- construction --------------------------------------------------------------------
    @classmethod
    def default(cls, base: dict[str, BaseLayer] | None = None) -> LayerStack:
        """The stack of a new project: one vector layer per entry of ``base`` (keyed by role,
        or by any other id for a layer of role ``other``) under the project's own layers, POIs
        above the hierarchy so they stay clickable."""
        base = base or {}
        stack = cls()
        order = [r for r in ROLES if r != "other" and r in base]
        order += [k for k in base if k not in order]
        for key in order:
            data = base[key]
            stack.insert(Layer(id=key, kind=VECTOR, role=key if key in ROLES else "other",
                               data=data))
        for kind in (GRIDS, RESPONSIBILITY_GRIDS, UNITS):
            stack.insert(Layer(id=kind, kind=kind))
        if "pois" in stack:
            stack.move("pois", len(stack))
        for kind in (LABELS, FINDINGS):
            stack.insert(Layer(id=kind, kind=kind))
        return stack

    def ensure_project_layers(self) -> None:
        """Add any missing project layer (a stack read from an older or hand-edited file)."""
        for kind in (GRIDS, RESPONSIBILITY_GRIDS, UNITS, LABELS, FINDINGS):
            if kind not in self:
                self.insert(Layer(id=kind, kind=kind))

    # -- reading -------------------------------------------------------------------------
    def __iter__(self) -> Iterator[Layer]:
        return iter(list(self._layers))

    def __len__(self) -> int:
        return len(self._layers)

    def __contains__(self, layer_id: object) -> bool:
        return any(layer.id == layer_id for layer in self._layers)

    def __getitem__(self, layer_id: str) -> Layer:
        for layer in self._layers:
            if layer.id == layer_id:
                return layer
        raise KeyError(layer_id)

    def get(self, layer_id: str) -> Layer | None:
        for layer in self._layers:
            if layer.id == layer_id:
                return layer
        return None

    def index(self, layer_id: str) -> int:
        for i, layer in enumerate(self._layers):
            if layer.id == layer_id:
                return i
        raise KeyError(layer_id)

    def ids(self) -> list[str]:
        """Layer ids, bottom first."""
        return [layer.id for layer in self._layers]

    def of_kind(self, *kinds: str) -> list[Layer]:
        return [layer for layer in self._layers if layer.kind in kinds]

    def by_role(self, role: str) -> list[Layer]:
        """Vector layers of ``role`` (visible or not: rules read hidden layers too)."""
        return [layer for layer in self._layers if layer.kind == VECTOR and layer.role == role]

    def not_loaded(self, role: str | None = None) -> list[Layer]:
        """Vector layers (of ``role``, or of any role) whose features are not loaded
        (``data`` is None): a project opened for the window reads them after the first
        paint (:meth:`mapedit.project.Project.begin_base_load`); until then
        :meth:`mapedit.model.dataset.Dataset.base` refuses the role."""
        return [ly for ly in self._layers if ly.kind == VECTOR and ly.data is None
                and (role is None or ly.role == role)]

    def features(self, role: str) -> BaseLayer | None:
        """Every feature of every vector layer of ``role`` as one :class:`BaseLayer`
        (None when there is none). Built once per change of those layers, so the checker and
        the tools may call it freely."""
        return self._role_features(role)[0]

    def feature_origin(self, role: str) -> np.ndarray:
        """For :meth:`features`: row i's layer position among :meth:`by_role` (an int array),
        so a tool can say which file a road came from."""
        return self._role_features(role)[1]

    def _role_features(self, role: str) -> tuple[BaseLayer | None, np.ndarray]:
        layers = [ly for ly in self.by_role(role) if ly.data is not None and len(ly.data)]
        key = tuple((ly.id, id(ly.data), len(ly.data)) for ly in layers)  # type: ignore[arg-type]
        hit = self._features_cache.get(role)
        if hit is not None and hit[0] == key:
            return hit[1], hit[2]
        if not layers:
            merged, origin = None, np.empty(0, dtype=np.int32)
        elif len(layers) == 1:
            merged = layers[0].data
            origin = np.zeros(len(merged), dtype=np.int32)  # type: ignore[arg-type]
        else:
            geoms = np.concatenate([np.asarray(ly.data.geometries, dtype=object)  # type: ignore[union-attr]
                                    for ly in layers])
            attrs: list[dict] = []
            for ly in layers:
                a = list(ly.data.attributes)  # type: ignore[union-attr]
                a += [{}] * (len(ly.data) - len(a))  # type: ignore[arg-type]
                attrs += a
            merged = BaseLayer(role, geoms, attrs)
            origin = np.concatenate([np.full(len(ly.data), i, dtype=np.int32)  # type: ignore[arg-type]
                                     for i, ly in enumerate(layers)])
        self._features_cache[role] = (key, merged, origin)
        return merged, origin

    # -- changing ------------------------------------------------------------------------
    def subscribe(self, fn: Listener) -> None:
        if fn not in self._listeners:
            self._listeners.append(fn)

    def unsubscribe(self, fn: Listener) -> None:
        if fn in self._listeners:
            self._listeners.remove(fn)

    def _emit(self, event: LayerEvent) -> None:
        self.revision += 1
        for fn in list(self._listeners):
            fn(event)

    def new_id(self, stem: str) -> str:
        """A free id from ``stem`` (lower-case ASCII letters, digits and ``_``, so it can name
        a GeoPackage table)."""
        import re

        base = re.sub(r"[^a-z0-9_]+", "_", stem.lower()).strip("_") or "layer"
        if base[0].isdigit():
            base = "l_" + base
        taken = set(self.ids())
        if base not in taken:
            return base
        n = 2
        while f"{base}_{n}" in taken:
            n += 1
        return f"{base}_{n}"

    def insert(self, layer: Layer, index: int | None = None) -> Layer:
        """Add ``layer`` at ``index`` (default: on top of the other base layers, under the
        project's own layers, so new imagery never hides the grids)."""
        if layer.id in self:
            raise ValueError(f"a layer {layer.id!r} exists already")
        if layer.kind in PROJECT_KINDS and self.of_kind(layer.kind):
            raise ValueError(f"there is one {layer.kind} layer already")
        if index is None:
            if layer.kind in PROJECT_KINDS:
                index = len(self._layers)
            else:
                project = [i for i, ly in enumerate(self._layers) if ly.kind in PROJECT_KINDS]
                index = project[0] if project else len(self._layers)
        index = max(0, min(len(self._layers), index))
        self._layers.insert(index, layer)
        self._emit(LayerEvent("inserted", layer, index))
        return layer

    def add_vector(self, layer_id: str, data: BaseLayer, role: str | None = None,
                   name: str = "", **kw: Any) -> Layer:
        """Add a vector layer (or replace the features of the layer ``layer_id``)."""
        existing = self.get(layer_id)
        if existing is not None:
            if existing.kind != VECTOR:
                raise ValueError(f"layer {layer_id!r} is not a vector layer")
            self.set_data(layer_id, data)
            if role is not None and role != existing.role:
                self.update(layer_id, role=role)
            return existing
        return self.insert(Layer(id=layer_id, kind=VECTOR, role=role, name=name, data=data, **kw))

    def remove(self, layer_id: str) -> Layer:
        i = self.index(layer_id)
        layer = self._layers[i]
        if not layer.removable:
            raise ValueError(f"the {layer.kind} layer cannot be removed")
        del self._layers[i]
        self._emit(LayerEvent("removed", layer, i))
        return layer

    def move(self, layer_id: str, index: int) -> None:
        """Move a layer to position ``index`` (0 = bottom)."""
        i = self.index(layer_id)
        layer = self._layers.pop(i)
        index = max(0, min(len(self._layers), index))
        self._layers.insert(index, layer)
        if index != i:
            self._emit(LayerEvent("moved", layer, index))

    def reorder(self, ids: Iterable[str]) -> None:
        """Set the whole order, bottom first (ids not named keep their order, underneath)."""
        named = [i for i in dict.fromkeys(ids)]
        unknown = [i for i in named if i not in self]
        if unknown:
            raise KeyError(f"unknown layers: {unknown}")
        rest = [i for i in self.ids() if i not in named]
        for pos, layer_id in enumerate(rest + named):
            self.move(layer_id, pos)

    def update(self, layer_id: str, **changes: Any) -> None:
        """Change settings of a layer (``visible``, ``opacity``, ``name``, ``style``…)."""
        layer = self[layer_id]
        bad = [k for k in changes if k not in _MUTABLE_FIELDS]
        if bad:
            raise ValueError(f"cannot change {bad} of a layer")
        if "opacity" in changes:
            changes["opacity"] = min(1.0, max(0.0, float(changes["opacity"])))
        if "role" in changes:
            if layer.kind != VECTOR or changes["role"] not in ROLES:
                raise ValueError(f"bad role {changes['role']!r} for layer {layer_id!r}")
        done = tuple(k for k, v in changes.items() if getattr(layer, k) != v)
        for k in done:
            setattr(layer, k, changes[k])
        if done:
            self._emit(LayerEvent("changed", layer, self.index(layer_id), done))

    def set_visible(self, layer_id: str, visible: bool) -> None:
        self.update(layer_id, visible=bool(visible))

    def set_opacity(self, layer_id: str, opacity: float) -> None:
        self.update(layer_id, opacity=opacity)

    def set_data(self, layer_id: str, data: BaseLayer | None) -> None:
        layer = self[layer_id]
        if layer.kind != VECTOR:
            raise ValueError(f"layer {layer_id!r} holds no features")
        layer.data = data
        self._emit(LayerEvent("data", layer, self.index(layer_id)))

    def settings(self) -> list[dict[str, Any]]:
        """The stack as plain data (bottom first), for the store and for tests. Layers marked
        ``options["temporary"]`` (e.g. the difference against an earlier export) are shown
        but never persisted."""
        kept = [layer for layer in self._layers if not layer.temporary]
        return [dict(layer.settings(), order=i) for i, layer in enumerate(kept)]

    def __getstate__(self) -> dict[str, Any]:
        # listeners (a canvas, a panel) never travel with a pickled dataset
        return {"_layers": self._layers, "revision": self.revision}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._layers = state["_layers"]
        self.revision = state.get("revision", 0)
        self._listeners = []
        self._features_cache = {}
