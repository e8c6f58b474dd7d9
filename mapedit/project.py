"""The Project facade: the one door every edit goes through (GUI tools, CLI import, undo/redo).

``Project.apply(changeset)`` validates the change (editing rules that are refused outright, not
merely reported), writes it to the GeoPackage in one transaction, updates the in-memory dataset,
asks the checker to re-check only what changed, and tells listeners. Because undo is just
``apply(changeset.inverse())``, undo and redo take exactly the same path as the edit, and the
file, the dataset and the findings never drift apart.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from mapedit.errors import EditRefused, InputError
from mapedit.heap import release_free_memory
from mapedit.io.gpkg import GpkgStore
from mapedit.io.store import ProjectStore, RemoteChanges, StoreError
from mapedit.model.changes import ChangeSet, GridChange
from mapedit.model.dataset import Dataset
from mapedit.model.hierarchy import MicroGrid
from mapedit.model.layers import VECTOR, BaseLayer, Layer, LayerEvent
from mapedit.model.settings import Settings
from mapedit.rules.findings import Finding

Listener = Callable[[ChangeSet], None]


class CheckerLike(Protocol):
    """What the project needs from ``mapedit.rules.engine.Checker`` (``run_full`` takes an
    optional ``progress(done, total)`` callback, given only for a background check)."""

    findings: list[Finding]
    dataset: Dataset

    def run_full(self) -> list[Finding]: ...

    def update(self, changed_fids: Any,
               old_geometries: dict[int, BaseGeometry | None]) -> list[Finding]: ...

    def summary(self) -> dict: ...

    def set_accepted(self, key: str, reason: str | None) -> None: ...


CheckerFactory = Callable[[Dataset, dict[str, str]], CheckerLike]


def default_checker_factory(dataset: Dataset, accepted: dict[str, str]) -> CheckerLike:
    """The real checker; imported late so opening a project (``mapedit info``) does not pay
    for the rules engine."""
    from mapedit.rules.engine import Checker  # noqa: PLC0415

    return Checker(dataset, accepted=accepted)


_POLYGONAL = ("Polygon", "MultiPolygon")

Progress = Callable[[int, int], None]


class BackgroundCheck:
    """A full check of a snapshot of the project, made by
    :meth:`Project.begin_background_check` on the main thread; :meth:`run` it in any thread
    (``progress(done, total)`` is called from that thread), then hand it to
    :meth:`Project.finish_background_check` on the main thread."""

    def __init__(self, snapshot: Dataset, revision: int, accepted: dict[str, str],
                 factory: CheckerFactory, progress: Progress | None) -> None:
        self.snapshot = snapshot
        self.revision = revision
        self.accepted = accepted
        self._factory = factory
        self._progress = progress
        self.checker: CheckerLike | None = None
        self.error: BaseException | None = None
        self.done = False

    def run(self) -> None:
        """Check the snapshot (all of it: this is the slow part). Errors are kept for
        :meth:`Project.finish_background_check` to raise on the main thread."""
        try:
            checker = self._factory(self.snapshot, dict(self.accepted))
            if self._progress is not None:
                checker.run_full(progress=self._progress)  # type: ignore[call-arg]
            else:
                checker.run_full()
            # Each finding's key (a hash of its location) is what the views compare after
            # every edit; made here, off the main thread (60,000 of them cost 0.5 s).
            for finding in getattr(checker, "findings", ()):
                finding.key  # noqa: B018 - cached on the finding
            warm = getattr(checker, "warm", None)
            if warm is not None:  # indexes the first edit would otherwise wait for
                release_free_memory()  # the check's temporaries: not on top of the indexes
                warm()
            self.checker = checker
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread
            self.error = exc
        finally:
            self.done = True


class BaseLayerLoad:
    """Reading the features of the base layers a project was opened without
    (``Project.open(..., defer_base_layers=True)``): made by :meth:`Project.begin_base_load`
    on the main thread, :meth:`run` in any thread (the store reads through a connection of its
    own), then :meth:`Project.finish_base_load` on the main thread puts the features into
    ``dataset.layers``. Most of a city's file is buildings the map does not draw at full
    extent, so the window paints the hierarchy first and reads these meanwhile."""

    def __init__(self, store: ProjectStore, ids: list[str]) -> None:
        self._store = store
        self.ids = ids
        self.data: dict[str, Any] = {}
        self.notes: list[str] = []
        self.error: BaseException | None = None
        self.done = False

    def run(self) -> None:
        try:
            self.data, self.notes = self._store.read_base_layers(self.ids)  # type: ignore[attr-defined]
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread
            self.error = exc
        finally:
            self.done = True


def _label(g: MicroGrid) -> str:
    return g.code or g.name or f"fid {g.fid}"


class Project:
    """An open project: ``path``, ``store`` (a :class:`ProjectStore`, today the GeoPackage),
    ``dataset`` (in memory) and a lazily built ``checker``.

    The project keeps the store, the dataset and the checker in step: local edits go through
    :meth:`apply`, edits made elsewhere (another window, QGIS, a merged package) through
    :meth:`apply_remote` (or :meth:`catch_up`), both ending in the same dataset → checker →
    listeners path. It listens to ``dataset.layers`` and persists what the UI changes there
    (visibility, opacity, order, style; a vector layer's features)."""

    checker_factory: CheckerFactory = staticmethod(default_checker_factory)  # type: ignore[assignment]
    """Class-level hook; tests (and tools without the rules engine) may replace it, or pass
    ``checker_factory=`` to :meth:`open`/:meth:`create`."""

    def __init__(self, path: Path, store: ProjectStore, dataset: Dataset,
                 checker_factory: CheckerFactory | None = None) -> None:
        self.path = path
        self.store = store
        self.dataset = dataset
        self._layers_muted = 0
        self.layer_settings_unsaved = False
        """True when the last change of layer visibility/opacity/order/style could not be
        written (a read-only or busy file); it stays in memory."""
        dataset.layers.subscribe(self._on_layers_changed)
        if checker_factory is not None:
            self.checker_factory = checker_factory  # type: ignore[assignment]
        self._checker: CheckerLike | None = None
        self._job: BackgroundCheck | None = None
        self._listeners: list[Listener] = []
        self._former: dict[int, list[MicroGrid]] = {}
        """Versions of grids this session replaced or deleted, by fid: putting one of them
        back (undo/redo) is a restore and may bring back what a fresh edit may not (an
        invalid imported geometry, a grid of an unknown unit)."""

    # -- opening ---------------------------------------------------------------------------
    @classmethod
    def create(cls, path: str | os.PathLike, dataset: Dataset, overwrite: bool = False,
               checker_factory: CheckerFactory | None = None) -> Project:
        """Write ``dataset`` as a new project file and open it (the dataset is re-read from
        the file, so what the editor shows is exactly what was stored)."""
        store = GpkgStore.create(path, dataset, overwrite=overwrite)
        try:
            loaded = store.load()
        except BaseException:
            store.close()
            raise
        return cls(Path(path), store, loaded, checker_factory)

    @classmethod
    def open(cls, path: str | os.PathLike, checker_factory: CheckerFactory | None = None,
             defer_base_layers: bool = False) -> Project:
        """Open a project file. ``defer_base_layers`` (the window) leaves the base layers'
        features out; they are read by :meth:`begin_base_load` / :meth:`finish_base_load`
        after the first paint, and until then :meth:`Dataset.base` refuses their roles."""
        store = GpkgStore.open(path)
        try:
            dataset = store.load(base_layers=not defer_base_layers)
        except BaseException:
            store.close()
            raise
        return cls(Path(path), store, dataset, checker_factory)

    def close(self) -> None:
        self.dataset.layers.unsubscribe(self._on_layers_changed)
        self.store.close()

    @property
    def load_messages(self) -> list[str]:
        """Notes from opening and loading (file upgraded, geometries repaired on load)."""
        return list(getattr(self.store, "messages", []))

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- checker ---------------------------------------------------------------------------
    @property
    def checker(self) -> CheckerLike:
        """Built (and run once over everything) on first use, so opening a project for the
        CLI or a quick look costs nothing; afterwards kept current by :meth:`apply`."""
        if self._checker is None:
            checker = self.checker_factory(self.dataset, self.store.accepted_findings())
            checker.run_full()
            self._checker = checker
        return self._checker

    @property
    def checker_built(self) -> bool:
        return self._checker is not None

    @property
    def checker_ready(self) -> bool:
        """Whether findings exist yet. While a background check runs it is False:
        :meth:`apply` does not check, and the UI must not read :attr:`findings` (that would
        run a second full check on the main thread)."""
        return self._checker is not None

    # -- base layers read after opening ---------------------------------------------------
    @property
    def base_loading(self) -> bool:
        """Whether base layers' features are still to be read (see :meth:`begin_base_load`)."""
        return self.dataset.loading()

    def begin_base_load(self) -> BaseLayerLoad | None:
        """Start reading the features of the base layers the project was opened without
        (main thread); None when there are none. ``job.run()`` in any thread, then
        :meth:`finish_base_load`. Until then :meth:`Dataset.base` refuses those roles and
        :meth:`begin_background_check` refuses to start (the rules read buildings and
        villager groups)."""
        ids = [ly.id for ly in self.dataset.layers.not_loaded()]
        if not ids:
            return None
        return BaseLayerLoad(self.store, ids)

    def finish_base_load(self, job: BaseLayerLoad) -> list[str]:
        """Put the features ``job`` read into ``dataset.layers`` (main thread): layers still
        waiting for them get them (one removed or replaced meanwhile is left alone; one whose
        table is gone gets no features), the layers' listeners (the canvas, the layer panel)
        hear of it, nothing is written back, and the project's listeners are told with an
        empty change set. Returns the notes about geometries repaired while reading; raises
        what the job raised (the layers then stay unloaded)."""
        if job.error is not None:
            raise job.error
        if not job.done:
            raise RuntimeError("finish_base_load needs a job that has run")
        stack = self.dataset.layers
        with self._muted_layers():
            for lid in job.ids:
                layer = stack.get(lid)
                if layer is None or layer.kind != VECTOR or layer.data is not None:
                    continue
                data = job.data.get(lid)
                if data is None:
                    data = BaseLayer(lid, np.empty(0, dtype=object), [])
                stack.set_data(lid, data)
        self._invalidate_checker()
        self._notify(ChangeSet("底图已载入", "base layers loaded", []))
        return list(job.notes)

    def begin_background_check(self, progress: Progress | None = None) -> BackgroundCheck:
        """Start a full check off the main thread (main thread only). Takes a snapshot of the
        grids (the objects are shared: grids are replaced, never changed in place) so edits
        may go on while the job runs; call ``job.run()`` in a worker thread, then
        :meth:`finish_background_check`. Until then :attr:`checker_ready` is False."""
        ds = self.dataset
        if ds.loading():  # the rules read base layers: never check without them
            ds.base(ds.layers.not_loaded()[0].role or "other")  # raises BaseLayerNotLoaded
        snapshot = Dataset(crs=ds.crs, street=ds.street,
                           responsibility_grids=ds.responsibility_grids, units=dict(ds.units),
                           grids=dict(ds.grids), layers=ds.layers, catalogue=ds.catalogue,
                           settings=ds.settings)
        job = BackgroundCheck(snapshot, ds.grids.revision, self.store.accepted_findings(),
                              self.checker_factory, progress)
        self._checker = None
        self._job = job
        return job

    def finish_background_check(self, job: BackgroundCheck) -> bool:
        """Install the checker of a finished ``job`` (main thread only): it is moved onto the
        live dataset and re-checks what was edited while it ran (the grid table's revision
        log says what), so its findings are those of a full check of the project as it is
        now; then listeners are told (with an empty change set). Returns False for a job that
        was superseded by a newer one (nothing changes); raises what the job raised."""
        if job is not self._job:
            return False
        # read first: a store busy with a long write refuses, and the job stays current
        accepted = self.store.accepted_findings() if job.error is None else {}
        self._job = None
        if job.error is not None:
            raise job.error
        if not job.done or job.checker is None:
            raise RuntimeError("finish_background_check needs a job that has run")
        checker = job.checker
        live, snap = self.dataset.grids, job.snapshot.grids
        changed = live.changed_since(job.revision)
        if changed is None:  # too many edits to list: compare the grids themselves
            changed = {f for f in set(live) | set(snap) if live.get(f) is not snap.get(f)}
        checker.dataset = self.dataset
        if changed:
            old = {f: (snap[f].geometry if f in snap else None) for f in changed}
            checker.update(changed, old)
        for key in set(job.accepted) | set(accepted):
            if job.accepted.get(key) != accepted.get(key):
                checker.set_accepted(key, accepted.get(key))
        self._checker = checker
        done = ChangeSet("检查完成", "check finished", [])
        for fn in list(self._listeners):
            fn(done)
        return True

    @property
    def findings(self) -> list[Finding]:
        return self.checker.findings

    def summary(self) -> dict:
        return self.checker.summary()

    def accept_finding(self, finding: Finding, reason: str, who: str = "") -> None:
        """Record a finding as an accepted exception (kept in the project file). Refused for
        a finding that must be fixed (``finding.acceptable`` False: invalid geometry,
        duplicate codes, ... see ``mapedit.rules.findings.MUST_FIX``)."""
        if not finding.acceptable:
            raise EditRefused(
                f"“{finding.message_zh}”必须修正,不能标记为例外(导出的数据将不符合平台要求)",
                f"'{finding.message_en}' must be fixed; it cannot be accepted as an exception "
                "(the exported data would not meet the platform's contract)")
        if not reason or not reason.strip():
            raise InputError("接受例外需要填写理由", "accepting a finding needs a reason")
        self.store.set_accepted(finding.key, finding.rule, reason, who)
        finding.accepted = True
        finding.accept_reason = reason
        if self._checker is not None:
            self._checker.set_accepted(finding.key, reason)

    def unaccept(self, finding: Finding, who: str = "") -> None:
        self.store.set_accepted(finding.key, finding.rule, None, who)
        finding.accepted = False
        finding.accept_reason = ""
        if self._checker is not None:
            self._checker.set_accepted(finding.key, None)

    # -- listeners -------------------------------------------------------------------------
    def add_listener(self, fn: Listener) -> None:
        if fn not in self._listeners:
            self._listeners.append(fn)

    def remove_listener(self, fn: Listener) -> None:
        if fn in self._listeners:
            self._listeners.remove(fn)

    # -- units and settings ----------------------------------------------------------------
    def set_unit_locked(self, code: str, locked: bool, who: str = "") -> None:
        unit = self.dataset.units.get(code)
        if unit is None:
            raise InputError(f"没有编码为 {code} 的管理单元", f"no management unit {code}")
        self.store.set_unit_locked(code, locked, who)
        unit.locked = locked

    def save_settings(self, settings: Settings, who: str = "") -> None:
        """Store new tolerances/bands and re-check everything with them."""
        self.store.save_settings(settings, who)
        if settings != self.dataset.settings:
            self.dataset.settings = settings
            self._invalidate_checker()
            self._notify(ChangeSet("修改设置", "change settings", []))

    # -- layers ----------------------------------------------------------------------------
    @contextlib.contextmanager
    def _muted_layers(self) -> Iterator[None]:
        """Change ``dataset.layers`` without persisting each event (the caller persists)."""
        self._layers_muted += 1
        try:
            yield
        finally:
            self._layers_muted -= 1

    def add_layer(self, layer: Layer, index: int | None = None, who: str = "") -> Layer:
        """Add a base layer: stored first, in one transaction (a vector layer's features become
        a feature table GIS programs open; an image marked ``options["embedded"]`` is written
        as GeoPackage tiles), then put into ``dataset.layers``. The GUI runs the two halves
        apart: :meth:`write_layer` in a worker, :meth:`layer_written` back on its thread."""
        self.write_layer(layer, who=who)
        return self.layer_written(layer, index)

    def write_layer(self, layer: Layer, who: str = "", replace: bool = False,
                    progress: Callable[[float], None] | None = None) -> None:
        """The slow half of :meth:`add_layer` — the store transaction — safe to run in a
        worker thread: it touches the store only (whose connection is locked; edits made on
        the GUI thread meanwhile are refused with ``StoreBusyError`` after a short wait, and
        nothing is half-written), never the dataset. ``replace`` stores a new version of a
        layer already in the project (an adjusted georeference). ``progress(fraction)`` may
        raise to abandon the write (rolled back). Follow it with :meth:`layer_written` on the
        thread that owns the dataset."""
        if not replace and layer.id in self.dataset.layers:
            raise InputError(f"图层 {layer.id} 已存在", f"layer {layer.id} exists already")
        self.store.add_layer(layer, who=who, replace=replace, progress=progress)

    def layer_written(self, layer: Layer, index: int | None = None) -> Layer:
        """The quick half of :meth:`add_layer`, after :meth:`write_layer` (the dataset's
        thread): put the stored layer into ``dataset.layers`` (or, for a layer already there,
        take its new settings), persist the order, re-check when base features changed."""
        stack = self.dataset.layers
        with self._muted_layers():
            if layer.id in stack:  # replaced: what was written; visibility stays the clerk's
                stack.update(layer.id, **{k: getattr(layer, k) for k in (
                    "name", "source", "crs", "extent", "style", "options")})
                if layer.kind == VECTOR and layer.data is not None:
                    stack.set_data(layer.id, layer.data)
            else:
                stack.insert(layer, index)
        self.store.save_layer_settings(stack.settings())
        if layer.kind == VECTOR:
            self._base_layers_changed()
        return stack[layer.id]

    def remove_layer(self, layer_id: str, who: str = "") -> Layer:
        """Remove a base layer from the file and from ``dataset.layers``."""
        stack = self.dataset.layers
        layer = stack.get(layer_id)
        if layer is None:
            raise InputError(f"没有图层 {layer_id}", f"no layer {layer_id}")
        if not layer.removable:
            raise InputError(f"项目图层 {layer_id} 不能删除",
                             f"the project layer {layer_id} cannot be removed")
        self.store.remove_layer(layer_id, who)
        with self._muted_layers():
            stack.remove(layer_id)
        self.store.save_layer_settings(stack.settings())
        if layer.kind == VECTOR:
            self._base_layers_changed()
        return layer

    def _on_layers_changed(self, event: LayerEvent) -> None:
        """Persist what the UI (or a script) changed in ``dataset.layers``."""
        if self._layers_muted or event.layer.temporary:
            return
        layer = event.layer
        vector = layer.kind == VECTOR
        if event.type == "inserted" and layer.removable:
            self.store.add_layer(layer)
        elif event.type == "removed" and layer.removable:
            self.store.remove_layer(layer.id)
        elif event.type == "data" and vector:
            self.store.add_vector_layer(layer, replace=True)
        if event.type in ("changed", "moved"):
            self._save_view_settings()
        else:
            self.store.save_layer_settings(self.dataset.layers.settings())
        if vector and event.type in ("inserted", "removed", "data"):
            self._base_layers_changed()

    def _save_view_settings(self) -> None:
        """Visibility, opacity, order, style: a read-only or busy file keeps them in memory
        (and the next successful save writes the whole stack) instead of an error dialog on
        every click. A change made elsewhere still refuses (``ProjectChangedError``), so the
        clerk reloads rather than overwriting another window's layer settings."""
        try:
            self.store.save_layer_settings(self.dataset.layers.settings())
            self.layer_settings_unsaved = False
        except StoreError:
            self.layer_settings_unsaved = True

    def _base_layers_changed(self) -> None:
        """Rules read base layers by role (buildings, villager groups…): check again."""
        self._invalidate_checker()
        self._notify(ChangeSet("图层变化", "layers changed", []))

    # -- edits -----------------------------------------------------------------------------
    def apply(self, changeset: ChangeSet, who: str = "",
              allow_invalid: bool = False) -> ChangeSet:
        """Validate, store (one transaction), update the dataset, re-check, notify.

        The ``after`` objects are written verbatim and become the dataset's grids; inserts
        without a fid get one. Returns ``changeset`` so ``apply(cs.inverse())`` undoes it
        exactly (same fids, same timestamps). ``allow_invalid`` lets an import bring in
        invalid or empty geometries for the checker to report.
        """
        if not changeset.changes:
            return changeset
        self._validate(changeset, allow_invalid)
        fids = self.store.write_changes(changeset, who)
        inserts = [ch.after for ch in changeset.changes if ch.before is None and ch.after]
        for grid, fid in zip(inserts, fids, strict=True):
            if grid.fid is None:
                grid.fid = fid  # so that the inverse deletes exactly this row
        old_geoms = self._update_grids(changeset.changes, remember=True)
        if self._checker is not None:
            self._checker.update(set(old_geoms), old_geoms)
        self._notify(changeset)
        return changeset

    def _update_grids(self, changes: list[GridChange], remember: bool
                      ) -> dict[int, BaseGeometry | None]:
        """Put ``changes`` into ``dataset.grids``; returns the old geometry of every fid
        touched (None for inserts), as ``checker.update`` wants."""
        grids = self.dataset.grids
        old_geoms: dict[int, BaseGeometry | None] = {}
        for ch in changes:
            if ch.before is not None and ch.before.fid is not None:
                fid = ch.before.fid
                old = grids.get(fid)
                if old is not None:
                    if remember:
                        self._former.setdefault(fid, []).append(old)
                    if ch.after is None:
                        del grids[fid]  # an update replaces in place, keeping the dict order
                old_geoms.setdefault(fid, old.geometry if old is not None else None)
            if ch.after is not None:
                fid = ch.after.fid
                assert fid is not None  # the store assigned it
                old_geoms.setdefault(fid, None)
                grids[fid] = ch.after
        return old_geoms

    def _notify(self, changeset: ChangeSet) -> None:
        for fn in list(self._listeners):
            fn(changeset)

    def _invalidate_checker(self) -> None:
        """The next use of :attr:`checker` runs a full check (settings, units or base layers
        changed: an incremental update cannot tell what that affects)."""
        self._checker = None

    # -- edits made elsewhere --------------------------------------------------------------
    def catch_up(self) -> ChangeSet:
        """Take in what other programs changed since we loaded or last caught up (what the
        GUI's "reload" does after a :class:`~mapedit.errors.ProjectChangedError`); afterwards
        writing is allowed again."""
        return self.apply_remote(self.store.changes_since(self.store.seen_revision))

    def apply_remote(self, changes: RemoteChanges) -> ChangeSet:
        """Run changes made elsewhere (another clerk, a merged package, QGIS) through the same
        dataset → checker → listeners path as a local edit, without writing them again and
        without the editing rules (they happened already: a lock does not stop them). The
        changes are already in the store (normally read by ``store.changes_since``, which this
        acknowledges). Returns the grid changes as a change set (not meant to be undone: it
        is not ours)."""
        ds = self.dataset
        recheck = bool(changes.full)
        if changes.full:
            current = set(ds.grids) | set(changes.grids)
            pairs = [(ds.grids.get(f), changes.grids.get(f)) for f in sorted(current)]
        else:
            pairs = [(ds.grids.get(f), g) for f, g in changes.grids.items()]
        grid_changes = [GridChange(old, new) for old, new in pairs
                        if (old is not None or new is not None)
                        and not (old is not None and new is not None and old == new)]
        old_geoms = self._update_grids(grid_changes, remember=False)
        if changes.units is not None:
            recheck |= self._take_units(changes.units)
        if changes.hierarchy is not None:
            street, rgs = changes.hierarchy
            ds.street, ds.responsibility_grids = street, dict(rgs)
            recheck = True
        if changes.settings is not None and changes.settings != ds.settings:
            ds.settings = changes.settings
            recheck = True
        if changes.catalogue is not None and changes.catalogue.raw != ds.catalogue.raw:
            ds.catalogue = changes.catalogue
            recheck = True
        if changes.layers is not None:
            recheck |= self._take_layers(changes.layers)
        if recheck:
            self._invalidate_checker()
        elif self._checker is not None:
            if old_geoms:
                self._checker.update(set(old_geoms), old_geoms)
            for key, reason in changes.accepted.items():
                self._checker.set_accepted(key, reason)
        self.store.acknowledge(changes)
        cs = ChangeSet("其他程序的修改", "changes made elsewhere", grid_changes)
        if changes:
            self._notify(cs)
        return cs

    def _take_units(self, units: dict) -> bool:
        """Bring ``dataset.units`` to ``units``; True when more than locks changed. A lock
        changes the existing object (the tree and tools hold it)."""
        ds = self.dataset
        structural = False
        for code in [c for c in ds.units if c not in units]:
            del ds.units[code]
            structural = True
        for code, unit in units.items():
            old = ds.units.get(code)
            if old is None:
                ds.units[code] = unit
                structural = True
            elif old != unit:
                if dataclasses.replace(old, locked=unit.locked) == unit:
                    old.locked = unit.locked
                else:
                    ds.units[code] = unit
                    structural = True
        return structural

    def _take_layers(self, layers: list[Layer]) -> bool:
        """Bring ``dataset.layers`` to the stored stack (not persisting it again); True when
        base features changed."""
        stack = self.dataset.layers
        changed = False
        wanted = {ly.id: ly for ly in layers}
        with self._muted_layers():
            for lid in stack.ids():
                if lid not in wanted and stack[lid].removable:
                    changed |= stack[lid].kind == VECTOR
                    stack.remove(lid)
            for ly in layers:
                have = stack.get(ly.id)
                if have is None:
                    if ly.kind == VECTOR and ly.data is None:
                        continue  # cannot show a layer without its features
                    stack.insert(ly)
                    changed |= ly.kind == VECTOR
                    continue
                mine, theirs = have.settings(), ly.settings()
                diff = {k: v for k, v in theirs.items()
                        if k not in ("id", "kind") and mine.get(k) != v}
                if diff.get("extent") is not None:
                    diff["extent"] = tuple(diff["extent"])
                if diff:
                    stack.update(ly.id, **diff)
                if ly.kind == VECTOR and ly.data is not None:
                    stack.set_data(ly.id, ly.data)
                    changed = True
            stack.reorder([ly.id for ly in layers if ly.id in stack])
            stack.ensure_project_layers()
        return changed

    def _is_restore(self, g: MicroGrid) -> bool:
        return g.fid is not None and any(g == v for v in self._former.get(g.fid, ()))

    def _validate(self, cs: ChangeSet, allow_invalid: bool) -> None:
        """Refuse what editing must never do, before anything is written.

        Changes are checked in order against the state they would produce, so a change set
        may touch the same grid twice (e.g. delete then re-insert)."""
        units = self.dataset.units
        present: dict[int, MicroGrid | None] = {}  # overrides of dataset.grids while checking

        def current(fid: int | None) -> MicroGrid | None:
            if fid is None:
                return None
            return present[fid] if fid in present else self.dataset.grids.get(fid)

        for ch in cs.changes:
            before, after = ch.before, ch.after
            if before is None and after is None:
                raise EditRefused("空的修改", "an empty change")
            if before is not None:
                now = current(before.fid)
                if before.fid is None or now is None:
                    raise EditRefused(f"微网格 {_label(before)} 不在项目中(可能已被删除)",
                                      f"micro-grid {_label(before)} is not in the project "
                                      "(deleted already?)")
                if now is not before and now != before:
                    # an undo/redo or a prepared edit from before someone else changed it:
                    # applying it would silently overwrite that change
                    raise EditRefused(
                        f"微网格 {_label(before)} 已被修改(可能是其他程序或窗口),"
                        "此操作基于修改前的版本,不能应用",
                        f"micro-grid {_label(before)} has changed since this edit was made "
                        "(perhaps by another program or window); it cannot be applied")
                self._refuse_locked(before)
            if after is not None:
                self._refuse_locked(after)
                if before is None and after.fid is not None and current(after.fid) is not None:
                    raise EditRefused(f"微网格编号 fid {after.fid} 已被占用",
                                      f"micro-grid fid {after.fid} is taken")
                if before is not None and after.fid != before.fid:
                    raise EditRefused("修改不能改变微网格的内部编号(fid)",
                                      "an edit cannot change a micro-grid's fid")
                if before is not None and after.unit_code != before.unit_code:
                    raise EditRefused(
                        f"微网格 {_label(before)} 不能离开所属管理单元 {before.unit_code}"
                        f"(不能改为 {after.unit_code})",
                        f"micro-grid {_label(before)} cannot leave its unit "
                        f"{before.unit_code} (not to {after.unit_code})")
                restore = self._is_restore(after)
                if before is None and after.unit_code not in units and not restore:
                    raise EditRefused(
                        f"管理单元 {after.unit_code or '(空)'} 不存在,不能在其中新建微网格",
                        f"unit {after.unit_code or '(empty)'} does not exist; "
                        "cannot add a micro-grid to it")
                geometry_kept = before is not None and after.geometry is before.geometry
                if not (allow_invalid or restore or geometry_kept):
                    self._refuse_bad_geometry(after)
                elif after.geometry is not None and after.geometry.geom_type not in _POLYGONAL:
                    raise EditRefused(
                        f"微网格 {_label(after)} 必须是面(收到 {after.geometry.geom_type})",
                        f"micro-grid {_label(after)} must be a polygon "
                        f"(got {after.geometry.geom_type})")
            fid = after.fid if after is not None else before.fid  # type: ignore[union-attr]
            if before is not None and before.fid != fid:
                present[before.fid] = None  # type: ignore[index]
            if fid is not None:
                present[fid] = after
            # an insert without a fid gets one from the store; nothing to track here

    def _refuse_locked(self, g: MicroGrid) -> None:
        self.check_editable(g.unit_code, _label(g))

    def check_editable(self, unit_code: str | None, grid: str = "") -> None:
        """Raise :class:`EditRefused` when ``unit_code`` is locked: the one place the lock is
        checked (tools ask it before a drawing starts, :meth:`apply` before writing)."""
        unit = self.dataset.units.get(unit_code or "")
        if unit is not None and unit.locked:
            what_zh = f"其中的微网格 {grid}" if grid else "其中的微网格"
            what_en = f"micro-grid {grid}" if grid else "its micro-grids"
            raise EditRefused(
                f"管理单元 {unit.name}({unit.code})已锁定,不能修改{what_zh};请先解锁"
                "(编辑 → 锁定/解锁管理单元)",
                f"unit {unit.name} ({unit.code}) is locked; {what_en} cannot be "
                "edited. Unlock the unit first (Edit → Lock/unlock unit)")

    @staticmethod
    def _refuse_bad_geometry(g: MicroGrid) -> None:
        geom = g.geometry
        if geom is None or geom.is_empty:
            raise EditRefused(f"微网格 {_label(g)} 没有图形", f"micro-grid {_label(g)} has no shape")
        if geom.geom_type not in _POLYGONAL:
            raise EditRefused(f"微网格 {_label(g)} 必须是面(收到 {geom.geom_type})",
                              f"micro-grid {_label(g)} must be a polygon (got {geom.geom_type})")
        if not geom.is_valid:
            reason = shapely.is_valid_reason(geom)
            raise EditRefused(f"微网格 {_label(g)} 的图形无效:{reason}",
                              f"micro-grid {_label(g)} has an invalid shape: {reason}")


# -- shared by the CLI and the GUI (one code path for "new from units" and "import grids") -----
def _unit_label(u: Any) -> str:
    return f"{u.code}({u.name})" if u.name else u.code


def _refuse_bad_units(units: list) -> None:
    """Every unit must be a valid, non-empty polygon before a project is made of them: the
    street and responsibility grids are their unions, and everything is checked against
    them. Names every bad unit and what is wrong (``read_units`` refuses these already; this
    guards callers that build units themselves)."""
    from mapedit.io.geojson_geometry import invalid_reason

    problems: list[tuple[str, str]] = []
    for u in units:
        g = u.geometry
        if g is None or g.is_empty:
            problems.append((f"管理单元 {_unit_label(u)} 没有边界",
                             f"unit {_unit_label(u)} has no boundary"))
        elif g.geom_type not in _POLYGONAL:
            problems.append((f"管理单元 {_unit_label(u)} 的边界不是面({g.geom_type})",
                             f"unit {_unit_label(u)} is not a polygon ({g.geom_type})"))
        elif not g.is_valid:
            zh, en = invalid_reason(g)
            problems.append((f"管理单元 {_unit_label(u)} 的边界无效:{zh}",
                             f"unit {_unit_label(u)} has an invalid boundary: {en}"))
    if problems:
        more_zh = f";等共 {len(problems)} 处" if len(problems) > 3 else ""
        more_en = f"; {len(problems)} in all" if len(problems) > 3 else ""
        raise InputError(";".join(z for z, _ in problems[:3]) + more_zh,
                         "; ".join(e for _, e in problems[:3]) + more_en)


def _union(geoms: list[BaseGeometry], grid: float) -> BaseGeometry:
    """Union of valid polygons; GEOS can still fail on nearly coincident edges, and then the
    union is taken at the noding precision."""
    try:
        return shapely.union_all(geoms)
    except shapely.errors.GEOSException:
        return shapely.union_all(geoms, grid_size=grid)


def dataset_from_units(units: list, crs: str, grids: list | None = None,
                       street_name: str | None = None, fallback_name: str = "") -> Dataset:
    """A new project's dataset from exchange units (and optionally grids): the street is named
    by ``street_name`` or the units' ``street`` property, its code is the units' common 9-digit
    prefix, and responsibility grids are the unions of the units that name them (named by the
    units' ``responsibility_grid_name`` when the file gives one, else by their code). Units that
    are not valid polygons are refused with an :class:`InputError` naming them, before
    anything is built (nothing may reach the store that the checker cannot use)."""
    from collections import Counter

    from mapedit.model.hierarchy import ResponsibilityGrid, Street
    from mapedit.model.settings import Settings

    _refuse_bad_units(units)
    grid = Settings().noding_precision_m
    groups: dict[str, list] = {}
    rg_names: dict[str, Counter] = {}
    for u in units:
        if u.responsibility_grid:
            groups.setdefault(u.responsibility_grid, []).append(u.geometry)
            if getattr(u, "responsibility_grid_name", ""):  # as an exported units file names it
                rg_names.setdefault(u.responsibility_grid, Counter())[
                    u.responsibility_grid_name] += 1
    rgs = {code: ResponsibilityGrid(
               code=code, name=rg_names[code].most_common(1)[0][0] if code in rg_names else code,
               geometry=_union(geoms, grid))
           for code, geoms in groups.items()}
    names = Counter(u.street for u in units if u.street)
    name = street_name or (names.most_common(1)[0][0] if names else fallback_name)
    prefixes = {u.code[:9] for u in units if len(u.code) == 12 and u.code.isdigit()}
    street = Street(code=prefixes.pop() if len(prefixes) == 1 else "", name=name,
                    geometry=_union([u.geometry for u in units], grid))
    return Dataset(crs=crs, street=street, responsibility_grids=rgs,
                   units={u.code: u for u in units},
                   grids={i: g.replace(fid=i) for i, g in enumerate(grids or [], start=1)})


def import_grids_changeset(project: Project, path: str | os.PathLike
                           ) -> tuple[ChangeSet, list[str], int, int]:
    """Read an exchange grids file into one change set for ``project``: grids whose code is
    already in the project update it (keeping fid, creation time, notes and staffing when the
    file has none), the rest are inserted. Returns ``(changeset, messages, added, updated)``; apply it with
    ``allow_invalid=True`` so the checker reports bad shapes instead of refusing the file."""
    from mapedit.io.exchange import read_grids
    from mapedit.model.changes import GridChange
    from mapedit.model.hierarchy import now_iso

    path = Path(path)
    ds = project.dataset
    grids, msgs = read_grids(path, ds.crs, list(ds.units.values()), catalogue=ds.catalogue,
                             settings=ds.settings,
                             neighbours=[g.geometry for g in ds.grids.values()])
    by_code: dict[str, MicroGrid] = {}
    for g in sorted(ds.grids.values(), key=lambda g: g.fid or 0):
        by_code.setdefault(g.code, g)
    stamp = now_iso()
    changes: list[GridChange] = []
    added = updated = 0
    for g in grids:
        old = by_code.get(g.code)
        if old is None:
            changes.append(GridChange(None, g.replace(fid=None, created=g.created or stamp,
                                                      updated=stamp)))
            added += 1
        elif old.unit_code != g.unit_code:
            # A grid may not leave its unit in an edit; an import that moves it replaces it
            # (delete + insert in the same transaction).
            changes.append(GridChange(old, None))
            changes.append(GridChange(None, g.replace(
                fid=None, created=old.created or g.created or stamp, updated=stamp)))
            updated += 1
        else:
            # a file without notes or staffing (the platform's own export) keeps ours; a
            # households value the file repeats keeps where ours came from (a count from the
            # buildings stays one after an export → import round trip), a new one is entered
            source = (old.households_source if g.households == old.households
                      else g.households_source)
            changes.append(GridChange(old, g.replace(
                fid=old.fid, created=old.created or g.created, updated=stamp,
                notes=g.notes or old.notes, grid_leader=g.grid_leader or old.grid_leader,
                grid_staff=g.grid_staff or old.grid_staff,
                contact_phone=g.contact_phone or old.contact_phone,
                households_source=source)))
            updated += 1
    cs = ChangeSet(f"导入 {path.name}:新增 {added},更新 {updated}",
                   f"import {path.name}: {added} added, {updated} updated", changes)
    return cs, list(msgs), added, updated


# -- the last check's summary, so ``mapedit export`` need not check again --------------------
def _check_stamp(store: Any) -> str:
    from mapedit import __version__

    return f"{__version__}:{store.check_stamp()}"  # rules change with the program


def remember_check_summary(project: Project) -> None:
    """Store the current check summary in the project file, keyed by the project's state,
    if a check has run (never runs one). Best effort: a read-only file keeps none."""
    if project.checker_built and hasattr(project.store, "save_check_summary"):
        project.store.save_check_summary(_check_stamp(project.store), dict(project.summary()))


def stored_check_summary(store: Any) -> dict | None:
    """The stored check summary if it is current for the project as it is on disk (nothing
    written since, same program version), else None."""
    if not hasattr(store, "check_summary"):
        return None
    return store.check_summary(_check_stamp(store))


class UnitProgress:
    """How far a management unit is: grid count, share of its area covered, households,
    open errors (accepted exceptions not counted)."""

    __slots__ = ("grids", "coverage", "households", "errors")

    def __init__(self, grids: int, coverage: float, households: int, errors: int) -> None:
        self.grids = grids
        self.coverage = coverage
        self.households = households
        self.errors = errors


def unit_progress(dataset: Dataset, findings: list[Finding], codes: list[str] | None = None,
                  coverage: bool = True) -> dict[str, UnitProgress]:
    """Progress of the units ``codes`` (all when None), for the GUI's unit tree and reports.
    ``coverage=False`` skips the geometric union (coverage reported as NaN) for callers that
    only need counts, e.g. refreshing error counts of units an edit did not touch."""
    import numpy as np

    codes = list(dataset.units) if codes is None else list(codes)
    by_unit: dict[str, list[MicroGrid]] = {c: [] for c in codes}
    if len(codes) * 100 < len(dataset.grids):
        # a few units of a city (the unit tree fills its figures a slice at a time): ask the
        # per-unit index instead of scanning every grid for each slice
        from mapedit.model.editing.index import unit_grids

        for c in codes:
            by_unit[c] = list(unit_grids(dataset, c))
    else:
        for g in dataset.grids.values():
            if g.unit_code in by_unit:
                by_unit[g.unit_code].append(g)
    errors = dict.fromkeys(codes, 0)
    for f in findings:
        if f.unit in errors and f.severity == "error" and not f.accepted:
            errors[f.unit] += 1
    out: dict[str, UnitProgress] = {}
    for c in codes:
        unit = dataset.units[c]
        gs = by_unit[c]
        share = 0.0 if coverage else float("nan")
        geoms = [g.geometry for g in gs if g.geometry is not None and not g.geometry.is_empty]
        if coverage and unit.geometry is not None and unit.geometry.area > 0 and geoms:
            try:
                union = shapely.union_all(np.asarray(geoms, dtype=object))
                share = min(1.0, union.intersection(unit.geometry).area / unit.geometry.area)
            except shapely.errors.GEOSException:  # invalid geometries: the checker reports them
                share = float("nan")
        out[c] = UnitProgress(len(gs), share, sum(g.households or 0 for g in gs), errors[c])
    return out
