"""The program as ``pip install .`` and a wheel deliver it (not the editable checkout).

Issue 9: a non-editable install shipped the top-level ``resources/`` folder as the package
``mapedit.resources``, which hid the module ``mapedit/resources.py`` (``cannot import name
'resource_path'``), and a frozen build could not find ``catalogue.json``. These tests build the
wheel exactly as pip would, look inside, and run the installed copy from a folder that is not
the checkout, so nothing can be found by accident through the source tree.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The project's wheel, built without network (the build backend is in the test env) from a
    clean copy of the sources: an in-tree build would reuse a stale ``build/lib`` left by an
    earlier layout and could hide (or fake) the defect."""
    src = tmp_path_factory.mktemp("src") / "mapedit-src"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(
        ".git", ".venv*", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache",
        ".ruff_cache", "*.gpkg"))
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(out), str(src)],
        capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    wheels = list(out.glob("mapedit-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory) -> Path:
    """The wheel unpacked as pip installs it (``--target``: no dependencies, those come from
    the test environment)."""
    target = tmp_path_factory.mktemp("site")
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "-q",
         "--target", str(target), str(wheel)],
        capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return target


def _run_installed(site: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(site)  # first on sys.path: the installed copy, not the checkout
    env.pop("MAPEDIT_DEBUG", None)
    return subprocess.run([sys.executable, *args], capture_output=True, text=True,
                          encoding="utf-8", errors="replace", cwd=cwd, env=env, timeout=300)


def test_wheel_holds_one_resources_package_with_its_data(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "mapedit/resources.py" not in names, "a module beside the package of the same name"
    for needed in ("mapedit/resources/__init__.py", "mapedit/resources/catalogue.json",
                   "mapedit/resources/i18n/mapedit_en.ts"):
        assert needed in names, f"{needed} missing from the wheel"
    icons = [n for n in names if n.startswith("mapedit/resources/icons/")]
    assert any(n.endswith(".svg") for n in icons), "toolbar icons missing from the wheel"
    assert any(n.upper().endswith(("LICENSE", "LICENSE.TXT")) for n in icons), \
        "the icon set's licence must ship with it"
    assert not [n for n in names if n.startswith("tests/") or "__pycache__" in n]


def test_installed_copy_finds_its_resources(installed: Path, tmp_path: Path) -> None:
    code = ("import mapedit, mapedit.resources as r; "
            "from mapedit.resources import resource_path; "
            "from mapedit.model.catalogue import Catalogue; "
            "print(mapedit.__file__); print(resource_path('catalogue.json')); "
            "print(len(Catalogue.default().categories))")
    proc = _run_installed(installed, tmp_path, "-c", code)
    assert proc.returncode == 0, proc.stderr
    where, catalogue, count = proc.stdout.split("\n")[:3]
    assert Path(where).resolve().is_relative_to(installed.resolve()), where
    assert Path(catalogue).resolve().is_relative_to(installed.resolve()), catalogue
    from mapedit.model.catalogue import Catalogue

    assert int(count) == len(Catalogue.default().categories) > 0


def test_installed_copy_makes_and_checks_the_demo(installed: Path, tmp_path: Path) -> None:
    out = tmp_path / "示例.gpkg"
    proc = _run_installed(installed, tmp_path, "-m", "mapedit", "demo", str(out))
    assert proc.returncode == 0, proc.stderr
    assert out.exists()
    proc = _run_installed(installed, tmp_path, "-m", "mapedit", "check", str(out), "--json")
    assert proc.returncode == 1, proc.stderr  # the demo carries deliberate defects
    assert '"summary"' in proc.stdout


def test_no_top_level_resources_folder() -> None:
    """One layout: bundled data lives in the package (``mapedit/resources/``). A file added
    under a top-level ``resources/`` (for example by a branch made before the move) would be
    missing from every installed and frozen copy."""
    stray = ROOT / "resources"
    assert not stray.exists() or not any(p.is_file() for p in stray.rglob("*")), \
        f"move {sorted(str(p.relative_to(ROOT)) for p in stray.rglob('*') if p.is_file())} " \
        "into mapedit/resources/"
