"""A whole street's data in memory: hierarchy, micro-grids, base layers, settings.

This is what the checker checks and what the store loads and saves. It is plain data; edits to a
project go through :class:`mapedit.project.Project`, which keeps the store, this dataset and the
checker in step.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from shapely.geometry.base import BaseGeometry

from mapedit.model.catalogue import Catalogue
from mapedit.model.hierarchy import MicroGrid, ResponsibilityGrid, Street, Unit
from mapedit.model.layers import BaseLayer, LayerStack
from mapedit.model.settings import Settings


class GridTable(dict):
    """``fid → MicroGrid`` that counts its own changes (a plain dict otherwise).

    Editing operations and the canvas keep indexes derived from the grids (grids per unit,
    spatial trees, the snapping index). Rescanning 35,000 grids to see whether such an index is
    still valid costs more than the edit itself, so the table keeps a ``revision`` (bumped by
    every insert, replace or delete) and a short log of the fids changed: an index built at
    revision r brings itself up to date from :meth:`changed_since`. Counting here rather than
    in ``Project.apply`` keeps the indexes right however the dict is changed (scripts and tests
    assign to it directly). Reads are plain ``dict`` reads, at C speed.

    Consumers may keep their derived indexes in :attr:`derived` (per table object, never
    pickled or copied), so an index dies with the grids it was built from. Grids are replaced
    (``MicroGrid.replace``), never changed in place once in the table: an in-place change
    would not be counted."""

    LOG_LIMIT = 4096
    """Changes remembered; an index older than that rebuilds itself."""

    # Class-level defaults: unpickling and copying insert items before the instance dict is
    # restored, so ``__setitem__`` must work on a bare instance.
    revision: int = 0
    _log_start: int = 0
    _log: list[int] | None = None
    _derived: dict[str, Any] | None = None

    def _note(self, fid: object) -> None:
        if self._log is None:
            self._log = []
        self._log.append(fid)  # type: ignore[arg-type]
        self.revision = self._log_start + len(self._log)
        if len(self._log) > 2 * self.LOG_LIMIT:
            drop = len(self._log) - self.LOG_LIMIT
            self._log = self._log[drop:]
            self._log_start += drop

    def changed_since(self, revision: int) -> set[int] | None:
        """Fids inserted, replaced or deleted after ``revision``; None when that is too long
        ago to tell (rebuild from scratch)."""
        if revision == self.revision:
            return set()
        if revision < self._log_start or revision > self.revision:
            return None
        return set((self._log or [])[revision - self._log_start:])

    @property
    def derived(self) -> dict[str, Any]:
        """Scratch space for indexes derived from this table (see the class doc)."""
        if self._derived is None:
            self._derived = {}
        return self._derived

    def __getstate__(self) -> dict[str, Any]:
        return {}  # counters restart and derived indexes are rebuilt on demand

    def __setitem__(self, fid: int, grid: MicroGrid) -> None:
        dict.__setitem__(self, fid, grid)
        self._note(fid)

    def __delitem__(self, fid: int) -> None:
        dict.__delitem__(self, fid)
        self._note(fid)

    def pop(self, fid: int, *default: Any) -> Any:
        had = fid in self
        value = dict.pop(self, fid, *default)
        if had:
            self._note(fid)
        return value

    def popitem(self) -> tuple[int, MicroGrid]:
        item = dict.popitem(self)
        self._note(item[0])
        return item

    def setdefault(self, fid: int, default: Any = None) -> Any:
        if fid not in self:
            self[fid] = default
        return dict.__getitem__(self, fid)

    def update(self, *args: Any, **kwargs: Any) -> None:
        for k, v in dict(*args, **kwargs).items():
            self[k] = v

    def __ior__(self, other: Any) -> GridTable:
        self.update(other)
        return self

    def clear(self) -> None:
        dict.clear(self)
        # Nothing to list: every index built before is too old.
        self._log = []
        self._log_start = self.revision + 1
        self.revision = self._log_start


def _grid_table(grids: Iterable | dict | None) -> GridTable:
    return grids if isinstance(grids, GridTable) else GridTable(grids or {})


@dataclass
class Dataset:
    crs: str
    """The metric CRS as ``EPSG:nnnn`` (or WKT); all geometries are in it."""
    street: Street | None = None
    responsibility_grids: dict[str, ResponsibilityGrid] = field(default_factory=dict)
    units: dict[str, Unit] = field(default_factory=dict)
    grids: dict[int, MicroGrid] = field(default_factory=dict)
    """Keyed by ``fid``; grids from an exchange file get fids 1..n in file order."""
    layers: LayerStack = field(default_factory=LayerStack.default)
    """Every layer of the map, bottom first: base layers (vector by role, imagery, tiles) and
    the project's own. Rules and tools read base features by role (:meth:`base`)."""
    catalogue: Catalogue = field(default_factory=Catalogue.default)
    settings: Settings = field(default_factory=Settings)

    def __post_init__(self) -> None:
        object.__setattr__(self, "grids", _grid_table(self.grids))

    def __setattr__(self, name: str, value: Any) -> None:
        # ``grids`` is always a GridTable, even when a script assigns a plain dict.
        object.__setattr__(self, name, _grid_table(value) if name == "grids" else value)

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.__dict__["grids"] = _grid_table(self.__dict__.get("grids"))

    @property
    def revision(self) -> int:
        """Changes made to :attr:`grids` so far (see :class:`GridTable`)."""
        return self.grids.revision

    def grids_of_unit(self, unit_code: str) -> list[MicroGrid]:
        return [g for g in self.grids.values() if g.unit_code == unit_code]

    def base(self, role: str) -> BaseLayer | None:
        """All features of the vector layers of ``role`` (``roads``, ``buildings``, …; see
        :data:`mapedit.model.layers.ROLES`) as one layer, or None when there are none.

        Raises :class:`~mapedit.errors.BaseLayerNotLoaded` while a layer of ``role`` is still
        being read (the window opens a project without its base layers' features and reads
        them in the background): a result computed from a missing layer — households summed
        over no buildings, a split along no road — would be wrong, not merely incomplete.
        Views that may simply draw or snap without it use :meth:`base_loaded`."""
        waiting = self.layers.not_loaded(role)
        if waiting:
            from mapedit.errors import BaseLayerNotLoaded

            raise BaseLayerNotLoaded([ly.label("zh") for ly in waiting],
                                     [ly.label("en") for ly in waiting])
        return self.base_loaded(role)

    def base_loaded(self, role: str) -> BaseLayer | None:
        """:meth:`base` from the layers of ``role`` loaded so far, never raising (None while
        they are all still loading): for snapping and hit tests, which look again later."""
        layer = self.layers.features(role)
        return layer if layer is not None and len(layer) else None

    def loading(self) -> bool:
        """Whether any base layer's features are still being read (see :meth:`base`)."""
        return bool(self.layers.not_loaded())

    def extent(self) -> tuple[float, float, float, float] | None:
        import shapely

        geoms: list[BaseGeometry] = [u.geometry for u in self.units.values() if u.geometry]
        if self.street and self.street.geometry is not None:
            geoms.append(self.street.geometry)
        if not geoms:
            return None
        b = shapely.total_bounds(np.asarray(geoms, dtype=object))
        return tuple(float(v) for v in b)  # type: ignore[return-value]
