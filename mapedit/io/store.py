"""What the editor needs from wherever a project lives: the :class:`ProjectStore` protocol.

Today a project is one GeoPackage (:class:`mapedit.io.gpkg.GpkgStore`); a PostGIS store for
several clerks comes later behind the same protocol, and ``tests/store_contract.py`` is the
suite any store must pass. :class:`mapedit.project.Project` talks to its store only through
these methods, and nothing outside ``mapedit/io`` runs SQL.

Two ideas run through it:

- **Revisions.** Every change to the stored project, by anyone, advances its revision. A store
  remembers the revision its caller's dataset reflects (``seen_revision``: set by ``load`` and
  by its own writes, moved on by ``acknowledge``) and refuses every write with
  :class:`mapedit.errors.ProjectChangedError` once somebody else has changed the project since —
  nothing anyone did is ever silently overwritten.
- **Catching up.** ``changes_since(seen_revision)`` says what the others changed (or, when
  that cannot be told, everything, with ``full=True``); ``Project.apply_remote`` runs it through
  the same dataset → checker → listeners path as a local edit and then acknowledges it, after
  which writing is allowed again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from mapedit.errors import MapeditError
from mapedit.model.catalogue import Catalogue
from mapedit.model.changes import ChangeSet
from mapedit.model.dataset import Dataset
from mapedit.model.hierarchy import MicroGrid, ResponsibilityGrid, Street, Unit
from mapedit.model.layers import Layer
from mapedit.model.settings import Settings


class StoreError(MapeditError):
    """The project cannot be written (disk full, read-only, locked by another program, the
    server gone); a store raises it with the reason in both languages."""


class StoreBusyError(StoreError):
    """Refused because this program is still writing something long into the project in
    another thread (a large layer, an embedded image); nothing was done, try again soon."""


@dataclass
class RemoteChanges:
    """What changed in the stored project between two revisions.

    Partial (``full=False``): ``grids`` maps each changed fid to the grid as stored now (None:
    deleted); ``accepted`` maps each changed finding key to its reason now (None: withdrawn);
    the other fields are None when unchanged, else the whole current value (``units`` all
    units; ``hierarchy`` the street and responsibility grids; ``layers`` the whole stack, where
    a vector layer's ``data`` is None when its features did not change).

    Full (``full=True``): every field holds the whole current state (every grid, every
    accepted finding, all layers with their features); what is missing was deleted. A store
    answers in full when it cannot tell what changed (a table recreated by another program,
    a file replaced by an older copy)."""

    revision: int
    full: bool = False
    grids: dict[int, MicroGrid | None] = field(default_factory=dict)
    units: dict[str, Unit] | None = None
    hierarchy: tuple[Street | None, dict[str, ResponsibilityGrid]] | None = None
    accepted: dict[str, str | None] = field(default_factory=dict)
    settings: Settings | None = None
    catalogue: Catalogue | None = None
    layers: list[Layer] | None = None
    tables: tuple[str, ...] = ()
    """Names of what changed (tables), for messages."""
    token: Any = None
    """Store-private: what :meth:`ProjectStore.acknowledge` needs to mark this as seen."""

    def __bool__(self) -> bool:
        return bool(self.full or self.grids or self.accepted or self.units is not None
                    or self.hierarchy is not None or self.settings is not None
                    or self.catalogue is not None or self.layers is not None)


@runtime_checkable
class ProjectStore(Protocol):
    """A stored project. Every write is atomic (all of it or nothing) and is refused with
    ``ProjectChangedError`` when another program changed the project since ``seen_revision``.
    Grid writes, locks, accepted findings, settings and layer additions/removals are recorded
    in the edit log (who, when, what)."""

    @property
    def seen_revision(self) -> int:
        """The revision the caller's dataset reflects."""
        ...

    def load(self) -> Dataset:
        """Everything, with ``dataset.layers`` restored; marks the current revision seen."""
        ...

    def write_changes(self, changeset: ChangeSet, who: str = "") -> list[int]:
        """Write a change set in one transaction; returns the fids of its inserts, in change
        order (an insert with a fid keeps it). Does not modify the change set."""
        ...

    def set_unit_locked(self, code: str, locked: bool, who: str = "") -> None: ...

    def accepted_findings(self) -> dict[str, str]: ...

    def set_accepted(self, key: str, rule: str, reason: str | None, who: str = "") -> None:
        """Accept a finding with a reason, or (reason None) withdraw the acceptance."""
        ...

    def save_settings(self, settings: Settings, who: str = "") -> None: ...

    def edit_log(self, limit: int = 100) -> list[dict[str, Any]]:
        """The newest entries, newest first."""
        ...

    def revision(self) -> int:
        """The stored project's revision now (cheap; poll it to notice others' changes)."""
        ...

    def changed_elsewhere(self) -> bool:
        """Whether somebody else changed the project since ``seen_revision`` (a write would be
        refused)."""
        ...

    def changes_since(self, revision: int) -> RemoteChanges: ...

    def acknowledge(self, changes: RemoteChanges) -> None:
        """The caller applied ``changes``: writing is allowed again (unless newer changes
        arrived meanwhile)."""
        ...

    def save_layer_settings(self, stack_settings: list[dict[str, Any]]) -> None:
        """Persist ``LayerStack.settings()`` (order, visibility, opacity, style, …)."""
        ...

    def add_vector_layer(self, layer: Layer, replace: bool = False, who: str = "") -> None:
        """Store a vector layer's features (a table GIS programs open) and its settings."""
        ...

    def add_layer(self, layer: Layer, who: str = "") -> None:
        """Store a new base layer of any kind (a vector layer as above; an image marked
        ``options["embedded"]`` with its pixels; a tile service or linked image as settings)."""
        ...

    def remove_layer(self, layer_id: str, who: str = "") -> None: ...

    def counts(self) -> dict[str, int]:
        """Feature count per layer (cheap: no geometry is read)."""
        ...

    def meta(self) -> dict[str, str]: ...

    def facts(self) -> dict[str, Any]:
        """``street`` (name and code) and ``units_by_type`` for a quick summary (cheap)."""
        ...

    def close(self) -> None: ...
