"""Where bundled resources (catalogue, translations, icons) live.

The top-level ``resources/`` folder is packaged as ``mapedit.resources`` (see pyproject's
package-dir), so the same lookup works from a checkout, an editable install and a wheel.
"""

from __future__ import annotations

from importlib import resources as _res
from pathlib import Path


def resource_path(*parts: str) -> Path:
    """Path of a bundled resource file, e.g. ``resource_path("catalogue.json")``."""
    try:
        base = Path(str(_res.files("mapedit.resources")))
        if (base / "catalogue.json").exists():
            return base.joinpath(*parts)
    except (ModuleNotFoundError, TypeError):
        pass
    return Path(__file__).resolve().parent.parent.joinpath("resources", *parts)
