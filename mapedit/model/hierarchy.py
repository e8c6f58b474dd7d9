"""The street office hierarchy: street → responsibility grid → management unit → micro-grid.

Plain dataclasses with shapely geometries in the project's metric CRS. They carry no behaviour
that needs a store or Qt, so the checker, the CLI and tests build them directly.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import UTC, datetime

from shapely.geometry.base import BaseGeometry

UNIT_TYPES: tuple[str, ...] = ("小区", "农村", "街面", "农场")
"""Management-unit types (管理单元类型) from seed 000."""

FOUR_BOUND_KEYS: tuple[str, ...] = ("east", "south", "west", "north")

HOUSEHOLDS_FROM_BUILDINGS = "buildings"
HOUSEHOLDS_ENTERED = "entered"


def now_iso() -> str:
    """Current UTC time as ISO-8601 with seconds, the form stored in projects and logs."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


@dataclass
class Street:
    """街道: the whole project area."""

    code: str
    name: str
    geometry: BaseGeometry | None = None


@dataclass
class ResponsibilityGrid:
    """责任网格: one police/joint-duty area made of several units."""

    code: str
    name: str
    geometry: BaseGeometry | None = None
    street_code: str = ""


@dataclass
class Unit:
    """管理单元: a compound, village, street front or farm; micro-grids tile it."""

    code: str
    name: str
    unit_type: str
    geometry: BaseGeometry | None = None
    responsibility_grid: str = ""
    street: str = ""
    committee: str = ""
    """Residents' committee (居委会) a 街面 unit belongs to; it must not cross its boundary."""
    locked: bool = False
    responsibility_grid_name: str = field(default="", compare=False, repr=False)
    """The responsibility grid's name as an exchange file gives it (``units.geojson``'s
    ``responsibility_grid_name``): read so that a project made from the file names its
    responsibility grids. Not stored with the unit: a project keeps the names in its
    responsibility grids."""


@dataclass
class MicroGrid:
    """微网格. ``fid`` is the store's stable row id (None until stored); ``code`` is the
    15-digit business code, which may change when grids are renumbered."""

    code: str
    name: str
    category: str
    geometry: BaseGeometry | None = None
    unit_code: str = ""
    departments: list[str] = field(default_factory=list)
    households: int | None = None
    population: int | None = None
    four_bounds: dict[str, str] | None = None
    notes: str = ""
    created: str = ""
    updated: str = ""
    fid: int | None = None
    households_source: str = ""
    """Where :attr:`households` came from: ``buildings`` (summed from the building layer;
    editing operations recompute it whenever the grid's shape changes), ``entered`` (typed
    or imported: kept as it is, and the ``households-buildings-mismatch`` warning says when
    the buildings disagree) or ``""`` (not known: older data, treated as entered)."""
    grid_leader: str = ""
    """网格长: who leads the grid (filled in by the offices in the information table)."""
    grid_staff: str = ""
    """专职网格员: the full-time grid worker(s), as written in the table."""
    contact_phone: str = ""
    """联系电话 of the grid (as written: landlines, extensions, several numbers)."""

    def replace(self, **changes) -> MicroGrid:
        """A copy with some fields changed (lists and dicts copied, geometries shared:
        shapely geometries are immutable)."""
        base = dataclasses.replace(self, **changes)
        if "departments" not in changes:
            base.departments = list(self.departments)
        if "four_bounds" not in changes and self.four_bounds is not None:
            base.four_bounds = dict(self.four_bounds)
        return base
