"""The geometry operations behind every editing tool (public API; no Qt).

Each edit is a pure function of a :class:`~mapedit.model.dataset.Dataset` returning a
:class:`~mapedit.model.changes.ChangeSet`; the GUI and the CLI apply it with ``project.apply``
and undo it with its inverse. Every result keeps the unit's coverage clean by construction —
shared edges noded on both sides (neighbours that receive vertices are part of the change set),
no overlap, nothing outside the unit, valid polygons — and a final guard refuses
(:class:`~mapedit.errors.EditRefused`) any result that would make coverage worse. Tolerances
come from :class:`~mapedit.model.settings.Settings` (the dataset's own when not given).

The implementation lives in :mod:`mapedit.model.editing`, one module per concern.
"""

from __future__ import annotations

from mapedit.model.editing.apply import apply_to_dataset
from mapedit.model.editing.common import (
    apportion,
    building_households,
    default_name,
    households_from_buildings,
)
from mapedit.model.editing.draw import (
    MODES,
    draw_grid,
    drawn_area,
    snap_coords,
    unit_for_drawing,
)
from mapedit.model.editing.gaps import (
    fill_all_gaps,
    fill_gap_new_grid,
    fill_gap_to_neighbour,
    gap_at,
    unit_gaps,
)
from mapedit.model.editing.grids import delete_grid, move_grid_to_unit, renumber_unit
from mapedit.model.editing.merge import merge_grids, merged_geometry
from mapedit.model.editing.noding import conform, node_shared_edges
from mapedit.model.editing.repair import (
    clip_to_unit,
    node_grids,
    subtract_overlap,
    unit_has_grids,
)
from mapedit.model.editing.snapping import Snapper, SnapResult, snap_point, trace_path
from mapedit.model.editing.split import split_grid, split_grid_by_road, split_parts
from mapedit.model.editing.verify import CoverageHealth, guard, health, unit_health
from mapedit.model.editing.vertices import (
    delete_vertex,
    grids_with_vertex,
    insert_vertex,
    move_vertex,
)

number_unit_grids = renumber_unit
"""Alias: renumber a unit's grids in reading order (``codes.number_grids``) as a change set."""

__all__ = [
    "MODES", "CoverageHealth", "SnapResult", "Snapper", "apply_to_dataset", "apportion",
    "building_households", "clip_to_unit", "conform", "default_name", "delete_grid",
    "delete_vertex",
    "draw_grid", "drawn_area", "unit_for_drawing", "fill_all_gaps", "fill_gap_new_grid", "fill_gap_to_neighbour",
    "gap_at", "grids_with_vertex", "guard", "health", "households_from_buildings",
    "insert_vertex", "merge_grids", "merged_geometry", "move_grid_to_unit", "move_vertex",
    "node_grids", "node_shared_edges", "number_unit_grids", "renumber_unit", "snap_coords",
    "snap_point", "split_grid", "split_grid_by_road", "split_parts", "subtract_overlap",
    "trace_path", "unit_gaps", "unit_has_grids", "unit_health",
]
