"""The rule protocol: what a rule tells the engine, so a new rule is one module and one line in
:mod:`mapedit.rules.registry`.

The engine (:class:`~mapedit.rules.engine.Checker`) keeps the state every rule shares — each
grid's repaired geometry, validity, unit and code, the units, a spatial index of the grids,
prepared base layers — and stores findings by *scope*: one rule's answer for one thing (a
unit's topology, a grid's attributes, a code group, a building). A rule says

* which scopes a change puts in question (:meth:`Rule.scopes`), and how to check one scope
  from the current state (:meth:`Rule.check`): that is the incremental check, and it is all
  most rules need;
* optionally, how to check everything at once faster (:meth:`Rule.start` and
  :meth:`Rule.full`): the full check's fast path. By default the full check is
  :meth:`Rule.check` over :meth:`Rule.keys`.

Because the incremental and the full check ask the same rule the same question about the same
scope, they agree by construction; randomised tests compare them anyway.

A rule reads the shared state only through the checker's public API (``checker.grids``,
``checker.units``, ``checker.layer(role)``, ``checker.label``, … see the engine), never through
another rule, except where a rule documents what it publishes (the unit rules publish which
units overlap, which the topology rule's fast path needs).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from mapedit.rules.findings import Finding

if TYPE_CHECKING:
    from mapedit.rules.engine import Checker

ScopeResult = tuple[Hashable, list[Finding]]
"""A scope key (unique within its rule) and the rule's findings for it."""


@dataclass
class Change:
    """What one edit did, as the rules see it; built by the engine after it brought the
    shared state up to date (so ``checker.grids`` already describes the new state)."""

    fids: list[int]
    """Every fid inserted, updated or deleted, sorted."""
    present: list[int]
    """Those of :attr:`fids` still in the dataset."""
    geometries: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=object))
    """The old and the new (repaired) geometries of the changed grids: where something
    changed. Rules query their own layers with it (buildings near the edit, ...)."""
    units: set[str | None] = field(default_factory=set)
    """Units whose topology the change may affect: the changed grids' old and new units,
    every unit their old or new geometry touches, and the units of the grids those touch."""
    codes: set[str] = field(default_factory=set)
    """The changed grids' old and new codes."""


class Rule:
    """Base class of the rules. Subclasses set :attr:`name` (the scope namespace) and
    :attr:`findings` (the finding ids they report, with severity and titles) and implement
    :meth:`scopes` and :meth:`check`; the full-check hooks are optional.

    One instance per checker; it may keep state between calls (a prepared layer, the
    candidates its full check found), but the answer of :meth:`check` must depend only on
    the dataset and the shared state, never on the order of calls."""

    name: ClassVar[str] = ""
    findings: ClassVar[dict[str, tuple[str, str, str]]] = {}
    """Finding id → (severity, Chinese title, English title), merged into
    :data:`mapedit.rules.findings.RULES` when the rule is registered."""
    stage: ClassVar[str] = "grids"
    """When :meth:`start` may run in a full check: ``units`` (the units are prepared: unit
    geometries, tree) or ``grids`` (also every grid's repaired geometry, validity, code and the
    grid index; not yet their units). :meth:`start` runs in a worker thread while the engine
    assigns grids to units."""
    lane: ClassVar[str] = "worker"
    """Where :meth:`full` runs once the grids are assigned: ``worker`` (a worker thread,
    beside the topology) or ``main`` (the thread that called ``run_full``; it may share its
    work with a worker through ``checker.shared_map``)."""

    def __init__(self, checker: Checker) -> None:
        self.checker = checker
        self.settings = checker.settings

    # -- full check -------------------------------------------------------------------------
    def start(self) -> None:
        """Full-check work that does not need the grids' units (see :attr:`stage`). Must not
        use a prepared geometry another thread uses: prepare private copies
        (``mapedit.rules.geom.private_copies``)."""

    def full(self) -> Iterable[ScopeResult]:
        """Every scope that holds findings, after a full check's assignment of grids to
        units. Scopes not returned hold none. Default: :meth:`check` over :meth:`keys`."""
        for key in self.keys():
            found = self.check(key)
            if found:
                yield key, found

    def keys(self) -> Iterable[Hashable]:
        """Every scope of the dataset (used by the default :meth:`full`)."""
        return ()

    # -- incremental --------------------------------------------------------------------------
    def warm(self) -> None:
        """Build what the incremental check will need and the full check did not (a tree of
        a base layer, ...), so the first edit does not wait for it. Called from the thread of
        a background check, after its full check; optional."""

    def scopes(self, change: Change) -> Iterable[Hashable]:
        """The scopes whose findings ``change`` may have changed (default: none — a rule on
        units or layers that edits cannot touch)."""
        return ()

    def check(self, key: Hashable) -> list[Finding]:
        """The findings of one scope, from the current state."""
        raise NotImplementedError

    def check_many(self, keys: list[Hashable]) -> dict[Hashable, list[Finding]]:
        """:meth:`check` for several scopes (override to vectorise; keys missing from the
        result hold no findings)."""
        return {k: self.check(k) for k in keys}
