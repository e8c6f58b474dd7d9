"""Project settings: named tolerances and bands, in metres and square metres.

Every geometric threshold the checker or the editing tools use lives here with its default, so
no module hides a magic number. A project stores its own values (GeoPackage ``settings`` table).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields


@dataclass
class Settings:
    noding_precision_m: float = 0.001
    """Vertices closer than this are the same vertex; pieces thinner than this are float noise."""
    coordinate_precision_m: float = 0.01
    """How exact the coordinates are: exchange files carry WGS84 with 7 decimals (about 1 cm), so
    a vertex may move up to ~7 mm on a round trip. The checker treats pieces thinner than
    max(noding_precision_m, coordinate_precision_m) as noise and vertices that close as one."""
    min_area_m2: float = 0.01
    """Gap/overlap/crossing pieces smaller than this are not reported."""
    sliver_width_m: float = 0.5
    """A gap or overlap thinner than this is also reported as a ``sliver`` warning."""
    building_cut_min_area_m2: float = 1.0
    """A building counts as cut when at least this much of it lies on each side of a boundary."""
    building_cut_min_share: float = 0.05
    """... and that part is at least this share of the building's area."""
    households_min: int = 300
    households_max: int = 500
    households_mismatch_share: float = 0.2
    """A grid's entered households and the total of the buildings inside it disagree (the
    ``households-buildings-mismatch`` warning) when they differ by more than this share of
    the larger of the two: 297 entered against 1,164 in the buildings is a stale count."""
    dense_vertices: int = 1000
    """Geometries read from files with more vertices than this are thinned: repeated and
    collinear vertices within ``noding_precision_m`` are removed (shared vertices kept)."""
    max_vertices: int = 5000
    """A geometry with more vertices than this after thinning is refused when read: the
    checker's vertex-by-vertex rules would take minutes on it."""
    snap_pixels: int = 10
    """Snapping radius of editing tools, in screen pixels."""
    code_pattern: str = "default"
    """``default`` (12-digit units, unit code + 3 digits for grids), ``none``, or a regex."""

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Settings:
        """Build from stored values, ignoring unknown keys and coercing types, so an older or
        newer project file still opens."""
        out = cls()
        for f in fields(cls):
            if f.name in data and data[f.name] is not None:
                default = getattr(out, f.name)
                try:
                    setattr(out, f.name, type(default)(data[f.name]))
                except (TypeError, ValueError):
                    pass
        return out
