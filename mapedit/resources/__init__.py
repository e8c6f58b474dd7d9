"""Bundled data files: the category catalogue, translations (``i18n/*.ts``) and toolbar icons
(``icons/*.svg`` with their licence).

Why a package folder: the data sits inside the ``mapedit`` package itself, so a checkout, an
editable install, a wheel (``pip install .``) and the frozen build (PyInstaller copies this folder
to ``mapedit/resources`` in the bundle) all find it the same way, next to this file. An earlier
layout mapped a top-level ``resources/`` folder onto the package name ``mapedit.resources``
beside a module ``mapedit/resources.py``; installed copies then got the folder and lost the
module (issue 9).
"""

from __future__ import annotations

from pathlib import Path

RESOURCE_DIR = Path(__file__).resolve().parent


def resource_path(*parts: str) -> Path:
    """Path of a bundled resource file, e.g. ``resource_path("catalogue.json")``."""
    return RESOURCE_DIR.joinpath(*parts)
